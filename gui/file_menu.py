"""The window's File menu: sessions (open, open recent, save), figures (PNG, SVG, PDF),
animations (GIF, MP4) and trajectories (CSV).

Each dialog opens in the folder last used (kept with ``QSettings``, with the list of recent
sessions). A file name whose ending is no supported format is refused with one line; a
session that cannot be read is refused with one line naming the field, and the window
keeps what it shows. An animation is rendered and encoded off the GUI thread, with a
progress bar and a Cancel button in the status bar.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from engine.network.layout import Layout
from engine.records import write_csv
from gui.animation import AnimationSpec, compute_animation
from gui.figure import FIGURE_PARTS, Overlays, Scene, Size, check_request, figure_canvas, render, write_bytes
from gui.jobs import Runner
from gui.outputs import (
    ANIMATION_FORMATS,
    DEFAULT_FPS,
    DEFAULT_SECONDS,
    DEFAULT_WIDTH,
    HOLD_SECONDS,
    MAX_DPI,
    MAX_FPS,
    MAX_FRAME_WIDTH,
    MAX_SECONDS,
    MAX_WIDTH,
    MIN_DPI,
    MIN_FPS,
    MIN_SECONDS,
    MIN_WIDTH,
    Timing,
    check_width,
    format_of,
)
from gui.prefs import user_settings
from gui.session import AnalysisState, NetSession, Session, SessionError, load_session, save_session, session_of

FILTERS = {
    "png": "PNG image (*.png)",
    "svg": "SVG vector image (*.svg)",
    "pdf": "PDF document (*.pdf)",
    "gif": "Animated GIF (*.gif)",
    "mp4": "MP4 video, H.264 (*.mp4)",
    "json": "Basin session (*.json)",
    "csv": "CSV (*.csv)",
}
RECENT_MAX = 8


def last_folder() -> str:
    folder = user_settings().value("paths/last_folder", "", type=str)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember_folder(path: str | Path) -> None:
    user_settings().setValue("paths/last_folder", str(Path(path).resolve().parent))


def ask_save(parent: QWidget, title: str, name: str, fmt: str) -> str | None:
    """A save dialog in the last folder used, for a ``fmt`` file; the name gets the
    format's ending when it has none. Returns the path or None."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(last_folder()) / name), FILTERS[fmt])
    if not path:
        return None
    if not Path(path).suffix:
        path += f".{fmt}"
    remember_folder(path)
    return path


def ask_open(parent: QWidget, title: str, fmt: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, last_folder(), f"{FILTERS[fmt]};;All files (*)")
    if not path:
        return None
    remember_folder(path)
    return path


# -- dialogs ----------------------------------------------------------------------------------


