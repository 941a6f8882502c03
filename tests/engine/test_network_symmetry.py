"""Weight-space symmetry on real trained nets: permutations change nothing, the average of all
permutations is worse (no convex loss allows that), aligning two nets lowers the barrier
between them, and zero initialisation keeps every hidden unit identical."""

from __future__ import annotations

import numpy as np
import pytest

from engine.network import symmetry
from engine.network.data import DataSpec, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.layout import Layout
from engine.network.mlp import Network
from engine.optimizers import make_optimizer
from engine.simulation import simulate
from tests.engine.test_network_training import moons_net, trained


@pytest.mark.parametrize("batchnorm", [False, True])
def test_permuting_units_leaves_the_loss_unchanged(batchnorm: bool) -> None:
    net = Network(moons_net().data, hidden=(8, 8), batchnorm=batchnorm)
    w = trained(1)[1]
    lay = net.layout
    for layer in (1, 2):
        perm = np.random.default_rng(layer).permutation(8)
        pw = symmetry.permute_units(lay, w, layer, perm)
        assert not np.allclose(pw, w)
        np.testing.assert_allclose(net.loss(pw), net.loss(w), rtol=1e-13)
        np.testing.assert_allclose(net.forward(pw, net.data.x_val), net.forward(w, net.data.x_val), rtol=1e-11)
        back = symmetry.permute_units(lay, pw, layer, np.argsort(perm))
        np.testing.assert_array_equal(back, w)


def test_permutation_moves_columns_bias_and_rows() -> None:
    lay = Layout((2, 3, 2, 1))
    w = np.arange(lay.size, dtype=float)
    pw = symmetry.permute_units(lay, w, 1, np.array([2, 0, 1]))
    (W1, b1), (W2, b2), _ = lay.unflatten(w)
    (P1, c1), (P2, c2), _ = lay.unflatten(pw)
    np.testing.assert_array_equal(P1, W1[:, [2, 0, 1]])
    np.testing.assert_array_equal(c1, b1[[2, 0, 1]])
    np.testing.assert_array_equal(P2, W2[[2, 0, 1], :])
    np.testing.assert_array_equal(c2, b2)


def test_degenerate_net_is_worse_than_the_trained_net() -> None:
    net = moons_net()
    w = trained(1)[1]
    rep = symmetry.symmetry_report(net, w, seed=3)
    assert rep.permuted == pytest.approx(rep.trained, rel=1e-12)
    # Jensen: a convex loss would give L(average) <= L(trained); here it is many times worse
    assert rep.jensen_violated and rep.degenerate > 10 * rep.trained
    # the degenerate net is the average of the permuted nets: its units are all the same
    avg = symmetry.degenerate(net.layout, w)
    assert np.all(symmetry.identical_units(net.layout, avg))
    assert not np.any(symmetry.identical_units(net.layout, w))
    # and it is the mean over permutations, checked by brute force on a tiny layer
    lay = Layout((2, 3, 1))
    v = np.random.default_rng(0).normal(size=lay.size)
    perms = [np.array(p) for p in ([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0])]
    mean = np.mean([symmetry.permute_units(lay, v, 1, p) for p in perms], axis=0)
    np.testing.assert_allclose(symmetry.degenerate(lay, v), mean, rtol=1e-14)


def test_alignment_lowers_the_barrier_between_two_trained_nets() -> None:
    net = moons_net()
    wa, wb = trained(1)[1], trained(2)[1]
    aligned, perms = symmetry.align(net.layout, wa, wb)
    np.testing.assert_allclose(net.loss(aligned), net.loss(wb), rtol=1e-12)  # same function
    assert any(not np.array_equal(p, np.arange(8)) for p in perms)
    rep = symmetry.alignment_report(net, wa, wb)
    assert rep.before[0] == pytest.approx(net.loss(wa)) and rep.before[-1] == pytest.approx(net.loss(wb))
    assert rep.barrier_before > 0.1  # a ridge between the two solutions
    assert rep.barrier_after < 0.8 * rep.barrier_before
    # the matched weights are closer, which is what weight matching maximises
    assert np.linalg.norm(aligned - wa) < np.linalg.norm(wb - wa)


def test_alignment_recovers_a_known_permutation() -> None:
    net = moons_net()
    w = trained(1)[1]
    perms = symmetry.random_permutations(net.layout, seed=9)
    shuffled = symmetry.permute_all(net.layout, w, perms)
    aligned, _ = symmetry.align(net.layout, w, shuffled)
    np.testing.assert_allclose(aligned, w, rtol=0, atol=0)


def test_barrier_is_the_rise_above_the_chord() -> None:
    t = np.linspace(0, 1, 5)
    assert symmetry.barrier(t, np.array([1.0, 3.0, 2.0, 1.5, 0.0])) == pytest.approx(3.0 - 0.75)
    assert symmetry.barrier(t, np.array([1.0, 0.5, 0.2, 0.1, 0.0])) == 0.0


def test_zero_init_with_logistic_units_keeps_every_hidden_unit_identical() -> None:
    net = Network(make_data(DataSpec("gauss", 120, 0.1)), hidden=(6, 5), activation="logistic")
    w0 = init_weights(net.layout, InitSpec("zeros"))
    run = simulate(net, make_optimizer("momentum", alpha=0.5, mu=0.9), w0[None], 300)
    theta = run.theta[0]
    assert np.abs(theta[-1, net.layout.w_slice(0)]).max() > 1e-3  # the hidden weights did move
    assert np.all(symmetry.identical_units(net.layout, theta))  # at every step, every layer
    # a small random start breaks the symmetry
    w1 = init_weights(net.layout, InitSpec("small", sigma=0.1, seed=1))
    other = simulate(net, make_optimizer("momentum", alpha=0.5, mu=0.9), w1[None], 300).theta[0, -1]
    assert not np.any(symmetry.identical_units(net.layout, other))
    assert np.all(symmetry.unit_spread(net.layout, other) > 1e-3)


def test_bad_arguments_are_refused() -> None:
    lay = Layout((2, 3, 1))
    w = np.zeros(lay.size)
    with pytest.raises(ValueError, match="permutation"):
        symmetry.permute_units(lay, w, 1, np.array([0, 0, 1]))
    with pytest.raises(ValueError, match="hidden layer"):
        symmetry.permute_units(lay, w, 2, np.arange(3))
    with pytest.raises(ValueError, match="no hidden layer"):
        symmetry.degenerate(Layout((2, 1)), np.zeros(3), layers=(1,))
    with pytest.raises(ValueError, match="shape"):
        symmetry.align(lay, w, np.zeros(lay.size + 1))
