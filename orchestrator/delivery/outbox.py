"""The outbox: deliveries of notices in the database, claimed by workers, retried with back-off.

Every delivery is one notice to one recipient on one channel, with an idempotency key
(``revision:kind:recipient:channel``) that is unique in the table and travels with the message.
A notice belongs to a :class:`Subject`: the issued revision of an alert (dispatch orders) or a
round of a recurring control (its notices, keys ``c<round>:…``); both go the same way.
A worker claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that workers on several
machines share one outbox; SQLite serialises the claiming update itself) under a lease; a worker
that dies leaves its rows to be claimed again when the lease runs out. Results are recorded
only by the worker holding the claim.

Statuses: pending (never tried), sending (claimed), sent (handed over: SMTP server, SMS gateway),
delivered (confirmed: HTTP 2xx of a webhook or robot, a delivery report, a file written),
failed (will be retried at ``next_attempt_at``), dead (given up; the next channel is tried).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from orchestrator.command_office import PlanSource
from orchestrator.db.tables import (
    acknowledgements,
    alert_revisions,
    control_round_entries,
    control_rounds,
    deliveries,
    escalations,
    notices,
    outbox_revisions,
)
from orchestrator.delivery.config import DeliveryConfig, robot_url


@dataclass(frozen=True, slots=True)
class Subject:
    """What notices, deliveries and receipts belong to: an issued alert revision's dispatch
    orders, or a recurring-control round's notices — exactly one of the two."""

    revision_id: int | None = None
    round_id: int | None = None

    def __post_init__(self) -> None:
        if (self.revision_id is None) == (self.round_id is None):
            raise ValueError("a subject is a revision or a round")

    @property
    def key(self) -> str:
        """Its part of idempotency keys and of link tokens."""
        return str(self.revision_id) if self.round_id is None else f"c{self.round_id}"

    def of(self, table: Any) -> Any:
        """The condition selecting this subject's rows of ``table``."""
        if self.round_id is not None:
            return table.c.round_id == self.round_id
        return table.c.revision_id == self.revision_id

    def values(self) -> dict[str, int | None]:
        return {"revision_id": self.revision_id, "round_id": self.round_id}


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery."""

    id: int
    key: str
    revision_id: int | None
    round_id: int | None
    kind: str
    recipient: str
    recipient_name: str
    county: str
    channel: str
    address: str
    reason: str
    payload: str | None
    attempts: int

    @property
    def subject(self) -> Subject:
        return Subject(self.revision_id, self.round_id)


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
)


def insert_ignore(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows``, skipping those whose unique key is already there; how many were new."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    stmt = dialect.insert(table).on_conflict_do_nothing().returning(key)
    # rows actually inserted come back (executemany rowcounts are not reliable on every driver)
    return len(conn.execute(stmt, list(rows)).all())


# --- who gets what, on which channel -----------------------------------------------------------


def address_of(config: DeliveryConfig, channel: str, entry: Mapping[str, Any]) -> str | None:
    """The recipient's own address on ``channel`` (a plan entry or county contact: ``phone``,
    ``email``, ``county``): its phone for SMS (and to @-mention in a group robot), its e-mail;
    "" where the channel's own configuration says where to send (webhook, folder); None if the
    channel cannot reach it. Server URLs are not kept with the delivery: they are read from the
    configuration when sending, so that a corrected URL applies to what is still queued."""
    ch = config.channels[channel]
    if ch.kind in ("folder", "webhook"):
        return ""
    if ch.kind == "sms":
        return str(entry.get("phone") or "") or None
    if ch.kind == "email":
        return str(entry.get("email") or "") or None
    if not robot_url(ch.options, str(entry.get("county", ""))):
        return None
    return str(entry.get("phone") or "")


def _route(
    config: DeliveryConfig, entry: Mapping[str, Any], tried: Iterable[str]
) -> tuple[str, str] | None:
    """The first channel (and address) not yet tried that reaches this recipient."""
    done = set(tried)
    for name in config.channel_names(str(entry.get("channel") or "")):
        if name in done:
            continue
        address = address_of(config, name, entry)
        if address is not None:
            return name, address
    return None


def _row(
    *,
    subject: Subject,
    kind: str,
    recipient: str,
    name: str,
    county: str,
    route: tuple[str, str] | None,
    reason: str,
    now: dt.datetime,
    payload: str | None = None,
    suffix: str = "",
) -> dict[str, Any]:
    channel, address = route if route is not None else ("", "")
    return {
        # ASCII (it travels in HTTP headers): county names are percent-encoded
        "key": quote(f"{subject.key}:{kind}:{recipient}:{channel or '-'}{suffix}", safe=":.-_"),
        **subject.values(),
        "kind": kind,
        "recipient": recipient,
        "recipient_name": name,
        "county": county,
        "channel": channel,
        "address": address,
        "reason": reason,
        "payload": payload,
        "status": "pending" if route is not None else "dead",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None
        if route is not None
        else "没有可用的接收渠道（清单未填写联系方式或渠道未配置）",
        "created_at": now,
    }


def _order_row(
    config: DeliveryConfig,
    subject: Subject,
    entry: Mapping[str, Any],
    reason: str,
    now: dt.datetime,
    suffix: str = "",
) -> dict[str, Any]:
    """The delivery of an enterprise's order (or control notice) on its first usable channel."""
    return _row(
        subject=subject,
        kind="order",
        recipient=entry["uscc"],
        name=entry["name"],
        county=entry["county"],
        route=_route(config, entry, ()),
        reason=reason,
        now=now,
        suffix=suffix,
    )


