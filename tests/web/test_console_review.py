"""What the approver sees before signing (level and window, the reduction check of the day, the
notice to be issued, conflicts with the alert in force, other drafts and the regional hint), and
receipts a duty officer can act on at 2 a.m. (contact and phone, overdue after the deadline,
search by name or USCC, filters, Excel export, channels in Chinese, each order one click away)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from sqlalchemy import select

from orchestrator.alerts.model import AlertLevel
from orchestrator.db.tables import list_enterprises
from tests.support.app import DUTY, app
from tests.support.base import ZONE
from tests.support.delivery import delivery_config, make_worker
from tests.support.web import signed_in

FORM = {
    "level": "orange",
    "start": "2026-01-06T00:00",
    "end": "2026-01-09T00:00",
    "reason": "1月4日会商研判：6日起持续重度污染",
}


def draft(b) -> str:
    return b.post("/alerts", {**FORM, "csrf": b.csrf()}).headers["Location"].split("?")[0]


def test_the_approver_sees_the_window_the_check_the_notice_and_the_conflicts(engine, desk):
    served, clock = desk
    zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")
    url = draft(zhang)
    page = wang.get(url).text
    assert "审批要点：启动橙色预警" in page
    assert "执行时间：</strong>2026年1月6日0时至2026年1月9日0时" in page
    assert "按开始当日生效的清单实时核算" in page
    assert "SO2" in page
    assert "未发现与现行预警" in page
    assert f'href="{url}/preview"' in page
    preview = wang.get(url + "/preview")  # the vice-mayor may read it, though not draft
    assert preview.status_code == 200
    assert "预览稿：尚未审批和发布" in preview.text
    assert "关于启动重污染天气橙色预警的通知" in preview.text
    # only the actions the role may take: the vice-mayor approves, the duty officer does not
    assert 'action="' + url + '/approve"' in page
    assert 'action="' + url + '/approve"' not in zhang.get(url).text
    # a second draft conflicts with the first; once the first is issued, with the alert in force
    second = draft(zhang)
    assert f"另有待发布的预警：预警{url.rsplit('/', 1)[1]}" in wang.get(second).text
    wang.post(url + "/approve", {"csrf": wang.csrf()})
    assert "减排核算（批准时冻结）" in zhang.get(url).text
    zhang.post(url + "/issue", {"csrf": zhang.csrf()})
    text = wang.get(second).text
    assert "正在执行，同一区域同一时间只能有一个预警" in text
    # a regional hint asking for red: the orange draft falls short of it
    app(engine).alerts().add_hint(
        level=AlertLevel.RED,
        start=dt.datetime(2026, 1, 6, tzinfo=ZONE),
        end=dt.datetime(2026, 1, 9, tzinfo=ZONE),
        issuer="省生态环境厅",
        document_number="晋环应急〔2026〕1号",
        area="示例市",
        by=DUTY,
        now=clock.now(),
    )
    text = wang.get(second).text
    assert "省生态环境厅区域预警提示（晋环应急〔2026〕1号）" in text
    assert "本版本橙色预警低于该要求" in text


def test_receipts_name_whom_to_call_and_can_be_searched_filtered_and_exported(
    engine, desk, tmp_path
):
    served, clock = desk
    zhang, wang = signed_in(served, "zhang"), signed_in(served, "wang")
    url = draft(zhang)
    wang.post(url + "/approve", {"csrf": wang.csrf()})
    zhang.post(url + "/issue", {"csrf": zhang.csrf()})
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    with engine.connect() as conn:
        firm = conn.execute(
            select(list_enterprises.c.uscc, list_enterprises.c.name, list_enterprises.c.contact)
            .order_by(list_enterprises.c.uscc)
            .limit(1)
        ).one()
    page = zhang.get(url + "/notices").text
    assert "文件投递" in page  # the channel in Chinese, not "folder"
    assert ">folder<" not in page
    assert "tel:" in page
    # before the deadline nothing is overdue
    assert "签收时限未到或没有逾期未签收的企业" in zhang.get(url + "/notices?state=overdue").text
    found = zhang.get(url + "/notices", params={"q": firm.name[2:6]}).text
    assert firm.uscc in found
    assert firm.contact in found
    by_code = zhang.get(url + "/notices", params={"q": firm.uscc[:12].lower()}).text
    assert firm.uscc in by_code
    assert "共0家" in zhang.get(url + "/notices", params={"q": "%_"}).text  # literally
    assert f"/orders/{firm.uscc}" in found
    # after the deadline (2 h) the unsigned are overdue, shown and filtered as such
    clock.advance(hours=3)
    late = zhang.get(url + "/notices?state=overdue").text
    assert "共300家" in late
    assert "逾期未签收" in late
    export = zhang.get(url + "/notices.xlsx", params={"state": "overdue", "q": firm.name})
    assert export.status_code == 200
    assert "spreadsheetml" in export.headers["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("区县", "企业名称", "统一社会信用代码", "联系人", "联系电话")
    assert [r[2] for r in rows[2:]] == [firm.uscc]
    assert rows[2][7] == "逾期未签收"
    assert rows[2][5] == "文件投递"


def test_the_export_never_holds_a_formula():
    """A value a spreadsheet would run (= + - @ first) is written as text."""
    from orchestrator.web.console.alerts import _COLUMNS, receipts_workbook

    row = {key: '=HYPERLINK("http://evil","点击")' for key, _, _ in _COLUMNS}
    sheet = openpyxl.load_workbook(io.BytesIO(receipts_workbook([row], "标题"))).active
    cells = next(iter(sheet.iter_rows(min_row=3, values_only=False)))
    assert all(c.data_type == "s" for c in cells)
    assert all(str(c.value).startswith("'=") for c in cells)
