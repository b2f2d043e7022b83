"""What the notices need from outside: the stored notices, the frozen plans they are rendered
from, the alerts they belong to and the emission list (a bulletin previewed before approval)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from typing import Any, Protocol

from orchestrator.emissions.plans import RosterEntry
from orchestrator.notices.model import NoticeKind, NoticeRecord, PlanChunk
from orchestrator.response.ports import PlanStore, ResponseUnitOfWork


class NoticeStore(Protocol):
    """Notices, unique per revision, enterprise and kind; a dispatch order is stored as its
    enterprise's part, the revision's frame (prefix, suffix) once."""

    def count(self, revision_id: int, kind: NoticeKind | None = None) -> int: ...

    def unrendered_alerts(self) -> list[int]:
        """Alerts whose newest issued revision has no stored notice yet."""
        ...

    def documents(self, revision_id: int) -> list[NoticeRecord]:
        """The revision's city-wide documents (every kind but orders and tasks), in no order."""
        ...

    def tasks(self, revision_id: int, units: Collection[str] = ()) -> list[NoticeRecord]:
        """The revision's task notices (only those of ``units``' codes if given), in the order
        they were stored (the network's)."""
        ...

    def add(
        self,
        revision_id: int,
        records: Iterable[tuple[str, str, str, str]],
        *,
        created_at: dt.datetime,
    ) -> None:
        """Store (kind, USCC, file name, body) rows in bulk; :class:`~orchestrator.errors.Conflict`
        if some are stored already."""
        ...

    def add_frame(self, revision_id: int, prefix: str, suffix: str) -> None: ...

    def orders(
        self, revision_id: int, uscc: Collection[str] = (), batch: int = 1_000
    ) -> Iterator[NoticeRecord]:
        """The revision's dispatch orders, whole, by USCC (only ``uscc``'s if given), streamed."""
        ...

    def ordered(self, revision_id: int, among: Collection[str] = ()) -> list[str]:
        """The USCCs the revision sent an order to (only those of ``among`` if given), sorted."""
        ...

    def tasks_of(self, revision_id: int, codes: Collection[str]) -> list[str]:
        """Those of ``codes`` the revision sent a task notice."""
        ...

    def tasked(self, revision_id: int) -> list[str]:
        """The codes of the units the revision sent a task notice, in the network's order."""
        ...

    def order_parts(self, revision_id: int, uscc: Collection[str]) -> dict[str, str]:
        """The stored parts of these enterprises' orders (without the frame)."""
        ...

    def frame(self, revision_id: int) -> tuple[str, str]:
        """The text every order of the revision starts and ends with ("", "": none)."""
        ...


class NoticePlanStore(PlanStore, Protocol):
    def reporters(self, revision_id: int, batch: int = 2_000) -> Iterator[RosterEntry]:
        """Each enterprise of the revision's frozen plan as a roster entry (who it is and the
        level's measure of each line under one), in plan order, read one at a time."""
        ...

    def ordinals(self, revision_id: int) -> list[int]:
        """The positions of the revision's frozen plan entries, in plan order."""
        ...

    def chunk(self, chunk: PlanChunk) -> list[tuple[str, dict[str, Any]]]:
        """(USCC, plan entry of the revision's level) of the entries in ``chunk``, in order."""
        ...

    def by_mode(self, revision_id: int) -> dict[str, int]:
        """The frozen plan's enterprises by mode (自主减排, …), as the bulletin counts them."""
        ...

    def list_by_mode(self, plan_id: int, counties: Collection[str] = ()) -> dict[str, int]:
        """A list revision's plan's enterprises by mode."""
        ...


class NoticeUnitOfWork(ResponseUnitOfWork, Protocol):
    @property
    def plans(self) -> NoticePlanStore: ...

    @property
    def notices(self) -> NoticeStore: ...
