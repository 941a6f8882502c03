"""Python's cyclic garbage collector, run in the GUI thread only.

Why: Python collects cycles in whichever thread happens to allocate past the collector's
threshold. Run in a worker thread, a collection may free the Python side of a Qt object,
and PySide then disconnects that object's signals: it takes Qt's connection lock, then
waits for Python's GIL. If the GUI thread holds the GIL at that moment and waits for the
same lock (showing a widget connects signals), each thread waits for the other and the
window freezes for good. This happened: an analysis job's progress bar was shown while its
worker collected garbage.

So automatic collection is switched off while the window runs, and a GUI-thread timer
collects with the collector's own thresholds several times a second. Reference counting
still frees everything outside a cycle at once; cycles wait at most one tick.

At the first tick (the window is built by then) everything alive is collected once and
then frozen (``gc.freeze``): the window's tens of thousands of long-lived objects are not
scanned again, so an older generation's collection takes microseconds instead of the
5-60 ms it took, which would have shown as a stutter in an animation.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 200


class Collector(QObject):
    """Collects the generations that are due, on a timer in the thread it lives in."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.frozen = False  # the objects alive at the first tick are frozen then
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect)

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def collect(self) -> int:
        """Collect the oldest generation that is due, as Python would have; return the
        number of objects found unreachable. The first time: collect all, then freeze."""
        if not self.frozen:
            self.frozen = True
            found = gc.collect()
            gc.freeze()
            return found
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if c0 <= t0:
            return 0
        generation = 2 if c1 >= t1 and c2 >= t2 else 1 if c1 >= t1 else 0
        return gc.collect(generation)


def install() -> Collector:
    """Start collecting in the GUI thread for as long as the application lives (once per
    application; later calls return the same collector). Needs a QCoreApplication."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("the garbage collector needs a running Qt application")
    found = app.findChild(Collector)
    if found is not None:
        return found
    collector = Collector(app)
    app.aboutToQuit.connect(gc.enable)
    collector.start()
    return collector
