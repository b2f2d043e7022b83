"""The effect assessment (效果评估) of one alert, pure: its revisions, the consultations that led
to them, the observations, the receipts and the electricity evidence come in; a JSON-ready record
comes out, which the report, the console page and ``assessment --json`` all show.

What it holds:

- the timeline: consultations, drafts, approvals and issues, with document numbers, and the lead
  time of every issue and upgrade (from its issue to its start, and to the observed onset);
- forecast against observation, day by day (the forecast the alert was issued on, and the newest
  one before each day) and hour by hour, with the days' errors and category hits, and what the
  ruleset makes of the observations (the alert they bear out);
- the planned reductions of every issued level against the city's targets, as frozen at approval;
- receipts of every issued revision (orders, delivered, acknowledged in time, implemented) and
  the electricity check;
- what the next list revision should change: enterprises that did not acknowledge, could not be
  reached, or showed non-compliance, with the grade the city's rules propose for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.alerts.model import AlertLevel, Ruleset
from orchestrator.alerts.readings import Observations, hourly_aqi, to_series
from orchestrator.alerts.replay import Actual, compare, replay
from orchestrator.aqi.model import AqiStandard, select_standard
from orchestrator.consultation.opinion import aqi_axis
from orchestrator.consultation.opinion import thresholds as rule_thresholds
from orchestrator.response.model import RevisionKind

#: The colour each alert level is drawn in.
LEVEL_COLORS = {"yellow": "#f5c400", "orange": "#ff7e00", "red": "#e60000"}
#: How the electricity check's verdicts are called.
VERDICTS = {
    "compliant": "符合",
    "suspect": "疑似未落实",
    "no_data": "无监控数据",
    "low_baseline": "基线用电过低",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One revision of the alert, as stored."""

    revision_id: int
    number: int
    kind: RevisionKind
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime | None
    status: str
    drafted_by: str
    approved_by: str | None
    issued_at: dt.datetime | None
    document_number: str | None
    reason: str
    list_revision: int | None
    targets: Mapping[str, Any] | None
    shortfall_override: str | None

    @property
    def issued(self) -> bool:
        return self.document_number is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Consulted:
    """A consultation of the period: what it recommended and the daily forecast it saw."""

    id: int
    slot: dt.datetime
    action: str
    headline: str
    revision_id: int | None
    days: Mapping[str, Mapping[str, Any]]  # ISO date → the opinion's day row (aqi, low, high, …)
    hourly: Sequence[
        tuple[dt.datetime, int]
    ] = ()  # hourly forecast AQI, when the product is hourly


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """An audit-log entry of the alert."""

    at: dt.datetime
    actor: str
    action: str  # the audit action
    label: str  # how it is called
    revision_id: int | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipts:
    """Receipts of one issued revision's dispatch orders."""

    revision_id: int
    orders: int
    delivered: int  # reached a channel
    acknowledged: int
    acknowledged_in_time: int
    implemented: int
    deadline: dt.datetime
    # each firm as receipts.Firm.as_dict(): uscc, name, county, contact, phone, detail (their
    # grades come with Inputs.grades)
    not_acknowledged: Sequence[Mapping[str, str]] = ()
    undelivered: Sequence[Mapping[str, str]] = ()  # detail: the last error
    not_implemented: Sequence[Mapping[str, str]] = ()  # detail: the lines not done


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    """Everything the assessment is made of."""

    alert_id: int
    region_name: str
    steps: Sequence[Step]
    consultations: Sequence[Consulted]
    events: Sequence[Event]
    receipts: Sequence[Receipts]
    compliance: Sequence[Mapping[str, Any]]  # electricity.LineEvidence.as_dict()
    grades: Mapping[str, Mapping[str, str]]  # uscc → {name, county, grade} (the plan's entries)
    downgrade: Mapping[str, str]  # grade → the grade proposed after non-compliance
    observed: Observations | None
    observed_source: str
    standards: Sequence[AqiStandard]
    ruleset: Ruleset
    now: dt.datetime
    zone: ZoneInfo
    notes: Sequence[str] = field(default_factory=tuple)
    # the negotiated reductions (协商减排) of issued revisions: NegotiatedReduction.as_json() with
    # the revision's document_number
    negotiated: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    # 每日调度: each day's roll-up counts (daily.service.summary_of with its "day"), and each
    # issued revision's task notices to the response network (revision_id, tasks, acknowledged)
    dispatch: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    tasks: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


