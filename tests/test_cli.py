"""The headless command line: output formats, and one line plus exit 2 for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main
from engine import Optimizer, make_landscape, make_optimizer, simulate
from engine.records import read_csv

ROOT = Path(__file__).resolve().parents[1]
RUN = ["run", "--landscape", "rosenbrock", "--optimizer", "gd", "--steps", "5"]


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_names_every_landscape_and_optimizer(capsys):
    from engine import LANDSCAPES, OPTIMIZERS

    code, out, _ = _run(capsys, ["list"])
    assert code == 0
    for name in [*LANDSCAPES, *OPTIMIZERS]:
        assert any(line.split()[0] == name for line in out.splitlines() if line.startswith("  "))
    assert "minima 0:(3, 2) 1:(-2.80512, 3.13131)" in out


def test_csv_round_trips_to_the_last_bit(tmp_path, capsys):
    path = tmp_path / "t.csv"
    code, _, err = _run(
        capsys,
        ["run", "--landscape", "himmelblau", "--optimizer", "gd", "--optimizer", "momentum",
         "--optimizer", "adam", "--alpha", "0.01", "--init", "-1.5,2", "--steps", "80", "--csv", str(path)],
    )
    assert code == 0, err
    data = read_csv(path)
    L = make_landscape("himmelblau")
    opts = [make_optimizer(n, alpha=0.01) for n in ("gd", "momentum", "adam")]
    run = simulate(L, Optimizer.stack(opts), np.tile([[-1.5, 2.0]], (3, 1)), 80)
    assert list(data) == list(run.names)
    for i, name in enumerate(run.names):
        k = int(run.stop[i])
        d = data[name]
        assert list(d["step"]) == list(range(k + 1))
        assert np.array_equal(d["theta"], run.theta[i, : k + 1])
        assert np.array_equal(d["loss"], run.loss[i, : k + 1])
        assert np.array_equal(d["grad_norm"], run.grad_norm[i, : k + 1])
    header = path.read_text().splitlines()[0]
    assert header == "optimizer,step,loss,grad_norm,theta_0,theta_1"


def test_negative_init_works_as_typed(capsys):
    code, out, err = _run(capsys, [*RUN, "--init", "-1.5,2"])
    assert code == 0, err
    assert "start (-1.5, 2)" in out


def test_zeros_and_random_inits(capsys):
    argv = ["run", "--landscape", "saddle", "--optimizer", "gd", "--init", "zeros", "--steps", "10"]
    code, out, _ = _run(capsys, argv)
    assert code == 0 and "stuck at step 0" in out
    code, out, _ = _run(
        capsys,
        ["run", "--landscape", "saddle", "--optimizer", "gd", "--init", "random", "--sigma", "0.01",
         "--seed", "3", "--steps", "10"],
    )
    assert code == 0 and "random (sigma 0.01, seed 3)" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--landscape", "nope"], "unknown landscape 'nope' (choose from quadratic, rosenbrock"),
        (["--optimizer", "sgd"], "unknown optimizer 'sgd' (choose from gd, momentum"),
        (["--alpha", "0"], "invalid alpha: 0 (must be > 0)"),
        (["--alpha", "-0.5"], "invalid alpha: -0.5 (must be > 0)"),
        (["--alpha", "fast"], "invalid --alpha 'fast': not a number"),
        (["--optimizer", "momentum", "--mu", "1"], "invalid mu: 1 (must be in [0, 1))"),
        (["--optimizer", "momentum", "--mu", "-0.2"], "invalid mu: -0.2 (must be in [0, 1))"),
        (["--init", "1,2,3"], "init has 3 coordinates, the landscape needs 2"),
        (["--init", "1;2"], "invalid init '1;2'"),
        (["--init", "zeros", "--seed", "4"], "--sigma and --seed go with --init random"),
        (["--param", "kappa=3"], "unknown parameter 'kappa' for rosenbrock (valid: none)"),
        (["--param", "kappa"], "--param 'kappa' is not NAME=VALUE"),
        (["--mu", "0.5"], "--mu does not apply to gd (it is used by momentum, nesterov)"),
        (["--steps", "-1"], "invalid steps: -1"),
        (["--optimizer", "gd"], "optimizer 'gd' given twice"),
        (["--tol", "0"], "invalid tol"),
        (["--png", "x.png", "--width", "3"], "invalid --width 3"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, extra, message):
    argv = list(RUN)
    for flag in ("--landscape", "--steps"):  # given once: replace RUN's own
        if flag in extra:
            argv[argv.index(flag) + 1] = extra[extra.index(flag) + 1]
            i = extra.index(flag)
            extra = extra[:i] + extra[i + 2 :]
    if "--optimizer" in extra and extra[extra.index("--optimizer") + 1] != "gd":
        argv[argv.index("--optimizer") + 1] = extra[extra.index("--optimizer") + 1]
        i = extra.index("--optimizer")
        extra = extra[:i] + extra[i + 2 :]
    code, _, err = _run(capsys, argv + extra)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("basin: error: "), err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("missing", ["--landscape", "--optimizer", "--steps"])
def test_required_options(capsys, missing):
    argv = list(RUN)
    i = argv.index(missing)
    del argv[i : i + 2]
    code, _, err = _run(capsys, argv)
    assert code == 2 and f"{missing} is required" in err


def test_unwritable_output_is_one_line_and_exit_1(tmp_path, capsys):
    code, _, err = _run(capsys, [*RUN, "--csv", str(tmp_path / "no" / "such" / "dir.csv")])
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err
    code, _, err = _run(capsys, [*RUN, "--csv", str(tmp_path)])
    assert code == 1 and "is a folder" in err


def test_no_traceback_from_a_real_process(tmp_path):
    bad = subprocess.run(
        [sys.executable, "main.py", "run", "--landscape", "rosenbrock", "--optimizer", "gd",
         "--alpha", "-1", "--init", "-1.5,2", "--steps", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr == "basin: error: invalid alpha: -1 (must be > 0)\n"
    good = subprocess.run(
        [sys.executable, "main.py", "run", "--landscape", "rosenbrock", "--optimizer", "gd", "--alpha", "10",
         "--init", "-1.5,2", "--steps", "50"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert good.returncode == 0 and "diverged at step" in good.stdout and good.stderr == ""


def test_help_works(capsys):
    with pytest.raises(SystemExit) as e:
        main.main(["run", "--help"])
    assert e.value.code == 0
    assert "--landscape" in capsys.readouterr().out


def test_basins_csv(tmp_path, capsys):
    path = tmp_path / "b.csv"
    code, out, err = _run(
        capsys,
        ["basins", "--landscape", "himmelblau", "--optimizer", "gd", "--alpha", "0.01", "--steps", "300",
         "--grid", "16", "--csv", str(path)],
    )
    assert code == 0, err
    lines = path.read_text().splitlines()
    assert lines[0] == "x0,y0,outcome,steps" and len(lines) == 1 + 16 * 16
    outcomes = {line.split(",")[2] for line in lines[1:]}
    assert outcomes <= {"0", "1", "2", "3", "diverged", "unconverged"} and len(outcomes) >= 4
    assert "0 (3.0, 2.0):" in out


def test_sweep_and_phase_csv(tmp_path, capsys):
    s = tmp_path / "s.csv"
    code, _, err = _run(
        capsys,
        ["sweep", "--landscape", "quadratic", "--optimizer", "gd", "--init", "1,1", "--steps", "100",
         "--points", "13", "--alphas", "0.01,10", "--csv", str(s)],
    )
    assert code == 0, err
    rows = s.read_text().splitlines()
    assert rows[0] == "optimizer,alpha,status,stop,train_loss,validation_loss" and len(rows) == 14
    assert rows[-1].split(",")[2] == "diverged" and rows[1].split(",")[2] != "diverged"
    p = tmp_path / "p.csv"
    code, out, err = _run(
        capsys, ["phase", "--landscape", "quadratic", "--init", "1,1", "--steps", "300", "--grid", "8", "--csv", str(p)]
    )
    assert code == 0, err
    assert p.read_text().splitlines()[0] == "alpha,mu,outcome,steps" and "fastest: alpha" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["basins", "--landscape", "himmelblau", "--optimizer", "gd", "--optimizer", "adam", "--steps", "5"],
         "basins takes exactly one --optimizer"),
        (["basins", "--landscape", "himmelblau", "--optimizer", "gd", "--steps", "5", "--grid", "1"], "invalid grid"),
        (["sweep", "--landscape", "saddle", "--optimizer", "gd", "--steps", "5", "--alphas", "1,x"],
         "invalid --alphas"),
        (["sweep", "--landscape", "saddle", "--optimizer", "gd", "--steps", "5", "--alphas", "1,0.1"],
         "invalid alpha range"),
        (["sweep", "--landscape", "saddle", "--optimizer", "gd", "--steps", "5", "--alpha", "0.1"],
         "--alpha does not apply to a sweep"),
        (["phase", "--landscape", "saddle", "--optimizer", "adam", "--steps", "5"], "needs an optimizer with mu"),
        (["run", "--scenario", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
        (["run", "--landscape", "saddle", "--optimizer", "gd", "--steps", "5", "--batch-size", "4"],
         "not trained on data"),
    ],
)
def test_analysis_bad_input(capsys, argv, message):
    code, _, err = _run(capsys, argv)
    assert code == 2 and err.count("\n") == 1 and message in err, err


def test_run_a_scenario_and_override_it(capsys):
    code, out, err = _run(capsys, ["run", "--scenario", "zero-init-saddle"])
    assert code == 0, err
    assert out.startswith("scenario zero-init-saddle: tanh-saddle") and out.count("stuck at step 0") == 2
    code, out, err = _run(capsys, ["run", "--scenario", "zero-init-saddle", "--init", "random", "--sigma", "0.01"])
    assert code == 0, err
    assert "stuck at step 0" not in out and "random (sigma 0.01, seed 0)" in out
    code, out, _ = _run(capsys, ["run", "--scenario", "learning-rate-choice", "--alpha", "0.1", "--steps", "20"])
    assert out.count("gd(alpha=0.1)") == 3 and "20 steps" in out
    code, out, _ = _run(capsys, ["run", "--scenario", "learning-rate-choice", "--optimizer", "adam", "--steps", "5"])
    assert "adam(alpha=0.01" in out and "gd(" not in out


def test_list_shows_scenarios(capsys):
    from engine.scenarios import load_scenarios

    _, out, _ = _run(capsys, ["list"])
    for name in load_scenarios()[0]:
        assert f"  {name} " in out
