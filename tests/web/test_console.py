"""The console over real HTTP (uvicorn on loopback): no page without sign-in, sign-in with its
own CSRF token and lockout, session cookies (HttpOnly, SameSite), CSRF on every form, security
headers, safe redirects, and the dashboard showing the alert in force with its receipts and the
newest consultation with its chart."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from tests.support.app import ISSUED_AT, issue_sample
from tests.support.consultation import config, consultant
from tests.support.delivery import Clock
from tests.support.web import PASSWORD, Browser, Served, add_users, web_app


@pytest.fixture
def console(engine, tmp_path) -> Iterator[tuple[Served, Clock]]:
    issue_sample(engine)  # an orange alert with 300 orders, issued 4 Jan 21:00
    now = ISSUED_AT + dt.timedelta(hours=3)
    consultant(engine, config(), tmp_path).consult(slot=now, now=now)
    add_users(
        engine,
        ("zhang", "张值班", "duty_officer"),
        ("wang", "王副市长", "vice_mayor"),
        ("guest", "访客", "viewer"),
        now=now,
    )
    clock = Clock(now)
    with Served(web_app(engine, clock)) as served:
        yield served, clock


def test_no_page_without_signing_in(console):
    served, _ = console
    b = Browser(served.url)
    r = b.get("/")
    assert r.status_code == 303
    assert r.headers["Location"] == "/login?next=/"
    assert b.post("/logout", {"csrf": "x"}).status_code == 303  # to the sign-in page
    assert b.get("/login").status_code == 200


def test_signing_in_opens_the_dashboard_with_a_strict_session_cookie(console):
    served, clock = console
    b = Browser(served.url)
    r = b.sign_in("zhang")
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "orc_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    page = b.get("/")
    assert page.status_code == 200
    for header, value in (
        ("Cache-Control", "no-store"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
    ):
        assert page.headers[header] == value
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    html = page.text
    assert "张值班（值班人员）" in html
    assert "橙色预警" in html
    assert "示重污应急〔2026〕1号" in html
    assert "将于2026年1月6日0时启动，距启动1天" in html
    assert "应发</th><td>300份" in html
    assert "<svg" in html  # the consultation's chart
    assert "最新会商" in html
    assert "建议将橙色预警延长至该时" in html
    assert "有待处理的调整或解除" in html  # the consultation's extension draft
    clock.advance(days=2, hours=12)  # 7 Jan 12:00: the shift's session has ended
    assert b.get("/").status_code == 303
    b.sign_in("zhang")
    html = b.get("/").text
    assert "自2026年1月6日0时起执行，至2026年1月9日0时，剩余1天12小时" in html


def test_sign_in_needs_its_own_form_token(console):
    served, _ = console
    b = Browser(served.url)
    b.get("/login")
    r = b.post("/login", {"csrf": "forged", "username": "zhang", "password": PASSWORD})
    assert r.status_code == 403
    assert "登录页面已过期" in r.text
    assert "orc_session" not in b.http.cookies
    other = Browser(served.url)  # a token from another browser does not do either
    form = other.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    r = b.post("/login", {"csrf": token, "username": "zhang", "password": PASSWORD})
    assert r.status_code == 403


def test_repeated_wrong_passwords_lock_the_account(console):
    served, clock = console
    b = Browser(served.url)
    for _ in range(2):
        r = b.sign_in("zhang", "wrong-pass-1")
        assert r.status_code == 401
        assert "用户名或密码不正确" in r.text
    r = b.sign_in("zhang", "wrong-pass-1")
    assert "账户已锁定15分钟" in r.text
    r = b.sign_in("zhang")
    assert r.status_code == 401
    assert "账户已锁定" in r.text
    clock.advance(minutes=16)
    assert b.sign_in("zhang").status_code == 303


def test_every_form_needs_the_sessions_csrf_token(console):
    served, _ = console
    b = Browser(served.url)
    b.sign_in("zhang")
    r = b.post("/logout", {"csrf": "forged"})
    assert r.status_code == 403
    assert "CSRF校验失败" in r.text
    assert b.get("/").status_code == 200  # still signed in
    r = b.post("/logout", {"csrf": b.csrf()})
    assert r.status_code == 303
    assert b.get("/").status_code == 303  # signed out, and the session is gone on the server


def test_the_session_ends_after_its_hours(console):
    served, clock = console
    b = Browser(served.url)
    b.sign_in("guest")
    assert b.get("/").status_code == 200
    clock.advance(hours=12)
    assert b.get("/").status_code == 303


def test_after_sign_in_only_paths_on_this_site(console):
    served, _ = console
    b = Browser(served.url)
    r = b.sign_in("zhang", next_path="//evil.example/x")
    assert r.headers["Location"] == "/"
    b2 = Browser(served.url)
    assert b2.sign_in("zhang", next_path="/?tab=1").headers["Location"] == "/?tab=1"
