"""A line's capacities (环评批复, 许可, 上年实际): read, stored and exported on both databases,
refused at the cell when unusable; where the industry's table counts 限产 from the least of
them (config/measures limit_base = "least"), the order states the output the line may not
exceed; elsewhere nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orchestrator.db.tables import notices
from orchestrator.emissions.diff import same_content
from orchestrator.emissions.model import Capacity, Grade, ListFileInvalid, MeasureKind
from orchestrator.emissions.workbook import export_list
from tests.support.app import DUTY, ISSUED_AT, do_import, issued_orange, load_list, office_of
from tests.support.workbooks import broken, col


def _row(ws, industry: str, grade: str) -> int:
    """The first row of a one-line enterprise of ``industry`` and ``grade``."""
    for row in range(2, ws.max_row):
        first = ws.cell(row, col(ws, "企业名称")).value
        nxt = ws.cell(row + 1, col(ws, "企业名称")).value
        same = ws.cell(row, col(ws, "行业类别")).value == industry
        if first and nxt and same and ws.cell(row, col(ws, "绩效等级")).value == grade:
            return row
    raise AssertionError(f"no one-line {grade} {industry} enterprise")


def with_capacities(tmp_path, industry: str, grade: str = "B", **cells):
    found = {}

    def edit(wb):
        ws = wb["工业源"]
        row = _row(ws, industry, grade)
        for header, value in cells.items():
            ws.cell(row, col(ws, header)).value = value
        found.update(row=row, uscc=ws.cell(row, col(ws, "统一社会信用代码")).value)

    return broken(tmp_path, edit), found


CEMENT = {"环评批复产能": 5000, "许可产能": "4,600", "上年实际日均产量": 4200, "产能单位": "吨/日"}


def test_capacities_are_stored_and_bind_where_the_table_says(engine, tmp_path):
    path, found = with_capacities(tmp_path, "水泥熟料", **CEMENT)
    do_import(engine, path)
    line = next(e for e in load_list(engine, 1).enterprises if e.uscc == found["uscc"]).lines[0]
    assert line.capacity == Capacity(
        eia=5000, permitted=4600, actual=4200, unit="吨/日", binding=True
    )
    assert line.capacity.base == 4200
    assert line.capacity.cap(20) == 3360


def test_the_order_states_the_output_cap(engine, tmp_path):
    path, found = with_capacities(tmp_path, "水泥熟料", **CEMENT)
    do_import(engine, path)
    e = next(e for e in load_list(engine, 1).enterprises if e.uscc == found["uscc"])
    assert e.grade is Grade.B
    assert e.lines[0].measure(e.lines[0].measures[1].level).kind is MeasureKind.LIMIT  # orange
    alert_id, _ = issued_orange(engine)
    office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    with engine.connect() as conn:
        order = conn.execute(
            select(notices.c.body).where(notices.c.kind == "order", notices.c.uscc == e.uscc)
        ).scalar_one()
    assert (
        "限产20%后日产量不超过3360吨/日（基准4200吨/日，取环评批复产能、许可产能、上年实际日均产量三者最小值）"
        in order
    )


def test_without_a_binding_table_the_order_is_unchanged(engine, tmp_path):
    path, found = with_capacities(tmp_path, "铸造", grade="C", **CEMENT)
    do_import(engine, path)
    line = next(e for e in load_list(engine, 1).enterprises if e.uscc == found["uscc"]).lines[0]
    assert line.capacity is not None
    assert not line.capacity.binding
    alert_id, _ = issued_orange(engine)
    office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    with engine.connect() as conn:
        order = conn.execute(
            select(notices.c.body).where(notices.c.kind == "order", notices.c.uscc == found["uscc"])
        ).scalar_one()
    assert "日产量不超过" not in order


def test_an_exported_list_keeps_the_capacities(engine, tmp_path):
    path, _ = with_capacities(tmp_path, "水泥熟料", **CEMENT)
    do_import(engine, path)
    out = tmp_path / "export.xlsx"
    export_list(load_list(engine, 1), out)
    do_import(engine, out)
    assert same_content(load_list(engine, 2), load_list(engine, 1))
    caps = [ln.capacity for e in load_list(engine, 2).enterprises for ln in e.lines if ln.capacity]
    assert caps == [Capacity(eia=5000, permitted=4600, actual=4200, unit="吨/日", binding=True)]


@pytest.mark.parametrize(
    ("cells", "header", "message"),
    [
        ({"许可产能": 4600}, "产能单位", "填写了产能，须注明产能单位（如吨/日）"),
        ({"许可产能": "很多", "产能单位": "吨/日"}, "许可产能", "不是数值：“很多”"),
        ({"上年实际日均产量": -3, "产能单位": "吨/日"}, "上年实际日均产量", "产能须大于0，实为-3"),
    ],
)
def test_an_unusable_capacity_is_refused_at_its_cell(engine, tmp_path, cells, header, message):
    path, found = with_capacities(tmp_path, "水泥熟料", **cells)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert f"{path}:工业源:{found['row']}:{header}: {message}" in err.value.problems
