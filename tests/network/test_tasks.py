"""Task notices (任务单) of the response network: who answers for what (against an oracle written
out here), one notice per unit and revision with its duties and its own items, the differences
an adjustment sends, the tasks a lift ends, and the folder they are written to (both databases)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import select

from orchestrator.alerts.model import AlertLevel
from orchestrator.db.tables import notices
from orchestrator.emissions.plans import entry_record, plan_for
from orchestrator.network.model import Duty, Matrix, Oversees, Unit, UnitKind
from orchestrator.network.tasks import (
    Item,
    ItemKind,
    TaskSheet,
    assign,
    changes,
    list_items,
    plan_item,
    tasked,
)
from orchestrator.response.model import Draft, RevisionKind
from tests.support.app import BASE, DUTY, MAYOR, app, issue_sample, load_list, office_of

Z = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, tzinfo=Z)


def _unit(uid: str, kind: UnitKind, **kw) -> Unit:
    return Unit(id=uid, name=uid, kind=kind, uscc=uid, **kw)


SMALL = Matrix(
    units=(
        _unit("zhujian", UnitKind.MEMBER, oversees=(Oversees.DUST_SITES,)),
        _unit("gongxin", UnitKind.MEMBER, oversees=(Oversees.ENTERPRISES,)),
        _unit("jiaoyu", UnitKind.MEMBER),
        _unit("county:甲县", UnitKind.COUNTY, county="甲县"),
        _unit("township:甲县/东镇", UnitKind.TOWNSHIP, county="甲县", township="东镇"),
    ),
    duties=(
        Duty(unit="jiaoyu", level=AlertLevel.RED, text="停课", done="通知全部学校"),
        Duty(unit="zhujian", level=AlertLevel.ORANGE, text="停土方", done="逐一检查"),
        Duty(unit="zhujian", level=AlertLevel.RED, text="停室外施工", done="逐一检查"),
    ),
)


def _item(kind: ItemKind, key: str, county: str, town: str = "", measure: str = "停产") -> Item:
    return Item(kind=kind, key=key, name=key, county=county, town=town, measure=measure)


def test_each_item_goes_to_the_units_that_answer_for_it():
    items = [
        _item(ItemKind.ENTERPRISE, "e1", "甲县", "东镇"),
        _item(ItemKind.ENTERPRISE, "e2", "甲县", "西镇"),  # no township of that name
        _item(ItemKind.ENTERPRISE, "e3", "乙县", "东镇"),  # no such county in the network
        _item(ItemKind.DUST_SITE, "s1", "甲县"),
        _item(ItemKind.TRANSPORT_USER, "t1", "甲县"),
    ]
    mine = {k: [i.key for i in v] for k, v in assign(SMALL, items).items()}
    assert mine == {
        "zhujian": ["s1"],
        "gongxin": ["e1", "e2", "e3"],
        "jiaoyu": [],
        "county:甲县": ["e1", "e2", "s1", "t1"],
        "township:甲县/东镇": ["e1"],
    }


def test_changes_compare_duties_by_text_and_items_by_key_and_measure():
    zhujian = SMALL.units[0]
    site = _item(ItemKind.DUST_SITE, "s1", "甲县", measure="停土方")
    gone = _item(ItemKind.DUST_SITE, "s2", "甲县", measure="停土方")
    new = _item(ItemKind.DUST_SITE, "s3", "甲县", measure="停室外施工")
    before = TaskSheet(unit=zhujian, level=AlertLevel.ORANGE,
                       duties=SMALL.duties_of("zhujian", AlertLevel.ORANGE), items=(site, gone))  # fmt: skip
    stronger = dataclasses.replace(site, measure="停室外施工")
    after = TaskSheet(unit=zhujian, level=AlertLevel.RED,
                      duties=SMALL.duties_of("zhujian", AlertLevel.RED), items=(stronger, new))  # fmt: skip
    c = changes(before, after)
    assert [d.text for d in c.duties_added] == ["停室外施工"]
    assert [d.text for d in c.duties_ended] == ["停土方"]
    assert [i.key for i in c.items_added] == ["s3"]
    assert [i.key for i in c.items_removed] == ["s2"]
    assert [(i.key, was) for i, was in c.items_changed] == [("s1", "停土方")]
    assert changes(after, after).none
    # who is sent a notice: on issue those with work; on an adjustment also those whose work
    # ends; on a lift those that had work
    empty = TaskSheet(unit=zhujian, level=AlertLevel.RED, duties=(), items=())
    assert tasked({"z": after, "y": empty}, None, lifted=False) == ["z"]
    assert tasked({"z": empty, "y": empty}, {"z": before, "y": empty}, lifted=False) == ["z"]
    assert tasked({"z": empty, "y": empty}, {"z": before, "y": empty}, lifted=True) == ["z"]


def _tasks(engine, revision_id: int) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(notices.c.uscc, notices.c.filename, notices.c.body).where(
                notices.c.revision_id == revision_id, notices.c.kind == "task"
            )
        ).all()
    for uscc, filename, _ in rows:
        assert filename == f"tasks/{uscc}.html"
    return {u: b for u, _, b in rows}


def _upgrade_and_lift(engine, alert_id: int) -> tuple[int, int]:
    office = office_of(engine)
    draft = Draft(kind=RevisionKind.UPGRADE, level=AlertLevel.RED, start=at(7), end=at(9),
                  reason="据最新会商，7日AQI将超过300", alert_id=alert_id)  # fmt: skip
    office.draft(draft, by=DUTY, now=at(6, 9))
    office.submit(alert_id, by=DUTY, now=at(6, 9))
    office.approve(alert_id, by=MAYOR, now=at(6, 10))
    red = office.issue(alert_id, by=DUTY, now=at(6, 11)).notices.revision_id
    lift = Draft(kind=RevisionKind.LIFT, level=AlertLevel.RED, start=at(9), end=None,
                 reason="空气质量已低于预警启动条件", alert_id=alert_id)  # fmt: skip
    office.draft(lift, by=DUTY, now=at(8, 16))
    office.submit(alert_id, by=DUTY, now=at(8, 16))
    office.approve(alert_id, by=MAYOR, now=at(8, 17))
    lifted = office.issue(alert_id, by=DUTY, now=at(8, 18)).notices.revision_id
    return red, lifted


def _named(body: str) -> set[str]:
    """The names in the notice's item tables (first column of rows after the head)."""
    return set(re.findall(r"<tr><td>([^<]+)</td>", body))


