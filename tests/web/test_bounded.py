"""Untrusted input read in a process of its own: over its memory or time limit, or crashing, it
is refused naming the file, and the caller (the server) goes on."""

from __future__ import annotations

import os
import time

import pytest

from orchestrator.emissions.model import ListFileInvalid
from orchestrator.web.bounded import run_bounded

pytestmark = pytest.mark.hostile  # hostile input: also run under a memory limit


def double(x: int) -> int:
    return 2 * x


def greedy(_: int) -> bytes:
    return b"x" * (2 * 1024 * 1024 * 1024)  # 2 GB


def slow(_: int) -> None:
    time.sleep(60)


def crash(_: int) -> None:
    os.abort()  # as a native reader's segmentation fault would


def refuse(_: int) -> None:
    raise ListFileInvalid(["list.xlsx:工业源:2:区县: 未知区县“月亮县”"])


def test_a_result_comes_back_and_a_refusal_passes_through():
    assert run_bounded(double, 21, name="list.xlsx", memory_mb=1024, seconds=60) == 42
    with pytest.raises(ListFileInvalid) as err:
        run_bounded(refuse, 0, name="list.xlsx", memory_mb=1024, seconds=60)
    assert err.value.problems == ("list.xlsx:工业源:2:区县: 未知区县“月亮县”",)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (greedy, "list.xlsx: 解析所需内存超过512MB上限"),
        (slow, "list.xlsx: 解析超过3秒仍未完成"),
        (crash, "list.xlsx: 无法解析（解析进程异常退出）"),
    ],
    ids=["memory", "time", "crash"],
)
def test_over_a_limit_or_crashing_is_a_refusal_naming_the_file(fn, message):
    started = time.monotonic()
    with pytest.raises(ListFileInvalid) as err:
        run_bounded(fn, 0, name="list.xlsx", memory_mb=512, seconds=3)
    assert err.value.problems[0].startswith(message)
    assert time.monotonic() - started < 30
