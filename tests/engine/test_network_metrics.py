"""Training curves and the probability field: batched over a run's steps, NaN where the run
has no finite weights, equal to the network's own numbers."""

from __future__ import annotations

import numpy as np
import pytest

from engine.network import metrics
from engine.network.mlp import Network
from tests.engine.test_network_training import moons_net, trained


def test_curves_over_a_run_equal_the_network_numbers() -> None:
    net = moons_net()
    theta = np.stack([trained(1)[0], trained(2)[0]])  # (2, 401, P)
    theta[1, 200:] = np.nan  # a racer that stopped at step 199
    theta[1, 199, 0] = np.inf  # ... with a non-finite last point
    m = metrics.evaluate(net, theta)
    for a in (m.train_loss, m.val_loss, m.train_acc, m.val_acc):
        assert a.shape == (2, 401)
        assert np.all(np.isfinite(a[0])) and np.all(np.isfinite(a[1, :199])) and np.all(np.isnan(a[1, 199:]))
    np.testing.assert_allclose(m.train_loss[0], net.loss(theta[0]), rtol=1e-12)
    np.testing.assert_allclose(m.val_loss[0], net.validation_loss(theta[0]), rtol=1e-12)
    assert m.train_acc[0, -1] >= 0.95 and m.train_acc[0, 0] < 0.9  # it learned
    # every 50th step only (and the last), the rest NaN
    sub = metrics.evaluate(net, theta, every=50)
    steps = np.flatnonzero(np.isfinite(sub.val_loss[0]))
    assert steps.tolist() == [*range(0, 401, 50)]
    np.testing.assert_allclose(sub.val_loss[0, steps], m.val_loss[0, steps], rtol=1e-14)


def test_probability_field() -> None:
    net = moons_net()
    w = np.stack([trained(1)[1], trained(2)[1]])
    field = metrics.probability_field(net, w, resolution=40)
    assert field.p.shape == (2, 40, 40) and field.x1.shape == field.x2.shape == (40,)
    assert np.all((field.p >= 0) & (field.p <= 1))
    # row j is x2[j], column i is x1[i]
    j, i = 7, 31
    np.testing.assert_allclose(field.p[:, j, i], net.predict(w, np.array([[field.x1[i], field.x2[j]]]))[:, 0])
    # a trained net puts the training points on the right side of its boundary
    x, y = net.data.x_train, net.data.y_train
    assert np.mean((net.predict(w[0], x) > 0.5) == (y > 0.5)) > 0.95
    box = ((-1.0, 1.0), (0.0, 2.0))
    f2 = metrics.probability_field(net, w[0], resolution=3, box=box)
    np.testing.assert_allclose(f2.x1, [-1, 0, 1]) and np.testing.assert_allclose(f2.x2, [0, 1, 2])
    assert f2.p.shape == (3, 3)


def test_bad_arguments() -> None:
    net: Network = moons_net()
    w = trained(1)[1]
    with pytest.raises(ValueError, match="resolution"):
        metrics.probability_field(net, w, resolution=1)
    with pytest.raises(ValueError, match="box"):
        metrics.probability_field(net, w, box=((1.0, 0.0), (0.0, 1.0)))
    with pytest.raises(ValueError, match="steps axis"):
        metrics.evaluate(net, w, every=2)
