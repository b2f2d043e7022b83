"""Each alert day's inspection queue from the stored evidence (SQLite and PostgreSQL): the sample
outlet that did not fall, the banned truck at a gate, the glass line whose electricity did not
drop, the report not filed and the order not signed — each with its words; evidence imports are
transactional and idempotent."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from orchestrator.assessment.electricity import read_csv
from orchestrator.daily.model import Via
from orchestrator.db.inspection import EvidenceStore
from orchestrator.db.tables import cems_readings, gate_passages
from orchestrator.delivery.model import Scope
from orchestrator.errors import InputInvalid, NotFound
from orchestrator.inspection.model import Rule
from orchestrator.inspection.readers import read_cems_csv, read_gate_csv
from orchestrator.inspection.scoring import rate_means
from tests.support.app import app, issue_sample
from tests.support.base import ROOT, ZONE

SAMPLES = ROOT / "samples"
D6 = dt.date(2026, 1, 6)
STEEL, FOUNDRY, CEMENT, GLASS = (
    "91999901MA0000013Y",  # 示例市瑞盛钢铁: sinter head SO2 at 95 %
    "91999904MA00000039",  # 示例市鑫祥铸造: a 国四 truck twice on 6 January
    "91999900MA0000002C",  # 示例市通鑫水泥: NOx down to 70 %, only 国五/国六 trucks
    "91999901MA00000067",  # 示例市永安玻璃: electricity barely down
)


def at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=ZONE)


def count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def evidence(engine):
    alert_id, revision_id = issue_sample(engine)  # orange 6–9 January, issued 4 Jan 21:00
    ctx = app(engine)
    ctx.meters().store(read_csv(SAMPLES / "electricity_hourly.csv", ZONE))
    inspections = ctx.inspections()
    inspections.store_cems(read_cems_csv(SAMPLES / "cems_hourly.csv", ZONE))
    inspections.store_gate(read_gate_csv(SAMPLES / "gate_passages.csv", ZONE))
    return ctx, alert_id, revision_id


def test_evidence_imports_are_idempotent(engine, evidence):
    ctx, _, _ = evidence
    assert (count(engine, cems_readings), count(engine, gate_passages)) == (432, 6)
    ctx.inspections().store_cems(read_cems_csv(SAMPLES / "cems_hourly.csv", ZONE))
    ctx.inspections().store_gate(read_gate_csv(SAMPLES / "gate_passages.csv", ZONE))
    assert (count(engine, cems_readings), count(engine, gate_passages)) == (432, 6)


def test_the_evidence_rules_find_the_sample_cases_and_say_why(evidence):
    ctx, alert_id, _ = evidence
    inspections = ctx.inspections()
    quiet = {**inspections.config.weights, Rule.NO_REPORT: 0, Rule.LATE_ACK: 0}
    inspections.config = dataclasses.replace(inspections.config, weights=quiet)
    q = inspections.day(alert_id, D6, now=at(6, 18))
    listed = ctx.lists().revision(1)[1]
    users = [
        u for u in listed.transport_users if any(m.level.value == "orange" for m in u.measures)
    ]
    assert q.scored == len(listed.enterprises) + len(users)  # every enterprise and user scored
    by = {s.facts.uscc: s for s in q.entries}
    ranked = [s for s in q.entries if not s.drawn]
    assert {s.facts.uscc for s in ranked} == {STEEL, FOUNDRY, GLASS}
    steel = by[STEEL]
    assert [r.rule for r in steel.reasons] == [Rule.CEMS]
    assert steel.reasons[0].text.startswith("DA002烧结机头SO2排放速率为基线的9")
    foundry = by[FOUNDRY]
    assert foundry.reasons[0].text == (
        "禁用排放阶段的货车进出：示A12345（国四，1月6日8时12分）、示A12345（国四，1月6日10时47分）"
    )
    assert [r.rule for r in by[GLASS].reasons] == [Rule.ELECTRICITY]
    assert "用电为预警前基线的" in by[GLASS].reasons[0].text
    assert ranked[0].points >= ranked[-1].points
    assert CEMENT not in {s.facts.uscc for s in ranked}
    # every county's rest is drawn at its share, the same on asking again
    drawn = [s.facts.uscc for s in q.entries if s.drawn]
    assert len({s.facts.county for s in q.entries if s.drawn}) == 7
    again = inspections.day(alert_id, D6, now=at(6, 18))
    assert [s.facts.uscc for s in again.entries if s.drawn] == drawn


def test_a_report_filed_and_an_order_signed_in_time_score_nothing(evidence):
    ctx, alert_id, revision_id = evidence
    inspections = ctx.inspections()
    daily = ctx.daily()
    lines = daily.day(alert_id, D6).of(CEMENT)
    assert lines is not None
    n = len(lines.owed)
    daily.submit(alert_id, CEMENT, D6, done=[True] * n, notes=[""] * n, by="王厂长",
                 via=Via.PAGE, now=at(6, 10))  # fmt: skip
    ctx.receipts().acknowledge(Scope(alert_id=alert_id), CEMENT, revision_id, signer="王厂长",
                               now=at(4, 21, 30))  # fmt: skip
    ctx.receipts().acknowledge(Scope(alert_id=alert_id), STEEL, revision_id, signer="李厂长",
                               now=at(5, 9))  # fmt: skip
    q = inspections.day(alert_id, D6, now=at(6, 18))
    by = {s.facts.uscc: s for s in q.entries}
    assert CEMENT not in by or by[CEMENT].points == 0
    steel = by[STEEL]
    assert [r.rule for r in steel.reasons] == [Rule.CEMS, Rule.NO_REPORT, Rule.LATE_ACK]
    assert steel.reasons[2].text == "1月5日9时00分签收，晚于时限1月4日23时00分"
    # an enterprise that signed nothing and filed nothing
    other = next(s for s in q.entries if s.facts.uscc not in (CEMENT, STEEL, FOUNDRY, GLASS))
    assert {r.rule for r in other.reasons} == {Rule.NO_REPORT, Rule.LATE_ACK}
    assert other.points == 25


def test_a_day_outside_the_alert_has_no_queue(evidence):
    ctx, alert_id, _ = evidence
    with pytest.raises(NotFound, match=r"预警1在2026年1月10日不在执行期内"):
        ctx.inspections().day(alert_id, dt.date(2026, 1, 10), now=at(10, 12))
    with pytest.raises(InputInvalid, match="预警1在2026年1月6日的执行尚未开始"):
        ctx.inspections().day(alert_id, D6, now=at(5, 12))


def test_the_database_means_are_the_readings_means(engine, evidence):
    """The store sums a city's readings in SQL; it must agree with the readings' own means."""
    readings = [r for r in read_cems_csv(SAMPLES / "cems_hourly.csv", ZONE) if r.uscc == STEEL]
    start, end = at(6).astimezone(dt.UTC), at(7).astimezone(dt.UTC)
    ours = rate_means(r for r in readings if start <= r.hour < end)
    with engine.connect() as conn:
        stored = EvidenceStore(conn).cems_means([STEEL, CEMENT], start, end)
    assert set(stored) == {STEEL, CEMENT}
    [(key, (mean, hours))] = stored[STEEL].items()
    assert hours == ours[key][1] == 24
    assert mean == pytest.approx(ours[key][0], rel=1e-9)
