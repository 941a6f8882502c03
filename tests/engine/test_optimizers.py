"""Every optimizer: hand-computed steps, validation, batching, known behaviour.

The generic tests run over the registry (``OPTIMIZERS``), so an optimizer is checked the moment
it is registered; the textbook comparison covers those whose formula this file writes out.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import optimizers
from engine.landscapes import make_landscape
from engine.optimizers import HYPER, OPTIMIZERS, Optimizer, make_optimizer
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


def test_the_lecture_optimizers_are_registered():
    assert {"gd", "momentum", "nesterov", "adam", "rmsprop", "adagrad", "newton"} <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_every_definition_is_complete(name):
    d = OPTIMIZERS[name]
    assert d.name == name and d.description and "\n" not in d.description
    assert d.hyper and d.hyper[0].name == "alpha"  # the lecture's learning rate comes first
    for hp in d.hyper:
        assert hp.help and hp.symbol and hp.lo < hp.hi
        assert hp.validate(hp.default) == hp.default  # the default passes its own check
        assert HYPER[hp.name].check is hp.check  # one meaning per name across optimizers
    assert d.make().hyper[0] == d.defaults


def _step_by_hand(name: str, hyper: dict, L, w: np.ndarray, n: int) -> list[np.ndarray]:
    """The textbook formulas, written out one row at a time, independently of the engine."""
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


TEXTBOOK = ("gd", "momentum", "nesterov", "adam", "rmsprop", "adagrad", "newton")


@pytest.mark.parametrize("name", TEXTBOOK)
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
    opts = [make_optimizer(n, **ROSENBROCK_OK.get(n, {})) for n in ALL]
    start = np.array([[-1.5, 2.0]])
    mixed = simulate(L, Optimizer.stack(opts), np.repeat(start, len(opts), axis=0), 300)
    for i, o in enumerate(opts):
        alone = simulate(L, o, start, 300)
        k = int(alone.stop[0])
        assert mixed.stop[i] == k
        assert np.array_equal(mixed.theta[i, : k + 1], alone.theta[0, : k + 1])
        assert mixed.names[i] == o.label()


def test_a_stack_keeps_its_groups_apart_when_middle_rows_finish():
    # adam, gd, adam: the gd row converges first (Newton-fast on this bowl with a big alpha),
    # the two adam groups keep their own states
    L = make_landscape("quadratic", kappa=1.0)
    opts = [make_optimizer("adam", alpha=0.01), make_optimizer("gd", alpha=1.0), make_optimizer("adam", alpha=0.02)]
    starts = np.array([[1.0, -0.5]] * 3)
    mixed = simulate(L, Optimizer.stack(opts), starts, 400, block=16)
    assert mixed.stop[1] < 5
    for i, o in enumerate(opts):
        alone = simulate(L, o, starts[:1], 400, block=16)
        k = int(alone.stop[0])
        assert mixed.stop[i] == k and np.array_equal(mixed.theta[i, : k + 1], alone.theta[0, : k + 1])


def test_per_row_hyperparameters_step_like_separate_optimizers():
    # a phase map's rows: one definition, a different (alpha, mu) on every row
    L = make_landscape("himmelblau")
    members = [make_optimizer("momentum", alpha=a, mu=m) for a in (1e-3, 5e-3) for m in (0.0, 0.5, 0.9)]
    starts = np.tile([[0.5, -1.0]], (len(members), 1))
    together = simulate(L, Optimizer.stack(members), starts, 200, record=False)
    for i, o in enumerate(members):
        alone = simulate(L, o, starts[:1], 200, record=False)
        assert np.array_equal(together.theta[i], alone.theta[0])


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


@pytest.mark.parametrize("name", ALL)
def test_update_is_pure(name):
    L = make_landscape("rosenbrock")
    d = OPTIMIZERS[name]
    w = np.asfortranarray(np.tile([[-1.0, 1.5], [0.3, 0.2]], (2, 1)))
    h = d.params(*(np.array(v) for v in d.defaults.values()))
    state = d.init(w)
    g = L.grad(w)
    extra = (L.hessian(w),) if d.curvature else ()
    before = [w.copy(), g.copy(), *(np.copy(x) for x in state)]
    upd1, s1 = d.update(g, state, w, h, *extra)
    upd2, s2 = d.update(g, state, w, h, *extra)
    assert np.array_equal(upd1, upd2)
    assert all(np.array_equal(a, b) for a, b in zip(s1, s2, strict=True))
    for a, b in zip(before, [w, g, *state], strict=True):
        assert np.array_equal(a, b)  # nothing it was given has changed
    assert type(s1) is type(state)


@pytest.mark.parametrize("name", [n for n in ALL if not OPTIMIZERS[n].curvature])
def test_the_same_update_runs_on_floats_and_arrays(name):
    d = OPTIMIZERS[name]
    hyper = {**d.defaults, "alpha": 0.01}
    h_arr = d.params(*(np.array(v) for v in hyper.values()))
    h_flt = d.params(*hyper.values())
    w = np.asfortranarray([[0.7, -1.3]])
    s_arr = d.init(w)
    s_x, s_y = d.init(0.7), d.init(-1.3)
    x, y = 0.7, -1.3
    for g in ([1.5, -0.25], [-3.0, 2.0], [0.125, 8.0]):
        u, s_arr = d.update(np.asfortranarray([g]), s_arr, w, h_arr)
        ux, s_x = d.update(g[0], s_x, x, h_flt)
        uy, s_y = d.update(g[1], s_y, y, h_flt)
        assert type(ux) is float and [ux, uy] == u[0].tolist()  # to the last bit
        w = w + u
        x, y = x + ux, y + uy


def test_hyperparameters_per_name_share_one_meaning():
    # the command line's flags and the window's sliders come from this table
    assert set(HYPER) == {hp.name for d in OPTIMIZERS.values() for hp in d.hyper}
    assert HYPER["alpha"].log and HYPER["eps"].log and not HYPER["mu"].log


@pytest.mark.parametrize(("name", "key"), [(n, hp.name) for n in ALL for hp in OPTIMIZERS[n].hyper])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "0.1", True, None])
def test_every_hyperparameter_refuses_what_is_not_a_number(name, key, bad):
    with pytest.raises(ValueError, match=f"invalid {key}"):
        make_optimizer(name, **{key: bad})


def test_a_new_optimizer_is_one_definition_and_one_registry_line(monkeypatch):
    """Dampened momentum, p <- mu*p - (1-mu)*alpha*g: registered once, it is built by name,
    validated, listed with its hyperparameters, and runs on the float and numpy paths alike."""

    def update(g, s, w, h):
        p = h.mu * s.p
        p -= (1.0 - h.mu) * (h.alpha * g)
        return p, optimizers.MomentumState((p,))

    d = optimizers.Definition(
        "dampened", "dampened momentum: p <- mu*p - (1-mu)*alpha*g; w <- w + p",
        (optimizers.ALPHA, optimizers.MU), optimizers.MOMENTUM.init, update,
    )
    monkeypatch.setitem(OPTIMIZERS, "dampened", d)
    assert optimizers.hyperparameters().keys() == HYPER.keys()
    with pytest.raises(ValueError, match="invalid mu"):
        make_optimizer("dampened", mu=1.0)
    L = make_landscape("rosenbrock")
    opt = Optimizer.stack([make_optimizer("dampened", alpha=1e-3), make_optimizer("gd", alpha=1e-3)])
    run = simulate(L, opt, np.array([[-1.5, 2.0]] * 2), 200)
    assert run.names[0] == "dampened(alpha=0.001, mu=0.9)"
    assert run.loss[0, 200] < run.loss[0, 0]
    # with mu = 0 it is gd, bit for bit
    zero = simulate(L, make_optimizer("dampened", alpha=1e-3, mu=0.0), np.array([[-1.5, 2.0]]), 200)
    assert np.array_equal(zero.theta[0], run.theta[1])
