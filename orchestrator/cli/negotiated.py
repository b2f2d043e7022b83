"""Command line of negotiated reductions (协商减排): ``orchestrator negotiated add``, ``list`` and
``remove``, on an alert's revision awaiting approval."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import click

from orchestrator.cli.common import context_of, echo_json, instant, operator
from orchestrator.emissions.model import MEASURE_KIND_LABELS, Amounts, MeasureKind, Species
from orchestrator.errors import InputInvalid
from orchestrator.negotiation.model import Agreement, NegotiatedReduction
from orchestrator.notices.contexts import cn_time

_KINDS = {v: k for k, v in MEASURE_KIND_LABELS.items()} | {k.value: k for k in MeasureKind}


@click.group("negotiated")
def negotiated_group() -> None:
    """协商减排：企业就某一预警版本同意在清单措施之外实施的减排（A级企业：在无清单措施的情况下实施）。在该版本批准前登记；批准时计入减排核算，企业的指令载明，效果评估列出。

    \b
    示例：
      orchestrator negotiated add --alert 1 --uscc 91999905MA0000087C --line 2#烧结机 \\
        --measure 2#烧结机停产至1月9日0时 --kind 停产 --so2 196.8 --nox 598.3 \\
        --reference 示协〔2026〕1号 --agreed-by 李厂长
      orchestrator negotiated list --alert 1
    """


def _line(n: NegotiatedReduction, zone: ZoneInfo) -> str:
    a = n.agreement
    amounts = "，".join(
        f"{s.label} {a.reduction.get(s):g}" for s in Species if a.reduction.get(s) > 0
    )
    return (
        f"{n.id}  {n.name}（{a.uscc}）：{'、'.join(a.lines)} {a.measure}（{a.kind.label}），"
        f"减排{amounts}千克/日，{cn_time(a.start, zone)}至{cn_time(a.end, zone)}，"
        f"协议编号{a.reference}，企业确认人{a.agreed_by}；{n.recorded_by}录入"
    )


@negotiated_group.command("add")
@click.option("--alert", "alert_id", type=int, required=True, help="预警编号。")
@click.option("--uscc", required=True, help="企业（统一社会信用代码）。")
@click.option("--line", "lines", multiple=True, required=True, help="所涉生产线（可重复）。")
@click.option("--measure", required=True, help="协议约定的措施（按协议原文）。")
@click.option(
    "--kind", default="限产", show_default=True, help="措施类型（停产、限产、限负荷等）。"
)
@click.option("--so2", type=float, default=0.0, help="清单措施之外减少的排放量，千克/日。")
@click.option("--nox", type=float, default=0.0, help="清单措施之外减少的排放量，千克/日。")
@click.option("--pm", type=float, default=0.0, help="清单措施之外减少的排放量，千克/日。")
@click.option("--vocs", type=float, default=0.0, help="清单措施之外减少的排放量，千克/日。")
@click.option(
    "--start", "start_text", help="开始时间（不带时区的按本市时间）；默认为该版本的开始时间。"
)
@click.option(
    "--end", "end_text", help="结束时间（不带时区的按本市时间）；默认为该版本的结束时间。"
)
@click.option("--reference", required=True, help="协议编号。")
@click.option("--agreed-by", required=True, help="企业确认人。")
@click.option("--by", default="", help="登记人（记入操作日志）；默认为当前账号。")
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def negotiated_add_command(
    ctx: click.Context,
    alert_id: int,
    uscc: str,
    lines: tuple[str, ...],
    measure: str,
    kind: str,
    so2: float,
    nox: float,
    pm: float,
    vocs: float,
    start_text: str | None,
    end_text: str | None,
    reference: str,
    agreed_by: str,
    by: str,
    as_json: bool,
) -> None:
    """为待审批的预警版本登记一项协商减排。

    \b
    示例：
      orchestrator negotiated add --alert 1 --uscc 91999905MA0000087C --line 2#烧结机 \\
        --measure 2#烧结机停产至1月9日0时 --kind 停产 --so2 196.8 --reference 示协〔2026〕1号 \\
        --agreed-by 李厂长
    """
    context = context_of(ctx)
    if kind not in _KINDS:
        raise InputInvalid(
            f"--kind: 未知措施类型“{kind}”（可用：{'、'.join(MEASURE_KIND_LABELS.values())}）"
        )
    try:
        reduction = Amounts(so2=so2, nox=nox, pm=pm, vocs=vocs)
    except ValueError:
        raise InputInvalid("--so2/--nox/--pm/--vocs: 减排量不能为负数") from None
    office = context.negotiations()
    facts = office.facts(alert_id)
    agreement = Agreement(
        uscc=uscc.strip(),
        lines=lines,
        kind=_KINDS[kind],
        measure=measure,
        reduction=reduction,
        start=instant(context, start_text, "--start") if start_text else facts.start,
        end=instant(context, end_text, "--end") if end_text else _end(facts.end),
        reference=reference,
        agreed_by=agreed_by,
    )
    now = context.clock.now()
    stored = office.record(alert_id, agreement, by=by or operator(), now=now)
    if as_json:
        echo_json(stored.as_json(context.settings.zone))
        return
    # the 不利气象条件应对 band has no reduction check: its agreements are its whole plan
    then = "批准时计入减排量核算" if facts.level.colour else "批准后作为该企业的应对指令下达"
    click.echo(f"已录入协商减排{stored.id}（预警{alert_id}第{facts.number}次修订，{then}）")
    click.echo(_line(stored, context.settings.zone))


def _end(end: dt.datetime | None) -> dt.datetime:
    if end is None:
        raise InputInvalid("--end: 该修订的结束时间为“另行通知”，须写明协商减排的结束时间")
    return end


@negotiated_group.command("list")
@click.option("--alert", "alert_id", type=int, required=True, help="预警编号。")
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def negotiated_list_command(ctx: click.Context, alert_id: int, as_json: bool) -> None:
    """预警各版本登记的协商减排。

    \b
    示例：
      orchestrator negotiated list --alert 1
    """
    context = context_of(ctx)
    items = context.negotiations().of_alert(alert_id)
    if as_json:
        echo_json([n.as_json(context.settings.zone) for n in items])
        return
    if not items:
        click.echo(f"预警{alert_id}没有协商减排记录")
    for n in items:
        click.echo(_line(n, context.settings.zone))


@negotiated_group.command("remove")
@click.argument("negotiated_id", type=int)
@click.option("--by", default="", help="删除人（记入操作日志）；默认为当前账号。")
@click.pass_context
def negotiated_remove_command(ctx: click.Context, negotiated_id: int, by: str) -> None:
    """在所属版本待审批期间删除一项协商减排。

    \b
    示例：
      orchestrator negotiated remove 1
    """
    context = context_of(ctx)
    item = context.negotiations().remove(
        negotiated_id, by=by or operator(), now=context.clock.now()
    )
    click.echo(f"已删除协商减排{negotiated_id}：{item.name}（协议编号{item.agreement.reference}）")


COMMANDS = [negotiated_group]
