"""`orchestrator consult`, `consultations`, `schedule` and `serve` (with its scheduler) over a
real database, with the shipped configuration: the bundled sample forecast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.support.base import ROOT
from tests.support.cli import issued, run, run_err
from tests.support.servers import free_port, wait_until_serving


def test_consult_works_on_the_shipped_sample_and_the_same_slot_is_the_same_record(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    first = json.loads(run("consult", "--at", "2026-01-04T09:30", "--no-pdf", "--json"))
    assert first["created"] is True
    assert first["recommendation"]["action"] == "issue"
    assert first["recommendation"]["level"] == "orange"
    assert first["alert_id"] == 1
    assert first["notified"] is True  # the folder channel of the shipped config
    again = json.loads(
        run(
            "--now", "2026-01-04T10:00", "consult", "--at", "2026-01-04T09:30", "--json", "--no-pdf"
        )
    )
    assert again["id"] == first["id"]
    assert again["created"] is False
    assert (tmp_path / "data" / "consultations" / "会商意见-20260104-0930.html").is_file()
    text = run("consult", "--at", "2026-01-04T15:30", "--no-pdf")
    assert "建议启动橙色预警" in text
    assert "预警1已起草待审批，未另行起草" in text
    listed = run("consultations")
    assert listed.splitlines()[0].startswith("2  2026-01-04 15:30")
    assert "已起草预警1" in listed.splitlines()[1]
    # the draft is an ordinary alert for the duty officers
    assert "草稿" in run("alert", "show", "1")


def test_consult_right_after_installation_reports_a_stale_sample_as_degraded(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    out = json.loads(run("--now", "2026-11-23T09:30", "consult", "--no-pdf", "--json"))
    assert out["degraded"] is True
    assert [i["code"] for i in out["issues"]] == ["stale", "horizon", "obs_missing"]
    assert out["alert_id"] is None


def test_consult_refuses_an_unknown_source_and_a_bad_time(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    code, err = run_err("consult", "--source", "nope")
    assert code == 2
    assert "未知的预报数据源“nope”（可用：provincial、sample）" in err
    code, err = run_err("consult", "--at", "4 January")
    assert code == 2
    assert "--at: 时间格式应为ISO 8601" in err


def test_schedule_lists_runs_once_and_keeps_history(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    listed = json.loads(run("--now", "2026-01-04T10:00", "schedule", "--list", "--json"))
    assert [(j["job"], j["next"]) for j in listed] == [
        ("consult:morning", "2026-01-05T09:30:00+08:00"),
        ("consult:afternoon", "2026-01-04T15:30:00+08:00"),
        ("consult:night", "2026-01-04T21:30:00+08:00"),
        ("consult:early", "2026-01-05T03:30:00+08:00"),
        ("control:ozone-vocs", "2026-01-05T09:00:00+08:00"),
        ("control:ozone-vocs-forecast", "2026-01-04T16:00:00+08:00"),
        ("control:staggered", "2026-01-05T09:00:00+08:00"),
    ]
    assert "当前没有到点的会商时次或常态化管控" in run(
        "--now", "2026-01-04T11:00", "schedule", "--once"
    )
    out = run("--now", "2026-01-04T09:35", "schedule", "--once")
    assert "consult:morning：已完成，建议启动橙色预警" in out
    out = run("--now", "2026-01-04T09:40", "schedule", "--once")
    assert "已由其他进程执行或已执行" in out
    history = run("schedule", "--history")
    assert "2026-01-04 09:30 consult:morning：已完成" in history


def test_serve_runs_the_scheduler_with_the_web_service(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    port = free_port()
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "orchestrator", "--now", "2026-01-04T09:40", "serve"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(proc, port)
        deadline = time.monotonic() + 60
        # the slot missed while the server was down (09:30, within its grace) is run at start
        while "consult:morning" not in run("schedule", "--history"):
            assert time.monotonic() < deadline, "the due slot was not run"
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "consult:morning：已完成" in run("schedule", "--history")


def _serve(port: int, *flags: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "orchestrator", "--now", "2026-01-04T21:00", "serve"]
    return subprocess.Popen(
        [*cmd, "--port", str(port), "--no-scheduler", *flags],
        env=dict(os.environ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_serve_delivers_what_is_issued_unless_told_not_to(tmp_path, monkeypatch):
    """One process for a small city: issued means being sent; --no-worker leaves it to a
    dedicated `orchestrator deliver`."""
    issued(monkeypatch, tmp_path)

    def sent() -> int:
        return int(json.loads(run("receipts", "--alert", "1", "--json"))["sent"])

    port = free_port()
    proc = _serve(port, "--no-worker")
    try:
        wait_until_serving(proc, port)
        time.sleep(3)
        assert sent() == 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    proc = _serve(port)
    try:
        wait_until_serving(proc, port)
        deadline = time.monotonic() + 120
        while sent() < 300:
            assert time.monotonic() < deadline, "the orders were not sent"
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
