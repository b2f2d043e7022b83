"""The outbox in the database (the ``OutboxStore`` port).

A worker claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that workers on several
machines share one outbox; SQLite serialises the claiming update itself) under a lease; results
are recorded only by the worker holding the claim. The hot statements are built once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
    update,
)

from orchestrator.db import locks
from orchestrator.db.bulk import insert_ignore, of
from orchestrator.db.checks import CheckStore
from orchestrator.db.tables import (
    acknowledgements,
    alert_revisions,
    control_rounds,
    deliveries,
    escalations,
    notices,
    outbox_revisions,
)
from orchestrator.delivery.model import (
    DeliveryStatus,
    Job,
    MessageKind,
    ReportOutcome,
    RoundFacts,
    Subject,
)
from orchestrator.delivery.routing import NewDelivery

_JOB_COLUMNS = (
    deliveries.c.id,
    deliveries.c.key,
    deliveries.c.revision_id,
    deliveries.c.round_id,
    deliveries.c.kind,
    deliveries.c.recipient,
    deliveries.c.recipient_name,
    deliveries.c.county,
    deliveries.c.channel,
    deliveries.c.address,
    deliveries.c.reason,
    deliveries.c.payload,
    deliveries.c.attempts,
    deliveries.c.coverage_id,
)

_BATCH = 5_000  # rows per insert

_PENDING, _SENDING, _FAILED, _DEAD = (
    DeliveryStatus.PENDING.value,
    DeliveryStatus.SENDING.value,
    DeliveryStatus.FAILED.value,
    DeliveryStatus.DEAD.value,
)


def _claimable(now: dt.datetime) -> list[tuple[Any, Any]]:
    """Each kind of claimable row as (condition, order): one index range each (status,
    next_attempt_at / lease_until), so that picking a batch never sorts the whole outbox."""
    d = deliveries.c
    return [
        (and_(d.status == _PENDING, d.next_attempt_at <= now), d.next_attempt_at),
        (and_(d.status == _FAILED, d.next_attempt_at <= now), d.next_attempt_at),
        (and_(d.status == _SENDING, d.lease_until < now), d.lease_until),
    ]


def _mine(job: Job, worker: str) -> Any:
    return and_(
        deliveries.c.id == job.id,
        deliveries.c.claimed_by == worker,
        deliveries.c.status == _SENDING,
    )


# Built once: recording a result is the hot path of sending (one per message).
_SUCCESS = (
    update(deliveries)
    .where(
        deliveries.c.id == bindparam("job_id"),
        deliveries.c.claimed_by == bindparam("worker"),
        deliveries.c.status == _SENDING,
    )
    .values(
        status=bindparam("new_status"),
        sent_at=bindparam("now"),
        delivered_at=bindparam("delivered_at"),
        lease_until=None,
        last_error=None,
    )
)


def _row(d: NewDelivery) -> dict[str, Any]:
    return {
        "key": d.key,
        "revision_id": d.subject.revision_id,
        "round_id": d.subject.round_id,
        "coverage_id": d.subject.coverage_id,
        "kind": d.kind,
        "recipient": d.recipient,
        "recipient_name": d.recipient_name,
        "county": d.county,
        "channel": d.channel,
        "address": d.address,
        "reason": d.reason,
        "payload": d.payload,
        "status": d.status.value,
        "attempts": 0,
        "next_attempt_at": d.created_at,
        "last_error": d.last_error,
        "created_at": d.created_at,
    }


class OutboxStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- putting notices in ------------------------------------------------------------------

    def waiting_revisions(self) -> list[int]:
        return list(
            self.conn.execute(
                select(alert_revisions.c.id)
                .where(
                    alert_revisions.c.document_number.is_not(None),
                    exists().where(notices.c.revision_id == alert_revisions.c.id),
                    ~exists().where(outbox_revisions.c.revision_id == alert_revisions.c.id),
                )
                .order_by(alert_revisions.c.id)
            ).scalars()
        )

    def take_revision(self, revision_id: int, now: dt.datetime) -> bool:
        return bool(
            insert_ignore(
                self.conn, outbox_revisions, [{"revision_id": revision_id, "enqueued_at": now}]
            )
        )

    def waiting_rounds(self, now: dt.datetime) -> list[int]:
        r = control_rounds.c
        return list(
            self.conn.execute(
                select(r.id).where(r.enqueued_at.is_(None), r.issued_at <= now).order_by(r.id)
            ).scalars()
        )

    def take_round(self, round_id: int, now: dt.datetime) -> bool:
        r = control_rounds.c
        marked = self.conn.execute(
            update(control_rounds)
            .where(r.id == round_id, r.enqueued_at.is_(None))
            .values(enqueued_at=now)
        )
        return marked.rowcount == 1

    def add(self, deliveries_: Iterable[NewDelivery]) -> int:
        added = 0
        batch: list[dict[str, Any]] = []
        for d in deliveries_:
            batch.append(_row(d))
            if len(batch) == _BATCH:
                added += insert_ignore(self.conn, deliveries, batch)
                batch = []
        return added + insert_ignore(self.conn, deliveries, batch)

    # --- claiming and recording --------------------------------------------------------------

    def claim(
        self, worker: str, now: dt.datetime, *, limit: int, lease_seconds: float
    ) -> list[Job]:
        """The rows are picked first (on PostgreSQL locked with ``FOR UPDATE SKIP LOCKED``:
        another worker skips them), then taken by one UPDATE that checks again that each is
        still claimable — on SQLite a row another worker took in between is simply not taken."""
        d = deliveries.c
        postgres = self.conn.dialect.name == "postgresql"
        ids: list[int] = []
        for condition, order in _claimable(now):
            if len(ids) >= limit:
                break
            pick = select(d.id).where(condition).order_by(order).limit(limit - len(ids))
            if postgres:
                pick = pick.with_for_update(skip_locked=True)
            ids.extend(self.conn.execute(pick).scalars())
        if not ids:
            return []
        stmt = (
            update(deliveries)
            # the check again as one CASE, which no index can serve: SQLite then takes the
            # rows by primary key instead of scanning every pending one (32 ms → 0.3 ms a batch)
            .where(
                d.id.in_(ids),
                case(
                    (d.status.in_((_PENDING, _FAILED)), d.next_attempt_at <= now),
                    (d.status == _SENDING, d.lease_until < now),
                    else_=false(),
                ),
            )
            .values(
                status=_SENDING,
                claimed_by=worker,
                lease_until=now + dt.timedelta(seconds=lease_seconds),
                attempts=d.attempts + 1,
            )
            .returning(*_JOB_COLUMNS)
        )
        jobs = [Job(**row._mapping) for row in self.conn.execute(stmt)]
        return sorted(jobs, key=lambda j: j.id)

    def due(self, now: dt.datetime) -> list[Job]:
        rows = self.conn.execute(
            select(*_JOB_COLUMNS)
            .where(or_(*(c for c, _ in _claimable(now))))
            .order_by(deliveries.c.id)
        ).all()
        return [Job(**row._mapping) for row in rows]

    def succeeded(self, job: Job, worker: str, now: dt.datetime, *, delivered: bool) -> bool:
        params = {
            "job_id": job.id,
            "worker": worker,
            "new_status": (DeliveryStatus.DELIVERED if delivered else DeliveryStatus.SENT).value,
            "now": now,
            "delivered_at": now if delivered else None,
        }
        return self.conn.execute(_SUCCESS, params).rowcount == 1

    def failed(self, job: Job, worker: str, *, error: str, retry_at: dt.datetime | None) -> bool:
        values: dict[str, Any] = {"last_error": error, "lease_until": None}
        if retry_at is None:
            values["status"] = _DEAD
        else:
            values["status"] = _FAILED
            values["next_attempt_at"] = retry_at
        done = self.conn.execute(update(deliveries).where(_mine(job, worker)).values(values))
        return done.rowcount == 1

    def reported(
        self, key: str, delivered: bool, error: str, now: dt.datetime
    ) -> tuple[ReportOutcome, Job | None]:
        values: dict[str, Any] = (
            {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now}
            if delivered
            else {"status": _DEAD, "last_error": error}
        )
        row = self.conn.execute(
            update(deliveries)
            .where(deliveries.c.key == key, deliveries.c.status == DeliveryStatus.SENT.value)
            .values(values)
            .returning(*_JOB_COLUMNS)
        ).first()
        if row is not None:
            return ReportOutcome.RECORDED, Job(**row._mapping)
        status = self.conn.execute(
            select(deliveries.c.status).where(deliveries.c.key == key)
        ).scalar()
        if status == values["status"]:
            return ReportOutcome.REPEAT, None
        return ReportOutcome.UNKNOWN, None

    def tried(self, subject: Subject, kind: str, recipient: str) -> list[str]:
        return list(
            self.conn.execute(
                select(deliveries.c.channel).where(
                    of(subject, deliveries),
                    deliveries.c.kind == kind,
                    deliveries.c.recipient == recipient,
                )
            ).scalars()
        )

    def tried_orders(self, subject: Subject) -> dict[str, list[str]]:
        d = deliveries.c
        tried: dict[str, list[str]] = {}
        for recipient, channel in self.conn.execute(
            select(d.recipient, d.channel).where(
                of(subject, deliveries), d.kind == MessageKind.ORDER.value
            )
        ):
            tried.setdefault(recipient, []).append(channel)
        return tried

    # --- escalation and resending --------------------------------------------------------------

    def escalation_due(self, now: dt.datetime, *, hours: float) -> list[Subject]:
        r = alert_revisions.c
        newest = (
            select(r.alert_id, func.max(r.number).label("number"))
            .where(r.document_number.is_not(None))
            .group_by(r.alert_id)
            .subquery()
        )
        c = control_rounds.c
        due = [
            Subject(revision_id=rid)
            for rid in self.conn.execute(
                select(r.id)
                .join(newest, and_(newest.c.alert_id == r.alert_id, newest.c.number == r.number))
                .join(outbox_revisions, outbox_revisions.c.revision_id == r.id)
                .where(
                    r.kind != "lift",
                    r.issued_at <= now - dt.timedelta(hours=hours),
                    or_(r.end_at.is_(None), r.end_at > now),  # an episode over is not chased
                )
            ).scalars()
        ]
        # a round's notices sent late (no worker ran) get their whole receipt time from then
        due += [
            Subject(round_id=row.id)
            for row in self.conn.execute(
                select(c.id, c.issued_at, c.receipt_deadline, c.enqueued_at).where(
                    c.enqueued_at.is_not(None), c.receipt_deadline <= now, c.period_end > now
                )
            )
            if row.enqueued_at + (row.receipt_deadline - row.issued_at) <= now
        ]
        return due

    def overdue(self, subject: Subject) -> list[tuple[str, str, str]]:
        d = deliveries.c
        rows = self.conn.execute(
            select(d.recipient, func.min(d.recipient_name), func.min(d.county))
            .where(
                of(subject, deliveries),
                d.kind == MessageKind.ORDER.value,
                ~exists().where(
                    of(subject, acknowledgements), acknowledgements.c.uscc == d.recipient
                ),
                ~exists().where(of(subject, escalations), escalations.c.uscc == d.recipient),
            )
            .group_by(d.recipient)
            .order_by(d.recipient)
        ).all()
        return [(str(u), str(n), str(c)) for u, n, c in rows]

    def overdue_tasks(self, subject: Subject) -> list[tuple[str, str, str]]:
        d = deliveries.c
        rows = self.conn.execute(
            select(d.recipient, func.min(d.recipient_name), func.min(d.county))
            .where(
                of(subject, deliveries),
                d.kind == MessageKind.TASK.value,
                ~exists().where(
                    of(subject, acknowledgements), acknowledgements.c.uscc == d.recipient
                ),
                ~exists().where(of(subject, escalations), escalations.c.uscc == d.recipient),
            )
            .group_by(d.recipient)
            .order_by(d.recipient)
        ).all()
        return [(str(u), str(n), str(c)) for u, n, c in rows]

    def escalated(self, subject: Subject, usccs: Collection[str], now: dt.datetime) -> None:
        rows = [{**subject.values(), "uscc": u, "escalated_at": now} for u in usccs]
        for i in range(0, len(rows), _BATCH):
            insert_ignore(self.conn, escalations, rows[i : i + _BATCH])

    def requeue_failed(self, subject: Subject, now: dt.datetime) -> int:
        d = deliveries.c
        done = self.conn.execute(
            update(deliveries)
            .where(of(subject, deliveries), d.status.in_((_FAILED, _DEAD)), d.channel != "")
            .values(status=_PENDING, attempts=0, next_attempt_at=now, last_error=None)
        )
        return int(done.rowcount)

    def unreached(self, subject: Subject) -> list[Job]:
        d = deliveries.c
        rows = self.conn.execute(
            select(*_JOB_COLUMNS).where(of(subject, deliveries), d.channel == "")
        ).all()
        return [Job(**row._mapping) for row in rows]

    def resends(self, subject: Subject) -> int:
        d = deliveries.c
        return int(
            self.conn.execute(
                select(func.count()).where(of(subject, deliveries), d.reason == "resend")
            ).scalar()
            or 0
        )

    def lock_resends(self, subject: Subject) -> None:
        if subject.revision_id is not None:
            locks.hold(self.conn, locks.RESEND_REVISION, subject.revision_id)
        else:
            assert subject.round_id is not None
            locks.hold(self.conn, locks.RESEND_ROUND, subject.round_id)

    def resends_in_flight(self, subject: Subject) -> int:
        d = deliveries.c
        return int(
            self.conn.execute(
                select(func.count()).where(
                    of(subject, deliveries),
                    d.reason == "resend",
                    d.status.in_((_PENDING, _SENDING, _FAILED)),
                )
            ).scalar()
            or 0
        )

    def failing(self) -> int:
        return int(
            self.conn.execute(
                select(func.count()).where(deliveries.c.status.in_((_FAILED, _DEAD)))
            ).scalar_one()
        )

    def check_task(self, coverage_id: int, code: str) -> tuple[str, dt.datetime] | None:
        """A unit's check task as sent (its HTML), and when it was issued."""
        return CheckStore(self.conn).body(coverage_id, code)

    def round_facts(self, round_id: int) -> RoundFacts | None:
        c = control_rounds.c
        row = self.conn.execute(
            select(
                c.title, c.issued_at, c.receipt_deadline, c.period_start, c.period_end, c.record
            ).where(c.id == round_id)
        ).first()
        if row is None:
            return None
        return RoundFacts(
            round_id=round_id,
            name=row.record["control"]["name"],
            title=row.title,
            period=row.record["period"]["label"],
            period_start=row.period_start,
            period_end=row.period_end,
            issued_at=row.issued_at,
            deadline=row.receipt_deadline,
        )
