"""What the daily consultation needs from outside: the store of consultations, in a unit of work
that also drafts the alert action it proposes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from orchestrator.consultation.model import Consultation
from orchestrator.response.ports import ResponseUnitOfWork


class ConsultationStore(Protocol):
    """Consultations, unique per (area, slot)."""

    def find(self, region: str, slot: dt.datetime) -> Consultation | None: ...

    def get(self, consultation_id: int, region: str | None = None) -> Consultation | None: ...

    def history(self, region: str, limit: int = 20) -> list[Consultation]:
        """The area's consultations, newest slot first."""
        ...

    def add(
        self,
        region: str,
        slot: dt.datetime,
        *,
        ran_at: dt.datetime,
        trigger: str,
        source: str,
        degraded: bool,
        action: str,
        level: str | None,
    ) -> int:
        """A new consultation; :class:`~orchestrator.errors.Conflict` if its slot was run."""
        ...

    def complete(
        self,
        consultation_id: int,
        *,
        record: dict[str, Any],
        html: str,
        alert_id: int | None,
        revision_id: int | None,
    ) -> None: ...

    def notified(self, consultation_id: int, *, at: dt.datetime | None, error: str | None) -> None:
        """One more attempt to tell the duty officers: done ``at`` (None: it failed)."""
        ...

    def unnotified(self, region: str, *, max_attempts: int) -> list[int]:
        """Consultations tried but not yet told, with attempts left."""
        ...


class ConsultationUnitOfWork(ResponseUnitOfWork, Protocol):
    @property
    def consultations(self) -> ConsultationStore: ...
