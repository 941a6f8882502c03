"""Scenario files: every shipped one loads and runs; broken ones are reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.optimizers import Optimizer
from engine.scenarios import IDEAS, SCENARIO_DIR, load_scenarios
from engine.simulation import simulate

GOOD = """
title = "A ravine"
idea = "ravine"
summary = "gd zigzags, momentum glides"
landscape = "quadratic"
steps = 50
init = [-1.5, 1.0]
explanation = "The bowl is steep across and shallow along."
try = ["Raise kappa."]
[params]
kappa = 20
[[optimizers]]
name = "gd"
alpha = 0.05
[[optimizers]]
name = "momentum"
alpha = 0.05
mu = 0.8
"""


def _write(folder: Path, name: str, text: str) -> Path:
    p = folder / f"{name}.toml"
    p.write_text(text)
    return p


def test_a_good_file_loads_and_builds(tmp_path):
    _write(tmp_path, "ravine", GOOD)
    scenarios, errors = load_scenarios(tmp_path)
    assert errors == []
    s = scenarios["ravine"]
    assert s.params == {"kappa": 20.0, "angle": 0.0}
    assert s.optimizers == (("gd", {"alpha": 0.05}), ("momentum", {"alpha": 0.05, "mu": 0.8}))
    L = s.make_landscape()
    assert np.array_equal(s.start(L), [-1.5, 1.0])


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (('landscape = "quadratic"', 'landscape = "nope"'), "field 'landscape': unknown landscape 'nope'"),
        (("kappa = 20", "kappa = -3"), "field 'params': invalid kappa"),
        (("kappa = 20", "bogus = 1"), "field 'params': unknown parameter 'bogus'"),
        (('name = "gd"', 'name = "sgd"'), "field 'optimizers[0].name': unknown optimizer 'sgd'"),
        (("mu = 0.8", "mu = 1.2"), "field 'optimizers[1]': invalid mu"),
        (("mu = 0.8", "beta1 = 0.8"), "field 'optimizers[1]': momentum takes no beta1"),
        (("steps = 50", "steps = 0"), "field 'steps': invalid steps"),
        (("init = [-1.5, 1.0]", "init = [1, 2, 3]"), "field 'init': init has 3 coordinates"),
        (("init = [-1.5, 1.0]", 'init = "middle"'), "field 'init'"),
        (('idea = "ravine"', 'idea = "magic"'), "field 'idea': unknown idea 'magic'"),
        (('try = ["Raise kappa."]', "try = []"), "field 'try'"),
        (('summary = "gd zigzags, momentum glides"', 'summary = "x"\ncolour = "red"'), "field 'colour': unknown"),
        (('title = "A ravine"', ""), "field 'title': missing"),
        (("[params]", "[params"), "TOML"),
        (('idea = "ravine"', 'idea = "ravine"\norder = "first"'), "field 'order': invalid order"),
        (('idea = "ravine"', 'idea = "ravine"\norder = -1'), "field 'order': invalid order"),
        (('idea = "ravine"', 'idea = "ravine"\norder = 1.5'), "field 'order': invalid order"),
    ],
)
def test_broken_files_are_reported_with_file_and_field_and_others_still_load(tmp_path, edit, where):
    _write(tmp_path, "a-good-one", GOOD)
    bad = _write(tmp_path, "broken", GOOD.replace(*edit))
    scenarios, errors = load_scenarios(tmp_path)
    assert list(scenarios) == ["a-good-one"]
    assert len(errors) == 1 and errors[0].startswith(f"{bad}: ") and where in errors[0], errors


def test_scenarios_come_in_the_lectures_order_of_ideas_then_by_order_then_name(tmp_path):
    def one(name: str, idea: str, order: int | None) -> None:
        text = GOOD.replace('idea = "ravine"', f'idea = "{idea}"' + (f"\norder = {order}" if order is not None else ""))
        _write(tmp_path, name, text)

    one("a-unordered", "ravine", None)
    one("b-second", "ravine", 2)
    one("c-first", "ravine", 1)
    one("d-convex", "convex", None)  # an earlier idea of the lecture comes first
    one("e-also-first", "ravine", 1)
    scenarios, errors = load_scenarios(tmp_path)
    assert errors == []
    assert list(scenarios) == ["d-convex", "c-first", "e-also-first", "b-second", "a-unordered"]
    assert scenarios["c-first"].order == 1 and scenarios["a-unordered"].order is None


def test_not_utf8_and_missing_folder(tmp_path):
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    _, errors = load_scenarios(tmp_path)
    assert "not UTF-8" in errors[0]
    _, errors = load_scenarios(tmp_path / "none")
    assert "not found" in errors[0]


SHIPPED, SHIPPED_ERRORS = load_scenarios(SCENARIO_DIR)


def test_shipped_scenarios_all_load():
    assert SHIPPED_ERRORS == []
    assert SHIPPED, "scenarios ship in assets/scenarios"


def test_every_idea_of_the_lecture_has_a_scenario():
    covered = {s.idea for s in SHIPPED.values()}
    assert covered == set(IDEAS), f"missing: {sorted(set(IDEAS) - covered)}"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_shipped_scenario_runs_headless(name):
    s = SHIPPED[name]
    L = s.make_landscape()
    opts = s.make_optimizers()
    start = s.start(L)
    run = simulate(
        L, Optimizer.stack(opts), np.tile(start, (len(opts), 1)), s.steps, tol=s.tol,
        batch_size=s.batch_size,
    )
    assert run.theta.shape == (len(opts), s.steps + 1, L.dim)
    assert len(s.explanation) > 200 and s.try_this


NET = """
title = "A net"
idea = "symmetry"
summary = "a small net"
landscape = "network"
steps = 20
reports = ["symmetry"]
explanation = "Units can be permuted."
try = ["Permute them."]
[network]
data = "moons"
points = 60
hidden = [4]
init = "small"
sigma = 0.2
[[optimizers]]
name = "adam"
alpha = 0.05
schedule = "warmup:5"
"""


def test_a_network_scenario_builds_its_net_and_start(tmp_path):
    _write(tmp_path, "net", NET)
    scenarios, errors = load_scenarios(tmp_path)
    assert errors == []
    s = scenarios["net"]
    assert s.is_network and s.reports == ("symmetry",) and s.params == {}
    net = s.make_landscape()
    assert net.layout.describe() == "2-4-1" and net.data.spec.n_points == 60
    w0 = s.start(net)
    assert w0.shape == (net.dim,) and np.std(w0[:8]) > 0.05  # the small init, sigma 0.2
    (opt,) = s.make_optimizers()
    assert opt.label().endswith("schedule=warmup:5)")
    run = simulate(net, opt, w0[None], s.steps)
    assert run.loss[0, -1] < run.loss[0, 0]


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (('data = "moons"', 'data = "mnist"'), "field 'network': unknown data set 'mnist'"),
        (("hidden = [4]", 'hidden = "four"'), "field 'network': invalid hidden widths"),
        (('init = "small"', 'init = "ones"'), "field 'network': unknown init 'ones'"),
        (("points = 60", "depth = 3"), "field 'network': unknown network field 'depth'"),
        (('reports = ["symmetry"]', 'reports = ["beauty"]'), "field 'reports': must be a list of"),
        (('schedule = "warmup:5"', 'schedule = "warmup:0"'), "field 'optimizers[0].schedule'"),
        (('steps = 20', 'steps = 20\ninit = [0.0, 1.0]'), "field 'init': a network's start is in its [network]"),
        (('landscape = "network"', 'landscape = "quadratic"'), "field 'network': only for landscape"),
    ],
)
def test_a_broken_network_scenario_names_its_field(tmp_path, edit, where):
    _write(tmp_path, "net", NET.replace(*edit))
    scenarios, errors = load_scenarios(tmp_path)
    assert scenarios == {} and len(errors) == 1
    assert where in errors[0] and "\n" not in errors[0]


def test_hostile_files_are_reported_and_never_stop_the_others(tmp_path):
    _write(tmp_path, "good", GOOD)
    _write(tmp_path, "deep", "x = " + "[" * 5000 + "]" * 5000)
    _write(tmp_path, "listname", GOOD.replace('name = "gd"', 'name = ["gd"]'))
    _write(tmp_path, "numbername", GOOD.replace('name = "gd"', "name = 3"))
    _write(tmp_path, "huge", "# " + "x" * (1 << 21))
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00title")
    scenarios, errors = load_scenarios(tmp_path)
    assert list(scenarios) == ["good"]
    assert len(errors) == 5 and all("\n" not in e for e in errors)
    assert any("deep.toml: TOML: nested too deeply" in e for e in errors)
    assert any("huge.toml: file: larger than" in e for e in errors)


def test_folders_load_in_order_and_a_taken_name_is_reported(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _write(first, "ravine", GOOD)
    _write(second, "ravine", GOOD.replace("A ravine", "Another ravine"))
    _write(second, "other", GOOD)
    scenarios, errors = load_scenarios(first, second)
    assert scenarios["ravine"].title == "A ravine" and "other" in scenarios
    assert errors == [f"{second / 'ravine.toml'}: name 'ravine' is taken by {first / 'ravine.toml'}"]
    _, errors = load_scenarios(tmp_path / "none")
    assert errors == [f"{tmp_path / 'none'}: scenario folder not found"]


def test_the_users_folder_is_read_when_it_exists(tmp_path, monkeypatch):
    from engine import scenarios as sc

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert sc.user_scenario_dir() == tmp_path / "basin" / "scenarios"
    assert sc.scenario_folders() == [SCENARIO_DIR]
    sc.user_scenario_dir().mkdir(parents=True)
    _write(sc.user_scenario_dir(), "mine", GOOD)
    assert sc.scenario_folders() == [SCENARIO_DIR, sc.user_scenario_dir()]
    assert "mine" in load_scenarios()[0]
