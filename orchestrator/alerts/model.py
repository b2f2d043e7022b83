"""Alert levels, rulesets (loaded from ``config/rulesets/``) and the values ``decide`` works on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orchestrator.aqi.model import Pollutant, parse_date
from orchestrator.errors import ConfigInvalid, InputInvalid


class AlertLevel(StrEnum):
    """预警等级, lowest first. Older schemes (mee-2017) also have blue. ``adverse`` is the band
    below the colours that city plans define (不利气象条件应对): not a warning, no mandatory list
    measures, only negotiated and local ones, taken on higher instruction."""

    ADVERSE = "adverse"
    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        """The Chinese name as written in notices: 黄色."""
        return _LABEL[self]

    @property
    def colour(self) -> bool:
        """A colour warning (预警); False for the 不利气象条件应对 band."""
        return self is not AlertLevel.ADVERSE

    @property
    def term(self) -> str:
        """How documents and pages name the level: 黄色预警, or 不利气象条件应对."""
        return f"{self.label}预警" if self.colour else self.label

    @property
    def full_term(self) -> str:
        """The term with the event: 重污染天气黄色预警, or 不利气象条件应对."""
        return f"重污染天气{self.term}" if self.colour else self.term


#: The levels a city issues (GB/T 27963-style yellow, orange, red: the 2024 scheme); every list,
#: plan, form and notice uses this one tuple. Blue exists only in older rulesets (a floor, a hint).
ALERT_LEVELS: tuple[AlertLevel, ...] = (AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED)
#: What an office may draft: the colours, and below them the 不利气象条件应对 band (on higher
#: instruction; it has no list measures, so it is not in ALERT_LEVELS).
RESPONSE_LEVELS: tuple[AlertLevel, ...] = (AlertLevel.ADVERSE, *ALERT_LEVELS)


def graded(level: AlertLevel, response: str | None) -> str:
    """The level as a sentence names it, with its response grade in the Roman numerals documents
    use (a ruleset writes I–IV): 黄色预警（Ⅲ级应急响应）; the band below the colours has none:
    不利气象条件应对."""
    return f"{level.term}（{roman(response)}级应急响应）" if response else level.term


_ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ"}


def roman(response: str) -> str:
    """A response grade as documents write it: Ⅱ for a ruleset's II (one numeral style)."""
    return _ROMAN.get(response, response)


_RANK = {
    AlertLevel.ADVERSE: 0,
    AlertLevel.BLUE: 1,
    AlertLevel.YELLOW: 2,
    AlertLevel.ORANGE: 3,
    AlertLevel.RED: 4,
}
_LABEL = {
    AlertLevel.ADVERSE: "不利气象条件应对",
    AlertLevel.BLUE: "蓝色",
    AlertLevel.YELLOW: "黄色",
    AlertLevel.ORANGE: "橙色",
    AlertLevel.RED: "红色",
}


class Counting(StrEnum):
    """How n(X) counts on hourly data.

    ``window``: consecutive non-overlapping 24 h windows from a free start hour.
    ``hourly-continuous``: the rolling 24 h AQI must stay above X hour after hour; a run of r hours
    holds ``(r - 1) // 24 + 1`` non-overlapping windows. Daily data: each day is one window in both.
    """

    WINDOW = "window"
    HOURLY_CONTINUOUS = "hourly-continuous"


class RulesetNotFound(InputInvalid):
    """Raised by :func:`select_ruleset` when no loaded ruleset has the requested id."""


_DAY = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class Term:
    """``n(X) >= k``: k consecutive windows with AQI > X; ``peak >= X``: a window with AQI ≥ X."""

    threshold: int
    windows: int
    inclusive: bool = False

    def __post_init__(self) -> None:
        if self.threshold < 0 or self.windows < 1:
            raise ValueError("a term needs threshold ≥ 0 and windows ≥ 1")

    def holds_for(self, aqi: int) -> bool:
        return aqi >= self.threshold if self.inclusive else aqi > self.threshold

    @property
    def text(self) -> str:
        if self.inclusive:
            return f"日AQI≥{self.threshold}"
        return f"日AQI>{self.threshold}持续{self.windows * 24}小时"


