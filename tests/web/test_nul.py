"""A NUL character anywhere a handler would pass it to the database is refused with a 400 (on
PostgreSQL it used to be a server error: schemathesis found ``/api/v1/audit?actor=%00``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from tests.support.app import accounts
from tests.support.delivery import Clock
from tests.support.web import DESK_NOW as NOW
from tests.support.web import Browser, Served, add_users, web_app


@pytest.fixture
def served(engine) -> Iterator[tuple[Served, str]]:
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=NOW)
    token = accounts(engine).issue_token("zhang", "test", now=NOW)
    with Served(web_app(engine, Clock(NOW))) as s:
        yield s, token


def test_nul_in_a_query_a_form_or_json_is_a_400(served):
    s, token = served
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.get(f"{s.url}/api/v1/audit?actor=a%00b", headers=auth, timeout=10)
    assert r.status_code == 400
    assert "NUL" in r.json()["detail"]
    r = requests.post(
        f"{s.url}/api/v1/alerts",
        headers=auth,
        json={"level": "orange", "start": "2026-01-06T00:00", "reason": "会商\u0000研判"},
        timeout=10,
    )
    assert r.status_code == 400
    assert "NUL" in r.json()["detail"]
    # checked as the body streams in, also where the escape straddles two chunks
    body = json.dumps({"level": "orange", "start": "2026-01-06T00:00", "reason": "会商\u0000研判"})
    cut = body.index("\\u0000") + 3
    parts = [body[:cut].encode(), body[cut:].encode()]
    r = requests.post(
        f"{s.url}/api/v1/alerts",
        headers={**auth, "Content-Type": "application/json"},
        data=iter(parts),  # chunked transfer, one chunk each
        timeout=10,
    )
    assert r.status_code == 400
    assert "NUL" in r.json()["detail"]
    b = Browser(s.url)
    r = b.post("/login", {"username": "zhang\x00", "password": "x", "csrf": "y"})
    assert r.status_code == 400
    assert "不允许的字符" in r.text
    # the same requests without the NUL are served as before
    assert requests.get(f"{s.url}/api/v1/audit?actor=ab", headers=auth, timeout=10).ok
    assert b.sign_in("zhang").status_code == 303
