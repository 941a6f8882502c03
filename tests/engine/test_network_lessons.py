"""Every number a network lesson states, and every "try this" it suggests, checked on the engine.

Each test runs a shipped network scenario (``assets/scenarios/net-*.toml``) as ``main.py
train --scenario`` does, or the change one of its suggestions asks for (all racers stacked,
as the window and the command line run them), and fails when the text stops being true.
Tests are named after the scenario and the claim. Outcomes are judged by statuses, losses,
steps and the reports' numbers, never by the wording of a verdict or a report line.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from engine.analysis import newton_cost
from engine.network import reports
from engine.network.curvature import exact_extremes
from engine.network.setup import NetworkSetup
from engine.network.training import Training, train
from engine.optimizers import Optimizer, make_optimizer
from engine.scenarios import IDEAS, SCENARIO_DIR, load_scenarios
from engine.simulation import Status

SCENARIOS, ERRORS = load_scenarios(SCENARIO_DIR)
NETWORK = sorted(n for n, sc in SCENARIOS.items() if sc.is_network)
CONVERGED, DIVERGED, FAILED, RUNNING = Status.CONVERGED, Status.DIVERGED, Status.FAILED, Status.UNCONVERGED


def _freeze(d: dict | None) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (d or {}).items()))


@cache
def _race(name: str, network: tuple, hyper: tuple, steps: int | None) -> tuple[Training, Optimizer]:
    sc = SCENARIOS[name]
    setup = NetworkSetup.from_fields({**sc.network.fields(), **{k: list(v) if isinstance(v, tuple) else v
                                                              for k, v in network}})
    entries = [(n, dict(h)) for n, h in sc.optimizers]
    for i, h in hyper:
        entries[i][1].update(dict(h))
    opt = Optimizer.stack([make_optimizer(n, **h) for n, h in entries])
    return train(setup, opt, steps or sc.steps, tol=sc.tol, batch_size=sc.batch_size, seed=sc.seed), opt


def race(
    name: str, *, network: dict | None = None, hyper: dict[int, dict[str, float]] | None = None,
    steps: int | None = None,
) -> tuple[Training, Optimizer]:
    """Scenario ``name`` trained as ``train --scenario`` does, with a student's changes: fields
    of the ``[network]`` table, new ``hyper``-parameters for racer ``i``, ``steps``. Runs are
    cached: several claims read the same run."""
    h = tuple(sorted((i, _freeze(v)) for i, v in (hyper or {}).items()))
    return _race(name, _freeze(network), h, steps)


def report(name: str, which: str, **changes):
    t, opt = race(name, **changes)
    sc = SCENARIOS[name]
    return reports.compute(which, t, opt, batch_size=sc.batch_size, seed=sc.seed, tol=sc.tol)


def first(mask: np.ndarray) -> int | None:
    idx = np.nonzero(mask)[0]
    return int(idx[0]) if idx.size else None


def below(t: Training, i: int, level: float) -> int | None:
    """The first step at which racer ``i``'s training loss is below ``level``."""
    return first(t.run.loss[i, : t.run.finite_length(i)] < level)


def end_loss(t: Training, i: int) -> float:
    return float(t.run.loss[i, t.run.finite_length(i) - 1])


def kind(t: Training, i: int) -> str:
    """How the verdicts and the Curvature tab classify where racer ``i`` stopped."""
    return str(t.net.critical_kinds(t.run.final.theta[i : i + 1])[0])


# -- all network lessons --------------------------------------------------------------------------


def test_the_network_lessons_load_and_come_after_each_ideas_two_weight_lessons() -> None:
    assert ERRORS == []
    assert len(NETWORK) >= 10
    names = list(SCENARIOS)
    for idea in IDEAS:
        nets = [k for k, sc in enumerate(SCENARIOS.values()) if sc.idea == idea and sc.is_network]
        two = [k for k, sc in enumerate(SCENARIOS.values()) if sc.idea == idea and not sc.is_network]
        assert not (nets and two) or min(nets) > max(two), idea
    # a lesson that says "the next scenario" or "the previous scenario" is listed beside it
    assert names.index("net-newton-saddle") == names.index("net-newton") + 1
    assert names.index("net-alignment") == names.index("net-symmetry") + 1