def _entries(
    conn: Connection, subject: Subject, uscc: Iterable[str] = ()
) -> Iterator[dict[str, Any]]:
    """The recipients of a subject with what each must do (only ``uscc``'s if given), in
    order: a revision's frozen plan entries, a control round's entries."""
    if subject.revision_id is not None:
        source = PlanSource.of(conn, subject.revision_id)
        t, where, ordinal, entry = source.table, source.where, source.ordinal, source.entry
    else:
        t = control_round_entries
        where, ordinal = t.c.round_id == subject.round_id, t.c.position
        entry = _same
    query = select(t.c.uscc, cast(t.c.record, Text)).where(where).order_by(ordinal)
    chosen = set(uscc)
    if chosen and len(chosen) <= 5_000:  # more: read all (bound parameters are limited)
        query = query.where(t.c.uscc.in_(sorted(chosen)))
    for u, record in conn.execute(query):
        if not chosen or u in chosen:
            yield entry(orjson.loads(record))


def _same(record: dict[str, Any]) -> dict[str, Any]:
    return record


def enqueue_issued(engine: Engine, config: DeliveryConfig, now: dt.datetime) -> int:
    """Put the dispatch orders of every issued revision whose notices are stored, and that is
    not in the outbox yet, into the outbox (each on its enterprise's first usable channel).
    Whichever worker gets there first does it, once; returns how many deliveries it added."""
    with engine.connect() as conn:
        waiting = list(
            conn.execute(
                select(alert_revisions.c.id)
                .where(
                    alert_revisions.c.document_number.is_not(None),
                    exists().where(notices.c.revision_id == alert_revisions.c.id),
                    ~exists().where(outbox_revisions.c.revision_id == alert_revisions.c.id),
                )
                .order_by(alert_revisions.c.id)
            ).scalars()
        )
    added = 0
    for revision_id in waiting:
        with engine.begin() as conn:
            if not insert_ignore(
                conn, outbox_revisions, [{"revision_id": revision_id, "enqueued_at": now}]
            ):
                continue  # another worker took it
            ordered = set(
                conn.execute(
                    select(notices.c.uscc).where(
                        notices.c.revision_id == revision_id, notices.c.kind == "order"
                    )
                ).scalars()
            )
            subject = Subject(revision_id=revision_id)
            rows = [
                _order_row(config, subject, e, "initial", now)
                for e in _entries(conn, subject)
                if e["uscc"] in ordered
            ]
            added += _insert_all(conn, rows)
    return added + enqueue_rounds(engine, config, now)


