"""The console's pages of the list over its life: 创A升B (/lists/upgrading: who is below the
city's grade targets, the days left, who stays below the phase-out line, what an upgrade lifts —
as a page, an Excel file and a PDF for the meeting) and the coverage runs (/lists/coverage: each
comparison with a registry, and a run's findings by county)."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.model import Permission, Session
from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.checks.model import AnswerRefused
from orchestrator.emissions.model import Species
from orchestrator.emissions.upgrading import Laggard, UpgradeReport
from orchestrator.errors import OrchestratorError
from orchestrator.web.checks import item_view
from orchestrator.web.console.base import HEADERS, Console, Id
from orchestrator.web.console.documents import printed

#: How many enterprises the page lists at once (the downloads hold them all).
SHOWN = 200


def laggard_row(x: Laggard) -> dict[str, Any]:
    orange = x.lifted.get(AlertLevel.ORANGE)
    return {
        "uscc": x.uscc,
        "name": x.name,
        "county": x.county,
        "industries": "、".join(x.industries),
        "grade": x.grade.value,
        "target": x.target.name,
        "minimum": x.target.minimum.value,
        "deadline": x.target.deadline.isoformat(),
        "when": f"已逾期{-x.days_left}天" if x.days_left < 0 else f"剩余{x.days_left}天",
        "overdue": x.days_left < 0,
        "eliminate": x.eliminate,
        "below_since": x.below_since.isoformat() if x.below_since else "",
        "lifted": "、".join(
            f"{sp.label} {orange.get(sp):g}" for sp in Species if orange.get(sp) > 0
        )
        if orange is not None
        else "",
        "line_days": x.line_days,
        "note": x.note,
    }


def grading_routes(router: APIRouter, c: Console) -> None:
    site = c.site
    zone = site.zone

    def report(on_text: str) -> tuple[dt.date, UpgradeReport]:
        today = c.clock.now().astimezone(zone).date()
        try:
            on = dt.date.fromisoformat(on_text) if on_text else today
        except ValueError:
            on = today
        return on, site.lists.upgrade_report(
            on,
            lambda first, last: site.alerts.alert_days(
                dt.datetime.combine(first, dt.time(), zone),
                dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone),
            ),
        )

    def context(r: UpgradeReport, county: str) -> dict[str, Any]:
        rows = [laggard_row(x) for x in r.laggards if not county or x.county == county]
        return {
            "on": r.on.isoformat(),
            "revision": r.list_revision,
            "enterprises": r.enterprises,
            "met": r.met,
            "below": len(r.laggards),
            "overdue": len(r.overdue()),
            "eliminate": sum(x.eliminate for x in r.laggards),
            "season": [d.isoformat() for d in r.season],
            "days": [(lv.term, r.alert_days.get(lv, 0.0)) for lv in ALERT_LEVELS],
            "rows": rows,
            "counties": sorted({x.county for x in r.laggards}),
            "county": county,
        }

    @router.get("/lists/upgrading", response_class=HTMLResponse)
    def upgrading(request: Request, on: str = "", county: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            _, r = report(on[:10])
        except OrchestratorError as exc:
            return c.refused(session, "创A升B", exc)
        d = context(r, county[:40])
        return c.page(
            "console/upgrading.html", session=session, d=d, shown=d["rows"][:SHOWN], limit=SHOWN
        )

    @router.get("/lists/upgrading.xlsx")
    def upgrading_xlsx(request: Request, on: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        from orchestrator.emissions.workbook import write_upgrading

        try:
            day, r = report(on[:10])
        except OrchestratorError as exc:
            return c.refused(session, "创A升B", exc)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "upgrading.xlsx"
            write_upgrading(r, out)
            body = out.read_bytes()
        name = quote(f"创A升B-{day.isoformat()}.xlsx")
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={**HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )

    @router.get("/lists/upgrading.pdf")
    async def upgrading_pdf(request: Request, on: str = "") -> Response:
        session = await run_in_threadpool(c.require, request)
        if isinstance(session, Response):
            return session
        try:
            day, r = await run_in_threadpool(report, on[:10])
        except OrchestratorError as exc:
            return c.refused(session, "创A升B", exc)
        html = site.env.get_template("reports/upgrading.html").render(
            office=site.office.issuer, d=context(r, "")
        )
        return await printed(c, session, html, f"创A升B-{day.isoformat()}.pdf")


_ISSUED = {
    "answered": "已代为填报核实结果。",
    "issued": "核查任务已下发，将通过各单位的接收渠道送达。",
    "again": "本次核查的任务此前已下发，未重复下发。",
}


def coverage_routes(router: APIRouter, c: Console) -> None:
    """/lists/coverage: the kept coverage runs and the chosen one's findings by county, with its
    check tasks (核查任务) to the network's units and their answers; issuing them needs
    ``Permission.LIST_UPLOAD``."""
    site = c.site
    zone = site.zone

    @router.get("/lists/coverage", response_class=HTMLResponse)
    def coverage(request: Request, run: str = "", county: str = "", done: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        runs = site.lists.coverage_runs(limit=50)
        chosen = next((r for r in runs if str(r.id) == run.strip()), runs[0] if runs else None)
        standing = site.checks.standing(chosen.id) if chosen else None
        answers = {
            a.ident: (t.unit_name, a)
            for t in (standing.tasks if standing else ())
            for a in t.answers
        }
        before = {i.ident: i for t in (standing.tasks if standing else ()) for i in t.items}
        findings = (
            [f for f in chosen.findings if not county or f.county == county] if chosen else []
        )
        now = site.clock.now()

        def when(t: dt.datetime) -> str:
            return t.astimezone(zone).strftime("%Y-%m-%d %H:%M")

        return c.page(
            "console/coverage.html",
            session=session,
            runs=[
                {
                    "id": r.id,
                    "registry": r.registry.label,
                    "revision": r.list_revision,
                    "at": when(r.ran_at),
                    "by": r.ran_by,
                    "source": r.source,
                    "holders": r.holders,
                    "findings": len(r.findings),
                }
                for r in runs
            ],
            chosen=chosen.id if chosen else None,
            title=f"{chosen.registry.label}第{chosen.id}次核查" if chosen else "",
            counties=sorted({f.county for f in chosen.findings}) if chosen else [],
            county=county[:40],
            notice=_ISSUED.get(done, ""),
            tasked=(
                {
                    "at": when(standing.tasked_at),
                    "items": standing.items,
                    "answered": standing.answered,
                    "contradicted": standing.contradicted,
                    "unassigned": [f.name for f in standing.unassigned],
                    "tasks": [
                        {
                            "unit": t.unit_name,
                            "code": t.uscc,
                            "items": len(t.items),
                            "answered": t.answered,
                            "deadline": t.deadline.astimezone(zone).strftime("%Y-%m-%d"),
                            "overdue": t.overdue(now),
                        }
                        for t in standing.tasks
                    ],
                }
                if standing is not None and standing.tasked_at is not None
                else None
            ),
            findings=[
                {
                    "kind": f.kind.label,
                    "county": f.county,
                    "key": f.key,
                    "name": f.name,
                    "detail": f.detail,
                    "action": f.kind.action,
                    "answer": (
                        f"{answers[f.ident][1].outcome.label}"
                        + (f"：{answers[f.ident][1].note}" if answers[f.ident][1].note else "")
                        + f"（{answers[f.ident][0]}，{answers[f.ident][1].signer}）"
                        if f.ident in answers
                        else ""
                    ),
                    "contradicted": f.ident in before and before[f.ident].contradicted,
                }
                for f in findings
            ],
        )

    def entry_page(
        session: Session,
        run_id: int,
        code: str,
        *,
        error: str = "",
        form: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        task = site.checks.task(run_id, code[:18])
        return c.page(
            "console/check_entry.html",
            status,
            session=session,
            run_id=run_id,
            code=code,
            unit=task.unit_name,
            title=f"{task.registry.label}第{run_id}次核查",
            deadline=task.deadline.astimezone(zone).strftime("%Y-%m-%d"),
            overdue=task.overdue(site.clock.now()),
            answered=task.answered,
            total=len(task.items),
            items=[item_view(task, n, form) for n in range(len(task.items))],
            signer=(form or {}).get("signer", "")[:20],
            error=error,
        )

    @router.get("/lists/coverage/{run_id}/tasks/{code}", response_class=HTMLResponse)
    def coverage_task(request: Request, run_id: Id, code: str) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            return entry_page(session, run_id, code)
        except OrchestratorError as exc:
            return c.refused(session, "核查任务", exc)

    @router.post("/lists/coverage/{run_id}/tasks/{code}")
    async def coverage_task_answer(request: Request, run_id: Id, code: str) -> Response:
        posted = await c.form(request, Permission.LIST_UPLOAD)
        if isinstance(posted, Response):
            return posted
        session, form = posted
        signer = form.get("signer", "").strip()[:20]
        try:
            await run_in_threadpool(
                functools.partial(
                    site.checks.answer,
                    run_id,
                    code[:18],
                    form,
                    signer=f"{signer}（{session.user.display_name}代填）" if signer else "",
                    now=site.clock.now(),
                )
            )
        except AnswerRefused as exc:
            return await run_in_threadpool(
                functools.partial(
                    entry_page, session, run_id, code, error=str(exc), form=form, status=400
                )
            )
        except OrchestratorError as exc:
            return c.refused(session, "代填核实结果", exc)
        return RedirectResponse(f"/lists/coverage?run={run_id}&done=answered", status_code=303)

    @router.post("/lists/coverage/{run_id}/tasks")
    async def coverage_tasks(request: Request, run_id: Id) -> Response:
        posted = await c.form(request, Permission.LIST_UPLOAD)
        if isinstance(posted, Response):
            return posted
        session, _ = posted
        try:
            issued = await run_in_threadpool(
                functools.partial(
                    site.checks.issue,
                    run_id,
                    now=site.clock.now(),
                    by=session.user.display_name,
                )
            )
        except OrchestratorError as exc:
            return c.refused(session, "下发核查任务", exc)
        done = "again" if issued.already else "issued"
        return RedirectResponse(f"/lists/coverage?run={run_id}&done={done}", status_code=303)
