"""Learning-rate schedules in the window: a schedule per racer, checked as every value is,
run by the engine, named in the labels, drawn as alpha(t) over the training curves, carried
by scenarios, sessions, the remembered controls and the command line's run of a session."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF

import main
from engine.optimizers import Optimizer
from engine.scenarios import load_scenario
from engine.schedules import CONSTANT, Schedule, parse_schedule
from engine.simulation import simulate
from gui.main_window import MainWindow
from gui.prefs import Prefs
from gui.session import SessionError, parse_session, session_of
from gui.settings import OptimizerEntry, Settings, scenario_settings, settings_from_dict, settings_to_dict


def type_into(box, text: str) -> None:
    box.lineEdit().setText(text)
    box.editingFinished.emit()


def entry(window: MainWindow, name: str) -> OptimizerEntry:
    return next(e for e in window.panel.settings.optimizers if e.name == name)


def choose_schedule(window: MainWindow, name: str, kind: str, **numbers: str) -> None:
    """As a person would: the racer's row, its schedule's kind, then its numbers typed."""
    window.panel.select_optimizer(name)
    ed = window.panel.editor(name)
    for key, text in numbers.items():
        type_into(ed.schedule_boxes[key], text)
    ed.schedule_combo.setCurrentText(kind)


def test_a_schedule_is_chosen_checked_and_run(window: MainWindow, settle) -> None:
    choose_schedule(window, "gd", "step", step_size="100", gamma="0.5")
    settle(window)
    e = entry(window, "gd")
    assert e.schedule == Schedule("step", step_size=100, gamma=0.5)
    ed = window.panel.editor("gd")
    assert ed.schedule_boxes["step_size"].isVisibleTo(ed) and not ed.schedule_boxes["warmup"].isVisibleTo(ed)
    assert "every 100 steps" in ed.schedule_hint.text()
    # the engine ran gd on that schedule: the window's trajectory is the engine's own
    f = window.frame
    row = [x.name for x in f.settings.enabled].index("gd")
    s = f.settings
    opt = Optimizer.stack([x.make() for x in s.enabled])
    start = np.repeat(np.array([s.init.point]), len(s.enabled), axis=0)
    run = simulate(f.landscape, opt, start, s.steps, tol=s.tol)
    assert np.array_equal(run.theta[row], f.run.theta[row], equal_nan=True)
    assert "schedule=step:100:0.5" in f.run.names[row]
    # a bad number is refused in one line and the schedule stays
    gen = window.simulator.generation
    for key, bad, reason in (("gamma", "0", "schedule gamma"), ("step_size", "0", "step size"),
                             ("step_size", "2.5", "whole number"), ("gamma", "nan", "gamma")):
        box = ed.schedule_boxes[key]
        type_into(box, bad)
        assert box.property("invalid") is True and reason in window.statusBar().currentMessage()
        assert "\n" not in window.statusBar().currentMessage()
    assert entry(window, "gd").schedule == e.schedule and window.simulator.generation == gen
    # back to constant: the plain optimizer again
    ed.schedule_combo.setCurrentText("constant")
    settle(window)
    assert entry(window, "gd").schedule == CONSTANT and "schedule" not in window.frame.run.names[row]


def test_alpha_t_is_drawn_for_scheduled_racers_only(window: MainWindow, settle) -> None:
    curves = window.curves
    assert not curves.alpha_plot.isVisible()  # no schedule: no pane
    choose_schedule(window, "gd", "step", step_size="150", gamma="0.5")
    choose_schedule(window, "momentum", "cosine")
    settle(window)
    assert curves.alpha_plot.isVisible()
    f = window.frame
    shown = [c for c in curves.alpha_curves if c.isVisible()]
    assert len(shown) == 2
    for c, name in zip(shown, ("gd", "momentum"), strict=True):
        t = next(t for t in f.tracks if t.label.startswith(name))
        e = entry(window, name)
        want = e.alphas(f.settings.steps)[: t.stop]
        x, y = c.getData()
        # a staircase: step k holds alpha[k] from point k to point k+1; a step decay exactly,
        # a cosine within what a pane's pixel shows
        mid = np.interp(np.arange(t.stop) + 0.5, x, y)
        if name == "gd":
            assert np.array_equal(mid, want)
        assert np.allclose(mid, want, rtol=0, atol=want.max() / 100)
        assert x[0] == 0 and x[-1] == t.stop
        assert y.max() == pytest.approx(want.max()) and y.min() == pytest.approx(want.min())
        assert c.opts["pen"].color().name() == window.look.theme.racer(t.color)
    # the labels say it: the race table, the legend, the racer's row
    texts = [label.text for _s, label in window.contour.legend.items]
    assert "gd · step:150:0.5" in texts and "momentum · cosine" in texts
    assert window.panel.opt_list.item(0).text().endswith("· step:150:0.5")
    assert window.status_pane.rows[0][1].text().endswith("· step:150:0.5")
    lo, hi = curves.alpha_plot.vb.viewRange()[1]
    assert lo <= 0.0 and hi >= 0.001
    # all constant again: the pane goes
    window.panel.editor("gd").schedule_combo.setCurrentText("constant")
    window.panel.editor("momentum").schedule_combo.setCurrentText("constant")
    settle(window)
    assert not curves.alpha_plot.isVisible() and curves.alpha_plot.maximumHeight() == 0


def test_undo_takes_a_schedule_back(window: MainWindow, settle) -> None:
    choose_schedule(window, "gd", "warmup", warmup="20")
    settle(window)
    assert entry(window, "gd").schedule == Schedule("warmup", warmup=20)
    assert "schedule" in window.undo_stack.undoText()
    window.undo_action.trigger()
    settle(window)
    assert entry(window, "gd").schedule == CONSTANT
    assert window.panel.editor("gd").schedule_combo.currentText() == "constant"


def test_a_scenarios_schedules_reach_the_window(window: MainWindow, settle, tmp_path: Path) -> None:
    path = tmp_path / "decay.toml"
    path.write_text('''title = "Decay"
idea = "learning-rate"
summary = "s"
landscape = "himmelblau"
steps = 300
explanation = "e"
try = ["t"]

[[optimizers]]
name = "gd"
alpha = 0.01
schedule = "exp:0.99"

[[optimizers]]
name = "gd"
alpha = 0.01
''', encoding="utf-8")
    sc = load_scenario(path)
    s = scenario_settings(sc)
    assert [e.schedule for e in s.enabled] == [parse_schedule("exp:0.99"), CONSTANT]
    window.apply_scenario(sc)
    settle(window)
    assert [e.schedule for e in window.panel.settings.enabled] == [parse_schedule("exp:0.99"), CONSTANT]
    assert window.panel.editor("gd").schedule_combo.currentText() == "exp"
    assert window.panel.editor("gd #2").schedule_combo.currentText() == "constant"
    assert sum(c.isVisible() for c in window.curves.alpha_curves) == 1


def test_the_basin_map_follows_the_selected_racers_schedule(window: MainWindow, qtbot, settle) -> None:
    choose_schedule(window, "gd", "exp", gamma="0.995")
    settle(window)
    window.panel.select_optimizer("gd")
    an = window.analysis
    an.basins_action.setChecked(True)
    qtbot.waitUntil(lambda: an.overlay.result is not None, timeout=20000)
    r = an.overlay.result
    assert r.spec.schedule == parse_schedule("exp:0.995") and "exp:0.995" in r.label
    an.basins_action.setChecked(False)


SCHEDULED = Settings(
    "himmelblau", (), (
        OptimizerEntry("gd", (("alpha", 0.01),), "#0072b2", True, parse_schedule("step:50:0.123456789")),
        OptimizerEntry("gd", (("alpha", 0.01),), "#5e3c99", True, parse_schedule("cosine")),
        OptimizerEntry("momentum", (("alpha", 0.005), ("mu", 0.9)), "#d55e00", True, parse_schedule("warmup:30")),
        OptimizerEntry("adam", (("alpha", 0.05), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8)), "#aa3377"),
    ),
    steps=400,
)


def test_sessions_keep_each_racers_schedule_and_refuse_a_bad_one() -> None:
    text = session_of(SCHEDULED).to_json()
    data = json.loads(text)
    assert [r.get("schedule") for r in data["racers"]] == ["step:50:0.123456789", "cosine", "warmup:30", None]
    assert parse_session(text).settings == SCHEDULED  # every schedule exactly
    for bad, where in (("fast", "racers[0].schedule: invalid schedule 'fast'"),
                       (3, "racers[0].schedule: must be text"),
                       ("step:0:0.5", "racers[0].schedule: invalid schedule 'step:0:0.5'"),
                       ("exp:1e400", "racers[0].schedule"), ("x" * 5000, "racers[0].schedule")):
        d = json.loads(text)
        d["racers"][0]["schedule"] = bad
        with pytest.raises(SessionError) as err:
            parse_session(json.dumps(d))
        assert where in str(err.value) and "\n" not in str(err.value) and len(str(err.value)) < 300


def test_the_remembered_controls_keep_schedules() -> None:
    d = settings_to_dict(SCHEDULED)
    back = settings_from_dict(json.loads(json.dumps(d)))
    assert back.optimizers[:4] == SCHEDULED.optimizers  # (the other optimizers follow, unticked)
    assert back.enabled == SCHEDULED.enabled
    d["racers"][0]["schedule"] = "step:-1:2"
    with pytest.raises(ValueError, match="step"):
        settings_from_dict(d)


def test_a_remembered_schedule_comes_back_at_the_next_launch(qtbot, settle) -> None:
    from tests.gui.conftest import open_window

    first = open_window(qtbot)
    choose_schedule(first, "momentum", "cosine")
    settle(first)
    first.close()
    second = open_window(qtbot, prefs=Prefs())
    try:
        assert entry(second, "momentum").schedule == parse_schedule("cosine")
        assert second.curves.alpha_plot.isVisible()
    finally:
        second.close()


def test_the_command_line_runs_a_scheduled_session_as_the_window_shows_it(window, settle, tmp_path: Path,
                                                                        capsys) -> None:
    window.panel.apply_settings(replace(SCHEDULED, init=window.panel.settings.init.__class__("point", (-0.5, 4.8))))
    settle(window)
    path, win_csv, cli_csv = tmp_path / "s.json", tmp_path / "window.csv", tmp_path / "cli.csv"
    assert window.files.save_session(path)
    assert window.export_csv(win_csv)
    assert main.main(["run", "--session", str(path), "--csv", str(cli_csv)]) == 0
    capsys.readouterr()
    assert cli_csv.read_text() == win_csv.read_text()
    assert "schedule=step:50:0.123456789" in win_csv.read_text()
    # and the command line's own session of that run keeps the schedules
    again = tmp_path / "again.json"
    assert main.main(["run", "--session", str(path), "--save-session", str(again)]) == 0
    capsys.readouterr()
    kept = [e.schedule for e in parse_session(again.read_text()).settings.enabled]
    assert kept == [e.schedule for e in SCHEDULED.enabled]


def test_a_step_is_at_the_same_x_in_every_pane(window: MainWindow, settle, qtbot) -> None:
    """The alpha pane's labels (0.0008) are wider than the loss pane's (10⁻²): the three left
    axes share one width, so the loss bends right under the step where alpha drops."""
    curves = window.curves
    choose_schedule(window, "gd", "step", step_size="300", gamma="0.5")
    settle(window)
    qtbot.waitUntil(lambda: curves.alpha_plot.height() > 0)  # (the pane's room comes with the next layout pass)

    def x_of_step(plot, k: float) -> float:
        return plot.vb.mapViewToScene(QPointF(k, 0.0)).x()

    def xs(k: float) -> set[float]:
        return {round(x_of_step(p, k), 3) for p in (curves.alpha_plot, curves.loss_plot, curves.grad_plot)}

    # (the panes' layout takes the new axis width in a later event: under load, after the frame)
    qtbot.waitUntil(lambda: all(len(xs(k)) == 1 for k in (0.0, 300.0, 700.0)), timeout=5000)
    widths = {p.getAxis("left").width() for p in (curves.alpha_plot, curves.loss_plot, curves.grad_plot)}
    assert len(widths) == 1


def test_a_network_racers_schedule_is_run_and_named(window: MainWindow, qtbot) -> None:
    """The network view's racers have the same schedule control: it must change their run."""
    net = window.net

    def settled() -> bool:
        return net.frame is not None and not net.runner.busy and net.frame.generation == net.runner.generation

    window.set_model("network")
    qtbot.waitUntil(settled, timeout=10000)
    before = net.frame
    net.panel.racer_list.setCurrentRow(0)
    net.panel.editor.schedule_combo.setCurrentText("cosine")
    qtbot.waitUntil(lambda: settled() and net.frame is not before, timeout=10000)
    after = net.frame
    assert after.names[0] == "gd α=0.3 · cosine" and after.settings.enabled[0].schedule == parse_schedule("cosine")
    assert not np.array_equal(after.run.theta[0], before.run.theta[0], equal_nan=True)
    assert np.array_equal(after.run.theta[1:], before.run.theta[1:], equal_nan=True)  # the others kept
