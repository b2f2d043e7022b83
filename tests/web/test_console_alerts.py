"""The alert pages over real HTTP: a duty officer drafts (with the reduction check previewed),
a vice-mayor approves, the duty officer issues and the notices are stored for delivery; every
action checks the role and the CSRF token on the server, and what users type is escaped."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import func, select, update

from orchestrator.db.tables import deliveries, notices
from orchestrator.delivery.model import Scope, Subject
from orchestrator.emissions.model import Amounts, Species
from tests.support.app import CITY, SAMPLE, UNITS, accounts, do_import, receipts
from tests.support.base import ZONE
from tests.support.delivery import Clock, delivery_config, make_worker, statuses_in_python
from tests.support.web import (
    DESK_NOW,
    PASSWORD,
    Browser,
    Served,
    add_users,
    signed_in,
    web_app,
)

NOW = dt.datetime(2026, 1, 4, 20, 0, tzinfo=ZONE)


FORM = {
    "level": "orange",
    "start": "2026-01-06T00:00",
    "end": "2026-01-09T00:00",
    "reason": "1月4日会商研判：6日起持续重度污染",
}


def test_draft_approve_by_another_person_and_issue(engine, desk):
    served, clock = desk
    zhang = signed_in(served, "zhang")
    preview = zhang.get("/alerts/new?level=orange&start=2026-01-06T00:00")
    assert preview.status_code == 200
    assert "按第1版应急减排清单" in preview.text
    assert "各项污染物均达到减排目标" in preview.text
    r = zhang.post("/alerts", {**FORM, "csrf": zhang.csrf()})
    assert r.status_code == 303
    alert_url = r.headers["Location"].split("?")[0]
    page = zhang.get(r.headers["Location"]).text
    assert "已起草并提交审批" in page
    assert "待审批" in page
    # the duty officer may not approve; the page offers no button and the server refuses
    assert "/approve" not in page
    assert zhang.post(alert_url + "/approve", {"csrf": zhang.csrf()}).status_code == 403

    clock.advance(minutes=30)
    wang = signed_in(served, "wang")
    r = wang.post(alert_url + "/approve", {"csrf": wang.csrf()})
    assert r.status_code == 303
    page = wang.get(r.headers["Location"]).text
    assert "已批准" in page
    assert "各项污染物均达到减排目标" in page
    assert wang.post(alert_url + "/issue", {"csrf": wang.csrf()}).status_code == 403

    clock.advance(minutes=30)
    li = signed_in(served, "li")
    r = li.post(alert_url + "/issue", {"csrf": li.csrf()})
    assert r.status_code == 303
    page = li.get(r.headers["Location"]).text
    assert "已发布，通知和应急响应指令已生成" in page
    assert "示重污应急〔2026〕1号" in page
    with engine.connect() as conn:
        orders = conn.execute(select(func.count()).where(notices.c.kind == "order")).scalar_one()
    assert orders == 300
    listing = li.get("/alerts").text
    assert "示重污应急〔2026〕1号" in listing
    assert "已发布" in listing


def test_the_drafter_cannot_approve_their_own_draft(engine, desk):
    served, _ = desk
    # a director may both draft and approve, but never the same revision (four-eyes)
    accounts(engine).add_user(
        username="zhou", display_name="周主任", role="director", password=PASSWORD, now=NOW
    )
    zhou = signed_in(served, "zhou")
    r = zhou.post("/alerts", {**FORM, "level": "yellow", "csrf": zhou.csrf()})
    url = r.headers["Location"].split("?")[0]
    r = zhou.post(url + "/approve", {"csrf": zhou.csrf()})
    assert r.status_code == 400
    assert "待审批" in r.text
    assert "审批人不能与起草人相同（周主任）" in r.text


def test_every_action_checks_role_and_csrf(engine, desk):
    served, _ = desk
    guest = signed_in(served, "guest")
    assert guest.get("/alerts").status_code == 200
    assert guest.get("/alerts/new").status_code == 403
    r = guest.post("/alerts", {**FORM, "csrf": guest.csrf()})
    assert r.status_code == 403
    assert "无权操作" in r.text
    zhang = signed_in(served, "zhang")
    r = zhang.post("/alerts", {**FORM, "csrf": "forged"})
    assert r.status_code == 403
    assert "CSRF校验失败" in r.text
    assert "预警1" not in zhang.get("/alerts").text  # nothing was drafted
    anonymous = Browser(served.url)
    assert anonymous.post("/alerts", FORM).status_code == 303  # to sign-in, nothing done
    assert anonymous.get("/alerts/1").status_code == 303


def test_bad_input_is_named_and_what_users_type_is_escaped(engine, desk):
    served, _ = desk
    zhang = signed_in(served, "zhang")
    r = zhang.post("/alerts", {**FORM, "start": "tomorrow", "csrf": zhang.csrf()})
    assert r.status_code == 400
    assert "开始时间：请填写日期和时间" in r.text
    r = zhang.post("/alerts", {**FORM, "level": "purple", "csrf": zhang.csrf()})
    assert r.status_code == 400
    assert "请选择预警等级" in r.text
    evil = '<script>alert("x")</script>'
    r = zhang.post("/alerts", {**FORM, "reason": evil, "csrf": zhang.csrf()})
    page = zhang.get(r.headers["Location"]).text
    assert evil not in page
    assert "&lt;script&gt;" in page
    assert zhang.get("/alerts/99").status_code == 404


def test_an_issued_alert_is_lifted_through_the_same_steps(engine, desk):
    served, clock = desk
    zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")
    url = zhang.post("/alerts", {**FORM, "csrf": zhang.csrf()}).headers["Location"].split("?")[0]
    wang.post(url + "/approve", {"csrf": wang.csrf()})
    zhang.post(url + "/issue", {"csrf": zhang.csrf()})
    clock.instant = dt.datetime(2026, 1, 7, 12, tzinfo=ZONE)
    zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")  # a new shift
    assert "剩余1天12小时" in zhang.get("/").text
    r = zhang.post(url + "/lift", {"csrf": zhang.csrf(), "reason": ""})
    assert r.status_code == 400
    assert "请填写解除理由" in r.text
    r = zhang.post(url + "/lift", {"csrf": zhang.csrf(), "reason": "空气质量好转，已达解除条件"})
    assert "已起草解除并提交审批" in zhang.get(r.headers["Location"]).text
    wang.post(url + "/approve", {"csrf": wang.csrf()})
    r = zhang.post(url + "/issue", {"csrf": zhang.csrf()})
    page = zhang.get(r.headers["Location"]).text
    assert "示重污应急〔2026〕2号" in page  # the lift notice's own number
    assert "第2版（解除）" in page
    assert "当前无生效预警" in zhang.get("/").text


def issued(served: Served) -> str:
    """An orange alert drafted, approved and issued; its page's path."""
    zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")
    url = zhang.post("/alerts", {**FORM, "csrf": zhang.csrf()}).headers["Location"].split("?")[0]
    assert wang.post(url + "/approve", {"csrf": wang.csrf()}).status_code == 303
    assert zhang.post(url + "/issue", {"csrf": zhang.csrf()}).status_code == 303
    return url


