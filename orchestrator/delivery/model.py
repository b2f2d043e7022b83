"""Delivery and receipts as values (pure): what a notice is sent about, to whom, how far each
delivery got, and what the enterprises answered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orchestrator.errors import OrchestratorError


class ReportOutcome(StrEnum):
    """What a gateway's delivery report did."""

    RECORDED = "recorded"  # a sent delivery became delivered, or dead (then the next channel)
    REPEAT = "repeat"  # the same report again (gateways retry): already recorded, no change
    UNKNOWN = "unknown"  # no delivery awaits a report under that key


class DeliveryStatus(StrEnum):
    """How far one delivery (one notice, one recipient, one channel) got.

    pending (never tried), sending (claimed by a worker), sent (handed over: SMTP server, SMS
    gateway), delivered (confirmed: HTTP 2xx of a webhook or robot, a delivery report, a file
    written), failed (will be retried), dead (given up; the next channel is tried)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    DEAD = "dead"

    @property
    def rank(self) -> int:
        """How far it got, to pick an enterprise's best delivery over its channels."""
        return _RANK[self]

    @property
    def reached(self) -> bool:
        """Whether a channel took it (sent or delivered)."""
        return self in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)

    @property
    def label(self) -> str:
        return _LABEL[self]


_RANK = {
    DeliveryStatus.DELIVERED: 5,
    DeliveryStatus.SENT: 4,
    DeliveryStatus.SENDING: 3,
    DeliveryStatus.PENDING: 2,
    DeliveryStatus.FAILED: 1,
    DeliveryStatus.DEAD: 0,
}
_LABEL = {
    DeliveryStatus.DELIVERED: "已送达",
    DeliveryStatus.SENT: "已发出",
    DeliveryStatus.SENDING: "发送中",
    DeliveryStatus.PENDING: "待发送",
    DeliveryStatus.FAILED: "失败待重试",
    DeliveryStatus.DEAD: "投递失败",
}


class MessageKind(StrEnum):
    ORDER = "order"  # an enterprise's dispatch order, or its recurring-control notice
    TASK = "task"  # a response-network unit's task notice (任务单)
    REPORT = "report"  # a county told which of its enterprises have not signed
    CONSULTATION = "consultation"  # the duty officers told a consultation's opinion
    DAILY = "daily"  # 每日调度: a reminder to report, a county's missing, the leaders' roll-up
    CHECK = "check"  # a unit's coverage check task (清单覆盖核查任务)
    DIRECTIVE = "directive"  # the duty officers told of a 调度令 received from the province


class Reason(StrEnum):
    """Why a delivery was queued."""

    INITIAL = "initial"
    FALLBACK = "fallback"  # the channel before it gave up
    ESCALATION = "escalation"  # not acknowledged in time
    RESEND = "resend"  # someone asked for it again


@dataclass(frozen=True, slots=True)
class Subject:
    """What notices, deliveries and receipts belong to: an issued alert revision's dispatch
    orders, a recurring-control round's notices, or a coverage run's check tasks (核查任务, sent
    to the response network's units) — exactly one of the three. Acknowledgements, reports and
    escalations belong to the first two only: a check task is answered item by item."""

    revision_id: int | None = None
    round_id: int | None = None
    coverage_id: int | None = None

    def __post_init__(self) -> None:
        given = [v for v in (self.revision_id, self.round_id, self.coverage_id) if v is not None]
        if len(given) != 1:
            raise ValueError("a subject is a revision, a round or a coverage run")

    @property
    def key(self) -> str:
        """Its part of idempotency keys and of link tokens."""
        if self.coverage_id is not None:
            return f"v{self.coverage_id}"
        return str(self.revision_id) if self.round_id is None else f"c{self.round_id}"

    def values(self) -> dict[str, int | None]:
        """Its columns in the receipts' tables (a revision's or a round's)."""
        if self.coverage_id is not None:
            raise ValueError("a coverage run's tasks have no receipts")
        return {"revision_id": self.revision_id, "round_id": self.round_id}


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """Whom a notice goes to and how it can be reached: an enterprise of a plan (``uscc``), or
    a county's contact (``county:<name>``)."""

    uscc: str
    name: str
    county: str
    phone: str = ""
    email: str = ""
    channel: str = ""  # the list's preferred channels (e.g. "短信;邮件")
    contact: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery."""

    id: int
    key: str
    revision_id: int | None
    round_id: int | None
    kind: str
    recipient: str
    recipient_name: str
    county: str
    channel: str
    address: str
    reason: str
    payload: str | None
    attempts: int
    coverage_id: int | None = None

    @property
    def subject(self) -> Subject:
        return Subject(self.revision_id, self.round_id, self.coverage_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundFacts:
    """What a recurring-control round's notices say of it (its control, title and period)."""

    round_id: int
    name: str  # the control's name
    title: str
    period: str
    period_start: dt.datetime
    period_end: dt.datetime
    issued_at: dt.datetime
    deadline: dt.datetime


