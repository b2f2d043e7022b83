"""Delivery under database faults on PostgreSQL: the worker's connections are killed
(``pg_terminate_backend``) again and again while it sends. Nothing is lost, the worker keeps
going, and what goes out twice is only what was sent while its record was being lost — under
its first key. After the leases run out everything is delivered once in the outbox, and the
notices page agrees with the deliveries."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import text

from orchestrator.db.database import make_engine
from orchestrator.delivery.model import Job, Subject
from orchestrator.delivery.worker import UNRECORDED
from tests.support.app import ISSUED_AT, UNITS, app, issue_sample, receipts
from tests.support.databases import schema_url
from tests.support.delivery import Clock, delivery_config, statuses, statuses_in_python

PG = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
NAME = "orc_fault_deliver"


@PG
def test_connections_killed_while_sending_lose_nothing_and_repeat_only_the_unrecorded(
    engine, sink, tmp_path
):
    alert_id, revision_id = issue_sample(engine)
    sink.behaviour = lambda key, seen: (200, {}, 0.01)
    worker_engine = make_engine(f"{schema_url()}&application_name={NAME}")
    config = delivery_config({"webhook": {"kind": "webhook", "url": sink.url}})
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=10))
    worker = app(worker_engine, data_dir=tmp_path, delivery=config).delivery_worker(config, clock)
    assert worker.housekeeping() == (300 + UNITS, 0)

    killed: list[int] = []

    def killer() -> None:
        # five storms: every connection of the worker killed as soon as it shows, for 0.3 s
        for threshold in (30, 80, 130, 180, 230):
            deadline = time.monotonic() + 60
            while len(sink.received) < threshold and time.monotonic() < deadline:
                time.sleep(0.002)
            storm = time.monotonic() + 0.3
            while time.monotonic() < storm:
                with engine.begin() as conn:
                    killed.append(
                        conn.execute(
                            text(
                                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = :n"
                            ),
                            {"n": NAME},
                        ).scalar_one()
                    )

    unrecorded: set[str] = set()

    def on_sent(job: Job, status: str) -> None:
        if status == UNRECORDED:
            unrecorded.add(job.key)

    thread = threading.Thread(target=killer)
    thread.start()
    first = worker.drain(threads=3, on_sent=on_sent)
    thread.join()
    assert sum(killed) >= 5  # the worker's connections died under it
    assert first.counts[UNRECORDED] >= 1  # some records died with their connection
    # what was claimed by a batch whose connection died waits for its lease, then goes
    clock.advance(seconds=config.retry.lease_seconds + 1)
    second = worker.drain(threads=3, on_sent=on_sent)
    worker_engine.dispose()

    assert statuses(engine) == {"delivered": 300 + UNITS}
    assert first.counts["delivered"] + second.counts["delivered"] == 300 + UNITS
    keys = sink.keys()
    assert len(keys) == 300 + UNITS  # none lost
    repeated = {k for k, n in keys.items() if n > 1}
    # only a message whose record was lost with its connection is sent again, once, same key
    assert repeated <= unrecorded
    assert set(keys.values()) <= {1, 2}
    assert len(repeated) <= sum(killed)
    assert sum(keys.values()) == 300 + UNITS + len(repeated)
    # the notices page reads the same as the deliveries, order by order
    subject = Subject(revision_id=revision_id)
    expected = statuses_in_python(engine, subject)
    assert {o.state for o in expected} == {"unsigned"}
    summary = receipts(engine).summary(alert_id, now=clock.now())
    assert (summary.orders, summary.sent, summary.delivered) == (300, 300, 300)
    assert summary.undelivered == []
