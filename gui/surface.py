"""The picture of a landscape: loss on a grid, its log-like colour scale and iso-lines.

Pure numpy (no Qt), so the worker builds it off the GUI thread; the contour view only hands
the arrays to items it already owns. Built once per landscape (name and parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.landscapes import CriticalPoint, Landscape

GRID = 251  # samples per axis over the view box; odd, so a symmetric view samples its centre
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


def build_surface(landscape: Landscape, key: object = None, n: int = GRID, pad: float = PAD) -> Surface:
    """Sample the loss over the view box widened by ``pad`` of its span on every side (so
    panning, zooming out or a window of another shape still shows the landscape); the
    colour scale and the iso-levels come from the view box itself."""
    (vxlo, vxhi), (vylo, vyhi) = landscape.view[:2]
    px, py = pad * (vxhi - vxlo), pad * (vyhi - vylo)
    xlo, xhi, ylo, yhi = vxlo - px, vxhi + px, vylo - py, vyhi + py
    m = round((n - 1) * (1 + 2 * pad)) + 1
    xs = np.linspace(xlo, xhi, m)
    ys = np.linspace(ylo, yhi, m)
    pts = np.empty((m, m, 2))
    pts[..., 0] = xs[None, :]
    pts[..., 1] = ys[:, None]
    with np.errstate(all="ignore"):
        loss = np.asarray(landscape.loss(pts), dtype=np.float64)
    inside = (
        (pts[..., 0] >= vxlo - 1e-12) & (pts[..., 0] <= vxhi + 1e-12)
        & (pts[..., 1] >= vylo - 1e-12) & (pts[..., 1] <= vyhi + 1e-12)
    )
    finite = np.isfinite(loss)
    ref = loss[finite & inside]
    if ref.size == 0:
        ref = np.zeros(1)
    minima = [cp for cp in landscape.critical_points if cp.kind == "minimum"]
    best = None
    if minima:
        with np.errstate(all="ignore"):
            vals = landscape.loss(np.array([cp.point for cp in minima], dtype=np.float64))
        best = float(np.min(vals))
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


# For each of the 16 corner patterns (bit 0: bottom-left, 1: bottom-right, 2: top-right,
# 3: top-left above the level) the cell edges a line crosses, as pairs; edges are 0: bottom,
# 1: right, 2: top, 3: left. The two saddle patterns (5 and 10) take one of their two
# readings; at the resolution of the grid either is a faithful picture.
_CASES: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((3, 0),), 2: ((0, 1),), 3: ((3, 1),), 4: ((1, 2),), 5: ((3, 2), (0, 1)),
    6: ((0, 2),), 7: ((3, 2),), 8: ((2, 3),), 9: ((0, 2),), 10: ((3, 0), (1, 2)),
    11: ((1, 2),), 12: ((1, 3),), 13: ((0, 1),), 14: ((3, 0),),
}


def iso_segments(z: np.ndarray, levels: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Marching squares, vectorised: segments of the iso-lines ``z == level`` for every
    level, as an array ``(2*M, 2)`` of consecutive endpoint pairs (draw with
    ``connect="pairs"``). ``z`` is ``(len(ys), len(xs))``."""
    out: list[np.ndarray] = []
    z00, z10 = z[:-1, :-1], z[:-1, 1:]  # bottom-left, bottom-right
    z11, z01 = z[1:, 1:], z[1:, :-1]  # top-right, top-left
    jj, ii = np.meshgrid(np.arange(z.shape[1] - 1), np.arange(z.shape[0] - 1))
    with np.errstate(all="ignore"):
        for level in levels:
            case = (
                (z00 > level).astype(np.int8)
                | ((z10 > level).astype(np.int8) << 1)
                | ((z11 > level).astype(np.int8) << 2)
                | ((z01 > level).astype(np.int8) << 3)
            )

            def edge_point(e: int, m: np.ndarray, level: float = level) -> np.ndarray:
                i, j = ii[m], jj[m]
                if e == 0:  # bottom: z00 -> z10 along x
                    a, b = z00[m], z10[m]
                    t = (level - a) / (b - a)
                    return np.stack([xs[j] + t * (xs[j + 1] - xs[j]), ys[i]], axis=-1)
                if e == 1:  # right: z10 -> z11 along y
                    a, b = z10[m], z11[m]
                    t = (level - a) / (b - a)
                    return np.stack([xs[j + 1], ys[i] + t * (ys[i + 1] - ys[i])], axis=-1)
                if e == 2:  # top: z01 -> z11 along x
                    a, b = z01[m], z11[m]
                    t = (level - a) / (b - a)
                    return np.stack([xs[j] + t * (xs[j + 1] - xs[j]), ys[i + 1]], axis=-1)
                a, b = z00[m], z01[m]  # left: z00 -> z01 along y
                t = (level - a) / (b - a)
                return np.stack([xs[j], ys[i] + t * (ys[i + 1] - ys[i])], axis=-1)

            for c, pairs in _CASES.items():
                m = case == c
                if not m.any():
                    continue
                for e1, e2 in pairs:
                    p, q = edge_point(e1, m), edge_point(e2, m)
                    seg = np.empty((2 * p.shape[0], 2))
                    seg[0::2], seg[1::2] = p, q
                    out.append(seg)
    if not out:
        return np.empty((0, 2))
    lines = np.concatenate(out)
    ok = np.all(np.isfinite(lines.reshape(-1, 4)), axis=1)
    return lines.reshape(-1, 4)[ok].reshape(-1, 2)
