"""The province's 调度令 through a provincial installation, on SQLite and PostgreSQL: four eyes,
numbering, the order handed to every city it binds once (a city's matching alert drafted on
receipt, its floor refusing anything lower), report-back, chasing, lifting and a city's request
to lift early."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from orchestrator.alerts.model import AlertLevel
from orchestrator.bootstrap import Context
from orchestrator.errors import InputInvalid, NotFound
from orchestrator.notices.model import NoticeKind
from orchestrator.region.directives import (
    DirectiveAction,
    DirectiveRefused,
    DirectiveStatus,
    ReportKind,
)
from orchestrator.response.lifecycle import IllegalTransition
from orchestrator.response.model import Draft, RevisionKind
from tests.support.base import at
from tests.support.province import provincial

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def province(engine: Engine, tmp_path: Path) -> Iterator[Context]:
    """A provincial installation on the test's database, each city on a database of its own."""
    with provincial(engine, tmp_path) as context:
        yield context


def _issued(province: Context, **over: object) -> int:
    office = province.province_office()
    assert province.province is not None
    duty = province.province.person("高省值班")
    boss = province.province.person("韩省主任")
    values: dict[str, object] = {
        "title": "关于启动重污染天气橙色预警的调度令",
        "cities": ["999900", "990100"],
        "level": AlertLevel.ORANGE,
        "start": at(6),
        "end": at(9),
        "measures": ["重点企业驻厂监管"],
        "reason": "省级会商研判",
        **over,
    }
    d = office.draft(by=duty, now=at(4, 9), **values)  # type: ignore[arg-type]
    office.act(d.id, DirectiveAction.SUBMIT, by=duty, now=at(4, 9))
    office.act(d.id, DirectiveAction.APPROVE, by=boss, now=at(4, 9))
    office.act(d.id, DirectiveAction.ISSUE, by=duty, now=at(4, 10))
    return d.id


def test_the_drafter_cannot_approve_and_issue_numbers_by_year(province: Context) -> None:
    office = province.province_office()
    assert province.province is not None
    duty = province.province.person("高省值班")
    d = office.draft(
        title="调度令",
        cities=["990100"],
        level=AlertLevel.YELLOW,
        start=at(6),
        end=at(7),
        reason="会商",
        by=duty,
        now=at(4, 9),
    )
    office.act(d.id, DirectiveAction.SUBMIT, by=duty, now=at(4, 9))
    with pytest.raises(DirectiveRefused, match=r"双人审核|不能批准"):
        office.act(d.id, DirectiveAction.APPROVE, by=duty, now=at(4, 9))
    first = _issued(province)
    second = _issued(province, title="第二份")
    numbers = [office.directive(i).number for i in (first, second)]
    assert numbers == ["示省重污调〔2026〕1号", "示省重污调〔2026〕2号"]


def test_a_draft_with_problems_is_refused_naming_each(province: Context) -> None:
    office = province.province_office()
    assert province.province is not None
    with pytest.raises(InputInvalid) as caught:
        office.draft(
            title=" ",
            cities=["990100", "123400"],
            counties=["999901"],
            level=AlertLevel.ORANGE,
            start=at(7),
            end=at(6),
            reason="会商",
            by=province.province.person("高省值班"),
            now=at(4, 9),
        )
    text = str(caught.value)
    assert "标题：不能为空" in text
    assert "“123400”不是本省的市" in text
    assert "城东区（999901）所在的市不在调度范围内" in text
    assert "结束时间应晚于开始时间" in text
    assert office.directives() == []


def test_each_city_in_scope_receives_it_once_with_its_alert_drafted(province: Context) -> None:
    ref = _issued(province)
    for code in ("999900", "990100"):
        desk = province.city_context(code).directive_desk()
        [got] = desk.received()
        assert got.order.number == "示省重污调〔2026〕1号"
        assert got.order.measures == ("重点企业驻厂监管",)
        assert got.alert_id is not None
        [draft] = province.city_context(code).alerts().revisions(got.alert_id)
        assert draft.state.level is AlertLevel.ORANGE
        assert draft.state.kind is RevisionKind.ISSUE
        assert "示省重污调〔2026〕1号" in draft.reason
    assert province.city_context("990200").directive_desk().received() == []
    # handed over again (a retry): nothing new anywhere
    office = province.province_office()
    assert office.forward(at(4, 11)) == []
    d = office.directive(ref)
    order = province.city_context("990100").directive_desk().received()[0].order
    again = province.city_context("990100").directive_desk().receive(order, now=at(4, 12))
    assert again.received_at == at(4, 10)
    assert d.status is DirectiveStatus.ISSUED
    assert len(province.city_context("990100").alerts().alerts()) == 1


