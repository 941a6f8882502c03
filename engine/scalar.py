"""The optimizer step on plain Python floats, for a few rows of a two-parameter landscape.

Why: on a handful of rows a numpy step costs its ~15 calls (about 0.5 us each), whatever the
numbers; the same arithmetic on Python floats costs 0.2-1.2 us per row. A live trajectory
(one racer recomputed while its alpha is dragged) is then 10-40 times faster, and seven
racers still beat one stacked numpy step. Large batches (basin maps) stay on numpy.

What: each row runs the unified rule of :mod:`engine.optimizers` with its own coefficients,
in the same order of operations as :meth:`engine.optimizers.Rule.update`, and the gradient
comes from the landscape's :meth:`~engine.landscapes.Landscape.grad_point`, which mirrors
its vectorised ``grad`` operation by operation. IEEE arithmetic (+, -, *, /, sqrt, and the
libm sin/cos numpy also uses) is exactly rounded, so a row gives the very numbers the numpy
path gives. Where a row skips work a stacked batch does (a gd row computes no second
moment), the skipped terms are the rule's neutral ones (``0*v``, ``/1``), exact for finite
values.

Python raises where numpy returns inf or NaN (a division by zero, an overflowing power):
such a step records NaN, so the simulation still reports the row diverged at that step.
Newton rows (a linear solve each step) and mini-batch gradients stay on numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from math import sqrt

import numpy as np

from engine.optimizers import Coeffs

# Rows up to which the float path is used. A numpy step costs ~8 us for any few rows; a
# float row costs 0.25 us (gd) to 1.2 us (adam): below ~10 rows the float path wins.
MAX_ROWS = 8

# Adam's bias-correction factors are tabulated by numpy in chunks of this many steps, as
# the numpy path does (engine.optimizers.Rule._tabulate_bias), so both use the same values.
_BIAS_CHUNK = 64

GradPoint = Callable[[float, float], "tuple[float, float]"]


class Row:
    """One row's point and optimizer state, advanced a block of steps at a time.

    :meth:`advance` returns the ``n`` points from the current one and leaves the row at the
    point after them (the numpy loop's order: store, then step).
    """

    __slots__ = ("bias1", "bias2", "c", "gp", "m0", "m1", "p0", "p1", "t", "v0", "v1", "x", "y")

    def __init__(self, grad_point: GradPoint, coeffs: Coeffs, x: float, y: float) -> None:
        self.gp = grad_point
        self.c = coeffs
        self.x, self.y = float(x), float(y)
        self.m0 = self.m1 = self.v0 = self.v1 = self.p0 = self.p1 = 0.0
        self.t = 0
        self.bias1: list[float] = [1.0]  # 1 - beta^t for t = 0, 1, ... (index t)
        self.bias2: list[float] = [1.0]

    def advance(self, n: int, step_after: bool) -> tuple[list[float], list[float]]:
        """The points ``theta_t .. theta_(t+n-1)``; then ``n-1`` steps, or ``n`` if
        ``step_after`` (the next block starts at the point after the last)."""
        xs: list[float] = []
        ys: list[float] = []
        k = n if step_after else n - 1
        try:
            if self.c.s != 0.0:
                self._adaptive(k, xs, ys)
            else:
                self._plain(k, xs, ys)
        except (ArithmeticError, ValueError):
            # numpy would have produced inf or NaN here: the rest of the row is NaN
            self.x = self.y = float("nan")
        while len(xs) < n:  # the last point of a block, or NaN after a raised step
            xs.append(self.x)
            ys.append(self.y)
        return xs, ys

    def _plain(self, k: int, xs: list[float], ys: list[float]) -> None:
        """gd, momentum, nesterov: ``p = mu*p - alpha*g`` at ``q = w + look*p``."""
        gp, c = self.gp, self.c
        na, mu, look = -c.alpha, c.mu, c.look
        x, y, p0, p1 = self.x, self.y, self.p0, self.p1
        ax, ay = xs.append, ys.append
        try:
            if mu == 0.0 and look == 0.0:  # gd: w += -(alpha*g)
                for _ in range(k):
                    ax(x)
                    ay(y)
                    gx, gy = gp(x, y)
                    x += na * gx
                    y += na * gy
            elif look == 0.0:  # momentum
                for _ in range(k):
                    ax(x)
                    ay(y)
                    gx, gy = gp(x, y)
                    p0 = mu * p0 + na * gx
                    p1 = mu * p1 + na * gy
                    x += p0
                    y += p1
            else:  # Nesterov: the gradient at the look-ahead point
                for _ in range(k):
                    ax(x)
                    ay(y)
                    gx, gy = gp(x + look * p0, y + look * p1)
                    p0 = mu * p0 + na * gx
                    p1 = mu * p1 + na * gy
                    x += p0
                    y += p1
        finally:
            self.x, self.y, self.p0, self.p1 = x, y, p0, p1

    def _bias_upto(self, t: int) -> tuple[list[float], list[float]]:
        c = self.c
        while len(self.bias1) <= t:
            lo = len(self.bias1)
            ts = np.arange(lo, lo + _BIAS_CHUNK, dtype=np.float64)
            self.bias1 += (1.0 - np.array(c.c1) ** ts).tolist()
            self.bias2 += (1.0 - np.array(c.c2) ** ts).tolist()
        return self.bias1, self.bias2

    def _adaptive(self, k: int, xs: list[float], ys: list[float]) -> None:
        """adam, rmsprop, adagrad: moments, bias correction, ``d = m^/(s*sqrt(v^) + e)``."""
        gp, c = self.gp, self.c
        na, mu, look = -c.alpha, c.mu, c.look
        am, bm, av, bv, s, e = c.am, c.bm, c.av, c.bv, c.s, c.e
        use_m = not (am == 0.0 and bm == 1.0)
        use_bias = c.c1 != 0.0 or c.c2 != 0.0
        b1, b2 = self._bias_upto(self.t + k) if use_bias else ((), ())
        x, y, m0, m1, v0, v1, p0, p1, t = self.x, self.y, self.m0, self.m1, self.v0, self.v1, self.p0, self.p1, self.t
        ax, ay = xs.append, ys.append
        try:
            for _ in range(k):
                ax(x)
                ay(y)
                if look != 0.0:
                    gx, gy = gp(x + look * p0, y + look * p1)
                else:
                    gx, gy = gp(x, y)
                t += 1
                if use_m:
                    m0 = am * m0 + bm * gx
                    m1 = am * m1 + bm * gy
                else:
                    m0, m1 = gx, gy
                v0 = av * v0 + (gx * gx) * bv
                v1 = av * v1 + (gy * gy) * bv
                if use_bias:
                    h0, h1 = m0 / b1[t], m1 / b1[t]
                    d0, d1 = sqrt(v0 / b2[t]), sqrt(v1 / b2[t])
                else:
                    h0, h1 = m0, m1
                    d0, d1 = sqrt(v0), sqrt(v1)
                if s != 1.0:
                    d0 *= s
                    d1 *= s
                d0 = h0 / (d0 + e)
                d1 = h1 / (d1 + e)
                if mu != 0.0:
                    p0 = mu * p0 + na * d0
                    p1 = mu * p1 + na * d1
                    x += p0
                    y += p1
                else:
                    x += na * d0
                    y += na * d1
        finally:
            self.x, self.y, self.m0, self.m1, self.v0, self.v1, self.p0, self.p1 = x, y, m0, m1, v0, v1, p0, p1
            self.t = t


def eligible(landscape, rule, rows: int, minibatch: object) -> bool:
    """Whether :func:`rows_for` applies: few rows, a 2-D landscape with a float gradient,
    full-batch gradients (``minibatch`` is None or false) and no Newton rows."""
    return (
        rows <= MAX_ROWS
        and not minibatch
        and landscape.dim == 2
        and getattr(landscape, "grad_point", None) is not None
        and not rule.newton_runs
    )


def rows_for(landscape, rule, w0: np.ndarray) -> list[Row]:
    """One :class:`Row` per start, each with its own coefficients from the rule."""
    return [
        Row(landscape.grad_point, Coeffs(*(float(v) for v in rule.coeffs[i])), w0[i, 0], w0[i, 1])
        for i in range(w0.shape[0])
    ]
