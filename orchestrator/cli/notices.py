"""Command line of an issued alert's notices: ``orchestrator notices render``."""

from __future__ import annotations

from pathlib import Path

import click

from orchestrator.cli.common import context_of


@click.group("notices")
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
    context = context_of(ctx)
    written = context.notices().write(
        alert_id,
        out_dir,
        pdf_base=context.settings.templates_dir if (pdf or orders_pdf) else None,
        pdf=pdf,
        orders_pdf=orders_pdf,
        uscc=usccs,
    )
    names = "、".join(p.name for p in written.documents)
    click.echo(f"已生成{names}及应急响应指令{written.orders}份：{written.folder}")


COMMANDS = (notices_group,)
