"""The window's network mode: a deep network learning, live (issue 11).

:class:`NetworkMode` owns what the window shows when a network is chosen: its controls
(:class:`~gui.netcontrols.NetControlPanel`), its panes (:class:`~gui.netview.NetworkView` and
the slower readouts :class:`~gui.netreports.ReportsView`), and two runners (``gui.jobs``): one
computes a frame for every control change (:func:`~gui.netstate.compute_net_frame`, with a
cache that reruns only a changed racer), the other the readout of the visible tab when it is
shown. The window keeps one animation for both modes: it asks the active mode for the last
step and to draw step ``k``.

Data flows as in the two-weight view: a control change -> a frozen ``NetSettings`` -> the
runner -> a ``NetFrame`` -> the panes' ``setData``. Nothing stale is shown: a frame or a
readout of an older request is dropped. A frame that takes a while (a large net, Newton)
shows what it computes and how far it got in the status bar, with Cancel (the controls then
go back to the picture's settings); a new control change or closing the window stops it
within a fraction of a second (``engine.cancel``). A run the window cannot afford is refused
at the control that asked for it (``gui.netstate.check_frame``).
"""

from __future__ import annotations

import traceback
from dataclasses import replace

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget

from engine.cancel import Cancelled, cancelling
from engine.network.setup import NetworkSetup
from gui.jobs import Job, JobStatus, Runner
from gui.look import Look
from gui.netcontrols import NetControlPanel
from gui.netreports import NetReports, ReportRequest, ReportsView, compute_reports
from gui.netstate import NetCache, NetFrame, NetSettings, check_frame, compute_net_frame, scenario_net_settings
from gui.netview import NetworkView
from gui.netview3d import NetSurface3D

# said when memory runs out beyond what check_frame counts (the controls go back)
NO_MEMORY = "not enough memory for this network: fewer steps or racers, narrower layers"


class _Frames:
    """The frame runner's compute function and its cache (used by its one worker thread)."""

    def __init__(self) -> None:
        self.cache = NetCache()

    def __call__(self, settings: NetSettings, job: Job) -> None:
        try:
            # every long loop inside polls the job (engine.cancel): a stale request stops
            # within a fraction of a second, whatever it was computing
            with cancelling(job.cancelled):
                frame = compute_net_frame(job.generation, settings, self.cache, cancel=job.cancelled,
                                          progress=lambda f, what: job.progress(f, f"network: {what}"))
        except Cancelled:
            raise
        except MemoryError:  # beyond what the check before the run counts: the system's own limits
            self.cache = NetCache()
            frame = NetFrame(job.generation, settings, error=NO_MEMORY)
        except Exception as exc:  # a bug must not kill the thread: the window shows it
            traceback.print_exc()
            frame = NetFrame(job.generation, settings, error=f"internal error: {exc}")
        job.emit(frame)


def _reports(req: ReportRequest, job: Job) -> None:
    with cancelling(job.cancelled):
        job.emit(compute_reports(req, cancel=job.cancelled))


