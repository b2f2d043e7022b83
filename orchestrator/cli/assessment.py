"""Command line of the effect assessment: ``orchestrator assessment``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator.alerts.readings import read_observations
from orchestrator.cli.common import context_of
from orchestrator.notices.model import PdfUnavailable

if TYPE_CHECKING:
    from orchestrator.assessment.service import Assessor


def write_report(
    assessor: Assessor, record: dict[str, Any], folder: Path, *, pdf: bool
) -> list[Path]:
    """The report as HTML and, when WeasyPrint can, PDF (HTML only, with a note, when not)."""
    try:
        return assessor.write(record, folder, pdf=pdf)
    except PdfUnavailable as exc:
        click.echo(f"提示：{exc}；仅生成HTML", err=True)
        return assessor.write(record, folder, pdf=False)


#: How many non-compliant enterprises are printed (the report lists them all).
SHOWN = 10


def show(record: dict[str, Any]) -> None:
    period = record["period"]
    click.echo(
        f"预警{record['alert_id']}（{record['level_label']}，{record['status_text']}）"
        f"{period['start_text']}至{period['end_text']}，共{period['hours']:g}小时"
    )
    for i, c in enumerate(record["conclusions"], start=1):
        click.echo(f"  {i}. {c}")
    groups = record["suggestion_groups"]
    if record["suggestions"]:
        click.echo("清单与绩效等级修订建议：")
    for e in groups["noncompliant"][:SHOWN]:
        grade = f"{e['grade']}→{e['proposed_grade']}" if e["downgrade"] else e["grade"] or "—"
        click.echo(f"  · {e['county']} {e['name']}（{grade}）：{'；'.join(e['findings'])}")
    if len(groups["noncompliant"]) > SHOWN:
        click.echo(f"  ……另有{len(groups['noncompliant']) - SHOWN}家未落实措施的企业")
    if groups["unreachable_count"] or groups["meters_count"]:
        click.echo(
            f"  需核实联系方式（未签收或无法送达）{groups['unreachable_count']}家、"
            f"需核实电表编号{groups['meters_count']}家，名单详见评估报告"
        )


@click.command("assessment")
@click.option("--alert", "alert_id", type=int, required=True, help="预警编号。")
@click.option(
    "--observed",
    type=click.Path(dir_okay=False, path_type=Path),
    help="实况数据（与 assess 格式相同：小时浓度或日AQI）；默认取 config/consultation.toml 的监测数据源。",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/assessment"),
    show_default=True,
    help="评估报告的输出目录。",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="同时输出PDF。")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出评估记录。")
@click.pass_context
def assessment_command(
    ctx: click.Context,
    alert_id: int,
    observed: Path | None,
    out_dir: Path,
    pdf: bool,
    as_json: bool,
) -> None:
    """预警的应急响应效果评估：文号与提前量时间线，预报与实况日AQI、小时AQI对比及图表，计划减排量与目标对比，回执与用电核查情况，以及建议的清单和绩效等级修订；以HTML和PDF写入 --out（控制台在 /alerts/编号/assessment 查看）。

    \b
    示例：
      orchestrator assessment --alert 1 --observed samples/observed_hourly.csv
    """
    context = context_of(ctx)
    assessor = context.assessor()
    obs = None
    source = ""
    if observed is not None:
        obs = read_observations(observed, context.settings.zone)
        source = observed.name
    record = assessor.assess(
        alert_id, now=context.clock.now(), observed=obs, observed_source=source
    )
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    show(record)
    written = write_report(assessor, record, out_dir, pdf=pdf)
    click.echo("评估报告：" + "、".join(str(p) for p in written))


COMMANDS = (assessment_command,)
