"""The command-line contracts other tools depend on: exact JSON shapes, exit codes, error places."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.cli import cli
from tests.support.app import SAMPLE
from tests.support.base import ROOT
from tests.support.cli import issued, run, run_err

AQI_KEYS = {"aqi", "iaqi", "primary_pollutants", "category", "level", "color", "standard"}
ASSESS_KEYS = {
    "level",
    "response",
    "ruleset",
    "episode",
    "advisory_only",
    "reasons",
    "condition",
    "daily_aqi",
}


# --- orchestrator aqi ----------------------------------------------------------------------------


def test_aqi_daily_json_has_exactly_the_documented_shape():
    out = json.loads(
        run(
            "aqi",
            "--mode",
            "daily",
            "--date",
            "2026-01-07",
            "--pm25",
            "186",
            "--pm10",
            "240",
            "--json",
        )
    )
    assert set(out) == AQI_KEYS
    # PM2.5 186: 200 + 100/100*36 = 236; PM10 240: 100 + 50/100*90 = 145
    assert out == {
        "aqi": 236,
        "iaqi": {"pm25": 236, "pm10": 145},
        "primary_pollutants": ["PM2.5"],
        "category": "重度污染",
        "level": 5,
        "color": "#99004C",
        "standard": "HJ 633-2012",
    }


def test_aqi_hourly_scores_pm_on_24h_table_and_gases_on_1h_tables():
    out = json.loads(
        run(
            "aqi",
            "--mode",
            "hourly",
            "--date",
            "2026-01-07",
            "--pm25",
            "76",
            "--no2",
            "250",
            "--o3-8h",
            "300",
            "--json",
        )
    )
    # NO2 1h 250: 100 + 50/500*50 = 105; PM2.5 76 -> 102; O3 8h is not part of the hourly AQI
    assert out["iaqi"] == {"pm25": 102, "no2": 105}
    assert out["aqi"] == 105
    assert out["primary_pollutants"] == ["NO2"]


def test_aqi_standard_follows_the_date_unless_named():
    args = ("aqi", "--mode", "daily", "--pm25", "70", "--json")
    assert json.loads(run(*args, "--date", "2026-02-28"))["aqi"] == 94
    assert json.loads(run(*args, "--date", "2026-03-01"))["aqi"] == 110
    named = json.loads(run(*args, "--date", "2026-03-01", "--standard", "HJ633-2012"))
    assert (named["aqi"], named["standard"]) == (94, "HJ 633-2012")


def test_aqi_without_date_uses_today_from_the_clock():
    out = json.loads(
        run("--now", "2025-12-01T09:00", "aqi", "--mode", "daily", "--pm25", "70", "--json")
    )
    assert out["standard"] == "HJ 633-2012"


def test_aqi_with_no_pollutant_prints_nulls():
    out = json.loads(run("aqi", "--mode", "daily", "--date", "2026-01-07", "--json"))
    assert out == {
        "aqi": None,
        "iaqi": {},
        "primary_pollutants": [],
        "category": None,
        "level": None,
        "color": None,
        "standard": "HJ 633-2012",
    }


def test_aqi_rejects_negative_values_with_exit_2():
    code, err = run_err("aqi", "--mode", "daily", "--pm25", "-3")
    assert code == 2
    assert "pm25" in err


def test_aqi_text_output_is_chinese():
    out = run("aqi", "--mode", "daily", "--date", "2026-01-07", "--pm25", "186")
    assert "AQI 236（重度污染，5级）" in out
    assert "首要污染物：PM2.5" in out


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def test_aqi_csv_adds_columns_and_passes_the_rest_through(tmp_path):
    src = _write_csv(
        tmp_path / "in.csv",
        [
            ["station", "date", "pm25", "pm10", "o3_8h"],
            ["市监测站", "2026-02-28", "70", "", "120"],
            ["市监测站", "2026-03-01", "70", "130", ""],
            ["市监测站", "2026-03-02", "", "", ""],
        ],
    )
    dst = tmp_path / "out.csv"
    run("aqi", "--mode", "daily", "--input", str(src), "--output", str(dst))
    rows = list(csv.DictReader(dst.open(encoding="utf-8")))
    assert list(rows[0]) == [
        "station",
        "date",
        "pm25",
        "pm10",
        "o3_8h",
        "aqi",
        "primary_pollutants",
        "category",
    ]
    # row 1 (2012): PM2.5 70 -> 94, O3 8h 120: 50 + 50/60*20 = 66.7 -> 67
    assert (
        rows[0]["station"],
        rows[0]["aqi"],
        rows[0]["primary_pollutants"],
        rows[0]["category"],
    ) == (
        "市监测站",
        "94",
        "PM2.5",
        "良",
    )
    # row 2 (2026): PM2.5 70 -> 110, PM10 130 -> 104
    assert (rows[1]["aqi"], rows[1]["primary_pollutants"]) == ("110", "PM2.5")
    # row 3: nothing measured -> empty
    assert (rows[2]["aqi"], rows[2]["category"]) == ("", "")


def test_aqi_csv_reports_every_bad_cell_and_writes_nothing(tmp_path):
    src = _write_csv(
        tmp_path / "bad.csv",
        [
            ["time", "pm25", "no2"],
            ["2026-01-05T08:00", "abc", "40"],
            ["2026-01-05T09:00", "50", "-2"],
            ["oops", "1", "1"],
        ],
    )
    dst = tmp_path / "out.csv"
    code, err = run_err("aqi", "--mode", "hourly", "--input", str(src), "--output", str(dst))
    assert code == 2
    assert f"{src}:2:pm25: 不是数值：“abc”" in err
    assert f"{src}:3:no2:" in err
    assert f"{src}:4:time:" in err
    assert not dst.exists()


def test_aqi_csv_needs_both_input_and_output(tmp_path):
    code, err = run_err("aqi", "--mode", "daily", "--input", str(tmp_path / "x.csv"))
    assert code == 2
    assert "--output" in err


# --- orchestrator assess -------------------------------------------------------------------------


def test_assess_daily_forecast_json_has_exactly_the_documented_shape():
    out = json.loads(
        run(
            "--now",
            "2026-01-04T16:00",
            "assess",
            str(ROOT / "samples/forecast_daily.csv"),
            "--json",
        )
    )
    assert set(out) == ASSESS_KEYS
    assert out["level"] == "orange"
    assert out["response"] == "II"
    assert out["ruleset"] == "mee-2024"
    assert out["episode"] == {
        "start": "2026-01-06T00:00:00+08:00",
        "end": "2026-01-10T00:00:00+08:00",
    }
    assert out["advisory_only"] is False
    assert out["daily_aqi"][0] == {
        "start": "2026-01-05T00:00:00+08:00",
        "aqi": 128,
        "primary_pollutants": ["PM2.5"],
    }
    assert len(out["daily_aqi"]) == 7
    assert all(isinstance(r, str) for r in out["reasons"])


def test_assess_hourly_observations_and_reports_missing_hours():
    out = json.loads(
        run(
            "--now",
            "2026-01-04T16:00",
            "assess",
            str(ROOT / "samples/observed_hourly.csv"),
            "--json",
        )
    )
    assert out["level"] == "red"
    assert any("PM2.5缺测2小时" in r for r in out["reasons"])
    starts = [d["start"] for d in out["daily_aqi"]]
    assert len({s[11:] for s in starts}) == 1  # one phase: every window starts at the same hour


def test_assess_with_another_ruleset(tmp_path):
    out = json.loads(
        run(
            "--now",
            "2026-01-04T16:00",
            "assess",
            str(ROOT / "samples/forecast_daily.csv"),
            "--ruleset",
            "shanxi-2020",
            "--json",
        )
    )
    assert (out["level"], out["ruleset"]) == ("yellow", "shanxi-2020")


def test_assess_exits_0_without_an_alert(tmp_path):
    f = _write_csv(
        tmp_path / "clean.csv", [["time", "aqi"], ["2026-01-05", "80"], ["2026-01-06", "90"]]
    )
    out = json.loads(run("assess", str(f), "--json"))
    assert out["level"] is None
    assert out["episode"] == {"start": None, "end": None}


def test_assess_reads_json_files(tmp_path):
    f = tmp_path / "f.json"
    f.write_text(
        json.dumps(
            {
                "rows": [
                    {"time": "2026-01-05", "pm25": 160, "pm10": 200},
                    {"time": "2026-01-06", "pm25": 170},
                ]
            }
        ),
        encoding="utf-8",
    )
    out = json.loads(run("assess", str(f), "--json"))
    # PM2.5 160 -> 210, PM2.5 170 -> 220: n(200) = 2 -> orange
    assert out["level"] == "orange"
    assert [d["aqi"] for d in out["daily_aqi"]] == [210, 220]


def test_assess_ozone_episode_is_advisory(tmp_path):
    f = _write_csv(
        tmp_path / "o3.csv",
        [
            ["time", "aqi", "primary_pollutants"],
            ["2026-06-05", "210", "O3"],
            ["2026-06-06", "230", "O3"],
        ],
    )
    out = json.loads(run("assess", str(f), "--json"))
    assert (out["level"], out["advisory_only"]) == (None, True)


def test_assess_dust_column(tmp_path):
    f = _write_csv(
        tmp_path / "dust.csv",
        [["time", "aqi", "dust"], ["2026-03-15", "420", "true"], ["2026-03-16", "380", "是"]],
    )
    out = json.loads(run("assess", str(f), "--json"))
    assert (out["level"], out["advisory_only"]) == (None, True)


def test_assess_regional_hint_and_lift(tmp_path):
    f = _write_csv(
        tmp_path / "f.csv",
        [["time", "aqi"], ["2026-01-05", "120"], ["2026-01-06", "90"], ["2026-01-07", "80"]],
    )
    out = json.loads(
        run(
            "--now",
            "2026-01-05T08:00",
            "assess",
            str(f),
            "--hint-level",
            "orange",
            "--hint-start",
            "2026-01-05T00:00",
            "--hint-end",
            "2026-01-07T00:00",
            "--json",
        )
    )
    assert out["level"] == "orange"
    out = json.loads(
        run("--now", "2026-01-05T08:00", "assess", str(f), "--active-level", "orange", "--json")
    )
    assert out["lift_due"] is True


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("rows", "place"),
    [
        ([["date", "aqi"], ["2026-01-05", "80"]], ":1:time: 缺少time列"),
        ([["time", "aqi"], ["2026-01-05", "80"], ["2026-01-06", "八十"]], ":3:aqi: 不是数值"),
        ([["time", "aqi"], ["2026-01-05", "80.5"]], ":2:aqi: AQI须为整数"),
        ([["time", "pm25"], ["2026-01-05", "-1"]], ":2:pm25: 浓度须为不小于0的数值"),
        (
            [["time", "aqi"], ["2026-01-05", "80"], ["2026-01-06T08:00", "80"]],
            ":3:time: 日数据与小时数据不能混在同一文件中",
        ),
        ([["time", "aqi"], ["2026-01-06", "80"], ["2026-01-05", "80"]], ":3:time: 时间须严格递增"),
        ([["time", "aqi"], ["2026-01-05T08:30", "80"]], ":2:time: 小时数据的时间须为整点"),
        ([["time", "aqi"], ["05/01/2026", "80"]], ":2:time: 时间格式应为ISO 8601"),
        (
            [["time", "aqi", "city"], ["2026-01-05", "80", "甲市"], ["2026-01-06", "80", "乙市"]],
            ":3:city: 一个文件只能包含一个城市",
        ),
        ([["time", "aqi", "dust"], ["2026-01-05", "80", "maybe"]], ":2:dust: 应为true或false"),
        (
            [["time", "aqi", "primary_pollutants"], ["2026-01-05", "80", "PM1"]],
            ":2:primary_pollutants: 未知污染物代码",
        ),
        ([["time", "station"], ["2026-01-05", "x"]], ":1: 须有aqi列或浓度列"),
        ([["time", "aqi"]], ": 没有数据行"),
        ([["time", "aqi"], ["2026-01-05", "80", "extra"]], ":2: 本行有3列"),
        (
            [["time", "aqi"], ["0001-01-01", "80"]],
            ":2:time: 时间“0001-01-01T00:00:00”超出可处理的年份范围",
        ),
        ([["time", "aqi"], ["9999-12-31T23:00", "80"]], ":2:time: 时间“9999-12-31T23:00:00”超出"),
        ([["time", "aqi"], ["2026-01-05", "8" * 200_000]], ":2: 单元格内容超过128KB"),
        ([["time", "aqi"], ["2026-01-05", "8\x000"]], ":2: 含有NUL字符"),
    ],
)
def test_assess_unusable_input_exits_2_naming_file_row_and_column(tmp_path, rows, place):
    f = _write_csv(tmp_path / "in.csv", rows)
    code, err = run_err("assess", str(f))
    assert code == 2, err
    assert f"{f}{place}" in err
    # asked for JSON, the same error as one JSON object on standard output
    result = CliRunner().invoke(cli, ["assess", str(f), "--json"])
    assert result.exit_code == 2
    assert f"{f}{place}" in json.loads(result.stdout)["error"]
    assert json.loads(result.stdout)["exit_code"] == 2


def test_assess_unknown_ruleset_is_a_clear_error(tmp_path):
    f = _write_csv(tmp_path / "in.csv", [["time", "aqi"], ["2026-01-05", "80"]])
    code, err = run_err("assess", str(f), "--ruleset", "nowhere-2030")
    assert code == 2
    assert "未知的预警规则“nowhere-2030”" in err
    assert "mee-2024" in err


def test_assess_missing_file(tmp_path):
    code, err = run_err("assess", str(tmp_path / "none.csv"))
    assert code == 2
    assert "none.csv" in err


# --- orchestrator rulesets -----------------------------------------------------------------------


def test_rulesets_lists_every_config_file_with_its_document():
    out = json.loads(run("rulesets", "--json"))
    ids = {r["id"]: r for r in out}
    assert set(ids) == {p.stem for p in (ROOT / "config/rulesets").glob("*.toml")}
    assert ids["mee-2024"]["document"] == "环大气〔2024〕6号"
    assert ids["mee-2024"]["default"] is True
    assert ids["mee-2017"]["levels"]["red"] == ["n(200) >= 4 and n(300) >= 2", "peak >= 500"]


# --- entry points --------------------------------------------------------------------------------


def test_python_dash_m_and_console_script_run_the_same_cli():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    args = ["aqi", "--mode", "daily", "--date", "2026-01-07", "--pm25", "186", "--json"]
    by_module = subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    script = Path(sys.executable).parent / "orchestrator"
    by_script = subprocess.run(
        [str(script), *args], capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(by_module.stdout)["aqi"] == 236
    assert by_module.stdout == by_script.stdout


def test_settings_come_from_the_environment(tmp_path):
    env = {**os.environ, "ORCHESTRATOR_RULESET": "mee-2017", "PYTHONIOENCODING": "utf-8"}
    f = _write_csv(tmp_path / "in.csv", [["time", "aqi"], ["2026-01-05", "201"]])
    out = subprocess.run(
        [sys.executable, "-m", "orchestrator", "assess", str(f), "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert json.loads(out.stdout)["level"] == "blue"


def test_a_broken_settings_value_is_reported(tmp_path):
    env = {**os.environ, "ORCHESTRATOR_TIME_ZONE": "Mars/Olympus", "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run(
        [sys.executable, "-m", "orchestrator", "rulesets"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 1
    assert "time_zone" in out.stderr
    assert "Mars/Olympus" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unreadable_now_is_a_usage_error():
    code, err = run_err("--now", "2026-13-01", "rulesets")
    assert code == 2
    assert "--now: 时间格式应为ISO 8601" in err
    assert (
        json.loads(
            run("--now", "2025-12-01T09:30", "aqi", "--mode", "daily", "--pm25", "70", "--json")
        )["aqi"]
        == 94
    )


# --- orchestrator alert / hint over a real database ----------------------------------------------


def test_alert_commands_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    run(
        "list",
        "import",
        str(ROOT / "emission_lists/sample_list.xlsx"),
        "--effective-from",
        "2025-10-01",
    )
    now = ("--now", "2026-01-04T20:00")
    run(
        *now,
        "alert",
        "draft",
        "--level",
        "red",
        "--start",
        "2026-01-06T00:00",
        "--by",
        "张值班",
        "--submit",
    )
    code, err = run_err(*now, "alert", "approve", "1", "--by", "王副市长")
    assert code == 1
    assert "红色预警须由市长或更高职级批准" in err
    code, err = run_err(*now, "alert", "approve", "1", "--by", "无名氏")
    assert code == 2
    assert "不在 config/approval.toml 的人员名单中" in err
    run(*now, "alert", "approve", "1", "--by", "赵市长")
    out = run(*now, "alert", "issue", "1", "--by", "张值班")
    assert "文号示重污应急〔2026〕1号" in out
    run(
        *now,
        "alert",
        "extend",
        "1",
        "--end",
        "2026-01-12T00:00",
        "--by",
        "张值班",
        "--reason",
        "不利气象条件持续",
    )
    code, err = run_err(*now, "alert", "lift", "1", "--by", "张值班", "--reason", "x")
    assert code == 1
    assert "未完成的调整" in err
    run(*now, "alert", "withdraw", "1", "--by", "张值班", "--reason", "改为解除")
    run(*now, "alert", "lift", "1", "--by", "张值班", "--reason", "空气质量已好转")
    run(*now, "alert", "submit", "1", "--by", "张值班")
    run(*now, "alert", "approve", "1", "--by", "赵市长")
    run(*now, "alert", "issue", "1", "--by", "张值班")
    shown = json.loads(run("alert", "show", "1", "--json"))
    assert [r["status"] for r in shown["revisions"]] == ["lifted", "withdrawn", "issued"]
    assert [r["document_number"] for r in shown["revisions"]] == [
        "示重污应急〔2026〕1号",
        None,
        "示重污应急〔2026〕2号",
    ]
    listed = json.loads(run("alert", "list", "--json"))
    assert {"id", "level", "status", "document_number", "start", "end"} <= set(listed[0])
    code, err = run_err("alert", "show", "42")
    assert code == 1
    assert "预警42不存在" in err


def test_alert_draft_with_the_end_before_the_start_is_a_usage_error_not_a_traceback(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    run(
        "list",
        "import",
        str(ROOT / "emission_lists/sample_list.xlsx"),
        "--effective-from",
        "2025-10-01",
    )
    # catch_exceptions=False: an uncaught exception (a traceback for the user) fails the test
    code, err = run_err(
        "--now", "2026-01-04T20:00", "alert", "draft", "--level", "orange",
        "--start", "2026-01-06T00:00", "--end", "2026-01-05T00:00", "--by", "张值班",
    )  # fmt: skip
    assert code == 2
    assert err.strip() == "错误：结束时间须晚于开始时间"
    assert json.loads(run("alert", "list", "--json")) == []


def test_list_import_and_resend_from_the_command_line_are_audited(tmp_path, monkeypatch):
    from orchestrator.audit.model import AuditAction
    from orchestrator.bootstrap import bootstrap

    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    run("list", "import", str(ROOT / "emission_lists/sample_list.xlsx"), "--effective-from",
        "2025-10-01", "--by", "李清单")  # fmt: skip
    now = ("--now", "2026-01-04T20:00")
    run(*now, "alert", "draft", "--level", "orange", "--start", "2026-01-06T00:00", "--by",
        "张值班", "--submit")  # fmt: skip
    run(*now, "alert", "approve", "1", "--by", "王副市长")
    run(*now, "alert", "issue", "1", "--by", "张值班")
    run("--now", "2026-01-04T23:00", "deliver", "resend", "--alert", "1", "--by", "王调度",
        "--yes")  # fmt: skip
    # without --by the machine's account is named
    run("--now", "2026-01-04T23:05", "deliver", "resend", "--alert", "1", "--failed-only")
    entries, total = bootstrap().audit_log().entries()
    by_action = {(e.actor, e.action) for e in entries}
    assert ("李清单", AuditAction.LIST_IMPORT) in by_action
    assert ("王调度", AuditAction.RESEND) in by_action
    machine = [e for e in entries if e.action == AuditAction.RESEND and e.actor != "王调度"]
    assert len(machine) == 1
    assert machine[0].actor.startswith("命令行（")
    assert total == len(entries)


def test_alert_draft_over_the_alert_in_force_exits_1_naming_it(tmp_path, monkeypatch):
    issued(monkeypatch, tmp_path)  # orange from 1/6 until further notice (另行通知)
    code, err = run_err(
        "--now", "2026-01-05T09:00", "alert", "draft", "--level", "red",
        "--start", "2026-01-20T00:00", "--end", "2026-01-22T00:00", "--by", "张值班",
    )  # fmt: skip
    assert code == 1
    assert err.strip() == (
        "错误：与预警1时段重叠：该预警已发布（示重污应急〔2026〕1号），橙色预警，1月6日0时至另行通知。"
        "同一区域同一时段只执行一个预警，如需调整，请对预警1起草升级、降级或延长"
    )
    assert [a["id"] for a in json.loads(run("alert", "list", "--json"))] == [1]


def test_the_band_below_yellow_from_the_command_line(monkeypatch, tmp_path):
    """``alert draft --level adverse`` needs the higher instruction in --reason; approved by the
    director, it says who is ordered; its notice is its own."""
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    run("list", "import", str(ROOT / "emission_lists/sample_list.xlsx"), "--effective-from",
        "2025-10-01")  # fmt: skip
    now = ("--now", "2026-01-04T20:00")
    window = ("--start", "2026-01-06T00:00", "--end", "2026-01-08T00:00")
    code, err = run_err(*now, "alert", "draft", "--level", "adverse", *window, "--by", "张值班")
    assert code == 2
    assert "不利气象条件应对须依上级指令开展" in err
    out = run(*now, "alert", "draft", "--level", "adverse", *window, "--by", "张值班",
              "--reason", "依据省气联〔2026〕5号通知", "--submit")  # fmt: skip
    assert "已起草：不利气象条件应对，2026-01-06 00:00至2026-01-08 00:00" in out
    out = run(*now, "negotiated", "add", "--alert", "1", "--uscc", "91999905MA0000001H", "--line",
        "1#焦炉", "--measure", "延长结焦时间至36小时", "--so2", "50", "--reference",
        "示协〔2026〕1号", "--agreed-by", "李厂长")  # fmt: skip
    assert "（预警1第1次修订，批准后作为该企业的应对指令下达）" in out
    out = run(*now, "alert", "approve", "1", "--by", "周主任")
    assert "不执行清单措施：按协商减排下达指令的企业1家" in out
    run(*now, "alert", "issue", "1", "--by", "张值班")
    out = run(*now, "notices", "render", "--alert", "1", "--out", str(tmp_path / "out"))
    assert "adverse.html" in out
    assert (tmp_path / "out" / "orders" / "91999905MA0000001H.html").exists()
    assert len(list((tmp_path / "out" / "orders").iterdir())) == 1


@pytest.mark.hostile
def test_assess_a_json_nested_too_deep_exits_2(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, err = run_err("assess", str(f))
    assert code == 2
    assert f"{f}: JSON嵌套层数过多" in err


def test_the_demo_says_when_no_chinese_font_is_installed_and_how_to_fix_it(tmp_path):
    """On a machine whose fontconfig knows no Chinese font, PDFs would print empty boxes: the
    demo writes HTML only and says why and what to install (a real fontconfig, emptied)."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><fontconfig>'
        f"<dir>{tmp_path / 'no-fonts'}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
        "</fontconfig>",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(conf),
        "ORCHESTRATOR_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", "demo", "--out", str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "本机未安装中文字体" in done.stdout
    assert "make system-deps" in done.stdout
    assert not list((tmp_path / "out").glob("*.pdf"))
    assert (tmp_path / "out" / "bulletin.html").exists()


