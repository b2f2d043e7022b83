"""Electricity as compliance evidence (用电监控): hourly meter readings in, and for every stopped
or limited line with a meter, its use during the alert against its own pre-alert baseline.

Readings: CSV (``meter_no, hour, kwh``; Chinese headers 电表编号, 时间, 用电量 also taken) or
HTTP JSON (a list of such objects, or ``{"readings": [...]}``); ``hour`` is the hour that starts
then (ISO 8601; naive = city time). Importing is transactional and idempotent: a reading for a
meter and hour replaces the earlier one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.assessment.ports import AssessmentUnitOfWork
from orchestrator.delivery.config import Compliance
from orchestrator.delivery.model import Subject
from orchestrator.emissions.model import LOAD_UNIT_TEXT, Load, LoadUnit
from orchestrator.emissions.plans import cap_of, rated_of
from orchestrator.errors import InputInvalid
from orchestrator.feeds.tabular import csv_rows, hour_of, json_records, quantity
from orchestrator.response.model import RevisionKind

_HEADERS = {
    "meter_no": "meter_no",
    "电表编号": "meter_no",
    "hour": "hour",
    "时间": "hour",
    "kwh": "kwh",
    "用电量": "kwh",
    "用电量(kwh)": "kwh",
    "用电量（kwh）": "kwh",
}


@dataclass(frozen=True, slots=True)
class Reading:
    meter_no: str
    hour: dt.datetime
    kwh: float


def _reading(
    values: Mapping[str, Any], where: str, columns: Mapping[str, str], zone: ZoneInfo
) -> Reading:
    meter = str(values.get("meter_no") or "").strip()
    if not meter or len(meter) > 64:
        raise InputInvalid(f"{where}{columns['meter_no']}: 电表编号为空或超过64个字符")
    hour = hour_of(str(values.get("hour") or "").strip(), f"{where}{columns['hour']}", zone)
    return Reading(meter, hour, quantity(values.get("kwh"), f"{where}{columns['kwh']}", "用电量"))


def read_csv(path: Path, zone: ZoneInfo) -> list[Reading]:
    """Readings of a CSV file; an error names ``file:row:column``."""
    return [
        _reading(values, where, columns, zone)
        for where, values, columns in csv_rows(path, _HEADERS, ("meter_no", "hour", "kwh"))
    ]


def fetch_json(
    url: str, zone: ZoneInfo, *, timeout: float = 30, headers: Mapping[str, str] | None = None
) -> list[Reading]:
    """Readings from an HTTP JSON source; an error names the URL and the record."""
    fields = ("meter_no", "hour", "kwh")
    return [
        _reading(rec, where, names, zone)
        for where, rec, names in json_records(url, timeout, headers, "用电数据", fields)
    ]


# --- load readings (运行负荷) --------------------------------------------------------------------

_LOAD_HEADERS = {
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "line": "line",
    "生产线": "line",
    "生产线或工序": "line",
    "hour": "hour",
    "时间": "hour",
    "load": "load",
    "负荷": "load",
    "unit": "unit",
    "单位": "unit",
}
_LOAD_FIELDS = ("uscc", "line", "hour", "load", "unit")


@dataclass(frozen=True, slots=True)
class LoadReading:
    uscc: str
    line: str
    hour: dt.datetime
    value: float
    unit: str  # a LoadUnit value: %, MW, t/h


def _load_reading(
    values: Mapping[str, Any], where: str, columns: Mapping[str, str], zone: ZoneInfo
) -> LoadReading:
    uscc = str(values.get("uscc") or "").strip()
    if len(uscc) != 18:
        raise InputInvalid(f"{where}{columns['uscc']}: 统一社会信用代码应为18位，实为“{uscc}”")
    line = str(values.get("line") or "").strip()
    if not line or len(line) > 200:
        raise InputInvalid(f"{where}{columns['line']}: 生产线为空或超过200个字符")
    hour = hour_of(str(values.get("hour") or "").strip(), f"{where}{columns['hour']}", zone)
    value = quantity(values.get("load"), f"{where}{columns['load']}", "负荷")
    unit_text = str(values.get("unit") or "").strip()
    unit = LOAD_UNIT_TEXT.get(unit_text.lower())
    if unit is None:
        raise InputInvalid(f"{where}{columns['unit']}: 单位应为%、MW或t/h，实为“{unit_text}”")
    return LoadReading(uscc, line, hour, value, unit.value)


def read_load_csv(path: Path, zone: ZoneInfo) -> list[LoadReading]:
    """Hourly loads of a CSV file (``uscc, line, hour, load, unit``; Chinese headers 统一社会信用代码,
    生产线, 时间, 负荷, 单位 also taken); an error names ``file:row:column``."""
    return [
        _load_reading(values, where, columns, zone)
        for where, values, columns in csv_rows(path, _LOAD_HEADERS, _LOAD_FIELDS)
    ]


def fetch_load_json(
    url: str, zone: ZoneInfo, *, timeout: float = 30, headers: Mapping[str, str] | None = None
) -> list[LoadReading]:
    """Hourly loads from an HTTP JSON source (the same fields as the CSV)."""
    return [
        _load_reading(rec, where, names, zone)
        for where, rec, names in json_records(url, timeout, headers, "负荷数据", _LOAD_FIELDS)
    ]


# --- the check ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineEvidence:
    uscc: str
    name: str
    county: str
    line: str
    meter_no: str
    measure: str
    kind: str  # stop, limit, load_cap, autonomous
    window: tuple[dt.datetime, dt.datetime]
    baseline_kwh_h: float | None  # mean per hour over the baseline days
    window_kwh_h: float | None  # mean per hour during the alert
    ratio: float | None
    allowed: float  # the largest ratio that complies (a load cap: the cap, in its unit)
    verdict: str  # compliant, suspect, no_data, low_baseline
    rule: str = ""  # the rule the line is held to, as the suspect list names it
    load_max: float | None = None  # a load cap: the highest hourly load, in the cap's unit
    hours_over: int | None = None  # a load cap: hours above the cap
    hours: int | None = None  # a load cap: hours with a reading

    def as_dict(self) -> dict[str, Any]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "county": self.county,
            "line": self.line,
            "meter_no": self.meter_no,
            "measure": self.measure,
            "kind": self.kind,
            "window": [t.isoformat() for t in self.window],
            "baseline_kwh_h": self.baseline_kwh_h,
            "window_kwh_h": self.window_kwh_h,
            "ratio": self.ratio,
            "allowed": self.allowed,
            "verdict": self.verdict,
            "rule": self.rule,
            "load_max": self.load_max,
            "hours_over": self.hours_over,
            "hours": self.hours,
        }


def in_cap_unit(value: float, unit: str, cap: Load, rated: Load | None) -> float | None:
    """A load reading in the cap's unit (through the line's rated load where the two differ);
    None when it cannot be converted."""
    if unit == cap.unit.value:
        return value
    if rated is None:
        return None
    if cap.unit is LoadUnit.PERCENT and unit == rated.unit.value:
        return value / rated.value * 100
    if unit == LoadUnit.PERCENT.value and cap.unit is rated.unit:
        return value * rated.value / 100
    return None


def suspect_words(line: LineEvidence) -> str:
    """What a suspect line's evidence showed, in words (the inspection score's reason)."""
    if line.kind == "load_cap":
        most = f"，最高{line.load_max:g}" if line.load_max is not None else ""
        return f"{line.hours}小时中{line.hours_over}小时负荷超过上限{most}（{line.rule}）"
    ratio = f"为预警前基线的{line.ratio:.0%}" if line.ratio is not None else "未见下降"
    return f"用电{ratio}（{line.rule or line.measure}）"


def _cap_rule(cap: Load, rated: Load | None) -> str:
    of = f"（额定负荷{rated.text}）" if rated is not None else ""
    unit = "额定负荷的" if cap.unit is LoadUnit.PERCENT else ""
    return f"限负荷：每小时负荷不超过{unit}{cap.text}{of}"


class Meters:
    """Meter and load readings in, compliance evidence out."""

    def __init__(self, uow: Callable[[], AssessmentUnitOfWork], *, config: Compliance) -> None:
        self.uow, self.config = uow, config

    def store(self, readings: Sequence[Reading]) -> int:
        """Store readings in one transaction (a meter's hour again replaces it); how many."""
        seen: dict[tuple[str, dt.datetime], Reading] = {}
        for r in readings:
            seen[(r.meter_no, r.hour)] = r  # the last of duplicates in one file wins
        if not seen:
            return 0
        with self.uow() as uow:
            uow.meters.store(list(seen.values()))
            uow.commit()
        return len(seen)

    def store_loads(self, readings: Sequence[LoadReading]) -> int:
        """Store hourly loads in one transaction (a line's hour again replaces it); how many."""
        seen = {(r.uscc, r.line, r.hour): r for r in readings}
        if not seen:
            return 0
        with self.uow() as uow:
            uow.meters.store_loads(list(seen.values()))
            uow.commit()
        return len(seen)

    def check(self, alert_id: int, *, now: dt.datetime) -> list[LineEvidence]:
        """Every line with a rule to check, in each issued revision's window: a stopped or
        limited line with a meter, its mean hourly use against its mean over ``baseline_days``
        before the alert; a line that reduces autonomously (A-grade, exempt) with a meter, not
        above that baseline; a load-capped line, its hourly loads at or under the cap."""
        config = self.config
        with self.uow() as uow:
            revs = [v for v in uow.alerts.revisions(alert_id) if v.document_number is not None]
            if not revs:
                return []
            first_start = revs[0].state.start
            plans: list[tuple[dt.datetime, dt.datetime, list[dict[str, Any]]]] = []
            for i, rev in enumerate(revs):
                st = rev.state
                if st.kind is RevisionKind.LIFT:
                    continue
                end = revs[i + 1].state.start if i + 1 < len(revs) else (st.end or now)
                end = min(end, now)
                if end <= st.start:
                    continue
                entries = list(uow.plans.entries(Subject(revision_id=rev.revision_id)))
                plans.append((st.start, end, entries))
            metered, capped = [], []
            for start, end, entries in plans:
                for e in entries:
                    for ln in e["lines"]:
                        m = ln["measure"]
                        if not m:
                            continue
                        kind = _checked_kind(e["mode"], m["kind"])
                        if kind == "load_cap":
                            capped.append((e, ln, start, end))
                        elif kind and ln["meter_no"]:
                            metered.append((e, ln, start, end, kind))
            meters = {ln["meter_no"] for _, ln, _, _, _ in metered}
            baseline_start = first_start - dt.timedelta(days=config.baseline_days)
            baseline = uow.meters.means(meters, baseline_start, first_start)
            windows: dict[tuple[dt.datetime, dt.datetime], dict[str, float]] = {}
            loads: dict[tuple[dt.datetime, dt.datetime], dict[Any, list[tuple[float, str]]]] = {}
            for _, _, start, end, _ in metered:
                if (start, end) not in windows:
                    windows[(start, end)] = uow.meters.means(meters, start, end)
            keys = {(e["uscc"], ln["name"]) for e, ln, _, _ in capped}
            for _, _, start, end in capped:
                if (start, end) not in loads:
                    loads[(start, end)] = uow.meters.loads(keys, start, end)
        out = [
            self._electricity(e, ln, start, end, kind, baseline, windows[(start, end)])
            for e, ln, start, end, kind in metered
        ]
        out += [
            self._load(e, ln, start, end, loads[(start, end)].get((e["uscc"], ln["name"]), []))
            for e, ln, start, end in capped
        ]
        return out

    def _electricity(
        self,
        e: dict[str, Any],
        ln: dict[str, Any],
        start: dt.datetime,
        end: dt.datetime,
        kind: str,
        baseline: Mapping[str, float],
        during_alert: Mapping[str, float],
    ) -> LineEvidence:
        config = self.config
        m = ln["measure"]
        if kind == "stop":
            allowed = config.stop_max_ratio
            rule = f"停产：预警期间平均小时用电不超过预警前的{allowed:.0%}"
        elif kind == "limit":
            allowed = (1 - float(m["value"] or 0) / 100) + config.limit_tolerance
            rule = (
                f"限产{float(m['value'] or 0):g}%：预警期间平均小时用电不超过预警前的{allowed:.0%}"
            )
        else:
            allowed = 1 + config.exempt_tolerance
            rule = f"自主减排，不得增加排放：预警期间平均小时用电不超过预警前的{allowed:.0%}"
        base, during = baseline.get(ln["meter_no"]), during_alert.get(ln["meter_no"])
        ratio = None
        if base is None or during is None:
            verdict = "no_data"
        elif base < config.min_baseline_kwh:
            verdict = "low_baseline"
        else:
            ratio = during / base
            verdict = "compliant" if ratio <= allowed else "suspect"
        return LineEvidence(
            **_whose(e, ln, start, end),
            kind=kind,
            baseline_kwh_h=base,
            window_kwh_h=during,
            ratio=ratio,
            allowed=allowed,
            verdict=verdict,
            rule=rule,
        )

    def _load(
        self,
        e: dict[str, Any],
        ln: dict[str, Any],
        start: dt.datetime,
        end: dt.datetime,
        readings: Sequence[tuple[float, str]],
    ) -> LineEvidence:
        m = ln["measure"]
        cap, rated = cap_of(m), rated_of(ln)
        values: list[float] = []
        if cap is not None:
            for value, unit in readings:
                v = in_cap_unit(value, unit, cap, rated)
                if v is not None:
                    values.append(v)
        limit = cap.value * (1 + self.config.load_tolerance) if cap is not None else 0.0
        over = sum(1 for v in values if v > limit)
        return LineEvidence(
            **_whose(e, ln, start, end),
            kind="load_cap",
            baseline_kwh_h=None,
            window_kwh_h=None,
            ratio=None,
            allowed=cap.value if cap is not None else 0.0,
            verdict="no_data" if not values else ("suspect" if over else "compliant"),
            rule=_cap_rule(cap, rated) if cap is not None else "限负荷（限值单位不明，无法核查）",
            load_max=round(max(values), 3) if values else None,
            hours_over=over if values else None,
            hours=len(values) if values else None,
        )


def _whose(
    e: Mapping[str, Any], ln: Mapping[str, Any], start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """The evidence's enterprise, line, measure and window, from a plan entry and its line."""
    return {
        "uscc": e["uscc"],
        "name": e["name"],
        "county": e["county"],
        "line": ln["name"],
        "meter_no": ln["meter_no"],
        "measure": ln["measure"]["text"],
        "window": (start, end),
    }


def _checked_kind(mode: str, kind: str) -> str:
    """Which rule a line is held to: stop, limit or load_cap by its measure; autonomous for a
    line that reduces autonomously (its enterprise's mode, or the line's own 自主减排); "" none."""
    if kind == "load_cap":
        return "load_cap"
    if mode == "autonomous" or kind == "autonomous":
        return "autonomous"
    if kind in ("stop", "limit") and mode == "list":
        return kind
    return ""
