"""The effect assessment's arithmetic on constructed alerts, forecasts and observations with
known answers: the course of the alert, the forecast errors, the observed AQI, the suggestions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from orchestrator.alerts.model import AlertLevel
from orchestrator.alerts.readings import Observations, Row
from orchestrator.aqi.scoring import Concentrations
from orchestrator.assessment.config import AssessmentConfig
from orchestrator.assessment.model import (
    Consulted,
    Inputs,
    Receipts,
    Step,
    build,
    daily_chart,
    hourly_chart,
    segments,
    status,
    suggestions,
)
from orchestrator.response.model import RevisionKind
from tests.support.base import STANDARDS, ZONE, at, ruleset

MEE = ruleset("mee-2024")
TARGETS = {
    "met": False,
    "species": {
        "SO2": {"reduction_kg_d": 10.0, "citywide_kg_d": 50.0, "ratio": 0.2, "target": 0.2, "met": True},
        "NOx": {"reduction_kg_d": 5.0, "citywide_kg_d": 50.0, "ratio": 0.1, "target": 0.2, "met": False},
    },
}  # fmt: skip


def step(n: int, kind: RevisionKind, level: AlertLevel, start, end, issued_at, **kw: Any) -> Step:
    return Step(
        revision_id=n,
        number=n,
        kind=kind,
        level=level,
        start=start,
        end=end,
        status=kw.pop("status", "issued"),
        drafted_by="张值班",
        approved_by="王副市长",
        issued_at=issued_at,
        document_number=kw.pop("document_number", f"示重污应急〔2026〕{n}号"),
        reason="会商研判",
        list_revision=1,
        targets=kw.pop("targets", TARGETS if kind is not RevisionKind.LIFT else None),
        shortfall_override=kw.pop("shortfall_override", None),
    )


ORANGE = step(1, RevisionKind.ISSUE, AlertLevel.ORANGE, at(6), at(10), at(4, 18))
RED = step(2, RevisionKind.UPGRADE, AlertLevel.RED, at(7, 12), at(9), at(7, 10))
LIFT = step(3, RevisionKind.LIFT, AlertLevel.RED, at(8, 12), None, at(8, 11))


def daily(aqis: dict[int, int]) -> Observations:
    rows = tuple(
        Row(
            line=i + 2,
            time=at(day),
            daily=True,
            aqi=aqi,
            values=Concentrations(),
            primary=(),
            dust=False,
            city="示例市",
        )
        for i, (day, aqi) in enumerate(sorted(aqis.items()))
    )
    return Observations(source="obs.csv", rows=rows, daily=True, has_aqi=True, city="示例市")


def consulted(cid: int, slot: dt.datetime, days: dict[int, int], revision_id=None) -> Consulted:
    return Consulted(
        id=cid,
        slot=slot,
        action="issue" if revision_id else "none",
        headline="建议启动橙色预警",
        revision_id=revision_id,
        days={
            at(d).date().isoformat(): {
                "aqi": a,
                "low": a - 20,
                "high": a + 20,
                "category": STANDARDS[-1].category(a).name,
            }
            for d, a in days.items()
        },
    )


def inputs(**kw: Any) -> Inputs:
    values: dict[str, Any] = {
        "alert_id": 1,
        "region_name": "示例市",
        "steps": (ORANGE, RED, LIFT),
        "consultations": (),
        "events": (),
        "receipts": (),
        "compliance": (),
        "grades": {},
        "downgrade": {"A": "B", "B": "C", "C": "D"},
        "observed": None,
        "observed_source": "",
        "standards": STANDARDS,
        "ruleset": MEE,
        "now": at(9, 10),
        "zone": ZONE,
    }
    values.update(kw)
    return Inputs(**values)


def test_the_course_of_an_upgraded_and_lifted_alert():
    course = segments((ORANGE, RED, LIFT), at(9, 10))
    assert [(s.step.level, s.start, s.end) for s in course] == [
        (AlertLevel.ORANGE, at(6), at(7, 12)),  # until the upgrade took over
        (AlertLevel.RED, at(7, 12), at(8, 12)),  # until the lift
    ]
    assert status((ORANGE, RED, LIFT), at(9, 10)) == ("lifted", "已解除")
    # a refused revision counts for nothing
    refused = step(2, RevisionKind.UPGRADE, AlertLevel.RED, at(7), at(9), None, status="rejected", document_number=None)  # fmt: skip
    assert [s.end for s in segments((ORANGE, refused), at(8))] == [at(8)]  # in force until now
    assert status((ORANGE, refused), at(8))[0] == "in_force"
    assert status((ORANGE,), at(10))[0] == "ended"  # its end passed without a lift notice

    rec = build(inputs())
    assert rec["level"] == "red"
    assert rec["period"]["hours"] == 60
    assert rec["hours_by_level"] == [
        {"level_label": "橙色", "hours": 36.0},
        {"level_label": "红色", "hours": 24.0},
    ]
    lead = {s["kind"]: s["lead_hours"] for s in rec["steps"]}
    assert lead == {"issue": 30.0, "upgrade": 2.0, "lift": None}


def test_an_alert_never_in_force_cannot_be_assessed():
    never = step(1, RevisionKind.ISSUE, AlertLevel.ORANGE, at(6), at(8), None, document_number=None)
    with pytest.raises(ValueError, match="never in force"):
        build(inputs(steps=(never,)))


def test_forecast_errors_against_daily_observations():
    rec = build(
        inputs(
            steps=(ORANGE, LIFT),
            consultations=(
                consulted(1, at(4, 16), {5: 130, 6: 180, 7: 230, 8: 240}, revision_id=1),
                consulted(2, at(6, 16), {7: 250, 8: 160}),
            ),
            observed=daily({4: 90, 5: 160, 6: 190, 7: 262, 8: 150, 9: 80}),
        )
    )
    days = {d["date"][8:]: d for d in rec["daily"]}
    assert sorted(days) == ["04", "05", "06", "07", "08", "09"]  # two days before, one after
    # 7 Jan: issued on 230, the day before said 250 (the newest before the day)
    assert days["07"]["at_issue"]["aqi"] == 230
    assert days["07"]["day_ahead"]["aqi"] == 250
    assert days["07"]["error"] == 250 - 262
    assert days["07"]["in_range"] is True  # 262 within 230…270
    assert days["06"]["error"] == 180 - 190  # no newer forecast: the one of 4 Jan
    assert days["05"]["in_range"] is False  # 160 outside 110…150
    assert days["08"]["error"] == 160 - 150
    assert days["04"]["error"] is None  # nothing forecast it
    s = rec["daily_stats"]
    assert s["days"] == 4
    assert s["mae"] == pytest.approx((30 + 10 + 12 + 10) / 4, abs=0.05)
    assert s["bias"] == pytest.approx((-30 - 10 - 12 + 10) / 4, abs=0.05)
    assert s["in_range"] == 3
    # categories: 5 Jan 轻度 vs 中度, 6 Jan 中度 = 中度, 7 Jan 重度 = 重度, 8 Jan 中度 vs 轻度
    assert s["category_hits"] == 2
    assert days["07"]["observed"]["name"] == "重度污染"
    # the observations, a perfect forecast, bear out orange from 5 Jan (three days above 150)
    v = rec["verification"]
    assert (v["borne_out"], v["level"], v["same_level"]) == (True, "orange", True)
    assert v["start"] == at(5).isoformat()
    chart = daily_chart(rec)
    assert [bool(d["bar"]) for d in chart["days"]] == [True] * 6
    assert [len(d["marks"]) for d in chart["days"]] == [0, 2, 2, 2, 2, 0]


def test_hourly_observations_are_scored_hour_by_hour():
    rows = tuple(
        Row(
            line=h + 2,
            time=at(5) + dt.timedelta(hours=h),
            daily=False,
            aqi=None,
            values=Concentrations(pm25=40.0 if h < 48 else 160.0),
            primary=(),
            dust=False,
            city="示例市",
        )
        for h in range(96)
    )
    obs = Observations(source="h.csv", rows=rows, daily=False, has_aqi=False, city="示例市")
    rec = build(inputs(steps=(ORANGE, LIFT), observed=obs))
    hourly = {r["at"]: r["observed"] for r in rec["hourly"]}
    assert hourly[at(5).isoformat()] == 57  # PM2.5 40: IAQI 50 + (40-35)·50/40 = 56.25 → 57
    assert hourly[at(8).isoformat()] == 210  # PM2.5 160: 200 + (160-150)·100/100 = 210
    stats = rec["hourly_stats"]
    assert stats["hours"] == 96
    assert stats["peak"] == {"aqi": 210, "at": at(7).isoformat()}  # the first hour at the peak
    assert {o["threshold"]: o["hours"] for o in stats["over"]} == {150: 48, 200: 48, 300: 0}
    days = {d["date"][8:]: d["observed"]["aqi"] for d in rec["daily"] if d["observed"]}
    assert days == {"05": 57, "06": 57, "07": 210, "08": 210}  # whole days from midnight
    chart = hourly_chart(rec)
    assert len(chart["observed"]) == 1
    assert chart["forecast"] == []
    assert [b["color"] for b in chart["bands"]] == ["#ff7e00"]


def firm(uscc: str, name: str, detail: str = "") -> dict[str, str]:
    return {"uscc": uscc, "name": name, "county": "城区", "detail": detail}


def test_suggestions_name_the_grade_each_finding_proposes():
    got = Receipts(
        revision_id=1,
        orders=5,
        delivered=4,
        acknowledged=3,
        acknowledged_in_time=2,
        implemented=1,
        deadline=at(4, 20),
        not_acknowledged=[firm("U3", "丙公司"), firm("U4", "丁公司")],
        undelivered=[firm("U4", "丁公司", "短信网关拒绝")],
        not_implemented=[firm("U1", "甲公司", "烧结机未落实")],
    )
    evidence = [
        {"uscc": "U2", "name": "乙公司", "county": "城区", "line": "窑炉", "meter_no": "M2",
         "measure": "停产", "ratio": 0.8, "allowed": 0.25, "verdict": "suspect"},
        {"uscc": "U5", "name": "戊公司", "county": "城区", "line": "窑炉", "meter_no": "M5",
         "measure": "停产", "ratio": None, "allowed": 0.25, "verdict": "no_data"},
        {"uscc": "U6", "name": "己公司", "county": "城区", "line": "窑炉", "meter_no": "M6",
         "measure": "停产", "ratio": 0.1, "allowed": 0.25, "verdict": "compliant"},
    ]  # fmt: skip
    grades = {u: {"name": "", "county": "城区", "grade": g} for u, g in
              {"U1": "B", "U2": "D", "U3": "C", "U4": "A", "U5": "B"}.items()}  # fmt: skip
    found = {
        e["uscc"]: e
        for e in suggestions(
            inputs(steps=(ORANGE,), receipts=[got], compliance=evidence, grades=grades)
        )
    }
    assert set(found) == {"U1", "U2", "U3", "U4", "U5"}  # the compliant one is not named
    assert (found["U1"]["grade"], found["U1"]["proposed_grade"]) == ("B", "C")
    assert found["U1"]["downgrade"] is True
    # D is the lowest: no grade below it, stricter measures instead
    assert (found["U2"]["proposed_grade"], found["U2"]["downgrade"]) == ("D", False)
    assert "从严核定" in found["U2"]["actions"][1]
    assert "80%，超过允许的25%" in found["U2"]["findings"][0]
    # not reached: contacts to be checked, the grade stays
    assert (found["U4"]["proposed_grade"], found["U4"]["downgrade"]) == ("A", False)
    assert len(found["U4"]["findings"]) == 2
    assert "联系人" in found["U3"]["actions"][0]
    assert "电表编号" in found["U5"]["actions"][0]
    order = [e["uscc"] for e in suggestions(inputs(steps=(ORANGE,), receipts=[got], compliance=evidence, grades=grades))]  # fmt: skip
    assert order[:2] == ["U1", "U2"]  # non-compliance first


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"downgrade": {"B": "E"}}, "downgrade.B: “E”不是绩效等级"),
        ({"downgrade": {"C": "A"}}, "downgrade.C: 下调后的等级“A”高于原等级"),
        ({"downgrade": ["B"]}, "downgrade: 须为"),
        ({"downgrades": {}}, "downgrades: 未知配置项"),
    ],
)
def test_the_downgrade_table_is_checked(data, message):
    with pytest.raises(ValueError, match=message):
        AssessmentConfig.from_mapping(data, source="assessment.toml")


def test_an_hourly_forecast_is_drawn_against_the_observed_hours():
    hourly = tuple((at(6) + dt.timedelta(hours=h), 150 + h) for h in range(48))
    base = consulted(1, at(4, 16), {6: 170, 7: 190}, revision_id=1)
    older = dataclasses.replace(base, hourly=tuple((t, 999) for t, _ in hourly[:24]))
    newer = dataclasses.replace(consulted(2, at(5, 16), {6: 170}), hourly=hourly)
    rec = build(inputs(steps=(ORANGE, LIFT), consultations=(older, newer)))
    forecast = {r["at"]: r["forecast"] for r in rec["hourly"]}
    assert forecast[at(6).isoformat()] == 150  # the newer consultation's hour wins
    assert forecast[at(7, 23).isoformat()] == 197
    assert rec["hourly_stats"]["has_forecast"] is True
    assert rec["hourly_stats"]["hours"] == 0  # nothing observed
    chart = hourly_chart(rec)
    assert len(chart["forecast"]) == 1
    assert chart["observed"] == []
