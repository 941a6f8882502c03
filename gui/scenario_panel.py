"""The lesson side of the window: a scenario picker grouped by the lecture's ideas, the
scenario's explanation with what to try, and the panels that put numbers beside the picture
(theory, symmetry, Newton's cost), each shown when it applies.

Scenarios are read from Basin's own folder (``assets/scenarios``), the user's scenario folder
(``engine.scenarios.user_scenario_dir``, where Scenarios > Save as scenario writes) and a
folder chosen in the window (Scenarios > Open scenario folder), in that order
(``engine.scenarios.load_scenarios``). A file that cannot be used is listed, with its name and
field, in a small note under the picker (its whole path in the details); the others load as
usual.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.landscapes import LANDSCAPES
from engine.scenarios import IDEAS, SCENARIO_DIR, Scenario, load_scenarios, scenario_folders
from gui.theory_panel import CostPanel, SymmetryPanel, TheoryPanel, theory_numbers
from gui.worker import Frame

FREE_PLAY = "Free play (no scenario)"


def idea_heading(text: str) -> str:
    """``"weight-space symmetry: the loss of ..."`` -> ``"Weight-space symmetry"``."""
    head = text.split(":")[0].strip()
    return head[0].upper() + head[1:]


def short_error(line: str) -> str:
    """A loader error without the folder: ``broken.toml: field 'idea': unknown idea ...``."""
    head, sep, rest = line.partition(": ")
    return f"{Path(head).name}{sep}{rest}" if sep else line


def same_folder(a: Path, b: Path) -> bool:
    """Whether two folder names are one folder (False when either cannot be resolved)."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def paragraphs(text: str) -> list[str]:
    """The scenario's explanation as paragraphs: its lines are wrapped for the file, not for
    the panel, so lines are joined and blank lines separate paragraphs."""
    out = []
    for block in text.strip().split("\n\n"):
        joined = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if joined:
            out.append(joined)
    return out


def lesson_html(sc: Scenario | None) -> str:
    """The lesson tab's text: title, idea, explanation and what to try (rich text whose sizes
    are relative, so the window's zoom scales it)."""
    from gui.look import current

    hint = current().theme.hint
    if sc is None:
        ideas = "".join(f"<li>{html.escape(v)}</li>" for v in IDEAS.values())
        return (
            '<p style="font-size: x-large; font-weight: 600;">Free play</p>'
            "<p>Choose a scenario above: each one sets up one idea of the lecture, on an analytic "
            "landscape or on a small model trained on data, and says what to look at and what to "
            "try. Afterwards every control stays yours.</p>"
            '<p style="font-size: large; font-weight: 600;">The ideas</p>'
            f"<ul>{ideas}</ul>"
        )
    cls = LANDSCAPES.get(sc.landscape)
    where = html.escape(sc.landscape + (f": {cls.description}" if cls is not None else ""))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(sc.explanation))
    tries = "".join(f"<li>{html.escape(t)}</li>" for t in sc.try_this)
    return (
        f'<p style="font-size: x-large; font-weight: 600;">{html.escape(sc.title)}</p>'
        f'<p style="color: {hint};">{html.escape(IDEAS.get(sc.idea, sc.idea))}<br>{where}</p>'
        f"{body}"
        '<p style="font-size: large; font-weight: 600;">What to try</p>'
        f"<ul>{tries}</ul>"
    )


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)  # never clip a table
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class ScenarioPicker(QComboBox):
    """The scenario combo box: scenarios are indented under their idea in the list, and
    shown without the indent once chosen."""

    def paintEvent(self, event) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        opt.currentText = opt.currentText.strip()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)


