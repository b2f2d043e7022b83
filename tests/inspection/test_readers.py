"""The inspection evidence feeds: CEMS and gate files read whole, each error naming
``file:row:column``; the JSON sources alike over real HTTP on loopback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestrator.errors import InputInvalid
from orchestrator.inspection.model import Pollutant
from orchestrator.inspection.readers import (
    fetch_cems_json,
    fetch_gate_json,
    read_cems_csv,
    read_gate_csv,
)
from tests.support.base import ROOT, ZONE

CEMS_HEAD = "uscc,outlet,pollutant,hour,concentration,flow\n"
GOOD = "91999900MA0000002C,DA001窑尾,NOx,2026-01-06T08:00,210.5,420000\n"


def written(tmp_path: Path, text: str, name: str = "cems.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_cems_and_gate_files_read_in_full():
    readings = read_cems_csv(ROOT / "samples" / "cems_hourly.csv", ZONE)
    assert len(readings) == 2 * 9 * 24
    first = readings[0]
    assert (first.uscc, first.outlet, first.pollutant) == (
        "91999900MA0000002C",
        "DA001窑尾",
        Pollutant.NOX,
    )
    assert first.hour == dt.datetime(2025, 12, 29, 16, tzinfo=dt.UTC)  # 0:00 city time
    assert first.rate == pytest.approx(266.0 * 420000 / 1e6)
    passages = read_gate_csv(ROOT / "samples" / "gate_passages.csv", ZONE)
    assert [p.stage for p in passages[:3]] == ["国四", "国四", "国六"]
    assert passages[0].at == dt.datetime(2026, 1, 6, 0, 12, 30, tzinfo=dt.UTC)


def test_chinese_headers_and_pollutant_names_are_taken(tmp_path):
    path = written(
        tmp_path,
        "统一社会信用代码,排放口,污染物,时间,折算浓度,标干流量\n"
        "91999900MA0000002C,DA001,二氧化硫,2026-01-06T08:00,12,1000\n"
        "91999900MA0000002C,DA001,颗粒物,2026-01-06T08:00,3,1000\n",
    )
    assert [r.pollutant for r in read_cems_csv(path, ZONE)] == [Pollutant.SO2, Pollutant.PM]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("91999900MA000000,DA001,NOx,2026-01-06T08:00,1,1\n", ":3:1: 统一社会信用代码应为18位"),
        ("91999900MA0000002C,,NOx,2026-01-06T08:00,1,1\n", ":3:2: 排放口为空"),
        (
            "91999900MA0000002C,DA001,CO,2026-01-06T08:00,1,1\n",
            ":3:3: 污染物应为SO2、NOx或颗粒物，实为“CO”",
        ),
        ("91999900MA0000002C,DA001,NOx,2026-01-06T08:30,1,1\n", ":3:4: 时间应为整点"),
        ("91999900MA0000002C,DA001,NOx,昨天,1,1\n", ":3:4: 时间应为ISO 8601"),
        ("91999900MA0000002C,DA001,NOx,2026-01-06T08:00,-1,1\n", ":3:5: 浓度应为非负数"),
        ("91999900MA0000002C,DA001,NOx,2026-01-06T08:00,1,nan\n", ":3:6: 流量应为非负数"),
    ],
)
def test_a_bad_cems_value_names_its_file_row_and_column(tmp_path, row, message):
    path = written(tmp_path, CEMS_HEAD + GOOD + row)
    with pytest.raises(InputInvalid) as refused:
        read_cems_csv(path, ZONE)
    assert str(refused.value).startswith(f"{path}{message}")


def test_a_missing_column_and_a_bad_gate_time_are_named(tmp_path):
    path = written(tmp_path, "uscc,outlet,hour\n", "short.csv")
    with pytest.raises(InputInvalid, match=r"short\.csv:1: 缺少列：concentration、flow、pollutant"):
        read_cems_csv(path, ZONE)
    gate = written(
        tmp_path,
        "号牌,统一社会信用代码,排放阶段,通行时间\n示A12345,91999904MA00000039,国四,1月6日\n",
        "gate.csv",
    )
    with pytest.raises(InputInvalid) as refused:
        read_gate_csv(gate, ZONE)
    assert str(refused.value).startswith(f"{gate}:2:4: 时间应为ISO 8601")


def test_json_sources_read_alike_and_name_the_record(sink):
    cems = [
        {
            "uscc": "91999900MA0000002C",
            "outlet": "DA001",
            "pollutant": "nox",
            "hour": "2026-01-06T08:00+08:00",
            "concentration": 200,
            "flow": 400000,
        },
        {
            "uscc": "91999900MA0000002C",
            "outlet": "DA001",
            "pollutant": "nox",
            "hour": "x",
            "concentration": 1,
            "flow": 1,
        },
    ]
    gate = {"readings": [{"uscc": "91999904MA00000039", "plate": "示A1", "stage": "国四",
                          "time": "2026-01-06T08:12:30"}]}  # fmt: skip
    routes = {
        "/cems": (200, cems[:1], 0.0),
        "/bad": (200, cems, 0.0),
        "/gate": (200, gate, 0.0),
        "/down": (503, "维护中".encode(), 0.0),
    }
    sink.get_behaviour = routes.__getitem__
    base = sink.url
    [reading] = fetch_cems_json(f"{base}/cems", ZONE)
    assert reading.hour == dt.datetime(2026, 1, 6, 0, tzinfo=dt.UTC)
    with pytest.raises(InputInvalid, match=r"/bad: \[1\]\.hour: 时间应为ISO 8601"):
        fetch_cems_json(f"{base}/bad", ZONE)
    [passage] = fetch_gate_json(f"{base}/gate", ZONE)
    assert passage.plate == "示A1"
    with pytest.raises(InputInvalid, match=r"/down: 获取在线监测数据失败"):
        fetch_cems_json(f"{base}/down", ZONE)
