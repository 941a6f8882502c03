"""The loss on a plane through weight space, and the trajectories projected onto it.

A plane is an origin ``o`` and two directions ``d1, d2`` (each ``(P,)``); its point at
coordinates ``(a, b)`` is ``o + a d1 + b d2``. Three ways to choose one:

* :func:`pca_plane`: the two main directions (principal components) of the weights the
  trajectories visited, through their mean; the plane that shows the most of the paths
  (Li, Xu, Taylor, Studer and Goldstein 2018, "Visualizing the Loss Landscape of Neural
  Nets", section 7). Directions are orthonormal.
* :func:`random_plane`: two random directions, *filter-normalised* (Li et al. 2018, section
  4): each unit's part of a direction (the unit's incoming weights, a column of ``W_i``) is
  drawn from ``N(0, 1)`` and scaled to the norm of that unit's incoming weights at the origin,
  so that a step of 1 changes every unit by about its own size whatever the layer's scale.
  Bias entries of the directions are 0, as in Li et al. (who leave biases out). Units whose
  incoming weights are all zero get a zero direction (at an all-zero start the plane is
  undefined: a ValueError says so).
* :func:`endpoints_plane`: through the start and two racers' ends: ``o`` = start,
  ``d1`` = end_a - start, ``d2`` = end_b - start, so the start is at (0, 0), the racers' ends
  at (1, 0) and (0, 1).

:func:`captured` says how much of the trajectories the plane shows: the fraction of the
visited points' spread about their mean (sum of squared distances) that lies in the plane.
For the PCA plane it is the explained variance of its two components.

:func:`loss_slice` evaluates the training loss on a grid of coordinates. A net without batch
norm is evaluated with its first layer's pre-activation written as
``A1(a, b) = A1(o) + a A1(d1) + b A1(d2)`` (it is linear in the weights): three small products
once, then one matrix product with the grid's ``(1, a, b)`` rows per chunk; deeper layers mix
their three weight matrices per grid point, and every product is a batched BLAS call over a
chunk of grid points whose temporaries stay in cache. Nets with batch norm (whose statistics
are not linear in the weights) go through the network's own loss, point by point in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from engine.cancel import check
from engine.network.layout import Layout
from engine.network.mlp import Network
from engine.network.threads import map_chunks
from engine.validate import check_int

Array = np.ndarray

MAX_SLICE = 512
_BLOCK_BYTES = 32 << 20  # points taken together when measuring or projecting trajectories
# grid points per chunk: (points x width x examples) temporaries of about 2 MB
_CHUNK = 1 << 18


@dataclass(frozen=True)
class Plane:
    """``origin + a*d1 + b*d2``; ``kind`` says how it was chosen; ``captured`` the fraction of
    the trajectories' spread it holds (NaN when it was not made from trajectories)."""

    origin: Array
    d1: Array
    d2: Array
    kind: str
    captured: float = float("nan")

    def point(self, a: float, b: float) -> Array:
        return self.origin + a * self.d1 + b * self.d2


def _finite_points(trajectories: Array, p: int) -> Array:
    x = np.asarray(trajectories, dtype=np.float64)
    if x.shape[-1] != p:
        raise ValueError(f"trajectories must have shape (..., {p}), got {x.shape}")
    x = x.reshape(-1, p)
    x = x[np.all(np.isfinite(x), axis=1)]
    if x.shape[0] < 3:
        raise ValueError("need at least 3 finite points on the trajectories to choose a plane")
    return x


