"""Benchmark: one heating season (1 Oct – 31 Mar, 4,368 hours) of hourly data for 300 cities
replayed with mee-2024.

Goal (issue "Effect assessment, season replay and drill mode"): ≤ 60 s on the 2-core
development machine.

    .venv/bin/python bench/replay/run.py [--cities 300] [--ruleset mee-2024]

Data are bench/aqi's synthetic city series (seasonal and diurnal cycles, winter episodes, ~1 %
missing hours), generated before timing. Timed, per city, as `orchestrator replay` does it:
the rolling daily AQI of every hour (HJ 633, NumPy), the series of 24-hour windows with their
primary pollutants, and the replay — one consultation a day at 16:00 seeing 7 days ahead, the
decision engine run wherever a level could be due. Writes bench/replay/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bench.aqi.run import synthetic_city  # noqa: E402
from orchestrator.alerts.model import AqiSeries, select_ruleset  # noqa: E402
from orchestrator.alerts.readings import rolling_windows  # noqa: E402
from orchestrator.alerts.replay import replay  # noqa: E402
from orchestrator.aqi.series import rolling_daily  # noqa: E402
from orchestrator.bootstrap.config_files import load_rulesets, load_standards  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 10, 1, tzinfo=ZONE)
HOURS = (dt.datetime(2026, 4, 1, tzinfo=ZONE) - START) // dt.timedelta(hours=1)
GOAL_S = 60


def series_of(city: dict[str, np.ndarray], standards: Any) -> AqiSeries:
    """The city's rolling windows, as `orchestrator replay` builds them (to_series)."""
    return AqiSeries(step_hours=1, windows=rolling_windows(rolling_daily(START, city, standards)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cities", type=int, default=300)
    ap.add_argument("--ruleset", default="mee-2024")
    ap.add_argument("--out", type=Path, help="where to write the results (default: results.json)")
    args = ap.parse_args()
    standards = load_standards(ROOT / "config")
    ruleset = select_ruleset(load_rulesets(ROOT / "config"), args.ruleset)
    rng = np.random.default_rng(20261123)
    data = [synthetic_city(rng, HOURS) for _ in range(args.cities)]
    t0 = time.perf_counter()
    aqi_s = replay_s = 0.0
    alerts: Counter[str] = Counter()
    windows = 0
    for city in data:
        a = time.perf_counter()
        series = series_of(city, standards)
        b = time.perf_counter()
        found = replay(series, ruleset, zone=ZONE)
        replay_s += time.perf_counter() - b
        aqi_s += b - a
        windows += len(series.windows)
        alerts.update(x.level.value for x in found)
    total = time.perf_counter() - t0
    result = {
        "date": dt.date.today().isoformat(),  # noqa: DTZ011
        "cpus": os.cpu_count(),
        "cities": args.cities,
        "hours_per_city": HOURS,
        "windows": windows,
        "ruleset": ruleset.id,
        "alerts": dict(alerts),
        "seconds": round(total, 2),
        "aqi_and_series_s": round(aqi_s, 2),
        "replay_s": round(replay_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "goal_s": GOAL_S,
        "met": total <= GOAL_S,
    }
    print(json.dumps(result, ensure_ascii=False))
    (args.out or HERE / "results.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