def test_an_issued_alert_is_upgraded_extended_and_downgraded(engine, desk):
    served, clock = desk
    accounts(engine).add_user(
        username="chen", display_name="陈市长", role="mayor", password=PASSWORD, now=NOW
    )
    url = issued(served)
    zhang, wang, chen = (signed_in(served, u) for u in ("zhang", "wang", "chen"))
    page = zhang.get(url).text
    # only the adjustments the level allows are offered
    assert 'action="' + url + '/upgrade"' in page
    assert '<option value="red">红色预警</option>' in page
    assert 'action="' + url + '/downgrade"' in page
    assert '<option value="yellow">黄色预警</option>' in page
    assert "仅限" not in page
    assert signed_in(served, "guest").post(url + "/upgrade", {"csrf": "x"}).status_code == 403

    clock.advance(hours=2)
    r = zhang.post(
        url + "/upgrade",
        {
            "csrf": zhang.csrf(),
            "level": "red",
            "start": "2026-01-07T00:00",
            "reason": "预计7日AQI超过300",
        },
    )
    assert r.status_code == 303
    page = zhang.get(r.headers["Location"]).text
    assert "已起草升级并提交审批" in page
    assert "第2版（升级）" in page
    # a red alert needs the mayor: the vice-mayor is refused by the approval rules
    r = wang.post(url + "/approve", {"csrf": wang.csrf()})
    assert r.status_code == 400
    assert chen.post(url + "/approve", {"csrf": chen.csrf()}).status_code == 303
    page = zhang.get(zhang.post(url + "/issue", {"csrf": zhang.csrf()}).headers["Location"]).text
    assert "示重污应急〔2026〕2号" in page
    assert '<span class="level level-red">红色预警</span>' in page

    clock.advance(hours=2)
    r = zhang.post(url + "/extend", {"csrf": zhang.csrf(), "reason": "不利气象条件持续"})
    assert r.status_code == 400
    assert "延长须填写新的结束时间" in r.text
    r = zhang.post(
        url + "/extend",
        {"csrf": zhang.csrf(), "end": "2026-01-11T00:00", "reason": "不利气象条件持续"},
    )
    assert "已起草延长并提交审批" in zhang.get(r.headers["Location"]).text
    chen.post(url + "/approve", {"csrf": chen.csrf()})
    page = zhang.get(zhang.post(url + "/issue", {"csrf": zhang.csrf()}).headers["Location"]).text
    assert "示重污应急〔2026〕3号" in page
    assert "2026年1月11日0时" in page

    clock.advance(hours=2)
    r = zhang.post(
        url + "/downgrade",
        {"csrf": zhang.csrf(), "level": "yellow", "reason": "扩散条件改善"},
    )
    assert "已起草降级并提交审批" in zhang.get(r.headers["Location"]).text
    wang.post(url + "/approve", {"csrf": wang.csrf()})
    page = zhang.get(zhang.post(url + "/issue", {"csrf": zhang.csrf()}).headers["Location"]).text
    assert "示重污应急〔2026〕4号" in page
    assert '<span class="level level-yellow">黄色预警</span>' in page
    assert "第4版（降级）" in page
    with engine.connect() as conn:
        kinds = set(conn.execute(select(notices.c.kind).distinct()).scalars())
    assert {"bulletin", "adjust", "order"} <= kinds


