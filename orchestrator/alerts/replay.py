"""Season replay: the decision engine run day by day over a season of forecasts or observations,
as the daily consultation would have run it, and the alerts it would have issued; and how those
compare with the alerts actually issued (hits, misses, false alarms, level agreement).

The series is taken as what each day's consultation foresaw: at the consultation time of day D
the engine sees the windows not yet over at D and starting within the horizon (7 days by
default) — observations replayed this way are a perfect forecast, which judges a ruleset apart
from the forecast's own errors. A day's decision, as in practice:

- no alert in force and a level due for an episode starting within the lead time (48 h by
  default): an alert is issued, in force from the episode's start (not before the consultation)
  to its end;
- an alert in force: upgraded to a higher level, downgraded to a lower one, extended when the
  episode runs past its end, lifted when the lift condition holds (or no level is due); an
  alert whose end has passed is over.

Pure: no clock, no I/O; the core's rules (the same ``decide`` as ``assess``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from orchestrator.alerts.decide import decide
from orchestrator.alerts.model import (
    AlertLevel,
    AqiSeries,
    Decision,
    Ruleset,
    So2Reading,
)

DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Change:
    at: dt.datetime  # the consultation that decided it
    kind: str  # issue, upgrade, downgrade, extend, lift, end
    level: AlertLevel
    end: dt.datetime | None


@dataclass(slots=True)
class ReplayedAlert:
    """An alert the ruleset would have issued: its highest level, when it was in force, and
    each change with the reasons of the decision that issued it."""

    level: AlertLevel  # the highest level reached
    start: dt.datetime
    end: dt.datetime
    issued_at: dt.datetime
    changes: list[Change] = field(default_factory=list)
    trace: tuple[str, ...] = ()

    @property
    def current(self) -> AlertLevel:
        return self.changes[-1].level

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return max(dt.timedelta(0), min(self.end, end) - max(self.start, start))


def replay(
    series: AqiSeries,
    ruleset: Ruleset,
    *,
    zone: ZoneInfo,
    at: dt.time = dt.time(16, 0),
    horizon_days: int = 7,
    lead_hours: int = 48,
    so2: Sequence[So2Reading] = (),
) -> list[ReplayedAlert]:
    """The alerts ``ruleset`` would have issued over ``series``, one consultation a day at
    ``at`` (city time) seeing ``horizon_days`` ahead and issuing an alert once its episode
    starts within ``lead_hours``. Warnings only: the 不利气象条件应对 band a ruleset may define
    is entered on higher instruction, never from the forecast alone, so it is left out."""
    ruleset = ruleset.colours()
    lead = dt.timedelta(hours=lead_hours)
    if not series.windows:
        return []
    windows = series.windows
    horizon = dt.timedelta(days=horizon_days)
    floor = ruleset.floor
    so2_floor = min((t.above for t in ruleset.so2_triggers), default=None)
    first = windows[0].start.astimezone(zone).date()
    last = windows[-1].end.astimezone(zone).date()
    alerts: list[ReplayedAlert] = []
    active: ReplayedAlert | None = None
    lo = 0  # first window not yet over at the consultation (the days only move forward)
    day = first
    while day <= last:
        now = dt.datetime.combine(day, at, tzinfo=zone)
        day += DAY
        if active is not None and active.end <= now:
            active = None  # its time is over
        while lo < len(windows) and windows[lo].end <= now:
            lo += 1
        hi = lo
        while hi < len(windows) and windows[hi].start < now + horizon:
            hi += 1
        seen = windows[lo:hi]
        readings = tuple(r for r in so2 if now - DAY <= r.at < now + horizon)
        quiet = all(w.aqi is None or w.aqi <= floor for w in seen) and (
            so2_floor is None or all(r.value <= so2_floor for r in readings)
        )
        if not seen or (quiet and active is None):
            continue  # no level can be due: the engine would say so
        decision = decide(
            AqiSeries(step_hours=series.step_hours, windows=seen),
            ruleset,
            now=now,
            active_level=active.current if active is not None else None,
            so2_readings=readings,
        )
        if active is None:
            active = _issue(decision, now, lead)
            if active is not None:
                alerts.append(active)
        else:
            active = _follow(active, decision, now)
    return alerts


def _issue(decision: Decision, now: dt.datetime, lead: dt.timedelta) -> ReplayedAlert | None:
    if decision.level is None or decision.episode_start is None:
        return None
    if decision.episode_start > now + lead:
        return None  # foreseen, but issued nearer the time
    start = max(decision.episode_start, now)
    end = decision.episode_end
    if end is None or end <= start:
        return None  # the episode is over before it could start
    return ReplayedAlert(
        level=decision.level,
        start=start,
        end=end,
        issued_at=now,
        changes=[Change(now, "issue", decision.level, end)],
        trace=decision.reasons,
    )


def _follow(alert: ReplayedAlert, decision: Decision, now: dt.datetime) -> ReplayedAlert | None:
    """The alert in force after the day's decision (None: lifted)."""
    if decision.lift_due and now >= alert.start:  # not before it has begun
        alert.end = max(alert.start, min(alert.end, now))
        alert.changes.append(Change(now, "lift", alert.current, alert.end))
        return None
    level = decision.level
    if level is None:
        return alert  # below the start condition, not yet long enough to lift
    if level.rank > alert.current.rank:
        alert.changes.append(Change(now, "upgrade", level, alert.end))
        alert.level = level if level.rank > alert.level.rank else alert.level
    elif level.rank < alert.current.rank:
        alert.changes.append(Change(now, "downgrade", level, alert.end))
    if decision.episode_end is not None and decision.episode_end > alert.end:
        alert.end = decision.episode_end
        alert.changes.append(Change(now, "extend", alert.current, alert.end))
    return alert


# --- comparison with the alerts actually issued ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Actual:
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class Comparison:
    """Episodes matched by overlapping time: an actual alert is a hit when a replayed one
    overlaps it (the one overlapping most is its pair), a miss when none does; a replayed alert
    overlapping no actual one is a false alarm. Level agreement: pairs with the same level."""

    hits: int
    misses: int
    false_alarms: int
    same_level: int
    pairs: tuple[tuple[Actual, ReplayedAlert], ...]
    missed: tuple[Actual, ...]
    false: tuple[ReplayedAlert, ...]

    @property
    def pod(self) -> float | None:
        """Probability of detection: hits ÷ actual alerts."""
        n = self.hits + self.misses
        return self.hits / n if n else None

    @property
    def far(self) -> float | None:
        """False alarm ratio: false alarms ÷ replayed alerts."""
        n = self.hits_replayed + self.false_alarms
        return self.false_alarms / n if n else None

    @property
    def hits_replayed(self) -> int:
        return len({id(r) for _, r in self.pairs})

    @property
    def level_agreement(self) -> float | None:
        return self.same_level / self.hits if self.hits else None


def compare(replayed: Sequence[ReplayedAlert], actual: Sequence[Actual]) -> Comparison:
    pairs: list[tuple[Actual, ReplayedAlert]] = []
    missed: list[Actual] = []
    for a in actual:
        best = max(replayed, key=lambda r: r.overlaps(a.start, a.end), default=None)
        if best is None or not best.overlaps(a.start, a.end):
            missed.append(a)
        else:
            pairs.append((a, best))
    false = tuple(r for r in replayed if not any(r.overlaps(a.start, a.end) for a in actual))
    return Comparison(
        hits=len(pairs),
        misses=len(missed),
        false_alarms=len(false),
        same_level=sum(1 for a, r in pairs if a.level is r.level),
        pairs=tuple(pairs),
        missed=tuple(missed),
        false=false,
    )
