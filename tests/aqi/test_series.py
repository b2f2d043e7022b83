"""Rolling daily AQI: held window by window against a plain reference built on ``score``."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from orchestrator.aqi.model import AqiStandard, Pollutant, select_standard
from orchestrator.aqi.scoring import Concentrations, Mode, score
from orchestrator.aqi.series import HOURLY_COLUMNS, rolling_daily
from tests.support.base import ZONE, at

DEC = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "co": 1, "o3_1h": 0}


def _round_mean(values: list[float], decimals: int) -> float:
    """Exact mean of the values (taken to 3 decimals), rounded half to even."""
    total = sum(Fraction(round(v * 1000)) for v in values) / 1000
    return float(round(total / len(values), decimals))


def reference_window(std: AqiStandard, hours: dict[str, list[float]], j: int) -> int | None:
    """The AQI of window j (hours j..j+23) computed the slow, obvious way, or None if incomplete."""
    v = std.validity
    daily: dict[str, float] = {}
    for col in ("pm25", "pm10", "so2", "no2", "co"):
        if col not in hours:
            continue
        ok = [x for x in hours[col][j : j + 24] if not math.isnan(x)]
        if len(ok) < v.min_hours_per_24h:
            return None
        daily[col] = _round_mean(ok, DEC[col])
    if "o3_1h" in hours:
        o3 = hours["o3_1h"]
        ok1 = [round(x) for x in o3[j : j + 24] if not math.isnan(x)]  # hourly, rounded half-even
        if len(ok1) < v.min_hours_per_24h:
            return None
        daily["o3_1h"] = max(ok1)
        means8 = []
        for m in range(j, j + 17):
            ok8 = [x for x in o3[m : m + 8] if not math.isnan(x)]
            if len(ok8) >= v.min_hours_per_8h:
                means8.append(_round_mean(ok8, 0))
        if len(means8) < v.min_8h_means_per_day:
            return None
        daily["o3_8h"] = max(means8)
    return score(std, Concentrations(**daily), Mode.DAILY).aqi


@st.composite
def hourly_tables(draw):
    n = draw(st.integers(min_value=24, max_value=60))
    cols = draw(st.sets(st.sampled_from(sorted(HOURLY_COLUMNS)), min_size=1))
    # Valid data with a few gaps, so that both complete and incomplete windows occur.
    out = {}
    for c in sorted(cols):
        top = 30.0 if c == "co" else 600.0
        vals = draw(
            st.lists(
                st.floats(min_value=0, max_value=top, allow_nan=False).map(lambda x: round(x, 1)),
                min_size=n,
                max_size=n,
            )
        )
        for gap in draw(st.lists(st.integers(min_value=0, max_value=n - 1), max_size=8)):
            vals[gap] = math.nan
        out[c] = vals
    return out


@settings(max_examples=150, deadline=None)
@given(table=hourly_tables(), which=st.sampled_from(["HJ633-2012", "HJ633-2026"]))
def test_every_window_equals_the_reference(standards, table, which):
    std = select_standard(standards, standard_id=which)
    rolling = rolling_daily(at(5), table, standards, standard_id=which)
    n = len(next(iter(table.values())))
    assert len(rolling) == n - 23
    for j in range(len(rolling)):
        expected = reference_window(std, table, j)
        got = int(rolling.aqi[j]) if rolling.complete[j] else None
        assert got == expected, j
        event("complete window" if got is not None else "incomplete window")


def _flat(n: int, **cols: float) -> dict[str, list[float]]:
    return {c: [v] * n for c, v in cols.items()}


def test_a_flat_day_scores_like_its_daily_mean(standards, hj2012):
    table = _flat(48, pm25=160.0, pm10=200.0, no2=60.0)
    r = rolling_daily(at(5), table, standards)
    assert len(r) == 25
    # PM2.5 160: 200 + 100/100*10 = 210
    assert set(r.aqi.tolist()) == {210}
    assert r.primary_pollutants(0) == (Pollutant.PM25,)
    assert r.window_start(3) == at(5, 3)


def test_twenty_valid_hours_make_a_valid_mean_and_nineteen_do_not(standards):
    table = _flat(24, pm25=100.0)
    table["pm25"][0:4] = [math.nan] * 4  # 20 valid
    assert rolling_daily(at(5), table, standards).complete.tolist() == [True]
    table["pm25"][4] = math.nan  # 19 valid
    r = rolling_daily(at(5), table, standards)
    assert r.complete.tolist() == [False]
    assert r.aqi.tolist() == [-1]
    assert r.valid_hours["pm25"].tolist() == [19]


def test_one_incomplete_pollutant_makes_the_window_incomplete(standards):
    table = _flat(24, pm25=100.0, no2=40.0)
    table["no2"] = [math.nan] * 24
    assert rolling_daily(at(5), table, standards).complete.tolist() == [False]


def test_o3_needs_fourteen_of_seventeen_eight_hour_means(standards):
    # Hours 0..23; knock out hours so that 8 h means fail. Removing 3 consecutive hours kills every
    # 8 h mean that contains them (needs 6 of 8): hours 10,11,12 gone -> means m=5..12 invalid (8 of 17)
    table = {"o3_1h": [100.0] * 24}
    for h in (10, 11, 12):
        table["o3_1h"][h] = math.nan
    r = rolling_daily(at(5), table, standards)
    assert r.complete.tolist() == [False]
    # Two missing hours leave all 8 h means valid.
    table = {"o3_1h": [100.0] * 24}
    table["o3_1h"][10] = table["o3_1h"][11] = math.nan
    assert rolling_daily(at(5), table, standards).complete.tolist() == [True]


def test_o3_daily_takes_the_max_eight_hour_mean_inside_the_window(standards):
    # 16 hours at 100 then 8 hours at 260: max 8h = 260 -> 8h table 215..265: 150 + 50/50*45 = 195
    # max 1h = 260 -> 1h table 200..300: 100 + 50/100*60 = 130. AQI 195.
    table = {"o3_1h": [100.0] * 16 + [260.0] * 8}
    r = rolling_daily(at(5), table, standards)
    assert r.aqi.tolist() == [195]


def test_windows_take_the_standard_of_their_start_date(standards):
    # PM2.5 70 flat: 94 under HJ 633-2012, 110 under HJ 633-2026.
    start = dt.datetime(2026, 2, 28, 12, tzinfo=ZONE)
    r = rolling_daily(start, _flat(48, pm25=70.0), standards)
    starts = [r.window_start(j) for j in range(len(r))]
    for j, s in enumerate(starts):
        expected = 94 if s.date() <= dt.date(2026, 2, 28) else 110
        assert int(r.aqi[j]) == expected, s
    assert r.standard_codes[0] == "HJ 633-2012"
    assert r.standard_codes[-1] == "HJ 633-2026"


def test_a_short_series_has_no_window(standards):
    assert len(rolling_daily(at(5), _flat(23, pm25=50.0), standards)) == 0


def test_bad_input_is_refused(standards):
    with pytest.raises(ValueError, match="timezone"):
        rolling_daily(dt.datetime(2026, 1, 5), _flat(24, pm25=1.0), standards)  # noqa: DTZ001
    with pytest.raises(ValueError, match="unknown"):
        rolling_daily(at(5), {"pm1": [1.0] * 24}, standards)
    with pytest.raises(ValueError, match="negative"):
        rolling_daily(at(5), {"pm25": [-1.0] * 24}, standards)
    with pytest.raises(ValueError, match="same length"):
        rolling_daily(at(5), {"pm25": [1.0] * 24, "no2": [1.0] * 25}, standards)


def test_numpy_input_is_accepted(standards):
    r = rolling_daily(at(5), {"pm25": np.full(30, 80.0)}, standards, standard_id="HJ633-2012")
    # PM2.5 80: 100 + 50/40*5 = 106.25 -> 107
    assert set(r.aqi.tolist()) == {107}
