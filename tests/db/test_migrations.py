"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orchestrator.db.tables import metadata


def test_migrations_match_the_declared_tables(engine):
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_0010_marks_the_reports_that_did_every_line(tmp_path):
    import datetime as dt

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from orchestrator.db.database import MIGRATIONS, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def upgrade(to: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, to)

    upgrade("0009")
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO alerts (id, region_code, created_at) VALUES (1, '999900', :t)"),
            {"t": now},
        )
        conn.execute(
            text(
                "INSERT INTO alert_revisions (id, alert_id, number, kind, level, start_at, status,"
                " drafted_by, reason) VALUES (1, 1, 1, 'issue', 'orange', :t, 'issued', 'x', 'x')"
            ),
            {"t": now},
        )
        for uscc, items in (
            ("A", '[{"line": "1", "done": true}, {"line": "2", "done": true}]'),
            ("B", '[{"line": "1", "done": true}, {"line": "2", "done": false}]'),
        ):
            conn.execute(
                text(
                    "INSERT INTO implementation_reports (revision_id, uscc, reported_at, items,"
                    " note) VALUES (1, :u, :t, :i, '')"
                ),
                {"u": uscc, "t": now, "i": items},
            )
    upgrade("head")
    with engine.connect() as conn:
        done = dict(conn.execute(text("SELECT uscc, complete FROM implementation_reports")).all())
    assert done == {"A": 1, "B": 0}
