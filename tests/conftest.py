"""Shared test setup: Qt runs offscreen, and no test may leave a QThread running.

Hypothesis runs a fixed set of examples by default (``derandomize``: the suite gives the same
verdict on every run and every machine); ``BASIN_HYPOTHESIS=thorough`` hunts with many random
examples instead (failures found are kept in ``.hypothesis/`` and replayed first).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The user's own configuration (a course's scenarios in ~/.config/basin/scenarios) must not
# change what the tests see: an empty configuration folder of the test run's own
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="basin-test-config-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, settings

from gui.app import share_gl

share_gl()  # before pytest-qt makes the application: the 3D view's contexts share their objects

settings.register_profile(
    "basin", max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("BASIN_HYPOTHESIS", "basin"))
