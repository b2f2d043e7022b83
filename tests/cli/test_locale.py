"""The command line speaks Chinese: click's own messages (usage, options, errors) come from the
shipped catalog, which is the catalog compiled; help and usage errors of every command hold no
English sentence."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from orchestrator.cli import COMMANDS, cli, load_command
from orchestrator.cli.locale import COMPILED, compiled


def _messages(mo: bytes) -> dict[object, str]:
    import gettext
    import io

    found = gettext.GNUTranslations(io.BytesIO(mo))
    return {k: v for k, v in found._catalog.items() if k != ""}  # the header aside


def test_the_shipped_catalog_is_the_catalog_compiled():
    """Message for message (the bytes depend on the compiler's version)."""
    shipped = _messages(COMPILED.read_bytes())
    assert shipped == _messages(compiled())
    assert shipped["Usage:"] == "用法："


def _every_command() -> list[list[str]]:
    names: list[list[str]] = [[]]
    for name in COMMANDS:
        command = load_command(name)
        names.append([name])
        if isinstance(command, click.Group):
            names += [[name, sub] for sub in command.commands]
    return names


def test_every_help_is_chinese():
    english = re.compile(r"[A-Za-z]{2,}[ ,][a-z]{2,} [a-z]{2,}")  # three English words running
    for args in _every_command():
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "用法：" in result.output
        assert "显示本帮助并退出。" in result.output
        for line in result.output.splitlines():
            text = line.strip()
            if text.startswith(("orchestrator ", "printf ", "用法")):  # examples, usage
                continue
            text = re.sub(r"^-\S+(, -\S+)?( [A-Z_\[\]|.:0-9-]+( RANGE)?)?\s+", "", text)
            text = re.sub(r"orchestrator( [a-z-]+)+", "", text)  # a command named in a sentence
            assert not english.search(text), (args, line)


def test_usage_errors_are_chinese_with_exit_code_2():
    runner = CliRunner()
    unknown = runner.invoke(cli, ["aqi", "--bogus"])
    assert unknown.exit_code == 2
    assert "错误：没有选项'--bogus'。" in unknown.output
    assert (
        "运行“orchestrator aqi --help”查看帮助。" in unknown.output or "查看帮助" in unknown.output
    )
    missing = runner.invoke(cli, ["aqi"])
    assert missing.exit_code == 2
    assert "缺少选项" in missing.output
    bad = runner.invoke(cli, ["aqi", "--mode", "weekly"])
    assert bad.exit_code == 2
    assert "取值无效" in bad.output
    assert runner.invoke(cli, ["no-such"]).exit_code == 2
