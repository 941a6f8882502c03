"""The network view's controls refuse a bad value as the two-weight view does: the box turns
red and keeps its value, and the window says why in one line (the same line as the box's
tooltip), nothing is recomputed. The line goes when its cause is gone, and only it is red."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from gui import look
from gui.main_window import MainWindow
from gui.netstate import MAX_POINTS, MAX_STEPS
from gui.widgets import NumberBox
from tests.gui.conftest import net_settled

# (box, text typed, the refusal's words)
REFUSALS = [
    ("points_box", "0", f"invalid points: 0 (must be in [10, {MAX_POINTS}])"),
    ("points_box", "12.5", "invalid points: '12.5' is not a whole number"),
    ("noise_box", "5", "invalid noise: 5 (must be in [0, 2])"),
    ("noise_box", "abc", "invalid noise: 'abc' is not a number"),
    ("sigma_box", "0", "invalid sigma: 0"),
    ("sigma_box", "1e3", "invalid sigma: 1000"),
    ("seed_box", "-1", "invalid seed: -1"),
    ("steps_box", "0", f"invalid steps: 0 (must be in [1, {MAX_STEPS}])"),
    ("steps_box", "", "invalid steps: '' is not a number"),
    ("batch_box", "0", "invalid batch size: 0"),
    ("batch_box", "100000", "invalid batch size: 100000"),
]


def type_into(box: NumberBox, text: str) -> None:
    box.lineEdit().setText(text)
    box.editingFinished.emit()


@pytest.fixture
def netwin(window: MainWindow, qtbot) -> MainWindow:
    window.model_combo.setCurrentIndex(1)
    net_settled(window, qtbot)
    panel = window.net.panel
    panel.init_combo.setCurrentText("small")  # sigma is in use only for a small start
    panel.full_batch.setChecked(False)  # the batch size only for mini-batches
    net_settled(window, qtbot)
    return window


@pytest.mark.parametrize(("attr", "text", "words"), REFUSALS)
def test_every_box_of_the_network_panel_says_why_it_refuses(
    netwin: MainWindow, attr: str, text: str, words: str
) -> None:
    panel = netwin.net.panel
    box: NumberBox = getattr(panel, attr)
    assert box.isEnabled()
    before, value, generation = panel.settings, box.value(), netwin.net.runner.generation
    type_into(box, text)
    message = netwin.statusBar().currentMessage()
    assert words in message and message == box.reason and "\n" not in message
    assert box.property("invalid") is True and words in box.toolTip()
    assert box.value() == value and panel.settings == before  # the last good value stays
    assert netwin.net.runner.generation == generation  # nothing was recomputed


def test_points_0_says_so_and_a_good_value_clears_the_box(netwin: MainWindow, qtbot) -> None:
    panel = netwin.net.panel
    type_into(panel.points_box, "0")
    assert netwin.statusBar().currentMessage() == f"invalid points: 0 (must be in [10, {MAX_POINTS}])"
    type_into(panel.points_box, "200")
    assert panel.points_box.reason == "" and panel.points_box.property("invalid") is False
    assert panel.settings.setup.data.n_points == 200
    net_settled(netwin, qtbot)
    assert netwin.net.frame.settings.setup.data.n_points == 200


# -- a message goes when its cause is gone ------------------------------------------------------


def _red(window: MainWindow, widget) -> bool:
    return widget.palette().color(QPalette.ColorRole.WindowText).name() == QColor(window.look.theme.bad).name()


def _untick_all(panel) -> int:
    """Untick every racer; the first one ticked."""
    ticked = [i for i in range(panel.racer_list.count())
              if panel.racer_list.item(i).checkState() == Qt.CheckState.Checked]
    for i in ticked:
        panel.racer_list.item(i).setCheckState(Qt.CheckState.Unchecked)
    return ticked[0]


def test_no_optimizer_selected_goes_when_a_racer_is_ticked_again(netwin: MainWindow, qtbot) -> None:
    w, bar = netwin, netwin.statusBar()
    first = _untick_all(w.net.panel)
    qtbot.waitUntil(lambda: "no optimizer selected" in bar.currentMessage(), timeout=5000)
    assert _red(w, bar) and not _red(w, w.zoom_label)  # the message alone is red, never the zoom
    assert not w.zoom_label.font().bold()
    w.net.panel.racer_list.item(first).setCheckState(Qt.CheckState.Checked)
    net_settled(w, qtbot)
    assert bar.currentMessage() == "" and not _red(w, bar) and bar.styleSheet() == ""


def test_no_optimizer_selected_goes_in_the_two_weight_view_too(window: MainWindow, qtbot, settle) -> None:
    bar = window.statusBar()
    for name in ("gd", "momentum", "nesterov", "adam"):
        window.panel.set_enabled(name, False)
    qtbot.waitUntil(lambda: "no optimizer selected" in bar.currentMessage(), timeout=5000)
    window.panel.set_enabled("adam", True)
    settle(window)
    assert bar.currentMessage() == "" and bar.styleSheet() == ""


def test_a_refusal_outlives_the_frame_of_an_earlier_request(netwin: MainWindow, qtbot) -> None:
    """Only a frame asked for after the refusal clears it: a run still computing when a bad
    value is typed does not wipe the reason away as it arrives."""
    w, panel = netwin, netwin.net.panel
    panel.racer_list.setCurrentRow(0)
    type_into(panel.editor.editors["alpha"].box, "0.2")  # a request, in flight
    type_into(panel.points_box, "0")
    net_settled(w, qtbot)
    assert w.net.frame.names[0] == "gd α=0.2"
    assert w.statusBar().currentMessage().startswith("invalid points: 0")
    type_into(panel.points_box, "300")  # the cause is gone
    net_settled(w, qtbot)
    assert w.statusBar().currentMessage() == ""


def test_other_messages_and_the_end_of_a_refusal_are_not_red(window: MainWindow) -> None:
    bar = window.statusBar()
    window.show_refusal("invalid alpha: 0 (must be > 0)")
    assert _red(window, bar)
    bar.showMessage("figure written to x.png", 8000)  # another message takes its place: plain
    assert not _red(window, bar) and bar.styleSheet() == ""
    window.show_refusal("invalid alpha: 0 (must be > 0)")
    bar.clearMessage()  # as its 10 s end
    assert bar.styleSheet() == ""
    window.show_refusal("invalid alpha: 0 (must be > 0)")
    window.set_look(replace(window.look, theme=look.DARK))  # the refusal in the new theme's colour
    assert _red(window, bar) and bar.currentMessage().startswith("invalid alpha")
