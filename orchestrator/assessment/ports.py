"""What the effect assessment needs from outside: the meter readings, the consultations of the
episode, and what delivery and receipts read (in one unit of work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Protocol

from orchestrator.consultation.model import Consultation
from orchestrator.consultation.ports import ConsultationStore
from orchestrator.delivery.ports import DeliveryUnitOfWork


class Reading(Protocol):
    @property
    def meter_no(self) -> str: ...

    @property
    def hour(self) -> dt.datetime: ...

    @property
    def kwh(self) -> float: ...


class LoadReading(Protocol):
    @property
    def uscc(self) -> str: ...

    @property
    def line(self) -> str: ...

    @property
    def hour(self) -> dt.datetime: ...

    @property
    def value(self) -> float: ...

    @property
    def unit(self) -> str: ...


class MeterStore(Protocol):
    """Hourly meter readings, one per meter and hour (a later reading replaces it); hourly loads,
    one per line and hour."""

    def store(self, readings: Sequence[Reading]) -> None: ...

    def store_loads(self, readings: Sequence[LoadReading]) -> None: ...

    def loads(
        self, lines: Collection[tuple[str, str]], start: dt.datetime, end: dt.datetime
    ) -> dict[tuple[str, str], list[tuple[float, str]]]:
        """Each (USCC, line)'s hourly loads over [start, end) as (value, unit), by hour."""
        ...

    def means(
        self, meters: Collection[str], start: dt.datetime, end: dt.datetime
    ) -> dict[str, float]:
        """Each meter's mean hourly use over [start, end) (meters without readings left out)."""
        ...


class EpisodeConsultations(ConsultationStore, Protocol):
    def of_episode(
        self, region: str, alert_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Consultation]:
        """The consultations that proposed something for the alert or were held in
        [start, end), by slot."""
        ...


class AssessmentUnitOfWork(DeliveryUnitOfWork, Protocol):
    @property
    def meters(self) -> MeterStore: ...

    @property
    def consultations(self) -> EpisodeConsultations: ...