def test_the_draft_form_previews_the_bulletin(engine, desk):
    served, _ = desk
    zhang = signed_in(served, "zhang")
    form = zhang.get("/alerts/new").text
    assert 'formaction="/alerts/new/bulletin"' in form
    r = zhang.get(
        "/alerts/new/bulletin?level=orange&start=2026-01-06T00:00&end=2026-01-09T00:00"
        "&reason=%3Cb%3E6日起持续重度污染%3C/b%3E"
    )
    assert r.status_code == 200
    assert "预览稿：尚未审批和发布" in r.text
    assert "关于启动重污染天气橙色预警的通知" in r.text
    assert "示重污应急〔2026〕（发布时编号）" in r.text
    assert "2026年1月6日0时" in r.text
    assert "&lt;b&gt;6日起持续重度污染" in r.text
    # the preview counts the same plan the issued bulletin will: compare with an issue
    issued(served)
    with engine.connect() as conn:
        bulletin = conn.execute(
            select(notices.c.body).where(notices.c.kind == "bulletin")
        ).scalar_one()
    counts = re.findall(r"\d+家", bulletin)
    assert counts
    assert re.findall(r"\d+家", r.text) == counts
    bad = zhang.get("/alerts/new/bulletin?level=purple&start=2026-01-06T00:00")
    assert bad.status_code == 400
    assert "请选择预警等级" in bad.text
    assert zhang.get("/alerts/new/bulletin?level=red&start=2019-01-06T00:00").status_code == 400
    assert signed_in(served, "guest").get("/alerts/new/bulletin?level=red").status_code == 403


