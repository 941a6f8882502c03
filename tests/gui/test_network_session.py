"""Sessions of the network view in the window: File > Save session in network mode writes the
network's session, Open session (and Open recent) switches to the view a session is of and
applies every control; ``train --session`` writes the CSV the window exports, ``train
--save-session`` a session the window opens; a refused file leaves the window as it was; the
network view's controls and the view shown come back at the next launch."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

import main
from engine.network.setup import NetworkSetup
from engine.schedules import parse_schedule
from gui.main_window import MainWindow
from gui.netstate import NetSettings, default_racers
from gui.settings import OptimizerEntry
from tests.gui.conftest import open_window


def net_settled(window: MainWindow, qtbot, timeout: int = 10000) -> None:
    net = window.net
    qtbot.waitUntil(lambda: net.frame is not None and not net.runner.busy
                    and net.frame.generation == net.runner.generation, timeout=timeout)


def custom() -> NetSettings:
    """Settings unlike the defaults in every control: data, network, start, racers (a second gd
    on a schedule, adam unticked), steps, mini-batches, plane and the background racer."""
    setup = NetworkSetup.from_fields({"data": "circles", "points": 300, "noise": 0.15, "hidden": [6],
                                      "activation": "relu", "init": "small", "sigma": 0.3, "seed": 4,
                                      "units": "standardised"})
    rows = list(default_racers())
    rows[0] = replace(rows[0], hyper=(("alpha", 0.2),), schedule=parse_schedule("cosine"))
    rows.insert(1, OptimizerEntry("gd", (("alpha", 0.05),), "#5e3c99", True))
    rows[4] = replace(rows[4], enabled=False)  # adam
    return NetSettings(setup=setup, racers=tuple(rows), steps=120, tol=1e-7, batch_size=16, batch_seed=2,
                       plane="random", plane_seed=5, selected=1)


def show(window: MainWindow, qtbot, settings: NetSettings, step: int = 40) -> None:
    """The window in network mode on ``settings``, the animation at ``step``, 250 steps/s."""
    window.set_model("network")
    window.net.panel.apply_settings(settings)
    net_settled(window, qtbot)
    window.set_speed(250.0)
    window.panel.speed_box.setValue(250.0)
    window.set_mode("animate")
    window.step = step
    window._draw(step)


def test_save_in_network_mode_and_open_in_a_two_weight_window(window: MainWindow, qtbot, tmp_path: Path) -> None:
    settings = custom()
    show(window, qtbot, settings)
    assert window.files.session_file_name() == "basin-network-2-6-1.json"
    path = tmp_path / "net.json"
    assert window.files.save_session(path)
    data = json.loads(path.read_text())
    assert data["model"] == "network" and data["version"] == 2 and "landscape" not in data
    assert NetworkSetup.from_fields(data["network"]) == settings.setup
    assert data["mode"] == "animate" and data["step"] == 40 and data["speed"] == 250.0 and data["selected"] == 1

    other = open_window(qtbot)
    try:
        assert other.model == "two"
        assert other.files.open_session(path)
        assert other.model == "network" and other.model_combo.currentIndex() == 1
        net_settled(other, qtbot)
        qtbot.waitUntil(lambda: other.files._pending_session is None, timeout=5000)
        p = other.net.panel
        assert p.settings == settings
        # every control shows it
        assert p.data_combo.currentText() == "circles" and p.points_box.value() == 300
        assert p.noise_box.value() == 0.15 and p.standardise.isChecked() and not p.mixed.isChecked()
        assert p.hidden_edit.text() == "6" and p.act_combo.currentText() == "relu"
        assert p.init_combo.currentText() == "small" and p.sigma_box.value() == 0.3 and p.seed_box.value() == 4
        assert p.steps_box.value() == 120 and not p.full_batch.isChecked() and p.batch_box.value() == 16
        assert p.plane_combo.currentData() == "random" and p.shown_combo.currentIndex() == 1
        assert [p.racer_list.item(i).text() for i in range(p.racer_list.count())] == [e.label() for e in
                                                                                       settings.racers]
        assert other.mode == "animate" and other.step == 40 and other.speed == 250.0 and p.animate.isChecked()
        # the same training, the same plane
        f, g = other.net.frame, window.net.frame
        assert f.names == g.names and (f.run.theta == g.run.theta).all()
        assert f.plane.kind == g.plane.kind and (f.plane.d1 == g.plane.d1).all()
        assert other.net.view.data.shown == 1  # the second racer's probability is the background
    finally:
        other.close()


def test_a_two_weight_session_opened_in_network_mode_switches_back(window: MainWindow, qtbot, settle,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    assert window.files.save_session(path)
    two = window.panel.settings
    show(window, qtbot, custom())
    window.panel.apply_settings(replace(two, steps=77))  # (the hidden view changes meanwhile)
    assert window.files.open_session(path)
    assert window.model == "two" and window.central_stack.currentIndex() == 0
    settle(window)
    assert window.panel.settings == two and window.frame.settings == two


def test_the_command_line_trains_a_network_session_as_the_window_shows_it(window: MainWindow, qtbot,
                                                                           tmp_path: Path, capsys) -> None:
    show(window, qtbot, custom())
    path, win_csv, cli_csv = tmp_path / "s.json", tmp_path / "window.csv", tmp_path / "cli.csv"
    assert window.files.save_session(path)
    assert window.export_csv(win_csv)
    assert main.main(["train", "--session", str(path), "--csv", str(cli_csv)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("session s.json: network circles, 300 points")
    assert cli_csv.read_text() == win_csv.read_text()  # every float64, every racer and step, same names
    assert len(win_csv.read_text().splitlines()) == 1 + 3 * 121


def test_a_session_the_command_line_saves_opens_in_the_window(window: MainWindow, qtbot, tmp_path: Path,
                                                              capsys) -> None:
    path, cli_csv, win_csv = tmp_path / "cli.json", tmp_path / "cli.csv", tmp_path / "window.csv"
    argv = ["train", "--data", "xor", "--hidden", "5,5", "--optimizer", "momentum", "--optimizer", "adam",
            "--alpha", "0.02", "--schedule", "exp:0.995", "--steps", "80", "--batch-size", "40", "--seed", "3",
            "--save-session", str(path)]
    assert main.main(argv) == 0
    capsys.readouterr()
    assert window.files.open_session(path)
    assert window.model == "network"
    net_settled(window, qtbot)
    s = window.net.panel.settings
    assert [e.label() for e in s.enabled] == ["momentum α=0.02 μ=0.9 · exp:0.995", "adam α=0.02 · exp:0.995"]
    assert s.setup.net.hidden == (5, 5) and s.setup.init.seed == 3 and s.batch_size == 40 and s.batch_seed == 3
    assert window.export_csv(win_csv)
    assert main.main(["train", "--session", str(path), "--csv", str(cli_csv)]) == 0
    capsys.readouterr()
    assert cli_csv.read_text() == win_csv.read_text()


DAMAGE = [
    lambda t: t[: len(t) // 2],  # truncated
    lambda t: t.replace('"points": 300', '"points": "300"'),
    lambda t: t.replace('"points": 300', '"points": 1e400'),
    lambda t: t.replace('"version": 2', '"version": 7'),
    lambda t: t.replace('"plane": "random"', '"plane": "svd"'),
    lambda t: t.replace('"hidden": [\n      6\n    ]', '"hidden": [2000]'),
    lambda t: t.replace('"mode"', '"landscape": "rosenbrock", "mode"'),
    lambda t: t.replace('"model": "network"', '"model": "two"'),  # a network table in a two-weight session
]


@pytest.mark.parametrize("model", ["two", "network"])
@pytest.mark.parametrize("damage", DAMAGE)
def test_a_refused_network_session_leaves_the_window_as_it_was(window: MainWindow, qtbot, settle, tmp_path: Path,
                                                                monkeypatch, damage, model: str) -> None:
    show(window, qtbot, custom(), step=30)
    path = tmp_path / "s.json"
    assert window.files.save_session(path)
    text = damage(path.read_text())
    assert text != path.read_text()
    path.write_text(text)
    window.net.panel.apply_settings(replace(custom(), steps=90))
    net_settled(window, qtbot)
    window.set_mode("animate")
    window.step = 20
    window._draw(20)
    if model == "two":
        window.set_model("two")
        settle(window)
    before = (window.model, window.mode, window.step, window.speed, window.panel.settings, window.frame,
              window.net.panel.settings, window.net.frame, window.files._pending_session)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    assert not window.files.open_session(path)
    assert len(shown) == 1 and shown[0].count("\n") == 1  # a heading and one line naming the field
    assert str(path) in window.statusBar().currentMessage()
    after = (window.model, window.mode, window.step, window.speed, window.panel.settings, window.frame,
             window.net.panel.settings, window.net.frame, window.files._pending_session)
    assert all(a is b or a == b for a, b in zip(after, before, strict=True))
    assert window.net.panel.settings is before[6] and not window.net.runner.busy


def test_save_and_open_recent_in_network_mode(window: MainWindow, qtbot, tmp_path: Path, monkeypatch) -> None:
    show(window, qtbot, custom())
    asked: list[str] = []

    def save_name(_parent, _title, start, _filter):
        asked.append(start)
        return str(tmp_path / "lesson"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    window.files.save_action.trigger()
    assert Path(asked[0]).name == "basin-network-2-6-1.json"  # named after the network's shape
    saved = tmp_path / "lesson.json"
    assert load_model(saved) == "network"
    window.set_model("two")
    window.files._fill_recent()
    actions = [a for a in window.files.recent_menu.actions() if a.text() == "lesson.json"]
    actions[0].trigger()
    assert window.model == "network"
    net_settled(window, qtbot)
    assert window.net.panel.settings == custom()


def load_model(path: Path) -> str:
    return json.loads(path.read_text())["model"]


# -- remembered between launches -----------------------------------------------------------------


def test_the_network_view_and_its_controls_come_back_at_the_next_launch(qtbot) -> None:
    w = open_window(qtbot)
    assert w.readout_dock.isVisible()
    show(w, qtbot, custom())
    w.close()

    w2 = open_window(qtbot)
    try:
        assert w2.model == "network" and w2.central_stack.currentWidget() is w2.net.widget
        assert w2.net.panel.settings == custom()
        net_settled(w2, qtbot)
        assert w2.net.frame.settings == custom()
        w2.set_model("two")
        assert w2.readout_dock.isVisible()  # the network view hides them: that is not kept
        w2.set_model("network")
    finally:
        w2.close()
    w3 = open_window(qtbot)
    w3.set_model("two")
    assert not w3.readout_dock.isHidden()
    w3.close()
    w4 = open_window(qtbot)  # closed in the two-weight view: it opens there
    try:
        assert w4.model == "two" and w4.net.panel.settings == custom()
    finally:
        w4.close()


def test_the_docks_are_remembered_as_the_two_weight_view_has_them(window: MainWindow, qtbot) -> None:
    """The network view hides the curvature readouts; closed in network mode, the next launch
    (which may open in the two weights) must still have them."""
    assert not window.readout_dock.isHidden()
    window.set_model("network")
    assert window.readout_dock.isHidden()
    state = window._dock_state()
    assert window.readout_dock.isHidden()  # (not shown meanwhile)
    window.set_model("two")
    window.readout_dock.hide()
    window.restoreState(state)
    assert not window.readout_dock.isHidden()


@pytest.mark.parametrize(("key", "value"), [
    ("controls/network", "{not json"),
    ("controls/network", '{"format": "basin-session", "version": 2, "model": "network", "network": {"points": 3}}'),
    ("controls/network", '{"format": "basin-session", "version": 9}'),
    ("controls/network", "[" * 100000),
    ("window/model", "deep"),
    ("window/model", 3),
])
def test_a_broken_remembered_network_value_gives_the_defaults_silently(qtbot, key: str, value: object) -> None:
    from gui.prefs import Prefs

    p = Prefs()
    p.store.setValue(key, value)
    p.sync()
    w = open_window(qtbot)
    try:
        assert w.model == "two" and w.net.panel.settings == NetSettings()
        assert w.statusBar().currentMessage() == ""
    finally:
        w.close()


def test_a_remembered_two_weight_session_is_not_taken_for_the_network(qtbot, window: MainWindow) -> None:
    from gui.prefs import Prefs
    from gui.session import session_of

    p = Prefs()
    p.store.setValue("controls/network", session_of(window.panel.settings).to_json())
    p.store.setValue("window/model", "network")
    assert p.net_settings() is None and p.model == "network"


def test_a_session_saved_while_fewer_steps_are_computed_keeps_a_step_it_has(window: MainWindow, qtbot,
                                                                            tmp_path: Path, monkeypatch) -> None:
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: errors.append(text))
    show(window, qtbot, custom(), step=100)
    window.net.panel.apply_settings(replace(custom(), steps=50))  # its frame not shown yet
    assert window.step == 100
    path = tmp_path / "s.json"
    assert window.files.save_session(path), errors
    assert json.loads(path.read_text())["step"] == 50
    net_settled(window, qtbot)
