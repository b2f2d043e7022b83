"""Shared fixtures: the real config files of this repository, loaded once."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text

from orchestrator.alerts.model import Ruleset, select_ruleset
from orchestrator.aqi.model import AqiStandard, select_standard
from orchestrator.config_files import load_rulesets, load_standards
from orchestrator.db.database import make_engine, migrate
from orchestrator.links import LinkSigner

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
ZONE = ZoneInfo("Asia/Shanghai")

#: Signs the acknowledge links in the tests' orders (a fixed test key).
LINKS = LinkSigner(b"test-link-secret-0123456789", valid_days=30)

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


# --- databases: every repository test runs on SQLite and on PostgreSQL ----------------------------

PG_URL = os.environ.get(
    "ORCHESTRATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@functools.cache
def _pg_problem() -> str | None:
    try:
        eng = create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except Exception as exc:  # any driver or network error means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path) -> Iterator[Engine]:
    """A freshly migrated database. PostgreSQL is required in CI; locally it skips, saying why."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        problem = _pg_problem()
        if problem is not None:
            if os.environ.get("CI"):
                pytest.fail(f"CI needs PostgreSQL at {PG_URL}: {problem}")
            pytest.skip(
                f"PostgreSQL not reachable at {PG_URL} ({problem}); set ORCHESTRATOR_TEST_PG_URL"
            )
        eng = make_engine(PG_URL)
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(eng)
    yield eng
    eng.dispose()
