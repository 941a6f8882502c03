"""In the lecture hall: any screen, zoom and presentation mode, themes and colour-blind
racers, remembered settings, undo, help, and the keys a lecturer presses."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from gui import look
from gui.main_window import MainWindow
from gui.widgets import NumberBox

from .conftest import open_window

# -- fits any screen ------------------------------------------------------------------------------


def _inside(widget: QWidget, outer: QWidget) -> bool:
    r = QRect(widget.mapTo(outer, widget.rect().topLeft()), widget.size())
    return outer.rect().contains(r)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1280, 720), (1600, 1000)])
@pytest.mark.parametrize("zoom", [1.0, look.PRESENTATION_ZOOM])
def test_the_window_fits_the_screen_and_nothing_is_cut(qtbot, width: int, height: int, zoom: float) -> None:
    w = open_window(qtbot, width, height)
    try:
        if zoom != 1.0:
            w.set_look(look.Look(zoom, look.LIGHT))
            w.fit_to(QRect(0, 0, width, height))
        qtbot.wait(200)
        assert w.width() <= width and w.height() <= height
        hint = w.minimumSizeHint()
        assert hint.width() <= width and hint.height() <= height, hint
        assert w.layout_name == ("wide" if width >= 1360 * max(zoom, 1.0) ** 0.5 else "compact")
        # the plots fill their space, side by side, above the race table
        for view in (w.contour, w.curves):
            assert view.width() >= 180 and view.height() >= 200 and _inside(view, w)
        # the curves' panes drawn within their view (a scene wider than it was cut at the right)
        assert w.curves.ci.geometry().width() <= w.curves.width() + 0.5
        assert _inside(w.status_pane, w)
        # the controls: no number box clipped, no label cut, nothing wider than its column
        scroll = w.controls_scroll
        assert w.panel.width() <= scroll.viewport().width()
        for box in w.panel.findChildren(NumberBox):
            if box.isVisibleTo(w.panel):
                text = box.lineEdit().text()
                assert box.lineEdit().fontMetrics().horizontalAdvance(text) < box.lineEdit().width(), text
                assert box.width() >= box.minimumSizeHint().width()
        for label in w.panel.findChildren(QLabel):
            if label.isVisibleTo(w.panel) and not label.wordWrap() and label.text():
                assert label.width() >= label.sizeHint().width() - 1, label.text()
        # the legend under the landscape shows all its rows
        legend = w.contour.legend
        assert legend.height() >= legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).height() - 1
    finally:
        w.close()


def test_compact_layout_puts_lesson_and_analysis_beside_the_controls(qtbot) -> None:
    w = open_window(qtbot, 1024, 768)
    try:
        tabbed = set(w.tabifiedDockWidgets(w.controls_dock))
        assert {w.lesson_dock, w.analysis.dock, w.readout_dock} <= tabbed
        w.arrange("wide")
        qtbot.wait(50)
        assert w.dockWidgetArea(w.lesson_dock) == Qt.DockWidgetArea.RightDockWidgetArea
        assert w.layout_actions["wide"].isChecked()
    finally:
        w.close()


# -- zoom, presentation, theme ------------------------------------------------------------------


def test_zoom_scales_text_controls_and_plots_together(window: MainWindow, qtbot) -> None:
    app = QApplication.instance()
    pt0, k0 = app.font().pointSizeF(), window.contour.k
    pen0 = window.contour.curves[0].body.opts["pen"].widthF()
    tick0 = window.curves.loss_plot.getAxis("left").style["tickFont"].pointSizeF()
    box_h0 = window.panel.steps_box.sizeHint().height()
    window.zoom_in_action.trigger()
    window.zoom_in_action.trigger()
    qtbot.wait(50)
    z = window.look.zoom
    assert z == look.zoom_step(look.zoom_step(1.0, 1), 1) > 1.2
    assert app.font().pointSizeF() == pytest.approx(pt0 * z)
    assert window.contour.k == window.curves.k == z and k0 == 1.0
    assert window.contour.curves[0].body.opts["pen"].widthF() == pytest.approx(pen0 * z)
    assert window.curves.loss_plot.getAxis("left").style["tickFont"].pointSizeF() == pytest.approx(tick0 * z)
    assert window.analysis.phase_view.k == z
    assert window.panel.steps_box.sizeHint().height() > box_h0
    assert window.prefs.zoom == z  # remembered
    window.zoom_reset_action.trigger()
    assert window.look.zoom == 1.0 and app.font().pointSizeF() == pytest.approx(pt0)
    for _ in range(20):
        window.zoom_out_action.trigger()
    assert window.look.zoom == look.ZOOMS[0]  # clamped


def test_presentation_mode_on_one_key_and_back(window: MainWindow, qtbot) -> None:
    window.zoom(1)
    before = (window.look.zoom, window.layout_name)
    window.presentation_action.trigger()  # F5
    qtbot.wait(50)
    assert window.presenting and window.isFullScreen()
    screen = window._available()
    assert window.look.zoom == max(before[0], look.presentation_zoom(screen.width(), screen.height()))
    assert window.layout_name == "compact"
    assert window.prefs.zoom == before[0]  # the lecture hall's zoom is not the desk's
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.wait(50)
    assert not window.presenting and not window.isFullScreen()
    assert (window.look.zoom, window.layout_name) == before


def test_dark_theme_reaches_widgets_plots_and_racers(window: MainWindow) -> None:
    window.set_theme("dark")
    t = look.DARK
    palette = QApplication.instance().palette()
    assert palette.color(palette.ColorRole.Window).name() == t.window
    assert window.contour.backgroundBrush().color().name() == t.plot_bg
    gd = window.frame.tracks[0]
    assert window.contour.curves[0].body.opts["pen"].color().name() == t.racer(gd.color) != gd.color
    assert window.curves.loss_curves[0].body.opts["pen"].color().name() == t.racer(gd.color)
    assert window.prefs.theme == "dark" and window.theme_actions["dark"].isChecked()
    window.set_theme("light")
    assert window.contour.curves[0].body.opts["pen"].color().name() == gd.color


# Machado, Oliveira and Fernandes (2009), severity 1, applied to linear RGB
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _linear(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(lin: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(lin, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _contrast(a: str, b: str) -> float:
    la, lb = (float(np.dot([0.2126, 0.7152, 0.0722], _linear(c))) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@pytest.mark.parametrize("theme", [look.LIGHT, look.DARK], ids=lambda t: t.name)
def test_racers_stay_apart_for_colour_blind_viewers_and_read_on_the_landscape(theme) -> None:
    from gui.settings import GUI_ENABLED, OPTIMIZER_COLORS

    colors = {name: theme.racer(c) for name, c in OPTIMIZER_COLORS.items()}
    for vision, m in [("normal", np.eye(3)), *CVD.items()]:
        labs = {n: _lab(np.asarray(m) @ _linear(c)) for n, c in colors.items()}
        worst = min(
            (float(np.linalg.norm(labs[a] - labs[b])), a, b) for a, b in itertools.combinations(colors, 2)
        )
        assert worst[0] >= (20 if vision == "normal" else 13), (vision, worst)
        defaults = min(float(np.linalg.norm(labs[a] - labs[b])) for a, b in itertools.combinations(GUI_ENABLED, 2))
        assert defaults >= 15, (vision, defaults)
    lowest = "#{:02x}{:02x}{:02x}".format(*theme.cmap[0][1])  # where the racers end: low loss
    for name in GUI_ENABLED:
        assert _contrast(colors[name], lowest) >= 3.0, name


# -- remembered --------------------------------------------------------------------------------


def test_settings_come_back_at_the_next_launch(qtbot, _own_settings) -> None:
    w = open_window(qtbot)
    w.panel.landscape_combo.setCurrentText("himmelblau")
    w.panel.select_optimizer("gd")
    box = w.panel.editor("gd").editors["alpha"].box
    box.lineEdit().setText("0.0042")
    box.editingFinished.emit()
    w.panel.set_enabled("adam", False)
    w.set_theme("dark")
    w.zoom(1)
    w.lessons.choose("four-basins")
    qtbot.wait(100)
    w.panel.select_optimizer("gd")
    box = w.panel.editor("gd").editors["alpha"].box
    box.lineEdit().setText("0.0042")
    box.editingFinished.emit()
    kept = w.panel.settings
    w.close()
    assert list(_own_settings.rglob("*.ini")) or list(_own_settings.rglob("*.conf"))  # in the test's folder

    w2 = open_window(qtbot)
    try:
        assert w2.panel.settings == kept
        assert w2.look.theme is look.DARK and w2.look.zoom == look.zoom_step(1.0, 1)
        assert w2.lessons.current is not None and w2.lessons.current.name == "four-basins"
        assert w2.frame.settings == kept
    finally:
        w2.close()
        look.apply(look.Look())


def test_a_broken_remembered_value_is_dropped_with_a_reason(qtbot, _own_settings) -> None:
    from gui.prefs import Prefs

    p = Prefs()
    p.store.setValue("controls/settings", '{"landscape": "no-such-landscape"}')
    p.store.setValue("look/zoom", "huge")
    p.store.setValue("look/theme", "neon")
    p.sync()
    w = open_window(qtbot)
    try:
        assert w.panel.settings.landscape == "rosenbrock" and w.look.zoom == 1.0 and w.look.theme is look.LIGHT
        assert "no-such-landscape" in w.statusBar().currentMessage()
    finally:
        w.close()


# -- undo ---------------------------------------------------------------------------------------


def test_undo_and_redo_a_control_change(window: MainWindow, qtbot, settle) -> None:
    window.panel.select_optimizer("gd")
    editor = window.panel.editor("gd").editors["alpha"]
    slider = editor.slider
    for tick in np.linspace(slider.to_tick(0.001), slider.to_tick(0.01), 30).astype(int):
        slider.setValue(int(tick))  # a drag: one undo step
    settle(window)
    dragged = window.panel.settings.optimizers[0].params["alpha"]
    assert dragged > 0.005
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(window)
    assert window.panel.settings.optimizers[0].params["alpha"] == 0.001
    assert window.frame.settings.optimizers[0].params["alpha"] == 0.001
    assert window.panel.opt_list.currentRow() == 0  # the selection stays
    assert window.panel.editor("gd").editors["alpha"].value() == 0.001
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(window)
    assert window.panel.settings.optimizers[0].params["alpha"] == dragged
    window.lessons.choose("four-basins")
    settle(window)
    assert window.panel.settings.landscape == "himmelblau"
    window.undo_action.trigger()  # a scenario is one step too
    settle(window)
    assert window.panel.settings.landscape == "rosenbrock"


# -- keys and number boxes ----------------------------------------------------------------------


def test_single_keys_never_type_into_a_number_box(window: MainWindow, qtbot, settle) -> None:
    box = window.panel.steps_box
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_R)  # reset: animate mode at step 0
    assert window.mode == "animate" and window.step == 0
    assert box.lineEdit().text() == "1000" and box.reason == ""
    qtbot.keyClick(box, Qt.Key.Key_Space)  # play
    assert window.playing
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not window.playing
    qtbot.keyClick(box, Qt.Key.Key_X)  # no shortcut: still not typed
    assert box.lineEdit().text() == "1000"
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "500")  # a number is typed as ever
    qtbot.keyClick(box, Qt.Key.Key_Return)
    settle(window)
    assert window.panel.settings.steps == 500


def test_a_refused_entry_clears_when_fixed_or_abandoned(window: MainWindow, qtbot) -> None:
    box = window.panel.steps_box
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.lineEdit().setText("0")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.property("invalid") is True and "steps" in box.reason
    box.lineEdit().setText("12.5")
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # abandoned
    assert box.property("invalid") is False and box.lineEdit().text() == "1000"
    box.lineEdit().setText("-3")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.property("invalid") is True
    window.contour.setFocus()  # abandoned by leaving the box
    qtbot.waitUntil(lambda: not box.hasFocus())
    assert box.property("invalid") is False and box.reason == ""


# -- help -----------------------------------------------------------------------------------------


def test_help_lists_the_keys_that_work_and_about_gives_the_version(window: MainWindow) -> None:
    text = window.guide_html()
    for action in (window.play_action, window.reset_action, window.undo_action, window.zoom_in_action,
                   window.presentation_action, window.reset_view_action, window.guide_action):
        for seq in action.shortcuts()[:1]:
            assert seq.toString(seq.SequenceFormat.NativeText) in text, action.text()
    assert "Ctrl+0" in text and "Home" in text and "Lesson" in text
    assert window.guide_action.shortcuts()[0].toString() == "F1"
    assert window.version() in window.about_text()
    window.show_guide()
    assert window.guide.isVisible()
    window.guide.close()


# -- rough edges ----------------------------------------------------------------------------------


def test_a_scenario_starts_in_instant_mode_with_its_whole_run(window: MainWindow, settle) -> None:
    window.set_mode("animate")
    window.reset()
    assert window.mode == "animate"
    window.lessons.choose("four-basins")
    settle(window)
    assert window.mode == "instant" and window.step == window.frame.settings.steps
    assert len(window.contour.curves[0].getData()[0]) > 1  # the whole trajectory, not step 0


def test_the_race_table_says_paused_not_running(window: MainWindow, qtbot) -> None:
    window.reset()  # animate, step 0, paused
    texts = [row[4].text() for row in window.status_pane.rows]
    assert all("running" not in t and "step 0" in t for t in texts), texts
    window.step_once()
    window.step_once()
    assert all(row[4].text() == "paused at step 2" for row in window.status_pane.rows)
    window.play()
    qtbot.wait(100)
    k = window.step
    assert any(row[4].toolTip().startswith("running") for row in window.status_pane.rows)
    window.pause()
    assert window.panel.step_label.text().startswith(f"{window.step} /") and window.step >= k


def test_the_cursor_readout_follows_the_landscape_and_its_axis_names(window: MainWindow, settle) -> None:
    window._on_hover(0.5, 0.5, 1.0)
    assert window.coords.text().startswith("x = 0.5")
    window.panel.landscape_combo.setCurrentText("tanh-saddle")
    settle(window)
    land = window.frame.landscape
    expected = float(land.loss(np.array([[0.5, 0.5]]))[0])
    names = land.axis_labels
    assert window.coords.text().startswith(f"{names[0]} = 0.5   {names[1]} = 0.5")
    assert f"loss = {expected:.5g}" in window.coords.text()


@pytest.mark.parametrize(("width", "height", "zoom", "columns"), [(1024, 768, look.PRESENTATION_ZOOM, 1),
                                                                   (1600, 1000, 1.0, 2)])
def test_the_key_to_training_and_validation_fits_its_pane(qtbot, settle, width, height, zoom, columns) -> None:
    """A model with a validation split: the key under the curves side by side where there is
    room, one above the other in a narrow pane, and never past the pane's edge."""
    w = open_window(qtbot, width, height)
    try:
        w.set_look(look.Look(zoom, look.LIGHT))
        w.fit_to(QRect(0, 0, width, height))
        w.panel.landscape_combo.setCurrentText("noisy-regression")
        settle(w)
        curves = w.curves
        qtbot.waitUntil(lambda: curves.split_legend.isVisible())
        qtbot.wait(100)
        key = curves.split_legend
        assert key.columnCount == columns
        right = key.mapRectToScene(key.boundingRect()).right()
        assert right <= curves.width() + 0.5
        assert curves.ci.geometry().width() <= curves.width() + 0.5
    finally:
        w.close()


