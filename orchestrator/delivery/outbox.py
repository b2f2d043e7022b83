"""The outbox: deliveries of notices, claimed by workers, retried with back-off.

Every delivery is one notice to one recipient on one channel, with an idempotency key
(``revision:kind:recipient:channel``) that is unique in the outbox and travels with the message.
A notice belongs to a :class:`~orchestrator.delivery.model.Subject`: the issued revision of an
alert (dispatch orders) or a round of a recurring control (its notices, keys ``c<round>:…``);
both go the same way. A worker claims due deliveries under a lease (on PostgreSQL workers on
several machines share one outbox); a worker that dies leaves its deliveries to be claimed again
when the lease runs out. Results are recorded only by the worker holding the claim.

Statuses are :class:`~orchestrator.delivery.model.DeliveryStatus`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.model import (
    DeliveryStatus,
    Escalated,
    Job,
    MessageKind,
    Reason,
    Recipient,
    ReportOutcome,
    Subject,
)
from orchestrator.delivery.ports import DeliveryUnitOfWork
from orchestrator.delivery.routing import (
    NewDelivery,
    backoff,
    county_recipient,
    new_delivery,
    order_delivery,
    route,
    task_delivery,
)
from orchestrator.emissions.bulk import paused_gc
from orchestrator.errors import Conflict, InputInvalid

#: Composes the text a county is sent: (subject, county, [(USCC, name), …]) → text.
CountyReport = Callable[[Subject, str, list[tuple[str, str]]], str]


class ResendUnconfirmed(InputInvalid):
    """Raised when every notice is to be sent again without that being confirmed (400, exit 2)."""


class ResendPending(Conflict):
    """Raised when every notice is to be sent again while an earlier resend is still being
    delivered (409, exit 1)."""


class Outbox:
    def __init__(
        self,
        uow: Callable[[], DeliveryUnitOfWork],
        config: DeliveryConfig,
        units: Mapping[str, Recipient] | None = None,
    ) -> None:
        self.uow, self.config = uow, config
        # the response network's units by code: whom task notices go to, and how
        self.units: Mapping[str, Recipient] = units or {}

    def _unit(self, code: str) -> Recipient:
        """A unit as its task notices' recipient (one the configuration no longer has: no
        channel reaches it, and its delivery is recorded as given up)."""
        return self.units.get(code) or Recipient(uscc=code, name=code, county="")

    def beat(self, runner: str, now: dt.datetime) -> None:
        """Record that the delivery worker ``runner`` is alive (each round)."""
        with self.uow() as uow:
            uow.beats.beat("delivery", runner, now)
            uow.commit()

    # --- putting notices in ------------------------------------------------------------------

    def enqueue_issued(self, now: dt.datetime) -> int:
        """Put the dispatch orders of every issued revision whose notices are stored, and that
        is not in the outbox yet, into the outbox (each on its enterprise's first usable
        channel), and the notices of every round likewise. Whichever worker gets there first
        does it, once; returns how many deliveries it added."""
        with self.uow() as uow:
            waiting = uow.outbox.waiting_revisions()
        added = 0
        for revision_id in waiting:
            with self.uow() as uow:
                if not uow.outbox.take_revision(revision_id, now):
                    continue  # another worker took it
                subject = Subject(revision_id=revision_id)
                ordered = set(uow.notices.ordered(revision_id))
                with paused_gc():  # 100,000 small acyclic values: no full collections
                    added += uow.outbox.add(
                        order_delivery(self.config, subject, r, Reason.INITIAL, now)
                        for r in uow.plans.recipients(subject)
                        if r.uscc in ordered
                    )
                    added += uow.outbox.add(
                        task_delivery(self.config, subject, self._unit(c), Reason.INITIAL, now)
                        for c in uow.notices.tasked(revision_id)
                    )
                uow.commit()
        return added + self.enqueue_rounds(now)

    def enqueue_rounds(self, now: dt.datetime) -> int:
        """Put the notices of every control round not in the outbox yet into it, as
        :meth:`enqueue_issued` does for alerts: once, by whichever worker marks the round first."""
        with self.uow() as uow:
            waiting = uow.outbox.waiting_rounds(now)
        added = 0
        for round_id in waiting:
            with self.uow() as uow:
                if not uow.outbox.take_round(round_id, now):
                    continue  # another worker took it
                subject = Subject(round_id=round_id)
                rows = [
                    order_delivery(self.config, subject, r, Reason.INITIAL, now)
                    for r in uow.plans.recipients(subject)
                ]
                added += uow.outbox.add(rows)
                uow.commit()
        return added

    # --- claiming and recording --------------------------------------------------------------

    def claim(
        self, worker: str, now: dt.datetime, *, limit: int, lease_seconds: float
    ) -> list[Job]:
        """Claim up to ``limit`` due deliveries for ``worker`` (and those whose lease ran out)."""
        with self.uow() as uow:
            jobs = uow.outbox.claim(worker, now, limit=limit, lease_seconds=lease_seconds)
            uow.commit()
        return jobs

    def due(self, now: dt.datetime) -> list[Job]:
        with self.uow() as uow:
            return uow.outbox.due(now)

    def failing(self) -> int:
        """Deliveries failed or given up, across the outbox (the dashboard warns of them)."""
        with self.uow() as uow:
            return self.failing_in(uow)

    def failing_in(self, uow: DeliveryUnitOfWork) -> int:
        """:meth:`failing` inside the caller's unit of work (a page's reads)."""
        return uow.outbox.failing()

    def record_success(self, job: Job, worker: str, now: dt.datetime, *, delivered: bool) -> bool:
        """The channel took the message (``delivered``: and confirmed it). False if the claim
        was lost meanwhile (the lease ran out and another worker has the row)."""
        with self.uow() as uow:
            ok = uow.outbox.succeeded(job, worker, now, delivered=delivered)
            uow.commit()
        return ok

    def record_failure(
        self, job: Job, worker: str, now: dt.datetime, *, error: str, permanent: bool
    ) -> str:
        """A failed attempt: retried later with back-off, or (after the last attempt, or at once
        for an error that retrying cannot mend) dead, and then the next channel is tried.
        Returns the new status ("" if the claim was lost)."""
        retry = self.config.retry
        dead = permanent or job.attempts >= retry.max_attempts
        retry_at = (
            None
            if dead
            else now
            + dt.timedelta(seconds=backoff(job.attempts, retry.base_seconds, retry.cap_seconds))
        )
        with self.uow() as uow:
            if not uow.outbox.failed(job, worker, error=error[:2000], retry_at=retry_at):
                return ""
            if dead:
                self._next_channel(uow, job, now, reason=Reason.FALLBACK)
            uow.commit()
        return DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED

    def record_report(
        self, key: str, delivered: bool, error: str, now: dt.datetime
    ) -> ReportOutcome:
        """A delivery report from a gateway (SMS): ``sent`` becomes delivered, or dead and the
        recipient's next channel is tried. Reporting the same again changes nothing."""
        with self.uow() as uow:
            outcome, job = uow.outbox.reported(key, delivered, error or "网关报告投递失败", now)
            if job is not None and not delivered:
                self._next_channel(uow, job, now, reason=Reason.FALLBACK)
            uow.commit()
        return outcome

    def _recipient(self, uow: DeliveryUnitOfWork, job: Job) -> Recipient | None:
        if job.kind in (MessageKind.TASK, MessageKind.CHECK):
            return self.units.get(job.recipient)
        if job.kind == MessageKind.ORDER:
            return next(iter(uow.plans.recipients(job.subject, [job.recipient])), None)
        contact = self.config.counties.get(job.recipient.removeprefix("county:"))
        return None if contact is None else county_recipient(contact)

    def _next_channel(
        self, uow: DeliveryUnitOfWork, job: Job, now: dt.datetime, *, reason: str
    ) -> str | None:
        """Queue the notice of ``job`` on the recipient's next usable channel not yet tried;
        returns that channel (None: every channel was tried)."""
        recipient = self._recipient(uow, job)
        if recipient is None:
            return None
        found = route(
            self.config, recipient, uow.outbox.tried(job.subject, job.kind, job.recipient)
        )
        if found is None:
            return None
        uow.outbox.add(
            [
                new_delivery(
                    subject=job.subject,
                    kind=job.kind,
                    recipient=job.recipient,
                    name=job.recipient_name,
                    county=job.county,
                    route=found,
                    reason=reason,
                    now=now,
                    payload=job.payload,
                )
            ]
        )
        return found[0]

    # --- escalation and resending --------------------------------------------------------------

    def escalate(
        self, now: dt.datetime, *, receipt_hours: float, report: CountyReport
    ) -> list[Escalated]:
        """Orders not acknowledged ``after_hours`` after issue (control notices: after their
        round's receipt deadline): re-sent on the next channel, and each county's contact sent
        the list of its overdue enterprises (``report`` composes the text). Only the newest
        issued revision of an alert neither lifted nor ended is chased, and only rounds whose
        period has not ended; each order and each county report once."""
        hours = (
            self.config.escalation_hours
            if self.config.escalation_hours is not None
            else receipt_hours
        )
        with self.uow() as uow:
            due = uow.outbox.escalation_due(now, hours=hours)
        done: list[Escalated] = []
        for subject in due:
            with self.uow() as uow:
                found = self._escalate_one(uow, subject, now, report)
                uow.commit()
            if found is not None:
                done.append(found)
        return done

    def _escalate_one(
        self, uow: DeliveryUnitOfWork, subject: Subject, now: dt.datetime, report: CountyReport
    ) -> Escalated | None:
        units = self._escalate_units(uow, subject, now)
        overdue = uow.outbox.overdue(subject)
        if not overdue:
            return Escalated(subject, 0, (), units) if units else None
        usccs = [u for u, _, _ in overdue]
        uow.outbox.escalated(subject, usccs, now)
        # the next channel of every overdue order, read and queued in bulk (a large city may
        # have tens of thousands overdue at once)
        recipients = {r.uscc: r for r in uow.plans.recipients(subject, usccs)}
        tried = uow.outbox.tried_orders(subject)
        again = (
            self._again(
                subject, MessageKind.ORDER, uscc, name, county, now,
                recipients.get(uscc) or Recipient(uscc=uscc, name=name, county=county),
                tried.get(uscc, ()),
            )
            for uscc, name, county in overdue
        )  # fmt: skip
        uow.outbox.add([d for d in again if d is not None])
        by_county: dict[str, list[tuple[str, str]]] = {}
        for uscc, name, county in overdue:
            by_county.setdefault(county, []).append((uscc, name))
        for county, firms in sorted(by_county.items()):
            contact = self.config.counties.get(county)
            if contact is None:
                continue
            recipient = county_recipient(contact)
            uow.outbox.add(
                [
                    new_delivery(
                        subject=subject,
                        kind=MessageKind.REPORT,
                        recipient=recipient.uscc,
                        name=contact.contact,
                        county=county,
                        route=route(self.config, recipient),
                        reason=Reason.ESCALATION,
                        now=now,
                        payload=report(subject, county, firms),
                    )
                ]
            )
        return Escalated(subject, len(overdue), tuple(sorted(by_county)), units)

    def _escalate_units(self, uow: DeliveryUnitOfWork, subject: Subject, now: dt.datetime) -> int:
        """Units that have not signed their task notice: it is sent again on their next
        channel (once); the office sees them on the alert's units page."""
        overdue = uow.outbox.overdue_tasks(subject)
        if not overdue:
            return 0
        uow.outbox.escalated(subject, [c for c, _, _ in overdue], now)
        again = (
            self._again(
                subject, MessageKind.TASK, code, name, county, now, self._unit(code),
                uow.outbox.tried(subject, MessageKind.TASK, code),
            )
            for code, name, county in overdue
        )  # fmt: skip
        uow.outbox.add([d for d in again if d is not None])
        return len(overdue)

    def _again(
        self,
        subject: Subject,
        kind: str,
        code: str,
        name: str,
        county: str,
        now: dt.datetime,
        recipient: Recipient,
        tried: Iterable[str],
    ) -> NewDelivery | None:
        """An overdue notice on the recipient's next channel not yet tried (None: none)."""
        found = route(self.config, recipient, tried)
        if found is None:
            return None
        return new_delivery(subject=subject, kind=kind, recipient=code, name=name,
                            county=county, route=found, reason=Reason.ESCALATION, now=now)  # fmt: skip

    def resend(
        self,
        alert_id: int,
        now: dt.datetime,
        *,
        failed_only: bool,
        by: str,
        via: str = "",
        confirmed: bool = False,
    ) -> int:
        """Send the newest issued notices of an alert again (see :meth:`resend_subject`)."""
        with self.uow() as uow:
            revision_id = uow.alerts.newest_issued(alert_id)
        if revision_id is None:
            return 0
        return self.resend_subject(
            Subject(revision_id=revision_id),
            now,
            failed_only=failed_only,
            by=by,
            via=via,
            alert_id=alert_id,
            confirmed=confirmed,
        )

    def resend_subject(
        self,
        subject: Subject,
        now: dt.datetime,
        *,
        failed_only: bool,
        by: str,
        via: str = "",
        alert_id: int | None = None,
        confirmed: bool = False,
    ) -> int:
        """Send a subject's notices again, and record who asked for it (``via``: where, e.g.
        "API：") in the same transaction. ``failed_only``: deliveries that failed or died are
        retried from the start on their channel (and enterprises no channel reached are routed
        again, the configuration may have changed); otherwise every enterprise gets its notice
        again on its first channel, as a deliberate new delivery — which must be ``confirmed``,
        and is refused while an earlier resend is still being delivered (one click or one call
        repeated queues every notice once, not once per click)."""
        if not failed_only and not confirmed:
            raise ResendUnconfirmed("全部重新发送将向每家企业再次发送通知，须明确确认")
        with self.uow() as uow:
            if not failed_only:
                uow.outbox.lock_resends(subject)
                busy = uow.outbox.resends_in_flight(subject)
                if busy:
                    raise ResendPending(
                        f"上一次重新发送尚有{busy}条通知未投递完毕，请待其完成后再全部重新发送"
                    )
            count = self._resend(uow, subject, now, failed_only)
            what = "投递失败的" if failed_only else "全部"
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by,
                    action=AuditAction.RESEND,
                    alert_id=alert_id,
                    revision_id=subject.revision_id,
                    reason=f"{via}{what}通知，共{count}条",
                    detail={} if subject.round_id is None else {"round_id": subject.round_id},
                )
            )
            uow.commit()
        return count

    def _resend(
        self, uow: DeliveryUnitOfWork, subject: Subject, now: dt.datetime, failed_only: bool
    ) -> int:
        if failed_only:
            count = uow.outbox.requeue_failed(subject, now)
            for job in uow.outbox.unreached(subject):
                if self._next_channel(uow, job, now, reason=Reason.RESEND):
                    count += 1  # the dead row stays, as the record of the first attempt
            return count
        suffix = f":r{now:%Y%m%d%H%M%S}.{uow.outbox.resends(subject)}"
        rows = [
            order_delivery(self.config, subject, r, Reason.RESEND, now, suffix)
            for r in uow.plans.recipients(subject)
        ]
        if subject.revision_id is not None:  # and every unit its task notice
            rows += [
                task_delivery(self.config, subject, self._unit(c), Reason.RESEND, now, suffix)
                for c in uow.notices.tasked(subject.revision_id)
            ]
        return uow.outbox.add([r for r in rows if r.status is DeliveryStatus.PENDING])
