"""Extreme hyperparameters on the command line: a run that overflows says so in its own
words (diverged, at a step) and numpy's warnings never reach the terminal. Each command
runs with warnings as errors, so a warning anywhere fails it (as an internal error)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import main
from engine.optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[1]
SMALL_NET = ["--hidden", "4,4", "--points", "60", "--steps", "5"]
# values the engine takes at the ends of each hyperparameter's range
EXTREMES = {
    "alpha": ("1e308", "1e-300"), "mu": ("0.999999",), "beta1": ("0.999999",), "beta2": ("0.999999", "0"),
    "rho": ("0.999999", "0"), "eps": ("1e-300", "1e300"), "damping": ("1e300",),
}
EXTREME_ARGS = [(name, hp.name, v) for name, d in OPTIMIZERS.items() for hp in d.hyper for v in EXTREMES[hp.name]]


def _quiet_run(capsys, argv: list[str]) -> tuple[int, str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy warning becomes an exception: exit 70, "internal error"
        code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_train_with_alpha_1e308_says_diverged_and_prints_no_warning() -> None:
    """The reviewer's command, as a person runs it (Python's default warning filters)."""
    p = subprocess.run(
        [sys.executable, "main.py", "train", "--optimizer", "gd", "--alpha", "1e308", "--steps", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    racer = [line for line in p.stdout.splitlines() if line.lstrip().startswith("gd(")]
    assert len(racer) == 1 and "diverged at step 1" in racer[0]


@pytest.mark.parametrize(("name", "key", "value"), EXTREME_ARGS)
def test_train_with_extreme_hyperparameters_prints_no_warning(capsys, name: str, key: str, value: str) -> None:
    reports = ["--report", "cost", "--report", "sharpness", "--report", "layer-gradients"]
    code, out, err = _quiet_run(capsys, ["train", "--optimizer", name, f"--{key}", value, *SMALL_NET, *reports])
    assert code == 0, err
    assert "Warning" not in err and "Warning" not in out
    assert f"{name}(" in out


@pytest.mark.parametrize("extra", [["--batchnorm"], ["--activation", "relu", "--loss", "mse"], ["--batch-size", "8"]])
def test_train_overflowing_in_every_kind_of_network_prints_no_warning(capsys, tmp_path, extra: list[str]) -> None:
    files = ["--csv", str(tmp_path / "t.csv"), "--png", str(tmp_path / "t.png")]
    code, out, err = _quiet_run(
        capsys, ["train", "--optimizer", "gd", "--optimizer", "adam", "--alpha", "1e308", *SMALL_NET, *extra, *files])
    assert code == 0, err
    assert "Warning" not in err and out.count("diverged") == 2


@pytest.mark.parametrize(("name", "key", "value"), EXTREME_ARGS)
@pytest.mark.parametrize("landscape", ["rosenbrock", "logistic-xent", "two-tanh"])
def test_run_with_extreme_hyperparameters_prints_no_warning(
    capsys, tmp_path, landscape: str, name: str, key: str, value: str
) -> None:
    files = ["--csv", str(tmp_path / "r.csv")]
    if key == "alpha":  # the figure of an overflowing run too (its curves hold inf)
        files += ["--png", str(tmp_path / "r.png")]
    code, out, err = _quiet_run(
        capsys, ["run", "--landscape", landscape, "--optimizer", name, f"--{key}", value, "--steps", "100", *files])
    assert code == 0, err
    assert "Warning" not in err and f"{name}(" in out
