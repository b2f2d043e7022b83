"""What every use case needs from outside: a unit of work (one transaction, rolled back unless
committed) that always carries the audit log, so that an action and its entry are written
together. Each concept's ``ports`` extends :class:`UnitOfWork` with the stores it uses."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, Self

from orchestrator.audit.model import AuditEntry


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None:
        """Append ``entry`` inside the unit of work's transaction."""
        ...

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
        ...

    def actors(self) -> list[str]: ...

    def trail(self, alert_id: int) -> list[AuditEntry]:
        """Every entry of one alert, oldest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without :meth:`commit` rolls it back."""

    @property
    def audit(self) -> AuditLog: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: object, exc: object, tb: object) -> None: ...

    def commit(self) -> None:
        """Make everything done in this unit of work stick."""
        ...

    def savepoint(self) -> AbstractContextManager[object]:
        """A nested transaction: what fails inside it is undone, the rest stays."""
        ...
