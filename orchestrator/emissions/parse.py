"""Validating list rows into an :class:`EmissionList`, collecting every problem with its place.

Errors (nothing is stored): bad USCC or check digit, unknown county, grade or category, negative or
non-numeric amounts, reductions above the line's baseline, a level without a measure where the grade
requires one and no measure table can supply it, duplicate (USCC, line).
Warnings (stored with the revision): measures filled from ``config/measures``, a measure weaker than
its grade's table entry, ungraded key-industry enterprises lowered to the industry's lowest grade,
multi-industry enterprises taking their lowest grade.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.emissions.measures import (
    AUTONOMOUS_TEXT,
    NEGOTIATED,
    MeasureBook,
    Severity,
    table_measure,
    weaker_than,
)
from orchestrator.emissions.model import (
    MEASURE_KIND_LABELS,
    Amounts,
    Capacity,
    ControlCategory,
    DustSite,
    EmissionList,
    Enterprise,
    Grade,
    Line,
    ListFileInvalid,
    Load,
    LoadUnit,
    Measure,
    MeasureKind,
    Species,
    TransportUser,
    uscc_valid,
)
from orchestrator.emissions.template import (
    COLUMNS,
    DUST,
    INDUSTRY,
    LEVEL_PREFIX,
    TRANSPORT,
    SheetRows,
    cell_text,
)
from orchestrator.geography.model import Extent, Position, PositionInvalid, axis_of, position

_KIND_BY_TEXT = {v: k for k, v in MEASURE_KIND_LABELS.items()} | {k.value: k for k in MeasureKind}
_KIND_KEYWORDS = (
    ("结焦", MeasureKind.COKING_TIME),
    ("自主", MeasureKind.AUTONOMOUS),
    ("负荷", MeasureKind.LOAD_CAP),
    ("投料", MeasureKind.FEED_CAP),
    ("停产", MeasureKind.STOP),
    ("停止生产", MeasureKind.STOP),
    ("限产", MeasureKind.LIMIT),
    ("施工", MeasureKind.CONSTRUCTION),
    ("运输", MeasureKind.TRANSPORT),
)
_YES = {"是", "有", "true", "yes", "y", "1", "已安装"}
_NO = {"否", "无", "false", "no", "n", "0", "未安装", ""}


@dataclass(frozen=True, slots=True)
class ParsedList:
    emission_list: EmissionList
    warnings: tuple[str, ...]


def _norm(text: str) -> str:
    if text.isascii():  # the common case; NFKC only matters for full-width input
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


#: Control characters: none in a name, a code or a contact; a measure's text or a note may
#: run over several lines (line feed, tab).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MULTILINE = frozenset({"note", "check_method", *(f"{lv.value}_text" for lv in ALERT_LEVELS)})
#: A comma in a number is a thousands separator only in groups of three: "1,840" but not "1,84".
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class _Cells:
    """One row's cells with error collection: ``num``/``text`` record problems, never raise.
    Control characters are refused in every cell of the row as it is read; every number is
    held to ``limit`` (config/list.toml [bounds])."""

    def __init__(
        self,
        name: str,
        sheet: SheetRows,
        row: int,
        rec: dict[str, Any],
        problems: list[str],
        limit: float = math.inf,
    ):
        self.name, self.sheet, self.row, self.rec, self.problems = name, sheet, row, rec, problems
        self.limit = limit
        self.ok = True
        self.failed: set[str] = set()  # keys already reported: no follow-on errors from them
        texts = [v for v in rec.values() if type(v) is str]
        if texts and _CONTROL.search("".join(texts)):  # one search a row; rare: find the cells
            for key, value in rec.items():
                pattern = _CONTROL_IN_TEXT if key in _MULTILINE else _CONTROL
                if type(value) is str and pattern.search(value):
                    self.fail(key, "含有控制字符（换行、制表符、NUL等），请删除后重新导入")

    def where(self, key: str) -> str:
        header = self.sheet.headers.get(key) or next(
            c.header for c in COLUMNS[self.sheet.sheet] if c.key == key
        )
        return f"{self.name}:{self.sheet.sheet}:{self.row}:{header}"

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where(key)}: {message}")
        self.ok = False
        self.failed.add(key)

    def text(self, key: str, required: bool = False) -> str:
        value: str = cell_text(self.rec.get(key))
        if required and not value:
            self.fail(key, "不能为空")
        return value

    def num(self, key: str, required: bool = False) -> float:
        cell = self.rec.get(key)
        if type(cell) is float or type(cell) is int:  # numbers straight from the workbook
            if 0 <= cell <= self.limit:
                return float(cell)
            self._out_of_range(key, cell, f"{cell:g}")
            return 0.0
        raw = _norm(cell_text(cell))
        if raw == "":
            if required:
                self.fail(key, "不能为空")
            return 0.0
        if "," in raw:
            if not _THOUSANDS.fullmatch(raw):
                plain = raw.replace(",", "")
                self.fail(
                    key,
                    f"“{raw}”中的逗号无法判断是千位分隔符还是小数点，"
                    f"请写作{raw.replace(',', '.')}或{plain}",
                )
                return 0.0
            raw = raw.replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            self.fail(key, f"不是数值：“{raw}”")
            return 0.0
        if 0 <= value <= self.limit:
            return value
        self._out_of_range(key, value, raw)
        return 0.0

    def position(self, extent: Extent) -> Position | None:
        """The row's 经度 and 纬度 (None when both are blank); a problem names the cell."""
        try:
            return position(self.rec.get("lon"), self.rec.get("lat"), extent)
        except PositionInvalid as exc:
            self.fail(axis_of(exc).value, str(exc.args[0]))
            return None

    def _out_of_range(self, key: str, value: float, shown: str) -> None:
        if value < 0:
            self.fail(key, f"不能为负数：{shown}")
        elif not math.isfinite(value):
            self.fail(key, f"不是有限数值：“{shown}”")
        else:
            self.fail(
                key,
                f"数值{shown}超过合理上限{self.limit:g}（config/list.toml [bounds]），请核对单位和数值",
            )


