"""The console's alert pages: the list, the draft form (with the reduction check of the level
from the list in force), an alert's page with its revisions, document numbers and audit trail,
and the lifecycle actions — those :func:`~orchestrator.response.lifecycle.allowed_actions`
offers in the alert's state, each checked for the role on the server and for the session's CSRF
token — the notices with their receipts, resending, and the effect assessment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.model import ACTION_PERMISSION, Permission, Session
from orchestrator.alerts.model import ALERT_LEVELS, RESPONSE_LEVELS, AlertLevel
from orchestrator.assessment.service import Assessor
from orchestrator.delivery.model import OrderPage, OrderState, ReceiptSummary, Subject
from orchestrator.delivery.receipts import Receipts
from orchestrator.emissions.model import MeasureKind, RevisionNotFound, Species
from orchestrator.errors import OrchestratorError
from orchestrator.negotiation.model import NegotiatedReduction
from orchestrator.notices.contexts import cn_time
from orchestrator.response.lifecycle import allowed_actions
from orchestrator.response.model import (
    Action,
    AlertRevision,
    RevisionKind,
    areas_meet,
    current,
)
from orchestrator.web.console.base import HEADERS, Console, Id, Page
from orchestrator.web.console.documents import with_bar
from orchestrator.web.errors import status_of
from orchestrator.web.forms import AlertActions, agreement_of, counties_of, local_time

_DONE: dict[str, str] = {
    "draft": "已起草并提交审批。",
    Action.SUBMIT.value: "已提交审批。",
    Action.APPROVE.value: "已批准，调度方案已冻结。",
    Action.REJECT.value: "已退回。",
    Action.WITHDRAW.value: "已撤回。",
    Action.ISSUE.value: "已发布，通知和应急响应指令已生成，投递进程将发送。",
    Action.UPGRADE.value: "已起草升级并提交审批。",
    Action.DOWNGRADE.value: "已起草降级并提交审批。",
    Action.EXTEND.value: "已起草延长并提交审批。",
    Action.LIFT.value: "已起草解除并提交审批。",
    "negotiated": "已录入协商减排，批准时计入减排量核算。",
    "negotiated_removed": "已删除协商减排。",
}

_NO_CHANNEL = "无可用渠道"
OVERDUE = "overdue"
#: The notices page's filters: the order states, and 逾期 (unsigned after the deadline).
FILTERS = {
    OrderState.UNSIGNED.value: "未签收",
    OVERDUE: "逾期未签收",
    OrderState.SIGNED.value: "已签收未落实",
    OrderState.IMPLEMENTED.value: "已落实",
    OrderState.FAILED.value: "投递失败",
}
_COLUMNS = (
    ("county", "区县", 10),
    ("name", "企业名称", 30),
    ("uscc", "统一社会信用代码", 22),
    ("contact", "联系人", 10),
    ("phone", "联系电话", 15),
    ("channels", "投递渠道", 14),
    ("delivery", "投递状态", 10),
    ("state", "签收状态", 12),
    ("signed", "签收时间（签收人）", 28),
    ("error", "投递错误", 30),
)


@dataclass(frozen=True)
class ReceiptsView:
    """One alert's receipts under the notices page's filters."""

    receipts: Receipts
    revision_id: int
    summary: ReceiptSummary
    now: dt.datetime
    state: str  # one of FILTERS, or "" for all
    county: str
    query: str

    @property
    def late(self) -> bool:
        return self.now > self.summary.deadline

    def rows(self, offset: int, limit: int) -> OrderPage:
        if self.state == OVERDUE and not self.late:  # nothing is overdue before the deadline
            return OrderPage([], 0, [])
        return self.receipts.order_page(
            Subject(revision_id=self.revision_id),
            state=OrderState.UNSIGNED.value if self.state == OVERDUE else self.state,
            county=self.county,
            query=self.query,
            offset=offset,
            limit=limit,
        )


def receipts_workbook(rows: list[dict[str, Any]], title: str) -> bytes:
    """The receipts rows as one worksheet (a title row, a header row, one row per order)."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("签收情况")
    for i, (_, _, width) in enumerate(_COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.append([title])
    sheet.append([label for _, label, _ in _COLUMNS])
    for r in rows:
        # text cells, never formulas: a value starting with = + - @ is prefixed
        sheet.append([_cell(str(r[key])) for key, _, _ in _COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


PER_PAGE = 100


def revision_row(v: AlertRevision, zone: Any) -> dict[str, Any]:
    s = v.state
    return {
        "alert_id": v.alert_id,
        "revision_id": v.revision_id,
        "number": s.number,
        "kind": s.kind.label,
        "level": s.level.value,
        "level_label": s.level.term,
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
        "area": "、".join(v.counties) if v.counties else "全市",
    }


def marked_preview(html: str) -> str:
    """A notice not yet issued, marked as a preview at the top of its body."""
    banner = (
        '<p role="note" style="margin:0;padding:8px;background:#fff3cd;'
        'border:1px solid #c90;text-align:center;font-weight:bold">'
        "预览稿：尚未审批和发布，文号在发布时编定。</p>"
    )
    return html.replace("<body>", "<body>" + banner, 1)


def frozen_check(rev: AlertRevision) -> dict[str, Any]:
    """The reduction check frozen with an approved revision, shaped as the live one."""
    targets = rev.targets or {}
    return {
        "list_revision": rev.list_revision,
        "met": bool(targets.get("met")),
        "controls": list(targets.get("controls") or ()),
        "species": [
            {
                "label": label,
                "reduction": v["reduction_kg_d"],
                "already": v.get("already_controlled_kg_d", 0.0),
                "ratio": v["ratio"],
                "target": v["target"],
                "met": v["met"],
            }
            for label, v in (targets.get("species") or {}).items()
        ],
    }


def alert_routes(router: APIRouter, c: Console) -> None:
    site = c.site
    zone = site.zone
    actions = AlertActions(site.alerts, clock=c.clock, zone=zone)

    @router.get("/alerts", response_class=HTMLResponse)
    def alert_list(request: Request) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        rows = [revision_row(v, zone) for v in site.alerts.alerts()]
        return c.page("console/alerts.html", session=session, rows=rows)

    def reduction(level: AlertLevel, values: dict[str, str]) -> dict[str, Any] | None:
        """The reduction check of ``level`` under the list in force on the draft's first day."""
        try:
            at = local_time(values.get("start", ""), zone, "开始时间")
        except OrchestratorError:
            at = c.clock.now()
        return reduction_at(level, at, site.alerts.area(counties_of(values)))

    def reduction_at(
        level: AlertLevel, at: Any, counties: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """The reduction check of ``level`` on the day of ``at`` (the list in force then), of
        the whole city or of ``counties``."""
        found = site.lists.level_check(level, at, on=at.astimezone(zone).date(), counties=counties)
        if found is None:
            return None
        check = found.check
        return {
            "list_revision": found.list_revision,
            "met": check.met,
            "controls": list(check.controls),
            "species": [
                {
                    "species": sp.value,
                    "label": sp.label,
                    "reduction": v.reduction_kg_d,
                    "already": v.already_controlled_kg_d,
                    "ratio": v.ratio,
                    "target": v.target,
                    "met": v.met,
                }
                for sp, v in check.species.items()
            ],
        }

    def draft_form(
        session: Session, values: dict[str, str], error: str = "", status: int = 200
    ) -> HTMLResponse:
        level = values.get("level", "")
        preview = None
        if level in {lv.value for lv in ALERT_LEVELS}:
            try:
                preview = reduction(AlertLevel(level), values)
            except OrchestratorError as exc:  # a strange county, a county with no inventory
                error, status = error or str(exc), 400 if status == 200 else status
        return c.page(
            "console/alert_new.html",
            status,
            session=session,
            levels=[(lv.value, lv.term) for lv in RESPONSE_LEVELS],
            counties=site.alerts.city.counties,
            chosen=set(counties_of(values)),
            values=values,
            preview=preview,
            error=error,
        )

    @router.get("/alerts/new", response_class=HTMLResponse)
    def alert_new(request: Request) -> Response:
        session = c.require(request, Permission.DRAFT)
        if isinstance(session, Response):
            return session
        values: dict[str, str] = {}
        for k, v in request.query_params.multi_items():  # a repeated field: one per line
            values[k] = f"{values[k]}\n{v}" if k in values else v
        return draft_form(session, values)

    @router.post("/alerts")
    async def alert_create(request: Request) -> Response:
        posted = await c.form(request, Permission.DRAFT)
        if isinstance(posted, Response):
            return posted
        session, form = posted
        try:
            alert_id = await run_in_threadpool(actions.create, session.user, form)
        except OrchestratorError as exc:
            return draft_form(session, form, str(exc), status_of(exc, action=True))
        return RedirectResponse(f"/alerts/{alert_id}?done=draft", status_code=303, headers=HEADERS)

    def detail(
        session: Session,
        alert_id: int,
        *,
        notice: str = "",
        error: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        try:
            views = site.alerts.revisions(alert_id)
        except OrchestratorError as exc:
            return c.refused(session, "未找到预警", exc)
        cur = current(views)
        trail = [
            {"at": cn_time(a.at, zone), "actor": a.actor, "action": a.label, "reason": a.reason}
            for a in site.alerts.trail(alert_id)
        ]
        allowed = allowed_actions(cur.state)
        review = _review(cur, views) if cur.state.status.open else None
        agreed = site.negotiations.of_alert(alert_id)
        facts = site.negotiations.facts(alert_id)
        return c.page(
            "console/alert.html",
            status,
            session=session,
            alert_id=alert_id,
            current=revision_row(cur, zone),
            revisions=[revision_row(v, zone) for v in reversed(views)],
            trail=trail,
            actions={a.value: a in allowed for a in Action},
            review=review,
            notice=notice,
            error=error,
            issued=any(v.document_number for v in views),
            higher=[
                (lv.value, lv.term) for lv in RESPONSE_LEVELS if lv.rank > cur.state.level.rank
            ],
            lower=[(lv.value, lv.term) for lv in RESPONSE_LEVELS if lv.rank < cur.state.level.rank],
            now=cn_time(c.clock.now(), zone),
            negotiated=[_agreed_row(n, zone, facts.revision_id) for n in agreed],
            negotiable=facts.pending and not facts.lift,
            kinds=[(k.value, k.label) for k in MeasureKind if k is not MeasureKind.AUTONOMOUS],
            negotiated_targets=(cur.targets or {}).get("negotiated") or {},
        )

    def _review(cur: AlertRevision, views: list[AlertRevision]) -> dict[str, Any]:
        """What an open revision asks the approver to sign: its level and window, the
        reduction check of its first day (as frozen at approval, else as of now), the notice
        it will issue, and what it conflicts with — the alert in force, other drafts, the
        regional hint."""
        st = cur.state
        check: dict[str, Any] | None = None
        if cur.targets is not None:
            check = frozen_check(cur)
        conflicts: list[str] = []
        if cur.targets is None and st.level.colour and st.kind is not RevisionKind.LIFT:
            try:
                check = reduction_at(st.level, st.start, cur.counties)
            except OrchestratorError as exc:  # a county with no inventory: approval says so too
                conflicts.append(f"{exc}。")
        situation = site.alerts.situation(c.clock.now())
        active = situation.active
        meets = active is not None and areas_meet(active.counties, cur.counties)
        if active is not None and meets and active.alert_id != cur.alert_id:
            conflicts.append(
                f"预警{active.alert_id}（{active.state.level.term}，{active.document_number}）"
                f"正在执行，同一区域同一时间只能有一个预警；请调整该预警，而不是另行发布。"
            )
        others = [i for i in situation.pending_issue if i != cur.alert_id]
        if others and st.kind is RevisionKind.ISSUE:
            conflicts.append(
                "另有待发布的预警：" + "、".join(f"预警{i}" for i in others) + "，请核实是否重复。"
            )
        hint = situation.hint
        if hint is not None:
            text = (
                f"{hint.issuer or '上级'}区域预警提示{hint.document and '（' + hint.document + '）'}："
                f"{cn_time(hint.start, zone)}至{cn_time(hint.end, zone)}不低于{hint.level.term}"
            )
            if st.kind is not RevisionKind.LIFT and st.level.rank < hint.level.rank:
                text += f"，本版本{st.level.term}低于该要求"
            elif st.kind is RevisionKind.LIFT:
                text += "，解除前请核实该提示是否已结束"
            conflicts.append(text + "。")
        return {
            "kind": st.kind.label,
            "level": st.level.term,
            "window": f"{cn_time(st.start, zone)}至{cn_time(st.end, zone) if st.end else '另行通知'}",
            "check": check,
            "frozen": cur.targets is not None,
            "preview": st.kind is RevisionKind.ISSUE and st.level.colour,
            "conflicts": conflicts,
        }

    @router.get("/alerts/{alert_id}/preview", response_class=HTMLResponse)
    def alert_preview(request: Request, alert_id: Id) -> Response:
        """The bulletin the alert's open first revision would be issued with (a preview)."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            cur = site.alerts.current(alert_id)
            st = cur.state
            if not (st.status.open and st.kind is RevisionKind.ISSUE and st.level.colour):
                return c.message(session, "无法预览", "只有待发布的预警启动通知可以预览。", 404)
            html = site.notices.preview_bulletin(
                level=st.level,
                start=st.start,
                end=st.end,
                reason=cur.reason,
                now=c.clock.now(),
                counties=cur.counties,
            )
        except OrchestratorError as exc:
            return c.message(session, "无法预览", _preview_problem(exc), status_of(exc))
        return HTMLResponse(
            with_bar(
                marked_preview(html),
                [(c.url(f"/alerts/{alert_id}"), f"← 返回预警{alert_id}")],
            ),
            headers=HEADERS,
        )

    @router.get("/alerts/{alert_id}", response_class=HTMLResponse)
    def alert_page(request: Request, alert_id: Id, done: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        return detail(session, alert_id, notice=_DONE.get(done, ""))

    def act(action: Action) -> None:
        async def handler(request: Request, alert_id: Id) -> Response:
            posted = await c.form(request, ACTION_PERMISSION[action])
            if isinstance(posted, Response):
                return posted
            session, form = posted
            try:
                await run_in_threadpool(actions.run, action, session.user, alert_id, form)
            except OrchestratorError as exc:
                return detail(session, alert_id, error=str(exc), status=status_of(exc, action=True))
            return RedirectResponse(
                f"/alerts/{alert_id}?done={action.value}", status_code=303, headers=HEADERS
            )

        router.add_api_route(f"/alerts/{{alert_id}}/{action.value}", handler, methods=["POST"])

    for action in Action:
        act(action)

    @router.get("/alerts/new/bulletin", response_class=HTMLResponse)
    def bulletin_preview(request: Request) -> Response:
        """The bulletin the draft form's values would be issued with, marked as a preview."""
        session = c.require(request, Permission.DRAFT)
        if isinstance(session, Response):
            return session
        q = request.query_params
        try:
            level = AlertLevel(q.get("level", ""))
        except ValueError:
            return c.message(session, "无法预览", "请选择预警等级（黄色、橙色或红色）", 400)
        try:
            start = local_time(q.get("start", ""), zone, "开始时间")
            end = local_time(q["end"], zone, "结束时间") if q.get("end", "").strip() else None
            html = site.notices.preview_bulletin(
                level=level,
                start=start,
                end=end,
                reason=q.get("reason", "").strip() or "（起草理由）",
                now=c.clock.now(),
                counties=site.alerts.area(q.getlist("counties")),
            )
        except OrchestratorError as exc:
            return c.message(session, "无法预览", _preview_problem(exc), 400)
        return HTMLResponse(marked_preview(html), headers=HEADERS)

    def assessed(
        request: Request, alert_id: int
    ) -> tuple[Session, Assessor, dict[str, Any]] | Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        if site.assessor is None:
            return c.message(session, "无法评估", "本系统未配置效果评估", 404)
        try:
            record = site.assessor.assess(alert_id, now=c.clock.now())
        except OrchestratorError as exc:
            return c.refused(session, "无法评估", exc)
        return session, site.assessor, record

    @router.get("/alerts/{alert_id}/assessment", response_class=HTMLResponse)
    def alert_assessment(request: Request, alert_id: Id) -> Response:
        """The effect assessment report, as of now, with the monitoring source's observations."""
        found = assessed(request, alert_id)
        if isinstance(found, Response):
            return found
        _, assessor, record = found
        return HTMLResponse(
            with_bar(
                assessor.render(record),
                [
                    (c.url(f"/alerts/{alert_id}"), f"← 返回预警{alert_id}"),
                    (c.url(f"/alerts/{alert_id}/assessment.pdf"), "下载PDF（打印）"),
                ],
            ),
            headers=HEADERS,
        )

    @router.get("/alerts/{alert_id}/assessment.pdf")
    def alert_assessment_pdf(request: Request, alert_id: Id) -> Response:
        found = assessed(request, alert_id)
        if isinstance(found, Response):
            return found
        session, assessor, record = found
        try:
            body = assessor.pdf_bytes(assessor.render(record))
        except OrchestratorError as exc:
            return c.refused(session, "无法生成PDF", exc)
        name = quote(f"效果评估-预警{alert_id}.pdf")
        return Response(
            body,
            media_type="application/pdf",
            headers={**HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )

    @router.get("/alerts/{alert_id}/notices", response_class=HTMLResponse)
    def alert_notices(
        request: Request,
        alert_id: Id,
        state: str = "",
        county: str = "",
        q: str = "",
        page: Page = 1,
        done: str = "",
    ) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        view = receipts_view(alert_id, state, county, q)
        if view is None:
            return c.message(session, "尚未发布", f"预警{alert_id}尚未发布，没有通知", 404)
        found = view.rows((page - 1) * PER_PAGE, PER_PAGE)
        pages = max(1, -(-found.total // PER_PAGE))
        if page > pages:  # past the end: the last page
            page = pages
            found = view.rows((page - 1) * PER_PAGE, PER_PAGE)
        revision_id = view.revision_id
        return c.page(
            "console/notices.html",
            session=session,
            alert_id=alert_id,
            summary=view.summary.as_dict(),
            deadline=cn_time(view.summary.deadline, zone),
            rows=[order_row(r, view.late) for r in found.rows],
            revision_id=revision_id,
            total=found.total,
            states=FILTERS,
            counties=found.counties
            or site.receipts.order_page(Subject(revision_id=revision_id), limit=1).counties,
            filters={"state": view.state, "county": county, "q": view.query},
            page=page,
            pages=pages,
            notice="已重新排入投递队列。" if done == "resend" else "",
            pending=not site.notices.rendered(revision_id),
        )

    def order_row(r: Any, late: bool) -> dict[str, Any]:
        overdue = r.state is OrderState.UNSIGNED and late
        return {
            "uscc": r.uscc,
            "name": r.name,
            "county": r.county,
            "contact": r.contact,
            "phone": r.phone,
            "channels": "、".join(channel_label(ch) for ch in r.channels) or "—",
            "delivery": r.delivery.label if r.delivery else _NO_CHANNEL,
            "error": r.error,
            "state": "逾期未签收" if overdue else r.state.label,
            "overdue": overdue,
            "signed": (
                f"{cn_time(r.acknowledged_at, zone)}（{r.signer}）" if r.acknowledged_at else ""
            ),
        }

    def receipts_view(alert_id: int, state: str, county: str, q: str) -> ReceiptsView | None:
        """The receipts of the alert's newest issued revision as the notices page filters them
        (None: not issued): 逾期 is 未签收 after the deadline, nothing before it."""
        revision_id = site.receipts.newest_issued(alert_id)
        if revision_id is None:
            return None
        now = c.clock.now()
        summary = site.receipts.summary(alert_id, now=now, listed=0)
        return ReceiptsView(
            site.receipts,
            revision_id,
            summary,
            now,
            state if state in FILTERS else "",
            county,
            q.strip()[:100],
        )

    def channel_label(name: str) -> str:
        found = site.outbox.config.channels.get(name)
        return found.label if found is not None else name

    @router.get("/alerts/{alert_id}/notices.xlsx")
    def alert_notices_xlsx(
        request: Request, alert_id: Id, state: str = "", county: str = "", q: str = ""
    ) -> Response:
        """The receipts as the notices page filters them, every row, as an Excel workbook."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        view = receipts_view(alert_id, state, county, q)
        if view is None:
            return c.message(session, "尚未发布", f"预警{alert_id}尚未发布，没有通知", 404)
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            found = view.rows(offset, 5_000)
            rows.extend(order_row(r, view.late) for r in found.rows)
            offset += 5_000
            if offset >= found.total:
                break
        body = receipts_workbook(
            rows, f"预警{alert_id}应急响应指令签收情况（{cn_time(view.now, zone)}）"
        )
        name = quote(f"签收情况-预警{alert_id}.xlsx")
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={**HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )

    @router.post("/alerts/{alert_id}/negotiated")
    async def negotiated_add(request: Request, alert_id: Id) -> Response:
        posted = await c.form(request, Permission.DRAFT)
        if isinstance(posted, Response):
            return posted
        session, form = posted

        def record() -> None:
            facts = site.negotiations.facts(alert_id)
            agreement = agreement_of(form, facts, zone)
            site.negotiations.record(
                alert_id, agreement, by=session.user.display_name, now=c.clock.now()
            )

        try:
            await run_in_threadpool(record)
        except OrchestratorError as exc:
            return detail(session, alert_id, error=str(exc), status=status_of(exc, action=True))
        return RedirectResponse(
            f"/alerts/{alert_id}?done=negotiated", status_code=303, headers=HEADERS
        )

    @router.post("/alerts/{alert_id}/negotiated/{negotiated_id}/remove")
    async def negotiated_remove(request: Request, alert_id: Id, negotiated_id: Id) -> Response:
        posted = await c.form(request, Permission.DRAFT)
        if isinstance(posted, Response):
            return posted
        session, _ = posted

        def remove() -> None:
            site.negotiations.remove(
                negotiated_id, by=session.user.display_name, now=c.clock.now(), alert_id=alert_id
            )

        try:
            await run_in_threadpool(remove)
        except OrchestratorError as exc:
            return detail(session, alert_id, error=str(exc), status=status_of(exc, action=True))
        return RedirectResponse(
            f"/alerts/{alert_id}?done=negotiated_removed", status_code=303, headers=HEADERS
        )

    @router.post("/alerts/{alert_id}/resend")
    async def alert_resend(request: Request, alert_id: Id) -> Response:
        posted = await c.form(request, Permission.RESEND)
        if isinstance(posted, Response):
            return posted
        session, form = posted
        try:
            await run_in_threadpool(
                lambda: site.outbox.resend(
                    alert_id,
                    c.clock.now(),
                    failed_only=form.get("scope", "failed") != "all",
                    by=session.user.display_name,
                    confirmed=form.get("confirm") == "1",
                )
            )
        except OrchestratorError as exc:
            status = status_of(exc, action=True)
            return c.message(session, "未能重新发送", str(exc), status)
        return RedirectResponse(
            f"/alerts/{alert_id}/notices?done=resend", status_code=303, headers=HEADERS
        )


def _preview_problem(exc: OrchestratorError) -> str:
    if isinstance(exc, RevisionNotFound):
        return "开始日期没有生效的应急减排清单"
    return str(exc)


def _agreed_row(n: NegotiatedReduction, zone: Any, pending_revision: int) -> dict[str, Any]:
    a = n.agreement
    return {
        "id": n.id,
        "name": n.name,
        "uscc": a.uscc,
        "lines": "、".join(a.lines),
        "measure": f"{a.measure}（{a.kind.label}）",
        "amounts": "，".join(
            f"{s.label} {a.reduction.get(s):g}" for s in Species if a.reduction.get(s) > 0
        ),
        "period": f"{cn_time(a.start, zone)}至{cn_time(a.end, zone)}",
        "reference": a.reference,
        "agreed_by": a.agreed_by,
        "recorded_by": n.recorded_by,
        "removable": n.revision_id == pending_revision,
    }
