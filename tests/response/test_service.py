"""Alert actions against a real database (SQLite and PostgreSQL): lifecycle, plans frozen with
their revision, document numbers, regional hints, shortfall overrides, racing approvers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.alerts.model import AlertLevel
from orchestrator.audit.model import AuditAction
from orchestrator.emissions.model import Amounts, Species
from orchestrator.emissions.plans import Change
from orchestrator.response.lifecycle import IllegalTransition
from orchestrator.response.model import AlertNotFound, Draft, RevisionKind, RevisionStatus
from tests.support.app import (
    CITY,
    DUTY,
    DUTY2,
    MAYOR,
    NOW,
    SAMPLE,
    VICE,
    do_import,
    draft_orange,
    issued_orange,
    load_list,
    office_of,
)
from tests.support.base import at


def test_draft_approve_issue_freezes_the_plan_and_numbers_the_document(engine):
    do_import(engine, SAMPLE)
    alert_id, approval = issued_orange(engine)
    assert approval.revision.state.status is RevisionStatus.APPROVED
    assert approval.revision.list_revision == 1
    assert approval.enterprises == 300
    assert approval.check is not None
    assert approval.check.met
    issued = office_of(engine).issue(alert_id, by=DUTY, now=NOW)
    view, warnings = issued.revision, issued.warnings
    assert view.state.status is RevisionStatus.ISSUED
    assert view.document_number == "示重污应急〔2026〕1号"
    assert warnings == []
    trail = office_of(engine).trail(alert_id)
    assert [t.action for t in trail] == ["draft_issue", "submit", "approve", "issue_issue"]
    assert trail[0].reason == "会商研判：6日起持续重污染"
    snapshot = office_of(engine).frozen_plan(view.revision_id)
    assert len(snapshot) == 300
    assert {r["mode"] for r in snapshot} == {"autonomous", "load_cap", "list", "long_stopped"}


def test_upgrade_then_lift_supersedes_and_lifts_with_new_numbers(engine):
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    office_of(engine).issue(alert_id, by=DUTY, now=NOW)
    up = office_of(engine).draft(
        Draft(
            kind=RevisionKind.UPGRADE,
            level=AlertLevel.RED,
            start=at(7),
            end=at(9),
            reason="预报7日AQI>300",
            alert_id=alert_id,
        ),
        by=DUTY2,
        now=at(6, 10),
    )
    office_of(engine).submit(alert_id, by=DUTY2, now=at(6, 10))
    with pytest.raises(IllegalTransition, match="市长"):
        office_of(engine).approve(alert_id, by=VICE, now=at(6, 10))
    upgrade = office_of(engine).approve(alert_id, by=MAYOR, now=at(6, 11))
    # orange -> red: list enterprises must do more, autonomous ones stay as they are
    assert upgrade.count(Change.MORE) > 0
    assert upgrade.count(Change.SAME) > 0
    assert upgrade.count(Change.LESS) == 0
    assert len(upgrade.changes) == 300
    issued = office_of(engine).issue(alert_id, by=DUTY2, now=at(6, 12))
    red, _ = issued.revision, issued.warnings
    assert (red.state.number, red.document_number) == (2, "示重污应急〔2026〕2号")
    assert up.state.number == 2
    office_of(engine).draft(
        Draft(
            kind=RevisionKind.LIFT,
            level=AlertLevel.RED,
            start=at(9),
            end=None,
            reason="空气质量好转并将持续36小时以上",
            alert_id=alert_id,
        ),
        by=DUTY,
        now=at(8, 16),
    )
    office_of(engine).submit(alert_id, by=DUTY, now=at(8, 16))
    approval = office_of(engine).approve(alert_id, by=MAYOR, now=at(8, 17))
    assert approval.enterprises == 0  # a lift orders nothing new
    assert approval.check is None
    assert approval.count(Change.RESUME) == 300  # everyone may resume
    issued = office_of(engine).issue(alert_id, by=DUTY, now=at(8, 18))
    done, _ = issued.revision, issued.warnings
    assert done.document_number == "示重污应急〔2026〕3号"
    statuses = [v.state.status for v in office_of(engine).revisions(alert_id)]
    assert statuses == [RevisionStatus.SUPERSEDED, RevisionStatus.LIFTED, RevisionStatus.ISSUED]
    with pytest.raises(IllegalTransition):
        office_of(engine).draft(
            Draft(
                kind=RevisionKind.EXTEND,
                level=AlertLevel.RED,
                start=at(9),
                end=at(12),
                reason="",
                alert_id=alert_id,
            ),
            by=DUTY,
            now=at(9),
        )


def test_a_later_list_revision_never_rewrites_a_frozen_plan(engine, tmp_path):
    do_import(engine, SAMPLE)
    _alert_id, approval = issued_orange(engine)
    before = office_of(engine).frozen_plan(approval.revision.revision_id)
    # a new list takes effect later: the approved plan stays what it was
    lst = load_list(engine, 1)
    changed = dataclasses.replace(lst, enterprises=lst.enterprises[:10])
    from orchestrator.emissions.workbook import export_list

    out = tmp_path / "smaller.xlsx"
    export_list(changed, out)
    do_import(engine, out, dt.date(2025, 12, 1))
    assert office_of(engine).frozen_plan(approval.revision.revision_id) == before
    assert len(before) == 300


def test_a_frozen_plan_is_the_list_revisions_plan_kept_since_import(engine):
    """Approval refers to the plan selected at import, which equals a fresh selection, and the
    list revision cannot be deleted while an alert refers to its plan."""
    from sqlalchemy import delete
    from sqlalchemy.exc import IntegrityError

    from orchestrator.db.tables import list_revisions
    from orchestrator.emissions.plans import entry_record, plan_for

    do_import(engine, SAMPLE)
    _alert_id, approval = issued_orange(engine)
    fresh = [entry_record(e) for e in plan_for(load_list(engine, 1), AlertLevel.ORANGE).entries]
    assert office_of(engine).frozen_plan(approval.revision.revision_id) == fresh
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(delete(list_revisions))


def test_a_list_revision_stored_before_plans_were_kept_gets_them_on_first_approval(engine):
    from sqlalchemy import delete, func, select

    from orchestrator.db.tables import list_plans

    do_import(engine, SAMPLE)
    with engine.begin() as conn:  # as imported before migration 0005
        conn.execute(delete(list_plans))
    _alert_id, approval = issued_orange(engine)
    assert approval.enterprises == 300
    assert approval.check is not None
    assert approval.check.met
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(list_plans)).scalar() == 1


def test_a_plan_copied_before_plans_were_kept_is_still_read(engine):
    """Revisions approved before migration 0005 kept a copy of their plan (plan_entries)."""
    from sqlalchemy import insert, update

    from orchestrator.db.tables import alert_revisions, plan_entries

    do_import(engine, SAMPLE)
    _alert_id, approval = issued_orange(engine)
    rid = approval.revision.revision_id
    plan = office_of(engine).frozen_plan(rid)
    with engine.begin() as conn:
        conn.execute(update(alert_revisions).values(plan_id=None))
        conn.execute(
            insert(plan_entries),
            [
                {"revision_id": rid, "uscc": e["uscc"], "mode": e["mode"], "record": e}
                for e in reversed(plan[:5])
            ],
        )
    assert office_of(engine).frozen_plan(rid) == list(reversed(plan[:5]))


def test_a_shortfall_needs_the_approvers_written_reason(engine):
    do_import(engine, SAMPLE)
    bigger = dataclasses.replace(
        CITY, citywide=Amounts(**{s.value: 10 * CITY.citywide.get(s) for s in Species})
    )
    alert_id, approval = issued_orange(engine, bigger)
    assert approval.shortfall
    with pytest.raises(IllegalTransition, match="书面说明理由"):
        office_of(engine, city=bigger).issue(alert_id, by=VICE, now=NOW)
    issued = office_of(engine, city=bigger).issue(
        alert_id, by=VICE, now=NOW, override="以区域传输为主"
    )
    view, _ = issued.revision, issued.warnings
    assert view.state.shortfall_override == "以区域传输为主"


def test_a_reason_written_at_approval_lets_the_duty_officer_issue_a_shortfall(engine):
    do_import(engine, SAMPLE)
    bigger = dataclasses.replace(
        CITY, citywide=Amounts(**{s.value: 10 * CITY.citywide.get(s) for s in Species})
    )
    office = office_of(engine, city=bigger)
    alert_id = draft_orange(engine, bigger)
    approval = office.approve(alert_id, by=VICE, now=NOW, override="以区域传输为主")
    assert approval.shortfall
    assert approval.revision.state.shortfall_override == "以区域传输为主"
    issued = office.issue(alert_id, by=DUTY, now=NOW)
    assert issued.revision.state.shortfall_override == "以区域传输为主"
    approve_entry = next(t for t in office.trail(alert_id) if t.action is AuditAction.APPROVE)
    assert approve_entry.detail["override"] == "以区域传输为主"


def test_an_alert_meeting_its_targets_keeps_no_reason_given_at_approval(engine):
    do_import(engine, SAMPLE)
    alert_id = draft_orange(engine)
    approval = office_of(engine).approve(alert_id, by=VICE, now=NOW, override="无需")
    assert not approval.shortfall
    assert approval.revision.state.shortfall_override is None


def test_a_regional_hint_drafts_its_level_and_is_a_floor(engine):
    do_import(engine, SAMPLE)
    view = (
        office_of(engine)
        .add_hint(
            level=AlertLevel.ORANGE,
            start=at(6),
            end=at(8),
            issuer="省重污染天气应对指挥部",
            document_number="示省气指〔2026〕3号",
            area="全省",
            by=DUTY,
            now=NOW,
        )
        .draft
    )
    assert view is not None
    assert view.state.level is AlertLevel.ORANGE
    assert view.state.status is RevisionStatus.DRAFT
    with pytest.raises(IllegalTransition, match="不低于橙色预警"):
        office_of(engine).draft(
            Draft(
                kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(7), end=at(9), reason=""
            ),
            by=DUTY,
            now=NOW,
        )
    # outside the hint window a yellow alert is fine
    office_of(engine).draft(
        Draft(kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(8), end=at(9), reason=""),
        by=DUTY,
        now=NOW,
    )
    with pytest.raises(IllegalTransition, match="已登记"):
        office_of(engine).add_hint(
            level=AlertLevel.ORANGE,
            start=at(6),
            end=at(8),
            issuer="省重污染天气应对指挥部",
            document_number="示省气指〔2026〕3号",
            area="全省",
            by=DUTY,
            now=NOW,
        )


def test_an_immediate_issue_warns_about_the_lead_time(engine):
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    issued = office_of(engine).issue(alert_id, by=DUTY, now=at(5, 20))
    _, warnings = issued.revision, issued.warnings
    assert warnings
    assert "不足24小时" in warnings[0]


def test_unknown_alert(engine):
    with pytest.raises(AlertNotFound):
        office_of(engine).revisions(999)


def test_two_approvers_racing_exactly_one_wins(engine):
    do_import(engine, SAMPLE)
    v = office_of(engine).draft(
        Draft(kind=RevisionKind.ISSUE, level=AlertLevel.ORANGE, start=at(7), end=at(9), reason=""),
        by=DUTY,
        now=NOW,
    )
    office_of(engine).submit(v.alert_id, by=DUTY, now=NOW)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def approver(person):
        barrier.wait()
        try:
            office_of(engine).approve(v.alert_id, by=person, now=NOW)
            results.append("won")
        except IllegalTransition:
            results.append("lost")
        except Exception as exc:  # SQLite may refuse the second writer outright: that is losing too
            results.append(f"lost:{type(exc).__name__}")

    threads = [threading.Thread(target=approver, args=(p,)) for p in (VICE, MAYOR)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.split(":")[0] for r in results) == ["lost", "won"]
    (rev,) = office_of(engine).revisions(v.alert_id)
    assert rev.state.status is RevisionStatus.APPROVED
    assert len(office_of(engine).frozen_plan(rev.revision_id)) == 300  # one plan, not two


def test_two_approvals_selecting_a_missing_list_plan_at_once_both_succeed(engine):
    """A list revision imported before plans were kept gets its plan on first approval; two
    approvals of different alerts at the same moment: one selects it, the other uses theirs."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite takes one writer at a time (one worker): no such race there")
    from sqlalchemy import delete, func, select

    from orchestrator.db.tables import list_plans

    do_import(engine, SAMPLE)
    with engine.begin() as conn:  # as imported before migration 0005
        conn.execute(delete(list_plans))
    ids = []
    for _ in range(2):
        v = office_of(engine).draft(
            Draft(
                kind=RevisionKind.ISSUE, level=AlertLevel.ORANGE, start=at(7), end=at(9), reason=""
            ),
            by=DUTY,
            now=NOW,
        )
        office_of(engine).submit(v.alert_id, by=DUTY, now=NOW)
        ids.append(v.alert_id)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def approve(alert_id):
        barrier.wait()
        try:
            a = office_of(engine).approve(alert_id, by=VICE, now=NOW)
            results.append(a.enterprises)
        except Exception as exc:  # reported, not raised in the thread
            results.append(exc)

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [300, 300]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(list_plans)).scalar() == 1


