"""The analysis views as data: what to compute (frozen specs), how to compute it within a time
budget (coarse first, then as fine as the budget allows), and what the views draw (frozen
results holding ready-made images and arrays).

Pure numpy, no Qt: each analysis runner (``gui.jobs``) calls :func:`compute_basins`,
:func:`compute_phase` or :func:`compute_sweep` in its worker thread with a :class:`Job` (cancel,
progress, results) and its own :class:`Memo`; the command line builds the same results
from the engine's maps with :func:`basin_result`, :func:`phase_result` and
:func:`sweep_result`, so the window and ``main.py basins/phase/sweep --png`` draw the same
pictures.

Time budget
-----------
A data model costs about a hundred times more per point than an analytic landscape (a
256 x 256 basin map of ``two-tanh`` takes some 20 s against 0.3 s for ``himmelblau``). So grid
sizes are chosen by measurement, never fixed: one batched loss-and-gradient call prices a
point-step (:func:`point_cost`), the first pass takes the largest grid whose estimate fits
``FIRST_PASS_SECONDS`` (64 x 64 on an analytic landscape, 8 x 8 on a network), and each further
pass takes the largest grid that the time the last pass *actually* took, scaled by the number
of rows, says will fit in what is left of the budget. When the budget stops the refinement
the result says so (``note``), and the legend shows it.
"""

from __future__ import annotations

import colorsys
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from cmap import Colormap

from engine.analysis import (
    DIVERGED,
    UNCONVERGED,
    BasinMap,
    PhaseMap,
    Sweep,
    basin_map,
    curvature,
    log_grid,
    lr_sweep,
    phase_map,
)
from engine.landscapes import Landscape, make_landscape
from engine.optimizers import make_optimizer
from engine.schedules import CONSTANT, Schedule
from engine.simulation import Status
from gui.settings import short_label

Box = tuple[tuple[float, float], tuple[float, float]]
Cancel = Callable[[], bool]

ALPHA_RANGE = (1e-5, 10.0)  # the alpha slider's range: the (alpha, mu) map and sweeps span it
MU_RANGE = (0.0, 0.99)  # the engine's default momenta for the (alpha, mu) map
USUAL_ALPHAS = (1e-3, 0.1)  # the notes' usual range of learning rates
LOSS_FLOOR = 1e-18  # as the training curves: a loss gap of exactly zero is drawn here

FIRST_PASS_SECONDS = 0.1
STEP_OVERHEAD = 3e-5  # seconds per step that do not grow with the rows (numpy call overhead)
BASIN_SIZES = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
PHASE_SIZES = (8, 12, 16, 24, 32, 48, 64, 96, 128)
SWEEP_SIZES = (13, 25, 37, 61, 121)
FIRST_MAX = {"basins": 64, "phase": 32, "sweep": 25}  # never a finer first pass than this

# One colour per minimum (Paul Tol's "bright" scheme, then two of his "light" ones): pale
# enough under a semi-transparent overlay for every trajectory colour to read on top, and
# different enough from each other through a projector.
BASIN_PALETTE = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#ee8866", "#44bb99")
DIVERGED_COLOR = "#262626"
UNCONVERGED_COLOR = "#b4b4b4"
PHASE_DIVERGED_COLOR = "#b2182b"
PHASE_UNCONVERGED_COLOR = "#d9d9d9"
MIN_ARROW = 0.06  # the shortest curvature arrow, as a share of the longest
SHADE = 0.6  # how much paler the quickest start of a basin is than the slowest


# -- colours ----------------------------------------------------------------------------------


def hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def minimum_colors(n: int) -> tuple[str, ...]:
    """``n`` distinct colours for the minima: the palette, then golden-angle hues (rastrigin
    has 25 minima in view; neighbours still differ)."""
    if n <= len(BASIN_PALETTE):
        return BASIN_PALETTE[:n]
    out = list(BASIN_PALETTE)
    h = 0.11
    while len(out) < n:
        h = (h + 0.381966) % 1.0
        r, g, b = colorsys.hls_to_rgb(h, 0.55, 0.55)
        out.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
    return tuple(out)


def outcome_color(code: int, colors: Sequence[str]) -> str:
    if code == DIVERGED:
        return DIVERGED_COLOR
    if code == UNCONVERGED:
        return UNCONVERGED_COLOR
    return colors[code]


