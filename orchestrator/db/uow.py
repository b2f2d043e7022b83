"""The unit of work: one connection, one transaction, every store bound to it; rolled back unless
committed. :class:`Database` opens them (it is what ``bootstrap`` hands each use case)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from orchestrator.db.accounts import AccountStore
from orchestrator.db.alerts import AlertStore
from orchestrator.db.audit import AuditStore
from orchestrator.db.beats import BeatStore
from orchestrator.db.checks import CheckStore
from orchestrator.db.consultations import ConsultationStore
from orchestrator.db.coverage import CoverageStore
from orchestrator.db.daily import DailyStore
from orchestrator.db.directives import DirectiveStore
from orchestrator.db.federation import FederationStore
from orchestrator.db.grades import GradeStore
from orchestrator.db.inspection import EvidenceStore
from orchestrator.db.lists import ListStore
from orchestrator.db.meters import MeterStore
from orchestrator.db.negotiations import NegotiationStore
from orchestrator.db.notices import NoticeStore
from orchestrator.db.outbox import OutboxStore
from orchestrator.db.plans import PlanStore
from orchestrator.db.receipts import ReceiptStore
from orchestrator.db.rounds import RoundStore
from orchestrator.db.runs import RunStore
from orchestrator.db.standing import StandingStore
from orchestrator.errors import Unavailable


def unavailable(exc: SQLAlchemyError) -> Unavailable:
    """A database failure the use case did not expect (unreachable, foreign schema), as an
    error an edge can show: its driver's first line."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).splitlines() or [type(orig).__name__]
    return Unavailable(f"数据库操作失败：{lines[0]}")


class UnitOfWork:
    """One transaction over every store. Leaving the ``with`` block without :meth:`commit`
    rolls it back; the connection goes back to the pool either way."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        try:
            self._conn = self.engine.connect()
            self._conn.begin()
        except SQLAlchemyError as exc:
            raise unavailable(exc) from exc
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        except SQLAlchemyError as failed:
            if exc is None:  # a failure of its own (the connection died): say so
                raise unavailable(failed) from failed
        finally:
            conn.close()
        if isinstance(exc, SQLAlchemyError):
            raise unavailable(exc) from exc

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its with block")
        return self._conn

    def commit(self) -> None:
        self.conn.commit()

    def savepoint(self) -> AbstractContextManager[object]:
        return self._savepoint()

    @contextmanager
    def _savepoint(self) -> Iterator[object]:
        with self.conn.begin_nested() as nested:
            yield nested

    @property
    def audit(self) -> AuditStore:
        return AuditStore(self.conn)

    @property
    def lists(self) -> ListStore:
        return ListStore(self.conn)

    @property
    def alerts(self) -> AlertStore:
        return AlertStore(self.conn)

    @property
    def plans(self) -> PlanStore:
        return PlanStore(self.conn)

    @property
    def notices(self) -> NoticeStore:
        return NoticeStore(self.conn)

    @property
    def outbox(self) -> OutboxStore:
        return OutboxStore(self.conn)

    @property
    def receipts(self) -> ReceiptStore:
        return ReceiptStore(self.conn)

    @property
    def consultations(self) -> ConsultationStore:
        return ConsultationStore(self.conn)

    @property
    def rounds(self) -> RoundStore:
        return RoundStore(self.conn)

    @property
    def accounts(self) -> AccountStore:
        return AccountStore(self.conn)

    @property
    def runs(self) -> RunStore:
        return RunStore(self.conn)

    @property
    def beats(self) -> BeatStore:
        return BeatStore(self.conn)

    @property
    def meters(self) -> MeterStore:
        return MeterStore(self.conn)

    @property
    def standing(self) -> StandingStore:
        return StandingStore(self.conn)

    @property
    def coverage(self) -> CoverageStore:
        return CoverageStore(self.conn)

    @property
    def daily(self) -> DailyStore:
        return DailyStore(self.conn)

    @property
    def checks(self) -> CheckStore:
        return CheckStore(self.conn)

    @property
    def directives(self) -> DirectiveStore:
        return DirectiveStore(self.conn)

    @property
    def federation(self) -> FederationStore:
        return FederationStore(self.conn)

    @property
    def grades(self) -> GradeStore:
        return GradeStore(self.conn)

    @property
    def negotiations(self) -> NegotiationStore:
        return NegotiationStore(self.conn)

    @property
    def evidence(self) -> EvidenceStore:
        return EvidenceStore(self.conn)


class Database:
    """A database the use cases open units of work on: ``database()`` is a new one. The engine
    is made (and the schema migrated) by ``opener`` on first use, so that a command that never
    touches the database never creates it."""

    def __init__(self, engine: Engine | None = None, *, opener: Callable[[], Engine] | None = None):
        if (engine is None) == (opener is None):
            raise ValueError("a database has an engine or an opener")
        self._engine, self._opener = engine, opener
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    assert self._opener is not None
                    self._engine = self._opener()
        return self._engine

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def open(self) -> None:
        """Make the engine (and migrate the schema) now, not on first use."""
        _ = self.engine

    @property
    def url(self) -> str:
        """The URL, with its password (render workers connect with it)."""
        return self.engine.url.render_as_string(hide_password=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def in_memory(self) -> bool:
        """An in-memory SQLite database (no other process can open it)."""
        url = self.engine.url
        return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