@pytest.mark.parametrize(("msg", "short"), [
    ("not converged after 300 steps: loss 2.763, |grad| 2", "not converged"),
    ("converged at step 98 to a minimum, loss 0.371382", "converged"),
    ("stopped on a plateau at step 40: gradient 1e-09, no slope to follow (loss 0.7)", "stopped on a plateau"),
    ("diverged at step 3: the steps grew without bound (alpha too large?)", "diverged"),
])
def test_a_narrow_race_table_keeps_the_verdict_words(msg: str, short: str) -> None:
    from gui.main_window import fitting_verdict

    width = len  # a character a unit
    assert fitting_verdict(msg, width, len(msg)) == msg
    assert fitting_verdict(msg, width, len(short)) == short
    assert fitting_verdict(msg, width, 3) == short  # (cut with an ellipsis by its label)
    head = msg.split(": ")[0]
    if head != msg:
        assert fitting_verdict(msg, width, len(head)) == head


def test_in_a_narrow_race_table_the_names_give_way_to_the_outcome(window: MainWindow, qtbot) -> None:
    from gui.main_window import StatusPane

    pane = StatusPane()
    qtbot.addWidget(pane)
    pane.set_tracks(window.frame.tracks)
    fm = pane.fontMetrics()
    need = fm.horizontalAdvance("not converged") + 6
    for width in (1200, 470):
        pane.resize(width, pane.height())
        pane.show()
        qtbot.wait(20)
        name, outcome = pane.rows[0][1], pane.rows[0][4]
        assert outcome.width() >= need or name.width() == fm.horizontalAdvance("adam α…")
    assert outcome.width() >= need  # (470 pixels at the default font: room for both)
    assert name.width() < max(fm.horizontalAdvance(t.label) for t in window.frame.tracks) + 6


def test_presentation_zoom_is_large_in_proportion_to_the_screen() -> None:
    assert look.presentation_zoom(1920, 1080) == look.presentation_zoom(1280, 800) == look.PRESENTATION_ZOOM
    assert look.presentation_zoom(1280, 720) == 1.4  # 720 of 800 pixels high: 1.44
    assert look.presentation_zoom(1024, 768) == 1.25  # 1024 of 1280 wide: 1.28
    assert look.presentation_zoom(800, 600) == 1.0  # never smaller than the desk's
    assert all(look.presentation_zoom(w, h) in look.ZOOMS for w in range(600, 2600, 97) for h in range(400, 1600, 89))
