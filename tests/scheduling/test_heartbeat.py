"""The scheduler: registered triggers, due slots, exactly-once runs with an injected clock (no
waiting), take-over of failed and abandoned runs, and two real scheduler processes racing for
the same slot on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from jinja2 import DictLoader, Environment
from sqlalchemy import func, insert, select

from orchestrator.db.tables import alerts, consultations, scheduler_runs
from tests.support.app import DUTY, SAMPLE, do_import, issued_orange, office_of
from tests.support.base import ROOT, ZONE, at
from tests.support.delivery import Clock
from tests.support.scheduling import beat


def runs(engine):
    with engine.connect() as conn:
        return conn.execute(select(scheduler_runs).order_by(scheduler_runs.c.id)).all()


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def hm(day, hour, minute):
    return at(day, hour).replace(minute=minute)


def test_the_slots_are_registered_as_cron_jobs_in_city_time(tmp_path):
    b = beat(None, tmp_path, Clock(at(4, 9)))
    scheduler = BackgroundScheduler(timezone=ZONE)
    b.install(scheduler)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"consult:morning", "consult:afternoon", "consult:night", "catch-up"}
    for name in ("consult:morning", "consult:afternoon", "consult:night"):
        job = jobs[name]
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 1800
    nxt = {n: jobs[n].trigger.get_next_fire_time(None, at(4, 10)) for n in jobs if ":" in n}
    assert nxt == {
        "consult:morning": hm(5, 9, 30),
        "consult:afternoon": hm(4, 15, 30),
        "consult:night": hm(4, 21, 30),
    }
    assert "预警期间" in jobs["consult:night"].name
    assert jobs["catch-up"].trigger.interval == dt.timedelta(minutes=5)


def test_due_slots_are_those_within_the_misfire_grace(tmp_path):
    b = beat(None, tmp_path, Clock(at(4, 9)))
    assert [(s.name, t) for s, t in b.due(hm(4, 9, 40))] == [("morning", hm(4, 9, 30))]
    assert b.due(hm(4, 10, 1)) == []  # 31 minutes late: missed
    assert [(s.name, t) for s, t in b.due(hm(5, 0, 10))] == []
    assert [(s.name, t) for s, t in b.due(hm(4, 21, 30))] == [("night", hm(4, 21, 30))]
    assert b.last_fire(b.schedule.slots[0], hm(4, 9, 0)) == hm(3, 9, 30)


def test_a_slot_runs_once_however_often_it_is_fired(engine, tmp_path):
    clock = Clock(hm(4, 9, 31))
    b = beat(engine, tmp_path, clock)
    first = b.run_due()
    assert [(r.job, r.status) for r in first] == [("consult:morning", "done")]
    assert first[0].consultation_id is not None
    assert "建议启动橙色预警" in first[0].detail
    clock.advance(minutes=4)
    assert [r.status for r in b.run_due()] == ["taken"]
    assert b.fire("morning").status == "taken"
    b.catch_up()
    assert count(engine, consultations) == 1
    assert count(engine, alerts) == 1
    (row,) = runs(engine)
    assert (row.status, row.attempts, row.runner) == ("done", 1, "test:1")
    assert row.consultation_id == first[0].consultation_id
    assert row.finished_at == hm(4, 9, 31)  # the later firings changed nothing


def test_a_slot_fired_after_its_grace_is_missed_not_run(engine, tmp_path):
    b = beat(engine, tmp_path, Clock(hm(4, 10, 5)))
    assert b.fire("morning").status == "missed"
    assert runs(engine) == []
    assert count(engine, consultations) == 0


def test_alert_only_slots_wait_for_an_alert_in_force(engine, tmp_path):
    clock = Clock(hm(4, 21, 31))
    b = beat(engine, tmp_path, clock)
    (skipped,) = b.run_due()
    assert skipped.status == "skipped"
    assert count(engine, consultations) == 0
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)

    office_of(engine).issue(alert_id, by=DUTY, now=at(4, 21))
    clock.instant = hm(5, 21, 31)
    (ran,) = b.run_due()
    assert ran.status == "done"
    with engine.connect() as conn:
        rec = conn.execute(select(consultations.c.record)).scalar_one()
    assert rec["active_alert"]["alert_id"] == alert_id


def test_a_failed_run_is_recorded_and_taken_over_while_still_in_grace(engine, tmp_path):
    clock = Clock(hm(4, 9, 31))
    b = beat(engine, tmp_path, clock)
    good_env = b.consultant.env
    b.consultant.env = Environment(loader=DictLoader({}))  # the templates are missing
    (failed,) = b.run_due()
    assert failed.status == "failed"
    assert failed.detail.startswith("TemplateNotFound")
    assert count(engine, consultations) == 0  # nothing half-written
    b.consultant.env = good_env
    clock.advance(minutes=5)
    b.catch_up()
    (row,) = runs(engine)
    assert (row.status, row.attempts) == ("done", 2)
    assert count(engine, consultations) == 1


def test_a_run_whose_process_died_is_taken_over_after_its_lease(engine, tmp_path):
    clock = Clock(hm(4, 9, 40))
    b = beat(engine, tmp_path, clock)
    with engine.begin() as conn:
        conn.execute(
            insert(scheduler_runs).values(
                job="consult:morning",
                slot=hm(4, 9, 30),
                status="running",
                runner="dead:99",
                started_at=hm(4, 9, 30),
                lease_until=hm(4, 9, 45),
                attempts=1,
                detail="",
            )
        )
    assert [r.status for r in b.run_due()] == ["taken"]  # its lease still runs
    clock.instant = hm(4, 9, 46)
    assert [r.status for r in b.run_due()] == ["done"]
    (row,) = runs(engine)
    assert (row.status, row.runner, row.attempts) == ("done", "test:1", 2)


def _schedule_once(env, now):
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "--now", now, "schedule", "--once", "--json"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_scheduler_processes_on_postgresql_never_both_run_a_slot(engine, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("several schedulers share a database on PostgreSQL (SQLite: one server)")
    env = {
        **os.environ,
        "ORCHESTRATOR_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ORCHESTRATOR_DATA_DIR": str(tmp_path / "data"),
        "ORCHESTRATOR_LINK_SECRET": "test-link-secret-0123456789",
    }
    slots = ["2026-01-04T09:31", "2026-01-04T15:31", "2026-01-05T09:31"]
    for now in slots:
        pair = [_schedule_once(env, now), _schedule_once(env, now)]
        results = []
        for p in pair:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()
            results.extend(json.loads(out))
        assert sorted(r["status"] for r in results) == ["done", "taken"], results
    assert count(engine, scheduler_runs) == len(slots)
    assert count(engine, consultations) == len(slots)
    assert count(engine, alerts) == 1  # drafted at the first slot; later ones see it waiting
    told = sorted((tmp_path / "data" / "consultations" / "notify").rglob("*.html"))
    assert len(told) == len(slots)  # each slot's duty-officer notice written once
