"""Negotiated reductions (协商减排, issue "Response correctness", part 3): recorded with the
revision awaiting approval, checked against the list in force, counted at approval (closing a
shortfall), written into that enterprise's order, listed in the assessment; refused once the plan
is frozen — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from orchestrator.alerts.model import AlertLevel
from orchestrator.audit.model import AuditAction
from orchestrator.emissions.model import Amounts, MeasureKind, Species
from orchestrator.errors import Conflict, InputInvalid, NotFound
from orchestrator.negotiation.model import Agreement
from orchestrator.negotiation.service import NotNegotiable
from tests.support.app import (
    CITY,
    DUTY,
    ISSUED_AT,
    NOW,
    VICE,
    app,
    do_import,
    draft_orange,
    load_list,
    notices,
    office_of,
)
from tests.support.base import at
from tests.support.cli import run

ORANGE = AlertLevel.ORANGE


def firm(engine, grade: str, industry: str = "钢铁"):
    """The first enterprise of ``grade`` in ``industry`` of the imported sample list."""
    return next(
        e
        for e in load_list(engine, 1).enterprises
        if e.grade.value == grade and e.lines[0].industry == industry
    )


def agreement(uscc: str, line: str, so2: float, **over) -> Agreement:
    values = {
        "uscc": uscc,
        "lines": (line,),
        "kind": MeasureKind.STOP,
        "measure": f"{line}停产",
        "reduction": Amounts(so2=so2),
        "start": at(6),
        "end": at(9),
        "reference": "示协〔2026〕1号",
        "agreed_by": "李厂长",
    }
    return Agreement(**{**values, **over})


def negotiations(engine, city=CITY):
    return app(engine, city=city).negotiations()


def test_an_agreement_is_counted_at_approval_and_written_into_the_order(engine):
    do_import(engine)
    a_grade = firm(engine, "A")
    line = a_grade.lines[-1]
    alert_id = draft_orange(engine)
    stored = negotiations(engine).record(
        alert_id,
        agreement(a_grade.uscc, line.name, line.baseline.so2, reduction=line.baseline),
        by="张值班",
        now=NOW,
    )
    assert stored.name == a_grade.name
    # without it, what the approval would have counted
    baseline = app(engine).lists().level_check(ORANGE, at(6), on=at(6).date())
    assert baseline is not None
    approval = office_of(engine).approve(alert_id, by=VICE, now=NOW)
    assert approval.check is not None
    for s in Species:
        got = approval.check.species[s]
        assert got.negotiated_kg_d == pytest.approx(line.baseline.get(s))
        assert got.reduction_kg_d == pytest.approx(
            baseline.check.species[s].reduction_kg_d + line.baseline.get(s), abs=1e-3
        )
    frozen = approval.revision.targets
    assert frozen is not None
    assert frozen["negotiated"]["SO2"] == pytest.approx(line.baseline.so2)

    issued = office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    (order,) = notices(engine).orders(issued.notices.revision_id, [a_grade.uscc])
    assert "落实以下措施（自主减排）" in order.body  # its list measures, as the list says
    assert "经协商，你单位同意在上述措施之外实施以下协商减排措施" in order.body
    assert f"{line.name}停产" in order.body
    assert "示协〔2026〕1号（李厂长）" in order.body
    assert "2026年1月6日0时至2026年1月9日0时" in order.body
    # nobody else's order mentions it
    other = next(e for e in load_list(engine, 1).enterprises if e.uscc != a_grade.uscc)
    (plain,) = notices(engine).orders(issued.notices.revision_id, [other.uscc])
    assert "协商减排" not in plain.body
    # the audit trail has it
    trail = office_of(engine).trail(alert_id)
    assert AuditAction.NEGOTIATE in [t.action for t in trail]


def test_an_agreement_closes_the_days_shortfall(engine):
    do_import(engine)
    day = app(engine).lists().level_check(ORANGE, at(6), on=at(6).date())
    assert day is not None
    so2 = day.check.species[Species.SO2].reduction_kg_d
    # a city whose SO2 target the plan misses by 100 kg/d
    goal = CITY.targets[ORANGE].so2
    citywide = (so2 + 100) / goal
    city = dataclasses.replace(CITY, citywide=dataclasses.replace(CITY.citywide, so2=citywide))
    alert_id = draft_orange(engine, city)
    b_grade = firm(engine, "B")
    line = max(b_grade.lines, key=lambda ln: ln.baseline.so2)
    measure = line.measure(ORANGE)
    left = line.baseline.so2 - (measure.reduction.so2 if measure else 0.0)
    assert left > 100
    negotiations(engine, city).record(
        alert_id, agreement(b_grade.uscc, line.name, 120.0), by="张值班", now=NOW
    )
    approval = office_of(engine, city).approve(alert_id, by=VICE, now=NOW)
    assert approval.check is not None
    assert approval.check.species[Species.SO2].met
    assert not approval.shortfall


def test_what_cannot_be_agreed_is_refused_in_chinese_and_nothing_is_stored(engine):
    do_import(engine)
    b_grade = firm(engine, "B")
    line = b_grade.lines[0]
    measure = line.measure(ORANGE)
    left = line.baseline.so2 - (measure.reduction.so2 if measure else 0.0)
    alert_id = draft_orange(engine)
    office = negotiations(engine)
    with pytest.raises(NotFound, match="清单第1版中没有统一社会信用代码为91999999MA00000000的企业"):
        office.record(alert_id, agreement("91999999MA00000000", "x", 1.0), by="张", now=NOW)
    with pytest.raises(InputInvalid, match=f"{b_grade.name}没有生产线“9#烧结机”"):
        office.record(alert_id, agreement(b_grade.uscc, "9#烧结机", 1.0), by="张", now=NOW)
    with pytest.raises(InputInvalid) as err:
        office.record(alert_id, agreement(b_grade.uscc, line.name, left + 1), by="张", now=NOW)
    assert str(err.value) == (
        f"协商减排量SO2（{left + 1:g}千克/日）超过所涉生产线在清单措施之外尚可减少的排放量"
        f"（{round(left, 3):g}千克/日）"
    )
    with pytest.raises(InputInvalid, match="协商减排时段须在预警1第1次修订的响应时段之内"):
        office.record(
            alert_id, agreement(b_grade.uscc, line.name, 1.0, end=at(10)), by="张", now=NOW
        )
    with pytest.raises(InputInvalid, match="协商减排须写明协议编号"):
        agreement(b_grade.uscc, line.name, 1.0, reference=" ")
    with pytest.raises(InputInvalid, match="至少有一项污染物大于0"):
        agreement(b_grade.uscc, line.name, 0.0)
    assert office.of_alert(alert_id) == []
    office.record(alert_id, agreement(b_grade.uscc, line.name, 1.0), by="张", now=NOW)
    with pytest.raises(Conflict, match="已有协商减排记录"):
        office.record(alert_id, agreement(b_grade.uscc, line.name, 2.0), by="张", now=NOW)
    assert len(office.of_alert(alert_id)) == 1
    with pytest.raises(NotFound, match="预警99不存在"):
        office.record(99, agreement(b_grade.uscc, line.name, 1.0), by="张", now=NOW)


def test_once_approved_the_plan_is_frozen_and_a_pending_agreement_can_be_removed(engine):
    do_import(engine)
    b_grade = firm(engine, "B")
    line = b_grade.lines[0]
    alert_id = draft_orange(engine)
    office = negotiations(engine)
    kept = office.record(alert_id, agreement(b_grade.uscc, line.name, 1.0), by="张", now=NOW)
    removed = office.record(
        alert_id,
        agreement(firm(engine, "C").uscc, firm(engine, "C").lines[0].name, 1.0),
        by="张",
        now=NOW,
    )
    with pytest.raises(NotFound, match=f"预警99没有协商减排{removed.id}"):
        office.remove(removed.id, by="张", now=NOW, alert_id=99)
    assert office.remove(removed.id, by="张", now=NOW, alert_id=alert_id).id == removed.id
    assert [n.id for n in office.of_alert(alert_id)] == [kept.id]
    office_of(engine).approve(alert_id, by=VICE, now=NOW)
    with pytest.raises(NotNegotiable, match="协商减排须在批准前录入"):
        office.record(alert_id, agreement(b_grade.uscc, line.name, 1.0), by="张", now=NOW)
    with pytest.raises(NotNegotiable):
        office.remove(kept.id, by="张", now=NOW)
    assert [n.id for n in office.of_alert(alert_id)] == [kept.id]
    actions = [t.action for t in office_of(engine).trail(alert_id)]
    assert actions.count(AuditAction.NEGOTIATE) == 2
    assert actions.count(AuditAction.NEGOTIATE_REMOVE) == 1


def test_the_assessment_lists_the_agreements_of_issued_revisions(engine):
    do_import(engine)
    b_grade = firm(engine, "B")
    line = b_grade.lines[0]
    alert_id = draft_orange(engine)
    negotiations(engine).record(alert_id, agreement(b_grade.uscc, line.name, 1.5), by="张", now=NOW)
    office_of(engine).approve(alert_id, by=VICE, now=NOW)
    office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    assessor = app(engine).assessor(monitoring=lambda start, end: (None, "", []))
    record = assessor.assess(alert_id, now=at(12))
    (listed,) = record["negotiated"]
    assert listed["uscc"] == b_grade.uscc
    assert listed["document_number"] == "示重污应急〔2026〕1号"
    (reduction,) = record["reductions"]
    so2 = next(s for s in reduction["species"] if s["name"] == "SO2")
    assert so2["negotiated_kg_d"] == pytest.approx(1.5)
    html = assessor.render(record)
    assert "协商减排（1家企业）" in html
    assert "计划减排量含协商减排：SO2 1.5千克/日" in html


def test_cli_add_list_and_remove(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))

    run("list", "import", "emission_lists/sample_list.xlsx", "--effective-from", "2025-10-01")
    run(
        "--now", "2026-01-04T20:00", "alert", "draft", "--level", "orange",
        "--start", "2026-01-06T00:00", "--end", "2026-01-09T00:00", "--reason", "会商研判",
        "--by", "张值班", "--submit",
    )  # fmt: skip
    add = [
        "--now", "2026-01-04T20:10", "negotiated", "add", "--alert", "1",
        "--uscc", "91999905MA0000087C", "--line", "2#烧结机", "--measure", "2#烧结机停产",
        "--kind", "停产", "--so2", "196.8", "--reference", "示协〔2026〕1号",
        "--agreed-by", "李厂长", "--by", "张值班",
    ]  # fmt: skip
    out = run(*add)
    assert out.startswith("已录入协商减排1（预警1第1次修订，批准时计入减排量核算）")
    assert (
        "示例市恒华钢铁有限公司（91999905MA0000087C）：2#烧结机 2#烧结机停产（停产），减排SO2 196.8千克/日"
        in out
    )
    listed = json.loads(run("negotiated", "list", "--alert", "1", "--json"))
    assert [(n["id"], n["reference"], n["reduction_kg_d"]["SO2"]) for n in listed] == [
        (1, "示协〔2026〕1号", 196.8)
    ]
    assert "已有协商减排记录" in run(*add, ok=1)
    assert "--kind: 未知措施类型“关停”" in run(*add[:-1], "张值班", "--kind", "关停", ok=2)
    assert run("negotiated", "remove", "1", "--by", "张值班").startswith("已删除协商减排1")
    assert run("negotiated", "list", "--alert", "1") == "预警1没有协商减排记录\n"
    approved = run("--now", "2026-01-04T21:00", "alert", "approve", "1", "--by", "王副市长")
    assert "含协商减排" not in approved
    refused = run(*add, ok=1)
    assert "协商减排须在批准前录入" in refused


def test_an_agreement_shorter_than_the_revision_counts_only_while_in_force(engine):
    do_import(engine)
    b_grade = firm(engine, "B")
    office = negotiations(engine)
    facts_alert = draft_orange(engine)
    facts = office.facts(facts_alert)
    assert facts.pending
    assert not facts.lift
    assert facts.end == at(9)
    # an agreement may be shorter than the revision
    short = office.record(
        facts_alert,
        agreement(b_grade.uscc, b_grade.lines[0].name, 1.0, start=at(7), end=at(8)),
        by="张",
        now=NOW,
    )
    assert short.in_force(at(7, 12))
    assert not short.in_force(at(6))
    assert not short.in_force(at(8))
    # approval counts what is in force at the start: an agreement from the 7th adds nothing
    approval = office_of(engine).approve(facts_alert, by=VICE, now=NOW)
    assert approval.check is not None
    assert approval.check.species[Species.SO2].negotiated_kg_d == 0.0
    assert dt.timedelta(0) < short.agreement.end - short.agreement.start