def _grade(cells: _Cells, warnings: list[str]) -> Grade:
    raw = _norm(cell_text(cells.rec.get("grade"))).upper().replace("－", "-")
    if raw in ("", "无", "未评级", "未分级"):
        return Grade.UNGRADED
    for g in Grade:
        if raw == g.value.upper():
            return g
    cells.fail(
        "grade",
        f"未知绩效等级“{cell_text(cells.rec.get('grade'))}”（可用：{'、'.join(g.value for g in Grade)}）",
    )
    return Grade.UNGRADED


def _kind(cells: _Cells, level: AlertLevel, text: str) -> MeasureKind | None:
    raw = _norm(cell_text(cells.rec.get(_KIND_KEY[level])))
    if raw:
        kind = _KIND_BY_TEXT.get(raw) or _KIND_BY_TEXT.get(raw.lower())
        if kind is None:
            cells.fail(
                f"{level.value}_kind",
                f"未知措施类型“{raw}”（可用：{'、'.join(MEASURE_KIND_LABELS.values())}）",
            )
        return kind
    for word, kind in _KIND_KEYWORDS:
        if word in text:
            return kind
    if text:
        cells.fail(f"{level.value}_kind", "措施类型为空且无法从措施内容判断")
    return None


_LEVELS = tuple((level, level.value) for level in ALERT_LEVELS)
_KIND_KEY = {level: f"{level.value}_kind" for level in ALERT_LEVELS}
_AMOUNT_KEYS = {
    prefix: tuple(f"{prefix}_{s.value}" for s in Species)
    for prefix in ("base", *(lv.value for lv in ALERT_LEVELS))
}


def _amounts(cells: _Cells, prefix: str, required: bool = False) -> Amounts:
    k_so2, k_nox, k_pm, k_vocs = _AMOUNT_KEYS[prefix]
    return Amounts(
        so2=cells.num(k_so2, required),
        nox=cells.num(k_nox, required),
        pm=cells.num(k_pm, required),
        vocs=cells.num(k_vocs, required),
    )


