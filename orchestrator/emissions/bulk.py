"""Working on a whole list at once (100,000 lines): building, loading, storing or rendering it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a whole list is built, loaded or stored.

    Such work creates millions of small acyclic objects; without this, repeated full collections
    re-scan every live object and cost about a third of the time (bench/list_import). Reference
    counting still frees everything; the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
