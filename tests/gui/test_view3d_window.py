"""Runs ``tests/gui/gl/`` (the 3D view in a real OpenGL window) in a process on Qt's xcb
platform, on the X display pytest-xvfb started for this session (see that folder's
conftest). Skipped without a display, except in CI, where the display is part of the setup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_3d_view_in_a_real_opengl_window() -> None:
    if not os.environ.get("DISPLAY"):
        if os.environ.get("CI"):
            pytest.fail("CI must have an X display for the 3D view (pytest-xvfb with Xvfb: sh .ci/setup test)")
        pytest.skip("no X display (install Xvfb: pytest-xvfb starts it)")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "BASIN_GL_WINDOW": "1"}
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/gui/gl"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert p.returncode == 0, p.stdout[-6000:] + p.stderr[-3000:]
    assert " passed" in p.stdout and " skipped" not in p.stdout, p.stdout[-2000:]
