"""How a run ended, decided from the evidence at its last point, in words a student can act on.

The simulation says only *why a row stopped*: ``|grad| < tol`` (converged), a step out of
bounds (diverged), a singular Newton system (failed), or the step budget. Whether a stop with
a small gradient is a minimum is a separate question, answered here from the local quadratic
model of the loss at the last point ``w`` (Nocedal and Wright 2006, sections 2.1-2.2):

    f(w + d) ~ f(w) + g.d + d.H.d/2,    H = sum_i lambda_i v_i v_i^T

Along each eigenvector ``v_i`` the model's critical point is ``|g_i| / |lambda_i|`` away
(``g_i = v_i.g``), so ``delta = sqrt(sum_i (g_i/lambda_i)^2)`` is the length of the Newton
step, the distance to the model's critical point. When ``H`` is positive definite the model's
minimum is ``delta`` away and ``drop = sum_i g_i^2 / (2 lambda_i)`` lower. A small gradient
means little on its own: with weak curvature even a tiny gradient leaves the minimum far away.
So a row that converged is judged by:

* ``delta <= NEAR * diagonal`` (the critical point lies within 1 % of the view's diagonal)
  and the signs of the eigenvalues (:func:`engine.landscapes.point_kind`): a minimum, a
  saddle, a maximum, or a degenerate point; a known critical point there (the monkey
  saddle's, whose Hessian is zero) names its own kind;
* otherwise, when every eigenvalue is near zero (``|lambda| <= FLAT`` times the landscape's
  typical curvature, the median over its view): a plateau, whatever the gradient;
* otherwise: a small gradient, not at a minimum (a loose ``tol``): the text says how far and
  how much lower the model puts the minimum.

A landscape that classifies its own stops (:meth:`engine.landscapes.Landscape.critical_kinds`:
a network, whose verdicts must say what its window's Curvature tab says) is judged by that
classifier instead: the kind of the critical point the run stopped near, a plateau where no
curvature is resolved, a small gradient where no critical point is near.

A minimum whose loss lies clearly above the lowest known minimum is called a local one. A row
that diverged on a landscape that is unbounded below (``x^2 - y^2``) is blamed on the
landscape when its loss went to minus infinity, not on alpha.

Callers get a :class:`Verdict` (a kind and a text), never a string to parse back.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

import numpy as np

from engine.landscapes import Landscape, point_kind
from engine.simulation import Outcome, Status

Array = np.ndarray

NEAR = 1e-2  # "at a critical point": within this share of the view's diagonal
FLAT = 1e-2  # "near-zero curvature": below this share of the landscape's typical curvature
LOCAL = 1e-3  # "clearly above the lowest known minimum": by this share of the loss range


class Kind(Enum):
    """How a run ended."""

    MINIMUM = "minimum"  # at a minimum
    SADDLE = "saddle"  # zero gradient at a saddle point
    MAXIMUM = "maximum"  # zero gradient at a maximum
    DEGENERATE = "degenerate"  # zero gradient, zero curvature along some direction
    PLATEAU = "plateau"  # gradient and curvature both near zero
    SMALL_GRADIENT = "small gradient"  # under tol, but the minimum is still some way off
    UNCONVERGED = "unconverged"  # out of steps
    DIVERGED = "diverged"  # the steps grew without bound
    UNBOUNDED = "unbounded"  # slid down a loss that has no floor
    FAILED = "failed"  # singular Newton system

    @property
    def bad(self) -> bool:
        return self in (Kind.DIVERGED, Kind.UNBOUNDED, Kind.FAILED)


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    text: str

    @property
    def good(self) -> bool:
        """Reached a minimum."""
        return self.kind is Kind.MINIMUM

    @property
    def bad(self) -> bool:
        """Diverged or failed."""
        return self.kind.bad

    def __str__(self) -> str:
        return self.text


# -- the landscape's own scales ----------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """What "near", "flat" and "clearly above" mean on one landscape."""

    diagonal: float  # of the view box
    curvature: float  # median over the view of the largest |eigenvalue| of the Hessian
    spread: float  # range of the loss over the view
    best: float | None  # loss at the lowest known minimum
    critical: Array  # (M, D) known critical points
    critical_kinds: tuple[str, ...]

    @property
    def near(self) -> float:
        return NEAR * self.diagonal

    @property
    def local_gap(self) -> float:
        return LOCAL * self.spread


_SCALES: OrderedDict[object, Scale] = OrderedDict()
_SCALES_LOCK = threading.Lock()


def _samples(landscape: Landscape) -> Array:
    """Points spread over the view: a 33 x 33 grid in 2-D, 64 seeded random points beyond."""
    box = np.array(landscape.view, dtype=np.float64)
    if landscape.dim == 2:
        xs, ys = (np.linspace(lo, hi, 33) for lo, hi in box)
        return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    u = np.random.default_rng(0).random((64, landscape.dim))
    return box[:, 0] + u * (box[:, 1] - box[:, 0])


def scale(landscape: Landscape) -> Scale:
    """The landscape's :class:`Scale`, computed once per landscape and parameters."""
    try:
        key: object = (type(landscape), tuple(sorted(landscape.values.items())))
        hash(key)
    except TypeError:
        key = id(landscape)
    with _SCALES_LOCK:
        if key in _SCALES:
            _SCALES.move_to_end(key)
            return _SCALES[key]
    pts = _samples(landscape)
    with np.errstate(all="ignore"):
        loss = np.asarray(landscape.loss(pts), dtype=np.float64)
        h = np.asarray(landscape.hessian(pts), dtype=np.float64)
    ok = np.all(np.isfinite(h), axis=(1, 2))
    curv = float(np.median(np.max(np.abs(np.linalg.eigvalsh(h[ok])), axis=1))) if ok.any() else 1.0
    finite = loss[np.isfinite(loss)]
    spread = float(finite.max() - finite.min()) if finite.size else 1.0
    cps = landscape.critical_points
    critical = np.array([cp.point for cp in cps], dtype=np.float64).reshape(-1, landscape.dim)
    diagonal = math.hypot(*(hi - lo for lo, hi in landscape.view))
    s = Scale(diagonal, curv, spread, landscape.lowest_minimum, critical, tuple(cp.kind for cp in cps))
    with _SCALES_LOCK:
        _SCALES[key] = s
        while len(_SCALES) > 64:
            _SCALES.popitem(last=False)
    return s


