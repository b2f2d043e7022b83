"""List workbooks: reading them (xlsx with python-calamine, or CSV) into text cells by column key,
and writing a revision back as the canonical workbook (openpyxl).

Merged cells are filled from their top-left cell, a title row above the header is skipped, header
variants are recognised (see :mod:`orchestrator.emissions.template`). Row numbers are the ones a
spreadsheet shows (1-based), for error messages.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS
from orchestrator.alerts.readings import csv_rows
from orchestrator.emissions.model import EmissionList, ListFileInvalid, Species
from orchestrator.emissions.registries import (
    REGISTRY_COLUMNS,
    CoverageReport,
    FindingKind,
    Registry,
)
from orchestrator.emissions.template import (
    COLUMNS,
    DUST,
    INDUSTRY,
    SHEETS,
    TRANSPORT,
    SheetRows,
    cell_text,
    header_index,
    normalize_header,
)
from orchestrator.emissions.upgrading import UpgradeReport
from orchestrator.errors import InputInvalid
from orchestrator.geography.model import Position

_HEADER_SEARCH_ROWS = 10

#: What a list workbook may unpack to: its parts together, and each part against its compressed
#: size (a 100,000-line list is ~15 MB packed, ~150 MB unpacked, a ratio of ~10).
MAX_UNPACKED = 512 * 1024 * 1024
MAX_RATIO = 200
#: The extent a sheet may declare or reach: the list has 41 columns and at most a few hundred
#: thousand lines; a sheet's range is allocated whole by the reader, so one cell at XFD1048576
#: would ask for 17 billion. A reference (a cell's or row's ``r``, the dimension's ``ref``) at
#: column HA (209) or beyond, or at row 300,000 or beyond, is refused. The pattern matches nothing
#: in an ordinary list and starts with a literal, so the scan runs at memory speed; attributes
#: separated by other whitespace than a space are rare and take the general pattern.
_FAR_TAIL = (
    rb'="(?:[A-Z]+[0-9]+:)?((?:[H-Z][A-Z]|[A-Z]{3})[0-9]+|[A-Z]*(?:[3-9][0-9]{5}|[1-9][0-9]{6,}))"'
)
_FAR = re.compile(rb" r(?:ef)?" + _FAR_TAIL)
_FAR_ANY = re.compile(rb"\sr(?:ef)?" + _FAR_TAIL)
_ODD_SPACE = re.compile(rb'[\t\n\r]r(?:ef)?="')


def check_archive(path: Path, name: str) -> None:
    """Refuse a zip-based workbook (xlsx, xlsm, ods) that would take the reader far beyond its
    real content — before the reader sees it: parts unpacking to more than :data:`MAX_UNPACKED`
    or compressed more than :data:`MAX_RATIO` times (a shared-strings bomb), a sheet reaching
    far beyond a list's extent (:data:`_FAR`: one cell at XFD1048576). Each as
    :class:`ListFileInvalid` naming the file and the part."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ListFileInvalid([f"{name}: 无法读取工作簿（不是有效的xlsx文件：{exc}）"]) from None
    with archive:
        infos = archive.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED:
            raise ListFileInvalid(
                [f"{name}: 工作簿解压后达{total // 1024 // 1024}MB，超过"
                 f"{MAX_UNPACKED // 1024 // 1024}MB上限，请删除多余内容后重新上传"]
            )  # fmt: skip
        for info in infos:
            packed = max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and info.file_size / packed > MAX_RATIO:
                raise ListFileInvalid(
                    [f"{name}: 工作簿部件{info.filename}的压缩比异常"
                     f"（{info.file_size // packed}:1），不予读取"]
                )  # fmt: skip
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                _check_extent(archive, info, name)


def _check_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(1024 * 1024):
            text = tail + chunk
            # a line break or tab anywhere (one pass each, at memory speed), and only then the
            # question whether one separates an attribute
            odd = (b"\n" in text or b"\t" in text or b"\r" in text) and bool(
                _ODD_SPACE.search(text)
            )
            far = (_FAR_ANY if odd else _FAR).search(text)
            if far is not None:
                ref = far.group(1).decode("ascii")
                raise ListFileInvalid(
                    [f"{name}: 工作表部件{info.filename}中有单元格或范围达到{ref}，"
                     "远超清单所需（至多208列、30万行），请删除多余的单元格或格式后重新上传"]
                )  # fmt: skip
            tail = text[-64:]


