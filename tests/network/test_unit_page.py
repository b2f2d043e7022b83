"""A unit's signed page over real HTTP (uvicorn on loopback): its task notices of the alert,
signing for them, and its daily report duty by duty with the matrix's figures — counted in the
roll-up; an enterprise's implementation report on a day in force is its daily report too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests

from tests.support.app import BASE, ISSUED_AT, app, issue_sample
from tests.support.base import LINKS
from tests.support.delivery import Clock
from tests.support.web import Served, web_app

Z = BASE.settings.zone
D6 = dt.date(2026, 1, 6)


@pytest.fixture
def site(engine) -> Iterator[tuple[Served, Clock, int, int]]:
    alert_id, revision_id = issue_sample(engine)  # orange from 6 Jan 0时
    clock = Clock(dt.datetime(2026, 1, 6, 10, tzinfo=Z))
    with Served(web_app(engine, clock)) as served:
        yield served, clock, alert_id, revision_id


def link(alert_id: int, code: str, served: Served) -> str:
    return f"{served.url}/ack/{LINKS.token(alert_id, code, LINKS.expiry(ISSUED_AT))}"


def test_a_unit_signs_its_task_notice_and_reports_each_day(engine, site):
    served, clock, alert_id, revision_id = site
    zhujian = BASE.network.unit("zhujian")
    url = link(alert_id, zhujian.uscc, served)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert "<h1>市住房和城乡建设局</h1>" in page.text
    assert "签收本任务单" in page.text
    assert "请先签收本单位最新任务单，再报送日报" in page.text
    original = requests.get(f"{url}/order/{revision_id}", timeout=5)
    assert original.status_code == 200
    assert "重污染天气应急响应任务单" in original.text
    assert "负责督促落实的扬尘源工地（30处）" in original.text
    assert requests.get(f"{url}/order/{revision_id + 99}", timeout=5).status_code == 404
    # a daily report before signing is refused
    early = requests.post(f"{url}/daily", data={"day": "2026-01-06", "done_0": "1",
                          "figure_0": "3", "by": "住建值班"}, timeout=5)  # fmt: skip
    assert early.status_code == 400
    assert "请先签收" in early.text
    signed = requests.post(f"{url}/acknowledge", data={"ref": revision_id, "signer": "赵敏"},
                           timeout=5)  # fmt: skip
    assert signed.status_code == 200
    assert "签收人：赵敏" in signed.text
    assert "1月6日应急管控日报" in signed.text
    assert "停止施工工地数（处）" in signed.text
    # the figure is required; the refusal names the item
    missing = requests.post(f"{url}/daily", data={"day": "2026-01-06", "done_0": "1",
                            "figure_0": "", "note_0": "", "by": "赵敏"}, timeout=5)  # fmt: skip
    assert missing.status_code == 400
    assert "请填写停止施工工地数（处）" in missing.text
    assert app(engine).daily().report(alert_id, zhujian.uscc, D6) is None
    ok = requests.post(f"{url}/daily", data={"day": "2026-01-06", "done_0": "1",
                       "figure_0": "27", "note_0": "", "note": "无", "by": "赵敏"}, timeout=5)  # fmt: skip
    assert ok.status_code == 200
    assert "日报已报送" in ok.text
    assert 'value="27"' in ok.text  # the form shows what was reported
    r = app(engine).daily().roll_up(alert_id, D6, clock.now())
    line = next(m for m in r.members if m.name == "市住房和城乡建设局")
    assert line.reported
    assert dict(line.figures) == {"停止施工工地数（处）": 27}
    # a day not begun cannot be reported
    later = requests.post(f"{url}/daily", data={"day": "2026-01-07", "done_0": "1",
                          "figure_0": "1", "by": "赵敏"}, timeout=5)  # fmt: skip
    assert later.status_code == 400
    assert "该日尚未到来" in later.text


def test_links_open_their_own_unit_and_an_enterprise_posts_no_unit_report(engine, site):
    served, _, alert_id, _ = site
    # a unit of no task in this alert, a forged link, an enterprise's link
    other = link(alert_id + 1, BASE.network.unit("zhujian").uscc, served)
    assert requests.get(other, timeout=5).status_code == 404
    forged = link(alert_id, "11999900100070014A", served)[:-3] + "abc"
    assert requests.get(forged, timeout=5).status_code == 404
    firm = link(alert_id, "91999900MA0000002C", served)
    refused = requests.post(f"{firm}/daily", data={"day": "2026-01-06"}, timeout=5)
    assert refused.status_code == 404


def test_an_enterprise_s_report_is_its_daily_report_while_in_force(engine, site):
    served, clock, alert_id, revision_id = site
    uscc = "91999900MA0000002C"
    url = link(alert_id, uscc, served)
    requests.post(f"{url}/acknowledge", data={"ref": revision_id, "signer": "刘磊"}, timeout=5)
    page = requests.get(url, timeout=5).text
    lines = page.count('name="done_') // 2
    form = {"ref": revision_id, "note": ""}
    for i in range(lines):
        form[f"done_{i}"] = "1"
        form[f"note_{i}"] = ""
    form["done_0"] = "0"
    # a line not done needs its reason in the daily report
    refused = requests.post(f"{url}/report", data=form, timeout=5)
    assert refused.status_code == 400
    assert "未落实的须说明原因" in refused.text
    form["note_0"] = "窑炉检修，已报属地"
    ok = requests.post(f"{url}/report", data=form, timeout=5)
    assert ok.status_code == 200
    got = app(engine).daily().report(alert_id, uscc, D6)
    assert got is not None
    assert not got.complete
    assert got.by == "刘磊"
    r = app(engine).daily().roll_up(alert_id, D6, clock.now())
    assert [(p.name, p.note) for p in r.problems] == [
        ("示例市通鑫水泥有限公司", "窑炉检修，已报属地")
    ]
