"""Controls: refusals with a reason, widgets generated from the engine's parameter lists."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox

from engine.landscapes import Param
from engine.optimizers import HYPER, OPTIMIZERS
from engine.scenarios import SCENARIO_DIR
from gui.controls import SCHEDULE_USES, ParamEditor
from gui.main_window import MainWindow
from gui.widgets import NumberBox


def type_into(box: NumberBox, text: str) -> None:
    box.lineEdit().setText(text)
    box.editingFinished.emit()


@pytest.mark.parametrize(
    ("text", "reason"),
    [("1e400", "alpha"), ("0", "alpha"), ("-1", "alpha"), ("abc", "not a number"), ("nan", "alpha"),
     ("", "not a number"),
     # the command line's rule (engine.validate.parse_float): Python's float() takes these
     ("０.００２", "not a number"), ("1_0e-3", "not a number"), ("٠.٠٠٢", "not a number")],
)
def test_typed_bad_alpha_is_refused_and_the_old_value_kept(
    window: MainWindow, qtbot, text: str, reason: str
) -> None:
    editor = window.panel.editor("gd").editors["alpha"]
    generation = window.simulator.generation
    type_into(editor.box, text)
    assert editor.value() == 0.001
    assert editor.box.lineEdit().text() == "0.001"
    assert reason in editor.box.reason
    assert reason in editor.box.toolTip()
    assert reason in window.statusBar().currentMessage()
    assert editor.box.property("invalid") is True
    assert window.simulator.generation == generation  # nothing was recomputed
    assert window.panel.settings.optimizers[0].params["alpha"] == 0.001
    type_into(editor.box, "0.002")  # a good value clears the refusal
    assert editor.value() == 0.002 and editor.box.reason == ""
    assert editor.slider.to_value(editor.slider.value()) == pytest.approx(0.002, rel=0.02)


def test_mu_refuses_one(window: MainWindow) -> None:
    window.panel.select_optimizer("momentum")
    mu = window.panel.editor("momentum").editors["mu"]
    type_into(mu.box, "1")
    assert mu.value() == 0.9
    assert "mu" in mu.box.reason


def test_steps_must_be_a_whole_number(window: MainWindow) -> None:
    box = window.panel.steps_box
    type_into(box, "12.5")
    assert box.value() == 1000 and "whole" in box.reason
    for text in ("２０００", "2_000"):  # int() takes both; the command line refuses them
        type_into(box, text)
        assert box.value() == 1000 and "invalid steps" in box.reason
    type_into(box, "0")
    assert box.value() == 1000 and "steps" in box.reason
    type_into(box, "2e3")  # a whole number written with an exponent is one
    assert box.value() == 2000


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_hyperparameter_rows_come_from_the_registry(window: MainWindow, name: str) -> None:
    """Each row's label, tooltip and range are the registry's (HYPER): symbol, help, lo/hi."""
    from PySide6.QtWidgets import QFormLayout, QLabel

    editor = window.panel.editor(name)
    form: QFormLayout = editor.layout()
    assert list(editor.editors) == [hp.name for hp in OPTIMIZERS[name].hyper]
    for hp in OPTIMIZERS[name].hyper:
        w = editor.editors[hp.name]
        label: QLabel = form.labelForField(w)
        assert label.text() == f"{HYPER[hp.name].symbol}  {hp.name}" and label.toolTip() == HYPER[hp.name].help
        box = w.box if hasattr(w, "box") else w
        assert (box._lo, box._hi, box._log) == (HYPER[hp.name].lo, HYPER[hp.name].hi, HYPER[hp.name].log)


def test_each_optimizer_gets_its_own_hyperparameters(window: MainWindow, settle) -> None:
    adam = window.panel.editor("adam")
    assert set(adam.editors) == {"alpha", "beta1", "beta2", "eps"}
    type_into(adam.editors["alpha"].box, "0.2")
    settle(window)
    params = {e.name: e.params["alpha"] for e in window.frame.settings.optimizers}
    assert params["adam"] == 0.2 and params["gd"] == 0.001
    labels = [t.label for t in window.frame.tracks]
    assert "adam α=0.2" in labels and "gd α=0.001" in labels


def test_landscape_params_are_generated(window: MainWindow, settle) -> None:
    window.panel.landscape_combo.setCurrentText("quadratic")
    settle(window)
    widgets = window.panel.params.widgets
    assert set(widgets) == {"kappa", "angle"}
    type_into(widgets["kappa"], "50")
    settle(window)
    assert dict(window.frame.settings.params)["kappa"] == 50
    assert window.frame.landscape.values["kappa"] == 50
    type_into(widgets["angle"], "400")
    assert "angle" in widgets["angle"].reason
    assert dict(window.panel.settings.params)["angle"] == 0


def test_categorical_param_gets_a_combo_box(qtbot) -> None:
    editor = ParamEditor()
    qtbot.addWidget(editor)
    params = (
        Param("activation", "tanh", choices=("tanh", "logistic", "relu")),
        Param("hidden", 2, 1, 8, integer=True),
        Param("noise", 0.1, 0.0, 1.0),
    )
    editor.build(params, {p.name: p.default for p in params})
    combo = editor.widgets["activation"]
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["tanh", "logistic", "relu"]
    seen = []
    editor.changed.connect(seen.append)
    combo.setCurrentText("relu")
    assert dict(seen[-1])["activation"] == "relu"
    hidden = editor.widgets["hidden"]
    type_into(hidden, "2.5")
    assert "whole" in hidden.reason
    type_into(hidden, "4")
    assert dict(seen[-1])["hidden"] == 4


def test_every_landscape_draws(window: MainWindow, settle) -> None:
    for i in range(window.panel.landscape_combo.count()):
        window.panel.landscape_combo.setCurrentIndex(i)
        settle(window)
        f = window.frame
        assert f.error is None
        assert f.landscape.name == window.panel.landscape_combo.currentText()
        assert window.contour.surface is f.surface
        assert len(window.contour.curves) == len(f.tracks) == 4


def test_the_start_has_one_owner_the_landscape(window: MainWindow, settle) -> None:
    """The window, a fresh Settings and the command line all start where the landscape
    says (``Landscape.default_start``), for every registered landscape."""
    import main
    from engine.landscapes import LANDSCAPES
    from gui.settings import Settings

    for name, cls in LANDSCAPES.items():
        own = tuple(float(c) for c in cls().default_start)
        assert Settings(landscape=name).init.point == own
        args = main.build_parser().parse_args(["run", "--landscape", name, "--optimizer", "gd", "--steps", "1"])
        assert tuple(main.Problem(args).start) == own
        window.panel.landscape_combo.setCurrentText(name)
        settle(window)
        assert window.panel.settings.init.point == own, name
        assert tuple(window.frame.tracks[0].xy[0]) == own
        assert (window.panel.x_box.value(), window.panel.y_box.value()) == own


# -- the engine's range, not the slider's -----------------------------------------------------

SHIPPED = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def _held_values_pass_their_checks(panel, editors, where: str) -> None:
    """Every number box of ``panel`` in use, and each racer editor's, takes the value it
    shows, as it would when a person presses Return in it or clicks away (its check runs
    again). (An editor just made is not visible yet: its boxes are listed by what it edits.)"""
    boxes = [b for b in panel.findChildren(NumberBox) if b.isVisibleTo(panel) and b.isEnabled()]
    for ed in editors:
        boxes += [w.box if hasattr(w, "box") else w for w in ed.editors.values()]
        if hasattr(ed, "schedule_combo"):
            boxes += [ed.schedule_boxes[k] for k in SCHEDULE_USES.get(ed.schedule_combo.currentText(), ())]
    for box in boxes:
        try:
            box._check(box.value())
        except ValueError as exc:
            pytest.fail(f"{where}: {box.objectName() or box.name} refuses its own value: {exc}")


def test_every_scenario_loads_into_the_window_without_a_refusal(window: MainWindow) -> None:
    """Both views: each shipped scenario's values are shown and every box takes what it
    shows; each racer's hyperparameters lie on their sliders (a lesson's alpha is on the scale)."""
    refusals: list[str] = []
    window.panel.refused.connect(refusals.append)
    window.net.refused.connect(refusals.append)
    for name in SHIPPED:
        assert window.lessons.choose(name)
        sc = window.lessons.current
        if sc.is_network:
            panel = window.net.panel
            editors = []
            for i in range(panel.racer_list.count()):
                panel.racer_list.setCurrentRow(i)
                editors.append(panel.editor)
                _held_values_pass_their_checks(panel, [panel.editor], f"{name}, racer {i}")
        else:
            panel = window.panel
            editors = panel.opt_editors
            _held_values_pass_their_checks(panel, editors, name)
        assert refusals == [], name
        for racer, (opt, hyper) in zip(editors, sc.optimizers, strict=False):
            assert racer.entry.name == opt
            for key, value in hyper.items():
                w = racer.editors[key]
                assert w.value() == value, (name, opt, key)
                if hasattr(w, "slider"):
                    assert w.slider.lo <= value <= w.slider.hi, f"{name}: {opt} {key}={value} is off its slider"


def test_alpha_takes_what_the_engine_takes_beyond_the_slider(window: MainWindow, qtbot) -> None:
    """The net-sharpness lesson's alpha 16, and its "what to try" (12): taken in the window as
    on the command line; leaving the box after a refusal keeps 16 without a word."""
    window.lessons.choose("net-sharpness")
    panel = window.net.panel
    panel.racer_list.setCurrentRow(2)
    alpha = panel.editor.editors["alpha"]
    assert alpha.value() == 16.0
    type_into(alpha.box, "12")
    assert alpha.box.reason == "" and panel.settings.racers[2].params["alpha"] == 12.0
    type_into(alpha.box, "abc")  # refused: the box turns red and says why
    assert "not a number" in alpha.box.reason and alpha.value() == 12.0
    type_into(alpha.box, "12")  # leaving it with its own value: checked again, and taken
    assert alpha.box.reason == "" and alpha.box.property("invalid") is False
    type_into(alpha.box, "1e308")  # a run that overflows at once: the engine takes it, so the box does
    assert panel.settings.racers[2].params["alpha"] == 1e308
    assert alpha.slider.value() == alpha.slider.maximum()  # the slider at its end
    alpha.box.stepBy(1)  # the arrows do not carry it further out, nor snap it back to the slider
    assert alpha.value() == 1e308
    alpha.box.stepBy(-10)
    assert alpha.value() == pytest.approx(1e307)
    type_into(alpha.box, "0")
    assert "invalid alpha: 0" in alpha.box.reason and "must be > 0" in window.statusBar().currentMessage()


@pytest.mark.parametrize(("name", "key", "value"), [("momentum", "mu", "0.999999"), ("adam", "eps", "1e-300"),
                                                     ("adam", "beta2", "0.999999"), ("newton", "damping", "1e300")])
def test_every_hyperparameter_box_takes_the_engines_range(window: MainWindow, name: str, key: str, value: str) -> None:
    window.panel.select_optimizer(name)
    w = window.panel.editor(name).editors[key]
    box = w.box if hasattr(w, "box") else w
    type_into(box, value)
    assert box.reason == "" and w.value() == float(value)
    assert window.panel.settings.optimizers[[e.name for e in window.panel.settings.optimizers].index(name)].params[
        key] == float(value)
