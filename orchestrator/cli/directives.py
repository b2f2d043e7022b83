"""Command line of the province's 调度令 (``orchestrator directive``): the provincial office
drafts, approves, issues, lifts and chases; a city (``orchestrator --city CODE directive …``)
lists what it received, reports back and asks for an early lift."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from orchestrator.alerts.model import AlertLevel
from orchestrator.cli.common import (
    LEVEL,
    context_of,
    echo_json,
    instant,
    person,
    province_person,
)
from orchestrator.errors import InputInvalid
from orchestrator.region.directives import (
    Directive,
    DirectiveAction,
    Received,
)
from orchestrator.region.views import board_rows, directive_json, when


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


def _line(d: Directive, zone: dt.tzinfo) -> str:
    number = d.number or "（未编号）"
    return (
        f"{d.id}  {number}  {d.level.term}  {d.status.label}  "
        f"{when(d.start, zone)}至{when(d.end, zone)}  {d.title}"
    )


@click.group("directive")
def directive_group() -> None:
    """省级调度令：省级办公室起草、审批（双人）、下达、解除和督办；各市接收、上报启动情况和
    落实情况、申请提前解除。

    省级平台（设置 serves 为省代码，如 ORCHESTRATOR_SERVES=990000）上，市级事项用
    orchestrator --city 代码 directive … 办理。

    \b
    示例：
      orchestrator directive list
      orchestrator directive show 1
      orchestrator --city 990100 directive received
    """


@directive_group.command("draft")
@click.option("--title", required=True, help="标题，如“关于启动重污染天气橙色预警的调度令”。")
@click.option("--cities", required=True, metavar="代码,…", help="调度范围内的市（逗号分隔）。")
@click.option("--counties", default="", metavar="代码,…", help="只调度其中的县（市、区），可选。")
@click.option("--level", type=LEVEL, required=True, help="预警级别。")
@click.option("--start", "start_text", required=True, metavar="ISO", help="开始时间。")
@click.option("--end", "end_text", required=True, metavar="ISO", help="结束时间。")
@click.option("--measure", "measures", multiple=True, help="增加的措施（可多次给出）。")
@click.option("--reason", required=True, help="依据：省级会商研判意见。")
@click.option("--report-hours", type=int, help="启动情况报送时限（小时），默认见 province.toml。")
@click.option("--by", "by_name", required=True, help="起草人（config/province.toml 所列）。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def draft_command(
    ctx: click.Context,
    title: str,
    cities: str,
    counties: str,
    level: str,
    start_text: str,
    end_text: str,
    measures: tuple[str, ...],
    reason: str,
    report_hours: int | None,
    by_name: str,
    as_json: bool,
) -> None:
    """起草一份调度令。

    \b
    示例：
      orchestrator directive draft --title 关于启动重污染天气橙色预警的调度令 \\
        --cities 999900,990100 --level orange --start 2026-12-11T00:00 \\
        --end 2026-12-14T00:00 --measure 重点企业驻厂监管 --reason 省级会商研判 --by 高省值班
    """
    context = context_of(ctx)
    office = context.province_office()
    d = office.draft(
        title=title,
        cities=_codes(cities),
        counties=_codes(counties),
        level=AlertLevel(level),
        start=instant(context, start_text, "--start"),
        end=instant(context, end_text, "--end"),
        measures=measures,
        reason=reason,
        by=province_person(context, by_name),
        now=context.clock.now(),
        report_within_hours=report_hours,
    )
    zone = context.settings.zone
    if as_json:
        echo_json(directive_json(d, zone))
    else:
        click.echo(f"已起草调度令{d.id}：{_line(d, zone)}")


def _action_command(action: DirectiveAction, needs_reason: bool) -> click.Command:
    @click.argument("directive_id", type=int)
    @click.option("--by", "by_name", required=True, help="办理人（config/province.toml 所列）。")
    @click.option("--reason", default="", required=needs_reason, help="理由。")
    @click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
    @click.pass_context
    def command(
        ctx: click.Context, directive_id: int, by_name: str, reason: str, as_json: bool
    ) -> None:
        context = context_of(ctx)
        office = context.province_office()
        now = context.clock.now()
        d = office.act(
            directive_id, action, by=province_person(context, by_name), now=now, reason=reason
        )
        zone = context.settings.zone
        if as_json:
            echo_json(directive_json(d, zone))
            return
        click.echo(f"调度令{d.id}已{action.label}：{_line(d, zone)}")
        if action in (DirectiveAction.ISSUE, DirectiveAction.LIFT):
            for f in office.forward(now, d.id):
                click.echo(f"  未送达{f.city}：{f.note}（将重试：orchestrator directive forward）")

    extra = " --reason 理由" if needs_reason else ""
    command.__doc__ = (
        f"{action.label}调度令。\n\n\b\n示例：\n  "
        f"orchestrator directive {action.value} 1 --by 姓名{extra}"
    )
    return click.command(action.value)(command)


for _action, _reason in (
    (DirectiveAction.SUBMIT, False),
    (DirectiveAction.WITHDRAW, False),
    (DirectiveAction.APPROVE, False),
    (DirectiveAction.REJECT, True),
    (DirectiveAction.ISSUE, False),
    (DirectiveAction.LIFT, True),
):
    directive_group.add_command(_action_command(_action, _reason))


@directive_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON数组。")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """列出本省调度令，新的在前。

    \b
    示例：
      orchestrator directive list
    """
    context = context_of(ctx)
    found = context.province_office().directives()
    zone = context.settings.zone
    if as_json:
        echo_json([directive_json(d, zone) for d in found])
        return
    if not found:
        click.echo("尚无调度令")
    for d in found:
        click.echo(_line(d, zone))


@directive_group.command("show")
@click.argument("directive_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def show_command(ctx: click.Context, directive_id: int, as_json: bool) -> None:
    """一份调度令及各市落实情况：接收、预警发布及提前量、回执、日报、逾期事项。

    \b
    示例：
      orchestrator directive show 1 --json
    """
    context = context_of(ctx)
    zone = context.settings.zone
    board = context.province_office().board(directive_id, context.clock.now())
    d = board.directive
    rows = board_rows(board, zone)
    if as_json:
        echo_json({**directive_json(d, zone), "cities": rows})
        return
    click.echo(_line(d, zone))
    if d.measures:
        click.echo("增加措施：" + "；".join(d.measures))
    for r in rows:
        alert = (
            f"已发布{r['alert']}（{r['alert_issued_at']}，提前量{r['lead_hours']}小时），"
            f"指令{r['orders']}份、已签收{r['acknowledged']}份"
            if r["alert"]
            else "预警未发布"
        )
        received = f"{r['received_at']}接收" if r["received_at"] else "未送达"
        day = (
            f"；{r['daily_day']}日报{r['daily_reported']}/{r['daily_expected']}"
            if r["daily_day"]
            else ""
        )
        owed = f"；逾期：{'，'.join(r['owed'])}" if r["owed"] else ""
        number = f"（请示{r['lift_request_number']}）" if r["lift_request_number"] else ""
        ask = f"；申请提前解除{number}：{r['lift_request']}" if r["lift_request"] else ""
        click.echo(f"  {r['name']}（{r['city']}）：{received}，{alert}{day}{owed}{ask}")


@directive_group.command("forward")
@click.pass_context
def forward_command(ctx: click.Context) -> None:
    """把已下达（或已解除）而尚未送达的调度令再次送达各市。

    \b
    示例：
      orchestrator directive forward
    """
    context = context_of(ctx)
    done = context.province_office().forward(context.clock.now())
    if not done:
        click.echo("没有待送达的调度令")
    for f in done:
        what = "解除" if f.lift else "调度令"
        click.echo(f"{f.ref} → {f.city}：{what}{'已送达' if f.done else '未送达'}，{f.note}")


@directive_group.command("chase")
@click.pass_context
def chase_command(ctx: click.Context) -> None:
    """督办逾期未报送启动情况或落实情况的市（每市每日一次）。

    \b
    示例：
      orchestrator directive chase
    """
    context = context_of(ctx)
    chased = context.province_office().chase(context.clock.now())
    if not chased:
        click.echo("没有须督办的市")
    for d, city, owed in chased:
        click.echo(f"已督办{city}（{d.number}）：{'；'.join(owed)}")


@directive_group.command("document")
@click.argument("directive_id", type=int)
@click.option("--lift", is_flag=True, help="解除通知（而非调度令本身）。")
@click.option(
    "--request", is_flag=True, help="本市申请提前解除该调度令的请示（市级使用，最近一份）。"
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="写入的文件：.html，或 .pdf（打印版）。",
)
@click.pass_context
def document_command(
    ctx: click.Context, directive_id: int, lift: bool, request: bool, out: Path
) -> None:
    """写出调度令文件（或其解除通知，或本市申请提前解除的请示），按GB/T 9704公文格式。

    \b
    示例：
      orchestrator directive document 1 --out out/调度令.html
      orchestrator directive document 1 --lift --out out/解除通知.pdf
      orchestrator --city 990100 directive document 1 --request --out out/请示.html
    """
    context = context_of(ctx)
    if request:
        name, html = context.request_document(directive_id)
    else:
        name, html = context.directive_document(directive_id, lift=lift)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        from orchestrator.notices.render import pdf_bytes

        out.write_bytes(pdf_bytes(html, context.settings.templates_dir))
    elif out.suffix.lower() in (".html", ".htm"):
        out.write_text(html, encoding="utf-8")
    else:
        raise InputInvalid(f"{out}：应为 .html 或 .pdf 文件")
    click.echo(f"已写出{name.removesuffix('.html')}：{out}")


@directive_group.command("pull")
@click.pass_context
def pull_command(ctx: click.Context) -> None:
    """运行独立系统的市：从省级平台拉取本市的调度令（验证省级签名，每条只受理一次；被篡改、重放或乱序的消息拒收并记入操作日志），并发送待发送的上报。

    \b
    示例：
      orchestrator directive pull
    """
    context = context_of(ctx)
    exchange = context.city_exchange()
    now = context.clock.now()
    pulled = exchange.pull(now)
    if not pulled:
        click.echo("省级平台没有本市的调度令")
    for p in pulled:
        click.echo(f"{p.subject}：{p.verdict.label}（{p.note}）")
    pushed = exchange.push(now)
    if pushed.sent or pushed.failed:
        click.echo(f"上报已发送{pushed.sent}份，未能发送{pushed.failed}份（稍后重试）")


def _received_json(r: Received, zone: dt.tzinfo) -> dict[str, Any]:
    return {
        **r.order.to_json(),
        "received_at": r.received_at.astimezone(zone).isoformat(),
        "alert_id": r.alert_id,
        "note": r.note,
        "lifted_at": r.lifted_at.astimezone(zone).isoformat() if r.lifted_at else None,
        "chased_at": r.chased_at.astimezone(zone).isoformat() if r.chased_at else None,
        "lift_request": r.lift_request or None,
    }


@directive_group.command("received")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON数组。")
@click.pass_context
def received_command(ctx: click.Context, as_json: bool) -> None:
    """本市收到的省级调度令及接收时起草的预警事项。

    \b
    示例：
      orchestrator --city 990100 directive received
    """
    context = context_of(ctx)
    zone = context.settings.zone
    found = context.directive_desk().received()
    if as_json:
        echo_json([_received_json(r, zone) for r in found])
        return
    if not found:
        click.echo("本市尚未收到省级调度令")
    for r in found:
        o = r.order
        state = "已解除" if r.lifted_at else ("被督办" if r.chased_at else "执行中")
        click.echo(
            f"{o.ref}  {o.number}  {o.level.term}  {when(o.start, zone)}至{when(o.end, zone)}"
            f"  {state}  {r.note}"
        )
        for m in o.measures:
            click.echo(f"    增加措施：{m}")


@directive_group.command("report")
@click.pass_context
def report_command(ctx: click.Context) -> None:
    """向省级平台报送本市启动情况和每日落实情况（已报送的以最新情况更新）。

    \b
    示例：
      orchestrator --city 990100 directive report
    """
    context = context_of(ctx)
    sent = context.directive_desk().report(context.clock.now())
    if not sent:
        click.echo("没有须报送的情况（预警尚未发布）")
    for r in sent:
        day = f"{r.day}" if r.day else ""
        click.echo(f"已报送调度令{r.ref}的{r.kind.label}{day}")


@directive_group.command("request-lift")
@click.argument("ref", type=int)
@click.option("--reason", required=True, help="理由：空气质量实况和预报。")
@click.option("--by", "by_name", required=True, help="申请人（config/approval.toml 所列）。")
@click.pass_context
def request_lift_command(ctx: click.Context, ref: int, reason: str, by_name: str) -> None:
    """申请省级提前解除调度令（由省级决定）。

    \b
    示例：
      orchestrator --city 990100 directive request-lift 1 --reason 实况已转良 --by 吴主任
    """
    context = context_of(ctx)
    if context.regions is None:
        raise InputInvalid("未配置行政区划（config/regions.toml）")
    made = context.directive_desk().request_lift(
        context.regions.root.code,
        ref,
        reason=reason,
        by=person(context, by_name),
        now=context.clock.now(),
    )
    click.echo(
        f"已申请提前解除调度令{ref}（请示{made.number}），待省级决定；"
        f"请示文件：orchestrator directive document {ref} --request --out 请示.html"
    )


COMMANDS = (directive_group,)
