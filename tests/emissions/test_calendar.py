"""The list revision calendar and the draft of the next revision, on both databases: when the
next revision is due, what changed since the last (grade decisions, the newest coverage runs),
and a draft that the importer reads back as the list in force, with the matters to settle."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from orchestrator.emissions.calendar import ListCalendar
from orchestrator.emissions.diff import same_content
from orchestrator.emissions.grades import GradeSource
from orchestrator.emissions.model import Grade
from orchestrator.emissions.registries import Registry
from orchestrator.emissions.workbook import TODO_HEADER, TODO_SHEET
from orchestrator.errors import ConfigInvalid
from tests.support.app import IMPORTED_AT, SAMPLE, app, do_import, load_list
from tests.support.base import ROOT

ON = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (dt.date(2025, 10, 1), dt.date(2026, 9, 30)),  # the season's list, just late
        (dt.date(2025, 9, 15), dt.date(2026, 9, 30)),  # made just before the date: that year's
        (dt.date(2025, 5, 1), dt.date(2025, 9, 30)),  # a spring revision: the season's still due
        (dt.date(2025, 9, 30), dt.date(2026, 9, 30)),
    ],
)
def test_the_next_revision_is_due_on_the_yearly_date(last, due):
    assert ListCalendar(revise_by=(9, 30)).due(last) == due


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"revise_by": "9月30日"}, "calendar.revise_by: a date as MM-DD"),
        ({"every": 1}, "unknown key"),
    ],
)
def test_calendar_mistakes_are_named(data, message):
    with pytest.raises(ConfigInvalid, match=message):
        ListCalendar.from_mapping(data, source="list.toml")


def _since_last(engine):
    do_import(engine, SAMPLE)
    service = app(engine).lists()
    b = next(e for e in load_list(engine, 1).enterprises if e.grade is Grade.B)
    service.record_grade(
        b.uscc, Grade.A, effective_from=dt.date(2025, 12, 1), source=GradeSource.REVIEWED,
        reference="示环评〔2025〕12号", now=IMPORTED_AT, by="评审组",
    )  # fmt: skip
    permits = ROOT / "samples" / "registries" / "permits.csv"
    service.check_coverage(Registry.PERMITS, permits, now=IMPORTED_AT, by="核查组")
    return service, b


def test_the_calendar_gathers_what_changed_since_the_last_revision(engine):
    service, b = _since_last(engine)
    view = service.calendar_view(ON)
    assert (view.last.number, view.due, view.days_left) == (1, dt.date(2026, 9, 30), 121)
    assert [r.number for r in view.amendments] == [2]
    assert [(d.uscc, d.grade) for d in view.decisions] == [(b.uscc, Grade.A)]
    assert [r.registry for r in view.coverage] == [Registry.PERMITS]
    assert len(view.coverage[0].findings) == 28


def test_the_draft_reads_back_as_the_list_in_force_with_the_matters_to_settle(engine, tmp_path):
    service, b = _since_last(engine)
    out = tmp_path / "draft.xlsx"
    view = service.write_draft(out, ON)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["工业源", "扬尘源", "移动源", TODO_SHEET]
    todo = list(wb[TODO_SHEET].iter_rows(values_only=True))
    assert todo[0] == TODO_HEADER
    assert [(r[0], r[2]) for r in todo[1:]] == [
        (f.kind.label, f.key) for f in view.coverage[0].findings
    ]
    # the counties fill it in; as it is, it imports to the list in force (the grade applied)
    result = do_import(engine, out, effective=dt.date(2026, 9, 30))
    assert result.revision.number == 3
    assert same_content(load_list(engine, 3), load_list(engine, 2))
    assert load_list(engine, 3) != load_list(engine, 1)
    assert next(e for e in load_list(engine, 3).enterprises if e.uscc == b.uscc).grade is Grade.A
