"""Choosing alpha on validation data: the pick is the validation minimum of the sweep, the
test loss is measured once at the picked run's weights, and bad uses are refused."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis import log_grid, lr_sweep
from engine.landscapes import make_landscape
from engine.optimizers import make_optimizer
from engine.selection import choose_alpha
from engine.simulation import simulate


@pytest.fixture(scope="module")
def model():
    return make_landscape("noisy-regression")


@pytest.mark.parametrize(("name", "hyper"), [("gd", {}), ("momentum", {"mu": 0.5})])
def test_the_pick_is_the_validation_minimum_and_the_test_loss_is_at_its_weights(model, name, hyper) -> None:
    alphas = log_grid(1e-4, 3.0, 25)
    c = choose_alpha(model, name, (0.0, 0.0), 60, alphas, hyper=hyper)
    sw = lr_sweep(model, [name], (0.0, 0.0), 60, alphas=alphas, hyper={name: hyper})
    np.testing.assert_array_equal(c.sweep.validation, sw.validation)
    assert c.picked == int(np.nanargmin(sw.validation[0])) and c.alpha == alphas[c.picked]
    assert c.by_train == int(np.nanargmin(sw.train[0]))
    run = simulate(model, make_optimizer(name, alpha=c.alpha, **hyper), np.zeros((1, 2)), 60)
    np.testing.assert_allclose(c.weights, run.final.theta[0], rtol=0, atol=1e-12)
    assert c.test == float(model.test_loss(c.weights))
    assert c.validation == pytest.approx(float(model.validation_loss(c.weights)), rel=1e-12)
    # the training loss would pick another alpha, worse on new data
    assert c.by_train != c.picked and sw.validation[0, c.by_train] > c.validation


def test_a_model_without_a_test_split_is_refused() -> None:
    with pytest.raises(ValueError, match="validation and test"):
        choose_alpha(make_landscape("linear-regression"), "gd", (0.0, 0.0), 10, log_grid(1e-3, 1, 5))
    with pytest.raises(ValueError, match="validation and test"):
        choose_alpha(make_landscape("quadratic"), "gd", (1.0, 1.0), 10, log_grid(1e-3, 1, 5))


def test_nothing_to_choose_when_every_alpha_diverges(model) -> None:
    with pytest.raises(ValueError, match="diverged"):
        choose_alpha(model, "gd", (0.0, 0.0), 100, log_grid(3.0, 10.0, 4))
