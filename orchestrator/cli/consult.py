"""Command line of the daily consultation and the scheduler: ``orchestrator consult``,
``consultations`` and ``schedule``."""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import RUN_STATUS, context_of, heartbeat, instant
from orchestrator.consultation.model import Outcome
from orchestrator.notices.model import PdfUnavailable

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context
    from orchestrator.scheduling.heartbeat import Heartbeat
    from orchestrator.scheduling.province import ProvinceBeat

_ACTIONS = {
    "issue": "启动",
    "upgrade": "升级",
    "downgrade": "降级",
    "extend": "延长",
    "lift": "解除",
}


def _show(outcome: Outcome) -> None:
    rec = outcome.record
    slot = dt.datetime.fromisoformat(rec["slot"])
    again = "" if outcome.created else "（该时次已会商，以下为原记录）"
    state = "，数据异常" if rec["degraded"] else ""
    click.echo(
        f"会商第{outcome.id}次（{slot:%Y-%m-%d %H:%M}{state}）{again}：{rec['recommendation']['headline']}"
    )
    for issue in rec["issues"]:
        click.echo(f"  ! {issue['message']}")
    for reason in (rec.get("decision") or {}).get("reasons", []):
        click.echo(f"  - {reason}")
    draft = rec.get("draft") or {}
    if draft.get("alert_id"):
        action = _ACTIONS[rec["recommendation"]["action"]]
        click.echo(
            f"已起草预警{draft['alert_id']}（{action}），待值班人员审核提交："
            f"orchestrator alert submit {draft['alert_id']} --by 值班人员姓名"
        )
    elif draft.get("note"):
        click.echo(draft["note"])


def _write(context: Context, outcome: Outcome, folder: Path, pdf: bool) -> list[Path]:
    consultant = context.consultant()
    try:
        return consultant.write(outcome, folder, pdf=pdf)
    except PdfUnavailable as exc:
        click.echo(f"提示：{exc}；仅生成HTML", err=True)
        return consultant.write(outcome, folder, pdf=False)


@click.command("consult")
@click.option(
    "--at",
    "at_text",
    metavar="ISO",
    help="会商时次（不带时区的按本市时间）；默认为当前。同一时次运行两次只记一次。",
)
@click.option("--source", metavar="NAME", help="预报数据源（config/consultation.toml）。")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="会商意见（HTML和PDF）的输出目录［默认：数据目录/consultations］。",
)
@click.option("--no-pdf", is_flag=True, help="会商意见只输出HTML。")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出会商记录。")
@click.pass_context
def consult_command(
    ctx: click.Context,
    at_text: str | None,
    source: str | None,
    out_dir: Path | None,
    no_pdf: bool,
    as_json: bool,
) -> None:
    """开展一次每日会商：获取并检查预报（及站点实况），按本市预警规则研判，与现行预警比对，记录会商意见，起草相应的预警办理事项并通知值班人员。

    预报未通过输入检查（过时、缺天缺时、数值不合理、时次重复、数据源不可用）时，本次会商降级：照常记录并通知值班人员，但不起草任何事项。

    \b
    示例：
      orchestrator consult --at 2026-01-04T09:30 --json
      orchestrator consult --source provincial
    """
    context = context_of(ctx)
    now = context.clock.now()
    slot = instant(context, at_text, "--at") if at_text else now
    outcome = context.consultant().consult(slot=slot, now=now, source=source)
    files = _write(
        context, outcome, out_dir or context.settings.data_dir / "consultations", not no_pdf
    )
    if as_json:
        out = outcome.as_json()
        out["files"] = [str(p) for p in files]
        click.echo(json.dumps(out, ensure_ascii=False, default=str))
        return
    _show(outcome)
    click.echo(f"会商意见：{'、'.join(str(p) for p in files)}")


@click.command("consultations")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="输出JSON列表。")
@click.pass_context
def consultations_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """列出近期会商（新的在前）：时次、研判结论、起草情况、通知情况。

    \b
    示例：
      orchestrator consultations --limit 5
    """
    context = context_of(ctx)
    rows = context.consultant().history(limit)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": o.id,
                        "slot": o.record["slot"],
                        "degraded": o.record["degraded"],
                        "recommendation": o.record["recommendation"],
                        "alert_id": o.alert_id,
                        "notified": o.notified,
                    }
                    for o in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        click.echo("尚无会商记录")
    for o in rows:
        slot = dt.datetime.fromisoformat(o.record["slot"])
        flags = "，数据异常" if o.record["degraded"] else ""
        draft = f"，已起草预警{o.alert_id}" if o.alert_id else ""
        told = "" if o.notified else "，通知未送达"
        click.echo(
            f"{o.id}  {slot:%Y-%m-%d %H:%M}  {o.record['recommendation']['headline']}{flags}{draft}{told}"
        )


