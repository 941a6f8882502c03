"""The window: controls change the picture, the start follows clicks, animation, shutdown."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engine import make_landscape, make_optimizer, simulate
from gui.main_window import MainWindow


def curve_xy(window: MainWindow, i: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = window.contour.curves[i].getData()
    return np.asarray(x), np.asarray(y)


def row_of(window: MainWindow, name: str) -> int:
    return [e.name for e in window.frame.settings.enabled].index(name)


def engine_run(landscape: str, name: str, start, steps: int, **hyper):
    land = make_landscape(landscape)
    return simulate(land, make_optimizer(name, **hyper), np.array([start], dtype=float), steps)


def test_first_frame_draws_every_enabled_optimizer(window: MainWindow) -> None:
    f = window.frame
    assert [e.name for e in f.settings.enabled] == ["gd", "momentum", "nesterov", "adam"]
    assert len(window.contour.curves) == 4
    assert len(window.curves.loss_curves) == 4 and len(window.curves.grad_curves) == 4
    x, y = curve_xy(window, 0)
    assert (x[0], y[0]) == (-1.5, 2.0)
    t = f.tracks[0]
    keep = t.xy_keep if t.xy_keep is not None else np.arange(t.n)
    assert t.n == f.settings.steps + 1 and keep[-1] == t.n - 1  # instant mode: the whole trajectory
    np.testing.assert_array_equal(np.c_[x, y], t.xy[keep])  # (points within a pixel thinned out)
    assert window.contour.surface.title == "rosenbrock"
    assert len(window.contour.critical["minimum"].data) == 1
    assert window.contour.legend.items  # one entry per racer (and the minimum)


def test_alpha_slider_changes_the_trajectory(window: MainWindow, settle) -> None:
    window.panel.select_optimizer("gd")
    alpha = window.panel.editor("gd").editors["alpha"]
    before = curve_xy(window, 0)
    alpha.slider.setValue(alpha.slider.to_tick(0.0003))
    settle(window)
    value = alpha.value()
    assert value == pytest.approx(0.0003, rel=0.02)
    assert window.frame.settings.optimizers[0].params["alpha"] == value
    after = curve_xy(window, 0)
    assert not np.array_equal(before[0], after[0])
    ref = engine_run("rosenbrock", "gd", (-1.5, 2.0), 1000, alpha=value)
    t = window.frame.tracks[0]
    np.testing.assert_array_equal(t.xy, ref.theta[0])
    keep = t.xy_keep if t.xy_keep is not None else np.arange(t.n)
    np.testing.assert_array_equal(after[0], ref.theta[0, keep, 0])
    np.testing.assert_array_equal(after[1], ref.theta[0, keep, 1])


def test_clicking_the_plot_moves_the_start(window: MainWindow, qtbot, settle) -> None:
    pos = window.contour.view_to_widget(0.5, -0.25).toPoint()
    qtbot.mouseClick(window.contour.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    settle(window)
    init = window.panel.settings.init
    assert init.kind == "point"
    assert init.point == pytest.approx((0.5, -0.25), abs=0.03)  # within a pixel or two
    x, y = curve_xy(window, 0)
    assert (x[0], y[0]) == init.point
    assert window.contour.start_position() == pytest.approx(init.point)
    assert window.panel.x_box.value() == init.point[0]


def test_start_marker_drag_and_exact_boxes(window: MainWindow, settle) -> None:
    window.contour.start.setPos(0.25, 0.75)  # what a drag does
    settle(window)
    assert window.panel.settings.init.point == pytest.approx((0.25, 0.75))
    box = window.panel.x_box
    box.lineEdit().setText("-1.25")
    box.editingFinished.emit()
    settle(window)
    assert window.panel.settings.init.point == (-1.25, 0.75)
    x, _ = curve_xy(window, 0)
    assert x[0] == -1.25


def test_zeros_on_saddle_stay_random_leaves_and_seed_repeats(window: MainWindow, settle) -> None:
    window.panel.landscape_combo.setCurrentText("saddle")
    settle(window)
    window.panel.init_buttons.button(1).click()  # zeros
    settle(window)
    f = window.frame
    assert f.settings.init.kind == "zeros"
    for i, t in enumerate(f.tracks):
        x, y = curve_xy(window, i)
        assert np.all(x == 0) and np.all(y == 0)
        assert "stuck at step 0" in t.text and "saddle" in t.text
    assert "stuck" in window.status_pane.rows[0][4].text()

    window.panel.init_buttons.button(2).click()  # small random
    settle(window)
    f = window.frame
    start = f.tracks[0].xy[0].copy()
    assert np.all(np.abs(start) < 0.1) and np.any(start != 0)
    for i, t in enumerate(f.tracks):
        x, y = curve_xy(window, i)
        assert abs(y[-1]) > 3 * abs(y[0])  # it slides off the saddle along y
        assert "stuck" not in t.text

    window.panel.init_buttons.button(1).click()
    settle(window)
    window.panel.init_buttons.button(2).click()  # same seed, same start
    settle(window)
    np.testing.assert_array_equal(window.frame.tracks[0].xy[0], start)
    window.panel.seed_box.lineEdit().setText("7")
    window.panel.seed_box.editingFinished.emit()
    settle(window)
    assert not np.array_equal(window.frame.tracks[0].xy[0], start)


def test_a_burst_of_slider_moves_coalesces(window: MainWindow, qtbot, settle, monkeypatch) -> None:
    """200 alpha moves while the worker is busy end in exactly one more computation, the
    last value's: the busy one is cancelled, the 198 in between are dropped unseen, and only
    the last value's frame is shown. The worker is held inside its first computation of the
    burst until every move is made (a gate), so the counts do not depend on how fast this
    machine computes or schedules: they are exact."""
    import gui.worker

    for name in ("momentum", "nesterov", "adam"):
        window.panel.set_enabled(name, False)
    window.panel.steps_box.lineEdit().setText("50000")  # long enough to be cancelled mid-run
    window.panel.steps_box.editingFinished.emit()
    settle(window)
    window.panel.select_optimizer("gd")
    slider = window.panel.editor("gd").editors["alpha"].slider
    runner = window.simulator
    entered, gate = threading.Event(), threading.Event()
    compute = gui.worker.compute_frame

    def held(*args, **kwargs):
        entered.set()
        assert gate.wait(30), "the gate was never opened"
        return compute(*args, **kwargs)

    monkeypatch.setattr(gui.worker, "compute_frame", held)

    def counts() -> tuple[int, int, int, int]:
        c = runner.counts
        return runner.jobs_run, c["done"], c["cancelled"], c["dropped"]

    before = counts()
    gen0 = window.simulator.generation
    shown: list[int] = []
    window.frameShown.connect(shown.append)
    ticks = np.linspace(slider.to_tick(3e-5), slider.to_tick(1.5e-3), 200).astype(int)
    slider.setValue(int(ticks[0]))
    assert entered.wait(30)  # the worker is inside the first move's computation
    for i, t in enumerate(ticks[1:]):
        slider.setValue(int(t))
        if i % 50 == 0:
            qtbot.wait(1)  # let the event loop run now and then, as a real drag does
    requests = window.simulator.generation - gen0
    gate.set()
    settle(window)
    qtbot.wait(100)  # nothing more may arrive: no backlog
    last = slider.to_value(int(ticks[-1]))
    assert window.frame.settings.optimizers[0].params["alpha"] == last
    started, completed, cancelled, dropped = (a - b for a, b in zip(counts(), before, strict=True))
    assert requests > 150  # (neighbouring ticks can round to the same alpha)
    assert (started, completed, cancelled, dropped) == (2, 1, 1, requests - 2)
    assert shown == [window.simulator.generation]  # one picture: the last value's
    ref = engine_run("rosenbrock", "gd", (-1.5, 2.0), 50000, alpha=last)
    k = ref.finite_length(0)
    track = window.frame.tracks[0]
    np.testing.assert_array_equal(track.xy, ref.theta[0, :k])
    # 50000 points are thinned for drawing; what is drawn is the engine's points
    keep = track.xy_keep if track.xy_keep is not None else np.arange(k)
    x, y = curve_xy(window, 0)
    np.testing.assert_array_equal(x, ref.theta[0, keep, 0])
    np.testing.assert_array_equal(y, ref.theta[0, keep, 1])


def test_play_pause_step_reset(window: MainWindow, qtbot) -> None:
    window.step_action.trigger()  # Right: into animate mode, one step
    assert window.mode == "animate" and window.step == 1
    assert len(curve_xy(window, 0)[0]) == 2
    assert len(window.curves.loss_curves[0].getData()[0]) == 2
    window.step_once()
    assert window.step == 2
    window.play_action.trigger()  # Space
    assert window.playing
    qtbot.waitUntil(lambda: window.step > 10, timeout=3000)
    window.play_action.trigger()
    assert not window.playing
    k = window.step
    qtbot.wait(100)
    assert window.step == k  # paused means paused
    assert len(curve_xy(window, 0)[0]) == k + 1
    window.reset_action.trigger()  # R
    assert window.step == 0 and not window.playing
    x, y = curve_xy(window, 0)
    assert (list(x), list(y)) == ([-1.5], [2.0])  # a rewind keeps the start
    # the end of the run stops the animation
    window.set_speed(100000)
    window.play()
    qtbot.waitUntil(lambda: not window.playing, timeout=3000)
    assert window.step == window.last_step == 1000
    window.set_mode("instant")
    assert window.step == 1000


def test_shortcuts_are_bound(window: MainWindow) -> None:
    keys = {
        window.play_action: "Space",
        window.step_action: "Right",
        window.reset_action: "R",
        window.export_action: "Ctrl+E",
        window.quit_action: "Ctrl+Q",
    }
    for action, key in keys.items():
        assert action.shortcut().toString() == key


def test_new_frame_during_animation_keeps_the_step(window: MainWindow, settle) -> None:
    window.set_mode("animate")
    for _ in range(5):
        window.step_once()
    window.panel.editor("gd").editors["alpha"].setValue(0.002)
    window.panel.editor("gd").editors["alpha"].box.valueChanged.emit(0.002)
    settle(window)
    assert window.step == 5
    assert len(curve_xy(window, 0)[0]) == 6


def test_closing_during_animation_stops_the_worker(qtbot) -> None:
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.frame is not None, timeout=5000)
    w.play()
    qtbot.wait(50)
    # a long request under way as well: closing must cancel it, not wait for it
    for name in ("rmsprop", "adagrad", "newton"):
        w.panel.set_enabled(name, True)
    w.panel.steps_box.lineEdit().setText("100000")
    w.panel.steps_box.editingFinished.emit()
    qtbot.waitUntil(lambda: w.simulator.computing, timeout=5000)
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 1.0
    assert not w.simulator.computing and w.simulator.pool.waitForDone(0)  # no thread left
    assert not w.playing


def test_unticking_everything_is_refused_and_keeps_the_picture(window: MainWindow, qtbot) -> None:
    before = curve_xy(window, 0)
    for name in ("gd", "momentum", "nesterov", "adam"):
        window.panel.set_enabled(name, False)
    qtbot.waitUntil(lambda: "no optimizer" in window.statusBar().currentMessage(), timeout=3000)
    np.testing.assert_array_equal(curve_xy(window, 0)[0], before[0])


def test_hover_shows_position_and_loss(window: MainWindow) -> None:
    scene_pos = window.contour.plot.vb.mapViewToScene(QPointF(1.0, 1.0))
    window.contour.scene().sigMouseMoved.emit(scene_pos)
    text = window.coords.text()
    assert "x = 1" in text and "y = 1" in text  # rosenbrock's minimum
    # the pixel mapping may leave the last bit of x and y off the minimum: loss ~1e-28, not 0
    assert float(text.split("loss = ")[1]) < 1e-20


def test_a_new_start_is_painted_once_with_its_trajectories(window: MainWindow, qtbot, settle) -> None:
    from PySide6.QtCore import QEvent, QObject

    view = window.contour.viewport()
    paints: list[int] = []

    class Count(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                paints.append(window.frame.generation)
            return False

    counter = Count()
    view.installEventFilter(counter)
    for _ in range(40):  # the window's own first layouts and paints done (quiet for 150 ms)
        n = len(paints)
        qtbot.wait(150)
        if len(paints) == n:
            break
    paints.clear()
    shown = window.frame.generation
    window.contour.start.setPos(0.5, 1.5)  # what a drag does (the hold is set synchronously:
    assert not view.updatesEnabled()  # the marker waits for its trajectories ... no event loop ran)
    settle(window)
    qtbot.waitUntil(lambda: bool(paints), timeout=2000)
    assert view.updatesEnabled()
    assert shown not in paints  # ... so no paint showed the new marker with the old lines
    x, y = curve_xy(window, 0)
    assert (x[0], y[0]) == (0.5, 1.5)
    view.removeEventFilter(counter)


def test_a_held_contour_view_is_released_after_a_while(window: MainWindow, qtbot) -> None:
    from gui.main_window import HOLD_MS

    window.hold_contour()  # as if a new start's trajectories were slow to come
    assert not window.contour.viewport().updatesEnabled()
    qtbot.wait(HOLD_MS + 40)
    assert window.contour.viewport().updatesEnabled()


@pytest.mark.parametrize("platform", ["", "xcb"])
def test_no_display_says_so_in_one_line_and_exits_1(platform: str) -> None:
    """Without a display Qt would abort (SIGABRT) with advice about xcb-cursor0."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = platform
    p = subprocess.run([sys.executable, str(root / "main.py")], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "DISPLAY" in lines[0] and "run --help" in lines[0]
    assert p.stdout == ""
