"""The daily roll-up as an Excel workbook (openpyxl): 汇总, 分县区, 分乡镇, 成员单位, 存在问题,
未报送 — read back by the tests with openpyxl."""

from __future__ import annotations

import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from orchestrator.daily.model import RollUp, Tally, figure_labels
from orchestrator.notices.contexts import cn_time


def _plain(v: object) -> object:
    """A cell's value, never a formula (text starting with = + - @ is prefixed)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


def _rows(tallies: Sequence[Tally], labels: Sequence[str]) -> list[list[object]]:
    out: list[list[object]] = []
    for t in tallies:
        figures = dict(t.figures)
        out.append(
            [
                t.place,
                t.expected,
                t.reported,
                t.missing,
                t.late,
                t.items,
                t.done,
                *(figures.get(k, 0) for k in labels),
            ]
        )
    return out


def roll_up_workbook(r: RollUp, *, region_name: str, zone: ZoneInfo, drill: bool = False) -> bytes:
    """``drill``: the title marked 【演练】 (a drill's roll-up)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    labels = figure_labels(r)
    head = ["单位或区域", "应报", "已报", "未报", "逾时报送", "报送项", "已落实", *labels]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    ws.append(
        [
            f"{'【演练】' if drill else ''}{region_name}应急管控工作日报（{r.day.isoformat()}，"
            f"{r.level}，{r.document_number}，"
            f"截至{cn_time(r.as_of, zone)}）"
        ]
    )
    sheets = (
        ("汇总", [r.city, r.enterprises, r.units]),
        ("分县区", list(r.counties)),
        ("分乡镇", list(r.townships)),
    )
    for title, tallies in sheets:
        sheet = ws if title == "汇总" else wb.create_sheet(title)
        sheet.append(head)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in _rows(tallies, labels):
            sheet.append([_plain(v) for v in row])
    members = wb.create_sheet("成员单位")
    members.append(["单位", "是否报送", "报送项", "已落实", *labels, "说明"])
    for m in r.members:
        figures = dict(m.figures)
        members.append(
            [
                _plain(m.name),
                "已报送" if m.reported else "未报送",
                m.items,
                m.done,
                *(figures.get(k, "") for k in labels),
                _plain(m.note),
            ]
        )
    problems = wb.create_sheet("存在问题")
    problems.append(["单位", "所在地", "措施或任务", "未落实原因"])
    for p in r.problems:
        problems.append([_plain(p.name), _plain(p.place), _plain(p.key), _plain(p.note)])
    missing = wb.create_sheet("未报送")
    missing.append(["统一社会信用代码", "单位", "类别", "所在地", "联系人", "电话"])
    for x in r.missing:
        missing.append(
            [x.code, _plain(x.name), x.reporter.label, _plain(x.place), _plain(x.contact), x.phone]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
