"""Work off the GUI thread: one mechanism for the simulation, the analyses and the animation
writer.

A :class:`Runner` does one kind of work. Each :meth:`Runner.request` stamps its value (a frozen
settings or spec) with the next *generation* number and queues a :class:`Job` in the runner's
own thread pool of one thread (Qt's ``QThreadPool``), which calls ``compute(spec, job)`` there.
What the compute function may do with its ``job``:

* ``job.cancelled()``: true once the job is stale; the engine polls it (its ``cancel``
  argument, or the thread's hook: ``engine.cancel``) every block of steps, every step of a
  network's run and inside its long loops, and raises ``engine.cancel.Cancelled``;
* ``job.progress(fraction, text)``: reported in steps of 1% (a signal per block of steps
  would flood the GUI thread);
* ``job.emit(result, shielded=False)``: hand a result to the GUI thread (an analysis emits one
  per pass, coarse to fine);
* ``with job.shield(): ...``: a pass a newer request does not cancel (see below).

The rules, which hold for every kind of work:

* **Generations.** A request supersedes every older one. A job that is stale when its turn
  comes never starts; one under way sees ``cancelled()`` at its next poll and stops.
  So a burst of 200 slider moves ends in one or two computations and the picture of the last
  value, with no backlog (ndv's idea).
* **One at a time, in order.** The pool has one thread, so a runner's jobs never overlap and
  what it keeps between jobs (the simulation's cache of rows, an analysis's landscapes)
  needs no lock. A new job waits in the pool's queue while the old one winds down and then
  starts in the worker thread itself, without a round trip through the GUI thread.
* **Nothing stale is shown.** A result reaches ``resultReady`` only if it belongs to the
  latest request, or to a *shielded* pass: a cheap first pass (tens of milliseconds) that a
  newer request lets finish, so that dragging alpha faster than a coarse basin map takes
  still shows a picture per pass. Results never arrive out of generation order (an older
  one never replaces a newer one), and nothing of a job cancelled outright (:meth:`cancel`,
  closing the window) is shown, shielded or not.
* **Closing exits cleanly.** :meth:`shutdown` cancels, drops what waits in the queue and
  waits for the job under way (well under a second: it polls its cancel flag).

:class:`JobStatus` shows a runner's job in the status bar (what it computes, a progress bar
and Cancel) once it has run for ``SHOW_AFTER_MS``.

Threads and Python: only signals cross threads; a job emits its runner's private signals,
which are queued to the runner's own bound methods (the runner lives in the GUI thread).
Jobs are plain ``QRunnable`` objects without a parent or signals of their own, kept alive by
the runner until the pool can no longer touch them. Python's cyclic garbage collector runs
in the GUI thread only (``gui/collector.py``).

Why not superqt's thread workers (``superqt.utils.create_worker``), which were tried first:
each of their runs enters ``warnings.catch_warnings`` in the worker thread, which swaps the
process-wide warning filters and is not thread-safe before Python 3.14 (CPython issue
128384); with the simulation and three analyses running at once, two workers' enter and exit
interleave and leave a finished worker's filters in place for the whole process. They also
run in ``QThreadPool.globalInstance()``, whose two threads on a two-core machine would queue
a drag's simulation behind two running basin maps, and a worker started from the GUI thread
is deferred by a 1 ms timer, a fifth of the time a drag frame takes.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from engine.simulation import Cancelled

Compute = Callable[[object, "Job"], None]

PROGRESS_STEP = 0.01  # report progress in steps of 1%
SHOW_AFTER_MS = 150  # a job quicker than this never flashes a progress bar (JobStatus)


class Stamps:
    """The generation numbers both threads read: ``latest`` (the newest request) and
    ``floor`` (every generation up to it was cancelled outright)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest = 0
        self._floor = 0

    def next(self) -> int:
        with self._lock:
            self._latest += 1
            return self._latest

    def cancel_all(self) -> int:
        """Cancel every request so far outright; returns the new floor."""
        with self._lock:
            self._latest += 1
            self._floor = self._latest
            return self._floor

    @property
    def latest(self) -> int:
        with self._lock:
            return self._latest

    @property
    def floor(self) -> int:
        with self._lock:
            return self._floor


