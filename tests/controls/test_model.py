"""Recurring controls as values: the configuration read and checked, seasons (across the new
year), when a round is due, forecast thresholds, and who must do what by industry and grade."""

from __future__ import annotations

import datetime as dt
import tomllib
from typing import Any

import pytest

from orchestrator.bootstrap.config_files import load_controls
from orchestrator.controls.model import (
    EXEMPT,
    ForecastTrigger,
    choose,
    controls_from_mapping,
    forecast_period,
    standing_period,
    triggered,
)
from orchestrator.emissions.model import (
    Amounts,
    ControlCategory,
    Enterprise,
    Grade,
    Line,
)
from tests.support.base import CONFIG, ZONE


def definition(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "staggered",
        "name": "秋冬季错峰生产",
        "effective_from": dt.date(2025, 1, 1),
        "season": {"from": "11-15", "to": "03-15"},
        "industries": ["钢铁", "水泥熟料"],
        "notify": {"days_before": 5, "time": "09:00"},
        "grades": {"D": "stop", "C": "stagger", "default": "exempt"},
        "actions": {
            "stop": {"label": "停产", "text": "{period}错峰停产", "reduction": 1.0},
            "stagger": {"label": "错峰限产", "text": "{period}限产30%", "reduction": 0.3},
        },
    }
    base.update(over)
    return base


def controls(*defs: dict[str, Any]):
    return controls_from_mapping({"controls": list(defs)}, source="controls.toml")


def test_the_shipped_file_reads_and_defines_both_seasonal_controls():
    shipped = load_controls(CONFIG)
    ids = {c.id for c in shipped}
    assert {"ozone-vocs", "ozone-vocs-forecast", "staggered"} <= ids
    staggered = next(c for c in shipped if c.id == "staggered")
    # DOMAIN §8: Nov 15 – Mar 15, D stops, C staggers, A/B exempt
    assert (staggered.season_from.month, staggered.season_from.day) == (11, 15)
    assert staggered.action_of(Grade.D) == "stop"
    assert staggered.action_of(Grade.C) == "stagger"
    assert staggered.action_of(Grade.A) == EXEMPT
    assert staggered.action_of(Grade.B) == EXEMPT
    ozone = next(c for c in shipped if c.id == "ozone-vocs")
    assert ozone.window_text == "10:00至16:00"
    assert ozone.emitting is not None
    assert ozone.emitting.value == "vocs"
    forecast = next(c for c in shipped if c.id == "ozone-vocs-forecast")
    assert forecast.forecast == ForecastTrigger(t_max=25.0, o3_8h=160.0, check_time=dt.time(16))
    assert not forecast.enabled


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"trigger": "weekly"}, "controls[0].trigger: must be one of standing, forecast"),
        ({"season": {"from": "13-01", "to": "03-15"}}, "controls[0].season.from: must be MM-DD"),
        ({"grades": {"E": "stop"}}, "controls[0].grades: unknown grade 'E'"),
        ({"grades": {"D": "halt"}}, "controls[0].grades.D: no action 'halt'"),
        ({"window": {"from": "16:00", "to": "10:00"}}, "controls[0].window: from must be before"),
        ({"industries": []}, "controls[0].industries: required"),
        ({"only_emitting": "dust"}, "controls[0].only_emitting: must be one of"),
        ({"trigger": "forecast", "forecast": {"check_time": "16:00"}}, "give t_max, o3_8h"),
        (
            {
                "actions": {
                    "stop": {"text": "{start}停产", "reduction": 1},
                    "stagger": {"text": "x", "reduction": 0.3},
                }
            },
            "controls[0].actions.stop: only {window} and {period}",
        ),
        (
            {"actions": {"stop": {"text": "停产"}, "stagger": {"text": "x", "reduction": 0.3}}},
            "controls[0].actions.stop.reduction: required, a share from 0 to 1",
        ),
        (
            {"actions": {"stop": {"text": "停产", "reduction": 30}, "stagger": "x"}},
            "controls[0].actions.stop.reduction: required, a share from 0 to 1",
        ),
        (
            {"actions": {"stop": {"text": "停产", "reduction": True}, "stagger": "x"}},
            "got True",
        ),
    ],
)
def test_configuration_errors_name_the_place(over, message):
    with pytest.raises(ValueError, match=r"controls\.toml: ") as info:
        controls(definition(**over))
    assert message in str(info.value)