def test_the_citys_duty_officers_are_told_on_their_channels_once(province: Context) -> None:
    # 西岭市's notify folder cannot be written when the order arrives
    west = province.city_context("990200").settings.data_dir / "consultations" / "notify"
    west.parent.mkdir(parents=True)
    west.write_text("not a folder", encoding="utf-8")
    _issued(province, cities=["990100", "990200"])
    east = province.city_context("990100")
    [got] = east.directive_desk().received()
    assert got.told_at == at(4, 10)
    told = east.settings.data_dir / "consultations" / "notify" / "directives"
    [text] = [p.read_text(encoding="utf-8") for p in told.glob("*.txt")]
    assert text.startswith("省级调度令示省重污调〔2026〕1号（橙色预警）")
    assert "增加措施：重点企业驻厂监管。" in text
    assert "请于下达后2小时内报送启动情况" in text
    desk = province.city_context("990200").directive_desk()
    [late] = desk.received()
    assert late.told_at is None  # the channel failed: tried again
    west.unlink()
    assert desk.tell_pending(at(4, 11)) == 1
    assert desk.received()[0].told_at == at(4, 11)
    assert desk.tell_pending(at(4, 12)) == 0  # told once


def test_an_issue_that_defers_telling_tells_nobody_until_asked_and_then_each_once(
    province: Context,
) -> None:
    office = province.province_office()
    assert province.province is not None
    duty, boss = province.province.person("高省值班"), province.province.person("韩省主任")
    d = office.draft(
        title="调度令",
        cities=["990100", "990200"],
        level=AlertLevel.ORANGE,
        start=at(6),
        end=at(9),
        reason="省级会商研判",
        by=duty,
        now=at(4, 9),
    )
    office.act(d.id, DirectiveAction.SUBMIT, by=duty, now=at(4, 9))
    office.act(d.id, DirectiveAction.APPROVE, by=boss, now=at(4, 9))
    office.act(d.id, DirectiveAction.ISSUE, by=duty, now=at(4, 10), tell=False)
    desks = {c: province.city_context(c).directive_desk() for c in ("990100", "990200")}
    for desk in desks.values():  # every city has its order; no duty officer was told yet
        [got] = desk.received()
        assert got.told_at is None
    office.tell(at(4, 10), ["990100", "990200"])
    for desk in desks.values():
        assert desk.received()[0].told_at == at(4, 10)
    office.tell(at(4, 11), ["990100", "990200"])  # told once: nothing again
    assert desks["990100"].received()[0].told_at == at(4, 10)


