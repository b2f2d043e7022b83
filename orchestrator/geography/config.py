"""``config/map.toml``: where the county outlines are, where the monitoring stations stand, and
the colours the map draws each order state in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestrator.errors import ConfigInvalid
from orchestrator.geography.model import Position

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

#: What the map colours: each order state, and the list's points without an alert.
COLOURED = (
    "unsigned",
    "overdue",
    "signed",
    "implemented",
    "failed",
    "not_ordered",
    "enterprise",
    "site",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MapConfig:
    """The map's data: ``outlines`` a GeoJSON file (relative to the config folder; "" = none)
    whose features carry the county's name in ``name_property``; each station's position."""

    outlines: str = ""
    name_property: str = "name"
    stations: Mapping[str, Position] = field(default_factory=dict)
    colours: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> MapConfig:
        unknown = set(data) - {"outlines", "name_property", "stations", "colours"}
        if unknown:
            raise ConfigInvalid(f"{source}: {sorted(unknown)[0]}: unknown key")
        stations: dict[str, Position] = {}
        for name, place in dict(data.get("stations", {})).items():
            try:
                stations[str(name)] = Position(lon=float(place["lon"]), lat=float(place["lat"]))
            except (KeyError, TypeError, ValueError):
                raise ConfigInvalid(
                    f"{source}: stations.{name}: needs lon and lat in decimal degrees"
                ) from None
        colours = {str(k): str(v) for k, v in dict(data.get("colours", {})).items()}
        for key, value in colours.items():
            if key not in COLOURED:
                raise ConfigInvalid(
                    f"{source}: colours.{key}: unknown (known: {', '.join(COLOURED)})"
                )
            if not _COLOUR.fullmatch(value):
                raise ConfigInvalid(f"{source}: colours.{key}: must be #rrggbb, got {value!r}")
        missing = [k for k in COLOURED if k not in colours]
        if missing:
            raise ConfigInvalid(f"{source}: colours.{missing[0]}: missing")
        return cls(
            outlines=str(data.get("outlines", "")),
            name_property=str(data.get("name_property", "name")),
            stations=stations,
            colours=colours,
        )
