"""The outbox against real servers on loopback: exactly one delivery per notice and channel,
retries with back-off, dead letters and fallback, robots, e-mail, escalation."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse

from sqlalchemy import select

from orchestrator.db.tables import deliveries
from orchestrator.delivery.channels import REPEAT_MARK, dingtalk_url
from orchestrator.delivery.model import Scope
from tests.support.app import ISSUED_AT, UNITS, issue_sample, notices, outbox, receipts
from tests.support.base import LINKS, at
from tests.support.delivery import Clock, delivery_config, make_worker, statuses


def test_every_order_reaches_the_webhook_exactly_once_with_its_content(engine, sink, tmp_path):
    alert_id, revision_id = issue_sample(engine)
    config = delivery_config({"webhook": {"kind": "webhook", "url": f"{sink.url}/orders"}})
    clock = Clock(ISSUED_AT)
    worker = make_worker(engine, config, clock, tmp_path)
    assert worker.housekeeping() == (300 + UNITS, 0)  # the orders and the units' task notices
    assert worker.housekeeping() == (0, 0)  # enqueued once
    stats = worker.drain(threads=3)
    assert stats.counts == {"delivered": 300 + UNITS}
    assert worker.drain().total() == 0  # nothing left: a second pass sends nothing
    keys = sink.keys()
    assert len(keys) == 300 + UNITS
    assert set(keys.values()) == {1}
    stored = {r.uscc: r.body for r in notices(engine).orders(revision_id)}
    tasks = {r.uscc: r.body for r in notices(engine).tasks(revision_id)}
    assert len(tasks) == UNITS
    for r in sink.received:
        body = r.body
        assert r.path == "/orders"
        kind = body["kind"]
        assert (
            r.headers["Idempotency-Key"]
            == body["key"]
            == f"{revision_id}:{kind}:{body['recipient']}:webhook"
        )
        # the order or task notice exactly as stored
        assert body["html"] == (stored if kind == "order" else tasks)[body["recipient"]]
        assert body["recipient_name"] in body["text"]
        token = body["acknowledge_url"].rsplit("/", 1)[1]
        grant = LINKS.verify(token, ISSUED_AT)
        assert (grant.alert_id, grant.uscc) == (alert_id, body["recipient"])
        assert body["acknowledge_url"] in body["html"]  # the link the notice itself carries
    assert sorted(r.body["kind"] for r in sink.received) == ["order"] * 300 + ["task"] * UNITS
    assert statuses(engine) == {"delivered": 300 + UNITS}


def test_a_failing_sink_is_retried_with_backoff_until_it_recovers(engine, sink, tmp_path):
    issue_sample(engine)

    # 500 twice, then OK; one enterprise's first request times out
    def flaky(key, seen):
        if key.endswith("91999900MA0000002C:webhook") and seen == 0:
            return 200, {}, 3.0  # longer than the 2 s timeout
        return (500, {"error": "busy"}, 0.0) if seen < 2 else (200, {}, 0.0)

    sink.behaviour = flaky
    config = delivery_config({"webhook": {"kind": "webhook", "url": sink.url}})
    clock = Clock(ISSUED_AT)
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    first = worker.drain(threads=4)
    assert first.counts == {"failed": 300 + UNITS}
    with engine.connect() as conn:
        row = conn.execute(
            select(
                deliveries.c.last_error, deliveries.c.next_attempt_at, deliveries.c.attempts
            ).where(deliveries.c.recipient == "91999900MA0000002C")
        ).one()
    assert "超时" in row.last_error
    assert row.attempts == 1
    # back-off: 60 s base, equal jitter -> between 30 and 60 s
    assert 30 <= (row.next_attempt_at - ISSUED_AT).total_seconds() <= 60
    assert worker.drain().total() == 0  # nothing due before the back-off ends
    clock.advance(seconds=61)
    second = worker.drain(threads=4)
    assert second.counts["failed"] + second.counts["delivered"] == 300 + UNITS
    clock.advance(seconds=121)
    worker.drain(threads=4)
    assert statuses(engine) == {"delivered": 300 + UNITS}
    # each notice was confirmed once; the retries carry the same key
    keys = sink.keys()
    assert len(keys) == 300 + UNITS
    assert all(n == 3 for n in keys.values())


def test_after_the_last_attempt_the_next_channel_takes_it(engine, sink, tmp_path):
    issue_sample(engine)
    sink.behaviour = lambda key, seen: (503, {"error": "down"}, 0.0)
    folder = tmp_path / "outbox"
    config = delivery_config(
        {
            "webhook": {"kind": "webhook", "url": sink.url},
            "folder": {"kind": "folder", "path": str(folder)},
        }
    )
    clock = Clock(ISSUED_AT)
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    for _ in range(3):
        worker.drain(threads=2)
        clock.advance(seconds=700)
    worker.drain(threads=2)
    assert statuses(engine) == {"dead": 300 + UNITS, "delivered": 300 + UNITS}
    assert len(list(folder.glob("revision-*/*.order.html"))) == 300
    assert len(list(folder.glob("revision-*/*.task.html"))) == UNITS
    assert len(sink.received) == 3 * (300 + UNITS)  # three attempts each, then given up
    with engine.connect() as conn:
        errors = set(
            conn.execute(
                select(deliveries.c.last_error).where(deliveries.c.status == "dead")
            ).scalars()
        )
    assert errors == {'HTTP 503: {"error": "down"}'}


def test_a_corrected_webhook_url_applies_to_what_is_still_queued(engine, sink, tmp_path):
    issue_sample(engine)
    wrong = delivery_config({"webhook": {"kind": "webhook", "url": "http://127.0.0.1:9/nowhere"}})
    make_worker(engine, wrong, Clock(ISSUED_AT), tmp_path).housekeeping()
    fixed = delivery_config({"webhook": {"kind": "webhook", "url": f"{sink.url}/fixed"}})
    assert make_worker(engine, fixed, Clock(ISSUED_AT), tmp_path).drain().counts == {
        "delivered": 300 + UNITS
    }
    assert {r.path for r in sink.received} == {"/fixed"}


def test_a_refused_request_is_not_retried(engine, sink, tmp_path):
    issue_sample(engine)
    sink.behaviour = lambda key, seen: (400, {"error": "bad request"}, 0.0)
    config = delivery_config({"webhook": {"kind": "webhook", "url": sink.url}})
    worker = make_worker(engine, config, Clock(ISSUED_AT), tmp_path)
    worker.housekeeping()
    assert worker.drain().counts == {"dead": 300 + UNITS}
    assert len(sink.received) == 300 + UNITS


def test_enterprises_no_channel_reaches_are_listed_as_undelivered(engine, tmp_path):
    alert_id, _ = issue_sample(engine)
    # only e-mail, and nobody configured a server: no enterprise can be reached
    config = delivery_config({"email": {"kind": "email", "host": "", "sender": "a@b.cn"}})
    worker = make_worker(engine, config, Clock(ISSUED_AT), tmp_path)
    worker.housekeeping()
    assert statuses(engine) == {"dead": 300 + UNITS}  # the units too
    s = receipts(engine).summary(alert_id, now=ISSUED_AT)
    assert (s.orders, s.sent, len(s.undelivered)) == (300, 0, 300)
    assert "没有可用的接收渠道" in s.undelivered[0].detail
    assert s.undelivered[0].name
    assert s.undelivered[0].phone


def test_wecom_and_dingtalk_robots_get_their_text_format(engine, sink, tmp_path, monkeypatch):
    issue_sample(engine)
    monkeypatch.setenv("TEST_DING_SECRET", "SEC000secret")
    config = delivery_config(
        {
            "wecom": {
                "kind": "wecom",
                "url": f"{sink.url}/wecom",
                "county_urls": {"高新区": f"{sink.url}/wecom-gx"},
            },
            "dingtalk": {
                "kind": "dingtalk",
                "url": f"{sink.url}/ding",
                "secret_env": "TEST_DING_SECRET",
            },
        },
        aliases={"短信": "wecom", "邮件": "dingtalk"},
    )
    clock = Clock(ISSUED_AT)
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain(threads=2)
    assert len(sink.received) == 300 + UNITS
    gx = [r for r in sink.received if r.path == "/wecom-gx"]
    assert gx
    assert all(r.body["msgtype"] == "text" for r in gx)
    one = next(r.body["text"] for r in gx if "应急响应指令" in r.body["text"]["content"])
    assert len(one["content"].encode()) <= 2048
    assert one["mentioned_mobile_list"][0].startswith("139")
    assert "签收" in one["content"]
    assert "/ack/" in one["content"]
    # escalation after the deadline: the next channel is 钉钉, signed
    clock.advance(hours=2, seconds=1)
    _, escalated = worker.housekeeping()
    assert escalated == 300  # the enterprises (the units are chased on their own)
    worker.drain(threads=2)
    ding = [r for r in sink.received if r.path.startswith("/ding")]
    assert len(ding) == 300 + UNITS
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding[0].path).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.digest(b"SEC000secret", f"{ts}\nSEC000secret".encode(), hashlib.sha256)
    ).decode()
    assert query["sign"][0] == expected
    firms = [r for r in ding if "应急响应指令" in r.body["text"]["content"]]
    assert len(firms) == 300
    assert firms[0].body["at"]["atMobiles"][0].startswith("139")


def test_a_robot_message_sent_again_says_it_is_a_repeat(engine, sink, tmp_path):
    """Group robots take no idempotency key: a message whose earlier attempt may have reached
    the group (here its answer timed out) is marked as a repeat; a first attempt is not."""
    issue_sample(engine)
    timed_out: list[str] = []

    def timeout_once(key, seen):  # robots send no key: the sink sees the body
        if "通鑫水泥" in json.loads(key)["text"]["content"] and not timed_out:
            timed_out.append(key)
            return 200, {"errcode": 0}, 3.0  # longer than the 2 s timeout
        return 200, {"errcode": 0}, 0

    sink.behaviour = timeout_once
    config = delivery_config({"wecom": {"kind": "wecom", "url": f"{sink.url}/wecom"}})
    clock = Clock(ISSUED_AT)
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    assert worker.drain(threads=2).counts == {"delivered": 299 + UNITS, "failed": 1}
    clock.advance(seconds=61)
    assert worker.drain().counts == {"delivered": 1}
    texts = [r.body["text"]["content"] for r in sink.received]
    assert len(texts) == 301 + UNITS
    repeats = [t for t in texts if t.startswith(REPEAT_MARK)]
    assert len(repeats) == 1
    first = next(t for t in texts if not t.startswith(REPEAT_MARK) and "通鑫水泥" in t)
    assert repeats[0] == REPEAT_MARK + first


def test_dingtalk_signature_matches_the_documented_example():
    url = dingtalk_url(
        "https://oapi.dingtalk.com/robot/send?access_token=X", "SECabc", 1700000000000
    )
    sign = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["sign"][0]
    mac = hmac.digest(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256)
    assert sign == base64.b64encode(mac).decode()
    assert "&timestamp=1700000000000&sign=" in url


def test_email_carries_the_order_as_html_and_pdf(engine, smtp, tmp_path):
    from tests.support.base import ROOT

    _, revision_id = issue_sample(engine)
    config = delivery_config(
        {
            "email": {
                "kind": "email",
                "host": "127.0.0.1",
                "port": smtp.port,
                "sender": "hbj@example.gov.cn",
            }
        }
    )
    worker = make_worker(engine, config, Clock(ISSUED_AT), tmp_path, pdf_base=ROOT / "templates")
    worker.housekeeping()
    # PDFs are slow-ish (≈ 0.1 s each): send a handful, then the rest without attachments
    jobs = outbox(engine).claim(worker.name, ISSUED_AT, limit=3, lease_seconds=60)
    channels = worker.channels()
    assert [worker.send(j, channels) for j in jobs] == ["sent"] * 3
    assert len(smtp.messages) == 3
    stored = {r.uscc: r.body for r in notices(engine).orders(revision_id)}
    for job, (mail_from, rcpt, msg) in zip(jobs, smtp.messages, strict=True):
        assert mail_from == "hbj@example.gov.cn"
        assert rcpt == [job.address]
        assert job.address.endswith("@example.cn")
        assert "应急响应指令" in msg["Subject"]
        html = msg.get_body(("html",)).get_content()
        assert html.replace("\r\n", "\n").strip() == stored[job.recipient].strip()
        attachments = list(msg.iter_attachments())
        assert len(attachments) == 1
        assert attachments[0].get_content_type() == "application/pdf"
        assert attachments[0].get_content()[:5] == b"%PDF-"
        assert msg["X-Idempotency-Key"] == job.key
    assert statuses(engine)["sent"] == 3


def test_overdue_orders_are_escalated_once_and_counties_told(engine, sink, tmp_path):
    alert_id, revision_id = issue_sample(engine)
    folder = tmp_path / "outbox"
    config = delivery_config(
        {
            "webhook": {"kind": "webhook", "url": sink.url},
            "folder": {"kind": "folder", "path": str(folder)},
        }
    )
    clock = Clock(ISSUED_AT)
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    acked = sorted(r.body["recipient"] for r in sink.received if r.body["kind"] == "order")[:100]
    for u in acked:
        receipts(engine).acknowledge(
            Scope(alert_id=alert_id), u, revision_id, signer="张三", now=ISSUED_AT
        )
    clock.advance(hours=1)
    assert worker.housekeeping() == (0, 0)  # not yet due (2 h)
    clock.advance(hours=1, minutes=1)
    assert worker.housekeeping() == (0, 200)
    assert worker.housekeeping() == (0, 0)  # once
    worker.drain()
    # the overdue orders went out again on the next channel (the folder), the reports to the
    # counties on their first one (the webhook)
    orders_again = list(folder.glob("revision-*/*.order.html"))
    assert len(orders_again) == 200
    assert {p.name.split(".")[0] for p in orders_again}.isdisjoint(acked)
    # no unit signed its task notice: each went out again on its next channel too
    assert len(list(folder.glob("revision-*/*.task.html"))) == UNITS
    reports = [r.body for r in sink.received if r.body["kind"] == "report"]
    counties = {r["recipient"].removeprefix("county:") for r in reports}
    assert len(reports) == len(counties) >= 2
    assert counties <= set(worker.config.counties)
    assert all("未在规定时限内签收" in r["text"] for r in reports)
    s = receipts(engine).summary(alert_id, now=clock.now())
    assert (s.acknowledged, len(s.overdue)) == (100, 200)
    named = [u for r in reports for u in s_overdue(r["html"])]
    assert sorted(named) == sorted(f.uscc for f in s.overdue)  # each named in its county's
    # cut to the first 7 by USCC for a page, the count stays exact
    short = receipts(engine).summary(alert_id, now=clock.now(), listed=7)
    assert short.overdue_count == 200
    assert [f.uscc for f in short.overdue] == sorted(f.uscc for f in s.overdue)[:7]
    assert all(f.name for f in short.overdue)


def s_overdue(html: str) -> list[str]:
    import re

    return re.findall(r"（(9[0-9A-Z]{17})）", html)


def test_http_client_takes_proxies_from_the_environment_once(monkeypatch):
    from orchestrator.delivery.channels import HttpClient

    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example.gov.cn:3128")
    monkeypatch.setenv("NO_PROXY", "internal.gov.cn,.lan")
    client = HttpClient(timeout=2)
    assert client._manager("http://robot.example.com/send") is client.proxied["http"]
    assert client._manager("http://sms.internal.gov.cn/api") is client.direct
    assert client._manager("http://gw.lan/api") is client.direct
    assert client._manager("http://127.0.0.1:8080/x") is client.direct
    assert client._manager("https://secure.example.com/") is client.direct  # no HTTPS proxy set


def test_an_alert_whose_episode_has_ended_is_no_longer_chased(engine, sink, tmp_path):
    issue_sample(engine)  # orange until 9 Jan 00:00, no order acknowledged
    config = delivery_config({"webhook": {"kind": "webhook", "url": sink.url}})
    clock = Clock(ISSUED_AT)
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    clock.instant = at(9, 0) + dt.timedelta(minutes=1)
    assert worker.housekeeping() == (0, 0)
    clock.instant = at(8, 23)  # still running: the 300 overdue are chased
    assert worker.housekeeping() == (0, 300)
