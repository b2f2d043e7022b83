"""The audit log (the ``AuditLog`` port): appended in the transaction of the action it records,
never changed; read back page by page and alert by alert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select

from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.db.tables import audit_log

_COLUMNS = (
    audit_log.c.at,
    audit_log.c.actor,
    audit_log.c.action,
    audit_log.c.alert_id,
    audit_log.c.revision_id,
    audit_log.c.reason,
    audit_log.c.detail,
)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=row.actor,
        action=AuditAction(row.action),
        alert_id=row.alert_id,
        revision_id=row.revision_id,
        reason=row.reason,
        detail=dict(row.detail or {}),
    )


class AuditStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, entry: AuditEntry) -> None:
        self.conn.execute(
            insert(audit_log).values(
                at=entry.at,
                actor=entry.actor,
                action=entry.action.value,
                alert_id=entry.alert_id,
                revision_id=entry.revision_id,
                reason=entry.reason,
                detail=entry.detail,
            )
        )

    def entries(
        self,
        *,
        actor: str = "",
        action: str = "",
        alert_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[list[AuditEntry], int]:
        t = audit_log
        where = []
        if actor:
            where.append(t.c.actor == actor)
        if action:
            where.append(t.c.action == action)
        if alert_id is not None:
            where.append(t.c.alert_id == alert_id)
        total = self.conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        rows = self.conn.execute(
            select(*_COLUMNS).where(*where).order_by(t.c.id.desc()).offset(offset).limit(limit)
        ).all()
        return [_entry(r) for r in rows], int(total)

    def actors(self) -> list[str]:
        return sorted(self.conn.execute(select(audit_log.c.actor).distinct()).scalars())

    def trail(self, alert_id: int) -> list[AuditEntry]:
        rows = self.conn.execute(
            select(*_COLUMNS).where(audit_log.c.alert_id == alert_id).order_by(audit_log.c.id)
        ).all()
        return [_entry(r) for r in rows]
