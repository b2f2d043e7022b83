"""The long-running processes' sign of life (the ``BeatStore`` port): one row per process kind
and runner, its newest round."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.db.bulk import duplicate
from orchestrator.db.tables import process_beats

b = process_beats.c


class BeatStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def beat(self, process: str, runner: str, at: dt.datetime, detail: str = "") -> None:
        values = {"beat_at": at, "detail": detail[:500]}
        done = self.conn.execute(
            update(process_beats)
            .where(b.process == process, b.runner == runner[:120])
            .values(**values)
        )
        if done.rowcount:
            return
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(process_beats).values(process=process, runner=runner[:120], **values)
                )
        except IntegrityError as exc:  # the same runner beat a moment ago, elsewhere
            if not duplicate(exc):
                raise

    def newest(self) -> dict[str, dt.datetime]:
        """Per process kind, the newest beat of any of its runners."""
        rows = self.conn.execute(select(b.process, func.max(b.beat_at)).group_by(b.process)).all()
        return {str(row[0]): row[1] for row in rows}
