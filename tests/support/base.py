"""The repository's own configuration, loaded once, and the tests' fixed values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestrator.alerts.model import Ruleset, select_ruleset
from orchestrator.bootstrap.config_files import load_rulesets, load_standards
from orchestrator.notices.links import LinkSigner

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG = ROOT / "config"
ZONE = ZoneInfo("Asia/Shanghai")

#: Signs the acknowledge links in the tests' orders (a fixed test key; the configured validity).
LINK_SECRET = "test-link-secret-0123456789"
LINKS = LinkSigner(LINK_SECRET.encode(), valid_days=30)

STANDARDS = load_standards(CONFIG)
RULESETS = load_rulesets(CONFIG)


def ruleset(ruleset_id: str) -> Ruleset:
    return select_ruleset(RULESETS, ruleset_id)


def at(day: int, hour: int = 0, month: int = 1, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=ZONE)
