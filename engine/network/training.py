"""Training networks: several optimizers racing from one start, with the numbers a lecturer
reads off a run (the command line's ``train``, the network scenarios, the window).

:func:`train` runs :func:`engine.simulation.simulate` on the :class:`~engine.network.mlp.Network`
(the same optimizers, the same stopping rules and verdicts as on two weights) and adds what a
network has besides: validation loss and accuracy at every step (:mod:`engine.network.metrics`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.network.budget import check_run
from engine.network.inits import init_weights
from engine.network.metrics import Metrics, evaluate
from engine.network.mlp import Network
from engine.network.setup import NetworkSetup
from engine.optimizers import Optimizer
from engine.simulation import Run, simulate

Array = np.ndarray

CSV_HEADER = ("optimizer", "step", "train_loss", "val_loss", "grad_norm", "train_acc", "val_acc")


@dataclass(frozen=True, eq=False)
class Training:
    """A finished race: the setup, the network, the start, the run (``theta (B, N+1, P)``,
    losses and gradient norms, how each row ended), the metrics at every step and a name per
    racer (``gd``, ``gd #2`` for a second gd)."""

    setup: NetworkSetup
    net: Network
    start: Array
    run: Run
    metrics: Metrics
    names: tuple[str, ...]

    def csv(self) -> str:
        """``optimizer,step,train_loss,val_loss,grad_norm,train_acc,val_acc``, one row per racer
        and step up to the step it stopped at, full float64 precision (``repr``)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(CSV_HEADER)
        m, r = self.metrics, self.run
        for i, name in enumerate(self.names):
            for t in range(int(r.stop[i]) + 1):
                w.writerow([name, t, *(repr(float(a[i, t])) for a in (
                    r.loss, m.val_loss, r.grad_norm, m.train_acc, m.val_acc))])
        return out.getvalue()

    def arrays(self) -> dict[str, Array]:
        """What ``--npz`` writes: the data the network trained on (after standardisation, if
        asked), the start shared by every racer and each racer's final weights, per layer:
        ``X_train (n, d)``, ``y_train (n,)`` (0/1 floats), ``X_val``, ``y_val``, ``W1_init``,
        ``b1_init``, ..., and ``<racer>/W1``, ``<racer>/b1``, ..."""
        d, lay = self.net.data, self.net.layout
        out = {"X_train": d.x_train, "y_train": d.y_train, "X_val": d.x_val, "y_val": d.y_val}
        out |= {f"{k}_init": v for k, v in lay.arrays(self.start).items()}
        for i, name in enumerate(self.names):
            out |= {f"{name}/{k}": v for k, v in lay.arrays(self.run.final.theta[i]).items()}
        return out


def racer_names(optimizer: Optimizer) -> tuple[str, ...]:
    """Each member's name, ``#2``, ``#3`` ... for further copies of one optimizer."""
    seen: dict[str, int] = {}
    out = []
    for n in optimizer.names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} #{seen[n]}")
    return tuple(out)


def newton_racers(optimizer: Optimizer) -> int:
    """How many of the members need the Hessian (Newton's method)."""
    return sum(bool(m.definition.curvature) for m in optimizer.members)


def train(
    setup: NetworkSetup,
    optimizers: Sequence[Optimizer] | Optimizer,
    steps: int,
    *,
    batch_size: int | None = None,
    seed: int = 0,
    tol: float = 1e-6,
    bound: float = 1e6,
    net: Network | None = None,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Training:
    """Race ``optimizers`` (one :class:`Optimizer` or a list, stacked) from the setup's start
    for ``steps`` steps (full batch, or mini-batches of ``batch_size`` shuffled with
    ``seed``), then evaluate both splits at every step. ``net`` reuses a built network. A run
    too large to afford is refused first (:func:`engine.network.budget.check_run`)."""
    opt = optimizers if isinstance(optimizers, Optimizer) else Optimizer.stack(list(optimizers))
    check_run(setup.weights, steps, len(opt.members), newton_racers(opt))
    if net is None:
        net, start = setup.build()
    elif net.spec == setup.net and net.data.spec == setup.data:
        start = init_weights(net.layout, setup.init)
    else:
        raise ValueError("the network given is not the setup's")
    k = len(opt.members)
    run = simulate(
        net, opt, np.repeat(start[None], k, axis=0), steps, tol=tol, bound=bound,
        batch_size=batch_size, seed=seed, cancel=cancel,
        progress=None if progress is None else (lambda f: progress(0.9 * f)),
    )
    metrics = evaluate(net, run.theta)
    if progress is not None:
        progress(1.0)
    return Training(setup, net, start, run, metrics, racer_names(opt))
