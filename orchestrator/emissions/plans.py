"""Dispatch plans (pure): each enterprise's measures for a level, and what changes between levels.

A plan is selected from a list revision when an alert revision is approved and then frozen with
it, so later list revisions never rewrite what was ordered. Selection by grade and control
category (DOMAIN.md §5): A+, A and 引领性 reduce autonomously; 民生保障/以热定产/以量定产 run under
their load cap; 长期停产 stay stopped; everyone else takes the list measures of the level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import (
    ZERO,
    Amounts,
    Capacity,
    ControlCategory,
    EmissionList,
    Enterprise,
    Load,
    LoadUnit,
    Measure,
    MeasureKind,
    Species,
    sum_amounts,
)


class PlanMode(StrEnum):
    AUTONOMOUS = "autonomous"  # 自主减排
    LOAD_CAP = "load_cap"  # 以热定产 / 民生保障 / 以量定产: maximum allowed load
    LIST = "list"  # list measures of the level
    LONG_STOPPED = "long_stopped"  # 长期停产: stays stopped

    @property
    def label(self) -> str:
        return {
            PlanMode.AUTONOMOUS: "自主减排",
            PlanMode.LOAD_CAP: "限负荷运行",
            PlanMode.LIST: "清单措施",
            PlanMode.LONG_STOPPED: "保持停产",
        }[self]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedLine:
    name: str
    industry: str
    measure: Measure | None
    check_method: str
    meter_no: str
    rated: Load | None = None  # the rated load a cap in % refers to
    base: tuple[float, str] | None = None  # the 限产 base (value, unit) where it binds


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanEntry:
    """One enterprise's orders for the level: the content of its dispatch order."""

    uscc: str
    name: str
    county: str
    grade: str
    category: str
    mode: PlanMode
    lines: tuple[PlannedLine, ...]
    reduction: Amounts
    contact: str
    phone: str
    email: str
    channel: str
    town: str = ""  # 乡镇街道: the township that answers for it (the response network)


class RosterEntry(NamedTuple):
    """An enterprise of a frozen plan as the daily dispatch reads it (100,000 a day in a large
    city: a named tuple, its lines only the level's measure texts)."""

    uscc: str
    name: str
    county: str
    town: str
    contact: str
    phone: str
    mode: str  # PlanMode value
    lines: list[tuple[str, str]]  # (line, the level's measure) of the lines under one
    grade: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchPlan:
    level: AlertLevel
    entries: tuple[PlanEntry, ...]
    reduction: Amounts  # industry + dust + transport


def plan_mode(e: Enterprise) -> PlanMode:
    """How an enterprise takes part at every level: by its control category and grade, and by
    its lines' own measures — an A-grade enterprise whose list gives a line a mandatory measure
    (agreed, or tolerated by ``config/list.toml``) takes it as its order, and it is counted."""
    if e.category is ControlCategory.LONG_STOPPED:
        return PlanMode.LONG_STOPPED
    if e.grade.autonomous and all(
        m.kind is MeasureKind.AUTONOMOUS for ln in e.lines for m in ln.measures
    ):
        return PlanMode.AUTONOMOUS
    if e.category.load_capped:
        return PlanMode.LOAD_CAP
    return PlanMode.LIST


def plan_for(lst: EmissionList, level: AlertLevel) -> DispatchPlan:
    """Every enterprise's measures for ``level`` from a list revision."""
    entries = []
    for e in lst.enterprises:
        mode = plan_mode(e)
        lines = tuple(
            PlannedLine(
                name=ln.name,
                industry=ln.industry,
                measure=ln.measure(level),
                check_method=ln.check_method,
                meter_no=ln.meter_no,
                rated=ln.rated,
                base=_base_of(ln.capacity),
            )
            for ln in e.lines
        )
        entries.append(
            PlanEntry(
                uscc=e.uscc,
                name=e.name,
                county=e.county,
                grade=e.grade.value,
                category=e.category.value,
                mode=mode,
                lines=lines,
                reduction=ZERO if mode is PlanMode.AUTONOMOUS else e.reduction(level),
                contact=e.contact,
                phone=e.phone,
                email=e.email,
                channel=e.channel,
                town=e.town,
            )
        )
    reduction = sum_amounts((*(e.reduction for e in entries), lst.others(level)))
    return DispatchPlan(level=level, entries=tuple(entries), reduction=reduction)


