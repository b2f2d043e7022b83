"""The alert as the command office runs it (pure values): who acts (roles and people), what a
revision is and does, and the values the office's use cases hand back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orchestrator.alerts.model import AlertLevel, RegionalHint
from orchestrator.emissions.plans import Change, EntryChange
from orchestrator.emissions.targets import LevelCheck
from orchestrator.errors import NotFound


class AlertNotFound(NotFound):
    """Raised when an alert id does not exist."""


class Role(StrEnum):
    """The one role vocabulary: who may do what in the console, the API and the lifecycle.

    The approving roles are ranked (a higher one may approve in place of a lower one); the
    administrator and the read-only user take part in no alert."""

    ADMIN = "admin"  # 系统管理员
    DUTY_OFFICER = "duty_officer"  # 值班人员
    DIRECTOR = "director"  # 应急办主任
    VICE_MAYOR = "vice_mayor"  # 分管副市长
    MAYOR = "mayor"  # 市长
    VIEWER = "viewer"  # 只读用户

    @property
    def label(self) -> str:
        return _ROLE_LABEL[self]

    @property
    def rank(self) -> int:
        """0 for roles that act on no alert; 1 (duty officer) … 4 (mayor)."""
        return _ROLE_RANK[self]

    @property
    def acts(self) -> bool:
        """Whether people in this role draft, approve or issue alerts."""
        return self.rank > 0


_ROLE_LABEL = {
    Role.ADMIN: "系统管理员",
    Role.DUTY_OFFICER: "值班人员",
    Role.DIRECTOR: "应急办主任",
    Role.VICE_MAYOR: "分管副市长",
    Role.MAYOR: "市长",
    Role.VIEWER: "只读用户",
}
_ROLE_RANK = {
    Role.ADMIN: 0,
    Role.DUTY_OFFICER: 1,
    Role.DIRECTOR: 2,
    Role.VICE_MAYOR: 3,
    Role.MAYOR: 4,
    Role.VIEWER: 0,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """Someone who acts on alerts: a name as signed on documents, and a role that acts."""

    name: str
    role: Role

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a person needs a name")
        if not self.role.acts:
            raise ValueError(f"{self.role.label}不办理预警")


class RevisionStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    ISSUED = "issued"
    SUPERSEDED = "superseded"
    LIFTED = "lifted"
    WITHDRAWN = "withdrawn"

    @property
    def open(self) -> bool:
        return self in (
            RevisionStatus.DRAFT,
            RevisionStatus.PENDING_APPROVAL,
            RevisionStatus.APPROVED,
        )

    @property
    def label(self) -> str:
        return _STATUS_LABEL[self]


_STATUS_LABEL = {
    RevisionStatus.DRAFT: "草稿",
    RevisionStatus.PENDING_APPROVAL: "待审批",
    RevisionStatus.APPROVED: "已批准",
    RevisionStatus.ISSUED: "已发布",
    RevisionStatus.SUPERSEDED: "已调整",
    RevisionStatus.LIFTED: "已解除",
    RevisionStatus.WITHDRAWN: "已撤回",
}


class RevisionKind(StrEnum):
    """What a revision does to the alert."""

    ISSUE = "issue"  # 启动
    UPGRADE = "upgrade"  # 升级
    DOWNGRADE = "downgrade"  # 降级
    EXTEND = "extend"  # 延长
    LIFT = "lift"  # 解除

    @property
    def label(self) -> str:
        return _KIND_LABEL[self]


_KIND_LABEL = {
    RevisionKind.ISSUE: "启动",
    RevisionKind.UPGRADE: "升级",
    RevisionKind.DOWNGRADE: "降级",
    RevisionKind.EXTEND: "延长",
    RevisionKind.LIFT: "解除",
}

#: The revisions that change an issued alert (each drafted and approved like the first).
ADJUSTMENTS = (RevisionKind.UPGRADE, RevisionKind.DOWNGRADE, RevisionKind.EXTEND, RevisionKind.LIFT)


class Action(StrEnum):
    """What a person can do to an alert next (:func:`~orchestrator.response.lifecycle.allowed_actions`
    says which, in a given state): move its open revision on, or draft an adjustment."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    ISSUE = "issue"
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    EXTEND = "extend"
    LIFT = "lift"

    @property
    def label(self) -> str:
        return _ACTION_LABEL[self]

    @property
    def adjustment(self) -> RevisionKind | None:
        """The revision kind this action drafts (None: it moves the open revision on)."""
        try:
            kind = RevisionKind(self.value)
        except ValueError:
            return None
        return kind if kind in ADJUSTMENTS else None


