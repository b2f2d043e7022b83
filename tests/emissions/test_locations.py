"""经度 and 纬度 in the list: read, stored and loaded on both databases, exported and read back;
a wrong cell refused at its place with nothing stored; a position outside its county a hint."""

from __future__ import annotations

import pytest

from orchestrator.emissions.model import ListFileInvalid
from orchestrator.emissions.workbook import export_list
from orchestrator.geography.model import Position
from tests.emissions.test_import import counts
from tests.support.app import SAMPLE, do_import, load_list
from tests.support.workbooks import broken, col, first_line_row


def test_the_sample_lists_positions_are_stored_and_loaded(engine):
    result = do_import(engine, SAMPLE)
    assert not [w for w in result.warnings if "坐标" in w]  # every one inside its county
    lst = load_list(engine, 1)
    placed = [e for e in lst.enterprises if e.location is not None]
    assert len(placed) == 294  # one in 50 has none
    assert {e.uscc for e in lst.enterprises if e.location is None} == {
        e.uscc for i, e in enumerate(lst.enterprises, start=1) if i % 50 == 0
    }
    assert all(s.location is not None for s in lst.dust_sites)
    first = lst.enterprises[0]
    assert first.location == Position(lon=first.location.lon, lat=first.location.lat)
    assert 113.3 < first.location.lon < 114.3
    assert 35.1 < first.location.lat < 36.0


def test_every_line_of_a_multi_line_enterprise_shares_its_position(engine, tmp_path):
    """The sample leaves the position blank on an enterprise's later lines (merged cells)."""
    do_import(engine, SAMPLE)
    multi = [e for e in load_list(engine, 1).enterprises if len(e.lines) > 1 and e.location]
    assert multi


def test_an_exported_list_reads_back_with_its_positions(engine, tmp_path):
    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    out = tmp_path / "export.xlsx"
    export_list(lst, out)
    do_import(engine, out)
    again = load_list(engine, 2)
    assert [e.location for e in again.enterprises] == [e.location for e in lst.enterprises]
    assert [s.location for s in again.dust_sites] == [s.location for s in lst.dust_sites]


def _coordinates(lon, lat, lines: int = 1, sheet: str = "工业源"):
    def edit(wb):
        ws = wb[sheet]
        row = first_line_row(ws, lines) if sheet == "工业源" else 2
        ws.cell(row, col(ws, "经度")).value = lon
        ws.cell(row, col(ws, "纬度")).value = lat
        edit.row = row

    return edit


def test_a_wrong_coordinate_is_refused_at_its_cell_and_nothing_is_stored(engine, tmp_path):
    edit = _coordinates("35.55", "113.75")
    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert list(err.value.problems) == [
        f"{path}:工业源:{edit.row}:经度: 经度35.55、纬度113.75疑似填反（经度应在73.4至135.1之间）"
    ]
    assert counts(engine) == (0, 0, 0, 0)


def test_a_site_with_only_a_latitude_is_refused_at_the_longitude(engine, tmp_path):
    edit = _coordinates(None, 35.5, sheet="扬尘源")
    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert list(err.value.problems) == [f"{path}:扬尘源:2:经度: 只填了纬度，请同时填写经度和纬度"]


def test_one_enterprise_with_two_positions_is_refused_at_the_second(engine, tmp_path):
    def edit(wb):
        ws = wb["工业源"]
        first = first_line_row(ws, 2)
        ws.unmerge_cells(
            start_row=first,
            start_column=col(ws, "经度"),
            end_row=first + 1,
            end_column=col(ws, "经度"),
        )
        ws.unmerge_cells(
            start_row=first,
            start_column=col(ws, "纬度"),
            end_row=first + 1,
            end_column=col(ws, "纬度"),
        )
        ws.cell(first, col(ws, "经度")).value = 113.80
        ws.cell(first, col(ws, "纬度")).value = 35.75
        ws.cell(first + 1, col(ws, "经度")).value = 113.90
        ws.cell(first + 1, col(ws, "纬度")).value = 35.75
        edit.row = first

    path = broken(tmp_path, edit)
    with pytest.raises(ListFileInvalid) as err:
        do_import(engine, path)
    assert list(err.value.problems) == [
        f"{path}:工业源:{edit.row + 1}:经度: 坐标（东经113.9000°，北纬35.7500°）与第{edit.row}行的"
        "同一企业（东经113.8000°，北纬35.7500°）不同：一家企业填写一处坐标（厂区中心或主要排放口）"
    ]


def test_a_position_outside_its_county_is_imported_with_a_hint(engine, tmp_path):
    """A GCJ-02 offset that crosses a county line, or a position typed for another county."""

    def edit(wb):
        ws = wb["工业源"]
        row = first_line_row(ws, 1)
        ws.cell(row, col(ws, "区县")).value = "北山县"
        ws.cell(row, col(ws, "经度")).value = 113.80
        ws.cell(row, col(ws, "纬度")).value = 35.30  # in 南川县
        edit.name = ws.cell(row, col(ws, "企业名称")).value
        edit.uscc = ws.cell(row, col(ws, "统一社会信用代码")).value

    path = broken(tmp_path, edit)
    result = do_import(engine, path)
    assert result.created
    hints = [w for w in result.warnings if "坐标" in w]
    assert hints == [
        f"企业“{edit.name}”（{edit.uscc}）的坐标（东经113.8000°，北纬35.3000°）位于“南川县”，"
        "与所填区县“北山县”不符，请核对经纬度（高德、腾讯、百度等网络地图的坐标有数百米偏移，"
        "应填写CGCS2000坐标）"
    ]
    # the hint is kept with the revision, as every import warning is
    assert hints[0] in app_revision_warnings(engine)


def app_revision_warnings(engine) -> list[str]:
    from sqlalchemy import select

    from orchestrator.db.tables import list_revisions

    with engine.connect() as conn:
        return list(conn.execute(select(list_revisions.c.warnings)).scalar_one())
