"""The alert as the command office runs it (pure values): who acts (roles and people), what a
revision is and does, and the values the office's use cases hand back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orchestrator.alerts.model import AlertLevel, RegionalHint
from orchestrator.emissions.plans import Change, EntryChange
from orchestrator.emissions.targets import LevelCheck
from orchestrator.errors import Conflict, NotFound


class AlertNotFound(NotFound):
    """Raised when an alert id does not exist."""


class AlertsOverlap(Conflict):
    """Raised when an alert's window would overlap that of another alert of the same area that
    is in force (issued and not lifted) or approved for issue: an area has one alert at a time,
    changed by upgrade, downgrade or extension (exit 1, HTTP 409)."""


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
    counties: tuple[str, ...] = ()  # the alert's area: these counties (empty: the whole city)

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
    counties: tuple[str, ...] = ()  # a new alert's area: these counties (empty: the whole city)


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


def overlaps(
    start: dt.datetime,
    end: dt.datetime | None,
    other_start: dt.datetime,
    other_end: dt.datetime | None,
) -> bool:
    """Whether two windows share an instant (an open end runs until lifted)."""
    return (other_end is None or start < other_end) and (end is None or other_start < end)


def areas_meet(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two alert areas share a county (an empty area is the whole city)."""
    return not a or not b or not set(a).isdisjoint(b)


def area_label(counties: Sequence[str], city: str = "全市") -> str:
    """An area as the documents name it: 全市 (or the city's name), or its counties."""
    return "、".join(counties) if counties else city


def first_overlap(
    start: dt.datetime,
    end: dt.datetime | None,
    held: Sequence[AlertRevision],
    *,
    besides: int | None,
    issued_only: bool = False,
    area: Sequence[str] = (),
) -> AlertRevision | None:
    """The first revision of another alert than ``besides`` in ``held`` (what holds an area:
    revisions issued or approved, not lifts) whose window overlaps ``start``–``end`` and whose
    area meets ``area`` (empty: the whole city); with ``issued_only``, only those in force. One
    alert in force per area holds county by county: alerts of disjoint counties may run at once,
    a whole-city alert meets every other."""
    for v in held:
        if v.alert_id == besides:
            continue
        if issued_only and v.state.status is not RevisionStatus.ISSUED:
            continue
        if not areas_meet(area, v.counties):
            continue
        if overlaps(start, end, v.state.start, v.state.end):
            return v
    return None


@dataclass(frozen=True, slots=True)
class HintRecorded:
    """A regional hint recorded, and what it drafted: a new alert (no alert in force over its
    window and area), an adjustment of each alert in force there (upgrade when higher,
    extension when later, an upgrade to the later end when both; nothing when it already
    covers the hint), and a new alert of the counties of its area no alert holds."""

    hint_id: int
    draft: AlertRevision | None  # the first of ``drafts``
    in_force: int | None  # the (first) alert in force over the hint's window and area, if any
    note: str  # what was done, for the officer
    drafts: tuple[AlertRevision, ...] = ()  # every draft it made


@dataclass(frozen=True, slots=True)
class StandingControl:
    """A round of a recurring control in force (常态化管控: staggered production, an ozone-season
    window) whose measures outlast an alert: what a lift leaves in place, enterprise by
    enterprise."""

    title: str
    end: dt.datetime
    measures: Mapping[str, tuple[str, ...]]  # USCC -> "line：measure", as the round ordered

    def sentence(self, zone: dt.tzinfo | None) -> str:
        """What a lift notice says of it."""
        return (
            f"《{self.title}》规定的{len(self.measures)}家企业管控措施继续执行至"
            f"{cn_instant(self.end, zone)}"
        )


def cn_instant(t: dt.datetime, zone: dt.tzinfo | None, *, year: bool = True) -> str:
    """An instant as documents and messages write it: 2026年1月9日0时 (``year=False``:
    1月9日0时), minutes only when there are any."""
    t = t.astimezone(zone)
    minutes = f"{t.minute}分" if t.minute else ""
    day = f"{t.year}年{t.month}月{t.day}日" if year else f"{t.month}月{t.day}日"
    return f"{day}{t.hour}时{minutes}"


def remaining_after_lift(
    hints: Sequence[RegionalHint], controls: Sequence[StandingControl], zone: dt.tzinfo | None
) -> tuple[str, ...]:
    """What still applies after a lift: each regional hint still running and each recurring
    control in force, one sentence each (empty: everything may resume)."""
    out = [
        f"{h.issuer}区域预警提示（{h.document}）要求{cn_instant(h.start, zone)}至"
        f"{cn_instant(h.end, zone)}不低于{h.level.term}，期间按其要求执行"
        for h in hints
    ]
    out.extend(c.sentence(zone) for c in controls)
    return tuple(out)


def lift_changes(
    changes: Sequence[EntryChange], controls: Sequence[StandingControl]
) -> list[EntryChange]:
    """A lift's per-enterprise changes: an enterprise a recurring control in force still binds
    does not resume; it keeps that control's measures (named in its details)."""
    out = []
    for c in changes:
        kept = tuple(f"《{s.title}》：{m}" for s in controls for m in s.measures.get(c.uscc, ()))
        if c.change is Change.RESUME and kept:
            c = EntryChange(uscc=c.uscc, name=c.name, change=Change.REMAIN, details=kept)
        out.append(c)
    return out


def _issued(revisions: Sequence[AlertRevision]) -> list[AlertRevision]:
    return sorted(
        (
            v
            for v in revisions
            if v.state.issued_at is not None
            and v.state.status
            in (RevisionStatus.ISSUED, RevisionStatus.SUPERSEDED, RevisionStatus.LIFTED)
        ),
        key=lambda v: v.state.issued_at or v.state.start,
    )


def _spans(
    revisions: Sequence[AlertRevision], until: dt.datetime
) -> list[tuple[AlertRevision, dt.datetime, dt.datetime]]:
    """Each issued colour revision with the span it was in force: from its start to the next
    issued revision's start (an upgrade, downgrade, extension or lift supersedes it), its own
    end, or ``until``."""
    issued = _issued(revisions)
    out = []
    for i, v in enumerate(issued):
        if v.state.kind is RevisionKind.LIFT or not v.state.level.colour:
            continue
        stop = v.state.end or until
        if i + 1 < len(issued):
            stop = min(stop, issued[i + 1].state.start)
        out.append((v, v.state.start, stop))
    return out


def in_force_at(revisions: Sequence[AlertRevision], at: dt.datetime) -> AlertRevision | None:
    """The alert's issued colour revision in force at ``at`` (None: none then — not started,
    lifted or ended)."""
    for v, start, stop in _spans(revisions, at + dt.timedelta(seconds=1)):
        if start <= at < stop:
            return v
    return None


def days_in_force(
    alerts: Sequence[Sequence[AlertRevision]], since: dt.datetime, until: dt.datetime
) -> dict[AlertLevel, float]:
    """Days each colour level was in force within [``since``, ``until``): each issued revision
    runs from its start to the next issued revision's start (an upgrade, downgrade, extension or
    lift supersedes it), its own end, or ``until``."""
    out: dict[AlertLevel, float] = {}
    for revisions in alerts:
        for v, begin, end in _spans(revisions, until):
            start, stop = max(begin, since), min(end, until)
            if stop > start:
                level = v.state.level
                out[level] = out.get(level, 0.0) + (stop - start).total_seconds() / 86400
    return {lv: round(d, 2) for lv, d in out.items()}
