"""Template contexts: what each template may use, nothing more. Templates format; they never
decide policy. Golden-file tests pin the output of each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import LIST_LEVELS, Enterprise, Line


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardMeasure:
    level_label: str  # 黄色 / 橙色 / 红色
    text: str
    kind_label: str


def _board_measure(line: Line, level: AlertLevel) -> BoardMeasure:
    m = line.measure(level)
    if m is None:
        return BoardMeasure(level_label=level.label, text="—", kind_label="")
    return BoardMeasure(level_label=level.label, text=m.text, kind_label=m.kind.label)


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardLine:
    name: str
    industry: str
    measures: tuple[BoardMeasure, ...]
    check_method: str
    meter_no: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeBoardContext:
    """一厂一策公示牌 of one enterprise (template ``boards/notice_board.html``)."""

    region_name: str
    enterprise_name: str
    uscc: str
    county: str
    grade: str
    category: str
    permit_no: str
    contact: str
    phone: str
    lines: tuple[BoardLine, ...]
    revision: int
    effective_from: dt.date
    supervisor_phone: str = "12369"

    @classmethod
    def of(
        cls, e: Enterprise, *, region_name: str, revision: int, effective_from: dt.date
    ) -> NoticeBoardContext:
        return cls(
            region_name=region_name,
            enterprise_name=e.name,
            uscc=e.uscc,
            county=e.county,
            grade=e.grade.value,
            category=e.category.value,
            permit_no=e.permit_no or "—",
            contact=e.contact,
            phone=e.phone,
            lines=tuple(
                BoardLine(
                    name=ln.name,
                    industry=ln.industry,
                    measures=tuple(_board_measure(ln, lv) for lv in LIST_LEVELS),
                    check_method=ln.check_method or "现场检查",
                    meter_no=ln.meter_no or "—",
                )
                for ln in e.lines
            ),
            revision=revision,
            effective_from=effective_from,
        )