@dataclass(slots=True)
class _Draft:
    """An enterprise being assembled from its rows."""

    first_row: int
    uscc: str
    name: str
    county: str
    town: str
    category: ControlCategory | None
    permit_no: str
    contact: str
    phone: str
    email: str
    channel: str
    lines: list[tuple[_Cells, Line]]
    location: Position | None = None


def parse_list(
    name: str, sheets: dict[str, SheetRows], *, counties: Collection[str], book: MeasureBook
) -> ParsedList:
    """Build the list or raise :class:`ListFileInvalid` with every problem found."""
    problems: list[str] = []
    warnings: list[str] = []
    if INDUSTRY in sheets and not sheets[INDUSTRY].rows:
        problems.append(f"{name}:{INDUSTRY}:{sheets[INDUSTRY].header_row + 1}: 工作表没有数据行")
    enterprises = (
        _industry(name, sheets[INDUSTRY], counties, book, problems, warnings)
        if INDUSTRY in sheets
        else ()
    )
    limit = book.bounds.max_kg_per_day
    dust = (
        _dust(name, sheets[DUST], counties, problems, limit, book.bounds.extent)
        if DUST in sheets
        else ()
    )
    transport = (
        _transport(name, sheets[TRANSPORT], counties, problems, limit)
        if TRANSPORT in sheets
        else ()
    )
    if problems:
        raise ListFileInvalid(problems)
    return ParsedList(
        emission_list=EmissionList(
            enterprises=enterprises, dust_sites=dust, transport_users=transport
        ),
        warnings=tuple(warnings),
    )


