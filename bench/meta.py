"""What every benchmark records beside its figures: when, at which commit, on what machine and
under what load (the machine is shared: a ratio to a floor measured in the same run is what
compares, the load says how noisy the run was)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    """The commit measured (``+dirty`` when the work tree has changes)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (head or "unknown") + ("+dirty" if dirty else "")


def provenance() -> dict[str, Any]:
    return {
        "date": dt.date.today().isoformat(),  # noqa: DTZ011 - the machine's local date
        "commit": commit(),
        "cpus": os.cpu_count(),
        "machine": f"{platform.machine()}, CPython {platform.python_version()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
