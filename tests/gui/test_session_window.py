"""Sessions in the window: File > Save session, Open session and Open recent restore the
picture (settings, view, animation step, analysis); the command line's ``run --session``
computes exactly the trajectories the window shows; a bad file changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

import main
from engine.inits import Init
from gui.settings import OptimizerEntry, Settings
from tests.gui.conftest import open_window


def _setup(window, settle) -> Settings:
    """A picture worth saving: three racers (one copy of gd, one unticked), a start, a
    zoom, the animation half way, the gradient field and the (alpha, mu) map open."""
    entries = (
        OptimizerEntry("gd", (("alpha", 0.01),), "#1f77b4"),
        OptimizerEntry("gd", (("alpha", 0.004),), "#17becf"),
        OptimizerEntry("momentum", (("alpha", 0.01), ("mu", 0.8)), "#ff7f0e"),
        OptimizerEntry("adam", (("alpha", 0.05), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8)), "#9467bd",
                       False),
    )
    settings = Settings("himmelblau", (), entries, Init("point", (-0.5, 4.8)), 400, 1e-7)
    window.panel.apply_settings(settings)
    settle(window)
    window.contour.plot.vb.setRange(xRange=(-5.0, 1.0), yRange=(-1.0, 5.5), padding=0.0)
    window.set_mode("animate")
    window.step = 120
    window._draw(120)
    window.analysis.field_action.setChecked(True)
    window.analysis.panel.phase_grid.setCurrentIndex(0)
    window.analysis.show_phase()
    return window.panel.settings


def test_save_and_open_restores_the_picture(window, qtbot, settle, tmp_path: Path) -> None:
    settings = _setup(window, settle)
    view = window.contour.view_range()
    path = tmp_path / "lesson.json"
    assert window.files.save_session(path)
    data = json.loads(path.read_text())
    assert data["format"] == "basin-session" and data["version"] == 2 and data["model"] == "two"
    assert data["mode"] == "animate"
    assert window.files.recent()[0] == str(path.resolve())

    other = open_window(qtbot)
    try:
        assert other.files.open_session(path)
        settle(other)
        qtbot.waitUntil(lambda: other.files._pending_session is None, timeout=5000)
        assert other.panel.settings == settings

        def same_view() -> bool:
            """The saved extent, whole (equal units on both axes may add a little along one
            axis: the axes' labels take a few pixels more or less), once the docks settle."""
            got = other.contour.view_range()
            (a0, a1), (b0, b1) = got
            (x0, x1), (y0, y1) = view
            eps = 1e-9
            holds = a0 <= x0 + eps and a1 >= x1 - eps and b0 <= y0 + eps and b1 >= y1 - eps
            return holds and (a1 - a0) <= 1.05 * (x1 - x0) and (b1 - b0) <= 1.05 * (y1 - y0)

        qtbot.waitUntil(same_view, timeout=3000)
        assert other.mode == "animate" and other.step == 120
        assert other.analysis.field_action.isChecked() and other.analysis.panel.tabs.currentIndex() == 1
        assert other.analysis.panel.phase_grid.currentData() == 32
        # the same trajectories
        assert other.frame.run.names == window.frame.run.names
        for a, b in zip(other.frame.tracks, window.frame.tracks, strict=True):
            assert (a.xy == b.xy).all() and a.color == b.color
    finally:
        other.close()


def test_the_command_line_runs_a_session_as_the_window_shows_it(window, settle, tmp_path: Path, capsys) -> None:
    _setup(window, settle)
    path, win_csv, cli_csv = tmp_path / "s.json", tmp_path / "window.csv", tmp_path / "cli.csv"
    assert window.files.save_session(path)
    assert window.export_csv(win_csv)
    assert main.main(["run", "--session", str(path), "--csv", str(cli_csv)]) == 0
    capsys.readouterr()
    assert cli_csv.read_text() == win_csv.read_text()  # every float64, every racer, same names


@pytest.mark.parametrize("damage", [
    lambda t: t[: len(t) // 2],  # truncated
    lambda t: t.replace('"steps": 400', '"steps": "400"'),
    lambda t: t.replace('"steps": 400', '"steps": 1e400'),
    lambda t: t.replace('"version": 2', '"version": 7'),
    lambda t: t.replace('"mode"', '"hack": "import os", "mode"'),
])
def test_a_bad_session_is_refused_and_the_window_keeps_its_state(window, settle, tmp_path: Path, monkeypatch,
                                                                 damage) -> None:
    _setup(window, settle)
    path = tmp_path / "s.json"
    assert window.files.save_session(path)
    path.write_text(damage(path.read_text()))
    window.panel.apply_settings(replace(window.panel.settings, steps=123))
    settle(window)
    before, frame, view = window.panel.settings, window.frame, window.contour.view_range()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    assert not window.files.open_session(path)
    assert len(shown) == 1 and shown[0].count("\n") == 1  # a heading and one line naming the field
    assert str(path) in window.statusBar().currentMessage()
    assert window.panel.settings is before and window.frame is frame and window.contour.view_range() == view


def test_open_recent_and_the_dialogs_remember_the_folder(window, settle, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "lessons"
    folder.mkdir()
    target = folder / "a.json"
    asked: list[str] = []

    def save_name(_parent, _title, start, _filter):
        asked.append(start)
        return str(folder / "a"), ""  # the ending is added

    def open_name(_parent, _title, start, _filter):
        asked.append(start)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_name)
    window.files.save_action.trigger()
    assert target.exists()
    window.files.open_action.trigger()
    assert asked[-1] == str(folder)  # the open dialog starts where the session went
    window.files._fill_recent()
    actions = [a for a in window.files.recent_menu.actions() if a.text() == "a.json"]
    assert len(actions) == 1
    target.unlink()
    actions[0].trigger()  # a recent file that is gone: said, and dropped from the list
    assert "no such file" in window.statusBar().currentMessage()
    assert str(target.resolve()) not in window.files.recent()
