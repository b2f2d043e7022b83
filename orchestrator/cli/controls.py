"""Command line of recurring controls (常态化管控): ``orchestrator controls list``, ``run``,
``rounds`` and ``show``. Their receipts: ``orchestrator receipts --round N``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import context_of, instant
from orchestrator.controls.model import DEFAULT, EXEMPT, Control, RoundRow, Season
from orchestrator.notices.contexts import cn_time

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context

_STATUS = {
    "issued": "已发布",
    "exists": "已发布过",
    "none": "无需发布",
    "not_triggered": "未达启动条件",
}


@click.group("controls")
def controls_group() -> None:
    """config/controls.toml 中的常态化管控：臭氧季VOCs管控时段和秋冬季错峰生产安排。每批次向所涉企业（按行业和绩效等级）分别发送通知，投递和签收与应急响应指令相同；由定时任务每日运行。

    \b
    示例：
      orchestrator controls list
      orchestrator controls run
      orchestrator controls rounds
    """


def _season(control: Control, context: Context) -> tuple[Season, bool]:
    """The season under way (True), or the next one (False)."""
    today = context.clock.now().astimezone(context.settings.zone).date()
    current = control.season_of(today)
    if current is not None:
        return current, True
    season = control.season(today.year)
    return (season if season.first > today else control.season(today.year + 1)), False


@controls_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def controls_list_command(ctx: click.Context, as_json: bool) -> None:
    """已定义的管控、当日施行的规定，以及当前或下一管控期。

    \b
    示例：
      orchestrator controls list
    """
    context = context_of(ctx)
    office = context.control_office()
    today = context.clock.now().astimezone(context.settings.zone).date()
    controls = [office.current(control_id, today) for control_id in office.ids()]
    if as_json:
        rows = []
        for c in controls:
            season, running = _season(c, context)
            rows.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "enabled": c.enabled,
                    "trigger": c.trigger,
                    "season": {"first": season.first.isoformat(), "last": season.last.isoformat()},
                    "in_season": running,
                    "window": c.window_text if c.window else "",
                    "industries": list(c.industries),
                    "grades": dict(c.grades),
                    "run_time": f"{c.run_time:%H:%M}",
                }
            )
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not controls:
        click.echo("未定义常态化管控（config/controls.toml）")
    for c in controls:
        season, running = _season(c, context)
        state = "" if c.enabled else "（未启用）"
        how = (
            f"次日预报{c.forecast.describe()}时发布"
            if c.forecast is not None
            else f"提前{c.notify_days_before}天发布"
        )
        window = f"，每日{c.window_text}" if c.window else ""
        grades = "、".join(
            f"{'其他等级' if g == DEFAULT else g}{'豁免' if a == EXEMPT else c.action_label(a)}"
            for g, a in c.grades.items()
        )
        click.echo(
            f"{c.id}  {c.name}{state}：{'本管控期' if running else '下一管控期'}{season.label}"
            f"{window}；{how}，每日{c.run_time:%H:%M}检查"
        )
        click.echo(f"    行业：{'、'.join(c.industries)}；绩效等级：{grades}")


@controls_group.command("run")
@click.option("--control", "control_id", default=None, help="只处理该项管控［默认：全部］。")
@click.option(
    "--at",
    "at_text",
    metavar="ISO",
    default=None,
    help="按该时刻运行（不带时区的按本市时间）［默认：当前］。",
)
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def controls_run_command(
    ctx: click.Context, control_id: str | None, at_text: str | None, as_json: bool
) -> None:
    """到期的管控批次逐项下达（即定时任务每日所做）：常态化管控自通知日起下达当期；预报触发的管控在预报达到阈值时下达次日批次。已下达的批次不重复下达。通知由 orchestrator deliver 投递。

    \b
    示例：
      orchestrator controls run
      orchestrator controls run --control staggered --at 2026-11-10T09:00
    """
    context = context_of(ctx)
    office = context.control_office()
    now = context.clock.now()
    at = instant(context, at_text, "--at") if at_text else now
    ids = [control_id] if control_id else office.ids()
    outcomes = [office.run(c, at=at, now=now) for c in ids]
    if as_json:
        click.echo(json.dumps([o.as_json() for o in outcomes], ensure_ascii=False))
        return
    for o in outcomes:
        ref = f"（通知批次{o.round_id}）" if o.round_id else ""
        click.echo(f"{o.control}：{_STATUS[o.status]}{ref}。{o.detail}")
    if any(o.status == "issued" for o in outcomes):
        click.echo(
            "通知将由投递进程发送（orchestrator deliver）；回执：orchestrator receipts --round N"
        )


def _round_json(r: RoundRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "control": r.control,
        "title": r.title,
        "period_start": r.period_start.isoformat(),
        "period_end": r.period_end.isoformat(),
        "issued_at": r.issued_at.isoformat(),
        "receipt_deadline": r.receipt_deadline.isoformat(),
        "list_revision": r.list_revision,
        "enterprises": r.enterprises,
        "enqueued": r.enqueued,
        "record": r.record,
    }


@controls_group.command("rounds")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def controls_rounds_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """已下达的批次（新的在前）。

    \b
    示例：
      orchestrator controls rounds
    """
    context = context_of(ctx)
    rows = context.control_office().rounds(limit)
    if as_json:
        click.echo(json.dumps([_round_json(r) for r in rows], ensure_ascii=False))
        return
    if not rows:
        click.echo("尚未发布常态化管控通知")
    zone = context.settings.zone
    for r in rows:
        counts = r.record["counts"]
        queued = "已排入投递" if r.enqueued else "待投递"
        click.echo(
            f"{r.id}  {r.title}（{r.record['period']['label']}）：{cn_time(r.issued_at, zone)}发布，"
            f"通知{r.enterprises}家、豁免{counts['exempt']}家，清单第{r.list_revision}版，{queued}"
        )


@controls_group.command("show")
@click.argument("round_id", type=int)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="同时将每家企业的通知（HTML）写入该目录。",
)
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def controls_show_command(
    ctx: click.Context, round_id: int, out: Path | None, as_json: bool
) -> None:
    """查看一个批次：管控范围、依据，以及所涉企业及其措施。

    \b
    示例：
      orchestrator controls show 1
    """
    context = context_of(ctx)
    office = context.control_office()
    r = office.get(round_id)
    notices = office.notices(round_id)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for uscc, _, body in notices:
            (out / f"{uscc}.html").write_text(body, encoding="utf-8")
    if as_json:
        click.echo(json.dumps(_round_json(r), ensure_ascii=False))
        return
    zone = context.settings.zone
    rec = r.record
    click.echo(f"{r.title}（通知批次{r.id}）")
    click.echo(
        f"  管控时间：{rec['period']['label']}{'，每日' + rec['control']['window'] if rec['control']['window'] else ''}"
    )
    click.echo(
        f"  发布：{cn_time(r.issued_at, zone)}；签收时限：{cn_time(r.receipt_deadline, zone)}；"
        f"清单第{r.list_revision}版"
    )
    if rec.get("trigger"):
        click.echo(f"  启动依据：{rec['trigger']['reason']}")
    labels = {a: rec["control"]["labels"].get(a, a) for a in rec["counts"]["by_action"]}
    click.echo(
        f"  通知{r.enterprises}家（"
        + "，".join(f"{n}家：{labels[a]}" for a, n in sorted(rec["counts"]["by_action"].items()))
        + f"），绩效等级豁免{rec['counts']['exempt']}家"
    )
    for uscc, name, _ in notices[:10]:
        click.echo(f"    {name}（{uscc}）")
    if len(notices) > 10:
        click.echo(f"    ……共{len(notices)}家")
    if out is not None:
        click.echo(f"{len(notices)}份通知已写入 {out}")


COMMANDS = (controls_group,)
