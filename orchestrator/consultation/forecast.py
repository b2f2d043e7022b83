"""Forecast documents turned into checked series, and the input health gate.

A forecast document (JSON, the schema in the README's 预报数据格式)::

    {"city": "示例市", "issued_at": "2026-01-04T08:00+08:00", "producer": "…",
     "meteorology": "…",
     "daily":  [{"date": "2026-01-05", "aqi": 128, "aqi_low": 110, "aqi_high": 145,
                 "primary_pollutants": ["PM2.5"], "pm25": 96, "dust": false,
                 "t_max": 8.5}, …],
     "hourly": [{"time": "2026-01-04T09:00", "pm25": 80, "pm10": 120, …}, …]}

``daily`` or ``hourly`` (or both: the daily records decide, the hourly give the PM2.5 peak).
``t_max`` (°C, optional) is the day's maximum temperature, for forecast-triggered ozone controls. A
daily record's AQI is ``aqi``, else the top of its range ``aqi_high`` (precautionary). The
``orchestrator assess`` format (a list of records, or ``{"rows": […]}``, or a CSV) is accepted
too, its issue time from an ``issued_at`` column.

Row problems (a value that is not a number or out of range, a repeated time) do not stop the
consultation: the row is dropped and the problem recorded as a health issue, which marks the
consultation degraded. Only a document that cannot be read at all raises :class:`InputInvalid`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.alerts.readings import (
    FALSE_WORDS,
    TRUE_WORDS,
    Observations,
    Row,
    gaps,
    parse_time,
)
from orchestrator.aqi.model import Pollutant
from orchestrator.aqi.scoring import FIELDS, Concentrations
from orchestrator.consultation.config import Health
from orchestrator.errors import InputInvalid


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """A problem with an input: ``degrades`` marks the consultation degraded."""

    code: str  # source_failed, stale, future, city, horizon, missing, value, duplicate, obs_*
    message: str
    degrades: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where an input came from, for the record: which source, which file or URL, which bytes."""

    source: str
    kind: str
    location: str
    sha256: str
    fetched_at: dt.datetime
    issued_at: dt.datetime | None = None
    producer: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "location": self.location,
            "sha256": self.sha256,
            "fetched_at": self.fetched_at.isoformat(),
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "producer": self.producer,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Forecast:
    provenance: Provenance
    city: str
    issued_at: dt.datetime | None
    meteorology: str
    rows: tuple[Row, ...]  # the usable rows of the deciding product, in time order
    daily: bool
    has_aqi: bool
    ranges: Mapping[dt.date, tuple[int, int]] = field(default_factory=dict)
    hourly_pm25: Mapping[dt.datetime, float] = field(default_factory=dict)
    t_max: Mapping[dt.date, float] = field(default_factory=dict)  # daily maximum temperature, °C
    issues: tuple[Issue, ...] = ()

    def observations(self) -> Observations:
        return Observations(
            source=self.provenance.location,
            rows=self.rows,
            daily=self.daily,
            has_aqi=self.has_aqi,
            city=self.city,
        )


@dataclass(frozen=True, slots=True)
class Outlook:
    """One day of a forecast, for forecast-triggered controls."""

    day: dt.date
    t_max: float | None  # °C
    o3_8h: float | None  # µg/m³
    provenance: Provenance


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v).strip() for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _instant(text: str, where: str, zone: ZoneInfo) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputInvalid(f"{where}: 时间格式应为ISO 8601，实为“{text}”") from None
    return t.replace(tzinfo=zone) if t.tzinfo is None else t.astimezone(zone)


@dataclass
class _Parsed:
    rows: list[Row] = field(default_factory=list)
    ranges: dict[dt.date, tuple[int, int]] = field(default_factory=dict)
    t_max: dict[dt.date, float] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    has_aqi: bool = False


# Plausible daily maximum temperatures, °C.
T_MAX_RANGE = (-60.0, 60.0)


def _number(text: str, where: str, limit: float | None) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputInvalid(f"{where}: 不是数值：“{text}”") from None
    if not math.isfinite(value) or value < 0 or (limit is not None and value > limit):
        bound = f"0～{limit:g}" if limit is not None else "不小于0"
        raise InputInvalid(f"{where}: 数值“{text}”超出合理范围（{bound}）")
    return value


