"""The menus in the network view (issue 13's audit for the network of issue 11): every entry
either acts on the network view, shows the two-weight view and acts there, or is disabled
with a tip that says why; none acts silently on the hidden two-weight state, and all come
back as they were with the two-weight view."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from gui import file_menu
from gui.main_window import MainWindow
from gui.model_actions import stripped
from tests.gui.conftest import net_settled

# entries that are not triggered here, and why
NOT_TRIGGERED = {
    "File > Quit": "closes the window (tests/gui/test_window.py closes it)",
}


def all_actions(window: MainWindow) -> dict[QAction, str]:
    """Every entry of the menu bar, submenus too (filled as when they open), then every other
    action of the window (its keys), each with where it stands."""
    out: dict[QAction, str] = {}

    def walk(menu, path: list[str]) -> None:
        menu.aboutToShow.emit()  # (the Landscape and Open recent menus fill themselves so)
        for a in menu.actions():
            if a.isSeparator():
                continue
            here = [*path, stripped(a.text())]
            if a.menu() is not None:
                walk(a.menu(), here)
            else:
                out.setdefault(a, " > ".join(here))

    for top in window.menuBar().actions():
        walk(top.menu(), [stripped(top.text())])
    for a in window.actions():
        out.setdefault(a, stripped(a.text()))
    return out


def two_state(w: MainWindow) -> tuple:
    """What the two-weight view holds: its controls, its frame and requests, the undo steps,
    the analyses and what they show, a session waiting to apply. (Not the contour view's
    extent: a hidden view is resized with the window's layout, and its aspect follows;
    Home's is tested on its own.)"""
    an = w.analysis
    return (
        w.panel.settings, id(w.frame), w.simulator.generation, w.undo_stack.index(), w.undo_stack.count(),
        tuple(a.isChecked() for a in (an.basins_action, an.curvature_action, an.field_action)),
        tuple(id(v) for v in an.results.values()), tuple(r.generation for r in an.runners.values()),
        w.files._pending_session, an.panel.tabs.currentIndex(),
    )


def look_of(actions: dict[QAction, str]) -> dict[str, tuple]:
    return {where: (a.isEnabled(), a.text(), a.toolTip(), a.statusTip(), a.isChecked()) for a, where in
            actions.items() if where not in ("Open recent",)}


@pytest.fixture
def dialogs(monkeypatch, tmp_path: Path):
    """Every dialog answers at once: an export or animation is accepted (small and fast), a
    file to save gets a name in ``tmp_path``, anything else is cancelled; message boxes are
    recorded. A modal dialog not answered so is closed and recorded (it would hang)."""
    seen: dict[str, list] = {"messages": [], "unanswered": []}

    def exec_(dlg) -> int:
        if isinstance(dlg, file_menu.AnimationDialog):
            dlg.width_box.setValue(320)
            dlg.fps_box.setValue(4)
            dlg.seconds_box.setValue(0.5)
            return QDialog.DialogCode.Accepted
        if isinstance(dlg, file_menu.ExportDialog):
            dlg.width_box.setValue(400)
            return QDialog.DialogCode.Accepted
        return QDialog.DialogCode.Rejected

    def ask_save(_parent, _title, name, fmt):
        return str(tmp_path / f"{len(list(tmp_path.iterdir()))}-{Path(name).stem}.{fmt}")

    def message(kind: str):
        def show(*args, **_kw):
            seen["messages"].append((kind, args[2] if len(args) > 2 else args))
            return QMessageBox.StandardButton.No
        return show

    monkeypatch.setattr(QDialog, "exec", exec_)
    monkeypatch.setattr(file_menu, "ask_save", ask_save)
    monkeypatch.setattr(file_menu, "ask_open", lambda *_a: None)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: "")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: ("", ""))
    for name in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, name, message(name))

    def close_modal() -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None:
            seen["unanswered"].append(modal.windowTitle())
            modal.close()

    guard = QTimer()
    guard.timeout.connect(close_modal)
    guard.start(100)
    yield seen
    guard.stop()


def settled(w: MainWindow, qtbot) -> None:
    """Whatever an entry started has finished (an export, a network frame, a two-weight frame)."""
    qtbot.waitUntil(lambda: not w.files.animator.busy and not w.net.runner.busy and not w.simulator.busy
                    and w.frame is not None and w.frame.generation == w.simulator.generation, timeout=60000)


def close_dialogs(w: MainWindow) -> None:
    for top in QApplication.topLevelWidgets():
        if isinstance(top, QDialog) and top.isVisible():
            top.reject()


