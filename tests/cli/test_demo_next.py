"""After `orchestrator demo`, what the README and the demo say next works on what the demo made:
the other commands pointed at its database see its alert, and the links it wrote open on the
local server (`orchestrator serve` on that database)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import requests

from tests.support.base import ROOT
from tests.support.servers import free_port, wait_until_serving


def test_the_next_commands_and_the_links_work_on_what_the_demo_made(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "ORCHESTRATOR_DATA_DIR": str(data)}
    cli = [sys.executable, "-m", "orchestrator"]
    done = subprocess.run(
        [*cli, "demo", "--out", str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ORCHESTRATOR_DATABASE_URL=sqlite:///data/demo.db" in done.stdout
    demo = {**env, "ORCHESTRATOR_DATABASE_URL": f"sqlite:///{data / 'demo.db'}"}
    receipts = subprocess.run(
        [*cli, "receipts", "--alert", "1"],
        cwd=ROOT,
        env=demo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert receipts.returncode == 0, receipts.stderr
    assert "预警1（示重污应急〔2026〕1号）回执情况" in receipts.stdout
    assert "应急响应指令300份：已发出300，确认送达300，已签收1" in receipts.stdout
    # a link the demo delivered, opened on the local server over the demo's database
    message = next((tmp_path / "out" / "outbox").rglob("*.order.txt")).read_text(encoding="utf-8")
    link = re.search(r"http://127\.0\.0\.1:8000(/ack/\S+)", message)
    assert link, message
    port = free_port()
    server = subprocess.Popen(
        [
            *cli,
            "--now",
            "2026-01-04T18:00",
            "serve",
            "--port",
            str(port),
            "--no-scheduler",
            "--no-worker",
        ],
        cwd=ROOT,
        env=demo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(server, port)
        page = requests.get(f"http://127.0.0.1:{port}{link.group(1)}", timeout=30)
        assert page.status_code == 200
        assert "签收" in page.text
    finally:
        server.terminate()
        server.wait(timeout=30)
