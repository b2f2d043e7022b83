"""The scheduler as ``orchestrator schedule`` builds it, on a test's database and clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from orchestrator.clock import Clock
from orchestrator.controls.model import Control
from orchestrator.scheduling.heartbeat import Heartbeat, heartbeat_of
from tests.support.app import app
from tests.support.consultation import config


def beat(
    engine: Engine | None,
    tmp_path: Path,
    clock: Clock,
    controls: tuple[Control, ...] = (),
    **kw: Any,
) -> Heartbeat:
    """The consultation slots of ``config(**kw)`` and the recurring ``controls`` (none by
    default), run by ``test:1``."""
    ctx = app(engine, clock=clock, data_dir=tmp_path, consultation=config(**kw), controls=controls)
    found = heartbeat_of(ctx)
    found.runner = "test:1"
    return found
