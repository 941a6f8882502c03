"""Scenarios of your own in the window: Basin's folder, the user's and a chosen one are read
(the chosen one remembered), a broken file anywhere is listed with its path and field and
stops nothing, and Scenarios > Save as scenario writes the window's state as a file that
loads back to the same settings."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from engine.inits import Init
from engine.landscapes import make_landscape
from engine.scenarios import SCENARIO_DIR, load_scenario, user_scenario_dir
from engine.schedules import parse_schedule
from gui.main_window import MainWindow
from gui.prefs import Prefs
from gui.scenario_writer import ScenarioText, build_scenario, scenario_data, scenario_notes, slug
from gui.settings import OptimizerEntry, Settings, scenario_settings
from tests.gui.conftest import open_window


@pytest.fixture(autouse=True)
def _own_user_folder(tmp_path_factory, monkeypatch):
    """The user's scenario folder of this test alone (platformdirs reads XDG_CONFIG_HOME)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    yield


def course_folder(tmp_path: Path) -> Path:
    """A course's folder: one good scenario, one broken (a list where the idea's name goes)."""
    folder = tmp_path / "course"
    folder.mkdir()
    text = (SCENARIO_DIR / "four-basins.toml").read_text(encoding="utf-8")
    (folder / "course-basins.toml").write_text(text, encoding="utf-8")
    (folder / "broken.toml").write_text(text.replace('idea = "local-minima"', 'idea = ["local-minima"]'),
                                        encoding="utf-8")
    return folder


def test_a_chosen_folder_is_read_remembered_and_its_broken_files_listed(qtbot, tmp_path: Path) -> None:
    folder = course_folder(tmp_path)
    user = user_scenario_dir()
    user.mkdir(parents=True)
    (user / "mine.toml").write_text("title = [unclosed\n", encoding="utf-8")
    w = open_window(qtbot)
    try:
        builtin = len(w.lessons.names())
        w.experiments.set_folder(folder)
        lessons = w.lessons
        assert lessons.folders() == [SCENARIO_DIR, user, folder]
        assert "course-basins" in lessons.names() and len(lessons.names()) == builtin + 1
        # each broken file: its whole path and the field at fault, the others all loaded
        assert len(lessons.errors) == 2
        assert any(e.startswith(str(folder / "broken.toml")) and "field 'idea'" in e for e in lessons.errors)
        assert any(e.startswith(str(user / "mine.toml")) and "TOML" in e for e in lessons.errors)
        details = lessons.errors_text()
        assert str(folder / "broken.toml") in details and str(folder) in details.split("Folders read")[1]
        assert "2 scenario files could not be read" in lessons.error_note.text()
        assert str(folder / "course-basins.toml") in lessons.picker.itemData(
            lessons.picker.findData("course-basins"), 0x03)  # its tooltip says where it is
        assert lessons.choose("course-basins")
        # the menu: open, save, reload, and the way to stop reading the folder
        menu = [a.text() for a in lessons.menu.actions()]
        assert "Open scenario &folder…" in menu and "&Save as scenario…" in menu
        assert f"Stop reading {folder}" in menu and "Reload scenario files" in menu
        lessons.reload()
        lessons.reload()  # (the menu refilled twice: its actions survive)
        assert f"Stop reading {folder}" in [a.text() for a in lessons.menu.actions()]
    finally:
        w.close()
    again = open_window(qtbot, prefs=Prefs())  # the next launch reads it too
    try:
        assert again.lessons.chosen == folder and "course-basins" in again.lessons.names()
        again.experiments.forget_action.trigger()
        assert again.lessons.chosen is None and "course-basins" not in again.lessons.names()
        assert Prefs().scenario_folder is None
    finally:
        again.close()


def test_a_missing_chosen_folder_is_said_not_fatal(qtbot, tmp_path: Path) -> None:
    Prefs().scenario_folder = tmp_path / "gone"
    w = open_window(qtbot, prefs=Prefs())
    try:
        assert any("gone: scenario folder not found" in e for e in w.lessons.errors)
        assert len(w.lessons.names()) > 10  # Basin's own are all there
    finally:
        w.close()


