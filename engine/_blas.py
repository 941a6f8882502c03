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
BLAS is left as it is).
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import numpy as np

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads")


def _openblas() -> ctypes.CDLL | None:
    """numpy's bundled OpenBLAS (the library its wheel ships), if there is one."""
    root = Path(np.__file__).resolve().parent
    for folder in (root.parent / "numpy.libs", root / ".libs", root.parent / "numpy" / ".dylibs"):
        for path in sorted(folder.glob("*openblas*")) if folder.is_dir() else ():
            try:
                return ctypes.CDLL(str(path))  # (already loaded by numpy: the same library)
            except OSError:
                continue
    return None


@functools.cache
def single_threaded_blas() -> bool:
    """Ask numpy's OpenBLAS for one thread; True if it was found and told."""
    lib = _openblas()
    if lib is None:
        return False
    for name in _SETTERS:
        setter = getattr(lib, name, None)
        if setter is not None:
            setter.argtypes = (ctypes.c_int,)
            setter.restype = None
            setter(1)
            return True
    return False