def _industry(
    name: str,
    sheet: SheetRows,
    counties: Collection[str],
    book: MeasureBook,
    problems: list[str],
    warnings: list[str],
) -> tuple[Enterprise, ...]:
    drafts: dict[str, _Draft] = {}
    current: _Draft | None = None
    seen_lines: dict[tuple[str, str], int] = {}
    good_uscc: set[str] = set()  # checked once per enterprise, not once per line
    inherited = [c.key for c in COLUMNS[INDUSTRY] if c.enterprise_level]
    for row, rec in sheet.rows:
        cells = _Cells(name, sheet, row, rec, problems, book.bounds.max_kg_per_day)
        uscc = _norm(cell_text(rec.get("uscc"))).upper()
        continuation = not uscc and not cell_text(rec.get("name")) and current is not None
        if continuation and current is not None:
            # A row of the enterprise above (merged or left blank): inherit enterprise columns.
            for col_key in inherited:
                if not cell_text(rec.get(col_key)):
                    rec[col_key] = (
                        getattr(current, col_key, "")
                        if col_key != "category"
                        else (current.category.value if current.category else "")
                    )
            uscc = current.uscc
        if uscc in good_uscc:
            pass
        elif not uscc:
            cells.fail("uscc", "不能为空")
        elif len(uscc) != 18:
            cells.fail("uscc", f"“{uscc}”应为18位（实为{len(uscc)}位）")
        elif not uscc_valid(uscc):
            cells.fail("uscc", f"“{uscc}”校验位错误（GB 32100-2015）")
        else:
            good_uscc.add(uscc)
        ent_name = cells.text("name", required=True)
        county = cells.text("county", required=True)
        if county and county not in counties:
            cells.fail("county", f"未知区县“{county}”（可用：{'、'.join(counties)}）")
        category: ControlCategory | None = None
        raw_cat = _norm(cell_text(rec.get("category")))
        if not raw_cat:
            cells.fail("category", "不能为空")
        else:
            try:
                category = ControlCategory(raw_cat)
            except ValueError:
                cells.fail(
                    "category",
                    f"未知管控类别“{raw_cat}”（可用：{'、'.join(c.value for c in ControlCategory)}）",
                )
        industry = cells.text("industry", required=True)
        grade = _grade(cells, warnings)
        line_name = cells.text("line", required=True)
        baseline = _amounts(cells, "base", required=True)
        measures: list[Measure] = []
        for level, lv in _LEVELS:
            text = cell_text(rec.get(f"{lv}_text"))
            kind = _kind(cells, level, text)
            value_cell = rec.get(f"{lv}_value")
            unit: LoadUnit | None = None
            if kind is MeasureKind.LOAD_CAP:
                value, unit = _load_cap(cells, lv, value_cell, text)
            else:
                value = cells.num(f"{lv}_value") if cell_text(value_cell) else None
            reduction = _amounts(cells, lv)
            over = (
                ()
                if any(k.startswith("base_") for k in cells.failed)
                else reduction.exceeds(baseline)
            )
            if over:
                cells.fail(
                    f"{level.value}_{over[0].value}",
                    f"{LEVEL_PREFIX[level.value]}减排量{over[0].label}（{reduction.get(over[0]):g}）大于日常排放量（{baseline.get(over[0]):g}）",
                )
            if kind is MeasureKind.LIMIT and value is not None and not 0 < value <= 100:
                cells.fail(f"{level.value}_value", f"限产比例须在0到100之间，实为{value:g}")
                value = None
            if kind is not None:
                measures.append(
                    Measure(
                        level=level,
                        kind=kind,
                        text=text or kind.label,
                        value=value,
                        reduction=reduction,
                        unit=unit,
                    )
                )
        rated: Load | None = None
        rated_text = cell_text(rec.get("rated"))
        if rated_text:
            try:
                rated = Load.find(_norm(rated_text))
            except ValueError:
                rated = None
            if rated is None or rated.unit is LoadUnit.PERCENT:
                cells.fail("rated", f"应写明数值和单位（如350MW、130t/h），实为“{rated_text}”")
                rated = None
        capacity = _capacity(cells)
        if uscc and line_name:
            key = (uscc, line_name)
            if key in seen_lines:
                cells.fail(
                    "line", f"生产线“{line_name}”与第{seen_lines[key]}行重复（同一企业同一生产线）"
                )
            else:
                seen_lines[key] = row
        email = cell_text(rec.get("email"))
        place = cells.position(book.bounds.extent)
        draft = drafts.get(uscc)
        if draft is not None and place is not None and draft.location not in (None, place):
            assert draft.location is not None
            cells.fail(
                "lon",
                f"坐标（{place.text}）与第{draft.first_row}行的同一企业（{draft.location.text}）"
                "不同：一家企业填写一处坐标（厂区中心或主要排放口）",
            )
        if draft is None:  # an enterprise's first row: its e-mail checked once
            if email and "email" not in cells.failed and not _EMAIL.fullmatch(email):
                cells.fail("email", f"“{email}”不是有效的电子邮箱地址")
        elif not (continuation and draft is current):  # a continuation inherited its values
            _same_enterprise(cells, draft)
        if not cells.ok:
            continue
        line = Line(
            name=line_name,
            industry=industry,
            declared_grade=grade,
            baseline=baseline,
            measures=tuple(measures),
            check_method=cell_text(rec.get("check_method")),
            meter_no=cell_text(rec.get("meter_no")),
            note=cell_text(rec.get("note")),
            rated=rated,
            capacity=capacity,
        )
        if draft is None:
            draft = drafts[uscc] = _Draft(
                first_row=row,
                uscc=uscc,
                name=ent_name,
                county=county,
                town=cell_text(rec.get("town")),
                category=category,
                permit_no=cell_text(rec.get("permit_no")),
                contact=cell_text(rec.get("contact")),
                phone=cell_text(rec.get("phone")),
                email=email,
                channel=cell_text(rec.get("channel")),
                lines=[],
            )
        draft.lines.append((cells, line))
        if draft.location is None:
            draft.location = place
        current = draft
    return tuple(
        _finish(d, book, problems, warnings) for d in drafts.values() if d.category is not None
    )


#: What a row says of its enterprise: every row of one USCC must say the same (or nothing).
_ENTERPRISE_FIELDS = ("name", "county", "town", "permit_no", "contact", "phone", "email", "channel")


