"""Reduction accounting: a list's (or a dispatch plan's) reductions per level and pollutant against
citywide emissions (全社会排放量) and the city's targets (DOMAIN.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import LIST_LEVELS, CityProfile, EmissionList, Species


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


def check_targets(
    lst: EmissionList, city: CityProfile, levels: tuple[AlertLevel, ...] = LIST_LEVELS, top: int = 5
) -> list[LevelCheck]:
    """Per level and pollutant: the list's reductions against citywide emissions and the target."""
    out = []
    for level in levels:
        total = lst.reduction(level)
        target = city.targets.get(level)
        checks = {}
        contributors = {}
        for s in Species:
            ratio = total.get(s) / city.citywide.get(s)
            goal = target.get(s) if target else 0.0
            checks[s] = SpeciesCheck(
                reduction_kg_d=round(total.get(s), 3),
                citywide_kg_d=city.citywide.get(s),
                ratio=round(ratio, 4),
                target=goal,
                met=ratio + 1e-12 >= goal,
            )
            ranked = sorted(
                ((e.name, e.reduction(level).get(s)) for e in lst.enterprises), key=lambda x: -x[1]
            )
            contributors[s] = [(n, round(v, 3)) for n, v in ranked[:top] if v > 0]
        out.append(LevelCheck(level=level, species=checks, contributors=contributors))
    return out


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
