"""The numpy side of the views: thinning long lines, iso-lines, the colour surface."""

from __future__ import annotations

import numpy as np
import pytest

from engine import LANDSCAPES, make_landscape, make_optimizer, simulate
from engine.verdicts import scale
from gui.surface import GRID, MIN_GRID, build_surface, grid_size, iso_segments
from gui.tracks import (
    CURVE_BUCKETS,
    MAX_XY_POINTS,
    THIN_CURVES_ABOVE,
    THIN_XY_ABOVE,
    make_tracks,
    prefix,
    thin_curves,
    thin_xy,
)


def test_short_lines_are_drawn_point_for_point() -> None:
    xy = np.random.default_rng(0).standard_normal((THIN_CURVES_ABOVE, 2))
    assert thin_xy(xy[:THIN_XY_ABOVE], ((-2, 2), (-2, 2))) is None
    keep = thin_curves(xy[:, 0])  # noise: (almost) every point is a corner
    assert keep is None or keep.size > 0.97 * THIN_CURVES_ABOVE
    assert prefix(None, 10) == slice(0, 10)


def test_straight_stretches_of_a_curve_lose_every_other_point_and_nothing_visible() -> None:
    steps = np.arange(500.0)
    loss = np.log10(np.exp(-steps / 150) + 1e-3)  # smooth, as a training curve mostly is
    grad = np.log10(1.0 + 0.5 * np.sin(steps / 3.0))  # wiggly: its corners must stay
    keep = thin_curves(loss, grad)
    assert keep is not None and keep[0] == 0 and keep[-1] == 499
    dropped = np.setdiff1d(np.arange(500), keep)
    assert 0 < dropped.size <= 250 and not np.any(np.diff(dropped) == 1)  # never two in a row
    for y in (loss, grad):  # the drawn polyline passes within 1/1200 of the span of every point
        drawn = np.interp(steps, keep, y[keep])
        assert np.max(np.abs(drawn - y)) <= (y.max() - y.min()) / 1200 + 1e-12
    smooth = thin_curves(loss)
    assert smooth.size < 0.55 * 500  # the smooth curve alone loses nearly half


def test_long_lines_are_thinned_and_end_at_the_head() -> None:
    n = 100_001
    t = np.linspace(0, 1, n)
    xy = np.c_[np.cos(20 * t), np.sin(20 * t)]
    idx = thin_xy(xy, ((-2, 2), (-2, 2)))
    assert idx is not None and idx[0] == 0 and idx[-1] == n - 1
    assert idx.size <= MAX_XY_POINTS + 1
    # consecutive kept points are a few cells of a 2000-cell grid apart (a pixel or two
    # of the view): nothing visible is lost
    cell = 4 / 2000
    assert np.max(np.hypot(*np.diff(xy[idx], axis=0).T)) < 5 * cell
    for k in (1, 7, 5000, n):
        sel = prefix(idx, k)
        assert np.asarray(sel)[-1] == k - 1  # the head is always drawn
    y = np.sin(np.arange(n) * 0.37)  # oscillates every step
    keep = thin_curves(y)
    assert keep.size <= 2 * CURVE_BUCKETS + 2 * n // CURVE_BUCKETS
    assert y[keep].max() == y.max() and y[keep].min() == y.min()  # envelope kept


def test_a_slow_trajectory_keeps_only_points_that_move_on_screen() -> None:
    # gd creeping along rosenbrock's valley: 1000 steps, most of them within a pixel
    land = make_landscape("rosenbrock")
    s = build_surface(land)
    run = simulate(land, make_optimizer("gd", alpha=0.0005), np.array([[-1.5, 2.0]]), 1000)
    (t,) = make_tracks(land, s, run, ["gd"], ["#000000"])
    keep = t.xy_keep
    assert keep is not None and keep.size < 0.6 * t.n and keep[0] == 0 and keep[-1] == t.n - 1
    # every dropped point lies within a few cells of a 2000-cell grid (about a pixel) of
    # the line drawn through the kept ones
    cell = max(hi - lo for lo, hi in s.view) / 2000
    seg = np.clip(np.searchsorted(keep, np.arange(t.n), side="right") - 1, 0, keep.size - 2)
    a, b = t.xy[keep[seg]], t.xy[keep[seg + 1]]
    ab, aq = b - a, t.xy - a
    u = np.clip(np.sum(aq * ab, axis=1) / np.maximum(np.sum(ab * ab, axis=1), 1e-300), 0, 1)
    off = np.hypot(*(t.xy - (a + u[:, None] * ab)).T)
    assert off.max() <= 2.5 * cell
    assert (t.curve_keep is not None) and t.curve_keep.size < t.loss_y.size


