"""Resending every notice of an alert: confirmed, once while the last one is on its way, and
two asked at once queue once — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from orchestrator.db.tables import deliveries
from orchestrator.delivery.outbox import ResendPending, ResendUnconfirmed
from tests.support.app import ISSUED_AT, UNITS, issue_sample, outbox
from tests.support.delivery import Clock, delivery_config, make_worker


def resent(engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(deliveries.c.reason == "resend")).scalar_one()
        )


def test_every_notice_again_needs_a_confirmation_and_waits_for_the_last_resend(engine, tmp_path):
    alert_id, _ = issue_sample(engine)
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    worker = make_worker(engine, config, Clock(ISSUED_AT), tmp_path)
    worker.housekeeping()
    worker.drain()
    box = outbox(engine, config)
    with pytest.raises(ResendUnconfirmed, match="须明确确认"):
        box.resend(alert_id, ISSUED_AT, failed_only=False, by="张值班")
    assert resent(engine) == 0
    assert (
        box.resend(alert_id, ISSUED_AT, failed_only=False, by="张值班", confirmed=True)
        == 300 + UNITS
    )
    with pytest.raises(ResendPending, match=f"上一次重新发送尚有{300 + UNITS}条通知未投递完毕"):
        box.resend(alert_id, ISSUED_AT, failed_only=False, by="张值班", confirmed=True)
    # the failed ones may always be retried
    assert box.resend(alert_id, ISSUED_AT, failed_only=True, by="张值班") == 0
    worker.drain()  # the resend delivered: another may be asked for
    assert (
        box.resend(alert_id, ISSUED_AT, failed_only=False, by="张值班", confirmed=True)
        == 300 + UNITS
    )
    assert resent(engine) == 2 * (300 + UNITS)


def test_two_resends_asked_at_once_queue_every_notice_once(engine, tmp_path):
    alert_id, _ = issue_sample(engine)
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def ask() -> None:
        box = outbox(engine, config)
        barrier.wait()
        try:
            outcomes.append(
                box.resend(alert_id, ISSUED_AT, failed_only=False, by="张值班", confirmed=True)
            )
        except ResendPending as exc:
            outcomes.append(type(exc))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == sorted([300 + UNITS, ResendPending], key=str)
    assert resent(engine) == 300 + UNITS
