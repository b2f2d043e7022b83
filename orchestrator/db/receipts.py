"""Acknowledgements, implementation reports and what the office reads of them (the
``ReceiptStore`` port): counted, filtered and paged in SQL, so that a 100,000-order alert is
summarised without loading its deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Select, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from orchestrator.db.bulk import duplicate, of
from orchestrator.db.tables import (
    acknowledgements,
    alert_revisions,
    control_round_entries,
    deliveries,
    implementation_reports,
    notices,
)
from orchestrator.delivery.model import (
    Counts,
    DeliveryStatus,
    MessageKind,
    OrderPage,
    OrderState,
    OrderStatus,
    Receipt,
    Subject,
)
from orchestrator.notices.model import NoticeKind

_STATUS_RANK = {s.value: s.rank for s in DeliveryStatus}
_RANKED = {s.rank: s for s in DeliveryStatus}
_ORDER = MessageKind.ORDER.value


def _newest_report_ids(subject: Subject) -> Any:
    """The id of each enterprise's newest implementation report on the subject (it counts)."""
    r = implementation_reports.c
    return select(func.max(r.id)).where(of(subject, implementation_reports)).group_by(r.uscc)


def _ordered(subject: Subject) -> Select[Any]:
    """The USCCs the subject's notices went to."""
    if subject.round_id is not None:
        return select(control_round_entries.c.uscc).where(
            control_round_entries.c.round_id == subject.round_id
        )
    return select(notices.c.uscc).where(
        notices.c.revision_id == subject.revision_id, notices.c.kind == NoticeKind.ORDER.value
    )


class ReceiptStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- one enterprise -------------------------------------------------------------------

    def receipt(self, subject: Subject, uscc: str) -> Receipt:
        ack = self.conn.execute(
            select(acknowledgements.c.acknowledged_at, acknowledgements.c.signer).where(
                of(subject, acknowledgements), acknowledgements.c.uscc == uscc
            )
        ).first()
        rep = self.conn.execute(
            select(
                implementation_reports.c.reported_at,
                implementation_reports.c["items"],
                implementation_reports.c.note,
            )
            .where(of(subject, implementation_reports), implementation_reports.c.uscc == uscc)
            .order_by(implementation_reports.c.id.desc())
            .limit(1)
        ).first()
        return Receipt(
            acknowledged_at=ack.acknowledged_at if ack else None,
            signer=ack.signer if ack else "",
            report=dict(rep._mapping) if rep else None,
        )

    def acknowledge(self, subject: Subject, uscc: str, *, at: dt.datetime, signer: str) -> bool:
        # no savepoint: the unit of work holds nothing else, and is not committed when this
        # fails (on PostgreSQL the transaction is then aborted; on SQLite a savepoint would take
        # the write lock a statement earlier and hold it two statements longer)
        try:
            self.conn.execute(
                acknowledgements.insert().values(
                    **subject.values(), uscc=uscc, acknowledged_at=at, signer=signer
                )
            )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            return False
        return True

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
        self.conn.execute(
            implementation_reports.insert().values(
                **subject.values(),
                uscc=uscc,
                reported_at=at,
                items=items,
                note=note,
                complete=complete,
            )
        )

    def unit_states(
        self, subject: Subject
    ) -> dict[str, tuple[str | None, dt.datetime | None, str]]:
        """Each unit sent a task notice of the subject: its best delivery status (None: not
        queued yet), when it signed and who."""
        d, a = deliveries.c, acknowledgements.c
        codes = list(
            self.conn.execute(
                select(notices.c.uscc).where(
                    notices.c.revision_id == subject.revision_id,
                    notices.c.kind == NoticeKind.TASK.value,
                )
            ).scalars()
        )
        statuses: dict[str, list[str]] = {}
        for code, status in self.conn.execute(
            select(d.recipient, d.status).where(
                of(subject, deliveries), d.kind == NoticeKind.TASK.value
            )
        ):
            statuses.setdefault(str(code), []).append(str(status))
        signed = {
            str(u): (at, str(by))
            for u, at, by in self.conn.execute(
                select(a.uscc, a.acknowledged_at, a.signer).where(
                    of(subject, acknowledgements), a.uscc.in_(codes)
                )
            )
        }
        out: dict[str, tuple[str | None, dt.datetime | None, str]] = {}
        for code in codes:
            best = max(statuses.get(code, []), key=lambda s: DeliveryStatus(s).rank, default=None)
            at, by = signed.get(code, (None, ""))
            out[code] = (best, at, by)
        return out

    def task_revisions(self, alert_id: int, code: str) -> list[int]:
        return self._revisions(alert_id, code, NoticeKind.TASK)

    def enterprise_revisions(self, alert_id: int, uscc: str) -> list[int]:
        return self._revisions(alert_id, uscc, NoticeKind.ORDER)

    def _revisions(self, alert_id: int, uscc: str, kind: NoticeKind) -> list[int]:
        r = alert_revisions.c
        return list(
            self.conn.execute(
                select(r.id)
                .join(notices, notices.c.revision_id == r.id)
                .where(
                    r.alert_id == alert_id,
                    r.document_number.is_not(None),
                    notices.c.kind == kind.value,
                    notices.c.uscc == uscc,
                )
                .order_by(r.number.desc())
            ).scalars()
        )

    # --- the office's counts --------------------------------------------------------------

    def counts(
        self, subject: Subject, *, now: dt.datetime, deadline: dt.datetime, listed: int | None
    ) -> Counts:
        conn = self.conn
        d = deliveries.c
        ordered = _ordered(subject)
        ordered_q = ordered.scalar_subquery()
        per_firm = (
            select(
                d.recipient.label("uscc"),
                func.max(
                    case(
                        (
                            d.status.in_(
                                (DeliveryStatus.SENT.value, DeliveryStatus.DELIVERED.value)
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ).label("reached"),
                func.max(case((d.status == DeliveryStatus.DELIVERED.value, 1), else_=0)).label(
                    "confirmed"
                ),
                func.min(case((d.status == DeliveryStatus.DEAD.value, 1), else_=0)).label("dead"),
                func.max(d.last_error).label("error"),
            )
            .where(of(subject, deliveries), d.kind == _ORDER)  # orders go to ordered firms only
            .group_by(d.recipient)
            .subquery()
        )
        a = acknowledgements.c
        acked = select(a.uscc).where(of(subject, acknowledgements))
        orders = conn.execute(select(func.count()).select_from(ordered.subquery())).scalar_one()
        sent, confirmed, undelivered = conn.execute(
            select(
                func.coalesce(func.sum(per_firm.c.reached), 0),
                func.coalesce(func.sum(per_firm.c.confirmed), 0),
                func.coalesce(func.sum(per_firm.c.dead), 0),
            )
        ).one()
        acknowledged = conn.execute(
            select(func.count()).where(of(subject, acknowledgements), a.uscc.in_(ordered_q))
        ).scalar_one()
        in_time = conn.execute(
            select(func.count()).where(
                of(subject, acknowledgements), a.acknowledged_at <= deadline, a.uscc.in_(ordered_q)
            )
        ).scalar_one()
        failed: dict[str, str] = {}
        if undelivered:
            failed = {
                str(u): str(e or "")
                for u, e in conn.execute(
                    select(per_firm.c.uscc, per_firm.c.error)
                    .where(per_firm.c.dead == 1)
                    .order_by(per_firm.c.uscc)
                    .limit(listed)
                )
            }
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
        return Counts(
            orders=int(orders),
            sent=int(sent),
            delivered=int(confirmed),
            acknowledged=int(acknowledged),
            acknowledged_in_time=int(in_time),
            implemented=int(implemented),
            undelivered=failed,
            undelivered_count=int(undelivered),
            overdue=overdue,
            overdue_count=int(overdue_n),
            lacking=lacking,
            lacking_count=int(lacking_n),
        )

    def order_page(
        self,
        subject: Subject,
        *,
        state: str,
        county: str,
        offset: int,
        limit: int,
        query: str = "",
    ) -> OrderPage:
        """One grouped pass over the subject's order deliveries, joined with the
        acknowledgements and each enterprise's newest report; only the page's rows are built."""
        d, a, r = deliveries.c, acknowledgements.c, implementation_reports.c
        rank = case(_STATUS_RANK, value=d.status, else_=-1)
        firms = (
            select(
                d.recipient.label("uscc"),
                func.max(d.recipient_name).label("name"),
                func.max(d.county).label("county"),
                func.max(rank).label("best"),
            )
            .where(of(subject, deliveries), d.kind == _ORDER)
            .group_by(d.recipient)
            .subquery()
        )
        reports = (
            select(r.uscc, r.complete)
            .where(r.id.in_(_newest_report_ids(subject).scalar_subquery()))
            .subquery()
        )
        acks = (
            select(a.uscc, a.acknowledged_at, a.signer)
            .where(of(subject, acknowledgements))
            .subquery()
        )
        computed = case(
            (reports.c.complete.is_(True), OrderState.IMPLEMENTED.value),
            (acks.c.uscc.is_not(None), OrderState.SIGNED.value),
            (firms.c.best <= DeliveryStatus.FAILED.rank, OrderState.FAILED.value),
            else_=OrderState.UNSIGNED.value,
        )
        joined = firms.outerjoin(acks, acks.c.uscc == firms.c.uscc).outerjoin(
            reports, reports.c.uscc == firms.c.uscc
        )
        where = []
        if state:
            where.append(computed == state)
        if county:
            where.append(firms.c.county == county)
        if query:  # a name's part or a USCC's beginning, wildcards taken literally
            escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(
                or_(
                    firms.c.name.like(f"%{escaped}%", escape="\\"),
                    firms.c.uscc.like(f"{escaped.upper()}%", escape="\\"),
                )
            )
        conn = self.conn
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
                select(d.county).distinct().where(of(subject, deliveries), d.kind == _ORDER)
            ).scalars()
        )
        usccs = [p.uscc for p in page]
        channels: dict[str, list[str]] = {u: [] for u in usccs}
        errors: dict[str, str] = {}
        if usccs:
            for uscc, channel, error in conn.execute(
                select(d.recipient, d.channel, d.last_error)
                .where(of(subject, deliveries), d.kind == _ORDER, d.recipient.in_(usccs))
                .order_by(d.id)
            ):
                if channel and channel not in channels[uscc]:
                    channels[uscc].append(channel)
                if error:
                    errors[uscc] = error
        rows = []
        for p in page:
            delivery = _RANKED.get(p.best)
            failing = delivery in (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
            rows.append(
                OrderStatus(
                    uscc=p.uscc,
                    name=p.name,
                    county=p.county,
                    delivery=delivery,
                    channels=tuple(channels[p.uscc]),
                    error=errors.get(p.uscc, "") if failing else "",
                    acknowledged_at=p.acknowledged_at,
                    signer=p.signer or "",
                    implemented=None if p.complete is None else bool(p.complete),
                )
            )
        return OrderPage(rows, int(total), counties)
