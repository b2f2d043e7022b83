"""Reading a list's 经度/纬度 cells: decimal degrees, degrees-minutes-seconds, and every way a
cell is wrong, each with its reason and the cell it concerns."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.geography.model import (
    Axis,
    Extent,
    Position,
    PositionInvalid,
    axis_of,
    degrees,
    position,
)

CHINA = Extent()


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (113.7521, 35.5523, (113.7521, 35.5523)),
        ("113.7521", " 35.5523 ", (113.7521, 35.5523)),
        ("113°45′07.6″", "35°30′", (113.752111, 35.5)),
        ("113°45'07.6\"", "35°30'00\"", (113.752111, 35.5)),
        ("113度45分7.6秒", "35度30分", (113.752111, 35.5)),
        ("E113.75", "N35.5", (113.75, 35.5)),
        ("东经113.75", "北纬35.5", (113.75, 35.5)),
        ("１１３．７５", "３５．５", (113.75, 35.5)),  # full-width digits
    ],
)
def test_a_position_is_read_in_the_ways_lists_write_it(lon, lat, expected):
    p = position(lon, lat, CHINA)
    assert p is not None
    assert (p.lon, p.lat) == pytest.approx(expected, abs=1e-6)


def test_two_blank_cells_are_no_position():
    assert position(None, "", CHINA) is None
    assert position("  ", None, CHINA) is None


@pytest.mark.parametrize(
    ("lon", "lat", "axis", "message"),
    [
        ("113.75", "", Axis.LATITUDE, "只填了经度，请同时填写经度和纬度"),
        ("", 35.5, Axis.LONGITUDE, "只填了纬度，请同时填写经度和纬度"),
        ("35.5", "113.75", Axis.LONGITUDE, "经度35.5、纬度113.75疑似填反"),
        (200, 35.5, Axis.LONGITUDE, "经度200超出范围（应在73.4至135.1之间，单位为度）"),
        (113.75, 60, Axis.LATITUDE, "纬度60超出范围（应在3.8至53.6之间，单位为度）"),
        ("113,75", 35.5, Axis.LONGITUDE, "“113,75”不是有效的经度"),
        ("N113.75", 35.5, Axis.LONGITUDE, "“N113.75”标注为纬度，却填在经度栏"),
        ("W113.75", 35.5, Axis.LONGITUDE, "为西经或南纬"),
        ("113°75′", 35.5, Axis.LONGITUDE, "中的分或秒不小于60"),
        ("113.5°30′", 35.5, Axis.LONGITUDE, "的度带有小数，又写了分秒"),
        (True, 35.5, Axis.LONGITUDE, "不是经度"),
        (float("nan"), 35.5, Axis.LONGITUDE, "超出范围"),
    ],
)
def test_a_wrong_position_says_why_and_which_cell(lon, lat, axis, message):
    with pytest.raises(PositionInvalid) as err:
        position(lon, lat, CHINA)
    assert message in str(err.value.args[0])
    assert axis_of(err.value) is axis


@given(
    st.integers(min_value=74, max_value=134),
    st.integers(min_value=0, max_value=59),
    st.decimals(min_value=0, max_value="59.9", places=1),
)
def test_degrees_minutes_seconds_are_the_decimal_degrees(d, m, s):
    text = f"{d}°{m:02d}′{s}″"
    assert degrees(text, Axis.LONGITUDE) == pytest.approx(d + m / 60 + float(s) / 3600)


def test_a_city_may_narrow_the_extent():
    narrow = Extent(lon_min=113.0, lon_max=115.0, lat_min=35.0, lat_max=36.5)
    with pytest.raises(PositionInvalid, match=r"经度112\.9超出范围（应在113至115之间"):
        position(112.9, 35.5, narrow)


def test_a_position_reads_as_a_document_writes_it():
    assert Position(lon=113.75211, lat=35.5).text == "东经113.7521°，北纬35.5000°"