def test_the_readme_table_has_a_row_per_idea_with_its_network_lessons() -> None:
    # (test_lessons.py checks that the table names every scenario, in the listed order)
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = text.split("| idea | scenarios", 1)[1].split("\n\n", 1)[0]
    rows = [re.findall(r"`([a-z0-9-]+)`", line) for line in table.splitlines()[2:]]
    ideas = [{SCENARIOS[n].idea for n in row} for row in rows]
    assert all(len(i) == 1 for i in ideas) and len(rows) == len({i.pop() for i in ideas}) == len(IDEAS)
    for row in rows:
        nets = [SCENARIOS[n].is_network for n in row]
        assert nets == sorted(nets)  # "on a network:" after the two-weight lessons


@pytest.mark.parametrize("name", NETWORK)
def test_each_network_lesson_is_a_small_net_and_its_reports_run(name: str) -> None:
    sc = SCENARIOS[name]
    net, _ = sc.network.build()
    assert net.dim <= 400 and sc.steps <= 2000  # tens to a few hundred weights, a quick race
    assert set(sc.reports) <= set(reports.KINDS)
    t, _ = race(name)
    assert len(t.names) == len(sc.optimizers)
    for which in sc.reports:
        rep = report(name, which)
        assert rep.name == which and rep.lines()


# -- net-symmetry ---------------------------------------------------------------------------------


def test_net_symmetry_the_average_of_all_permutations_is_far_worse_than_the_trained_net() -> None:
    rep = report("net-symmetry", "symmetry")
    assert round(10 ** rep.log10_permutations / 1e9, 1) == 1.6  # 8! x 8!
    gd, adam = rep.racers
    assert round(gd.trained, 3) == 0.035 and round(gd.degenerate, 2) == 1.01
    assert round(adam.trained, 4) == 0.0064 and round(adam.degenerate, 2) == 1.42
    for r in rep.racers:
        assert r.permuted == pytest.approx(r.trained, rel=1e-12)  # the same function
        assert r.degenerate > math.log(2) and r.jensen_violated  # worse than answering 50%


def test_net_symmetry_every_seed_tells_the_same_story() -> None:
    for seed in (1, 2):
        for r in report("net-symmetry", "symmetry", network={"seed": seed}).racers:
            assert r.degenerate > 10 * r.trained


def test_net_symmetry_with_16_units_a_layer() -> None:
    rep = report("net-symmetry", "symmetry", network={"hidden": [16, 16]})
    assert f"{10 ** rep.log10_permutations:.1e}" == "4.4e+26"
    gd = rep.racers[0]
    assert round(gd.trained, 3) == 0.036 and round(gd.degenerate, 2) == 0.76


def test_net_symmetry_a_zero_logistic_start_is_its_own_average() -> None:
    change = {"network": {"activation": "logistic", "init": "zeros"}}
    same = report("net-symmetry", "identical-units", **change)
    assert same.start_identical.all() and same.ends_identical.all()
    for r in report("net-symmetry", "symmetry", **change).racers:
        assert r.degenerate == pytest.approx(r.trained, rel=1e-9) and not r.jensen_violated


# -- net-alignment --------------------------------------------------------------------------------


def test_net_alignment_aligning_the_units_removes_most_of_the_barrier() -> None:
    rep = report("net-alignment", "alignment")
    assert rep.seed == 1 and not rep.same_start
    gd, adam = rep.racers
    assert round(float(gd.before[0]), 3) == 0.066 and round(float(gd.before[-1]), 3) == 0.071
    assert round(gd.barrier_before, 2) == 0.87 and round(gd.barrier_after, 3) == 0.019
    assert round(adam.barrier_before, 2) == 0.46 and round(adam.barrier_after, 3) == 0.053
    for r in rep.racers:  # the aligned net is the same function: the same loss at t = 1
        assert r.after[-1] == pytest.approx(r.before[-1], rel=1e-10)


