"""The one job runner (gui/jobs.py) on its own: generations, stale results never shown, the
shielded pass, cancel, errors, progress and shutdown, with compute functions whose timing the
test controls (gates), so that every count is exact."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QObject, Slot

from engine.simulation import Cancelled
from gui.jobs import Runner


class Seen(QObject):
    """Records what a runner delivers (bound methods of an object of the GUI thread)."""

    def __init__(self, runner: Runner) -> None:
        super().__init__()
        self.results: list[object] = []
        self.ended: list[str] = []
        self.progress: list[float] = []
        runner.resultReady.connect(self.on_result)
        runner.ended.connect(self.on_ended)
        runner.progressed.connect(self.on_progress)

    @Slot(object)
    def on_result(self, r: object) -> None:
        self.results.append(r)

    @Slot(str)
    def on_ended(self, status: str) -> None:
        self.ended.append(status)

    @Slot(float, str)
    def on_progress(self, f: float, _text: str) -> None:
        self.progress.append(f)


def wait_cancelled(job, timeout: float = 10.0) -> None:
    """Spin as the engine does between blocks of steps, until cancelled."""
    t0 = time.perf_counter()
    while not job.cancelled():
        if time.perf_counter() - t0 > timeout:
            raise AssertionError("never cancelled")
        time.sleep(0.001)
    raise Cancelled


@pytest.fixture
def make(qtbot):
    runners: list[Runner] = []

    def make(compute, **kwargs) -> tuple[Runner, Seen]:
        r = Runner("test", compute, **kwargs)
        runners.append(r)
        return r, Seen(r)

    yield make
    for r in runners:
        r.shutdown()


def test_a_burst_ends_in_the_last_result_only(make, qtbot) -> None:
    entered, gate = threading.Event(), threading.Event()

    def compute(spec, job):
        if spec == 0:
            entered.set()
            assert gate.wait(10)
            wait_cancelled(job)
        job.emit(spec * 10)

    r, seen = make(compute)
    r.request(0)
    assert entered.wait(10)
    for i in range(1, 50):
        r.request(i)
    gate.set()
    qtbot.waitUntil(lambda: not r.busy, timeout=5000)
    assert seen.results == [490] and seen.ended == ["done"]
    assert r.counts == {"done": 1, "cancelled": 1, "dropped": 48, "error": 0}  # 48 never started


def test_a_result_that_races_its_cancel_is_not_shown(make, qtbot) -> None:
    """A job that finishes although a newer request exists (it never looked) shows nothing."""
    entered, gate = threading.Event(), threading.Event()

    def compute(spec, job):
        if spec == "old":
            entered.set()
            assert gate.wait(10)
        job.emit(spec)

    r, seen = make(compute)
    r.request("old")
    assert entered.wait(10)
    r.request("new")
    gate.set()
    qtbot.waitUntil(lambda: not r.busy, timeout=5000)
    assert seen.results == ["new"]


def test_a_shielded_pass_finishes_and_shows_in_order(make, qtbot) -> None:
    entered, gate = threading.Event(), threading.Event()

    def compute(spec, job):
        with job.shield():
            if spec == "first":
                entered.set()
                assert gate.wait(10)
            assert not job.cancelled()  # a newer request does not cancel a shielded pass
        job.emit((spec, "coarse"), shielded=True)
        if job.cancelled():
            raise Cancelled
        job.emit((spec, "fine"))

    r, seen = make(compute)
    r.request("first")
    assert entered.wait(10)
    r.request("second")
    gate.set()
    qtbot.waitUntil(lambda: not r.busy, timeout=5000)
    assert seen.results == [("first", "coarse"), ("second", "coarse"), ("second", "fine")]


def test_an_older_shielded_result_never_follows_a_newer_one(make, qtbot) -> None:
    r, seen = make(lambda spec, job: None)
    r.request("a")
    r.request("b")
    qtbot.waitUntil(lambda: not r.busy, timeout=5000)
    r._on_result(2, False, "b")  # as the GUI thread would receive them
    r._on_result(1, True, "a")  # shielded, but older than what is shown
    assert seen.results == ["b"]


def test_cancel_stops_even_a_shielded_pass_and_shows_nothing(make, qtbot) -> None:
    entered = threading.Event()

    def compute(spec, job):
        with job.shield():
            entered.set()
            wait_cancelled(job)

    r, seen = make(compute)
    r.request(1)
    assert entered.wait(10)
    t0 = time.perf_counter()
    assert r.cancel()
    qtbot.waitUntil(lambda: not r.busy and not r.computing, timeout=2000)
    assert time.perf_counter() - t0 < 1.0
    assert seen.results == [] and seen.ended == ["cancelled"] and r.spec is None
    assert not r.cancel()  # nothing left to cancel


def test_errors_end_the_job_with_a_reason(make, qtbot) -> None:
    def compute(spec, job):
        if spec == "bad":
            raise ValueError("invalid alpha: -1 (must be > 0)")
        raise RuntimeError("a bug")

    r, seen = make(compute)
    r.request("bad")
    qtbot.waitUntil(lambda: bool(seen.ended), timeout=5000)
    assert seen.ended == ["error: invalid alpha: -1 (must be > 0)"]
    r.request("bug")
    qtbot.waitUntil(lambda: len(seen.ended) == 2, timeout=5000)
    assert seen.ended[1] == "error: internal error: a bug" and r.counts["error"] == 2
    r.request("bad")  # the thread survived both
    qtbot.waitUntil(lambda: len(seen.ended) == 3, timeout=5000)


def test_progress_in_steps_of_one_percent(make, qtbot) -> None:
    def compute(spec, job):
        for i in range(1001):
            job.progress(i / 1000, "pass")
        job.emit("done")

    r, seen = make(compute)
    r.request(1)
    qtbot.waitUntil(lambda: bool(seen.results), timeout=5000)
    assert seen.progress[0] == 0.0 and seen.progress[-1] == 1.0
    assert 90 <= len(seen.progress) <= 102  # not a thousand signals


def test_shutdown_mid_job_returns_at_once_and_takes_no_more(make, qtbot) -> None:
    entered = threading.Event()

    def compute(spec, job):
        entered.set()
        wait_cancelled(job)

    r, seen = make(compute, keep_thread=True)
    r.request(1)
    r.request(2)
    assert entered.wait(10)
    t0 = time.perf_counter()
    r.shutdown()
    assert time.perf_counter() - t0 < 1.0
    assert not r.computing and r.pool.waitForDone(0) and not r.is_running()
    r.request(3)  # closing the window hides docks that would ask again: nothing starts
    qtbot.wait(50)
    assert not r.busy and not r.computing and seen.results == []