@dataclass(frozen=True, slots=True)
class Escalated:
    subject: Subject
    enterprises: int
    counties: tuple[str, ...]
    units: int = 0  # response-network units whose task notice was overdue


# --- receipts ---------------------------------------------------------------------------------


class ReceiptRefused(OrchestratorError):
    """An acknowledgement or report that cannot be taken (message in Chinese)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What an enterprise's link opens: its orders of one alert, or its notice of one round."""

    alert_id: int | None = None
    round_id: int | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What one enterprise answered on one subject: its signature and its newest report."""

    acknowledged_at: dt.datetime | None = None
    signer: str = ""
    report: dict[str, Any] | None = None  # reported_at, items, note


@dataclass(frozen=True, slots=True)
class OrderView:
    """One issued order of an alert (or notice of a control round), as its enterprise sees it."""

    subject: Subject
    ref: int  # what its forms post: the revision id, or the round id
    number: int
    title: str
    control: bool  # a recurring-control notice (not an alert's order)
    level: str
    document_number: str
    issued_at: dt.datetime
    deadline: dt.datetime
    start: dt.datetime
    end: dt.datetime | None
    entry: dict[str, Any]  # the frozen plan entry: name, lines and their measures
    acknowledged_at: dt.datetime | None
    signer: str
    report: dict[str, Any] | None  # the newest: reported_at, items, note


@dataclass(frozen=True, slots=True)
class Firm:
    uscc: str
    name: str
    county: str
    contact: str
    phone: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "county": self.county,
            "contact": self.contact,
            "phone": self.phone,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ReceiptSummary:
    alert_id: int | None
    revision_id: int | None
    document_number: str  # a control round: its title
    deadline: dt.datetime
    orders: int
    sent: int  # reached a channel (sent or delivered)
    delivered: int  # confirmed
    acknowledged: int
    implemented: int  # newest report: every line done
    overdue: list[Firm] = field(default_factory=list)  # not acknowledged after the deadline
    undelivered: list[Firm] = field(default_factory=list)  # every channel failed
    not_implemented: list[Firm] = field(default_factory=list)  # reported lines not done
    round_id: int | None = None
    # how many each list has (the lists may be cut to the first ``listed``)
    overdue_count: int = 0
    undelivered_count: int = 0
    not_implemented_count: int = 0
    acknowledged_in_time: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "revision_id": self.revision_id,
            "round_id": self.round_id,
            "document_number": self.document_number,
            "deadline": self.deadline.isoformat(),
            "orders": self.orders,
            "sent": self.sent,
            "delivered": self.delivered,
            "acknowledged": self.acknowledged,
            "implemented": self.implemented,
            "overdue": [f.as_dict() for f in self.overdue],
            "undelivered": [f.as_dict() for f in self.undelivered],
            "not_implemented": [f.as_dict() for f in self.not_implemented],
            "overdue_count": self.overdue_count,
            "undelivered_count": self.undelivered_count,
            "not_implemented_count": self.not_implemented_count,
        }


@dataclass(frozen=True, slots=True)
class Counts:
    """A subject's receipts counted in the store (the lists cut to the first ``listed``)."""

    orders: int
    sent: int
    delivered: int
    acknowledged: int
    acknowledged_in_time: int
    implemented: int
    undelivered: dict[str, str]  # USCC → the last error
    undelivered_count: int
    overdue: list[str]
    overdue_count: int
    lacking: dict[str, list[dict[str, Any]]]  # USCC → the newest report's items
    lacking_count: int


class OrderState(StrEnum):
    """Where one enterprise's order stands, as the notices page filters it."""

    UNSIGNED = "unsigned"
    SIGNED = "signed"
    IMPLEMENTED = "implemented"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return _STATE_LABEL[self]


_STATE_LABEL = {
    OrderState.UNSIGNED: "未签收",
    OrderState.SIGNED: "已签收",
    OrderState.IMPLEMENTED: "已落实",
    OrderState.FAILED: "投递失败",
}


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """One enterprise's order of a revision: how far its delivery got and what it answered."""

    uscc: str
    name: str
    county: str
    delivery: DeliveryStatus | None  # the best status over its deliveries (None: none)
    channels: tuple[str, ...]
    error: str
    acknowledged_at: dt.datetime | None
    signer: str
    implemented: bool | None  # None: no report yet
    contact: str = ""  # from the frozen plan: whom to call
    phone: str = ""

    @property
    def state(self) -> OrderState:
        if self.implemented:
            return OrderState.IMPLEMENTED
        if self.acknowledged_at is not None:
            return OrderState.SIGNED
        if self.delivery in (DeliveryStatus.DEAD, DeliveryStatus.FAILED, None):
            return OrderState.FAILED
        return OrderState.UNSIGNED


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: list[OrderStatus]
    total: int  # matching the filters
    counties: list[str]  # every county the subject's orders went to
