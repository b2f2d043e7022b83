"""Shared fixtures: every repository test runs on SQLite and on PostgreSQL (this run's schema)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from orchestrator.aqi.model import AqiStandard, select_standard
from orchestrator.db.database import make_engine, migrate
from tests.support.base import STANDARDS
from tests.support.databases import PG_URL, drop_schema, pg_problem, reset_schema, schema_url
from tests.support.servers import HttpSink, SmtpServer


@pytest.fixture(scope="session")
def standards() -> tuple[AqiStandard, ...]:
    return STANDARDS


@pytest.fixture(scope="session")
def hj2012() -> AqiStandard:
    return select_standard(STANDARDS, standard_id="HJ633-2012")


@pytest.fixture(scope="session")
def hj2026() -> AqiStandard:
    return select_standard(STANDARDS, standard_id="HJ633-2026")


@pytest.fixture(scope="session", autouse=True)
def _own_postgresql_schema() -> Iterator[None]:
    yield
    drop_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path) -> Iterator[Engine]:
    """A freshly migrated database. PostgreSQL is required in CI; locally it skips, saying why."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        problem = pg_problem()
        if problem is not None:
            if os.environ.get("CI"):
                pytest.fail(f"CI needs PostgreSQL at {PG_URL}: {problem}")
            pytest.skip(
                f"PostgreSQL not reachable at {PG_URL} ({problem}); set ORCHESTRATOR_TEST_PG_URL"
            )
        eng = make_engine(schema_url())
        reset_schema(eng)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    """A real HTTP server on loopback that records what it is sent."""
    server = HttpSink().start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that keeps what it is sent."""
    server = SmtpServer().start()
    yield server
    server.stop()
