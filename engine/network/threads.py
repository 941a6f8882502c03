"""One shared pool of worker threads for the network's large batched computations.

numpy releases the GIL inside its loops and BLAS calls, so chunks of a large batch (a loss
slice's grid, the points of a whole run) computed in two threads use both cores of a
two-core machine. The pool is made on first use and reused (starting threads on every call
would cost more than a small chunk); Python joins its threads at exit.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

_pools: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def pool(workers: int) -> ThreadPoolExecutor:
    """The shared pool with ``workers`` threads."""
    with _lock:
        p = _pools.get(workers)
        if p is None:
            p = _pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="basin-network")
        return p
