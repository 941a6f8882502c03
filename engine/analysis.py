"""Analysis over many runs at once: basins of attraction, the (alpha, mu) map, learning-rate
sweeps, and curvature at points.

Each map is one batched :func:`engine.simulation.simulate` call without histories: one numpy
call per step serves every start (basin map) or every setting (phase map, sweep), the rows
that finish drop out, and large batches are split over threads. So a 256 x 256 basin map is
the same code as one trajectory, run on 65536 rows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.landscapes import Curvature, Landscape, curvature  # noqa: F401  (re-exported: the analysis API)
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.simulation import Outcome, Status, simulate
from engine.validate import check_int, check_positive
from engine.verdicts import Kind, evidence

Array = np.ndarray

DIVERGED = -1  # outcome codes besides the index of a minimum
UNCONVERGED = -2

MAX_GRID = 1024


def _workers(workers: int | None) -> int:
    return workers if workers is not None else max(1, min(8, os.cpu_count() or 1))


def outcome_name(code: int) -> str:
    """The outcome as the CSV writes it: the minimum's index, ``diverged`` or ``unconverged``."""
    if code == DIVERGED:
        return "diverged"
    if code == UNCONVERGED:
        return "unconverged"
    return str(int(code))


def capture_radii(landscape: Landscape, tol: float) -> Array:
    """How far from each known minimum a run may stop with ``|grad| < tol``: near a minimum
    ``|grad| ~ lambda_min * distance``, so ``10 * tol / lambda_min`` (the 10 covers the
    quadratic model's error), and never less than 1e-3 of the view's diagonal."""
    floor = 1e-3 * math.hypot(*(hi - lo for lo, hi in landscape.view))
    minima = np.array([cp.point for cp in landscape.minima], dtype=np.float64).reshape(-1, landscape.dim)
    if not minima.size:
        return np.zeros(0)
    with np.errstate(all="ignore"):
        lam = np.linalg.eigvalsh(landscape.hessian(minima))[:, 0]
        r = np.where(lam > 0, 10.0 * tol / lam, floor)
    return np.maximum(np.nan_to_num(r, nan=floor, posinf=floor), floor)


def classify(landscape: Landscape, outcome: Outcome, tol: float = 1e-6) -> Array:
    """Which known minimum each row reached.

    A row counts for minimum ``i`` when it converged (``|grad| < tol``) and its nearest
    known minimum is ``i``, within :func:`capture_radii`; a row that diverged or whose
    Newton step failed is ``DIVERGED``; anything else (out of steps, or stopped at a saddle,
    a maximum or on a plateau) is ``UNCONVERGED``.
    """
    minima = np.array([cp.point for cp in landscape.minima], dtype=np.float64).reshape(-1, landscape.dim)
    out = np.full(outcome.status.shape, UNCONVERGED, dtype=np.int64)
    out[(outcome.status == Status.DIVERGED) | (outcome.status == Status.FAILED)] = DIVERGED
    conv = np.nonzero(outcome.status == Status.CONVERGED)[0]
    if conv.size and minima.size:
        radii = capture_radii(landscape, tol)
        d = np.linalg.norm(outcome.theta[conv, None, :] - minima[None], axis=-1)
        nearest = d.argmin(axis=1)
        near = d[np.arange(conv.size), nearest] <= radii[nearest]
        out[conv[near]] = nearest[near]
    return out


@dataclass(frozen=True)
class BasinMap:
    """Where each start of a grid ends. ``outcome[iy, ix]`` is the index of a minimum,
    ``DIVERGED`` or ``UNCONVERGED``; ``steps[iy, ix]`` the step at which it stopped."""

    xs: Array  # (nx,)
    ys: Array  # (ny,)
    outcome: Array  # (ny, nx) int
    steps: Array  # (ny, nx) int
    n_minima: int
    budget: int

    def shares(self) -> dict[str, float]:
        """Share of starts per outcome, keyed as :func:`outcome_name` writes them."""
        n = self.outcome.size
        keys = [*range(self.n_minima), DIVERGED, UNCONVERGED]
        return {outcome_name(k): float(np.count_nonzero(self.outcome == k)) / n for k in keys}

    def rows(self) -> list[tuple[float, float, str, int]]:
        """``(x0, y0, outcome, steps)`` for every start, row-major from the lowest y."""
        out = []
        for iy, y in enumerate(self.ys):
            for ix, x in enumerate(self.xs):
                out.append((float(x), float(y), outcome_name(int(self.outcome[iy, ix])), int(self.steps[iy, ix])))
        return out