class Job(QRunnable):
    """One request's computation, run by the runner's pool (see the module docstring)."""

    def __init__(self, runner: Runner, generation: int, spec: object) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it: the runner drops it when the pool is done
        self.generation = generation
        self.spec = spec
        self._runner = runner
        self._stamps = runner.stamps
        self._compute = runner.compute
        self._shielded = False
        self._reported = -1.0

    # -- what the compute function uses ------------------------------------------------------
    @property
    def hard(self) -> bool:
        """Cancelled outright (the Cancel button, closing): even a shielded pass stops."""
        return self.generation <= self._stamps.floor

    @property
    def superseded(self) -> bool:
        return self._stamps.latest != self.generation

    def cancelled(self) -> bool:
        """The engine's ``cancel`` callback: stop now."""
        return self.hard or (self.superseded and not self._shielded)

    @contextmanager
    def shield(self) -> Iterator[None]:
        """Let the pass inside finish even when a newer request arrives (not when cancelled
        outright); its result is shown if nothing newer has been shown yet."""
        self._shielded = True
        try:
            yield
        finally:
            self._shielded = False

    def emit(self, result: object, shielded: bool = False) -> None:
        """Hand ``result`` to the GUI thread (``shielded``: made by a shielded pass)."""
        if not self.hard:
            self._runner._result.emit(self.generation, shielded, result)

    def progress(self, fraction: float, text: str) -> None:
        if fraction in (0.0, 1.0) or fraction - self._reported >= PROGRESS_STEP:
            self._reported = fraction
            self._runner._progress.emit(self.generation, float(fraction), text)

    # -- QRunnable ---------------------------------------------------------------------------
    def run(self) -> None:
        if self.cancelled():
            self._runner._ended.emit(self.generation, "dropped")  # stale before its turn
            return
        try:
            self._compute(self.spec, self)
            status = "cancelled" if self.hard or self.superseded else "done"
        except Cancelled:
            status = "cancelled"
        except ValueError as exc:  # a value the engine refuses: the window says why
            status = f"error: {exc}"
        except Exception as exc:  # a bug must not pass silently, nor kill the thread
            traceback.print_exc()
            status = f"error: internal error: {exc}"
        self._runner._ended.emit(self.generation, status)


