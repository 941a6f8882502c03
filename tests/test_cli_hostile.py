"""The command line under hostile use (issue 15): paths the system refuses, a reader that
closes stdout, Ctrl-C, progress on a terminal, racers told apart by label, options that were
silently ignored or silently accepted. Each test failed before its fix."""

from __future__ import annotations

import csv
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest

import main
from engine import make_landscape
from engine.analysis import log_grid, lr_sweep

ROOT = Path(__file__).resolve().parents[1]
RUN = ["run", "--landscape", "rosenbrock", "--optimizer", "gd", "--steps", "5"]


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _one_error_line(err: str) -> None:
    assert err.count("\n") == 1 and err.startswith("basin: error: ") and "Traceback" not in err, err


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- paths the system refuses -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "basins", "sweep", "phase"])
def test_a_name_longer_than_the_system_allows_is_one_line_and_exit_1(tmp_path, capsys, command):
    argv = {
        "run": RUN,
        "basins": ["basins", "--landscape", "himmelblau", "--optimizer", "gd", "--steps", "5", "--grid", "4"],
        "sweep": ["sweep", "--landscape", "quadratic", "--optimizer", "gd", "--steps", "5", "--points", "3"],
        "phase": ["phase", "--landscape", "quadratic", "--steps", "5", "--grid", "3"],
    }[command]
    name = str(tmp_path / ("a" * 300 + ".csv"))
    code, out, err = _run(capsys, [*argv, "--csv", name])
    assert code == 1 and out == ""
    _one_error_line(err)
    assert name in err and "longer than the system allows" in err
    assert _files(tmp_path) == []