def test_definitions_of_one_control_may_not_overlap_in_time():
    first = definition(effective_to=dt.date(2026, 6, 30))
    second = definition(effective_from=dt.date(2026, 6, 1))
    with pytest.raises(ValueError, match="overlaps the one from 2026-06-01"):
        controls(first, second)


def test_a_season_crossing_the_new_year():
    (c,) = controls(definition())
    season = c.season(2026)
    assert (season.first, season.last) == (dt.date(2026, 11, 15), dt.date(2027, 3, 15))
    assert c.season_of(dt.date(2027, 1, 10)) == season
    assert c.season_of(dt.date(2027, 3, 16)) is None
    assert c.season_of(dt.date(2026, 11, 14)) is None
    assert season.label == "2026年11月15日至2027年3月15日"


def test_a_standing_round_is_announced_from_its_notify_day_to_the_end_of_the_season():
    defs = controls(definition())
    assert standing_period(defs, "staggered", dt.date(2026, 11, 9), ZONE) is None
    for day in (dt.date(2026, 11, 10), dt.date(2026, 12, 1), dt.date(2027, 3, 15)):
        found = standing_period(defs, "staggered", day, ZONE)
        assert found is not None
        _, period = found
        assert period.first == dt.date(2026, 11, 15)
        assert period.start == dt.datetime(2026, 11, 15, tzinfo=ZONE)
        assert period.end == dt.datetime(2027, 3, 16, tzinfo=ZONE)
    assert standing_period(defs, "staggered", dt.date(2027, 3, 16), ZONE) is None
    assert standing_period(defs, "unknown", dt.date(2026, 12, 1), ZONE) is None


def test_a_season_uses_the_definition_in_force_on_its_first_day():
    old = definition(effective_to=dt.date(2026, 6, 30))
    new = definition(
        effective_from=dt.date(2026, 7, 1),
        season={"from": "11-01", "to": "03-31"},
        grades={"D": "stop", "C": "stop", "default": "exempt"},
    )
    defs = controls(old, new)
    winter_2025 = standing_period(defs, "staggered", dt.date(2026, 1, 5), ZONE)
    assert winter_2025 is not None
    assert winter_2025[1].first == dt.date(2025, 11, 15)
    assert winter_2025[0].action_of(Grade.C) == "stagger"
    winter_2026 = standing_period(defs, "staggered", dt.date(2026, 10, 28), ZONE)
    assert winter_2026 is not None
    assert (winter_2026[1].first, winter_2026[1].last) == (
        dt.date(2026, 11, 1),
        dt.date(2027, 3, 31),
    )
    assert winter_2026[0].action_of(Grade.C) == "stop"


def test_a_disabled_control_is_never_due():
    defs = controls(definition(enabled=False))
    assert standing_period(defs, "staggered", dt.date(2026, 12, 1), ZONE) is None


def test_a_forecast_control_checks_the_next_day_within_its_season():
    defs = controls(
        definition(
            id="ozone",
            season={"from": "05-01", "to": "09-30"},
            trigger="forecast",
            forecast={"t_max": 25, "o3_8h": 160, "check_time": "16:00"},
        )
    )
    found = forecast_period(defs, "ozone", dt.date(2026, 6, 10), ZONE)
    assert found is not None
    assert (found[1].first, found[1].last) == (dt.date(2026, 6, 11), dt.date(2026, 6, 11))
    assert found[1].label == "2026年6月11日"
    assert forecast_period(defs, "ozone", dt.date(2026, 9, 30), ZONE) is None  # 1 Oct: out
    assert forecast_period(defs, "ozone", dt.date(2026, 4, 30), ZONE) is not None  # 1 May: in


@pytest.mark.parametrize(
    ("t_max", "o3", "met", "reason"),
    [
        (27.0, 180.0, True, "日最高气温27℃≥25℃，臭氧8小时浓度180微克/立方米≥160微克/立方米"),
        (24.5, 180.0, False, "日最高气温24.5℃<25℃"),
        (30.0, 159.0, False, "臭氧8小时浓度159微克/立方米<160微克/立方米"),
        (25.0, 160.0, True, "日最高气温25℃≥25℃"),
        (None, 200.0, False, "预报未提供日最高气温"),
    ],
)
def test_forecast_thresholds(t_max, o3, met, reason):
    trigger = ForecastTrigger(t_max=25.0, o3_8h=160.0, check_time=dt.time(16))
    got, why = triggered(trigger, t_max, o3)
    assert got is met
    assert reason in why


