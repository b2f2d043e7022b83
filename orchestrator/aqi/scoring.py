"""IAQI and AQI of one record (HJ 633 §5), in exact integer arithmetic.

Concentrations are taken to 3 decimals, rounded to the standard's scoring precision (half to even)
and kept as scaled integers. On segment ``[BP_lo, BP_hi]`` the IAQI is
``IAQI_lo + ceil((IAQI_hi - IAQI_lo) * (C - BP_lo) / (BP_hi - BP_lo))``, computed with integers so
that 35 µg/m³ is 50 and never 51 through a float remainder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from enum import StrEnum

from orchestrator.aqi.model import (
    INPUT_DECIMALS,
    AqiStandard,
    Breakpoints,
    Category,
    Metric,
    Pollutant,
)


class Mode(StrEnum):
    """Which AQI: the hourly (real-time, 实时报) or the daily (日报) one."""

    HOURLY = "hourly"
    DAILY = "daily"


#: Field names of :class:`Concentrations`, the input vocabulary of CLI and CSV.
FIELDS: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h", "so2_24h")


@dataclass(frozen=True, slots=True, kw_only=True)
class Concentrations:
    """One record's concentrations (µg/m³, CO mg/m³); ``None`` means not measured.

    Hourly mode: ``pm25``/``pm10``/``so2``/``no2``/``co``/``o3_1h`` are 1 h values, ``so2_24h`` is
    the running 24 h SO2 mean used when SO2 1 h exceeds the table; ``o3_8h`` is not scored.
    Daily mode: 24 h means, ``o3_1h`` the daily max 1 h, ``o3_8h`` the daily max 8 h moving mean;
    ``so2_24h`` stands in for ``so2`` when that is absent.
    """

    pm25: float | None = None
    pm10: float | None = None
    so2: float | None = None
    no2: float | None = None
    co: float | None = None
    o3_1h: float | None = None
    o3_8h: float | None = None
    so2_24h: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise ValueError(
                    f"{f.name}: concentration must be a finite number ≥ 0, got {value}"
                )


@dataclass(frozen=True, slots=True, kw_only=True)
class AqiResult:
    """AQI of one record with its IAQIs keyed by input field, primary and exceeding pollutants."""

    standard_code: str
    aqi: int | None
    iaqi: tuple[tuple[str, int], ...]
    primary_pollutants: tuple[Pollutant, ...]
    exceeding_pollutants: tuple[Pollutant, ...]
    category: Category | None
    notes: tuple[str, ...] = field(default=())

    def iaqi_map(self) -> dict[str, int]:
        return dict(self.iaqi)


def to_milli(value: float) -> int:
    """A concentration in units of 10**-3 (half to even)."""
    milli: int = round(value * 10**INPUT_DECIMALS)
    return milli


def quantize(milli: int, decimals: int) -> int:
    """Round a milli-unit integer to ``decimals`` decimals, half to even (GB/T 8170)."""
    step: int = 10 ** (INPUT_DECIMALS - decimals)
    q, r = divmod(milli, step)
    if 2 * r > step or (2 * r == step and q % 2 == 1):
        q += 1
    return q


def iaqi_scaled(bp: Breakpoints, n: int) -> int | None:
    """IAQI of scaled concentration ``n`` on table ``bp``.

    Above the top of a full table the IAQI is 500 (official releases report 500). Above the top of a
    short table (SO2 1 h, O3 8 h) there is no IAQI: ``None``, and the caller substitutes.
    """
    c = bp.concentrations
    if n > c[-1]:
        return bp.iaqi[-1] if len(c) == len(bp.iaqi) else None
    k = 0
    while k < len(c) - 2 and n >= c[k + 1]:
        k += 1
    lo_i, hi_i = bp.iaqi[k], bp.iaqi[k + 1]
    num = (hi_i - lo_i) * (n - c[k])
    den = c[k + 1] - c[k]
    value: int = lo_i + -(-num // den)
    return value


# What each input field is scored on, per mode; substitutions are handled in ``score``.
_PLAN: dict[Mode, tuple[tuple[str, Metric], ...]] = {
    Mode.HOURLY: (
        ("pm25", Metric.PM25_24H),
        ("pm10", Metric.PM10_24H),
        ("so2", Metric.SO2_1H),
        ("no2", Metric.NO2_1H),
        ("co", Metric.CO_1H),
        ("o3_1h", Metric.O3_1H),
    ),
    Mode.DAILY: (
        ("pm25", Metric.PM25_24H),
        ("pm10", Metric.PM10_24H),
        ("so2", Metric.SO2_24H),
        ("no2", Metric.NO2_24H),
        ("co", Metric.CO_24H),
        ("o3_1h", Metric.O3_1H),
        ("o3_8h", Metric.O3_8H),
    ),
}

_Step = tuple[str, Metric, int, Breakpoints]  # field, metric, scoring decimals, table
_compiled: dict[tuple[int, Mode], tuple[AqiStandard, tuple[_Step, ...]]] = {}


def _steps(standard: AqiStandard, mode: Mode) -> tuple[_Step, ...]:
    """The plan with the standard's tables looked up once (enum-keyed lookups are slow)."""
    key = (id(standard), mode)
    hit = _compiled.get(key)
    if hit is None or hit[0] is not standard:
        steps = tuple(
            (name, metric, standard.decimals[metric.pollutant], standard.breakpoints[metric])
            for name, metric in _PLAN[mode]
        )
        hit = _compiled[key] = (standard, steps)
    return hit[1]


