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
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.model import Session
from orchestrator.consultation.model import Consultation
from orchestrator.notices.contexts import cn_time
from orchestrator.response.model import RevisionStatus
from orchestrator.web.console.base import HEADERS, Console, Id
from orchestrator.web.console.documents import printed, with_bar
from orchestrator.web.dashboard import consultation_chart


def consultation_routes(router: APIRouter, c: Console) -> None:
    site = c.site
    zone = site.zone

    def one(request: Request, consultation_id: int) -> tuple[Session, Consultation] | Response:
        """The signed-in session and the consultation, or the sign-in page or a 404."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        found = site.consultant.record(consultation_id)
        if found is None:
            return c.message(session, "未找到会商", f"会商第{consultation_id}次不存在", 404)
        return session, found

    def _open_draft(alert_id: int | None) -> bool:
        """Whether the consultation's draft still stands (it was not withdrawn)."""
        if alert_id is None:
            return False
        status = site.alerts.current(alert_id).state.status
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
            for r in site.consultant.recorded()
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
            prefill = c.url("/alerts/new?") + urlencode(
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
        here = f"/consultations/{consultation_id}"
        return HTMLResponse(
            with_bar(
                found[1].html,
                [
                    (here, f"← 返回会商第{consultation_id}次"),
                    (f"{here}/opinion.pdf", "下载PDF（打印）"),
                ],
            ),
            headers=HEADERS,
        )

    @router.get("/consultations/{consultation_id}/opinion.pdf")
    async def consultation_opinion_pdf(request: Request, consultation_id: Id) -> Response:
        found = await run_in_threadpool(one, request, consultation_id)
        if isinstance(found, Response):
            return found
        session, record = found
        return await printed(c, session, record.html, f"会商意见-第{consultation_id}次.pdf")


def _local(text: str | None, zone: Any) -> str:
    """An ISO instant as the value of a datetime-local field, in city time."""
    if not text:
        return ""
    return dt.datetime.fromisoformat(text).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
