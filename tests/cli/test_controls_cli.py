"""`orchestrator controls`, `receipts --round` and `deliver resend --round` with the shipped
configuration and the sample list: the staggered-production round from issue to receipt."""

from __future__ import annotations

import json

from tests.support.base import ROOT
from tests.support.cli import run, run_err


def _setup(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    run(
        "list",
        "import",
        str(ROOT / "emission_lists" / "sample_list.xlsx"),
        "--effective-from",
        "2025-10-01",
    )


def test_a_round_from_the_command_line_to_the_receipts(tmp_path, monkeypatch):
    _setup(tmp_path, monkeypatch)
    early = json.loads(run("--now", "2026-11-09T09:00", "controls", "run", "--json"))
    assert {o["control"]: o["status"] for o in early} == {
        "ozone-vocs": "none",
        "ozone-vocs-forecast": "none",
        "staggered": "none",
    }
    issued = json.loads(
        run("--now", "2026-11-10T09:00", "controls", "run", "--control", "staggered", "--json")
    )
    assert issued[0]["status"] == "issued"
    round_id, notified = issued[0]["round_id"], issued[0]["notified"]
    again = json.loads(
        run("--now", "2026-11-20T09:00", "controls", "run", "--control", "staggered", "--json")
    )
    assert (again[0]["status"], again[0]["round_id"]) == ("exists", round_id)
    rounds = json.loads(run("controls", "rounds", "--json"))
    assert [r["id"] for r in rounds] == [round_id]
    assert rounds[0]["enterprises"] == notified
    assert rounds[0]["enqueued"] is False
    out = tmp_path / "notices"
    text = run("controls", "show", str(round_id), "--out", str(out))
    assert f"{notified}份通知已写入" in text
    assert len(list(out.glob("*.html"))) == notified
    # the shipped delivery config writes to the folder channel
    run("--now", "2026-11-10T09:05", "deliver", "--once")
    files = list((tmp_path / "data" / "outbox" / f"round-{round_id}").glob("*.order.html"))
    assert len(files) == notified
    receipts = json.loads(
        run("--now", "2026-11-13T09:00", "receipts", "--round", str(round_id), "--json")
    )
    assert (receipts["round_id"], receipts["orders"], receipts["delivered"]) == (
        round_id,
        notified,
        notified,
    )
    assert len(receipts["overdue"]) == notified  # the 48 h have passed, nobody signed
    text = run("--now", "2026-11-13T09:00", "deliver", "resend", "--round", str(round_id), "--yes")
    assert f"{notified}条管控通知已重新排入投递队列" in text


def test_command_line_errors_are_named(tmp_path, monkeypatch):
    _setup(tmp_path, monkeypatch)
    code, err = run_err("controls", "run", "--control", "winter")
    assert code == 1
    assert "未定义的常态化管控“winter”" in err
    code, err = run_err("controls", "show", "7")
    assert code == 1
    assert "管控通知批次7不存在" in err
    code, err = run_err("receipts")
    assert code == 2
    assert "请指定 --alert 或 --round 之一" in err
    code, err = run_err("receipts", "--round", "3")
    assert code == 1
    assert "管控通知批次3不存在" in err
    code, err = run_err("deliver", "resend", "--round", "3")
    assert code == 1
    assert "管控通知批次3不存在" in err
    code, err = run_err("controls", "run", "--at", "yesterday")
    assert "--at: 时间格式应为ISO 8601" in err
