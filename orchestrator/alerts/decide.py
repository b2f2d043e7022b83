"""``decide``: which alert level a forecast or observed AQI series calls for under a ruleset.

Pure: the ruleset, the series, the hint and "now" come in as arguments; the answer is a
:class:`Decision` whose trace says which ruleset, which windows and which values decided it.
Ordinary data never raises: "no alert" is a decision with reasons.

Counting (DOMAIN.md §3): n(X) is the number of consecutive 24 h windows with daily AQI > X. Two
runs separated by a clean gap shorter than ``merge_gap_hours`` are one episode, and n(X) counts the
polluted windows of both. A clause such as ``n(200) >= 3 and n(300) >= 1`` must hold inside one
episode: the chain of its lowest threshold, which also gives the episode's start and end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import (
    AlertLevel,
    AqiSeries,
    Clause,
    Counting,
    DailyWindow,
    Decision,
    LevelRule,
    RegionalHint,
    Ruleset,
    So2Reading,
    Term,
    TraceStep,
)
from orchestrator.aqi.model import Pollutant

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(hours=24)

Eligible = Callable[[DailyWindow], bool]


_ZERO = dt.timedelta(0)


@dataclass(frozen=True, slots=True)
class _Chain:
    start: dt.datetime
    end: dt.datetime
    count: int
    windows: tuple[DailyWindow, ...]


@dataclass(frozen=True, slots=True)
class _Hit:
    rule: LevelRule
    clause: Clause
    chain: _Chain
    phase: int


class _Evaluator:
    """Evaluates a ruleset over one phase of windows, caching the chains per term.

    Every window's counted AQI (None: missing, or not eligible) is read once; a term's chains
    are then one pass over those numbers, the windows of a chain gathered in a list."""

    def __init__(
        self,
        ruleset: Ruleset,
        windows: Sequence[DailyWindow],
        counted: Sequence[int],
        *,
        continuous: bool,
    ):
        self.ruleset = ruleset
        self.windows = windows
        self.counted = counted  # each window's AQI if it counts (-1: missing or not eligible)
        self.continuous = continuous
        self.gap = dt.timedelta(hours=ruleset.merge_gap_hours)
        self._cache: dict[tuple[int, bool], list[_Chain]] = {}

    def _bridges(self, gap: dt.timedelta) -> bool:
        return gap <= _ZERO or gap < self.gap

    def chains(self, term: Term) -> list[_Chain]:
        key = (term.threshold, term.inclusive)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._chains(term)
        return found

    def _above(self, term: Term) -> list[DailyWindow]:
        """The windows above the term's threshold, in order."""
        threshold, windows = term.threshold, self.windows
        if term.inclusive:  # thresholds are ≥ 0: -1 never counts
            return [windows[i] for i, a in enumerate(self.counted) if a >= threshold]
        return [windows[i] for i, a in enumerate(self.counted) if a > threshold]

    def _chains(self, term: Term) -> list[_Chain]:
        # Day windows: consecutive above-X windows, merged across short clean gaps. Rolling
        # windows, one per hour (continuous): runs of hours above X merged likewise; a run of r
        # hours holds (r - 1) // 24 + 1 non-overlapping windows.
        runs: list[list[DailyWindow]] = []
        bridges = self._bridges
        if self.continuous:
            for w in self._above(term):
                if runs and bridges(w.start - runs[-1][-1].start - HOUR):
                    runs[-1].append(w)
                else:
                    runs.append([w])
            return [
                _Chain(ws[0].start, ws[-1].end, (len(ws) - 1) // 24 + 1, tuple(ws)) for ws in runs
            ]
        for w in self._above(term):
            if runs and bridges(w.start - runs[-1][-1].end):
                runs[-1].append(w)
            else:
                runs.append([w])
        return [_Chain(ws[0].start, ws[-1].end, len(ws), tuple(ws)) for ws in runs]

    def satisfied(self, clause: Clause) -> _Chain | None:
        base, *rest = clause.terms
        for chain in self.chains(base):
            if chain.count < base.windows:
                continue
            if all(
                any(
                    c.count >= t.windows and c.start >= chain.start and c.end <= chain.end
                    for c in self.chains(t)
                )
                for t in rest
            ):
                return chain
        return None

    def best(self, phase: int) -> _Hit | None:
        for rule in self.ruleset.levels:  # highest first
            hits = [
                _Hit(rule, clause, chain, phase)
                for clause in rule.clauses
                if (chain := self.satisfied(clause)) is not None
            ]
            if hits:
                return min(hits, key=lambda h: h.chain.start)
        return None


def _phases(series: AqiSeries, ruleset: Ruleset) -> tuple[list[slice], bool]:
    """The window sequences to evaluate (as slices of the series), and whether counting is
    hourly-continuous."""
    ws = series.windows
    if series.step_hours == 24 or ruleset.counting is Counting.HOURLY_CONTINUOUS:
        return [slice(None)], series.step_hours != 24
    return [slice(p, None, 24) for p in range(min(24, len(ws)))], False


def _counted(series: AqiSeries, eligible: Eligible) -> list[int]:
    """Each window's AQI if it counts (-1: missing or not eligible)."""
    return [w.aqi if w.aqi is not None and eligible(w) else -1 for w in series.windows]


def _evaluate(series: AqiSeries, ruleset: Ruleset, counted: list[int]) -> _Hit | None:
    phases, continuous = _phases(series, ruleset)
    windows = series.windows
    floor = ruleset.floor
    best: _Hit | None = None
    for p, part in enumerate(phases):
        if max(counted[part], default=-1) <= floor:
            continue  # no window of this phase counts for any term: no level here
        hit = _Evaluator(ruleset, windows[part], counted[part], continuous=continuous).best(p)
        if hit is None:
            continue
        # the highest level, and of equal levels the earliest start
        rank, top = hit.rule.level.rank, best.rule.level.rank if best is not None else -1
        if best is None or rank > top or (rank == top and hit.chain.start < best.chain.start):
            best = hit
    return best


def _display_windows(
    series: AqiSeries, hit: _Hit | None, ruleset: Ruleset
) -> tuple[DailyWindow, ...]:
    """One non-overlapping sequence to show: the deciding phase, else the one starting at midnight."""
    if series.step_hours == 24:
        return series.windows
    phase = 0
    if hit is not None and ruleset.counting is Counting.WINDOW:
        phase = hit.phase
    else:
        phase = next((i for i, w in enumerate(series.windows[:24]) if w.start.hour == 0), 0)
    return tuple(series.windows[phase::24])


def _fmt(t: dt.datetime) -> str:
    return f"{t.year}年{t.month}月{t.day}日{t.hour}时"


def _is_advisory(ruleset: Ruleset) -> Eligible:
    def advisory(w: DailyWindow) -> bool:
        if w.dust_hours >= ruleset.dust_min_hours:
            return True
        return (
            bool(w.primary_pollutants) and set(w.primary_pollutants) <= ruleset.advisory_pollutants
        )

    return advisory


def decide(
    series: AqiSeries,
    ruleset: Ruleset,
    *,
    now: dt.datetime,
    hint: RegionalHint | None = None,
    active_level: AlertLevel | None = None,
    so2_readings: Sequence[So2Reading] = (),
) -> Decision:
    """Decide the alert level for ``series`` under ``ruleset`` as of ``now``.

    ``hint`` is a regional instruction (a floor inside its window); ``active_level`` the level of an
    alert in force, which asks for the lift check; ``so2_readings`` monitored SO2 1 h values for
    rulesets with SO2 triggers.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    trace: list[TraceStep] = []
    counting_text = (
        "按逐小时连续滑动24小时计数"
        if ruleset.counting is Counting.HOURLY_CONTINUOUS and series.step_hours == 1
        else "按连续24小时时段计数"
    )
    trace.append(
        TraceStep(
            code="ruleset",
            message=f"依据{ruleset.name}，{counting_text}，间隔不足{ruleset.merge_gap_hours}小时的污染过程合并计算",
            data={
                "ruleset": ruleset.id,
                "counting": ruleset.counting.value,
                "merge_gap_hours": ruleset.merge_gap_hours,
            },
        )
    )
    windows = series.windows
    missing = [w for w in windows if w.aqi is None]
    if windows:
        first, last = windows[0].start, windows[-1].end
        msg = f"评估{_fmt(first)}至{_fmt(last)}共{len(windows)}个24小时时段"
        if missing:
            msg += f"，其中{len(missing)}个时段数据不足未参与判断"
        trace.append(
            TraceStep(
                code="data",
                message=msg,
                data={"windows": len(windows), "missing": [w.start.isoformat() for w in missing]},
            )
        )
        if not (ruleset.covers(first.date()) or ruleset.covers((last - HOUR).date())):
            trace.append(
                TraceStep(
                    code="ruleset_dates",
                    message=f"注意：评估时段不在该规则的生效期内（{ruleset.effective_from.isoformat()}起）",
                    data={"effective_from": ruleset.effective_from.isoformat()},
                )
            )
    else:
        trace.append(
            TraceStep(
                code="data", message="无可用的空气质量数据，无法判断预警等级", data={"windows": 0}
            )
        )

    advisory = _is_advisory(ruleset)
    everything = _counted(series, lambda w: True)
    raw = _evaluate(series, ruleset, everything)
    counted = _counted(series, lambda w: not advisory(w))
    # no window left out as O3- or dust-dominated: the same evaluation, done once
    hit = raw if counted == everything else _evaluate(series, ruleset, counted)

    level: AlertLevel | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    advisory_only = False
    if hit is not None:
        level, start, end = hit.rule.level, hit.chain.start, hit.chain.end
        trace.append(_level_step(hit, ruleset, series))
    if raw is not None and (hit is None or raw.rule.level.rank > hit.rule.level.rank):
        cause = _advisory_cause(raw.chain, ruleset)
        if hit is None:
            advisory_only = True
            start, end = raw.chain.start, raw.chain.end
            trace.append(_level_step(raw, ruleset, series))
            msg = f"该过程为{cause}主导，依规定不启动{raw.rule.level.term}，仅发布健康防护提示"
        else:
            msg = f"计入{cause}主导时段可达{raw.rule.level.term}，依规定按细颗粒物主导时段确定等级"
        trace.append(
            TraceStep(
                code="advisory",
                message=msg,
                data={"cause": cause, "would_be_level": raw.rule.level.value},
            )
        )
    if raw is None and hit is None and windows:
        known = [w.aqi for w in windows if w.aqi is not None]
        peak = max(known) if known else None
        trace.append(
            TraceStep(
                code="no_level",
                message=f"未达到任何预警等级条件（期间最高日AQI为{peak}）"
                if peak is not None
                else "未达到任何预警等级条件",
                data={"max_aqi": peak},
            )
        )

    for trig in ruleset.so2_triggers:  # highest first
        above = [r for r in so2_readings if r.value > trig.above]
        if above:
            if level is None or trig.level.rank > level.rank:
                level = trig.level
                start = min(start, above[0].at) if start else above[0].at
                advisory_only = False
            trace.append(
                TraceStep(
                    code="so2_trigger",
                    message=(
                        f"{_fmt(above[0].at)}起SO2小时浓度达{above[0].value:g}微克/立方米，"
                        f"超过{trig.above:g}，按规则至少启动{trig.level.term}"
                    ),
                    data={
                        "level": trig.level.value,
                        "above": trig.above,
                        "first_at": above[0].at.isoformat(),
                    },
                )
            )
            break

    if hint is not None and hint.end > now:
        who = f"{hint.issuer}{hint.document}".strip() or "上级"
        if level is None or hint.level.rank > level.rank:
            level = hint.level
            advisory_only = False
            msg = f"{who}区域预警提示要求{_fmt(hint.start)}至{_fmt(hint.end)}不低于{hint.level.term}，按提示等级执行"
        else:
            msg = f"本地预测等级不低于{who}区域预警提示的{hint.level.term}，按本地等级执行"
        start = min(start, hint.start) if start else hint.start
        end = max(end, hint.end) if end else hint.end
        trace.append(
            TraceStep(
                code="hint",
                message=msg,
                data={
                    "level": hint.level.value,
                    "start": hint.start.isoformat(),
                    "end": hint.end.isoformat(),
                },
            )
        )

    lift_due: bool | None = None
    if active_level is not None:
        lift_due, step = _lift(
            series, ruleset, now=now, hint=hint, advisory=advisory, active=active_level
        )
        trace.append(step)

    shown_hit = hit if hit is not None else raw
    return Decision(
        ruleset_id=ruleset.id,
        level=level,
        response=ruleset.response_for(level) if level is not None else None,
        episode_start=start,
        episode_end=end,
        advisory_only=advisory_only,
        lift_due=lift_due,
        windows=_display_windows(series, shown_hit, ruleset),
        trace=tuple(trace),
    )


def _level_step(hit: _Hit, ruleset: Ruleset, series: AqiSeries) -> TraceStep:
    chain = hit.chain
    shown = chain.windows
    lead = ""
    if series.step_hours == 1 and ruleset.counting is Counting.WINDOW:
        lead = f"以每日{chain.start.hour}时为时段起点，"
    elif series.step_hours == 1:
        shown = shown[::24]  # hourly-continuous: one non-overlapping window per 24 h
        lead = f"滑动24小时AQI超过阈值共{len(chain.windows)}小时，每隔24小时取值，"
    values = "、".join(str(w.aqi) for w in shown)
    return TraceStep(
        code="level",
        message=(
            f"{lead}{_fmt(chain.start)}至{_fmt(chain.end)}日AQI依次为{values}，"
            f"满足{hit.rule.level.term}条件（{hit.clause.label}）"
        ),
        data={
            "level": hit.rule.level.value,
            "condition": hit.clause.text,
            "condition_label": hit.clause.label,
            "episode_start": chain.start.isoformat(),
            "episode_end": chain.end.isoformat(),
            "windows": [{"start": w.start.isoformat(), "aqi": w.aqi} for w in shown],
        },
    )


def _advisory_cause(chain: _Chain, ruleset: Ruleset) -> str:
    if any(w.dust_hours >= ruleset.dust_min_hours for w in chain.windows):
        return "沙尘"
    names = {Pollutant.O3: "臭氧", Pollutant.PM10: "可吸入颗粒物", Pollutant.PM25: "细颗粒物"}
    found = sorted(
        {p for w in chain.windows for p in w.primary_pollutants} & ruleset.advisory_pollutants
    )
    return "、".join(names.get(p, p.value) for p in found) or "非细颗粒物"


def _lift(
    series: AqiSeries,
    ruleset: Ruleset,
    *,
    now: dt.datetime,
    hint: RegionalHint | None,
    advisory: Eligible,
    active: AlertLevel,
) -> tuple[bool, TraceStep]:
    hold = dt.timedelta(hours=ruleset.lift_hold_hours)
    data = {"active_level": active.value, "hold_hours": ruleset.lift_hold_hours}
    if hint is not None and hint.start <= now < hint.end:
        return False, TraceStep(
            code="lift",
            message="现行预警系依区域预警提示启动，须待发布机构解除通知后方可解除",
            data=data,
        )
    horizon = now + hold
    ahead = tuple(w for w in series.windows if w.end > now and w.start < horizon)
    if not series.windows or series.windows[-1].end < horizon:
        return False, TraceStep(
            code="lift",
            message=f"预报数据不足以覆盖未来{ruleset.lift_hold_hours}小时，暂不具备解除条件",
            data=data,
        )
    if any(w.aqi is None for w in ahead):
        return False, TraceStep(
            code="lift",
            message=f"未来{ruleset.lift_hold_hours}小时内有时段数据不足，暂不具备解除条件",
            data=data,
        )
    remaining = AqiSeries(step_hours=series.step_hours, windows=ahead)
    # a colour warning is lifted below the colours' conditions, whatever the band below them says
    counting = ruleset.colours() if active.colour else ruleset
    still = _evaluate(remaining, counting, _counted(remaining, lambda w: not advisory(w)))
    if still is not None:
        return False, TraceStep(
            code="lift",
            message=f"未来{ruleset.lift_hold_hours}小时内仍满足{still.rule.level.term}条件，不具备解除条件",
            data=data,
        )
    return True, TraceStep(
        code="lift",
        message=f"空气质量已低于预警启动条件，且预计持续{ruleset.lift_hold_hours}小时以上，满足解除条件",
        data=data,
    )


def decision_json(decision: Decision, *, include_lift: bool) -> dict[str, Any]:
    """The documented JSON shape of a decision (``orchestrator assess --json``)."""
    out: dict[str, Any] = {
        "level": decision.level.value if decision.level else None,
        "response": decision.response,
        "ruleset": decision.ruleset_id,
        "episode": {
            "start": decision.episode_start.isoformat() if decision.episode_start else None,
            "end": decision.episode_end.isoformat() if decision.episode_end else None,
        },
        "advisory_only": decision.advisory_only,
        "reasons": list(decision.reasons),
        # the condition met, as a plan words it (日AQI>200持续48小时); None when no level
        "condition": next(
            (s.data.get("condition_label") for s in decision.trace if s.code == "level"), None
        ),
        "daily_aqi": [
            {
                "start": w.start.isoformat(),
                "aqi": w.aqi,
                "primary_pollutants": [p.value for p in w.primary_pollutants],
            }
            for w in decision.windows
            if w.aqi is not None
        ],
    }
    if include_lift:
        out["lift_due"] = decision.lift_due
    return out
