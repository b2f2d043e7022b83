"""Revisions, diff, target check, permit coverage and export round trip, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from orchestrator.alerts.model import AlertLevel
from orchestrator.cli import cli
from orchestrator.emissions.diff import diff_lists, same_content
from orchestrator.emissions.model import Amounts, ListFileInvalid, Species
from orchestrator.emissions.permits import coverage
from orchestrator.emissions.service import parse_file
from orchestrator.emissions.targets import check_json, check_targets
from orchestrator.emissions.workbook import export_list
from tests.support.app import BASE, CITY, SAMPLE, do_import, load_list
from tests.support.workbooks import col


def load(engine, number: int):
    return load_list(engine, number)


def test_export_round_trips_to_the_same_content(engine, tmp_path):
    do_import(engine, SAMPLE)
    original = load(engine, 1)
    out = tmp_path / "export.xlsx"
    export_list(original, out)
    result = do_import(engine, out)
    assert result.revision is not None
    assert result.revision.number == 2
    again = load(engine, 2)
    assert same_content(original, again)
    assert diff_lists(original, again).empty
    # the export is itself canonical: exporting the re-import gives identical cells
    out2 = tmp_path / "export2.xlsx"
    export_list(again, out2)
    rows1 = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    rows2 = list(openpyxl.load_workbook(out2).worksheets[0].iter_rows(values_only=True))
    assert rows1 == rows2


def test_diff_names_added_removed_grade_and_measure_changes(engine, tmp_path):
    do_import(engine, SAMPLE)
    changed = tmp_path / "changed.xlsx"
    shutil.copy(SAMPLE, changed)
    wb = openpyxl.load_workbook(changed)
    ws = wb["工业源"]
    name_col, grade_col = col(ws, "企业名称"), col(ws, "绩效等级")
    # row 2 is the first enterprise; find a single-line enterprise graded B and make it C
    merged = {r.min_row for r in ws.merged_cells.ranges if r.min_col == name_col}
    row = next(
        r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, name_col).value and r not in merged and ws.cell(r, grade_col).value == "B"
    )
    grade_name = ws.cell(row, name_col).value
    ws.cell(row, grade_col).value = "C"
    # change one measure text of another enterprise
    ws.cell(2, col(ws, "红色预警措施")).value = "停产并停止一切物料运输"
    # remove the last enterprise (a single line at the end) and rename it into a new one
    last = ws.max_row
    removed_name = ws.cell(last, name_col).value
    ws.delete_rows(last)
    wb.save(changed)
    do_import(engine, changed)
    d = diff_lists(load(engine, 1), load(engine, 2))
    assert [e.name for e in d.removed] == [removed_name]
    assert d.added == []
    assert [(o.grade.value, n.grade.value, n.name) for o, n in d.grade_changes] == [
        ("B", "C", grade_name)
    ]
    assert any("停产并停止一切物料运输" in c for c in d.measure_changes)
    # and the other way round
    back = diff_lists(load(engine, 2), load(engine, 1))
    assert [e.name for e in back.added] == [removed_name]


def test_check_compares_reductions_with_citywide_emissions(engine):
    do_import(engine, SAMPLE)
    lst = load(engine, 1)
    checks = check_targets(lst, CITY)
    assert [c.level for c in checks] == [AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED]
    assert all(c.met for c in checks)  # the sample list is built to meet 10/20/30 %
    red = checks[2].species[Species.SO2]
    assert red.reduction_kg_d == pytest.approx(lst.reduction(AlertLevel.RED).so2, abs=1e-3)
    assert red.ratio == pytest.approx(red.reduction_kg_d / CITY.citywide.so2, abs=1e-4)
    assert red.target == 0.30
    out = check_json(1, checks)
    assert set(out) == {"revision", "levels"}
    assert set(out["levels"]["orange"]) == {"SO2", "NOx", "PM", "VOCs"}
    assert set(out["levels"]["orange"]["VOCs"]) == {
        "reduction_kg_d",
        "citywide_kg_d",
        "ratio",
        "target",
        "met",
        "already_controlled_kg_d",
    }
    # a city with four times the citywide emissions misses every target
    bigger = dataclasses.replace(
        CITY, citywide=Amounts(**{s.value: 4 * CITY.citywide.get(s) for s in Species})
    )
    assert not any(c.met for c in check_targets(lst, bigger))
    # largest contributors first
    top = checks[2].contributors[Species.NOX]
    assert [v for _, v in top] == sorted((v for _, v in top), reverse=True)


def test_coverage_finds_unlisted_permit_holders_and_listed_enterprises_without_permit(
    engine, tmp_path
):
    do_import(engine, SAMPLE)
    lst = load(engine, 1)
    listed = lst.enterprises[0].uscc
    from orchestrator.emissions.model import uscc_check_char

    body = "91999900MA9999999"
    missing = body + uscc_check_char(body)
    body2 = "91999900MA9999998"
    not_air = body2 + uscc_check_char(body2)
    permits = tmp_path / "permits.csv"
    permits.write_text(
        "统一社会信用代码,企业名称,涉气\n"
        f"{listed},{lst.enterprises[0].name},是\n{missing},示例市漏报化工有限公司,是\n{not_air},示例市污水处理厂,否\n"
        "12345,坏代码,是\n",
        encoding="utf-8",
    )
    cov = coverage(lst, permits)
    assert cov.missing == [(missing, "示例市漏报化工有限公司")]
    assert {e.uscc for e in cov.without_permit} == {
        e.uscc for e in lst.enterprises if not e.permit_no
    }
    assert len(cov.without_permit) > 0
    assert cov.problems == [f"{permits}:5:统一社会信用代码: “12345”不是有效的统一社会信用代码"]
    bad = tmp_path / "bad.csv"
    bad.write_text("代码,名称\n", encoding="utf-8")
    with pytest.raises(ListFileInvalid, match="统一社会信用代码: 缺少列"):
        coverage(lst, bad)


# --- the CLI over a real database ----------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_cli_import_check_export_diff(cli_env):
    out = json.loads(
        run("list", "import", str(SAMPLE), "--effective-from", "2025-10-01", "--json").stdout
    )
    assert (out["revision"], out["created"], out["enterprises"], out["lines"]) == (
        1,
        True,
        300,
        503,
    )
    again = json.loads(
        run("list", "import", str(SAMPLE), "--effective-from", "2025-10-01", "--json").stdout
    )
    assert (again["revision"], again["created"]) == (1, False)
    check = json.loads(run("list", "check", "--level", "orange", "--json").stdout)
    assert list(check["levels"]) == ["orange"]
    assert check["levels"]["orange"]["SO2"]["met"] is True
    exported = cli_env / "rev1.xlsx"
    assert "已将第1版导出" in run("list", "export", "--revision", "1", str(exported)).stdout
    run("list", "import", str(exported), "--effective-from", "2025-11-01")
    assert "内容相同" in run("list", "diff", "1", "2").stdout
    revs = json.loads(run("list", "revisions", "--json").stdout)
    assert [r["revision"] for r in revs] == [1, 2]
    assert revs[0]["enterprises"] == 300


def test_cli_import_errors_exit_1_and_store_nothing(cli_env):
    bad = cli_env / "bad.xlsx"
    shutil.copy(SAMPLE, bad)
    wb = openpyxl.load_workbook(bad)
    ws = wb["工业源"]
    ws.cell(2, col(ws, "绩效等级")).value = "E"
    wb.save(bad)
    result = run("list", "import", str(bad), code=1)
    assert f"错误：{bad}:工业源:2:绩效等级: 未知绩效等级“E”" in result.stderr
    assert "未导入任何数据" in result.stderr
    assert "尚未导入" in run("list", "revisions").stdout


def test_cli_check_without_a_list_says_so(cli_env):
    result = run("list", "check", code=1)
    assert "尚未导入应急减排清单" in result.stderr


def test_cli_template_writes_the_canonical_headers(cli_env):
    out = cli_env / "t.xlsx"
    run("list", "template", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["工业源", "扬尘源", "移动源"]
    assert [c.value for c in wb["工业源"][1]][:3] == ["序号", "企业名称", "统一社会信用代码"]


def test_cli_board_writes_one_page_per_enterprise(cli_env):
    run("list", "import", str(SAMPLE), "--effective-from", "2025-10-01")
    out = cli_env / "boards"
    result = run("list", "board", "--out", str(out))
    assert "已生成公示牌300份" in result.stdout
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 300
    first = pages[0].read_text(encoding="utf-8")
    assert "重污染天气应急减排措施公示牌" in first
    assert pages[0].stem in first  # the file is named by the USCC shown on it
    one = run("list", "board", "--uscc", pages[0].stem.lower(), "--out", str(cli_env / "one"))
    assert "已生成公示牌1份" in one.stdout
    missing = run(
        "list", "board", "--uscc", "91999900MA9999999X", "--out", str(cli_env / "none"), code=2
    )
    assert "没有统一社会信用代码为" in missing.stderr


def test_an_inventory_smaller_than_the_lists_own_emissions_is_flagged_at_import(tmp_path):
    # the shipped inventory holds the list's sources: nothing to say
    shipped = parse_file(SAMPLE, CITY, BASE.measures)
    assert not [w for w in shipped.warnings if "全社会排放量" in w]
    # an inventory below what the list itself emits would overstate every ratio
    small = dataclasses.replace(CITY, citywide=dataclasses.replace(CITY.citywide, so2=20000.0))
    flagged = [w for w in parse_file(SAMPLE, small, BASE.measures).warnings if "全社会排放量" in w]
    listed = sum(e.baseline.so2 for e in shipped.emission_list.enterprises)
    assert flagged == [
        f"config/city.toml:citywide:SO2: 全社会排放量20000千克/日小于清单所列污染源日常排放量之和"
        f"{round(listed, 1):g}千克/日，减排比例将被高估，请核实城市排放清单"
    ]
