"""The list revision calendar (pure): when the next revision is due and what has changed since
the last one — grade decisions and the newest coverage findings — for the draft of the next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.emissions.grades import GradeDecision, is_amendment
from orchestrator.emissions.model import Revision
from orchestrator.emissions.registries import CoverageRun
from orchestrator.errors import ConfigInvalid


@dataclass(frozen=True, slots=True)
class ListCalendar:
    """``config/list.toml`` [calendar]: the yearly date the next revision is due by."""

    revise_by: tuple[int, int] = (9, 30)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> ListCalendar:
        unknown = set(data) - {"revise_by"}
        if unknown:
            raise ConfigInvalid(f"{source}: calendar.{sorted(unknown)[0]}: unknown key")
        try:
            month, day = (int(x) for x in str(data.get("revise_by", "09-30")).split("-"))
            dt.date(2001, month, day)
        except ValueError:
            raise ConfigInvalid(f"{source}: calendar.revise_by: a date as MM-DD") from None
        return cls(revise_by=(month, day))

    def due(self, last: dt.date) -> dt.date:
        """When the revision after one effective ``last`` is due: the first yearly date at least
        a month after it (a revision made just before the date counts as that year's)."""
        month, day = self.revise_by
        due = dt.date(last.year, month, day)
        while (due - last).days < 30:
            due = dt.date(due.year + 1, month, day)
        return due


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarView:
    on: dt.date
    last: Revision  # the last revision imported from a workbook
    amendments: tuple[Revision, ...]  # derived from grade decisions since
    due: dt.date
    decisions: tuple[GradeDecision, ...]  # recorded since the last revision
    coverage: tuple[CoverageRun, ...]  # the newest run of each registry

    @property
    def days_left(self) -> int:
        return (self.due - self.on).days


def calendar_view(
    calendar: ListCalendar,
    revisions: Sequence[Revision],
    decisions: Sequence[GradeDecision],
    coverage: Sequence[CoverageRun],
    on: dt.date,
) -> CalendarView:
    """Where the list stands ``on``: ``revisions`` oldest first (at least one)."""
    imported = [r for r in revisions if not is_amendment(r.source)] or list(revisions)
    last = imported[-1]
    return CalendarView(
        on=on,
        last=last,
        amendments=tuple(r for r in revisions if r.number > last.number and is_amendment(r.source)),
        due=calendar.due(last.effective_from),
        decisions=tuple(d for d in decisions if d.recorded_at >= last.imported_at),
        coverage=tuple(coverage),
    )