class ExportDialog(QDialog):
    """Which part to export (from ``parts``, ``(label, key)`` pairs), in which format, and
    for a PNG how large: a width in pixels or a resolution in dots per inch of the figure's
    own size. The window's figure and the analysis views both ask with it."""

    def __init__(
        self, parent: QWidget | None, title: str, parts: tuple[tuple[str, str], ...], current: str | None = None,
        formats: tuple[str, ...] = ("png", "svg", "pdf"),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.what = QComboBox()
        for label, key in parts:
            self.what.addItem(label, key)
        if current is not None:
            self.what.setCurrentIndex([k for _, k in parts].index(current))
        self.fmt = QComboBox()
        labels = {"png": "PNG (raster)", "svg": "SVG (vector, for the web and Inkscape)",
                  "pdf": "PDF (vector, for LaTeX and print)"}
        for f in formats:
            self.fmt.addItem(labels[f], f)
        self.by_width = QRadioButton("width")
        self.by_dpi = QRadioButton("resolution")
        self.by_width.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_width)
        group.addButton(self.by_dpi)
        self.width_box = QSpinBox()
        self.width_box.setRange(MIN_WIDTH, MAX_WIDTH)
        self.width_box.setValue(1600)
        self.width_box.setSuffix(" px")
        self.dpi_box = QSpinBox()
        self.dpi_box.setRange(MIN_DPI, MAX_DPI)
        self.dpi_box.setValue(300)
        self.dpi_box.setSuffix(" dpi")
        size_row = QHBoxLayout()
        for w in (self.by_width, self.width_box, self.by_dpi, self.dpi_box):
            size_row.addWidget(w)
        self.size_hint = QLabel("")
        self.size_hint.setObjectName("hint")
        form.addRow("export", self.what)
        form.addRow("format", self.fmt)
        form.addRow("size", size_row)
        form.addRow("", self.size_hint)
        for sig in (self.fmt.currentIndexChanged, self.by_width.toggled):
            sig.connect(self._sync)
        self._sync()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _sync(self) -> None:
        png = self.fmt.currentData() == "png"
        for w in (self.by_width, self.by_dpi):
            w.setEnabled(png)
        self.width_box.setEnabled(png and self.by_width.isChecked())
        self.dpi_box.setEnabled(png and self.by_dpi.isChecked())
        self.size_hint.setText(
            "vector: sharp at any size; its page is the figure's own size (96 units per inch)" if not png
            else "dpi: pixels per inch of the figure's own size (96 units per inch)"
        )

    def choice(self) -> tuple[str, str, int]:
        return self.what.currentData(), self.fmt.currentData(), self.width_box.value()

    def dpi(self) -> float | None:
        return float(self.dpi_box.value()) if self.by_dpi.isChecked() and self.fmt.currentData() == "png" else None


ANIMATION_PARTS = (*FIGURE_PARTS, ("3D surface, turning once as the race runs", "turn3d"))  # (gui/view3d.py)
NETWORK_ANIMATION_PARTS = (("data and boundaries, loss and accuracy", "network"),)  # (gui/network_figure.py)


class AnimationDialog(QDialog):
    """Which panels (``parts``: ``(label, key)`` pairs), GIF or MP4, the frames' width,
    frames per second and length."""

    def __init__(self, parent: QWidget | None, parts: tuple[tuple[str, str], ...] = ANIMATION_PARTS) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        form = QFormLayout(self)
        self.what = QComboBox()
        for label, key in parts:
            self.what.addItem(label, key)
        self.fmt = QComboBox()
        self.fmt.addItem("GIF (slides, web pages)", "gif")
        self.fmt.addItem("MP4 video, H.264 (smaller, sharper)", "mp4")
        self.width_box = QSpinBox()
        self.width_box.setRange(MIN_WIDTH, MAX_FRAME_WIDTH)
        self.width_box.setSuffix(" px")
        self.fps_box = QSpinBox()
        self.fps_box.setRange(int(MIN_FPS), int(MAX_FPS))
        self.fps_box.setSuffix(" frames/s")
        self.seconds_box = QDoubleSpinBox()
        self.seconds_box.setRange(MIN_SECONDS, MAX_SECONDS)
        self.seconds_box.setDecimals(1)
        self.seconds_box.setValue(DEFAULT_SECONDS)
        self.seconds_box.setSuffix(" s")
        self.frames_hint = QLabel("")
        self.frames_hint.setObjectName("hint")
        form.addRow("export", self.what)
        form.addRow("format", self.fmt)
        form.addRow("width", self.width_box)
        form.addRow("speed", self.fps_box)
        form.addRow("length", self.seconds_box)
        form.addRow("", self.frames_hint)
        self.fmt.currentIndexChanged.connect(self._defaults)
        self.fps_box.valueChanged.connect(self._hint)
        self.seconds_box.valueChanged.connect(self._hint)
        self._defaults()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _defaults(self) -> None:
        fmt = self.fmt.currentData()
        self.width_box.setValue(DEFAULT_WIDTH[fmt])
        self.fps_box.setValue(int(DEFAULT_FPS[fmt]))
        self._hint()

    def _hint(self) -> None:
        n = max(2, round(self.fps_box.value() * self.seconds_box.value()))
        self.frames_hint.setText(f"{n} frames from step 0 to the end of the race, the last held {HOLD_SECONDS:g} s")

    def choice(self) -> tuple[str, str, int, float, float]:
        return (self.what.currentData(), self.fmt.currentData(), self.width_box.value(), float(self.fps_box.value()),
                float(self.seconds_box.value()))


