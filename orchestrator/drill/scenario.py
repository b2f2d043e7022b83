"""A drill scenario (``samples/drill/scenario.toml``): the list, the forecasts dropped day by day,
the observations, the days consulted and how the enterprises behave."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.errors import ConfigInvalid, InputInvalid


class ScenarioInvalid(ConfigInvalid, InputInvalid):
    """Raised when a drill scenario cannot be read; the message names the file and the key. A
    data file like the configuration, given on the command line (unusable input: exit 2)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A drill scenario (``samples/drill/scenario.toml``): the list, the forecasts dropped day
    by day, the observations, the days consulted and how the enterprises behave."""

    title: str
    emission_list: Path
    list_effective_from: dt.date
    forecasts: Path
    stations: Path
    first_day: dt.date
    days: int
    consult_at: dt.time
    duty_officer: str
    acknowledge: float  # share signing within the deadline
    late: float  # share signing after it (the rest never sign)
    report: float  # share of the signers reporting implementation
    not_done: float  # share of the reporters with a line not done

    @classmethod
    def load(cls, path: Path, root: Path) -> Scenario:
        """Read and check a scenario; paths in it are relative to ``root`` (the project)."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ScenarioInvalid(f"{path}: 无法读取演练脚本：{exc}") from exc

        def get(key: str, kind: type | tuple[type, ...], table: Mapping[str, Any] = data) -> Any:
            value = table.get(key.rsplit(".", 1)[-1])
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                raise ScenarioInvalid(f"{path}: {key}: 缺少或类型不对")
            return value

        def folder(key: str) -> Path:
            p: Path = root / str(get(key, str))
            if not p.exists():
                raise ScenarioInvalid(f"{path}: {key}: {p} 不存在")
            return p

        people = data.get("enterprises")
        if not isinstance(people, dict):
            raise ScenarioInvalid(f"{path}: enterprises: 缺少企业应答比例表")
        shares = {}
        for key in ("acknowledge", "late", "report", "not_done"):
            v = float(get(f"enterprises.{key}", (int, float), people))
            if not 0 <= v <= 1:
                raise ScenarioInvalid(f"{path}: enterprises.{key}: 须在0到1之间")
            shares[key] = v
        if shares["acknowledge"] + shares["late"] > 1:
            raise ScenarioInvalid(f"{path}: enterprises: acknowledge与late之和不能超过1")
        days = get("days", int)
        if not 1 <= days <= 30:
            raise ScenarioInvalid(f"{path}: days: 须在1到30之间")
        try:
            at = dt.time.fromisoformat(get("consult_at", str))
        except ValueError:
            raise ScenarioInvalid(f"{path}: consult_at: 应为HH:MM") from None
        return cls(
            title=get("title", str),
            emission_list=folder("list"),
            list_effective_from=get("list_effective_from", dt.date),
            forecasts=folder("forecasts"),
            stations=folder("stations"),
            first_day=get("first_day", dt.date),
            days=days,
            consult_at=at,
            duty_officer=get("duty_officer", str),
            **shares,
        )
