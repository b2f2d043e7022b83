"""The emission-list pages and the audit log over real HTTP: search and filters counted against
the stored list, one enterprise's 一厂一策, an upload validated and compared before a person
allowed to confirms it (nothing stored before), and every action in the audit log."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orchestrator.alerts.model import ALERT_LEVELS
from orchestrator.db.lists import ListStore
from orchestrator.db.tables import audit_log, list_revisions
from tests.support.app import CITY, SAMPLE, do_import
from tests.support.base import ZONE
from tests.support.delivery import Clock
from tests.support.web import Browser, Served, add_users, signed_in, web_app
from tests.support.workbooks import broken, col
from tests.support.workbooks import set_cell as _set

NOW = dt.datetime(2026, 1, 4, 20, 0, tzinfo=ZONE)


@pytest.fixture
def lists(engine, tmp_path) -> Iterator[Served]:
    do_import(engine, SAMPLE)
    add_users(
        engine,
        ("zhou", "周主任", "director"),
        ("zhang", "张值班", "duty_officer"),
        ("guest", "访客", "viewer"),
        now=NOW,
    )
    with Served(web_app(engine, Clock(NOW), data_dir=tmp_path)) as served:
        yield served


def shown(page: str) -> int:
    return int(re.search(r"共(\d+)家", page).group(1))


def test_search_and_filters_match_the_stored_list(engine, lists):
    guest = signed_in(lists, "guest")
    with engine.connect() as conn:
        lst = ListStore(conn).load(CITY.region_code, 1)
    page = guest.get("/lists").text
    assert "第1版" in page
    assert "（生效中）" in page
    assert "上传新版本" not in page  # a viewer may read, not upload
    page = guest.get("/lists/1").text
    assert shown(page) == 300
    assert "第1/3页" in page
    assert "第3/3页" in guest.get("/lists/1?page=3").text
    e = lst.enterprises[7]
    for field, value, expected in (
        ("county", e.county, sum(x.county == e.county for x in lst.enterprises)),
        ("grade", e.grade.value, sum(x.grade is e.grade for x in lst.enterprises)),
        (
            "industry",
            e.lines[0].industry,
            sum(e.lines[0].industry in x.industries for x in lst.enterprises),
        ),
    ):
        assert 0 < expected < 300
        assert shown(guest.get(f"/lists/1?{field}={value}").text) == expected, field
    both = guest.get(f"/lists/1?county={e.county}&grade={e.grade.value}").text
    assert shown(both) == sum(x.county == e.county and x.grade is e.grade for x in lst.enterprises)
    page = guest.get("/lists/1", params={"q": e.name[2:6]}).text
    assert e.name in page
    assert shown(page) == sum(e.name[2:6] in x.name for x in lst.enterprises)
    assert shown(guest.get("/lists/1", params={"q": e.uscc}).text) == 1
    assert shown(guest.get("/lists/1", params={"q": "%"}).text) == 0  # not a wildcard
    assert guest.get("/lists/9").status_code == 404


def test_an_enterprise_shows_its_measures_at_every_level(engine, lists):
    guest = signed_in(lists, "guest")
    with engine.connect() as conn:
        lst = ListStore(conn).load(CITY.region_code, 1)
    e = max(lst.enterprises, key=lambda x: len(x.lines))
    page = guest.get(f"/lists/1/enterprises/{e.uscc}").text
    assert e.name in page
    for ln in e.lines:
        assert ln.name in page
        for lv in ALERT_LEVELS:
            m = ln.measure(lv)
            assert m is not None
            assert m.text in page
    assert guest.get("/lists/1/enterprises/91999900MA00000010").status_code == 404
    # a load-capped enterprise's page shows each level's cap, as the list structures it
    capped = next(x for x in lst.enterprises if any(m.cap for ln in x.lines for m in ln.measures))
    page = guest.get(f"/lists/1/enterprises/{capped.uscc}").text
    assert "负荷上限：80%" in page
    assert "负荷上限：70%" in page


def _sheet_edit(wb) -> None:
    """A new revision: one enterprise's grade lowered, one renamed with markup, one removed."""
    ws = wb["工业源"]
    grade = col(ws, "绩效等级")
    name = col(ws, "企业名称")
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, name).value]
    ws.cell(rows[0], grade).value = "D"
    ws.cell(rows[1], name).value = '<img src=x onerror="alert(1)">钢铁有限公司'
    last = rows[-1]
    ws.delete_rows(last, ws.max_row - last + 1)


def upload(b: Browser, path: Path, effective: str = "2026-02-01"):
    with path.open("rb") as f:
        return b.http.post(
            b.url + "/lists/upload",
            data={"csrf": b.csrf(), "effective_from": effective},
            files={"file": (path.name, f, "application/octet-stream")},
            timeout=30,
            allow_redirects=False,
        )


def revisions(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(list_revisions)).scalar_one()


