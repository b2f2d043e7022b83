"""The notices page's rows computed in SQL (``order_page``) are exactly those of
``statuses_in_python`` filtered and paged in Python, for every state and county, with enterprises
in each state: delivered, failed on every channel, signed, implemented, reported but not
implemented."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from orchestrator import receipts
from orchestrator.db.tables import acknowledgements, deliveries, implementation_reports
from orchestrator.delivery.outbox import Subject
from orchestrator.receipts import OrderStatus
from tests.delivery.conftest import ISSUED_AT, Clock, delivery_config, issue_sample, make_worker

RANK = {"delivered": 5, "sent": 4, "sending": 3, "pending": 2, "failed": 1, "dead": 0}


def statuses_in_python(engine: Any, subject: Subject) -> list[OrderStatus]:
    """What ``order_page`` must give, worked out row by row in Python from the stored
    deliveries, acknowledgements and newest reports (their items, not the ``complete`` flag)."""
    d = deliveries.c
    with engine.connect() as conn:
        firms: dict[str, dict[str, Any]] = {}
        for uscc, name, county, channel, status, error in conn.execute(
            select(d.recipient, d.recipient_name, d.county, d.channel, d.status, d.last_error)
            .where(subject.of(deliveries), d.kind == "order")
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
                ).where(subject.of(acknowledgements))
            )
        }
        r = implementation_reports.c
        newest: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        for rid, u, items in conn.execute(
            select(r.id, r.uscc, r["items"]).where(subject.of(implementation_reports))
        ):
            if u not in newest or rid > newest[u][0]:
                newest[u] = (rid, items)
        done = {u: all(i["done"] for i in items) for u, (_, items) in newest.items()}
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
        )
        for u, f in firms.items()
    ]
    return sorted(out, key=lambda o: (o.county, o.name, o.uscc))


def test_the_sql_page_equals_the_python_statuses(engine, tmp_path):
    alert_id, revision_id = issue_sample(engine)
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}})
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=5))
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    subject, scope = Subject(revision_id=revision_id), receipts.Scope(alert_id=alert_id)
    everyone = statuses_in_python(engine, subject)
    usccs = sorted(o.uscc for o in everyone)
    with engine.begin() as conn:  # every channel failed for three enterprises
        conn.execute(
            update(deliveries)
            .where(deliveries.c.recipient.in_(usccs[:3]))
            .values(status="dead", last_error="号码不存在")
        )
    now = clock.now()
    for u in usccs[10:40]:
        receipts.acknowledge(engine, scope, u, revision_id, signer="刘磊", now=now)
    for i, u in enumerate(usccs[10:20]):
        lines = receipts.orders(engine, scope, u)[0].entry["lines"]
        done = [i % 2 == 0] * len(lines)  # half implemented, half not
        receipts.report(
            engine, scope, u, revision_id, done=done, notes=[""] * len(lines), note="", now=now
        )
    expected = statuses_in_python(engine, subject)
    assert {o.state for o in expected} == {"failed", "unsigned", "signed", "implemented"}
    counties = sorted({o.county for o in expected})
    for state in ["", *receipts.STATES]:
        for county in ["", counties[0]]:
            chosen = [
                o
                for o in expected
                if (not state or o.state == state) and (not county or o.county == county)
            ]
            for offset, limit in ((0, 100), (100, 100), (7, 5)):
                page = receipts.order_page(
                    engine, subject, state=state, county=county, offset=offset, limit=limit
                )
                assert page.total == len(chosen), (state, county)
                assert page.rows == chosen[offset : offset + limit], (state, county, offset)
                assert page.counties == counties
    failed = receipts.order_page(engine, subject, state="failed").rows
    assert [(o.delivery, o.error) for o in failed] == [("dead", "号码不存在")] * 3
