"""The JSON API over real HTTP: bearer tokens, the same roles and four-eyes rule as the console,
errors as JSON with Chinese messages, the OpenAPI document, and schemathesis generating requests
from that document (no response may be a 5xx)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from orchestrator.db.tables import api_tokens, users
from orchestrator.delivery.config import DeliveryConfig
from tests.support.app import SAMPLE, UNITS, accounts, do_import
from tests.support.base import ZONE
from tests.support.delivery import Clock, delivery_config, make_worker
from tests.support.web import Served, add_users, web_app

NOW = dt.datetime(2026, 1, 4, 20, 0, tzinfo=ZONE)
API = "/api/v1"


@dataclass
class Api:
    url: str
    tokens: dict[str, str]
    clock: Clock
    delivery: DeliveryConfig

    def call(self, method: str, path: str, who: str | None = None, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        headers.update(kw.pop("headers", {}))
        return requests.request(method, self.url + API + path, headers=headers, timeout=30, **kw)


@pytest.fixture
def api(engine, tmp_path) -> Iterator[Api]:
    do_import(engine, SAMPLE)
    add_users(
        engine,
        ("zhang", "张值班", "duty_officer"),
        ("li", "李值班", "duty_officer"),
        ("wang", "王副市长", "vice_mayor"),
        ("guest", "访客", "viewer"),
        now=NOW,
    )
    tokens = {
        u: accounts(engine).issue_token(u, "test", now=NOW)
        for u in ("zhang", "li", "wang", "guest")
    }
    clock = Clock(NOW)
    delivery = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}})
    with Served(web_app(engine, clock, data_dir=tmp_path, delivery=delivery)) as served:
        yield Api(served.url, tokens, clock, delivery)


DRAFT = {
    "level": "orange",
    "start": "2026-01-06T00:00",
    "end": "2026-01-09T00:00",
    "reason": "1月4日会商研判：6日起持续重度污染",
}


def test_no_token_a_wrong_token_or_a_revoked_one_is_refused(engine, api):
    r = api.call("GET", "/alerts")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["detail"].startswith("缺少API令牌")
    r = requests.get(
        api.url + API + "/alerts", headers={"Authorization": "Bearer orc_forged"}, timeout=10
    )
    assert r.status_code == 401
    assert r.json() == {"detail": "API令牌无效或已吊销"}
    assert api.call("GET", "/alerts", "guest").json() == []
    with engine.connect() as conn:
        token_id = conn.execute(
            select(api_tokens.c.id)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(users.c.username == "guest")
        ).scalar_one()
    assert accounts(engine).revoke_token(token_id, now=NOW)
    assert api.call("GET", "/alerts", "guest").status_code == 401


def test_draft_approve_issue_and_receipts_with_the_consoles_rules(engine, api, tmp_path):
    r = api.call("POST", "/alerts", "guest", json=DRAFT)
    assert r.status_code == 403
    assert "无权进行此操作" in r.json()["detail"]
    r = api.call("POST", "/alerts", "zhang", json=DRAFT)
    assert r.status_code == 201, r.text
    alert = r.json()
    alert_id = alert["id"]
    assert alert["current"]["status"] == "pending_approval"
    assert alert["current"]["drafted_by"] == "张值班"
    assert api.call("POST", f"/alerts/{alert_id}/approve", "zhang", json={}).status_code == 403
    api.clock.advance(minutes=30)
    r = api.call("POST", f"/alerts/{alert_id}/approve", "wang", json={})
    assert r.status_code == 200, r.text
    assert r.json()["current"]["targets"]["met"] is True
    assert api.call("GET", f"/alerts/{alert_id}/receipts", "zhang").status_code == 404
    r = api.call("POST", f"/alerts/{alert_id}/issue", "li", json={})
    assert r.status_code == 200, r.text
    assert r.json()["current"]["document_number"] == "示重污应急〔2026〕1号"
    assert [t["label"] for t in r.json()["trail"]] == ["起草启动", "提交审批", "批准", "发布启动"]
    make_worker(engine, api.delivery, api.clock, tmp_path).housekeeping()  # enqueues
    r = api.call("GET", f"/alerts/{alert_id}/receipts", "guest", params={"limit": 5})
    body = r.json()
    assert body["summary"]["orders"] == 300
    assert body["total"] == 300
    assert len(body["orders"]) == 5
    assert {o["state"] for o in body["orders"]} == {"unsigned"}
    r = api.call("POST", f"/alerts/{alert_id}/resend", "zhang", json={"scope": "all"})
    assert r.status_code == 400
    assert r.json() == {"detail": "全部重新发送将向每家企业再次发送通知，须明确确认"}
    every = {"scope": "all", "confirm": True}
    r = api.call("POST", f"/alerts/{alert_id}/resend", "zhang", json=every)
    assert r.json() == {"queued": 300 + UNITS}
    r = api.call("POST", f"/alerts/{alert_id}/resend", "zhang", json=every)
    assert r.status_code == 409
    assert r.json()["detail"].startswith(f"上一次重新发送尚有{300 + UNITS}条通知未投递完毕")
    # an action the state does not allow is a 400 with the reason
    r = api.call("POST", f"/alerts/{alert_id}/approve", "wang", json={})
    assert r.status_code == 400
    assert r.json()["detail"]
    r = api.call("POST", f"/alerts/{alert_id}/extend", "zhang", json={"reason": "持续"})
    assert r.status_code == 400
    assert r.json() == {"detail": "延长须填写新的结束时间"}


def test_bad_input_is_a_json_error_naming_the_field(api):
    r = api.call("POST", "/alerts", "zhang", json={**DRAFT, "level": "purple"})
    assert r.status_code == 422
    assert r.json()["detail"] == "请求参数无效：level"
    r = api.call("POST", "/alerts", "zhang", json={**DRAFT, "start": "明天"})
    assert r.status_code == 400
    assert r.json()["detail"].startswith("开始时间")
    r = api.call("POST", "/alerts", "zhang", data="{", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("请求参数无效")
    assert api.call("GET", "/alerts/99", "zhang").json() == {"detail": "预警99不存在"}
    assert api.call("GET", "/nothing", "zhang").json() == {"detail": "未找到该地址"}


def test_the_list_and_the_audit_log_read_through_the_api(api):
    revisions = api.call("GET", "/lists", "guest").json()
    assert [(r["revision"], r["enterprises"]) for r in revisions] == [(1, 300)]
    found = api.call("GET", "/lists/1/enterprises", "guest", params={"limit": 2}).json()
    assert found["total"] == 300
    uscc = found["enterprises"][0]["uscc"]
    e = api.call("GET", f"/lists/1/enterprises/{uscc}", "guest").json()
    assert e["uscc"] == uscc
    assert set(e["lines"][0]["measures"]) == {"yellow", "orange", "red"}
    assert api.call("GET", "/lists/1/enterprises/X", "guest").status_code == 404
    api.call("POST", "/alerts", "zhang", json=DRAFT)
    assert api.call("GET", "/audit", "guest").status_code == 403
    entries = api.call("GET", "/audit", "zhang", params={"action": "draft_issue"}).json()
    assert entries["total"] == 1
    assert entries["entries"][0]["actor"] == "张值班"


def test_the_openapi_document_lists_the_api_only(api):
    spec = requests.get(api.url + "/api/openapi.json", timeout=10).json()
    paths = set(spec["paths"])
    assert {f"{API}/alerts", f"{API}/alerts/{{alert_id}}/approve", f"{API}/audit"} <= paths
    assert all(p.startswith(API) for p in paths)  # no console or enterprise pages
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_generated_requests_never_get_a_server_error(api):
    """schemathesis generates requests for every operation of the OpenAPI document (valid and
    invalid bodies, parameters and paths) as the duty officer, so that they reach the handlers;
    no response may be a 5xx. (Driven through hypothesis directly: schemathesis' pytest plugin
    does not load under pytest 9.)"""
    schema = schemathesis.openapi.from_url(api.url + "/api/openapi.json")
    headers = {"Authorization": f"Bearer {api.tokens['zhang']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()


def test_a_draft_overlapping_the_alert_in_force_is_a_409_naming_it(api):
    alert_id = api.call("POST", "/alerts", "zhang", json=DRAFT).json()["id"]
    api.clock.advance(minutes=30)
    assert api.call("POST", f"/alerts/{alert_id}/approve", "wang", json={}).status_code == 200
    # approved, not yet issued: it already holds the area
    red = {**DRAFT, "level": "red", "start": "2026-01-07T00:00", "end": "2026-01-10T00:00"}
    r = api.call("POST", "/alerts", "li", json=red)
    assert r.status_code == 409
    assert r.json()["detail"].startswith(f"与预警{alert_id}时段重叠：该预警已批准、尚未发布")
    assert api.call("POST", f"/alerts/{alert_id}/issue", "li", json={}).status_code == 200
    r = api.call("POST", "/alerts", "li", json=red)
    assert r.status_code == 409
    assert "请对预警1起草升级、降级或延长" in r.json()["detail"]
    # the way it points at works
    up = {"level": "red", "start": "2026-01-07T00:00", "end": "2026-01-10T00:00", "reason": "加重"}
    assert api.call("POST", f"/alerts/{alert_id}/upgrade", "li", json=up).status_code == 200
    assert [a["alert_id"] for a in api.call("GET", "/alerts", "guest").json()] == [alert_id]


def test_the_band_below_yellow_is_drafted_and_issued_through_the_api(api):
    band = {**DRAFT, "level": "adverse", "reason": "依据省气联〔2026〕5号通知"}
    r = api.call("POST", "/alerts", "zhang", json=band)
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    assert r.json()["current"]["level"] == "adverse"
    api.clock.advance(minutes=30)
    r = api.call("POST", f"/alerts/{alert_id}/approve", "wang", json={})
    assert r.status_code == 200, r.text
    assert r.json()["current"]["targets"] is None  # no list measures: nothing checked
    assert api.call("POST", f"/alerts/{alert_id}/issue", "li", json={}).status_code == 200
    r = api.call("POST", "/alerts", "zhang", json={**band, "reason": " "})
    assert r.status_code == 400
    assert r.json()["detail"].startswith("请填写起草理由")


def test_times_out_of_range_or_out_of_order_are_json_errors_naming_the_field(engine, api):
    cases = [
        (
            {**DRAFT, "start": "0001-01-01T00:00"},
            "开始时间: 时间“0001-01-01T00:00:00”超出可处理的年份范围",
        ),
        (
            {**DRAFT, "end": "9999-12-31T23:00"},
            "结束时间: 时间“9999-12-31T23:00:00”超出可处理的年份范围",
        ),
        ({**DRAFT, "end": "2026-01-05T00:00"}, "结束时间须晚于开始时间"),
    ]
    for body, message in cases:
        r = api.call("POST", "/alerts", "zhang", json=body)
        assert r.status_code == 400, r.text
        assert r.headers["content-type"].startswith("application/json")
        assert message in r.json()["detail"]
    assert api.call("GET", "/alerts", "guest").json() == []


def test_alerts_of_disjoint_counties_are_drafted_and_issued_through_the_api(api):
    north = {**DRAFT, "counties": ["北山县"]}
    r = api.call("POST", "/alerts", "zhang", json=north)
    assert r.status_code == 201, r.text
    first = r.json()["id"]
    assert r.json()["current"]["counties"] == ["北山县"]
    south = {**DRAFT, "counties": ["南川县", "河口县"]}
    second = api.call("POST", "/alerts", "zhang", json=south).json()["id"]
    api.clock.advance(minutes=30)
    for alert_id in (first, second):
        r = api.call("POST", f"/alerts/{alert_id}/approve", "wang", json={"override": "区县预警"})
        assert r.status_code == 200, r.text
        assert api.call("POST", f"/alerts/{alert_id}/issue", "li", json={}).status_code == 200
    # both in force over the same hours; a third sharing 河口县 is refused naming the second
    r = api.call("POST", "/alerts", "zhang", json={**DRAFT, "counties": ["河口县"]})
    assert r.status_code == 409
    assert r.json()["detail"].startswith(f"与预警{second}时段重叠")
    r = api.call("POST", "/alerts", "zhang", json={**DRAFT, "counties": ["北山镇"]})
    assert r.status_code == 400
    assert r.json()["detail"].startswith("“北山镇”不是示例市的区县")
