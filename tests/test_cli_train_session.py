"""``train --session`` and ``train --save-session``: a network session on the command line.
A saved session trains again to the same numbers, its racers named as the window names them
(the window's File > Export CSV is the same file: tests/gui/test_network_session.py); flags
override the session's fields; the other commands refuse a network session, and ``train`` a
two-weight one, in one line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import main
from engine.network.setup import NetworkSetup
from engine.network.training import train
from engine.optimizers import make_optimizer
from engine.scenarios import load_scenarios
from engine.schedules import parse_schedule
from gui.netstate import NetSettings, racer_labels, scenario_net_settings
from gui.session import NetSession, load_session, session_of
from gui.settings import Settings

TRAIN = ["train", "--data", "moons", "--hidden", "6,6", "--optimizer", "gd", "--optimizer", "adam", "--alpha", "0.05",
         "--steps", "60", "--batch-size", "32", "--seed", "2"]


def _main(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _numbers(path: Path) -> list[list[str]]:
    return [row.split(",")[1:] for row in path.read_text().splitlines()]


def _names(path: Path) -> list[str]:
    return list(dict.fromkeys(row.split(",")[0] for row in path.read_text().splitlines()[1:]))


def test_a_saved_session_trains_again_to_the_same_numbers(tmp_path: Path, capsys) -> None:
    s, a, b = tmp_path / "s.json", tmp_path / "a.csv", tmp_path / "b.csv"
    code, out, err = _main(capsys, [*TRAIN, "--csv", str(a), "--save-session", str(s)])
    assert code == 0, err
    assert f"wrote {s}" in out
    session = load_session(s)
    assert isinstance(session, NetSession)
    ns = session.settings
    assert ns.setup.net.hidden == (6, 6) and ns.steps == 60 and ns.batch_size == 32 and ns.batch_seed == 2
    assert [e.name for e in ns.enabled] == ["gd", "adam"] and [e.name for e in ns.racers if not e.enabled] == [
        "momentum", "nesterov", "rmsprop", "adagrad", "newton"]  # the others follow unticked, as for a lesson
    code, out, err = _main(capsys, ["train", "--session", str(s), "--csv", str(b)])
    assert code == 0, err
    assert out.startswith("session s.json: network moons, 400 points")
    assert _numbers(a) == _numbers(b)  # every float64 of every step
    assert _names(a) == _names(b) == ["gd α=0.05", "adam α=0.05"] == list(racer_labels(ns.enabled))  # the window's
    assert a.read_text() == b.read_text()


def test_flags_override_the_session(tmp_path: Path, capsys) -> None:
    s, b = tmp_path / "s.json", tmp_path / "b.csv"
    assert _main(capsys, [*TRAIN, "--save-session", str(s)])[0] == 0
    code, out, err = _main(capsys, ["train", "--session", str(s), "--steps", "20", "--alpha", "0.2",
                                    "--hidden", "4", "--schedule", "cosine", "--csv", str(b)])
    assert code == 0, err
    assert "20 steps" in out and "4 tanh" in out and "gd(alpha=0.2, schedule=cosine)" in out
    assert _names(b) == ["gd α=0.2 · cosine", "adam α=0.2 · cosine"]
    # the numbers are the engine's for exactly that problem
    setup = NetworkSetup.from_fields({"data": "moons", "hidden": [4], "seed": 2})
    cosine = parse_schedule("cosine")
    t = train(setup, [make_optimizer("gd", alpha=0.2, schedule=cosine), make_optimizer("adam", alpha=0.2,
                                                                                      schedule=cosine)],
              20, batch_size=32, seed=2)
    rows = [r.split(",") for r in b.read_text().splitlines()[1:]]
    assert len(rows) == 2 * 21
    assert np.array_equal([float(r[2]) for r in rows[:21]], t.run.loss[0]) and np.array_equal(
        [float(r[2]) for r in rows[21:]], t.run.loss[1])
    # other racers replace the session's; saved again, the session has them
    s2 = tmp_path / "s2.json"
    code, _out, err = _main(capsys, ["train", "--session", str(s), "--optimizer", "momentum", "--mu", "0.5",
                                     "--save-session", str(s2)])
    assert code == 0, err
    again = load_session(s2).settings
    assert [e.label() for e in again.enabled] == ["momentum α=0.01 μ=0.5"] and again.steps == 60  # engine's alpha


def test_a_session_keeps_its_rows_colours_plane_and_animation(tmp_path: Path, capsys) -> None:
    from dataclasses import replace

    base = NetSettings()
    rows = list(base.racers)
    rows[0] = replace(rows[0], color="#5e3c99")
    settings = replace(base, racers=tuple(rows), plane="ends", plane_seed=4, selected=2, steps=50)
    s, s2 = tmp_path / "s.json", tmp_path / "s2.json"
    s.write_text(session_of(settings, mode="animate", step=30, speed=400.0).to_json())
    code, _out, err = _main(capsys, ["train", "--session", str(s), "--alpha", "0.1", "--save-session", str(s2)])
    assert code == 0, err
    back = load_session(s2)
    assert back.mode == "animate" and back.step == 30 and back.speed == 400.0
    assert back.settings.plane == "ends" and back.settings.plane_seed == 4 and back.settings.selected == 2
    assert back.settings.racers[0].color == "#5e3c99" and [e.enabled for e in back.settings.racers] == [
        e.enabled for e in settings.racers]
    assert all(e.params["alpha"] == 0.1 for e in back.settings.enabled)
    # fewer steps than the step shown: the step is not kept
    code, _out, err = _main(capsys, ["train", "--session", str(s), "--steps", "10", "--save-session", str(s2)])
    assert code == 0, err
    assert load_session(s2).step is None


def test_a_network_scenario_saved_as_a_session_is_the_window_s_lesson(tmp_path: Path, capsys) -> None:
    scenarios, _errors = load_scenarios()
    sc = scenarios["net-adam"]
    s = tmp_path / "lesson.json"
    code, _out, err = _main(capsys, ["train", "--scenario", "net-adam", "--steps", "5", "--save-session", str(s)])
    assert code == 0, err
    from dataclasses import replace

    assert load_session(s).settings == replace(scenario_net_settings(sc), steps=5)


def test_a_scenario_s_seed_seeds_the_mini_batches_as_in_the_window(tmp_path: Path, capsys) -> None:
    """A network scenario's top-level seed is its mini-batches' (the window's batch_seed); the
    start's seed is in its [network] table."""
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "batches.toml").write_text(
        'title = "t"\nidea = "adam"\nsummary = "s"\nlandscape = "network"\nsteps = 30\nseed = 5\n'
        'batch_size = 16\nexplanation = "e"\ntry = ["x"]\n[network]\ndata = "xor"\nhidden = [4]\nseed = 1\n'
        '[[optimizers]]\nname = "gd"\nalpha = 0.1\n'
    )
    out_csv = tmp_path / "t.csv"
    code, _out, err = _main(capsys, ["train", "--scenario", "batches", "--scenario-dir", str(folder),
                                     "--csv", str(out_csv)])
    assert code == 0, err
    setup = NetworkSetup.from_fields({"data": "xor", "hidden": [4], "seed": 1})
    t = train(setup, [make_optimizer("gd", alpha=0.1)], 30, batch_size=16, seed=5)
    assert out_csv.read_text() == replace(t, names=("gd α=0.1",)).csv()
    other = train(setup, [make_optimizer("gd", alpha=0.1)], 30, batch_size=16, seed=1)
    assert out_csv.read_text() != replace(other, names=("gd α=0.1",)).csv()  # (the seed matters)


