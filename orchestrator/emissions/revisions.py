"""Use cases on list revisions: import, diff, target check, permit coverage, export."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from orchestrator.db import lists as repo
from orchestrator.db.bulk import paused_gc
from orchestrator.emissions.measures import MeasureBook
from orchestrator.emissions.model import (
    LIST_LEVELS,
    CityProfile,
    EmissionList,
    Enterprise,
    ListFileInvalid,
    Revision,
    Species,
    uscc_valid,
)
from orchestrator.emissions.parse import parse_list
from orchestrator.emissions.template import COLUMNS, DUST, INDUSTRY, TRANSPORT
from orchestrator.emissions.workbook import read_workbook


@dataclass(frozen=True, slots=True)
class ImportResult:
    revision: Revision | None  # None on a dry run
    created: bool
    enterprises: int
    lines: int
    dust_sites: int
    transport_users: int
    warnings: tuple[str, ...]


def import_list(
    engine: Engine | None,
    city: CityProfile,
    book: MeasureBook,
    path: Path,
    *,
    effective_from: dt.date,
    now: dt.datetime,
    dry_run: bool = False,
) -> ImportResult:
    """Read, validate and store ``path`` as a new revision — all of it or, on any error, nothing.

    Importing the same file with the same effective date again returns the existing revision.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFileInvalid([f"{path}: 无法读取：{exc.strerror}"]) from exc
    with paused_gc():
        return _import(
            engine, city, book, path, data, effective_from=effective_from, now=now, dry_run=dry_run
        )


def _import(
    engine: Engine | None,
    city: CityProfile,
    book: MeasureBook,
    path: Path,
    data: bytes,
    *,
    effective_from: dt.date,
    now: dt.datetime,
    dry_run: bool,
) -> ImportResult:
    parsed = parse_list(str(path), read_workbook(path), counties=city.counties, book=book)
    lst = parsed.emission_list
    counts = (
        len(lst.enterprises),
        sum(len(e.lines) for e in lst.enterprises),
        len(lst.dust_sites),
        len(lst.transport_users),
    )
    if dry_run or engine is None:
        return ImportResult(None, False, *counts, parsed.warnings)
    sha = hashlib.sha256(data).hexdigest()
    with engine.begin() as conn:
        existing = repo.find_by_content(conn, city.region_code, sha, effective_from)
        if existing is not None:
            return ImportResult(existing, False, *counts, parsed.warnings)
        rev = repo.store(
            conn,
            city.region_code,
            lst,
            effective_from=effective_from,
            source=path.name,
            sha256=sha,
            imported_at=now.astimezone(dt.UTC),
            warnings=list(parsed.warnings),
        )
    return ImportResult(rev, True, *counts, parsed.warnings)


# --- diff ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListDiff:
    added: list[Enterprise]
    removed: list[Enterprise]
    grade_changes: list[tuple[Enterprise, Enterprise]]
    measure_changes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.grade_changes or self.measure_changes)


def diff_lists(old: EmissionList, new: EmissionList) -> ListDiff:
    before = {e.uscc: e for e in old.enterprises}
    after = {e.uscc: e for e in new.enterprises}
    changes: list[str] = []
    grades = []
    for uscc in before.keys() & after.keys():
        a, b = before[uscc], after[uscc]
        if a.grade is not b.grade:
            grades.append((a, b))
        lines_a = {ln.name: ln for ln in a.lines}
        lines_b = {ln.name: ln for ln in b.lines}
        for name in sorted(lines_b.keys() - lines_a.keys()):
            changes.append(f"{b.name}：新增生产线“{name}”")
        for name in sorted(lines_a.keys() - lines_b.keys()):
            changes.append(f"{b.name}：删除生产线“{name}”")
        for name in sorted(lines_a.keys() & lines_b.keys()):
            for level in LIST_LEVELS:
                ma, mb = lines_a[name].measure(level), lines_b[name].measure(level)
                if ma is None or mb is None:
                    if ma != mb:
                        changes.append(
                            f"{b.name}“{name}”{level.label}预警：措施{'新增' if ma is None else '删除'}"
                        )
                    continue
                if (ma.kind, ma.text, ma.value, ma.reduction) != (
                    mb.kind,
                    mb.text,
                    mb.value,
                    mb.reduction,
                ):
                    changes.append(f"{b.name}“{name}”{level.label}预警：“{ma.text}”→“{mb.text}”")
    order = {u: i for i, u in enumerate(after)}
    return ListDiff(
        added=[after[u] for u in after.keys() - before.keys()],
        removed=[before[u] for u in before.keys() - after.keys()],
        grade_changes=sorted(grades, key=lambda p: order.get(p[1].uscc, 0)),
        measure_changes=changes,
    )


