"""The console in a real browser: Playwright drives Debian's Chromium (``/usr/bin/chromium``,
headless) through the duty officers' main path — sign in with the keyboard, draft an alert,
approve it as another user, issue it, see the notices, open an enterprise's link from its order
and acknowledge, and see the receipt counted on the dashboard. Screenshots of the main pages,
at laptop and phone sizes, are saved under ``out/screenshots/`` (or ``$ORCHESTRATOR_SCREENSHOTS``).

Chromium comes from Debian (``make system-deps``); where it is missing the test is skipped with
that reason, except in CI, where it fails."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from orchestrator.db.tables import notices
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.emissions.registries import Registry
from tests.support.app import SAMPLE, do_import
from tests.support.base import ROOT, ZONE
from tests.support.delivery import Clock, delivery_config, make_worker
from tests.support.web import PASSWORD, Served, add_users, web_app

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("ORCHESTRATOR_SCREENSHOTS", ROOT / "out" / "screenshots"))
NOW = dt.datetime(2026, 1, 4, 20, 0, tzinfo=ZONE)
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium for the browser tests: make system-deps")
    pytest.skip("Debian's chromium is not installed (make system-deps)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@pytest.fixture
def site(engine, tmp_path) -> Iterator[tuple[Served, Clock, DeliveryConfig]]:
    do_import(engine, SAMPLE)
    add_users(
        engine,
        ("zhang", "张值班", "duty_officer"),
        ("wang", "王副市长", "vice_mayor"),
        now=NOW,
    )
    clock = Clock(NOW)
    delivery = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    with Served(web_app(engine, clock, data_dir=tmp_path, delivery=delivery)) as served:
        yield served, clock, delivery


def shot(page, name: str) -> None:
    target = SHOTS / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)


def sign_in_by_keyboard(page, url: str, username: str) -> None:
    page.goto(url + "/")
    assert page.url.startswith(url + "/login")
    page.get_by_label("用户名").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/")


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_draft_approve_issue_acknowledge_and_count(engine, site, browser, tmp_path):
    served, clock, delivery = site
    url = served.url
    duty = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = duty.new_page()
    sign_in_by_keyboard(page, url, "zhang")
    assert "当前无生效预警" in page.content()
    shot(page, "dashboard-empty")

    page.get_by_role("link", name="预警", exact=True).click()
    page.goto(url + "/alerts/new")
    page.get_by_label("预警等级").select_option("orange")
    page.get_by_label("开始时间").fill("2026-01-06T00:00")
    page.get_by_label("结束时间（不填为另行通知）").fill("2026-01-09T00:00")
    page.get_by_label("起草理由（会商研判结论）").fill("1月4日会商研判：6日起持续重度污染")
    page.get_by_role("button", name="预览减排核算").click()
    assert "各项污染物均达到减排目标" in page.content()
    page.get_by_label("起草理由（会商研判结论）").fill("1月4日会商研判：6日起持续重度污染")
    shot(page, "alert-new")
    page.get_by_role("button", name="起草并提交审批").click()
    page.wait_for_url(re.compile(r".*/alerts/\d+\?done=draft"))
    alert_path = page.url.split("?")[0].removeprefix(url)
    assert "已起草并提交审批" in page.content()
    assert page.get_by_role("button", name="批准").count() == 0  # not for the drafter

    # a negotiated reduction, agreed before approval, recorded with the alert page's form
    page.get_by_text("录入协商减排（批准前）").click()
    page.get_by_label("统一社会信用代码").fill("91999905MA0000087C")
    page.get_by_label("所涉生产线（多条以顿号分隔）").fill("2#烧结机")
    page.get_by_label("措施类型").select_option("stop")
    page.get_by_label("协商减排措施（按协议原文）").fill("2#烧结机停产至1月9日0时")
    page.get_by_label("SO2减排量（千克/日，清单措施之外）").fill("196.8")
    page.get_by_label("协议编号").fill("示协〔2026〕1号")
    page.get_by_label("企业确认人").fill("李厂长")
    page.get_by_role("button", name="录入", exact=True).click()
    page.wait_for_url(re.compile(r".*\?done=negotiated"))
    assert "示协〔2026〕1号（李厂长）" in page.content()
    shot(page, "alert-negotiated")

    clock.advance(minutes=30)
    approver = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    vice = approver.new_page()
    sign_in_by_keyboard(vice, url, "wang")
    vice.goto(url + alert_path)
    shot(vice, "alert-pending-phone")
    vice.get_by_role("button", name="批准").click()
    vice.wait_for_url(re.compile(r".*\?done=approve"))
    assert "已批准" in vice.content()
    assert vice.get_by_role("button", name="发布").count() == 0
    approver.close()

    clock.advance(minutes=30)
    page.goto(url + alert_path)
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r".*\?done=issue"))
    assert "示重污应急〔2026〕1号" in page.content()
    shot(page, "alert-issued")

    make_worker(engine, delivery, clock, tmp_path).housekeeping()  # the outbox takes them
    page.get_by_role("link", name="通知与回执").click()
    assert "共300家，第1/3页" in page.content()
    shot(page, "notices")

    # an enterprise opens the link printed in its own order and acknowledges it
    with engine.connect() as conn:
        order = conn.execute(
            select(notices.c.uscc, notices.c.body)
            .where(notices.c.kind == "order")
            .order_by(notices.c.uscc)
            .limit(1)
        ).one()
    link = re.search(r"https://hbj\.example\.gov\.cn(/ack/[\w.\-]+)", order.body)
    assert link, "the order carries its link"
    firm = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    firm.goto(url + link.group(1))
    shot(firm, "enterprise-order-phone")
    firm.get_by_label(re.compile("签收人")).first.fill("刘磊")
    firm.get_by_role("button", name=re.compile("签收本指令")).first.click()
    firm.wait_for_url(re.compile(r".*done=ack.*"))
    assert "签收人：刘磊" in firm.content()

    page.goto(url + "/")
    text = page.content()
    assert re.search(r'<th scope="row">已签收</th><td>1\s', text), text
    shot(page, "dashboard-alert")
    page.goto(url + alert_path + "/notices?state=signed")
    assert "共1家" in page.content()
    assert "刘磊" in page.content()
    duty.close()
    assert {p.name for p in SHOTS.glob("*.png")} >= {
        "dashboard-empty.png",
        "alert-new.png",
        "alert-negotiated.png",
        "alert-pending-phone.png",
        "alert-issued.png",
        "notices.png",
        "enterprise-order-phone.png",
        "dashboard-alert.png",
    }


# --- every page, at both sizes ------------------------------------------------------------------

# a table cell narrower than this many characters of its own font is a collapsed table
NARROW = """() => Array.from(document.querySelectorAll("td, th"))
  .filter(c => c.getClientRects().length && c.textContent.trim())
  .map(c => {
    const s = getComputedStyle(c);
    const w = c.getBoundingClientRect().width - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    return {chars: w / parseFloat(s.fontSize), text: c.textContent.trim().slice(0, 20)};
  })
  .filter(x => x.chars < 2)"""


def pages_of(app) -> list[str]:
    """Every HTML page the application serves (its routes' paths, with their parameters)."""
    from fastapi.responses import HTMLResponse
    from fastapi.routing import APIRoute

    from tests.web.test_security import routes

    return sorted(
        r.path
        for r in routes(app)
        if isinstance(r, APIRoute) and "GET" in r.methods and r.response_class is HTMLResponse
    )


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_every_page_at_laptop_and_phone_size_keeps_its_tables_readable(engine, browser, tmp_path):
    """Every page of the console and the enterprise's pages, found from the routes, opened at
    1366×900 and 390×844: a screenshot of each, and no table cell narrower than two characters."""
    from tests.support.app import ISSUED_AT, issue_sample
    from tests.support.base import LINKS
    from tests.support.consultation import config, consultant

    alert_id, revision_id = issue_sample(engine)
    now = ISSUED_AT + dt.timedelta(days=2)  # in force (assessable), past the deadline
    consulted = consultant(engine, config(monitoring=True), tmp_path).consult(slot=now, now=now)
    add_users(engine, ("zhang", "张值班", "duty_officer"), ("zhou", "周主任", "director"), now=now)
    clock = Clock(now)
    delivery = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    make_worker(engine, delivery, clock, tmp_path).housekeeping()
    with engine.connect() as conn:
        uscc = conn.execute(
            select(notices.c.uscc).where(notices.c.kind == "order").order_by(notices.c.uscc)
        ).first()[0]
    token = LINKS.token(alert_id, uscc, LINKS.expiry(ISSUED_AT))
    # a coverage run whose check tasks went out: a county's signed check page
    from tests.support.app import app as context_of

    permits = ROOT / "samples" / "registries" / "permits.csv"
    run = context_of(engine).lists().check_coverage(Registry.PERMITS, permits, now=now, by="核查")
    context_of(engine, delivery=delivery).checks().issue(run.run.id, now=now, by="周主任")
    county = context_of(engine).checks().standing(run.run.id).tasks[0].uscc
    check_token = LINKS.check_token(run.run.id, county, LINKS.expiry(now))
    app = web_app(
        engine, clock, data_dir=tmp_path, delivery=delivery, consultation=config(monitoring=True)
    )
    values = {
        "alert_id": str(alert_id),
        "revision_id": str(revision_id),
        "kind": "bulletin",
        "uscc": uscc,
        "consultation_id": str(consulted.id),
        "number": "1",
        "token": token,
        "ref": str(revision_id),
        "run_id": str(run.run.id),
        "code": county,
    }
    from tests.support.app import BASE

    queries = {
        "/alerts/new/bulletin": "?level=orange&start=2026-01-10T00:00&reason=会商研判",
        # a report entered for the network's first unit (住建), today
        "/alerts/{alert_id}/daily/entry": f"?code={BASE.network.units[0].uscc}",
    }
    with Served(app) as served:
        # a draft waiting, so that the preview and the approval screen have something to show
        draft = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
        sign_in_by_keyboard(draft, served.url, "zhang")
        draft.goto(served.url + "/alerts/new")
        draft.get_by_label("预警等级").select_option("red")
        draft.get_by_label("开始时间").fill("2026-01-12T00:00")
        draft.get_by_label("起草理由（会商研判结论）").fill("会商研判：12日起严重污染")
        draft.get_by_role("button", name="起草并提交审批").click()
        draft.wait_for_url(re.compile(r".*/alerts/\d+\?done=draft"))
        pending = draft.url.split("?")[0].rsplit("/", 1)[1]
        draft.context.close()
        paths = []
        for template in pages_of(app):
            given = {**values, "token": check_token} if template.startswith("/check/") else values
            path = re.sub(r"\{(\w+)\}", lambda m, v=given: v[m.group(1)], template)
            if template == "/alerts/{alert_id}/preview":
                path = f"/alerts/{pending}/preview"
            paths.append(path + queries.get(template, ""))
        # the signed page of a unit of the network (the same route, its own page)
        unit = LINKS.token(alert_id, BASE.network.units[0].uscc, LINKS.expiry(ISSUED_AT))
        paths += [f"/ack/{unit}", f"/ack/{unit}/order/{revision_id}"]
        assert len(paths) >= 20, paths
        problems: dict[str, list[object]] = {}
        for size_name, size in (("laptop", LAPTOP), ("phone", PHONE)):
            context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=size is PHONE)
            page = context.new_page()
            sign_in_by_keyboard(page, served.url, "zhou")
            for path in paths:
                response = page.goto(served.url + path)
                assert response is not None
                assert response.status == 200, (path, response.status)
                name = re.sub(r"[^\w]+", "-", path.split("?")[0]).strip("-") or "dashboard"
                shot(page, f"pages/{size_name}/{name}")
                narrow = page.evaluate(NARROW)
                if narrow:
                    problems[f"{size_name} {path}"] = narrow[:5]
            context.close()
    assert problems == {}


