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


def test_saddle_at_zero_init_and_minimum_of_a_convex_net() -> None:
    net = Network(make_data(DataSpec("gauss", 80, 0.5)), hidden=(4, 4))
    zero = init_weights(net.layout, InitSpec("zeros"))
    ex = curvature.extreme_eigenvalues(net, zero, iters=net.dim)
    assert curvature.point_kind(ex) == "saddle" and ex.lam_min < 0  # the lecture's saddle
    assert curvature.exact_extremes(net, zero)[0] < 0
    # no hidden layer: logistic regression with cross-entropy is convex, every point a minimum
    lin = Network(net.data, hidden=())
    w = np.random.default_rng(1).normal(size=(4, lin.dim))
    assert np.all(curvature.point_kind(curvature.extreme_eigenvalues(lin, w, iters=3)) == "minimum")


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
