"""The control office against a real database: a round issued once per control and period, to
the enterprises its industries and grades concern, with notices carrying their own signed
links; forecast-triggered rounds from a local HTTP forecast server; nothing half-written."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from orchestrator.controls.service import ControlFailed
from orchestrator.notices.links import LinkSigner
from tests.support.app import BASE, SAMPLE, do_import
from tests.support.base import LINKS, ZONE
from tests.support.consultation import forecast_doc
from tests.support.controls import (
    STAGGERED_NOTIFY,
    concerned,
    office,
    stored,
    variant,
)

# the shipped control's industries (building materials and casting)
STAGGERED_INDUSTRIES = next(c.industries for c in BASE.controls if c.id == "staggered")


def test_the_staggered_production_round_reaches_d_and_c_grades_of_its_industries(engine, tmp_path):
    do_import(engine, SAMPLE)
    ctl = office(engine, tmp_path)
    before = ctl.run("staggered", at=STAGGERED_NOTIFY - dt.timedelta(days=1), now=STAGGERED_NOTIFY)
    assert before.status == "none"
    assert stored(engine) == (0, 0)

    outcome = ctl.run("staggered", at=STAGGERED_NOTIFY, now=STAGGERED_NOTIFY)
    assert outcome.status == "issued"
    grades = concerned(engine, STAGGERED_INDUSTRIES)
    stop = {u for u, g in grades.items() if g in ("D", "未评级")}
    stagger = {u for u, g in grades.items() if g in ("C", "非引领性")}
    assert stop
    assert stagger
    r = ctl.get(outcome.round_id)
    assert r.title == "关于实施2026—2027年秋冬季错峰生产的通知"
    assert r.record["counts"] == {
        "notified": len(stop) + len(stagger),
        "exempt": len(grades) - len(stop) - len(stagger),
        "by_action": {"stop": len(stop), "stagger": len(stagger)},
    }
    assert r.period_start == dt.datetime(2026, 11, 15, tzinfo=ZONE)
    assert r.period_end == dt.datetime(2027, 3, 16, tzinfo=ZONE)
    assert r.receipt_deadline == STAGGERED_NOTIFY + dt.timedelta(hours=48)
    notices = {u: body for u, _, body in ctl.notices(r.id)}
    assert set(notices) == stop | stagger
    some_stop, some_stagger = sorted(stop)[0], sorted(stagger)[0]
    assert "2026年11月15日至2027年3月15日错峰停产" in notices[some_stop]
    assert "限产30%" in notices[some_stagger]
    assert "错峰停产" not in notices[some_stagger]
    # each notice carries its enterprise's own link to this round, and nothing else
    token = re.search(r"/ack/([^）<\s]+)", notices[some_stop])
    assert token is not None
    grant = LINKS.verify(token.group(1), STAGGERED_NOTIFY)
    assert (grant.round_id, grant.alert_id, grant.uscc) == (r.id, None, some_stop)
    assert outcome.detail.endswith(f"豁免{r.record['counts']['exempt']}家")


def test_running_a_round_again_changes_nothing(engine, tmp_path):
    do_import(engine, SAMPLE)
    ctl = office(engine, tmp_path)
    first = ctl.run("staggered", at=STAGGERED_NOTIFY, now=STAGGERED_NOTIFY)
    rows = stored(engine)
    later = STAGGERED_NOTIFY + dt.timedelta(days=20)
    again = ctl.run("staggered", at=later, now=later)  # mid-season, same season
    assert again.status == "exists"
    assert again.round_id == first.round_id
    assert stored(engine) == rows
    assert "已于2026年11月10日9时发布" in again.detail


def test_a_late_start_announces_the_season_under_way(engine, tmp_path):
    do_import(engine, SAMPLE)
    ctl = office(engine, tmp_path)
    late = dt.datetime(2027, 1, 20, 9, tzinfo=ZONE)
    outcome = ctl.run("staggered", at=late, now=late)
    assert outcome.status == "issued"
    assert ctl.get(outcome.round_id).period_start == dt.datetime(2026, 11, 15, tzinfo=ZONE)


def test_the_ozone_window_concerns_vocs_lines_of_its_industries_only(engine, tmp_path):
    do_import(engine, SAMPLE)
    ctl = office(engine, tmp_path)
    may = dt.datetime(2027, 4, 28, 9, tzinfo=ZONE)
    outcome = ctl.run("ozone-vocs", at=may, now=may)
    assert outcome.status == "issued"
    industries = ("化工", "工业涂装", "包装印刷", "家具制造", "油品储运")
    grades = concerned(engine, industries, vocs_only=True)
    notified = {u for u, g in grades.items() if g not in ("A+", "A", "引领性")}
    r = ctl.get(outcome.round_id)
    assert {u for u, _, _ in ctl.notices(r.id)} == notified
    assert r.record["counts"]["exempt"] == len(grades) - len(notified)
    body = ctl.notices(r.id)[0][2]
    assert "每日10:00至16:00" in body
    assert "停止露天喷涂、沥青铺装作业" in body


def _forecast(day: dt.date, t_max: float | None, o3: float, issued: dt.datetime) -> dict:
    doc = forecast_doc(issued, [60, 70, 80, 75], first=day)
    for rec in doc["daily"]:
        rec["o3_8h"] = o3
        if t_max is not None:
            rec["t_max"] = t_max
        rec["primary_pollutants"] = ["O3"]
    return doc


@pytest.mark.parametrize(
    ("t_max", "o3", "status", "words"),
    [
        (29.5, 176, "issued", "日最高气温29.5℃≥25℃，臭氧8小时浓度176微克/立方米≥160微克/立方米"),
        (23.0, 176, "not_triggered", "日最高气温23℃<25℃"),
        (31.0, 150, "not_triggered", "臭氧8小时浓度150微克/立方米<160微克/立方米"),
        (None, 190, "not_triggered", "预报未提供日最高气温"),
    ],
)
def test_a_forecast_triggered_round_follows_the_next_days_forecast(
    engine, tmp_path, sink, t_max, o3, status, words
):
    do_import(engine, SAMPLE)
    check = dt.datetime(2026, 6, 10, 16, tzinfo=ZONE)
    doc = _forecast(dt.date(2026, 6, 11), t_max, o3, check - dt.timedelta(hours=8))
    sink.get_behaviour = lambda path: (200, doc, 0.0)
    ctl = office(
        engine,
        tmp_path,
        controls=variant("ozone-vocs-forecast", enabled=True),
        forecast_url=f"{sink.url}/forecast/{{date}}",
    )
    outcome = ctl.run("ozone-vocs-forecast", at=check, now=check)
    assert outcome.status == status
    if status == "issued":
        r = ctl.get(outcome.round_id)
        assert r.title == "关于2026年6月11日实施臭氧污染预报管控日VOCs错时生产的通知"
        assert r.period_start == dt.datetime(2026, 6, 11, tzinfo=ZONE)
        assert r.period_end == dt.datetime(2026, 6, 12, tzinfo=ZONE)
        assert r.record["trigger"]["reason"] == words
        assert r.record["trigger"]["forecast"]["location"].endswith("/forecast/2026-06-10")
        assert "2026年6月11日10:00至16:00暂停" in ctl.notices(r.id)[0][2]
    else:
        assert words in outcome.detail
        assert stored(engine) == (0, 0)


def test_a_forecast_that_cannot_be_used_fails_the_run_and_writes_nothing(engine, tmp_path, sink):
    do_import(engine, SAMPLE)
    check = dt.datetime(2026, 6, 10, 16, tzinfo=ZONE)
    controls = variant("ozone-vocs-forecast", enabled=True)
    url = f"{sink.url}/forecast/{{date}}"
    sink.get_behaviour = lambda path: (500, {"error": "down"}, 0.0)
    with pytest.raises(ControlFailed, match="预报数据不可用"):
        office(engine, tmp_path, controls=controls, forecast_url=url).run(
            "ozone-vocs-forecast", at=check, now=check
        )
    stale = _forecast(dt.date(2026, 6, 11), 30, 200, check - dt.timedelta(hours=50))
    sink.get_behaviour = lambda path: (200, stale, 0.0)
    with pytest.raises(ControlFailed, match="超过30小时时效"):
        office(engine, tmp_path, controls=controls, forecast_url=url).run(
            "ozone-vocs-forecast", at=check, now=check
        )
    assert stored(engine) == (0, 0)


def test_without_a_list_in_force_the_run_fails_and_writes_nothing(engine, tmp_path):
    ctl = office(engine, tmp_path)
    with pytest.raises(ControlFailed, match="没有生效的应急减排清单"):
        ctl.run("staggered", at=STAGGERED_NOTIFY, now=STAGGERED_NOTIFY)
    assert stored(engine) == (0, 0)


def test_a_notice_that_cannot_be_rendered_leaves_no_round_behind(engine, tmp_path):
    do_import(engine, SAMPLE)
    override = tmp_path / "city-templates" / "controls"
    override.mkdir(parents=True)
    (override / "notice.html").write_text("{{ no_such_field }}", encoding="utf-8")
    ctl = office(engine, tmp_path, city_templates=tmp_path / "city-templates")
    with pytest.raises(Exception, match="no_such_field"):
        ctl.run("staggered", at=STAGGERED_NOTIFY, now=STAGGERED_NOTIFY)
    assert stored(engine) == (0, 0)
    # mended, the same run goes through
    assert (
        office(engine, tmp_path).run("staggered", at=STAGGERED_NOTIFY, now=STAGGERED_NOTIFY).status
        == "issued"
    )


def test_an_unknown_control_is_named(engine, tmp_path):
    with pytest.raises(ControlFailed, match="未定义的常态化管控“winter”"):
        office(engine, tmp_path).run("winter", at=STAGGERED_NOTIFY, now=STAGGERED_NOTIFY)


def test_a_link_of_a_round_is_not_a_link_of_the_alert_with_the_same_number():
    signer = LinkSigner(b"k" * 32)
    exp = signer.expiry(STAGGERED_NOTIFY)
    round_token = signer.round_token(1, "91999900MA0000002C", exp)
    alert_token = signer.token(1, "91999900MA0000002C", exp)
    assert round_token.startswith("c1.")
    forged = round_token.removeprefix("c")  # the round's signature offered for alert 1
    from orchestrator.notices.links import LinkInvalid

    with pytest.raises(LinkInvalid):
        signer.verify(forged, STAGGERED_NOTIFY)
    assert signer.verify(alert_token, STAGGERED_NOTIFY).alert_id == 1
    assert signer.verify(round_token, STAGGERED_NOTIFY).round_id == 1
