"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from orchestrator.db.database import MIGRATIONS, make_engine
from orchestrator.db.tables import metadata


def old_database(tmp_path: Path) -> tuple[Engine, Callable[[str], None]]:
    """A new SQLite database and a function migrating it to a revision (to fill it as an older
    version kept it, then upgrade)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def upgrade(to: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, to)

    return engine, upgrade


def test_migrations_match_the_declared_tables(engine):
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_0010_marks_the_reports_that_did_every_line(tmp_path):
    engine, upgrade = old_database(tmp_path)
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


def test_0013_takes_a_load_caps_unit_from_its_text(tmp_path):
    engine, upgrade = old_database(tmp_path)
    upgrade("0012")
    now = dt.datetime(2025, 9, 20, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO list_revisions (id, region_code, number, effective_from, source,"
                " sha256, imported_at, warnings) VALUES (1, '999900', 1, '2025-10-01', 'x', 'x',"
                " :t, '[]')"
            ),
            {"t": now},
        )
        conn.execute(
            text(
                "INSERT INTO list_enterprises (id, revision_id, uscc, name, county, town,"
                " category, grade, permit_no, contact, phone, email, channel, position) VALUES"
                " (1, 1, 'U', '示例热电', '城东区', '', '以热定产', 'B', '', '', '', '', '', 0)"
            )
        )
        for i, (name, kind, words) in enumerate(
            (
                ("1#机组", "load_cap", "以热定产，负荷不超过设计负荷的80%"),
                ("2#机组", "load_cap", "蒸汽负荷不超过130吨/小时"),
                ("3#机组", "limit", "限产30%"),
            )
        ):
            conn.execute(
                text(
                    "INSERT INTO list_lines (revision_id, enterprise_id, name, industry,"
                    " declared_grade, base_so2, base_nox, base_pm, base_vocs, check_method,"
                    " meter_no, position, orange_kind, orange_text, note) VALUES (1, 1, :n,"
                    " '火电及热力', 'B', 1, 1, 1, 1, '', '', :p, :k, :w, '')"
                ),
                {"n": name, "p": i, "k": kind, "w": words},
            )
    upgrade("head")
    with engine.connect() as conn:
        units = dict(conn.execute(text("SELECT name, orange_unit FROM list_lines")).all())
    assert units == {"1#机组": "%", "2#机组": "t/h", "3#机组": None}


def test_0014_carries_a_lock_in_force_over_to_the_name(tmp_path):
    engine, upgrade = old_database(tmp_path)
    upgrade("0013")
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with engine.begin() as conn:
        for name, failed, locked in (("zhang", 5, now), ("li", 2, None), ("wang", 0, None)):
            conn.execute(
                text(
                    "INSERT INTO users (username, display_name, role, password_hash, active,"
                    " failed_logins, locked_until, created_at) VALUES (:u, :u, 'duty_officer',"
                    " 'x', 1, :f, :l, :t)"
                ),
                {"u": name, "f": failed, "l": locked, "t": now},
            )
    upgrade("head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT username, failures, locked_until IS NOT NULL FROM sign_in_attempts")
        ).all()
    assert sorted(rows) == [("li", 2, 0), ("zhang", 5, 1)]


def test_0015_gives_tokens_issued_before_a_year(tmp_path):
    engine, upgrade = old_database(tmp_path)
    upgrade("0014")
    issued = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, username, display_name, role, password_hash, active,"
                " created_at) VALUES (1, 'zhang', '张值班', 'duty_officer', 'x', 1, :t)"
            ),
            {"t": issued},
        )
        conn.execute(
            text(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES"
                " (1, '对接', 'h', :t)"
            ),
            {"t": issued},
        )
    upgrade("head")
    with engine.connect() as conn:
        expires = conn.execute(text("SELECT expires_at FROM api_tokens")).scalar_one()
    assert str(expires).startswith("2027-01-05 08:00")


def test_0023_a_delivery_belongs_to_exactly_one_subject(engine):
    """The check constraint 0023 widened to three subjects still refuses none, and two."""
    import pytest
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from orchestrator.db.tables import coverage_runs, deliveries

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    run = {"region_code": "999900", "registry": "permits", "list_revision": 1, "ran_at": now,
           "ran_by": "t", "source": "p.csv", "sha256": "0" * 64, "holders": 0, "findings": []}  # fmt: skip
    with engine.begin() as conn:
        run_id = conn.execute(insert(coverage_runs).values(**run)).inserted_primary_key[0]
    row = {"recipient": "x", "recipient_name": "x", "county": "", "channel": "folder",
           "address": "", "reason": "initial", "status": "pending", "attempts": 0,
           "next_attempt_at": now, "created_at": now}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(deliveries).values(key="a", kind="check", coverage_id=run_id, **row))
    none = insert(deliveries).values(key="b", kind="check", **row)
    # two subjects (the check is refused before the foreign keys are looked at)
    two = text(
        "INSERT INTO deliveries (key, kind, coverage_id, round_id, recipient, recipient_name,"
        " county, channel, address, reason, status, attempts, next_attempt_at, created_at)"
        " VALUES ('c', 'check', :r, :r, 'x', 'x', '', 'folder', '', 'initial', 'pending', 0,"
        " :t, :t)"
    ).bindparams(r=run_id, t=now)
    for statement in (none, two):
        with engine.connect() as conn, pytest.raises(IntegrityError, match="ck_deliveries_subject"):
            conn.execute(statement)


def test_0023_downgrades_and_upgrades_again(tmp_path):
    engine, upgrade = old_database(tmp_path)
    upgrade("head")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0022")
    with engine.connect() as conn:
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert "coverage_tasks" not in tables
    upgrade("head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_0029_reads_each_plan_entrys_county_from_its_record(tmp_path):
    engine, upgrade = old_database(tmp_path)
    upgrade("0028")
    now = dt.datetime(2025, 9, 20, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO list_revisions (id, region_code, number, effective_from, source,"
                " sha256, imported_at, warnings) VALUES (1, '999900', 1, '2025-10-01', 'x.xlsx',"
                " :h, :t, '[]')"
            ),
            {"h": "0" * 64, "t": now},
        )
        for i, (uscc, county) in enumerate((("A", "北山县"), ("B", "南川县"))):
            conn.execute(
                text(
                    "INSERT INTO list_plan_entries (revision_id, position, uscc, mode, record)"
                    " VALUES (1, :p, :u, 'measures', :r)"
                ),
                {"p": i, "u": uscc, "r": f'{{"uscc": "{uscc}", "county": "{county}"}}'},
            )
    upgrade("head")
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT uscc, county FROM list_plan_entries")).all())
        alerts = [c["name"] for c in inspect(conn).get_columns("alerts")]
    assert found == {"A": "北山县", "B": "南川县"}
    assert "counties" in alerts
