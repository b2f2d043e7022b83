"""What the check tasks need from outside: their store, the coverage runs, the outbox that
carries them, in one unit of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol

from orchestrator.checks.model import Answer, Task
from orchestrator.delivery.ports import DeliveryUnitOfWork
from orchestrator.emissions.registries import CoverageRun


class CheckStore(Protocol):
    def run(self, region: str, coverage_id: int) -> tuple[CoverageRun, dt.datetime | None] | None:
        """The area's run and when its tasks were issued (None: not yet)."""
        ...

    def previous(self, region: str, run: CoverageRun) -> int | None:
        """The run of the same registry before ``run`` whose tasks were issued."""
        ...

    def take(self, coverage_id: int, now: dt.datetime, by: str) -> bool:
        """Mark the run's tasks as issued (False: they were already)."""
        ...

    def add(self, tasks: Iterable[tuple[Task, str]]) -> int: ...

    def tasks(self, coverage_id: int, codes: Sequence[str] | None = None) -> list[Task]: ...

    def answers(self, coverage_id: int) -> list[Answer]: ...

    def overdue(self, region: str, now: dt.datetime) -> list[Task]:
        """Tasks past their deadline not chased yet (with their answers)."""
        ...

    def answer(self, coverage_id: int, answers: Sequence[Answer]) -> None:
        """Keep the answers, each replacing an earlier answer to the same finding."""
        ...


class CheckUnitOfWork(DeliveryUnitOfWork, Protocol):
    @property
    def checks(self) -> CheckStore: ...