# --- a unit's check task -------------------------------------------------------------------------


def test_a_county_answers_its_check_task_on_a_phone(engine, browser, tmp_path):
    """The county opens its check task's link on a phone, picks a result per finding and signs;
    "其他情况" without a note is refused on the page and nothing is taken; then it is taken."""
    from orchestrator.checks.model import FITTING
    from tests.support.app import app as context_of
    from tests.support.base import LINKS

    do_import(engine, SAMPLE)
    now = dt.datetime(2025, 10, 10, 9, tzinfo=ZONE)
    delivery = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    permits = ROOT / "samples" / "registries" / "permits.csv"
    run = context_of(engine).lists().check_coverage(Registry.PERMITS, permits, now=now, by="核查")
    service = context_of(engine, delivery=delivery).checks()
    service.issue(run.run.id, now=now, by="周主任")
    task = service.standing(run.run.id).tasks[0]
    token = LINKS.check_token(run.run.id, task.uscc, LINKS.expiry(now))
    first, second = task.items[0].finding, task.items[1].finding
    with Served(web_app(engine, Clock(now + dt.timedelta(hours=2)))) as served:
        context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
        page = context.new_page()
        page.goto(f"{served.url}/check/{token}")
        assert page.get_by_role("heading", level=1).inner_text() == task.unit_name
        page.locator("#item0").get_by_label(FITTING[first.kind][0].label).check()
        page.locator("#item1").get_by_label("其他情况（须说明）").check()
        page.get_by_label("填报人姓名").fill("李科长")
        page.get_by_role("button", name="提交核实结果").click()
        alert = page.get_by_role("alert")
        assert "第2项" in alert.inner_text()
        assert "须填写说明" in alert.inner_text()
        assert service.task(run.run.id, task.uscc).answered == 0
        # the page kept what was chosen: add the note and send again
        assert page.locator("#item0").get_by_label(FITTING[first.kind][0].label).is_checked()
        page.locator("#item1").get_by_label("情况说明").fill(f"{second.name}已更名，正在核实")
        page.get_by_label("填报人姓名").fill("李科长")
        page.get_by_role("button", name="提交核实结果").click()
        page.wait_for_url(re.compile(r".*done=1$"))
        assert "核实结果已填报" in page.get_by_role("status").inner_text()
        assert f"已填报2项，共{len(task.items)}项" in page.content()
        shot(page, "check-answered")
        context.close()
    answered = service.task(run.run.id, task.uscc)
    assert {a.key: a.outcome for a in answered.answers} == {
        first.key: FITTING[first.kind][0],
        second.key: FITTING[second.kind][-1],
    }


