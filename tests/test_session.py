"""Sessions as data, of the two-weight view and of the network view: what is saved reads back
the same, version 1 files still open, and a malformed, truncated, wrong-typed, out-of-range or
hostile file is refused in one line naming the field. The command line runs a session as the
window would (the same CSV: tests/gui/test_session_window.py, tests/gui/test_network_session.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import main
from engine.inits import Init
from engine.network.setup import NetworkSetup
from engine.schedules import parse_schedule
from gui.netstate import MAX_POINTS, MAX_STEPS, PLANES, NetSettings, default_racers
from gui.session import MAX_BYTES, NetSession, Session, SessionError, load_session, parse_session, session_of
from gui.settings import OptimizerEntry, Settings

ROOT = Path(__file__).resolve().parents[1]


def base() -> dict:
    return json.loads(session_of(Settings()).to_json())


def text(d: dict) -> str:
    return json.dumps(d)


def test_the_session_module_needs_no_qt() -> None:
    code = "import sys, gui.session, gui.outputs; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_nothing_in_a_session_is_run() -> None:
    src = (ROOT / "gui" / "session.py").read_text()
    for word in ("eval(", "exec(", "pickle", "__import__", "literal_eval", "yaml"):
        assert word not in src


@pytest.mark.parametrize("settings", [
    Settings(),
    Settings("himmelblau", (), (OptimizerEntry("gd", (("alpha", 0.01),), "#123abc"),
                                OptimizerEntry("adam", (("alpha", 0.05), ("beta1", 0.8), ("beta2", 0.99),
                                                        ("eps", 1e-7)), "#ff7f0e", False)),
             Init("point", (-0.5, 4.8)), 300, 1e-8),
    Settings("two-tanh", (), (OptimizerEntry("momentum", (("alpha", 0.1), ("mu", 0.5)), "#1f77b4"),),
             Init("random", sigma=0.1, seed=7), 200, 1e-6, batch_size=8, batch_seed=3),
    Settings("quadratic", (("kappa", 50.0),), (OptimizerEntry("gd", (("alpha", 0.03),), "#1f77b4"),),
             Init("zeros"), 100),
    Settings("custom", (("formula", "(x-1)^2 + 3*(y+x^2)^2"), ("xmin", -2.0), ("xmax", 2.0), ("ymin", -3.0),
                        ("ymax", 1.0)), (OptimizerEntry("adam", (("alpha", 0.05),), "#9467bd"),),
             Init("point", (-1.5, 0.5)), 200),
])
def test_a_saved_session_reads_back_the_same(settings: Settings, tmp_path: Path) -> None:
    from gui.session import AnalysisState, save_session

    s = session_of(settings, view=((-2.0, 3.0), (-1.0, 4.0)), mode="animate", step=50, speed=250.0, selected=0,
                   analysis=AnalysisState(basins=True, opacity=0.5, basin_grid=128, open="phase", budget=10.0))
    path = tmp_path / "s.json"
    save_session(path, s)
    back = load_session(path)
    assert back == s
    built = back.settings.build()  # the engine takes it as it is
    assert len(built.entries) == sum(e.enabled for e in settings.optimizers)
    data = json.loads(path.read_text())
    assert data["version"] == 2 and data["model"] == "two"


def _set(d: dict, where: str, value: object) -> dict:
    keys = where.split(".")
    node = d
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = keys[-1]
    if value is KeyError:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return d


BAD_FIELDS = [
    ("format", "basin-scene", "format"),
    ("version", 99, "version: 99 is newer than this Basin reads (2)"),
    ("version", "1", "version: must be a whole number"),
    ("landscape", "moon", "landscape: unknown landscape"),
    ("landscape", 3, "landscape: unknown landscape 3"),
    ("params", {"kappa": 5}, "params.kappa: unknown field"),
    ("racers", [], "racers: must be a list of one or more"),
    ("racers", {"optimizer": "gd"}, "racers: must be a list"),
    ("racers.0.optimizer", "sgd", 'racers[0].optimizer: unknown optimizer "sgd"'),
    ("racers.0.hyper.alpha", -1, "racers[0].hyper: invalid alpha: -1"),
    ("racers.0.hyper.alpha", "0.1", "racers[0].hyper.alpha: must be a number, not text"),
    ("racers.0.hyper.alpha", True, "racers[0].hyper.alpha: must be a number, not true/false"),
    ("racers.0.hyper.alpha", 1e308 * 10, "racers[0].hyper.alpha: must be a number, not Infinity"),
    ("racers.0.hyper.lr", 0.1, "racers[0].hyper.lr: unknown field"),
    ("racers.0.color", "red; background: url(x)", "racers[0].color"),
    ("racers.0.enabled", "yes", "racers[0].enabled: must be true or false"),
    ("racers.0.evil", "__import__('os')", "racers[0].evil: unknown field"),
    ("init.kind", "everywhere", "init.kind"),
    ("init.point", [1, 2, 3], "init.point: has 3 coordinates, the landscape needs 2"),
    ("init.point", [1e300, 0], "init.point: coordinates must be finite"),
    ("init.point", "1,2", "init.point: must be a list of numbers"),
    ("steps", 0, "steps: 0 is out of range"),
    ("steps", 10**12, "steps: 1000000000000 is out of range"),
    ("steps", 2.5, "steps: must be a whole number, not 2.5"),
    ("steps", KeyError, "steps: missing"),
    ("tol", 0, "tol: 0 is out of range"),
    ("tol", None, "tol: must be a number, not null"),
    ("batch_size", 8, "batch_size: rosenbrock is not trained on data"),
    ("batch_seed", -1, "batch_seed: -1 is out of range"),
    ("view", {"x": [1, 0], "y": [0, 1]}, "view.x: low must be below high"),
    ("view", {"x": [0, 1e300], "y": [0, 1]}, "view.x: must be finite"),
    ("view", {"x": [0, 1]}, "view.y: missing"),
    ("mode", "fast", "mode: \"fast\" is not one of instant, animate"),
    ("step", 5000, "step: 5000 is out of range"),
    ("speed", 0, "speed: 0 is out of range"),
    ("selected", 12, "selected: 12 is out of range"),
    ("analysis.opacity", 2, "analysis.opacity: 2 is out of range"),
    ("analysis.basin_grid", 100, "analysis.basin_grid: 100 is not one of 64, 128, 256, 512"),
    ("analysis.open", "curvature", "analysis.open"),
    ("analysis.script", "rm -rf /", "analysis.script: unknown field"),
    ("extra", 1, "extra: unknown field"),
]


@pytest.mark.parametrize(("formula", "message"), [
    ("__import__('os').system('true')", "params"),
    ("x.__class__", "params"),
    (3, "params.formula: must be text"),
])
def test_a_formula_in_a_session_is_data_for_the_formula_reader(formula: object, message: str) -> None:
    d = base()
    d["landscape"] = "custom"
    d["params"] = {"formula": formula}
    with pytest.raises(SessionError) as info:
        parse_session(json.dumps(d))
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("where", "value", "message"), BAD_FIELDS)
def test_a_bad_field_is_refused_in_one_line_naming_it(where: str, value: object, message: str) -> None:
    d = _set(base(), where, value)
    with pytest.raises(SessionError) as info:
        parse_session(json.dumps(d, allow_nan=True))
    msg = str(info.value)
    assert msg.startswith("session: ") and "\n" not in msg
    assert message in msg, msg


@pytest.mark.parametrize(("raw", "message"), [
    ("", "truncated"),
    ('{"format": "basin-session", "version": 1, "landscape": "rosen', "truncated"),
    ("{'format': 'basin-session'}", "not valid JSON"),
    ("[" * 100000 + "]" * 100000, "nested more than"),
    ('{"a": ' * 50 + "1" + "}" * 50, "nested more than"),
    ('{"format": "basin-session", "version": 1, "steps": 1' + "0" * 5000 + "}", "digits is too large"),
    ('{"format": "basin-session", "version": NaN}', "version: must be a whole number, not NaN"),
    ('{"format": "basin-session", "format": "basin-session"}', "'format' is given twice"),
    ("null", "must be an object"),
    ('"basin-session"', "must be an object"),
])
def test_malformed_and_hostile_text_is_refused(raw: str, message: str) -> None:
    with pytest.raises(SessionError) as info:
        parse_session(raw)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_files_too_large_or_not_text_are_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(SessionError, match="larger than"):
        load_session(big)
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(SessionError, match="not UTF-8"):
        load_session(binary)
    with pytest.raises(SessionError, match="cannot read"):
        load_session(tmp_path / "missing.json")


def test_a_session_is_a_frozen_value() -> None:
    s = parse_session(session_of(Settings()).to_json())
    assert isinstance(s, Session)
    with pytest.raises(AttributeError):
        s.mode = "animate"  # type: ignore[misc]


# -- the command line ---------------------------------------------------------------------------

RUN = ["run", "--landscape", "himmelblau", "--optimizer", "gd", "--optimizer", "adam", "--alpha", "0.01",
       "--init", "-0.5,4.8", "--steps", "200"]


def _main(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_save_session_then_run_it_gives_the_same_trajectories(tmp_path: Path, capsys) -> None:
    s, a, b = tmp_path / "s.json", tmp_path / "a.csv", tmp_path / "b.csv"
    code, out, err = _main(capsys, [*RUN, "--csv", str(a), "--save-session", str(s)])
    assert code == 0, err
    assert f"wrote {s}" in out
    code, out, err = _main(capsys, ["run", "--session", str(s), "--csv", str(b)])
    assert code == 0, err
    assert out.startswith("session s.json: himmelblau")
    assert a.read_text() == b.read_text()
    # flags override the session
    code, out, err = _main(capsys, ["run", "--session", str(s), "--steps", "20", "--alpha", "0.02", "--csv", str(b)])
    assert code == 0, err
    assert "20 steps" in out and "gd(alpha=0.02)" in out and "adam(alpha=0.02" in out


def test_session_scenarios_and_bad_files_on_the_command_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    d = base()
    d["steps"] = -3
    bad.write_text(json.dumps(d))
    code, out, err = _main(capsys, ["run", "--session", str(bad)])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{bad}: steps: -3 is out of range" in err
    good = tmp_path / "g.json"
    good.write_text(session_of(Settings()).to_json())
    code, _out, err = _main(capsys, ["run", "--session", str(good), "--scenario", "four-basins"])
    assert code == 2 and "give --scenario or --session, not both" in err
    code, _out, err = _main(capsys, [*RUN, "--save-session", str(tmp_path / "s.txt")])
    assert code == 2 and "must end in .json" in err
    code, _out, err = _main(capsys, [*RUN, "--save-session", str(tmp_path / "no" / "s.json")])
    assert code == 1 and "does not exist" in err


# -- the network view's sessions (version 2) -----------------------------------------------------

def net_base() -> dict:
    return json.loads(session_of(NetSettings()).to_json())


NET_SETTINGS = [
    NetSettings(),
    NetSettings(
        setup=NetworkSetup.from_fields({"data": "circles", "points": 300, "noise": 0.25, "data_seed": 9,
                                        "mixed_units": True, "units": "standardised", "hidden": [6],
                                        "activation": "relu", "loss": "mse", "batchnorm": True, "init": "small",
                                        "sigma": 0.05, "seed": 7}),
        racers=(
            OptimizerEntry("gd", (("alpha", 0.2),), "#0072b2", True, parse_schedule("cosine")),
            OptimizerEntry("gd", (("alpha", 0.05),), "#5e3c99", True, parse_schedule("step:40:0.123456789")),
            OptimizerEntry("adam", (("alpha", 0.01), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8)), "#aa3377",
                           False),
        ),
        steps=500, tol=1e-8, batch_size=16, batch_seed=2, plane="random", plane_seed=5, selected=1,
    ),
    NetSettings(setup=NetworkSetup.from_fields({"data": "xor", "hidden": [], "init": "zeros"}),
                racers=default_racers()[:1], steps=MAX_STEPS, plane="ends"),
]


@pytest.mark.parametrize("settings", NET_SETTINGS)
def test_a_network_session_reads_back_the_same(settings: NetSettings, tmp_path: Path) -> None:
    from gui.session import save_session

    s = session_of(settings, mode="animate", step=50, speed=250.0)
    assert isinstance(s, NetSession) and s.settings == settings
    path = tmp_path / "net.json"
    save_session(path, s)
    back = load_session(path)
    assert back == s and back.model == "network"
    data = json.loads(path.read_text())
    assert data["version"] == 2 and data["model"] == "network"
    # the network table is a network scenario's, read by the same reader
    assert NetworkSetup.from_fields(data["network"]) == settings.setup
    assert "landscape" not in data and "view" not in data and "analysis" not in data
    sc = back.as_scenario("net.json")  # what train --session runs
    assert sc.network == settings.setup and sc.steps == settings.steps and sc.seed == settings.batch_seed
    assert [n for n, _h in sc.optimizers] == [e.name for e in settings.enabled]
    assert [sc_ or parse_schedule("constant") for sc_ in (sc.schedules or [None] * len(sc.optimizers))] == [
        e.schedule for e in settings.enabled]


def test_a_new_plane_asked_for_is_not_kept() -> None:
    s = session_of(replace(NetSettings(), plane_request=3))
    assert s.settings.plane_request == 0 and s.settings == NetSettings()


VERSION_1 = """{
  "format": "basin-session", "version": 1,
  "landscape": "himmelblau", "params": {},
  "racers": [{"optimizer": "gd", "hyper": {"alpha": 0.01}, "color": "#1f77b4", "enabled": true,
              "schedule": "step:100:0.5"},
             {"optimizer": "adam", "hyper": {"alpha": 0.05}, "color": "#ff7f0e", "enabled": false}],
  "init": {"kind": "point", "point": [-0.5, 4.8]},
  "steps": 300, "tol": 1e-06, "batch_size": null, "batch_seed": 0,
  "view": {"x": [-6, 6], "y": [-6, 6]},
  "mode": "animate", "step": 120, "speed": 100, "selected": 1,
  "analysis": {"basins": true, "opacity": 0.65, "basin_grid": 256, "basin_legend": true,
               "curvature": false, "field": false, "open": null,
               "phase_grid": 64, "sweep_points": 61, "budget": 3.0}
}"""


def test_version_1_files_still_open_and_a_two_weight_version_2_reads_the_same() -> None:
    s = parse_session(VERSION_1)
    assert isinstance(s, Session) and s.model == "two"
    assert s.settings.landscape == "himmelblau" and s.settings.optimizers[0].schedule == parse_schedule("step:100:0.5")
    assert s.settings.optimizers[1].params["beta1"] == 0.9 and not s.settings.optimizers[1].enabled
    assert s.view == ((-6.0, 6.0), (-6.0, 6.0)) and s.mode == "animate" and s.step == 120 and s.selected == 1
    assert s.analysis.basins
    v2 = json.loads(VERSION_1)
    v2["version"] = 2
    assert parse_session(json.dumps(v2)) == s  # "model" may be left out: two weights
    v2["model"] = "two"
    assert parse_session(json.dumps(v2)) == s
    written = json.loads(s.to_json())  # written as version 2
    assert written["version"] == 2 and written["model"] == "two" and parse_session(s.to_json()) == s


NET_BAD_FIELDS = [
    ("model", "deep", 'model: "deep" is not one of two, network'),
    ("model", True, "model: true is not one of two, network"),
    ("version", 1, "model: needs version 2"),
    ("version", 3, "version: 3 is newer than this Basin reads (2)"),
    ("network", KeyError, "network: missing"),
    ("network", [8, 8], "network: must be an object {...}, not a list"),
    ("network", "moons", "network: must be an object {...}, not text"),
    ("network.depth", 3, "network.depth: unknown field (valid: data, points"),
    ("network.data", "mnist", "network.data: unknown data set 'mnist'"),
    ("network.data", 3, "network.data: invalid data: 3 is not a name"),
    ("network.points", 5, "network.points: invalid points: 5 (must be in [10, 100000])"),
    ("network.points", MAX_POINTS + 1, f"network.points: {MAX_POINTS + 1} is out of range (the window takes at most"),
    ("network.points", "400", "network.points: invalid points: '400' is not a whole number"),
    ("network.points", 4.5, "network.points: invalid points: 4.5 is not a whole number"),
    ("network.points", 10**29, "network.points: invalid points"),
    ("network.noise", -0.1, "network.noise: invalid noise"),
    ("network.noise", 1e308 * 10, "network.noise: invalid noise: Infinity is not a number"),
    ("network.noise", None, "network.noise: invalid noise: None is not a number"),
    ("network.data_seed", 2**40, "network.data_seed: invalid seed: 1099511627776"),
    ("network.mixed_units", "yes", "network.mixed_units: invalid mixed_units: 'yes' (must be true or false)"),
    ("network.units", "metric", "network.units: invalid units 'metric'"),
    ("network.hidden", [8, "x"], "network.hidden: invalid hidden widths"),
    ("network.hidden", [2000], "network.hidden: invalid layer width: 2000 (must be in [1, 1024])"),
    ("network.hidden", [4] * 17, "network.hidden: invalid hidden layers: 17 (at most 16)"),
    ("network.hidden", [[8]], "network.hidden: invalid hidden widths"),
    ("network.hidden", "8,x", "network.hidden: invalid hidden widths: '8,x'"),
    ("network.hidden", {"a": 1}, "network.hidden"),
    ("network.activation", "sigmoid", "network.activation: unknown activation 'sigmoid'"),
    ("network.loss", 1, "network.loss: invalid loss: 1 is not a name"),
    ("network.batchnorm", 1, "network.batchnorm: invalid batchnorm: 1 (must be true or false)"),
    ("network.init", "ones", "network.init: unknown init 'ones'"),
    ("network.sigma", 0, "network.sigma: invalid sigma"),
    ("network.seed", -1, "network.seed: invalid seed: -1"),
    ("landscape", "rosenbrock", 'landscape: belongs to a two-weight session ("model": "two")'),
    ("view", {"x": [0, 1], "y": [0, 1]}, "view: belongs to a two-weight session"),
    ("analysis", {}, "analysis: belongs to a two-weight session"),
    ("init", {"kind": "zeros"}, "init: belongs to a two-weight session"),
    ("hack", "import os", "hack: unknown field (valid: format, version, model, racers"),
    ("racers", [], "racers: must be a list of one or more"),
    ("racers.0.optimizer", "sgd", 'racers[0].optimizer: unknown optimizer "sgd"'),
    ("racers.0.hyper.alpha", -1, "racers[0].hyper: invalid alpha: -1"),
    ("racers.0.schedule", "cosine:3", "racers[0].schedule"),
    ("racers.0.schedule", ["cosine"], "racers[0].schedule: must be text"),
    ("racers.0.color", "#12345", "racers[0].color"),
    ("steps", 0, "steps: 0 is out of range (must be in [1, 20000])"),
    ("steps", MAX_STEPS + 1, f"steps: {MAX_STEPS + 1} is out of range (must be in [1, {MAX_STEPS}])"),
    ("steps", "300", "steps: must be a whole number, not text"),
    ("tol", 2, "tol: 2 is out of range"),
    ("batch_size", 0, "batch_size: 0 is out of range (must be in [1, 320])"),
    ("batch_size", 321, "batch_size: 321 is out of range (must be in [1, 320])"),
    ("batch_size", 8.5, "batch_size: must be a whole number, not 8.5"),
    ("batch_seed", 2**32, "batch_seed: 4294967296 is out of range"),
    ("plane", "svd", 'plane: "svd" is not one of ' + ", ".join(PLANES)),
    ("plane", None, "plane: null is not one of"),
    ("plane_seed", -1, "plane_seed: -1 is out of range"),
    ("plane_seed", 1.5, "plane_seed: must be a whole number, not 1.5"),
    ("selected", 3, "selected: 3 is out of range (must be in [0, 2])"),  # of the three enabled racers
    ("step", 301, "step: 301 is out of range (must be in [0, 300])"),
    ("speed", 1e9, "speed: 1000000000.0 is out of range"),
    ("mode", "fast", 'mode: "fast" is not one of instant, animate'),
]


@pytest.mark.parametrize(("where", "value", "message"), NET_BAD_FIELDS)
def test_a_bad_network_field_is_refused_in_one_line_naming_it(where: str, value: object, message: str) -> None:
    d = _set(net_base(), where, value)
    with pytest.raises(SessionError) as info:
        parse_session(json.dumps(d, allow_nan=True))
    msg = str(info.value)
    assert msg.startswith("session: ") and "\n" not in msg
    assert message in msg, msg


@pytest.mark.parametrize(("where", "value", "message"), [
    ("network", {"data": "moons"}, 'network: belongs to a network session ("model": "network")'),
    ("plane", "pca", "plane: belongs to a network session"),
    ("plane_seed", 0, "plane_seed: belongs to a network session"),
])
@pytest.mark.parametrize("version", [1, 2])
def test_network_fields_in_a_two_weight_session_are_refused(where: str, value: object, message: str,
                                                            version: int) -> None:
    d = _set(base(), where, value)
    d["version"] = version
    if version == 1:
        del d["model"]
    with pytest.raises(SessionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_session(json.dumps(d))


# -- random network sessions: what is saved reads back; a damaged one is refused by name ---------

json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
              st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
setups = st.fixed_dictionaries({}, optional={
    "data": st.sampled_from(["spirals", "circles", "xor", "gauss", "moons"]),
    "points": st.integers(10, MAX_POINTS), "noise": st.floats(0.0, 2.0), "data_seed": st.integers(0, 2**32 - 1),
    "mixed_units": st.booleans(), "units": st.sampled_from(["raw", "standardised"]),
    "hidden": st.lists(st.integers(1, 64), max_size=4), "activation": st.sampled_from(["tanh", "logistic", "relu"]),
    "loss": st.sampled_from(["xent", "mse"]), "batchnorm": st.booleans(),
    "init": st.sampled_from(["zeros", "small", "glorot", "he"]), "sigma": st.floats(1e-6, 10.0),
    "seed": st.integers(0, 2**32 - 1),
}).map(NetworkSetup.from_fields)


@st.composite
def net_settings(draw) -> NetSettings:
    setup = draw(setups)
    rows = draw(st.lists(st.sampled_from(default_racers()), min_size=1, max_size=5))
    rows = [replace(r, enabled=draw(st.booleans()), schedule=parse_schedule(draw(st.sampled_from(
        ["constant", "cosine", "exp:0.99", "step:10:0.5", "warmup:5"])))) for r in rows]
    rows[draw(st.integers(0, len(rows) - 1))] = replace(rows[0], enabled=True)
    steps = draw(st.integers(1, MAX_STEPS))
    batch = draw(st.one_of(st.none(), st.integers(1, setup.data.n_train)))
    return NetSettings(setup=setup, racers=tuple(rows), steps=steps, tol=draw(st.floats(1e-15, 1.0)),
                       batch_size=batch, batch_seed=draw(st.integers(0, 2**32 - 1)),
                       plane=draw(st.sampled_from(list(PLANES))), plane_seed=draw(st.integers(0, 2**32 - 1)),
                       selected=draw(st.integers(0, sum(r.enabled for r in rows) - 1)))


@given(net_settings(), st.sampled_from(["instant", "animate"]), st.floats(1.0, 100000.0))
def test_any_network_settings_read_back_the_same(settings: NetSettings, mode: str, speed: float) -> None:
    s = session_of(settings, mode=mode, step=settings.steps // 2 if mode == "animate" else None, speed=speed)
    assert s.settings == settings
    assert parse_session(s.to_json()) == s


TOP = ("format", "version", "model", "network", "racers", "steps", "tol", "batch_size", "batch_seed", "plane",
       "plane_seed", "mode", "step", "speed", "selected")


@st.composite
def damaged(draw) -> tuple[dict, str]:
    """A valid network session with one field (at any depth) replaced by any JSON value."""
    d = net_base()
    node, path = d, []
    while True:
        keys = list(range(len(node))) if isinstance(node, list) else list(node)
        k = draw(st.sampled_from(keys))
        path.append(k)
        if not isinstance(node[k], dict | list) or not node[k] or draw(st.booleans()):
            break
        node = node[k]
    node[k] = draw(json_value)
    return d, str(path[0])


@given(damaged())
def test_a_damaged_network_session_is_read_or_refused_by_name(case: tuple[dict, str]) -> None:
    d, _top = case
    try:
        s = parse_session(json.dumps(d, allow_nan=True))
    except SessionError as e:
        msg = str(e)
        assert msg.startswith("session: ") and "\n" not in msg
        field_ = msg.split(": ")[1]
        assert field_.split(".")[0].split("[")[0] in (*TOP, "the file"), msg  # names a field of the file
        return
    # read: a session of its own, which writes and reads back the same
    assert parse_session(s.to_json()) == s
