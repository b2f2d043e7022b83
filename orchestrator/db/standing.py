"""What binds enterprises beside the alerts (the ``StandingStore`` port): rounds of recurring
controls in force, with each enterprise's measures as the round ordered them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, select

from orchestrator.db.tables import control_round_entries, control_rounds
from orchestrator.emissions.model import Amounts, most
from orchestrator.emissions.targets import Controlled
from orchestrator.response.model import StandingControl

# the action that stops a line outright, in rounds sent before their amounts were kept
_STOP = "stop"


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

    def controlled(self, region: str, at: dt.datetime) -> Controlled:
        """Per enterprise and line, what the rounds in force at ``at`` remove (kept with each
        round entry's line as ``controlled``); where two rounds bind one line, the larger."""
        c, e = control_rounds.c, control_round_entries.c
        rows = self.conn.execute(
            select(c.id, c.title, e.uscc, e.record)
            .join(control_round_entries, e.round_id == c.id)
            .where(c.region_code == region, c.period_start <= at, c.period_end > at)
            .order_by(c.id, e.position)
        ).all()
        lines: dict[str, dict[str, Amounts | None]] = defaultdict(dict)
        titles: dict[int, str] = {}
        for r in rows:
            titles[r.id] = r.title
            mine = lines[r.uscc]
            for ln in r.record.get("lines", ()):
                kept = ln.get("controlled")
                if kept is not None:
                    amounts: Amounts | None = Amounts(**kept)
                elif (ln.get("measure") or {}).get("kind") == _STOP:
                    amounts = None
                else:
                    continue  # an older round's partial measure: its share was not kept
                name = ln["name"]
                if name in mine:
                    was = mine[name]
                    amounts = None if was is None or amounts is None else most(was, amounts)
                mine[name] = amounts
        return Controlled(lines=dict(lines), controls=tuple(titles.values()))
