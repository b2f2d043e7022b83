"""Every benchmark at a small size, as `make check` runs them: the scripts keep working as the
code changes, and their results hold together (every order stored and delivered once, every
request answered). Nothing here is judged on speed; the recorded results stay untouched.

    .venv/bin/python bench/small.py

PostgreSQL runs in a schema of this run's own (dropped at the end), so that a local run never
disturbs a concurrent one. Without a reachable server the PostgreSQL runs are left out, saying
why — except under CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get(
    "ORCHESTRATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENTERPRISES = "300"


def pg_problem() -> str | None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any driver or network error: not reachable
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def drop_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def run(name: str, out: Path, *args: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    cmd = [sys.executable, str(HERE / name / "run.py"), *args, "--out", str(out)]
    # generated lists and databases in the run's own folder, not the recorded benches' caches
    env = {**os.environ, "BENCH_CACHE": str(out.parent / "cache")}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"bench/{name} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    print(f"bench/{name}: ran in {time.perf_counter() - t0:.1f} s", flush=True)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"bench/small: {what}")


def main() -> None:
    problem = pg_problem()
    if problem and os.environ.get("CI"):
        sys.exit(f"PostgreSQL at {PG_URL} is not reachable under CI: {problem}")
    schema = f"orc_bench_{os.getpid()}_{secrets.token_hex(3)}"
    sep = "&" if "?" in PG_URL else "?"
    pg = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    dbs = ["--postgres", pg] if problem is None else ["--only", "sqlite"]
    if problem:
        print(f"PostgreSQL left out ({problem})", flush=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            startup = run("startup", out / "startup.json", "--runs", "2")
            check(startup["rows"][0]["median_seconds"] > 0, "startup: no timing")
            aqi = run(
                "aqi", out / "aqi.json", "--cities", "2", "--hours", "800", "--records", "500"
            )
            check(aqi["rolling"]["windows"] > 0, "aqi: no windows")
            replay = run("replay", out / "replay.json", "--cities", "2", "--repeat", "1")
            check(replay["windows"] > 0, "replay: no windows")
            lists = run(
                "list_import", out / "list_import.json", "--lines", "1500", "--repeat", "1", *dbs
            )
            for r in lists["runs"]:
                check(r["lines"] == 1500, f"list_import {r['database']}: {r['lines']} lines")
            dispatch = run("dispatch", out / "dispatch.json", "--enterprises", ENTERPRISES, *dbs)
            for r in dispatch["runs"]:
                check(
                    r["orders"] == r["enterprises"] == int(ENTERPRISES),
                    f"dispatch {r['database']}: {r['orders']} orders",
                )
            deliver = run("deliver", out / "deliver.json", "--enterprises", ENTERPRISES, *dbs)
            for r in deliver["runs"]:
                check(
                    r["sink_distinct_keys"] == r["sink_requests"] == r["notices"],
                    f"deliver {r['database']}: {r['sink_requests']} requests, "
                    f"{r['sink_distinct_keys']} keys, {r['notices']} notices",
                )
            web = run(
                "web",
                out / "web.json",
                "--enterprises",
                ENTERPRISES,
                "--clients",
                "4",
                "--requests",
                "80",
                "--think",
                "0",
                *dbs,
            )
            for r in web["runs"]:
                check(r["errors"] == 0, f"web {r['database']}: {r['errors']} errors")
            network = run(
                "network", out / "network.json", "--enterprises", ENTERPRISES,
                "--units", "200", "--reports", "300",
            )  # fmt: skip
            w = network["runs"]["with"]
            check(w["tasks"] == w["units"] == 200, f"network: {w['tasks']} task notices")
            check(w["roll_up"]["reported"] == 300, f"network: {w['roll_up']['reported']} reports")
            if problem is None:  # a provincial installation: one schema per city
                prov = run(
                    "province", out / "province.json", "--cities", "3", "--enterprises",
                    ENTERPRISES, "--clients", "4", "--requests", "5", "--schema-prefix", schema,
                )  # fmt: skip
                n = 3 * int(ENTERPRISES)
                check(
                    prov["province"]["orders"] == n,
                    f"province: {prov['province']['orders']} orders of {n}",
                )
                check(prov["dashboard"]["dashboard"]["errors"] == 0, "province: page errors")
            pg_args = ["--postgres", pg] if problem is None else []
            insp = run("inspection", out / "inspection.json", "--enterprises", ENTERPRISES,
                       *pg_args)  # fmt: skip
            for r in insp["runs"]:
                check(
                    r["readings"] == 24 * int(ENTERPRISES) and r["flagged"] > 0,
                    f"inspection {r['database']}: {r['readings']} readings, {r['flagged']} flagged",
                )
            # the README's tables render from results of these shapes
            from bench.report import regenerate

            readme = (HERE / "README.md").read_text(encoding="utf-8")
            regenerated = regenerate(readme, out)
            check(regenerated != readme, "report: no results block filled")
    finally:
        if problem is None:
            drop_schema(schema)
    print("bench/small: every benchmark ran, the report renders", flush=True)


if __name__ == "__main__":
    main()
