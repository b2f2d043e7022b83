"""Command line of the demo: ``orchestrator demo`` runs the main job end to end on sample data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestrator.alerts.model import AlertLevel, graded
from orchestrator.cli.common import context_of
from orchestrator.clock import FixedClock
from orchestrator.delivery.config import ChannelConfig
from orchestrator.delivery.model import Scope
from orchestrator.emissions.model import MeasureKind
from orchestrator.errors import OrchestratorError
from orchestrator.notices.model import PdfUnavailable
from orchestrator.response.model import cn_instant

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context
    from orchestrator.delivery.worker import DeliveryWorker


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/demo"),
    show_default=True,
    help="通知的输出目录。",
)
@click.option(
    "--province",
    is_flag=True,
    help="运行省级流程：省级调度令下达三个市，各市发布预警并上报，省级查看落实情况。",
)
@click.pass_context
def demo_command(ctx: click.Context, out_dir: Path, province: bool) -> None:
    """用示例数据完整运行主要流程：清单、会商、预警、通知、投递。

    新建SQLite数据库（data/demo.db），导入示例应急减排清单，向所涉企业通知正在执行的错峰生产，对随附的示例预报开展每日会商（输出会商意见并起草其建议的预警），由值班人员提交、另一人批准（减排核算只计预警在错峰生产之外增加的部分）并发布，全部通知写入目录并经文件渠道投递，最后输出汇总。

    加 --province 运行省级流程（省级平台：示例省及其三个市），数据库为 data/demo-province*.db。

    \b
    示例：
      orchestrator demo
      orchestrator demo --province
    """
    base = context_of(ctx)
    if province:
        _province_demo(base, out_dir)
        return
    settings = base.settings
    zone = settings.zone
    db = settings.data_dir / "demo.db"
    context = base.on_fresh(db)
    # the enterprises' links open on this machine's server (`orchestrator serve`, port 8000)
    local = dataclasses.replace(context.office, acknowledge_base=LOCAL_ACK)
    context = dataclasses.replace(
        context, response=dataclasses.replace(context.response, office=local)
    )
    if out_dir.exists():
        shutil.rmtree(out_dir)
    now = dt.datetime(2026, 1, 4, 16, 0, tzinfo=zone)
    sample_list = settings.emission_lists_dir / "sample_list.xlsx"
    result = context.lists().import_list(
        sample_list, effective_from=dt.date(2025, 10, 1), now=now, by="示例管理员"
    )
    assert result.revision is not None
    click.echo(
        f"1. 导入应急减排清单：{sample_list.name}，第{result.revision.number}版，企业{result.enterprises}家、生产线{result.lines}条"
    )

    worker = _worker(context, out_dir, now)
    _controls(context, worker, now)

    consultant = context.consultant()
    consulted = consultant.consult(slot=now, now=now)
    rec = consulted.record
    if consulted.alert_id is None or rec["recommendation"]["level"] is None:
        raise OrchestratorError("示例预报未达到预警条件")
    level = AlertLevel(rec["recommendation"]["level"])
    hint = ""
    try:
        opinion = consultant.write(consulted, out_dir, pdf=True)
    except PdfUnavailable as exc:
        hint = f"   提示：{exc}；仅生成HTML"
        opinion = consultant.write(consulted, out_dir, pdf=False)
    source = Path(rec["provenance"]["forecast"]["location"]).name
    click.echo(
        f"3. {now.month}月{now.day}日{now.hour}时会商（{source}）：{rec['recommendation']['headline']}；"
        f"会商意见 {opinion[-1]}，系统已起草预警{consulted.alert_id}"
    )
    if hint:
        click.echo(hint)

    duty = context.response.person("张值班")
    second = context.response.person("赵市长" if level is AlertLevel.RED else "王副市长")
    office = context.alerts()
    alert_id = consulted.alert_id
    office.submit(alert_id, by=duty, now=now)
    approval = office.approve(alert_id, by=second, now=now + dt.timedelta(minutes=30))
    issued = office.issue(alert_id, by=duty, now=now + dt.timedelta(hours=1))
    click.echo(
        f"4. {duty.name}审核提交、{second.name}批准、{duty.name}发布{graded(level, context.ruleset().response_for(level))}，"
        f"文号{issued.revision.document_number}"
    )
    for w in issued.warnings:
        click.echo(f"   提示：{w}")

    notices = context.notices()
    try:
        written = notices.write(alert_id, out_dir, pdf_base=settings.templates_dir)
    except PdfUnavailable as exc:
        click.echo(f"   提示：{exc}；仅生成HTML")
        written = notices.write(alert_id, out_dir)
    click.echo(
        f"5. 通知已写入 {out_dir}：{'、'.join(p.name for p in written.documents)}，应急响应指令{written.orders}份（orders/）"
        + (f"，成员单位和县乡任务单{written.tasks}份（tasks/）" if written.tasks else "")
    )

    issued_at = issued.revision.state.issued_at or now
    _delivery(context, worker, alert_id, out_dir, issued_at)

    assert approval.check is not None
    plan = office.frozen_plan(approval.revision.revision_id)
    grades = Counter(e["grade"] for e in plan)
    kinds = Counter(
        MeasureKind(ln["measure"]["kind"]).label for e in plan for ln in e["lines"] if ln["measure"]
    )
    click.echo("7. 汇总")
    click.echo(
        "   企业按绩效等级："
        + "，".join(f"{g} {n}家" for g, n in sorted(grades.items(), key=lambda x: -x[1]))
    )
    click.echo("   生产线按措施类型：" + "，".join(f"{k} {n}条" for k, n in kinds.most_common()))
    if context.network is not None:
        _, tasked = context.unit_receipts().states(alert_id)
        codes = {u.code for u in tasked}
        by_kind = Counter(u.kind.label for u in context.network.units if u.uscc in codes)
        click.echo(
            f"   成员单位和县乡任务单{len(tasked)}份："
            + "，".join(f"{k}{n}个" for k, n in by_kind.items())
            + f"（每日调度：orchestrator daily --alert {alert_id}）"
        )
    if approval.check.controls:
        start = cn_instant(approval.revision.state.start, zone, year=False)
        controls = "、".join(f"《{t}》" for t in approval.check.controls)
        click.echo(f"   减排量核算：按{start}的情况，扣除{controls}已要求的减排量")
    for s, v in approval.check.species.items():
        already = (
            f"，另有{v.already_controlled_kg_d:g}千克/日已由常态化管控要求、不计入"
            if v.already_controlled_kg_d
            else ""
        )
        click.echo(
            f"   {s.label}：减排{v.reduction_kg_d:g}千克/日{already}，占全社会排放量{v.ratio:.1%}（目标{v.target:.0%}，{'达标' if v.met else '未达标'}）"
        )
    click.echo(f"   数据库：数据目录下的{db.name}（ORCHESTRATOR_DATA_DIR，默认 data/）")
    click.echo(
        f"8. 后续命令查看本示例的数据，在命令前加 ORCHESTRATOR_DATABASE_URL=sqlite:///data/{db.name}"
        "（数据目录为默认的 data/ 时），例如查看回执：orchestrator receipts --alert 1；"
        "以同样方式运行 orchestrator serve 后，outbox 中各份指令的签收链接"
        f"（{LOCAL_ACK}/…）可在本机浏览器打开"
    )


def _worker(context: Context, out_dir: Path, now: dt.datetime) -> DeliveryWorker:
    """The demo's delivery worker: every notice through the folder channel (nothing leaves the
    machine)."""
    folder = ChannelConfig(
        "folder", "folder", {"kind": "folder", "path": str(out_dir.resolve() / "outbox")}
    )
    config = dataclasses.replace(
        context.delivery,
        channels={**context.delivery.channels, "folder": folder},
        force_channel="folder",
    )
    return context.delivery_worker(config, FixedClock(now))


def _delivery(
    context: Context,
    worker: DeliveryWorker,
    alert_id: int,
    out_dir: Path,
    issued_at: dt.datetime,
) -> None:
    """Demo step 6: every order delivered, one enterprise signs through its link, and the
    receipts are counted."""
    worker.clock = FixedClock(issued_at + dt.timedelta(minutes=5))
    worker.housekeeping()
    stats = worker.drain()
    receipts = context.receipts()
    first = receipts.summary(alert_id, now=issued_at)
    assert first.revision_id is not None
    signed = context.alerts().frozen_plan(first.revision_id)[0]  # the first order sent
    receipts.acknowledge(
        Scope(alert_id=alert_id),
        signed["uscc"],
        first.revision_id,
        signer="示例签收人",
        now=issued_at + dt.timedelta(minutes=20),
    )
    s = receipts.summary(alert_id, now=issued_at + dt.timedelta(minutes=30))
    units = context.unit_receipts()
    _, states = units.states(alert_id)
    tasks = sum(1 for u in states if u.delivery is not None and u.delivery.reached)
    unit = ""
    if states:  # the first unit of the network signs its task notice too
        units.acknowledge(
            alert_id,
            states[0].code,
            first.revision_id,
            signer="示例签收人",
            now=issued_at + dt.timedelta(minutes=25),
        )
        unit = f"，{states[0].name}已签收任务单"
    sent = f"{stats.counts['delivered'] - tasks}份应急响应指令"
    sent += f"和{tasks}份任务单" if tasks else ""
    click.echo(
        f"6. 投递：{sent}经文件渠道写入 {out_dir / 'outbox'}"
        f"（每份含签收链接）；{signed['name']}已签收{unit}，回执：已发出{s.sent}、已签收{s.acknowledged}"
        "（orchestrator receipts 查看）"
    )


def _controls(context: Context, worker: DeliveryWorker, now: dt.datetime) -> None:
    """Demo step 2: the staggered-production season under way on the demo's day is announced
    to the enterprises it concerns, through the folder channel — before the alert, whose
    reduction check then counts only what the alert adds to it."""
    outcome = context.control_office().run("staggered", at=now, now=now)
    if outcome.round_id is None:
        click.echo(f"2. 常态化管控：{outcome.detail}")
        return
    worker.clock = FixedClock(now + dt.timedelta(minutes=5))
    worker.housekeeping()
    stats = worker.drain()
    s = context.receipts().round_summary(outcome.round_id, now=now + dt.timedelta(minutes=10))
    click.echo(
        f"2. 常态化管控：{outcome.detail}；{stats.counts['delivered']}份经文件渠道送达，"
        f"回执：已发出{s.sent}（orchestrator receipts --round {outcome.round_id} 查看）"
    )


def _province_demo(base: Context, out_dir: Path) -> None:
    """The provincial flow on the sample province: a 调度令 issued to its three cities, each
    city's alert drafted on receipt, approved and issued with its orders and task notices, the
    cities' report-backs, and the province's view of them."""
    from orchestrator.bootstrap import bootstrap
    from orchestrator.db.database import tenant_url
    from orchestrator.region.directives import DirectiveAction
    from orchestrator.response.model import Role

    settings = base.settings
    zone = settings.zone
    if base.regions is None:
        raise OrchestratorError("未配置行政区划（config/regions.toml），无法运行省级流程")
    code = base.regions.root.code
    context = base
    if not base.provincial:
        context = bootstrap(settings.model_copy(update={"serves": code}), base.clock)
    db = settings.data_dir / "demo-province.db"
    for each in context.city_codes():  # each city's database beside the province's, new
        Path(tenant_url(f"sqlite:///{db}", each).removeprefix("sqlite:///")).unlink(missing_ok=True)
    context = context.on_fresh(db)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    now = dt.datetime(2026, 1, 4, 16, 0, tzinfo=zone)
    cities = {c: context.city_context(c) for c in context.city_codes()}
    lists = []
    for c, city in cities.items():
        own = settings.emission_lists_dir / "cities" / f"{c}.xlsx"
        path = own if own.exists() else settings.emission_lists_dir / "sample_list.xlsx"
        r = city.lists().import_list(
            path, effective_from=dt.date(2025, 10, 1), now=now, by="示例管理员"
        )
        lists.append(f"{city.city.region_name}{r.enterprises}家")
    click.echo(f"1. 各市导入应急减排清单：{'，'.join(lists)}")

    office = context.province_office()
    assert context.province is not None
    people = context.province.people
    duty = next(p for p in people if p.role.value == "province_duty")
    director = next(p for p in people if p.role.value == "province_director")
    d = office.draft(
        title="关于启动重污染天气橙色预警的调度令",
        cities=list(cities),
        level=AlertLevel.ORANGE,
        start=dt.datetime(2026, 1, 6, 0, 0, tzinfo=zone),
        end=dt.datetime(2026, 1, 9, 0, 0, tzinfo=zone),
        measures=[
            "对钢铁、焦化、水泥等重点行业企业实行驻厂监管",
            "加大排放大户协商减排力度",
            "高速公路入口对国四及以下重型柴油货车实施劝返",
        ],
        reason="省级会商：1月6日至8日全省中南部将出现区域性重污染过程",
        by=duty,
        now=now,
    )
    office.act(d.id, DirectiveAction.SUBMIT, by=duty, now=now)
    office.act(d.id, DirectiveAction.APPROVE, by=director, now=now + dt.timedelta(minutes=20))
    d = office.act(d.id, DirectiveAction.ISSUE, by=duty, now=now + dt.timedelta(minutes=30))
    issued_at = d.issued_at or now
    click.echo(
        f"2. 省级下达调度令{d.number}（{duty.name}起草、{director.name}批准）："
        f"{'、'.join(x.city.region_name for x in cities.values())}"
        f"{d.level.term}，{cn_instant(d.start, zone, year=False)}至{cn_instant(d.end, zone, year=False)}，"
        f"增加措施{len(d.measures)}项"
    )
    for i, (c, city) in enumerate(cities.items()):
        got = city.directive_desk().received()[0]
        assert got.alert_id is not None
        t = issued_at + dt.timedelta(minutes=40 + 30 * i)
        people_of = city.response.people.values()
        drafter = next(p for p in people_of if p.role is Role.DUTY_OFFICER)
        approver = city.response.approver_for(AlertLevel.ORANGE)
        assert approver is not None
        alerts = city.alerts()
        alerts.submit(got.alert_id, by=drafter, now=t)
        alerts.approve(got.alert_id, by=approver, now=t + dt.timedelta(minutes=10))
        out = alerts.issue(got.alert_id, by=drafter, now=t + dt.timedelta(minutes=20))
        folder = out_dir / c
        written = city.notices().write(got.alert_id, folder)
        worker = _worker(city, folder, t)
        worker.clock = FixedClock(t + dt.timedelta(minutes=25))
        worker.housekeeping()
        stats = worker.drain()
        receipts = city.receipts()
        plan = alerts.frozen_plan(out.revision.revision_id)
        for entry in plan[: max(1, len(plan) // 2)]:  # half the enterprises sign at once
            receipts.acknowledge(
                Scope(alert_id=got.alert_id),
                entry["uscc"],
                out.revision.revision_id,
                signer="示例签收人",
                now=t + dt.timedelta(minutes=50),
            )
        click.echo(
            f"3. {city.city.region_name}：收到调度令后系统已起草预警，{drafter.name}提交、{approver.name}批准、"
            f"{drafter.name}发布，文号{out.revision.document_number}；应急响应指令{written.orders}份、"
            f"任务单{written.tasks}份，{stats.counts['delivered']}份经文件渠道送达（{folder}）"
        )
    report_at = issued_at + dt.timedelta(hours=3)
    for reporting in list(cities.values())[:2]:  # the third city has not reported yet
        reporting.directive_desk().report(report_at)
    click.echo("4. 示例市、东川市向省级报送启动情况；西岭市尚未报送")
    chased = office.chase(report_at)
    board = office.board(d.id, report_at)
    click.echo(f"5. 省级查看调度令{d.number}落实情况（orchestrator directive show {d.id}）：")
    for s in board.cities:
        if s.start is None:
            click.echo(f"   {s.name}：已接收，未报送启动情况；{'；'.join(board.owed[s.city])}")
            continue
        b = s.start.body
        lead = ""
        if s.alert_issued_at is not None:
            lead = f"（下达后{(s.alert_issued_at - issued_at).total_seconds() / 3600:.1f}小时发布）"
        click.echo(
            f"   {s.name}：{b['document_number']}{lead}，指令{b['orders']}份、已签收{b['acknowledged']}份"
        )
    click.echo(
        f"   已督办{len(chased)}个市："
        + "、".join(
            board.cities[[x.city for x in board.cities].index(c)].name for _, c, _ in chased
        )
    )
    click.echo(
        f"6. 后续命令在命令前加 ORCHESTRATOR_SERVES={code} "
        f"ORCHESTRATOR_DATABASE_URL=sqlite:///data/{db.name}（数据目录为默认的 data/ 时），"
        f"例如：orchestrator directive show {d.id}；orchestrator --city 990100 directive received"
    )


#: Where the demo's links point: the local server `orchestrator serve` starts by default.
LOCAL_ACK = "http://127.0.0.1:8000/ack"

COMMANDS = (demo_command,)
