"""What the 3D view draws, as plain numpy: no Qt, no OpenGL.

A :class:`Relief` is a grid of losses over a rectangle of two coordinates, with its colour
values (the contour view's colour scale), iso-lines and critical points. It comes from a
landscape's :class:`~gui.surface.Surface` (:func:`relief_from_surface`, the part over the
view box) or from any grid of losses (:func:`relief_from_grid`): a network's loss over a
plane through its weights (``engine.network.slices.loss_slice``) is one, with the racers'
weights projected on the plane (``slices.project``) as the trajectories' coordinates.

:class:`Geometry` turns a relief into scene coordinates for one height scale, linear or
logarithmic: the longer side of the rectangle spans [-1, 1], the height [0, ``HEIGHT``].
Heights are ``loss`` (linear) or ``log10(loss - floor + delta)`` (log), the contour view's
colour scale (``gui.surface.log_scale``), so a landscape spanning decades (Rosenbrock's
ravine under walls a thousand times higher) keeps its valley floor visible. Trajectories
are drawn at their own loss on the same scale, so a point of a trajectory lies on the
surface to within the grid's interpolation error; lines are lifted by ``LIFT`` of the
height to stay in front of it.

The vertex colours are the theme's colour map at each point's colour value, lit by a fixed
light (Lambert's cosine law, ambient plus diffuse), so the shading stays put while the
camera turns, on screen and in exported frames alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gui.surface import Surface, iso_segments, log_scale

# vertices per axis at most: a landscape's view box, sampled 251 x 251 (gui.surface), is
# resampled to 201 x 201: 80 000 triangles instead of 125 000, the difference between 25
# and 35 frames per second in software (benchmarks/bench_view3d.py), and invisible
MESH = 201
HEIGHT = 0.9  # the height of the box in scene units (its longer side spans 2)
LIFT = 0.008  # lines and markers drawn this fraction of HEIGHT above the surface
LOG_DECADES = 2.0  # log heights by default when the top of the view is this many decades above its lower part
LIGHT_DIR = np.array([-0.45, -0.35, 1.0]) / np.linalg.norm([-0.45, -0.35, 1.0])  # from above, front left
AMBIENT = 0.5


class PathLike(Protocol):
    """What the 3D view needs of a trajectory (``gui.tracks.Track`` is one): its points in
    the relief's coordinates, the loss at each, the indices worth drawing (None: all)."""

    xy: np.ndarray
    loss: np.ndarray
    xy_keep: np.ndarray | None
    color: str
    label: str
    stop: int

    @property
    def n(self) -> int: ...

    @property
    def diverged(self) -> bool: ...

    def upto(self, k: int) -> int: ...


