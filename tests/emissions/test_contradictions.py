"""Measures that agree with the grade (issue "Response correctness", part 3): a mandatory measure
on an A-grade line, or a measure weaker than the grade's table, is an error or a hint as
``config/list.toml`` says, unless the line's 措施说明 explains it; orders then follow each line's
own measure, and the check counts what the order asks — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import tomllib
from typing import Any

import pytest
from sqlalchemy import func, select

from orchestrator.alerts.model import AlertLevel
from orchestrator.bootstrap.config_files import load_measure_book
from orchestrator.db.tables import list_revisions
from orchestrator.emissions.measures import Contradictions, Severity
from orchestrator.emissions.model import ListFileInvalid, MeasureKind, Species
from orchestrator.emissions.plans import PlanMode, plan_for, plan_mode
from orchestrator.emissions.targets import level_reductions
from orchestrator.emissions.workbook import export_list
from orchestrator.errors import ConfigInvalid
from tests.support.app import (
    BASE,
    DUTY,
    IMPORTED_AT,
    ISSUED_AT,
    OCT,
    app,
    do_import,
    issued_orange,
    load_list,
    notices,
    office_of,
)
from tests.support.base import CONFIG
from tests.support.workbooks import broken, col

ORANGE = AlertLevel.ORANGE


def _one_line_row(ws: Any, grade: str, orange_kind: str) -> int:
    """The row of the first one-line enterprise of ``grade`` whose orange measure is of
    ``orange_kind`` (the 措施类型 column, or the text when that is empty)."""
    grade_col, kind_col, text_col = (
        col(ws, "绩效等级"),
        col(ws, "橙色措施类型"),
        col(ws, "橙色预警措施"),
    )
    name_col = col(ws, "企业名称")
    merged = {r.min_row for r in ws.merged_cells.ranges if r.min_col == name_col}
    for row in range(2, ws.max_row + 1):
        if row in merged or not ws.cell(row, name_col).value:
            continue
        kind = str(ws.cell(row, kind_col).value or ws.cell(row, text_col).value or "")
        if ws.cell(row, grade_col).value == grade and orange_kind in kind:
            return row
    raise AssertionError(f"no one-line {grade} enterprise with {orange_kind}")


def regraded_to_a(tmp_path, note: str = ""):
    """The seen case: a B-grade enterprise re-graded A with its 限产 measures unchanged."""
    found: dict[str, Any] = {}

    def edit(wb: Any) -> None:
        ws = wb["工业源"]
        row = _one_line_row(ws, "B", "限产")
        ws.cell(row, col(ws, "绩效等级")).value = "A"
        if note:
            ws.cell(row, col(ws, "措施说明")).value = note
        found.update(
            row=row,
            uscc=ws.cell(row, col(ws, "统一社会信用代码")).value,
            orange=ws.cell(row, col(ws, "橙色预警措施")).value,
            so2=float(ws.cell(row, col(ws, "橙色减排量SO2(kg/d)")).value),
        )

    path = broken(tmp_path, _with_note_column(edit))
    return path, found


def _with_note_column(edit):
    """A list without the optional 措施说明 column gets it, then ``edit``."""

    def both(wb: Any) -> None:
        ws = wb["工业源"]
        if "措施说明" not in [c.value for c in ws[1]]:
            ws.cell(1, ws.max_column + 1).value = "措施说明"
        edit(wb)

    return both


def with_policy(engine, **rules: Severity):
    measures = dataclasses.replace(BASE.measures, contradictions=Contradictions(**rules))
    return app(engine, measures=measures).lists()


def imported(service, path):
    return service.import_list(path, effective_from=OCT, now=IMPORTED_AT, by="测试导入")


def revisions(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(list_revisions)).scalar_one()


def test_a_mandatory_measure_on_an_a_grade_line_is_refused_by_default_naming_the_place(
    engine, tmp_path
):
    path, seen = regraded_to_a(tmp_path)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    problems = err.value.problems
    assert (
        f"{path}:工业源:{seen['row']}:橙色预警措施: 绩效等级A的企业应急期间自主减排，"
        f"橙色预警不应有强制性措施“{seen['orange']}”；如为协商减排，请在措施说明中注明"
        "“协商减排”及协议编号"
    ) in problems
    assert revisions(engine) == 0  # nothing stored


def test_tolerated_as_a_hint_the_order_and_the_check_follow_the_lines_own_measure(engine, tmp_path):
    path, seen = regraded_to_a(tmp_path)
    result = imported(with_policy(engine, mandatory_on_autonomous_grade=Severity.HINT), path)
    assert result.revision is not None
    assert any(
        w.startswith(f"{path}:工业源:{seen['row']}:橙色预警措施: 绩效等级A的企业应急期间自主减排")
        for w in result.warnings
    )
    lst = load_list(engine, result.revision.number)
    (firm,) = [e for e in lst.enterprises if e.uscc == seen["uscc"]]
    assert firm.grade.autonomous
    # the enterprise takes its lines' measures, as the list says: counted, and ordered so
    assert plan_mode(firm) is PlanMode.LIST
    (entry,) = [e for e in plan_for(lst, ORANGE).entries if e.uscc == seen["uscc"]]
    assert entry.mode is PlanMode.LIST
    assert entry.reduction.so2 == pytest.approx(seen["so2"])
    assert seen["so2"] > 0
    (red,) = level_reductions(lst, (ORANGE,))
    assert red.total.so2 == pytest.approx(
        sum(e.reduction.so2 for e in plan_for(lst, ORANGE).entries)
        + lst.others(ORANGE).get(Species.SO2)
    )
    # its order: the heading and the line are the list's measure, never 自主减排
    alert_id, _ = issued_orange(engine)
    issued = office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    (order,) = notices(engine).orders(issued.notices.revision_id, [seen["uscc"]])
    assert "落实以下措施（清单措施）" in order.body
    assert seen["orange"] in order.body
    assert "自主减排" not in order.body


def test_a_measure_agreed_with_an_a_grade_enterprise_imports_under_the_default(engine, tmp_path):
    path, seen = regraded_to_a(tmp_path, note="协商减排（示协〔2025〕3号）")
    result = do_import(engine, path)
    assert result.revision is not None
    assert not [w for w in result.warnings if f":{seen['row']}:" in w]
    lst = load_list(engine, result.revision.number)
    (firm,) = [e for e in lst.enterprises if e.uscc == seen["uscc"]]
    assert firm.lines[0].note == "协商减排（示协〔2025〕3号）"
    assert plan_mode(firm) is PlanMode.LIST


def _weakened(tmp_path, note: str = ""):
    """A one-line D-grade enterprise whose orange 停产 is weakened to 限产10%."""
    found: dict[str, Any] = {}

    def edit(wb: Any) -> None:
        ws = wb["工业源"]
        row = _one_line_row(ws, "D", "停产")
        ws.cell(row, col(ws, "橙色预警措施")).value = "限产10%"
        ws.cell(row, col(ws, "橙色措施类型")).value = "限产"
        ws.cell(row, col(ws, "橙色限产比例(%)或限值")).value = 10
        if note:
            ws.cell(row, col(ws, "措施说明")).value = note
        found["row"] = row

    return broken(tmp_path, _with_note_column(edit)), found


def test_a_measure_weaker_than_the_grade_is_a_hint_an_error_or_explained(engine, tmp_path):
    path, seen = _weakened(tmp_path)
    where = f"{path}:工业源:{seen['row']}:橙色措施类型: "
    # the default: a hint
    result = do_import(engine, path)
    (hint,) = [w for w in result.warnings if w.startswith(where)]
    assert hint == where + "橙色预警措施“限产10%”弱于绩效等级D的要求（停产），且措施说明未说明理由"
    # a city that makes it an error: refused, nothing more stored
    with pytest.raises(ListFileInvalid) as err:
        imported(with_policy(engine, weaker_than_grade=Severity.ERROR), path)
    assert hint in err.value.problems
    assert revisions(engine) == 1
    # a reason given: imported under either rule, the hint carries the reason
    tmp_path.joinpath("x").mkdir()
    explained, again = _weakened(tmp_path / "x", note="2号窑已改造为超低排放，经专家论证")
    result = imported(with_policy(engine, weaker_than_grade=Severity.ERROR), explained)
    assert result.revision is not None
    (hint,) = [w for w in result.warnings if f":{again['row']}:橙色措施类型" in w]
    assert hint.endswith("弱于绩效等级D的要求（停产），措施说明：2号窑已改造为超低排放，经专家论证")


def test_the_note_survives_export_and_import(engine, tmp_path):
    path, seen = regraded_to_a(tmp_path, note="协商减排（示协〔2025〕3号）")
    do_import(engine, path)
    out = tmp_path / "export.xlsx"
    export_list(load_list(engine, 1), out)
    result = do_import(engine, out)
    assert result.revision is not None
    (firm,) = [e for e in load_list(engine, 2).enterprises if e.uscc == seen["uscc"]]
    assert firm.lines[0].note == "协商减排（示协〔2025〕3号）"
    assert firm.lines[0].measure(ORANGE).kind is MeasureKind.LIMIT


def test_the_shipped_policy_and_its_errors(tmp_path):
    shipped = tomllib.loads((CONFIG / "list.toml").read_text(encoding="utf-8"))
    assert shipped["contradictions"] == {
        "mandatory_on_autonomous_grade": "error",
        "weaker_than_grade": "hint",
    }
    assert load_measure_book(CONFIG).contradictions == Contradictions()
    with pytest.raises(ConfigInvalid, match=r"contradictions\.weaker_than_grade: must be"):
        Contradictions.from_mapping({"weaker_than_grade": "warn"}, source="list.toml")
    with pytest.raises(ConfigInvalid, match=r"contradictions\.stricter: unknown rule"):
        Contradictions.from_mapping({"stricter": "error"}, source="list.toml")
