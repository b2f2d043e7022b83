"""The province's 调度令 as values: a draft's mistakes named by field, the lifecycle under the
four-eyes rule and the roles, and the floor it sets county by county while it is in force."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from orchestrator.alerts.model import AlertLevel
from orchestrator.region.directives import (
    Actor,
    Directive,
    DirectiveAction,
    DirectiveRefused,
    DirectiveStatus,
    ProvincialRole,
    Scope,
    act,
    allowed,
    floor,
    problems,
)
from tests.region.test_regions import SAMPLE, tree_of
from tests.support.base import ZONE

TREE = tree_of({**SAMPLE, "serves": "990000"})
T0 = dt.datetime(2026, 1, 5, 12, tzinfo=ZONE)
DUTY = Actor(name="省值班刘", role=ProvincialRole.DUTY)
DIRECTOR = Actor(name="省主任陈", role=ProvincialRole.DIRECTOR)
DEPUTY = Actor(name="省副主任孙", role=ProvincialRole.DIRECTOR)


def draft(**kw) -> Directive:
    base = {
        "id": 1,
        "title": "关于启动重污染天气橙色预警的调度令",
        "scope": Scope(cities=("999900", "990100")),
        "level": AlertLevel.ORANGE,
        "start": T0 + dt.timedelta(hours=12),
        "end": T0 + dt.timedelta(days=3),
        "measures": ("对排放大户实施驻厂监管", "加大排放大户协商减排力度"),
        "reason": "省级会商：6日至8日区域性重污染过程",
        "report_within_hours": 2,
        "daily_report_by": dt.time(16),
        "drafted_by": DUTY.name,
    }
    return Directive(**{**base, **kw})


def issued(d: Directive, number: str = "示省重污调〔2026〕1号") -> Directive:
    d = act(d, DirectiveAction.SUBMIT, DUTY, T0)
    d = act(d, DirectiveAction.APPROVE, DIRECTOR, T0)
    return act(d, DirectiveAction.ISSUE, DUTY, T0, number=number)


def test_a_sound_draft_has_no_problems_and_each_mistake_names_its_field():
    assert problems(draft(), TREE) == []
    found = problems(
        draft(
            title=" ",
            end=T0,
            scope=Scope(cities=("990100", "123400"), counties=("990221",)),
            report_within_hours=0,
            measures=("", "驻" * 201),
        ),
        TREE,
    )
    assert found == [
        "标题：不能为空",
        "时段：结束时间应晚于开始时间",
        "范围：“123400”不是本省的市",
        "范围：石门县（990221）所在的市不在调度范围内",
        "启动情况报送时限：应为1至72小时",
        "措施第1条：不能为空",
        "措施第2条：不能超过200个字",
    ]


def test_the_lifecycle_keeps_four_eyes_and_roles():
    d = draft()
    assert allowed(d) == (DirectiveAction.SUBMIT, DirectiveAction.WITHDRAW)
    d = act(d, DirectiveAction.SUBMIT, DUTY, T0)
    assert d.status is DirectiveStatus.SUBMITTED
    with pytest.raises(DirectiveRefused, match="省级值班人员不能批准"):
        act(d, DirectiveAction.APPROVE, Actor(name="另一值班", role=ProvincialRole.DUTY), T0)
    # a director who drafted may not approve his own
    own = act(draft(drafted_by=DIRECTOR.name), DirectiveAction.SUBMIT, DIRECTOR, T0)
    with pytest.raises(DirectiveRefused, match="双人审核"):
        act(own, DirectiveAction.APPROVE, DIRECTOR, T0)
    assert act(own, DirectiveAction.APPROVE, DEPUTY, T0).approved_by == DEPUTY.name
    with pytest.raises(DirectiveRefused, match="不能发布"):
        act(d, DirectiveAction.ISSUE, DUTY, T0, number="1")
    with pytest.raises(DirectiveRefused, match="退回调度令须说明理由"):
        act(d, DirectiveAction.REJECT, DIRECTOR, T0)
    back = act(d, DirectiveAction.REJECT, DIRECTOR, T0, reason="范围应含西岭市")
    assert back.status is DirectiveStatus.DRAFT
    done = issued(draft())
    assert done.status is DirectiveStatus.ISSUED
    assert (done.number, done.issued_at, done.approved_by) == (
        "示省重污调〔2026〕1号",
        T0,
        DIRECTOR.name,
    )
    with pytest.raises(DirectiveRefused, match="省级值班人员不能解除"):
        act(done, DirectiveAction.LIFT, DUTY, T0, reason="过程结束", number="示省重污调〔2026〕2号")
    with pytest.raises(DirectiveRefused, match="解除调度令须有文号"):
        act(done, DirectiveAction.LIFT, DIRECTOR, T0, reason="过程结束")
    lifted = act(
        done,
        DirectiveAction.LIFT,
        DIRECTOR,
        T0 + dt.timedelta(days=1),
        reason="过程结束",
        number="示省重污调〔2026〕2号",
    )
    assert lifted.status is DirectiveStatus.LIFTED
    assert lifted.lift_reason == "过程结束"
    assert lifted.lift_number == "示省重污调〔2026〕2号"
    assert allowed(lifted) == ()


def test_the_floor_binds_county_by_county_while_in_force():
    citywide = issued(draft(id=1, scope=Scope(cities=("999900",))))
    # a red order for one county of 东川市 only, from the second day
    one_county = issued(
        draft(id=2, level=AlertLevel.RED, scope=Scope(cities=("990100",), counties=("990121",)),
              start=T0 + dt.timedelta(days=1)),
        number="示省重污调〔2026〕2号",
    )  # fmt: skip
    orders = [citywide, one_county]
    day1, day2 = T0 + dt.timedelta(hours=13), T0 + dt.timedelta(days=1, hours=1)
    assert floor(orders, TREE, "999901", T0) is None  # not yet in force
    assert floor(orders, TREE, "999901", day1) == citywide  # 示例市's 城东区
    assert floor(orders, TREE, "990121", day1) is None  # 东川市 names 安平县 only in order 2
    assert floor(orders, TREE, "990121", day2) == one_county
    assert floor(orders, TREE, "990102", day2) is None  # 东川区: not named
    assert floor(orders, TREE, "990202", day2) is None  # 西岭市: not in scope
    assert floor(orders, TREE, "999900", day1) == citywide  # the city as a whole
    assert floor(orders, TREE, "999901", T0 + dt.timedelta(days=3)) is None  # ended
    lifted = act(citywide, DirectiveAction.LIFT, DIRECTOR, day1, reason="过程结束", number="3号")
    assert floor([lifted, one_county], TREE, "999901", day2) is None
    # a draft binds nothing
    assert floor([dataclasses.replace(citywide, status=DirectiveStatus.APPROVED)], TREE,
                 "999901", day1) is None  # fmt: skip