def test_the_notices_page_shows_each_enterprise_and_resends(engine, desk, tmp_path):
    served, clock = desk
    zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")
    url = zhang.post("/alerts", {**FORM, "csrf": zhang.csrf()}).headers["Location"].split("?")[0]
    wang.post(url + "/approve", {"csrf": wang.csrf()})
    zhang.post(url + "/issue", {"csrf": zhang.csrf()})
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    alert_id = int(url.rsplit("/", 1)[1])
    first = sorted(statuses_in_python(engine, Subject(revision_id=1)), key=lambda o: o.uscc)[0]
    receipts(engine).acknowledge(
        Scope(alert_id=alert_id), first.uscc, 1, signer="刘磊", now=clock.now()
    )
    with engine.begin() as conn:  # an enterprise name with markup, as a list might carry
        conn.execute(
            update(deliveries)
            .where(deliveries.c.recipient == first.uscc)
            .values(recipient_name='<img src=x onerror="alert(1)">厂')
        )
    page = zhang.get(url + "/notices")
    assert page.status_code == 200
    assert "应发300份，已发出300，确认送达300，已签收1" in page.text
    assert "共300家，第1/3页" in page.text
    signed = zhang.get(url + "/notices?state=signed").text
    assert "共1家" in signed
    assert "刘磊" in signed
    assert "<img src=x" not in signed
    assert "&lt;img src=x" in signed
    county = first.county
    by_county = zhang.get(f"{url}/notices?county={county}").text
    assert (
        f"共{sum(1 for o in statuses_in_python(engine, Subject(revision_id=1)) if o.county == county)}家"
        in by_county
    )
    # resending: the viewer may not, the duty officer may (every enterprise again)
    guest = signed_in(served, "guest")
    assert guest.post(url + "/resend", {"csrf": guest.csrf(), "scope": "all"}).status_code == 403
    unconfirmed = zhang.post(url + "/resend", {"csrf": zhang.csrf(), "scope": "all"})
    assert unconfirmed.status_code == 400
    assert "全部重新发送将向每家企业再次发送通知，须明确确认" in unconfirmed.text
    r = zhang.post(url + "/resend", {"csrf": zhang.csrf(), "scope": "all", "confirm": "1"})
    assert r.status_code == 303
    assert "已重新排入投递队列" in zhang.get(r.headers["Location"]).text
    with engine.connect() as conn:
        again = conn.execute(
            select(func.count()).where(deliveries.c.reason == "resend")
        ).scalar_one()
    assert again == 300 + UNITS  # every order and task notice
    # a second click while those are still on their way queues nothing more
    twice = zhang.post(url + "/resend", {"csrf": zhang.csrf(), "scope": "all", "confirm": "1"})
    assert twice.status_code == 409
    assert f"上一次重新发送尚有{300 + UNITS}条通知未投递完毕" in twice.text
    assert zhang.get("/alerts/99/notices").status_code == 404


def test_an_approved_revision_can_be_withdrawn_from_the_console(engine, desk):
    # the lifecycle allows withdrawing until issue; the page asks it (allowed_actions), so an
    # approved revision shows 撤回 to whoever may draft, and the server carries it out
    served, clock = desk
    zhang = signed_in(served, "zhang")
    url = zhang.post("/alerts", {**FORM, "csrf": zhang.csrf()}).headers["Location"].split("?")[0]
    clock.advance(minutes=30)
    wang = signed_in(served, "wang")
    assert wang.post(url + "/approve", {"csrf": wang.csrf()}).status_code == 303
    withdraw = f'action="{url}/withdraw"'
    assert withdraw not in wang.get(url).text  # the approver may not draft, so may not withdraw
    page = zhang.get(url).text
    assert "已批准" in page
    assert withdraw in page
    r = zhang.post(url + "/withdraw", {"csrf": zhang.csrf(), "reason": "预报调整"})
    assert r.status_code == 303
    page = zhang.get(r.headers["Location"]).text
    assert "已撤回" in page
    assert withdraw not in page
    assert "/issue" not in page


def test_a_draft_over_the_alert_in_force_is_refused_on_the_form_with_a_409(engine, desk):
    served, clock = desk
    zhang = signed_in(served, "zhang")
    url = zhang.post("/alerts", {**FORM, "csrf": zhang.csrf()}).headers["Location"].split("?")[0]
    clock.advance(minutes=30)
    wang = signed_in(served, "wang")
    wang.post(url + "/approve", {"csrf": wang.csrf()})
    li = signed_in(served, "li")
    assert li.post(url + "/issue", {"csrf": li.csrf()}).status_code == 303
    red = {**FORM, "level": "red", "start": "2026-01-07T00:00", "end": "2026-01-10T00:00"}
    r = zhang.post("/alerts", {**red, "csrf": zhang.csrf()})
    assert r.status_code == 409
    assert "与预警1时段重叠：该预警已发布（示重污应急〔2026〕1号）" in r.text
    assert "请对预警1起草升级、降级或延长" in r.text
    assert "/alerts/2" not in zhang.get("/alerts").text


