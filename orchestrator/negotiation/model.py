"""A negotiated reduction (协商减排, DOMAIN.md §8): an enterprise's agreed cut for one alert
revision — its lines, its measure, what it removes beyond the lines' list measures, its window,
the agreement's reference and who signed it. Counted in that revision's reduction check, written
into that enterprise's order as agreed, listed in the assessment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import Amounts, MeasureKind, Species, sum_amounts
from orchestrator.errors import InputInvalid


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    """What the office records: checked against the list and the revision by the service."""

    uscc: str
    lines: tuple[str, ...]  # the enterprise's production lines it concerns
    kind: MeasureKind
    measure: str  # the agreed measure as written in the agreement
    reduction: Amounts  # kg/d it removes beyond what the lines' list measures remove
    start: dt.datetime
    end: dt.datetime
    reference: str  # the agreement's number (协议编号)
    agreed_by: str  # who signed for the enterprise

    def __post_init__(self) -> None:
        if not self.lines:
            raise InputInvalid("协商减排须指明所涉生产线")
        if len(set(self.lines)) != len(self.lines):
            raise InputInvalid("所涉生产线有重复")
        if not self.measure.strip():
            raise InputInvalid("协商减排须写明措施")
        if not self.reference.strip():
            raise InputInvalid("协商减排须写明协议编号")
        if not self.agreed_by.strip():
            raise InputInvalid("协商减排须写明企业确认人")
        if not any(self.reduction.get(s) > 0 for s in Species):
            raise InputInvalid("协商减排量须至少有一项污染物大于0")
        if self.end <= self.start:
            raise InputInvalid("结束时间须晚于开始时间")


@dataclass(frozen=True, slots=True, kw_only=True)
class NegotiatedReduction:
    """A recorded agreement, attached to one alert revision."""

    id: int
    alert_id: int
    revision_id: int
    name: str  # the enterprise's name in the list
    agreement: Agreement
    recorded_by: str
    recorded_at: dt.datetime

    def in_force(self, at: dt.datetime) -> bool:
        return self.agreement.start <= at < self.agreement.end

    def plan_item(self) -> dict[str, Any]:
        """As it stands in its enterprise's plan entry (``negotiated``), for the order."""
        a = self.agreement
        return {
            "lines": list(a.lines),
            "kind": a.kind.value,
            "measure": a.measure,
            "start": a.start.isoformat(),
            "end": a.end.isoformat(),
            "reference": a.reference,
            "agreed_by": a.agreed_by,
            "reduction": {s.value: a.reduction.get(s) for s in Species},
        }

    def as_json(self, zone: dt.tzinfo) -> dict[str, Any]:
        """The API's and ``negotiated list --json``'s shape, instants in ``zone``."""
        a = self.agreement
        return {
            "id": self.id,
            "alert_id": self.alert_id,
            "revision_id": self.revision_id,
            "uscc": a.uscc,
            "name": self.name,
            "lines": list(a.lines),
            "kind": a.kind.value,
            "measure": a.measure,
            "reduction_kg_d": {s.label: a.reduction.get(s) for s in Species},
            "start": a.start.astimezone(zone).isoformat(),
            "end": a.end.astimezone(zone).isoformat(),
            "reference": a.reference,
            "agreed_by": a.agreed_by,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.astimezone(zone).isoformat(),
        }


def total(items: list[NegotiatedReduction], at: dt.datetime) -> Amounts:
    """What the agreements in force at ``at`` remove together."""
    return sum_amounts(n.agreement.reduction for n in items if n.in_force(at))


@dataclass(frozen=True, slots=True, kw_only=True)
class RevisionFacts:
    """What an agreement is checked against: the alert revision it is attached to."""

    alert_id: int
    revision_id: int
    number: int  # within the alert
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime | None
    pending: bool  # drafted or submitted, not yet approved: agreements may still change
    lift: bool
