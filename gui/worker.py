"""The engine runs here, in a worker thread; the GUI thread only draws.

Flow: a control change -> :meth:`Simulator.request` stamps the new :class:`Settings` with the
next generation number and emits it -> :meth:`Worker.compute` (worker thread) runs the engine
and emits a :class:`Frame` -> :meth:`Simulator._deliver` (GUI thread) drops it if a newer
request exists, else re-emits it as ``frameReady``.

How a burst coalesces (ndv's idea): the generation counter is the one value both threads
read. A request whose number is no longer the latest when the worker reaches it is dropped
before any work, and a simulation under way polls the counter (``simulate(cancel=...)``)
and stops as soon as it is stale. So 200 slider moves in a row end in one or two
computations and exactly the picture of the last value; nothing queues up behind.
Data (settings in, frames out) crosses threads only by signals.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from engine.landscapes import Landscape
from engine.optimizers import Optimizer
from engine.simulation import Cancelled, Outcome, Run, simulate
from gui.settings import Settings
from gui.surface import Surface, build_surface
from gui.tracks import Track, curve_ranges, make_track

SWITCH_INTERVAL = 0.0005  # seconds


class Generation:
    """A counter shared by the GUI thread (which bumps it) and the worker (which reads it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def next(self) -> int:
        with self._lock:
            self._value += 1
            return self._value

    @property
    def value(self) -> int:
        with self._lock:
            return self._value


@dataclass(frozen=True, eq=False)
class Frame:
    """The result of one request: everything the views need, or the reason it failed."""

    generation: int
    settings: Settings
    landscape: Landscape | None = None
    surface: Surface | None = None
    run: Run | None = None
    tracks: tuple[Track, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    curve_ranges: tuple | None = None  # tracks.curve_ranges of the tracks, made here too


@dataclass
class _Row:
    """One racer's result, kept while the racer and everything it depends on is unchanged."""

    name: str  # the engine's label, e.g. "gd(alpha=0.001)"
    theta: np.ndarray  # (N+1, D)
    loss: np.ndarray
    grad_norm: np.ndarray
    status: int
    stop: int
    final: tuple[np.ndarray, float, float]  # theta, loss and gradient norm at the stop
    track: Track | None = None


class Cache:
    """What the worker keeps between requests: the current landscape with its surface, and
    the rows of the last run. Dragging one optimizer's alpha then recomputes that racer
    alone (the others' rows and drawn items are reused); a new start, step count or
    landscape recomputes all of them in one stacked call. Memory: one landscape, one run."""

    def __init__(self) -> None:
        self.key: object = None
        self.landscape: Landscape | None = None
        self.surface: Surface | None = None
        self.rows: dict[tuple, _Row] = {}


def compute_frame(generation: int, settings: Settings, cache: Cache | None = None, cancel=None) -> Frame:
    """Run one request synchronously (the worker's job; tests and benchmarks call it too).

    Raises :class:`~engine.simulation.Cancelled` if ``cancel()`` becomes true; a bad value
    gives a frame with ``error`` set.
    """
    t0 = time.perf_counter()
    cache = cache if cache is not None else Cache()
    try:
        if cache.key != settings.landscape_key:
            landscape = settings.make_landscape()
            cache.surface = build_surface(landscape, settings.landscape_key)
            cache.key, cache.landscape, cache.rows = settings.landscape_key, landscape, {}
        landscape, surface = cache.landscape, cache.surface
        built = settings.build(landscape)
        batch = settings.batch_size
        common = (
            settings.landscape_key, settings.init, settings.steps, settings.tol,
            batch, settings.batch_seed if batch is not None else 0,
        )
        # two identical racers (a scenario's copies, before one is edited) get a key each
        seen: dict[tuple, int] = {}
        keys = []
        for e in built.entries:
            k = (*common, e.name, e.hyper)
            seen[k] = seen.get(k, 0) + 1
            keys.append((*k, seen[k]))
        missing = [i for i, k in enumerate(keys) if k not in cache.rows]
        if missing:
            opt = Optimizer.stack([built.entries[i].make() for i in missing])
            # every row sees the same mini-batches (engine.simulation), so a racer run alone
            # here follows the path it would follow in the full stack
            sub = simulate(
                landscape, opt, built.starts[missing], settings.steps, tol=settings.tol, cancel=cancel,
                batch_size=batch, seed=settings.batch_seed,
            )
            for j, i in enumerate(missing):
                cache.rows[keys[i]] = _Row(
                    sub.names[j], sub.theta[j], sub.loss[j], sub.grad_norm[j],
                    int(sub.status[j]), int(sub.stop[j]),
                    (sub.final.theta[j], float(sub.final.loss[j]), float(sub.final.grad_norm[j])),
                )
    except ValueError as exc:
        return Frame(generation, settings, error=str(exc))
    rows = [cache.rows[k] for k in keys]
    cache.rows = dict(zip(keys, rows, strict=True))  # only the current racers stay
    status = np.array([r.status for r in rows], dtype=np.int8)
    stop = np.array([r.stop for r in rows], dtype=np.int64)
    final = Outcome(
        np.array([r.final[0] for r in rows]),
        np.array([r.final[1] for r in rows]),
        np.array([r.final[2] for r in rows]),
        status,
        stop,
        settings.steps,
    )
    run = Run(
        tuple(r.name for r in rows),
        np.stack([r.theta for r in rows]),
        np.stack([r.loss for r in rows]),
        np.stack([r.grad_norm for r in rows]),
        status,
        stop,
        settings.steps,
        final,
    )
    tracks = []
    for i, (row, entry) in enumerate(zip(rows, built.entries, strict=True)):
        label, color = entry.label(), entry.color
        if row.track is None or (row.track.label, row.track.color) != (label, color):
            row.track = make_track(landscape, surface, run, i, label, color)
        tracks.append(row.track)
    tracks = tuple(tracks)
    ranges = curve_ranges(tracks, settings.steps)
    return Frame(generation, settings, landscape, surface, run, tracks, None, time.perf_counter() - t0, ranges)


class Worker(QObject):
    """Lives in the worker thread (parentless, moved there); computes frames."""

    finished = Signal(object)  # Frame

    def __init__(self, latest: Generation) -> None:
        super().__init__()  # no parent: moveToThread fails silently on a child
        self._latest = latest
        self._cache = Cache()
        # counters for tests and benchmarks
        self.computed = 0  # computations started
        self.completed = 0  # computations finished (frames sent)
        self.cancelled = 0  # computations stopped because a newer request arrived
        self.dropped = 0  # stale requests skipped before any work

    @Slot(int, object)
    def compute(self, generation: int, settings: Settings) -> None:
        if generation != self._latest.value:
            self.dropped += 1
            return
        self.computed += 1
        try:
            frame = compute_frame(
                generation, settings, self._cache, cancel=lambda: self._latest.value != generation
            )
        except Cancelled:
            self.cancelled += 1
            return
        except Exception as exc:  # a bug must not kill the thread: the window shows it
            traceback.print_exc()
            frame = Frame(generation, settings, error=f"internal error: {exc}")
        self.completed += 1
        self.finished.emit(frame)


class Simulator(QObject):
    """GUI-thread side: owns the thread and the worker, stamps requests, drops stale frames."""

    frameReady = Signal(object)  # Frame, always the latest request's
    _requested = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The engine holds Python's GIL between its (many, small) numpy calls. By default
        # the GUI thread would then wait up to 5 ms each time it needs the GIL back, and a
        # slider drag or an animation frame would crawl while the worker computes.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self._generation = Generation()
        self._thread = QThread()
        self._thread.setObjectName("basin-worker")
        self.worker = Worker(self._generation)
        self.worker.moveToThread(self._thread)
        self._requested.connect(self.worker.compute)
        self.worker.finished.connect(self._deliver)
        self._thread.finished.connect(self.worker.deleteLater)
        self._thread.start()
        self._last: Settings | None = None
        app = QCoreApplication.instance()
        if app is not None:  # the window may be dropped without a close: stop at quit anyway
            app.aboutToQuit.connect(self.shutdown)

    @property
    def generation(self) -> int:
        return self._generation.value

    def request(self, settings: Settings) -> int:
        """Ask for a new frame; returns its generation number."""
        gen = self._generation.next()
        self._last = settings
        self._requested.emit(gen, settings)
        return gen

    @Slot(object)
    def _deliver(self, frame: Frame) -> None:
        if frame.generation != self._generation.value:
            return  # a newer request is on its way
        self.frameReady.emit(frame)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def shutdown(self) -> None:
        """Cancel any simulation under way and stop the thread; returns within a second
        (a simulation polls the cancel flag every few hundred steps)."""
        if not self._thread.isRunning():
            return
        self._generation.next()  # makes the current job stale: it cancels itself
        self._thread.quit()
        self._thread.wait()
