"""Benchmark: start-up of the command line — `orchestrator --help`, a command's help and
`import orchestrator.cli` — against the floor of the interpreter importing click alone, in the
same run.

Goal (issue "Speed that holds on a busy machine"): `orchestrator --help` ≤ 0.35 s and ≤ 80 MB
peak RSS. Each command runs ``--runs`` times in a fresh process (wall time and the child's peak
RSS from ``wait4``); medians are reported with their ratio to the floor's median. Commands are
interleaved run by run, so that a burst of load on the shared machine falls on all of them.

    .venv/bin/python bench/startup/run.py [--runs 15] [--out bench/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bench.meta import provenance  # noqa: E402

PY = sys.executable
ENTRY = str(Path(PY).with_name("orchestrator"))

COMMANDS = {
    "floor: python -c 'import click'": [PY, "-c", "import click"],
    "orchestrator --help": [ENTRY, "--help"],
    "orchestrator alert --help": [ENTRY, "alert", "--help"],
    "python -c 'import orchestrator.cli'": [PY, "-c", "import orchestrator.cli"],
}
# as installed: bytecode compiled once and kept (a shell may have PYTHONDONTWRITEBYTECODE set)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
FLOOR = "floor: python -c 'import click'"
GOAL = {"command": "orchestrator --help", "seconds": 0.35, "peak_rss_mb": 80}


def once(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of ``cmd``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        err = proc.stderr.read().decode() if proc.stderr else ""
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "startup.json")
    args = parser.parse_args()
    for cmd in COMMANDS.values():
        once(cmd)  # warm the file cache (and write any bytecode) before measuring
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    rss: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            s, mb = once(cmd)
            times[name].append(s)
            rss[name].append(mb)
    floor = statistics.median(times[FLOOR])
    rows = []
    for name in COMMANDS:
        median = statistics.median(times[name])
        rows.append(
            {
                "command": name,
                "median_seconds": round(median, 4),
                "min_seconds": round(min(times[name]), 4),
                "ratio_to_floor": round(median / floor, 2),
                "peak_rss_mb": round(max(rss[name]), 1),
            }
        )
        print(
            f"{name:40} median {median * 1000:6.0f} ms  ×{median / floor:4.1f} floor  "
            f"{max(rss[name]):5.1f} MB",
            flush=True,
        )
    main_row = next(r for r in rows if r["command"] == GOAL["command"])
    result = {
        "bench": "startup",
        **provenance(),
        "runs": args.runs,
        "floor": FLOOR,
        "rows": rows,
        "goal": GOAL,
        "goal_met": main_row["median_seconds"] <= GOAL["seconds"]
        and main_row["peak_rss_mb"] <= GOAL["peak_rss_mb"],
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"goal {'met' if result['goal_met'] else 'missed'}; written {args.out}")


if __name__ == "__main__":
    main()
