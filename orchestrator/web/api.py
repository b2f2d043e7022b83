"""The JSON API (``/api/v1``, OpenAPI at ``/api/openapi.json``): the console's actions for
integrations — alerts (list, read, draft, every lifecycle action, receipts, resend),
consultations, the emission list and the audit log — authenticated with API tokens
(``Authorization: Bearer orc_…``, made with ``orchestrator user token``) acting as their user,
with that user's role checked on every action as in the console. Errors are JSON
``{"detail": "…"}`` with a message in Chinese; invalid input is a 422 naming the field."""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from orchestrator.accounts.model import ACTION_PERMISSION, Permission, User, allowed, holders
from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.consultation.model import Consultation
from orchestrator.daily.model import Via, roll_up_dict
from orchestrator.delivery.model import Subject
from orchestrator.emissions.model import Amounts, MeasureKind, Species
from orchestrator.emissions.targets import species_json
from orchestrator.errors import OrchestratorError
from orchestrator.negotiation.model import Agreement
from orchestrator.response.model import Action, AlertRevision, current
from orchestrator.web.console.base import Id
from orchestrator.web.dashboard import dashboard
from orchestrator.web.errors import status_of
from orchestrator.web.forms import AlertActions, local_time
from orchestrator.web.site import Site

PREFIX = "/api/v1"
_bearer = HTTPBearer(auto_error=False, description="API令牌：orchestrator user token 生成")


#: What an alert may be drafted at (RESPONSE_LEVELS): the band below the colours, and the colours.
DraftLevel = Literal["adverse", "yellow", "orange", "red"]


class DraftIn(BaseModel):
    level: DraftLevel = Field(description="adverse为不利气象条件应对（须在理由中写明上级指令）")
    start: str = Field(description="开始时间，ISO 8601；不带时区为本市时间", max_length=40)
    end: str | None = Field(default=None, description="结束时间；不填为另行通知", max_length=40)
    reason: str = Field(description="起草理由（会商研判结论）", max_length=2000)
    counties: list[str] = Field(
        default_factory=list, description="预警范围内的区县名称；不填为全市", max_length=200
    )


class ActionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
    override: str | None = Field(
        default=None,
        description="减排量未达标时准予发布的书面理由：批准时（approve）记录，或审批人本人发布时（issue）填写",
        max_length=2000,
    )
    level: DraftLevel | None = None
    start: str | None = Field(default=None, max_length=40)
    end: str | None = Field(default=None, max_length=40)


class NegotiatedIn(BaseModel):
    uscc: str = Field(description="企业统一社会信用代码", min_length=18, max_length=18)
    lines: list[Annotated[str, Field(max_length=200)]] = Field(
        description="所涉生产线", min_length=1, max_length=50
    )
    kind: Literal[
        "stop", "limit", "load_cap", "coking_time", "feed_cap", "transport", "construction"
    ] = Field(default="limit", description="措施类型")
    measure: str = Field(description="协商减排措施（按协议原文）", max_length=500)
    reduction_kg_d: dict[Literal["SO2", "NOx", "PM", "VOCs"], float] = Field(
        description="在清单措施之外减少的排放量，千克/日"
    )
    start: str | None = Field(
        default=None, description="开始时间；不填为该修订的开始", max_length=40
    )
    end: str | None = Field(default=None, description="结束时间；不填为该修订的结束", max_length=40)
    reference: str = Field(description="协议编号", max_length=200)
    agreed_by: str = Field(description="企业确认人", max_length=100)


class ResendIn(BaseModel):
    scope: Literal["failed", "all"] = "failed"
    confirm: bool = Field(
        default=False,
        description="全部重新发送（scope为all）须为true；上一次重新发送未投递完毕时拒绝（409）",
    )


class DailyItemIn(BaseModel):
    done: bool
    note: str = Field(default="", max_length=500, description="未落实的须说明原因")
    figure: int | None = Field(
        default=None, ge=0, description="该项须报送的数字（如停止施工工地数）"
    )


