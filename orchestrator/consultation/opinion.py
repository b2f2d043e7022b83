"""The consultation opinion (会商意见): what the forecast says, what to do about the alert in
force, and why. Pure: the decision, the forecast, the observations and the alert in force come in;
a recommendation and a JSON-ready record come out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import (
    AlertLevel,
    AqiSeries,
    DailyWindow,
    Decision,
    Ruleset,
    graded,
)
from orchestrator.alerts.readings import Observations, hourly_aqi
from orchestrator.aqi.model import AqiStandard, Pollutant, StandardNotFound, select_standard
from orchestrator.aqi.scoring import Concentrations, Mode, score
from orchestrator.consultation.forecast import Forecast, Issue
from orchestrator.notices.contexts import BasisContext
from orchestrator.response.model import RevisionKind


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveAlert:
    """The alert in force: its newest issued revision, and whether a change is already open."""

    alert_id: int
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime | None
    document_number: str | None
    open_revision: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Recommendation:
    """What the duty officers are asked to do; ``kind`` None: nothing to draft."""

    kind: RevisionKind | None
    level: AlertLevel | None
    start: dt.datetime | None
    end: dt.datetime | None
    headline: str

    @property
    def action(self) -> str:
        return self.kind.value if self.kind else "none"

    @property
    def on_instruction(self) -> bool:
        """The 不利气象条件应对 band is entered or kept on higher instruction only: such a
        recommendation is put to the officers, never drafted by the consultation."""
        return (
            self.kind is not None
            and self.kind is not RevisionKind.LIFT
            and self.level is AlertLevel.ADVERSE
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "level": self.level.value if self.level else None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "headline": self.headline,
        }


#: What the opinion says of the band below the colours: it is the office's to propose, the
#: higher authority's to order, and it is met with negotiated and local measures.
_BAND = "，建议报请上级同意后开展不利气象条件应对，以协商减排和局地管控措施为主"


def _hm(t: dt.datetime | None) -> str:
    return f"{t.month}月{t.day}日{t.hour}时" if t else "另行通知"


def _next_hour(t: dt.datetime) -> dt.datetime:
    floor = t.replace(minute=0, second=0, microsecond=0)
    return floor if floor == t else floor + dt.timedelta(hours=1)


def recommend(
    decision: Decision | None,
    active: ActiveAlert | None,
    *,
    now: dt.datetime,
    degraded: bool,
) -> Recommendation:
    """Compare the decision with the alert in force: issue, upgrade, downgrade, extend, lift or
    nothing. A degraded consultation (or one without a decision) proposes nothing."""
    if degraded or decision is None:
        return Recommendation(
            kind=None,
            level=None,
            start=None,
            end=None,
            headline="输入数据未通过质量检查，本次会商不自动提出建议，请值班人员组织人工会商研判",
        )
    zone = now.tzinfo
    level = decision.level
    if active is None:
        if level is None:
            text = "不启动预警，建议发布健康防护提示" if decision.advisory_only else "无需启动预警"
            return Recommendation(kind=None, level=None, start=None, end=None, headline=text)
        start = decision.episode_start or _next_hour(now)
        span = (
            f"自{_hm(start.astimezone(zone))}至"
            f"{_hm(decision.episode_end and decision.episode_end.astimezone(zone))}"
        )
        if not level.colour:
            return Recommendation(
                kind=RevisionKind.ISSUE,
                level=level,
                start=start,
                end=decision.episode_end,
                headline=f"预计出现不利气象条件但未达到预警启动条件，{span}{_BAND}",
            )
        return Recommendation(
            kind=RevisionKind.ISSUE,
            level=level,
            start=start,
            end=decision.episode_end,
            headline=f"建议启动{graded(level, decision.response)}，{span}",
        )
    below_colours = level is None or (not level.colour and active.level.colour)
    if decision.lift_due and below_colours:
        # lift only when nothing in the whole forecast calls for an alert: the lift rule looks
        # at the next 36 h, and an alert not yet started may lie beyond them
        return Recommendation(
            kind=RevisionKind.LIFT,
            level=active.level,
            start=_next_hour(now),
            end=None,
            headline=f"空气质量已低于预警启动条件且预计持续，建议解除{active.level.term}"
            + (f"；预计仍有不利气象条件{_BAND}" if level is not None else ""),
        )
    if level is not None and level.rank != active.level.rank:
        upgrade = level.rank > active.level.rank
        start = max(decision.episode_start or now, _next_hour(now))
        return Recommendation(
            kind=RevisionKind.UPGRADE if upgrade else RevisionKind.DOWNGRADE,
            level=level,
            start=start,
            end=decision.episode_end,
            headline=(
                f"建议由{active.level.term}{'升级' if upgrade else '降级'}为"
                f"{graded(level, decision.response)}，自{_hm(start.astimezone(zone))}起"
                + (_BAND if not level.colour else "")
            ),
        )
    if (
        level is active.level
        and active.end is not None
        and decision.episode_end is not None
        and decision.episode_end > active.end
    ):
        return Recommendation(
            kind=RevisionKind.EXTEND,
            level=level,
            start=_next_hour(now),
            end=decision.episode_end,
            headline=(
                f"污染过程预计持续至{_hm(decision.episode_end.astimezone(zone))}，"
                f"建议将{level.term}延长至该时"
            ),
        )
    return Recommendation(
        kind=None,
        level=active.level,
        start=None,
        end=None,
        headline=f"建议维持{active.level.term}",
    )


def thresholds(ruleset: Ruleset) -> tuple[int, ...]:
    """The AQI thresholds the ruleset counts, lowest first (the chart's lines)."""
    return tuple(
        sorted({t.threshold for rule in ruleset.levels for c in rule.clauses for t in c.terms})
    )


def _day_rows(
    forecast: Forecast, series: AqiSeries | None, standards: Sequence[AqiStandard]
) -> list[dict[str, Any]]:
    """One row per forecast day: AQI (and its range), category, primary pollutants, PM2.5.

    Daily products give one window per day; hourly ones give the calendar day's AQI (the
    window from midnight) and the range of the rolling windows starting that day."""
    by_day: dict[dt.date, list[DailyWindow]] = {}
    for w in series.windows if series else ():
        by_day.setdefault(w.start.date(), []).append(w)
    pm25_daily = {r.time.date(): r.values.pm25 for r in forecast.rows if forecast.daily}
    peaks: dict[dt.date, float] = {}
    for t, v in forecast.hourly_pm25.items():
        peaks[t.date()] = max(v, peaks.get(t.date(), 0.0))
    out = []
    for day in sorted(by_day):
        ws = [w for w in by_day[day] if w.aqi is not None]
        scored = [w.aqi for w in ws if w.aqi is not None]
        if not ws or not scored:
            continue
        first = ws[0] if forecast.daily else next((w for w in ws if w.start.hour == 0), ws[0])
        low, high = forecast.ranges.get(day, (min(scored), max(scored)))
        aqi = int(first.aqi or 0)
        category = select_standard(standards, on=day).category(aqi)
        primary = sorted({p for w in ws for p in w.primary_pollutants}, key=list(Pollutant).index)
        out.append(
            {
                "date": day.isoformat(),
                "aqi": aqi,
                "low": int(low),
                "high": int(high),
                "category": category.name,
                "color": category.color,
                "primary_pollutants": [p.value for p in primary] if aqi > 50 else [],
                "pm25": pm25_daily.get(day),
                "pm25_peak": peaks.get(day),
            }
        )
    return out


def _pm25_peak(forecast: Forecast) -> dict[str, Any] | None:
    if forecast.hourly_pm25:
        t, v = max(forecast.hourly_pm25.items(), key=lambda kv: (kv[1], -kv[0].timestamp()))
        return {"value": v, "at": t.isoformat(), "kind": "hourly"}
    daily = [(r.time, r.values.pm25) for r in forecast.rows if r.values.pm25 is not None]
    if not daily:
        return None
    t, v = max(daily, key=lambda kv: (kv[1] or 0.0, -kv[0].timestamp()))
    return {"value": v, "at": t.isoformat(), "kind": "daily" if forecast.daily else "hourly"}


def _hourly(forecast: Forecast, standards: Sequence[AqiStandard]) -> list[list[Any]]:
    try:
        scored = hourly_aqi(forecast.observations(), standards)
    except StandardNotFound:  # no standard in force for a row: the decision reports it
        return []
    return [[t.isoformat(), aqi] for t, aqi in scored if aqi is not None]


def station_aqi(
    latest: Sequence[tuple[str, dt.datetime, dict[str, float | None]]],
    standards: Sequence[AqiStandard],
) -> list[dict[str, Any]]:
    """Each station's newest hour scored as the real-time (hourly) AQI of HJ 633."""
    out = []
    for station, hour, values in latest:
        try:
            standard = select_standard(standards, on=hour.date())
        except StandardNotFound:
            continue
        result = score(
            standard,
            Concentrations(
                pm25=values.get("pm25"),
                pm10=values.get("pm10"),
                so2=values.get("so2"),
                no2=values.get("no2"),
                co=values.get("co"),
                o3_1h=values.get("o3_1h"),
            ),
            Mode.HOURLY,
        )
        out.append(
            {
                "station": station,
                "hour": hour.isoformat(),
                "aqi": result.aqi,
                "category": result.category.name if result.category else "",
                "color": result.category.color if result.category else "",
                "primary": [p.value for p in result.primary_pollutants],
            }
        )
    return out


def observed_summary(obs: Observations | None, latest_aqi: tuple[int, list[str]] | None) -> Any:
    if obs is None or not obs.rows:
        return None
    last = obs.rows[-1]
    return {
        "latest_hour": last.time.isoformat(),
        "pm25": last.values.pm25,
        "aqi_24h": latest_aqi[0] if latest_aqi else None,
        "primary_pollutants": latest_aqi[1] if latest_aqi else [],
    }


def build_record(
    *,
    slot: dt.datetime,
    region_name: str,
    forecast: Forecast | None,
    series: AqiSeries | None,
    decision_json: dict[str, Any] | None,
    recommendation: Recommendation,
    active: ActiveAlert | None,
    issues: Sequence[Issue],
    ruleset: Ruleset,
    standards: Sequence[AqiStandard],
    detail_days: int,
    observed: Any,
    provenance: dict[str, Any],
) -> dict[str, Any]:
    """The consultation record, JSON-ready: what is stored, printed and rendered."""
    days = _day_rows(forecast, series, standards) if forecast else []
    upcoming = [d for d in days if d["date"] >= slot.date().isoformat()]
    return {
        "slot": slot.isoformat(),
        "region": region_name,
        "degraded": any(i.degrades for i in issues),
        "issues": [{"code": i.code, "message": i.message, "degrades": i.degrades} for i in issues],
        "horizon": {
            "from": upcoming[0]["date"] if upcoming else None,
            "to": upcoming[-1]["date"] if upcoming else None,
            "days": len(upcoming),
        },
        "detail": upcoming[:detail_days],
        "trend": upcoming[detail_days:],
        "pm25_peak": _pm25_peak(forecast) if forecast else None,
        # an hourly product's hourly AQI, for the effect assessment's hourly comparison
        "hourly_aqi": _hourly(forecast, standards) if forecast and not forecast.daily else [],
        "meteorology": forecast.meteorology if forecast else "",
        "observed": observed,
        "active_alert": (
            {
                "alert_id": active.alert_id,
                "level": active.level.value,
                "term": active.level.term,  # 黄色预警, or 不利气象条件应对
                "start": active.start.isoformat(),
                "end": active.end.isoformat() if active.end else None,
                "document_number": active.document_number,
            }
            if active
            else None
        ),
        "ruleset": {
            "id": ruleset.id,
            "name": ruleset.name,
            "thresholds": list(thresholds(ruleset)),
        },
        "decision": decision_json,
        "recommendation": recommendation.as_json(),
        "provenance": provenance,
    }


def aqi_axis(
    peak: float, thresholds: Sequence[int], top: float, height: float
) -> tuple[Callable[[float], float], list[dict[str, float]], list[dict[str, float]]]:
    """A chart's AQI axis, from 0 at the bottom of a plot ``height`` high to a round value
    above the peak and every threshold: the position of a value, the ticks (every 50, or 100
    above 300) and the threshold lines."""
    highest = max([peak, *thresholds, 100])
    y_max = int(min(500, ((highest + 49) // 50 + 1) * 50))

    def y(v: float) -> float:
        return round(top + height * (1 - min(float(v), y_max) / y_max), 1)

    ticks = [{"v": v, "y": y(v)} for v in range(0, y_max + 1, 50 if y_max <= 300 else 100)]
    return y, ticks, [{"v": v, "y": y(v)} for v in thresholds if v <= y_max]


def chart(record: dict[str, Any], *, width: int = 640, height: int = 280) -> dict[str, Any]:
    """Geometry of the opinion's chart (SVG units): one bar per forecast day (its AQI, coloured
    by category, with the forecast range as a whisker) against the ruleset's thresholds."""
    days = [*record["detail"], *record["trend"]]
    left, right, top, bottom = 44, 12, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    limits = record["ruleset"]["thresholds"]
    y, ticks, lines = aqi_axis(max([int(d["high"]) for d in days], default=0), limits, top, plot_h)

    slot = plot_w / max(len(days), 1)
    bars = []
    for i, d in enumerate(days):
        x = left + i * slot
        bars.append(
            {
                "x": round(x + slot * 0.2, 1),
                "w": round(slot * 0.6, 1),
                "y": y(d["aqi"]),
                "h": round(y(0) - y(d["aqi"]), 1),
                "cx": round(x + slot / 2, 1),
                "y_low": y(d["low"]),
                "y_high": y(d["high"]),
                "color": d["color"],
                "aqi": d["aqi"],
                "label": f"{int(d['date'][5:7])}/{int(d['date'][8:10])}",
                "detail": i < len(record["detail"]),
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "base": y(0),
        "bars": bars,
        "ticks": ticks,
        "lines": lines,
    }


# the primary pollutants as notices name them
_POLLUTANT_NAMES = {
    "PM2.5": "细颗粒物（PM2.5）",
    "PM10": "可吸入颗粒物（PM10）",
    "O3": "臭氧（O3）",
    "NO2": "二氧化氮（NO2）",
    "SO2": "二氧化硫（SO2）",
    "CO": "一氧化碳（CO）",
}


def basis_context(
    rec: Recommendation,
    decision: dict[str, Any],
    *,
    previous: AlertLevel | None,
    slot: dt.datetime,
    consulted_by: str,
    ruleset: Ruleset,
    standards: Sequence[AqiStandard],
) -> BasisContext:
    """The facts of a drafted alert action's basis (``decision``: the record's decision JSON):
    who consulted when, the forecast period and daily AQI, the condition met and its plan."""
    assert rec.kind is not None
    assert rec.level is not None
    episode = decision.get("episode") or {}
    first_at = dt.datetime.fromisoformat(episode["start"]) if episode.get("start") else None
    end_at = dt.datetime.fromisoformat(episode["end"]) if episode.get("end") else None
    windows = [  # the forecast days of the episode itself
        w
        for w in decision.get("daily_aqi") or ()
        if w.get("aqi") is not None
        and (first_at is None or dt.datetime.fromisoformat(w["start"]) >= first_at)
        and (end_at is None or dt.datetime.fromisoformat(w["start"]) < end_at)
    ]
    values = tuple(int(w["aqi"]) for w in windows)
    period = ""
    if windows:
        first = dt.datetime.fromisoformat(windows[0]["start"]).astimezone(slot.tzinfo)
        last = dt.datetime.fromisoformat(windows[-1]["start"]).astimezone(slot.tzinfo)
        period = f"{first.month}月{first.day}日" + (
            f"至{last.month}月{last.day}日" if last.date() != first.date() else ""
        )
    peak = ""
    if values:
        peak = select_standard(standards, on=slot.date()).category(max(values)).name
    primary = sorted({p for w in windows for p in w.get("primary_pollutants") or ()})
    lifted = rec.kind is RevisionKind.LIFT
    return BasisContext(
        action=rec.kind.value,
        consulted_on=f"{slot.month}月{slot.day}日",
        consulted_by=consulted_by,
        period=period,
        daily_aqi=values if not lifted else (),
        peak_category=peak if not lifted else "",
        primary="、".join(_POLLUTANT_NAMES.get(p, p) for p in primary) if not lifted else "",
        condition=str(decision.get("condition") or "") if not lifted else "",
        plan_title=ruleset.title,
        plan_document=ruleset.document,
        level_term=rec.level.term,
        previous_term=previous.term if previous is not None else "",
    )
