"""Benchmark: the response network at a large city's size — an alert over the 100,000-enterprise
list with 5,000 units dispatches its orders and task notices; the daily roll-up of 100,000
reports.

Goals (issue "The response network"): the issue with every task notice within the dispatch
goal's ratio to the single-core floor (≤ 0.7× the bare Jinja2 render + bulk insert of the same
orders and task notices, measured in the same run); the roll-up of 100,000 reports in ≤ 5 s
(with its own floor beside it: the same rows read and decoded, no counting).

    .venv/bin/python bench/network/run.py [--enterprises 100000] [--units 5000] [--out FILE]

The list and its SQLite database come from bench/dispatch's cache. The network is generated:
the shipped member units and duties, the list's counties, every township the list names and
then made-up ones until there are ``--units`` units (each with a valid code). Runs on SQLite;
writes bench/results/network.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bench.dispatch import run as dispatch  # noqa: E402
from bench.meta import provenance  # noqa: E402

RATIO_GOAL = 0.7  # the dispatch goal: ≤ 0.7× the single-core floor
ROLL_UP_GOAL_S = 5.0


def _code(i: int) -> str:
    from orchestrator.emissions.model import uscc_check_char

    first = f"11999900{i:08d}0"  # 机关 (11), the sample region, a made-up organisation code
    return first + uscc_check_char(first)


def network_toml(workbook_db: Path, units: int) -> str:
    """The shipped network's members and duties, the list's counties and townships, and
    made-up townships until there are ``units`` units."""
    from sqlalchemy import create_engine, select

    from orchestrator.db.tables import list_enterprises

    shipped = tomllib.loads((ROOT / "config" / "network.toml").read_text(encoding="utf-8"))
    engine = create_engine(f"sqlite:///{workbook_db}")
    with engine.connect() as conn:
        pairs = conn.execute(
            select(list_enterprises.c.county, list_enterprises.c.town).distinct()
        ).all()
    engine.dispose()
    counties: dict[str, list[str]] = {}
    for county, town in pairs:
        counties.setdefault(str(county), [])
        if town and str(town) not in counties[str(county)]:
            counties[str(county)].append(str(town))
    members = shipped["members"]
    n = len(members) + len(counties) + sum(len(t) for t in counties.values())
    extra, i = units - n, 0
    while extra > 0:  # made-up townships, spread over the counties
        for towns in counties.values():
            if extra <= 0:
                break
            i += 1
            towns.append(f"第{i}街道")
            extra -= 1
    lines = [
        "[tasks]\nenterprises_listed = 100\n",
        '[daily]\nreport_by = "16:00"\n',
        'leaders = [{ name = "王副市长", phone = "13900000001" }]\n',
    ]
    seq = 1
    for m in members:
        seq += 1
        lines.append(
            f'[[members]]\nid = "{m["id"]}"\nname = "{m["name"]}"\nuscc = "{_code(seq)}"\n'
            f"oversees = {json.dumps(m.get('oversees', []), ensure_ascii=False)}\n"
            f'phone = "{m.get("phone", "")}"\n'
        )
    for county, towns in sorted(counties.items()):
        seq += 1
        own = _code(seq)
        rows = []
        for t in towns:
            seq += 1
            rows.append(f'  {{ name = "{t}", uscc = "{_code(seq)}", phone = "13700000000" }},')
        lines.append(
            f'[[counties]]\nname = "{county}"\nuscc = "{own}"\n'
            'phone = "13800000000"\ntownships = [\n' + "\n".join(rows) + "\n]\n"
        )
    body = "\n".join(lines)
    duties = (ROOT / "config" / "network.toml").read_text(encoding="utf-8")
    return body + "\n" + duties[duties.index("[duties.yellow]") :]


def _context(data: Path, config: Path, db: Path) -> Any:
    from orchestrator.bootstrap import bootstrap
    from orchestrator.db.database import open_database
    from orchestrator.settings import Settings

    return bootstrap(Settings(data_dir=data, config_dir=config)).on(
        open_database(f"sqlite:///{db}")
    )


def issue(ctx: Any) -> tuple[int, int, float, Any]:
    """An orange alert drafted, approved and issued with its notices: (alert id, revision id,
    seconds of approve + issue + notices, the issued result)."""
    from orchestrator.alerts.model import AlertLevel
    from orchestrator.response.model import Draft, RevisionKind

    zone = ctx.settings.zone
    now = dt.datetime(2026, 1, 4, 16, 0, tzinfo=zone)
    duty, approver = ctx.response.person("张值班"), ctx.response.person("王副市长")
    command = ctx.alerts()
    draft = Draft(kind=RevisionKind.ISSUE, level=AlertLevel.ORANGE,
                  start=now + dt.timedelta(hours=32), end=now + dt.timedelta(hours=104),
                  reason="基准测试")  # fmt: skip
    alert_id = command.draft(draft, by=duty, now=now, submit=True).alert_id
    t0 = time.perf_counter()
    approval = command.approve(alert_id, by=approver, now=now + dt.timedelta(minutes=30))
    issued = command.issue(alert_id, by=duty, now=now + dt.timedelta(hours=1),
                           override=None if not approval.shortfall else "基准测试")  # fmt: skip
    seconds = time.perf_counter() - t0
    return alert_id, approval.revision.revision_id, seconds, issued


def task_floor(ctx: Any, alert_id: int, revision_id: int) -> dict[str, float]:
    """Single core, no framework: the same task contexts rendered with bare Jinja2, the same
    rows bulk-inserted into a scratch copy of the notices table."""
    from orchestrator.emissions.plans import PlanMode
    from orchestrator.network.tasks import plan_item, sheets, source_item, tasked
    from orchestrator.notices import compose

    rev = ctx.alerts().current(alert_id)
    zone = ctx.settings.zone
    entries = ctx.alerts().frozen_plan(revision_id)
    with ctx.uow()() as uow:
        rows = uow.lists.source_rows(ctx.office.region_code, rev.list_revision, rev.state.level)
    items = [plan_item(e, PlanMode(e["mode"]).label) for e in entries]
    now_sheets = sheets(ctx.network, rev.state.level, [*items, *map(source_item, rows)])
    head = compose.header(rev, ctx.office, zone)
    main = compose.documents(rev, None, head, {}, ctx.office, zone)[0]
    links = ctx.links()
    contexts = [
        compose.task(rev, None, now_sheets[uid], None, index=i, head=head, main=main,
                     office=ctx.office, zone=zone, links=links,
                     listed=ctx.network.enterprises_listed, report_by=ctx.network.report_by)
        for i, uid in enumerate(tasked(now_sheets, None, lifted=False), 1)
    ]  # fmt: skip
    render_s, insert_s, bodies = dispatch.bare(
        ctx, compose.TASK_TEMPLATE, contexts, revision_id, "task"
    )
    return {"render_s": round(render_s, 2), "insert_s": round(insert_s, 2),
            "total_s": round(render_s + insert_s, 2), "tasks": len(bodies)}  # fmt: skip


def roll_up(ctx: Any, alert_id: int, reports: int) -> dict[str, Any]:
    """``reports`` daily reports of the alert's first day stored in bulk (the enterprises', then
    the units'), then the roll-up timed, beside the floor: the same rows read and decoded."""
    import orjson
    from sqlalchemy import Text, cast, insert, select

    from orchestrator.db.tables import daily_reports

    daily = ctx.daily()
    zone = ctx.settings.zone
    day = dt.date(2026, 1, 6)
    found = daily.day(alert_id, day)
    at = dt.datetime(2026, 1, 6, 15, tzinfo=zone)
    rows = []
    for n, e in enumerate(found.expected[:reports]):
        items = [{"key": o.key, "done": n % 7 != 0 or k > 0, "note": "" if n % 7 else "检修",
                  "figure": (n % 30) if o.figure else None} for k, o in enumerate(e.owed)]  # fmt: skip
        rows.append(
            {
                "alert_id": alert_id,
                "day": day,
                "code": e.code,
                "reporter": e.reporter.value,
                "revision_id": found.revision.revision_id,
                "items": items,
                "note": "",
                "complete": all(i["done"] for i in items),
                "reported_at": at,
                "reported_by": "基准",
                "via": "api",
            }
        )
    engine = ctx.database().engine
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(insert(daily_reports), rows[i : i + 5000])
    now = dt.datetime(2026, 1, 6, 17, tzinfo=zone)
    t0 = time.perf_counter()
    r = daily.roll_up(alert_id, day, now)
    seconds = time.perf_counter() - t0
    # the floor: the same report rows and plan records read and decoded, nothing counted
    t0 = time.perf_counter()
    with engine.connect() as conn:
        t = daily_reports.c
        decoded = [
            orjson.loads(x)
            for (x,) in conn.execute(
                select(cast(t["items"], Text)).where(t.alert_id == alert_id, t.day == day)
            )
        ]
    ctx.alerts().frozen_plan(found.revision.revision_id)
    floor_s = time.perf_counter() - t0
    return {"reports": len(decoded), "expected": r.city.expected, "reported": r.city.reported,
            "missing": len(r.missing), "problems": len(r.problems),
            "seconds": round(seconds, 2), "floor_s": round(floor_s, 2),
            "ratio": round(seconds / floor_s, 2) if floor_s else None}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--units", type=int, default=5_000)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "network.json")
    args = ap.parse_args()
    workbook = dispatch.cached_workbook(args.enterprises)
    seed = dispatch.seed_sqlite(workbook)
    work = dispatch.CACHE / "network"
    shutil.rmtree(work, ignore_errors=True)
    (work / "data").mkdir(parents=True)
    plain, networked = work / "config-plain", work / "config-network"
    shutil.copytree(ROOT / "config", plain)
    (plain / "network.toml").unlink()
    shutil.copytree(ROOT / "config", networked)
    (networked / "network.toml").write_text(network_toml(seed, args.units), encoding="utf-8")
    runs: dict[str, Any] = {}
    for name, config in (("without", plain), ("with", networked)):
        db = work / f"{name}.db"
        shutil.copyfile(seed, db)
        ctx = _context(work / "data", config, db)
        alert_id, revision_id, seconds, issued = issue(ctx)
        run: dict[str, Any] = {"orders": issued.notices.orders, "tasks": issued.notices.tasks,
                               "issue_s": round(seconds, 2)}  # fmt: skip
        if name == "with":
            run["units"] = len(ctx.network.units)
            run["order_floor"] = dispatch.floor(ctx, alert_id, revision_id)
            run["task_floor"] = task_floor(ctx, alert_id, revision_id)
            run["roll_up"] = roll_up(ctx, alert_id, args.reports)
        ctx.database().engine.dispose()
        runs[name] = run
    w = runs["with"]
    floor_s = w["order_floor"]["total_s"] + w["task_floor"]["total_s"]
    result = {
        "bench": "network",
        **provenance(),
        "enterprises": args.enterprises,
        "units": w["units"],
        "runs": runs,
        "tasks_added_s": round(w["issue_s"] - runs["without"]["issue_s"], 2),
        "floor_s": round(floor_s, 2),
        "ratio": round(w["issue_s"] / floor_s, 2) if floor_s else None,
        "goal": {"ratio": RATIO_GOAL, "roll_up_s": ROLL_UP_GOAL_S},
    }
    result["met"] = {
        "ratio": result["ratio"] is not None and result["ratio"] <= RATIO_GOAL,
        "roll_up": w["roll_up"]["seconds"] <= ROLL_UP_GOAL_S,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