# --- the map ------------------------------------------------------------------------------------


def test_the_alert_map_draws_counties_stations_and_orders_offline(engine, browser, tmp_path):
    """Leaflet from this server only (no request leaves it): seven county outlines with their
    names, every placed point, and a point's popup naming its enterprise as text (markup in a name
    stays text) with a link to its order."""
    from tests.support.app import ISSUED_AT, issue_sample
    from tests.support.workbooks import broken, col

    evil = '<img src=x onerror="document.title=1">钢铁有限公司'

    def edit(wb) -> None:
        ws = wb["工业源"]
        ws.cell(2, col(ws, "企业名称")).value = evil

    alert_id, revision_id = issue_sample(engine, broken(tmp_path, edit))
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=ISSUED_AT)
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=5))
    delivery = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    make_worker(engine, delivery, clock, tmp_path).housekeeping()
    with Served(web_app(engine, clock, data_dir=tmp_path, delivery=delivery)) as served:
        context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
        page = context.new_page()
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(served.url) else elsewhere.append(r.url),
        )
        sign_in_by_keyboard(page, served.url, "zhang")
        page.goto(f"{served.url}/alerts/{alert_id}/map")
        page.wait_for_selector("#map[data-ready='1']")
        shot(page, "map-alert")
        labels = page.locator(".county-label").all_text_contents()
        assert sorted(labels) == sorted(
            ["城东区", "城西区", "高新区", "北山县", "南川县", "河口县", "清源市"]
        )
        assert page.get_attribute("#map", "data-points") == "324"  # 294 enterprises, 30 sites
        control = page.locator(".leaflet-control-layers").inner_text()
        for name in ("区县", "企业", "扬尘源工地", "监测站点"):
            assert name in control
        # zoomed in on the enterprise whose name carries markup, a click opens its popup
        at = page.evaluate(
            """(name) => {
              const m = document.getElementById("map").leafletMap;
              const data = JSON.parse(document.getElementById("map-data").textContent);
              const p = data.points.find(x => x[3] === name);
              m.setView([p[1], p[0]], 17, {animate: false});  // its neighbours apart
              const xy = m.latLngToContainerPoint([p[1], p[0]]);
              const box = document.getElementById("map").getBoundingClientRect();
              return {x: box.left + xy.x, y: box.top + xy.y, href: p[7]};
            }""",
            evil,
        )
        page.mouse.click(at["x"], at["y"])
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert evil in popup.inner_text()
        assert popup.locator("img").count() == 0
        assert page.title() != "1"
        assert popup.locator("a").get_attribute("href") == at["href"]
        assert at["href"].startswith(f"/alerts/{alert_id}/revisions/{revision_id}/orders/")
        context.close()
    assert elsewhere == []


