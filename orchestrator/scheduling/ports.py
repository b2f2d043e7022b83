"""What the scheduler needs from outside: the run history, whose per-slot claim makes every
slot run once even with several schedulers on one database."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from orchestrator.audit.ports import UnitOfWork
from orchestrator.delivery.ports import BeatStore


class RunStore(Protocol):
    def claim(
        self, job: str, slot: dt.datetime, *, runner: str, now: dt.datetime, lease: dt.datetime
    ) -> bool:
        """Take the slot's run: a new one, or one that failed or whose runner died (its lease
        ran out). False: another runner has it, or it is done."""
        ...

    def finish(
        self,
        job: str,
        slot: dt.datetime,
        *,
        runner: str,
        status: str,
        finished_at: dt.datetime,
        detail: str,
        consultation_id: int | None,
    ) -> None: ...

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest runs first."""
        ...


class RunUnitOfWork(UnitOfWork, Protocol):
    @property
    def runs(self) -> RunStore: ...

    @property
    def beats(self) -> BeatStore: ...
