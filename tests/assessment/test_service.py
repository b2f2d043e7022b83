"""The effect assessment end to end on the sample data: the sample list imported, the daily
consultation of the sample forecast drafting the orange alert, approved and issued, its orders
delivered through the folder channel, some acknowledged (one late) and reported, a second
consultation, the lift, the sample electricity readings, then the assessment against the sample
observations — and its report as HTML and PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from orchestrator import command_office as office
from orchestrator import electricity, receipts
from orchestrator.alerts.model import AlertLevel
from orchestrator.aqi.model import select_standard
from orchestrator.aqi.scoring import Concentrations, Mode, score
from orchestrator.assessment.model import AssessmentConfig
from orchestrator.assessment.service import Assessor, NotAssessable
from orchestrator.config_files import load_assessment, load_delivery
from orchestrator.notice_writer import ensure_notices
from orchestrator.plans.lifecycle import RevisionKind
from orchestrator.readings import read_observations
from tests.conftest import _STANDARDS, CONFIG, LINKS, ROOT, ZONE, at, ruleset
from tests.consultation.conftest import config, consultant, forecast_doc, write_json
from tests.delivery.conftest import ENV, Clock, delivery_config, make_worker
from tests.test_command_office import APPROVALS, CITY, DUTY, SAMPLE, VICE, do_import

OBSERVED = ROOT / "samples" / "observed_hourly.csv"
ISSUED = at(4, 18)
GLASS = "示例市永安玻璃有限公司"  # its limited line drew 95 % of its baseline (sample readings)


def assessor(engine: Any, **kw: Any) -> Assessor:
    return Assessor(
        engine,
        config=load_assessment(CONFIG),
        compliance=load_delivery(CONFIG).compliance,
        ruleset=ruleset("mee-2024"),
        standards=_STANDARDS,
        region_code=CITY.region_code,
        region_name=CITY.region_name,
        issuer=APPROVALS.issuer,
        zone=ZONE,
        receipt_hours=APPROVALS.notices["receipt_hours"],
        env=ENV,
        pdf_base=ROOT / "templates",
        **kw,
    )


def episode(engine: Any, tmp_path: Any) -> dict[str, Any]:
    """The sample episode as the office would run it; what the assertions need to know."""
    do_import(engine, SAMPLE)
    first = consultant(engine, config(), tmp_path).consult(slot=at(4, 16), now=at(4, 16))
    alert_id = first.alert_id
    assert alert_id is not None
    office.submit(engine, alert_id, by=DUTY, now=at(4, 16) + dt.timedelta(minutes=20))
    office.approve(engine, alert_id, by=VICE, now=at(4, 17), approvals=APPROVALS, city=CITY)
    issued, _ = office.issue(engine, alert_id, by=DUTY, now=ISSUED, approvals=APPROVALS, city=CITY)
    revision_id = issued.revision_id
    ensure_notices(
        engine, alert_id, env=ENV, city=CITY, approvals=APPROVALS, zone=ZONE, links=LINKS
    )
    cfg = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "outbox")}})
    worker = make_worker(engine, cfg, Clock(ISSUED + dt.timedelta(minutes=5)), tmp_path)
    worker.housekeeping()
    worker.drain()

    entries = office.frozen_plan(engine, revision_id)
    listed = [e for e in entries if e["mode"] == "list" and e["lines"] and e["name"] != GLASS]
    glass, lagging, late = next(e for e in entries if e["name"] == GLASS), listed[0], listed[1]
    scope = receipts.Scope(alert_id=alert_id)
    for e in (glass, lagging):
        receipts.acknowledge(engine, scope, e["uscc"], revision_id, signer="值班员", now=at(4, 19))
    receipts.acknowledge(engine, scope, late["uscc"], revision_id, signer="值班员", now=at(4, 23))
    receipts.report(
        engine, scope, glass["uscc"], revision_id,
        done=[True] * len(glass["lines"]), notes=[""] * len(glass["lines"]), note="", now=at(6, 9),
    )  # fmt: skip
    lines = len(lagging["lines"])
    receipts.report(
        engine, scope, lagging["uscc"], revision_id,
        done=[False] + [True] * (lines - 1), notes=["设备检修，未能停产"] + [""] * (lines - 1),
        note="", now=at(6, 9),
    )  # fmt: skip

    # the consultation of 6 Jan on a newer forecast: the orange alert holds
    drop = tmp_path / "drop"
    drop.mkdir()
    write_json(
        drop / "f.json",
        forecast_doc(at(6, 8), [262, 214, 170, 120, 90], first=at(6).date()),
    )
    consultant(engine, config(folder=drop), tmp_path).consult(slot=at(6, 16), now=at(6, 16))

    lift = office.draft(
        engine,
        region=CITY.region_code,
        kind=RevisionKind.LIFT,
        level=AlertLevel.ORANGE,
        start=at(8, 12),
        end=None,
        by=DUTY,
        reason="空气质量已改善，达到解除条件",
        now=at(8, 10),
        alert_id=alert_id,
    )
    office.submit(engine, alert_id, by=DUTY, now=at(8, 10))
    office.approve(engine, alert_id, by=VICE, now=at(8, 11), approvals=APPROVALS, city=CITY)
    lifted, _ = office.issue(
        engine, alert_id, by=DUTY, now=at(8, 11), approvals=APPROVALS, city=CITY
    )
    assert lift.alert_id == alert_id
    electricity.store(
        engine, electricity.read_csv(ROOT / "samples" / "electricity_hourly.csv", ZONE)
    )
    return {
        "alert_id": alert_id,
        "revision_id": revision_id,
        "lift": lifted,
        "glass": glass,
        "lagging": lagging,
        "late": late,
        "orders": len(entries),
    }


def observed_daily_pm25_aqi(day: int) -> int:
    """The oracle: the IAQI of the day's PM2.5 mean, straight from the sample file."""
    obs = read_observations(OBSERVED, ZONE)
    values = [
        r.values.pm25
        for r in obs.rows
        if r.time.date() == at(day).date() and r.values.pm25 is not None
    ]
    assert len(values) >= 20  # a valid daily mean (5 Jan misses two hours)
    std = select_standard(_STANDARDS, on=at(day).date())
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
    std = select_standard(_STANDARDS, on=row.time.date())
    assert hourly[at(6, 14).isoformat()] == score(std, row.values, Mode.HOURLY).aqi
    assert rec["hourly_stats"]["hours"] == len([r for r in obs.rows if r.time >= at(4)])
    assert rec["hourly_stats"]["peak"]["aqi"] == max(v for v in hourly.values() if v is not None)
    # the observations bear out a red alert: the sample forecast underestimated the episode
    v = rec["verification"]
    assert (v["borne_out"], v["level"], v["same_level"]) == (True, "red", False)
    assert rec["conclusions"][0] == "实况达到红色预警条件，与发布的橙色预警级别不一致"

    # planned reductions: what was frozen at approval
    (planned,) = rec["reductions"]
    frozen = office.revisions(engine, ep["alert_id"])[0].targets
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
    v = office.draft(
        engine,
        region=CITY.region_code,
        kind=RevisionKind.ISSUE,
        level=AlertLevel.ORANGE,
        start=at(6),
        end=at(9),
        by=DUTY,
        reason="会商研判",
        now=at(4, 16),
    )
    with pytest.raises(NotAssessable, match=f"预警{v.alert_id}尚未发布"):
        assessor(engine).assess(v.alert_id, now=at(5))
    # issued, but not yet in force: nothing to assess
    office.submit(engine, v.alert_id, by=DUTY, now=at(4, 16))
    office.approve(engine, v.alert_id, by=VICE, now=at(4, 17), approvals=APPROVALS, city=CITY)
    office.issue(engine, v.alert_id, by=DUTY, now=at(4, 18), approvals=APPROVALS, city=CITY)
    with pytest.raises(NotAssessable, match=f"预警{v.alert_id}未曾生效，无法评估$"):
        assessor(engine).assess(v.alert_id, now=at(5))
    with pytest.raises(NotAssessable, match="预警99不存在"):
        assessor(engine).assess(99, now=at(5))
