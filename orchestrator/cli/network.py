"""Command line of the response network (应急响应网络): ``orchestrator network show`` and
``check``."""

from __future__ import annotations

import click

from orchestrator.alerts.model import AlertLevel
from orchestrator.cli.common import LEVEL, context_of, echo_json
from orchestrator.errors import InputInvalid, NotFound
from orchestrator.network.model import Matrix, UnitKind, unplaced
from orchestrator.network.tasks import charges


@click.group("network")
def network_group() -> None:
    """应急响应网络：成员单位、县（市、区）和乡镇（街道），各级预警下的职责及所负责的清单对象。职责见 config/network.toml。

    \\b
    示例：
      orchestrator network show --level orange
      orchestrator network check
    """


def _matrix(ctx: click.Context) -> Matrix:
    matrix = context_of(ctx).network
    if matrix is None:
        raise InputInvalid("未配置应急响应网络（config/network.toml）")
    return matrix


@network_group.command("show")
@click.option(
    "--level", "level_text", type=LEVEL, required=True, help="预警级别：yellow、orange、red。"
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in UnitKind]),
    help="只列出一类单位：member 成员单位，county 县（市、区），township 乡镇（街道）。",
)
@click.option("--revision", type=int, help="清单版本；默认为最新版本。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def network_show_command(
    ctx: click.Context, level_text: str, kind: str | None, revision: int | None, as_json: bool
) -> None:
    """列出各单位在某一预警级别下的职责、须报送的数字和所负责的清单对象数量。

    \\b
    示例：
      orchestrator network show --level orange --kind member
    """
    level = AlertLevel(level_text)
    matrix = _matrix(ctx)
    context = context_of(ctx)
    number, lst = None, None
    try:
        rev, lst = context.lists().revision(revision)
        number = rev.number
    except NotFound:  # no list yet: the duties alone
        pass
    charge = charges(matrix, lst) if lst is not None else {}
    units = [u for u in matrix.units if kind is None or u.kind.value == kind]
    if as_json:
        echo_json(
            {
                "level": level.value,
                "revision": number,
                "units": [
                    {
                        "id": u.id,
                        "name": u.name,
                        "kind": u.kind.value,
                        "duties": [
                            {"text": d.text, "done": d.done, "report": d.report}
                            for d in matrix.duties_of(u.id, level)
                        ],
                        "enterprises": len(charge[u.id].enterprises) if u.id in charge else 0,
                        "dust_sites": len(charge[u.id].dust_sites) if u.id in charge else 0,
                        "transport_users": len(charge[u.id].transport_users)
                        if u.id in charge
                        else 0,
                    }
                    for u in units
                ],
            }
        )
        return
    head = f"{level.term}各单位职责" + (f"（第{number}版清单）" if number else "（尚未导入清单）")
    click.echo(head)
    for u in units:
        c = charge.get(u.id)
        items = []
        if c is not None:
            for count, label in (
                (len(c.enterprises), "企业"),
                (len(c.dust_sites), "工地"),
                (len(c.transport_users), "重点用车单位"),
            ):
                if count:
                    items.append(f"{label}{count}家" if label != "工地" else f"{label}{count}处")
        click.echo(f"  {u.name}（{u.kind.label}）" + (f"：负责{'、'.join(items)}" if items else ""))
        for d in matrix.duties_of(u.id, level):
            report = f"；每日报送{d.report}" if d.report else ""
            click.echo(f"    - {d.text}（完成标准：{d.done}{report}）")


@network_group.command("check")
@click.option("--revision", type=int, help="清单版本；默认为最新版本。")
@click.pass_context
def network_check_command(ctx: click.Context, revision: int | None) -> None:
    """核对清单与应急响应网络：乡镇街道不在网络中的企业、统一社会信用代码与清单企业相同的单位、
    无联系方式的单位、各级无职责的单位。

    \\b
    示例：
      orchestrator network check
    """
    from orchestrator.alerts.model import ALERT_LEVELS

    matrix = _matrix(ctx)
    _, lst = context_of(ctx).lists().revision(revision)
    lost = unplaced(matrix, lst)
    silent = [u for u in matrix.units if not (u.phone or u.email)]
    idle = [(u, lv) for u in matrix.units for lv in ALERT_LEVELS if not matrix.duties_of(u.id, lv)]
    members = sum(u.kind is UnitKind.MEMBER for u in matrix.units)
    counties = sum(u.kind is UnitKind.COUNTY for u in matrix.units)
    townships = sum(u.kind is UnitKind.TOWNSHIP for u in matrix.units)
    click.echo(
        f"应急响应网络：成员单位{members}个，县（市、区）{counties}个，乡镇（街道）{townships}个"
    )
    click.echo(f"乡镇街道不在网络中的企业：{len(lost)}家")
    for uscc, name, where in lost:
        click.echo(f"  {name}（{uscc}）：{where}")
    firms = {e.uscc: e.name for e in lst.enterprises}
    clash = [(u, firms[u.uscc]) for u in matrix.units if u.uscc in firms]
    if clash:  # its receipts and reports would be filed with the enterprise's
        click.echo(f"统一社会信用代码与清单企业相同的单位：{len(clash)}个")
        for u, name in clash:
            click.echo(f"  {u.name}（{u.uscc}）：与{name}相同")
    click.echo(f"无联系电话和电子邮箱的单位：{len(silent)}个")
    for u in silent:
        click.echo(f"  {u.name}")
    click.echo(f"某级预警下无职责的单位：{len(idle)}项")
    for u, lv in idle:
        click.echo(f"  {u.name}：{lv.term}")


COMMANDS = [network_group]