class AnimationStatus(QWidget):
    """An animation being written, in the status bar: what, a progress bar and Cancel."""

    def __init__(self, runner) -> None:
        super().__init__()
        self.runner = runner
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 0, 0)
        lay.setSpacing(4)
        self.label = QLabel("animation")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(120)
        self.button = QToolButton()
        self.button.setText("Cancel")
        self.button.setToolTip("stop writing the animation (nothing is written)")
        self.button.clicked.connect(runner.cancel)
        for wdg in (self.label, self.bar, self.button):
            lay.addWidget(wdg)
        runner.progressed.connect(self.on_progress)
        runner.busyChanged.connect(self.setVisible)
        self.hide()

    @Slot(float, str)
    def on_progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(100 * fraction))
        self.label.setText(text)


# -- what the window shows, as a figure's scene -------------------------------------------------


EVALUATE_STEPS = 500  # steps evaluated between two looks at the cancel flag (~0.1 s for a 16-16 net)


def network_training(frame, cancel=None, progress=None):
    """A network frame's race with its losses and accuracies at every step (the view keeps
    them at a few hundred steps: an export has them all), evaluated a block of steps at a
    time: ``cancel()`` turning true raises ``Cancelled`` between blocks, ``progress(fraction,
    text)`` says how far it is."""
    import numpy as np

    from engine.network.metrics import Metrics, evaluate
    from engine.simulation import Cancelled
    from gui.netreports import training_of

    theta = frame.run.theta
    n = theta.shape[1]
    parts = []
    for a in range(0, n, EVALUATE_STEPS):
        if cancel is not None and cancel():
            raise Cancelled()
        parts.append(evaluate(frame.net, theta[:, a : a + EVALUATE_STEPS]))
        if progress is not None:
            done = min(a + EVALUATE_STEPS, n)
            progress(done / n, f"animation: losses and accuracies, step {done - 1} of {n - 1}")
    metrics = Metrics(*(np.concatenate([getattr(m, k) for m in parts], axis=1)
                        for k in ("train_loss", "val_loss", "train_acc", "val_acc")))
    return replace(training_of(frame), metrics=metrics)



def window_overlays(window) -> Overlays:
    """The overlays on the window's contour view: the basin map (when it is on and of the
    current settings), the gradient field, curvature arrows, a lesson's marks."""
    an = getattr(window, "analysis", None)
    marks, line = window.contour.marks()
    if an is None:
        return Overlays(marks=tuple(marks), marks_line=line)
    basins = an.results.get("basins") if an.basins_action.isChecked() else None
    return Overlays(
        basins=basins,
        opacity=an.panel.opacity.value() / 100,
        basin_legend=an.panel.legend_box.isChecked(),
        field=an.field_action.isChecked(),
        field_n=an.field.n,
        curvature=an.curvature_action.isChecked(),
        marks=tuple(marks),
        marks_line=line,
    )


def window_scene(window, step: int | None = None) -> Scene:
    """The window's picture as a figure's scene: the same run, step, tolerance, view and
    overlays. Raises ``ValueError`` when there is nothing to show yet."""
    f = window.frame
    if f is None or f.surface is None:
        raise ValueError("nothing to export yet: the first run has not finished")
    if step is None and window.mode == "animate":
        step = window.step
    return Scene(
        f.surface, f.landscape, f.tracks, f.settings.steps, step, f.settings.tol, window.contour.view_range(),
        window_overlays(window),
    )