@pytest.mark.parametrize("command", [["run"], ["basins"], ["sweep"], ["phase"]])
def test_the_two_weight_commands_refuse_a_network_session(tmp_path: Path, capsys, command: list[str]) -> None:
    s = tmp_path / "net.json"
    s.write_text(session_of(NetSettings()).to_json())
    code, out, err = _main(capsys, [*command, "--session", str(s)])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{s} is a network session: use 'train --session {s}'" in err


def test_train_refuses_a_two_weight_session_and_bad_files(tmp_path: Path, capsys) -> None:
    two = tmp_path / "two.json"
    two.write_text(session_of(Settings()).to_json())
    code, out, err = _main(capsys, ["train", "--session", str(two)])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{two} is a two-weight session: use 'run --session {two}'" in err

    bad = tmp_path / "bad.json"
    d = json.loads(session_of(NetSettings()).to_json())
    d["network"]["hidden"] = [8, 0]
    bad.write_text(json.dumps(d))
    code, out, err = _main(capsys, ["train", "--session", str(bad)])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{bad}: network.hidden: invalid layer width: 0" in err

    good = tmp_path / "good.json"
    good.write_text(session_of(NetSettings()).to_json())
    code, _out, err = _main(capsys, ["train", "--session", str(good), "--scenario", "net-adam"])
    assert code == 2 and "give --scenario or --session, not both" in err
    code, _out, err = _main(capsys, ["train", "--session", str(tmp_path / "missing.json")])
    assert code == 2 and "cannot read" in err


@pytest.mark.parametrize(("flags", "message"), [
    (["--steps", "20001"], "--save-session: steps: 20001 is out of range (must be in [1, 20000])"),
    (["--steps", "5", "--points", "6000"],
     "--save-session: network.points: 6000 is out of range (the window takes at most 5000)"),
])
def test_save_session_refuses_what_the_window_does_not_take_before_any_work(tmp_path: Path, capsys, flags,
                                                                            message: str) -> None:
    s, c = tmp_path / "s.json", tmp_path / "t.csv"
    argv = ["train", "--optimizer", "gd", *flags, "--csv", str(c), "--save-session", str(s)]
    code, out, err = _main(capsys, argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
    assert not s.exists() and not c.exists()
    code, _out, err = _main(capsys, [*TRAIN, "--save-session", str(tmp_path / "s.txt")])
    assert code == 2 and "must end in .json" in err
