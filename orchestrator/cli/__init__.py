"""Command line: thin commands over the use cases, one module per command group. Exit 0 ok,
1 error, 2 unusable input or usage — decided here, in one place, from the kind of error a
command raised (:func:`exit_code`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import sys
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli import (
    alerts,
    aqi,
    assessment,
    consult,
    controls,
    delivery,
    demo,
    drill,
    lists,
    negotiated,
    notices,
    replay,
    users,
)
from orchestrator.clock import FixedClock
from orchestrator.emissions.model import ListFileInvalid, PermitsInvalid
from orchestrator.errors import InputInvalid, OrchestratorError

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context


def exit_code(exc: OrchestratorError) -> int:
    """2 for unusable input (a value, a file), 1 for every other error; a list workbook with
    errors is 1 (the import's documented contract), a permit registry export 2."""
    if isinstance(exc, PermitsInvalid):
        return 2
    if isinstance(exc, ListFileInvalid):
        return 1
    if isinstance(exc, InputInvalid):
        return 2
    return 1


class Root(click.Group):
    """The root command: every deliberate error of a command becomes its message on standard
    error (each line marked 错误：) and its exit code — never a traceback."""

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


for module in (
    aqi,
    lists,
    alerts,
    notices,
    demo,
    delivery,
    users,
    consult,
    controls,
    negotiated,
    replay,
    assessment,
    drill,
):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="orchestrator")
    sys.exit(0)
