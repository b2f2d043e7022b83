"""Electricity readings in (CSV, HTTP JSON) and the compliance check of stopped and limited
lines against their own pre-alert baseline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from orchestrator.assessment.electricity import Reading, fetch_json, read_csv
from orchestrator.db.tables import electricity_readings
from orchestrator.delivery.config import Compliance
from orchestrator.errors import InputInvalid
from tests.support.app import issue_sample, meters, office_of
from tests.support.base import ROOT, ZONE, at

SAMPLE = ROOT / "samples" / "electricity_hourly.csv"


def count(engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(electricity_readings)).scalar_one()
        )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "meter_no,hour,kwh\nM1,2026-01-05T08:00,12\nM1,2026-01-05 09:30,3\n",
            ":3:2: 时间应为整点",
        ),
        ("meter_no,hour,kwh\nM1,2026-01-05T08:00,-1\n", ":2:3: 用电量应为非负数"),
        ("meter_no,hour,kwh\nM1,yesterday,1\n", ":2:2: 时间应为ISO 8601"),
        (
            "meter_no,hour,kwh\nM1,0001-01-01T00:00,1\n",
            ":2:2: 时间“0001-01-01T00:00:00”超出可处理的年份范围",
        ),
        (
            "meter_no,hour,kwh\nM1,9999-12-31T23:00,1\n",
            ":2:2: 时间“9999-12-31T23:00:00”超出可处理的年份范围",
        ),
        ("电表编号,时间,用电量\n,2026-01-05T08:00,1\n", ":2:1: 电表编号为空"),
        ("meter,hour,kwh\n", ":1: 缺少列：meter_no"),
    ],
)
def test_bad_readings_are_refused_naming_row_and_column(tmp_path, rows, message):
    path = tmp_path / "r.csv"
    path.write_text(rows, encoding="utf-8")
    with pytest.raises(InputInvalid) as exc:
        read_csv(path, ZONE)
    assert str(exc.value).startswith(str(path))
    assert message in str(exc.value)


def test_import_is_idempotent_and_a_new_reading_replaces_the_old(engine, tmp_path):
    readings = read_csv(SAMPLE, ZONE)
    assert meters(engine).store(readings) == 648
    assert meters(engine).store(readings) == 648
    assert count(engine) == 648
    fix = tmp_path / "fix.csv"
    fix.write_text("电表编号,时间,用电量\nDB0000020,2026-01-06T00:00,1.5\n", encoding="utf-8")
    meters(engine).store(read_csv(fix, ZONE))
    with engine.connect() as conn:
        kwh = conn.execute(
            select(electricity_readings.c.kwh).where(
                electricity_readings.c.meter_no == "DB0000020",
                electricity_readings.c.hour == at(6),
            )
        ).scalar_one()
    assert (kwh, count(engine)) == (1.5, 648)


def test_readings_from_an_http_json_source(engine, sink):
    sink.get_body = {
        "readings": [{"meter_no": "M9", "hour": "2026-01-05T08:00:00+08:00", "kwh": 3.5}]
    }
    readings = fetch_json(f"{sink.url}/hourly", ZONE)
    assert readings == [Reading("M9", at(5, 8).astimezone(dt.UTC), 3.5)]
    sink.get_body = [{"meter_no": "M9", "hour": "2026-01-05T08:00", "kwh": "x"}]
    with pytest.raises(InputInvalid, match=r"/hourly: \[0\]\.kwh: 用电量应为数字"):
        fetch_json(f"{sink.url}/hourly", ZONE)


def test_sample_readings_find_the_glass_line_that_did_not_cut(engine):
    alert_id, _ = issue_sample(engine)
    meters(engine).store(read_csv(SAMPLE, ZONE))
    lines = meters(engine, Compliance()).check(alert_id, now=at(8))
    judged = {ln.meter_no: ln for ln in lines if ln.verdict != "no_data"}
    assert set(judged) == {"DB0000020", "DB0000030", "DB0000060"}
    glass = judged["DB0000060"]
    assert glass.verdict == "suspect"
    assert glass.name == "示例市永安玻璃有限公司"
    assert glass.ratio == pytest.approx(0.95, abs=0.01)
    assert glass.allowed == pytest.approx(0.60)  # limited by 50 %: at most 50 % + 10 %
    assert judged["DB0000020"].verdict == "compliant"  # 20 % ordered, 25 % done
    assert judged["DB0000030"].verdict == "compliant"  # 30 % ordered, 38 % done
    assert glass.window == (at(6), at(8))  # from the start of the alert to now


def test_a_stopped_line_must_draw_less_than_a_quarter_of_its_baseline(engine):
    alert_id, revision_id = issue_sample(engine)
    plan = office_of(engine).frozen_plan(revision_id)
    stopped = [
        (e, ln)
        for e in plan
        if e["mode"] == "list"
        for ln in e["lines"]
        if ln["meter_no"] and ln["measure"] and ln["measure"]["kind"] == "stop"
    ]
    (e1, l1), (_, l2) = stopped[:2]
    readings = []
    for h in range(8 * 24):  # 30 Dec … 6 Jan 23:00: baseline 100 kWh/h, then 30 % and 20 %
        t = at(30, 0, month=12, year=2025) + dt.timedelta(hours=h)
        during = t >= at(6)
        readings.append(Reading(l1["meter_no"], t.astimezone(dt.UTC), 30.0 if during else 100.0))
        readings.append(Reading(l2["meter_no"], t.astimezone(dt.UTC), 20.0 if during else 100.0))
    meters(engine).store(readings)
    judged = {ln.meter_no: ln for ln in meters(engine, Compliance()).check(alert_id, now=at(7))}
    assert judged[l1["meter_no"]].verdict == "suspect"
    assert judged[l1["meter_no"]].ratio == pytest.approx(0.30)
    assert judged[l2["meter_no"]].verdict == "compliant"
    assert judged[l1["meter_no"]].uscc == e1["uscc"]
    # before the alert started there is nothing to judge
    assert meters(engine, Compliance()).check(alert_id, now=at(5)) == []