def _grid_rows(
    name: str, sheet: str, grid: list[list[Any]], first_row: int, problems: list[str]
) -> SheetRows | None:
    index = header_index(sheet)
    first_key = COLUMNS[sheet][1 if sheet == INDUSTRY else 0].key  # 企业名称 / 工地名称
    for i, raw in enumerate(grid[:_HEADER_SEARCH_ROWS]):
        cells = [cell_text(c) for c in raw]
        keys = [index.get(normalize_header(c)) for c in cells]
        if first_key in keys:
            header_row = first_row + i
            break
    else:
        problems.append(
            f"{name}:{sheet}:{first_row}: 未找到表头（应含“{COLUMNS[sheet][1 if sheet == INDUSTRY else 0].header}”列）"
        )
        return None
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    for pos, (cell, key) in enumerate(zip(grid[i], keys, strict=True)):
        if key is None:
            continue
        if key in positions:
            problems.append(
                f"{name}:{sheet}:{header_row}:{cell}: 列重复（与“{headers[key]}”为同一列）"
            )
            continue
        headers[key] = cell
        positions[key] = pos
    for col in COLUMNS[sheet]:
        if col.required and col.key not in positions:
            problems.append(f"{name}:{sheet}:{header_row}:{col.header}: 缺少必填列")
    out = SheetRows(sheet=sheet, header_row=header_row, headers=headers)
    width = max(positions.values(), default=0) + 1
    for offset, row in enumerate(grid[i + 1 :], start=1):
        if all(v is None or v == "" for v in row):
            continue
        if len(row) < width:
            row = [*row, *([""] * (width - len(row)))]
        out.rows.append((header_row + offset, {k: row[p] for k, p in positions.items()}))
    return out


def read_workbook(path: Path) -> dict[str, SheetRows]:
    """Every known sheet of ``path`` (xlsx or CSV = the 工业源 sheet); raises
    :class:`ListFileInvalid` for a file that cannot be read or lacks required columns."""
    name = str(path)
    problems: list[str] = []
    out: dict[str, SheetRows] = {}
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ListFileInvalid([f"{name}: 无法读取（须为UTF-8编码的CSV）：{exc}"]) from exc
        try:
            lines = csv_rows(text, name)
        except InputInvalid as exc:
            raise ListFileInvalid([str(exc)]) from None
        grid: list[list[Any]] = [[c.strip() for c in row] for _, row in lines]
        rows = _grid_rows(name, INDUSTRY, grid, 1, problems)
        if rows is not None:
            out[INDUSTRY] = rows
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        import python_calamine

        if suffix != ".xls":  # zip-based: checked before the reader allocates anything
            check_archive(path, name)
        try:
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types for broken files
            raise ListFileInvalid([f"{name}: 无法读取工作簿：{exc}"]) from exc
        if INDUSTRY not in wb.sheet_names:
            problems.append(
                f"{name}:{INDUSTRY}: 缺少工作表“{INDUSTRY}”（现有：{'、'.join(wb.sheet_names)}）"
            )
        for sheet in SHEETS:
            if sheet not in wb.sheet_names:
                continue
            try:
                ws = wb.get_sheet_by_name(sheet)
                grid = ws.to_python(skip_empty_area=False)
            except Exception as exc:  # calamine's own errors for a broken sheet
                raise ListFileInvalid([f"{name}:{sheet}: 无法读取工作表：{exc}"]) from exc
            for (r0, c0), (r1, c1) in ws.merged_cell_ranges or ():
                value = grid[r0][c0] if r0 < len(grid) and c0 < len(grid[r0]) else ""
                for r in range(r0, min(r1, len(grid) - 1) + 1):
                    for c in range(c0, min(c1, len(grid[r]) - 1) + 1):
                        grid[r][c] = value
            rows = _grid_rows(name, sheet, grid, 1, problems)
            if rows is not None:
                out[sheet] = rows
    else:
        raise ListFileInvalid([f"{name}: 不支持的文件类型“{path.suffix}”（应为.xlsx或.csv）"])
    if problems:
        raise ListFileInvalid(problems)
    return out


# --- writing -----------------------------------------------------------------------------------


def _fmt(v: float | None) -> float | str:
    if v is None:
        return ""
    return int(v) if float(v).is_integer() else v


def _location(p: Position | None) -> dict[str, float | str]:
    return {"lon": p.lon, "lat": p.lat} if p is not None else {}


#: The sheet of a draft revision that lists what the counties are asked to settle (the importer
#: reads only the list's own sheets, so a filled draft imports as it is).
TODO_SHEET = "待核实事项"
TODO_HEADER = ("事项", "区县", "统一社会信用代码或工地", "名称", "情况", "请核实办理", "核实结果")


