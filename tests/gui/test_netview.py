"""The network view's parts, before the window hosts them: the request and its result
(gui.netstate), the panes (gui.netview) and the controls (gui.netcontrols)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.network.setup import NetworkSetup
from gui.netstate import NetCache, NetSettings, compute_net_frame, shown_steps


@pytest.fixture(scope="module")
def small() -> NetSettings:
    return NetSettings(setup=NetworkSetup.from_fields({"data": "moons", "points": 120, "hidden": [6]}), steps=80)


def test_a_frame_holds_what_every_pane_draws(small):
    f = compute_net_frame(1, small)
    assert f.error is None and f.names == ("gd α=0.3", "momentum α=0.05 μ=0.9", "adam α=0.01")
    b = len(f.names)
    assert f.run.theta.shape == (b, 81, f.net.dim) and f.projected.shape == (b, 81, 2)
    assert f.metrics.val_acc.shape == (b, len(f.steps_shown)) and f.steps_shown[-1] == 80
    assert f.slice_loss.shape == (64, 64) and 0.0 < f.plane.captured <= 1.0
    assert f.fields.p.shape == (b, 64, 64) and np.all((f.fields.p >= 0) & (f.fields.p <= 1))
    # the start projects to the same point for every racer, and the PCA plane holds the paths
    assert np.allclose(f.projected[:, 0], f.projected[0, 0])


def test_an_alpha_change_reruns_one_racer_and_keeps_the_plane(small):
    cache = NetCache()
    f1 = compute_net_frame(1, small, cache)
    racers = list(small.racers)
    racers[0] = racers[0].with_hyper("alpha", 0.5)
    f2 = compute_net_frame(2, replace(small, racers=tuple(racers)), cache)
    assert f2.slice_loss is f1.slice_loss and np.array_equal(f2.plane.d1, f1.plane.d1)  # no jump
    assert np.array_equal(f2.run.theta[1:], f1.run.theta[1:]) and not np.array_equal(f2.run.theta[0], f1.run.theta[0])
    f3 = compute_net_frame(3, replace(small, racers=tuple(racers), plane_request=1), cache)  # asked for anew
    assert f3.slice_loss is not f1.slice_loss
    f4 = compute_net_frame(4, replace(small, plane="random", plane_seed=2), cache)
    assert f4.plane.kind == "random"
    f5 = compute_net_frame(5, replace(small, plane="ends"), cache)
    assert f5.plane.kind == "endpoints" and np.allclose(f5.projected[0, -1], (1.0, 0.0), atol=1e-9)


def test_a_bad_request_says_why(small):
    none = replace(small, racers=tuple(replace(e, enabled=False) for e in small.racers))
    assert "no optimizer selected" in compute_net_frame(1, none).error


def test_shown_steps_cover_the_run():
    assert list(shown_steps(10)) == list(range(11))
    s = shown_steps(5000)
    assert s[0] == 0 and s[-1] == 5000 and len(s) <= 302


def test_the_panes_draw_a_frame_and_any_step(qtbot, small):
    from gui.netview import NetworkView, boundary_lines

    f = compute_net_frame(1, small)
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_frame(f)
    view.show_step(None)
    for k in (0, 10, 80):
        view.show_step(k)
    x, y = view.slice.lines[0].getData()
    assert len(x) == 81 and np.allclose((x[-1], y[-1]), f.projected[0, -1])
    bx, _by = view.data.boundaries[2].getData()
    assert len(bx) > 10  # adam's boundary is on the picture
    assert len(view.units.images) == 1 and view.units.images[0].image.shape == (6, 3)  # 6 units x (2 inputs + bias)
    view.show_racer(2)
    view.show_step(None)
    assert "adam" in view.data.note.textItem.toPlainText()
    assert "step 80" in view.status.text()
    # the boundary of a field that is 0.5 on a line is that line
    g = np.linspace(-1, 1, 21)
    gx, _gy = np.meshgrid(g, g)
    lx, _ly = boundary_lines(g, g, 1 / (1 + np.exp(-5 * gx)))
    assert np.allclose(lx[np.isfinite(lx)], 0.0, atol=1e-9)


def test_the_controls_emit_checked_settings_and_refuse_bad_ones(qtbot):
    from gui.netcontrols import NetControlPanel

    panel = NetControlPanel()
    qtbot.addWidget(panel)
    got, refused = [], []
    panel.settingsChanged.connect(got.append)
    panel.refused.connect(refused.append)
    panel.hidden_edit.setText("16,x")
    panel.hidden_edit.editingFinished.emit()
    assert refused and "hidden widths" in refused[-1] and not got
    assert panel.hidden_edit.text() == "8,8"  # the last good value is shown again
    panel.hidden_edit.setText("16,16")
    panel.hidden_edit.editingFinished.emit()
    panel.data_combo.setCurrentText("spirals")
    panel.standardise.setChecked(True)
    assert [s.setup.net.hidden for s in got] == [(16, 16)] * 3
    assert got[-1].setup.data.name == "spirals" and got[-1].setup.data.standardise
    panel.racer_list.item(2).setCheckState(__import__("gui.netcontrols", fromlist=["pg_checked"]).pg_checked(True))
    assert [e.name for e in got[-1].enabled] == ["gd", "momentum", "nesterov", "adam"]


def test_the_readouts_compute_what_their_tab_shows(qtbot, small):
    from gui.netreports import ReportRequest, ReportsView, compute_reports

    f = compute_net_frame(7, small)
    r = compute_reports(ReportRequest(f, ("curvature", "symmetry", "layers")))
    assert r.generation == 7 and len(r.sharpness.racers) == len(f.names)
    assert r.ends.lam_max.shape == (len(f.names),) and len(r.end_kinds) == len(f.names)
    assert r.layers.shape == (len(f.names), len(f.steps_shown), 2)  # one hidden layer and the output
    s = r.symmetry.racers[2]
    assert s.permuted == pytest.approx(s.trained, rel=1e-12) and s.degenerate > s.trained  # not convex
    view = ReportsView()
    qtbot.addWidget(view)
    asked = []
    view.wanted.connect(asked.append)
    view.show()
    view.set_frame(f)
    assert asked[-1] == ("curvature",)
    view.show_reports(r)
    assert "at its end" in view.curv_note.text()
    view.setCurrentIndex(1)
    view.show_racer(2)
    assert "adam" in view.sym_note.text() and "not convex" in view.sym_note.text()
    a = compute_reports(ReportRequest(f, ("alignment",)))
    view.show_reports(a)
    x, _y = view.after.getData()
    assert len(x) == 25
    view.show_reports(compute_reports(ReportRequest(compute_net_frame(8, small), ("symmetry",))))  # another frame's
    assert "adam" in view.sym_note.text()  # ignored: not this frame's


def test_alpha_t_is_drawn_for_the_racers_on_a_schedule_only(qtbot, small):
    from gui.netview import NetCurves

    curves = NetCurves()
    qtbot.addWidget(curves)
    curves.set_frame(compute_net_frame(1, small))
    assert not curves.alpha.isVisible() and curves.alpha not in curves.ci.items  # no schedule: no pane
    racers = list(small.racers)
    i = next(i for i, e in enumerate(racers) if e.name == "adam")
    racers[i] = racers[i].with_schedule("step:20:0.5")  # adam (alpha 0.01), the third racer shown
    f = compute_net_frame(2, replace(small, racers=tuple(racers)))
    curves.set_frame(f)
    assert curves.alpha.isVisible() and curves.alpha in curves.ci.items
    shown = [c for c in curves.alpha_curves if c.isVisible()]
    assert len(shown) == 1
    x, y = shown[0].getData()
    # the staircase: step t uses 0.01 * 0.5 ** (t // 20), from point t to t + 1, over the 80 steps
    assert x[0] == 0 and x[-1] == 80
    start, end, value = x[0::2], x[1::2], y[0::2]  # each flat piece: from step start to end, alpha value
    assert np.array_equal(y[1::2], value) and np.all(end > start)
    assert np.allclose(value, 0.01 * 0.5 ** np.floor(start / 20)) and np.allclose(value[-1], 0.01 * 0.5**3)
    assert shown[0].opts["pen"].color().name() == curves.theme.racer(f.colors[2]).lower()
    curves.set_frame(compute_net_frame(3, small))  # the schedule taken away: the pane leaves
    assert not curves.alpha.isVisible() and curves.alpha not in curves.ci.items


@pytest.mark.parametrize("last", [62, 300, 2000, 5000])
def test_a_narrow_curve_pane_labels_a_step_past_0(qtbot, last):
    """Room for one label gap only: the gap is still within the steps shown (a pane 150
    pixels wide over 2000 steps was labelled "0" alone, its next label at 5000)."""
    import pyqtgraph as pg

    from gui.plots import fit_step_ticks, tick_spacing

    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    plot = w.addPlot()
    w.resize(190, 150)
    w.show()
    qtbot.waitExposed(w)
    plot.setXRange(0, last, padding=0.02)
    fit_step_ticks(plot, *plot.vb.viewRange()[0], 1.0)
    major = tick_spacing(plot.getAxis("bottom"))[0][0]
    assert 1 <= major <= last


def test_a_narrow_pane_shortens_its_title_and_notes_to_fit(qtbot, small):
    from gui.netview import NetworkView

    f = compute_net_frame(1, small)
    view = NetworkView(k=1.6)
    qtbot.addWidget(view)
    view.set_frame(f)
    view.show()
    for width, title, caption in ((1600, "loss on a weight plane", "of the paths' movement"), (560, "loss", "PCA: ")):
        view.resize(width, 900)
        qtbot.waitUntil(lambda w=width: abs(view.width() - w) < 2)
        qtbot.wait(50)
        view.show_step(None)
        pane = view.slice
        assert pane.title.startswith(title) and pane.plot.titleLabel.text == pane.title
        assert caption in pane.caption.toPlainText()
        # the plot is drawn within its pane: nothing cut at its right edge
        assert pane.plot.geometry().width() <= pane.width() + 0.5
        assert view.data.plot.geometry().width() <= view.data.width() + 0.5


def test_the_gradients_tab_shows_one_racer_or_every_racer(qtbot, small):
    """By default the shown racer's every layer; with the box ticked, every racer's first
    layer (dashed) and output layer (solid) in its colour, named in the legend; the note
    gives the first layer's gradient over the output layer's, at the start and the end."""
    from PySide6.QtCore import Qt

    from gui.netreports import ReportRequest, ReportsView, compute_reports

    f = compute_net_frame(3, small)
    r = compute_reports(ReportRequest(f, ("layers",)))
    g = r.layers  # (B, S, 2): one hidden layer and the output
    view = ReportsView()
    qtbot.addWidget(view)
    view.set_frame(f)
    view.show_racer(1)
    view.show_reports(r)
    view.setCurrentIndex(2)
    view.show()
    assert view.all_racers.isVisible() and not view.all_racers.isChecked()
    assert [lab.text for _s, lab in view.layer_legend.items] == ["layer 1", "layer 2 (output)"]
    assert len(view.layer_lines) == 2
    _x, y = view.layer_lines[0].getData()
    assert np.allclose(y, np.log10(g[1, :, 0]))  # the shown racer's, momentum
    note = view.layer_note.text()
    assert note.startswith(f.names[1]) and f"ratio {g[1, 0, 0] / g[1, 0, 1]:.3g}" in note
    assert f"at step 80 {g[1, -1, 0]:.3g}" in note
    view.all_racers.setChecked(True)
    assert [lab.text for _s, lab in view.layer_legend.items] == list(f.names)
    assert len(view.layer_lines) == 2 * len(f.names)
    for i, name in enumerate(f.names):
        first, out = view.layer_lines[2 * i], view.layer_lines[2 * i + 1]
        assert np.allclose(first.getData()[1], np.log10(g[i, :, 0]))
        assert np.allclose(out.getData()[1], np.log10(g[i, :, 1]))
        assert first.opts["pen"].style() == Qt.PenStyle.DashLine and out.opts["pen"].style() == Qt.PenStyle.SolidLine
        assert out.opts["pen"].color().name() == view.theme.racer(f.colors[i]).lower()
        start, end = g[i, 0, 0] / g[i, 0, 1], g[i, -1, 0] / g[i, -1, 1]
        assert view.layer_note.text().splitlines()[i] == f"{name}: ratio {start:.3g} at step 0, {end:.3g} at step 80"
    assert view.layer_plot.title.startswith("first")
    view.all_racers.setChecked(False)
    assert len(view.layer_lines) == 2 and view.layer_plot.title.startswith("gradient norm")


@pytest.mark.parametrize(("activation", "said"), [("tanh", "all 0, the 6 units identical"),
                                                  ("logistic", "the 6 units are identical")])
def test_the_hidden_units_say_what_colour_means_and_when_units_are_identical(qtbot, small, activation, said):
    """Each map has its colour scale beside it (the map's colours, its levels, labelled at
    both ends and 0); a zero start's blank maps say in their titles that their weights are
    all 0 and their units identical (tanh: nothing moves), a logistic zero start's that its
    units stay identical as their weights move; a random start's give the units' number."""
    from gui.netview import UnitsView

    fields = {"data": "moons", "points": 120, "hidden": [6, 6], "activation": activation, "init": "zeros"}
    f = compute_net_frame(1, replace(small, setup=NetworkSetup.from_fields(fields)))
    view = UnitsView()
    qtbot.addWidget(view)
    view.resize(1200, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(f)
    view.show_step(0)
    assert len(view.bars) == len(view.plots) == 2
    for j, (bar, img, p) in enumerate(zip(view.bars, view.images, view.plots, strict=True)):
        assert np.all(img.image == 0)
        assert view.titles[j] == f"layer {j + 1}: all 0, the 6 units identical" == p.titleLabel.text
        assert [text for _v, text in bar.axis._tickLevels[0]] == ["−", "0", "+"]  # no scale to give
        lut = bar.colorMap().getLookupTable(0.0, 1.0, 256)
        assert np.array_equal(lut, view.lut)  # the bar's colours are the map's
    view.show_step(None)
    assert view.titles == [f"layer {j}: {said}" for j in (1, 2)]
    w = f.run.theta[0, int(f.run.stop[0])]
    for (W, b), bar, img in zip(f.net.layout.unflatten(w)[:-1], view.bars, view.images, strict=True):
        big = float(np.max(np.abs(np.vstack([W, b]))))
        if big > 0:
            assert bar.levels() == pytest.approx((-big, big)) and tuple(img.levels) == pytest.approx((-big, big))
            assert [text for _v, text in bar.axis._tickLevels[0]] == [f"{-big:.2g}", "0", f"{big:.2g}"]
    assert activation == "tanh" or np.ptp(f.net.layout.unflatten(w)[0][0]) > 0  # (logistic: the weights moved)
    view.resize(420, 300)  # narrow: the shortest forms
    qtbot.waitUntil(lambda: view.titles == [view.forms[0][-1], view.forms[1][-1]])
    assert view.plots[0].titleLabel.text == view.forms[0][-1]
    # a random start: units all different
    view.resize(1200, 300)
    f2 = compute_net_frame(2, replace(small, setup=NetworkSetup.from_fields({**fields, "init": "glorot"})))
    view.set_frame(f2)
    view.show_step(None)
    qtbot.waitUntil(lambda: view.titles == ["layer 1: 6 units", "layer 2: 6 units"])
@pytest.fixture(scope="module")
def newton_lesson():
    """net-newton in the window and on the command line's path (engine.network.training)."""
    from engine.network.training import train
    from engine.scenarios import SCENARIO_DIR, load_scenarios
    from gui.netstate import scenario_net_settings

    scenario = load_scenarios(SCENARIO_DIR)[0]["net-newton"]
    s = scenario_net_settings(scenario)
    t = train(scenario.network, scenario.make_optimizers(), scenario.steps, batch_size=scenario.batch_size,
              seed=scenario.seed, tol=scenario.tol)
    return compute_net_frame(1, s), t


