"""Scenarios in the window: the picker configures every control, the frame is the engine's
own run of the scenario, the lesson shows its text, broken files are listed, and the theory,
symmetry and cost panels say what the engine says."""

from __future__ import annotations

import html
import math
import shutil
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import theory
from engine.analysis import newton_cost
from engine.optimizers import Optimizer
from engine.scenarios import SCENARIO_DIR, load_scenarios
from engine.simulation import simulate
from gui.main_window import MainWindow
from gui.scenario_panel import LessonPanel, paragraphs, short_error
from gui.settings import OPTIMIZER_COLORS, scenario_settings
from gui.theory_panel import COST_SIZES, fmt_bytes, fmt_count

SCENARIOS, LOAD_ERRORS = load_scenarios()
# the two-weight lessons (the network lessons open the network view: tests/gui/test_network_window.py)
PICKED = {n: sc for n, sc in SCENARIOS.items() if not sc.is_network}


def type_into(box, text: str) -> None:
    box.lineEdit().setText(text)
    box.editingFinished.emit()


def choose(window: MainWindow, settle, name: str) -> None:
    assert window.lessons.choose(name)
    settle(window, 15000)


def engine_run(sc):
    """The scenario run straight by the engine, as ``main.py run --scenario`` does."""
    land = sc.make_landscape()
    opt = Optimizer.stack(sc.make_optimizers())
    starts = np.repeat(sc.start(land)[None, :], len(sc.optimizers), axis=0)
    return simulate(land, opt, starts, sc.steps, tol=sc.tol, batch_size=sc.batch_size, seed=sc.seed)


def test_the_shipped_scenarios_all_load() -> None:
    assert LOAD_ERRORS == [] and len(SCENARIOS) == len(list(SCENARIO_DIR.glob("*.toml"))) > 0


