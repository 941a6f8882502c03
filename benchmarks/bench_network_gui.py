"""The network view's speed, offscreen (issue 11); prints figures, no pass or fail.

Targets: instant mode, an alpha change to the finished redraw of 7 racers x 300 steps of a
2-16-16-1 tanh net on 400 points <= 100 ms; animate mode with those 7 racers at 60 frames per
second, at least 500 optimizer steps per second per racer, the GUI never stalling more than
one frame.

"Finished redraw": the frame reached the window and the data and slice panes have painted it.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_network_gui.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="basin-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from engine.network.setup import NetworkSetup
from gui.main_window import MainWindow
from gui.netstate import NetSettings


class Painted(QObject):
    """Runs the event loop until the network view shows its latest frame, painted."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.w = window
        self.views = [window.net.view.data.viewport(), window.net.view.slice.viewport()]
        self.painted = [False, False]
        self.loop = QEventLoop()
        for v in self.views:
            v.installEventFilter(self)
        window.net.frameShown.connect(self._on_frame)
        self.shown = False

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and obj in self.views and self.shown:
            self.painted[self.views.index(obj)] = True
            QTimer.singleShot(0, self._check)
        return False

    def _on_frame(self, generation: int) -> None:
        if generation == self.w.net.runner.generation:
            self.shown = True
            self.painted = [False, False]

    def _check(self) -> None:
        if self.shown and all(self.painted):
            self.loop.quit()

    def wait(self) -> None:
        self.shown = False
        QTimer.singleShot(20000, self.loop.quit)
        self.loop.exec()


def main() -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = QApplication.instance() or QApplication(sys.argv)
    w = MainWindow()
    w.resize(1600, 1000)
    w.show()
    setup = NetworkSetup.from_fields({"data": "spirals", "points": 400, "hidden": [16, 16]})
    s = NetSettings(setup=setup, steps=300)
    firsts = tuple(replace(e, enabled=True) for e in s.racers if e.name != "newton")
    s = replace(s, racers=(*firsts, replace(s.racers[0], color="#999999")))  # seven first-order racers: gd twice
    w.model_combo.setCurrentIndex(1)
    painted = Painted(w)
    w.net.panel.apply_settings(s)
    painted.wait()
    print(f"network view, {len(s.enabled)} racers x {s.steps} steps, 2-16-16-1 tanh, {setup.data.n_points} points")
    times, worker = [], []
    for k in range(12):
        alpha = 0.2 + 0.01 * k
        racers = list(w.net.panel.settings.racers)
        racers[0] = racers[0].with_hyper("alpha", alpha)
        t = time.perf_counter()
        w.net.panel.apply_settings(replace(w.net.panel.settings, racers=tuple(racers)))
        painted.wait()
        times.append(time.perf_counter() - t)
        worker.append(w.net.frame.seconds)
    med = statistics.median(times[2:])
    print(f"instant mode: an alpha change to the finished redraw: median {med * 1e3:.0f} ms, best "
          f"{min(times) * 1e3:.0f} ms (worker {statistics.median(worker[2:]) * 1e3:.0f} ms)   (target <= 100 ms)")

    # animate mode: 7 racers x 1000 steps revealed at 600 steps per second
    w.net.panel.apply_settings(replace(w.net.panel.settings, steps=1000))
    painted.wait()
    w.set_speed(600)
    gaps: list[float] = []
    last = [time.perf_counter()]
    frames = [0]

    def on_step(_k: int) -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        frames[0] += 1

    w.stepShown.connect(on_step)
    t0 = time.perf_counter()
    w.play()
    loop = QEventLoop()
    QTimer.singleShot(100, lambda: None)
    while w.playing and time.perf_counter() - t0 < 10:
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    elapsed = time.perf_counter() - t0
    steps_per_s = w.step / elapsed
    print(f"animate mode: {frames[0] / elapsed:.1f} frames/s drawn, {steps_per_s:.0f} steps/s per racer, "
          f"longest gap between frames {max(gaps[1:]) * 1e3:.0f} ms   (target 60 frames/s, >= 500 steps/s, "
          f"no gap over one frame)")
    w.close()
    app.processEvents()


if __name__ == "__main__":
    main()
