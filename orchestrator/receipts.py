"""Receipts: enterprises acknowledge their orders (签收) and report implementation (落实情况);
the command office sees who was reached, who signed, who implemented and who is overdue. The
notices of recurring-control rounds are acknowledged and reported on in the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Select, case, func, select
from sqlalchemy.exc import IntegrityError

from orchestrator.db.tables import (
    acknowledgements,
    alert_revisions,
    control_round_entries,
    control_rounds,
    deliveries,
    implementation_reports,
    notices,
    order_frames,
)
from orchestrator.delivery.outbox import Subject, _entries, newest_issued_revision
from orchestrator.errors import OrchestratorError
from orchestrator.plans.lifecycle import RevisionKind


class ReceiptRefused(OrchestratorError):
    """An acknowledgement or report that cannot be taken (message in Chinese)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What an enterprise's link opens: its orders of one alert, or its notice of one round."""

    alert_id: int | None = None
    round_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderView:
    """One issued order of an alert (or notice of a control round), as its enterprise sees it."""

    subject: Subject
    ref: int  # what its forms post: the revision id, or the round id
    number: int
    title: str
    kind: RevisionKind | None  # None: a control notice
    level: str
    document_number: str
    issued_at: dt.datetime
    deadline: dt.datetime | None  # a control notice's own; orders: issue + receipt hours
    start: dt.datetime
    end: dt.datetime | None
    entry: dict[str, Any]  # the frozen plan entry: name, lines and their measures
    acknowledged_at: dt.datetime | None
    signer: str
    report: dict[str, Any] | None  # the newest: reported_at, items, note


def _receipt(conn: Any, subject: Subject, uscc: str) -> tuple[Any, Any]:
    ack = conn.execute(
        select(acknowledgements.c.acknowledged_at, acknowledgements.c.signer).where(
            subject.of(acknowledgements), acknowledgements.c.uscc == uscc
        )
    ).first()
    rep = conn.execute(
        select(
            implementation_reports.c.reported_at,
            implementation_reports.c["items"],
            implementation_reports.c.note,
        )
        .where(subject.of(implementation_reports), implementation_reports.c.uscc == uscc)
        .order_by(implementation_reports.c.id.desc())
        .limit(1)
    ).first()
    return ack, rep


def enterprise_orders(engine: Engine, alert_id: int, uscc: str) -> list[OrderView]:
    """The enterprise's orders of the alert, newest first (none: it has no order there)."""
    r = alert_revisions.c
    out: list[OrderView] = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                r.id,
                r.number,
                r.kind,
                r.level,
                r.document_number,
                r.issued_at,
                r.start_at,
                r.end_at,
            )
            .join(notices, notices.c.revision_id == r.id)
            .where(
                r.alert_id == alert_id,
                r.document_number.is_not(None),
                notices.c.kind == "order",
                notices.c.uscc == uscc,
            )
            .order_by(r.number.desc())
        ).all()
        for row in rows:
            subject = Subject(revision_id=row.id)
            entry = next(iter(_entries(conn, subject, [uscc])))
            ack, rep = _receipt(conn, subject, uscc)
            kind = RevisionKind(row.kind)
            out.append(
                OrderView(
                    subject=subject,
                    ref=row.id,
                    number=row.number,
                    title="解除预警通知" if kind is RevisionKind.LIFT else "重污染天气应急响应指令",
                    kind=kind,
                    level=row.level,
                    document_number=row.document_number,
                    issued_at=row.issued_at,
                    deadline=None,
                    start=row.start_at,
                    end=row.end_at,
                    entry=entry,
                    acknowledged_at=ack.acknowledged_at if ack else None,
                    signer=ack.signer if ack else "",
                    report=dict(rep._mapping) if rep else None,
                )
            )
    return out


def round_orders(engine: Engine, round_id: int, uscc: str) -> list[OrderView]:
    """The enterprise's notice of a control round (none: the round does not concern it)."""
    c = control_rounds.c
    subject = Subject(round_id=round_id)
    with engine.connect() as conn:
        row = conn.execute(
            select(
                c.title, c.issued_at, c.receipt_deadline, c.period_start, c.period_end, c.record
            ).where(c.id == round_id)
        ).first()
        entry = next(iter(_entries(conn, subject, [uscc])), None)
        if row is None or entry is None:
            return []
        ack, rep = _receipt(conn, subject, uscc)
    return [
        OrderView(
            subject=subject,
            ref=round_id,
            number=1,
            title=row.title,
            kind=None,
            level="",
            document_number="",
            issued_at=row.issued_at,
            deadline=row.receipt_deadline,
            start=row.period_start,
            end=row.period_end,
            entry=entry,
            acknowledged_at=ack.acknowledged_at if ack else None,
            signer=ack.signer if ack else "",
            report=dict(rep._mapping) if rep else None,
        )
    ]


