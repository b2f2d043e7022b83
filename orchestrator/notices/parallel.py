"""Dispatch orders rendered on every core: worker processes each read a chunk of the frozen plan
through their own connection, render it and hand back the parts, while the process that issued
stores the chunks already done in its one transaction (bench/dispatch).

A worker builds what it reads and renders with through the composition root: the pool starts
each worker with bootstrap's initializer (:class:`WorkerBoot`), which calls :func:`install`."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from jinja2 import Environment

from orchestrator.emissions.bulk import paused_gc
from orchestrator.notices.compose import ORDER_TEMPLATE
from orchestrator.notices.contexts import OrderFrame
from orchestrator.notices.model import PlanChunk
from orchestrator.notices.render import render_parts

#: Orders from which workers render (fewer are rendered in-process: a pool takes ≈ 0.5 s to start).
PARALLEL_FROM = 2_000
CHUNK = 2_000  # orders a worker renders per task, and rows per insert

#: Reads one chunk of a frozen plan: (USCC, plan entry) in plan order.
ChunkReader = Callable[[PlanChunk], list[tuple[str, dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class WorkerBoot:
    """How a worker process builds its reader and templates: a picklable function of the
    composition root and its arguments (the database URL, the template folders, the drill mark)."""

    initializer: Callable[..., None]
    args: tuple[Any, ...]


_worker: dict[str, Any] = {}


def install(read: ChunkReader, env: Environment) -> None:
    """In a worker process: what :func:`_render_in_worker` reads and renders with."""
    _worker["read"], _worker["env"] = read, env


def order_parts(
    read: ChunkReader, chunk: PlanChunk, env: Environment, frame: OrderFrame, varying: str | None
) -> tuple[list[str], list[str]]:
    """(USCCs, rendered parts) of one chunk."""
    with paused_gc():  # thousands of acyclic objects a chunk: collections would cost 20 %
        plan = read(chunk)
        contexts = (
            frame.context(entry, chunk.position + k + 1) for k, (_, entry) in enumerate(plan)
        )
        return [u for u, _ in plan], render_parts(env, ORDER_TEMPLATE, contexts, varying)


def _render_in_worker(
    frame: OrderFrame, varying: str | None, chunk: PlanChunk
) -> tuple[list[str], list[str]]:
    return order_parts(_worker["read"], chunk, _worker["env"], frame, varying)


class OrderRenderer:
    """Renders chunks of dispatch orders in plan order: in worker processes when there are many
    (and the composition root said how to boot them), else in this process.

    The workers are started on construction, so that they boot while this process prepares."""

    def __init__(
        self, env: Environment, orders: int, *, workers: int | None, boot: WorkerBoot | None
    ) -> None:
        n = workers if workers is not None else (os.cpu_count() or 1)
        if workers is None and orders < PARALLEL_FROM:
            n = 1
        self.env = env
        self.pool: ProcessPoolExecutor | None = None
        if n > 1 and boot is not None:
            # forkserver: workers start from a clean process, never from a copy of one that may
            # hold threads (web server, scheduler) and their locks.
            mp = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(
                n, mp_context=mp, initializer=boot.initializer, initargs=boot.args
            )
            for _ in range(n):
                self.pool.submit(int)  # boot the workers now

    def __enter__(self) -> OrderRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def render(
        self,
        read: ChunkReader,
        chunks: Sequence[PlanChunk],
        frame: OrderFrame,
        varying: str | None,
    ) -> Iterator[tuple[list[str], list[str]]]:
        """(USCCs, rendered parts) chunk by chunk, in plan order; in this process through
        ``read`` (the storing unit of work's own reader)."""
        if self.pool is None:
            for chunk in chunks:
                yield order_parts(read, chunk, self.env, frame, varying)
            return
        yield from self.pool.map(_render_in_worker, repeat(frame), repeat(varying), chunks)
