"""Start the window: ``run_app(sys.argv)`` is what ``python main.py`` (no arguments) calls."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from gui.look import BASE_FONT_PT

APP_FONT_PT = BASE_FONT_PT  # at zoom 1; View > Zoom (Ctrl++) and F5 go further


def run_app(argv: list[str] | None = None) -> int:
    """Create the application and the main window, run the event loop, return its exit code."""
    from gui.main_window import MainWindow  # after QApplication's module is loaded

    argv = list(sys.argv if argv is None else argv)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Basin")
    app.setOrganizationName("Basin")
    window = MainWindow()  # sets the font, style and palette of the remembered zoom and theme
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_app(sys.argv))
