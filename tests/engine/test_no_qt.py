"""The engine is pure numpy: importing every engine module loads no Qt module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_imports_no_qt():
    code = (
        "import importlib, pkgutil, sys\n"
        "import engine\n"
        "for m in pkgutil.walk_packages(engine.__path__, 'engine.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"engine loaded Qt modules: {out.stdout.strip()}"
