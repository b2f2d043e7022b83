"""Shared fixtures: the real config files of this repository, loaded once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from orchestrator.alerts.model import Ruleset, select_ruleset
from orchestrator.aqi.model import AqiStandard, select_standard
from orchestrator.config_files import load_rulesets, load_standards

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
ZONE = ZoneInfo("Asia/Shanghai")

_STANDARDS = load_standards(CONFIG)
_RULESETS = load_rulesets(CONFIG)


@pytest.fixture(scope="session")
def standards() -> tuple[AqiStandard, ...]:
    return _STANDARDS


@pytest.fixture(scope="session")
def hj2012() -> AqiStandard:
    return select_standard(_STANDARDS, standard_id="HJ633-2012")


@pytest.fixture(scope="session")
def hj2026() -> AqiStandard:
    return select_standard(_STANDARDS, standard_id="HJ633-2026")


def ruleset(ruleset_id: str) -> Ruleset:
    return select_ruleset(_RULESETS, ruleset_id)


def at(day: int, hour: int = 0, month: int = 1, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=ZONE)