def test_on_a_phone_the_map_keeps_its_layers_behind_a_button(engine, browser, tmp_path):
    from tests.support.app import ISSUED_AT

    do_import(engine, SAMPLE)
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=ISSUED_AT)
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=tmp_path)) as served:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        sign_in_by_keyboard(page, served.url, "zhang")
        page.goto(served.url + "/map")
        page.wait_for_selector("#map[data-ready='1']")
        toggle = page.locator(".leaflet-control-layers-toggle")
        assert toggle.is_visible()
        assert not page.locator(".leaflet-control-layers-list").is_visible()
        assert toggle.get_attribute("title") == "图层"
        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
        toggle.tap()
        page.locator(".leaflet-control-layers-list").wait_for(state="visible")
        assert "扬尘源工地" in page.locator(".leaflet-control-layers-list").inner_text()
        shot(page, "map-phone")
        context.close()


# --- the provincial installation ---------------------------------------------------------------


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_province_drafts_and_issues_an_order_and_a_city_sees_its_own(engine, browser, tmp_path):
    """On a provincial installation: the province's duty officer drafts a 调度令 on its form,
    its director approves, the duty officer issues it; the board shows each city's standing; a
    city's officer signing in at the root lands on the city's own console under ``/c/<code>``,
    where the drafted alert waits. Every provincial page at laptop and phone size, readable."""
    from orchestrator.web.service import web_service
    from tests.support.base import at
    from tests.support.province import PROVINCE, provincial

    with provincial(engine, tmp_path) as ctx:
        for username, name, role, region in (
            ("gao", "高省值班", "duty_officer", PROVINCE),
            ("han", "韩省主任", "director", PROVINCE),
            ("sun", "孙值班", "duty_officer", "990100"),
        ):
            ctx.accounts().add_user(
                username=username,
                display_name=name,
                role=role,
                password=PASSWORD,
                now=at(4, 8),
                region=region,
            )
        with Served(web_service(ctx)) as served:
            url = served.url
            page = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
            sign_in_by_keyboard(page, url, "gao")
            assert page.get_by_role("heading", name="全省重污染天气应急").is_visible()
            page.get_by_role("link", name="起草调度令").click()
            page.get_by_label("标题").fill("关于启动重污染天气橙色预警的调度令")
            page.get_by_label("东川市").check()
            page.get_by_label("西岭市").check()
            page.get_by_label("预警等级").select_option("orange")
            page.get_by_label("开始时间").fill("2026-01-06T00:00")
            page.get_by_label("结束时间").fill("2026-01-09T00:00")
            page.get_by_label("增加措施").fill("重点企业驻厂监管\n加大排放大户协商减排力度")
            page.get_by_label("研判依据").fill("省级会商研判：6日起全省中度至重度污染")
            shot(page, "province-directive-new")
            page.get_by_role("button", name="起草").click()
            page.wait_for_url(re.compile(r".*/directives/1\?done=draft"))
            page.get_by_role("button", name="提交审批").click()
            page.wait_for_url(re.compile(r".*/directives/1\?done=submit"))
            page.context.close()

            boss = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
            sign_in_by_keyboard(boss, url, "han")
            boss.goto(url + "/directives/1")
            boss.get_by_role("button", name="批准").click()
            boss.wait_for_url(re.compile(r".*/directives/1\?done=approve"))
            boss.context.close()

            page = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
            sign_in_by_keyboard(page, url, "gao")
            page.goto(url + "/directives/1")
            page.get_by_role("button", name="发布").click()
            page.wait_for_url(re.compile(r".*/directives/1\?done=issue"))
            table = page.get_by_role("table")
            assert "东川市" in table.inner_text()
            assert "西岭市" in table.inner_text()
            assert "示省重污调〔2026〕1号" in page.content()
            page.context.close()

            problems: dict[str, list[object]] = {}
            for size_name, size in (("laptop", LAPTOP), ("phone", PHONE)):
                context = browser.new_context(
                    viewport=size, locale="zh-CN", is_mobile=size is PHONE
                )
                page = context.new_page()
                sign_in_by_keyboard(page, url, "gao")
                for path in ("/", "/directives/new", "/directives/1", "/c/990100/"):
                    response = page.goto(url + path)
                    assert response is not None, path
                    assert response.status == 200, path
                    name = re.sub(r"[^\w]+", "-", path).strip("-") or "home"
                    shot(page, f"pages/{size_name}/province-{name}")
                    narrow = page.evaluate(NARROW)
                    if narrow:
                        problems[f"{size_name} {path}"] = narrow[:5]
                context.close()
            assert problems == {}

            city = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
            city.goto(url + "/")
            city.get_by_label("用户名").fill("sun")
            city.get_by_label("密码").fill(PASSWORD)
            city.get_by_role("button", name="登录").click()
            city.wait_for_url(url + "/c/990100/")
            city.get_by_role("link", name="预警", exact=True).click()
            city.wait_for_url(url + "/c/990100/alerts")
            assert city.get_by_role("link", name="预警1").is_visible()
            shot(city, "province-city-alerts-phone")
            city.context.close()
