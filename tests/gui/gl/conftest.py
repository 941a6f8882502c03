"""Tests of the 3D view in a real OpenGL window: Qt's xcb platform on an X display (the one
pytest-xvfb starts, Mesa's llvmpipe drawing). A process has one Qt platform, and the rest
of the suite runs offscreen, so these run in a process of their own:
``tests/gui/test_view3d_window.py`` starts it with ``BASIN_GL_WINDOW=1`` and
``QT_QPA_PLATFORM=xcb``; without those they are not collected."""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("BASIN_GL_WINDOW") == "1" else ["test_*.py"]