def _same_enterprise(cells: _Cells, draft: _Draft) -> None:
    """A row whose USCC is an enterprise's already read must not say anything else of it: two
    enterprises under one code would be merged and the second's name and contacts dropped."""
    for key in _ENTERPRISE_FIELDS:
        given = cell_text(cells.rec.get(key))
        known = getattr(draft, key)
        if given and known and given != known and _norm(given) != _norm(known):
            header = cells.sheet.headers.get(key, key)
            cells.fail(
                key,
                f"统一社会信用代码与第{draft.first_row}行的企业相同，但{header}为“{given}”"
                f"（第{draft.first_row}行为“{known}”）：同一企业各行的企业信息须一致，"
                "不同企业须各用其统一社会信用代码",
            )


def _effective_grade(d: _Draft, book: MeasureBook, warnings: list[str], where: str) -> Grade:
    grades = []
    lowered: set[str] = set()
    for _, line in d.lines:
        g = line.declared_grade
        if g is Grade.UNGRADED and book.is_key_industry(line.industry):
            g = book.lowest_grade(line.industry)
            if line.industry not in lowered:  # once per enterprise and industry
                lowered.add(line.industry)
                warnings.append(
                    f"{where}: {d.name}（{line.industry}）未评级，按该行业最低等级{g.value}管控"
                )
        grades.append(g)
    lowest = min(grades, key=lambda g: g.rank)
    if len(set(grades)) > 1:
        warnings.append(
            f"{where}: {d.name}涉及多个行业或等级（{'、'.join(sorted({g.value for g in grades}))}），按最低等级{lowest.value}管控"
        )
    return lowest


def _load_cap(
    cells: _Cells, lv: str, value_cell: object, text: str
) -> tuple[float | None, LoadUnit | None]:
    """A load cap's limit and unit: from the value cell (``80``, ``80%``, ``300MW``), the unit
    (or both) else from the measure's text (``负荷不超过设计负荷的80%``)."""
    key = f"{lv}_value"
    raw = _norm(cell_text(value_cell))
    found = None
    try:
        found = Load.find(raw) if raw else None
        in_text = Load.find(_norm(text))
    except ValueError as exc:
        cells.fail(key, f"限负荷限值有误：{exc}")
        return None, None
    if found is None and raw:
        number = cells.num(key)
        if key in cells.failed:
            return None, None
        if in_text is None:
            cells.fail(key, f"限负荷须写明限值单位（%、MW或t/h），如“80%”，实为“{raw}”")
            return None, None
        return number, in_text.unit
    cap = found or in_text
    if cap is None:
        cells.fail(key, "限负荷须写明限值及单位（%、MW或t/h），如“80%”“300MW”")
        return None, None
    return cap.value, cap.unit


def _contradiction(
    severity: Severity, cells: _Cells, key: str, message: str, warnings: list[str]
) -> None:
    """A line's measure that contradicts its grade: an error (the import refused) or a hint,
    as ``config/list.toml`` says."""
    if severity is Severity.ERROR:
        cells.fail(key, message)
    else:
        warnings.append(f"{cells.where(key)}: {message}")


