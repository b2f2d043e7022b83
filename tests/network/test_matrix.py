"""The response network's matrix: the sample read whole (units, counties, two or more townships
each, duties at every level), every mistake named with its file and key, and what each unit
answers for in the sample list (on both databases)."""

from __future__ import annotations

import tomllib

import pytest

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.bootstrap.config_files import load_network
from orchestrator.emissions.registries import site_key
from orchestrator.errors import ConfigInvalid
from orchestrator.network.config import matrix_from_mapping
from orchestrator.network.model import UnitKind, unplaced
from orchestrator.network.tasks import charges
from tests.support.app import BASE, CITY, SAMPLE, do_import, load_list
from tests.support.base import ROOT

CONFIG = ROOT / "config" / "network.toml"
SHIPPED = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
MEMBERS = {"zhujian", "jiaotong", "jiaojing", "chengguan", "gongxin", "jiaoyu", "shangwu",
           "weijian", "qixiang", "xuanchuan"}  # fmt: skip


def test_the_sample_network_has_the_units_the_plan_names():
    matrix = load_network(ROOT / "config", CITY)
    assert matrix is not None
    assert {u.id for u in matrix.units if u.kind is UnitKind.MEMBER} == MEMBERS
    assert {u.county for u in matrix.units if u.kind is UnitKind.COUNTY} == set(CITY.counties)
    for county in CITY.counties:
        towns = [u for u in matrix.units if u.kind is UnitKind.TOWNSHIP and u.county == county]
        assert len(towns) >= 2
    for u in matrix.units:
        assert u.phone, u.id
        for level in ALERT_LEVELS:
            if (u.id, level) != ("shangwu", AlertLevel.YELLOW):
                assert matrix.duties_of(u.id, level), (u.id, level)
    # every duty says what counts as done
    assert all(d.done for d in matrix.duties)
    assert BASE.network == matrix


def test_each_unit_answers_for_its_part_of_the_list(engine):
    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    matrix = BASE.network
    c = charges(matrix, lst)
    assert len(c["zhujian"].dust_sites) == 30
    assert c["jiaotong"].transport_users == c["jiaojing"].transport_users
    assert len(c["jiaotong"].transport_users) == 40
    assert len(c["gongxin"].enterprises) == 300
    assert c["jiaoyu"].empty
    # the counties and townships partition the list between them
    counties = [u.id for u in matrix.units if u.kind is UnitKind.COUNTY]
    assert sorted(u for k in counties for u in c[k].enterprises) == sorted(
        e.uscc for e in lst.enterprises
    )
    assert sorted(s for k in counties for s in c[k].dust_sites) == sorted(
        site_key(s.county, s.name) for s in lst.dust_sites
    )
    towns = [u.id for u in matrix.units if u.kind is UnitKind.TOWNSHIP]
    assert sorted(u for k in towns for u in c[k].enterprises) == sorted(
        e.uscc for e in lst.enterprises
    )
    e = lst.enterprises[0]
    assert e.uscc in c[f"township:{e.county}/{e.town}"].enterprises
    assert unplaced(matrix, lst) == []


U1, U2 = "11999900100070014A", "119999001001400270"  # valid codes (the shipped file's first two)