def export_list(lst: EmissionList, out: Path, todo: Sequence[Sequence[str]] | None = None) -> None:
    """Write ``lst`` as a canonical workbook; importing it gives the same content. ``todo``:
    rows of a sheet of matters to settle (:data:`TODO_HEADER`), for a draft revision."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = INDUSTRY
    cols = COLUMNS[INDUSTRY]
    ws.append([c.header for c in cols])
    row = 2
    for n, e in enumerate(lst.enterprises, start=1):
        first = row
        for ln in e.lines:
            rec: dict[str, Any] = {
                "seq": n,
                "name": e.name,
                "uscc": e.uscc,
                "county": e.county,
                "town": e.town,
                "industry": ln.industry,
                "grade": ln.declared_grade.value,
                "category": e.category.value,
                "permit_no": e.permit_no,
                "line": ln.name,
                "check_method": ln.check_method,
                "meter_no": ln.meter_no,
                "note": ln.note,
                "rated": ln.rated.text if ln.rated is not None else "",
                **(
                    {
                        "cap_eia": _fmt(ln.capacity.eia),
                        "cap_permit": _fmt(ln.capacity.permitted),
                        "cap_actual": _fmt(ln.capacity.actual),
                        "cap_unit": ln.capacity.unit,
                    }
                    if ln.capacity is not None
                    else {}
                ),
                "contact": e.contact,
                "phone": e.phone,
                "email": e.email,
                "channel": e.channel,
                **_location(e.location),
            }
            rec |= {f"base_{s.value}": _fmt(ln.baseline.get(s)) for s in Species}
            for m in ln.measures:
                lv = m.level.value
                rec |= {
                    f"{lv}_text": m.text,
                    f"{lv}_kind": m.kind.label,
                    f"{lv}_value": m.cap.text if m.cap is not None else _fmt(m.value),
                }
                rec |= {f"{lv}_{s.value}": _fmt(m.reduction.get(s)) for s in Species}
            ws.append([rec.get(c.key, "") for c in cols])
            row += 1
        if row - first > 1:  # one enterprise, several lines: merge its enterprise cells vertically
            for idx, c in enumerate(cols, start=1):
                if c.enterprise_level:
                    ws.merge_cells(
                        start_row=first, start_column=idx, end_row=row - 1, end_column=idx
                    )
                    ws.cell(first, idx).alignment = Alignment(vertical="center")
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "C2"
    _export_simple(
        wb,
        DUST,
        lst.dust_sites,
        lambda s: (
            {
                "name": s.name,
                "site_type": s.site_type,
                "county": s.county,
                "owner": s.owner,
                "uscc": s.uscc,
                "contact": s.contact,
                "phone": s.phone,
                "base_pm": _fmt(s.baseline_pm),
                **_location(s.location),
            }
            | {
                k: v
                for m in s.measures
                for k, v in (
                    (f"{m.level.value}_text", m.text),
                    (f"{m.level.value}_pm", _fmt(m.reduction.pm)),
                )
            }
        ),
    )
    _export_simple(
        wb,
        TRANSPORT,
        lst.transport_users,
        lambda u: (
            {
                "name": u.name,
                "uscc": u.uscc,
                "county": u.county,
                "industry": u.industry,
                "daily_trips": u.daily_trips,
                "gate_camera": "是" if u.gate_camera else "否",
                "contact": u.contact,
                "phone": u.phone,
            }
            | {
                k: v
                for m in u.measures
                for k, v in (
                    (f"{m.level.value}_text", m.text),
                    (f"{m.level.value}_nox", _fmt(m.reduction.nox)),
                    (f"{m.level.value}_pm", _fmt(m.reduction.pm)),
                )
            }
        ),
    )
    if todo is not None:
        ws = wb.create_sheet(TODO_SHEET)
        ws.append(list(TODO_HEADER))
        for matter in todo:
            ws.append([_plain(str(v)) for v in matter])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDEFG", (20, 10, 30, 34, 52, 40, 40), strict=True):
            ws.column_dimensions[col].width = width
    tmp = out.with_name(out.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(out)


def _export_simple(wb: Any, sheet: str, items: Any, record: Any) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(sheet)
    cols = COLUMNS[sheet]
    ws.append([c.header for c in cols])
    for item in items:
        rec = record(item)
        ws.append([rec.get(c.key, "") for c in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)


# --- registries ---------------------------------------------------------------------------------


def read_registry(
    path: Path, registry: Registry, name: str = ""
) -> list[tuple[str, dict[str, str]]]:
    """The rows of a registry export (CSV in UTF-8 or GB18030, or the first sheet of a workbook)
    as ``(place, cells)``, ``place`` being ``file:row`` (``file:sheet:row``); the header is found
    among the first ten rows. Raises :class:`ListFileInvalid` when the file cannot be read or a
    required column is missing."""
    name = name or str(path)
    suffix = path.suffix.lower()
    grid: list[list[Any]]
    if suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ListFileInvalid([f"{name}: 无法读取：{exc.strerror}"]) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:  # exports from Chinese platforms are often GBK
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ListFileInvalid([f"{name}: 编码无法识别（应为UTF-8或GBK）"]) from None
        try:
            lines = csv_rows(text, name)
        except InputInvalid as exc:
            raise ListFileInvalid([str(exc)]) from None
        grid = [[c.strip() for c in row] for _, row in lines]
        numbers = [n for n, _ in lines]
        where = name
    elif suffix in (".xlsx", ".xlsm", ".ods"):
        import python_calamine

        check_archive(path, name)
        try:
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            sheet = wb.sheet_names[0]
            grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine's own errors for a broken file
            raise ListFileInvalid([f"{name}: 无法读取工作簿：{exc}"]) from exc
        numbers = list(range(1, len(grid) + 1))
        where = f"{name}:{sheet}"
    else:
        raise ListFileInvalid([f"{name}: 不支持的文件类型“{path.suffix}”（应为.csv或.xlsx）"])
    columns = REGISTRY_COLUMNS[registry]
    index = {normalize_header(h): c.key for c in columns for h in (c.header, *c.aliases)}
    first = columns[0]
    found = next(
        (
            (i, keys)
            for i, raw in enumerate(grid[:_HEADER_SEARCH_ROWS])
            if first.key in (keys := [index.get(normalize_header(cell_text(c))) for c in raw])
        ),
        None,
    )
    if found is None:
        raise ListFileInvalid([f"{where}:1: 未找到表头（应含“{first.header}”列）"])
    i, keys = found
    positions: dict[str, int] = {}
    for pos, key in enumerate(keys):
        if key is not None and key not in positions:
            positions[key] = pos
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        raise ListFileInvalid([f"{where}:{numbers[i]}:{h}: 缺少必填列" for h in missing])
    rows: list[tuple[str, dict[str, str]]] = []
    for n, raw in zip(numbers[i + 1 :], grid[i + 1 :], strict=True):
        cells = {k: cell_text(raw[p]) if p < len(raw) else "" for k, p in positions.items()}
        if any(cells.values()):
            rows.append((f"{where}:{n}", cells))
    return rows


def write_coverage(report: CoverageReport, out: Path) -> None:
    """The coverage report as a workbook: a summary sheet, then one sheet per county with what it
    is asked to check (its task list until the response network hands it out)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    run = report.run
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "汇总"
    summary.append([f"应急减排清单覆盖核查（{run.registry.label}，第{run.list_revision}版清单）"])
    summary.append(["核查类别", "数量", "较上次新增", "较上次已解决"])
    new = dict.fromkeys(FindingKind, 0)
    solved = dict.fromkeys(FindingKind, 0)
    for f in report.new:
        new[f.kind] += 1
    for f in report.resolved:
        solved[f.kind] += 1
    counts = report.counts()
    for kind in FindingKind:
        summary.append([kind.label, counts[kind.value], new[kind], solved[kind]])
    for cell in summary[2]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 28
    for county, findings in report.by_county().items():
        ws = wb.create_sheet(county[:31])
        ws.append(["核查类别", "统一社会信用代码或工地", "名称", "情况", "请核实办理"])
        for f in findings:
            ws.append([_plain(v) for v in (f.kind.label, f.key, f.name, f.detail, f.kind.action)])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDE", (22, 24, 34, 52, 40), strict=True):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    tmp = out.with_name(out.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(out)