def _blocks(trajectories: Array, p: int) -> tuple[Callable[[], Iterator[Array]], int]:
    """The finite points of ``trajectories (..., P)`` in ``(k, P)`` blocks of some megabytes
    (a function that goes through them, as often as asked), and how many there are: the
    trajectories' spread is measured without a copy of all of them (on a large network they
    are most of the memory a run takes)."""
    x = np.asarray(trajectories, dtype=np.float64)
    if x.shape[-1] != p:
        raise ValueError(f"trajectories must have shape (..., {p}), got {x.shape}")
    x = x.reshape(-1, p)
    rows = max(1, _BLOCK_BYTES // (8 * p))
    ok = np.empty(x.shape[0], dtype=bool)
    for i in range(0, x.shape[0], rows):
        check()
        ok[i : i + rows] = np.all(np.isfinite(x[i : i + rows]), axis=1)
    count = int(ok.sum())
    if count < 3:
        raise ValueError("need at least 3 finite points on the trajectories to choose a plane")

    def blocks() -> Iterator[Array]:
        for i in range(0, x.shape[0], rows):
            check()
            sel = ok[i : i + rows]
            if sel.all():
                yield x[i : i + rows]
            elif sel.any():
                yield x[i : i + rows][sel]

    return blocks, count


def _mean(blocks: Callable[[], Iterator[Array]], count: int) -> Array:
    return sum(b.sum(axis=0) for b in blocks()) / count


def _basis(plane: Plane) -> Array:
    """An orthonormal basis ``(2, P)`` of the plane's directions."""
    q, r = np.linalg.qr(np.column_stack([plane.d1, plane.d2]))
    if abs(r[1, 1]) <= 1e-12 * max(abs(r[0, 0]), 1e-300):
        raise ValueError("the plane's two directions are parallel (or zero)")
    return q.T


def captured(plane: Plane, trajectories: Array) -> float:
    """Fraction in [0, 1] of the visited points' spread about their mean (sum of squared
    distances) that lies in the plane's directions."""
    blocks, count = _blocks(trajectories, plane.origin.shape[0])
    mean = _mean(blocks, count)
    basis = _basis(plane)
    total = inplane = 0.0
    for b in blocks():
        c = b - mean
        total += float(np.einsum("ij,ij->", c, c))
        ab = c @ basis.T
        inplane += float(np.einsum("ij,ij->", ab, ab))
    if total == 0.0:
        return 1.0
    return inplane / total


def pca_bytes(points: int, weights: int) -> int:
    """Bytes :func:`pca_plane` takes for ``points`` points of ``weights`` weights: its copy of
    the points, and the smaller of their scatter and Gram matrices with its eigenvectors."""
    return 8 * (points * weights + 2 * min(points, weights) ** 2)


def pca_plane(trajectories: Array) -> Plane:
    """The plane of the two principal components of the visited weights ``(..., P)`` (finite
    ones; every step of every racer), through their mean."""
    x = _finite_points(trajectories, np.shape(trajectories)[-1])  # (a copy: centred in place)
    mean = x.mean(axis=0)
    x -= mean
    check()
    m, p = x.shape
    if p <= m:  # the P x P scatter matrix: cheaper than an SVD of the (points x P) matrix
        ev, vec = np.linalg.eigh(x.T @ x)
        d1, d2 = vec[:, -1].copy(), vec[:, -2].copy()
    else:  # more weights than points (a large net): the points' M x M Gram matrix, whose
        # eigenvectors u give the same components x^T u / |x^T u| with the same eigenvalues
        ev, u = np.linalg.eigh(x @ x.T)
        d1, d2 = x.T @ u[:, -1], x.T @ u[:, -2]
        d1 /= np.linalg.norm(d1)
        d2 /= np.linalg.norm(d2)
    total = float(ev.sum())
    if ev[-2] <= 1e-12 * max(ev[-1], 1e-300):
        raise ValueError("the trajectories span fewer than two directions: no PCA plane")
    frac = float((ev[-1] + ev[-2]) / total)
    return Plane(mean, d1, d2, "pca", frac)


def random_plane(layout: Layout, w: Array, seed: int = 0) -> Plane:
    """Two filter-normalised random directions through ``w (P,)`` (module docstring)."""
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (layout.size,):
        raise ValueError(f"the origin must have shape ({layout.size},), got {w.shape}")
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    dirs = []
    for _ in range(2):
        d = np.zeros(layout.size)
        for i, (W, _) in enumerate(layout.unflatten(w)):
            r = rng.standard_normal(W.shape)
            norm_w = np.linalg.norm(W, axis=0)  # per unit: its incoming weights
            norm_r = np.linalg.norm(r, axis=0)
            d[layout.w_slice(i)] = (r * (norm_w / norm_r)).ravel()
        dirs.append(d)
    if not np.any(dirs[0]) or not np.any(dirs[1]):
        raise ValueError("every unit's incoming weights are zero here: filter-normalised directions are all zero")
    return Plane(w.copy(), dirs[0], dirs[1], "random")


def endpoints_plane(start: Array, end_a: Array, end_b: Array) -> Plane:
    """The plane through ``start`` (0, 0), ``end_a`` (1, 0) and ``end_b`` (0, 1)."""
    o, a, b = (np.asarray(v, dtype=np.float64) for v in (start, end_a, end_b))
    if not (o.shape == a.shape == b.shape) or o.ndim != 1:
        raise ValueError("start and the two ends must be weight vectors of the same shape (P,)")
    plane = Plane(o.copy(), a - o, b - o, "endpoints")
    _basis(plane)  # refuses parallel directions
    return plane


def with_captured(plane: Plane, trajectories: Array) -> Plane:
    """The same plane with ``captured`` measured on ``trajectories``."""
    return Plane(plane.origin, plane.d1, plane.d2, plane.kind, captured(plane, trajectories))


def project(plane: Plane, points: Array) -> Array:
    """Plane coordinates ``(a, b)`` of ``points (..., P)``: the least-squares ``(a, b)`` with
    ``origin + a d1 + b d2`` closest to each point (exact for points in the plane), NaN for
    non-finite points."""
    x = np.asarray(points, dtype=np.float64)
    d = np.stack([plane.d1, plane.d2])  # (2, P)
    m = np.linalg.inv(d @ d.T)
    p = d.shape[1]
    flat = x.reshape(-1, p)
    out = np.empty((flat.shape[0], 2))
    rows = max(1, _BLOCK_BYTES // (8 * p))  # a block at a time: no copy of all the points
    with np.errstate(invalid="ignore"):  # NaN rows (a stopped racer's padding) stay NaN
        for i in range(0, flat.shape[0], rows):
            check()
            out[i : i + rows] = ((flat[i : i + rows] - plane.origin) @ d.T) @ m
    return out.reshape((*x.shape[:-1], 2))


def loss_slice(
    net: Network,
    origin: Array,
    d1: Array,
    d2: Array,
    alphas: Array,
    betas: Array,
    *,
    precision: str = "float64",
    workers: int = 2,
) -> Array:
    """Training loss at ``origin + a d1 + b d2`` for every ``a`` in ``alphas`` and ``b`` in
    ``betas``: an array ``(len(betas), len(alphas))`` (rows follow ``b``, as an image).

    ``precision="float32"`` runs the pass of a net without batch norm in single precision
    (numpy's float32 ``tanh`` is several times faster than its float64 one): about three times
    faster in all, with relative errors below 1e-6 in the loss (checked by the tests),
    invisible on a contour picture; numbers the app reports use float64. ``workers`` threads share the grid's chunks
    (numpy releases the GIL inside its loops)."""
    p = net.dim
    o, u, v = (np.asarray(x, dtype=np.float64) for x in (origin, d1, d2))
    if not (o.shape == u.shape == v.shape == (p,)):
        raise ValueError(f"origin and directions must have shape ({p},)")
    if precision not in PRECISIONS:
        raise ValueError(f"invalid precision {precision!r} (choose from {', '.join(PRECISIONS)})")
    workers = check_int("workers", workers, 1, 64)
    alphas, betas = np.asarray(alphas, dtype=np.float64), np.asarray(betas, dtype=np.float64)
    for name, ax in (("alphas", alphas), ("betas", betas)):
        if ax.ndim != 1 or not 1 <= ax.size <= MAX_SLICE or not np.all(np.isfinite(ax)):
            raise ValueError(f"{name} must be 1 to {MAX_SLICE} finite numbers")
    ga, gb = np.meshgrid(alphas, betas)
    coef = np.column_stack([np.ones(ga.size), ga.ravel(), gb.ravel()])  # (G, 3): rows (1, a, b)
    basis = np.stack([o, u, v])
    if net.spec.batchnorm:
        return net.loss(coef @ basis).reshape(ga.shape)
    return _plane_losses(net, basis, coef, PRECISIONS[precision], workers).reshape(ga.shape)


PRECISIONS = {"float64": np.float64, "float32": np.float32}


def _plane_losses(net: Network, basis: Array, coef: Array, dtype: type, workers: int) -> Array:
    """Losses at the points ``coef @ basis`` (``basis`` (3, P): origin and two directions) of
    a net without batch norm, written so the big products are few (module docstring)."""
    lay = net.layout
    xa, y = net.train_columns
    n = xa.shape[1]
    act, loss = net.activation, net.loss_function
    # augmented weights [W; b] of every layer, for the origin and both directions: (3, fi+1, fo)
    wa = [basis[:, lay.layer_slice(i)].reshape(3, lay.sizes[i] + 1, lay.sizes[i + 1]) for i in range(lay.n_layers)]
    h1 = lay.sizes[1] if lay.n_layers > 1 else 1
    first = (wa[0].transpose(0, 2, 1) @ xa).reshape(3, -1).astype(dtype)  # A1 of o, d1, d2: (3, h1*n)
    later = [np.ascontiguousarray(m.reshape(3, -1), dtype=dtype) for m in wa[1:]]
    coef = coef.astype(dtype)
    y = y.astype(dtype)
    g = coef.shape[0]
    width = max(lay.sizes[1:])
    rows = max(1, _CHUNK // (n * width))
    out = np.empty(g)

    def chunk(s: int) -> None:
        c = coef[s : s + rows]
        k = c.shape[0]
        a = (c @ first).reshape(k, h1, n)
        h = a if lay.n_layers == 1 else _activate(act, a)
        for i, m in enumerate(later, start=1):
            fi, fo = lay.sizes[i], lay.sizes[i + 1]
            wat = np.ascontiguousarray((c @ m).reshape(k, fi + 1, fo).transpose(0, 2, 1))
            a = wat @ h
            h = a if i == lay.n_layers - 1 else _activate(act, a)
        out[s : s + k] = loss.value(h, y)[:, 0, :].mean(axis=-1, dtype=np.float64)

    map_chunks(chunk, range(0, g, rows), workers)
    return out


def _activate(act, a: Array) -> Array:
    """``act(a)`` with a row of ones appended (the next layer's bias), ``(k, h + 1, n)``."""
    buf = np.empty((a.shape[0], a.shape[1] + 1, a.shape[2]), dtype=a.dtype)
    buf[:, -1, :] = 1.0
    act.value(a, buf[:, :-1, :])
    return buf


def extent(plane: Plane, trajectories: Array, margin: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
    """``((a_lo, a_hi), (b_lo, b_hi))`` around the projected trajectories (and the origin),
    widened by ``margin`` of the range on each side: the window of a slice that shows them."""
    blocks, _ = _blocks(trajectories, plane.origin.shape[0])
    ab = np.vstack([project(plane, b) for b in blocks()] + [np.zeros((1, 2))])
    lo, hi = ab.min(axis=0), ab.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    lo, hi = lo - margin * span, hi + margin * span
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))
