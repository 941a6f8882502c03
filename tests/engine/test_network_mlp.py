"""The network landscape: gradients, Hessian-vector products and Hessians against finite
differences for every activation x loss x batch norm, batched equals one by one, batch norm's
documented statistics, overflow safety, and every optimizer running on it through simulate."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from engine.landscapes import Landscape
from engine.network.activations import ACTIVATIONS
from engine.network.data import DataSpec, DataSplit, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.layout import Layout
from engine.network.losses import LOSSES
from engine.network.mlp import BN_EPS, NetSpec, Network, parse_hidden
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.simulation import Status, simulate

DATA = make_data(DataSpec("moons", 30, 0.2, seed=1))
SHAPES = [(), (4,), (5, 3)]
COMBOS = list(itertools.product(ACTIVATIONS, LOSSES, (False, True), SHAPES))
IDS = [f"{a}-{loss}-{'bn' if b else 'plain'}-{'x'.join(map(str, h)) or 'none'}" for a, loss, b, h in COMBOS]
UNITS = list(itertools.product(ACTIVATIONS, LOSSES, (False, True)))


def _net(activation="tanh", loss="xent", batchnorm=False, hidden=(5, 3), data=DATA) -> Network:
    return Network(data, hidden=hidden, activation=activation, loss=loss, batchnorm=batchnorm)


def _points(net: Network, n: int, seed: int, scale: float = 0.8) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, scale, (n, net.dim))


def _kink_margin(net: Network, w: np.ndarray) -> float:
    """Smallest |pre-activation| of any hidden unit over the training data at ``w`` (a relu
    gradient check is only valid away from the kinks)."""
    h = net.data.x_train
    lay = net.layout
    out = np.inf
    for i, (W, b) in enumerate(lay.unflatten(w)):
        if i == lay.n_layers - 1:
            break
        a = h @ W
        if net.spec.batchnorm:
            a = (a - a.mean(axis=0)) / np.sqrt(a.var(axis=0) + BN_EPS)
        a = a + b
        out = min(out, float(np.abs(a).min()))
        h = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "logistic": lambda v: 1 / (1 + np.exp(-v))}[
            net.spec.activation
        ](a)
    return out


def _smooth_points(net: Network, n: int, seed: int, margin: float = 1e-3) -> np.ndarray:
    """``n`` random points, drawn until each is at least ``margin`` from every relu kink
    (differences across a kink measure nothing); other activations take the first draw."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        w = rng.normal(0.0, 0.8, net.dim)
        if net.spec.activation != "relu" or _kink_margin(net, w) > margin:
            out.append(w)
    return np.array(out)


def _fd_grad(net: Network, w: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the loss along every coordinate, for a batch ``w (B, P)``."""
    eye = np.eye(net.dim) * h
    plus = net.loss(w[:, None, :] + eye)  # (B, P)
    minus = net.loss(w[:, None, :] - eye)
    return (plus - minus) / (2 * h)


def _fd_hvp(net: Network, w: np.ndarray, v: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central differences of the analytic gradient along ``v``, Richardson-extrapolated
    (error O(h^4))."""
    d = lambda s: (net.grad(w + s * v) - net.grad(w - s * v)) / (2 * s)
    return (4 * d(h / 2) - d(h)) / 3


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


@pytest.mark.parametrize(("activation", "loss", "batchnorm", "hidden"), COMBOS, ids=IDS)
def test_gradient_matches_central_differences(activation, loss, batchnorm, hidden) -> None:
    net = _net(activation, loss, batchnorm, hidden)
    w = _smooth_points(net, 3, seed=len(hidden), margin=1e-4)
    value, g = net.loss_grad(w)
    np.testing.assert_allclose(value, net.loss(w), rtol=1e-14)
    np.testing.assert_allclose(g, net.grad(w), rtol=1e-14, atol=1e-16)
    assert _rel_err(g, _fd_grad(net, w)) < 1e-7


@pytest.mark.parametrize(("activation", "loss", "batchnorm", "hidden"), COMBOS, ids=IDS)
def test_hvp_matches_differences_of_the_gradient(activation, loss, batchnorm, hidden) -> None:
    net = _net(activation, loss, batchnorm, hidden)
    w = _smooth_points(net, 2, seed=7 + len(hidden))
    v = _points(net, 2, seed=8, scale=1.0)
    assert _rel_err(net.hvp(w, v), _fd_hvp(net, w, v)) < 1e-7


@pytest.mark.parametrize(("activation", "loss", "batchnorm"), UNITS)
def test_hessian_exact_symmetric_and_consistent(activation, loss, batchnorm) -> None:
    net = _net(activation, loss, batchnorm, hidden=(3, 2))  # P = 9 + 8 + 3 = 20
    w = _smooth_points(net, 2, seed=3)
    hess = net.hessian(w)
    assert hess.shape == (2, net.dim, net.dim)
    # against a full Hessian by central differences of the gradient, column by column
    eye = np.eye(net.dim)
    fd = np.stack([_fd_hvp(net, w, np.broadcast_to(e, w.shape)) for e in eye], axis=-1)
    assert _rel_err(hess, fd) < 1e-7
    # exactness that differences cannot show: u.H v == v.H u to rounding (forward mode)
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=w.shape), rng.normal(size=w.shape)
    uhv = np.einsum("bp,bp->b", u, net.hvp(w, v))
    vhu = np.einsum("bp,bp->b", v, net.hvp(w, u))
    np.testing.assert_allclose(uhv, vhu, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.einsum("bij,bj->bi", hess, v), net.hvp(w, v), rtol=1e-10, atol=1e-13)