@pytest.mark.parametrize("name", sorted(PICKED))
def test_choosing_a_scenario_sets_every_control_and_runs_it(window: MainWindow, settle, name: str) -> None:
    sc = SCENARIOS[name]
    choose(window, settle, name)
    panel, s = window.panel, window.panel.settings
    # the controls show the scenario
    assert panel.landscape_combo.currentText() == sc.landscape
    assert dict(s.params) == sc.params
    for key, value in sc.params.items():
        w = panel.params.widgets[key]
        shown = w.currentText() if hasattr(w, "currentText") else w.value()
        assert shown == value
    assert s.init == sc.init and s.steps == sc.steps and s.tol == sc.tol
    assert panel.steps_box.value() == sc.steps and panel.tol_box.value() == sc.tol
    start = sc.start(window.frame.landscape)
    assert (panel.x_box.value(), panel.y_box.value()) == tuple(start)
    assert s.batch_size == sc.batch_size
    assert panel.batch_group.isVisibleTo(panel) == hasattr(window.frame.landscape, "n_train")
    if sc.batch_size is not None:
        assert not panel.full_batch.isChecked() and panel.batch_box.value() == sc.batch_size
    # the racers: the scenario's, ticked, in order, each with its hyperparameters
    racers = [(e.name, e.params) for e in s.enabled]
    assert [n for n, _ in racers] == [n for n, _ in sc.optimizers]
    for (_n, have), (_m, want) in zip(racers, sc.optimizers, strict=True):
        assert {k: have[k] for k in want} == want
    rows = [panel.opt_list.item(i).text() for i in range(panel.opt_list.count())]
    names = s.row_names()
    for i, row in enumerate(names):
        assert rows[i].startswith(row)
    assert len({e.color for e in s.optimizers}) == len(s.optimizers)  # a colour each
    # the frame is the engine's own run of the scenario
    ref = engine_run(sc)
    run = window.frame.run
    assert run.theta.shape == ref.theta.shape
    np.testing.assert_allclose(run.theta, ref.theta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(run.loss, ref.loss, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(run.status, ref.status)
    np.testing.assert_array_equal(run.stop, ref.stop)
    # the lesson shows the scenario's title, explanation and what to try
    text = window.lessons.lesson.text()
    assert html.escape(sc.title) in text
    assert html.escape(paragraphs(sc.explanation)[0]) in text
    for t in sc.try_this:
        assert html.escape(t) in text
    assert window.lessons.tabs.currentIndex() == window.lessons.lesson_tab


def test_duplicate_racers_are_separate_rows_and_editable(window: MainWindow, settle) -> None:
    choose(window, settle, "learning-rate-choice")
    panel = window.panel
    assert panel.settings.row_names()[:3] == ("gd", "gd #2", "gd #3")
    assert panel.opt_list.item(1).text() == "gd #2 α=0.15"
    before = [t.xy.copy() for t in window.frame.tracks]
    panel.select_optimizer("gd #2")
    type_into(panel.editor("gd #2").editors["alpha"].box, "0.1")
    settle(window)
    alphas = [e.params["alpha"] for e in window.frame.settings.enabled]
    assert alphas == [0.002, 0.1, 0.21]
    assert panel.opt_list.item(1).text() == "gd #2 α=0.1"
    after = window.frame.tracks
    np.testing.assert_array_equal(after[0].xy, before[0])  # the others are unchanged
    np.testing.assert_array_equal(after[2].xy, before[2])
    assert not np.array_equal(after[1].xy, before[1][: len(after[1].xy)])


def test_copy_and_remove_a_racer(window: MainWindow, settle) -> None:
    panel = window.panel
    panel.select_optimizer("adam")
    panel.copy_button.click()
    settle(window)
    s = window.frame.settings
    assert [e.name for e in s.enabled] == ["gd", "momentum", "nesterov", "adam", "adam"]
    assert s.row_names()[4] == "adam #2" and panel.opt_list.currentRow() == 4
    assert len(window.contour.curves) == 5
    assert len({t.color for t in window.frame.tracks}) == 5
    type_into(panel.editor("adam #2").editors["alpha"].box, "0.2")
    settle(window)
    assert [t.label for t in window.frame.tracks][3:] == ["adam α=0.05", "adam α=0.2"]
    panel.remove_button.click()
    settle(window)
    assert [e.name for e in window.frame.settings.enabled] == ["gd", "momentum", "nesterov", "adam"]
    panel.select_optimizer("gd")
    assert not panel.remove_button.isEnabled()  # the last gd row cannot go
    panel.remove_selected()
    assert "untick" in window.statusBar().currentMessage()


def test_after_a_scenario_every_control_is_still_yours(window: MainWindow, settle) -> None:
    choose(window, settle, "four-basins")
    window.panel.set_enabled("adam", True)
    type_into(window.panel.steps_box, "50")
    settle(window)
    f = window.frame
    assert [e.name for e in f.settings.enabled] == ["gd", "momentum", "adam"]
    assert f.run.theta.shape[1] == 51
    assert window.lessons.current.name == "four-basins"  # the lesson stays


def test_a_broken_scenario_file_is_listed_and_the_others_load(qtbot, tmp_path) -> None:
    for name in ("four-basins", "learning-rate-choice"):
        shutil.copy(SCENARIO_DIR / f"{name}.toml", tmp_path)
    text = (SCENARIO_DIR / "four-basins.toml").read_text(encoding="utf-8")
    (tmp_path / "bad-idea.toml").write_text(text.replace('idea = "local-minima"', 'idea = "magic"'), encoding="utf-8")
    (tmp_path / "not-toml.toml").write_text("title = [unclosed\n", encoding="utf-8")
    panel = LessonPanel(tmp_path)
    qtbot.addWidget(panel)
    panel.show()
    assert sorted(panel.names()) == ["four-basins", "learning-rate-choice"]
    assert len(panel.errors) == 2
    note = panel.error_note
    assert note.isVisible() and "2 scenario files could not be read" in note.text()
    tip = note.toolTip()
    assert "bad-idea.toml: field 'idea'" in tip and "magic" in tip
    assert "not-toml.toml: TOML" in tip
    assert str(tmp_path) not in tip  # the file's name, not the whole path
    assert panel.choose("four-basins") and panel.current.name == "four-basins"
    assert not panel.choose("bad-idea")  # it is not offered
    # fixing the file and reloading clears the note and offers the scenario
    (tmp_path / "bad-idea.toml").write_text(text, encoding="utf-8")
    (tmp_path / "not-toml.toml").unlink()
    panel.reload()
    assert not note.isVisible() and "bad-idea" in panel.names()
    assert panel.current.name == "four-basins"  # the choice survives a reload


def test_short_error_keeps_file_and_field() -> None:
    line = "/a/b/c/x.toml: field 'steps': invalid steps: 0"
    assert short_error(line) == "x.toml: field 'steps': invalid steps: 0"


def test_a_missing_folder_is_an_error_not_a_crash(qtbot, tmp_path) -> None:
    panel = LessonPanel(tmp_path / "nowhere")
    qtbot.addWidget(panel)
    assert panel.names() == [] and len(panel.errors) == 1
    panel.step(1)  # nothing to step to: nothing happens
    assert panel.current is None


def test_next_and_previous_scenario(window: MainWindow, settle) -> None:
    names = window.lessons.names()
    assert sorted(names) == sorted(SCENARIOS)  # the network lessons too: they open the network view
    window.lessons.next_action.trigger()
    settle(window)
    assert window.lessons.current.name == names[0]
    assert window.panel.settings.landscape == SCENARIOS[names[0]].landscape
    window.lessons.previous_action.trigger()
    settle(window)
    assert window.lessons.current.name == names[-1]
    assert window.lessons.next_action.shortcut().toString() == "Ctrl+PgDown"


# -- data models: validation curves and mini-batches -------------------------------------------


def test_data_models_show_validation_curves(window: MainWindow, settle) -> None:
    choose(window, settle, "convex-classifier")
    f = window.frame
    curves = window.curves
    for i, t in enumerate(f.tracks):
        want = f.landscape.validation_loss(t.xy)
        np.testing.assert_allclose(t.validation, want, rtol=1e-12, atol=0)
        item = curves.validation_curves[i]
        assert item.isVisible()
        x, y = item.getData()
        # drawn: the steps kept for the screen (straight stretches lose every other point)
        keep = t.curve_keep if t.curve_keep is not None else np.arange(len(t.xy))
        np.testing.assert_array_equal(x, keep)
        np.testing.assert_allclose(y, np.log10(want)[keep], rtol=1e-12)
        _x, train = curves.loss_curves[i].getData()
        np.testing.assert_allclose(train, np.log10(f.landscape.loss(t.xy))[keep], rtol=1e-12)
        pen = item.opts["pen"]
        assert pen.style() == Qt.PenStyle.DashLine and pen.color().name() == t.color  # dashed, same colour
    assert curves.split_legend.isVisible()
    assert "log" in curves.loss_plot.getAxis("left").labelText
    # analytic landscapes have no validation split
    window.panel.landscape_combo.setCurrentText("rosenbrock")
    settle(window)
    assert all(t.validation is None for t in window.frame.tracks)
    assert not any(c.isVisible() for c in curves.validation_curves)
    assert not curves.split_legend.isVisible()
    assert "f*" in curves.loss_plot.getAxis("left").labelText


def test_batch_size_changes_the_path_and_the_seed_repeats_it(window: MainWindow, settle) -> None:
    choose(window, settle, "convex-regression")
    panel = window.panel
    land = window.frame.landscape
    n = land.n_train
    assert panel.batch_group.isVisibleTo(panel) and panel.full_batch.isChecked()
    assert panel.settings.batch_size is None and str(n) in panel.full_batch.text()
    full = window.frame.run.theta.copy()

    def racer_run(batch, seed):
        sc = SCENARIOS["convex-regression"]
        opt = Optimizer.stack(sc.make_optimizers())
        starts = np.repeat(sc.start(land)[None], len(sc.optimizers), axis=0)
        return simulate(land, opt, starts, sc.steps, tol=sc.tol, batch_size=batch, seed=seed).theta

    panel.full_batch.setChecked(False)
    type_into(panel.batch_box, "8")
    settle(window)
    assert window.frame.settings.batch_size == 8
    b8 = window.frame.run.theta.copy()
    assert b8.shape != full.shape or not np.allclose(b8, full, equal_nan=True)
    np.testing.assert_array_equal(b8, racer_run(8, 0))
    type_into(panel.batch_seed_box, "3")
    settle(window)
    seed3 = window.frame.run.theta.copy()
    assert not np.array_equal(seed3, b8)
    np.testing.assert_array_equal(seed3, racer_run(8, 3))
    type_into(panel.batch_seed_box, "0")
    settle(window)
    np.testing.assert_array_equal(window.frame.run.theta, b8)  # same seed, same path
    # out of range is refused with the reason, and the last good value stays
    for bad in ("0", str(n + 1), "2.5"):
        type_into(panel.batch_box, bad)
        assert panel.batch_box.value() == 8 and panel.batch_box.reason
    assert "batch size" in window.statusBar().currentMessage() or "whole" in window.statusBar().currentMessage()
    panel.full_batch.setChecked(True)
    settle(window)
    assert window.frame.settings.batch_size is None
    np.testing.assert_array_equal(window.frame.run.theta, full)
    # analytic landscapes have no mini-batches: the control goes away
    window.panel.landscape_combo.setCurrentText("quadratic")
    settle(window)
    assert not panel.batch_group.isVisibleTo(panel) and window.frame.settings.batch_size is None


def test_a_mini_batch_choice_survives_a_switch_between_data_models(window: MainWindow, settle, monkeypatch) -> None:
    # A data model's frame waits for the worker to sample its loss over a 501 x 501 grid
    # (0.7 s for the scenario's, 2-3 s for logistic-regression alone, several times that on a
    # loaded machine), and the waits for those frames raced the machine's load. Both
    # surfaces are made here first, outside any wait, and the worker is handed the same
    # ones: the waits are for the racers alone.
    import gui.worker
    from engine.landscapes import make_landscape
    from gui.settings import default_params

    real, made = gui.worker.build_surface, {}

    def once(landscape, key=None, *args, **kwargs):
        if key not in made:
            made[key] = real(landscape, key, *args, **kwargs)
        return made[key]

    monkeypatch.setattr(gui.worker, "build_surface", once)
    first = scenario_settings(SCENARIOS["minibatch-noise"]).landscape_key
    key = ("logistic-regression", default_params("logistic-regression"))
    for name, params in (first, key):
        once(make_landscape(name, **dict(params)), (name, params))
    choose(window, settle, "minibatch-noise")
    assert window.frame.surface is made[first]
    assert window.frame.settings.batch_size == 8
    window.panel.landscape_combo.setCurrentText("logistic-regression")
    settle(window)
    assert window.frame.settings.batch_size == 8 and window.frame.error is None
    assert window.frame.settings.landscape_key == key and window.frame.surface is made[key]


# -- theory, symmetry, cost ---------------------------------------------------------------------


def open_tab(window: MainWindow, index: int) -> None:
    tabs = window.lessons.tabs
    assert tabs.isTabVisible(index)
    tabs.setCurrentIndex(index)


def test_theory_panel_equals_the_engine_and_measures_the_predicted_rate(window: MainWindow, settle) -> None:
    choose(window, settle, "learning-rate-choice")
    lessons = window.lessons
    open_tab(window, lessons.theory_tab)
    th = lessons.theory
    lo, hi = 1.0, 10.0  # quadratic with kappa 10
    n = th.numbers
    assert (n.lam_min, n.lam_max) == (pytest.approx(lo, rel=1e-14), pytest.approx(hi, rel=1e-14))
    assert n.kappa == pytest.approx(theory.condition_number(lo, hi), rel=1e-13)
    assert n.limit == pytest.approx(theory.gd_stability_limit(hi), rel=1e-13)
    assert n.best_alpha == pytest.approx(theory.gd_best_alpha(lo, hi), rel=1e-13)
    assert n.best_rate == pytest.approx(theory.gd_best_rate(lo, hi), rel=1e-13)
    a, mu = theory.momentum_best(lo, hi)
    assert (n.momentum_alpha, n.momentum_mu) == (pytest.approx(a, rel=1e-13), pytest.approx(mu, rel=1e-13))
    assert n.momentum_rate == pytest.approx(theory.momentum_best_rate(lo, hi), rel=1e-13)
    assert th.values["limit"].text() == "0.2" and th.values["best_rate"].text() == "0.8182"
    # the run's rates: gd at 0.15 measured as predicted, gd at 0.21 diverged
    by_alpha = {m.label: m for m in th.rates}
    assert by_alpha["gd α=0.15"].measured == pytest.approx(theory.gd_rate(0.15, lo, hi), rel=0.01)
    assert by_alpha["gd α=0.21"].note == "diverged" and by_alpha["gd α=0.21"].predicted > 1

    # "Use best α" on the selected gd: its measured rate is (kappa - 1)/(kappa + 1) within 1%
    window.panel.select_optimizer("gd")
    th.best_alpha_button.click()
    settle(window)
    assert window.frame.settings.enabled[0].params["alpha"] == pytest.approx(2 / 11, rel=1e-12)
    gd = th.rates[0]
    assert gd.label.startswith("gd α=0.182")
    assert gd.measured == pytest.approx((10 - 1) / (10 + 1), rel=0.01)
    assert th.findChild(type(th.values["limit"]), "measured.0").text() == f"{gd.measured:.4g}"

    # "Use best α, μ" ticks the first momentum racer and sets Polyak's setting
    th.best_momentum_button.click()
    settle(window)
    s = window.frame.settings
    mom = next(e for e in s.enabled if e.name == "momentum")
    assert (mom.params["alpha"], mom.params["mu"]) == (pytest.approx(a), pytest.approx(mu))
    m = next(r for r in th.rates if r.label.startswith("momentum"))
    assert m.predicted == pytest.approx(theory.momentum_best_rate(lo, hi), rel=1e-6)
    # measured as the theory predicts (the repeated root's k divided out), and the panel says so
    assert m.how == "transient" and m.measured == pytest.approx(m.predicted, rel=0.01)
    assert "k·rᵏ" in th.measured_note.text()
    assert m.measured < gd.measured  # faster than the best gd, as theory says


def test_theory_for_the_quadratic_data_models(window: MainWindow, settle) -> None:
    choose(window, settle, "unscaled-inputs")
    open_tab(window, window.lessons.theory_tab)
    land = window.frame.landscape
    lo, hi = land.hessian_eigenvalues()
    n = window.lessons.theory.numbers
    assert n.kappa == pytest.approx(land.condition_number(), rel=1e-12)
    assert n.limit == pytest.approx(2 / hi, rel=1e-12)
    assert n.best_alpha == pytest.approx(2 / (lo + hi), rel=1e-12)
    # not a quadratic: no theory tab
    choose(window, settle, "four-basins")
    assert not window.lessons.tabs.isTabVisible(window.lessons.theory_tab)


def test_symmetry_panel_states_the_average_is_worse(window: MainWindow, settle) -> None:
    choose(window, settle, "permutation-symmetry")
    lessons = window.lessons
    open_tab(window, lessons.symmetry_tab)
    rep = window.frame.landscape.symmetry_report()
    assert rep.average_is_worse
    la, lb, lm = rep.losses
    text = lessons.symmetry.statement.text()
    assert f"loss(M) = {lm:.4g} &gt; {(la + lb) / 2:.4g} = average of the losses" in text
    assert "convex" in lessons.symmetry.because.text()
    assert lessons.symmetry.cells["M"][1].text() == f"{lm:.4g}"
    # the three points are marked on the plot, joined A - M - B
    dots, line, *labels = window.contour.mark_items
    want = np.array([rep.minima[0], rep.average, rep.minima[1]])
    np.testing.assert_allclose(np.c_[dots.data["x"], dots.data["y"]], want)
    np.testing.assert_allclose(np.array(line.getData()), want.T)
    assert [lab.textItem.toPlainText() for lab in labels] == ["A", "M = average", "B"]
    # another landscape: the tab and the marks go
    choose(window, settle, "four-basins")
    assert not lessons.tabs.isTabVisible(lessons.symmetry_tab)
    assert window.contour.mark_items == [] and window.contour.marks() == ((), False)


def test_cost_panel_for_newton(window: MainWindow, settle) -> None:
    lessons = window.lessons
    assert not lessons.tabs.isTabVisible(lessons.cost_tab)  # newton is not ticked at first
    window.panel.set_enabled("newton", True)
    settle(window)
    assert lessons.tabs.isTabVisible(lessons.cost_tab)
    window.panel.set_enabled("newton", False)
    settle(window)
    assert not lessons.tabs.isTabVisible(lessons.cost_tab)
    choose(window, settle, "newton-one-step")
    assert lessons.tabs.isTabVisible(lessons.cost_tab)
    rows = lessons.cost.rows
    assert [r[0] for r in rows] == ["2", "10³", "10⁶", "10⁹"]
    for r, n in zip(rows, COST_SIZES, strict=True):
        c = newton_cost(n)
        assert r[1] == fmt_count(c["hessian_numbers"]) and r[2] == fmt_bytes(c["hessian_bytes"])
    assert rows[2][1:3] == ("10¹²", "8 TB")  # a million weights
    window.panel.set_enabled("newton", False)  # still the Newton lesson: the panel stays
    settle(window)
    assert lessons.tabs.isTabVisible(lessons.cost_tab)


def test_apply_hyper_refuses_when_no_racer_takes_it(window: MainWindow, settle) -> None:
    choose(window, settle, "zero-one-loss")
    s = window.panel.settings  # no racer with mu left:
    window.panel.apply_settings(replace(s, optimizers=tuple(e for e in s.optimizers if "mu" not in e.params)))
    settle(window)
    window.panel.select_optimizer("gd")
    assert not window.panel.apply_hyper({"alpha": 0.1, "mu": 0.5}, "momentum")
    assert "no racer takes alpha, mu" in window.statusBar().currentMessage()
    assert not window.panel.apply_hyper({"alpha": 0.0}, "gd")  # the engine refuses it: so does the window
    assert "invalid alpha: 0" in window.statusBar().currentMessage()
    assert window.panel.settings.optimizers[0].params["alpha"] == 0.1
    assert window.panel.apply_hyper({"alpha": 50.0}, "gd")  # past the slider's end: taken, as the engine takes it
    assert window.panel.settings.optimizers[0].params["alpha"] == 50.0


def test_scenario_settings_give_each_copy_its_own_colour() -> None:
    s = scenario_settings(SCENARIOS["momentum-damping"])
    assert s.row_names()[:3] == ("gd", "momentum", "momentum #2")
    colors = [e.color for e in s.optimizers]
    assert colors[:2] == [OPTIMIZER_COLORS["gd"], OPTIMIZER_COLORS["momentum"]]  # their own, as always
    assert len(set(colors)) == len(colors)
    assert [e.enabled for e in s.optimizers].count(True) == 3


def test_lesson_text_is_reflowed() -> None:
    sc = SCENARIOS["learning-rate-choice"]
    paras = paragraphs(sc.explanation)
    assert len(paras) == 2 and "\n" not in paras[0]
    assert math.isclose(len(" ".join(paras)), len(" ".join(sc.explanation.split())), rel_tol=0.01)


def test_cost_panel_says_how_long_one_solve_takes(qtbot) -> None:
    from gui.theory_panel import CostPanel

    panel = CostPanel()
    qtbot.addWidget(panel)
    # n^3/3 operations at 10^12 a second: 1/3 ms, 3.9 days, 10.6 million years
    assert panel.times == ["333 µs", "3.86 days", "11 million years"]


def test_loss_axis_labels_a_range_under_two_decades() -> None:
    from gui.plots import log_ticks

    majors, _minors = log_ticks(math.log10(0.15), math.log10(2.5))
    labels = {text for _v, text in majors}
    assert {"0.2", "0.5", "1", "2"} <= labels  # a training loss from 2.5 to 0.15 gets four labels
    for v, text in majors:
        assert 10**v == pytest.approx(float(text), rel=1e-12)
    wide, _ = log_ticks(-12.0, 2.0)
    assert all(v == int(v) for v, _t in wide)  # many decades: decades only, as before


# -- training curves of runs that stop early -----------------------------------------------------


@pytest.mark.parametrize("name", ["zero-init-saddle", "zero-one-loss"])
def test_a_run_that_stops_at_step_0_shows_its_flat_line(window: MainWindow, settle, name: str) -> None:
    """One point is no curve, and a zero gradient has no place on a log axis: each such run
    is a dashed line held flat across both panes, the zero at the pane's floor, said so."""
    choose(window, settle, name)
    f, cv = window.frame, window.curves
    assert all(t.stop == 0 and t.loss_y.shape[0] == 1 for t in f.tracks)
    (_x0, _x1), (lo, hi) = cv.loss_plot.vb.viewRange()
    held = [pair for pair in cv.held if pair[0].isVisible()]
    assert len(held) == len(f.tracks)
    for (loss_item, grad_item), t in zip(held, f.tracks, strict=True):
        x, y = loss_item.getData()
        assert tuple(x) == (0.0, float(f.settings.steps))  # across the pane: nothing else to show
        assert tuple(y) == (t.loss_y[0], t.loss_y[0]) and lo < t.loss_y[0] < hi
        assert t.grad[0] == 0.0  # exactly: a log axis cannot show it ...
        _gx, gy = grad_item.getData()
        g_lo = cv.grad_plot.vb.viewRange()[1][0]
        assert g_lo > -10 and gy[0] == pytest.approx(cv._ranges[2][0])  # ... so at the floor, not at 1e-18
    assert cv.held_note.isVisible() and "stopped at step 0" in cv.held_note.toPlainText()
    assert cv.zero_note.isVisible() and "= 0" in cv.zero_note.toPlainText()
    if name == "zero-init-saddle":  # a run that moves has no held line
        window.panel.init_buttons.button(2).click()  # small random
        settle(window)
        assert all(t.stop > 0 for t in window.frame.tracks)
        assert not any(pair[0].isVisible() for pair in cv.held) and not cv.held_note.isVisible()


def test_the_step_axis_follows_the_runs(window: MainWindow, settle) -> None:
    """Racers that all stop by step ~70 fill the curve panes, not a sliver of 0-5000."""
    from gui.settings import OptimizerEntry, Settings

    racers = (
        OptimizerEntry("gd", (("alpha", 0.18),), OPTIMIZER_COLORS["gd"]),
        OptimizerEntry("momentum", (("alpha", 0.23), ("mu", 0.27)), OPTIMIZER_COLORS["momentum"]),
    )
    window.panel.apply_settings(Settings(landscape="quadratic", optimizers=racers, steps=5000))
    settle(window)
    last = max(t.stop for t in window.frame.tracks)
    assert last < 200
    x0, x1 = window.curves.loss_plot.vb.viewRange()[0]
    assert last <= x1 < 1.12 * last and x0 <= 0