def test_no_entry_acts_silently_on_the_hidden_two_weight_view(window: MainWindow, qtbot, dialogs,
                                                               tmp_path: Path) -> None:
    w = window
    w.set_model("network")
    net_settled(w, qtbot)
    actions = all_actions(w)
    assert len(actions) > 40
    triggered, switched, disabled = [], [], []
    for a, where in actions.items():
        if where in NOT_TRIGGERED:
            continue
        if not a.isEnabled():
            disabled.append(where)
            continue
        before = two_state(w)
        a.trigger()
        if a is w.presentation_action:
            a.trigger()  # back from full screen
        close_dialogs(w)
        settled(w, qtbot)
        triggered.append(where)
        if w.model == "two":  # it showed the two-weight view and acted there: not silent
            switched.append(where)
            w.set_model("network")
            net_settled(w, qtbot)
            continue
        assert two_state(w) == before, f"{where} changed the hidden two-weight view"
        assert not w.analysis.dock.isVisible() and not w.readout_dock.isVisible(), where
    assert not dialogs["unanswered"], dialogs["unanswered"]
    assert [kind for kind, _text in dialogs["messages"]] == ["about"]  # (no export refused)
    # what the audit found, so that a new entry is looked at
    assert {"File > Export figure", "File > Export animation", "File > Export training curves as CSV",
            "Animation > Play / pause", "View > Show the whole data and slice",
            "Scenarios > Save as scenario"} <= set(triggered)
    assert {"Landscape > rosenbrock", "Landscape > Custom formula", "View > Model: two weights"} <= set(switched)
    assert {"Analysis > Basins of attraction", "Analysis > (α, μ) map", "Analysis > Learning-rate sweep",
            "Analysis > Curvature arrows", "Analysis > Gradient field", "Analysis > Export analysis figure",
            "Analysis > Cancel running analysis", "Analysis > Analysis", "Scenarios > Curvature"} <= set(disabled)
    written = sorted(p.suffix for p in tmp_path.iterdir() if p.is_file())
    assert ".gif" in written and ".png" in written and ".csv" in written


def test_each_disabled_entry_says_why_and_comes_back(window: MainWindow, qtbot) -> None:
    w = window
    w.panel.apply_settings(replace(w.panel.settings, steps=250))  # an undo step: Undo is enabled
    qtbot.waitUntil(lambda: w.undo_action.isEnabled(), timeout=5000)
    actions = all_actions(w)
    two = look_of(actions)
    w.set_model("network")
    net_settled(w, qtbot)
    off = [(where, a) for a, where in actions.items()
           if a.isVisible() and not a.isEnabled() and a.text() != "(no sessions yet)"]
    assert len(off) >= 11
    for where, a in off:
        assert a.toolTip().startswith("two weights only: "), where
        assert a.statusTip() == a.toolTip(), where
    assert not w.analysis.dock.isVisible()
    basins = w.analysis.basins_action
    assert "basin map" in basins.toolTip()
    qtbot.keyClick(w, "b", w.analysis.basins_action.shortcut()[0].keyboardModifiers())  # Ctrl+B: no effect
    assert not basins.isChecked()
    w.set_model("two")
    assert look_of(actions) == two  # enabled, named and tipped as before
    assert w.undo_action.isEnabled() and basins.toolTip() == "Basins of attraction"


def test_the_layout_keeps_the_two_weight_docks_hidden_in_the_network_view(window: MainWindow, qtbot) -> None:
    w = window
    assert w.analysis.dock.toggleViewAction().isChecked()
    w.set_model("network")
    for layout in ("compact", "wide"):
        w.layout_actions[layout].trigger()
        assert w.analysis.dock.isHidden() and w.readout_dock.isHidden(), layout
    w.set_model("two")
    assert w.analysis.dock.toggleViewAction().isChecked() and w.readout_dock.toggleViewAction().isChecked()


def test_home_shows_the_whole_network_view(window: MainWindow, qtbot) -> None:
    w = window
    w.set_model("network")
    net_settled(w, qtbot)
    data = w.net.view.data.plot.vb
    whole = data.viewRange()
    data.scaleBy((0.3, 0.3))
    assert data.viewRange() != whole
    contour = w.contour.view_range()
    w.reset_view_action.trigger()
    assert np.ravel(data.viewRange()) == pytest.approx(np.ravel(whole)) and w.contour.view_range() == contour


def test_the_theory_panel_shows_the_two_weight_view_before_it_applies(window: MainWindow, qtbot) -> None:
    w = window
    w.set_model("network")
    w.lessons.applyHyper.emit({"alpha": 0.02}, "gd")
    assert w.model == "two"