def save_dialog(window: MainWindow, title: str = "Himmelblau, slowly: a \"quoted\" test",
                idea: str = "learning-rate"):
    dlg = window.experiments.open_save_dialog()
    dlg.title.setText(title)
    dlg.idea.setCurrentIndex(dlg.idea.findData(idea))
    dlg.summary.setText("gd with a step decay against momentum on a cosine")
    dlg.explanation.setPlainText("First paragraph, with ''' and \\ and \"\"\" inside.\n\nSecond paragraph.")
    dlg.tries.setPlainText("Try a constant alpha.\n\n  Try exp:0.99.  \n")
    return dlg


MINE = Settings(
    "custom", (("formula", "(x^2+y-11)^2 + (x+y^2-7)^2"), ("xmin", -6.0), ("xmax", 6.0), ("ymin", -6.0),
               ("ymax", 6.0)),
    (
        OptimizerEntry("gd", (("alpha", 0.01),), "#0072b2", True, parse_schedule("step:50:0.5")),
        OptimizerEntry("momentum", (("alpha", 0.005), ("mu", 0.8)), "#d55e00", True, parse_schedule("cosine")),
        OptimizerEntry("adam", (("alpha", 0.05), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8)), "#aa3377", True,
                       parse_schedule("warmup:20")),
        *(OptimizerEntry.default(n, enabled=False) for n in ("nesterov", "rmsprop", "adagrad", "newton")),
    ),
    Init("point", (-0.5, 4.8)), 400, 1e-8,
)


def test_save_reload_apply_gives_the_same_settings(window: MainWindow, qtbot, settle) -> None:
    window.panel.apply_settings(MINE)
    settle(window)
    settings = window.panel.settings
    dlg = save_dialog(window)
    assert dlg.name.text() == "himmelblau-slowly-a-quoted-test"
    assert dlg.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled(), dlg.status.text()
    path = user_scenario_dir() / "himmelblau-slowly-a-quoted-test.toml"
    assert str(path) in dlg.status.text()
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert path.is_file()
    # it loads, with every text as typed, and is the current lesson in the picker
    sc = load_scenario(path)
    assert sc.title == 'Himmelblau, slowly: a "quoted" test' and sc.idea == "learning-rate"
    assert sc.explanation == "First paragraph, with ''' and \\ and \"\"\" inside.\n\nSecond paragraph."
    assert sc.try_this == ("Try a constant alpha.", "Try exp:0.99.")
    assert window.lessons.current.name == sc.name and sc.name in window.lessons.names()
    assert window.lessons.picker.currentData() == sc.name
    # laid out as Basin's own files: texts, then [params], then one [[optimizers]] per racer
    text = path.read_text(encoding="utf-8")
    assert text.index("[params]") < text.index("[[optimizers]]") and text.count("[[optimizers]]") == 3
    # applying it gives the window's settings back (the ticked racers, in order, schedules too)
    window.lessons.choose(None)
    window.panel.apply_settings(Settings())
    settle(window)
    assert window.lessons.choose(sc.name)
    settle(window)
    assert window.panel.settings == settings
    assert [e.schedule.spec() for e in window.panel.settings.enabled] == ["step:50:0.5", "cosine", "warmup:20"]


def test_a_name_that_exists_asks_before_overwriting(window: MainWindow, monkeypatch) -> None:
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a: (asked.append(text), answer[0])[1])
    dlg = save_dialog(window, "Mine")
    path = dlg.save()
    assert path is not None and path.name == "mine.toml" and not asked
    first = path.read_text(encoding="utf-8")
    dlg.summary.setText("another summary")
    assert "it exists" in dlg.status.text()
    assert dlg.save() is None and len(asked) == 1 and str(path) in asked[0]
    assert path.read_text(encoding="utf-8") == first  # "No": untouched
    answer[0] = QMessageBox.StandardButton.Yes
    assert dlg.save() == path and "another summary" in path.read_text(encoding="utf-8")
    dlg.reject()


