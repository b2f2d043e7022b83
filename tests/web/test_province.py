"""A provincial installation's web service over real HTTP, on SQLite and PostgreSQL: each city's
console, API and pages under ``/c/<code>``, the province's pages at the root, one sign-in.

Scoping, found from the application's own routes (so a new route cannot be forgotten): a city's
account sees and acts on its own city only; a provincial account sees every city and acts on
none of them; an account without a region reaches nothing. The province's pages take the
province's own accounts, acting as the province's people (config/province.toml) with four eyes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine, func, select
from starlette.routing import Mount

from orchestrator.bootstrap import Context
from orchestrator.db.tables import alert_revisions, audit_log
from orchestrator.web.guard import MAX_BODY, MAX_UPLOAD, limit_of
from orchestrator.web.service import web_service
from tests.support.base import at
from tests.support.province import PROVINCE, provincial
from tests.support.web import PASSWORD, Browser, Served, routes

EAST, WEST = "990100", "990200"  # 东川市, 西岭市
#: (username, name, console role, region)
PEOPLE = (
    ("sun", "孙值班", "duty_officer", EAST),
    ("wu", "吴主任", "director", EAST),
    ("chen", "陈值班", "duty_officer", WEST),
    ("gao", "高省值班", "duty_officer", PROVINCE),
    ("han", "韩省主任", "director", PROVINCE),
    ("stranger", "某省干部", "duty_officer", PROVINCE),  # not one of the province's people
    ("nobody", "无地区", "duty_officer", None),
)
SIGNED = ("/ack/", "/check/", "/api/", "/callbacks/")
OPEN = {"/login", "/healthz", "/static/{name:path}"}


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[tuple[Context, FastAPI, Served]]:
    with provincial(engine, tmp_path) as context:
        accounts = context.accounts()
        for username, name, role, region in PEOPLE:
            accounts.add_user(
                username=username,
                display_name=name,
                role=role,
                password=PASSWORD,
                now=at(4, 8),
                region=region,
            )
        app = web_service(context)
        with Served(app) as server:
            yield context, app, server


def city_app(app: FastAPI, code: str) -> FastAPI:
    [mount] = [r for r in app.routes if isinstance(r, Mount) and r.path == f"/c/{code}"]
    assert isinstance(mount.app, FastAPI)
    return mount.app


def paths(app: FastAPI, method: str, *, api: bool = False) -> list[str]:
    found = [
        r.path
        for r in routes(app)
        if isinstance(r, APIRoute)
        and method in r.methods
        and r.path not in OPEN
        and (r.path.startswith("/api/") if api else not r.path.startswith(SIGNED))
    ]
    return [re.sub(r"\{\w+\}", "1", p) for p in found]


def signed_in(server: Served, username: str) -> Browser:
    b = Browser(server.url)
    r = b.sign_in(username)
    assert r.status_code == 303, r.text
    return b


def csrf_of(b: Browser, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', b.get(page).text)
    assert found is not None, page
    return found.group(1)


def changes(context: Context, code: str) -> tuple[int, int]:
    with context.city_context(code).database().engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(alert_revisions)).scalar_one(),
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
        )


def test_every_city_page_opens_to_its_own_city_and_the_province_only(served) -> None:
    _, app, server = served
    pages = paths(city_app(app, WEST), "GET")
    assert len(pages) >= 20, pages
    chen, sun, gao, nobody = (signed_in(server, u) for u in ("chen", "sun", "gao", "nobody"))
    seen = 0
    for path in pages:
        url = f"/c/{WEST}{path}"
        r = chen.get(url)  # the city's own officer
        assert r.status_code != 403, (url, r.text[:300])
        assert r.status_code < 500, url
        r = gao.get(url)  # the province's: to see, not the forms that act
        assert r.status_code < 500, url
        if r.status_code == 403:
            assert "省级账号可查看西岭市的事项，但不能代其办理" in r.text, url
        else:
            seen += 1
        r = sun.get(url)
        assert r.status_code == 403, url
        assert "您的账号属于东川市，无权查看或办理西岭市的事项" in r.text, url
        r = nobody.get(url)
        assert r.status_code == 403, url
        assert "未指定所属地区" in r.text, url
    assert seen >= len(pages) - 4, seen  # the drafting forms alone are closed to the province


def test_no_city_action_is_taken_by_another_city_or_the_province(served) -> None:
    context, app, server = served
    actions = paths(city_app(app, WEST), "POST")
    assert len(actions) >= 14, actions
    sun, gao = signed_in(server, "sun"), signed_in(server, "gao")
    tokens = {b: csrf_of(b, "/c/990100/" if b is sun else "/") for b in (sun, gao)}
    before = changes(context, WEST)
    for path in actions:
        url = f"/c/{WEST}{path}"
        form = {"csrf": tokens[sun], "reason": "x", "level": "red", "start": "2026-01-06T00:00"}
        r = sun.post(url, form)
        assert r.status_code == 403, url
        assert "无权查看或办理西岭市" in r.text, url
        if path == "/logout":
            continue
        r = gao.post(url, {**form, "csrf": tokens[gao]})
        assert r.status_code == 403, url
        assert "省级账号可查看西岭市的事项，但不能代其办理" in r.text, url
    assert changes(context, WEST) == before
    # the city's own officer is let through (the CSRF check, not the region, stops a forgery)
    chen = signed_in(server, "chen")
    r = chen.post(f"/c/{WEST}/alerts/1/submit", {"csrf": "forged"})
    assert r.status_code == 403
    assert "CSRF" in r.text


def test_every_city_api_route_takes_the_citys_tokens_and_lets_the_province_read(served) -> None:
    context, app, server = served
    city = city_app(app, WEST)
    accounts = context.accounts()
    token = {
        u: accounts.issue_token(u, "测试", now=at(4, 8)) for u in ("sun", "gao", "chen", "nobody")
    }
    reads = paths(city, "GET", api=True)
    writes = [(m, p) for m in ("POST", "DELETE") for p in paths(city, m, api=True)]
    assert len(reads) >= 10
    assert len(writes) >= 10
    before = changes(context, WEST)

    def call(method: str, path: str, who: str) -> requests.Response:
        return requests.request(
            method,
            f"{server.url}/c/{WEST}{path}",
            params={"level": "orange"},
            json={"level": "red", "start": "2026-01-06T00:00", "reason": "x"},
            headers={"Authorization": f"Bearer {token[who]}"},
            timeout=10,
        )

    for path in reads:
        r = call("GET", path, "sun")
        assert r.status_code == 403, path
        assert "无权查看或办理西岭市" in r.json()["detail"], path
        assert call("GET", path, "nobody").status_code == 403, path
        for reader in ("gao", "chen"):
            assert call("GET", path, reader).status_code not in (401, 403), (path, reader)
    for method, path in writes:
        for who in ("sun", "gao", "nobody"):
            r = call(method, path, who)
            assert r.status_code == 403, (method, path, who)
    assert changes(context, WEST) == before


def test_the_provinces_pages_are_the_provinces_own(served) -> None:
    context, app, server = served
    mine = routes(app)  # the mounted cities' apps are not among them
    gets = [re.sub(r"\{\w+\}", "1", r.path) for r in mine if "GET" in r.methods]
    # (the sample city of config/ keeps its signed links at /ack and /check: they are here too)
    gets = [p for p in gets if p not in OPEN and p != "/" and not p.startswith(SIGNED)]
    posts = [re.sub(r"\{\w+\}", "1", r.path) for r in mine if "POST" in r.methods]
    posts = [p for p in posts if p not in {"/login", "/logout"} and not p.startswith(SIGNED)]
    assert {"/directives/new", "/directives/1"} <= set(gets)
    assert len(posts) >= 8, posts  # draft, six actions, forward, chase
    sun, nobody = signed_in(server, "sun"), signed_in(server, "nobody")
    # a city's officer is taken to the city's console
    r = sun.get("/")
    assert (r.status_code, r.headers["Location"]) == (303, f"/c/{EAST}/")
    assert nobody.get("/").status_code == 403
    csrf = csrf_of(sun, f"/c/{EAST}/")
    with context.database().engine.connect() as conn:
        audit_before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    for path in gets:
        r = sun.get(path)
        assert r.status_code == 403, path
        assert "无权查看或办理示例省" in r.text, path
        assert requests.get(server.url + path, timeout=10, allow_redirects=False).status_code == 303
    for path in posts:
        r = sun.post(path, {"csrf": csrf, "title": "x", "cities": EAST})
        assert r.status_code == 403, path
    assert context.province_office().directives() == []
    with context.database().engine.connect() as conn:
        audit_after = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    assert audit_after == audit_before


def _draft(b: Browser) -> requests.Response:
    return b.post(
        "/directives",
        {
            "csrf": csrf_of(b, "/"),
            "title": "关于启动重污染天气橙色预警的调度令",
            "cities": [EAST, WEST],
            "level": "orange",
            "start": "2026-01-06T00:00",
            "end": "2026-01-09T00:00",
            "measures": "重点企业驻厂监管\n加大排放大户协商减排力度",
            "reason": "省级会商研判",
        },
    )


def test_the_province_drafts_approves_and_issues_an_order_from_its_pages(served) -> None:
    context, _, server = served
    gao, han, stranger = (signed_in(server, u) for u in ("gao", "han", "stranger"))
    r = _draft(stranger)
    assert r.status_code == 400
    assert "“某省干部”不是省级办公室人员" in r.text
    r = _draft(gao)
    assert (r.status_code, r.headers["Location"]) == (303, "/directives/1?done=draft")
    page = gao.get("/directives/1").text
    assert "重点企业驻厂监管" in page
    assert "提交审批" in page
    assert gao.post("/directives/1/submit", {"csrf": csrf_of(gao, "/")}).status_code == 303
    # the duty officer may not approve (the console role), the director may
    r = gao.post("/directives/1/approve", {"csrf": csrf_of(gao, "/")})
    assert r.status_code == 403
    assert 'action="/directives/1/approve"' not in gao.get("/directives/1").text
    assert 'action="/directives/1/approve"' in han.get("/directives/1").text
    assert han.post("/directives/1/approve", {"csrf": csrf_of(han, "/")}).status_code == 303
    assert gao.post("/directives/1/issue", {"csrf": csrf_of(gao, "/")}).status_code == 303
    d = context.province_office().directive(1)
    assert d.number == "示省重污调〔2026〕1号"
    assert (d.drafted_by, d.approved_by) == ("高省值班", "韩省主任")
    for code in (EAST, WEST):
        [got] = context.city_context(code).directive_desk().received()
        assert got.order.measures == ("重点企业驻厂监管", "加大排放大户协商减排力度")
    # their duty officers are told once the page has answered (a background task)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        context.city_context(code).directive_desk().received()[0].told_at is None
        for code in (EAST, WEST)
    ):
        time.sleep(0.1)
    for code in (EAST, WEST):
        assert context.city_context(code).directive_desk().received()[0].told_at is not None
    document = gao.get("/directives/1/document")
    assert document.status_code == 200
    assert "示省重污调〔2026〕1号" in document.text
    printed = gao.get("/directives/1/document.pdf")
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF")
    assert gao.get("/directives/1/lift-document").status_code == 400  # not lifted
    board = gao.get("/directives/1").text
    assert "东川市" in board
    assert "西岭市" in board
    assert "<td>未送达</td>" not in board
    home = gao.get("/").text
    assert "示省重污调〔2026〕1号" in home
    # every city has it: nothing to hand over again; nobody owes a report yet (09:00, issued now)
    r = gao.post("/directives/forward", {"csrf": csrf_of(gao, "/")})
    assert r.status_code == 200
    assert "本次送达0份" in r.text
    r = gao.post("/directives/chase", {"csrf": csrf_of(gao, "/")})
    assert r.status_code == 200
    assert "已督办0个市" in r.text
    # the city's officer finds the order on the city's dashboard, and its drafted alert
    sun = signed_in(server, "sun")
    desk = re.sub(r"<[^>]+>", "", sun.get(f"/c/{EAST}/").text)
    assert "省级调度令" in desk
    assert "示例省重污染天气应急指挥部办公室示省重污调〔2026〕1号" in desk
    assert "增加措施：重点企业驻厂监管；加大排放大户协商减排力度" in desk
    assert "发布后2小时内报送启动情况" in desk
    alerts = sun.get(f"/c/{EAST}/alerts").text
    assert f'href="/c/{EAST}/alerts/1"' in alerts


def test_a_citys_pages_links_and_redirects_stay_under_its_root(served) -> None:
    _, _, server = served
    r = requests.get(f"{server.url}/c/{EAST}/alerts", timeout=10, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"] == f"/c/{EAST}/login?next=/c/{EAST}/alerts"
    b = Browser(server.url)
    r = b.sign_in("sun", next_path=f"/c/{EAST}/alerts")
    assert r.headers["Location"] == f"/c/{EAST}/alerts"
    for page in ("/", "/alerts", "/lists", "/consultations", "/alerts/new", "/audit"):
        html = b.get(f"/c/{EAST}{page}").text
        links = re.findall(r'(?:href|action|src)="(/[^"]*)"', html)
        assert links, page
        outside = [x for x in links if x != "/" and not x.startswith(f"/c/{EAST}/")]
        assert outside == [], (page, outside)
    # an action's redirect, written as the city's own path, reaches the browser under the root
    form = {
        "csrf": csrf_of(b, f"/c/{EAST}/"),
        "level": "orange",
        "start": "2026-01-06T00:00",
        "end": "2026-01-08T00:00",
        "reason": "会商研判",
    }
    r = b.post(f"/c/{EAST}/alerts", form)
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"].startswith(f"/c/{EAST}/alerts/")


def test_an_upload_under_a_citys_root_keeps_the_upload_limit() -> None:
    assert limit_of(f"/c/{EAST}/lists/upload") == MAX_UPLOAD + MAX_BODY
    assert limit_of("/lists/upload") == MAX_UPLOAD + MAX_BODY
    assert limit_of(f"/c/{EAST}/alerts") == MAX_BODY
    assert limit_of("/c/99/lists/upload") == MAX_BODY


def _ordered(gao: Browser, han: Browser) -> None:
    """The province's order to 东川市 and 西岭市, drafted, approved and issued on its pages."""
    assert _draft(gao).status_code == 303
    assert gao.post("/directives/1/submit", {"csrf": csrf_of(gao, "/")}).status_code == 303
    assert han.post("/directives/1/approve", {"csrf": csrf_of(han, "/")}).status_code == 303
    assert gao.post("/directives/1/issue", {"csrf": csrf_of(gao, "/")}).status_code == 303


