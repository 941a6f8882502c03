"""Loss slices and planes through weight space: the fast slice equals the network's own loss,
projections invert, the PCA plane captures what it claims, filter normalisation as
documented."""

from __future__ import annotations

import numpy as np
import pytest

from engine.network import slices
from engine.network.data import DataSpec, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.layout import Layout
from engine.network.mlp import Network
from tests.engine.test_network_training import moons_net, trained

NETS = {
    "tanh": dict(hidden=(8, 8)),
    "relu-mse-3layers": dict(hidden=(5, 4, 3), activation="relu", loss="mse"),
    "logistic-bn": dict(hidden=(6,), activation="logistic", batchnorm=True),
    "no-hidden": dict(hidden=()),
}


@pytest.mark.parametrize("name", list(NETS))
def test_slice_equals_the_network_loss_at_the_plane_points(name: str) -> None:
    net = Network(moons_net().data, **NETS[name])
    rng = np.random.default_rng(0)
    o, d1, d2 = rng.normal(0, 0.7, (3, net.dim))
    a, b = np.linspace(-1, 1, 7), np.linspace(-2, 0.5, 5)
    grid = slices.loss_slice(net, o, d1, d2, a, b)
    assert grid.shape == (5, 7)
    pts = o + a[None, :, None] * d1 + b[:, None, None] * d2
    np.testing.assert_allclose(grid, net.loss(pts), rtol=1e-13)
    for workers in (1, 3):
        np.testing.assert_allclose(slices.loss_slice(net, o, d1, d2, a, b, workers=workers), grid, rtol=1e-14)
    fast = slices.loss_slice(net, o, d1, d2, a, b, precision="float32")
    np.testing.assert_allclose(fast, grid, rtol=1e-6)  # the documented single-precision error


def test_pca_plane_of_trajectories() -> None:
    net = moons_net()
    paths = np.stack([trained(1)[0], trained(2)[0]])  # (2, 401, P)
    paths[1, 300:] = np.nan  # a stopped racer's padding is ignored
    plane = slices.pca_plane(paths)
    assert plane.kind == "pca" and 0.5 < plane.captured <= 1.0
    np.testing.assert_allclose(np.stack([plane.d1, plane.d2]) @ np.stack([plane.d1, plane.d2]).T, np.eye(2), atol=1e-12)
    assert slices.captured(plane, paths) == pytest.approx(plane.captured, rel=1e-10)
    # no other plane captures more: a random one captures far less
    rnd = slices.random_plane(net.layout, trained(1)[1], seed=0)
    assert slices.captured(rnd, paths) < plane.captured
    xy = slices.project(plane, paths)
    assert xy.shape == (2, 401, 2) and np.all(np.isnan(xy[1, 300:])) and np.all(np.isfinite(xy[0]))
    (a0, a1), (b0, b1) = slices.extent(plane, paths)
    finite = xy[np.isfinite(xy[..., 0])]
    assert a0 < finite[:, 0].min() and finite[:, 0].max() < a1 and b0 < finite[:, 1].min() and finite[:, 1].max() < b1


def test_paths_inside_a_plane_are_captured_whole_and_projected_exactly() -> None:
    rng = np.random.default_rng(2)
    o, u, v = rng.normal(size=(3, 20))
    ab = rng.normal(size=(50, 2))
    pts = o + ab[:, :1] * u + ab[:, 1:] * v
    plane = slices.endpoints_plane(o, o + u, o + v)
    np.testing.assert_allclose(slices.project(plane, pts), ab, rtol=1e-10, atol=1e-12)
    assert slices.captured(plane, pts) == pytest.approx(1.0, abs=1e-12)
    assert slices.pca_plane(pts).captured == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(slices.project(plane, np.stack([o, o + u, o + v])), [[0, 0], [1, 0], [0, 1]], atol=1e-12)
    np.testing.assert_allclose(plane.point(0.3, -2.0), o + 0.3 * u - 2.0 * v)


def test_random_plane_is_filter_normalised() -> None:
    lay = Layout((2, 6, 4, 1))
    w = init_weights(lay, InitSpec("he", seed=3))
    w[lay.b_slice(0)] = 0.7  # biases are left out of the directions whatever their values
    plane = slices.random_plane(lay, w, seed=4)
    for d in (plane.d1, plane.d2):
        for (W, _), (D, db) in zip(lay.unflatten(w), lay.unflatten(d), strict=True):
            np.testing.assert_allclose(np.linalg.norm(D, axis=0), np.linalg.norm(W, axis=0), rtol=1e-12)
            assert not np.any(db)
    assert not np.allclose(plane.d1, plane.d2)
    with pytest.raises(ValueError, match="zero"):
        slices.random_plane(lay, np.zeros(lay.size))


def test_slice_of_a_standard_net_shows_its_basin() -> None:
    """Through a trained net, the loss at the origin of a random plane is the lowest of a
    small slice around it (the trained net sits in a basin)."""
    net = moons_net()
    w = trained(1)[1]
    plane = slices.random_plane(net.layout, w, seed=1)
    ab = np.linspace(-0.5, 0.5, 11)
    grid = slices.loss_slice(net, plane.origin, plane.d1, plane.d2, ab, ab)
    assert grid[5, 5] == pytest.approx(net.loss(w), rel=1e-12)
    assert grid[5, 5] == grid.min()


def test_bad_arguments_are_refused() -> None:
    net = Network(make_data(DataSpec("xor", 40)), hidden=(3,))
    o = np.zeros(net.dim)
    with pytest.raises(ValueError, match="alphas"):
        slices.loss_slice(net, o, o, o, np.array([]), np.zeros(3))
    with pytest.raises(ValueError, match="betas"):
        slices.loss_slice(net, o, o, o, np.zeros(3), np.array([np.nan]))
    with pytest.raises(ValueError, match="shape"):
        slices.loss_slice(net, o[:-1], o, o, np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="precision"):
        slices.loss_slice(net, o, o, o, np.zeros(3), np.zeros(3), precision="half")
    with pytest.raises(ValueError, match="parallel"):
        slices.endpoints_plane(o, o + 1, o + 2)
    with pytest.raises(ValueError, match="at least 3"):
        slices.pca_plane(np.zeros((2, net.dim)))
    with pytest.raises(ValueError, match="fewer than two"):
        slices.pca_plane(np.outer(np.arange(5.0), np.ones(net.dim)))