class DailyReportIn(BaseModel):
    code: str = Field(min_length=18, max_length=18, description="企业或单位的统一社会信用代码")
    day: dt.date = Field(description="日报日期 YYYY-MM-DD")
    items: list[DailyItemIn] = Field(description="逐项落实情况，顺序同日报所列各项")
    note: str = Field(default="", max_length=2000)
    by: str = Field(min_length=1, max_length=50, description="报送人")


def _values(model: BaseModel) -> dict[str, str]:
    return {k: str(v) for k, v in model.model_dump().items() if v is not None}


def _revision(v: AlertRevision) -> dict[str, Any]:
    s = v.state
    return {
        "alert_id": v.alert_id,
        "revision_id": v.revision_id,
        "number": s.number,
        "kind": s.kind.value,
        "level": s.level.value,
        "counties": list(v.counties),
        "status": s.status.value,
        "start": s.start.isoformat(),
        "end": s.end.isoformat() if s.end else None,
        "drafted_by": s.drafted_by,
        "approved_by": s.approved_by,
        "issued_at": s.issued_at.isoformat() if s.issued_at else None,
        "document_number": v.document_number,
        "list_revision": v.list_revision,
        "reason": v.reason,
        "targets": v.targets,
    }


#: A browser's error page: (title, message, status) → the page.
ErrorPage = Callable[[str, str, int], Response]

_TITLES = {404: "未找到", 405: "请求方法不正确", 413: "上传内容过大", 429: "请求过于频繁"}


def install_errors(app: FastAPI, page: ErrorPage | None = None) -> None:
    """JSON errors for the API: validation failures name the field, in Chinese. A browser's
    request (any path outside ``/api/`` and the gateway's callbacks) gets ``page``'s Chinese
    HTML page instead, under the same status."""

    def browser(request: Request) -> bool:
        # the path within the app (a city of a provincial installation is mounted on its root)
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        return page is not None and not path.startswith(("/api/", "/callbacks/"))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if page is not None and browser(request):
            return page("请求无效", "地址或参数不正确，请从值班台重新进入。", 400)
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        fields = "、".join(e["field"] for e in errors if e["field"]) or "请求"
        return JSONResponse(
            {"detail": f"请求参数无效：{fields}", "errors": errors}, status_code=422
        )

    @app.exception_handler(OrchestratorError)
    async def refused(request: Request, exc: OrchestratorError) -> Response:
        """The one handler of deliberate errors: the message, under its kind's status (an
        action's refusal is a 400)."""
        action = request.method == "POST"
        status = status_of(exc, action=action)
        if page is not None and browser(request):
            return page("无法办理", str(exc), status)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = _GENERIC.get(str(exc.detail), exc.detail)
        if page is not None and browser(request):
            title = _TITLES.get(exc.status_code, "请求未能办理")
            return page(title, str(detail), exc.status_code)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


_GENERIC = {
    "Not Found": "未找到该地址",
    "Method Not Allowed": "不支持该请求方法",
    "Not authenticated": "缺少API令牌（Authorization: Bearer …）",
}


