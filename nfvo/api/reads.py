"""Store reads from `async` routes, for the endpoints polled most (slices, operations).

A sync route costs a hop to the thread pool and back, and its thread then contends for
the GIL with the event loop: on the embedded SQLite store that costs more than the read
itself (a primary-key lookup in pages the OS has cached, well under a millisecond), so
there the read runs inline (bench/api: docs/api-bench.md). On a database reached over the
network the read waits for a round trip, which must not hold the event loop: it goes to
the thread pool as a sync route would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from nfvo.store import Store

T = TypeVar("T")


async def read(store: Store, fn: Callable[[], T]) -> T:
    if store.embedded:
        return fn()
    return await run_in_threadpool(fn)