def orders(engine: Engine, scope: Scope, uscc: str) -> list[OrderView]:
    """What the enterprise's link opens, newest first."""
    if scope.round_id is not None:
        return round_orders(engine, scope.round_id, uscc)
    assert scope.alert_id is not None
    return enterprise_orders(engine, scope.alert_id, uscc)


def order_document(engine: Engine, subject: Subject, uscc: str) -> str | None:
    """The order (control notice) as it was sent (None: no such order)."""
    with engine.connect() as conn:
        if subject.round_id is not None:
            body = conn.execute(
                select(control_round_entries.c.body).where(
                    control_round_entries.c.round_id == subject.round_id,
                    control_round_entries.c.uscc == uscc,
                )
            ).scalar()
            return None if body is None else str(body)
        part = conn.execute(
            select(notices.c.body).where(
                notices.c.revision_id == subject.revision_id,
                notices.c.kind == "order",
                notices.c.uscc == uscc,
            )
        ).scalar()
        if part is None:
            return None
        frame = conn.execute(
            select(order_frames.c.prefix, order_frames.c.suffix).where(
                order_frames.c.revision_id == subject.revision_id
            )
        ).first()
    prefix, suffix = frame if frame is not None else ("", "")
    return str(prefix + part + suffix)


def _check_order(found: Sequence[OrderView], ref: int) -> OrderView:
    for o in found:
        if o.ref == ref:
            return o
    raise ReceiptRefused("未找到本单位的该份通知或指令。")


def acknowledge(
    engine: Engine, scope: Scope, uscc: str, ref: int, *, signer: str, now: dt.datetime
) -> dt.datetime:
    """Sign for the order (``ref``: its revision id, or the round id); signing again changes
    nothing. Returns when it was signed."""
    signer = signer.strip()
    if not signer or len(signer) > 50:
        raise ReceiptRefused("请填写签收人姓名（不超过50个字）。")
    order = _check_order(orders(engine, scope, uscc), ref)
    if order.acknowledged_at is not None:
        return order.acknowledged_at
    try:
        with engine.begin() as conn:
            conn.execute(
                acknowledgements.insert().values(
                    **order.subject.values(), uscc=uscc, acknowledged_at=now, signer=signer
                )
            )
    except IntegrityError:  # signed a moment ago (double click, second device): that stands
        again = _check_order(orders(engine, scope, uscc), ref)
        return again.acknowledged_at or now
    return now


def report(
    engine: Engine,
    scope: Scope,
    uscc: str,
    ref: int,
    *,
    done: Sequence[bool],
    notes: Sequence[str],
    note: str,
    now: dt.datetime,
) -> None:
    """Report implementation line by line (a newer report replaces the older in the counts)."""
    order = _check_order(orders(engine, scope, uscc), ref)
    if order.acknowledged_at is None:
        raise ReceiptRefused("请先签收，再报送落实情况。")
    lines = order.entry["lines"]
    if len(done) != len(lines) or len(notes) != len(lines):
        raise ReceiptRefused("落实情况应逐条填写本单位每条生产线或工序。")
    if len(note) > 2000 or any(len(n) > 500 for n in notes):
        raise ReceiptRefused("说明过长：每条不超过500字，总体说明不超过2000字。")
    items = [
        {
            "line": ln["name"],
            "measure": ln["measure"]["text"] if ln["measure"] else "—",
            "done": bool(d),
            "note": n.strip(),
        }
        for ln, d, n in zip(lines, done, notes, strict=True)
    ]
    with engine.begin() as conn:
        conn.execute(
            implementation_reports.insert().values(
                **order.subject.values(),
                uscc=uscc,
                reported_at=now,
                items=items,
                note=note.strip(),
                complete=all(i["done"] for i in items),
            )
        )


