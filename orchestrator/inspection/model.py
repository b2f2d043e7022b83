"""Inspection evidence and scores as values (pure): CEMS outlet readings, truck gate passages,
the facts of one enterprise's alert day, the reasons a score is made of, and the queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Pollutant(StrEnum):
    """What a CEMS outlet measures (在线监测: concentration in mg/m³, flow in m³/h)."""

    SO2 = "so2"
    NOX = "nox"
    PM = "pm"

    @property
    def label(self) -> str:
        return {"so2": "SO2", "nox": "NOx", "pm": "颗粒物"}[self.value]


@dataclass(frozen=True, slots=True)
class CemsReading:
    """One hour of one outlet's online monitoring for one pollutant."""

    uscc: str
    outlet: str  # 排放口 as the monitoring platform names it (DA001, 1#烧结机头)
    pollutant: Pollutant
    hour: dt.datetime  # the hour that starts then (UTC)
    concentration: float  # mg/m³ (折算浓度)
    flow: float  # m³/h (标干流量)

    @property
    def rate(self) -> float:
        """The emission rate, kg/h."""
        return self.concentration * self.flow / 1_000_000


@dataclass(frozen=True, slots=True)
class GatePassage:
    """A heavy truck recorded entering or leaving a site by its gate camera (门禁)."""

    uscc: str
    plate: str  # 号牌
    stage: str  # 排放阶段: 国三, 国四, 国五, 国六, 电动 …
    at: dt.datetime  # UTC


class Rule(StrEnum):
    """What can raise an enterprise's score on a day of an alert."""

    ELECTRICITY = "electricity_suspect"  # a stopped or limited line's electricity not down
    CEMS = "cems_not_falling"  # an outlet's emission rate not down against its baseline
    TRUCK = "banned_truck"  # a truck of a banned emission stage at its gate
    NO_REPORT = "no_report"  # no daily report for the day
    LATE_ACK = "late_acknowledgement"  # its order acknowledged late, or not at all

    @property
    def label(self) -> str:
        return _RULE_LABEL[self]


_RULE_LABEL = {
    Rule.ELECTRICITY: "用电异常",
    Rule.CEMS: "在线监测未下降",
    Rule.TRUCK: "违规车辆进出",
    Rule.NO_REPORT: "未报送落实情况",
    Rule.LATE_ACK: "未按时签收",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that fired, its points and what the evidence showed, in words."""

    rule: Rule
    points: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DayFacts:
    """What the product knows of one enterprise on one day of an alert."""

    uscc: str
    name: str
    county: str
    town: str = ""
    contact: str = ""
    phone: str = ""
    mode: str = ""  # its plan mode (measures, stopped, autonomous, long_stopped)
    lines: tuple[tuple[str, str], ...] = ()  # (line, measure text) at the level
    suspect_lines: tuple[tuple[str, str], ...] = ()  # (line, what the electricity showed)
    outlets: tuple[tuple[str, Pollutant, float, int], ...] = ()  # (outlet, pollutant, share, hours)
    banned_trucks: tuple[GatePassage, ...] = ()
    reported: bool = True
    acknowledged_at: dt.datetime | None = None
    deadline: dt.datetime | None = None  # of its acknowledgement


@dataclass(frozen=True, slots=True)
class Score:
    """An enterprise's compliance score for a day (0–100, higher: check first) and its reasons."""

    facts: DayFacts
    points: int
    reasons: tuple[Reason, ...]
    drawn: bool = False  # picked by the random share, not by its score

    @property
    def explanation(self) -> str:
        if not self.reasons:
            return "未发现异常" + ("（随机抽查）" if self.drawn else "")
        return "；".join(f"{r.rule.label}（+{r.points}）：{r.text}" for r in self.reasons)


@dataclass(frozen=True, slots=True)
class Queue:
    """The day's inspection queue: ranked by score, then the random share of each county."""

    alert_id: int
    day: dt.date
    entries: tuple[Score, ...] = field(default_factory=tuple)
    scored: int = 0  # enterprises scored