def test_batched_equals_one_by_one_for_any_leading_shape() -> None:
    net = _net("logistic", "mse", True, (4, 4))
    w = _points(net, 6, seed=2).reshape(2, 3, net.dim)
    loss, g = net.loss_grad(w)
    assert loss.shape == (2, 3) and g.shape == (2, 3, net.dim)
    for i, j in itertools.product(range(2), range(3)):
        li, gi = net.loss_grad(w[i, j])
        np.testing.assert_allclose(loss[i, j], li, rtol=1e-14)
        np.testing.assert_allclose(g[i, j], gi, rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(net.hvp(w, w)[i, j], net.hvp(w[i, j], w[i, j]), rtol=1e-12, atol=1e-15)
    # a column-major batch, as the simulation passes it, gives the same numbers
    flat = w.reshape(-1, net.dim)
    np.testing.assert_allclose(net.grad(np.asfortranarray(flat)), net.grad(flat), rtol=1e-14)


def test_large_batches_are_chunked_with_the_same_numbers() -> None:
    net = _net("tanh", "xent", False, (16, 16), data=make_data(DataSpec("spirals", 400, 0.1)))
    w = _points(net, 60, seed=4, scale=0.3)
    loss, g = net.loss_grad(w)
    for k in (0, 31, 59):
        np.testing.assert_allclose(loss[k], net.loss(w[k]), rtol=1e-13)
        np.testing.assert_allclose(g[k], net.grad(w[k]), rtol=1e-11, atol=1e-15)


def test_layout_is_the_documented_one() -> None:
    """A hand-written forward pass from the documented layout gives the same loss."""
    net = _net("tanh", "xent", False, (4, 3))
    w = _points(net, 1, seed=9)[0]
    k = 0
    h = net.data.x_train
    for fi, fo in zip(net.layout.sizes[:-1], net.layout.sizes[1:], strict=True):
        W = w[k : k + fi * fo].reshape(fi, fo)  # row-major: W[j, k] at j*fan_out + k
        b = w[k + fi * fo : k + fi * fo + fo]
        k += fi * fo + fo
        h = h @ W + b
        if fo != 1:
            h = np.tanh(h)
    z, y = h[:, 0], net.data.y_train
    expected = np.mean(np.logaddexp(0, z) - y * z)
    np.testing.assert_allclose(net.loss(w), expected, rtol=1e-13)
    assert k == net.dim == net.layout.size == 2 * 4 + 4 + 4 * 3 + 3 + 3 + 1
    assert net.layout.names() == ["W1", "b1", "W2", "b2", "W3", "b3"]


def test_mse_is_the_mean_squared_error_of_the_probability() -> None:
    net = _net("relu", "mse", False, ())  # no hidden layer: p = logistic(x @ W + b)
    w = np.array([0.3, -1.2, 0.5])
    p = 1 / (1 + np.exp(-(net.data.x_train @ w[:2] + w[2])))
    np.testing.assert_allclose(net.loss(w), np.mean((p - net.data.y_train) ** 2), rtol=1e-14)


def test_batchnorm_statistics_as_documented() -> None:
    net = _net("tanh", "xent", True, (4,))
    w = _points(net, 1, seed=11)[0]
    (W1, b1), (W2, b2) = net.layout.unflatten(w)
    xt, xv = net.data.x_train, net.data.x_val

    def out(x: np.ndarray, stats: np.ndarray) -> np.ndarray:
        a = stats @ W1
        mu, sd = a.mean(axis=0), np.sqrt(a.var(axis=0) + BN_EPS)
        return (np.tanh((x @ W1 - mu) / sd + b1) @ W2 + b2)[:, 0]

    # training loss: full-batch statistics; evaluation: the training set's statistics
    z = out(xt, xt)
    np.testing.assert_allclose(net.loss(w), np.mean(np.logaddexp(0, z) - net.data.y_train * z), rtol=1e-13)
    zv = out(xv, xt)
    np.testing.assert_allclose(net.validation_loss(w), np.mean(np.logaddexp(0, zv) - net.data.y_val * zv), rtol=1e-13)
    np.testing.assert_allclose(net.forward(w, xv), zv, rtol=1e-12)
    # a mini-batch gradient uses the mini-batch's own statistics: it equals the full gradient
    # of a network trained on just those examples
    idx = np.array([0, 3, 4, 9, 17])
    sub = dataclasses.replace(net.data, x_train=xt[idx], y_train=net.data.y_train[idx])
    np.testing.assert_allclose(net.batch_grad(w, idx), Network(sub, net.spec).grad(w), rtol=1e-12)
    np.testing.assert_allclose(net.batch_grad(w, np.arange(net.n_train)), net.grad(w), rtol=1e-12)


def test_evaluate_and_predict() -> None:
    net = _net("tanh", "xent", False, (5,))
    w = _points(net, 4, seed=12)
    loss, acc = net.evaluate(w, "val")
    z = net.forward(w, net.data.x_val)
    np.testing.assert_allclose(loss, net.validation_loss(w))
    np.testing.assert_allclose(acc, ((z > 0) == (net.data.y_val > 0.5)).mean(axis=-1))
    np.testing.assert_allclose(net.predict(w, net.data.x_val), 1 / (1 + np.exp(-z)), rtol=1e-13)
    with pytest.raises(ValueError, match="split"):
        net.evaluate(w, "test")


@pytest.mark.parametrize(("activation", "loss", "batchnorm"), UNITS)
def test_huge_weights_give_finite_numbers_and_no_warnings(activation, loss, batchnorm) -> None:
    # the suite turns warnings into errors: overflow in exp or 0*inf would fail here
    net = _net(activation, loss, batchnorm, (6, 6))
    w = _points(net, 3, seed=13) * 1e3
    value, g = net.loss_grad(w)
    hv = net.hvp(w, w)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(g)) and np.all(np.isfinite(hv))
    assert np.all(np.isfinite(net.evaluate(w, "val")[0]))
    p = net.predict(w, net.data.x_val)
    assert np.all((p >= 0) & (p <= 1))


