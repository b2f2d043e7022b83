"""The alert state machine: every legal move, every illegal one, and random action sequences."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.alerts.model import AlertLevel
from orchestrator.response.lifecycle import (
    ApprovalPolicy,
    IllegalTransition,
    allowed_actions,
    approve,
    check_new_revision,
    issue,
    lead_time_warning,
    reject,
    submit,
    withdraw,
)
from orchestrator.response.model import (
    Action,
    Person,
    RevisionKind,
    RevisionState,
    RevisionStatus,
    Role,
)
from tests.support.base import at

POLICY = ApprovalPolicy(
    required={
        AlertLevel.YELLOW: Role.VICE_MAYOR,
        AlertLevel.ORANGE: Role.VICE_MAYOR,
        AlertLevel.RED: Role.MAYOR,
    }
)
DUTY = Person(name="值班员张三", role=Role.DUTY_OFFICER)
DUTY2 = Person(name="值班员李四", role=Role.DUTY_OFFICER)
VICE = Person(name="王副市长", role=Role.VICE_MAYOR)
MAYOR = Person(name="赵市长", role=Role.MAYOR)


def draft(level: AlertLevel = AlertLevel.ORANGE, by: Person = DUTY) -> RevisionState:
    return RevisionState(
        number=1,
        kind=RevisionKind.ISSUE,
        level=level,
        start=at(6),
        end=at(9),
        status=RevisionStatus.DRAFT,
        drafted_by=by.name,
    )


def issued(level: AlertLevel = AlertLevel.ORANGE) -> RevisionState:
    rev = approve(submit(draft(level), DUTY), MAYOR, POLICY)
    return issue(rev, DUTY, now=at(5), shortfall=False, override=None)


def test_the_happy_path_draft_submit_approve_issue():
    rev = submit(draft(), DUTY)
    assert rev.status is RevisionStatus.PENDING_APPROVAL
    rev = approve(rev, VICE, POLICY)
    assert (rev.status, rev.approved_by) == (RevisionStatus.APPROVED, VICE.name)
    rev = issue(rev, DUTY, now=at(5, 10), shortfall=False, override=None)
    assert (rev.status, rev.issued_at) == (RevisionStatus.ISSUED, at(5, 10))


def test_the_drafter_cannot_approve_their_own_alert_even_as_mayor():
    own = submit(draft(by=MAYOR), MAYOR)
    with pytest.raises(IllegalTransition, match="审批人不能与起草人相同"):
        approve(own, MAYOR, POLICY)


def test_red_needs_the_mayor_orange_a_vice_mayor():
    with pytest.raises(IllegalTransition, match="红色预警须由市长或更高职级批准"):
        approve(submit(draft(AlertLevel.RED), DUTY), VICE, POLICY)
    assert (
        approve(submit(draft(AlertLevel.RED), DUTY), MAYOR, POLICY).status
        is RevisionStatus.APPROVED
    )
    with pytest.raises(IllegalTransition, match="分管副市长"):
        approve(submit(draft(AlertLevel.ORANGE), DUTY), DUTY2, POLICY)


def test_a_shortfall_blocks_issue_unless_the_approver_writes_a_reason():
    approved = approve(submit(draft(), DUTY), VICE, POLICY)
    with pytest.raises(IllegalTransition, match="书面说明理由"):
        issue(approved, VICE, now=at(5), shortfall=True, override=None)
    with pytest.raises(IllegalTransition, match="审批人王副市长本人"):
        issue(approved, DUTY, now=at(5), shortfall=True, override="区域传输为主，本地已尽最大努力")
    done = issue(
        approved, VICE, now=at(5), shortfall=True, override="区域传输为主，本地已尽最大努力"
    )
    assert done.shortfall_override == "区域传输为主，本地已尽最大努力"


def test_a_reason_written_at_approval_lets_the_duty_officer_issue():
    approved = approve(submit(draft(), DUTY), VICE, POLICY, override=" 区域传输为主 ")
    assert approved.shortfall_override == "区域传输为主"
    done = issue(approved, DUTY2, now=at(5), shortfall=True, override=None)
    assert done.status is RevisionStatus.ISSUED
    assert done.shortfall_override == "区域传输为主"
    # met after all: nothing to explain, nothing kept
    assert (
        issue(approved, DUTY2, now=at(5), shortfall=False, override=None).shortfall_override is None
    )


def test_reject_sends_back_to_draft_and_withdraw_ends_an_open_revision():
    rev = reject(submit(draft(), DUTY), VICE)
    assert rev.status is RevisionStatus.DRAFT
    assert withdraw(rev, DUTY).status is RevisionStatus.WITHDRAWN
    with pytest.raises(IllegalTransition, match="不能撤回"):
        withdraw(issued(), DUTY)


@pytest.mark.parametrize(
    ("kind", "level", "end", "message"),
    [
        (RevisionKind.UPGRADE, AlertLevel.ORANGE, None, "升级须高于"),
        (RevisionKind.DOWNGRADE, AlertLevel.RED, None, "降级须低于"),
        (RevisionKind.EXTEND, AlertLevel.RED, None, "延长不改变预警等级"),
        (RevisionKind.EXTEND, AlertLevel.ORANGE, at(8), "延长后的结束时间须晚于"),
        (RevisionKind.ISSUE, AlertLevel.ORANGE, None, "该预警已发布"),
    ],
)
def test_new_revisions_must_make_sense(kind, level, end, message):
    with pytest.raises(IllegalTransition, match=message):
        check_new_revision(issued(), kind, level, end)


def test_legal_new_revisions():
    prev = issued()
    check_new_revision(prev, RevisionKind.UPGRADE, AlertLevel.RED, None)
    check_new_revision(prev, RevisionKind.DOWNGRADE, AlertLevel.YELLOW, None)
    check_new_revision(prev, RevisionKind.EXTEND, AlertLevel.ORANGE, at(10))
    check_new_revision(prev, RevisionKind.LIFT, AlertLevel.ORANGE, None)
    check_new_revision(None, RevisionKind.ISSUE, AlertLevel.ORANGE, None)
    with pytest.raises(IllegalTransition, match="只有已发布且未解除"):
        check_new_revision(None, RevisionKind.LIFT, AlertLevel.ORANGE, None)


def test_lead_time_warns_below_24_hours_and_not_at_24():
    assert lead_time_warning(at(6, 9), at(5, 9), POLICY) is None  # exactly 24 h
    warning = lead_time_warning(at(6, 8), at(5, 9), POLICY)
    assert warning is not None
    assert "不足24小时（23小时）" in warning


# --- random action sequences ---------------------------------------------------------------------

PEOPLE = [DUTY, DUTY2, VICE, MAYOR]
ACTIONS = ["submit", "approve", "approve_override", "reject", "withdraw", "issue", "issue_override"]


@settings(max_examples=300, deadline=None)
@given(
    level=st.sampled_from([AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED]),
    drafter=st.sampled_from(PEOPLE),
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(PEOPLE), st.booleans()), max_size=12
    ),
)
def test_random_action_sequences_never_reach_an_illegal_state(level, drafter, steps):
    rev = draft(level, drafter)
    for action, person, shortfall in steps:
        before = rev
        try:
            if action == "submit":
                rev = submit(rev, person)
            elif action in ("approve", "approve_override"):
                reason = "书面理由" if action == "approve_override" else None
                rev = approve(rev, person, POLICY, override=reason)
            elif action == "reject":
                rev = reject(rev, person)
            elif action == "withdraw":
                rev = withdraw(rev, person)
            else:
                reason = "书面理由" if action == "issue_override" else None
                rev = issue(rev, person, now=at(5), shortfall=shortfall, override=reason)
        except IllegalTransition:
            assert rev == before  # a refused action changes nothing
            continue
        # invariants of every reachable state
        if rev.status in (RevisionStatus.APPROVED, RevisionStatus.ISSUED):
            assert rev.approved_by is not None
            assert rev.approved_by != rev.drafted_by
            approver = next(p for p in PEOPLE if p.name == rev.approved_by)
            assert approver.role.rank >= POLICY.role_for(level).rank
        if rev.status is RevisionStatus.ISSUED:
            assert rev.issued_at is not None
        if before.status in (RevisionStatus.ISSUED, RevisionStatus.WITHDRAWN):
            assert rev == before  # final states never move
        if rev.shortfall_override is not None:  # written by the approver, nobody else
            assert rev.approved_by is not None
            assert rev.status is not RevisionStatus.PENDING_APPROVAL
        if rev.status is RevisionStatus.ISSUED and shortfall and before.status is not rev.status:
            assert rev.shortfall_override  # never issued short without a written reason


def test_states_are_immutable():
    rev = draft()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rev.status = RevisionStatus.ISSUED  # type: ignore[misc]
    submit(rev, DUTY)
    assert rev.status is RevisionStatus.DRAFT


def test_times_must_be_aware_and_ordered():
    with pytest.raises(ValueError, match="aware"):
        dataclasses.replace(draft(), start=dt.datetime(2026, 1, 6))  # noqa: DTZ001
    with pytest.raises(ValueError, match="end after"):
        dataclasses.replace(draft(), end=at(5))


def test_a_lifted_alert_takes_no_further_revision():
    lift = dataclasses.replace(issued(), kind=RevisionKind.LIFT, number=2)
    with pytest.raises(IllegalTransition, match="已解除"):
        check_new_revision(lift, RevisionKind.EXTEND, AlertLevel.ORANGE, at(12))


LEVELS = [AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED]
#: Anyone who might act: two of every rank, so that the four-eyes rule leaves someone.
EVERYONE = [
    *PEOPLE,
    Person(name="钱市长", role=Role.MAYOR),
    Person(name="孙副市长", role=Role.VICE_MAYOR),
]


def _moves(state: RevisionState, action: Action) -> bool:
    """Whether anyone can do ``action`` to ``state`` through the transitions themselves (for an
    adjustment: whether some level and end make a legal new revision after it)."""
    kind = action.adjustment
    if kind is not None:
        ends = [None, state.end + dt.timedelta(days=1) if state.end else None, at(12)]
        for level in LEVELS:
            for end in ends:
                try:
                    check_new_revision(state, kind, level, end)
                except IllegalTransition:
                    continue
                return True
        return False
    for person in EVERYONE:
        try:
            if action is Action.SUBMIT:
                submit(state, person)
            elif action is Action.APPROVE:
                approve(state, person, POLICY)
            elif action is Action.REJECT:
                reject(state, person)
            elif action is Action.WITHDRAW:
                withdraw(state, person)
            else:
                issue(state, person, now=at(5), shortfall=False, override=None)
        except IllegalTransition:
            continue
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(list(RevisionStatus)),
    kind=st.sampled_from(list(RevisionKind)),
    level=st.sampled_from(LEVELS),
    drafter=st.sampled_from(PEOPLE),
    approver=st.sampled_from([None, *PEOPLE]),
)
def test_allowed_actions_is_exactly_what_the_transitions_allow(
    status, kind, level, drafter, approver
):
    state = RevisionState(
        number=1 if kind is RevisionKind.ISSUE else 2,
        kind=kind,
        level=level,
        start=at(6),
        end=at(9),
        status=status,
        drafted_by=drafter.name,
        approved_by=approver.name if approver else None,
    )
    allowed = allowed_actions(state, levels=LEVELS)
    for action in Action:
        assert (action in allowed) == _moves(state, action), (action, state)


def test_an_approved_revision_can_still_be_withdrawn():
    approved = approve(submit(draft(), DUTY), VICE, POLICY)
    assert allowed_actions(approved) == {Action.ISSUE, Action.WITHDRAW}
    assert withdraw(approved, DUTY).status is RevisionStatus.WITHDRAWN
