"""The alert state machine (pure): revisions, the four-eyes rule, and which action is legal when.

An alert (one pollution episode) has revisions. Revision 1 issues it; later revisions upgrade,
downgrade, extend or lift it, each referencing the one before. Every revision goes

    draft ──submit──▶ pending_approval ──approve──▶ approved ──issue──▶ issued
      ▲                    │ reject                                      │ (a later revision issued)
      └────────────────────┘                                             ▼
    draft / pending / approved ──withdraw──▶ withdrawn           superseded / lifted

The approver must differ from the drafter and hold the role the level requires (config). At most
one revision is open (not issued and not withdrawn) at a time. :func:`allowed_actions` says what
may be done next — the console's buttons, the API's and the command line's actions all ask it.
Illegal moves raise :class:`IllegalTransition`; nothing here reads the clock or a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.errors import InputInvalid, OrchestratorError
from orchestrator.response.model import (
    Action,
    Person,
    RevisionKind,
    RevisionState,
    RevisionStatus,
    Role,
)


class IllegalTransition(OrchestratorError):
    """Raised by the lifecycle when an action is not allowed in the current state (or by this
    person); the message says why, in Chinese, for the duty officer."""


class WindowInvalid(InputInvalid):
    """Raised when a drafted revision would end before it starts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalPolicy:
    """The role needed to approve each level (config/approval.toml) [L Taiyuan default]."""

    required: Mapping[AlertLevel, Role]
    lead_time_hours: int = 24  # warn when the start is sooner than this after issue

    def __post_init__(self) -> None:
        for level, role in self.required.items():
            if not role.acts:
                raise ValueError(f"{level.term}的审批角色不能是{role.label}")

    def role_for(self, level: AlertLevel) -> Role:
        return self.required.get(level, Role.MAYOR)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise IllegalTransition(message)


def allowed_actions(
    state: RevisionState, *, levels: Sequence[AlertLevel] = ALERT_LEVELS
) -> frozenset[Action]:
    """What may be done next to an alert whose current revision (see
    :func:`~orchestrator.response.model.current`) is ``state``: move an open revision on, or
    draft an adjustment of an issued one (upgrade and downgrade only where ``levels`` has a level
    above or below). Who may do it is the role's business (``accounts``), not the state's."""
    status = state.status
    if status is RevisionStatus.DRAFT:
        return frozenset({Action.SUBMIT, Action.WITHDRAW})
    if status is RevisionStatus.PENDING_APPROVAL:
        return frozenset({Action.APPROVE, Action.REJECT, Action.WITHDRAW})
    if status is RevisionStatus.APPROVED:
        return frozenset({Action.ISSUE, Action.WITHDRAW})
    if status is RevisionStatus.ISSUED and state.kind is not RevisionKind.LIFT:
        out = {Action.EXTEND, Action.LIFT}
        if any(lv.rank > state.level.rank for lv in levels):
            out.add(Action.UPGRADE)
        if any(lv.rank < state.level.rank for lv in levels):
            out.add(Action.DOWNGRADE)
        return frozenset(out)
    return frozenset()


def check_window(start: dt.datetime, end: dt.datetime | None) -> None:
    """A revision's window must end after it starts (None: until further notice)."""
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise WindowInvalid("预警时间须带时区")
    if end is not None and end <= start:
        raise WindowInvalid("结束时间须晚于开始时间")


def submit(rev: RevisionState, by: Person) -> RevisionState:
    _require(
        rev.status is RevisionStatus.DRAFT, f"只有草稿可以提交审批（当前：{rev.status.label}）"
    )
    return replace(rev, status=RevisionStatus.PENDING_APPROVAL)


