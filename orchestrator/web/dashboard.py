"""What the console's dashboard (值班台) shows, read in one place: the alert in force with the
time it has left, the newest consultation with its chart, receipt progress of the alert's
orders and of the newest control round, and deliveries that failed."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo

from orchestrator.consultation.opinion import chart
from orchestrator.consultation.ports import ConsultationUnitOfWork
from orchestrator.consultation.service import Consultant
from orchestrator.controls.ports import ControlUnitOfWork
from orchestrator.controls.service import ControlOffice
from orchestrator.delivery.outbox import Outbox
from orchestrator.delivery.ports import DeliveryUnitOfWork
from orchestrator.delivery.receipts import Receipts
from orchestrator.notices.contexts import cn_time
from orchestrator.response.service import CommandOffice

T = TypeVar("T")


def consultation_chart(record: dict[str, Any]) -> dict[str, Any] | None:
    """The chart of a consultation record (None when it had no forecast days)."""
    return chart(record) if record.get("detail") or record.get("trend") else None


def remaining(until: dt.datetime, now: dt.datetime) -> str:
    """剩余2天3小时 / 剩余45分钟 — the time left, in words."""
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return "已到期"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else ""]
    if not days:
        parts.append(f"{minutes}分钟" if minutes or not hours else "")
    return "剩余" + "".join(parts)


class Recent:
    """Values recomputed at most every ``seconds`` (monotonic time): while one request computes a
    value, the others take the previous one (or, if there is none yet, wait for it)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._values: dict[Hashable, tuple[float, Any]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def forget(self, key: Hashable) -> None:
        """The next :meth:`get` of ``key`` computes it afresh (this process changed it)."""
        self._values.pop(key, None)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if self.seconds <= 0:
            return compute()
        held = self._values.get(key)
        if held is not None and time.monotonic() - held[0] < self.seconds:
            return cast(T, held[1])
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if held is not None and not lock.acquire(blocking=False):
            return cast(T, held[1])  # being recomputed: the previous value meanwhile
        if held is None:
            lock.acquire()
        try:
            held = self._values.get(key)
            if held is not None and time.monotonic() - held[0] < self.seconds:
                return cast(T, held[1])
            value = compute()
            self._values[key] = (time.monotonic(), value)
            return value
        finally:
            lock.release()


@dataclass(frozen=True)
class Limits:
    """When the dashboard flags a process as silent or the newest consultation as old."""

    worker_minutes: float = 10.0
    scheduler_minutes: float = 15.0
    consultation_hours: float = 26.0


def ago(seconds: float) -> str:
    """3分钟前 / 2小时前 / 1天前 — how long ago, in words."""
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)}分钟前"
    if seconds < 86400:
        return f"{int(seconds // 3600)}小时前"
    return f"{int(seconds // 86400)}天前"


def _beat(
    name: str, at: dt.datetime | None, limit: float, now: dt.datetime, zone: ZoneInfo
) -> dict[str, Any]:
    if at is None:
        return {"name": name, "text": "从未运行（未启动或未连接本数据库）", "stale": True}
    age = (now - at).total_seconds()
    return {
        "name": name,
        "text": f"最近运行于{cn_time(at, zone)}（{ago(age)}）",
        "stale": age > limit,
    }


class PageReads(DeliveryUnitOfWork, ConsultationUnitOfWork, ControlUnitOfWork, Protocol):
    """The unit of work a page reads through: one connection for all it shows."""


def dashboard(
    *,
    reads: Callable[[], PageReads],
    alerts: CommandOffice,
    receipts: Receipts,
    consultant: Consultant,
    controls: ControlOffice,
    outbox: Outbox,
    now: dt.datetime,
    zone: ZoneInfo,
    recent: Recent | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """What the dashboard shows, read in one unit of work; with ``recent``, receipt counts may
    be that many seconds old; ``limits``: when a silent process or an old consultation is
    flagged."""
    recent = recent or Recent(0)
    limits = limits or Limits()
    with reads() as uow:
        situation = alerts.situation_in(uow, now)
        newest = next(iter(consultant.recorded_in(uow, 1)), None)
        latest_round = controls.newest_running_in(uow, now)
        failing = outbox.failing_in(uow)
        unrendered = uow.notices.unrendered_alerts()
        beats = uow.beats.newest()
    health = [
        _beat("投递进程", beats.get("delivery"), limits.worker_minutes * 60, now, zone),
        _beat("定时会商", beats.get("scheduler"), limits.scheduler_minutes * 60, now, zone),
    ]
    if newest is None:
        health.append({"name": "最新会商", "text": "尚无会商记录", "stale": True})
    else:
        age = (now - newest.ran_at).total_seconds()
        health.append(
            {
                "name": "最新会商",
                "text": f"{cn_time(newest.slot, zone)}时次，{ago(age)}运行",
                "stale": age > limits.consultation_hours * 3600,
            }
        )
    out: dict[str, Any] = {
        "health": health,
        "stations": (newest.record.get("observed") or {}).get("stations", [])
        if newest is not None
        else [],
        "now": cn_time(now, zone),
        "alert": None,
        "consultation": None,
        "round": None,
        "pending_issue": list(situation.pending_issue),
        "failing_deliveries": failing,
        # issued, notices not stored yet (the delivery worker completes them)
        "notices_pending": unrendered,
    }
    active = situation.active
    if active is not None:
        s = active.state
        if s.start > now:
            when = f"将于{cn_time(s.start, zone)}启动，{remaining(s.start, now).replace('剩余', '距启动')}"
        elif s.end is not None:
            when = f"自{cn_time(s.start, zone)}起执行，至{cn_time(s.end, zone)}，{remaining(s.end, now)}"
        else:
            when = f"自{cn_time(s.start, zone)}起执行，至另行通知"
        alert_id = active.alert_id
        deadline = alerts.office.receipt_deadline(s.issued_at) if s.issued_at else None
        summary = recent.get(
            (
                "alert",
                active.revision_id,
                deadline is not None and now > deadline,
            ),  # overdue counted
            lambda: receipts.summary(alert_id, now=now, listed=20),
        )
        out["alert"] = {
            "id": active.alert_id,
            "level": s.level.value,
            "level_label": s.level.term,
            "document_number": active.document_number,
            "start": cn_time(s.start, zone),
            "when": when,
            "open_change": situation.active_open,
            "receipts": summary.as_dict(),
            "deadline": cn_time(summary.deadline, zone),
        }
    if newest is not None:
        rec = newest.record
        out["consultation"] = {
            "id": newest.id,
            "slot": cn_time(newest.slot, zone),
            "headline": rec["recommendation"]["headline"],
            "degraded": newest.degraded,
            "issues": [i["message"] for i in rec.get("issues", [])],
            "chart": consultation_chart(rec),
            "alert_id": newest.alert_id,
        }
    if latest_round is not None:
        round_id = latest_round.id
        out["round"] = {
            "id": round_id,
            "title": latest_round.title,
            "receipts": recent.get(
                ("round", round_id),
                lambda: receipts.round_summary(round_id, now=now, listed=20),
            ).as_dict(),
        }
    return out
