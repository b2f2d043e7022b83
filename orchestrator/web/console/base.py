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
from collections.abc import Callable
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import Path as PathParam
from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.config import ConsoleConfig
from orchestrator.accounts.model import Permission, Scope, Session, allowed, holders
from orchestrator.accounts.service import Accounts
from orchestrator.clock import Clock
from orchestrator.errors import OrchestratorError
from orchestrator.response.model import Role
from orchestrator.web.errors import status_of
from orchestrator.web.guard import SECURITY
from orchestrator.web.site import Site

#: A database id or number in a path: a 32-bit integer from 1 (larger ones are a 422, not a 500).
Id = Annotated[int, PathParam(ge=1, le=2_147_483_647)]
#: A page number of a paged list.
Page = Annotated[int, Query(ge=1, le=1_000_000)]

SESSION_COOKIE = "orc_session"
LOGIN_COOKIE = "orc_login"

#: The console's pages link to each other: the referrer stays on this site, never leaves it.
HEADERS = {**SECURITY, "Referrer-Policy": "same-origin"}


def safe_next(target: str, root: str = "") -> str:
    """Where to go after sign-in: a path on this site only (never another host); else the
    site's home."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return root + "/"
    return target


class Framed(Protocol):
    """What every page of a site is framed with: a city's console (:class:`Site`) or the
    province's pages."""

    @property
    def env(self) -> Environment: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def accounts(self) -> Accounts: ...
    @property
    def console(self) -> ConsoleConfig: ...
    @property
    def root(self) -> str: ...
    @property
    def scope(self) -> Scope: ...
    @property
    def issuer(self) -> str: ...


class Pages:
    """What every route of a site uses: pages, the session, the role and region check, the CSRF
    check, and the one way an action's refusal is shown."""

    def __init__(self, frame: Framed) -> None:
        self.frame, self.env, self.clock = frame, frame.env, frame.clock

    def url(self, path: str) -> str:
        """``path`` of this site as the browser reaches it (a city of a provincial installation
        is served under ``/c/<code>``)."""
        return self.frame.root + path

    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("session", None)
        session = values["session"]
        if session is not None:
            values.setdefault("can", _can(session))
        html = self.env.get_template(template).render(
            office=self.frame.issuer,
            roles={r.value: r.label for r in Role},
            root=self.frame.root,
            **values,
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def message(
        self, session: Session | None, title: str, message: str, status: int
    ) -> HTMLResponse:
        return self.page(
            "console/message.html", status, session=session, title=title, message=message
        )

    def refused(self, session: Session | None, title: str, exc: OrchestratorError) -> HTMLResponse:
        """A page or an action refused: its message, under the status its kind maps to."""
        return self.message(session, title, str(exc), status_of(exc))

    def signed_in(self, request: Request) -> Session | None:
        return self.frame.accounts.session_of(
            request.cookies.get(SESSION_COOKIE, ""), now=self.clock.now()
        )

    def require(
        self, request: Request, permission: Permission = Permission.VIEW
    ) -> Session | Response:
        """The session, if signed in with a role allowed ``permission`` and an account that
        reaches this site's region (to see; to act, unless only :attr:`Permission.VIEW` is
        asked); else the sign-in page (303) or a refusal (403)."""
        return self.check(request, self.signed_in(request), permission)

    def check(
        self, request: Request, session: Session | None, permission: Permission = Permission.VIEW
    ) -> Session | Response:
        """:meth:`require` of a session already looked up."""
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                self.url(f"/login?next={quote(target)}"), status_code=303, headers=HEADERS
            )
        refusal = self.frame.scope.refusal(session.user, permission)
        if refusal is not None:
            return self.message(session, "无权访问", refusal, 403)
        if not allowed(session.user.role, permission):
            return self.message(
                session,
                "无权操作",
                f"您的角色（{session.user.role_label}）无权进行此操作，仅限：{holders(permission)}。",
                403,
            )
        return session

    async def form(
        self, request: Request, permission: Permission
    ) -> tuple[Session, dict[str, str]] | Response:
        """A posted form: the session (allowed ``permission``) and the fields, if the form
        carries the session's CSRF token."""
        session = await run_in_threadpool(self.require, request, permission)
        if isinstance(session, Response):
            return session
        form: dict[str, str] = {}
        for k, v in (await request.form()).multi_items():  # a repeated field: one per line
            if isinstance(v, str):
                form[k] = f"{form[k]}\n{v}" if k in form else v
        if not hmac.compare_digest(form.get("csrf", ""), session.csrf):
            return self.message(
                session,
                "请求无效",
                "表单已过期或来源不明（CSRF校验失败），请返回重新操作。",
                403,
            )
        return session, form


class Console(Pages):
    """A city's console: :class:`Pages` over the city's use cases."""

    def __init__(self, site: Site) -> None:
        super().__init__(site)
        self.site = site


def _can(session: Session) -> Callable[[str], bool]:
    role = session.user.role
    return lambda permission: allowed(role, Permission(permission))
