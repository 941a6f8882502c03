"""The window's network mode (issue 11): a deep network learning, live, beside the two-weight
view; every control, the animation, the lessons, the readouts, and closing mid-run."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.main_window import MainWindow
from tests.gui.conftest import net_settled


def test_the_model_switch_shows_the_network_and_back(netwin: MainWindow, qtbot, settle) -> None:
    w = netwin
    assert w.model == "network" and w.central_stack.currentWidget() is w.net.widget
    assert w.controls_stack.currentWidget() is w.net.controls and not w.readout_dock.isVisible()
    f = w.net.frame
    assert f.names == ("gd α=0.3", "momentum α=0.05 μ=0.9", "adam α=0.01") and f.run.steps == 300
    assert "step 300" in w.net.view.status.text()
    w.model_actions["two"].trigger()
    assert w.model == "two" and w.central_stack.currentIndex() == 0 and w.model_combo.currentIndex() == 0
    settle(w)
    assert w.frame.landscape.name == "rosenbrock"  # the two-weight view kept its settings


def test_a_layout_chosen_in_network_mode_keeps_the_readouts_out_of_the_way(netwin: MainWindow, qtbot) -> None:
    w = netwin
    for layout in ("wide", "compact", "wide"):
        w.layout_actions[layout].trigger()
        qtbot.wait(20)
        assert not w.readout_dock.isVisible(), layout  # curvature readouts of two weights: none for a network
    w.model_actions["two"].trigger()
    qtbot.waitUntil(lambda: w.readout_dock.isVisible())  # back with the two weights


def test_dragging_alpha_reruns_that_racer_and_keeps_the_plane(netwin: MainWindow, qtbot) -> None:
    w = netwin
    before = w.net.frame
    w.net.panel.racer_list.setCurrentRow(0)
    box = w.net.panel.editor.editors["alpha"].box  # typed, as a person would
    box.lineEdit().setText("0.5")
    box.editingFinished.emit()
    qtbot.waitUntil(lambda: w.net.frame is not before and w.net.frame.names[0] == "gd α=0.5", timeout=10000)
    after = w.net.frame
    assert after.slice_loss is before.slice_loss  # the picture does not jump
    assert (after.run.theta[1:] == before.run.theta[1:]).all()


def test_a_refused_value_keeps_the_picture(netwin: MainWindow) -> None:
    w = netwin
    shown = w.net.frame
    w.net.panel.hidden_edit.setText("16,x")
    w.net.panel.hidden_edit.editingFinished.emit()
    assert "hidden widths" in w.statusBar().currentMessage()
    assert w.net.frame is shown and w.net.panel.hidden_edit.text() == "8,8"


def test_the_animation_trains_live_in_network_mode(netwin: MainWindow, qtbot) -> None:
    w = netwin
    w.set_speed(2000)
    w.play()
    assert w.mode == "animate" and w.net.panel.animate.isChecked()
    qtbot.waitUntil(lambda: 0 < w.step < 300, timeout=5000)
    qtbot.waitUntil(lambda: not w.playing, timeout=10000)
    assert w.step == w.last_step == 300 and "step 300" in w.net.view.status.text()
    w.reset()
    assert w.step == 0 and "step 0" in w.net.view.status.text()
    x, _y = w.net.view.slice.lines[0].getData()
    assert len(x) == 1  # the path up to step 0: the start
    w.step_once()
    assert w.step == 1 and len(w.net.view.slice.lines[0].getData()[0]) == 2


def test_a_network_lesson_opens_the_network_view(window: MainWindow, qtbot) -> None:
    window.lessons.choose("net-zero-init")
    assert window.model == "network"
    net_settled(window, qtbot)
    s = window.net.frame.settings
    assert s.setup.init.kind == "zeros" and window.net.panel.init_combo.currentText() == "zeros"
    assert window.net.frame.plane.kind == "pca+random"  # only the output bias moves: one direction
    window.lessons.choose("four-basins")  # a two-weight lesson brings the two-weight view back
    assert window.model == "two"


def test_the_readouts_come_when_their_tab_is_shown(netwin: MainWindow, qtbot) -> None:
    w = netwin
    w.net.view.tabs.setCurrentWidget(w.net.reports)
    qtbot.waitUntil(lambda: "at its end" in w.net.reports.curv_note.text(), timeout=15000)
    w.net.reports.setCurrentIndex(1)
    qtbot.waitUntil(lambda: "permutations" in w.net.reports.sym_note.text(), timeout=15000)


def test_closing_mid_run_leaves_no_thread(window: MainWindow, qtbot) -> None:
    window.model_combo.setCurrentIndex(1)
    s = window.net.panel.settings
    from dataclasses import replace

    window.net.panel.apply_settings(replace(s, steps=20000))
    qtbot.waitUntil(lambda: window.net.runner.computing, timeout=5000)
    window.close()  # the fixture fails the test if a thread or pool job is left
    assert not window.net.runner.busy or not window.net.runner.is_running()


def test_keys_switch_the_model(window: MainWindow, qtbot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.model == "network"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.model == "two"


def test_the_network_exports_its_figure_and_its_curves(netwin: MainWindow, tmp_path) -> None:
    w = netwin
    for fmt in ("png", "svg", "pdf"):
        assert w.export_figure(tmp_path / f"net.{fmt}", width=800)
    assert (tmp_path / "net.png").read_bytes()[:4] == b"\x89PNG" and b"decision" in (tmp_path / "net.svg").read_bytes()
    assert w.export_csv(tmp_path / "net.csv")
    rows = (tmp_path / "net.csv").read_text().splitlines()
    assert rows[0] == "optimizer,step,train_loss,val_loss,grad_norm,train_acc,val_acc"
    assert len(rows) == 1 + 3 * 301  # every step of every racer, not the view's few hundred
    assert w.files._shown_name() == "network-2-8-8-1"


@pytest.mark.parametrize(("width", "height", "zoom"), [(1024, 768, 1.0), (1280, 720, 1.6), (1600, 1000, 1.0)])
def test_the_network_view_fits_the_screen(qtbot, width: int, height: int, zoom: float) -> None:
    from PySide6.QtCore import QRect

    from gui import look
    from tests.gui.conftest import open_window

    w = open_window(qtbot, width, height)
    try:
        if zoom != 1.0:
            w.set_look(look.Look(zoom, look.LIGHT))
            w.fit_to(QRect(0, 0, width, height))
        w.set_model("network")
        net_settled(w, qtbot)
        qtbot.wait(100)
        assert w.width() <= width and w.height() <= height
        for pane in (w.net.view.data, w.net.view.slice, w.net.view.curves):
            r = pane.rect().translated(pane.mapTo(w, pane.rect().topLeft()))
            assert w.rect().contains(r) and pane.width() >= 150 and pane.height() >= 120, (pane, r)
        assert w.net.panel.width() <= w.net.controls.viewport().width()
    finally:
        w.close()


def test_zoom_and_theme_reach_the_network_panes(netwin: MainWindow, qtbot) -> None:
    """Ctrl++ and View > Theme restyle the network's plots as they do the two-weight ones:
    the tick font, the line widths, the background, the slice's colour map."""
    w = netwin
    view = w.net.view
    font_before = view.slice.plot.getAxis("bottom").style["tickFont"].pointSizeF()
    pen_before = view.slice.pens[0].widthF()
    image_before = view.slice.image.image.copy()
    w.zoom(+1)
    w.zoom(+1)
    k = w.look.k
    assert k > 1.0
    assert view.slice.plot.getAxis("bottom").style["tickFont"].pointSizeF() == pytest.approx(font_before * k)
    assert view.slice.pens[0].widthF() == pytest.approx(pen_before * k)
    assert view.curves.pens[0][0].widthF() == pytest.approx(2.0 * k)
    assert w.net.reports.curv.k == k
    w.set_theme("dark")
    dark = w.look.theme
    assert view.data.backgroundBrush().color().name() == pg_color(dark.plot_bg)
    assert view.curves.backgroundBrush().color().name() == pg_color(dark.plot_bg)
    assert w.net.reports.sym.backgroundBrush().color().name() == pg_color(dark.plot_bg)
    assert view.slice.image.image.shape == image_before.shape  # the same slice, redrawn in the dark map
    assert view.status.text()  # the readout line survived the restyle
    w.set_theme("light")
    w.zoom(0)
    assert view.slice.plot.getAxis("bottom").style["tickFont"].pointSizeF() == pytest.approx(font_before)


def pg_color(c) -> str:
    import pyqtgraph as pg

    return pg.mkColor(c).name()


def test_a_zoom_keeps_the_axes_in_their_units(netwin: MainWindow) -> None:
    """The data's axes read in the data's units after a zoom (pyqtgraph rescaled an axis
    spanning less than 1 to milli-units: "-500 ... 500" for x₂ in (-0.9, 0.9))."""
    w = netwin
    w.zoom(+1)
    for plot in (w.net.view.data.plot, w.net.view.slice.plot, w.contour.plot):
        for side in ("left", "bottom"):
            assert plot.getAxis(side).autoSIPrefixScale == 1.0
    w.zoom(0)
