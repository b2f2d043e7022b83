"""The root's command table (``orchestrator.cli.COMMANDS``) is complete and true: every command
a command module defines is listed under its module, every listed command loads, and the root's
help shows the table's summaries."""

from __future__ import annotations

import importlib
import pkgutil

import click
from click.testing import CliRunner

import orchestrator.cli
from orchestrator.cli import COMMANDS, cli, load_command


def _defined() -> dict[str, str]:
    """Every command the command modules define: name → module."""
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(orchestrator.cli.__path__):
        module = importlib.import_module(f"orchestrator.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            assert command.name not in found, f"{command.name} defined twice"
            found[command.name] = info.name
    return found


def test_table_lists_every_command_under_its_module():
    assert {name: module for name, (module, _) in COMMANDS.items()} == _defined()


def test_every_listed_command_loads_with_its_summary():
    for name, (_, summary) in COMMANDS.items():
        command = load_command(name)
        assert isinstance(command, click.Command)
        assert command.name == name
        assert command.short_help == summary
    assert load_command("no-such-command") is None


def test_root_help_shows_the_summaries_and_unknown_commands_are_usage_errors():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, (_, summary) in COMMANDS.items():
        assert f"  {name} " in result.output
        assert summary[:30] in result.output
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert "no-such-command" in result.output
