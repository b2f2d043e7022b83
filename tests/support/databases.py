"""The databases every repository test runs on: a fresh SQLite file, and PostgreSQL in a schema
of this test run's own (so that a local run never disturbs a concurrent one, CI's included)."""

from __future__ import annotations

import functools
import os
import secrets
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text

PG_URL = os.environ.get(
    "ORCHESTRATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: This run's schema: tests drop and recreate it, never another run's.
SCHEMA = f"orc_test_{os.getpid()}_{secrets.token_hex(3)}"


@functools.cache
def pg_problem() -> str | None:
    """Why PostgreSQL cannot be used (None: it can)."""
    try:
        eng = create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except Exception as exc:  # any driver or network error means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def schema_url() -> str:
    """PostgreSQL with this run's schema first on the search path (the URL carries it, so that
    render workers and subprocesses connecting with it see the same schema)."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={SCHEMA}')}"


def tenant_schema_url(code: str) -> str:
    """PostgreSQL with this run's schema for the city ``code`` of a provincial installation."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={SCHEMA}_c{code}')}"


def reset_tenant_schema(engine: Engine, code: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}_c{code}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}_c{code}"'))


def reset_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))


def drop_schema() -> None:
    if pg_problem() is not None:
        return
    eng = create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        tenants = conn.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
            {"p": f"{SCHEMA}_c%"},
        ).scalars()
        for name in list(tenants):
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    eng.dispose()