def basin_rgba(bm: BasinMap, colors: Sequence[str]) -> np.ndarray:
    """The overlay image ``(ny, nx, 4)`` uint8, row 0 at the lowest y: each start in its
    minimum's colour, shaded by the steps it took (quick: paler, slow: full colour), diverged
    starts near black and unconverged ones grey."""
    n = len(colors)
    table = np.array([hex_rgb(c) for c in colors] + [hex_rgb(DIVERGED_COLOR), hex_rgb(UNCONVERGED_COLOR)], float)
    out = bm.outcome
    idx = np.where(out >= 0, out, np.where(out == DIVERGED, n, n + 1))
    rgb = table[idx]
    frac = np.log1p(np.clip(bm.steps, 0, bm.budget)) / math.log1p(max(bm.budget, 1))
    pale = np.where(out >= 0, SHADE * (1.0 - frac), 0.0)
    rgb += (255.0 - rgb) * pale[..., None]
    img = np.empty((*out.shape, 4), np.uint8)
    img[..., :3] = np.round(rgb)
    img[..., 3] = 255
    return img


def lut_bytes(colormap: Colormap, n: int = 256) -> np.ndarray:
    """``n`` colours of ``colormap`` (cmap's) from its low end to its high end: ``(n, 3)`` uint8."""
    return np.round(np.asarray(colormap.lut(n))[:, :3] * 255.0).astype(np.uint8)


VIRIDIS = lut_bytes(Colormap("viridis"))  # matplotlib's viridis, all 256 entries


def viridis_bytes(v: np.ndarray) -> np.ndarray:
    """Viridis at ``v`` in [0, 1] (the nearest of its 256 entries): ``(..., 3)`` uint8."""
    x = np.nan_to_num(np.asarray(v, dtype=np.float64), nan=0.0)
    return VIRIDIS[np.round(np.clip(x, 0.0, 1.0) * (len(VIRIDIS) - 1)).astype(np.intp)]


def phase_levels(pm: PhaseMap) -> tuple[float, float]:
    """The colour scale of the (alpha, mu) map, in log10 steps: from the quickest setting
    (or 1 step) to the step budget."""
    ok = pm.steps >= 0
    lo = math.log10(1 + int(pm.steps[ok].min())) if ok.any() else 0.0
    hi = math.log10(1 + max(pm.budget, 1))
    return (lo, hi if hi > lo else lo + 1.0)


def phase_rgba(pm: PhaseMap) -> np.ndarray:
    """``(n_mu, n_alpha, 4)`` uint8: steps to converge on viridis, few steps bright (yellow),
    many dark (purple), on a log scale; diverged red, unconverged light grey."""
    lo, hi = phase_levels(pm)
    s = pm.steps
    v = (np.log10(1 + np.maximum(s, 0)) - lo) / (hi - lo)
    img = np.empty((*s.shape, 4), np.uint8)
    img[..., :3] = viridis_bytes(1.0 - v)
    img[s == DIVERGED, :3] = hex_rgb(PHASE_DIVERGED_COLOR)
    img[s == UNCONVERGED, :3] = hex_rgb(PHASE_UNCONVERGED_COLOR)
    img[..., 3] = 255
    return img


# -- time budget ------------------------------------------------------------------------------


class Job(Protocol):
    """What a compute function gets from the runner that calls it (``gui.jobs.Job``; tests
    pass one of their own): the engine's cancel callback, progress, results, a shield."""

    def cancelled(self) -> bool: ...

    def progress(self, fraction: float, text: str) -> None: ...

    def emit(self, result: object, shielded: bool = False) -> None: ...

    def shield(self) -> AbstractContextManager[None]: ...


def point_cost(landscape: Landscape, box: Sequence[tuple[float, float]]) -> float:
    """Seconds per point of one batched loss-and-gradient call over ``box`` (best of three,
    so a scheduling hiccup does not shrink the grid)."""
    (x0, x1), (y0, y1) = box[0], box[1]
    g = np.linspace(0.1, 0.9, 16)
    pts = np.empty((256, landscape.dim))
    pts[:] = 0.0
    pts[:, 0] = x0 + (x1 - x0) * np.repeat(g, 16)
    pts[:, 1] = y0 + (y1 - y0) * np.tile(g, 16)
    best = math.inf
    with np.errstate(all="ignore"):
        for _ in range(3):
            t = time.perf_counter()
            landscape.loss_grad(pts)
            best = min(best, time.perf_counter() - t)
    return best / pts.shape[0]


def estimate(rows: int, steps: int, cost: float) -> float:
    """Seconds a run of ``rows`` rows for ``steps`` steps takes at most (rows stopping early
    make it quicker): one gradient per row and step, plus the per-step overhead."""
    return steps * (rows * cost + STEP_OVERHEAD)


