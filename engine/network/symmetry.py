"""Weight-space symmetry: why a network's loss cannot be convex, in numbers.

Permuting the units of a hidden layer (their incoming weights, i.e. the columns of ``W_l``,
their biases ``b_l``, and their outgoing weights, the rows of ``W_(l+1)``) gives a different
weight vector that computes exactly the same function (Bishop 2006, section 5.1.1): ``h!``
equivalent copies of every solution for a layer of ``h`` units. Batch norm is per unit, so
the same holds with it.

The degenerate net
------------------
Average a trained net over *all* permutations of a layer and every unit of that layer
becomes the same average unit (incoming column, bias and outgoing row each averaged over the
units). If the loss were convex, Jensen's inequality would give
``L(average of the permuted nets) <= average of their losses = L(trained)``: the average
could be no worse. On a trained net it is much worse (:func:`symmetry_report`), so the loss
is not convex.

Aligning two nets
-----------------
Two nets trained from different seeds are usually separated by a ridge of high loss on the
straight line between them, partly because their units are in different orders.
:func:`align` finds, per hidden layer, the permutation of the second net's units that best
matches the first's *weights* (weight matching, Ainsworth, Hayase and Srinivasa 2022, "Git
Re-Basin", section 3.2): maximise ``sum_l <Wa_l, P_l Wa'_l P_(l-1)^T>`` over permutation
matrices ``P_l``, where ``Wa_l = [W_l; b_l]`` holds each unit's incoming weights and bias as a
column. Each layer's permutation is a linear assignment problem given its neighbours'
(solved by ``scipy.optimize.linear_sum_assignment``); sweeps over the layers in a seeded
random order repeat until no permutation changes. The loss along the line after aligning
(:func:`alignment_report`) usually has a lower barrier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from engine.network.layout import Layout
from engine.network.mlp import Network
from engine.validate import check_int

Array = np.ndarray


def _hidden(layout: Layout, layer: int) -> int:
    """Check a 1-based hidden layer number."""
    n = len(layout.hidden)
    if n == 0:
        raise ValueError("the network has no hidden layer")
    return check_int("hidden layer", layer, 1, n)


def permute_units(layout: Layout, w: Array, layer: int, perm: Array) -> Array:
    """``w (..., P)`` with the units of hidden layer ``layer`` (1-based) reordered: new unit
    ``k`` is old unit ``perm[k]`` (its column of ``W_layer``, bias and row of ``W_(layer+1)``)."""
    layer = _hidden(layout, layer)
    perm = np.asarray(perm)
    h = layout.sizes[layer]
    if perm.shape != (h,) or not np.array_equal(np.sort(perm), np.arange(h)):
        raise ValueError(f"perm must be a permutation of range({h}) for hidden layer {layer}")
    layers = [(W.copy(), b.copy()) for W, b in layout.unflatten(np.asarray(w, dtype=np.float64))]
    W, b = layers[layer - 1]
    layers[layer - 1] = (W[..., :, perm], b[..., perm])
    W2, b2 = layers[layer]
    layers[layer] = (W2[..., perm, :], b2)
    return layout.flatten(layers)


def permute_all(layout: Layout, w: Array, perms: list[Array]) -> Array:
    """Apply one permutation per hidden layer (``perms[l-1]`` to layer ``l``)."""
    if len(perms) != len(layout.hidden):
        raise ValueError(f"need {len(layout.hidden)} permutations, one per hidden layer, got {len(perms)}")
    for layer, perm in enumerate(perms, start=1):
        w = permute_units(layout, w, layer, perm)
    return w


def random_permutations(layout: Layout, seed: int = 0) -> list[Array]:
    """One random permutation per hidden layer, from a seeded generator."""
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    return [rng.permutation(h) for h in layout.hidden]


def degenerate(layout: Layout, w: Array, layers: tuple[int, ...] | None = None) -> Array:
    """The average of ``w (..., P)`` over every permutation of the units of each hidden layer
    in ``layers`` (1-based; default all): every unit of such a layer gets the mean incoming
    column, the mean bias and the mean outgoing row. (The averages over different layers act
    on different axes, so their order does not matter.)"""
    chosen = range(1, len(layout.hidden) + 1) if layers is None else [_hidden(layout, k) for k in layers]
    out = [(W.copy(), b.copy()) for W, b in layout.unflatten(np.asarray(w, dtype=np.float64))]
    for layer in chosen:
        W, b = out[layer - 1]
        W[...] = W.mean(axis=-1, keepdims=True)
        b[...] = b.mean(axis=-1, keepdims=True)
        W2, _ = out[layer]
        W2[...] = W2.mean(axis=-2, keepdims=True)
    return layout.flatten(out)


def unit_spread(layout: Layout, w: Array) -> Array:
    """For each hidden layer, the largest difference between any unit's weights (incoming
    column, bias, outgoing row) and the layer's average unit: ``(..., P) -> (..., L)``.
    Zero when every unit of the layer is identical."""
    w = np.asarray(w, dtype=np.float64)
    avg = degenerate(layout, w)
    out = []
    for layer in range(1, len(layout.hidden) + 1):
        parts = [layout.layer_slice(layer - 1), layout.w_slice(layer)]
        out.append(np.max([np.abs(w[..., s] - avg[..., s]).max(axis=-1) for s in parts], axis=0))
    return np.stack(out, axis=-1) if out else np.zeros((*w.shape[:-1], 0))


def identical_units(layout: Layout, w: Array, rtol: float = 1e-12) -> Array:
    """Whether every unit of each hidden layer is the same, to ``rtol`` of the largest weight
    of the layer (rounding in the batched products can differ between units in the last bit):
    ``(..., P) -> (..., L)`` booleans."""
    w = np.asarray(w, dtype=np.float64)
    spread = unit_spread(layout, w)
    scales = []
    for layer in range(1, len(layout.hidden) + 1):
        parts = [layout.layer_slice(layer - 1), layout.w_slice(layer)]
        scales.append(np.max([np.abs(w[..., s]).max(axis=-1) for s in parts], axis=0))
    scale = np.stack(scales, axis=-1) if scales else spread
    return spread <= rtol * np.maximum(scale, np.finfo(float).tiny)


def align(layout: Layout, w_ref: Array, w: Array, max_sweeps: int = 100, seed: int = 0) -> tuple[Array, list[Array]]:
    """Permute the hidden units of ``w (P,)`` to match ``w_ref (P,)`` by weight matching (module
    docstring). Returns the aligned weights (the same function as ``w``) and the permutation
    of each hidden layer (new unit ``k`` is old unit ``perm[k]``)."""
    max_sweeps = check_int("sweeps", max_sweeps, 1, 10_000)
    w_ref, w = np.asarray(w_ref, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if w_ref.shape != (layout.size,) or w.shape != (layout.size,):
        raise ValueError(f"align takes two weight vectors of shape ({layout.size},)")
    n_hidden = len(layout.hidden)
    # augmented matrices [W; b], (fan_in + 1, fan_out): a unit's incoming weights are a column
    a = [w_ref[layout.layer_slice(i)].reshape(layout.sizes[i] + 1, -1) for i in range(layout.n_layers)]
    b = [w[layout.layer_slice(i)].reshape(layout.sizes[i] + 1, -1) for i in range(layout.n_layers)]
    perms = [np.arange(h) for h in layout.hidden]
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))

    def rows(i: int) -> Array:
        """Row order of layer i's augmented matrix of ``w``: the previous layer's permutation,
        the bias row fixed."""
        if i == 0:
            return np.arange(layout.sizes[0] + 1)
        return np.r_[perms[i - 1], layout.sizes[i]]

    for _ in range(max_sweeps):
        changed = False
        for layer in rng.permutation(n_hidden):
            # similarity of unit j of w_ref and unit k of w: incoming columns (with bias) and
            # outgoing rows, the neighbours' permutations fixed
            s = a[layer].T @ b[layer][rows(layer)]
            nxt = b[layer + 1][:-1]  # outgoing rows of w's units, without the bias row
            if layer + 1 < n_hidden:
                nxt = nxt[:, perms[layer + 1]]
            s += a[layer + 1][:-1] @ nxt.T
            _, col = linear_sum_assignment(s, maximize=True)
            if not np.array_equal(col, perms[layer]):
                perms[layer] = col
                changed = True
        if not changed:
            break
    return permute_all(layout, w, perms), perms


def line_losses(net: Network, w_a: Array, w_b: Array, n: int = 25) -> tuple[Array, Array]:
    """``(t, L((1-t) w_a + t w_b))`` at ``n`` evenly spaced ``t`` in [0, 1]."""
    n = check_int("points", n, 2, 10_000)
    t = np.linspace(0.0, 1.0, n)
    w_a, w_b = np.asarray(w_a, dtype=np.float64), np.asarray(w_b, dtype=np.float64)
    pts = (1.0 - t)[:, None] * w_a + t[:, None] * w_b
    return t, net.loss(pts)


def barrier(t: Array, losses: Array) -> float:
    """The largest rise of the loss along a line above the straight line joining its ends:
    ``max_t L(t) - ((1-t) L(0) + t L(1))`` (0 when the path is never above the chord)."""
    chord = (1.0 - t) * losses[0] + t * losses[-1]
    return float(max(0.0, np.max(losses - chord)))


@dataclass(frozen=True)
class SymmetryReport:
    """Training losses of a net, of the same net with every hidden layer's units permuted at
    random (equal up to rounding), and of the degenerate net (every layer averaged over all
    permutations). ``jensen_violated``: the degenerate net is worse, which no convex loss
    allows."""

    trained: float
    permuted: float
    degenerate: float
    jensen_violated: bool


def symmetry_report(net: Network, w: Array, seed: int = 0) -> SymmetryReport:
    """The lecture's argument on one weight vector ``w (P,)``."""
    lay = net.layout
    w = np.asarray(w, dtype=np.float64)
    pts = np.stack([w, permute_all(lay, w, random_permutations(lay, seed)), degenerate(lay, w)])
    trained, permuted, avg = (float(v) for v in net.loss(pts))
    return SymmetryReport(trained, permuted, avg, avg > trained)


@dataclass(frozen=True)
class AlignmentReport:
    """The loss along the straight line between two nets, before and after aligning the second
    to the first; ``t`` from 0 (the first) to 1 (the second); the barriers (:func:`barrier`)."""

    t: Array
    before: Array
    after: Array
    barrier_before: float
    barrier_after: float
    perms: list[Array]


def alignment_report(net: Network, w_a: Array, w_b: Array, n: int = 25, seed: int = 0) -> AlignmentReport:
    """Align ``w_b`` to ``w_a`` (:func:`align`) and compare the loss along both lines."""
    aligned, perms = align(net.layout, w_a, w_b, seed=seed)
    t, before = line_losses(net, w_a, w_b, n)
    _, after = line_losses(net, w_a, aligned, n)
    return AlignmentReport(t, before, after, barrier(t, before), barrier(t, after), perms)
