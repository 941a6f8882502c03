"""The analysis views in the window: basins over the contour view, the (alpha, mu) map, the
learning-rate sweep, curvature arrows and the gradient field; their jobs, cancel, progress and
shutdown. Assertions are on the data the views hold, checked against the engine run alone."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from engine import make_landscape, make_optimizer, simulate
from engine.analysis import DIVERGED, classify
from engine.simulation import Status
from gui.analysis import RANGE_SETTLE_MS, AnalysisController
from gui.analysis_data import SHADE, hex_rgb, outcome_color
from gui.main_window import MainWindow


@pytest.fixture
def an(window: MainWindow) -> AnalysisController:
    return window.analysis


def set_landscape(window: MainWindow, settle, name: str, **params: float) -> None:
    window.panel.landscape_combo.setCurrentText(name)
    settle(window)
    for key, value in params.items():
        box = window.panel.params.widgets[key]
        box.lineEdit().setText(repr(value))
        box.editingFinished.emit()
        settle(window)
    assert window.panel.settings.landscape == name


def race(window: MainWindow, settle, name: str, **hyper: float) -> None:
    """Select ``name`` under Controls and give it ``hyper`` (ticked)."""
    window.panel.select_optimizer(name)
    assert window.panel.apply_hyper(hyper, name)
    settle(window)
    sel = window.analysis.selected()[1]
    assert sel.name == name and all(sel.params[k] == v for k, v in hyper.items())


def set_box(box, value) -> None:
    box.lineEdit().setText(str(value))
    box.editingFinished.emit()


def done(an: AnalysisController, kind: str) -> bool:
    r = an.results[kind]
    return r is not None and r.plan.final and not an.runners[kind].busy and r.spec == an.wanted(kind)


def wait_done(an: AnalysisController, qtbot, kind: str, timeout: int = 30000) -> None:
    qtbot.waitUntil(lambda: done(an, kind), timeout=timeout)


def no_qthread_running(an: AnalysisController) -> bool:
    return not an.threads_running()


def on_segment_to_white(px: np.ndarray, base: tuple[int, int, int]) -> bool:
    """The pixel is ``base`` paled towards white by at most ``SHADE`` (the steps shading)."""
    b = np.array(base, float)
    t = (255.0 - px[:3]) / np.where(b < 255, 255.0 - b, 1.0)
    t = t[b < 250]
    return bool(np.all(np.abs(t - t.mean()) < 0.03) and 1 - SHADE - 0.03 <= t.mean() <= 1.03)


# -- basins -----------------------------------------------------------------------------------


def test_basin_overlay_agrees_with_single_trajectories_and_momentum_moves_it(window, an, qtbot, settle):
    set_landscape(window, settle, "himmelblau")
    race(window, settle, "gd", alpha=0.005)
    an.panel.basin_grid.setCurrentIndex(0)  # finest 64 x 64: quick
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    r = an.overlay.result
    bm = r.map
    assert r.box == ((-6.0, 6.0), (-6.0, 6.0))  # the landscape's own box: all of it is in sight
    assert r.label == "gd α=0.005" and bm.outcome.shape == (64, 64)
    shares = bm.shares()
    assert all(0.2 < shares[str(i)] < 0.3 for i in range(4)), shares  # four basins
    steps, tol = window.panel.settings.steps, window.panel.settings.tol
    land = make_landscape("himmelblau")
    opt = make_optimizer("gd", alpha=0.005)
    image = an.overlay.image.image
    rng = np.random.default_rng(3)
    for iy, ix in rng.integers(0, 64, (25, 2)):
        one = simulate(land, opt, np.array([[bm.xs[ix], bm.ys[iy]]]), steps, tol=tol, record=True)
        code = int(classify(land, one.final, tol)[0])
        assert bm.outcome[iy, ix] == code and bm.steps[iy, ix] == one.stop[0]
        assert on_segment_to_white(image[iy, ix], hex_rgb(outcome_color(code, r.colors)))
    # the minima are re-marked in their basin's colour, and the legend gives the shares
    assert [b.color().name() for b in an.overlay.stars.data["brush"]] == list(r.colors)
    texts = [label.text for _sample, label in an.overlay.legend.items]
    assert "basins of gd" in texts[0] and texts[1] == "α=0.005"
    assert f"0 (3, 2): {shares['0']:.1%}" in texts

    race(window, settle, "momentum", alpha=0.005, mu=0.9)
    wait_done(an, qtbot, "basins")
    mom = an.overlay.result
    assert mom.label == "momentum α=0.005 μ=0.9"
    changed = np.count_nonzero(mom.map.outcome != bm.outcome) / bm.outcome.size
    assert changed > 0.05


def test_basin_shares_are_symmetric_on_symmetric_landscapes(window, an, qtbot, settle):
    set_landscape(window, settle, "double-well", tilt=0.0)
    race(window, settle, "gd", alpha=0.02)
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    s = an.overlay.result.map.shares()
    assert s["0"] == s["1"] and s["0"] > 0.4

    # the permutation-symmetric network: a small grid, as the time budget allows
    set_landscape(window, settle, "two-tanh")
    set_box(window.panel.steps_box, 1500)
    set_box(window.panel.tol_box, 1e-5)
    race(window, settle, "gd", alpha=0.5)
    an.panel.budget.setCurrentIndex(0)  # 1 s
    wait_done(an, qtbot, "basins", timeout=60000)
    r = an.overlay.result
    s = r.map.shares()
    nx, ny = r.shape
    assert nx == ny and nx <= 32  # the budget kept the grid small
    assert s["0"] == s["1"] and s["0"] > 0.1
    np.testing.assert_array_equal(r.map.outcome == 0, (r.map.outcome == 1).T)  # mirrored


def test_dragging_alpha_ends_with_the_last_basin_picture(window, an, qtbot, settle):
    set_landscape(window, settle, "himmelblau")
    window.panel.select_optimizer("gd")
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    slider = window.panel.editor("gd").editors["alpha"].slider
    for tick in range(slider.to_tick(0.001), slider.to_tick(0.01), 4):
        slider.setValue(tick)
    last = window.panel.settings.optimizers[0].params["alpha"]
    wait_done(an, qtbot, "basins")
    assert dict(an.overlay.result.spec.hyper)["alpha"] == last
    assert an.runners["basins"].jobs_run < 40  # a burst coalesces


def test_a_fast_drag_keeps_showing_coarse_basins_in_order(window, an, qtbot, settle):
    set_landscape(window, settle, "himmelblau")
    race(window, settle, "gd", alpha=0.001)
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    shown: list[float] = []
    an.runners["basins"].resultReady.connect(lambda r: shown.append(dict(r.spec.hyper)["alpha"]))
    alphas = np.round(np.geomspace(0.0011, 0.01, 40), 6)
    for a in alphas:  # a drag at 66 moves a second: each request supersedes the one before
        t0 = time.perf_counter()
        window.panel.apply_hyper({"alpha": float(a)}, "gd")
        qtbot.wait(max(1, int(15 - 1000 * (time.perf_counter() - t0))))
    during = len(shown)
    wait_done(an, qtbot, "basins")
    assert during >= 5  # the picture followed the drag (a cheap coarse pass is let finish)
    assert shown == sorted(shown)  # never an older picture after a newer one
    assert shown[-1] == alphas[-1] and dict(an.overlay.result.spec.hyper)["alpha"] == alphas[-1]


def test_zoom_maps_the_visible_part(window, an, qtbot, settle):
    set_landscape(window, settle, "himmelblau")
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    window.contour.plot.vb.setRange(xRange=(-1.0, 1.0), yRange=(-1.0, 1.0), padding=0.0)
    qtbot.waitUntil(lambda: an.overlay.result.box != ((-6.0, 6.0), (-6.0, 6.0)), timeout=5000)
    wait_done(an, qtbot, "basins")
    (x0, x1), (y0, y1) = an.overlay.result.box
    (vx0, vx1), (vy0, vy1) = window.contour.view_range()  # the aspect lock widens one side
    assert (x0, x1, y0, y1) == pytest.approx((vx0, vx1, vy0, vy1), abs=1e-3)
    assert min(x1 - x0, y1 - y0) == pytest.approx(2.0, abs=1e-3) and max(x1 - x0, y1 - y0) < 12


# -- the (alpha, mu) map ----------------------------------------------------------------------


def test_phase_map_agrees_with_theory_on_quadratic(window, an, qtbot, settle):
    set_landscape(window, settle, "quadratic", kappa=10.0)
    an.show_phase()
    wait_done(an, qtbot, "phase")
    r = an.phase_view.result
    pm = r.map
    assert pm.optimizer == "momentum" and pm.mus[0] == 0.0
    ratio = pm.alphas[1] / pm.alphas[0]
    edge = pm.divergence_edge(0)  # mu = 0: gradient descent's limit 2/lambda_max = 0.2
    assert 0.2 <= edge <= 0.2 * ratio
    # what is drawn: the first red cell of the mu = 0 row is that one
    j = int(np.searchsorted(pm.alphas, edge))
    assert tuple(r.rgba[0, j, :3]) == hex_rgb("#b2182b") and tuple(r.rgba[0, j - 1, :3]) != hex_rgb("#b2182b")
    alpha, mu, _ = pm.fastest()
    best_alpha, best_mu = r.theory.best  # Polyak's setting
    assert abs(np.log(alpha / best_alpha)) < np.log(2.0) and abs(mu - best_mu) < 0.15
    assert r.theory.edge[0] == pytest.approx(0.2)


def test_clicking_the_phase_map_sets_alpha_and_mu(window, an, qtbot, settle):
    set_landscape(window, settle, "quadratic")
    window.panel.select_optimizer("gd")  # the map is momentum's unless momentum-like is selected
    an.show_phase()
    wait_done(an, qtbot, "phase")
    pos = an.phase_view.view_to_widget(0.05, 0.5).toPoint()
    qtbot.mouseClick(an.phase_view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    settle(window)
    i, e = an.selected()
    assert e.name == "momentum" and e.enabled
    assert e.params["alpha"] == pytest.approx(0.05, rel=0.03)
    assert e.params["mu"] == pytest.approx(0.5, abs=0.01)
    assert window.frame.settings.optimizers[i].params == e.params  # the trajectory follows
    assert an.phase_view.current_setting == (e.params["alpha"], e.params["mu"])  # crosshair


# -- the learning-rate sweep ------------------------------------------------------------------


def test_sweep_marks_divergence_exactly_where_a_single_run_diverges(window, an, qtbot, settle):
    set_landscape(window, settle, "rosenbrock")
    set_box(window.panel.steps_box, 300)
    an.panel.sweep_points.setCurrentIndex(0)  # 25 learning rates
    an.show_sweep()
    wait_done(an, qtbot, "sweep")
    r = an.sweep_view.result
    land = make_landscape("rosenbrock")
    start = np.array([window.panel.settings.init.point])
    enabled = [e for e in window.panel.settings.optimizers if e.enabled]
    assert [c.name for c in r.curves] == [e.name for e in enabled]
    for i, e in enumerate(enabled):
        crosses = set(np.round(an.sweep_view.crosses[i].getData()[0], 12))
        for a in r.sweep.alphas:
            hyper = {**e.params, "alpha": float(a)}
            one = simulate(land, make_optimizer(e.name, **hyper), start, 300, tol=window.panel.settings.tol,
                           record=False)
            diverged = one.status[0] in (Status.DIVERGED, Status.FAILED)
            assert (round(float(np.log10(a)), 12) in crosses) == diverged, (e.name, a)
    assert len(an.sweep_view.crosses[0].getData()[0]) > 0  # gd diverges at the large alphas


def test_clicking_the_sweep_sets_that_optimizers_alpha(window, an, qtbot, settle):
    set_landscape(window, settle, "rosenbrock")
    window.panel.select_optimizer("gd")
    an.show_sweep()
    wait_done(an, qtbot, "sweep")
    r = an.sweep_view.result
    k = [c.name for c in r.curves].index("adam")
    j = int(np.argmin(np.abs(r.sweep.alphas - 0.01)))
    x, y = r.log_alphas[j], r.train_y[k, j]
    pos = an.sweep_view.view_to_widget(x, y).toPoint()
    qtbot.mouseClick(an.sweep_view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    settle(window)
    _i, e = an.selected()
    assert e.name == "adam" and e.params["alpha"] == float(f"{r.sweep.alphas[j]:.3g}")
    rings = an.sweep_view.ring_positions()
    assert any(abs(px - np.log10(e.params["alpha"])) < 1e-9 for px, _ in rings)


# -- jobs: cancel, progress, shutdown ---------------------------------------------------------


def test_cancel_leaves_no_thread_and_no_picture(window, an, qtbot, settle):
    baseline = threading.active_count()
    set_landscape(window, settle, "two-tanh")
    set_box(window.panel.steps_box, 20000)  # a first pass of seconds
    settle(window, 20000)
    an.basins_action.setChecked(True)
    runner = an.runners["basins"]
    qtbot.waitUntil(lambda: runner.computing, timeout=5000)
    qtbot.wait(300)
    qtbot.waitUntil(an.statuses["basins"].isVisible, timeout=2000)  # the bar shows a long job
    t0 = time.perf_counter()
    qtbot.mouseClick(an.statuses["basins"].button, Qt.MouseButton.LeftButton)
    # (the job's end reaches the GUI thread as a queued signal, just after its thread is free)
    qtbot.waitUntil(lambda: not runner.computing and not runner.busy, timeout=2000)
    assert time.perf_counter() - t0 < 1.0
    assert not an.statuses["basins"].isVisible()
    assert an.overlay.result is None and an.overlay.image.image is None  # no partial picture
    assert not an.overlay.legend.items
    assert threading.active_count() == baseline  # the engine's pool threads are gone too
    qtbot.wait(300)
    assert not runner.busy and not runner.computing  # the cancelled settings do not start again by themselves


def test_cancelling_a_refinement_keeps_the_finished_coarse_map(window, an, qtbot, settle):
    set_landscape(window, settle, "two-tanh")
    an.panel.budget.setCurrentIndex(3)  # 30 s: the refinement takes long
    an.basins_action.setChecked(True)
    qtbot.waitUntil(lambda: an.overlay.result is not None, timeout=20000)
    coarse = an.overlay.result
    assert not coarse.plan.final and an.runners["basins"].busy
    an.cancel("basins")
    qtbot.waitUntil(lambda: not an.runners["basins"].computing, timeout=2000)
    r = an.overlay.result
    assert r.map is coarse.map and r.plan.final and "refinement cancelled" in r.plan.note


def test_a_stale_picture_goes_when_its_replacement_is_cancelled(window, an, qtbot, settle):
    set_landscape(window, settle, "himmelblau")
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    set_landscape(window, settle, "two-tanh")
    set_box(window.panel.steps_box, 20000)
    settle(window, 20000)
    qtbot.waitUntil(lambda: an.runners["basins"].computing, timeout=5000)
    an.cancel_all()
    qtbot.waitUntil(lambda: not an.runners["basins"].computing, timeout=2000)
    assert an.overlay.result is None


def test_progress_reaches_100_percent(window, an, qtbot, settle):
    set_landscape(window, settle, "rosenbrock")
    values: list[int] = []
    an.statuses["phase"].bar.valueChanged.connect(values.append)
    fractions: list[float] = []
    an.runners["phase"].progressed.connect(lambda f, _t: fractions.append(f))
    an.show_phase()
    wait_done(an, qtbot, "phase")
    assert fractions and max(fractions) == 1.0 and fractions[-1] == 1.0
    assert 100 in values


def test_closing_mid_job_stops_every_thread_within_a_second(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    an = w.analysis
    w.panel.landscape_combo.setCurrentText("two-tanh")
    qtbot.waitUntil(lambda: w.contour.surface is not None and w.contour.surface.key[0] == "two-tanh", timeout=20000)
    set_box(w.panel.steps_box, 20000)
    an.basins_action.setChecked(True)
    an.show_sweep()
    qtbot.waitUntil(lambda: an.runners["basins"].computing and an.runners["sweep"].computing,
                    timeout=5000)
    qtbot.wait(200)
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 1.0
    assert no_qthread_running(an) and not w.simulator.is_running()


# -- curvature and the gradient field ---------------------------------------------------------


def test_curvature_arrows_at_the_cursor_and_the_heads(window, an, qtbot, settle):
    set_landscape(window, settle, "quadratic", kappa=10.0)
    an.curvature_action.setChecked(True)
    window.contour.hovered.emit(1.0, 0.5, 0.0)
    arrows = an.curvature.arrows
    n_heads = len(window.frame.tracks)
    assert arrows.kind.shape == (n_heads + 1,)  # every head, then the cursor
    assert arrows.kind[-1] == "minimum" and arrows.condition[-1] == pytest.approx(10.0)
    assert np.allclose(arrows.eigenvalues[-1], [1.0, 10.0])
    assert arrows.down.size == 0 and arrows.up.size > 0
    # the steep direction (y, lambda 10) gets the long arrow, ten times the flat one
    up = arrows.up.reshape(-1, 6, 2)[-4:]  # the cursor's four arrows (two per eigenvector)
    shafts = up[:, 1] - up[:, 0]
    lengths = np.hypot(*shafts.T)
    along_y = np.abs(shafts[:, 1]) > np.abs(shafts[:, 0])
    assert lengths[along_y].min() == pytest.approx(10 * lengths[~along_y].max())
    assert "minimum · κ = 10" in an.curvature.cursor_text.textItem.toPlainText()
    labels = an.curvature.head_labels()
    assert len(labels) == n_heads
    for label, kind, cond in zip(labels, arrows.kind[:-1], arrows.condition[:-1], strict=True):
        assert label == f"{kind} · κ {cond:.3g}"

    set_landscape(window, settle, "saddle")
    window.contour.hovered.emit(0.3, 0.2, 0.0)
    arrows = an.curvature.arrows
    assert arrows.kind[-1] == "saddle" and arrows.down.size > 0  # curving down: dashed red
    assert an.curvature.down.opts["pen"].style() == Qt.PenStyle.DashLine


def test_gradient_field_is_rebuilt_only_with_the_landscape_or_view(window, an, qtbot, settle):
    set_landscape(window, settle, "himmelblau")
    an.field_action.setChecked(True)
    field = an.field
    assert field.builds >= 1 and field.item.isVisible()
    # the window's own first layout may still move the view (and so rebuild the field):
    # count from a settled view
    qtbot.wait(RANGE_SETTLE_MS + 300)
    base = field.builds
    x, y = field.item.getData()
    segs = np.column_stack([x, y]).reshape(-1, 6, 2)
    shaft = segs[:, 1] - segs[:, 0]
    lengths = np.hypot(*shaft.T)
    assert np.allclose(lengths, lengths[0])  # normalised
    centre = (segs[:, 0] + segs[:, 1]) / 2
    g = make_landscape("himmelblau").grad(centre)
    cos = -(shaft * g).sum(axis=1) / (lengths * np.hypot(*g.T))
    assert np.all(cos > 0.999)  # downhill
    race(window, settle, "gd", alpha=0.002)  # not the landscape, not the view
    qtbot.wait(300)
    assert field.builds == base
    window.contour.plot.vb.setRange(xRange=(-2, 2), yRange=(-2, 2), padding=0)
    qtbot.waitUntil(lambda: field.builds == base + 1, timeout=3000)
    set_landscape(window, settle, "rosenbrock")
    qtbot.waitUntil(lambda: field.builds == base + 2, timeout=3000)


# -- export -----------------------------------------------------------------------------------


def test_analysis_figures_export_as_png_and_svg(window, an, qtbot, settle, tmp_path):
    from tests.gui.test_export import check_png, check_svg

    set_landscape(window, settle, "quadratic")
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    an.show_phase()
    wait_done(an, qtbot, "phase")
    an.show_sweep()
    wait_done(an, qtbot, "sweep")
    for what in ("basins", "phase", "sweep"):
        png = tmp_path / f"{what}.png"
        assert an.export_figure(png, what, 900)
        check_png(png, 900)
        svg = tmp_path / f"{what}.svg"
        assert an.export_figure(svg, what)
        check_svg(svg)


def test_a_bad_folder_or_name_is_refused_at_once(window, an, tmp_path, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    assert not an.export_figure(tmp_path / "no" / "b.png", "basins")
    assert not an.export_figure(tmp_path / "p.jpg", "phase", fmt="png")
    assert len(shown) == 2 and "does not exist" in shown[0] and "must end in .png" in shown[1]
    assert an.pending_export is None and not list(tmp_path.iterdir())


def test_an_analysis_export_is_of_the_current_settings_never_a_stale_map(window, an, qtbot, settle, tmp_path):
    """A map not computed yet, or computed for other steps, is computed (progress and
    Cancel in the status bar) and written when done; a cancelled one is not written."""
    from dataclasses import replace

    set_landscape(window, settle, "quadratic")
    an.panel.phase_grid.setCurrentIndex(0)
    svg = tmp_path / "phase.svg"
    assert not an.export_figure(svg, "phase")  # nothing yet: computing it
    assert an.pending_export is not None
    qtbot.waitUntil(svg.exists, timeout=30000)
    steps = window.panel.settings.steps
    assert f"at most {steps})" in svg.read_text()
    window.panel.apply_settings(replace(window.panel.settings, steps=steps // 2))  # the map is now stale
    settle(window)
    svg2 = tmp_path / "phase2.svg"
    if an.is_current("phase"):  # (the new map may be done already: then it is written at once)
        assert an.export_figure(svg2, "phase")
    else:
        an.export_figure(svg2, "phase")
        qtbot.waitUntil(svg2.exists, timeout=30000)
    assert f"at most {steps // 2})" in svg2.read_text() and f"at most {steps})" not in svg2.read_text()
    window.panel.apply_settings(replace(window.panel.settings, steps=steps * 3))
    settle(window)
    an.panel.budget.setCurrentIndex(3)  # a long refinement, so that Cancel meets it running
    svg3 = tmp_path / "phase3.svg"
    if not an.export_figure(svg3, "phase"):
        an.cancel("phase")
        assert an.pending_export is None
        assert "not written" in window.statusBar().currentMessage()
    qtbot.wait(200)
    assert not svg3.exists() or an.is_current("phase")


def test_no_analysis_thread_runs_while_idle(window, an):
    assert no_qthread_running(an)
    assert all(r.pool.activeThreadCount() == 0 for r in an.runners.values())
    assert DIVERGED == -1  # the outcome code the overlay colours near black


def test_the_basin_map_is_painted_in_the_backdrop_under_the_iso_lines(window, an, qtbot, settle) -> None:
    from PySide6.QtWidgets import QGraphicsItem

    set_landscape(window, settle, "himmelblau")
    race(window, settle, "gd", alpha=0.01)
    an.panel.basin_grid.setCurrentIndex(0)
    view = window.contour
    p = view.view_to_widget(-3.0, 1.0).toPoint()  # inside basin 1, away from every line
    before = view.grab().toImage().pixelColor(p)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    image = an.overlay.image
    assert image.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents  # not a scene layer of its own
    order = view._backdrop
    assert order.index(view.image) < order.index(image) < order.index(view.isolines) < order.index(
        view.critical["saddle"]
    )  # iso-lines and saddle marks stay on top of the basin colours
    qtbot.wait(50)
    shown = view.grab().toImage().pixelColor(p)
    assert shown != before  # the basin's colour tints the landscape there
    an.basins_action.setChecked(False)  # hiding it repaints the backdrop without it
    qtbot.wait(50)
    assert view.grab().toImage().pixelColor(p) == before


def test_a_new_basin_picture_reuses_the_rendered_iso_lines(window, an, qtbot, settle, monkeypatch) -> None:
    from gui.pg_overrides import IsoLines

    set_landscape(window, settle, "himmelblau")
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    view = window.contour
    strokes = []
    base = IsoLines.paint

    def paint(self, *args):
        if self is view.isolines:
            strokes.append(1)
        return base(self, *args)

    monkeypatch.setattr(IsoLines, "paint", paint)  # the backdrop calls paint from Python
    for _ in range(3):  # the basin layer changes: the landscape's layers are composited as they are
        an.overlay.set_visible(False)
        view.grab()
        an.overlay.set_visible(True)
        view.grab()
    assert strokes == []
    view.plot.vb.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0.0)  # a new view: drawn again
    view.grab()
    assert len(strokes) == 1


def test_closing_the_window_starts_no_analysis(window, an, qtbot, settle) -> None:
    set_landscape(window, settle, "himmelblau")
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    wait_done(an, qtbot, "basins")
    window.contour.plot.vb.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0.0)  # wants a new map
    started = an.runners["basins"].jobs_run
    window.close()  # hides the docks, which used to ask for their analyses once more
    assert an.runners["basins"].jobs_run <= started + 1
    assert not an.threads_running()


def test_the_analysis_panel_fits_the_right_hand_column(window, an, qtbot) -> None:
    """No page of the Analysis dock may be wider than the column it shares with the lesson:
    a long check box text once made the whole panel scroll sideways and cut the maps."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from gui.app import APP_FONT_PT

    app = QApplication.instance()
    old = QFont(app.font())
    font = QFont(old)
    font.setPointSizeF(APP_FONT_PT)  # the size the app runs at
    app.setFont(font)
    try:
        qtbot.wait(50)
        column = window.lesson_dock.widget().width()
        assert column > 200
        for i in range(an.panel.tabs.count()):
            page = an.panel.tabs.widget(i)
            assert page.minimumSizeHint().width() <= column, an.panel.tabs.tabText(i)
        assert an.panel.minimumSizeHint().width() <= column
    finally:
        app.setFont(old)


def test_the_curvature_help_is_shown_whole(an) -> None:
    """The help texts are rich text: a bare '<' in them started a tag and hid the rest."""
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QLabel

    shown = []
    for label in an.panel.findChildren(QLabel):
        doc = QTextDocument()
        doc.setHtml(label.text())
        shown.append(doc.toPlainText())
    assert any("(λ < 0), the way out of a saddle." in text for text in shown)