def score(standard: AqiStandard, values: Concentrations, mode: Mode) -> AqiResult:
    """Score one record under ``standard``; pollutants not given are not scored."""
    iaqi: dict[str, int] = {}
    notes: list[str] = []
    for name, metric, decimals, bp in _steps(standard, mode):
        raw = getattr(values, name)
        if raw is None and name == "so2" and mode is Mode.DAILY:
            raw = values.so2_24h  # a daily SO2 given as so2_24h
        if raw is None:
            continue
        n = quantize(to_milli(raw), decimals)
        if metric is Metric.SO2_1H and n > standard.so2_1h_above:
            # SO2 1 h off the table: the SO2 24 h IAQI stands in (HJ 633 table note).
            if values.so2_24h is None:
                notes.append("SO2 1小时浓度超过表列上限且无24小时平均浓度，SO2未参与计算")
                continue
            bp = standard.breakpoints[Metric.SO2_24H]
            n = quantize(to_milli(values.so2_24h), decimals)
            notes.append("SO2 1小时浓度超过表列上限，按24小时平均浓度计算分指数")
        elif metric is Metric.O3_8H and n > standard.o3_8h_above:
            # O3 8 h off the table: no 8 h IAQI; the O3 1 h IAQI stands.
            notes.append(
                "O3 8小时平均浓度超过表列上限，按1小时浓度计算分指数"
                if values.o3_1h is not None
                else "O3 8小时平均浓度超过表列上限且无1小时浓度，O3未参与计算"
            )
            continue
        value = iaqi_scaled(bp, n)
        if value is not None:
            iaqi[name] = value
    return summarize(standard, iaqi, notes)


def summarize(standard: AqiStandard, iaqi: dict[str, int], notes: list[str]) -> AqiResult:
    """AQI = max IAQI; primary pollutants (ties listed) only above 50; exceeding above 100."""
    if not iaqi:
        return AqiResult(
            standard_code=standard.code,
            aqi=None,
            iaqi=(),
            primary_pollutants=(),
            exceeding_pollutants=(),
            category=None,
            notes=tuple(notes),
        )
    aqi = max(iaqi.values())
    by_pollutant = [(p, max(iaqi.get(n, -1) for n in names)) for p, names in _POLLUTANT_FIELDS]
    primary = tuple(p for p, v in by_pollutant if v == aqi) if aqi > 50 else ()
    exceeding = tuple(p for p, v in by_pollutant if v > 100)
    return AqiResult(
        standard_code=standard.code,
        aqi=aqi,
        iaqi=tuple((name, iaqi[name]) for name in FIELDS if name in iaqi),
        primary_pollutants=primary,
        exceeding_pollutants=exceeding,
        category=standard.category(aqi),
        notes=tuple(notes),
    )


#: Pollutants in the order of HJ 633's table, with the input fields that score each.
_POLLUTANT_FIELDS: tuple[tuple[Pollutant, tuple[str, ...]], ...] = (
    (Pollutant.SO2, ("so2",)),
    (Pollutant.NO2, ("no2",)),
    (Pollutant.PM10, ("pm10",)),
    (Pollutant.CO, ("co",)),
    (Pollutant.O3, ("o3_1h", "o3_8h")),
    (Pollutant.PM25, ("pm25",)),
)