# --- small helpers ------------------------------------------------------------------------------


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def _when(t: dt.datetime, zone: ZoneInfo) -> str:
    t = t.astimezone(zone)
    return f"{t.year}年{t.month}月{t.day}日{t.hour}时" + (f"{t.minute:02d}分" if t.minute else "")


def _iso(t: dt.datetime | None, zone: ZoneInfo) -> str | None:
    return t.astimezone(zone).isoformat() if t else None


# --- the alert's course ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of time the alert was in force at one level, under one issued revision."""

    step: Step
    start: dt.datetime
    end: dt.datetime


def segments(steps: Sequence[Step], now: dt.datetime) -> list[Segment]:
    """The alert's course: each issued non-lift revision from its start until the next issued
    revision takes over, its own end, or ``now`` (an alert still in force)."""
    issued = [s for s in steps if s.issued]
    out = []
    for i, s in enumerate(issued):
        if s.kind is RevisionKind.LIFT:
            break
        ends = [t for t in (s.end, now) if t is not None]
        if i + 1 < len(issued):
            ends.append(issued[i + 1].start)
        end = min(ends)
        if end > s.start:
            out.append(Segment(s, s.start, end))
    return out


def status(steps: Sequence[Step], now: dt.datetime) -> tuple[str, str]:
    """(code, words): lifted, ended (its end passed without a lift notice), in_force, not_issued."""
    issued = [s for s in steps if s.issued]
    if not issued:
        return "not_issued", "尚未发布"
    last = issued[-1]
    if last.kind is RevisionKind.LIFT:
        return "lifted", "已解除"
    if last.end is not None and last.end <= now:
        return "ended", "已到期结束"
    return "in_force", "仍在执行，本报告为阶段评估"


# --- observations ---------------------------------------------------------------------------------


def daily_aqi(
    obs: Observations, standards: Sequence[AqiStandard], zone: ZoneInfo
) -> dict[dt.date, tuple[int, tuple[str, ...]]]:
    """Each whole calendar day's AQI and primary pollutants: the day's row of daily data, or the
    24 h from midnight of hourly data (a day with too few hours has none)."""
    series, _ = to_series(obs, standards)
    out = {}
    for w in series.windows:
        start = w.start.astimezone(zone)
        if w.aqi is None or (series.step_hours == 1 and start.hour != 0):
            continue
        out[start.date()] = (int(w.aqi), tuple(p.value for p in w.primary_pollutants))
    return out


def _category(standards: Sequence[AqiStandard], day: dt.date, aqi: int) -> dict[str, Any]:
    c = select_standard(standards, on=day).category(aqi)
    return {"name": c.name, "color": c.color}


# --- the record -----------------------------------------------------------------------------------


def _issuing_consultation(inputs: Inputs, first: Step) -> Consulted | None:
    """The consultation the alert was issued on: the one that drafted it, else the newest before
    its issue."""
    for c in inputs.consultations:
        if c.revision_id == first.revision_id:
            return c
    before = [c for c in inputs.consultations if first.issued_at and c.slot <= first.issued_at]
    return before[-1] if before else None


def _day_ahead(inputs: Inputs, day: dt.date) -> Consulted | None:
    """The newest consultation before ``day`` began that forecast it."""
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=inputs.zone)
    found = [c for c in inputs.consultations if c.slot < midnight and day.isoformat() in c.days]
    return found[-1] if found else None


def _forecast_cell(c: Consulted | None, day: dt.date, zone: ZoneInfo) -> dict[str, Any] | None:
    row = c.days.get(day.isoformat()) if c else None
    if row is None or c is None:
        return None
    return {
        "aqi": int(row["aqi"]),
        "low": int(row.get("low", row["aqi"])),
        "high": int(row.get("high", row["aqi"])),
        "category": row.get("category", ""),
        "consultation_id": c.id,
        "slot": _iso(c.slot, zone),
    }


