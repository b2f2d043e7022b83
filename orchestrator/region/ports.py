"""What the province's office and a city's directive desk need from outside: the store of
调度令, the city's desks the province hands orders to, the province's inbox a city reports to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from orchestrator.region.directives import (
    CityReport,
    Directive,
    DirectiveOrder,
    Forwarding,
    LiftRequest,
    Received,
)
from orchestrator.region.federation import Seen, Signed, Verdict
from orchestrator.response.ports import ResponseUnitOfWork


class DirectiveStore(Protocol):
    def add(self, d: Directive, *, province: str, created_at: dt.datetime) -> int: ...

    def get(self, directive_id: int, *, province: str, lock: bool = False) -> Directive | None: ...

    def all(self, *, province: str) -> list[Directive]: ...

    def next_seq(self, *, province: str, year: int) -> int: ...

    def save(
        self, d: Directive, *, year: int | None = None, seq: int | None = None, lift: bool = False
    ) -> None: ...

    def bind(self, directive_id: int, cities: tuple[str, ...]) -> None: ...

    def forwardings(self, directive_id: int | None = None) -> list[Forwarding]: ...

    def forwarded(self, directive_id: int, city: str, *, at: dt.datetime, lift: bool) -> None: ...

    def chased(self, directive_id: int, city: str, *, at: dt.datetime) -> None: ...

    def put_report(self, report: CityReport) -> None: ...

    def reports(self, directive_id: int) -> list[CityReport]: ...

    def receive(self, order: DirectiveOrder, *, received_at: dt.datetime, note: str = "") -> bool:
        """Record an order a city received; False if it was already."""
        ...

    def drafted(
        self, province: str, ref: int, *, hint_id: int | None, alert_id: int | None, note: str
    ) -> None: ...

    def received(self) -> list[Received]: ...

    def received_one(self, province: str, ref: int) -> Received | None: ...

    def mark(self, province: str, ref: int, **values: Any) -> bool: ...

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
        """Record a request to lift, numbered the next in ``year`` (``numbering`` of its seq)."""
        ...

    def requests(self, province: str, ref: int) -> list[LiftRequest]:
        """The city's requests to lift the order, oldest first."""
        ...

    def claim_telling(
        self, province: str, ref: int, *, now: dt.datetime, lease: dt.timedelta
    ) -> bool: ...


class FederationStore(Protocol):
    """The log of signed messages judged, and the outbox of those still to send."""

    def applied(self, subject: str) -> list[Seen]: ...

    def log(
        self,
        *,
        source: str,
        subject: str,
        sent: dt.datetime,
        digest: str,
        verdict: Verdict,
        at: dt.datetime,
    ) -> bool: ...

    def enqueue(self, key: str, message: Signed, *, now: dt.datetime) -> None: ...

    def claim(
        self, *, now: dt.datetime, lease: dt.datetime, limit: int
    ) -> list[tuple[int, Signed, int]]: ...

    def sent(self, message_id: int, *, at: dt.datetime) -> None: ...

    def failed(self, message_id: int, *, error: str, retry_at: dt.datetime) -> None: ...

    def pending(self) -> list[dict[str, Any]]: ...


class DirectiveUnitOfWork(ResponseUnitOfWork, Protocol):
    @property
    def directives(self) -> DirectiveStore: ...

    @property
    def federation(self) -> FederationStore: ...


class Signing(Protocol):
    """Signs as this installation (the province's or the city's key)."""

    @property
    def code(self) -> str: ...

    def sign(self, data: bytes) -> str: ...


class Checking(Protocol):
    """Checks what one other installation signed."""

    @property
    def code(self) -> str: ...

    def verify(self, data: bytes, signature: str) -> bool: ...


class ProvinceLink(Protocol):
    """A city's own installation's line to its province's (over HTTPS, with the city's token)."""

    def feed(self) -> list[Signed]:
        """The signed CAP messages of every order binding the city."""
        ...

    def acknowledge(self, ref: int, *, lift: bool) -> None: ...

    def send(self, message: Signed) -> None:
        """Deliver a signed report-back; raises when it did not arrive (it is retried)."""
        ...


class CityDesk(Protocol):
    """Where the province hands a city its orders: the city's desk on this installation, or
    the city's own installation over the network."""

    def receive(self, order: DirectiveOrder, *, now: dt.datetime, tell: bool = True) -> Received:
        """Record the order once; with ``tell``, tell the city's duty officers at once (else
        :meth:`tell_pending` does, later)."""
        ...

    def tell_pending(self, now: dt.datetime) -> int: ...

    def lifted(self, province: str, ref: int, *, at: dt.datetime, reason: str) -> None: ...

    def chased(
        self, province: str, ref: int, *, at: dt.datetime, owed: tuple[str, ...]
    ) -> None: ...


class ProvinceInbox(Protocol):
    """Where a city's report-backs go: the province's office on this installation, or the
    province's installation over the network."""

    def report(self, report: CityReport) -> None: ...
