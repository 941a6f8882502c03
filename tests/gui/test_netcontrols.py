"""The network view's controls refuse a bad value as the two-weight view does: the box turns
red and keeps its value, and the window says why in one line (the same line as the box's
tooltip), nothing is recomputed."""

from __future__ import annotations

import pytest

from gui.main_window import MainWindow
from gui.netstate import MAX_POINTS, MAX_STEPS
from gui.widgets import NumberBox
from tests.gui.test_network_window import net_settled

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
