"""Every number a lesson states, and every "try this" it suggests, checked on the engine.

Each test runs a shipped scenario (``assets/scenarios``), as the window and ``main.py run
--scenario`` do, or the change one of its suggestions asks for, and fails when the text stops
being true. Tests are named after the scenario and the claim. Outcomes are judged by status
codes, losses, points and steps, never by the wording of a verdict.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from engine import theory
from engine.analysis import basin_map, log_grid, lr_sweep, newton_cost, phase_map
from engine.inits import Init
from engine.landscapes import Landscape, make_landscape
from engine.optimizers import Optimizer, make_optimizer
from engine.scenarios import SCENARIO_DIR, load_scenarios
from engine.selection import choose_alpha
from engine.simulation import Run, Status, point_kinds, simulate

SCENARIOS, ERRORS = load_scenarios(SCENARIO_DIR)
CONVERGED, DIVERGED, FAILED, RUNNING = Status.CONVERGED, Status.DIVERGED, Status.FAILED, Status.UNCONVERGED


def race(
    name: str,
    *,
    params: dict | None = None,
    hyper: dict[int, dict[str, float]] | None = None,
    racers: list[tuple[str, dict[str, float]]] | None = None,
    start: tuple[float, ...] | None = None,
    init: Init | None = None,
    steps: int | None = None,
    tol: float | None = None,
    batch_size: int | str | None = "scenario",
    seed: int | None = None,
) -> tuple[Landscape, Run]:
    """Run scenario ``name`` as the window does, with a student's changes: landscape
    ``params``, new ``hyper``-parameters for racer ``i``, other ``racers``, another
    ``start`` or ``init``, ``steps``, ``tol``, ``batch_size`` or mini-batch ``seed``."""
    sc = SCENARIOS[name]
    land = make_landscape(sc.landscape, **{**sc.params, **(params or {})})
    entries = [(n, dict(h)) for n, h in sc.optimizers] if racers is None else racers
    for i, h in (hyper or {}).items():
        entries[i][1].update(h)
    opt = Optimizer.stack([make_optimizer(n, **h) for n, h in entries])
    w0 = np.array(start, dtype=np.float64) if start is not None else (init or sc.init).resolve(land.dim)
    run = simulate(
        land, opt, np.tile(w0, (len(entries), 1)), steps or sc.steps, tol=tol or sc.tol,
        batch_size=sc.batch_size if batch_size == "scenario" else batch_size,
        seed=sc.seed if seed is None else seed,
    )
    return land, run


def kind(land: Landscape, run: Run, i: int) -> str:
    return str(point_kinds(land, run.final.theta[i : i + 1])[0])


def at_minimum(land: Landscape, run: Run, i: int, point: tuple[float, float], tol: float = 1e-3) -> bool:
    """Row ``i`` converged, at a minimum, at ``point``."""
    return (
        run.status[i] == CONVERGED and kind(land, run, i) == "minimum"
        and np.allclose(run.final.theta[i], point, atol=tol)
    )


def first(mask: np.ndarray) -> int | None:
    idx = np.nonzero(mask)[0]
    return int(idx[0]) if idx.size else None


def shares(land: Landscape, name: str, hyper: dict[str, float], steps: int, n: int = 64) -> dict[str, float]:
    return basin_map(land, make_optimizer(name, **hyper), n, steps).shares()


def test_the_scenarios_load_in_the_lecture_order() -> None:
    assert ERRORS == []
    # a scenario that speaks of "the previous" or "the next" one is listed right after or before it
    names = list(SCENARIOS)
    assert names.index("cross-entropy-no-plateau") == names.index("squared-error-plateau") + 1
    assert names.index("squared-error-plateau") == names.index("zero-one-loss") + 1
    assert names.index("alpha-on-validation") == names.index("learning-rate-choice") + 1
    assert names.index("convex-classifier") == names.index("convex-regression") + 1


# -- convex-regression -------------------------------------------------------------------------


def test_convex_regression_both_racers_end_at_the_one_minimum_momentum_in_a_third_of_the_steps() -> None:
    land, run = race("convex-regression")
    w = land.minima[0].point
    assert at_minimum(land, run, 0, w) and at_minimum(land, run, 1, w)
    assert run.stop[1] <= run.stop[0] / 2.5


def test_convex_regression_condition_number_about_10_and_no_zigzag() -> None:
    land, run = race("convex-regression")
    lo, hi = land.hessian_eigenvalues()
    assert 9 < hi / lo < 11
    # gd with alpha 0.5 shrinks the steep component by 1 - 0.5*lambda_max > 0 each step: no sign flips
    steep = np.linalg.eigh(land.hessian(np.zeros(2)))[1][:, 1]
    along = (run.theta[0, : run.stop[0] + 1] - land.minima[0].point) @ steep
    big = along[np.abs(along) > 1e-9 * abs(along[0])]  # until rounding decides the sign
    assert big.size > 5 and np.all(np.sign(big) == np.sign(along[0]))


def test_convex_regression_basin_map_is_one_colour() -> None:
    land = SCENARIOS["convex-regression"].make_landscape()
    assert shares(land, "gd", {"alpha": 0.5}, 200, 32)["0"] == 1.0


def test_convex_regression_alpha_limit_is_1_105_zigzag_grows_above_and_1_3_diverges() -> None:
    land = SCENARIOS["convex-regression"].make_landscape()
    assert round(2 / land.hessian_eigenvalues()[1], 3) == 1.105
    _, run = race("convex-regression", racers=[("gd", {"alpha": a}) for a in (1.1, 1.12, 1.3)])
    assert run.status[0] != DIVERGED
    d = np.linalg.norm(run.theta[1] - land.minima[0].point, axis=1)
    assert run.status[1] == RUNNING and d[200] > d[50]  # grows, slowly
    assert run.status[2] == DIVERGED and run.stop[2] < 60


# -- convex-classifier -------------------------------------------------------------------------


def test_convex_classifier_is_convex_and_both_racers_find_its_minimum() -> None:
    land, run = race("convex-classifier")
    (a, b), (c, d) = land.view
    g = np.stack(np.meshgrid(np.linspace(a, b, 25), np.linspace(c, d, 25)), -1).reshape(-1, 2)
    assert np.linalg.eigvalsh(land.hessian(g)).min() > 0
    w = land.minima[0].point
    assert at_minimum(land, run, 0, w) and at_minimum(land, run, 1, w)


def test_convex_classifier_far_away_the_slope_is_steady_not_flat() -> None:
    land = SCENARIOS["convex-classifier"].make_landscape()
    assert round(float(np.linalg.norm(land.grad(np.array([4.0, -3.0])))), 2) == 0.43
    assert round(float(np.linalg.norm(land.grad(np.array([100.0, -100.0])))), 2) == 0.55


def test_convex_classifier_from_4_minus_3_gd_needs_under_40_steps_adam_hundreds() -> None:
    land, run = race("convex-classifier", start=(4.0, -3.0))
    assert at_minimum(land, run, 0, land.minima[0].point) and run.stop[0] < 40
    _, run = race("convex-classifier")
    assert run.stop[0] < 50 and run.stop[1] >= 200


def test_convex_classifier_basin_map_is_one_colour() -> None:
    land = SCENARIOS["convex-classifier"].make_landscape()
    assert shares(land, "gd", {"alpha": 5.0}, 300, 32)["0"] == 1.0


# -- four-basins -------------------------------------------------------------------------------


def test_four_basins_from_the_origin_gd_and_momentum_end_in_different_minima() -> None:
    land, run = race("four-basins")
    assert at_minimum(land, run, 0, (3.0, 2.0))
    assert at_minimum(land, run, 1, (3.584, -1.848))


def test_four_basins_gd_basins_are_the_catchments_momentum_twists_them() -> None:
    land = SCENARIOS["four-basins"].make_landscape()
    fine = basin_map(land, make_optimizer("gd", alpha=0.001), 64, 5000).outcome
    gd = basin_map(land, make_optimizer("gd", alpha=0.005), 64, 500).outcome
    mom = basin_map(land, make_optimizer("momentum", alpha=0.005, mu=0.9), 64, 500).outcome
    assert np.mean(gd != fine) < 0.01  # "all but a sliver"
    assert np.mean(mom != gd) > 0.25  # "more than a quarter"


def test_four_basins_near_the_maximum_small_moves_reach_three_minima() -> None:
    land = SCENARIOS["four-basins"].make_landscape()
    top = next(cp.point for cp in land.critical_points if cp.kind == "maximum")
    assert np.allclose(top, (-0.27, -0.92), atol=0.01)
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    starts = np.array(top) + 0.05 * np.column_stack([np.cos(ang), np.sin(ang)])
    out = simulate(land, make_optimizer("gd", alpha=0.005), starts, 500, record=False)
    assert np.all(out.status == CONVERGED)
    ends = {int(np.argmin(np.linalg.norm(np.array([m.point for m in land.minima]) - t, axis=1))) for t in out.theta}
    assert len(ends) == 3


def test_four_basins_raising_alpha_removes_the_steepest_basins_first() -> None:
    land = SCENARIOS["four-basins"].make_landscape()
    minima = [m.point for m in land.minima]
    limits = [2 / np.linalg.eigvalsh(land.hessian(np.array(m)))[-1] for m in minima]
    i2, i3 = (int(np.argmin(np.linalg.norm(np.array(minima) - p, axis=1))) for p in ((-3.78, -3.28), (3.58, -1.85)))
    assert np.argmin(limits) == i2 and round(limits[i2], 4) == 0.0149
    s = shares(land, "gd", {"alpha": 0.015}, 500)
    assert s[str(i2)] == 0 and s["unconverged"] > 0.1
    s = shares(land, "gd", {"alpha": 0.02}, 500)
    assert s[str(i2)] == 0 and s[str(i3)] == 0 and s["diverged"] > 0
    s = shares(land, "gd", {"alpha": 0.03}, 500)
    assert all(s[str(i)] == 0 for i in range(4))


# -- local-minimum-trap ------------------------------------------------------------------------


def test_local_minimum_trap_gd_stays_in_the_shallow_well_momentum_reaches_the_deep_one() -> None:
    land, run = race("local-minimum-trap")
    assert run.status[0] == CONVERGED and run.status[1] == CONVERGED  # both "converged"
    deep = min(land.minima, key=lambda m: float(land.loss(np.array(m.point))))
    shallow = max(land.minima, key=lambda m: float(land.loss(np.array(m.point))))
    assert at_minimum(land, run, 0, shallow.point) and at_minimum(land, run, 1, deep.point)
    assert shallow.point[0] > 0 > deep.point[0]
    assert round(float(run.final.loss[0] - run.final.loss[1]), 1) == 0.6  # gd levels off 0.6 above f*


def test_local_minimum_trap_less_momentum_or_a_smaller_alpha_stays_shallow() -> None:
    _, run = race("local-minimum-trap", hyper={1: {"mu": 0.5}})
    assert run.status[1] == CONVERGED and run.final.theta[1, 0] > 0
    _, run = race("local-minimum-trap", hyper={1: {"alpha": 0.02}})
    assert run.status[1] == CONVERGED and run.final.theta[1, 0] > 0


def test_local_minimum_trap_tilt_0_gives_equal_minima_and_a_symmetric_map() -> None:
    land = make_landscape("double-well", tilt=0.0)
    losses = [float(land.loss(np.array(m.point))) for m in land.minima]
    assert losses[0] == pytest.approx(losses[1], abs=1e-15)
    for name, hyper in SCENARIOS["local-minimum-trap"].optimizers:
        bm = basin_map(land, make_optimizer(name, **hyper), 32, 400)
        flip = bm.outcome[:, ::-1]
        swapped = np.where(flip >= 0, 1 - flip, flip)  # the mirror swaps the two minima
        assert np.array_equal(bm.outcome, swapped), name


# -- permutation-symmetry ----------------------------------------------------------------------


def test_permutation_symmetry_loss_is_its_own_mirror_and_the_average_is_worse() -> None:
    land = SCENARIOS["permutation-symmetry"].make_landscape()
    w = np.random.default_rng(0).uniform(-1, 3, (200, 2))
    np.testing.assert_array_equal(land.loss(w), land.loss(w[:, ::-1]))
    rep = land.symmetry_report()
    assert rep.average_is_worse and rep.losses[2] > max(rep.losses[:2])


def test_permutation_symmetry_the_start_and_its_mirror_end_in_twin_minima() -> None:
    land, run = race("permutation-symmetry")
    a, b = (m.point for m in land.minima[:2])
    near = a if a[0] < a[1] else b
    assert at_minimum(land, run, 0, near) and at_minimum(land, run, 1, near)
    land, run = race("permutation-symmetry", start=(1.2, 0.2))
    twin = (near[1], near[0])
    assert at_minimum(land, run, 0, twin) and at_minimum(land, run, 1, twin)


def test_permutation_symmetry_on_the_diagonal_the_units_stay_identical_and_stop_on_the_saddle() -> None:
    land, run = race("permutation-symmetry", start=(0.5, 0.5))
    for i in range(2):
        th = run.theta[i, : run.stop[i] + 1]
        assert np.array_equal(th[:, 0], th[:, 1])
        assert run.status[i] == CONVERGED and kind(land, run, i) == "saddle"
        assert np.allclose(run.final.theta[i], (0.87, 0.87), atol=0.005)


# -- zero-init-saddle --------------------------------------------------------------------------


def test_zero_init_saddle_gradient_is_exactly_zero_and_both_runs_stop_at_step_0() -> None:
    land, run = race("zero-init-saddle")
    assert np.array_equal(land.grad(np.zeros(2)), [0.0, 0.0])
    for i in range(2):
        assert run.status[i] == CONVERGED and run.stop[i] == 0 and kind(land, run, i) == "saddle"


def test_zero_init_saddle_hessian_is_not_zero_loss_falls_along_w_eq_v_rises_along_w_eq_minus_v() -> None:
    land = SCENARIOS["zero-init-saddle"].make_landscape()
    lo, hi = np.linalg.eigvalsh(land.hessian(np.zeros(2)))
    assert lo < 0 < hi and lo == pytest.approx(-hi)
    l0 = float(land.loss(np.zeros(2)))
    for t in (0.05, 0.3):
        assert land.loss(np.array([t, t])) < l0 < land.loss(np.array([t, -t]))
        assert land.loss(np.array([-t, -t])) < l0 < land.loss(np.array([-t, t]))


def test_zero_init_saddle_a_random_start_converges_and_the_seed_picks_the_mirror() -> None:
    land, run = race("zero-init-saddle", init=Init("random", sigma=0.01, seed=0))
    assert all(at_minimum(land, run, i, (-1.18, -1.5), 0.01) for i in range(2))
    land, run = race("zero-init-saddle", init=Init("random", sigma=0.01, seed=1))
    assert all(at_minimum(land, run, i, (1.18, 1.5), 0.01) for i in range(2))


# -- saddle-escape -----------------------------------------------------------------------------


def test_saddle_escape_gd_crawls_for_over_a_hundred_steps_then_escapes() -> None:
    _, run = race("saddle-escape")
    loss, g = run.loss[0], run.grad_norm[0]
    assert loss[0] == pytest.approx(3.24) and g[0] == pytest.approx(3.6)
    flat = np.abs(loss) < 0.05
    assert first(flat) <= 21 and np.all(flat[21:121])  # almost exactly 0 for over 100 steps
    assert np.nanmin(g) < 0.003
    y = run.theta[0, :, 1]
    np.testing.assert_allclose(y[1:] / y[:-1], 1.1)  # y grows by 10% per step
    assert 120 <= first(~flat[21:]) + 21 <= 140  # escapes after some 130 steps
    assert run.status[0] == RUNNING and loss[-1] < -1  # no bottom: never converges


def test_saddle_escape_newton_lands_on_the_saddle_in_one_step() -> None:
    land, run = race("saddle-escape")
    assert run.status[1] == CONVERGED and run.stop[1] == 1 and kind(land, run, 1) == "saddle"
    assert np.allclose(run.final.theta[1], 0.0, atol=1e-12)


def test_saddle_escape_closer_start_outlasts_150_steps_and_leaves_by_200() -> None:
    _, run = race("saddle-escape", start=(-1.8, 1e-8))
    assert np.all(np.abs(run.loss[0, 21:]) < 0.05) and run.status[0] == RUNNING
    _, run = race("saddle-escape", start=(-1.8, 1e-8), steps=200)
    assert run.loss[0, -1] < -1


def test_saddle_escape_start_on_the_axis_converges_to_the_saddle_at_step_144() -> None:
    land, run = race("saddle-escape", start=(-1.8, 0.0))
    assert run.status[0] == CONVERGED and run.stop[0] == 144 and kind(land, run, 0) == "saddle"


def test_saddle_escape_newton_damping_20_leaves_below_1_stays_2_is_singular() -> None:
    racers = [("newton", {"alpha": 1.0, "damping": d}) for d in (20.0, 0.5, 2.0)]
    land, run = race("saddle-escape", racers=racers)
    assert run.status[0] == RUNNING and run.loss[0, -1] < -1
    assert run.status[1] == CONVERGED and kind(land, run, 1) == "saddle"
    assert run.status[2] == FAILED


# -- zero-one-loss -----------------------------------------------------------------------------


def test_zero_one_loss_both_runs_stop_at_step_0_on_a_flat_region_misclassifying_61_percent() -> None:
    land, run = race("zero-one-loss")
    for i in range(2):
        assert run.status[i] == CONVERGED and run.stop[i] == 0 and kind(land, run, i) == "flat"
    assert round(float(run.loss[0, 0]), 2) == 0.61
    assert float(land.loss(np.array([1.0, 1.0]))) < 0.2  # much better weights exist


def test_zero_one_loss_every_start_stops_at_step_0() -> None:
    land = SCENARIOS["zero-one-loss"].make_landscape()
    out = basin_map(land, make_optimizer("gd", alpha=0.1), 16, 100)
    assert np.all(out.steps == 0)


# -- squared-error-plateau ---------------------------------------------------------------------


def test_squared_error_plateau_the_unit_answers_0_9994_and_the_gradient_is_3e_4() -> None:
    land, run = race("squared-error-plateau")
    assert 1 / (1 + math.exp(-7.5)) == pytest.approx(0.9994, abs=1e-4)
    assert round(float(run.grad_norm[0, 0]), 4) == 0.0003
    y = land.train.y
    assert 0.4 < y.mean() < 0.6  # right for about half of the examples


def test_squared_error_plateau_gd_creeps_1500_steps_then_leaves_near_step_1900() -> None:
    _, run = race("squared-error-plateau")
    loss, g = run.loss[0], run.grad_norm[0]
    assert np.ptp(loss[:1501]) < 0.001 and round(float(loss[0]), 3) == 0.247  # the fourth decimal only
    assert np.all(g[:1501] < 2e-3) and g[1500] > 2 * g[0]  # low, and slowly growing
    assert 1800 <= first(loss < 0.2) <= 2000
    assert round(float(loss[3000]), 3) == 0.045


def test_squared_error_plateau_adam_leaves_within_50_steps_and_stays_in_view() -> None:
    land, run = race("squared-error-plateau")
    assert first(run.loss[1] < 0.2) < 50
    th = run.theta[1, : run.stop[1] + 1]
    (a, b), (c, d) = land.view
    assert np.all((th[:, 0] >= a) & (th[:, 0] <= b) & (th[:, 1] >= c) & (th[:, 1] <= d))


def test_squared_error_plateau_alpha_10_crosses_ten_times_sooner() -> None:
    _, run = race("squared-error-plateau", hyper={0: {"alpha": 10.0}})
    _, slow = race("squared-error-plateau")
    assert 180 <= first(run.loss[0] < 0.2) <= 200
    assert 9 < first(slow.loss[0] < 0.2) / first(run.loss[0] < 0.2) < 11


def test_squared_error_plateau_off_the_plateau_learning_is_quick() -> None:
    land, run = race("squared-error-plateau", start=(1.0, 0.0), steps=50)
    best = float(land.loss(np.array(land.minima[0].point)))
    assert run.loss[0, 50] - best < 0.005 < run.loss[0, 0] - best


# -- cross-entropy-no-plateau ------------------------------------------------------------------


def test_cross_entropy_same_start_and_a_gradient_nearly_2000_times_the_squared_errors() -> None:
    assert SCENARIOS["cross-entropy-no-plateau"].init == SCENARIOS["squared-error-plateau"].init
    _, xent = race("cross-entropy-no-plateau")
    _, sq = race("squared-error-plateau", steps=1)
    assert round(float(xent.grad_norm[0, 0]), 2) == 0.57
    assert 1700 < xent.grad_norm[0, 0] / sq.grad_norm[0, 0] < 2000


def test_cross_entropy_gd_reaches_the_minimum_in_about_300_steps() -> None:
    land, run = race("cross-entropy-no-plateau")
    assert at_minimum(land, run, 0, land.minima[0].point) and 280 <= run.stop[0] <= 350


def test_cross_entropy_from_minus_8_8_the_loss_is_near_its_minimum_within_50_steps() -> None:
    land, run = race("cross-entropy-no-plateau", start=(-8.0, 8.0), steps=50)
    best = float(land.loss(np.array(land.minima[0].point)))
    assert run.loss[0, 50] - best < 0.01 < run.loss[0, 0] - best


# -- saturated-units ---------------------------------------------------------------------------


def test_saturated_units_start_at_8_64_5_13_with_a_gradient_of_0_01() -> None:
    land, run = race("saturated-units")
    assert np.allclose(run.theta[0, 0], (8.64, 5.13), atol=0.005)
    assert round(float(run.grad_norm[0, 0]), 2) == 0.01
    # all but the inputs closest to zero are in tanh's flat tails (|w x| > 2)
    x = land.train.x[:, 0]
    assert np.mean(np.abs(np.outer(run.theta[0, 0], x)) < 2) < 0.3


def test_saturated_units_gd_creeps_one_unit_leaves_near_step_400_the_other_stays_adam_in_200() -> None:
    land, run = race("saturated-units")
    loss, th = run.loss[0], run.theta[0]
    assert round(float(loss[0]), 2) == 0.18 and round(float(loss[300]), 2) == 0.14
    k = first(loss < 0.02)
    assert 380 <= k <= 440
    assert th[k, 1] < 1.0 < 5.0 < th[k, 0]  # w2 left its flat tail, w1 did not
    assert run.status[0] == RUNNING and th[-1, 0] > 5.0  # still saturated at the end
    assert np.all((loss[k + 100 :] > 0.014) & (loss[k + 100 :] < 0.02))  # stuck near 0.016
    assert at_minimum(land, run, 1, (1.94, 0.50), 0.005) and 180 <= run.stop[1] <= 230


def test_saturated_units_sigma_0_1_starts_at_0_17_0_10_and_is_below_0_02_after_one_step() -> None:
    land, run = race("saturated-units", init=Init("random", sigma=0.1, seed=82))
    assert np.allclose(run.theta[0, 0], (0.17, 0.10), atol=0.005)
    assert run.loss[0, 1] < 0.02
    _, large = race("saturated-units", steps=1)
    assert run.grad_norm[0, 0] > 100 * large.grad_norm[0, 0]  # the gradient-norm curves start far apart
    best = float(land.loss(np.array(land.minima[0].point)))
    assert run.loss[0, -1] < best * 1.001


def test_saturated_units_zero_init_stops_on_the_saddle_of_identical_units() -> None:
    land, run = race("saturated-units", init=Init("zeros"))
    for i in range(2):
        assert run.status[i] == CONVERGED and kind(land, run, i) == "saddle"
        assert np.allclose(run.final.theta[i], (0.87, 0.87), atol=0.005)


# -- unscaled-inputs ---------------------------------------------------------------------------


def test_unscaled_inputs_curvatures_26000_and_13_condition_number_32000() -> None:
    land = SCENARIOS["unscaled-inputs"].make_landscape()
    h = land.hessian(np.zeros(2))
    assert round(h[0, 0], -3) == 26000 and round(h[1, 1]) == 13
    assert 1500 < h[0, 0] / h[1, 1] < 2500  # "two thousand times"
    assert round(land.condition_number(), -3) == 32000
    assert round(2 / land.hessian_eigenvalues()[1], 6) == 7.7e-5


def test_unscaled_inputs_gd_is_far_after_3000_steps_and_needs_over_100000() -> None:
    land, run = race("unscaled-inputs")
    best = float(land.loss(np.array(land.minima[0].point)))
    assert run.status[0] == RUNNING and run.final.loss[0] > 10 * best
    assert run.final.loss[1] < run.final.loss[0] and run.final.loss[2] < run.final.loss[0]
    lo, hi = land.hessian_eigenvalues()
    _, run = race("unscaled-inputs", racers=[("gd", {"alpha": 7e-5}), ("gd", {"alpha": theory.gd_best_alpha(lo, hi)})],
                  steps=100_000)
    assert np.all(run.status == RUNNING)


def test_unscaled_inputs_just_above_the_limit_gd_diverges() -> None:
    _, run = race("unscaled-inputs", hyper={0: {"alpha": 8e-5}})
    assert run.status[0] == DIVERGED


def test_unscaled_inputs_standardised_condition_10_limit_1_1_best_alpha_1_converges_in_74_steps() -> None:
    land = make_landscape("linear-regression", standardise="yes")
    lo, hi = land.hessian_eigenvalues()
    assert round(hi / lo) == 10 and round(2 / hi, 1) == 1.1
    best = theory.gd_best_alpha(lo, hi)
    assert best == pytest.approx(1.0)
    land, run = race("unscaled-inputs", params={"standardise": "yes"}, hyper={0: {"alpha": best}})
    assert at_minimum(land, run, 0, land.minima[0].point) and run.stop[0] == 74
    _, run = race("unscaled-inputs", params={"standardise": "yes"})
    assert run.status[0] == RUNNING  # 7e-5 is far too small now


def test_unscaled_inputs_momentum_at_the_theory_setting_converges_in_under_3000_steps() -> None:
    land = SCENARIOS["unscaled-inputs"].make_landscape()
    a, mu = theory.momentum_best(*land.hessian_eigenvalues())
    assert (round(a, 5), round(mu, 3)) == (1.5e-4, 0.978)
    land, run = race("unscaled-inputs", hyper={1: {"alpha": a, "mu": mu}})
    assert at_minimum(land, run, 1, land.minima[0].point)


# -- centred-activations -----------------------------------------------------------------------


def _hidden(act: str):
    return make_landscape("hidden-features", activation=act)


def test_centred_activations_the_start_is_in_view_for_every_activation() -> None:
    start = SCENARIOS["centred-activations"].init.point
    for act in ("logistic", "tanh", "batchnorm"):
        (a, b), (c, d) = _hidden(act).view
        assert a < start[0] < b and c < start[1] < d, act


def test_centred_activations_logistic_mean_variance_condition_and_steps() -> None:
    land = _hidden("logistic")
    h = land.features(land.train.x)
    assert round(h.mean(), 2) == 0.47 and round(h.var(), 3) == 0.065
    assert round(land.condition_number(), 1) == 23.5
    # centring alone: [[var, 0], [0, 1]]
    assert round(1 / h.var()) == 15
    land, run = race("centred-activations")
    assert at_minimum(land, run, 0, land.minima[0].point) and run.stop[0] == 213
    lo, hi = land.hessian_eigenvalues()
    _, run = race("centred-activations", hyper={0: {"alpha": theory.gd_best_alpha(lo, hi)}})
    assert 150 <= run.stop[0] <= 190


def test_centred_activations_tanh_condition_2_1_in_18_steps_batchnorm_1_in_one_step() -> None:
    land = _hidden("tanh")
    h = land.features(land.train.x)
    assert round(h.mean(), 2) == -0.06 and round(h.var(), 2) == 0.48
    assert round(land.condition_number(), 1) == 2.1
    land, run = race("centred-activations", params={"activation": "tanh"})
    assert at_minimum(land, run, 0, land.minima[0].point) and run.stop[0] == 18
    land = _hidden("batchnorm")
    assert land.condition_number() == pytest.approx(1.0, abs=1e-12)
    land, run = race("centred-activations", params={"activation": "batchnorm"})
    assert at_minimum(land, run, 0, land.minima[0].point) and run.stop[0] == 1


# -- momentum-damping --------------------------------------------------------------------------


def _floor_crossings(land: Landscape, run: Run, i: int) -> int:
    """How often row ``i`` crosses the minimum along the floor (the shallow eigenvector)."""
    floor = np.linalg.eigh(land.hessian(np.zeros(2)))[1][:, 0]
    s = np.sign(run.theta[i, : run.stop[i] + 1] @ floor)
    return int(np.count_nonzero(np.diff(s[s != 0])))


def test_momentum_damping_gd_362_mu_0_7_99_mu_0_99_still_swinging() -> None:
    land, run = race("momentum-damping")
    assert [int(s) for s in run.stop[:2]] == [362, 99] and np.all(run.status[:2] == CONVERGED)
    assert run.status[2] == RUNNING and _floor_crossings(land, run, 2) > 10


def test_momentum_damping_overshoot_starts_near_mu_0_65_and_0_9_is_slower_than_0_7() -> None:
    racers = [("momentum", {"alpha": 0.039, "mu": m}) for m in (0.6, 0.7, 0.9)]
    land, run = race("momentum-damping", racers=racers)
    assert _floor_crossings(land, run, 0) == 0 and _floor_crossings(land, run, 1) > 0
    assert run.status[2] == CONVERGED and run.stop[2] == 323


def test_momentum_damping_theory_setting_converges_in_82_steps_sooner_than_every_racer() -> None:
    land = SCENARIOS["momentum-damping"].make_landscape()
    lo, hi = np.linalg.eigvalsh(land.hessian(np.zeros(2)))
    a, mu = theory.momentum_best(lo, hi)
    assert (round(a, 3), round(mu, 2)) == (0.061, 0.57)
    _, run = race("momentum-damping", racers=[("momentum", {"alpha": a, "mu": mu})])
    assert run.status[0] == CONVERGED and run.stop[0] == 82 < 99


def test_momentum_damping_phase_map_is_fastest_near_mu_0_6() -> None:
    sc = SCENARIOS["momentum-damping"]
    land = sc.make_landscape()
    pm = phase_map(land, sc.init.point, sc.steps, alphas=log_grid(1e-5, 10, 64), mus=np.linspace(0, 0.99, 64))
    _a, mu, _steps = pm.fastest()
    assert 0.5 <= mu <= 0.7


# -- newton-one-step ---------------------------------------------------------------------------


def test_newton_one_step_newton_in_one_gd_at_its_best_alpha_not_in_400() -> None:
    land, run = race("newton-one-step")
    assert SCENARIOS["newton-one-step"].optimizers[0][1]["alpha"] == pytest.approx(2 / 101, rel=0.01)
    assert run.status[0] == RUNNING
    assert at_minimum(land, run, 1, (0.0, 0.0)) and run.stop[1] == 1


def test_newton_one_step_kappa_1000_old_alpha_diverges_best_alpha_crawls_newton_still_one_step() -> None:
    _, run = race("newton-one-step", params={"kappa": 1000.0})
    assert run.status[0] == DIVERGED and run.status[1] == CONVERGED and run.stop[1] == 1
    assert round(theory.gd_best_alpha(1.0, 1000.0), 3) == 0.002
    _, run = race("newton-one-step", params={"kappa": 1000.0}, hyper={0: {"alpha": theory.gd_best_alpha(1.0, 1000.0)}})
    assert run.status[0] == RUNNING and run.final.grad_norm[0] > 1e-3


def test_newton_one_step_a_million_weights_mean_10_12_numbers_and_8_terabytes() -> None:
    c = newton_cost(10**6)
    assert c["hessian_numbers"] == 1e12 and c["hessian_bytes"] == 8e12


# -- newton-saddle-trap ------------------------------------------------------------------------


def test_newton_saddle_trap_gd_reaches_a_minimum_newton_climbs_onto_the_maximum_in_three_steps() -> None:
    land, run = race("newton-saddle-trap")
    assert np.all(np.linalg.eigvalsh(land.hessian(np.array(run.theta[0, 0]))) < 0)
    assert run.status[0] == CONVERGED and kind(land, run, 0) == "minimum"
    assert run.status[1] == CONVERGED and run.stop[1] == 3 and kind(land, run, 1) == "maximum"
    top = next(cp.point for cp in land.critical_points if cp.kind == "maximum")
    assert np.allclose(run.final.theta[1], top) and np.allclose(top, (-0.27, -0.92), atol=0.01)
    assert np.all(np.linalg.eigvalsh(land.hessian(np.array(top))) < 0)  # the readout: two negative


def test_newton_saddle_trap_a_third_of_the_basin_map_ends_off_the_minima() -> None:
    land = SCENARIOS["newton-saddle-trap"].make_landscape()
    bm = basin_map(land, make_optimizer("newton", alpha=1.0), 64, 200)
    assert 0.25 < bm.shares()["unconverged"] < 0.45
    assert bm.shares()["diverged"] == 0  # they stopped at saddles and the maximum


def test_newton_saddle_trap_damping_10_stops_on_a_saddle_20_reaches_a_minimum_30_clears_the_map() -> None:
    racers = [("newton", {"alpha": 1.0, "damping": d}) for d in (10.0, 20.0)]
    land, run = race("newton-saddle-trap", racers=racers)
    assert run.status[0] == CONVERGED and kind(land, run, 0) == "saddle"
    assert run.status[1] == CONVERGED and kind(land, run, 1) == "minimum"
    bm = basin_map(land, make_optimizer("newton", alpha=1.0, damping=30.0), 64, 200)
    assert bm.shares()["unconverged"] == 0 and bm.shares()["diverged"] == 0


# -- adam-rosenbrock ---------------------------------------------------------------------------


def test_adam_rosenbrock_each_racer_near_its_limit_momentum_1300_adam_1500_gd_far() -> None:
    land, run = race("adam-rosenbrock")
    assert run.status[0] == RUNNING and run.final.loss[0] > 0.01
    assert at_minimum(land, run, 1, (1.0, 1.0)) and 1200 <= run.stop[1] <= 1450
    assert at_minimum(land, run, 2, (1.0, 1.0)) and 1350 <= run.stop[2] <= 1600


def test_adam_rosenbrock_a_bit_more_alpha_and_gd_or_momentum_diverge() -> None:
    _, run = race("adam-rosenbrock", hyper={0: {"alpha": 0.0021}, 1: {"alpha": 0.0026}})
    assert run.status[0] == DIVERGED and run.stop[0] < 10
    assert run.status[1] == DIVERGED


def test_adam_rosenbrock_adam_converges_for_every_alpha_from_0_03_to_1() -> None:
    racers = [("adam", {"alpha": a}) for a in (0.03, 0.1, 0.3, 1.0)]
    land, run = race("adam-rosenbrock", racers=racers)
    assert all(at_minimum(land, run, i, (1.0, 1.0)) for i in range(4))


def test_adam_rosenbrock_gd_has_no_alpha_that_converges_momentum_a_narrow_window() -> None:
    sc = SCENARIOS["adam-rosenbrock"]
    land = sc.make_landscape()
    sw = lr_sweep(land, ["gd", "momentum", "adam"], sc.init.point, sc.steps, alphas=log_grid(1e-5, 10, 61),
                  hyper={"momentum": {"mu": 0.9}})
    conv = sw.status == CONVERGED
    assert not conv[0].any()
    mom = sw.alphas[conv[1]]
    assert mom.size and mom.max() / mom.min() < 3  # a narrow window
    adam = sw.alphas[conv[2]]
    assert adam.max() / adam.min() > 30


def test_adam_rosenbrock_rmsprop_stalls_near_0_02_adagrad_slows() -> None:
    racers = [("rmsprop", {"alpha": 0.01}), ("adagrad", {})]
    _, run = race("adam-rosenbrock", racers=racers)
    assert run.status[0] == RUNNING and 0.01 < run.loss[0, 3000] < 0.03
    assert abs(run.loss[0, 3000] / run.loss[0, 2000] - 1) < 0.1  # stalled
    assert run.status[1] == RUNNING


# -- adam-diagonal -----------------------------------------------------------------------------


def test_adam_diagonal_gd_at_its_theory_alpha_momentum_at_the_same_with_mu_0_8() -> None:
    land = SCENARIOS["adam-diagonal"].make_landscape()
    (_, gd), (_, mom), _ = SCENARIOS["adam-diagonal"].optimizers
    assert gd["alpha"] == pytest.approx(theory.gd_best_alpha(1, 100), rel=1e-5)
    assert mom == {"alpha": gd["alpha"], "mu": 0.8}
    assert land.values["kappa"] == 100 and land.values["angle"] == 0


def test_adam_diagonal_at_angle_0_adam_300_gd_900_momentum_150() -> None:
    land, run = race("adam-diagonal")
    assert all(at_minimum(land, run, i, (0.0, 0.0)) for i in range(3))
    assert 280 <= run.stop[2] <= 330


@pytest.mark.parametrize("angle", [0.0, 15.0, 30.0, 45.0, 60.0, 90.0, -45.0])
def test_adam_diagonal_gd_900_and_momentum_150_whatever_the_angle(angle: float) -> None:
    _, run = race("adam-diagonal", params={"angle": angle})
    assert run.status[0] == CONVERGED and 850 <= run.stop[0] <= 1000
    assert run.status[1] == CONVERGED and 140 <= run.stop[1] <= 170


def test_adam_diagonal_at_45_degrees_adam_does_not_converge_in_1000_steps() -> None:
    _, run = race("adam-diagonal", params={"angle": 45.0})
    assert run.status[2] == RUNNING


def test_adam_diagonal_kappa_1000_along_the_axes_adam_still_300_gd_needs_a_lower_alpha_and_more() -> None:
    land, run = race("adam-diagonal", params={"kappa": 1000.0})
    assert at_minimum(land, run, 2, (0.0, 0.0)) and 280 <= run.stop[2] <= 330
    assert run.status[0] == DIVERGED
    _, run = race("adam-diagonal", params={"kappa": 1000.0}, hyper={0: {"alpha": 0.002}})
    assert run.status[0] == RUNNING


def test_adam_diagonal_adams_first_step_moves_both_weights_by_alpha() -> None:
    _, run = race("adam-diagonal", steps=1)
    np.testing.assert_allclose(np.abs(run.theta[2, 1] - run.theta[2, 0]), 0.05, rtol=1e-6)


# -- learning-rate-choice ----------------------------------------------------------------------


def test_learning_rate_choice_too_small_about_right_too_large() -> None:
    _, run = race("learning-rate-choice")
    assert run.status[0] == RUNNING
    assert round(abs(run.final.theta[0, 0] / run.theta[0, 0, 0]), 2) == 0.67  # two thirds along the floor
    assert run.status[1] == CONVERGED and run.stop[1] < 90
    assert run.status[2] == DIVERGED


def test_learning_rate_choice_limit_0_2_the_zigzag_neither_grows_nor_shrinks_there() -> None:
    land = SCENARIOS["learning-rate-choice"].make_landscape()
    assert theory.gd_stability_limit(np.linalg.eigvalsh(land.hessian(np.zeros(2)))[-1]) == pytest.approx(0.2)
    _, run = race("learning-rate-choice", racers=[("gd", {"alpha": a}) for a in (0.17, 0.19, 0.2, 0.201)])
    steep = np.abs(run.theta[:, :, 1])  # kappa 10 along y
    assert run.status[0] == CONVERGED and run.status[1] == CONVERGED and run.stop[1] > run.stop[0]
    np.testing.assert_allclose(steep[2], 1.0, rtol=1e-9)
    assert steep[3, -1] > 2 * steep[3, 0]


def test_learning_rate_choice_alphas_from_0_07_to_0_19_converge_within_200_steps() -> None:
    alphas = (0.065, 0.07, 0.1, 0.15, 0.19, 0.195)
    _, run = race("learning-rate-choice", racers=[("gd", {"alpha": a}) for a in alphas])
    assert [bool(s == CONVERGED) for s in run.status] == [False, True, True, True, True, False]


# -- alpha-on-validation -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def choice():
    sc = SCENARIOS["alpha-on-validation"]
    land = sc.make_landscape()
    return land, choose_alpha(land, "gd", sc.init.point, sc.steps, log_grid(1e-5, 10, 61))


def test_alpha_on_validation_data_splits_and_training_minimum() -> None:
    land = SCENARIOS["alpha-on-validation"].make_landscape()
    assert (len(land.train), len(land.validation), len(land.test)) == (20, 500, 500)
    assert np.allclose(land.minima[0].point, (0.93, 1.80), atol=0.005)
    assert round(2 / land.hessian_eigenvalues()[1], 2) == 1.16


def test_alpha_on_validation_training_loss_picks_alpha_1_validation_picks_0_008(choice) -> None:
    _, c = choice
    sw = c.sweep
    assert round(c.alpha, 3) == 0.008 and round(c.validation, 3) == 0.485
    assert np.allclose(c.weights, (1.05, 0.91), atol=0.005)
    assert round(float(sw.alphas[c.by_train]), 1) == 1.0
    assert round(float(sw.train[0, c.by_train]), 3) == 0.371
    assert round(float(sw.validation[0, c.by_train]), 2) == 0.79
    # the training loss keeps falling with alpha up to the limit
    ok = np.isfinite(sw.train[0])
    assert np.all(np.diff(sw.train[0][ok]) <= 1e-12)


def test_alpha_on_validation_test_loss_0_478_once_against_0_739_for_the_training_choice(choice) -> None:
    land, c = choice
    assert round(c.test, 3) == 0.478
    _, run = race("alpha-on-validation")
    assert np.allclose(run.final.theta[0], c.weights, atol=0.01)  # the first racer is the pick
    assert round(float(land.test_loss(run.final.theta[0])), 3) == 0.478
    assert round(float(land.test_loss(run.final.theta[1])), 3) == 0.739


def test_alpha_on_validation_alpha_1_validation_dips_then_rises_while_training_falls() -> None:
    land, run = race("alpha-on-validation")
    th = run.theta[1, : run.stop[1] + 1]
    v = land.validation_loss(th)
    assert np.argmin(v) <= 10 and v[-1] > v.min() + 0.2
    assert np.all(np.diff(run.loss[1, : run.stop[1] + 1]) <= 1e-12)


def test_alpha_on_validation_400_steps_move_the_best_alpha_down_four_times(choice) -> None:
    land, c = choice
    sc = SCENARIOS["alpha-on-validation"]
    c4 = choose_alpha(land, "gd", sc.init.point, 400, log_grid(1e-5, 10, 61))
    assert 3 < c.alpha / c4.alpha < 5


def test_alpha_on_validation_alpha_1e_4_is_still_near_the_start() -> None:
    land, run = race("alpha-on-validation", racers=[("gd", {"alpha": 1e-4})])
    w = run.final.theta[0]
    assert np.linalg.norm(w) < 0.2 and land.loss(w) > 2 and land.validation_loss(w) > 2


# -- minibatch-noise ---------------------------------------------------------------------------


def _wander(land: Landscape, run: Run, i: int) -> float:
    """Mean distance to the minimum over the last 100 steps."""
    return float(np.linalg.norm(run.theta[i, -100:] - land.minima[0].point, axis=1).mean())


def test_minibatch_noise_neither_run_converges_the_smaller_alpha_wanders_less_but_arrives_later() -> None:
    land, run = race("minibatch-noise")
    assert land.n_train == 160 and np.all(run.status == RUNNING)
    assert _wander(land, run, 1) < 0.5 * _wander(land, run, 0)
    arrive = [first(np.linalg.norm(run.theta[i] - land.minima[0].point, axis=1) < 0.1) for i in range(2)]
    assert arrive[1] >= 2 * arrive[0]


def test_minibatch_noise_the_whole_training_set_converges_at_step_193() -> None:
    land, run = race("minibatch-noise", batch_size=None)
    assert at_minimum(land, run, 0, land.minima[0].point) and run.stop[0] == 193


def test_minibatch_noise_halving_alpha_shrinks_the_cloud_and_the_seed_changes_the_path() -> None:
    land, run = race("minibatch-noise")
    _, half = race("minibatch-noise", hyper={0: {"alpha": 0.15}})
    assert _wander(land, half, 0) < _wander(land, run, 0)
    _, other = race("minibatch-noise", seed=2)
    assert not np.allclose(other.theta[0], run.theta[0])


# -- flat-curve-not-converged ------------------------------------------------------------------


def test_flat_curve_loss_stands_at_0_507_for_about_130_steps_then_falls_below_0_002() -> None:
    _, run = race("flat-curve-not-converged")
    loss = run.loss[0]
    flat_until = first(np.round(loss, 3) != 0.507)
    assert 120 <= flat_until <= 140
    assert loss[flat_until + 100] < 0.002
    assert run.status[0] == RUNNING  # tolerance 1e-9: not yet declared converged


def test_flat_curve_the_gradient_climbs_ten_times_every_25_steps_and_the_curvature_tells() -> None:
    land, run = race("flat-curve-not-converged")
    g = run.grad_norm[0]
    for k in (50, 75):
        assert 7 < g[k + 25] / g[k] < 13
    assert point_kinds(land, run.theta[0, [100]])[0] == "saddle"
    assert point_kinds(land, run.theta[0, [300]])[0] == "minimum"
    late = g[300:]
    assert np.all(np.diff(late[np.isfinite(late)]) < 0)  # near the minimum the gradient shrinks


def test_flat_curve_sigma_1e_8_lasts_50_steps_longer_1e_10_stops_at_step_0_on_the_saddle() -> None:
    _, base = race("flat-curve-not-converged")
    _, closer = race("flat-curve-not-converged", init=Init("random", sigma=1e-8, seed=3))
    longer = first(np.round(closer.loss[0], 3) != 0.507) - first(np.round(base.loss[0], 3) != 0.507)
    assert 40 <= longer <= 60
    land, run = race("flat-curve-not-converged", init=Init("random", sigma=1e-10, seed=3))
    assert run.status[0] == CONVERGED and run.stop[0] == 0 and kind(land, run, 0) == "saddle"


# -- every scenario ----------------------------------------------------------------------------


def test_the_readme_table_lists_every_scenario_in_the_listed_order() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("| idea | scenarios |", 1)[1].split("\n\n", 1)[0]
    named = [n for row in table.splitlines()[2:] for n in re.findall(r"`([a-z0-9-]+)`", row.split("|")[2])]
    assert named == list(SCENARIOS)


@pytest.mark.parametrize("name", [n for n, sc in SCENARIOS.items() if not sc.is_network])
def test_every_start_is_inside_the_view(name: str) -> None:
    """The picture shows where the runs begin. (A network's picture is a plane chosen through
    its trajectories, engine.network.slices, not a fixed view of its weights.)"""
    sc = SCENARIOS[name]
    land = sc.make_landscape()
    start = sc.start(land)
    for c, (lo, hi) in zip(start, land.view, strict=True):
        assert lo <= c <= hi, f"{name}: start {start} outside the view {land.view}"
