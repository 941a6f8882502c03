"""Verdicts follow from the evidence: each example of issue 15 checked against its numbers,
and every known critical point of every registered landscape judged as what it is."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import LANDSCAPES, make_landscape, make_optimizer, simulate
from engine.analysis import log_grid, lr_sweep, phase_map
from engine.landscapes import curvature
from engine.simulation import Outcome, Status
from engine.verdicts import Kind, evidence, scale, verdict


def run_one(name: str, opt: str, start, steps: int, tol: float = 1e-6, params=None, **hyper):
    L = make_landscape(name, **(params or {}))
    run = simulate(L, make_optimizer(opt, **hyper), np.array([start], dtype=np.float64), steps, tol=tol)
    return L, run, verdict(L, run.final, 0, tol)


def test_a_loose_tol_at_step_0_is_a_small_gradient_not_a_minimum():
    # run --landscape quadratic --optimizer gd --steps 10 --tol 100: |grad| 10.2 at the start
    _, run, v = run_one("quadratic", "gd", (-1.8, 1.0), 10, tol=100)
    assert run.final.status[0] == Status.CONVERGED and run.final.stop[0] == 0
    assert v.kind is Kind.SMALL_GRADIENT and not v.good
    assert v.text.startswith("small gradient, not at a minimum: stopped at step 0 with |grad| 10.2 < tol 100")
    # the quadratic model is exact here: the minimum (0, 0) is |(-1.8, 1)| away, 6.62 lower
    assert f"about {math.hypot(1.8, 1.0):.3g} away and 6.62 lower" in v.text


def test_a_plateau_is_not_a_minimum():
    # logistic-squared from (58.5, -170): gradient 5e-8, eigenvalues 1e-9 and 1e-5, loss 0.219
    L, run, v = run_one("logistic-squared", "gd", (58.5, -170.0), 100)
    ev = curvature(L, run.final.theta).eigenvalues[0]
    assert run.final.grad_norm[0] < 1e-7 and 0 < ev[0] < 1e-8 and 0 < ev[1] < 1e-4  # as the issue measured
    assert v.kind is Kind.PLATEAU
    best = float(L.loss(np.array(L.minima[0].point)))
    assert v.text.startswith("stopped on a plateau at step 0: gradient 5e-08 and curvature 1.3e-05 both near zero")
    assert f"loss {run.final.loss[0]:.6g}; the lowest known minimum has loss {best:.4g}" in v.text


@pytest.mark.parametrize("name, start, steps", [("saddle", (-1.8, 0.02), 1000), ("monkey-saddle", (0.9, 0.6), 100)])
def test_diverging_down_an_unbounded_loss_blames_the_landscape(name, start, steps):
    L, run, v = run_one(name, "gd", start, steps)
    assert run.final.status[0] == Status.DIVERGED and run.final.loss[0] < 0
    assert v.kind is Kind.UNBOUNDED and v.bad
    assert "the loss is unbounded below" in v.text and "alpha too large" not in v.text
    assert L.formula in v.text


def test_alpha_too_large_on_a_bounded_loss_is_still_blamed_on_alpha():
    _, _, v = run_one("rosenbrock", "gd", (-1.5, 2.0), 100, alpha=10.0)
    assert v.kind is Kind.DIVERGED and "alpha too large?" in v.text and "unbounded" not in v.text


def test_minima_local_and_global():
    _, run, v = run_one("double-well", "gd", (-0.5, 1.0), 2000)
    k, loss = run.final.stop[0], run.final.loss[0]
    assert v.kind is Kind.MINIMUM and v.good and v.text == f"converged at step {k} to a minimum, loss {loss:.6g}"
    L, run, v = run_one("double-well", "gd", (0.5, 1.0), 2000)
    best = min(float(L.loss(np.array(cp.point))) for cp in L.minima)
    assert v.kind is Kind.MINIMUM and v.text.startswith(f"converged at step {run.final.stop[0]} to a local minimum")
    assert v.text.endswith(f"(the lowest known minimum has loss {best:.4g})")


def test_zero_gradient_points():
    _, _, v = run_one("tanh-saddle", "gd", (0.0, 0.0), 50)  # the zero init of a network
    assert v.kind is Kind.SADDLE and v.text.startswith("stuck at step 0: zero gradient at a saddle point")
    _, _, v = run_one("threshold-01", "gd", (0.3, 0.2), 50)  # a step function: flat everywhere
    assert v.kind is Kind.PLATEAU and "gradient and curvature both exactly zero" in v.text
    # the monkey saddle's Hessian vanishes at the origin: the known point names its kind
    _, _, v = run_one("monkey-saddle", "gd", (0.0, 0.0), 50)
    assert v.kind is Kind.SADDLE


def _landscapes():
    """Every registered landscape, with each choice of its categorical parameters."""
    for name, cls in LANDSCAPES.items():
        yield name, {}
        for p in cls.params:
            for c in p.choices:
                if c != p.default:
                    yield name, {p.name: c}


@pytest.mark.parametrize("name, params", list(_landscapes()), ids=lambda x: str(x) if x else "")
def test_every_known_critical_point_is_judged_what_it_is(name, params):
    L = make_landscape(name, **params)
    cps = L.critical_points
    if not cps:
        pytest.skip("no isolated critical points")
    theta = np.array([cp.point for cp in cps])
    loss, g = L.loss_grad(theta)
    n = len(cps)
    out = Outcome(theta, loss, np.linalg.norm(g, axis=1), np.full(n, Status.CONVERGED, dtype=np.int8),
                  np.zeros(n, dtype=np.int64), 10)
    assert [k.value for k in evidence(L, out).kind] == [cp.kind for cp in cps]


def test_the_scale_is_computed_once_per_landscape_and_parameters():
    a = scale(make_landscape("quadratic", kappa=50))
    assert scale(make_landscape("quadratic", kappa=50)) is a
    assert scale(make_landscape("quadratic", kappa=5)) is not a


def test_a_sweep_picks_the_alpha_that_converges_fastest_not_the_lowest_noise():
    # every alpha from 0.01 to 0.18 converges; their final losses differ only by rounding noise
    L = make_landscape("quadratic")
    sw = lr_sweep(L, ["gd"], (1.0, 1.0), 3000, alphas=log_grid(0.01, 0.3, 25))
    reached = sw.at_minimum[0]
    assert reached.sum() > 10 and np.all(sw.train[0, reached] < 1e-11)
    b = sw.best(0)
    fastest = int(np.argmin(np.where(reached, sw.stop[0], 10**9)))
    assert b.alpha == sw.alphas[fastest] and b.steps == sw.stop[0, fastest]
    # gradient descent on curvatures 1 and 10 is fastest near alpha = 2/(1 + 10)
    assert abs(math.log(b.alpha / (2 / 11))) < 0.2
    assert b.alpha != sw.alphas[int(np.nanargmin(sw.train[0]))]  # the noise would have picked another
    assert b.diverges_from == sw.alphas[np.nonzero(sw.status[0] == Status.DIVERGED)[0][0]]


def test_a_sweep_with_a_loose_tol_reaches_no_minimum():
    L = make_landscape("quadratic")
    sw = lr_sweep(L, ["gd"], (-1.8, 1.0), 10, alphas=log_grid(0.01, 0.1, 5), tol=100)
    assert np.all(sw.status[0] == Status.CONVERGED) and not sw.at_minimum.any()
    b = sw.best(0)
    assert b.steps is None and b.loss == np.nanmin(sw.train[0])


def test_the_phase_map_counts_only_runs_that_reach_a_minimum():
    L = make_landscape("quadratic")
    pm = phase_map(L, (-1.8, 1.0), 10, n=4, tol=100)
    assert pm.fastest() is None  # every setting "converged" at step 0, 2.06 from the minimum
    pm = phase_map(L, (-1.8, 1.0), 300, n=8)
    assert pm.fastest() is not None and pm.fastest()[2] > 0


def test_racers_are_told_apart_by_label():
    L = make_landscape("quadratic")
    sw = lr_sweep(L, [("momentum", {"mu": 0.5}), ("momentum", {"mu": 0.9})], (1.0, 1.0), 200,
                  alphas=log_grid(0.01, 0.1, 3), labels=["slow", "fast"])
    assert sw.names == ("slow", "fast") and not np.array_equal(sw.train[0], sw.train[1])