class LessonPanel(QWidget):
    """Scenario picker, explanation and the numbers panels, in tabs under the picker."""

    scenarioChosen = Signal(object)  # Scenario, or None for free play
    applyHyper = Signal(object, str)  # from the theory panel: values, preferred optimizer
    marksChanged = Signal(object, bool)  # [(x, y, label)] to mark on the contour plot, joined?

    def __init__(self, folder: Path | str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lesson")
        # one folder given (tests): only it; else Basin's, the user's and the chosen one
        self.only: Path | None = None if folder is None else Path(folder)
        self.chosen: Path | None = None  # Scenarios > Open scenario folder
        self._menu_files: tuple[QAction, ...] = ()
        self._menu_owned: list[QAction | QMenu] = []  # what fill_menu made (deleted when it fills again)
        self.scenarios: dict[str, Scenario] = {}
        self.errors: list[str] = []
        self.current: Scenario | None = None
        self.frame: Frame | None = None
        self._landscape_key: object = None
        self._menu: QMenu | None = None
        self._menu_extra: tuple[QAction, ...] = ()

        v = QVBoxLayout(self)
        v.setContentsMargins(4, 4, 4, 4)
        v.setSpacing(4)
        row = QHBoxLayout()
        label = QLabel("Scenario")
        label.setStyleSheet("font-weight: bold;")
        row.addWidget(label)
        self.picker = ScenarioPicker()
        self.picker.setObjectName("scenario")
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(16)
        self.picker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.picker.setMaxVisibleItems(40)
        self.picker.setToolTip("each scenario sets up one idea of the lecture (Ctrl+PgDown: next)")
        self.picker.currentIndexChanged.connect(self._on_pick)
        row.addWidget(self.picker, 1)
        v.addLayout(row)
        self.error_note = QLabel()
        self.error_note.setObjectName("scenario.errors")
        self.error_note.setWordWrap(True)
        self.error_note.setProperty("role", "warn")
        self.error_note.setTextFormat(Qt.TextFormat.RichText)
        self.error_note.linkActivated.connect(self.show_errors)
        self.error_note.hide()
        v.addWidget(self.error_note)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.lesson = QLabel()
        self.lesson.setObjectName("lesson.text")
        self.lesson.setWordWrap(True)
        self.lesson.setTextFormat(Qt.TextFormat.RichText)
        self.lesson.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.lesson.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lesson.setContentsMargins(6, 4, 6, 4)
        self.theory = TheoryPanel()
        self.symmetry = SymmetryPanel()
        self.cost = CostPanel()
        self.theory.applyHyper.connect(self.applyHyper)
        self.lesson_tab = self.tabs.addTab(_scroll(self.lesson), "Lesson")
        self.theory_tab = self.tabs.addTab(_scroll(self.theory), "Theory")
        self.symmetry_tab = self.tabs.addTab(_scroll(self.symmetry), "Symmetry")
        self.cost_tab = self.tabs.addTab(_scroll(self.cost), "Cost")
        self.tabs.setTabToolTip(self.cost_tab, "what a Newton step costs a network")
        for i in (self.theory_tab, self.symmetry_tab, self.cost_tab):
            self.tabs.setTabVisible(i, False)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_numbers())
        v.addWidget(self.tabs, 1)
        self.load()

    # -- scenarios -------------------------------------------------------------------------
    def folders(self) -> list[Path]:
        """The folders read, in order (a folder listed twice is read once)."""
        if self.only is not None:
            return [self.only]
        out: list[Path] = []
        for f in scenario_folders([self.chosen] if self.chosen is not None else []):
            if not any(same_folder(f, g) for g in out):
                out.append(f)
        return out

    def set_chosen(self, folder: Path | str | None) -> None:
        """Read ``folder`` too, after Basin's and the user's (None: no chosen folder)."""
        self.chosen = None if folder is None else Path(folder)
        self.reload()

    def load(self, folder: Path | str | None = None) -> None:
        """(Re)read the scenario files; the picker keeps the current scenario if it is still
        there. Broken files are listed in the note under the picker."""
        if folder is not None:
            self.only = Path(folder)
        folders = self.folders()
        try:
            self.scenarios, self.errors = load_scenarios(*folders)
        except Exception as exc:  # the loader reports bad files itself; this is for a bug
            where = ", ".join(str(f) for f in folders)
            self.scenarios, self.errors = {}, [f"{where}: could not read the scenarios: {exc}"]
        keep = self.current.name if self.current is not None else None
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItem(FREE_PLAY, None)
        model = self.picker.model()
        assert isinstance(model, QStandardItemModel)
        bold = QFont(self.picker.font())
        bold.setBold(True)
        for idea, text in IDEAS.items():
            group = [sc for sc in self.scenarios.values() if sc.idea == idea]
            if not group:
                continue
            self.picker.addItem(idea_heading(text), None)
            head = model.item(self.picker.count() - 1)
            head.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading, not a choice
            head.setFont(bold)
            head.setForeground(QColor(self._heading_color()))  # readable, though it cannot be chosen
            for sc in group:
                self.picker.addItem("    " + sc.title, sc.name)
                tip = sc.summary
                if sc.path is not None and not same_folder(sc.path.parent, SCENARIO_DIR):
                    tip += f"\n{sc.path}"  # a course's or your own: where it is
                self.picker.setItemData(self.picker.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        view = self.picker.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + 24)
        index = self.picker.findData(keep) if keep in self.scenarios else 0
        self.picker.setCurrentIndex(max(index, 0))
        self.picker.blockSignals(False)
        if keep is not None and keep in self.scenarios:
            self.current = self.scenarios[keep]
        elif keep is not None:
            self.current = None
        self.lesson.setText(lesson_html(self.current))
        self._show_errors_note()

    @staticmethod
    def _heading_color() -> str:
        from gui.look import current

        return current().theme.text

    def set_look(self, _look: object = None) -> None:
        """A new theme or zoom: the texts that carry colours of their own follow it."""
        model = self.picker.model()
        for i in range(self.picker.count()):
            item = model.item(i)
            if item is not None and not item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setForeground(QColor(self._heading_color()))
        self.lesson.setText(lesson_html(self.current))
        view = self.picker.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + 24)

    def show_remembered(self, name: str | None) -> None:
        """Show the scenario of the last session in the picker and its lesson, without
        applying it: the controls come back as they were left, which may differ from it."""
        index = self.picker.findData(name) if name else -1
        if index < 0 or name not in self.scenarios:
            return
        self.picker.blockSignals(True)
        self.picker.setCurrentIndex(index)
        self.picker.blockSignals(False)
        self.current = self.scenarios[name]
        self.lesson.setText(lesson_html(self.current))

    def _show_errors_note(self) -> None:
        n = len(self.errors)
        if not n:
            self.error_note.hide()
            return
        what = "1 scenario file" if n == 1 else f"{n} scenario files"
        self.error_note.setText(f'⚠ {what} could not be read: <a href="errors">details</a>')
        self.error_note.setToolTip("\n".join(short_error(e) for e in self.errors))
        self.error_note.show()

    def errors_text(self) -> str:
        """The details: each unreadable file with its whole path and field, and the folders read."""
        folders = "\n".join(f"  {f}" for f in self.folders())
        return ("These scenario files could not be used; the others are available.\n\n"
                + "\n\n".join(self.errors) + f"\n\nFolders read, in this order:\n{folders}")

    def show_errors(self, _link: str = "") -> None:
        QMessageBox.information(self, "Scenario files", self.errors_text())

    def names(self) -> list[str]:
        """The scenarios in the picker's order."""
        return [self.picker.itemData(i) for i in range(self.picker.count()) if self.picker.itemData(i)]

    def choose(self, name: str | None) -> bool:
        """Pick a scenario by name (None: free play); False if there is none of that name."""
        index = self.picker.findData(name) if name is not None else 0
        if index < 0:
            return False
        if index == self.picker.currentIndex():
            self._on_pick(index)  # choosing it again re-applies it (a fresh start)
        else:
            self.picker.setCurrentIndex(index)
        return True

    def step(self, delta: int) -> None:
        """The next (``+1``) or previous (``-1``) scenario, in the picker's order."""
        names = self.names()
        if not names:
            return
        cur = names.index(self.current.name) if self.current is not None and self.current.name in names else -1
        if cur < 0:
            nxt = 0 if delta > 0 else len(names) - 1
        else:
            nxt = (cur + delta) % len(names)
        self.choose(names[nxt])

    def _on_pick(self, index: int) -> None:
        name = self.picker.itemData(index)
        sc = self.scenarios.get(name) if name else None
        self.current = sc
        self.lesson.setText(lesson_html(sc))
        self.tabs.setCurrentIndex(self.lesson_tab)
        self.scenarioChosen.emit(sc)

    def fill_menu(self, menu: QMenu, *extra: QAction) -> None:
        """Fill ``menu`` with next / previous, every scenario under its idea, reload, and the
        ``extra`` actions (the window's show-panel toggle); refilled after a reload."""
        self._menu, self._menu_extra = menu, extra
        # not menu.clear(): it deletes every action the menu holds, the window's toggles and
        # the Save and Open actions too (a second fill then met deleted objects)
        for a in menu.actions():
            menu.removeAction(a)
        for item in self._menu_owned:
            item.deleteLater()
        owned: list[QAction | QMenu] = []
        self._menu_owned = owned

        def add(target: QMenu, text: str, slot, shortcut: str | None = None) -> QAction:
            a = QAction(text, menu)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slot)
            target.addAction(a)
            owned.append(a)
            return a

        self.next_action = add(menu, "Next scenario", lambda: self.step(1), "Ctrl+PgDown")
        self.previous_action = add(menu, "Previous scenario", lambda: self.step(-1), "Ctrl+PgUp")
        owned.append(menu.addSeparator())
        for idea, text in IDEAS.items():
            group = [sc for sc in self.scenarios.values() if sc.idea == idea]
            if group:
                sub = menu.addMenu(idea_heading(text))
                owned.append(sub)
                for sc in group:
                    add(sub, sc.title, lambda _c=False, n=sc.name: self.choose(n))
        owned.append(menu.addSeparator())
        for a in self._menu_files:
            menu.addAction(a)
        self.reload_action = add(menu, "Reload scenario files", self.reload)
        self.reload_action.setToolTip("read again: " + ", ".join(str(f) for f in self.folders()))
        if self.errors:
            add(menu, "Why some scenario files did not load…", self.show_errors)
        for a in extra:
            menu.addAction(a)

    @property
    def menu(self) -> QMenu | None:
        """The Scenarios menu, once :meth:`fill_menu` filled it."""
        return self._menu

    def set_file_actions(self, *actions: QAction) -> None:
        """Actions listed above "Reload scenario files" (open a folder, save as scenario)."""
        self._menu_files = actions
        if self._menu is not None:
            self.fill_menu(self._menu, *self._menu_extra)

    def reload(self) -> None:
        self.load()
        if self._menu is not None:
            self.fill_menu(self._menu, *self._menu_extra)

    # -- numbers beside the picture --------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        """A new frame was drawn: show the panels that apply to it and refresh the one in
        view (the others refresh when their tab is opened)."""
        if frame.landscape is None:
            return
        self.frame = frame
        land = frame.landscape
        key = frame.settings.landscape_key
        theory_on = theory_numbers(land) is not None
        symmetry_on = callable(getattr(land, "symmetry_report", None))
        newton_on = any(e.name == "newton" for e in frame.settings.enabled) or (
            self.current is not None and self.current.idea == "newton"
        )
        for i, on in ((self.theory_tab, theory_on), (self.symmetry_tab, symmetry_on), (self.cost_tab, newton_on)):
            if self.tabs.isTabVisible(i) != on:
                self.tabs.setTabVisible(i, on)
        if key != self._landscape_key:
            self._landscape_key = key
            if symmetry_on:
                self.symmetry.show_landscape(land)
                self.marksChanged.emit(self.symmetry.marks(), True)  # the chord A-M-B
            else:
                self.symmetry.report = None
                self.marksChanged.emit([], False)
        self._refresh_numbers()

    def _refresh_numbers(self) -> None:
        f = self.frame
        if f is None or f.landscape is None or self.tabs.currentIndex() != self.theory_tab:
            return
        if not self.tabs.isTabVisible(self.theory_tab):
            return
        s = f.settings
        enabled = [(row, e) for row, e in zip(s.row_names(), s.optimizers, strict=True) if e.enabled]
        self.theory.show_frame(
            f.landscape, f.tracks, tuple(e.name for _r, e in enabled), tuple(e.params for _r, e in enabled),
            batch_size=s.batch_size,
        )