def test_net_alignment_from_seed_1() -> None:
    gd = report("net-alignment", "alignment", network={"seed": 1}).racers[0]
    assert round(gd.barrier_before, 2) == 1.43 and round(gd.barrier_after, 3) == 0.018


def test_net_alignment_with_8_units_matching_can_fail() -> None:
    gd, adam = report("net-alignment", "alignment", network={"hidden": [8]}).racers
    assert round(adam.barrier_before, 2) == 0.70 and round(adam.barrier_after, 2) == 0.14
    assert round(gd.barrier_before, 2) == 0.32 and round(gd.barrier_after, 2) == 0.43


# -- net-zero-init --------------------------------------------------------------------------------


def test_net_zero_init_only_the_output_bias_moves_and_both_runs_stop_on_a_degenerate_saddle() -> None:
    t, _ = race("net-zero-init")
    grads = report("net-zero-init", "layer-gradients")
    assert grads.start[0] == 0 and grads.start[1] == 0 and round(float(grads.start[2]), 4) == 0.0125
    same = report("net-zero-init", "identical-units")
    assert same.moved == (("b3[0]",), ("b3[0]",)) and same.ends_identical.all()
    share = t.net.data.y_train.mean()
    assert share == 0.5125
    for i, stop in enumerate((71, 114)):
        assert t.run.status[i] == CONVERGED and t.run.stop[i] == stop and kind(t, i) == "degenerate"
        p = t.net.predict(t.run.final.theta[i], t.net.data.x_train)
        assert np.allclose(p, share, atol=1e-5)  # the share of class 1, for every point
        assert round(float(t.run.loss[i, 0]), 4) == 0.6931 and round(end_loss(t, i), 4) == 0.6928


def test_net_zero_init_the_stops_negative_curvature_is_the_gradient_and_the_way_down_third_order() -> None:
    from engine.network.curvature import critical_points
    from tests.engine.test_network_curvature import escape

    t, _ = race("net-zero-init")
    w = t.run.final.theta[0]  # gd's stop
    cp = critical_points(t.net, w)
    lo, hi = exact_extremes(t.net, w)
    assert float(f"{lo:.3g}") == -9.59e-7 and lo == pytest.approx(-np.linalg.norm(t.net.grad(w)), rel=1e-9)
    assert round(float(hi), 2) == 0.25
    # at the critical point 3.8e-6 away: nothing negative beyond rounding, 0.25 along the output bias
    assert float(f"{cp.moved:.2g}") == 3.8e-6 and abs(cp.at.lam_min) < cp.zero < 1e-13
    assert round(float(cp.at.lam_max), 2) == 0.25 and cp.kind == "degenerate"
    # one unit per layer switched on by t: the loss falls by 0.00027 at t = 0.1, 0.0021 at 0.2 (t^3)
    drops = [float(t.net.loss(w) - t.net.loss(escape(t.net, w, s))) for s in (0.1, 0.2)]
    assert [float(f"{d:.2g}") for d in drops] == [0.00027, 0.0021]


def test_net_zero_init_a_small_random_start_escapes() -> None:
    t, _ = race("net-zero-init", network={"init": "small", "sigma": 0.1})
    same = report("net-zero-init", "identical-units", network={"init": "small", "sigma": 0.1})
    for i in range(2):
        assert below(t, i, 0.3) <= 50
        assert not same.ends_identical[i].any()