@click.command("schedule")
@click.option(
    "--once",
    is_flag=True,
    help="运行当前到点的时次（在允许的延误时间内）后退出（供cron、补做和测试使用）。",
)
@click.option("--list", "list_jobs", is_flag=True, help="显示各时次及下次运行时间。")
@click.option("--history", is_flag=True, help="显示运行记录。")
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def schedule_command(
    ctx: click.Context, once: bool, list_jobs: bool, history: bool, as_json: bool
) -> None:
    """在前台运行定时任务：按本市时间运行 config/consultation.toml 的各会商时次和 config/controls.toml 的各项常态化管控；多个调度进程共用一个PostgreSQL数据库时每次仍只运行一次。SIGTERM或Ctrl-C停止。

    \b
    示例：
      orchestrator schedule --list
      orchestrator --now 2026-01-04T09:31 schedule --once
      orchestrator schedule
    """
    context = context_of(ctx)
    beat = heartbeat(context, echo=not as_json)
    if list_jobs:
        _list(context, beat, as_json)
        return
    if history:
        rows = beat.history()
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, default=str))
            return
        for r in rows:
            slot = r["slot"].astimezone(context.settings.zone)
            tries = f"（第{r['attempts']}次执行）" if r["attempts"] > 1 else ""
            click.echo(
                f"{slot:%Y-%m-%d %H:%M} {r['job']}：{RUN_STATUS.get(r['status'], r['status'])}{tries}"
                f"{'，' + r['detail'] if r['detail'] else ''}"
            )
        return
    if once:
        results = beat.run_due()
        if as_json:
            click.echo(json.dumps([r.as_json() for r in results], ensure_ascii=False))
        elif not results:
            click.echo("当前没有到点的会商时次或常态化管控")
        return
    _run_forever(context, beat)


def _beats(beat: Heartbeat | ProvinceBeat) -> list[Heartbeat]:
    """Each city's heartbeat (one, but on a provincial installation)."""
    from orchestrator.scheduling.province import ProvinceBeat

    return list(beat.cities.values()) if isinstance(beat, ProvinceBeat) else [beat]


def _list(context: Context, beat: Heartbeat | ProvinceBeat, as_json: bool) -> None:
    now = context.clock.now()
    rows: list[dict[str, Any]] = []
    for city in _beats(beat):
        triggers = city.triggers()
        for slot in city.schedule.slots:
            nxt = triggers[f"consult:{slot.name}"].get_next_fire_time(None, now)
            rows.append(
                {
                    "job": f"{city.prefix}consult:{slot.name}",
                    "time": f"{slot.time:%H:%M}",
                    "active_only": slot.active_only,
                    "next": nxt.isoformat() if nxt else None,
                }
            )
        for control_id, time in city.control_times(now).items():
            nxt = triggers[f"control:{control_id}"].get_next_fire_time(None, now)
            rows.append(
                {
                    "job": f"{city.prefix}control:{control_id}",
                    "time": f"{time:%H:%M}",
                    "active_only": False,
                    "next": nxt.isoformat() if nxt else None,
                }
            )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        when = "（仅预警期间）" if row["active_only"] else ""
        click.echo(f"{row['job']}  每日{row['time']}{when}  下次：{row['next'][:16]}")


def _run_forever(context: Context, beat: Heartbeat | ProvinceBeat) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=context.settings.zone)
    beat.install(scheduler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler.start()
    cities = _beats(beat)
    controls = sum(len(c.control_times(context.clock.now())) for c in cities)
    click.echo(
        "调度已启动："
        + (f"{len(cities)}个市各" if len(cities) > 1 else "")
        + "、".join(f"{s.time:%H:%M}" for s in context.consultation.schedule.slots)
        + f"会商，常态化管控{controls}项（Ctrl-C 停止）"
    )
    beat.catch_up()  # a slot missed while no scheduler ran, still within its grace
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    scheduler.shutdown(wait=True)
    click.echo("调度已停止")


COMMANDS = (consult_command, consultations_command, schedule_command)
