"""A formula of your own in the window: typed, judged, refused with a reason, or drawn."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from gui.main_window import MainWindow


def type_formula(window: MainWindow, text: str) -> QLineEdit:
    box = window.panel.params.widgets["formula"]
    assert isinstance(box, QLineEdit)
    box.setText(text)
    box.editingFinished.emit()
    return box


def test_a_formula_becomes_the_landscape_and_a_bad_one_is_refused(window: MainWindow, settle) -> None:
    window.panel.landscape_combo.setCurrentText("custom")
    settle(window)
    assert window.frame.landscape.name == "custom"
    box = type_formula(window, "(1-x)^2 + 100*(y-x^2)^2")
    settle(window)
    assert window.frame.landscape.formula == "(1-x)^2 + 100*(y-x^2)^2"
    assert [cp.kind for cp in window.frame.landscape.critical_points] == ["minimum"]
    generation = window.simulator.generation
    for bad, reason in (("x.real", "attribute access"), ("__import__('os')", "not a known function"),
                        ("z^2", "unknown name 'z'"), ("2^2^2^2^2", "tower")):
        type_formula(window, bad)
        assert box.property("invalid") is True
        assert reason in window.statusBar().currentMessage() and reason in box.toolTip()
        assert window.simulator.generation == generation  # nothing was recomputed
        assert dict(window.panel.settings.params)["formula"] == "(1-x)^2 + 100*(y-x^2)^2"
    type_formula(window, "x^2 + 3*y^2")  # a good one clears the refusal
    settle(window)
    assert box.property("invalid") is False
    assert window.frame.landscape.formula == "x^2 + 3*y^2"
