"""What inspection needs from outside: the evidence store, and the alert, its frozen plan, the
list's transport users and the day's reports it reads (the shared unit of work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Protocol

from orchestrator.daily.ports import DailyStore
from orchestrator.inspection.model import CemsReading, GatePassage, Pollutant
from orchestrator.notices.ports import NoticeUnitOfWork


class EvidenceStore(Protocol):
    def put_cems(self, readings: Sequence[CemsReading]) -> None: ...

    def put_gate(self, passages: Sequence[GatePassage]) -> None: ...

    def cems_means(
        self, usccs: Collection[str], start: dt.datetime, end: dt.datetime
    ) -> dict[str, dict[tuple[str, Pollutant], tuple[float, int]]]: ...

    def gate(
        self, usccs: Collection[str], start: dt.datetime, end: dt.datetime, stages: Collection[str]
    ) -> dict[str, list[GatePassage]]: ...

    def acknowledged(self, revision_id: int) -> dict[str, dt.datetime]: ...


class InspectionUnitOfWork(NoticeUnitOfWork, Protocol):
    @property
    def evidence(self) -> EvidenceStore: ...

    @property
    def daily(self) -> DailyStore: ...
