"""Importing real workbooks: the template, the sample list and a corpus of broken copies.

Every broken copy carries one defect; the test asserts the exact place in the message and that the
database is unchanged. Repository-backed tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from orchestrator.alerts.model import AlertLevel
from orchestrator.db.lists import ListStore
from orchestrator.db.tables import list_enterprises, list_lines, list_revisions
from orchestrator.emissions.model import (
    ControlCategory,
    Grade,
    ListFileInvalid,
    MeasureKind,
    RevisionNotFound,
)
from tests.support.app import CITY, OCT, SAMPLE, TEMPLATE, do_import
from tests.support.base import ROOT
from tests.support.workbooks import broken, col, first_line_row
from tests.support.workbooks import set_cell as _set


def counts(engine) -> tuple[int, int, int, int]:
    """Revisions, enterprises, lines and measures stored."""
    with engine.connect() as conn:
        n = [
            conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (list_revisions, list_enterprises, list_lines)
        ]
        measures = sum(
            conn.execute(
                select(func.count())
                .select_from(list_lines)
                .where(list_lines.c[f"{lv}_kind"].is_not(None))
            ).scalar()
            for lv in ("yellow", "orange", "red")
        )
    return (*n, measures)  # type: ignore[return-value]


def test_the_sample_list_imports_as_revision_1(engine):
    result = do_import(engine, SAMPLE)
    assert result.created
    assert result.revision is not None
    assert (result.revision.number, result.revision.effective_from) == (1, OCT)
    assert (result.enterprises, result.lines, result.dust_sites, result.transport_users) == (
        300,
        503,
        30,
        40,
    )
    assert counts(engine) == (1, 300, 503, 503 * 3)
    assert any("已按示例市本地默认措施补充" in w for w in result.warnings)
    assert any("未评级，按该行业最低等级D管控" in w for w in result.warnings)
    with engine.connect() as conn:
        lst = ListStore(conn).load(CITY.region_code, 1)
    grades = {e.grade for e in lst.enterprises}
    assert grades >= {
        Grade.A_PLUS,
        Grade.A,
        Grade.B,
        Grade.B_MINUS,
        Grade.C,
        Grade.D,
        Grade.LEADING,
        Grade.NON_LEADING,
    }
    assert {e.category for e in lst.enterprises} == set(ControlCategory)
    assert len({ln.industry for e in lst.enterprises for ln in e.lines}) >= 12


def test_merged_enterprise_cells_reach_every_line(engine):
    do_import(engine, SAMPLE)
    with engine.connect() as conn:
        lst = ListStore(conn).load(CITY.region_code, 1)
    multi = [e for e in lst.enterprises if len(e.lines) >= 3]
    assert multi, "the sample has enterprises with three or more lines"
    # the merged 区县 etc. belong to the enterprise; every line kept its own name and measures
    for e in multi:
        assert e.county in CITY.counties
        assert len({ln.name for ln in e.lines}) == len(e.lines)
        assert all(len(ln.measures) == 3 for ln in e.lines)


def test_importing_the_same_file_again_changes_nothing(engine):
    first = do_import(engine, SAMPLE)
    before = counts(engine)
    again = do_import(engine, SAMPLE)
    assert not again.created
    assert again.revision == first.revision
    assert counts(engine) == before


def test_the_same_file_with_a_new_date_is_a_new_revision(engine):
    do_import(engine, SAMPLE)
    second = do_import(engine, SAMPLE, dt.date(2026, 1, 1))
    assert second.revision is not None
    assert second.revision.number == 2
    with engine.connect() as conn:
        assert ListStore(conn).in_force(CITY.region_code, dt.date(2025, 12, 31)) == 1
        assert ListStore(conn).in_force(CITY.region_code, dt.date(2026, 1, 1)) == 2
        with pytest.raises(RevisionNotFound, match="没有生效"):
            ListStore(conn).in_force(CITY.region_code, dt.date(2025, 9, 30))


def test_a_dry_run_validates_and_stores_nothing(engine):
    result = do_import(engine, SAMPLE, dry_run=True)
    assert result.revision is None
    assert result.enterprises == 300
    assert counts(engine) == (0, 0, 0, 0)


def test_the_empty_template_is_read_and_says_it_has_no_rows(engine):
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, TEMPLATE)
    assert err.value.problems == (f"{TEMPLATE}:工业源:2: 工作表没有数据行",)


# --- the broken corpus ---------------------------------------------------------------------------


CORPUS = [
    (
        "bad check digit",
        _set("工业源", "统一社会信用代码", "91999900MA00000010"),
        "统一社会信用代码: “91999900MA00000010”校验位错误",
    ),
    (
        "short USCC",
        _set("工业源", "统一社会信用代码", "9199990012345678"),
        "统一社会信用代码: “9199990012345678”应为18位（实为16位）",
    ),
    ("unknown county", _set("工业源", "区县", "月亮县"), "区县: 未知区县“月亮县”"),
    ("unknown grade", _set("工业源", "绩效等级", "E"), "绩效等级: 未知绩效等级“E”"),
    (
        "unknown category",
        _set("工业源", "管控类别", "特殊管控"),
        "管控类别: 未知管控类别“特殊管控”",
    ),
    (
        "negative baseline",
        _set("工业源", "日常排放量NOx(kg/d)", -5),
        "日常排放量NOx(kg/d): 不能为负数：-5",
    ),
    (
        "text in a number",
        _set("工业源", "橙色减排量PM(kg/d)", "约10"),
        "橙色减排量PM(kg/d): 不是数值：“约10”",
    ),
    (
        "reduction above baseline",
        _set("工业源", "红色减排量SO2(kg/d)", 99999),
        "红色减排量SO2(kg/d): 红色减排量SO2（99999）大于日常排放量",
    ),
    (
        "implausible amount",
        _set("工业源", "日常排放量SO2(kg/d)", 1e308),
        "日常排放量SO2(kg/d): 数值1e+308超过合理上限100000（config/list.toml [bounds]）",
    ),
    (
        "unknown measure kind",
        _set("工业源", "黄色措施类型", "放假"),
        "黄色措施类型: 未知措施类型“放假”",
    ),
    ("limit over 100 %", _set("工业源", "橙色措施类型", "限产"), None),  # paired below with a value
    ("empty line name", _set("工业源", "生产线或工序", None), "生产线或工序: 不能为空"),
    (
        "dust negative PM",
        _set("扬尘源", "日常排放量PM(kg/d)", -1, row=2),
        "扬尘源:2:日常排放量PM(kg/d): 不能为负数",
    ),
    (
        "transport camera",
        _set("移动源", "门禁监控", "也许", row=3),
        "移动源:3:门禁监控: 应为“是”或“否”，实为“也许”",
    ),
]


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("label", "edit", "message"), [c for c in CORPUS if c[2]], ids=[c[0] for c in CORPUS if c[2]]
)
def test_each_defect_is_reported_at_its_place_and_nothing_is_stored(
    engine, tmp_path, label, edit, message
):
    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    sheet = message.split(":")[0] if message.startswith(("扬尘源", "移动源")) else "工业源"
    if message.startswith(("扬尘源", "移动源")):
        expected = f"{path}:{message}"
    else:
        expected = f"{path}:{sheet}:{edit.row}:{message}"
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems
    assert len(err.value.problems) == 1, err.value.problems
    assert counts(engine) == (0, 0, 0, 0)


def test_a_limit_above_100_percent_is_refused(engine, tmp_path):
    def edit(wb):
        ws = wb["工业源"]
        r = first_line_row(ws, 1)
        ws.cell(r, col(ws, "橙色措施类型")).value = "限产"
        ws.cell(r, col(ws, "橙色限产比例(%)或限值")).value = 150
        edit.row = r  # type: ignore[attr-defined]

    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems == (
        f"{path}:工业源:{edit.row}:橙色限产比例(%)或限值: 限产比例须在0到100之间，实为150",
    )


def test_a_duplicate_line_names_both_rows(engine, tmp_path):
    def edit(wb):
        ws = wb["工业源"]
        r = first_line_row(ws, 2)
        ws.cell(r + 1, col(ws, "生产线或工序")).value = ws.cell(r, col(ws, "生产线或工序")).value
        edit.row = r  # type: ignore[attr-defined]

    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems[0].startswith(f"{path}:工业源:{edit.row + 1}:生产线或工序: 生产线")
    assert f"与第{edit.row}行重复" in err.value.problems[0]


def test_a_missing_measure_without_a_table_is_an_error(engine, tmp_path):
    def edit(wb):
        ws = wb["工业源"]
        r = first_line_row(ws, 1)
        while (
            ws.cell(r, col(ws, "绩效等级")).value != "D"
            or ws.cell(r, col(ws, "管控类别")).value != "绩效分级"
        ):
            r = _first_line_row_after(ws, r)
        ws.cell(r, col(ws, "行业类别")).value = "纺织印染"
        for h in ("黄色预警措施", "黄色措施类型", "黄色限产比例(%)或限值"):
            ws.cell(r, col(ws, h)).value = None
        edit.row = r  # type: ignore[attr-defined]

    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems == (
        f"{path}:工业源:{edit.row}:黄色预警措施: 绩效等级D须填写黄色预警措施，且无该行业措施表可补充",
    )
    assert counts(engine) == (0, 0, 0, 0)


def _first_line_row_after(ws, row: int) -> int:
    name_col = col(ws, "企业名称")
    merged = {r.min_row for r in ws.merged_cells.ranges if r.min_col == name_col}
    r = row + 1
    while not ws.cell(r, name_col).value or r in merged:
        r += 1
    return r


def test_a_missing_required_column_is_reported_once(engine, tmp_path):
    def edit(wb):
        ws = wb["工业源"]
        ws.cell(1, col(ws, "区县")).value = "备注"

    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems == (f"{path}:工业源:1:区县: 缺少必填列",)


def test_every_error_is_reported_not_just_the_first(engine, tmp_path):
    def edit(wb):
        ws = wb["工业源"]
        ws.cell(2, col(ws, "区县")).value = "月亮县"
        ws.cell(ws.max_row, col(ws, "日常排放量SO2(kg/d)")).value = "x"

    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert len(err.value.problems) == 2


def test_a_file_that_is_not_a_workbook(engine, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems[0].startswith(f"{path}: 无法读取工作簿")


def test_a_workbook_without_the_industry_sheet(engine, tmp_path):
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(path)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems == (f"{path}:工业源: 缺少工作表“工业源”（现有：Sheet1）",)


# --- tolerance: header variants, full-width characters, blank continuation rows, grades ---------


def _csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    import csv

    path = tmp_path / "list.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEAD = [
    "序号",
    "企业（单位）名称",
    "社会信用代码",
    "所属区县",
    "乡镇（街道）",
    "行业",
    "绩效等级",
    "管控类别",
    "排污许可证号",
    "生产线（工序）",
    "日常排放量 SO2（千克/天）",
    "日常排放量NOx(kg/d)",
    "日常排放量PM（kg/d）",
    "日常排放量VOCs(kg/d)",
    "黄色预警措施",
    "黄色措施类型",
    "橙色预警措施",
    "橙色措施类型",
    "红色预警措施",
    "红色措施类型",
]


def test_header_variants_full_width_and_blank_continuation_rows(engine, tmp_path):
    uscc = "91999900MA00000101"
    from orchestrator.emissions.model import uscc_check_char

    uscc = uscc[:17] + uscc_check_char(uscc[:17])
    path = _csv(
        tmp_path,
        [
            ["示例市2025年重污染天气应急减排清单"],  # a title row above the header
            HEAD,
            [
                "1",
                "示例市甲铸造有限公司",
                uscc,
                "城东区",
                "东关街道",
                "铸造",
                "Ｂ－",
                "绩效分级",
                "P1",
                "冲天炉",
                "10",
                "20",
                "30",
                "5",
                "限产10%",
                "限产",
                "限产30%",
                "限产",
                "停产",
                "停产",
            ],
            [
                "",
                "",
                "",
                "",
                "",
                "工业涂装",
                "C",
                "",
                "",
                "喷涂线",
                "1",
                "2",
                "3",
                "40",
                "限产30%",
                "",
                "限产50%",
                "",
                "停产",
                "",
            ],
        ],
    )
    result = do_import(engine, path)
    with engine.connect() as conn:
        lst = ListStore(conn).load(CITY.region_code, result.revision.number)
    (e,) = lst.enterprises
    assert (e.name, e.county, e.permit_no) == ("示例市甲铸造有限公司", "城东区", "P1")
    assert [ln.name for ln in e.lines] == ["冲天炉", "喷涂线"]
    # multi-industry: the lowest grade decides (B- and C -> C), and says so
    assert e.grade is Grade.C
    assert any("涉及多个行业或等级" in w for w in result.warnings)
    # measure kinds inferred from the text where the type column is empty
    assert [m.kind for m in e.lines[1].measures] == [
        MeasureKind.LIMIT,
        MeasureKind.LIMIT,
        MeasureKind.STOP,
    ]
    # a B- line at 10 % where the table's C row asks 30 %: flagged as weaker than the grade
    assert any("弱于绩效等级C的要求" in w for w in result.warnings)


def test_ungraded_key_industry_is_treated_as_its_lowest_grade(engine, tmp_path):
    from orchestrator.emissions.model import uscc_check_char

    body = "91999900MA0000020"
    path = _csv(
        tmp_path,
        [
            HEAD,
            [
                "1",
                "示例市乙水泥有限公司",
                body + uscc_check_char(body),
                "北山县",
                "",
                "水泥熟料",
                "",
                "绩效分级",
                "",
                "熟料生产线",
                "50",
                "500",
                "100",
                "0",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
        ],
    )
    result = do_import(engine, path)
    with engine.connect() as conn:
        (e,) = ListStore(conn).load(CITY.region_code, result.revision.number).enterprises
    assert e.grade is Grade.D
    line = e.lines[0]
    # filled from the cement table for D: stop at every level, reduction = the whole baseline
    assert [m.kind for m in line.measures] == [MeasureKind.STOP] * 3
    assert all(m.from_table for m in line.measures)
    assert line.measure(AlertLevel.RED).reduction == line.baseline
    assert any("未评级，按该行业最低等级D管控" in w for w in result.warnings)


def test_the_readme_documents_every_column_and_the_template_has_them():
    from orchestrator.emissions.template import COLUMNS

    readme = (ROOT / "emission_lists" / "README.md").read_text(encoding="utf-8")
    wb = openpyxl.load_workbook(TEMPLATE)
    for sheet, cols in COLUMNS.items():
        assert f"## {sheet}" in readme
        for c in cols:
            assert f"| {c.header}" in readme, c.header
        assert [cell.value for cell in wb[sheet][1]] == [c.header for c in cols]


# --- what was accepted wrongly: commas, implausible numbers, control characters, one USCC twice --


def _firm(uscc_body: str, name: str, **cells: str) -> list[str]:
    from orchestrator.emissions.model import uscc_check_char

    values = {
        "so2": "10",
        "email": "hbj@example.cn",
        **cells,
    }
    return [
        "1", name, uscc_body + uscc_check_char(uscc_body), "城东区", "东关街道", "铸造", "B",
        "绩效分级", "P1", cells.get("line", "冲天炉"), values["so2"], "20", "30", "5",
        "限产10%", "限产", "限产30%", "限产", "停产", "停产", values["email"],
    ]  # fmt: skip


WRONG = [
    ("comma as decimal", {"so2": "1,84"}, "日常排放量 SO2（千克/天）: “1,84”中的逗号无法判断是千位分隔符还是小数点，请写作1.84或184"),
    ("implausible text", {"so2": "1e308"}, "日常排放量 SO2（千克/天）: 数值1e308超过合理上限100000"),
    # the reader joins a cell's lines; what is left is no address
    ("CRLF in e-mail", {"email": "hbj@example.cn\r\nBcc: x@y.cn"}, "电子邮箱: “hbj@example.cnBcc: x@y.cn”不是有效的电子邮箱地址"),
    ("control in a line", {"line": "冲天炉\x07"}, "生产线（工序）: 含有控制字符"),
    ("not an e-mail", {"email": "hbj.example.cn"}, "电子邮箱: “hbj.example.cn”不是有效的电子邮箱地址"),
    ("control in a name", {"name": "示例市\x1b甲铸造有限公司"}, "企业（单位）名称: 含有控制字符"),
]  # fmt: skip


@pytest.mark.hostile
@pytest.mark.parametrize(("cells", "message"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_what_was_accepted_wrongly_is_refused_at_its_cell(engine, tmp_path, cells, message):
    cells = dict(cells)  # the parameters are shared by both databases' runs
    name = cells.pop("name", "示例市甲铸造有限公司")
    path = _csv(tmp_path, [[*HEAD, "电子邮箱"], _firm("91999900MA0000010", name, **cells)])
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems == (f"{path}:工业源:2:{message}",) or (
        len(err.value.problems) == 1
        and err.value.problems[0].startswith(f"{path}:工业源:2:{message}")
    ), err.value.problems
    assert counts(engine) == (0, 0, 0, 0)


def test_a_comma_that_separates_thousands_is_read_as_such(engine, tmp_path):
    path = _csv(
        tmp_path,
        [[*HEAD, "电子邮箱"], _firm("91999900MA0000010", "示例市甲铸造有限公司", so2="1,840")],
    )
    result = do_import(engine, path)
    with engine.connect() as conn:
        (e,) = ListStore(conn).load(CITY.region_code, result.revision.number).enterprises
    assert e.lines[0].baseline.so2 == 1840


@pytest.mark.hostile
def test_one_uscc_for_two_enterprises_is_refused_not_merged(engine, tmp_path):
    """The second enterprise under the first's code would have been merged into it, its name and
    contacts dropped."""
    path = _csv(
        tmp_path,
        [
            [*HEAD, "电子邮箱"],
            _firm("91999900MA0000010", "示例市甲铸造有限公司"),
            _firm("91999900MA0000020", "示例市乙铸造有限公司"),
            _firm("91999900MA0000010", "示例市丙铸造有限公司", line="电炉", email="c@example.cn"),
        ],
    )
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems == (
        f"{path}:工业源:4:企业（单位）名称: 统一社会信用代码与第2行的企业相同，但企业（单位）名称为"
        "“示例市丙铸造有限公司”（第2行为“示例市甲铸造有限公司”）：同一企业各行的企业信息须一致，"
        "不同企业须各用其统一社会信用代码",
        f"{path}:工业源:4:电子邮箱: 统一社会信用代码与第2行的企业相同，但电子邮箱为“c@example.cn”"
        "（第2行为“hbj@example.cn”）：同一企业各行的企业信息须一致，不同企业须各用其统一社会信用代码",
    )
    assert counts(engine) == (0, 0, 0, 0)


# --- hostile workbooks: refused before the reader allocates anything ------------------------------


@pytest.mark.hostile
def test_a_workbook_reaching_far_beyond_a_list_is_refused_before_it_is_read(engine, tmp_path):
    """One cell at XFD1048576 would make the reader allocate the whole range (512 GiB)."""

    def far(wb):
        wb["工业源"]["XFD1048576"] = 1

    path = broken(tmp_path, far)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    (problem,) = err.value.problems
    assert problem.startswith(f"{path}: 工作表部件xl/worksheets/sheet1.xml中有单元格或范围达到")
    assert "XFD1048576" in problem
    assert counts(engine) == (0, 0, 0, 0)


@pytest.mark.hostile
def test_a_part_that_unpacks_out_of_all_proportion_is_refused(engine, tmp_path):
    """A shared-strings bomb: a few hundred KB that unpack to hundreds of MB."""
    import zipfile

    path = tmp_path / "bomb.xlsx"
    shutil.copy(SAMPLE, path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings2.xml", b"<si><t>" + b"x" * (64 * 1024 * 1024) + b"</t></si>")
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    (problem,) = err.value.problems
    assert problem.startswith(f"{path}: 工作簿部件xl/sharedStrings2.xml的压缩比异常")
    assert counts(engine) == (0, 0, 0, 0)


@pytest.mark.hostile
def test_a_file_that_is_no_workbook_is_named(engine, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert err.value.problems[0].startswith(f"{path}: 无法读取工作簿（不是有效的xlsx文件")


@pytest.mark.hostile
def test_a_broken_sheet_a_huge_field_and_a_nul_are_named_not_tracebacks(engine, tmp_path):
    import zipfile

    broken_xml = tmp_path / "broken-sheet.xlsx"
    with zipfile.ZipFile(SAMPLE) as src, zipfile.ZipFile(broken_xml, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut off in the middle of the sheet
            dst.writestr(info, data)
    huge = _csv(tmp_path, [HEAD, ["1", "x" * 200_000]])
    nul = tmp_path / "nul.csv"
    nul.write_text(",".join(HEAD) + "\n1,示例\x00公司\n", encoding="utf-8")
    expected = {
        broken_xml: f"{broken_xml}:工业源: 无法读取工作表：",
        huge: f"{huge}:2: 单元格内容超过128KB",
        nul: f"{nul}:2: 含有NUL字符",
    }
    for path, message in expected.items():
        with pytest.raises(ListFileInvalid) as err:
            do_import(engine, path)
        assert err.value.problems[0].startswith(message), err.value.problems
    assert counts(engine) == (0, 0, 0, 0)