def _line(name: str, industry: str, vocs: float = 0.0) -> Line:
    return Line(
        name=name,
        industry=industry,
        declared_grade=Grade.C,
        baseline=Amounts(so2=1.0, nox=1.0, pm=1.0, vocs=vocs),
        measures=(),
        check_method="分表计电",
        meter_no=f"M-{name}",
    )


def _firm(uscc: str, grade: Grade, *lines: Line) -> Enterprise:
    return Enterprise(
        uscc=uscc,
        name=f"企业{uscc[-2:]}",
        county="城东区",
        town="",
        category=ControlCategory.PERFORMANCE,
        grade=grade,
        permit_no="",
        lines=lines,
        phone="13900000000",
    )


def test_enterprises_are_chosen_by_the_industry_of_their_lines_and_their_grade():
    (c,) = controls(definition())
    found = standing_period((c,), "staggered", dt.date(2026, 12, 1), ZONE)
    assert found is not None
    period = found[1]
    firms = [
        _firm("A1", Grade.D, _line("烧结", "钢铁"), _line("食堂锅炉", "其他")),
        _firm("A2", Grade.C, _line("窑1", "水泥熟料")),
        _firm("A3", Grade.A, _line("窑1", "水泥熟料")),
        _firm("A4", Grade.D, _line("喷涂", "工业涂装")),  # not an industry of the control
        _firm("A5", Grade.B, _line("高炉", "钢铁")),
    ]
    chosen = choose(c, period, firms)
    assert [e["uscc"] for e in chosen.entries] == ["A1", "A2"]
    assert chosen.exempt == 2  # A3 (A) and A5 (B): concerned, exempt
    assert dict(chosen.by_action) == {"stop": 1, "stagger": 1}
    a1 = chosen.entries[0]
    assert [ln["name"] for ln in a1["lines"]] == ["烧结"]  # only the concerned line
    assert a1["lines"][0]["measure"]["text"] == "2026年11月15日至2027年3月15日错峰停产"
    assert a1["lines"][0]["meter_no"] == "M-烧结"
    assert chosen.entries[1]["lines"][0]["measure"]["text"].endswith("限产30%")


def test_only_lines_emitting_the_controls_pollutant_are_concerned():
    (c,) = controls(
        definition(
            id="ozone",
            season={"from": "05-01", "to": "09-30"},
            window={"from": "10:00", "to": "16:00"},
            industries=["化工"],
            only_emitting="vocs",
            grades={"A": "exempt", "default": "window"},
            actions={"window": {"text": "每日{window}暂停涉VOCs工序", "reduction": 0.25}},
        )
    )
    found = standing_period((c,), "ozone", dt.date(2026, 7, 1), ZONE)
    assert found is not None
    firms = [
        _firm("B1", Grade.C, _line("合成", "化工", vocs=12.0), _line("锅炉", "化工", vocs=0.0)),
        _firm("B2", Grade.D, _line("锅炉", "化工", vocs=0.0)),
    ]
    chosen = choose(c, found[1], firms)
    assert [e["uscc"] for e in chosen.entries] == ["B1"]
    assert [ln["name"] for ln in chosen.entries[0]["lines"]] == ["合成"]
    assert chosen.entries[0]["lines"][0]["measure"]["text"] == "每日10:00至16:00暂停涉VOCs工序"
    # what the round already removes: its share of the line, in its own pollutant only
    controlled = chosen.entries[0]["lines"][0]["controlled"]
    assert controlled["vocs"] == pytest.approx(3.0)  # 25 % of 12 kg/d
    assert {k for k, v in controlled.items() if v} == {"vocs"}


def test_the_shipped_file_is_valid_toml_with_comments_for_every_control():
    text = (CONFIG / "controls.toml").read_text(encoding="utf-8")
    assert "[L]" in text
    assert len(tomllib.loads(text)["controls"]) == 3
