"""The duty officers' console: sign-in, sessions, CSRF and roles, and its pages (server-rendered
Jinja2, little JavaScript, all in Chinese).

Security, for every console route:
- no page without a session: a browser is sent to the sign-in page, an API client gets 401;
- the session cookie is HttpOnly, SameSite=Strict (Secure behind HTTPS), and holds only a random
  token (the database keeps its SHA-256);
- every form carries the session's CSRF token and every POST checks it (the sign-in form a
  double-submit token of its own); a POST without it is refused with 403;
- each action names the roles allowed to take it, checked on the server;
- responses are never cached, may not be framed, and a strict Content-Security-Policy applies.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from orchestrator import audit
from orchestrator.assessment.service import Assessor
from orchestrator.clock import Clock
from orchestrator.config_files import Approvals
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.emissions.measures import MeasureBook
from orchestrator.emissions.model import CityProfile
from orchestrator.links import LinkSigner
from orchestrator.web import accounts
from orchestrator.web.dashboard import Recent, dashboard

#: A database id or number in a path: a 32-bit integer from 1 (larger ones are a 422, not a 500).
Id = Annotated[int, PathParam(ge=1, le=2_147_483_647)]
#: A page number of a paged list.
Page = Annotated[int, Query(ge=1, le=1_000_000)]

SESSION_COOKIE = "orc_session"
AUDIT_PAGE = 100
LOGIN_COOKIE = "orc_login"

#: Who may do what. Reading is open to every signed-in role.
ACTIONS: dict[str, frozenset[str]] = {
    "view": frozenset(accounts.ROLES),
    "draft": frozenset({"duty_officer", "director"}),
    "approve": frozenset({"director", "vice_mayor", "mayor"}),
    "issue": frozenset({"duty_officer", "director"}),
    "resend": frozenset({"duty_officer", "director"}),
    "list_upload": frozenset({"admin", "director"}),
    "users": frozenset({"admin"}),
    "audit": frozenset(accounts.ROLES) - {"viewer"},
}

HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass(frozen=True, slots=True)
class AlertDesk:
    """What the alert pages act with: the approval rules, the city, and what issuing needs to
    render the notices (templates, the link signer)."""

    approvals: Approvals
    city: CityProfile
    links: LinkSigner
    delivery: DeliveryConfig  # resending routes again over the channels
    assessor: Assessor | None = None  # the effect assessment (None: not offered)


@dataclass(frozen=True, slots=True)
class ListDesk:
    """What the emission-list pages need to validate an upload: the city (its counties and
    citywide emissions), the measure tables, and where uploads wait for confirmation."""

    city: CityProfile
    measures: MeasureBook
    uploads: Path


@dataclass(frozen=True, slots=True)
class ConsoleSite:
    """What the console pages need besides the database."""

    region_code: str
    office: str
    zone: ZoneInfo
    receipt_hours: float
    config: accounts.ConsoleConfig
    desk: AlertDesk | None = None
    lists: ListDesk | None = None
    # the dashboard's receipt counts, shared by the pages and the API of one process
    recent: Recent = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "recent", Recent(self.config.receipts_seconds))


def safe_next(target: str) -> str:
    """Where to go after sign-in: a path on this site only (never another host)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class Console:
    """What every console route uses: pages, the session, the role check, the CSRF check."""

    def __init__(self, engine: Engine, *, env: Environment, clock: Clock, site: ConsoleSite):
        self.engine, self.env, self.clock, self.site = engine, env, clock, site

    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("session", None)
        session = values["session"]
        if session is not None:
            values.setdefault("can", _can(session))
        html = self.env.get_template(template).render(
            office=self.site.office, roles=accounts.ROLES, **values
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def message(
        self, session: accounts.Session | None, title: str, message: str, status: int
    ) -> HTMLResponse:
        return self.page(
            "console/message.html", status, session=session, title=title, message=message
        )

    def signed_in(self, request: Request) -> accounts.Session | None:
        return accounts.session_of(
            self.engine, request.cookies.get(SESSION_COOKIE, ""), now=self.clock.now()
        )

    def require(self, request: Request, action: str = "view") -> accounts.Session | Response:
        """The session, if signed in with a role allowed ``action``; else the sign-in page
        (303) or a refusal (403)."""
        session = self.signed_in(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"/login?next={quote(target)}", status_code=303, headers=HEADERS
            )
        if session.user.role not in ACTIONS[action]:
            allowed = "、".join(accounts.ROLES[r] for r in sorted(ACTIONS[action]))
            return self.message(
                session,
                "无权操作",
                f"您的角色（{session.user.role_label}）无权进行此操作，仅限：{allowed}。",
                403,
            )
        return session

    async def form(
        self, request: Request, action: str
    ) -> tuple[accounts.Session, dict[str, str]] | Response:
        """A posted form: the session (allowed ``action``) and the fields, if the form carries
        the session's CSRF token."""
        session = await run_in_threadpool(self.require, request, action)
        if isinstance(session, Response):
            return session
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not hmac.compare_digest(form.get("csrf", ""), session.csrf):
            return self.message(
                session,
                "请求无效",
                "表单已过期或来源不明（CSRF校验失败），请返回重新操作。",
                403,
            )
        return session, form


def console_router(
    engine: Engine, *, env: Environment, clock: Clock, site: ConsoleSite
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    policy = site.config.policy
    c = Console(engine, env=env, clock=clock, site=site)

    def login_page(next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = c.page(
            "console/login.html", status, csrf=token, next=safe_next(next_path), error=error
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            max_age=1800,
            httponly=True,
            samesite="strict",
            secure=site.config.secure_cookies,
            path="/login",
        )
        return response

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        if c.signed_in(request) is not None:
            return RedirectResponse(safe_next(next), status_code=303, headers=HEADERS)
        return login_page(next)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        next_path = form.get("next", "/")
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie or not hmac.compare_digest(form.get("csrf", ""), cookie):
            return login_page(next_path, "登录页面已过期，请重新输入。", 403)
        try:
            user = await run_in_threadpool(  # Argon2 takes a tenth of a second: not on the loop
                accounts.authenticate,
                engine,
                form.get("username", ""),
                form.get("password", ""),
                now=clock.now(),
                policy=policy,
            )
        except accounts.AccountError as exc:
            with engine.begin() as conn:
                audit.record(
                    conn,
                    at=clock.now(),
                    actor=form.get("username", "").strip()[:64] or "（未填用户名）",
                    action="sign_in_failed",
                    reason=str(exc),
                )
            return login_page(next_path, str(exc), 401)
        token = accounts.open_session(engine, user, now=clock.now(), policy=policy)
        with engine.begin() as conn:
            audit.record(conn, at=clock.now(), actor=user.display_name, action="sign_in")
        response = RedirectResponse(safe_next(next_path), status_code=303, headers=HEADERS)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(policy.session_hours * 3600),
            httponly=True,
            samesite="strict",
            secure=site.config.secure_cookies,
            path="/",
        )
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        posted = await c.form(request, "view")
        if isinstance(posted, Response):
            return posted
        accounts.close_session(engine, request.cookies.get(SESSION_COOKIE, ""))
        with engine.begin() as conn:
            audit.record(conn, at=clock.now(), actor=posted[0].user.display_name, action="sign_out")
        response = RedirectResponse("/login", status_code=303, headers=HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        data = dashboard(
            engine,
            region_code=site.region_code,
            now=clock.now(),
            zone=site.zone,
            receipt_hours=site.receipt_hours,
            recent=site.recent,
        )
        return c.page("console/dashboard.html", session=session, d=data)

    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(
        request: Request, actor: str = "", action: str = "", alert: str = "", page: Page = 1
    ) -> Response:
        session = c.require(request, "audit")
        if isinstance(session, Response):
            return session
        alert_id = int(alert) if alert.strip().isdigit() and len(alert.strip()) <= 9 else None
        page = max(page, 1)
        rows, total = audit.entries(
            engine,
            actor=actor,
            action=action,
            alert_id=alert_id,
            offset=(page - 1) * AUDIT_PAGE,
            limit=AUDIT_PAGE,
        )
        pages = max(1, -(-total // AUDIT_PAGE))
        return c.page(
            "console/audit.html",
            session=session,
            rows=[
                {
                    "at": r.at.astimezone(site.zone).strftime("%Y-%m-%d %H:%M:%S"),
                    "actor": r.actor,
                    "action": r.label,
                    "alert_id": r.alert_id,
                    "reason": r.reason,
                }
                for r in rows
            ],
            total=total,
            actors=audit.actors(engine),
            actions=audit.LABELS,
            filters={"actor": actor, "action": action, "alert": alert},
            page=min(page, pages),
            pages=pages,
        )

    from orchestrator.web.console_consultations import consultation_routes

    consultation_routes(router, c)
    if site.desk is not None:
        from orchestrator.web.console_alerts import alert_routes

        alert_routes(router, c, site.desk)
    if site.lists is not None:
        from orchestrator.web.console_lists import list_routes

        list_routes(router, c, site.lists)
    return router


def _can(session: accounts.Session) -> Callable[[str], bool]:
    role = session.user.role
    return lambda action: role in ACTIONS[action]
