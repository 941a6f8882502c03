"""Long analysis work (basin maps, the (alpha, mu) map, learning-rate sweeps) off the GUI
thread, one job at a time per kind.

A job gets a thread of its own: a parentless :class:`JobWorker` moved to a fresh ``QThread``
runs one compute function (``gui.analysis_data.compute_*``) and the thread ends with it. So
an idle runner holds no thread at all, a cancelled job leaves none behind, and closing the
window waits for at most the job under way.

Stale work is dropped as the simulator drops it (``gui.worker``): each request takes the next
generation number; the running job polls ``latest != mine`` through the engine's ``cancel``
callback (every block of steps) and stops. A burst of requests starts no queue: while a job
winds down only the newest request waits, and it starts when the old thread has ended.

One exception keeps a drag alive: a job's first, coarse pass, when it is cheap (its estimate
fits ``FIRST_PASS_SECONDS``, tens of milliseconds), is *shielded*: a newer request lets it
finish and show before the newer job starts. Otherwise, while alpha is dragged faster than a
coarse pass takes, every pass would be cancelled and the picture would freeze until the
mouse stops. Results are shown in generation order only (an older one never replaces a
newer one), and a hard cancel (the Cancel button, closing the window) stops even a shielded
pass: nothing of that job is shown. Only signals cross threads, each connected to a bound
method of an object living in the receiving thread.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from engine.simulation import Cancelled
from gui.worker import Generation

Compute = Callable[..., None]  # compute(spec, emit, progress, cancel)

PROGRESS_STEP = 0.01  # report progress in steps of 1% (a signal per block would flood the GUI)


class Watermark:
    """The newest generation that was cancelled outright (shared by both threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def set(self, value: int) -> None:
        with self._lock:
            self._value = max(self._value, value)

    @property
    def value(self) -> int:
        with self._lock:
            return self._value


class CancelFlag:
    """The engine's ``cancel`` callback for one job: true once a newer request exists (unless
    the pass under way is shielded) or once the job was cancelled outright."""

    def __init__(self, generation: int, latest: Generation, floor: Watermark) -> None:
        self.generation = generation
        self._latest = latest
        self._floor = floor
        self.shielded = False

    def shield(self, on: bool) -> None:
        """Let the pass under way finish even if a newer request arrives (a cheap first pass)."""
        self.shielded = on

    @property
    def hard(self) -> bool:
        return self.generation <= self._floor.value

    @property
    def superseded(self) -> bool:
        return self._latest.value != self.generation

    def __call__(self) -> bool:
        return self.hard or (self.superseded and not self.shielded)


class JobWorker(QObject):
    """Runs one job in its own thread and quits that thread when done."""

    result = Signal(int, object)  # generation, result of one finished pass
    progress = Signal(int, float, str)  # generation, fraction of the pass, what is computed
    ended = Signal(int, str)  # generation, "done" | "cancelled" | "error: ..."

    def __init__(self, generation: int, spec: object, compute: Compute, latest: Generation, floor: Watermark) -> None:
        super().__init__()  # no parent: moveToThread fails silently on a child
        self.generation = generation
        self.spec = spec
        self._compute = compute
        self._cancel = CancelFlag(generation, latest, floor)
        self._reported = -1.0

    def _emit(self, result: object) -> None:
        if not self._cancel.hard:
            self.result.emit(self.generation, result)

    def _progress(self, fraction: float, text: str) -> None:
        if fraction in (0.0, 1.0) or fraction - self._reported >= PROGRESS_STEP:
            self._reported = fraction
            self.progress.emit(self.generation, float(fraction), text)

    @Slot()
    def run(self) -> None:
        try:
            self._compute(self.spec, self._emit, self._progress, self._cancel)
            status = "cancelled" if self._cancel.hard or self._cancel.superseded else "done"
        except Cancelled:
            status = "cancelled"
        except ValueError as exc:  # a value the engine refuses: the window says why
            status = f"error: {exc}"
        except Exception as exc:  # a bug must not kill the thread silently
            traceback.print_exc()
            status = f"error: internal error: {exc}"
        self.ended.emit(self.generation, status)
        QThread.currentThread().quit()


class JobRunner(QObject):
    """GUI-thread side of one kind of job: stamps requests, owns the job's thread while it
    runs, forwards the latest job's results and progress, and cancels."""

    resultReady = Signal(object)  # a finished pass of the latest job
    progressed = Signal(float, str)  # fraction of the current pass, its description
    ended = Signal(str)  # the latest job ended: "done", "cancelled" or "error: ..."
    busyChanged = Signal(bool)  # a job started (True) or the last thread ended (False)

    def __init__(self, name: str, compute: Compute, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._compute = compute
        self._generation = Generation()
        self._floor = Watermark()  # generations up to this one were cancelled outright
        self._shown = 0  # generation of the last result passed on
        self._thread: QThread | None = None
        self._worker: JobWorker | None = None
        self._pending: tuple[int, object] | None = None
        self._shut = False  # after shutdown(): no new job
        self.spec: object = None  # the latest request's spec (None once cancelled)
        self.started_at = 0.0
        self.threads_started = 0  # for tests: how many jobs actually ran
        app = QCoreApplication.instance()
        if app is not None:  # the window may be dropped without a close: stop at quit anyway
            app.aboutToQuit.connect(self.shutdown)

    @property
    def generation(self) -> int:
        return self._generation.value

    @property
    def busy(self) -> bool:
        """A job is running or waiting to run."""
        return self._thread is not None or self._pending is not None

    @property
    def thread(self) -> QThread | None:
        return self._thread

    def request(self, spec: object) -> int:
        """Compute ``spec``, replacing whatever this runner was doing; returns the generation.
        After :meth:`shutdown` nothing starts (closing the window hides its docks, which
        would otherwise ask for the analyses they show)."""
        gen = self._generation.next()
        if self._shut:
            return gen
        self.spec = spec
        self._pending = (gen, spec)
        if self._thread is None:
            self._start_pending()
            self.busyChanged.emit(True)
        return gen  # else the running job sees the new generation, stops, and then this starts

    def cancel(self) -> bool:
        """Stop the current job (the Cancel button). Returns whether one was running; its
        thread ends within one block of steps and no result of it is shown."""
        was = self.busy
        self._floor.set(self._generation.next())
        self._pending = None
        self.spec = None
        if was:
            self.ended.emit("cancelled")
        return was

    def _start_pending(self) -> None:
        assert self._pending is not None
        gen, spec = self._pending
        self._pending = None
        thread = QThread()
        thread.setObjectName(f"basin-analysis-{self.name}")
        worker = JobWorker(gen, spec, self._compute, self._generation, self._floor)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.result.connect(self._on_result)
        worker.progress.connect(self._on_progress)
        worker.ended.connect(self._on_ended)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self.started_at = time.perf_counter()
        self.threads_started += 1
        thread.start()

    @Slot(int, object)
    def _on_result(self, gen: int, result: object) -> None:
        # the latest job's passes, or a superseded job's shielded coarse pass (a drag goes
        # on showing pictures), never an older picture after a newer one
        if gen > self._floor.value and gen >= self._shown:
            self._shown = gen
            self.resultReady.emit(result)

    @Slot(int, float, str)
    def _on_progress(self, gen: int, fraction: float, text: str) -> None:
        if gen == self._generation.value:
            self.progressed.emit(fraction, text)

    @Slot(int, str)
    def _on_ended(self, gen: int, status: str) -> None:
        if gen == self._generation.value and status != "cancelled":
            self.ended.emit(status)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:
            return  # shut down already
        thread.wait()  # finished is sent just before the thread ends: let it end
        # every signal the worker sent was queued before this one: it is safe to drop it
        self._thread = self._worker = None
        if self._pending is not None:
            self._start_pending()
        else:
            self.busyChanged.emit(False)

    def stop(self) -> None:
        """Cancel the job outright without waiting (see :meth:`shutdown`)."""
        self._floor.set(self._generation.next())
        self._pending = None
        if self._thread is not None:
            self._thread.quit()

    def shutdown(self) -> None:
        """Cancel and wait for the job's thread (a job polls its cancel flag every block
        of steps, well under a second). Several runners: :meth:`stop` them all first, so that
        their jobs wind down together, then shut each down."""
        self._shut = True
        self.stop()
        thread = self._thread
        if thread is not None:
            thread.wait()
            self._thread = self._worker = None
