"""Sessions as data: what is saved reads back the same, and a malformed, truncated,
wrong-typed, out-of-range or hostile file is refused in one line naming the field. The
command line runs a session as the window would (the same CSV: tests/gui/test_session_window.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import main
from engine.inits import Init
from gui.session import MAX_BYTES, Session, SessionError, load_session, parse_session, session_of
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
    assert json.loads(path.read_text())["version"] == 1


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
    ("version", 99, "version: 99 is newer than this Basin reads (1)"),
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
