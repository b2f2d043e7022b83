"""Command line of season replay: ``orchestrator replay``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from orchestrator.alerts.model import AlertLevel
from orchestrator.alerts.readings import parse_time, read_observations, read_records, to_series
from orchestrator.alerts.replay import Actual, Comparison, ReplayedAlert, compare, replay
from orchestrator.cli.common import context_of
from orchestrator.errors import InputInvalid

_LEVELS = {lv.value: lv for lv in AlertLevel} | {lv.label: lv for lv in AlertLevel}


def read_actual(path: Path, zone: ZoneInfo) -> list[Actual]:
    """The alerts actually issued: CSV (or JSON) with ``level`` (yellow/orange/red or 黄色/橙色/红色),
    ``start`` and ``end`` (ISO 8601, city time when naive); errors name file:row:column."""
    name = str(path)
    header, rows = read_records(path)
    for column in ("level", "start", "end"):
        if column not in header:
            raise InputInvalid(f"{name}:1:{column}: 缺少{column}列")
    out = []
    for i, row in rows:
        level = _LEVELS.get((row.get("level") or "").strip().removesuffix("预警"))
        if level is None or level not in (AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED):
            raise InputInvalid(
                f"{name}:{i}:level: 应为yellow、orange或red，实为“{row.get('level')}”"
            )
        start, _ = parse_time((row.get("start") or "").strip(), f"{name}:{i}:start", zone)
        end, _ = parse_time((row.get("end") or "").strip(), f"{name}:{i}:end", zone)
        if end <= start:
            raise InputInvalid(f"{name}:{i}:end: 结束时间须晚于开始时间")
        out.append(Actual(level, start, end))
    return out


def _alert_json(a: ReplayedAlert) -> dict[str, Any]:
    return {
        "level": a.level.value,
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "issued_at": a.issued_at.isoformat(),
        "changes": [
            {
                "at": c.at.isoformat(),
                "kind": c.kind,
                "level": c.level.value,
                "end": c.end.isoformat() if c.end else None,
            }
            for c in a.changes
        ],
        "trace": list(a.trace),
    }


def _ratio(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _comparison_json(c: Comparison) -> dict[str, Any]:
    return {
        "hits": c.hits,
        "misses": c.misses,
        "false_alarms": c.false_alarms,
        "same_level": c.same_level,
        "pod": _ratio(c.pod),
        "far": _ratio(c.far),
        "level_agreement": _ratio(c.level_agreement),
        "missed": [
            {"level": a.level.value, "start": a.start.isoformat(), "end": a.end.isoformat()}
            for a in c.missed
        ],
        "false": [
            {"level": r.level.value, "start": r.start.isoformat(), "end": r.end.isoformat()}
            for r in c.false
        ],
    }


def _t(t: dt.datetime, zone: ZoneInfo) -> str:
    return t.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


@click.command("replay")
@click.argument("series_file", metavar="SERIES", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ruleset",
    "ruleset_ids",
    multiple=True,
    help="回放所用的预警规则；可重复以并列比较（默认为设置中的规则）。",
)
@click.option(
    "--actual",
    "actual_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="实际发布预警的CSV文件（level,start,end）：增加命中、漏报、空报统计。",
)
@click.option("--at", "at_text", default="16:00", show_default=True, help="每日会商时间。")
@click.option(
    "--horizon-days",
    type=click.IntRange(1, 15),
    default=7,
    show_default=True,
    help="每次会商的预见天数。",
)
@click.option(
    "--lead-hours",
    type=click.IntRange(0, 240),
    default=48,
    show_default=True,
    help="污染过程在该小时数以内开始的即发布预警。",
)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def replay_command(
    ctx: click.Context,
    series_file: Path,
    ruleset_ids: tuple[str, ...],
    actual_file: Path | None,
    at_text: str,
    horizon_days: int,
    lead_hours: int,
    as_json: bool,
) -> None:
    """回放一个季度：按每日会商的方式逐日在预报或实况序列（assess 的输入格式）上运行研判，列出各预警规则本应发布的预警；使用 --actual 时与实际发布的预警比较（命中、漏报、空报、等级一致情况）。

    \b
    示例：
      orchestrator replay samples/season_daily.csv --ruleset mee-2024 --ruleset mee-2017
      orchestrator replay samples/season_daily.csv --actual samples/season_alerts.csv --json
    """
    context = context_of(ctx)
    zone = context.settings.zone
    try:
        at = dt.time.fromisoformat(at_text)
    except ValueError:
        raise InputInvalid(f"--at 应为HH:MM，实为“{at_text}”") from None
    rulesets = [context.ruleset(r) for r in (ruleset_ids or (None,))]
    obs = read_observations(series_file, zone)
    series, so2 = to_series(obs, context.standards)
    actual = read_actual(actual_file, zone) if actual_file is not None else None
    results = []
    for rs in rulesets:
        alerts = replay(
            series,
            rs,
            zone=zone,
            at=at,
            horizon_days=horizon_days,
            lead_hours=lead_hours,
            so2=so2,
        )
        results.append((rs, alerts, compare(alerts, actual) if actual is not None else None))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "series": str(series_file),
                    "consultation_at": at.strftime("%H:%M"),
                    "horizon_days": horizon_days,
                    "lead_hours": lead_hours,
                    "actual": None if actual is None else len(actual),
                    "rulesets": [
                        {
                            "ruleset": rs.id,
                            "alerts": [_alert_json(a) for a in alerts],
                            "comparison": _comparison_json(c) if c is not None else None,
                        }
                        for rs, alerts, c in results
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    first = series.windows[0].start if series.windows else None
    last = series.windows[-1].end if series.windows else None
    span = f"{_t(first, zone)}至{_t(last, zone)}" if first and last else "无数据"
    click.echo(f"回放{span}，每日{at:%H:%M}会商，预见{horizon_days}天，提前{lead_hours}小时内启动")
    for rs, alerts, c in results:
        click.echo(f"{rs.id}（{rs.name}）：预警{len(alerts)}次")
        for a in alerts:
            path = "→".join(dict.fromkeys(ch.level.label for ch in a.changes if ch.kind != "lift"))
            click.echo(
                f"  {a.level.term} {_t(a.start, zone)} 至 {_t(a.end, zone)}"
                f"（{_t(a.issued_at, zone)}会商启动；等级{path}）"
            )
        if c is not None:
            click.echo(
                f"  对照实际{c.hits + c.misses}次：命中{c.hits}，漏报{c.misses}，空报{c.false_alarms}；"
                f"命中率{_pct(c.pod)}，空报率{_pct(c.far)}，等级一致{c.same_level}/{c.hits}"
            )
            for m in c.missed:
                click.echo(f"  漏报：{m.level.term} {_t(m.start, zone)} 至 {_t(m.end, zone)}")
            for r in c.false:
                click.echo(f"  空报：{r.level.term} {_t(r.start, zone)} 至 {_t(r.end, zone)}")


COMMANDS = (replay_command,)