def test_of_two_processes_telling_at_once_one_sends(province: Context) -> None:
    _issued(province, cities=["990100"])
    city = province.city_context("990100")
    with city.database().engine.begin() as conn:  # not yet told, as after a failed channel
        conn.execute(text("UPDATE received_directives SET told_at = NULL"))
    sent: list[str] = []
    barrier = threading.Barrier(2)

    def slow(key: str, subject: str, body: str) -> bool:
        sent.append(key)
        time.sleep(0.3)
        return True

    def telling() -> None:
        desk = city.directive_desk()
        desk.tell = slow
        barrier.wait()
        desk.tell_pending(at(4, 11))

    threads = [threading.Thread(target=telling) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent == ["directive:990000:1"]
    assert city.directive_desk().received()[0].told_at == at(4, 11)


def test_the_order_is_a_floor_in_its_window(province: Context) -> None:
    _issued(province)
    city = province.city_context("990100")
    duty = city.response.person("孙值班")
    [got] = city.directive_desk().received()
    assert got.alert_id is not None
    city.alerts().withdraw(got.alert_id, by=duty, now=at(4, 11), reason="另行起草")
    with pytest.raises(IllegalTransition, match="不低于橙色预警"):
        city.alerts().draft(
            Draft(
                kind=RevisionKind.ISSUE,
                level=AlertLevel.YELLOW,
                start=at(7),
                end=at(8),
                reason="x",
            ),
            by=duty,
            now=at(4, 11),
        )
    # after the window, or in a city it does not bind, a lower level is free
    later = city.alerts().draft(
        Draft(
            kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(9), end=at(10), reason="x"
        ),
        by=duty,
        now=at(4, 11),
    )
    assert later.state.level is AlertLevel.YELLOW
    other = province.city_context("990200")
    view = other.alerts().draft(
        Draft(kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(6), end=at(8), reason="x"),
        by=other.response.person("陈值班"),
        now=at(4, 11),
    )
    assert view.state.level is AlertLevel.YELLOW


def test_report_back_counts_and_chasing(province: Context) -> None:
    ref = _issued(province)
    office = province.province_office()
    late = office.board(ref, at(4, 13))
    assert all(owed for owed in late.owed.values())
    city = province.city_context("990100")
    city.lists().import_list(
        ROOT / "emission_lists" / "cities" / "990100.xlsx",
        effective_from=dt.date(2025, 10, 1),
        now=at(4, 9),
        by="管理员",
    )
    [got] = city.directive_desk().received()
    assert got.alert_id is not None
    alerts = city.alerts()
    alerts.submit(got.alert_id, by=city.response.person("孙值班"), now=at(4, 10))
    alerts.approve(got.alert_id, by=city.response.person("郑副市长"), now=at(4, 10))
    issued = alerts.issue(got.alert_id, by=city.response.person("孙值班"), now=at(4, 11))
    # the order's extra measures are in the city's bulletin, under its number
    bulletin = city.notices().document(
        got.alert_id, issued.revision.revision_id, NoticeKind.BULLETIN
    )
    text = re.sub(r"<[^>]+>", "", bulletin.body)
    assert "四、上级调度要求。" in text
    assert (
        "按照示例省重污染天气应急指挥部办公室《示省重污调〔2026〕1号》要求，"
        "增加以下措施：（一）重点企业驻厂监管。"
    ) in text
    assert "五、工作要求。" in text
    sent = city.directive_desk().report(at(4, 11))
    assert [r.kind for r in sent] == [ReportKind.START]
    board = office.board(ref, at(4, 13))
    standing = {s.city: s for s in board.cities}
    start = standing["990100"].start
    assert start is not None
    assert start.body["document_number"] == issued.revision.document_number
    assert start.body["orders"] == 40
    assert start.body["acknowledged"] == 0
    assert standing["990100"].alert_issued_at == at(4, 11)
    assert board.owed["990100"] == ()
    assert board.owed["999900"]
    assert "启动情况逾期" in board.owed["999900"][0]
    chased = office.chase(at(4, 13))
    assert [c for _, c, _ in chased] == ["999900"]
    assert office.chase(at(4, 14)) == []  # once a day
    assert province.city_context("999900").directive_desk().received()[0].chased_at == at(4, 13)
    # a report twice is one report
    city.directive_desk().report(at(4, 12))
    assert len([r for r in office.board(ref, at(4, 13)).cities if r.start]) == 1


def test_the_order_and_its_lifting_are_numbered_documents(province: Context) -> None:
    ref = _issued(province, cities=["990100", "990200"], counties=["990121"])
    name, html = province.directive_document(ref)
    text = re.sub(r"<[^>]+>", "", html)
    assert name == "调度令-示省重污调〔2026〕1号.html"
    assert "示例省重污染天气应急指挥部办公室" in text
    assert "示省重污调〔2026〕1号" in text
    assert "东川市、西岭市重污染天气应急指挥部办公室：" in text
    assert "东川市（安平县）、西岭市自2026年1月6日0时起" in text
    assert "二、增加管控措施。（一）重点企业驻厂监管。" in text
    assert "下达后2小时内报送启动情况" in text
    with pytest.raises(InputInvalid, match="尚未解除"):
        province.directive_document(ref, lift=True)
    assert province.province is not None
    province.province_office().act(
        ref,
        DirectiveAction.LIFT,
        by=province.province.person("韩省主任"),
        now=at(6, 10),
        reason="空气质量已明显好转",
    )
    name, html = province.directive_document(ref, lift=True)
    text = re.sub(r"<[^>]+>", "", html)
    assert name == "解除调度令-示省重污调〔2026〕2号.html"  # the same yearly sequence
    assert "关于解除示省重污调〔2026〕1号调度令的通知" in text
    assert "空气质量已明显好转。经研究，决定自2026年1月6日10时起解除" in text
    second = _issued(province, title="第二份")
    assert province.province_office().directive(second).number == "示省重污调〔2026〕3号"


def test_lifting_frees_the_floor_and_a_city_may_ask_first(province: Context) -> None:
    ref = _issued(province)
    office = province.province_office()
    assert province.province is not None
    city = province.city_context("990100")
    desk = city.directive_desk()
    with pytest.raises(InputInvalid, match="说明理由"):
        desk.request_lift(
            "990000", ref, reason=" ", by=city.response.person("吴主任"), now=at(6, 9)
        )
    desk.request_lift(
        "990000", ref, reason="实况已转良", by=city.response.person("吴主任"), now=at(6, 9)
    )
    board = office.board(ref, at(6, 10))
    asked = {s.city: s.lift_request for s in board.cities}["990100"]
    assert asked is not None
    assert asked.body["reason"] == "实况已转良"
    with pytest.raises(DirectiveRefused, match="理由"):
        office.act(
            ref, DirectiveAction.LIFT, by=province.province.person("韩省主任"), now=at(6, 10)
        )
    office.act(
        ref,
        DirectiveAction.LIFT,
        by=province.province.person("韩省主任"),
        now=at(6, 10),
        reason="应东川市申请，过程提前结束",
    )
    [got] = desk.received()
    assert got.lifted_at == at(6, 10)
    view = city.alerts().draft(
        Draft(kind=RevisionKind.ISSUE, level=AlertLevel.YELLOW, start=at(7), end=at(8), reason="x"),
        by=city.response.person("孙值班"),
        now=at(6, 11),
    )
    assert view.state.level is AlertLevel.YELLOW


def test_a_city_reports_only_on_orders_that_bind_it(province: Context) -> None:
    ref = _issued(province)
    office = province.province_office()
    from orchestrator.region.directives import CityReport

    with pytest.raises(NotFound, match="不涉及西岭市"):
        office.report(
            CityReport(
                ref=ref,
                city="990200",
                kind=ReportKind.START,
                day=None,
                body={},
                reported_at=at(4, 11),
            )
        )


def test_a_city_context_cannot_act_for_the_province_nor_the_province_for_a_city(
    province: Context,
) -> None:
    with pytest.raises(InputInvalid, match="请指明"):
        province.alerts()
    with pytest.raises(InputInvalid, match="不服务"):
        province.city_context("110100")


def test_an_order_naming_counties_binds_and_drafts_those_counties_alone(province: Context) -> None:
    # 东川市's 安平县 (990121) and 青河市 (990181); 示例市 whole
    _issued(province, counties=["990121", "990181"])
    east = province.city_context("990100")
    [got] = east.directive_desk().received()
    assert got.alert_id is not None
    office = east.alerts()
    [draft] = office.revisions(got.alert_id)
    assert draft.counties == ("安平县", "青河市")
    assert got.note == "已起草安平县、青河市橙色预警（1月6日0时至1月9日0时）"
    # the floor binds those counties: yellow there is refused, yellow in 东川区 is not
    duty = office.config.person("孙值班")
    office.withdraw(got.alert_id, by=duty, now=at(4, 11), reason="人工起草")

    def yellow(county: str) -> Draft:
        return Draft(
            kind=RevisionKind.ISSUE,
            level=AlertLevel.YELLOW,
            start=at(7),
            end=at(8),
            reason="会商",
            counties=(county,),
        )

    with pytest.raises(
        IllegalTransition, match="要求安平县、青河市1月6日0时至1月9日0时不低于橙色预警"
    ):
        office.draft(yellow("安平县"), by=duty, now=at(4, 11))
    free = office.draft(yellow("东川区"), by=duty, now=at(4, 11))
    assert free.counties == ("东川区",)
    # 示例市, named without counties, is bound whole
    [whole] = province.city_context("999900").directive_desk().received()
    assert whole.alert_id is not None
    assert province.city_context("999900").alerts().current(whole.alert_id).counties == ()


def test_a_request_to_lift_early_is_a_numbered_request_document_signed_by_its_asker(
    province: Context,
) -> None:
    ref = _issued(province)
    city = province.city_context("990100")
    desk = city.directive_desk()
    with pytest.raises(InputInvalid, match="没有请示"):
        city.request_document(ref)
    leader = city.response.person("吴主任")
    first = desk.request_lift("990000", ref, reason="实况已转良", by=leader, now=at(6, 9))
    second = desk.request_lift(
        "990000", ref, reason="1月6日12时起全市AQI持续低于100，预计维持", by=leader, now=at(6, 13)
    )
    assert (first.number, second.number) == (
        "东川重污应急〔2026〕请1号",
        "东川重污应急〔2026〕请2号",
    )
    assert [r.number for r in desk.requests("990000", ref)] == [first.number, second.number]
    # the province sees the newest, with its number
    board = province.province_office().board(ref, at(6, 14))
    asked = {s.city: s.lift_request for s in board.cities}["990100"]
    assert asked is not None
    assert asked.body["number"] == "东川重污应急〔2026〕请2号"
    name, html = city.request_document(ref)
    assert name == "请示-东川重污应急〔2026〕请2号.html"
    assert (
        '东川重污应急〔2026〕请2号</span><span>签发人：<span class="signer">吴主任</span>' in html
    )
    assert "<h1>关于提前解除示省重污调〔2026〕1号调度令的请示</h1>" in html
    assert '<p class="to">示例省重污染天气应急指挥部办公室：</p>' in html
    assert "1月6日12时起全市AQI持续低于100，预计维持。" in html
    assert "妥否，请批示。" in html
    assert "2026年1月6日" in html  # 成文日期: the day it was asked
    assert "（联系电话：" in html
    # the same number is never given twice, also once the order is lifted (nothing more to ask)
    office = province.province_office()
    assert province.province is not None
    office.act(
        ref,
        DirectiveAction.LIFT,
        by=province.province.person("韩省主任"),
        now=at(6, 15),
        reason="应东川市请示，过程提前结束",
    )
    with pytest.raises(DirectiveRefused, match="已解除"):
        desk.request_lift("990000", ref, reason="再次申请", by=leader, now=at(6, 16))
    assert len(desk.requests("990000", ref)) == 2
