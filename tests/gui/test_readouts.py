"""Curvature readouts: eigenvalues, condition number and kind of point, at the heads of the
trajectories and under the cursor, throttled but never stale."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from engine import make_landscape
from gui.main_window import MainWindow
from gui.readouts import SHAPES, ReadoutPane, fmt_eigen, fmt_kappa, read_points


def hover(window: MainWindow, x: float, y: float) -> None:
    """Move the mouse over the data point (x, y) of the contour plot."""
    scene = window.contour.plot.vb.mapViewToScene(QPointF(x, y))
    window.contour.scene().sigMouseMoved.emit(scene)


def test_read_points_at_known_critical_points() -> None:
    saddle = make_landscape("saddle")
    (r,) = read_points(saddle, np.array([[0.0, 0.0]]))
    assert (r.kind, r.critical, r.label) == ("saddle", True, "saddle")
    assert (r.lam1, r.lam2, r.kappa) == ("−2", "+2", "1")
    him = make_landscape("himmelblau")
    top = next(cp.point for cp in him.critical_points if cp.kind == "maximum")
    low = him.minima[0].point
    r_top, r_low, r_off = read_points(him, np.array([top, low, (0.5, -0.5)]))
    assert r_top.label == "maximum" and r_top.lam1.startswith("−") and r_top.lam2.startswith("−")
    assert r_low.label == "minimum" and r_low.lam1.startswith("+")
    h = him.hessian(np.array([low]))[0]
    lo, hi = np.linalg.eigvalsh(h)
    assert (r_low.lam1, r_low.lam2) == (fmt_eigen(lo), fmt_eigen(hi))
    assert r_low.kappa == fmt_kappa(hi / lo)
    # away from a critical point only the shape is named: never "saddle" where gd still moves
    assert not r_off.critical and r_off.label == SHAPES[r_off.kind] and r_off.label != r_off.kind


def test_read_points_outside_the_domain_reads_dashes() -> None:
    land = make_landscape("rosenbrock")
    bad, good = read_points(land, np.array([[np.nan, 1.0], [1.0, 1.0]]))
    assert (bad.lam1, bad.kappa, bad.label) == ("—", "—", "—")
    assert good.label == "minimum"
    assert read_points(None, np.zeros((2, 2)))[0].label == "—"
    assert fmt_kappa(np.inf) == "∞" and fmt_eigen(-4.37e-05) == "−4.37e−5"


def test_hovering_a_known_saddle_says_saddle(window: MainWindow, qtbot, settle) -> None:
    window.panel.landscape_combo.setCurrentText("saddle")
    settle(window)
    hover(window, 0.0, 0.0)
    ro = window.readouts
    qtbot.waitUntil(lambda: ro.cursor_reading.label == "saddle", timeout=2000)
    r = ro.cursor_reading
    assert (r.lam1, r.lam2) == ("−2", "+2") and r.critical
    row = ro.cursor_row
    assert [w.text() for w in row[1:]] == ["−2", "+2", "1", "saddle"]
    assert "cursor at (0, 0)" in ro.title.text() or "cursor at (" in ro.title.text()
    hover(window, 1.0, 0.5)  # off the saddle: the same curvature, but the gradient pulls
    qtbot.waitUntil(lambda: ro.cursor_reading.label == "saddle-like", timeout=2000)
    assert ro.cursor_row[4].text() == "saddle-like"


def test_heads_on_the_zero_init_saddle(window: MainWindow, qtbot, settle) -> None:
    assert window.lessons.choose("zero-init-saddle")
    settle(window)
    f = window.frame
    h = f.landscape.hessian(np.zeros((1, 2)))[0]
    lo, hi = np.linalg.eigvalsh(h)
    ro = window.readouts
    # readouts follow frames at most RATE_HZ times a second, the last frame always
    qtbot.waitUntil(lambda: ro.tracks is f.tracks and not ro._timer.isActive(), timeout=2000)
    assert len(ro.rows) == len(f.tracks) == 2
    for r, row in zip(ro.head_readings, ro.rows, strict=True):
        assert r.label == "saddle" and r.critical  # zeros: stuck on the saddle
        assert (r.lam1, r.lam2) == (fmt_eigen(lo), fmt_eigen(hi))
        assert row[4].text() == "saddle"
    assert lo == pytest.approx(-hi)


def test_heads_follow_the_animation_without_going_stale(window: MainWindow, qtbot, settle) -> None:
    ro = window.readouts
    calls = []
    original = ro._update
    ro._update = lambda: (calls.append(ro.step), original())[1]
    window.reset()  # step 0: every head at the start
    qtbot.wait(150)
    start = read_points(window.frame.landscape, np.array([window.frame.tracks[0].xy[0]]))[0]
    assert ro.head_readings[0] == start
    assert ro.title.text().startswith("at the start")
    calls.clear()
    for _ in range(60):  # a burst of steps, as a fast animation sends
        window.step_once()
    assert len(calls) <= 3  # throttled ...
    qtbot.wait(200)
    assert calls[-1] == 60 == window.step  # ... but the last step is always shown
    t = window.frame.tracks[0]
    want = read_points(window.frame.landscape, np.array([t.xy[t.upto(60) - 1]]), window.frame.settings.tol)[0]
    assert ro.head_readings[0] == want


def test_pane_rows_follow_the_racers(qtbot) -> None:
    pane = ReadoutPane()
    qtbot.addWidget(pane)
    land = make_landscape("quadratic")
    pane.set_tracks(land, ())
    assert pane.rows == [] and pane.head_readings == []
    h0 = pane.height()
    pane.show_cursor(0.0, 0.0)  # right after set_tracks: deferred by the throttle, not lost
    qtbot.waitUntil(lambda: pane.cursor_reading.label == "minimum", timeout=1000)
    assert pane.cursor_row[4].text() == "minimum"
    assert pane.height() == h0  # a reading never resizes the pane


def test_a_diverged_head_reads_diverged_not_a_curvature(window, settle) -> None:
    from dataclasses import replace

    from engine.inits import Init
    from gui.settings import OptimizerEntry

    s = window.panel.settings
    gd = OptimizerEntry.default("gd")
    window.panel.apply_settings(
        replace(s, landscape="rosenbrock", params=(), optimizers=(gd.with_hyper("alpha", 10.0),),
                init=Init("point", (-1.5, 2.0)), steps=50)
    )
    settle(window)
    assert window.frame.run.status[0] == 2  # diverged
    window.readouts.refresh(force=True)
    assert window.readouts.head_readings[0].kind == "diverged"
    assert window.readouts.head_readings[0].lam1 == "—"


def test_a_long_cursor_title_never_widens_the_dock(window: MainWindow, qtbot) -> None:
    from PySide6.QtCore import Qt

    window.resizeDocks([window.lesson_dock], [240], Qt.Orientation.Horizontal)  # as narrow as it goes
    qtbot.wait(50)
    plot_width, dock_width = window.contour.width(), window.readout_dock.width()
    window.readouts.show_cursor(-1.23456789, 2.3456789)
    window.readouts.refresh(force=True)
    qtbot.wait(50)  # a layout pass
    title = window.readouts.title
    assert "cursor at" in title.text()
    assert title.fontMetrics().horizontalAdvance(title.text()) > dock_width  # longer than the column
    assert window.readout_dock.width() == dock_width
    assert window.contour.width() == plot_width
