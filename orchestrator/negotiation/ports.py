"""What negotiated reductions need from outside: their store, the alert revision they attach to
and the emission list in force, in one unit of work with the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from orchestrator.audit.ports import UnitOfWork
from orchestrator.emissions.ports import ListStore
from orchestrator.negotiation.model import Agreement, NegotiatedReduction, RevisionFacts


class NegotiationStore(Protocol):
    def facts(self, alert_id: int) -> RevisionFacts:
        """The alert's current revision (the open one, else the newest kept);
        :class:`~orchestrator.errors.NotFound` if there is no such alert."""
        ...

    def add(
        self,
        facts: RevisionFacts,
        name: str,
        agreement: Agreement,
        *,
        recorded_by: str,
        recorded_at: dt.datetime,
    ) -> NegotiatedReduction:
        """Store an agreement; :class:`~orchestrator.errors.Conflict` if the enterprise has one
        for that revision already."""
        ...

    def get(self, negotiated_id: int) -> NegotiatedReduction:
        """:class:`~orchestrator.errors.NotFound` if there is none."""
        ...

    def remove(self, negotiated_id: int) -> None: ...

    def of_alert(self, alert_id: int) -> list[NegotiatedReduction]:
        """Every agreement recorded for the alert's revisions, oldest first."""
        ...

    def of_revision(self, revision_id: int) -> list[NegotiatedReduction]: ...


class NegotiationUnitOfWork(UnitOfWork, Protocol):
    @property
    def negotiations(self) -> NegotiationStore: ...

    @property
    def lists(self) -> ListStore: ...