@pytest.mark.parametrize(("activation", "loss", "batchnorm"), UNITS)
def test_overflowing_weights_give_no_warnings(activation, loss, batchnorm) -> None:
    """Where a run at alpha 1e308 ends: finite weights whose products overflow. The numbers
    may be inf or NaN (the callers judge them); no warning is raised, in the calling thread
    or in the workers that share a large batch (numpy's error state is per thread)."""
    net = _net(activation, loss, batchnorm, (6, 6))
    w = _points(net, 3, seed=13) * 1e306
    value, _g = net.loss_grad(w)
    net.hvp(w, w)
    net.hessian(w[:1])
    many = np.repeat(w, 400, axis=0)  # more rows than one chunk: the workers evaluate them
    assert net._rows_per_chunk(net._eval_columns(net.train_columns[0])) < len(many)
    train_loss, _acc = net.evaluate(many, "train")
    np.testing.assert_array_equal(train_loss[::400], value)  # the same numbers, NaN or not
    net.predict(many[:50], net.data.x_val)


def test_zero_init_with_tanh_moves_only_the_output_bias() -> None:
    net = _net("tanh", "xent", False, (8, 8))
    w0 = init_weights(net.layout, InitSpec("zeros"))
    g = net.grad(w0)
    nonzero = np.flatnonzero(g)
    assert nonzero.tolist() == [net.dim - 1]  # b of the output layer, the last weight
    run = simulate(net, make_optimizer("gd", alpha=0.5), w0[None], 50)
    moved = np.flatnonzero(run.theta[0, -1] != w0)
    assert moved.tolist() == [net.dim - 1]


