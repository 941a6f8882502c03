"""The command line and the scenario files under random input (Hypothesis): valid and broken
numbers, names, inits and output paths. Whatever comes in: no traceback; exit 0, 1 (an output
the system refuses) or 2 (bad input); on an error exactly one line on stderr, nothing on
stdout and no file written; on success every file asked for exists and stderr is empty."""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import tempfile
import tomllib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import main
from engine import LANDSCAPES, OPTIMIZERS, Optimizer, simulate
from engine.optimizers import HYPER
from engine.scenarios import SCENARIO_DIR, load_scenarios

# -- strategies ---------------------------------------------------------------------------------

BROKEN_NUMBERS = ["", " ", "-", "+", "1e", "e5", "1_0", "１", "٣", "0x10", "1,2", "--", "1.2.3", "NaNa", "½", "1e99999"]
text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\0"), max_size=8)
any_number = st.one_of(
    st.floats().map(repr),  # nan, inf, -0.0, 5e-324 ... all typed as text
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(BROKEN_NUMBERS),
    text,
)
# options that size the work: small valid values, or broken ones, never a long run
small_int = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(BROKEN_NUMBERS), text)
steps = st.one_of(st.integers(-3, 30).map(str), st.sampled_from(["1e1", "2.5", *BROKEN_NUMBERS]), text)
landscape = st.one_of(st.sampled_from(sorted(LANDSCAPES)), text)
optimizer = st.one_of(st.sampled_from(sorted(OPTIMIZERS)), text)
coords = st.lists(any_number, min_size=0, max_size=3).map(",".join)
init = st.one_of(st.sampled_from(["zeros", "random", "ZEROS", "0"]), coords, text)
param_name = st.sampled_from(["kappa", "angle", "A", "tilt", "activation", "x"])
param = st.builds(lambda n, v: f"{n}={v}", param_name, any_number)
# output files: written into a fresh folder ("same" twice: two outputs into one file), or a
# path the system refuses
GOOD_PATH, SAME, BAD_PATHS = "ok", "same", ["", "missing/x.out", "folder", "file/x.out", "a" * 300]
path = st.sampled_from([GOOD_PATH, SAME, *BAD_PATHS])

VALUE_OPTIONS = {
    "--landscape": landscape, "--optimizer": optimizer, "--param": param, "--init": init, "--steps": steps,
    "--tol": any_number, "--bound": any_number, "--sigma": any_number, "--seed": small_int,
    "--batch-size": small_int, **{f"--{h}": any_number for h in HYPER},
}
COMMAND_OPTIONS = {
    "run": {"--csv": path},
    "basins": {"--csv": path, "--grid": small_int},
    "sweep": {"--csv": path, "--points": small_int, "--alphas": st.lists(any_number, max_size=3).map(",".join)},
    "phase": {"--csv": path, "--grid": small_int},
}


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from([*COMMAND_OPTIONS, "list", "nope"]))
    argv = [command]
    if command in COMMAND_OPTIONS:
        # a plausible problem most of the time, so that the runs get past the first check
        if draw(st.integers(0, 3)):
            argv += ["--landscape", draw(st.sampled_from(sorted(LANDSCAPES))), "--steps", str(draw(st.integers(0, 20)))]
            if command != "phase":
                argv += ["--optimizer", draw(st.sampled_from(sorted(OPTIMIZERS)))]
        if command in ("basins", "phase"):
            argv += ["--grid", str(draw(st.integers(2, 6)))]  # (a drawn --grid then repeats it: refused)
        if command == "sweep":
            argv += ["--points", str(draw(st.integers(2, 5)))]
        # (a good --png would render a figure, a second each: the figures have tests of their own)
        options = {**VALUE_OPTIONS, **COMMAND_OPTIONS[command], "--png": st.sampled_from([SAME, *BAD_PATHS])}
        for flag in draw(st.lists(st.sampled_from(sorted(options)), max_size=5)):
            argv += [flag, draw(options[flag])]
    if draw(st.booleans()):
        argv.append(draw(st.sampled_from(["--help-me", "-x", "stray", "--"])))
    return argv


def _paths(argv: list[str], folder: Path) -> tuple[list[str], list[Path]]:
    """The command line with its output paths made real: good ones in ``folder``."""
    (folder / "folder").mkdir()
    (folder / "file").write_text("a file, not a folder")
    out, wanted = [], []
    for i, a in enumerate(argv):
        if i and argv[i - 1] in ("--csv", "--png", "--svg") and a in (GOOD_PATH, SAME, *BAD_PATHS) and a != "":
            p = folder / (f"out{i}.csv" if a == GOOD_PATH else "same.png" if a == SAME else a)
            if a in (GOOD_PATH, SAME):
                wanted.append(p)
            a = str(p)
        out.append(a)
    return out, wanted