# --- the command office's view ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Firm:
    uscc: str
    name: str
    county: str
    contact: str
    phone: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "county": self.county,
            "contact": self.contact,
            "phone": self.phone,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ReceiptSummary:
    alert_id: int | None
    revision_id: int | None
    document_number: str  # a control round: its title
    deadline: dt.datetime
    orders: int
    sent: int  # reached a channel (sent or delivered)
    delivered: int  # confirmed
    acknowledged: int
    implemented: int  # newest report: every line done
    overdue: list[Firm] = field(default_factory=list)  # not acknowledged after the deadline
    undelivered: list[Firm] = field(default_factory=list)  # every channel failed
    not_implemented: list[Firm] = field(default_factory=list)  # reported lines not done
    round_id: int | None = None
    # how many each list has (the lists may be cut to the first ``listed``)
    overdue_count: int = 0
    undelivered_count: int = 0
    not_implemented_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "revision_id": self.revision_id,
            "round_id": self.round_id,
            "document_number": self.document_number,
            "deadline": self.deadline.isoformat(),
            "orders": self.orders,
            "sent": self.sent,
            "delivered": self.delivered,
            "acknowledged": self.acknowledged,
            "implemented": self.implemented,
            "overdue": [f.as_dict() for f in self.overdue],
            "undelivered": [f.as_dict() for f in self.undelivered],
            "not_implemented": [f.as_dict() for f in self.not_implemented],
            "overdue_count": self.overdue_count,
            "undelivered_count": self.undelivered_count,
            "not_implemented_count": self.not_implemented_count,
        }


def summary(
    engine: Engine,
    alert_id: int,
    *,
    now: dt.datetime,
    receipt_hours: float,
    listed: int | None = None,
) -> ReceiptSummary:
    """Receipts of the alert's newest issued notices (at most ``listed`` enterprises named per
    list — overdue, undelivered, not implemented —; the counts are always exact)."""
    with engine.connect() as conn:
        revision_id = newest_issued_revision(conn, alert_id)
    if revision_id is None:
        raise ReceiptRefused(f"预警{alert_id}尚未发布，没有回执")
    return revision_summary(
        engine, revision_id, now=now, receipt_hours=receipt_hours, listed=listed
    )


def revision_summary(
    engine: Engine,
    revision_id: int,
    *,
    now: dt.datetime,
    receipt_hours: float,
    listed: int | None = None,
) -> ReceiptSummary:
    """Receipts of one issued alert revision's notices (``listed``: as for :func:`summary`)."""
    with engine.connect() as conn:
        rev = conn.execute(
            select(
                alert_revisions.c.alert_id,
                alert_revisions.c.document_number,
                alert_revisions.c.issued_at,
            ).where(alert_revisions.c.id == revision_id)
        ).first()
    if rev is None or rev.issued_at is None:
        raise ReceiptRefused(f"预警修订{revision_id}尚未发布，没有回执")
    ordered = select(notices.c.uscc).where(
        notices.c.revision_id == revision_id, notices.c.kind == "order"
    )
    return _summarise(
        engine,
        Subject(revision_id=revision_id),
        ordered,
        now=now,
        deadline=rev.issued_at + dt.timedelta(hours=receipt_hours),
        head={"alert_id": rev.alert_id, "revision_id": revision_id},
        document=rev.document_number,
        listed=listed,
    )


def round_summary(
    engine: Engine, round_id: int, *, now: dt.datetime, listed: int | None = None
) -> ReceiptSummary:
    """Receipts of a control round's notices (``listed``: as for :func:`summary`)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(control_rounds.c.title, control_rounds.c.receipt_deadline).where(
                control_rounds.c.id == round_id
            )
        ).first()
        if row is None:
            raise ReceiptRefused(f"管控通知批次{round_id}不存在")
    ordered = select(control_round_entries.c.uscc).where(
        control_round_entries.c.round_id == round_id
    )
    return _summarise(
        engine,
        Subject(round_id=round_id),
        ordered,
        now=now,
        deadline=row.receipt_deadline,
        head={"alert_id": None, "revision_id": None, "round_id": round_id},
        document=row.title,
        listed=listed,
    )


def _newest_report_ids(subject: Subject) -> Any:
    """The id of each enterprise's newest implementation report on the subject (it counts)."""
    r = implementation_reports.c
    return select(func.max(r.id)).where(subject.of(implementation_reports)).group_by(r.uscc)