def test_a_city_leader_asks_to_lift_early_and_the_province_sees_the_request(served) -> None:
    context, _, server = served
    gao, han, sun, wu = (signed_in(server, u) for u in ("gao", "han", "sun", "wu"))
    _ordered(gao, han)
    # the duty officer finds the way but not the form: a leader signs a 请示
    assert f'href="/c/{EAST}/directives/1/request-lift"' not in sun.get(f"/c/{EAST}/").text
    page = sun.get(f"/c/{EAST}/directives/1/request-lift").text
    assert "须由应急办主任或市领导签发" in page
    token = csrf_of(sun, f"/c/{EAST}/")
    r = sun.post(f"/c/{EAST}/directives/1/request-lift", {"csrf": token, "reason": "转良"})
    assert r.status_code == 403
    desk = wu.get(f"/c/{EAST}/").text
    assert f'href="/c/{EAST}/directives/1/request-lift"' in desk
    token = csrf_of(wu, f"/c/{EAST}/directives/1/request-lift")
    r = wu.post(f"/c/{EAST}/directives/1/request-lift", {"csrf": token, "reason": " "})
    assert r.status_code == 400
    assert "申请提前解除须说明理由" in r.text
    r = wu.post(
        f"/c/{EAST}/directives/1/request-lift", {"csrf": token, "reason": "实况已转良，预计维持"}
    )
    assert (r.status_code, r.headers["Location"]) == (303, f"/c/{EAST}/directives/1/request")
    document = wu.get(r.headers["Location"]).text
    assert "东川重污应急〔2026〕请1号" in document
    assert "签发人：" in document
    assert "吴主任" in document
    assert "妥否，请批示。" in document
    printed = wu.get(f"/c/{EAST}/directives/1/request.pdf")
    assert printed.content.startswith(b"%PDF")
    assert "请1号" in wu.get(f"/c/{EAST}/").text
    # the province sees it on the order's page, and may read the city's document
    assert (
        "申请提前解除（请示东川重污应急〔2026〕请1号）：实况已转良，预计维持"
        in gao.get("/directives/1").text
    )
    assert gao.get(f"/c/{EAST}/directives/1/request").status_code == 200
    # another city has none, and may not read 东川市's
    chen = signed_in(server, "chen")
    assert chen.get(f"/c/{WEST}/directives/1/request").status_code == 400
    assert chen.get(f"/c/{EAST}/directives/1/request").status_code == 403
    assert len(context.city_context(EAST).directive_desk().requests("990000", 1)) == 1
