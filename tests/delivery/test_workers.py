"""Worker processes as they run in production (`orchestrator deliver`): killed with SIGKILL in
the middle of a batch and restarted, and two at once against one PostgreSQL outbox."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orchestrator.db.tables import deliveries
from tests.support.app import ISSUED_AT, UNITS, issue_sample
from tests.support.base import ROOT

DELIVERY_TOML = """
fallback = ["webhook"]
[aliases]
"短信" = "webhook"
"邮件" = "webhook"
[retry]
max_attempts = 5
base_seconds = 30
cap_seconds = 600
lease_seconds = 60
timeout_seconds = 5
[channels.webhook]
kind = "webhook"
url = "{url}"
"""


def cli_env(engine, tmp_path: Path, sink_url: str) -> dict[str, str]:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    (config / "delivery.toml").write_text(DELIVERY_TOML.format(url=sink_url), encoding="utf-8")
    return {
        **os.environ,
        "ORCHESTRATOR_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ORCHESTRATOR_CONFIG_DIR": str(config),
        "ORCHESTRATOR_DATA_DIR": str(tmp_path / "data"),
        "ORCHESTRATOR_LINK_SECRET": "test-link-secret-0123456789",
    }


def deliver(env: dict[str, str], now: dt.datetime, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestrator",
            "--now",
            now.isoformat(),
            "deliver",
            "--once",
            *args,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def by_status(engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(
            dict(
                conn.execute(
                    select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
                ).all()
            )
        )


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_was_in_flight(
    engine, sink, tmp_path
):
    issue_sample(engine)
    sink.behaviour = lambda key, seen: (200, {}, 0.01)  # 10 ms a request: kill lands mid-batch
    env = cli_env(engine, tmp_path, sink.url)
    start = ISSUED_AT + dt.timedelta(minutes=10)
    first = deliver(env, start, "--workers", "4")
    deadline = time.monotonic() + 60
    while len(sink.received) < 100:
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        assert time.monotonic() < deadline, "the worker sent nothing"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = by_status(engine)
    with engine.connect() as conn:
        in_flight = set(
            conn.execute(select(deliveries.c.key).where(deliveries.c.status == "sending")).scalars()
        )
    assert before["delivered"] >= 100 - 4  # received by the sink, all but the in-flight recorded
    assert in_flight  # killed in the middle of claimed batches
    assert before["delivered"] + before["pending"] + before["sending"] == 300 + UNITS
    # restarted after the lease (60 s) ran out: the rows the dead worker held are claimed again
    second = deliver(env, start + dt.timedelta(minutes=2), "--workers", "4")
    out, err = second.communicate(timeout=120)
    assert "已送达" in out.decode()
    assert second.returncode == 0, err.decode()
    assert by_status(engine) == {"delivered": 300 + UNITS}
    keys = sink.keys()
    assert len(keys) == 300 + UNITS  # none lost
    repeated = {k for k, n in keys.items() if n > 1}
    # only a message in flight at the kill (sent, not yet recorded) can go out twice — with the
    # same idempotency key, so the receiver drops it — at most one per sending thread
    assert repeated <= in_flight
    assert len(repeated) <= 4
    assert sum(keys.values()) == 300 + UNITS + len(repeated)


def test_two_workers_share_one_postgresql_outbox_without_sending_twice(engine, sink, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers share an outbox on PostgreSQL (SQLite: one worker)")
    issue_sample(engine)
    sink.behaviour = lambda key, seen: (200, {}, 0.005)
    env = cli_env(engine, tmp_path, sink.url)
    now = ISSUED_AT + dt.timedelta(minutes=10)
    # both put the revision into the outbox (once) and then claim from it at the same time
    workers = [deliver(env, now, "--workers", "3") for _ in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()
    keys = sink.keys()
    assert len(keys) == 300 + UNITS
    assert set(keys.values()) == {1}  # no duplicate sends
    assert by_status(engine) == {"delivered": 300 + UNITS}
    with engine.connect() as conn:
        claimers = Counter(conn.execute(select(deliveries.c.claimed_by)).scalars())
    assert len(claimers) == 2  # both took part
