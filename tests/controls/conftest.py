"""Control offices wired as in production over a test database: the shipped controls (or
variants of them), the sample list, and forecasts from a local HTTP server."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from orchestrator.config_files import load_controls
from orchestrator.controls.model import Control, controls_from_mapping
from orchestrator.controls.service import ControlOffice
from orchestrator.db.tables import (
    control_round_entries,
    control_rounds,
    list_enterprises,
    list_lines,
)
from orchestrator.notices.render import make_environment
from tests.conftest import CONFIG, LINKS, ROOT, ZONE
from tests.consultation.conftest import config, consultant
from tests.delivery.servers import HttpSink
from tests.test_command_office import APPROVALS, CITY

ENV = make_environment(ROOT / "templates")
SHIPPED = load_controls(CONFIG)
STAGGERED_NOTIFY = dt.datetime(2026, 11, 10, 9, 0, tzinfo=ZONE)


def variant(control_id: str, **over: Any) -> tuple[Control, ...]:
    """The shipped definitions with one control changed (e.g. the forecast one enabled)."""
    data = tomllib.loads((CONFIG / "controls.toml").read_text(encoding="utf-8"))
    for item in data["controls"]:
        if item["id"] == control_id:
            item.update(over)
    return controls_from_mapping(data, source="test")


def office(
    engine: Any,
    tmp_path: Path,
    *,
    controls: tuple[Control, ...] = SHIPPED,
    forecast_url: str = "",
    env: Any = ENV,
) -> ControlOffice:
    cons = consultant(engine, config(url=forecast_url), tmp_path)
    return ControlOffice(
        engine,
        controls=controls,
        region_code=CITY.region_code,
        region_name=CITY.region_name,
        issuer=APPROVALS.issuer,
        office_phone=APPROVALS.notices["office_phone"],
        acknowledge_base=APPROVALS.notices["acknowledge_base_url"],
        links=LINKS,
        zone=ZONE,
        env=env,
        outlook=cons.outlook,
    )


def concerned(engine: Any, industries: tuple[str, ...], vocs_only: bool = False) -> dict[str, str]:
    """USCC → grade of every enterprise with a line in ``industries``, read straight from the
    stored list (not through the list loader the control office uses)."""
    e, ln = list_enterprises.c, list_lines.c
    query = (
        select(e.uscc, e.grade)
        .join(list_lines, ln.enterprise_id == e.id)
        .where(ln.industry.in_(industries))
        .distinct()
    )
    if vocs_only:
        query = query.where(ln.base_vocs > 0)
    with engine.connect() as conn:
        return dict(conn.execute(query).all())


def stored(engine: Any) -> tuple[int, int]:
    """Rounds and round entries in the database."""
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(control_rounds)).scalar_one(),
            conn.execute(select(func.count()).select_from(control_round_entries)).scalar_one(),
        )


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    server = HttpSink().start()
    yield server
    server.stop()
