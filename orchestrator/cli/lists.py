"""Command line of the emergency emission list (应急减排清单): ``orchestrator list import``,
``revisions``, ``diff``, ``check``, ``coverage``, ``checks``, ``export``, ``template`` and ``board``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.cli.common import (
    LEVEL,
    Progress,
    context_of,
    date_option,
    echo_json,
    instant,
    operator,
    summarised,
)
from orchestrator.emissions.model import EmissionList
from orchestrator.errors import InputInvalid, NotFound
from orchestrator.notices.contexts import NoticeBoardContext
from orchestrator.response.model import cn_instant


@click.group("list")
def list_group() -> None:
    """应急减排清单：导入、版本、比对、核算、覆盖检查、导出。

    \b
    示例：
      orchestrator list import emission_lists/sample_list.xlsx --effective-from 2025-10-01
      orchestrator list check --level orange
    """


@list_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--effective-from",
    "effective_text",
    metavar="YYYY-MM-DD",
    help="版本生效日期；默认为当日。",
)
@click.option("--dry-run", is_flag=True, help="只校验，不存储。")
@click.option("--all-hints", is_flag=True, help="逐条列出全部提示（默认同类提示只列前3条并计数）。")
@click.option("--by", default=None, help="导入人（记入操作日志）；默认为当前账号。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_import_command(
    ctx: click.Context,
    file: Path,
    effective_text: str | None,
    dry_run: bool,
    all_hints: bool,
    by: str | None,
    as_json: bool,
) -> None:
    """校验清单工作簿（xlsx或CSV）并存为新版本。

    每项错误按“文件:工作表:行:列: 说明”报告，退出码为1，不存入任何数据。同一文件以同一生效日期再次导入不作任何改变。

    \b
    示例：
      orchestrator list import emission_lists/sample_list.xlsx --effective-from 2025-10-01
      orchestrator list import new_list.xlsx --dry-run
    """
    context = context_of(ctx)
    now = context.clock.now()
    effective = date_option(effective_text, "--effective-from") if effective_text else now.date()
    with Progress("导入清单") as progress:
        result = context.lists().import_list(
            file,
            effective_from=effective,
            now=now,
            by=by or operator(),
            dry_run=dry_run,
            progress=progress,
        )
    rev = result.revision
    if as_json:
        click.echo(
            json.dumps(
                {
                    "revision": rev.number if rev else None,
                    "created": result.created,
                    "effective_from": effective.isoformat(),
                    "enterprises": result.enterprises,
                    "lines": result.lines,
                    "dust_sites": result.dust_sites,
                    "transport_users": result.transport_users,
                    "warnings": list(result.warnings),
                },
                ensure_ascii=False,
            )
        )
        return
    for w in result.warnings if all_hints else summarised(result.warnings):
        click.echo(f"提示：{w}", err=True)
    counts = (
        f"企业{result.enterprises}家、生产线{result.lines}条、扬尘源{result.dust_sites}处、"
        f"移动源{result.transport_users}家，提示{len(result.warnings)}条"
    )
    if rev is None:
        click.echo(f"校验通过（未导入）：{counts}")
    elif result.created:
        click.echo(f"已导入为第{rev.number}版，{effective.isoformat()}起生效：{counts}")
    else:
        click.echo(
            f"该文件已于{rev.imported_at.astimezone(context.settings.zone):%Y-%m-%d %H:%M}导入为第{rev.number}版，未重复导入"
        )


@list_group.command("revisions")
@click.option("--json", "as_json", is_flag=True, help="输出JSON列表。")
@click.pass_context
def list_revisions_command(ctx: click.Context, as_json: bool) -> None:
    """列出已存储的清单版本。

    \b
    示例：
      orchestrator list revisions
    """
    context = context_of(ctx)
    rows = context.lists().summaries()
    if as_json:
        echo_json([r.as_json() for r in rows])
        return
    if not rows:
        click.echo("尚未导入应急减排清单")
    for s in rows:
        r = s.revision
        click.echo(
            f"第{r.number}版  {r.effective_from.isoformat()}起生效  {r.source}  "
            f"企业{s.enterprises}家 生产线{s.lines}条 提示{len(s.warnings)}条"
        )


@list_group.command("diff")
@click.argument("rev1", type=int)
@click.argument("rev2", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_diff_command(ctx: click.Context, rev1: int, rev2: int, as_json: bool) -> None:
    """显示两个版本之间的变化：企业、绩效等级、措施。

    \b
    示例：
      orchestrator list diff 1 2
    """
    context = context_of(ctx)
    d = context.lists().diff(rev1, rev2)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "added": [{"uscc": e.uscc, "name": e.name} for e in d.added],
                    "removed": [{"uscc": e.uscc, "name": e.name} for e in d.removed],
                    "grade_changes": [
                        {"uscc": n.uscc, "name": n.name, "from": o.grade.value, "to": n.grade.value}
                        for o, n in d.grade_changes
                    ],
                    "measure_changes": d.measure_changes,
                },
                ensure_ascii=False,
            )
        )
        return
    if d.empty:
        click.echo(f"第{rev1}版与第{rev2}版内容相同")
        return
    for e in d.added:
        click.echo(f"新增企业：{e.name}（{e.uscc}）")
    for e in d.removed:
        click.echo(f"删除企业：{e.name}（{e.uscc}）")
    for o, n in d.grade_changes:
        click.echo(f"等级调整：{n.name} {o.grade.value}→{n.grade.value}")
    for c in d.measure_changes:
        click.echo(f"措施调整：{c}")


@list_group.command("check")
@click.option("--revision", type=int, help="版本号；默认为 --at 时刻施行的版本。")
@click.option("--level", type=LEVEL, help="只核算一个等级；默认三个等级。")
@click.option(
    "--at",
    "at_text",
    metavar="ISO",
    help="核算时刻（不带时区的按本市时间）；默认为当前。",
)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_check_command(
    ctx: click.Context,
    revision: int | None,
    level: str | None,
    at_text: str | None,
    as_json: bool,
) -> None:
    """核算某一时刻各预警等级的清单措施在全市排放量中的减排比例，并与减排目标比较：扣除已停产企业和当时施行的常态化管控（错峰生产、臭氧管控时段）已要求的减排量。

    \b
    示例：
      orchestrator list check --level orange --at 2026-01-06T00:00 --json
    """
    from orchestrator.emissions.targets import check_json

    context = context_of(ctx)
    at = instant(context, at_text, "--at") if at_text else context.clock.now()
    on = at.astimezone(context.settings.zone).date()
    levels = (AlertLevel(level),) if level else ALERT_LEVELS
    office = context.lists()
    found = [office.level_check(lv, at, on=on, revision=revision) for lv in levels]
    days = [d for d in found if d is not None]
    if not days:
        office.revision(None)  # none imported at all: 尚未导入应急减排清单
        raise NotFound(f"{on.isoformat()}没有生效的应急减排清单，可用 --revision 指定版本")
    number = days[0].list_revision
    checks = [d.check for d in days]
    if as_json:
        body = check_json(number, checks)
        body["at"] = at.isoformat()
        body["controls"] = list(dict.fromkeys(t for c in checks for t in c.controls))
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    click.echo(
        f"应急减排清单第{number}版 减排量核算（{cn_instant(at, context.settings.zone)}，"
        "全社会排放量见 config/city.toml）"
    )
    controls = list(dict.fromkeys(t for c in checks for t in c.controls))
    if controls:
        click.echo(f"已扣除常态化管控已要求的减排量：{'、'.join(f'《{t}》' for t in controls)}")
    for c in checks:
        click.echo(f"{c.level.term}：{'全部达标' if c.met else '未达标'}")
        for s, v in c.species.items():
            mark = "达标" if v.met else "未达标"
            top = "、".join(f"{n}（{x:g}）" for n, x in c.contributors[s][:3]) or "无"
            already = (
                f"（另有{v.already_controlled_kg_d:g}千克/日已停产或已受常态化管控，不计入）"
                if v.already_controlled_kg_d
                else ""
            )
            click.echo(
                f"  {s.label}：减排{v.reduction_kg_d:g}千克/日{already}，占全社会排放量"
                f"{v.ratio:.1%}，目标{v.target:.0%}，{mark}；主要贡献：{top}"
            )


@list_group.command("coverage")
@click.argument("permits", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sites",
    type=click.Path(dir_okay=False, path_type=Path),
    help="在建工地名录（住建，CSV或xlsx）。",
)
@click.option(
    "--transport",
    type=click.Path(dir_okay=False, path_type=Path),
    help="重点用车单位名录（CSV或xlsx）。",
)
@click.option("--revision", type=int, help="版本号；默认为最新版本。")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="另存Excel报告（每个名录一个文件：汇总表及各区县核实清单）。",
)
@click.option("--no-keep", is_flag=True, help="只比对，不保存本次核查结果。")
@click.option("--by", default=None, help="核查人（记入操作日志）；默认为当前账号。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_coverage_command(
    ctx: click.Context,
    permits: Path | None,
    sites: Path | None,
    transport: Path | None,
    revision: int | None,
    out: Path | None,
    no_keep: bool,
    by: str | None,
    as_json: bool,
) -> None:
    """将清单与排污许可名录、在建工地名录、重点用车单位名录双向比对。

    查出名录中有而清单中无的（应纳入）、清单中有而名录中无或已注销、完工的（应核实），以及许可证编号不一致、
    未填许可证编号、名称不一致和登记管理涉VOCs待核实的企业。每次核查结果保存备查，并与上次核查比较。
    名录的列见 emission_lists/README.md；旧版三列CSV（统一社会信用代码、企业名称、涉气）仍可读取。

    \b
    示例：
      orchestrator list coverage samples/registries/permits.csv
      orchestrator list coverage --sites samples/registries/sites.csv --transport samples/registries/transport.csv
      orchestrator list coverage samples/registries/permits.csv --out coverage.xlsx
    """
    from orchestrator.emissions.registries import Registry
    from orchestrator.emissions.workbook import write_coverage

    given = [
        (r, p)
        for r, p in (
            (Registry.PERMITS, permits),
            (Registry.SITES, sites),
            (Registry.TRANSPORT, transport),
        )
        if p is not None
    ]
    if not given:
        raise click.UsageError(
            "请至少给出一个名录：排污许可名录（PERMITS）、--sites 或 --transport"
        )
    context = context_of(ctx)
    service = context.lists()
    now = context.clock.now()
    results = []
    for registry, path in given:
        report = service.check_coverage(
            registry, path, now=now, by=by or operator(), revision=revision, keep=not no_keep
        )
        results.append(report)
        if out is not None:
            target = (
                out
                if len(given) == 1
                else out.with_name(f"{out.stem}-{registry.value}{out.suffix}")
            )
            write_coverage(report, target)
            if not as_json:
                click.echo(f"已写出{target}")
    if as_json:
        echo_json(
            {
                "revision": results[0].run.list_revision,
                "registries": [
                    {
                        "registry": r.run.registry.value,
                        "run": r.run.id or None,
                        "holders": r.run.holders,
                        "counts": r.counts(),
                        "findings": [f.as_dict() for f in r.run.findings],
                        "new": len(r.new),
                        "resolved": [f.as_dict() for f in r.resolved],
                        "problems": list(r.problems),
                    }
                    for r in results
                ],
            }
        )
        return
    for r in results:
        for p in r.problems:
            click.echo(f"提示：{p}（已跳过该行）", err=True)
        run = r.run
        since = (
            f"，较上次（{cn_instant(r.previous.ran_at, context.settings.zone)}）新增{len(r.new)}项、"
            f"已解决{len(r.resolved)}项"
            if r.previous is not None
            else ""
        )
        kept = f"，已保存为第{run.id}次核查" if run.id else ""
        click.echo(
            f"{run.registry.label}（{run.source}，{run.holders}条）比对第{run.list_revision}版清单："
            f"发现{len(run.findings)}项{since}{kept}"
        )
        fresh = {f.ident for f in r.new} if r.previous is not None else set()
        for kind, count in r.counts().items():
            if not count:
                continue
            found = [f for f in run.findings if f.kind.value == kind]
            click.echo(f"  {found[0].kind.label}：{count}项（{found[0].kind.action}）")
            for f in found:
                mark = "［新］" if f.ident in fresh else ""
                click.echo(f"    {mark}{f.county or '—'} {f.name}（{f.key}）：{f.detail}")
        for f in r.resolved:
            click.echo(f"  已解决：{f.kind.label} {f.name}（{f.key}）")


@list_group.command("checks")
@click.argument("run", required=False, type=int)
@click.option(
    "--issue", is_flag=True, help="向各区县和主管成员单位下发本次核查的核查任务（只下发一次）。"
)
@click.option("--by", default=None, help="下发人（记入操作日志）；默认为当前账号。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_checks_command(
    ctx: click.Context, run: int | None, issue: bool, by: str | None, as_json: bool
) -> None:
    """覆盖核查的核查任务：下发给各单位，查看各单位的核实结果。

    每个区县核实其辖区内的发现，没有区县或区县不在应急响应网络中的由主管该类清单的成员单位核实（工地归住建、
    重点用车单位归交通运输）。任务通知经各单位的接收渠道送达（由 orchestrator deliver 投递），
    各单位通过通知中的链接逐项填报核实结果。RUN 为核查次序，默认为最近一次。

    \b
    示例：
      orchestrator list checks --issue
      orchestrator list checks 1 --json
    """
    context = context_of(ctx)
    if run is None:
        runs = context.lists().coverage_runs(limit=1)
        if not runs:
            raise NotFound("尚无核查记录，请先运行 orchestrator list coverage")
        run = runs[0].id
    checks = context.checks()
    now = context.clock.now()
    issued = checks.issue(run, now=now, by=by or operator()) if issue else None
    standing = checks.standing(run)
    zone = context.settings.zone
    if as_json:
        echo_json(
            {
                "run": run,
                "registry": standing.run.registry.value,
                "issued": None if issued is None else not issued.already,
                "deliveries": 0 if issued is None else issued.deliveries,
                "tasked_at": standing.tasked_at.isoformat() if standing.tasked_at else None,
                "items": standing.items,
                "answered": standing.answered,
                "contradicted": standing.contradicted,
                "unassigned": [f.as_dict() for f in standing.unassigned],
                "tasks": [
                    {
                        "unit": t.unit_id,
                        "name": t.unit_name,
                        "uscc": t.uscc,
                        "items": len(t.items),
                        "answered": t.answered,
                        "deadline": t.deadline.isoformat(),
                        "overdue": t.overdue(now),
                        "answers": [{**a.as_dict(), "unit": t.uscc} for a in t.answers],
                    }
                    for t in standing.tasks
                ],
            }
        )
        return
    title = f"{standing.run.registry.label}第{run}次核查"
    if issued is not None:
        if issued.already:
            click.echo(f"{title}的核查任务此前已下发，未重复下发。")
        else:
            click.echo(
                f"已向{issued.tasks}个单位下发{title}的核查任务{issued.items}项，"
                f"{issued.deliveries}条通知已放入发送队列（由 orchestrator deliver 投递）。"
            )
    if standing.tasked_at is None:
        click.echo(
            f"{title}（发现{len(standing.run.findings)}项）的核查任务尚未下发；加 --issue 下发。"
        )
        return
    click.echo(
        f"{title}：{cn_instant(standing.tasked_at, zone)}下发，共{standing.items}项，"
        f"已答复{standing.answered}项"
        + (
            f"，{standing.contradicted}项上次答复已办结但本次仍存在"
            if standing.contradicted
            else ""
        )
    )
    for t in standing.tasks:
        late = "（已逾期）" if t.overdue(now) else ""
        click.echo(
            f"  {t.unit_name}：{len(t.items)}项，已答复{t.answered}项，"
            f"期限{cn_instant(t.deadline, zone)}{late}"
        )
        for a in t.answers:
            note = f"：{a.note}" if a.note else ""
            click.echo(f"    {a.key} {a.outcome.label}{note}（{a.signer}）")
    for f in standing.unassigned:
        click.echo(f"  无对应单位：{f.county or '—'} {f.name}（{f.kind.label}）")


@list_group.command("grade")
@click.argument("uscc")
@click.argument("grade")
@click.option("--from", "effective_text", required=True, metavar="YYYY-MM-DD", help="生效日期。")
@click.option(
    "--source",
    type=click.Choice(["declared", "reviewed", "published", "province", "nation"]),
    default="reviewed",
    show_default=True,
    help="决定来源：declared 企业申报，reviewed 市级评审，published 公示，province 省级平台认定，nation 国家平台认定。",
)
@click.option("--ref", "reference", required=True, help="决定依据（文号或平台记录编号）。")
@click.option("--note", default="", help="说明。")
@click.option("--by", default=None, help="记录人（记入操作日志）；默认为当前账号。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_grade_command(
    ctx: click.Context,
    uscc: str,
    grade: str,
    effective_text: str,
    source: str,
    reference: str,
    note: str,
    by: str | None,
    as_json: bool,
) -> None:
    """记录企业绩效等级的调整，并自生效日期起调整清单。

    以生效日期当日执行的清单为基础生成新版清单：该企业按新等级重新核定各级预警措施（A+、A级和引领性企业自主减排，
    其他等级按行业措施表），此后启动的预警按新版清单下达指令。同一决定重复记录不作任何改变。

    \b
    示例：
      orchestrator list grade 91999900MA0000002C A --from 2025-12-01 --ref 示环评〔2025〕12号
      orchestrator list grade 91999900MA0000002C C --from 2026-01-10 --source published --ref 公示2026-01
    """
    from orchestrator.emissions.grades import GradeSource
    from orchestrator.emissions.model import Grade

    try:
        new = Grade(grade.strip().upper().replace("－", "-"))
    except ValueError:
        raise InputInvalid(
            f"未知绩效等级“{grade}”（可用：{'、'.join(g.value for g in Grade)}）"
        ) from None
    context = context_of(ctx)
    result = context.lists().record_grade(
        uscc,
        new,
        effective_from=date_option(effective_text, "--from"),
        source=GradeSource(source),
        reference=reference,
        now=context.clock.now(),
        by=by or operator(),
        note=note,
    )
    rev = result.revision
    if as_json:
        echo_json(
            {
                "decision": result.decision.id,
                "repeated": result.repeated,
                "revision": rev.number if rev else None,
                "effective_from": rev.effective_from.isoformat() if rev else None,
                "changes": list(result.notes),
                "later_revisions": list(result.later),
            }
        )
        return
    d = result.decision
    if result.repeated:
        click.echo(f"该决定已于此前记录（{d.source.label}，{d.reference}），未作改变")
        return
    click.echo(
        f"已记录：{d.uscc}绩效等级{d.grade.value}，{d.effective_from.isoformat()}起（{d.source.label}，{d.reference}）"
    )
    if rev is None:
        click.echo("清单中该企业已为此等级，清单未调整")
    else:
        click.echo(
            f"已生成第{rev.number}版清单，{rev.effective_from.isoformat()}起生效；措施调整{len(result.notes)}项："
        )
        for line in result.notes:
            click.echo(f"  {line}")
    if result.later:
        numbers = "、".join(f"第{n}版" for n in result.later)
        click.echo(f"提示：{numbers}清单生效日期在此之后，未含本次调整，请在其中同步调整", err=True)


@list_group.command("grades")
@click.argument("uscc")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_grades_command(ctx: click.Context, uscc: str, as_json: bool) -> None:
    """企业绩效等级的历史：各版清单所载等级和各次调整决定。

    \b
    示例：
      orchestrator list grades 91999900MA0000002C
    """
    name, steps = context_of(ctx).lists().grade_history(uscc)
    if as_json:
        echo_json(
            {
                "uscc": uscc.strip().upper(),
                "name": name,
                "history": [
                    {
                        "effective_from": s.effective_from.isoformat(),
                        "grade": s.grade.value,
                        "source": s.source.value,
                        "reference": s.reference,
                    }
                    for s in steps
                ],
            }
        )
        return
    click.echo(f"{name}（{uscc.strip().upper()}）绩效等级历史：")
    for s in steps:
        click.echo(
            f"  {s.effective_from.isoformat()}起 {s.grade.value}（{s.source.label}：{s.reference}）"
        )


@list_group.command("upgrading")
@click.option("--on", "on_text", metavar="YYYY-MM-DD", help="报告日期；默认为当日。")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="另存Excel报告。")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=0),
    help="列出的企业数（0为全部）。",
)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_upgrading_command(
    ctx: click.Context, on_text: str | None, out: Path | None, limit: int, as_json: bool
) -> None:
    """创A升B：未达到绩效等级提升目标的企业、距期限天数、连续低于淘汰线的企业及升级可免的措施。

    目标和期限见 config/grading.toml。升级可免的措施按目标等级重新核定措施后比较：各级预警少承担的减排量（千克/日），
    以及按上一季预警天数计每季少停产的生产线·天。

    \b
    示例：
      orchestrator list upgrading --on 2026-01-10 --limit 3
      orchestrator list upgrading --out upgrading.xlsx --limit 0
    """
    import datetime as dt

    from orchestrator.emissions.model import Species
    from orchestrator.emissions.workbook import write_upgrading

    context = context_of(ctx)
    zone = context.settings.zone
    on = date_option(on_text, "--on") if on_text else context.clock.now().astimezone(zone).date()
    office = context.alerts()

    def alert_days(first: dt.date, last: dt.date) -> dict[AlertLevel, float]:
        return office.alert_days(
            dt.datetime.combine(first, dt.time(), zone),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone),
        )

    report = context.lists().upgrade_report(on, alert_days)
    if out is not None:
        write_upgrading(report, out)
    if as_json:
        echo_json(
            {
                "on": on.isoformat(),
                "revision": report.list_revision,
                "enterprises": report.enterprises,
                "met": report.met,
                "season": [d.isoformat() for d in report.season],
                "alert_days": {lv.value: d for lv, d in report.alert_days.items()},
                "laggards": [
                    {
                        "uscc": x.uscc,
                        "name": x.name,
                        "county": x.county,
                        "grade": x.grade.value,
                        "target": x.target.name,
                        "minimum": x.target.minimum.value,
                        "deadline": x.target.deadline.isoformat(),
                        "days_left": x.days_left,
                        "eliminate": x.eliminate,
                        "below_since": x.below_since.isoformat() if x.below_since else None,
                        "lifted_kg_d": {
                            lv.value: {sp.label: a.get(sp) for sp in Species}
                            for lv, a in x.lifted.items()
                        },
                        "line_days": x.line_days,
                    }
                    for x in report.laggards
                ],
            }
        )
        return
    lag = report.laggards
    out_of = sum(x.eliminate for x in lag)
    click.echo(
        f"创A升B（第{report.list_revision}版清单，{on.isoformat()}）：受提升目标约束企业{report.enterprises}家，"
        f"已达标{report.met}家，未达标{len(lag)}家（已逾期{len(report.overdue())}家，"
        f"连续低于淘汰线应予淘汰{out_of}家）"
    )
    first, last = report.season
    days = "、".join(f"{lv.term}{report.alert_days.get(lv, 0):g}天" for lv in ALERT_LEVELS)
    click.echo(f"上一季（{first.isoformat()}至{last.isoformat()}）预警天数：{days}")
    shown = lag if limit == 0 else lag[:limit]
    for x in shown:
        when = f"已逾期{-x.days_left}天" if x.days_left < 0 else f"剩余{x.days_left}天"
        mark = "［连续低于淘汰线，应予淘汰］" if x.eliminate else ""
        orange = x.lifted.get(AlertLevel.ORANGE)
        gain = (
            "、".join(f"{sp.label} {orange.get(sp):g}" for sp in Species if orange.get(sp) > 0)
            if orange is not None
            else ""
        )
        click.echo(
            f"  {mark}{x.county} {x.name}（{x.uscc}）{x.grade.value}级，目标{x.target.minimum.value}级"
            f"（{x.target.name}，{x.target.deadline.isoformat()}，{when}）"
            + (f"；升级后橙色预警少减排{gain}千克/日" if gain else "")
            + (f"，每季少停产{x.line_days:g}线·天" if x.line_days else "")
            + (f"；{x.note}" if x.note else "")
        )
    if len(shown) < len(lag):
        click.echo(f"  另有{len(lag) - len(shown)}家（--limit 0 或 --out 查看全部）")
    if out is not None:
        click.echo(f"已写出{out}")


def _suggestions(context: Any, since: Any) -> list[tuple[str, str, str, str, str, str]]:
    """The effect assessments' suggestions for the list, of every alert issued since ``since``."""
    from orchestrator.errors import OrchestratorError
    from orchestrator.response.model import RevisionStatus

    rows = []
    now = context.clock.now()
    assessor = context.assessor()
    for head in context.alerts().alerts():
        st = head.state
        if st.issued_at is None or st.issued_at < since or st.status is RevisionStatus.WITHDRAWN:
            continue
        try:
            record = assessor.assess(head.alert_id, now=now)
        except OrchestratorError:
            continue  # not assessable yet (in force, no observations): nothing to suggest
        for e in record.get("suggestions", []):
            action = (
                f"建议绩效等级下调为{e['downgrade']}"
                if e.get("downgrade")
                else "核实联系人和接收渠道"
            )
            rows.append(
                (
                    f"效果评估建议（预警{head.alert_id}）",
                    e.get("county", ""),
                    e["uscc"],
                    e.get("name", ""),
                    "；".join(str(f) for f in e.get("findings", [])),
                    action,
                )
            )
    return rows