class FileActions(QObject):
    """The File menu's entries and what they do, for one window."""

    def __init__(self, window, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.menu = menu

        def action(text: str, slot, shortcut=None) -> QAction:
            a = QAction(text, window)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slot)
            menu.addAction(a)
            window.addAction(a)
            return a

        self.open_action = action("&Open session…", self.open_session_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.save_action = action("&Save session…", self.save_session_dialog, QKeySequence.StandardKey.Save)
        menu.addSeparator()
        self.export_action = action("&Export figure…", self.export_dialog, "Ctrl+E")
        self.animation_action = action("Export &animation…", self.animation_dialog, "Ctrl+Shift+A")
        self.csv_action = action("Export trajectories as &CSV…", self.export_csv_dialog)
        self._pending_session = None  # (session, generation) applied once its frame is shown
        self._held_view = None  # an opened session's view, kept while the docks settle
        window.frameShown.connect(self._on_frame)
        window.net.frameShown.connect(self._on_net_frame)
        window.contour.plot.vb.sigResized.connect(self._set_view)
        # the animation job: rendered and encoded off the GUI thread
        self.animator = Runner("animation", compute_animation, self)
        self.animator.resultReady.connect(self._on_animation_done)
        self.animator.ended.connect(self._on_animation_ended)
        self.progress = AnimationStatus(self.animator)
        window.statusBar().addPermanentWidget(self.progress)

    # -- messages ---------------------------------------------------------------------------------
    def _done(self, text: str) -> None:
        bar = self.window.statusBar()
        bar.setStyleSheet("")
        bar.showMessage(text, 8000)

    def _error(self, text: str) -> None:
        QMessageBox.critical(self.window, "Basin", text)

    # -- figure -----------------------------------------------------------------------------------
    def export_figure(self, path: str | Path, what: str = "both", width: int = 1600, fmt: str | None = None,
                      dpi: float | None = None) -> bool:
        """Write the figure as the window shows it (same step, view and overlays); on
        failure say so in one line and carry on. Returns whether the file was written."""
        w = self.window
        if getattr(w, "model", "two") == "network":
            return self._export_network_figure(path, width, fmt, dpi)
        try:
            fmt = check_request(path, what, width, fmt, dpi)
            basins = w.analysis.results.get("basins") if w.analysis.basins_action.isChecked() else None
            if basins is not None and not w.analysis.is_current("basins"):
                raise ValueError("the basin map on screen is of other settings and is being recomputed: "
                                 "export again when it has finished (or switch the basins off)")
            data = render(figure_canvas(window_scene(w), what), fmt, Size(width, dpi))
            write_bytes(path, data)
        except (OSError, ValueError) as exc:
            self._error(f"Could not export the figure to {path}:\n{exc}")
            return False
        self._done(f"figure written to {path}")
        return True

    def export_dialog(self) -> None:
        w = self.window
        was_playing = w.playing
        w.pause()
        dlg = ExportDialog(w, "Export figure", FIGURE_PARTS)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            what, fmt, width = dlg.choice()
            path = ask_save(w, "Export figure", f"basin-{self._shown_name()}.{fmt}", fmt)
            if path:
                self.export_figure(path, what, width, None, dlg.dpi())
        if was_playing:
            w.play()

    # -- sessions -------------------------------------------------------------------------------
    def session(self) -> Session | NetSession:
        """The picture of the view shown as a session: the two-weight view's, or the network's."""
        w = self.window
        steps = (w.net.settings if w.model == "network" else w.panel.settings).steps
        # (the step shown, within the settings' steps: a frame of more steps may still be shown)
        animation = {"mode": w.mode, "step": min(w.step, steps) if w.mode == "animate" else None,
                     "speed": float(w.speed)}
        if w.model == "network":
            return session_of(w.net.panel.settings, **animation)
        an = w.analysis
        tab = an.panel.tabs.currentIndex()
        open_view = ("phase" if tab == 1 else "sweep" if tab == 2 else None) if an.dock.isVisible() else None
        state = AnalysisState(
            basins=an.basins_action.isChecked(),
            opacity=an.panel.opacity.value() / 100,
            basin_grid=int(an.panel.basin_grid.currentData()),
            basin_legend=an.panel.legend_box.isChecked(),
            curvature=an.curvature_action.isChecked(),
            field=an.field_action.isChecked(),
            open=open_view,
            phase_grid=int(an.panel.phase_grid.currentData()),
            sweep_points=int(an.panel.sweep_points.currentData()),
            budget=float(an.panel.budget.currentData()),
        )
        f = w.frame
        view = w.contour.view_range() if f is not None and f.settings.landscape_key == w.panel.settings.landscape_key \
            else None
        return session_of(w.panel.settings, view=view, selected=w.panel.settings.selected, analysis=state, **animation)

    def save_session(self, path: str | Path) -> bool:
        try:
            format_of(path, "json", ("json",))
            save_session(path, self.session())
        except (OSError, ValueError) as exc:
            self._error(f"Could not save the session to {path}:\n{exc}")
            return False
        self._remember_recent(path)
        self._done(f"session saved to {path}")
        return True

    def session_file_name(self) -> str:
        """The save dialog's first name: the landscape's, or the network's shape (2-8-8-1)."""
        w = self.window
        if w.model == "network":
            return f"basin-network-{Layout((2, *w.net.settings.setup.net.hidden, 1)).describe()}.json"
        return f"basin-{w.panel.settings.landscape}.json"

    def save_session_dialog(self) -> None:
        path = ask_save(self.window, "Save session", self.session_file_name(), "json")
        if path:
            self.save_session(path)

    def open_session(self, path: str | Path) -> bool:
        """Show a saved session: every control, the view, the animation step and the
        analysis as saved, in the view it is of (a network session switches to the network
        view, a two-weight one to the two weights). A file that cannot be used is refused in
        one line naming the field, and the window keeps what it shows."""
        try:
            s = load_session(path)
        except SessionError as exc:
            self.window.show_refusal(str(exc))
            self._error(f"Could not open the session:\n{exc}")
            return False
        w = self.window
        w.pause()
        w.set_model(s.model)
        if isinstance(s, NetSession):
            w.net.panel.apply_settings(s.settings)
            self._pending_session = (s, w.net.runner.generation)
        else:
            w.panel.apply_settings(s.settings)
            self._pending_session = (s, w.simulator.generation)
            self._apply_analysis(s)
        self._remember_recent(path)
        self._done(f"session {Path(path).name} opened")
        return True

    def open_session_dialog(self) -> None:
        path = ask_open(self.window, "Open session", "json")
        if path:
            self.open_session(path)

    def _apply_analysis(self, s: Session) -> None:
        an, a = self.window.analysis, s.analysis
        p = an.panel
        p.opacity.setValue(round(a.opacity * 100))
        for box, value in ((p.basin_grid, a.basin_grid), (p.phase_grid, a.phase_grid),
                           (p.sweep_points, a.sweep_points), (p.budget, a.budget)):
            box.setCurrentIndex(max(0, box.findData(value)))
        p.legend_box.setChecked(a.basin_legend)
        self.window.panel.select_row(s.selected)

    def _take_pending(self, kind: type, generation: int) -> Session | NetSession | None:
        """The opened session of ``kind`` whose frame (``generation`` or later) is shown now,
        with its animation applied; None when there is none."""
        pending = self._pending_session
        if pending is None or not isinstance(pending[0], kind) or generation < pending[1]:
            return None
        self._pending_session = None
        s, w = pending[0], self.window
        w.set_speed(s.speed)
        w.panel.speed_box.setValue(s.speed)
        if s.mode == "animate":
            w.set_mode("animate")
            w.step = min(s.step if s.step is not None else 0, w.last_step)
            w._pos = float(w.step)
            w._draw(w.step)
        else:
            w.set_mode("instant")
        return s

    @Slot(int)
    def _on_net_frame(self, generation: int) -> None:
        """The opened network session's frame is shown: now its animation step."""
        self._take_pending(NetSession, generation)

    @Slot(int)
    def _on_frame(self, generation: int) -> None:
        """The opened session's frame is shown: now its view, step and analysis."""
        s = self._take_pending(Session, generation)
        if s is None:
            return
        w = self.window
        an, a = w.analysis, s.analysis
        an.basins_action.setChecked(a.basins)
        an.curvature_action.setChecked(a.curvature)
        an.field_action.setChecked(a.field)
        if a.open is not None:
            an._show_tab(a.open)
        if s.view is not None:
            # the saved extent (at least that: a window of another shape shows more along one
            # axis, never less), again whenever the plot is resized in the next second (the
            # docks the session opens take their size over a few events)
            self._held_view = s.view
            self._set_view()
            QTimer.singleShot(1000, self._release_view)

    def _set_view(self, *_args) -> None:
        view = self._held_view
        if view is not None:
            self.window.contour.plot.vb.setRange(xRange=view[0], yRange=view[1], padding=0.0)

    def _release_view(self) -> None:
        self._held_view = None

    def _remember_recent(self, path: str | Path) -> None:
        st = user_settings()
        items = [p for p in st.value("sessions/recent", [], type=list) if p != str(Path(path).resolve())]
        st.setValue("sessions/recent", [str(Path(path).resolve()), *items][:RECENT_MAX])

    def recent(self) -> list[str]:
        return [str(p) for p in user_settings().value("sessions/recent", [], type=list)]

    def _fill_recent(self) -> None:
        m = self.recent_menu
        m.clear()
        items = self.recent()
        for p in items:
            a = m.addAction(Path(p).name)
            a.setToolTip(p)
            a.setStatusTip(p)
            a.triggered.connect(lambda _checked=False, p=p: self._open_recent(p))
        if not items:
            m.addAction("(no sessions yet)").setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not Path(path).is_file():
            st = user_settings()
            st.setValue("sessions/recent", [p for p in self.recent() if p != path])
            self.window.show_refusal(f"{path}: no such file (removed from the recent sessions)")
            return
        self.open_session(path)

    # -- animation --------------------------------------------------------------------------------
    def export_animation(self, path: str | Path, what: str = "both", width: int | None = None,
                         fps: float | None = None, frames: int | None = None, duration: float | None = None) -> bool:
        """Start writing the race as a GIF or MP4 in the background (progress and Cancel in
        the status bar); returns whether it started. One at a time. In the network view the
        network's race (``what`` is not asked: it has one picture)."""
        w = self.window
        try:
            fmt = format_of(path, None, ANIMATION_FORMATS)
            if self.animator.busy:
                raise ValueError("an animation is being written already: wait for it or cancel it")
            width = check_width(width if width is not None else DEFAULT_WIDTH[fmt], hi=MAX_FRAME_WIDTH)
            timing = Timing.of(fmt, fps, frames, duration)
            if self._network():
                spec = self._network_animation(str(path), fmt, width, timing)
            elif what == "turn3d":
                spec = w.landscape3d.turn_spec(str(path), fmt, width, timing)
            else:
                spec = AnimationSpec(window_scene(w), str(path), fmt, width, timing, what)
        except ValueError as exc:
            self._error(f"Could not export the animation to {path}:\n{exc}")
            return False
        self.animator.request(spec)
        self._done(f"writing {Path(path).name}…")
        return True

    def animation_dialog(self) -> None:
        w = self.window
        was_playing = w.playing
        w.pause()
        dlg = AnimationDialog(w, NETWORK_ANIMATION_PARTS if self._network() else ANIMATION_PARTS)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            what, fmt, width, fps, seconds = dlg.choice()
            path = ask_save(w, "Export animation", f"basin-{self._shown_name()}.{fmt}", fmt)
            if path:
                self.export_animation(path, what, width, fps, None, seconds)
        if was_playing:
            w.play()

    @Slot(object)
    def _on_animation_done(self, path: str) -> None:
        self._done(f"animation written to {path}")

    @Slot(str)
    def _on_animation_ended(self, status: str) -> None:
        if status == "cancelled":
            self.window.statusBar().showMessage("animation cancelled: nothing written", 8000)
        elif status.startswith("error"):
            self.window.show_refusal(f"animation not written: {status.partition(': ')[2]}")

    def shutdown(self) -> None:
        """The window is closing: stop an animation under way (its partial file goes)."""
        self.animator.shutdown()

    # -- trajectories -----------------------------------------------------------------------------
    def _shown_name(self) -> str:
        """What a file's default name says: the landscape, or the network's shape."""
        w = self.window
        if getattr(w, "model", "two") == "network" and w.net.frame is not None:
            return f"network-{w.net.frame.net.layout.describe()}"
        return w.panel.settings.landscape

    def _network(self) -> bool:
        return getattr(self.window, "model", "two") == "network"

    def _network_frame(self):
        f = self.window.net.frame
        if f is None:
            raise ValueError("nothing to export yet: the network's first run has not finished")
        return f

    def _network_training(self):
        """The network view's race with its losses and accuracies at every step."""
        return network_training(self._network_frame())

    def _network_look(self) -> dict:
        """The network figure's options that make it the window's: the racers' colours and
        the racer whose probability the data view shows."""
        net = self.window.net
        return {"colors": tuple(net.frame.colors), "shown": net.view.data.shown}

    def _network_animation(self, path: str, fmt: str, width: int, timing: Timing):
        """The network view's race as an animation; its curves at every step are computed
        with the frames, in the animation's worker."""
        from gui.animation import NetworkAnimationSpec

        f = self._network_frame()
        return NetworkAnimationSpec(partial(network_training, f), path, fmt, width, timing, **self._network_look(),
                                    evaluations=f.run.theta.shape[0] * f.run.theta.shape[1])

    def _export_network_figure(self, path: str | Path, width: int, fmt: str | None, dpi: float | None) -> bool:
        """The network's figure (gui/network_figure.py: data and boundaries, loss and
        accuracy curves), as ``train --png`` writes it, in the window's colours."""
        from gui.network_figure import training_canvas

        try:
            fmt = check_request(path, "both", width, fmt, dpi)
            data = render(training_canvas(self._network_training(), **self._network_look()), fmt, Size(width, dpi))
            write_bytes(path, data)
        except (OSError, ValueError) as exc:
            self._error(f"Could not export the figure to {path}:\n{exc}")
            return False
        self._done(f"figure written to {path}")
        return True

    def export_csv(self, path: str | Path) -> bool:
        if getattr(self.window, "model", "two") == "network":
            try:
                format_of(path, "csv", ("csv",))
                Path(path).write_text(self._network_training().csv(), encoding="utf-8")
            except (OSError, ValueError) as exc:
                self._error(f"Could not write the training curves to {path}:\n{exc}")
                return False
            self._done(f"training curves written to {path}")
            return True
        f = self.window.frame
        if f is None or f.run is None:
            self._error("Nothing to export yet.")
            return False
        try:
            format_of(path, "csv", ("csv",))
            write_csv(path, f.run)
        except ValueError as exc:
            self._error(f"Could not write the trajectories to {path}:\n{exc}")
            return False
        except OSError as exc:
            self._error(f"Could not write the trajectories to {path}:\n{exc}")
            return False
        self._done(f"trajectories written to {path}")
        return True

    def export_csv_dialog(self) -> None:
        path = ask_save(self.window, "Export trajectories", f"basin-{self._shown_name()}.csv", "csv")
        if path:
            self.export_csv(path)


__all__ = ["ExportDialog", "FileActions", "ask_open", "ask_save", "window_scene"]