def test_a_broken_upload_names_each_problem_and_stores_nothing(engine, lists, tmp_path):
    zhou = signed_in(lists, "zhou")
    edit = _set("工业源", "区县", "月亮县")
    r = upload(zhou, broken(tmp_path, edit))
    assert r.status_code == 400
    assert f"broken.xlsx:工业源:{edit.row}:区县: 未知区县“月亮县”" in r.text
    assert "确认导入" not in r.text
    assert str(tmp_path) not in r.text  # the server's folders are not shown
    assert not list((tmp_path / "uploads").rglob("*.xlsx"))  # a file with problems is not kept
    text = tmp_path / "notes.txt"
    text.write_text("not a list", encoding="utf-8")
    r = upload(zhou, text)
    assert r.status_code == 400
    assert "notes.txt：仅支持xlsx" in r.text
    assert revisions(engine) == 1


def test_an_upload_is_compared_then_imported_once_by_an_allowed_person(engine, lists, tmp_path):
    zhou, zhang = signed_in(lists, "zhou"), signed_in(lists, "zhang")
    path = broken(tmp_path, _sheet_edit)
    assert upload(zhang, path).status_code == 403  # duty officers do not change the list
    r = upload(zhou, path)
    assert r.status_code == 200
    assert "校验通过" in r.text
    assert "与第1版的差异" in r.text
    assert "新增企业0家，删除1家，等级调整1家，措施调整0处" in r.text
    assert revisions(engine) == 1  # nothing stored before confirmation
    sha = re.search(r'name="sha" value="([0-9a-f]{64})"', r.text).group(1)
    form = {"csrf": zhou.csrf(), "sha": sha, "name": "broken.xlsx", "effective_from": "2026-02-01"}
    assert zhang.post("/lists/import", {**form, "csrf": zhang.csrf()}).status_code == 403
    assert zhou.post("/lists/import", {**form, "csrf": "forged"}).status_code == 403
    bad = zhou.post("/lists/import", {**form, "sha": "../../etc"})
    assert bad.status_code == 400
    assert "已失效" in bad.text
    r = zhou.post("/lists/import", form)
    assert r.status_code == 303
    assert r.headers["Location"] == "/lists/2?done=import"
    assert revisions(engine) == 2
    with engine.connect() as conn:
        new = ListStore(conn).load(CITY.region_code, 2)
        old = ListStore(conn).load(CITY.region_code, 1)
    assert len(new.enterprises) < len(old.enterprises)
    page = zhou.get("/lists/2?done=import").text
    assert "已导入为新版本" in page
    assert shown(page) == len(new.enterprises)
    assert "&lt;img src=x" in page
    assert "<img src=x" not in page
    # the same file again is not a new revision
    r = upload(zhou, path)
    assert "内容与第2版相同" in r.text
    sha = re.search(r'name="sha" value="([0-9a-f]{64})"', r.text).group(1)
    r = zhou.post("/lists/import", {**form, "sha": sha, "csrf": zhou.csrf()})
    assert r.headers["Location"] == "/lists/2?done=exists"
    assert revisions(engine) == 2
    with engine.connect() as conn:
        imports = conn.execute(
            select(audit_log.c.actor, audit_log.c.reason).where(audit_log.c.action == "list_import")
        ).all()
    # every import is audited where it happens (the setup's too), the console's under its user
    assert imports == [
        ("测试导入", "第1版，2025-10-01起生效"),
        ("周主任", "第2版，2026-02-01起生效"),
    ]


def test_uploads_never_confirmed_are_forgotten_after_a_day(engine, lists, tmp_path):
    old = tmp_path / "uploads" / ("0" * 64)
    old.mkdir(parents=True)
    (old / "forgotten.xlsx").write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    fresh = tmp_path / "uploads" / ("1" * 64)
    fresh.mkdir()
    upload(signed_in(lists, "zhou"), broken(tmp_path, _sheet_edit))
    assert not old.exists()
    assert fresh.exists()


def test_the_audit_log_lists_who_did_what(engine, lists):
    bad = Browser(lists.url)
    assert bad.sign_in("zhang", "wrong-password-1").status_code == 401
    zhou = signed_in(lists, "zhou")
    page = zhou.get("/audit").text
    assert "登录失败" in page
    assert "周主任" in page
    assert re.search(r"<td>zhang</td><td>登录失败</td>", page)
    only = zhou.get("/audit?action=sign_in").text
    assert "登录失败" not in only.split("<table>")[1]
    assert shown_entries(only) == 1
    assert signed_in(lists, "guest").get("/audit").status_code == 403
    assert Browser(lists.url).get("/audit").status_code == 303


def shown_entries(page: str) -> int:
    return int(re.search(r"共(\d+)条", page).group(1))


@pytest.mark.hostile
def test_a_hostile_workbook_is_refused_and_the_server_goes_on(engine, lists, tmp_path):
    """One cell at XFD1048576 (the reader would allocate 512 GiB) is refused naming the file, and
    the server answers the next request (the limits of the reading process itself:
    tests/web/test_bounded.py)."""
    zhou = signed_in(lists, "zhou")

    def far(wb):
        wb["工业源"]["XFD1048576"] = 1

    r = upload(zhou, broken(tmp_path, far))
    assert r.status_code == 400
    assert "broken.xlsx: 工作表部件xl/worksheets/sheet1.xml中有单元格或范围达到XFD1048576" in r.text
    assert zhou.get("/lists").status_code == 200
    assert revisions(engine) == 1
