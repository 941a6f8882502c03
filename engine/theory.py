"""Convergence theory of gradient descent and momentum on a quadratic.

On ``f(w) = (w - w*)^T H (w - w*)/2`` with the eigenvalues of ``H`` in
``[lambda_min, lambda_max]``, ``lambda_min > 0``, gradient descent moves the error
``e = w - w*`` by ``e <- (I - alpha*H) e``: each eigen-component is multiplied by
``1 - alpha*lambda_i`` on every step. Everything below follows from that, and holds near any
minimum where the loss is close to its quadratic model (with ``H`` the Hessian there).

Momentum keeps a velocity ``p`` (starting at 0). Along an eigenvector of eigenvalue ``lambda``,
with ``h = alpha*lambda``, the heavy ball ``p <- mu*p - alpha*g; w <- w + p`` moves the pair
``(e, p)`` by the matrix ``[[1 - h, mu], [-h, mu]]``, whose eigenvalues are the roots of
``z^2 - (1 + mu - h) z + mu = 0``; Nesterov's look-ahead ``p <- mu*p - alpha*g(w + mu*p)``
(Sutskever et al. 2013) by ``[[1 - h, mu(1 - h)], [-h, mu(1 - h)]]``, roots of
``z^2 - (1 - h)(1 + mu) z + mu(1 - h) = 0``. The larger ``|z|`` is the factor per step. At
``mu = 0`` both are gradient descent, ``z = 1 - h``.

Sources: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods"
(1964), which introduced the heavy ball with these optimal settings, and his *Introduction to
Optimization* (1987), chapters 1 and 3; G. Goh, "Why Momentum Really Works", Distill (2017),
which derives every formula here in the lecture's notation; I. Sutskever, J. Martens, G. Dahl
and G. Hinton, "On the importance of initialization and momentum in deep learning", ICML
(2013), for Nesterov's form; E. I. Jury's stability test for the limits (a quadratic
``z^2 + b z + c`` has both roots inside the unit circle iff ``|c| < 1`` and ``|b| < 1 + c``).

Rates are per step, for the distance ``|w_k - w*|``; the loss gap ``f(w_k) - f*`` is quadratic
in the distance, so it shrinks by the rate squared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.validate import check_positive


def _check(lambda_min: float, lambda_max: float) -> tuple[float, float]:
    lo = check_positive("lambda_min", lambda_min)
    hi = check_positive("lambda_max", lambda_max)
    if lo > hi:
        raise ValueError(f"invalid eigenvalues: lambda_min {lo:g} > lambda_max {hi:g}")
    return lo, hi


def condition_number(lambda_min: float, lambda_max: float) -> float:
    """``kappa = lambda_max / lambda_min``: how elongated the ravine is. Eigenvalues equal to
    rounding (they come from a numerical eigendecomposition: 0.9999999999999998 and 1.0 for a
    round bowl) give exactly 1, so that the best rates below are exactly 0, not 1e-16."""
    lo, hi = _check(lambda_min, lambda_max)
    if hi - lo <= 8.0 * math.ulp(hi):
        return 1.0
    return hi / lo


def gd_stability_limit(lambda_max: float) -> float:
    """Largest stable learning rate of gradient descent: it converges iff
    ``0 < alpha < 2/lambda_max``, when every factor ``|1 - alpha*lambda_i| < 1`` (Goh 2017).
    Above it the steepest component grows by ``|1 - alpha*lambda_max| > 1`` per step,
    oscillating across the ravine."""
    return 2.0 / check_positive("lambda_max", lambda_max)


def gd_rate(alpha: float, lambda_min: float, lambda_max: float) -> float:
    """Rate of gradient descent with learning rate ``alpha``:
    ``max(|1 - alpha*lambda_min|, |1 - alpha*lambda_max|)`` (the slowest eigen-component;
    >= 1 means no convergence)."""
    a = check_positive("alpha", alpha)
    lo, hi = _check(lambda_min, lambda_max)
    return max(abs(1.0 - a * lo), abs(1.0 - a * hi))


def gd_best_alpha(lambda_min: float, lambda_max: float) -> float:
    """The fixed learning rate that minimises :func:`gd_rate`: ``alpha = 2/(lambda_min +
    lambda_max)``, which balances ``1 - alpha*lambda_min = -(1 - alpha*lambda_max)``
    (Goh 2017)."""
    lo, hi = _check(lambda_min, lambda_max)
    return 2.0 / (lo + hi)


def gd_best_rate(lambda_min: float, lambda_max: float) -> float:
    """Rate of gradient descent at :func:`gd_best_alpha`: ``(kappa - 1)/(kappa + 1)``, with
    ``kappa = lambda_max/lambda_min``. About ``1 - 2/kappa`` for a long ravine: the steps
    needed grow in proportion to ``kappa``."""
    k = condition_number(lambda_min, lambda_max)
    return (k - 1.0) / (k + 1.0)


def momentum_best(lambda_min: float, lambda_max: float) -> tuple[float, float]:
    """Polyak's optimal heavy ball ``p <- mu*p - alpha*g; w <- w + p`` (the lecture's form):
    ``alpha = 4/(sqrt(lambda_max) + sqrt(lambda_min))^2``,
    ``mu = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2`` (Polyak 1964; Goh 2017, whose
    ``beta`` is ``mu``). Returns ``(alpha, mu)``."""
    lo, hi = _check(lambda_min, lambda_max)
    alpha = 4.0 / (math.sqrt(hi) + math.sqrt(lo)) ** 2
    return alpha, momentum_best_rate(lo, hi) ** 2


def momentum_best_rate(lambda_min: float, lambda_max: float) -> float:
    """Rate of the heavy ball at :func:`momentum_best`: ``(sqrt(kappa) - 1)/(sqrt(kappa) + 1)``,
    about ``1 - 2/sqrt(kappa)``: the steps needed grow only like ``sqrt(kappa)``. (Both
    extreme eigenvalues give a repeated root there, so the error decays like
    ``(a + b k) rate^k``: :func:`measured_momentum_rate` divides that ``k`` out.)"""
    r = math.sqrt(condition_number(lambda_min, lambda_max))
    return (r - 1.0) / (r + 1.0)


# -- momentum at any setting ---------------------------------------------------------------------


def _check_momentum(alpha: float, mu: float) -> tuple[float, float]:
    a = check_positive("alpha", alpha)
    if not (math.isfinite(mu) and 0.0 <= mu < 1.0):
        raise ValueError(f"invalid mu: {mu!r} (must be in [0, 1))")
    return a, float(mu)


def momentum_roots(alpha: float, mu: float, lam: float, nesterov: bool = False) -> tuple[complex, complex]:
    """The two factors per step along an eigenvector of eigenvalue ``lam`` (module
    docstring): roots of ``z^2 - b z + c`` with ``b = 1 + mu - h``, ``c = mu`` (heavy ball)
    or ``b = (1 - h)(1 + mu)``, ``c = mu(1 - h)`` (Nesterov), ``h = alpha*lam``; the one of
    larger modulus first. Complex roots mean the error swings around the minimum."""
    a, m = _check_momentum(alpha, mu)
    h = a * check_positive("lambda", lam)
    b, c = ((1.0 - h) * (1.0 + m), m * (1.0 - h)) if nesterov else (1.0 + m - h, m)
    d = b * b - 4.0 * c
    if d >= 0.0:
        s = math.sqrt(d)
        z1, z2 = (b + s) / 2.0, (b - s) / 2.0
        return (complex(z1), complex(z2)) if abs(z1) >= abs(z2) else (complex(z2), complex(z1))
    s = math.sqrt(-d) / 2.0
    return complex(b / 2.0, s), complex(b / 2.0, -s)


def momentum_rate(alpha: float, mu: float, lambda_min: float, lambda_max: float, nesterov: bool = False) -> float:
    """Rate per step of heavy-ball (or Nesterov) momentum on the quadratic: the largest
    ``|z|`` of :func:`momentum_roots` at the two extreme eigenvalues (in between it is no
    larger: Goh 2017, section "The Critical Damping Coefficient"). ``>= 1`` means no
    convergence. At ``mu = 0`` it is :func:`gd_rate`; at :func:`momentum_best` it is
    :func:`momentum_best_rate`."""
    lo, hi = _check(lambda_min, lambda_max)
    return max(abs(momentum_roots(alpha, mu, lam, nesterov)[0]) for lam in (lo, hi))


def momentum_stability_limit(mu: float, lambda_max: float, nesterov: bool = False) -> float:
    """The largest stable learning rate at momentum ``mu`` (Jury's test on the roots):
    heavy ball ``alpha < 2(1 + mu)/lambda_max``, Nesterov ``alpha < (2 + 2mu)/((1 + 2mu)
    lambda_max)``; both ``2/lambda_max`` at ``mu = 0``. Works on arrays of ``mu``."""
    hi = check_positive("lambda_max", lambda_max)
    m = np.asarray(mu, dtype=np.float64)
    if not np.all((m >= 0.0) & (m < 1.0)):
        raise ValueError("invalid mu: every value must be in [0, 1)")
    limit = (2.0 + 2.0 * m) / ((1.0 + 2.0 * m) * hi) if nesterov else 2.0 * (1.0 + m) / hi
    return float(limit) if limit.ndim == 0 else limit


def momentum_transient(alpha: float, mu: float, lam: float, n: int, nesterov: bool = False) -> np.ndarray:
    """``s_0 .. s_(n-1)``: the error along an eigenvector of eigenvalue ``lam`` after ``k``
    steps, for an error 1 and velocity 0 at the start (how every run here starts). With
    distinct roots ``s_k = c1 z1^k + c2 z2^k``; with a repeated root ``z``,
    ``s_k = (1 + c k) z^k``: the error falls like ``k z^k`` for a while, not like ``z^k``."""
    a, m = _check_momentum(alpha, mu)
    h = a * check_positive("lambda", lam)
    out = np.empty(n)
    e, p = 1.0, 0.0
    for k in range(n):
        out[k] = e
        p = m * (1.0 - h) * p - h * e if nesterov else m * p - h * e
        e = e + p
    return out


def measured_rate(values: Sequence[float] | np.ndarray, skip: float = 0.25, floor: float = 1e-12) -> float:
    """Linear convergence rate of a decaying sequence: the geometric mean of the ratios
    ``v[k+1]/v[k]`` over its tail, which telescopes to ``(v[b]/v[a])^(1/(b - a))``.

    Pass distances to the minimum ``|w_k - w*|`` to compare with the rates above; pass loss
    gaps ``f(w_k) - f*`` and the result is the square of that rate on a quadratic.

    The tail excludes the first ``skip`` fraction of the usable values (the transient, while
    faster components die out) and everything from the first value that is not finite, not
    positive, or below ``floor`` times the first value (there rounding, not the method,
    decides). Only the two ends of the tail count, so a sequence that oscillates (momentum's
    distances do) is best measured over a long tail. A rate >= 1 means no convergence.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if not 0.0 <= skip < 1.0:
        raise ValueError(f"invalid skip: {skip:g} (must be in [0, 1))")
    if v.size == 0 or not (np.isfinite(v[0]) and v[0] > 0.0):
        raise ValueError("values must start with a finite positive number")
    usable = np.isfinite(v) & (v > 0.0) & (v >= floor * v[0])
    end = v.size if usable.all() else int(np.argmin(usable))
    start = int(skip * end)
    if end - start < 2:
        raise ValueError(f"too few usable values to measure a rate ({end - start} in the tail)")
    a, b = start, end - 1
    return float(math.exp((math.log(v[b]) - math.log(v[a])) / (b - a)))


def _usable_end(v: np.ndarray, floor: float) -> int:
    usable = np.isfinite(v) & (v > 0.0) & (v >= floor * v[0])
    return v.size if usable.all() else int(np.argmin(usable))


def measured_momentum_rate(
    distances: Sequence[float] | np.ndarray,
    alpha: float,
    mu: float,
    lambda_min: float,
    lambda_max: float,
    nesterov: bool = False,
    skip: float = 0.25,
    floor: float = 1e-12,
) -> tuple[float, str]:
    """The rate per step of a momentum run (gd is ``mu = 0``) measured from its distances
    ``|w_k - w*|`` to the minimum of a quadratic, so that it compares with
    :func:`momentum_rate`. Returns ``(rate, how)``.

    The plain ratio of :func:`measured_rate` is biased where the theory's factor ``r^k``
    is not the whole story, over the few dozen steps a fast run lasts:

    * near a repeated root (Polyak's best setting is one) the error falls like
      ``(1 + c k) r^k``, and over a window from step 10 to step 40 the ``k`` alone makes the
      ratio read ``4^(1/30)``, 5%, above ``r``. ``how = "transient"``: the distances are
      divided by ``|s_k| / r^k`` of the slowest direction (:func:`momentum_transient`)
      first, which takes that factor out and leaves the rate.
    * with complex roots the run swings around the minimum and the distance rises and falls
      within each swing: the ratio depends on where the window's ends fall in a swing.
      ``how = "peaks"``: measured from the first to the last peak of the distance in the
      tail, which lie on the envelope ``r^k``.
    * otherwise (real, distinct roots) ``how = "plain"``: :func:`measured_rate`.
    """
    v = np.asarray(distances, dtype=np.float64).ravel()
    lo, hi = _check(lambda_min, lambda_max)
    if v.size == 0 or not (np.isfinite(v[0]) and v[0] > 0.0):
        raise ValueError("distances must start with a finite positive number")
    end = _usable_end(v, floor)
    start = int(skip * end)
    roots = {lam: momentum_roots(alpha, mu, lam, nesterov) for lam in (lo, hi)}
    r = max(abs(z[0]) for z in roots.values())
    if end - start < 3 or r == 0.0:
        return measured_rate(v, skip=skip, floor=floor), "plain"
    # the slowest direction; at a tie (Polyak's setting, or both swinging at sqrt(mu)) the
    # one whose transient leaves the straightest log-distance: the one that dominates it
    found = []
    for lam, (z1, z2) in roots.items():
        if abs(z1) < r * (1.0 - 1e-9):
            continue
        with np.errstate(all="ignore"):
            g = np.abs(momentum_transient(alpha, mu, lam, end, nesterov)) / r ** np.arange(end)
        tail = g[start:end]
        if not np.all(np.isfinite(tail)):
            continue
        swings = z1.imag != 0.0 and not tail.min() > 0.2 * tail.max()
        if swings:
            t = v[start:end]
            peaks = np.nonzero((t[1:-1] >= t[:-2]) & (t[1:-1] >= t[2:]))[0] + 1 + start
            if peaks.size >= 2:
                a, b = int(peaks[0]), int(peaks[-1])
                return float(math.exp((math.log(v[b]) - math.log(v[a])) / (b - a))), "peaks"
            # less than a swing in view: the ends where the transient is far from its zeros
            used = np.nonzero(tail >= 0.5 * tail.max())[0] + start
        elif tail.min() > 0.0 and abs(z1 - z2) < 0.5 * r:
            used = np.arange(start, end)
        else:
            continue
        a, b = int(used[0]), int(used[-1])
        if b - a < 2:
            continue
        y = np.log(v[used] / g[used])
        resid = y - np.polyval(np.polyfit(used, y, 1), used)
        rate = math.exp((y[-1] - y[0]) / (b - a))
        found.append((float(np.sqrt(np.mean(resid * resid))), rate))
    if found:
        return min(found)[1], "transient"
    return measured_rate(v, skip=skip, floor=floor), "plain"


def constant_curvature(landscape: object) -> tuple[float, float] | None:
    """``(lambda_min, lambda_max)`` of a landscape whose Hessian is the same everywhere and
    positive definite, else None: ``quadratic``, and the data models linear in their two
    weights (they say so with ``hessian_eigenvalues()``). Everything in this module then
    holds exactly, at every point."""
    from engine.landscapes import Quadratic

    if isinstance(landscape, Quadratic):
        lo, hi = landscape.eigenvalues
    else:
        f = getattr(landscape, "hessian_eigenvalues", None)
        if not callable(f):
            return None
        lo, hi = f()
    lo, hi = float(lo), float(hi)
    return (lo, hi) if 0.0 < lo <= hi and math.isfinite(hi) else None


__all__ = [
    "condition_number",
    "constant_curvature",
    "gd_best_alpha",
    "gd_best_rate",
    "gd_rate",
    "gd_stability_limit",
    "measured_momentum_rate",
    "measured_rate",
    "momentum_best",
    "momentum_best_rate",
    "momentum_rate",
    "momentum_roots",
    "momentum_stability_limit",
    "momentum_transient",
]