def test_list_coverage_needs_a_registry_and_reads_all_three(tmp_path, monkeypatch):
    """Without a registry: a usage error (exit 2); with all three, one report each and an Excel
    file each."""
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["list", "import", str(SAMPLE), "--effective-from", "2025-10-01"]
        ).exit_code
        == 0
    )
    refused = runner.invoke(cli, ["list", "coverage"])
    assert refused.exit_code == 2
    assert "请至少给出一个名录" in refused.output
    registries = ROOT / "samples" / "registries"
    out = tmp_path / "coverage.xlsx"
    result = runner.invoke(
        cli,
        ["list", "coverage", str(registries / "permits.csv"), "--sites", str(registries / "sites.csv"),
         "--transport", str(registries / "transport.csv"), "--out", str(out), "--by", "覆盖核查员"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "排污许可名录（permits.csv，300条）比对第1版清单：发现28项，已保存为第1次核查"
        in result.output
    )
    assert (
        "在建工地名录（sites.csv，33条）比对第1版清单：发现5项，已保存为第2次核查" in result.output
    )
    assert (
        "重点用车单位名录（transport.csv，40条）比对第1版清单：发现4项，已保存为第3次核查"
        in result.output
    )
    for name in ("coverage-permits.xlsx", "coverage-sites.xlsx", "coverage-transport.xlsx"):
        assert (tmp_path / name).exists()
    again = runner.invoke(cli, ["list", "coverage", str(registries / "permits.csv")])
    assert "新增0项、已解决0项，已保存为第4次核查" in again.output


def test_list_grade_amends_the_list_and_grades_shows_the_history(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    runner.invoke(cli, ["list", "import", str(SAMPLE), "--effective-from", "2025-10-01"])
    wrong = runner.invoke(cli, ["list", "grade", "91999900MA0000002C", "E", "--from", "2025-12-01", "--ref", "x"])  # fmt: skip
    assert wrong.exit_code == 2
    assert "未知绩效等级“E”" in wrong.output
    done = runner.invoke(
        cli,
        ["list", "grade", "91999900MA0000002C", "a", "--from", "2025-12-01", "--ref", "示环评〔2025〕12号", "--json"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert (data["revision"], data["effective_from"], data["repeated"]) == (2, "2025-12-01", False)
    assert all("自主采取减排措施" in c for c in data["changes"])
    history = runner.invoke(cli, ["list", "grades", "91999900MA0000002C"])
    assert "2025-12-01起 A（市级评审：示环评〔2025〕12号）" in history.output
    assert "2025-10-01起 B（应急减排清单：第1版清单）" in history.output


def test_list_upgrading_prints_writes_and_answers_json(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    runner.invoke(cli, ["list", "import", str(SAMPLE), "--effective-from", "2025-10-01"])
    out = tmp_path / "up.xlsx"
    text = runner.invoke(
        cli, ["list", "upgrading", "--on", "2026-01-10", "--limit", "2", "--out", str(out)]
    )
    assert text.exit_code == 0, text.output
    assert "未达标244家（已逾期165家" in text.output
    assert "另有242家（--limit 0 或 --out 查看全部）" in text.output
    assert out.exists()
    data = json.loads(
        runner.invoke(cli, ["list", "upgrading", "--on", "2026-01-10", "--json"]).output
    )
    assert len(data["laggards"]) == 244
    assert data["laggards"][0]["days_left"] == -102


def test_list_calendar_and_draft(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    runner.invoke(cli, ["list", "import", str(SAMPLE), "--effective-from", "2025-10-01"])
    text = runner.invoke(cli, ["list", "calendar", "--on", "2026-06-01"])
    assert text.exit_code == 0, text.output
    assert "上次修订：第1版，2025-10-01起生效；下次修订期限2026-09-30（剩余121天）" in text.output
    assert "覆盖核查：尚无（orchestrator list coverage）" in text.output
    out = tmp_path / "draft.xlsx"
    done = runner.invoke(cli, ["list", "draft", str(out), "--on", "2026-06-01"])
    assert done.exit_code == 0, done.output
    again = runner.invoke(cli, ["list", "import", str(out), "--effective-from", "2026-09-30"])
    assert again.exit_code == 0, again.output
    assert "已导入为第2版" in again.output
