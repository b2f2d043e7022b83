"""IAQI and AQI of one record under HJ 633—2012 and —2026.

The expected tables are typed in here from DOMAIN.md §2, independently of config/aqi/*.toml, so a
typo in either shows up as a failure.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.aqi.model import AqiStandard, Metric, Pollutant, StandardNotFound, select_standard
from orchestrator.aqi.scoring import Concentrations, Mode, iaqi_scaled, quantize, score

IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
TABLE_2012 = {
    Metric.SO2_24H: [0, 50, 150, 475, 800, 1600, 2100, 2620],
    Metric.SO2_1H: [0, 150, 500, 650, 800],
    Metric.NO2_24H: [0, 40, 80, 180, 280, 565, 750, 940],
    Metric.NO2_1H: [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    Metric.PM10_24H: [0, 50, 150, 250, 350, 420, 500, 600],
    Metric.CO_24H: [0, 2, 4, 14, 24, 36, 48, 60],
    Metric.CO_1H: [0, 5, 10, 35, 60, 90, 120, 150],
    Metric.O3_1H: [0, 160, 200, 300, 400, 800, 1000, 1200],
    Metric.O3_8H: [0, 100, 160, 215, 265, 800],
    Metric.PM25_24H: [0, 35, 75, 115, 150, 250, 350, 500],
}
TABLE_2026 = {**TABLE_2012}
TABLE_2026[Metric.PM25_24H] = [0, 35, 60, 115, 150, 250, 350, 500]
TABLE_2026[Metric.PM10_24H] = [0, 50, 120, 250, 350, 420, 500, 600]


def _scale(std: AqiStandard, metric: Metric) -> int:
    return 10 ** std.breakpoints[metric].scale


@pytest.mark.parametrize(
    ("std_id", "table"), [("HJ633-2012", TABLE_2012), ("HJ633-2026", TABLE_2026)]
)
def test_config_tables_match_the_published_breakpoints(standards, std_id, table):
    std = select_standard(standards, standard_id=std_id)
    for metric, concs in table.items():
        s = _scale(std, metric)
        assert std.breakpoints[metric].concentrations == tuple(c * s for c in concs), metric


@pytest.mark.parametrize(
    ("std_id", "table"), [("HJ633-2012", TABLE_2012), ("HJ633-2026", TABLE_2026)]
)
def test_every_breakpoint_edge_scores_its_iaqi_and_one_step_either_side(standards, std_id, table):
    std = select_standard(standards, standard_id=std_id)
    for metric, concs in table.items():
        bp = std.breakpoints[metric]
        s = _scale(std, metric)
        for k, c in enumerate(concs):
            n = c * s
            assert iaqi_scaled(bp, n) == IAQI[k], (metric, c)
            if k > 0:
                # One scoring step below a breakpoint is still inside the lower segment.
                below = iaqi_scaled(bp, n - 1)
                assert below is not None
                assert IAQI[k - 1] < below <= IAQI[k], (metric, c)
            if k + 1 < len(concs):
                # One step above starts the next segment: IAQI_k + ceil(slope), e.g. NO2 24h
                # 0 -> 1 µg/m³ gives ceil(50/40) = 2; PM2.5 75 -> 76 gives ceil(50/40) = 2.
                slope_up = -(-(IAQI[k + 1] - IAQI[k]) // ((concs[k + 1] - c) * s))
                assert iaqi_scaled(bp, n + 1) == IAQI[k] + slope_up, (metric, c)


def test_hand_computed_values_2012(hj2012):
    bp = hj2012.breakpoints
    # PM2.5 76: 100 + (150-100)/(115-75) * (76-75) = 101.25 -> ceil 102
    assert iaqi_scaled(bp[Metric.PM25_24H], 76) == 102
    # PM10 210 lies in 150..250 (IAQI 100..150): 100 + 50/100 * (210-150) = 130 exactly -> 130
    assert iaqi_scaled(bp[Metric.PM10_24H], 210) == 130
    # NO2 1h 1500: 200 + 100/1140 * 300 = 226.3 -> 227
    assert iaqi_scaled(bp[Metric.NO2_1H], 1500) == 227
    # CO 24h 4.1 mg/m³ (scaled x10 = 41): 100 + 50/10 * 0.1 = 100.5 -> 101
    assert iaqi_scaled(bp[Metric.CO_24H], 41) == 101
    # O3 8h 170: 100 + 50/55 * 10 = 109.09 -> 110
    assert iaqi_scaled(bp[Metric.O3_8H], 170) == 110


def test_hj633_2026_moves_only_the_pm_good_breakpoints(hj2012, hj2026):
    # PM2.5 70 µg/m³: 2012 -> 50 + 50/40*35 = 93.75 -> 94 (良); 2026 -> 100 + 50/55*10 = 109.09 -> 110
    assert score(hj2012, Concentrations(pm25=70), Mode.DAILY).aqi == 94
    assert score(hj2026, Concentrations(pm25=70), Mode.DAILY).aqi == 110
    # PM10 130: 2012 -> 50 + 50/100*80 = 90; 2026 -> 100 + 50/130*10 = 103.8 -> 104
    assert score(hj2012, Concentrations(pm10=130), Mode.DAILY).aqi == 90
    assert score(hj2026, Concentrations(pm10=130), Mode.DAILY).aqi == 104
    # NO2 is unchanged.
    assert (
        score(hj2012, Concentrations(no2=100), Mode.DAILY).aqi
        == score(hj2026, Concentrations(no2=100), Mode.DAILY).aqi
    )


def test_above_the_top_breakpoint_reports_500(hj2012):
    assert score(hj2012, Concentrations(pm25=650), Mode.DAILY).aqi == 500
    assert score(hj2012, Concentrations(co=200), Mode.HOURLY).aqi == 500


def test_so2_1h_above_800_uses_the_24h_iaqi(hj2012):
    # SO2 1h 900 is off the 1h table; SO2 24h 700: 150 + 50/325*225 = 184.6 -> 185
    r = score(hj2012, Concentrations(so2=900, so2_24h=700), Mode.HOURLY)
    assert r.iaqi_map() == {"so2": 185}
    assert r.aqi == 185
    assert r.notes


def test_so2_1h_above_800_without_24h_is_not_scored_and_says_so(hj2012):
    r = score(hj2012, Concentrations(so2=900, pm25=40), Mode.HOURLY)
    assert "so2" not in r.iaqi_map()
    assert r.aqi == 57  # PM2.5 40: 50 + 50/40*5 = 56.25 -> 57
    assert any("SO2" in n for n in r.notes)


def test_so2_1h_at_800_is_still_on_the_table(hj2012):
    assert score(hj2012, Concentrations(so2=800), Mode.HOURLY).aqi == 200


def test_o3_8h_above_800_falls_back_to_o3_1h(hj2012):
    # O3 1h 900: 300 + 100/200*100 = 350
    r = score(hj2012, Concentrations(o3_8h=850, o3_1h=900), Mode.DAILY)
    assert r.iaqi_map() == {"o3_1h": 350}
    assert r.aqi == 350
    assert r.primary_pollutants == (Pollutant.O3,)


def test_hourly_aqi_scores_pm_on_the_24h_table_and_ignores_o3_8h(hj2012):
    r = score(hj2012, Concentrations(pm25=115, pm10=250, o3_8h=400), Mode.HOURLY)
    assert r.iaqi_map() == {"pm25": 150, "pm10": 150}
    assert r.aqi == 150


def test_hourly_aqi_uses_the_1h_gas_tables(hj2012):
    # NO2 1h 200 -> 100 on the 1h table (on the 24h table it would be 200)
    assert score(hj2012, Concentrations(no2=200), Mode.HOURLY).aqi == 100
    # NO2 24h 200 on the 24h table: 150 + 50/100 * 20 = 160
    assert score(hj2012, Concentrations(no2=200), Mode.DAILY).iaqi_map() == {"no2": 160}


def test_primary_pollutants_list_ties_and_only_above_50(hj2012):
    # PM2.5 75 -> 100, PM10 150 -> 100: a tie, both primary
    r = score(hj2012, Concentrations(pm25=75, pm10=150, no2=40), Mode.DAILY)
    assert r.primary_pollutants == (Pollutant.PM10, Pollutant.PM25)
    assert r.exceeding_pollutants == ()
    # AQI 50 has no primary pollutant
    assert score(hj2012, Concentrations(pm25=35), Mode.DAILY).primary_pollutants == ()
    # exceeding: IAQI > 100
    r = score(hj2012, Concentrations(pm25=76, pm10=151), Mode.DAILY)
    assert set(r.exceeding_pollutants) == {Pollutant.PM25, Pollutant.PM10}


def test_o3_1h_and_8h_tie_lists_o3_once(hj2012):
    # O3 1h 200 -> 100, O3 8h 160 -> 100
    r = score(hj2012, Concentrations(o3_1h=200, o3_8h=160), Mode.DAILY)
    assert r.primary_pollutants == (Pollutant.O3,)


@pytest.mark.parametrize(
    ("aqi_pm25", "name", "level", "color"),
    [
        (35, "优", 1, "#00E400"),
        (36, "良", 2, "#FFFF00"),
        (75, "良", 2, "#FFFF00"),
        (76, "轻度污染", 3, "#FF7E00"),
        (115, "轻度污染", 3, "#FF7E00"),
        (116, "中度污染", 4, "#FF0000"),
        (150, "中度污染", 4, "#FF0000"),
        (151, "重度污染", 5, "#99004C"),
        (250, "重度污染", 5, "#99004C"),
        (251, "严重污染", 6, "#7E0023"),
    ],
)
def test_category_edges(hj2012, aqi_pm25, name, level, color):
    cat = score(hj2012, Concentrations(pm25=aqi_pm25), Mode.DAILY).category
    assert cat is not None
    assert (cat.name, cat.level, cat.color) == (name, level, color)


def test_values_are_rounded_half_to_even_before_scoring(hj2012):
    # 75.5 -> 76 (odd 75 rounds up) -> 102; 76.5 -> 76 (even stays) -> 102; 75.4 -> 75 -> 100
    assert score(hj2012, Concentrations(pm25=75.5), Mode.DAILY).aqi == 102
    assert score(hj2012, Concentrations(pm25=76.5), Mode.DAILY).aqi == 102
    assert score(hj2012, Concentrations(pm25=75.4), Mode.DAILY).aqi == 100
    # CO keeps one decimal: 4.05 -> 4.0 -> 100; 4.15 -> 4.2 -> 101
    assert score(hj2012, Concentrations(co=4.05), Mode.DAILY).aqi == 100
    assert score(hj2012, Concentrations(co=4.15), Mode.DAILY).aqi == 101


def test_quantize_is_half_to_even():
    assert [quantize(m, 0) for m in (500, 1500, 2500, 2501, 2499)] == [0, 2, 2, 3, 2]
    assert quantize(4050, 1) == 40
    assert quantize(4150, 1) == 42


def test_nothing_given_scores_nothing(hj2012):
    r = score(hj2012, Concentrations(), Mode.DAILY)
    assert r.aqi is None
    assert r.category is None


def test_negative_or_nan_concentrations_cannot_exist():
    with pytest.raises(ValueError, match="pm25"):
        Concentrations(pm25=-1)
    with pytest.raises(ValueError, match="co"):
        Concentrations(co=math.nan)


def test_the_standard_follows_the_date(standards):
    assert select_standard(standards, on=dt.date(2026, 2, 28)).id == "HJ633-2012"
    assert select_standard(standards, on=dt.date(2026, 3, 1)).id == "HJ633-2026"
    assert (
        select_standard(standards, on=dt.date(2026, 3, 1), standard_id="HJ 633-2012").id
        == "HJ633-2012"
    )
    with pytest.raises(StandardNotFound):
        select_standard(standards, on=dt.date(2010, 1, 1))
    with pytest.raises(StandardNotFound, match="HJ633-1999"):
        select_standard(standards, standard_id="HJ633-1999")


# --- properties ----------------------------------------------------------------------------------

conc = st.floats(min_value=0, max_value=4000, allow_nan=False).map(lambda v: round(v, 1))
FIELD_NAMES = ("pm25", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h", "so2_24h")


@st.composite
def records(draw):
    return {f: draw(st.one_of(st.none(), conc)) for f in FIELD_NAMES}


def _crosses_a_substitution(field: str, before: float, after: float, mode: Mode) -> bool:
    """SO2 1 h and O3 8 h leave their tables above 800 and hand over to another metric (a rule
    of the standard, not a defect); a rise across that edge may lower the AQI."""
    crossing = before <= 801 and after > 799
    return crossing and (
        (mode is Mode.HOURLY and field == "so2") or (mode is Mode.DAILY and field == "o3_8h")
    )


@given(
    rec=records(),
    field=st.sampled_from(FIELD_NAMES),
    bump=st.floats(min_value=0, max_value=500).map(lambda v: round(v, 1)),
    mode=st.sampled_from(list(Mode)),
    which=st.sampled_from(["HJ633-2012", "HJ633-2026"]),
)
def test_aqi_never_falls_when_a_concentration_rises(standards, rec, field, bump, mode, which):
    std = select_standard(standards, standard_id=which)
    if rec[field] is None or _crosses_a_substitution(field, rec[field], rec[field] + bump, mode):
        return
    before = score(std, Concentrations(**rec), mode)
    after = score(std, Concentrations(**{**rec, field: rec[field] + bump}), mode)
    assert (after.aqi or 0) >= (before.aqi or 0)
    if field in before.iaqi_map():
        assert after.iaqi_map()[field] >= before.iaqi_map()[field]


@given(rec=records(), mode=st.sampled_from(list(Mode)))
def test_aqi_is_at_least_every_iaqi_and_equals_the_max(hj2012, rec, mode):
    r = score(hj2012, Concentrations(**rec), mode)
    if r.aqi is None:
        assert r.iaqi == ()
        return
    assert all(r.aqi >= v for _, v in r.iaqi)
    assert r.aqi == max(v for _, v in r.iaqi)
    assert 0 <= r.aqi <= 500


@given(value=st.integers(min_value=0, max_value=10_000))
def test_iaqi_is_monotonic_on_every_table(hj2026, value):
    for metric in Metric:
        bp = hj2026.breakpoints[metric]
        a, b = iaqi_scaled(bp, value), iaqi_scaled(bp, value + 1)
        if a is not None and b is not None:
            assert b >= a


def test_fields_name_every_concentration():
    from dataclasses import fields

    from orchestrator.aqi.scoring import FIELDS

    assert tuple(f.name for f in fields(Concentrations)) == FIELDS
