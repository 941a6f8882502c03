"""Start the window: ``run_app(sys.argv)`` is what ``python main.py`` (no arguments) calls."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from gui.look import BASE_FONT_PT
from gui.prefs import APPLICATION, ORGANIZATION

APP_FONT_PT = BASE_FONT_PT  # at zoom 1; View > Zoom (Ctrl++) and F5 go further


def share_gl() -> None:
    """Let every OpenGL context share its objects (the 3D view's shaders serve its exports'
    contexts too); Qt takes this only before the application exists."""
    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def run_app(argv: list[str] | None = None, view: str | None = None, scenario: str | None = None) -> int:
    """Create the application and the main window, run the event loop, return its exit code.
    ``view`` ("contour", "3d" or "both") and ``scenario`` (a name) are what the window opens
    on (``python main.py --view 3d --scenario NAME``); else it opens as it was left."""
    from gui.main_window import MainWindow  # after QApplication's module is loaded

    argv = list(sys.argv if argv is None else argv)
    share_gl()
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APPLICATION)  # the names of the settings file (gui.prefs)
    app.setOrganizationName(ORGANIZATION)
    window = MainWindow()  # sets the font, style and palette of the remembered zoom and theme
    if view is not None:
        window.landscape3d.set_mode(view)
    if scenario is not None:
        window.lessons.choose(scenario)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_app(sys.argv))