def grid_starts(box: Sequence[tuple[float, float]], nx: int, ny: int) -> tuple[Array, Array, Array]:
    """Cell-centred grid over ``box``; returns ``xs, ys`` and the ``(ny*nx, 2)`` starts."""
    (x0, x1), (y0, y1) = box
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def basin_map(
    landscape: Landscape,
    optimizer: Optimizer,
    n: int | tuple[int, int],
    steps: int,
    *,
    box: Sequence[tuple[float, float]] | None = None,
    tol: float = 1e-6,
    bound: float = 1e6,
    workers: int | None = None,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
    batch_size: int | None = None,
    seed: int = 0,
) -> BasinMap:
    """Basins of attraction of ``optimizer`` on ``landscape``: run from every cell centre of
    an ``n x n`` (or ``nx x ny``) grid over ``box`` (default: the landscape's view) and
    classify the end points (:func:`classify`). Memory is ``O(n^2)``. ``batch_size`` and
    ``seed``: mini-batches, as in :func:`engine.simulation.simulate` (every start sees the
    same ones)."""
    if len(optimizer.members) != 1:
        raise ValueError("a basin map takes one optimizer")
    nx, ny = (n, n) if isinstance(n, int) else n
    nx = check_int("grid", nx, 2, MAX_GRID)
    ny = check_int("grid", ny, 2, MAX_GRID)
    xs, ys, starts = grid_starts(box or landscape.view, nx, ny)
    out = simulate(
        landscape, optimizer, starts, steps, tol=tol, bound=bound, record=False,
        workers=_workers(workers), cancel=cancel, progress=progress, batch_size=batch_size, seed=seed,
    )
    codes = classify(landscape, out, tol).reshape(ny, nx)
    return BasinMap(xs, ys, codes, out.stop.reshape(ny, nx), len(landscape.minima), steps)


@dataclass(frozen=True)
class PhaseMap:
    """Steps to reach a minimum (``|grad| < tol`` there) for each ``(alpha, mu)``:
    ``steps[i_mu, i_alpha]``, with ``DIVERGED`` and ``UNCONVERGED`` codes where it never got
    there."""

    alphas: Array
    mus: Array
    steps: Array  # (n_mu, n_alpha) int
    optimizer: str
    budget: int

    def fastest(self) -> tuple[float, float, int] | None:
        """``(alpha, mu, steps)`` of the quickest setting, or None if none converged."""
        ok = self.steps >= 0
        if not ok.any():
            return None
        s = np.where(ok, self.steps, np.iinfo(np.int64).max)
        i, j = np.unravel_index(np.argmin(s), s.shape)
        return float(self.alphas[j]), float(self.mus[i]), int(self.steps[i, j])

    def divergence_edge(self, i_mu: int) -> float | None:
        """The smallest alpha that diverged on row ``i_mu`` (None if none did)."""
        bad = np.nonzero(self.steps[i_mu] == DIVERGED)[0]
        return float(self.alphas[bad[0]]) if bad.size else None


def log_grid(lo: float, hi: float, n: int) -> Array:
    check_positive("alpha range low end", lo)
    check_positive("alpha range high end", hi)
    if not lo < hi:
        raise ValueError(f"invalid alpha range: {lo:g} to {hi:g} (low end must be below high end)")
    return np.geomspace(lo, hi, check_int("grid", n, 2, MAX_GRID))


