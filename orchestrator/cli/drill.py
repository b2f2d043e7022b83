"""Command line of drill mode: ``orchestrator drill``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import click

from orchestrator.cli.common import context_of
from orchestrator.drill.scenario import Scenario


@click.command("drill")
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("samples/drill/scenario.toml"),
    show_default=True,
    help="The drill scenario (TOML; its paths are relative to the project root).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/drill"),
    show_default=True,
    help="Folder for every notice, delivered message and the assessment (emptied first).",
)
@click.option(
    "--pace",
    type=click.FloatRange(min=0, max=60),
    default=0.0,
    show_default=True,
    help="Real seconds per simulated hour (0: as fast as it goes; 1: five days in two minutes).",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write PDFs.")
@click.pass_context
def drill_command(
    ctx: click.Context, scenario: Path, out_dir: Path, pace: float, pdf: bool
) -> None:
    """Run a drill (应急演练): a multi-day episode on a simulated clock through the real
    pipeline — consultations on the scenario's forecasts, drafts approved and issued, notices
    rendered and delivered, enterprises acknowledging and reporting, overdue ones escalated, and
    the effect assessment — in its own database (data/drill.db), every delivery forced to the
    folder channel and every notice marked 演练 (CAP status Exercise).

    \b
    Example:
      orchestrator drill --no-pdf
    """
    from orchestrator.drill.run import Drill
    from orchestrator.settings import PROJECT_ROOT

    context = context_of(ctx)
    loaded = Scenario.load(scenario, PROJECT_ROOT)
    if out_dir.exists():
        shutil.rmtree(out_dir)

    def say(at: dt.datetime, text: str) -> None:
        click.echo(f"［演练时间 {at.month}月{at.day}日{at.hour:02d}:{at.minute:02d}］{text}")

    drill = Drill(
        context,
        loaded,
        out_dir,
        database=context.settings.data_dir / "drill.db",
        pace=pace,
        pdf=pdf,
        say=say,
    )
    result = drill.run()
    click.echo(
        f"演练结束：发布文件{len(result.documents)}份（{'、'.join(result.documents) or '无'}），"
        f"投递应急响应指令{result.orders_delivered}份，全部写入 {out_dir / 'outbox'}，未向任何企业实际发送"
    )
    if result.assessment:
        click.echo("评估报告：" + "、".join(str(p) for p in result.assessment))


COMMANDS = (drill_command,)
