"""创A升B (pure): who is below the city's grade targets and how long is left, who has stayed
below the phase-out line for years, and what an upgrade would lift.

The targets are dated configuration (``config/grading.toml``): industries, a minimum grade and a
deadline each. An enterprise is held to every target whose industries include one of its lines'
(``*key``: every key industry of the measure tables); of several it falls short of, the report
names the latest deadline already passed (overdue), else the nearest ahead. What an upgrade lifts
is the difference between its measures now and under the target grade
(:func:`~orchestrator.emissions.grades.regrade`): the reduction it would no longer owe at each
level (kg/d) and the production line-days it would no longer stop over a season with as many
alert days as the last one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.emissions.grades import GradeStep, RegradeRefused, regrade
from orchestrator.emissions.measures import MeasureBook
from orchestrator.emissions.model import (
    Amounts,
    EmissionList,
    Enterprise,
    Grade,
    MeasureKind,
    Species,
)
from orchestrator.errors import ConfigInvalid

KEY = "*key"


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeTarget:
    name: str
    industries: tuple[str, ...]
    minimum: Grade
    deadline: dt.date
    basis: str = ""

    def covers(self, e: Enterprise, book: MeasureBook) -> bool:
        return any(
            i in self.industries or (KEY in self.industries and book.is_key_industry(i))
            for i in e.industries
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class GradingConfig:
    targets: tuple[GradeTarget, ...]
    season: tuple[tuple[int, int], tuple[int, int]] = ((10, 1), (3, 31))
    eliminate_below: Grade = Grade.B
    eliminate_years: int = 2

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> GradingConfig:
        unknown = set(data) - {"targets", "season", "eliminate_below", "eliminate_years"}
        if unknown:
            raise ConfigInvalid(f"{source}: {sorted(unknown)[0]}: unknown key")

        def grade(value: object, where: str) -> Grade:
            try:
                return Grade(str(value))
            except ValueError:
                raise ConfigInvalid(f"{source}: {where}: unknown grade {value!r}") from None

        targets = []
        for i, t in enumerate(data.get("targets", [])):
            where = f"targets[{i}]"
            try:
                deadline = t["deadline"]
                if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
                    raise ConfigInvalid(f"{source}: {where}.deadline: a date (YYYY-MM-DD)")
                targets.append(
                    GradeTarget(
                        name=str(t["name"]),
                        industries=tuple(str(x) for x in t["industries"]),
                        minimum=grade(t["minimum"], f"{where}.minimum"),
                        deadline=deadline,
                        basis=str(t.get("basis", "")),
                    )
                )
            except KeyError as exc:
                raise ConfigInvalid(f"{source}: {where}: {exc.args[0]} is missing") from None
        try:
            (m0, d0), (m1, d1) = (
                tuple(int(x) for x in str(v).split("-"))
                for v in data.get("season", ["10-01", "03-31"])
            )
            season = ((m0, d0), (m1, d1))
            dt.date(2001, m0, d0), dt.date(2001, m1, d1)
        except ValueError:
            raise ConfigInvalid(f"{source}: season: two MM-DD dates") from None
        years = int(data.get("eliminate_years", 2))
        if years < 1:
            raise ConfigInvalid(f"{source}: eliminate_years: at least 1")
        return cls(
            targets=tuple(targets),
            season=season,
            eliminate_below=grade(data.get("eliminate_below", "B"), "eliminate_below"),
            eliminate_years=years,
        )

    def last_season(self, on: dt.date) -> tuple[dt.date, dt.date]:
        """The last whole season before ``on`` (10-01 to 03-31: the winter that ended)."""
        (m0, d0), (m1, d1) = self.season
        end = dt.date(on.year, m1, d1)
        if end >= on:
            end = dt.date(on.year - 1, m1, d1)
        start = dt.date(end.year if (m0, d0) <= (m1, d1) else end.year - 1, m0, d0)
        return start, end


@dataclass(frozen=True, slots=True, kw_only=True)
class Laggard:
    """An enterprise below a target."""

    uscc: str
    name: str
    county: str
    industries: tuple[str, ...]
    grade: Grade
    target: GradeTarget
    days_left: int  # negative: the deadline has passed
    lifted: dict[AlertLevel, Amounts]  # reduction it would no longer owe under the target grade
    line_days: float  # production line-days of stopping it would no longer lose a season
    below_since: dt.date | None  # below the phase-out line continuously since
    eliminate: bool
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UpgradeReport:
    on: dt.date
    list_revision: int
    season: tuple[dt.date, dt.date]
    alert_days: dict[AlertLevel, float]
    laggards: tuple[Laggard, ...]
    enterprises: int  # held to some target
    met: int  # of them, at or above every target due

    def overdue(self) -> list[Laggard]:
        return [x for x in self.laggards if x.days_left < 0]


def _stopped(e: Enterprise, level: AlertLevel) -> int:
    return sum(
        1 for ln in e.lines if (m := ln.measure(level)) is not None and m.kind is MeasureKind.STOP
    )


def _below_since(steps: Sequence[GradeStep], line: Grade, on: dt.date) -> dt.date | None:
    """Since when the grade has stayed below ``line`` up to ``on`` (None: it is not below)."""
    since: dt.date | None = None
    for s in steps:
        if s.effective_from > on:
            break
        since = (since or s.effective_from) if s.grade.rank < line.rank else None
    return since


def upgrade_report(
    lst: EmissionList,
    *,
    number: int,
    on: dt.date,
    config: GradingConfig,
    book: MeasureBook,
    history: Mapping[str, Sequence[GradeStep]],
    alert_days: Mapping[AlertLevel, float],
) -> UpgradeReport:
    """Every enterprise of ``lst`` below a target on ``on``; ``history``: each one's grade steps
    (list revisions and decisions); ``alert_days``: days at each level in the last season."""
    laggards: list[Laggard] = []
    held = met = 0
    years = config.eliminate_years
    for e in lst.enterprises:
        targets = [t for t in config.targets if t.covers(e, book)]
        if not targets:
            continue
        held += 1
        below = [t for t in targets if e.grade.rank < t.minimum.rank]
        if not below:
            met += 1
            continue
        passed = [t for t in below if t.deadline < on]
        target = (
            max(passed, key=lambda t: t.deadline)
            if passed
            else min(below, key=lambda t: t.deadline)
        )
        note = ""
        try:
            upgraded, _ = regrade(e, target.minimum, book)
            lifted = {lv: _less(e.reduction(lv), upgraded.reduction(lv)) for lv in ALERT_LEVELS}
            line_days = sum(
                alert_days.get(lv, 0.0) * (_stopped(e, lv) - _stopped(upgraded, lv))
                for lv in ALERT_LEVELS
            )
        except RegradeRefused:
            lifted, line_days, note = {}, 0.0, "无行业措施表，升级后措施待定"
        since = _below_since(history.get(e.uscc, ()), config.eliminate_below, on)
        eliminate = since is not None and since <= _years_before(on, years)
        laggards.append(
            Laggard(
                uscc=e.uscc,
                name=e.name,
                county=e.county,
                industries=e.industries,
                grade=e.grade,
                target=target,
                days_left=(target.deadline - on).days,
                lifted=lifted,
                line_days=round(line_days, 1),
                below_since=since,
                eliminate=eliminate,
                note=note,
            )
        )
    laggards.sort(key=lambda x: (not x.eliminate, x.days_left, x.county, x.uscc))
    season = config.last_season(on)
    return UpgradeReport(
        on=on,
        list_revision=number,
        season=season,
        alert_days=dict(alert_days),
        laggards=tuple(laggards),
        enterprises=held,
        met=met,
    )


def _less(a: Amounts, b: Amounts) -> Amounts:
    """What ``a`` owes beyond ``b``, pollutant by pollutant (never below nothing)."""
    return Amounts(**{s.value: max(0.0, round(a.get(s) - b.get(s), 3)) for s in Species})


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)
