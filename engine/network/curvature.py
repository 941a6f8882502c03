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
curvature (it is a Rayleigh quotient), so a run stalled there sits at a saddle; a positive
``theta_min`` with a small residual says the point is a minimum of the quadratic model.

:func:`exact_extremes` assembles the Hessian (``P`` products) and calls ``eigvalsh``: the
reference for small nets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def extreme_eigenvalues(net: Network, w: Array, iters: int = 30, seed: int = 0) -> Extremes:
    """Lanczos estimates of the extreme Hessian eigenvalues at ``w (..., P)``: ``iters`` exact
    Hessian-vector products per point (capped at ``P``), batched over the points. Points that
    are not finite (a diverged racer) give NaN."""
    iters = check_int("iters", iters, 1, 10_000)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    w = np.asarray(w, dtype=np.float64)
    net.layout.check(w)
    lead, p = w.shape[:-1], net.dim
    flat = w.reshape(-1, p)
    ok = np.all(np.isfinite(flat), axis=1)
    out = [np.full(flat.shape[0], np.nan) for _ in range(4)]
    if ok.any():
        for a, b in zip(out, _lanczos(net, flat[ok], iters, seed), strict=True):
            a[ok] = b
    return Extremes(*(a.reshape(lead) for a in out))


def _lanczos(net: Network, x: Array, iters: int, seed: int) -> tuple[Array, Array, Array, Array]:
    """``(theta_min, theta_max, res_min, res_max)`` for finite points ``x (r, P)``."""
    r, p = x.shape
    k = min(iters, p)
    rng = np.random.default_rng(seed)
    basis = np.zeros((r, k + 1, p))
    alpha = np.zeros((r, k))
    beta = np.zeros((r, k))
    v = rng.standard_normal((r, p))
    basis[:, 0] = v / np.linalg.norm(v, axis=1, keepdims=True)
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
    theta, s = np.linalg.eigh(t)
    last = np.abs(beta[:, -1])[:, None] * np.abs(s[:, -1, :])  # residual of each Ritz pair
    if k == p:
        last = np.zeros_like(last)  # the whole space: Ritz values are the eigenvalues
    return theta[:, 0], theta[:, -1], last[:, 0], last[:, -1]


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


def point_kind(ext: Extremes, tol: float = 1e-6) -> Array:
    """``"saddle"`` where ``lam_min < -tol*scale`` (a proven direction of descent),
    ``"minimum"`` where ``lam_min - res_min > tol*scale`` (every curvature positive), else
    ``"flat"`` (no curvature resolved either way: a plateau, or a degenerate point), with
    ``scale = max(|lam_max|, 1)``. Strings of the points' shape."""
    lo, hi, res = (np.asarray(a, dtype=np.float64) for a in (ext.lam_min, ext.lam_max, ext.res_min))
    thr = tol * np.maximum(np.abs(hi), 1.0)
    out = np.full(lo.shape, "flat", dtype=object)
    out[lo - res > thr] = "minimum"
    out[lo < -thr] = "saddle"
    return out


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
