"""Basin maps, the (alpha, mu) map, learning-rate sweeps and curvature: claims that must hold."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis import (
    DIVERGED,
    UNCONVERGED,
    basin_map,
    classify,
    curvature,
    grid_starts,
    lr_sweep,
    newton_cost,
    phase_map,
)
from engine.landscapes import make_landscape
from engine.optimizers import make_optimizer
from engine.simulation import Cancelled, Status, simulate


def test_basin_labels_agree_with_single_trajectories():
    L = make_landscape("himmelblau")
    opt = make_optimizer("gd", alpha=0.01)
    bm = basin_map(L, opt, 40, 400)
    rng = np.random.default_rng(5)
    for _ in range(40):
        iy, ix = rng.integers(0, 40, 2)
        one = simulate(L, opt, np.array([[bm.xs[ix], bm.ys[iy]]]), 400, record=True)
        assert classify(L, one.final, 1e-6)[0] == bm.outcome[iy, ix]
        assert one.stop[0] == bm.steps[iy, ix]


def test_gd_splits_himmelblau_into_four_basins_and_momentum_moves_the_boundaries():
    L = make_landscape("himmelblau")
    gd = basin_map(L, make_optimizer("gd", alpha=0.005), 64, 1000)
    shares = gd.shares()
    assert all(0.15 < shares[str(i)] < 0.35 for i in range(4))
    assert shares["diverged"] == 0.0 and abs(sum(shares.values()) - 1.0) < 1e-12
    mom = basin_map(L, make_optimizer("momentum", alpha=0.005, mu=0.9), 64, 1000)
    changed = np.count_nonzero(mom.outcome != gd.outcome) / gd.outcome.size
    assert changed > 0.05


def test_shares_are_symmetric_on_a_symmetric_landscape():
    # double-well with no tilt is mirror-symmetric in x: the two minima get equal shares
    L = make_landscape("double-well", tilt=0.0)
    bm = basin_map(L, make_optimizer("gd", alpha=0.02), 64, 2000)
    s = bm.shares()
    assert s["0"] == pytest.approx(s["1"], abs=1e-12) and s["0"] > 0.4


def test_basin_rows_csv_shape():
    L = make_landscape("double-well")
    bm = basin_map(L, make_optimizer("gd", alpha=0.02), (5, 3), 50)
    rows = bm.rows()
    assert len(rows) == 15 and all(r[2] in ("0", "1", "diverged", "unconverged") for r in rows)
    assert bm.outcome.shape == (3, 5)


def test_diverged_and_unconverged_codes():
    L = make_landscape("himmelblau")
    bm = basin_map(L, make_optimizer("gd", alpha=0.05), 32, 300)
    assert (bm.outcome == DIVERGED).any()
    short = basin_map(L, make_optimizer("gd", alpha=1e-4), 16, 5)
    assert np.all(short.outcome == UNCONVERGED)


def test_phase_map_divergence_edge_sits_at_the_stability_limit():
    kappa = 10.0
    Q = make_landscape("quadratic", kappa=kappa, angle=25.0)
    pm = phase_map(Q, (1.0, 1.0), 400, n=48)
    edge = pm.divergence_edge(0)  # mu = 0: plain gd
    ratio = pm.alphas[1] / pm.alphas[0]
    assert 2.0 / kappa <= edge <= 2.0 / kappa * ratio
    converged_below = pm.steps[0][pm.alphas < 2.0 / kappa / ratio]
    assert np.all(converged_below != DIVERGED)


def test_phase_map_fastest_point_is_near_polyaks_setting():
    kappa = 30.0
    Q = make_landscape("quadratic", kappa=kappa)
    pm = phase_map(Q, (1.0, 1.0), 1000, n=48)
    alpha, mu, _ = pm.fastest()
    best_alpha = 4.0 / (np.sqrt(kappa) + 1.0) ** 2
    best_mu = ((np.sqrt(kappa) - 1.0) / (np.sqrt(kappa) + 1.0)) ** 2
    assert abs(np.log(alpha / best_alpha)) < np.log(2.0)
    assert abs(mu - best_mu) < 0.15


def test_phase_map_needs_mu():
    with pytest.raises(ValueError, match="needs an optimizer with mu"):
        phase_map(make_landscape("saddle"), (1.0, 1.0), 10, optimizer="adam")


def test_sweep_marks_divergence_exactly_where_a_single_run_diverges():
    L = make_landscape("rosenbrock")
    sw = lr_sweep(L, ["gd", "adam"], (-1.5, 2.0), 300, n=25)
    assert sw.train.shape == (2, 25) and sw.validation is None
    for k, name in enumerate(sw.names):
        for j, a in enumerate(sw.alphas):
            one = simulate(L, make_optimizer(name, alpha=float(a)), np.array([[-1.5, 2.0]]), 300, record=False)
            diverged = one.status[0] in (Status.DIVERGED, Status.FAILED)
            assert diverged == bool(np.isnan(sw.train[k, j])), (name, a)
            if not diverged:
                assert sw.train[k, j] == one.loss[0]
    assert np.isnan(sw.train[0, -1]) and not np.isnan(sw.train[0, 0])


def test_a_cancelled_job_raises_and_leaves_nothing():
    L = make_landscape("himmelblau")
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(Cancelled):
        basin_map(L, make_optimizer("adam", alpha=1e-4), 256, 3000, cancel=cancel)


def test_curvature_readouts():
    Q = make_landscape("quadratic", kappa=40.0, angle=30.0)
    c = curvature(Q, np.array([[0.3, -0.2]]))
    assert np.allclose(c.eigenvalues[0], [1.0, 40.0]) and np.isclose(c.condition[0], 40.0)
    assert c.kind[0] == "minimum"
    v = c.eigenvectors[0][:, 1]  # steep direction: the rotated v axis
    assert np.isclose(abs(v @ [-np.sin(np.radians(30)), np.cos(np.radians(30))]), 1.0)
    s = curvature(make_landscape("saddle"), np.zeros((1, 2)))
    assert s.kind[0] == "saddle" and np.isclose(s.condition[0], 1.0)
    m = curvature(make_landscape("monkey-saddle"), np.zeros((1, 2)))
    assert m.kind[0] == "flat" and np.isinf(m.condition[0])


def test_newton_cost_grows_as_n_squared():
    c = newton_cost(1_000_000)
    assert c["hessian_numbers"] == 1e12 and c["hessian_bytes"] == 8e12 and c["gradient_numbers"] == 1e6
    with pytest.raises(ValueError):
        newton_cost(0)


def test_a_loose_tolerance_still_credits_the_minimum_reached():
    # with tol 1e-3 a run stops about tol/lambda_min from its minimum: on two-tanh that is
    # farther than a fixed fraction of the view, yet it plainly reached that minimum
    from engine.analysis import capture_radii

    L = make_landscape("two-tanh")
    tol = 1e-3
    lam = np.linalg.eigvalsh(L.hessian(np.array([cp.point for cp in L.minima])))[:, 0]
    floor = 1e-3 * np.hypot(4.0, 4.0)
    assert np.allclose(capture_radii(L, tol), np.maximum(10 * tol / lam, floor))
    *_, starts = grid_starts(L.view, 16, 16)
    out = simulate(L, make_optimizer("gd", alpha=0.5), starts, 300, tol=tol, record=False)
    codes = classify(L, out, tol)
    converged = out.status == Status.CONVERGED
    minima = np.array([cp.point for cp in L.minima])
    d = np.linalg.norm(out.theta[:, None] - minima[None], axis=-1).min(axis=1)
    assert np.count_nonzero(codes >= 0) > np.count_nonzero(converged & (d <= floor)) > 0
    # every credited run converged next to the minimum it is credited to
    ok = codes >= 0
    assert np.all(converged[ok]) and np.all(np.linalg.norm(out.theta[ok] - minima[codes[ok]], axis=1) < 1.5)
