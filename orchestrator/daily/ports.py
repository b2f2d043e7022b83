"""What the daily dispatch needs from outside: its store, the alert's revisions, their frozen
plans and task notices, in one unit of work (the delivery's, whose outbox chases the missing)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from orchestrator.daily.model import DailyReport, Filed
from orchestrator.delivery.ports import DeliveryUnitOfWork


class DailyStore(Protocol):
    def put(self, report: DailyReport) -> bool:
        """Store the report, replacing the reporter's of that day; True if it is the first."""
        ...

    def reports(
        self, alert_id: int, day: dt.date, codes: list[str] | None = None
    ) -> dict[str, DailyReport]: ...

    def filed(self, alert_id: int, day: dt.date) -> dict[str, Filed]:
        """The day's reports as the roll-up counts them (items only where needed)."""
        ...

    def days(self, alert_id: int) -> dict[dt.date, int]: ...

    def take_round(
        self, alert_id: int, day: dt.date, at: dt.datetime, summary: dict[str, Any]
    ) -> bool:
        """Record the day's round as done (False: done already)."""
        ...

    def rounds(self, alert_id: int) -> dict[dt.date, dict[str, Any]]: ...


class DailyUnitOfWork(DeliveryUnitOfWork, Protocol):
    @property
    def daily(self) -> DailyStore: ...
