"""``config/regions.toml``: the province, its cities and counties with their GB/T 2260 codes, and
the area this installation serves — read and checked, every mistake named with the file and key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.errors import ConfigInvalid, InputInvalid
from orchestrator.region.directives import Actor, ProvincialRole
from orchestrator.region.model import Region, RegionTree, Tier, parent_code, tier_of


def _region(d: Any, where: str, tier: Tier, parent: str | None) -> Region:
    if not isinstance(d, Mapping):
        raise ConfigInvalid(f"{where}: a table with code and name")
    code, name = str(d.get("code", "")).strip(), str(d.get("name", "")).strip()
    if not name:
        raise ConfigInvalid(f"{where}.name: missing")
    found = tier_of(code)
    if found is None:
        raise ConfigInvalid(f"{where}.code: “{code}” is not a GB/T 2260 code (six digits)")
    if found is not tier:
        raise ConfigInvalid(
            f"{where}.code: “{code}” is a {found.value}'s code; a {tier.value} is expected "
            "(province ##0000, city ####00, county ######)"
        )
    if parent is not None and parent_code(code) != parent:
        raise ConfigInvalid(f"{where}.code: “{code}” does not lie in {parent}")
    return Region(code=code, name=name, tier=tier, parent=parent)


def regions_from_mapping(data: Mapping[str, Any], *, source: str) -> RegionTree:
    unknown = set(data) - {"serves", "province", "cities"}
    if unknown:
        raise ConfigInvalid(f"{source}: {sorted(unknown)[0]}: unknown key")
    regions: list[Region] = []
    province = None
    if "province" in data:
        province = _region(data["province"], f"{source}: province", Tier.PROVINCE, None)
        regions.append(province)
    cities = data.get("cities", [])
    if not isinstance(cities, list) or not cities:
        raise ConfigInvalid(f"{source}: cities: at least one [[cities]]")
    if province is None and len(cities) > 1:
        raise ConfigInvalid(f"{source}: province: several cities need their [province]")
    for i, c in enumerate(cities):
        where = f"{source}: cities[{i}]"
        city = _region(c, where, Tier.CITY, province.code if province else None)
        regions.append(city)
        counties = c.get("counties", [])
        if not isinstance(counties, list) or not counties:
            raise ConfigInvalid(f"{where}.counties: at least one county")
        names: set[str] = set()
        for j, k in enumerate(counties):
            county = _region(k, f"{where}.counties[{j}]", Tier.COUNTY, city.code)
            if county.name in names:
                raise ConfigInvalid(f"{where}.counties[{j}].name: “{county.name}” is given twice")
            names.add(county.name)
            regions.append(county)
    codes = [r.code for r in regions]
    twice = next((c for c in codes if codes.count(c) > 1), None)
    if twice is not None:
        raise ConfigInvalid(f"{source}: code “{twice}” is given twice")
    city_names = [r.name for r in regions if r.tier is Tier.CITY]
    twice = next((n for n in city_names if city_names.count(n) > 1), None)
    if twice is not None:
        raise ConfigInvalid(f"{source}: city “{twice}” is given twice")
    serves = str(data.get("serves", "")).strip()
    allowed = {r.code for r in regions if r.tier in (Tier.PROVINCE, Tier.CITY)}
    if serves not in allowed:
        raise ConfigInvalid(
            f"{source}: serves: “{serves}” is not the province or one of its cities "
            f"({', '.join(sorted(allowed))})"
        )
    return RegionTree(regions=tuple(regions), serves=serves)


def check_city(tree: RegionTree, *, source: str, code: str, counties: Collection[str]) -> None:
    """``config/city.toml``'s city (``code``, its ``counties`` by name) is the tree's: the same
    code and the same counties, so that a list row's 区县 has one code."""
    city = tree.get(code)
    if city is None or city.tier is not Tier.CITY:
        raise ConfigInvalid(f"{source}: city.toml's region_code {code} is no city of the tree")
    named = {r.name for r in tree.counties(code)}
    if named != set(counties):
        missing = sorted(set(counties) - named)
        extra = sorted(named - set(counties))
        raise ConfigInvalid(
            f"{source}: cities “{city.name}”: counties differ from city.toml's"
            + (f" (not in regions.toml: {', '.join(missing)})" if missing else "")
            + (f" (not in city.toml: {', '.join(extra)})" if extra else "")
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvinceOffice:
    """``config/province.toml``: the provincial office issuing the 调度令."""

    issuer: str
    issuer_code: str
    number: str  # {code}〔{year}〕{seq}号
    start_within_hours: int
    daily_by: dt.time
    people: tuple[Actor, ...]
    # the cities that run their own installation: they fetch their orders from this one and
    # send their report-backs to it over the network (config/federation/<code>.pub their keys)
    federated: tuple[str, ...] = ()

    def number_of(self, year: int, seq: int) -> str:
        return self.number.format(code=self.issuer_code, year=year, seq=seq)

    def person(self, name: str) -> Actor:
        found = next((p for p in self.people if p.name == name), None)
        if found is None:
            names = "、".join(p.name for p in self.people)
            raise InputInvalid(f"“{name}”不是省级办公室人员（config/province.toml：{names}）")
        return found


def province_from_mapping(data: Mapping[str, Any], *, source: str) -> ProvinceOffice:
    try:
        issuer, code = str(data["issuer"]).strip(), str(data["issuer_code"]).strip()
        number = str(data.get("number", "{code}〔{year}〕{seq}号"))
        reports = data.get("reports", {})
        within = int(reports.get("start_within_hours", 2))
        daily_by = dt.time.fromisoformat(str(reports.get("daily_by", "10:00")))
        people = tuple(
            Actor(name=str(p["name"]).strip(), role=ProvincialRole(str(p["role"])))
            for p in data.get("people", [])
        )
        federated = tuple(str(c) for c in data.get("federation", {}).get("cities", []))
    except KeyError as exc:
        raise ConfigInvalid(f"{source}: missing key {exc.args[0]!r}") from exc
    except ValueError as exc:
        raise ConfigInvalid(f"{source}: {exc}") from exc
    if not issuer or not code:
        raise ConfigInvalid(f"{source}: issuer and issuer_code must not be empty")
    try:
        number.format(code=code, year=2026, seq=1)
    except (KeyError, IndexError) as exc:
        raise ConfigInvalid(f"{source}: number: unknown field {exc}") from exc
    if not 1 <= within <= 72:
        raise ConfigInvalid(f"{source}: reports.start_within_hours: 1 to 72")
    return ProvinceOffice(
        issuer=issuer,
        issuer_code=code,
        number=number,
        start_within_hours=within,
        daily_by=daily_by,
        people=people,
        federated=federated,
    )
