"""`orchestrator assessment` over a real database with the shipped configuration: the sample
alert issued, delivered and lifted through the CLI, then assessed against the sample
observations (given as a file, or read from the configured monitoring source)."""

from __future__ import annotations

import json

from tests.support.base import ROOT
from tests.support.cli import issued, run, run_err

OBSERVED = str(ROOT / "samples/observed_hourly.csv")


def lifted(monkeypatch, tmp_path) -> None:
    issued(monkeypatch, tmp_path)
    run("--now", "2026-01-04T20:10", "deliver", "--once")
    run("power", "import", str(ROOT / "samples/electricity_hourly.csv"))
    now = ("--now", "2026-01-08T10:00")
    run(*now, "alert", "lift", "1", "--start", "2026-01-08T12:00", "--by", "张值班",
        "--reason", "空气质量已改善")  # fmt: skip
    run(*now, "alert", "submit", "1", "--by", "张值班")
    run(*now, "alert", "approve", "1", "--by", "王副市长")
    run(*now, "alert", "issue", "1", "--by", "张值班")


def test_assessment_writes_the_report_and_prints_the_findings(tmp_path, monkeypatch):
    lifted(monkeypatch, tmp_path)
    out_dir = tmp_path / "report"
    out = run(
        "--now", "2026-01-09T10:00", "assessment", "--alert", "1",
        "--observed", OBSERVED, "--out", str(out_dir),
    )  # fmt: skip
    assert "预警1（橙色，已解除）2026年1月6日0时至2026年1月8日12时，共60小时" in out
    assert "实况达到红色预警条件，与发布的橙色预警级别不一致" in out
    assert "预警于生效前28小时发布" in out  # issued 4 Jan 20:00 for 6 Jan 00:00
    assert "签收0份" in out
    assert "疑似未落实1条" in out
    assert "示例市永安玻璃有限公司" in out  # the glass works, first: it did not cut
    assert "需核实联系方式（未签收或无法送达）299家" in out  # named in the report
    html = (out_dir / "效果评估-预警1.html").read_text(encoding="utf-8")
    assert "示重污应急〔2026〕2号" in html
    assert (out_dir / "效果评估-预警1.pdf").read_bytes().startswith(b"%PDF")

    data = json.loads(
        run("--now", "2026-01-09T10:00", "assessment", "--alert", "1", "--json")
    )  # no --observed: the monitoring source of config/consultation.toml (sample stations)
    assert data["observed_source"] == "监测数据源（stations_hourly.csv）"
    assert data["verification"]["level"] == "red"
    assert [s["kind"] for s in data["steps"]] == ["issue", "lift"]


def test_assessment_errors_name_the_problem(tmp_path, monkeypatch):
    issued(monkeypatch, tmp_path)
    code, err = run_err("assessment", "--alert", "7")
    assert code == 1
    assert "预警7不存在" in err
    bad = tmp_path / "obs.csv"
    bad.write_text("time,pm25\n2026-01-06T00:00,abc\n", encoding="utf-8")
    code, err = run_err("assessment", "--alert", "1", "--observed", str(bad))
    assert code == 2
    assert f"{bad}:2:pm25: 不是数值" in err
