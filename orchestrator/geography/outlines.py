"""County outlines (区县界) read from GeoJSON with Shapely: which county a position lies in, and
the outlines as the map draws them."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.errors import ConfigInvalid
from orchestrator.geography.model import Position


@dataclass(frozen=True, slots=True)
class Misplaced:
    """A point whose position lies outside the county its row names."""

    what: str  # 企业“…”（统一社会信用代码）, 工地“…”
    county: str
    position: Position
    found_in: str  # the county it does lie in ("" = outside every outline)

    @property
    def message(self) -> str:
        where = f"位于“{self.found_in}”" if self.found_in else "不在本市任何区县范围内"
        return (
            f"{self.what}的坐标（{self.position.text}）{where}，与所填区县“{self.county}”不符，"
            "请核对经纬度（高德、腾讯、百度等网络地图的坐标有数百米偏移，应填写CGCS2000坐标）"
        )


class Outlines:
    """The counties' outlines of one city (a GeoJSON FeatureCollection of Polygons or
    MultiPolygons, one feature per county)."""

    def __init__(self, document: dict[str, Any], *, name_property: str, source: str) -> None:
        from shapely import prepare
        from shapely.geometry import shape

        self.document = document
        self._shapes: dict[str, Any] = {}
        features = document.get("features") if isinstance(document, dict) else None
        if document.get("type") != "FeatureCollection" or not isinstance(features, list):
            raise ConfigInvalid(f"{source}: not a GeoJSON FeatureCollection")
        for i, feature in enumerate(features):
            name = str((feature.get("properties") or {}).get(name_property, "")).strip()
            if not name:
                raise ConfigInvalid(f"{source}: features[{i}]: no “{name_property}” property")
            try:
                geometry = shape(feature["geometry"])
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ConfigInvalid(f"{source}: features[{i}] ({name}): {exc}") from None
            if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
                raise ConfigInvalid(
                    f"{source}: features[{i}] ({name}): a valid Polygon or MultiPolygon is needed"
                )
            prepare(geometry)
            self._shapes[name] = geometry

    @classmethod
    def read(cls, path: Path, *, name_property: str = "name") -> Outlines:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigInvalid(f"{path}: cannot be read as GeoJSON: {exc}") from None
        if not isinstance(document, dict):
            raise ConfigInvalid(f"{path}: not a GeoJSON FeatureCollection")
        return cls(document, name_property=name_property, source=str(path))

    @property
    def counties(self) -> tuple[str, ...]:
        return tuple(self._shapes)

    def unknown(self, counties: Collection[str]) -> list[str]:
        """The ``counties`` (the city's) that have no outline here."""
        return [c for c in counties if c not in self._shapes]

    def bounds(self, county: str) -> tuple[float, float, float, float]:
        """The county's bounding box: west, south, east, north."""
        west, south, east, north = self._shapes[county].bounds
        return west, south, east, north

    def covers(self, county: str, p: Position) -> bool:
        """Whether ``p`` lies in ``county`` (its outline or on it)."""
        from shapely import Point

        return bool(self._shapes[county].covers(Point(p.lon, p.lat)))

    def county_of(self, p: Position) -> str:
        """The county ``p`` lies in ("" when in none)."""
        from shapely import Point

        point = Point(p.lon, p.lat)
        for name, geometry in self._shapes.items():
            if geometry.covers(point):
                return name
        return ""

    def misplaced(self, points: Iterable[tuple[str, str, Position]]) -> list[Misplaced]:
        """Of ``(what, county, position)``, those outside the county they name (a county
        without an outline is not checked)."""
        out = []
        for what, county, p in points:
            if county not in self._shapes or self.covers(county, p):
                continue
            out.append(Misplaced(what, county, p, self.county_of(p)))
        return out
