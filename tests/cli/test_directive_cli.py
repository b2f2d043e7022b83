"""The provincial flow from the command line: ``orchestrator demo --province`` end to end on a
data folder of the test's own, then the commands its summary shows, on what it made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from orchestrator.cli import cli
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

    # the order as a document, HTML and PDF; no lifting notice before it is lifted
    out = run("directive", "document", "1", "--out", str(tmp_path / "order.html"))
    assert "已写出调度令-示省重污调〔2026〕1号" in out
    assert "示省重污调〔2026〕1号" in (tmp_path / "order.html").read_text(encoding="utf-8")
    run("directive", "document", "1", "--out", str(tmp_path / "order.pdf"))
    assert (tmp_path / "order.pdf").read_bytes().startswith(b"%PDF")
    code, err = run_err("directive", "document", "1", "--lift", "--out", str(tmp_path / "x.pdf"))
    assert code == 2
    assert "尚未解除" in err

    received = json.loads(run("--city", "990100", "directive", "received", "--json"))
    assert received[0]["number"] == "示省重污调〔2026〕1号"
    assert "驻厂监管" in received[0]["measures"][0]

    # accounts: a city's with --city, the province's without; listed with their region
    for args in (("--city", "990100", "user", "add", "sun"), ("user", "add", "gao")):
        result = CliRunner().invoke(
            cli,
            [*args, "--name", "值班", "--role", "duty_officer", "--password-stdin"],
            input="zhiban-2026\n",
        )
        assert result.exit_code == 0, result.output
    assert "东川市" in run("user", "list")
    regions = {u["username"]: u["region"] for u in json.loads(run("user", "list", "--json"))}
    assert regions == {"sun": "990100", "gao": "990000"}

    # the province's scheduler: every city's jobs and the province's, once per slot
    later = ("--now", "2026-01-05T10:05")
    ran = json.loads(run(*later, "schedule", "--once", "--json"))
    jobs = {r["job"]: r for r in ran}
    assert jobs["directive:forward"]["status"] == "skipped"  # every city has its order
    assert jobs["directive:chase"]["status"] in ("done", "skipped")
    reported = [r for r in ran if r["job"] == "directive:report"]
    assert len(reported) == 3  # each city reports back in its slot
    assert all(r["status"] == "done" for r in reported), reported
    again = json.loads(run(*later, "schedule", "--once", "--json"))
    assert not any(r["job"].startswith("directive:") for r in again)  # taken: once per slot
    listed = run("schedule", "--list")
    assert "990100:consult:" in listed
    assert "990200:consult:" in listed

    code, err = run_err("directive", "received")
    assert code == 2
    assert "请指明" in err
    code, err = run_err("--city", "110100", "directive", "received")
    assert code == 2
    assert "不服务" in err

    # once there are accounts, the province's --by signs only with a provincial account's
    # credential: a city's account of the same name is not the province's 韩省主任
    monkeypatch.delenv("ORCHESTRATOR_TOKEN", raising=False)
    lift = ("directive", "lift", "1", "--reason", "过程提前结束", "--by", "韩省主任")
    code, err = run_err(*lift)
    assert code == 1
    assert "“韩省主任”没有控制台账户" in err
    for args in (("--city", "990100", "user", "add", "fake"), ("user", "add", "han")):
        result = CliRunner().invoke(
            cli,
            [*args, "--name", "韩省主任", "--role", "director", "--password-stdin"],
            input="zhuren-2026\n",
        )
        assert result.exit_code == 0, result.output
    fake = run("--city", "990100", "user", "token", "fake", "--name", "脚本").splitlines()[0]
    monkeypatch.setenv("ORCHESTRATOR_TOKEN", fake)
    code, err = run_err(*lift)
    assert code == 1
    assert "API令牌不属于韩省主任" in err
    assert json.loads(run("directive", "show", "1", "--json"))["status"] == "issued"
    han = run("user", "token", "han", "--name", "脚本").splitlines()[0]
    monkeypatch.setenv("ORCHESTRATOR_TOKEN", han)
    run(*lift)
    assert json.loads(run("directive", "show", "1", "--json"))["status"] == "lifted"


def test_a_city_installation_has_no_provincial_office(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    code, err = run_err("directive", "list")
    assert code == 2
    assert "不服务全省" in err


def test_keys_are_made_on_purpose_and_never_overwritten(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    out = run("federation", "keygen", "--out", str(tmp_path / "keys"))
    assert "999900.key" in out
    assert "config/federation/999900.pub" in out
    private = tmp_path / "keys" / "999900.key"
    assert private.stat().st_mode & 0o777 == 0o600
    before = private.read_bytes()
    code, err = run_err("federation", "keygen", "--out", str(tmp_path / "keys"))
    assert code == 1
    assert "不予覆盖" in err
    assert private.read_bytes() == before
    assert "未连接省级平台" in run("federation", "status")
    code, err = run_err("directive", "pull")
    assert code == 2
    assert "未连接省级平台" in err
    code, err = run_err("user", "add", "x", "--name", "x", "--role", "viewer", "--region", "990200")
    assert code == 2
    assert "仅用于省级平台" in err
