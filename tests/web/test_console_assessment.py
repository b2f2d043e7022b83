"""The effect assessment on the console and in the API, over real HTTP: the sample episode
(issued, delivered, partly acknowledged, lifted) assessed with the monitoring source's
observations, as a page, as a PDF download and as JSON; every signed-in role may read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from orchestrator import command_office as office
from orchestrator.alerts.model import AlertLevel
from orchestrator.plans.lifecycle import RevisionKind
from orchestrator.web import accounts
from orchestrator.web.console import AlertDesk
from tests.assessment.test_service import assessor, episode
from tests.conftest import LINKS, at
from tests.consultation.conftest import config, consultant
from tests.delivery.conftest import Clock, delivery_config
from tests.delivery.test_enterprise_pages import Served, web_app
from tests.test_command_office import APPROVALS, CITY, DUTY
from tests.web.test_console import Browser, add_users, console_site


@pytest.fixture
def site(engine, tmp_path) -> Iterator[tuple[Served, dict[str, Any], str]]:
    ep = episode(engine, tmp_path)
    add_users(engine, ("guest", "访客", "viewer"), now=at(9, 10))
    token = accounts.issue_token(engine, "guest", "test", now=at(9, 10))
    monitoring = consultant(engine, config(monitoring=True), tmp_path).observations_between
    desk = AlertDesk(
        approvals=APPROVALS,
        city=CITY,
        links=LINKS,
        delivery=delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}}),
        assessor=assessor(engine, monitoring=monitoring),
    )
    with Served(web_app(engine, Clock(at(9, 10)), console=console_site(desk))) as served:
        yield served, ep, token


def test_the_assessment_page_pdf_and_json(engine, site):
    served, ep, token = site
    guest = Browser(served.url)
    assert guest.sign_in("guest").status_code == 303
    alert = guest.get(f"/alerts/{ep['alert_id']}").text
    assert f'href="/alerts/{ep["alert_id"]}/assessment"' in alert
    page = guest.get(f"/alerts/{ep['alert_id']}/assessment")
    assert page.status_code == 200
    assert "应急响应效果评估报告" in page.text
    assert "示重污应急〔2026〕2号" in page.text
    assert "监测数据源（stations_hourly.csv）" in page.text
    assert "实况达到红色预警条件" in page.text
    pdf = guest.get(f"/alerts/{ep['alert_id']}/assessment.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in pdf.headers["content-disposition"]

    r = requests.get(
        f"{served.url}/api/v1/alerts/{ep['alert_id']}/assessment",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "lifted"
    assert [s["document_number"] for s in data["steps"]] == [
        "示重污应急〔2026〕1号",
        "示重污应急〔2026〕2号",
    ]


def test_an_unknown_or_unissued_alert_is_a_404_and_strangers_sign_in_first(engine, site):
    served, ep, token = site
    stranger = requests.get(f"{served.url}/alerts/{ep['alert_id']}/assessment", timeout=10,
                            allow_redirects=False)  # fmt: skip
    assert stranger.status_code == 303
    assert stranger.headers["location"].startswith("/login")
    guest = Browser(served.url)
    guest.sign_in("guest")
    missing = guest.get("/alerts/99/assessment")
    assert missing.status_code == 404
    assert "预警99不存在" in missing.text
    v = office.draft(
        engine, region=CITY.region_code, kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW,
        start=at(20), end=at(22), by=DUTY, reason="会商研判", now=at(9, 10),
    )  # fmt: skip
    draft = guest.get(f"/alerts/{v.alert_id}/assessment.pdf")
    assert draft.status_code == 404
    assert "尚未发布" in draft.text
    api = requests.get(
        f"{served.url}/api/v1/alerts/{v.alert_id}/assessment",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert api.status_code == 404
    assert "尚未发布" in api.json()["detail"]
