"""One shared pool of worker threads for the network's large batched computations.

numpy releases the GIL inside its loops and BLAS calls, so chunks of a large batch (a loss
slice's grid, the points of a whole run, the simulation's judging of a block) computed in two
threads use both cores of a two-core machine. The pool is made on first use and reused
(starting threads on every call would cost more than a small chunk); Python joins its threads
at exit. A call made from one of the pool's own threads runs its chunks in that thread: a
worker waiting for work queued behind it could otherwise deadlock the pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from engine.cancel import Cancelled, cancelling, hook

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 2  # the machines Basin is measured on have two cores

_pools: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()
_PREFIX = "basin-network"


def pool(workers: int) -> ThreadPoolExecutor:
    """The shared pool with ``workers`` threads."""
    with _lock:
        p = _pools.get(workers)
        if p is None:
            p = _pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_PREFIX)
        return p


def map_chunks(fn: Callable[[T], R], items: Iterable[T], workers: int = WORKERS) -> list[R]:
    """``[fn(x) for x in items]``, in order, on ``workers`` threads (serially for one worker,
    one item, or a call from inside the pool). The calling thread's cancel hook
    (:mod:`engine.cancel`) is polled before each item, in whichever thread runs it."""
    items = list(items)
    cancel = hook()
    if cancel is not None:
        fn = partial(_polled, fn, cancel)
    if workers <= 1 or len(items) <= 1 or threading.current_thread().name.startswith(_PREFIX):
        return [fn(x) for x in items]
    return list(pool(workers).map(fn, items))


def _polled(fn: Callable[[T], R], cancel: Callable[[], bool], x: T) -> R:
    if cancel():
        raise Cancelled()
    with cancelling(cancel):  # the item's own loops poll it too, in this thread
        return fn(x)
