"""``train`` refuses a run it cannot afford at once, in one line, exit 2 (engine/network/budget.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("flags", "line"), [
    (["--optimizer", "gd", "--hidden", "1024,1024", "--steps", "2000"],
     "basin: error: too large: 1 racer x 1,053,697 weights x 2,000 steps need 1"),
    (["--optimizer", "newton", "--hidden", "256,256", "--steps", "10"],
     "basin: error: Newton's method takes at most 2,000 weights"),
])
def test_train_refuses_what_it_cannot_afford_in_one_line(tmp_path, flags, line) -> None:
    csv = tmp_path / "run.csv"
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", *flags, "--csv", str(csv)],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert time.perf_counter() - t0 < 30  # (was: OOM-killed after 6 minutes)
    assert p.returncode == 2 and p.stdout == "" and not csv.exists()
    assert p.stderr.startswith(line) and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