# -- evidence at the last points ---------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The local quadratic model at each row's last point (rows that did not converge get
    NaN where nothing was evaluated)."""

    eigenvalues: Array  # (n, D) ascending
    delta: Array  # (n,) distance to the model's critical point (inf: none)
    drop: Array  # (n,) how much lower the model's minimum is (NaN unless H > 0)
    kind: Array  # (n,) object: Kind of the converged rows, None for the others


def _local_model(landscape: Landscape, theta: Array) -> tuple[Array, Array, Array]:
    """Eigenvalues, Newton distance and model drop at points ``theta (n, D)``."""
    n, d = theta.shape
    lam = np.full((n, d), np.nan)
    delta = np.full(n, np.inf)
    drop = np.full(n, np.nan)
    with np.errstate(all="ignore"):
        g = np.asarray(landscape.grad(theta), dtype=np.float64).reshape(n, d)
        h = np.asarray(landscape.hessian(theta), dtype=np.float64).reshape(n, d, d)
        ok = np.all(np.isfinite(h), axis=(1, 2)) & np.all(np.isfinite(g), axis=1)
        if not ok.any():
            return lam, delta, drop
        ev, vec = np.linalg.eigh(h[ok])
        gi = np.einsum("nij,ni->nj", vec, g[ok])  # the gradient along each eigenvector
        # along a direction without slope the model's critical point is right here, even
        # where the curvature is zero too (a flat plateau: nothing pulls anywhere)
        dist = np.where(gi == 0.0, 0.0, np.abs(gi) / np.abs(ev))
        lam[ok] = ev
        delta[ok] = np.sqrt(np.sum(dist * dist, axis=1))
        drop[ok] = np.where(np.all(ev > 0, axis=1), np.sum(gi * gi / (2.0 * np.where(ev > 0, ev, 1.0)), axis=1), np.nan)
    return lam, delta, drop


def evidence(landscape: Landscape, outcome: Outcome, rows: Array | None = None) -> Evidence:
    """Judge the converged rows among ``rows`` (default: all) of ``outcome``."""
    rows = np.arange(outcome.status.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    n, d = rows.size, outcome.theta.shape[1]
    lam = np.full((n, d), np.nan)
    delta = np.full(n, np.nan)
    drop = np.full(n, np.nan)
    kind = np.full(n, None, dtype=object)
    conv = np.nonzero(outcome.status[rows] == Status.CONVERGED)[0]
    if conv.size:
        theta = np.asarray(outcome.theta[rows[conv]], dtype=np.float64)
        lam[conv], delta[conv], drop[conv] = _local_model(landscape, theta)
        own = landscape.critical_kinds(theta)
        if own is not None:  # the landscape's own classifier (a network's, as its window shows)
            kind[conv] = [_OWN_KINDS.get(k, Kind.SMALL_GRADIENT) for k in own]
            conv = conv[:0]
    if conv.size:
        sc = scale(landscape)
        theta = np.asarray(outcome.theta[rows[conv]], dtype=np.float64)
        at = delta[conv] <= sc.near
        signs = np.full(conv.size, "-", dtype=object)
        finite = np.all(np.isfinite(lam[conv]), axis=1)
        if finite.any():
            signs[finite] = point_kind(lam[conv][finite])
        if sc.critical.size:  # a known critical point right here names its own kind
            dist = np.linalg.norm(theta[:, None, :] - sc.critical[None], axis=-1)
            nearest = dist.argmin(axis=1)
            known = (dist[np.arange(conv.size), nearest] <= sc.near) & np.isin(signs, ("flat", "degenerate", "-"))
            signs[known] = np.array(sc.critical_kinds, dtype=object)[nearest[known]]
        flat = np.max(np.abs(lam[conv]), axis=1) <= FLAT * sc.curvature
        critical = at & np.isin(signs, ("minimum", "saddle", "maximum", "degenerate"))
        judged = np.full(conv.size, Kind.SMALL_GRADIENT, dtype=object)
        judged[flat | (at & (signs == "flat"))] = Kind.PLATEAU
        judged[critical] = [Kind(k) for k in signs[critical]]
        kind[conv] = judged
    status = outcome.status[rows]
    kind[status == Status.UNCONVERGED] = Kind.UNCONVERGED
    kind[status == Status.FAILED] = Kind.FAILED
    # On a loss without a floor a run that went downhill ends at a hugely negative loss;
    # one that overshot (alpha too large) at a huge positive one, or inf/NaN.
    diverged = status == Status.DIVERGED
    with np.errstate(invalid="ignore"):
        down = ~np.asarray(landscape.bounded_below) & (outcome.loss[rows] < 0.0)
    kind[diverged & down] = Kind.UNBOUNDED
    kind[diverged & ~down] = Kind.DIVERGED
    return Evidence(lam, delta, drop, kind)


_OWN_KINDS = {"minimum": Kind.MINIMUM, "saddle": Kind.SADDLE, "maximum": Kind.MAXIMUM, "degenerate": Kind.DEGENERATE,
              "flat": Kind.PLATEAU, "far": Kind.SMALL_GRADIENT}  # Landscape.critical_kinds' words


def kinds(landscape: Landscape, outcome: Outcome) -> Array:
    """The :class:`Kind` of every row, as an object array."""
    return evidence(landscape, outcome).kind


# -- words -------------------------------------------------------------------------------------


def verdict(landscape: Landscape, outcome: Outcome, i: int, tol: float | None = None) -> Verdict:
    """How row ``i`` of ``outcome`` ended; ``tol`` (when known) is quoted in the text."""
    ev = evidence(landscape, outcome, np.array([i]))
    kind: Kind = ev.kind[0]
    k = int(outcome.stop[i])
    loss, gn = float(outcome.loss[i]), float(outcome.grad_norm[i])
    under = f"< tol {tol:g}" if tol is not None else "under the tolerance"
    # (a landscape without known minima, a network, has no "lowest known minimum" to scale)
    sc = scale(landscape) if kind in (Kind.MINIMUM, Kind.PLATEAU) and landscape.lowest_minimum is not None else None
    above = sc is not None and sc.best is not None and loss - sc.best > sc.local_gap
    if kind is Kind.MINIMUM:
        if above:  # (said first: the status pane cuts long lines)
            text = (
                f"converged at step {k} to a local minimum, loss {loss:.6g} "
                f"(the lowest known minimum has loss {sc.best:.4g})"
            )
        else:
            text = f"converged at step {k} to a minimum, loss {loss:.6g}"
    elif kind in (Kind.SADDLE, Kind.MAXIMUM):
        text = f"stuck at step {k}: zero gradient at a {kind.value} point, not a minimum (loss {loss:.6g})"
    elif kind is Kind.DEGENERATE:
        text = (
            f"stopped at step {k}: zero gradient where the curvature is zero along some direction and of one "
            f"sign along the rest: the second derivatives cannot tell a minimum from a saddle (loss {loss:.6g})"
        )
    elif kind is Kind.PLATEAU:
        curv = float(np.max(np.abs(ev.eigenvalues[0])))
        far = f"; the lowest known minimum has loss {sc.best:.4g}" if above else ""
        both = (
            "gradient and curvature both exactly zero" if gn == 0.0 and curv == 0.0
            else f"gradient {gn:.2g} and curvature {curv:.2g} both near zero"
        )
        text = f"stopped on a plateau at step {k}: {both}, no slope to follow (loss {loss:.6g}{far})"
    elif kind is Kind.SMALL_GRADIENT:
        lam = ev.eigenvalues[0]
        head = f"small gradient, not at a minimum: stopped at step {k} with |grad| {gn:.3g} {under}"
        if np.all(lam > 0):
            text = (
                f"{head}, but the curvature puts a minimum about {float(ev.delta[0]):.3g} away and "
                f"{float(ev.drop[0]):.3g} lower (loss {loss:.6g}); use a smaller tol"
            )
        else:
            text = (
                f"{head}, but the surface still curves downhill here (curvature {float(np.min(lam)):.3g}, "
                f"loss {loss:.6g}); use a smaller tol"
            )
    elif kind is Kind.UNBOUNDED:
        what = landscape.formula or landscape.name
        text = (
            f"diverged at step {k}: the loss is unbounded below ({what} has no minimum), so the run "
            "slides downhill without end; a smaller alpha only slows it"
        )
    elif kind is Kind.DIVERGED:
        tail = "" if landscape.bounded_below else ", on a loss that is also unbounded below"
        text = f"diverged at step {k}: the steps grew without bound (alpha too large?){tail}"
    elif kind is Kind.FAILED:
        text = f"failed at step {k}: singular Hessian, the Newton step is undefined"
    else:
        text = f"not converged after {k} steps: loss {loss:.6g}, |grad| {gn:.3g}"
    return Verdict(kind, text)


def describe(landscape: Landscape, outcome: Outcome, i: int, tol: float | None = None) -> str:
    """One line on how row ``i`` ended (the text of :func:`verdict`)."""
    return verdict(landscape, outcome, i, tol).text
