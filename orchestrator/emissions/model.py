"""The emergency emission list (应急减排清单) as core values.

One :class:`Enterprise` has production lines (生产线或工序); each line has a daily baseline per
pollutant and, per alert level, one :class:`Measure` (what to do, its kind, a limit value and the
reduction it achieves). Dust sites (扬尘源) and transport users (移动源) are listed beside them.
Everything is immutable; invariants are checked on construction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.errors import InputInvalid, NotFound
from orchestrator.geography.model import Position


class Species(StrEnum):
    """Pollutants accounted in the list (kg/d)."""

    SO2 = "so2"
    NOX = "nox"
    PM = "pm"
    VOCS = "vocs"

    @property
    def label(self) -> str:
        return _SPECIES_LABEL[self]


_SPECIES_LABEL = {Species.SO2: "SO2", Species.NOX: "NOx", Species.PM: "PM", Species.VOCS: "VOCs"}


class Grade(StrEnum):
    """绩效等级 (环办大气〔2026〕2号 and provincial practice)."""

    A_PLUS = "A+"
    A = "A"
    B = "B"
    B_MINUS = "B-"
    C = "C"
    D = "D"
    LEADING = "引领性"
    NON_LEADING = "非引领性"
    UNGRADED = "未评级"

    @property
    def autonomous(self) -> bool:
        """A+, A and 引领性 reduce autonomously during alerts (no mandatory measures)."""
        return self in (Grade.A_PLUS, Grade.A, Grade.LEADING)

    @property
    def rank(self) -> int:
        """Higher is better; the lowest rank decides for a multi-industry enterprise (短板原则)."""
        return _GRADE_RANK[self]


_GRADE_RANK = {
    Grade.A_PLUS: 7,
    Grade.A: 6,
    Grade.LEADING: 6,
    Grade.B: 5,
    Grade.B_MINUS: 4,
    Grade.C: 3,
    Grade.NON_LEADING: 2,
    Grade.D: 1,
    Grade.UNGRADED: 0,
}


class ControlCategory(StrEnum):
    """管控类别."""

    PERFORMANCE = "绩效分级"
    LIVELIHOOD = "民生保障"
    HEAT_LED = "以热定产"
    ORDER_LED = "以量定产"
    LONG_STOPPED = "长期停产"
    GENERAL = "一般工业"
    SMALL = "小微涉气"

    @property
    def load_capped(self) -> bool:
        """Run under a maximum allowed load instead of curtailment."""
        return self in (
            ControlCategory.LIVELIHOOD,
            ControlCategory.HEAT_LED,
            ControlCategory.ORDER_LED,
        )


class MeasureKind(StrEnum):
    """措施类型: structured kinds beside the official free text."""

    STOP = "stop"  # 停产
    LIMIT = "limit"  # 限产 (value = % of the base)
    LOAD_CAP = "load_cap"  # 限负荷 (value = cap, unit in the text)
    COKING_TIME = "coking_time"  # 延长结焦时间 (value = hours)
    FEED_CAP = "feed_cap"  # 限投料 (value = t/d)
    TRANSPORT = "transport"  # 运输管控
    CONSTRUCTION = "construction"  # 停止施工作业
    AUTONOMOUS = "autonomous"  # 自主减排

    @property
    def label(self) -> str:
        return MEASURE_KIND_LABELS[self]

    @property
    def strength(self) -> int:
        """How much a kind does, for "weaker than the table" and "must do more" comparisons."""
        return _KIND_STRENGTH[self]


_KIND_STRENGTH = {
    MeasureKind.AUTONOMOUS: 0,
    MeasureKind.TRANSPORT: 1,
    MeasureKind.CONSTRUCTION: 2,
    MeasureKind.COKING_TIME: 2,
    MeasureKind.FEED_CAP: 2,
    MeasureKind.LOAD_CAP: 2,
    MeasureKind.LIMIT: 2,
    MeasureKind.STOP: 3,
}

MEASURE_KIND_LABELS: dict[MeasureKind, str] = {
    MeasureKind.STOP: "停产",
    MeasureKind.LIMIT: "限产",
    MeasureKind.LOAD_CAP: "限负荷",
    MeasureKind.COKING_TIME: "延长结焦时间",
    MeasureKind.FEED_CAP: "限投料",
    MeasureKind.TRANSPORT: "运输管控",
    MeasureKind.CONSTRUCTION: "停止施工",
    MeasureKind.AUTONOMOUS: "自主减排",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Amounts:
    """Daily amounts per species, kg/d."""

    so2: float = 0.0
    nox: float = 0.0
    pm: float = 0.0
    vocs: float = 0.0

    def __post_init__(self) -> None:
        # Written out (not a loop over Species): this runs for every line of a 100,000-line list.
        if not (self.so2 >= 0 and self.nox >= 0 and self.pm >= 0 and self.vocs >= 0):
            bad = next(s for s in Species if not getattr(self, s) >= 0)
            raise ValueError(f"{bad.label} amount must be ≥ 0")

    def get(self, species: Species) -> float:
        value: float = getattr(self, species)  # a StrEnum member is its own attribute name
        return value

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            so2=self.so2 + other.so2,
            nox=self.nox + other.nox,
            pm=self.pm + other.pm,
            vocs=self.vocs + other.vocs,
        )

    def exceeds(self, other: Amounts) -> tuple[Species, ...]:
        """Species where this is larger than ``other`` (beyond rounding)."""
        if (
            self.so2 <= other.so2 + 1e-9
            and self.nox <= other.nox + 1e-9
            and self.pm <= other.pm + 1e-9
            and self.vocs <= other.vocs + 1e-9
        ):
            return ()
        return tuple(s for s in Species if self.get(s) > other.get(s) + 1e-9)


ZERO = Amounts()


def sum_amounts(items: Iterable[Amounts]) -> Amounts:
    """The sum of many amounts, added as floats (one object, not one per step)."""
    so2 = nox = pm = vocs = 0.0
    for a in items:
        so2 += a.so2
        nox += a.nox
        pm += a.pm
        vocs += a.vocs
    return Amounts(so2=so2, nox=nox, pm=pm, vocs=vocs)


def least(a: Amounts, b: Amounts) -> Amounts:
    """Pollutant by pollutant, the smaller of two amounts."""
    return Amounts(
        so2=min(a.so2, b.so2), nox=min(a.nox, b.nox), pm=min(a.pm, b.pm), vocs=min(a.vocs, b.vocs)
    )


def most(a: Amounts, b: Amounts) -> Amounts:
    """Pollutant by pollutant, the larger of two amounts."""
    return Amounts(
        so2=max(a.so2, b.so2), nox=max(a.nox, b.nox), pm=max(a.pm, b.pm), vocs=max(a.vocs, b.vocs)
    )


class LoadUnit(StrEnum):
    """The unit of a load cap and of a line's rated load (运行负荷精准调控)."""

    PERCENT = "%"  # of the line's rated (design) load
    MW = "MW"  # electric output
    STEAM = "t/h"  # steam

    @property
    def label(self) -> str:
        return _LOAD_UNIT_LABEL[self]


