"""GUI speed, offscreen: from a control change to the finished redraw, and animation.

Prints figures; no pass or fail. Targets (issue 3): <= 16 ms for 4 optimizers x 500 steps,
<= 33 ms for all 7 x 1000 steps, and 60 frames per second while animating 7 optimizers.
Switching the landscape (issue 16): from the choice to the new picture drawn, for landscapes
the window has not shown lately (its surface is sampled anew), analytic and trained on data.

"Finished redraw" means the frame was applied and both views have painted it (a paint
event filter on their viewports tells when). Two kinds of change are timed: dragging one
racer's alpha (the worker recomputes that racer alone and the views repaint only what
changed) and moving the start (every racer recomputes and every line repaints).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile

from PySide6.QtCore import QEvent, QEventLoop, QObject, QRect, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from engine.optimizers import OPTIMIZERS
from gui.main_window import MainWindow


class Redraw(QObject):
    """Runs the Qt event loop until the window has shown its latest frame and both views
    have painted it. The GUI thread waits in the event loop, as in the app, not in a
    polling loop that would fight the worker for Python's GIL."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.views = [window.contour.viewport(), window.curves.viewport()]
        self.painted = [0, 0]
        self.loop = QEventLoop()
        self.waiting = False
        for v in self.views:
            v.installEventFilter(self)
        window.frameShown.connect(self._on_frame)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and obj in self.views:
            self.painted[self.views.index(obj)] += 1
            QTimer.singleShot(0, self._check)  # runs once this paint has finished
        return False

    def _on_frame(self, generation: int) -> None:
        if generation == self.window.simulator.generation:
            self.painted = [0, 0]  # count the paints of this frame from here

    def _check(self) -> None:
        f = self.window.frame
        latest = f is not None and f.generation == self.window.simulator.generation
        if self.waiting and latest and all(self.painted):
            self.waiting = False
            self.loop.quit()

    def wait(self) -> None:
        self.painted = [0, 0]
        self.waiting = True
        QTimer.singleShot(5000, self.loop.quit)  # never hang
        QTimer.singleShot(0, self._check)
        self.loop.exec()


def idle(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def configure(window: MainWindow, redraw: Redraw, names: tuple[str, ...], steps: int) -> None:
    for name in OPTIMIZERS:
        window.panel.set_enabled(name, name in names)
    box = window.panel.steps_box
    box.lineEdit().setText(str(steps))
    box.editingFinished.emit()
    redraw.wait()
    idle(200)


def timed(window: MainWindow, redraw: Redraw, change, n: int = 60) -> tuple[float, float]:
    """Median ms from a change to the finished redraw, and the worker's median ms."""
    total, engine = [], []
    for i in range(n):
        t0 = time.perf_counter()
        change(i)
        redraw.wait()
        total.append(time.perf_counter() - t0)
        engine.append(window.frame.seconds)
        idle(5)
    return statistics.median(total) * 1000, statistics.median(engine) * 1000


def animation(window: MainWindow, redraw: Redraw, seconds: float = 3.0) -> float:
    """Frames painted per second while playing."""
    window.set_mode("animate")
    window.reset()
    window.set_speed(window.frame.settings.steps / (seconds + 1.0))  # never reaches the end
    start = redraw.painted[0]
    window.play()
    t0 = time.perf_counter()
    idle(int(seconds * 1000))
    window.pause()
    fps = (redraw.painted[0] - start) / (time.perf_counter() - t0)
    window.set_mode("instant")
    return fps


SWITCH_CYCLE = ("logistic-regression", "himmelblau", "two-tanh", "rosenbrock", "logistic-squared", "six-hump-camel")


def switching(window: MainWindow, redraw: Redraw, rounds: int = 3) -> dict[str, tuple[float, float]]:
    """Median ms from choosing a landscape to its picture drawn, and the worker's part, per
    landscape. The cycle visits six, so a window that keeps the last four surfaces still
    samples each anew."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in SWITCH_CYCLE}
    combo = window.panel.landscape_combo
    for _ in range(rounds):
        for name in SWITCH_CYCLE:
            t0 = time.perf_counter()
            combo.setCurrentText(name)
            redraw.wait()
            while window.frame.settings.landscape != name:  # (never so far: a guard)
                redraw.wait()
            times[name].append((time.perf_counter() - t0, window.frame.seconds))
            idle(100)
    combo.setCurrentText("rosenbrock")
    redraw.wait()
    return {
        name: (statistics.median(a for a, _ in t) * 1000, statistics.median(b for _, b in t) * 1000)
        for name, t in times.items()
    }


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    # a fresh settings folder: the window's defaults, not what a user's last session left
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    window = MainWindow()
    window.fit_to(QRect(0, 0, 1600, 1000))  # as on a 1600 x 1000 screen: the wide layout
    window.show()
    redraw = Redraw(window)
    redraw.wait()
    print(f"Basin GUI benchmark ({os.environ['QT_QPA_PLATFORM']} platform, window 1600x1000, rosenbrock)")
    window.panel.select_optimizer("gd")
    slider = window.panel.editor("gd").editors["alpha"].slider
    base = slider.to_tick(0.0005)

    def drag_alpha(i: int) -> None:
        slider.setValue(base + (i % 2) * 20 + i % 7)

    def move_start(i: int) -> None:
        window.contour.start.setPos(-1.5 + 0.01 * (i % 10 + 1), 2.0)  # what dragging the marker does

    four = ("gd", "momentum", "nesterov", "adam")
    for names, steps, target in ((four, 500, 16), (tuple(OPTIMIZERS), 1000, 33)):
        configure(window, redraw, names, steps)
        for what, change in (("drag gd's alpha", drag_alpha), ("drag the start", move_start)):
            total, engine = timed(window, redraw, change)
            print(
                f"{len(names)} optimizers x {steps} steps, {what}: change -> redraw median {total:.1f} ms "
                f"(worker {engine:.1f} ms; target <= {target} ms)"
            )
    configure(window, redraw, tuple(OPTIMIZERS), 1000)
    fps = animation(window, redraw)
    print(f"animation, 7 optimizers x 1000 steps: {fps:.1f} frames/s painted (target 60)")
    configure(window, redraw, ("gd", "momentum", "nesterov", "adam"), 1000)
    for name, (total, worker) in switching(window, redraw).items():
        print(f"switch to {name} (4 optimizers x 1000 steps, its surface sampled anew): {total:.0f} ms to the picture "
              f"(worker {worker:.0f} ms)")
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
