"""The 调度令 between a province's installation and a city's own, as use cases on each side.

The province (:class:`ProvinceExchange`) offers each city the signed CAP messages of the orders
binding it, learns which the city applied (its acknowledgement marks the order handed over),
and takes the city's signed report-backs. The city (:class:`CityExchange`) fetches and applies
its orders — receive, lift — and queues its report-backs, signed, in its outbox, sending them
with retries until the province has them. Whatever arrives is judged the same way on both sides
(:func:`~orchestrator.region.federation.judge`): applied exactly once; a duplicate has no
effect; a tampered, replayed or out-of-order message is refused and written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.errors import Conflict, InputInvalid, NotFound, OrchestratorError
from orchestrator.region.config import ProvinceOffice
from orchestrator.region.directives import (
    CityReport,
    DirectiveOrder,
    DirectiveStatus,
    Received,
    order_for,
)
from orchestrator.region.federation import (
    FeedEntry,
    Signed,
    Verdict,
    digest,
    judge,
    order_cap,
    read_cap,
    read_report,
    report_bytes,
    report_subject,
)
from orchestrator.region.model import RegionTree
from orchestrator.region.ports import (
    Checking,
    DirectiveUnitOfWork,
    ProvinceLink,
    Signing,
)
from orchestrator.region.service import DirectiveDesk

log = logging.getLogger(__name__)

#: A report-back not delivered is tried again after 1, 2, 4 … minutes, at most this often.
MAX_BACKOFF = dt.timedelta(hours=1)
#: How long a sender holds the messages it took (another sender leaves them meanwhile).
LEASE = dt.timedelta(minutes=2)


class Refused(InputInvalid):
    """A signed message refused: tampered with, replayed, or out of order (400/409)."""


class Stale(Conflict):
    """A message older than one already applied for its subject (409)."""


def _refused(
    uow: DirectiveUnitOfWork,
    *,
    source: str,
    subject: str,
    sent: dt.datetime,
    data: bytes,
    verdict: Verdict,
    now: dt.datetime,
) -> None:
    uow.federation.log(
        source=source, subject=subject, sent=sent, digest=digest(data), verdict=verdict, at=now
    )
    uow.audit.record(
        AuditEntry(
            at=now,
            actor=source,
            action=AuditAction.FEDERATION_REFUSED,
            reason=verdict.label,
            detail={"subject": subject, "sent": sent.isoformat(), "digest": digest(data)},
        )
    )
    log.warning("拒收%s的消息（%s）：%s", source, subject, verdict.label)


class Pending(InputInvalid):
    """An order waits for a city running its own installation to fetch it."""


@dataclass(frozen=True, slots=True)
class AwaitingPull:
    """The desk of a city running its own installation, as the province's office hands orders
    to it: nothing is pushed; the order waits in the city's feed until the city fetches and
    acknowledges it (then it counts as handed over), and the city reads a chase from its board."""

    name: str

    def receive(self, order: DirectiveOrder, *, now: dt.datetime, tell: bool = True) -> Received:
        raise Pending(f"{self.name}运行独立系统，待其拉取调度令")

    def tell_pending(self, now: dt.datetime) -> int:
        return 0  # its own installation tells its duty officers when it fetches the order

    def lifted(self, province: str, ref: int, *, at: dt.datetime, reason: str) -> None:
        raise Pending(f"{self.name}运行独立系统，待其拉取解除消息")

    def chased(self, province: str, ref: int, *, at: dt.datetime, owed: tuple[str, ...]) -> None:
        return None  # recorded at the province; the city's officers see it there


class ProvinceExchange:
    """The province's side (on the province's database)."""

    def __init__(
        self,
        uow: Callable[[], DirectiveUnitOfWork],
        *,
        office: ProvinceOffice,
        tree: RegionTree,
        signer: Signing,
        checkers: Mapping[str, Checking],
    ) -> None:
        self.uow, self.office, self.tree = uow, office, tree
        self.signer, self.checkers = signer, checkers
        self.province = tree.root.code

    def _federated(self, city: str) -> None:
        if city not in self.office.federated:
            raise NotFound(f"{city}不是运行独立系统的市，没有调度令消息")

    def feed(self, city: str) -> list[Signed]:
        """The signed CAP message of every order issued to ``city`` (a lifted one as its
        cancellation), oldest first."""
        self._federated(city)
        region = self.tree.get(city)
        names = {r.code: r.name for r in self.tree.counties(city)}
        out: list[Signed] = []
        with self.uow() as uow:
            orders = uow.directives.all(province=self.province)
        for d in sorted(orders, key=lambda d: d.id):
            if city not in d.scope.cities or d.status not in (
                DirectiveStatus.ISSUED,
                DirectiveStatus.LIFTED,
            ):
                continue
            order = order_for(d, self.tree, city, self.office.issuer)
            sent = d.lifted_at or order.issued_at
            entry = FeedEntry(order, sent, d.lifted_at, d.lift_reason)
            data = order_cap(
                entry,
                sender=self.office.issuer_code,
                city=city,
                city_name=region.name if region else city,
                county_names=names,
            )
            out.append(Signed(data, self.signer.sign(data)))
        return out

    def acknowledged(self, city: str, ref: int, *, lift: bool, now: dt.datetime) -> None:
        """The city applied the order (or its lifting): it is handed over."""
        self._federated(city)
        with self.uow() as uow:
            found = [f for f in uow.directives.forwardings(ref) if f.city == city]
            if not found:
                raise NotFound(f"调度令{ref}不涉及{city}")
            f = found[0]
            if f.forwarded_at is None:  # a lifting applied first implies the order's receipt
                uow.directives.forwarded(ref, city, at=now, lift=False)
            if lift and f.lift_forwarded_at is None:
                uow.directives.forwarded(ref, city, at=now, lift=True)
            uow.commit()

    def take_report(self, city: str, message: Signed, *, now: dt.datetime) -> Verdict:
        """A city's signed report-back: applied once; a duplicate changes nothing; a tampered,
        replayed or out-of-order one is refused (:class:`Refused`, :class:`Stale`)."""
        self._federated(city)
        checker = self.checkers.get(city)
        if checker is None:
            raise NotFound(f"未配置{city}的公钥（config/federation/{city}.pub）")
        if not checker.verify(message.data, message.signature):
            with self.uow() as uow:
                _refused(
                    uow,
                    source=city,
                    subject=f"{city}:?",
                    sent=now,
                    data=message.data,
                    verdict=Verdict.TAMPERED,
                    now=now,
                )
                uow.commit()
            raise Refused(Verdict.TAMPERED.label)
        province, report = read_report(message.data)
        if province != self.province or report.city != city:
            raise Refused(f"上报不属于本省或不属于{city}")
        subject = report_subject(province, report)
        with self.uow() as uow:
            d = uow.directives.get(report.ref, province=self.province)
            if d is None or city not in d.scope.cities:
                raise NotFound(f"调度令{report.ref}不涉及{city}")
            verdict = judge(message.data, report.reported_at, uow.federation.applied(subject))
            if verdict is Verdict.STALE:
                _refused(
                    uow,
                    source=city,
                    subject=subject,
                    sent=report.reported_at,
                    data=message.data,
                    verdict=verdict,
                    now=now,
                )
                uow.commit()
                raise Stale(verdict.label)
            if verdict is Verdict.NEW and uow.federation.log(
                source=city,
                subject=subject,
                sent=report.reported_at,
                digest=digest(message.data),
                verdict=verdict,
                at=now,
            ):
                uow.directives.put_report(report)
            uow.commit()
        return verdict


@dataclass(frozen=True, slots=True)
class Pulled:
    """What became of one message of the feed."""

    subject: str
    verdict: Verdict
    note: str


@dataclass(frozen=True, slots=True)
class Pushed:
    sent: int
    failed: int


class CityExchange:
    """A city's own installation's side (on the city's database): its orders fetched and
    applied, its report-backs queued and sent; it is the city's :class:`ProvinceInbox`."""

    def __init__(
        self,
        uow: Callable[[], DirectiveUnitOfWork],
        *,
        province: str,
        city: str,
        desk: Callable[[], DirectiveDesk],
        link: ProvinceLink,
        checker: Checking,
        signer: Signing,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.uow, self.province, self.city = uow, province, city
        self.desk, self.link, self.checker, self.signer = desk, link, checker, signer
        self.clock = clock

    def pull(self, now: dt.datetime) -> list[Pulled]:
        """Fetch the feed and apply each message once, in the order sent."""
        out: list[Pulled] = []
        messages = self.link.feed()
        entries: list[tuple[FeedEntry, Signed]] = []
        for m in messages:
            if not self.checker.verify(m.data, m.signature):
                with self.uow() as uow:
                    _refused(
                        uow,
                        source=self.province,
                        subject=f"{self.province}:?",
                        sent=now,
                        data=m.data,
                        verdict=Verdict.TAMPERED,
                        now=now,
                    )
                    uow.commit()
                out.append(Pulled(f"{self.province}:?", Verdict.TAMPERED, Verdict.TAMPERED.label))
                continue
            entries.append((read_cap(m.data), m))
        for entry, m in sorted(entries, key=lambda e: e[0].sent):
            out.append(self._apply(entry, m, now))
        return out

    def _apply(self, entry: FeedEntry, m: Signed, now: dt.datetime) -> Pulled:
        order = entry.order
        subject = entry.subject
        if order.province != self.province:
            return Pulled(subject, Verdict.TAMPERED, "不是本省的调度令")
        with self.uow() as uow:
            verdict = judge(m.data, entry.sent, uow.federation.applied(subject))
            if verdict is Verdict.STALE:
                _refused(
                    uow,
                    source=self.province,
                    subject=subject,
                    sent=entry.sent,
                    data=m.data,
                    verdict=verdict,
                    now=now,
                )
                uow.commit()
                return Pulled(subject, verdict, verdict.label)
        if verdict is Verdict.NEW:
            # each step is itself once only: a crash between them is mended by the next pull
            desk = self.desk()
            got = desk.receive(order, now=now)
            note = got.note
            if entry.lifted_at is not None:
                desk.lifted(self.province, order.ref, at=entry.lifted_at, reason=entry.lift_reason)
                note = f"已解除：{entry.lift_reason}"
            with self.uow() as uow:
                uow.federation.log(
                    source=self.province,
                    subject=subject,
                    sent=entry.sent,
                    digest=digest(m.data),
                    verdict=verdict,
                    at=now,
                )
                uow.commit()
        else:
            note = verdict.label
        # told again on a duplicate: the province may have missed the first acknowledgement
        self.link.acknowledge(order.ref, lift=entry.lifted_at is not None)
        return Pulled(subject, verdict, note)

    # --- report-back -------------------------------------------------------------------------

    def report(self, report: CityReport) -> None:
        """Queue a report-back, signed, in the outbox (the :class:`ProvinceInbox` of a city's
        own installation); :meth:`push` sends it."""
        data = report_bytes(self.province, report)
        with self.uow() as uow:
            uow.federation.enqueue(
                report_subject(self.province, report),
                Signed(data, self.signer.sign(data)),
                now=self.clock(),
            )
            uow.commit()

    def pending(self) -> list[dict[str, Any]]:
        """The report-backs not yet delivered."""
        with self.uow() as uow:
            return uow.federation.pending()

    def push(self, now: dt.datetime, *, limit: int = 100) -> Pushed:
        """Send what the outbox holds due; what fails is tried again later (back-off)."""
        with self.uow() as uow:
            taken = uow.federation.claim(now=now, lease=now + LEASE, limit=limit)
            uow.commit()
        sent = failed = 0
        for message_id, message, attempts in taken:
            try:
                self.link.send(message)
            except OrchestratorError as exc:  # the province or the network is down: later again
                wait = min(dt.timedelta(minutes=2**attempts), MAX_BACKOFF)
                with self.uow() as uow:
                    uow.federation.failed(message_id, error=str(exc), retry_at=now + wait)
                    uow.commit()
                failed += 1
                continue
            with self.uow() as uow:
                uow.federation.sent(message_id, at=now)
                uow.commit()
            sent += 1
        return Pushed(sent, failed)
