"""Air-quality files (CSV or JSON) turned into core values, with errors that name the place.

Columns (CSV header or JSON keys): ``time`` (ISO 8601; a bare date is a daily value, a date-time
the hour that **starts** then; naive times are local), then either ``aqi`` or concentration columns
``pm25, pm10, so2, no2, co, o3_1h, o3_8h, so2_24h`` (µg/m³, CO mg/m³), optional
``primary_pollutants`` (``;``-joined codes, with ``aqi``), ``city`` (one per file) and ``dust``.
An hourly ``aqi`` is the AQI of the 24 h ending with that hour. Empty cells are missing values.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from orchestrator.alerts.model import AqiSeries, DailyWindow, So2Reading
from orchestrator.aqi.model import HOURLY_COLUMNS, AqiStandard, Pollutant, select_standard
from orchestrator.aqi.scoring import FIELDS, Concentrations, Mode, score
from orchestrator.errors import InputInvalid

if TYPE_CHECKING:  # NumPy's: imported where a series is built
    from orchestrator.aqi.series import RollingDaily

HOUR = dt.timedelta(hours=1)

#: How a ``dust`` cell may say yes or no.
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "有"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否", "无", ""})


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One parsed input row; ``line`` is the 1-based line (CSV) or item number (JSON)."""

    line: int
    time: dt.datetime
    daily: bool
    aqi: int | None
    values: Concentrations
    primary: tuple[Pollutant, ...]
    dust: bool
    city: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Observations:
    """A whole file: its rows in time order, the city and what kind of data it holds."""

    source: str
    rows: tuple[Row, ...]
    daily: bool
    has_aqi: bool
    city: str


