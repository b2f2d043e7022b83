"""The dashboard's receipt counts under load: recomputed at most every few seconds, one
computation at a time, the others served the previous value meanwhile."""

from __future__ import annotations

import threading
import time

import pytest

from orchestrator.accounts.config import ConsoleConfig
from orchestrator.web.dashboard import Recent


def test_zero_seconds_computes_every_time():
    calls = []
    recent = Recent(0)
    assert [recent.get("k", lambda: calls.append(1) or len(calls)) for _ in range(3)] == [1, 2, 3]


def test_a_value_is_kept_for_its_seconds_then_recomputed():
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    recent = Recent(0.2)
    assert recent.get("k", compute) == recent.get("k", compute) == 1
    assert recent.get("other", compute) == 2  # keys are apart
    time.sleep(0.25)
    assert recent.get("k", compute) == 3


def test_a_value_this_process_changed_is_computed_afresh():
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    recent = Recent(60)
    assert recent.get("k", compute) == recent.get("k", compute) == 1
    recent.forget("k")
    recent.forget("never-there")
    assert recent.get("k", compute) == 2


def test_while_one_recomputes_the_others_get_the_previous_value():
    recent = Recent(0.05)
    assert recent.get("k", lambda: "old") == "old"
    time.sleep(0.06)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "new"

    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(recent.get("k", slow)))
    worker.start()
    assert started.wait(5)
    t0 = time.monotonic()
    assert recent.get("k", lambda: pytest.fail("computed twice")) == "old"
    assert time.monotonic() - t0 < 1  # not held up by the computation
    release.set()
    worker.join(5)
    assert results == ["new"]
    assert recent.get("k", lambda: "never") == "new"


def test_the_setting_is_checked():
    assert (
        ConsoleConfig.from_mapping({"receipts_seconds": 5}, source="c.toml").receipts_seconds == 5
    )
    with pytest.raises(ValueError, match=r"c\.toml: receipts_seconds must be between 0 and 300"):
        ConsoleConfig.from_mapping({"receipts_seconds": -1}, source="c.toml")
    with pytest.raises(ValueError, match=r"c\.toml: receipts_seconds must be a number"):
        ConsoleConfig.from_mapping({"receipts_seconds": "often"}, source="c.toml")
