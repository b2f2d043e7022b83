"""IAQI and AQI of one record (HJ 633 §5), in exact integer arithmetic.

Concentrations are taken to 3 decimals, rounded to the standard's scoring precision (half to even)
and kept as scaled integers. On segment ``[BP_lo, BP_hi]`` the IAQI is
``IAQI_lo + ceil((IAQI_hi - IAQI_lo) * (C - BP_lo) / (BP_hi - BP_lo))``, computed with integers so
that 35 µg/m³ is 50 and never 51 through a float remainder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
        for value in _values(self):
            # also false for NaN: a concentration is a finite number ≥ 0
            if value is not None and not 0 <= value < math.inf:
                name = FIELDS[_values(self).index(value)]
                raise ValueError(f"{name}: concentration must be a finite number ≥ 0, got {value}")


def _values(c: Concentrations) -> tuple[float | None, ...]:
    """The values in the order of :data:`FIELDS`."""
    return (c.pm25, c.pm10, c.so2, c.no2, c.co, c.o3_1h, c.o3_8h, c.so2_24h)


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

_PLAIN, _SO2_1H, _O3_8H = 0, 1, 2  # how a step's value may be substituted (see ``score``)
# field, substitution, scoring step in milli-units, the IAQI of every scaled concentration up
# to the table's top, the IAQI above the top (None: not scored) — once per standard and mode
_Step = tuple[str, int, int, tuple[int, ...], int | None]
_compiled: dict[tuple[int, Mode], tuple[AqiStandard, tuple[_Step, ...]]] = {}
_SCALE = 10**INPUT_DECIMALS


def _steps(standard: AqiStandard, mode: Mode) -> tuple[_Step, ...]:
    """The plan with the standard's tables looked up once (enum-keyed lookups are slow)."""
    key = (id(standard), mode)
    hit = _compiled.get(key)
    if hit is None or hit[0] is not standard:
        steps = []
        for name, metric in _PLAN[mode]:
            bp = standard.breakpoints[metric]
            special = {Metric.SO2_1H: _SO2_1H, Metric.O3_8H: _O3_8H}.get(metric, _PLAIN)
            step = 10 ** (INPUT_DECIMALS - standard.decimals[metric.pollutant])
            full = len(bp.concentrations) == len(bp.iaqi)
            # a few thousand entries at most (the top of a table at its scoring precision)
            by_n = tuple(int(iaqi_scaled(bp, k) or 0) for k in range(bp.concentrations[-1] + 1))
            steps.append((name, special, step, by_n, bp.iaqi[-1] if full else None))
        hit = _compiled[key] = (standard, tuple(steps))
    return hit[1]


def score(standard: AqiStandard, values: Concentrations, mode: Mode) -> AqiResult:
    """Score one record under ``standard``; pollutants not given are not scored.

    The hot path of per-record scoring: :func:`to_milli` and :func:`quantize` inlined, the
    IAQI read from the standard's table of every scaled concentration (:func:`iaqi_scaled`
    made it once)."""
    iaqi: dict[str, int] = {}
    notes: list[str] = []
    daily = mode is Mode.DAILY
    for name, special, step, by_n, above in _steps(standard, mode):
        raw = getattr(values, name)
        if raw is None:
            if name != "so2" or not daily or values.so2_24h is None:
                continue
            raw = values.so2_24h  # a daily SO2 given as so2_24h
        n = round(raw * _SCALE)
        if step != 1:  # to the scoring precision, half to even (GB/T 8170)
            q, r = divmod(n, step)
            if 2 * r > step or (2 * r == step and q & 1):
                q += 1
            n = q
        if special == _SO2_1H and n > standard.so2_1h_above:
            # SO2 1 h off the table: the SO2 24 h IAQI stands in (HJ 633 table note).
            if values.so2_24h is None:
                notes.append("SO2 1小时浓度超过表列上限且无24小时平均浓度，SO2未参与计算")
                continue
            decimals = standard.decimals[Pollutant.SO2]
            n = quantize(to_milli(values.so2_24h), decimals)
            notes.append("SO2 1小时浓度超过表列上限，按24小时平均浓度计算分指数")
            value = iaqi_scaled(standard.breakpoints[Metric.SO2_24H], n)
            if value is not None:
                iaqi[name] = value
            continue
        if special == _O3_8H and n > standard.o3_8h_above:
            # O3 8 h off the table: no 8 h IAQI; the O3 1 h IAQI stands.
            notes.append(
                "O3 8小时平均浓度超过表列上限，按1小时浓度计算分指数"
                if values.o3_1h is not None
                else "O3 8小时平均浓度超过表列上限且无1小时浓度，O3未参与计算"
            )
            continue
        if n < len(by_n):
            iaqi[name] = by_n[n]
        elif above is not None:  # above the table: 500 if it is full, else not scored
            iaqi[name] = above
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
    primary: tuple[Pollutant, ...] = ()
    exceeding: tuple[Pollutant, ...] = ()
    if aqi > 50:  # at most 50 there is neither (and nothing above 100)
        get = iaqi.get
        by_pollutant = [
            (p, max(get(a, -1), get(b, -1)) if b else get(a, -1)) for p, a, b in _POLLUTANT_PAIRS
        ]
        primary = tuple([p for p, v in by_pollutant if v == aqi])
        if aqi > 100:
            exceeding = tuple([p for p, v in by_pollutant if v > 100])
    return AqiResult(
        standard_code=standard.code,
        aqi=aqi,
        # in the order of FIELDS: the plans score the fields in that order
        iaqi=tuple(iaqi.items()),
        primary_pollutants=primary,
        exceeding_pollutants=exceeding,
        category=_category(standard, aqi),
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
#: The same, each with its first and (O3) second field, as ``summarize`` reads them.
_POLLUTANT_PAIRS: tuple[tuple[Pollutant, str, str], ...] = tuple(
    (p, names[0], names[1] if len(names) > 1 else "") for p, names in _POLLUTANT_FIELDS
)


_categories: dict[int, tuple[AqiStandard, tuple[Category, ...]]] = {}


def _category(standard: AqiStandard, aqi: int) -> Category:
    """``standard.category(aqi)`` from a table of every AQI up to 500, made once per standard."""
    hit = _categories.get(id(standard))
    if hit is None or hit[0] is not standard:
        hit = _categories[id(standard)] = (
            standard,
            tuple(standard.category(a) for a in range(501)),
        )
    table = hit[1]
    return table[aqi] if aqi < len(table) else standard.category(aqi)
