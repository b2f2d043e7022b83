"""The administrative tiers as values (pure): a province, its cities (地级市) and their counties
and districts (区县), each with its GB/T 2260 code, and which of them an installation serves.

A code is six digits: two for the province, two for the city, two for the county. A province's
ends in 0000, a city's in 00 and begins with its province's two; a county's begins with its
city's four. An installation serves one city (as every installation so far: the default) or one
province with all its cities (the provincial platform).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

_CODE = re.compile(r"^[1-9][0-9]{5}$")


class Tier(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"

    @property
    def label(self) -> str:
        return {"province": "省", "city": "市", "county": "县（市、区）"}[self.value]


def tier_of(code: str) -> Tier | None:
    """The tier a GB/T 2260 code names by its shape (None: not a code)."""
    if not _CODE.match(code):
        return None
    if code.endswith("0000"):
        return Tier.PROVINCE
    if code.endswith("00"):
        return Tier.CITY
    return Tier.COUNTY


def parent_code(code: str) -> str | None:
    """The code of the tier above (None for a province)."""
    tier = tier_of(code)
    if tier is Tier.COUNTY:
        return code[:4] + "00"
    if tier is Tier.CITY:
        return code[:2] + "0000"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Region:
    code: str
    name: str
    tier: Tier
    parent: str | None = None  # its parent's code


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionTree:
    """A province and its cities and counties (or a single city and its counties), with the
    area the installation serves (``serves``: a city's or the province's code)."""

    regions: tuple[Region, ...]
    serves: str
    _by_code: dict[str, Region] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[Region, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code = {r.code: r for r in self.regions}
        children: dict[str, list[Region]] = {}
        for r in self.regions:
            if r.parent is not None:
                children.setdefault(r.parent, []).append(r)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    def get(self, code: str) -> Region | None:
        return self._by_code.get(code)

    def children(self, code: str) -> tuple[Region, ...]:
        return self._children.get(code, ())

    @property
    def root(self) -> Region:
        return next(r for r in self.regions if r.parent is None)

    @property
    def served(self) -> Region:
        found = self.get(self.serves)
        assert found is not None
        return found

    @property
    def provincial(self) -> bool:
        """The installation serves a province and all its cities (the provincial platform)."""
        return self.served.tier is Tier.PROVINCE

    def cities(self) -> tuple[Region, ...]:
        """The cities the installation serves (one, or every city of its province)."""
        if self.served.tier is Tier.CITY:
            return (self.served,)
        return tuple(r for r in self.children(self.serves) if r.tier is Tier.CITY)

    def counties(self, city: str) -> tuple[Region, ...]:
        return tuple(r for r in self.children(city) if r.tier is Tier.COUNTY)

    def county(self, city: str, name: str) -> Region | None:
        """A city's county by name, as a list row or a notice writes it."""
        return next((r for r in self.counties(city) if r.name == name), None)

    def path(self, code: str) -> tuple[Region, ...]:
        """``code``'s region and the ones above it, top first."""
        out: list[Region] = []
        r = self.get(code)
        while r is not None:
            out.append(r)
            r = self.get(r.parent) if r.parent else None
        return tuple(reversed(out))

    def within(self, code: str, area: str) -> bool:
        """``code`` is ``area`` or lies in it."""
        return any(r.code == area for r in self.path(code))

    def walk(self) -> Iterator[tuple[int, Region]]:
        """Every region, depth first, with its depth (0: the root)."""

        def down(r: Region, depth: int) -> Iterator[tuple[int, Region]]:
            yield depth, r
            for child in self.children(r.code):
                yield from down(child, depth + 1)

        yield from down(self.root, 0)
