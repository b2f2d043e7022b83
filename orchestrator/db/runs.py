"""The scheduler's run history (the ``RunStore`` port): (job, slot) unique, so that of two
schedulers firing one slot exactly one runs it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.db.bulk import duplicate
from orchestrator.db.tables import scheduler_runs

r = scheduler_runs.c


class RunStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(
        self, job: str, slot: dt.datetime, *, runner: str, now: dt.datetime, lease: dt.datetime
    ) -> bool:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(scheduler_runs).values(
                        job=job,
                        slot=slot,
                        status="running",
                        runner=runner,
                        started_at=now,
                        lease_until=lease,
                        attempts=1,
                        detail="",
                    )
                )
            return True
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            pass
        # take over a failed run, or one whose process died
        taken = self.conn.execute(
            update(scheduler_runs)
            .where(
                r.job == job,
                r.slot == slot,
                or_(r.status == "failed", and_(r.status == "running", r.lease_until < now)),
            )
            .values(
                status="running",
                runner=runner,
                started_at=now,
                lease_until=lease,
                attempts=r.attempts + 1,
            )
        )
        return taken.rowcount == 1

    def finish(
        self,
        job: str,
        slot: dt.datetime,
        *,
        runner: str,
        status: str,
        finished_at: dt.datetime,
        detail: str,
        consultation_id: int | None,
    ) -> None:
        self.conn.execute(
            update(scheduler_runs)
            .where(r.job == job, r.slot == slot, r.runner == runner)
            .values(
                status=status,
                finished_at=finished_at,
                detail=detail,
                consultation_id=consultation_id,
            )
        )

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(scheduler_runs).order_by(r.slot.desc()).limit(limit)).all()
        return [
            {
                "job": row.job,
                "slot": row.slot,
                "status": row.status,
                "runner": row.runner,
                "started_at": row.started_at,
                "finished_at": row.finished_at,
                "attempts": row.attempts,
                "detail": row.detail,
                "consultation_id": row.consultation_id,
            }
            for row in rows
        ]
