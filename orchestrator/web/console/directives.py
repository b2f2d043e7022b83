"""A city's side of its province's 调度令 in the console: asking the province to lift an order
early (a leader's 请示, numbered in the city's sequence) and that request as a document."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.model import Permission, Session
from orchestrator.errors import NotFound, OrchestratorError
from orchestrator.region.directives import Received
from orchestrator.web.console.base import HEADERS, Console, Id
from orchestrator.web.console.documents import numbered_documents
from orchestrator.web.errors import status_of
from orchestrator.web.forms import person


def directive_routes(router: APIRouter, c: Console) -> None:
    """The routes of a city under a provincial platform (one with a directive desk)."""
    site = c.site
    desk = site.directives

    def order(ref: int) -> Received:
        """The order the city received under the province's number ``ref``."""
        found = next((r for r in desk.received() if r.order.ref == ref), None) if desk else None
        if found is None:
            raise NotFound(f"本市未收到调度令{ref}")
        return found

    def form(
        session: Session, ref: int, reason: str = "", error: str = "", status: int = 200
    ) -> HTMLResponse:
        try:
            got = order(ref)
        except OrchestratorError as exc:
            return c.refused(session, "未找到调度令", exc)
        return c.page(
            "console/request_lift.html",
            status,
            session=session,
            ref=ref,
            order=got.order,
            lifted=got.lifted_at is not None,
            reason=reason,
            error=error,
        )

    @router.get("/directives/{ref}/request-lift", response_class=HTMLResponse)
    def request_lift_form(request: Request, ref: Id) -> Response:
        session = c.require(request)  # seen by all; the form is a leader's (签发人)
        if isinstance(session, Response):
            return session
        return form(session, ref)

    @router.post("/directives/{ref}/request-lift")
    async def request_lift(request: Request, ref: Id) -> Response:
        posted = await c.form(request, Permission.APPROVE)
        if isinstance(posted, Response):
            return posted
        session, values = posted
        reason = values.get("reason", "")

        def ask() -> None:
            got = order(ref)
            assert desk is not None
            desk.request_lift(
                got.order.province,
                ref,
                reason=reason,
                by=person(session.user),
                now=c.clock.now(),
            )

        try:
            await run_in_threadpool(ask)
        except OrchestratorError as exc:
            return form(session, ref, reason, str(exc), status_of(exc, action=True))
        return RedirectResponse(f"/directives/{ref}/request", status_code=303, headers=HEADERS)

    numbered_documents(
        router,
        c,
        "/directives/{number}/request",
        site.requests,
        site.notices.pdf,
        name="lift_request_document",
    )
