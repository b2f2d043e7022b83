"""The effect assessment's configuration (``config/assessment.toml``) as values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.emissions.model import Grade


@dataclass(frozen=True, slots=True)
class AssessmentConfig:
    """``config/assessment.toml``: the grade proposed for a non-compliant enterprise."""

    downgrade: Mapping[str, str]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> AssessmentConfig:
        grades = {g.value for g in Grade}
        table = data.get("downgrade", {})
        if not isinstance(table, Mapping):
            raise ValueError(f"{source}: downgrade: 须为“等级 = 下调后等级”的表")
        for key in data:
            if key != "downgrade":
                raise ValueError(f"{source}: {key}: 未知配置项")
        for old, new in table.items():
            for value in (old, new):
                if value not in grades:
                    raise ValueError(
                        f"{source}: downgrade.{old}: “{value}”不是绩效等级（{'、'.join(sorted(grades))}）"
                    )
            if Grade(new).rank > Grade(old).rank:
                raise ValueError(f"{source}: downgrade.{old}: 下调后的等级“{new}”高于原等级")
        return cls(downgrade=dict(table))
