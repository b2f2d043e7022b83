"""Benchmark: approve and issue an alert over a 100,000-enterprise list — plan, render, store.

Goal (issue "Alert lifecycle…"): ≤ 10 s and ≤ 1.5 GB peak RSS on SQLite, ≤ 15 s on PostgreSQL,
on the 2-core development machine; measured next to the single-core floor (bare Jinja2 render of
the same order contexts + bulk insert of the same rows) in the same run.

    .venv/bin/python bench/dispatch/run.py [--enterprises 100000] [--postgres URL] [--only sqlite]

The workbook (bench/dispatch/.cache/, ≈ 3 min) and a SQLite database with the list imported are
made once and reused; PostgreSQL gets the list imported before each run, by another process (not
timed, not counted in the peak memory). Each
database is measured in a fresh child process: draft and submit (not timed), then approve
(select and freeze the plan), issue (document number) and its notice step (render and store every
notice), each timed, plus the peak resident memory of the child and its render workers. Writes bench/results/dispatch.json.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
# BENCH_CACHE: another folder for the generated list and databases (bench/small.py's own, so
# that `make check` never replaces the 100,000-enterprise caches of a `make bench` beside it)
CACHE = (
    Path(os.environ["BENCH_CACHE"]) / "dispatch"
    if os.environ.get("BENCH_CACHE")
    else HERE / ".cache"
)
sys.path.insert(0, str(ROOT))

from bench.meta import provenance  # noqa: E402

GOALS = {"sqlite": (10.0, 1536), "postgresql": (15.0, 1536)}


def _context(url: str | None = None) -> Any:
    """The shipped context (its data folder the cache), bound to the database at ``url``."""
    from orchestrator.bootstrap import bootstrap
    from orchestrator.db.database import open_database
    from orchestrator.settings import Settings

    ctx = bootstrap(Settings(data_dir=CACHE))
    return ctx if url is None else ctx.on(open_database(url))


def _import(url: str, workbook: Path) -> None:
    ctx = _context(url)
    ctx.lists().import_list(
        workbook,
        effective_from=dt.date(2025, 10, 1),
        now=dt.datetime(2025, 9, 30, tzinfo=dt.UTC),
        by="基准测试",
    )
    ctx.database().engine.dispose()  # SQLite: the WAL checkpointed into the file


def schema_of(url: str) -> str:
    """The schema a PostgreSQL URL works in: the first of the search path its ``options``
    set (``-csearch_path=NAME``), else ``public``."""
    from sqlalchemy.engine import make_url

    options = make_url(url).query.get("options", "")
    found = re.search(r"-c\s*search_path=([\w]+)", str(options))
    return found.group(1) if found else "public"


def fresh_postgres(url: str) -> str:
    """Empty the URL's schema (and only that one: a run in its own schema leaves others be)."""
    from sqlalchemy import text

    from orchestrator.db.database import make_engine

    schema = schema_of(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return url


def seed_sqlite(workbook: Path) -> Path:
    seed = workbook.with_suffix(".db")
    if not seed.exists():
        tmp = seed.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        _import(f"sqlite:///{tmp}", workbook)
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


def bare(
    ctx: Any, template_name: str, contexts: list[Any], revision_id: int, kind: str
) -> tuple[float, float, list[str]]:
    """Single core, no framework: ``contexts`` rendered with bare Jinja2, their rows
    bulk-inserted into a scratch copy of the notices table: (render s, insert s, bodies)."""
    from sqlalchemy import MetaData, Table, insert

    from orchestrator.db.tables import notices

    template = ctx.templates().get_template(template_name)
    t0 = time.perf_counter()
    bodies = [
        template.render(**{f: getattr(c, f) for f in c.__dataclass_fields__}) for c in contexts
    ]
    render_s = time.perf_counter() - t0
    engine = ctx.database().engine
    scratch = Table(f"bench_{kind}", MetaData(), *(c._copy() for c in notices.columns))
    scratch.create(engine)
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "revision_id": revision_id,
            "uscc": str(i),
            "kind": kind,
            "filename": f"{kind}/{i}.html",
            "body": b,
            "created_at": now,
        }
        for i, b in enumerate(bodies)
    ]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(scratch), rows)
    insert_s = time.perf_counter() - t0
    scratch.drop(engine)
    return render_s, insert_s, bodies


