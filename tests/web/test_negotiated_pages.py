"""Negotiated reductions where people record them: the alert's page (its form and its remove
button, for the roles that draft, with the session's CSRF token) and the API (GET, POST, DELETE
with a token of a role that drafts); errors come back in Chinese with their status."""

from __future__ import annotations

import re

import requests

from tests.support.app import accounts
from tests.support.web import signed_in

A_GRADE = "91999905MA0000087C"  # 示例市恒华钢铁有限公司, lines 1#烧结机 and 2#烧结机


def draft(zhang) -> str:
    form = {
        "level": "orange",
        "start": "2026-01-06T00:00",
        "end": "2026-01-09T00:00",
        "reason": "会商研判",
        "csrf": zhang.csrf(),
    }
    return zhang.post("/alerts", form).headers["Location"].split("?")[0]


def test_the_alert_page_records_and_removes_an_agreement(desk):
    served, _ = desk
    zhang = signed_in(served, "zhang")
    alert_url = draft(zhang)
    page = zhang.get(alert_url).text
    assert "录入协商减排（批准前）" in page
    form = {
        "uscc": A_GRADE,
        "lines": "2#烧结机",
        "kind": "stop",
        "measure": "2#烧结机停产至1月9日0时",
        "so2": "196.8",
        "nox": "",
        "reference": "示协〔2026〕1号",
        "agreed_by": "李厂长",
        "csrf": zhang.csrf(),
    }
    r = zhang.post(alert_url + "/negotiated", form)
    assert r.status_code == 303
    page = zhang.get(r.headers["Location"]).text
    assert "已录入协商减排，批准时计入减排量核算。" in page
    assert "示协〔2026〕1号（李厂长）" in page
    assert "SO2 196.8" in page
    # bad input: the page again, the reason in Chinese, nothing more stored
    bad = zhang.post(alert_url + "/negotiated", {**form, "so2": "很多", "csrf": zhang.csrf()})
    assert bad.status_code == 400
    assert "SO2减排量：请填写数字（千克/日），实为“很多”" in bad.text
    twice = zhang.post(alert_url + "/negotiated", {**form, "csrf": zhang.csrf()})
    assert twice.status_code == 409
    assert "已有协商减排记录" in twice.text
    # a viewer sees it but has neither the form nor the button
    guest = signed_in(served, "guest")
    seen = guest.get(alert_url).text
    assert "示协〔2026〕1号（李厂长）" in seen
    assert "录入协商减排（批准前）" not in seen
    assert guest.post(alert_url + "/negotiated", {**form, "csrf": guest.csrf()}).status_code == 403
    # removed before approval
    remove = re.search(r'action="(/alerts/\d+/negotiated/\d+/remove)"', page)
    assert remove is not None
    r = zhang.post(remove.group(1), {"csrf": zhang.csrf()})
    assert r.status_code == 303
    assert "尚无协商减排记录" in zhang.get(alert_url).text


def test_the_api_records_lists_and_removes_an_agreement(engine, desk):
    served, clock = desk
    zhang = signed_in(served, "zhang")
    alert_id = draft(zhang).rsplit("/", 1)[1]
    duty = accounts(engine).issue_token("zhang", "test", now=clock.now())
    viewer = accounts(engine).issue_token("guest", "test", now=clock.now())
    url = f"{served.url}/api/v1/alerts/{alert_id}/negotiated"
    body = {
        "uscc": A_GRADE,
        "lines": ["2#烧结机"],
        "kind": "stop",
        "measure": "2#烧结机停产至1月9日0时",
        "reduction_kg_d": {"SO2": 196.8, "NOx": 598.3},
        "reference": "示协〔2026〕1号",
        "agreed_by": "李厂长",
    }
    as_viewer = {"Authorization": f"Bearer {viewer}"}
    as_duty = {"Authorization": f"Bearer {duty}"}
    assert requests.post(url, json=body, headers=as_viewer, timeout=10).status_code == 403
    r = requests.post(url, json=body, headers=as_duty, timeout=10)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "示例市恒华钢铁有限公司"
    assert made["reduction_kg_d"] == {"SO2": 196.8, "NOx": 598.3, "PM": 0.0, "VOCs": 0.0}
    assert made["start"] == "2026-01-06T00:00:00+08:00"
    listed = requests.get(url, headers=as_viewer, timeout=10).json()
    assert [n["id"] for n in listed] == [made["id"]]
    over = requests.post(
        url,
        json={
            **body,
            "uscc": "91999904MA0000039Y",
            "lines": ["1#烧结机"],
            "reduction_kg_d": {"SO2": 250},
        },
        headers=as_duty,
        timeout=10,
    )
    assert over.status_code == 400
    assert over.json()["detail"].startswith("协商减排量SO2（250千克/日）超过所涉生产线")
    gone = requests.delete(
        f"{served.url}/api/v1/negotiated/{made['id']}", headers=as_duty, timeout=10
    )
    assert gone.status_code == 200
    assert requests.get(url, headers=as_viewer, timeout=10).json() == []
    missing = requests.delete(f"{served.url}/api/v1/negotiated/99", headers=as_duty, timeout=10)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "协商减排99不存在"
