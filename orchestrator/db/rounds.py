"""Rounds of recurring controls (the ``RoundStore`` port): unique per area, control and period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from orchestrator.controls.model import RoundRow
from orchestrator.db.tables import control_round_entries, control_rounds
from orchestrator.errors import Conflict

c = control_rounds.c
_BATCH = 5_000


class RoundStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        region: str,
        *,
        control: str,
        title: str,
        period_start: dt.datetime,
        period_end: dt.datetime,
        list_revision: int,
        issued_at: dt.datetime,
        receipt_deadline: dt.datetime,
        record: dict[str, Any],
    ) -> int:
        try:
            with self.conn.begin_nested():
                return int(
                    self.conn.execute(
                        insert(control_rounds)
                        .values(
                            region_code=region,
                            control=control,
                            title=title,
                            period_start=period_start,
                            period_end=period_end,
                            list_revision=list_revision,
                            issued_at=issued_at,
                            receipt_deadline=receipt_deadline,
                            record=record,
                        )
                        .returning(c.id)
                    ).scalar_one()
                )
        except IntegrityError as exc:
            raise Conflict(f"{title}已发布") from exc

    def add_entries(self, round_id: int, entries: Sequence[tuple[dict[str, Any], str]]) -> None:
        rows = [
            {"round_id": round_id, "position": i, "uscc": e["uscc"], "record": e, "body": body}
            for i, (e, body) in enumerate(entries)
        ]
        for i in range(0, len(rows), _BATCH):
            self.conn.execute(insert(control_round_entries), rows[i : i + _BATCH])

    def _rows(self, region: str, *where: Any, limit: int = 50) -> list[RoundRow]:
        rows = self.conn.execute(
            _ROUNDS.where(c.region_code == region, *where).order_by(c.id.desc()).limit(limit)
        ).all()
        return _round_rows(rows)

    def newest_running(self, region: str, now: dt.datetime) -> RoundRow | None:
        # the dashboard asks on every view: the statement is built once
        rows = _round_rows(self.conn.execute(_NEWEST_RUNNING, {"region": region, "now": now}))
        return rows[0] if rows else None

    def find(self, region: str, control: str, period_start: dt.datetime) -> RoundRow | None:
        rows = self._rows(region, c.control == control, c.period_start == period_start)
        return rows[0] if rows else None

    def get(self, region: str, round_id: int) -> RoundRow | None:
        rows = self._rows(region, c.id == round_id)
        return rows[0] if rows else None

    def rounds(self, region: str, limit: int = 50) -> list[RoundRow]:
        return self._rows(region, limit=limit)

    def notices(self, round_id: int) -> list[tuple[str, str, str]]:
        e = control_round_entries.c
        return [
            (u, rec["name"], body)
            for u, rec, body in self.conn.execute(
                select(e.uscc, e.record, e.body).where(e.round_id == round_id).order_by(e.position)
            )
        ]


_COUNTED = select(func.count()).where(control_round_entries.c.round_id == c.id).scalar_subquery()
_ROUNDS = select(control_rounds, _COUNTED.label("enterprises"))
_NEWEST_RUNNING = (
    _ROUNDS.where(c.region_code == bindparam("region"), c.period_end > bindparam("now"))
    .order_by(c.id.desc())
    .limit(1)
)


def _round_rows(rows: Iterable[Any]) -> list[RoundRow]:
    return [
        RoundRow(
            id=r.id,
            control=r.control,
            title=r.title,
            period_start=r.period_start,
            period_end=r.period_end,
            issued_at=r.issued_at,
            receipt_deadline=r.receipt_deadline,
            list_revision=r.list_revision,
            record=r.record,
            enterprises=r.enterprises,
            enqueued=r.enqueued_at is not None,
        )
        for r in rows
    ]