def _summarise(
    engine: Engine,
    subject: Subject,
    ordered: Select[Any],
    *,
    now: dt.datetime,
    deadline: dt.datetime,
    head: dict[str, Any],
    document: str,
    listed: int | None,
) -> ReceiptSummary:
    """Counted in SQL (one pass over the subject's order deliveries, grouped by enterprise), so
    that a 100,000-order alert is summarised without loading its deliveries."""
    d = deliveries.c
    ordered_q = ordered.scalar_subquery()
    per_firm = (
        select(
            d.recipient.label("uscc"),
            func.max(case((d.status.in_(("sent", "delivered")), 1), else_=0)).label("reached"),
            func.max(case((d.status == "delivered", 1), else_=0)).label("confirmed"),
            func.min(case((d.status == "dead", 1), else_=0)).label("dead"),
            func.max(d.last_error).label("error"),
        )
        .where(subject.of(deliveries), d.kind == "order")  # orders go to ordered firms only
        .group_by(d.recipient)
        .subquery()
    )
    acked = select(acknowledgements.c.uscc).where(subject.of(acknowledgements))
    with engine.connect() as conn:
        orders = conn.execute(select(func.count()).select_from(ordered.subquery())).scalar_one()
        sent, confirmed, undelivered = conn.execute(
            select(
                func.coalesce(func.sum(per_firm.c.reached), 0),
                func.coalesce(func.sum(per_firm.c.confirmed), 0),
                func.coalesce(func.sum(per_firm.c.dead), 0),
            )
        ).one()
        acknowledged = conn.execute(
            select(func.count()).where(
                subject.of(acknowledgements), acknowledgements.c.uscc.in_(ordered_q)
            )
        ).scalar_one()
        failed: dict[str, str | None] = {}
        if undelivered:
            failed = dict(
                conn.execute(
                    select(per_firm.c.uscc, per_firm.c.error)
                    .where(per_firm.c.dead == 1)
                    .order_by(per_firm.c.uscc)
                    .limit(listed)
                ).all()
            )
        overdue_n, overdue = 0, []
        if now > deadline:
            late = ordered.where(ordered.selected_columns[0].not_in(acked.scalar_subquery()))
            overdue_n = conn.execute(select(func.count()).select_from(late.subquery())).scalar_one()
            overdue = list(
                conn.execute(late.order_by(ordered.selected_columns[0]).limit(listed)).scalars()
            )
        r = implementation_reports.c
        newest = r.id.in_(_newest_report_ids(subject).scalar_subquery())
        implemented = conn.execute(
            select(func.count()).where(newest, r.complete.is_(True), r.uscc.in_(ordered_q))
        ).scalar_one()
        lacking_q = select(r.uscc, r["items"]).where(
            newest, r.complete.is_(False), r.uscc.in_(ordered_q)
        )
        lacking_n = conn.execute(
            select(func.count()).select_from(lacking_q.subquery())
        ).scalar_one()
        lacking = dict(conn.execute(lacking_q.order_by(r.uscc).limit(listed)).all())
    wanted = set(overdue) | set(failed) | set(lacking)
    firms: dict[str, dict[str, Any]] = {}
    if wanted:
        with engine.connect() as conn:
            firms = {e["uscc"]: e for e in _entries(conn, subject, wanted)}

    def firm(u: str, detail: str = "") -> Firm:
        e = firms.get(u, {})
        return Firm(
            u,
            e.get("name", ""),
            e.get("county", ""),
            e.get("contact", ""),
            e.get("phone", ""),
            detail,
        )

    return ReceiptSummary(
        **head,
        document_number=document,
        deadline=deadline,
        orders=int(orders),
        sent=int(sent),
        delivered=int(confirmed),
        acknowledged=int(acknowledged),
        implemented=int(implemented),
        overdue=[firm(u) for u in overdue],
        undelivered=[firm(u, failed[u] or "") for u in failed],
        not_implemented=[
            firm(u, "；".join(f"{i['line']}未落实" for i in items if not i["done"]))
            for u, items in lacking.items()
        ],
        overdue_count=int(overdue_n),
        undelivered_count=int(undelivered),
        not_implemented_count=int(lacking_n),
    )


# --- per enterprise --------------------------------------------------------------------------

