"""Alerts of named counties (SQLite and PostgreSQL): one alert in force per area holds county by
county — alerts of disjoint counties run side by side, one that shares a county (or covers the
whole city) is refused naming the other, also when two officers issue at once; a county alert's
plan, reduction check, notices and tasks are its counties' alone; a regional hint that binds some
counties sets its floor there only and drafts county by county."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import Species
from orchestrator.errors import InputInvalid
from orchestrator.notices.model import NoticeKind
from orchestrator.response.lifecycle import IllegalTransition
from orchestrator.response.model import (
    AlertsOverlap,
    Draft,
    RevisionKind,
    RevisionStatus,
    areas_meet,
    last_issued,
    overlaps,
)
from orchestrator.response.service import CommandOffice
from tests.support.app import CITY, DUTY, DUTY2, MAYOR, NOW, SAMPLE, app, do_import, office_of
from tests.support.base import at

NORTH, SOUTH, RIVER = "北山县", "南川县", "河口县"


def new(level: AlertLevel, start, end, counties: tuple[str, ...] = (), reason: str = "会商研判"):
    """A new alert's draft over ``counties`` (none: the whole city)."""
    return Draft(
        kind=RevisionKind.ISSUE,
        level=level,
        start=start,
        end=end,
        reason=reason,
        counties=counties,
    )


def county_alert(
    office: CommandOffice,
    level: AlertLevel,
    start,
    end,
    counties: tuple[str, ...],
) -> int:
    view = office.draft(
        new(level, start, end, counties),
        by=DUTY,
        now=NOW,
        submit=True,
    )
    office.approve(view.alert_id, by=MAYOR, now=NOW, override="区县预警，按会商意见发布")
    office.issue(view.alert_id, by=DUTY, now=NOW)
    return view.alert_id