class Memo:
    """What one analysis runner keeps from job to job: the landscapes it built (a data model
    makes its data and locates its critical points when built; landscapes are read-only
    once built) and what its passes really cost. Only the runner's one worker thread uses
    it (``gui.jobs``: a runner's jobs never overlap), so it needs no lock."""

    KEEP = 4  # landscapes kept (the one in use, and a few a lecture switches between)

    def __init__(self) -> None:
        self.landscapes: dict[tuple, Landscape] = {}
        self.costs: dict[tuple, float] = {}

    def landscape(self, name: str, params: tuple) -> Landscape:
        key = (name, params)
        land = self.landscapes.get(key)
        if land is None:
            if len(self.landscapes) >= self.KEEP:
                self.landscapes.clear()
            land = self.landscapes[key] = make_landscape(name, **dict(params))
        return land

    def remember_cost(self, key: tuple, seconds: float, rows: int, steps: int) -> None:
        """Keep what a pass really cost per row and step (rows that stop early included):
        the next job with the same ``key`` (the next position of a dragged slider) sizes its
        first pass by it instead of the pessimistic probe."""
        if len(self.costs) > 64:
            self.costs.clear()
        self.costs[key] = max(seconds - steps * STEP_OVERHEAD, 0.0) / max(rows * max(steps, 1), 1)

    def first_cost(self, key: tuple, landscape: Landscape, box: Sequence[tuple[float, float]]) -> float:
        """Seconds per row and step for sizing a first pass: as the last pass with this
        ``key`` measured it, else priced by :func:`point_cost`."""
        c = self.costs.get(key)
        return c if c is not None else point_cost(landscape, box)


@dataclass(frozen=True)
class Plan:
    """How a pass was chosen, for the legend."""

    size: int
    final: bool  # no finer pass follows
    note: str  # why the refinement stopped short of the maximum ("" when it did not)
    seconds: float = 0.0  # what the pass took
    shielded: bool = False  # a cheap first pass that a newer request let finish (gui.jobs)


@dataclass(frozen=True)
class Ladder:
    """The grids a map can take, coarse to fine, and the time it may take."""

    sizes: tuple[int, ...]
    rows: Callable[[int], int]  # rows (starts, settings, alphas x curves) of a pass of size n
    unit: Callable[[int], str]  # how the legend names size n ("64×48")
    first_max: int  # never a finer first pass than this
    steps: int
    cost: float  # seconds per row and step, to size the first pass (Memo.first_cost)
    budget: float  # seconds for all passes

    def first_estimate(self, n: int) -> float:
        return estimate(self.rows(n), self.steps, self.cost)


