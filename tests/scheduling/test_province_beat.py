"""The scheduler of a provincial installation, on SQLite and PostgreSQL: an order that could not
reach a city (its database down) is handed over by the scheduler once the city is back, by one
scheduler only of two racing for the slot; every city's jobs run in the one scheduler under
their own ids; the late are chased once; each city reports back once per slot."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from orchestrator.alerts.model import AlertLevel
from orchestrator.bootstrap import Context
from orchestrator.db.database import make_engine
from orchestrator.db.uow import Database
from orchestrator.region.directives import DirectiveAction
from orchestrator.scheduling.heartbeat import RunResult
from orchestrator.scheduling.province import ProvinceBeat, province_beat_of
from tests.support.base import at
from tests.support.delivery import Clock
from tests.support.province import provincial

EAST, WEST = "990100", "990200"


def _issue(ctx: Context, now: dt.datetime) -> int:
    office = ctx.province_office()
    assert ctx.province is not None
    duty, boss = ctx.province.person("高省值班"), ctx.province.person("韩省主任")
    d = office.draft(
        title="关于启动重污染天气橙色预警的调度令",
        cities=[EAST, WEST],
        level=AlertLevel.ORANGE,
        start=at(6),
        end=at(9),
        measures=["重点企业驻厂监管"],
        reason="省级会商研判",
        by=duty,
        now=now,
    )
    office.act(d.id, DirectiveAction.SUBMIT, by=duty, now=now)
    office.act(d.id, DirectiveAction.APPROVE, by=boss, now=now)
    office.act(d.id, DirectiveAction.ISSUE, by=duty, now=now)
    return d.id


def test_an_order_a_city_missed_is_handed_over_by_one_scheduler_of_two(
    engine: Engine, tmp_path: Path
) -> None:
    clock = Clock(at(4, 10))
    with provincial(engine, tmp_path, clock=clock) as ctx:
        # 西岭市's database is down when the order is issued
        down = Database(make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}"))
        cut_off = ctx.on_cities({**ctx.bound_cities, WEST: down})
        ref = _issue(cut_off, clock.now())
        assert len(ctx.city_context(EAST).directive_desk().received()) == 1
        assert ctx.city_context(WEST).directive_desk().received() == []
        [standing] = [
            s for s in ctx.province_office().board(ref, clock.now()).cities if s.city == WEST
        ]
        assert standing.forwarded_at is None

        # it is back: two schedulers (two servers) fire the same slot at once
        clock.instant = at(4, 10).replace(minute=7)
        beats = [province_beat_of(ctx), province_beat_of(ctx)]
        for i, b in enumerate(beats):
            b.runner = f"server-{i}"
        results: list[RunResult | None] = []
        barrier = threading.Barrier(2)

        def fire(b: ProvinceBeat) -> None:
            barrier.wait()
            results.append(b.forward())

        threads = [threading.Thread(target=fire, args=(b,)) for b in beats]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        ran = [r for r in results if r is not None]
        assert len(results) == 2
        assert len(ran) == 1, results
        assert ran[0].status == "done"
        assert ran[0].detail == "送达1份"
        [got] = ctx.city_context(WEST).directive_desk().received()
        assert got.order.ref == ref
        assert got.alert_id is not None  # its alert drafted on receipt
        # the next slot finds nothing to hand over
        clock.instant = at(4, 10).replace(minute=12)
        again = beats[1].forward()
        assert again is not None
        assert again.status == "skipped"
        assert len(ctx.city_context(WEST).directive_desk().received()) == 1


def test_the_late_are_chased_once_and_each_city_reports_once_per_slot(
    engine: Engine, tmp_path: Path
) -> None:
    clock = Clock(at(4, 10))
    with provincial(engine, tmp_path, clock=clock) as ctx:
        ref = _issue(ctx, clock.now())
        clock.instant = at(4, 13)  # the 启动情况 was due by 12:00: both cities owe it
        b = province_beat_of(ctx)
        chased = b.chase()
        assert chased is not None
        assert chased.status == "done"
        assert "东川市" in chased.detail
        assert "西岭市" in chased.detail
        clock.instant = at(4, 13).replace(minute=30)  # the next slot: chased once a day
        assert (b.chase() or RunResult("", at(4), "")).status == "skipped"
        for code in (EAST, WEST):
            [got] = ctx.city_context(code).directive_desk().received()
            assert got.chased_at is not None
        # no alert issued yet: a city has nothing to report, and says so once per slot
        east = b.cities[EAST]
        [first] = east.run_reports()
        assert first.status == "skipped"
        assert east.run_reports() == []  # the slot is taken
        board = ctx.province_office().board(ref, clock.now())
        assert all(s.start is None for s in board.cities)


def test_every_citys_jobs_run_in_one_scheduler_under_their_own_ids(
    engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the jobs a scheduler registers do not depend on the database")
    with provincial(engine, tmp_path, clock=Clock(at(4, 10))) as ctx:
        scheduler = BackgroundScheduler(timezone=ctx.settings.zone)
        province_beat_of(ctx).install(scheduler)
        ids = {j.id for j in scheduler.get_jobs()}
    assert "province:directives" in ids
    for code in ("999900", EAST, WEST):
        assert f"{code}:catch-up" in ids
        assert any(i.startswith(f"{code}:consult:") for i in ids)
