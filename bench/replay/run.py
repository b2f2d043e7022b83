"""Benchmark: one heating season (1 Oct – 31 Mar, 4,368 hours) of hourly data for 300 cities
replayed with mee-2024.

Goal (issue "Speed that holds on a busy machine"): the whole replay ≤ 10× the rolling daily AQI
stage alone (the floor), both timed in the same run, medians of ``--repeat`` runs.

    .venv/bin/python bench/replay/run.py [--cities 300] [--repeat 5] [--ruleset mee-2024]

Data are bench/aqi's synthetic city series (seasonal and diurnal cycles, winter episodes, ~1 %
missing hours), generated before timing. Timed, per city, as `orchestrator replay` does it:
the rolling daily AQI of every hour (HJ 633, NumPy), the series of 24-hour windows with their
primary pollutants, and the replay — one consultation a day at 16:00 seeing 7 days ahead, the
decision engine run wherever a level could be due. Writes bench/results/replay.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from bench.aqi.run import synthetic_city  # noqa: E402
from bench.meta import provenance  # noqa: E402
from orchestrator.alerts.model import AqiSeries, select_ruleset  # noqa: E402
from orchestrator.alerts.readings import rolling_windows  # noqa: E402
from orchestrator.alerts.replay import replay  # noqa: E402
from orchestrator.aqi.series import rolling_daily  # noqa: E402
from orchestrator.bootstrap.config_files import load_rulesets, load_standards  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 10, 1, tzinfo=ZONE)
HOURS = (dt.datetime(2026, 4, 1, tzinfo=ZONE) - START) // dt.timedelta(hours=1)
GOAL_RATIO = 10  # issue "Speed that holds on a busy machine": ≤ 10× the rolling AQI stage


def series_of(city: dict[str, np.ndarray], standards: Any) -> AqiSeries:
    """The city's rolling windows, as `orchestrator replay` builds them (to_series)."""
    return AqiSeries(step_hours=1, windows=rolling_windows(rolling_daily(START, city, standards)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cities", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each; medians reported")
    ap.add_argument("--ruleset", default="mee-2024")
    ap.add_argument(
        "--out", type=Path, help="where to write the results (default: bench/results/replay.json)"
    )
    args = ap.parse_args()
    standards = load_standards(ROOT / "config")
    ruleset = select_ruleset(load_rulesets(ROOT / "config"), args.ruleset)
    rng = np.random.default_rng(20261123)
    data = [synthetic_city(rng, HOURS) for _ in range(args.cities)]
    floors, totals, series_s, replay_s = [], [], [], []
    alerts: Counter[str] = Counter()
    windows = 0
    for _ in range(args.repeat):
        # the floor: the rolling daily AQI stage alone, over every city
        t0 = time.perf_counter()
        for city in data:
            rolling_daily(START, city, standards)
        floors.append(time.perf_counter() - t0)
        # the whole replay: rolling AQI, the windows, the decisions
        alerts, windows, s_s, r_s = Counter(), 0, 0.0, 0.0
        t0 = time.perf_counter()
        for city in data:
            a = time.perf_counter()
            series = series_of(city, standards)
            b = time.perf_counter()
            found = replay(series, ruleset, zone=ZONE)
            r_s += time.perf_counter() - b
            s_s += b - a
            windows += len(series.windows)
            alerts.update(x.level.value for x in found)
        totals.append(time.perf_counter() - t0)
        series_s.append(s_s)
        replay_s.append(r_s)
    floor, total = statistics.median(floors), statistics.median(totals)
    result = {
        "bench": "replay",
        **provenance(),
        "cities": args.cities,
        "hours_per_city": HOURS,
        "windows": windows,
        "ruleset": ruleset.id,
        "alerts": dict(alerts),
        "repeat": args.repeat,
        "floor": "rolling daily AQI stage alone (aqi.series.rolling_daily)",
        "floor_s": round(floor, 3),
        "seconds": round(total, 2),
        "aqi_and_series_s": round(statistics.median(series_s), 2),
        "replay_s": round(statistics.median(replay_s), 2),
        "ratio_to_floor": round(total / floor, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "goal_ratio": GOAL_RATIO,
        "met": total / floor <= GOAL_RATIO,
    }
    print(json.dumps(result, ensure_ascii=False))
    (args.out or RESULTS / "replay.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
