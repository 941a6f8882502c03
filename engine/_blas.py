"""One thread for numpy's OpenBLAS once the network engine is in use.

The network engine shares its large batches between two threads of its own
(:mod:`engine.network.threads`), and the window runs a frame and a readout at once. OpenBLAS,
numpy's BLAS, also starts a thread per core for every product it finds large enough, and
its threads wait for work by spinning: together they oversubscribe a two-core machine.
Measured on the development machine (2 cores) while it was busy: a Newton step's Hessian of
1,801 weights (batched products of 41 x 320 by 320 x 40) took 4.5-14 s with OpenBLAS's
threads and 0.67-1.1 s without, and the longest of its passes, between two polls of the
cancel hook, 0.5-2.9 s against 0.04-0.1 s; the benchmarks' 337-weight runs were the same
within noise either way. Applied once per process, where numpy's OpenBLAS is found (another
BLAS is left as it is), through threadpoolctl.
"""

from __future__ import annotations

import functools

from threadpoolctl import threadpool_info, threadpool_limits


@functools.cache
def single_threaded_blas() -> bool:
    """Ask numpy's OpenBLAS for one thread; True if it was found and told (for the rest of
    the process: the limit is not undone)."""
    if not any(p.get("internal_api") == "openblas" for p in threadpool_info()):
        return False
    threadpool_limits(limits=1, user_api="blas")
    return True
