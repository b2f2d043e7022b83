"""Engines, schema migration (Alembic, run programmatically) and the databases use cases open."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from orchestrator.db.uow import Database, unavailable

MIGRATIONS = Path(__file__).parent / "migrations"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str) -> Engine:
    """An engine for ``url``.

    JSON columns go through orjson (plans are 100,000 JSON records; the standard library is 5×
    slower both ways). SQLite gets foreign keys on, its folder created and write-ahead logging:
    readers (web pages, delivery workers) never wait for a writer and a writer never for them,
    and with ``synchronous=NORMAL`` a commit does not wait for the disk — the database stays
    consistent on power loss, the last commits may be lost (production runs PostgreSQL).

    A server's pooled connections are tested as they are taken (``pool_pre_ping``): after a
    database restart, or a connection killed under it, the next request gets a new connection
    instead of an error."""
    file_db = url.startswith("sqlite:///") and url != "sqlite:///:memory:"
    if file_db:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        future=True,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_pre_ping=not url.startswith("sqlite"),
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

        @event.listens_for(engine, "savepoint")
        def _savepoint_inside_a_transaction(conn, _name):  # type: ignore[no-untyped-def]
            # The sqlite3 module opens a transaction only before the first INSERT, UPDATE or
            # DELETE; a SAVEPOINT before that would open one of its own, and releasing it would
            # commit everything at once. A unit of work that takes a savepoint writes: open its
            # transaction now, taking the write lock (waiting for it up to the busy timeout).
            if not conn.connection.driver_connection.in_transaction:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


_SEARCH_PATH = "-csearch_path="


def schema_of(url: str) -> str | None:
    """The PostgreSQL schema a URL puts first on the search path (None: the server's default)."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        return None
    options = u.query.get("options", "")
    for part in (options,) if isinstance(options, str) else options:
        for word in part.split():
            if word.startswith(_SEARCH_PATH):
                return word.removeprefix(_SEARCH_PATH).split(",")[0].strip('"') or None
    return None


def tenant_url(url: str, code: str) -> str:
    """The database of the city ``code`` in a provincial installation whose own database is at
    ``url``: with SQLite a file beside the installation's (``orchestrator-990100.db``), with
    PostgreSQL a schema of its own in the same database (the installation's schema, or
    ``city``, suffixed ``_c990100``), created on first use. A city's units of work open only
    its own database: no statement of one city can read or change another's rows."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database in (None, "", ":memory:"):
            raise ValueError("an in-memory SQLite database has no cities beside it")
        path = Path(u.database)
        return str(u.set(database=str(path.with_name(f"{path.stem}-{code}{path.suffix}"))))
    schema = f"{schema_of(url) or 'city'}_c{code}"
    return u.update_query_dict({"options": f"{_SEARCH_PATH}{schema}"}).render_as_string(
        hide_password=False
    )


def _create_schema(engine: Engine, url: str) -> None:
    schema = schema_of(url)
    if schema is not None:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def database_at(url: str) -> Database:
    """The database at ``url``, as it is (a render worker's: its schema migrated already)."""
    return Database(make_engine(url))


@functools.cache
def open_database(url: str) -> Database:
    """The database at ``url``, migrated to the newest schema when first used (once per
    process)."""

    def opened() -> Engine:
        engine = make_engine(url)
        try:
            _create_schema(engine, url)
            migrate(engine)
        except SQLAlchemyError as exc:
            raise unavailable(exc) from exc
        return engine

    return Database(opener=opened)


def fresh_sqlite(path: Path) -> Database:
    """A new, empty SQLite database at ``path`` (a drill's, the demo's), migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    return Database(engine)