def test_interface_and_validation() -> None:
    net = _net()
    assert isinstance(net, Landscape) and net.dim == net.layout.size == len(net.axis_labels)
    assert net.axis_labels[:3] == ("W1[0,0]", "W1[0,1]", "W1[0,2]") and net.axis_labels[-1] == "b3[0]"
    assert "5-3" in net.label() and "\n" not in repr(net)
    assert len(net.default_start) == net.dim
    bad_specs = (
        ({"hidden": (0,)}, "width"), ({"hidden": "16,16"}, "hidden"), ({"hidden": (4.5,)}, "width"),
        ({"activation": "gelu"}, "activation"), ({"loss": "hinge"}, "loss"), ({"batchnorm": 1}, "batchnorm"),
    )
    for bad, word in bad_specs:
        with pytest.raises(ValueError) as err:
            NetSpec(**bad)
        assert word in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ValueError, match="shape"):
        net.loss(np.zeros(net.dim + 1))
    with pytest.raises(ValueError, match="mini-batch"):
        net.batch_grad(np.zeros(net.dim), np.array([net.n_train]))
    with pytest.raises(ValueError, match="DataSplit"):
        Network(np.zeros((3, 2)))
    assert NetSpec(hidden=[4, 4]).hidden == (4, 4) and NetSpec(hidden=7).hidden == (7,)
    assert parse_hidden(" 16, 8 ") == (16, 8) and parse_hidden("none") == () and parse_hidden("") == ()
    for text, word in (("16,x", "comma-separated"), ("16,,2", "comma-separated"), ("0", "width"), ("3.5", "comma")):
        with pytest.raises(ValueError) as err:
            parse_hidden(text)
        assert word in str(err.value) and "\n" not in str(err.value)
    assert isinstance(DATA, DataSplit) and Layout((2, 1)).size == 3


# -- the simulation runs on it unchanged ---------------------------------------------------------

TINY = Network(make_data(DataSpec("moons", 60, 0.1, seed=2)), hidden=(3,))
W0 = init_weights(TINY.layout, InitSpec("glorot", seed=1))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_trains_the_network_through_simulate(name: str) -> None:
    hyper = {"damping": 0.1} if name == "newton" else {"alpha": 0.1}
    run = simulate(TINY, make_optimizer(name, **hyper), W0[None], 100)
    assert run.theta.shape == (1, 101, TINY.dim)
    assert run.status[0] in (Status.UNCONVERGED, Status.CONVERGED)
    assert np.all(np.isfinite(run.loss[0]))
    assert run.loss[0, -1] < 0.6 * run.loss[0, 0]  # every one of them learns


def test_seven_racers_full_and_mini_batch() -> None:
    opt = Optimizer.stack([make_optimizer(n, **({"damping": 0.1} if n == "newton" else {})) for n in OPTIMIZERS])
    starts = np.tile(W0, (len(OPTIMIZERS), 1))
    run = simulate(TINY, opt, starts, 40)
    for i, name in enumerate(OPTIMIZERS):  # the stacked race equals each optimizer alone
        alone = simulate(TINY, make_optimizer(name, **({"damping": 0.1} if name == "newton" else {})), W0[None], 40)
        np.testing.assert_allclose(run.loss[i], alone.loss[0], rtol=1e-10)
    mb = simulate(TINY, opt, starts, 40, batch_size=8, seed=3)
    assert mb.loss.shape == (7, 41) and np.all(np.isfinite(mb.loss[:6]))
    assert not np.allclose(mb.loss[:6], run.loss[:6])  # mini-batches take other paths
