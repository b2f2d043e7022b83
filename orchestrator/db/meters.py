"""Hourly meter readings (the ``MeterStore`` port): one per meter and hour."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from orchestrator.assessment.ports import LoadReading, Reading
from orchestrator.db.tables import electricity_readings, load_readings

_BATCH = 5_000


class MeterStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def store(self, readings: Sequence[Reading]) -> None:
        rows = [{"meter_no": r.meter_no, "hour": r.hour, "kwh": r.kwh} for r in readings]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(electricity_readings)
        stmt = stmt.on_conflict_do_update(
            index_elements=["meter_no", "hour"], set_={"kwh": stmt.excluded.kwh}
        )
        for i in range(0, len(rows), _BATCH):
            self.conn.execute(stmt, rows[i : i + _BATCH])

    def store_loads(self, readings: Sequence[LoadReading]) -> None:
        rows = [
            {"uscc": r.uscc, "line": r.line, "hour": r.hour, "value": r.value, "unit": r.unit}
            for r in readings
        ]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(load_readings)
        stmt = stmt.on_conflict_do_update(
            index_elements=["uscc", "line", "hour"],
            set_={"value": stmt.excluded.value, "unit": stmt.excluded.unit},
        )
        for i in range(0, len(rows), _BATCH):
            self.conn.execute(stmt, rows[i : i + _BATCH])

    def loads(
        self, lines: Collection[tuple[str, str]], start: dt.datetime, end: dt.datetime
    ) -> dict[tuple[str, str], list[tuple[float, str]]]:
        chosen = sorted({u for u, _ in lines})
        wanted = set(lines)
        r = load_readings.c
        out: dict[tuple[str, str], list[tuple[float, str]]] = {}
        for i in range(0, len(chosen), _BATCH):
            for uscc, line, value, unit in self.conn.execute(
                select(r.uscc, r.line, r.value, r.unit)
                .where(r.uscc.in_(chosen[i : i + _BATCH]), r.hour >= start, r.hour < end)
                .order_by(r.uscc, r.line, r.hour)
            ):
                if (uscc, line) in wanted:
                    out.setdefault((uscc, line), []).append((float(value), str(unit)))
        return out

    def means(
        self, meters: Collection[str], start: dt.datetime, end: dt.datetime
    ) -> dict[str, float]:
        chosen = sorted(set(meters))
        r = electricity_readings.c
        out: dict[str, float] = {}
        for i in range(0, len(chosen), _BATCH):
            for meter, total, hours in self.conn.execute(
                select(r.meter_no, func.sum(r.kwh), func.count())
                .where(r.meter_no.in_(chosen[i : i + _BATCH]), r.hour >= start, r.hour < end)
                .group_by(r.meter_no)
            ):
                out[meter] = float(total) / int(hours)
        return out
