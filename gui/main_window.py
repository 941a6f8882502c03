"""The main window: contour view and training curves side by side, a status line per
optimizer beneath them, the control panel on the left.

Data flows one way: a control change -> a new ``Settings`` -> :class:`Simulator` (worker
thread) -> a ``Frame`` -> the views' ``setData``. The animation only reveals the frame's
precomputed run step by step (memory bounded by the step count, however long it plays).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGridLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.simulation import Status
from gui import collector
from gui.analysis import install as install_analysis
from gui.controls import ControlPanel
from gui.file_menu import FileActions
from gui.plots import ContourView, CurveView
from gui.readouts import ReadoutPane
from gui.scenario_panel import LessonPanel
from gui.settings import Settings, scenario_settings
from gui.tracks import Track
from gui.widgets import LineText, swatch
from gui.worker import Frame, Simulator

FPS = 60
HOLD_MS = 60  # the longest the contour view waits for the trajectories of a new start

STYLE = """
QLabel#hint { color: #505050; }
NumberBox[invalid="true"], QLineEdit[invalid="true"] { border: 2px solid #d62728; background: #fff0f0; }
QGroupBox { font-weight: bold; margin-top: 1.2em; }
QGroupBox::title { subcontrol-origin: margin; left: 6px; }
QGroupBox QLabel, QGroupBox QRadioButton, QGroupBox QListWidget, QGroupBox QPushButton { font-weight: normal; }
"""

OUTCOME_COLORS = {"good": "#1a7f37", "bad": "#c0161b", "warn": "#a15c00", "running": "#404040"}


def outcome_kind(track: Track) -> str:
    if track.status in (Status.DIVERGED, Status.FAILED):
        return "bad"
    if track.status == Status.CONVERGED and track.text.startswith("converged"):
        return "good"
    return "warn"


RIGHT_DOCK_WIDTH = 340  # px: the lesson text stays readable, the plots keep the rest


class StatusPane(QWidget):
    """One line per optimizer: colour, name, loss, gradient norm and how the run ended."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # opaque: its texts change every frame, and a transparent pane would have the
        # window behind it repainted each time
        self.setAutoFillBackground(True)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 4, 8, 4)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(4, 1)
        self.rows: list[tuple[QLabel, QLabel, QLabel, QLabel, LineText]] = []
        for col, text in enumerate(("", "optimizer", "loss", "‖∇L‖", "outcome")):
            h = QLabel(text)
            h.setStyleSheet("color: #606060;")
            self.grid.addWidget(h, 0, col)

    def set_tracks(self, tracks: tuple[Track, ...]) -> None:
        """Match the rows to the racers. Rows are reused and only their texts change, and
        the pane's height changes only with the number of racers.

        Every label that changes with a frame has a fixed size (the name's only grows):
        Qt relayouts the parents of a label whose size can change on every ``setText``,
        which here was the whole window, docks and both plots, on every frame."""
        fm = self.fontMetrics()
        while len(self.rows) > len(tracks):
            for w in self.rows.pop():
                self.grid.removeWidget(w)
                w.deleteLater()
        while len(self.rows) < len(tracks):
            i = len(self.rows) + 1
            # long outcome texts are cut rather than allowed to widen the window
            row = (QLabel(), QLabel(), QLabel(), QLabel(), LineText())
            for lab in row[1:4]:
                lab.setFixedHeight(fm.height() + 2)
            for lab in row[2:4]:
                lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                lab.setFixedWidth(fm.horizontalAdvance("-0.0000e-00") + 8)
            for col, w in enumerate(row):
                self.grid.addWidget(w, i, col)
            self.rows.append(row)
        for (sw, name, *_rest), t in zip(self.rows, tracks, strict=True):
            if sw.property("color") != t.color:
                sw.setPixmap(swatch(t.color, 16))
                sw.setProperty("color", t.color)
            if name.text() != t.label:
                width = fm.horizontalAdvance(t.label) + 4
                if width > name.minimumWidth():  # (0 until the first name)
                    name.setFixedWidth(width)
                name.setText(t.label)
        line = fm.height() + self.grid.verticalSpacing()
        self.setFixedHeight((len(tracks) + 1) * line + 12)

    def show_step(self, tracks: tuple[Track, ...], k: int) -> None:
        for (_sw, _name, loss, grad, text), t in zip(self.rows, tracks, strict=False):
            n = t.curve_upto(k)
            loss.setText(f"{t.loss[n - 1]:.4g}" if n else "—")
            grad.setText(f"{t.grad[n - 1]:.3g}" if n else "—")
            if k >= t.stop:
                kind = outcome_kind(t)
                msg = ("✕ " + t.text) if kind == "bad" else t.text
            else:
                kind, msg = "running", f"running… step {k}"
            if text.text() != msg:
                text.setText(msg)
                text.setToolTip(msg)  # the whole line, where the pane cuts it
            text.set_style(OUTCOME_COLORS[kind], bold=kind == "bad")