def test_net_zero_init_logistic_units_all_move_but_stay_identical() -> None:
    change = {"network": {"activation": "logistic"}}
    t, _ = race("net-zero-init", **change)
    same = report("net-zero-init", "identical-units", **change)
    assert all(len(m) == t.net.dim for m in same.moved) and same.ends_identical.all()
    assert t.run.status[0] == CONVERGED and t.run.stop[0] == 22 and kind(t, 0) == "saddle"
    # a true saddle: its negative curvature (-0.0004) lies along directions that make the units differ
    from engine.network.symmetry import degenerate

    ev, vec = np.linalg.eigh(t.net.hessian(t.run.final.theta[0]))
    assert round(float(ev[0]), 4) == -0.0004
    assert np.linalg.norm(degenerate(t.net.layout, vec[:, 0])) < 1e-6  # no part that moves the units alike
    assert t.run.status[1] == RUNNING and round(end_loss(t, 1), 2) == 0.29
    # one unit per layer in effect: the output is a function of one projection of the input,
    # so the decision boundary is a straight line
    w = t.run.final.theta[1]
    (W1, b1), *_ = t.net.layout.unflatten(w)
    g = np.stack(np.meshgrid(np.linspace(-2, 2, 40), np.linspace(-2, 2, 40)), -1).reshape(-1, 2)
    s = g @ W1[:, 0] + b1[0]
    p = t.net.predict(w, g)[np.argsort(s)]
    d = np.diff(p)
    assert np.all(d >= -1e-12) or np.all(d <= 1e-12)


# -- net-squared-error-plateau --------------------------------------------------------------------


def test_net_plateau_the_start_is_saturated_and_confidently_wrong_for_half() -> None:
    t, _ = race("net-squared-error-plateau")
    z = t.net.forward(t.start, t.net.data.x_train)
    assert round(float(z.min()), 1) == -8.6 and round(float(z.max()), 1) == -4.0
    assert 1 / (1 + math.exp(-z.max())) < 0.018
    grads = report("net-squared-error-plateau", "layer-gradients")
    assert [round(float(g), 5) for g in grads.start] == [0.00079, 0.00071]


def test_net_plateau_gd_crawls_for_about_350_steps_adam_does_not() -> None:
    t, _ = race("net-squared-error-plateau")
    loss, acc = t.run.loss[0], t.metrics.train_acc[0]
    assert round(float(loss[0]), 3) == 0.512 and loss[300] > 0.5
    assert np.all(acc[:350] == acc[0]) and f"{acc[0]:.1%}" == "48.8%"
    assert below(t, 0, 0.5) == 354 and below(t, 0, 0.1) == 375
    assert below(t, 1, 0.1) == 26


def test_net_plateau_cross_entropy_does_not_wait() -> None:
    change = {"network": {"loss": "xent"}}
    t, _ = race("net-squared-error-plateau", **change)
    grads = report("net-squared-error-plateau", "layer-gradients", **change)
    assert [round(float(g), 2) for g in grads.start] == [0.94, 0.91]
    assert below(t, 0, 0.1) == 16


def test_net_plateau_a_start_that_is_not_saturated_has_no_plateau() -> None:
    t, _ = race("net-squared-error-plateau", network={"sigma": 1.0})
    assert below(t, 0, 0.1) == 30
    assert np.all(np.diff(t.run.loss[0, :31]) < 0)  # falling from the first step: no flat stretch
    t, _ = race("net-squared-error-plateau", network={"activation": "tanh"})
    assert below(t, 0, 0.1) == 4


# -- net-unscaled-inputs --------------------------------------------------------------------------


def test_net_unscaled_inputs_saturate_the_first_layer_and_nothing_trains() -> None:
    t, _ = race("net-unscaled-inputs")
    d = t.net.data
    x = np.concatenate([d.x_train, d.x_val])
    assert -320 < x[:, 1].min() < -280 and 1200 < x[:, 1].max() < 1250
    assert round(float(x[:, 0].min()), 1) == -1.4 and round(float(x[:, 0].max()), 1) == 1.4
    (W1, b1), _ = t.net.layout.unflatten(t.start)
    assert round(float(np.mean(np.abs(np.tanh(d.x_train @ W1 + b1)) > 0.99)), 3) == 0.985
    grads = report("net-unscaled-inputs", "layer-gradients")
    assert round(float(grads.start[0]), 3) == 0.010 and round(float(grads.start[1]), 2) == 0.59
    for i in range(3):
        assert round(end_loss(t, i), 2) == 0.59 and t.metrics.train_acc[i, -1] == 0.625


