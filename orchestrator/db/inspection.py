"""Inspection evidence (the ``EvidenceStore`` port): CEMS readings, one per enterprise, outlet,
pollutant and hour (a later reading replaces it); gate passages, one per site, plate and time (a
repeat is the same passage); and the acknowledgements an enterprise's score reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from orchestrator.db.tables import acknowledgements, cems_readings, gate_passages
from orchestrator.inspection.model import CemsReading, GatePassage, Pollutant

_BATCH = 5_000


class EvidenceStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put_cems(self, readings: Sequence[CemsReading]) -> None:
        rows = [
            {
                "uscc": r.uscc,
                "outlet": r.outlet,
                "pollutant": r.pollutant.value,
                "hour": r.hour,
                "concentration": r.concentration,
                "flow": r.flow,
            }
            for r in readings
        ]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(cems_readings)
        stmt = stmt.on_conflict_do_update(
            index_elements=["uscc", "outlet", "pollutant", "hour"],
            set_={"concentration": stmt.excluded.concentration, "flow": stmt.excluded.flow},
        )
        for i in range(0, len(rows), _BATCH):
            self.conn.execute(stmt, rows[i : i + _BATCH])

    def put_gate(self, passages: Sequence[GatePassage]) -> None:
        rows = [
            {"uscc": p.uscc, "plate": p.plate, "stage": p.stage, "passed_at": p.at}
            for p in passages
        ]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(gate_passages).on_conflict_do_nothing(
            index_elements=["uscc", "plate", "passed_at"]
        )
        for i in range(0, len(rows), _BATCH):
            self.conn.execute(stmt, rows[i : i + _BATCH])

    def cems_means(
        self, usccs: Collection[str], start: dt.datetime, end: dt.datetime
    ) -> dict[str, dict[tuple[str, Pollutant], tuple[float, int]]]:
        """Per enterprise of ``usccs``, each outlet's and pollutant's mean emission rate (kg/h)
        over ``[start, end)`` and its hours — summed in the database (a whole city's day is
        millions of readings)."""
        c = cems_readings.c
        wanted = set(usccs)
        out: dict[str, dict[tuple[str, Pollutant], tuple[float, int]]] = {}
        query = (
            select(c.uscc, c.outlet, c.pollutant, func.avg(c.concentration * c.flow), func.count())
            .where(c.hour >= start, c.hour < end)
            .group_by(c.uscc, c.outlet, c.pollutant)
        )
        for uscc, outlet, pollutant, mean, n in self.conn.execute(query):
            if uscc in wanted:
                out.setdefault(uscc, {})[(outlet, Pollutant(pollutant))] = (
                    float(mean) / 1_000_000,
                    int(n),
                )
        return out

    def gate(
        self, usccs: Collection[str], start: dt.datetime, end: dt.datetime, stages: Collection[str]
    ) -> dict[str, list[GatePassage]]:
        """The passages at the sites of ``usccs`` in ``[start, end)`` of trucks of ``stages``."""
        wanted = set(usccs)
        g = gate_passages.c
        out: dict[str, list[GatePassage]] = {}
        for row in self.conn.execute(
            select(gate_passages)
            .where(g.passed_at >= start, g.passed_at < end, g.stage.in_(sorted(stages)))
            .order_by(g.passed_at)
        ):
            if row.uscc in wanted:
                out.setdefault(row.uscc, []).append(
                    GatePassage(row.uscc, row.plate, row.stage, row.passed_at)
                )
        return out

    def acknowledged(self, revision_id: int) -> dict[str, dt.datetime]:
        """When each enterprise acknowledged its order of the revision."""
        a = acknowledgements.c
        return {
            str(u): t
            for u, t in self.conn.execute(
                select(a.uscc, a.acknowledged_at).where(a.revision_id == revision_id)
            )
        }
