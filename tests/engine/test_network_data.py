"""Network data sets and initialisations: reproducible from the seed, as documented, and every
bad field refused with one clear line."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.network.data import GENERATORS, DataSpec, make_data
from engine.network.inits import KINDS, InitSpec, init_weights
from engine.network.layout import Layout


@pytest.mark.parametrize("name", list(GENERATORS))
def test_reproducible_and_seeded(name: str) -> None:
    a, b = make_data(DataSpec(name, 200, 0.1, seed=3)), make_data(DataSpec(name, 200, 0.1, seed=3))
    c = make_data(DataSpec(name, 200, 0.1, seed=4))
    for f in ("x_train", "y_train", "x_val", "y_val"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_shapes_labels_and_split(name: str) -> None:
    d = make_data(DataSpec(name, 201, 0.0, train_fraction=0.75))
    assert d.x_train.shape == (151, 2) and d.x_val.shape == (50, 2)
    assert d.y_train.dtype == np.float64 and set(np.unique(np.r_[d.y_train, d.y_val])) == {0.0, 1.0}
    assert np.r_[d.y_train, d.y_val].sum() == 100  # half the points (rounded down) are class 1
    # without noise the points lie in the documented box of about [-1, 1]^2 (the Gaussian
    # clouds have tails of their own)
    x = np.concatenate([d.x_train, d.x_val])
    assert np.all(np.abs(x) <= (2.0 if name == "gauss" else 1.25))


def test_labels_follow_the_documented_rules() -> None:
    d = make_data(DataSpec("xor", 400, 0.0))
    x, y = d.x_train, d.y_train
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(float))
    d = make_data(DataSpec("circles", 400, 0.0))
    r = np.hypot(*d.x_train.T)
    assert np.all(r[d.y_train == 1] <= 0.5) and np.all(r[d.y_train == 0] >= 0.7)


def test_noise_is_gaussian_with_the_given_deviation() -> None:
    # spirals are deterministic before the noise, which adds 0.3^2 to each coordinate's variance
    clean = make_data(DataSpec("spirals", 4000, 0.0, seed=1))
    noisy = make_data(DataSpec("spirals", 4000, 0.3, seed=1))
    allc = np.concatenate([clean.x_train, clean.x_val])
    alln = np.concatenate([noisy.x_train, noisy.x_val])
    np.testing.assert_allclose(alln.var(axis=0) - allc.var(axis=0), 0.09, atol=0.01)


def test_units_and_standardise_use_the_training_split_only() -> None:
    spec = DataSpec("moons", 300, 0.1, seed=2, x2_scale=1000.0, x2_offset=500.0)
    raw = make_data(spec)
    base = make_data(dataclasses.replace(spec, x2_scale=1.0, x2_offset=0.0))
    np.testing.assert_allclose(raw.x_train[:, 1], base.x_train[:, 1] * 1000.0 + 500.0)
    np.testing.assert_array_equal(raw.x_train[:, 0], base.x_train[:, 0])
    std = make_data(dataclasses.replace(spec, standardise=True))
    np.testing.assert_allclose(std.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(std.x_train.std(axis=0), 1.0, rtol=1e-12)
    # the validation split is transformed with the training statistics, not its own
    np.testing.assert_allclose(std.x_val, (raw.x_val - raw.x_train.mean(axis=0)) / raw.x_train.std(axis=0))
    assert np.abs(std.x_val.mean(axis=0)).max() > 1e-6
    np.testing.assert_allclose(std.to_inputs(raw.x_val), std.x_val)
    np.testing.assert_array_equal(raw.to_inputs(raw.x_val), raw.x_val)


def test_box_holds_every_point() -> None:
    d = make_data(DataSpec("gauss", 100, 0.2))
    (a, b), (c, e) = d.box(0.1)
    x = np.concatenate([d.x_train, d.x_val])
    assert a < x[:, 0].min() and x[:, 0].max() < b and c < x[:, 1].min() and x[:, 1].max() < e


BAD_DATA = [
    ("name", "swirl", "unknown data set"),
    ("n_points", 5, "points"),
    ("n_points", 10**6, "points"),
    ("n_points", 100.5, "points"),
    ("noise", -0.1, "noise"),
    ("noise", float("nan"), "noise"),
    ("noise", "0.1", "noise"),
    ("seed", -1, "seed"),
    ("train_fraction", 1.0, "train fraction"),
    ("x2_scale", 0.0, "x2 scale"),
    ("x2_offset", float("inf"), "x2 offset"),
    ("standardise", "yes", "standardise"),
]


@pytest.mark.parametrize(("field", "value", "word"), BAD_DATA, ids=[f"{f}={v!r}" for f, v, _ in BAD_DATA])
def test_bad_data_fields_are_refused_in_one_line(field: str, value: object, word: str) -> None:
    with pytest.raises(ValueError) as err:
        DataSpec(**{field: value})
    msg = str(err.value)
    assert word in msg and "\n" not in msg


def test_a_split_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="validation"):
        DataSpec("xor", 12, train_fraction=0.95)


def test_every_field_is_checked() -> None:
    # each field of the spec appears in the table of bad values above
    assert {f.name for f in dataclasses.fields(DataSpec)} == {f for f, _, _ in BAD_DATA}


# -- initialisations ---------------------------------------------------------------------------


LAYOUT = Layout((2, 64, 32, 1))


@pytest.mark.parametrize("kind", KINDS)
def test_inits_reproducible_and_biases_zero(kind: str) -> None:
    a, b = init_weights(LAYOUT, InitSpec(kind, seed=5)), init_weights(LAYOUT, InitSpec(kind, seed=5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (LAYOUT.size,)
    for i in range(LAYOUT.n_layers):
        assert not np.any(a[LAYOUT.b_slice(i)])
    if kind != "zeros":
        assert not np.array_equal(a, init_weights(LAYOUT, InitSpec(kind, seed=6)))


def test_init_distributions_match_their_papers() -> None:
    for i, (W, _) in enumerate(LAYOUT.unflatten(init_weights(LAYOUT, InitSpec("glorot", seed=1)))):
        fi, fo = LAYOUT.shape(i)
        a = np.sqrt(6.0 / (fi + fo))
        assert np.abs(W).max() <= a and np.abs(W).max() > 0.9 * a  # uniform up to the bound
    W = LAYOUT.unflatten(init_weights(LAYOUT, InitSpec("he", seed=1)))[1][0]
    np.testing.assert_allclose(W.std(), np.sqrt(2.0 / 64), rtol=0.05)  # N(0, 2/fan_in)
    W = LAYOUT.unflatten(init_weights(LAYOUT, InitSpec("small", sigma=0.03, seed=1)))[1][0]
    np.testing.assert_allclose(W.std(), 0.03, rtol=0.05)
    assert not np.any(init_weights(LAYOUT, InitSpec("zeros")))


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"kind": "xavier"}, "unknown init"), ({"sigma": 0.0}, "sigma"), ({"sigma": float("nan")}, "sigma"),
     ({"seed": 2**40}, "seed"), ({"seed": 1.5}, "seed")],
)
def test_bad_inits_are_refused_in_one_line(kwargs: dict, word: str) -> None:
    with pytest.raises(ValueError) as err:
        InitSpec(**kwargs)
    assert word in str(err.value) and "\n" not in str(err.value)