def test_alerts_of_disjoint_counties_run_side_by_side_and_a_shared_county_is_refused(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    north = county_alert(office, AlertLevel.ORANGE, at(6), at(9), (NORTH,))
    south = county_alert(office, AlertLevel.YELLOW, at(6), at(9), (SOUTH, RIVER))
    assert office.current(north).counties == (NORTH,)
    assert office.current(south).counties == (SOUTH, RIVER)  # in the city's order
    for area in ((RIVER,), ()):  # a county already held, or the whole city
        with pytest.raises(AlertsOverlap) as refused:
            office.draft(
                new(AlertLevel.RED, at(7), at(8), area, reason=""),
                by=DUTY,
                now=NOW,
            )
        assert "同一区域同一时段只执行一个预警" in str(refused.value)
    assert f"与预警{south}时段重叠" in str(refused.value) or f"与预警{north}时段重叠" in str(
        refused.value
    )
    # a third county is free; after the window the whole city is too
    third = county_alert(office, AlertLevel.YELLOW, at(6), at(9), ("城东区",))
    whole = office.draft(
        new(AlertLevel.RED, at(9), at(10), reason=""),
        by=DUTY,
        now=NOW,
    )
    assert whole.counties == ()
    assert len({north, south, third, whole.alert_id}) == 4


def test_naming_every_county_is_the_whole_city_and_a_strange_name_is_refused(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    assert office.area(CITY.counties[::-1]) == ()
    assert office.area([SOUTH, NORTH]) == (NORTH, SOUTH)
    with pytest.raises(InputInvalid) as refused:
        office.area([NORTH, "北山镇"])
    assert str(refused.value) == (
        "“北山镇”不是示例市的区县（城东区、城西区、高新区、北山县、南川县、河口县、清源市）"
    )


def test_an_adjustment_keeps_the_counties_and_meets_only_their_neighbours_alerts(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    north = county_alert(office, AlertLevel.YELLOW, at(6), at(8), (NORTH,))
    county_alert(office, AlertLevel.YELLOW, at(8), at(10), (SOUTH,))
    # extending the northern alert past 8 Jan meets nothing: the southern one is another county
    office.adjust(north, RevisionKind.EXTEND, by=DUTY, now=NOW, reason="延长", end=at(10))
    office.submit(north, by=DUTY, now=NOW)
    office.approve(north, by=MAYOR, now=NOW, override="区县预警")
    issued = office.issue(north, by=DUTY, now=NOW).revision
    assert (issued.counties, issued.state.end) == ((NORTH,), at(10))


def test_a_county_alert_plans_checks_and_notifies_its_counties_alone(engine):
    do_import(engine, SAMPLE)
    ctx = app(engine)
    office = ctx.alerts()
    listed = ctx.lists().revision(1)[1]
    mine = {e.uscc for e in listed.enterprises if e.county in (NORTH, SOUTH)}
    assert 0 < len(mine) < len(listed.enterprises)
    view = office.draft(
        new(AlertLevel.ORANGE, at(6), at(9), (NORTH, SOUTH)),
        by=DUTY,
        now=NOW,
        submit=True,
    )
    approval = office.approve(view.alert_id, by=MAYOR, now=NOW, override="区县预警")
    assert approval.enterprises == len(mine)
    # the ratio is over the two counties' own 全社会排放量, not the city's
    assert approval.check is not None
    so2 = approval.check.species[Species.SO2]
    inventory = CITY.county_inventory[NORTH].so2 + CITY.county_inventory[SOUTH].so2
    assert so2.citywide_kg_d == pytest.approx(inventory)
    assert so2.ratio == pytest.approx(so2.reduction_kg_d / inventory, abs=1e-4)
    issued = office.issue(view.alert_id, by=DUTY, now=NOW)
    notices = ctx.notices()
    rid = issued.revision.revision_id
    assert {o.uscc for o in notices.orders(rid)} == mine
    bulletin = notices.document(view.alert_id, rid, NoticeKind.BULLETIN).body
    assert "关于在北山县、南川县启动重污染天气橙色预警的通知" in bulletin
    assert f"北山县、南川县{len(mine)}家列入应急减排清单的工业企业" in bulletin
    assert "占北山县、南川县全社会排放量" in bulletin
    one = next(notices.orders(rid))
    assert "北山县、南川县自" in one.body
    assert "全市自" not in one.body
    # counties and townships outside the area are sent nothing; a county inside is
    network = ctx.network
    assert network is not None
    tasked = {t.uscc for t in notices.tasks(rid)}
    outside = {u.uscc for u in network.units if u.county and u.county not in (NORTH, SOUTH)}
    inside = {u.uscc for u in network.units if u.county == NORTH and not u.township}
    assert outside
    assert not tasked & outside
    assert inside <= tasked
    public = notices.document(view.alert_id, rid, NoticeKind.PUBLIC).body
    assert "【示例市北山县、南川县" in public


def test_a_county_without_an_inventory_cannot_be_approved_and_nothing_moves(engine):
    import dataclasses

    do_import(engine, SAMPLE)
    bare = dataclasses.replace(CITY, county_inventory={})
    office = office_of(engine, bare)
    view = office.draft(
        new(AlertLevel.YELLOW, at(6), at(9), (NORTH,)),
        by=DUTY,
        now=NOW,
        submit=True,
    )
    with pytest.raises(
        InputInvalid, match=r"未配置北山县的全社会排放量（city.toml \[county_inventory\]）"
    ):
        office.approve(view.alert_id, by=MAYOR, now=NOW)
    assert office.current(view.alert_id).state.status is RevisionStatus.PENDING_APPROVAL


def test_a_hint_binding_some_counties_sets_its_floor_there_only(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    recorded = office.add_hint(
        level=AlertLevel.ORANGE,
        start=at(6),
        end=at(9),
        issuer="示例省重污染天气应对指挥部",
        document_number="示省气指〔2026〕11号",
        area="北山县",
        by=DUTY,
        now=NOW,
        counties=(NORTH,),
    )
    assert recorded.draft is not None
    assert recorded.draft.counties == (NORTH,)
    assert recorded.note == "已起草北山县橙色预警（1月6日0时至1月9日0时）"
    office.withdraw(recorded.draft.alert_id, by=DUTY, now=NOW, reason="改由人工起草")
    with pytest.raises(IllegalTransition) as refused:
        office.draft(
            new(AlertLevel.YELLOW, at(7), at(8), (NORTH, SOUTH)),
            by=DUTY,
            now=NOW,
        )
    assert str(refused.value) == (
        "示例省重污染天气应对指挥部示省气指〔2026〕11号要求北山县1月6日0时至1月9日0时"
        "不低于橙色预警，不能按黄色预警执行"
    )
    # a county it does not bind may run yellow
    south = county_alert(office, AlertLevel.YELLOW, at(7), at(8), (SOUTH,))
    assert office.current(south).state.status is RevisionStatus.ISSUED


def test_a_whole_city_hint_over_a_county_alert_adjusts_it_and_drafts_the_rest(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    north = county_alert(office, AlertLevel.YELLOW, at(6), at(9), (NORTH,))
    recorded = office.add_hint(
        level=AlertLevel.ORANGE,
        start=at(6),
        end=at(9),
        issuer="示例省重污染天气应对指挥部",
        document_number="示省气指〔2026〕12号",
        area="全省",
        by=DUTY,
        now=NOW,
    )
    assert recorded.in_force == north
    kinds = [(d.alert_id, d.state.kind, d.counties) for d in recorded.drafts]
    rest = tuple(c for c in CITY.counties if c != NORTH)
    assert kinds == [(north, RevisionKind.UPGRADE, (NORTH,)), (north + 1, RevisionKind.ISSUE, rest)]
    assert recorded.note == (
        f"已起草预警{north}的调整：升级为橙色预警；"
        f"已起草{'、'.join(rest)}橙色预警（1月6日0时至1月9日0时）"
    )


def test_two_officers_issuing_alerts_of_a_shared_county_at_once_exactly_one_wins(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    areas = [(NORTH, SOUTH), (SOUTH, RIVER), ("城东区",)]
    ids = []
    for area in areas:  # all drafted before any is approved (approved ones hold their area)
        view = office.draft(
            new(AlertLevel.ORANGE, at(6), at(9), area),
            by=DUTY,
            now=NOW,
            submit=True,
        )
        ids.append(view.alert_id)
    for i in ids:
        office.approve(i, by=MAYOR, now=NOW, override="区县预警")
    barrier = threading.Barrier(len(ids))
    results: dict[int, str] = {}
    people = (DUTY, DUTY2, DUTY)

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
        threading.Thread(target=issuer, args=(i, p)) for i, p in zip(ids, people, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the two sharing 南川县: exactly one; the one of 城东区 alone: always
    assert sorted([results[ids[0]], results[ids[1]]]) == ["refused", "won"], results
    assert results[ids[2]] == "won", results
    in_force = [i for i in ids if office.current(i).state.status is RevisionStatus.ISSUED]
    assert len(in_force) == 2


# --- random actions on alerts of random areas: never two in force over a county at once -------

WINDOWS = [(at(6), at(9)), (at(8), at(11)), (at(12), None), (at(5), at(7))]
AREAS = [(), (NORTH,), (SOUTH,), (NORTH, SOUTH), (RIVER,)]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["new", "extend", "approve", "issue", "withdraw", "lift"]),
            st.integers(0, 2),  # which of the newest three alerts
            st.sampled_from(WINDOWS),
            st.sampled_from(AREAS),
        ),
        max_size=14,
    )
)
def test_random_county_alerts_never_hold_a_county_twice(engine, steps):
    with engine.begin() as conn:
        for table in ("audit_log", "document_numbers", "alert_revisions", "alerts"):
            conn.execute(text(f"DELETE FROM {table}"))
        has_list = conn.execute(text("SELECT count(*) FROM list_revisions")).scalar()
    if not has_list:
        do_import(engine, SAMPLE)
    office = office_of(engine)
    for action, which, (start, end), area in steps:
        ids = [a.alert_id for a in office.alerts()][:3]
        target = ids[which] if which < len(ids) else None
        try:
            if action == "new":
                office.draft(
                    new(AlertLevel.YELLOW, start, end, area, reason=""),
                    by=DUTY,
                    now=NOW,
                    submit=True,
                )
            elif target is None:
                continue
            elif action == "extend":
                office.adjust(
                    target, RevisionKind.EXTEND, by=DUTY, now=NOW, reason="", end=end, submit=True
                )
            elif action == "approve":
                office.approve(target, by=MAYOR, now=NOW, override="区县预警")
            elif action == "issue":
                office.issue(target, by=DUTY, now=NOW)
            elif action == "withdraw":
                office.withdraw(target, by=DUTY, now=NOW, reason="")
            else:
                office.adjust(target, RevisionKind.LIFT, by=DUTY, now=NOW, reason="", submit=True)
        except (IllegalTransition, AlertsOverlap, InputInvalid):  # refused: nothing changed
            continue
    in_force = []
    for a in office.alerts():
        issued = last_issued(office.revisions(a.alert_id))
        if issued is not None and issued.state.kind is not RevisionKind.LIFT:
            in_force.append(issued)
    for i, x in enumerate(in_force):
        for y in in_force[i + 1 :]:
            same_time = overlaps(x.state.start, x.state.end, y.state.start, y.state.end)
            assert not (same_time and areas_meet(x.counties, y.counties)), (x, y)
