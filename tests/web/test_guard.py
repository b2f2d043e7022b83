"""Before any route: request bodies limited before they are read, security headers on every
response (enterprise pages and the API as on the console), no signed link's signature in the
access log — over real HTTP."""

from __future__ import annotations

import datetime as dt
import http.client
import logging

import pytest
import requests
from uvicorn.config import LOGGING_CONFIG

from orchestrator.web.guard import RedactLinks, log_config, redact
from tests.support.app import ISSUED_AT, issue_sample
from tests.support.base import LINKS
from tests.support.delivery import Clock
from tests.support.web import Served, web_app

USCC = "91999900MA0000002C"

pytestmark = pytest.mark.hostile  # hostile input: also run under a memory limit


@pytest.fixture
def served(engine):
    alert_id, _ = issue_sample(engine)
    with Served(web_app(engine, Clock(ISSUED_AT + dt.timedelta(minutes=30)))) as s:
        yield s, alert_id


def test_every_response_carries_the_security_headers(served):
    s, alert_id = served
    token = LINKS.token(alert_id, USCC, LINKS.expiry(ISSUED_AT))
    pages = {
        "/healthz": "no-referrer",
        "/api/v1/alerts": "no-referrer",  # 401 JSON
        "/api/openapi.json": "no-referrer",
        f"/ack/{token}": "no-referrer",  # the enterprise's page: its link never leaks
        "/ack/forged": "no-referrer",  # 4xx too
        "/login": "same-origin",  # the console keeps its own
    }
    for path, referrer in pages.items():
        r = requests.get(s.url + path, timeout=5, allow_redirects=False)
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        assert r.headers["X-Frame-Options"] == "DENY", path
        assert r.headers["Cache-Control"] == "no-store", path
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path
        assert r.headers["Referrer-Policy"] == referrer, path


def test_a_body_declared_too_large_is_refused_before_it_is_read(served):
    s, _ = served
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    conn.putrequest("POST", "/healthz")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(250 * 1024 * 1024))
    conn.endheaders()  # not one byte of the 250 MB follows
    r = conn.getresponse()
    assert r.status == 413
    assert r.read().decode() == "请求内容超过1MB，不予受理"
    conn.close()


def test_a_body_streamed_without_a_length_is_cut_at_the_limit(served):
    s, _ = served

    def chunks():
        for _ in range(64):
            yield b"x" * 64 * 1024  # 4 MB in all, chunked

    r = requests.post(
        s.url + "/api/v1/alerts",
        data=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 413
    assert r.json() == {"detail": "请求内容超过1MB，不予受理"}

    def upload():  # a multipart file to the sign-in form, which takes no file
        yield b'--b\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n'
        yield from chunks()

    r = requests.post(
        s.url + "/login",
        data=upload(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        timeout=10,
    )
    assert r.status_code == 413


def test_an_upload_has_its_own_larger_limit(served):
    s, _ = served
    r = requests.post(
        s.url + "/lists/upload",
        files={"file": ("list.xlsx", b"x" * 3 * 1024 * 1024)},
        timeout=10,
        allow_redirects=False,
    )
    assert r.status_code != 413  # not signed in: refused by the console, not by size
    r = requests.post(
        s.url + "/lists/upload",
        headers={"Content-Length": str(66 * 1024 * 1024), "Content-Type": "multipart/form-data"},
        data=b"",
        timeout=10,
    )
    assert r.status_code == 413
    assert "65MB" in r.text


def test_the_access_log_holds_no_signature_of_a_signed_link():
    token = LINKS.token(1, USCC, LINKS.expiry(ISSUED_AT))
    signature = token.rsplit(".", 1)[1]
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/ack/{token}/order/o1?done=ack", "1.1", 200),
        None,
    )
    assert RedactLinks().filter(record)
    line = record.getMessage()
    assert signature not in line
    assert f"/ack/1.{USCC}.{LINKS.expiry(ISSUED_AT)}.***/order/o1?done=ack" in line
    assert redact(LINKS.round_token(3, USCC, 9)).endswith(".***")
    # `orchestrator serve` runs uvicorn with the filter on its access log
    config = log_config(LOGGING_CONFIG)
    assert "signed_links" in config["handlers"]["access"]["filters"]
    assert "filters" not in LOGGING_CONFIG["handlers"]["access"]  # uvicorn's own left alone
