"""Losses of the output unit ``z`` against targets ``y`` in {0, 1}, with ``p = sigma(z)``.

The training loss is the mean over examples of a per-example loss ``l(z, y)``:

* ``xent`` (cross-entropy): ``l = -y log p - (1-y) log(1-p) = softplus(z) - y z``, computed
  from ``z`` so it is exact when ``p`` rounds to 0 or 1 (e.g. Goodfellow, Bengio and Courville
  2016, section 6.2.2.2); ``dl/dz = p - y``. The gradient never vanishes while the prediction
  is wrong.
* ``mse`` (squared error on the probability): ``l = (p - y)^2``, ``dl/dz = 2 (p - y) p'`` with
  ``p' = p (1 - p)``: a confidently wrong unit (``p`` near 0 or 1) has ``p'`` near 0 and
  barely learns, the plateau of logistic units with squared error.

Both are written with :func:`~engine.network.activations.logistic` and
:func:`~engine.network.activations.softplus`, so they accept dual numbers too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.network.activations import logistic, softplus
from engine.network.dual import Dual

Array = np.ndarray
Num = Array | Dual


def _xent(z: Num, y: Array) -> Num:
    return softplus(z) - y * z


def _xent_dz(z: Num, y: Array) -> Num:
    p, _ = logistic(z)
    return p - y


def _mse(z: Num, y: Array) -> Num:
    p, _ = logistic(z)
    r = p - y
    return r * r


def _mse_dz(z: Num, y: Array) -> Num:
    p, dp = logistic(z)
    return 2.0 * (p - y) * dp


@dataclass(frozen=True)
class Loss:
    """A per-example loss ``l(z, y)`` and its derivative ``dl/dz``."""

    name: str
    description: str
    value: Callable[[Num, Array], Num]
    dz: Callable[[Num, Array], Num]


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("xent", "cross-entropy, softplus(z) - y*z", _xent, _xent_dz),
        Loss("mse", "squared error on the probability, (p - y)^2", _mse, _mse_dz),
    )
}
