"""`orchestrator replay` on the sample season: the alerts each ruleset would have issued and
the comparison with the city's own; bad input named by file, row and column."""

from __future__ import annotations

import json

from tests.support.base import ROOT
from tests.support.cli import run, run_err

SEASON = str(ROOT / "samples" / "season_daily.csv")
ISSUED = str(ROOT / "samples" / "season_alerts.csv")


def test_rulesets_side_by_side_against_the_alerts_issued():
    out = json.loads(
        run(
            "replay",
            SEASON,
            "--ruleset",
            "mee-2024",
            "--ruleset",
            "mee-2017",
            "--actual",
            ISSUED,
            "--json",
        )
    )
    assert (out["horizon_days"], out["lead_hours"], out["actual"]) == (7, 48, 4)
    mee, old = out["rulesets"]
    assert [a["level"] for a in mee["alerts"]] == ["orange", "red", "yellow", "orange"]
    assert mee["alerts"][1]["start"] == "2025-12-21T00:00:00+08:00"
    assert mee["alerts"][1]["issued_at"] == "2025-12-19T16:00:00+08:00"
    assert [c["kind"] for c in mee["alerts"][1]["changes"]] == ["issue", "downgrade", "downgrade"]
    c = mee["comparison"]
    assert (c["hits"], c["misses"], c["false_alarms"], c["same_level"]) == (3, 1, 1, 2)
    assert (c["pod"], c["far"], c["level_agreement"]) == (0.75, 0.25, 0.667)
    assert c["missed"] == [
        {
            "level": "yellow",
            "start": "2026-03-02T00:00:00+08:00",
            "end": "2026-03-04T00:00:00+08:00",
        }
    ]
    # the 2017 scheme counts 72 h above 200 for orange: it misses January's short episode
    assert (old["comparison"]["hits"], old["comparison"]["misses"]) == (2, 2)
    text = run("replay", SEASON, "--actual", ISSUED)
    assert "命中3，漏报1，空报1；命中率75%，空报率25%，等级一致2/3" in text
    assert "空报：橙色预警 2026-02-05 00:00 至 2026-02-07 16:00" in text


def test_bad_input_is_named(tmp_path):
    bad = tmp_path / "issued.csv"
    bad.write_text(
        "level,start,end\nred,2025-12-20,2025-12-25\npurple,2026-01-01,2026-01-02\n",
        encoding="utf-8",
    )
    code, err = run_err("replay", SEASON, "--actual", str(bad))
    assert code == 2
    assert f"{bad}:3:level: 应为yellow、orange或red，实为“purple”" in err
    bad.write_text("level,start\nred,2025-12-20\n", encoding="utf-8")
    assert f"{bad}:1:end: 缺少end列" in run_err("replay", SEASON, "--actual", str(bad))[1]
    bad.write_text("level,start,end\n红色,2025-12-25,2025-12-20\n", encoding="utf-8")
    assert (
        f"{bad}:2:end: 结束时间须晚于开始时间" in run_err("replay", SEASON, "--actual", str(bad))[1]
    )
    assert "--at 应为HH:MM" in run_err("replay", SEASON, "--at", "16点")[1]
    code, err = run_err("replay", SEASON, "--ruleset", "nope")
    assert code == 2
    assert "nope" in err


def test_an_hourly_observed_series_is_replayed_through_its_rolling_windows():
    out = json.loads(
        run(
            "replay", str(ROOT / "samples" / "observed_hourly.csv"), "--horizon-days", "3", "--json"
        )
    )
    (alert,) = out["rulesets"][0]["alerts"]
    # the sample week's episode (assess: red, 4 Jan 20:00 – 7 Jan 20:00), first foreseen lower
    assert alert["level"] == "red"
    assert alert["end"] == "2026-01-07T20:00:00+08:00"
    assert alert["issued_at"] == "2026-01-02T16:00:00+08:00"
    kinds = [c["kind"] for c in alert["changes"]]
    assert kinds[0] == "issue"
    assert "upgrade" in kinds
    assert alert["changes"][0]["level"] != "red"
