"""What the consultation recommends, given the decision and the alert in force (pure)."""

from __future__ import annotations

import pytest

from orchestrator.alerts import AlertLevel, AqiSeries, DailyWindow, decide
from orchestrator.consultation.opinion import ActiveAlert, chart, recommend
from orchestrator.response.model import RevisionKind
from tests.support.base import at, ruleset

MEE = ruleset("mee-2024")
NOW = at(4, 9)


def decision(aqis, *, active=None, first=5):
    series = AqiSeries(
        step_hours=24,
        windows=tuple(DailyWindow(start=at(first + i), aqi=a) for i, a in enumerate(aqis)),
    )
    return decide(series, MEE, now=NOW, active_level=active.level if active else None)


def active(level, end=None):
    return ActiveAlert(
        alert_id=7,
        level=level,
        start=at(5),
        end=end or at(8),
        document_number="示〔2026〕1号",
        open_revision=False,
    )


def test_no_alert_in_force_and_heavy_days_ahead_issue():
    r = recommend(decision([128, 176, 226, 243, 171, 96, 62]), None, now=NOW, degraded=False)
    assert r.kind is RevisionKind.ISSUE
    assert r.level is AlertLevel.ORANGE
    assert (r.start, r.end) == (at(6), at(10))
    assert r.headline.startswith("建议启动橙色预警")


def test_clean_days_ahead_propose_nothing():
    r = recommend(decision([60, 80, 90, 70]), None, now=NOW, degraded=False)
    assert r.kind is None
    assert r.headline == "无需启动预警"


@pytest.mark.parametrize(
    ("level", "aqis", "kind", "new_level"),
    [
        (AlertLevel.YELLOW, [230, 260, 240, 90, 60, 60], RevisionKind.UPGRADE, AlertLevel.ORANGE),
        (AlertLevel.RED, [210, 160, 90, 60, 60, 60], RevisionKind.DOWNGRADE, AlertLevel.YELLOW),
        (
            AlertLevel.ORANGE,
            [230, 260, 240, 230, 90, 60, 60],
            RevisionKind.EXTEND,
            AlertLevel.ORANGE,
        ),
        (AlertLevel.ORANGE, [60, 70, 60, 50], RevisionKind.LIFT, AlertLevel.ORANGE),
    ],
)
def test_the_alert_in_force_is_adjusted_to_the_decision(level, aqis, kind, new_level):
    a = active(level)
    r = recommend(decision(aqis, active=a), a, now=NOW, degraded=False)
    assert r.kind is kind
    assert r.level is new_level
    assert r.start is not None
    assert r.start >= NOW


def test_the_same_level_within_the_alerts_end_is_maintained():
    a = active(AlertLevel.ORANGE, end=at(12))
    r = recommend(decision([230, 260, 240, 90, 60], active=a), a, now=NOW, degraded=False)
    assert r.kind is None
    assert r.headline == "建议维持橙色预警"


def test_a_degraded_consultation_proposes_nothing_even_when_heavy_days_are_forecast():
    r = recommend(decision([300, 320, 310]), None, now=NOW, degraded=True)
    assert r.kind is None
    assert "人工会商" in r.headline


def test_chart_bars_follow_the_values_and_thresholds_sit_in_order():
    days = [
        {"date": f"2026-01-0{5 + i}", "aqi": a, "low": a - 10, "high": a + 10, "color": "#ff0000"}
        for i, a in enumerate([100, 200, 300])
    ]
    c = chart({"detail": days[:2], "trend": days[2:], "ruleset": {"thresholds": [150, 200, 300]}})
    ys = [b["y"] for b in c["bars"]]
    assert ys[0] > ys[1] > ys[2]  # higher AQI, higher bar (smaller y)
    assert [b["detail"] for b in c["bars"]] == [True, True, False]
    lines = {line["v"]: line["y"] for line in c["lines"]}
    assert lines[150] > lines[200] > lines[300]
    assert c["bars"][1]["y"] == lines[200]


def test_an_alert_not_yet_started_is_not_lifted_for_its_clean_first_hours():
    a = ActiveAlert(
        alert_id=7,
        level=AlertLevel.ORANGE,
        start=at(6),
        end=at(9),
        document_number=None,
        open_revision=False,
    )
    d = decision([128, 176, 226, 243, 171, 96, 62], active=a)
    assert d.lift_due  # the next 36 h alone are below the start condition
    r = recommend(d, a, now=NOW, degraded=False)
    assert r.kind is RevisionKind.EXTEND
    assert r.end == at(10)


# --- the 不利气象条件应对 band (a ruleset that defines it) ---------------------------------------

BAND = ruleset("example-city-2024")


def band_decision(aqis, *, active=None):
    series = AqiSeries(
        step_hours=24,
        windows=tuple(DailyWindow(start=at(5 + i), aqi=a) for i, a in enumerate(aqis)),
    )
    return decide(series, BAND, now=NOW, active_level=active.level if active else None)


def test_the_band_is_recommended_for_the_officers_to_put_up_not_drafted():
    r = recommend(band_decision([120, 160, 90, 60]), None, now=NOW, degraded=False)
    assert r.kind is RevisionKind.ISSUE
    assert r.level is AlertLevel.ADVERSE
    assert r.on_instruction
    assert r.headline == (
        "预计出现不利气象条件但未达到预警启动条件，自1月5日0时至1月7日0时，"
        "建议报请上级同意后开展不利气象条件应对，以协商减排和局地管控措施为主"
    )
    # a colour under the same ruleset is the office's own: drafted as before
    heavy = recommend(band_decision([160, 170, 90]), None, now=NOW, degraded=False)
    assert heavy.level is AlertLevel.YELLOW
    assert not heavy.on_instruction


def test_a_warning_whose_days_fall_into_the_band_is_lifted_and_the_band_proposed():
    a = active(AlertLevel.YELLOW)
    r = recommend(band_decision([120, 120, 90, 60], active=a), a, now=NOW, degraded=False)
    assert r.kind is RevisionKind.LIFT
    assert r.level is AlertLevel.YELLOW
    assert not r.on_instruction
    assert r.headline == (
        "空气质量已低于预警启动条件且预计持续，建议解除黄色预警；预计仍有不利气象条件，"
        "建议报请上级同意后开展不利气象条件应对，以协商减排和局地管控措施为主"
    )
