"""Landscape > Custom formula: a formula judged as it is typed (off the GUI thread, the
latest text wins), examples that say what they show, a refused formula that changes
nothing, and a custom landscape that works in every view of the window as a built-in one."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

import main
from engine.landscapes import LANDSCAPES, make_landscape
from gui.dialogs import DEBOUNCE_MS, EXAMPLES, FormulaDialog
from gui.main_window import MainWindow
from gui.scene3d import relief_from_surface
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS

HIMMELBLAU = "(x^2+y-11)^2 + (x+y^2-7)^2"


def judged(dlg: FormulaDialog, qtbot, state: str | None = None, timeout: int = 5000) -> str:
    """Wait for the dialog's verdict on its current text (``state``: the one expected)."""
    qtbot.waitUntil(lambda: dlg.state != "checking" and (state is None or dlg.state == state), timeout=timeout)
    return dlg.state


def ok_enabled(dlg: FormulaDialog) -> bool:
    return dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda ex: ex.title)
def test_each_example_has_the_critical_points_its_note_names(ex) -> None:
    a, b, c, d = ex.view
    land = make_landscape("custom", formula=ex.formula, xmin=a, xmax=b, ymin=c, ymax=d)
    kinds = Counter(cp.kind for cp in land.critical_points)
    assert (kinds["minimum"], kinds["saddle"], kinds["maximum"]) == ex.kinds
    words = {1: "one", 2: "two", 4: "four", 6: "six", 25: "25"}
    assert words[ex.kinds[0]] in ex.note.lower()  # the note says how many minima


def test_the_ravine_and_plateau_notes_hold() -> None:
    """The numbers the notes teach: the ravine's curvatures, the plateau's gradient."""
    rav = next(ex for ex in EXAMPLES if "ravine" in ex.title)
    land = make_landscape("custom", formula=rav.formula)
    assert np.allclose(np.linalg.eigvalsh(land.hessian(np.zeros((1, 2)))[0]), [0.2, 20.0])
    plat = next(ex for ex in EXAMPLES if "plateau" in ex.title)
    land = make_landscape("custom", formula=plat.formula, xmin=-5, xmax=5, ymin=-5, ymax=5)
    t = np.linspace(0, 2 * np.pi, 50)
    for r in (4.0, 4.5, 5.0):
        g = land.grad(np.column_stack([r * np.cos(t), r * np.sin(t)]))
        assert np.linalg.norm(g, axis=1).max() < 0.002


def test_typing_is_judged_live_and_only_a_good_formula_applies(window: MainWindow, qtbot, settle) -> None:
    before = window.panel.settings
    dlg = window.experiments.open_formula()
    assert judged(dlg, qtbot) == "good" and ok_enabled(dlg)  # the default formula
    generation = window.simulator.generation
    for bad, reason in (("z^2", "unknown name 'z'"), ("x.real", "attribute access"), ("(x^2+y", "never closed"),
                        ("2^2^2^2", "tower"), ("__import__('os')", "not a known function"), ("1/0", "finite")):
        dlg.text.setText(bad)
        assert dlg.state == "checking" and not ok_enabled(dlg)  # never green before the check
        judged(dlg, qtbot, "bad")
        assert reason in dlg.reason and dlg.status.text() == f"✕ {dlg.reason}"
        assert "\n" not in dlg.reason and dlg.text.property("invalid") is True
        assert not ok_enabled(dlg) and not dlg.apply()
        assert "still shown: the last formula that passed" in dlg.caption.text()
    assert window.panel.settings is before and window.simulator.generation == generation  # nothing changed
    dlg.set_formula(HIMMELBLAU, (-6.0, 6.0, -6.0, 6.0))
    judged(dlg, qtbot, "good")
    assert dlg.status.text() == "✓ 4 minima, 4 saddles, 1 maximum in view"
    assert dlg.text.property("state") == "good" and dlg.text.property("invalid") is False
    assert Counter(cp.kind for cp in dlg.preview.surface.critical) == {"minimum": 4, "saddle": 4, "maximum": 1}
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    settle(window)
    land = window.frame.landscape
    assert land.name == "custom" and land.formula == HIMMELBLAU and land.view == ((-6.0, 6.0), (-6.0, 6.0))
    assert window.panel.landscape_combo.currentText() == "custom"
    assert window.panel.params.widgets["formula"].text() == HIMMELBLAU
    assert window.experiments.formula_dialog is None  # closed (and deleted)


def test_a_burst_of_keys_makes_one_check_and_the_latest_text_wins(window: MainWindow, qtbot) -> None:
    dlg = window.experiments.open_formula()
    judged(dlg, qtbot)
    runs = dlg.runner.jobs_run
    dlg.text.clear()
    QTest.keyClicks(dlg.text, HIMMELBLAU)  # one key at a time, faster than the pause that starts a check
    judged(dlg, qtbot, "good")
    assert dlg.result.spec.formula == HIMMELBLAU
    assert dlg.runner.jobs_run - runs <= 2  # not one per key
    dlg.text.setText("x^2 + y^2")
    dlg.text.setText("x^2 + 3*y^2")  # superseded before its check ends: only the latest shows
    judged(dlg, qtbot, "good")
    assert dlg.result.spec.formula == "x^2 + 3*y^2"
    dlg.reject()  # closing stops the checker (the test fails if a thread is left running)
    assert not dlg.runner.is_running()


