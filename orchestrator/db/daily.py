"""Daily reports (每日调度) in the database: one per alert, reporter and day, replaced when
reported again; each day's round (the chase and the roll-up sent) recorded once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from sqlalchemy import Connection, Text, cast, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.daily.model import DailyReport, Filed, Item, Reporter, Via
from orchestrator.db.bulk import duplicate
from orchestrator.db.tables import daily_reports, daily_rounds


def _values(r: DailyReport) -> dict[str, Any]:
    return {
        "reporter": r.reporter.value,
        "revision_id": r.revision_id,
        "items": [
            {"key": i.key, "done": i.done, "note": i.note, "figure": i.figure} for i in r.items
        ],
        "note": r.note,
        "complete": r.complete,
        "items_count": len(r.items),
        "done_count": sum(1 for i in r.items if i.done),
        "reported_at": r.reported_at,
        "reported_by": r.by,
        "via": r.via.value,
    }


class DailyStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put(self, report: DailyReport) -> bool:
        """Store the report, replacing the reporter's of that day; True if it is the first."""
        t = daily_reports.c
        where = (t.alert_id == report.alert_id, t.code == report.code, t.day == report.day)
        values = _values(report)
        if self.conn.execute(update(daily_reports).where(*where).values(**values)).rowcount:
            return False
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(daily_reports).values(
                        alert_id=report.alert_id, code=report.code, day=report.day, **values
                    )
                )
        except IntegrityError as exc:  # the same report posted twice at once: the later stands
            if not duplicate(exc):
                raise
            self.conn.execute(update(daily_reports).where(*where).values(**values))
            return False
        return True

    def reports(
        self, alert_id: int, day: dt.date, codes: list[str] | None = None
    ) -> dict[str, DailyReport]:
        """The reports of the alert's day (only ``codes``' if given), by code."""
        t = daily_reports.c
        q = select(
            t.code,
            t.reporter,
            t.revision_id,
            cast(t["items"], Text),
            t.note,
            t.reported_at,
            t.reported_by,
            t.via,
        ).where(t.alert_id == alert_id, t.day == day)
        if codes is not None:
            q = q.where(t.code.in_(codes))
        out = {}
        for code, reporter, rid, items, note, at, by, via in self.conn.execute(q):
            out[str(code)] = DailyReport(
                alert_id=alert_id,
                day=day,
                code=str(code),
                reporter=Reporter(reporter),
                revision_id=int(rid),
                items=tuple(
                    Item(
                        key=i["key"],
                        done=bool(i["done"]),
                        note=i.get("note") or "",
                        figure=i.get("figure"),
                    )
                    for i in orjson.loads(items)
                ),
                note=str(note),
                reported_at=at,
                by=str(by),
                via=Via(via),
            )
        return out

    def filed(self, alert_id: int, day: dt.date) -> dict[str, Filed]:
        """The day's reports as the roll-up counts them: every one's counts, and the items of
        those that need them (a unit's — its figures — and any with an item not done)."""
        t = daily_reports.c
        where = (t.alert_id == alert_id, t.day == day)
        detail: dict[str, tuple[tuple[Item, ...], str]] = {}
        needed = select(t.code, cast(t["items"], Text), t.note).where(
            *where, or_(t.complete.is_(False), t.reporter == "unit")
        )
        for code, items, note in self.conn.execute(needed):
            detail[str(code)] = (
                tuple(
                    Item(i["key"], bool(i["done"]), i.get("note") or "", i.get("figure"))
                    for i in orjson.loads(items)
                ),
                str(note),
            )
        return {
            str(code): Filed(at, int(n), int(d), *detail.get(str(code), ((), "")))
            for code, at, n, d in self.conn.execute(
                select(t.code, t.reported_at, t.items_count, t.done_count).where(*where)
            )
        }

    def days(self, alert_id: int) -> dict[dt.date, int]:
        """How many reports each day of the alert has."""
        t = daily_reports.c

        return {
            d: int(n)
            for d, n in self.conn.execute(
                select(t.day, func.count()).where(t.alert_id == alert_id).group_by(t.day)
            )
        }

    def take_round(
        self, alert_id: int, day: dt.date, at: dt.datetime, summary: dict[str, Any]
    ) -> bool:
        """Record the day's round as done (False: it was done already, by another process)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(daily_rounds).values(
                        alert_id=alert_id, day=day, done_at=at, summary=summary
                    )
                )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            return False
        return True

    def rounds(self, alert_id: int) -> dict[dt.date, dict[str, Any]]:
        """Each day's round done for the alert: its summary as sent."""
        t = daily_rounds.c
        return {
            d: dict(s)
            for d, s in self.conn.execute(
                select(t.day, t.summary).where(t.alert_id == alert_id).order_by(t.day)
            )
        }
