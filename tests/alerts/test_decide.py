"""``decide`` under every shipped ruleset: thresholds, episodes, merging, lift, advisories, floors."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.alerts import (
    AlertLevel,
    AqiSeries,
    Counting,
    DailyWindow,
    RegionalHint,
    So2Reading,
    decide,
)
from orchestrator.alerts.model import Ruleset
from orchestrator.aqi.model import Pollutant
from orchestrator.errors import ConfigInvalid
from tests.support.base import at, ruleset

PM = (Pollutant.PM25,)
NOW = at(1)

YELLOW, ORANGE, RED, BLUE = AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED, AlertLevel.BLUE


def days(
    *aqis: int | None, start: dt.datetime | None = None, primary=PM, dust: int = 0
) -> AqiSeries:
    """Calendar-day windows from 5 January (or ``start``), one per value."""
    first = start or at(5)
    return AqiSeries(
        step_hours=24,
        windows=tuple(
            DailyWindow(
                start=first + dt.timedelta(days=i),
                aqi=a,
                primary_pollutants=primary if a is not None and a > 50 else (),
                dust_hours=dust,
            )
            for i, a in enumerate(aqis)
        ),
    )


def rolling(values: list[int], start: dt.datetime | None = None) -> AqiSeries:
    """Rolling windows, one per hour, with the given AQI."""
    first = start or at(5)
    return AqiSeries(
        step_hours=1,
        windows=tuple(
            DailyWindow(
                start=first + dt.timedelta(hours=j), aqi=a, primary_pollutants=PM if a > 50 else ()
            )
            for j, a in enumerate(values)
        ),
    )


def level(series: AqiSeries, rules: Ruleset | str = "mee-2024", **kw) -> AlertLevel | None:
    rs = ruleset(rules) if isinstance(rules, str) else rules
    return decide(series, rs, now=kw.pop("now", NOW), **kw).level


# --- mee-2024: at, just below and just above each threshold --------------------------------------


@pytest.mark.parametrize(
    ("aqis", "expected"),
    [
        # yellow: n(200) >= 1 or n(150) >= 2
        ((200,), None),
        ((201,), YELLOW),
        ((151, 150), None),
        ((150, 151), None),
        ((151, 151), YELLOW),
        # orange: n(200) >= 2 or n(150) >= 3
        ((201, 200), YELLOW),
        ((201, 201), ORANGE),
        ((151, 151, 150), YELLOW),
        ((151, 151, 151), ORANGE),
        # red: n(200) >= 3 and n(300) >= 1
        ((201, 201, 300), ORANGE),
        ((201, 201, 301), RED),
        ((301, 301), ORANGE),
        ((200, 201, 301), ORANGE),
        ((201, 301, 201), RED),
    ],
)
def test_mee_2024_thresholds(aqis, expected):
    assert level(days(*aqis)) is expected


def test_red_needs_its_300_inside_the_same_episode():
    # A 301 day, then three clean days (72 h, longer than the 36 h merge gap), then three days > 200.
    assert level(days(301, 80, 80, 80, 201, 201, 201)) is ORANGE


def test_response_grades_follow_the_level():
    rs = ruleset("mee-2024")
    assert decide(days(201), rs, now=NOW).response == "III"
    assert decide(days(201, 201), rs, now=NOW).response == "II"
    assert decide(days(201, 201, 301), rs, now=NOW).response == "I"
    assert decide(days(80), rs, now=NOW).response is None


# --- mee-2017: four levels and the >= 500 clause ------------------------------------------------


@pytest.mark.parametrize(
    ("aqis", "expected"),
    [
        ((200,), None),
        ((201,), BLUE),
        ((201, 201), YELLOW),
        ((201, 201, 201), YELLOW),
        ((201, 201, 300), YELLOW),
        ((201, 201, 301), ORANGE),
        ((201, 201, 301, 300), ORANGE),
        ((201, 201, 301, 301), RED),
        ((301, 201, 201, 301), ORANGE),  # the two days > 300 must be consecutive
        ((499,), BLUE),
        ((500,), RED),
    ],
)
def test_mee_2017_thresholds(aqis, expected):
    assert level(days(*aqis), "mee-2017") is expected


def test_mee_2017_red_by_peak_names_the_clause():
    d = decide(days(120, 500, 120), ruleset("mee-2017"), now=NOW)
    assert d.level is RED
    assert d.response == "I"
    assert any("日AQI≥500" in r for r in d.reasons)


# --- shanxi-2020 and the Taiyuan SO2 triggers -----------------------------------------------------


@pytest.mark.parametrize(
    ("aqis", "expected"),
    [
        ((201,), None),
        ((201, 200), None),
        ((201, 201), YELLOW),
        ((201, 201, 200), YELLOW),
        ((201, 201, 201), ORANGE),
        ((201, 301, 301, 201), RED),
        ((201, 301, 300, 201), ORANGE),
        ((201, 301, 301), ORANGE),
        ((500,), RED),
    ],
)
def test_shanxi_2020_thresholds(aqis, expected):
    assert level(days(*aqis), "shanxi-2020") is expected


@pytest.mark.parametrize(
    ("so2", "expected"),
    [(500, None), (501, YELLOW), (650, YELLOW), (651, ORANGE), (800, ORANGE), (801, RED)],
)
def test_taiyuan_so2_hourly_triggers(so2, expected):
    readings = (So2Reading(at=at(5, 3), value=120), So2Reading(at=at(5, 4), value=so2))
    d = decide(days(90, 95), ruleset("taiyuan-2020"), now=NOW, so2_readings=readings)
    assert d.level is expected
    if expected is not None:
        assert d.episode_start == at(5, 4)
        assert any("SO2" in r for r in d.reasons)


def test_shanxi_provincial_scheme_ignores_so2_readings():
    readings = (So2Reading(at=at(5, 4), value=900),)
    assert level(days(90), "shanxi-2020", so2_readings=readings) is None


def test_so2_trigger_never_lowers_a_higher_forecast_level():
    readings = (So2Reading(at=at(5, 4), value=520),)
    assert level(days(201, 201, 201), "taiyuan-2020", so2_readings=readings) is ORANGE


# --- episodes and merging ------------------------------------------------------------------------


def test_episode_spans_the_deciding_windows():
    d = decide(days(90, 201, 230, 120), ruleset("mee-2024"), now=NOW)
    assert d.level is ORANGE
    assert (d.episode_start, d.episode_end) == (at(6), at(8))


def test_episodes_closer_than_36_hours_merge_and_count_together():
    # 201, one clean day (24 h < 36 h), 201: one episode with n(200) = 2 -> orange
    d = decide(days(201, 120, 201), ruleset("mee-2024"), now=NOW)
    assert d.level is ORANGE
    assert (d.episode_start, d.episode_end) == (at(5), at(8))


def test_episodes_36_hours_or_more_apart_stay_separate():
    # two clean days (48 h) between: two yellow episodes, the first is reported
    d = decide(days(201, 120, 120, 201), ruleset("mee-2024"), now=NOW)
    assert d.level is YELLOW
    assert (d.episode_start, d.episode_end) == (at(5), at(6))


def test_a_missing_day_is_not_counted_but_does_not_split_an_episode():
    d = decide(days(201, None, 201), ruleset("mee-2024"), now=NOW)
    assert d.level is ORANGE
    assert any("数据不足" in r for r in d.reasons)


def test_merge_gap_is_a_ruleset_setting():
    no_merge = dataclasses.replace(ruleset("mee-2024"), merge_gap_hours=0)
    assert level(days(201, 120, 201), no_merge) is YELLOW


# --- hourly data: window vs hourly-continuous counting -------------------------------------------


def test_window_counting_picks_the_start_hour_that_fits_the_episode():
    # Only the windows starting at 12:00 on the 5th and 6th are above 200.
    values = [120] * 72
    values[12] = values[36] = 250
    d = decide(rolling(values), ruleset("mee-2024"), now=NOW)
    assert d.level is ORANGE
    assert d.episode_start == at(5, 12)
    assert d.episode_end == at(7, 12)
    assert any("以每日12时为时段起点" in r for r in d.reasons)
    assert [w.start.hour for w in d.windows] == [12, 12, 12]


def test_hourly_continuous_counting_needs_the_rolling_aqi_to_stay_above():
    continuous = dataclasses.replace(ruleset("mee-2024"), counting=Counting.HOURLY_CONTINUOUS)
    values = [120] * 72
    values[12] = values[36] = 250  # two isolated hours 24 h apart: one window each
    assert level(rolling(values), continuous) is YELLOW
    assert level(rolling(values), "mee-2024") is ORANGE
    # 25 consecutive hours above 200 hold two non-overlapping windows (start h and h + 24).
    values = [120] * 72
    values[10:35] = [250] * 25
    assert level(rolling(values), continuous) is ORANGE
    values[34] = 120  # 24 hours: one window
    assert level(rolling(values), continuous) is YELLOW


def test_hourly_continuous_merges_runs_across_short_dips():
    continuous = dataclasses.replace(ruleset("mee-2024"), counting=Counting.HOURLY_CONTINUOUS)
    values = [120] * 100
    values[0:20] = [250] * 20
    values[30:50] = [250] * 20  # 10-hour dip < 36 h: 40 hours above -> 2 windows
    d = decide(rolling(values), continuous, now=NOW)
    assert d.level is ORANGE
    assert d.episode_start == at(5, 0)
    assert d.episode_end == at(5) + dt.timedelta(hours=49 + 24)
    assert any("超过阈值共40小时" in r and "250、250" in r for r in d.reasons)


# --- pollutant differentiation: O3 and dust get an advisory only ---------------------------------


def test_ozone_driven_episode_is_advisory_only():
    d = decide(days(210, 220, primary=(Pollutant.O3,)), ruleset("mee-2024"), now=NOW)
    assert d.level is None
    assert d.response is None
    assert d.advisory_only
    assert (d.episode_start, d.episode_end) == (at(5), at(7))
    assert any("臭氧" in r and "健康防护提示" in r for r in d.reasons)


def test_dust_episode_is_advisory_only():
    d = decide(
        days(320, 330, 310, primary=(Pollutant.PM10,), dust=20), ruleset("mee-2024"), now=NOW
    )
    assert d.level is None
    assert d.advisory_only
    assert any("沙尘" in r for r in d.reasons)


def test_dust_flag_counts_only_from_its_configured_hours():
    d = decide(days(210, primary=(Pollutant.PM10,), dust=11), ruleset("mee-2024"), now=NOW)
    assert d.level is YELLOW
    assert not d.advisory_only


def test_mixed_episode_is_levelled_on_its_pm25_windows():
    series = AqiSeries(
        step_hours=24,
        windows=(
            DailyWindow(start=at(5), aqi=210, primary_pollutants=PM),
            DailyWindow(start=at(6), aqi=215, primary_pollutants=(Pollutant.O3,)),
        ),
    )
    d = decide(series, ruleset("mee-2024"), now=NOW)
    assert d.level is YELLOW  # one PM2.5 window > 200; with the O3 day it would be orange
    assert not d.advisory_only
    assert any("臭氧" in r for r in d.reasons)


def test_pm25_and_o3_tied_as_primary_count_fully():
    d = decide(days(210, 220, primary=(Pollutant.O3, Pollutant.PM25)), ruleset("mee-2024"), now=NOW)
    assert d.level is ORANGE


# --- regional hint as a floor --------------------------------------------------------------------


def _hint(lv: AlertLevel, start=None, end=None) -> RegionalHint:
    return RegionalHint(
        level=lv,
        start=start or at(5),
        end=end or at(8),
        issuer="省重污染天气应对指挥部",
        document="晋气指〔2026〕3号",
    )


def test_a_regional_hint_raises_the_level_to_its_floor():
    d = decide(days(120, 130, 140), ruleset("mee-2024"), now=NOW, hint=_hint(ORANGE))
    assert d.level is ORANGE
    assert d.response == "II"
    assert (d.episode_start, d.episode_end) == (at(5), at(8))
    assert any("区域预警提示" in r for r in d.reasons)


def test_a_local_forecast_above_the_hint_keeps_its_own_level():
    d = decide(days(201, 201, 301), ruleset("mee-2024"), now=NOW, hint=_hint(YELLOW))
    assert d.level is RED
    assert any("按本地等级执行" in r for r in d.reasons)


def test_an_expired_hint_is_ignored():
    d = decide(days(120), ruleset("mee-2024"), now=at(9), hint=_hint(ORANGE))
    assert d.level is None


def test_a_hint_lifts_an_ozone_advisory_to_a_colour_alert():
    d = decide(
        days(210, 220, primary=(Pollutant.O3,)), ruleset("mee-2024"), now=NOW, hint=_hint(YELLOW)
    )
    assert d.level is YELLOW
    assert not d.advisory_only


# --- lift ----------------------------------------------------------------------------------------


def test_lift_is_due_when_below_the_start_condition_for_36_hours():
    # Orange in force; now 7 Jan 00:00; forecast 7th and 8th clean (48 h >= 36 h)
    d = decide(
        days(230, 240, 120, 90, start=at(5)), ruleset("mee-2024"), now=at(7), active_level=ORANGE
    )
    assert d.lift_due is True
    assert any("满足解除条件" in r for r in d.reasons)


def test_lift_is_not_due_while_the_forecast_still_meets_a_level():
    d = decide(
        days(230, 240, 120, 201, start=at(5)), ruleset("mee-2024"), now=at(7), active_level=ORANGE
    )
    assert d.lift_due is False
    assert any("仍满足黄色预警条件" in r for r in d.reasons)


def test_a_single_day_above_150_within_the_hold_does_not_block_lift():
    # 151 once is below the yellow start condition (needs two days > 150)
    d = decide(
        days(230, 240, 151, 90, start=at(5)), ruleset("mee-2024"), now=at(7), active_level=ORANGE
    )
    assert d.lift_due is True


def test_lift_needs_a_forecast_covering_36_hours():
    d = decide(
        days(230, 240, 120, start=at(5)), ruleset("mee-2024"), now=at(7), active_level=ORANGE
    )
    assert d.lift_due is False
    assert any("不足以覆盖" in r for r in d.reasons)


def test_lift_is_blocked_by_missing_data_in_the_hold_window():
    d = decide(
        days(230, 240, 120, None, start=at(5)), ruleset("mee-2024"), now=at(7), active_level=ORANGE
    )
    assert d.lift_due is False


def test_an_alert_started_on_a_regional_hint_waits_for_its_lift_notice():
    d = decide(
        days(120, 110, 100, 90, start=at(5)),
        ruleset("mee-2024"),
        now=at(6),
        active_level=ORANGE,
        hint=_hint(ORANGE, at(5), at(8)),
    )
    assert d.lift_due is False
    assert any("解除通知" in r for r in d.reasons)


def test_lift_is_not_assessed_without_an_active_alert():
    assert decide(days(90, 90), ruleset("mee-2024"), now=at(5)).lift_due is None


# --- ordinary edge cases never raise -------------------------------------------------------------


def test_no_data_is_a_decision_with_a_reason():
    d = decide(AqiSeries(step_hours=24, windows=()), ruleset("mee-2024"), now=NOW)
    assert d.level is None
    assert any("无可用" in r for r in d.reasons)


def test_clean_air_says_which_maximum_it_saw():
    d = decide(days(80, 95, 60), ruleset("mee-2024"), now=NOW)
    assert d.level is None
    assert not d.advisory_only
    assert any("最高日AQI为95" in r for r in d.reasons)


def test_trace_names_ruleset_windows_and_values():
    d = decide(days(90, 226, 243, 120), ruleset("mee-2024"), now=NOW)
    codes = [s.code for s in d.trace]
    assert codes[:3] == ["ruleset", "data", "level"]
    assert "环大气〔2024〕6号" in d.trace[0].message
    step = d.trace[2]
    assert step.data["condition"] == "n(200) >= 2"
    assert [w["aqi"] for w in step.data["windows"]] == [226, 243]
    assert "226、243" in step.message


def test_data_outside_the_rulesets_dates_is_flagged():
    d = decide(days(201, start=at(5, year=2016)), ruleset("mee-2024"), now=at(1, year=2016))
    assert any(s.code == "ruleset_dates" for s in d.trace)


def test_series_must_be_ordered_and_regular():
    with pytest.raises(ValueError, match="contiguous"):
        AqiSeries(
            step_hours=1,
            windows=(DailyWindow(start=at(5, 0), aqi=1), DailyWindow(start=at(5, 2), aqi=1)),
        )
    with pytest.raises(ValueError, match="whole days"):
        AqiSeries(
            step_hours=24,
            windows=(DailyWindow(start=at(5, 0), aqi=1), DailyWindow(start=at(5, 12), aqi=1)),
        )


# --- properties ----------------------------------------------------------------------------------

RULESETS = ["mee-2024", "mee-2017", "shanxi-2020", "taiyuan-2020"]
primaries = st.sampled_from(
    [(), PM, (Pollutant.O3,), (Pollutant.PM10,), (Pollutant.O3, Pollutant.PM25)]
)


@st.composite
def any_series(draw):
    step = draw(st.sampled_from([1, 24]))
    n = draw(st.integers(min_value=0, max_value=80 if step == 1 else 14))
    aqis = draw(
        st.lists(
            st.one_of(st.none(), st.integers(min_value=0, max_value=600)), min_size=n, max_size=n
        )
    )
    prim = draw(st.lists(primaries, min_size=n, max_size=n))
    dust = draw(st.lists(st.integers(min_value=0, max_value=24), min_size=n, max_size=n))
    start = at(5)
    return AqiSeries(
        step_hours=step,
        windows=tuple(
            DailyWindow(
                start=start + dt.timedelta(hours=step * i),
                aqi=a,
                primary_pollutants=p,
                dust_hours=d,
            )
            for i, (a, p, d) in enumerate(zip(aqis, prim, dust, strict=True))
        ),
    )


@settings(max_examples=300, deadline=None)
@given(
    series=any_series(),
    rid=st.sampled_from(RULESETS),
    continuous=st.booleans(),
    active=st.one_of(st.none(), st.sampled_from([YELLOW, ORANGE, RED])),
)
def test_every_input_gets_a_decision(series, rid, continuous, active):
    rs = ruleset(rid)
    if continuous:
        rs = dataclasses.replace(rs, counting=Counting.HOURLY_CONTINUOUS)
    d = decide(series, rs, now=at(6), active_level=active)
    allowed = {r.level for r in rs.levels}
    assert d.level is None or d.level in allowed
    assert (d.level is None) == (d.response is None)
    assert not (d.advisory_only and d.level is not None)
    assert (d.lift_due is None) == (active is None)
    assert d.reasons
    if d.level is not None:
        assert d.episode_start is not None
        assert d.episode_end is not None
        assert d.episode_start < d.episode_end


def _rank(lv: AlertLevel | None) -> int:
    return lv.rank if lv else 0


@settings(max_examples=300, deadline=None)
@given(
    series=any_series(),
    rid=st.sampled_from(RULESETS),
    continuous=st.booleans(),
    index=st.integers(min_value=0),
    bump=st.integers(min_value=1, max_value=300),
)
def test_raising_any_windows_aqi_never_lowers_the_level(series, rid, continuous, index, bump):
    if not series.windows:
        return
    rs = ruleset(rid)
    if continuous:
        rs = dataclasses.replace(rs, counting=Counting.HOURLY_CONTINUOUS)
    i = index % len(series.windows)
    w = series.windows[i]
    raised = dataclasses.replace(w, aqi=(w.aqi or 0) + bump)
    higher = dataclasses.replace(
        series, windows=(*series.windows[:i], raised, *series.windows[i + 1 :])
    )
    before = decide(series, rs, now=at(6))
    after = decide(higher, rs, now=at(6))
    assert _rank(after.level) >= _rank(before.level)
    if before.advisory_only:
        assert after.advisory_only or after.level is not None


@given(
    k=st.integers(min_value=1, max_value=6),
    aqi=st.integers(min_value=151, max_value=300),
    before=st.integers(min_value=0, max_value=3),
    after=st.integers(min_value=0, max_value=3),
)
def test_n_consecutive_windows_give_the_tabled_level(k, aqi, before, after):
    # mee-2024 with clean days around a run of k days at one AQI in (150, 300].
    series = days(*([60] * before), *([aqi] * k), *([60] * after))
    if aqi > 200:
        expected = ORANGE if k >= 2 else YELLOW
    else:
        expected = ORANGE if k >= 3 else (YELLOW if k == 2 else None)
    d = decide(series, ruleset("mee-2024"), now=NOW)
    assert d.level is expected
    if expected is not None:
        assert d.episode_start == at(5) + dt.timedelta(days=before)
        assert d.episode_end == at(5) + dt.timedelta(days=before + k)


# --- the 不利气象条件应对 band below yellow (example-city-2024) ----------------------------------


BAND = "example-city-2024"


@pytest.mark.parametrize(
    ("aqis", "expected"),
    [
        ((150, 100, 90), None),  # nothing above 150, one window above 100
        ((151, 90), AlertLevel.ADVERSE),  # > 150 once
        ((101, 101), AlertLevel.ADVERSE),  # > 100 for 48 h
        ((101, 90, 101), AlertLevel.ADVERSE),  # a 24 h gap < 36 h: one episode of two windows
        ((101, 90, 90, 101), None),  # a 48 h gap: two episodes of one window each
        ((151, 151), YELLOW),  # the colours come first
        ((201,), YELLOW),
    ],
)
def test_the_band_below_yellow_is_a_level_the_ruleset_defines(aqis, expected):
    assert level(days(*aqis), BAND) is expected
    # the national scheme has no band
    assert level(days(*aqis)) is (None if expected is AlertLevel.ADVERSE else expected)


def test_the_band_has_no_response_grade_and_is_named_as_such():
    d = decide(days(160, 90), ruleset(BAND), now=NOW)
    assert d.level is AlertLevel.ADVERSE
    assert d.response == ""
    assert "满足不利气象条件应对条件（日AQI>150持续24小时）" in " ".join(d.reasons)


def test_a_warning_is_lifted_below_the_colours_even_inside_the_band():
    """Lifting yellow looks at the colours only: days in the band do not hold it in force."""
    ahead = days(160, 120, 120, start=at(1))
    d = decide(ahead, ruleset(BAND), now=NOW, active_level=YELLOW)
    assert d.lift_due is True
    assert d.level is AlertLevel.ADVERSE
    # the band in force itself is not lifted while its condition holds
    held = decide(ahead, ruleset(BAND), now=NOW, active_level=AlertLevel.ADVERSE)
    assert held.lift_due is False


def test_a_ruleset_of_the_band_alone_is_refused():
    data = {
        "id": "x",
        "title": "x",
        "document": "x",
        "effective_from": "2024-01-01",
        "counting": "window",
        "merge_gap_hours": 36,
        "lift": {"hold_hours": 36},
        "advisory": {"primary_pollutants": ["O3"], "dust_min_hours": 12},
        "levels": {"adverse": {"when": ["n(150) >= 1"]}},
    }
    with pytest.raises(ConfigInvalid, match="at least one colour level"):
        Ruleset.from_mapping(data, source="x.toml")
