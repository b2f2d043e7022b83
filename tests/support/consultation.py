"""Consultants wired as in production over a test database, with forecast documents built to
order."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from orchestrator.bootstrap.config_files import load_consultation
from orchestrator.consultation.config import ConsultationConfig
from orchestrator.consultation.service import Consultant
from tests.support.app import app
from tests.support.base import CONFIG, ROOT

DEFAULT = load_consultation(CONFIG)


def forecast_doc(
    issued: dt.datetime, aqis: list[int], *, first: dt.date, city: str = "示例市", **extra: Any
) -> dict[str, Any]:
    """A daily forecast document in the documented schema: one AQI a day from ``first``."""
    return {
        "city": city,
        "issued_at": issued.isoformat(),
        "producer": "测试预报",
        "meteorology": "静稳天气",
        "daily": [
            {
                "date": (first + dt.timedelta(days=i)).isoformat(),
                "aqi": a,
                "aqi_low": max(0, a - 15),
                "aqi_high": a + 15,
                "primary_pollutants": ["PM2.5"],
            }
            for i, a in enumerate(aqis)
        ],
        **extra,
    }


def config(
    *,
    url: str = "",
    folder: Path | None = None,
    timeout: float = 2.0,
    retries: int = 0,
    notify: dict[str, dict[str, Any]] | None = None,
    emails: tuple[str, ...] = (),
    monitoring: bool = False,
    slots: list[dict[str, Any]] | None = None,
) -> ConsultationConfig:
    """The shipped consultation config with the test's sources and channels."""
    sources: dict[str, Any] = {
        "sample": {
            "kind": "folder",
            "path": str(ROOT / "samples" / "forecasts"),
            "pattern": "*.json",
        },
        "http": {
            "kind": "http",
            "url": url,
            "timeout_seconds": timeout,
            "retries": retries,
            "backoff_seconds": 0,
            "token_env": "TEST_FORECAST_TOKEN",
        },
    }
    if folder is not None:
        sources["drop"] = {"kind": "folder", "path": str(folder), "pattern": "*"}
    data: dict[str, Any] = {
        "default_source": "http" if url else ("drop" if folder else "sample"),
        "detail_days": 3,
        "health": {
            "max_forecast_age_hours": 30,
            "min_forecast_days": 3,
            "max": dict(DEFAULT.health.max),
        },
        "sources": sources,
        "schedule": {
            "misfire_grace_seconds": 1800,
            "lease_seconds": 600,
            "slots": slots
            or [
                {"name": "morning", "time": "09:30"},
                {"name": "afternoon", "time": "15:30"},
                {"name": "night", "time": "21:30", "active_only": True},
            ],
        },
        "notify": {"use": list(notify or {}), "channels": notify or {}, "emails": list(emails)},
    }
    if monitoring:
        data["monitoring"] = {
            "kind": "folder",
            "path": str(ROOT / "samples" / "stations"),
            "pattern": "*.csv",
            "min_station_share": 0.75,
        }
    return ConsultationConfig.from_mapping(data, source="test")


def consultant(
    engine: Any, cfg: ConsultationConfig, tmp_path: Path, ruleset_id: str = "mee-2024"
) -> Consultant:
    """The consultation as bootstrap wires it, with ``cfg``'s sources and channels, telling the
    duty officers without a PDF (folder channels under ``tmp_path``)."""
    ctx = app(engine, data_dir=tmp_path, consultation=cfg)
    ctx = dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"ruleset": ruleset_id}))
    found = ctx.consultant()
    found.pdf_base = None
    return found


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path