# --- permit coverage -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    missing: list[tuple[str, str]]  # (USCC, name) in the permit registry, air-emitting, not listed
    without_permit: list[Enterprise]
    problems: list[str]


def coverage(lst: EmissionList, permits_csv: Path) -> Coverage:
    """Compare the list with a permit-registry export (CSV: 统一社会信用代码, 企业名称, 涉气)."""
    text = permits_csv.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    problems = []
    if not rows:
        raise ListFileInvalid([f"{permits_csv}: 文件为空"])
    header = [unicodedata.normalize("NFKC", h).strip() for h in rows[0]]
    want = {
        "uscc": ("统一社会信用代码", "uscc"),
        "name": ("企业名称", "单位名称", "name"),
        "air": ("涉气", "涉气排放", "air"),
    }
    pos: dict[str, int] = {}
    for key, names in want.items():
        hit = next((i for i, h in enumerate(header) if h in names), None)
        if hit is None:
            problems.append(f"{permits_csv}:1:{names[0]}: 缺少列")
        else:
            pos[key] = hit
    if problems:
        raise ListFileInvalid(problems)
    listed = {e.uscc for e in lst.enterprises}
    missing = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        uscc = unicodedata.normalize("NFKC", cells[pos["uscc"]]).strip().upper()
        if not uscc_valid(uscc):
            problems.append(
                f"{permits_csv}:{line}:{header[pos['uscc']]}: “{uscc}”不是有效的统一社会信用代码"
            )
            continue
        air = cells[pos["air"]].strip().lower() in ("是", "true", "1", "yes", "y")
        if air and uscc not in listed:
            missing.append((uscc, cells[pos["name"]].strip()))
    return Coverage(
        missing=missing,
        without_permit=[e for e in lst.enterprises if not e.permit_no],
        problems=problems,
    )


# --- export --------------------------------------------------------------------------------------


def _fmt(v: float | None) -> float | str:
    if v is None:
        return ""
    return int(v) if float(v).is_integer() else v


def export_list(lst: EmissionList, out: Path) -> None:
    """Write ``lst`` as a canonical workbook; importing it gives the same content."""
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
                "contact": e.contact,
                "phone": e.phone,
                "email": e.email,
                "channel": e.channel,
            }
            rec |= {f"base_{s.value}": _fmt(ln.baseline.get(s)) for s in Species}
            for m in ln.measures:
                lv = m.level.value
                rec |= {
                    f"{lv}_text": m.text,
                    f"{lv}_kind": m.kind.label,
                    f"{lv}_value": _fmt(m.value),
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


def same_content(a: EmissionList, b: EmissionList) -> bool:
    """Equal lists, ignoring whether a measure was filled from a table (an export makes it explicit)."""

    def plain(lst: EmissionList) -> EmissionList:
        return replace(
            lst,
            enterprises=tuple(
                replace(
                    e,
                    lines=tuple(
                        replace(
                            ln, measures=tuple(replace(m, from_table=False) for m in ln.measures)
                        )
                        for ln in e.lines
                    ),
                )
                for e in lst.enterprises
            ),
        )

    return plain(a) == plain(b)