def test_net_unscaled_inputs_standardised_the_same_racers_train() -> None:
    change = {"network": {"units": "standardised"}}
    t, _ = race("net-unscaled-inputs", **change)
    assert [below(t, i, 0.1) for i in range(3)] == [586, 607, 281]
    assert np.all(t.metrics.val_acc[:, -1] == 0.975)
    grads = report("net-unscaled-inputs", "layer-gradients", **change)
    assert round(float(grads.start[0]), 2) == 0.45


def test_net_unscaled_inputs_a_small_start_shows_the_badly_scaled_landscape() -> None:
    raw = report("net-unscaled-inputs", "sharpness", network={"init": "small", "sigma": 0.001})
    std = report("net-unscaled-inputs", "sharpness", network={"init": "small", "sigma": 0.001, "units": "standardised"})
    assert round(float(raw.racers[0].lam_max[0])) == 184 and round(float(std.racers[0].lam_max[0]), 2) == 0.48
    t, _ = race("net-unscaled-inputs", network={"init": "small", "sigma": 0.001})
    assert round(end_loss(t, 0), 2) == 0.59 and round(end_loss(t, 1), 2) == 0.59
    assert round(end_loss(t, 2), 2) == 0.26


# -- net-hidden-units -----------------------------------------------------------------------------


def test_net_hidden_units_logistic_gradients_shrink_layer_by_layer_and_training_stalls() -> None:
    t, _ = race("net-hidden-units")
    g = report("net-hidden-units", "layer-gradients").start
    assert [float(f"{x:.2g}") for x in g] == [0.0056, 0.020, 0.062, 0.23]
    assert round(float(g[-1] / g[0])) == 41
    for i in range(2):
        assert round(end_loss(t, i), 2) == 0.27 and below(t, i, 0.2) is None
        assert round(float(t.metrics.train_acc[i, -1]), 2) == 0.88
    # about what a straight boundary does: the best single logistic unit (a convex problem)
    line = train(NetworkSetup.from_fields({**t.setup.fields(), "hidden": [], "init": "zeros"}),
                 make_optimizer("newton", alpha=1.0), 50)
    assert line.run.status[0] == CONVERGED
    assert abs(end_loss(line, 0) - end_loss(t, 0)) < 0.01
    assert abs(float(line.metrics.train_acc[0, line.run.stop[0]] - t.metrics.train_acc[0, -1])) < 0.01


@pytest.mark.parametrize(
    ("network", "steps"),
    [
        ({"activation": "tanh"}, [129, 85]),
        ({"batchnorm": True}, [461, 292]),
        ({"activation": "tanh", "batchnorm": True}, [59, 56]),
    ],
)
def test_net_hidden_units_tanh_and_batch_norm_train_the_same_net(network: dict, steps: list[int]) -> None:
    t, _ = race("net-hidden-units", network=network)
    assert [below(t, i, 0.1) for i in range(2)] == steps
    if network == {"activation": "tanh"}:
        g = report("net-hidden-units", "layer-gradients", network=network).start
        assert [round(float(x), 2) for x in g] == [0.25, 0.50, 0.43, 0.24]


# -- net-sharpness --------------------------------------------------------------------------------


def test_net_sharpness_the_start_and_its_limit() -> None:
    t, _ = race("net-sharpness")
    _, hi = exact_extremes(t.net, t.start)
    assert round(float(hi), 2) == 0.91 and round(2 / float(hi), 1) == 2.2
    alphas = [h["alpha"] for _, h in SCENARIOS["net-sharpness"].optimizers]
    assert alphas[0] < 2 / hi < alphas[1] and round(alphas[2] * float(hi) / 2) == 7  # "seven times past"


