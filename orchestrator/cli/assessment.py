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
@click.option("--alert", "alert_id", type=int, required=True, help="Alert id.")
@click.option(
    "--observed",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Observations (the `assess` format: hourly concentrations, or daily AQI); default: "
    "the monitoring source of config/consultation.toml.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/assessment"),
    show_default=True,
    help="Folder for the report.",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write the PDF.")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment record as JSON.")
@click.pass_context
def assessment_command(
    ctx: click.Context,
    alert_id: int,
    observed: Path | None,
    out_dir: Path,
    pdf: bool,
    as_json: bool,
) -> None:
    """Effect assessment of an alert (效果评估): timeline with document numbers and lead times,
    forecast against observed daily and hourly AQI with charts, planned reductions against the
    targets, receipts and electricity evidence, and the list and grade revisions it suggests;
    written as HTML and PDF to --out (the console shows it at /alerts/ID/assessment).

    \b
    Example:
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
