"""Command line of alerts and regional hints: ``orchestrator alert draft|submit|approve|reject|
withdraw|issue|upgrade|downgrade|extend|lift|show|list`` and ``orchestrator hint add``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from orchestrator.alerts.model import AlertLevel
from orchestrator.cli.common import RESPONSE_LEVEL, context_of, echo_json, moment, person
from orchestrator.emissions.plans import Change
from orchestrator.response.model import (
    ADJUSTMENTS,
    AlertRevision,
    Draft,
    Person,
    RevisionKind,
    current,
)

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context


def show(context: Context, view: AlertRevision, verb: str) -> None:
    st = view.state
    zone = context.settings.zone
    end = f"{st.end.astimezone(zone):%Y-%m-%d %H:%M}" if st.end else "另行通知"
    number = f"，文号{view.document_number}" if view.document_number else ""
    area = f"{'、'.join(view.counties)}" if view.counties else ""
    click.echo(
        f"预警{view.alert_id}（第{st.number}次{st.kind.label}）{verb}：{area}{st.level.term}，"
        f"{st.start.astimezone(zone):%Y-%m-%d %H:%M}至{end}，状态：{st.status.label}{number}"
    )


def alert_json(context: Context, view: AlertRevision) -> dict[str, Any]:
    st = view.state
    zone = context.settings.zone
    return {
        "id": view.alert_id,
        "revision": st.number,
        "kind": st.kind.value,
        "level": st.level.value,
        "status": st.status.value,
        "document_number": view.document_number,
        "start": st.start.astimezone(zone).isoformat(),
        "end": st.end.astimezone(zone).isoformat() if st.end else None,
        "drafted_by": st.drafted_by,
        "approved_by": st.approved_by,
        "issued_at": st.issued_at.astimezone(zone).isoformat() if st.issued_at else None,
        "list_revision": view.list_revision,
        "reason": view.reason,
        "counties": list(view.counties),  # the alert's area (empty: the whole city)
    }


@click.group("alert")
def alert_group() -> None:
    """预警办理：起草、提交、审批（须由另一人批准）、发布、调整、解除、查看、列表。

    \b
    示例：
      orchestrator alert draft --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --by 张值班
      orchestrator alert approve 1 --by 王副市长
    """


@alert_group.command("draft")
@click.option(
    "--level",
    type=RESPONSE_LEVEL,
    required=True,
    help="adverse 为不利气象条件应对（依上级指令开展，须在 --reason 中写明指令）。",
)
@click.option("--start", "start_text", required=True, metavar="ISO", help="响应开始时间。")
@click.option("--end", "end_text", metavar="ISO", help="预计结束时间；不填为“另行通知”。")
@click.option(
    "--by", "by_name", required=True, help="起草人（config/approval.toml 人员名单中的姓名）。"
)
@click.option("--reason", default="", help="起草依据：会商意见、上级指令等。")
@click.option(
    "--county",
    "counties",
    multiple=True,
    help="预警范围内的区县（可重复）；不填为全市。",
)
@click.option("--submit", "and_submit", is_flag=True, help="起草后立即提交审批。")
@click.pass_context
def alert_draft_command(
    ctx: click.Context,
    level: str,
    start_text: str,
    end_text: str | None,
    by_name: str,
    reason: str,
    counties: tuple[str, ...],
    and_submit: bool,
) -> None:
    """起草新预警（启动），范围为全市或所列区县。同一区县同一时段只执行一个预警。

    \b
    示例：
      orchestrator alert draft --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --by 张值班 --submit
      orchestrator alert draft --level yellow --start 2026-02-10T00:00 --end 2026-02-12T00:00 --county 北山县 --county 南川县 --by 张值班
    """
    context = context_of(ctx)
    draft = Draft(
        kind=RevisionKind.ISSUE,
        level=AlertLevel(level),
        start=moment(context, start_text, "--start"),
        end=moment(context, end_text, "--end") if end_text else None,
        reason=reason,
        counties=counties,
    )
    view = context.alerts().draft(
        draft, by=person(context, by_name), now=context.clock.now(), submit=and_submit
    )
    show(context, view, "已起草")


_ADJUST_HELP = {
    RevisionKind.UPGRADE: "起草已发布预警的升级。\n\n\b\n示例：\n  "
    "orchestrator alert upgrade 1 --level red --by 张值班 --reason 预计7日AQI超过300",
    RevisionKind.DOWNGRADE: "起草已发布预警的降级。\n\n\b\n示例：\n  "
    "orchestrator alert downgrade 1 --level yellow --by 张值班 --reason 扩散条件改善",
    RevisionKind.EXTEND: "起草已发布预警的延长。\n\n\b\n示例：\n  "
    "orchestrator alert extend 1 --end 2026-01-11T00:00 --by 张值班 --reason 不利气象条件持续",
    RevisionKind.LIFT: "起草已发布预警的解除。\n\n\b\n示例：\n  "
    "orchestrator alert lift 1 --by 张值班 --reason 空气质量已低于启动条件并将持续36小时以上",
}


def _adjust_command(kind: RevisionKind) -> click.Command:
    @click.argument("alert_id", type=int)
    @click.option("--level", type=RESPONSE_LEVEL, help="调整后的等级（升级、降级时）。")
    @click.option("--start", "start_text", metavar="ISO", help="调整生效时间；默认为当前。")
    @click.option("--end", "end_text", metavar="ISO", help="新的预计结束时间。")
    @click.option("--by", "by_name", required=True, help="起草人。")
    @click.option("--reason", required=True, help="理由（解除时写明所达到的解除条件）。")
    @click.pass_context
    def command(
        ctx: click.Context,
        alert_id: int,
        level: str | None,
        start_text: str | None,
        end_text: str | None,
        by_name: str,
        reason: str,
    ) -> None:
        context = context_of(ctx)
        view = context.alerts().adjust(
            alert_id,
            kind,
            by=person(context, by_name),
            now=context.clock.now(),
            reason=reason,
            level=AlertLevel(level) if level else None,
            start=moment(context, start_text, "--start") if start_text else None,
            end=moment(context, end_text, "--end") if end_text else None,
        )
        show(context, view, "已起草")

    return click.command(kind.value, help=_ADJUST_HELP[kind])(command)


for _kind in ADJUSTMENTS:
    alert_group.add_command(_adjust_command(_kind))


def _approve(context: Context, alert_id: int, by: Person, reason: str) -> None:
    a = context.alerts().approve(alert_id, by=by, now=context.clock.now(), override=reason or None)
    show(context, a.revision, "已批准")
    if not a.revision.state.level.colour and a.revision.state.kind is not RevisionKind.LIFT:
        click.echo(f"不执行清单措施：按协商减排下达指令的企业{a.enterprises}家")
    if a.check is not None:
        click.echo(f"调度方案：依据清单第{a.revision.list_revision}版，涉及企业{a.enterprises}家")
        if a.check.controls:
            click.echo(
                f"  已扣除常态化管控已要求的减排量：{'、'.join(f'《{t}》' for t in a.check.controls)}"
            )
        for s, v in a.check.species.items():
            notes = [f"含协商减排{v.negotiated_kg_d:g}千克/日"] if v.negotiated_kg_d else []
            if v.already_controlled_kg_d:
                notes.append(
                    f"另有{v.already_controlled_kg_d:g}千克/日已停产或已受常态化管控，不计入"
                )
            noted = f"（{'；'.join(notes)}）" if notes else ""
            click.echo(
                f"  {s.label}：减排{v.reduction_kg_d:g}千克/日{noted}，占{v.ratio:.1%}，"
                f"目标{v.target:.0%}，{'达标' if v.met else '未达标'}"
            )
        written = a.revision.state.shortfall_override
        if not a.check.met and written:
            click.echo(f"减排量未达到目标，已记录审批人书面理由：{written}")
        elif not a.check.met:
            click.echo(
                "减排量未达到目标：发布须由审批人书面说明理由（批准时以 --reason，"
                "或由审批人本人发布时以 --override）",
                err=True,
            )
    if a.changes:
        click.echo(
            f"与现行方案相比：须加严{a.count(Change.MORE)}家，可放宽{a.count(Change.LESS)}家，"
            f"可恢复生产{a.count(Change.RESUME)}家，新增{a.count(Change.NEW)}家，不变{a.count(Change.SAME)}家"
            + (
                f"，仍须执行常态化管控措施{a.count(Change.REMAIN)}家"
                if a.count(Change.REMAIN)
                else ""
            )
        )


def _simple_command(name: str, doc: str, run: Any) -> click.Command:
    @click.argument("alert_id", type=int)
    @click.option(
        "--by", "by_name", required=True, help="办理人（config/approval.toml 人员名单中的姓名）。"
    )
    @click.option(
        "--reason",
        default="",
        help="理由（退回、撤回时必填；批准时为减排量未达标仍准予发布的书面理由）。",
    )
    @click.pass_context
    def command(ctx: click.Context, alert_id: int, by_name: str, reason: str) -> None:
        context = context_of(ctx)
        run(context, alert_id, person(context, by_name), reason)

    return click.command(name, help=doc)(command)


alert_group.add_command(
    _simple_command(
        "submit",
        "将草稿提交审批。\n\n\b\n示例：\n  orchestrator alert submit 1 --by 张值班",
        lambda c, i, by, r: show(c, c.alerts().submit(i, by=by, now=c.clock.now()), "已提交审批"),
    )
)
alert_group.add_command(
    _simple_command(
        "approve",
        "批准（须由起草人以外、具有该等级所需角色的人员批准）；批准时冻结调度方案。"
        "\n\n\b\n示例：\n  orchestrator alert approve 1 --by 王副市长",
        _approve,
    )
)
alert_group.add_command(
    _simple_command(
        "reject",
        "将待审批的预警退回起草。\n\n\b\n示例：\n  "
        "orchestrator alert reject 1 --by 王副市长 --reason 请补充会商意见",
        lambda c, i, by, r: show(
            c, c.alerts().reject(i, by=by, now=c.clock.now(), reason=r), "已退回"
        ),
    )
)
alert_group.add_command(
    _simple_command(
        "withdraw",
        "撤回未发布（草稿、待审批或已批准）的版本。\n\n\b\n示例：\n  "
        "orchestrator alert withdraw 1 --by 张值班 --reason 预报调整",
        lambda c, i, by, r: show(
            c, c.alerts().withdraw(i, by=by, now=c.clock.now(), reason=r), "已撤回"
        ),
    )
)


@alert_group.command("issue")
@click.argument("alert_id", type=int)
@click.option("--by", "by_name", required=True, help="发布人。")
@click.option("--override", help="减排量未达到目标时，批准人准予发布的书面理由。")
@click.pass_context
def alert_issue_command(
    ctx: click.Context, alert_id: int, by_name: str, override: str | None
) -> None:
    """发布已批准的预警版本：编定文号并生效。

    \b
    示例：
      orchestrator alert issue 1 --by 张值班
    """
    context = context_of(ctx)
    issued = context.alerts().issue(
        alert_id, by=person(context, by_name), now=context.clock.now(), override=override
    )
    for w in issued.warnings:
        click.echo(f"提示：{w}", err=True)
    show(context, issued.revision, "已发布")
    if issued.notices is not None:
        tasks = issued.notices.tasks
        click.echo(
            f"已生成通知{len(issued.notices.documents)}份、应急响应指令{issued.notices.orders}份"
            + (f"、任务单{tasks}份" if tasks else "")
            + "（orchestrator notices render 导出）"
        )


@alert_group.command("show")
@click.argument("alert_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def alert_show_command(ctx: click.Context, alert_id: int, as_json: bool) -> None:
    """查看预警：各版本及办理记录。

    \b
    示例：
      orchestrator alert show 1 --json
    """
    context = context_of(ctx)
    office = context.alerts()
    views = office.revisions(alert_id)
    trail = office.trail(alert_id)
    zone = context.settings.zone
    if as_json:
        out = alert_json(context, current(views))
        out["revisions"] = [alert_json(context, v) for v in views]
        out["audit"] = [
            {
                "at": t.at.astimezone(zone).isoformat(),
                "actor": t.actor,
                "action": t.action.value,
                "reason": t.reason,
            }
            for t in trail
        ]
        echo_json(out)
        return
    for v in views:
        show(context, v, v.state.status.label)
    for t in trail:
        reason = f"：{t.reason}" if t.reason else ""
        click.echo(f"  {t.at.astimezone(zone):%Y-%m-%d %H:%M} {t.actor} {t.label}{reason}")


@alert_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出JSON列表。")
@click.pass_context
def alert_list_command(ctx: click.Context, as_json: bool) -> None:
    """列出预警（新的在前）及各自的当前版本。

    \b
    示例：
      orchestrator alert list --json
    """
    context = context_of(ctx)
    views = context.alerts().alerts()
    if as_json:
        echo_json([alert_json(context, v) for v in views])
        return
    if not views:
        click.echo("暂无预警")
    for v in views:
        show(context, v, v.state.status.label)


@click.group("hint")
def hint_group() -> None:
    """区域预警提示：省级或国家下达的指令。

    \b
    示例：
      orchestrator hint add --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --issuer 省指挥部 --number 省气指〔2026〕3号 --by 张值班
    """


@hint_group.command("add")
@click.option("--level", type=RESPONSE_LEVEL, required=True)
@click.option("--start", "start_text", required=True, metavar="ISO")
@click.option("--end", "end_text", required=True, metavar="ISO")
@click.option("--issuer", required=True, help="下达单位。")
@click.option("--number", "document_number", required=True, help="文号。")
@click.option("--area", default="", help="涉及区域。")
@click.option(
    "--county", "counties", multiple=True, help="提示约束的本市区县（可重复）；不填为全市。"
)
@click.option("--by", "by_name", required=True, help="登记人（即起草人）。")
@click.pass_context
def hint_add_command(
    ctx: click.Context,
    level: str,
    start_text: str,
    end_text: str,
    issuer: str,
    document_number: str,
    area: str,
    counties: tuple[str, ...],
    by_name: str,
) -> None:
    """登记区域预警提示，并按其要求起草：当前无生效预警的，起草该等级、该时段的预警；有生效预警的，起草升级或延长（已覆盖提示要求的不起草）。

    \b
    示例：
      orchestrator hint add --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --issuer 省指挥部 --number 省气指〔2026〕3号 --by 张值班
    """
    context = context_of(ctx)
    by = person(context, by_name)
    recorded = context.alerts().add_hint(
        level=AlertLevel(level),
        start=moment(context, start_text, "--start"),
        end=moment(context, end_text, "--end"),
        issuer=issuer,
        document_number=document_number,
        area=area,
        by=by,
        now=context.clock.now(),
        counties=counties,
    )
    click.echo(
        f"已登记区域预警提示{recorded.hint_id}（{issuer}{document_number}）；{recorded.note}"
    )
    for drafted in recorded.drafts:
        show(context, drafted, "已起草")


COMMANDS = (alert_group, hint_group)
