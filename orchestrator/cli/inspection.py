"""``orchestrator inspection``: the evidence inspections are drawn from (CEMS readings, gate
passages) and each alert day's inspection queue with every score's reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from orchestrator.cli.common import context_of, date_option, echo_json, readings_from


@click.group("inspection")
def inspection_group() -> None:
    """帮扶检查和执法检查：导入在线监测和门禁数据，按证据生成每日检查清单。

    \b
    示例：
      orchestrator inspection cems samples/cems_hourly.csv
      orchestrator inspection queue --alert 1 --date 2026-01-06
    """


@inspection_group.command("cems")
@click.argument("src", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--url", default=None, help="从该地址获取JSON数据，而不读取文件。")
@click.pass_context
def cems_command(ctx: click.Context, src: Path | None, url: str | None) -> None:
    """导入排放口在线监测小时数据（uscc、outlet、pollutant、hour、concentration、flow），在一个事务中完成；同一排放口、污染物和小时的数据以后导入的为准。

    \b
    示例：
      orchestrator inspection cems samples/cems_hourly.csv
      orchestrator inspection cems --url https://cems.example.gov.cn/api/hourly
    """
    from orchestrator.inspection.readers import fetch_cems_json, read_cems_csv

    context = context_of(ctx)
    readings = readings_from(src, url, context.settings.zone, read_cems_csv, fetch_cems_json)
    count = context.inspections().store_cems(readings)
    outlets = len({(r.uscc, r.outlet) for r in readings})
    click.echo(f"已导入在线监测数据{count}条（排放口{outlets}个）")


@inspection_group.command("gate")
@click.argument("src", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--url", default=None, help="从该地址获取JSON数据，而不读取文件。")
@click.pass_context
def gate_command(ctx: click.Context, src: Path | None, url: str | None) -> None:
    """导入门禁系统的重型货车进出记录（uscc、plate、stage、time），在一个事务中完成；重复的记录只保存一次。

    \b
    示例：
      orchestrator inspection gate samples/gate_passages.csv
    """
    from orchestrator.inspection.readers import fetch_gate_json, read_gate_csv

    context = context_of(ctx)
    passages = readings_from(src, url, context.settings.zone, read_gate_csv, fetch_gate_json)
    count = context.inspections().store_gate(passages)
    sites = len({p.uscc for p in passages})
    click.echo(f"已导入门禁记录{count}条（{sites}个单位）")


@inspection_group.command("queue")
@click.option("--alert", "alert_id", type=int, required=True, help="预警编号。")
@click.option("--date", "day_text", default=None, help="检查日期（YYYY-MM-DD），默认今天。")
@click.option("--limit", type=int, default=20, show_default=True, help="显示的条数。")
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def queue_command(
    ctx: click.Context, alert_id: int, day_text: str | None, limit: int, as_json: bool
) -> None:
    """生成预警某日的检查清单：按用电、在线监测、门禁、日报和签收情况评分（规则和分值见 config/inspection.toml），由高到低排列，并按比例随机抽查各县（市、区）的其余企业。

    \b
    示例：
      orchestrator inspection queue --alert 1 --date 2026-01-06
    """
    context = context_of(ctx)
    now = context.clock.now()
    zone = context.settings.zone
    day = date_option(day_text, "--date") if day_text else now.astimezone(zone).date()
    q = context.inspections().day(alert_id, day, now=now)
    if as_json:
        echo_json(
            {
                "alert_id": q.alert_id,
                "day": q.day.isoformat(),
                "scored": q.scored,
                "entries": [
                    {
                        "uscc": s.facts.uscc,
                        "name": s.facts.name,
                        "county": s.facts.county,
                        "score": s.points,
                        "drawn": s.drawn,
                        "reasons": [
                            {"rule": r.rule.value, "points": r.points, "text": r.text}
                            for r in s.reasons
                        ],
                        "contact": s.facts.contact,
                        "phone": s.facts.phone,
                    }
                    for s in q.entries
                ],
            }
        )
        return
    ranked = sum(1 for s in q.entries if not s.drawn)
    click.echo(
        f"预警{alert_id} {_day(q.day)}检查清单：评分{q.scored}家，"
        f"有异常{ranked}家，随机抽查{len(q.entries) - ranked}家"
    )
    for i, s in enumerate(q.entries[:limit], start=1):
        tag = "抽查" if s.drawn else f"{s.points}分"
        click.echo(f"{i:>3}. [{tag}] {s.facts.county} {s.facts.name}：{s.explanation}")
    if len(q.entries) > limit:
        click.echo(f"……另有{len(q.entries) - limit}家（--limit 或 --json 查看全部）")


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


COMMANDS = (inspection_group,)
