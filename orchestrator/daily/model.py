"""每日调度 as values (pure): the daily reports enterprises and units owe each day an alert is in
force, who owes one on a day, and the office's roll-up of them (应急管控工作日报) by county,
township and unit.

A report is one per alert, reporter and day: reporting again replaces it (the newest stands),
from whichever door it came (the signed page, the console, the API).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from orchestrator.errors import InputInvalid


class Reporter(StrEnum):
    ENTERPRISE = "enterprise"  # line by line: its plan's measures
    UNIT = "unit"  # duty by duty, with the figures the matrix asks for

    @property
    def label(self) -> str:
        return {"enterprise": "企业", "unit": "单位"}[self.value]


class Via(StrEnum):
    PAGE = "page"  # the signed page behind its link
    CONSOLE = "console"  # entered by the office for it
    API = "api"

    @property
    def label(self) -> str:
        return {"page": "签收页面", "console": "指挥平台代报", "api": "接口"}[self.value]


class ReportInvalid(InputInvalid):
    """A daily report that cannot be taken (message in Chinese, naming the item)."""


class Owed(NamedTuple):
    """One item a reporter owes a line on: a production line's measure, or a unit's duty. (A
    named tuple: a large city's day has hundreds of thousands.)"""

    key: str  # line name, or the duty's text
    text: str  # the measure, or the duty's 完成标准
    figure: str = ""  # the figure to report (a unit's duty: 停止施工工地数（处）); "" none


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """Who owes a report on a day, and on what."""

    code: str  # USCC, or a unit's code
    name: str
    reporter: Reporter
    county: str
    town: str = ""
    group: str = ""  # a unit's kind (成员单位, 县（市、区）, 乡镇（街道）)
    owed: tuple[Owed, ...] = ()
    contact: str = ""
    phone: str = ""


class Item(NamedTuple):
    """One item of a report (a named tuple: a day's roll-up reads hundreds of thousands)."""

    key: str
    done: bool
    note: str = ""
    figure: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyReport:
    alert_id: int
    day: dt.date
    code: str
    reporter: Reporter
    revision_id: int  # the revision in force when it was due
    items: tuple[Item, ...]
    note: str
    reported_at: dt.datetime
    by: str
    via: Via

    @property
    def complete(self) -> bool:
        return all(i.done for i in self.items)


@dataclass(frozen=True, slots=True)
class Filed:
    """A report as the roll-up counts it: when, how many items and how many done, and its
    items only where they matter (a unit's figures, an item not done): most reports of a
    large city's day are an enterprise's, every line done, and are counted without them."""

    reported_at: dt.datetime
    items: int
    done: int
    detail: tuple[Item, ...] = ()
    note: str = ""  # the report's own note, where its items are read


def due_at(day: dt.date, report_by: dt.time, zone: ZoneInfo) -> dt.datetime:
    """When the day's reports are due (the matrix's ``report_by``, local)."""
    return dt.datetime.combine(day, report_by, tzinfo=zone)


def checked_items(
    owed: Sequence[Owed], done: Sequence[bool], notes: Sequence[str], figures: Sequence[str]
) -> tuple[Item, ...]:
    """The items of a report as given item by item, checked: one per owed item, a reason where
    it is not done, a figure (a whole number ≥ 0) where one is owed."""
    if not (len(done) == len(notes) == len(figures) == len(owed)):
        raise ReportInvalid("日报应逐项填写本单位的每项措施或任务。")
    out = []
    for i, (o, d, n, f) in enumerate(zip(owed, done, notes, figures, strict=True), start=1):
        n = n.strip()
        if len(n) > 500:
            raise ReportInvalid(f"第{i}项（{o.key}）：说明不超过500字。")
        if not d and not n:
            raise ReportInvalid(f"第{i}项（{o.key}）：未落实的须说明原因。")
        figure: float | None = None
        f = f.strip()
        if o.figure:
            if not f:
                raise ReportInvalid(f"第{i}项（{o.key}）：请填写{o.figure}。")
            try:
                figure = float(f)
            except ValueError:
                raise ReportInvalid(
                    f"第{i}项（{o.key}）：{o.figure}应为数字，收到“{f}”。"
                ) from None
            if figure < 0 or figure != int(figure) or figure > 10_000_000:
                raise ReportInvalid(f"第{i}项（{o.key}）：{o.figure}应为不小于0的整数。")
        elif f:
            raise ReportInvalid(f"第{i}项（{o.key}）：本项无须报送数字。")
        out.append(Item(key=o.key, done=bool(d), note=n, figure=figure))
    return tuple(out)


# --- the roll-up ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    """Counts over a group of reporters (a county, a township, the member units, the city)."""

    place: str
    expected: int = 0
    reported: int = 0
    late: int = 0  # reported after the due time
    items: int = 0  # items reported on
    done: int = 0  # of them done
    complete: int = 0  # reporters whose every item is done
    figures: tuple[tuple[str, float], ...] = ()  # (figure, sum) in the order first met

    @property
    def missing(self) -> int:
        return self.expected - self.reported


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """An item reported not done, with its reason."""

    name: str
    place: str
    key: str
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Missing:
    code: str
    name: str
    reporter: Reporter
    place: str
    contact: str
    phone: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitLine:
    """A member unit's line of the roll-up: whether it reported and its figures."""

    name: str
    reported: bool
    done: int
    items: int
    figures: tuple[tuple[str, float], ...]
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RollUp:
    """应急管控工作日报 of one alert and day."""

    alert_id: int
    day: dt.date
    due: dt.datetime
    as_of: dt.datetime
    city: Tally
    enterprises: Tally
    units: Tally
    counties: tuple[Tally, ...]
    townships: tuple[Tally, ...]
    members: tuple[UnitLine, ...]
    problems: tuple[Problem, ...]
    missing: tuple[Missing, ...]
    revision_id: int = 0
    document_number: str = ""
    level: str = ""
    facts: Mapping[str, str] = field(default_factory=dict)


def _tally_dict(t: Tally) -> dict[str, object]:
    return {
        "place": t.place,
        "expected": t.expected,
        "reported": t.reported,
        "missing": t.missing,
        "late": t.late,
        "items": t.items,
        "done": t.done,
        "complete": t.complete,
        "figures": dict(t.figures),
    }


def roll_up_dict(r: RollUp) -> dict[str, object]:
    """The roll-up as JSON (``orchestrator daily --json``, the API)."""
    return {
        "alert_id": r.alert_id,
        "day": r.day.isoformat(),
        "due": r.due.isoformat(),
        "as_of": r.as_of.isoformat(),
        "revision_id": r.revision_id,
        "document_number": r.document_number,
        "level": r.level,
        "city": _tally_dict(r.city),
        "enterprises": _tally_dict(r.enterprises),
        "units": _tally_dict(r.units),
        "counties": [_tally_dict(t) for t in r.counties],
        "townships": [_tally_dict(t) for t in r.townships],
        "members": [
            {
                "name": m.name,
                "reported": m.reported,
                "done": m.done,
                "items": m.items,
                "figures": dict(m.figures),
                "note": m.note,
            }
            for m in r.members
        ],
        "problems": [
            {"name": p.name, "place": p.place, "item": p.key, "note": p.note} for p in r.problems
        ],
        "missing": [
            {
                "code": m.code,
                "name": m.name,
                "reporter": m.reporter.value,
                "place": m.place,
                "contact": m.contact,
                "phone": m.phone,
            }
            for m in r.missing
        ],
    }


def figure_labels(r: RollUp) -> tuple[str, ...]:
    """Every figure the roll-up has, in the order first met (the columns of its tables)."""
    seen: dict[str, None] = {}
    for t in (r.city, *r.counties, *r.townships):
        for k, _ in t.figures:
            seen.setdefault(k)
    for m in r.members:
        for k, _ in m.figures:
            seen.setdefault(k)
    return tuple(seen)


class _One:
    """One reporter's contribution to the counts, worked out once (it is added to the city,
    its kind, its county and its township)."""

    __slots__ = ("complete", "done", "figures", "items", "late", "reported")

    def __init__(self, e: Expected, r: Filed | None, due: dt.datetime) -> None:
        self.reported = r is not None
        self.figures: tuple[tuple[str, float], ...] = ()
        if r is None:
            self.late = self.items = self.done = self.complete = 0
            return
        self.late = int(r.reported_at > due)
        self.items = r.items
        self.done = r.done
        self.complete = int(self.done == self.items)
        if any(o.figure for o in e.owed):  # only units owe figures
            labels = {o.key: o.figure for o in e.owed}
            self.figures = tuple(
                (labels[i.key], i.figure)
                for i in r.detail
                if labels.get(i.key) and i.figure is not None
            )


class _Acc:
    __slots__ = ("complete", "done", "expected", "figures", "items", "late", "reported")

    def __init__(self) -> None:
        self.expected = self.reported = self.late = self.items = self.done = self.complete = 0
        self.figures: dict[str, float] = {}

    def add(self, one: _One) -> None:
        self.expected += 1
        if not one.reported:
            return
        self.reported += 1
        self.late += one.late
        self.items += one.items
        self.done += one.done
        self.complete += one.complete
        for label, value in one.figures:
            self.figures[label] = self.figures.get(label, 0.0) + value

    def tally(self, place: str) -> Tally:
        return Tally(place=place, expected=self.expected, reported=self.reported, late=self.late,
                     items=self.items, done=self.done, complete=self.complete,
                     figures=tuple(self.figures.items()))  # fmt: skip


def roll_up(
    expected: Iterable[Expected],
    reports: Mapping[str, Filed],
    *,
    alert_id: int,
    day: dt.date,
    due: dt.datetime,
    as_of: dt.datetime,
) -> RollUp:
    """Who reported what, counted by county, township and member unit; the problems reported
    and who is missing (as of ``as_of``)."""
    city, firms, units = _Acc(), _Acc(), _Acc()
    counties: dict[str, _Acc] = {}
    towns: dict[str, _Acc] = {}
    members: list[UnitLine] = []
    problems: list[Problem] = []
    missing: list[Missing] = []
    for e in expected:
        r = reports.get(e.code)
        place = f"{e.county}{e.town}"
        one = _One(e, r, due)
        city.add(one)
        (firms if e.reporter is Reporter.ENTERPRISE else units).add(one)
        if e.reporter is Reporter.UNIT and not e.county:  # a member unit of the city
            own = _Acc()
            own.add(one)
            members.append(
                UnitLine(
                    name=e.name,
                    reported=r is not None,
                    done=own.done,
                    items=own.items,
                    figures=tuple(own.figures.items()),
                    note=r.note if r else "",
                )
            )
        else:
            counties.setdefault(e.county, _Acc()).add(one)
            if e.town:
                towns.setdefault(place, _Acc()).add(one)
        if r is None:
            missing.append(
                Missing(
                    code=e.code,
                    name=e.name,
                    reporter=e.reporter,
                    place=place or e.group,
                    contact=e.contact,
                    phone=e.phone,
                )
            )
            continue
        if r.done < r.items:
            problems += (
                Problem(name=e.name, place=place or e.group, key=i.key, note=i.note)
                for i in r.detail
                if not i.done
            )
    return RollUp(
        alert_id=alert_id,
        day=day,
        due=due,
        as_of=as_of,
        city=city.tally("全市"),
        enterprises=firms.tally("清单企业"),
        units=units.tally("成员单位和县乡"),
        counties=tuple(a.tally(k) for k, a in sorted(counties.items())),
        townships=tuple(a.tally(k) for k, a in sorted(towns.items())),
        members=tuple(members),
        problems=tuple(problems),
        missing=tuple(missing),
    )
