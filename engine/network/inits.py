"""Initial weights of a network: where every racer starts.

Biases start at 0 in every scheme; the weight matrices ``W_i`` (shape ``(fan_in, fan_out)``):

* ``zeros``: all 0. Every hidden unit of a layer then computes the same function and receives
  the same gradient, so they stay identical for ever (with tanh, whose value at 0 is 0, no
  hidden weight even moves: only the output bias gets a gradient). The start sits on a saddle
  or plateau of the landscape, the lecture's warning.
* ``small``: ``N(0, sigma^2)`` entries (default sigma 0.1): the symmetry is broken.
* ``glorot``: ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``, the "normalized
  initialization" of Glorot and Bengio (2010), eq. (16): variance ``2/(fan_in + fan_out)``,
  which keeps the activations' and the gradients' variances about constant across tanh layers.
* ``he``: ``N(0, 2/fan_in)``, He, Zhang, Ren and Sun (2015), eq. (10): the variance that keeps
  the activations' size constant across relu layers (which zero half their inputs).

The same rule applies to the output layer. The weights are drawn from
``numpy.random.default_rng(seed)`` layer by layer, each matrix row-major: the same
:class:`InitSpec` and layout always give the same start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.network.layout import Layout
from engine.validate import Range, check_int

Array = np.ndarray

KINDS = ("zeros", "small", "glorot", "he")


@dataclass(frozen=True)
class InitSpec:
    """How to draw the start: ``kind`` (zeros, small, glorot, he), ``sigma`` (small only), ``seed``."""

    kind: str = "glorot"
    sigma: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown init {self.kind!r} (choose from {', '.join(KINDS)})")
        object.__setattr__(self, "sigma", Range(1e-12, 100.0).check("sigma", self.sigma))
        object.__setattr__(self, "seed", check_int("seed", self.seed, 0, 2**32 - 1))

    def describe(self) -> str:
        if self.kind == "zeros":
            return "zeros"
        if self.kind == "small":
            return f"small (sigma {self.sigma:g}, seed {self.seed})"
        return f"{self.kind} (seed {self.seed})"


def init_weights(layout: Layout, spec: InitSpec) -> Array:
    """The flat start ``(P,)`` for ``layout``, drawn as the module docstring says."""
    rng = np.random.default_rng(spec.seed)
    layers = []
    for i in range(layout.n_layers):
        fi, fo = layout.shape(i)
        if spec.kind == "zeros":
            W = np.zeros((fi, fo))
        elif spec.kind == "small":
            W = rng.normal(0.0, spec.sigma, (fi, fo))
        elif spec.kind == "glorot":
            a = np.sqrt(6.0 / (fi + fo))
            W = rng.uniform(-a, a, (fi, fo))
        else:
            W = rng.normal(0.0, np.sqrt(2.0 / fi), (fi, fo))
        layers.append((W, np.zeros(fo)))
    return layout.flatten(layers)
