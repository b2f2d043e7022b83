"""The import contracts in pyproject.toml hold on the code as it is, and each one fails when the
thing it forbids is done: a copy of the package is broken on purpose and ``lint-imports`` run on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.base import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: What each break does, and the contract that must report it.
BREAKS = {
    # SQL outside db/, and a framework in the core
    "aqi/model.py": (
        "import sqlalchemy  # noqa\n",
        [
            "SQL only in db: no other package imports SQLAlchemy, Alembic or the driver",
            "The core imports no framework, database, file-format, template or HTTP library",
        ],
    ),
    # a use case calling up into an edge
    "response/service.py": (
        "import orchestrator.web.app  # noqa\n",
        [
            "The house: every package on its floor, nothing calls back up",
            "The edges are imported by nothing inside",
        ],
    ),
    # the lifecycle (core) importing the command office, which imports it: a cycle
    "response/lifecycle.py": (
        "import orchestrator.response.service  # noqa\n",
        [
            "No cycles between the modules of any package",
            "The core never reaches out to the edges, the composition root or the database",
        ],
    ),
}


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_the_house(tmp_path: Path) -> Path:
    tree = tmp_path / "house"
    shutil.copytree(
        ROOT / "orchestrator", tree / "orchestrator", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def broken(output: str) -> set[str]:
    return {
        line.removesuffix(" BROKEN").strip()
        for line in output.splitlines()
        if line.rstrip().endswith(" BROKEN")
    }


def test_every_contract_holds_on_the_code_as_it_is(tmp_path):
    tree = copy_of_the_house(tmp_path)
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout
    # the copy was what got checked, not the installed package
    assert (
        str(tree)
        in subprocess.run(
            [sys.executable, "-c", "import orchestrator; print(orchestrator.__file__)"],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def test_each_contract_fails_when_what_it_forbids_is_done(tmp_path):
    tree = copy_of_the_house(tmp_path)
    for module, (line, _) in BREAKS.items():
        path = tree / "orchestrator" / module
        path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")
    # a package nobody placed on a floor breaks the exhaustive layers contract too
    (tree / "orchestrator" / "unplaced").mkdir()
    (tree / "orchestrator" / "unplaced" / "__init__.py").write_text('"""Not in the house."""\n')
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout
    expected = {name for _, names in BREAKS.values() for name in names}
    assert broken(result.stdout) == expected
    assert "orchestrator.unplaced" in result.stdout