@list_group.command("calendar")
@click.option("--on", "on_text", metavar="YYYY-MM-DD", help="查看日期；默认为当日。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def list_calendar_command(ctx: click.Context, on_text: str | None, as_json: bool) -> None:
    """清单修订日历：下次修订期限、距期限天数，以及上次修订以来的变化（绩效等级调整、覆盖核查结果、效果评估建议）。

    修订期限见 config/list.toml [calendar]。

    \b
    示例：
      orchestrator list calendar --on 2026-06-01
    """
    context = context_of(ctx)
    zone = context.settings.zone
    on = date_option(on_text, "--on") if on_text else context.clock.now().astimezone(zone).date()
    view = context.lists().calendar_view(on)
    suggested = _suggestions(context, view.last.imported_at)
    if as_json:
        echo_json(
            {
                "on": on.isoformat(),
                "last_revision": view.last.number,
                "last_effective_from": view.last.effective_from.isoformat(),
                "amendments": [r.number for r in view.amendments],
                "due": view.due.isoformat(),
                "days_left": view.days_left,
                "grade_decisions": len(view.decisions),
                "coverage": {
                    r.registry.value: {"run": r.id, "findings": len(r.findings)}
                    for r in view.coverage
                },
                "suggestions": len(suggested),
            }
        )
        return
    last = view.last
    when = f"剩余{view.days_left}天" if view.days_left >= 0 else f"已逾期{-view.days_left}天"
    click.echo(
        f"上次修订：第{last.number}版，{last.effective_from.isoformat()}起生效；"
        f"下次修订期限{view.due.isoformat()}（{when}）"
    )
    if view.amendments:
        numbers = "、".join(f"第{r.number}版" for r in view.amendments)
        click.echo(f"此后按绩效等级调整：{numbers}")
    click.echo(f"绩效等级调整决定：{len(view.decisions)}项")
    for d in view.decisions:
        click.echo(
            f"  {d.uscc} {d.grade.value}级，{d.effective_from.isoformat()}起（{d.source.label}，{d.reference}）"
        )
    if not view.coverage:
        click.echo("覆盖核查：尚无（orchestrator list coverage）")
    for r in view.coverage:
        click.echo(
            f"覆盖核查：{r.registry.label}第{r.id}次核查（{r.ran_at.astimezone(zone).date().isoformat()}）"
            f"发现{len(r.findings)}项"
        )
    click.echo(f"效果评估建议：{len(suggested)}项")


@list_group.command("draft")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--on", "on_text", metavar="YYYY-MM-DD", help="以该日执行的清单为底稿；默认为当日。")
@click.pass_context
def list_draft_command(ctx: click.Context, out: Path, on_text: str | None) -> None:
    """写出下一版清单的修订底稿，供各区县填报。

    底稿为现行清单（已含绩效等级调整）的标准工作簿，另附“待核实事项”工作表（最新覆盖核查结果及各单位的核实结果、
    效果评估建议）。
    各区县补充、更正后，用 orchestrator list import 导入即为新版清单。

    \b
    示例：
      orchestrator list draft draft.xlsx
    """
    context = context_of(ctx)
    zone = context.settings.zone
    on = date_option(on_text, "--on") if on_text else context.clock.now().astimezone(zone).date()
    service = context.lists()
    view = service.calendar_view(on)
    extra = _suggestions(context, view.last.imported_at)
    service.write_draft(out, on, extra, answers=context.checks().answer_texts)
    matters = sum(len(r.findings) for r in view.coverage) + len(extra)
    click.echo(
        f"已写出{out}：现行清单及待核实事项{matters}项（下次修订期限{view.due.isoformat()}）"
    )


@list_group.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--revision", type=int, help="版本号；默认为最新版本。")
@click.pass_context
def list_export_command(ctx: click.Context, out: Path, revision: int | None) -> None:
    """将一个版本导出为标准工作簿（可原样导回）。

    \b
    示例：
      orchestrator list export --revision 1 list_rev1.xlsx
    """
    from orchestrator.emissions.workbook import export_list

    context = context_of(ctx)
    rev, lst = context.lists().revision(revision)
    number = rev.number
    export_list(lst, out)
    click.echo(f"已将第{number}版导出到 {out}")


@list_group.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def list_template_command(out: Path) -> None:
    """输出空白标准工作簿（含三个工作表及表头）。

    \b
    示例：
      orchestrator list template emission_lists/template.xlsx
    """
    from orchestrator.emissions.workbook import export_list

    export_list(EmissionList(enterprises=()), out)
    click.echo(f"已写出清单模板 {out}")


@list_group.command("board")
@click.option("--uscc", help="只输出一家企业（统一社会信用代码）；默认为全部企业。")
@click.option("--revision", type=int, help="版本号；默认为最新版本。")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="输出目录。",
)
@click.option("--pdf", is_flag=True, help="同时输出全部公示牌的可打印PDF。")
@click.pass_context
def list_board_command(
    ctx: click.Context, uscc: str | None, revision: int | None, out_dir: Path, pdf: bool
) -> None:
    """输出“一厂一策”公示牌：每家企业一页HTML，另可输出PDF。

    \b
    示例：
      orchestrator list board --out out/boards --pdf
      orchestrator list board --uscc 91999900MA00000013 --out out/boards
    """
    from orchestrator.notices.render import html_to_pdf, render

    context = context_of(ctx)
    rev, lst = context.lists().revision(revision)
    number, effective = rev.number, rev.effective_from
    chosen = [e for e in lst.enterprises if uscc is None or e.uscc == uscc.strip().upper()]
    if not chosen:
        raise InputInvalid(f"清单第{number}版中没有统一社会信用代码为{uscc}的企业")
    env = context.templates()
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for e in chosen:
        page = render(
            env,
            "boards/notice_board.html",
            NoticeBoardContext.of(
                e,
                region_name=context.city.region_name,
                revision=number,
                effective_from=effective,
            ),
        )
        (out_dir / f"{e.uscc}.html").write_text(page, encoding="utf-8")
        pages.append(page)
    click.echo(f"已生成公示牌{len(pages)}份（HTML）：{out_dir}")
    if pdf:
        target = out_dir / (f"{chosen[0].uscc}.pdf" if uscc else "公示牌.pdf")
        html_to_pdf(pages, target, context.settings.templates_dir)
        click.echo(f"已生成PDF：{target}")


COMMANDS = (list_group,)
