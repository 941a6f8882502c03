"""The float path for a few rows (engine.scalar) gives the numpy path's numbers exactly, and its
traced loops give the numbers of calling each definition directly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import scalar
from engine.landscapes import LANDSCAPES, Saddle, make_landscape
from engine.models import DataModel
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.simulation import Status, simulate

ANALYTIC = [n for n, cls in LANDSCAPES.items() if getattr(cls, "grad_point", None) is not None]
ELEMENTWISE = [n for n, d in OPTIMIZERS.items() if not d.curvature]


def both_paths(monkeypatch, *args, **kwargs):
    """The same simulation with the float path off, then on."""
    monkeypatch.setattr(scalar, "MAX_ROWS", 0)
    a = simulate(*args, **kwargs)
    monkeypatch.setattr(scalar, "MAX_ROWS", 8)
    b = simulate(*args, **kwargs)
    return a, b


def assert_same(a, b):
    assert a.names == b.names
    np.testing.assert_array_equal(a.theta, b.theta)  # NaN == NaN here, bits otherwise
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.grad_norm, b.grad_norm)
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_array_equal(a.stop, b.stop)
    np.testing.assert_array_equal(a.final.theta, b.final.theta)


def test_every_analytic_landscape_has_a_float_gradient():
    # every registered landscape that is not trained on data gets the float path
    assert set(ANALYTIC) == {n for n, cls in LANDSCAPES.items() if not issubclass(cls, DataModel)}


@pytest.mark.parametrize("name", ANALYTIC)
def test_grad_point_is_grad_to_the_last_bit(name):
    L = make_landscape(name)
    rng = np.random.default_rng(3)
    (xlo, xhi), (ylo, yhi) = L.view
    pts = np.column_stack([rng.uniform(2 * xlo, 2 * xhi, 500), rng.uniform(2 * ylo, 2 * yhi, 500)])
    g = L.grad(pts)
    got = np.array([L.grad_point(float(x), float(y)) for x, y in pts])
    np.testing.assert_array_equal(got, g)
    assert all(type(v) is float for v in L.grad_point(0.3, -0.7))


@pytest.mark.parametrize("name", ANALYTIC)
def test_seven_racers_follow_the_numpy_path_exactly(monkeypatch, name):
    # newton among them: its row stays on numpy, the others take floats, rows keep their places
    L = make_landscape(name)
    opt = Optimizer.stack([make_optimizer(n) for n in OPTIMIZERS])
    starts = np.array([L.default_start] * len(OPTIMIZERS))
    a, b = both_paths(monkeypatch, L, opt, starts, 300)
    assert_same(a, b)


def test_random_racers_including_divergent_ones_follow_the_numpy_path(monkeypatch):
    rng = np.random.default_rng(1)
    kinds = [n for n in OPTIMIZERS if n != "newton"]
    diverged = 0
    for name in ANALYTIC:
        L = make_landscape(name)
        (xlo, xhi), (ylo, yhi) = L.view
        for _ in range(4):
            names = list(rng.choice(kinds, size=int(rng.integers(1, 6))))
            opt = Optimizer.stack([make_optimizer(n, alpha=float(10 ** rng.uniform(-4, 0.5))) for n in names])
            starts = np.column_stack([rng.uniform(xlo, xhi, len(names)), rng.uniform(ylo, yhi, len(names))])
            a, b = both_paths(monkeypatch, L, opt, starts, 400)
            assert_same(a, b)
            diverged += int(np.sum(a.status == Status.DIVERGED))
    assert diverged >= 10  # the comparison covered runs that blow up, not only calm ones


def test_outcomes_without_history_agree_too(monkeypatch):
    L = make_landscape("himmelblau")
    opt = make_optimizer("adam", alpha=0.1)
    starts = np.array([[0.0, 0.0], [1.0, -2.0], [-4.0, 4.0]])
    a, b = both_paths(monkeypatch, L, opt, starts, 500, record=False)
    for f in ("theta", "loss", "grad_norm", "status", "stop"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))


def test_the_float_path_is_taken_only_where_it_applies():
    gd = make_optimizer("gd").stepper(1, 2)
    rosen = make_landscape("rosenbrock")
    assert scalar.eligible(rosen, gd, 1, minibatch=False)
    assert not scalar.eligible(rosen, gd, scalar.MAX_ROWS + 1, minibatch=False)
    assert not scalar.eligible(rosen, gd, 1, minibatch=True)
    assert not scalar.eligible(rosen, make_optimizer("newton").stepper(1, 2), 1, minibatch=False)
    model = make_landscape("linear-regression")  # two parameters, but a sum over data
    assert not scalar.eligible(model, make_optimizer("gd").stepper(1, model.dim), 1, minibatch=False)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_every_elementwise_optimizer_is_traced(name):
    src = scalar.float_source(OPTIMIZERS[name])
    assert src is not None and "for t in range(t, t + k):" in src
    assert scalar.float_steps(OPTIMIZERS[name]) is scalar.float_steps(OPTIMIZERS[name])  # made once


@pytest.mark.parametrize("schedule", [None, "cosine", "step:40:0.5", "warmup:30"])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_traced_steps_equal_calling_the_definition(monkeypatch, name, schedule):
    L = make_landscape("beale")
    opt = make_optimizer(name, alpha=3e-3, schedule=schedule)
    start = np.array([[1.0, 1.5]])
    traced = simulate(L, opt, start, 500)
    monkeypatch.setattr(scalar, "float_steps", lambda d, scheduled=False: None)  # each row calls update itself
    called = simulate(L, opt, start, 500)
    assert_same(traced, called)


@pytest.mark.parametrize("schedule", ["cosine", "exp:0.99", "step:25:0.3", "warmup:100"])
def test_scheduled_racers_follow_the_numpy_path_exactly(monkeypatch, schedule):
    L = make_landscape("rosenbrock")
    opt = Optimizer.stack([make_optimizer(n, schedule=schedule if n != "gd" else None) for n in OPTIMIZERS])
    a, b = both_paths(monkeypatch, L, opt, np.array([L.default_start] * len(OPTIMIZERS)), 300)
    assert_same(a, b)


def test_an_update_the_tracer_cannot_record_is_called_per_coordinate_and_still_exact(monkeypatch):
    from engine import optimizers

    def update(g, s, w, h):  # steps shorter than alpha: -alpha*g/(1 + |g|); abs is not traced
        step = -(h.alpha * g)
        step /= 1.0 + abs(g)
        return step, s

    d = optimizers.Definition("soft", "soft-clipped gd", (optimizers.ALPHA,), optimizers.GD.init, update)
    assert scalar.float_source(d) is None
    monkeypatch.setitem(OPTIMIZERS, "soft", d)
    L = make_landscape("rosenbrock")
    a, b = both_paths(monkeypatch, L, make_optimizer("soft", alpha=0.01), np.array([[-1.5, 2.0]]), 300)
    assert_same(a, b)
    assert a.loss[0, 300] < a.loss[0, 0]


class _Overflowing(Saddle):
    """x^2 - y^2 whose float gradient raises beyond |y| = 50 (as math.exp would overflow)."""

    name = "test-overflowing"

    def grad_point(self, x, y):
        if abs(y) > 50:
            raise OverflowError("math range error")
        return super().grad_point(x, y)


def test_a_step_that_raises_in_python_marks_the_row_diverged_there():
    L = _Overflowing()
    run = simulate(L, make_optimizer("gd", alpha=0.5), np.array([[0.0, 1.0]]), 100)
    # y doubles every step: 64 at step 6, whose gradient raises, so step 7 is NaN
    assert run.status[0] == Status.DIVERGED and run.stop[0] == 7
    assert run.theta[0, 6, 1] == 64.0 and math.isnan(run.theta[0, 7, 1])


def test_cancel_and_progress_work_on_the_float_path():
    from engine.simulation import Cancelled

    seen = []
    L = make_landscape("rosenbrock")
    with pytest.raises(Cancelled):
        simulate(L, make_optimizer("gd", alpha=1e-4), np.array([[-1.5, 2.0]]), 5000,
                 cancel=lambda: len(seen) > 2, progress=seen.append)
    assert 0 < seen[-1] < 0.5


def test_progress_never_runs_backwards_when_newton_rows_are_split_off():
    seen: list[float] = []
    L = make_landscape("rosenbrock")
    # a slow Newton (alpha 0.01) runs for many blocks after the float rows have finished
    opt = Optimizer.stack([make_optimizer(n, alpha=0.01) if n == "newton" else make_optimizer(n) for n in OPTIMIZERS])
    simulate(L, opt, np.array([L.default_start] * len(OPTIMIZERS)), 2000, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen[0] < 0.5
