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
    click.echo(
        f"预警{view.alert_id}（第{st.number}次{st.kind.label}）{verb}：{st.level.term}，"
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
    }


@click.group("alert")
def alert_group() -> None:
    """Alerts: draft, submit, approve (a second person), issue, adjust, lift, show, list.

    \b
    Example:
      orchestrator alert draft --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --by 张值班
      orchestrator alert approve 1 --by 王副市长
    """


@alert_group.command("draft")
@click.option(
    "--level",
    type=RESPONSE_LEVEL,
    required=True,
    help="adverse = 不利气象条件应对 (on higher instruction: name it in --reason).",
)
@click.option(
    "--start", "start_text", required=True, metavar="ISO", help="When the response starts."
)
@click.option("--end", "end_text", metavar="ISO", help="Expected end; omit for 另行通知.")
@click.option(
    "--by", "by_name", required=True, help="The drafter (a name in config/approval.toml)."
)
@click.option("--reason", default="", help="Basis: consultation opinion, regional instruction, …")
@click.option("--submit", "and_submit", is_flag=True, help="Submit for approval right away.")
@click.pass_context
def alert_draft_command(
    ctx: click.Context,
    level: str,
    start_text: str,
    end_text: str | None,
    by_name: str,
    reason: str,
    and_submit: bool,
) -> None:
    """Draft a new alert (启动).

    \b
    Example:
      orchestrator alert draft --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --by 张值班 --submit
    """
    context = context_of(ctx)
    draft = Draft(
        kind=RevisionKind.ISSUE,
        level=AlertLevel(level),
        start=moment(context, start_text, "--start"),
        end=moment(context, end_text, "--end") if end_text else None,
        reason=reason,
    )
    view = context.alerts().draft(
        draft, by=person(context, by_name), now=context.clock.now(), submit=and_submit
    )
    show(context, view, "已起草")


_ADJUST_HELP = {
    RevisionKind.UPGRADE: "Draft an upgrade (升级) of an issued alert.\n\n\b\nExample:\n  "
    "orchestrator alert upgrade 1 --level red --by 张值班 --reason 预计7日AQI超过300",
    RevisionKind.DOWNGRADE: "Draft a downgrade (降级) of an issued alert.\n\n\b\nExample:\n  "
    "orchestrator alert downgrade 1 --level yellow --by 张值班 --reason 扩散条件改善",
    RevisionKind.EXTEND: "Draft an extension (延长) of an issued alert.\n\n\b\nExample:\n  "
    "orchestrator alert extend 1 --end 2026-01-11T00:00 --by 张值班 --reason 不利气象条件持续",
    RevisionKind.LIFT: "Draft the lift (解除) of an issued alert.\n\n\b\nExample:\n  "
    "orchestrator alert lift 1 --by 张值班 --reason 空气质量已低于启动条件并将持续36小时以上",
}


def _adjust_command(kind: RevisionKind) -> click.Command:
    @click.argument("alert_id", type=int)
    @click.option("--level", type=RESPONSE_LEVEL, help="New level (upgrade/downgrade).")
    @click.option(
        "--start", "start_text", metavar="ISO", help="When the change takes effect; default now."
    )
    @click.option("--end", "end_text", metavar="ISO", help="New expected end.")
    @click.option("--by", "by_name", required=True, help="The drafter.")
    @click.option("--reason", required=True, help="Why (for lift: the criterion met).")
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
        "--by", "by_name", required=True, help="Who acts (a name in config/approval.toml)."
    )
    @click.option(
        "--reason",
        default="",
        help="Why (required to reject or withdraw; to approve: the written reason to issue "
        "despite a reduction shortfall).",
    )
    @click.pass_context
    def command(ctx: click.Context, alert_id: int, by_name: str, reason: str) -> None:
        context = context_of(ctx)
        run(context, alert_id, person(context, by_name), reason)

    return click.command(name, help=doc)(command)


alert_group.add_command(
    _simple_command(
        "submit",
        "Submit a draft for approval.\n\n\b\nExample:\n  orchestrator alert submit 1 --by 张值班",
        lambda c, i, by, r: show(c, c.alerts().submit(i, by=by, now=c.clock.now()), "已提交审批"),
    )
)
alert_group.add_command(
    _simple_command(
        "approve",
        "Approve (a person other than the drafter, with the role the level needs); freezes the "
        "dispatch plan.\n\n\b\nExample:\n  orchestrator alert approve 1 --by 王副市长",
        _approve,
    )
)
alert_group.add_command(
    _simple_command(
        "reject",
        "Send a pending alert back to draft.\n\n\b\nExample:\n  "
        "orchestrator alert reject 1 --by 王副市长 --reason 请补充会商意见",
        lambda c, i, by, r: show(
            c, c.alerts().reject(i, by=by, now=c.clock.now(), reason=r), "已退回"
        ),
    )
)
alert_group.add_command(
    _simple_command(
        "withdraw",
        "Withdraw an open (draft, pending or approved) revision.\n\n\b\nExample:\n  "
        "orchestrator alert withdraw 1 --by 张值班 --reason 预报调整",
        lambda c, i, by, r: show(
            c, c.alerts().withdraw(i, by=by, now=c.clock.now(), reason=r), "已撤回"
        ),
    )
)


@alert_group.command("issue")
@click.argument("alert_id", type=int)
@click.option("--by", "by_name", required=True, help="Who issues.")
@click.option(
    "--override", help="Approver's written reason to issue despite a reduction shortfall."
)
@click.pass_context
def alert_issue_command(
    ctx: click.Context, alert_id: int, by_name: str, override: str | None
) -> None:
    """Issue an approved alert revision: it gets its document number and takes effect.

    \b
    Example:
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
        click.echo(
            f"已生成通知{len(issued.notices.documents)}份、应急响应指令{issued.notices.orders}份"
            "（orchestrator notices render 导出）"
        )


@alert_group.command("show")
@click.argument("alert_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def alert_show_command(ctx: click.Context, alert_id: int, as_json: bool) -> None:
    """Show an alert: every revision and the audit trail.

    \b
    Example:
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
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def alert_list_command(ctx: click.Context, as_json: bool) -> None:
    """List alerts, newest first, each with its current revision.

    \b
    Example:
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
    """Regional hints (区域预警提示): instructions from the province or ministry.

    \b
    Example:
      orchestrator hint add --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --issuer 省指挥部 --number 省气指〔2026〕3号 --by 张值班
    """


@hint_group.command("add")
@click.option("--level", type=RESPONSE_LEVEL, required=True)
@click.option("--start", "start_text", required=True, metavar="ISO")
@click.option("--end", "end_text", required=True, metavar="ISO")
@click.option("--issuer", required=True, help="Who issued it.")
@click.option("--number", "document_number", required=True, help="Its document number.")
@click.option("--area", default="", help="Area concerned.")
@click.option("--by", "by_name", required=True, help="Who records it (becomes the drafter).")
@click.pass_context
def hint_add_command(
    ctx: click.Context,
    level: str,
    start_text: str,
    end_text: str,
    issuer: str,
    document_number: str,
    area: str,
    by_name: str,
) -> None:
    """Record a regional hint; drafts what it asks for: an alert of its level for its window,
    or, with an alert in force, its upgrade or extension (nothing when it covers the hint).

    \b
    Example:
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
    )
    click.echo(
        f"已登记区域预警提示{recorded.hint_id}（{issuer}{document_number}）；{recorded.note}"
    )
    if recorded.draft is not None:
        show(context, recorded.draft, "已起草")


COMMANDS = (alert_group, hint_group)
