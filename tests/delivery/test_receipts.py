"""The notices page's rows computed in SQL (``order_page``) are exactly those of
``statuses_in_python`` filtered and paged in Python, for every state and county, with enterprises
in each state: delivered, failed on every channel, signed, implemented, reported but not
implemented."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from orchestrator.db.tables import deliveries
from orchestrator.delivery.model import OrderState, Scope, Subject
from tests.support.app import ISSUED_AT, issue_sample, receipts
from tests.support.delivery import Clock, delivery_config, make_worker, statuses_in_python


def test_the_sql_page_equals_the_python_statuses(engine, tmp_path):
    alert_id, revision_id = issue_sample(engine)
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}})
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=5))
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    subject, scope = Subject(revision_id=revision_id), Scope(alert_id=alert_id)
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
        receipts(engine).acknowledge(scope, u, revision_id, signer="刘磊", now=now)
    for i, u in enumerate(usccs[10:20]):
        lines = receipts(engine).orders(scope, u)[0].entry["lines"]
        done = [i % 2 == 0] * len(lines)  # half implemented, half not
        receipts(engine).report(
            scope, u, revision_id, done=done, notes=[""] * len(lines), note="", now=now
        )
    expected = statuses_in_python(engine, subject)
    assert {o.state for o in expected} == {"failed", "unsigned", "signed", "implemented"}
    counties = sorted({o.county for o in expected})
    for state in ["", *(s.value for s in OrderState)]:
        for county in ["", counties[0]]:
            chosen = [
                o
                for o in expected
                if (not state or o.state == state) and (not county or o.county == county)
            ]
            for offset, limit in ((0, 100), (100, 100), (7, 5)):
                page = receipts(engine).order_page(
                    subject, state=state, county=county, offset=offset, limit=limit
                )
                assert page.total == len(chosen), (state, county)
                assert page.rows == chosen[offset : offset + limit], (state, county, offset)
                assert page.counties == counties
    failed = receipts(engine).order_page(subject, state="failed").rows
    assert [(o.delivery, o.error) for o in failed] == [("dead", "号码不存在")] * 3


def test_a_second_signature_arriving_at_once_loses_and_the_first_stands(engine):
    # two devices past the "already signed?" read at once: the store refuses the second insert
    # and its unit of work is left uncommitted (on PostgreSQL its transaction is aborted)
    from orchestrator.db.uow import UnitOfWork

    _, revision_id = issue_sample(engine)
    subject = Subject(revision_id=revision_id)
    with UnitOfWork(engine) as uow:
        first = next(iter(uow.plans.recipients(subject))).uscc
    at = ISSUED_AT + dt.timedelta(hours=1)
    results = []
    for signer in ("刘磊", "王芳"):
        with UnitOfWork(engine) as uow:
            taken = uow.receipts.acknowledge(subject, first, at=at, signer=signer)
            results.append(taken)
            if taken:
                uow.commit()
    assert results == [True, False]
    with UnitOfWork(engine) as uow:
        assert uow.receipts.receipt(subject, first).signer == "刘磊"
