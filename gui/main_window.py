"""The main window: contour view and training curves side by side, a status line per
optimizer beneath them, the controls, the lesson and the analysis in docks.

Data flows one way: a control change -> a new ``Settings`` -> :class:`Simulator` (worker
thread) -> a ``Frame`` -> the views' ``setData``. The animation only reveals the frame's
precomputed run step by step (memory bounded by the step count, however long it plays).

The window fits the screen it opens on: on a wide one the lesson and the analysis stand
right of the plots; on a narrower one (a laptop, a projector at 1024 x 768 or 1280 x 720)
they are tabs beside the controls in one column, which scrolls. View > Zoom scales every
text, control, line and marker at once; F5 is the presentation mode for the back row;
the theme is light or dark. All of it, both views' controls and the view shown (two weights
or a network) are remembered (``gui.prefs``).
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QElapsedTimer, QEvent, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.simulation import Status
from gui import collector
from gui import look as looks
from gui.analysis import install as install_analysis
from gui.controls import ControlPanel
from gui.experiments import install as install_experiments
from gui.file_menu import FileActions
from gui.look import Look
from gui.model_actions import ModelActions
from gui.netmode import NetworkMode
from gui.plots import ContourView, CurveView
from gui.prefs import Prefs
from gui.readouts import ReadoutPane
from gui.scenario_panel import LessonPanel
from gui.settings import Settings, scenario_settings
from gui.tracks import Track
from gui.view3d import Landscape3D
from gui.widgets import LineText, swatch
from gui.worker import Frame, Simulator

FPS = 60
HOLD_MS = 60  # the longest the contour view waits for the trajectories of a new start
WIDE_MIN = 1360  # px of screen from which the lesson gets a column of its own right of the plots
SIDE_WIDTH = 330  # px at zoom 1: a side column (controls; lesson and analysis)
MODELS = {"two": "Model: two weights", "network": "Model: a deep network"}
UNDO_MERGE_S = 0.8  # changes of one control closer together than this are one undo step (a drag)


def outcome_kind(track: Track) -> str:
    if track.status in (Status.DIVERGED, Status.FAILED):
        return "bad"
    if track.verdict.good:
        return "good"
    return "warn"


def fitting_verdict(msg: str, width_of, room: float) -> str:
    """The longest of an outcome's forms that fits ``room``: the whole line, the verdict
    before its ": " ("not converged after 300 steps") and its first clause, the verdict's
    first words ("not converged"); the shortest if none fits (its end then cut with an
    ellipsis). The whole line is the tooltip."""
    head = msg.split(": ")[0]
    clause = head.split(", ")[0]  # "converged at step 98 to a minimum" (", loss ..." dropped)
    forms = [msg, head, clause, re.split(r" (?:after|at|to) ", clause)[0]]
    return looks.longest_fitting(forms, width_of, room)


class StatusPane(QWidget):
    """One line per optimizer: colour, name, loss, gradient norm and how the run ended.

    Every text is a :class:`LineText` of fixed size, set again only when the pane is resized,
    the racers change or the font does: Qt relayouts the parents of a widget whose size can
    change on every ``setText``, which here was the whole window, docks and both plots, on
    every frame. A text too long for its column is cut with an ellipsis (the whole of it is
    the tooltip); the outcome takes what the other columns leave."""

    HEADINGS = ("", "optimizer", "loss", "‖∇L‖", "outcome")

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
        self.heads = [LineText() for _ in self.HEADINGS]
        self._fixed(self.heads)
        for col, (h, text) in enumerate(zip(self.heads, self.HEADINGS, strict=True)):
            h.setText(text)
            h.set_role("head")
            self.grid.addWidget(h, 0, col)
        self.rows: list[tuple[QLabel, LineText, LineText, LineText, LineText]] = []
        self.labels: tuple[str, ...] = ()
        self._widest = 0
        self._fit()

    def set_tracks(self, tracks: tuple[Track, ...]) -> None:
        """Match the rows to the racers; rows are reused and only their texts change."""
        while len(self.rows) > len(tracks):
            for w in self.rows.pop():
                self.grid.removeWidget(w)
                w.deleteLater()
        grew = len(self.rows) < len(tracks)
        while len(self.rows) < len(tracks):
            i = len(self.rows) + 1
            row = (QLabel(), LineText(), LineText(), LineText(), LineText())
            self._fixed(row)
            for col, w in enumerate(row):
                self.grid.addWidget(w, i, col)
            self.rows.append(row)
        labels = tuple(t.label for t in tracks)
        widest = self._widest
        if labels != self.labels:
            widest = max((self.fontMetrics().horizontalAdvance(x) for x in labels), default=0)
        for (sw, name, *_rest), t in zip(self.rows, tracks, strict=True):
            color = looks.current().theme.racer(t.color)
            if sw.property("color") != color:
                sw.setPixmap(swatch(color, self._swatch_px()))
                sw.setProperty("color", color)
            if name.text() != t.label:
                name.setText(t.label)
                name.setToolTip(t.label)
        self.labels = labels
        # a new size only when the rows or the widest name grow (dragging alpha relabels a
        # racer on every frame: resizing the columns each time would relayout the pane)
        if grew or widest > self._widest:
            self._fit()

    @staticmethod
    def _fixed(row) -> None:
        """Name and numbers take exactly their width (:meth:`_fit`); the outcome the rest."""
        for lab in row[1:4]:
            lab.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        for lab in row[2:4]:
            lab.set_alignment(Qt.AlignmentFlag.AlignRight)

    def _swatch_px(self) -> int:
        return max(10, round(self.fontMetrics().height() * 0.8))

    def _fit(self) -> None:
        """Column widths from the font and the pane's width: the numbers get what
        ``-0.0000e-00`` needs, the names what the longest needs but at most a third of the
        pane, the outcome the rest. Heights from the font and the number of rows."""
        fm = self.fontMetrics()
        h = fm.height() + 2
        num = fm.horizontalAdvance("-0.000e-00") + 6  # the loss, 4 digits
        gnum = max(fm.horizontalAdvance("0.00e-00"), fm.horizontalAdvance("‖∇L‖")) + 6  # the gradient norm, 3
        self._widest = max((fm.horizontalAdvance(t) for t in self.labels), default=0)
        names = max(self._widest, fm.horizontalAdvance("optimizer")) + 6
        name_w = min(names, max(self.width() // 4, fm.horizontalAdvance("momentum ")))
        px = self._swatch_px()
        # a narrow pane: the names give way (cut, whole in their tooltips) until the outcome
        # has room for its first words ("not converged"), down to a name's first few letters
        m = self.grid.contentsMargins()
        rest = (self.width() - m.left() - m.right() - 4 * self.grid.horizontalSpacing() - (px + 2) - num - gnum
                - fm.horizontalAdvance("not converged") - 6)
        name_w = max(min(name_w, rest), fm.horizontalAdvance("adam α…"))
        for row in [self.heads, *self.rows]:
            row[0].setFixedSize(px + 2, h)
            row[1].setFixedSize(name_w, h)
            row[2].setFixedSize(num, h)
            row[3].setFixedSize(gnum, h)
            row[4].setFixedHeight(h)
        for sw, *_ in self.rows:
            color = sw.property("color")
            if color:
                sw.setPixmap(swatch(color, px))
        line = h + self.grid.verticalSpacing()
        self.setFixedHeight((len(self.rows) + 1) * line + 12)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            for sw, *_ in self.rows:
                sw.setProperty("color", None)  # the theme's colour, at the new size
            self._fit()

    def show_step(self, tracks: tuple[Track, ...], k: int, playing: bool = False) -> None:
        """The texts at step ``k``: how each run ended once the step reaches its stop; before
        that "running" while the animation plays, else the step it is paused at."""
        theme = looks.current().theme
        colors = {"good": theme.good, "bad": theme.bad, "warn": theme.warn, "running": theme.running}
        for (_sw, _name, loss, grad, text), t in zip(self.rows, tracks, strict=False):
            n = t.curve_upto(k)
            loss.setText(f"{t.loss[n - 1]:.4g}" if n else "—")
            grad.setText(f"{t.grad[n - 1]:.3g}" if n else "—")
            if k >= t.stop:
                kind = outcome_kind(t)
                msg = ("✕ " + t.text) if kind == "bad" else t.text
            else:
                kind = "running"
                msg = f"running… step {k}" if playing else (
                    "at the start (step 0): press Play or Step" if k == 0 else f"paused at step {k}")
            if text.full_text != msg or text.fitted_width != text.width():
                text.setText(fitting_verdict(msg, text.fontMetrics().horizontalAdvance, text.width()))
                text.setToolTip(msg)  # the whole line, where the pane cuts it
                text.full_text, text.fitted_width = msg, text.width()
            text.set_style(colors[kind], bold=kind == "bad")


class SettingsChange(QUndoCommand):
    """One step of Edit > Undo: the controls before and after a change. Changes of the same
    control in quick succession (a slider drag) merge into one step."""

    def __init__(self, window: MainWindow, old: Settings, new: Settings, what: str) -> None:
        super().__init__(what)
        self.window, self.old, self.new, self.what = window, old, new, what
        self.when = time.monotonic()
        self._pushed = False

    def id(self) -> int:
        return 1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SettingsChange) or other.what != self.what or self.what.startswith("scenario"):
            return False
        if other.when - self.when > UNDO_MERGE_S:
            return False
        self.new, self.when = other.new, other.when
        return True

    def redo(self) -> None:
        if self._pushed:  # Edit > Redo (push() calls this too, for a change already shown)
            self.window.restore_settings(self.new)
        self._pushed = True

    def undo(self) -> None:
        self.window.restore_settings(self.old)


def what_changed(old: Settings, new: Settings) -> str:
    """A short name of the control that changed (the undo step's text and merge key)."""
    if old.landscape != new.landscape:
        return f"landscape {new.landscape}"
    if old.params != new.params:
        return "landscape parameters"
    if old.init != new.init:
        return "start"
    if old.optimizers != new.optimizers:
        if len(old.optimizers) != len(new.optimizers):
            return "racers"
        for i, (a, b) in enumerate(zip(old.optimizers, new.optimizers, strict=True)):
            if a != b:
                keys = [k for (k, v), (_k, w) in zip(a.hyper, b.hyper, strict=False) if v != w]
                keys += ["schedule"] if a.schedule != b.schedule else []
                return f"racer {i}: {', '.join(keys) or ('tick' if a.enabled != b.enabled else 'racer')}"
    if (old.steps, old.tol) != (new.steps, new.tol):
        return "steps and tolerance"
    return "mini-batches"


def _only_current_sized(stack: QStackedWidget) -> None:
    """A stack's hidden pages take no part in its minimum size (a stack is as large as its
    largest page otherwise: the network view's panes would widen the two-weight window)."""
    for j in range(stack.count()):
        page = stack.widget(j)
        policy = QSizePolicy.Policy.Preferred if j == stack.currentIndex() else QSizePolicy.Policy.Ignored
        page.setSizePolicy(policy, policy)
    stack.adjustSize()


class MainWindow(QMainWindow):
    """Basin's window."""

    frameShown = Signal(int)  # generation of the frame just drawn (tests and benchmarks wait on it)
    stepShown = Signal(int)  # animation step just drawn

    def __init__(self, settings: Settings | None = None, prefs: Prefs | None = None) -> None:
        super().__init__()
        collector.install()  # before any worker thread starts: see gui/collector.py
        self.setWindowTitle("Basin: why training a deep network is hard")
        self._undo_text: str | None = None
        self.prefs = prefs if prefs is not None else Prefs()
        self.look = Look(self.prefs.zoom, looks.THEMES[self.prefs.theme])
        self._normal_zoom = self.look.zoom  # the zoom to come back to from presentation mode
        self.presenting = False
        looks.apply(self.look)
        self.setStyleSheet(looks.stylesheet(self.look))
        if settings is None:
            settings = self.prefs.settings()
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
        self.undo_stack = QUndoStack(self)
        self._restoring = False  # undo or redo is setting the controls: no new undo step
        self.layout_name = "wide"
        self._cursor: tuple[float, float] | None = None

        # views
        k, theme = self.look.k, self.look.theme
        self.contour = ContourView(k=k, theme=theme)
        self.curves = CurveView(k=k, theme=theme)
        self.contour.setMinimumSize(220, 200)
        self.curves.setMinimumSize(180, 200)
        self.status_pane = StatusPane()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.contour)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 5)  # the landscape gets the larger share
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        self.split = split
        central = QWidget()
        v = QVBoxLayout(central)
        v.setContentsMargins(4, 4, 4, 4)
        v.addWidget(split, 1)
        v.addWidget(self.status_pane)
        # two models: the two-weight landscapes (this) and a deep network (gui/netmode.py)
        self.net = NetworkMode(self.look, self, self.prefs.net_settings())
        self.model = "two"
        self.central_stack = QStackedWidget()
        self.central_stack.addWidget(central)
        self.central_stack.addWidget(self.net.widget)
        _only_current_sized(self.central_stack)
        self.setCentralWidget(self.central_stack)

        # controls, in a column that scrolls (on a small screen it is taller than the window)
        self.panel = ControlPanel(settings)
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.controls_scroll = scroll
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("model")
        for key, text in MODELS.items():
            self.model_combo.addItem(text, key)
        self.model_combo.setToolTip("two weights: landscapes and small models you can see whole; a deep network: "
                                    "hundreds of weights, seen through its data, a slice of its loss and its curves")
        self.model_combo.currentIndexChanged.connect(lambda _i: self.set_model(self.model_combo.currentData()))
        self.controls_stack = QStackedWidget()
        self.controls_stack.addWidget(scroll)
        self.controls_stack.addWidget(self.net.controls)
        _only_current_sized(self.controls_stack)
        controls = QWidget()
        cv = QVBoxLayout(controls)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.addWidget(self.model_combo)
        cv.addWidget(self.controls_stack, 1)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("controls")
        self.controls_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.controls_dock.setWidget(controls)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)

        self.coords = QLabel("")
        self.statusBar().addPermanentWidget(self.coords)
        self._refusal = ""  # the refusal the status bar shows ("" when none: show_refusal)
        self._refused_after: dict[str, int] = {}  # each view's last request when it was shown
        self.statusBar().messageChanged.connect(self._on_message)
        self.statusBar().addPermanentWidget(self.net.status)  # a network frame being computed
        self._make_menus()
        self._build_lessons()
        self.experiments = install_experiments(self)  # Landscape menu; scenario folders and saving
        self.analysis = install_analysis(self)  # basins, (alpha, mu) map, sweep, curvature
        self.analysis.set_look(self.look)
        self.landscape3d = Landscape3D(self)  # the 3D surface beside or in place of the contour view
        self.landscape3d.add_menu(self.view_menu)
        self._make_help_menu()
        self.model_menus = ModelActions(self)  # what each menu entry does while the network is shown

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
        self.simulator.resultReady.connect(self._on_frame)
        self.net.refused.connect(self.show_refusal)
        self.net.surface3d.written.connect(lambda p: self.statusBar().showMessage(f"3D view written to {p}", 8000))
        self.net.frameShown.connect(self._on_net_frame)
        self.net.panel.modeChanged.connect(self.set_mode)
        self.net.panel.playToggled.connect(self.toggle_play)
        self._settings_shown = self.panel.settings  # what an undo step starts from
        self.fit_to(self._available())
        self._restore_window()
        self.lessons.show_remembered(self.prefs.scenario)
        self.simulator.request(self.panel.settings)
        if self.prefs.model == "network":  # the view shown at the last close
            self.set_model("network")
        for problem in self.prefs.problems:  # after the first requests: their frames leave it on screen
            self.show_refusal(problem)

    # -- screen and layout -----------------------------------------------------------------
    def _available(self) -> QRect:
        screen = self.screen() or QApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1600, 1000)

    def fit_to(self, available: QRect, layout: str | None = None) -> None:
        """Lay the window out for a screen whose free area is ``available`` and fill it: a
        window manager would, Xvfb and a bare projector session do not. ``layout`` is
        "wide" (lesson right of the plots) or "compact" (lesson and analysis in tabs beside
        the controls); by default the screen's width decides."""
        if layout is None:
            layout = "wide" if available.width() >= WIDE_MIN * max(self.look.zoom, 1.0) ** 0.5 else "compact"
        self.arrange(layout)
        size = QSize(min(available.width(), 1920), min(available.height(), 1200))
        rect = QRect(available.topLeft(), size)
        rect.moveCenter(available.center())
        self.setGeometry(rect)

    def arrange(self, layout: str) -> None:
        """Put the docks where ``layout`` says (View > Layout)."""
        self.layout_name = layout
        area = Qt.DockWidgetArea
        side = self.side_docks()
        for dock in side:
            dock.setFloating(False)
        if layout == "compact":
            for dock in side:
                self.addDockWidget(area.LeftDockWidgetArea, dock)
            for dock in side:
                self.tabifyDockWidget(self.controls_dock, dock)
        else:
            for dock in side:  # out of any tab group first, then: curvature under the lesson,
                self.removeDockWidget(dock)  # the analysis a tab beside the lesson
            self.addDockWidget(area.RightDockWidgetArea, self.lesson_dock)
            self.addDockWidget(area.RightDockWidgetArea, self.readout_dock)
            self.splitDockWidget(self.lesson_dock, self.readout_dock, Qt.Orientation.Vertical)
            self.tabifyDockWidget(self.lesson_dock, self.analysis.dock)
            for dock in side:
                dock.show()
        QTimer.singleShot(0, self._whole_tab_names)
        self.controls_dock.raise_()
        self.lesson_dock.raise_()
        if layout == "compact":
            self.controls_dock.raise_()
        for name, action in getattr(self, "layout_actions", {}).items():
            action.setChecked(name == layout)
        if hasattr(self, "model_menus"):
            self.model_menus.docks_arranged()  # (the network view keeps the two-weight docks hidden)
        self._size_side_columns()

    def _whole_tab_names(self) -> None:
        """The docks' tab bars show whole names ("Controls", not "Contr..."): they scroll
        if ever too many."""
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self:
                bar.setElideMode(Qt.TextElideMode.ElideNone)
                bar.setUsesScrollButtons(True)
                bar.setExpanding(False)

    def side_docks(self) -> list[QDockWidget]:
        return [self.lesson_dock, self.analysis.dock, self.readout_dock]

    def _size_side_columns(self) -> None:
        """The side columns as wide as they need at this zoom: the plots keep the rest. The
        controls never narrower than their widest row (the column scrolls up and down only)."""
        bar = self.controls_scroll.verticalScrollBar().sizeHint().width()
        shown = self.net.panel if getattr(self, "model", "two") == "network" else self.panel
        need = shown.minimumSizeHint().width() + bar + 2 * self.controls_scroll.frameWidth() + 2
        for scroll in (self.controls_scroll, self.net.controls):  # (the hidden one's is ignored)
            scroll.setMinimumWidth(need if scroll.widget() is shown else 0)
        # wider with the zoom, but less than in proportion: the plots are what a hall looks at
        width = max(round(SIDE_WIDTH * self.look.zoom**0.5), need)
        docks = [self.controls_dock] + (self.side_docks()[:1] if self.layout_name == "wide" else [])
        if hasattr(self, "lesson_dock"):
            self.resizeDocks(docks, [width] * len(docks), Qt.Orientation.Horizontal)

    def _restore_window(self) -> None:
        """Geometry and docks as they were left, if they fit this screen."""
        geometry, state, layout = self.prefs.geometry, self.prefs.dock_state, self.prefs.layout
        if geometry is None or state is None or layout is None:
            return
        available = self._available()
        self.restoreGeometry(geometry)
        fits = available.contains(self.frameGeometry()) or available.intersected(self.geometry()) == self.geometry()
        if layout == "wide" and available.width() < WIDE_MIN:
            fits = False  # a wide layout from a big screen does not fit this one
        if not fits:
            self.fit_to(available)
            return
        self.layout_name = layout
        self.restoreState(state)
        for name, action in self.layout_actions.items():
            action.setChecked(name == layout)

    # -- look: zoom, theme, presentation ---------------------------------------------------
    def set_look(self, look: Look) -> None:
        """Show every text, control, line and marker at ``look``'s zoom and theme."""
        if look == self.look:
            return
        self.look = look
        looks.apply(look)
        self.setStyleSheet(looks.stylesheet(look))
        self.contour.set_look(look.k, look.theme)
        self.curves.set_look(look.k, look.theme)
        self.analysis.set_look(look)
        self.landscape3d.set_look(look)
        self.net.set_look(look)
        self.lessons.set_look(look)
        self.readouts.refresh(force=True)
        if self._refusal:
            self._style_refusal()
        if self.frame is not None:
            self.status_pane.set_tracks(self.frame.tracks)  # swatches in the theme's colours
            self.status_pane.show_step(self.frame.tracks, self.step, self.playing)
        self._size_side_columns()
        for name, action in self.theme_actions.items():
            action.setChecked(name == look.theme.name)
        self.zoom_label.setText(f"{look.zoom:.0%}")
        if not self.presenting:
            self.prefs.zoom = look.zoom
        self.prefs.theme = look.theme.name

    def zoom(self, steps: int) -> None:
        """Ctrl++ (``+1``), Ctrl+- (``-1``): the next zoom step; ``0`` (Ctrl+0): back to 100%."""
        z = 1.0 if steps == 0 else looks.zoom_step(self.look.zoom, steps)
        self.set_look(replace(self.look, zoom=z))

    def set_theme(self, name: str) -> None:
        self.set_look(replace(self.look, theme=looks.THEMES[name]))

    def toggle_presentation(self) -> None:
        """F5: full screen, the compact layout and large type for the back row of a lecture
        hall; F5 or Esc again: back as it was."""
        if not self.presenting:
            self._before_presenting = (self.saveGeometry(), self.saveState(), self.layout_name, self.look.zoom)
            self.presenting = True
            self.arrange("compact")
            self.menuBar().hide()  # every action keeps its key (they are the window's own)
            self.statusBar().hide()
            self.showFullScreen()
            screen = self._available()
            big = looks.presentation_zoom(screen.width(), screen.height())
            self.set_look(replace(self.look, zoom=max(self.look.zoom, big)))
            self.fit_to(screen, "compact")
        else:
            geometry, state, layout, zoom = self._before_presenting
            self.presenting = False
            self.menuBar().show()
            self.statusBar().show()
            self.showNormal()
            self.set_look(replace(self.look, zoom=zoom))
            self.layout_name = layout
            self.restoreState(state)
            self.restoreGeometry(geometry)
            for name, action in self.layout_actions.items():
                action.setChecked(name == layout)
            self.model_menus.docks_arranged()
        self.presentation_action.setChecked(self.presenting)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.presenting:
            self.toggle_presentation()
            return
        super().keyPressEvent(event)

    # -- menus -----------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.setCheckable(checkable)
        a.triggered.connect(slot)
        menu.addAction(a)
        self.addAction(a)
        return a

    def _make_menus(self) -> None:
        action = self._action
        file = self.menuBar().addMenu("&File")
        self.files = FileActions(self, file)  # sessions, figures, animations, CSV (gui/file_menu.py)
        self.export_action, self.csv_action = self.files.export_action, self.files.csv_action
        file.addSeparator()
        self.quit_action = action(file, "&Quit", self.close, "Ctrl+Q")
        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)])
        for a in (self.undo_action, self.redo_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            edit.addAction(a)
            self.addAction(a)
        play = self.menuBar().addMenu("&Animation")
        self.play_action = action(play, "Play / pause", self.toggle_play, Qt.Key.Key_Space)
        self.step_action = action(play, "One step", self.step_once, Qt.Key.Key_Right)
        self.reset_action = action(play, "Reset to step 0", self.reset, Qt.Key.Key_R)
        play.addSeparator()
        action(play, "Instant mode (whole trajectory)", lambda: self.set_mode("instant"))
        action(play, "Animate mode", lambda: self.set_mode("animate"))
        view = self.view_menu = self.menuBar().addMenu("&View")
        group = QActionGroup(self)
        self.model_actions: dict[str, QAction] = {}
        for (key, text), keys in zip(MODELS.items(), ("Ctrl+1", "Ctrl+2"), strict=True):
            a = action(view, text.replace("Model: ", "&Model: "), lambda _c=False, m=key: self.set_model(m), keys,
                       checkable=True)
            a.setData(key)
            a.setChecked(key == "two")
            group.addAction(a)
            self.model_actions[key] = a
        view.addSeparator()
        self.zoom_in_action = action(
            view, "Zoom &in", lambda: self.zoom(1),
            [QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+="), QKeySequence("Ctrl++")],
        )
        self.zoom_out_action = action(view, "Zoom &out", lambda: self.zoom(-1), [QKeySequence("Ctrl+-")])
        self.zoom_reset_action = action(view, "&Actual size (100%)", lambda: self.zoom(0), "Ctrl+0")
        self.zoom_label = QLabel(f"{self.look.zoom:.0%}")
        self.zoom_label.setToolTip("zoom: Ctrl++ larger, Ctrl+- smaller, Ctrl+0 actual size")
        self.statusBar().addPermanentWidget(self.zoom_label)
        self.presentation_action = action(view, "&Presentation mode", self.toggle_presentation, "F5", checkable=True)
        view.addSeparator()
        themes = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name, theme in looks.THEMES.items():
            a = action(themes, theme.title, lambda _c=False, n=name: self.set_theme(n), checkable=True)
            a.setChecked(name == self.look.theme.name)
            group.addAction(a)
            self.theme_actions[name] = a
        layouts = view.addMenu("&Layout")
        group = QActionGroup(self)
        self.layout_actions: dict[str, QAction] = {}
        for name, text in (
            ("wide", "&Wide: lesson beside the plots"), ("compact", "&Compact: lesson beside the controls"),
        ):
            a = action(layouts, text, lambda _c=False, n=name: self.arrange(n), checkable=True)
            group.addAction(a)
            self.layout_actions[name] = a
        view.addSeparator()
        self.reset_view_action = action(view, "Show the whole &landscape", self.reset_view, "Home")

    def _make_help_menu(self) -> None:
        help_menu = self.menuBar().addMenu("&Help")
        self.guide_action = self._action(help_menu, "&Guide", self.show_guide, QKeySequence.StandardKey.HelpContents)
        if not self.guide_action.shortcuts():
            self.guide_action.setShortcut(QKeySequence("F1"))
        self.about_action = self._action(help_menu, "&About Basin", self.show_about)

    def guide_html(self) -> str:
        """The guide (F1): the panels, the shortcuts (read from the actions, so they are the
        ones that work) and where the lesson is."""
        def keys(a: QAction) -> str:
            names = (s.toString(QKeySequence.SequenceFormat.NativeText) for s in a.shortcuts())
            return ", ".join(dict.fromkeys(n for n in names if n))  # each once (ZoomIn is Ctrl++ too)

        rows = [
            (self.play_action, "play or pause the animation"), (self.step_action, "one step"),
            (self.reset_action, "back to step 0, same start"), (self.undo_action, "undo a change of the controls"),
            (self.redo_action, "redo it"), (self.zoom_in_action, "larger text, lines and markers"),
            (self.zoom_out_action, "smaller"), (self.zoom_reset_action, "actual size"),
            (self.presentation_action, "presentation mode: full screen, large, for the back row (Esc leaves it)"),
            (self.reset_view_action, "the whole landscape again, after zooming into the plot"),
            (self.landscape3d.actions["3d"], "the 3D surface in place of the contour plot, and back"),
            (self.landscape3d.actions["both"], "the contour plot and the 3D surface side by side"),
            (self.lessons.next_action, "next scenario"), (self.lessons.previous_action, "previous scenario"),
            (self.experiments.custom_action, "a landscape from a formula of your own"),
            (self.experiments.save_action, "save what the window shows as a scenario of your own"),
            (self.export_action, "export the figure"), (self.guide_action, "this guide"),
        ]
        rows += [(a, a.text().replace("&", "")) for a in self.analysis.menu.actions() if a.shortcuts()]
        table = "".join(
            f"<tr><td><b>{html.escape(keys(a))}</b></td><td>{html.escape(text)}</td></tr>"
            for a, text in rows if keys(a)
        )
        return (
            "<h2>Basin</h2>"
            "<p>Pick a landscape (or a scenario), drop a start on the contour plot and watch the racers: "
            "each optimizer is a coloured trajectory on the landscape and a pair of training curves.</p>"
            "<h3>The panels</h3><ul>"
            "<li><b>Landscape</b> (middle left): the loss as pale contours, minima as stars, saddles as crosses. "
            "Click or drag to move the start; the wheel zooms into the plot.</li>"
            "<li><b>3D surface</b> (F3 in place of the landscape, Shift+F3 beside it): the same landscape as a "
            "surface to turn (drag), move (right-drag) and zoom (wheel), the trajectories on it at their loss; "
            "a click on it sets the start.</li>"
            "<li><b>Training curves</b> (middle right): the loss (its gap to the lowest minimum) and the gradient "
            "norm per step, both on log axes, with the tolerance that counts as converged.</li>"
            "<li><b>Race table</b> (under the plots): each racer's loss, gradient norm and how it ended.</li>"
            "<li><b>Controls</b>: the landscape, the racers (tick to race, select one to drag its α and μ and "
            "give its α a schedule, drawn as α(t) over the training curves), the "
            "start, the steps, instant or animated.</li>"
            "<li><b>Lesson</b>: the scenario's explanation and what to try, with the theory, symmetry and cost "
            "tabs where they apply. Choose a scenario there or in the Scenarios menu.</li>"
            "<li><b>Analysis</b>: basins of attraction, the (α, μ) map, the learning-rate sweep, curvature.</li>"
            "<li><b>Curvature</b>: the Hessian's eigenvalues at each racer's head and under the cursor.</li></ul>"
            "<p>On a wide screen the lesson and the analysis stand right of the plots; on a narrower one they are "
            "tabs beside the controls (View &gt; Layout switches).</p>"
            f"<h3>Keys</h3><table cellspacing='6'>{table}</table>"
            "<p>Single keys (Space, R, arrows) act on the animation whenever no number is being typed: a number "
            "box keeps only what can be part of a number. Ctrl+0 sets the text size back to 100%; Home shows the "
            "whole landscape again. The zoom, theme, layout, the controls and the last scenario are remembered "
            "from one launch to the next.</p>"
        )

    def show_guide(self) -> None:
        dlg = QDialog(self)
        dlg.setWindowTitle("Basin guide")
        text = QTextBrowser()
        text.setHtml(self.guide_html())
        text.setOpenExternalLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dlg.reject)
        v = QVBoxLayout(dlg)
        v.addWidget(text)
        v.addWidget(buttons)
        avail = self._available()
        z = self.look.zoom
        dlg.resize(min(round(760 * z), avail.width() - 40), min(round(640 * z), avail.height() - 60))
        self.guide = dlg
        dlg.show()

    @staticmethod
    def version() -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("basin")
        except PackageNotFoundError:
            return "(not installed)"

    def about_text(self) -> str:
        return (
            f"<h3>Basin {html.escape(self.version())}</h3>"
            "<p>A live simulator of why training a deep network is hard, and what helps: loss landscapes, "
            "optimizers racing on them, and the lecture's ideas as scenarios.</p>"
            f"<p>Settings are kept in {html.escape(self.prefs.path)}.</p>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, "About Basin", self.about_text())

    def _build_lessons(self) -> None:
        """The lesson dock (scenario picker, explanation, theory, symmetry and cost panels in
        tabs), the curvature readouts, and the Scenarios menu."""
        features = (
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.lessons = LessonPanel()
        self.readouts = ReadoutPane()
        docks = []
        # the readouts' fixed columns scroll sideways rather than set the column's width
        readouts = QScrollArea()
        readouts.setWidget(self.readouts)
        readouts.setWidgetResizable(True)
        readouts.setFrameShape(QScrollArea.Shape.NoFrame)
        readouts.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.readout_scroll = readouts
        self.readouts.heightChanged.connect(self._fit_readouts)
        self._fit_readouts(self.readouts.height())
        for title, name, widget in (("Lesson", "lesson", self.lessons), ("Curvature", "curvature", readouts)):
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
        self.lessons.applyHyper.connect(self.apply_hyper)
        self.lessons.marksChanged.connect(self.contour.set_marks)
        self.frameShown.connect(self._on_lesson_frame)
        self.stepShown.connect(self.readouts.show_step)
        self.contour.hovered.connect(self.readouts.show_cursor)

    @Slot(object, str)
    def apply_hyper(self, values: dict[str, float], prefer: str) -> None:
        """The theory panel's values for a two-weight racer: in the two-weight view, shown
        first if the network is."""
        self.set_model("two")
        self.panel.apply_hyper(values, prefer)

    def reset_view(self) -> None:
        """Home: the whole landscape again, or in the network view its data and slice."""
        if self.model == "network":
            self.net.view.reset_view()
        else:
            self.contour.reset_view()

    @Slot(int)
    def _fit_readouts(self, height: int) -> None:
        bar = self.readout_scroll.horizontalScrollBar().sizeHint().height()
        self.readout_scroll.setFixedHeight(height + bar)

    @Slot(object)
    def apply_scenario(self, scenario) -> None:
        """Set every control as the scenario asks (free play, None, changes nothing) and
        show its whole run: a scenario starts in instant mode, whatever the last one did."""
        self.prefs.scenario = scenario.name if scenario is not None else None
        if scenario is None:
            return
        self.set_mode("instant")
        if scenario.is_network:
            self.set_model("network")
            if not self.net.apply_scenario(scenario):
                return  # (refused: the reason is in the status bar)
            self.statusBar().setStyleSheet("")
            self.statusBar().showMessage(f"scenario: {scenario.title}", 6000)
            return
        self.set_model("two")
        self._undo_text = f"scenario {scenario.name}"
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

    # -- undo ------------------------------------------------------------------------------
    def restore_settings(self, settings: Settings) -> None:
        """Show ``settings`` in the controls and run them (undo and redo)."""
        self._restoring = True
        try:
            self.panel.apply_settings(settings)
        finally:
            self._restoring = False

    # -- simulation ------------------------------------------------------------------------
    @Slot(object)
    def _on_settings(self, settings: Settings) -> None:
        if self.frame is not None and settings.init != self.frame.settings.init:
            self.hold_contour()
        self.simulator.request(settings)
        old, self._settings_shown = self._settings_shown, settings
        what = getattr(self, "_undo_text", None) or what_changed(old, settings)
        self._undo_text = None
        if not self._restoring and old != settings:
            self.undo_stack.push(SettingsChange(self, old, settings, what))

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
        self._clear_refusal("two", frame.generation)
        old = self.frame
        self.frame = frame
        if old is None or old.surface is not frame.surface:
            self.contour.set_surface(frame.surface, frame.landscape)
            self.curves.set_surface(frame.surface)
            self._show_coords()  # the new landscape's loss under the cursor, its axes' names
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
        if self.model == "network":
            return self.net.last_step
        if self.frame is None or not self.frame.tracks:
            return 0
        return max(t.stop for t in self.frame.tracks)

    @property
    def steps(self) -> int:
        """The step budget of what is shown (the instant mode's step)."""
        if self.model == "network":
            return self.net.steps
        return self.frame.settings.steps if self.frame else 0

    # -- the two models ------------------------------------------------------------------------
    def set_model(self, model: str) -> None:
        """Show the two-weight view ("two") or the deep network ("network"); each keeps its
        settings, and the animation goes on with the one shown."""
        if model not in MODELS:
            raise ValueError(f"invalid model {model!r} (choose from {', '.join(MODELS)})")
        if model == self.model:
            return
        self.pause()
        self.model = model
        i = list(MODELS).index(model)
        self.model_combo.blockSignals(True)
        self.model_combo.setCurrentIndex(i)
        self.model_combo.blockSignals(False)
        for a in self.model_actions.values():
            a.setChecked(a.data() == model)
        for stack in (self.central_stack, self.controls_stack):
            stack.setCurrentIndex(i)
            _only_current_sized(stack)
        self._size_side_columns()
        # the two-weight view's own entries and docks (its analyses, its curvature readouts)
        # are out of the way while the network is shown (gui/model_actions.py)
        self.model_menus.set_model(model)
        if model == "network":
            self.net.start()
        self.step = self.steps if self.mode == "instant" else 0
        self._pos = float(self.step)
        self._draw(self.step)

    @Slot(int)
    def _on_net_frame(self, generation: int) -> None:
        self._clear_refusal("network", generation)
        if self.mode == "instant":
            self.step = self.net.steps
        else:
            self.step = min(self.step, self.last_step)
        self._pos = float(self.step)
        self._draw(self.step)

    def _draw(self, k: int, status: bool = True) -> None:
        if self.model == "network":
            self.net.draw(None if self.mode == "instant" else k, live=self.playing and k < self.last_step)
            self.panel.step_label.setText(f"{min(k, self.steps)} / {self.steps}")
            self.stepShown.emit(k)
            return
        self.contour.reveal(k)
        self.curves.reveal(k)
        self.curves.show_cursor(self.mode == "animate")
        if status and self.frame is not None:
            self.status_pane.show_step(self.frame.tracks, k, self.playing)
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
        self.net.panel.set_mode(mode)
        if mode == "instant":
            self.pause()
            self.step = self.steps
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
        self.net.panel.set_playing(True)

    def _set_live(self, on: bool) -> None:
        self.contour.set_live(on)
        self.curves.set_live(on)

    def pause(self) -> None:
        self.timer.stop()
        self._set_live(False)
        self.panel.set_playing(False)
        self.net.panel.set_playing(False)
        if self.frame is not None and self.model == "two":
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
            # the race table with every frame, as the step counter: its texts are painted
            # directly and of fixed size (StatusPane), a few microseconds each
            self._draw(k)
        if self.step >= self.last_step:
            self.pause()

    # -- messages --------------------------------------------------------------------------
    @Slot(str)
    def show_refusal(self, reason: str) -> None:
        """Say why a value or an action was refused: one line in the status bar, bold in the
        theme's colour for bad news, for 10 s or until its cause is gone (a frame of settings
        asked for after it is shown: :meth:`_clear_refusal`). Only the message is coloured;
        the zoom and the coordinates beside it keep theirs."""
        self._refusal = reason
        self._refused_after = {"two": self.simulator.generation, "network": self.net.runner.generation}
        self._style_refusal()
        self.statusBar().showMessage(reason, 10000)

    def _style_refusal(self) -> None:
        self.statusBar().setStyleSheet(f"QStatusBar {{ color: {self.look.theme.bad}; font-weight: bold; }}")

    def _clear_refusal(self, view: str, generation: int) -> None:
        """``view`` ("two" or "network") shows the frame of request ``generation``: a refusal
        shown before that request was made is history (the racer ticked again after "no
        optimizer selected", a good value typed after a bad one), and goes."""
        if self._refusal and generation > self._refused_after.get(view, generation) \
                and self.statusBar().currentMessage() == self._refusal:
            self.statusBar().clearMessage()

    @Slot(str)
    def _on_message(self, text: str) -> None:
        """The refusal gave way to another message, or to none: back to the plain style."""
        if text != self._refusal or not text:
            self._refusal = ""
            self.statusBar().setStyleSheet("")

    @Slot(float, float, float)
    def _on_hover(self, x: float, y: float, loss: float) -> None:
        self._cursor = (x, y)
        self._show_coords(loss)

    def _show_coords(self, loss: float | None = None) -> None:
        """The cursor's coordinates, named as the landscape's axes (x, y or w, v ...), and the
        loss there: recomputed when the landscape changes under a still cursor."""
        land = self.contour.landscape
        if self._cursor is None or land is None or land.dim != 2:
            self.coords.setText("")
            return
        x, y = self._cursor
        if loss is None:
            with np.errstate(all="ignore"):
                loss = float(land.loss(np.array([[x, y]]))[0])
        nx, ny = (*land.axis_labels, "x", "y")[:2] if len(land.axis_labels) >= 2 else ("x", "y")
        self.coords.setText(f"{nx} = {x:.4g}   {ny} = {y:.4g}   loss = {loss:.5g}")

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
    def _dock_state(self) -> QByteArray:
        """The docks as the two-weight view has them: the network view hides its analyses and
        curvature readouts, which come back with the two weights (also after a launch in
        network mode)."""
        return self.model_menus.two_weight_state(self.saveState)

    def remember(self) -> None:
        """Write what the next launch starts from (gui.prefs)."""
        if self.presenting:  # remembered as it was before F5
            geometry, state, layout, _zoom = self._before_presenting
        else:
            geometry, state, layout = self.saveGeometry(), self._dock_state(), self.layout_name
        self.prefs.save_window(geometry, state, layout)
        self.prefs.save_settings(self.panel.settings)
        self.prefs.save_net_settings(self.net.panel.settings)
        self.prefs.model = self.model
        self.landscape3d.remember()
        self.prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.remember()
        self.timer.stop()
        self.files.shutdown()  # an animation being written stops, its partial file goes
        self.experiments.shutdown()  # an open formula dialog stops its checker
        self.analysis.shutdown()
        self.landscape3d.shutdown()  # (its OpenGL buffers, while their context lives)
        self.net.shutdown()
        self.simulator.shutdown()
        super().closeEvent(event)
