"""Benchmark: the console's dashboard and the enterprises' acknowledge endpoint under load.

Goal (issue "Web console for duty officers"): with a 100,000-notice database, 50 concurrent
clients on loopback, p95 ≤ 100 ms for both endpoints, on the 2-core development machine.

    .venv/bin/python bench/web/run.py [--enterprises 100000] [--only sqlite|postgresql]
        [--clients 50] [--requests 4000]

Not timed: the database (bench/deliver's prepare: the 100,000-enterprise list imported, an orange
alert approved and issued, its 100,000 orders rendered, stored and put in the outbox). Timed:
`orchestrator serve --no-scheduler` in its own process; ``--clients`` threads, each with its own
keep-alive connection, send requests alternately — GET / (the dashboard, signed in as a duty
officer, with the receipt counts of all 100,000 orders) and POST /ack/<link>/acknowledge for a
different enterprise each time (a write: the receipt recorded in one transaction). Latency is
measured per request by the client, from sending to the end of the body.

Two runs: clients pausing about ``--think`` seconds between requests (default 1 s: people at a
console, enterprises acknowledging — the goal is judged on this run), and clients sending as
fast as answers come (``--think 0``: the saturation throughput, where latency is only 50 ÷
requests per second). Writes bench/results/web.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from bench.deliver import run as deliver  # noqa: E402
from bench.dispatch import run as dispatch  # noqa: E402
from bench.meta import provenance  # noqa: E402

GOAL_P95_MS = 100
SERVED_AT = deliver.NOW + dt.timedelta(hours=1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(db: str, url: str, workbook: Path) -> dict[str, Any]:
    """bench/deliver's database (issued alert, 100,000 orders in the outbox), a duty officer with
    a session, and the enterprises' links."""
    config_dir = deliver.CACHE / "config"
    shutil.rmtree(config_dir, ignore_errors=True)
    shutil.copytree(ROOT / "config", config_dir)
    (config_dir / "delivery.toml").write_text(
        deliver.DELIVERY_TOML.format(url="http://127.0.0.1:9/"), encoding="utf-8"
    )
    deliver.CACHE.mkdir(parents=True, exist_ok=True)
    for leftover in ("run.db-wal", "run.db-shm"):  # a stopped server's, not of the new copy
        (deliver.CACHE / leftover).unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, deliver.__file__, "--prepare", db, str(workbook), "--url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.exit(out.stderr)
    prepared = json.loads(out.stdout.strip().splitlines()[-1])

    from sqlalchemy import select

    from orchestrator.bootstrap import bootstrap
    from orchestrator.db.database import open_database
    from orchestrator.db.tables import alert_revisions, notices
    from orchestrator.settings import Settings

    settings = Settings(data_dir=deliver.CACHE, config_dir=config_dir, link_secret=deliver.SECRET)
    ctx = bootstrap(settings).on(open_database(url))
    accounts = ctx.accounts()
    accounts.add_user(
        username="bench",
        display_name="张值班",
        role="duty_officer",
        password="bench-password-1",
        now=SERVED_AT,
    )
    user = accounts.authenticate("bench", "bench-password-1", now=SERVED_AT)
    session = accounts.open_session(user, now=SERVED_AT)
    engine = ctx.database().engine
    with engine.connect() as conn:
        rid, alert_id = conn.execute(
            select(alert_revisions.c.id, alert_revisions.c.alert_id)
            .where(alert_revisions.c.status == "issued")
            .order_by(alert_revisions.c.id.desc())
        ).first()
        usccs = list(
            conn.execute(
                select(notices.c.uscc)
                .where(notices.c.revision_id == rid, notices.c.kind == "order")
                .order_by(notices.c.uscc)
            ).scalars()
        )
    engine.dispose()
    signer = ctx.links()
    expires = signer.expiry(SERVED_AT)
    links = [signer.token(alert_id, u, expires) for u in usccs]
    return {**prepared, "session": session, "links": links, "ref": rid}