def test_a_parent_that_is_a_file_is_one_line_and_exit_1(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    code, _, err = _run(capsys, [*RUN, "--csv", str(tmp_path / "f" / "t.csv")])
    assert code == 1 and "is not a folder" in err
    _one_error_line(err)


@pytest.mark.parametrize("flag", ["--csv", "--png", "--svg"])
def test_an_empty_output_name_is_refused(capsys, flag):
    code, out, err = _run(capsys, [*RUN, flag, ""])
    assert code == 2 and out == "" and f"{flag} needs a file name" in err
    _one_error_line(err)


def test_two_outputs_into_one_file_are_refused(tmp_path, capsys):
    path = str(tmp_path / "x.png")
    code, _, err = _run(capsys, [*RUN, "--csv", path, "--png", path])
    assert code == 2 and "--csv and --png name the same file" in err
    assert _files(tmp_path) == []


def test_written_files_get_the_usual_permissions_and_no_leftovers(tmp_path, capsys):
    path = tmp_path / "t.csv"
    code, out, _ = _run(capsys, [*RUN, "--csv", str(path)])
    assert code == 0 and out.endswith(f"wrote {path}\n")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    assert _files(tmp_path) == ["t.csv"]  # the temporary file was renamed, not copied


# -- the order of work: files first, then the report --------------------------------------------


def test_a_reader_that_closes_stdout_early_loses_no_file(tmp_path):
    """``basins ... --csv b.csv | head -1``: the file is complete and nothing complains. (``-u``
    makes every print reach the pipe at once, as on a terminal, so the early close bites.)"""
    b = tmp_path / "b.csv"
    proc = subprocess.Popen(
        [sys.executable, "-u", str(ROOT / "main.py"), "basins", "--landscape", "himmelblau", "--optimizer", "gd",
         "--alpha", "0.01", "--steps", "200", "--grid", "16", "--csv", str(b)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    proc.stdout.close()  # the reader has gone before the first line
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""
    assert len(b.read_text().splitlines()) == 1 + 16 * 16


def test_the_report_comes_after_the_files(tmp_path, capsys, monkeypatch):
    order: list[str] = []
    real_print = print
    monkeypatch.setattr("builtins.print", lambda *a, **k: (order.append("print"), real_print(*a, **k)))
    real_write = main.write_atomic
    monkeypatch.setattr(main, "write_atomic", lambda p, w: (order.append("write"), real_write(p, w)))
    code, _, _ = _run(capsys, ["sweep", "--landscape", "quadratic", "--optimizer", "gd", "--steps", "20",
                               "--points", "4", "--csv", str(tmp_path / "s.csv")])
    assert code == 0 and order[0] == "write" and set(order[1:]) == {"print"}


# -- Ctrl-C and progress ------------------------------------------------------------------------


def _pty(columns: int = 100, rows: int = 30) -> tuple[int, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return master, slave


def _read(fd: int, until: float) -> bytes:
    data = b""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        data += chunk
    return data


def test_ctrl_c_on_a_long_basin_map_stops_at_once_with_one_line(tmp_path):
    """The issue's run (kappa 10000, gd, alpha 1e-5, 100000 steps, 256 x 256) took 28 s to stop
    and printed a traceback. On a terminal it shows a bar with the time left; Ctrl-C stops it
    within a second, exit 130, one line, and no file."""
    master, slave = _pty()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "basins", "--landscape", "quadratic", "--param", "kappa=10000",
         "--optimizer", "gd", "--alpha", "1e-5", "--steps", "100000", "--grid", "256", "--csv", "b.csv",
         "--png", "b.png"],
        stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, cwd=tmp_path,
    )
    os.close(slave)
    try:
        seen = b""
        deadline = time.monotonic() + 60
        while b" left" not in seen and time.monotonic() < deadline:  # the bar, with its estimate
            seen += _read(master, time.monotonic() + 0.2)
        text = seen.decode(errors="replace")
        assert re.search(r"basins 256x256: +\d+%\|.*\| \d\d:\d\d elapsed, (\d\d:)?\d\d:\d\d left", text), text
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        took = time.monotonic() - t0
        rest = _read(master, time.monotonic() + 1.0).decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 130 and out == b""
    assert took < 2.0, f"took {took:.2f} s to stop"  # the engine polls between blocks of ~10 ms
    # the bar is wiped, then one line
    assert rest.replace("\r\n", "\n").split("\r")[-1] == "basin: interrupted\n", repr(rest)
    assert _files(tmp_path) == []


def test_ctrl_c_while_writing_leaves_no_file(tmp_path, capsys, monkeypatch):
    import engine.records

    def interrupted_write(path, run, names=None):
        Path(path).write_text("optimizer,step,loss\ngd,0,")  # half a file, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.records, "write_csv", interrupted_write)
    (tmp_path / "t.csv").write_text("the old file\n")
    code, out, err = _run(capsys, [*RUN, "--csv", str(tmp_path / "t.csv")])
    assert code == 130 and out == "" and err == "basin: interrupted\n"
    assert _files(tmp_path) == ["t.csv"] and (tmp_path / "t.csv").read_text() == "the old file\n"


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "basins", "--landscape", "quadratic", "--param", "kappa=100",
         "--optimizer", "gd", "--alpha", "1e-4", "--steps", "20000", "--grid", "64"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0 and proc.stderr == ""


# -- racers told apart by label -----------------------------------------------------------------


def test_a_sweep_of_a_scenario_racing_one_optimizer_thrice(tmp_path, capsys):
    """learning-rate-choice races gd at three alphas: a sweep varies alpha, so they are one
    curve (the CSV held three copies and the figure raised IndexError)."""
    s, png, svg = tmp_path / "s.csv", tmp_path / "s.png", tmp_path / "s.svg"
    code, out, err = _run(capsys, ["sweep", "--scenario", "learning-rate-choice", "--points", "9", "--csv", str(s),
                                   "--png", str(png), "--svg", str(svg), "--width", "500"])
    assert code == 0, err
    rows = list(csv.DictReader(s.read_text().splitlines()))
    assert len(rows) == 9 and {r["optimizer"] for r in rows} == {"gd"}
    assert "share a curve" in out and out.count("  gd:") == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and svg.stat().st_size > 1000


def test_a_sweep_keeps_racers_that_differ_in_more_than_alpha(tmp_path, capsys):
    s = tmp_path / "s.csv"
    code, _, err = _run(capsys, ["sweep", "--scenario", "momentum-damping", "--points", "5", "--steps", "50",
                                   "--csv", str(s)])
    assert code == 0, err
    from engine.scenarios import load_scenarios

    sc = load_scenarios()[0]["momentum-damping"]
    labels = [r["optimizer"] for r in csv.DictReader(s.read_text().splitlines())]
    distinct = {(n, tuple(sorted((k, v) for k, v in h.items() if k != "alpha"))) for n, h in sc.optimizers}
    assert len(set(labels)) == len(distinct) and len(labels) == 5 * len(distinct)


# -- options no longer ignored or silently accepted ---------------------------------------------


def test_sweep_phase_and_basins_honour_the_batch_size(tmp_path, capsys):
    s = tmp_path / "s.csv"
    argv = ["sweep", "--scenario", "minibatch-noise", "--optimizer", "gd", "--steps", "40", "--points", "5",
            "--alphas", "0.01,1"]
    code, out, err = _run(capsys, [*argv, "--csv", str(s)])
    assert code == 0 and "mini-batches of 8" in out, err
    got = np.array([float(r["train_loss"]) for r in csv.DictReader(s.read_text().splitlines())])
    L = make_landscape("linear-regression", standardise="yes")
    alphas = log_grid(0.01, 1, 5)
    noisy = lr_sweep(L, ["gd"], (-0.5, -1.5), 40, alphas=alphas, batch_size=8, seed=1)
    full = lr_sweep(L, ["gd"], (-0.5, -1.5), 40, alphas=alphas)
    np.testing.assert_array_equal(got, noisy.train[0])
    assert not np.array_equal(got, full.train[0])
    for command in (["basins", "--grid", "4"], ["phase", "--grid", "3", "--optimizer", "momentum"]):
        code, out, err = _run(capsys, [command[0], "--scenario", "minibatch-noise", *command[1:], "--steps", "20",
                                       *(["--optimizer", "gd"] if command[0] == "basins" else [])])
        assert code == 0 and "mini-batches of 8" in out, err


@pytest.mark.parametrize("command", [
    ["basins", "--landscape", "himmelblau", "--optimizer", "gd", "--grid", "4"],
    ["sweep", "--landscape", "himmelblau", "--optimizer", "gd", "--points", "3"],
    ["phase", "--landscape", "himmelblau", "--grid", "3"],
    ["run", "--landscape", "himmelblau", "--optimizer", "gd"],
])
def test_a_batch_size_without_data_is_refused_everywhere(capsys, command):
    code, out, err = _run(capsys, [*command, "--steps", "5", "--batch-size", "3"])
    assert code == 2 and out == "" and "not trained on data" in err
    _one_error_line(err)


@pytest.mark.parametrize("flag, first, second", [
    ("--landscape", "rosenbrock", "quadratic"),
    ("--steps", "5", "50"),
    ("--init", "1,1", "2,2"),
    ("--alpha", "0.1", "0.2"),
    ("--csv", "a.csv", "b.csv"),
])
def test_an_option_given_twice_is_refused(capsys, flag, first, second):
    argv = ["run", "--optimizer", "gd"]
    for k, v in {"--landscape": "rosenbrock", "--steps": "5"}.items():
        if k != flag:
            argv += [k, v]
    code, out, err = _run(capsys, [*argv, flag, first, flag, second])
    assert code == 2 and out == "" and f"{flag} given twice" in err
    _one_error_line(err)


def test_a_parameter_given_twice_is_refused_and_help_says_the_rule(capsys):
    code, _, err = _run(capsys, ["run", "--landscape", "quadratic", "--optimizer", "gd", "--steps", "5",
                                 "--param", "kappa=3", "--param", "kappa=30"])
    assert code == 2 and "--param kappa given twice" in err
    with pytest.raises(SystemExit):
        main.main(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Each option is given once; --optimizer and --param repeat" in help_text
    assert "130 interrupted" in help_text


@pytest.mark.parametrize("argv, message", [
    (["sweep", "--landscape", "quadratic", "--optimizer", "gd", "--steps", "5", "--alphas", "-1,1"],
     "invalid alpha range low end: -1 (must be > 0)"),
    (["run", "--landscape", "quadratic", "--optimizer", "gd", "--steps", "5", "--tol", "-1e-3"],
     "invalid tol: -0.001 (must be > 0)"),
    ([*RUN, "--init", "１,２"], "invalid init '１,２'"),
    ([*RUN[:-1], "1_0"], "invalid --steps '1_0': not a whole number"),
    ([*RUN[:-1], "１０"], "invalid --steps '１０': not a whole number"),
    ([*RUN, "--alpha", "1_0"], "invalid --alpha '1_0': not a number"),
    ([*RUN, "--alpha", "٣"], "invalid --alpha '٣': not a number"),
    (["run", "--landscape", "quadratic", "--optimizer", "gd", "--steps", "5", "--param", "kappa=１"],
     "invalid kappa: '１' is not a number"),
    ([*RUN[:-1], "1.5"], "invalid --steps '1.5': not a whole number"),
])
def test_numbers_are_ascii_and_negative_values_reach_their_check(capsys, argv, message):
    code, out, err = _run(capsys, argv)
    assert code == 2 and out == "" and message in err, err
    _one_error_line(err)


def test_whole_numbers_may_be_written_with_an_exponent(capsys):
    code, out, err = _run(capsys, [*RUN[:-1], "1e1"])
    assert code == 0 and "10 steps" in out, err


def test_a_scenario_init_of_booleans_is_refused(tmp_path):
    from engine.scenarios import ScenarioError, load_scenario

    src = (ROOT / "assets" / "scenarios" / "learning-rate-choice.toml").read_text()
    bad = tmp_path / "bools.toml"
    bad.write_text(re.sub(r"^init = .*$", "init = [true, false]", src, flags=re.M))
    with pytest.raises(ScenarioError, match="field 'init'"):
        load_scenario(bad)


def test_an_error_naming_a_line_break_stays_one_line(tmp_path, capsys):
    """A session whose racer has a field named "a<newline>b" (found by Hypothesis): the
    message names the field, escaped, on one line."""
    import json

    from gui.session import session_of
    from gui.settings import Settings

    data = json.loads(session_of(Settings()).to_json())
    data["racers"][0] = {"a\nb": None}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    code, out, err = _run(capsys, ["run", "--session", str(path), "--steps", "5"])
    assert code == 2 and out == "" and "a\\nb" in err
    _one_error_line(err)
