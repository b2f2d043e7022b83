"""What delivery and receipts need from outside: the outbox, the receipts, the recipients of
each subject (a revision's frozen plan, a round's entries) and the stored notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from typing import Any, Protocol

from orchestrator.delivery.model import (
    Counts,
    Job,
    OrderPage,
    Receipt,
    Recipient,
    ReportOutcome,
    RoundFacts,
    Subject,
)
from orchestrator.delivery.routing import NewDelivery
from orchestrator.notices.ports import NoticePlanStore, NoticeUnitOfWork


class OutboxStore(Protocol):
    """Deliveries, claimed by workers under a lease; results recorded only by the claim holder."""

    def waiting_revisions(self) -> list[int]:
        """Issued revisions whose notices are stored and that are not in the outbox yet."""
        ...

    def take_revision(self, revision_id: int, now: dt.datetime) -> bool:
        """Mark the revision's orders as put into the outbox (False: another worker has)."""
        ...

    def waiting_rounds(self, now: dt.datetime) -> list[int]: ...

    def take_round(self, round_id: int, now: dt.datetime) -> bool: ...

    def add(self, deliveries: Iterable[NewDelivery]) -> int:
        """Queue deliveries, skipping those whose key is queued already; how many were new.
        Taken in batches as they come: 100,000 of them are never all held at once."""
        ...

    def claim(
        self, worker: str, now: dt.datetime, *, limit: int, lease_seconds: float
    ) -> list[Job]: ...

    def due(self, now: dt.datetime) -> list[Job]:
        """What could be claimed now, without claiming it."""
        ...

    def succeeded(self, job: Job, worker: str, now: dt.datetime, *, delivered: bool) -> bool:
        """False if the claim was lost meanwhile."""
        ...

    def failed(self, job: Job, worker: str, *, error: str, retry_at: dt.datetime | None) -> bool:
        """A failed attempt: retried at ``retry_at``, or given up (None). False if the claim
        was lost meanwhile."""
        ...

    def reported(
        self, key: str, delivered: bool, error: str, now: dt.datetime
    ) -> tuple[ReportOutcome, Job | None]:
        """A gateway's delivery report on a sent delivery: recorded (with the delivery), a
        repeat of a report already recorded, or about no delivery awaiting one."""
        ...

    def tried(self, subject: Subject, kind: str, recipient: str) -> list[str]:
        """The channels a recipient's notice of this kind was queued on."""
        ...

    def tried_orders(self, subject: Subject) -> dict[str, list[str]]:
        """Every enterprise's channels its order was queued on."""
        ...

    def escalation_due(self, now: dt.datetime, *, hours: float) -> list[Subject]:
        """The newest issued revision of every alert neither lifted nor ended whose orders went
        out ``hours`` ago or more, and the rounds whose receipt time (from when they went out)
        is over while their period runs."""
        ...

    def overdue(self, subject: Subject) -> list[tuple[str, str, str]]:
        """(USCC, name, county) of the subject's orders neither acknowledged nor escalated."""
        ...

    def overdue_tasks(self, subject: Subject) -> list[tuple[str, str, str]]:
        """Units whose task notice of the subject is neither acknowledged nor escalated yet:
        (code, name, county)."""
        ...

    def escalated(self, subject: Subject, usccs: Collection[str], now: dt.datetime) -> None: ...

    def requeue_failed(self, subject: Subject, now: dt.datetime) -> int:
        """Failed and dead deliveries on a channel, retried from their first attempt."""
        ...

    def unreached(self, subject: Subject) -> list[Job]:
        """Deliveries queued on no channel (nothing could reach their recipient)."""
        ...

    def resends(self, subject: Subject) -> int:
        """How many deliveries were queued as deliberate resends."""
        ...

    def lock_resends(self, subject: Subject) -> None:
        """Hold the subject's resending to the end of the transaction (two at once: one waits)."""
        ...

    def resends_in_flight(self, subject: Subject) -> int:
        """How many deliberate resends are not yet handed over (pending, sending, failed)."""
        ...

    def failing(self) -> int:
        """Deliveries failed or given up, across the outbox."""
        ...

    def round_facts(self, round_id: int) -> RoundFacts | None: ...

    def check_task(self, coverage_id: int, code: str) -> tuple[str, dt.datetime] | None:
        """A unit's coverage check task as sent (HTML) and when it was issued."""
        ...


class DeliveryPlanStore(NoticePlanStore, Protocol):
    def recipients(self, subject: Subject, uscc: Collection[str] = ()) -> Iterator[Recipient]:
        """Whom the subject's notices go to (only those of ``uscc`` if given), in order."""
        ...

    def entries(self, subject: Subject, uscc: Collection[str] = ()) -> Iterator[dict[str, Any]]:
        """What each recipient must do: a revision's frozen plan entries, a round's entries."""
        ...

    def round_parts(self, round_id: int, uscc: Collection[str]) -> dict[str, str]:
        """These enterprises' notices of a round, as sent."""
        ...


class ReceiptStore(Protocol):
    def receipt(self, subject: Subject, uscc: str) -> Receipt: ...

    def acknowledge(self, subject: Subject, uscc: str, *, at: dt.datetime, signer: str) -> bool:
        """False if the enterprise had signed already; then nothing more may be done in the
        unit of work (on PostgreSQL its transaction is aborted): leave it uncommitted."""
        ...

    def add_report(
        self,
        subject: Subject,
        uscc: str,
        *,
        at: dt.datetime,
        items: list[dict[str, Any]],
        note: str,
        complete: bool,
    ) -> None:
        """A report of implementation; the newest counts (``complete``: every line done)."""
        ...

    def counts(
        self, subject: Subject, *, now: dt.datetime, deadline: dt.datetime, listed: int | None
    ) -> Counts: ...

    def order_page(
        self,
        subject: Subject,
        *,
        state: str,
        county: str,
        offset: int,
        limit: int,
        query: str = "",
    ) -> OrderPage: ...

    def unit_states(
        self, subject: Subject
    ) -> dict[str, tuple[str | None, dt.datetime | None, str]]:
        """Each unit sent a task notice of the subject: (best delivery status or None, signed
        at, signer)."""
        ...

    def task_revisions(self, alert_id: int, code: str) -> list[int]:
        """The issued revisions of the alert that sent the unit ``code`` a task notice, newest
        first."""
        ...

    def enterprise_revisions(self, alert_id: int, uscc: str) -> list[int]:
        """The alert's issued revisions that sent the enterprise an order, newest first."""
        ...


class BeatStore(Protocol):
    """The long-running processes' sign of life: the delivery worker beats each round, the
    scheduler each catch-up; the dashboard reads the newest."""

    def beat(self, process: str, runner: str, at: dt.datetime, detail: str = "") -> None: ...

    def newest(self) -> dict[str, dt.datetime]:
        """Per process kind (delivery, scheduler), the newest beat of any runner."""
        ...


class DeliveryUnitOfWork(NoticeUnitOfWork, Protocol):
    @property
    def beats(self) -> BeatStore: ...

    @property
    def plans(self) -> DeliveryPlanStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def receipts(self) -> ReceiptStore: ...
