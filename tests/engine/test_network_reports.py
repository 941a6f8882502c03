"""The network lessons' reports (engine.network.reports): each number against its definition,
computed another way where there is one, on small nets; the printed lines hold the numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import theory
from engine.analysis import newton_cost
from engine.network import reports
from engine.network.curvature import exact_extremes, layer_grad_norms
from engine.network.setup import NetworkSetup
from engine.network.symmetry import degenerate, line_losses
from engine.network.training import train
from engine.optimizers import Optimizer, make_optimizer
from engine.scenarios import REPORTS
from engine.simulation import Status


def setup(**fields) -> NetworkSetup:
    return NetworkSetup.from_fields({"data": "moons", "points": 60, "hidden": [4, 3], "init": "glorot", **fields})


def racers(*specs: tuple[str, dict]) -> Optimizer:
    return Optimizer.stack([make_optimizer(n, **h) for n, h in specs])


GD_ADAM = racers(("gd", {"alpha": 0.3}), ("adam", {"alpha": 0.02}))


def test_every_report_of_the_scenarios_is_computed_here() -> None:
    assert set(reports.KINDS) == set(REPORTS)
    for name, cls in reports.KINDS.items():
        assert cls.name == name


def test_compute_refuses_an_unknown_report_or_a_mismatched_optimizer() -> None:
    t = train(setup(), GD_ADAM, 5)
    with pytest.raises(ValueError, match="unknown report 'speed'"):
        reports.compute("speed", t, GD_ADAM)
    with pytest.raises(ValueError, match="2 racers but 1 optimizers"):
        reports.compute("symmetry", t, make_optimizer("gd"))


def test_symmetry_permuted_equals_trained_and_degenerate_is_the_average_unit_net() -> None:
    t = train(setup(), GD_ADAM, 200)
    rep = reports.symmetry(t)
    assert rep.log10_permutations == pytest.approx(math.log10(math.factorial(4) * math.factorial(3)))
    for i, r in enumerate(rep.racers):
        w = t.run.final.theta[i]
        assert r.trained == pytest.approx(float(t.run.loss[i, -1]), rel=1e-12)
        assert r.permuted == pytest.approx(r.trained, rel=1e-12)
        assert r.degenerate == pytest.approx(float(t.net.loss(degenerate(t.net.layout, w))), rel=1e-12)
        assert r.layers == pytest.approx([float(t.net.loss(degenerate(t.net.layout, w, (k,)))) for k in (1, 2)])
        assert r.jensen_violated == (r.degenerate > r.trained)
    text = "\n".join(rep.lines())
    assert "4! x 3! = 144 orderings" in text and f"{rep.racers[0].degenerate:.4g}" in text


def test_symmetry_of_a_net_whose_units_are_identical_finds_no_contradiction() -> None:
    t = train(setup(activation="logistic", init="zeros"), GD_ADAM, 50)
    for r in reports.symmetry(t).racers:
        assert not r.jensen_violated
    assert "no contradiction" in reports.symmetry(t).lines()[1 + 1]


def test_symmetry_without_hidden_layers_or_of_a_diverged_racer_says_so() -> None:
    t = train(setup(hidden=[]), GD_ADAM, 5)
    assert reports.symmetry(t).lines() == ["symmetry: the network has no hidden layer, so no units to permute"]
    t = train(setup(), racers(("gd", {"alpha": 1e4}), ("gd", {"alpha": 0.1})), 30, bound=50.0)
    assert t.run.status[0] == Status.DIVERGED
    rep = reports.symmetry(t)
    assert rep.racers[0].trained is None and rep.racers[1].trained is not None
    assert "gd: no trained net" in "\n".join(rep.lines())


def test_alignment_trains_the_twin_from_the_next_seed_and_measures_both_lines() -> None:
    s = setup(hidden=[8], seed=4)
    t = train(s, GD_ADAM, 100)
    rep = reports.alignment(t, GD_ADAM, points=11)
    assert rep.seed == 5 and not rep.same_start
    twin = train(setup(hidden=[8], seed=5), GD_ADAM, 100)
    for i, r in enumerate(rep.racers):
        t_, before = line_losses(t.net, t.run.final.theta[i], twin.run.final.theta[i], 11)
        np.testing.assert_allclose(r.t, t_)
        np.testing.assert_allclose(r.before, before, rtol=1e-12)
        assert r.after[0] == pytest.approx(r.before[0]) and r.after[-1] == pytest.approx(r.before[-1], rel=1e-10)
        chord = (1 - r.t) * r.before[0] + r.t * r.before[-1]
        assert r.barrier_before == pytest.approx(max(0.0, float(np.max(r.before - chord))))


def test_alignment_of_a_zeros_start_is_the_same_net_twice() -> None:
    t = train(setup(init="zeros"), GD_ADAM, 20)
    rep = reports.alignment(t, GD_ADAM)
    assert rep.same_start and all(r.barrier_before < 1e-12 and r.barrier_after < 1e-12 for r in rep.racers)
    assert "both nets are the same" in "\n".join(rep.lines())


def test_stability_limits_are_the_theory_modules() -> None:
    member = lambda name, **h: make_optimizer(name, **h).members[0]
    assert reports.stability_limit(member("gd", alpha=0.5), 0.5) == 4.0
    # a lambda_max at the limit makes alpha the theory's largest stable learning rate
    for name, mu in (("momentum", 0.9), ("nesterov", 0.5)):
        lim = float(reports.stability_limit(member(name, alpha=0.1, mu=mu), 0.1))
        assert theory.momentum_stability_limit(mu, lim, nesterov=name == "nesterov") == pytest.approx(0.1)
    for name in ("adam", "rmsprop", "adagrad", "newton"):
        assert reports.stability_limit(member(name), 0.1) is None


def test_sharpness_measures_lambda_max_at_checks_and_at_every_racers_end() -> None:
    opt = racers(("gd", {"alpha": 0.3}), ("momentum", {"alpha": 0.05, "mu": 0.9}), ("gd", {"alpha": 1e4}))
    t = train(setup(), opt, 40, bound=50.0)
    assert t.run.status[2] == Status.DIVERGED
    rep = reports.sharpness(t, opt, every=10, iters=t.net.dim)
    gd, mom, bad = rep.racers
    ends = {t.run.finite_length(i) - 1 for i in range(3)}
    assert {0, 10, 20, 30, 40} | ends == set(gd.steps.tolist())
    for r, i in ((gd, 0), (mom, 1)):
        for k, step in enumerate(r.steps):  # with iters = P, Lanczos is exact
            _, hi = exact_extremes(t.net, t.run.theta[i, step])
            assert r.lam_max[k] == pytest.approx(float(hi), rel=1e-8)
    np.testing.assert_array_equal(gd.limit, 2 / 0.3)
    np.testing.assert_allclose(mom.limit, 2 * 1.9 / 0.05)
    assert gd.rises == int(np.sum(np.diff(t.run.loss[0]) > 0)) and gd.steps_run == 40
    # the diverged racer: measured up to its last finite point, NaN after
    last = t.run.finite_length(2) - 1
    assert np.isfinite(bad.lam_max[bad.steps == last]).all() and np.isnan(bad.lam_max[bad.steps > last]).all()
    assert np.array_equal(gd.above, gd.lam_max > gd.limit)


def test_sharpness_follows_a_scheduled_alpha() -> None:
    opt = Optimizer.stack([make_optimizer("gd", alpha=0.4, schedule="step:10:0.5")])
    t = train(setup(), opt, 30)
    r = reports.sharpness(t, opt, every=10).racers[0]
    # steps 0, 10, 20 take alpha 0.4, 0.2, 0.1; the last point, after the run, the last step's
    np.testing.assert_allclose(r.limit, 2 / (0.4 * np.array([1, 0.5, 0.25, 0.25])))
    assert "at the start" in reports.sharpness(t, opt, every=10).lines()[1]


def test_identical_units_of_a_zero_tanh_start_only_the_output_bias_moves() -> None:
    t = train(setup(init="zeros"), GD_ADAM, 30)
    rep = reports.identical_units(t)
    assert rep.start_identical.all() and rep.ends_identical.all()
    assert rep.moved == (("b3[0]",), ("b3[0]",)) and rep.weights == t.net.dim
    assert "1 of 31 weights moved (b3[0])" in "\n".join(rep.lines())
    t = train(setup(), GD_ADAM, 30)
    rep = reports.identical_units(t)
    assert not rep.start_identical.any() and not rep.ends_identical.any()
    assert all(len(m) == t.net.dim for m in rep.moved)


def test_layer_gradients_are_the_per_layer_norms_at_the_start_and_the_ends() -> None:
    t = train(setup(), GD_ADAM, 30)
    rep = reports.layer_gradients(t)
    np.testing.assert_allclose(rep.start, layer_grad_norms(t.net, t.start))
    np.testing.assert_allclose(rep.ends, layer_grad_norms(t.net, t.run.final.theta))
    g = t.net.grad(t.start)
    lay = t.net.layout
    assert rep.start[0] == pytest.approx(np.linalg.norm(g[lay.layer_slice(0)]))
    assert f"{rep.start[0]:.4g}" in rep.lines()[1]


def test_cost_newton_carries_its_hessian_bill_and_costs_far_more_than_gd_on_a_wider_net() -> None:
    s = NetworkSetup.from_fields({"data": "moons", "points": 200, "hidden": [16, 16]})
    opt = racers(("gd", {"alpha": 0.1}), ("newton", {"alpha": 1.0, "damping": 1.0}))
    t = train(s, opt, 2)
    rep = reports.cost(t, opt, target=0.02)
    gd, newton = rep.racers
    assert gd.hessian is None and newton.hessian == newton_cost(337)
    assert rep.gradient_seconds > 0 and gd.seconds > 0
    assert newton.seconds > 20 * gd.seconds  # 337 Hessian-vector products and a solve per step
    text = "\n".join(rep.lines())
    assert "337 x 337 = 113,569 numbers (909 kB)" in text


def test_cost_with_mini_batches_times_a_mini_batch_gradient() -> None:
    t = train(setup(points=200), GD_ADAM, 2, batch_size=8)
    rep = reports.cost(t, GD_ADAM, batch_size=8, target=0.01)
    assert all(r.seconds > 0 for r in rep.racers)