def test_iso_segments_of_a_circle_lie_on_it() -> None:
    xs = np.linspace(-2, 2, 201)
    ys = np.linspace(-2, 2, 201)
    z = np.hypot(xs[None, :], ys[:, None])
    seg = iso_segments(z, np.array([1.0]), xs, ys)
    assert seg.shape[0] > 100 and seg.shape[0] % 2 == 0
    r = np.hypot(seg[:, 0], seg[:, 1])
    assert np.max(np.abs(r - 1.0)) < 2e-3


def test_surface_and_tracks_for_every_kind_of_landscape() -> None:
    for name in ("rosenbrock", "saddle", "six-hump-camel"):
        land = make_landscape(name)
        s = build_surface(land)
        assert np.all(np.isfinite(s.z)) and s.zrange[0] < s.zrange[1]
        assert s.lines.shape[1] == 2 and s.lines.shape[0] > 0
        run = simulate(land, make_optimizer("gd", alpha=0.01), np.array([[0.3, 0.2]]), 300)
        (t,) = make_tracks(land, s, run, ["gd"], ["#000000"])
        assert np.all(np.isfinite(t.loss_y)) and np.all(np.isfinite(t.grad_y))
        assert t.log_loss == (name != "saddle")  # a saddle has no lowest minimum
        np.testing.assert_array_equal(t.xy, run.theta[0, : run.finite_length(0)])


def test_a_diverged_run_is_cut_to_its_finite_part() -> None:
    land = make_landscape("rosenbrock")
    run = simulate(land, make_optimizer("gd", alpha=0.1), np.array([[-1.5, 2.0]]), 100)
    (t,) = make_tracks(land, build_surface(land), run, ["gd"], ["#000000"])
    assert t.diverged and t.n == run.finite_length(0) == int(run.stop[0])
    assert "diverged" in t.text
    assert np.all(np.isfinite(t.xy)) and np.all(np.isfinite(t.loss_y))


@pytest.mark.parametrize("name", [n for n, cls in LANDSCAPES.items() if cls.dim == 2])
def test_the_lowest_minimum_has_one_owner(name: str) -> None:
    """The curves (surface.best), the sweep and the verdicts read the engine's number."""
    land = make_landscape(name)
    best = land.lowest_minimum
    losses = [float(land.loss(np.array([cp.point]))[0]) for cp in land.minima]
    assert best == (min(losses) if losses else None)
    assert build_surface(land, n=21).best == best
    assert scale(land).best == best


def test_a_budget_thins_the_grid_of_a_costly_landscape_only() -> None:
    cheap, costly = make_landscape("himmelblau"), make_landscape("logistic-regression")
    assert grid_size(cheap, budget=10.0) == GRID  # time enough: the full grid
    n = grid_size(costly, budget=1e-6)  # far too little time: the fewest samples
    assert n == MIN_GRID and n % 2 == 1
    s = build_surface(costly, budget=1e-6)
    assert s.z.shape == (2 * (MIN_GRID - 1) + 1,) * 2  # the view's samples, padded by half a view each side
    full = build_surface(costly)
    assert full.z.shape == (2 * (GRID - 1) + 1,) * 2  # figures and the command line keep the full grid
    # the same landscape either way: the coarse grid's samples are the fine grid's values there
    xs = np.linspace(*full.extent[0], full.z.shape[1])
    coarse_xs = np.linspace(*s.extent[0], s.z.shape[1])
    assert np.isclose(coarse_xs[0], xs[0]) and np.isclose(coarse_xs[-1], xs[-1])
    assert s.zrange == pytest.approx(full.zrange, rel=0.05)
