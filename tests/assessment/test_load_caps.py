"""Load caps that are checked (issue "Response correctness", part 4): a cap has a value and a unit
(% of the rated load, MW, t/h), a line its rated load; hourly load readings come in like
electricity; the compliance check holds every capped, stopped, limited and autonomous line to its
own rule and names the rule a suspect broke — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from orchestrator.alerts.model import AlertLevel
from orchestrator.assessment.electricity import (
    LoadReading,
    Reading,
    fetch_load_json,
    in_cap_unit,
    read_load_csv,
)
from orchestrator.delivery.config import Compliance
from orchestrator.emissions.model import ListFileInvalid, Load, LoadUnit, MeasureKind
from orchestrator.emissions.workbook import export_list
from orchestrator.errors import InputInvalid
from tests.support.app import (
    DUTY,
    ISSUED_AT,
    do_import,
    issue_sample,
    issued_orange,
    load_list,
    meters,
    office_of,
)
from tests.support.base import ROOT, ZONE, at
from tests.support.cli import issued, run
from tests.support.workbooks import broken, col

SAMPLE_LOADS = ROOT / "samples" / "load_hourly.csv"
FULL_LOAD = ("91999906MA0000010X", "1#机组")  # 示例市泰盛热电, capped at 80 %, runs at 100 %
EASED = ("91999905MA0000023R", "1#机组")  # 示例市宏兴热电, eases to 78 %


def test_a_unit_capped_at_80_percent_and_fed_full_load_is_suspect_naming_the_rule(engine):
    alert_id, _ = issue_sample(engine)
    assert meters(engine).store_loads(read_load_csv(SAMPLE_LOADS, ZONE)) == 192
    lines = meters(engine, Compliance()).check(alert_id, now=at(8))
    capped = {(ln.uscc, ln.line): ln for ln in lines if ln.kind == "load_cap"}
    full = capped[FULL_LOAD]
    assert full.verdict == "suspect"
    assert full.rule == "限负荷：每小时负荷不超过额定负荷的80%"
    assert (full.hours, full.hours_over, full.load_max) == (48, 48, 100.0)
    assert full.allowed == 80.0
    assert capped[EASED].verdict == "compliant"
    assert capped[EASED].load_max == pytest.approx(78.0)
    # every load-capped line of the plan is held to its cap; those without readings say so
    others = [ln for key, ln in capped.items() if key not in (FULL_LOAD, EASED)]
    assert others
    assert {ln.verdict for ln in others} == {"no_data"}
    # the JSON names the rule and the evidence
    shown = full.as_dict()
    assert shown["rule"] == full.rule
    assert shown["hours_over"] == 48


def test_an_autonomous_line_must_not_draw_more_than_before(engine):
    alert_id, revision_id = issue_sample(engine)
    plan = office_of(engine).frozen_plan(revision_id)
    a_lines = [ln for e in plan if e["mode"] == "autonomous" for ln in e["lines"] if ln["meter_no"]]
    grew, steady = a_lines[0]["meter_no"], a_lines[1]["meter_no"]
    readings = []
    for h in range(8 * 24):  # 30 Dec … 6 Jan 23:00: 100 kWh/h, then +20 % and +3 %
        t = at(30, 0, month=12, year=2025) + dt.timedelta(hours=h)
        during = t >= at(6)
        readings.append(Reading(grew, t.astimezone(dt.UTC), 120.0 if during else 100.0))
        readings.append(Reading(steady, t.astimezone(dt.UTC), 103.0 if during else 100.0))
    meters(engine).store(readings)
    judged = {ln.meter_no: ln for ln in meters(engine, Compliance()).check(alert_id, now=at(7))}
    assert judged[grew].kind == "autonomous"
    assert judged[grew].verdict == "suspect"
    assert judged[grew].rule == "自主减排，不得增加排放：预警期间平均小时用电不超过预警前的105%"
    assert judged[grew].ratio == pytest.approx(1.2)
    assert judged[steady].verdict == "compliant"


def test_readings_in_another_unit_go_through_the_rated_load():
    pct, mw, steam = (Load(80, LoadUnit.PERCENT), Load(240, LoadUnit.MW), Load(100, LoadUnit.STEAM))
    rated = Load(300, LoadUnit.MW)
    assert in_cap_unit(250.0, "MW", pct, rated) == pytest.approx(250 / 3)
    assert in_cap_unit(90.0, "%", mw, rated) == pytest.approx(270.0)
    assert in_cap_unit(78.0, "%", pct, None) == 78.0
    assert in_cap_unit(250.0, "MW", pct, None) is None  # no rated load: cannot convert
    assert in_cap_unit(90.0, "t/h", pct, rated) is None  # a rated load in another unit
    assert in_cap_unit(95.0, "t/h", steam, None) == 95.0
    assert Load.find("负荷不超过设计负荷的80%") == pct
    assert Load.find("不超过240 兆瓦") == mw
    assert Load.find("蒸汽100吨/小时") == steam
    with pytest.raises(ValueError, match="不能超过100%"):
        Load(120, LoadUnit.PERCENT)


def _capped_row(ws: Any) -> int:
    kind = col(ws, "橙色措施类型")
    text = col(ws, "橙色预警措施")
    for row in range(2, ws.max_row + 1):
        if "负荷" in str(ws.cell(row, text).value or "") or ws.cell(row, kind).value == "限负荷":
            return row
    raise AssertionError("no load cap in the sample")


def _edited(tmp_path, **cells: Any) -> tuple[Any, int]:
    found: dict[str, int] = {}

    def edit(wb: Any) -> None:
        ws = wb["工业源"]
        if "额定负荷" not in [c.value for c in ws[1]]:  # an optional column
            ws.cell(1, ws.max_column + 1).value = "额定负荷"
        row = _capped_row(ws)
        for header, value in cells.items():
            ws.cell(row, col(ws, header)).value = value
        found["row"] = row

    return broken(tmp_path, edit), found["row"]


def test_a_cap_in_mw_against_the_rated_load_is_kept_exported_and_checked(engine, tmp_path):
    path, _ = _edited(
        tmp_path,
        **{
            "额定负荷": "300MW",
            "橙色限产比例(%)或限值": "240MW",
            "橙色预警措施": "负荷不超过240MW",
        },
    )
    result = do_import(engine, path)
    assert result.revision is not None
    lst = load_list(engine, 1)
    (firm, line) = next((e, ln) for e in lst.enterprises for ln in e.lines if ln.rated is not None)
    assert line.rated == Load(300, LoadUnit.MW)
    cap = line.measure(AlertLevel.ORANGE)
    assert cap is not None
    assert cap.kind is MeasureKind.LOAD_CAP
    assert cap.cap == Load(240, LoadUnit.MW)
    yellow = line.measure(AlertLevel.YELLOW)
    assert yellow is not None
    assert yellow.cap == Load(90, LoadUnit.PERCENT)  # the unit of its text: 设计负荷的90%
    # the export writes value and unit, and reads back the same
    out = tmp_path / "export.xlsx"
    export_list(lst, out)
    do_import(engine, out)
    again = next(ln for e in load_list(engine, 2).enterprises for ln in e.lines if ln.rated)
    assert again == line
    # readings in % of the rated load are checked against the MW cap: 85 % = 255 MW > 240 MW
    alert_id, _ = _issue(engine)
    readings = [
        LoadReading(
            firm.uscc, line.name, (at(6) + dt.timedelta(hours=h)).astimezone(dt.UTC), v, "%"
        )
        for h, v in enumerate([78.0, 85.0, 79.0])
    ]
    meters(engine).store_loads(readings)
    (checked,) = [
        ln
        for ln in meters(engine, Compliance()).check(alert_id, now=at(6, 3))
        if ln.uscc == firm.uscc and ln.line == line.name and ln.kind == "load_cap"
    ]
    assert checked.verdict == "suspect"
    assert checked.rule == "限负荷：每小时负荷不超过240MW（额定负荷300MW）"
    assert (checked.hours, checked.hours_over, checked.load_max) == (3, 1, 255.0)


def _issue(engine) -> tuple[int, int]:
    alert_id, _ = issued_orange(engine)
    issued = office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    return alert_id, issued.notices.revision_id


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"橙色限产比例(%)或限值": "240", "橙色预警措施": "以热定产，限负荷运行"},
            "限负荷须写明限值单位（%、MW或t/h），如“80%”，实为“240”",
        ),
        ({"额定负荷": "很大"}, "额定负荷: 应写明数值和单位（如350MW、130t/h），实为“很大”"),
        ({"额定负荷": "90%"}, "额定负荷: 应写明数值和单位（如350MW、130t/h），实为“90%”"),
        (
            {"橙色限产比例(%)或限值": "120%"},
            "限负荷限值有误：以额定负荷百分比表示的负荷不能超过100%",
        ),
    ],
)
def test_a_cap_or_a_rated_load_without_a_unit_is_refused_naming_the_cell(
    engine, tmp_path, cells, message
):
    path, row = _edited(tmp_path, **cells)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert any(
        p.startswith(f"{path}:工业源:{row}:") and message in p for p in err.value.problems
    ), err.value.problems


def test_bad_load_readings_are_refused_naming_row_and_column(tmp_path):
    path = tmp_path / "loads.csv"
    path.write_text(
        "统一社会信用代码,生产线,时间,负荷,单位\n91999906MA0000010X,1#机组,2026-01-06T00:00,95,千瓦\n",
        encoding="utf-8",
    )
    with pytest.raises(InputInvalid, match=r"loads.csv:2:5: 单位应为%、MW或t/h，实为“千瓦”"):
        read_load_csv(path, ZONE)
    path.write_text("uscc,line,hour,load\n", encoding="utf-8")
    with pytest.raises(InputInvalid, match=r"loads.csv:1: 缺少列：unit"):
        read_load_csv(path, ZONE)


def test_load_readings_from_an_http_json_source(sink):
    sink.get_body = {
        "readings": [
            {
                "uscc": FULL_LOAD[0],
                "line": "1#机组",
                "hour": "2026-01-06T08:00",
                "load": 96,
                "unit": "MW",
            }
        ]
    }
    (r,) = fetch_load_json(f"{sink.url}/load", ZONE)
    assert dataclasses.astuple(r) == (
        FULL_LOAD[0],
        "1#机组",
        at(6, 8).astimezone(dt.UTC),
        96.0,
        "MW",
    )
    sink.get_body = [{"uscc": FULL_LOAD[0], "line": "1#机组", "hour": "x", "load": 1, "unit": "%"}]
    with pytest.raises(InputInvalid, match=r"/load: \[0\]\.hour: 时间应为ISO 8601"):
        fetch_load_json(f"{sink.url}/load", ZONE)


def test_cli_imports_loads_and_lists_the_suspect_with_its_rule(tmp_path, monkeypatch):
    issued(monkeypatch, tmp_path)  # the sample list, an orange alert from 6 January
    assert run("load", "import", str(SAMPLE_LOADS)) == "已导入负荷数据192条（生产线2条）\n"
    out = run("--now", "2026-01-08T00:00", "compliance", "--alert", "1")
    assert (
        "示例市泰盛热电有限公司（91999906MA0000010X）　1#机组：以热定产，负荷不超过设计负荷的80%；"
        "违反“限负荷：每小时负荷不超过额定负荷的80%”；48小时中48小时超过上限，最高100"
    ) in out
