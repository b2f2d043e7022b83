"""Electricity as compliance evidence (用电监控): hourly meter readings in, and for every stopped
or limited line with a meter, its use during the alert against its own pre-alert baseline.

Readings: CSV (``meter_no, hour, kwh``; Chinese headers 电表编号, 时间, 用电量 also taken) or
HTTP JSON (a list of such objects, or ``{"readings": [...]}``); ``hour`` is the hour that starts
then (ISO 8601; naive = city time). Importing is transactional and idempotent: a reading for a
meter and hour replaces the earlier one."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from orchestrator.assessment.ports import AssessmentUnitOfWork
from orchestrator.delivery.config import Compliance
from orchestrator.delivery.model import Subject
from orchestrator.errors import InputInvalid
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
    raw_hour = str(values.get("hour") or "").strip()
    try:
        hour = dt.datetime.fromisoformat(raw_hour)
    except ValueError:
        raise InputInvalid(
            f"{where}{columns['hour']}: 时间应为ISO 8601（如2026-01-05T08:00），实为“{raw_hour}”"
        ) from None
    hour = hour.replace(tzinfo=zone) if hour.tzinfo is None else hour
    if hour.minute or hour.second or hour.microsecond:
        raise InputInvalid(f"{where}{columns['hour']}: 时间应为整点，实为“{raw_hour}”")
    raw_kwh = values.get("kwh")
    try:
        kwh = float(str(raw_kwh).strip())
    except (TypeError, ValueError):
        raise InputInvalid(f"{where}{columns['kwh']}: 用电量应为数字，实为“{raw_kwh}”") from None
    if not math.isfinite(kwh) or kwh < 0:
        raise InputInvalid(f"{where}{columns['kwh']}: 用电量应为非负数，实为“{raw_kwh}”")
    return Reading(meter, hour.astimezone(dt.UTC), kwh)


def read_csv(path: Path, zone: ZoneInfo) -> list[Reading]:
    """Readings of a CSV file; an error names ``file:row:column``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputInvalid(f"{path}: 无法读取：{exc}") from exc
    if not rows:
        raise InputInvalid(f"{path}: 文件为空")
    header = [_HEADERS.get(h.strip().lower().replace(" ", ""), "") for h in rows[0]]
    missing = {"meter_no", "hour", "kwh"} - set(header)
    if missing:
        raise InputInvalid(
            f"{path}:1: 缺少列：{'、'.join(sorted(missing))}（应有 meter_no, hour, kwh）"
        )
    columns = {name: str(header.index(name) + 1) for name in ("meter_no", "hour", "kwh")}
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        values = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}
        out.append(_reading(values, f"{path}:{n}:", columns, zone))
    return out


def fetch_json(
    url: str, zone: ZoneInfo, *, timeout: float = 30, headers: Mapping[str, str] | None = None
) -> list[Reading]:
    """Readings from an HTTP JSON source; an error names the URL and the record."""
    try:
        response = requests.get(url, timeout=timeout, headers=dict(headers or {}))
        response.raise_for_status()
        data = response.json()
    except requests.RequestException as exc:
        raise InputInvalid(f"{url}: 获取用电数据失败：{exc}") from exc
    except ValueError as exc:
        raise InputInvalid(f"{url}: 返回的不是JSON") from exc
    records = data.get("readings") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InputInvalid(f"{url}: 应为读数列表，或含 readings 列表的对象")
    names = {"meter_no": "meter_no", "hour": "hour", "kwh": "kwh"}
    out = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputInvalid(f"{url}: [{i}]: 每条读数应为对象")
        out.append(_reading(rec, f"{url}: [{i}].", names, zone))
    return out


# --- the check ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineEvidence:
    uscc: str
    name: str
    county: str
    line: str
    meter_no: str
    measure: str
    kind: str  # stop, limit
    window: tuple[dt.datetime, dt.datetime]
    baseline_kwh_h: float | None  # mean per hour over the baseline days
    window_kwh_h: float | None  # mean per hour during the alert
    ratio: float | None
    allowed: float  # the largest ratio that complies
    verdict: str  # compliant, suspect, no_data, low_baseline

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
        }


class Meters:
    """Meter readings in, compliance evidence out."""

    def __init__(self, uow: Callable[[], AssessmentUnitOfWork], *, config: Compliance) -> None:
        self.uow, self.config = uow, config

    def store(self, readings: Sequence[Reading]) -> int:
        """Store readings in one transaction (a meter's hour again replaces it); how many."""
        seen: dict[tuple[str, dt.datetime], Reading] = {}
        for r in readings:
            seen[(r.meter_no, r.hour)] = (
                r  # the last of duplicates in one file wins, as on re-import
            )
        if not seen:
            return 0
        with self.uow() as uow:
            uow.meters.store(list(seen.values()))
            uow.commit()
        return len(seen)

    def check(self, alert_id: int, *, now: dt.datetime) -> list[LineEvidence]:
        """Every stopped or limited line with a meter, in each issued revision's window, judged
        against its mean hourly use over ``baseline_days`` before the alert started."""
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
            baseline_start = first_start - dt.timedelta(days=config.baseline_days)
            lines = [
                (e, ln, start, end)
                for start, end, entries in plans
                for e in entries
                for ln in e["lines"]
                if ln["meter_no"]
                and ln["measure"]
                and ln["measure"]["kind"] in ("stop", "limit")
                and e["mode"] == "list"
            ]
            meters = {ln["meter_no"] for _, ln, _, _ in lines}
            baseline = uow.meters.means(meters, baseline_start, first_start)
            windows: dict[tuple[dt.datetime, dt.datetime], dict[str, float]] = {}
            for _, _, start, end in lines:
                if (start, end) not in windows:
                    windows[(start, end)] = uow.meters.means(meters, start, end)
        out = []
        for e, ln, start, end in lines:
            m = ln["measure"]
            allowed = (
                config.stop_max_ratio
                if m["kind"] == "stop"
                else (1 - float(m["value"] or 0) / 100) + config.limit_tolerance
            )
            base, during = baseline.get(ln["meter_no"]), windows[(start, end)].get(ln["meter_no"])
            ratio = None
            if base is None or during is None:
                verdict = "no_data"
            elif base < config.min_baseline_kwh:
                verdict = "low_baseline"
            else:
                ratio = during / base
                verdict = "compliant" if ratio <= allowed else "suspect"
            out.append(
                LineEvidence(
                    uscc=e["uscc"],
                    name=e["name"],
                    county=e["county"],
                    line=ln["name"],
                    meter_no=ln["meter_no"],
                    measure=m["text"],
                    kind=m["kind"],
                    window=(start, end),
                    baseline_kwh_h=base,
                    window_kwh_h=during,
                    ratio=ratio,
                    allowed=allowed,
                    verdict=verdict,
                )
            )
        return out
