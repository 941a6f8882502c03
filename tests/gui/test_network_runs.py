"""Long runs in the window's network view: their progress in the status bar, a new control
change or Cancel stopping them promptly, closing mid-run, and runs too large for the window
refused at the control that asked for them (the control goes back, the picture stays)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from engine.network.setup import NetworkSetup
from gui.main_window import MainWindow
from gui.netmode import NO_MEMORY
from gui.netstate import NetSettings
from gui.session import NetSession, SessionError, parse_session
from tests.gui.conftest import net_settled


def with_newton(s: NetSettings, hidden: list[int]) -> NetSettings:
    """``s`` on a net of ``hidden`` widths with Newton racing too: 2-40-40-1 has 1,801 weights,
    a Newton step of seconds (a Hessian of 1,801 products)."""
    racers = tuple(replace(e, enabled=e.enabled or e.name == "newton") for e in s.racers)
    return replace(s, setup=NetworkSetup.from_fields({**s.setup.fields(), "hidden": hidden}), racers=racers)


def start_long_run(w: MainWindow, qtbot) -> NetSettings:
    big = with_newton(w.net.settings, [40, 40])
    with qtbot.waitSignal(w.net.runner.progressed, timeout=10000):
        w.net.panel.apply_settings(big)
    qtbot.waitUntil(w.net.status.isVisible, timeout=5000)  # after its short delay
    return big


def type_hidden(w: MainWindow, text: str) -> None:
    w.net.panel.hidden_edit.setText(text)
    w.net.panel.hidden_edit.editingFinished.emit()


def test_a_long_run_shows_its_progress_and_a_change_replaces_it_promptly(netwin: MainWindow, qtbot) -> None:
    w = netwin
    start_long_run(w, qtbot)
    values = []
    w.net.status.bar.valueChanged.connect(values.append)
    assert w.net.status.label.text().startswith("network: training") and "newton" in w.net.status.label.text()
    qtbot.waitUntil(lambda: bool(values) and values[-1] >= 1, timeout=60000)  # the bar moves during the run
    t0 = time.perf_counter()
    type_hidden(w, "8,8")  # back to a small net, as the reviewer did
    net_settled(w, qtbot, timeout=20000)
    took = time.perf_counter() - t0
    assert w.net.frame.settings.setup.net.hidden == (8, 8) and w.net.frame.net.dim == 105
    assert w.net.runner.counts["cancelled"] >= 1 and not w.net.status.isVisible()
    assert took < 5.0, took  # the old run stops within a fraction of a second; 8,8 takes less


def test_cancel_puts_the_controls_back_to_the_picture(netwin: MainWindow, qtbot) -> None:
    w = netwin
    shown = w.net.frame
    start_long_run(w, qtbot)
    assert w.net.panel.hidden_edit.text() == "40,40"
    qtbot.mouseClick(w.net.status.button, Qt.MouseButton.LeftButton)
    assert w.net.panel.settings == shown.settings and w.net.panel.hidden_edit.text() == "8,8"
    qtbot.waitUntil(lambda: not w.net.status.isVisible() and not w.net.runner.busy, timeout=2000)
    assert w.net.frame is shown and w.net.runner.counts["cancelled"] == 1  # nothing computed again
    type_hidden(w, "6")  # and the controls go on from there
    net_settled(w, qtbot)
    assert w.net.frame.net.dim == 25


def test_closing_mid_run_exits_within_a_second_without_a_traceback(window: MainWindow, qtbot, capfd) -> None:
    window.model_combo.setCurrentIndex(1)
    net_settled(window, qtbot)
    start_long_run(window, qtbot)
    assert window.net.runner.computing
    t0 = time.perf_counter()
    window.close()  # (the fixture fails the test if a thread is left)
    took = time.perf_counter() - t0
    assert took < 1.0, took
    assert not window.net.runner.is_running() and not window.net.runner.computing
    assert "Traceback" not in capfd.readouterr().err


def test_a_net_too_large_for_memory_is_refused_at_its_field(netwin: MainWindow, qtbot) -> None:
    w = netwin
    shown, gen = w.net.frame, w.net.runner.generation
    type_hidden(w, "1024,1024")
    message = w.statusBar().currentMessage()
    assert message.startswith("too large: 3 racers x 1,053,697 weights x 300 steps need")
    assert message.endswith("fewer steps or racers, narrower layers") and "\n" not in message
    assert w.net.panel.hidden_edit.text() == "8,8" and w.net.panel.settings == shown.settings
    assert w.net.runner.generation == gen and w.net.frame is shown  # nothing ran; the picture stays


def test_newton_on_a_net_too_large_is_refused_and_unticked(netwin: MainWindow, qtbot) -> None:
    w = netwin
    type_hidden(w, "48,48")  # 2,545 weights: the first-order racers take it
    net_settled(w, qtbot, timeout=30000)
    assert w.net.frame.net.dim == 2545
    panel = w.net.panel
    row = [e.name for e in panel.settings.racers].index("newton")
    panel.racer_list.item(row).setCheckState(Qt.CheckState.Checked)
    assert "at most 2,000 weights" in w.statusBar().currentMessage()
    assert "2,545" in w.statusBar().currentMessage()
    assert panel.racer_list.item(row).checkState() == Qt.CheckState.Unchecked
    assert not panel.settings.racers[row].enabled and not w.net.runner.busy


def test_a_session_or_lesson_too_large_is_refused(netwin: MainWindow, qtbot) -> None:
    w = netwin
    big = replace(w.net.settings, setup=NetworkSetup.from_fields({"hidden": [1024, 1024]}), steps=2000)
    with pytest.raises(SessionError, match=r"^session: network: too large: 3 racers x 1,053,697 weights x 2,000 steps"):
        parse_session(NetSession(big).to_json())
    from engine.scenarios import load_scenarios

    lesson = load_scenarios()[0]["net-newton"]
    settings, gen = w.net.settings, w.net.runner.generation
    w.apply_scenario(replace(lesson, network=NetworkSetup.from_fields({"hidden": [256, 256]})))
    assert "Newton's method takes at most 2,000 weights" in w.statusBar().currentMessage()
    assert w.net.settings == settings and w.net.runner.generation == gen


def test_running_out_of_memory_anyway_is_said_and_the_controls_go_back(netwin: MainWindow, qtbot,
                                                                        monkeypatch) -> None:
    """Beyond what the check counts (the system's own limits): one line, no traceback, the
    picture and its controls as they were."""
    import gui.netstate

    w = netwin
    shown = w.net.frame

    def no_memory(*_args, **_kwargs):
        raise MemoryError("Unable to allocate 47.1 GiB for an array with shape (2001, 1053697, 3)")

    monkeypatch.setattr(gui.netstate, "simulate", no_memory)
    type_hidden(w, "12,12")
    qtbot.waitUntil(lambda: not w.net.runner.busy, timeout=10000)
    assert w.statusBar().currentMessage() == NO_MEMORY
    assert NO_MEMORY == "not enough memory for this network: fewer steps or racers, narrower layers"
    assert w.net.frame is shown and w.net.panel.settings == shown.settings
    assert w.net.panel.hidden_edit.text() == "8,8"
