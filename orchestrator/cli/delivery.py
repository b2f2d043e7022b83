"""Command line of delivery, receipts, compliance evidence and the web service:
``orchestrator deliver``, ``receipts``, ``power import``, ``load import``, ``compliance``,
``serve``."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from orchestrator.cli.common import context_of, heartbeat, operator, readings_from
from orchestrator.clock import FixedClock
from orchestrator.delivery.model import Firm, Subject
from orchestrator.errors import InputInvalid, Unavailable
from orchestrator.notices.contexts import cn_time

if TYPE_CHECKING:
    from orchestrator.assessment.electricity import LineEvidence

_STATUS = {
    "delivered": "已送达",
    "sent": "已提交（待回执）",
    "failed": "失败待重试",
    "dead": "已放弃（转下一渠道）",
    "lost": "租约已过期、由其他进程接管",
    "unrecorded": "已发出但数据库未能记录（租约到期后以同一幂等键重发）",
}

T = TypeVar("T")


@click.group("deliver", invoke_without_command=True)
@click.option("--once", is_flag=True, help="发送当前到期的消息后退出（供cron和测试使用）。")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="本进程的发送线程数［默认：SQLite为1（写入须排队），PostgreSQL为4］。可在PostgreSQL上运行更多进程（可在多台机器上）以提高速度，它们安全地共用待投递队列。",
)
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="FOLDER",
    help="将到期消息按文件渠道的格式写入 FOLDER；不发送，不改变投递状态。",
)
@click.option(
    "--poll",
    type=click.FloatRange(0.1, 3600),
    default=5.0,
    show_default=True,
    help="持续运行时两轮之间的间隔秒数。",
)
@click.pass_context
def deliver_group(
    ctx: click.Context, once: bool, workers: int | None, dry_run: Path | None, poll: float
) -> None:
    """投递已发布的通知：将每份应急响应指令按企业的渠道放入待投递队列，失败时重试（指数退避加随机抖动，再转下一渠道），逾期未签收的重新发送并通知区县联系人。除非使用 --once，否则持续运行直至停止（SIGTERM或Ctrl-C停止前发完手中的消息）。

    \b
    示例：
      orchestrator deliver --once
      orchestrator deliver --workers 8
      orchestrator deliver resend --alert 1 --failed-only
    """
    if ctx.invoked_subcommand is not None:
        return
    context = context_of(ctx)
    worker = context.delivery_worker()
    if workers is None:
        workers = 1 if worker.sqlite else 4
    if dry_run is not None:
        added = worker.outbox.enqueue_issued(context.clock.now())
        written = worker.dry_run(dry_run)
        click.echo(
            f"演练：新增待投递{added}条；{written}条待投递消息已写入 {dry_run}，未发送、未改变投递状态"
        )
        return
    if once:
        added, escalated = worker.housekeeping()
        stats = worker.drain(workers)
        _report(added, escalated, stats.counts)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"投递进程 {worker.name} 已启动（{workers}个发送线程），按 Ctrl-C 停止")
    while not stop.is_set():
        try:
            added, escalated = worker.housekeeping()
            stats = worker.drain(workers, stop)
        except Unavailable as exc:  # the database is down or restarting: keep trying
            click.echo(f"数据库暂不可用，{poll:g}秒后再试：{exc}", err=True)
        else:
            if added or escalated or stats.total():
                _report(added, escalated, stats.counts)
        stop.wait(poll)
    click.echo("投递进程已停止")


def _report(added: int, escalated: int, counts: dict[str, int]) -> None:
    parts = [f"{_STATUS.get(k, k)}{v}条" for k, v in sorted(counts.items())]
    line = f"新增待投递{added}条"
    if escalated:
        line += f"，逾期未签收{escalated}家已督办（另有渠道的已补发，并通知区县联系人）"
    click.echo(f"{line}；本轮投递：{'，'.join(parts) if parts else '无到期消息'}")


def _one_of(alert_id: int | None, round_id: int | None) -> None:
    if (alert_id is None) == (round_id is None):
        raise InputInvalid("请指定 --alert 或 --round 之一")


@deliver_group.command("resend")
@click.option("--alert", "alert_id", type=int, default=None, help="预警编号。")
@click.option("--round", "round_id", type=int, default=None, help="常态化管控批次编号。")
@click.option(
    "--failed-only",
    is_flag=True,
    help="只处理投递失败或已放弃的（从第一次尝试重新开始）。",
)
@click.option(
    "--yes",
    "confirmed",
    is_flag=True,
    help="确认向每家企业再次发送全部通知（不带 --failed-only 时必须）。",
)
@click.option("--by", default=None, help="申请人（记入操作日志）；默认为当前账号。")
@click.pass_context
def deliver_resend_command(
    ctx: click.Context,
    alert_id: int | None,
    round_id: int | None,
    failed_only: bool,
    confirmed: bool,
    by: str | None,
) -> None:
    """重新发送预警最新版本（或常态化管控批次）的通知：全部重新发送（有意向每家企业再次投递），或只发送投递失败的。由下一次 orchestrator deliver 发送。

    \b
    示例：
      orchestrator deliver resend --alert 1 --failed-only
      orchestrator deliver resend --round 1 --failed-only
      orchestrator deliver resend --alert 1 --yes
    """
    _one_of(alert_id, round_id)
    context = context_of(ctx)
    now = context.clock.now()
    outbox = context.outbox()
    who = by or operator()
    if round_id is not None:
        context.control_office().get(round_id)
        count = outbox.resend_subject(
            Subject(round_id=round_id), now, failed_only=failed_only, by=who, confirmed=confirmed
        )
        what = "失败的投递" if failed_only else "管控通知"
        click.echo(f"通知批次{round_id}：{count}条{what}已重新排入投递队列")
        return
    assert alert_id is not None
    count = outbox.resend(alert_id, now, failed_only=failed_only, by=who, confirmed=confirmed)
    what = "失败的投递" if failed_only else "应急响应指令"
    click.echo(f"预警{alert_id}：{count}条{what}已重新排入投递队列")


def _firm_lines(title: str, firms: list[Firm]) -> None:
    if not firms:
        return
    click.echo(f"{title}（{len(firms)}家）：")
    for f in firms:
        detail = f"　{f.detail}" if f.detail else ""
        click.echo(f"  {f.county}　{f.name}（{f.uscc}）　{f.contact} {f.phone}{detail}")


@click.command("receipts")
@click.option("--alert", "alert_id", type=int, default=None, help="预警编号。")
@click.option("--round", "round_id", type=int, default=None, help="常态化管控批次编号。")
@click.option("--json", "as_json", is_flag=True, help="输出JSON（统计数和名单）。")
@click.pass_context
def receipts_command(
    ctx: click.Context, alert_id: int | None, round_id: int | None, as_json: bool
) -> None:
    """预警最新版本（或常态化管控批次）通知的回执：已发出、已送达、已签收、已落实、逾期情况，以及须督办的企业（区县、名称、联系人、电话）。

    \b
    示例：
      orchestrator receipts --alert 1
      orchestrator receipts --alert 1 --json
      orchestrator receipts --round 1
    """
    _one_of(alert_id, round_id)
    context = context_of(ctx)
    now = context.clock.now()
    receipts = context.receipts()
    s = (
        receipts.round_summary(round_id, now=now)
        if round_id is not None
        else receipts.summary(alert_id or 0, now=now)
    )
    if as_json:
        click.echo(json.dumps(s.as_dict(), ensure_ascii=False, indent=2))
        return
    zone = context.settings.zone
    what = (
        f"通知批次{round_id}《{s.document_number}》"
        if round_id
        else f"预警{alert_id}（{s.document_number}）"
    )
    click.echo(f"{what}回执情况，签收时限{cn_time(s.deadline, zone)}：")
    click.echo(
        f"  {'管控通知' if round_id else '应急响应指令'}{s.orders}份：已发出{s.sent}，确认送达{s.delivered}，已签收{s.acknowledged}，"
        f"已落实{s.implemented}，逾期未签收{s.overdue_count}，投递失败{s.undelivered_count}"
    )
    _firm_lines("逾期未签收", s.overdue)
    _firm_lines("所有渠道投递失败", s.undelivered)
    _firm_lines("报送有措施未落实", s.not_implemented)


@click.group("power")
def power_group() -> None:
    """逐时用电数据，作为停产、限产生产线的落实证据。

    \b
    示例：
      orchestrator power import readings.csv
    """


@power_group.command("import")
@click.argument("src", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--url", default=None, help="从该地址获取JSON数据，而不读取文件。")
@click.pass_context
def power_import_command(ctx: click.Context, src: Path | None, url: str | None) -> None:
    """从CSV文件或HTTP JSON数据源导入用电数据（meter_no、hour、kwh），在一个事务中完成；同一电表同一小时的数据以后导入的为准。

    \b
    示例：
      orchestrator power import readings.csv
      orchestrator power import --url https://power.example.gov.cn/api/hourly
    """
    from orchestrator.assessment.electricity import fetch_json, read_csv

    context = context_of(ctx)
    readings = readings_from(src, url, context.settings.zone, read_csv, fetch_json)
    count = context.meters().store(readings)
    meters = len({r.meter_no for r in readings})
    click.echo(f"已导入用电数据{count}条（电表{meters}块）")


@click.group("load")
def load_group() -> None:
    """生产线逐时运行负荷，作为负荷上限类措施（以热定产、民生保障、以量定产、限负荷）的落实证据。

    \b
    示例：
      orchestrator load import samples/load_hourly.csv
    """


@load_group.command("import")
@click.argument("src", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--url", default=None, help="从该地址获取JSON数据，而不读取文件。")
@click.pass_context
def load_import_command(ctx: click.Context, src: Path | None, url: str | None) -> None:
    """从CSV文件或HTTP JSON数据源导入逐时负荷（uscc、line、hour、load、unit：%、MW或t/h），在一个事务中完成；同一生产线同一小时的数据以后导入的为准。

    \b
    示例：
      orchestrator load import samples/load_hourly.csv
      orchestrator load import --url https://dcs.example.gov.cn/api/hourly-load
    """
    from orchestrator.assessment.electricity import fetch_load_json, read_load_csv

    context = context_of(ctx)
    readings = readings_from(src, url, context.settings.zone, read_load_csv, fetch_load_json)
    count = context.meters().store_loads(readings)
    lines = len({(r.uscc, r.line) for r in readings})
    click.echo(f"已导入负荷数据{count}条（生产线{lines}条）")


_VERDICT = {
    "compliant": "符合",
    "suspect": "疑似未落实",
    "no_data": "无监控数据",
    "low_baseline": "基线用电过低，不作判断",
}


@click.command("compliance")
@click.option("--alert", "alert_id", type=int, required=True, help="预警编号。")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出核查的每条生产线。")
@click.pass_context
def compliance_command(ctx: click.Context, alert_id: int, as_json: bool) -> None:
    """预警措施落实核查，每条生产线按其规则：有电表的停产、限产生产线，比较预警期间平均小时用电与预警前基线；有电表的自主减排（A级、豁免）生产线，不得高于该基线；限负荷生产线，逐时负荷不得超过上限（阈值见 config/delivery.toml [compliance]）。列出疑似未落实的生产线、所违反的规则和证据。

    \b
    示例：
      orchestrator compliance --alert 1
    """
    context = context_of(ctx)
    lines = context.meters().check(alert_id, now=context.clock.now())
    if as_json:
        click.echo(json.dumps([ln.as_dict() for ln in lines], ensure_ascii=False, indent=2))
        return
    if not lines:
        click.echo(f"预警{alert_id}没有需核查的生产线（或尚未发布）")
        return
    counts: dict[str, int] = {}
    for ln in lines:
        counts[ln.verdict] = counts.get(ln.verdict, 0) + 1
    summary = "，".join(f"{_VERDICT[k]}{v}条" for k, v in sorted(counts.items()))
    click.echo(f"预警{alert_id}落实核查（用电、负荷）：{len(lines)}条生产线，{summary}")
    suspects = [ln for ln in lines if ln.verdict == "suspect"]
    if suspects:
        click.echo("疑似未落实（违反的规则；证据）：")
        for ln in suspects:
            click.echo(
                f"  {ln.county}　{ln.name}（{ln.uscc}）　{_where(ln)}：{ln.measure}；"
                f"违反“{ln.rule}”；{_evidence(ln)}"
            )


def _where(ln: LineEvidence) -> str:
    return f"{ln.line}（电表{ln.meter_no}）" if ln.meter_no and ln.kind != "load_cap" else ln.line


def _evidence(ln: LineEvidence) -> str:
    """What a suspect line's verdict rests on."""
    if ln.kind == "load_cap":
        return f"{ln.hours}小时中{ln.hours_over}小时超过上限，最高{ln.load_max:g}"
    assert ln.ratio is not None
    assert ln.baseline_kwh_h is not None
    assert ln.window_kwh_h is not None
    return (
        f"预警期间平均小时用电 / 预警前基线 = {ln.window_kwh_h:.1f} / {ln.baseline_kwh_h:.1f} kWh"
        f" = {ln.ratio:.0%}"
    )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", type=int, default=8000, show_default=True, help="监听端口。")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="本服务不运行会商定时任务（由其他服务器或 orchestrator schedule 运行；多台服务器同时运行也安全）。",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="本服务不投递通知（由专用主机运行 orchestrator deliver；两处同时运行也安全）。",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="网络服务的工作进程数（定时任务和投递进程只在主进程运行一份）。",
)
@click.pass_context
def serve_command(
    ctx: click.Context, host: str, port: int, no_scheduler: bool, no_worker: bool, workers: int
) -> None:
    """运行网络服务：值班人员控制台（在 /login 登录，账号由 orchestrator user add 创建）、企业凭签名链接访问的指令页面（签收、报送落实情况）、短信网关的状态回执接口，同时运行定时任务（同 orchestrator schedule）和投递进程（同 orchestrator deliver：发布即开始投递）。应部署在本市HTTPS反向代理之后，地址为 acknowledge_base_url。

    \b
    示例：
      orchestrator serve --host 0.0.0.0 --port 8000
      orchestrator serve --host 0.0.0.0 --port 8000 --workers 4
    """
    import os

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from orchestrator.web.guard import log_config
    from orchestrator.web.service import NOW_ENV, web_service

    context = context_of(ctx)
    if workers > 1 and isinstance(context.clock, FixedClock):
        os.environ[NOW_ENV] = context.clock.now().isoformat()  # the workers' clock too
    app = web_service(context)  # with several workers: the configuration checked here first
    logging = log_config(LOGGING_CONFIG)  # no signed link's signature in the access log
    scheduler = None
    if not no_scheduler:
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone=context.settings.zone)
        beat = heartbeat(context, echo=True)
        beat.install(scheduler)
        scheduler.start()
        scheduler.add_job(beat.catch_up, id="catch-up:start")  # a slot missed while down
    stop = threading.Event()
    senders: list[threading.Thread] = []
    if not no_worker:  # one per city (each on its own database) on a provincial installation
        cities = (
            [context.city_context(code) for code in context.city_codes()]
            if context.province_home
            else [context]
        )
        for city in cities:
            worker = city.delivery_worker()
            sender = threading.Thread(
                target=worker.run,
                args=(1 if worker.sqlite else 4, stop),
                name=f"delivery-worker-{city.city.region_code}",
                daemon=True,
            )
            sender.start()
            senders.append(sender)
            where = f"（{city.city.region_name}）" if context.province_home else ""
            click.echo(f"投递进程 {worker.name}{where} 已随服务启动")
    try:
        if workers == 1:
            uvicorn.run(app, host=host, port=port, log_level="info", log_config=logging)
        else:
            uvicorn.run(
                "orchestrator.web.service:from_environment",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level="info",
                log_config=logging,
            )
    finally:
        stop.set()  # the messages in hand are finished
        for sender in senders:
            sender.join(timeout=60)
        if scheduler is not None:
            scheduler.shutdown(wait=True)


COMMANDS = (
    deliver_group,
    receipts_command,
    power_group,
    load_group,
    compliance_command,
    serve_command,
)
