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
    """The commit measured (``+dirty`` when the work tree has changes other than recorded
    results and the README made from them)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!bench/results",
            ":!bench/README.md",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (head or "unknown") + ("+dirty" if dirty else "")


#: The commit when the bench started (imported): what its code was loaded from.
AT_START = commit()


def provenance() -> dict[str, Any]:
    """Date, commit, machine and load; a commit that changed while the bench ran is flagged
    (the figures belong to the commit it started at)."""
    now = commit()
    return {
        "date": dt.date.today().isoformat(),  # noqa: DTZ011 - the machine's local date
        "commit": AT_START if now == AT_START else f"{AT_START} (changed to {now} while running)",
        "cpus": os.cpu_count(),
        "machine": f"{platform.machine()}, CPython {platform.python_version()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
