"""The control panel: landscape, racers (optimizers with their own hyperparameters),
initialisation, steps and the two ways to watch.

The panel owns the current :class:`Settings` and emits a new one on every accepted change
(``settingsChanged``). Widgets are generated from the engine's registries: a landscape's
``Param`` list, an optimizer's defaults and ``engine.optimizers.HYPER`` ranges, so models and
optimizers registered later get their controls for free.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.inits import Init
from engine.landscapes import LANDSCAPES, Param, make_landscape
from engine.optimizers import HYPER, OPTIMIZERS, make_optimizer
from engine.schedules import KINDS as SCHEDULE_KINDS
from engine.schedules import Schedule
from engine.simulation import MAX_STEPS
from engine.validate import Range, check_int, check_positive
from gui.look import current as look_now
from gui.settings import PALETTE, OptimizerEntry, Settings, color_for, default_params
from gui.widgets import NumberBox, SliderBox, swatch

MAX_RACERS = len(PALETTE)  # one colour each

# The hyperparameters a lecture drags (a slider beside the box); the others are typed. Their
# names, symbols, help texts and ranges come from the optimizer registry (HYPER).
SLIDERS = ("alpha", "mu", "beta1", "rho")
# what a refused schedule number is called (as the engine's checks call it)
SCHEDULE_NAMES = {"step_size": "schedule step size", "gamma": "schedule gamma", "warmup": "warm-up steps"}
SCHEDULE_USES = {"step": ("step_size", "gamma"), "exp": ("gamma",), "warmup": ("warmup",)}  # the numbers each takes


def hyper_check(opt_name: str, key: str, current: dict[str, float]):
    """The check of one hyperparameter box: the engine's own validation, its message what a
    person reads. It is the command line's and the scenarios' rule, so every value they take
    is taken here; the slider's range (``HYPER``) only bounds the slider and the arrows."""

    def check(value: float) -> float:
        return make_optimizer(opt_name, **{**current, key: value}).hyper[0][key]  # ValueError: why

    return check


