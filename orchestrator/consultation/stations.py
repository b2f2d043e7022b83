"""Hourly station observations (CNEMC-like) averaged into the city's hourly series.

Records: ``station``, ``city``, ``time`` (the hour that starts then), and 1 h concentrations
``pm25, pm10, so2, no2, co, o3`` (``o3_1h`` also accepted; µg/m³, CO mg/m³). The city value of an
hour and pollutant is the arithmetic mean over the stations that reported it (HJ 663), kept only
when at least ``min_share`` of the city's stations did; otherwise the hour stays missing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from orchestrator.alerts.readings import Observations, Row, gaps, parse_number, parse_time
from orchestrator.aqi.model import HOURLY_COLUMNS
from orchestrator.aqi.scoring import Concentrations
from orchestrator.consultation.forecast import Issue
from orchestrator.errors import InputInvalid

_ALIASES = {"o3": "o3_1h", "站点": "station", "城市": "city", "时间": "time"}


@dataclass(frozen=True, slots=True, kw_only=True)
class CitySeries:
    observations: Observations | None  # None when nothing usable came in
    stations: tuple[str, ...]
    issues: tuple[Issue, ...]
    # each station's newest hour with its concentrations: (station, hour, {column: value})
    latest: tuple[tuple[str, dt.datetime, dict[str, float | None]], ...] = ()


def aggregate(
    records: Sequence[tuple[str, Mapping[str, str]]],
    *,
    city: str,
    source: str,
    zone: ZoneInfo,
    min_share: float,
    limits: Mapping[str, float],
    now: dt.datetime,
    max_age_hours: float,
    degrades: bool,
) -> CitySeries:
    """The city's hourly means of ``city``'s stations, and what was wrong on the way."""
    issues: list[Issue] = []

    def issue(code: str, message: str) -> None:
        issues.append(Issue(code=code, message=message, degrades=degrades))

    sums: dict[dt.datetime, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    seen: set[tuple[str, dt.datetime]] = set()
    stations: set[str] = set()
    newest: dict[str, tuple[dt.datetime, dict[str, float | None]]] = {}
    for where, raw in records:
        rec = {_ALIASES.get(k, k): v for k, v in raw.items()}
        if rec.get("city", city) not in (city, ""):
            continue
        station = rec.get("station", "")
        try:
            if not station:
                raise InputInvalid(f"{where}:station: 缺少站点名称")
            t, daily = parse_time(rec.get("time", ""), f"{where}:time", zone)
            if daily:
                raise InputInvalid(f"{where}:time: 监测数据须为小时数据")
            values = {}
            for col in HOURLY_COLUMNS:
                v = parse_number(rec.get(col, ""), f"{where}:{col}")
                if v is not None and col in limits and v > limits[col]:
                    raise InputInvalid(
                        f"{where}:{col}: 数值{v:g}超出合理范围（0～{limits[col]:g}）"
                    )
                values[col] = v
        except InputInvalid as exc:
            issue("obs_value", f"{exc}，该行未采用")
            continue
        if (station, t) in seen:
            issue(
                "obs_duplicate", f"{where}: 站点{station}{t:%m月%d日%H时}的数据重复，仅采用第一条"
            )
            continue
        seen.add((station, t))
        stations.add(station)
        if station not in newest or t > newest[station][0]:
            newest[station] = (t, values)
        for col, v in values.items():
            if v is not None:
                sums[t][col].append(v)

    if not sums:
        issue("obs_missing", f"{source}: 没有{city}的可用监测数据")
        return CitySeries(observations=None, stations=(), issues=tuple(issues))
    need = min_share * len(stations)
    rows: list[Row] = []
    for t in sorted(sums):
        means = {
            col: round(sum(vs) / len(vs), 3) if len(vs) >= need else None
            for col, vs in sums[t].items()
        }
        rows.append(
            Row(
                line=len(rows) + 1,
                time=t,
                daily=False,
                aqi=None,
                values=Concentrations(**means),
                primary=(),
                dust=False,
                city=city,
            )
        )
    obs = Observations(source=source, rows=tuple(rows), daily=False, has_aqi=False, city=city)
    last = rows[-1].time + dt.timedelta(hours=1)
    age = (now - last).total_seconds() / 3600
    if age > max_age_hours:
        issue(
            "obs_stale",
            f"监测数据最新为{rows[-1].time:%m月%d日%H时}，距会商已{age:.0f}小时，超过{max_age_hours:g}小时",
        )
    for note in gaps(obs):
        issue("obs_missing", f"监测数据{note}")
    return CitySeries(
        observations=obs,
        stations=tuple(sorted(stations)),
        issues=tuple(issues),
        latest=tuple((s, *newest[s]) for s in sorted(newest)),
    )
