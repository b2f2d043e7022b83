"""Command line: thin commands over the use cases, one module per command group. Exit 0 ok,
1 error, 2 unusable input or usage — decided here, in one place, from the kind of error a
command raised (:func:`exit_code`).

The root loads a command's module only when that command runs (or shows its help): the table
:data:`COMMANDS` names each command's module and its one-line summary, the only place that
summary is written, so ``orchestrator --help`` imports no command module at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import sys
from typing import TYPE_CHECKING, Any

import click

from orchestrator.clock import FixedClock
from orchestrator.errors import InputInvalid, OrchestratorError

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context


def exit_code(exc: OrchestratorError) -> int:
    """2 for unusable input (a value, a file), 1 for every other error; a list workbook with
    errors is 1 (the import's documented contract), a permit registry export 2."""
    from orchestrator.emissions.model import ListFileInvalid, PermitsInvalid

    if isinstance(exc, PermitsInvalid):
        return 2
    if isinstance(exc, ListFileInvalid):
        return 1
    if isinstance(exc, InputInvalid):
        return 2
    return 1


# command name: (module under orchestrator.cli, one-line summary shown by `orchestrator --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "alert": ("alerts", "Alerts: draft, approve, issue, adjust, lift, show, list."),
    "aqi": ("aqi", "Compute the AQI (HJ 633) of one record or of a CSV file."),
    "assess": ("aqi", "Decide whether an alert is due for a forecast series."),
    "assessment": ("assessment", "Effect assessment of an alert (效果评估)."),
    "compliance": ("delivery", "Compliance check of an alert against electricity and loads."),
    "consult": ("consult", "Run the daily consultation (每日会商) once."),
    "consultations": ("consult", "List recent consultations, newest first."),
    "controls": ("controls", "Recurring controls: VOCs window, staggered production."),
    "deliver": ("delivery", "Deliver issued notices through the outbox, with retries."),
    "demo": ("demo", "Run the main job end to end on sample data."),
    "drill": ("drill", "Run a drill (应急演练) on a simulated clock."),
    "hint": ("alerts", "Regional hints (区域预警提示) from the province or ministry."),
    "list": ("lists", "The emergency emission list (应急减排清单)."),
    "load": ("delivery", "Hourly loads (运行负荷) of production lines."),
    "negotiated": ("negotiated", "Negotiated reductions (协商减排) for one alert revision."),
    "notices": ("notices", "Notices of an issued alert: bulletin, orders, SMS, CAP."),
    "power": ("delivery", "Hourly electricity readings (用电数据) of production lines."),
    "receipts": ("delivery", "Receipts of the newest notices and whom to chase."),
    "replay": ("replay", "Replay a season through the decision engine, day by day."),
    "rulesets": ("aqi", "List the warning rulesets with their documents and dates."),
    "schedule": ("consult", "Run the scheduler in the foreground."),
    "serve": ("delivery", "Run the web service and the scheduler."),
    "user": ("users", "Console accounts and API tokens."),
}


def load_command(name: str) -> click.Command | None:
    """The command called ``name``, its module imported now; None for an unknown name."""
    entry = COMMANDS.get(name)
    if entry is None:
        return None
    module = importlib.import_module(f"orchestrator.cli.{entry[0]}")
    for command in module.COMMANDS:
        assert isinstance(command, click.Command)
        if command.name == name:
            command.short_help = entry[1]
            return command
    raise LookupError(f"orchestrator.cli.{entry[0]} has no command {name!r}")


class Root(click.Group):
    """The root command: commands loaded on use from :data:`COMMANDS`; every deliberate error
    of a command becomes its message on standard error (each line marked 错误：) and its exit
    code — never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # the summaries come from the table: listing them loads no command module
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OrchestratorError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"错误：{line}", err=True)
            ctx.exit(exit_code(exc))


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
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
    # built when a command first asks for it (`context_of`): help and usage errors load
    # neither the configuration nor any library
    ctx.obj = functools.partial(_context, now_text)


def _context(now_text: str | None) -> Context:
    """The composition root, its clock fixed by ``--now``."""
    from orchestrator.bootstrap import bootstrap  # settings, configuration, the database layer

    context = bootstrap()
    if now_text is not None:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError:
            raise InputInvalid(
                f"--now: 时间格式应为ISO 8601（如2026-01-05T08:30），实为“{now_text}”"
            ) from None
        now = (
            now.replace(tzinfo=context.settings.zone)
            if now.tzinfo is None
            else now.astimezone(context.settings.zone)
        )
        context = dataclasses.replace(context, clock=FixedClock(now))
    return context


def main() -> None:
    cli(prog_name="orchestrator")
    sys.exit(0)