_LOAD_UNIT_LABEL = {
    LoadUnit.PERCENT: "%（额定负荷）",
    LoadUnit.MW: "MW",
    LoadUnit.STEAM: "t/h（蒸汽）",
}
# how units are written in lists and readings
LOAD_UNIT_TEXT: dict[str, LoadUnit] = {
    "%": LoadUnit.PERCENT,
    "％": LoadUnit.PERCENT,
    "mw": LoadUnit.MW,
    "兆瓦": LoadUnit.MW,
    "t/h": LoadUnit.STEAM,
    "吨/小时": LoadUnit.STEAM,
    "吨/时": LoadUnit.STEAM,
}
_LOAD = re.compile(r"(\d+(?:\.\d+)?)\s*(%|％|mw|兆瓦|t/h|吨/小时|吨/时)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Load:
    """A load: a value in a unit (a line's rated load 350 MW, a cap of 80 %)."""

    value: float
    unit: LoadUnit

    def __post_init__(self) -> None:
        if not self.value > 0:
            raise ValueError("负荷应大于0")
        if self.unit is LoadUnit.PERCENT and self.value > 100:
            raise ValueError("以额定负荷百分比表示的负荷不能超过100%")

    @property
    def text(self) -> str:
        return f"{self.value:g}{self.unit.value}"

    @classmethod
    def find(cls, text: str) -> Load | None:
        """The first load written in ``text`` (``80%``, ``300MW``, ``130 t/h``, ``负荷不超过设计负荷
        的80%``); None when there is none."""
        m = _LOAD.search(text)
        if m is None:
            return None
        return cls(float(m.group(1)), LOAD_UNIT_TEXT[m.group(2).lower()])


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """One line's measure at one level."""

    level: AlertLevel
    kind: MeasureKind
    text: str
    value: float | None = None  # % for LIMIT, cap for LOAD_CAP/FEED_CAP, hours for COKING_TIME
    reduction: Amounts = ZERO
    from_table: bool = False  # filled from config/measures because the list had none
    unit: LoadUnit | None = None  # LOAD_CAP: the cap's unit

    def __post_init__(self) -> None:
        if self.level not in ALERT_LEVELS:
            raise ValueError(f"no list measures for level {self.level}")
        if self.kind is MeasureKind.LIMIT and self.value is not None and not 0 < self.value <= 100:
            raise ValueError("a limit is a percentage in (0, 100]")
        if self.unit is not None and self.kind is not MeasureKind.LOAD_CAP:
            raise ValueError("only a load cap has a load unit")

    @property
    def cap(self) -> Load | None:
        """A load cap's limit (value and unit), if it has both."""
        if self.kind is not MeasureKind.LOAD_CAP or self.value is None or self.unit is None:
            return None
        return Load(self.value, self.unit)


@dataclass(frozen=True, slots=True, kw_only=True)
class Capacity:
    """A line's output capacities in one unit (吨/日 …): approved (环评批复), permitted (许可) and
    last year's actual daily output; ``binding``: its industry's table counts 限产 from the least."""

    eia: float | None
    permitted: float | None
    actual: float | None
    unit: str
    binding: bool = False

    def __post_init__(self) -> None:
        given = [v for v in (self.eia, self.permitted, self.actual) if v is not None]
        if not given:
            raise ValueError("a capacity needs at least one figure")
        if any(not v > 0 for v in given):
            raise ValueError("capacities are > 0")
        if not self.unit:
            raise ValueError("a capacity needs its unit")

    @property
    def base(self) -> float:
        """The least of the figures given."""
        return min(v for v in (self.eia, self.permitted, self.actual) if v is not None)

    def cap(self, limit_percent: float) -> float:
        """The output allowed under a 限产 of ``limit_percent`` % of the base."""
        return round(self.base * (1 - limit_percent / 100), 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """A production line or process (生产线或工序) with its baseline and its measures by level."""

    name: str
    industry: str
    declared_grade: Grade
    baseline: Amounts
    measures: tuple[Measure, ...]
    check_method: str = ""
    meter_no: str = ""
    note: str = ""  # 措施说明: why the measures differ from the grade's table (协商减排…)
    rated: Load | None = None  # 额定负荷: the rated (design) load, for load caps
    capacity: Capacity | None = None  # 环评/许可/上年实际 output, the 限产 base where binding

    def measure(self, level: AlertLevel) -> Measure | None:
        for m in self.measures:  # a plain loop: called for every line of every plan
            if m.level is level:
                return m
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Enterprise:
    uscc: str
    name: str
    county: str
    town: str
    category: ControlCategory
    grade: Grade  # effective: lowest over its industries, ungraded key industries lowered
    permit_no: str
    lines: tuple[Line, ...]
    contact: str = ""
    phone: str = ""
    email: str = ""
    channel: str = ""
    location: Position | None = None  # 经度, 纬度 (the map and the county check)

    def __post_init__(self) -> None:
        if not self.lines:
            raise ValueError(f"{self.name}: an enterprise needs at least one line")
        names = [ln.name for ln in self.lines]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate line names")

    @property
    def industries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ln.industry for ln in self.lines))

    @property
    def baseline(self) -> Amounts:
        total = ZERO
        for ln in self.lines:
            total = total + ln.baseline
        return total

    def reduction(self, level: AlertLevel) -> Amounts:
        return sum_amounts(m.reduction for ln in self.lines if (m := ln.measure(level)))


