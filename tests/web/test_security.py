"""Every console action, found from the application's own routes (so a new one cannot be
forgotten): without a session it does nothing and sends to sign-in; with a role not allowed it
is refused with 403; with a forged CSRF token it is refused with 403. Every API action refuses a
token without the role. One enterprise's link never opens another's order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests
from fastapi.routing import APIRoute
from sqlalchemy import func, select, update

from orchestrator.accounts.model import PERMITS, Permission
from orchestrator.db.tables import alert_revisions, audit_log, deliveries, list_enterprises
from orchestrator.response.model import Action, Role
from tests.support.app import ISSUED_AT, SAMPLE, accounts, do_import, issue_sample
from tests.support.base import LINKS, ZONE
from tests.support.delivery import Clock, delivery_config, make_worker
from tests.support.web import PASSWORD, Browser, Served, routes, web_app
from tests.support.workbooks import broken, col

NOW = dt.datetime(2026, 1, 4, 20, 0, tzinfo=ZONE)
PUBLIC = {"/login", "/callbacks/sms"}  # the sign-in form; the gateway's signed reports


def posts(app) -> list[str]:
    paths = [
        r.path
        for r in routes(app)
        if isinstance(r, APIRoute)
        and "POST" in r.methods
        and not r.path.startswith(("/api/", "/ack/", "/check/"))
        and r.path not in PUBLIC
    ]
    return [re.sub(r"\{\w+\}", "1", p) for p in paths]


@pytest.fixture
def app_and_site(engine, tmp_path):
    do_import(engine, SAMPLE)
    for username, role in (("guest", "viewer"), ("zhang", "duty_officer"), ("root", "admin")):
        accounts(engine).add_user(
            username=username, display_name=username, role=role, password=PASSWORD, now=NOW
        )
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}})
    app = web_app(engine, Clock(NOW), data_dir=tmp_path, delivery=config)
    with Served(app) as served:
        yield app, served


def nothing_changed(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(alert_revisions)).scalar_one(),
            conn.execute(
                select(func.count()).where(audit_log.c.action.not_in(("sign_in",)))
            ).scalar_one(),
        )


def test_every_console_action_needs_a_session_a_role_and_the_csrf_token(engine, app_and_site):
    app, served = app_and_site
    actions = posts(app)
    assert len(actions) >= 14, actions  # alerts, adjustments, resend, lists, logout
    guest, zhang = Browser(served.url), Browser(served.url)
    assert guest.sign_in("guest").status_code == 303
    assert zhang.sign_in("zhang").status_code == 303
    before = nothing_changed(engine)
    for path in actions:
        anonymous = requests.post(served.url + path, data={}, timeout=10, allow_redirects=False)
        assert anonymous.status_code == 303, path
        assert anonymous.headers["Location"].startswith("/login"), path
        if path != "/logout":  # every role may sign out
            r = guest.post(path, {"csrf": guest.csrf(), "reason": "x", "level": "red"})
            assert r.status_code == 403, path
            assert "无权操作" in r.text, path
        r = zhang.post(path, {"csrf": "forged", "reason": "x", "level": "red"})
        assert r.status_code == 403, path
    assert nothing_changed(engine) == before


def test_every_api_action_checks_the_tokens_role(engine, app_and_site):
    app, served = app_and_site
    token = accounts(engine).issue_token("guest", "test", now=NOW)
    api = [
        (method, r)
        for r in routes(app)
        if r.path.startswith("/api/v1")
        for method in ("POST", "DELETE")
        if method in r.methods
    ]
    # every action, the draft, the resend, recording and removing a negotiated reduction, and
    # a daily report
    assert len(api) == len(Action) + 5
    for method, r in api:
        path = re.sub(r"\{\w+\}", "1", r.path)
        resp = requests.request(
            method,
            served.url + path,
            json={"level": "red", "start": "2026-01-06T00:00", "reason": "x"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert resp.status_code == 403, path
        assert "无权进行此操作" in resp.json()["detail"], path
        assert (
            requests.request(method, served.url + path, json={}, timeout=10).status_code == 401
        ), path
    assert Role.VIEWER not in PERMITS[Permission.DRAFT]


def test_every_api_read_needs_a_token(app_and_site):
    app, served = app_and_site
    reads = [r for r in routes(app) if r.path.startswith("/api/v1") and "GET" in r.methods]
    assert len(reads) >= 10, [r.path for r in reads]
    for r in reads:
        path = re.sub(r"\{\w+\}", "1", r.path)
        resp = requests.get(served.url + path, params={"level": "orange"}, timeout=10)
        assert resp.status_code == 401, path
        resp = requests.get(
            served.url + path, headers={"Authorization": "Bearer forged"}, timeout=10
        )
        assert resp.status_code == 401, path


EVIL = '<script>alert("x")</script>钢铁有限公司'


def _evil_name(wb) -> None:
    ws = wb["工业源"]
    ws.cell(2, col(ws, "企业名称")).value = EVIL


def test_html_in_an_enterprise_name_is_escaped_on_every_page(engine, tmp_path):
    alert_id, _ = issue_sample(engine, broken(tmp_path, _evil_name))
    with engine.connect() as conn:
        uscc = conn.execute(
            select(list_enterprises.c.uscc).where(list_enterprises.c.name == EVIL)
        ).scalar_one()
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=5))
    make_worker(engine, config, clock, tmp_path).housekeeping()
    with engine.begin() as conn:  # its every channel failed: the dashboard names it
        conn.execute(update(deliveries).where(deliveries.c.recipient == uscc).values(status="dead"))
    accounts(engine).add_user(
        username="zhang",
        display_name="张值班",
        role="duty_officer",
        password=PASSWORD,
        now=clock.now(),
    )
    with Served(web_app(engine, clock, data_dir=tmp_path, delivery=config)) as served:
        zhang = Browser(served.url)
        assert zhang.sign_in("zhang").status_code == 303
        link = f"/ack/{LINKS.token(alert_id, uscc, LINKS.expiry(ISSUED_AT))}"
        pages = {
            "dashboard": zhang.get("/").text,
            "notices": zhang.get(f"/alerts/{alert_id}/notices?state=failed").text,
            "list": zhang.get("/lists/1?q=script").text,
            "enterprise": zhang.get(f"/lists/1/enterprises/{uscc}").text,
            "order page": requests.get(served.url + link, timeout=10).text,
            "notices searched": zhang.get(f"/alerts/{alert_id}/notices?q=script").text,
            "its order in the console": zhang.get(
                f"/alerts/{alert_id}/revisions/1/orders/{uscc}"
            ).text,
        }
        export = zhang.get(f"/alerts/{alert_id}/notices.xlsx?q=script")
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "&lt;script&gt;alert(" in html, name
    # the export holds the name as text (a cell starting with = + - @ would be a formula)
    import io

    import openpyxl

    rows = list(
        openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
    )
    assert rows[2][1] == EVIL


def test_every_console_page_needs_a_session(app_and_site):
    """Every page of the console, found from the routes: without a session, the sign-in page."""
    app, served = app_and_site
    pages = [
        re.sub(r"\{\w+\}", "1", r.path)
        for r in routes(app)
        if "GET" in r.methods
        and not r.path.startswith(("/api/", "/ack/", "/check/"))
        and r.path not in PUBLIC | {"/healthz", "/static/{name:path}"}
    ]
    assert len(pages) >= 20, pages
    for path in pages:
        r = requests.get(served.url + path, timeout=10, allow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["Location"].startswith("/login?next="), path


def test_every_signed_link_route_refuses_a_forged_or_foreign_token(engine, app_and_site):
    """The units' check-task pages (/check/…) open only with a check token: a forged one, an
    enterprise's alert token or none at all is refused, and nothing is written."""
    app, served = app_and_site
    signed = [r for r in routes(app) if r.path.startswith("/check/")]
    assert {m for r in signed for m in r.methods} >= {"GET", "POST"}
    code = "11999900100770117B"
    tokens = [
        "v1." + code + ".9999999999.AAAAAAAAAAAAAAAAAAAAAA",  # forged signature
        LINKS.token(1, code, LINKS.expiry(NOW)),  # an alert's token
        LINKS.round_token(1, code, LINKS.expiry(NOW)),  # a control round's token
        "x",
    ]
    before = nothing_changed(engine)
    for r in signed:
        for token in tokens:
            path = r.path.replace("{token}", token)
            for method in r.methods & {"GET", "POST"}:
                resp = requests.request(
                    method, served.url + path, data={"outcome_0": "added", "signer": "x"},
                    timeout=10, allow_redirects=False,
                )  # fmt: skip
                assert resp.status_code == 404, (method, path)
                assert "链接" in resp.text, (method, path)
    assert nothing_changed(engine) == before