def approve(
    rev: RevisionState, by: Person, policy: ApprovalPolicy, *, override: str | None = None
) -> RevisionState:
    """Approve a revision awaiting approval; ``override``: the approver's written reason to issue
    despite a reduction shortfall, recorded with the approval (whoever issues may then issue)."""
    _require(
        rev.status is RevisionStatus.PENDING_APPROVAL,
        f"只有待审批的预警可以批准（当前：{rev.status.label}）",
    )
    _require(by.name != rev.drafted_by, f"审批人不能与起草人相同（{by.name}）")
    need = policy.role_for(rev.level)
    _require(
        by.role.rank >= need.rank,
        f"{rev.level.term}须由{need.label}或更高职级批准，{by.name}为{by.role.label}",
    )
    written = override.strip() if override else ""
    return replace(
        rev,
        status=RevisionStatus.APPROVED,
        approved_by=by.name,
        shortfall_override=written or None,
    )


def reject(rev: RevisionState, by: Person) -> RevisionState:
    _require(
        rev.status is RevisionStatus.PENDING_APPROVAL,
        f"只有待审批的预警可以退回（当前：{rev.status.label}）",
    )
    _require(by.name != rev.drafted_by, "起草人不能退回自己的草稿")
    return replace(rev, status=RevisionStatus.DRAFT)


def withdraw(rev: RevisionState, by: Person) -> RevisionState:
    _require(rev.status.open, f"{rev.status.label}的预警不能撤回")
    return replace(rev, status=RevisionStatus.WITHDRAWN)


def issue(
    rev: RevisionState, by: Person, *, now: dt.datetime, shortfall: bool, override: str | None
) -> RevisionState:
    """Issue an approved revision. A reduction shortfall blocks unless the approver gave a
    written reason: at approval (then anyone who may issue issues), or when issuing in person."""
    _require(
        rev.status is RevisionStatus.APPROVED,
        f"只有已批准的预警可以发布（当前：{rev.status.label}）",
    )
    written = rev.shortfall_override
    if shortfall and written is None:
        _require(
            bool(override and override.strip()),
            "减排量未达到目标比例，须由审批人书面说明理由（批准时填写，或由审批人本人发布时填写）"
            "后方可发布",
        )
        _require(
            by.name == rev.approved_by,
            f"减排量未达标时须由审批人{rev.approved_by}本人发布并说明理由",
        )
        written = override
    return replace(
        rev,
        status=RevisionStatus.ISSUED,
        issued_at=now,
        shortfall_override=written if shortfall else None,
    )


def check_new_revision(
    previous: RevisionState | None, kind: RevisionKind, level: AlertLevel, end: dt.datetime | None
) -> None:
    """Whether a revision of ``kind`` may follow ``previous`` (the alert's last issued revision)."""
    if kind is RevisionKind.ISSUE:
        _require(previous is None, "该预警已发布，请使用升级、降级、延长或解除")
        return
    _require(
        previous is not None and previous.status is RevisionStatus.ISSUED,
        "只有已发布且未解除的预警可以调整或解除",
    )
    assert previous is not None
    _require(previous.kind is not RevisionKind.LIFT, "该预警已解除，不能再调整")
    if kind is RevisionKind.UPGRADE:
        _require(level.rank > previous.level.rank, f"升级须高于现行{previous.level.term}")
    elif kind is RevisionKind.DOWNGRADE:
        _require(level.rank < previous.level.rank, f"降级须低于现行{previous.level.term}")
    elif kind is RevisionKind.EXTEND:
        _require(level is previous.level, "延长不改变预警等级")
        _require(
            end is None or previous.end is None or end > previous.end,
            "延长后的结束时间须晚于现行结束时间",
        )


def lead_time_warning(
    start: dt.datetime, issued_at: dt.datetime, policy: ApprovalPolicy
) -> str | None:
    """A warning (not a block) when the start is sooner than the lead time after issue."""
    hours = (start - issued_at).total_seconds() / 3600
    if hours < policy.lead_time_hours:
        return f"预警启动时间距发布不足{policy.lead_time_hours}小时（{max(hours, 0):.0f}小时），须说明立即启动的理由"
    return None