def _finish(d: _Draft, book: MeasureBook, problems: list[str], warnings: list[str]) -> Enterprise:
    assert d.category is not None
    first_cells = d.lines[0][0]
    where = f"{first_cells.name}:{INDUSTRY}:{d.first_row}"
    grade = _effective_grade(d, book, warnings, where)
    lines: list[Line] = []
    for cells, line in d.lines:
        measures = {m.level: m for m in line.measures}
        table = book.table(line.industry)
        for level in ALERT_LEVELS:
            entry = table.entry(grade, level) if table else None
            m = measures.get(level)
            if m is None:
                if d.category is ControlCategory.LONG_STOPPED:
                    m = Measure(
                        level=level, kind=MeasureKind.STOP, text="长期停产，未经批准不得恢复生产"
                    )
                elif grade.autonomous:
                    m = Measure(level=level, kind=MeasureKind.AUTONOMOUS, text=AUTONOMOUS_TEXT)
                elif d.category.load_capped:
                    cells.fail(
                        f"{level.value}_text",
                        f"{d.category.value}企业须填写{LEVEL_PREFIX[level.value]}预警的最大允许负荷措施",
                    )
                    continue
                elif entry is not None:
                    m = table_measure(entry, level, line.baseline)
                    warnings.append(
                        f"{cells.where(f'{level.value}_text')}: 未填写{LEVEL_PREFIX[level.value]}预警措施，已按{table.source if table else ''}补充为“{entry.text}”"
                    )
                else:
                    cells.fail(
                        f"{level.value}_text",
                        f"绩效等级{grade.value}须填写{LEVEL_PREFIX[level.value]}预警措施，且无该行业措施表可补充",
                    )
                    continue
                measures[level] = m
            elif d.category is ControlCategory.LONG_STOPPED or (
                d.category.load_capped and m.kind is MeasureKind.LOAD_CAP
            ):
                pass  # the category decides: stays stopped, or runs under its load cap
            elif grade.autonomous:
                if m.kind is not MeasureKind.AUTONOMOUS and NEGOTIATED not in line.note:
                    _contradiction(
                        book.contradictions.mandatory_on_autonomous_grade,
                        cells,
                        f"{level.value}_text",
                        f"绩效等级{grade.value}的企业应急期间自主减排，{LEVEL_PREFIX[level.value]}"
                        f"预警不应有强制性措施“{m.text}”；如为协商减排，请在措施说明中注明"
                        f"“{NEGOTIATED}”及协议编号",
                        warnings,
                    )
            elif entry is not None and weaker_than(m, entry):
                weaker = (
                    f"{LEVEL_PREFIX[level.value]}预警措施“{m.text}”弱于绩效等级{grade.value}"
                    f"的要求（{entry.text}）"
                )
                if line.note:
                    warnings.append(
                        f"{cells.where(f'{level.value}_kind')}: {weaker}，措施说明：{line.note}"
                    )
                else:
                    _contradiction(
                        book.contradictions.weaker_than_grade,
                        cells,
                        f"{level.value}_kind",
                        f"{weaker}，且措施说明未说明理由",
                        warnings,
                    )
            if d.category.load_capped and m.kind not in (
                MeasureKind.LOAD_CAP,
                MeasureKind.AUTONOMOUS,
            ):
                warnings.append(
                    f"{cells.where(f'{level.value}_kind')}: {d.category.value}企业应以最大允许负荷管控，措施类型为“{m.kind.label}”"
                )
        lines.append(
            Line(
                name=line.name,
                industry=line.industry,
                declared_grade=line.declared_grade,
                baseline=line.baseline,
                measures=tuple(measures[lv] for lv in ALERT_LEVELS if lv in measures),
                check_method=line.check_method,
                meter_no=line.meter_no,
                note=line.note,
                rated=line.rated,
                capacity=(
                    dataclasses.replace(line.capacity, binding=table.least_base)
                    if line.capacity is not None and table is not None
                    else line.capacity
                ),
            )
        )
    return Enterprise(
        uscc=d.uscc,
        name=d.name,
        county=d.county,
        town=d.town,
        category=d.category,
        grade=grade,
        permit_no=d.permit_no,
        lines=tuple(lines),
        contact=d.contact,
        phone=d.phone,
        email=d.email,
        channel=d.channel,
        location=d.location,
    )


_CAPACITIES = ("cap_eia", "cap_permit", "cap_actual")


def _capacity(cells: _Cells) -> Capacity | None:
    """The line's capacities (环评批复, 许可, 上年实际) and their unit; None when none is given."""
    figures: dict[str, float | None] = {}
    for key in _CAPACITIES:
        raw = _norm(cell_text(cells.rec.get(key))).replace(",", "")
        if not raw:
            figures[key] = None
            continue
        try:
            value = float(raw)
        except ValueError:
            cells.fail(key, f"不是数值：“{raw}”")
            return None
        if not (value > 0 and math.isfinite(value)):
            cells.fail(key, f"产能须大于0，实为{raw}")
            return None
        figures[key] = value
    unit = _norm(cell_text(cells.rec.get("cap_unit")))
    if all(v is None for v in figures.values()):
        return None
    if not unit:
        cells.fail("cap_unit", "填写了产能，须注明产能单位（如吨/日）")
        return None
    if len(unit) > 16:
        cells.fail("cap_unit", f"产能单位过长：“{unit}”")
        return None
    return Capacity(
        eia=figures["cap_eia"],
        permitted=figures["cap_permit"],
        actual=figures["cap_actual"],
        unit=unit,
    )


