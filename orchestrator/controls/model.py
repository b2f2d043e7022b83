"""Recurring controls (常态化管控): standing seasonal measures outside alerts — the ozone-season
VOCs window, the autumn–winter staggered-production calendar — as values read from
``config/controls.toml``, and what they ask of each enterprise of the emission list.

A control has a season (month-day to month-day, which may cross the new year) and is either
*standing* — one notice per season, its measures in force on every day of the season — or
*forecast*-triggered — one notice for each day the forecast reaches its thresholds (e.g. maximum
temperature ≥ 25 °C and O3-8h ≥ 160 µg/m³). The enterprises concerned are those with a line in
one of its industries (and, if it says so, emitting its pollutant); what each must do follows
its performance grade (D stops, C staggers, A/B exempt, …). A control may be defined several
times with effective dates: a season uses the definition in force on its first day.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.emissions.model import Enterprise, Grade, Line, Species

TRIGGERS = ("standing", "forecast")
EXEMPT = "exempt"  # the action that asks nothing: the enterprise gets no notice
DEFAULT = "default"  # the grades key for every grade not named


@dataclass(frozen=True, slots=True)
class MonthDay:
    month: int
    day: int

    @classmethod
    def parse(cls, text: str, where: str) -> MonthDay:
        try:
            month, day = (int(p) for p in str(text).split("-"))
            dt.date(2024, month, day)  # a leap year: 02-29 is a valid month-day
        except ValueError:
            raise ValueError(f"{where}: must be MM-DD, got {text!r}") from None
        return cls(month, day)

    def on(self, year: int) -> dt.date:
        if (self.month, self.day) == (2, 29):
            try:
                return dt.date(year, 2, 29)
            except ValueError:
                return dt.date(year, 2, 28)
        return dt.date(year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class Season:
    """The days of one season, both inclusive."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last

    @property
    def label(self) -> str:
        return f"{cn_date(self.first)}至{cn_date(self.last)}"


@dataclass(frozen=True, slots=True)
class ForecastTrigger:
    """A day is concerned when every given threshold is reached by the day's forecast."""

    t_max: float | None  # °C, the day's maximum temperature
    o3_8h: float | None  # µg/m³, the day's maximum 8-hour mean
    check_time: dt.time  # when the next day is checked (city time)

    def describe(self) -> str:
        parts = []
        if self.t_max is not None:
            parts.append(f"日最高气温≥{self.t_max:g}℃")
        if self.o3_8h is not None:
            parts.append(f"臭氧8小时浓度≥{self.o3_8h:g}微克/立方米")
        return "且".join(parts)


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    name: str
    enabled: bool
    effective_from: dt.date
    effective_to: dt.date | None
    season_from: MonthDay
    season_to: MonthDay
    trigger: str  # standing, forecast
    window: tuple[dt.time, dt.time] | None  # daily window (city time); None: all day
    industries: tuple[str, ...]
    emitting: Species | None  # only lines emitting this pollutant
    grades: Mapping[str, str]  # grade (or "default") → action name
    actions: Mapping[str, str]  # action name → text ({window}, {period})
    labels: Mapping[str, str]  # action name → short Chinese label (停产, 错峰限产, …)
    reductions: Mapping[str, float]  # action name → share of a concerned line's emissions removed
    notify_days_before: int
    notify_time: dt.time
    forecast: ForecastTrigger | None
    receipt_hours: float
    basis: str
    requirements: tuple[str, ...]

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def run_time(self) -> dt.time:
        """When the scheduler looks at this control each day (city time)."""
        return self.forecast.check_time if self.forecast is not None else self.notify_time

    @property
    def window_text(self) -> str:
        if self.window is None:
            return "全天"
        start, end = self.window
        return f"{start:%H:%M}至{end:%H:%M}"

    def season(self, year: int) -> Season:
        """The season that starts in ``year``."""
        first = self.season_from.on(year)
        last = self.season_to.on(year)
        if last < first:
            last = self.season_to.on(year + 1)
        return Season(first, last)

    def season_of(self, day: dt.date) -> Season | None:
        """The season ``day`` falls in, if any."""
        for year in (day.year - 1, day.year):
            s = self.season(year)
            if day in s:
                return s
        return None

    def action_of(self, grade: Grade) -> str:
        return self.grades.get(grade.value, self.grades.get(DEFAULT, EXEMPT))

    def action_label(self, action: str) -> str:
        return self.labels.get(action, action)

    def controlled(self, action: str, line: Line) -> dict[str, float]:
        """What ``action`` already removes from ``line`` per day, kg/d per pollutant: its share
        of the line's baseline, in the control's pollutant (``only_emitting``) or in every one.
        An alert during the control counts only what it asks beyond this (DOMAIN.md §4)."""
        share = self.reductions[action]
        return {
            s.value: round(share * line.baseline.get(s), 6) if self.emitting in (None, s) else 0.0
            for s in Species
        }

    def action_text(self, action: str, period: str) -> str:
        """The measure's text, its ``{window}`` and ``{period}`` (the round's days) filled in."""
        return self.actions[action].format(window=self.window_text, period=period)


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- when a round is due ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """What one round of a control covers: a whole season (standing) or one day (forecast)."""

    season: Season
    first: dt.date
    last: dt.date
    start: dt.datetime  # the first day's 00:00, city time
    end: dt.datetime  # the day after the last, 00:00 city time

    @property
    def label(self) -> str:
        if self.first == self.last:
            return cn_date(self.first)
        return f"{cn_date(self.first)}至{cn_date(self.last)}"


