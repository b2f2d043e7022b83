"""Performance grades over time (pure): the decisions that change an enterprise's grade between
list revisions, its grade history, and the enterprise as a new grade makes it.

A grade (绩效等级) is decided outside the list — declared by the enterprise (申报), reviewed by the
city (评审), published (公示), decided on the provincial or the national platform (环办大气〔2026〕2号)
— and takes effect on a date. The list is amended from that date: a revision derived from the one
in force with the enterprise under its new grade and its measures set again as the grade requires
(the consistency rule of import): an autonomous grade (A+, A, 引领性) reduces autonomously unless the
line records a negotiated reduction (协商减排); any other grade takes its industry's table measures.
The next alert's plan, selected from the list in force at its start, follows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from orchestrator.alerts.model import ALERT_LEVELS
from orchestrator.emissions.measures import (
    AUTONOMOUS_TEXT,
    NEGOTIATED,
    MeasureBook,
    table_measure,
)
from orchestrator.emissions.model import (
    ControlCategory,
    Enterprise,
    Grade,
    Measure,
    MeasureKind,
)
from orchestrator.errors import InputInvalid

#: How a revision derived from grade decisions names its source (its base revision before it).
AMENDED = "按绩效等级调整"


def is_amendment(source: str) -> bool:
    """Whether a revision was derived from grade decisions (not imported from a workbook)."""
    return AMENDED in source


class GradeSource(StrEnum):
    """Who decided a grade."""

    DECLARED = "declared"
    REVIEWED = "reviewed"
    PUBLISHED = "published"
    PROVINCE = "province"
    NATION = "nation"
    LIST = "list"  # as a list revision gives it

    @property
    def label(self) -> str:
        return _SOURCE_LABEL[self]


_SOURCE_LABEL = {
    GradeSource.DECLARED: "企业申报",
    GradeSource.REVIEWED: "市级评审",
    GradeSource.PUBLISHED: "公示",
    GradeSource.PROVINCE: "省级平台认定",
    GradeSource.NATION: "国家平台认定",
    GradeSource.LIST: "应急减排清单",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeDecision:
    """One decision on an enterprise's grade, effective from a date."""

    uscc: str
    grade: Grade
    effective_from: dt.date
    source: GradeSource
    reference: str  # the document or the platform's record (文号, 公示编号)
    recorded_at: dt.datetime
    recorded_by: str
    note: str = ""
    id: int = 0

    def __post_init__(self) -> None:
        if self.source is GradeSource.LIST:
            raise ValueError("a list revision's grade is not a decision")


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeStep:
    """One step of an enterprise's grade history."""

    effective_from: dt.date
    grade: Grade
    source: GradeSource
    reference: str  # 文号, or 第N版清单


class RegradeRefused(InputInvalid):
    """Raised when an enterprise cannot be put under a grade: a line without a measure table
    would be left without a measure the grade requires."""


def in_effect(decisions: list[GradeDecision], on: dt.date) -> dict[str, GradeDecision]:
    """Each enterprise's decision in effect ``on``: the latest effective date not after it, the
    newest recorded of one date."""
    out: dict[str, GradeDecision] = {}
    for d in sorted(decisions, key=lambda d: (d.effective_from, d.recorded_at, d.id)):
        if d.effective_from <= on:
            out[d.uscc] = d
    return out


def regrade(e: Enterprise, grade: Grade, book: MeasureBook) -> tuple[Enterprise, list[str]]:
    """``e`` under ``grade``, each line's measures set again as the grade requires, and a note
    for each measure that changed. The category still decides for an idle plant (长期停产) and a
    load-capped one's cap."""
    notes: list[str] = []
    lines = []
    for line in e.lines:
        table = book.table(line.industry)
        measures: list[Measure] = []
        for level in ALERT_LEVELS:
            m = line.measure(level)
            entry = table.entry(grade, level) if table else None
            keep = e.category is ControlCategory.LONG_STOPPED or (
                e.category.load_capped and m is not None and m.kind is MeasureKind.LOAD_CAP
            )
            new: Measure | None = m
            if keep:
                pass
            elif grade.autonomous:
                if m is None or (
                    m.kind is not MeasureKind.AUTONOMOUS and NEGOTIATED not in line.note
                ):
                    new = Measure(level=level, kind=MeasureKind.AUTONOMOUS, text=AUTONOMOUS_TEXT)
            elif entry is not None:
                new = table_measure(entry, level, line.baseline)
            elif m is None or m.kind is MeasureKind.AUTONOMOUS:
                raise RegradeRefused(
                    f"{e.name}（{e.uscc}）“{line.name}”：{line.industry}无措施表，调整为绩效等级"
                    f"{grade.value}后{level.term}须有减排措施，请通过导入新版清单填写"
                )
            if new is not None:
                if m is None or (new.kind, new.text, new.value) != (m.kind, m.text, m.value):
                    before = f"“{m.text}”" if m is not None else "无"
                    notes.append(f"{e.name}“{line.name}”{level.term}：{before}→“{new.text}”")
                measures.append(new)
        lines.append(dataclasses.replace(line, declared_grade=grade, measures=tuple(measures)))
    return dataclasses.replace(e, grade=grade, lines=tuple(lines)), notes


def history(
    listed: list[tuple[int, dt.date, Grade]], decisions: list[GradeDecision]
) -> list[GradeStep]:
    """An enterprise's grades over time: each list revision's (``(number, effective_from,
    grade)``) where it changed, and every decision, by date."""
    steps = [
        GradeStep(effective_from=d, grade=g, source=GradeSource.LIST, reference=f"第{n}版清单")
        for n, d, g in listed
    ]
    steps += [
        GradeStep(
            effective_from=d.effective_from, grade=d.grade, source=d.source, reference=d.reference
        )
        for d in decisions
    ]
    steps.sort(key=lambda s: (s.effective_from, s.source is GradeSource.LIST))
    out: list[GradeStep] = []
    for s in steps:
        if out and out[-1].grade is s.grade and s.source is GradeSource.LIST:
            continue  # a revision that only carried the grade on
        out.append(s)
    return out
