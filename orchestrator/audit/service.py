"""Reading the audit log: a page of entries filtered by person, action and alert."""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.audit.model import AuditEntry
from orchestrator.audit.ports import UnitOfWork


class AuditTrail:
    def __init__(self, uow: Callable[[], UnitOfWork]) -> None:
        self.uow = uow

    def entries(
        self,
        *,
        actor: str = "",
        action: str = "",
        alert_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[list[AuditEntry], int]:
        """A page of entries, newest first, and how many match."""
        with self.uow() as uow:
            return uow.audit.entries(
                actor=actor, action=action, alert_id=alert_id, offset=offset, limit=limit
            )

    def actors(self) -> list[str]:
        with self.uow() as uow:
            return uow.audit.actors()
