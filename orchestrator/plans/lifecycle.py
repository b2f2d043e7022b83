"""The alert state machine (pure): revisions, the four-eyes rule, and which action is legal when.

An alert (one pollution episode) has revisions. Revision 1 issues it; later revisions upgrade,
downgrade, extend or lift it, each referencing the one before. Every revision goes

    draft ──submit──▶ pending_approval ──approve──▶ approved ──issue──▶ issued
      ▲                    │ reject                                      │ (a later revision issued)
      └────────────────────┘                                             ▼
    draft / pending / approved ──withdraw──▶ withdrawn           superseded / lifted

The approver must differ from the drafter and hold the role the level requires (config). At most
one revision is open (not issued and not withdrawn) at a time. Illegal moves raise
:class:`IllegalTransition`; nothing here reads the clock or a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from orchestrator.alerts.model import AlertLevel
from orchestrator.errors import OrchestratorError


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


class Role(StrEnum):
    """Who may do what; higher ranks may do what lower ones may."""

    DUTY_OFFICER = "duty_officer"  # 值班人员
    DIRECTOR = "director"  # 应急办主任
    VICE_MAYOR = "vice_mayor"  # 分管副市长
    MAYOR = "mayor"  # 市长

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {Role.DUTY_OFFICER: 1, Role.DIRECTOR: 2, Role.VICE_MAYOR: 3, Role.MAYOR: 4}


class IllegalTransition(OrchestratorError):
    """Raised by the lifecycle when an action is not allowed in the current state (or by this
    person); the message says why, in Chinese, for the duty officer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    name: str
    role: Role

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a person needs a name")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalPolicy:
    """The role needed to approve each level (config/approval.toml) [L Taiyuan default]."""

    required: Mapping[AlertLevel, Role]
    lead_time_hours: int = 24  # warn when the start is sooner than this after issue

    def role_for(self, level: AlertLevel) -> Role:
        return self.required.get(level, Role.MAYOR)


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


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise IllegalTransition(message)


def submit(rev: RevisionState, by: Person) -> RevisionState:
    _require(
        rev.status is RevisionStatus.DRAFT, f"只有草稿可以提交审批（当前：{rev.status.label}）"
    )
    return replace(rev, status=RevisionStatus.PENDING_APPROVAL)


def approve(rev: RevisionState, by: Person, policy: ApprovalPolicy) -> RevisionState:
    _require(
        rev.status is RevisionStatus.PENDING_APPROVAL,
        f"只有待审批的预警可以批准（当前：{rev.status.label}）",
    )
    _require(by.name != rev.drafted_by, f"审批人不能与起草人相同（{by.name}）")
    need = policy.role_for(rev.level)
    _require(
        by.role.rank >= need.rank,
        f"{rev.level.label}预警须由{_ROLE_NAME[need]}或更高职级批准，{by.name}为{_ROLE_NAME[by.role]}",
    )
    return replace(rev, status=RevisionStatus.APPROVED, approved_by=by.name)


def reject(rev: RevisionState, by: Person) -> RevisionState:
    _require(
        rev.status is RevisionStatus.PENDING_APPROVAL,
        f"只有待审批的预警可以退回（当前：{rev.status.label}）",
    )
    _require(by.name != rev.drafted_by, "起草人不能退回自己的草稿")
    return replace(rev, status=RevisionStatus.DRAFT)


def withdraw(rev: RevisionState, by: Person) -> RevisionState:
    _require(rev.status.open, f"已{rev.status.label}的预警不能撤回")
    return replace(rev, status=RevisionStatus.WITHDRAWN)


def issue(
    rev: RevisionState, by: Person, *, now: dt.datetime, shortfall: bool, override: str | None
) -> RevisionState:
    """Issue an approved revision. A reduction shortfall blocks unless the approver gave a reason."""
    _require(
        rev.status is RevisionStatus.APPROVED,
        f"只有已批准的预警可以发布（当前：{rev.status.label}）",
    )
    if shortfall:
        _require(
            bool(override and override.strip()),
            "减排量未达到目标比例，须由审批人书面说明理由后方可发布",
        )
        _require(
            by.name == rev.approved_by,
            f"减排量未达标时须由审批人{rev.approved_by}本人发布并说明理由",
        )
    return replace(
        rev,
        status=RevisionStatus.ISSUED,
        issued_at=now,
        shortfall_override=override if shortfall else None,
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
        _require(level.rank > previous.level.rank, f"升级须高于现行{previous.level.label}预警")
    elif kind is RevisionKind.DOWNGRADE:
        _require(level.rank < previous.level.rank, f"降级须低于现行{previous.level.label}预警")
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


_ROLE_NAME = {
    Role.DUTY_OFFICER: "值班人员",
    Role.DIRECTOR: "应急办主任",
    Role.VICE_MAYOR: "分管副市长",
    Role.MAYOR: "市长",
}
