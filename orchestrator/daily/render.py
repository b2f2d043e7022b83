"""The daily roll-up as a page (HTML, printed to PDF by WeasyPrint): ``reports/daily.html``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.daily.model import (
    DailyReport,
    Expected,
    RollUp,
    figure_labels,
    roll_up_dict,
)
from orchestrator.notices.contexts import cn_time

#: Problems and missing reporters the page lists (the workbook has all).
SHOWN = 200


def report_context(r: RollUp, zone: ZoneInfo) -> dict[str, Any]:
    d = roll_up_dict(r)
    d["day_cn"] = f"{r.day.year}年{r.day.month}月{r.day.day}日"
    d["as_of_cn"] = cn_time(r.as_of, zone)
    d["due_cn"] = cn_time(r.due, zone)
    return d


def owed_form(owes: Expected, got: DailyReport | None) -> list[dict[str, Any]]:
    """The items of a report form (the unit's page, the console's 代报): each owed item with
    what was reported on it, if anything."""
    items = {i.key: i for i in got.items} if got is not None else {}
    out = []
    for o in owes.owed:
        i = items.get(o.key)
        out.append(
            {
                "key": o.key,
                "text": o.text,
                "figure": o.figure,
                "done": i.done if i is not None else None,
                "note": i.note if i is not None else "",
                "value": f"{i.figure:g}" if i is not None and i.figure is not None else "",
            }
        )
    return out


def roll_up_html(
    env: Environment, r: RollUp, *, office: str, region_name: str, zone: ZoneInfo
) -> str:
    return env.get_template("reports/daily.html").render(
        d=report_context(r, zone),
        labels=figure_labels(r),
        office=office,
        region_name=region_name,
        shown=SHOWN,
    )
