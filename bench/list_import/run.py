"""Benchmark: import a 100,000-line emission list (≈ 30,000 enterprises) — read, validate, store.

Goal (issue "Speed that holds on a busy machine"): ≤ 2.5× the floor — the bare python-calamine
read of the same workbook, every sheet — measured in the same run, on SQLite and PostgreSQL.

    .venv/bin/python bench/list_import/run.py [--lines 100000] [--repeat 5] [--postgres URL]

The workbook is generated once (bench/list_import/.cache/, ~1 min) and reused. The floor and
each database are measured in fresh child processes, interleaved, ``--repeat`` times (time of
`import_list`, peak RSS of the child); medians reported. Writes bench/results/list_import.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from bench.meta import provenance  # noqa: E402

GOAL_RATIO = 2.5  # issue "Speed that holds on a busy machine": ≤ 2.5× the bare calamine read


def floor(workbook: Path) -> None:
    """The floor: every sheet of the workbook read with python-calamine, nothing else."""
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    book = CalamineWorkbook.from_path(str(workbook))
    cells = sum(
        len(row) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()
    )
    seconds = time.perf_counter() - t0
    print(json.dumps({"database": "floor", "seconds": round(seconds, 3), "cells": cells}))


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
    ap.add_argument("--repeat", type=int, default=5, help="runs of each; medians reported")
    ap.add_argument("--child", nargs=2, metavar=("DB", "WORKBOOK"), help=argparse.SUPPRESS)
    ap.add_argument(
        "--out",
        type=Path,
        help="where to write the results (default: bench/results/list_import.json)",
    )
    args = ap.parse_args()
    if args.child:
        if args.child[0] == "floor":
            floor(Path(args.child[1]))
        else:
            child(args.child[0], Path(args.child[1]), args.postgres)
        return
    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    workbook = cache / f"list_{args.lines}.xlsx"
    if not workbook.exists():
        from bench.list_import.generate import write

        print(f"generating {workbook} …", flush=True)
        write(workbook, n_lines=args.lines)
    dbs = [args.only] if args.only else ["sqlite", "postgresql"]
    found: dict[str, list[dict[str, Any]]] = {db: [] for db in ["floor", *dbs]}
    for _ in range(args.repeat):  # interleaved: load on the machine falls on all alike
        for db in found:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    db,
                    str(workbook),
                    "--postgres",
                    args.postgres,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            found[db].append(json.loads(out.stdout.strip().splitlines()[-1]))
    floor_s = statistics.median(r["seconds"] for r in found["floor"])
    runs = []
    for db in dbs:
        median = statistics.median(r["seconds"] for r in found[db])
        runs.append(
            {
                **found[db][-1],
                "seconds": round(median, 2),
                "all_seconds": [r["seconds"] for r in found[db]],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in found[db]),
                "calamine_read_s": round(floor_s, 3),
                "ratio_to_floor": round(median / floor_s, 2),
            }
        )
    result = {
        **provenance(),
        "workbook_mb": round(workbook.stat().st_size / 2**20, 1),
        "repeat": args.repeat,
        "calamine_read_s": round(floor_s, 3),
        "runs": runs,
        "goal": {"ratio_to_floor": GOAL_RATIO},
        "met": all(r["ratio_to_floor"] <= GOAL_RATIO for r in runs),
    }
    (args.out or RESULTS / "list_import.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    )
    print(f"{'floor':>10}: calamine read alone {floor_s:.3f} s")
    for r in runs:
        ok = r["ratio_to_floor"] <= GOAL_RATIO
        print(
            f"{r['database']:>10}: {r['lines']:,} lines, {r['enterprises']:,} enterprises in "
            f"{r['seconds']} s = {r['ratio_to_floor']}× the floor, peak RSS {r['peak_rss_mb']} MB"
            f" -> goal {'met' if ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
