"""A connection lost under the server (a database restart, an administrator killing it) costs no
request: the pool tests each connection as it is taken and replaces a dead one."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from orchestrator.db.database import make_engine
from tests.support.app import accounts
from tests.support.base import ZONE
from tests.support.databases import schema_url


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_killed_connection_is_replaced_before_the_next_request(engine):
    people = accounts(engine)
    people.add_user(
        username="zhang",
        display_name="张值班",
        role="duty_officer",
        password="correct-horse-9",
        now=dt.datetime(2026, 1, 4, tzinfo=ZONE),
    )
    with engine.connect() as conn:  # the pooled connection the next request will take
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = make_engine(schema_url())
    try:
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    finally:
        killer.dispose()
    # the next unit of work gets a live connection: no error reaches the caller
    assert [u.username for u in people.users()] == ["zhang"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
