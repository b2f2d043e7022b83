"""The audit log: who did what and when — every alert action (drafted, submitted, approved,
issued, …) and the console's own (signing in and out, failed sign-ins, list uploads, resends).
Written in the transaction of the action it records; never changed afterwards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from orchestrator.db.tables import audit_log

_KINDS = {"issue": "启动", "upgrade": "升级", "downgrade": "降级", "extend": "延长", "lift": "解除"}

#: What each action is called on the pages.
LABELS: dict[str, str] = {
    **{f"draft_{k}": f"起草{v}" for k, v in _KINDS.items()},
    **{f"issue_{k}": f"发布{v}" for k, v in _KINDS.items()},
    "submit": "提交审批",
    "approve": "批准",
    "reject": "退回",
    "withdraw": "撤回",
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "sign_out": "退出",
    "list_import": "导入应急减排清单",
    "resend": "重新投递",
}


def label(action: str) -> str:
    return LABELS.get(action, action)


def record(
    conn: Connection,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    reason: str = "",
    alert_id: int | None = None,
    revision_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One entry, inside the caller's transaction."""
    conn.execute(
        insert(audit_log).values(
            at=at,
            actor=actor,
            action=action,
            alert_id=alert_id,
            revision_id=revision_id,
            reason=reason,
            detail=detail or {},
        )
    )


@dataclass(frozen=True, slots=True)
class Entry:
    at: dt.datetime
    actor: str
    action: str
    alert_id: int | None
    reason: str
    detail: dict[str, Any]

    @property
    def label(self) -> str:
        return label(self.action)


def entries(
    engine: Engine,
    *,
    actor: str = "",
    action: str = "",
    alert_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Entry], int]:
    """A page of entries, newest first, and how many match."""
    t = audit_log
    where = []
    if actor:
        where.append(t.c.actor == actor)
    if action:
        where.append(t.c.action == action)
    if alert_id is not None:
        where.append(t.c.alert_id == alert_id)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        rows = conn.execute(
            select(t.c.at, t.c.actor, t.c.action, t.c.alert_id, t.c.reason, t.c.detail)
            .where(*where)
            .order_by(t.c.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
    return [Entry(*r) for r in rows], int(total)


def actors(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(audit_log.c.actor).distinct()).scalars())
