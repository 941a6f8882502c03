"""Curvature readouts: Lanczos against eigvalsh of the assembled Hessian, honest residual
bounds, saddle/minimum verdicts, and per-layer gradient norms."""

from __future__ import annotations

import numpy as np
import pytest

from engine.network import curvature
from engine.network.data import DataSpec, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.mlp import Network
from engine.optimizers import make_optimizer
from engine.simulation import simulate
from tests.engine.test_network_training import moons_net, trained


def test_lanczos_with_every_direction_is_exact() -> None:
    net = Network(make_data(DataSpec("xor", 60, 0.1)), hidden=(3, 3), activation="logistic", batchnorm=True)
    w = np.random.default_rng(0).normal(size=(3, net.dim))
    ex = curvature.extreme_eigenvalues(net, w, iters=net.dim)
    lo, hi = curvature.exact_extremes(net, w)
    np.testing.assert_allclose(ex.lam_min, lo, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ex.lam_max, hi, rtol=1e-9)
    assert np.all(ex.res_min == 0) and np.all(ex.res_max == 0)


def test_lanczos_on_a_trained_net_agrees_within_its_residual_bound() -> None:
    net = moons_net()
    w = np.stack([trained(1)[0][k] for k in (0, 50, 400)])  # start, early, trained
    ex = curvature.extreme_eigenvalues(net, w, iters=30, seed=1)
    ev = np.linalg.eigvalsh(net.hessian(w))  # (3, P) ascending
    # Ritz values lie inside the spectrum ...
    assert np.all(ex.lam_max <= ev[:, -1] * (1 + 1e-12)) and np.all(ex.lam_min >= ev[:, 0] - 1e-12)
    # ... each within its residual of some true eigenvalue
    for i in range(3):
        assert np.abs(ev[i] - ex.lam_max[i]).min() <= ex.res_max[i] + 1e-10
        assert np.abs(ev[i] - ex.lam_min[i]).min() <= ex.res_min[i] + 1e-10
    # the largest converges fast: 30 products of ~100 directions give it to 1e-8
    np.testing.assert_allclose(ex.lam_max, ev[:, -1], rtol=1e-8)


def test_sharpness_along_a_run_against_two_over_alpha() -> None:
    net = moons_net()
    theta = np.stack([trained(1)[0], trained(2)[0]])
    steps, ex = curvature.along_run(net, theta, every=100, iters=20)
    assert steps.tolist() == [0, 100, 200, 300, 400] and ex.lam_max.shape == (2, 5)
    np.testing.assert_allclose(ex.lam_max[:, 2], curvature.extreme_eigenvalues(net, theta[:, 200], iters=20).lam_max)
    ratio = curvature.stability_ratio(ex.lam_max, 0.5)
    np.testing.assert_allclose(ratio, 0.25 * ex.lam_max)
    # gradient descent past 2/lambda_max: the loss grows along the sharpest direction
    w = trained(1)[1]
    lam = float(curvature.extreme_eigenvalues(net, w, iters=40).lam_max)
    for alpha, grows in ((1.0 / lam, False), (3.0 / lam, True)):
        run = simulate(net, make_optimizer("gd", alpha=alpha), w[None], 30)
        assert (run.loss[0, -1] > run.loss[0, 0]) == grows


def escape(net: Network, w: np.ndarray, t: float) -> np.ndarray:
    """``w`` with one unit per hidden layer switched on, each by ``t``: unit 1 of layer 1 gets
    the inputs ``t u``, every later layer's unit 1 gets ``t`` times the unit 1 before it, and the
    output ``t`` times the last one. From a net whose hidden weights are all zero, the output
    changes by about ``t^(L+1) u.x`` (``L`` hidden layers, tanh), and with ``u`` against the
    mean of ``(p - y) x`` the loss falls by about ``t^(L+1) |mean((p - y) x)|``."""
    layers = [(np.array(W), np.array(b)) for W, b in net.layout.unflatten(w)]
    x, y = net.data.x_train, net.data.y_train
    r = ((net.predict(w, x) - y)[:, None] * x).mean(axis=0)
    layers[0][0][:, 0] = -t * r / np.linalg.norm(r)
    for W, _b in layers[1:]:
        W[0, 0] = t
    return net.layout.flatten(layers)


