"""The command line as a user types it (click's runner, in this process)."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from orchestrator.cli import cli
from tests.support.base import ROOT


def run(*args: str, ok: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == ok, result.output
    return result.output


def run_err(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stderr


def issued(monkeypatch: Any, tmp_path: Any) -> None:
    """The sample list imported and an orange alert issued from the command line, in a data
    folder of the test's own."""
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    run(
        "list",
        "import",
        str(ROOT / "emission_lists/sample_list.xlsx"),
        "--effective-from",
        "2025-10-01",
    )
    now = ("--now", "2026-01-04T20:00")
    run(
        *now,
        "alert",
        "draft",
        "--level",
        "orange",
        "--start",
        "2026-01-06T00:00",
        "--by",
        "张值班",
        "--submit",
    )
    run(*now, "alert", "approve", "1", "--by", "王副市长")
    run(*now, "alert", "issue", "1", "--by", "张值班")