_TERM = re.compile(r"^\s*(?:n\((\d+)\)\s*>=\s*(\d+)|peak\s*>=\s*(\d+))\s*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    """Terms that must all hold inside one episode (the chain of the lowest threshold)."""

    text: str
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        if not self.terms:
            raise ValueError("empty clause")
        if list(self.terms) != sorted(self.terms, key=lambda t: (t.threshold, t.inclusive)):
            raise ValueError("clause terms must be sorted by threshold")

    @classmethod
    def parse(cls, text: str) -> Clause:
        terms = []
        for part in text.split(" and "):
            m = _TERM.match(part)
            if m is None:
                raise ValueError(
                    f"cannot read condition {part.strip()!r} (use 'n(200) >= 3' or 'peak >= 500')"
                )
            if m.group(3) is not None:
                terms.append(Term(threshold=int(m.group(3)), windows=1, inclusive=True))
            else:
                terms.append(Term(threshold=int(m.group(1)), windows=int(m.group(2))))
        return cls(
            text=text.strip(), terms=tuple(sorted(terms, key=lambda t: (t.threshold, t.inclusive)))
        )

    @property
    def label(self) -> str:
        return "且".join(t.text for t in self.terms)


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelRule:
    level: AlertLevel
    response: str  # 应急响应等级: I, II, III, IV; "" for the 不利气象条件应对 band
    clauses: tuple[Clause, ...]  # any one suffices


@dataclass(frozen=True, slots=True, kw_only=True)
class So2Trigger:
    """A monitored SO2 1 h concentration above ``above`` µg/m³ calls for at least ``level``."""

    level: AlertLevel
    above: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Ruleset:
    """A warning scheme (预警分级标准) with its document number and effective dates."""

    id: str
    title: str
    document: str
    effective_from: dt.date
    effective_to: dt.date | None
    counting: Counting
    merge_gap_hours: int
    lift_hold_hours: int
    levels: tuple[LevelRule, ...]  # highest first
    advisory_pollutants: frozenset[Pollutant]
    dust_min_hours: int
    so2_triggers: tuple[So2Trigger, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        ranks = [r.level.rank for r in self.levels]
        if not ranks or ranks != sorted(ranks, reverse=True) or len(set(ranks)) != len(ranks):
            raise ValueError("levels must be distinct and listed highest first")
        if not any(r.level.colour for r in self.levels):
            raise ValueError("a ruleset needs at least one colour level besides the adverse band")
        if self.merge_gap_hours < 0 or self.lift_hold_hours < 0:
            raise ValueError("hours must be ≥ 0")
        if not 1 <= self.dust_min_hours <= 24:
            raise ValueError("dust_min_hours must be 1..24")

    @property
    def name(self) -> str:
        """Title with document number, as cited in a trace or a notice."""
        return f"《{self.title}》（{self.document}）"

    @property
    def floor(self) -> int:
        """The highest AQI no level's condition counts: windows at or below it cannot make a
        level."""
        return min(
            (t.threshold - 1 if t.inclusive else t.threshold)
            for rule in self.levels
            for clause in rule.clauses
            for t in clause.terms
        )

    def colours(self) -> Ruleset:
        """This ruleset without the 不利气象条件应对 band (the colour warnings only)."""
        return dataclasses.replace(self, levels=tuple(r for r in self.levels if r.level.colour))

    def response_for(self, level: AlertLevel) -> str | None:
        for rule in self.levels:
            if rule.level is level:
                return rule.response
        return None

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Ruleset:
        """Build a ruleset from parsed TOML; errors name ``source`` and the key."""
        where = "?"
        try:
            levels = []
            for key, spec in data["levels"].items():
                where = f"levels.{key}"
                level = AlertLevel(key)
                levels.append(
                    LevelRule(
                        level=level,
                        # the band below the colours is no emergency response: it has no grade
                        response=str(spec["response"]) if level.colour else "",
                        clauses=tuple(Clause.parse(str(c)) for c in spec["when"]),
                    )
                )
            levels.sort(key=lambda r: r.level.rank, reverse=True)
            where = "so2_triggers"
            so2 = data.get("so2_triggers", {})
            triggers: tuple[So2Trigger, ...] = ()
            if so2.get("enabled", False):
                triggers = tuple(
                    sorted(
                        (
                            So2Trigger(level=AlertLevel(k), above=float(v))
                            for k, v in so2["above"].items()
                        ),
                        key=lambda t: t.level.rank,
                        reverse=True,
                    )
                )
            where = "advisory"
            advisory = data["advisory"]
            where = "top level"
            return cls(
                id=str(data["id"]),
                title=str(data["title"]),
                document=str(data["document"]),
                effective_from=parse_date(data["effective_from"]),
                effective_to=parse_date(data["effective_to"]) if "effective_to" in data else None,
                counting=Counting(data["counting"]),
                merge_gap_hours=int(data["merge_gap_hours"]),
                lift_hold_hours=int(data["lift"]["hold_hours"]),
                levels=tuple(levels),
                advisory_pollutants=frozenset(Pollutant(p) for p in advisory["primary_pollutants"]),
                dust_min_hours=int(advisory["dust_min_hours"]),
                so2_triggers=triggers,
                source=source,
            )
        except KeyError as exc:
            raise ConfigInvalid(f"{source}: {where}: missing key {exc.args[0]!r}") from exc
        except (TypeError, ValueError) as exc:
            raise ConfigInvalid(f"{source}: {where}: {exc}") from exc


def select_ruleset(rulesets: Iterable[Ruleset], ruleset_id: str) -> Ruleset:
    pool = tuple(rulesets)
    for r in pool:
        if r.id == ruleset_id:
            return r
    known = ", ".join(sorted(r.id for r in pool))
    raise RulesetNotFound(f"未知的预警规则“{ruleset_id}”（可用：{known}）")


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyWindow:
    """The AQI of one 24 h window (a calendar day, or the 24 h from ``start``).

    ``aqi`` is ``None`` where the data were insufficient; ``primary_pollutants`` may be empty when
    the source gave an AQI only; ``dust_hours`` counts hours flagged as sand-dust (沙尘).
    """

    start: dt.datetime
    aqi: int | None
    primary_pollutants: tuple[Pollutant, ...] = ()
    dust_hours: int = 0
    # ``start`` + 24 h, kept: the decision engine reads it for every window it chains
    end: dt.datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("window start must be timezone-aware")
        if self.aqi is not None and self.aqi < 0:
            raise ValueError("AQI must be ≥ 0")
        object.__setattr__(self, "end", self.start + _DAY)


@dataclass(frozen=True, slots=True, kw_only=True)
class AqiSeries:
    """Daily windows in time order: calendar days (``step_hours=24``) or rolling (``step_hours=1``).

    A rolling series is contiguous (one window per hour). Days may have gaps (missing days).
    """

    step_hours: int
    windows: tuple[DailyWindow, ...]

    def __post_init__(self) -> None:
        if self.step_hours not in (1, 24):
            raise ValueError("step_hours must be 1 (rolling) or 24 (days)")
        step = dt.timedelta(hours=self.step_hours)
        for a, b in itertools.pairwise(self.windows):
            gap = b.start - a.start
            if self.step_hours == 1 and gap != step:
                raise ValueError(
                    f"rolling windows must be hourly and contiguous at {b.start.isoformat()}"
                )
            if self.step_hours == 24 and (gap < step or gap % step):
                raise ValueError(f"daily windows must be whole days apart at {b.start.isoformat()}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionalHint:
    """区域预警提示: the province or ministry asks for at least ``level`` in ``[start, end)``."""

    level: AlertLevel
    start: dt.datetime
    end: dt.datetime
    issuer: str = ""
    document: str = ""
    area: str = ""
    measures: tuple[str, ...] = ()  # what it adds (a 调度令's 驻厂监管 …), into the notices
    counties: tuple[str, ...] = ()  # the counties it binds (empty: the whole city)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("hint times must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("hint must end after it starts")


@dataclass(frozen=True, slots=True, kw_only=True)
class So2Reading:
    """A monitored SO2 1 h concentration (µg/m³) for the hour starting ``at``."""

    at: dt.datetime
    value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceStep:
    """One step of a decision's reasoning: a stable code, a Chinese sentence, the values used."""

    code: str
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What :func:`orchestrator.alerts.decide` concluded, and why."""

    ruleset_id: str
    level: AlertLevel | None
    response: str | None
    episode_start: dt.datetime | None
    episode_end: dt.datetime | None
    advisory_only: bool
    lift_due: bool | None  # None when no active alert was given
    windows: tuple[DailyWindow, ...]  # the windows that decided (one phase)
    trace: tuple[TraceStep, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(step.message for step in self.trace)