def test_net_sharpness_below_the_limit_the_curvature_rises_to_2_over_alpha_then_the_loss_rises() -> None:
    t, opt = race("net-sharpness")
    r = reports.sharpness(t, opt, every=10).racers[0]
    assert r.limit is not None and r.limit[0] == 4.0
    assert 280 <= r.first_above <= 300  # "near step 290"
    loss = t.run.loss[0]
    rises = np.nonzero(np.diff(loss) > 0)[0] + 1  # steps at which the loss is higher than before
    assert rises[0] == 459 and r.first_above < rises[0]
    assert round(float(loss[458]), 3) == 0.038
    assert int(np.argmax(loss[459:])) + 459 == 471 and round(float(loss[471]), 2) == 0.12
    lam = dict(zip(r.steps.tolist(), r.lam_max.tolist(), strict=True))
    assert lam[300] < lam[350] < lam[400] < lam[450]  # "and keeps rising"
    late = np.sign(np.diff(loss[476:501]))
    assert np.all(late[1:] == -late[:-1])  # up every other step


def test_net_sharpness_past_the_limit_the_loss_rises_then_lands_on_flatter_ground() -> None:
    t, opt = race("net-sharpness")
    loss = t.run.loss[1]
    assert loss[3] > loss[2] and loss[4] > loss[3] and loss[5] > loss[4]
    assert round(float(loss[2]), 2) == 0.32 and round(float(loss[5]), 2) == 0.84
    r = reports.sharpness(t, opt).racers[1]
    assert r.limit[0] == 0.5 and r.lam_max[0] > 0.5 and r.lam_max[-1] < 0.5
    assert round(end_loss(t, 1), 3) == 0.003


