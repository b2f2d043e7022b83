"""Command line of AQI and alert decisions: ``orchestrator aqi``, ``assess`` and ``rulesets``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator.alerts import AlertLevel, Decision, RegionalHint, decide
from orchestrator.alerts.decide import decision_json
from orchestrator.alerts.model import graded
from orchestrator.alerts.readings import (
    gaps,
    parse_number,
    parse_time,
    read_observations,
    read_records,
    to_series,
)
from orchestrator.aqi.model import AqiStandard, StandardNotFound, select_standard
from orchestrator.aqi.scoring import FIELDS, AqiResult, Concentrations, Mode, score
from orchestrator.cli.common import context_of, date_option
from orchestrator.errors import InputInvalid

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context

STANDARD_CHOICES = ("HJ633-2012", "HJ633-2026")
#: Every level a ruleset knows (older ones have blue).
LEVELS = tuple(level.value for level in AlertLevel)


def aqi_json(result: AqiResult) -> dict[str, Any]:
    """The documented JSON shape of one AQI result (other tools depend on it)."""
    cat = result.category
    return {
        "aqi": result.aqi,
        "iaqi": result.iaqi_map(),
        "primary_pollutants": [p.value for p in result.primary_pollutants],
        "category": cat.name if cat else None,
        "level": cat.level if cat else None,
        "color": cat.color if cat else None,
        "standard": result.standard_code,
    }


def _standard(context: Context, standard_id: str | None, day: dt.date) -> AqiStandard:
    return select_standard(context.standards, on=day, standard_id=standard_id)


@click.command("aqi")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    required=True,
    help="hourly（实时报）或 daily（日报）。",
)
@click.option(
    "--standard",
    type=click.Choice(STANDARD_CHOICES),
    help="指定技术规定；默认为数据日期施行的版本。",
)
@click.option(
    "--date",
    "date_text",
    metavar="YYYY-MM-DD",
    help="数据日期（据此选用技术规定）；默认为当日。",
)
@click.option(
    "--pm25", type=float, help="PM2.5，微克/立方米（实时报为1小时值，日报为24小时平均）。"
)
@click.option("--pm10", type=float, help="PM10，微克/立方米。")
@click.option("--so2", type=float, help="SO2，微克/立方米（实时报为1小时值，日报为24小时平均）。")
@click.option("--no2", type=float, help="NO2，微克/立方米。")
@click.option("--co", type=float, help="CO，毫克/立方米。")
@click.option(
    "--o3-1h", "o3_1h", type=float, help="O3 1小时浓度（日报为当日最大1小时），微克/立方米。"
)
@click.option("--o3-8h", "o3_8h", type=float, help="O3 最大8小时滑动平均（仅日报），微克/立方米。")
@click.option(
    "--so2-24h", "so2_24h", type=float, help="SO2 24小时平均，SO2 1小时浓度超过800时使用。"
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="待计算的CSV文件。",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的CSV文件（与 --input 同用）。",
)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def aqi_command(
    ctx: click.Context,
    /,
    mode: str,
    standard: str | None,
    date_text: str | None,
    input_path: Path | None,
    output_path: Path | None,
    as_json: bool,
    **values: float | None,
) -> None:
    """计算一条记录或CSV文件每一行的空气质量指数（HJ 633）。

    未给出的污染物不参与计算。浓度单位为微克/立方米，CO为毫克/立方米。技术规定按日期选用（2026年2月28日及以前为HJ 633—2012，2026年3月1日起为HJ 633—2026），--standard 可指定。

    \b
    示例：
      orchestrator aqi --mode hourly --pm25 76 --pm10 120 --no2 80 --json
      orchestrator aqi --mode daily --input days.csv --output days_aqi.csv
    """
    context = context_of(ctx)
    m = Mode(mode)
    if input_path is not None:
        if output_path is None:
            raise InputInvalid("--input 须与 --output 一同使用")
        if any(v is not None for v in values.values()):
            raise InputInvalid("--input 不能与单项浓度参数同时使用")
        _aqi_file(context, m, standard, input_path, output_path)
        return
    day = date_option(date_text, "--date") if date_text else context.clock.now().date()
    try:
        conc = Concentrations(**values)
    except ValueError as exc:
        raise InputInvalid(str(exc)) from None
    result = score(_standard(context, standard, day), conc, m)
    for note in result.notes:
        click.echo(f"注意：{note}", err=True)
    if as_json:
        click.echo(json.dumps(aqi_json(result), ensure_ascii=False))
        return
    if result.aqi is None or result.category is None:
        click.echo(f"未给出可计算的污染物浓度（{result.standard_code}）")
        return
    cat = result.category
    primary = "、".join(p.value for p in result.primary_pollutants) or "无"
    click.echo(
        f"AQI {result.aqi}（{cat.name}，{cat.level}级），首要污染物：{primary}；依据 {result.standard_code}"
    )
    click.echo("分指数：" + "，".join(f"{k}={v}" for k, v in result.iaqi))


def _aqi_file(context: Context, mode: Mode, standard: str | None, src: Path, dst: Path) -> None:
    header, records = read_records(src)
    name = str(src)
    time_col = "date" if "date" in header else ("time" if "time" in header else None)
    today = context.clock.now().date()
    errors: list[str] = []
    out_rows: list[dict[str, str]] = []
    for line, rec in records:
        try:
            day = today
            if time_col and rec.get(time_col):
                t, _ = parse_time(rec[time_col], f"{name}:{line}:{time_col}", context.settings.zone)
                day = t.date()
            conc = Concentrations(
                **{
                    c: parse_number(rec.get(c, ""), f"{name}:{line}:{c}")
                    for c in FIELDS
                    if c in header
                }
            )
            std = select_standard(context.standards, on=day, standard_id=standard)
        except (InputInvalid, StandardNotFound) as exc:
            errors.append(str(exc))
            continue
        result = score(std, conc, mode)
        for note in result.notes:
            click.echo(f"注意：{name}:{line}: {note}", err=True)
        out_rows.append(
            {
                **rec,
                "aqi": "" if result.aqi is None else str(result.aqi),
                "primary_pollutants": ";".join(p.value for p in result.primary_pollutants),
                "category": result.category.name if result.category else "",
            }
        )
    if errors:
        raise InputInvalid("\n".join((*errors, f"{len(errors)}处错误，未写出 {dst}")))
    fields = [h for h in header if h not in ("aqi", "primary_pollutants", "category")]
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=[*fields, "aqi", "primary_pollutants", "category"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows({k: r.get(k, "") for k in writer.fieldnames} for r in out_rows)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(dst)  # all rows or nothing
    click.echo(f"已计算{len(out_rows)}行，写入 {dst}", err=True)


@click.command("assess")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ruleset",
    "ruleset_id",
    metavar="ID",
    help="预警分级规则编号（config/rulesets/编号.toml）；默认取自设置。",
)
@click.option(
    "--standard",
    type=click.Choice(STANDARD_CHOICES),
    help="浓度输入时指定AQI技术规定。",
)
@click.option(
    "--active-level",
    type=click.Choice(LEVELS),
    help="现行预警等级：同时判断解除条件。",
)
@click.option(
    "--hint-level", type=click.Choice(LEVELS), help="区域预警提示的等级（不低于该等级）。"
)
@click.option("--hint-start", metavar="ISO", help="区域预警提示的开始时间。")
@click.option("--hint-end", metavar="ISO", help="区域预警提示的结束时间。")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def assess_command(
    ctx: click.Context,
    file: Path,
    ruleset_id: str | None,
    standard: str | None,
    active_level: str | None,
    hint_level: str | None,
    hint_start: str | None,
    hint_end: str | None,
    as_json: bool,
) -> None:
    """判断预报或实况序列（CSV或JSON）是否达到预警条件。

    文件须有 time 列（只有日期的为日值），以及 aqi 列或各污染物浓度列；可选 city、dust、primary_pollutants 列。无论是否达到预警条件，退出码均为0；输入无法使用时退出码为2，并指明文件、行和列。

    \b
    示例：
      orchestrator assess samples/forecast_daily.csv --json
      orchestrator --now 2026-01-08T10:00 assess samples/forecast_daily.csv --active-level orange
    """
    context = context_of(ctx)
    zone = context.settings.zone
    ruleset = context.ruleset(ruleset_id)
    obs = read_observations(file, zone)
    series, so2 = to_series(obs, context.standards, standard)
    hint = None
    if hint_level or hint_start or hint_end:
        if not (hint_level and hint_start and hint_end):
            raise InputInvalid("区域预警提示须同时给出 --hint-level、--hint-start 和 --hint-end")
        h_start, _ = parse_time(hint_start, "--hint-start", zone)
        h_end, _ = parse_time(hint_end, "--hint-end", zone)
        if h_end <= h_start:
            raise InputInvalid("--hint-end 须晚于 --hint-start")
        hint = RegionalHint(level=AlertLevel(hint_level), start=h_start, end=h_end)
    decision = decide(
        series,
        ruleset,
        now=context.clock.now(),
        hint=hint,
        active_level=AlertLevel(active_level) if active_level else None,
        so2_readings=so2,
    )
    notes = gaps(obs)
    if as_json:
        out = decision_json(decision, include_lift=active_level is not None)
        out["reasons"].extend(notes)
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    city = f"{obs.city}：" if obs.city else ""
    click.echo(city + _headline(decision, AlertLevel(active_level) if active_level else None))
    for reason in (*decision.reasons, *notes):
        click.echo(f"  - {reason}")


def _headline(decision: Decision, active: AlertLevel | None) -> str:
    """One sentence a duty officer reads first."""
    if active is not None and decision.lift_due:
        return f"满足解除条件，建议解除{active.term}"
    if decision.level is not None:
        start = f"{decision.episode_start:%Y-%m-%d %H:%M}" if decision.episode_start else "—"
        end = f"{decision.episode_end:%Y-%m-%d %H:%M}" if decision.episode_end else "另行通知"
        span = f"，污染过程 {start} 至 {end}"
        grade = graded(decision.level, decision.response)
        if active is None:
            return f"建议启动{grade}{span}"
        if decision.level is active:
            return f"建议维持{grade}{span}"
        verb = "升级为" if decision.level.rank > active.rank else "调整为"
        return f"建议由{active.term}{verb}{grade}{span}"
    if active is not None:
        return (
            f"满足解除条件，建议解除{active.term}"
            if decision.lift_due
            else f"建议维持{active.term}"
        )
    if decision.advisory_only:
        return "不启动预警，建议发布健康防护提示"
    return "无需启动预警"


@click.command("rulesets")
@click.option("--json", "as_json", is_flag=True, help="输出JSON列表。")
@click.pass_context
def rulesets_command(ctx: click.Context, as_json: bool) -> None:
    """列出 config/rulesets/ 中的预警分级规则及其依据文件和施行日期。

    \b
    示例：
      orchestrator rulesets
    """
    context = context_of(ctx)
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "title": r.title,
            "document": r.document,
            "effective_from": r.effective_from.isoformat(),
            "effective_to": r.effective_to.isoformat() if r.effective_to else None,
            "levels": {rule.level.value: [c.text for c in rule.clauses] for rule in r.levels},
            "level_labels": {
                rule.level.value: [c.label for c in rule.clauses] for rule in r.levels
            },
            "default": r.id == context.settings.ruleset,
        }
        for r in context.rulesets
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        mark = "（默认）" if row["default"] else ""
        until = f"至{row['effective_to']}" if row["effective_to"] else "起施行"
        click.echo(
            f"{row['id']}{mark}  《{row['title']}》{row['document']}  {row['effective_from']}{until}"
        )
        for level, clauses in row["level_labels"].items():
            click.echo(f"    {AlertLevel(level).label}：{' 或 '.join(clauses)}")


COMMANDS = (aqi_command, assess_command, rulesets_command)
