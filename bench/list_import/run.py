"""Benchmark: import a 100,000-line emission list (≈ 30,000 enterprises) — read, validate, store.

Goal (issue "Emission list"): ≤ 20 s and ≤ 1.5 GB peak RSS on the 2-core development machine.

    .venv/bin/python bench/list_import/run.py [--lines 100000] [--postgres URL]

The workbook is generated once (bench/list_import/.cache/, ~1 min) and reused. Each database is
measured in a fresh child process (time of `import_list`, peak RSS of the child). Writes
bench/list_import/results.json and prints a summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))


def child(db: str, workbook: Path, pg_url: str) -> None:
    from bench.dispatch.run import fresh_postgres
    from orchestrator.bootstrap import bootstrap
    from orchestrator.db.database import open_database

    if db == "sqlite":
        path = HERE / ".cache" / "bench.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = fresh_postgres(pg_url)
    database = open_database(url)
    database.open()  # migrated before the clock starts
    lists = bootstrap().on(database).lists()
    t0 = time.perf_counter()
    result = lists.import_list(
        workbook,
        effective_from=dt.date(2025, 10, 1),
        now=dt.datetime.now(dt.UTC),
        by="基准测试",
    )
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "database": db,
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "enterprises": result.enterprises,
                "lines": result.lines,
                "dust_sites": result.dust_sites,
                "transport_users": result.transport_users,
                "warnings": len(result.warnings),
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "ORCHESTRATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument("--child", nargs=2, metavar=("DB", "WORKBOOK"), help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help="where to write the results (default: results.json)")
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.postgres)
        return
    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    workbook = cache / f"list_{args.lines}.xlsx"
    if not workbook.exists():
        from bench.list_import.generate import write

        print(f"generating {workbook} …", flush=True)
        write(workbook, n_lines=args.lines)
    runs = []
    for db in [args.only] if args.only else ["sqlite", "postgresql"]:
        out = subprocess.run(
            [sys.executable, __file__, "--child", db, str(workbook), "--postgres", args.postgres],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    result = {
        "date": dt.date.today().isoformat(),  # noqa: DTZ011
        "workbook_mb": round(workbook.stat().st_size / 2**20, 1),
        "runs": runs,
        "goal": {"seconds": 20, "peak_rss_mb": 1536},
    }
    (args.out or HERE / "results.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    )
    for r in runs:
        ok = r["seconds"] <= 20 and r["peak_rss_mb"] <= 1536
        print(
            f"{r['database']:>10}: {r['lines']:,} lines, {r['enterprises']:,} enterprises in {r['seconds']} s, "
            f"peak RSS {r['peak_rss_mb']} MB -> goal {'met' if ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
