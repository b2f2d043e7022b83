"""Places as values (pure): a position in decimal degrees and how a list's cell is read into one.

Positions are CGCS2000 (the national geodetic system; for this purpose the same as WGS-84) in
decimal degrees. Lists give them as decimal degrees (``113.7521``) or as degrees, minutes and
seconds (``113°45′07.6″``, ``113度45分7.6秒``, with or without ``E``/``东经``). Coordinates copied from
web maps (GCJ-02 on 高德/腾讯, BD-09 on 百度) lie a few hundred metres off; the county check
(:mod:`orchestrator.geography.outlines`) catches those that cross a county line.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Axis(StrEnum):
    LONGITUDE = "lon"
    LATITUDE = "lat"

    @property
    def label(self) -> str:
        return "经度" if self is Axis.LONGITUDE else "纬度"


@dataclass(frozen=True, slots=True)
class Extent:
    """Where a position may lie at all (``config/list.toml`` [bounds]: China's extent)."""

    lon_min: float = 73.4
    lon_max: float = 135.1
    lat_min: float = 3.8
    lat_max: float = 53.6

    def __post_init__(self) -> None:
        if not (-180 <= self.lon_min < self.lon_max <= 180):
            raise ValueError("longitude bounds must be increasing, within ±180")
        if not (-90 <= self.lat_min < self.lat_max <= 90):
            raise ValueError("latitude bounds must be increasing, within ±90")

    def holds(self, axis: Axis, value: float) -> bool:
        if axis is Axis.LONGITUDE:
            return self.lon_min <= value <= self.lon_max
        return self.lat_min <= value <= self.lat_max

    def range_text(self, axis: Axis) -> str:
        low, high = (
            (self.lon_min, self.lon_max) if axis is Axis.LONGITUDE else (self.lat_min, self.lat_max)
        )
        return f"{low:g}至{high:g}"


@dataclass(frozen=True, slots=True)
class Position:
    """A point: longitude and latitude in decimal degrees (east and north positive)."""

    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise ValueError(f"longitude out of range: {self.lon}")
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise ValueError(f"latitude out of range: {self.lat}")

    @property
    def text(self) -> str:
        """东经113.7521°，北纬35.5523° — as a document writes it."""
        return f"东经{self.lon:.4f}°，北纬{self.lat:.4f}°"


class PositionInvalid(ValueError):
    """A coordinate cell that cannot be read, with the reason in Chinese (the caller adds the
    place: file, sheet, row and column)."""


#: degrees, minutes, seconds: 113°45′07.6″, 113度45分7.6秒, 113 45 07.6; the hemisphere may lead or
#: trail (E, N, 东经, 北纬)
_DMS = re.compile(
    r"(?P<deg>\d{1,3}(?:\.\d+)?)\s*(?:°|度|\s)\s*"
    r"(?:(?P<min>\d{1,2}(?:\.\d+)?)\s*(?:'|′|分|\s)\s*)?"
    r"(?:(?P<sec>\d{1,2}(?:\.\d+)?)\s*(?:\"|″|''|′′|秒)?)?"
)
_HEMISPHERE = {
    "E": Axis.LONGITUDE,
    "东经": Axis.LONGITUDE,
    "N": Axis.LATITUDE,
    "北纬": Axis.LATITUDE,
}
_WRONG_HEMISPHERE = ("W", "S", "西经", "南纬")


def degrees(cell: object, axis: Axis) -> float:
    """A longitude or latitude cell in decimal degrees (a number, or text in decimal degrees or
    degrees-minutes-seconds); :class:`PositionInvalid` when it is neither."""
    if isinstance(cell, bool):
        raise PositionInvalid(f"不是{axis.label}：“{cell}”")
    if isinstance(cell, int | float):
        return float(cell)
    raw = unicodedata.normalize("NFKC", str(cell)).strip().upper()
    # NFKC turns ′ ″ into ' and '' (and ° stays): both spellings are read below
    for word in _WRONG_HEMISPHERE:
        if raw.startswith(word) or raw.endswith(word):
            raise PositionInvalid(f"“{cell}”为西经或南纬，不在本国范围内")
    for word, wanted in _HEMISPHERE.items():
        if raw.startswith(word) or raw.endswith(word):
            if wanted is not axis:
                raise PositionInvalid(f"“{cell}”标注为{wanted.label}，却填在{axis.label}栏")
            raw = raw.removeprefix(word).removesuffix(word).strip(" :：")
    try:
        return float(raw)
    except ValueError:
        pass
    m = _DMS.fullmatch(raw)
    if m is None:
        raise PositionInvalid(
            f"“{cell}”不是有效的{axis.label}（应填十进制度数如113.7521，或度分秒如113°45′07.6″）"
        )
    deg = float(m["deg"])
    minutes = float(m["min"] or 0)
    seconds = float(m["sec"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise PositionInvalid(f"“{cell}”中的分或秒不小于60")
    if (m["min"] or m["sec"]) and not deg.is_integer():
        raise PositionInvalid(f"“{cell}”的度带有小数，又写了分秒")
    return deg + minutes / 60 + seconds / 3600


def position(lon_cell: object, lat_cell: object, extent: Extent) -> Position | None:
    """The position given by a list's 经度 and 纬度 cells (None when both are blank).

    Raises :class:`PositionInvalid` (with the axis it concerns as its second argument) when one
    is blank, unreadable or outside ``extent`` — saying so when the two look swapped."""
    lon_blank = lon_cell is None or str(lon_cell).strip() == ""
    lat_blank = lat_cell is None or str(lat_cell).strip() == ""
    if lon_blank and lat_blank:
        return None
    if lon_blank or lat_blank:
        missing = Axis.LONGITUDE if lon_blank else Axis.LATITUDE
        raise PositionInvalid(
            f"只填了{'纬度' if lon_blank else '经度'}，请同时填写经度和纬度", missing
        )
    try:
        lon = degrees(lon_cell, Axis.LONGITUDE)
    except PositionInvalid as exc:
        raise PositionInvalid(str(exc), Axis.LONGITUDE) from None
    try:
        lat = degrees(lat_cell, Axis.LATITUDE)
    except PositionInvalid as exc:
        raise PositionInvalid(str(exc), Axis.LATITUDE) from None
    for axis, value in ((Axis.LONGITUDE, lon), (Axis.LATITUDE, lat)):
        if extent.holds(axis, value):
            continue
        if extent.holds(Axis.LATITUDE, lon) and extent.holds(Axis.LONGITUDE, lat):
            raise PositionInvalid(
                f"经度{lon:g}、纬度{lat:g}疑似填反（经度应在{extent.range_text(Axis.LONGITUDE)}之间）",
                axis,
            )
        raise PositionInvalid(
            f"{axis.label}{value:g}超出范围（应在{extent.range_text(axis)}之间，单位为度）", axis
        )
    return Position(lon=round(lon, 6), lat=round(lat, 6))


def axis_of(exc: PositionInvalid) -> Axis:
    """The cell a :class:`PositionInvalid` from :func:`position` concerns."""
    return exc.args[1] if len(exc.args) > 1 else Axis.LONGITUDE
