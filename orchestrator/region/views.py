"""How a 调度令 and its board read, the same on the command line, the console and the JSON API
(pure: plain values for templates and JSON)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from orchestrator.region.directives import Directive, lead_hours
from orchestrator.region.service import Board


def when(t: dt.datetime | None, zone: dt.tzinfo) -> str:
    return t.astimezone(zone).strftime("%Y-%m-%d %H:%M") if t else ""


def directive_json(d: Directive, zone: dt.tzinfo) -> dict[str, Any]:
    return {
        "id": d.id,
        "number": d.number,
        "title": d.title,
        "status": d.status.value,
        "status_label": d.status.label,
        "level": d.level.value,
        "cities": list(d.scope.cities),
        "counties": list(d.scope.counties),
        "start": d.start.astimezone(zone).isoformat(),
        "end": d.end.astimezone(zone).isoformat(),
        "measures": list(d.measures),
        "reason": d.reason,
        "report_within_hours": d.report_within_hours,
        "daily_report_by": d.daily_report_by.strftime("%H:%M"),
        "drafted_by": d.drafted_by,
        "approved_by": d.approved_by,
        "issued_at": d.issued_at.astimezone(zone).isoformat() if d.issued_at else None,
        "lifted_at": d.lifted_at.astimezone(zone).isoformat() if d.lifted_at else None,
    }


def board_rows(board: Board, zone: dt.tzinfo) -> list[dict[str, Any]]:
    """Each city the order binds: received, its alert and lead time, receipts, the newest daily
    report, a request to lift, what it owes now."""
    d = board.directive
    rows: list[dict[str, Any]] = []
    for s in board.cities:
        start: Mapping[str, object] = s.start.body if s.start else {}
        daily: Mapping[str, object] = s.daily.body if s.daily else {}
        rows.append(
            {
                "city": s.city,
                "name": s.name,
                "received_at": when(s.forwarded_at, zone) or None,
                "alert": start.get("document_number") or None,
                "alert_issued_at": when(s.alert_issued_at, zone) or None,
                "lead_hours": lead_hours(d, s),
                "orders": start.get("orders"),
                "acknowledged": start.get("acknowledged"),
                "daily_day": s.daily.day.isoformat() if s.daily and s.daily.day else None,
                "daily_reported": daily.get("reported"),
                "daily_expected": daily.get("expected"),
                "lift_request": s.lift_request.body.get("reason") if s.lift_request else None,
                "lift_request_number": s.lift_request.body.get("number")
                if s.lift_request
                else None,
                "chased_at": when(s.chased_at, zone) or None,
                "owed": list(board.owed[s.city]),
            }
        )
    return rows