class Client(threading.Thread):
    def __init__(
        self,
        port: int,
        jobs: list[tuple[str, str, bytes | None]],
        cookie: str,
        think: float = 0.0,
        seed: int = 0,
    ):
        super().__init__(daemon=True)
        self.port, self.jobs, self.cookie, self.think = port, jobs, cookie, think
        self.random = random.Random(seed)
        self.times: dict[str, list[float]] = {"dashboard": [], "acknowledge": []}
        self.errors: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for kind, path, body in self.jobs:
            if self.think:  # a person reading the page before the next request
                time.sleep(self.think * self.random.uniform(0.5, 1.5))
            headers = {"Cookie": self.cookie}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            t0 = time.perf_counter()
            conn.request("POST" if body else "GET", path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            self.times[kind].append((time.perf_counter() - t0) * 1000)
            if r.status not in (200, 303):
                self.errors.append(f"{kind} {r.status}")
        conn.close()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))], 1)


def measure(
    db: str,
    url: str,
    prepared: dict[str, Any],
    clients: int,
    n: int,
    think: float,
    first: int,
    workers: int,
) -> dict[str, Any]:
    """One run against a served database; acknowledgements from link ``first`` on."""
    port = free_port()
    env = {
        **os.environ,
        "ORCHESTRATOR_DATABASE_URL": url,
        "ORCHESTRATOR_CONFIG_DIR": str(deliver.CACHE / "config"),
        "ORCHESTRATOR_DATA_DIR": str(deliver.CACHE),
        "ORCHESTRATOR_LINK_SECRET": deliver.SECRET,
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestrator",
            "--now",
            SERVED_AT.isoformat(),
            "serve",
            "--no-scheduler",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit(server.stderr.read() if server.stderr else "server did not start")
                time.sleep(0.2)
        links = prepared["links"]
        per = n // clients
        threads = []
        for c in range(clients):
            jobs: list[tuple[str, str, bytes | None]] = []
            for i in range(per):
                if i % 2 == 0:
                    jobs.append(("dashboard", "/", None))
                else:
                    token = links[(first + c * per + i) % len(links)]
                    body = urllib.parse.urlencode({"ref": prepared["ref"], "signer": "刘磊"})
                    jobs.append(("acknowledge", f"/ack/{token}/acknowledge", body.encode()))
            threads.append(Client(port, jobs, f"orc_session={prepared['session']}", think, seed=c))
        # warm-up: one of each
        Client(port, threads[0].jobs[:2], threads[0].cookie).run()
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(10)
    out: dict[str, Any] = {
        "database": db,
        "orders": prepared["orders"],
        "clients": clients,
        "think_s": think,
        "server_processes": workers,
        "requests": per * clients,
        "seconds": round(seconds, 2),
        "requests_per_s": round(per * clients / seconds, 1),
        "errors": sum(len(t.errors) for t in threads),
    }
    for kind in ("dashboard", "acknowledge"):
        xs = [x for t in threads for x in t.times[kind]]
        out[kind] = {
            "requests": len(xs),
            "p50_ms": pct(xs, 50),
            "p95_ms": pct(xs, 95),
            "p99_ms": pct(xs, 99),
            "mean_ms": round(statistics.fmean(xs), 1),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    dispatch.common_arguments(ap)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument(
        "--think",
        type=float,
        action="append",
        help="seconds a client pauses between requests (×0.5–1.5, random); repeat for several "
        "runs; default: 1.0 (people at a console) and 0 (saturation)",
    )
    ap.add_argument(
        "--workers", type=int, default=1, help="server processes (orchestrator serve --workers)"
    )
    args = ap.parse_args()
    thinks = args.think or [1.0, 0.0]
    workbook = dispatch.cached_workbook(args.enterprises)
    runs = []
    for db in [args.only] if args.only else ["sqlite", "postgresql"]:
        url = dispatch.database_url(db, workbook, args.postgres, deliver.CACHE / "run.db")
        prepared = prepare(db, url, workbook)
        for k, think in enumerate(thinks):
            run = measure(
                db,
                url,
                prepared,
                args.clients,
                args.requests,
                think,
                first=k * args.requests,
                workers=args.workers,
            )
            print(json.dumps(run, ensure_ascii=False), flush=True)
            runs.append(run)
    result = {
        **provenance(),
        "runs": runs,
        "goal": {"p95_ms": GOAL_P95_MS, "clients": args.clients, "with_think_s": thinks[0]},
        "met": all(
            r["dashboard"]["p95_ms"] <= GOAL_P95_MS
            and r["acknowledge"]["p95_ms"] <= GOAL_P95_MS
            and not r["errors"]
            for r in runs
            if r["think_s"] == thinks[0]
        ),
    }
    (args.out or RESULTS / "web.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps({"met": result["met"]}))


if __name__ == "__main__":
    main()
