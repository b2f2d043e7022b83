"""Fixtures of the web tests: the console with the sample list and its people, served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.app import SAMPLE, do_import
from tests.support.delivery import Clock, delivery_config
from tests.support.web import DESK_NOW, Served, add_users, web_app


@pytest.fixture
def desk(engine, tmp_path) -> Iterator[tuple[Served, Clock]]:
    """The sample list imported; duty officers 张值班 and 李值班, vice-mayor 王副市长 and a guest;
    deliveries resent through a folder."""
    do_import(engine, SAMPLE)
    add_users(
        engine,
        ("zhang", "张值班", "duty_officer"),
        ("li", "李值班", "duty_officer"),
        ("wang", "王副市长", "vice_mayor"),
        ("guest", "访客", "viewer"),
        now=DESK_NOW,
    )
    clock = Clock(DESK_NOW)
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}})
    with Served(web_app(engine, clock, data_dir=tmp_path, delivery=config)) as served:
        yield served, clock
