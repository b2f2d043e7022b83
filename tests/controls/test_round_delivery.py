"""A control round through the same delivery and receipts as dispatch orders: the outbox and
worker (a webhook, a folder fallback), escalation of the overdue to the next channel and to the
counties, resending, and the enterprise's own page over real HTTP behind its signed link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from orchestrator.db.tables import list_enterprises
from orchestrator.delivery.model import Scope, Subject
from tests.support.app import SAMPLE, do_import, outbox, receipts
from tests.support.base import LINKS, ZONE
from tests.support.controls import STAGGERED_NOTIFY, office
from tests.support.delivery import Clock, delivery_config, make_worker
from tests.support.web import Served, web_app


def issued_round(engine, tmp_path) -> tuple[int, list[tuple[str, str, str]]]:
    do_import(engine, SAMPLE)
    ctl = office(engine, tmp_path)
    outcome = ctl.run("staggered", at=STAGGERED_NOTIFY, now=STAGGERED_NOTIFY)
    assert outcome.round_id is not None
    return outcome.round_id, ctl.notices(outcome.round_id)


def test_round_notices_are_delivered_chased_and_counted_like_orders(engine, sink, tmp_path):
    round_id, notices = issued_round(engine, tmp_path)
    folder = tmp_path / "outbox"
    config = delivery_config(
        {
            "webhook": {"kind": "webhook", "url": sink.url},
            "folder": {"kind": "folder", "path": str(folder)},
        }
    )
    clock = Clock(STAGGERED_NOTIFY + dt.timedelta(minutes=1))
    worker = make_worker(engine, config, clock, tmp_path)
    assert worker.housekeeping() == (len(notices), 0)
    assert worker.housekeeping() == (0, 0)  # enqueued once
    stats = worker.drain()
    assert stats.counts["delivered"] == len(notices)
    orders = [r.body for r in sink.received if r.body["kind"] == "order"]
    assert len(orders) == len(notices)
    by_uscc = {o["recipient"]: o for o in orders}
    bodies = {u: body for u, _, body in notices}
    uscc = sorted(bodies)[0]
    sent = by_uscc[uscc]
    assert sent["html"] == bodies[uscc]  # the notice as recorded is the notice sent
    assert sent["text"].startswith("【示例市秋冬季错峰生产】")
    assert f"/ack/c{round_id}.{uscc}." in sent["text"]
    assert sink.received[0].headers["Idempotency-Key"].startswith(f"c{round_id}:order:")

    # half sign in time; after the 48 h the others are chased once, and their counties told
    signed = sorted(bodies)[: len(bodies) // 2]
    for u in signed:
        receipts(engine).acknowledge(
            Scope(round_id=round_id), u, round_id, signer="张三", now=clock.now()
        )
    clock.advance(hours=47)
    assert worker.housekeeping() == (0, 0)
    clock.advance(hours=2)
    overdue = len(bodies) - len(signed)
    assert worker.housekeeping() == (0, overdue)
    assert worker.housekeeping() == (0, 0)
    worker.drain()
    again = list(folder.glob(f"round-{round_id}/*.order.html"))
    assert len(again) == overdue
    assert {p.name.split(".")[0] for p in again}.isdisjoint(signed)
    reports = [r.body for r in sink.received if r.body["kind"] == "report"]
    assert reports
    assert all(
        "未在规定时限内签收《关于实施2026—2027年秋冬季错峰生产的通知》" in r["text"]
        for r in reports
    )
    assert all(r["text"].startswith("【示例市秋冬季错峰生产】") for r in reports)
    s = receipts(engine).round_summary(round_id, now=clock.now())
    assert (s.round_id, s.orders, s.delivered, s.acknowledged) == (
        round_id,
        len(bodies),
        len(bodies),
        len(signed),
    )
    assert len(s.overdue) == overdue
    assert s.document_number == "关于实施2026—2027年秋冬季错峰生产的通知"

    # resending: nothing failed; a deliberate resend reaches every enterprise again
    assert (
        outbox(engine, config).resend_subject(
            Subject(round_id=round_id), clock.now(), failed_only=True, by="测试"
        )
        == 0
    )
    assert outbox(engine, config).resend_subject(
        Subject(round_id=round_id), clock.now(), failed_only=False, by="测试", confirmed=True
    ) == len(bodies)


def test_a_finished_season_is_no_longer_chased(engine, sink, tmp_path):
    issued_round(engine, tmp_path)
    config = delivery_config({"webhook": {"kind": "webhook", "url": sink.url}})
    clock = Clock(STAGGERED_NOTIFY)
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    clock.instant = dt.datetime(2027, 3, 16, 1, tzinfo=ZONE)  # after the season's end
    assert worker.housekeeping() == (0, 0)


@pytest.fixture
def round_site(engine, tmp_path) -> Iterator[tuple[Served, Clock, int, list[tuple[str, str, str]]]]:
    round_id, notices = issued_round(engine, tmp_path)
    clock = Clock(STAGGERED_NOTIFY + dt.timedelta(hours=1))
    with Served(web_app(engine, clock)) as served:
        yield served, clock, round_id, notices


def test_an_enterprise_acknowledges_and_reports_on_its_round_notice(engine, round_site):
    served, clock, round_id, notices = round_site
    uscc, name, body = notices[0]
    token = LINKS.round_token(round_id, uscc, LINKS.expiry(STAGGERED_NOTIFY))
    url = f"{served.url}/ack/{token}"
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert name in page.text
    assert "关于实施2026—2027年秋冬季错峰生产的通知" in page.text
    assert "签收本通知" in page.text
    assert "请于2026年11月12日9时前签收" in page.text  # the round's own deadline
    original = requests.get(f"{url}/order/{round_id}", timeout=5)
    assert original.text == body
    done = requests.post(f"{url}/acknowledge", data={"ref": round_id, "signer": "刘磊"}, timeout=5)
    assert "签收人：刘磊" in done.text
    lines = done.text.count('name="done_') // 2
    assert lines >= 1
    form = {"ref": str(round_id), "note": "已按错峰要求执行"}
    for i in range(lines):
        form[f"done_{i}"] = "1"
    assert requests.post(f"{url}/report", data=form, timeout=5).status_code == 200
    s = receipts(engine).round_summary(round_id, now=clock.now())
    assert (s.acknowledged, s.implemented) == (1, 1)


def test_round_links_open_their_own_notice_only(engine, round_site):
    served, _, round_id, notices = round_site
    uscc = notices[0][0]
    exp = LINKS.expiry(STAGGERED_NOTIFY)
    # the alert with the same number: no order of this enterprise there
    alert_url = f"{served.url}/ack/{LINKS.token(round_id, uscc, exp)}"
    assert requests.get(alert_url, timeout=5).status_code == 404
    # another enterprise in the token: the signature no longer matches
    token = LINKS.round_token(round_id, uscc, exp)
    forged = token.replace(uscc, notices[1][0])
    assert requests.get(f"{served.url}/ack/{forged}", timeout=5).status_code == 404
    # another round's number posted through this link: refused, nothing stored
    mine = f"{served.url}/ack/{token}"
    r = requests.post(f"{mine}/acknowledge", data={"ref": round_id + 1, "signer": "x"}, timeout=5)
    assert r.status_code == 400
    assert "未找到本单位" in r.text
    assert requests.get(f"{mine}/order/{round_id + 1}", timeout=5).status_code == 404
    # an enterprise the round does not concern gets nothing even with a valid link
    with engine.connect() as conn:
        listed = set(conn.execute(select(list_enterprises.c.uscc)).scalars())
    outsider = sorted(listed - {u for u, _, _ in notices})[0]
    url = f"{served.url}/ack/{LINKS.round_token(round_id, outsider, exp)}"
    assert requests.get(url, timeout=5).status_code == 404
