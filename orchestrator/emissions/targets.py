"""Reduction accounting: a list's (or a dispatch plan's) reductions per level and pollutant against
citywide emissions (全社会排放量) and the city's targets (DOMAIN.md §4)."""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.emissions.model import (
    ZERO,
    Amounts,
    CityProfile,
    ControlCategory,
    EmissionList,
    Species,
    least,
    sum_amounts,
)
from orchestrator.emissions.plans import PlanEntry, PlanMode, plan_mode

# Contributors kept per pollutant, so that a discount can re-rank the first five: exact while
# five of them are not discounted (every enterprise left out reduces no more than those five).
LEADING = 100


@dataclass(frozen=True, slots=True)
class SpeciesCheck:
    reduction_kg_d: float  # what the alert adds: the plan's reduction less what is already required
    citywide_kg_d: float
    ratio: float
    target: float
    met: bool
    already_controlled_kg_d: float = 0.0  # the plan's reduction already required without it
    negotiated_kg_d: float = 0.0  # of ``reduction_kg_d``: negotiated reductions (协商减排)


@dataclass(frozen=True, slots=True)
class LevelCheck:
    level: AlertLevel
    species: dict[Species, SpeciesCheck]
    contributors: dict[Species, list[tuple[str, float]]]  # largest enterprise reductions
    controls: tuple[str, ...] = ()  # the recurring controls in force whose share was discounted

    @property
    def met(self) -> bool:
        return all(c.met for c in self.species.values())

    @property
    def discounted(self) -> bool:
        return any(c.already_controlled_kg_d > 0 for c in self.species.values())


@dataclass(frozen=True, slots=True)
class Controlled:
    """What recurring controls in force at one moment already require of the list's lines (the
    rounds sent: staggered production, the ozone window): per enterprise, per line, the daily
    amounts removed — None where the line is stopped outright and the amounts were not kept."""

    lines: Mapping[str, Mapping[str, Amounts | None]]
    controls: tuple[str, ...]  # the rounds' titles


NOTHING_CONTROLLED = Controlled(lines={}, controls=())


@dataclass(frozen=True, slots=True)
class Discount:
    """What a plan's reduction counts that is already required on the day: per enterprise, and
    the recurring controls that require it."""

    by_enterprise: Mapping[str, Amounts]
    controls: tuple[str, ...]

    @property
    def total(self) -> Amounts:
        return sum_amounts(self.by_enterprise.values())


def discount(entries: Iterable[PlanEntry], controlled: Controlled) -> Discount:
    """Line by line, the part of each plan entry's reduction that a recurring control in force
    already requires: a line stopped by the control adds nothing; a line limited by 30 % adds
    only what the alert's measure removes beyond those 30 % ("执行较严格者", DOMAIN.md §5).
    Enterprises that reduce autonomously or stay stopped are discounted elsewhere (they add
    nothing to the plan's reduction)."""
    out: dict[str, Amounts] = {}
    for e in entries:
        lines = controlled.lines.get(e.uscc)
        if not lines or e.mode in (PlanMode.AUTONOMOUS, PlanMode.LONG_STOPPED):
            continue
        parts = []
        for ln in e.lines:
            if ln.measure is None or ln.name not in lines:
                continue
            c = lines[ln.name]
            parts.append(ln.measure.reduction if c is None else least(ln.measure.reduction, c))
        if parts:
            out[e.uscc] = sum_amounts(parts)
    return Discount(by_enterprise=out, controls=controlled.controls if out else ())


