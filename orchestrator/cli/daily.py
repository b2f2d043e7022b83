"""Command line of the daily dispatch (每日调度): ``orchestrator daily --alert ID --date D``."""

from __future__ import annotations

from pathlib import Path

import click

from orchestrator.cli.common import context_of, date_option, echo_json
from orchestrator.daily.model import figure_labels, roll_up_dict
from orchestrator.daily.render import roll_up_html
from orchestrator.daily.service import summary_text
from orchestrator.daily.workbook import roll_up_workbook
from orchestrator.notices.model import PdfUnavailable
from orchestrator.notices.render import pdf_bytes

LISTED = 10  # missing reporters and problems the text output names


@click.command("daily")
@click.option("--alert", "alert_id", type=int, required=True, help="预警编号。")
@click.option("--date", "day_text", metavar="YYYY-MM-DD", help="日报日期；默认为当日。")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="另将日报写入该文件夹：HTML、PDF和Excel工作簿。",
)
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def daily_command(
    ctx: click.Context, alert_id: int, day_text: str | None, out: Path | None, as_json: bool
) -> None:
    """应急管控工作日报：预警执行期间某日各企业和成员单位、县（市、区）、乡镇（街道）的日报报送、
    措施落实、报送数字、存在问题和未报送单位，按县（市、区）、乡镇（街道）和成员单位汇总。

    日报报送时限见 config/network.toml [daily] report_by；逾时未报送的由定时任务催报，并将日报摘要发送
    [daily] leaders 所列领导。

    \b
    示例：
      orchestrator daily --alert 1 --date 2026-01-06
      orchestrator daily --alert 1 --date 2026-01-06 --out out/daily --json
    """
    context = context_of(ctx)
    zone, now = context.settings.zone, context.clock.now()
    day = date_option(day_text, "--date") if day_text else now.astimezone(zone).date()
    r = context.daily().roll_up(alert_id, day, now)
    written: list[Path] = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        office = context.office
        html = roll_up_html(
            context.templates(), r, office=office.issuer, region_name=office.region_name, zone=zone
        )
        stem = f"日报-预警{alert_id}-{day.isoformat()}"
        (out / f"{stem}.html").write_text(html, encoding="utf-8")
        (out / f"{stem}.xlsx").write_bytes(
            roll_up_workbook(r, region_name=office.region_name, zone=zone)
        )
        written += [out / f"{stem}.html", out / f"{stem}.xlsx"]
        try:
            (out / f"{stem}.pdf").write_bytes(pdf_bytes(html, context.settings.templates_dir))
            written.append(out / f"{stem}.pdf")
        except PdfUnavailable as exc:
            click.echo(f"提示：{exc}；未生成PDF", err=True)
    if as_json:
        echo_json({**roll_up_dict(r), "written": [str(p) for p in written]})
        return
    click.echo(summary_text(context.templates(), r, context.office.region_name, zone))
    labels = figure_labels(r)
    click.echo("分县（市、区）：")
    for t in r.counties:
        figures = dict(t.figures)
        extra = "".join(f"，{k}{figures[k]:g}" for k in labels if k in figures)
        click.echo(
            f"  {t.place}：应报{t.expected}，已报{t.reported}，未报{t.missing}，"
            f"已落实{t.done}/{t.items}项{extra}"
        )
    click.echo("成员单位：")
    for m in r.members:
        told = "".join(f"，{k}{v:g}" for k, v in m.figures)
        state = f"已报送，已落实{m.done}/{m.items}项{told}" if m.reported else "未报送"
        click.echo(f"  {m.name}：{state}")
    if r.missing:
        more = f"等{len(r.missing)}家（个）" if len(r.missing) > LISTED else ""
        names = "、".join(m.name for m in r.missing[:LISTED])
        click.echo(f"未报送：{names}{more}")
    for p in r.problems[:LISTED]:
        click.echo(f"问题：{p.name}（{p.place}）{p.key}：{p.note}")
    for path in written:
        click.echo(f"已写入：{path}")


COMMANDS = (daily_command,)
