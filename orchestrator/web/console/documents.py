"""The console's document pages: every document an alert issued, revision by revision — the
notice (启动/调整/解除), the public message, the SMS text, the CAP message and each enterprise's
dispatch order — to read in the console and print (PDF), exactly as stored when it was issued.

A stored document is a page of its own (GB/T 9704 layout); shown in the console it gets a bar
above it (back to the alert, the PDF), which the printout leaves out. Any signed-in user may
read; the documents are the office's and were sent to those they name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape
from starlette.concurrency import run_in_threadpool

from orchestrator.errors import OrchestratorError
from orchestrator.notices.contexts import cn_time
from orchestrator.notices.model import NoticeKind, NoticeRecord
from orchestrator.web.console.base import HEADERS, Console, Id, Pages

#: The kinds a path may name (the order has its own route, by USCC).
KINDS = {k.value: k for k in NoticeKind if k is not NoticeKind.ORDER}
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")

_BAR_STYLE = (
    "<style>.console-bar{font:14px/1.6 sans-serif;background:#1f3a5f;color:#fff;"
    "padding:6px 12px;margin:0 0 12px;display:flex;flex-wrap:wrap;gap:12px}"
    ".console-bar a{color:#fff}@media print{.console-bar{display:none}}</style>"
)


def with_bar(html: str, links: list[tuple[str, str]]) -> str:
    """``html`` (a whole stored document) with the console's bar at the top of its body:
    ``links`` as (href, text). The bar is left out when printing."""
    bar = (
        _BAR_STYLE
        + '<nav class="console-bar" aria-label="文件操作">'
        + "".join(f'<a href="{escape(href)}">{escape(text)}</a>' for href, text in links)
        + "</nav>"
    )
    head, found, rest = html.partition("<body>")
    return head + found + bar + rest if found else bar + html


def pdf_response(body: bytes, filename: str) -> Response:
    name = quote(filename)
    return Response(
        body,
        media_type="application/pdf",
        headers={**HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


def numbered_documents(
    router: APIRouter,
    c: Pages,
    path: str,
    find: Callable[[int], tuple[str, str]] | None,
    pdf: Callable[[str], bytes] | None,
    *,
    name: str,
) -> None:
    """A document found by a number in the path (``path`` holds ``{number}``; ``find`` gives
    its file name and HTML, or raises), served as HTML at ``path`` and as a PDF download at
    ``path.pdf`` to every signed-in reader of the site; ``find`` None: the site offers none."""

    def found(request: Request, number: int) -> tuple[Any, str, str] | Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        if find is None:
            return c.message(session, "未找到", "本平台不提供该文件", 404)
        try:
            filename, html = find(number)
        except OrchestratorError as exc:
            return c.refused(session, "没有该文件", exc)
        return session, filename, html

    async def page(request: Request, number: Id) -> Response:
        got = await run_in_threadpool(found, request, number)
        if isinstance(got, Response):
            return got
        return HTMLResponse(got[2], headers=HEADERS)

    async def download(request: Request, number: Id) -> Response:
        got = await run_in_threadpool(found, request, number)
        if isinstance(got, Response):
            return got
        session, filename, html = got
        if pdf is None:
            return c.message(session, "无法生成PDF", "本平台未配置PDF生成", 404)
        try:
            body = await run_in_threadpool(pdf, html)
        except OrchestratorError as exc:
            return c.refused(session, "无法生成PDF", exc)
        return pdf_response(body, filename.removesuffix(".html") + ".pdf")

    page.__name__, download.__name__ = name, f"{name}_pdf"
    router.add_api_route(path, page, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(f"{path}.pdf", download, methods=["GET"])


async def printed(c: Console, session: Any, html: str, filename: str) -> Response:
    """A stored document printed to PDF as a download (its refusal a Chinese page)."""
    try:
        body = await run_in_threadpool(c.site.notices.pdf, html)
    except OrchestratorError as exc:
        return c.refused(session, "无法生成PDF", exc)
    return pdf_response(body, filename)


def document_routes(router: APIRouter, c: Console) -> None:
    site = c.site
    zone = site.zone

    @router.get("/alerts/{alert_id}/documents", response_class=HTMLResponse)
    def alert_documents(request: Request, alert_id: Id) -> Response:
        """Every issued revision of the alert with its documents."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            site.alerts.current(alert_id)  # the alert exists (else 404)
            issued = site.notices.issued(alert_id)
        except OrchestratorError as exc:
            return c.refused(session, "未找到", exc)
        revisions: list[dict[str, Any]] = []
        for rev, found in issued:
            revisions.append(
                {
                    "revision_id": rev.revision_id,
                    "number": rev.state.number,
                    "kind": rev.state.kind.label,
                    "level": rev.state.level.term,
                    "document_number": rev.document_number,
                    "issued_at": cn_time(rev.state.issued_at, zone) if rev.state.issued_at else "",
                    "documents": [
                        {"kind": d.kind.value, "label": d.kind.label, "printable": d.kind.document}
                        for d in found.documents
                    ],
                    "texts": [
                        {"label": d.kind.label, "text": d.body}
                        for d in found.documents
                        if d.kind in (NoticeKind.PUBLIC, NoticeKind.SMS)
                    ],
                    "orders": found.orders,
                }
            )
        return c.page(
            "console/documents.html",
            session=session,
            alert_id=alert_id,
            revisions=revisions,
        )

    def found_document(
        request: Request, alert_id: int, revision_id: int, kind: str
    ) -> tuple[Any, NoticeRecord] | Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        chosen = KINDS.get(kind)
        if chosen is None:
            return c.message(session, "未找到", f"没有名为“{kind}”的文件类型。", 404)
        try:
            return session, site.notices.document(alert_id, revision_id, chosen)
        except OrchestratorError as exc:
            return c.refused(session, "未找到", exc)

    @router.get("/alerts/{alert_id}/revisions/{revision_id}/{kind}.pdf")
    async def document_pdf(request: Request, alert_id: Id, revision_id: Id, kind: str) -> Response:
        found = await run_in_threadpool(found_document, request, alert_id, revision_id, kind)
        if isinstance(found, Response):
            return found
        session, record = found
        if not record.kind.document:
            return c.message(session, "无法打印", f"{record.kind.label}不是可打印的文件。", 404)
        return await printed(
            c, session, record.body, f"{record.kind.label}-预警{alert_id}-{revision_id}.pdf"
        )

    @router.get("/alerts/{alert_id}/revisions/{revision_id}/{kind}", response_class=HTMLResponse)
    def document_page(request: Request, alert_id: Id, revision_id: Id, kind: str) -> Response:
        found = found_document(request, alert_id, revision_id, kind)
        if isinstance(found, Response):
            return found
        session, record = found
        back = c.url(f"/alerts/{alert_id}/documents")
        here = c.url(f"/alerts/{alert_id}/revisions/{revision_id}/{record.kind.value}")
        if record.kind.document:
            html = with_bar(
                record.body, [(back, "← 返回文件列表"), (f"{here}.pdf", "下载PDF（打印）")]
            )
            return HTMLResponse(html, headers=HEADERS)
        if record.kind is NoticeKind.CAP and request.query_params.get("download"):
            return Response(
                record.body,
                media_type="application/xml",
                headers={
                    **HEADERS,
                    "Content-Disposition": f"attachment; filename=alert-{alert_id}-{revision_id}.xml",
                },
            )
        return c.page(
            "console/document_text.html",
            session=session,
            alert_id=alert_id,
            title=record.kind.label,
            text=record.body,
            download=f"{here}?download=1" if record.kind is NoticeKind.CAP else "",
        )

    def found_order(
        request: Request, alert_id: int, revision_id: int, uscc: str
    ) -> tuple[Any, NoticeRecord] | Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        if not USCC.match(uscc):
            return c.message(session, "未找到", "统一社会信用代码应为18位数字或大写字母。", 404)
        try:
            return session, site.notices.order(alert_id, revision_id, uscc)
        except OrchestratorError as exc:
            return c.refused(session, "未找到", exc)

    @router.get("/alerts/{alert_id}/orders")
    def find_order(request: Request, alert_id: Id, revision: int = 0, uscc: str = "") -> Response:
        """The search form of the documents page: to the order of ``uscc`` in ``revision``."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        code = uscc.strip().upper()
        if not USCC.match(code) or not 1 <= revision <= 2_147_483_647:
            return c.message(session, "无法查找", "请输入18位统一社会信用代码。", 400)
        return RedirectResponse(
            f"/alerts/{alert_id}/revisions/{revision}/orders/{code}",
            status_code=303,
            headers=HEADERS,
        )

    @router.get("/alerts/{alert_id}/revisions/{revision_id}/orders/{uscc}.pdf")
    async def order_pdf(request: Request, alert_id: Id, revision_id: Id, uscc: str) -> Response:
        found = await run_in_threadpool(found_order, request, alert_id, revision_id, uscc)
        if isinstance(found, Response):
            return found
        session, record = found
        return await printed(c, session, record.body, f"应急响应指令-{uscc}-预警{alert_id}.pdf")

    @router.get(
        "/alerts/{alert_id}/revisions/{revision_id}/orders/{uscc}", response_class=HTMLResponse
    )
    def order_page(request: Request, alert_id: Id, revision_id: Id, uscc: str) -> Response:
        found = found_order(request, alert_id, revision_id, uscc)
        if isinstance(found, Response):
            return found
        _, record = found
        here = c.url(f"/alerts/{alert_id}/revisions/{revision_id}/orders/{uscc}")
        html = with_bar(
            record.body,
            [
                (c.url(f"/alerts/{alert_id}/notices"), "← 返回通知与回执"),
                (c.url(f"/alerts/{alert_id}/documents"), "全部文件"),
                (f"{here}.pdf", "下载PDF（打印）"),
            ],
        )
        return HTMLResponse(html, headers=HEADERS)
