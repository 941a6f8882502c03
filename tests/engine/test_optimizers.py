"""Every optimizer: hand-computed steps, validation, batching, known behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from engine.landscapes import make_landscape
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.simulation import Status, simulate

ALL = list(OPTIMIZERS)
# settings that bring each optimizer from (-1.5, 2) to the floor of rosenbrock's valley at
# (1, 1) within 20000 steps (RMSprop with a constant alpha hovers there rather than settles)
ROSENBROCK_OK = {
    "gd": {"alpha": 1e-3},
    "momentum": {"alpha": 2e-4, "mu": 0.9},
    "nesterov": {"alpha": 2e-4, "mu": 0.9},
    "adam": {"alpha": 0.01},
    "rmsprop": {"alpha": 3e-4},
    "adagrad": {"alpha": 0.5},
    "newton": {"alpha": 1.0},
}


def test_registry_has_the_seven():
    assert ALL == ["gd", "momentum", "nesterov", "adam", "rmsprop", "adagrad", "newton"]


def _step_by_hand(name: str, hyper: dict, L, w: np.ndarray, n: int) -> list[np.ndarray]:
    """The textbook formulas, written out one row at a time with Python floats."""
    w = w.astype(float).copy()
    p = np.zeros_like(w)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    out = []
    for t in range(1, n + 1):
        a = hyper["alpha"]
        if name == "gd":
            w = w - a * L.grad(w[None])[0]
        elif name == "momentum":
            p = hyper["mu"] * p - a * L.grad(w[None])[0]
            w = w + p
        elif name == "nesterov":
            p = hyper["mu"] * p - a * L.grad((w + hyper["mu"] * p)[None])[0]
            w = w + p
        elif name == "adam":
            g = L.grad(w[None])[0]
            b1, b2 = hyper["beta1"], hyper["beta2"]
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            mh = m / (1 - b1**t)
            vh = v / (1 - b2**t)
            w = w - a * mh / (np.sqrt(vh) + hyper["eps"])
        elif name == "rmsprop":
            g = L.grad(w[None])[0]
            v = hyper["rho"] * v + (1 - hyper["rho"]) * g * g
            w = w - a * g / (np.sqrt(v) + hyper["eps"])
        elif name == "adagrad":
            g = L.grad(w[None])[0]
            v = v + g * g
            w = w - a * g / (np.sqrt(v) + hyper["eps"])
        elif name == "newton":
            g = L.grad(w[None])[0]
            h = L.hessian(w[None])[0] + hyper["damping"] * np.eye(2)
            w = w - a * np.linalg.solve(h, g)
        out.append(w.copy())
    return out


@pytest.mark.parametrize("name", ALL)
def test_first_steps_match_the_textbook_formula(name):
    L = make_landscape("rosenbrock")
    hyper = {**OPTIMIZERS[name].defaults, "alpha": 1e-4 if name != "newton" else 0.5}
    if "damping" in hyper:
        hyper["damping"] = 0.3
    start = np.array([-1.2, 1.0])
    expected = _step_by_hand(name, hyper, L, start, 5)
    run = simulate(L, make_optimizer(name, **hyper), start[None], 5)
    for t in range(5):
        assert np.allclose(run.theta[0, t + 1], expected[t], rtol=1e-12, atol=1e-14), (t, name)


def test_first_gd_step_by_hand():
    # rosenbrock at (0, 0): grad = (-2, 0); gd with alpha 0.1 moves to (0.2, 0)
    L = make_landscape("rosenbrock")
    run = simulate(L, make_optimizer("gd", alpha=0.1), np.zeros((1, 2)), 1)
    assert np.array_equal(run.theta[0, 1], [0.2, 0.0])
    # momentum: p1 = -alpha*g = (0.2, 0); w1 = (0.2, 0). Second step from w1:
    # g(0.2, 0) = (2(0.2-1) + 400*0.2*0.04, 200*(0 - 0.04)) = (1.6, -8) ... p2 = 0.9 p1 - 0.1 g
    run = simulate(L, make_optimizer("momentum", alpha=0.1, mu=0.9), np.zeros((1, 2)), 2)
    g1 = np.array([2 * (0.2 - 1) + 400 * 0.2 * 0.2**2, -200 * 0.2**2])
    p2 = 0.9 * np.array([0.2, 0.0]) - 0.1 * g1
    assert np.allclose(run.theta[0, 2], np.array([0.2, 0.0]) + p2, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ALL)
def test_batched_run_equals_row_by_row(name):
    L = make_landscape("himmelblau")
    rng = np.random.default_rng(3)
    starts = rng.uniform(-5, 5, (16, 2))
    opt = make_optimizer(name, **({"alpha": 0.005} if name != "newton" else {}))
    batch = simulate(L, opt, starts, 60)
    for i in range(len(starts)):
        one = simulate(L, opt, starts[i : i + 1], 60)
        k = int(batch.stop[i])
        assert one.stop[0] == k and one.status[0] == batch.status[i]
        assert np.allclose(one.theta[0, : k + 1], batch.theta[i, : k + 1], rtol=1e-12, atol=1e-12)


def test_a_mixed_stack_equals_each_optimizer_alone():
    L = make_landscape("rosenbrock")
    opts = [make_optimizer(n, **ROSENBROCK_OK[n]) for n in ALL]
    start = np.array([[-1.5, 2.0]])
    mixed = simulate(L, Optimizer.stack(opts), np.repeat(start, len(opts), axis=0), 300)
    for i, o in enumerate(opts):
        alone = simulate(L, o, start, 300)
        k = int(alone.stop[0])
        assert mixed.stop[i] == k
        assert np.allclose(mixed.theta[i, : k + 1], alone.theta[0, : k + 1], rtol=1e-12, atol=1e-12)
        assert mixed.names[i] == o.label()


@pytest.mark.parametrize("name", ALL)
def test_loss_goes_down_on_quadratic(name):
    L = make_landscape("quadratic", kappa=10.0, angle=20.0)
    alpha = {"newton": 0.5, "adagrad": 0.5}.get(name, 0.05)
    run = simulate(L, make_optimizer(name, alpha=alpha), np.array([[1.5, -1.0]]), 200)
    loss = run.loss[0, : run.finite_length(0)]
    assert loss[-1] < 1e-3 * loss[0]
    assert loss[1] < loss[0]  # it goes down from the first step


@pytest.mark.parametrize("name", ALL)
def test_converges_on_rosenbrock(name):
    L = make_landscape("rosenbrock")
    run = simulate(L, make_optimizer(name, **ROSENBROCK_OK[name]), np.array([[-1.5, 2.0]]), 20000, tol=1e-4)
    assert run.status[0] in (Status.CONVERGED, Status.UNCONVERGED)
    assert run.final.loss[0] < 1e-3, (name, run.final.loss[0])
    assert np.allclose(run.final.theta[0], [1.0, 1.0], atol=0.05)


def test_gd_on_rosenbrock_is_slow_and_newton_fast():
    # the lecture's point about curvature: the same valley, 7 steps against thousands
    L = make_landscape("rosenbrock")
    s = np.array([[-1.5, 2.0]])
    newton = simulate(L, make_optimizer("newton"), s, 100, tol=1e-8)
    gd = simulate(L, make_optimizer("gd", alpha=1e-3), s, 5000, tol=1e-8)
    assert newton.status[0] == Status.CONVERGED and newton.stop[0] < 20
    assert gd.status[0] == Status.UNCONVERGED


def test_momentum_with_mu_zero_is_gd_exactly():
    L = make_landscape("beale")
    s = np.array([[1.0, 1.5]])
    a = simulate(L, make_optimizer("momentum", alpha=0.01, mu=0.0), s, 300)
    b = simulate(L, make_optimizer("gd", alpha=0.01), s, 300)
    assert np.array_equal(a.theta, b.theta, equal_nan=True)


def test_nesterov_differs_from_momentum_and_uses_lookahead():
    L = make_landscape("quadratic", kappa=50.0)
    s = np.array([[1.0, 1.0]])
    a = simulate(L, make_optimizer("nesterov", alpha=0.02, mu=0.9), s, 3)
    b = simulate(L, make_optimizer("momentum", alpha=0.02, mu=0.9), s, 3)
    assert np.array_equal(a.theta[0, 1], b.theta[0, 1])  # p starts at 0: same first step
    assert not np.allclose(a.theta[0, 2], b.theta[0, 2])


def test_adam_first_step_has_size_alpha_per_coordinate():
    L = make_landscape("beale")
    s = np.array([[1.0, 1.5], [-2.0, 0.3], [3.5, -1.0]])
    run = simulate(L, make_optimizer("adam", alpha=0.037), s, 1)
    step = run.theta[:, 1] - run.theta[:, 0]
    assert np.allclose(np.abs(step), 0.037, rtol=1e-7)
    assert np.all(np.sign(step) == -np.sign(L.grad(s)))


def test_newton_reaches_the_quadratic_minimum_in_one_step():
    L = make_landscape("quadratic", kappa=300.0, angle=-35.0)
    run = simulate(L, make_optimizer("newton", alpha=1.0), np.array([[1.7, -0.4]]), 5)
    assert np.allclose(run.theta[0, 1], [0.0, 0.0], atol=1e-12)
    assert run.status[0] == Status.CONVERGED and run.stop[0] <= 2


def test_newton_is_attracted_to_the_saddle():
    L = make_landscape("saddle")
    run = simulate(L, make_optimizer("newton", alpha=1.0), np.array([[0.8, 0.5]]), 5)
    assert np.allclose(run.final.theta[0], 0.0, atol=1e-14)


def test_newton_on_a_singular_hessian_fails_that_row_only():
    # saddle: H = diag(2, -2); with damping 2 the system diag(4, 0) is singular everywhere,
    # with damping 0 Newton jumps straight onto the saddle
    L = make_landscape("saddle")
    opt = Optimizer.stack([make_optimizer("newton", damping=2.0), make_optimizer("newton")])
    run = simulate(L, opt, np.array([[0.5, 0.5], [0.5, 0.5]]), 10)
    assert run.status[0] == Status.FAILED and run.stop[0] == 1
    assert run.status[1] == Status.CONVERGED and run.stop[1] == 1


def test_newton_failure_is_reported_not_raised():
    L = make_landscape("saddle")  # Hessian diag(2, -2): with damping 2, row x is 4, row y 0
    run = simulate(L, make_optimizer("newton", damping=2.0), np.array([[0.5, 0.5], [0.5, 0.5]]), 3)
    assert list(run.status) == [Status.FAILED, Status.FAILED]
    assert list(run.stop) == [1, 1]


@pytest.mark.parametrize(
    ("name", "hyper", "message"),
    [
        ("gd", {"alpha": 0.0}, "invalid alpha: 0 \\(must be > 0\\)"),
        ("gd", {"alpha": -1.0}, "invalid alpha"),
        ("gd", {"alpha": float("inf")}, "not a finite number"),
        ("gd", {"alpha": "fast"}, "not a number"),
        ("momentum", {"mu": 1.0}, "invalid mu: 1 \\(must be in \\[0, 1\\)\\)"),
        ("momentum", {"mu": -0.1}, "invalid mu"),
        ("nesterov", {"mu": 1.5}, "invalid mu"),
        ("adam", {"beta1": 1.0}, "invalid beta1"),
        ("adam", {"beta2": -0.5}, "invalid beta2"),
        ("adam", {"eps": 0.0}, "invalid eps"),
        ("rmsprop", {"rho": 1.0}, "invalid rho"),
        ("adagrad", {"eps": -1e-8}, "invalid eps"),
        ("newton", {"damping": -1.0}, "invalid damping: -1 \\(must be >= 0\\)"),
        ("gd", {"mu": 0.9}, "gd takes no mu"),
        ("sgd", {}, "unknown optimizer 'sgd'"),
    ],
)
def test_hyperparameters_are_validated(name, hyper, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **hyper)


def test_update_is_pure():
    L = make_landscape("rosenbrock")
    opt = Optimizer.stack([make_optimizer(n) for n in ALL])
    w = np.tile([[-1.0, 1.5]], (7, 1))
    state = opt.init(w)
    g = L.grad(w)
    copies = [w.copy(), g.copy(), state.m.copy(), state.v.copy(), state.p.copy()]
    upd1, s1 = opt.update(g, state, w, L.hessian(w))
    upd2, _ = opt.update(g, state, w, L.hessian(w))
    assert np.array_equal(upd1, upd2)
    for a, b in zip(copies, [w, g, state.m, state.v, state.p], strict=True):
        assert np.array_equal(a, b)
    assert s1.t == 1 and state.t == 0
