"""The simulation: histories, stopping rules, divergence without warnings, big batches."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from engine.inits import Init, parse_init
from engine.landscapes import make_landscape
from engine.optimizers import Optimizer, make_optimizer
from engine.simulation import Cancelled, Status, point_kinds, simulate
from engine.verdicts import describe


def test_history_shapes_and_step_zero_is_the_start():
    L = make_landscape("himmelblau")
    s = np.array([[1.0, 1.0], [-1.0, 0.5]])
    run = simulate(L, make_optimizer("gd", alpha=0.01), s, 50)
    assert run.theta.shape == (2, 51, 2) and run.loss.shape == (2, 51) and run.grad_norm.shape == (2, 51)
    assert np.array_equal(run.theta[:, 0], s)
    assert np.array_equal(run.loss[:, 0], L.loss(s))
    assert np.allclose(run.grad_norm[:, 0], np.linalg.norm(L.grad(s), axis=1), rtol=1e-15)
    for i in range(2):
        k = run.stop[i]
        assert np.array_equal(run.loss[i, : k + 1], L.loss(run.theta[i, : k + 1]))


def test_divergence_is_marked_without_warning_or_exception():
    L = make_landscape("rosenbrock")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = simulate(L, make_optimizer("gd", alpha=10.0), np.array([[-1.5, 2.0]]), 1000)
    assert run.status[0] == Status.DIVERGED
    k = run.stop[0]
    assert 0 < k < 10
    assert np.all(np.isfinite(run.theta[0, :k])) and np.all(np.abs(run.theta[0, :k]) <= 1e6)
    assert not np.all(np.isfinite(run.theta[0, k])) or np.abs(run.theta[0, k]).max() > 1e6
    assert np.all(np.isnan(run.theta[0, k + 1 :]))
    assert "diverged at step" in describe(L, run.final, 0)


def test_bound_marks_divergence_before_overflow():
    L = make_landscape("quadratic", kappa=1.0)
    run = simulate(L, make_optimizer("gd", alpha=3.0), np.array([[1.0, 0.0]]), 100, bound=100.0)
    # x_t = (-2)^t: |x| first exceeds 100 at t = 7
    assert run.status[0] == Status.DIVERGED and run.stop[0] == 7
    assert run.theta[0, 7, 0] == -128.0


def test_convergence_is_marked_at_the_first_small_gradient():
    L = make_landscape("quadratic", kappa=1.0)
    run = simulate(L, make_optimizer("gd", alpha=0.5), np.array([[1.0, 0.0]]), 100, tol=1e-3)
    # x_t = 0.5^t, |g| = x_t: first below 1e-3 at t = 10
    assert run.status[0] == Status.CONVERGED and run.stop[0] == 10
    assert np.isnan(run.theta[0, 11:]).all()


def test_zeros_on_the_saddle_stay_and_a_small_random_start_escapes():
    L = make_landscape("saddle")
    opt = make_optimizer("gd", alpha=0.1)
    stuck = simulate(L, opt, Init("zeros").resolve(2)[None], 100)
    assert stuck.status[0] == Status.CONVERGED and stuck.stop[0] == 0
    assert point_kinds(L, stuck.final.theta)[0] == "saddle"
    assert "saddle" in describe(L, stuck.final, 0) and "not a minimum" in describe(L, stuck.final, 0)
    free = simulate(L, opt, Init("random", sigma=1e-3, seed=1).resolve(2)[None], 200)
    assert free.status[0] == Status.DIVERGED  # x^2 - y^2 is unbounded below along y
    assert abs(free.theta[0, free.stop[0] - 1, 1]) > 1e3


def test_unconverged_rows_report_their_last_point():
    L = make_landscape("rosenbrock")
    run = simulate(L, make_optimizer("gd", alpha=1e-4), np.array([[-1.5, 2.0]]), 30)
    assert run.status[0] == Status.UNCONVERGED and run.stop[0] == 30
    assert np.array_equal(run.final.theta[0], run.theta[0, 30])
    assert "not converged after 30 steps" in describe(L, run.final, 0)


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov", "adam", "newton"])
def test_outcome_without_history_equals_the_recorded_run(name):
    L = make_landscape("himmelblau")
    g = np.linspace(-5.5, 5.5, 41)
    s = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    opt = make_optimizer(name, **({"alpha": 0.01} if name != "newton" else {}))
    rec = simulate(L, opt, s, 300)
    out = simulate(L, opt, s, 300, record=False)
    assert np.array_equal(rec.stop, out.stop) and np.array_equal(rec.status, out.status)
    assert np.array_equal(rec.final.theta, out.theta, equal_nan=True)


def test_threads_and_chunks_give_the_same_outcome():
    L = make_landscape("himmelblau")
    rng = np.random.default_rng(0)
    s = rng.uniform(-6, 6, (40000, 2))
    opt = make_optimizer("momentum", alpha=0.005, mu=0.8)
    a = simulate(L, opt, s, 120, record=False, workers=1)
    b = simulate(L, opt, s, 120, record=False, workers=2)
    assert np.array_equal(a.status, b.status) and np.array_equal(a.stop, b.stop)
    assert np.array_equal(a.theta, b.theta, equal_nan=True)


def test_cancel_stops_a_run_and_progress_is_reported():
    L = make_landscape("himmelblau")
    s = np.random.default_rng(0).uniform(-6, 6, (30000, 2))
    seen: list[float] = []
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        simulate(L, make_optimizer("adam", alpha=1e-4), s, 2000, record=False, workers=2, cancel=cancel)
    simulate(L, make_optimizer("gd", alpha=1e-4), s[:10], 500, progress=seen.append)
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen) and seen == sorted(seen)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": -1}, "invalid steps"),
        ({"steps": 10**9}, "invalid steps"),
        ({"steps": 2.5}, "not a whole number"),
        ({"tol": 0.0}, "invalid tol"),
        ({"bound": -1.0}, "invalid bound"),
        ({"starts": np.zeros((2, 3))}, "starts must have shape"),
        ({"starts": np.array([[np.nan, 0.0]])}, "finite"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    L = make_landscape("saddle")
    args = {"starts": np.zeros((1, 2)), "steps": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate(L, make_optimizer("gd"), **args)


def test_stack_needs_a_row_count_it_can_share():
    with pytest.raises(ValueError, match="cannot be shared"):
        simulate(
            make_landscape("saddle"),
            Optimizer.stack([make_optimizer("gd"), make_optimizer("adam")]),
            np.zeros((3, 2)),
            5,
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("zeros", Init("zeros")), ("-1.5,2", Init("point", (-1.5, 2.0))), (" 3 , 0.25 ", Init("point", (3.0, 0.25)))],
)
def test_parse_init(text, expected):
    assert parse_init(text) == expected


def test_random_init_is_seeded():
    a = Init("random", sigma=0.5, seed=7).resolve(2)
    assert np.array_equal(a, Init("random", sigma=0.5, seed=7).resolve(2))
    assert not np.array_equal(a, Init("random", sigma=0.5, seed=8).resolve(2))
    assert np.allclose(np.std(Init("random", sigma=0.5, seed=1).resolve(100000)), 0.5, rtol=0.01)


@pytest.mark.parametrize(("text", "message"), [("1,x", "invalid init"), ("", "invalid init"), ("nan,1", "not finite")])
def test_bad_inits(text, message):
    with pytest.raises(ValueError, match=message):
        parse_init(text)


class _LeastSquares:
    """A tiny model trained on data, enough to test mini-batches: mean of (x.w - y)^2 / 2."""

    name = "toy"
    dim = 2

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((40, 2))
        self.y = self.x @ [1.0, -2.0] + 0.1 * rng.standard_normal(40)
        self.n_train = 40

    def loss(self, w):
        r = w @ self.x.T - self.y
        return 0.5 * np.mean(r * r, axis=-1)

    def batch_grad(self, w, idx):
        x = self.x[idx]
        return (w @ x.T - self.y[idx]) @ x / len(idx)

    def grad(self, w):
        return self.batch_grad(w, np.arange(40))

    def loss_grad(self, w):
        return self.loss(w), self.grad(w)


def test_mini_batches_are_seeded_noisy_and_judged_on_the_full_loss():
    from engine.simulation import _gradient_oracle

    L = _LeastSquares()
    opt = make_optimizer("gd", alpha=0.1)
    s = np.zeros((1, 2))
    full = simulate(L, opt, s, 50, tol=1e-12)
    same = simulate(L, opt, s, 50, tol=1e-12, batch_size=40)
    assert np.array_equal(full.theta, same.theta)
    a = simulate(L, opt, s, 50, tol=1e-12, batch_size=8, seed=1)
    b = simulate(L, opt, s, 50, tol=1e-12, batch_size=8, seed=1)
    c = simulate(L, opt, s, 50, tol=1e-12, batch_size=8, seed=2)
    assert np.array_equal(a.theta, b.theta) and not np.array_equal(a.theta, c.theta)
    assert not np.allclose(a.theta, full.theta)
    assert np.allclose(a.loss[0], L.loss(a.theta[0]), rtol=1e-12, atol=0)  # the full loss
    # one epoch = 5 mini-batches covering all 40 examples exactly once
    g = _gradient_oracle(L, 8, 3)
    w = np.array([[0.3, 0.7]])
    assert np.allclose(sum(g(w, t) for t in range(5)) / 5, L.grad(w))


def test_mini_batches_need_a_data_model():
    with pytest.raises(ValueError, match="not trained on data"):
        simulate(make_landscape("saddle"), make_optimizer("gd"), np.ones((1, 2)), 5, batch_size=4)
    with pytest.raises(ValueError, match="invalid batch size"):
        simulate(_LeastSquares(), make_optimizer("gd"), np.ones((1, 2)), 5, batch_size=41)


class _CountingHimmelblau(type(make_landscape("himmelblau"))):
    """Himmelblau counting the points it evaluates the gradient at."""

    name = "test-counting-himmelblau"

    def __init__(self) -> None:
        super().__init__()
        self.points = 0

    def loss_grad(self, w):
        self.points += int(np.prod(w.shape[:-1]))
        return super().loss_grad(w)

    def grad(self, w):
        self.points += int(np.prod(w.shape[:-1]))
        return super().grad(w)


class _CostlyHimmelblau(_CountingHimmelblau):
    name = "test-costly-himmelblau"
    costly = True  # as a network is


@pytest.mark.parametrize("names", [("gd", "adam"), ("momentum", "nesterov"), ("newton", "gd")])
def test_a_costly_landscape_reuses_the_steps_evaluations_with_the_same_result(monkeypatch, names):
    from engine import scalar

    monkeypatch.setattr(scalar, "MAX_ROWS", 0)  # the numpy loop (a network never takes floats)
    plain, costly = _CountingHimmelblau(), _CostlyHimmelblau()
    opt = Optimizer.stack([make_optimizer(n, alpha=1.0 if n == "newton" else 0.01) for n in names])
    starts = np.array([[0.5, -1.5], [0.5, -1.5]])
    a = simulate(plain, opt, starts, 300, block=32)
    b = simulate(costly, opt, starts, 300, block=32)
    for f in ("theta", "loss", "grad_norm", "status", "stop"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    if "nesterov" in names:  # the look-ahead row's gradient besides: 1.5 evaluations a point
        assert costly.points <= 0.8 * plain.points
    else:  # each point evaluated once, where the plain run evaluates it twice
        assert costly.points <= 0.55 * plain.points
