"""Dialogs for your own experiments: a landscape from a formula (Landscape > Custom formula),
and the window's state saved as a scenario (Scenarios > Save as scenario).

The formula dialog judges the text as it is typed, off the GUI thread (``gui.jobs``): the
parse is quick, but sympy's derivatives of a long formula take a few tenths of a second, and
the preview (the landscape as the window will draw it, with its critical points) a little
more. Typing is never held up: a pause of :data:`DEBOUNCE_MS` starts a check, a newer text
supersedes it, and only the latest text's verdict is shown, green with what was found or red
with the one-line reason. OK (and Apply) take only a formula whose check passed.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from engine.formula import DEFAULT, Custom
from engine.landscapes import Landscape, make_landscape
from engine.scenarios import IDEAS
from gui import look as looks
from gui.jobs import Job, Runner
from gui.surface import Surface, build_surface
from gui.widgets import NumberBox

DEBOUNCE_MS = 150  # a pause in typing this long starts a check (a burst of keys makes one)
PREVIEW_GRID = 121  # samples across the preview (the window's own picture uses 251)
VIEW_LIMIT = 1e6  # as the custom landscape's own view parameters
EDGES = {"xmin": "left edge of the view", "xmax": "right edge of the view", "ymin": "bottom edge of the view",
         "ymax": "top edge of the view"}


@dataclass(frozen=True)
class Example:
    """A formula to start from, with a view box that shows what it is about, what to look at,
    and the critical points the landscape has in that view (the tests hold the note to them)."""

    title: str
    formula: str
    view: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax
    note: str
    kinds: tuple[int, int, int]  # minima, saddles, maxima in the view


EXAMPLES = (
    Example("Two minima and a saddle (the default)", DEFAULT, (-3.0, 3.0, -3.0, 3.0),
            "two minima of different depths (the left one lower), a saddle between them", (2, 1, 0)),
    Example("Rosenbrock: a curved valley", "(1-x)^2 + 100*(y-x^2)^2", (-2.0, 2.0, -1.0, 3.0),
            "one minimum at (1, 1) at the end of a long, flat, curved valley floor", (1, 0, 0)),
    Example("Himmelblau: four minima", "(x^2+y-11)^2 + (x+y^2-7)^2", (-6.0, 6.0, -6.0, 6.0),
            "four minima of equal loss, four saddles and a maximum: the start decides the basin", (4, 4, 1)),
    Example("A saddle with a way out", "x^2 - y^2 + y^4/4", (-3.0, 3.0, -2.5, 2.5),
            "a saddle at the origin between two minima at y = ±1.41: a start on y = 0 never leaves that line",
            (2, 1, 0)),
    Example("A ravine, turned 45°", "0.05*(x+y)^2 + 5*(x-y)^2", (-3.0, 3.0, -3.0, 3.0),
            "one minimum; curvature 0.2 along the ravine and 20 across it: gd with alpha near 2/20 = 0.1 "
            "zigzags across", (1, 0, 0)),
    Example("A plateau", "1 - exp(-(x^2 + y^2)/2)", (-5.0, 5.0, -5.0, 5.0),
            "one minimum in a bowl; beyond a radius of 4 the gradient is below 0.002: a start there barely moves",
            (1, 0, 0)),
    Example("Many local minima (Rastrigin)", "20 + x^2 + y^2 - 10*(cos(2*pi*x) + cos(2*pi*y))",
            (-2.5, 2.5, -2.5, 2.5), "25 local minima, one near each point of the integer grid; the lowest, "
            "loss 0, at the origin", (25, 40, 16)),
    Example("Six-hump camel", "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (4*y^2 - 4)*y^2", (-2.0, 2.0, -1.2, 1.2),
            "six minima, the two lowest at (0.09, -0.71) and (-0.09, 0.71), with saddles between", (6, 7, 2)),
)


# -- the check, off the GUI thread ---------------------------------------------------------------


@dataclass(frozen=True)
class FormulaSpec:
    """What to check: the text and the view box."""

    formula: str
    view: tuple[float, float, float, float]


@dataclass(frozen=True, eq=False)
class FormulaResult:
    spec: FormulaSpec
    landscape: Landscape
    surface: Surface


def check_formula(spec: FormulaSpec, job: Job) -> None:
    """Parse, differentiate, compile; then the picture and the critical points in the view.
    A formula the engine refuses raises its one-line ``ValueError`` (the job's error)."""
    xmin, xmax, ymin, ymax = spec.view
    land = make_landscape("custom", formula=spec.formula, xmin=xmin, xmax=xmax, ymin=ymin, ymax=ymax)
    if job.cancelled():
        return
    surface = build_surface(land, key=("preview", spec), n=PREVIEW_GRID, pad=0.0)
    job.emit(FormulaResult(spec, land, surface))


def critical_summary(landscape: Landscape) -> str:
    """``"1 minimum, 2 saddles"`` (in the view), or that none was found."""
    counts = Counter(cp.kind for cp in landscape.critical_points)
    plural = {"minimum": "minima", "saddle": "saddles", "maximum": "maxima"}
    parts = [f"{n} {kind if n == 1 else plural[kind]}" for kind in ("minimum", "saddle", "maximum")
             if (n := counts.get(kind, 0))]
    return ", ".join(parts) + " in view" if parts else "no critical point in view"


class FormulaDialog(QDialog):
    """Landscape > Custom formula: a formula of x and y, judged as it is typed, a view box,
    examples to start from and a preview. ``applied`` carries the custom landscape's
    parameters (OK and Apply); a formula that fails its check cannot be applied."""

    applied = Signal(object)  # tuple of (name, value) pairs: the custom landscape's params

    def __init__(self, params: dict[str, float | str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom landscape: a formula of your own")
        self.setObjectName("formula.dialog")
        values = {p.name: p.default for p in Custom.params}
        values.update(params or {})
        self.runner = Runner("formula", check_formula, self)
        self.runner.resultReady.connect(self._on_result)
        self.runner.ended.connect(self._on_ended)
        self.result: FormulaResult | None = None  # the last good check
        self.state = "checking"  # "good" | "bad" | "checking"
        self.reason = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._check)
        theme = looks.current().theme
        border = max(1, round(2 * looks.current().zoom))
        self.setStyleSheet(f'QLineEdit[state="good"] {{ border: {border}px solid {theme.good}; }}'
                           f'QLineEdit[state="bad"] {{ border: {border}px solid {theme.invalid_border};'
                           f' background: {theme.invalid_bg}; }}')

        v = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Examples"))
        self.examples = QComboBox()
        self.examples.setObjectName("formula.examples")
        self.examples.addItem("Choose one to start from…", None)
        for i, ex in enumerate(EXAMPLES):
            self.examples.addItem(ex.title, i)
            self.examples.setItemData(self.examples.count() - 1, f"{ex.formula}\n{ex.note}",
                                      Qt.ItemDataRole.ToolTipRole)
        self.examples.activated.connect(self._on_example)
        top.addWidget(self.examples, 1)
        v.addLayout(top)

        v.addWidget(QLabel("L(x, y) ="))
        self.text = QLineEdit(str(values["formula"]))
        self.text.setObjectName("formula.text")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF() * 1.1)
        self.text.setFont(mono)
        self.text.setPlaceholderText("e.g. (1-x)^2 + 100*(y-x^2)^2")
        self.text.setToolTip(
            "x and y, numbers, + - * / and ^ (or **) for powers, brackets, pi, e, and exp log sqrt sin cos tan "
            "tanh sinh cosh atan abs")
        self.text.textChanged.connect(self._edited)
        v.addWidget(self.text)
        self.status = QLabel()
        self.status.setObjectName("formula.status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.status)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        v.addWidget(self.note)

        box = QGridLayout()
        self.view_boxes: dict[str, NumberBox] = {}
        for i, key in enumerate(("xmin", "xmax", "ymin", "ymax")):
            b = NumberBox(float(values[key]), self._view_check(key), lo=-VIEW_LIMIT, hi=VIEW_LIMIT, step=0.5,
                          help=EDGES[key], name=key)
            b.setObjectName(f"formula.{key}")
            b.valueChanged.connect(self._edited)
            b.refused.connect(self._refused_view)
            box.addWidget(QLabel(key), i // 2, 2 * (i % 2))
            box.addWidget(b, i // 2, 2 * (i % 2) + 1)
            self.view_boxes[key] = b
        v.addLayout(box)

        from gui.plots import ContourView  # (the window's own drawing of a landscape)

        self.preview = ContourView(interactive=False, k=looks.current().k, theme=theme)
        self.preview.setObjectName("formula.preview")
        self.preview.start.hide()
        self.preview.setMinimumSize(240, 200)
        self.preview.setToolTip("the landscape as the window will draw it, with its critical points")
        v.addWidget(self.preview, 1)
        self.caption = QLabel()
        self.caption.setObjectName("hint")
        self.caption.setWordWrap(True)
        v.addWidget(self.caption)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        v.addWidget(self.buttons)
        self._edited()

    # -- inputs --------------------------------------------------------------------------------
    def _view_check(self, key: str):
        def check(value: float) -> float:
            if not math.isfinite(value) or abs(value) > VIEW_LIMIT:
                raise ValueError(f"invalid {key}: {value:g} (must be within ±{VIEW_LIMIT:g})")
            return value

        return check

    def spec(self) -> FormulaSpec:
        b = self.view_boxes
        return FormulaSpec(self.text.text().strip(), tuple(float(b[k].value()) for k in ("xmin", "xmax", "ymin",
                                                                                          "ymax")))

    def params(self) -> tuple[tuple[str, float | str], ...]:
        """The custom landscape's parameters of the last good check."""
        if self.result is None:
            return ()
        s = self.result.spec
        return (("formula", s.formula), *zip(("xmin", "xmax", "ymin", "ymax"), s.view, strict=True))

    def set_formula(self, formula: str, view: tuple[float, float, float, float] | None = None) -> None:
        """Type ``formula`` (and set the view box), as a person would."""
        if view is not None:
            for key, value in zip(("xmin", "xmax", "ymin", "ymax"), view, strict=True):
                self.view_boxes[key].setValue(value)
        self.text.setText(formula)
        self._edited()

    @Slot(int)
    def _on_example(self, index: int) -> None:
        i = self.examples.itemData(index)
        if i is None:
            return
        ex = EXAMPLES[i]
        self.set_formula(ex.formula, ex.view)
        self.note.setText(ex.note)

    @Slot(str)
    def _refused_view(self, reason: str) -> None:
        self._show("bad", reason)

    def _edited(self, *_args: object) -> None:
        """A new text or view: judged after a short pause (the latest wins)."""
        s = self.spec()
        if self.result is not None and self.result.spec == s:
            self._show("good")
            return
        self._show("checking")
        self._timer.start()

    def _check(self) -> None:
        self.runner.request(self.spec())

    # -- verdicts ------------------------------------------------------------------------------
    @Slot(object)
    def _on_result(self, result: FormulaResult) -> None:
        if result.spec != self.spec():
            return  # typed on since: its own check is on the way
        self.result = result
        self.preview.set_surface(result.surface, result.landscape)
        self.preview.set_tracks(())
        self.preview.plot.setTitle(None)
        self._show("good")

    @Slot(str)
    def _on_ended(self, status: str) -> None:
        if status.startswith("error: ") and self.runner.spec == self.spec():
            self._show("bad", status.removeprefix("error: "))

    def _show(self, state: str, reason: str = "") -> None:
        self.state, self.reason = state, reason
        theme = looks.current().theme
        if state == "good" and self.result is not None:
            land = self.result.landscape
            text = f"✓ {critical_summary(land)}"
            color = theme.good
        elif state == "bad":
            text, color = f"✕ {reason}", theme.bad
        else:
            text, color = "checking…", theme.hint
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color};")
        if self.result is None:
            self.caption.setText("")
        elif state == "good":
            self.caption.setText("the landscape as the window will draw it")
        else:
            self.caption.setText(f"still shown: the last formula that passed, L = {self.result.spec.formula}")
        self.text.setProperty("state", state)
        self.text.setProperty("invalid", state == "bad")
        self.text.style().unpolish(self.text)
        self.text.style().polish(self.text)
        ok = state == "good"
        for which in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Apply):
            self.buttons.button(which).setEnabled(ok)

    # -- applying ------------------------------------------------------------------------------
    def apply(self) -> bool:
        """Make the checked formula the window's landscape (nothing while it is refused or
        still being checked)."""
        if self.state != "good" or self.result is None or self.result.spec != self.spec():
            return False
        self.applied.emit(self.params())
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()

    def done(self, result: int) -> None:
        self._timer.stop()
        self.runner.shutdown()
        super().done(result)


__all__ = ["EXAMPLES", "Example", "FormulaDialog", "check_formula", "critical_summary"]


# -- Scenarios > Save as scenario ----------------------------------------------------------------

OTHER_FOLDER = "Other folder…"


class ScenarioDialog(QDialog):
    """Scenarios > Save as scenario: the window's settings (landscape and its parameters, a
    formula too; the ticked racers with their hyperparameters and schedules; the start, steps,
    tolerance, mini-batches and seed) with a title, an idea of the lecture, a summary, an
    explanation and things to try, written as a scenario file into a folder the window reads.

    ``folders`` are ``(label, folder)`` choices (the user's scenario folder first); "Other
    folder…" asks for one (``folderChosen``: the window reads it from then on). ``taken(name,
    folder)`` names the scenario an earlier folder lists under ``name`` (it would hide the new
    file), or None. A name that exists in the folder asks before overwriting."""

    saved = Signal(object, str)  # the file's path, the scenario's name
    folderChosen = Signal(object)  # a folder picked with "Other folder…"

    def __init__(self, settings, folders: list[tuple[str, Path]], taken, idea: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from gui.scenario_writer import scenario_notes

        self.setWindowTitle("Save as scenario")
        self.setObjectName("scenario.dialog")
        self.settings = settings
        self.taken = taken
        self._name_edited = False
        form = QFormLayout(self)
        self.title = QLineEdit()
        self.title.setObjectName("scenario.title")
        self.title.setPlaceholderText("what the scenario shows, in a few words")
        self.title.textChanged.connect(self._on_title)
        form.addRow("Title", self.title)
        self.idea = QComboBox()
        self.idea.setObjectName("scenario.idea")
        for key, text in IDEAS.items():
            self.idea.addItem(text[0].upper() + text[1:], key)
        if idea in IDEAS:
            self.idea.setCurrentIndex(self.idea.findData(idea))
        self.idea.setToolTip("the idea of the lecture it belongs to: the picker lists it there")
        form.addRow("Idea", self.idea)
        self.summary = QLineEdit()
        self.summary.setObjectName("scenario.summary")
        self.summary.setPlaceholderText("one line, shown when the mouse rests on it in the picker")
        form.addRow("Summary", self.summary)
        self.explanation = QPlainTextEdit()
        self.explanation.setObjectName("scenario.explanation")
        self.explanation.setPlaceholderText("what the picture shows and why (blank lines between paragraphs)")
        self.explanation.setTabChangesFocus(True)
        form.addRow("Explanation", self.explanation)
        self.tries = QPlainTextEdit()
        self.tries.setObjectName("scenario.try")
        self.tries.setPlaceholderText("things to try, one per line")
        self.tries.setTabChangesFocus(True)
        self.tries.setMaximumHeight(self.fontMetrics().height() * 6)
        form.addRow("Things to try", self.tries)
        self.name = QLineEdit()
        self.name.setObjectName("scenario.name")
        self.name.setToolTip("the file's name without .toml: the scenario's name on the command line "
                             "(main.py run --scenario NAME)")
        self.name.textEdited.connect(self._on_name_edited)
        form.addRow("File name", self.name)
        row = QHBoxLayout()
        self.folder = QComboBox()
        self.folder.setObjectName("scenario.folder")
        for label, path in folders:
            self.folder.addItem(label, str(path))
            self.folder.setItemData(self.folder.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)
        self.folder.addItem(OTHER_FOLDER, None)
        self.folder.activated.connect(self._on_folder)
        self._folder_index = 0
        row.addWidget(self.folder, 1)
        form.addRow("Save in", row)
        notes = scenario_notes(settings)
        self.notes = QLabel("\n".join(notes))
        self.notes.setProperty("role", "warn")
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(notes))
        form.addRow(self.notes)
        self.what = QLabel(self._what_text())
        self.what.setObjectName("hint")
        self.what.setWordWrap(True)
        form.addRow(self.what)
        self.status = QLabel()
        self.status.setObjectName("scenario.status")
        self.status.setWordWrap(True)
        form.addRow(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for w in (self.title, self.summary, self.name):
            w.textChanged.connect(self._judge)
        for w in (self.explanation, self.tries):
            w.textChanged.connect(self._judge)
        self._judge()

    # -- fields ---------------------------------------------------------------------------------
    def _what_text(self) -> str:
        from gui.scenario_writer import is_network

        s = self.settings
        racers = "; ".join(e.label() for e in s.enabled) or "none ticked"
        if is_network(s):
            f = s.setup.fields()
            net = (f"a deep network on {f['data']} ({f['points']} points), hidden {f['hidden']}, {f['activation']}, "
                   f"{f['loss']} loss, start {f['init']}")
            return f"Saves: {net}; racers {racers}; {s.steps} steps."
        land = s.landscape
        params = dict(s.params)
        if land == "custom":
            land = f"custom: L = {params.get('formula', '')}"
        elif params:
            land += " (" + ", ".join(f"{k} = {v:g}" if not isinstance(v, str) else f"{k} = {v}"
                                     for k, v in params.items()) + ")"
        return f"Saves: {land}; racers {racers}; start {s.init.describe()}; {s.steps} steps."

    def _on_title(self, text: str) -> None:
        from gui.scenario_writer import slug

        if not self._name_edited:
            self.name.setText(slug(text) if text.strip() else "")

    def _on_name_edited(self, _text: str) -> None:
        self._name_edited = True

    def _on_folder(self, index: int) -> None:
        if self.folder.itemData(index) is not None:
            self._folder_index = index
            self._judge()
            return
        start = self.folder.itemData(self._folder_index) or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Save the scenario in…", start)
        if not chosen:
            self.folder.setCurrentIndex(self._folder_index)
            return
        self.add_folder(Path(chosen))
        self.folderChosen.emit(Path(chosen))

    def add_folder(self, folder: Path) -> None:
        """Offer ``folder`` (chosen with "Other folder…") and select it."""
        i = self.folder.findData(str(folder))
        if i < 0:
            self.folder.insertItem(self.folder.count() - 1, f"{folder.name or folder} (chosen)", str(folder))
            i = self.folder.findData(str(folder))
        self.folder.setCurrentIndex(i)
        self._folder_index = i
        self._judge()

    def target(self) -> Path | None:
        folder = self.folder.itemData(self.folder.currentIndex())
        name = self.name.text().strip()
        return Path(folder) / f"{name}.toml" if folder and name else None

    def text(self):
        from gui.scenario_writer import ScenarioText

        return ScenarioText(
            title=self.title.text(), idea=self.idea.currentData(), summary=self.summary.text(),
            explanation=self.explanation.toPlainText(), tries=tuple(self.tries.toPlainText().splitlines()),
        )

    # -- checking and saving --------------------------------------------------------------------
    def problem(self) -> str | None:
        """Why the scenario cannot be saved as typed (one line), or None."""
        from gui.scenario_writer import build_scenario, check_name, check_text

        try:
            check_text(self.text())  # (the texts first: the file name follows the title)
            name = check_name(self.name.text().strip())
            path = self.target()
            if path is None:
                return "choose a folder"
            build_scenario(path, self.settings, self.text())
        except ValueError as exc:
            return str(exc)
        other = self.taken(name, path.parent)
        if other is not None:
            return f"file name: '{name}' is taken by {other}: choose another"
        return None

    def _judge(self) -> None:
        problem = self.problem()
        theme = looks.current().theme
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(problem is None)
        if problem is None:
            path = self.target()
            exists = " (it exists: saving asks before replacing it)" if path.exists() else ""
            self.status.setText(f"✓ will be saved as {path}{exists}")
            self.status.setStyleSheet(f"color: {theme.good};")
        else:
            self.status.setText(f"✕ {problem}")
            self.status.setStyleSheet(f"color: {theme.bad};")

    def save(self) -> Path | None:
        """Write the scenario (asking first if the file exists); its path, or None."""
        from gui.scenario_writer import build_scenario, write_scenario

        problem = self.problem()
        if problem is not None:
            self._judge()
            return None
        path = self.target()
        if path.exists():
            answer = QMessageBox.question(
                self, "Replace the scenario?", f"{path} exists.\nReplace it with this scenario?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return None
        toml, scenario = build_scenario(path, self.settings, self.text())
        try:
            write_scenario(path, toml)
        except OSError as exc:
            self.status.setText(f"✕ could not write {path}: {exc.strerror or exc}")
            self.status.setStyleSheet(f"color: {looks.current().theme.bad};")
            return None
        self.saved.emit(path, scenario.name)
        return path

    def accept(self) -> None:
        if self.save() is not None:
            super().accept()
