"""Copies of the sample list with one defect each, edited cell by cell."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from tests.support.app import SAMPLE


def col(ws: Any, header: str) -> int:
    """The column of ``header`` in a sheet's first row."""
    for cell in ws[1]:
        if cell.value == header:
            return int(cell.column)
    raise AssertionError(header)


def first_line_row(ws: Any, n_lines: int) -> int:
    """The first row of an enterprise with exactly ``n_lines`` lines (merged ranges tell)."""
    name_col = col(ws, "企业名称")
    merged = {r.min_row: r.max_row for r in ws.merged_cells.ranges if r.min_col == name_col}
    for row in range(2, ws.max_row + 1):
        span = merged.get(row, row) - row + 1
        if ws.cell(row, name_col).value and span == n_lines:
            return row
    raise AssertionError("no such enterprise")


def broken(tmp_path: Path, edit: Callable[[Any], None]) -> Path:
    """A copy of the sample list with ``edit`` applied to its workbook."""
    out = tmp_path / "broken.xlsx"
    shutil.copy(SAMPLE, out)
    wb = openpyxl.load_workbook(out)
    edit(wb)
    wb.save(out)
    return out


def set_cell(
    sheet: str, header: str, value: Any, row: int | None = None, lines: int = 1
) -> Callable[[Any], None]:
    """An edit setting ``header`` of ``row`` (default: the first enterprise with ``lines``
    lines); the edit remembers the row it set (``edit.row``)."""

    def edit(wb: Any) -> None:
        ws = wb[sheet]
        r = row or first_line_row(ws, lines)
        ws.cell(r, col(ws, header)).value = value
        edit.row = r  # type: ignore[attr-defined]

    return edit