class OptimizerEditor(QWidget):
    """The hyperparameters of one racer: alpha on a log slider, mu (and the other decay
    rates) on a linear slider, the rest as boxes; each with its exact number box."""

    changed = Signal(object)  # OptimizerEntry
    refused = Signal(str)

    def __init__(self, entry: OptimizerEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.editors: dict[str, SliderBox | NumberBox] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        desc = QLabel(OPTIMIZERS[entry.name].description)
        desc.setWordWrap(True)
        desc.setObjectName("hint")
        form.addRow(desc)
        for key, value in entry.hyper:
            h = HYPER.get(key)
            check = self._check_for(key)
            help_text = h.help if h else key
            if key in SLIDERS and h is not None:
                w: SliderBox | NumberBox = SliderBox(value, check, h.lo, h.hi, log=h.log, help=help_text, name=key)
            else:
                lo, hi = (h.lo, h.hi) if h else (-math.inf, math.inf)
                w = NumberBox(
                    value, check, lo=lo, hi=hi, log=bool(h and h.log), step=0.01, help=help_text, name=key
                )
            w.setObjectName(f"{entry.name}.{key}")
            w.valueChanged.connect(partial(self._on_value, key))
            w.refused.connect(self.refused)
            label = QLabel(f"{h.symbol}  {key}" if h is not None and h.symbol != key else key)
            label.setToolTip(help_text)
            form.addRow(label, w)
            self.editors[key] = w
        if "alpha" in entry.params:
            self._schedule_rows(form)

    # -- alpha's schedule ------------------------------------------------------------------
    def _schedule_rows(self, form: QFormLayout) -> None:
        """A schedule for alpha (engine.schedules): the kind, and the numbers it takes (S
        and G for step, G for exp, W for warmup), each checked by the engine's own rule;
        the words under them say what the schedule does."""
        sc = self.entry.schedule
        self.schedule_combo = QComboBox()
        self.schedule_combo.setObjectName(f"{self.entry.name}.schedule")
        self.schedule_combo.addItems(list(SCHEDULE_KINDS))
        self.schedule_combo.setToolTip(
            "alpha's schedule, as torch.optim.lr_scheduler: constant; step (alpha × G every S steps); "
            "exp (alpha × G every step); cosine (down to 0 over the run); warmup (from alpha/W up to alpha "
            "over W steps)")
        self.schedule_combo.setCurrentText(sc.kind)
        self.schedule_combo.currentTextChanged.connect(self._on_schedule)
        label = QLabel("α schedule")
        label.setToolTip(self.schedule_combo.toolTip())
        form.addRow(label, self.schedule_combo)
        defaults = {"step_size": sc.step_size if sc.kind == "step" else 100,
                    "gamma": sc.gamma if sc.kind in ("step", "exp") else 0.5,
                    "warmup": sc.warmup if sc.kind == "warmup" else 50}
        self.schedule_boxes: dict[str, NumberBox] = {}
        for key, text, integer, tip in (
            ("step_size", "S  every", True, "S: alpha changes every S steps"),
            ("gamma", "γ  factor", False, "G: the factor alpha is multiplied by (below 1: it decays)"),
            ("warmup", "W  steps", True, "W: the warm-up's length in steps; it starts at alpha/W"),
        ):
            box = NumberBox(defaults[key], partial(self._check_schedule, key), lo=1e-6 if not integer else 1,
                            hi=1e9, step=1 if integer else 0.05, integer=integer, log=False, help=tip,
                            name=SCHEDULE_NAMES[key])
            box.setObjectName(f"{self.entry.name}.schedule.{key}")
            box.valueChanged.connect(self._on_schedule)
            box.refused.connect(self.refused)
            row = QLabel(text)
            row.setToolTip(tip)
            form.addRow(row, box)
            self.schedule_boxes[key] = box
        self.schedule_hint = QLabel()
        self.schedule_hint.setObjectName("hint")
        self.schedule_hint.setWordWrap(True)
        form.addRow(self.schedule_hint)
        self._form = form
        self._sync_schedule_rows()

    def _schedule_from(self, kind: str, **override: float) -> Schedule:
        v = {k: b.value() for k, b in self.schedule_boxes.items()}
        v.update(override)
        if kind == "step":
            return Schedule("step", step_size=int(v["step_size"]), gamma=float(v["gamma"]))
        if kind == "exp":
            return Schedule("exp", gamma=float(v["gamma"]))
        if kind == "warmup":
            return Schedule("warmup", warmup=int(v["warmup"]))
        return Schedule(kind)

    def _check_schedule(self, key: str, value: float) -> float:
        kind = self.schedule_combo.currentText()
        self._schedule_from(kind if kind != "constant" else "step", **{key: value})  # raises with the reason
        return value

    def _sync_schedule_rows(self) -> None:
        kind = self.schedule_combo.currentText()
        used = SCHEDULE_USES.get(kind, ())
        for key, box in self.schedule_boxes.items():
            self._form.setRowVisible(box, key in used)
        sc = self.entry.schedule
        self.schedule_hint.setText("" if sc.constant else f"{sc.describe()}: α(t) is drawn over the training curves")
        self.schedule_hint.setVisible(not sc.constant)

    def _on_schedule(self, *_args: object) -> None:
        try:
            schedule = self._schedule_from(self.schedule_combo.currentText())
        except ValueError as exc:  # (each box checks its own value first)
            self.refused.emit(str(exc))
            return
        if schedule != self.entry.schedule:
            self.entry = replace(self.entry, schedule=schedule)
            self.changed.emit(self.entry)
        self._sync_schedule_rows()

    def set_schedule(self, schedule: Schedule) -> None:
        """Show ``schedule`` and make it the racer's (as a person choosing it would)."""
        for key in SCHEDULE_USES.get(schedule.kind, ()):
            self.schedule_boxes[key].setValue(getattr(schedule, key))
        self.schedule_combo.blockSignals(True)
        self.schedule_combo.setCurrentText(schedule.kind)
        self.schedule_combo.blockSignals(False)
        self._on_schedule()

    def _check_for(self, key: str):
        def check(value: float) -> float:
            return hyper_check(self.entry.name, key, self.entry.params)(value)

        return check

    def _on_value(self, key: str, value: float) -> None:
        self.entry = self.entry.with_hyper(key, value)
        self.changed.emit(self.entry)


class ParamEditor(QWidget):
    """Widgets generated from a landscape's ``Param`` list: a number box for a numeric
    parameter (its range and log hint from the engine), a combo box for a categorical one."""

    changed = Signal(object)  # tuple of (name, value) pairs
    refused = Signal(str)
    dialogRequested = Signal()  # the "…" beside a formula: open Landscape > Custom formula

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, float | str] = {}
        self.widgets: dict[str, QWidget] = {}

    def build(self, params: tuple[Param, ...], values: dict[str, float | str], landscape: str = "") -> None:
        self.landscape = landscape
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets.clear()
        self.values = dict(values)
        for p in params:
            value = values.get(p.name, p.default)
            row_widget: QWidget | None = None
            if p.text:  # a formula: judged by the landscape when editing ends
                w = QLineEdit(str(value))
                w.setPlaceholderText(p.help)
                w.editingFinished.connect(partial(self._on_text, p.name, w))
                # the dialog (Landscape > Custom formula): judged as typed, examples, a preview
                more = QPushButton("…")
                more.setObjectName(f"param.{p.name}.dialog")
                more.setToolTip("edit in a dialog: checked as you type, with examples and a preview")
                more.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                more.setFixedWidth(more.fontMetrics().horizontalAdvance(" … ") + 12)
                more.clicked.connect(self.dialogRequested)
                row_widget = QWidget()
                h = QHBoxLayout(row_widget)
                h.setContentsMargins(0, 0, 0, 0)
                h.setSpacing(2)
                h.addWidget(w, 1)
                h.addWidget(more)
            elif p.choices:
                w = QComboBox()
                w.addItems(list(p.choices))
                w.setCurrentText(str(value))
                w.currentTextChanged.connect(partial(self._on_value, p.name))
            else:
                span = p.hi - p.lo if math.isfinite(p.hi - p.lo) else 1.0
                w = NumberBox(
                    float(value), partial(self._check, p), lo=p.lo, hi=p.hi, log=p.log,
                    integer=p.integer, step=1 if p.integer else float(f"{span / 100:.1g}"),
                    help=f"{p.help} [{p.lo:g}, {p.hi:g}]", name=p.name,
                )
                w.valueChanged.connect(partial(self._on_value, p.name))
                w.refused.connect(self.refused)
            w.setObjectName(f"param.{p.name}")
            w.setToolTip(p.help)
            self.form.addRow(QLabel(p.name), row_widget or w)
            self.widgets[p.name] = w

    @staticmethod
    def _check(p: Param, value: float) -> float:
        return float(p.check(value))

    def _on_value(self, name: str, value: float | str) -> None:
        self.values[name] = value
        self.changed.emit(tuple(self.values.items()))

    def _on_text(self, name: str, box: QLineEdit) -> None:
        """A text parameter (a formula) is accepted only if the landscape builds with it;
        otherwise the box turns red, the reason is shown and the last good value stays."""
        text = box.text().strip()
        if text == self.values.get(name):
            box.setProperty("invalid", False)
            box.style().polish(box)
            return
        try:
            make_landscape(self.landscape, **{**self.values, name: text})
        except ValueError as exc:
            box.setProperty("invalid", True)
            box.style().polish(box)
            box.setToolTip(str(exc))
            self.refused.emit(str(exc))
            return
        box.setProperty("invalid", False)
        box.style().polish(box)
        box.setToolTip("")
        self._on_value(name, text)


