"""Your own experiments in the window: the Landscape menu (every landscape, and Custom formula
with its dialog), and the Scenarios menu's folders and saving (Open scenario folder, Save as
scenario). Installed by the main window after its lesson panel (:func:`install`).

What it touches in the window: the control panel (``set_landscape``), the lesson panel (its
folders, reloads and the picker) and the window's remembered settings (the chosen folder).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow

from engine.landscapes import LANDSCAPES
from engine.scenarios import SCENARIO_DIR, user_scenario_dir
from gui.dialogs import FormulaDialog, ScenarioDialog
from gui.scenario_panel import same_folder
from gui.settings import default_params

CUSTOM = "custom"


class Experiments(QObject):
    """The Landscape menu and the Scenarios menu's folder and save entries, for one window."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = window.panel
        self.lessons = window.lessons
        self.formula_dialog: FormulaDialog | None = None
        self.scenario_dialog: ScenarioDialog | None = None
        self._last_custom: tuple | None = None  # the custom landscape's last parameters

        # Landscape: the registered landscapes (as the control panel's list), then a formula
        bar = window.menuBar()
        self.landscape_menu = bar.addMenu("&Landscape")
        scenarios = self.lessons.menu
        if scenarios is not None:  # before Scenarios: what to look at, then the lessons about it
            bar.insertMenu(scenarios.menuAction(), self.landscape_menu)
        self.landscape_menu.aboutToShow.connect(self._fill_landscapes)
        self.landscape_group = QActionGroup(self)
        self.custom_action = self._action("&Custom formula…", self.open_formula, "Ctrl+Shift+F")
        self.custom_action.setToolTip("a landscape from a formula of x and y, checked as you type")
        self._fill_landscapes()
        self.panel.params.dialogRequested.connect(self.open_formula)

        # Scenarios: a folder of your own, and the window's state saved as a scenario
        self.folder_action = self._action("Open scenario &folder…", self.open_folder_dialog)
        self.folder_action.setToolTip("read the scenarios of a folder too (a course's own), after Basin's and yours")
        self.forget_action = self._action("Stop reading the chosen folder", self.forget_folder)
        self.save_action = self._action("&Save as scenario…", self.open_save_dialog, "Ctrl+Shift+S")
        self.save_action.setToolTip("the landscape, the ticked racers, start and steps, with your texts")
        self.lessons.chosen = window.prefs.scenario_folder
        if self.lessons.chosen is not None:
            self.lessons.reload()  # (the panel read Basin's and the user's folders when it was made)
        self._sync_folder_actions()

    def _action(self, text: str, slot, shortcut: str | None = None) -> QAction:
        a = QAction(text, self.window)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(slot)
        self.window.addAction(a)
        return a

    # -- Landscape menu ----------------------------------------------------------------------------
    @Slot()
    def _fill_landscapes(self) -> None:
        """Every landscape (models registered since the window opened too), the current one
        checked; then the formula dialog."""
        menu = self.landscape_menu
        menu.clear()
        for a in self.landscape_group.actions():
            self.landscape_group.removeAction(a)
        two = getattr(self.window, "model", "two") == "two"
        current = self.panel.settings.landscape if two else None  # (the network view shows no landscape)
        for name, cls in LANDSCAPES.items():
            if name == CUSTOM:
                continue
            a = QAction(name, menu)
            a.setCheckable(True)
            a.setChecked(name == current)
            a.setToolTip(cls.description if two else f"{cls.description} (shows the two-weight view)")
            a.triggered.connect(lambda _c=False, n=name: self.choose_landscape(n))
            self.landscape_group.addAction(a)
            menu.addAction(a)
        menu.setToolTipsVisible(True)
        menu.addSeparator()
        self.custom_action.setCheckable(True)
        self.custom_action.setChecked(current == CUSTOM)
        menu.addAction(self.custom_action)

    def _two_weights(self) -> None:
        """A landscape is the two-weight view's: show it (the network view may be shown)."""
        if getattr(self.window, "model", "two") != "two":
            self.window.set_model("two")

    def choose_landscape(self, name: str) -> None:
        self._two_weights()
        if name != self.panel.settings.landscape:
            self.panel.set_landscape(name, default_params(name))

    @Slot()
    def open_formula(self) -> FormulaDialog:
        """Landscape > Custom formula: the dialog, on the custom landscape shown (or the last
        one applied, or the default formula), in the two-weight view."""
        self._two_weights()
        self.custom_action.setChecked(self.panel.settings.landscape == CUSTOM)
        if self.formula_dialog is not None:
            self.formula_dialog.raise_()
            self.formula_dialog.activateWindow()
            return self.formula_dialog
        s = self.panel.settings
        params = dict(s.params) if s.landscape == CUSTOM else dict(self._last_custom or ())
        dlg = FormulaDialog(params, self.window)
        dlg.applied.connect(self.apply_formula)
        dlg.finished.connect(self._formula_closed)
        self.formula_dialog = dlg
        self._present(dlg, 560, 640)  # beside the window: Apply, look, change, Apply again
        return dlg

    def _present(self, dlg, width: int, height: int) -> None:
        """Show ``dlg`` at ``width`` x ``height`` (at zoom 1), within the screen; deleted when closed."""
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        avail = self.window._available()
        z = self.window.look.zoom
        dlg.resize(min(round(width * z), avail.width() - 40), min(round(height * z), avail.height() - 60))
        dlg.show()

    @Slot(int)
    def _formula_closed(self, _result: int) -> None:
        self.formula_dialog = None

    @Slot(object)
    def apply_formula(self, params: tuple) -> None:
        """The dialog's checked formula and view become the window's landscape."""
        self._last_custom = tuple(params)
        self._two_weights()
        if self.panel.set_landscape(CUSTOM, tuple(params)):
            self.window.statusBar().setStyleSheet("")
            self.window.statusBar().showMessage(f"landscape: L = {dict(params)['formula']}", 6000)

    # -- Scenarios menu: folders -------------------------------------------------------------------
    def _sync_folder_actions(self) -> None:
        chosen = self.lessons.chosen
        self.forget_action.setVisible(chosen is not None)
        self.forget_action.setText(f"Stop reading {chosen}" if chosen is not None else "Stop reading the chosen folder")
        self.lessons.set_file_actions(self.save_action, self.folder_action, self.forget_action)

    def open_folder_dialog(self) -> None:
        start = self.lessons.chosen or (user_scenario_dir() if user_scenario_dir().is_dir() else Path.home())
        folder = QFileDialog.getExistingDirectory(self.window, "Read the scenarios of a folder", str(start))
        if folder:
            self.set_folder(Path(folder))

    def set_folder(self, folder: Path | None) -> None:
        """Read ``folder``'s scenarios too (None: stop), and remember it for the next launch."""
        self.window.prefs.scenario_folder = folder
        self.lessons.set_chosen(folder)
        self._sync_folder_actions()
        if folder is not None:
            mine = sum(1 for sc in self.lessons.scenarios.values()
                       if sc.path is not None and same_folder(sc.path.parent, folder))
            bad = sum(1 for e in self.lessons.errors if e.startswith(str(folder)))
            more = f", {bad} could not be read (see Scenarios)" if bad else ""
            self.window.statusBar().setStyleSheet("")
            self.window.statusBar().showMessage(f"{folder}: {mine} scenarios{more}", 8000)

    def forget_folder(self) -> None:
        self.set_folder(None)

    # -- Scenarios menu: saving ----------------------------------------------------------------------
    def save_folders(self) -> list[tuple[str, Path]]:
        """Where a scenario can be saved: the user's folder, and the chosen one."""
        out = [("your scenarios", user_scenario_dir())]
        if self.lessons.chosen is not None:
            out.append((f"{self.lessons.chosen.name or self.lessons.chosen} (chosen)", self.lessons.chosen))
        return out

    def taken(self, name: str, folder: Path) -> str | None:
        """The file of a scenario ``name`` that a folder read before ``folder`` holds: it
        would hide a new file of that name (engine.scenarios.load_scenarios)."""
        order = [SCENARIO_DIR, user_scenario_dir()]
        if self.lessons.chosen is not None:
            order.append(self.lessons.chosen)
        earlier = []
        for f in order:
            if same_folder(f, folder):
                break
            earlier.append(f)
        for f in earlier:
            path = f / f"{name}.toml"
            if path.exists():
                return "Basin's own scenario" if same_folder(f, SCENARIO_DIR) else str(path)
        return None

    def open_save_dialog(self) -> ScenarioDialog:
        if self.scenario_dialog is not None:
            self.scenario_dialog.raise_()
            return self.scenario_dialog
        current = self.lessons.current
        shown = self.window.net.settings if getattr(self.window, "model", "two") == "network" else self.panel.settings
        dlg = ScenarioDialog(shown, self.save_folders(), self.taken,
                             idea=current.idea if current is not None else None, parent=self.window)
        dlg.saved.connect(self._on_saved)
        dlg.folderChosen.connect(self.set_folder)
        dlg.finished.connect(self._save_closed)
        # modal: what it saves is the window's state when it opened
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        self.scenario_dialog = dlg
        self._present(dlg, 620, 600)
        return dlg

    @Slot(int)
    def _save_closed(self, _result: int) -> None:
        self.scenario_dialog = None

    @Slot(object, str)
    def _on_saved(self, path: Path, name: str) -> None:
        """Read the folders again and show the new scenario as the current lesson (its
        settings are the window's already)."""
        self.lessons.reload()
        self.lessons.show_remembered(name)
        self.window.prefs.scenario = name
        self.window.statusBar().setStyleSheet("")
        self.window.statusBar().showMessage(f"scenario saved to {path}", 8000)


    def shutdown(self) -> None:
        """The window closes: the dialogs close with it (the formula's checker stops)."""
        for dlg in (self.formula_dialog, self.scenario_dialog):
            if dlg is not None:
                dlg.reject()


def install(window: QMainWindow) -> Experiments:
    return Experiments(window)


__all__ = ["Experiments", "install"]
