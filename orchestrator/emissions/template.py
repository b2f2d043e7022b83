"""The canonical emission-list workbook: sheets, columns, header variants.

Documented column by column in ``emission_lists/README.md``; ``emission_lists/template.xlsx`` is
written from these definitions (``orchestrator list template``). Headers are matched after NFKC
normalisation (full-width brackets and letters become ASCII), with spaces and unit brackets
removed, so ``日常排放量SO2（kg/d）`` and ``日常排放量 SO2(千克/天)`` are the same column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS
from orchestrator.emissions.model import Species

INDUSTRY = "工业源"
DUST = "扬尘源"
TRANSPORT = "移动源"
SHEETS = (INDUSTRY, DUST, TRANSPORT)

LEVEL_PREFIX = {"yellow": "黄色", "orange": "橙色", "red": "红色"}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str  # as written in the template, with its unit
    required: bool = True
    enterprise_level: bool = False  # filled down over the rows of one enterprise
    aliases: tuple[str, ...] = ()
    note: str = ""


def _industry_columns() -> tuple[Column, ...]:
    cols = [
        Column("seq", "序号", required=False, enterprise_level=True),
        Column("name", "企业名称", enterprise_level=True, aliases=("单位名称", "企业(单位)名称")),
        Column(
            "uscc", "统一社会信用代码", enterprise_level=True, aliases=("社会信用代码", "信用代码")
        ),
        Column("county", "区县", enterprise_level=True, aliases=("所属区县", "县(市、区)", "县区")),
        Column("town", "乡镇街道", enterprise_level=True, aliases=("乡镇(街道)", "所属乡镇")),
        Column("industry", "行业类别", aliases=("行业", "所属行业")),
        Column("grade", "绩效等级", aliases=("绩效分级等级", "绩效级别")),
        Column("category", "管控类别", enterprise_level=True, aliases=("管控类型",)),
        Column(
            "permit_no",
            "排污许可证编号",
            required=False,
            enterprise_level=True,
            aliases=("排污许可证号",),
        ),
        Column("line", "生产线或工序", aliases=("生产线", "工序", "生产线(工序)")),
    ]
    cols += [Column(f"base_{s.value}", f"日常排放量{s.label}(kg/d)") for s in Species]
    for level in ALERT_LEVELS:
        p = LEVEL_PREFIX[level.value]
        cols += [
            Column(
                f"{level.value}_text", f"{p}预警措施", required=False, aliases=(f"{p}预警减排措施",)
            ),
            Column(f"{level.value}_kind", f"{p}措施类型", required=False),
            Column(f"{level.value}_value", f"{p}限产比例(%)或限值", required=False),
        ]
        cols += [
            Column(f"{level.value}_{s.value}", f"{p}减排量{s.label}(kg/d)", required=False)
            for s in Species
        ]
    cols += [
        Column("check_method", "核查方式", required=False),
        Column("meter_no", "电表编号", required=False),
        Column(
            "rated",
            "额定负荷",
            required=False,
            aliases=("设计负荷",),
            note="The line's rated (design) load with its unit, e.g. 350MW or 130t/h: what a "
            "load cap in % of it is checked against when load readings come in MW or t/h.",
        ),
        Column(
            "note",
            "措施说明",
            required=False,
            aliases=("措施调整说明", "调整理由"),
            note="Why the line's measures differ from its grade's table: a reason for a measure "
            "weaker than the table, or 协商减排 (with the agreement's reference) for a measure "
            "agreed with an A+, A or 引领性 enterprise. Checked at import (`config/list.toml`).",
        ),
        Column("contact", "联系人", required=False, enterprise_level=True),
        Column("phone", "联系电话", required=False, enterprise_level=True),
        Column("email", "电子邮箱", required=False, enterprise_level=True, aliases=("邮箱",)),
        Column("channel", "接收渠道", required=False, enterprise_level=True),
        *_position_columns(enterprise_level=True),
        Column("cap_eia", "环评批复产能", required=False, aliases=("环评产能",)),
        Column("cap_permit", "许可产能", required=False, aliases=("排污许可产能",)),
        Column("cap_actual", "上年实际日均产量", required=False, aliases=("上年日均产量",)),
        Column(
            "cap_unit",
            "产能单位",
            required=False,
            note="The unit of the three capacities (吨/日, 万吨/年 …): where the line's industry "
            "table counts 限产 from the least of them (config/measures limit_base), the order "
            "states the output the line may not exceed.",
        ),
    ]
    return tuple(cols)


def _position_columns(*, enterprise_level: bool = False) -> tuple[Column, Column]:
    """经度 and 纬度 of the enterprise's (the site's) main gate or stack, for the map and the
    county check: CGCS2000 decimal degrees or degrees-minutes-seconds, both or neither."""
    note = (
        "CGCS2000 (WGS-84) in decimal degrees (113.7521) or degrees, minutes and seconds "
        "(113°45′07.6″); both or neither. Web maps' coordinates (高德, 百度) are offset."
    )
    return (
        Column(
            "lon",
            "经度",
            required=False,
            enterprise_level=enterprise_level,
            aliases=("中心经度", "东经"),
            note=note,
        ),
        Column(
            "lat",
            "纬度",
            required=False,
            enterprise_level=enterprise_level,
            aliases=("中心纬度", "北纬"),
            note=note,
        ),
    )


def _dust_columns() -> tuple[Column, ...]:
    cols = [
        Column("name", "工地名称", aliases=("项目名称",)),
        Column("site_type", "工地类型"),
        Column("county", "区县", aliases=("所属区县",)),
        Column("owner", "建设单位"),
        Column("uscc", "统一社会信用代码", required=False),
        Column("contact", "联系人", required=False),
        Column("phone", "联系电话", required=False),
        Column("base_pm", "日常排放量PM(kg/d)"),
    ]
    for level in ALERT_LEVELS:
        p = LEVEL_PREFIX[level.value]
        cols += [
            Column(f"{level.value}_text", f"{p}预警措施", required=False),
            Column(f"{level.value}_pm", f"{p}减排量PM(kg/d)", required=False),
        ]
    cols += _position_columns()
    return tuple(cols)


def _transport_columns() -> tuple[Column, ...]:
    cols = [
        Column("name", "企业名称", aliases=("单位名称",)),
        Column("uscc", "统一社会信用代码"),
        Column("county", "区县", aliases=("所属区县",)),
        Column("industry", "行业类别", required=False),
        Column("daily_trips", "日均货车运输车次"),
        Column("gate_camera", "门禁监控"),
        Column("contact", "联系人", required=False),
        Column("phone", "联系电话", required=False),
    ]
    for level in ALERT_LEVELS:
        p = LEVEL_PREFIX[level.value]
        cols += [
            Column(f"{level.value}_text", f"{p}预警措施", required=False),
            Column(f"{level.value}_nox", f"{p}减排量NOx(kg/d)", required=False),
            Column(f"{level.value}_pm", f"{p}减排量PM(kg/d)", required=False),
        ]
    return tuple(cols)


COLUMNS: dict[str, tuple[Column, ...]] = {
    INDUSTRY: _industry_columns(),
    DUST: _dust_columns(),
    TRANSPORT: _transport_columns(),
}


@dataclass(slots=True)
class SheetRows:
    """One sheet as read: its header row, the headers found (key -> text as written) and the data
    rows as ``(row number, key -> cell text)``."""

    sheet: str
    header_row: int
    headers: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates in ISO form, blanks as ``""``."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    return str(value).strip()


_UNIT = re.compile(r"\([^)]*\)")


def normalize_header(text: str) -> str:
    """Comparable form of a header: NFKC, no spaces, no bracketed units, lower-case ASCII."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"\s+", "", t)
    t = _UNIT.sub("", t)
    return t.lower()


def header_index(sheet: str) -> dict[str, str]:
    """Normalised header or alias -> column key."""
    out: dict[str, str] = {}
    for col in COLUMNS[sheet]:
        for h in (col.header, *col.aliases):
            out[normalize_header(h)] = col.key
    return out