@given(command_lines())
def test_no_traceback_and_documented_exit_codes(argv):
    folder = Path(tempfile.mkdtemp(prefix="basin-cli-"))
    try:
        argv, wanted = _paths(argv, folder)
        before = set(folder.iterdir())
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main.main(argv)
            except SystemExit as e:  # --help, and only --help, exits through argparse
                assert (e.code == 0 and "--help" in argv) or "-h" in argv, (argv, err.getvalue())
                return
        out, err = out.getvalue(), err.getvalue()
        assert "Traceback" not in err
        assert code in (0, 1, 2), (argv, code, err)
        if code:
            assert err.count("\n") == 1 and err.startswith("basin: error: "), (argv, err)
            assert out == "", (argv, out)
            assert set(folder.iterdir()) == before, argv  # nothing written, not even a temporary
        else:
            assert err == "", (argv, err)
            assert all(p.is_file() for p in wanted), argv
            assert {p.name for p in set(folder.iterdir()) - before} == {p.name for p in wanted}
    finally:
        shutil.rmtree(folder)


# -- scenario files -----------------------------------------------------------------------------

BASE = tomllib.loads((SCENARIO_DIR / "learning-rate-choice.toml").read_text(encoding="utf-8"))
toml_scalar = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), text,
)
toml_value = st.one_of(toml_scalar, st.lists(toml_scalar, max_size=4), st.dictionaries(text, toml_scalar, max_size=3))


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # repr: inf, -inf, 1e+20 are TOML too
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}" for k, v in value.items()) + "}"


def _document(data: dict) -> str:
    lines, tables = [], []
    for k, v in data.items():
        if k == "optimizers" and isinstance(v, list) and v and all(isinstance(o, dict) for o in v):
            for o in v:
                tables.append("[[optimizers]]\n" + "".join(f"{json.dumps(a)} = {_toml(b)}\n" for a, b in o.items()))
        else:
            lines.append(f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}")
    return "\n".join(lines) + "\n\n" + "\n".join(tables)


@st.composite
def scenario_texts(draw):
    data = json.loads(json.dumps(BASE))  # a deep copy of a good scenario
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*BASE, "params", "sigma", "seed", "tol", "batch_size", "extra"]))
        how = draw(st.sampled_from(["drop", "set", "set", "hyper"]))
        if how == "drop":
            data.pop(key, None)
        elif how == "hyper":
            tables = [o for o in data.get("optimizers", []) if isinstance(o, dict)] if isinstance(
                data.get("optimizers"), list) else []
            if not tables:
                continue
            o = draw(st.sampled_from(tables))
            o[draw(st.sampled_from(["name", "alpha", "mu", "eps", "zzz"]))] = draw(toml_value)
        else:
            data[key] = draw(toml_value)
    doc = _document(data)
    if draw(st.integers(0, 9)) == 0:  # now and then: not TOML at all
        doc = draw(st.sampled_from([doc[: len(doc) // 2], doc.replace("=", ":"), "\x00\x01", doc + "\n[[x"]))
    return doc


@given(scenario_texts(), st.booleans())
def test_any_scenario_file_loads_or_is_one_line_naming_it(doc, latin1):
    folder = Path(tempfile.mkdtemp(prefix="basin-sc-"))
    try:
        path = folder / "hostile.toml"
        path.write_bytes(doc.encode("latin-1", "replace") if latin1 else doc.encode("utf-8"))
        scenarios, errors = load_scenarios(folder)
        assert len(scenarios) + len(errors) == 1
        for e in errors:
            assert "\n" not in e and e.startswith(f"{path}: "), e
        for sc in scenarios.values():  # what loads, runs
            land = sc.make_landscape()
            opts = sc.make_optimizers()
            starts = [sc.start(land)] * len(opts)
            simulate(land, Optimizer.stack(opts), starts, min(sc.steps, 10), tol=sc.tol, batch_size=sc.batch_size,
                     seed=sc.seed)
    finally:
        shutil.rmtree(folder)


# -- session files ------------------------------------------------------------------------------

json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), text)
json_value = st.recursive(
    json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
    max_leaves=6,
)


def _paths_of(data, prefix=()):
    """Every place in a JSON document: (path of keys and indices, value)."""
    yield prefix, data
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for k, v in items:
        yield from _paths_of(v, (*prefix, k))


@st.composite
def session_texts(draw):
    from gui.session import session_of
    from gui.settings import Settings

    data = json.loads(session_of(Settings()).to_json())
    for _ in range(draw(st.integers(0, 3))):
        places = [p for p, _v in _paths_of(data) if p]
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent = data
        for k in place[:-1]:
            parent = parent[k]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[place[-1]]
        else:
            parent[place[-1]] = draw(json_value)
    doc = json.dumps(data, allow_nan=True)  # NaN and Infinity as Python writes them: not JSON
    if draw(st.integers(0, 9)) == 0:
        doc = draw(st.sampled_from([doc[: len(doc) // 2], doc.replace('"', "'"), "[" * 5000, "", "\x00"]))
    return doc


@given(session_texts())
def test_any_session_file_runs_or_is_one_line(doc):
    folder = Path(tempfile.mkdtemp(prefix="basin-session-"))
    try:
        path = folder / "s.json"
        path.write_text(doc, encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main.main(["run", "--session", str(path), "--steps", "5"])
        err = err.getvalue()
        assert code in (0, 2), (code, err)
        if code:
            assert err.count("\n") == 1 and err.startswith("basin: error: ") and out.getvalue() == "", err
        else:
            assert err == "" and out.getvalue().startswith("session s.json: ")
    finally:
        shutil.rmtree(folder)
