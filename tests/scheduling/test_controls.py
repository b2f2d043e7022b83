"""Recurring controls in the scheduler: one daily cron job per control at its notify (or
forecast-check) time in city time, due within the misfire grace, each (control, day) run once,
and a failed run recorded and taken over once the cause is mended."""

from __future__ import annotations

import datetime as dt

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from orchestrator.db.tables import scheduler_runs
from orchestrator.scheduling.heartbeat import Heartbeat
from tests.support.app import SAMPLE, do_import
from tests.support.base import ZONE
from tests.support.controls import SHIPPED, STAGGERED_NOTIFY, stored, variant
from tests.support.delivery import Clock
from tests.support.scheduling import beat as scheduler_beat


def beat(engine, tmp_path, clock, controls=SHIPPED) -> Heartbeat:
    """The scheduler of the consultation tests, with the recurring ``controls``."""
    return scheduler_beat(engine, tmp_path, clock, controls=controls)


def test_each_control_is_a_daily_cron_job_at_its_time(engine, tmp_path):
    b = beat(
        engine,
        tmp_path,
        Clock(STAGGERED_NOTIFY),
        controls=variant("ozone-vocs-forecast", enabled=True),
    )
    scheduler = BackgroundScheduler(timezone=ZONE)
    b.install(scheduler)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert {"control:ozone-vocs", "control:ozone-vocs-forecast", "control:staggered"} <= set(jobs)
    staggered = jobs["control:staggered"]
    assert (staggered.coalesce, staggered.max_instances, staggered.misfire_grace_time) == (
        True,
        1,
        1800,
    )
    assert staggered.name == "常态化管控：秋冬季错峰生产"
    after = STAGGERED_NOTIFY + dt.timedelta(minutes=1)
    assert staggered.trigger.get_next_fire_time(None, after) == STAGGERED_NOTIFY + dt.timedelta(
        days=1
    )
    forecast = jobs["control:ozone-vocs-forecast"].trigger.get_next_fire_time(None, after)
    assert forecast == dt.datetime(2026, 11, 10, 16, tzinfo=ZONE)


def test_a_control_due_now_runs_once_and_records_its_round(engine, tmp_path):
    do_import(engine, SAMPLE)
    clock = Clock(STAGGERED_NOTIFY + dt.timedelta(minutes=5))
    b = beat(engine, tmp_path, clock)
    assert [c for c, _ in b.due_controls(clock.now())] == ["ozone-vocs", "staggered"]
    results = {r.job: r for r in b.run_due()}
    staggered = results["control:staggered"]
    assert staggered.status == "done"
    assert "关于实施2026—2027年秋冬季错峰生产的通知" in staggered.detail
    assert "（通知批次1）" in staggered.detail
    assert results["control:ozone-vocs"].status == "skipped"
    assert stored(engine)[0] == 1
    again = {r.job: r for r in b.run_due()}
    assert again["control:staggered"].status == "taken"
    assert stored(engine)[0] == 1
    # the next day's run finds the round already issued: done, nothing new
    clock.advance(days=1)
    next_day = {r.job: r for r in b.run_due()}
    assert next_day["control:staggered"].status == "done"
    assert "已于2026年11月10日9时5分发布" in next_day["control:staggered"].detail
    assert stored(engine)[0] == 1
    # late beyond the grace: missed, not run
    clock.advance(hours=1)
    assert b.fire_control("staggered").status == "missed"


def test_a_failed_control_run_is_recorded_and_taken_over_when_mended(engine, tmp_path):
    clock = Clock(STAGGERED_NOTIFY + dt.timedelta(minutes=1))
    b = beat(engine, tmp_path, clock)
    failed = b.run_control("staggered", STAGGERED_NOTIFY)
    assert failed.status == "failed"
    assert "没有生效的应急减排清单" in failed.detail
    do_import(engine, SAMPLE)  # the list arrives
    clock.advance(minutes=5)
    b.catch_up()
    with engine.connect() as conn:
        row = conn.execute(
            select(scheduler_runs).where(scheduler_runs.c.job == "control:staggered")
        ).one()
    assert (row.status, row.attempts) == ("done", 2)
    assert stored(engine)[0] == 1
