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
