"""Grades over time, on both databases: a decision amends the list from its date (a derived
revision with the enterprise's measures set again as its new grade requires), the next alert's
orders follow it, the history shows each step; a repeated decision changes nothing; a decision
that cannot be applied stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from orchestrator.alerts.model import AlertLevel
from orchestrator.db.tables import grade_decisions, list_revisions, notices
from orchestrator.emissions.grades import GradeSource, RegradeRefused
from orchestrator.emissions.model import Grade, MeasureKind, RevisionNotFound
from orchestrator.errors import InputInvalid
from tests.support.app import (
    BASE,
    DUTY,
    IMPORTED_AT,
    ISSUED_AT,
    SAMPLE,
    app,
    do_import,
    issued_orange,
    load_list,
    office_of,
)
from tests.support.workbooks import broken, col

MID_SEASON = dt.date(2025, 12, 1)


def lists(engine):
    return app(engine).lists()


def grade(engine, uscc, new, on=MID_SEASON, source=GradeSource.REVIEWED, ref="示环评〔2025〕12号"):
    return lists(engine).record_grade(
        uscc, new, effective_from=on, source=source, reference=ref, now=IMPORTED_AT, by="评审组"
    )


def b_with_limits(lst):
    return next(
        e
        for e in lst.enterprises
        if e.grade is Grade.B
        and any(m.kind is MeasureKind.LIMIT for ln in e.lines for m in ln.measures)
    )


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_an_upgrade_to_a_amends_the_list_from_its_date(engine):
    do_import(engine, SAMPLE)
    b = b_with_limits(load_list(engine, 1))
    result = grade(engine, b.uscc, Grade.A)
    assert result.revision is not None
    assert (result.revision.number, result.revision.effective_from) == (2, MID_SEASON)
    service = lists(engine)
    assert service.in_force(MID_SEASON - dt.timedelta(days=1)) == 1
    assert service.in_force(MID_SEASON) == 2
    after = service.enterprise(2, b.uscc)
    assert after.grade is Grade.A
    assert {m.kind for ln in after.lines for m in ln.measures} == {MeasureKind.AUTONOMOUS}
    assert all(ln.declared_grade is Grade.A for ln in after.lines)
    # every measure that changed is named, and kept as the revision's hints
    assert len(result.notes) == sum(len(ln.measures) for ln in b.lines)
    assert all(n.startswith(b.name) and "→“自主采取减排措施”" in n for n in result.notes)
    # nobody else changed
    others = [e for e in load_list(engine, 2).enterprises if e.uscc != b.uscc]
    assert others == [e for e in load_list(engine, 1).enterprises if e.uscc != b.uscc]


def test_the_next_alert_orders_by_the_new_grade(engine):
    do_import(engine, SAMPLE)
    b = b_with_limits(load_list(engine, 1))
    grade(engine, b.uscc, Grade.A)
    alert_id, approval = issued_orange(engine)  # 6–9 January: after the decision
    assert approval.revision.list_revision == 2
    office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    with engine.connect() as conn:
        order = conn.execute(
            select(notices.c.body).where(notices.c.kind == "order", notices.c.uscc == b.uscc)
        ).scalar_one()
    assert "自主采取减排措施" in order
    assert "限产" not in order


def test_a_downgrade_takes_the_new_grades_table_measures(engine):
    do_import(engine, SAMPLE)
    b = b_with_limits(load_list(engine, 1))
    result = grade(engine, b.uscc, Grade.C, source=GradeSource.PUBLISHED, ref="公示2025-07")
    after = lists(engine).enterprise(2, b.uscc)
    for ln in after.lines:
        table = BASE.measures.table(ln.industry)
        for level in (AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED):
            entry = table.entry(Grade.C, level)
            m = ln.measure(level)
            assert (m.kind, m.text, m.value, m.from_table) == (
                entry.kind, entry.text, entry.value, True,
            )  # fmt: skip
    assert result.notes


def test_the_history_shows_the_list_and_each_decision(engine):
    do_import(engine, SAMPLE)
    b = b_with_limits(load_list(engine, 1))
    grade(engine, b.uscc, Grade.A)
    grade(
        engine,
        b.uscc,
        Grade.B,
        on=dt.date(2026, 2, 1),
        source=GradeSource.PROVINCE,
        ref="省平台2026-031",
    )
    name, steps = lists(engine).grade_history(b.uscc)
    assert name == b.name
    assert [(s.effective_from, s.grade, s.source, s.reference) for s in steps] == [
        (dt.date(2025, 10, 1), Grade.B, GradeSource.LIST, "第1版清单"),
        (MID_SEASON, Grade.A, GradeSource.REVIEWED, "示环评〔2025〕12号"),
        (dt.date(2026, 2, 1), Grade.B, GradeSource.PROVINCE, "省平台2026-031"),
    ]
    # back to B from February: the third revision takes the B table's measures
    assert lists(engine).in_force(dt.date(2026, 2, 1)) == 3
    assert lists(engine).enterprise(3, b.uscc).grade is Grade.B


def test_a_repeated_decision_changes_nothing(engine):
    do_import(engine, SAMPLE)
    b = b_with_limits(load_list(engine, 1))
    first = grade(engine, b.uscc, Grade.A)
    again = grade(engine, b.uscc, Grade.A)
    assert again.repeated
    assert again.revision is None
    assert again.decision.id == first.decision.id
    assert count(engine, list_revisions) == 2
    assert count(engine, grade_decisions) == 1


def test_a_decision_the_list_already_holds_makes_no_revision(engine):
    do_import(engine, SAMPLE)
    b = b_with_limits(load_list(engine, 1))
    result = grade(engine, b.uscc, Grade.B, source=GradeSource.PUBLISHED, ref="公示2025-09")
    assert result.revision is None
    assert count(engine, list_revisions) == 1
    assert count(engine, grade_decisions) == 1


def test_what_cannot_be_decided_is_refused_and_nothing_stored(engine, tmp_path):
    do_import(engine, SAMPLE)
    with pytest.raises(RevisionNotFound, match="没有统一社会信用代码为91999900MA0000000X的企业"):
        grade(engine, "91999900MA0000000X", Grade.A)
    b = b_with_limits(load_list(engine, 1))
    with pytest.raises(InputInvalid, match="请填写决定依据"):
        grade(engine, b.uscc, Grade.A, ref=" ")
    with pytest.raises(RevisionNotFound, match="没有生效的应急减排清单"):
        grade(engine, b.uscc, Grade.A, on=dt.date(2025, 9, 1))
    assert count(engine, grade_decisions) == 0
    assert count(engine, list_revisions) == 1


def test_a_downgrade_without_a_table_for_an_autonomous_line_is_refused(engine, tmp_path):
    """An A enterprise of an industry without a measure table has no measure to fall back on."""
    found = {}

    def edit(wb):
        ws = wb["工业源"]
        for row in range(2, ws.max_row + 1):
            if (
                ws.cell(row, col(ws, "绩效等级")).value == "A"
                and ws.cell(row, col(ws, "企业名称")).value
            ):
                ws.cell(row, col(ws, "行业类别")).value = "无表行业"
                found["uscc"] = ws.cell(row, col(ws, "统一社会信用代码")).value
                if ws.cell(row + 1, col(ws, "企业名称")).value:  # one line: done
                    return
        raise AssertionError("no one-line A enterprise")

    do_import(engine, broken(tmp_path, edit))
    with pytest.raises(RegradeRefused, match="无表行业无措施表"):
        grade(engine, found["uscc"], Grade.B)
    assert count(engine, grade_decisions) == 0
    assert count(engine, list_revisions) == 1
