"""创A升B on both databases: who is below a target and how long is left (the overdue named by the
deadline they missed), what an upgrade lifts (kg/d; line-days over the last season's alert days),
and who has stayed below the phase-out line for two years, from the grade history."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.emissions.grades import GradeSource, regrade
from orchestrator.emissions.model import Grade, MeasureKind, Species
from orchestrator.emissions.upgrading import GradingConfig
from orchestrator.emissions.workbook import write_upgrading
from orchestrator.errors import ConfigInvalid
from orchestrator.response.model import days_in_force
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
from tests.support.base import ZONE

ON = dt.date(2026, 1, 10)


def report(engine, on=ON):
    ctx = app(engine)
    office = ctx.alerts()

    def days(first, last):
        return office.alert_days(
            dt.datetime.combine(first, dt.time(), ZONE),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), ZONE),
        )

    return ctx.lists().upgrade_report(on, days)


def test_who_is_below_which_target_and_for_how_long(engine):
    do_import(engine, SAMPLE)
    r = report(engine)
    lst = load_list(engine, 1)
    by_uscc = {e.uscc: e for e in lst.enterprises}
    targets = BASE.grading.targets
    held = [e for e in lst.enterprises if any(t.covers(e, BASE.measures) for t in targets)]
    assert r.enterprises == len(held)
    assert r.met == sum(
        all(e.grade.rank >= t.minimum.rank for t in targets if t.covers(e, BASE.measures))
        for e in held
    )
    assert len(r.laggards) == r.enterprises - r.met
    for x in r.laggards:
        e = by_uscc[x.uscc]
        assert e.grade.rank < x.target.minimum.rank
        assert x.days_left == (x.target.deadline - ON).days
    # a C foundry missed "at least B by 30 September 2025"; a B one has A ahead
    c = next(x for x in r.laggards if x.grade is Grade.C and "铸造" in x.industries)
    assert (c.target.name, c.days_left) == ("重点行业全部达到B级", -102)
    b = next(x for x in r.laggards if x.grade is Grade.B)
    assert (b.target.minimum, b.target.deadline) == (Grade.A, dt.date(2026, 12, 31))
    assert len(r.overdue()) == sum(1 for x in r.laggards if x.target.deadline < ON)
    # what the upgrade lifts is the enterprise's measures now against the target grade's
    upgraded, _ = regrade(by_uscc[c.uscc], Grade.B, BASE.measures)
    for lv in ALERT_LEVELS:
        for sp in Species:
            expected = max(
                0.0, by_uscc[c.uscc].reduction(lv).get(sp) - upgraded.reduction(lv).get(sp)
            )
            assert c.lifted[lv].get(sp) == pytest.approx(expected, abs=1e-3)
    assert r.alert_days == {}  # no alert in the last season (2024-10-01 to 2025-03-31)
    assert r.season == (dt.date(2024, 10, 1), dt.date(2025, 3, 31))


def test_the_last_seasons_alert_days_weigh_the_line_days_saved(engine):
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)  # 6–9 January 2026
    office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    r = report(engine, on=dt.date(2026, 6, 1))
    assert r.season == (dt.date(2025, 10, 1), dt.date(2026, 3, 31))
    assert r.alert_days == {AlertLevel.ORANGE: 3.0}
    lst = {e.uscc: e for e in load_list(engine, 1).enterprises}

    def stopped(e, lv):
        return sum(1 for ln in e.lines if ln.measure(lv).kind is MeasureKind.STOP)

    saving = [x for x in r.laggards if x.line_days > 0]
    assert saving
    for x in saving:
        upgraded, _ = regrade(lst[x.uscc], x.target.minimum, BASE.measures)
        assert x.line_days == 3.0 * (
            stopped(lst[x.uscc], AlertLevel.ORANGE) - stopped(upgraded, AlertLevel.ORANGE)
        )


def test_two_years_below_b_is_named_for_phase_out(engine):
    do_import(engine, SAMPLE, effective=dt.date(2023, 10, 1))
    lst = load_list(engine, 1)
    low = [
        e
        for e in lst.enterprises
        if e.grade in (Grade.C, Grade.D) and e.category.value == "绩效分级"
    ]
    stayed, raised, fell = low[0], low[1], next(e for e in lst.enterprises if e.grade is Grade.B)
    service = app(engine).lists()
    for e, grade, on in (
        (raised, Grade.B, dt.date(2024, 6, 1)),
        (fell, Grade.C, dt.date(2024, 6, 1)),
    ):
        service.record_grade(
            e.uscc, grade, effective_from=on, source=GradeSource.REVIEWED,
            reference="示环评〔2024〕3号", now=IMPORTED_AT, by="评审组",
        )  # fmt: skip
    r = report(engine, on=dt.date(2025, 12, 1))
    found = {x.uscc: x for x in r.laggards}
    assert found[stayed.uscc].eliminate
    assert found[stayed.uscc].below_since == dt.date(2023, 10, 1)
    assert raised.uscc not in found or not found[raised.uscc].eliminate
    assert found[fell.uscc].below_since == dt.date(2024, 6, 1)
    assert not found[fell.uscc].eliminate  # below B for a year and a half only
    assert r.laggards[0].eliminate  # the phase-out cases come first


def test_days_in_force_follow_upgrades_and_lifts():
    from orchestrator.response.model import (
        AlertRevision,
        RevisionKind,
        RevisionState,
        RevisionStatus,
    )

    def rev(i, kind, level, start, end, status, issued):
        state = RevisionState(
            kind=kind, level=level, start=start, end=end, status=status, issued_at=issued,
            number=i, drafted_by="值班员",
        )  # fmt: skip
        return AlertRevision(
            alert_id=1, revision_id=i, state=state, reason="", document_number="", list_revision=1
        )

    t = dt.datetime(2026, 1, 6, tzinfo=ZONE)
    d = dt.timedelta(days=1)
    alert = [
        rev(
            1, RevisionKind.ISSUE, AlertLevel.YELLOW, t, t + 4 * d, RevisionStatus.SUPERSEDED, t - d
        ),
        rev(
            2, RevisionKind.UPGRADE, AlertLevel.RED, t + d, t + 4 * d, RevisionStatus.SUPERSEDED, t
        ),
        rev(
            3, RevisionKind.LIFT, AlertLevel.RED, t + 3 * d, None, RevisionStatus.LIFTED, t + 2 * d
        ),
    ]
    assert days_in_force([alert], t - 10 * d, t + 10 * d) == {
        AlertLevel.YELLOW: 1.0,
        AlertLevel.RED: 2.0,
    }
    assert days_in_force([alert], t + 2 * d, t + 10 * d) == {AlertLevel.RED: 1.0}


def test_the_report_workbook_has_a_row_per_enterprise_below(engine, tmp_path):
    do_import(engine, SAMPLE)
    r = report(engine)
    out = tmp_path / "upgrading.xlsx"
    write_upgrading(r, out)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("区县", "企业名称", "统一社会信用代码")
    assert [row[2] for row in rows[2:]] == [x.uscc for x in r.laggards]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"targets": [{"name": "x", "industries": ["焦化"], "minimum": "E", "deadline": dt.date(2026, 1, 1)}]}, "targets\\[0\\].minimum: unknown grade"),
        ({"targets": [{"name": "x", "industries": ["焦化"], "minimum": "B", "deadline": "2026"}]}, "deadline: a date"),
        ({"targets": [{"name": "x", "minimum": "B", "deadline": dt.date(2026, 1, 1)}]}, "industries is missing"),
        ({"season": ["13-01", "03-31"]}, "season: two MM-DD dates"),
        ({"eliminate_years": 0}, "eliminate_years: at least 1"),
        ({"targetz": []}, "targetz: unknown key"),
    ],
)  # fmt: skip
def test_grading_config_mistakes_are_named(data, message):
    with pytest.raises(ConfigInvalid, match=message):
        GradingConfig.from_mapping(data, source="grading.toml")
