"""What a training run of a network looks like in numbers: losses and accuracies over the run,
and the predicted probability over the input plane (the decision-boundary picture).

All functions take weights of any leading shape ``(..., P)`` (for example a run's
``theta (B, N+1, P)``: every step of every racer) and evaluate them in batched chunks. Rows
that are not finite (a diverged racer's last step, the NaN padding after a row stopped) give
NaN, never a warning. Batch norm nets are evaluated with the training set's statistics at
the same weights (:mod:`engine.network.mlp`), so each number is a function of the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.cancel import check
from engine.network.mlp import Network
from engine.validate import check_int

Array = np.ndarray

MAX_GRID = 1024
_BLOCK_BYTES = 32 << 20  # points evaluated together (many of the network's chunks, for its threads)


@dataclass(frozen=True)
class Metrics:
    """Mean loss and accuracy on both splits, each of the weights' leading shape."""

    train_loss: Array
    val_loss: Array
    train_acc: Array
    val_acc: Array


def _finite_rows(net: Network, w: Array) -> tuple[Array, Array, tuple[int, ...]]:
    w = np.asarray(w, dtype=np.float64)
    net.layout.check(w)
    flat = w.reshape(-1, net.dim)
    ok = np.all(np.isfinite(flat), axis=1)
    return flat, ok, w.shape[:-1]


def evaluate(net: Network, w: Array, every: int = 1) -> Metrics:
    """Train and validation loss and accuracy at ``w (..., P)``. With ``every = k`` and ``w`` of
    shape ``(B, T, P)`` (a run's history), only steps ``0, k, 2k, ...`` (and the last) are
    evaluated, the others NaN: training curves at a fraction of the cost."""
    every = check_int("every", every, 1)
    w = np.asarray(w, dtype=np.float64)
    net.layout.check(w)
    flat, lead = w.reshape(-1, net.dim), w.shape[:-1]
    block = max(1, _BLOCK_BYTES // (8 * net.dim))
    ok = np.ones(flat.shape[0], dtype=bool)
    if every > 1:
        if len(lead) < 1:
            raise ValueError("every > 1 needs weights with a steps axis, shape (..., T, P)")
        t = lead[-1]
        keep = np.zeros(t, dtype=bool)
        keep[::every] = True
        keep[-1] = True
        ok &= np.broadcast_to(keep, lead).reshape(-1)
    out = [np.full(flat.shape[0], np.nan) for _ in range(4)]
    # a block of points at a time: a long run's finite points are not copied all at once
    for i in range(0, flat.shape[0], block):
        check()
        sel = ok[i : i + block]
        sel &= np.all(np.isfinite(flat[i : i + block]), axis=1)
        if not sel.any():
            continue
        rows = flat[i : i + block] if sel.all() else flat[i : i + block][sel]
        at = np.nonzero(sel)[0] + i
        out[0][at], out[2][at] = net.evaluate(rows, "train")
        out[1][at], out[3][at] = net.evaluate(rows, "val")
    return Metrics(*(a.reshape(lead) for a in out))


@dataclass(frozen=True)
class Field:
    """``p`` (probability of class 1) on a grid of inputs: ``p (..., ny, nx)`` at ``x1 (nx,)``
    by ``x2 (ny,)``; the decision boundary is its level 0.5."""

    x1: Array
    x2: Array
    p: Array


def probability_field(
    net: Network,
    w: Array,
    resolution: int = 64,
    box: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> Field:
    """The predicted probability on a ``resolution x resolution`` grid over ``box`` (default:
    the data's box with a margin, :meth:`~engine.network.data.DataSplit.box`), in the units
    the network sees (after standardisation), for each of the weights ``w (..., P)``."""
    resolution = check_int("resolution", resolution, 2, MAX_GRID)
    (a, b), (c, d) = net.data.box() if box is None else box
    if not all(np.isfinite(v) for v in (a, b, c, d)) or not (a < b and c < d):
        raise ValueError(f"invalid box {box}: needs finite lo < hi on both axes")
    x1, x2 = np.linspace(a, b, resolution), np.linspace(c, d, resolution)
    g1, g2 = np.meshgrid(x1, x2)
    pts = np.column_stack([g1.ravel(), g2.ravel()])
    flat, ok, lead = _finite_rows(net, w)
    p = np.full((flat.shape[0], pts.shape[0]), np.nan)
    if ok.any():
        p[ok] = net.predict(flat[ok], pts)
    return Field(x1, x2, p.reshape((*lead, resolution, resolution)))
