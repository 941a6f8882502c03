"""The analysis in the window: basins of attraction over the contour view, the (alpha, mu)
map and the learning-rate sweep in a dock, curvature arrows and the gradient field, with a
progress bar and a Cancel button per running job in the status bar.

:func:`install` adds all of it to a :class:`~gui.main_window.MainWindow` (its dock, its
Analysis menu, its status-bar widgets) and returns the :class:`AnalysisController`, whose
:meth:`~AnalysisController.shutdown` the window calls when it closes.

Data flow, as for the trajectories: a control change -> the controller derives each view's
spec (a frozen value from the panel's settings) -> if it differs from what the view shows or
is computing, its :class:`~gui.jobs.Runner` runs it off the GUI thread, cancelling the stale
job -> each finished pass arrives as a frozen result -> the view calls ``setImage``/``setData``.
What to compute comes from the panel's settings (which racer is selected included) and the
contour view's surface and view box, never from reading a widget of the controls; the handlers
of each kind are listed in explicit tables. A view computes only while it is on screen; the
basin map does not depend on the start, the (alpha, mu) map not on alpha or mu, the sweep not
on alpha, so dragging those only moves a crosshair or a ring.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.schedules import CONSTANT
from gui.analysis_data import (
    BasinResult,
    BasinSpec,
    Memo,
    PhaseResult,
    PhaseSpec,
    SweepResult,
    SweepSpec,
    compute_basins,
    compute_phase,
    compute_sweep,
    sweep_curves,
)
from gui.analysis_views import BasinOverlay, CurvatureOverlay, GradientField, PhaseView, SweepView
from gui.figure import ANALYSIS_PARTS, analysis_figure_bytes, check_analysis_request, write_bytes
from gui.file_menu import ExportDialog, ask_save, window_overlays
from gui.jobs import SHOW_AFTER_MS, JobStatus, Runner

KINDS = ("basins", "phase", "sweep")
TITLES = {"basins": "basins", "phase": "(α, μ) map", "sweep": "α sweep"}
BUDGETS = (1.0, 3.0, 10.0, 30.0)  # seconds per map
RANGE_SETTLE_MS = 200  # the view must rest this long before the basin map follows a zoom
MOMENTUM_TYPES = ("momentum", "nesterov")
MAP_HEIGHT = 250  # px at zoom 1: the (alpha, mu) map and the sweep never shrink below this


def row_names(settings) -> tuple[str, ...]:
    """The racers as the control panel names them (``gd``, ``gd #2`` ...)."""
    f = getattr(settings, "row_names", None)
    if callable(f):
        return tuple(f())
    return tuple(e.name for e in settings.optimizers)


def _round_box(box) -> tuple[tuple[float, float], tuple[float, float]]:
    """The view box to 1e-4 of its span: a relayout that moves it by a hair is no new map."""
    out = []
    for lo, hi in box:
        span = abs(hi - lo) or 1.0
        d = max(0, 4 - math.floor(math.log10(span)))
        out.append((round(float(lo), d), round(float(hi), d)))
    return tuple(out)  # type: ignore[return-value]


class AnalysisPanel(QWidget):
    """The Analysis dock: a tab per view and their options."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)

        # basins
        page = QWidget()
        form = QFormLayout(page)
        self.basins_box = QCheckBox("Show the basins  (Ctrl+B)")
        self.basins_box.setObjectName("analysis.basins")
        form.addRow(self.basins_box)
        self.basins_about = _hint(
            "Drawn over the landscape: each start of a grid across its view box (or the part in "
            "sight when zoomed in), coloured by where the "
            "optimizer selected under Controls ends, with its α, μ, steps and tolerance: one "
            "colour per minimum (the stars carry the same colour and number), grey where it "
            "did not converge, near black where it diverged; paler where it got there sooner. "
            "A coarse map comes first, then a finer one as far as the time budget allows. "
            "Zoom in to map a border in more detail."
        )
        form.addRow(self.basins_about)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(10, 95)
        self.opacity.setValue(65)
        self.opacity.setObjectName("analysis.opacity")
        form.addRow("opacity", self.opacity)
        self.basin_grid = QComboBox()
        for n in (64, 128, 256, 512):
            self.basin_grid.addItem(f"{n} × {n}", n)
        self.basin_grid.setCurrentIndex(2)
        form.addRow("finest grid", self.basin_grid)
        self.legend_box = QCheckBox("legend on the plot")
        self.legend_box.setChecked(True)
        form.addRow(self.legend_box)
        self.basin_info = _hint("")
        form.addRow(self.basin_info)
        self.tabs.addTab(page, "Basins")

        # (alpha, mu) map
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.phase = PhaseView()
        self.phase.setMinimumHeight(MAP_HEIGHT)
        v.addWidget(self.phase, 1)
        self.phase_legend = _hint("")
        self.phase_info = _hint("Click the map to race that α and μ.")
        v.addWidget(self.phase_legend)
        v.addWidget(self.phase_info)
        row = QHBoxLayout()
        row.addWidget(QLabel("finest grid"))
        self.phase_grid = QComboBox()
        for n in (32, 64, 96, 128):
            self.phase_grid.addItem(f"{n} × {n}", n)
        self.phase_grid.setCurrentIndex(1)
        row.addWidget(self.phase_grid)
        row.addStretch(1)
        v.addLayout(row)
        self.phase.legendChanged.connect(self.phase_legend.setText)
        self.tabs.addTab(page, "(α, μ) map")

        # learning-rate sweep
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.sweep = SweepView()
        self.sweep.setMinimumHeight(MAP_HEIGHT)
        v.addWidget(self.sweep, 1)
        self.sweep_legend = _hint("")
        self.sweep_info = _hint("Click a dot (or an ✕) to race that optimizer with that α.")
        v.addWidget(self.sweep_legend)
        v.addWidget(self.sweep_info)
        row = QHBoxLayout()
        row.addWidget(QLabel("learning rates"))
        self.sweep_points = QComboBox()
        for n in (25, 61, 121):
            self.sweep_points.addItem(str(n), n)
        self.sweep_points.setCurrentIndex(1)
        row.addWidget(self.sweep_points)
        row.addStretch(1)
        v.addLayout(row)
        self.sweep.legendChanged.connect(self.sweep_legend.setText)
        self.tabs.addTab(page, "α sweep")

        # curvature
        page = QWidget()
        form = QFormLayout(page)
        # short box texts, the rest wrapped below them: a long one would set the width of
        # the whole right-hand column
        self.curv_box = QCheckBox("Curvature arrows  (Ctrl+K)")
        self.field_box = QCheckBox("Gradient field  (Ctrl+G)")
        form.addRow(self.curv_box)
        form.addRow(_hint("at the cursor and at the trajectories' heads"))
        form.addRow(self.field_box)
        form.addRow(_hint("downhill arrows over the landscape"))
        form.addRow(_hint(
            "The two arrows lie along the Hessian's eigenvectors, each as long as its eigenvalue's "
            "share of the larger one: their ratio is the condition number κ. Solid green: the loss "
            "curves up that way (λ &gt; 0); dashed red: it curves down (λ &lt; 0), the way out of a saddle."
        ))
        self.tabs.addTab(page, "Curvature")

        row = QHBoxLayout()
        row.addWidget(QLabel("time budget per map"))
        self.budget = QComboBox()
        for b in BUDGETS:
            self.budget.addItem(f"{b:g} s", b)
        self.budget.setCurrentIndex(1)
        self.budget.setToolTip("a finer grid is computed only if the last pass says it fits in this time")
        row.addWidget(self.budget)
        row.addStretch(1)
        lay.addLayout(row)


    def set_look(self, look) -> None:
        for view in (self.phase, self.sweep):
            view.setMinimumHeight(round(MAP_HEIGHT * look.zoom))


def _hint(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setObjectName("hint")
    lab.setTextFormat(Qt.TextFormat.RichText)
    lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return lab


class AnalysisController(QObject):
    """Keeps the analysis views in step with the controls (see the module docstring)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.controls = window.panel
        self.contour = window.contour
        # one runner per kind, each with what it keeps between its jobs (gui.jobs)
        self.runners = {
            "basins": Runner("basins", partial(compute_basins, memo=Memo()), self),
            "phase": Runner("phase", partial(compute_phase, memo=Memo()), self),
            "sweep": Runner("sweep", partial(compute_sweep, memo=Memo()), self),
        }
        self.overlay = BasinOverlay(self.contour)
        self.curvature = CurvatureOverlay(self.contour)
        self.field = GradientField(self.contour)
        self.panel = AnalysisPanel()
        self.phase_view, self.sweep_view = self.panel.phase, self.panel.sweep
        self.results: dict[str, object] = dict.fromkeys(KINDS)  # what each view shows
        self._cancelled: dict[str, object] = dict.fromkeys(KINDS)  # spec the user cancelled
        self.cursor: tuple[float, float] | None = None
        self.step = 0
        self._closed = False
        self.pending_export: tuple | None = None  # (kind, path, width, fmt, dpi) waiting for its map

        dock = QDockWidget("Analysis", window)
        dock.setObjectName("analysis")
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        # in a scroll area: the maps' own minimum width must not widen the whole right-hand
        # column and squeeze the contour plot, the thing a lecture hall looks at
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        dock.setWidget(scroll)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.dock = dock  # where it stands beside the lesson is the window's layout (arrange)
        self.info_labels = {"basins": self.panel.basin_info, "phase": self.panel.phase_info,
                            "sweep": self.panel.sweep_info}

        self.statuses = {k: JobStatus(TITLES[k], r, partial(self.cancel, k)) for k, r in self.runners.items()}
        for w in self.statuses.values():
            window.statusBar().addPermanentWidget(w)

        self._range_timer = QTimer(self)
        self._range_timer.setSingleShot(True)
        self._range_timer.setInterval(RANGE_SETTLE_MS)
        self._range_timer.timeout.connect(self._on_range_settled)
        self._stale_timer = QTimer(self)
        self._stale_timer.setSingleShot(True)
        self._stale_timer.setInterval(SHOW_AFTER_MS)
        self._stale_timer.timeout.connect(self._mark_stale)

        self._make_menu()
        self._connect()

    # -- wiring ----------------------------------------------------------------------------
    def _make_menu(self) -> None:
        w = self.window
        menu = w.menuBar().addMenu("A&nalysis")
        self.menu = menu

        def action(text: str, slot, shortcut: str | None = None, checkable: bool = False) -> QAction:
            a = QAction(text, w)
            a.setCheckable(checkable)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            (a.toggled if checkable else a.triggered).connect(slot)
            menu.addAction(a)
            w.addAction(a)
            return a

        self.basins_action = action("&Basins of attraction", self.set_basins, "Ctrl+B", True)
        self.curvature_action = action("&Curvature arrows", self.set_curvature, "Ctrl+K", True)
        self.field_action = action("&Gradient field", self.set_field, "Ctrl+G", True)
        menu.addSeparator()
        self.phase_action = action("(α, μ) &map", self.show_phase, "Ctrl+M")
        self.sweep_action = action("&Learning-rate sweep", self.show_sweep, "Ctrl+L")
        menu.addAction(self.dock.toggleViewAction())
        menu.addSeparator()
        self.cancel_action = action("Cancel &running analysis", self.cancel_all, "Ctrl+.")
        self.export_action = action("&Export analysis figure…", self.export_dialog, "Ctrl+Shift+E")

    def _connect(self) -> None:
        p = self.panel
        p.basins_box.toggled.connect(self.basins_action.setChecked)
        p.curv_box.toggled.connect(self.curvature_action.setChecked)
        p.field_box.toggled.connect(self.field_action.setChecked)
        p.opacity.valueChanged.connect(self._on_opacity)
        p.legend_box.toggled.connect(self.overlay.set_legend_visible)
        p.basin_grid.currentIndexChanged.connect(self._on_option)
        p.phase_grid.currentIndexChanged.connect(self._on_option)
        p.sweep_points.currentIndexChanged.connect(self._on_option)
        p.budget.currentIndexChanged.connect(self._on_option)
        p.tabs.currentChanged.connect(self._on_tab)
        self.dock.visibilityChanged.connect(self._on_dock_visible)
        self.phase_view.picked.connect(self.pick_phase)
        self.phase_view.hovered.connect(self._on_phase_hover)
        self.sweep_view.picked.connect(self.pick_sweep)
        self.sweep_view.hovered.connect(self.panel.sweep_info.setText)
        results = {"basins": self._on_basins_result, "phase": self._on_phase_result, "sweep": self._on_sweep_result}
        ends = {"basins": self._on_basins_ended, "phase": self._on_phase_ended, "sweep": self._on_sweep_ended}
        for kind, r in self.runners.items():
            r.resultReady.connect(results[kind])
            r.ended.connect(ends[kind])
        c = self.controls
        c.settingsChanged.connect(self._on_settings)
        c.selectionChanged.connect(self._on_selection)
        w = self.window
        w.frameShown.connect(self._on_frame)
        w.stepShown.connect(self._on_step)
        self.contour.hovered.connect(self._on_hover)
        self.contour.plot.vb.sigRangeChanged.connect(self._on_range)

    # -- what each view needs --------------------------------------------------------------
    def selected(self):
        """``(row index, entry)`` of the racer selected under Controls, or None."""
        return self.controls.settings.selected_entry

    def phase_entry(self):
        """The racer the (alpha, mu) map is about: the selected one if it takes mu
        (momentum or nesterov), else the first momentum racer."""
        s = self.controls.settings
        sel = self.selected()
        if sel is not None and sel[1].name in MOMENTUM_TYPES:
            return sel
        for i, e in enumerate(s.optimizers):
            if e.name == "momentum":
                return i, e
        return None

    def _start(self, settings) -> tuple[float, ...] | None:
        from engine.landscapes import LANDSCAPES

        try:
            dim = LANDSCAPES[settings.landscape].dim
            return tuple(float(c) for c in settings.init.resolve(dim))
        except (KeyError, ValueError):
            return None

    def _surface_ready(self) -> bool:
        s = self.contour.surface
        return s is not None and s.key == self.controls.settings.landscape_key

    def wanted(self, kind: str):
        """The spec the view should show now (None: not computable yet)."""
        s = self.controls.settings
        budget = float(self.panel.budget.currentData())
        if kind == "basins":
            sel = self.selected()
            if sel is None or not self._surface_ready():
                return None  # the new landscape's view box is known once its frame is shown
            e = sel[1]
            return BasinSpec(
                s.landscape, s.params, e.name, e.hyper, s.steps, s.tol, self.basin_box(), budget,
                int(self.panel.basin_grid.currentData()), getattr(s, "batch_size", None) is not None,
                getattr(e, "schedule", CONSTANT),
            )
        start = self._start(s)
        if start is None:
            return None
        if kind == "phase":
            pe = self.phase_entry()
            name = pe[1].name if pe is not None else "momentum"
            return PhaseSpec(
                s.landscape, s.params, name, start, s.steps, s.tol, budget, int(self.panel.phase_grid.currentData())
            )
        names = row_names(s)
        entries = [(names[i], e.name, e.params, e.color) for i, e in enumerate(s.optimizers) if e.enabled]
        return SweepSpec(
            s.landscape, s.params, sweep_curves(entries), start, s.steps, s.tol, budget,
            int(self.panel.sweep_points.currentData()),
        )

    def basin_box(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Where the basin map's grid lies: the landscape's own view box while all of it is
        in sight (so a symmetric landscape gets a symmetric grid and equal shares), else the
        visible part (zoomed in: the border in more detail)."""
        (vx0, vx1), (vy0, vy1) = view = self.contour.surface.view
        (x0, x1), (y0, y1) = self.contour.view_range()
        slack = 1e-3 * max(vx1 - vx0, vy1 - vy0)
        if x0 <= vx0 + slack and x1 >= vx1 - slack and y0 <= vy0 + slack and y1 >= vy1 - slack:
            return (tuple(map(float, view[0])), tuple(map(float, view[1])))  # type: ignore[return-value]
        return _round_box(((x0, x1), (y0, y1)))

    def on_screen(self, kind: str) -> bool:
        if kind == "basins":
            return self.basins_action.isChecked()
        if self._closed or not self.dock.isVisible():
            return False
        return self.panel.tabs.currentIndex() == KINDS.index(kind)

    def refresh(self, kind: str) -> None:
        """Compute ``kind`` if it is on screen and not shown or under way already; cancel a
        job that became stale."""
        runner = self.runners[kind]
        if not self.on_screen(kind):
            if runner.busy and runner.spec != self.wanted(kind):
                runner.cancel()  # no one will look at it
            return
        want = self.wanted(kind)
        if want is None or want == runner.spec or want == self._cancelled[kind]:
            return
        shown = self.results[kind]
        if shown is not None and shown.spec == want and shown.plan.final:
            return
        if kind == "basins" and shown is not None and (shown.spec.landscape, shown.spec.params) != (
            want.landscape, want.params
        ):
            self._clear("basins")  # its minima belong to another landscape
        self._cancelled[kind] = None
        runner.request(want)
        self._stale_timer.start()

    def refresh_all(self) -> None:
        for kind in KINDS:
            self.refresh(kind)

    @Slot()
    def _mark_stale(self) -> None:
        """A job has run for a moment: say that the picture shown is of older settings."""
        for kind, runner in self.runners.items():
            shown = self.results[kind]
            stale = runner.busy and shown is not None and shown.spec != runner.spec
            if kind == "basins":
                self.overlay.set_stale(stale)
            elif stale:
                self._info(kind, "updating…")

    # -- results ---------------------------------------------------------------------------
    @Slot(object)
    def _on_basins_result(self, result: BasinResult) -> None:
        self.results["basins"] = result
        self.overlay.show_result(result)
        self.overlay.set_visible(self.basins_action.isChecked())
        plan = result.plan
        nx, ny = result.shape
        more = "" if plan.final else "; refining…"
        self.panel.basin_info.setText(f"{nx}×{ny} starts in {plan.seconds:.2f} s{more}. {plan.note}")
        self._try_pending("basins")

    @Slot(object)
    def _on_phase_result(self, result: PhaseResult) -> None:
        self.results["phase"] = result
        self.phase_view.show_result(result)
        self._update_markers()
        n = len(result.map.alphas)
        self._info("phase", f"{n}×{n} settings in {result.plan.seconds:.2f} s. {result.plan.note} "
                            f"{self._batch_note()}Click the map to race that α and μ.")
        self._try_pending("phase")

    @Slot(object)
    def _on_sweep_result(self, result: SweepResult) -> None:
        self.results["sweep"] = result
        self.sweep_view.show_result(result)
        self._update_markers()
        n = len(result.sweep.alphas)
        self._info("sweep", f"{n} learning rates in {result.plan.seconds:.2f} s. {result.plan.note} "
                            f"{self._batch_note()}Click a dot (or an ✕) to race that optimizer with that α.")
        self._try_pending("sweep")

    def _batch_note(self) -> str:
        if getattr(self.controls.settings, "batch_size", None) is None:
            return ""
        return "Full-batch gradients (the racers use mini-batches). "

    def _ended(self, kind: str, status: str) -> None:
        if status == "cancelled" or status.startswith("error"):
            self._drop_pending(kind, "was not finished" if status == "cancelled" else "could not be computed")
        if status.startswith("error"):
            reason = status.partition(": ")[2]
            self._info(kind, f"cannot compute: {reason}")
            self.window.show_refusal(f"{TITLES[kind]}: {reason}")
            return
        if status == "cancelled":
            shown = self.results[kind]
            if shown is None:
                return
            if shown.spec != self.wanted(kind):
                self._clear(kind)  # a picture of other settings, never finished: nothing stays
            elif not shown.plan.final:
                note = "refinement cancelled"
                self.results[kind] = done = replace(shown, plan=replace(shown.plan, final=True, note=note))
                if kind == "basins":
                    self.overlay.show_result(done)
                self._info(kind, f"{note}: the coarse picture stays.")
        if kind == "basins":
            self.overlay.set_stale(False)

    @Slot(str)
    def _on_basins_ended(self, status: str) -> None:
        self._ended("basins", status)

    @Slot(str)
    def _on_phase_ended(self, status: str) -> None:
        self._ended("phase", status)

    @Slot(str)
    def _on_sweep_ended(self, status: str) -> None:
        self._ended("sweep", status)

    def _clear(self, kind: str) -> None:
        self.results[kind] = None
        if kind == "basins":
            self.overlay.clear()
            self.panel.basin_info.setText("")
        elif kind == "phase":
            self.phase_view.clear_result()
        else:
            self.sweep_view.clear_result()

    def _info(self, kind: str, text: str) -> None:
        self.info_labels[kind].setText(text)

    # -- controls --------------------------------------------------------------------------
    @Slot(object)
    def _on_settings(self, _settings: object) -> None:
        self._update_markers()
        self.refresh_all()

    @Slot(int)
    def _on_selection(self, _row: int) -> None:
        self._update_markers()
        self.refresh("basins")
        self.refresh("phase")

    @Slot()
    def _on_option(self) -> None:
        self._cancelled = dict.fromkeys(KINDS)
        self.refresh_all()

    @Slot(int)
    def _on_opacity(self, value: int) -> None:
        self.overlay.set_opacity(value / 100)

    @Slot(int)
    def _on_tab(self, _index: int) -> None:
        self.refresh_all()

    @Slot(bool)
    def _on_dock_visible(self, _visible: bool) -> None:
        self.refresh_all()

    @Slot(bool)
    def set_basins(self, on: bool) -> None:
        """Show (and compute) the basins over the contour view, or hide them."""
        self.panel.basins_box.setChecked(on)
        self._cancelled["basins"] = None
        self.overlay.set_visible(on)
        if not on:
            self.runners["basins"].cancel()
        self.refresh("basins")

    @Slot(bool)
    def set_curvature(self, on: bool) -> None:
        self.panel.curv_box.setChecked(on)
        self.curvature.set_visible(on)
        self._update_curvature()

    @Slot(bool)
    def set_field(self, on: bool) -> None:
        self.panel.field_box.setChecked(on)
        self.field.set_visible(on)
        self._update_field()

    @Slot()
    def show_phase(self) -> None:
        self._show_tab("phase")

    @Slot()
    def show_sweep(self) -> None:
        self._show_tab("sweep")

    def _show_tab(self, kind: str) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.tabs.setCurrentIndex(KINDS.index(kind))
        self.refresh(kind)

    def cancel(self, kind: str) -> None:
        """The Cancel button: stop the job; a picture of other settings goes, a finished
        coarse pass of these settings stays (marked so)."""
        runner = self.runners[kind]
        if runner.busy:
            self._cancelled[kind] = runner.spec
            runner.cancel()

    @Slot()
    def cancel_all(self) -> None:
        for kind in KINDS:
            self.cancel(kind)

    # -- picking settings from the maps ----------------------------------------------------
    @Slot(float, float)
    def pick_phase(self, alpha: float, mu: float) -> None:
        """A click on the (alpha, mu) map: race the map's optimizer with that setting."""
        pe = self.phase_entry()
        name = pe[1].name if pe is not None else "momentum"
        if pe is not None:
            self.controls.select_row(pe[0])
        self.controls.apply_hyper({"alpha": alpha, "mu": mu}, name)

    @Slot(int, float)
    def pick_sweep(self, curve: int, alpha: float) -> None:
        """A click on the sweep: race that curve's optimizer (the selected racer if it is on
        that curve, else its first) with that alpha."""
        r = self.results["sweep"]
        if r is None or not 0 <= curve < len(r.curves):
            return
        c = r.curves[curve]
        names = row_names(self.controls.settings)
        sel = self.selected()
        if sel is None or names[sel[0]] not in c.rows:
            self.controls.select_optimizer(c.rows[0])
        self.controls.apply_hyper({"alpha": alpha}, c.name)

    @Slot(float, float)
    def _on_phase_hover(self, alpha: float, mu: float) -> None:
        r = self.results["phase"]
        if r is None:
            return
        steps = r.steps_at(alpha, mu)
        if steps is None:
            return
        what = "diverges" if steps == -1 else "does not converge" if steps < 0 else f"converges in {steps} steps"
        self.panel.phase_info.setText(f"α = {alpha:.3g}, μ = {mu:.3g}: {r.map.optimizer} {what}. Click to race it.")

    def _update_markers(self) -> None:
        s = self.controls.settings
        pe = self.phase_entry()
        if pe is not None:
            p = pe[1].params
            self.phase_view.set_current(p.get("alpha"), p.get("mu"))
        else:
            self.phase_view.set_current(None, None)
        r = self.results["sweep"]
        if r is None:
            return
        names = row_names(s)
        marks = []
        for i, e in enumerate(s.optimizers):
            if not e.enabled or "alpha" not in e.params:
                continue
            for ci, c in enumerate(r.curves):
                if names[i] in c.rows:
                    marks.append((ci, float(e.params["alpha"]), e.color))
        self.sweep_view.set_current(marks)

    # -- the contour view ------------------------------------------------------------------
    @Slot(int)
    def _on_frame(self, _generation: int) -> None:
        self.refresh_all()  # a new landscape's basins wait for its frame (and view box)
        self._update_field()
        self._update_curvature()

    @Slot(int)
    def _on_step(self, k: int) -> None:
        self.step = k
        if self.curvature_action.isChecked():
            self._update_curvature()

    @Slot(float, float, float)
    def _on_hover(self, x: float, y: float, _loss: float) -> None:
        self.cursor = (x, y)
        if self.curvature_action.isChecked():
            self._update_curvature()

    @Slot(object, object)
    def _on_range(self, *_args: object) -> None:
        if self.curvature_action.isChecked():
            self._update_curvature()
        self._range_timer.start()

    @Slot()
    def _on_range_settled(self) -> None:
        self._update_field()
        self.refresh("basins")

    def _arrow_length(self) -> float:
        (x0, x1), (y0, y1) = self.contour.view_range()
        return 0.07 * min(abs(x1 - x0), abs(y1 - y0))

    def _update_curvature(self) -> None:
        if not self.curvature_action.isChecked():
            return
        f = self.window.frame
        heads = []
        if f is not None and f.tracks and f.landscape is self.contour.landscape:
            for t in f.tracks:
                heads.append((t.xy[t.upto(self.step) - 1], t.label, t.color))
        self.curvature.update(self.contour.landscape, self.cursor, heads, self._arrow_length())

    def _update_field(self) -> None:
        if not self.field_action.isChecked() or self.contour.surface is None:
            return
        self.field.rebuild(self.contour.landscape, self.contour.view_range(), self.contour.surface.key)

    # -- export ----------------------------------------------------------------------------
    def is_current(self, kind: str) -> bool:
        """The view shows a finished map of the current settings (a coarse one, if its
        refinement was cancelled), not one of older settings."""
        r = self.results[kind]
        want = self.wanted(kind)
        return r is not None and want is not None and r.spec == want and r.plan.final

    def figure_bytes(self, what: str, width: int = 1600, fmt: str = "png", dpi: float | None = None) -> bytes:
        """The analysis figure ``what`` as the window shows it. Raises ``ValueError`` when
        that view has no finished map of the current settings."""
        r = self.results[what]
        if r is None or not self.is_current(what):
            raise ValueError(f"the {TITLES[what]} on screen is not of the current settings")
        if what == "basins":
            f = self.window.frame
            tracks = f.tracks if f is not None and f.landscape is self.contour.landscape else ()
            ov = window_overlays(self.window)
            return analysis_figure_bytes(
                "basins", r, fmt=fmt, width=width, dpi=dpi, surface=self.contour.surface,
                landscape=self.contour.landscape, tracks=tracks, steps=f.settings.steps if f is not None else 0,
                step=self.window.step if self.window.mode == "animate" else None, view=self.contour.view_range(),
                opacity=self.panel.opacity.value() / 100, tol=f.settings.tol if f is not None else None, overlays=ov,
            )
        if what == "phase":
            return analysis_figure_bytes("phase", r, fmt=fmt, width=width, dpi=dpi,
                                         current=self.phase_view.current_setting)
        return analysis_figure_bytes("sweep", r, fmt=fmt, width=width, dpi=dpi, current=self.sweep_view.current)

    def export_figure(self, path: str | Path, what: str = "basins", width: int = 1600, fmt: str | None = None,
                      dpi: float | None = None) -> bool:
        """Write an analysis figure of the current settings. A map that is missing or of
        older settings (steps changed since) is never written: it is computed first, with
        its progress bar and Cancel button, and the file is written when it is done
        (``pending_export``); returns whether the file was written now. Failures are said
        in one line and change nothing."""
        try:
            fmt = check_analysis_request(path, what, width, fmt, dpi)
            folder = Path(path).resolve().parent
            if not folder.is_dir():
                raise OSError(f"folder {folder} does not exist")
            if not self.is_current(what):
                self._compute_for_export(what, (str(path), width, fmt, dpi))
                return False
            write_bytes(path, self.figure_bytes(what, width, fmt, dpi))
        except (OSError, ValueError) as exc:
            QMessageBox.critical(self.window, "Basin", f"Could not export the figure to {path}:\n{exc}")
            return False
        self.window.statusBar().setStyleSheet("")
        self.window.statusBar().showMessage(f"figure written to {path}", 8000)
        return True

    def _compute_for_export(self, what: str, request: tuple) -> None:
        """Bring ``what`` up to date for an export waiting on it (or refuse: ValueError)."""
        if self.wanted(what) is None and what != "basins":
            raise ValueError(f"the {TITLES[what]} cannot be computed for these settings")
        if what == "basins":
            if not self.basins_action.isChecked():
                self.basins_action.setChecked(True)
            if self.wanted("basins") is None:
                raise ValueError("the basins cannot be computed yet: wait for the run to be drawn")
        else:
            self._show_tab(what)
        self._cancelled[what] = None
        self.pending_export = (what, *request)
        self.refresh(what)
        shown = self.results[what]
        why = "is not computed yet" if shown is None else "on screen is of older settings"
        self.window.statusBar().setStyleSheet("")
        self.window.statusBar().showMessage(
            f"the {TITLES[what]} {why}: computing it, the figure is written when it is done (Cancel stops it)", 15000
        )
        self._try_pending(what)

    def _try_pending(self, kind: str) -> None:
        """Write the waiting export once its map is current and final."""
        p = self.pending_export
        if p is None or p[0] != kind or not self.is_current(kind):
            return
        self.pending_export = None
        what, path, width, fmt, dpi = p
        self.export_figure(path, what, width, fmt, dpi)

    def _drop_pending(self, kind: str, why: str) -> None:
        p = self.pending_export
        if p is not None and p[0] == kind:
            self.pending_export = None
            self.window.show_refusal(f"{p[1]} not written: the {TITLES[kind]} {why}")

    @Slot()
    def export_dialog(self) -> None:
        current = KINDS[self.panel.tabs.currentIndex()] if self.panel.tabs.currentIndex() < 3 else "basins"
        current = current if self.results[current] is not None else "basins"
        dlg = ExportDialog(self.window, "Export analysis figure", ANALYSIS_PARTS, current)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        what, fmt, width = dlg.choice()
        path = ask_save(self.window, "Export analysis figure", f"basin-{self.controls.settings.landscape}-{what}.{fmt}",
                        fmt)
        if path:
            self.export_figure(path, what, width, None, dlg.dpi())

    # -- look ------------------------------------------------------------------------------
    def set_look(self, look) -> None:
        """The window's zoom or theme changed: the overlays, the maps and their sizes follow."""
        k, theme = look.k, look.theme
        for item in (self.overlay, self.curvature, self.field, self.phase_view, self.sweep_view):
            item.set_look(k, theme)
        self.panel.set_look(look)
        for w in self.statuses.values():
            w.bar.setFixedWidth(round(120 * k))
        self._update_curvature()

    # -- shutdown --------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop every analysis job and wait for its thread (the window is closing)."""
        self._closed = True
        self._range_timer.stop()
        self._stale_timer.stop()
        for w in self.statuses.values():
            w.timer.stop()
        for r in self.runners.values():
            r.stop()  # every job winds down at once ...
        for r in self.runners.values():
            r.shutdown()  # ... then each thread is waited for

    def threads_running(self) -> bool:
        return any(r.busy or r.computing for r in self.runners.values())


def install(window: QMainWindow) -> AnalysisController:
    """Add the analysis to ``window`` (dock, menu, status-bar widgets, overlays)."""
    return AnalysisController(window)


__all__ = ["AnalysisController", "AnalysisPanel", "install"]
