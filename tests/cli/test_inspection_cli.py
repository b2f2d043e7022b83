"""``orchestrator inspection`` as a user types it: a file with one bad row stores nothing and
names the place; the queue as JSON; a source given twice or not at all is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.base import ROOT
from tests.support.cli import issued, run, run_err

SAMPLES = ROOT / "samples"


def test_a_bad_row_stores_nothing_and_the_queue_reads_what_was_stored(
    monkeypatch: Any, tmp_path: Path
) -> None:
    issued(monkeypatch, tmp_path)
    bad = tmp_path / "cems.csv"
    rows = (SAMPLES / "cems_hourly.csv").read_text(encoding="utf-8").splitlines()
    rows[5] = rows[5].replace(",NOx,", ",CO,").replace(",SO2,", ",CO,")
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, err = run_err("inspection", "cems", str(bad))
    assert code == 2
    assert f"{bad}:6:3: 污染物应为SO2、NOx或颗粒物，实为“CO”" in err
    code, err = run_err("inspection", "cems", str(bad), "--url", "http://127.0.0.1:9/x")
    assert code == 2
    assert "二者选一" in err
    queue = ("--now", "2026-01-06T18:00", "inspection", "queue", "--alert", "1", "--date",
             "2026-01-06", "--json")  # fmt: skip

    def steel() -> dict[str, Any]:
        shown = json.loads(run(*queue))
        assert shown["day"] == "2026-01-06"
        return next(e for e in shown["entries"] if e["uscc"] == "91999901MA0000013Y")

    assert "cems_not_falling" not in [r["rule"] for r in steel()["reasons"]]  # nothing stored
    run("inspection", "cems", str(SAMPLES / "cems_hourly.csv"))
    run("inspection", "gate", str(SAMPLES / "gate_passages.csv"))
    found = steel()
    assert next(r["rule"] for r in found["reasons"]) == "cems_not_falling"
    assert found["score"] == sum(r["points"] for r in found["reasons"])
    code, err = run_err("--now", "2026-01-06T18:00", "inspection", "queue", "--alert", "1",
                        "--date", "2026-01-12")  # fmt: skip
    assert code == 2
    assert "预警1在2026年1月12日的执行尚未开始" in err