def floor(ctx: Any, alert_id: int, revision_id: int) -> dict[str, float]:
    """Single core, no framework: the same order contexts rendered with bare Jinja2, the same
    rows bulk-inserted into a scratch copy of the notices table."""
    from orchestrator.notices import compose

    command = ctx.alerts()
    entries = command.frozen_plan(revision_id)
    rev = command.current(alert_id)
    zone = ctx.settings.zone
    head = compose.header(rev, ctx.office, zone)
    main = compose.documents(rev, None, head, {}, ctx.office, zone)[0]  # what the orders cite
    frame = compose.order_frame(rev, head, main, ctx.office, zone, ctx.links())
    contexts = [frame.context(e, i) for i, e in enumerate(entries, 1)]
    render_s, insert_s, bodies = bare(ctx, compose.ORDER_TEMPLATE, contexts, revision_id, "order")
    return {
        "render_s": round(render_s, 2),
        "insert_s": round(insert_s, 2),
        "total_s": round(render_s + insert_s, 2),
        "us_per_render": round(render_s / len(contexts) * 1e6),
        "kb_per_order": round(sum(len(b.encode()) for b in bodies) / len(bodies) / 1024, 2),
    }


def child(db: str, workbook: Path, pg_url: str, profile: Path | None) -> None:
    from orchestrator.alerts.model import AlertLevel
    from orchestrator.response.model import Draft, RevisionKind
    from orchestrator.response.service import CommandOffice

    if db == "sqlite":
        run_db = CACHE / "run.db"
        shutil.copyfile(seed_sqlite(workbook), run_db)
        ctx = _context(f"sqlite:///{run_db}")
    else:  # the list was imported by another process (see main): its memory is not counted
        ctx = _context(pg_url)
    zone = ctx.settings.zone
    now = dt.datetime(2026, 1, 4, 16, 0, tzinfo=zone)
    duty, approver = ctx.response.person("张值班"), ctx.response.person("王副市长")
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

    # the command office as bootstrap wires it, its notice step timed on its own
    notices = ctx.notices()
    command = CommandOffice(
        ctx.uow(),
        config=ctx.response,
        city=ctx.city,
        notices=lambda alert_id: timed("notices", lambda: notices(alert_id)),
    )
    draft = Draft(
        kind=RevisionKind.ISSUE,
        level=AlertLevel.ORANGE,
        start=now + dt.timedelta(hours=32),
        end=now + dt.timedelta(hours=104),
        reason="基准测试",
    )
    alert_id = command.draft(draft, by=duty, now=now, submit=True).alert_id
    approval = timed(
        "approve",
        lambda: command.approve(alert_id, by=approver, now=now + dt.timedelta(minutes=30)),
    )
    issued = timed(
        "issue_and_notices",
        lambda: command.issue(
            alert_id,
            by=duty,
            now=now + dt.timedelta(hours=1),
            override=None if not approval.shortfall else "基准测试",
        ),
    )
    timings["issue"] = round(timings.pop("issue_and_notices") - timings["notices"], 2)
    total = round(sum(timings.values()), 2)
    peak = sampler.stop()
    if prof and profile:
        prof.dump_stats(str(profile))
    records = issued.notices
    revision_id = approval.revision.revision_id
    result = {
        "database": db,
        "enterprises": approval.enterprises,
        "lines": sum(len(e["lines"]) for e in command.frozen_plan(revision_id)),
        "notices": len(records),
        "orders": records.orders,
        **{f"{k}_s": timings[k] for k in ("approve", "issue", "notices")},
        "total_s": total,
        "peak_rss_mb": round(peak),
        "floor": floor(ctx, alert_id, revision_id),
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
    ap.add_argument(
        "--out", type=Path, help="where to write the results (default: bench/results/dispatch.json)"
    )


def cached_workbook(enterprises: int) -> Path:
    """The generated list workbook of that many enterprises (made once, then reused)."""
    CACHE.mkdir(parents=True, exist_ok=True)
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
        _import(fresh_postgres(args.postgres), args.import_postgres)
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
        **provenance(),
        "runs": runs,
        "goal": {db: {"seconds": s, "peak_rss_mb": m} for db, (s, m) in GOALS.items()},
    }
    if args.out or not (args.only or args.profile):
        out_file = args.out or RESULTS / "dispatch.json"
        out_file.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
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
