"""The network view's request and its result, and how one becomes the other (no Qt).

A control change gives a new frozen :class:`NetSettings`; the worker turns it into a
:class:`NetFrame` with :func:`compute_net_frame`: the network, each racer's run, the losses and
accuracies along the runs, a plane through weight space with the loss on it and the runs
projected onto it, and each racer's predicted probability over the input plane at its end.

What is kept between requests (:class:`NetCache`), so that dragging one racer's alpha
recomputes that racer alone (as the two-weight view does) and the picture never jumps:

* the network and its data, while the setup is the same;
* each racer's run, while its optimizer, hyperparameters and everything it depends on are;
* the plane and the loss on it. The plane is chosen once the first runs' paths are known and
  kept until the setup, the plane's kind or seed change, or the user asks for a new one
  (``plane_request``): the others' runs are projected onto the same plane on every change.
  How much of the paths' movement the plane captures is measured again on each frame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from engine.network.budget import check_run
from engine.network.metrics import Field, Metrics, evaluate, probability_field
from engine.network.mlp import Network
from engine.network.setup import NetworkSetup
from engine.network.slices import Plane, captured, endpoints_plane, extent, loss_slice, pca_plane, project, random_plane
from engine.optimizers import Optimizer
from engine.simulation import Outcome, Run, simulate
from gui.settings import OptimizerEntry

Array = np.ndarray

PLANES = {
    "pca": "the two main directions of the paths (PCA)",
    "random": "two random directions, normalised per unit (Li et al. 2018)",
    "ends": "through the start and two racers' ends",
}
SLICE = 64  # grid points per side of the loss on the plane
FIELD = 64  # grid points per side of a decision field
CURVE_POINTS = 300  # losses and accuracies along a run: every step of a run this long, else about this many
MAX_STEPS = 20_000  # the steps the controls take (the command line's train takes more)
MAX_POINTS = 5_000  # the examples the controls take

NET_ENABLED = ("gd", "momentum", "adam")
NET_DEFAULTS: dict[str, dict[str, float]] = {
    # what trains the default net visibly in a few hundred steps
    "gd": {"alpha": 0.3},
    "momentum": {"alpha": 0.05, "mu": 0.9},
    "nesterov": {"alpha": 0.05, "mu": 0.9},
    "adam": {"alpha": 0.01},
    "rmsprop": {"alpha": 0.003},
    "adagrad": {"alpha": 0.1},
    "newton": {"alpha": 1.0, "damping": 0.1},
}


def default_racers() -> tuple[OptimizerEntry, ...]:
    from engine.optimizers import OPTIMIZERS

    out = []
    for name in OPTIMIZERS:
        e = OptimizerEntry.default(name, enabled=name in NET_ENABLED)
        out.append(replace(e, hyper=tuple({**e.params, **NET_DEFAULTS.get(name, {})}.items())))
    return tuple(out)


@dataclass(frozen=True)
class NetSettings:
    """Everything the network view needs; a new value for every control change."""

    setup: NetworkSetup = field(
        default_factory=lambda: NetworkSetup.from_fields({"data": "moons", "hidden": [8, 8]})
    )
    racers: tuple[OptimizerEntry, ...] = field(default_factory=default_racers)
    steps: int = 300
    tol: float = 1e-6
    batch_size: int | None = None
    batch_seed: int = 0
    plane: str = "pca"
    plane_seed: int = 0
    plane_request: int = 0  # bumped when the user asks for a new plane
    selected: int = 0  # which enabled racer's probability is the data view's background

    def __post_init__(self) -> None:
        if self.plane not in PLANES:
            raise ValueError(f"invalid plane {self.plane!r} (choose from {', '.join(PLANES)})")

    @property
    def enabled(self) -> tuple[OptimizerEntry, ...]:
        return tuple(e for e in self.racers if e.enabled)

    @property
    def plane_key(self) -> tuple:
        return (self.setup, self.plane, self.plane_seed, self.plane_request)


def scenario_net_settings(scenario) -> NetSettings:
    """The network view's settings a network lesson asks for: its network, its racers in
    its order with their hyperparameters and schedules (the optimizers it does not use
    follow, unticked), steps, tolerance and mini-batches."""
    from engine.optimizers import OPTIMIZERS
    from engine.schedules import CONSTANT
    from gui.settings import color_for

    entries: list[OptimizerEntry] = []
    taken: set[str] = set()
    schedules = scenario.schedules or (None,) * len(scenario.optimizers)
    for (name, hyper), schedule in zip(scenario.optimizers, schedules, strict=True):
        color = color_for(name, taken)
        taken.add(color)
        entries.append(OptimizerEntry(name, tuple({**OPTIMIZERS[name].defaults, **hyper}.items()), color, True,
                                      schedule or CONSTANT))
    used = {e.name for e in entries}
    for name in OPTIMIZERS:
        if name not in used:
            color = color_for(name, taken)
            taken.add(color)
            base = OptimizerEntry.default(name, enabled=False, color=color)
            entries.append(replace(base, hyper=tuple({**base.params, **NET_DEFAULTS.get(name, {})}.items())))
    return NetSettings(
        setup=scenario.network, racers=tuple(entries), steps=scenario.steps, tol=scenario.tol,
        batch_size=scenario.batch_size, batch_seed=scenario.seed,
    )


@dataclass(frozen=True, eq=False)
class NetFrame:
    """One request's result: everything the network view draws, or why it failed."""

    generation: int
    settings: NetSettings
    net: Network | None = None
    start: Array | None = None
    run: Run | None = None
    names: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    metrics: Metrics | None = None  # (B, S) at ``steps_shown``; NaN where a racer was not evaluated
    steps_shown: Array | None = None  # (S,): every racer's evaluated steps (:func:`racer_steps`) together
    plane: Plane | None = None
    slice_axes: tuple[Array, Array] | None = None  # a (columns), b (rows)
    slice_loss: Array | None = None  # (len(b), len(a))
    projected: Array | None = None  # (B, N+1, 2): each run on the plane
    fields: Field | None = None  # each racer's probability at its end, (B, FIELD, FIELD)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class _Row:
    name: str
    theta: Array
    loss: Array
    grad_norm: Array
    status: int
    stop: int
    final: tuple[Array, float, float]
    steps: Array  # where the metrics were evaluated: racer_steps(its last finite step)
    metrics: tuple[Array, Array, Array, Array]  # train loss, val loss, train acc, val acc at ``steps``
    field: Array  # the probability over the input plane at the run's end (FIELD, FIELD)


