"""The web service as `orchestrator serve` runs it, built from the installation's context: the
console, the JSON API, the enterprises' pages and the SMS callback. :func:`from_environment`
builds it in a uvicorn worker process (``serve --workers N``) from the same ``ORCHESTRATOR_*``
environment, with ``ORCHESTRATOR_NOW`` for a fixed clock (drills, benchmarks)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any

from fastapi import FastAPI

from orchestrator.bootstrap import Context, bootstrap
from orchestrator.clock import FixedClock
from orchestrator.web.app import WebSettings, create_app
from orchestrator.web.console import AlertDesk, ConsoleSite, ListDesk

NOW_ENV = "ORCHESTRATOR_NOW"


def web_service(context: Context) -> FastAPI:
    notices: dict[str, Any] = context.approvals.notices
    sms = context.delivery.channels.get("sms")
    token_env = str(sms.get("callback_token_env", "")) if sms is not None else ""
    return create_app(
        context.database(),
        signer=context.links(),
        env=context.templates(),
        clock=context.clock,
        zone=context.settings.zone,
        settings=WebSettings(
            office=context.approvals.issuer,
            office_phone=notices["office_phone"],
            acknowledge_base_url=notices["acknowledge_base_url"],
            receipt_hours=notices["receipt_hours"],
            sms_callback_token=os.environ.get(token_env, "") if token_env else "",
        ),
        console=ConsoleSite(
            region_code=context.city.region_code,
            office=context.approvals.issuer,
            zone=context.settings.zone,
            receipt_hours=notices["receipt_hours"],
            config=context.console,
            desk=AlertDesk(
                approvals=context.approvals,
                city=context.city,
                links=context.links(),
                delivery=context.delivery,
                assessor=context.assessor(),
            ),
            lists=ListDesk(
                city=context.city,
                measures=context.measures,
                uploads=context.settings.data_dir / "uploads",
            ),
        ),
    )


def from_environment() -> FastAPI:
    """The service in a worker process (uvicorn's app factory)."""
    context = bootstrap()
    now = os.environ.get(NOW_ENV)
    if now:
        context = dataclasses.replace(context, clock=FixedClock(dt.datetime.fromisoformat(now)))
    return web_service(context)
