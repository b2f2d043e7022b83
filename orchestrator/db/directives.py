"""The province's 调度令, the cities they are forwarded to and the cities' report-backs (the
province's database), and the orders a city received (the city's database): the
``DirectiveStore`` port."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.alerts.model import AlertLevel
from orchestrator.db.bulk import duplicate, upsert
from orchestrator.db.tables import (
    directive_cities,
    directive_reports,
    directives,
    lift_requests,
    received_directives,
)
from orchestrator.region.directives import (
    CityReport,
    Directive,
    DirectiveOrder,
    DirectiveRefused,
    DirectiveStatus,
    Forwarding,
    LiftRequest,
    Received,
    ReportKind,
    Scope,
)


def _directive(row: Any) -> Directive:
    return Directive(
        id=row.id,
        title=row.title,
        scope=Scope(tuple(row.cities), tuple(row.counties)),
        level=AlertLevel(row.level),
        start=row.start_at,
        end=row.end_at,
        measures=tuple(row.measures),
        reason=row.reason,
        report_within_hours=row.report_within_hours,
        daily_report_by=dt.time.fromisoformat(row.daily_report_by),
        status=DirectiveStatus(row.status),
        drafted_by=row.drafted_by,
        approved_by=row.approved_by,
        number=row.number,
        issued_at=row.issued_at,
        lifted_at=row.lifted_at,
        lift_reason=row.lift_reason,
        lift_number=row.lift_number or "",
    )


def _report(row: Any) -> CityReport:
    return CityReport(
        ref=row.directive_id,
        city=row.city,
        kind=ReportKind(row.kind),
        day=dt.date.fromisoformat(row.day) if row.day else None,
        body=row.body,
        reported_at=row.reported_at,
    )


def _received(row: Any) -> Received:
    return Received(
        order=DirectiveOrder.from_json(row.body),
        received_at=row.received_at,
        hint_id=row.hint_id,
        alert_id=row.alert_id,
        note=row.note,
        lifted_at=row.lifted_at,
        lift_reason=row.lift_reason,
        chased_at=row.chased_at,
        lift_requested_at=row.lift_requested_at,
        lift_request=row.lift_request,
        told_at=row.told_at,
    )


class DirectiveStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- the province's side -----------------------------------------------------------------

    def add(self, d: Directive, *, province: str, created_at: dt.datetime) -> int:
        return int(
            self.conn.execute(
                insert(directives).values(
                    province=province,
                    title=d.title,
                    cities=list(d.scope.cities),
                    counties=list(d.scope.counties),
                    level=d.level.value,
                    start_at=d.start,
                    end_at=d.end,
                    measures=list(d.measures),
                    reason=d.reason,
                    report_within_hours=d.report_within_hours,
                    daily_report_by=d.daily_report_by.strftime("%H:%M"),
                    status=d.status.value,
                    drafted_by=d.drafted_by,
                    approved_by="",
                    number="",
                    created_at=created_at,
                    lift_reason="",
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )

    def get(self, directive_id: int, *, province: str, lock: bool = False) -> Directive | None:
        c = directives.c
        query = select(directives).where(c.id == directive_id, c.province == province)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _directive(row) if row is not None else None

    def all(self, *, province: str) -> list[Directive]:
        c = directives.c
        rows = self.conn.execute(
            select(directives).where(c.province == province).order_by(c.id.desc())
        )
        return [_directive(r) for r in rows]

    def next_seq(self, *, province: str, year: int) -> int:
        """The next number of the year: orders and lifting notices share one sequence. The
        province's orders are locked first, so that two numbers are never given at once."""
        c = directives.c
        self.conn.execute(select(c.id).where(c.province == province).with_for_update()).all()
        top = self.conn.execute(
            select(func.max(c.seq)).where(c.province == province, c.year == year)
        ).scalar()
        lifts = self.conn.execute(
            select(func.max(c.lift_seq)).where(c.province == province, c.lift_year == year)
        ).scalar()
        return max(int(top or 0), int(lifts or 0)) + 1

    def save(
        self, d: Directive, *, year: int | None = None, seq: int | None = None, lift: bool = False
    ) -> None:
        """The directive's state after an action (its number, or its lifting notice's when
        ``lift``, with ``year`` and ``seq``)."""
        values: dict[str, Any] = {
            "status": d.status.value,
            "approved_by": d.approved_by,
            "number": d.number,
            "issued_at": d.issued_at,
            "lifted_at": d.lifted_at,
            "lift_reason": d.lift_reason,
            "lift_number": d.lift_number or None,
        }
        if seq is not None and lift:
            values.update(lift_year=year, lift_seq=seq)
        elif seq is not None:
            values.update(year=year, seq=seq)
        self.conn.execute(update(directives).where(directives.c.id == d.id).values(values))

    def bind(self, directive_id: int, cities: tuple[str, ...]) -> None:
        """The cities an issued order goes to (each once)."""
        for city in cities:
            upsert(
                self.conn,
                directive_cities,
                {"directive_id": directive_id, "city": city},
                keys=("directive_id", "city"),
                update=(),
            )

    def forwardings(self, directive_id: int | None = None) -> list[Forwarding]:
        c = directive_cities.c
        query = select(directive_cities).order_by(c.directive_id, c.city)
        if directive_id is not None:
            query = query.where(c.directive_id == directive_id)
        return [
            Forwarding(
                ref=r.directive_id,
                city=r.city,
                forwarded_at=r.forwarded_at,
                lift_forwarded_at=r.lift_forwarded_at,
                chased_at=r.chased_at,
            )
            for r in self.conn.execute(query)
        ]

    def forwarded(self, directive_id: int, city: str, *, at: dt.datetime, lift: bool) -> None:
        c = directive_cities.c
        column = "lift_forwarded_at" if lift else "forwarded_at"
        self.conn.execute(
            update(directive_cities)
            .where(c.directive_id == directive_id, c.city == city, c[column].is_(None))
            .values({column: at})
        )

    def chased(self, directive_id: int, city: str, *, at: dt.datetime) -> None:
        c = directive_cities.c
        self.conn.execute(
            update(directive_cities)
            .where(c.directive_id == directive_id, c.city == city)
            .values(chased_at=at)
        )

    def put_report(self, report: CityReport) -> None:
        """A city's report-back; a later one of the same kind and day replaces it."""
        upsert(
            self.conn,
            directive_reports,
            {
                "directive_id": report.ref,
                "city": report.city,
                "kind": report.kind.value,
                "day": report.day.isoformat() if report.day else "",
                "body": dict(report.body),
                "reported_at": report.reported_at,
            },
            keys=("directive_id", "city", "kind", "day"),
            update=("body", "reported_at"),
        )

    def reports(self, directive_id: int) -> list[CityReport]:
        c = directive_reports.c
        rows = self.conn.execute(
            select(directive_reports)
            .where(c.directive_id == directive_id)
            .order_by(c.city, c.kind, c.day)
        )
        return [_report(r) for r in rows]

    # --- a city's side -----------------------------------------------------------------------

    def receive(self, order: DirectiveOrder, *, received_at: dt.datetime, note: str = "") -> bool:
        """Record an order the province sent; False if it was received already."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(received_directives).values(
                        province=order.province,
                        ref=order.ref,
                        number=order.number,
                        body=order.to_json(),
                        received_at=received_at,
                        note=note,
                        lift_reason="",
                        lift_request="",
                    )
                )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            return False
        return True

    def drafted(
        self, province: str, ref: int, *, hint_id: int | None, alert_id: int | None, note: str
    ) -> None:
        c = received_directives.c
        self.conn.execute(
            update(received_directives)
            .where(c.province == province, c.ref == ref)
            .values(hint_id=hint_id, alert_id=alert_id, note=note)
        )

    def received(self) -> list[Received]:
        c = received_directives.c
        return [
            _received(r)
            for r in self.conn.execute(select(received_directives).order_by(c.id.desc()))
        ]

    def received_one(self, province: str, ref: int) -> Received | None:
        c = received_directives.c
        row = self.conn.execute(
            select(received_directives).where(c.province == province, c.ref == ref)
        ).first()
        return _received(row) if row is not None else None

    def mark(self, province: str, ref: int, **values: Any) -> bool:
        """Set ``lifted_at``/``lift_reason``, ``chased_at`` or the lift request; False when
        the order is unknown or (``lifted_at``) lifted already."""
        c = received_directives.c
        query = update(received_directives).where(c.province == province, c.ref == ref)
        if "lifted_at" in values:
            query = query.where(c.lifted_at.is_(None))
        return bool(self.conn.execute(query.values(values)).rowcount)

    def add_request(
        self,
        province: str,
        ref: int,
        *,
        year: int,
        numbering: Callable[[int], str],
        reason: str,
        by: str,
        at: dt.datetime,
    ) -> LiftRequest:
        c = lift_requests.c
        for _ in range(5):
            seq = (
                self.conn.execute(select(func.max(c.seq)).where(c.year == year)).scalar() or 0
            ) + 1
            made = LiftRequest(
                province=province,
                ref=ref,
                number=numbering(seq),
                reason=reason,
                requested_by=by,
                requested_at=at,
            )
            try:
                with self.conn.begin_nested():
                    self.conn.execute(
                        insert(lift_requests).values(
                            province=province,
                            ref=ref,
                            year=year,
                            seq=seq,
                            number=made.number,
                            reason=reason,
                            requested_by=by,
                            requested_at=at,
                        )
                    )
            except IntegrityError as exc:
                if not duplicate(exc):
                    raise
                continue  # another request took that number a moment ago: take the next
            return made
        raise DirectiveRefused("请示文号分配冲突，请重试")

    def requests(self, province: str, ref: int) -> list[LiftRequest]:
        c = lift_requests.c
        return [
            LiftRequest(
                province=r.province,
                ref=r.ref,
                number=r.number,
                reason=r.reason,
                requested_by=r.requested_by,
                requested_at=r.requested_at,
            )
            for r in self.conn.execute(
                select(lift_requests)
                .where(c.province == province, c.ref == ref)
                .order_by(c.year, c.seq)
            )
        ]

    def claim_telling(
        self, province: str, ref: int, *, now: dt.datetime, lease: dt.timedelta
    ) -> bool:
        """Take the telling of an order's duty officers: True for exactly one of two processes
        (none while another's lease runs, none once told)."""
        c = received_directives.c
        query = (
            update(received_directives)
            .where(
                c.province == province,
                c.ref == ref,
                c.told_at.is_(None),
                or_(c.telling_at.is_(None), c.telling_at < now - lease),
            )
            .values(telling_at=now)
        )
        return bool(self.conn.execute(query).rowcount)
