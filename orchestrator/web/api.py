"""The JSON API (``/api/v1``, OpenAPI at ``/api/openapi.json``): the console's actions for
integrations — alerts (list, read, draft, every lifecycle action, receipts, resend),
consultations, the emission list and the audit log — authenticated with API tokens
(``Authorization: Bearer orc_…``, made with ``orchestrator user token``) acting as their user,
with that user's role checked on every action as in the console. Errors are JSON
``{"detail": "…"}`` with a message in Chinese; invalid input is a 422 naming the field."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import Environment
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from orchestrator import audit, receipts
from orchestrator import command_office as office
from orchestrator.assessment.service import NotAssessable
from orchestrator.clock import Clock
from orchestrator.db import lists as list_repo
from orchestrator.db.tables import consultations
from orchestrator.delivery import outbox
from orchestrator.delivery.outbox import Subject, newest_issued_revision
from orchestrator.emissions.model import LIST_LEVELS, Species
from orchestrator.errors import OrchestratorError
from orchestrator.web import accounts
from orchestrator.web.alert_actions import ROLES, AlertActions
from orchestrator.web.console import ACTIONS, Console, ConsoleSite, Id
from orchestrator.web.dashboard import dashboard

PREFIX = "/api/v1"
_bearer = HTTPBearer(auto_error=False, description="API令牌：orchestrator user token 生成")


class DraftIn(BaseModel):
    level: Literal["yellow", "orange", "red"]
    start: str = Field(description="开始时间，ISO 8601；不带时区为本市时间", max_length=40)
    end: str | None = Field(default=None, description="结束时间；不填为另行通知", max_length=40)
    reason: str = Field(description="起草理由（会商研判结论）", max_length=2000)


class ActionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
    override: str | None = Field(default=None, description="发布说明", max_length=2000)
    level: Literal["yellow", "orange", "red"] | None = None
    start: str | None = Field(default=None, max_length=40)
    end: str | None = Field(default=None, max_length=40)


class ResendIn(BaseModel):
    scope: Literal["failed", "all"] = "failed"


def _values(model: BaseModel) -> dict[str, str]:
    return {k: str(v) for k, v in model.model_dump().items() if v is not None}


def _revision(v: office.RevisionView) -> dict[str, Any]:
    s = v.state
    return {
        "alert_id": v.alert_id,
        "revision_id": v.revision_id,
        "number": s.number,
        "kind": s.kind.value,
        "level": s.level.value,
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


def install_errors(app: FastAPI) -> None:
    """JSON errors for the API: validation failures name the field, in Chinese."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
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

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = _GENERIC.get(str(exc.detail), exc.detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


_GENERIC = {
    "Not Found": "未找到该地址",
    "Method Not Allowed": "不支持该请求方法",
    "Not authenticated": "缺少API令牌（Authorization: Bearer …）",
}


def api_router(engine: Engine, *, env: Environment, clock: Clock, site: ConsoleSite) -> APIRouter:
    c = Console(engine, env=env, clock=clock, site=site)
    actions = (
        AlertActions(
            engine,
            clock=clock,
            env=env,
            region_code=site.region_code,
            zone=site.zone,
            desk=site.desk,
        )
        if site.desk is not None
        else None
    )
    router = APIRouter(prefix=PREFIX, tags=["api"])

    def user_of(action: str) -> Any:
        def dependency(
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        ) -> accounts.User:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise HTTPException(
                    401,
                    "缺少API令牌（Authorization: Bearer …）",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            user = accounts.token_user(engine, credentials.credentials, now=c.clock.now())
            if user is None:
                raise HTTPException(
                    401, "API令牌无效或已吊销", headers={"WWW-Authenticate": "Bearer"}
                )
            if user.role not in ACTIONS[action]:
                allowed = "、".join(accounts.ROLES[r] for r in sorted(ACTIONS[action]))
                raise HTTPException(
                    403, f"角色（{user.role_label}）无权进行此操作，仅限：{allowed}"
                )
            return user

        return Depends(dependency)

    Viewer = Annotated[accounts.User, user_of("view")]

    def views_of(alert_id: int) -> list[office.RevisionView]:
        try:
            views = office.revisions(engine, alert_id)
        except OrchestratorError:
            views = []
        if not views:
            raise HTTPException(404, f"预警{alert_id}不存在")
        return views

    def alert_json(alert_id: int) -> dict[str, Any]:
        views = views_of(alert_id)
        return {
            "id": alert_id,
            "current": _revision(office.current(views)),
            "revisions": [_revision(v) for v in views],
            "trail": [
                {**a, "at": a["at"].isoformat(), "label": audit.label(a["action"])}
                for a in office.audit_trail(engine, alert_id)
            ],
        }

    @router.get("/dashboard", summary="值班台")
    def get_dashboard(user: Viewer) -> dict[str, Any]:
        return dashboard(
            engine,
            region_code=site.region_code,
            now=c.clock.now(),
            zone=site.zone,
            receipt_hours=site.receipt_hours,
            recent=site.recent,
        )

    @router.get("/alerts", summary="预警列表")
    def list_alerts(user: Viewer) -> list[dict[str, Any]]:
        return [_revision(v) for v in office.all_alerts(engine, site.region_code)]

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
        with engine.connect() as conn:
            revision_id = newest_issued_revision(conn, alert_id)
        if revision_id is None:
            raise HTTPException(404, f"预警{alert_id}尚未发布，没有通知")
        summary = receipts.summary(
            engine, alert_id, now=c.clock.now(), receipt_hours=site.receipt_hours, listed=100
        )
        found = receipts.order_page(
            engine, Subject(revision_id=revision_id), state=state, offset=offset, limit=limit
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
                    "delivery": r.delivery,
                    "error": r.error,
                    "state": r.state,
                    "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
                    "signer": r.signer,
                }
                for r in found.rows
            ],
        }

    if actions is not None:
        desk = actions.desk

        @router.post("/alerts", status_code=201, summary="起草预警并提交审批")
        def create_alert(
            body: DraftIn, user: Annotated[accounts.User, user_of("draft")]
        ) -> dict[str, Any]:
            try:
                alert_id = actions.create(user, _values(body))
            except OrchestratorError as exc:
                raise HTTPException(400, str(exc)) from None
            return alert_json(alert_id)

        def act(name: str) -> None:
            def handler(
                alert_id: Id,
                body: ActionIn,
                user: Annotated[accounts.User, user_of(ROLES[name])],
            ) -> dict[str, Any]:
                views_of(alert_id)
                try:
                    actions.run(name, user, alert_id, _values(body))
                except OrchestratorError as exc:
                    raise HTTPException(400, str(exc)) from None
                return alert_json(alert_id)

            router.add_api_route(
                f"/alerts/{{alert_id}}/{name}",
                handler,
                methods=["POST"],
                name=f"alert_{name}",
                summary=_ACTION_SUMMARY[name],
            )

        for name in ROLES:
            act(name)

        @router.post("/alerts/{alert_id}/resend", summary="重新发送应急响应指令")
        def resend(
            alert_id: Id, body: ResendIn, user: Annotated[accounts.User, user_of("resend")]
        ) -> dict[str, Any]:
            views_of(alert_id)
            now = c.clock.now()
            count = outbox.resend(
                engine, desk.delivery, alert_id, now, failed_only=body.scope == "failed"
            )
            with engine.begin() as conn:
                audit.record(
                    conn,
                    at=now,
                    actor=user.display_name,
                    action="resend",
                    alert_id=alert_id,
                    reason=f"API：{'投递失败的' if body.scope == 'failed' else '全部'}通知，共{count}条",
                )
            return {"queued": count}

    @router.get("/alerts/{alert_id}/assessment", summary="效果评估（评估记录，实况取自监测数据源）")
    def get_assessment(alert_id: Id, user: Viewer) -> dict[str, Any]:
        assessor = site.desk.assessor if site.desk is not None else None
        if assessor is None:
            raise HTTPException(404, "本系统未配置效果评估")
        try:
            return assessor.assess(alert_id, now=c.clock.now())
        except NotAssessable as exc:
            raise HTTPException(404, str(exc)) from None

    @router.get("/consultations", summary="会商列表")
    def list_consultations(
        user: Viewer, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            rows = conn.execute(
                select(consultations)
                .where(consultations.c.region_code == site.region_code)
                .order_by(consultations.c.slot.desc())
                .limit(limit)
            ).all()
        return [_consultation(r, record=False) for r in rows]

    @router.get("/consultations/{consultation_id}", summary="会商详情（研判结论和数据）")
    def get_consultation(consultation_id: Id, user: Viewer) -> dict[str, Any]:
        with engine.connect() as conn:
            row = conn.execute(
                select(consultations).where(
                    consultations.c.id == consultation_id,
                    consultations.c.region_code == site.region_code,
                )
            ).first()
        if row is None:
            raise HTTPException(404, f"会商第{consultation_id}次不存在")
        return _consultation(row, record=True)

    @router.get("/lists", summary="应急减排清单版本")
    def list_revisions(user: Viewer) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return list_repo.revision_records(conn, site.region_code)

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
        try:
            with engine.connect() as conn:
                found = list_repo.find_enterprises(
                    conn,
                    site.region_code,
                    number,
                    text=q,
                    county=county,
                    industry=industry,
                    grade=grade,
                    offset=offset,
                    limit=limit,
                )
        except list_repo.RevisionNotFound as exc:
            raise HTTPException(404, str(exc)) from None
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
        try:
            with engine.connect() as conn:
                e = list_repo.enterprise(conn, site.region_code, number, uscc)
        except list_repo.RevisionNotFound as exc:
            raise HTTPException(404, str(exc)) from None
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
                        for lv in LIST_LEVELS
                    },
                }
                for ln in e.lines
            ],
        }

    @router.get("/audit", summary="操作日志")
    def get_audit(
        user: Annotated[accounts.User, user_of("audit")],
        actor: Annotated[str, Query(max_length=64)] = "",
        action: Annotated[str, Query(max_length=24)] = "",
        alert_id: Annotated[int | None, Query(ge=1, le=2_000_000_000)] = None,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        rows, total = audit.entries(
            engine, actor=actor, action=action, alert_id=alert_id, offset=offset, limit=limit
        )
        return {
            "total": total,
            "entries": [
                {
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "action": r.action,
                    "label": r.label,
                    "alert_id": r.alert_id,
                    "reason": r.reason,
                }
                for r in rows
            ],
        }

    return router


_ACTION_SUMMARY = {
    "submit": "提交审批",
    "withdraw": "撤回",
    "approve": "批准（须与起草人不同，且具备该等级所需的审批角色）",
    "reject": "退回（须填写reason）",
    "issue": "发布（生成通知和应急响应指令）",
    "upgrade": "起草升级并提交审批（level、reason）",
    "downgrade": "起草降级并提交审批（level、reason）",
    "extend": "起草延长并提交审批（end、reason）",
    "lift": "起草解除并提交审批（reason）",
}


def _consultation(row: Any, *, record: bool) -> dict[str, Any]:
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
