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
    help="演练情景文件（TOML；其中路径相对于项目根目录）。",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/drill"),
    show_default=True,
    help="全部通知、已投递消息和评估报告的输出目录（运行前清空）。",
)
@click.option(
    "--pace",
    type=click.FloatRange(min=0, max=60),
    default=0.0,
    show_default=True,
    help="每模拟小时对应的实际秒数（0为尽快运行；1为约两分钟运行五天）。",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="同时输出PDF。")
@click.pass_context
def drill_command(
    ctx: click.Context, scenario: Path, out_dir: Path, pace: float, pdf: bool
) -> None:
    """开展应急演练：在模拟时钟上经完整流程运行一次多日污染过程——按情景预报会商、审批并发布、生成并投递通知、企业签收和报送、逾期督办、效果评估——使用独立数据库（data/drill.db），所有投递强制走文件渠道，所有通知标注“演练”（CAP状态为Exercise）。

    \b
    示例：
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
