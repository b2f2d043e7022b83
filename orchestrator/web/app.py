"""The web service (``orchestrator serve``): the duty officers' console, the JSON API, the
enterprises' pages behind their signed links and the SMS gateway's callback, in one app."""

from __future__ import annotations

from fastapi import FastAPI

from orchestrator import __version__
from orchestrator.web.api import api_router, install_errors
from orchestrator.web.checks import check_router
from orchestrator.web.console.base import Console
from orchestrator.web.console.router import console_router
from orchestrator.web.enterprise import enterprise_router
from orchestrator.web.guard import Guard
from orchestrator.web.nul import RejectNul
from orchestrator.web.rooted import Rooted
from orchestrator.web.site import Site


def create_app(site: Site) -> FastAPI:
    app = FastAPI(
        title="重污染天气应急指挥平台",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    console = Console(site)
    # a browser's errors are Chinese pages of the console; the API's stay JSON
    install_errors(
        app, lambda title, message, status: console.message(None, title, message, status)
    )
    app.add_middleware(RejectNul)
    app.add_middleware(Guard)  # outermost: bodies limited before RejectNul reads them
    if site.root:  # a city of a provincial installation: its redirects under its root
        app.add_middleware(Rooted, root=site.root)
    app.include_router(console_router(site))
    app.include_router(api_router(site))
    app.include_router(enterprise_router(site))
    app.include_router(check_router(site))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