class MainWindow(QMainWindow):
    """Basin's window."""

    frameShown = Signal(int)  # generation of the frame just drawn (tests and benchmarks wait on it)
    stepShown = Signal(int)  # animation step just drawn

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        collector.install()  # before any worker thread starts: see gui/collector.py
        self.setWindowTitle("Basin: why training a deep network is hard")
        self.setStyleSheet(STYLE)
        self.simulator = Simulator(self)
        self.frame: Frame | None = None
        self.mode = "instant"
        self.step = 0  # animation step shown
        self.speed = 100.0  # steps per second
        self._pos = 0.0
        self._clock = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1000 // FPS)
        self.timer.timeout.connect(self._tick)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(HOLD_MS)
        self._hold.timeout.connect(self._release_contour)

        # views
        self.contour = ContourView()
        self.curves = CurveView()
        self.status_pane = StatusPane()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.contour)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 5)  # the landscape gets the larger share (docks on both sides)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        central = QWidget()
        v = QVBoxLayout(central)
        v.setContentsMargins(4, 4, 4, 4)
        v.addWidget(split, 1)
        v.addWidget(self.status_pane)
        self.setCentralWidget(central)

        # controls
        self.panel = ControlPanel(settings)
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.panel.sizeHint().width() + 24)
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controls")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        self.coords = QLabel("")
        self.statusBar().addPermanentWidget(self.coords)
        self._make_menus()
        self._build_lessons()
        self.analysis = install_analysis(self)  # basins, (alpha, mu) map, sweep, curvature
        # the right-hand column no wider than it needs: the contour plot gets the room
        self.resizeDocks([self.lesson_dock], [RIGHT_DOCK_WIDTH], Qt.Orientation.Horizontal)

        self.panel.settingsChanged.connect(self._on_settings)
        self.panel.refused.connect(self.show_refusal)
        self.panel.modeChanged.connect(self.set_mode)
        self.panel.playToggled.connect(self.toggle_play)
        self.panel.stepRequested.connect(self.step_once)
        self.panel.resetRequested.connect(self.reset)
        self.panel.speedChanged.connect(self.set_speed)
        self._set_live(False)
        self.contour.startMoved.connect(self.panel.set_start)
        self.contour.hovered.connect(self._on_hover)
        self.simulator.frameReady.connect(self._on_frame)
        self.resize(1600, 1000)
        self.simulator.request(self.panel.settings)

    # -- menus -----------------------------------------------------------------------------
    def _make_menus(self) -> None:
        def action(menu, text: str, slot, shortcut=None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slot)
            menu.addAction(a)
            self.addAction(a)
            return a

        file = self.menuBar().addMenu("&File")
        self.files = FileActions(self, file)  # sessions, figures, animations, CSV (gui/file_menu.py)
        self.export_action, self.csv_action = self.files.export_action, self.files.csv_action
        file.addSeparator()
        self.quit_action = action(file, "&Quit", self.close, "Ctrl+Q")
        play = self.menuBar().addMenu("&Animation")
        self.play_action = action(play, "Play / pause", self.toggle_play, Qt.Key.Key_Space)
        self.step_action = action(play, "One step", self.step_once, Qt.Key.Key_Right)
        self.reset_action = action(play, "Reset to step 0", self.reset, Qt.Key.Key_R)
        play.addSeparator()
        action(play, "Instant mode (whole trajectory)", lambda: self.set_mode("instant"))
        action(play, "Animate mode", lambda: self.set_mode("animate"))
        view = self.menuBar().addMenu("&View")
        action(view, "Reset zoom", self.contour.reset_view, "Ctrl+0")
        action(view, "Larger text", lambda: self.zoom_text(1), QKeySequence.StandardKey.ZoomIn)
        action(view, "Smaller text", lambda: self.zoom_text(-1), QKeySequence.StandardKey.ZoomOut)

    def _build_lessons(self) -> None:
        """The right-hand docks: the lesson (scenario picker, explanation, theory, symmetry
        and cost panels in tabs) and below it the curvature readouts; the Scenarios menu."""
        features = (
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.lessons = LessonPanel()
        self.readouts = ReadoutPane()
        docks = []
        for title, name, widget in (("Lesson", "lesson", self.lessons), ("Curvature", "curvature", self.readouts)):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setFeatures(features)
            dock.setWidget(widget)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            docks.append(dock)
        self.lesson_dock, self.readout_dock = docks
        self.lessons.fill_menu(
            self.menuBar().addMenu("&Scenarios"), self.lesson_dock.toggleViewAction(),
            self.readout_dock.toggleViewAction(),
        )
        self.lessons.scenarioChosen.connect(self.apply_scenario)
        self.lessons.applyHyper.connect(self.panel.apply_hyper)
        self.lessons.marksChanged.connect(self.contour.set_marks)
        self.frameShown.connect(self._on_lesson_frame)
        self.stepShown.connect(self.readouts.show_step)
        self.contour.hovered.connect(self.readouts.show_cursor)

    @Slot(object)
    def apply_scenario(self, scenario) -> None:
        """Set every control as the scenario asks (free play, None, changes nothing)."""
        if scenario is None:
            return
        self.panel.apply_settings(scenario_settings(scenario))
        self.statusBar().setStyleSheet("")
        self.statusBar().showMessage(f"scenario: {scenario.title}", 6000)

    @Slot(int)
    def _on_lesson_frame(self, _generation: int) -> None:
        f = self.frame
        if f is None:
            return
        self.readouts.set_tracks(f.landscape, f.tracks, f.settings.tol)
        self.lessons.show_frame(f)

    def zoom_text(self, step: int) -> None:
        app = QApplication.instance()
        font = QFont(app.font())
        font.setPointSizeF(min(max(font.pointSizeF() + step, 8), 24))
        app.setFont(font)

    # -- simulation ------------------------------------------------------------------------
    @Slot(object)
    def _on_settings(self, settings: Settings) -> None:
        if self.frame is not None and settings.init != self.frame.settings.init:
            self.hold_contour()
        self.simulator.request(settings)

    def hold_contour(self) -> None:
        """The start moved: the contour view shows the marker there only with the new
        trajectories, in one paint (or after HOLD_MS, for a long run). A paint of the marker
        alone would also take Python's GIL from the worker computing them, and so delay them."""
        self.contour.viewport().setUpdatesEnabled(False)
        if not self._hold.isActive():  # a drag keeps requesting: never hold past HOLD_MS
            self._hold.start()

    def _release_contour(self) -> None:
        self._hold.stop()
        self.contour.viewport().setUpdatesEnabled(True)

    @Slot(object)
    def _on_frame(self, frame: Frame) -> None:
        self._release_contour()
        if frame.error is not None:
            self.show_refusal(frame.error)
            return  # keep the last good picture
        old = self.frame
        self.frame = frame
        if old is None or old.surface is not frame.surface:
            self.contour.set_surface(frame.surface, frame.landscape)
            self.curves.set_surface(frame.surface)
        self.curves.set_tol(frame.settings.tol)
        self.contour.set_tracks(frame.tracks)
        self.curves.set_tracks(frame.tracks, frame.settings.steps, frame.curve_ranges)
        self.status_pane.set_tracks(frame.tracks)
        if self.mode == "instant":
            self.step = frame.settings.steps
        else:
            self.step = min(self.step, self.last_step)
        self._pos = float(self.step)
        self._draw(self.step, status=True)
        self.frameShown.emit(frame.generation)

    @property
    def last_step(self) -> int:
        """The step at which the last racer stopped: the end of the animation."""
        if self.frame is None or not self.frame.tracks:
            return 0
        return max(t.stop for t in self.frame.tracks)

    def _draw(self, k: int, status: bool = True) -> None:
        self.contour.reveal(k)
        self.curves.reveal(k)
        self.curves.show_cursor(self.mode == "animate")
        if status and self.frame is not None:
            self.status_pane.show_step(self.frame.tracks, k)
        if self.frame is not None:
            self.panel.step_label.setText(f"{min(k, self.frame.settings.steps)} / {self.frame.settings.steps}")
        self.stepShown.emit(k)

    # -- animation -------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        self.panel.set_mode(mode)
        if mode == "instant":
            self.pause()
            self.step = self.frame.settings.steps if self.frame else 0
        else:
            self.step = 0
        self._pos = float(self.step)
        self._draw(self.step)

    def _ensure_animate(self) -> None:
        if self.mode != "animate":
            self.set_mode("animate")

    def play(self) -> None:
        self._ensure_animate()
        if self.step >= self.last_step:
            self.step = 0  # at the end: play again from the start
            self._pos = 0.0
            self._draw(0)
        self._set_live(True)
        self._clock.start()
        self.timer.start()
        self.panel.set_playing(True)

    def _set_live(self, on: bool) -> None:
        self.contour.set_live(on)
        self.curves.set_live(on)

    def pause(self) -> None:
        self.timer.stop()
        self._set_live(False)
        self.panel.set_playing(False)
        if self.frame is not None:
            self.status_pane.show_step(self.frame.tracks, self.step)

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def step_once(self) -> None:
        self._ensure_animate()
        self.pause()
        if self.step < self.last_step:
            self.step += 1
        self._pos = float(self.step)
        self._draw(self.step)

    def reset(self) -> None:
        """Back to step 0 with the same start (a random start keeps its seed)."""
        self._ensure_animate()
        self.pause()
        self.step = 0
        self._pos = 0.0
        self._draw(0)

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)

    def _tick(self) -> None:
        dt = min(self._clock.restart() / 1000.0, 0.1)  # after a stall, do not jump ahead
        self._pos = min(self._pos + self.speed * dt, float(self.last_step))
        k = int(self._pos)
        if k != self.step:
            self.step = k
            # the status text every few frames is plenty and keeps a frame cheap
            self._draw(k, status=(k >= self.last_step) or (int(time.monotonic() * 10) % 2 == 0))
        if self.step >= self.last_step:
            self.pause()

    # -- messages --------------------------------------------------------------------------
    @Slot(str)
    def show_refusal(self, reason: str) -> None:
        self.statusBar().setStyleSheet("color: #c0161b; font-weight: bold;")
        self.statusBar().showMessage(reason, 10000)

    @Slot(float, float, float)
    def _on_hover(self, x: float, y: float, loss: float) -> None:
        self.coords.setText(f"x = {x:.4g}   y = {y:.4g}   loss = {loss:.5g}")

    # -- export (gui/file_menu.py) -----------------------------------------------------------
    def export_figure(self, path: str | Path, what: str = "both", width: int = 1600, fmt: str | None = None,
                      dpi: float | None = None) -> bool:
        """Write the figure as the window shows it; see :meth:`FileActions.export_figure`."""
        return self.files.export_figure(path, what, width, fmt, dpi)

    def export_csv(self, path: str | Path) -> bool:
        return self.files.export_csv(path)

    def export_dialog(self) -> None:
        self.files.export_dialog()

    def export_csv_dialog(self) -> None:
        self.files.export_csv_dialog()

    # -- shutdown --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.files.shutdown()  # an animation being written stops, its partial file goes
        self.analysis.shutdown()
        self.simulator.shutdown()
        super().closeEvent(event)