def _temperature(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputInvalid(f"{where}: 不是数值：“{text}”") from None
    low, high = T_MAX_RANGE
    if not low <= value <= high:
        raise InputInvalid(f"{where}: 气温“{text}”超出合理范围（{low:g}～{high:g}℃）")
    return value


def parse_records(
    records: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    daily: bool,
    zone: ZoneInfo,
    limits: Mapping[str, float],
) -> _Parsed:
    """Check rows one by one; a bad row is dropped and becomes an issue naming its place."""
    out = _Parsed()
    seen: dict[dt.datetime, str] = {}
    columns = {k for _, rec in records for k in rec}
    out.has_aqi = bool(columns & {"aqi", "aqi_high"})
    for where, rec in records:
        values = {str(k).strip(): _text(v) for k, v in rec.items()}
        try:
            time_text = values.get("date") or values.get("time", "")
            t, is_daily = parse_time(time_text, f"{where}:{'date' if daily else 'time'}", zone)
            if is_daily != daily:
                kind = "日" if daily else "小时"
                raise InputInvalid(f"{where}:time: 应为{kind}数据的时间，实为“{time_text}”")
            if t in seen:
                out.issues.append(
                    Issue(
                        code="duplicate",
                        message=f"{where}: 时间{time_text}与{seen[t]}重复，两行均未采用",
                    )
                )
                out.rows = [r for r in out.rows if r.time != t]
                continue
            seen[t] = where
            aqi = None
            low = _number(values.get("aqi_low", ""), f"{where}:aqi_low", limits.get("aqi"))
            high = _number(values.get("aqi_high", ""), f"{where}:aqi_high", limits.get("aqi"))
            point = _number(values.get("aqi", ""), f"{where}:aqi", limits.get("aqi"))
            if low is not None and high is not None and low > high:
                raise InputInvalid(f"{where}:aqi_low: AQI范围下限{low:g}大于上限{high:g}")
            chosen = point if point is not None else high
            if chosen is not None:
                if chosen != int(chosen):
                    raise InputInvalid(f"{where}:aqi: AQI须为整数，实为“{chosen:g}”")
                aqi = int(chosen)
            if daily and low is not None and high is not None:
                out.ranges[t.date()] = (int(low), int(high))
            if daily and values.get("t_max", "") != "":
                out.t_max[t.date()] = _temperature(values["t_max"], f"{where}:t_max")
            conc = Concentrations(
                **{
                    c: _number(values.get(c, ""), f"{where}:{c}", limits.get(c))
                    for c in FIELDS
                    if c in values
                }
            )
            primary: tuple[Pollutant, ...] = ()
            if values.get("primary_pollutants"):
                try:
                    primary = tuple(
                        Pollutant(p.strip())
                        for p in values["primary_pollutants"].split(";")
                        if p.strip()
                    )
                except ValueError:
                    raise InputInvalid(
                        f"{where}:primary_pollutants: 未知污染物代码“{values['primary_pollutants']}”"
                    ) from None
            dust = values.get("dust", "").lower()
            if dust not in TRUE_WORDS | FALSE_WORDS:
                raise InputInvalid(f"{where}:dust: 应为true或false，实为“{values['dust']}”")
        except InputInvalid as exc:
            out.issues.append(Issue(code="value", message=f"{exc}，该行未采用"))
            continue
        out.rows.append(
            Row(
                line=len(out.rows) + 1,
                time=t,
                daily=daily,
                aqi=aqi,
                values=conc,
                primary=primary,
                dust=dust in TRUE_WORDS,
                city=values.get("city", ""),
            )
        )
    out.rows.sort(key=lambda r: r.time)
    return out


def parse_document(
    data: Any,
    *,
    provenance: Provenance,
    zone: ZoneInfo,
    limits: Mapping[str, float],
    issued_fallback: dt.datetime | None = None,
) -> Forecast:
    """A forecast document (schema above) or records in the ``assess`` format."""
    name = provenance.location
    meta: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    if isinstance(data, Mapping) and ("daily" in data or "hourly" in data):
        daily_items, hourly_items = data.get("daily") or [], data.get("hourly") or []
    elif isinstance(data, Mapping) and "rows" in data:
        daily_items, hourly_items = data["rows"], []
    elif isinstance(data, list):
        daily_items, hourly_items = data, []
    else:
        raise InputInvalid(f"{name}: 预报数据须为含daily或hourly数组的JSON对象")
    for key, items in (("daily", daily_items), ("hourly", hourly_items)):
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise InputInvalid(f"{name}: {key}须为对象数组")
    if not daily_items and not hourly_items:
        raise InputInvalid(f"{name}: 预报数据为空")

    # records in the assess format carry their kind in the time text; the schema says it
    if "daily" not in meta and "hourly" not in meta:
        first = _text(daily_items[0].get("date") or daily_items[0].get("time"))
        if len(first) != 10:
            daily_items, hourly_items = [], daily_items

    def records(key: str, items: list[Any]) -> list[tuple[str, Mapping[str, Any]]]:
        return [(f"{name}:{key}[{i}]", item) for i, item in enumerate(items)]

    daily = _Parsed()
    if daily_items:
        daily = parse_records(records("daily", daily_items), daily=True, zone=zone, limits=limits)
    hourly = _Parsed()
    if hourly_items:
        hourly = parse_records(
            records("hourly", hourly_items), daily=False, zone=zone, limits=limits
        )
    deciding = daily if daily_items else hourly

    issued_text = _text(meta.get("issued_at"))
    if not issued_text:
        stamps = {_text(i.get("issued_at")) for i in (*daily_items, *hourly_items)} - {""}
        if len(stamps) > 1:
            raise InputInvalid(f"{name}: issued_at各行不一致：{'、'.join(sorted(stamps))}")
        issued_text = next(iter(stamps), "")
    issued = _instant(issued_text, f"{name}:issued_at", zone) if issued_text else issued_fallback

    cities = {r.city for r in deciding.rows} - {""}
    city = _text(meta.get("city")) or (cities.pop() if len(cities) == 1 else "")
    return Forecast(
        provenance=Provenance(
            source=provenance.source,
            kind=provenance.kind,
            location=provenance.location,
            sha256=provenance.sha256,
            fetched_at=provenance.fetched_at,
            issued_at=issued,
            producer=_text(meta.get("producer")),
        ),
        city=city,
        issued_at=issued,
        meteorology=_text(meta.get("meteorology")),
        rows=tuple(deciding.rows),
        daily=bool(daily_items),
        has_aqi=deciding.has_aqi,
        ranges=daily.ranges,
        hourly_pm25={r.time: r.values.pm25 for r in hourly.rows if r.values.pm25 is not None},
        t_max={d: v for d, v in daily.t_max.items() if any(r.time.date() == d for r in daily.rows)},
        issues=tuple(daily.issues + hourly.issues),
    )


def _hours(h: float) -> str:
    return f"{h:.0f}" if h == int(h) else f"{h:.1f}"


def check_forecast(
    forecast: Forecast, *, now: dt.datetime, city: str, health: Health
) -> tuple[Issue, ...]:
    """The input health gate: the document's own row issues plus age, city, horizon and gaps."""
    issues = list(forecast.issues)
    if forecast.issued_at is None:
        issues.append(Issue(code="stale", message="预报未注明发布时间（issued_at），无法判断时效"))
    else:
        age = (now - forecast.issued_at).total_seconds() / 3600
        if age > health.max_forecast_age_hours:
            issues.append(
                Issue(
                    code="stale",
                    message=(
                        f"预报发布于{forecast.issued_at:%Y-%m-%d %H:%M}，距本次会商已{_hours(age)}小时，"
                        f"超过{_hours(health.max_forecast_age_hours)}小时时效"
                    ),
                )
            )
        elif age < -1:
            issues.append(
                Issue(
                    code="future",
                    message=f"预报发布时间{forecast.issued_at:%Y-%m-%d %H:%M}晚于会商时间，请核对时钟",
                )
            )
    if forecast.city and forecast.city != city:
        issues.append(Issue(code="city", message=f"预报城市为“{forecast.city}”，不是{city}"))
    if not forecast.rows:
        issues.append(Issue(code="horizon", message="预报没有可用数据"))
        return tuple(issues)
    today = now.date()
    wanted = [today + dt.timedelta(days=d) for d in range(1, health.min_forecast_days + 1)]
    if forecast.daily:
        have = {r.time.date() for r in forecast.rows if r.aqi is not None or not forecast.has_aqi}
    else:
        per_day: dict[dt.date, int] = {}
        for r in forecast.rows:
            per_day[r.time.date()] = per_day.get(r.time.date(), 0) + 1
        have = {d for d, n in per_day.items() if n == 24}
    short = [d for d in wanted if d not in have]
    if short:
        days = "、".join(f"{d.month}月{d.day}日" for d in short)
        issues.append(
            Issue(
                code="horizon",
                message=f"预报未完整覆盖未来{health.min_forecast_days}天，缺{days}",
            )
        )
    issues.extend(Issue(code="missing", message=note) for note in gaps(forecast.observations()))
    return tuple(issues)
