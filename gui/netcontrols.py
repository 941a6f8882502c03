"""The network view's controls: the data, the network, its start, the racers and the run.

The panel owns the current :class:`~gui.netstate.NetSettings` and emits a new one on every
accepted change (``settingsChanged``); a refused value (hidden widths ``16,x``, sigma 0, a
run too large for the window: ``gui.netstate.check_frame``) is said in one line (``refused``)
and the last good settings stay. Every choice list comes from
the engine's registries (data sets, activations, losses, inits, optimizers).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from engine.network.activations import ACTIVATIONS
from engine.network.data import DESCRIPTIONS, GENERATORS
from engine.network.inits import KINDS as INIT_KINDS
from engine.network.losses import LOSSES
from engine.network.setup import NetworkSetup
from engine.validate import check_int
from gui.controls import OptimizerEditor
from gui.netstate import MAX_POINTS, MAX_STEPS, PLANES, NetSettings, check_frame
from gui.settings import OptimizerEntry
from gui.widgets import NumberBox, swatch


class NetControlPanel(QWidget):
    """All the network view's controls; owns the current settings."""

    settingsChanged = Signal(object)  # NetSettings
    refused = Signal(str)
    modeChanged = Signal(str)  # "instant" | "animate"
    playToggled = Signal()

    def __init__(self, settings: NetSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings or NetSettings()
        v = QVBoxLayout(self)
        v.setContentsMargins(6, 6, 6, 6)
        v.addWidget(self._data_group())
        v.addWidget(self._net_group())
        v.addWidget(self._racer_group())
        v.addWidget(self._run_group())
        v.addStretch(1)
        for box in (self.points_box, self.noise_box, self.sigma_box, self.seed_box, self.steps_box, self.batch_box):
            box.refused.connect(self.refused)  # the box turns red; the window says why, in one line
        self._sync()

    @property
    def settings(self) -> NetSettings:
        return self._settings

    # -- building ------------------------------------------------------------------------------
    def _data_group(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.data_combo = QComboBox()
        self.data_combo.addItems(list(GENERATORS))
        for i, name in enumerate(GENERATORS):
            self.data_combo.setItemData(i, DESCRIPTIONS.get(name, ""), 3)  # tooltip role
        self.data_combo.currentTextChanged.connect(lambda t: self._field("data", t))
        form.addRow("data set", self.data_combo)
        self.points_box = NumberBox(400, partial(self._check_int, "points", 10, MAX_POINTS), lo=10, hi=MAX_POINTS,
                                    integer=True, step=50, help="examples, training and validation", name="points")
        self.points_box.valueChanged.connect(lambda x: self._field("points", int(x)))
        form.addRow("points", self.points_box)
        self.noise_box = NumberBox(0.1, partial(self._check_field, "noise"), lo=0.0, hi=2.0, step=0.05,
                                   help="noise of the data", name="noise")
        self.noise_box.valueChanged.connect(lambda x: self._field("noise", float(x)))
        form.addRow("noise", self.noise_box)
        self.mixed = QCheckBox("x₂ in other units (×1000 + 500)")
        self.mixed.setToolTip("the second input measured in other units: the ravine of unscaled inputs")
        self.mixed.toggled.connect(lambda on: self._field("mixed_units", bool(on)))
        form.addRow(self.mixed)
        self.standardise = QCheckBox("standardise inputs")
        self.standardise.setToolTip("z-scores from the training split's mean and spread, for both splits")
        self.standardise.toggled.connect(lambda on: self._field("units", "standardised" if on else "raw"))
        form.addRow(self.standardise)
        return box

    def _net_group(self) -> QGroupBox:
        box = QGroupBox("Network")
        form = QFormLayout(box)
        self.hidden_edit = QLineEdit()
        self.hidden_edit.setPlaceholderText("hidden widths, e.g. 16,16")
        self.hidden_edit.editingFinished.connect(self._on_hidden)
        form.addRow("hidden", self.hidden_edit)
        self.act_combo = QComboBox()
        self.act_combo.addItems(list(ACTIVATIONS))
        self.act_combo.currentTextChanged.connect(lambda t: self._field("activation", t))
        form.addRow("units", self.act_combo)
        self.loss_combo = QComboBox()
        self.loss_combo.addItems(list(LOSSES))
        self.loss_combo.currentTextChanged.connect(lambda t: self._field("loss", t))
        form.addRow("loss", self.loss_combo)
        self.bn = QCheckBox("batch normalisation")
        self.bn.toggled.connect(lambda on: self._field("batchnorm", bool(on)))
        form.addRow(self.bn)
        self.init_combo = QComboBox()
        self.init_combo.addItems(list(INIT_KINDS))
        self.init_combo.currentTextChanged.connect(lambda t: self._field("init", t))
        form.addRow("start", self.init_combo)
        self.sigma_box = NumberBox(0.1, partial(self._check_field, "sigma"), lo=1e-6, hi=10.0, log=True,
                                   help="spread of a small start", name="sigma")
        self.sigma_box.valueChanged.connect(lambda x: self._field("sigma", float(x)))
        form.addRow("σ  sigma", self.sigma_box)
        self.seed_box = NumberBox(0, partial(self._check_int, "seed", 0, 2**32 - 1), lo=0, hi=2**32 - 1,
                                  integer=True, step=1, help="seed of the start (and the mini-batches)", name="seed")
        self.seed_box.valueChanged.connect(lambda x: self._field("seed", int(x)))
        form.addRow("seed", self.seed_box)
        return box

    def _racer_group(self) -> QGroupBox:
        box = QGroupBox("Optimizers: tick to race")
        v = QVBoxLayout(box)
        self.racer_list = QListWidget()
        self.racer_list.itemChanged.connect(self._on_check)
        self.racer_list.currentRowChanged.connect(self._show_editor)
        v.addWidget(self.racer_list)
        self.editor_box = QVBoxLayout()
        v.addLayout(self.editor_box)
        self.editor: OptimizerEditor | None = None
        self.shown_combo = QComboBox()
        self.shown_combo.setToolTip("whose probability is the data view's background, and whose units are shown")
        self.shown_combo.currentIndexChanged.connect(self._on_shown)
        v.addWidget(self.shown_combo)
        return box

    def _run_group(self) -> QGroupBox:
        box = QGroupBox("Run")
        form = QFormLayout(box)
        self.steps_box = NumberBox(300, partial(self._check_int, "steps", 1, MAX_STEPS), lo=1, hi=MAX_STEPS,
                                   integer=True, step=100, help="number of steps", name="steps")
        self.steps_box.valueChanged.connect(lambda x: self._emit(replace(self._settings, steps=int(x))))
        form.addRow("steps", self.steps_box)
        self.full_batch = QCheckBox("full batch")
        self.full_batch.toggled.connect(self._on_batch)
        self.batch_box = NumberBox(32, self._check_batch, lo=1, hi=5000, integer=True, step=8, help="mini-batch size",
                                   name="batch size")
        self.batch_box.valueChanged.connect(lambda _x: self._on_batch())
        row = QHBoxLayout()
        row.addWidget(self.full_batch)
        row.addWidget(self.batch_box)
        form.addRow("batches", row)
        self.plane_combo = QComboBox()
        for key, text in PLANES.items():
            self.plane_combo.addItem(key, key)
            self.plane_combo.setItemData(self.plane_combo.count() - 1, text, 3)
        self.plane_combo.currentIndexChanged.connect(
            lambda _i: self._emit(replace(self._settings, plane=self.plane_combo.currentData())))
        self.replane = QPushButton("New plane")
        self.replane.setToolTip("choose the plane again from the paths as they are now")
        self.replane.clicked.connect(
            lambda: self._emit(replace(self._settings, plane_request=self._settings.plane_request + 1)))
        row2 = QHBoxLayout()
        row2.addWidget(self.plane_combo, 1)
        row2.addWidget(self.replane)
        form.addRow("plane", row2)
        self.instant = QRadioButton("Instant")
        self.animate = QRadioButton("Animate")
        self.instant.setChecked(True)
        self.instant.toggled.connect(lambda on: self.modeChanged.emit("instant" if on else "animate"))
        self.play = QPushButton("▶ Play")
        self.play.clicked.connect(self.playToggled)
        row3 = QHBoxLayout()
        row3.addWidget(self.instant)
        row3.addWidget(self.animate)
        row3.addWidget(self.play)
        form.addRow("watch", row3)
        return box

    # -- keeping the widgets and the settings in step -------------------------------------------
    def _sync(self) -> None:
        s = self._settings
        f = s.setup.fields()
        widgets = (self.data_combo, self.points_box, self.noise_box, self.mixed, self.standardise, self.hidden_edit,
                   self.act_combo, self.loss_combo, self.bn, self.init_combo, self.sigma_box, self.seed_box,
                   self.steps_box, self.full_batch, self.batch_box, self.plane_combo, self.racer_list)
        for w in widgets:
            w.blockSignals(True)
        self.data_combo.setCurrentText(f["data"])
        self.points_box.setValue(f["points"])
        self.noise_box.setValue(f["noise"])
        self.mixed.setChecked(bool(f["mixed_units"]))
        self.standardise.setChecked(f["units"] == "standardised")
        self.hidden_edit.setText(",".join(str(h) for h in f["hidden"]))
        self.act_combo.setCurrentText(f["activation"])
        self.loss_combo.setCurrentText(f["loss"])
        self.bn.setChecked(bool(f["batchnorm"]))
        self.init_combo.setCurrentText(f["init"])
        self.sigma_box.setValue(f["sigma"])
        self.sigma_box.setEnabled(f["init"] == "small")
        self.seed_box.setValue(f["seed"])
        self.steps_box.setValue(s.steps)
        self.full_batch.setChecked(s.batch_size is None)
        self.batch_box.setEnabled(s.batch_size is not None)
        if s.batch_size is not None:
            self.batch_box.setValue(s.batch_size)
        self.plane_combo.setCurrentIndex(list(PLANES).index(s.plane))
        current = max(self.racer_list.currentRow(), 0)
        self.racer_list.clear()
        for e in s.racers:
            item = QListWidgetItem(QIcon(swatch(e.color, 14)), e.label())
            item.setCheckState(pg_checked(e.enabled))
            self.racer_list.addItem(item)
        for w in widgets:
            w.blockSignals(False)
        self.racer_list.setCurrentRow(min(current, len(s.racers) - 1))
        self._show_editor(self.racer_list.currentRow())
        self._sync_shown()

    def _sync_shown(self) -> None:
        s = self._settings
        self.shown_combo.blockSignals(True)
        self.shown_combo.clear()
        for e in s.enabled:
            self.shown_combo.addItem(QIcon(swatch(e.color, 14)), f"background: {e.label()}")
        self.shown_combo.setCurrentIndex(min(s.selected, max(len(s.enabled) - 1, 0)))
        self.shown_combo.blockSignals(False)

    def apply_settings(self, settings: NetSettings) -> None:
        """Show ``settings`` in every control (a lesson was chosen) and ask for its frame."""
        self._settings = settings
        self._sync()
        self.settingsChanged.emit(settings)

    def show_settings(self, settings: NetSettings) -> None:
        """Show ``settings`` in every control without asking for a frame (the picture's own,
        when the run of newer ones was cancelled)."""
        self._settings = settings
        self._sync()

    def _emit(self, settings: NetSettings) -> None:
        if settings == self._settings:
            return
        try:
            check_frame(settings)  # too large a run for the window: refused like a bad value
        except ValueError as exc:
            self.refused.emit(str(exc))
            self._sync()
            return
        self._settings = settings
        self.sigma_box.setEnabled(settings.setup.init.kind == "small")
        self.settingsChanged.emit(settings)

    def _field(self, name: str, value: object) -> None:
        """One field of the network setup changed: rebuilt and checked, or refused."""
        fields = {**self._settings.setup.fields(), name: value}
        try:
            setup = NetworkSetup.from_fields(fields)
        except ValueError as exc:
            self.refused.emit(str(exc))
            self._sync()
            return
        batch = self._settings.batch_size
        if batch is not None:
            batch = min(batch, setup.data.n_train)
        self._emit(replace(self._settings, setup=setup, batch_size=batch))

    def _on_hidden(self) -> None:
        text = self.hidden_edit.text().strip()
        if text == ",".join(str(h) for h in self._settings.setup.net.hidden):
            return
        self._field("hidden", text)

    def _on_check(self, item: QListWidgetItem) -> None:
        i = self.racer_list.row(item)
        on = item.checkState() == pg_checked(True)
        racers = list(self._settings.racers)
        racers[i] = replace(racers[i], enabled=on)
        self._emit(replace(self._settings, racers=tuple(racers), selected=0))
        self._sync_shown()

    def _show_editor(self, i: int) -> None:
        if self.editor is not None:
            self.editor.setParent(None)
            self.editor.deleteLater()
            self.editor = None
        if not 0 <= i < len(self._settings.racers):
            return
        self.editor = OptimizerEditor(self._settings.racers[i])
        self.editor.changed.connect(partial(self._on_entry, i))
        self.editor.refused.connect(self.refused)
        self.editor_box.addWidget(self.editor)

    def _on_entry(self, i: int, entry: OptimizerEntry) -> None:
        racers = list(self._settings.racers)
        racers[i] = entry
        self.racer_list.item(i).setText(entry.label())
        self._emit(replace(self._settings, racers=tuple(racers)))
        self._sync_shown()

    def _on_shown(self, i: int) -> None:
        if i >= 0:
            self._emit(replace(self._settings, selected=i))

    def _on_batch(self, *_args: object) -> None:
        full = self.full_batch.isChecked()
        self.batch_box.setEnabled(not full)
        size = None if full else int(self.batch_box.value())
        self._emit(replace(self._settings, batch_size=size))

    def set_mode(self, mode: str) -> None:
        self.instant.blockSignals(True)
        (self.instant if mode == "instant" else self.animate).setChecked(True)
        self.instant.blockSignals(False)

    def set_playing(self, playing: bool) -> None:
        self.play.setText("❚❚ Pause" if playing else "▶ Play")

    # -- checks (the engine's own, whose messages a person reads) -------------------------------
    @staticmethod
    def _check_int(name: str, lo: int, hi: int, value: float) -> int:
        return check_int(name, value, lo, hi)

    def _check_field(self, name: str, value: float) -> float:
        """A field of the network setup, as the engine checks it (a scenario's and train's rule)."""
        NetworkSetup.from_fields({**self._settings.setup.fields(), name: value})
        return value

    def _check_batch(self, value: float) -> int:
        return check_int("batch size", value, 1, self._settings.setup.data.n_train)


def pg_checked(on: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
