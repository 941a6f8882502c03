"""GUI test setup: no test may leave a QThread running, and a ready main window.

The thread check follows napari's ``_dangling_qthreads``: every ``QThread.start`` is
recorded with where it was called, and after the test any of them still running fails it.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThread, QThreadPool

HERE = Path(__file__).resolve().parent

# The offscreen platform cannot pass a shown window's minimum size to a window system and
# says so on every layout change. It is a limit of the test platform, not of Basin (under a
# real display it never appears), so it alone is ignored, and only in these tests.
OFFSCREEN_SIZE_HINTS = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS))


@pytest.fixture(autouse=True)
def _own_settings(tmp_path_factory: pytest.TempPathFactory):
    """Every test reads and writes settings (zoom, theme, the controls, the last folder) in
    a folder of its own, outside its tmp_path: never the user's, and never another test's.
    The look goes back to light at 100%."""
    folder = tmp_path_factory.mktemp("settings")
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    yield folder
    from gui import look

    look.apply(look.Look())


@pytest.fixture(autouse=True)
def _dangling_qthreads(monkeypatch: pytest.MonkeyPatch):
    """No thread a test started may outlive it: a ``QThread`` still running, or a thread
    pool (``gui.jobs``) with a job under way or a thread left (``shutdown`` removes them)."""
    started: list[tuple[QThread, str]] = []
    pools: list[tuple[QThreadPool, str]] = []
    base_start, base_pool_start = QThread.start, QThreadPool.start

    def start(self: QThread, *args: object) -> None:
        started.append((self, "".join(traceback.format_stack(limit=6)[:-1])))
        base_start(self, *args)

    def pool_start(self: QThreadPool, *args: object) -> None:
        if all(p is not self for p, _ in pools):
            pools.append((self, "".join(traceback.format_stack(limit=6)[:-1])))
        base_pool_start(self, *args)

    monkeypatch.setattr(QThread, "start", start)
    monkeypatch.setattr(QThreadPool, "start", pool_start)
    yield
    dangling = []
    for thread, where in started:
        try:
            running = thread.isRunning()
        except RuntimeError:  # the C++ object is gone, so is the thread
            continue
        if running:
            dangling.append(where)
            thread.quit()
            thread.wait(2000)  # do not let it leak into the next test
    for pool, where in pools:
        try:
            busy = pool.activeThreadCount() > 0 or not pool.waitForDone(0)
        except RuntimeError:  # the pool is gone, and its threads with it
            continue
        if busy:
            dangling.append(f"a job of the pool {pool.objectName()!r}, first started at:\n{where}")
            pool.clear()
            pool.waitForDone(2000)
    started.clear()
    pools.clear()
    if dangling:
        pytest.fail("QThread left running, started at:\n" + "\n".join(dangling))


def wait_frame(window, qtbot, timeout: int = 5000) -> None:
    """Wait until the window shows the frame of its latest request."""
    qtbot.waitUntil(
        lambda: window.frame is not None and window.frame.generation == window.simulator.generation,
        timeout=timeout,
    )


@pytest.fixture
def settle(qtbot):
    """``settle(window)`` waits until the window shows its latest request's frame."""
    return lambda window, timeout=5000: wait_frame(window, qtbot, timeout)


def open_window(qtbot, width: int = 1400, height: int = 900, **kwargs):
    """A shown main window fitted to a ``width`` x ``height`` screen (the wide layout at
    1400 x 900), its first frame drawn; the caller closes it."""
    from PySide6.QtCore import QRect

    from gui.main_window import MainWindow

    w = MainWindow(**kwargs)
    qtbot.addWidget(w)
    w.fit_to(QRect(0, 0, width, height))
    w.show()
    qtbot.waitExposed(w)
    wait_frame(w, qtbot)
    return w


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    w.close()


def net_settled(window, qtbot, timeout: int = 10000) -> None:
    """Wait until the network view shows its latest request's frame."""
    net = window.net
    qtbot.waitUntil(lambda: net.frame is not None and not net.runner.busy
                    and net.frame.generation == net.runner.generation, timeout=timeout)


@pytest.fixture
def netwin(window, qtbot):
    """The window showing the network view, its first frame drawn."""
    window.model_combo.setCurrentIndex(1)
    net_settled(window, qtbot)
    return window
