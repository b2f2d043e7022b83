"""What the command line prints depends on where it goes: on a terminal, long imports and
writes draw a progress bar; piped, nothing but their results. Errors of a command asked for
--json are one JSON object; every time in JSON carries the city's offset; repeated hints are
counted, the full list on request."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys

from click.testing import CliRunner

from orchestrator.cli import cli
from tests.support.base import ROOT
from tests.support.cli import issued, run, run_err


def on_terminal(*args: str, env: dict[str, str]) -> str:
    """Run the command line with a terminal for its output; everything it printed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
    )
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
    return out.decode(errors="replace")


def test_progress_on_a_terminal_and_none_when_piped(tmp_path, monkeypatch):
    issued(monkeypatch, tmp_path)
    env = {**os.environ, "ORCHESTRATOR_DATA_DIR": str(tmp_path / "data")}
    shown = on_terminal(
        "notices", "render", "--alert", "1", "--out", str(tmp_path / "tty"), env=env
    )
    assert "写出应急响应指令" in shown
    assert "300/300" in shown
    piped = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestrator",
            "notices",
            "render",
            "--alert",
            "1",
            "--out",
            str(tmp_path / "piped"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0
    assert "写出应急响应指令" not in piped.stdout + piped.stderr
    fresh = {**env, "ORCHESTRATOR_DATA_DIR": str(tmp_path / "other")}
    shown = on_terminal(
        "list",
        "import",
        "emission_lists/sample_list.xlsx",
        "--effective-from",
        "2025-10-01",
        env=fresh,
    )
    assert "导入清单：读取并校验……" in shown
    assert "导入清单：存储……" in shown


def test_an_error_asked_for_json_is_json(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["alert", "show", "999", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": "预警999不存在", "exit_code": 1}
    assert result.stderr == ""


def test_times_in_json_carry_the_offset(tmp_path, monkeypatch):
    issued(monkeypatch, tmp_path)
    texts = [
        run("alert", "show", "1", "--json"),
        run("alert", "list", "--json"),
        run("receipts", "--alert", "1", "--json"),
        run("list", "revisions", "--json"),
    ]
    times = re.findall(r'"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d[^"]*)"', "".join(texts))
    assert times
    assert all(re.search(r"([+-]\d\d:\d\d|Z)$", t) for t in times), times


def test_repeated_hints_are_counted_and_listed_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    args = ("list", "import", str(ROOT / "emission_lists/sample_list.xlsx"), "--dry-run")
    short = run_err(*args)[1]
    assert "……同类提示另有12条（共15条；加 --all-hints 查看全部）" in short
    full = run_err(*args, "--all-hints")[1]
    assert full.count("未评级，按该行业最低等级") == 15
    assert "同类提示另有" not in full