def test_net_sharpness_far_past_the_limit_the_net_is_wrecked() -> None:
    t, opt = race("net-sharpness")
    loss = t.run.loss[2]
    assert int(np.argmax(loss)) == 3 and round(float(loss[3]), 1) == 25.7
    assert round(end_loss(t, 2), 1) == 9.5 and end_loss(t, 2) > loss[0] and round(float(loss[0]), 2) == 0.83
    assert round(float(reports.sharpness(t, opt).racers[2].lam_max[-1]), 4) == 0.0008
    (W1, b1), (W2, b2), _ = t.net.layout.unflatten(t.run.final.theta[2])
    h1 = np.tanh(t.net.data.x_train @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    assert np.mean(np.abs(h1) > 0.99) > 0.95 and np.mean(np.abs(h2) > 0.99) > 0.99  # the units saturated


def test_net_sharpness_try_a_smaller_and_larger_alphas() -> None:
    t, opt = race("net-sharpness", hyper={0: {"alpha": 0.25}, 1: {"alpha": 8.0}, 2: {"alpha": 12.0}})
    r = reports.sharpness(t, opt).racers[0]
    assert r.limit[0] == 8.0 and round(float(np.nanmax(r.lam_max)), 1) == 3.8 and r.rises == 0
    assert round(end_loss(t, 1), 4) == 0.0025
    assert round(end_loss(t, 2), 1) == 2.8


# -- net-adam -------------------------------------------------------------------------------------


def test_net_adam_reaches_the_loss_first() -> None:
    t, _ = race("net-adam")
    assert [below(t, i, 0.1) for i in range(3)] == [1250, 286, 107]
    for i in range(3):
        assert t.metrics.train_acc[i, -1] >= 0.98 and 0.75 <= t.metrics.val_acc[i, -1] <= 0.90
    assert sorted(t.metrics.val_acc[:, -1]) == [0.75, 0.85, 0.90]


def test_net_adam_each_alpha_is_about_its_best() -> None:
    base, _ = race("net-adam")
    sc = SCENARIOS["net-adam"]
    # a factor 1.8 smaller: every racer gets below 0.1 later
    t, _ = race("net-adam", hyper={i: {"alpha": h["alpha"] / 1.8} for i, (_, h) in enumerate(sc.optimizers)})
    for i in range(3):
        assert below(t, i, 0.1) > below(base, i, 0.1)
    # larger: gd later; momentum sooner, then it blows up
    t, _ = race("net-adam", hyper={0: {"alpha": 3.6}, 1: {"alpha": 1.8}})
    assert below(t, 0, 0.1) > below(base, 0, 0.1)
    assert below(t, 1, 0.1) == 150 and end_loss(t, 1) > 1


def test_net_adam_ten_times_smaller_alphas_only_adam_still_gets_there() -> None:
    t, _ = race("net-adam", hyper={0: {"alpha": 0.2}, 1: {"alpha": 0.1}, 2: {"alpha": 0.01}})
    assert below(t, 2, 0.1) == 519 and below(t, 1, 0.1) == 1978
    assert below(t, 0, 0.1) is None and round(end_loss(t, 0), 2) == 0.64


def test_net_adam_three_times_larger_alphas_all_fail() -> None:
    t, _ = race("net-adam", hyper={0: {"alpha": 6.0}, 1: {"alpha": 3.0}, 2: {"alpha": 0.3}})
    assert round(end_loss(t, 0), 1) == 2.5 and round(end_loss(t, 1), 1) == 4.5
    assert t.run.status[2] == CONVERGED and round(end_loss(t, 2), 3) == 0.693
    w = t.run.final.theta[2]
    (W1, b1), (W2, b2), _ = t.net.layout.unflatten(w)
    h2 = np.tanh(np.tanh(t.net.data.x_train @ W1 + b1) @ W2 + b2)
    assert np.all(np.abs(h2) > 0.99)  # the second layer saturated completely
    z = t.net.forward(w, t.net.data.x_train)
    assert np.ptp(z) < 1e-6  # the same answer for every point


# -- net-newton -----------------------------------------------------------------------------------


def test_net_newton_a_logistic_unit_in_a_ravine_newton_in_7_steps_gd_crawls() -> None:
    t, _ = race("net-newton")
    assert t.net.dim == 3
    _, hi = exact_extremes(t.net, t.start)
    assert round(float(hi), -3) == 226_000 and f"{2 / float(hi):.1e}" == "8.9e-06"
    assert SCENARIOS["net-newton"].optimizers[0][1]["alpha"] < 2 / hi
    gd, adam, newton = range(3)
    assert t.run.status[gd] == RUNNING and round(end_loss(t, gd), 2) == 0.50
    assert t.run.status[adam] == CONVERGED and t.run.stop[adam] == 1870 and kind(t, adam) == "minimum"
    assert t.run.status[newton] == CONVERGED and t.run.stop[newton] == 7 and kind(t, newton) == "minimum"
    assert round(end_loss(t, newton), 4) == round(end_loss(t, adam), 4) == 0.2532
    g = t.run.grad_norm[newton, 4:8]
    assert [f"{x:.2g}" for x in g] == ["0.73", "0.013", "3.9e-06", "3.5e-13"]
    m = t.metrics
    for i, k in ((adam, 1870), (newton, 7)):  # the same minimum, however ill-conditioned
        assert round(float(m.val_loss[i, k]), 4) == 0.2475
        assert (f"{m.train_acc[i, k]:.1%}", f"{m.val_acc[i, k]:.1%}") == ("89.4%", "90.0%")
        lo, hi = exact_extremes(t.net, t.run.final.theta[i])
        assert f"{lo:.3g}" == "0.0211" and round(float(hi), -2) == 45_300
    # convex: the Hessian is positive semi-definite wherever Newton went
    ev = np.linalg.eigvalsh(t.net.hessian(t.run.theta[newton, :8]))
    assert np.all(ev >= -1e-9 * np.abs(ev).max(axis=1, keepdims=True))


def test_net_newton_costs_a_few_gradients_a_step_here() -> None:
    rep = report("net-newton", "cost")
    gd, _, newton = rep.racers
    assert newton.hessian == newton_cost(3) and newton.hessian["hessian_numbers"] == 9
    assert gd.hessian is None and newton.seconds > gd.seconds
    assert 1.5 < newton.seconds / rep.gradient_seconds < 20  # "a few gradients' time"


def test_net_newton_standardised_the_ravine_goes_gd_can_take_alpha_5() -> None:
    change = {"network": {"units": "standardised"}, "hyper": {0: {"alpha": 5.0}}}
    t, _ = race("net-newton", **change)
    _, hi = exact_extremes(t.net, t.start)
    assert round(float(hi), 2) == 0.36 and 5.0 < 2 / hi
    assert t.run.stop[2] == 6 and t.run.status[2] == CONVERGED
    assert t.run.stop[0] == 67 and t.run.status[0] == CONVERGED and kind(t, 0) == "minimum"


# -- net-newton-saddle ----------------------------------------------------------------------------


def test_net_newton_saddle_pure_newton_lands_on_the_saddle_of_a_net_that_knows_nothing() -> None:
    t, _ = race("net-newton-saddle")
    assert t.net.dim == 37
    assert t.run.status[1] == CONVERGED and t.run.stop[1] == 4 and kind(t, 1) == "saddle"
    lo, hi = exact_extremes(t.net, t.run.final.theta[1])
    assert (round(float(lo), 2), round(float(hi), 2)) == (-2.34, 2.51)
    q = t.net.data.y_train.mean()
    assert end_loss(t, 1) == pytest.approx(-(q * math.log(q) + (1 - q) * math.log(1 - q)), abs=1e-6)
    assert round(end_loss(t, 1), 4) == 0.6928
    assert np.ptp(t.net.predict(t.run.final.theta[1], t.net.data.x_train)) < 1e-4  # one answer for all
    assert below(t, 0, 0.1) == 452
    # along gd's run the Hessian has a negative eigenvalue everywhere, and near-zero ones
    ev = np.linalg.eigvalsh(t.net.hessian(t.run.theta[0, ::25]))
    scale = np.abs(ev).max(axis=1)
    assert np.all(ev[:, 0] < -1e-9 * scale) and np.all(np.abs(ev).min(axis=1) < 1e-3 * scale)


def test_net_newton_saddle_other_seeds_never_reach_a_minimum() -> None:
    ends = {}
    for seed in range(1, 10):
        t, _ = race("net-newton-saddle", network={"seed": seed}, steps=100)
        ends[seed] = (Status(int(t.run.status[1])), kind(t, 1) if t.run.status[1] == CONVERGED else None,
                      round(end_loss(t, 1), 4),
                      float(exact_extremes(t.net, t.run.final.theta[1])[0]) if t.run.status[1] == CONVERGED else None)
    statuses = [e[0] for e in ends.values()]
    assert statuses.count(FAILED) == 5 and statuses.count(DIVERGED) == 3
    (saddle,) = [e for e in ends.values() if e[0] == CONVERGED]
    assert saddle[1] != "minimum" and saddle[2] == 0.6928
    assert saddle[3] < -1e-6  # the curvature still has a direction going down (-2.6e-5)


def test_net_newton_saddle_damping_takes_four_times_fewer_steps_but_more_time() -> None:
    t, _ = race("net-newton-saddle")
    assert below(t, 2, 0.1) == 110 and round(452 / 110) == 4
    rep = report("net-newton-saddle", "cost")
    gd, newton, damped = rep.racers
    assert newton.hessian["hessian_numbers"] == 37**2 and damped.hessian == newton.hessian
    assert newton.seconds / rep.gradient_seconds > 5 and gd.seconds / rep.gradient_seconds < 3
    assert damped.seconds * below(t, 2, 0.1) > gd.seconds * below(t, 0, 0.1)
    million = newton_cost(10**6)
    assert million["hessian_numbers"] == 1e12 and million["hessian_bytes"] == 8e12


def test_net_newton_saddle_with_16_units_a_layer_the_bill_grows() -> None:
    t, _ = race("net-newton-saddle", network={"hidden": [16, 16]}, steps=2)
    assert t.run.status[1] == DIVERGED and t.run.stop[1] == 1
    rep = report("net-newton-saddle", "cost", network={"hidden": [16, 16]}, steps=2)
    assert rep.racers[1].hessian["hessian_numbers"] == 337**2 == 113_569
    assert rep.racers[2].seconds / rep.gradient_seconds > 100


def test_net_newton_saddle_more_and_less_damping() -> None:
    t, _ = race("net-newton-saddle", hyper={2: {"damping": 10.0}})
    assert round(end_loss(t, 2), 2) == 0.28
    t, _ = race("net-newton-saddle", hyper={2: {"damping": 0.1}})
    assert end_loss(t, 2) > 8
