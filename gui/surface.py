"""The picture of a landscape: loss on a grid, its log-like colour scale and iso-lines.

Pure numpy (no Qt), so the worker builds it off the GUI thread; the contour view only hands
the arrays to items it already owns. Built once per landscape (name and parameters).

What it costs: the iso-lines take 10-20 ms (contourpy). The loss on the grid is one batched
call, about 4 ms on an analytic landscape; a model trained on data pays for every example at
every point (logistic regression: 160 examples, about 0.3 s for the 501 x 501 grid). So the
window asks for a grid that fits ``budget`` seconds (:func:`grid_size`, priced by a probe):
251 samples across the view box when that fits, fewer (never below ``MIN_GRID``) for a data
model. The exported figures and the command line keep the full grid.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import contourpy
import numpy as np

from engine.landscapes import CriticalPoint, Landscape

GRID = 251  # samples per axis over the view box; odd, so a symmetric view samples its centre
MIN_GRID = 151  # the fewest the window takes for a costly landscape (about 5 px per sample)
SURFACE_SECONDS = 0.08  # the window's budget for the loss on the grid
LEVELS = 12
PAD = 0.5  # sampled beyond the view box on each side, as a fraction of its span


@dataclass(frozen=True, eq=False)
class Surface:
    """Everything the contour view draws for one landscape.

    ``z`` is the colour value ``log10(loss - floor + delta)`` on a ``(ny, nx)`` grid over
    ``extent``; ``lines`` are iso-line segments as consecutive point pairs ``(2*M, 2)``.
    """

    key: object
    view: tuple[tuple[float, float], tuple[float, float]]  # the landscape's view box
    extent: tuple[tuple[float, float], tuple[float, float]]  # what the grid covers
    z: np.ndarray
    zrange: tuple[float, float]
    lines: np.ndarray
    critical: tuple[CriticalPoint, ...]
    floor: float  # loss offset of the colour scale (min over the grid)
    delta: float
    best: float | None  # lowest known minimum value: the curves plot loss - best
    # (None: no minimum known, and the colours follow the loss itself, not its log)
    axis_labels: tuple[str, str]
    title: str


def log_scale(loss: np.ndarray, floor: float, delta: float) -> np.ndarray:
    """``log10(loss - floor + delta)``, the colour scale: a log that stays finite at the
    lowest point and shows the depth of a basin rather than its steep walls."""
    with np.errstate(all="ignore"):
        return np.log10(np.maximum(loss - floor, 0.0) + delta)


def grid_size(landscape: Landscape, budget: float, n: int = GRID, pad: float = PAD) -> int:
    """Samples across the view box for a grid whose loss takes about ``budget`` seconds at
    most: ``n``, or fewer (odd, at least ``MIN_GRID``) when one evaluation per point costs
    more. Priced by the best of two batched calls on 1024 points of the view."""
    (x0, x1), (y0, y1) = landscape.view[:2]
    g = np.linspace(0.0, 1.0, 32)
    pts = np.stack(np.meshgrid(x0 + (x1 - x0) * g, y0 + (y1 - y0) * g), axis=-1)
    cost = np.inf
    with np.errstate(all="ignore"):
        for _ in range(2):
            t = time.perf_counter()
            landscape.loss(pts)
            cost = min(cost, (time.perf_counter() - t) / pts[..., 0].size)
    per_side = math.sqrt(budget / max(cost, 1e-12))  # samples along the padded side
    fits = int((per_side - 1) / (1 + 2 * pad)) + 1
    return n if fits >= n else max(MIN_GRID, fits - (fits + 1) % 2)


def loss_grid(landscape: Landscape, pts: np.ndarray, threads: int = 1) -> np.ndarray:
    """The loss at the grid ``pts (ny, nx, 2)``, its rows split between ``threads`` threads
    (numpy lets go of Python's lock inside its loops: on two cores a model on data takes
    about two thirds of the time)."""
    def rows(part: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(landscape.loss(part), dtype=np.float64)

    if threads <= 1 or pts.shape[0] < 2 * threads:
        return rows(pts)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return np.concatenate(list(pool.map(rows, np.array_split(pts, threads, axis=0))), axis=0)


def build_surface(
    landscape: Landscape, key: object = None, n: int = GRID, pad: float = PAD, budget: float | None = None,
) -> Surface:
    """Sample the loss over the view box widened by ``pad`` of its span on every side (so
    panning, zooming out or a window of another shape still shows the landscape); the
    colour scale and the iso-levels come from the view box itself. ``budget``: take fewer
    than ``n`` samples across the view if the loss would take longer (:func:`grid_size`)."""
    if budget is not None:
        n = grid_size(landscape, budget, n, pad)
    (vxlo, vxhi), (vylo, vyhi) = landscape.view[:2]
    px, py = pad * (vxhi - vxlo), pad * (vyhi - vylo)
    xlo, xhi, ylo, yhi = vxlo - px, vxhi + px, vylo - py, vyhi + py
    m = round((n - 1) * (1 + 2 * pad)) + 1
    xs = np.linspace(xlo, xhi, m)
    ys = np.linspace(ylo, yhi, m)
    pts = np.empty((m, m, 2))
    pts[..., 0] = xs[None, :]
    pts[..., 1] = ys[:, None]
    loss = loss_grid(landscape, pts, threads=2 if budget is not None else 1)
    inside = (
        (pts[..., 0] >= vxlo - 1e-12) & (pts[..., 0] <= vxhi + 1e-12)
        & (pts[..., 1] >= vylo - 1e-12) & (pts[..., 1] <= vyhi + 1e-12)
    )
    finite = np.isfinite(loss)
    ref = loss[finite & inside]
    if ref.size == 0:
        ref = np.zeros(1)
    best = landscape.lowest_minimum
    floor = float(np.min(ref))
    span = float(np.percentile(ref, 99) - floor)
    span = span if span > 0 else 1.0
    delta = 1e-3 * span
    filled = np.where(finite, loss, floor + span)
    if best is not None:
        # log-like: the depth of the basins shows, not only their steep walls
        z = log_scale(filled, floor, delta)
        zin = z[inside]
        lo, hi = float(np.min(zin)), float(np.percentile(zin, 99.5))
    else:
        # no minimum (a saddle falls without end): a log of the distance to the view's
        # lowest point would paint everything but the edges one colour, so linear
        lo, hi = (float(v) for v in np.percentile(ref, (0.5, 99.5)))
        z = np.clip(filled, lo - (hi - lo), hi + (hi - lo))
    if hi <= lo:
        hi = lo + 1.0
    # iso-lines evenly spaced on the colour scale, skipping the very bottom (a dot)
    levels = np.linspace(lo, hi, LEVELS + 2)[1:-1]
    lines = iso_segments(z, levels, xs, ys)
    labels = tuple(landscape.axis_labels[:2]) if len(landscape.axis_labels) >= 2 else ("x", "y")
    return Surface(
        key=key,
        view=((vxlo, vxhi), (vylo, vyhi)),
        extent=((xlo, xhi), (ylo, yhi)),
        z=z,
        zrange=(lo, hi),
        lines=lines,
        critical=tuple(landscape.critical_points),
        floor=floor,
        delta=delta,
        best=best,
        axis_labels=labels,  # type: ignore[arg-type]
        title=landscape.label(),
    )


def iso_segments(z: np.ndarray, levels: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The iso-lines ``z == level`` of every level (contourpy's marching squares, linear
    interpolation along the cell edges), as an array ``(2*M, 2)`` of consecutive segment
    endpoint pairs (drawn with ``connect="pairs"``). ``z`` is ``(len(ys), len(xs))``."""
    gen = contourpy.contour_generator(
        xs, ys, np.ascontiguousarray(z, dtype=np.float64), line_type=contourpy.LineType.ChunkCombinedOffset,
    )
    out: list[np.ndarray] = []
    for points, offsets in gen.multi_lines(np.asarray(levels, dtype=np.float64)):
        p, o = points[0], offsets[0]  # one chunk: all the polylines of the level, end to end
        if p is None or len(p) < 2:
            continue
        joined = np.ones(len(p) - 1, dtype=bool)
        joined[o[1:-1] - 1] = False  # the last point of a polyline is not joined to the next one's first
        seg = np.empty((2 * int(joined.sum()), 2))
        seg[0::2], seg[1::2] = p[:-1][joined], p[1:][joined]
        out.append(seg)
    if not out:
        return np.empty((0, 2))
    lines = np.concatenate(out)
    ok = np.all(np.isfinite(lines.reshape(-1, 4)), axis=1)
    return lines.reshape(-1, 4)[ok].reshape(-1, 2)
