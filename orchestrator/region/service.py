"""The province's office and each city's directive desk: the 调度令 drafted, approved (four
eyes) and issued by the province, handed to every city it binds, received there (recorded as a
floor and the city's matching alert action drafted), reported back on, chased when late, and
lifted — by the province, or at a city's request."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from orchestrator.alerts.model import AlertLevel, RegionalHint
from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.daily.service import DailyDispatch
from orchestrator.delivery.receipts import Receipts
from orchestrator.errors import InputInvalid, NotFound, OrchestratorError
from orchestrator.region.config import ProvinceOffice
from orchestrator.region.directives import (
    Actor,
    CityReport,
    CityStanding,
    Directive,
    DirectiveAction,
    DirectiveOrder,
    DirectiveRefused,
    DirectiveStatus,
    LiftRequest,
    Received,
    ReportKind,
    Scope,
    act,
    order_for,
    overdue,
    problems,
)
from orchestrator.region.model import RegionTree
from orchestrator.region.ports import CityDesk, DirectiveUnitOfWork, ProvinceInbox
from orchestrator.response.model import Person, Role
from orchestrator.response.service import CommandOffice

log = logging.getLogger(__name__)

#: Who a city's desk drafts in the name of (a duty officer submits it; another approves).
DESK = Person(name="省级调度令自动起草", role=Role.DUTY_OFFICER)


@dataclass(frozen=True, slots=True)
class Forwarded:
    """What handing issued orders (or their lifting) to the cities did."""

    ref: int
    city: str
    lift: bool
    note: str  # what the city drafted, or why it could not be handed over (kept for a retry)
    done: bool


@dataclass(frozen=True, slots=True)
class Board:
    """One 调度令 and where each city it binds stands."""

    directive: Directive
    cities: tuple[CityStanding, ...]
    owed: Mapping[str, tuple[str, ...]]  # city code: what it owes now


class ProvincialOffice:
    """The province's use cases (on the province's database)."""

    def __init__(
        self,
        uow: Callable[[], DirectiveUnitOfWork],
        *,
        office: ProvinceOffice,
        tree: RegionTree,
        zone: ZoneInfo,
        desks: Callable[[str], CityDesk],
    ) -> None:
        self.uow, self.office, self.tree, self.zone = uow, office, tree, zone
        self.desks = desks
        self.province = tree.root.code

    # --- reading ------------------------------------------------------------------------------

    def directives(self) -> list[Directive]:
        with self.uow() as uow:
            return uow.directives.all(province=self.province)

    def directive(self, directive_id: int) -> Directive:
        with self.uow() as uow:
            found = uow.directives.get(directive_id, province=self.province)
        if found is None:
            raise NotFound(f"没有编号为{directive_id}的调度令")
        return found

    def board(self, directive_id: int, now: dt.datetime) -> Board:
        """The order and, city by city: received, alert issued and when, receipts, the newest
        daily report, a request to lift, and what it owes now."""
        with self.uow() as uow:
            d = uow.directives.get(directive_id, province=self.province)
            if d is None:
                raise NotFound(f"没有编号为{directive_id}的调度令")
            forwardings = {f.city: f for f in uow.directives.forwardings(directive_id)}
            reports = uow.directives.reports(directive_id)
        rows: list[CityStanding] = []
        owed: dict[str, tuple[str, ...]] = {}
        for city in d.scope.cities:
            mine = [r for r in reports if r.city == city]
            daily = [r for r in mine if r.kind is ReportKind.DAILY]
            f = forwardings.get(city)
            standing = CityStanding(
                city=city,
                name=self.city_name(city),
                forwarded_at=f.forwarded_at if f else None,
                start=next((r for r in mine if r.kind is ReportKind.START), None),
                daily=max(daily, key=lambda r: r.day or dt.date.min, default=None),
                lift_request=next((r for r in mine if r.kind is ReportKind.LIFT_REQUEST), None),
                chased_at=f.chased_at if f else None,
            )
            rows.append(standing)
            owed[city] = overdue(d, standing, now, self.zone)
        return Board(d, tuple(rows), owed)

    def city_name(self, code: str) -> str:
        region = self.tree.get(code)
        return region.name if region else code

    # --- the lifecycle ------------------------------------------------------------------------

    def draft(
        self,
        *,
        title: str,
        cities: Sequence[str],
        counties: Sequence[str] = (),
        level: AlertLevel,
        start: dt.datetime,
        end: dt.datetime,
        measures: Sequence[str] = (),
        reason: str,
        by: Actor,
        now: dt.datetime,
        report_within_hours: int | None = None,
        daily_report_by: dt.time | None = None,
    ) -> Directive:
        """A new 调度令 in draft; refused, naming every problem, when it is not sound."""
        d = Directive(
            id=0,
            title=title.strip(),
            scope=Scope(tuple(dict.fromkeys(cities)), tuple(dict.fromkeys(counties))),
            level=level,
            start=start,
            end=end,
            measures=tuple(m.strip() for m in measures if m.strip()),
            reason=reason.strip(),
            report_within_hours=report_within_hours or self.office.start_within_hours,
            daily_report_by=daily_report_by or self.office.daily_by,
            drafted_by=by.name,
        )
        found = problems(d, self.tree)
        if found:
            raise InputInvalid("调度令有误：" + "；".join(found))
        with self.uow() as uow:
            new_id = uow.directives.add(d, province=self.province, created_at=now)
            d = replace(d, id=new_id)
            self._audit(uow, d, "draft", by.name, now)
            uow.commit()
        return d

    def act(
        self,
        directive_id: int,
        action: DirectiveAction,
        *,
        by: Actor,
        now: dt.datetime,
        reason: str = "",
        tell: bool = True,
    ) -> Directive:
        """Take ``action`` on the order (four eyes: see :func:`act`); an issued order is handed
        to every city it binds, a lifted one's lifting too (:meth:`forward`); ``tell`` False:
        the cities' duty officers are told by the caller (:meth:`tell`) or their schedulers."""
        with self.uow() as uow:
            d = uow.directives.get(directive_id, province=self.province, lock=True)
            if d is None:
                raise NotFound(f"没有编号为{directive_id}的调度令")
            year = seq = None
            number = ""
            if action in (DirectiveAction.ISSUE, DirectiveAction.LIFT):
                year = now.astimezone(self.zone).year
                seq = uow.directives.next_seq(province=self.province, year=year)
                number = self.office.number_of(year, seq)
            after = act(d, action, by, now, number=number, reason=reason)
            uow.directives.save(after, year=year, seq=seq, lift=action is DirectiveAction.LIFT)
            if action is DirectiveAction.ISSUE:
                uow.directives.bind(after.id, after.scope.cities)
            self._audit(uow, after, action.value, by.name, now, reason)
            uow.commit()
        if action in (DirectiveAction.ISSUE, DirectiveAction.LIFT):
            self.forward(now, directive_id, tell=tell)
        return after

    def tell(self, now: dt.datetime, cities: Sequence[str]) -> None:
        """Tell the duty officers of ``cities`` of the orders they received and were not told
        of (a city that cannot be reached now is told by its own scheduler later)."""
        for city in cities:
            try:
                self.desks(city).tell_pending(now)
            except Exception:  # its channels or database: its scheduler tries again
                log.exception("未能通知%s值班人员", city)

    def forward(
        self, now: dt.datetime, directive_id: int | None = None, *, tell: bool = True
    ) -> list[Forwarded]:
        """Hand every issued order not yet handed over (and every lifting) to its cities. A
        city that cannot be reached keeps its order pending for the next round; a city receives
        an order once however often it is handed over. Every city gets its order before any
        duty officer is told of one (a slow channel delays no city's order); with ``tell``
        False, nobody is told here (the caller, or each city's scheduler, tells them)."""
        out: list[Forwarded] = []
        with self.uow() as uow:
            pending = [
                f
                for f in uow.directives.forwardings(directive_id)
                if f.forwarded_at is None or f.lift_forwarded_at is None
            ]
            refs = {f.ref for f in pending}
            orders = {d.id: d for d in uow.directives.all(province=self.province) if d.id in refs}
        for f in pending:
            d = orders.get(f.ref)
            if d is None:
                continue
            lift = f.forwarded_at is not None and d.status is DirectiveStatus.LIFTED
            if f.forwarded_at is not None and not lift:
                continue
            try:
                desk = self.desks(f.city)
                if lift:
                    assert d.lifted_at is not None
                    desk.lifted(self.province, d.id, at=d.lifted_at, reason=d.lift_reason)
                    note = "已送达解除"
                else:
                    order = order_for(d, self.tree, f.city, self.office.issuer)
                    got = desk.receive(order, now=now, tell=False)
                    note = got.note
            except OrchestratorError as exc:
                log.warning("调度令%s未能送达%s：%s", d.number, f.city, exc)
                out.append(Forwarded(d.id, f.city, lift, str(exc), False))
                continue
            except Exception as exc:  # the city's database (or link) is down: kept pending
                log.exception("调度令%s未能送达%s", d.number, f.city)
                note = f"{self.city_name(f.city)}暂时无法送达（{type(exc).__name__}），稍后再送"
                out.append(Forwarded(d.id, f.city, lift, note, False))
                continue
            with self.uow() as uow:
                uow.directives.forwarded(d.id, f.city, at=now, lift=lift)
                uow.commit()
            out.append(Forwarded(d.id, f.city, lift, note, True))
        if tell:
            self.tell(now, sorted({f.city for f in out if f.done and not f.lift}))
        return out

    # --- report-back and chasing ---------------------------------------------------------------

    def report(self, report: CityReport) -> None:
        """A city's report-back (the :class:`ProvinceInbox` of this installation's cities)."""
        with self.uow() as uow:
            d = uow.directives.get(report.ref, province=self.province)
            if d is None or report.city not in d.scope.cities:
                raise NotFound(f"调度令{report.ref}不涉及{self.city_name(report.city)}")
            uow.directives.put_report(report)
            uow.commit()

    def chase(self, now: dt.datetime) -> list[tuple[Directive, str, tuple[str, ...]]]:
        """Chase every city that owes a report on an order in force, once a day: the city's
        desk shows it. What was chased, by order and city."""
        out: list[tuple[Directive, str, tuple[str, ...]]] = []
        today = now.astimezone(self.zone).date()
        for d in self.directives():
            if d.status is not DirectiveStatus.ISSUED:
                continue
            board = self.board(d.id, now)
            for standing in board.cities:
                owed = board.owed[standing.city]
                chased = standing.chased_at
                if not owed or (chased and chased.astimezone(self.zone).date() == today):
                    continue
                try:
                    self.desks(standing.city).chased(self.province, d.id, at=now, owed=owed)
                except Exception:  # the city's database (or link) is down: chased next round
                    log.exception("未能督办%s", standing.city)
                    continue
                with self.uow() as uow:
                    uow.directives.chased(d.id, standing.city, at=now)
                    uow.commit()
                out.append((d, standing.city, owed))
        return out

    def _audit(
        self,
        uow: DirectiveUnitOfWork,
        d: Directive,
        action: str,
        actor: str,
        now: dt.datetime,
        reason: str = "",
    ) -> None:
        uow.audit.record(
            AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.DIRECTIVE,
                reason=reason,
                detail={"directive": d.id, "action": action, "number": d.number},
            )
        )


