"""Issued sample alerts and delivery workers wired as in production, with a settable clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestrator import command_office as office
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.worker import DeliveryWorker
from orchestrator.notice_writer import ensure_notices
from orchestrator.notices.render import make_environment
from tests.conftest import LINKS, ROOT, ZONE, at
from tests.delivery.servers import HttpSink, SmtpServer
from tests.test_command_office import APPROVALS, CITY, DUTY, SAMPLE, do_import, issued_orange

ENV = make_environment(ROOT / "templates")
ISSUED_AT = at(4, 21)


@dataclass
class Clock:
    instant: dt.datetime

    def now(self) -> dt.datetime:
        return self.instant

    def advance(self, **kw: float) -> None:
        self.instant += dt.timedelta(**kw)


def issue_sample(engine: Any, path: Path = SAMPLE) -> tuple[int, int]:
    """The sample list's (or ``path``'s) orange alert issued at 4 Jan 21:00 with its orders
    stored: (alert id, revision id)."""
    do_import(engine, path)
    alert_id, _ = issued_orange(engine)
    office.issue(engine, alert_id, by=DUTY, now=ISSUED_AT, approvals=APPROVALS, city=CITY)
    found = ensure_notices(
        engine, alert_id, env=ENV, city=CITY, approvals=APPROVALS, zone=ZONE, links=LINKS
    )
    return alert_id, found.revision_id


def delivery_config(channels: dict[str, dict[str, Any]], **extra: Any) -> DeliveryConfig:
    data: dict[str, Any] = {
        "fallback": list(channels),
        "aliases": {k: v for k, v in {"短信": "sms", "邮件": "email"}.items() if v in channels},
        "retry": {
            "max_attempts": 3,
            "base_seconds": 60,
            "cap_seconds": 600,
            "lease_seconds": 120,
            "timeout_seconds": 2,
        },
        "channels": channels,
        "counties": {
            c: {
                "contact": f"{c}应急值班室",
                "phone": "0999-1230000",
                "email": f"{i}@county.example",
            }
            for i, c in enumerate(CITY.counties)
        },
        **extra,
    }
    return DeliveryConfig.from_mapping(data, source="test")


def make_worker(
    engine: Any, config: DeliveryConfig, clock: Clock, root: Path, **kw: Any
) -> DeliveryWorker:
    return DeliveryWorker(
        engine,
        config=config,
        env=ENV,
        links=LINKS,
        clock=clock,
        zone=ZONE,
        region_name=CITY.region_name,
        acknowledge_base=APPROVALS.notices["acknowledge_base_url"],
        office_phone=APPROVALS.notices["office_phone"],
        receipt_hours=APPROVALS.notices["receipt_hours"],
        root=root,
        pdf_base=kw.pop("pdf_base", None),
        **kw,
    )


@pytest.fixture
def sink():
    s = HttpSink().start()
    yield s
    s.stop()


@pytest.fixture
def smtp():
    s = SmtpServer().start()
    yield s
    s.stop()
