"""Garbage collection happens in the GUI thread only (see gui/collector.py): a collection
in a worker thread can deadlock PySide against the GUI thread and freeze the window."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QCoreApplication

from gui import collector
from gui.main_window import MainWindow


def test_the_window_collects_cycles_in_its_own_thread_only(window: MainWindow, qtbot, settle) -> None:
    assert not gc.isenabled()
    threads: list[str] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(note)
    threshold = gc.get_threshold()
    gc.set_threshold(10)  # were collection automatic, the workers' allocations would trigger it
    try:
        # the workers allocate plenty: a basin map and a run of many steps each time
        an = window.analysis
        an.panel.basin_grid.setCurrentIndex(0)
        an.basins_action.setChecked(True)
        for steps in (3000, 4000, 5000):
            box = window.panel.steps_box
            box.lineEdit().setText(str(steps))
            box.editingFinished.emit()
            settle(window, 15000)
        qtbot.waitUntil(lambda: an.results["basins"] is not None and not an.runners["basins"].busy, timeout=30000)
        # cycles made here are found on the next tick, in this thread
        made = []
        for _ in range(2000):
            a: list = []
            a.append(a)
            made.append(None)
        qtbot.wait(3 * collector.INTERVAL_MS)
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(note)
    assert threads, "no collection happened at all"
    assert set(threads) == {threading.main_thread().name}, set(threads)


def test_the_collector_is_installed_once_and_collects_what_is_due(qtbot) -> None:
    first = collector.install()
    assert collector.install() is first
    assert first.parent() is QCoreApplication.instance() and first.timer.isActive()
    first.collect()  # the first tick: all collected, then frozen
    assert first.frozen and gc.get_freeze_count() > 0
    gc.collect()
    assert first.collect() == 0  # nothing due right after a full collection
    for _ in range(first.threshold[0] + 100):
        a: list = []
        a.append(a)
    assert first.collect() >= first.threshold[0]  # every cycle made was due and found
