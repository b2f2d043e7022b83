"""Engines and schema migration (Alembic, run programmatically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).parent / "migrations"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str) -> Engine:
    """An engine for ``url``.

    JSON columns go through orjson (plans are 100,000 JSON records; the standard library is 5×
    slower both ways). SQLite gets foreign keys on, its folder created and write-ahead logging:
    readers (web pages, delivery workers) never wait for a writer and a writer never for them,
    and with ``synchronous=NORMAL`` a commit does not wait for the disk — the database stays
    consistent on power loss, the last commits may be lost (production runs PostgreSQL)."""
    file_db = url.startswith("sqlite:///") and url != "sqlite:///:memory:"
    if file_db:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, future=True, json_serializer=_json_dumps, json_deserializer=orjson.loads
    )
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if file_db:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
