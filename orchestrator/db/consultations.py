"""Consultations (the ``ConsultationStore`` port): one per area and slot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.consultation.model import Consultation
from orchestrator.db.bulk import duplicate
from orchestrator.db.tables import consultations
from orchestrator.errors import Conflict

c = consultations.c


def _consultation(row: Any) -> Consultation:
    return Consultation(
        id=row.id,
        region_code=row.region_code,
        slot=row.slot,
        ran_at=row.ran_at,
        trigger=row.trigger,
        source=row.source,
        degraded=row.degraded,
        action=row.action,
        level=row.level,
        alert_id=row.alert_id,
        revision_id=row.revision_id,
        record=row.record,
        html=row.html,
        notified=row.notified_at is not None,
    )


class ConsultationStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _one(self, *where: Any) -> Consultation | None:
        row = self.conn.execute(select(consultations).where(*where)).first()
        return _consultation(row) if row is not None else None

    def find(self, region: str, slot: dt.datetime) -> Consultation | None:
        return self._one(c.region_code == region, c.slot == slot)

    def get(self, consultation_id: int, region: str | None = None) -> Consultation | None:
        where = [c.id == consultation_id]
        if region is not None:
            where.append(c.region_code == region)
        return self._one(*where)

    def history(self, region: str, limit: int = 20) -> list[Consultation]:
        rows = self.conn.execute(
            select(consultations)
            .where(c.region_code == region)
            .order_by(c.slot.desc())
            .limit(limit)
        ).all()
        return [_consultation(r) for r in rows]

    def of_episode(
        self, region: str, alert_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Consultation]:
        rows = self.conn.execute(
            select(consultations)
            .where(
                c.region_code == region,
                (c.alert_id == alert_id) | and_(c.slot >= start, c.slot < end),
            )
            .order_by(c.slot)
        ).all()
        return [_consultation(r) for r in rows]

    def add(
        self,
        region: str,
        slot: dt.datetime,
        *,
        ran_at: dt.datetime,
        trigger: str,
        source: str,
        degraded: bool,
        action: str,
        level: str | None,
    ) -> int:
        try:
            return int(
                self.conn.execute(
                    insert(consultations).values(
                        region_code=region,
                        slot=slot,
                        ran_at=ran_at,
                        trigger=trigger,
                        source=source,
                        degraded=degraded,
                        action=action,
                        level=level,
                        record={},
                        html="",
                        notify_attempts=0,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            raise Conflict(f"{slot.isoformat()}时次已会商") from exc

    def complete(
        self,
        consultation_id: int,
        *,
        record: dict[str, Any],
        html: str,
        alert_id: int | None,
        revision_id: int | None,
    ) -> None:
        self.conn.execute(
            update(consultations)
            .where(c.id == consultation_id)
            .values(record=record, html=html, alert_id=alert_id, revision_id=revision_id)
        )

    def notified(self, consultation_id: int, *, at: dt.datetime | None, error: str | None) -> None:
        self.conn.execute(
            update(consultations)
            .where(c.id == consultation_id)
            .values(notify_attempts=c.notify_attempts + 1, notified_at=at, notify_error=error)
        )

    def unnotified(self, region: str, *, max_attempts: int) -> list[int]:
        return [
            int(r)
            for r in self.conn.execute(
                select(c.id).where(
                    c.region_code == region,
                    c.notified_at.is_(None),
                    c.notify_attempts < max_attempts,
                    c.notify_attempts > 0,
                )
            ).scalars()
        ]
