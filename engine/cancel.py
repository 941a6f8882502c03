"""Stopping long work from another thread: the exception and each thread's cancel hook.

Who can stop a computation (a window's worker whose request went stale, the window closing,
Ctrl-C on the command line) runs it inside ``with cancelling(cancel):``; the loops deep inside
call :func:`check`, which raises :class:`Cancelled` once ``cancel()`` is true. The places that
check are the ones whose single iteration can take long on a large network: each step of a
simulation of a costly landscape, each pass of a network's Hessian, each chunk of a batched
network computation (:func:`engine.network.threads.map_chunks`), and each layer of a large
network's forward and backward pass. So a stale request of the window stops within a
fraction of a second, whatever it was computing.

The hook belongs to the thread that set it (``cancel`` is called from there, and from the
threads that :func:`engine.network.threads.map_chunks` hands its chunks to); without a hook,
:func:`check` costs an attribute lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Hook = Callable[[], bool]

_local = threading.local()


class Cancelled(Exception):
    """Raised when the work's ``cancel`` callback returns True."""


@contextmanager
def cancelling(cancel: Hook | None) -> Iterator[None]:
    """Make ``cancel`` this thread's hook inside the block (None keeps the one set outside)."""
    if cancel is None:
        yield
        return
    outer = getattr(_local, "hook", None)
    _local.hook = cancel
    try:
        yield
    finally:
        _local.hook = outer


def hook() -> Hook | None:
    """This thread's cancel hook, if any."""
    return getattr(_local, "hook", None)


def check() -> None:
    """Raise :class:`Cancelled` if this thread's hook says the work is no longer wanted."""
    h = getattr(_local, "hook", None)
    if h is not None and h():
        raise Cancelled()
