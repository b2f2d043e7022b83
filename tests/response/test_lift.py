"""A lift says what follows it: with a recurring control in force (staggered production) or a
regional hint still running, the lift notice names what remains and the approval lists the firms
that keep their control's measures (no order tells them they may resume); only with nothing left
may everyone resume."""

from __future__ import annotations

import datetime as dt

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.plans import Change
from orchestrator.notices.model import NoticeKind
from tests.support.app import DUTY, NOW, SAMPLE, app, do_import, office_of
from tests.support.base import ZONE, at
from tests.support.controls import office as control_office
from tests.support.response import issue, lift

SEASON_NOTIFY = dt.datetime(2025, 11, 10, 9, 0, tzinfo=ZONE)  # 2025—2026 staggered season


def lift_notice(engine, alert_id: int) -> str:
    docs = app(engine).notices().ensure(alert_id).documents
    (text,) = [d.body for d in docs if d.kind is NoticeKind.LIFT]
    return text


def test_a_lift_in_the_staggered_season_keeps_those_firms_measures(engine, tmp_path):
    do_import(engine, SAMPLE)
    season = control_office(engine, tmp_path).run("staggered", at=SEASON_NOTIFY, now=SEASON_NOTIFY)
    bound = {u for u, _, _ in control_office(engine, tmp_path).notices(season.round_id)}
    office = office_of(engine)
    alert_id = issue(office, AlertLevel.ORANGE, at(6), at(9))
    approval = lift(office, alert_id, start=at(8))
    remain = {c.uscc for c in approval.changes if c.change is Change.REMAIN}
    resume = {c.uscc for c in approval.changes if c.change is Change.RESUME}
    assert remain
    assert remain <= bound
    assert not (resume & bound)
    some = next(c for c in approval.changes if c.change is Change.REMAIN)
    assert some.details[0].startswith("《关于实施2025—2026年秋冬季错峰生产的通知》：")
    office.issue(alert_id, by=DUTY, now=at(8))
    text = lift_notice(engine, alert_id)
    assert "终止本次应急响应" in text
    assert (
        f"《关于实施2025—2026年秋冬季错峰生产的通知》规定的{len(bound)}家企业管控措施继续执行至"
        "2026年3月16日0时" in text
    )
    assert "有关企业须继续落实上述措施，不得擅自恢复生产" in text
    assert "各单位可有序恢复正常生产" not in text


def test_a_lift_while_a_regional_hint_runs_names_the_hint(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    alert_id = issue(office, AlertLevel.ORANGE, at(6), at(9))
    recorded = office.add_hint(
        level=AlertLevel.YELLOW,
        start=at(6),
        end=at(10),
        issuer="示例省重污染天气应对指挥部",
        document_number="示省气指〔2026〕8号",
        area="全省",
        by=DUTY,
        now=NOW,
    )
    assert recorded.draft is not None  # reaches later: an extension, withdrawn here
    office.withdraw(alert_id, by=DUTY, now=NOW, reason="按解除办理")
    lift(office, alert_id, start=at(8))
    office.issue(alert_id, by=DUTY, now=at(8))
    text = lift_notice(engine, alert_id)
    assert (
        "示例省重污染天气应对指挥部区域预警提示（示省气指〔2026〕8号）要求2026年1月6日0时至"
        "2026年1月10日0时不低于黄色预警，期间按其要求执行" in text
    )


def test_a_lift_with_nothing_left_lets_everyone_resume(engine):
    do_import(engine, SAMPLE)
    office = office_of(engine)
    alert_id = issue(office, AlertLevel.ORANGE, at(6), at(9))
    approval = lift(office, alert_id, start=at(8))
    assert {c.change for c in approval.changes} == {Change.RESUME}
    office.issue(alert_id, by=DUTY, now=at(8))
    text = lift_notice(engine, alert_id)
    assert "各单位可有序恢复正常生产" in text
    assert "仍然有效" not in text
