"""Curvature of a network's loss: the extreme Hessian eigenvalues and per-layer gradient norms.

Sharpness against the learning rate
-----------------------------------
Gradient descent on a quadratic with largest curvature ``lambda_max`` is stable only while
``alpha < 2/lambda_max`` (each step multiplies the error along that eigenvector by
``1 - alpha*lambda_max``); plotted over training, ``lambda_max`` of a run at a fixed alpha tends to
rise until it hovers near ``2/alpha`` (Cohen et al. 2021, "the edge of stability").

Lanczos
-------
:func:`extreme_eigenvalues` runs the Lanczos iteration (Golub and Van Loan 2013, "Matrix
Computations", section 10.1) on exact Hessian-vector products (:meth:`Network.hvp`), with full
re-orthogonalisation, for every point of a batch at once. After ``k`` steps the extreme
eigenvalues of the ``k x k`` tridiagonal matrix (Ritz values) approximate the Hessian's from
inside the spectrum: ``theta_max <= lambda_max`` and ``theta_min >= lambda_min``. Each comes
with the residual ``r = |beta_k s_k|`` (``s`` its Ritz vector in the Krylov basis), which bounds
its distance to a true eigenvalue: some eigenvalue lies within ``r`` of it (Golub and Van Loan,
Theorem 10.1.2 / Parlett's bound). With ``k = P`` the values are exact to rounding.

Consequences a reader can rely on: a negative ``theta_min`` proves a direction of negative
curvature (it is a Rayleigh quotient); a positive ``theta_min`` with a small residual says the
point is a minimum of the quadratic model.

Where a run stalled
-------------------
:func:`critical_points` classifies the points where runs stopped on a small gradient, for the
window's Curvature tab and the command line's verdicts alike: it first finds the critical
point the run stopped near (Newton's method), then reads the signs of its extreme curvatures
with zero meaning "below float64's rounding of the Hessian-vector products"
(:func:`rounding_floor`), not a share of the largest curvature: an ill-conditioned minimum
(curvatures 0.02 and 45 000) keeps its small positive curvature, and a degenerate saddle (a
zero start: curvatures 0.25 and zeros, the way down of third order) is not called a true one.

:func:`exact_extremes` assembles the Hessian (``P`` products) and calls ``eigvalsh``: the
reference for small nets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.landscapes import kind_of
from engine.network.mlp import Network
from engine.validate import check_int

Array = np.ndarray


@dataclass(frozen=True)
class Extremes:
    """Smallest and largest Hessian eigenvalue estimates, each of the points' leading shape,
    with their residual bounds (0 when exact)."""

    lam_min: Array
    lam_max: Array
    res_min: Array
    res_max: Array


def _points(net: Network, w: Array, iters: int, seed: int) -> tuple[int, int, tuple[int, ...], Array, Array]:
    """The checked ``iters`` and ``seed``, and the points ``w (..., P)`` as ``lead`` (their
    leading shape), ``flat (m, P)`` and ``ok`` (which are finite: a diverged racer is not)."""
    iters = check_int("iters", iters, 1, 10_000)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    w = np.asarray(w, dtype=np.float64)
    net.layout.check(w)
    flat = w.reshape(-1, net.dim)
    return iters, seed, w.shape[:-1], flat, np.all(np.isfinite(flat), axis=1)


def extreme_eigenvalues(net: Network, w: Array, iters: int = 30, seed: int = 0) -> Extremes:
    """Lanczos estimates of the extreme Hessian eigenvalues at ``w (..., P)``: ``iters`` exact
    Hessian-vector products per point (capped at ``P``), batched over the points. Points that
    are not finite (a diverged racer) give NaN."""
    iters, seed, lead, flat, ok = _points(net, w, iters, seed)
    out = [np.full(flat.shape[0], np.nan) for _ in range(4)]
    if ok.any():
        for a, b in zip(out, _lanczos(net, flat[ok], iters, seed), strict=True):
            a[ok] = b
    return Extremes(*(a.reshape(lead) for a in out))


def _lanczos(net: Network, x: Array, iters: int, seed: int) -> tuple[Array, Array, Array, Array]:
    """``(theta_min, theta_max, res_min, res_max)`` for finite points ``x (r, P)``."""
    rng = np.random.default_rng(seed)
    t, _basis, beta = _krylov(net, x, rng.standard_normal(x.shape), min(iters, x.shape[1]), rng)
    theta, s = np.linalg.eigh(t)
    last = beta[:, None] * np.abs(s[:, -1, :])  # residual of each Ritz pair
    return theta[:, 0], theta[:, -1], last[:, 0], last[:, -1]


def _krylov(net: Network, x: Array, v: Array, k: int, rng: np.random.Generator) -> tuple[Array, Array, Array]:
    """``k`` Lanczos steps at points ``x (r, P)`` from start vectors ``v (r, P)``: the
    tridiagonal ``T (r, k, k)``, the orthonormal basis ``Q (r, k, P)`` (``T = Q H Q^T``) and
    ``|beta_k|`` (r,), the coupling to the next basis vector (0 when ``k = P``: then the Ritz
    values are the eigenvalues)."""
    r, p = x.shape
    basis = np.zeros((r, k + 1, p))
    alpha = np.zeros((r, k))
    beta = np.zeros((r, k))
    norm = np.linalg.norm(v, axis=1)
    fresh = norm == 0  # (a zero start, as a zero gradient: any direction will do)
    if fresh.any():
        v = v.copy()
        v[fresh] = rng.standard_normal((int(fresh.sum()), p))
        norm = np.linalg.norm(v, axis=1)
    basis[:, 0] = v / norm[:, None]
    for j in range(k):
        q = basis[:, j]
        u = net.hvp(x, q)
        alpha[:, j] = np.einsum("rp,rp->r", u, q)
        # full re-orthogonalisation against every basis vector so far (twice: "twice is
        # enough", Giraud et al. 2005), which subsumes the three-term recurrence
        for _ in range(2):
            u -= np.einsum("rk,rkp->rp", np.einsum("rkp,rp->rk", basis[:, : j + 1], u), basis[:, : j + 1])
        b = np.linalg.norm(u, axis=1)
        beta[:, j] = b
        if j + 1 == k:
            break
        # a row whose Krylov space is exhausted restarts from a fresh direction orthogonal to
        # its basis; beta = 0 then decouples the tridiagonal matrix, whose blocks still hold
        # exact eigenvalues
        scale = np.maximum(np.abs(alpha[:, : j + 1]).max(axis=1), 1e-300)
        done = b <= 1e-12 * scale
        if done.any():
            beta[done, j] = 0.0
            fresh = rng.standard_normal((int(done.sum()), p))
            sub = basis[done, : j + 1]
            for _ in range(2):
                fresh -= np.einsum("rk,rkp->rp", np.einsum("rkp,rp->rk", sub, fresh), sub)
            u[done] = fresh
            b = np.where(done, np.linalg.norm(u, axis=1), b)
        basis[:, j + 1] = u / b[:, None]
    t = np.zeros((r, k, k))
    idx = np.arange(k)
    t[:, idx, idx] = alpha
    t[:, idx[:-1], idx[1:]] = beta[:, :-1]
    t[:, idx[1:], idx[:-1]] = beta[:, :-1]
    last = np.zeros(r) if k == p else np.abs(beta[:, -1])  # the whole space: nothing left over
    return t, basis[:, :k], last


def along_run(net: Network, theta: Array, every: int = 10, iters: int = 30, seed: int = 0) -> tuple[Array, Extremes]:
    """The extreme eigenvalues along a run's history ``theta (B, T, P)`` at steps ``0, every,
    2*every, ...`` and the last: ``(steps (S,), Extremes of shape (B, S))``. Steps after a
    racer stopped (NaN padding) give NaN."""
    every = check_int("every", every, 1)
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim != 3:
        raise ValueError(f"a run's history has shape (racers, steps, P), got {theta.shape}")
    t = theta.shape[1]
    steps = np.unique(np.r_[np.arange(0, t, every), t - 1])
    return steps, extreme_eigenvalues(net, theta[:, steps], iters=iters, seed=seed)


def stability_ratio(lam_max: Array, alpha: float | Array) -> Array:
    """``alpha * lambda_max / 2``: below 1, gradient descent at ``alpha`` is stable along the
    sharpest direction of the local quadratic model; above 1 (``lambda_max > 2/alpha``) it
    overshoots there and the loss along that direction grows."""
    return np.asarray(alpha) * np.asarray(lam_max) / 2.0


def exact_extremes(net: Network, w: Array) -> tuple[Array, Array]:
    """``(lambda_min, lambda_max)`` from ``eigvalsh`` of the assembled Hessian (small nets)."""
    ev = np.linalg.eigvalsh(net.hessian(w))
    return ev[..., 0], ev[..., -1]


def rounding_floor(net: Network, scale: Array | float) -> Array:
    """The size below which a computed curvature cannot be told from zero in float64:
    ``(n + P) u max(scale, 1)``, with ``n`` the training examples, ``P`` the weights,
    ``u = 2^-53`` the unit roundoff and ``scale`` the largest curvature magnitude.

    Why: a Hessian-vector product sums one term per example, so each of its entries carries a
    rounding error of at most about ``n u`` times the terms' size (Higham 2002, "Accuracy and
    Stability of Numerical Algorithms", section 3.1), and the symmetric eigensolver adds a
    backward error of order ``P u |H|`` (Golub and Van Loan 2013, section 8.3); by Weyl's
    inequality no computed eigenvalue moves by more than these errors' norm. The terms are of
    the size of the Hessian's largest entries, or of order 1 where the loss (cross-entropy
    near ln 2, squared error below 1) and the weights are (hence ``max(scale, 1)``). Measured
    against the same products in 64-bit extended precision on the network lessons, the error
    of the assembled Hessian was at most 13 ``u |H|`` with ``n = 160``: the floor is at least
    ten times that."""
    return (net.n_train + net.dim) * _U * np.maximum(np.abs(np.asarray(scale, dtype=np.float64)), 1.0)


_U = np.finfo(np.float64).eps / 2  # unit roundoff of float64


def point_kind(ext: Extremes, zero: Array | float) -> Array:
    """The kind of each point from its extreme curvatures (:func:`engine.landscapes.kind_of`,
    the rule every classification uses): a curvature of size ``zero`` or less counts as zero
    (:func:`rounding_floor`); the residuals ``res_min`` and ``res_max`` widen the bounds."""
    return kind_of(ext.lam_min, ext.lam_max, zero, ext.res_min, ext.res_max)


EXACT_LIMIT = 400  # nets of up to this many weights (every lesson's): the assembled Hessian and eigh
CLASSIFY_ITERS = 60  # larger nets: Lanczos with this many products per point
REFINE_STEPS = 8  # Newton steps towards the critical point a run stopped near, at most
REFINE_REACH = 1e-2  # ... within this share of the weights' norm (at least 1) of where it stopped


@dataclass(frozen=True)
class CriticalPoints:
    """Where runs stopped with a small gradient, and the critical point each stopped near.

    ``kind``: :func:`point_kind` at the critical point (``"-"`` for a point that is not
    finite); ``at``: its extreme curvatures; ``here``: those at the given point itself;
    ``zero``: the rounding floor used; ``moved``: the distance from the given point to the
    critical point; ``grad``: the gradient norm there; ``delta``: the length of the Newton step
    still left there; ``reached``: whether that lies within the reach (else the run did not stop
    near a critical point: a loose tolerance on a gentle slope)."""

    kind: Array
    at: Extremes
    here: Extremes
    zero: Array
    moved: Array
    grad: Array
    delta: Array
    reached: Array

    @property
    def judged(self) -> Array:
        """``kind`` where a critical point was reached, ``"far"`` elsewhere (the words of
        :meth:`engine.landscapes.Landscape.critical_kinds`)."""
        return np.where(self.reached | (self.kind == "-"), self.kind, "far").astype(object)


def critical_points(net: Network, w: Array, iters: int = CLASSIFY_ITERS, seed: int = 0) -> CriticalPoints:
    """Classify the points ``w (..., P)`` where runs stopped, as the window's Curvature tab and
    the command line's verdicts both do.

    A run stops where its gradient is small, not zero, and the curvature there includes the
    gradient's own effect: at an all-zero start, a coupling between each output weight and
    its unit's bias equal to the output bias's gradient gives eigenvalues of exactly plus and
    minus that gradient, which vanish at the critical point itself. So first Newton's method,
    ``w <- w - H^+ g`` with the pseudo-inverse over the curvatures above the rounding floor,
    finds the critical point the run stopped near (as known critical points of the two-weight
    landscapes are polished): at most :data:`REFINE_STEPS` steps, each kept only while the
    gradient falls and the point stays within :data:`REFINE_REACH`. There the extreme
    curvatures decide the kind, zero meaning below :func:`rounding_floor`.

    Curvatures: the assembled Hessian and ``eigh`` for nets of up to :data:`EXACT_LIMIT`
    weights (exact to rounding); above, Lanczos (:func:`extreme_eigenvalues`'s iteration,
    ``iters`` products started from the gradient, whose Krylov space also gives the Newton
    step) with residual bounds."""
    iters, seed, lead, flat, ok = _points(net, w, iters, seed)
    m = flat.shape[0]
    nan = lambda: np.full(m, np.nan)
    at, here = [nan() for _ in range(4)], [nan() for _ in range(4)]
    zero, moved, grad, delta = nan(), nan(), nan(), nan()
    kind = np.full(m, "-", dtype=object)
    reached = np.zeros(m, dtype=bool)
    if ok.any():
        rng = np.random.default_rng(seed)
        start = flat[ok]
        x = start.copy()
        g = net.grad(x)
        gn = np.linalg.norm(g, axis=1)
        reach = REFINE_REACH * np.maximum(np.linalg.norm(start, axis=1), 1.0)
        r = x.shape[0]
        ext = [np.zeros(r) for _ in range(4)]
        floor, left = np.zeros(r), np.zeros(r)
        active = np.ones(r, dtype=bool)
        for step in range(REFINE_STEPS + 1):
            rows = np.nonzero(active)[0]
            t, q, beta = _subspace(net, x[rows], g[rows], iters, rng)
            theta, s = np.linalg.eigh(t)
            res = beta[:, None] * np.abs(s[:, -1, :])
            for a, v in zip(ext, (theta[:, 0], theta[:, -1], res[:, 0], res[:, -1]), strict=True):
                a[rows] = v
            floor[rows] = rounding_floor(net, np.max(np.abs(theta), axis=1))
            if step == 0:
                for a, v in zip(here, ext, strict=True):
                    a[np.nonzero(ok)[0]] = v
            # the Newton step on the curvatures above the floor: -Q^T S diag(1/theta) S^T Q g
            gq = g[rows] if q is None else np.einsum("rkp,rp->rk", q, g[rows])
            inv = np.where(np.abs(theta) > floor[rows, None], 1.0 / np.where(theta == 0, 1.0, theta), 0.0)
            y = np.einsum("rkj,rj->rk", s, np.einsum("rkj,rk->rj", s, gq) * inv)
            d = -(y if q is None else np.einsum("rkp,rk->rp", q, y))
            left[rows] = np.linalg.norm(d, axis=1)
            if step == REFINE_STEPS:
                break
            xn = x[rows] + d
            gnew = net.grad(xn)
            nn = np.linalg.norm(gnew, axis=1)
            good = np.isfinite(nn) & (nn < gn[rows]) & (np.linalg.norm(xn - start[rows], axis=1) <= reach[rows])
            took = rows[good]
            x[took], g[took], gn[took] = xn[good], gnew[good], nn[good]
            active[rows[~good]] = False
            if not active.any():
                break
        idx = np.nonzero(ok)[0]
        for a, v in zip(at, ext, strict=True):
            a[idx] = v
        zero[idx], grad[idx], delta[idx] = floor, gn, left
        moved[idx] = np.linalg.norm(x - start, axis=1)
        kind[idx] = point_kind(Extremes(*ext), floor)
        reached[idx] = moved[idx] + left <= reach
    shape = lambda a: a.reshape(lead)
    return CriticalPoints(
        shape(kind), Extremes(*(shape(a) for a in at)), Extremes(*(shape(a) for a in here)), shape(zero),
        shape(moved), shape(grad), shape(delta), shape(reached),
    )


def _subspace(net: Network, x: Array, g: Array, iters: int, rng: np.random.Generator
              ) -> tuple[Array, Array | None, Array]:
    """The Hessian at ``x (r, P)`` in a basis: ``(H, None, 0)`` assembled for a small net, else
    Lanczos from the gradient ``g``: ``(T, Q, |beta_k|)`` (:func:`_krylov`)."""
    if net.dim <= EXACT_LIMIT:
        return net.hessian(x), None, np.zeros(x.shape[0])
    return _krylov(net, x, g, min(iters, net.dim), rng)


def layer_grad_norms(net: Network, w: Array) -> Array:
    """The Euclidean norm of each layer's part of the gradient (``dL/dW_i`` and ``dL/db_i``
    together): ``(..., P) -> (..., n_layers)``. Saturated units and vanishing
    gradients show as the first layers' norms falling orders of magnitude below the last's."""
    w = np.asarray(w, dtype=np.float64)
    net.layout.check(w)
    lay = net.layout
    flat = w.reshape(-1, net.dim)
    ok = np.all(np.isfinite(flat), axis=1)  # a diverged racer's point gives NaN, not a warning
    out = np.full((flat.shape[0], lay.n_layers), np.nan)
    if ok.any():
        g = net.grad(flat[ok])
        out[ok] = np.stack([np.linalg.norm(g[:, lay.layer_slice(i)], axis=-1) for i in range(lay.n_layers)], axis=-1)
    return out.reshape((*w.shape[:-1], lay.n_layers))
