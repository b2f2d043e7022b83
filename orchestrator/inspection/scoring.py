"""The compliance score of an enterprise's alert day, and the day's queue (pure).

Each rule of ``config/inspection.toml`` that the evidence fires adds its weight; the score is the
sum, at most 100, and says which rules fired and what the evidence showed. The queue ranks the
scored enterprises, then draws each county's unscored ones at random at the configured share —
seeded by a secret of the installation with the alert and the day, so that a day draws the same
enterprises however often it is asked, and no enterprise can foresee the next day's draw."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean
from zoneinfo import ZoneInfo

from orchestrator.inspection.config import InspectionConfig
from orchestrator.inspection.model import (
    CemsReading,
    DayFacts,
    GatePassage,
    Pollutant,
    Queue,
    Reason,
    Rule,
    Score,
)

#: A mean emission rate (kg/h) and the hours it is the mean of.
Mean = tuple[float, int]

#: Plan modes that order no reduction of their own: nothing is "not falling" there.
_NO_REDUCTION = frozenset({"autonomous", "long_stopped"})


def _at(t: dt.datetime, zone: ZoneInfo) -> str:
    local = t.astimezone(zone)
    return f"{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def rate_means(readings: Iterable[CemsReading]) -> dict[tuple[str, Pollutant], Mean]:
    """Each outlet's and pollutant's mean emission rate (kg/h) over ``readings``, and how many
    hours it is the mean of (what the store sums in the database, for a whole city)."""
    rates: dict[tuple[str, Pollutant], list[float]] = defaultdict(list)
    for r in readings:
        rates[(r.outlet, r.pollutant)].append(r.rate)
    return {k: (fmean(v), len(v)) for k, v in rates.items()}


def outlet_shares(
    baseline: Mapping[tuple[str, Pollutant], Mean],
    window: Mapping[tuple[str, Pollutant], Mean],
    config: InspectionConfig,
) -> tuple[tuple[str, Pollutant, float, int], ...]:
    """Per outlet and pollutant read in ``window`` for at least ``cems_min_hours`` hours and
    with a baseline rate above zero: (outlet, pollutant, mean window rate ÷ mean baseline rate,
    window hours)."""
    out = []
    for key in sorted(window, key=lambda k: (k[0], k[1].value)):
        mean, hours = window[key]
        before = baseline.get(key)
        if hours < config.cems_min_hours or before is None or before[0] <= 0:
            continue
        out.append((key[0], key[1], round(mean / before[0], 4), hours))
    return tuple(out)


def under_ban(measures: Iterable[str], config: InspectionConfig) -> bool:
    """Whether measure texts at the level ban trucks of some emission stages."""
    return any(m in text for text in measures for m in config.ban_markers)


def banned_passages(
    passages: Iterable[GatePassage], config: InspectionConfig
) -> tuple[GatePassage, ...]:
    """The passages of trucks of a banned stage (their site under a ban), by time."""
    stages = set(config.banned_stages)
    return tuple(sorted((p for p in passages if p.stage in stages), key=lambda p: p.at))


def score(facts: DayFacts, config: InspectionConfig, *, now: dt.datetime, zone: ZoneInfo) -> Score:
    """The enterprise's score on its facts, each fired rule with its evidence in words."""
    reasons: list[Reason] = []

    def fire(rule: Rule, text: str) -> None:
        points = config.weights.get(rule, 0)
        if points > 0:
            reasons.append(Reason(rule, points, text))

    if facts.suspect_lines:
        fire(Rule.ELECTRICITY, "；".join(f"{line}{what}" for line, what in facts.suspect_lines))
    if facts.mode not in _NO_REDUCTION:
        high = [o for o in facts.outlets if o[2] >= config.cems_share]
        if high:
            fire(
                Rule.CEMS,
                "；".join(
                    f"{outlet}{pollutant.label}排放速率为基线的{share:.0%}（{hours}小时）"
                    for outlet, pollutant, share, hours in high
                )
                + f"，未降至基线的{config.cems_share:.0%}以下",
            )
    if facts.banned_trucks:
        shown = "、".join(
            f"{p.plate}（{p.stage}，{_at(p.at, zone)}）" for p in facts.banned_trucks[:3]
        )
        more = f"等{len(facts.banned_trucks)}辆次" if len(facts.banned_trucks) > 3 else ""
        fire(Rule.TRUCK, f"禁用排放阶段的货车进出：{shown}{more}")
    if not facts.reported:
        fire(Rule.NO_REPORT, "当日未报送落实情况")
    if facts.deadline is not None:
        if facts.acknowledged_at is None and now > facts.deadline:
            fire(Rule.LATE_ACK, f"应急响应指令签收时限{_at(facts.deadline, zone)}已过，仍未签收")
        elif facts.acknowledged_at is not None and facts.acknowledged_at > facts.deadline:
            fire(
                Rule.LATE_ACK,
                f"{_at(facts.acknowledged_at, zone)}签收，晚于时限{_at(facts.deadline, zone)}",
            )
    return Score(facts, min(100, sum(r.points for r in reasons)), tuple(reasons))


def seed_of(secret: bytes, alert_id: int, day: dt.date) -> int:
    """The draw's seed: the installation's secret with the alert and the day."""
    digest = hmac.new(secret, f"inspection:{alert_id}:{day.isoformat()}".encode(), hashlib.sha256)
    return int.from_bytes(digest.digest()[:8], "big")


def queue(
    scores: Sequence[Score], config: InspectionConfig, *, alert_id: int, day: dt.date, seed: int
) -> Queue:
    """Scored enterprises by score (then county and name), then each county's draw of the
    unscored, by county and name."""
    ranked = sorted(
        (s for s in scores if s.points > 0),
        key=lambda s: (-s.points, s.facts.county, s.facts.name, s.facts.uscc),
    )
    rest: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        if s.points == 0:
            rest[s.facts.county].append(s)
    rng = random.Random(seed)
    drawn: list[Score] = []
    for county in sorted(rest):
        pool = sorted(rest[county], key=lambda s: s.facts.uscc)
        want = min(len(pool), max(config.random_least, math.ceil(config.random_share * len(pool))))
        picked = rng.sample(pool, want)
        drawn.extend(Score(s.facts, 0, (), drawn=True) for s in picked)
    drawn.sort(key=lambda s: (s.facts.county, s.facts.name, s.facts.uscc))
    return Queue(alert_id, day, tuple(ranked + drawn), len(scores))