@dataclass(frozen=True, eq=False)
class Relief:
    """A loss grid over ``xs`` x ``ys``: ``loss`` and ``color`` are ``(len(ys), len(xs))``.

    ``color`` is the contour view's colour value at each point, ``crange`` its range;
    ``floor`` and ``delta`` define the log height ``log10(loss - floor + delta)``; ``iso``
    holds iso-line segments as point pairs ``(2M, 2)``; ``critical`` the critical points
    ``(x, y, kind)`` inside the rectangle; ``log_default`` whether heights start on a log
    scale. ``key`` identifies what it was made from (a surface, a slice)."""

    key: object
    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    color: np.ndarray
    crange: tuple[float, float]
    floor: float
    delta: float
    iso: np.ndarray
    critical: tuple[tuple[float, float, str], ...]
    axis_labels: tuple[str, str]
    title: str
    log_default: bool
    log_colors: bool = True  # the colour value is the log scale (else the loss itself)
    lift: float = LIFT  # how far above the surface lines and markers stand, as a fraction of HEIGHT

    @property
    def extent(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (float(self.xs[0]), float(self.xs[-1])), (float(self.ys[0]), float(self.ys[-1]))


def _inside(values: np.ndarray, lo: float, hi: float) -> slice:
    tol = 1e-9 * max(abs(hi - lo), 1.0)
    idx = np.nonzero((values >= lo - tol) & (values <= hi + tol))[0]
    return slice(int(idx[0]), int(idx[-1]) + 1)


def wants_log(loss: np.ndarray, floor: float, delta: float) -> bool:
    """Whether heights read better on a log scale: the top of the grid (its 99th
    percentile above the floor) stands ``LOG_DECADES`` decades or more above its lower part
    (the 10th percentile), as Rosenbrock's walls above its ravine do."""
    gap = loss[np.isfinite(loss)] - floor
    if gap.size == 0:
        return False
    lo, hi = np.percentile(gap, (10, 99))
    return bool(hi > 0 and math.log10((hi + delta) / (lo + delta)) >= LOG_DECADES)


def relief_from_surface(surface: Surface, most: int = MESH) -> Relief:
    """The part of ``surface`` over its view box, resampled to at most ``most`` samples per
    axis. The loss comes back from the colour value (``surface.z`` is ``log10(loss - floor +
    delta)`` when a minimum is known, else the loss itself, clipped far outside the view)."""
    (xlo, xhi), (ylo, yhi) = surface.extent
    ny, nx = surface.z.shape
    xs_all, ys_all = np.linspace(xlo, xhi, nx), np.linspace(ylo, yhi, ny)
    (vxlo, vxhi), (vylo, vyhi) = surface.view
    sx, sy = _inside(xs_all, vxlo, vxhi), _inside(ys_all, vylo, vyhi)
    xs, ys = xs_all[sx], ys_all[sy]
    z = surface.z[sy, sx]
    if max(xs.size, ys.size) > most:  # bilinear, on the colour scale (smooth where the loss is steep)
        nx2, ny2 = min(xs.size, most), min(ys.size, most)
        fx = np.linspace(0, xs.size - 1, nx2)
        fy = np.linspace(0, ys.size - 1, ny2)
        z = _resample(z, fy, fx)
        xs, ys = np.linspace(xs[0], xs[-1], nx2), np.linspace(ys[0], ys[-1], ny2)
    log_colors = surface.best is not None
    if log_colors:
        with np.errstate(all="ignore"):
            loss = surface.floor + np.maximum(10.0**z - surface.delta, 0.0)
    else:
        loss = z.copy()
    lines = surface.lines
    if lines.size:
        pairs = lines.reshape(-1, 4)
        ok = (
            (pairs[:, [0, 2]] >= xs[0]).all(axis=1) & (pairs[:, [0, 2]] <= xs[-1]).all(axis=1)
            & (pairs[:, [1, 3]] >= ys[0]).all(axis=1) & (pairs[:, [1, 3]] <= ys[-1]).all(axis=1)
        )
        lines = pairs[ok].reshape(-1, 2)
    critical = tuple(
        (float(cp.point[0]), float(cp.point[1]), cp.kind) for cp in surface.critical
        if xs[0] <= cp.point[0] <= xs[-1] and ys[0] <= cp.point[1] <= ys[-1]
    )
    return Relief(
        key=surface.key, xs=xs, ys=ys, loss=np.ascontiguousarray(loss), color=np.ascontiguousarray(z),
        crange=surface.zrange, floor=surface.floor, delta=surface.delta, iso=lines, critical=critical,
        axis_labels=surface.axis_labels, title=surface.title,
        log_default=log_colors and wants_log(loss, surface.floor, surface.delta), log_colors=log_colors,
    )


def _resample(z: np.ndarray, fy: np.ndarray, fx: np.ndarray) -> np.ndarray:
    """``z`` bilinear at fractional row indices ``fy`` and column indices ``fx``."""
    i0 = np.minimum(np.floor(fy).astype(np.int64), z.shape[0] - 2)
    j0 = np.minimum(np.floor(fx).astype(np.int64), z.shape[1] - 2)
    ty, tx = (fy - i0)[:, None], (fx - j0)[None, :]
    a, b = z[i0][:, j0], z[i0][:, j0 + 1]
    c, d = z[i0 + 1][:, j0], z[i0 + 1][:, j0 + 1]
    return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty


def relief_from_grid(
    xs: np.ndarray, ys: np.ndarray, loss: np.ndarray, *, title: str, axis_labels: tuple[str, str] = ("a", "b"),
    critical: tuple[tuple[float, float, str], ...] = (), key: object = None, levels: int = 12,
    lift: float = LIFT,
) -> Relief:
    """A relief of any loss grid ``(len(ys), len(xs))`` over increasing ``xs`` and ``ys``
    (a network's loss on a plane, ``engine.network.slices.loss_slice``, with the plane's
    coordinates as ``xs`` and ``ys``): colours and iso-lines on the log scale of the
    contour view, with the grid's own lowest point as the floor."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    loss = np.asarray(loss, dtype=np.float64)
    if xs.ndim != 1 or ys.ndim != 1 or xs.size < 2 or ys.size < 2 or loss.shape != (ys.size, xs.size):
        raise ValueError(f"a relief needs a loss grid of shape (len(ys), len(xs)), got {loss.shape}")
    if not (np.all(np.diff(xs) > 0) and np.all(np.diff(ys) > 0)):
        raise ValueError("a relief's coordinates must increase")
    finite = np.isfinite(loss)
    if not finite.any():
        raise ValueError("a relief needs at least one finite loss")
    floor = float(loss[finite].min())
    span = float(np.percentile(loss[finite], 99) - floor) or 1.0
    delta = 1e-3 * span
    filled = np.where(finite, loss, floor + span)
    color = log_scale(filled, floor, delta)
    lo, hi = float(color.min()), float(np.percentile(color, 99.5))
    hi = hi if hi > lo else lo + 1.0
    iso = iso_segments(color, np.linspace(lo, hi, levels + 2)[1:-1], xs, ys)
    return Relief(
        key=key, xs=xs, ys=ys, loss=filled, color=color, crange=(lo, hi), floor=floor, delta=delta, iso=iso,
        critical=tuple(critical), axis_labels=axis_labels, title=title, log_default=wants_log(filled, floor, delta),
        lift=lift,
    )


def colormap_lookup(cmap: tuple[tuple[float, tuple[int, int, int]], ...], t: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] of the colour map ``cmap`` (``Theme.cmap``: positions and colours,
    low loss first) at ``t`` in [0, 1], interpolated linearly as ``pg.ColorMap`` does."""
    pos = np.array([p for p, _c in cmap], dtype=np.float64)
    rgb = np.array([c for _p, c in cmap], dtype=np.float64) / 255.0
    t = np.clip(np.nan_to_num(t, nan=1.0), 0.0, 1.0)
    return np.stack([np.interp(t, pos, rgb[:, i]) for i in range(3)], axis=-1)


def grid_faces(ny: int, nx: int) -> np.ndarray:
    """Two triangles per cell of an ``ny`` x ``nx`` vertex grid (row-major), ``(F, 3)``."""
    i = np.arange((ny - 1) * (nx - 1))
    r, c = np.divmod(i, nx - 1)
    v = r * nx + c
    tri = np.empty((2 * v.size, 3), dtype=np.uint32)
    tri[0::2] = np.stack([v, v + 1, v + nx + 1], axis=1)
    tri[1::2] = np.stack([v, v + nx + 1, v + nx], axis=1)
    return tri


class Geometry:
    """A relief in scene coordinates for one height scale (``log`` or linear); see the
    module docstring. Everything is computed once here; a trajectory costs one
    :meth:`points` call."""

    def __init__(self, relief: Relief, log: bool) -> None:
        self.relief, self.log = relief, log
        (xlo, xhi), (ylo, yhi) = relief.extent
        self.center = ((xlo + xhi) / 2, (ylo + yhi) / 2)
        self.half = max(xhi - xlo, yhi - ylo) / 2 or 1.0
        h = self.height(relief.loss)
        finite = h[np.isfinite(h)]
        self.hlo = float(finite.min()) if finite.size else 0.0
        self.hhi = float(finite.max()) if finite.size else 1.0
        if not self.hhi > self.hlo:
            self.hhi = self.hlo + 1.0
        self.z = self.scene_z(h)  # (ny, nx)
        self.sx = (relief.xs - self.center[0]) / self.half
        self.sy = (relief.ys - self.center[1]) / self.half

    # -- mapping ------------------------------------------------------------------------
    def height(self, loss: np.ndarray) -> np.ndarray:
        """The height value of a loss: the loss itself, or its log above the floor."""
        loss = np.asarray(loss, dtype=np.float64)
        if self.log:
            return log_scale(loss, self.relief.floor, self.relief.delta)
        return loss

    def scene_z(self, h: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            z = (np.asarray(h, dtype=np.float64) - self.hlo) / (self.hhi - self.hlo) * HEIGHT
        return np.clip(np.nan_to_num(z, nan=HEIGHT, posinf=HEIGHT, neginf=0.0), 0.0, HEIGHT)

    def scene_xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(x) - self.center[0]) / self.half, (np.asarray(y) - self.center[1]) / self.half

    def data_xy(self, sx: float, sy: float) -> tuple[float, float]:
        """The relief's coordinates of a scene point (a click on the surface)."""
        return self.center[0] + sx * self.half, self.center[1] + sy * self.half

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        (xlo, xhi), (ylo, yhi) = self.relief.extent
        with np.errstate(invalid="ignore"):
            return (x >= xlo) & (x <= xhi) & (y >= ylo) & (y <= yhi)

    def surface_z(self, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
        """The mesh's height (scene units) at scene points, bilinear between vertices as
        the drawn triangles are (to within a cell's diagonal); NaN outside the rectangle."""
        sx, sy = np.asarray(sx, dtype=np.float64), np.asarray(sy, dtype=np.float64)
        nx, ny = self.sx.size, self.sy.size
        with np.errstate(invalid="ignore"):
            fx = (sx - self.sx[0]) / (self.sx[-1] - self.sx[0]) * (nx - 1)
            fy = (sy - self.sy[0]) / (self.sy[-1] - self.sy[0]) * (ny - 1)
        ok = (fx >= 0) & (fx <= nx - 1) & (fy >= 0) & (fy <= ny - 1)
        fx, fy = np.where(ok, fx, 0.0), np.where(ok, fy, 0.0)
        i0 = np.minimum(np.floor(fx).astype(np.int64), nx - 2)
        j0 = np.minimum(np.floor(fy).astype(np.int64), ny - 2)
        tx, ty = fx - i0, fy - j0
        z = self.z
        val = (
            z[j0, i0] * (1 - tx) * (1 - ty) + z[j0, i0 + 1] * tx * (1 - ty)
            + z[j0 + 1, i0] * (1 - tx) * ty + z[j0 + 1, i0 + 1] * tx * ty
        )
        return np.where(ok, val, np.nan)

    def pick(self, origin: np.ndarray, direction: np.ndarray, samples: int = 2048) -> tuple[float, float] | None:
        """The relief's coordinates where the ray ``origin + t * direction`` (scene units,
        ``t > 0``) first meets the surface, or None if it misses: sampled along the ray
        through the box, then refined by bisection."""
        o, d = np.asarray(origin, dtype=np.float64), np.asarray(direction, dtype=np.float64)
        reach = float(np.linalg.norm(o)) + 4.0  # past the far side of the box
        t = np.linspace(0.0, reach, samples)
        p = o[None, :] + t[:, None] * d[None, :]
        s = self.surface_z(p[:, 0], p[:, 1])
        with np.errstate(invalid="ignore"):
            below = p[:, 2] <= s
        hits = np.nonzero(below)[0]
        if hits.size == 0:
            return None
        j = int(hits[0])
        if j == 0:
            return self.data_xy(float(p[0, 0]), float(p[0, 1]))
        a, b = t[j - 1], t[j]
        for _ in range(40):
            m = 0.5 * (a + b)
            q = o + m * d
            sz = self.surface_z(np.array([q[0]]), np.array([q[1]]))[0]
            if np.isfinite(sz) and q[2] <= sz:
                b = m
            else:
                a = m
        q = o + b * d
        return self.data_xy(float(q[0]), float(q[1]))

    def points(self, xy: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scene points ``(n, 3)`` of trajectory points at their loss, lifted by the relief's ``lift``,
        and the mask of those inside the rectangle."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        out = np.empty((xy.shape[0], 3), dtype=np.float32)
        sx, sy = self.scene_xy(xy[:, 0], xy[:, 1])
        out[:, 0], out[:, 1] = sx, sy
        out[:, 2] = self.scene_z(self.height(loss)) + self.relief.lift * HEIGHT
        return out, self.inside(xy[:, 0], xy[:, 1])

    def segments(self, xy: np.ndarray, loss: np.ndarray) -> np.ndarray:
        """A trajectory as line segments ``(2S, 3)`` (pairs of points): those with both
        ends inside the rectangle (a run leaving the view is drawn up to its edge)."""
        n = min(xy.shape[0], loss.shape[0])
        if n < 2:
            return np.empty((0, 3), dtype=np.float32)
        pts, ok = self.points(xy[:n], loss[:n])
        keep = ok[:-1] & ok[1:]
        seg = np.empty((2 * int(keep.sum()), 3), dtype=np.float32)
        seg[0::2], seg[1::2] = pts[:-1][keep], pts[1:][keep]
        return seg

    # -- the mesh -----------------------------------------------------------------------
    def vertices(self) -> np.ndarray:
        ny, nx = self.z.shape
        v = np.empty((ny * nx, 3), dtype=np.float32)
        v[:, 0] = np.broadcast_to(self.sx[None, :], (ny, nx)).ravel()
        v[:, 1] = np.broadcast_to(self.sy[:, None], (ny, nx)).ravel()
        v[:, 2] = self.z.ravel()
        return v

    def faces(self) -> np.ndarray:
        return grid_faces(*self.z.shape)

    def normals(self) -> np.ndarray:
        """Unit normals ``(ny, nx, 3)`` of the height field (central differences)."""
        dzdy, dzdx = np.gradient(self.z, self.sy, self.sx)
        n = np.stack([-dzdx, -dzdy, np.ones_like(self.z)], axis=-1)
        return n / np.linalg.norm(n, axis=-1, keepdims=True)

    def colors(self, cmap: tuple[tuple[float, tuple[int, int, int]], ...], lift: float = 0.0) -> np.ndarray:
        """RGBA per vertex ``(ny*nx, 4)``: the colour map at the contour view's colour value,
        times ``AMBIENT + (1 - AMBIENT) * max(n . light, 0)``; ``lift`` brightens every
        colour towards white first (a dark theme's map, dark by design under light lines,
        would be lit into black)."""
        lo, hi = self.relief.crange
        base = colormap_lookup(cmap, (self.relief.color - lo) / (hi - lo))
        if lift:
            base = base + lift * (1.0 - base)
        lambert = np.clip(self.normals() @ LIGHT_DIR, 0.0, 1.0)
        rgb = base * (AMBIENT + (1.0 - AMBIENT) * lambert)[..., None]
        out = np.ones((rgb.shape[0] * rgb.shape[1], 4), dtype=np.float32)
        out[:, :3] = rgb.reshape(-1, 3)
        return out

    def iso_segments(self) -> np.ndarray:
        """The relief's iso-lines on the surface, ``(2M, 3)`` pairs, lifted a little less
        than the trajectories."""
        lines = self.relief.iso
        if lines.size == 0:
            return np.empty((0, 3), dtype=np.float32)
        sx, sy = self.scene_xy(lines[:, 0], lines[:, 1])
        out = np.empty((lines.shape[0], 3), dtype=np.float32)
        out[:, 0], out[:, 1] = sx, sy
        out[:, 2] = np.nan_to_num(self.surface_z(sx, sy), nan=0.0) + 0.5 * self.relief.lift * HEIGHT
        return out

    def critical_points(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Scene points ``(K, 3)`` of the critical points on the surface, and their kinds."""
        crit = self.relief.critical
        if not crit:
            return np.empty((0, 3)), ()
        xy = np.array([(x, y) for x, y, _k in crit], dtype=np.float64)
        sx, sy = self.scene_xy(xy[:, 0], xy[:, 1])
        z = np.nan_to_num(self.surface_z(sx, sy), nan=0.0) + self.relief.lift * HEIGHT
        return np.column_stack([sx, sy, z]), tuple(k for _x, _y, k in crit)

    def frame(self) -> np.ndarray:
        """The box's floor and its four vertical edges, as segments ``(2M, 3)``."""
        x0, x1 = float(self.sx[0]), float(self.sx[-1])
        y0, y1 = float(self.sy[0]), float(self.sy[-1])
        floor = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        seg = []
        for i in range(4):
            (ax, ay), (bx, by) = floor[i], floor[(i + 1) % 4]
            seg += [(ax, ay, 0.0), (bx, by, 0.0)]
        for x, y in floor:
            seg += [(x, y, 0.0), (x, y, HEIGHT)]
        return np.array(seg, dtype=np.float32)

    def height_label(self) -> str:
        return "log₁₀(loss − min + δ)" if self.log else "loss"


def track_segments(geometry: Geometry, path: PathLike, k: int) -> tuple[np.ndarray, np.ndarray | None]:
    """What the 3D view draws of ``path`` at animation step ``k``: its segments up to the
    head (the thinned points, as the contour view draws) and the head's scene point (None
    when the head is outside the rectangle)."""
    from gui.tracks import prefix

    n = path.upto(k)
    m = min(n, path.loss.shape[0])
    if m == 0:
        return np.empty((0, 3), dtype=np.float32), None
    sel = prefix(path.xy_keep, m)
    seg = geometry.segments(path.xy[sel], path.loss[sel])
    head, ok = geometry.points(path.xy[m - 1 : m], path.loss[m - 1 : m])
    return seg, (head[0] if ok[0] else None)


__all__ = [
    "HEIGHT", "LIFT", "MESH", "Geometry", "PathLike", "Relief", "colormap_lookup", "grid_faces",
    "relief_from_grid", "relief_from_surface", "track_segments", "wants_log",
]