def phase_map(
    landscape: Landscape,
    start: Sequence[float],
    steps: int,
    *,
    optimizer: str = "momentum",
    alphas: Array | None = None,
    mus: Array | None = None,
    n: int = 64,
    hyper: dict[str, float] | None = None,
    tol: float = 1e-6,
    bound: float = 1e6,
    workers: int | None = None,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
    batch_size: int | None = None,
    seed: int = 0,
) -> PhaseMap:
    """Steps to converge over a grid of learning rates (log-spaced, default 1e-5..10) and
    momenta (default 0..0.99) for ``optimizer`` (one that takes ``mu``: momentum or nesterov),
    all from ``start``. Every setting is a row of one batched run (with ``batch_size``, on
    the same mini-batches)."""
    if optimizer not in OPTIMIZERS or "mu" not in OPTIMIZERS[optimizer].defaults:
        takers = [k for k, s in OPTIMIZERS.items() if "mu" in s.defaults]
        raise ValueError(f"the (alpha, mu) map needs an optimizer with mu (choose from {', '.join(takers)})")
    alphas = log_grid(1e-5, 10.0, n) if alphas is None else np.asarray(alphas, dtype=np.float64)
    mus = np.linspace(0.0, 0.99, n) if mus is None else np.asarray(mus, dtype=np.float64)
    extra = {k: v for k, v in (hyper or {}).items() if k not in ("alpha", "mu")}
    members = [make_optimizer(optimizer, alpha=float(a), mu=float(m), **extra) for m in mus for a in alphas]
    opt = Optimizer.stack(members)
    starts = np.tile(np.asarray(start, dtype=np.float64)[None], (len(members), 1))
    out = simulate(
        landscape, opt, starts, steps, tol=tol, bound=bound, record=False,
        workers=_workers(workers), cancel=cancel, progress=progress, batch_size=batch_size, seed=seed,
    )
    # a setting counts as converged only where it reached a minimum (engine.verdicts), not
    # where a loose tol stopped it early or it came to rest on a saddle or a plateau
    s = np.where(evidence(landscape, out).kind == Kind.MINIMUM, out.stop, UNCONVERGED)
    s = np.where((out.status == Status.DIVERGED) | (out.status == Status.FAILED), DIVERGED, s)
    return PhaseMap(alphas, mus, s.reshape(len(mus), len(alphas)), optimizer, steps)


@dataclass(frozen=True)
class SweepBest:
    """What a sweep says about one optimizer's alpha (see :meth:`Sweep.best`)."""

    alpha: float | None  # the best alpha, None when every run diverged
    steps: int | None  # steps to reach a minimum there; None when no alpha reached one
    loss: float | None  # final training loss there
    diverges_from: float | None  # the smallest alpha that diverged (None: none did)


@dataclass(frozen=True)
class Sweep:
    """Final loss against alpha for each optimizer (or racer): ``train[k, j]`` for row ``k``
    at ``alphas[j]`` (NaN where it diverged, see ``status``), and ``validation`` for models
    trained on data (None for analytic landscapes). ``at_minimum[k, j]``: that run reached a
    minimum (:mod:`engine.verdicts`); None when not judged."""

    alphas: Array
    names: tuple[str, ...]
    train: Array  # (K, n)
    validation: Array | None
    status: Array  # (K, n) Status codes
    stop: Array  # (K, n)
    budget: int
    at_minimum: Array | None = None  # (K, n) bool

    def best(self, k: int) -> SweepBest:
        """Row ``k``'s best alpha. Runs that reached a minimum all end at the same loss up to
        rounding noise, so they are compared by the steps they took (the fewest wins; a tie
        goes to the smallest alpha, the farthest from divergence); only when none reached a
        minimum does the lowest final loss decide."""
        bad = (self.status[k] == Status.DIVERGED) | (self.status[k] == Status.FAILED)
        div = np.nonzero(bad)[0]
        edge = float(self.alphas[div[0]]) if div.size else None
        reached = self.at_minimum[k] if self.at_minimum is not None else self.status[k] == Status.CONVERGED
        if reached.any():
            steps = np.where(reached, self.stop[k], np.iinfo(np.int64).max)
            j = int(np.argmin(steps))  # the first of equals: the smallest alpha
            return SweepBest(float(self.alphas[j]), int(self.stop[k, j]), float(self.train[k, j]), edge)
        ok = ~bad & np.isfinite(self.train[k])
        if not ok.any():
            return SweepBest(None, None, None, edge)
        j = int(np.argmin(np.where(ok, self.train[k], np.inf)))
        return SweepBest(float(self.alphas[j]), None, float(self.train[k, j]), edge)


