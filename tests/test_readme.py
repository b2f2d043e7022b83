"""The README is a contract: every `$ orchestrator ...` line in it is run and must print what it shows."""

from __future__ import annotations

import re
import shlex

import click
import pytest
from click.testing import CliRunner

from orchestrator.cli import COMMANDS, cli, load_command
from tests.support.base import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _examples() -> list[tuple[str, str]]:
    out = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        parts = re.split(r"^\$ ", block, flags=re.M)
        for part in parts[1:]:
            command, _, expected = part.partition("\n")
            out.append((command, expected))
    return out


EXAMPLES = _examples()


@pytest.fixture(scope="module", autouse=True)
def _fresh_database(tmp_path_factory):
    """The examples run in order against one new database, as a new user would run them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path_factory.mktemp("readme-data")))
        yield


def _command_name(line: str) -> str:
    args = shlex.split(line)[1:]
    while args[0].startswith("--"):  # global options such as --now ISO
        args = args[2:]
    return args[0]


# Commands that run until stopped (a server) cannot be examples; the README describes them.
LONG_RUNNING = {"serve"}


def test_readme_has_examples_for_every_command():
    assert {_command_name(c) for c, _ in EXAMPLES} >= set(COMMANDS) - LONG_RUNNING


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_output_is_real(command, expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    assert args[0] == "orchestrator"
    result = CliRunner().invoke(cli, args[1:], catch_exceptions=False)
    # an example of a refusal ends with its exit code, "(exit N)", and shows what is printed
    refused = re.search(r"^\(exit (\d)\)\n\Z", expected, flags=re.M)
    if refused:
        assert result.exit_code == int(refused.group(1))
        assert result.output == expected[: refused.start()]
        return
    assert result.exit_code == 0
    assert result.stdout == expected


def _all_commands() -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name in COMMANDS:
        command = load_command(name)
        assert command is not None
        out.append((name, command))
        if isinstance(command, click.Group):
            out.extend((f"{name} {sub}", c) for sub, c in command.commands.items())
    return sorted(out, key=lambda item: item[0])


@pytest.mark.parametrize(("name", "command"), _all_commands(), ids=[n for n, _ in _all_commands()])
def test_every_command_has_help_with_an_example_and_is_documented(name, command):
    assert "示例：" in (command.help or "")
    assert f"orchestrator {name}" in README