def api_router(site: Site) -> APIRouter:
    clock = site.clock
    actions = AlertActions(site.alerts, clock=clock, zone=site.zone)
    router = APIRouter(prefix=PREFIX, tags=["api"])

    def user_of(permission: Permission) -> Any:
        def dependency(
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        ) -> User:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise HTTPException(
                    401,
                    "缺少API令牌（Authorization: Bearer …）",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            user = site.accounts.token_user(credentials.credentials, now=clock.now())
            if user is None:
                raise HTTPException(
                    401, "API令牌无效或已吊销", headers={"WWW-Authenticate": "Bearer"}
                )
            refusal = site.scope.refusal(user, permission)
            if refusal is not None:
                raise HTTPException(403, refusal)
            if not allowed(user.role, permission):
                raise HTTPException(
                    403, f"角色（{user.role_label}）无权进行此操作，仅限：{holders(permission)}"
                )
            return user

        return Depends(dependency)

    Viewer = Annotated[User, user_of(Permission.VIEW)]

    def views_of(alert_id: int) -> list[AlertRevision]:
        try:
            views = site.alerts.revisions(alert_id)
        except OrchestratorError:
            views = []
        if not views:
            raise HTTPException(404, f"预警{alert_id}不存在")
        return views

    def alert_json(alert_id: int) -> dict[str, Any]:
        views = views_of(alert_id)
        return {
            "id": alert_id,
            "current": _revision(current(views)),
            "revisions": [_revision(v) for v in views],
            "trail": [
                {
                    "at": a.at.isoformat(),
                    "actor": a.actor,
                    "action": a.action.value,
                    "reason": a.reason,
                    "detail": a.detail,
                    "label": a.label,
                }
                for a in site.alerts.trail(alert_id)
            ],
        }

    @router.get("/dashboard", summary="值班台")
    def get_dashboard(user: Viewer) -> dict[str, Any]:
        return dashboard(
            reads=site.reads,
            alerts=site.alerts,
            receipts=site.receipts,
            consultant=site.consultant,
            controls=site.controls,
            outbox=site.outbox,
            now=clock.now(),
            zone=site.zone,
            recent=site.recent,
        )

    @router.get("/alerts", summary="预警列表")
    def list_alerts(user: Viewer) -> list[dict[str, Any]]:
        return [_revision(v) for v in site.alerts.alerts()]

    @router.get("/alerts/{alert_id}", summary="预警详情（版本、文号、办理记录）")
    def get_alert(alert_id: Id, user: Viewer) -> dict[str, Any]:
        return alert_json(alert_id)

    @router.get("/alerts/{alert_id}/receipts", summary="应急响应指令的投递与回执")
    def get_receipts(
        alert_id: Id,
        user: Viewer,
        state: Literal["", "unsigned", "signed", "implemented", "failed"] = "",
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        views_of(alert_id)
        revision_id = site.receipts.newest_issued(alert_id)
        if revision_id is None:
            raise HTTPException(404, f"预警{alert_id}尚未发布，没有通知")
        summary = site.receipts.summary(alert_id, now=clock.now(), listed=100)
        found = site.receipts.order_page(
            Subject(revision_id=revision_id), state=state, offset=offset, limit=limit
        )
        return {
            "summary": summary.as_dict(),
            "total": found.total,
            "orders": [
                {
                    "uscc": r.uscc,
                    "name": r.name,
                    "county": r.county,
                    "channels": list(r.channels),
                    "delivery": r.delivery.value if r.delivery else "",
                    "error": r.error,
                    "state": r.state.value,
                    "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
                    "signer": r.signer,
                }
                for r in found.rows
            ],
        }

    @router.post("/alerts", status_code=201, summary="起草预警并提交审批")
    def create_alert(
        body: DraftIn, user: Annotated[User, user_of(Permission.DRAFT)]
    ) -> dict[str, Any]:
        values = {**_values(body), "counties": "\n".join(body.counties)}
        return alert_json(actions.create(user, values))

    def act(action: Action) -> None:
        def handler(
            alert_id: Id,
            body: ActionIn,
            user: Annotated[User, user_of(ACTION_PERMISSION[action])],
        ) -> dict[str, Any]:
            views_of(alert_id)
            actions.run(action, user, alert_id, _values(body))
            return alert_json(alert_id)

        router.add_api_route(
            f"/alerts/{{alert_id}}/{action.value}",
            handler,
            methods=["POST"],
            name=f"alert_{action.value}",
            summary=_ACTION_SUMMARY[action],
        )

    for action in Action:
        act(action)

    @router.post("/alerts/{alert_id}/resend", summary="重新发送应急响应指令")
    def resend(
        alert_id: Id, body: ResendIn, user: Annotated[User, user_of(Permission.RESEND)]
    ) -> dict[str, Any]:
        views_of(alert_id)
        count = site.outbox.resend(
            alert_id,
            clock.now(),
            failed_only=body.scope == "failed",
            by=user.display_name,
            via="API：",
            confirmed=body.confirm,
        )
        return {"queued": count}

    @router.post(
        "/alerts/{alert_id}/daily-reports", status_code=201, summary="报送日报（每日调度）"
    )
    def submit_daily(
        alert_id: Id, body: DailyReportIn, user: Annotated[User, user_of(Permission.DAILY)]
    ) -> dict[str, Any]:
        report = site.daily.submit(
            alert_id,
            body.code.upper(),
            body.day,
            done=[i.done for i in body.items],
            notes=[i.note for i in body.items],
            figures=["" if i.figure is None else str(i.figure) for i in body.items],
            note=body.note,
            by=body.by,
            via=Via.API,
            now=clock.now(),
        )
        return {
            "alert_id": alert_id,
            "code": report.code,
            "day": report.day.isoformat(),
            "complete": report.complete,
            "reported_at": report.reported_at.isoformat(),
        }

    @router.get("/alerts/{alert_id}/daily", summary="应急管控工作日报")
    def get_daily(alert_id: Id, user: Viewer, day: dt.date | None = None) -> dict[str, Any]:
        now = clock.now()
        return roll_up_dict(
            site.daily.roll_up(alert_id, day or now.astimezone(site.zone).date(), now)
        )

    @router.get("/alerts/{alert_id}/negotiated", summary="协商减排记录")
    def list_negotiated(alert_id: Id, user: Viewer) -> list[dict[str, Any]]:
        return [n.as_json(site.zone) for n in site.negotiations.of_alert(alert_id)]

    @router.post("/alerts/{alert_id}/negotiated", status_code=201, summary="录入协商减排")
    def add_negotiated(
        alert_id: Id, body: NegotiatedIn, user: Annotated[User, user_of(Permission.DRAFT)]
    ) -> dict[str, Any]:
        facts = site.negotiations.facts(alert_id)
        by_label = {s.label: s for s in Species}
        try:
            reduction = Amounts(**{by_label[k].value: v for k, v in body.reduction_kg_d.items()})
        except ValueError:
            raise HTTPException(400, "reduction_kg_d：减排量不能为负数") from None
        end = local_time(body.end, site.zone, "end") if body.end else facts.end
        if end is None:
            raise HTTPException(400, "end：该修订的结束时间为“另行通知”，须写明协商减排的结束时间")
        agreement = Agreement(
            uscc=body.uscc,
            lines=tuple(body.lines),
            kind=MeasureKind(body.kind),
            measure=body.measure,
            reduction=reduction,
            start=local_time(body.start, site.zone, "start") if body.start else facts.start,
            end=end,
            reference=body.reference,
            agreed_by=body.agreed_by,
        )
        stored = site.negotiations.record(
            alert_id, agreement, by=user.display_name, now=clock.now()
        )
        return stored.as_json(site.zone)

    @router.delete("/negotiated/{negotiated_id}", summary="删除协商减排（批准前）")
    def remove_negotiated(
        negotiated_id: Id, user: Annotated[User, user_of(Permission.DRAFT)]
    ) -> dict[str, Any]:
        return site.negotiations.remove(
            negotiated_id, by=user.display_name, now=clock.now()
        ).as_json(site.zone)

    @router.get("/alerts/{alert_id}/assessment", summary="效果评估（评估记录，实况取自监测数据源）")
    def get_assessment(alert_id: Id, user: Viewer) -> dict[str, Any]:
        if site.assessor is None:
            raise HTTPException(404, "本系统未配置效果评估")
        return site.assessor.assess(alert_id, now=clock.now())

    @router.get("/consultations", summary="会商列表")
    def list_consultations(
        user: Viewer, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        return [_consultation(r, record=False) for r in site.consultant.recorded(limit)]

    @router.get("/consultations/{consultation_id}", summary="会商详情（研判结论和数据）")
    def get_consultation(consultation_id: Id, user: Viewer) -> dict[str, Any]:
        row = site.consultant.record(consultation_id)
        if row is None:
            raise HTTPException(404, f"会商第{consultation_id}次不存在")
        return _consultation(row, record=True)

    @router.get("/lists", summary="应急减排清单版本")
    def list_revisions(user: Viewer) -> list[dict[str, Any]]:
        return [r.as_json() for r in site.lists.summaries()]

    @router.get(
        "/lists/check", summary="减排量核算（某一时刻，扣除已停产和常态化管控已要求的减排量）"
    )
    def list_check(
        user: Viewer,
        level: Literal["yellow", "orange", "red"],
        at: Annotated[str, Query(max_length=40)] = "",
        revision: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    ) -> dict[str, Any]:
        moment = local_time(at, site.zone, "at") if at else clock.now()
        found = site.lists.level_check(
            AlertLevel(level), moment, on=moment.astimezone(site.zone).date(), revision=revision
        )
        if found is None:
            day = moment.astimezone(site.zone).date().isoformat()
            raise HTTPException(404, f"{day}没有生效的应急减排清单")
        return {
            "revision": found.list_revision,
            "at": moment.isoformat(),
            "level": level,
            "met": found.check.met,
            "controls": list(found.check.controls),
            "species": species_json(found.check),
        }

    @router.get("/lists/{number}/enterprises", summary="清单企业查询")
    def find(
        number: Id,
        user: Viewer,
        q: Annotated[str, Query(max_length=100)] = "",
        county: Annotated[str, Query(max_length=100)] = "",
        industry: Annotated[str, Query(max_length=100)] = "",
        grade: Annotated[str, Query(max_length=16)] = "",
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        found = site.lists.find(
            number,
            text=q,
            county=county,
            industry=industry,
            grade=grade,
            offset=offset,
            limit=limit,
        )
        return {
            "total": found.total,
            "enterprises": [
                {
                    "uscc": r.uscc,
                    "name": r.name,
                    "county": r.county,
                    "grade": r.grade,
                    "industries": r.industries.split("、") if r.industries else [],
                    "lines": r.lines,
                }
                for r in found.rows
            ],
        }

    @router.get("/lists/{number}/enterprises/{uscc}", summary="企业一厂一策")
    def get_enterprise(
        number: Id, uscc: Annotated[str, Path(max_length=64)], user: Viewer
    ) -> dict[str, Any]:
        e = site.lists.enterprise(number, uscc)
        if e is None:
            raise HTTPException(404, f"第{number}版清单中没有统一社会信用代码为{uscc}的企业")
        return {
            "uscc": e.uscc,
            "name": e.name,
            "county": e.county,
            "town": e.town,
            "grade": e.grade.value,
            "category": e.category.value,
            "lines": [
                {
                    "name": ln.name,
                    "industry": ln.industry,
                    "measures": {
                        lv.value: (
                            {
                                "kind": m.kind.value,
                                "text": m.text,
                                "value": m.value,
                                "reduction": {sp.value: m.reduction.get(sp) for sp in Species},
                            }
                            if (m := ln.measure(lv)) is not None
                            else None
                        )
                        for lv in ALERT_LEVELS
                    },
                }
                for ln in e.lines
            ],
        }

    @router.get("/audit", summary="操作日志")
    def get_audit(
        user: Annotated[User, user_of(Permission.AUDIT)],
        actor: Annotated[str, Query(max_length=64)] = "",
        action: Annotated[str, Query(max_length=24)] = "",
        alert_id: Annotated[int | None, Query(ge=1, le=2_000_000_000)] = None,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        rows, total = site.audit.entries(
            actor=actor, action=action, alert_id=alert_id, offset=offset, limit=limit
        )
        return {
            "total": total,
            "entries": [
                {
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "action": r.action.value,
                    "label": r.label,
                    "alert_id": r.alert_id,
                    "reason": r.reason,
                }
                for r in rows
            ],
        }

    return router


_ACTION_SUMMARY = {
    Action.SUBMIT: "提交审批",
    Action.WITHDRAW: "撤回",
    Action.APPROVE: "批准（须与起草人不同，且具备该等级所需的审批角色）",
    Action.REJECT: "退回（须填写reason）",
    Action.ISSUE: "发布（生成通知和应急响应指令）",
    Action.UPGRADE: "起草升级并提交审批（level、reason）",
    Action.DOWNGRADE: "起草降级并提交审批（level、reason）",
    Action.EXTEND: "起草延长并提交审批（end、reason）",
    Action.LIFT: "起草解除并提交审批（reason）",
}


def _consultation(row: Consultation, *, record: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "slot": row.slot.isoformat(),
        "ran_at": row.ran_at.isoformat(),
        "trigger": row.trigger,
        "source": row.source,
        "degraded": row.degraded,
        "action": row.action,
        "level": row.level,
        "alert_id": row.alert_id,
    }
    if record:
        out["record"] = row.record
    return out