class Runner(QObject):
    """One kind of work, off the GUI thread (see the module docstring). Lives in the GUI
    thread; ``compute(spec, job)`` runs in the runner's one worker thread."""

    resultReady = Signal(object)  # a result of the latest request (or of a shielded pass)
    progressed = Signal(float, str)  # fraction of the latest job's pass, what it computes
    ended = Signal(str)  # the latest job ended: "done" or "error: ..." ("cancelled" from cancel())
    busyChanged = Signal(bool)  # work began (True) or the last job ended (False)

    # sent by jobs from the worker thread, queued to this object's slots in the GUI thread
    _result = Signal(int, bool, object)
    _progress = Signal(int, float, str)
    _ended = Signal(int, str)

    def __init__(self, name: str, compute: Compute, parent: QObject | None = None, *, keep_thread: bool = False
                 ) -> None:
        super().__init__(parent)
        self.name = name
        self.compute = compute
        self.stamps = Stamps()
        self.pool = QThreadPool(self)
        self.pool.setObjectName(f"basin-{name}")
        self.pool.setMaxThreadCount(1)
        # the simulation keeps its thread (a drag must not wait for one to start); an idle
        # analysis gives its thread back after a few seconds
        self.pool.setExpiryTimeout(-1 if keep_thread else 5000)
        queued = Qt.ConnectionType.QueuedConnection
        self._result.connect(self._on_result, queued)
        self._progress.connect(self._on_progress, queued)
        self._ended.connect(self._on_ended, queued)
        self._open: dict[int, Job] = {}  # requested and not yet ended, by generation
        self._retired: Job | None = None  # ended, but the pool may still be returning from it
        self._shown = 0  # generation of the last result passed on
        self._shut = False
        self.spec: object = None  # the latest request's spec (None once cancelled)
        self.started_at = 0.0
        # what happened to the jobs (tests and benchmarks): each ends one of these ways
        self.counts = {"done": 0, "cancelled": 0, "dropped": 0, "error": 0}
        app = QCoreApplication.instance()
        if app is not None:  # a window dropped without a close still stops at quit
            app.aboutToQuit.connect(self.shutdown)

    # -- state -------------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self.stamps.latest

    @property
    def busy(self) -> bool:
        """A job is running or waiting to run."""
        return bool(self._open)

    @property
    def jobs_run(self) -> int:
        """Jobs that started computing (stale ones dropped before their turn excluded)."""
        c = self.counts
        return c["done"] + c["cancelled"] + c["error"]

    def is_running(self) -> bool:
        """Taking requests: from the start until :meth:`shutdown`."""
        return not self._shut

    @property
    def computing(self) -> bool:
        """The worker thread is inside a job (an idle thread waiting for work is not)."""
        return self.pool.activeThreadCount() > 0

    # -- requests ----------------------------------------------------------------------------
    def request(self, spec: object) -> int:
        """Compute ``spec``, superseding whatever this runner was doing; returns the generation.
        After :meth:`shutdown` nothing starts (closing the window hides its docks, which
        would otherwise ask for the analyses they show)."""
        gen = self.stamps.next()
        if self._shut:
            return gen
        self.spec = spec
        self._take_queued()  # superseded before they started: they never will
        was_busy = self.busy
        job = Job(self, gen, spec)
        self._open[gen] = job
        self.started_at = time.perf_counter()
        self.pool.start(job)
        if not was_busy:
            self.busyChanged.emit(True)
        return gen

    def cancel(self) -> bool:
        """Stop the current job outright (the Cancel button): nothing of it is shown. Returns
        whether one was running or waiting; it ends at its next poll of ``cancelled()``."""
        was = self.busy
        self.stop()
        self.spec = None
        if was:
            self.ended.emit("cancelled")
            if not self.busy:
                self.busyChanged.emit(False)
        return was

    def stop(self) -> None:
        """Cancel outright without waiting (see :meth:`shutdown`)."""
        self.stamps.cancel_all()
        self._take_queued()

    def shutdown(self) -> None:
        """Cancel and wait for the job under way. Several runners: :meth:`stop` them all
        first, so that their jobs wind down together, then shut each down."""
        self._shut = True
        self.stop()
        self.pool.waitForDone()  # also ends the pool's thread
        self._open.clear()
        self._retired = None

    def _take_queued(self) -> None:
        for gen, job in list(self._open.items()):
            if self.pool.tryTake(job):  # (False for the one running)
                del self._open[gen]
                self.counts["dropped"] += 1

    # -- from the worker thread --------------------------------------------------------------
    @Slot(int, bool, object)
    def _on_result(self, gen: int, shielded: bool, result: object) -> None:
        stamps = self.stamps
        if gen <= stamps.floor or gen < self._shown or not (gen == stamps.latest or shielded):
            return  # cancelled, older than what is shown, or superseded
        self._shown = gen
        self.resultReady.emit(result)

    @Slot(int, float, str)
    def _on_progress(self, gen: int, fraction: float, text: str) -> None:
        if gen == self.stamps.latest:
            self.progressed.emit(fraction, text)

    @Slot(int, str)
    def _on_ended(self, gen: int, status: str) -> None:
        job = self._open.pop(gen, None)
        if job is None:
            return  # shut down already
        # the pool runs one job at a time: the job that ended before this one has returned
        # from its run() by now, and can go
        self._retired = job
        self.counts["error" if status.startswith("error") else status] += 1
        if gen == self.stamps.latest and status not in ("cancelled", "dropped"):
            self.ended.emit(status)
        if not self._open:
            self.busyChanged.emit(False)


class JobStatus(QWidget):
    """What one runner is doing, in the status bar: a label, a progress bar and Cancel (which
    calls ``cancel``). Shown only while a job runs longer than ``SHOW_AFTER_MS``."""

    def __init__(self, title: str, runner: Runner, cancel: Callable[[], None], tip: str | None = None) -> None:
        super().__init__()
        self.runner = runner
        self._cancel = cancel
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 0, 0)
        lay.setSpacing(4)
        self.label = QLabel(title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(120)
        self.bar.setTextVisible(True)
        self.button = QToolButton()
        self.button.setText("Cancel")
        self.button.setToolTip(tip or f"stop computing the {title}")
        self.button.clicked.connect(self.cancel)
        for w in (self.label, self.bar, self.button):
            lay.addWidget(w)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SHOW_AFTER_MS)
        self.timer.timeout.connect(self._show_if_busy)
        runner.progressed.connect(self.on_progress)
        runner.busyChanged.connect(self.on_busy)
        self.hide()

    @Slot()
    def cancel(self) -> None:
        self._cancel()

    @Slot(float, str)
    def on_progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(100 * fraction))
        self.label.setText(text)

    @Slot(bool)
    def on_busy(self, busy: bool) -> None:
        if busy:
            self.timer.start()
        else:
            self.timer.stop()
            self.hide()

    @Slot()
    def _show_if_busy(self) -> None:
        if self.runner.busy:
            self.show()


__all__ = ["SHOW_AFTER_MS", "Job", "JobStatus", "Runner", "Stamps"]
