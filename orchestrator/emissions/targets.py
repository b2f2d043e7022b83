"""Reduction accounting: a list's (or a dispatch plan's) reductions per level and pollutant against
citywide emissions (全社会排放量) and the city's targets (DOMAIN.md §4)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.emissions.model import (
    Amounts,
    CityProfile,
    EmissionList,
    Species,
    sum_amounts,
)


@dataclass(frozen=True, slots=True)
class SpeciesCheck:
    reduction_kg_d: float
    citywide_kg_d: float
    ratio: float
    target: float
    met: bool


@dataclass(frozen=True, slots=True)
class LevelCheck:
    level: AlertLevel
    species: dict[Species, SpeciesCheck]
    contributors: dict[Species, list[tuple[str, float]]]  # largest enterprise reductions

    @property
    def met(self) -> bool:
        return all(c.met for c in self.species.values())


@dataclass(frozen=True, slots=True)
class LevelReduction:
    """What a list achieves at one level, independent of the city's targets: the total reduction
    (enterprises, dust sites, transport users) and the largest enterprise contributors.

    Computed once per list revision and level (at import) and kept with it, so that approving an
    alert checks the targets without reloading the list."""

    level: AlertLevel
    total: Amounts
    contributors: dict[Species, list[tuple[str, float]]]

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "total": {s.value: self.total.get(s) for s in Species},
            "contributors": {s.value: [list(c) for c in v] for s, v in self.contributors.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LevelReduction:
        return cls(
            level=AlertLevel(data["level"]),
            total=Amounts(**data["total"]),
            contributors={
                Species(s): [(str(n), float(v)) for n, v in items]
                for s, items in data["contributors"].items()
            },
        )


def level_reductions(
    lst: EmissionList, levels: tuple[AlertLevel, ...] = ALERT_LEVELS, top: int = 5
) -> list[LevelReduction]:
    """Per level: the list's total reduction and its ``top`` contributors per pollutant."""
    out = []
    for level in levels:
        per_enterprise = [(e.name, e.reduction(level)) for e in lst.enterprises]
        total = sum_amounts((*(r for _, r in per_enterprise), lst.others(level)))
        contributors = {}
        for s in Species:
            # ties keep list order
            ranked = heapq.nlargest(
                top, ((r.get(s), -i) for i, (_, r) in enumerate(per_enterprise))
            )
            contributors[s] = [(per_enterprise[-i][0], round(v, 3)) for v, i in ranked if v > 0]
        out.append(LevelReduction(level=level, total=total, contributors=contributors))
    return out


def check_reduction(red: LevelReduction, city: CityProfile) -> LevelCheck:
    """One level's reduction against citywide emissions and the city's target."""
    target = city.targets.get(red.level)
    checks = {}
    for s in Species:
        ratio = red.total.get(s) / city.citywide.get(s)
        goal = target.get(s) if target else 0.0
        checks[s] = SpeciesCheck(
            reduction_kg_d=round(red.total.get(s), 3),
            citywide_kg_d=city.citywide.get(s),
            ratio=round(ratio, 4),
            target=goal,
            met=ratio + 1e-12 >= goal,
        )
    return LevelCheck(level=red.level, species=checks, contributors=red.contributors)


def check_targets(
    lst: EmissionList,
    city: CityProfile,
    levels: tuple[AlertLevel, ...] = ALERT_LEVELS,
    top: int = 5,
) -> list[LevelCheck]:
    """Per level and pollutant: the list's reductions against citywide emissions and the target."""
    return [check_reduction(r, city) for r in level_reductions(lst, levels, top)]


def species_json(check: LevelCheck) -> dict[str, dict[str, Any]]:
    """One level's check per pollutant: ``{"SO2": {"reduction_kg_d", "citywide_kg_d", "ratio",
    "target", "met"}, …}`` — in ``list check --json`` and frozen on an approved alert revision."""
    return {
        s.label: {
            "reduction_kg_d": v.reduction_kg_d,
            "citywide_kg_d": v.citywide_kg_d,
            "ratio": v.ratio,
            "target": v.target,
            "met": v.met,
        }
        for s, v in check.species.items()
    }


def check_json(revision: int, checks: list[LevelCheck]) -> dict[str, Any]:
    """The documented JSON shape of ``orchestrator list check --json``."""
    return {"revision": revision, "levels": {c.level.value: species_json(c) for c in checks}}