def _level_measures(
    cells: _Cells, kind: MeasureKind, species: tuple[Species, ...]
) -> tuple[Measure, ...]:
    out = []
    for level in ALERT_LEVELS:
        text = cell_text(cells.rec.get(f"{level.value}_text"))
        red = Amounts(**{s.value: cells.num(f"{level.value}_{s.value}") for s in species})
        if text or any(red.get(s) for s in species):
            out.append(Measure(level=level, kind=kind, text=text or kind.label, reduction=red))
    return tuple(out)


def _county(cells: _Cells, counties: Collection[str]) -> str:
    county = cells.text("county", required=True)
    if county and county not in counties:
        cells.fail("county", f"未知区县“{county}”（可用：{'、'.join(counties)}）")
    return county


def _dust(
    name: str,
    sheet: SheetRows,
    counties: Collection[str],
    problems: list[str],
    limit: float,
    extent: Extent,
) -> tuple[DustSite, ...]:
    out = []
    for row, rec in sheet.rows:
        cells = _Cells(name, sheet, row, rec, problems, limit)
        uscc = _norm(cell_text(rec.get("uscc"))).upper()
        if uscc and not uscc_valid(uscc):
            cells.fail("uscc", f"“{uscc}”不是有效的统一社会信用代码")
        site = DustSite(
            name=cells.text("name", required=True),
            site_type=cells.text("site_type", required=True),
            county=_county(cells, counties),
            owner=cells.text("owner", required=True),
            uscc=uscc,
            contact=cells.text("contact"),
            phone=cells.text("phone"),
            baseline_pm=cells.num("base_pm", required=True),
            measures=_level_measures(cells, MeasureKind.CONSTRUCTION, (Species.PM,)),
            location=cells.position(extent),
        )
        for m in site.measures:
            if "base_pm" not in cells.failed and m.reduction.pm > site.baseline_pm + 1e-9:
                cells.fail(
                    f"{m.level.value}_pm",
                    f"减排量PM（{m.reduction.pm:g}）大于日常排放量（{site.baseline_pm:g}）",
                )
        if cells.ok:
            out.append(site)
    return tuple(out)


def _transport(
    name: str, sheet: SheetRows, counties: Collection[str], problems: list[str], limit: float
) -> tuple[TransportUser, ...]:
    out = []
    for row, rec in sheet.rows:
        cells = _Cells(name, sheet, row, rec, problems, limit)
        uscc = _norm(cell_text(rec.get("uscc"))).upper()
        if not uscc_valid(uscc):
            cells.fail("uscc", f"“{uscc}”不是有效的统一社会信用代码")
        trips = cells.num("daily_trips", required=True)
        if trips != int(trips):
            cells.fail("daily_trips", f"车次须为整数，实为{trips:g}")
        camera = _norm(cell_text(rec.get("gate_camera"))).lower()
        if camera not in _YES | _NO:
            cells.fail("gate_camera", f"应为“是”或“否”，实为“{cell_text(rec.get('gate_camera'))}”")
        user = TransportUser(
            name=cells.text("name", required=True),
            uscc=uscc,
            county=_county(cells, counties),
            industry=cells.text("industry"),
            daily_trips=int(trips),
            gate_camera=camera in _YES,
            contact=cells.text("contact"),
            phone=cells.text("phone"),
            measures=_level_measures(cells, MeasureKind.TRANSPORT, (Species.NOX, Species.PM)),
        )
        if cells.ok:
            out.append(user)
    return tuple(out)
