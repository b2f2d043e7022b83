"""Work on untrusted input (an uploaded workbook) in a process of its own, with a memory and a
time limit, so that no file can take the server and its scheduler down with it: a reader that
asks for more memory than the limit fails in its process, one that hangs is killed at the time
limit, one that crashes (a segmentation fault in a native reader) ends only its process — each
answered as a refusal naming the file."""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from orchestrator.emissions.model import ListFileInvalid

T = TypeVar("T")


def _child(
    conn: Connection, memory_bytes: int, fn: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except ListFileInvalid as exc:
        result = ("invalid", list(exc.problems))
    except MemoryError:
        result = ("memory", None)
    conn.send(result)
    conn.close()


def run_bounded(fn: Callable[..., T], *args: Any, name: str, memory_mb: int, seconds: float) -> T:
    """``fn(*args)`` in a fresh process (spawned: none of the server's threads or connections)
    limited to ``memory_mb`` of address space and ``seconds``; its :class:`ListFileInvalid`
    passes through, and a run over a limit, or a crash, becomes one naming ``name``."""
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, memory_mb * 1024 * 1024, fn, args), daemon=True)
    proc.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise ListFileInvalid([f"{name}: 解析超过{seconds:g}秒仍未完成，文件过大或结构异常"])
        status, value = receive.recv()
    except EOFError:  # the process died without answering
        raise ListFileInvalid(
            [f"{name}: 无法解析（解析进程异常退出），文件可能已损坏或结构异常"]
        ) from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receive.close()
    if status == "invalid":
        raise ListFileInvalid(value)
    if status == "memory":
        raise ListFileInvalid([f"{name}: 解析所需内存超过{memory_mb}MB上限，文件过大或结构异常"])
    result: T = value
    return result
