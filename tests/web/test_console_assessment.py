"""The effect assessment on the console and in the API, over real HTTP: the sample episode
(issued, delivered, partly acknowledged, lifted) assessed with the monitoring source's
observations, as a page, as a PDF download and as JSON; every signed-in role may read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from orchestrator.alerts.model import AlertLevel
from orchestrator.response.model import Draft, RevisionKind
from tests.support.app import DUTY, accounts, office_of
from tests.support.assessment import episode
from tests.support.base import at
from tests.support.consultation import config
from tests.support.delivery import Clock, delivery_config
from tests.support.web import Browser, Served, add_users, web_app


@pytest.fixture
def site(engine, tmp_path) -> Iterator[tuple[Served, dict[str, Any], str]]:
    ep = episode(engine, tmp_path)
    add_users(engine, ("guest", "访客", "viewer"), now=at(9, 10))
    token = accounts(engine).issue_token("guest", "test", now=at(9, 10))
    with Served(
        web_app(
            engine,
            Clock(at(9, 10)),
            data_dir=tmp_path,
            delivery=delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}}),
            consultation=config(monitoring=True),  # the assessment's observations
        )
    ) as served:
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
    v = office_of(engine).draft(Draft(kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(20), end=at(22), reason="会商研判"), by=DUTY, now=at(9, 10))  # fmt: skip
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
