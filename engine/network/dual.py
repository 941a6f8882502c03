"""Dual numbers: forward-mode differentiation of numpy code, for exact Hessian-vector products.

A dual number is ``x + x' eps`` with ``eps^2 = 0``; arithmetic on it carries the directional
derivative ``x'`` along exactly (Griewank and Walther 2008, "Evaluating Derivatives", ch. 3).
Running the network's *gradient* code on weights ``Dual(w, v)`` therefore returns
``Dual(grad(w), H(w) v)``: the Hessian-vector product comes from the very code that computes
the gradient, with no second formula to drift from it, and with no truncation error (unlike
differencing the gradient, ``(grad(w + h v) - grad(w - h v)) / 2h``, whose error is
``O(h^2)`` plus rounding ``O(eps/h)``). Its only error is rounding, of the same order as the
gradient's own.

Value and tangent are separate arrays that broadcast against each other. That lets one pass
carry many directions at one point: a value of shape ``(M, 1, ...)`` with a tangent of shape
``(M, K, ...)`` computes the value once and ``K`` Hessian columns at once (``hessian``).

Only what the network's pass uses is defined: ``+ - * /`` (with arrays, scalars or duals),
``@``, ``sum``/``mean`` over an axis, ``sqrt``, reshaping and indexing of trailing axes. The
nonlinear functions (activations, softplus) are primitives that know their derivatives
(:mod:`engine.network.activations`). ``__array_ufunc__ = None`` makes numpy hand mixed
operations (``array * dual``) to the dual's reflected methods instead of treating the dual as
an object scalar.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class Dual:
    """``v + t eps`` with ``eps^2 = 0``; ``v`` and ``t`` broadcast against each other."""

    __slots__ = ("t", "v")
    __array_ufunc__ = None

    def __init__(self, v: Array, t: Array) -> None:
        self.v = v
        self.t = t

    @property
    def shape(self) -> tuple[int, ...]:
        return np.broadcast_shapes(np.shape(self.v), np.shape(self.t))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # -- arithmetic ------------------------------------------------------------------------
    def __add__(self, o: object) -> Dual:
        if isinstance(o, Dual):
            return Dual(self.v + o.v, self.t + o.t)
        return Dual(self.v + o, self.t)

    __radd__ = __add__

    def __sub__(self, o: object) -> Dual:
        if isinstance(o, Dual):
            return Dual(self.v - o.v, self.t - o.t)
        return Dual(self.v - o, self.t)

    def __rsub__(self, o: object) -> Dual:
        return Dual(o - self.v, -self.t)

    def __neg__(self) -> Dual:
        return Dual(-self.v, -self.t)

    def __mul__(self, o: object) -> Dual:
        # (a + a'e)(b + b'e) = ab + (a'b + ab')e
        if isinstance(o, Dual):
            return Dual(self.v * o.v, self.t * o.v + self.v * o.t)
        return Dual(self.v * o, self.t * o)

    __rmul__ = __mul__

    def __truediv__(self, o: object) -> Dual:
        # (a + a'e)/(b + b'e) = a/b + (a' - (a/b) b')/b e
        if isinstance(o, Dual):
            q = self.v / o.v
            return Dual(q, (self.t - q * o.t) / o.v)
        return Dual(self.v / o, self.t / o)

    def __rtruediv__(self, o: object) -> Dual:
        q = o / self.v
        return Dual(q, -q * self.t / self.v)

    def __matmul__(self, o: object) -> Dual:
        if isinstance(o, Dual):
            return Dual(self.v @ o.v, self.t @ o.v + self.v @ o.t)
        return Dual(self.v @ o, self.t @ o)

    def __rmatmul__(self, o: object) -> Dual:
        return Dual(o @ self.v, o @ self.t)

    # -- reductions and shape --------------------------------------------------------------
    def sum(self, axis: int, keepdims: bool = False) -> Dual:
        return Dual(self.v.sum(axis=axis, keepdims=keepdims), self.t.sum(axis=axis, keepdims=keepdims))

    def mean(self, axis: int, keepdims: bool = False) -> Dual:
        return Dual(self.v.mean(axis=axis, keepdims=keepdims), self.t.mean(axis=axis, keepdims=keepdims))

    def sqrt(self) -> Dual:
        r = np.sqrt(self.v)
        return Dual(r, self.t / (2.0 * r))

    @property
    def mT(self) -> Dual:
        """Swap the last two axes (numpy's ``ndarray.mT``)."""
        return Dual(np.swapaxes(self.v, -1, -2), np.swapaxes(self.t, -1, -2))

    def reshape_tail(self, k: int, tail: tuple[int, ...]) -> Dual:
        """Replace the last ``k`` axes by ``tail``, leading axes kept (see :func:`reshape_tail`)."""
        return Dual(reshape_tail(self.v, k, tail), reshape_tail(self.t, k, tail))

    def __getitem__(self, idx: object) -> Dual:
        # only indices of trailing axes (after an Ellipsis) make sense when v and t broadcast
        return Dual(self.v[idx], self.t[idx])


def reshape_tail(x: Array | Dual, k: int, tail: tuple[int, ...]) -> Array | Dual:
    """``x`` with its last ``k`` axes replaced by ``tail`` (the leading axes kept)."""
    if isinstance(x, Dual):
        return x.reshape_tail(k, tail)
    return x.reshape(x.shape[: x.ndim - k] + tail)


def sqrt(x: Array | Dual) -> Array | Dual:
    return x.sqrt() if isinstance(x, Dual) else np.sqrt(x)


def value(x: Array | Dual) -> Array:
    """The value part of a dual (an array is its own value)."""
    return x.v if isinstance(x, Dual) else x


def concat(parts: list[Array | Dual], axis: int) -> Array | Dual:
    """Join arrays (or duals) along a trailing ``axis`` (negative), after broadcasting their
    leading axes against each other (a dual's value and tangent separately)."""

    def join(arrays: list[Array]) -> Array:
        k = -axis
        lead = np.broadcast_shapes(*(a.shape[: a.ndim - k] for a in arrays))
        return np.concatenate([np.broadcast_to(a, lead + a.shape[a.ndim - k :]) for a in arrays], axis=axis)

    if not any(isinstance(p, Dual) for p in parts):
        return join(parts)
    duals = [p if isinstance(p, Dual) else Dual(p, np.zeros_like(p)) for p in parts]
    return Dual(join([d.v for d in duals]), join([d.t for d in duals]))
