"""Benchmark: approve and issue an alert over a 100,000-enterprise list — plan, render, store.

Goal (issue "Alert lifecycle…"): ≤ 10 s and ≤ 1.5 GB peak RSS on SQLite, ≤ 15 s on PostgreSQL,
on the 2-core development machine; measured next to the single-core floor (bare Jinja2 render of
the same order contexts + bulk insert of the same rows) in the same run.

    .venv/bin/python bench/dispatch/run.py [--enterprises 100000] [--postgres URL] [--only sqlite]

The workbook (bench/dispatch/.cache/, ≈ 3 min) and a SQLite database with the list imported are
made once and reused; PostgreSQL gets the list imported before each run, by another process (not
timed, not counted in the peak memory). Each
database is measured in a fresh child process: draft and submit (not timed), then approve
(select and freeze the plan), issue (document number) and `ensure_notices` (render and store every
notice), each timed, plus the peak resident memory of the child and its render workers. Writes bench/dispatch/results.json.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = HERE / ".cache"
sys.path.insert(0, str(ROOT))

GOALS = {"sqlite": (10.0, 1536), "postgresql": (15.0, 1536)}


def _context() -> Any:
    from orchestrator.bootstrap import bootstrap
    from orchestrator.settings import Settings

    return bootstrap(Settings(data_dir=CACHE))


def _import(engine: Any, workbook: Path) -> None:
    from orchestrator.emissions.revisions import import_list

    ctx = _context()
    import_list(
        engine,
        ctx.city,
        ctx.measures,
        workbook,
        effective_from=dt.date(2025, 10, 1),
        now=dt.datetime(2025, 9, 30, tzinfo=dt.UTC),
    )


def _fresh_postgres(url: str) -> Any:
    from sqlalchemy import text

    from orchestrator.db.database import make_engine, migrate

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    return engine


def seed_sqlite(workbook: Path) -> Path:
    from orchestrator.db.database import make_engine, migrate

    seed = workbook.with_suffix(".db")
    if not seed.exists():
        tmp = seed.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{tmp}")
        migrate(engine)
        _import(engine, workbook)
        engine.dispose()
        tmp.rename(seed)
    return seed


class TreeRss:
    """Peak resident memory of this process and every process under it (the render workers
    and their forkserver), sampled every 20 ms from /proc. (``ru_maxrss`` will not do: Linux
    carries it over from the parent across fork and exec, and misses the workers.)"""

    def __init__(self, roots: Any = None) -> None:
        self.roots = roots or (lambda: {os.getpid()})  # () -> the pids whose trees count
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_kb = max(self.peak_kb, self.sample_kb())

    def sample_kb(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                status = (d / "status").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            parents[int(d.name)] = int(fields["PPid"])
            rss[int(d.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
        roots = set(self.roots())
        tree, frontier = set(roots), set(roots)
        while frontier:
            frontier = {p for p, pp in parents.items() if pp in frontier and p not in tree}
            tree |= frontier
        return sum(rss.get(p, 0) for p in tree)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak_kb, self.sample_kb()) / 1024


def floor(engine: Any, ctx: Any, revision_id: int) -> dict[str, float]:
    """Single core, no framework: the same order contexts rendered with bare Jinja2, the same
    rows bulk-inserted into a scratch copy of the notices table."""
    from sqlalchemy import MetaData, Table, insert

    from orchestrator import command_office as office
    from orchestrator.db.tables import notices
    from orchestrator.notice_writer import _header, _order_frame

    entries = office.frozen_plan(engine, revision_id)
    rev = office.revisions(engine, 1)[-1]
    zone = ctx.settings.zone
    frame = _order_frame(1, rev, _header(rev, ctx.approvals, ctx.city, zone), ctx.approvals, zone)
    contexts = [frame.context(e) for e in entries]
    template = ctx.templates().get_template("notices/dispatch_order.html")
    t0 = time.perf_counter()
    bodies = [
        template.render(**{f: getattr(c, f) for f in c.__dataclass_fields__}) for c in contexts
    ]
    render_s = time.perf_counter() - t0
    scratch = Table("bench_notices", MetaData(), *(c.copy() for c in notices.columns))
    scratch.create(engine)
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "revision_id": revision_id,
            "uscc": c.uscc,
            "kind": "order",
            "filename": f"orders/{c.uscc}.html",
            "body": b,
            "created_at": now,
        }
        for c, b in zip(contexts, bodies, strict=True)
    ]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(scratch), rows)
    insert_s = time.perf_counter() - t0
    scratch.drop(engine)
    return {
        "render_s": round(render_s, 2),
        "insert_s": round(insert_s, 2),
        "total_s": round(render_s + insert_s, 2),
        "us_per_render": round(render_s / len(contexts) * 1e6),
        "kb_per_order": round(sum(len(b.encode()) for b in bodies) / len(bodies) / 1024, 2),
    }


def child(db: str, workbook: Path, pg_url: str, profile: Path | None) -> None:
    from orchestrator import command_office as office
    from orchestrator.alerts.model import AlertLevel
    from orchestrator.db.database import make_engine, migrate
    from orchestrator.notice_writer import ensure_notices
    from orchestrator.plans.lifecycle import RevisionKind

    ctx = _context()
    if db == "sqlite":
        run_db = CACHE / "run.db"
        shutil.copyfile(seed_sqlite(workbook), run_db)
        engine = make_engine(f"sqlite:///{run_db}")
        migrate(engine)
    else:  # the list was imported by another process (see main): its memory is not counted
        engine = make_engine(pg_url)
    zone = ctx.settings.zone
    now = dt.datetime(2026, 1, 4, 16, 0, tzinfo=zone)
    duty, approver = ctx.approvals.person("张值班"), ctx.approvals.person("王副市长")
    view = office.draft(
        engine,
        region=ctx.city.region_code,
        kind=RevisionKind.ISSUE,
        level=AlertLevel.ORANGE,
        start=now + dt.timedelta(hours=32),
        end=now + dt.timedelta(hours=104),
        by=duty,
        reason="基准测试",
        now=now,
    )
    office.submit(engine, view.alert_id, by=duty, now=now)
    sampler = TreeRss()
    prof = cProfile.Profile() if profile else None
    timings: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        if prof:
            prof.enable()
        t0 = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - t0, 2)
        if prof:
            prof.disable()
        return result

    approval = timed(
        "approve",
        lambda: office.approve(
            engine,
            view.alert_id,
            by=approver,
            now=now + dt.timedelta(minutes=30),
            approvals=ctx.approvals,
            city=ctx.city,
        ),
    )
    timed(
        "issue",
        lambda: office.issue(
            engine,
            view.alert_id,
            by=duty,
            now=now + dt.timedelta(hours=1),
            approvals=ctx.approvals,
            city=ctx.city,
            override=None if not approval.shortfall else "基准测试",
        ),
    )
    records = timed(
        "notices",
        lambda: ensure_notices(
            engine,
            view.alert_id,
            env=ctx.templates(),
            city=ctx.city,
            approvals=ctx.approvals,
            zone=zone,
            links=ctx.links(),
        ),
    )
    total = round(sum(timings.values()), 2)
    peak = sampler.stop()
    if prof and profile:
        prof.dump_stats(str(profile))
    result = {
        "database": db,
        "enterprises": approval.enterprises,
        "lines": sum(
            len(e["lines"]) for e in office.frozen_plan(engine, approval.view.revision_id)
        ),
        "notices": len(records),
        "orders": records.orders,
        **{f"{k}_s": v for k, v in timings.items()},
        "total_s": total,
        "peak_rss_mb": round(peak),
        "floor": floor(engine, ctx, approval.view.revision_id),
    }
    print(json.dumps(result))


def common_arguments(ap: argparse.ArgumentParser) -> None:
    """The options every 100,000-enterprise benchmark takes (dispatch, deliver, web)."""
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "ORCHESTRATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument("--only", choices=("sqlite", "postgresql"))


def cached_workbook(enterprises: int) -> Path:
    """The generated list workbook of that many enterprises (made once, then reused)."""
    CACHE.mkdir(exist_ok=True)
    workbook = CACHE / f"list_{enterprises}e.xlsx"
    if not workbook.exists():
        from bench.list_import.generate import write

        print(f"generating {workbook} …", flush=True)
        write(workbook, n_enterprises=enterprises)
    return workbook


def database_url(db: str, workbook: Path, postgres: str, sqlite_file: Path) -> str:
    """Where a run works: PostgreSQL with the list imported afresh, or the SQLite file (which
    the run copies from the seed itself)."""
    if db == "sqlite":
        return f"sqlite:///{sqlite_file}"
    subprocess.run(
        [sys.executable, __file__, "--import-postgres", str(workbook), "--postgres", postgres],
        check=True,
    )
    return postgres


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(ap)
    ap.add_argument("--profile", type=Path, help="write a cProfile of the timed steps here")
    ap.add_argument("--child", nargs=2, metavar=("DB", "WORKBOOK"), help=argparse.SUPPRESS)
    ap.add_argument("--import-postgres", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.postgres, args.profile)
        return
    if args.import_postgres:
        _import(_fresh_postgres(args.postgres), args.import_postgres)
        return
    workbook = cached_workbook(args.enterprises)
    seed_sqlite(workbook)
    runs = []
    for db in [args.only] if args.only else ["sqlite", "postgresql"]:
        if db == "postgresql":
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--import-postgres",
                    str(workbook),
                    "--postgres",
                    args.postgres,
                ],
                check=True,
            )
        cmd = [sys.executable, __file__, "--child", db, str(workbook), "--postgres", args.postgres]
        if args.profile:
            cmd += ["--profile", str(args.profile)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode:
            sys.exit(out.stderr)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    result = {
        "date": dt.date.today().isoformat(),  # noqa: DTZ011
        "cpus": os.cpu_count(),
        "runs": runs,
        "goal": {db: {"seconds": s, "peak_rss_mb": m} for db, (s, m) in GOALS.items()},
    }
    if not args.only and not args.profile:
        (HERE / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for r in runs:
        seconds, mb = GOALS[r["database"]]
        ok = r["total_s"] <= seconds and r["peak_rss_mb"] <= mb
        f = r["floor"]
        print(
            f"{r['database']:>10}: {r['enterprises']:,} enterprises, {r['lines']:,} lines, "
            f"{r['notices']:,} notices: approve {r['approve_s']} s + issue {r['issue_s']} s + "
            f"notices {r['notices_s']} s = {r['total_s']} s, peak RSS {r['peak_rss_mb']} MB "
            f"-> goal {'met' if ok else 'MISSED'}; single-core floor {f['total_s']} s "
            f"(render {f['render_s']} s at {f['us_per_render']} µs/order, insert {f['insert_s']} s)"
        )


if __name__ == "__main__":
    main()
