"""The effect assessment end to end on the sample data: the sample list imported, the daily
consultation of the sample forecast drafting the orange alert, approved and issued, its orders
delivered through the folder channel, some acknowledged (one late) and reported, a second
consultation, the lift, the sample electricity readings, then the assessment against the sample
observations — and its report as HTML and PDF."""

from __future__ import annotations

import pytest

from orchestrator.alerts.model import AlertLevel
from orchestrator.alerts.readings import read_observations
from orchestrator.aqi.model import select_standard
from orchestrator.aqi.scoring import Concentrations, Mode, score
from orchestrator.assessment.config import AssessmentConfig
from orchestrator.assessment.service import NotAssessable
from orchestrator.bootstrap.config_files import load_assessment
from orchestrator.response.model import Draft, RevisionKind
from tests.support.app import DUTY, SAMPLE, VICE, do_import, office_of
from tests.support.assessment import GLASS, assessor, episode
from tests.support.base import CONFIG, ROOT, STANDARDS, ZONE, at
from tests.support.consultation import config, consultant

OBSERVED = ROOT / "samples" / "observed_hourly.csv"


def observed_daily_pm25_aqi(day: int) -> int:
    """The oracle: the IAQI of the day's PM2.5 mean, straight from the sample file."""
    obs = read_observations(OBSERVED, ZONE)
    values = [
        r.values.pm25
        for r in obs.rows
        if r.time.date() == at(day).date() and r.values.pm25 is not None
    ]
    assert len(values) >= 20  # a valid daily mean (5 Jan misses two hours)
    std = select_standard(STANDARDS, on=at(day).date())
    aqi = score(std, Concentrations(pm25=sum(values) / len(values)), Mode.DAILY).aqi
    assert aqi is not None
    return aqi


def test_the_sample_episode_assessed_end_to_end(engine, tmp_path):
    ep = episode(engine, tmp_path)
    obs = read_observations(OBSERVED, ZONE)
    a = assessor(engine)
    rec = a.assess(ep["alert_id"], now=at(9, 10), observed=obs, observed_source=OBSERVED.name)

    assert (rec["status"], rec["level"]) == ("lifted", "orange")
    assert (rec["period"]["start"], rec["period"]["end"]) == (
        at(6).isoformat(),
        at(8, 12).isoformat(),
    )
    assert rec["period"]["hours"] == 60

    # the timeline: documents numbered in order, lead times from issue and from consultation
    issue, lift = rec["steps"]
    assert (issue["document_number"], lift["document_number"]) == (
        "示重污应急〔2026〕1号",
        "示重污应急〔2026〕2号",
    )
    assert issue["lead_hours"] == 30.0  # issued 4 Jan 18:00, in force 6 Jan 00:00
    assert issue["consult_lead_hours"] == 32.0  # proposed by the 16:00 consultation
    assert issue["drafted_by"] == "每日会商（系统）"
    assert issue["approved_by"] == "王副市长"
    events = [(t["event"], t["document_number"]) for t in rec["timeline"]]
    assert events[0] == ("会商研判", "")
    assert ("发布启动", "示重污应急〔2026〕1号") in events
    assert events[-1] == ("发布解除", "示重污应急〔2026〕2号")
    assert [t["at"] for t in rec["timeline"]] == sorted(t["at"] for t in rec["timeline"])
    consulted = [t["at"] for t in rec["timeline"] if t["event"] == "会商研判"]
    assert consulted == [at(4, 16).isoformat(), at(6, 16).isoformat()]  # proposed; held during

    # forecast against observed, day by day
    days = {d["date"]: d for d in rec["daily"]}
    seventh = days["2026-01-07"]
    assert seventh["at_issue"]["aqi"] == 226  # the sample forecast of 4 Jan
    assert seventh["day_ahead"]["aqi"] == 214  # the 6 Jan consultation's forecast
    for day in (5, 6, 7):
        observed = days[at(day).date().isoformat()]["observed"]
        assert observed["primary_pollutants"] == ["PM2.5"]
        assert observed["aqi"] == observed_daily_pm25_aqi(day)
    assert seventh["error"] == 214 - seventh["observed"]["aqi"]
    # hour by hour: each hour's AQI is the sample row scored as a real-time AQI
    hourly = {r["at"]: r["observed"] for r in rec["hourly"]}
    row = next(r for r in obs.rows if r.time == at(6, 14))
    std = select_standard(STANDARDS, on=row.time.date())
    assert hourly[at(6, 14).isoformat()] == score(std, row.values, Mode.HOURLY).aqi
    assert rec["hourly_stats"]["hours"] == len([r for r in obs.rows if r.time >= at(4)])
    assert rec["hourly_stats"]["peak"]["aqi"] == max(v for v in hourly.values() if v is not None)
    # the observations bear out a red alert: the sample forecast underestimated the episode
    v = rec["verification"]
    assert (v["borne_out"], v["level"], v["same_level"]) == (True, "red", False)
    assert rec["conclusions"][0] == "实况达到红色预警条件，与发布的橙色预警级别不一致"

    # planned reductions: what was frozen at approval
    (planned,) = rec["reductions"]
    frozen = office_of(engine).revisions(ep["alert_id"])[0].targets
    assert frozen is not None
    assert planned["met"] is frozen["met"] is True
    assert {s["name"]: s["ratio"] for s in planned["species"]} == {
        k: v["ratio"] for k, v in frozen["species"].items()
    }

    # receipts of the issue: every order delivered to the folder, three signed, one late
    got = {r["document_number"]: r for r in rec["receipts"]}["示重污应急〔2026〕1号"]
    assert (got["orders"], got["delivered"]) == (ep["orders"], ep["orders"])
    assert (got["acknowledged"], got["acknowledged_in_time"], got["implemented"]) == (3, 2, 1)
    assert got["not_acknowledged"] == ep["orders"] - 3

    # electricity: the glass works' limited line did not cut
    suspect = rec["compliance"]["suspect"]
    assert [s["name"] for s in suspect] == [GLASS]

    # suggestions: the two non-compliant enterprises first, with the grade the table proposes
    table = AssessmentConfig.from_mapping(
        {"downgrade": load_assessment(CONFIG).downgrade}, source="t"
    ).downgrade
    found = {e["uscc"]: e for e in rec["suggestions"]}
    for e in (ep["glass"], ep["lagging"]):
        s = found[e["uscc"]]
        assert s["noncompliant"] is True
        assert (s["grade"], s["proposed_grade"]) == (e["grade"], table.get(e["grade"], e["grade"]))
    assert {rec["suggestions"][0]["uscc"], rec["suggestions"][1]["uscc"]} == {
        ep["glass"]["uscc"],
        ep["lagging"]["uscc"],
    }
    assert "设备检修" not in str(found[ep["lagging"]["uscc"]]["findings"])  # lines, not notes
    assert "未落实" in found[ep["lagging"]["uscc"]]["findings"][0]
    assert ep["late"]["uscc"] not in found or not any(
        "签收" in f for f in found[ep["late"]["uscc"]]["findings"]
    )
    unsigned = [
        e for e in rec["suggestions"] if any("未在规定时限内签收" in f for f in e["findings"])
    ]
    assert len(unsigned) == ep["orders"] - 3
    groups = rec["suggestion_groups"]
    assert [e["uscc"] for e in groups["noncompliant"]] == [
        e["uscc"] for e in rec["suggestions"][:2]
    ]
    assert groups["unreachable_count"] == ep["orders"] - 3  # reported by county, not one by one
    assert sum(len(c["names"]) for c in groups["unreachable"]) == ep["orders"] - 3

    # the report
    written = a.write(rec, tmp_path / "report", pdf=True)
    html = written[0].read_text(encoding="utf-8")
    assert "应急响应效果评估报告" in html
    assert "示重污应急〔2026〕2号" in html
    assert GLASS in html
    assert "<svg" in html
    assert "polyline" in html
    assert "演练" not in html
    assert written[1].read_bytes().startswith(b"%PDF")


