"""`orchestrator deliver`, `receipts`, `power import` and `compliance` over a real database, with
the shipped configuration (no server configured: the folder channel)."""

from __future__ import annotations

import json

from tests.support.app import UNITS
from tests.support.base import ROOT
from tests.support.cli import issued, run, run_err


def test_dry_run_writes_what_would_be_sent_and_sends_nothing(tmp_path, monkeypatch):
    issued(monkeypatch, tmp_path)
    out = run("--now", "2026-01-04T20:05", "deliver", "--dry-run", str(tmp_path / "preview"))
    assert f"新增待投递{300 + UNITS}条" in out  # the orders and the units' task notices
    assert len(list((tmp_path / "preview").glob("revision-*/*.order.html"))) == 300
    assert not (tmp_path / "data" / "outbox").exists()
    receipts = json.loads(run("--now", "2026-01-04T20:06", "receipts", "--alert", "1", "--json"))
    assert (receipts["orders"], receipts["sent"]) == (300, 0)
    # the real pass then sends each once (folder channel), a second pass nothing
    assert f"已送达{300 + UNITS}条" in run("--now", "2026-01-04T20:10", "deliver", "--once")
    assert "无到期消息" in run("--now", "2026-01-04T20:11", "deliver", "--once")
    assert len(list((tmp_path / "data" / "outbox").glob("revision-*/*.order.html"))) == 300


def test_receipts_json_lists_the_overdue_after_the_deadline_and_resend_queues_again(
    tmp_path, monkeypatch
):
    issued(monkeypatch, tmp_path)
    run("--now", "2026-01-04T20:10", "deliver", "--once")
    data = json.loads(run("--now", "2026-01-04T23:00", "receipts", "--alert", "1", "--json"))
    assert set(data) == {
        "alert_id",
        "revision_id",
        "round_id",
        "document_number",
        "deadline",
        "orders",
        "sent",
        "delivered",
        "acknowledged",
        "implemented",
        "overdue",
        "undelivered",
        "not_implemented",
        "overdue_count",
        "undelivered_count",
        "not_implemented_count",
    }
    assert (data["delivered"], data["acknowledged"], len(data["overdue"])) == (300, 0, 300)
    assert (data["overdue_count"], data["undelivered_count"]) == (300, 0)
    assert set(data["overdue"][0]) == {"uscc", "name", "county", "contact", "phone", "detail"}
    text = run("--now", "2026-01-04T23:00", "receipts", "--alert", "1")
    assert "逾期未签收（300家）" in text
    assert "重新排入投递队列" in run(
        "--now", "2026-01-04T23:00", "deliver", "resend", "--alert", "1", "--yes"
    )
    # the 300 orders and the units' task notices again, and the deadline having passed, the 7
    # county contacts told of the overdue
    out = run("--now", "2026-01-04T23:01", "deliver", "--once")
    assert "逾期未签收300家已督办" in out
    assert f"已送达{300 + UNITS + 7}条" in out
    code, err = run_err("receipts", "--alert", "9")
    assert code == 1
    assert "预警9尚未发布" in err


def test_power_import_and_compliance(tmp_path, monkeypatch):
    issued(monkeypatch, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("meter_no,hour,kwh\nDB1,2026-01-05T08:00,abc\n", encoding="utf-8")
    code, err = run_err("power", "import", str(bad))
    assert code == 2
    assert f"{bad}:2:3: 用电量应为数字" in err
    code, err = run_err("power", "import")
    assert code == 2
    assert "二者选一" in err
    assert "已导入用电数据648条（电表3块）" in run(
        "power", "import", str(ROOT / "samples/electricity_hourly.csv")
    )
    lines = json.loads(run("--now", "2026-01-08T00:00", "compliance", "--alert", "1", "--json"))
    suspects = [ln for ln in lines if ln["verdict"] == "suspect"]
    assert [s["meter_no"] for s in suspects] == ["DB0000060"]
    assert set(suspects[0]) >= {
        "uscc",
        "name",
        "line",
        "baseline_kwh_h",
        "window_kwh_h",
        "ratio",
        "allowed",
    }
