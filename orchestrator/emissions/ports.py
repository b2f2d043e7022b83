"""What the emission list's use cases need from outside: the store of list revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from orchestrator.alerts.model import AlertLevel
from orchestrator.audit.ports import UnitOfWork
from orchestrator.emissions.grades import GradeDecision
from orchestrator.emissions.model import (
    EmissionList,
    Enterprise,
    EnterprisePage,
    Grade,
    Revision,
    RevisionSummary,
    SourceRow,
)
from orchestrator.emissions.plans import PlanEntry
from orchestrator.emissions.registries import CoverageRun, Registry
from orchestrator.emissions.targets import Controlled, LevelReduction


class ListStore(Protocol):
    """List revisions of an area (``region``: its 6-digit code). Lookups of a number or date
    without a revision raise :class:`~orchestrator.emissions.model.RevisionNotFound`."""

    def find_by_content(
        self, region: str, sha256: str, effective_from: dt.date
    ) -> Revision | None: ...

    def store(
        self,
        region: str,
        emission_list: EmissionList,
        *,
        effective_from: dt.date,
        source: str,
        sha256: str,
        imported_at: dt.datetime,
        warnings: list[str],
    ) -> Revision:
        """A new revision, its dispatch plans selected and kept with it."""
        ...

    def summaries(self, region: str) -> list[RevisionSummary]:
        """Every revision, oldest first."""
        ...

    def get(self, region: str, number: int) -> Revision: ...

    def in_force(self, region: str, on: dt.date) -> int:
        """The number of the revision in force on ``on``."""
        ...

    def latest(self, region: str) -> int: ...

    def load(self, region: str, number: int) -> EmissionList: ...

    def source_rows(self, region: str, number: int, level: AlertLevel) -> list[SourceRow]:
        """Revision ``number``'s 扬尘源 sites and 移动源 users under a measure at ``level``."""
        ...

    def find(
        self,
        region: str,
        number: int,
        *,
        text: str = "",
        county: str = "",
        industry: str = "",
        grade: str = "",
        offset: int = 0,
        limit: int = 100,
    ) -> EnterprisePage: ...

    def enterprise(self, region: str, number: int, uscc: str) -> Enterprise | None: ...

    def grades(self, region: str, number: int) -> dict[str, Grade]:
        """Every enterprise's grade in revision ``number``."""
        ...

    def level_plan(self, region: str, number: int, level: AlertLevel) -> tuple[int, LevelReduction]:
        """The id of revision ``number``'s dispatch plan for ``level`` and what it achieves."""
        ...

    def plan_entries(self, plan_id: int, usccs: Iterable[str]) -> list[PlanEntry]:
        """The entries of a list plan (``level_plan``'s id) for the given enterprises."""
        ...


class ControlledStore(Protocol):
    """What recurring controls already require of the list's lines."""

    def controlled(self, region: str, at: dt.datetime) -> Controlled:
        """The lines that the rounds of recurring controls in force at ``at`` bind, with what
        each round's measure removes from them."""
        ...


class CoverageStore(Protocol):
    """Coverage runs of an area: each comparison of the list with a registry, kept."""

    def record(self, region: str, run: CoverageRun) -> CoverageRun:
        """Keep ``run``; returns it with the id it was given."""
        ...

    def runs(
        self, region: str, registry: Registry | None = None, limit: int = 50
    ) -> list[CoverageRun]:
        """Newest first."""
        ...


class GradeStore(Protocol):
    """Grade decisions of an area."""

    def record(self, region: str, d: GradeDecision) -> GradeDecision: ...

    def decisions(self, region: str, uscc: str | None = None) -> list[GradeDecision]:
        """In the order recorded."""
        ...


class ListUnitOfWork(UnitOfWork, Protocol):
    @property
    def lists(self) -> ListStore: ...

    @property
    def coverage(self) -> CoverageStore: ...

    @property
    def grades(self) -> GradeStore: ...

    @property
    def standing(self) -> ControlledStore: ...
