"""The dashboard says whether the system is working — the delivery worker's and the scheduler's
signs of life, the age of the newest consultation, the newest hour of every station — and what
waits for the signed-in user; its live part reloads on its own (the page's one script asks
for it with X-Fragment: main)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from orchestrator.accounts.config import ConsoleConfig
from tests.support.app import ISSUED_AT, app, issue_sample
from tests.support.consultation import config, consultant
from tests.support.delivery import Clock, delivery_config, make_worker
from tests.support.web import POLICY, Served, add_users, signed_in, web_app

NOW = ISSUED_AT + dt.timedelta(minutes=30)


def served_with(engine, clock, **console):
    return Served(web_app(engine, clock, console=ConsoleConfig(POLICY, **console)))


def test_silent_processes_and_an_old_consultation_are_flagged(engine, tmp_path):
    issue_sample(engine)
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=NOW)
    clock = Clock(NOW)
    with served_with(engine, clock, worker_stale_minutes=10, consultation_stale_hours=26) as s:
        zhang = signed_in(s, "zhang")
        page = zhang.get("/").text
        assert "⚠ 投递进程：从未运行" in page
        assert "⚠ 定时会商：从未运行" in page
        assert "⚠ 最新会商：尚无会商记录" in page
        # the worker runs a round, a consultation is held, the scheduler catches up
        config_ = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
        make_worker(engine, config_, clock, tmp_path).housekeeping()
        consultant(engine, config(monitoring=True), tmp_path).consult(slot=NOW, now=NOW)
        ctx = dataclasses.replace(app(engine, data_dir=tmp_path), clock=clock)
        from orchestrator.scheduling.heartbeat import heartbeat_of

        heartbeat_of(ctx).beat()
        page = zhang.get("/").text
        assert "⚠" not in page
        assert "✓</span> 投递进程：最近运行于2026年1月4日21时30分（刚刚）" in page
        assert "✓</span> 最新会商：2026年1月4日21时30分时次" in page
        # 11 minutes later the worker is silent; two days later the consultation is old too
        clock.advance(minutes=11)
        assert "⚠ 投递进程：最近运行于2026年1月4日21时30分（11分钟前）" in zhang.get("/").text
        clock.advance(days=2)  # (the shift's session ended: sign in again)
        assert "⚠ 最新会商" in signed_in(s, "zhang").get("/").text


def test_the_newest_hour_of_every_station_is_shown(engine, tmp_path):
    add_users(engine, ("guest", "访客", "viewer"), now=NOW)
    out = consultant(engine, config(monitoring=True), tmp_path).consult(slot=NOW, now=NOW)
    stations = out.record["observed"]["stations"]
    assert {s["station"] for s in stations} >= {"市监测站", "城东站"}
    assert all(isinstance(s["aqi"], int) for s in stations)
    with served_with(engine, Clock(NOW)) as s:
        page = signed_in(s, "guest").get("/").text
    for st in stations:
        assert f"<td>{st['station']}</td>" in page
        assert f"<td>{st['aqi']}</td>" in page


def test_the_queue_names_what_waits_for_each_role(engine):
    issue_sample(engine)  # issued 21:00, receipts due at 23:00
    add_users(
        engine,
        ("zhang", "张值班", "duty_officer"),
        ("wang", "王副市长", "vice_mayor"),
        now=NOW,
    )
    clock = Clock(NOW)
    with served_with(engine, clock) as s:
        zhang, wang = signed_in(s, "zhang"), signed_in(s, "wang")
        url = zhang.post(
            "/alerts",
            {
                "csrf": zhang.csrf(),
                "level": "red",
                "start": "2026-01-10T00:00",
                "end": "2026-01-12T00:00",
                "reason": "会商研判",
            },
        ).headers["Location"]
        alert_id = url.split("?")[0].rsplit("/", 1)[1]
        assert f"预警{alert_id}（启动红色预警）待审批" in wang.get("/").text
        # the duty officer cannot approve
        assert f"预警{alert_id}（启动红色预警）待审批" not in zhang.get("/").text
        assert "逾期未签收，请督办" not in zhang.get("/").text
        clock.advance(hours=2)  # past the deadline: 300 orders unsigned
        assert "有300家企业逾期未签收，请督办" in zhang.get("/").text
        assert "请督办" not in wang.get("/").text  # resending is not the vice-mayor's


def test_the_live_part_comes_alone_and_the_script_is_served(engine):
    add_users(engine, ("guest", "访客", "viewer"), now=NOW)
    with served_with(engine, Clock(NOW), refresh_seconds=30) as s:
        guest = signed_in(s, "guest")
        page = guest.get("/")
        assert 'data-refresh="30"' in page.text
        assert '<script src="/static/console.js" defer></script>' in page.text
        part = guest.get("/", headers={"X-Fragment": "main"})
        assert part.status_code == 200
        assert "<html" not in part.text
        assert "系统运行" in part.text
        script = guest.get("/static/console.js")
        assert script.headers["Content-Type"].startswith("text/javascript")
        assert "X-Fragment" in script.text
