"""The console's alert pages: the list, the draft form (with the reduction check of the level
from the list in force), an alert's page with its revisions, document numbers and audit trail,
and the lifecycle actions — submit, approve or reject (a second person with the role the level
needs), issue (its notices rendered and stored for delivery), withdraw, lift — each checked for
the role on the server and for the session's CSRF token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator import audit, receipts
from orchestrator import command_office as office
from orchestrator.alerts.model import AlertLevel
from orchestrator.assessment.service import Assessor, NotAssessable
from orchestrator.db import lists as list_repo
from orchestrator.delivery import outbox
from orchestrator.delivery.outbox import Subject, newest_issued_revision
from orchestrator.errors import OrchestratorError
from orchestrator.notice_writer import preview_bulletin
from orchestrator.notices.alert_notices import cn_time
from orchestrator.notices.render import PdfUnavailable
from orchestrator.plans.lifecycle import RevisionKind, RevisionStatus
from orchestrator.web import accounts
from orchestrator.web.alert_actions import LEVELS, ROLES, AlertActions, local_time
from orchestrator.web.console import HEADERS, AlertDesk, Console, Id, Page


def alert_routes(router: APIRouter, c: Console, desk: AlertDesk) -> None:
    engine, site = c.engine, c.site
    zone = site.zone

    actions = AlertActions(
        engine, clock=c.clock, env=c.env, region_code=site.region_code, zone=zone, desk=desk
    )

    def row(v: office.RevisionView) -> dict[str, Any]:
        s = v.state
        return {
            "alert_id": v.alert_id,
            "revision_id": v.revision_id,
            "number": s.number,
            "kind": s.kind.label,
            "level": s.level.value,
            "level_label": s.level.label,
            "status": s.status.value,
            "status_label": s.status.label,
            "start": cn_time(s.start, zone),
            "end": cn_time(s.end, zone) if s.end else "另行通知",
            "drafted_by": s.drafted_by,
            "approved_by": s.approved_by or "",
            "issued_at": cn_time(s.issued_at, zone) if s.issued_at else "",
            "document_number": v.document_number or "",
            "reason": v.reason,
            "targets": v.targets,
        }

    @router.get("/alerts", response_class=HTMLResponse)
    def alert_list(request: Request) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        rows = [row(v) for v in office.all_alerts(engine, site.region_code)]
        return c.page("console/alerts.html", session=session, rows=rows)

    def draft_form(
        session: accounts.Session, values: dict[str, str], error: str = "", status: int = 200
    ) -> HTMLResponse:
        preview = None
        level = values.get("level", "")
        if level in {lv.value for lv in LEVELS}:
            try:
                on = local_time(values.get("start", ""), zone, "开始时间").date()
            except OrchestratorError:
                on = c.clock.now().astimezone(zone).date()
            preview = actions.reduction(AlertLevel(level), on)
        return c.page(
            "console/alert_new.html",
            status,
            session=session,
            levels=[(lv.value, lv.label) for lv in LEVELS],
            values=values,
            preview=preview,
            error=error,
        )

    @router.get("/alerts/new", response_class=HTMLResponse)
    def alert_new(request: Request) -> Response:
        session = c.require(request, "draft")
        if isinstance(session, Response):
            return session
        values = {k: str(v) for k, v in request.query_params.items()}
        return draft_form(session, values)

    @router.post("/alerts")
    async def alert_create(request: Request) -> Response:
        posted = await c.form(request, "draft")
        if isinstance(posted, Response):
            return posted
        session, form = posted
        try:
            alert_id = await run_in_threadpool(actions.create, session.user, form)
        except (OrchestratorError, ValueError) as exc:
            return draft_form(session, form, str(exc), 400)
        return RedirectResponse(f"/alerts/{alert_id}?done=draft", status_code=303, headers=HEADERS)

    def detail(
        session: accounts.Session,
        alert_id: int,
        *,
        notice: str = "",
        error: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        try:
            views = office.revisions(engine, alert_id)
        except OrchestratorError as exc:
            return c.message(session, "未找到预警", str(exc), 404)
        if not views:
            return c.message(session, "未找到预警", f"预警{alert_id}不存在", 404)
        cur = office.current(views)
        trail = [
            {
                "at": cn_time(a["at"], zone),
                "actor": a["actor"],
                "action": audit.label(a["action"]),
                "reason": a["reason"],
            }
            for a in office.audit_trail(engine, alert_id)
        ]
        st = cur.state.status
        issued_active = any(
            v.state.status is RevisionStatus.ISSUED and v.state.kind is not RevisionKind.LIFT
            for v in views
        )
        actions = {
            "submit": st is RevisionStatus.DRAFT,
            "withdraw": st in (RevisionStatus.DRAFT, RevisionStatus.PENDING_APPROVAL),
            "approve": st is RevisionStatus.PENDING_APPROVAL,
            "reject": st is RevisionStatus.PENDING_APPROVAL,
            "issue": st is RevisionStatus.APPROVED,
            "adjust": issued_active
            and st is RevisionStatus.ISSUED
            and cur.state.kind is not RevisionKind.LIFT,
        }
        return c.page(
            "console/alert.html",
            status,
            session=session,
            alert_id=alert_id,
            current=row(cur),
            revisions=[row(v) for v in reversed(views)],
            trail=trail,
            actions=actions,
            notice=notice,
            error=error,
            issued=any(v.document_number for v in views),
            higher=[(lv.value, lv.label) for lv in LEVELS if lv.rank > cur.state.level.rank],
            lower=[(lv.value, lv.label) for lv in LEVELS if lv.rank < cur.state.level.rank],
            now=cn_time(c.clock.now(), zone),
        )

    _DONE = {
        "draft": "已起草并提交审批。",
        "submit": "已提交审批。",
        "approve": "已批准，调度方案已冻结。",
        "reject": "已退回。",
        "withdraw": "已撤回。",
        "issue": "已发布，通知和应急响应指令已生成，投递进程将发送。",
        "upgrade": "已起草升级并提交审批。",
        "downgrade": "已起草降级并提交审批。",
        "extend": "已起草延长并提交审批。",
        "lift": "已起草解除并提交审批。",
    }

    @router.get("/alerts/{alert_id}", response_class=HTMLResponse)
    def alert_page(request: Request, alert_id: Id, done: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        return detail(session, alert_id, notice=_DONE.get(done, ""))

    def act(name: str) -> None:
        async def handler(request: Request, alert_id: Id) -> Response:
            posted = await c.form(request, ROLES[name])
            if isinstance(posted, Response):
                return posted
            session, form = posted
            try:
                await run_in_threadpool(actions.run, name, session.user, alert_id, form)
            except OrchestratorError as exc:
                return detail(session, alert_id, error=str(exc), status=400)
            return RedirectResponse(
                f"/alerts/{alert_id}?done={name}", status_code=303, headers=HEADERS
            )

        router.add_api_route(f"/alerts/{{alert_id}}/{name}", handler, methods=["POST"])

    for name in ROLES:
        act(name)

    @router.get("/alerts/new/bulletin", response_class=HTMLResponse)
    def bulletin_preview(request: Request) -> Response:
        """The bulletin the draft form's values would be issued with, marked as a preview."""
        session = c.require(request, "draft")
        if isinstance(session, Response):
            return session
        q = request.query_params
        try:
            level = AlertLevel(q.get("level", ""))
            start = local_time(q.get("start", ""), zone, "开始时间")
            end = local_time(q["end"], zone, "结束时间") if q.get("end", "").strip() else None
            html = preview_bulletin(
                engine,
                region=site.region_code,
                level=level,
                start=start,
                end=end,
                reason=q.get("reason", "").strip() or "（起草理由）",
                now=c.clock.now(),
                env=c.env,
                city=desk.city,
                approvals=desk.approvals,
                zone=zone,
            )
        except ValueError:
            return c.message(session, "无法预览", "请选择预警等级（黄色、橙色或红色）", 400)
        except list_repo.RevisionNotFound:
            return c.message(session, "无法预览", "开始日期没有生效的应急减排清单", 400)
        except OrchestratorError as exc:
            return c.message(session, "无法预览", str(exc), 400)
        banner = (
            '<p role="note" style="margin:0;padding:8px;background:#fff3cd;'
            'border:1px solid #c90;text-align:center;font-weight:bold">'
            "预览稿：尚未审批和发布，文号在发布时编定。</p>"
        )
        html = html.replace("<body>", "<body>" + banner, 1)
        return HTMLResponse(html, headers=HEADERS)

    def assessed(
        request: Request, alert_id: int
    ) -> tuple[accounts.Session, Assessor, dict[str, Any]] | Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        if desk.assessor is None:
            return c.message(session, "无法评估", "本系统未配置效果评估", 404)
        try:
            record = desk.assessor.assess(alert_id, now=c.clock.now())
        except NotAssessable as exc:
            return c.message(session, "无法评估", str(exc), 404)
        return session, desk.assessor, record

    @router.get("/alerts/{alert_id}/assessment", response_class=HTMLResponse)
    def alert_assessment(request: Request, alert_id: Id) -> Response:
        """The effect assessment report, as of now, with the monitoring source's observations."""
        found = assessed(request, alert_id)
        if isinstance(found, Response):
            return found
        _, assessor, record = found
        return HTMLResponse(assessor.render(record), headers=HEADERS)

    @router.get("/alerts/{alert_id}/assessment.pdf")
    def alert_assessment_pdf(request: Request, alert_id: Id) -> Response:
        found = assessed(request, alert_id)
        if isinstance(found, Response):
            return found
        session, assessor, record = found
        try:
            body = assessor.pdf_bytes(assessor.render(record))
        except PdfUnavailable as exc:
            return c.message(session, "无法生成PDF", str(exc), 503)
        name = quote(f"效果评估-预警{alert_id}.pdf")
        return Response(
            body,
            media_type="application/pdf",
            headers={**HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )

    _DELIVERY = {
        "delivered": "已送达",
        "sent": "已发出",
        "sending": "发送中",
        "pending": "待发送",
        "failed": "失败待重试",
        "dead": "投递失败",
        "": "无可用渠道",
    }
    per_page = 100

    @router.get("/alerts/{alert_id}/notices", response_class=HTMLResponse)
    def alert_notices(
        request: Request,
        alert_id: Id,
        state: str = "",
        county: str = "",
        page: Page = 1,
        done: str = "",
    ) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        with engine.connect() as conn:
            revision_id = newest_issued_revision(conn, alert_id)
        if revision_id is None:
            return c.message(session, "尚未发布", f"预警{alert_id}尚未发布，没有通知", 404)
        summary = receipts.summary(
            engine, alert_id, now=c.clock.now(), receipt_hours=site.receipt_hours, listed=0
        )
        if state not in receipts.STATES:
            state = ""

        def found_on(n: int) -> receipts.OrderPage:
            return receipts.order_page(
                engine,
                Subject(revision_id=revision_id),
                state=state,
                county=county,
                offset=(n - 1) * per_page,
                limit=per_page,
            )

        found = found_on(page)
        pages = max(1, -(-found.total // per_page))
        if page > pages:  # past the end: the last page
            page = pages
            found = found_on(page)
        shown = found.rows
        return c.page(
            "console/notices.html",
            session=session,
            alert_id=alert_id,
            summary=summary.as_dict(),
            deadline=cn_time(summary.deadline, zone),
            rows=[
                {
                    "uscc": r.uscc,
                    "name": r.name,
                    "county": r.county,
                    "channels": "、".join(r.channels) or "—",
                    "delivery": _DELIVERY.get(r.delivery, r.delivery),
                    "error": r.error,
                    "state": receipts.STATES[r.state],
                    "signed": (
                        f"{cn_time(r.acknowledged_at, zone)}（{r.signer}）"
                        if r.acknowledged_at
                        else ""
                    ),
                }
                for r in shown
            ],
            total=found.total,
            states=receipts.STATES,
            counties=found.counties,
            filters={"state": state, "county": county},
            page=page,
            pages=pages,
            notice="已重新排入投递队列。" if done == "resend" else "",
        )

    @router.post("/alerts/{alert_id}/resend")
    async def alert_resend(request: Request, alert_id: Id) -> Response:
        posted = await c.form(request, "resend")
        if isinstance(posted, Response):
            return posted
        session, form = posted
        failed_only = form.get("scope", "failed") != "all"
        now = c.clock.now()
        count = await run_in_threadpool(
            outbox.resend, engine, desk.delivery, alert_id, now, failed_only=failed_only
        )
        with engine.begin() as conn:
            audit.record(
                conn,
                at=now,
                actor=session.user.display_name,
                action="resend",
                alert_id=alert_id,
                reason=f"{'投递失败的' if failed_only else '全部'}通知，共{count}条",
            )
        return RedirectResponse(
            f"/alerts/{alert_id}/notices?done=resend", status_code=303, headers=HEADERS
        )