@dataclass(frozen=True, slots=True, kw_only=True)
class DustSite:
    """扬尘源: a construction, demolition or municipal site, or a yard."""

    name: str
    site_type: str
    county: str
    owner: str
    uscc: str
    contact: str
    phone: str
    baseline_pm: float
    measures: tuple[Measure, ...]
    location: Position | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportUser:
    """移动源: a key transport user (> 10 truck trips a day) with gate cameras."""

    name: str
    uscc: str
    county: str
    industry: str
    daily_trips: int
    gate_camera: bool
    contact: str
    phone: str
    measures: tuple[Measure, ...]


class SourceRow(NamedTuple):
    """A 扬尘源 site or a 移动源 user as a task notice lists it at one level: read straight
    from the stored list (thousands in a large city; no measure objects built)."""

    sheet: str  # dust_sites, transport_users
    name: str
    county: str
    uscc: str  # a transport user's (a site: its owner's, "" none)
    detail: str  # a site's type; a user's daily trips
    measure: str  # the level's measure


@dataclass(frozen=True, slots=True, kw_only=True)
class EmissionList:
    """A whole list as read from one workbook."""

    enterprises: tuple[Enterprise, ...]
    dust_sites: tuple[DustSite, ...] = ()
    transport_users: tuple[TransportUser, ...] = ()

    def reduction(self, level: AlertLevel) -> Amounts:
        return sum_amounts((*(e.reduction(level) for e in self.enterprises), self.others(level)))

    def others(self, level: AlertLevel) -> Amounts:
        """Dust sites' and transport users' reductions at ``level``."""
        measures = [m for s in self.dust_sites for m in s.measures]
        measures += (m for u in self.transport_users for m in u.measures)
        return sum_amounts(m.reduction for m in measures if m.level is level)

    def within(self, counties: Iterable[str]) -> EmissionList:
        """The enterprises, dust sites and transport users of ``counties`` (an alert of named
        counties answers for these alone)."""
        area = set(counties)
        return EmissionList(
            enterprises=tuple(e for e in self.enterprises if e.county in area),
            dust_sites=tuple(d for d in self.dust_sites if d.county in area),
            transport_users=tuple(u for u in self.transport_users if u.county in area),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Revision:
    """One imported list: a new revision with its effective date; earlier ones stay."""

    number: int
    effective_from: dt.date
    source: str
    sha256: str
    imported_at: dt.datetime


class ListFileInvalid(InputInvalid):
    """Raised by the list importer when a workbook has errors; carries every one of them.

    Each problem reads ``file:sheet:row:column: message``; nothing is stored. The message is the
    problems, one a line, then what it means for the import.
    """

    summary = "清单有{n}处错误，未导入任何数据"

    def __init__(self, problems: list[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join((*problems, self.summary.format(n=len(problems)))))


class PermitsInvalid(ListFileInvalid):
    """Raised when a permit-registry export (排污许可名录) cannot be compared with the list."""

    summary = "许可证名录文件有误"


class RevisionNotFound(NotFound):
    """Raised by the list store when a revision number or date has no revision."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RevisionSummary:
    """A stored revision with its enterprise and line counts and its import warnings."""

    revision: Revision
    enterprises: int
    lines: int
    warnings: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` and the API's shape."""
        r = self.revision
        return {
            "revision": r.number,
            "effective_from": r.effective_from.isoformat(),
            "source": r.source,
            "imported_at": r.imported_at.isoformat(),
            "enterprises": self.enterprises,
            "lines": self.lines,
            "warnings": len(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    """One enterprise of a revision as a list page shows it."""

    uscc: str
    name: str
    county: str
    grade: str
    industries: str  # 、-joined, in line order
    lines: int


@dataclass(frozen=True, slots=True)
class EnterprisePage:
    """A page of a revision's enterprises, and the values each filter can take."""

    rows: list[EnterpriseRow]
    total: int
    counties: list[str]
    industries: list[str]
    grades: list[str]


def uscc_valid(code: str) -> bool:
    """统一社会信用代码 check per GB 32100-2015: 18 chars, check digit mod 31."""
    if len(code) != 18:
        return False
    try:
        values = [_USCC_VALUE[ch] for ch in code]
    except KeyError:
        return False
    total = sum(v * w for v, w in zip(values, _USCC_WEIGHTS, strict=False))
    return values[17] == (31 - total % 31) % 31


def uscc_check_char(first17: str) -> str:
    """The 18th character for 17 given ones (used to make sample data)."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {ch: i for i, ch in enumerate(_USCC_CHARS)}


@dataclass(frozen=True, slots=True, kw_only=True)
class CityProfile:
    """The city's counties, citywide daily emissions (全社会排放量) and reduction targets."""

    region_code: str
    region_name: str
    counties: tuple[str, ...]
    citywide: Amounts
    targets: dict[AlertLevel, Amounts]  # ratios 0..1 per species
    # each county's own 全社会排放量 (kg/d): the denominator of an alert of named counties
    county_inventory: Mapping[str, Amounts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for level, ratios in self.targets.items():
            if any(ratios.get(s) > 1 for s in Species):
                raise ValueError(f"targets.{level.value}: ratios are fractions of 1")
        if any(self.citywide.get(s) <= 0 for s in Species):
            raise ValueError("citywide emissions must be > 0 for every pollutant")
        strange = sorted(set(self.county_inventory) - set(self.counties))
        if strange:
            raise ValueError(f"county_inventory: {strange[0]} is not one of the counties")

    def area(self, counties: Iterable[str]) -> CityProfile:
        """The profile an alert of ``counties`` is checked against: the same targets, over
        those counties' own 全社会排放量 (none named: the whole city). A county with no
        inventory cannot be checked: :class:`~orchestrator.errors.InputInvalid` says which."""
        named = tuple(counties)
        if not named:
            return self
        missing = [c for c in named if c not in self.county_inventory]
        if missing:
            raise InputInvalid(
                f"未配置{'、'.join(missing)}的全社会排放量（city.toml [county_inventory]），"
                "无法核算该区县预警的减排比例"
            )
        return dataclasses.replace(
            self,
            counties=named,
            citywide=sum_amounts(self.county_inventory[c] for c in named),
            county_inventory={},
        )
