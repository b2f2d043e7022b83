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


#: Field names of :class:`Concentrations`, the input vocabulary of CLI and CSV.
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Concentrations))


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


def score(standard: AqiStandard, values: Concentrations, mode: Mode) -> AqiResult:
    """Score one record under ``standard``; pollutants not given are not scored."""
    dec = standard.decimals
    scaled: dict[str, int] = {}
    for name in FIELDS:
        raw = getattr(values, name)
        if raw is not None:
            scaled[name] = quantize(to_milli(raw), dec[_FIELD_POLLUTANT[name]])

    bps = standard.breakpoints
    iaqi: dict[str, int] = {}
    notes: list[str] = []

    def put(name: str, metric: Metric, n: int | None) -> None:
        if n is not None:
            value = iaqi_scaled(bps[metric], n)
            if value is not None:
                iaqi[name] = value

    if mode is Mode.HOURLY:
        put("pm25", Metric.PM25_24H, scaled.get("pm25"))
        put("pm10", Metric.PM10_24H, scaled.get("pm10"))
        so2 = scaled.get("so2")
        if so2 is not None and so2 > standard.so2_1h_above:
            if "so2_24h" in scaled:
                put("so2", Metric.SO2_24H, scaled["so2_24h"])
                notes.append("SO2 1小时浓度超过表列上限，按24小时平均浓度计算分指数")
            else:
                notes.append("SO2 1小时浓度超过表列上限且无24小时平均浓度，SO2未参与计算")
        else:
            put("so2", Metric.SO2_1H, so2)
        put("no2", Metric.NO2_1H, scaled.get("no2"))
        put("co", Metric.CO_1H, scaled.get("co"))
        put("o3_1h", Metric.O3_1H, scaled.get("o3_1h"))
    else:
        put("pm25", Metric.PM25_24H, scaled.get("pm25"))
        put("pm10", Metric.PM10_24H, scaled.get("pm10"))
        put("so2", Metric.SO2_24H, scaled.get("so2", scaled.get("so2_24h")))
        put("no2", Metric.NO2_24H, scaled.get("no2"))
        put("co", Metric.CO_24H, scaled.get("co"))
        put("o3_1h", Metric.O3_1H, scaled.get("o3_1h"))
        o3_8h = scaled.get("o3_8h")
        if o3_8h is not None and o3_8h > standard.o3_8h_above:
            notes.append(
                "O3 8小时平均浓度超过表列上限，按1小时浓度计算分指数"
                if "o3_1h" in scaled
                else "O3 8小时平均浓度超过表列上限且无1小时浓度，O3未参与计算"
            )
        else:
            put("o3_8h", Metric.O3_8H, o3_8h)
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
    by_pollutant: dict[Pollutant, int] = {}
    for name, value in iaqi.items():
        p = _FIELD_POLLUTANT[name]
        by_pollutant[p] = max(value, by_pollutant.get(p, 0))
    order = [p for p in Pollutant if p in by_pollutant]
    primary = tuple(p for p in order if aqi > 50 and by_pollutant[p] == aqi)
    exceeding = tuple(p for p in order if by_pollutant[p] > 100)
    return AqiResult(
        standard_code=standard.code,
        aqi=aqi,
        iaqi=tuple((name, iaqi[name]) for name in FIELDS if name in iaqi),
        primary_pollutants=primary,
        exceeding_pollutants=exceeding,
        category=standard.category(aqi),
        notes=tuple(notes),
    )


_FIELD_POLLUTANT: dict[str, Pollutant] = {
    "pm25": Pollutant.PM25,
    "pm10": Pollutant.PM10,
    "so2": Pollutant.SO2,
    "no2": Pollutant.NO2,
    "co": Pollutant.CO,
    "o3_1h": Pollutant.O3,
    "o3_8h": Pollutant.O3,
    "so2_24h": Pollutant.SO2,
}