Racer = str | tuple[str, Mapping[str, float]]


def lr_sweep(
    landscape: Landscape,
    optimizers: Sequence[Racer],
    start: Sequence[float],
    steps: int,
    *,
    alphas: Array | None = None,
    n: int = 61,
    hyper: dict[str, dict[str, float]] | None = None,
    labels: Sequence[str] | None = None,
    tol: float = 1e-6,
    bound: float = 1e6,
    workers: int | None = None,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
    batch_size: int | None = None,
    seed: int = 0,
) -> Sweep:
    """Final training (and validation) loss after ``steps`` steps for every alpha of a log
    grid (default 1e-5..10) and every optimizer, in one batched run.

    Each entry of ``optimizers`` is a name (its hyperparameters from ``hyper[name]``) or a
    ``(name, hyperparameters)`` pair, so one optimizer may appear twice with different
    settings; ``labels`` name the rows (default: the optimizer names). Any ``alpha`` among the
    hyperparameters is replaced by the grid's."""
    if not optimizers:
        raise ValueError("a sweep needs at least one optimizer")
    alphas = log_grid(1e-5, 10.0, n) if alphas is None else np.asarray(alphas, dtype=np.float64)
    racers = [(o, dict((hyper or {}).get(o, {}))) if isinstance(o, str) else (o[0], dict(o[1])) for o in optimizers]
    names = tuple(labels) if labels is not None else tuple(name for name, _ in racers)
    if len(names) != len(racers):
        raise ValueError(f"a sweep of {len(racers)} optimizers needs as many labels, got {len(names)}")
    members = [make_optimizer(name, **{**h, "alpha": float(a)}) for name, h in racers for a in alphas]
    starts = np.tile(np.asarray(start, dtype=np.float64)[None], (len(members), 1))
    out = simulate(
        landscape, Optimizer.stack(members), starts, steps, tol=tol, bound=bound, record=False,
        workers=_workers(workers), cancel=cancel, progress=progress, batch_size=batch_size, seed=seed,
    )
    k, m = len(racers), len(alphas)
    bad = (out.status == Status.DIVERGED) | (out.status == Status.FAILED)
    train = np.where(bad, np.nan, out.loss).reshape(k, m)
    validation = None
    vfun = getattr(landscape, "validation_loss", None)
    if callable(vfun):
        with np.errstate(all="ignore"):
            v = vfun(np.where(bad[:, None], 0.0, out.theta))
        validation = np.where(bad, np.nan, v).reshape(k, m)
    at_minimum = (evidence(landscape, out).kind == Kind.MINIMUM).reshape(k, m)
    return Sweep(
        alphas, names, train, validation, out.status.reshape(k, m), out.stop.reshape(k, m), steps, at_minimum,
    )


def newton_cost(n_weights: int) -> dict[str, float]:
    """What a Newton step costs a network with ``n_weights`` parameters: the Hessian has
    ``n^2`` entries (8 bytes each in float64) and solving with it takes about ``n^3/3``
    multiply-adds (Cholesky), against ``n`` numbers for the gradient."""
    n = check_int("number of weights", n_weights, 1)
    return {
        "gradient_numbers": float(n),
        "hessian_numbers": float(n) ** 2,
        "hessian_bytes": 8.0 * float(n) ** 2,
        "solve_flops": float(n) ** 3 / 3.0,
    }