def _with(**changes):
    return {**SHIPPED, **changes}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(duties={"orange": {"huanbao": [{"text": "x", "done": "y"}]}}), "duties.orange.huanbao: unknown unit"),
        (_with(duties={"purple": {}}), "duties.purple: a level is yellow, orange or red"),
        (_with(duties={"orange": {"zhujian": [{"text": "停工"}]}}), r"duties.orange.zhujian\[0\]: a duty needs text and done"),
        (_with(counties=[{"name": "外县"}]), r"counties\[0\].name: “外县” is not one of city.toml's counties"),
        (_with(counties=[{"name": "城东区", "uscc": U1, "townships": ["东关街道", "东关街道"]}]), "a township is given twice"),
        (_with(members=[{"id": "zhujian", "name": "住建", "oversees": ["sites"]}]), r"members\[0\].oversees: “sites” is unknown"),
        (_with(members=[{"id": "zhu jian", "name": "住建"}]), "must be a plain identifier"),
        (_with(members=[{"id": "a", "name": "甲", "uscc": U1}, {"id": "a", "name": "乙", "uscc": U2}], duties={}), "unit “a” is given twice"),
        (_with(members=[{"id": "a", "name": "甲"}], duties={}), r"members\[0\].uscc: “” is not a valid 统一社会信用代码"),
        (_with(members=[{"id": "a", "name": "甲", "uscc": U1[:-1] + "0"}], duties={}), r"members\[0\].uscc: .* is not a valid"),
        (_with(counties=[{"name": "城东区", "uscc": U1, "townships": [{"name": "东关街道", "uscc": "X"}]}]), r"counties\[0\].townships\[0\].uscc"),
        (_with(members=[{"id": "a", "name": "甲", "uscc": U1}, {"id": "b", "name": "乙", "uscc": U1}], duties={}, counties=[]), r"is given to more than one unit \(甲、乙\)"),
        (_with(daily={"report_by": "25:00"}), "daily.report_by: “25:00” is no time"),
        (_with(tasks={"enterprises_listed": -1}), "tasks.enterprises_listed"),
        (_with(member=[]), "member: unknown key"),
    ],
)  # fmt: skip
def test_a_mistake_in_the_matrix_is_named_with_file_and_key(data, message):
    with pytest.raises(ConfigInvalid, match=message) as err:
        matrix_from_mapping(data, source=str(CONFIG), counties=CITY.counties)
    assert str(err.value).startswith(str(CONFIG))


def test_the_bulletin_is_addressed_and_tasked_by_the_matrix(engine):
    """主送 and 工作要求 of the issued bulletin come from the network at the alert's level."""
    from sqlalchemy import select

    from orchestrator.db.tables import notices
    from tests.support.app import issue_sample

    issue_sample(engine)  # orange
    with engine.connect() as conn:
        body = conn.execute(select(notices.c.body).where(notices.c.kind == "bulletin")).scalar_one()
    matrix = BASE.network
    members = [u.name for u in matrix.units if u.kind is UnitKind.MEMBER]
    assert f"各县（市、区）人民政府，{'、'.join(members)}：" in body
    duties = [
        (u.name, matrix.duties_of(u.id, AlertLevel.ORANGE))
        for u in matrix.units
        if u.kind is UnitKind.MEMBER
    ]
    for i, (name, own) in enumerate(duties, start=1):
        from orchestrator.notices.render import cn_number

        assert f"（{cn_number(i)}）{name}：{own[0].text}" in body
    assert (
        f"（{cn_number(len(duties) + 1)}）各县（市、区）人民政府：组织属地落实各项减排措施" in body
    )
    assert "市直有关部门，各有关单位" not in body


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五"), (100, "100")]
)
def test_items_are_numbered_as_documents_number_them(n, text):
    from orchestrator.notices.render import cn_number

    assert cn_number(n) == text


def test_network_check_names_a_unit_that_has_an_enterprise_s_code(tmp_path, monkeypatch):
    """A unit given a listed enterprise's 统一社会信用代码 would have its receipts and reports
    filed with the enterprise's: the check names both."""
    import shutil

    from tests.support.cli import run

    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    text = CONFIG.read_text(encoding="utf-8")
    zhujian = BASE.network.unit("zhujian")
    firm = "91999900MA0000002C"  # 示例市通鑫水泥有限公司 in the sample list
    (config / "network.toml").write_text(text.replace(zhujian.uscc, firm), encoding="utf-8")
    monkeypatch.setenv("ORCHESTRATOR_CONFIG_DIR", str(config))
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    run("list", "import", str(SAMPLE), "--effective-from", "2025-10-01")
    out = run("network", "check")
    assert "统一社会信用代码与清单企业相同的单位：1个" in out
    assert f"  市住房和城乡建设局（{firm}）：与示例市通鑫水泥有限公司相同" in out
