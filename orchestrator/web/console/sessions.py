"""Signing in and out, the same on a city's console and on the province's pages: the sign-in
form with its own double-submit token, the session cookie, the sign-out."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.model import AccountError, Permission
from orchestrator.web.console.base import HEADERS, LOGIN_COOKIE, SESSION_COOKIE, Pages, safe_next


def session_routes(router: APIRouter, c: Pages) -> None:
    frame, clock = c.frame, c.clock
    policy = frame.console.policy
    login_path = c.url("/login")

    def login_page(next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = c.page(
            "console/login.html",
            status,
            csrf=token,
            next=safe_next(next_path, frame.root),
            error=error,
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            max_age=1800,
            httponly=True,
            samesite="strict",
            secure=frame.console.secure_cookies,
            path=login_path,
        )
        return response

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "") -> Response:
        if c.signed_in(request) is not None:
            return RedirectResponse(safe_next(next, frame.root), status_code=303, headers=HEADERS)
        return login_page(next)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        next_path = form.get("next", "")
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie or not hmac.compare_digest(form.get("csrf", ""), cookie):
            return login_page(next_path, "登录页面已过期，请重新输入。", 403)
        try:
            _, token = await run_in_threadpool(  # Argon2 takes a tenth of a second: not on the loop
                frame.accounts.sign_in,
                form.get("username", ""),
                form.get("password", ""),
                now=clock.now(),
            )
        except AccountError as exc:
            return login_page(next_path, str(exc), 401)
        response = RedirectResponse(
            safe_next(next_path, frame.root), status_code=303, headers=HEADERS
        )
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(policy.session_hours * 3600),
            httponly=True,
            samesite="strict",
            secure=frame.console.secure_cookies,
            path="/",
        )
        response.delete_cookie(LOGIN_COOKIE, path=login_path)
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        posted = await c.form(request, Permission.VIEW)
        if isinstance(posted, Response):
            return posted
        frame.accounts.sign_out(
            request.cookies.get(SESSION_COOKIE, ""), user=posted[0].user, now=clock.now()
        )
        response = RedirectResponse(login_path, status_code=303, headers=HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
