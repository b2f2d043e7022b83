"""What the command office needs from outside: the stores of alerts, of their frozen plans and of
the emission list (in one unit of work with the audit log), and the notice step it calls after
an alert revision is issued."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from orchestrator.alerts.model import RegionalHint
from orchestrator.emissions.ports import ControlledStore, ListUnitOfWork
from orchestrator.negotiation.model import NegotiatedReduction
from orchestrator.response.model import (
    AlertRevision,
    RevisionState,
    RevisionStatus,
    StandingControl,
)


class AlertStore(Protocol):
    """Alerts and their revisions; every status change is conditional on the status read."""

    def revisions(self, alert_id: int) -> list[AlertRevision]:
        """The alert's revisions by number; :class:`~orchestrator.response.model.AlertNotFound`
        if there is no such alert."""
        ...

    def revision(self, revision_id: int) -> AlertRevision: ...

    def newest_issued(self, alert_id: int) -> int | None:
        """The id of the alert's newest revision that has a document number."""
        ...

    def alert_ids(self, region: str, limit: int | None = None) -> list[int]:
        """The area's alerts, newest first."""
        ...

    def claims(self, region: str) -> list[AlertRevision]:
        """Every revision of the area's alerts that holds it: issued (in force) or approved
        (waiting to be issued), not a lift."""
        ...

    def lock_area(self, region: str) -> None:
        """Serialise what decides the area's alert in force, to the end of the unit of work: of
        two issues at once, the second waits and then sees the first."""
        ...

    def add_alert(
        self,
        region: str,
        *,
        created_at: dt.datetime,
        hint_id: int | None,
        counties: tuple[str, ...] = (),
    ) -> int: ...

    def add_revision(
        self, alert_id: int, state: RevisionState, *, reason: str, previous_id: int | None
    ) -> int: ...

    def move(
        self, revision: AlertRevision, new: RevisionState, *, document_number: str | None = None
    ) -> bool:
        """Write ``new`` (and the document number it was issued under) only if nobody moved the
        revision since it was read (False if someone did)."""
        ...

    def freeze(
        self,
        revision_id: int,
        *,
        list_revision: int | None,
        targets: dict[str, Any] | None,
        plan_id: int | None,
    ) -> None:
        """Keep with the revision the list revision and plan it was approved on, and the
        reduction check of that plan."""
        ...

    def number(self, revision_id: int, *, issuer_code: str, year: int) -> int:
        """Take the next document number of ``issuer_code`` in ``year`` for the revision (unique
        in the store, never reused); returns its sequence number."""
        ...

    def close(self, revision_id: int, status: RevisionStatus) -> None:
        """An issued revision superseded or lifted by a later one."""
        ...

    def add_hint(
        self,
        region: str,
        hint: RegionalHint,
        *,
        recorded_at: dt.datetime,
    ) -> int | None:
        """Record a regional hint; None if its issuer's document is recorded already."""
        ...

    def lift_hint(self, hint_id: int, *, at: dt.datetime) -> None: ...

    def hints(self, region: str, *, ending_after: dt.datetime | None = None) -> list[RegionalHint]:
        """The area's regional hints (only those still running after ``ending_after``)."""
        ...


class PlanStore(Protocol):
    """The dispatch plans frozen with alert revisions (and the list plans they refer to)."""

    def size(self, revision_id: int) -> int:
        """Entries of the plan frozen with an alert revision."""
        ...

    def list_plan_size(self, plan_id: int) -> int:
        """Entries of a list revision's plan for one level."""
        ...

    def records(self, revision_id: int) -> list[dict[str, Any]]:
        """The plan frozen with an alert revision, as stored: one plan record an enterprise."""
        ...


class StandingStore(ControlledStore, Protocol):
    """What binds enterprises beside the alerts: recurring controls in force."""

    def controls_running(self, region: str, at: dt.datetime) -> list[StandingControl]:
        """The rounds of recurring controls whose period contains ``at``, with each
        enterprise's measures."""
        ...


class AgreementStore(Protocol):
    """Negotiated reductions (协商减排) recorded with alert revisions."""

    def of_revision(self, revision_id: int) -> list[NegotiatedReduction]: ...

    def of_alert(self, alert_id: int) -> list[NegotiatedReduction]:
        """Every agreement recorded with the alert's revisions, oldest first."""
        ...


class ResponseUnitOfWork(ListUnitOfWork, Protocol):
    @property
    def alerts(self) -> AlertStore: ...

    @property
    def plans(self) -> PlanStore: ...

    @property
    def standing(self) -> StandingStore: ...

    @property
    def negotiations(self) -> AgreementStore: ...


class RenderedNotices(Protocol):
    """What issuing hands back of the notices: the revision they are of, its city-wide
    documents, how many dispatch orders and how many task notices."""

    @property
    def revision_id(self) -> int: ...

    @property
    def documents(self) -> Sequence[object]: ...

    @property
    def orders(self) -> int: ...

    @property
    def tasks(self) -> int: ...


class NoticeStep(Protocol):
    def __call__(self, alert_id: int) -> RenderedNotices:
        """Render and store every notice of the alert's newest issued revision, once."""
        ...