def test_observations_come_from_the_monitoring_source_when_none_are_given(engine, tmp_path):
    ep = episode(engine, tmp_path)
    source = consultant(engine, config(monitoring=True), tmp_path)
    rec = assessor(engine, monitoring=source.observations_between).assess(
        ep["alert_id"], now=at(9, 10)
    )
    assert rec["observed_source"] == "监测数据源（stations_hourly.csv）"
    # the stations' city means are the sample city series: the same daily AQI
    assert {d["date"]: d["observed"]["aqi"] for d in rec["daily"] if d["observed"]} == {
        at(day).date().isoformat(): observed_daily_pm25_aqi(day) for day in (4, 5, 6, 7, 8)
    }
    # without any source: said so, and no verdict on the level
    bare = assessor(engine).assess(ep["alert_id"], now=at(9, 10))
    assert bare["verification"] is None
    assert "未取得实况监测数据" in bare["notes"][0]
    assert bare["conclusions"][0].startswith("未取得实况监测数据")


def test_an_alert_not_issued_or_unknown_is_refused(engine, tmp_path):
    do_import(engine, SAMPLE)
    v = office_of(engine).draft(
        Draft(
            kind=RevisionKind.ISSUE,
            level=AlertLevel.ORANGE,
            start=at(6),
            end=at(9),
            reason="会商研判",
        ),
        by=DUTY,
        now=at(4, 16),
    )
    with pytest.raises(NotAssessable, match=f"预警{v.alert_id}尚未发布"):
        assessor(engine).assess(v.alert_id, now=at(5))
    # issued, but not yet in force: nothing to assess
    office_of(engine).submit(v.alert_id, by=DUTY, now=at(4, 16))
    office_of(engine).approve(v.alert_id, by=VICE, now=at(4, 17))
    office_of(engine).issue(v.alert_id, by=DUTY, now=at(4, 18))
    with pytest.raises(NotAssessable, match=f"预警{v.alert_id}未曾生效，无法评估$"):
        assessor(engine).assess(v.alert_id, now=at(5))
    with pytest.raises(NotAssessable, match="预警99不存在"):
        assessor(engine).assess(99, now=at(5))
