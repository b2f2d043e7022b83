"""Drill mode end to end on the sample scenario: five simulated days through the real pipeline
— consultations drafting issue, upgrade, downgrade and lift, each approved by the person its
level needs, notices delivered only to the folder, enterprises answering, the assessment — in
its own database, with every notice, message and report marked as a drill."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from orchestrator.bootstrap import bootstrap
from orchestrator.clock import FixedClock
from orchestrator.db.database import make_engine
from orchestrator.db.tables import (
    acknowledgements,
    consultations,
    control_round_entries,
    deliveries,
    notices,
)
from orchestrator.drill.run import Drill
from orchestrator.drill.scenario import Scenario
from orchestrator.errors import ConfigInvalid
from orchestrator.settings import load_settings
from tests.support.app import office_of
from tests.support.base import ROOT, ZONE, at

SCENARIO = ROOT / "samples" / "drill" / "scenario.toml"


@pytest.fixture(scope="module")
def drilled(tmp_path_factory) -> dict[str, Any]:
    """The sample drill run once, at a pace of one real second per simulated hour (asleep on
    a recorder, so that the test does not wait)."""
    tmp = tmp_path_factory.mktemp("drill")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ORCHESTRATOR_DATA_DIR", str(tmp / "data"))
        context = bootstrap(load_settings(), FixedClock(at(1)))
    slept: list[float] = []
    said: list[tuple[dt.datetime, str]] = []
    drill = Drill(
        context,
        Scenario.load(SCENARIO, ROOT),
        tmp / "out",
        database=tmp / "data" / "drill.db",
        pace=1.0,
        pdf=False,
        say=lambda when, text: said.append((when, text)),
        sleep=slept.append,
    )
    result = drill.run()
    return {"tmp": tmp, "result": result, "slept": slept, "said": said, "drill": drill}


def test_the_drill_walks_through_issue_upgrade_downgrade_and_lift(drilled):
    result = drilled["result"]
    engine = make_engine(f"sqlite:///{drilled['tmp'] / 'data' / 'drill.db'}")
    views = office_of(engine).revisions(result.alert_id)
    assert [(v.state.kind.value, v.state.level.value) for v in views] == [
        ("issue", "orange"),
        ("upgrade", "red"),
        ("downgrade", "yellow"),
        ("lift", "yellow"),
    ]
    assert result.documents == [f"示重污应急〔2026〕{n}号" for n in range(1, 5)]
    # each approved by the person the level needs (config/approval.toml): red by the mayor
    assert [v.state.approved_by for v in views] == ["王副市长", "赵市长", "王副市长", "王副市长"]
    # one consultation a day, on the simulated clock, by the drill
    with engine.connect() as conn:
        slots = conn.execute(
            select(consultations.c.slot, consultations.c.trigger).order_by(consultations.c.slot)
        ).all()
    assert [s.astimezone(ZONE) for s, _ in slots] == [at(d, 16) for d in range(3, 8)]
    assert {t for _, t in slots} == {"drill"}
    # the simulated hours were slept through at the pace asked: 1 s an hour, from 3 Jan 16:00
    last = drilled["said"][-1][0]
    assert sum(drilled["slept"]) == pytest.approx((last - at(3, 16)).total_seconds() / 3600)
    assert drilled["said"][0][1].startswith("演练开始：示例市2026年1月重污染天气应急演练")


def test_nothing_leaves_the_machine_and_the_answers_are_recorded(drilled):
    result = drilled["result"]
    engine = make_engine(f"sqlite:///{drilled['tmp'] / 'data' / 'drill.db'}")
    with engine.connect() as conn:
        channels = set(conn.execute(select(deliveries.c.channel).distinct()).scalars())
        orders = conn.execute(select(func.count()).where(notices.c.kind == "order")).scalar_one()
        acked = conn.execute(
            select(func.count()).where(acknowledgements.c.revision_id.is_not(None))
        ).scalar_one()
        # the staggered-production season's notice, announced at the drill's start, signed too
        round_acked = conn.execute(
            select(func.count()).where(acknowledgements.c.round_id.is_not(None))
        ).scalar_one()
        notified = conn.execute(
            select(func.count()).select_from(control_round_entries)
        ).scalar_one()
        escalations = conn.execute(
            select(func.count()).where(deliveries.c.reason == "escalation")
        ).scalar_one()
    assert channels == {"folder"}  # forced, whatever each enterprise's channel is
    assert orders == 900  # issue, upgrade, downgrade: 300 each; a lift has no orders
    assert result.orders_delivered == 900
    assert acked == result.acknowledged + result.units_acknowledged  # the units sign too
    assert result.units_acknowledged > 0
    assert 0 < round_acked < notified
    # the scenario: 90 % sign in time and 5 % late, so between 85 % and 100 % sign in all
    assert 0.85 * orders <= result.acknowledged < orders
    assert escalations > 0  # those not signed by the deadline went out again
    assert result.escalated > 0
    outbox = drilled["tmp"] / "out" / "outbox"
    assert len(list(outbox.glob("revision-*/*.order.html"))) == 900
    assert len(list(outbox.glob("round-1/*.order.html"))) == notified  # the season's notices
    # the installation's own database was never made
    assert not (drilled["tmp"] / "data" / "orchestrator.db").exists()


def test_every_notice_message_and_report_is_marked_as_a_drill(drilled):
    out = drilled["tmp"] / "out"
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 1800
    unmarked = []
    for p in files:
        if p.suffix == ".xlsx":  # the daily roll-ups' workbooks: their title
            import openpyxl

            title = openpyxl.load_workbook(p).active["A1"].value
            if not str(title).startswith("【演练】"):
                unmarked.append(p)
            continue
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".xml":
            if "<status>Exercise</status>" not in text:
                unmarked.append(p)
        elif "演练" not in text:
            unmarked.append(p)
    assert unmarked == []
    sms = (out / "notices" / "01-issue" / "sms.txt").read_text(encoding="utf-8")
    assert sms.startswith("【演练】【示例市】")
    order = next((out / "outbox").rglob("*.order.txt")).read_text(encoding="utf-8")
    assert order.startswith("【演练】")
    duty = next((out / "duty").rglob("*.txt")).read_text(encoding="utf-8")
    assert duty.startswith("【演练】")
    report = (out / "效果评估-预警1.html").read_text(encoding="utf-8")
    assert "本报告为应急演练评估" in report
    assert "示重污应急〔2026〕4号" in report


def test_the_real_notices_are_not_marked(drilled):
    """The drill's flag belongs to its own templates: the installation's stay unmarked."""
    context = drilled["drill"].context
    real = dataclasses.replace(context, drill=False)
    assert real.templates().globals["drill"] is False
    assert context.templates().globals["drill"] is True
    sms = real.templates().get_template("notices/sms.txt")
    text = sms.render(
        region_name="示例市", start="1月5日0时", action="启动", level_title="重污染天气橙色预警", band=False,
        end="1月8日0时", document_number="示重污应急〔2026〕1号",
    )  # fmt: skip
    assert text.startswith("【示例市】")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("days = 5", "days = 0"), "days: 须在1到30之间"),
        (("late = 0.05", "late = 0.2"), "acknowledge与late之和不能超过1"),
        (("report = 0.8", "report = 1.5"), "enterprises.report: 须在0到1之间"),
        (('consult_at = "16:00"', 'consult_at = "下午四点"'), "consult_at: 应为HH:MM"),
        (('stations = "samples/stations"', 'stations = "samples/nowhere"'), "stations:"),
        (('title = "示例市', 'titel = "示例市'), "title: 缺少或类型不对"),
    ],
)
def test_a_bad_scenario_names_the_key(tmp_path, change, message):
    text = SCENARIO.read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / "s.toml"
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(ConfigInvalid) as exc:
        Scenario.load(path, ROOT)
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)
