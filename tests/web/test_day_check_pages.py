"""The day's reduction check where people read it: the console's draft preview and the API's
``/lists/check`` show the figures approval then freezes, with the staggered-production round in
force discounted; the check needs a token."""

from __future__ import annotations

import datetime as dt
import re

import requests

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import Species
from tests.support.app import accounts, app
from tests.support.base import ZONE
from tests.support.controls import office as control_office
from tests.support.web import signed_in

ROUND_AT = dt.datetime(2025, 11, 10, 9, tzinfo=ZONE)
START = dt.datetime(2026, 1, 6, tzinfo=ZONE)
TITLE = "关于实施2025—2026年秋冬季错峰生产的通知"


def test_preview_api_and_approval_show_the_same_discounted_figures(engine, desk, tmp_path):
    served, clock = desk
    assert control_office(engine, tmp_path).run("staggered", at=ROUND_AT, now=ROUND_AT).round_id
    day = app(engine).lists().level_check(AlertLevel.ORANGE, START, on=START.date())
    assert day is not None
    so2 = day.check.species[Species.SO2]
    assert so2.already_controlled_kg_d > 1000

    zhang = signed_in(served, "zhang")
    preview = zhang.get("/alerts/new?level=orange&start=2026-01-06T00:00").text
    assert f"已扣除常态化管控已要求的减排量：《{TITLE}》" in preview
    row = re.search(r"<tr><td>SO2</td><td>([\d.]+)</td><td>([\d.]+)</td>", preview)
    assert row is not None
    assert float(row.group(1)) == round(so2.reduction_kg_d, 1)
    assert float(row.group(2)) == round(so2.already_controlled_kg_d, 1)

    token = accounts(engine).issue_token("guest", "test", now=clock.now())
    url = served.url + "/api/v1/lists/check"
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.get(
        url, params={"level": "orange", "at": "2026-01-06T00:00"}, headers=auth, timeout=10
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["revision"] == 1
    assert body["controls"] == [TITLE]
    assert body["species"]["SO2"]["reduction_kg_d"] == so2.reduction_kg_d
    assert body["species"]["SO2"]["already_controlled_kg_d"] == so2.already_controlled_kg_d
    # before the list took effect there is nothing to check; bad input is a 4xx in Chinese
    r = requests.get(
        url, params={"level": "orange", "at": "2025-01-01T00:00"}, headers=auth, timeout=10
    )
    assert r.status_code == 404
    assert r.json()["detail"] == "2025-01-01没有生效的应急减排清单"
    r = requests.get(url, params={"level": "orange", "at": "明天"}, headers=auth, timeout=10)
    assert r.status_code == 400
    assert "at" in r.json()["detail"]
    assert requests.get(url, params={"level": "orange"}, timeout=10).status_code == 401

    # approval freezes the same figures
    form = {
        "level": "orange",
        "start": "2026-01-06T00:00",
        "end": "2026-01-09T00:00",
        "reason": "会商研判：6日起持续重度污染",
        "csrf": zhang.csrf(),
    }
    alert_url = zhang.post("/alerts", form).headers["Location"].split("?")[0]
    wang = signed_in(served, "wang")
    assert wang.post(alert_url + "/approve", {"csrf": wang.csrf()}).status_code == 303
    alert_id = alert_url.rsplit("/", 1)[1]
    shown = requests.get(served.url + f"/api/v1/alerts/{alert_id}", headers=auth, timeout=10).json()
    assert shown["current"]["status"] == "approved"
    frozen = shown["current"]["targets"]
    assert frozen["controls"] == [TITLE]
    assert frozen["species"]["SO2"]["already_controlled_kg_d"] == so2.already_controlled_kg_d
