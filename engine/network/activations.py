"""Hidden-unit activations, and the logistic function and softplus the losses are built on.

Each activation is a primitive that returns its value and its derivative together,
``f(z), f'(z)``: the backward pass needs ``f'`` at the same points, and most of it comes from
``f`` for free (``tanh' = 1 - tanh^2``). For forward-mode differentiation
(:mod:`engine.network.dual`) each also states its second derivative in terms of ``f`` and
``f'``, so that a :class:`~engine.network.dual.Dual` input gives duals out:

=========  ======================  ============================  ===========================
name       f(z)                    f'(z)                         f''(z)
=========  ======================  ============================  ===========================
tanh       tanh(z)                 1 - f^2                       -2 f f'
logistic   1/(1 + exp(-z))         f (1 - f) = e/(1 + e)^2       f' (1 - 2f)
relu       max(z, 0)               1 if z > 0 else 0             0
=========  ======================  ============================  ===========================

``relu'(0)`` is taken as 0 (PyTorch's convention), so at an all-zero initialisation a relu
unit passes no gradient at all.

Numerical care: the logistic function is computed from ``e = exp(-|z|)``, which never
overflows, as ``1/(1+e)`` for ``z >= 0`` and ``e/(1+e)`` otherwise, and its derivative as
``e/(1+e)^2``. Both keep full *relative* accuracy for every ``z`` (no ``1 - f`` cancellation),
so a saturated unit's tiny gradient is reported as tiny, never as an exact 0, and weights of
1e3 raise no warnings. ``softplus(z) = log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``.

Speed: the array functions consume their argument (they may overwrite it) and can write
``f`` into a given array, which saves allocations and copies on the training path; the
network always passes a temporary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.network.dual import Dual

Array = np.ndarray
_0 = np.array(0.0)
_1 = np.array(1.0)


def _tanh(z: Array, out: Array) -> tuple[Array, Array]:
    f = np.tanh(z, out)
    d = f * f
    np.subtract(_1, d, d)
    return f, d


def _logistic(z: Array, out: Array) -> tuple[Array, Array]:
    pos = z >= _0
    e = np.abs(z, z)
    np.negative(e, e)
    np.exp(e, e)  # e = exp(-|z|) in (0, 1]
    inv = e + _1
    np.reciprocal(inv, inv)  # 1/(1+e) = f(|z|)
    e *= inv  # e/(1+e) = f(-|z|)
    d = e * inv  # e/(1+e)^2
    np.copyto(out, e)
    np.copyto(out, inv, where=pos)
    return out, d


def _relu(z: Array, out: Array) -> tuple[Array, Array]:
    d = np.greater(z, _0).astype(np.float64)
    np.maximum(z, _0, out=out)
    return out, d


@dataclass(frozen=True)
class Activation:
    """``f(z), f'(z)`` of an activation; ``second(f, f')`` is ``f''`` (for dual numbers)."""

    name: str
    description: str
    pair: Callable[[Array, Array], tuple[Array, Array]]
    second: Callable[[Array, Array], Array]
    value: Callable[[Array, Array], Array]  # f alone, (z, out) -> out: a forward pass only

    def __call__(self, z: Array | Dual, out: Array | None = None) -> tuple[Array, Array] | tuple[Dual, Dual]:
        """``(f(z), f'(z))``. For arrays, ``z`` may be overwritten and ``f`` is written into
        ``out`` (default: ``z`` itself); ``f'`` is a new array."""
        if isinstance(z, Dual):
            f, d = self.pair(np.array(z.v, dtype=np.float64), np.empty(np.shape(z.v)))
            return Dual(f, d * z.t), Dual(d, self.second(f, d) * z.t)
        return self.pair(z, z if out is None else out)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", "tanh(z): centred, in (-1, 1)", _tanh, lambda f, d: -2.0 * f * d, np.tanh),
        Activation(
            "logistic", "1/(1+exp(-z)): in (0, 1), not centred", _logistic, lambda f, d: d * (1.0 - 2.0 * f),
            lambda z, out: _logistic(z, out)[0],
        ),
        Activation(
            "relu", "max(z, 0): no saturation for z > 0, dead for z < 0", _relu, lambda f, d: 0.0 * d,
            lambda z, out: np.maximum(z, _0, out=out),
        ),
    )
}

LOGISTIC = ACTIVATIONS["logistic"]


def logistic(z: Array | Dual) -> tuple[Array, Array] | tuple[Dual, Dual]:
    """``(sigma(z), sigma'(z))`` without overwriting ``z`` (the output unit's probability)."""
    if isinstance(z, Dual):
        return LOGISTIC(z)
    z = np.array(z, dtype=np.float64)
    return LOGISTIC.pair(z, z)


def softplus(z: Array | Dual) -> Array | Dual:
    """``log(1 + exp(z))``, overflow-free; its derivative is ``sigma(z)``."""
    if isinstance(z, Dual):
        s, _ = logistic(z.v)
        return Dual(softplus(z.v), s * z.t)
    return np.maximum(z, _0) + np.log1p(np.exp(-np.abs(z)))
