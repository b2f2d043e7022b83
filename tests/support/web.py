"""The web service as `orchestrator serve` builds it, served by uvicorn on loopback, and a
browser that signs in the way people do."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import time
from pathlib import Path
from typing import Any

import requests
import uvicorn
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from orchestrator.accounts.config import ConsoleConfig, Policy
from orchestrator.clock import Clock
from orchestrator.delivery.callbacks import CallbackKey
from orchestrator.web.app import create_app
from orchestrator.web.service import site_of
from tests.support.app import app
from tests.support.base import ZONE
from tests.support.servers import free_port

PASSWORD = "zhiban-2026"
#: When the console's people sign in: 4 Jan 20:00, the eve of the sample episode.
DESK_NOW = dt.datetime(2026, 1, 4, 20, 0, tzinfo=ZONE)
#: The tests' console locks an account after 3 wrong passwords.
POLICY = Policy(lockout_attempts=3, lockout_minutes=15, session_hours=12)


class Served:
    def __init__(self, application: FastAPI) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def web_app(
    engine: Engine,
    clock: Clock,
    *,
    data_dir: Path | None = None,
    sms_callback: CallbackKey | None = None,
    console: ConsoleConfig | None = None,
    **replaced: Any,
) -> FastAPI:
    """The web service as `orchestrator serve` builds it, on the tests' database, link key and
    clock (and any configuration value replaced); receipts due 2 hours after issue."""
    ctx = app(
        engine,
        clock=clock,
        data_dir=data_dir,
        console=console or ConsoleConfig(POLICY),
        **replaced,
    )
    site = dataclasses.replace(site_of(ctx), sms_callback=sms_callback)
    return create_app(site)


class Browser:
    """A requests session that signs in the way a browser does (form, cookies, CSRF)."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, allow_redirects=False, **kw)

    def post(self, path: str, data: dict[str, Any], **kw: Any) -> requests.Response:
        return self.http.post(self.url + path, data=data, timeout=10, allow_redirects=False, **kw)

    def sign_in(
        self, username: str, password: str = PASSWORD, next_path: str = "/"
    ) -> requests.Response:
        form = self.get(f"/login?next={next_path}")
        found = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert found is not None
        return self.post(
            "/login",
            {"csrf": found.group(1), "username": username, "password": password, "next": next_path},
        )

    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.get("/").text)
        assert found is not None
        return found.group(1)


def add_users(engine: Engine, *people: tuple[str, str, str], now: dt.datetime) -> None:
    """Console accounts (username, name, role), all with the test password."""
    accounts = app(engine).accounts()
    for username, name, role in people:
        accounts.add_user(
            username=username, display_name=name, role=role, password=PASSWORD, now=now
        )


def signed_in(served: Served, username: str) -> Browser:
    """A browser signed in as ``username`` (the test password)."""
    b = Browser(served.url)
    assert b.sign_in(username).status_code == 303
    return b


def routes(app) -> list[APIRoute]:
    """Every route of the application, with those of included routers."""
    out: list[APIRoute] = []
    pending = list(app.routes)
    while pending:
        r = pending.pop(0)
        if isinstance(r, APIRoute):
            out.append(r)
        elif hasattr(r, "original_router"):  # FastAPI ≥ 0.16x includes routers lazily
            prefix = r.include_context.prefix if hasattr(r, "include_context") else ""
            assert not prefix  # the routers carry their own prefixes
            pending.extend(r.original_router.routes)
    return out
