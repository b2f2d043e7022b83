"""Grade decisions in the database: who decided which grade for an enterprise, from when."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection, insert, select

from orchestrator.db.tables import grade_decisions
from orchestrator.emissions.grades import GradeDecision, GradeSource
from orchestrator.emissions.model import Grade


def _decision(r: Any) -> GradeDecision:
    return GradeDecision(
        id=r.id,
        uscc=r.uscc,
        grade=Grade(r.grade),
        effective_from=r.effective_from,
        source=GradeSource(r.source),
        reference=r.reference,
        recorded_at=r.recorded_at,
        recorded_by=r.recorded_by,
        note=r.note,
    )


class GradeStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, region: str, d: GradeDecision) -> GradeDecision:
        new_id = self.conn.execute(
            insert(grade_decisions).values(
                region_code=region,
                uscc=d.uscc,
                grade=d.grade.value,
                effective_from=d.effective_from,
                source=d.source.value,
                reference=d.reference,
                recorded_at=d.recorded_at,
                recorded_by=d.recorded_by,
                note=d.note,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        return dataclasses.replace(d, id=int(new_id))

    def decisions(self, region: str, uscc: str | None = None) -> list[GradeDecision]:
        """The area's decisions (of one enterprise, if given), in the order recorded."""
        t = grade_decisions.c
        q = select(grade_decisions).where(t.region_code == region)
        if uscc is not None:
            q = q.where(t.uscc == uscc)
        return [_decision(r) for r in self.conn.execute(q.order_by(t.id))]