# --- random action sequences against the database ------------------------------------------------

PEOPLE = [DUTY, DUTY2, VICE, MAYOR]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["submit", "approve", "reject", "withdraw", "issue", "new"]),
            st.sampled_from(PEOPLE),
        ),
        max_size=10,
    )
)
def test_random_actions_keep_numbers_unique_and_states_legal(engine, steps):
    from sqlalchemy import text

    with engine.begin() as conn:  # each example starts from an empty alert history
        for table in (
            "audit_log",
            "plan_entries",
            "document_numbers",
            "alert_revisions",
            "alerts",
            "regional_hints",
        ):
            conn.execute(text(f"DELETE FROM {table}"))
        if conn.execute(text("SELECT count(*) FROM list_revisions")).scalar() == 0:
            pass
    if not _has_list(engine):
        do_import(engine, SAMPLE)
    alert_id = (
        office_of(engine)
        .draft(
            Draft(
                kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(7), end=at(9), reason=""
            ),
            by=DUTY,
            now=NOW,
        )
        .alert_id
    )
    kinds = iter([RevisionKind.UPGRADE, RevisionKind.EXTEND, RevisionKind.LIFT])
    levels = {
        RevisionKind.UPGRADE: AlertLevel.ORANGE,
        RevisionKind.EXTEND: AlertLevel.ORANGE,
        RevisionKind.LIFT: AlertLevel.ORANGE,
    }
    for action, person in steps:
        try:
            if action == "submit":
                office_of(engine).submit(alert_id, by=person, now=NOW)
            elif action == "approve":
                office_of(engine).approve(alert_id, by=person, now=NOW)
            elif action == "reject":
                office_of(engine).reject(alert_id, by=person, now=NOW, reason="退回")
            elif action == "withdraw":
                office_of(engine).withdraw(alert_id, by=person, now=NOW, reason="撤回")
            elif action == "issue":
                office_of(engine).issue(alert_id, by=person, now=NOW)
            else:
                kind = next(kinds, RevisionKind.LIFT)
                office_of(engine).draft(
                    Draft(
                        kind=kind,
                        level=levels[kind],
                        start=at(7),
                        end=at(11),
                        reason="",
                        alert_id=alert_id,
                    ),
                    by=person,
                    now=NOW,
                )
        except IllegalTransition:
            continue
    views = office_of(engine).revisions(alert_id)
    assert sum(v.state.status.open for v in views) <= 1
    assert sum(v.state.status is RevisionStatus.ISSUED for v in views) <= 1
    numbers = [v.document_number for v in views if v.document_number]
    assert numbers == [f"示重污应急〔2026〕{i}号" for i in range(1, len(numbers) + 1)]
    for v in views:
        if v.state.status in (
            RevisionStatus.APPROVED,
            RevisionStatus.ISSUED,
            RevisionStatus.SUPERSEDED,
            RevisionStatus.LIFTED,
        ):
            assert v.state.approved_by not in (None, v.state.drafted_by)
        has_plan = bool(office_of(engine).frozen_plan(v.revision_id))
        assert has_plan == (
            v.state.approved_by is not None and v.state.kind is not RevisionKind.LIFT
        )


def _has_list(engine) -> bool:
    from sqlalchemy import text

    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM list_revisions")).scalar())
