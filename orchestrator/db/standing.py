"""What binds enterprises beside the alerts (the ``StandingStore`` port): rounds of recurring
controls in force, with each enterprise's measures as the round ordered them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, select

from orchestrator.db.tables import control_round_entries, control_rounds
from orchestrator.response.model import StandingControl


class StandingStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def controls_running(self, region: str, at: dt.datetime) -> list[StandingControl]:
        c, e = control_rounds.c, control_round_entries.c
        rounds = self.conn.execute(
            select(c.id, c.title, c.period_end)
            .where(c.region_code == region, c.period_start <= at, c.period_end > at)
            .order_by(c.id)
        ).all()
        out = []
        for r in rounds:
            measures: dict[str, list[str]] = defaultdict(list)
            for uscc, record in self.conn.execute(
                select(e.uscc, e.record).where(e.round_id == r.id).order_by(e.position)
            ):
                for ln in record.get("lines", ()):
                    m = ln.get("measure")
                    if m and m.get("text"):
                        measures[uscc].append(f"{ln['name']}：{m['text']}")
            out.append(
                StandingControl(
                    title=r.title,
                    end=r.period_end,
                    measures={u: tuple(ms) for u, ms in measures.items()},
                )
            )
        return out