class NetworkMode(QObject):
    """The network view's controls, panes, runners and readouts (module docstring)."""

    frameShown = Signal(int)  # generation of the frame just drawn
    refused = Signal(str)

    def __init__(self, look: Look, parent: QObject | None = None, settings: NetSettings | None = None) -> None:
        super().__init__(parent)
        k, theme = look.k, look.theme
        self.panel = NetControlPanel(settings)
        self.controls = QScrollArea()
        self.controls.setWidget(self.panel)
        self.controls.setWidgetResizable(True)
        self.controls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view = NetworkView(k, theme)
        self.reports = ReportsView(k, theme)
        self.view.tabs.addTab(self.reports, "Curvature and symmetry")
        self.surface3d = NetSurface3D(look, self)  # the slice as a surface (View > Landscape view)
        self.view.top.addWidget(self.surface3d.view)
        self.view.top.setStretchFactor(2, 1)
        self.surface3d.refused.connect(self.refused)
        self.widget = QWidget()
        v = QVBoxLayout(self.widget)
        v.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        v.addWidget(split)
        self.runner = Runner("network", _Frames(), self, keep_thread=True)
        self.report_runner = Runner("network-readouts", _reports, self)
        # a frame that takes a while (a large net, Newton) shows its progress in the status bar
        self.status = JobStatus("network", self.runner, self.cancel,
                                "stop computing the network; the controls go back to the picture's")
        self.runner.resultReady.connect(self._on_frame)
        self.runner.ended.connect(self._on_ended)
        self.report_runner.resultReady.connect(self._on_reports)
        self.panel.settingsChanged.connect(self.request)
        self.panel.refused.connect(self.refused)
        self.reports.wanted.connect(self._want)
        self.view.tabs.currentChanged.connect(lambda _i: self.reports.ask())
        self.frame: NetFrame | None = None
        self.step: int | None = None  # None: every run's end
        self.active = False
        # the readouts wait for a moment's calm: a drag of alpha must not start Lanczos runs
        self._want_timer = QTimer(self)
        self._want_timer.setSingleShot(True)
        self._want_timer.setInterval(250)
        self._want_timer.timeout.connect(self._ask_reports)
        self._wanted: tuple[str, ...] = ()

    def set_look(self, look: Look) -> None:
        """The panes and readouts at the window's zoom and in its theme."""
        self.view.set_look(look.k, look.theme)
        self.reports.set_look(look.k, look.theme)
        self.surface3d.set_look(look)

    def set_landscape_view(self, mode: str) -> None:
        """The slice as contours, as a 3D surface in their place, or both side by side (the
        window's View > Landscape view, F3 and Shift+F3)."""
        self.view.slice.setVisible(mode != "3d")
        self.surface3d.view.setVisible(mode != "contour")
        top = self.view.top
        shares = {"contour": (1, 1, 0), "3d": (1, 0, 1), "both": (1, 1, 1)}[mode]
        total = max(top.width(), 300)
        top.setSizes([round(total * s / sum(shares)) for s in shares])

    # -- requests ----------------------------------------------------------------------------
    @property
    def settings(self) -> NetSettings:
        return self.panel.settings

    def start(self) -> None:
        """The mode became visible: compute the current settings' frame if there is none."""
        self.active = True
        if self.frame is None or self.frame.settings != self.settings:
            self.request(self.settings)

    @Slot(object)
    def request(self, settings: NetSettings) -> int:
        return self.runner.request(settings)

    @Slot()
    def cancel(self) -> None:
        """Stop the frame being computed (the status bar's Cancel): nothing of it is shown, and
        the controls go back to the settings of the picture on screen."""
        if self.runner.cancel() and self.frame is not None:
            self.panel.show_settings(self.frame.settings)

    def apply_scenario(self, scenario) -> bool:
        """Set the controls as a network lesson asks; False (and the reason said) when the
        window cannot afford it (a lesson of one's own asking for too large a run)."""
        settings = scenario_net_settings(scenario)
        try:
            check_frame(settings)
        except ValueError as exc:
            self.refused.emit(f"{scenario.name}: {exc}")
            return False
        self.panel.apply_settings(settings)
        return True

    def apply_setup(self, setup: NetworkSetup) -> None:
        self.panel.apply_settings(replace(self.settings, setup=setup))

    @Slot(object)
    def _on_frame(self, frame: NetFrame) -> None:
        if frame.error is not None:
            self.refused.emit(frame.error)
            if frame.error == NO_MEMORY and self.frame is not None:
                self.panel.show_settings(self.frame.settings)
            return  # keep the last good picture
        self.frame = frame
        self.view.set_frame(frame)
        self.view.show_racer(min(frame.settings.selected, len(frame.names) - 1))
        self.reports.show_racer(self.view.data.shown)
        self.reports.set_frame(frame)
        self.view.show_step(self.step)
        self.surface3d.set_frame(frame, self.step)
        self.frameShown.emit(frame.generation)

    @Slot(str)
    def _on_ended(self, status: str) -> None:
        if status.startswith("error"):
            self.refused.emit(status.removeprefix("error: "))

    @Slot(tuple)
    def _want(self, kinds: tuple[str, ...]) -> None:
        self._wanted = kinds
        self._want_timer.start()

    def _ask_reports(self) -> None:
        if self.frame is not None and self._wanted:
            self.report_runner.request(ReportRequest(self.frame, self._wanted))

    @Slot(object)
    def _on_reports(self, r: NetReports) -> None:
        self.reports.show_reports(r)

    # -- the window's animation ----------------------------------------------------------------
    @property
    def last_step(self) -> int:
        f = self.frame
        return 0 if f is None else int(f.run.stop.max())

    @property
    def steps(self) -> int:
        return self.settings.steps

    def draw(self, k: int | None, live: bool = False) -> None:
        """Show step ``k`` of every run (None: their ends); ``live``: the animation plays."""
        self.step = k
        self.view.show_step(k, live)
        self.surface3d.show_step(k)

    # -- the window ----------------------------------------------------------------------------
    def shutdown(self) -> None:
        self._want_timer.stop()
        self.surface3d.shutdown()
        self.runner.stop()
        self.report_runner.stop()
        self.runner.shutdown()
        self.report_runner.shutdown()