def _cli_numbers(t, i: int, k: int) -> str:
    """What the status line should say of racer ``i`` at step ``k`` (main.py train's formats)."""
    m = t.metrics
    return (f"step {k}, loss {t.run.loss[i, k]:.4g} (validation {m.val_loss[i, k]:.4g}), accuracy "
            f"{m.train_acc[i, k]:.1%} training, {m.val_acc[i, k]:.1%} validation")


def test_a_racer_that_stops_early_is_evaluated_at_every_step_and_its_end(newton_lesson):
    f, t = newton_lesson
    newton = f.names.index("newton α=1")
    assert f.run.stop[newton] == 7 < f.settings.steps
    evaluated = f.steps_shown[np.isfinite(f.metrics.val_loss[newton])]
    assert list(evaluated) == list(range(8))  # not just step 0 of the request's every-10 grid
    assert np.allclose(f.metrics.val_acc[newton, :8], t.metrics.val_acc[newton, :8], rtol=0, atol=0)
    for i in range(len(f.names)):  # every racer has its own last step
        end = f.run.finite_length(i) - 1
        assert np.isfinite(f.metrics.val_loss[i, np.searchsorted(f.steps_shown, end)])


def test_the_status_line_gives_the_numbers_of_the_step_it_names(qtbot, newton_lesson):
    from gui.netview import NetworkView

    f, t = newton_lesson
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_frame(f)
    view.show_step(None)
    lines = view.status.text().split("<br>")
    for i in range(len(f.names)):  # at the ends: what main.py train prints
        assert _cli_numbers(t, i, f.run.finite_length(i) - 1) in lines[i]
    assert "validation 0.2475), accuracy 89.4% training, 90.0% validation" in lines[2]
    view.show_step(145)  # not on adam's grid (every 7th step): evaluated at 145 itself
    assert 145 not in f.steps_shown
    lines = view.status.text().split("<br>")
    assert _cli_numbers(t, 1, 145) in lines[1] and _cli_numbers(t, 2, 7) in lines[2]


