"""Convergence theory of gradient descent and momentum on a quadratic.

On ``f(w) = (w - w*)^T H (w - w*)/2`` with the eigenvalues of ``H`` in
``[lambda_min, lambda_max]``, ``lambda_min > 0``, gradient descent moves the error
``e = w - w*`` by ``e <- (I - alpha*H) e``: each eigen-component is multiplied by
``1 - alpha*lambda_i`` on every step. Everything below follows from that, and holds near any
minimum where the loss is close to its quadratic model (with ``H`` the Hessian there).

Sources: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods"
(1964), which introduced the heavy ball with these optimal settings, and his *Introduction to
Optimization* (1987), chapters 1 and 3; G. Goh, "Why Momentum Really Works", Distill (2017),
which derives every formula here in the lecture's notation.

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
    """``kappa = lambda_max / lambda_min``: how elongated the ravine is."""
    lo, hi = _check(lambda_min, lambda_max)
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
    about ``1 - 2/sqrt(kappa)``: the steps needed grow only like ``sqrt(kappa)``. (The
    iteration matrix has a double eigenvalue there, so the error decays like
    ``k * rate^k``; measured rates come out slightly above this over short runs.)"""
    r = math.sqrt(condition_number(lambda_min, lambda_max))
    return (r - 1.0) / (r + 1.0)


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


__all__ = [
    "condition_number",
    "gd_best_alpha",
    "gd_best_rate",
    "gd_rate",
    "gd_stability_limit",
    "measured_rate",
    "momentum_best",
    "momentum_best_rate",
]
