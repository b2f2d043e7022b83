"""The console's consultation pages: the list, one consultation (its recommendation, the 3-day
table and chart, data problems, the draft it made) with the signed opinion as it was recorded,
and, for a recommendation to issue that was not drafted (a degraded consultation proposes
nothing automatically), the draft form filled in from it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from orchestrator import command_office as office
from orchestrator.db.tables import consultations
from orchestrator.notices.alert_notices import cn_time
from orchestrator.plans.lifecycle import RevisionStatus
from orchestrator.web import accounts
from orchestrator.web.console import HEADERS, Console, Id
from orchestrator.web.dashboard import consultation_chart


def consultation_routes(router: APIRouter, c: Console) -> None:
    engine, site = c.engine, c.site
    zone = site.zone

    def rows(where: Any = None, limit: int = 50) -> list[Any]:
        q = (
            select(consultations)
            .where(consultations.c.region_code == site.region_code)
            .order_by(consultations.c.slot.desc())
            .limit(limit)
        )
        if where is not None:
            q = q.where(where)
        with engine.connect() as conn:
            return list(conn.execute(q).all())

    def one(request: Request, consultation_id: int) -> tuple[accounts.Session, Any] | Response:
        """The signed-in session and the consultation, or the sign-in page or a 404."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        found = rows(consultations.c.id == consultation_id, 1)
        if not found:
            return c.message(session, "未找到会商", f"会商第{consultation_id}次不存在", 404)
        return session, found[0]

    def _open_draft(alert_id: int | None) -> bool:
        """Whether the consultation's draft still stands (it was not withdrawn)."""
        if alert_id is None:
            return False
        status = office.current(office.revisions(engine, alert_id)).state.status
        return status is not RevisionStatus.WITHDRAWN

    @router.get("/consultations", response_class=HTMLResponse)
    def consultation_list(request: Request) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        items = [
            {
                "id": r.id,
                "slot": cn_time(r.slot, zone),
                "headline": r.record["recommendation"]["headline"],
                "degraded": r.degraded,
                "alert_id": r.alert_id,
                "trigger": "定时" if r.trigger == "schedule" else "手动",
            }
            for r in rows()
        ]
        return c.page("console/consultations.html", session=session, items=items)

    @router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
    def consultation_page(request: Request, consultation_id: Id) -> Response:
        found = one(request, consultation_id)
        if isinstance(found, Response):
            return found
        session, r = found
        rec = r.record
        rec_ = rec["recommendation"]
        prefill = ""
        if rec_.get("level") and rec_["action"] == "issue" and not _open_draft(r.alert_id):
            prefill = "/alerts/new?" + urlencode(
                {
                    "level": rec_["level"],
                    "start": _local(rec_.get("start"), zone),
                    "end": _local(rec_.get("end"), zone),
                    "reason": f"{cn_time(r.slot, zone)}会商研判：{rec_['headline']}",
                }
            )
        return c.page(
            "console/consultation.html",
            session=session,
            r=r,
            rec=rec,
            slot=cn_time(r.slot, zone),
            chart=consultation_chart(rec),
            prefill=prefill,
        )

    @router.get("/consultations/{consultation_id}/opinion", response_class=HTMLResponse)
    def consultation_opinion(request: Request, consultation_id: Id) -> Response:
        found = one(request, consultation_id)
        if isinstance(found, Response):
            return found
        return HTMLResponse(found[1].html, headers=HEADERS)


def _local(text: str | None, zone: Any) -> str:
    """An ISO instant as the value of a datetime-local field, in city time."""
    if not text:
        return ""
    return dt.datetime.fromisoformat(text).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
