"""A network problem from fields (command line, scenario), and a race trained on it."""

from __future__ import annotations

import io

import numpy as np
import pytest

from engine.network.setup import FIELDS, NetworkSetup
from engine.network.training import CSV_HEADER, train
from engine.optimizers import make_optimizer
from engine.simulation import Status


def test_fields_read_back_and_defaults_are_the_docstrings():
    s = NetworkSetup.from_fields({})
    assert s.fields()["data"] == "spirals" and s.fields()["hidden"] == [16, 16]
    t = NetworkSetup.from_fields({"data": "moons", "hidden": "8,4", "units": "standardised", "mixed_units": True,
                                  "init": "small", "sigma": 0.05, "seed": 3, "batchnorm": True, "loss": "mse"})
    assert NetworkSetup.from_fields(t.fields()) == t
    assert set(t.fields()) == set(FIELDS)
    net, w0 = t.build()
    assert net.layout.describe() == "2-8-4-1" and w0.shape == (net.dim,)
    assert net.data.spec.x2_scale == 1000.0 and net.data.spec.standardise


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"data": "mnist"}, "unknown data set 'mnist'"),
        ({"data": 3}, "invalid data"),
        ({"points": 2.5}, "points"),
        ({"points": True}, "points"),
        ({"noise": -1}, "noise"),
        ({"hidden": "16,x"}, "hidden"),
        ({"hidden": [16, True]}, "hidden"),
        ({"hidden": [0]}, "width|hidden"),
        ({"activation": "gelu"}, "activation"),
        ({"loss": "hinge"}, "loss"),
        ({"batchnorm": "yes"}, "batchnorm"),
        ({"units": "metric"}, "units"),
        ({"init": "orthogonal"}, "init"),
        ({"sigma": 0}, "sigma"),
        ({"seed": -1}, "seed"),
        ({"depth": 3}, "unknown network field 'depth'"),
    ],
)
def test_a_bad_field_is_refused_with_one_line(fields, message):
    with pytest.raises(ValueError, match=message) as err:
        NetworkSetup.from_fields(fields)
    assert "\n" not in str(err.value)


def test_a_race_reports_every_step_and_writes_what_it_trained_on():
    setup = NetworkSetup.from_fields({"data": "moons", "points": 120, "hidden": [6], "seed": 1})
    opts = [make_optimizer("adam", alpha=0.05), make_optimizer("gd", alpha=0.5), make_optimizer("gd", alpha=0.1)]
    t = train(setup, opts, 60)
    assert t.names == ("adam", "gd", "gd #2")
    assert t.metrics.val_loss.shape == t.run.loss.shape == (3, 61)
    assert np.all(t.run.loss[:, 60] < t.run.loss[:, 0]) and np.all(t.run.status == Status.UNCONVERGED)
    rows = t.csv().splitlines()
    assert tuple(rows[0].split(",")) == CSV_HEADER and len(rows) == 1 + 3 * 61
    assert rows[1].startswith("adam,0,") and rows[-1].startswith("gd #2,60,")
    a = t.arrays()
    assert a["X_train"].shape == (96, 2) and set(np.unique(a["y_train"])) == {0.0, 1.0}
    assert np.array_equal(a["W1_init"], t.net.layout.unflatten(t.start)[0][0])
    assert np.array_equal(a["gd #2/b2"], t.net.layout.unflatten(t.run.final.theta[2])[1][1])
    buf = io.BytesIO()
    np.savez(buf, **a)  # every key is a valid npz name
    buf.seek(0)
    assert set(np.load(buf).files) == set(a)