def csv_rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """The rows of CSV ``text`` with their line numbers; a NUL, or a field over the csv
    module's limit (128 KB), is refused naming the line."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputInvalid(f"{name}:{line}: 含有NUL字符，请检查文件")
    reader = csv.reader(text.splitlines())
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            raise InputInvalid(f"{name}:{line}: 单元格内容超过128KB，请检查文件") from None
        raise InputInvalid(f"{name}:{line}: 无法读取CSV：{exc}") from None
    return rows


def read_records(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(line, record)`` pairs of a CSV or JSON file, every value as text."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputInvalid(f"{name}: 无法读取文件：{exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputInvalid(f"{name}: 文件不是UTF-8编码") from exc
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputInvalid(f"{name}:{exc.lineno}: JSON格式错误：{exc.msg}") from exc
        except RecursionError:
            raise InputInvalid(f"{name}: JSON嵌套层数过多") from None
        items = data.get("rows") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InputInvalid(f"{name}: JSON须为对象数组，或含rows数组的对象")
        header: list[str] = []
        for item in items:
            header.extend(k for k in item if k not in header)
        records = [
            (n, {str(k).strip(): "" if v is None else str(v).strip() for k, v in item.items()})
            for n, item in enumerate(items, start=1)
        ]
        return header, records
    rows = csv_rows(text, name)
    if not rows:
        raise InputInvalid(f"{name}: 文件为空")
    header = [h.strip() for h in rows[0][1]]
    records = []
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise InputInvalid(f"{name}:{line}: 本行有{len(cells)}列，多于表头的{len(header)}列")
        records.append((line, {h: c.strip() for h, c in zip(header, cells, strict=False)}))
    return header, records


def parse_number(text: str, where: str) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputInvalid(f"{where}: 不是数值：“{text}”") from None
    if not math.isfinite(value) or value < 0:
        raise InputInvalid(f"{where}: 浓度须为不小于0的数值，实为“{text}”")
    return value


#: The years a time given to the product may fall in: alerts, readings and forecasts of this
#: century. Outside them a date is a typo (0001, 9999), and would overflow on the way to UTC.
YEARS = range(2000, 2100)


def in_service_years(t: dt.datetime, where: str) -> dt.datetime:
    """``t`` itself, or :class:`InputInvalid` naming ``where`` for a year outside :data:`YEARS`."""
    if t.year not in YEARS:
        raise InputInvalid(
            f"{where}: 时间“{t.isoformat()}”超出可处理的年份范围（{YEARS.start}—{YEARS.stop - 1}年）"
        )
    return t


def parse_time(text: str, where: str, zone: ZoneInfo) -> tuple[dt.datetime, bool]:
    """``(aware start, is_daily)``; naive times are taken in ``zone``; only years of
    :data:`YEARS`."""
    if text == "":
        raise InputInvalid(f"{where}: 缺少时间")
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = in_service_years(dt.datetime.combine(day, dt.time(0)), where)
            return start.replace(tzinfo=zone), True
        t = in_service_years(dt.datetime.fromisoformat(text), where)
    except ValueError:
        raise InputInvalid(
            f"{where}: 时间格式应为ISO 8601（如2026-01-05或2026-01-05T08:00），实为“{text}”"
        ) from None
    t = t.replace(tzinfo=zone) if t.tzinfo is None else t.astimezone(zone)
    if t.minute or t.second or t.microsecond:
        raise InputInvalid(f"{where}: 小时数据的时间须为整点，实为“{text}”")
    return t, False


def read_observations(path: Path, zone: ZoneInfo) -> Observations:
    """Parse and check a whole file; the first unusable cell raises :class:`InputInvalid`."""
    name = str(path)
    header, records = read_records(path)
    if "time" not in header:
        raise InputInvalid(f"{name}:1:time: 缺少time列")
    has_aqi = "aqi" in header
    conc_cols = [c for c in FIELDS if c in header]
    if not has_aqi and not conc_cols:
        raise InputInvalid(f"{name}:1: 须有aqi列或浓度列（{', '.join(FIELDS)}）")
    if not records:
        raise InputInvalid(f"{name}: 没有数据行")
    rows: list[Row] = []
    for line, rec in records:
        t, daily = parse_time(rec.get("time", ""), f"{name}:{line}:time", zone)
        aqi = None
        if has_aqi and rec.get("aqi", "") != "":
            raw = parse_number(rec["aqi"], f"{name}:{line}:aqi")
            if raw is None or raw != int(raw):
                raise InputInvalid(f"{name}:{line}:aqi: AQI须为整数，实为“{rec['aqi']}”")
            aqi = int(raw)
        values = Concentrations(
            **{c: parse_number(rec.get(c, ""), f"{name}:{line}:{c}") for c in conc_cols}
        )
        primary: tuple[Pollutant, ...] = ()
        if rec.get("primary_pollutants", ""):
            try:
                primary = tuple(
                    Pollutant(p.strip()) for p in rec["primary_pollutants"].split(";") if p.strip()
                )
            except ValueError:
                raise InputInvalid(
                    f"{name}:{line}:primary_pollutants: 未知污染物代码“{rec['primary_pollutants']}”"
                    f"（可用：{'、'.join(p.value for p in Pollutant)}）"
                ) from None
        dust_text = rec.get("dust", "").lower()
        if dust_text not in TRUE_WORDS | FALSE_WORDS:
            raise InputInvalid(f"{name}:{line}:dust: 应为true或false，实为“{rec['dust']}”")
        if rows and daily != rows[0].daily:
            raise InputInvalid(f"{name}:{line}:time: 日数据与小时数据不能混在同一文件中")
        if rows and t <= rows[-1].time:
            raise InputInvalid(
                f"{name}:{line}:time: 时间须严格递增（上一行为{rows[-1].time.isoformat()}）"
            )
        city = rec.get("city", "")
        if rows and city != rows[0].city:
            raise InputInvalid(
                f"{name}:{line}:city: 一个文件只能包含一个城市（“{rows[0].city}”与“{city}”）"
            )
        rows.append(
            Row(
                line=line,
                time=t,
                daily=daily,
                aqi=aqi,
                values=values,
                primary=primary,
                dust=dust_text in TRUE_WORDS,
                city=city,
            )
        )
    return Observations(
        source=name, rows=tuple(rows), daily=rows[0].daily, has_aqi=has_aqi, city=rows[0].city
    )


def _fmt_hour(t: dt.datetime) -> str:
    return f"{t.month}月{t.day}日{t.hour}时"


def _ranges(
    times: Sequence[dt.datetime], step: dt.timedelta
) -> list[tuple[dt.datetime, dt.datetime]]:
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for t in times:
        if out and t - out[-1][1] == step:
            out[-1] = (out[-1][0], t)
        else:
            out.append((t, t))
    return out


def gaps(obs: Observations) -> tuple[str, ...]:
    """Plain-language notes on missing days or hours, per column: reported, never filled."""
    first, last = obs.rows[0].time, obs.rows[-1].time
    if obs.daily:
        have = {r.time for r in obs.rows}
        days = (last - first).days + 1
        missing = [
            first + dt.timedelta(days=d)
            for d in range(days)
            if first + dt.timedelta(days=d) not in have
        ]
        missing += [r.time for r in obs.rows if obs.has_aqi and r.aqi is None]
        if not missing:
            return ()
        spans = _ranges(sorted(missing), dt.timedelta(days=1))
        text = "、".join(
            f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d}至{b:%Y-%m-%d}" for a, b in spans
        )
        return (f"缺少{len(missing)}天的数据：{text}",)
    hours = int((last - first).total_seconds()) // 3600 + 1
    grid = [first + dt.timedelta(hours=h) for h in range(hours)]
    by_time = {r.time: r for r in obs.rows}
    columns = (
        ["aqi"]
        if obs.has_aqi
        else [c for c in HOURLY_COLUMNS if any(getattr(r.values, c) is not None for r in obs.rows)]
    )
    notes = []
    for col in columns:
        missing = [
            t
            for t in grid
            if t not in by_time
            or (by_time[t].aqi if col == "aqi" else getattr(by_time[t].values, col)) is None
        ]
        if missing:
            spans = _ranges(missing, dt.timedelta(hours=1))
            text = "、".join(
                _fmt_hour(a) if a == b else f"{_fmt_hour(a)}至{_fmt_hour(b)}" for a, b in spans
            )
            label = Pollutant(HOURLY_COLUMNS[col]).value if col in HOURLY_COLUMNS else "AQI"
            notes.append(f"{label}缺测{len(missing)}小时（{text}），未作插补")
    return tuple(notes)


def to_series(
    obs: Observations, standards: Sequence[AqiStandard], standard_id: str | None = None
) -> tuple[AqiSeries, tuple[So2Reading, ...]]:
    """Daily windows (days, or rolling 24 h for hourly data) and the hourly SO2 readings."""
    if obs.daily:
        windows = []
        for row in obs.rows:
            aqi, primary = row.aqi, row.primary
            if not obs.has_aqi:
                std = select_standard(standards, on=row.time.date(), standard_id=standard_id)
                result = score(std, row.values, Mode.DAILY)
                aqi, primary = result.aqi, result.primary_pollutants
            windows.append(
                DailyWindow(
                    start=row.time, aqi=aqi, primary_pollutants=primary, dust_hours=24 * row.dust
                )
            )
        return AqiSeries(step_hours=24, windows=tuple(windows)), ()

    # Hourly: lay the rows on a contiguous grid, missing hours stay missing.
    first = obs.rows[0].time
    index = {int((r.time - first).total_seconds()) // 3600: r for r in obs.rows}
    hours = max(index) + 1
    dust = [bool(index[h].dust) if h in index else False for h in range(hours)]
    dust_cum = [0]
    for d in dust:
        dust_cum.append(dust_cum[-1] + d)
    so2 = tuple(
        So2Reading(at=r.time, value=r.values.so2) for r in obs.rows if r.values.so2 is not None
    )
    if obs.has_aqi:
        windows = []
        for h in range(23, hours):
            cur = index.get(h)
            windows.append(
                DailyWindow(
                    start=first + dt.timedelta(hours=h - 23),
                    aqi=cur.aqi if cur else None,
                    primary_pollutants=cur.primary if cur else (),
                    dust_hours=dust_cum[h + 1] - dust_cum[h - 23],
                )
            )
        return AqiSeries(step_hours=1, windows=tuple(windows)), so2

    columns = {
        col: [
            getattr(index[h].values, col)
            if h in index and getattr(index[h].values, col) is not None
            else math.nan
            for h in range(hours)
        ]
        for col in HOURLY_COLUMNS
        if any(getattr(r.values, col) is not None for r in obs.rows)
    }
    if not columns:
        raise InputInvalid(f"{obs.source}: 小时数据须含以下浓度列之一：{', '.join(HOURLY_COLUMNS)}")
    from orchestrator.aqi.series import rolling_daily  # NumPy: loaded when a series is built

    rolling = rolling_daily(first, columns, standards, standard_id=standard_id)
    dust_hours = [dust_cum[j + 24] - dust_cum[j] for j in range(len(rolling))]
    return AqiSeries(step_hours=1, windows=rolling_windows(rolling, dust_hours)), so2


def rolling_windows(
    rolling: RollingDaily, dust_hours: Sequence[int] | None = None
) -> tuple[DailyWindow, ...]:
    """The 24 h windows of a rolling daily AQI, one per hour (incomplete ones without an AQI),
    read out of its arrays at once."""
    aqi, complete = rolling.aqi.tolist(), rolling.complete.tolist()
    primaries = rolling.all_primary_pollutants()
    windows = []
    start = rolling.start
    for j, ok in enumerate(complete):
        windows.append(
            DailyWindow(
                start=start,
                aqi=aqi[j] if ok else None,
                primary_pollutants=primaries[j] if ok else (),
                dust_hours=dust_hours[j] if dust_hours is not None else 0,
            )
        )
        start += HOUR  # the same instant as rolling.window_start(j + 1)
    return tuple(windows)


def hourly_aqi(
    obs: Observations, standards: Sequence[AqiStandard]
) -> list[tuple[dt.datetime, int | None]]:
    """The hourly (real-time) AQI of every hour of hourly observations (HJ 633 实时报); the
    running 24 h SO2 mean stands in when an SO2 hour is off the 1 h table."""
    if obs.daily:
        return []
    out: list[tuple[dt.datetime, int | None]] = []
    so2: deque[tuple[dt.datetime, float]] = deque()  # the SO2 hours of the last 24 h
    for row in obs.rows:
        if row.values.so2 is not None:
            so2.append((row.time, row.values.so2))
        while so2 and row.time - so2[0][0] >= dt.timedelta(hours=24):
            so2.popleft()
        if obs.has_aqi:
            out.append((row.time, row.aqi))
            continue
        values = row.values
        if values.so2 is not None and len(so2) >= 20:
            values = dataclasses.replace(values, so2_24h=sum(v for _, v in so2) / len(so2))
        std = select_standard(standards, on=row.time.date())
        out.append((row.time, score(std, values, Mode.HOURLY).aqi))
    return out
