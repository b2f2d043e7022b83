"""Two real installations on loopback: the province's platform and 西岭市's own, each an
``orchestrator serve`` process on a database of its own. The province issues a 调度令 from its
command line; the city's server, on starting, fetches it (its scheduler's catch-up), verifies the
province's signature, receives it and drafts its alert, and acknowledges it; the city asks for
an early lift, which goes up signed through its outbox; the province sees both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.base import ROOT
from tests.support.federation import PROVINCE, WEST, city_settings, keys, province_config
from tests.support.servers import free_port

NOW = "2026-01-04T10:00"


def _env(values: dict[str, object]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATOR_")}
    env.update({f"ORCHESTRATOR_{k.upper()}": str(v) for k, v in values.items()})
    return env


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def _serve(env: dict[str, str], port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )


def _up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"{url} did not start")


def test_a_city_installation_takes_its_order_from_the_province_installation(tmp_path: Path) -> None:
    province = _env(
        {
            "serves": PROVINCE,
            "config_dir": province_config(tmp_path),
            "data_dir": tmp_path / "province-data",
            "database_url": f"sqlite:///{tmp_path / 'province.db'}",
            "federation_key_file": keys(tmp_path) / f"{PROVINCE}.key",
        }
    )
    # the city's account at the province, and its token; the order, from the command line
    _cli(
        province,
        "user", "add", "xiling", "--name", "西岭市对接", "--role", "duty_officer",
        "--region", WEST, "--password-stdin",
        stdin="duijie-2026-xl\n",
    )  # fmt: skip
    token = _cli(province, "user", "token", "xiling", "--name", "西岭市平台对接").strip()
    # the province's officers sign with their own accounts' tokens
    signed = {}
    for username, name, role in (
        ("gao", "高省值班", "duty_officer"),
        ("han", "韩省主任", "director"),
    ):
        _cli(province, "user", "add", username, "--name", name, "--role", role,
             "--password-stdin", stdin="shengji-2026-pw\n")  # fmt: skip
        own = _cli(province, "user", "token", username, "--name", "命令行").strip()
        signed[name] = {**province, "ORCHESTRATOR_TOKEN": own}
    gao, han = signed["高省值班"], signed["韩省主任"]
    now = ("--now", NOW)
    _cli(
        gao, *now, "directive", "draft", "--title", "关于启动重污染天气橙色预警的调度令",
        "--cities", f"990100,{WEST}", "--level", "orange", "--start", "2026-01-06T00:00",
        "--end", "2026-01-09T00:00", "--measure", "重点企业驻厂监管", "--reason", "省级会商研判",
        "--by", "高省值班",
    )  # fmt: skip
    _cli(gao, *now, "directive", "submit", "1", "--by", "高省值班")
    _cli(han, *now, "directive", "approve", "1", "--by", "韩省主任")
    _cli(gao, *now, "directive", "issue", "1", "--by", "高省值班")

    p_port, c_port = free_port(), free_port()
    p_url = f"http://127.0.0.1:{p_port}"
    settings = city_settings(tmp_path, p_url, token)
    city = _env({**settings, "database_url": f"sqlite:///{tmp_path / 'city.db'}"})
    servers = [_serve(province, p_port, "--no-worker", "--no-scheduler")]
    try:
        _up(p_url, servers[0])
        servers.append(_serve(city, c_port, "--no-worker"))
        _up(f"http://127.0.0.1:{c_port}", servers[1])
        deadline = time.monotonic() + 60
        received: list[dict[str, object]] = []
        while time.monotonic() < deadline and not received:
            received = json.loads(_cli(city, "directive", "received", "--json"))
            time.sleep(0.5)
        assert [r["number"] for r in received] == ["示省重污调〔2026〕1号"]
        assert received[0]["alert_id"] is not None  # the city's alert drafted on receipt
        shown = json.loads(_cli(province, "directive", "show", "1", "--json"))
        xiling = next(c for c in shown["cities"] if c["city"] == WEST)
        assert xiling["received_at"] is not None  # acknowledged by the city's installation

        # the city asks to lift early: signed, queued, sent on its next exchange
        _cli(city, "directive", "request-lift", "1", "--reason", "实况已转良", "--by", "卫主任")
        out = _cli(city, "directive", "pull")
        assert "重复消息" in out
        assert "上报已发送1份" in out
        shown = json.loads(_cli(province, "directive", "show", "1", "--json"))
        xiling = next(c for c in shown["cities"] if c["city"] == WEST)
        assert xiling["lift_request"] == "实况已转良"
    finally:
        for s in servers:
            s.terminate()
            s.wait(20)