def progressive(
    ladder: Ladder, job: Job, run_pass: Callable[[int], object], memo: Memo | None = None, key: tuple = (),
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[tuple[object, Plan]]:
    """Passes of growing size, each yielded as ``(run_pass(size), plan)`` once computed. The
    first is the largest of the sizes (up to ``first_max``) whose estimate fits
    ``FIRST_PASS_SECONDS``, at least the smallest; each next one is the largest that the
    last pass's measured time, scaled by the rows, fits in what is left of the budget. A
    first pass that fits ``FIRST_PASS_SECONDS`` runs shielded (``job.shield()``): a newer
    request lets it finish, so a drag keeps showing pictures (``gui.jobs``). ``run_pass``
    may raise ``Cancelled``. What each pass really cost goes to ``memo`` under ``key``."""
    t_start = clock()
    sizes = ladder.sizes
    first = [s for s in sizes if s <= ladder.first_max] or [sizes[0]]
    fits = [s for s in first if ladder.first_estimate(s) <= FIRST_PASS_SECONDS]
    size = max(fits, default=first[0])
    shielded = bool(fits)
    while True:
        t0 = clock()
        if shielded:
            with job.shield():
                data = run_pass(size)
        else:
            data = run_pass(size)
        took = clock() - t0
        if memo is not None:
            memo.remember_cost(key, took, ladder.rows(size), ladder.steps)
        left = ladder.budget - (clock() - t_start)
        bigger = [s for s in sizes if s > size]
        fits = [s for s in bigger if took * ladder.rows(s) / ladder.rows(size) <= left]
        note = ""
        if not fits and bigger:
            need = took * ladder.rows(bigger[0]) / ladder.rows(size)
            note = f"{ladder.unit(bigger[0])}: ~{_seconds(need)} more (budget {ladder.budget:g} s)"
        plan = Plan(size, not fits, note, took, shielded)
        yield data, plan
        if plan.final:
            return
        size, shielded = max(fits), False


def _seconds(t: float) -> str:
    return f"{t:.0f} s" if t >= 10 else f"{t:.1f} s"


def grid_shape(n: int, box: Box) -> tuple[int, int]:
    """``(nx, ny)`` for ``n`` cells along the longer side of ``box``, square cells."""
    (x0, x1), (y0, y1) = box
    w, h = abs(x1 - x0), abs(y1 - y0)
    if w >= h:
        return n, max(2, round(n * h / w)) if w > 0 else n
    return max(2, round(n * w / h)), n


def _fmt_point(p: Sequence[float]) -> str:
    return "(" + ", ".join(f"{c:.3g}" for c in p) + ")"


# -- basins of attraction ---------------------------------------------------------------------


@dataclass(frozen=True)
class BasinSpec:
    """A basin map to compute: the selected optimizer with its hyperparameters, the current
    steps and tolerance, over ``box`` (None: the landscape's view)."""

    landscape: str
    params: tuple
    optimizer: str
    hyper: tuple[tuple[str, float], ...]
    steps: int
    tol: float
    box: Box | None = None
    budget: float = 3.0
    max_grid: int = 256
    minibatch: bool = False  # the racers use mini-batches; maps always use the full batch
    schedule: Schedule = CONSTANT  # the racer's alpha schedule: every start follows it


@dataclass(frozen=True, eq=False)
class BasinResult:
    """One finished pass of a basin map, ready to draw."""

    map: BasinMap
    box: Box  # the grid's outer edges: the image covers exactly this
    rgba: np.ndarray  # (ny, nx, 4) uint8, row 0 at the lowest y
    minima: tuple[tuple[float, ...], ...]
    colors: tuple[str, ...]  # one per minimum
    label: str  # the optimizer, e.g. "gd α=0.005"
    landscape: str
    plan: Plan
    spec: BasinSpec | None = None

    @property
    def shape(self) -> tuple[int, int]:
        ny, nx = self.map.outcome.shape
        return nx, ny

    def legend(self, max_minima: int = 8) -> tuple[str, list[tuple[str | None, str]]]:
        """The legend's title (the optimizer) and rows ``(colour or None, text)``: its
        hyperparameters, the share of starts per minimum (numbered as ``main.py list``
        numbers them), diverged, unconverged, and how the map was made. Short lines: the
        contour view can be narrow beside the docks."""
        shares = self.map.shares()
        name, _, hyper = self.label.partition(" ")
        rows: list[tuple[str | None, str]] = [(None, hyper)] if hyper else []
        order = list(range(len(self.minima)))
        shown = order[:max_minima]
        for i in shown:
            rows.append((self.colors[i], f"{i} {_fmt_point(self.minima[i])}: {shares[str(i)]:.1%}"))
        if len(order) > len(shown):
            rest = sum(shares[str(i)] for i in order[len(shown):])
            rows.append((None, f"{len(order) - len(shown)} more minima: {rest:.1%}"))
        if shares["diverged"] > 0:
            rows.append((DIVERGED_COLOR, f"diverged: {shares['diverged']:.1%}"))
        if shares["unconverged"] > 0:
            rows.append((UNCONVERGED_COLOR, f"not converged: {shares['unconverged']:.1%}"))
        nx, ny = self.shape
        rows.append((None, f"{nx}×{ny} starts, ≤ {self.map.budget} steps"))
        rows.append((None, "paler: converged sooner"))
        if self.spec is not None and self.spec.minibatch:
            rows.append((None, "full batch (racers: mini-batches)"))
        if self.plan.note:
            rows.append((None, self.plan.note))
        return f"basins of {name}", rows


def basin_result(
    landscape: Landscape, bm: BasinMap, label: str, box: Box, plan: Plan | None = None,
    spec: BasinSpec | None = None,
) -> BasinResult:
    minima = tuple(cp.point for cp in landscape.minima)
    colors = minimum_colors(len(minima))
    edges = ((float(box[0][0]), float(box[0][1])), (float(box[1][0]), float(box[1][1])))
    ny, nx = bm.outcome.shape
    return BasinResult(
        bm, edges, basin_rgba(bm, colors), minima, colors, label, landscape.label(),
        plan or Plan(max(nx, ny), True, ""), spec,
    )


def compute_basins(spec: BasinSpec, job: Job, memo: Memo) -> None:
    """Coarse to fine basin maps of ``spec`` within its time budget; ``job.emit`` gets each
    finished pass (a :class:`BasinResult`)."""
    land = memo.landscape(spec.landscape, spec.params)
    opt = make_optimizer(spec.optimizer, schedule=None if spec.schedule.constant else spec.schedule,
                         **dict(spec.hyper))
    if land.dim != 2:
        raise ValueError(f"a basin map needs a two-parameter landscape ({land.name} has {land.dim})")
    box: Box = spec.box or (land.view[0], land.view[1])
    key = ("basins", spec.landscape, spec.params, spec.optimizer, spec.steps, spec.tol)
    label = short_label(spec.optimizer, dict(spec.hyper), spec.schedule)

    def rows(n: int) -> int:
        nx, ny = grid_shape(n, box)
        return nx * ny

    def unit(n: int) -> str:
        nx, ny = grid_shape(n, box)
        return f"{nx}×{ny}"

    def run_pass(n: int) -> BasinMap:
        text = f"basins {unit(n)}"
        job.progress(0.0, text)
        return basin_map(
            land, opt, grid_shape(n, box), spec.steps, box=box, tol=spec.tol, cancel=job.cancelled,
            progress=lambda f: job.progress(f, text),
        )

    sizes = tuple(s for s in BASIN_SIZES if s <= spec.max_grid) or BASIN_SIZES[:1]
    ladder = Ladder(sizes, rows, unit, FIRST_MAX["basins"], spec.steps, memo.first_cost(key, land, box), spec.budget)
    for bm, plan in progressive(ladder, job, run_pass, memo, key):
        job.emit(basin_result(land, bm, label, box, plan, spec), plan.shielded)


# -- the (alpha, mu) map ----------------------------------------------------------------------


@dataclass(frozen=True)
class Theory:
    """What the theory says on the (alpha, mu) map of a quadratic with Hessian eigenvalues in
    ``[lam_min, lam_max]``: the stability edge over mu (``engine.theory.
    momentum_stability_limit``) and, for the heavy ball, Polyak's best setting
    (``engine.theory.momentum_best``). The formulas and their sources live there."""

    lam_min: float
    lam_max: float
    mus: np.ndarray
    edge: np.ndarray  # the largest stable alpha at each mu
    best: tuple[float, float] | None  # (alpha, mu), heavy ball only


def momentum_theory(landscape: Landscape, optimizer: str) -> Theory | None:
    from engine import theory

    ev = theory.constant_curvature(landscape)
    if ev is None:
        return None
    lo, hi = ev
    mus = np.linspace(MU_RANGE[0], MU_RANGE[1], 100)
    nesterov = optimizer == "nesterov"
    edge = theory.momentum_stability_limit(mus, hi, nesterov=nesterov)
    return Theory(lo, hi, mus, edge, None if nesterov else theory.momentum_best(lo, hi))


@dataclass(frozen=True)
class PhaseSpec:
    """An (alpha, mu) map to compute: a momentum-type optimizer from the current start with
    the current steps and tolerance."""

    landscape: str
    params: tuple
    optimizer: str  # momentum or nesterov
    start: tuple[float, ...]
    steps: int
    tol: float
    budget: float = 3.0
    max_grid: int = 64


@dataclass(frozen=True, eq=False)
class PhaseResult:
    map: PhaseMap
    rgba: np.ndarray  # (n_mu, n_alpha, 4)
    levels: tuple[float, float]  # colour scale, log10(1 + steps)
    theory: Theory | None
    start: tuple[float, ...]
    landscape: str
    plan: Plan
    spec: PhaseSpec | None = None

    def cell_rect(self) -> tuple[float, float, float, float]:
        """``(x0, y0, w, h)`` of the image in plot coordinates (log10 alpha, mu)."""
        la = np.log10(self.map.alphas)
        mus = self.map.mus
        dx = (la[-1] - la[0]) / (len(la) - 1)
        dy = (mus[-1] - mus[0]) / (len(mus) - 1)
        return la[0] - dx / 2, mus[0] - dy / 2, la[-1] - la[0] + dx, mus[-1] - mus[0] + dy

    def steps_at(self, alpha: float, mu: float) -> int | None:
        """The map's value in the cell holding ``(alpha, mu)`` (None outside the map)."""
        x0, y0, w, h = self.cell_rect()
        na, nm = len(self.map.alphas), len(self.map.mus)
        j = math.floor((math.log10(alpha) - x0) / w * na) if alpha > 0 else -1
        i = math.floor((mu - y0) / h * nm)
        if 0 <= i < nm and 0 <= j < na:
            return int(self.map.steps[i, j])
        return None

    def title(self) -> str:
        return f"{self.map.optimizer}: steps to reach the tolerance, from {_fmt_point(self.start)}"


def phase_result(
    landscape: Landscape, pm: PhaseMap, start: Sequence[float], plan: Plan | None = None,
    spec: PhaseSpec | None = None,
) -> PhaseResult:
    return PhaseResult(
        pm, phase_rgba(pm), phase_levels(pm), momentum_theory(landscape, pm.optimizer),
        tuple(float(c) for c in start), landscape.label(),
        plan or Plan(len(pm.alphas), True, ""), spec,
    )


def compute_phase(spec: PhaseSpec, job: Job, memo: Memo) -> None:
    land = memo.landscape(spec.landscape, spec.params)
    start = np.asarray(spec.start, dtype=np.float64)
    key = ("phase", spec.landscape, spec.params, spec.optimizer, spec.start, spec.steps, spec.tol)

    def run_pass(n: int) -> PhaseMap:
        text = f"(α, μ) map {n}×{n}"
        job.progress(0.0, text)
        return phase_map(
            land, start, spec.steps, optimizer=spec.optimizer, alphas=log_grid(*ALPHA_RANGE, n),
            mus=np.linspace(*MU_RANGE, n), tol=spec.tol, cancel=job.cancelled,
            progress=lambda f: job.progress(f, text),
        )

    sizes = tuple(s for s in PHASE_SIZES if s <= spec.max_grid) or PHASE_SIZES[:1]
    ladder = Ladder(
        sizes, lambda n: n * n, lambda n: f"{n}×{n}", FIRST_MAX["phase"], spec.steps,
        memo.first_cost(key, land, land.view), spec.budget,
    )
    for pm, plan in progressive(ladder, job, run_pass, memo, key):
        job.emit(phase_result(land, pm, spec.start, plan, spec), plan.shielded)


# -- learning-rate sweep ----------------------------------------------------------------------


@dataclass(frozen=True)
class SweepCurve:
    """One curve of a sweep: an optimizer with its other hyperparameters (alpha is swept),
    shared by the racers (``rows``, as the control panel names them) that differ in alpha
    alone."""

    name: str
    hyper: tuple[tuple[str, float], ...]  # without alpha
    rows: tuple[str, ...]
    color: str

    @property
    def label(self) -> str:
        return ", ".join(self.rows)


@dataclass(frozen=True)
class SweepSpec:
    """A learning-rate sweep: every enabled optimizer with its other hyperparameters, from
    the current start, with the current steps and tolerance."""

    landscape: str
    params: tuple
    curves: tuple[SweepCurve, ...]
    start: tuple[float, ...]
    steps: int
    tol: float
    budget: float = 3.0
    max_points: int = 61


def sweep_curves(entries: Sequence[tuple[str, str, dict[str, float], str]]) -> tuple[SweepCurve, ...]:
    """Curves for racers ``(row name, optimizer, hyperparameters, colour)``: racers that
    differ only in alpha share one (the first one's colour)."""
    curves: list[SweepCurve] = []
    for row, name, hyper, color in entries:
        rest = tuple((k, float(v)) for k, v in hyper.items() if k != "alpha")
        for i, c in enumerate(curves):
            if (c.name, c.hyper) == (name, rest):
                curves[i] = SweepCurve(c.name, c.hyper, (*c.rows, row), c.color)
                break
        else:
            curves.append(SweepCurve(name, rest, (row,), color))
    return tuple(curves)


@dataclass(frozen=True, eq=False)
class SweepResult:
    sweep: Sweep  # names: the curves' labels
    curves: tuple[SweepCurve, ...]
    train_y: np.ndarray  # (K, n) as drawn: log10 of the final loss (or its gap), NaN where diverged
    validation_y: np.ndarray | None
    diverged: np.ndarray  # (K, n) bool
    y_label: str
    log_y: bool
    start: tuple[float, ...]
    landscape: str
    plan: Plan
    spec: SweepSpec | None = None

    @property
    def colors(self) -> tuple[str, ...]:
        return tuple(c.color for c in self.curves)

    @property
    def log_alphas(self) -> np.ndarray:
        return np.log10(self.sweep.alphas)

    def title(self) -> str:
        return f"final loss after {self.sweep.budget} steps from {_fmt_point(self.start)}"


def sweep_result(
    landscape: Landscape, sw: Sweep, curves: Sequence[SweepCurve], start: Sequence[float],
    plan: Plan | None = None, spec: SweepSpec | None = None,
) -> SweepResult:
    """What the sweep view draws: a data model's final training and validation losses on a
    log axis; an analytic landscape's gap to its lowest minimum on a log axis (the loss itself,
    linear, when no minimum is known)."""
    diverged = (sw.status == Status.DIVERGED) | (sw.status == Status.FAILED)
    best = landscape.lowest_minimum
    with np.errstate(all="ignore"):
        if sw.validation is not None:
            train = np.log10(np.maximum(sw.train, LOSS_FLOOR))
            val = np.log10(np.maximum(sw.validation, LOSS_FLOOR))
            label, log_y = "final loss (solid: training, dashed: validation)", True
        elif best is not None:
            train = np.log10(np.maximum(sw.train - best, LOSS_FLOOR))
            val = None
            label, log_y = "final loss − f*  (f* lowest minimum)", True
        else:
            train, val, label, log_y = sw.train.copy(), None, "final loss", False
    train = np.where(diverged, np.nan, train)
    if val is not None:
        val = np.where(diverged, np.nan, val)
    return SweepResult(
        sw, tuple(curves), train, val, diverged, label, log_y, tuple(float(c) for c in start),
        landscape.label(), plan or Plan(len(sw.alphas), True, ""), spec,
    )


def sweep_layers(curves: Sequence[SweepCurve]) -> list[list[int]]:
    """Curves grouped so that no group names an optimizer twice (``lr_sweep`` takes one set
    of hyperparameters per optimizer name): one engine call per group, usually one."""
    layers: list[list[int]] = []
    for i, c in enumerate(curves):
        for layer in layers:
            if all(curves[j].name != c.name for j in layer):
                layer.append(i)
                break
        else:
            layers.append([i])
    return layers


def run_sweep(
    landscape: Landscape, curves: Sequence[SweepCurve], start: np.ndarray, steps: int, alphas: np.ndarray,
    tol: float, cancel: Cancel | None = None, progress: Callable[[float], None] | None = None,
) -> Sweep:
    """:func:`engine.analysis.lr_sweep` over ``curves`` (one batched call per layer), as one
    :class:`Sweep` whose names are the curves' labels."""
    layers = sweep_layers(curves)
    parts: dict[int, tuple] = {}
    for li, layer in enumerate(layers):
        names = [curves[i].name for i in layer]
        hyper = {curves[i].name: dict(curves[i].hyper) for i in layer}
        sub = None if progress is None else (lambda f, li=li: progress((li + f) / len(layers)))
        sw = lr_sweep(landscape, names, start, steps, alphas=alphas, hyper=hyper, tol=tol, cancel=cancel, progress=sub)
        for r, i in enumerate(layer):
            v = None if sw.validation is None else sw.validation[r]
            parts[i] = (sw.train[r], v, sw.status[r], sw.stop[r])
    order = range(len(curves))
    val = None if parts[0][1] is None else np.stack([parts[i][1] for i in order])
    return Sweep(
        np.asarray(alphas, dtype=np.float64), tuple(c.label for c in curves),
        np.stack([parts[i][0] for i in order]), val,
        np.stack([parts[i][2] for i in order]), np.stack([parts[i][3] for i in order]), steps,
    )


def compute_sweep(spec: SweepSpec, job: Job, memo: Memo) -> None:
    if not spec.curves:
        raise ValueError("no optimizer selected: tick at least one")
    land = memo.landscape(spec.landscape, spec.params)
    start = np.asarray(spec.start, dtype=np.float64)
    key = ("sweep", spec.landscape, spec.params, spec.curves, spec.start, spec.steps, spec.tol)
    k = len(spec.curves)

    def run_pass(n: int) -> Sweep:
        text = f"sweep of {n} α"
        job.progress(0.0, text)
        return run_sweep(
            land, spec.curves, start, spec.steps, log_grid(*ALPHA_RANGE, n), spec.tol, job.cancelled,
            lambda f: job.progress(f, text),
        )

    sizes = tuple(s for s in SWEEP_SIZES if s <= spec.max_points) or SWEEP_SIZES[:1]
    ladder = Ladder(
        sizes, lambda n: n * k, lambda n: f"{n} α", FIRST_MAX["sweep"], spec.steps,
        memo.first_cost(key, land, land.view), spec.budget,
    )
    for sw, plan in progressive(ladder, job, run_pass, memo, key):
        job.emit(sweep_result(land, sw, spec.curves, spec.start, plan, spec), plan.shielded)


# -- curvature and the gradient field ---------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CurvatureArrows:
    """Arrows along the Hessian's eigenvectors at some points, as segment pairs ``(2M, 2)``
    (draw with ``connect="pairs"``): ``up`` for positive curvature, ``down`` for negative.
    Each arrow's half-length is ``length * |lambda| / max|lambda|`` at its point, so the
    ratio of the two is the condition number (up to ``1/MIN_ARROW``: a flatter direction
    keeps a stub of ``MIN_ARROW`` so that it still shows)."""

    up: np.ndarray
    down: np.ndarray
    eigenvalues: np.ndarray  # (m, 2)
    condition: np.ndarray  # (m,)
    kind: np.ndarray  # (m,) str


def _arrow(a: np.ndarray, b: np.ndarray, head: float) -> list[np.ndarray]:
    """Segments of an arrow from ``a`` to ``b`` with a two-barbed head at ``b``."""
    d = b - a
    n = math.hypot(*d)
    if n == 0:
        return []
    u = d / n
    c, s = math.cos(math.radians(28)), math.sin(math.radians(28))
    left = np.array([u[0] * c - u[1] * s, u[0] * s + u[1] * c])
    right = np.array([u[0] * c + u[1] * s, -u[0] * s + u[1] * c])
    h = min(head, 0.45 * n)
    return [a, b, b, b - h * left, b, b - h * right]


def curvature_arrows(landscape: Landscape, points: np.ndarray, length: float) -> CurvatureArrows:
    """Two double-headed arrows per point along the eigenvectors of the Hessian there."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    c = curvature(landscape, pts)
    up: list[np.ndarray] = []
    down: list[np.ndarray] = []
    for p, ev, vec in zip(pts, c.eigenvalues, c.eigenvectors, strict=True):
        if not (np.all(np.isfinite(ev)) and np.all(np.isfinite(p))):
            continue
        top = float(np.max(np.abs(ev)))
        if top == 0.0:
            continue
        for lam, v in zip(ev, vec.T, strict=True):
            half = length * max(abs(float(lam)) / top, MIN_ARROW)
            a, b = p - half * v, p + half * v
            segs = _arrow(p, b, 0.35 * length * 0.5) + _arrow(p, a, 0.35 * length * 0.5)
            (up if lam >= 0 else down).extend(segs)
    return CurvatureArrows(_pairs(up), _pairs(down), c.eigenvalues, c.condition, c.kind)


def _pairs(points: list[np.ndarray]) -> np.ndarray:
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def describe_curvature(eigenvalues: np.ndarray, condition: float, kind: str) -> str:
    """``saddle · κ = 12.3 · λ = -2, 24.6``: one line for the readout beside an arrow pair."""
    if not np.all(np.isfinite(eigenvalues)):
        return "no finite Hessian here"
    cond = "∞" if not math.isfinite(condition) else f"{condition:.3g}"
    lams = ", ".join(f"{v:.3g}" for v in eigenvalues)
    return f"{kind} · κ = {cond} · λ = {lams}"


def gradient_arrows(landscape: Landscape, box: Box, n: int = 24) -> np.ndarray:
    """Downhill arrows (``-grad``, each normalised to 0.4 of a cell) on a cell-centred grid of
    ``n`` cells along the longer side of ``box``: segment pairs ``(2M, 2)``. Points where the
    gradient is zero or not finite get no arrow."""
    nx, ny = grid_shape(n, box)
    (x0, x1), (y0, y1) = box
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        g = np.asarray(landscape.grad(pts), dtype=np.float64)
        norm = np.hypot(g[:, 0], g[:, 1])
        ok = np.isfinite(norm) & (norm > 0)
        d = -g[ok] / norm[ok, None]
    cell = min(abs(x1 - x0) / nx, abs(y1 - y0) / ny)
    half = 0.4 * cell / 2
    c = pts[ok]
    tail, tip = c - half * d, c + half * d
    cs, sn = math.cos(math.radians(28)), math.sin(math.radians(28))
    left = np.column_stack([d[:, 0] * cs - d[:, 1] * sn, d[:, 0] * sn + d[:, 1] * cs])
    right = np.column_stack([d[:, 0] * cs + d[:, 1] * sn, -d[:, 0] * sn + d[:, 1] * cs])
    h = 0.7 * half
    segs = np.empty((c.shape[0], 6, 2))
    segs[:, 0], segs[:, 1] = tail, tip
    segs[:, 2], segs[:, 3] = tip, tip - h * left
    segs[:, 4], segs[:, 5] = tip, tip - h * right
    return segs.reshape(-1, 2)