class ControlPanel(QWidget):
    """All the controls; owns the current settings."""

    settingsChanged = Signal(object)  # Settings
    selectionChanged = Signal(int)  # another racer was selected (``settings.selected``)
    refused = Signal(str)  # a value was refused: the reason
    modeChanged = Signal(str)  # "instant" | "animate"
    playToggled = Signal()
    stepRequested = Signal()
    resetRequested = Signal()
    speedChanged = Signal(float)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        s = settings or Settings()
        if not s.params:
            s = replace(s, params=default_params(s.landscape))
        self._settings = s
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(8)
        lay.addWidget(self._landscape_group())
        lay.addWidget(self._batch_group())
        lay.addWidget(self._optimizer_group())
        lay.addWidget(self._init_group())
        lay.addWidget(self._run_group())
        lay.addStretch(1)
        self._sync_landscape_widgets()
        self._sync_init_widgets()
        self._sync_batch_widgets()

    # -- settings --------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    def _emit(self, settings: Settings) -> None:
        if settings == self._settings:
            return
        self._settings = settings
        self.settingsChanged.emit(settings)

    def apply_settings(self, settings: Settings) -> None:
        """Show ``settings`` in every control (a scenario was chosen) and ask for its frame.
        The landscape, its parameters, the racers, init, steps, tolerance and mini-batches
        all follow; everything stays editable."""
        if not settings.params:
            settings = replace(settings, params=default_params(settings.landscape))
        row = self._settings.selected  # undo and a scenario keep the selection, where it exists
        self._settings = replace(settings, selected=row if 0 <= row < len(settings.optimizers) else 0)
        self.landscape_combo.blockSignals(True)
        self.landscape_combo.setCurrentText(settings.landscape)
        self.landscape_combo.blockSignals(False)
        self._sync_landscape_widgets()
        self._build_racers(row if 0 <= row < len(settings.optimizers) else None)
        self._sync_init_widgets()
        self.steps_box.setValue(settings.steps)
        self.tol_box.setValue(settings.tol)
        self._sync_batch_widgets()
        self.settingsChanged.emit(self._settings)

    # -- landscape -------------------------------------------------------------------------
    def _landscape_group(self) -> QGroupBox:
        box = QGroupBox("Landscape")
        v = QVBoxLayout(box)
        self.landscape_combo = QComboBox()
        self.landscape_combo.setObjectName("landscape")
        self.landscape_combo.addItems(list(LANDSCAPES))
        self.landscape_combo.setCurrentText(self._settings.landscape)
        self.landscape_combo.currentTextChanged.connect(self._on_landscape)
        v.addWidget(self.landscape_combo)
        self.landscape_desc = QLabel()
        self.landscape_desc.setWordWrap(True)
        self.landscape_desc.setObjectName("hint")
        v.addWidget(self.landscape_desc)
        self.params = ParamEditor()
        self.params.changed.connect(self._on_params)
        self.params.refused.connect(self.refused)
        v.addWidget(self.params)
        return box

    def refresh_landscapes(self) -> None:
        """Pick up landscapes registered after the window was built (data models)."""
        current = self.landscape_combo.currentText()
        self.landscape_combo.blockSignals(True)
        self.landscape_combo.clear()
        self.landscape_combo.addItems(list(LANDSCAPES))
        self.landscape_combo.setCurrentText(current)
        self.landscape_combo.blockSignals(False)

    def _sync_landscape_widgets(self) -> None:
        cls = LANDSCAPES[self._settings.landscape]
        text = cls.description
        if cls.formula:
            text += f"\nL = {cls.formula}"
        self.landscape_desc.setText(text)
        self.params.build(cls.params, dict(self._settings.params), self._settings.landscape)

    def _on_landscape(self, name: str) -> None:
        if name in LANDSCAPES:
            self.set_landscape(name, default_params(name))

    def set_landscape(self, name: str, params: tuple[tuple[str, float | str], ...]) -> bool:
        """Show landscape ``name`` with ``params`` (Landscape > Custom formula applies its
        formula here); a start of the previous landscape stays where it lies in the new one's
        view box, else the landscape's own start is taken. Refused with the engine's reason
        (and nothing changes) if the landscape cannot be built."""
        try:
            land = make_landscape(name, **dict(params))
        except ValueError as exc:
            self.refused.emit(str(exc))
            return False
        params = tuple((p.name, land.values[p.name]) for p in LANDSCAPES[name].params)
        init = self._settings.init
        if init.kind == "point":
            inside = len(init.point) == land.dim and all(
                lo <= c <= hi for c, (lo, hi) in zip(init.point, land.view, strict=False))
            if not (inside and name == self._settings.landscape):
                init = Init("point", tuple(float(c) for c in land.default_start))  # the landscape's own
        n = getattr(land, "n_train", None)
        batch = self._settings.batch_size
        batch = None if n is None or batch is None else min(batch, n)  # analytic: no mini-batches
        self._settings = replace(self._settings, landscape=name, params=params, init=init, batch_size=batch)
        if self.landscape_combo.currentText() != name:
            self.landscape_combo.blockSignals(True)
            self.landscape_combo.setCurrentText(name)
            self.landscape_combo.blockSignals(False)
        self._sync_landscape_widgets()
        self._sync_init_widgets()
        self._sync_batch_widgets()
        self.settingsChanged.emit(self._settings)
        return True

    def _on_params(self, params: tuple) -> None:
        self._emit(replace(self._settings, params=params))

    # -- mini-batches ----------------------------------------------------------------------
    def _batch_group(self) -> QGroupBox:
        box = QGroupBox("Mini-batches")
        box.setObjectName("batch")
        box.setToolTip("for models trained on data: each step's gradient from a mini-batch of the examples")
        form = QFormLayout(box)
        self.full_batch = QCheckBox("full batch")
        self.full_batch.setObjectName("batch.full")
        self.full_batch.setToolTip("each step uses the gradient over the whole training set")
        self.full_batch.toggled.connect(self._on_full_batch)
        form.addRow(self.full_batch)
        self.batch_box = NumberBox(
            16, self._check_batch, lo=1, hi=1_000_000, step=1, integer=True,
            help="examples per step, drawn from a fresh shuffle of the training set every epoch", name="batch size",
        )
        self.batch_box.setObjectName("batch.size")
        self.batch_box.valueChanged.connect(self._on_batch)
        self.batch_box.refused.connect(self.refused)
        form.addRow("batch size", self.batch_box)
        self.batch_seed_box = NumberBox(
            self._settings.batch_seed, lambda v: check_int("seed", v, 0, 2**32 - 1), lo=0, hi=2**32 - 1,
            step=1, integer=True, help="same seed, same mini-batches, same path", name="seed",
        )
        self.batch_seed_box.setObjectName("batch.seed")
        self.batch_seed_box.valueChanged.connect(self._on_batch)
        self.batch_seed_box.refused.connect(self.refused)
        form.addRow("seed", self.batch_seed_box)
        self.batch_hint = QLabel("")
        self.batch_hint.setObjectName("hint")
        self.batch_hint.setWordWrap(True)
        form.addRow(self.batch_hint)
        self.batch_group = box
        self.n_train: int | None = None
        return box

    def _check_batch(self, value: float) -> int:
        return check_int("batch size", value, 1, self.n_train or 1)

    def _sync_batch_widgets(self) -> None:
        s = self._settings
        try:
            land = s.make_landscape()
        except ValueError:
            return
        self.n_train = getattr(land, "n_train", None)
        self.batch_group.setVisible(self.n_train is not None)
        if self.n_train is None:
            return
        n = self.n_train
        self.batch_box.setRange(1, n)
        full = s.batch_size is None
        self.full_batch.blockSignals(True)
        self.full_batch.setChecked(full)
        self.full_batch.blockSignals(False)
        self.full_batch.setText(f"full batch (all {n})")
        if not full:
            self.batch_box.setValue(s.batch_size)
        elif self.batch_box.value() > n:
            self.batch_box.setValue(min(16, n))
        self.batch_seed_box.setValue(s.batch_seed)
        self.batch_box.setEnabled(not full)
        self.batch_seed_box.setEnabled(not full)
        self.batch_hint.setText(
            "the loss curves stay full-batch, training and validation"
            if full else f"each step: the gradient of {int(self.batch_box.value())} of {n} examples"
        )

    def _on_full_batch(self, full: bool) -> None:
        batch = None if full else int(self.batch_box.value())
        self._emit(replace(self._settings, batch_size=batch))
        self._sync_batch_widgets()

    def _on_batch(self, _value: float = 0.0) -> None:
        batch = None if self.full_batch.isChecked() else int(self.batch_box.value())
        self._emit(replace(self._settings, batch_size=batch, batch_seed=int(self.batch_seed_box.value())))
        self._sync_batch_widgets()

    # -- optimizers ------------------------------------------------------------------------
    def _optimizer_group(self) -> QGroupBox:
        box = QGroupBox("Optimizers: tick to race")
        v = QVBoxLayout(box)
        self.opt_list = QListWidget()
        self.opt_list.setObjectName("optimizers")
        self.opt_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # a long row (a schedule after the hyperparameters) ends in "…" (its tooltip has all of
        # it): a sideways scroll bar would take a row's height and hide the last racer
        self.opt_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.opt_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        # the selected racer's editor; the others are hidden, so the box is as tall as the
        # editor shown (a QStackedWidget would always be as tall as adam's four rows)
        self.opt_editors_box = QWidget()
        self._editors_layout = QVBoxLayout(self.opt_editors_box)
        self._editors_layout.setContentsMargins(0, 0, 0, 0)
        self.opt_editors: list[OptimizerEditor] = []
        self.opt_list.currentRowChanged.connect(self._show_editor)
        self.opt_list.itemChanged.connect(self._on_check)
        v.addWidget(self.opt_list)
        v.addWidget(self.opt_editors_box)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("＋ Copy")
        self.copy_button.setToolTip("race a copy of the selected optimizer, e.g. gd against gd with another α")
        self.copy_button.clicked.connect(self.copy_selected)
        self.remove_button = QPushButton("− Remove")
        self.remove_button.setToolTip("remove the selected copy (each optimizer keeps one row)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.all_alpha = QPushButton("Same α for all ticked")
        self.all_alpha.setToolTip("copy the selected optimizer's learning rate to every ticked one")
        self.all_alpha.clicked.connect(self._copy_alpha)
        for b in (self.copy_button, self.remove_button, self.all_alpha):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # two rows: one row of three set the column's width (a narrow screen cut it)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.remove_button)
        v.addLayout(buttons)
        v.addWidget(self.all_alpha)
        self._build_racers()
        return box

    def _build_racers(self, current: int | None = None) -> None:
        """(Re)build the list rows and editors from the settings' racers: one row each,
        copies of one optimizer named ``gd``, ``gd #2`` ... (``Settings.row_names``)."""
        self.opt_list.blockSignals(True)
        self.opt_list.clear()
        for ed in self.opt_editors:
            self._editors_layout.removeWidget(ed)
            ed.deleteLater()
        self.opt_editors = []
        px = self._icon_px()
        self.opt_list.setIconSize(QSize(px, px))
        theme = look_now().theme
        for i, e in enumerate(self._settings.optimizers):
            item = QListWidgetItem(QIcon(swatch(theme.racer(e.color), px)), "")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if e.enabled else Qt.CheckState.Unchecked)
            self.opt_list.addItem(item)
            ed = OptimizerEditor(e)
            ed.changed.connect(partial(self._on_entry, i))
            ed.refused.connect(self.refused)
            ed.setVisible(False)
            self._editors_layout.addWidget(ed)
            self.opt_editors.append(ed)
        self._label_rows()
        self._fit_list()
        if current is None:
            current = next((i for i, e in enumerate(self._settings.optimizers) if e.enabled), 0)
        self.opt_list.blockSignals(False)
        self.opt_list.setCurrentRow(current)
        self._show_editor(current)

    def _icon_px(self) -> int:
        return max(10, round(self.fontMetrics().height() * 0.8))

    def _fit_list(self) -> None:
        """The racer list as tall as its rows (it never scrolls on its own)."""
        rows = max(self.opt_list.count(), 1)
        row_h = self.opt_list.sizeHintForRow(0) if self.opt_list.count() else self.fontMetrics().height() + 6
        self.opt_list.setFixedHeight(row_h * rows + 2 * self.opt_list.frameWidth() + 4)

    def changeEvent(self, event) -> None:
        """A new zoom or theme: swatches and the list's height follow."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange) and hasattr(self, "opt_list"):
            px = self._icon_px()
            self.opt_list.setIconSize(QSize(px, px))
            theme = look_now().theme
            for i, e in enumerate(self._settings.optimizers):
                item = self.opt_list.item(i)
                if item is not None:
                    item.setIcon(QIcon(swatch(theme.racer(e.color), px)))
            QTimer.singleShot(0, self._fit_list)  # once the list has its new font too

    def _label_rows(self) -> None:
        """Each row reads ``name [#k]  α=... μ=... · schedule``: which copy, and what it races
        with; the tooltip says it whole, with what the optimizer does."""
        self.opt_list.blockSignals(True)
        for i, (row, e) in enumerate(zip(self._settings.row_names(), self._settings.optimizers, strict=True)):
            text = row + e.label()[len(e.name):]
            item = self.opt_list.item(i)
            if item is not None and item.text() != text:
                item.setText(text)
                what = OPTIMIZERS[e.name].description if e.name in OPTIMIZERS else e.name
                item.setToolTip(f"{text}\n{what}" + ("" if e.schedule.constant else f"\n{e.schedule.describe()}"))
        self.opt_list.blockSignals(False)

    def _show_editor(self, index: int) -> None:
        for i, ed in enumerate(self.opt_editors):
            ed.setVisible(i == index)
        if 0 <= index < len(self._settings.optimizers):
            name = self._settings.optimizers[index].name
            copies = sum(e.name == name for e in self._settings.optimizers)
            self.remove_button.setEnabled(copies > 1)
            if index != self._settings.selected:
                self._settings = replace(self._settings, selected=index)  # (equal settings: no new run)
                self.selectionChanged.emit(index)

    def select_row(self, row: int) -> None:
        """Select the racer in row ``row`` (``settings.selected`` follows)."""
        self.opt_list.setCurrentRow(row)

    def editor(self, name: str) -> OptimizerEditor:
        """The editor of the first racer called ``name`` (``"gd #2"`` names a copy)."""
        names = self._settings.row_names()
        if name in names:
            return self.opt_editors[names.index(name)]
        for ed in self.opt_editors:
            if ed.entry.name == name:
                return ed
        raise KeyError(name)

    def select_optimizer(self, name: str) -> None:
        """Select the first racer called ``name`` (or the row named so, e.g. ``"gd #2"``)."""
        names = self._settings.row_names()
        if name in names:
            self.opt_list.setCurrentRow(names.index(name))
            return
        for i, ed in enumerate(self.opt_editors):
            if ed.entry.name == name:
                self.opt_list.setCurrentRow(i)
                return

    def set_enabled(self, name: str, on: bool) -> None:
        for i, ed in enumerate(self.opt_editors):
            if ed.entry.name == name:
                self.opt_list.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _on_entry(self, index: int, entry: OptimizerEntry) -> None:
        entry = replace(entry, enabled=self._settings.optimizers[index].enabled)
        self.opt_editors[index].entry = entry
        self._emit(self._settings.replace_entry(index, entry))
        self._label_rows()

    def _on_check(self, item: QListWidgetItem) -> None:
        index = self.opt_list.row(item)
        on = item.checkState() == Qt.CheckState.Checked
        entry = replace(self._settings.optimizers[index], enabled=on)
        self.opt_editors[index].entry = entry
        self._emit(self._settings.replace_entry(index, entry))

    def copy_selected(self) -> None:
        """Race a ticked copy of the selected racer, in a colour of its own, right below it."""
        i = self._settings.selected
        opts = list(self._settings.optimizers)
        if not 0 <= i < len(opts):
            return
        if len(opts) >= MAX_RACERS:
            self.refused.emit(f"at most {MAX_RACERS} racers: remove a copy first")
            return
        color = color_for(opts[i].name, {e.color for e in opts})
        opts.insert(i + 1, replace(opts[i], color=color, enabled=True))
        self._settings = replace(self._settings, optimizers=tuple(opts))
        self._build_racers(i + 1)
        self.settingsChanged.emit(self._settings)

    def remove_selected(self) -> None:
        """Remove the selected racer if another row runs the same optimizer."""
        i = self._settings.selected
        opts = list(self._settings.optimizers)
        if not 0 <= i < len(opts):
            return
        if sum(e.name == opts[i].name for e in opts) < 2:
            self.refused.emit(f"{opts[i].name} has a single row: untick it instead")
            return
        del opts[i]
        self._settings = replace(self._settings, optimizers=tuple(opts))
        self._build_racers(min(i, len(opts) - 1))
        self.settingsChanged.emit(self._settings)

    def apply_hyper(self, values: dict[str, float], prefer: str) -> bool:
        """Set hyperparameters (the theory panel's best alpha, or best alpha and mu) on the
        selected racer if it takes all of them, else on the first racer called ``prefer``;
        the racer is ticked. Refuses with a reason when no racer fits or a value is out of
        range. Returns whether anything changed."""
        opts = self._settings.optimizers
        i = self._settings.selected
        fits = lambda e: all(k in e.params for k in values)
        if not (0 <= i < len(opts) and fits(opts[i])):
            i = next((j for j, e in enumerate(opts) if e.name == prefer), -1)
        if i < 0 or not fits(opts[i]):
            self.refused.emit(f"no racer takes {', '.join(values)}: select one that does")
            return False
        entry = opts[i]
        try:
            for key, value in values.items():
                value = hyper_check(entry.name, key, {**entry.params})(float(value))
                entry = entry.with_hyper(key, value)
        except ValueError as exc:
            self.refused.emit(str(exc))
            return False
        entry = replace(entry, enabled=True)
        ed = self.opt_editors[i]
        ed.entry = entry
        for key in values:
            ed.editors[key].setValue(entry.params[key])
        self.opt_list.blockSignals(True)
        self.opt_list.item(i).setCheckState(Qt.CheckState.Checked)
        self.opt_list.blockSignals(False)
        self.opt_list.setCurrentRow(i)
        self._emit(self._settings.replace_entry(i, entry))
        self._label_rows()
        return True

    def _copy_alpha(self) -> None:
        src = self.opt_editors[self._settings.selected].entry.params.get("alpha")
        if src is None:
            return
        s = self._settings
        for i, ed in enumerate(self.opt_editors):
            e = s.optimizers[i]
            if e.enabled and "alpha" in e.params:
                e = e.with_hyper("alpha", src)
                ed.entry = e
                ed.editors["alpha"].setValue(src)
                s = s.replace_entry(i, e)
        self._emit(s)
        self._label_rows()

    # -- init ------------------------------------------------------------------------------
    def _init_group(self) -> QGroupBox:
        box = QGroupBox("Start: or click the plot")
        box.setToolTip("click the landscape, or drag the start marker, to start from there")
        form = QFormLayout(box)
        kinds = QGridLayout()  # two columns: one row of three widened the whole column when zoomed
        self.init_buttons = QButtonGroup(self)
        for i, (kind, text) in enumerate((("point", "Point"), ("zeros", "Zeros"), ("random", "Small random"))):
            b = QRadioButton(text)
            b.setObjectName(f"init.{kind}")
            self.init_buttons.addButton(b, i)
            kinds.addWidget(b, i // 2, i % 2)
        self.init_buttons.idClicked.connect(self._on_init_kind)
        form.addRow(kinds)
        start = self._settings.init.resolve(2) if self._settings.init.kind != "point" else self._settings.init.point
        self.x_box = NumberBox(float(start[0]), self._coord_check("x"), step=0.1, help="start x", name="start x")
        self.y_box = NumberBox(float(start[1]), self._coord_check("y"), step=0.1, help="start y", name="start y")
        self.x_box.setObjectName("init.x")
        self.y_box.setObjectName("init.y")
        self.x_box.valueChanged.connect(self._on_xy)
        self.y_box.valueChanged.connect(self._on_xy)
        for b in (self.x_box, self.y_box):
            b.refused.connect(self.refused)
        self.x_label, self.y_label = QLabel("x"), QLabel("y")
        form.addRow(self.x_label, self.x_box)
        form.addRow(self.y_label, self.y_box)
        init = self._settings.init
        self.sigma_box = NumberBox(
            init.sigma, lambda v: check_positive("sigma", v), lo=1e-6, hi=100.0, log=True,
            help="standard deviation of the small random start", name="sigma",
        )
        self.seed_box = NumberBox(
            init.seed, lambda v: check_int("seed", v, 0, 2**32 - 1), lo=0, hi=2**32 - 1, step=1,
            integer=True, help="same seed, same start", name="seed",
        )
        self.sigma_box.setObjectName("init.sigma")
        self.seed_box.setObjectName("init.seed")
        self.sigma_box.valueChanged.connect(self._on_random_params)
        self.seed_box.valueChanged.connect(self._on_random_params)
        for b in (self.sigma_box, self.seed_box):
            b.refused.connect(self.refused)
        form.addRow("σ  sigma", self.sigma_box)
        form.addRow("seed", self.seed_box)
        return box

    @staticmethod
    def _coord_check(name: str):
        def check(v: float) -> float:
            return Range(-1e6, 1e6).check(f"start {name}", v)

        return check

    def _sync_init_widgets(self) -> None:
        s = self._settings
        labels = LANDSCAPES[s.landscape].axis_labels
        names = (labels[0] if labels else "x", labels[1] if len(labels) > 1 else "y")
        for label, text in zip((self.x_label, self.y_label), names, strict=True):
            if label.text() != text:
                label.setText(text)
        kind = s.init.kind
        self.init_buttons.button(("point", "zeros", "random").index(kind)).setChecked(True)
        try:
            start = s.init.resolve(2)
        except ValueError:
            return
        self.x_box.setValue(float(start[0]))
        self.y_box.setValue(float(start[1]))
        if kind != "point":
            self.sigma_box.setValue(s.init.sigma)
            self.seed_box.setValue(s.init.seed)
        random = kind == "random"
        self.sigma_box.setEnabled(random)
        self.seed_box.setEnabled(random)

    def _on_init_kind(self, index: int) -> None:
        kind = ("point", "zeros", "random")[index]
        init = self._settings.init
        if kind == "point":
            new = Init("point", (self.x_box.value(), self.y_box.value()))
        else:
            new = Init(kind, sigma=init.sigma, seed=init.seed)
        self._set_init(new)

    def _on_xy(self, _value: float = 0.0) -> None:
        self._set_init(Init("point", (self.x_box.value(), self.y_box.value())))

    def _on_random_params(self, _value: float = 0.0) -> None:
        self._set_init(Init("random", sigma=self.sigma_box.value(), seed=int(self.seed_box.value())))

    def set_start(self, x: float, y: float) -> None:
        """The start was clicked or dragged on the plot."""
        try:
            x = self._coord_check("x")(x)
            y = self._coord_check("y")(y)
        except ValueError as exc:
            self.refused.emit(str(exc))
            return
        self._set_init(Init("point", (float(x), float(y))))

    def _set_init(self, init: Init) -> None:
        self._settings = replace(self._settings, init=init) if init != self._settings.init else self._settings
        # the request first: the worker computes while the boxes show the new start
        self.settingsChanged.emit(self._settings)
        self._sync_init_widgets()

    # -- steps and watching ----------------------------------------------------------------
    def _run_group(self) -> QGroupBox:
        box = QGroupBox("Run")
        form = QFormLayout(box)
        s = self._settings
        self.steps_box = NumberBox(
            s.steps, lambda v: check_int("steps", v, 1, MAX_STEPS), lo=1, hi=MAX_STEPS, step=100,
            integer=True, help=f"number of steps (1 to {MAX_STEPS})", name="steps",
        )
        self.steps_box.setObjectName("steps")
        self.steps_box.valueChanged.connect(lambda v: self._emit(replace(self._settings, steps=int(v))))
        self.steps_box.refused.connect(self.refused)
        form.addRow("steps", self.steps_box)
        self.tol_box = NumberBox(
            s.tol, lambda v: Range(1e-15, 1.0).check("tol", v), lo=1e-15, hi=1.0, log=True,
            help="converged when the gradient norm falls below this", name="tol",
        )
        self.tol_box.setObjectName("tol")
        self.tol_box.valueChanged.connect(lambda v: self._emit(replace(self._settings, tol=float(v))))
        self.tol_box.refused.connect(self.refused)
        form.addRow("tol ‖∇L‖", self.tol_box)

        modes = QHBoxLayout()
        self.mode_buttons = QButtonGroup(self)
        self.instant_button = QRadioButton("Instant")
        self.instant_button.setToolTip("every change redraws the whole trajectory")
        self.animate_button = QRadioButton("Animate")
        self.animate_button.setToolTip("watch the steps one by one")
        self.instant_button.setChecked(True)
        for i, b in enumerate((self.instant_button, self.animate_button)):
            self.mode_buttons.addButton(b, i)
            modes.addWidget(b)
        self.mode_buttons.idClicked.connect(lambda i: self.modeChanged.emit(("instant", "animate")[i]))
        form.addRow("watch", modes)

        transport = QHBoxLayout()
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("play / pause (Space)")
        self.step_button = QPushButton("Step ▸")
        self.step_button.setToolTip("one step (Right arrow)")
        self.reset_button = QPushButton("⟲ Reset")
        self.reset_button.setToolTip("back to step 0, same start (R)")
        for b, sig in (
            (self.play_button, self.playToggled),
            (self.step_button, self.stepRequested),
            (self.reset_button, self.resetRequested),
        ):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space must not press a focused button
            b.clicked.connect(sig)
            transport.addWidget(b)
        form.addRow(transport)
        self.speed_box = NumberBox(
            100, lambda v: Range(1, 100000).check("speed", v), lo=1, hi=100000, log=True,
            help="animation speed in steps per second", name="speed",
        )
        self.speed_box.setObjectName("speed")
        self.speed_box.valueChanged.connect(self.speedChanged)
        self.speed_box.refused.connect(self.refused)
        form.addRow("steps / s", self.speed_box)
        self.step_label = QLabel("")
        self.step_label.setObjectName("steplabel")
        form.addRow("step", self.step_label)
        return box

    def set_mode(self, mode: str) -> None:
        (self.instant_button if mode == "instant" else self.animate_button).setChecked(True)

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")
