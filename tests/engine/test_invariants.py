"""Engine invariants over random landscapes, starts and hyperparameters (Hypothesis).

Whatever the landscape, parameters, starts, optimizers and hyperparameters (each within its
documented range): no warning escapes (``filterwarnings = error``), nothing is NaN outside
the step a row diverged at, a row's trajectory is the same alone or in a batch and the float
path for a few rows gives the numpy path's numbers (to the last bit on analytic landscapes;
see :func:`same` for data models), and every row gets a verdict that agrees with its
status. The strategies draw from the registries, so a new landscape or optimizer is covered
the moment it is registered.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from engine import LANDSCAPES, OPTIMIZERS, Optimizer, make_landscape, make_optimizer, simulate
from engine.optimizers import HYPER
from engine.simulation import Status
from engine.verdicts import Kind, evidence

NUMPY_ROWS = 64  # a batch this large takes the numpy path whatever the float path's limit


def same(L, a: np.ndarray, b: np.ndarray) -> None:
    """Equal to the last bit on analytic landscapes. A data model's mean over its training set
    goes through BLAS and einsum, whose order of summation depends on the batch's size and a
    row's place in it: there a row agrees to rounding, and only over its first step (after
    that a diverging or bouncing run may amplify the last bit, as any float code would)."""
    if getattr(L, "n_train", None) is None:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a[:2], b[:2], rtol=1e-12, atol=1e-12)


def _value(draw, lo: float, hi: float, log: bool) -> float:
    if log and lo > 0:
        return float(10 ** draw(st.floats(math.log10(lo), math.log10(hi))))
    return draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))


@st.composite
def landscapes(draw):
    name = draw(st.sampled_from(sorted(LANDSCAPES)))
    values = {}
    for p in LANDSCAPES[name].params:
        if p.text:  # a formula of your own: its own tests draw those (test_formula.py)
            continue
        if p.choices:
            values[p.name] = draw(st.sampled_from(p.choices))
        elif draw(st.booleans()):
            lo, hi = max(p.lo, -1e3), min(p.hi, 1e3)
            x = _value(draw, lo, hi, p.log)
            values[p.name] = round(x) if p.integer else x
    try:
        return make_landscape(name, **values)
    except ValueError:  # parameters each in range but not together (a view's edges crossed)
        assume(False)


@st.composite
def optimizers(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    hyper = {}
    for h in OPTIMIZERS[name].defaults:
        if draw(st.booleans()):
            spec = HYPER[h]
            hyper[h] = _value(draw, spec.lo, min(spec.hi, 2.0) if h == "alpha" else spec.hi, spec.log)
    return make_optimizer(name, **hyper)


@st.composite
def problems(draw):
    L = draw(landscapes())
    n = draw(st.integers(1, 4))
    starts = np.array([
        [draw(st.floats(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))) for lo, hi in L.view] for _ in range(n)
    ])
    opts = [draw(optimizers()) for _ in range(n)]
    steps = draw(st.integers(0, 60))
    tol = 10 ** draw(st.floats(-9, 0))
    batch = None
    if getattr(L, "n_train", None) and draw(st.booleans()):
        batch = draw(st.integers(1, L.n_train))
    return L, opts, starts, steps, tol, batch


def _run(L, opts, starts, steps, tol, batch):
    return simulate(L, Optimizer.stack(opts), starts, steps, tol=tol, batch_size=batch, seed=3)


@given(problems())
def test_nothing_is_nan_outside_the_step_a_row_diverged_at(problem):
    L, _, starts, steps, tol, _ = problem
    run = _run(*problem)
    for i in range(starts.shape[0]):
        k, st_ = int(run.stop[i]), Status(int(run.status[i]))
        ok = np.isfinite(run.theta[i]).all(axis=1) & np.isfinite(run.loss[i]) & np.isfinite(run.grad_norm[i])
        assert ok[:k].all()  # every step before the stop is a number
        assert ok[k] or st_ in (Status.DIVERGED, Status.FAILED)
        assert np.isnan(run.loss[i, k + 1 :]).all() and np.isnan(run.theta[i, k + 1 :]).all()
        if st_ is Status.CONVERGED:
            assert run.grad_norm[i, k] < tol
        elif st_ is Status.UNCONVERGED:
            assert k == steps
        elif st_ is Status.DIVERGED:
            assert not ok[k] or np.abs(run.theta[i, k]).max() > 1e6
    kinds = evidence(L, run.final).kind
    for i, kind in enumerate(kinds):
        st_ = Status(int(run.status[i]))
        assert kind.bad == (st_ in (Status.DIVERGED, Status.FAILED))
        assert kind is not Kind.MINIMUM or st_ is Status.CONVERGED


@given(problems())
def test_a_row_is_the_same_alone_or_in_a_batch(problem):
    """Each row run alone (the float path, where it applies) equals the same row inside a
    large batch (the numpy path), to the last bit."""
    L, opts, starts, steps, tol, batch = problem
    n = starts.shape[0]
    reps = -(-NUMPY_ROWS // n)
    big = _run(L, opts * reps, np.tile(starts, (reps, 1)), steps, tol, batch)
    for i in range(n):
        one = _run(L, [opts[i]], starts[i : i + 1], steps, tol, batch)
        for a, b in ((one.theta[0], big.theta[i]), (one.loss[0], big.loss[i]), (one.grad_norm[0], big.grad_norm[i])):
            same(L, a, b)
        if getattr(L, "n_train", None) is None:
            assert (one.status[0], one.stop[0]) == (big.status[i], big.stop[i])
        for r in range(i + n, n * reps, n):  # every copy of the row agrees too
            same(L, big.theta[r], big.theta[i])


@pytest.mark.parametrize("name", sorted(LANDSCAPES))
@given(data=st.data())
def test_one_point_of_shape_d_gives_what_a_batch_of_one_gives(name, data):
    """``loss``, ``grad``, ``loss_grad`` and ``hessian`` take ``(..., D)``: one point ``(D,)`` too
    (Rosenbrock's grad raised TypeError on it)."""
    L = make_landscape(name)
    w = np.array([data.draw(st.floats(lo - 1, hi + 1)) for lo, hi in L.view])
    loss, g = L.loss_grad(w)
    assert np.shape(loss) == () and g.shape == (L.dim,)
    np.testing.assert_array_equal(L.grad(w), L.grad(w[None])[0])
    np.testing.assert_array_equal(g, L.grad(w[None])[0])
    np.testing.assert_array_equal(loss, L.loss(w[None])[0])
    np.testing.assert_array_equal(L.hessian(w), L.hessian(w[None])[0])