_ACTION_LABEL = {
    Action.SUBMIT: "提交审批",
    Action.APPROVE: "批准",
    Action.REJECT: "退回",
    Action.WITHDRAW: "撤回",
    Action.ISSUE: "发布",
    Action.UPGRADE: "升级",
    Action.DOWNGRADE: "降级",
    Action.EXTEND: "延长",
    Action.LIFT: "解除",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RevisionState:
    """One alert revision as the state machine sees it."""

    number: int  # 1, 2, … within the alert
    kind: RevisionKind
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime | None  # None = 另行通知
    status: RevisionStatus
    drafted_by: str
    approved_by: str | None = None
    issued_at: dt.datetime | None = None
    shortfall_override: str | None = None  # approver's written reason to issue despite a shortfall

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or (self.end is not None and self.end.tzinfo is None):
            raise ValueError("alert times must be timezone-aware")
        if self.end is not None and self.end <= self.start:
            raise ValueError("an alert must end after it starts")


@dataclass(frozen=True, slots=True)
class AlertRevision:
    """A stored alert revision: its state, its reason and what approval and issue gave it."""

    alert_id: int
    revision_id: int
    state: RevisionState
    reason: str
    document_number: str | None
    list_revision: int | None
    targets: dict[str, Any] | None = None  # the plan's reduction check, frozen at approval

    @property
    def shortfall(self) -> bool:
        return self.targets is not None and not self.targets["met"]


def current(revisions: Sequence[AlertRevision]) -> AlertRevision:
    """The revision an action applies to: the open one; else the newest that was not withdrawn
    (an issued alert whose adjustment was withdrawn is still that issued alert); else the newest."""
    open_ = [v for v in revisions if v.state.status.open]
    if open_:
        return open_[-1]
    kept = [v for v in revisions if v.state.status is not RevisionStatus.WITHDRAWN]
    return kept[-1] if kept else revisions[-1]


def last_issued(revisions: Sequence[AlertRevision]) -> AlertRevision | None:
    """The alert's revision in force (or lifted by the newest): the last one issued."""
    issued = [v for v in revisions if v.state.status is RevisionStatus.ISSUED]
    return issued[-1] if issued else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """What a new revision is drafted from: a new alert (``ISSUE``) or an adjustment of the issued
    alert ``alert_id``; ``hint_id`` when it answers a regional hint."""

    kind: RevisionKind
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime | None
    reason: str
    alert_id: int | None = None
    hint_id: int | None = None


@dataclass(frozen=True, slots=True)
class Approval:
    revision: AlertRevision
    enterprises: int  # entries of the frozen plan (0 for a lift)
    check: LevelCheck | None  # None for a lift
    changes: list[EntryChange] = field(default_factory=list)  # vs the plan in force

    def count(self, change: Change) -> int:
        return sum(c.change is change for c in self.changes)

    @property
    def shortfall(self) -> bool:
        return self.revision.shortfall


@dataclass(frozen=True, slots=True)
class Situation:
    """What a consultation compares its decision with: the alert in force (its newest issued
    revision and whether a change of it is open), alerts drafted but not yet issued, and the
    strongest regional hint still running."""

    active: AlertRevision | None
    active_open: bool
    pending_issue: tuple[int, ...]  # alert ids with an open first revision
    hint: RegionalHint | None
