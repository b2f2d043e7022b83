"""Coverage runs in the database: each comparison of the list with a registry, kept."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection, insert, select

from orchestrator.db.tables import coverage_runs
from orchestrator.emissions.registries import CoverageRun, Finding, Registry


def run_of(r: Any) -> CoverageRun:
    return CoverageRun(
        id=r.id,
        registry=Registry(r.registry),
        list_revision=r.list_revision,
        ran_at=r.ran_at,
        ran_by=r.ran_by,
        source=r.source,
        sha256=r.sha256,
        holders=r.holders,
        findings=tuple(Finding.of(f) for f in r.findings),
    )


class CoverageStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, region: str, run: CoverageRun) -> CoverageRun:
        """Keep ``run`` (its id ignored); returns it with the id it was given."""
        run_id = self.conn.execute(
            insert(coverage_runs).values(
                region_code=region,
                registry=run.registry.value,
                list_revision=run.list_revision,
                ran_at=run.ran_at,
                ran_by=run.ran_by,
                source=run.source,
                sha256=run.sha256,
                holders=run.holders,
                findings=[f.as_dict() for f in run.findings],
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        return dataclasses.replace(run, id=int(run_id))

    def runs(
        self, region: str, registry: Registry | None = None, limit: int = 50
    ) -> list[CoverageRun]:
        """The area's runs, newest first (of one registry, if given)."""
        t = coverage_runs.c
        q = select(coverage_runs).where(t.region_code == region)
        if registry is not None:
            q = q.where(t.registry == registry.value)
        return [run_of(r) for r in self.conn.execute(q.order_by(t.id.desc()).limit(limit))]
