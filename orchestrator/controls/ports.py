"""What recurring controls need from outside: the store of rounds and the emission list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from orchestrator.controls.model import RoundRow
from orchestrator.emissions.ports import ListUnitOfWork


class RoundStore(Protocol):
    """Rounds of recurring controls, unique per (area, control, period start)."""

    def add(
        self,
        region: str,
        *,
        control: str,
        title: str,
        period_start: dt.datetime,
        period_end: dt.datetime,
        list_revision: int,
        issued_at: dt.datetime,
        receipt_deadline: dt.datetime,
        record: dict[str, Any],
    ) -> int:
        """A new round; :class:`~orchestrator.errors.Conflict` if its period has one already."""
        ...

    def add_entries(self, round_id: int, entries: Sequence[tuple[dict[str, Any], str]]) -> None:
        """Each enterprise's entry and rendered notice, in order."""
        ...

    def find(self, region: str, control: str, period_start: dt.datetime) -> RoundRow | None: ...

    def get(self, region: str, round_id: int) -> RoundRow | None: ...

    def rounds(self, region: str, limit: int = 50) -> list[RoundRow]:
        """The area's rounds, newest first."""
        ...

    def newest_running(self, region: str, now: dt.datetime) -> RoundRow | None: ...

    def notices(self, round_id: int) -> list[tuple[str, str, str]]:
        """(USCC, name, notice) of the round's enterprises, in order."""
        ...


class ControlUnitOfWork(ListUnitOfWork, Protocol):
    @property
    def rounds(self) -> RoundStore: ...