class Change(StrEnum):
    NEW = "new"  # not ordered before
    MORE = "more"  # must do more
    LESS = "less"  # may relax part of its measures
    SAME = "same"
    RESUME = "resume"  # may resume normal production (lift)
    REMAIN = "remain"  # lifted, but a recurring control in force still binds it


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryChange:
    uscc: str
    name: str
    change: Change
    details: tuple[str, ...]


def _strength(line: PlannedLine) -> tuple[int, float]:
    m = line.measure
    if m is None:
        return (-1, 0.0)
    return (m.kind.strength, (m.value or 0.0) if m.kind is MeasureKind.LIMIT else 0.0)


def diff_plans(
    old: Sequence[PlanEntry] | None, new: Sequence[PlanEntry] | None
) -> list[EntryChange]:
    """Per enterprise: who must do more, who may relax, who may resume (``new`` None = lift)."""
    before = {e.uscc: e for e in old} if old else {}
    out: list[EntryChange] = []
    if new is None:
        return [
            EntryChange(uscc=e.uscc, name=e.name, change=Change.RESUME, details=())
            for e in before.values()
        ]
    for e in new:
        prev = before.get(e.uscc)
        if prev is None:
            out.append(EntryChange(uscc=e.uscc, name=e.name, change=Change.NEW, details=()))
            continue
        old_lines = {ln.name: ln for ln in prev.lines}
        more, less = [], []
        for ln in e.lines:
            was = old_lines.get(ln.name)
            a, b = (_strength(was) if was else (-1, 0.0)), _strength(ln)
            text = ln.measure.text if ln.measure else "—"
            if b > a:
                more.append(f"{ln.name}：{text}")
            elif b < a:
                less.append(f"{ln.name}：{text}")
        change = Change.MORE if more else (Change.LESS if less else Change.SAME)
        out.append(
            EntryChange(uscc=e.uscc, name=e.name, change=change, details=tuple(more or less))
        )
    return out


def _amounts(a: Amounts) -> dict[str, float]:
    return {"so2": a.so2, "nox": a.nox, "pm": a.pm, "vocs": a.vocs}


def entry_record(e: PlanEntry) -> dict[str, Any]:
    """A plan entry as JSON, field for field (``dataclasses.asdict`` is 5× slower on 100,000):
    the form in which plans are kept with list revisions and frozen with alert revisions."""
    return {
        "uscc": e.uscc,
        "name": e.name,
        "county": e.county,
        "grade": e.grade,
        "category": e.category,
        "mode": e.mode.value,
        "lines": [
            {
                "name": ln.name,
                "industry": ln.industry,
                "measure": _measure_record(ln.measure),
                "check_method": ln.check_method,
                "meter_no": ln.meter_no,
                **_rated_record(ln.rated),
                "base": None if ln.base is None else [ln.base[0], ln.base[1]],
            }
            for ln in e.lines
        ],
        "reduction": _amounts(e.reduction),
        "contact": e.contact,
        "phone": e.phone,
        "email": e.email,
        "channel": e.channel,
        "town": e.town,
    }


def _measure_record(m: Measure | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "level": m.level.value,
        "kind": m.kind.value,
        "text": m.text,
        "value": m.value,
        "reduction": _amounts(m.reduction),
        "from_table": m.from_table,
        # a load cap's unit (records kept before units were have none: see cap_of)
        "unit": m.unit.value if m.unit is not None else None,
    }


def _rated_record(rated: Load | None) -> dict[str, Any]:
    """A line's rated load in its record (None where it has none)."""
    return {"rated": None if rated is None else {"value": rated.value, "unit": rated.unit.value}}


def _base_of(c: Capacity | None) -> tuple[float, str] | None:
    """A line's 限产 base (value, unit), where its table makes the capacities binding."""
    return (c.base, c.unit) if c is not None and c.binding else None


def _base_record(c: Capacity | None) -> list[Any] | None:
    """A line's 限产 base in its record, ``[value, unit]``, where it binds (else None)."""
    base = _base_of(c)
    return None if base is None else [base[0], base[1]]


