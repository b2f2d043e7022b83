"""The units' check-task pages behind their signed links (``/check/<token>``): the findings of a
coverage run the unit is to check, its answers finding by finding, and the task as sent. A token
opens one unit's task of one run and nothing else; an enterprise's or an alert's token opens none."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.checks.model import FITTING, AnswerRefused, Task
from orchestrator.checks.service import cn_day
from orchestrator.errors import NotFound
from orchestrator.notices.contexts import cn_time
from orchestrator.notices.links import LinkInvalid
from orchestrator.web.signed import SignedPages
from orchestrator.web.site import Site


def check_router(site: Site) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    clock, zone = site.clock, site.zone
    prefix, reached = site.served(site.office.check_base, "/check")

    pages = SignedPages(site)
    page, refused = pages.page, pages.refused

    def grant_of(token: str) -> tuple[int, str] | HTMLResponse:
        try:
            coverage_id, code, _ = site.links.verify_check(token, clock.now())
        except LinkInvalid as exc:
            return pages.link_refused(exc)
        return coverage_id, code

    def task_page(
        token: str,
        task: Task,
        *,
        notice: str = "",
        error: str = "",
        form: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        now = clock.now()
        return page(
            "web/check.html",
            status,
            unit=task.unit_name,
            registry=task.registry.label,
            issued=cn_time(task.issued_at, zone),
            deadline=cn_day(task.deadline.astimezone(zone).date()),
            overdue=task.overdue(now),
            answered=task.answered,
            total=len(task.items),
            items=[item_view(task, n, form) for n in range(len(task.items))],
            base=f"{reached}/{token}",
            signer=(form or {}).get("signer", ""),
            notice=notice,
            error=error,
        )

    @router.get(prefix + "/{token}", response_class=HTMLResponse)
    def check(token: str, done: str = "") -> Response:
        grant = grant_of(token)
        if isinstance(grant, HTMLResponse):
            return grant
        try:
            task = site.checks.task(*grant)
        except NotFound as exc:
            return refused("未找到核查任务", str(exc), 404)
        notice = "核实结果已填报，谢谢。" if done == "1" else ""
        return task_page(token, task, notice=notice)

    @router.get(prefix + "/{token}/document", response_class=HTMLResponse)
    def document(token: str) -> Response:
        grant = grant_of(token)
        if isinstance(grant, HTMLResponse):
            return grant
        try:
            return HTMLResponse(site.checks.document(*grant))
        except NotFound as exc:
            return refused("未找到核查任务", str(exc), 404)

    @router.post(prefix + "/{token}", response_class=HTMLResponse)
    async def answer(token: str, request: Request) -> Response:
        grant = grant_of(token)
        if isinstance(grant, HTMLResponse):
            return grant
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            await run_in_threadpool(
                site.checks.answer,
                grant[0],
                grant[1],
                form,
                signer=form.get("signer", ""),
                now=clock.now(),
            )
        except NotFound as exc:
            return refused("未找到核查任务", str(exc), 404)
        except AnswerRefused as exc:
            task = await run_in_threadpool(site.checks.task, *grant)
            return task_page(token, task, error=str(exc), form=form, status=400)
        return RedirectResponse(f"{prefix}/{token}?done=1", status_code=303)

    return router


def item_view(task: Task, n: int, form: dict[str, str] | None) -> dict[str, Any]:
    """The n-th finding of ``task`` as its form shows it (``form``: what was posted, when the
    page comes back with a refusal)."""
    item = task.items[n]
    f = item.finding
    given = task.answer_of(item)
    chosen = (form or {}).get(f"outcome_{n}") if form is not None else None
    note = (form or {}).get(f"note_{n}") if form is not None else None
    return {
        "n": n,
        "kind": f.kind.label,
        "name": f.name,
        "key": f.key,
        "county": f.county,
        "detail": f.detail,
        "action": f.kind.action,
        "before": item.before.outcome.label if item.before else "",
        "before_note": item.before.note if item.before else "",
        "contradicted": item.contradicted,
        "choices": [(o.value, o.label) for o in FITTING[f.kind]],
        "chosen": chosen if chosen is not None else (given.outcome.value if given else ""),
        "note": note if note is not None else (given.note if given else ""),
        "answered": given is not None,
        "signer": given.signer if given else "",
    }