def test_an_issued_alert_sends_each_unit_its_duties_and_its_items(engine, tmp_path):
    alert_id, revision_id = issue_sample(engine)  # orange
    matrix, lst = BASE.network, load_list(engine, 1)
    tasks = _tasks(engine, revision_id)
    # every unit has a duty at orange: each gets one notice, under its own code
    assert set(tasks) == {u.uscc for u in matrix.units}
    plan = {e.uscc: e for e in plan_for(lst, AlertLevel.ORANGE).entries}
    for u in matrix.units:
        body = tasks[u.uscc]
        assert f'<p class="to">{u.name}：</p>' in body
        for d in matrix.duties_of(u.id, AlertLevel.ORANGE):
            assert f"<td>{d.text}</td><td>{d.done}</td>" in body
        # the oracle: what this unit answers for, straight from the list
        if u.kind is UnitKind.TOWNSHIP:
            own = [e for e in lst.enterprises if (e.county, e.town) == (u.county, u.township)]
            assert own
            assert _named(body) == {e.name for e in own}
            for e in own:
                summary = plan_item(entry_record(plan[e.uscc]), "").measure
                row = f"<td>{e.name}</td><td>{e.county}{e.town}</td><td>{e.grade.value}</td>"
                assert f"{row}<td>{summary}</td>" in body
        elif u.kind is UnitKind.COUNTY:
            sites = {s.name for s in lst.dust_sites if s.county == u.county}
            users = {t.name for t in lst.transport_users if t.county == u.county}
            firms = {e.name for e in lst.enterprises if e.county == u.county}
            assert len(firms) <= matrix.enterprises_listed  # the sample's counties are named whole
            assert _named(body) == sites | users | firms
        elif u.id == "zhujian":
            assert _named(body) == {s.name for s in lst.dust_sites}
            assert "负责督促落实的扬尘源工地（30处）" in body
        elif u.id in ("jiaotong", "jiaojing"):
            assert _named(body) == {t.name for t in lst.transport_users}
        elif u.id == "gongxin":  # 300 firms: counted by township, each township names its own
            assert "负责督促落实的清单企业（300家，按乡镇（街道）统计" in body
            assert not _named(body) & {e.name for e in lst.enterprises}
        else:
            assert _named(body) == set(), u.id
        assert "每日16时前" in body
        assert f"/ack/{alert_id}.{u.uscc}." in body
    # numbered after the bulletin, in the network's order
    first = matrix.units[0]
    assert "示重污应急〔2026〕1-任1号" in tasks[first.uscc]
    # the folder the notices are written to has them under tasks/
    written = app(engine).notices().write(alert_id, tmp_path)
    assert written.tasks == len(matrix.units)
    assert sorted(p.name for p in (tmp_path / "tasks").iterdir()) == sorted(
        f"{u.uscc}.html" for u in matrix.units
    )