def test_newtons_curve_shows_each_of_its_steps(qtbot, newton_lesson):
    from gui.netview import NetCurves

    f, _t = newton_lesson
    curves = NetCurves()
    qtbot.addWidget(curves)
    curves.set_frame(f)
    curves.show_step(None)
    newton = f.names.index("newton α=1")
    x, y = curves.items[newton][2].getData()  # the gradient norm
    assert list(x) == list(range(8))
    # the lesson's quadratic convergence: 0.73, 0.013, 3.9e-6, 3.5e-13 over the last steps
    assert [float(f"{g:.2g}") for g in 10 ** y[-4:]] == [0.73, 0.013, 3.9e-6, 3.5e-13]


def test_damped_newton_is_labelled_apart_from_pure_newton():
    from engine.scenarios import SCENARIO_DIR, load_scenarios
    from gui.netstate import racer_labels, scenario_net_settings

    s = scenario_net_settings(load_scenarios(SCENARIO_DIR)[0]["net-newton-saddle"])
    assert racer_labels(s.enabled) == ("gd α=0.5", "newton α=1", "newton α=1 damping=1")
    twice = (s.enabled[1], s.enabled[1])  # copies alike are numbered
    assert racer_labels(twice) == ("newton α=1", "newton α=1 #2")


@pytest.mark.parametrize(("name", "words"), [
    ("net-newton", {"adam α=0.01": "stalled at a minimum", "newton α=1": "stalled at a minimum"}),
    ("net-zero-init", {"gd α=0.5": "degenerate", "adam α=0.01": "degenerate"}),
    ("net-newton-saddle", {"newton α=1": "stalled on a saddle"}),
])
def test_the_curvature_tab_judges_a_stalled_run_as_the_command_line_does(qtbot, name, words):
    from engine.scenarios import SCENARIO_DIR, load_scenarios
    from engine.verdicts import verdict
    from gui.netreports import ReportRequest, ReportsView, compute_reports
    from gui.netstate import scenario_net_settings

    f = compute_net_frame(1, scenario_net_settings(load_scenarios(SCENARIO_DIR)[0][name]))
    r = compute_reports(ReportRequest(f, ("curvature",)))
    view = ReportsView()
    qtbot.addWidget(view)
    view.set_frame(f)
    view.show_reports(r)
    notes = view.curv_note.text().split("\n")
    judged = {"flat": "plateau", "far": "small gradient"}
    for i, racer in enumerate(f.names):
        if racer in words:
            assert words[racer] in next(n for n in notes if n.startswith(racer + ": at its end"))
            assert judged.get(r.end_kinds[i], r.end_kinds[i]) == verdict(f.net, f.run.final, i).kind.value
        else:
            assert r.end_kinds[i] == "-"  # still moving
