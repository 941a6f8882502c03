"""Start the window: ``run_app(sys.argv)`` is what ``python main.py`` (no arguments) calls."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

APP_FONT_PT = 11  # read from the back of a lecture hall; View > Larger text goes further


def run_app(argv: list[str] | None = None) -> int:
    """Create the application and the main window, run the event loop, return its exit code."""
    from gui.main_window import MainWindow  # after QApplication's module is loaded

    argv = list(sys.argv if argv is None else argv)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Basin")
    app.setOrganizationName("Basin")
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), APP_FONT_PT))
    app.setFont(font)
    window = MainWindow()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_app(sys.argv))