#: How long a process may take to tell the duty officers of an order before another may try
#: (a process that died while telling).
TELLING_LEASE = dt.timedelta(minutes=10)

#: How long after an order ends (or is lifted) its city still reports: the last day's roll-up.
REPORT_AFTER = dt.timedelta(days=1)


class DirectiveDesk:
    """A city's side of its province's 调度令 (on the city's database): receive an order —
    recorded with a floor (nothing lower may be issued in its window) and the matching alert
    action drafted —, report back, ask for an early lift, take the province's lifting."""

    def __init__(
        self,
        uow: Callable[[], DirectiveUnitOfWork],
        *,
        city: str,
        zone: ZoneInfo,
        command: CommandOffice,
        receipts: Receipts,
        daily: DailyDispatch,
        inbox: Callable[[], ProvinceInbox | None],
        tell: Callable[[str, str, str], bool] | None = None,
        counties: Mapping[str, str] | None = None,
    ) -> None:
        self.uow, self.city, self.zone = uow, city, zone
        self.command, self.receipts, self.daily, self.inbox = command, receipts, daily, inbox
        # the duty officers' channels: (key, subject, text) → every channel took it
        self.tell = tell
        self.counties = dict(counties or {})  # the city's counties: GB/T 2260 code → name

    def received(self) -> list[Received]:
        with self.uow() as uow:
            return uow.directives.received()

    def current(self, now: dt.datetime) -> list[Received]:
        """The orders received that still bind the city, or were over (lifted, or past their
        end) less than :data:`REPORT_AFTER` ago: what it reports on and shows."""
        return [r for r in self.received() if (r.lifted_at or r.order.end) + REPORT_AFTER >= now]

    def receive(self, order: DirectiveOrder, *, now: dt.datetime, tell: bool = True) -> Received:
        """Record ``order`` once (a repeat returns the first receipt) and, in the same
        transaction, register its floor and draft the city's matching alert action; with
        ``tell``, then tell the duty officers (else :meth:`tell_pending` does)."""
        named = tuple(self.counties.get(c, "") for c in order.counties)
        if not all(named):  # a county this city does not know: the order binds all of it
            named = ()
        with self.uow() as uow:
            if uow.directives.receive(order, received_at=now):
                hint = RegionalHint(
                    level=order.level,
                    start=order.start.astimezone(self.zone),
                    end=order.end.astimezone(self.zone),
                    issuer=order.issuer,
                    document=order.number,
                    area=order.title,
                    measures=order.measures,
                    counties=named,
                )
                try:
                    with uow.savepoint():
                        rec = self.command.hint_in(uow, hint, by=DESK, now=now)
                    hint_id: int | None = rec.hint_id
                    alert_id = rec.in_force
                    if rec.draft is not None:
                        alert_id = rec.draft.alert_id
                    note = rec.note
                except OrchestratorError as exc:  # an open change of the alert in force
                    hint_id = uow.alerts.add_hint(self.city, hint, recorded_at=now)
                    alert_id, note = None, f"未能自动起草：{exc}；请值班人员依令办理"
                uow.directives.drafted(
                    order.province, order.ref, hint_id=hint_id, alert_id=alert_id, note=note
                )
                uow.audit.record(
                    AuditEntry(
                        at=now,
                        actor=order.issuer,
                        action=AuditAction.DIRECTIVE_RECEIVED,
                        alert_id=alert_id,
                        reason=order.title,
                        detail={"number": order.number, "ref": order.ref, "note": note},
                    )
                )
            got = uow.directives.received_one(order.province, order.ref)
            uow.commit()
        assert got is not None
        if tell and got.told_at is None:
            self._tell(got, now)
        return got

    def _tell(self, got: Received, now: dt.datetime) -> None:
        """Tell the city's duty officers of an order received (its number, level, window, the
        measures it adds, what was drafted, what to report); recorded once every channel took
        it, else tried again (:meth:`tell_pending`). Claimed first (:data:`TELLING_LEASE`):
        of two processes telling at once, one sends."""
        if self.tell is None:
            return
        o = got.order
        with self.uow() as uow:
            claimed = uow.directives.claim_telling(o.province, o.ref, now=now, lease=TELLING_LEASE)
            uow.commit()
        if not claimed:
            return
        zone = self.zone
        window = f"{o.start.astimezone(zone):%m月%d日%H时}至{o.end.astimezone(zone):%m月%d日%H时}"
        lines = [
            f"{o.issuer}下达{o.number}《{o.title}》：{o.level.term}，{window}。",
            *([f"增加措施：{'；'.join(o.measures)}。"] if o.measures else []),
            got.note,
            f"请于下达后{o.report_within_hours}小时内报送启动情况，"
            f"每日{o.daily_report_by:%H:%M}前报送落实情况。",
        ]
        subject = f"省级调度令{o.number}（{o.level.term}）"
        told = self.tell(f"directive:{o.province}:{o.ref}", subject, "\n".join(lines))
        with self.uow() as uow:  # told, or free for the next try
            if told:
                uow.directives.mark(o.province, o.ref, told_at=now, telling_at=None)
            else:
                uow.directives.mark(o.province, o.ref, telling_at=None)
            uow.commit()

    def tell_pending(self, now: dt.datetime) -> int:
        """Tell the duty officers of every order still binding the city they were not told of
        (a channel was down): how many were tried."""
        pending = [
            r
            for r in self.received()
            if r.told_at is None and r.lifted_at is None and r.order.end > now
        ]
        for r in pending:
            self._tell(r, now)
        return len(pending)

    def lifted(self, province: str, ref: int, *, at: dt.datetime, reason: str) -> None:
        """The province lifted the order: its floor no longer binds (the city lifts its own
        alert by its own decision, which the order no longer prevents)."""
        with self.uow() as uow:
            got = uow.directives.received_one(province, ref)
            if got is None:
                raise NotFound(f"本市未收到调度令{ref}")
            if uow.directives.mark(province, ref, lifted_at=at, lift_reason=reason):
                if got.hint_id is not None:
                    uow.alerts.lift_hint(got.hint_id, at=at)
                uow.audit.record(
                    AuditEntry(
                        at=at,
                        actor=got.order.issuer,
                        action=AuditAction.DIRECTIVE_RECEIVED,
                        alert_id=got.alert_id,
                        reason=reason,
                        detail={"number": got.order.number, "ref": ref, "lifted": True},
                    )
                )
            uow.commit()

    def chased(self, province: str, ref: int, *, at: dt.datetime, owed: tuple[str, ...]) -> None:
        with self.uow() as uow:
            if not uow.directives.mark(province, ref, chased_at=at):
                raise NotFound(f"本市未收到调度令{ref}")
            uow.commit()

    def request_lift(
        self, province: str, ref: int, *, reason: str, by: Person, now: dt.datetime
    ) -> LiftRequest:
        """Ask the province to lift the order early (it decides): a 请示 numbered in the
        city's yearly sequence, signed by ``by``, recorded and reported at once."""
        if not reason.strip():
            raise InputInvalid("申请提前解除须说明理由（空气质量实况和预报）")
        office = self.command.office
        year = now.astimezone(self.zone).year
        with self.uow() as uow:
            got = uow.directives.received_one(province, ref)
            if got is None:
                raise NotFound(f"本市未收到调度令{ref}")
            if got.lifted_at is not None:
                raise DirectiveRefused(f"调度令{got.order.number}已解除")
            made = uow.directives.add_request(
                province,
                ref,
                year=year,
                numbering=lambda seq: office.request_number_of(year, seq),
                reason=reason.strip(),
                by=by.name,
                at=now,
            )
            uow.directives.mark(province, ref, lift_requested_at=now, lift_request=reason.strip())
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by.name,
                    action=AuditAction.DIRECTIVE_LIFT_REQUEST,
                    alert_id=got.alert_id,
                    reason=reason.strip(),
                    detail={"number": got.order.number, "ref": ref, "request": made.number},
                )
            )
            uow.commit()
        self._send(
            CityReport(
                ref=ref,
                city=self.city,
                kind=ReportKind.LIFT_REQUEST,
                day=None,
                body={"reason": made.reason, "by": by.name, "number": made.number},
                reported_at=now,
            )
        )
        return made

    def requests(self, province: str, ref: int) -> list[LiftRequest]:
        """The city's requests (请示) to lift the order early, oldest first."""
        with self.uow() as uow:
            return uow.directives.requests(province, ref)

    def received_order(self, province: str, ref: int) -> Received:
        with self.uow() as uow:
            got = uow.directives.received_one(province, ref)
        if got is None:
            raise NotFound(f"本市未收到调度令{ref}")
        return got

    def report(self, now: dt.datetime) -> list[CityReport]:
        """Report back on every order received: 启动情况 once the city's alert is issued
        (document number, time, orders sent and acknowledged), 落实情况 of each day the
        order runs (the day's roll-up) — each sent again when it changed, harmlessly. An order
        over (lifted, or past its end) for a day reports no more."""
        sent: list[CityReport] = []
        for got in self.current(now):
            order = got.order
            if got.alert_id is None:
                continue
            revisions = self.command.revisions(got.alert_id)
            issued = [v for v in revisions if v.state.issued_at is not None]
            if not issued:
                continue
            first, newest = issued[0], issued[-1]
            receipts = self.receipts.revision_summary(newest.revision_id, now=now, listed=0)
            start = CityReport(
                ref=order.ref,
                city=self.city,
                kind=ReportKind.START,
                day=None,
                body={
                    "alert_id": got.alert_id,
                    "document_number": first.document_number or "",
                    "issued_at": (first.state.issued_at or now).isoformat(),
                    "level": newest.state.level.value,
                    "newest": newest.document_number or "",
                    "orders": receipts.orders,
                    "sent": receipts.sent,
                    "acknowledged": receipts.acknowledged,
                    "overdue": receipts.overdue_count,
                },
                reported_at=now,
            )
            self._send(start)
            sent.append(start)
            for day in self.daily.days(got.alert_id, now):
                if day < order.start.astimezone(self.zone).date():
                    continue
                r = self.daily.roll_up(got.alert_id, day, now)
                daily = CityReport(
                    ref=order.ref,
                    city=self.city,
                    kind=ReportKind.DAILY,
                    day=day,
                    body={
                        "expected": r.city.expected,
                        "reported": r.city.reported,
                        "late": r.city.late,
                        "items": r.city.items,
                        "done": r.city.done,
                        "problems": len(r.problems),
                        "document_number": r.document_number,
                        "level": r.level,
                    },
                    reported_at=now,
                )
                self._send(daily)
                sent.append(daily)
        return sent

    def _send(self, report: CityReport) -> None:
        inbox = self.inbox()
        if inbox is None:
            raise InputInvalid("本系统未连接省级平台，无法上报")
        inbox.report(report)
