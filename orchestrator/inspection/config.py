"""``config/inspection.toml`` as values (pure): each scoring rule's weight and threshold, the truck
stages a transport ban covers, and the random share of the queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.inspection.model import Rule


@dataclass(frozen=True, slots=True, kw_only=True)
class InspectionConfig:
    weights: Mapping[Rule, int]  # points a rule adds when it fires (0: not used)
    cems_share: float  # an outlet at this share of its baseline rate or more is "not falling"
    cems_baseline_days: int  # the days before the alert its baseline is the mean of
    cems_min_hours: int  # alert hours read, at least, to judge an outlet
    ban_markers: tuple[str, ...]  # a measure text with one of these bans trucks
    banned_stages: tuple[str, ...]  # the stages such a ban covers
    random_share: float  # of each county's enterprises the rules left unscored, drawn at random
    random_least: int  # drawn per county at least (while it has any)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> InspectionConfig:
        """Checked values; a bad key raises ``ValueError`` naming ``source`` and the key."""

        def number(section: str, key: str, low: float, high: float) -> float:
            raw = data.get(section, {}).get(key)
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ValueError(f"{source}: {section}.{key}: 应为数字，实为{raw!r}")
            if not low <= raw <= high:
                raise ValueError(f"{source}: {section}.{key}: 应在{low:g}至{high:g}之间，实为{raw}")
            return float(raw)

        weights = data.get("weights", {})
        unknown = set(weights) - {r.value for r in Rule}
        if unknown:
            raise ValueError(f"{source}: weights.{sorted(unknown)[0]}: 没有这项规则")

        def texts(section: str, key: str) -> tuple[str, ...]:
            raw = data.get(section, {}).get(key)
            if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
                raise ValueError(f"{source}: {section}.{key}: 应为非空的文字列表")
            return tuple(t.strip() for t in raw)

        return cls(
            weights={r: int(number("weights", r.value, 0, 100)) for r in Rule},
            cems_share=number("cems", "not_falling_share", 0.05, 1.5),
            cems_baseline_days=int(number("cems", "baseline_days", 1, 30)),
            cems_min_hours=int(number("cems", "min_hours", 1, 24)),
            ban_markers=texts("gate", "ban_markers"),
            banned_stages=texts("gate", "banned_stages"),
            random_share=number("queue", "random_share", 0, 1),
            random_least=int(number("queue", "random_least", 0, 100)),
        )
