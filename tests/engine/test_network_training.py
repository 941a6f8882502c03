"""Trained networks that the symmetry, curvature, slice and metric tests share (trained once per
session), and checks that their training really worked: the lecture's claims are tested on
real trained nets, never on hand-made weights."""

from __future__ import annotations

from functools import cache

import numpy as np

from engine.network.data import DataSpec, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.mlp import Network
from engine.optimizers import make_optimizer
from engine.simulation import simulate

STEPS = 400


@cache
def moons_net() -> Network:
    """A 2-8-8-1 tanh net with cross-entropy on 200 noisy moons (160 for training)."""
    return Network(make_data(DataSpec("moons", 200, 0.1, seed=0)), hidden=(8, 8))


@cache
def trained(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(theta (STEPS+1, P), final (P,))``: Adam (alpha 0.02) from a Glorot start of ``seed``."""
    net = moons_net()
    w0 = init_weights(net.layout, InitSpec("glorot", seed=seed))
    run = simulate(net, make_optimizer("adam", alpha=0.02), w0[None], STEPS)
    return run.theta[0], run.final.theta[0]


def test_the_shared_nets_are_trained() -> None:
    net = moons_net()
    for seed in (1, 2):
        theta, final = trained(seed)
        assert np.all(np.isfinite(theta))
        start, end = net.loss(theta[[0, -1]])
        assert start > 0.5 and end < 0.05  # from chance to a good fit
        loss, acc = net.evaluate(final, "val")
        assert acc >= 0.95 and loss < 0.2
    assert not np.allclose(trained(1)[1], trained(2)[1])


def test_mixed_units_train_badly_and_standardising_cures_it() -> None:
    """The ravine lesson on a net: the second input in other units (x1000, +500) saturates the
    tanh units from a Glorot start and gradient descent learns slowly; z-scores from the
    training split make the same net, start and alpha learn fast."""
    losses = {}
    for std in (False, True):
        data = make_data(DataSpec("moons", 200, 0.1, x2_scale=1000.0, x2_offset=500.0, standardise=std))
        net = Network(data, hidden=(8,))
        w0 = init_weights(net.layout, InitSpec("glorot", seed=1))
        run = simulate(net, make_optimizer("gd", alpha=0.5), w0[None], 300)
        losses[std] = (run.loss[0, 0], run.loss[0, -1])
    # measured: standardised 0.64 -> 0.17, raw 1.12 -> 0.59
    assert losses[True][1] < 0.35 * losses[True][0]
    assert losses[False][1] > 2.5 * losses[True][1]
