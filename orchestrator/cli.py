"""Command line: thin commands over the core. Exit 0 ok, 1 error, 2 unusable input or usage."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from orchestrator import command_office as office
from orchestrator.alerts import AlertLevel, Decision, RegionalHint, decide
from orchestrator.alerts.decide import decision_json
from orchestrator.aqi.model import AqiStandard, StandardNotFound, select_standard
from orchestrator.aqi.scoring import FIELDS, AqiResult, Concentrations, Mode, score
from orchestrator.bootstrap import Context, bootstrap
from orchestrator.clock import FixedClock
from orchestrator.command_office import RevisionView
from orchestrator.db import lists as lists_repo
from orchestrator.emissions.model import (
    LIST_LEVELS,
    EmissionList,
    ListFileInvalid,
    MeasureKind,
    Revision,
)
from orchestrator.emissions.revisions import coverage, diff_lists, export_list, import_list
from orchestrator.emissions.targets import check_json, check_targets
from orchestrator.errors import InputInvalid, OrchestratorError
from orchestrator.notice_writer import ensure_notices, write_notices
from orchestrator.notices.contexts import NoticeBoardContext
from orchestrator.notices.render import html_to_pdf, render
from orchestrator.plans.dispatch import Change
from orchestrator.plans.lifecycle import Person, RevisionKind
from orchestrator.readings import (
    gaps,
    parse_number,
    parse_time,
    read_observations,
    read_records,
    to_series,
)

STANDARD_CHOICES = ("HJ633-2012", "HJ633-2026")
LEVELS = tuple(level.value for level in AlertLevel)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def _context(ctx: click.Context) -> Context:
    obj: Context = ctx.obj
    return obj


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--now",
    "now_text",
    metavar="ISO",
    help="Pretend the current time is this instant (naive = city time). For replays and tests.",
)
@click.version_option(package_name="pollution-response-orchestrator")
@click.pass_context
def cli(ctx: click.Context, now_text: str | None) -> None:
    """Heavy-pollution emergency response orchestrator (重污染天气应急响应).

    \b
    Example:
      orchestrator aqi --mode daily --pm25 160 --pm10 210 --json
    """
    try:
        context = bootstrap()
    except OrchestratorError as exc:
        _fail(str(exc), 1)
    if now_text is not None:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError:
            _fail(f"--now: 时间格式应为ISO 8601（如2026-01-05T08:30），实为“{now_text}”")
        now = (
            now.replace(tzinfo=context.settings.zone)
            if now.tzinfo is None
            else now.astimezone(context.settings.zone)
        )
        context = dataclasses.replace(context, clock=FixedClock(now))
    ctx.obj = context


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
    try:
        return select_standard(context.standards, on=day, standard_id=standard_id)
    except StandardNotFound as exc:
        _fail(str(exc))


@cli.command("aqi")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    required=True,
    help="hourly (实时报) or daily (日报).",
)
@click.option(
    "--standard",
    type=click.Choice(STANDARD_CHOICES),
    help="Force a standard; default: the one in force on the date.",
)
@click.option(
    "--date",
    "date_text",
    metavar="YYYY-MM-DD",
    help="Date of the values (picks the standard); default today.",
)
@click.option("--pm25", type=float, help="PM2.5, µg/m³ (hourly: 1 h; daily: 24 h mean).")
@click.option("--pm10", type=float, help="PM10, µg/m³.")
@click.option("--so2", type=float, help="SO2, µg/m³ (hourly: 1 h; daily: 24 h mean).")
@click.option("--no2", type=float, help="NO2, µg/m³.")
@click.option("--co", type=float, help="CO, mg/m³.")
@click.option("--o3-1h", "o3_1h", type=float, help="O3 1 h (daily: the day's max 1 h), µg/m³.")
@click.option("--o3-8h", "o3_8h", type=float, help="O3 max 8 h moving mean (daily only), µg/m³.")
@click.option("--so2-24h", "so2_24h", type=float, help="SO2 24 h mean, used when SO2 1 h > 800.")
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of records to score.",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV to write (with --input).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
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
    """Compute the AQI (HJ 633) of one record, or of every row of a CSV file.

    A pollutant not given is not scored. Units µg/m³, CO mg/m³. The standard follows the date
    (HJ 633-2012 until 2026-02-28, HJ 633-2026 from 2026-03-01) unless --standard names one.

    \b
    Example:
      orchestrator aqi --mode hourly --pm25 76 --pm10 120 --no2 80 --json
      orchestrator aqi --mode daily --input days.csv --output days_aqi.csv
    """
    context = _context(ctx)
    m = Mode(mode)
    if input_path is not None:
        if output_path is None:
            _fail("--input 须与 --output 一同使用")
        if any(v is not None for v in values.values()):
            _fail("--input 不能与单项浓度参数同时使用")
        _aqi_file(context, m, standard, input_path, output_path)
        return
    if date_text:
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            _fail(f"--date 应为YYYY-MM-DD，实为“{date_text}”")
    else:
        day = context.clock.now().date()
    try:
        conc = Concentrations(**values)
    except ValueError as exc:
        _fail(str(exc))
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
    header, records = read_records_or_fail(src)
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
        for e in errors:
            click.echo(f"错误：{e}", err=True)
        _fail(f"{len(errors)}处错误，未写出 {dst}")
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


def read_records_or_fail(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        return read_records(path)
    except InputInvalid as exc:
        _fail(str(exc))


@cli.command("assess")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ruleset",
    "ruleset_id",
    metavar="ID",
    help="Ruleset id (config/rulesets/ID.toml); default from settings.",
)
@click.option(
    "--standard",
    type=click.Choice(STANDARD_CHOICES),
    help="Force an AQI standard for concentration input.",
)
@click.option(
    "--active-level",
    type=click.Choice(LEVELS),
    help="Level of the alert in force: also check the lift condition.",
)
@click.option(
    "--hint-level", type=click.Choice(LEVELS), help="Regional hint (区域预警提示) level, a floor."
)
@click.option("--hint-start", metavar="ISO", help="Regional hint window start.")
@click.option("--hint-end", metavar="ISO", help="Regional hint window end.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
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
    """Decide whether an alert is due for a forecast or observed series (CSV or JSON).

    FILE has a `time` column (a bare date = a daily value) and either `aqi` or concentration
    columns; optional `city`, `dust`, `primary_pollutants`. Exit 0 whether or not an alert is due,
    2 on unusable input with a message naming file, row and column.

    \b
    Example:
      orchestrator assess samples/forecast_daily.csv --json
      orchestrator --now 2026-01-08T10:00 assess samples/forecast_daily.csv --active-level orange
    """
    context = _context(ctx)
    zone = context.settings.zone
    try:
        ruleset = context.ruleset(ruleset_id)
        obs = read_observations(file, zone)
        series, so2 = to_series(obs, context.standards, standard)
        hint = None
        if hint_level or hint_start or hint_end:
            if not (hint_level and hint_start and hint_end):
                _fail("区域预警提示须同时给出 --hint-level、--hint-start 和 --hint-end")
            h_start, _ = parse_time(hint_start, "--hint-start", zone)
            h_end, _ = parse_time(hint_end, "--hint-end", zone)
            if h_end <= h_start:
                _fail("--hint-end 须晚于 --hint-start")
            hint = RegionalHint(level=AlertLevel(hint_level), start=h_start, end=h_end)
    except OrchestratorError as exc:
        _fail(str(exc))
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
        return f"满足解除条件，建议解除{active.label}预警"
    if decision.level is not None:
        start = f"{decision.episode_start:%Y-%m-%d %H:%M}" if decision.episode_start else "—"
        end = f"{decision.episode_end:%Y-%m-%d %H:%M}" if decision.episode_end else "另行通知"
        span = f"，污染过程 {start} 至 {end}"
        grade = f"{decision.level.label}预警（{decision.response}级应急响应）"
        if active is None:
            return f"建议启动{grade}{span}"
        if decision.level is active:
            return f"建议维持{grade}{span}"
        verb = "升级为" if decision.level.rank > active.rank else "调整为"
        return f"建议由{active.label}预警{verb}{grade}{span}"
    if active is not None:
        return (
            f"满足解除条件，建议解除{active.label}预警"
            if decision.lift_due
            else f"建议维持{active.label}预警"
        )
    if decision.advisory_only:
        return "不启动预警，建议发布健康防护提示"
    return "无需启动预警"


@cli.command("rulesets")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def rulesets_command(ctx: click.Context, as_json: bool) -> None:
    """List the warning rulesets in config/rulesets/ with their documents and dates.

    \b
    Example:
      orchestrator rulesets
    """
    context = _context(ctx)
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


def main() -> None:
    try:
        cli(prog_name="orchestrator")
    except (
        SQLAlchemyError
    ) as exc:  # an unreachable or foreign database: say so, without a traceback
        click.echo(
            f"错误：数据库操作失败：{str(exc.orig if hasattr(exc, 'orig') else exc).splitlines()[0]}",
            err=True,
        )
        sys.exit(1)


# --- orchestrator list ---------------------------------------------------------------------------


@cli.group("list")
def list_group() -> None:
    """The emergency emission list (应急减排清单): import, revisions, diff, check, coverage, export.

    \b
    Example:
      orchestrator list import emission_lists/sample_list.xlsx --effective-from 2025-10-01
      orchestrator list check --level orange
    """


def _load_revision(context: Context, revision: int | None) -> tuple[Revision, EmissionList]:
    """The requested (default: newest) revision and its content; exit 1 if there is none."""
    try:
        with context.database().connect() as conn:
            region = context.city.region_code
            number = revision if revision is not None else lists_repo.latest(conn, region)
            return lists_repo.get_revision(conn, region, number), lists_repo.load(
                conn, region, number
            )
    except OrchestratorError as exc:
        _fail(str(exc), 1)


@list_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--effective-from",
    "effective_text",
    metavar="YYYY-MM-DD",
    help="Date the revision takes effect; default today.",
)
@click.option("--dry-run", is_flag=True, help="Validate only; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def list_import_command(
    ctx: click.Context, file: Path, effective_text: str | None, dry_run: bool, as_json: bool
) -> None:
    """Validate a list workbook (xlsx or CSV) and store it as a new revision.

    Every error is reported as file:sheet:row:column: message, with exit code 1, and nothing is
    stored. Importing the same file with the same effective date again changes nothing.

    \b
    Example:
      orchestrator list import emission_lists/sample_list.xlsx --effective-from 2025-10-01
      orchestrator list import new_list.xlsx --dry-run
    """
    context = _context(ctx)
    now = context.clock.now()
    try:
        effective = dt.date.fromisoformat(effective_text) if effective_text else now.date()
    except ValueError:
        _fail(f"--effective-from 应为YYYY-MM-DD，实为“{effective_text}”")
    try:
        result = import_list(
            None if dry_run else context.database(),
            context.city,
            context.measures,
            file,
            effective_from=effective,
            now=now,
            dry_run=dry_run,
        )
    except ListFileInvalid as exc:
        for problem in exc.problems:
            click.echo(f"错误：{problem}", err=True)
        _fail(f"清单有{len(exc.problems)}处错误，未导入任何数据", 1)
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
    for w in result.warnings:
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
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def list_revisions_command(ctx: click.Context, as_json: bool) -> None:
    """List the stored revisions of the emission list.

    \b
    Example:
      orchestrator list revisions
    """
    context = _context(ctx)
    with context.database().connect() as conn:
        rows = lists_repo.revisions(conn, context.city.region_code)
        if as_json:
            records = lists_repo.revision_records(conn, context.city.region_code)
            click.echo(json.dumps(records, ensure_ascii=False))
            return
    if not rows:
        click.echo("尚未导入应急减排清单")
    for r, n_e, n_l, w in rows:
        click.echo(
            f"第{r.number}版  {r.effective_from.isoformat()}起生效  {r.source}  企业{n_e}家 生产线{n_l}条 提示{len(w)}条"
        )


@list_group.command("diff")
@click.argument("rev1", type=int)
@click.argument("rev2", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def list_diff_command(ctx: click.Context, rev1: int, rev2: int, as_json: bool) -> None:
    """Show what changed between two revisions: enterprises, grades, measures.

    \b
    Example:
      orchestrator list diff 1 2
    """
    context = _context(ctx)
    try:
        with context.database().connect() as conn:
            a = lists_repo.load(conn, context.city.region_code, rev1)
            b = lists_repo.load(conn, context.city.region_code, rev2)
    except OrchestratorError as exc:
        _fail(str(exc), 1)
    d = diff_lists(a, b)
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
@click.option("--revision", type=int, help="Revision number; default the newest.")
@click.option(
    "--level", type=click.Choice(["yellow", "orange", "red"]), help="One level; default all three."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def list_check_command(
    ctx: click.Context, revision: int | None, level: str | None, as_json: bool
) -> None:
    """Check the list's reductions against citywide emissions and the reduction targets.

    \b
    Example:
      orchestrator list check --level orange --json
    """
    context = _context(ctx)
    rev, lst = _load_revision(context, revision)
    number = rev.number
    levels = (AlertLevel(level),) if level else LIST_LEVELS
    checks = check_targets(lst, context.city, levels)
    if as_json:
        click.echo(json.dumps(check_json(number, checks), ensure_ascii=False))
        return
    click.echo(f"应急减排清单第{number}版 减排量核算（全社会排放量见 config/city.toml）")
    for c in checks:
        click.echo(f"{c.level.label}预警：{'全部达标' if c.met else '未达标'}")
        for s, v in c.species.items():
            mark = "达标" if v.met else "未达标"
            top = "、".join(f"{n}（{x:g}）" for n, x in c.contributors[s][:3]) or "无"
            click.echo(
                f"  {s.label}：减排{v.reduction_kg_d:g}千克/日，占全社会排放量{v.ratio:.1%}，"
                f"目标{v.target:.0%}，{mark}；主要贡献：{top}"
            )


@list_group.command("coverage")
@click.argument("permits", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--revision", type=int, help="Revision number; default the newest.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def list_coverage_command(
    ctx: click.Context, permits: Path, revision: int | None, as_json: bool
) -> None:
    """Compare the list with the pollutant-discharge permit registry (排污许可).

    PERMITS.csv has the columns 统一社会信用代码, 企业名称, 涉气 (是/否).

    \b
    Example:
      orchestrator list coverage permits.csv
    """
    context = _context(ctx)
    rev, lst = _load_revision(context, revision)
    number = rev.number
    try:
        cov = coverage(lst, permits)
    except ListFileInvalid as exc:
        for problem in exc.problems:
            click.echo(f"错误：{problem}", err=True)
        _fail("许可证名录文件有误", 2)
    except (OrchestratorError, OSError) as exc:
        _fail(str(exc), 1)
    for p in cov.problems:
        click.echo(f"提示：{p}", err=True)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "revision": number,
                    "missing": [{"uscc": u, "name": n} for u, n in cov.missing],
                    "without_permit": [
                        {"uscc": e.uscc, "name": e.name} for e in cov.without_permit
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"许可证名录中涉气但未列入清单的企业：{len(cov.missing)}家")
    for u, n in cov.missing:
        click.echo(f"  {n}（{u}）")
    click.echo(f"清单中未填写排污许可证编号的企业：{len(cov.without_permit)}家")
    for e in cov.without_permit:
        click.echo(f"  {e.name}（{e.uscc}）")


@list_group.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--revision", type=int, help="Revision number; default the newest.")
@click.pass_context
def list_export_command(ctx: click.Context, out: Path, revision: int | None) -> None:
    """Write a revision as a canonical workbook (imports back to the same content).

    \b
    Example:
      orchestrator list export --revision 1 list_rev1.xlsx
    """
    context = _context(ctx)
    rev, lst = _load_revision(context, revision)
    number = rev.number
    export_list(lst, out)
    click.echo(f"已将第{number}版导出到 {out}")


@list_group.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def list_template_command(out: Path) -> None:
    """Write an empty canonical workbook (the three sheets with their headers).

    \b
    Example:
      orchestrator list template emission_lists/template.xlsx
    """
    export_list(EmissionList(enterprises=()), out)
    click.echo(f"已写出清单模板 {out}")


@list_group.command("board")
@click.option("--uscc", help="One enterprise (统一社会信用代码); default every enterprise.")
@click.option("--revision", type=int, help="Revision number; default the newest.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write to.",
)
@click.option("--pdf", is_flag=True, help="Also write one printable PDF of all the boards.")
@click.pass_context
def list_board_command(
    ctx: click.Context, uscc: str | None, revision: int | None, out_dir: Path, pdf: bool
) -> None:
    """Print the 一厂一策 notice boards (公示牌): one HTML page per enterprise, and a PDF.

    \b
    Example:
      orchestrator list board --out out/boards --pdf
      orchestrator list board --uscc 91999900MA00000013 --out out/boards
    """
    context = _context(ctx)
    rev, lst = _load_revision(context, revision)
    number, effective = rev.number, rev.effective_from
    chosen = [e for e in lst.enterprises if uscc is None or e.uscc == uscc.strip().upper()]
    if not chosen:
        _fail(f"清单第{number}版中没有统一社会信用代码为{uscc}的企业")
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
        try:
            html_to_pdf(pages, target, context.settings.templates_dir)
        except OrchestratorError as exc:
            _fail(str(exc), 1)
        click.echo(f"已生成PDF：{target}")


# --- orchestrator alert / hint -------------------------------------------------------------------


def _time(context: Context, text: str, option: str) -> dt.datetime:
    try:
        t, _ = parse_time(text, option, context.settings.zone)
    except InputInvalid as exc:
        _fail(str(exc))
    return t


def _person(context: Context, name: str) -> Person:
    try:
        return context.approvals.person(name)
    except OrchestratorError as exc:
        _fail(str(exc))


def _show(context: Context, view: RevisionView, verb: str) -> None:
    st = view.state
    zone = context.settings.zone
    end = f"{st.end.astimezone(zone):%Y-%m-%d %H:%M}" if st.end else "另行通知"
    number = f"，文号{view.document_number}" if view.document_number else ""
    click.echo(
        f"预警{view.alert_id}（第{st.number}次{st.kind.label}）{verb}：{st.level.label}预警，"
        f"{st.start.astimezone(zone):%Y-%m-%d %H:%M}至{end}，状态：{st.status.label}{number}"
    )


def _alert_json(context: Context, view: RevisionView) -> dict[str, Any]:
    st = view.state
    return {
        "id": view.alert_id,
        "revision": st.number,
        "kind": st.kind.value,
        "level": st.level.value,
        "status": st.status.value,
        "document_number": view.document_number,
        "start": st.start.astimezone(context.settings.zone).isoformat(),
        "end": st.end.astimezone(context.settings.zone).isoformat() if st.end else None,
        "drafted_by": st.drafted_by,
        "approved_by": st.approved_by,
        "issued_at": st.issued_at.astimezone(context.settings.zone).isoformat()
        if st.issued_at
        else None,
        "list_revision": view.list_revision,
        "reason": view.reason,
    }


def _office(action: Any) -> Any:
    try:
        return action()
    except OrchestratorError as exc:
        _fail(str(exc), 1)


@cli.group("alert")
def alert_group() -> None:
    """Alerts: draft, submit, approve (a second person), issue, adjust, lift, show, list.

    \b
    Example:
      orchestrator alert draft --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --by 张值班
      orchestrator alert approve 1 --by 王副市长
    """


_LEVEL = click.Choice(["yellow", "orange", "red"])


@alert_group.command("draft")
@click.option("--level", type=_LEVEL, required=True)
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
    context = _context(ctx)
    by = _person(context, by_name)
    now = context.clock.now()
    start = _time(context, start_text, "--start")
    end = _time(context, end_text, "--end") if end_text else None
    view = _office(
        lambda: office.draft(
            context.database(),
            region=context.city.region_code,
            kind=RevisionKind.ISSUE,
            level=AlertLevel(level),
            start=start,
            end=end,
            by=by,
            reason=reason,
            now=now,
        )
    )
    if and_submit:
        view = _office(lambda: office.submit(context.database(), view.alert_id, by=by, now=now))
    _show(context, view, "已起草")


def _adjust(kind: RevisionKind) -> Any:
    @click.argument("alert_id", type=int)
    @click.option("--level", type=_LEVEL, help="New level (upgrade/downgrade).")
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
        context = _context(ctx)
        by = _person(context, by_name)
        now = context.clock.now()
        views = _office(lambda: office.revisions(context.database(), alert_id))
        current = views[-1].state
        new_level = AlertLevel(level) if level else current.level
        start = _time(context, start_text, "--start") if start_text else now
        end = (
            _time(context, end_text, "--end")
            if end_text
            else (None if kind is RevisionKind.LIFT else current.end)
        )
        view = _office(
            lambda: office.draft(
                context.database(),
                region=context.city.region_code,
                kind=kind,
                level=new_level,
                start=start,
                end=end,
                by=by,
                reason=reason,
                now=now,
                alert_id=alert_id,
            )
        )
        _show(context, view, "已起草")

    return command


for _kind, _doc in (
    (
        RevisionKind.UPGRADE,
        "Draft an upgrade (升级) of an issued alert.\n\n    \\b\n    Example:\n      orchestrator alert upgrade 1 --level red --by 张值班 --reason 预计7日AQI超过300",
    ),
    (
        RevisionKind.DOWNGRADE,
        "Draft a downgrade (降级) of an issued alert.\n\n    \\b\n    Example:\n      orchestrator alert downgrade 1 --level yellow --by 张值班 --reason 扩散条件改善",
    ),
    (
        RevisionKind.EXTEND,
        "Draft an extension (延长) of an issued alert.\n\n    \\b\n    Example:\n      orchestrator alert extend 1 --end 2026-01-11T00:00 --by 张值班 --reason 不利气象条件持续",
    ),
    (
        RevisionKind.LIFT,
        "Draft the lift (解除) of an issued alert.\n\n    \\b\n    Example:\n      orchestrator alert lift 1 --by 张值班 --reason 空气质量已低于启动条件并将持续36小时以上",
    ),
):
    _cmd = _adjust(_kind)
    _cmd.__doc__ = _doc
    alert_group.command(_kind.value, help=_doc.replace("\\b", "\b"))(_cmd)


def _simple(name: str, doc: str, run: Any) -> None:
    @click.argument("alert_id", type=int)
    @click.option(
        "--by", "by_name", required=True, help="Who acts (a name in config/approval.toml)."
    )
    @click.option("--reason", default="", help="Why (required to reject or withdraw).")
    @click.pass_context
    def command(ctx: click.Context, alert_id: int, by_name: str, reason: str) -> None:
        context = _context(ctx)
        by = _person(context, by_name)
        run(context, alert_id, by, reason)

    alert_group.command(name, help=doc)(command)


def _approve(context: Context, alert_id: int, by: Person, reason: str) -> None:
    a = _office(
        lambda: office.approve(
            context.database(),
            alert_id,
            by=by,
            now=context.clock.now(),
            approvals=context.approvals,
            city=context.city,
        )
    )
    _show(context, a.view, "已批准")
    if a.check is not None:
        click.echo(f"调度方案：依据清单第{a.view.list_revision}版，涉及企业{a.enterprises}家")
        for s, v in a.check.species.items():
            click.echo(
                f"  {s.label}：减排{v.reduction_kg_d:g}千克/日，占{v.ratio:.1%}，目标{v.target:.0%}，{'达标' if v.met else '未达标'}"
            )
        if not a.check.met:
            click.echo("减排量未达到目标：发布须由审批人以 --override 书面说明理由", err=True)
    if a.changes:
        click.echo(
            f"与现行方案相比：须加严{a.count(Change.MORE)}家，可放宽{a.count(Change.LESS)}家，"
            f"可恢复生产{a.count(Change.RESUME)}家，新增{a.count(Change.NEW)}家，不变{a.count(Change.SAME)}家"
        )


def _issue_with(context: Context, alert_id: int, by: Person, override: str | None) -> None:
    view, warnings = _office(
        lambda: office.issue(
            context.database(),
            alert_id,
            by=by,
            now=context.clock.now(),
            approvals=context.approvals,
            city=context.city,
            override=override,
        )
    )
    for w in warnings:
        click.echo(f"提示：{w}", err=True)
    _show(context, view, "已发布")
    records = _office(
        lambda: ensure_notices(
            context.database(),
            alert_id,
            env=context.templates(),
            city=context.city,
            approvals=context.approvals,
            zone=context.settings.zone,
            links=context.links(),
        )
    )
    click.echo(
        f"已生成通知{len(records.documents)}份、应急响应指令{records.orders}份（orchestrator notices render 导出）"
    )


_simple(
    "submit",
    "Submit a draft for approval.\n\n\b\nExample:\n  orchestrator alert submit 1 --by 张值班",
    lambda c, i, by, r: _show(
        c, _office(lambda: office.submit(c.database(), i, by=by, now=c.clock.now())), "已提交审批"
    ),
)
_simple(
    "approve",
    "Approve (a person other than the drafter, with the role the level needs); freezes the dispatch plan.\n\n\b\nExample:\n  orchestrator alert approve 1 --by 王副市长",
    _approve,
)
_simple(
    "reject",
    "Send a pending alert back to draft.\n\n\b\nExample:\n  orchestrator alert reject 1 --by 王副市长 --reason 请补充会商意见",
    lambda c, i, by, r: _show(
        c,
        _office(lambda: office.reject(c.database(), i, by=by, now=c.clock.now(), reason=r)),
        "已退回",
    ),
)
_simple(
    "withdraw",
    "Withdraw an open (draft, pending or approved) revision.\n\n\b\nExample:\n  orchestrator alert withdraw 1 --by 张值班 --reason 预报调整",
    lambda c, i, by, r: _show(
        c,
        _office(lambda: office.withdraw(c.database(), i, by=by, now=c.clock.now(), reason=r)),
        "已撤回",
    ),
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
    context = _context(ctx)
    _issue_with(context, alert_id, _person(context, by_name), override)


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
    context = _context(ctx)
    views = _office(lambda: office.revisions(context.database(), alert_id))
    trail = office.audit_trail(context.database(), alert_id)
    if as_json:
        out = _alert_json(context, office.current(views))
        out["revisions"] = [_alert_json(context, v) for v in views]
        out["audit"] = [
            {
                "at": t["at"].astimezone(context.settings.zone).isoformat(),
                "actor": t["actor"],
                "action": t["action"],
                "reason": t["reason"],
            }
            for t in trail
        ]
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    for v in views:
        _show(context, v, v.state.status.label)
    for t in trail:
        action = _ACTION_LABEL.get(t["action"], t["action"])
        reason = f"：{t['reason']}" if t["reason"] else ""
        click.echo(
            f"  {t['at'].astimezone(context.settings.zone):%Y-%m-%d %H:%M} {t['actor']} {action}{reason}"
        )


_ACTION_LABEL = {
    **{f"draft_{k.value}": f"起草{k.label}" for k in RevisionKind},
    **{f"issue_{k.value}": f"发布{k.label}" for k in RevisionKind},
    "submit": "提交审批",
    "approve": "批准",
    "reject": "退回",
    "withdraw": "撤回",
}


@alert_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def alert_list_command(ctx: click.Context, as_json: bool) -> None:
    """List alerts, newest first, each with its current revision.

    \b
    Example:
      orchestrator alert list --json
    """
    context = _context(ctx)
    views = office.all_alerts(context.database(), context.city.region_code)
    if as_json:
        click.echo(json.dumps([_alert_json(context, v) for v in views], ensure_ascii=False))
        return
    if not views:
        click.echo("暂无预警")
    for v in views:
        _show(context, v, v.state.status.label)


@cli.group("hint")
def hint_group() -> None:
    """Regional hints (区域预警提示): instructions from the province or ministry.

    \b
    Example:
      orchestrator hint add --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --issuer 省指挥部 --number 省气指〔2026〕3号 --by 张值班
    """


@hint_group.command("add")
@click.option("--level", type=_LEVEL, required=True)
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
    """Record a regional hint; drafts an alert of at least its level for its window.

    \b
    Example:
      orchestrator hint add --level orange --start 2026-01-06T00:00 --end 2026-01-09T00:00 --issuer 省指挥部 --number 省气指〔2026〕3号 --by 张值班
    """
    context = _context(ctx)
    by = _person(context, by_name)
    hid, view = _office(
        lambda: office.add_hint(
            context.database(),
            region=context.city.region_code,
            level=AlertLevel(level),
            start=_time(context, start_text, "--start"),
            end=_time(context, end_text, "--end"),
            issuer=issuer,
            document_number=document_number,
            area=area,
            by=by,
            now=context.clock.now(),
        )
    )
    click.echo(f"已登记区域预警提示{hid}（{issuer}{document_number}）")
    _show(context, view, "已起草")


# --- orchestrator notices ------------------------------------------------------------------------


@cli.group("notices")
def notices_group() -> None:
    """Notices of an issued alert: bulletin, dispatch orders, adjust/lift notices, SMS, CAP.

    \b
    Example:
      orchestrator notices render --alert 1 --out out/notices
    """


@notices_group.command("render")
@click.option("--alert", "alert_id", type=int, required=True, help="Alert id.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write to.",
)
@click.option("--pdf", is_flag=True, help="Also write the main document as PDF.")
@click.option(
    "--orders-pdf",
    is_flag=True,
    help="Also write the dispatch orders written as one PDF for printing (orders.pdf).",
)
@click.option(
    "--uscc",
    "usccs",
    multiple=True,
    help="Only this enterprise's dispatch order (repeatable); default: every order.",
)
@click.pass_context
def notices_render_command(
    ctx: click.Context,
    alert_id: int,
    out_dir: Path,
    pdf: bool,
    orders_pdf: bool,
    usccs: tuple[str, ...],
) -> None:
    """Write every notice of the alert's newest issued revision to a folder.

    Notices are rendered once, when first asked for after issue, and stored; this writes what
    was stored, never a re-rendering.

    \b
    Example:
      orchestrator notices render --alert 1 --out out/notices --pdf
      orchestrator notices render --alert 1 --out out/one --uscc 91999900MA0000001X --orders-pdf
    """
    context = _context(ctx)
    written = _office(
        lambda: write_notices(
            context.database(),
            alert_id,
            out_dir,
            env=context.templates(),
            city=context.city,
            approvals=context.approvals,
            zone=context.settings.zone,
            links=context.links(),
            pdf_base=context.settings.templates_dir if (pdf or orders_pdf) else None,
            pdf=pdf,
            orders_pdf=orders_pdf,
            uscc=usccs,
        )
    )
    names = "、".join(p.name for p in written.documents)
    click.echo(f"已生成{names}及应急响应指令{written.orders}份：{written.folder}")


# --- orchestrator demo ---------------------------------------------------------------------------


@cli.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/demo"),
    show_default=True,
    help="Folder for the notices.",
)
@click.pass_context
def demo_command(ctx: click.Context, out_dir: Path) -> None:
    """Run the main job end to end on sample data: list, consultation, alert, notices, delivery.

    A fresh SQLite database (data/demo.db), the sample emission list, the daily consultation of
    the bundled sample forecast (its opinion written, the alert it proposes drafted), the draft
    submitted by the duty officer, approved by a second person and issued, every notice written
    to a folder and delivered through the folder channel, the staggered-production season under
    way announced to the enterprises it concerns, then a summary.

    \b
    Example:
      orchestrator demo
    """
    import shutil
    from collections import Counter

    from orchestrator.db.database import make_engine, migrate
    from orchestrator.notices.render import PdfUnavailable

    context = _context(ctx)
    settings = context.settings
    zone = settings.zone
    db = settings.data_dir / "demo.db"
    db.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    now = dt.datetime(2026, 1, 4, 16, 0, tzinfo=zone)
    sample_list = settings.emission_lists_dir / "sample_list.xlsx"
    result = import_list(
        engine,
        context.city,
        context.measures,
        sample_list,
        effective_from=dt.date(2025, 10, 1),
        now=now,
    )
    assert result.revision is not None
    click.echo(
        f"1. 导入应急减排清单：{sample_list.name}，第{result.revision.number}版，企业{result.enterprises}家、生产线{result.lines}条"
    )

    consultant = context.consultant(engine)
    consulted = consultant.consult(slot=now, now=now)
    rec = consulted.record
    if consulted.alert_id is None or rec["recommendation"]["level"] is None:
        _fail("示例预报未达到预警条件", 1)
    level = AlertLevel(rec["recommendation"]["level"])
    try:
        opinion = consultant.write(consulted, out_dir, pdf=True)
    except PdfUnavailable:
        opinion = consultant.write(consulted, out_dir, pdf=False)
    source = Path(rec["provenance"]["forecast"]["location"]).name
    click.echo(
        f"2. {now.month}月{now.day}日{now.hour}时会商（{source}）：{rec['recommendation']['headline']}；"
        f"会商意见 {opinion[-1]}，系统已起草预警{consulted.alert_id}"
    )

    duty, second = (
        context.approvals.person("张值班"),
        context.approvals.person("赵市长" if level is AlertLevel.RED else "王副市长"),
    )
    view = office.revisions(engine, consulted.alert_id)[-1]
    office.submit(engine, view.alert_id, by=duty, now=now)
    approval = office.approve(
        engine,
        view.alert_id,
        by=second,
        now=now + dt.timedelta(minutes=30),
        approvals=context.approvals,
        city=context.city,
    )
    issued, warnings = office.issue(
        engine,
        view.alert_id,
        by=duty,
        now=now + dt.timedelta(hours=1),
        approvals=context.approvals,
        city=context.city,
    )
    click.echo(
        f"3. {duty.name}审核提交、{second.name}批准、{duty.name}发布{level.label}预警（{context.ruleset().response_for(level)}级应急响应），"
        f"文号{issued.document_number}"
    )
    for w in warnings:
        click.echo(f"   提示：{w}")

    try:
        written = write_notices(
            engine,
            view.alert_id,
            out_dir,
            env=context.templates(),
            city=context.city,
            approvals=context.approvals,
            zone=zone,
            links=context.links(),
            pdf_base=settings.templates_dir,
        )
    except PdfUnavailable as exc:
        click.echo(f"   提示：{exc}；仅生成HTML")
        written = write_notices(
            engine,
            view.alert_id,
            out_dir,
            env=context.templates(),
            city=context.city,
            approvals=context.approvals,
            zone=zone,
            links=context.links(),
        )
    click.echo(
        f"4. 通知已写入 {out_dir}：{'、'.join(p.name for p in written.documents)}，应急响应指令{written.orders}份（orders/）"
    )

    worker = _demo_delivery(context, engine, view.alert_id, out_dir, issued.state.issued_at or now)
    _demo_controls(context, engine, worker, now + dt.timedelta(hours=2))

    assert approval.check is not None
    plan = office.frozen_plan(engine, approval.view.revision_id)
    grades = Counter(e["grade"] for e in plan)
    kinds = Counter(
        MeasureKind(ln["measure"]["kind"]).label for e in plan for ln in e["lines"] if ln["measure"]
    )
    click.echo("7. 汇总")
    click.echo(
        "   企业按绩效等级："
        + "，".join(f"{g} {n}家" for g, n in sorted(grades.items(), key=lambda x: -x[1]))
    )
    click.echo("   生产线按措施类型：" + "，".join(f"{k} {n}条" for k, n in kinds.most_common()))
    for s, v in approval.check.species.items():
        click.echo(
            f"   {s.label}：减排{v.reduction_kg_d:g}千克/日，占全社会排放量{v.ratio:.1%}（目标{v.target:.0%}，{'达标' if v.met else '未达标'}）"
        )
    click.echo(f"   数据库：数据目录下的{db.name}（ORCHESTRATOR_DATA_DIR，默认 data/）")


def _demo_delivery(
    context: Context, engine: Any, alert_id: int, out_dir: Path, issued_at: dt.datetime
) -> Any:
    """Demo step 5: every order delivered through the folder channel (nothing leaves the
    machine), one enterprise signs through its link, and the receipts are counted."""
    from orchestrator import receipts
    from orchestrator.delivery.config import ChannelConfig

    folder = ChannelConfig(
        "folder", "folder", {"kind": "folder", "path": str(out_dir.resolve() / "outbox")}
    )
    config = dataclasses.replace(
        context.delivery,
        channels={**context.delivery.channels, "folder": folder},
        force_channel="folder",
    )
    notices = context.approvals.notices
    worker = context.delivery_worker(
        engine, config, FixedClock(issued_at + dt.timedelta(minutes=5))
    )
    worker.housekeeping()
    stats = worker.drain()
    first = receipts.summary(
        engine, alert_id, now=issued_at, receipt_hours=notices["receipt_hours"]
    )
    with engine.connect() as conn:
        from sqlalchemy import select

        from orchestrator.db.tables import deliveries

        uscc, name = conn.execute(
            select(deliveries.c.recipient, deliveries.c.recipient_name)
            .where(deliveries.c.revision_id == first.revision_id)
            .order_by(deliveries.c.id)
            .limit(1)
        ).one()
    assert first.revision_id is not None
    receipts.acknowledge(
        engine,
        receipts.Scope(alert_id=alert_id),
        uscc,
        first.revision_id,
        signer="示例签收人",
        now=issued_at + dt.timedelta(minutes=20),
    )
    s = receipts.summary(
        engine,
        alert_id,
        now=issued_at + dt.timedelta(minutes=30),
        receipt_hours=notices["receipt_hours"],
    )
    click.echo(
        f"5. 投递：{stats.counts['delivered']}份应急响应指令经文件渠道写入 {out_dir / 'outbox'}"
        f"（每份含签收链接）；{name}已签收，回执：已发出{s.sent}、已签收{s.acknowledged}"
        "（orchestrator receipts 查看）"
    )
    return worker


def _demo_controls(context: Context, engine: Any, worker: Any, now: dt.datetime) -> None:
    """Demo step 6: the staggered-production season under way on the demo's day is announced
    to the enterprises it concerns, through the same folder channel."""
    from orchestrator import receipts

    outcome = context.control_office(engine).run("staggered", at=now, now=now)
    if outcome.round_id is None:
        click.echo(f"6. 常态化管控：{outcome.detail}")
        return
    worker.clock = FixedClock(now + dt.timedelta(minutes=5))
    worker.housekeeping()
    stats = worker.drain()
    s = receipts.round_summary(engine, outcome.round_id, now=now + dt.timedelta(minutes=10))
    click.echo(
        f"6. 常态化管控：{outcome.detail}；{stats.counts['delivered']}份经同一投递渠道送达，"
        f"回执：已发出{s.sent}（orchestrator receipts --round {outcome.round_id} 查看）"
    )


# The delivery, receipts and web-service commands, and the consultation and scheduler ones, live
# in their own modules; importing them registers them on ``cli``.
from orchestrator import (  # noqa: E402, F401
    cli_assessment,
    cli_consult,
    cli_controls,
    cli_delivery,
    cli_drill,
    cli_replay,
    cli_users,
)