def test_an_upgrade_sends_what_changed_and_a_lift_ends_the_tasks(engine):
    alert_id, _ = issue_sample(engine)
    red, lifted = _upgrade_and_lift(engine, alert_id)
    matrix, lst = BASE.network, load_list(engine, 1)
    zhujian = matrix.unit("zhujian")
    adjusted = _tasks(engine, red)
    assert set(adjusted) == {u.uscc for u in matrix.units}
    body = adjusted[zhujian.uscc]
    assert "重污染天气应急响应任务单（升级）" in body
    assert "由橙色预警（Ⅱ级应急响应）升级为红色预警（Ⅰ级应急响应）" in body
    (orange,) = matrix.duties_of("zhujian", AlertLevel.ORANGE)
    (red_duty,) = matrix.duties_of("zhujian", AlertLevel.RED)
    assert f"<p>新增任务：{red_duty.text}。</p>" in body
    assert f"<p>停止执行：{orange.text}。</p>" in body
    # the sites whose measure differs between orange and red, each named with both
    differ = [
        s for s in lst.dust_sites
        if {m.level: m.text for m in s.measures}.get(AlertLevel.ORANGE)
        != {m.level: m.text for m in s.measures}.get(AlertLevel.RED)
    ]  # fmt: skip
    assert len(differ) == 30  # the sample's sites all do more at red
    assert f"措施调整{len(differ)}处（家）" in body
    assert (
        "示例市鑫华大厦项目由“停止土石方、拆除、室外喷涂作业，渣土车禁止上路”调整为“停止一切室外施工作业”"
        in body
    )
    # a unit whose duty is the same text at both levels is told nothing changed in its duties
    same = [u for u in matrix.units
            if {d.text for d in matrix.duties_of(u.id, AlertLevel.ORANGE)}
            == {d.text for d in matrix.duties_of(u.id, AlertLevel.RED)}]  # fmt: skip
    for u in same:
        assert "新增任务" not in adjusted[u.uscc]
        assert "停止执行：" not in adjusted[u.uscc]
    # the lift: every unit that had work is told it ends, with the red duties it stops
    ended = _tasks(engine, lifted)
    assert set(ended) == {u.uscc for u in matrix.units}
    body = ended[zhujian.uscc]
    assert "重污染天气应急响应任务解除通知" in body
    assert f"<td>{red_duty.text}</td>" in body
    assert "扬尘源工地" not in body  # the sites are no longer listed


def test_list_items_take_the_level_s_measures(engine):
    from tests.support.app import SAMPLE, do_import

    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    orange = list_items(lst, AlertLevel.ORANGE)
    assert {i.kind for i in orange} == {ItemKind.DUST_SITE, ItemKind.TRANSPORT_USER}
    assert len(orange) == 70
    # what the task notices read straight from the stored records is the same
    from orchestrator.network.tasks import source_item

    with app(engine).uow()() as uow:
        rows = uow.lists.source_rows(BASE.office.region_code, 1, AlertLevel.ORANGE)
    assert [source_item(r) for r in rows] == orange
    anything = list_items(lst)
    assert len(anything) == 370
    assert all(i.measure == "" for i in anything)
