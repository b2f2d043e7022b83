"""Benchmark: deliver 100,000 dispatch orders to a webhook on loopback.

Goal (issue "Speed that holds on a busy machine"): ≥ 1,000 deliveries/s on PostgreSQL with two
worker processes, and ≥ 1/3 of the floor — bare urllib3 POSTs of bodies as large, with the same
concurrency, to the same sink in the same run (bench/deliver/floor.py); every order exactly once
(distinct idempotency keys at the sink).

    .venv/bin/python bench/deliver/run.py [--enterprises 100000] [--only sqlite|postgresql]
        [--processes N] [--threads K]

Uses bench/dispatch's cached workbook and SQLite seed (made on first use, ≈ 4 min). Not timed:
approve, issue and render the orders. Timed: putting the orders into the outbox (enqueue) and
`orchestrator deliver --once --workers K` in N processes (SQLite: 1; PostgreSQL: 2 by default)
sending every order as JSON (the whole order, ≈ 2.3 KB, plus the short text) to a fast asyncio
sink in its own process. Peak RSS counts the worker processes only. Writes
bench/results/deliver.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
CACHE = (
    Path(os.environ["BENCH_CACHE"]) / "deliver"
    if os.environ.get("BENCH_CACHE")
    else HERE / ".cache"
)
sys.path.insert(0, str(ROOT))

from bench.dispatch import run as dispatch  # noqa: E402
from bench.meta import provenance  # noqa: E402

GOAL_PER_S = 1000  # issue "Speed that holds on a busy machine", PostgreSQL, two workers
GOAL_SHARE = 1 / 3  # of bare urllib3 to the same sink, in the same run
NOW = dt.datetime(2026, 1, 4, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SECRET = "bench-link-secret-0123456789"

DELIVERY_TOML = """
fallback = ["webhook"]
[aliases]
"短信" = "webhook"
"邮件" = "webhook"
[retry]
max_attempts = 5
base_seconds = 30
cap_seconds = 600
lease_seconds = 300
timeout_seconds = 10
[channels.webhook]
kind = "webhook"
url = "{url}"
"""


def prepare(db: str, url: str, workbook: Path, config_dir: Path) -> dict[str, Any]:
    """Issue an orange alert over the list with its orders stored; then time the enqueue."""
    from orchestrator.alerts.model import AlertLevel
    from orchestrator.bootstrap import bootstrap
    from orchestrator.db.database import open_database
    from orchestrator.response.model import Draft, RevisionKind
    from orchestrator.settings import Settings

    if db == "sqlite":
        shutil.copyfile(dispatch.seed_sqlite(workbook), CACHE / "run.db")
    settings = Settings(data_dir=CACHE, config_dir=config_dir, link_secret=SECRET)
    ctx = bootstrap(settings).on(open_database(url))
    duty, approver = ctx.response.person("张值班"), ctx.response.person("王副市长")
    command = ctx.alerts()
    draft = Draft(
        kind=RevisionKind.ISSUE,
        level=AlertLevel.ORANGE,
        start=NOW + dt.timedelta(hours=32),
        end=NOW + dt.timedelta(hours=104),
        reason="基准测试",
    )
    alert_id = command.draft(draft, by=duty, now=NOW, submit=True).alert_id
    approval = command.approve(alert_id, by=approver, now=NOW)
    issued = command.issue(
        alert_id,
        by=duty,
        now=NOW + dt.timedelta(minutes=30),
        override=None if not approval.shortfall else "基准测试",
    )
    t0 = time.perf_counter()
    added = ctx.outbox().enqueue_issued(NOW + dt.timedelta(minutes=35))
    return {
        "orders": issued.notices.orders,
        # every notice the outbox carries: the orders and the response network's task notices
        "notices": issued.notices.orders + issued.notices.tasks,
        "enqueued": added,
        "enqueue_s": round(time.perf_counter() - t0, 2),
    }


def measure(db: str, url: str, workbook: Path, processes: int, threads: int) -> dict[str, Any]:
    sink = subprocess.Popen(
        [sys.executable, str(HERE / "sink.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        sink_url = f"http://127.0.0.1:{port}"
        config_dir = CACHE / "config"
        shutil.rmtree(config_dir, ignore_errors=True)
        shutil.copytree(ROOT / "config", config_dir)
        (config_dir / "delivery.toml").write_text(
            DELIVERY_TOML.format(url=sink_url), encoding="utf-8"
        )
        out = subprocess.run(
            [sys.executable, __file__, "--prepare", db, str(workbook), "--url", url],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            sys.exit(out.stderr)
        prepared = json.loads(out.stdout.strip().splitlines()[-1])
        env = {
            **os.environ,
            "ORCHESTRATOR_DATABASE_URL": url,
            "ORCHESTRATOR_CONFIG_DIR": str(config_dir),
            "ORCHESTRATOR_DATA_DIR": str(CACHE),
            "ORCHESTRATOR_LINK_SECRET": SECRET,
        }
        cmd = [
            sys.executable,
            "-m",
            "orchestrator",
            "--now",
            (NOW + dt.timedelta(minutes=40)).isoformat(),
            "deliver",
            "--once",
            "--workers",
            str(threads),
        ]
        t0 = time.perf_counter()
        workers = [
            subprocess.Popen(
                cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(processes)
        ]
        sampler = dispatch.TreeRss(lambda: {w.pid for w in workers})
        outputs = [w.communicate() for w in workers]
        seconds = time.perf_counter() - t0
        peak = sampler.stop()
        for w, (_, err) in zip(workers, outputs, strict=True):
            if w.returncode:
                sys.exit(err)
        with urllib.request.urlopen(f"{sink_url}/stats") as r:
            stats = json.loads(r.read())
        # the floor, in the same run against the same sink: bare urllib3, same concurrency
        size = int(stats["bytes"] / max(stats["requests"], 1))
        n = min(stats["requests"], 20_000)
        floors = [
            subprocess.Popen(
                [sys.executable, str(HERE / "floor.py"), f"{sink_url}/floor",
                 str(n // processes), str(threads), str(size)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]  # fmt: skip
        floor_per_s = sum(float(f.communicate()[0].strip()) for f in floors)
    finally:
        sink.terminate()
        sink.wait()
    return {
        "database": db,
        **prepared,
        "processes": processes,
        "threads_per_process": threads,
        "deliver_s": round(seconds, 2),
        "deliveries_per_s": round(stats["requests"] / seconds),
        "floor_per_s": round(floor_per_s),
        "share_of_floor": round(stats["requests"] / seconds / floor_per_s, 2),
        "sink_requests": stats["requests"],
        "sink_distinct_keys": stats["distinct_keys"],
        "mean_request_kb": round(stats["bytes"] / max(stats["requests"], 1) / 1024, 2),
        "peak_rss_mb": round(peak),
        "worker_output": [o.strip() for o, _ in outputs],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    dispatch.common_arguments(ap)
    ap.add_argument(
        "--processes", type=int, help="worker processes (default: SQLite 1, PostgreSQL 2)"
    )
    ap.add_argument(
        "--threads", type=int, help="sending threads per process (default: SQLite 1, PostgreSQL 4)"
    )
    ap.add_argument("--prepare", nargs=2, metavar=("DB", "WORKBOOK"), help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prepare:
        print(
            json.dumps(prepare(args.prepare[0], args.url, Path(args.prepare[1]), CACHE / "config"))
        )
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    workbook = dispatch.cached_workbook(args.enterprises)
    runs = []
    for db in [args.only] if args.only else ["sqlite", "postgresql"]:
        url = dispatch.database_url(db, workbook, args.postgres, CACHE / "run.db")
        processes = args.processes or (1 if db == "sqlite" else 2)
        threads = args.threads or (1 if db == "sqlite" else 4)
        run = measure(db, url, workbook, processes, threads)
        print(json.dumps(run, ensure_ascii=False), flush=True)
        runs.append(run)
    result = {
        **provenance(),
        "runs": runs,
        "goal": {"postgresql_deliveries_per_s": GOAL_PER_S, "share_of_floor": GOAL_SHARE},
        # PostgreSQL with two workers: the rate and the share of the floor; every run: each
        # order exactly once at the sink
        "met": all(r["sink_distinct_keys"] == r["notices"] for r in runs)
        and all(
            r["deliveries_per_s"] >= GOAL_PER_S and r["share_of_floor"] >= GOAL_SHARE
            for r in runs
            if r["database"] == "postgresql"
        ),
    }
    (args.out or RESULTS / "deliver.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))


if __name__ == "__main__":
    main()