def _period(season: Season, first: dt.date, last: dt.date, zone: ZoneInfo) -> Period:
    return Period(
        season=season,
        first=first,
        last=last,
        start=dt.datetime.combine(first, dt.time(), tzinfo=zone),
        end=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


def standing_period(
    definitions: Sequence[Control], control_id: str, day: dt.date, zone: ZoneInfo
) -> tuple[Control, Period] | None:
    """The season to announce on ``day`` (city date): the season under way, or the next one once
    ``notify_days_before`` days or fewer are left before it, under the definition in force on
    its first day. None: nothing to announce (between seasons, or the control not enabled)."""
    candidates = [c for c in definitions if c.id == control_id]
    if not candidates:
        return None
    for year in (day.year - 1, day.year, day.year + 1):
        season = candidates[0].season(year)
        control = next((c for c in candidates if c.in_force(season.first)), None)
        if control is None or not control.enabled or control.trigger != "standing":
            continue
        season = control.season(year)
        announce_from = season.first - dt.timedelta(days=control.notify_days_before)
        if announce_from <= day <= season.last:
            return control, _period(season, season.first, season.last, zone)
    return None


def forecast_period(
    definitions: Sequence[Control], control_id: str, day: dt.date, zone: ZoneInfo
) -> tuple[Control, Period] | None:
    """The day a forecast-triggered control checks on ``day``: the next day, if it lies in a
    season and the control is enabled then."""
    target = day + dt.timedelta(days=1)
    control = next((c for c in definitions if c.id == control_id and c.in_force(target)), None)
    if control is None or not control.enabled or control.forecast is None:
        return None
    season = control.season_of(target)
    if season is None:
        return None
    return control, _period(season, target, target, zone)


def triggered(
    trigger: ForecastTrigger, t_max: float | None, o3_8h: float | None
) -> tuple[bool, str]:
    """Whether a day's forecast reaches every threshold, and the reason in words. A threshold
    the forecast gives no value for is not reached (said so in the reason)."""
    reasons: list[str] = []
    met = True
    for label, unit, value, limit in (
        ("日最高气温", "℃", t_max, trigger.t_max),
        ("臭氧8小时浓度", "微克/立方米", o3_8h, trigger.o3_8h),
    ):
        if limit is None:
            continue
        if value is None:
            met = False
            reasons.append(f"预报未提供{label}")
        else:
            met = met and value >= limit
            sign = "≥" if value >= limit else "<"
            reasons.append(f"{label}{value:g}{unit}{sign}{limit:g}{unit}")
    return met, "，".join(reasons)


# --- who must do what -------------------------------------------------------------------------


def concerned_lines(control: Control, enterprise: Enterprise) -> list[Line]:
    return [
        ln
        for ln in enterprise.lines
        if ln.industry in control.industries
        and (control.emitting is None or ln.baseline.get(control.emitting) > 0)
    ]


@dataclass(frozen=True, slots=True)
class Selection:
    entries: tuple[dict[str, Any], ...]  # one per enterprise to notify, plan-entry shaped
    exempt: int  # enterprises concerned whose grade asks nothing
    by_action: Mapping[str, int]


def choose(control: Control, period: Period, enterprises: Iterable[Enterprise]) -> Selection:
    """The enterprises the round concerns and, line by line, what each must do. An entry has the
    shape of a dispatch-plan entry (name, county, contacts, channel, lines with a measure text and
    a check method), so that delivery and receipts treat it like an order."""
    entries: list[dict[str, Any]] = []
    exempt = 0
    by_action: dict[str, int] = {}
    for e in enterprises:
        lines = concerned_lines(control, e)
        if not lines:
            continue
        action = control.action_of(e.grade)
        if action == EXEMPT:
            exempt += 1
            continue
        text = control.action_text(action, period.label)
        by_action[action] = by_action.get(action, 0) + 1
        entries.append(
            {
                "uscc": e.uscc,
                "name": e.name,
                "county": e.county,
                "town": e.town,
                "grade": e.grade.value,
                "contact": e.contact,
                "phone": e.phone,
                "email": e.email,
                "channel": e.channel,
                "action": action,
                "lines": [
                    {
                        "name": ln.name,
                        "industry": ln.industry,
                        "measure": {"kind": action, "text": text},
                        "controlled": control.controlled(action, ln),
                        "check_method": ln.check_method,
                        "meter_no": ln.meter_no,
                    }
                    for ln in lines
                ],
            }
        )
    return Selection(tuple(entries), exempt, by_action)


# --- reading the configuration ----------------------------------------------------------------


def _time(value: Any, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: must be HH:MM, got {value!r}") from None


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: must be a date (YYYY-MM-DD), got {value!r}") from None


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: must be a number, got {value!r}")
    return float(value)


def control_from_mapping(data: Mapping[str, Any], where: str) -> Control:
    def need(key: str) -> Any:
        if key not in data or data[key] in ("", None, [], {}):
            raise ValueError(f"{where}.{key}: required")
        return data[key]

    control_id = str(need("id"))
    trigger = str(data.get("trigger", "standing"))
    if trigger not in TRIGGERS:
        raise ValueError(f"{where}.trigger: must be one of {', '.join(TRIGGERS)}")
    season = dict(need("season"))
    window = None
    if "window" in data:
        w = dict(data["window"])
        window = (
            _time(w.get("from"), f"{where}.window.from"),
            _time(w.get("to"), f"{where}.window.to"),
        )
        if window[0] >= window[1]:
            raise ValueError(f"{where}.window: from must be before to")
    emitting = None
    if data.get("only_emitting"):
        try:
            emitting = Species(str(data["only_emitting"]).lower())
        except ValueError:
            known = ", ".join(s.value for s in Species)
            raise ValueError(f"{where}.only_emitting: must be one of {known}") from None
    actions: dict[str, str] = {}
    labels: dict[str, str] = {}
    reductions: dict[str, float] = {}
    for name, value in dict(data.get("actions", {})).items():
        if not isinstance(value, Mapping):
            value = {"text": value}
        if not value.get("text"):
            raise ValueError(f"{where}.actions.{name}.text: required")
        actions[str(name)] = str(value["text"])
        labels[str(name)] = str(value.get("label") or name)
        share = value.get("reduction")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValueError(
                f"{where}.actions.{name}.reduction: required, a share from 0 to 1 of each "
                "concerned line's daily emissions the action removes (1 for a stop, 0.3 for "
                f"a 30 % limit), got {share!r}"
            )
        reductions[str(name)] = float(share)
    if EXEMPT in actions:
        raise ValueError(f"{where}.actions.{EXEMPT}: reserved (an exempt grade gets no notice)")
    grades: dict[str, str] = {}
    known_grades = {g.value for g in Grade} | {DEFAULT}
    for grade, action in dict(need("grades")).items():
        if grade not in known_grades:
            raise ValueError(
                f"{where}.grades: unknown grade {grade!r} (one of {', '.join(sorted(known_grades))})"
            )
        if action != EXEMPT and action not in actions:
            raise ValueError(f"{where}.grades.{grade}: no action {action!r} in {where}.actions")
        grades[grade] = str(action)
    for name, text in actions.items():
        try:
            text.format(window="", period="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"{where}.actions.{name}: only {{window}} and {{period}} may be filled in ({exc})"
            ) from None
    notify = dict(data.get("notify", {}))
    forecast = None
    if trigger == "forecast":
        f = dict(need("forecast"))
        forecast = ForecastTrigger(
            t_max=_number(f.get("t_max"), f"{where}.forecast.t_max"),
            o3_8h=_number(f.get("o3_8h"), f"{where}.forecast.o3_8h"),
            check_time=_time(f.get("check_time", "16:00"), f"{where}.forecast.check_time"),
        )
        if forecast.t_max is None and forecast.o3_8h is None:
            raise ValueError(f"{where}.forecast: give t_max, o3_8h or both")
    effective_to = data.get("effective_to")
    days_before = int(notify.get("days_before", 3))
    receipt_hours = float(data.get("receipt_hours", 24))
    if days_before < 0 or receipt_hours <= 0:
        raise ValueError(f"{where}: notify.days_before must be ≥ 0 and receipt_hours > 0")
    return Control(
        id=control_id,
        name=str(need("name")),
        enabled=bool(data.get("enabled", True)),
        effective_from=_date(need("effective_from"), f"{where}.effective_from"),
        effective_to=_date(effective_to, f"{where}.effective_to") if effective_to else None,
        season_from=MonthDay.parse(season.get("from", ""), f"{where}.season.from"),
        season_to=MonthDay.parse(season.get("to", ""), f"{where}.season.to"),
        trigger=trigger,
        window=window,
        industries=tuple(str(i) for i in need("industries")),
        emitting=emitting,
        grades=grades,
        actions=actions,
        labels=labels,
        reductions=reductions,
        notify_days_before=days_before,
        notify_time=_time(notify.get("time", "09:00"), f"{where}.notify.time"),
        forecast=forecast,
        receipt_hours=receipt_hours,
        basis=str(data.get("basis", "")),
        requirements=tuple(str(r) for r in data.get("requirements", [])),
    )


def controls_from_mapping(data: Mapping[str, Any], *, source: str) -> tuple[Control, ...]:
    """Every ``[[controls]]`` table; definitions of one id must not overlap in time."""
    out = [
        control_from_mapping(item, f"{source}: controls[{i}]")
        for i, item in enumerate(data.get("controls", []))
    ]
    by_id: dict[str, list[Control]] = {}
    for c in out:
        by_id.setdefault(c.id, []).append(c)
    for control_id, defs in by_id.items():
        defs.sort(key=lambda c: c.effective_from)
        for a, b in itertools.pairwise(defs):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                raise ValueError(
                    f"{source}: controls {control_id!r}: the definition from {a.effective_from} "
                    f"overlaps the one from {b.effective_from}; set effective_to before that"
                )
    return tuple(out)


def control_ids(definitions: Iterable[Control]) -> list[str]:
    return list(dict.fromkeys(c.id for c in definitions))


# --- rounds ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    control: str
    status: str  # issued, exists, none (nothing due), not_triggered
    detail: str
    round_id: int | None = None
    notified: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "status": self.status,
            "detail": self.detail,
            "round_id": self.round_id,
            "notified": self.notified,
        }


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    control: str
    title: str
    period_start: dt.datetime
    period_end: dt.datetime
    issued_at: dt.datetime
    receipt_deadline: dt.datetime
    list_revision: int
    record: dict[str, Any]
    enterprises: int
    enqueued: bool
