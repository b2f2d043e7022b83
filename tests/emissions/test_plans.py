"""Dispatch plans from the sample list: selection by grade and category, totals, differences."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest

from orchestrator.alerts.model import AlertLevel
from orchestrator.bootstrap.config_files import load_city, load_measure_book
from orchestrator.emissions.model import ControlCategory, Grade, MeasureKind
from orchestrator.emissions.parse import parse_list
from orchestrator.emissions.plans import (
    Change,
    PlanMode,
    diff_plans,
    enterprise_record,
    entry_from_record,
    entry_record,
    level_record,
    plan_for,
)
from orchestrator.emissions.targets import check_targets
from orchestrator.emissions.workbook import read_workbook
from tests.support.base import CONFIG, ROOT

CITY = load_city(CONFIG)
SAMPLE = parse_list(
    "sample",
    read_workbook(ROOT / "emission_lists" / "sample_list.xlsx"),
    counties=CITY.counties,
    book=load_measure_book(CONFIG),
).emission_list


@pytest.mark.parametrize("level", [AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED])
def test_every_enterprise_gets_one_entry_and_the_totals_match_the_list(level):
    plan = plan_for(SAMPLE, level)
    assert len(plan.entries) == len(SAMPLE.enterprises)
    assert plan.reduction.nox == pytest.approx(
        SAMPLE.reduction(level).nox - _autonomous(level).nox, abs=1e-6
    )
    # the plan meets the same targets as the list check
    assert all(c.met for c in check_targets(SAMPLE, CITY, (level,)))


def _autonomous(level):
    from orchestrator.emissions.model import ZERO

    total = ZERO
    for e in SAMPLE.enterprises:
        if e.grade.autonomous and e.category is not ControlCategory.LONG_STOPPED:
            total = total + e.reduction(level)
    return total


def test_modes_follow_grade_and_category():
    plan = plan_for(SAMPLE, AlertLevel.ORANGE)
    by_uscc = {e.uscc: e for e in SAMPLE.enterprises}
    for entry in plan.entries:
        e = by_uscc[entry.uscc]
        if e.category is ControlCategory.LONG_STOPPED:
            assert entry.mode is PlanMode.LONG_STOPPED
        elif e.grade in (Grade.A_PLUS, Grade.A, Grade.LEADING):
            assert entry.mode is PlanMode.AUTONOMOUS
            assert entry.reduction.nox == 0
        elif e.category in (
            ControlCategory.LIVELIHOOD,
            ControlCategory.HEAT_LED,
            ControlCategory.ORDER_LED,
        ):
            assert entry.mode is PlanMode.LOAD_CAP
        else:
            assert entry.mode is PlanMode.LIST
    modes = Counter(e.mode for e in plan.entries)
    assert set(modes) == set(PlanMode)


def test_d_grade_list_enterprises_stop_at_every_level():
    for level in (AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED):
        for entry in plan_for(SAMPLE, level).entries:
            if entry.grade == "D" and entry.mode is PlanMode.LIST:
                assert all(
                    ln.measure and ln.measure.kind is MeasureKind.STOP for ln in entry.lines
                ), entry.name


def test_upgrade_downgrade_and_lift_differences():
    yellow, orange, red = (
        plan_for(SAMPLE, lv) for lv in (AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED)
    )
    up = {c.uscc: c for c in diff_plans(yellow.entries, orange.entries)}
    # a B enterprise of a limit industry goes from 10 % to 30 %: must do more
    b_list = next(
        e
        for e in orange.entries
        if e.grade == "B"
        and e.mode is PlanMode.LIST
        and e.lines[0].measure.kind is MeasureKind.LIMIT
    )
    assert up[b_list.uscc].change is Change.MORE
    assert up[b_list.uscc].details
    # autonomous and stopped enterprises do not change
    auto = next(e for e in orange.entries if e.mode is PlanMode.AUTONOMOUS)
    assert up[auto.uscc].change is Change.SAME
    down = {c.uscc: c for c in diff_plans(red.entries, orange.entries)}
    assert down[b_list.uscc].change is Change.LESS
    lift = diff_plans(orange.entries, None)
    assert {c.change for c in lift} == {Change.RESUME}
    assert len(lift) == len(orange.entries)
    first = diff_plans(None, orange.entries)
    assert {c.change for c in first} == {Change.NEW}


def test_a_plan_record_is_the_plan_entry_field_for_field_and_reads_back_equal():
    for level in (AlertLevel.YELLOW, AlertLevel.RED):
        for e in plan_for(SAMPLE, level).entries:
            stored = json.loads(json.dumps(entry_record(e)))  # as the database keeps it
            # enums become their values, tuples lists: nothing else differs
            assert stored == json.loads(json.dumps(dataclasses.asdict(e)))
            assert entry_from_record(stored) == e


def test_one_record_per_enterprise_holds_every_levels_plan_entry():
    levels = (AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED)
    plans = {lv: {e.uscc: e for e in plan_for(SAMPLE, lv).entries} for lv in levels}
    for ent in SAMPLE.enterprises:
        stored = json.loads(json.dumps(enterprise_record(ent, levels)))
        for lv in levels:
            assert level_record(stored, lv) == json.loads(
                json.dumps(entry_record(plans[lv][ent.uscc]))
            )
