"""Basin installs as a real package: a plain (non-editable) wheel carries the scenarios and the
licence, and the scenarios are found through the installed package, not the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_scenarios_are_found_through_the_package():
    import importlib.resources

    from engine.scenarios import SCENARIO_DIR, load_scenarios

    assert SCENARIO_DIR == Path(str(importlib.resources.files("basin_assets") / "scenarios"))
    scenarios, errors = load_scenarios()
    assert scenarios and not errors


def test_the_licence_is_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # built from a copy of the tracked files (pip builds in the source folder: its build/
    # would be left in the checkout), so the wheel holds what a clean clone would give
    src = tmp_path_factory.mktemp("src")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (whl,) = out.glob("basin-*.whl")
    return whl


def test_a_plain_wheel_carries_every_scenario_and_the_licence(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for toml in (ROOT / "assets" / "scenarios").glob("*.toml"):
        assert f"basin_assets/scenarios/{toml.name}" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "main.py" in names
    tracked = subprocess.run(["git", "ls-files", "engine", "gui"], cwd=ROOT, capture_output=True, text=True).stdout
    for name in tracked.split():  # every module, in subpackages too
        if name.endswith(".py"):
            assert name in names, name
    assert not any(n.endswith(".png") for n in names)  # the README's screenshots stay out
