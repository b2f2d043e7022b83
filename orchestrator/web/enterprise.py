"""The enterprises' pages behind their signed links — read the order (or a recurring-control
notice), acknowledge it (签收), report implementation (落实情况) — and the SMS gateway's
delivery-report callback. Pages are server-rendered, small and readable on a phone."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.daily.model import Via, due_at
from orchestrator.daily.render import owed_form
from orchestrator.daily.service import DailyDispatch
from orchestrator.delivery.callbacks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackRefused,
    verify,
)
from orchestrator.delivery.model import OrderView, ReceiptRefused, ReportOutcome, Scope
from orchestrator.delivery.units import TaskView
from orchestrator.errors import OrchestratorError
from orchestrator.notices.contexts import cn_time
from orchestrator.notices.links import LinkGrant, LinkInvalid
from orchestrator.web.signed import SignedPages
from orchestrator.web.site import Site

_NOTICES = {
    "ack": "签收成功，请按要求落实各项措施，并及时报送落实情况。",
    "report": "落实情况已报送，谢谢。",
    "daily": "日报已报送，谢谢。",
}


def enterprise_router(site: Site) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    receipts, clock, zone = site.receipts, site.clock, site.zone
    prefix, reached = site.served(site.office.acknowledge_base, "/ack")

    pages = SignedPages(site)
    page, refused = pages.page, pages.refused

    def grant_of(token: str) -> LinkGrant | HTMLResponse:
        try:
            return site.links.verify(token, clock.now())
        except LinkInvalid as exc:
            return pages.link_refused(exc)

    def unit_page(
        token: str, grant: LinkGrant, *, notice: str = "", error: str = "", status: int = 200
    ) -> HTMLResponse:
        assert grant.alert_id is not None
        tasks = site.units.tasks(grant.alert_id, grant.uscc)
        if not tasks:
            return refused("未找到任务单", "未找到本单位的应急响应任务单。", 404)
        now = clock.now()
        return page(
            "web/unit.html",
            status,
            name=site.units.name(grant.uscc),
            code=grant.uscc,
            expires=cn_time(grant.expires, zone),
            tasks=[_task_view(t, zone) for t in tasks],
            today=_today(site.daily, grant.alert_id, grant.uscc, now, zone),
            base=f"{reached}/{token}",
            notice=notice,
            error=error,
        )

    def enterprise_page(
        token: str, grant: LinkGrant, *, notice: str = "", error: str = "", status: int = 200
    ) -> HTMLResponse:
        if grant.alert_id is not None and site.units.is_unit(grant.uscc):
            return unit_page(token, grant, notice=notice, error=error, status=status)
        orders = receipts.orders(_scope(grant), grant.uscc)
        if not orders:
            return refused("未找到通知", "未找到本单位的相关通知或应急响应指令。", 404)
        views = [_order_view(o, zone, current=(i == 0)) for i, o in enumerate(orders)]
        return page(
            "web/enterprise.html",
            status,
            name=orders[0].entry["name"],
            uscc=grant.uscc,
            expires=cn_time(grant.expires, zone),
            orders=views,
            base=f"{reached}/{token}",
            notice=notice,
            error=error,
        )

    @router.get(prefix + "/{token}", response_class=HTMLResponse)
    def enterprise(token: str, done: str = "") -> Response:
        grant = grant_of(token)
        if isinstance(grant, HTMLResponse):
            return grant
        return enterprise_page(token, grant, notice=_NOTICES.get(done, ""))

    @router.get(prefix + "/{token}/order/{ref}", response_class=HTMLResponse)
    def order(token: str, ref: int) -> Response:
        grant = grant_of(token)
        if isinstance(grant, HTMLResponse):
            return grant
        if grant.alert_id is not None and site.units.is_unit(grant.uscc):
            if not any(t.ref == ref for t in site.units.tasks(grant.alert_id, grant.uscc)):
                return refused("未找到任务单", "未找到本单位的该份任务单。", 404)
            task = site.units.document(ref, grant.uscc)
            assert task is not None
            return HTMLResponse(task)
        found = [o for o in receipts.orders(_scope(grant), grant.uscc) if o.ref == ref]
        if not found:
            return refused("未找到通知", "未找到本单位的该份通知或指令。", 404)
        body = receipts.order_document(found[0].subject, grant.uscc)
        assert body is not None
        return HTMLResponse(body)

    async def posted_form(
        token: str, request: Request
    ) -> tuple[LinkGrant, dict[str, str], int] | Response:
        """A form posted through a link: (grant, fields, the order's ref), or the refusal."""
        grant = grant_of(token)
        if isinstance(grant, HTMLResponse):
            return grant
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            ref = int(form.get("ref", ""))
        except ValueError:
            return enterprise_page(
                token, grant, error="请求缺少通知编号，请刷新页面后重试。", status=400
            )
        return grant, form, ref

    @router.post(prefix + "/{token}/acknowledge")
    async def acknowledge(token: str, request: Request) -> Response:
        posted = await posted_form(token, request)
        if isinstance(posted, Response):
            return posted
        grant, form, ref = posted
        try:
            if grant.alert_id is not None and site.units.is_unit(grant.uscc):
                await run_in_threadpool(
                    site.units.acknowledge,
                    grant.alert_id,
                    grant.uscc,
                    ref,
                    signer=form.get("signer", ""),
                    now=clock.now(),
                )
            else:
                await run_in_threadpool(
                    receipts.acknowledge,
                    _scope(grant),
                    grant.uscc,
                    ref,
                    signer=form.get("signer", ""),
                    now=clock.now(),
                )
        except ReceiptRefused as exc:
            return enterprise_page(token, grant, error=str(exc), status=400)
        return RedirectResponse(f"{prefix}/{token}?done=ack#r{ref}", status_code=303)

    @router.post(prefix + "/{token}/daily")
    async def daily_report(token: str, request: Request) -> Response:
        """A unit's daily report (每日调度): duty by duty, with its figures."""
        grant = grant_of(token)
        if isinstance(grant, HTMLResponse):
            return grant
        if grant.alert_id is None or not site.units.is_unit(grant.uscc):
            return refused("未找到日报", "本链接无须报送单位日报。", 404)
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            day = dt.date.fromisoformat(form.get("day", ""))
        except ValueError:
            return unit_page(token, grant, error="请求缺少日报日期，请刷新页面后重试。", status=400)
        count = sum(1 for k in form if k.startswith("done_"))
        marks = [form.get(f"done_{i}") for i in range(count)]
        if any(m not in ("0", "1") for m in marks):
            return unit_page(token, grant, error="请逐项选择“已落实”或“未落实”。", status=400)
        current = site.units.tasks(grant.alert_id, grant.uscc)
        if current and current[0].acknowledged_at is None:
            return unit_page(
                token, grant, error="请先签收本单位最新任务单，再报送日报。", status=400
            )
        try:
            await run_in_threadpool(
                functools.partial(
                    site.daily.submit,
                    grant.alert_id,
                    grant.uscc,
                    day,
                    done=[m == "1" for m in marks],
                    notes=[form.get(f"note_{i}", "") for i in range(count)],
                    figures=[form.get(f"figure_{i}", "") for i in range(count)],
                    note=form.get("note", ""),
                    by=form.get("by", ""),
                    via=Via.PAGE,
                    now=clock.now(),
                )
            )
        except OrchestratorError as exc:
            return unit_page(token, grant, error=str(exc), status=400)
        return RedirectResponse(f"{prefix}/{token}?done=daily#daily", status_code=303)

    @router.post(prefix + "/{token}/report")
    async def report(token: str, request: Request) -> Response:
        posted = await posted_form(token, request)
        if isinstance(posted, Response):
            return posted
        grant, form, ref = posted
        count = sum(1 for k in form if k.startswith("done_"))
        marks = [form.get(f"done_{i}") for i in range(count)]
        if any(m not in ("0", "1") for m in marks):
            return enterprise_page(token, grant, error="请逐条选择“已落实”或“未落实”。", status=400)
        done = [m == "1" for m in marks]
        notes = [form.get(f"note_{i}", "") for i in range(count)]
        try:
            if grant.alert_id is not None:  # also today's daily report, if one is owed
                await run_in_threadpool(
                    functools.partial(
                        _daily_of_enterprise, site, grant.alert_id, grant.uscc, ref, done, notes,
                        form.get("note", ""), clock.now(),
                    )
                )  # fmt: skip
        except OrchestratorError as exc:
            return enterprise_page(token, grant, error=str(exc), status=400)
        try:
            await run_in_threadpool(
                receipts.report,
                _scope(grant),
                grant.uscc,
                ref,
                done=[m == "1" for m in marks],
                notes=[form.get(f"note_{i}", "") for i in range(count)],
                note=form.get("note", ""),
                now=clock.now(),
            )
        except ReceiptRefused as exc:
            return enterprise_page(token, grant, error=str(exc), status=400)
        return RedirectResponse(f"{prefix}/{token}?done=report#r{ref}", status_code=303)

    @router.post("/callbacks/sms")
    async def sms_report(request: Request) -> JSONResponse:
        # without a shared secret anyone could mark deliveries delivered: not served at all
        key = site.sms_callback
        if key is None:
            return JSONResponse(
                {
                    "ok": False,
                    "message": "短信回执接口未配置签名密钥（callback_secret_env），不予受理",
                },
                status_code=503,
            )
        body = await request.body()
        try:
            verify(
                key,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                body,
                clock.now().timestamp(),
            )
        except CallbackRefused as exc:
            return JSONResponse({"ok": False, "message": f"未授权：{exc}"}, status_code=401)
        try:
            data = json.loads(body)
            ref, status = str(data["ref"]), str(data["status"]).lower()
        except (ValueError, KeyError, TypeError):
            return JSONResponse(
                {"ok": False, "message": '请求体应为JSON：{"ref": …, "status": …}'}, status_code=400
            )
        if status not in ("delivered", "failed"):
            return JSONResponse(
                {"ok": False, "message": "status 应为 delivered 或 failed"}, status_code=400
            )
        outcome = await run_in_threadpool(
            site.outbox.record_report,
            ref,
            status == "delivered",
            str(data.get("error", ""))[:500],
            clock.now(),
        )
        if outcome is ReportOutcome.UNKNOWN:
            return JSONResponse(
                {"ok": False, "message": f"没有待确认的投递：{ref}"}, status_code=404
            )
        return JSONResponse({"ok": True, "repeat": outcome is ReportOutcome.REPEAT})

    return router


def _daily_of_enterprise(
    site: Site,
    alert_id: int,
    uscc: str,
    ref: int,
    done: list[bool],
    notes: list[str],
    note: str,
    now: dt.datetime,
) -> None:
    """An enterprise's implementation report is also its daily report of today, while the
    alert is in force (每日调度): its lines under measures, as the order lists them."""
    day = now.astimezone(site.zone).date()
    try:
        owes = site.daily.owes(alert_id, uscc, day)
    except OrchestratorError:
        return  # no daily report owed today (not in force, or not this enterprise)
    orders = [o for o in site.receipts.orders(Scope(alert_id=alert_id), uscc) if o.ref == ref]
    if (
        not orders
        or orders[0].acknowledged_at is None
        or len(done) != len(orders[0].entry["lines"])
    ):
        return  # the implementation report refuses it, saying why
    by_line = {
        ln["name"]: (d, n) for ln, d, n in zip(orders[0].entry["lines"], done, notes, strict=True)
    }
    owed = owes.owed
    if all(o.key in by_line for o in owed):
        marks = [by_line[o.key] for o in owed]
    else:  # one item for the whole order (no line under a measure)
        marks = [(all(done), "；".join(n for n in notes if n.strip()))]
    site.daily.submit(
        alert_id,
        uscc,
        day,
        done=[d for d, _ in marks],
        notes=[n for _, n in marks],
        note=note,
        by=orders[0].signer or "企业",
        via=Via.PAGE,
        now=now,
    )


def _task_view(t: TaskView, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "ref": t.ref,
        "title": t.title,
        "level": t.level,
        "document_number": t.document_number,
        "issued": cn_time(t.issued_at, zone),
        "start": cn_time(t.start, zone),
        "end": cn_time(t.end, zone) if t.end else "",
        "deadline": cn_time(t.deadline, zone),
        "acknowledged": cn_time(t.acknowledged_at, zone) if t.acknowledged_at else "",
        "signer": t.signer,
    }


def _today(
    daily: DailyDispatch, alert_id: int, code: str, now: dt.datetime, zone: ZoneInfo
) -> dict[str, Any] | None:
    """Today's daily report form of the unit (None: none owed today)."""
    day = now.astimezone(zone).date()
    try:
        owes = daily.owes(alert_id, code, day)
    except OrchestratorError:
        return None
    got = daily.report(alert_id, code, day)
    return {
        "iso": day.isoformat(),
        "day": f"{day.month}月{day.day}日",
        "due": cn_time(due_at(day, daily.report_by, zone), zone),
        "reported": cn_time(got.reported_at, zone) if got is not None else "",
        "note": got.note if got is not None else "",
        "by": got.by if got is not None else "",
        "owed": owed_form(owes, got),
    }


def _scope(grant: LinkGrant) -> Scope:
    return Scope(alert_id=grant.alert_id, round_id=grant.round_id)


def _order_view(o: OrderView, zone: ZoneInfo, *, current: bool) -> dict[str, Any]:
    report = o.report or {}
    items = report.get("items") or []
    lines = []
    for i, ln in enumerate(o.entry["lines"]):
        item = items[i] if i < len(items) else {}
        lines.append(
            {
                "name": ln["name"],
                "measure": ln["measure"]["text"] if ln["measure"] else "—",
                "check": ln["check_method"] or "现场检查",
                "done": item.get("done"),
                "note": item.get("note", ""),
            }
        )
    return {
        "ref": o.ref,
        "title": o.title,
        "control": o.control,
        "level": o.level,
        "document_number": o.document_number,
        "issued": cn_time(o.issued_at, zone),
        "start": cn_time(o.start, zone),
        "end": cn_time(o.end, zone) if o.end else "",
        "deadline": cn_time(o.deadline, zone),
        "acknowledged": cn_time(o.acknowledged_at, zone) if o.acknowledged_at else "",
        "signer": o.signer,
        "reported": cn_time(report["reported_at"], zone) if report else "",
        "note": report.get("note", ""),
        "lines": lines,
        "current": current,
    }