_STATUS_RANK = {"delivered": 5, "sent": 4, "sending": 3, "pending": 2, "failed": 1, "dead": 0}
STATES = {
    "unsigned": "未签收",
    "signed": "已签收",
    "implemented": "已落实",
    "failed": "投递失败",
}


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """One enterprise's order of a revision: how far its delivery got and what it answered."""

    uscc: str
    name: str
    county: str
    delivery: str  # the best status over its deliveries (delivered … dead, "" if none)
    channels: tuple[str, ...]
    error: str
    acknowledged_at: dt.datetime | None
    signer: str
    implemented: bool | None  # None: no report yet

    @property
    def state(self) -> str:
        if self.implemented:
            return "implemented"
        if self.acknowledged_at is not None:
            return "signed"
        if self.delivery in ("dead", "failed", ""):
            return "failed"
        return "unsigned"


_RANKED = {rank: status for status, rank in _STATUS_RANK.items()}


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: list[OrderStatus]
    total: int  # matching the filters
    counties: list[str]  # every county the subject's orders went to


def order_page(
    engine: Engine,
    subject: Subject,
    *,
    state: str = "",
    county: str = "",
    offset: int = 0,
    limit: int = 100,
) -> OrderPage:
    """A page of the subject's orders by county, name and USCC, filtered by state and county,
    computed in SQL: one grouped pass over the subject's order deliveries, joined with
    the acknowledgements and each enterprise's newest report; only the page's rows are built."""
    d, a, r = deliveries.c, acknowledgements.c, implementation_reports.c
    rank = case(_STATUS_RANK, value=d.status, else_=-1)
    firms = (
        select(
            d.recipient.label("uscc"),
            func.max(d.recipient_name).label("name"),
            func.max(d.county).label("county"),
            func.max(rank).label("best"),
        )
        .where(subject.of(deliveries), d.kind == "order")
        .group_by(d.recipient)
        .subquery()
    )
    reports = (
        select(r.uscc, r.complete)
        .where(r.id.in_(_newest_report_ids(subject).scalar_subquery()))
        .subquery()
    )
    acks = (
        select(a.uscc, a.acknowledged_at, a.signer).where(subject.of(acknowledgements)).subquery()
    )
    computed = case(
        (reports.c.complete.is_(True), "implemented"),
        (acks.c.uscc.is_not(None), "signed"),
        (firms.c.best <= _STATUS_RANK["failed"], "failed"),
        else_="unsigned",
    )
    joined = firms.outerjoin(acks, acks.c.uscc == firms.c.uscc).outerjoin(
        reports, reports.c.uscc == firms.c.uscc
    )
    where = []
    if state:
        where.append(computed == state)
    if county:
        where.append(firms.c.county == county)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
        page = conn.execute(
            select(
                firms.c.uscc,
                firms.c.name,
                firms.c.county,
                firms.c.best,
                acks.c.acknowledged_at,
                acks.c.signer,
                reports.c.complete,
            )
            .select_from(joined)
            .where(*where)
            .order_by(firms.c.county, firms.c.name, firms.c.uscc)
            .offset(offset)
            .limit(limit)
        ).all()
        counties = sorted(
            conn.execute(
                select(d.county).distinct().where(subject.of(deliveries), d.kind == "order")
            ).scalars()
        )
        usccs = [p.uscc for p in page]
        channels: dict[str, list[str]] = {u: [] for u in usccs}
        errors: dict[str, str] = {}
        if usccs:
            for uscc, channel, error in conn.execute(
                select(d.recipient, d.channel, d.last_error)
                .where(subject.of(deliveries), d.kind == "order", d.recipient.in_(usccs))
                .order_by(d.id)
            ):
                if channel and channel not in channels[uscc]:
                    channels[uscc].append(channel)
                if error:
                    errors[uscc] = error
    rows = []
    for p in page:
        delivery = _RANKED.get(p.best, "")
        rows.append(
            OrderStatus(
                uscc=p.uscc,
                name=p.name,
                county=p.county,
                delivery=delivery,
                channels=tuple(channels[p.uscc]),
                error=errors.get(p.uscc, "") if delivery in ("failed", "dead") else "",
                acknowledged_at=p.acknowledged_at,
                signer=p.signer or "",
                implemented=None if p.complete is None else bool(p.complete),
            )
        )
    return OrderPage(rows, int(total), counties)
