"""Bulk stores: 100,000 rows in one statement."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from orchestrator.delivery.model import Subject


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    constants: Mapping[str, Any] | None = None,
) -> None:
    """``INSERT`` many rows (tuples in ``columns`` order, then ``constants``, the same for every
    row) with one ``executemany`` on the driver.

    For bulk stores of large rows (100,000 notices): SQLAlchemy's per-row parameter processing
    costs more than the database's own insert. Each column's bind processing (e.g.
    :class:`~orchestrator.db.tables.UtcDateTime`) still applies: once for a constant, per value
    for the others."""
    dialect = conn.dialect
    constants = dict(constants or {})
    names = [*columns, *constants]

    def processor(name: str) -> Callable[[Any], Any] | None:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    fixed = tuple(v if (p := processor(k)) is None else p(v) for k, v in constants.items())
    active = [(i, p) for i, c in enumerate(columns) if (p := processor(c)) is not None]
    if active:

        def process(row: Sequence[Any]) -> Sequence[Any]:
            values = list(row)
            for i, p in active:
                values[i] = p(values[i])
            return values

        rows = map(process, rows)
    batch = [(*row, *fixed) for row in rows] if fixed else [tuple(row) for row in rows]
    if not batch:
        return
    quote = dialect.identifier_preparer.quote
    target = (
        f"{dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c) for c in names)})"
    )
    if dialect.driver == "psycopg":  # PostgreSQL: COPY, several times faster than INSERTs
        driver = conn.connection.driver_connection
        statement = f"COPY {target} FROM STDIN"
        dbapi_error = dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
                for row in batch:
                    copy.write_row(row)
        except dbapi_error as exc:  # as SQLAlchemy's own errors (IntegrityError, …), like INSERTs
            raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
        return
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({', '.join(mark for _ in names)})", batch)


def duplicate(exc: IntegrityError) -> bool:
    """True when ``exc`` says the row exists already (a unique or primary key violation), False
    for any other refusal — a CHECK, a foreign key, NOT NULL, a trigger's abort — which must not
    be read as "someone wrote it a moment ago" (SQLite reports all of them as IntegrityError)."""
    orig = exc.orig
    state = getattr(orig, "sqlstate", None)  # psycopg
    if state is not None:
        return bool(state == "23505")
    return str(orig).startswith("UNIQUE constraint failed")  # SQLite, primary keys included


def insert_dicts(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """:func:`insert_rows` for rows as dicts, all with the keys of the first."""
    if rows:
        columns = list(rows[0])
        insert_rows(conn, table, columns, [tuple(r[c] for c in columns) for r in rows])


def insert_ignore(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows``, skipping those whose unique key is already there; how many were new."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    stmt = dialect.insert(table).on_conflict_do_nothing().returning(key)
    # rows actually inserted come back (executemany rowcounts are not reliable on every driver)
    return len(conn.execute(stmt, list(rows)).all())


def upsert(
    conn: Connection,
    table: Table,
    row: Mapping[str, Any],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``row``; if its unique ``keys`` are there, set its ``update`` columns (none:
    leave the row as it is)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(dict(row))
    if update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={k: stmt.excluded[k] for k in update}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt)


def of(subject: Subject, table: Table) -> ColumnElement[bool]:
    """The condition selecting ``subject``'s rows of ``table`` (a revision's, a round's, or a
    coverage run's: deliveries only)."""
    if subject.coverage_id is not None:
        return table.c.coverage_id == subject.coverage_id
    if subject.round_id is not None:
        return table.c.round_id == subject.round_id
    return table.c.revision_id == subject.revision_id