def _rotated(eigenvalues: list[float], seed: int = 0) -> np.ndarray:
    """A symmetric matrix with these eigenvalues, in random axes."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigenvalues),) * 2))
    return (q * np.asarray(eigenvalues)) @ q.T


def _kind_of_matrix(h: np.ndarray, net: Network) -> str:
    ev = np.linalg.eigvalsh(h)
    ext = curvature.Extremes(ev[0], ev[-1], 0.0, 0.0)
    return str(curvature.point_kind(ext, curvature.rounding_floor(net, np.abs(ev).max())))


@pytest.mark.parametrize(("eigenvalues", "kind"), [
    # net-newton's minimum: 0.0211 is resolved however large the largest curvature (a tolerance
    # relative to 4.53e4 at 1e-6, 0.045, called it zero and the minimum a plateau)
    ([0.0211, 0.0405, 4.53e4], "minimum"),
    ([1e-6, 1.0, 1e6], "minimum"),
    # a degenerate saddle (net-zero-init's critical point): zero curvatures to rounding, the rest positive
    ([-7e-17, 0.0, 3e-17, 0.25], "degenerate"),
    ([-2.34, 0.1, 2.51], "saddle"),  # net-newton-saddle's: a direction of descent
    ([-1e-9, 0.25], "saddle"),  # small, but far above rounding
    ([-1e-17, 2e-17, 0.0], "flat"),  # a plateau: nothing resolved
    ([-3.0, -1e-3], "maximum"),
])
def test_the_classifier_on_constructed_hessians(eigenvalues: list[float], kind: str) -> None:
    net = Network(make_data(DataSpec("gauss", 200, 0.5)), hidden=())  # 160 examples, 3 weights
    assert _kind_of_matrix(_rotated(eigenvalues), net) == kind


def test_the_rounding_floor_bounds_the_error_of_the_products() -> None:
    """The floor against the Hessian's error, measured with the same products in 64-bit
    extended precision (where numpy has it)."""
    from engine.network.dual import Dual

    ld = np.longdouble
    if np.finfo(ld).eps >= np.finfo(np.float64).eps:
        pytest.skip("no extended precision here")
    net = moons_net()
    for w in (trained(1)[0][0], trained(1)[1], init_weights(net.layout, InitSpec("zeros"))):
        h = net.hessian(w)
        exact = net._pass(Dual(w.astype(ld)[None, None], np.eye(net.dim, dtype=ld)[None]), net._xa.astype(ld),
                          net._y.astype(ld), want_loss=False)[1].t[0]
        err = np.linalg.norm(np.asarray(h - 0.5 * (exact + exact.T), dtype=np.float64), 2)
        scale = np.abs(np.linalg.eigvalsh(h)).max()
        assert err <= 0.1 * curvature.rounding_floor(net, scale)


def test_a_zero_start_stops_on_a_degenerate_saddle_not_a_true_one() -> None:
    """From all-zero weights only the output bias moves; where gd stops, the curvature's
    smallest eigenvalue is minus the remaining gradient (the coupling of each output weight to
    its unit's bias), which vanishes at the critical point: there no curvature is negative,
    some are zero, and yet the loss falls along a third-order direction."""
    net = Network(make_data(DataSpec("gauss", 80, 0.5)), hidden=(4, 4))
    zero = init_weights(net.layout, InitSpec("zeros"))
    run = simulate(net, make_optimizer("gd", alpha=0.5), zero[None], 500, tol=1e-6)
    w = run.final.theta[0]
    assert run.status[0] == 1
    cp = curvature.critical_points(net, w)
    g = np.linalg.norm(net.grad(w))
    assert cp.here.lam_min == pytest.approx(-g, rel=1e-6)  # the stop's negative curvature is the gradient
    assert cp.kind == "degenerate" and cp.reached
    assert abs(cp.at.lam_min) <= cp.zero < 1e-12 and cp.at.lam_max > 0.1
    assert cp.grad < 1e-14 and cp.moved == pytest.approx(g / cp.at.lam_max, rel=1e-3)
    # not a minimum: one unit per layer switched on by t lowers the loss by about t^3 (two
    # hidden layers: a third-order way down)
    drops = [float(net.loss(w) - net.loss(escape(net, w, t))) for t in (0.05, 0.1, 0.2)]
    assert all(d > 0 for d in drops)
    assert drops[1] / drops[0] == pytest.approx(8, rel=0.05) and drops[2] / drops[1] == pytest.approx(8, rel=0.1)


def test_the_classifier_agrees_on_its_exact_and_lanczos_paths(monkeypatch) -> None:
    net = Network(make_data(DataSpec("gauss", 80, 0.5)), hidden=(4, 4))
    zero = init_weights(net.layout, InitSpec("zeros"))
    w = simulate(net, make_optimizer("gd", alpha=0.5), zero[None], 500, tol=1e-6).final.theta
    lin = Network(net.data, hidden=())
    m = simulate(lin, make_optimizer("newton", alpha=1.0), np.zeros((1, lin.dim)), 50, tol=1e-10).final.theta
    exact = curvature.critical_points(net, w), curvature.critical_points(lin, m)
    monkeypatch.setattr(curvature, "EXACT_LIMIT", 1)
    lanczos = curvature.critical_points(net, w), curvature.critical_points(lin, m)
    for a, b in zip(exact, lanczos, strict=True):
        assert a.kind == b.kind and a.reached == b.reached
        np.testing.assert_allclose(a.at.lam_max, b.at.lam_max, rtol=1e-9)
    assert [str(a.kind[0]) for a in exact] == ["degenerate", "minimum"]


def test_layer_grad_norms_split_the_gradient() -> None:
    net = moons_net()
    theta = trained(2)[0][[0, 10]]
    norms = curvature.layer_grad_norms(net, theta)
    assert norms.shape == (2, 3)
    g = net.grad(theta)
    np.testing.assert_allclose((norms**2).sum(axis=-1), (g**2).sum(axis=-1), rtol=1e-12)
    np.testing.assert_allclose(norms[:, 0], np.linalg.norm(g[:, : 2 * 8 + 8], axis=-1), rtol=1e-14)


def test_saturated_logistic_units_have_vanishing_first_layer_gradients() -> None:
    """Biases of 40 saturate every logistic unit (sigma' ~ 4e-18): the first layer's gradient
    is some 1e-17 of the output layer's, and reported as that number, not rounded to zero."""
    net = Network(make_data(DataSpec("moons", 100, 0.1)), hidden=(8,), activation="logistic")
    w = init_weights(net.layout, InitSpec("small", sigma=0.5, seed=2))
    w[net.layout.b_slice(0)] = 40.0
    norms = curvature.layer_grad_norms(net, w)
    assert 0 < norms[0] < 1e-15 * norms[1]
    w[net.layout.b_slice(0)] = 0.0
    norms = curvature.layer_grad_norms(net, w)
    assert norms[0] > 1e-2 * norms[1]


def test_points_that_are_not_finite_give_nan() -> None:
    net = moons_net()
    w = np.stack([trained(1)[1], np.full(net.dim, np.nan), trained(2)[1]])
    ex = curvature.extreme_eigenvalues(net, w, iters=5)
    assert np.isnan(ex.lam_max[1]) and np.all(np.isfinite(ex.lam_max[[0, 2]]))
    w[1, 0] = np.inf
    norms = curvature.layer_grad_norms(net, w)
    assert np.all(np.isnan(norms[1])) and np.all(np.isfinite(norms[[0, 2]]))
    np.testing.assert_allclose(ex.lam_max[[0, 2]], curvature.extreme_eigenvalues(net, w[[0, 2]], iters=5).lam_max)


def test_bad_arguments() -> None:
    net = moons_net()
    with pytest.raises(ValueError, match="iters"):
        curvature.extreme_eigenvalues(net, trained(1)[1], iters=0)
    with pytest.raises(ValueError, match="shape"):
        curvature.extreme_eigenvalues(net, np.zeros(3))
