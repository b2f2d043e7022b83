"""Core values of the AQI: pollutants, metrics, categories and a breakpoint standard.

A standard (HJ 633—2012, HJ 633—2026, a successor) is data loaded from ``config/aqi/``; this module
only checks that such data is coherent and answers questions about it. Concentrations are handled
as integers in units of ``10**-scale`` so that IAQI arithmetic is exact (no float ceil surprises).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orchestrator.errors import ConfigInvalid, InputInvalid

#: Inputs are taken to this many decimals before anything else (milli-units).
INPUT_DECIMALS = 3


class Pollutant(StrEnum):
    """The six pollutants of HJ 633; values are the codes used in every output."""

    SO2 = "SO2"
    NO2 = "NO2"
    PM10 = "PM10"
    CO = "CO"
    O3 = "O3"
    PM25 = "PM2.5"

    @property
    def key(self) -> str:
        """Lower-case key used in config files (``pm25`` for PM2.5)."""
        return self.value.lower().replace(".", "")


class Metric(StrEnum):
    """One row of the breakpoint table: a pollutant over an averaging time."""

    SO2_24H = "so2_24h"
    SO2_1H = "so2_1h"
    NO2_24H = "no2_24h"
    NO2_1H = "no2_1h"
    PM10_24H = "pm10_24h"
    CO_24H = "co_24h"
    CO_1H = "co_1h"
    O3_1H = "o3_1h"
    O3_8H = "o3_8h"
    PM25_24H = "pm25_24h"

    @property
    def pollutant(self) -> Pollutant:
        return _METRIC_POLLUTANT[self]


_METRIC_POLLUTANT = {
    Metric.SO2_24H: Pollutant.SO2,
    Metric.SO2_1H: Pollutant.SO2,
    Metric.NO2_24H: Pollutant.NO2,
    Metric.NO2_1H: Pollutant.NO2,
    Metric.PM10_24H: Pollutant.PM10,
    Metric.CO_24H: Pollutant.CO,
    Metric.CO_1H: Pollutant.CO,
    Metric.O3_1H: Pollutant.O3,
    Metric.O3_8H: Pollutant.O3,
    Metric.PM25_24H: Pollutant.PM25,
}


class StandardNotFound(InputInvalid):
    """Raised by :func:`select_standard` when no loaded standard covers a date or an id."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """An AQI category (级别): level 1–6, name, upper bound and display colour."""

    level: int
    name: str
    max_aqi: int
    color: str

    def __post_init__(self) -> None:
        if not (len(self.color) == 7 and self.color.startswith("#")):
            raise ValueError(f"colour must be #RRGGBB, got {self.color!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakpoints:
    """Concentrations (scaled integers) at each IAQI point for one metric."""

    metric: Metric
    scale: int  # decimals of the scaled integers
    concentrations: tuple[int, ...]
    iaqi: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.concentrations) < 2 or len(self.concentrations) > len(self.iaqi):
            raise ValueError(f"{self.metric}: needs 2..{len(self.iaqi)} breakpoints")
        if any(b <= a for a, b in itertools.pairwise(self.concentrations)):
            raise ValueError(f"{self.metric}: breakpoints must increase")

    @property
    def top(self) -> int:
        return self.concentrations[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Validity:
    """Data-validity rules for computed means (HJ 663)."""

    min_hours_per_24h: int
    min_hours_per_8h: int
    min_8h_means_per_day: int

    def __post_init__(self) -> None:
        if not (1 <= self.min_hours_per_24h <= 24 and 1 <= self.min_hours_per_8h <= 8):
            raise ValueError("validity minimums out of range")
        if not 1 <= self.min_8h_means_per_day <= 17:
            raise ValueError("min_8h_means_per_day must be 1..17")


@dataclass(frozen=True, slots=True, kw_only=True)
class AqiStandard:
    """One edition of HJ 633 as data: breakpoints, substitutions, rounding, validity, categories."""

    id: str
    code: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    breakpoints: Mapping[Metric, Breakpoints]
    so2_1h_above: int  # scaled like the SO2 breakpoints
    o3_8h_above: int
    decimals: Mapping[Pollutant, int]  # scoring precision per pollutant
    validity: Validity
    categories: tuple[Category, ...]

    def __post_init__(self) -> None:
        missing = set(Metric) - set(self.breakpoints)
        if missing:
            raise ValueError(f"{self.id}: no breakpoints for {sorted(missing)}")
        if [c.level for c in self.categories] != list(range(1, len(self.categories) + 1)):
            raise ValueError(f"{self.id}: categories must be levels 1..n in order")

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def category(self, aqi: int) -> Category:
        for cat in self.categories:
            if aqi <= cat.max_aqi:
                return cat
        return self.categories[-1]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> AqiStandard:
        """Build a standard from parsed TOML; errors name ``source`` and the key."""
        try:
            iaqi_points = tuple(int(v) for v in data["iaqi"])
            rounding = data.get("rounding", {})
            enabled = bool(rounding.get("enabled", True))
            decimals = {
                p: (int(rounding["decimals"][p.key]) if enabled else INPUT_DECIMALS)
                for p in Pollutant
            }
            for p, d in decimals.items():
                if not 0 <= d <= INPUT_DECIMALS:
                    raise ValueError(f"rounding.decimals.{p.key} must be 0..{INPUT_DECIMALS}")
            bps: dict[Metric, Breakpoints] = {}
            for metric in Metric:
                raw = data["breakpoints"][metric.value]
                scale = decimals[metric.pollutant]
                bps[metric] = Breakpoints(
                    metric=metric,
                    scale=scale,
                    concentrations=tuple(_scaled(v, scale, f"breakpoints.{metric}") for v in raw),
                    iaqi=iaqi_points,
                )
            subs = data["substitutions"]
            val = data["validity"]
            return cls(
                id=str(data["id"]),
                code=str(data["code"]),
                title=str(data["title"]),
                effective_from=parse_date(data["effective_from"]),
                effective_to=parse_date(data["effective_to"]) if "effective_to" in data else None,
                breakpoints=bps,
                so2_1h_above=_scaled(subs["so2_1h_above"], decimals[Pollutant.SO2], "so2_1h_above"),
                o3_8h_above=_scaled(subs["o3_8h_above"], decimals[Pollutant.O3], "o3_8h_above"),
                decimals=decimals,
                validity=Validity(
                    min_hours_per_24h=int(val["min_hours_per_24h"]),
                    min_hours_per_8h=int(val["min_hours_per_8h"]),
                    min_8h_means_per_day=int(val["min_8h_means_per_day"]),
                ),
                categories=tuple(
                    Category(
                        level=int(c["level"]),
                        name=str(c["name"]),
                        max_aqi=int(c["max_aqi"]),
                        color=str(c["color"]),
                    )
                    for c in data["categories"]
                ),
            )
        except KeyError as exc:
            raise ConfigInvalid(f"{source}: missing key {exc.args[0]!r}") from exc
        except (TypeError, ValueError) as exc:
            raise ConfigInvalid(f"{source}: {exc}") from exc


def _scaled(value: Any, scale: int, where: str) -> int:
    scaled: int = round(float(value) * 10**scale)
    if abs(scaled - float(value) * 10**scale) > 1e-6:
        raise ValueError(f"{where}: {value} has more than {scale} decimals")
    return scaled


def parse_date(value: Any) -> dt.date:
    """A TOML date or an ISO date string as a date (config files carry both)."""
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def select_standard(
    standards: Iterable[AqiStandard], *, on: dt.date | None = None, standard_id: str | None = None
) -> AqiStandard:
    """The standard named by ``standard_id`` (``HJ633-2012`` or ``HJ 633-2012``), else the one
    in force ``on`` that date."""
    pool = tuple(standards)
    if standard_id is not None:
        wanted = standard_id.replace(" ", "").upper()
        for std in pool:
            if std.id.upper() == wanted:
                return std
        known = ", ".join(s.id for s in pool)
        raise StandardNotFound(f"未知的AQI技术规定“{standard_id}”（可用：{known}）")
    if on is None:
        raise StandardNotFound("须指定日期或技术规定编号")
    for std in pool:
        if std.covers(on):
            return std
    raise StandardNotFound(f"{on.isoformat()} 无适用的AQI技术规定")


#: The hourly concentration columns of a series, by the pollutant each measures.
HOURLY_COLUMNS: dict[str, Pollutant] = {
    "pm25": Pollutant.PM25,
    "pm10": Pollutant.PM10,
    "so2": Pollutant.SO2,
    "no2": Pollutant.NO2,
    "co": Pollutant.CO,
    "o3_1h": Pollutant.O3,
}
