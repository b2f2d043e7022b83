"""At most one alert in force per area (SQLite and PostgreSQL): a draft that overlaps an alert in
force or approved is refused naming it; an issue that would overlap one in force is refused, race-
safe; a regional hint over an alert in force drafts that alert's upgrade or extension, or nothing."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from orchestrator.alerts.model import AlertLevel
from orchestrator.errors import InputInvalid
from orchestrator.response.lifecycle import IllegalTransition
from orchestrator.response.model import (
    AlertsOverlap,
    Draft,
    RevisionKind,
    RevisionStatus,
    last_issued,
    overlaps,
)
from orchestrator.response.service import CommandOffice
from tests.support.app import DUTY, DUTY2, MAYOR, NOW, SAMPLE, VICE, do_import, office_of
from tests.support.base import at
from tests.support.response import issue

PROVINCE = "示例省重污染天气应对指挥部"


def hint(office: CommandOffice, level: AlertLevel, start, end, number: str):
    return office.add_hint(
        level=level,
        start=start,
        end=end,
        issuer=PROVINCE,
        document_number=number,
        area="全省",
        by=DUTY,
        now=NOW,
    )


def test_a_higher_later_hint_over_an_alert_in_force_drafts_its_upgrade_not_a_second_alert(engine):
    # seen: orange 1 (1/6–1/9) in force, a red hint for 1/7–1/10 drafted a second alert
    do_import(engine, SAMPLE)
    office = office_of(engine)
    first = issue(office, AlertLevel.ORANGE, at(6), at(9))
    recorded = hint(office, AlertLevel.RED, at(7), at(10), "示省气指〔2026〕3号")
    assert recorded.in_force == first
    assert recorded.draft is not None
    assert recorded.draft.alert_id == first
    st_ = recorded.draft.state
    assert (st_.kind, st_.level, st_.start, st_.end) == (
        RevisionKind.UPGRADE,
        AlertLevel.RED,
        at(7),
        at(10),
    )
    assert recorded.note == "已起草预警1的调整：升级为红色预警并延长至1月10日0时"
    assert [a.alert_id for a in office.alerts()] == [first]
    # the upgrade goes through; lifting then ends the one alert, nothing else is in force
    office.submit(first, by=DUTY, now=NOW)
    office.approve(first, by=MAYOR, now=NOW)
    assert office.issue(first, by=DUTY, now=NOW).revision.document_number == "示重污应急〔2026〕2号"


def test_a_hint_only_higher_upgrades_and_only_later_extends(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    first = issue(office, AlertLevel.YELLOW, at(6), at(9))
    later = hint(office, AlertLevel.YELLOW, at(8), at(11), "示省气指〔2026〕4号")
    assert later.draft is not None
    assert (later.draft.state.kind, later.draft.state.level, later.draft.state.end) == (
        RevisionKind.EXTEND,
        AlertLevel.YELLOW,
        at(11),
    )
    assert later.note == "已起草预警1的调整：延长至1月11日0时"
    office.withdraw(first, by=DUTY, now=NOW, reason="改按省级提示升级")
    higher = hint(office, AlertLevel.ORANGE, at(7), at(8), "示省气指〔2026〕5号")
    assert higher.draft is not None
    assert (higher.draft.state.kind, higher.draft.state.end) == (RevisionKind.UPGRADE, at(9))


def test_a_hint_the_alert_in_force_covers_drafts_nothing_and_says_so(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    first = issue(office, AlertLevel.ORANGE, at(6), at(9))
    recorded = hint(office, AlertLevel.YELLOW, at(6), at(8), "示省气指〔2026〕6号")
    assert recorded.draft is None
    assert recorded.in_force == first
    assert "已覆盖该提示的等级和时段，无需调整" in recorded.note
    assert [v.state.status for v in office.revisions(first)] == [RevisionStatus.ISSUED]


def test_a_hint_over_an_alert_with_an_open_change_is_not_recorded(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    first = issue(office, AlertLevel.ORANGE, at(6), at(9))
    office.adjust(first, RevisionKind.EXTEND, by=DUTY, now=NOW, reason="延长", end=at(10))
    with pytest.raises(IllegalTransition, match="已有未完成的调整"):
        hint(office, AlertLevel.RED, at(7), at(10), "示省气指〔2026〕7号")
    # nothing half-written: the hint may be recorded once the change is dealt with
    office.withdraw(first, by=DUTY, now=NOW, reason="改按省级提示")
    assert hint(office, AlertLevel.RED, at(7), at(10), "示省气指〔2026〕7号").draft is not None


def test_a_draft_overlapping_an_alert_in_force_is_refused_naming_it(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    issue(office, AlertLevel.ORANGE, at(6), at(9))
    red = Draft(kind=RevisionKind.ISSUE, level=AlertLevel.RED, start=at(7), end=at(10), reason="")
    with pytest.raises(AlertsOverlap) as refused:
        office.draft(red, by=DUTY, now=NOW)
    assert str(refused.value) == (
        "与预警1时段重叠：该预警已发布（示重污应急〔2026〕1号），橙色预警，1月6日0时至"
        "1月9日0时。同一区域同一时段只执行一个预警，如需调整，请对预警1起草升级、降级或延长"
    )
    # after its end a new alert is fine
    after = Draft(kind=RevisionKind.ISSUE, level=AlertLevel.RED, start=at(9), end=at(10), reason="")
    assert office.draft(after, by=DUTY, now=NOW).alert_id == 2


def test_a_draft_overlapping_an_approved_alert_is_refused(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    v = office.draft(
        Draft(kind=RevisionKind.ISSUE, level=AlertLevel.ORANGE, start=at(6), end=None, reason=""),
        by=DUTY,
        now=NOW,
        submit=True,
    )
    office.approve(v.alert_id, by=VICE, now=NOW)
    with pytest.raises(AlertsOverlap, match=r"已批准、尚未发布.*至另行通知"):
        office.draft(
            Draft(kind=RevisionKind.ISSUE, level=AlertLevel.RED, start=at(20), end=None, reason=""),
            by=DUTY,
            now=NOW,
        )


def test_of_two_overlapping_alerts_approved_only_the_first_issued_stands(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    ids = []
    for level in (AlertLevel.ORANGE, AlertLevel.RED):  # both drafted before either was approved
        v = office.draft(
            Draft(kind=RevisionKind.ISSUE, level=level, start=at(6), end=at(9), reason=""),
            by=DUTY,
            now=NOW,
            submit=True,
        )
        ids.append(v.alert_id)
    for i in ids:
        office.approve(i, by=MAYOR, now=NOW)
    office.issue(ids[1], by=DUTY, now=NOW)
    with pytest.raises(AlertsOverlap, match="与预警2时段重叠"):
        office.issue(ids[0], by=DUTY, now=NOW)
    assert office.current(ids[0]).state.status is RevisionStatus.APPROVED


def test_two_officers_issuing_overlapping_alerts_at_once_exactly_one_wins(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    ids = []
    for level in (AlertLevel.ORANGE, AlertLevel.RED):
        v = office.draft(
            Draft(kind=RevisionKind.ISSUE, level=level, start=at(6), end=at(9), reason=""),
            by=DUTY,
            now=NOW,
            submit=True,
        )
        ids.append(v.alert_id)
    for i in ids:
        office.approve(i, by=MAYOR, now=NOW)
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}

    def issuer(alert_id, person):
        barrier.wait()
        try:
            office_of(engine).issue(alert_id, by=person, now=NOW)
            results[alert_id] = "won"
        except AlertsOverlap:
            results[alert_id] = "refused"
        except Exception as exc:  # reported, not raised in the thread
            results[alert_id] = repr(exc)

    threads = [
        threading.Thread(target=issuer, args=(i, p))
        for i, p in zip(ids, (DUTY, DUTY2), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["refused", "won"], results
    issued = [i for i in ids if office.current(i).state.status is RevisionStatus.ISSUED]
    assert len(issued) == 1


# --- random actions on two alerts: never two in force over the same hours ----------------------

WINDOWS = [(at(6), at(9)), (at(8), at(11)), (at(9), at(12)), (at(12), None), (at(5), at(7))]
LEVELS = [AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["new", "adjust", "submit", "approve", "issue", "withdraw", "lift"]),
            st.integers(0, 1),  # which of the newest two alerts
            st.sampled_from(WINDOWS),
            st.sampled_from(LEVELS),
        ),
        max_size=14,
    )
)
def test_random_actions_never_put_two_overlapping_alerts_in_force(engine, steps):
    with engine.begin() as conn:  # each example starts from an empty alert history
        for table in ("audit_log", "document_numbers", "alert_revisions", "alerts"):
            conn.execute(text(f"DELETE FROM {table}"))
        has_list = conn.execute(text("SELECT count(*) FROM list_revisions")).scalar()
    if not has_list:
        do_import(engine, SAMPLE)
    office = office_of(engine)
    for action, which, (start, end), level in steps:
        ids = [a.alert_id for a in office.alerts()][:2]
        target = ids[which] if which < len(ids) else None
        try:
            if action == "new":
                office.draft(
                    Draft(kind=RevisionKind.ISSUE, level=level, start=start, end=end, reason=""),
                    by=DUTY,
                    now=NOW,
                )
            elif target is None:
                continue
            elif action == "adjust":
                cur = office.current(target).state
                kind = (
                    RevisionKind.UPGRADE
                    if level.rank > cur.level.rank
                    else RevisionKind.DOWNGRADE
                    if level.rank < cur.level.rank
                    else RevisionKind.EXTEND
                )
                office.adjust(target, kind, by=DUTY, now=NOW, reason="", level=level, end=end)
            elif action == "submit":
                office.submit(target, by=DUTY, now=NOW)
            elif action == "approve":
                office.approve(target, by=MAYOR, now=NOW)
            elif action == "issue":
                office.issue(target, by=DUTY, now=NOW)
            elif action == "withdraw":
                office.withdraw(target, by=DUTY, now=NOW, reason="")
            else:
                office.adjust(target, RevisionKind.LIFT, by=DUTY, now=NOW, reason="")
        except (IllegalTransition, AlertsOverlap, InputInvalid):  # refused: nothing changed
            continue
    in_force = []
    for a in office.alerts():
        issued = last_issued(office.revisions(a.alert_id))
        if issued is not None and issued.state.kind is not RevisionKind.LIFT:
            in_force.append(issued.state)
    for i, x in enumerate(in_force):
        for y in in_force[i + 1 :]:
            assert not overlaps(x.start, x.end, y.start, y.end), (x, y)
