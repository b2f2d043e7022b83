"""Regenerate the figures of bench/README.md from the recorded results (bench/results/*.json).

The README's prose (what each bench measures, how, why a goal is missed and what would close
it) is written by hand; every block between ``<!-- results:NAME -->`` and
``<!-- /results:NAME -->`` is replaced by a table made from ``bench/results/NAME.json``, with
the date and the commit measured. `make bench` runs this last.

    .venv/bin/python bench/report.py [--results DIR] [--readme FILE] [--check]

``--check`` changes nothing: it fails if a block is missing or out of date (bench/small.py
renders the small run's results this way, so that a change of a result's shape fails CI).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

Result = dict[str, Any]


def _n(x: Any, digits: int = 2) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return str(x)


def _table(head: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += [
        "| " + " | ".join(_n(c) if not isinstance(c, str) else c for c in r) + " |" for r in rows
    ]
    return "\n".join(lines)


def _measured(r: Result) -> str:
    parts = [f"Measured {r.get('date', '—')}", f"commit `{r.get('commit') or 'not recorded'}`"]
    if r.get("load_average"):
        parts.append("load average " + " / ".join(f"{x:g}" for x in r["load_average"]))
    if r.get("cpus"):
        parts.append(f"{r['cpus']} CPUs")
    return ", ".join(parts) + "."


def _block(r: Result, head: list[str], rows: list[list[Any]], note: str = "") -> str:
    """The provenance line (with ``note``), then the table."""
    return f"{_measured(r)}{note}\n\n{_table(head, rows)}"


def _met(flag: Any) -> str:
    return "—" if flag is None else ("**met**" if flag else "**missed**")


def startup(r: Result) -> str:
    rows = [
        [x["command"], x["median_seconds"] * 1000, x["ratio_to_floor"], x["peak_rss_mb"]]
        for x in r["rows"]
    ]
    goal = r["goal"]
    table = _block(
        r,
        ["command", "median ms", "× floor", "peak RSS MB"],
        rows,
        f" Medians of {r['runs']} runs, interleaved.",
    )
    return (
        f"{table}\n\nGoal: `{goal['command']}` ≤ {goal['seconds']} s and ≤ "
        f"{goal['peak_rss_mb']} MB: {_met(r.get('goal_met'))}."
    )


def aqi(r: Result) -> str:
    ro, pr = r["rolling"], r["per_record"]
    return _block(
        r,
        ["rows", "windows", "seconds", "floor s (plain NumPy)", "× floor", "peak RSS MB",
         "µs per record (ours)", "µs per record (aqi-hub)", "goal"],
        [[ro["rows"], ro["windows"], ro["seconds"], ro.get("floor_s"), ro.get("ratio_to_floor"),
          ro["peak_rss_mb"], pr["ours_us_per_record"], pr["aqi_hub_us_per_record"],
          _met(r.get("goal_met"))]],
    )  # fmt: skip


def replay(r: Result) -> str:
    alerts = ", ".join(f"{k} {v}" for k, v in sorted(r["alerts"].items()))
    return _block(
        r,
        ["cities", "windows", "floor s (rolling AQI alone)", "replay s", "× floor", "alerts",
         "goal"],
        [[r["cities"], r["windows"], r.get("floor_s"), r["seconds"], r.get("ratio_to_floor"),
          alerts, _met(r.get("met"))]],
        f" Medians of {r['repeat']} runs." if r.get("repeat") else "",
    )  # fmt: skip


def _ratio(x: float, floor: float | None) -> float | None:
    return round(x / floor, 2) if floor else None


def dispatch(r: Result) -> str:
    rows = []
    for x in r["runs"]:
        floor = x.get("floor", {}).get("total_s")
        rows.append([x["database"], x["orders"], x["total_s"], floor,
                     _ratio(x["total_s"], floor), x["peak_rss_mb"]])  # fmt: skip
    return _block(
        r,
        ["database", "orders", "approve + issue + notices s",
         "floor s (render + insert, one core)", "× floor", "peak RSS MB"],
        rows,
    )  # fmt: skip


def list_import(r: Result) -> str:
    rows = []
    for x in r["runs"]:
        floor = x.get("calamine_read_s") or r.get("calamine_read_s")
        rows.append([x["database"], x["lines"], x["seconds"], floor,
                     _ratio(x["seconds"], floor), x["peak_rss_mb"]])  # fmt: skip
    return _block(
        r,
        ["database", "lines", "seconds", "floor s (calamine read alone)", "× floor",
         "peak RSS MB"],
        rows,
        f" Workbook {r.get('workbook_mb', '—')} MB.",
    )  # fmt: skip


def deliver(r: Result) -> str:
    rows = [
        [x["database"], x["orders"], f"{x['processes']} × {x['threads_per_process']}",
         x["deliveries_per_s"], x.get("floor_per_s"),
         _ratio(x["deliveries_per_s"], x.get("floor_per_s")), x["peak_rss_mb"]]
        for x in r["runs"]
    ]  # fmt: skip
    return _block(
        r,
        ["database", "orders", "processes × threads", "deliveries/s",
         "floor: bare urllib3 requests/s", "share of floor", "peak RSS MB"],
        rows,
    )  # fmt: skip


def web(r: Result) -> str:
    rows = [
        [x["database"], x["clients"], x["think_s"], x.get("server_processes", 1),
         x["requests_per_s"], x["dashboard"]["p95_ms"], x["acknowledge"]["p95_ms"], x["errors"]]
        for x in r["runs"]
    ]  # fmt: skip
    return _block(
        r,
        ["database", "clients", "think s", "server processes", "requests/s",
         "dashboard p95 ms", "acknowledge p95 ms", "errors"],
        rows,
    )  # fmt: skip


def network(r: Result) -> str:
    w, plain = r["runs"]["with"], r["runs"]["without"]
    roll = w["roll_up"]
    rows = [[r["enterprises"], w["units"], w["orders"], w["tasks"], plain["issue_s"], w["issue_s"],
             r["floor_s"], r["ratio"], roll["reported"], roll["seconds"], roll["floor_s"],
             _met(r["met"]["ratio"] and r["met"]["roll_up"])]]  # fmt: skip
    return _block(
        r,
        ["enterprises", "units", "orders", "task notices", "issue s without network",
         "issue s with it", "floor s (orders + tasks: render + insert, one core)", "× floor",
         "reports", "roll-up s", "roll-up floor s (read + decode)", "goal"],
        rows,
    )  # fmt: skip


def province(r: Result) -> str:
    one, prov, board = r["single_city"], r["province"], r["dashboard"]
    rows = [[prov["cities"], r["enterprises_per_city"], prov["orders"], prov["task_notices"],
             one["ms_per_enterprise"], prov["ms_per_enterprise"], prov["ratio_to_single"],
             board["clients"], board["healthz"]["p95_ms"], board["dashboard"]["p95_ms"],
             board["dashboard"]["errors"],
             _met(r["met"]["ratio"] and r["met"]["dashboard_p95"])]]  # fmt: skip
    return _block(
        r,
        ["cities", "enterprises per city", "orders", "task notices",
         "floor: one city ms per enterprise", "province ms per enterprise", "× floor",
         "clients", "/healthz p95 ms", "province page p95 ms", "errors", "goal"],
        rows,
        f" The 调度令 handed to every city in {prov['hand_over_s']} s of {prov['seconds']} s.",
    )  # fmt: skip


def inspection(r: Result) -> str:
    rows = [[x["database"], x["enterprises"], x["readings"], x["floor_scan_s"], x["score_s"],
             x["x_floor"], x["flagged"], x["drawn"], _met(x["met"])] for x in r["runs"]]  # fmt: skip
    return _block(
        r,
        ["database", "enterprises", "hourly readings", "floor: one scan s", "score the day s",
         "× floor", "flagged", "drawn", "goal ≤ 10 s"],
        rows,
    )  # fmt: skip


RENDER: dict[str, Callable[[Result], str]] = {
    "startup": startup,
    "aqi": aqi,
    "replay": replay,
    "dispatch": dispatch,
    "list_import": list_import,
    "deliver": deliver,
    "web": web,
    "web-workers2": web,
    "network": network,
    "province": province,
    "inspection": inspection,
}

_BLOCK = re.compile(r"(<!-- results:([\w-]+) -->\n).*?(<!-- /results:\2 -->)", re.S)


def regenerate(readme: str, results: Path) -> str:
    """``readme`` with every results block filled from ``results``."""
    seen: set[str] = set()

    def fill(m: re.Match[str]) -> str:
        name = m.group(2)
        seen.add(name)
        path = results / f"{name}.json"
        if not path.exists():
            return m.group(0)  # not measured yet: the block stays as it is
        data = json.loads(path.read_text(encoding="utf-8"))
        return f"{m.group(1)}{RENDER[name](data)}\n{m.group(3)}"

    out = _BLOCK.sub(fill, readme)
    missing = set(RENDER) - seen
    if missing:
        raise SystemExit(f"bench/README.md has no results block for: {', '.join(sorted(missing))}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=HERE / "results")
    ap.add_argument("--readme", type=Path, default=HERE / "README.md")
    ap.add_argument("--check", action="store_true", help="change nothing; fail if out of date")
    args = ap.parse_args()
    before = args.readme.read_text(encoding="utf-8")
    after = regenerate(before, args.results)
    if args.check:
        if after != before:
            sys.exit(f"{args.readme} is out of date: run bench/report.py")
        return
    args.readme.write_text(after, encoding="utf-8")
    print(f"{args.readme}: results blocks regenerated from {args.results}")


if __name__ == "__main__":
    main()
