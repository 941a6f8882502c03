"""Choosing the learning rate on validation data, and reporting the test loss once.

The lecture's procedure ("alpha is a hyperparameter that we need to tune using
train/validation/test sets"; Goodfellow, Bengio and Courville 2016, section 5.3):

1. for every alpha of a grid, train on the training split for the same budget of steps
   (one batched sweep, :func:`engine.analysis.lr_sweep`);
2. pick the alpha whose final weights have the lowest loss on the validation split;
3. only then evaluate the loss on the test split, once, at the picked alpha's weights.

The test loss is an honest estimate of the loss on new data because nothing was chosen by
looking at it; the validation loss of the picked alpha is slightly optimistic, being the
least of many noisy values. :class:`Choice` also says which alpha the training loss alone
would have picked, so that a lesson can show why it is the wrong judge: it rewards weights
that fit the training split's noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.analysis import Sweep, lr_sweep
from engine.landscapes import Landscape
from engine.optimizers import make_optimizer
from engine.simulation import Status, simulate

Array = np.ndarray


@dataclass(frozen=True)
class Choice:
    """The outcome of :func:`choose_alpha`: the sweep it looked at, the index of the alpha
    picked on validation (``picked``) and of the one the training loss would pick
    (``by_train``), the picked run's final weights and their test loss."""

    sweep: Sweep
    picked: int
    by_train: int
    weights: Array  # (D,) final weights at the picked alpha
    test: float  # the test loss there, evaluated once

    @property
    def alpha(self) -> float:
        return float(self.sweep.alphas[self.picked])

    @property
    def validation(self) -> float:
        """The picked alpha's validation loss (the least on the grid)."""
        return float(self.sweep.validation[0, self.picked])


def choose_alpha(
    landscape: Landscape,
    optimizer: str,
    start: Sequence[float],
    steps: int,
    alphas: Array,
    *,
    hyper: dict[str, float] | None = None,
    tol: float = 1e-6,
    bound: float = 1e6,
) -> Choice:
    """Sweep ``alphas`` for ``optimizer`` from ``start`` with a budget of ``steps``, pick the
    alpha with the lowest validation loss, and evaluate the test loss there once.

    ``landscape`` must have ``validation_loss`` and ``test_loss`` (a data model with three
    splits). Runs that diverge are never picked; a ``ValueError`` says so if all did.
    """
    test_loss = getattr(landscape, "test_loss", None)
    if not callable(test_loss) or not callable(getattr(landscape, "validation_loss", None)):
        raise ValueError(f"{landscape.name} has no validation and test splits to choose alpha with")
    hyper = dict(hyper or {})
    hyper.pop("alpha", None)
    sweep = lr_sweep(landscape, [optimizer], start, steps, alphas=alphas, hyper={optimizer: hyper}, tol=tol,
                     bound=bound, workers=1)
    val, train = sweep.validation[0], sweep.train[0]
    if not np.isfinite(val).any():
        raise ValueError("every alpha of the grid diverged: nothing to choose")
    picked = int(np.nanargmin(val))
    by_train = int(np.nanargmin(train))
    # the picked run once more, for its weights (the sweep keeps only losses)
    opt = make_optimizer(optimizer, alpha=float(sweep.alphas[picked]), **hyper)
    out = simulate(landscape, opt, np.asarray(start, dtype=np.float64)[None], steps, tol=tol, bound=bound,
                   record=False)
    if out.status[0] in (Status.DIVERGED, Status.FAILED):  # cannot happen: the sweep ran it
        raise RuntimeError("the picked run diverged when run again")
    weights = out.theta[0].copy()
    return Choice(sweep, picked, by_train, weights, float(test_loss(weights)))


__all__ = ["Choice", "choose_alpha"]
