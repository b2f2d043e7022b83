"""Benchmark: scoring one alert day of a large city for the inspection queue — every
enterprise's outlet means read from the day's CEMS readings and its pre-alert baseline (summed in
the database), its facts built, every rule applied with its words, ranked and drawn.

Goal (issue "Inspection"): 100,000 enterprises' day, with 2.4 M hourly readings, scored in
≤ 10 s. The floor, measured in the same run on the same table: one plain scan of every reading
(``SELECT count(*), sum(concentration) …``), the least any reading of them costs.

    .venv/bin/python bench/inspection/run.py [--enterprises 100000] [--hours 24] \\
        [--postgres URL] [--out FILE]

The readings (each enterprise one outlet, half its hours before the alert and half during) are
written afresh in a SQLite file of the run's own (and, with ``--postgres``, in the schema that
URL names, emptied first), not timed. Writes bench/results/inspection.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bench.dispatch.run import fresh_postgres  # noqa: E402
from bench.meta import provenance  # noqa: E402

GOAL_S = 10.0
ZONE_NAME = "Asia/Shanghai"


def _uscc(i: int) -> str:
    return f"91999900MB{i:07d}X"[:18]


def build(url: str, enterprises: int, hours: int, alert: dt.datetime) -> None:
    """Every enterprise's outlet: ``hours`` hourly readings around the alert's start, the
    second half at 60–100 % of the first (a share of them not falling)."""
    from orchestrator.db.database import make_engine, migrate
    from orchestrator.db.inspection import EvidenceStore
    from orchestrator.inspection.model import CemsReading, Pollutant

    engine = make_engine(url)
    migrate(engine)
    half = hours // 2
    first = alert - dt.timedelta(hours=half)
    with engine.begin() as conn:
        store = EvidenceStore(conn)
        batch: list[CemsReading] = []
        for i in range(enterprises):
            cut = 0.6 + 0.4 * ((i * 7919) % 100) / 100
            uscc = _uscc(i)
            for h in range(hours):
                factor = cut if h >= half else 1.0
                batch.append(
                    CemsReading(
                        uscc,
                        "DA001",
                        Pollutant.SO2,
                        first + dt.timedelta(hours=h),
                        50.0 * factor,
                        200_000.0,
                    )
                )
            if len(batch) >= 200_000:
                store.put_cems(batch)
                batch = []
        store.put_cems(batch)
    engine.dispose()


def measure(url: str, enterprises: int, hours: int, alert: dt.datetime) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from sqlalchemy import text

    from orchestrator.db.database import make_engine
    from orchestrator.db.inspection import EvidenceStore
    from orchestrator.inspection.config import InspectionConfig
    from orchestrator.inspection.model import DayFacts
    from orchestrator.inspection.scoring import outlet_shares, queue, score, seed_of

    zone = ZoneInfo(ZONE_NAME)
    config = InspectionConfig.from_mapping(
        tomllib.loads((ROOT / "config" / "inspection.toml").read_text(encoding="utf-8")),
        source="config/inspection.toml",
    )
    usccs = [_uscc(i) for i in range(enterprises)]
    counties = ["城东区", "城西区", "高新区", "北山县", "南川县", "河口县", "清源市"]
    half = dt.timedelta(hours=hours // 2)
    engine = make_engine(url)
    floors, runs = [], []
    flagged = drawn = 0
    for _ in range(3):
        with engine.connect() as conn:
            t0 = time.perf_counter()
            n, _ = conn.execute(
                text("SELECT count(*), sum(concentration) FROM cems_readings")
            ).one()
            floors.append(time.perf_counter() - t0)
        assert n == enterprises * hours, n
        t0 = time.perf_counter()
        with engine.connect() as conn:
            store = EvidenceStore(conn)
            before = store.cems_means(usccs, alert - half, alert)
            during = store.cems_means(usccs, alert, alert + half)
        scores = [
            score(
                DayFacts(
                    uscc=u,
                    name=f"企业{i}",
                    county=counties[i % len(counties)],
                    mode="list",
                    outlets=outlet_shares(before.get(u, {}), during.get(u, {}), config),
                ),
                config,
                now=alert + half,
                zone=zone,
            )
            for i, u in enumerate(usccs)
        ]
        q = queue(scores, config, alert_id=1, day=alert.date(), seed=seed_of(b"b", 1, alert.date()))
        runs.append(time.perf_counter() - t0)
        flagged = sum(1 for s in q.entries if not s.drawn)
        drawn = len(q.entries) - flagged
    engine.dispose()
    best, floor = min(runs), min(floors)
    return {
        "enterprises": enterprises,
        "readings": enterprises * hours,
        "floor_scan_s": round(floor, 3),
        "score_s": round(best, 3),
        "score_median_s": round(statistics.median(runs), 3),
        "x_floor": round(best / floor, 1) if floor else None,
        "flagged": flagged,
        "drawn": drawn,
        "goal_s": GOAL_S,
        "met": best <= GOAL_S,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--postgres", default="", help="also on PostgreSQL: this URL's schema")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "inspection.json")
    args = ap.parse_args()
    alert = dt.datetime(2026, 1, 6, tzinfo=dt.UTC)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'inspection.db'}"]
        if args.postgres:
            urls.append(fresh_postgres(args.postgres))
        for url in urls:
            t0 = time.perf_counter()
            build(url, args.enterprises, args.hours, alert)
            built = time.perf_counter() - t0
            result = measure(url, args.enterprises, args.hours, alert)
            result["database"] = "postgresql" if url.startswith("postgresql") else "sqlite"
            result["build_s"] = round(built, 1)
            runs.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
    out = {**provenance(), "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for r in runs:
        if not r["met"]:
            print(f"goal missed on {r['database']}: {r['score_s']} s > {GOAL_S} s", file=sys.stderr)


if __name__ == "__main__":
    main()