def _plain(text: str) -> str:
    """A cell's text, never a formula (a value starting with = + - @ is prefixed)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_upgrading(report: UpgradeReport, out: Path) -> None:
    """The 创A升B report as a workbook: one row per enterprise below a target."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "创A升B"
    first, last = report.season
    ws.append(
        [
            f"绩效等级提升进展（第{report.list_revision}版清单，{report.on.isoformat()}）："
            f"受目标约束{report.enterprises}家，已达标{report.met}家，未达标{len(report.laggards)}家；"
            f"上一季{first.isoformat()}至{last.isoformat()}"
        ]
    )
    header = ["区县", "企业名称", "统一社会信用代码", "行业", "现等级", "目标", "目标等级", "期限",
              "剩余天数", "连续低于淘汰线起", "应予淘汰"]  # fmt: skip
    header += [f"升级后{lv.term}少减排{sp.label}(kg/d)" for lv in ALERT_LEVELS for sp in Species]
    header += ["每季少停产(线·天)", "说明"]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for x in report.laggards:
        row: list[object] = [
            x.county, x.name, x.uscc, "、".join(x.industries), x.grade.value, x.target.name,
            x.target.minimum.value, x.target.deadline.isoformat(), x.days_left,
            x.below_since.isoformat() if x.below_since else "", "是" if x.eliminate else "",
        ]  # fmt: skip
        row += [
            x.lifted[lv].get(sp) if lv in x.lifted else "" for lv in ALERT_LEVELS for sp in Species
        ]
        row += [x.line_days, x.note]
        ws.append([_plain(v) if isinstance(v, str) else v for v in row])
    ws.freeze_panes = "C3"
    tmp = out.with_name(out.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(out)