def _days(
    inputs: Inputs, first: Step, span: tuple[dt.datetime, dt.datetime]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    zone = inputs.zone
    observed = (
        daily_aqi(inputs.observed, inputs.standards, zone) if inputs.observed is not None else {}
    )
    issuing = _issuing_consultation(inputs, first)
    day, last = span[0].astimezone(zone).date(), span[1].astimezone(zone).date()
    rows = []
    while day <= last:
        at_issue = _forecast_cell(issuing, day, zone)
        ahead = _forecast_cell(_day_ahead(inputs, day), day, zone)
        seen = observed.get(day)
        obs = None
        if seen is not None:
            obs = {
                "aqi": seen[0],
                "primary_pollutants": list(seen[1]) if seen[0] > 50 else [],
                **_category(inputs.standards, day, seen[0]),
            }
        forecast = ahead or at_issue
        row: dict[str, Any] = {
            "date": day.isoformat(),
            "label": f"{day.month}月{day.day}日",
            "at_issue": at_issue,
            "day_ahead": ahead,
            "observed": obs,
            "error": forecast["aqi"] - obs["aqi"] if forecast and obs else None,
            "in_range": (forecast["low"] <= obs["aqi"] <= forecast["high"])
            if forecast and obs
            else None,
            "category_hit": (forecast["category"] == obs["name"])
            if forecast and obs and forecast["category"]
            else None,
        }
        rows.append(row)
        day += dt.timedelta(days=1)
    compared = [r for r in rows if r["error"] is not None]
    errors = [abs(r["error"]) for r in compared]
    stats = {
        "days": len(compared),
        "mae": round(sum(errors) / len(errors), 1) if errors else None,
        "bias": round(sum(r["error"] for r in compared) / len(compared), 1) if compared else None,
        "in_range": sum(1 for r in compared if r["in_range"]),
        "category_hits": sum(1 for r in compared if r["category_hit"]),
        "issuing_consultation": (
            {"id": issuing.id, "slot": _iso(issuing.slot, zone), "headline": issuing.headline}
            if issuing
            else None
        ),
    }
    return rows, stats


def _hourly(
    inputs: Inputs, span: tuple[dt.datetime, dt.datetime], thresholds: Sequence[int]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    aqi = hourly_aqi(inputs.observed, inputs.standards) if inputs.observed is not None else []
    forecast: dict[dt.datetime, int] = {}
    for c in inputs.consultations:  # newer consultations overwrite older ones' hours
        for t, v in c.hourly:
            if t > c.slot:
                forecast[t] = v
    hours = sorted({t for t, _ in aqi} | set(forecast))
    seen = dict(aqi)
    rows: list[dict[str, Any]] = [
        {
            "at": t.astimezone(inputs.zone).isoformat(),
            "observed": seen.get(t),
            "forecast": forecast.get(t),
        }
        for t in hours
        if span[0] <= t < span[1]
    ]
    values: list[tuple[str, int]] = [
        (r["at"], r["observed"]) for r in rows if r["observed"] is not None
    ]
    peak = max(values, key=lambda kv: kv[1]) if values else None  # the first hour at the peak
    stats = {
        "hours": len(values),
        "missing": sum(1 for r in rows if r["observed"] is None),
        "peak": {"aqi": peak[1], "at": peak[0]} if peak else None,
        "over": [{"threshold": v, "hours": sum(1 for _, a in values if a > v)} for v in thresholds],
        "has_forecast": any(r["forecast"] is not None for r in rows),
    }
    return rows, stats


def _verification(
    inputs: Inputs, episode: tuple[dt.datetime, dt.datetime], level: AlertLevel
) -> dict[str, Any] | None:
    """What the ruleset makes of the observations (a perfect forecast): the alert they bear
    out near this one, and whether its level agrees."""
    if inputs.observed is None or not inputs.observed.rows:
        return None
    series, so2 = to_series(inputs.observed, inputs.standards)
    replayed = replay(series, inputs.ruleset, zone=inputs.zone, so2=so2)
    actual = Actual(level=level, start=episode[0], end=episode[1])
    result = compare(replayed, [actual])
    pair = result.pairs[0][1] if result.pairs else None
    return {
        "ruleset": inputs.ruleset.id,
        "borne_out": pair is not None,
        "level": pair.level.value if pair else None,
        "level_label": pair.level.label if pair else None,
        "start": _iso(pair.start, inputs.zone) if pair else None,
        "end": _iso(pair.end, inputs.zone) if pair else None,
        "same_level": pair is not None and pair.level is level,
        "trace": list(pair.trace) if pair else [],
    }


def _timeline(
    inputs: Inputs, by_revision: Mapping[int, Step], episode: tuple[dt.datetime, dt.datetime]
) -> list[dict[str, Any]]:
    """The consultations that proposed something or were held while the alert was in force,
    and every audit-log entry of the alert, in time order."""
    zone = inputs.zone
    items: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    for c in inputs.consultations:
        during = episode[0] <= c.slot <= episode[1]
        if c.action == "none" and c.revision_id is None and not during:
            continue
        items.append(
            (
                c.slot,
                0,
                {
                    "at": _iso(c.slot, zone),
                    "when": _when(c.slot, zone),
                    "event": "会商研判",
                    "actor": "",
                    "document_number": "",
                    "detail": c.headline,
                },
            )
        )
    for e in inputs.events:
        step = by_revision.get(e.revision_id) if e.revision_id is not None else None
        detail = e.reason
        number = ""
        if step is not None and e.action.startswith("issue"):
            number = step.document_number or ""
            detail = f"{step.level.term}，{_when(step.start, zone)}起" + (
                ""
                if step.kind is RevisionKind.LIFT
                else f"至{_when(step.end, zone) if step.end else '另行通知'}"
            )
        items.append(
            (
                e.at,
                1,
                {
                    "at": _iso(e.at, zone),
                    "when": _when(e.at, zone),
                    "event": e.label,
                    "actor": e.actor,
                    "document_number": number,
                    "detail": detail,
                },
            )
        )
    items.sort(key=lambda x: (x[0], x[1]))
    return [i for _, _, i in items]


def _steps(inputs: Inputs, onset: dt.datetime | None) -> list[dict[str, Any]]:
    zone = inputs.zone
    out = []
    drafted = {c.revision_id: c for c in inputs.consultations if c.revision_id is not None}
    first = next((s for s in inputs.steps if s.issued), None)
    for s in inputs.steps:
        lead = None
        if s.issued_at and s.kind in (RevisionKind.ISSUE, RevisionKind.UPGRADE):
            lead = _hours(s.start - s.issued_at)
        c = drafted.get(s.revision_id)
        row: dict[str, Any] = {
            "revision_id": s.revision_id,
            "number": s.number,
            "kind": s.kind.value,
            "kind_label": s.kind.label,
            "level": s.level.value,
            "level_label": s.level.label,
            "start": _iso(s.start, zone),
            "end": _iso(s.end, zone),
            "start_text": _when(s.start, zone),
            "end_text": _when(s.end, zone) if s.end else "另行通知",
            "status": s.status,
            "drafted_by": s.drafted_by,
            "approved_by": s.approved_by or "",
            "issued_at": _iso(s.issued_at, zone),
            "issued_text": _when(s.issued_at, zone) if s.issued_at else "",
            "document_number": s.document_number or "",
            "lead_hours": lead,
            "consulted_at": _iso(c.slot, zone) if c else None,
            "consult_lead_hours": _hours(s.start - c.slot)
            if c and s.kind in (RevisionKind.ISSUE, RevisionKind.UPGRADE)
            else None,
            "reason": s.reason,
        }
        if s is first and s.issued_at and onset is not None:
            row["onset_lead_hours"] = _hours(onset - s.issued_at)
        out.append(row)
    return out


def _reductions(inputs: Inputs) -> list[dict[str, Any]]:
    out = []
    for s in inputs.steps:
        if not s.issued or s.kind is RevisionKind.LIFT or s.targets is None:
            continue
        species = [
            {
                "name": name,
                "reduction_kg_d": v["reduction_kg_d"],
                "citywide_kg_d": v["citywide_kg_d"],
                "ratio": v["ratio"],
                "target": v["target"],
                "met": v["met"],
                "negotiated_kg_d": s.targets.get("negotiated", {}).get(name, 0.0),
            }
            for name, v in s.targets["species"].items()
        ]
        out.append(
            {
                "document_number": s.document_number,
                "kind_label": s.kind.label,
                "level": s.level.value,
                "level_label": s.level.label,
                "list_revision": s.list_revision,
                "met": bool(s.targets["met"]),
                "override": s.shortfall_override or "",
                "species": species,
            }
        )
    return out


def _receipts(inputs: Inputs, by_revision: Mapping[int, Step]) -> list[dict[str, Any]]:
    out = []
    for r in inputs.receipts:
        s = by_revision[r.revision_id]
        out.append(
            {
                "revision_id": r.revision_id,
                "document_number": s.document_number,
                "kind_label": s.kind.label,
                "level_label": s.level.label,
                "orders": r.orders,
                "delivered": r.delivered,
                "acknowledged": r.acknowledged,
                "acknowledged_in_time": r.acknowledged_in_time,
                "implemented": r.implemented,
                "deadline": _iso(r.deadline, inputs.zone),
                "deadline_text": _when(r.deadline, inputs.zone),
                "rate": round(r.acknowledged / r.orders, 4) if r.orders else None,
                "not_acknowledged": len(r.not_acknowledged),
                "undelivered": len(r.undelivered),
                "not_implemented": len(r.not_implemented),
            }
        )
    return out


def _compliance(lines: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for ln in lines:
        counts[ln["verdict"]] = counts.get(ln["verdict"], 0) + 1
    return {
        "lines": len(lines),
        "counts": [
            {"verdict": k, "label": VERDICTS.get(k, k), "lines": counts[k]}
            for k in VERDICTS
            if k in counts
        ],
        "suspect": [dict(ln) for ln in lines if ln["verdict"] == "suspect"],
        "no_data": [dict(ln) for ln in lines if ln["verdict"] == "no_data"],
    }


def suggestions(inputs: Inputs) -> list[dict[str, Any]]:
    """One entry per enterprise the next list revision should look at, most serious first:
    non-compliance (its own report or the electricity check) proposes the grade
    ``downgrade`` names; no acknowledgement or no delivery asks for its contacts to be checked."""
    found: dict[str, dict[str, Any]] = {}

    def entry(uscc: str, who: Mapping[str, Any]) -> dict[str, Any]:
        if uscc not in found:
            known = inputs.grades.get(uscc, {})
            found[uscc] = {
                "uscc": uscc,
                "name": known.get("name") or who.get("name", ""),
                "county": known.get("county") or who.get("county", ""),
                "grade": known.get("grade", ""),
                "findings": [],
                "noncompliant": False,
                "unreachable": False,
            }
        return found[uscc]

    for r in inputs.receipts:
        number = next(s.document_number for s in inputs.steps if s.revision_id == r.revision_id)
        for f in r.not_implemented:
            e = entry(f["uscc"], f)
            e["noncompliant"] = True
            e["findings"].append(f"自报{number}措施未落实：{f.get('detail', '')}")
        for f in r.undelivered:
            e = entry(f["uscc"], f)
            e["unreachable"] = True
            e["findings"].append(f"{number}各渠道投递均失败（{f.get('detail', '')}）")
        for f in r.not_acknowledged:
            e = entry(f["uscc"], f)
            e["unreachable"] = True
            e["findings"].append(f"未在规定时限内签收{number}")
    for ln in inputs.compliance:
        load = ln.get("kind") == "load_cap"
        if ln["verdict"] == "suspect":
            e = entry(ln["uscc"], ln)
            e["noncompliant"] = True
            if load:
                e["findings"].append(
                    f"{ln['line']}（{ln['measure']}）违反“{ln['rule']}”：{ln['hours']}小时中"
                    f"{ln['hours_over']}小时超过上限，最高{ln['load_max']:g}"
                )
            else:
                e["findings"].append(
                    f"{ln['line']}（电表{ln['meter_no']}，{ln['measure']}）预警期间平均小时用电为"
                    f"基线的{ln['ratio']:.0%}，超过允许的{ln['allowed']:.0%}"
                )
        elif ln["verdict"] == "no_data" and ln.get("kind") not in ("load_cap", "autonomous"):
            # a stopped or limited line's meter without data is a finding; a load cap or an
            # autonomous line without readings is counted only (a city without a load feed
            # would otherwise list every heat-led plant)
            e = entry(ln["uscc"], ln)
            e["findings"].append(f"{ln['line']}（电表{ln['meter_no']}）无用电监控数据")
    out = []
    for e in found.values():
        grade = e["grade"]
        proposed = inputs.downgrade.get(grade, grade) if e["noncompliant"] else grade
        actions = []
        if e["noncompliant"]:
            actions.append("组织现场核查，经核实未落实应急减排措施的依法依规处理")
            if proposed != grade:
                actions.append(f"在下一版清单中将绩效等级由{grade}级下调为{proposed}级")
            else:
                actions.append(f"其绩效等级已为{grade or '未评级'}，在下一版清单中从严核定减排措施")
        if e["unreachable"]:
            actions.append("核实企业联系人、联系电话和接收渠道，在下一版清单中更新")
        if not actions:
            actions.append("核实用电监控电表编号及数据接入，在下一版清单中更正")
        out.append(
            {
                **e,
                "proposed_grade": proposed,
                "downgrade": proposed != grade,
                "actions": actions,
            }
        )
    out.sort(key=lambda e: (not e["noncompliant"], not e["unreachable"], e["county"], e["uscc"]))
    return out


def suggestion_groups(found: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The suggestions as the report shows them: non-compliant enterprises one by one; those
    only to be reached better, and those only missing meter data, by county."""

    def by_county(chosen: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        counties: dict[str, list[str]] = {}
        for e in chosen:
            counties.setdefault(e["county"], []).append(e["name"])
        return [{"county": k, "names": v} for k, v in sorted(counties.items())]

    return {
        "noncompliant": [e for e in found if e["noncompliant"]],
        "unreachable": by_county([e for e in found if e["unreachable"] and not e["noncompliant"]]),
        "meters": by_county([e for e in found if not e["unreachable"] and not e["noncompliant"]]),
        "unreachable_count": sum(1 for e in found if e["unreachable"] and not e["noncompliant"]),
        "meters_count": sum(1 for e in found if not e["unreachable"] and not e["noncompliant"]),
    }


def build(inputs: Inputs) -> dict[str, Any]:
    """The assessment record (JSON-ready)."""
    zone = inputs.zone
    code, words = status(inputs.steps, inputs.now)
    by_revision = {s.revision_id: s for s in inputs.steps}
    course = segments(inputs.steps, inputs.now)
    issued = [s for s in inputs.steps if s.issued]
    if not issued or not course:
        raise ValueError("the alert was never in force")
    first = issued[0]
    episode = (course[0].start, course[-1].end)
    top = max((seg.step.level for seg in course), key=lambda level: level.rank)
    # the days shown: two before the alert, one after it
    span = (
        dt.datetime.combine(
            episode[0].astimezone(zone).date() - dt.timedelta(days=2), dt.time(0), tzinfo=zone
        ),
        dt.datetime.combine(
            episode[1].astimezone(zone).date() + dt.timedelta(days=2), dt.time(0), tzinfo=zone
        ),
    )
    thresholds = rule_thresholds(inputs.ruleset)
    daily, daily_stats = _days(inputs, first, (span[0], span[1] - dt.timedelta(days=1)))
    hourly, hourly_stats = _hourly(inputs, span, thresholds)
    # the 不利气象条件应对 band is no warning: nothing to verify a level against
    verification = _verification(inputs, episode, top) if top.colour else None
    onset = (
        dt.datetime.fromisoformat(verification["start"])
        if verification and verification["start"]
        else None
    )
    by_level: dict[str, float] = {}
    for seg in course:
        by_level[seg.step.level.label] = by_level.get(seg.step.level.label, 0.0) + _hours(
            seg.end - seg.start
        )
    found = suggestions(inputs)
    record = {
        "alert_id": inputs.alert_id,
        "region": inputs.region_name,
        "status": code,
        "status_text": words,
        "level": top.value,
        "level_label": top.label,
        "level_term": top.term,  # 黄色预警, or 不利气象条件应对 (no response grade)
        "response": inputs.ruleset.response_for(top),
        "period": {
            "start": _iso(episode[0], zone),
            "end": _iso(episode[1], zone),
            "start_text": _when(episode[0], zone),
            "end_text": _when(episode[1], zone),
            "hours": _hours(episode[1] - episode[0]),
        },
        "hours_by_level": [{"level_label": k, "hours": v} for k, v in by_level.items()],
        "segments": [
            {
                "level": seg.step.level.value,
                "start": _iso(seg.start, zone),
                "end": _iso(seg.end, zone),
            }
            for seg in course
        ],
        "steps": _steps(inputs, onset),
        "timeline": _timeline(inputs, by_revision, episode),
        "daily": daily,
        "daily_stats": daily_stats,
        "hourly": hourly,
        "hourly_stats": hourly_stats,
        "thresholds": thresholds,
        "verification": verification,
        "reductions": _reductions(inputs),
        "negotiated": [dict(n) for n in inputs.negotiated],
        "receipts": _receipts(inputs, by_revision),
        "tasks": [
            {**t, "document_number": by_revision[t["revision_id"]].document_number}
            for t in inputs.tasks
            if t["revision_id"] in by_revision
        ],
        "dispatch": [dict(d) for d in inputs.dispatch],
        "compliance": _compliance(inputs.compliance),
        "suggestions": found,
        "suggestion_groups": suggestion_groups(found),
        "observed_source": inputs.observed_source,
        "ruleset": {"id": inputs.ruleset.id, "name": inputs.ruleset.name},
        "made_at": _iso(inputs.now, zone),
        "notes": list(inputs.notes),
    }
    record["conclusions"] = conclusions(record)
    return record


def conclusions(record: Mapping[str, Any]) -> list[str]:
    """The findings in words, for the report's summary."""
    out = []
    v = record["verification"]
    if v is None and record["level"] == AlertLevel.ADVERSE.value:
        out.append("本次为不利气象条件应对，不属于预警，不作预警级别核验")
    elif v is None:
        out.append("未取得实况监测数据，无法核验预警级别与实况是否相符")
    elif not v["borne_out"]:
        out.append(f"按{v['ruleset']}规则，实况未达到预警启动条件，本次预警为空报")
    elif v["same_level"]:
        out.append(f"实况达到{v['level_label']}预警条件，预警级别与实况相符")
    else:
        out.append(
            f"实况达到{v['level_label']}预警条件，与发布的{record['level_label']}预警级别不一致"
        )
    first = next((s for s in record["steps"] if s["document_number"]), None)
    if first and first["lead_hours"] is not None:
        text = f"预警于生效前{first['lead_hours']:g}小时发布"
        onset = first.get("onset_lead_hours")
        if onset is not None:
            text += (
                f"，早于实况达到预警条件{onset:g}小时"
                if onset >= 0
                else f"，晚于实况达到预警条件{-onset:g}小时"
            )
        out.append(text)
    s = record["daily_stats"]
    if s["days"]:
        out.append(
            f"逐日AQI预报平均绝对误差{s['mae']:g}，{s['in_range']}/{s['days']}天实况落在预报范围内，"
            f"{s['category_hits']}/{s['days']}天级别预报准确"
        )
    for r in record["reductions"]:
        if not r["met"]:
            short = "、".join(x["name"] for x in r["species"] if not x["met"])
            out.append(f"{r['document_number']}（{r['level_label']}）{short}减排比例未达到目标")
    for r in record["receipts"]:
        if r["orders"]:
            out.append(
                f"{r['document_number']}下达应急响应指令{r['orders']}份，签收{r['acknowledged']}份"
                f"（{r['acknowledged'] / r['orders']:.1%}），其中按时签收{r['acknowledged_in_time']}份"
            )
    for t in record.get("tasks", ()):
        if t["tasks"]:
            out.append(
                f"{t['document_number']}向成员单位和县乡下达任务单{t['tasks']}份，"
                f"签收{t['acknowledged']}份"
            )
    days = record.get("dispatch", ())
    if days:
        owed = sum(d["expected"] for d in days)
        got = sum(d["reported"] for d in days)
        late = sum(d["late"] for d in days)
        units = sum(d["units"][1] for d in days), sum(d["units"][0] for d in days)
        out.append(
            f"每日调度{len(days)}天，应报日报{owed}份，报送{got}份（{got / owed:.1%}），"
            f"其中逾时{late}份；成员单位和县乡报送{units[0]}/{units[1]}份"
            if owed
            else f"每日调度{len(days)}天，无应报日报"
        )
    c = record["compliance"]
    if c["lines"]:
        out.append(
            f"用电和负荷核查{c['lines']}条生产线，疑似未落实{len(c['suspect'])}条，"
            f"无监控数据{len(c['no_data'])}条"
        )
    down = sum(1 for e in record["suggestions"] if e["downgrade"])
    if record["suggestions"]:
        out.append(
            f"建议清单修订涉及{len(record['suggestions'])}家企业，其中建议下调绩效等级{down}家"
        )
    return out


# --- the charts -------------------------------------------------------------------------------


def daily_chart(
    record: Mapping[str, Any], *, width: int = 640, height: int = 260
) -> dict[str, Any]:
    """Geometry of the daily chart (SVG units): the observed AQI as bars coloured by category;
    the forecast the alert was issued on and the newest before each day as marks with ranges."""
    days = record["daily"]
    left, right, top, bottom = 44, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [0.0]
    for d in days:
        for key in ("at_issue", "day_ahead"):
            if d[key]:
                values.append(d[key]["high"])
        if d["observed"]:
            values.append(d["observed"]["aqi"])
    y, ticks, lines = aqi_axis(max(values), record["thresholds"], top, plot_h)
    slot = plot_w / max(len(days), 1)
    items = []
    for i, d in enumerate(days):
        x = left + i * slot
        item: dict[str, Any] = {
            "cx": round(x + slot / 2, 1),
            "label": d["label"].replace("月", "/").replace("日", ""),
            "bar": None,
            "marks": [],
        }
        if d["observed"]:
            a = d["observed"]["aqi"]
            item["bar"] = {
                "x": round(x + slot * 0.25, 1),
                "w": round(slot * 0.5, 1),
                "y": y(a),
                "h": round(y(0) - y(a), 1),
                "color": d["observed"]["color"],
                "aqi": a,
            }
        for key, dx, shape in (("at_issue", -0.18, "issue"), ("day_ahead", 0.18, "ahead")):
            f = d[key]
            if f:
                item["marks"].append(
                    {
                        "x": round(x + slot * (0.5 + dx), 1),
                        "y": y(f["aqi"]),
                        "y_low": y(f["low"]),
                        "y_high": y(f["high"]),
                        "shape": shape,
                    }
                )
        items.append(item)
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "base": y(0),
        "days": items,
        "ticks": ticks,
        "lines": lines,
    }


def hourly_chart(
    record: Mapping[str, Any], *, width: int = 640, height: int = 260
) -> dict[str, Any]:
    """Geometry of the hourly chart: the observed hourly AQI as a line (broken where hours are
    missing), an hourly forecast where there is one, and the alert's levels as shaded bands."""
    rows = record["hourly"]
    left, right, top, bottom = 44, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    if not rows:
        return {"width": width, "height": height, "empty": True}
    t0 = dt.datetime.fromisoformat(rows[0]["at"])
    t1 = dt.datetime.fromisoformat(rows[-1]["at"]) + dt.timedelta(hours=1)
    total = max((t1 - t0).total_seconds(), 3600.0)
    peak = max([r["observed"] or 0 for r in rows] + [r["forecast"] or 0 for r in rows])
    y, ticks, lines = aqi_axis(peak, record["thresholds"], top, plot_h)

    def x(t: dt.datetime) -> float:
        share = min(max((t - t0).total_seconds() / total, 0.0), 1.0)
        return round(left + plot_w * share, 1)

    def paths(key: str) -> list[str]:
        out: list[str] = []
        current: list[str] = []
        for r in rows:
            v = r[key]
            if v is None:
                if len(current) > 1:
                    out.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(dt.datetime.fromisoformat(r['at']))},{y(v)}")
        if len(current) > 1:
            out.append(" ".join(current))
        return out

    bands = []
    for seg in record["segments"]:
        a, b = dt.datetime.fromisoformat(seg["start"]), dt.datetime.fromisoformat(seg["end"])
        if b <= t0 or a >= t1:
            continue
        bands.append({"x": x(a), "w": round(x(b) - x(a), 1), "color": LEVEL_COLORS[seg["level"]]})
    days = []
    day = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < t1:
        if day >= t0:
            days.append({"x": x(day), "label": f"{day.month}/{day.day}"})
        day += dt.timedelta(days=1)
    return {
        "width": width,
        "height": height,
        "empty": False,
        "left": left,
        "right": width - right,
        "top": top,
        "base": y(0),
        "observed": paths("observed"),
        "forecast": paths("forecast"),
        "bands": bands,
        "days": days,
        "ticks": ticks,
        "lines": lines,
    }


# --- configuration ------------------------------------------------------------------------------