def test_what_cannot_be_saved_says_why(window: MainWindow, tmp_path: Path) -> None:
    dlg = save_dialog(window)
    save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
    for field, value, reason in ((dlg.title, "", "title: empty"), (dlg.summary, "  ", "summary: empty"),
                                 (dlg.name, "four-basins", "is taken by Basin's own scenario"),
                                 (dlg.name, "Bad Name!", "file name: use small letters")):
        old = field.text()
        field.setText(value)
        assert not save.isEnabled() and reason in dlg.status.text() and "\n" not in dlg.status.text()
        assert dlg.save() is None
        field.setText(old)
    dlg.tries.setPlainText("  \n")
    assert not save.isEnabled() and "things to try" in dlg.status.text()
    dlg.reject()
    assert not list(user_scenario_dir().glob("*.toml")) if user_scenario_dir().is_dir() else True


def test_saving_into_another_folder_reads_that_folder(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    other = tmp_path / "course"
    other.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(other))
    dlg = save_dialog(window, "Course lesson")
    dlg.folder.setCurrentIndex(dlg.folder.count() - 1)
    dlg.folder.activated.emit(dlg.folder.count() - 1)  # "Other folder…"
    assert dlg.target() == other / "course-lesson.toml"
    assert window.lessons.chosen == other and Prefs().scenario_folder == other
    assert dlg.save() == other / "course-lesson.toml"
    assert "course-lesson" in window.lessons.names()
    dlg.reject()


def test_the_file_is_data_and_one_seed_is_said() -> None:
    """Whatever is typed is written as TOML text (never pasted into the file's syntax), and
    the scenario's single seed is explained where the settings had two."""
    nasty = ScenarioText('"]\n[params]\nkappa = 1e9 #', "ravine", "s\n\\", "x'''y\"\"\"z", ("a = 1", "[[optimizers]]"))
    s = replace(Settings("linear-regression"), init=Init("random", sigma=0.5, seed=7), batch_size=16, batch_seed=3)
    toml, sc = build_scenario(Path("x.toml"), s, nasty)
    data = tomllib.loads(toml)
    assert data["title"] == nasty.title.strip() and data["try"] == list(nasty.tries)
    assert sc.params == dict(make_landscape("linear-regression").values) == data["params"]
    assert scenario_data(s, nasty)["seed"] == 7 and scenario_notes(s)[0] == (
        "a scenario has one seed: the mini-batches will use the start's seed 7 (not 3)")
    assert sc.seed == 7 and scenario_settings(sc).init == s.init and sc.batch_size == 16
    assert slug("  Rosenbrock, slowly!  ") == "rosenbrock-slowly" and slug("!!!") == "my-scenario"


def test_the_network_view_is_saved_as_a_network_scenario(window: MainWindow, qtbot) -> None:
    """In network mode the window's state is the network: its setup, racers (schedules too),
    steps, tolerance and mini-batches are what the scenario keeps, and applying it gives them back."""
    net = window.net
    window.set_model("network")
    qtbot.waitUntil(lambda: net.frame is not None and not net.runner.busy, timeout=10000)
    net.panel.racer_list.setCurrentRow(0)
    net.panel.editor.schedule_combo.setCurrentText("cosine")
    qtbot.waitUntil(lambda: net.settings.enabled[0].schedule == parse_schedule("cosine"), timeout=5000)
    shown = net.settings
    dlg = save_dialog(window, "My network", idea="symmetry")
    assert "a deep network on moons" in dlg.what.text()
    path = dlg.save()
    assert path is not None
    sc = load_scenario(path)
    assert sc.is_network and sc.network == shown.setup and sc.steps == shown.steps
    assert [n for n, _h in sc.optimizers] == [e.name for e in shown.enabled]
    assert sc.schedules[0] == parse_schedule("cosine")
    assert "[network]" in path.read_text(encoding="utf-8")
    window.set_model("two")
    window.lessons.choose(None)
    assert window.lessons.choose(sc.name)
    qtbot.waitUntil(lambda: window.model == "network" and net.settings.setup == shown.setup, timeout=5000)
    got = net.settings
    assert got.enabled == shown.enabled and (got.steps, got.tol, got.batch_size) == (shown.steps, shown.tol,
                                                                                      shown.batch_size)
    # the Landscape menu is the two-weight view's: choosing one shows that view
    window.experiments.landscape_menu.aboutToShow.emit()
    assert not any(a.isChecked() for a in window.experiments.landscape_group.actions())
    window.experiments.choose_landscape("himmelblau")
    assert window.model == "two" and window.panel.settings.landscape == "himmelblau"
