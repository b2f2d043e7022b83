"""An issue whose notices could not be stored — the database refusing them, the issuing process
killed while rendering — is never left with no orders: the issue stands, says so, and the delivery
worker's next round stores every notice once and enqueues them. On PostgreSQL, with real faults
(a trigger refusing the rows, a process killed with SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select, text

from orchestrator.db.tables import alert_revisions, deliveries, notices
from orchestrator.response.lifecycle import IllegalTransition
from tests.support.app import DUTY, ISSUED_AT, SAMPLE, UNITS, do_import, issued_orange, office_of
from tests.support.base import ROOT
from tests.support.databases import schema_url
from tests.support.delivery import Clock, delivery_config, make_worker
from tests.support.web import DESK_NOW, Served, add_users, signed_in, web_app

PG = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def refuse_notices(engine, how: str) -> None:
    """A trigger on the notices table: ``how`` is the body of its PL/pgSQL function (SQLite:
    the trigger aborts the insert as a full disk would)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER orc_fault BEFORE INSERT ON notices "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
            )
            return
        conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION orc_fault() RETURNS trigger AS $$ BEGIN "
                f"{how} RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER orc_fault BEFORE INSERT ON notices "
                "FOR EACH ROW EXECUTE FUNCTION orc_fault()"
            )
        )


def lift_fault(engine) -> None:
    with engine.begin() as conn:
        on = "" if engine.dialect.name == "sqlite" else " ON notices"
        conn.execute(text(f"DROP TRIGGER orc_fault{on}"))


def end_sleepers(engine) -> None:
    """End the backends a fault trigger holds in ``pg_sleep`` (a killed client's transaction)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()"
            )
        )


def stored(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(notices)).scalar_one())


def complete_and_check(engine, tmp_path, alert_id: int) -> None:
    """The worker's round stores the notices once and enqueues every order (and every unit's
    task notice) once."""
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    worker = make_worker(engine, config, Clock(ISSUED_AT), tmp_path)
    added, _ = worker.housekeeping()
    assert added == 300 + UNITS
    assert worker.housekeeping() == (0, 0)  # once
    with engine.connect() as conn:
        orders = conn.execute(
            select(func.count()).select_from(notices).where(notices.c.kind == "order")
        ).scalar_one()
        per_firm = conn.execute(
            select(func.count(), func.count(deliveries.c.recipient.distinct())).select_from(
                deliveries
            )
        ).one()
    assert orders == 300
    # one order per enterprise, one task notice per unit, per revision
    assert tuple(per_firm) == (300 + UNITS, 300 + UNITS)
    assert office_of(engine).current(alert_id).document_number == "示重污应急〔2026〕1号"


def test_notices_refused_by_the_database_are_completed_by_the_worker(engine, tmp_path):
    """On both databases: a refusal is a failure to store, not "the notices exist already"
    (SQLite reports a trigger's abort as a constraint failure, as it does a duplicate)."""
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    refuse_notices(engine, "RAISE EXCEPTION 'could not extend file: No space left on device';")
    office = office_of(engine)
    issued = office.issue(alert_id, by=DUTY, now=ISSUED_AT)
    # the issue stands and says what is missing; nothing half-stored
    assert issued.notices is None
    assert issued.revision.document_number == "示重污应急〔2026〕1号"
    assert "预警已发布（示重污应急〔2026〕1号），但通知尚未生成" in issued.warnings[-1]
    assert stored(engine) == 0
    with pytest.raises(IllegalTransition):
        office.issue(alert_id, by=DUTY, now=ISSUED_AT)  # no second number
    # the worker while the fault lasts: it goes on, the alert still waits
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    assert make_worker(engine, config, Clock(ISSUED_AT), tmp_path).housekeeping() == (0, 0)
    lift_fault(engine)
    complete_and_check(engine, tmp_path, alert_id)


@PG
def test_an_issuing_process_killed_while_rendering_leaves_the_worker_to_finish(engine, tmp_path):
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    refuse_notices(engine, "PERFORM pg_sleep(60);")  # rendering hangs: time to kill it
    env = {
        **os.environ,
        "ORCHESTRATOR_DATABASE_URL": schema_url(),
        "ORCHESTRATOR_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("ORCHESTRATOR_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "--now", ISSUED_AT.isoformat(), "alert", "issue",
         str(alert_id), "--by", DUTY.name],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:  # the issue is committed, the notices are being stored
            with engine.connect() as conn:
                number = conn.execute(
                    select(alert_revisions.c.document_number).where(
                        alert_revisions.c.alert_id == alert_id
                    )
                ).scalar()
                waiting = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
                ).scalar_one()
            if number is not None and waiting:
                break
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the issue never reached its notices"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    end_sleepers(engine)  # the killed process's transaction dies with its connection
    assert stored(engine) == 0
    lift_fault(engine)
    complete_and_check(engine, tmp_path, alert_id)


@PG
def test_the_console_says_the_notices_are_pending_until_the_worker_stores_them(engine, tmp_path):
    do_import(engine, SAMPLE)
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=DESK_NOW)
    alert_id, _ = issued_orange(engine)
    refuse_notices(engine, "RAISE EXCEPTION 'could not extend file: No space left on device';")
    office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    pending = "已发布，通知尚未生成完毕：投递进程将自动补齐，请勿重复发布"
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=tmp_path)) as served:
        zhang = signed_in(served, "zhang")
        assert pending in zhang.get("/").text
        assert pending in zhang.get(f"/alerts/{alert_id}/notices").text
        lift_fault(engine)
        complete_and_check(engine, tmp_path, alert_id)
        assert pending not in zhang.get("/").text
        assert pending not in zhang.get(f"/alerts/{alert_id}/notices").text


@PG
def test_an_import_killed_midway_stores_nothing_and_runs_again(engine, tmp_path):
    """A list import whose process dies after its lines were written (while its plans are)
    leaves no revision, no enterprise and no line behind; run again, it imports whole."""
    from orchestrator.db.tables import list_enterprises, list_lines, list_revisions

    with engine.begin() as conn:  # the plans, stored after the lines, hang: time to kill it
        conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION orc_fault() RETURNS trigger AS $$ BEGIN "
                "PERFORM pg_sleep(60); RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER orc_fault BEFORE INSERT ON list_plan_entries "
                "FOR EACH STATEMENT EXECUTE FUNCTION orc_fault()"
            )
        )
    env = {
        **os.environ,
        "ORCHESTRATOR_DATABASE_URL": schema_url(),
        "ORCHESTRATOR_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "list", "import", str(SAMPLE), "--effective-from",
         "2025-10-01"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            with engine.connect() as conn:
                waiting = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
                ).scalar_one()
            if waiting:
                break
            if proc.poll() is not None:
                pytest.fail(f"the import finished before the fault: {proc.communicate()}")
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    end_sleepers(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER orc_fault ON list_plan_entries"))
    with engine.connect() as conn:
        left = [
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (list_revisions, list_enterprises, list_lines)
        ]
    assert left == [0, 0, 0]
    result = do_import(engine, SAMPLE)
    assert result.created
    assert result.enterprises == 300
