"""A daily consultation as it is recorded (pure values)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Consultation:
    """One recorded consultation: its slot, what it recommended, the draft it made, its record
    (the opinion's data, with provenance) and the opinion as rendered."""

    id: int
    region_code: str
    slot: dt.datetime
    ran_at: dt.datetime
    trigger: str  # schedule, manual, drill
    source: str
    degraded: bool
    action: str
    level: str | None
    alert_id: int | None
    revision_id: int | None
    record: dict[str, Any]
    html: str
    notified: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    id: int
    created: bool  # False: the slot had been run before; this is that run
    record: dict[str, Any]
    html: str
    alert_id: int | None
    revision_id: int | None
    notified: bool

    @classmethod
    def of(cls, c: Consultation, *, created: bool = False) -> Outcome:
        return cls(c.id, created, c.record, c.html, c.alert_id, c.revision_id, c.notified)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "alert_id": self.alert_id,
            "revision_id": self.revision_id,
            "notified": self.notified,
            **self.record,
        }


@dataclass(frozen=True, slots=True)
class OpinionPage:
    """What ``templates/consultation/opinion.html`` is rendered with."""

    record: dict[str, Any]
    chart: dict[str, Any]
    title: str
    issuer: str
