"""The command line's networks (``train``), formulas of your own (``--formula``), schedules
(``--schedule``) and a course's scenario folders (``--scenario-dir``)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import numpy as np
import pytest

import main
from engine.network.setup import NetworkSetup
from engine.network.training import CSV_HEADER, train
from engine.optimizers import make_optimizer

TRAIN = ["train", "--data", "moons", "--points", "120", "--hidden", "6", "--steps", "40"]


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_train_reports_each_racer_and_writes_csv_npz_and_figures(tmp_path, capsys):
    files = {k: tmp_path / f"t.{k}" for k in ("csv", "npz", "png", "svg")}
    code, out, err = _run(capsys, [*TRAIN, "--optimizer", "gd", "--optimizer", "adam", "--alpha", "0.05",
                                   *(a for k, p in files.items() for a in (f"--{k}", str(p)))])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("network moons, 120 points") and "2-6-1 network, 25 weights" in lines[1]
    # each racer named with its hyperparameters, as run names them
    assert lines[2].startswith("  gd(alpha=0.05): ") and "validation loss" in lines[2] and "accuracy" in lines[2]
    assert lines[3].startswith("  adam(alpha=0.05, beta1=0.9, beta2=0.999, eps=1e-08): ")
    # the CSV is the engine's race, number for number
    setup = NetworkSetup.from_fields({"data": "moons", "points": 120, "hidden": [6]})
    t = train(setup, [make_optimizer("gd", alpha=0.05), make_optimizer("adam", alpha=0.05)], 40)
    # (the racers named as the window names them: its Export CSV of this race is the same file)
    assert files["csv"].read_text() == replace(t, names=("gd α=0.05", "adam α=0.05")).csv()
    rows = list(csv.reader(io.StringIO(files["csv"].read_text())))
    assert tuple(rows[0]) == CSV_HEADER and len(rows) == 1 + 2 * 41
    # the npz holds what the net trained on, the shared start and each racer's end, per layer
    z = np.load(files["npz"])
    assert {"X_train", "y_train", "X_val", "y_val", "W1_init", "b1_init", "W2_init", "b2_init",
            "gd/W1", "gd/b1", "gd/W2", "gd/b2", "adam/W1", "adam/b2"} <= set(z.files)
    assert z["X_train"].shape == (96, 2) and z["W1_init"].shape == (2, 6) and z["W2_init"].shape == (6, 1)
    np.testing.assert_array_equal(z["adam/W1"], t.net.layout.unflatten(t.run.final.theta[1])[0][0])
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in files["svg"].read_bytes()[:400]


def test_standardised_units_and_batchnorm_reach_the_network(tmp_path, capsys):
    path = tmp_path / "w.npz"
    code, _, err = _run(capsys, [*TRAIN, "--optimizer", "gd", "--mixed-units", "--units", "standardised",
                                 "--batchnorm", "--init", "small", "--sigma", "0.2", "--npz", str(path)])
    assert code == 0, err
    x = np.load(path)["X_train"]
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)  # z-scores of the training split
    np.testing.assert_allclose(x.std(axis=0), 1.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "mnist"], "unknown data set 'mnist'"),
        (["--hidden", "16,x"], "hidden widths"),
        (["--hidden", "0"], "hidden|width"),
        (["--activation", "gelu"], "activation"),
        (["--units", "metric"], "units"),
        (["--init", "orthogonal"], "init"),
        (["--points", "5"], "points"),
        (["--batch-size", "500"], "batch size"),
        (["--batchnorm", "--no-batchnorm"], "given twice"),
        (["--schedule", "linear"], "schedule"),
        (["--scenario", "four-basins"], "use 'run --scenario four-basins'"),
        (["--optimizer", "lion"], "unknown optimizer 'lion'"),
    ],
)
def test_train_refuses_bad_input_with_one_line(capsys, argv, message):
    racers = [] if "--optimizer" in argv else ["--optimizer", "gd"]
    code, out, err = _run(capsys, ["train", "--steps", "40", *racers, *argv])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and re.search(message, err), err


def test_a_formula_and_a_schedule_on_the_command_line(tmp_path, capsys):
    code, out, err = _run(capsys, ["run", "--formula", "(1-x)^2 + 100*(y-x^2)^2", "--optimizer", "adam",
                                   "--alpha", "0.05", "--schedule", "step:300:0.5", "--init", "-1.5,2",
                                   "--steps", "1500", "--csv", str(tmp_path / "f.csv")])
    assert code == 0, err
    assert "custom(x in [-3, 3], y in [-3, 3]): (1-x)^2 + 100*(y-x^2)^2" in out
    assert "schedule=step:300:0.5" in out
    code, _, err = _run(capsys, ["run", "--formula", "__import__('os')", "--optimizer", "gd", "--steps", "3"])
    assert code == 2 and "not a known function" in err and len(err.splitlines()) == 1
    code, _, err = _run(capsys, ["run", "--landscape", "rosenbrock", "--formula", "x^2", "--optimizer", "gd",
                                 "--steps", "3"])
    assert code == 2 and "--formula is the landscape 'custom'" in err
    for cmd in ("basins", "sweep", "phase"):  # the same flag wherever a landscape is chosen
        code, _, err = _run(capsys, [cmd, "--formula", "x^2 + 2*y^2", "--optimizer", "momentum", "--steps", "20",
                                     "--grid" if cmd != "sweep" else "--points", "4"])
        assert code == 0, (cmd, err)


def test_a_course_brings_its_own_scenarios(tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    (course / "my-bowl.toml").write_text(
        'title = "A bowl of our own"\nidea = "convex"\nsummary = "one basin"\nlandscape = "custom"\n'
        'steps = 50\nexplanation = "It has one minimum."\ntry = ["Raise alpha."]\n'
        '[params]\nformula = "x^2 + 4*y^2"\n[[optimizers]]\nname = "gd"\nalpha = 0.1\nschedule = "cosine"\n'
    )
    (course / "broken.toml").write_text('title = 3\n')
    (course / "four-basins.toml").write_text((main.Path(main.__file__).parent / "assets" / "scenarios"
                                              / "four-basins.toml").read_text())
    code, out, _ = _run(capsys, ["list", "--scenario-dir", str(course)])
    assert code == 0
    assert any(line.split()[0] == "my-bowl" and f"(from {course})" in line for line in out.splitlines())
    assert "broken.toml" in out and "four-basins' is taken" in out
    code, out, err = _run(capsys, ["run", "--scenario", "my-bowl", "--scenario-dir", str(course)])
    assert code == 0, err
    assert "gd(alpha=0.1, schedule=cosine)" in out
    code, _, err = _run(capsys, ["run", "--scenario", "my-bowl"])  # not without its folder
    assert code == 2 and "unknown scenario 'my-bowl'" in err


def test_a_sweep_on_three_splits_picks_alpha_on_validation_and_tests_once(capsys):
    from engine.landscapes import make_landscape
    from engine.selection import choose_alpha

    code, out, err = _run(capsys, ["sweep", "--scenario", "alpha-on-validation", "--optimizer", "gd"])
    assert code == 0, err
    line = next(ln for ln in out.splitlines() if "picked on validation" in ln)
    L = make_landscape("noisy-regression")
    from engine.analysis import log_grid

    ch = choose_alpha(L, "gd", (0.0, 0.0), 100, log_grid(1e-5, 10, 61))
    assert f"alpha {ch.alpha:.3g}" in line and f"test loss, evaluated once there: {ch.test:.4g}" in line
