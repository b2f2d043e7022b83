"""What importing costs. Importing any module of the package writes no file, opens no
connection, starts no process and hashes no password; `orchestrator --help` and a command's
help load no heavy library (database layer, templates, HTTP, NumPy, settings validation,
PDF, web framework) — they are imported where a command uses them. Checked in a fresh
interpreter each, by what it did and what it loaded, not by how long it took (speed is
bench/startup's business)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.base import ROOT

HEAVY = {
    "sqlalchemy",
    "alembic",
    "psycopg",
    "pydantic",
    "pydantic_settings",
    "requests",
    "urllib3",
    "numpy",
    "jinja2",
    "markupsafe",
    "fastapi",
    "starlette",
    "uvicorn",
    "argon2",
    "apscheduler",
    "python_calamine",
    "openpyxl",
    "weasyprint",
    "orjson",
}

# Runs in a fresh interpreter: every side effect of importing every module is recorded through
# audit hooks (and Argon2's hashing entry points, wrapped before anything imports them).
IMPORT_ALL = r"""
import json, os, pkgutil, sys, importlib
effects = []

WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE
        )
        if writes and path is not None and not str(path).startswith("/dev/"):
            effects.append(f"open for writing: {path}")
    elif event in ("socket.connect", "socket.getaddrinfo"):
        effects.append(f"{event}: {args[1] if len(args) > 1 else args}")
    elif event == "socket.bind" and args[1] != ("::1", 0):  # urllib3's probe: IPv6 there?
        effects.append(f"{event}: {args[1]}")
    elif event in ("subprocess.Popen", "os.system", "os.fork", "os.exec", "os.posix_spawn"):
        effects.append(f"{event}: {args[0] if args else ''}")
    elif event in ("os.mkdir", "os.rename", "os.remove", "shutil.rmtree"):
        effects.append(f"{event}: {args[0]}")

import argon2, argon2.low_level
def counted(name, fn):
    def wrapper(*a, **k):
        effects.append(f"argon2 {name}")
        return fn(*a, **k)
    return wrapper
argon2.low_level.hash_secret = counted("hash_secret", argon2.low_level.hash_secret)
argon2.PasswordHasher.hash = counted("PasswordHasher.hash", argon2.PasswordHasher.hash)

sys.addaudithook(hook)
import orchestrator
names = sorted(
    m.name for m in pkgutil.walk_packages(orchestrator.__path__, "orchestrator.")
    if ".migrations.versions" not in m.name and not m.name.endswith(".migrations.env")
    and m.name != "orchestrator.__main__"  # runs the command line
)
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": len(names), "effects": effects}))
"""

HELP = r"""
import json, sys
from orchestrator.cli import cli
for args in ARGS:
    try:
        cli(args, prog_name="orchestrator")
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} | {m for m in sys.modules if m.startswith("orchestrator.")})))
"""


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_importing_every_module_writes_connects_spawns_and_hashes_nothing():
    found = json.loads(_run(IMPORT_ALL))
    assert found["modules"] > 100  # every module was imported, web and migrations included
    assert found["effects"] == []


@pytest.mark.parametrize(
    "args",
    [
        [["--help"]],
        [["alert", "--help"], ["list", "import", "--help"], ["deliver", "--help"]],
        [["serve", "--help"], ["consult", "--help"], ["assess", "--help"], ["drill", "--help"]],
    ],
    ids=["root", "commands", "more-commands"],
)
def test_help_loads_no_heavy_library(args):
    loaded = set(json.loads(_run(HELP.replace("ARGS", repr(args)))))
    assert loaded & HEAVY == set()
    assert "click" in loaded


def test_root_help_loads_no_command_module():
    loaded = set(json.loads(_run(HELP.replace("ARGS", repr([["--help"]])))))
    # click's Chinese messages only: no command module
    assert {m for m in loaded if m.startswith("orchestrator.cli.")} == {"orchestrator.cli.locale"}
    # and a command's help loads its own module only
    loaded = set(json.loads(_run(HELP.replace("ARGS", repr([["alert", "--help"]])))))
    commands = {m for m in loaded if m.startswith("orchestrator.cli.")}
    assert "orchestrator.cli.alerts" in commands
    assert commands <= {
        "orchestrator.cli.alerts",
        "orchestrator.cli.common",
        "orchestrator.cli.locale",
    }
