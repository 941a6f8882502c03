"""The simulation: what the worker thread computes for one request, and its runner.

Flow: a control change -> :meth:`Simulator.request` stamps the new :class:`Settings` with the
next generation number -> :class:`Simulation` (in the runner's worker thread) runs the engine
and emits a :class:`Frame` -> ``resultReady`` (GUI thread), for the latest request only. How
stale requests are dropped or cancelled, and how the thread ends, is ``gui.jobs``'s one
mechanism, the same as the analyses': 200 slider moves in a row end in one or two
computations and exactly the picture of the last value.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject

from engine.landscapes import Landscape
from engine.optimizers import Optimizer
from engine.simulation import Cancelled, Outcome, Run, simulate
from gui.jobs import Job, Runner
from gui.settings import Settings
from gui.surface import SURFACE_SECONDS, Surface, build_surface
from gui.tracks import Track, curve_ranges, make_track

SWITCH_INTERVAL = 0.0005  # seconds


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
    landscape recomputes all of them in one stacked call. The last few landscapes keep
    their surfaces, so that switching back to one (a lecture goes back and forth) builds
    nothing. Memory: ``SURFACES`` surfaces (a few MB each), one run."""

    SURFACES = 4

    def __init__(self) -> None:
        self.key: object = None
        self.landscape: Landscape | None = None
        self.surface: Surface | None = None
        self.rows: dict[tuple, _Row] = {}
        self.built: OrderedDict[object, tuple[Landscape, Surface]] = OrderedDict()

    def switch(self, settings: Settings) -> None:
        """Make ``settings``' landscape the current one (built, or taken from the last few)."""
        key = settings.landscape_key
        if key in self.built:
            self.built.move_to_end(key)
        else:
            landscape = settings.make_landscape()
            self.built[key] = (landscape, build_surface(landscape, key, budget=SURFACE_SECONDS))
            while len(self.built) > self.SURFACES:
                self.built.popitem(last=False)
        self.key, self.rows = key, {}
        self.landscape, self.surface = self.built[key]


def compute_frame(generation: int, settings: Settings, cache: Cache | None = None, cancel=None) -> Frame:
    """Run one request synchronously (the worker's job; tests and benchmarks call it too).

    Raises :class:`~engine.simulation.Cancelled` if ``cancel()`` becomes true; a bad value
    gives a frame with ``error`` set.
    """
    t0 = time.perf_counter()
    cache = cache if cache is not None else Cache()
    try:
        if cache.key != settings.landscape_key:
            cache.switch(settings)
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
            k = (*common, e.name, e.hyper, e.schedule)
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
            alpha = entry.alphas(settings.steps)
            row.track = make_track(landscape, surface, run, i, label, color, alpha, entry.schedule.spec())
        tracks.append(row.track)
    tracks = tuple(tracks)
    ranges = curve_ranges(tracks, settings.steps)
    return Frame(generation, settings, landscape, surface, run, tracks, None, time.perf_counter() - t0, ranges)


class Simulation:
    """The simulator's compute function and what it keeps between requests (its
    :class:`Cache`), used by its runner's one worker thread only."""

    def __init__(self) -> None:
        self.cache = Cache()

    def __call__(self, settings: Settings, job: Job) -> None:
        try:
            frame = compute_frame(job.generation, settings, self.cache, cancel=job.cancelled)
        except Cancelled:
            raise
        except Exception as exc:  # a bug must not kill the thread: the window shows it
            traceback.print_exc()
            frame = Frame(job.generation, settings, error=f"internal error: {exc}")
        job.emit(frame)


class Simulator(Runner):
    """The simulation's runner (``gui.jobs``): ``request(settings)`` returns the generation,
    ``resultReady`` delivers the latest request's :class:`Frame`."""

    def __init__(self, parent: QObject | None = None) -> None:
        # The engine holds Python's GIL between its (many, small) numpy calls. By default
        # the GUI thread would then wait up to 5 ms each time it needs the GIL back, and a
        # slider drag or an animation frame would crawl while the worker computes.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        super().__init__("simulation", Simulation(), parent, keep_thread=True)