def _insert_all(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    added = 0
    for i in range(0, len(rows), 5_000):
        added += insert_ignore(conn, deliveries, rows[i : i + 5_000])
    return added


def enqueue_rounds(engine: Engine, config: DeliveryConfig, now: dt.datetime) -> int:
    """Put the notices of every control round not in the outbox yet into it, as
    :func:`enqueue_issued` does for alerts: once, by whichever worker marks the round first."""
    r = control_rounds.c
    with engine.connect() as conn:
        waiting = list(
            conn.execute(
                select(r.id).where(r.enqueued_at.is_(None), r.issued_at <= now).order_by(r.id)
            ).scalars()
        )
    added = 0
    for round_id in waiting:
        with engine.begin() as conn:
            marked = conn.execute(
                update(control_rounds)
                .where(r.id == round_id, r.enqueued_at.is_(None))
                .values(enqueued_at=now)
            )
            if marked.rowcount != 1:
                continue  # another worker took it
            subject = Subject(round_id=round_id)
            rows = [_order_row(config, subject, e, "initial", now) for e in _entries(conn, subject)]
            added += _insert_all(conn, rows)
    return added


# --- claiming and recording ---------------------------------------------------------------------


def _claimable(now: dt.datetime) -> list[tuple[Any, Any]]:
    """Each kind of claimable row as (condition, order): one index range each (status,
    next_attempt_at / lease_until), so that picking a batch never sorts the whole outbox."""
    d = deliveries.c
    return [
        (and_(d.status == "pending", d.next_attempt_at <= now), d.next_attempt_at),
        (and_(d.status == "failed", d.next_attempt_at <= now), d.next_attempt_at),
        (and_(d.status == "sending", d.lease_until < now), d.lease_until),
    ]


def claim(
    engine: Engine, worker: str, now: dt.datetime, *, limit: int, lease_seconds: float
) -> list[Job]:
    """Claim up to ``limit`` due deliveries for ``worker`` (and those whose lease ran out).

    The rows are picked first (on PostgreSQL locked with ``FOR UPDATE SKIP LOCKED``: another
    worker skips them), then taken by one UPDATE that checks again that each is still
    claimable — on SQLite a row another worker took in between is simply not taken."""
    d = deliveries.c
    kinds = _claimable(now)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        ids: list[int] = []
        for condition, order in kinds:
            if len(ids) >= limit:
                break
            pick = select(d.id).where(condition).order_by(order).limit(limit - len(ids))
            if postgres:
                pick = pick.with_for_update(skip_locked=True)
            ids.extend(conn.execute(pick).scalars())
        if not ids:
            return []
        stmt = (
            update(deliveries)
            # the check again as one CASE, which no index can serve: SQLite then takes the
            # rows by primary key instead of scanning every pending one (32 ms → 0.3 ms a batch)
            .where(
                d.id.in_(ids),
                case(
                    (d.status.in_(("pending", "failed")), d.next_attempt_at <= now),
                    (d.status == "sending", d.lease_until < now),
                    else_=false(),
                ),
            )
            .values(
                status="sending",
                claimed_by=worker,
                lease_until=now + dt.timedelta(seconds=lease_seconds),
                attempts=d.attempts + 1,
            )
            .returning(*_JOB_COLUMNS)
        )
        jobs = [Job(**row._mapping) for row in conn.execute(stmt)]
    return sorted(jobs, key=lambda j: j.id)


def _mine(job: Job, worker: str) -> Any:
    return and_(
        deliveries.c.id == job.id,
        deliveries.c.claimed_by == worker,
        deliveries.c.status == "sending",
    )


# Built once: recording a result is the hot path of sending (one per message).
_SUCCESS = (
    update(deliveries)
    .where(
        deliveries.c.id == bindparam("job_id"),
        deliveries.c.claimed_by == bindparam("worker"),
        deliveries.c.status == "sending",
    )
    .values(
        status=bindparam("new_status"),
        sent_at=bindparam("now"),
        delivered_at=bindparam("delivered_at"),
        lease_until=None,
        last_error=None,
    )
)


def record_success(
    engine: Engine, job: Job, worker: str, now: dt.datetime, *, delivered: bool
) -> bool:
    """The channel took the message (``delivered``: and confirmed it). False if the claim was
    lost meanwhile (the lease ran out and another worker has the row)."""
    params = {
        "job_id": job.id,
        "worker": worker,
        "new_status": "delivered" if delivered else "sent",
        "now": now,
        "delivered_at": now if delivered else None,
    }
    with engine.begin() as conn:
        return conn.execute(_SUCCESS, params).rowcount == 1


def backoff(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: exponential, capped,
    with "equal jitter" (half fixed, half random) so that workers do not retry in step."""
    ceiling = min(cap, base * 2.0 ** max(attempts - 1, 0))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


def record_failure(
    engine: Engine,
    job: Job,
    worker: str,
    now: dt.datetime,
    *,
    error: str,
    permanent: bool,
    config: DeliveryConfig,
) -> str:
    """A failed attempt: retried later with back-off, or (after the last attempt, or at once for
    an error that retrying cannot mend) dead, and then the next channel is tried. Returns the
    new status ("" if the claim was lost)."""
    retry = config.retry
    dead = permanent or job.attempts >= retry.max_attempts
    values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
    if dead:
        values["status"] = "dead"
    else:
        values["status"] = "failed"
        values["next_attempt_at"] = now + dt.timedelta(
            seconds=backoff(job.attempts, retry.base_seconds, retry.cap_seconds)
        )
    with engine.begin() as conn:
        if conn.execute(update(deliveries).where(_mine(job, worker)).values(values)).rowcount != 1:
            return ""
        if dead:
            next_channel(conn, config, job, now, reason="fallback")
    return str(values["status"])


def _tried(conn: Connection, subject: Subject, kind: str, recipient: str) -> list[str]:
    return list(
        conn.execute(
            select(deliveries.c.channel).where(
                subject.of(deliveries),
                deliveries.c.kind == kind,
                deliveries.c.recipient == recipient,
            )
        ).scalars()
    )


def _recipient_entry(
    conn: Connection, config: DeliveryConfig, job_kind: str, subject: Subject, recipient: str
) -> dict[str, Any] | None:
    if job_kind == "order":
        return next(iter(_entries(conn, subject, [recipient])), None)
    county = recipient.removeprefix("county:")
    contact = config.counties.get(county)
    if contact is None:
        return None
    return {"county": county, "phone": contact.phone, "email": contact.email, "channel": ""}


def next_channel(
    conn: Connection, config: DeliveryConfig, job: Job, now: dt.datetime, *, reason: str
) -> str | None:
    """Queue the notice of ``job`` on the recipient's next usable channel not yet tried;
    returns that channel (None: every channel was tried)."""
    entry = _recipient_entry(conn, config, job.kind, job.subject, job.recipient)
    if entry is None:
        return None
    route = _route(config, entry, _tried(conn, job.subject, job.kind, job.recipient))
    if route is None:
        return None
    insert_ignore(
        conn,
        deliveries,
        [
            _row(
                subject=job.subject,
                kind=job.kind,
                recipient=job.recipient,
                name=job.recipient_name,
                county=job.county,
                route=route,
                reason=reason,
                now=now,
                payload=job.payload,
            )
        ],
    )
    return route[0]


def record_report(engine: Engine, key: str, delivered: bool, error: str, now: dt.datetime) -> bool:
    """A delivery report from a gateway (SMS): ``sent`` becomes delivered, or dead."""
    values: dict[str, Any] = (
        {"status": "delivered", "delivered_at": now}
        if delivered
        else {"status": "dead", "last_error": error or "网关报告投递失败"}
    )
    with engine.begin() as conn:
        return (
            conn.execute(
                update(deliveries)
                .where(deliveries.c.key == key, deliveries.c.status == "sent")
                .values(values)
            ).rowcount
            == 1
        )


# --- escalation and resending -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Escalated:
    subject: Subject
    enterprises: int
    counties: tuple[str, ...]


def escalate(
    engine: Engine,
    config: DeliveryConfig,
    now: dt.datetime,
    *,
    receipt_hours: float,
    report: Any,
) -> list[Escalated]:
    """Orders not acknowledged ``after_hours`` after issue (control notices: after their
    round's receipt deadline): re-sent on the next channel, and each county's contact sent the
    list of its overdue enterprises (``report(subject, county, [(uscc, name), …])`` composes
    the text). Only the newest issued revision of an alert neither lifted nor ended is chased,
    and only rounds whose period has not ended; each order and each county report once."""
    hours = config.escalation_hours if config.escalation_hours is not None else receipt_hours
    r = alert_revisions.c
    newest = (
        select(r.alert_id, func.max(r.number).label("number"))
        .where(r.document_number.is_not(None))
        .group_by(r.alert_id)
        .subquery()
    )
    c = control_rounds.c
    with engine.connect() as conn:
        due = [
            Subject(revision_id=rid)
            for rid in conn.execute(
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
            for row in conn.execute(
                select(c.id, c.issued_at, c.receipt_deadline, c.enqueued_at).where(
                    c.enqueued_at.is_not(None), c.receipt_deadline <= now, c.period_end > now
                )
            )
            if row.enqueued_at + (row.receipt_deadline - row.issued_at) <= now
        ]
    done: list[Escalated] = []
    for subject in due:
        with engine.begin() as conn:
            found = _escalate_one(conn, config, subject, now, report)
        if found is not None:
            done.append(found)
    return done


def _escalate_one(
    conn: Connection, config: DeliveryConfig, subject: Subject, now: dt.datetime, report: Any
) -> Escalated | None:
    d = deliveries.c
    overdue = conn.execute(
        select(d.recipient, func.min(d.recipient_name), func.min(d.county))
        .where(
            subject.of(deliveries),
            d.kind == "order",
            ~exists().where(subject.of(acknowledgements), acknowledgements.c.uscc == d.recipient),
            ~exists().where(subject.of(escalations), escalations.c.uscc == d.recipient),
        )
        .group_by(d.recipient)
        .order_by(d.recipient)
    ).all()
    if not overdue:
        return None
    insert_ignore(
        conn,
        escalations,
        [{**subject.values(), "uscc": u, "escalated_at": now} for u, _, _ in overdue],
    )
    # the next channel of every overdue order, read and queued in bulk (a large city may have
    # tens of thousands overdue at once)
    usccs = [u for u, _, _ in overdue]
    entries = {e["uscc"]: e for e in _entries(conn, subject, usccs)}
    tried: dict[str, list[str]] = {}
    for recipient, channel in conn.execute(
        select(d.recipient, d.channel).where(subject.of(deliveries), d.kind == "order")
    ):
        tried.setdefault(recipient, []).append(channel)
    again = []
    for uscc, name, county in overdue:
        route = _route(config, entries.get(uscc, {}), tried.get(uscc, ()))
        if route is not None:
            again.append(
                _row(
                    subject=subject,
                    kind="order",
                    recipient=uscc,
                    name=name,
                    county=county,
                    route=route,
                    reason="escalation",
                    now=now,
                )
            )
    _insert_all(conn, again)
    by_county: dict[str, list[tuple[str, str]]] = {}
    for uscc, name, county in overdue:
        by_county.setdefault(county, []).append((uscc, name))
    for county, firms in sorted(by_county.items()):
        contact = config.counties.get(county)
        if contact is None:
            continue
        entry = {"county": county, "phone": contact.phone, "email": contact.email, "channel": ""}
        insert_ignore(
            conn,
            deliveries,
            [
                _row(
                    subject=subject,
                    kind="report",
                    recipient=f"county:{county}",
                    name=contact.contact,
                    county=county,
                    route=_route(config, entry, ()),
                    reason="escalation",
                    now=now,
                    payload=report(subject, county, firms),
                )
            ],
        )
    return Escalated(subject, len(overdue), tuple(sorted(by_county)))


def newest_issued_revision(conn: Connection, alert_id: int) -> int | None:
    r = alert_revisions.c
    return conn.execute(
        select(r.id)
        .where(r.alert_id == alert_id, r.document_number.is_not(None))
        .order_by(r.number.desc())
        .limit(1)
    ).scalar()


def resend(
    engine: Engine, config: DeliveryConfig, alert_id: int, now: dt.datetime, *, failed_only: bool
) -> int:
    """Send the newest issued notices of an alert again (see :func:`resend_subject`)."""
    with engine.connect() as conn:
        revision_id = newest_issued_revision(conn, alert_id)
    if revision_id is None:
        return 0
    return resend_subject(
        engine, config, Subject(revision_id=revision_id), now, failed_only=failed_only
    )


def resend_subject(
    engine: Engine, config: DeliveryConfig, subject: Subject, now: dt.datetime, *, failed_only: bool
) -> int:
    """Send a subject's notices again. ``failed_only``: deliveries that failed or died are
    retried from the start on their channel (and enterprises no channel reached are routed
    again, the configuration may have changed); otherwise every enterprise gets its notice
    again on its first channel, as a deliberate new delivery."""
    with engine.begin() as conn:
        d = deliveries.c
        if failed_only:
            count = conn.execute(
                update(deliveries)
                .where(subject.of(deliveries), d.status.in_(("failed", "dead")), d.channel != "")
                .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
            ).rowcount
            unreached = conn.execute(
                select(d.id, d.recipient, d.recipient_name, d.county, d.kind).where(
                    subject.of(deliveries), d.channel == ""
                )
            ).all()
            for did, recipient, name, county, kind in unreached:
                job = Job(
                    did,
                    "",
                    subject.revision_id,
                    subject.round_id,
                    kind,
                    recipient,
                    name,
                    county,
                    "",
                    "",
                    "",
                    None,
                    0,
                )
                if next_channel(conn, config, job, now, reason="resend"):
                    count += 1  # the dead row stays, as the record of the first attempt
            return int(count)
        rounds = (
            conn.execute(
                select(func.count()).where(subject.of(deliveries), d.reason == "resend")
            ).scalar()
            or 0
        )
        suffix = f":r{now:%Y%m%d%H%M%S}.{rounds}"
        rows = [
            _order_row(config, subject, e, "resend", now, suffix) for e in _entries(conn, subject)
        ]
        return insert_ignore(conn, deliveries, [r for r in rows if r["status"] == "pending"])
