"""The analysis data layer (no Qt): the time-budget planner, the images, the sweep's curves,
the momentum theory drawn on the (alpha, mu) map, curvature arrows and the gradient field."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest

from engine import make_landscape, make_optimizer
from engine.analysis import DIVERGED, UNCONVERGED, BasinMap, lr_sweep
from gui.analysis_data import (
    FIRST_PASS_SECONDS,
    SHADE,
    Ladder,
    basin_rgba,
    curvature_arrows,
    gradient_arrows,
    grid_shape,
    hex_rgb,
    minimum_colors,
    momentum_theory,
    progressive,
    run_sweep,
    sweep_curves,
    sweep_layers,
)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class FakeJob:
    """A runner's job as the compute functions see it (``gui.analysis_data.Job``), recording
    when a pass is shielded: ``(size of the last pass begun, entering?)``."""

    def __init__(self) -> None:
        self.current = 0
        self.shields: list[tuple[int, bool]] = []
        self.emitted: list[tuple[object, bool]] = []

    def cancelled(self) -> bool:
        return False

    def progress(self, fraction: float, text: str) -> None:
        pass

    def emit(self, result: object, shielded: bool = False) -> None:
        self.emitted.append((result, shielded))

    @contextmanager
    def shield(self):
        self.shields.append((self.current, True))
        yield
        self.shields.append((self.current, False))


def plan_run(per_row: float, budget: float, first_per_row: float | None = None, fixed: float = 0.0):
    """Run the planner on basin sizes with a fake clock: a pass of n x n rows 'takes'
    ``fixed + per_row * n^2`` seconds."""
    clock = FakeClock()
    sizes = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
    job = FakeJob()

    def run_pass(n: int) -> int:
        job.current = n
        clock.t += fixed + per_row * n * n
        return n

    ladder = Ladder(sizes, lambda n: n * n, lambda n: f"{n}x{n}", 64, 1, first_per_row or per_row, budget)
    passes = [plan for _data, plan in progressive(ladder, job, run_pass, clock=clock)]
    return passes, job.shields


def test_cheap_maps_start_coarse_then_refine_to_the_finest():
    passes, shields = plan_run(per_row=5e-6, budget=3.0)
    assert [p.size for p in passes] == [64, 256]  # 64^2 x 5 us = 20 ms fits the first pass
    assert passes[-1].final and not passes[0].final and passes[-1].note == ""
    assert shields == [(0, True), (64, False)]  # the cheap first pass is shielded, and only it
    assert passes[0].shielded and not passes[1].shielded


def test_expensive_maps_start_at_the_smallest_grid_and_stop_at_the_budget():
    passes, shields = plan_run(per_row=5e-3, budget=3.0)  # a network: 8x8 takes 0.32 s
    sizes = [p.size for p in passes]
    assert sizes[0] == 8 and sizes == sorted(set(sizes))
    elapsed = sum(p.seconds for p in passes)
    assert elapsed <= 3.0
    last = passes[-1]
    assert last.final and last.note.endswith("more (budget 3 s)")
    nxt = {8: 12, 12: 16, 16: 24, 24: 32}[last.size]
    assert last.note.startswith(f"{nxt}x{nxt}: ~")
    assert shields == [] and not any(p.shielded for p in passes)  # an expensive first pass is never shielded


def test_the_first_pass_fits_its_own_budget():
    passes, _ = plan_run(per_row=1e-5, budget=0.0)
    assert passes[0].size ** 2 * 1e-5 <= FIRST_PASS_SECONDS
    assert passes[0].size == 64 or (passes[0].size + 16) ** 2 * 1e-5 > FIRST_PASS_SECONDS
    assert len(passes) == 1 and passes[0].final  # no budget left: no refinement


def test_grid_shape_keeps_cells_square():
    assert grid_shape(64, ((-6, 6), (-6, 6))) == (64, 64)
    assert grid_shape(64, ((-2, 2), (-1, 3))) == (64, 64)
    assert grid_shape(64, ((0, 4), (0, 2))) == (64, 32)
    assert grid_shape(64, ((0, 1), (0, 4))) == (16, 64)


def test_basin_image_colours_and_shading():
    out = np.array([[0, 1, DIVERGED, UNCONVERGED], [0, 0, 1, 1]])
    steps = np.array([[500, 500, 7, 500], [1, 100, 500, 0]])
    bm = BasinMap(np.arange(4.0), np.arange(2.0), out, steps, 2, 500)
    colors = minimum_colors(2)
    img = basin_rgba(bm, colors)
    assert img.shape == (2, 4, 4) and img.dtype == np.uint8 and np.all(img[..., 3] == 255)
    assert tuple(img[0, 0, :3]) == hex_rgb(colors[0])  # slowest: the full colour
    assert tuple(img[0, 1, :3]) == hex_rgb(colors[1])
    assert tuple(img[0, 2, :3]) == hex_rgb("#262626") and tuple(img[0, 3, :3]) == hex_rgb("#b4b4b4")
    quick = img[1, 0, :3].astype(float)  # one step: paler by almost SHADE
    base = np.array(hex_rgb(colors[0]), float)
    assert np.all(quick > base)
    t = (255 - quick) / (255 - base)
    assert np.allclose(t, t[0], atol=0.02)
    assert t[0] == pytest.approx(1 - SHADE * (1 - np.log(2) / np.log(501)), abs=0.02)
    assert len(set(minimum_colors(25))) == 25


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
@pytest.mark.parametrize("mu", [0.0, 0.3, 0.9])
def test_momentum_theory_edge_is_where_the_iteration_stops_contracting(optimizer, mu):
    kappa = 10.0
    th = momentum_theory(make_landscape("quadratic", kappa=kappa), optimizer)
    i = int(np.argmin(np.abs(th.mus - mu)))
    m, edge = th.mus[i], th.edge[i]

    def radius(alpha: float) -> float:
        h = alpha * th.lam_max
        if optimizer == "momentum":  # w+ = (1 + m - h) w - m w-
            a, b = 1 + m - h, -m
        else:  # w+ = (1 - h)(1 + m) w - m (1 - h) w-
            a, b = (1 - h) * (1 + m), -m * (1 - h)
        return max(abs(np.roots([1.0, -a, -b])))

    assert radius(edge * 0.999) < 1.0 < radius(edge * 1.001)
    if optimizer == "momentum":
        r = np.sqrt(kappa)
        assert th.best == pytest.approx((4 / (r + 1) ** 2, ((r - 1) / (r + 1)) ** 2))
    else:
        assert th.best is None
    assert momentum_theory(make_landscape("rosenbrock"), optimizer) is None  # curvature varies


def test_sweep_curves_group_racers_that_differ_in_alpha_only():
    curves = sweep_curves([
        ("gd", "gd", {"alpha": 0.1}, "#1"), ("gd #2", "gd", {"alpha": 0.01}, "#2"),
        ("momentum", "momentum", {"alpha": 0.1, "mu": 0.9}, "#3"),
        ("momentum #2", "momentum", {"alpha": 0.1, "mu": 0.5}, "#4"),
    ])
    assert [(c.name, c.rows, c.color) for c in curves] == [
        ("gd", ("gd", "gd #2"), "#1"), ("momentum", ("momentum",), "#3"), ("momentum", ("momentum #2",), "#4")
    ]
    assert sweep_layers(curves) == [[0, 1], [2]]  # lr_sweep takes one momentum per call
    L = make_landscape("rosenbrock")
    alphas = np.geomspace(1e-4, 1e-2, 5)
    sw = run_sweep(L, curves, np.array([-1.5, 2.0]), 100, alphas, 1e-6)
    assert sw.names == ("gd, gd #2", "momentum", "momentum #2")
    for i, c in enumerate(curves):
        ref = lr_sweep(L, [c.name], (-1.5, 2.0), 100, alphas=alphas, hyper={c.name: dict(c.hyper)})
        np.testing.assert_array_equal(sw.train[i], ref.train[0])
        np.testing.assert_array_equal(sw.status[i], ref.status[0])
    assert not np.array_equal(sw.train[1], sw.train[2])  # the two momenta differ


def test_curvature_arrows_on_a_saddle_and_a_ravine():
    q = curvature_arrows(make_landscape("quadratic", kappa=4.0, angle=0.0), np.array([[0.5, 0.5]]), 1.0)
    assert q.down.size == 0 and q.kind[0] == "minimum" and q.condition[0] == pytest.approx(4.0)
    shafts = q.up.reshape(-1, 6, 2)[:, 1] - q.up.reshape(-1, 6, 2)[:, 0]
    lengths = sorted(np.hypot(*shafts.T))
    assert lengths == pytest.approx([0.25, 0.25, 1.0, 1.0])  # 1/kappa of the long pair
    s = curvature_arrows(make_landscape("saddle"), np.array([[0.1, 0.2]]), 1.0)
    assert s.kind[0] == "saddle" and s.up.size and s.down.size
    down = s.down.reshape(-1, 6, 2)
    assert np.allclose(np.abs(down[:, 1] - down[:, 0])[:, 0], 0.0)  # curving down along y


def test_gradient_arrows_point_downhill_and_are_normalised():
    L = make_landscape("himmelblau")
    segs = gradient_arrows(L, ((-6, 6), (-6, 6)), 10).reshape(-1, 6, 2)
    assert segs.shape[0] == 100
    shaft = segs[:, 1] - segs[:, 0]
    assert np.allclose(np.hypot(*shaft.T), 0.4 * 1.2)
    g = L.grad((segs[:, 0] + segs[:, 1]) / 2)
    assert np.all((shaft * g).sum(axis=1) < 0)
    assert gradient_arrows(make_landscape("saddle"), ((-1, 1), (-1, 1)), 2).shape == (24, 2)


def test_minimum_colours_match_the_optimizer_free_palette():
    assert minimum_colors(4) == ("#4477aa", "#ee6677", "#228833", "#ccbb44")
    assert make_optimizer("gd", alpha=0.1).names == ("gd",)
