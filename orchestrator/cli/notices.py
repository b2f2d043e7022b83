"""Command line of an issued alert's notices: ``orchestrator notices render``."""

from __future__ import annotations

from pathlib import Path

import click

from orchestrator.cli.common import Progress, context_of


@click.group("notices")
def notices_group() -> None:
    """已发布预警的通知：发布通知、应急响应指令、调整和解除通知、短信、CAP消息。

    \b
    示例：
      orchestrator notices render --alert 1 --out out/notices
    """


@notices_group.command("render")
@click.option("--alert", "alert_id", type=int, required=True, help="预警编号。")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="输出目录。",
)
@click.option("--pdf", is_flag=True, help="同时将主文件输出为PDF。")
@click.option(
    "--orders-pdf",
    is_flag=True,
    help="同时将全部应急响应指令合并输出为一个可打印的PDF（orders.pdf）。",
)
@click.option(
    "--uscc",
    "usccs",
    multiple=True,
    help="只输出该企业的应急响应指令（可重复）；默认为全部指令。",
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
    """将预警最新发布版本的全部通知写入目录。

    通知在发布后首次调用时生成一次并存储；本命令写出存储的内容，从不重新生成。

    \b
    示例：
      orchestrator notices render --alert 1 --out out/notices --pdf
      orchestrator notices render --alert 1 --out out/one --uscc 91999900MA0000001X --orders-pdf
    """
    context = context_of(ctx)
    with Progress("写出应急响应指令") as progress:
        written = context.notices().write(
            alert_id,
            out_dir,
            pdf_base=context.settings.templates_dir if (pdf or orders_pdf) else None,
            pdf=pdf,
            orders_pdf=orders_pdf,
            uscc=usccs,
            progress=progress,
        )
    names = "、".join(p.name for p in written.documents)
    tasks = f"、应急响应任务单{written.tasks}份" if written.tasks else ""
    click.echo(f"已生成{names}及应急响应指令{written.orders}份{tasks}：{written.folder}")


COMMANDS = (notices_group,)
