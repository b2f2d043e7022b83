"""Coverage check tasks (核查任务) as values (pure): who in the response network checks which
finding of a coverage run, what it may answer, and how the answers stand.

A finding goes to the county it is in (属地负责): the county unit whose name is the finding's
区县. A finding in no county of the network (a registry row without 区县, a name the network does
not know) goes to the member unit overseeing the registry's sheet (扬尘源工地 → 住建, 重点用车单位
→ 交通运输, 工业企业 → the unit overseeing enterprises); failing that it stays with the office
(unassigned, shown on the console).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orchestrator.emissions.registries import Finding, FindingKind, Registry
from orchestrator.errors import OrchestratorError
from orchestrator.network.model import Matrix, Oversees, Unit, UnitKind
from orchestrator.notices.contexts import Header


class Outcome(StrEnum):
    """What a unit found when it checked a finding."""

    ADDED = "added"  # 已纳入清单（补充各级预警措施）
    CORRECTED = "corrected"  # 已更正（许可证编号、名称、产能）
    CLOSED = "closed"  # 已关停、注销或完工
    NOT_REQUIRED = "not_required"  # 经核实不涉气或不需纳入
    OTHER = "other"  # 其他情况（须说明）

    @property
    def label(self) -> str:
        return _OUTCOME_LABEL[self]


_OUTCOME_LABEL = {
    Outcome.ADDED: "已纳入清单",
    Outcome.CORRECTED: "已核实更正",
    Outcome.CLOSED: "已关停、注销或完工",
    Outcome.NOT_REQUIRED: "经核实无需纳入",
    Outcome.OTHER: "其他情况（须说明）",
}

#: The answers that fit each kind of finding (the page offers these; others are refused).
FITTING: Mapping[FindingKind, tuple[Outcome, ...]] = {
    FindingKind.MISSING: (Outcome.ADDED, Outcome.CLOSED, Outcome.NOT_REQUIRED, Outcome.OTHER),
    FindingKind.REVIEW: (Outcome.ADDED, Outcome.NOT_REQUIRED, Outcome.CLOSED, Outcome.OTHER),
    FindingKind.ABSENT: (Outcome.CLOSED, Outcome.CORRECTED, Outcome.OTHER),
    FindingKind.INACTIVE: (Outcome.CLOSED, Outcome.CORRECTED, Outcome.OTHER),
    FindingKind.PERMIT_MISMATCH: (Outcome.CORRECTED, Outcome.OTHER),
    FindingKind.NO_PERMIT: (Outcome.CORRECTED, Outcome.OTHER),
    FindingKind.RENAMED: (Outcome.CORRECTED, Outcome.OTHER),
    FindingKind.CAPACITY_MISSING: (Outcome.CORRECTED, Outcome.OTHER),
    FindingKind.CAPACITY_MISMATCH: (Outcome.CORRECTED, Outcome.OTHER),
}

#: What a unit is expected to have done when it answers that, for findings that the next run
#: should no longer find; an answer whose finding is found again is a contradiction to chase.
CLEARS = frozenset({Outcome.ADDED, Outcome.CORRECTED, Outcome.CLOSED})

NOTE_MAX = 500
SIGNER_MAX = 40

_SHEET = {
    Registry.PERMITS: Oversees.ENTERPRISES,
    Registry.SITES: Oversees.DUST_SITES,
    Registry.TRANSPORT: Oversees.TRANSPORT_USERS,
}


class AnswerRefused(OrchestratorError):
    """Answers that cannot be taken (the message names the item, in Chinese)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """A unit's answer to one finding (the newest counts)."""

    kind: FindingKind
    key: str
    outcome: Outcome
    note: str
    signer: str = ""
    answered_at: dt.datetime | None = None
    uscc: str = ""  # the answering unit

    @property
    def ident(self) -> tuple[str, str]:
        return (self.kind.value, self.key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "key": self.key,
            "outcome": self.outcome.value,
            "note": self.note,
            "signer": self.signer,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
        }

    @classmethod
    def of(cls, d: Mapping[str, Any]) -> Answer:
        at = d.get("answered_at")
        return cls(
            kind=FindingKind(d["kind"]),
            key=str(d["key"]),
            outcome=Outcome(d["outcome"]),
            note=str(d.get("note", "")),
            signer=str(d.get("signer", "")),
            answered_at=dt.datetime.fromisoformat(at) if isinstance(at, str) else at,
            uscc=str(d.get("uscc", "")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One finding of a task, with what the unit answered to the same finding last run."""

    finding: Finding
    before: Answer | None = None  # the previous run's answer to the same finding

    @property
    def ident(self) -> tuple[str, str]:
        return self.finding.ident

    @property
    def contradicted(self) -> bool:
        """Answered last time as done (纳入、更正、关停), yet found again."""
        return self.before is not None and self.before.outcome in CLEARS

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.finding.as_dict(),
            "before": self.before.as_dict() if self.before else None,
        }

    @classmethod
    def of(cls, d: Mapping[str, Any]) -> Item:
        before = d.get("before")
        return cls(finding=Finding.of(d), before=Answer.of(before) if before else None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """One unit's check task of one coverage run."""

    coverage_id: int
    registry: Registry
    uscc: str  # the unit's code
    unit_id: str
    unit_name: str
    items: tuple[Item, ...]
    issued_at: dt.datetime
    deadline: dt.datetime
    answers: tuple[Answer, ...] = ()

    def answer_of(self, item: Item) -> Answer | None:
        return next((a for a in self.answers if a.ident == item.ident), None)

    @property
    def answered(self) -> int:
        mine = {i.ident for i in self.items}
        return sum(1 for a in self.answers if a.ident in mine)

    @property
    def done(self) -> bool:
        return self.answered == len(self.items)

    def overdue(self, now: dt.datetime) -> bool:
        return not self.done and now >= self.deadline


def unit_for(matrix: Matrix, registry: Registry, finding: Finding) -> Unit | None:
    """Who checks ``finding`` (see the module's note)."""
    county = matrix.unit(f"county:{finding.county}") if finding.county else None
    if county is not None and county.kind is UnitKind.COUNTY and county.uscc:
        return county
    sheet = _SHEET[registry]
    return next(
        (u for u in matrix.units if u.kind is UnitKind.MEMBER and sheet in u.oversees and u.uscc),
        None,
    )


def assign(
    matrix: Matrix,
    registry: Registry,
    findings: Iterable[Finding],
    answered: Mapping[tuple[str, str], Answer] | None = None,
) -> tuple[dict[str, tuple[Unit, list[Item]]], list[Finding]]:
    """Each unit's items (by unit id, in the matrix's order) and the findings no unit takes.
    ``answered``: the previous run's answers by finding, carried on each item as ``before``."""
    before = answered or {}
    out: dict[str, tuple[Unit, list[Item]]] = {}
    left: list[Finding] = []
    for f in findings:
        unit = unit_for(matrix, registry, f)
        if unit is None:
            left.append(f)
            continue
        out.setdefault(unit.id, (unit, []))[1].append(Item(finding=f, before=before.get(f.ident)))
    order = {u.id: i for i, u in enumerate(matrix.units)}
    return dict(sorted(out.items(), key=lambda kv: order[kv[0]])), left


def checked(
    items: Sequence[Item], form: Mapping[str, str], *, signer: str, now: dt.datetime, uscc: str
) -> list[Answer]:
    """The answers a unit's form gives (``outcome_<n>``, ``note_<n>`` for its n-th item; an
    item left blank is not answered now). Refused, naming the item, when an answer does not fit
    its finding, "其他情况" comes without a note, or a note is too long; nothing is taken then."""
    who = signer.strip()
    if not who:
        raise AnswerRefused("请填写填报人。")
    if len(who) > SIGNER_MAX:
        raise AnswerRefused(f"填报人不能超过{SIGNER_MAX}个字。")
    out: list[Answer] = []
    problems: list[str] = []
    for n, item in enumerate(items):
        f = item.finding
        value = form.get(f"outcome_{n}", "").strip()
        note = form.get(f"note_{n}", "").strip()
        where = f"第{n + 1}项（{f.name}，{f.kind.label}）"
        if not value:
            if note:
                problems.append(f"{where}：填写了说明但未选择核实结果")
            continue
        try:
            outcome = Outcome(value)
        except ValueError:
            problems.append(f"{where}：核实结果“{value[:20]}”无法识别")
            continue
        if outcome not in FITTING[f.kind]:
            problems.append(f"{where}：“{outcome.label}”不适用于此类事项")
            continue
        if outcome is Outcome.OTHER and not note:
            problems.append(f"{where}：选择“其他情况”须填写说明")
            continue
        if len(note) > NOTE_MAX:
            problems.append(f"{where}：说明不能超过{NOTE_MAX}个字")
            continue
        out.append(
            Answer(
                kind=f.kind,
                key=f.key,
                outcome=outcome,
                note=note,
                signer=who,
                answered_at=now,
                uscc=uscc,
            )
        )
    if problems:
        raise AnswerRefused("；".join(problems) + "。")
    if not out:
        raise AnswerRefused("请至少选择一项核实结果。")
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRow:
    """One finding as the task lists it."""

    kind: str  # 名录中有、清单中无
    name: str
    key: str
    county: str
    detail: str
    action: str
    before: str = ""  # 上次核查答复：已纳入清单（说明）
    contradicted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckContext:
    """核查任务 (templates/checks/task.html): one unit's findings of one coverage run."""

    header: Header
    number: str
    title: str
    unit: str
    opening: str
    rows: tuple[CheckRow, ...]
    deadline: str  # 2026年1月20日
    link: str
    office_phone: str
    contradicted: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckMessageContext:
    """The short message that carries a check task (templates/checks/message.txt)."""

    region_name: str
    unit: str
    number: str
    items: int
    registry: str
    deadline: str
    link: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReminderContext:
    """The reminder of an overdue check task (templates/checks/reminder.txt)."""

    region_name: str
    unit: str
    registry: str
    deadline: str
    left: int  # findings not answered
    link: str


def rows_of(items: Sequence[Item]) -> tuple[CheckRow, ...]:
    return tuple(
        CheckRow(
            kind=i.finding.kind.label,
            name=i.finding.name,
            key=i.finding.key,
            county=i.finding.county,
            detail=i.finding.detail,
            action=i.finding.kind.action,
            before=(
                f"{i.before.outcome.label}" + (f"（{i.before.note}）" if i.before.note else "")
                if i.before
                else ""
            ),
            contradicted=i.contradicted,
        )
        for i in items
    )
