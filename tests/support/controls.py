"""Control offices wired as in production over a test database: the shipped controls (or
variants of them), the sample list, and forecasts from a local HTTP server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from orchestrator.bootstrap.config_files import load_controls
from orchestrator.controls.model import Control, controls_from_mapping
from orchestrator.controls.service import ControlOffice
from orchestrator.db.tables import (
    control_round_entries,
    control_rounds,
    list_enterprises,
    list_lines,
)
from tests.support.app import app
from tests.support.base import CONFIG, ZONE
from tests.support.consultation import config

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
    city_templates: Path | None = None,
) -> ControlOffice:
    """The recurring controls as bootstrap wires them, forecast-triggered ones reading
    ``forecast_url``; ``city_templates``: a city's template overrides."""
    ctx = app(engine, data_dir=tmp_path, controls=controls, consultation=config(url=forecast_url))
    if city_templates is not None:
        changed = ctx.settings.model_copy(update={"city_templates_dir": city_templates})
        ctx = dataclasses.replace(ctx, settings=changed)
    return ctx.control_office()


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
