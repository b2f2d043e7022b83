"""The consultation use case against a real database, a local HTTP forecast server (good, stale,
broken, slow) and real notification channels."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from sqlalchemy import func, select

from orchestrator.alerts import AlertLevel, decide
from orchestrator.alerts.readings import read_observations, to_series
from orchestrator.consultation.service import DRAFTER
from orchestrator.db.tables import alert_revisions, alerts, consultations
from orchestrator.response.model import Draft, RevisionKind, RevisionStatus
from tests.support.app import DUTY, RESPONSE, SAMPLE, do_import, issued_orange, office_of
from tests.support.base import ROOT, ZONE, at, ruleset
from tests.support.consultation import config, consultant, forecast_doc
from tests.support.servers import SmtpServer

SLOT = at(4, 9).replace(minute=30)
GOOD = forecast_doc(at(4, 8), [128, 176, 226, 243, 171, 96, 62], first=dt.date(2026, 1, 5))


def webhook(sink):
    return {"hook": {"kind": "webhook", "url": f"{sink.url}/duty"}}


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_sample_forecast_gives_the_decision_of_assess_and_drafts_it(engine, tmp_path):
    c = consultant(engine, config(monitoring=True), tmp_path)
    out = c.consult(slot=SLOT, now=SLOT)

    obs = read_observations(ROOT / "samples" / "forecast_daily.csv", ZONE)
    series, _ = to_series(obs, c.standards)
    expected = decide(series, ruleset("mee-2024"), now=SLOT)
    rec = out.record
    assert not rec["degraded"]
    assert rec["issues"] == []
    assert rec["recommendation"]["action"] == "issue"
    assert rec["recommendation"]["level"] == expected.level.value == "orange"
    assert rec["recommendation"]["start"] == expected.episode_start.isoformat()
    assert rec["recommendation"]["end"] == expected.episode_end.isoformat()
    assert rec["decision"]["reasons"] == list(expected.reasons)
    assert [d["date"] for d in rec["detail"]] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert [d["aqi"] for d in rec["detail"]] == [128, 176, 226]
    assert rec["detail"][2]["category"] == "重度污染"
    assert rec["detail"][2]["low"] == 206
    assert rec["pm25_peak"]["value"] == 193.0
    assert rec["pm25_peak"]["at"].startswith("2026-01-08")
    assert rec["observed"]["aqi_24h"] is not None
    assert len(rec["provenance"]["monitoring"]["stations"]) == 4
    assert rec["provenance"]["forecast"]["location"].endswith("forecast_2026-01-04T08.json")
    assert len(rec["provenance"]["forecast"]["sha256"]) == 64

    views = office_of(engine).revisions(out.alert_id)
    assert len(views) == 1
    draft = views[0].state
    assert draft.kind is RevisionKind.ISSUE
    assert draft.status is RevisionStatus.DRAFT
    assert (draft.level, draft.start, draft.end) == (
        AlertLevel.ORANGE,
        expected.episode_start,
        expected.episode_end,
    )
    assert draft.drafted_by == DRAFTER.name
    assert "会商研判" in views[0].reason
    assert "建议启动橙色预警" in out.html
    assert "<svg" in out.html
    assert "示例市空气质量会商意见" in out.html


def test_the_day_before_the_older_forecast_is_used(engine, tmp_path):
    c = consultant(engine, config(), tmp_path)
    out = c.consult(slot=at(3, 15), now=at(3, 15))
    assert out.record["provenance"]["forecast"]["location"].endswith("forecast_2026-01-03T08.json")
    assert out.record["recommendation"]["level"] == "yellow"


def test_running_a_slot_again_returns_the_same_record_and_drafts_and_notifies_once(
    engine, tmp_path, sink
):
    sink.get_behaviour = lambda path: (200, GOOD, 0.0)
    c = consultant(
        engine, config(url=f"{sink.url}/forecast/{{date}}", notify=webhook(sink)), tmp_path
    )
    first = c.consult(slot=SLOT, now=SLOT)
    again = c.consult(slot=SLOT, now=SLOT + dt.timedelta(minutes=5))
    assert first.created
    assert not again.created
    assert again.id == first.id
    assert again.alert_id == first.alert_id is not None
    assert count(engine, alerts) == 1
    assert count(engine, consultations) == 1
    assert [g.path for g in sink.gets] == ["/forecast/2026-01-04"]  # not fetched again
    assert len(sink.received) == 1
    assert first.notified
    body = sink.received[0].body
    assert body["subject"].startswith("1月4日9时30分会商意见：建议启动橙色预警")
    assert f"已起草预警{first.alert_id}" in body["text"]
    assert body["html"] == first.html


def _degraded(engine, tmp_path, sink, behaviour, **kw):
    sink.get_behaviour = behaviour
    cfg = config(url=f"{sink.url}/f", notify=webhook(sink), **kw)
    out = consultant(engine, cfg, tmp_path).consult(slot=SLOT, now=SLOT)
    assert out.record["degraded"]
    assert out.alert_id is None
    assert out.record["recommendation"]["action"] == "none"
    assert count(engine, alerts) == 0
    told = sink.received[0].body  # the duty officers are told, saying why
    assert "数据异常" in told["subject"]
    assert "人工会商" in told["subject"]
    return out, told


def test_a_stale_forecast_makes_a_degraded_consultation_and_no_draft(engine, tmp_path, sink):
    stale = forecast_doc(at(2, 20), [128, 176, 226, 243, 171], first=dt.date(2026, 1, 3))
    out, told = _degraded(engine, tmp_path, sink, lambda p: (200, stale, 0.0))
    assert [i["code"] for i in out.record["issues"]] == ["stale"]
    assert "超过30小时时效" in told["text"]
    # the decision is still computed and shown for reference, but not proposed
    assert out.record["decision"]["level"] is not None


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (lambda p: (500, {"error": "down"}, 0.0), "返回HTTP 500"),
        (lambda p: (200, b"<html>maintenance</html>", 0.0), "不是有效的JSON"),
        (lambda p: (200, {"daily": "none"}, 0.0), "daily须为对象数组"),
    ],
    ids=["http-500", "not-json", "wrong-shape"],
)
def test_a_broken_source_makes_a_degraded_consultation(engine, tmp_path, sink, behaviour, message):
    out, told = _degraded(engine, tmp_path, sink, behaviour)
    assert out.record["issues"][0]["code"] == "source_failed"
    assert message in out.record["issues"][0]["message"]
    assert message in told["text"]


def test_a_slow_source_times_out_and_says_so(engine, tmp_path, sink):
    out, _ = _degraded(engine, tmp_path, sink, lambda p: (200, GOOD, 1.0), timeout=0.2)
    assert "请求超时（0.2秒）" in out.record["issues"][0]["message"]


def test_a_source_failing_twice_is_retried_and_sends_its_token(engine, tmp_path, sink, monkeypatch):
    monkeypatch.setenv("TEST_FORECAST_TOKEN", "Bearer s3cret")
    answers = iter([(503, {}, 0.0), (502, {}, 0.0), (200, GOOD, 0.0)])
    sink.get_behaviour = lambda p: next(answers)
    out = consultant(engine, config(url=f"{sink.url}/f", retries=2), tmp_path).consult(
        slot=SLOT, now=SLOT
    )
    assert not out.record["degraded"]
    assert out.alert_id is not None
    assert len(sink.gets) == 3
    assert {g.headers["Authorization"] for g in sink.gets} == {"Bearer s3cret"}


def test_a_later_forecast_proposes_lifting_the_alert_in_force_once(engine, tmp_path, sink):
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)  # orange 6–9 January
    office_of(engine).issue(alert_id, by=DUTY, now=at(4, 21))
    clean = forecast_doc(at(7, 8), [90, 70, 60, 55], first=dt.date(2026, 1, 7))
    sink.get_behaviour = lambda p: (200, clean, 0.0)
    c = consultant(engine, config(url=f"{sink.url}/f"), tmp_path)
    out = c.consult(slot=at(7, 9), now=at(7, 9))
    assert out.record["active_alert"]["alert_id"] == alert_id
    assert out.record["recommendation"]["action"] == "lift"
    assert out.alert_id == alert_id
    lift = office_of(engine).revisions(alert_id)[-1]
    assert lift.state.kind is RevisionKind.LIFT
    assert lift.state.status is RevisionStatus.DRAFT
    # the next slot sees the lift waiting for approval and drafts nothing more
    later = c.consult(slot=at(7, 15), now=at(7, 15))
    assert later.alert_id is None
    assert "已有待处理的调整" in later.record["draft"]["note"]
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).where(alert_revisions.c.alert_id == alert_id)
        ).scalar_one()
    assert n == 2


def test_an_issue_draft_waiting_for_approval_is_not_drafted_again(engine, tmp_path):
    c = consultant(engine, config(), tmp_path)
    first = c.consult(slot=SLOT, now=SLOT)
    second = c.consult(slot=SLOT + dt.timedelta(hours=6), now=SLOT + dt.timedelta(hours=6))
    assert second.alert_id is None
    assert second.record["draft"]["note"] == f"预警{first.alert_id}已起草待审批，未另行起草"
    assert count(engine, alerts) == 1


def test_duty_officers_get_the_opinion_by_email(engine, tmp_path):
    smtp = SmtpServer().start()
    try:
        channels = {
            "mail": {
                "kind": "email",
                "host": "127.0.0.1",
                "port": smtp.port,
                "sender": "hb@example.cn",
                "attach_pdf": False,
            }
        }
        cfg = config(notify=channels, emails=("duty1@example.cn", "duty2@example.cn"))
        out = consultant(engine, cfg, tmp_path).consult(slot=SLOT, now=SLOT)
    finally:
        smtp.stop()
    assert out.notified
    assert sorted(r for _, rcpts, _ in smtp.messages for r in rcpts) == [
        "duty1@example.cn",
        "duty2@example.cn",
    ]
    msg = smtp.messages[0][2]
    assert "会商意见" in str(msg["Subject"])
    html = msg.get_body(("html",)).get_content()
    assert "".join(html.split()) == "".join(out.html.split())  # the stored opinion


def test_a_failed_notification_is_recorded_and_sent_again_later(engine, tmp_path, sink):
    sink.behaviour = lambda key, n: (500, {"error": "busy"}, 0.0)
    c = consultant(engine, config(notify=webhook(sink)), tmp_path)
    out = c.consult(slot=SLOT, now=SLOT)
    assert not out.notified
    with engine.connect() as conn:
        row = conn.execute(select(consultations)).one()
    assert row.notified_at is None
    assert "HTTP 500" in row.notify_error
    assert row.notify_attempts == 1
    sink.behaviour = lambda key, n: (200, {"ok": True}, 0.0)
    assert c.notify_pending(now=SLOT + dt.timedelta(minutes=5)) == 1
    assert c.get(out.id).notified
    assert c.notify_pending(now=SLOT + dt.timedelta(minutes=10)) == 0
    keys = {r.headers["Idempotency-Key"] for r in sink.received}
    assert len(sink.received) == 2
    assert len(keys) == 1


def test_an_unknown_source_is_refused_before_anything_is_recorded(engine, tmp_path):
    with pytest.raises(ValueError, match="未知的预报数据源“nope”"):
        consultant(engine, config(), tmp_path).consult(slot=SLOT, now=SLOT, source="nope")
    assert count(engine, consultations) == 0


def test_an_hourly_product_keeps_its_hourly_aqi_for_the_assessment(engine, tmp_path):
    from orchestrator.aqi.model import select_standard
    from orchestrator.aqi.scoring import Concentrations, Mode, score
    from tests.support.base import STANDARDS
    from tests.support.consultation import write_json

    first = at(4, 10)
    pm25 = [30 + 3 * h for h in range(96)]  # a build-up over four days
    doc = {
        "city": "示例市",
        "issued_at": at(4, 8).isoformat(),
        "hourly": [
            {"time": (first + dt.timedelta(hours=h)).isoformat(), "pm25": v, "pm10": v * 1.4}
            for h, v in enumerate(pm25)
        ],
    }
    drop = tmp_path / "drop"
    drop.mkdir()
    write_json(drop / "hourly.json", doc)
    out = consultant(engine, config(folder=drop), tmp_path).consult(slot=SLOT, now=SLOT)
    kept = out.record["hourly_aqi"]
    assert len(kept) == 96
    std = select_standard(STANDARDS, on=first.date())
    for h in (0, 50, 95):
        t, aqi = kept[h]
        assert dt.datetime.fromisoformat(t) == first + dt.timedelta(hours=h)
        expected = score(std, Concentrations(pm25=pm25[h], pm10=pm25[h] * 1.4), Mode.HOURLY)
        assert aqi == expected.aqi
    # a daily product has none: its days are the comparison
    daily = consultant(engine, config(), tmp_path).consult(slot=at(4, 16), now=at(4, 16))
    assert daily.record["hourly_aqi"] == []


def test_the_band_below_yellow_is_recommended_and_left_to_a_higher_instruction(
    engine, tmp_path, sink
):
    """Under a ruleset with the 不利气象条件应对 band, moderate days are recommended as the band
    in the opinion; nothing is drafted (it is taken on higher instruction)."""
    moderate = forecast_doc(at(4, 8), [120, 160, 110, 80, 60], first=dt.date(2026, 1, 5))
    sink.get_behaviour = lambda p: (200, moderate, 0.0)
    c = consultant(engine, config(url=f"{sink.url}/f"), tmp_path, ruleset_id="example-city-2024")
    out = c.consult(slot=SLOT, now=SLOT)
    rec = out.record["recommendation"]
    assert (rec["action"], rec["level"]) == ("issue", "adverse")
    assert out.alert_id is None
    assert count(engine, alerts) == 0
    assert out.record["draft"]["note"] == (
        "不利气象条件应对须依上级指令开展，本次会商未起草，请报请上级同意后办理"
    )
    assert "建议报请上级同意后开展不利气象条件应对" in out.html
    # the note is the system's workflow: on the console page, not in the signed opinion
    assert "不利气象条件应对须依上级指令开展" not in out.html


def test_with_the_band_in_force_the_opinion_names_it_and_drafts_no_extension(
    engine, tmp_path, sink
):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    band = Draft(
        kind=RevisionKind.ISSUE,
        level=AlertLevel.ADVERSE,
        start=at(5),
        end=at(6),
        reason="依据省气联〔2026〕5号通知",
    )
    alert_id = office.draft(band, by=DUTY, now=at(4, 8), submit=True).alert_id
    office.approve(alert_id, by=RESPONSE.person("周主任"), now=at(4, 8))
    office.issue(alert_id, by=DUTY, now=at(4, 9))
    longer = forecast_doc(at(4, 8), [120, 160, 110, 80, 60], first=dt.date(2026, 1, 5))
    sink.get_behaviour = lambda p: (200, longer, 0.0)
    c = consultant(engine, config(url=f"{sink.url}/f"), tmp_path, ruleset_id="example-city-2024")
    out = c.consult(slot=SLOT, now=SLOT)
    assert "现行不利气象条件应对（示重污应急〔2026〕1号）" in out.html
    assert out.record["recommendation"]["action"] == "extend"
    assert out.alert_id is None
    assert len(office.revisions(alert_id)) == 1


BAD_FORECASTS = {
    "rows.json": '{"rows": 5}',
    "nested.json": "[" * 100_000 + "]" * 100_000,
    "nul.json": None,  # the good forecast, newer, with a NUL in its city
    "year1.json": None,  # the good forecast, newer, issued in year 1
    "year9999.json": None,
    "binary.csv": b"\x00\xff\xfe" * 1000,
}


@pytest.mark.hostile
@pytest.mark.parametrize("bad", sorted(BAD_FORECASTS))
def test_a_bad_forecast_file_beside_a_good_one_is_named_and_the_good_one_used(
    engine, tmp_path, bad
):
    """One bad file in the drop folder never stops the consultation: the run is recorded, the
    good forecast is used, and the bad file is named in the opinion."""
    folder = tmp_path / "drop"
    folder.mkdir()
    good = (ROOT / "samples" / "forecasts" / "forecast_2026-01-04T08.json").read_text("utf-8")
    (folder / "good.json").write_text(good, encoding="utf-8")
    content = BAD_FORECASTS[bad]
    if content is None:
        doc = json.loads(good)
        if bad == "nul.json":
            doc["issued_at"], doc["city"] = "2026-01-04T09:00:00+08:00", "示例市\u0000"
        else:
            doc["issued_at"] = "0001-01-01T09:00:00" if bad == "year1.json" else "9999-12-31T09:00"
        content = json.dumps(doc, ensure_ascii=True)
    path = folder / bad
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    written = (SLOT - dt.timedelta(minutes=10)).timestamp()  # dropped just before the slot
    os.utime(path, (written, written))
    c = consultant(engine, config(folder=folder), tmp_path)
    out = c.consult(slot=SLOT, now=SLOT)
    assert out.record["provenance"]["forecast"]["location"].endswith("good.json")
    assert out.record["recommendation"]["action"] == "issue"
    assert count(engine, consultations) == 1
    named = [i for i in out.record["issues"] if bad in i["message"]]
    assert named, out.record["issues"]
    assert not any(i["degrades"] for i in named)