def test_the_view_box_is_checked_too(window: MainWindow, qtbot, settle) -> None:
    dlg = window.experiments.open_formula()
    judged(dlg, qtbot, "good")
    dlg.view_boxes["xmax"].setValue(-5.0)
    dlg._edited()
    judged(dlg, qtbot, "bad")
    assert "xmin < xmax" in dlg.reason and not ok_enabled(dlg)
    dlg.view_boxes["xmax"].setValue(5.0)
    dlg._edited()
    judged(dlg, qtbot, "good")
    assert dlg.apply()
    settle(window)
    assert window.frame.landscape.view[0] == (-3.0, 5.0)
    dlg.reject()


def test_an_example_fills_the_formula_and_the_view(window: MainWindow, qtbot) -> None:
    dlg = window.experiments.open_formula()
    i = next(i for i, ex in enumerate(EXAMPLES) if "Six-hump" in ex.title)
    dlg.examples.setCurrentIndex(i + 1)
    dlg.examples.activated.emit(i + 1)
    judged(dlg, qtbot, "good")
    assert dlg.text.text() == EXAMPLES[i].formula and dlg.spec().view == EXAMPLES[i].view
    assert dlg.note.text() == EXAMPLES[i].note
    assert dlg.status.text() == "✓ 6 minima, 7 saddles, 2 maxima in view"
    dlg.reject()


# offscreen: the dialog asked for again is raised, which that platform cannot do
@pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS, r"This plugin does not support raise\(\)")
def test_the_landscape_menu_lists_every_landscape_and_the_formula(window: MainWindow, settle) -> None:
    ex = window.experiments
    ex.landscape_menu.aboutToShow.emit()
    names = [a.text() for a in ex.landscape_group.actions()]
    assert names == [n for n in LANDSCAPES if n != "custom"]
    assert ex.custom_action in ex.landscape_menu.actions()
    checked = [a.text() for a in ex.landscape_group.actions() if a.isChecked()]
    assert checked == [window.panel.settings.landscape]
    next(a for a in ex.landscape_group.actions() if a.text() == "himmelblau").trigger()
    settle(window)
    assert window.frame.landscape.name == "himmelblau" and window.panel.landscape_combo.currentText() == "himmelblau"
    # the "…" beside the formula box opens the same dialog, on the formula shown
    window.panel.landscape_combo.setCurrentText("custom")
    settle(window)
    window.panel.params.findChild(object, "param.formula.dialog").click()
    dlg = ex.formula_dialog
    assert dlg is not None and dlg.text.text() == window.frame.landscape.formula
    assert ex.open_formula() is dlg  # one dialog at a time
    dlg.reject()


def test_a_custom_landscape_works_in_every_view(window: MainWindow, qtbot, settle, tmp_path: Path, capsys) -> None:
    """Contour, 3D relief, basin map, curvature readouts, figure and CSV exports, sessions and
    the command line's run of a session: a formula is a landscape like any other."""
    dlg = window.experiments.open_formula()
    dlg.set_formula(HIMMELBLAU, (-6.0, 6.0, -6.0, 6.0))
    judged(dlg, qtbot, "good")
    dlg.accept()
    settle(window)
    window.panel.set_start(-0.5, 4.8)
    settle(window)
    f = window.frame
    # contour: its critical points drawn
    stars = window.contour.critical["minimum"].data
    assert len(stars) == 4
    # 3D relief from the same surface
    relief = relief_from_surface(f.surface)
    assert np.isfinite(relief.loss).all() and sum(k == "minimum" for *_xy, k in relief.critical) == 4
    # curvature readouts at the heads: a minimum where a racer converged to one
    ro = window.readouts
    good = [i for i, t in enumerate(f.tracks) if t.verdict.good]
    assert good
    lowest = np.linalg.eigvalsh(f.landscape.hessian(np.array([f.tracks[i].xy[-1] for i in good])))[:, 0]

    def read_at_the_heads() -> bool:  # (throttled: the pane may still show the last start's heads)
        got = ro.head_readings
        return all(i < len(got) and got[i].label == "minimum"
                   and float(got[i].lam1.replace("−", "-")) == pytest.approx(lam, rel=1e-2)
                   for i, lam in zip(good, lowest, strict=True))

    qtbot.waitUntil(read_at_the_heads, timeout=3000)
    # basin map of the selected racer: four basins
    an = window.analysis
    an.basins_action.setChecked(True)
    qtbot.waitUntil(lambda: an.overlay.result is not None and an.overlay.result.plan.final, timeout=30000)
    shares = an.overlay.result.map.shares()
    assert {"0", "1", "2", "3"} <= set(shares) and an.overlay.result.landscape.startswith("custom")
    an.basins_action.setChecked(False)
    # exports
    assert window.export_figure(tmp_path / "fig.png") and (tmp_path / "fig.png").stat().st_size > 10_000
    assert window.export_csv(tmp_path / "window.csv")
    # a session keeps the formula, and the command line runs it as the window shows it
    assert window.files.save_session(tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["landscape"] == "custom" and data["params"]["formula"] == HIMMELBLAU
    assert main.main(["run", "--session", str(tmp_path / "s.json"), "--csv", str(tmp_path / "cli.csv")]) == 0
    capsys.readouterr()
    assert (tmp_path / "cli.csv").read_text() == (tmp_path / "window.csv").read_text()


def test_closing_the_window_mid_check_exits_cleanly(qtbot) -> None:
    from tests.gui.conftest import open_window

    w = open_window(qtbot)
    dlg = w.experiments.open_formula()
    dlg.text.setText("(" * 30 + "x" + "+1)^2" * 30)  # half a second of sympy
    qtbot.wait(DEBOUNCE_MS + 20)  # its check under way
    runner = dlg.runner
    w.close()  # the thread check after the test fails if the checker is left running
    assert not runner.is_running() and w.experiments.formula_dialog is None
