"""The provincial flow from the command line: ``orchestrator demo --province`` end to end on a
data folder of the test's own, then the commands its summary shows, on what it made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.cli import run, run_err


def test_the_province_demo_and_the_commands_it_shows_next(monkeypatch: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(data))
    out = run("demo", "--province", "--out", str(tmp_path / "out"))
    assert "省级下达调度令示省重污调〔2026〕1号" in out
    for name in ("示例市", "东川市", "西岭市"):
        assert f"3. {name}：收到调度令后系统已起草预警" in out
    assert "西岭市：已接收，未报送启动情况；启动情况逾期" in out
    assert "已督办1个市：西岭市" in out
    assert (tmp_path / "out" / "990100" / "orders").is_dir()

    monkeypatch.setenv("ORCHESTRATOR_SERVES", "990000")
    monkeypatch.setenv("ORCHESTRATOR_DATABASE_URL", f"sqlite:///{data / 'demo-province.db'}")
    shown = json.loads(run("--now", "2026-01-04T19:30", "directive", "show", "1", "--json"))
    cities = {c["city"]: c for c in shown["cities"]}
    assert shown["number"] == "示省重污调〔2026〕1号"
    assert cities["990100"]["alert"] == "东川重污应急〔2026〕1号"
    assert cities["990100"]["orders"] == 40
    assert cities["990100"]["acknowledged"] == 20
    assert cities["990200"]["alert"] is None
    assert cities["990200"]["owed"]

    # 西岭市 reports now: the province sees it
    assert "启动情况" in run("--city", "990200", "--now", "2026-01-04T19:40", "directive", "report")
    shown = json.loads(run("--now", "2026-01-04T19:45", "directive", "show", "1", "--json"))
    xiling = next(c for c in shown["cities"] if c["city"] == "990200")
    assert xiling["alert"] == "西岭重污应急〔2026〕1号"
    assert xiling["owed"] == []

    received = json.loads(run("--city", "990100", "directive", "received", "--json"))
    assert received[0]["number"] == "示省重污调〔2026〕1号"
    assert "驻厂监管" in received[0]["measures"][0]

    code, err = run_err("directive", "received")
    assert code == 2
    assert "请指明" in err
    code, err = run_err("--city", "110100", "directive", "received")
    assert code == 2
    assert "不服务" in err


def test_a_city_installation_has_no_provincial_office(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    code, err = run_err("directive", "list")
    assert code == 2
    assert "不服务全省" in err