@dataclass
class NetCache:
    """What the worker keeps between requests (see the module docstring)."""

    setup: NetworkSetup | None = None
    net: Network | None = None
    start: Array | None = None
    rows: dict[tuple, _Row] = field(default_factory=dict)
    plane_key: tuple | None = None
    plane: Plane | None = None
    slice_axes: tuple[Array, Array] | None = None
    slice_loss: Array | None = None
    field_axes: tuple[Array, Array] | None = None


def shown_steps(steps: int) -> Array:
    """Steps ``0..steps`` to evaluate: every one up to :data:`CURVE_POINTS`, else evenly
    spaced, always the first and the last."""
    every = max(1, -(-steps // CURVE_POINTS))
    return np.unique(np.r_[np.arange(0, steps + 1, every), steps])


def racer_steps(run: Run, i: int) -> Array:
    """Where racer ``i``'s losses and accuracies are evaluated: :func:`shown_steps` of its own
    run, up to its last finite point, so a racer that stops early (Newton at step 7) has every
    step and its end, not the request's grid cut short."""
    return shown_steps(max(run.finite_length(i) - 1, 0))


def racer_optimizer(e: OptimizerEntry) -> Optimizer:
    """The racer's optimizer, its alpha on the racer's schedule (``OptimizerEntry.make``)."""
    return e.make()


# Arrays of every racer's weights at every step the window holds at once, besides what the
# plane's choice takes (engine.network.slices.pca_bytes): the frame shown, the runs kept for
# the next request (the run just made among them) and the frame being made.
FRAME_COPIES = 3


def check_frame(s: NetSettings) -> None:
    """Refuse, in one line (``ValueError``), a request the window cannot afford: more memory
    than a run may take, or Newton on too large a net (:func:`engine.network.budget.check_run`)."""
    from engine.network.slices import pca_bytes
    from engine.optimizers import OPTIMIZERS

    entries, p = s.enabled, s.setup.weights
    check_run(p, s.steps, len(entries), sum(OPTIMIZERS[e.name].curvature for e in entries), copies=FRAME_COPIES,
              extra=pca_bytes(len(entries) * (s.steps + 1), p))


def compute_net_frame(generation: int, s: NetSettings, cache: NetCache | None = None, cancel=None,
                      progress=None) -> NetFrame:
    """Run one request (the worker's job; tests call it too). A bad value gives a frame with
    ``error`` set; ``cancel()`` turning true raises :class:`~engine.simulation.Cancelled`;
    ``progress(fraction, what)`` hears how far it got."""
    t0 = time.perf_counter()
    cache = cache if cache is not None else NetCache()
    tell = progress if progress is not None else (lambda _f, _what: None)
    try:
        check_frame(s)
        if cache.setup != s.setup:
            net, start = s.setup.build()
            cache.setup, cache.net, cache.start, cache.rows = s.setup, net, start, {}
            cache.plane_key = None
        net, start = cache.net, cache.start
        entries = s.enabled
        if not entries:
            raise ValueError("no optimizer selected: tick at least one")
        common = (s.setup, s.steps, s.tol, s.batch_size, s.batch_seed if s.batch_size else 0)
        seen: dict[tuple, int] = {}
        keys = []
        for e in entries:
            k = (*common, e.name, e.hyper, e.schedule)
            seen[k] = seen.get(k, 0) + 1
            keys.append((*k, seen[k]))
        missing = [i for i, k in enumerate(keys) if k not in cache.rows]
        if missing:
            opt = Optimizer.stack([racer_optimizer(entries[i]) for i in missing])
            what = f"training {', '.join(entries[i].name for i in missing)}: {s.steps} steps"
            tell(0.0, what)
            sub = simulate(
                net, opt, np.repeat(start[None], len(missing), axis=0), s.steps, tol=s.tol, cancel=cancel,
                batch_size=s.batch_size, seed=s.batch_seed, progress=lambda f: tell(0.8 * f, what),
            )
            tell(0.8, "losses and accuracies along the runs")
            ends = sub.final.theta
            ok = np.all(np.isfinite(ends), axis=1)
            fields = probability_field(net, np.where(ok[:, None], ends, np.nan), FIELD)
            at = [racer_steps(sub, j) for j in range(len(missing))]
            # one batched evaluation of every new racer's steps
            m = evaluate(net, np.concatenate([sub.theta[j, k] for j, k in enumerate(at)]))
            cuts = np.cumsum([0, *(k.size for k in at)])
            for j, i in enumerate(missing):
                part = slice(cuts[j], cuts[j + 1])
                cache.rows[keys[i]] = _Row(
                    sub.names[j], sub.theta[j], sub.loss[j], sub.grad_norm[j], int(sub.status[j]), int(sub.stop[j]),
                    (sub.final.theta[j], float(sub.final.loss[j]), float(sub.final.grad_norm[j])), at[j],
                    (m.train_loss[part], m.val_loss[part], m.train_acc[part], m.val_acc[part]), fields.p[j],
                )
            cache.field_axes = (fields.x1, fields.x2)
        rows = [cache.rows[k] for k in keys]
        cache.rows = dict(zip(keys, rows, strict=True))  # only the current racers stay
        run = _run(rows, s.steps)
        shown, metrics = _metrics(rows)

        if cache.plane_key != s.plane_key or cache.plane is None:
            tell(0.9, "the loss on the plane")
            plane = choose_plane(s, net, start, run)
            (a0, a1), (b0, b1) = square_up(extent(plane, run.theta), plane)
            a, b = np.linspace(a0, a1, SLICE), np.linspace(b0, b1, SLICE)
            cache.slice_loss = loss_slice(net, plane.origin, plane.d1, plane.d2, a, b, precision="float32")
            cache.plane, cache.slice_axes, cache.plane_key = plane, (a, b), s.plane_key
        plane = Plane(cache.plane.origin, cache.plane.d1, cache.plane.d2, cache.plane.kind,
                      captured(cache.plane, run.theta))
        projected = project(plane, run.theta)

        fields = Field(*cache.field_axes, np.stack([r.field for r in rows]))
    except ValueError as exc:
        return NetFrame(generation, s, error=str(exc))
    return NetFrame(
        generation, s, net, start, run, racer_labels(entries), tuple(e.color for e in entries), metrics, shown, plane,
        cache.slice_axes, cache.slice_loss, projected, fields, None, time.perf_counter() - t0,
    )


def choose_plane(s: NetSettings, net: Network, start: Array, run: Run) -> Plane:
    """The plane of ``s.plane`` for these runs (module docstring); the captured fraction is
    measured on the runs. Where that plane does not exist (paths that move along one
    direction only, as from a zero start where only the output bias learns; a random plane at
    an all-zero start; fewer than two racers' ends) the paths' main direction (if they move)
    and a random direction orthogonal to it make the plane, and its kind says so."""
    try:
        if s.plane == "random":
            plane = random_plane(net.layout, start, s.plane_seed)
        elif s.plane == "ends":
            ends = [run.final.theta[i] for i in range(len(run.names)) if np.all(np.isfinite(run.final.theta[i]))]
            if len(ends) < 2:
                raise ValueError("the plane through two racers' ends needs two racers that did not diverge")
            plane = endpoints_plane(start, ends[0], ends[1])
        else:
            plane = pca_plane(run.theta)
    except ValueError:
        plane = fallback_plane(start, run.theta, s.plane_seed)
    return Plane(plane.origin, plane.d1, plane.d2, plane.kind, captured(plane, run.theta))


def square_up(box: tuple[tuple[float, float], tuple[float, float]], plane: Plane
              ) -> tuple[tuple[float, float], tuple[float, float]]:
    """A slice's extent no narrower along one direction than half its span along the other
    (in the directions' own lengths): paths that move along one direction only would
    otherwise get a slice a hair thin, which shows nothing of the loss around them."""
    (a0, a1), (b0, b1) = box
    la, lb = (a1 - a0) * np.linalg.norm(plane.d1), (b1 - b0) * np.linalg.norm(plane.d2)
    if lb < 0.5 * la:
        half = 0.25 * la / np.linalg.norm(plane.d2)
        mid = 0.5 * (b0 + b1)
        b0, b1 = mid - half, mid + half
    elif la < 0.5 * lb:
        half = 0.25 * lb / np.linalg.norm(plane.d1)
        mid = 0.5 * (a0 + a1)
        a0, a1 = mid - half, mid + half
    return (a0, a1), (b0, b1)


def fallback_plane(start: Array, trajectories: Array, seed: int = 0) -> Plane:
    """Through the paths' mean: their main direction and a random direction orthogonal to it,
    both of length 1 (two random ones when the paths do not move at all); kind ``"pca+random"``."""
    x = trajectories.reshape(-1, trajectories.shape[-1])
    x = x[np.all(np.isfinite(x), axis=1)]
    origin = x.mean(axis=0) if len(x) else np.asarray(start, dtype=np.float64)
    rng = np.random.default_rng(seed)
    c = x - origin
    spread = np.linalg.norm(c, axis=1)
    if len(x) and spread.max() > 0:
        d1 = c[np.argmax(spread)] / spread.max()
        kind = "pca+random"
    else:
        d1 = rng.standard_normal(origin.shape)
        d1 /= np.linalg.norm(d1)
        kind = "random+random"
    d2 = rng.standard_normal(origin.shape)
    d2 -= (d2 @ d1) * d1
    d2 /= np.linalg.norm(d2)
    return Plane(origin, d1, d2, kind)


def _metrics(rows: list[_Row]) -> tuple[Array, Metrics]:
    """Every racer's evaluated steps together ``(S,)`` and the metrics there ``(B, S)``, NaN
    at the steps a racer was not evaluated at."""
    shown = np.unique(np.concatenate([r.steps for r in rows]))
    out = [np.full((len(rows), shown.size), np.nan) for _ in range(4)]
    for b, r in enumerate(rows):
        cols = np.searchsorted(shown, r.steps)
        for a, v in zip(out, r.metrics, strict=True):
            a[b, cols] = v
    return shown, Metrics(*out)


def _run(rows: list[_Row], steps: int) -> Run:
    status = np.array([r.status for r in rows], dtype=np.int8)
    stop = np.array([r.stop for r in rows], dtype=np.int64)
    final = Outcome(
        np.array([r.final[0] for r in rows]), np.array([r.final[1] for r in rows]),
        np.array([r.final[2] for r in rows]), status, stop, steps,
    )
    return Run(
        tuple(r.name for r in rows), np.stack([r.theta for r in rows]), np.stack([r.loss for r in rows]),
        np.stack([r.grad_norm for r in rows]), status, stop, steps, final,
    )


def racer_labels(entries: tuple[OptimizerEntry, ...]) -> tuple[str, ...]:
    """What the view calls each racer: its label, with ``#2``, ``#3`` ... for a further racer
    of the same label (racers the labels tell apart, as Newton and damped Newton, need none)."""
    return numbered(e.label() for e in entries)


def numbered(labels) -> tuple[str, ...]:
    """``labels`` with ``#2``, ``#3`` ... after each further copy of one label."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return tuple(out)
