"""每日调度 in the console: the units of an alert with their state, the day's roll-up with its
Excel (read back with openpyxl) and PDF, and a report entered by the office (代报) — which a
viewer may not enter."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from orchestrator.daily.model import Via
from tests.support.app import BASE, app, issue_sample, load_list
from tests.support.delivery import Clock
from tests.support.web import Served, add_users, signed_in, web_app

Z = BASE.settings.zone
D6 = dt.date(2026, 1, 6)
NOW = dt.datetime(2026, 1, 6, 17, tzinfo=Z)


@pytest.fixture
def desk(engine, tmp_path):
    alert_id, _ = issue_sample(engine)
    add_users(engine, ("zhang", "张值班", "duty_officer"), ("guest", "访客", "viewer"), now=NOW)
    daily = app(engine).daily()
    lst = load_list(engine, 1)
    for e in lst.enterprises[:5]:
        n = len(daily.owes(alert_id, e.uscc, D6).owed)
        daily.submit(alert_id, e.uscc, D6, done=[True] * n, notes=[""] * n, by="厂长",
                     via=Via.API, now=NOW - dt.timedelta(hours=3))  # fmt: skip
    zhujian = BASE.network.unit("zhujian")
    daily.submit(alert_id, zhujian.uscc, D6, done=[True], notes=[""], figures=["12"],
                 by="住建值班", via=Via.PAGE, now=NOW - dt.timedelta(hours=2))  # fmt: skip
    with Served(web_app(engine, Clock(NOW), data_dir=tmp_path)) as served:
        yield served, alert_id, signed_in(served, "zhang"), signed_in(served, "guest")


def test_the_units_page_shows_each_unit_s_state(desk):
    _, alert_id, zhang, _ = desk
    page = zhang.get(f"/alerts/{alert_id}/units?day=2026-01-06")
    assert page.status_code == 200
    assert (
        f"最新任务单发往{len(BASE.network.units)}个单位，已签收0个，2026-01-06已报送日报1个"
        in page.text
    )
    assert page.text.count("<tr><td>") == len(BASE.network.units)
    assert "市住房和城乡建设局" in page.text
    assert "数字：12" in page.text
    assert zhang.get(f"/alerts/{alert_id + 9}/units").status_code == 404


def test_the_roll_up_page_and_its_downloads(desk):
    _, alert_id, zhang, _ = desk
    page = zhang.get(f"/alerts/{alert_id}/daily?day=2026-01-06")
    assert page.status_code == 200
    expected = 300 + len(BASE.network.units)
    assert f'<tr><th scope="row">应报</th><td>{expected}（企业300家' in page.text
    assert "停止施工工地数（处）</th><td>12</td>" in page.text
    xlsx = zhang.get(f"/alerts/{alert_id}/daily.xlsx?day=2026-01-06")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["汇总", "分县区", "分乡镇", "成员单位", "存在问题", "未报送"]
    rows = list(book["汇总"].iter_rows(values_only=True))
    assert rows[1][:4] == ("单位或区域", "应报", "已报", "未报")
    assert rows[2][:4] == ("全市", expected, 6, expected - 6)
    assert len(list(book["未报送"].iter_rows(values_only=True))) == 1 + expected - 6
    counties = list(book["分县区"].iter_rows(values_only=True))[1:]
    assert sum(r[1] for r in counties) == expected - sum(
        1 for u in BASE.network.units if not u.county
    )
    # a day the alert was not in force: refused, saying why
    refused = zhang.get(f"/alerts/{alert_id}/daily?day=2026-01-05")
    assert refused.status_code == 404
    assert "不在执行期内" in refused.text


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_roll_up_prints(desk):
    _, alert_id, zhang, _ = desk
    pdf = zhang.get(f"/alerts/{alert_id}/daily.pdf?day=2026-01-06")
    assert pdf.status_code == 200
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "示例市应急管控工作日报" in text
    assert "— 1 —" in text


def test_the_office_enters_a_report_a_unit_phoned_in(engine, desk):
    _, alert_id, zhang, guest = desk
    jiaojing = BASE.network.unit("jiaojing")
    url = f"/alerts/{alert_id}/daily/entry?code={jiaojing.uscc}&day=2026-01-06"
    form = zhang.get(url)
    assert form.status_code == 200
    assert "劝返、查处违规车辆数（辆）" in form.text
    assert guest.get(url).status_code == 403
    fields = {"code": jiaojing.uscc, "day": "2026-01-06", "done_0": "1", "figure_0": "",
              "note_0": "", "note": "", "by": "交警值班刘警官"}  # fmt: skip
    bad = zhang.post(f"/alerts/{alert_id}/daily", {"csrf": zhang.csrf(), **fields})
    assert bad.status_code == 400
    assert "请填写劝返、查处违规车辆数（辆）" in bad.text
    refused = guest.post(f"/alerts/{alert_id}/daily", {"csrf": guest.csrf(), **fields})
    assert refused.status_code == 403
    fields["figure_0"] = "35"
    ok = zhang.post(f"/alerts/{alert_id}/daily", {"csrf": zhang.csrf(), **fields})
    assert ok.status_code == 303
    assert "日报已代为报送" in zhang.get(ok.headers["Location"]).text
    got = app(engine).daily().report(alert_id, jiaojing.uscc, D6)
    assert got.via is Via.CONSOLE
    assert got.by == "交警值班刘警官（张值班代报）"
    assert got.items[0].figure == 35
