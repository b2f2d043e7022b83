"""Delivery workers wired as in production over a test database, with a settable clock and the
channels a test names."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from orchestrator.db.bulk import of
from orchestrator.db.tables import (
    acknowledgements,
    deliveries,
    implementation_reports,
    list_enterprises,
)
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.model import OrderStatus, Subject
from orchestrator.delivery.worker import DeliveryWorker
from tests.support.app import CITY, app


@dataclass
class Clock:
    instant: dt.datetime

    def now(self) -> dt.datetime:
        return self.instant

    def advance(self, **kw: float) -> None:
        self.instant += dt.timedelta(**kw)


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
    engine: Engine, config: DeliveryConfig, clock: Clock, root: Path, pdf_base: Path | None = None
) -> DeliveryWorker:
    """A worker on ``config``'s channels (folder channels under ``root``); e-mails carry no PDF
    unless ``pdf_base`` (the templates folder) is given."""
    worker = app(engine, data_dir=root, delivery=config).delivery_worker(config, clock)
    worker.pdf_base = pdf_base
    return worker


RANK = {"delivered": 5, "sent": 4, "sending": 3, "pending": 2, "failed": 1, "dead": 0}


def statuses_in_python(engine: Engine, subject: Subject) -> list[OrderStatus]:
    """What ``order_page`` must give, worked out row by row in Python from the stored
    deliveries, acknowledgements and newest reports (their items, not the ``complete`` flag)."""
    d = deliveries.c
    with engine.connect() as conn:
        firms: dict[str, dict[str, Any]] = {}
        for uscc, name, county, channel, status, error in conn.execute(
            select(d.recipient, d.recipient_name, d.county, d.channel, d.status, d.last_error)
            .where(of(subject, deliveries), d.kind == "order")
            .order_by(d.id)
        ):
            f = firms.setdefault(
                uscc,
                {"name": name, "county": county, "best": "", "channels": [], "error": ""},
            )
            if channel and channel not in f["channels"]:
                f["channels"].append(channel)
            if RANK.get(status, -1) > RANK.get(f["best"], -1):
                f["best"] = status
            if error:
                f["error"] = error
        acks = {
            u: (at, signer)
            for u, at, signer in conn.execute(
                select(
                    acknowledgements.c.uscc,
                    acknowledgements.c.acknowledged_at,
                    acknowledgements.c.signer,
                ).where(of(subject, acknowledgements))
            )
        }
        r = implementation_reports.c
        newest: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        for rid, u, items in conn.execute(
            select(r.id, r.uscc, r["items"]).where(of(subject, implementation_reports))
        ):
            if u not in newest or rid > newest[u][0]:
                newest[u] = (rid, items)
        done = {u: all(i["done"] for i in items) for u, (_, items) in newest.items()}
        # whom to call: as the list gave them (the page reads them from the frozen plan)
        contacts = {
            u: (contact, phone)
            for u, contact, phone in conn.execute(
                select(
                    list_enterprises.c.uscc, list_enterprises.c.contact, list_enterprises.c.phone
                )
            )
        }
    out = [
        OrderStatus(
            uscc=u,
            name=f["name"],
            county=f["county"],
            delivery=f["best"],
            channels=tuple(f["channels"]),
            error=f["error"] if f["best"] in ("failed", "dead") else "",
            acknowledged_at=acks[u][0] if u in acks else None,
            signer=acks[u][1] if u in acks else "",
            implemented=done.get(u),
            contact=contacts.get(u, ("", ""))[0],
            phone=contacts.get(u, ("", ""))[1],
        )
        for u, f in firms.items()
    ]
    return sorted(out, key=lambda o: (o.county, o.name, o.uscc))


def statuses(engine: Engine) -> Counter[str]:
    """How many deliveries there are in each status."""
    with engine.connect() as conn:
        return Counter(
            dict(
                conn.execute(
                    select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
                ).all()
            )
        )