def test_the_band_below_yellow_is_drafted_on_instruction_and_issued_with_its_own_notice(
    engine, desk
):
    served, _ = desk
    zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")
    form = zhang.get("/alerts/new").text
    assert '<option value="adverse" >不利气象条件应对</option>' in form
    band = {**FORM, "level": "adverse", "end": "2026-01-08T00:00"}
    preview = zhang.get(
        "/alerts/new/bulletin?level=adverse&start=2026-01-06T00:00&end=2026-01-08T00:00"
    )
    assert preview.status_code == 200
    assert "关于开展不利气象条件应对工作的通知" in preview.text
    refused = zhang.post("/alerts", {**band, "reason": "", "csrf": zhang.csrf()})
    assert refused.status_code == 400
    assert "请填写起草理由" in refused.text
    r = zhang.post("/alerts", {**band, "reason": "依据省气联〔2026〕5号通知", "csrf": zhang.csrf()})
    assert r.status_code == 303
    url = r.headers["Location"].split("?")[0]
    assert wang.post(url + "/approve", {"csrf": wang.csrf()}).status_code == 303
    assert zhang.post(url + "/issue", {"csrf": zhang.csrf()}).status_code == 303
    page = zhang.get(url).text
    assert '<span class="level level-adverse">不利气象条件应对</span>' in page
    # from the band, a warning is the way up; nothing below it
    assert '<option value="yellow">黄色预警</option>' in page
    assert 'action="' + url + '/downgrade"' not in page
    with engine.connect() as conn:
        kinds = set(conn.execute(select(notices.c.kind)).scalars())
    assert kinds == {"adverse", "public", "sms", "cap"}


def test_a_shortfall_reason_written_at_approval_lets_the_duty_officer_issue(engine, tmp_path):
    """The approver may not issue from the console, so the reason to issue despite a shortfall is
    written when approving; the duty officer then issues."""
    do_import(engine, SAMPLE)
    add_users(
        engine,
        ("zhang", "张值班", "duty_officer"),
        ("wang", "王副市长", "vice_mayor"),
        now=DESK_NOW,
    )
    bigger = dataclasses.replace(
        CITY, citywide=Amounts(**{s.value: 10 * CITY.citywide.get(s) for s in Species})
    )
    with Served(web_app(engine, Clock(DESK_NOW), data_dir=tmp_path, city=bigger)) as served:
        zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")
        url = zhang.post("/alerts", {**FORM, "csrf": zhang.csrf()}).headers["Location"]
        url = url.split("?")[0]
        assert "减排量未达到目标时准予发布的书面理由" in wang.get(url).text
        r = wang.post(url + "/approve", {"csrf": wang.csrf(), "override": "以区域传输为主"})
        assert r.status_code == 303
        r = zhang.post(url + "/issue", {"csrf": zhang.csrf()})
        assert r.status_code == 303
        assert "示重污应急〔2026〕1号" in zhang.get(url).text


def test_a_county_alert_is_drafted_on_the_form_with_its_counties_checked(engine, desk):
    served, _ = desk
    zhang = signed_in(served, "zhang")
    form = zhang.get("/alerts/new").text
    for county in CITY.counties:
        assert f'name="counties" value="{county}"' in form
    # the preview counts the two counties alone, against their own inventory
    query = "level=orange&start=2026-01-06T00:00&counties=北山县&counties=南川县"
    preview = zhang.get(f"/alerts/new?{query}").text
    assert 'value="北山县" checked' in preview
    assert 'value="河口县" checked' not in preview
    bulletin = zhang.get(f"/alerts/new/bulletin?{query}&end=2026-01-09T00:00").text
    assert "关于在北山县、南川县启动重污染天气橙色预警的通知" in bulletin
    r = zhang.post("/alerts", {**FORM, "counties": ["北山县", "南川县"], "csrf": zhang.csrf()})
    assert r.status_code == 303, r.text
    page = zhang.get(r.headers["Location"]).text
    assert "<small>北山县、南川县</small>" in page
    listing = zhang.get("/alerts").text
    assert "<td>北山县、南川县</td>" in listing
    # a name that is no county of the city: the form again, with the reason, nothing drafted
    r = zhang.post("/alerts", {**FORM, "counties": ["北山镇"], "csrf": zhang.csrf()})
    assert r.status_code == 400
    assert "“北山镇”不是示例市的区县" in r.text
    assert len(re.findall(r'href="/alerts/\d+"', zhang.get("/alerts").text)) == 1
