"""Transaction-long locks on one thing (an area's alerts, a subject's deliveries): the second of
two writers waits for the first to commit, then reads what it wrote."""

from __future__ import annotations

from sqlalchemy import Connection, text

#: The first key of each kind of lock (PostgreSQL advisory locks take two 32-bit keys).
AREA = 17_001  # an area's alerts in force
RESEND_REVISION = 17_002  # the resending of an alert revision's notices
RESEND_ROUND = 17_003  # the resending of a control round's notices


def hold(conn: Connection, what: int, key: int) -> None:
    """Lock ``(what, key)`` to the end of the current transaction. PostgreSQL: an advisory lock
    on exactly that; SQLite, which has one writer at a time: the write lock, taken before the
    transaction's first read."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:what, :key)"), {"what": what, "key": key})
        return
    driver = conn.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
