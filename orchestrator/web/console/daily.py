"""每日调度 in the console: the units of an alert and their state (task notice delivered, signed,
today's report), the day's roll-up (应急管控工作日报) with its PDF and workbook, and a report
entered by the office for an enterprise or unit that phoned it in (代报)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.model import Permission
from orchestrator.daily.model import Via, figure_labels
from orchestrator.daily.render import owed_form, report_context, roll_up_html
from orchestrator.daily.workbook import roll_up_workbook
from orchestrator.errors import InputInvalid, OrchestratorError
from orchestrator.notices.contexts import cn_time
from orchestrator.web.console.base import HEADERS, Console, Id
from orchestrator.web.console.documents import printed

SHOWN = 100  # missing reporters and problems the page lists (the workbook has all)


def daily_routes(router: APIRouter, c: Console) -> None:
    site = c.site
    zone = site.zone

    def day_of(text: str) -> dt.date:
        if not text:
            return site.clock.now().astimezone(zone).date()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            raise InputInvalid(f"日期应为YYYY-MM-DD，实为“{text[:10]}”") from None

    @router.get("/alerts/{alert_id}/units", response_class=HTMLResponse)
    def alert_units(request: Request, alert_id: Id, day: str = "") -> Response:
        """The units the alert's newest revision tasked: delivery, signature, the day's report."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            on = day_of(day)
            site.alerts.current(alert_id)
            revision_id, states = site.units.states(alert_id)
            reports = site.daily.reports(alert_id, on, [s.code for s in states])
        except OrchestratorError as exc:
            return c.refused(session, "成员单位和县乡", exc)
        if revision_id is None:
            return c.message(session, "尚未发布", f"预警{alert_id}尚未发布，没有任务单", 404)
        rows = []
        for s in states:
            got = reports.get(s.code)
            rows.append(
                {
                    "code": s.code,
                    "name": s.name,
                    "county": s.county or "市直",
                    "delivery": s.delivery.label if s.delivery else "待投递",
                    "failed": s.delivery is not None and not s.delivery.reached
                    and s.delivery.rank < 2,
                    "acknowledged": cn_time(s.acknowledged_at, zone) if s.acknowledged_at else "",
                    "signer": s.signer,
                    "reported": cn_time(got.reported_at, zone) if got else "",
                    "done": f"{sum(i.done for i in got.items)}/{len(got.items)}" if got else "",
                    "figures": "；".join(f"{i.figure:g}" for i in got.items if i.figure is not None)
                    if got
                    else "",
                }
            )  # fmt: skip
        signed = sum(1 for r in rows if r["acknowledged"])
        reported = sum(1 for r in rows if r["reported"])
        return c.page(
            "console/units.html",
            session=session,
            alert_id=alert_id,
            day=on.isoformat(),
            rows=rows,
            signed=signed,
            reported=reported,
        )

    @router.get("/alerts/{alert_id}/daily", response_class=HTMLResponse)
    def alert_daily(request: Request, alert_id: Id, day: str = "", done: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            on = day_of(day)
            days = site.daily.days(alert_id, site.clock.now())
            r = site.daily.roll_up(alert_id, on, site.clock.now())
        except OrchestratorError as exc:
            return c.refused(session, "应急管控工作日报", exc)
        return c.page(
            "console/daily.html",
            session=session,
            alert_id=alert_id,
            d=report_context(r, zone),
            labels=figure_labels(r),
            days=[d.isoformat() for d in days],
            shown=SHOWN,
            notice="日报已代为报送。" if done == "entry" else "",
        )

    @router.get("/alerts/{alert_id}/daily.xlsx")
    def alert_daily_xlsx(request: Request, alert_id: Id, day: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            on = day_of(day)
            r = site.daily.roll_up(alert_id, on, site.clock.now())
        except OrchestratorError as exc:
            return c.refused(session, "应急管控工作日报", exc)
        body = roll_up_workbook(r, region_name=site.office.region_name, zone=zone)
        name = quote(f"日报-预警{alert_id}-{on.isoformat()}.xlsx")
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={**HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )

    @router.get("/alerts/{alert_id}/daily.pdf")
    async def alert_daily_pdf(request: Request, alert_id: Id, day: str = "") -> Response:
        session = await run_in_threadpool(c.require, request)
        if isinstance(session, Response):
            return session
        try:
            on = day_of(day)
            r = await run_in_threadpool(site.daily.roll_up, alert_id, on, site.clock.now())
        except OrchestratorError as exc:
            return c.refused(session, "应急管控工作日报", exc)
        html = roll_up_html(
            site.env, r, office=site.office.issuer, region_name=site.office.region_name, zone=zone
        )
        return await printed(c, session, html, f"日报-预警{alert_id}-{on.isoformat()}.pdf")

    def entry_page(
        session: Any, alert_id: int, code: str, on: dt.date, error: str = "", status: int = 200
    ) -> Response:
        owes = site.daily.owes(alert_id, code, on)
        got = site.daily.report(alert_id, code, on)
        return c.page(
            "console/daily_entry.html",
            status,
            session=session,
            alert_id=alert_id,
            day=on.isoformat(),
            code=code,
            name=owes.name,
            reporter=owes.reporter.label,
            owed=owed_form(owes, got),
            error=error,
        )

    @router.get("/alerts/{alert_id}/daily/entry", response_class=HTMLResponse)
    def alert_daily_entry(
        request: Request, alert_id: Id, code: str = "", day: str = ""
    ) -> Response:
        """The form the office enters a report on for one enterprise or unit (代报)."""
        session = c.require(request, Permission.DAILY)
        if isinstance(session, Response):
            return session
        try:
            return entry_page(session, alert_id, code.strip().upper()[:18], day_of(day))
        except OrchestratorError as exc:
            return c.refused(session, "代报日报", exc)

    @router.post("/alerts/{alert_id}/daily")
    async def alert_daily_enter(request: Request, alert_id: Id) -> Response:
        posted = await c.form(request, Permission.DAILY)
        if isinstance(posted, Response):
            return posted
        session, form = posted
        code = form.get("code", "").strip().upper()[:18]
        try:
            on = day_of(form.get("day", ""))
        except OrchestratorError as exc:
            return c.refused(session, "代报日报", exc)
        count = sum(1 for k in form if k.startswith("done_"))
        marks = [form.get(f"done_{i}") for i in range(count)]
        try:
            if any(m not in ("0", "1") for m in marks):
                raise InputInvalid("请逐项选择“已落实”或“未落实”。")
            await run_in_threadpool(
                functools.partial(
                    site.daily.submit,
                    alert_id,
                    code,
                    on,
                    done=[m == "1" for m in marks],
                    notes=[form.get(f"note_{i}", "") for i in range(count)],
                    figures=[form.get(f"figure_{i}", "") for i in range(count)],
                    note=form.get("note", ""),
                    by=f"{form.get('by', '').strip()}（{session.user.display_name}代报）"
                    if form.get("by", "").strip()
                    else "",
                    via=Via.CONSOLE,
                    now=site.clock.now(),
                )
            )
        except OrchestratorError as exc:
            try:
                return await run_in_threadpool(
                    entry_page, session, alert_id, code, on, str(exc), 400
                )
            except OrchestratorError:
                return c.refused(session, "代报日报", exc)
        return RedirectResponse(
            f"/alerts/{alert_id}/daily?day={on.isoformat()}&done=entry", status_code=303
        )