def rated_of(line: dict[str, Any]) -> Load | None:
    """The rated load of a plan record's line (None where it has none)."""
    r = line.get("rated")
    return None if r is None else Load(float(r["value"]), LoadUnit(r["unit"]))


def cap_of(measure: dict[str, Any]) -> Load | None:
    """A plan record's load cap: its value and unit (a record kept before units were: the unit
    written in its text)."""
    if measure.get("kind") != MeasureKind.LOAD_CAP.value:
        return None
    if measure.get("unit"):
        value = measure.get("value")
        return None if value is None else Load(float(value), LoadUnit(measure["unit"]))
    found = Load.find(measure.get("text") or "")
    value = measure.get("value")
    if found is None:
        return None
    return Load(float(value), found.unit) if value is not None else found


def enterprise_record(e: Enterprise, levels: Sequence[AlertLevel]) -> dict[str, Any]:
    """One enterprise's plan for every level of ``levels`` in one JSON record — how a list
    revision keeps its plans (one record, not one per level); :func:`level_record` takes out
    one level's entry, equal to ``entry_record`` of that level's plan entry."""
    mode = plan_mode(e)
    return {
        "uscc": e.uscc,
        "name": e.name,
        "county": e.county,
        "grade": e.grade.value,
        "category": e.category.value,
        "mode": mode.value,
        "lines": [
            {
                "name": ln.name,
                "industry": ln.industry,
                "measures": {lv.value: _measure_record(ln.measure(lv)) for lv in levels},
                "check_method": ln.check_method,
                "meter_no": ln.meter_no,
                **_rated_record(ln.rated),
                "base": _base_record(ln.capacity),
            }
            for ln in e.lines
        ],
        "reduction": {
            lv.value: _amounts(ZERO if mode is PlanMode.AUTONOMOUS else e.reduction(lv))
            for lv in levels
        },
        "contact": e.contact,
        "phone": e.phone,
        "email": e.email,
        "channel": e.channel,
        "town": e.town,
    }


def level_record(rec: dict[str, Any], level: AlertLevel) -> dict[str, Any]:
    """``level``'s plan entry (the :func:`entry_record` shape) from an :func:`enterprise_record`;
    the 不利气象条件应对 band's has no list measure: no lines, nothing reduced."""
    if not level.colour:
        return {**rec, "lines": [], "reduction": _amounts(ZERO)}
    lv = level.value
    return {
        **rec,
        "lines": [
            {
                "name": ln["name"],
                "industry": ln["industry"],
                "measure": ln["measures"][lv],
                "check_method": ln["check_method"],
                "meter_no": ln["meter_no"],
                **({"rated": ln["rated"]} if "rated" in ln else {}),
                "base": ln.get("base"),  # records kept before migration 0020 have none
            }
            for ln in rec["lines"]
        ],
        "reduction": rec["reduction"][lv],
    }


def _amounts_of(data: dict[str, float]) -> Amounts:
    return Amounts(**{s.value: float(data[s.value]) for s in Species})


def entry_from_record(rec: dict[str, Any]) -> PlanEntry:
    """The inverse of :func:`entry_record`."""
    return PlanEntry(
        uscc=rec["uscc"],
        name=rec["name"],
        county=rec["county"],
        grade=rec["grade"],
        category=rec["category"],
        mode=PlanMode(rec["mode"]),
        lines=tuple(
            PlannedLine(
                name=ln["name"],
                industry=ln["industry"],
                measure=None
                if (m := ln["measure"]) is None
                else Measure(
                    level=AlertLevel(m["level"]),
                    kind=MeasureKind(m["kind"]),
                    text=m["text"],
                    value=m["value"],
                    reduction=_amounts_of(m["reduction"]),
                    from_table=m["from_table"],
                    unit=LoadUnit(m["unit"]) if m.get("unit") else None,
                ),
                check_method=ln["check_method"],
                meter_no=ln["meter_no"],
                rated=rated_of(ln),
                base=(float(b[0]), str(b[1])) if (b := ln.get("base")) else None,
            )
            for ln in rec["lines"]
        ),
        reduction=_amounts_of(rec["reduction"]),
        contact=rec["contact"],
        phone=rec["phone"],
        email=rec["email"],
        channel=rec["channel"],
        town=rec.get("town", ""),  # records kept before the response network have none
    )
