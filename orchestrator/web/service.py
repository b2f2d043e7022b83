"""The web service as `orchestrator serve` runs it, built from the installation's context: the
console, the JSON API, the enterprises' pages and the SMS callback. :func:`from_environment`
builds it in a uvicorn worker process (``serve --workers N``) from the same ``ORCHESTRATOR_*``
environment, with ``ORCHESTRATOR_NOW`` for a fixed clock (drills, benchmarks)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

from fastapi import FastAPI

from orchestrator.bootstrap import Context, bootstrap
from orchestrator.clock import FixedClock
from orchestrator.delivery.callbacks import DEFAULT_MAX_SKEW_SECONDS, CallbackKey
from orchestrator.notices.render import pdf_bytes
from orchestrator.web.app import create_app
from orchestrator.web.province import CityDesk, ProvinceSite, province_app
from orchestrator.web.site import Site

NOW_ENV = "ORCHESTRATOR_NOW"


def site_of(context: Context, root: str = "") -> Site:
    """What the web service serves with, every use case from the composition root (``root``:
    where the browser reaches it, a city of a provincial installation under ``/c/<code>``)."""
    sms = context.delivery.channels.get("sms")
    secret_env = (
        str(sms.get("callback_secret_env") or sms.get("callback_token_env") or "")
        if sms is not None
        else ""
    )
    secret = os.environ.get(secret_env, "") if secret_env else ""
    skew = int(sms.get("callback_max_skew_seconds", DEFAULT_MAX_SKEW_SECONDS)) if sms else 0
    return Site(
        office=context.office,
        zone=context.settings.zone,
        clock=context.clock,
        env=context.templates(),
        links=context.links(),
        console=context.console,
        alerts=context.alerts(),
        notices=context.notices(),
        lists=context.lists(),
        receipts=context.receipts(),
        units=context.unit_receipts(),
        daily=context.daily(),
        checks=context.checks(),
        outbox=context.outbox(),
        consultant=context.consultant(),
        controls=context.control_office(),
        accounts=context.accounts(),
        audit=context.audit_log(),
        negotiations=context.negotiations(),
        uploads=context.settings.data_dir / "uploads",
        reads=context.uow(),
        assessor=context.assessor(),
        map=context.map,
        outlines=context.outlines(),
        sms_callback=CallbackKey(secret, skew) if secret else None,
        root=root,
        scope=context.scope(),
        directives=(context.directive_desk() if context.under_province else None),
        requests=(context.request_document if context.under_province else None),
    )


def web_service(context: Context) -> FastAPI:
    """The app, its databases opened (and migrated) before it serves anyone: a city's console,
    or on a provincial installation the province's pages with every city's under its root."""
    context.database().open()
    if not context.province_home:
        return create_app(site_of(context))
    cities = {code: context.city_context(code) for code in context.city_codes()}
    for city in cities.values():
        city.database().open()
    sites = {code: site_of(city, root=f"/c/{code}") for code, city in cities.items()}
    return province_app(province_site(context, cities), sites)


def province_site(context: Context, cities: dict[str, Context]) -> ProvinceSite:
    """What the province's pages serve with."""
    assert context.province is not None
    return ProvinceSite(
        province=context.province,
        office=context.province_office(),
        cities=tuple(
            CityDesk(
                code=code,
                name=city.city.region_name,
                root=f"/c/{code}",
                alerts=city.alerts(),
            )
            for code, city in cities.items()
        ),
        env=context.templates(),
        zone=context.settings.zone,
        clock=context.clock,
        accounts=context.accounts(),
        console=context.console,
        scope=context.scope(),
        exchange=context.province_exchange() if context.province.federated else None,
        documents=lambda ref, lift: context.directive_document(ref, lift=lift),
        pdf=lambda html: pdf_bytes(html, context.settings.templates_dir),
    )


def from_environment() -> FastAPI:
    """The service in a worker process (uvicorn's app factory)."""
    context = bootstrap()
    now = os.environ.get(NOW_ENV)
    if now:
        context = dataclasses.replace(context, clock=FixedClock(dt.datetime.fromisoformat(now)))
    return web_service(context)