@dataclass(frozen=True, slots=True)
class LevelReduction:
    """What a list achieves at one level, independent of the city's targets: the total reduction
    (enterprises, dust sites, transport users) and the largest enterprise contributors.

    Computed once per list revision and level (at import) and kept with it, so that approving an
    alert checks the targets without reloading the list."""

    level: AlertLevel
    total: Amounts  # what the plan's measures remove, idle plants included
    contributors: dict[Species, list[tuple[str, float]]]
    idle: Amounts = ZERO  # of which: enterprises already stopped (长期停产), which add nothing
    leading: dict[Species, list[tuple[str, str, float]]] = field(default_factory=dict)
    # (USCC, name, reduction) of the LEADING largest contributors, to re-rank after a discount

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "total": {s.value: self.total.get(s) for s in Species},
            "contributors": {s.value: [list(c) for c in v] for s, v in self.contributors.items()},
            "idle": {s.value: self.idle.get(s) for s in Species},
            "leading": {s.value: [list(c) for c in v] for s, v in self.leading.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LevelReduction:
        """Also reads what revisions imported before idle plants were told apart kept."""
        return cls(
            level=AlertLevel(data["level"]),
            total=Amounts(**data["total"]),
            contributors={
                Species(s): [(str(n), float(v)) for n, v in items]
                for s, items in data["contributors"].items()
            },
            idle=Amounts(**data["idle"]) if "idle" in data else ZERO,
            leading={
                Species(s): [(str(u), str(n), float(v)) for u, n, v in items]
                for s, items in data.get("leading", {}).items()
            },
        )


def _enterprise_reduction(mode: PlanMode, amounts: Amounts) -> Amounts:
    return ZERO if mode is PlanMode.AUTONOMOUS else amounts


def level_reductions(
    lst: EmissionList, levels: tuple[AlertLevel, ...] = ALERT_LEVELS, top: int = 5
) -> list[LevelReduction]:
    """Per level: the plan's total reduction (enterprises as their plan entries count them:
    nothing for those that reduce autonomously), what of it idle plants account for, and the
    largest contributors per pollutant (idle plants not among them)."""
    out = []
    modes = [plan_mode(e) for e in lst.enterprises]
    for level in levels:
        per_enterprise = [
            (e, _enterprise_reduction(m, e.reduction(level)))
            for e, m in zip(lst.enterprises, modes, strict=True)
        ]
        total = sum_amounts((*(r for _, r in per_enterprise), lst.others(level)))
        idle = sum_amounts(
            r for e, r in per_enterprise if e.category is ControlCategory.LONG_STOPPED
        )
        contributors, leading = {}, {}
        for s in Species:
            # ties keep list order
            ranked = heapq.nlargest(
                max(top, LEADING),
                (
                    (r.get(s), -i)
                    for i, (e, r) in enumerate(per_enterprise)
                    if e.category is not ControlCategory.LONG_STOPPED
                ),
            )
            firms = [(per_enterprise[-i][0], round(v, 3)) for v, i in ranked if v > 0]
            contributors[s] = [(e.name, v) for e, v in firms[:top]]
            leading[s] = [(e.uscc, e.name, v) for e, v in firms]
        out.append(
            LevelReduction(
                level=level, total=total, contributors=contributors, idle=idle, leading=leading
            )
        )
    return out


def check_reduction(
    red: LevelReduction, city: CityProfile, less: Discount | None = None, top: int = 5
) -> LevelCheck:
    """One level's reduction against citywide emissions and the city's target: what the plan
    adds on the day, i.e. less what idle plants and ``less`` (the recurring controls in force)
    already remove."""
    target = city.targets.get(red.level)
    already = red.idle + less.total if less is not None else red.idle
    checks = {}
    for s in Species:
        added = max(red.total.get(s) - already.get(s), 0.0)
        ratio = added / city.citywide.get(s)
        goal = target.get(s) if target else 0.0
        checks[s] = SpeciesCheck(
            reduction_kg_d=round(added, 3),
            citywide_kg_d=city.citywide.get(s),
            ratio=round(ratio, 4),
            target=goal,
            met=ratio + 1e-12 >= goal,
            already_controlled_kg_d=round(already.get(s), 3),
        )
    contributors = red.contributors
    if less is not None and less.by_enterprise and red.leading:
        contributors = {}
        for s, items in red.leading.items():
            net = [(n, round(v - less.by_enterprise.get(u, ZERO).get(s), 3)) for u, n, v in items]
            contributors[s] = sorted((c for c in net if c[1] > 0), key=lambda c: -c[1])[:top]
    return LevelCheck(
        level=red.level,
        species=checks,
        contributors=contributors,
        controls=less.controls if less is not None else (),
    )


def inventory_problems(lst: EmissionList, city: CityProfile) -> list[str]:
    """Pollutants whose citywide emissions (全社会排放量, the ratios' denominator) are smaller
    than what the list's own sources emit on an ordinary day: an inventory that cannot be
    right, and that would overstate every reduction ratio. Said as hints at import."""
    listed = sum_amounts(
        (
            *(e.baseline for e in lst.enterprises),
            Amounts(pm=sum(d.baseline_pm for d in lst.dust_sites)),
        )
    )
    return [
        f"config/city.toml:citywide:{s.label}: 全社会排放量{city.citywide.get(s):g}千克/日"
        f"小于清单所列污染源日常排放量之和{round(listed.get(s), 1):g}千克/日，"
        "减排比例将被高估，请核实城市排放清单"
        for s in Species
        if listed.get(s) > city.citywide.get(s)
    ]


def with_negotiated(check: LevelCheck, agreed: Amounts, city: CityProfile) -> LevelCheck:
    """The check with what negotiated reductions (协商减排) add: they are agreed beyond the list
    measures of their lines, so they add to the reduction as they are."""
    species = {}
    for s, v in check.species.items():
        extra = agreed.get(s)
        reduction = v.reduction_kg_d + extra
        ratio = reduction / city.citywide.get(s)
        species[s] = dataclasses.replace(
            v,
            reduction_kg_d=round(reduction, 3),
            ratio=round(ratio, 4),
            met=ratio + 1e-12 >= v.target,
            negotiated_kg_d=round(extra, 3),
        )
    return dataclasses.replace(check, species=species)


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
            "already_controlled_kg_d": v.already_controlled_kg_d,
        }
        for s, v in check.species.items()
    }


def targets_record(check: LevelCheck) -> dict[str, Any]:
    """The check as frozen with an approved alert revision (``negotiated``: per pollutant, what
    of the reduction negotiated reductions add)."""
    return {
        "met": check.met,
        "species": species_json(check),
        "controls": list(check.controls),
        "negotiated": {s.label: v.negotiated_kg_d for s, v in check.species.items()},
    }


def check_json(revision: int, checks: list[LevelCheck]) -> dict[str, Any]:
    """The documented JSON shape of ``orchestrator list check --json``."""
    return {"revision": revision, "levels": {c.level.value: species_json(c) for c in checks}}
