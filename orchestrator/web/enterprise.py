"""The enterprises' pages behind their signed links — read the order (or a recurring-control
notice), acknowledge it (签收), report implementation (落实情况) — and the SMS gateway's
delivery-report callback. Pages are server-rendered, small and readable on a phone."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.delivery.callbacks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackRefused,
    verify,
)
from orchestrator.delivery.model import OrderView, ReceiptRefused, ReportOutcome, Scope
from orchestrator.notices.contexts import cn_time
from orchestrator.notices.links import LinkGrant, LinkInvalid
from orchestrator.web.site import Site

_NOTICES = {
    "ack": "签收成功，请按要求落实各项措施，并及时报送落实情况。",
    "report": "落实情况已报送，谢谢。",
}


def enterprise_router(site: Site) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    receipts, clock, zone, env = site.receipts, site.clock, site.zone, site.env
    prefix = urlsplit(site.office.acknowledge_base).path.rstrip("/") or "/ack"

    def page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = env.get_template(template).render(
            office=site.office.issuer, office_phone=site.office.phone, **values
        )
        return HTMLResponse(html, status_code=status)  # headers: web.guard

    def refused(title: str, message: str, status: int) -> HTMLResponse:
        return page("web/message.html", status, title=title, message=message)

    def grant_of(token: str) -> LinkGrant | HTMLResponse:
        try:
            return site.links.verify(token, clock.now())
        except LinkInvalid as exc:
            expired = "过期" in str(exc)
            return refused("链接不可用", str(exc), 410 if expired else 404)

    def enterprise_page(
        token: str, grant: LinkGrant, *, notice: str = "", error: str = "", status: int = 200
    ) -> HTMLResponse:
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
            base=f"{prefix}/{token}",
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
