"""Sessions: everything needed to draw the window's picture again, as a JSON file.

The window's File > Save session writes one of the view shown: the two-weight view's or the
deep network's. File > Open session and the command line read it: ``main.py run --session
FILE`` a two-weight session, ``main.py train --session FILE`` a network one (each then computes
exactly what the window shows: the same engine call on the same settings). No Qt here: the
command line and the window both import this module.

A session file is data, never code: it is read with ``json`` and every field is checked
(type, range, and by building the engine objects it names) before anything uses it. A file
that is too large, malformed, truncated, nested too deeply, has a field of the wrong type or
out of range, an unknown field or a newer version is refused with one line naming the
field (:class:`SessionError`); nothing in it is ever run.

Layout (version 2; version 1 is the two-weight layout without ``model``, and still reads)::

    {
      "format": "basin-session", "version": 2,
      "model": "two",                                          # the two-weight view
      "landscape": "himmelblau", "params": {},
      "racers": [{"optimizer": "gd", "hyper": {"alpha": 0.01}, "color": "#1f77b4", "enabled": true,
                  "schedule": "step:100:0.5"}],                  # optional: alpha's schedule
      "init": {"kind": "point", "point": [-0.5, 4.8]},      # or zeros, or random with sigma and seed
      "steps": 300, "tol": 1e-06, "batch_size": null, "batch_seed": 0,
      "view": {"x": [-6, 6], "y": [-6, 6]},                  # the contour view's extent
      "mode": "instant", "step": 300, "speed": 100, "selected": 0,   # selected: a row of racers
      "analysis": {"basins": false, "opacity": 0.65, "basin_grid": 256, "basin_legend": true,
                   "curvature": false, "field": false, "open": null,
                   "phase_grid": 64, "sweep_points": 61, "budget": 3.0}
    }

    {
      "format": "basin-session", "version": 2,
      "model": "network",                                      # the deep network's view
      "network": {"data": "moons", "points": 400, "noise": 0.1, "data_seed": 0,
                  "mixed_units": false, "units": "raw", "hidden": [8, 8], "activation": "tanh",
                  "loss": "xent", "batchnorm": false, "init": "glorot", "sigma": 0.1, "seed": 0},
      "racers": [...],                                         # as above
      "steps": 300, "tol": 1e-06, "batch_size": null, "batch_seed": 0,
      "plane": "pca", "plane_seed": 0,                         # the slice's plane (gui.netstate.PLANES)
      "mode": "instant", "step": null, "speed": 100,
      "selected": 0                                            # of the enabled racers: the background
    }

The ``network`` table is a network scenario's (``engine.network.setup.NetworkSetup.from_fields``
reads both); its points and the steps are held to what the window's controls take. The plane
is chosen again from the runs' paths when the session opens ("New plane" is not kept).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.inits import Init
from engine.landscapes import LANDSCAPES, make_landscape
from engine.network.setup import FIELDS as NETWORK_FIELDS
from engine.network.setup import NetworkSetup
from engine.optimizers import OPTIMIZERS, make_optimizer
from engine.schedules import SPEC_HELP, parse_schedule
from engine.simulation import MAX_STEPS
from gui.netstate import MAX_POINTS as NET_MAX_POINTS
from gui.netstate import MAX_STEPS as NET_MAX_STEPS
from gui.netstate import PLANES, NetSettings, check_frame
from gui.settings import PALETTE, OptimizerEntry, Settings

FORMAT = "basin-session"
VERSION = 2
MODELS = ("two", "network")  # the window's two views (View > Model)
MAX_BYTES = 1 << 20  # a session is a few kB: anything near a megabyte is not one
MAX_DEPTH = 8  # the deepest a valid session nests is 4
MAX_DIGITS = 30  # an integer literal longer than this is no count or seed of Basin's
MAX_RACERS = len(PALETTE)  # as the control panel (one colour each)
MAX_VIEW = 1e9
TOL_RANGE = (1e-15, 1.0)  # as the control panel's tolerance box
SPEED_RANGE = (1.0, 100000.0)  # the animation's steps per second, as the control panel
BASIN_GRIDS = (64, 128, 256, 512)  # the analysis panel's choices
PHASE_GRIDS = (32, 64, 96, 128)
SWEEP_POINTS = (25, 61, 121)
BUDGETS = (1.0, 3.0, 10.0, 30.0)
OPACITY_RANGE = (0.1, 0.95)
MODES = ("instant", "animate")
OPEN_VIEWS = (None, "phase", "sweep")
SEED_MAX = 2**32 - 1
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

Box = tuple[tuple[float, float], tuple[float, float]]


class SessionError(ValueError):
    """A session that cannot be used: one line naming the field."""


@dataclass(frozen=True)
class AnalysisState:
    """The analysis as the window shows it: the basin overlay and its options, curvature
    arrows and gradient field, which map is open in the dock, and the maps' options."""

    basins: bool = False
    opacity: float = 0.65
    basin_grid: int = 256
    basin_legend: bool = True
    curvature: bool = False
    field: bool = False
    open: str | None = None
    phase_grid: int = 64
    sweep_points: int = 61
    budget: float = 3.0


def _racers_out(entries: tuple[OptimizerEntry, ...]) -> list[dict]:
    return [
        {"optimizer": e.name, "hyper": {k: float(v) for k, v in e.hyper}, "color": e.color,
         "enabled": bool(e.enabled), **({} if e.schedule.constant else {"schedule": e.schedule.spec()})}
        for e in entries
    ]


@dataclass(frozen=True)
class Session:
    """The two-weight view's picture: its settings, the view, the animation and the analysis."""

    settings: Settings
    view: Box | None = None
    mode: str = "instant"
    step: int | None = None  # the animation step shown (animate mode)
    speed: float = 100.0
    selected: int = 0  # the racer selected in the control panel
    analysis: AnalysisState = field(default_factory=AnalysisState)

    model = "two"

    # -- writing ----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        s = self.settings
        init: dict = {"kind": s.init.kind}
        if s.init.kind == "point":
            init["point"] = [float(c) for c in s.init.point]
        elif s.init.kind == "random":
            init.update(sigma=float(s.init.sigma), seed=int(s.init.seed))
        a = self.analysis
        return {
            "format": FORMAT,
            "version": VERSION,
            "model": self.model,
            "landscape": s.landscape,
            "params": {k: (v if isinstance(v, str) else float(v) if not isinstance(v, int) else int(v))
                       for k, v in s.params},
            "racers": _racers_out(s.optimizers),
            "init": init,
            "steps": int(s.steps),
            "tol": float(s.tol),
            "batch_size": None if s.batch_size is None else int(s.batch_size),
            "batch_seed": int(s.batch_seed),
            "view": None if self.view is None else {"x": list(map(float, self.view[0])),
                                                    "y": list(map(float, self.view[1]))},
            "mode": self.mode,
            "step": None if self.step is None else int(self.step),
            "speed": float(self.speed),
            "selected": int(self.selected),
            "analysis": {
                "basins": a.basins, "opacity": a.opacity, "basin_grid": a.basin_grid,
                "basin_legend": a.basin_legend, "curvature": a.curvature, "field": a.field, "open": a.open,
                "phase_grid": a.phase_grid, "sweep_points": a.sweep_points, "budget": a.budget,
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    # -- for the command line -------------------------------------------------------------------
    def racers(self) -> list[tuple[str, dict[str, float], str]]:
        """The enabled racers in row order: ``(optimizer, hyperparameters, colour)``."""
        return [(e.name, dict(e.hyper), e.color) for e in self.settings.optimizers if e.enabled]

    def as_scenario(self, name: str):
        """The session as an engine ``Scenario`` (what the command line's ``Problem``
        takes): landscape, enabled racers, init, steps, tolerance, mini-batches and seed."""
        from engine.scenarios import Scenario

        s = self.settings
        schedules = tuple(None if e.schedule.constant else e.schedule for e in s.optimizers if e.enabled)
        return Scenario(
            name=name, title=name, idea="session", summary=f"the session {name}", landscape=s.landscape,
            params=dict(s.params), optimizers=tuple((n, h) for n, h, _c in self.racers()), init=s.init,
            steps=s.steps, explanation="", try_this=(), tol=s.tol, batch_size=s.batch_size, seed=s.batch_seed,
            schedules=schedules if any(sc is not None for sc in schedules) else (),
        )


@dataclass(frozen=True)
class NetSession:
    """The network view's picture: its settings (the setup, the racers, the run, the plane and
    the racer whose probability is the background) and the animation."""

    settings: NetSettings
    mode: str = "instant"
    step: int | None = None  # the animation step shown (animate mode)
    speed: float = 100.0

    model = "network"

    def to_dict(self) -> dict:
        s = self.settings
        return {
            "format": FORMAT,
            "version": VERSION,
            "model": self.model,
            "network": s.setup.fields(),
            "racers": _racers_out(s.racers),
            "steps": int(s.steps),
            "tol": float(s.tol),
            "batch_size": None if s.batch_size is None else int(s.batch_size),
            "batch_seed": int(s.batch_seed),
            "plane": s.plane,
            "plane_seed": int(s.plane_seed),
            "mode": self.mode,
            "step": None if self.step is None else int(self.step),
            "speed": float(self.speed),
            "selected": int(s.selected),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def as_scenario(self, name: str):
        """The session as an engine network ``Scenario`` (what ``train`` takes): the setup,
        the enabled racers with their schedules, steps, tolerance, mini-batches and their seed."""
        from engine.scenarios import NETWORK, Scenario

        s = self.settings
        schedules = tuple(None if e.schedule.constant else e.schedule for e in s.enabled)
        return Scenario(
            name=name, title=name, idea="session", summary=f"the session {name}", landscape=NETWORK, params={},
            optimizers=tuple((e.name, dict(e.hyper)) for e in s.enabled), init=Init("zeros"), steps=s.steps,
            explanation="", try_this=(), tol=s.tol, batch_size=s.batch_size, seed=s.batch_seed, network=s.setup,
            schedules=schedules if any(sc is not None for sc in schedules) else (),
        )


# -- reading ------------------------------------------------------------------------------------


class _NotJsonNumber:
    """What ``NaN``, ``Infinity`` or ``-Infinity`` in a file reads as: no number, so the
    field holding it is refused by name (Python's json would accept them as floats)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise SessionError(f"a whole number of {len(text)} digits is too large")
    return int(text)


def _float(text: str) -> float:
    if len(text) > 64:
        raise SessionError("a number written with more than 64 characters")
    return float(text)


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise SessionError(f"field {dupes[0]!r} is given twice")
    return dict(pairs)


def _depth(text: str) -> tuple[int, bool]:
    """How deeply brackets nest outside strings (checked before parsing, so that a hostile
    file of a million brackets costs a scan, not a recursion), and whether the text ends
    inside a string or a bracket (a truncated file)."""
    depth = most = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > most:
                most = depth
                if most > MAX_DEPTH:
                    return most, False
        elif ch in "]}":
            depth -= 1
    return most, in_str or depth > 0


def parse_session(text: str, where: str = "session") -> Session | NetSession:
    """Check a session's JSON text field by field and build the :class:`Session` (two
    weights) or :class:`NetSession` (a network). Raises :class:`SessionError` (one line,
    ``where: field: problem``)."""
    try:
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise SessionError(f"larger than {MAX_BYTES // 1024} kB: not a Basin session")
        depth, cut = _depth(text)
        if depth > MAX_DEPTH:
            raise SessionError(f"nested more than {MAX_DEPTH} levels deep: not a Basin session")
        try:
            data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_NotJsonNumber,
                              object_pairs_hook=_pairs)
        except json.JSONDecodeError as e:
            what = "truncated" if cut or e.pos >= len(text.rstrip()) else "not valid JSON"
            raise SessionError(f"{what} (line {e.lineno}, column {e.colno}: {e.msg})") from None
        except (RecursionError, ValueError) as e:
            if isinstance(e, SessionError):
                raise
            raise SessionError(f"not valid JSON ({e})") from None
        return _session(data)
    except SessionError as e:
        raise SessionError(f"{where}: {e}") from None


def load_session(path: str | Path) -> Session | NetSession:
    """Read and check a session file (``SessionError`` names the file and the field)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SessionError(f"{path}: larger than {MAX_BYTES // 1024} kB: not a Basin session")
        raw = path.read_bytes()
    except OSError as e:
        raise SessionError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SessionError(f"{path}: not UTF-8 text: not a Basin session") from None
    return parse_session(text, str(path))


def save_session(path: str | Path, session: Session | NetSession) -> None:
    """Write the session (``OSError`` when the file cannot be written)."""
    Path(path).write_text(session.to_json(), encoding="utf-8")


class _Fields:
    """Reads one JSON object's fields, naming each in errors, and refuses unknown ones
    (``why``: what to say of a field that belongs elsewhere, instead of "unknown")."""

    def __init__(self, data: object, where: str, known: tuple[str, ...], why: dict[str, str] | None = None) -> None:
        if not isinstance(data, dict):
            raise SessionError(f"{where or 'the file'}: must be an object {{...}}, not {_kind(data)}")
        self.data, self.where = data, where
        for k in data:
            if k not in known:
                if why and k in why:
                    raise SessionError(f"{self.name(k)}: {why[k]}")
                raise SessionError(f"{self.name(k)}: unknown field (valid: {', '.join(known)})")

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default: object = ..., *, required: bool = False) -> object:
        if key not in self.data:
            if required or default is ...:
                raise SessionError(f"{self.name(key)}: missing")
            return default
        return self.data[key]

    def number(self, key: str, lo: float, hi: float, default: float | None = None) -> float:
        v = self.get(key, ... if default is None else default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise SessionError(f"{self.name(key)}: must be a number, not {_kind(v)}")
        x = float(v)
        if not (math.isfinite(x) and lo <= x <= hi):
            raise SessionError(f"{self.name(key)}: {v!r} is out of range (must be in [{lo:g}, {hi:g}])")
        return x

    def integer(self, key: str, lo: int, hi: int, default: int | None = None, *, nullable: bool = False) -> int | None:
        v = self.get(key, ... if default is None and not nullable else default)
        if v is None and nullable:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise SessionError(f"{self.name(key)}: must be a whole number, not {_kind(v)}")
        if not lo <= v <= hi:
            raise SessionError(f"{self.name(key)}: {v} is out of range (must be in [{lo}, {hi}])")
        return v

    def boolean(self, key: str, default: bool) -> bool:
        v = self.get(key, default)
        if not isinstance(v, bool):
            raise SessionError(f"{self.name(key)}: must be true or false, not {_kind(v)}")
        return v

    def choice(self, key: str, choices: tuple, default: object) -> object:
        v = self.get(key, default)
        if isinstance(v, bool) or v not in choices:
            shown = ", ".join("null" if c is None else f"{c:g}" if isinstance(c, float) else str(c) for c in choices)
            raise SessionError(f"{self.name(key)}: {_short(v)} is not one of {shown}")
        return v


def _kind(v: object) -> str:
    if isinstance(v, float | _NotJsonNumber):
        return repr(v)
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, int | float) else type(v).__name__)


def _short(v: object) -> str:
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, dict | list) else _kind(v)
    return s if len(s) <= 40 else s[:37] + "..."


def _engine(where: str, fn, *args, **kwargs):
    """Build an engine object; its ValueError (which names the value) becomes this field's."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, TypeError, OverflowError) as e:
        raise SessionError(f"{where}: {e}") from None


# the top-level fields: both views', then each view's own
_COMMON = ("format", "version", "model", "racers", "steps", "tol", "batch_size", "batch_seed", "mode", "step",
           "speed", "selected")
_TWO = ("landscape", "params", "init", "view", "analysis")
_NET = ("network", "plane", "plane_seed")
_TOP_V1 = tuple(k for k in (*_COMMON, *_TWO) if k != "model")
_ELSEWHERE = {
    "two": {k: 'belongs to a network session ("model": "network")' for k in _NET},
    "network": {k: 'belongs to a two-weight session ("model": "two"): a network is its "network" table'
                for k in _TWO},
}


def _session(data: object) -> Session | NetSession:
    if not isinstance(data, dict):
        raise SessionError(f"the file: must be an object {{...}}, not {_kind(data)}")
    if "version" in data:
        v = data["version"]
        if isinstance(v, int) and not isinstance(v, bool) and v > VERSION:
            raise SessionError(f"version: {v} is newer than this Basin reads ({VERSION}): update Basin to open it")
    head = _Fields({k: data[k] for k in ("format", "version", "model") if k in data}, "", ("format", "version",
                                                                                          "model"))
    if head.get("format", required=True) != FORMAT:
        raise SessionError(f"format: {_short(head.get('format'))} is not {FORMAT!r}: not a Basin session")
    version = head.integer("version", 1, VERSION)
    if version == 1:
        why = {"model": "needs version 2", **_ELSEWHERE["two"]}
        return _two(_Fields(data, "", _TOP_V1, why))
    model = head.choice("model", MODELS, "two")
    if model == "network":
        return _network(_Fields(data, "", tuple(k for k in (*_COMMON, *_NET)), _ELSEWHERE["network"]))
    return _two(_Fields(data, "", tuple(k for k in (*_COMMON, *_TWO)), _ELSEWHERE["two"]))


def _racers_in(top: _Fields) -> tuple[OptimizerEntry, ...]:
    """The ``racers`` list: each optimizer, its hyperparameters (checked by building it), its
    colour, whether it races and alpha's schedule; at least one enabled."""
    racers = top.get("racers", required=True)
    if not isinstance(racers, list) or not racers:
        raise SessionError(f"racers: must be a list of one or more racers, not {_kind(racers)}")
    if len(racers) > MAX_RACERS:
        raise SessionError(f"racers: {len(racers)} racers (at most {MAX_RACERS})")
    entries = []
    for i, r in enumerate(racers):
        where = f"racers[{i}]"
        rf = _Fields(r, where, ("optimizer", "hyper", "color", "enabled", "schedule"))
        oname = rf.get("optimizer", required=True)
        if not isinstance(oname, str) or oname not in OPTIMIZERS:
            raise SessionError(f"{where}.optimizer: unknown optimizer {_short(oname)} (choose from "
                               f"{', '.join(OPTIMIZERS)})")
        defaults = OPTIMIZERS[oname].defaults
        hf = _Fields(rf.get("hyper", {}), f"{where}.hyper", tuple(defaults))
        hyper = dict(defaults)
        for k in defaults:
            if hf.has(k):
                v = hf.get(k)
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise SessionError(f"{where}.hyper.{k}: must be a number, not {_kind(v)}")
                hyper[k] = float(v)
        _engine(f"{where}.hyper", make_optimizer, oname, **hyper)
        color = rf.get("color", PALETTE[i % len(PALETTE)])
        if not isinstance(color, str) or not _COLOR.match(color):
            raise SessionError(f"{where}.color: {_short(color)} is not a colour like \"#1f77b4\"")
        spec = rf.get("schedule", "constant")
        if not isinstance(spec, str) or len(spec) > 64:
            raise SessionError(f"{where}.schedule: must be text such as \"cosine\" ({SPEC_HELP}), not {_short(spec)}")
        schedule = _engine(f"{where}.schedule", parse_schedule, spec)
        entries.append(OptimizerEntry(oname, tuple(hyper.items()), color.lower(), rf.boolean("enabled", True),
                                      schedule))
    if not any(e.enabled for e in entries):
        raise SessionError("racers: none is enabled (at least one must race)")
    return tuple(entries)


def _two(top: _Fields) -> Session:
    # landscape and its parameters
    name = top.get("landscape", required=True)
    if not isinstance(name, str) or name not in LANDSCAPES:
        raise SessionError(f"landscape: unknown landscape {_short(name)} (choose from {', '.join(LANDSCAPES)})")
    cls = LANDSCAPES[name]
    known = {p.name: p for p in cls.params}
    pf = _Fields(top.get("params", {}), "params", tuple(known))
    values: dict[str, float | str] = {}
    for k, p in known.items():
        if pf.has(k):
            v = pf.get(k)
            wants_text = bool(p.choices) or getattr(p, "text", False)  # a formula: checked by its compiler
            if isinstance(v, bool) or (not wants_text and not isinstance(v, int | float)) or (
                    wants_text and not isinstance(v, str)):
                want = "one of " + ", ".join(p.choices) if p.choices else "text" if wants_text else "a number"
                raise SessionError(f"params.{k}: must be {want}, not {_kind(v)}")
            values[k] = _engine(f"params.{k}", p.check, v)
    landscape = _engine("params", make_landscape, name, **values)
    params = tuple((k, v) for k, v in landscape.values.items()) if hasattr(landscape, "values") else tuple(
        values.items())

    entries = _racers_in(top)

    # init
    inf = _Fields(top.get("init", required=True), "init", ("kind", "point", "sigma", "seed"))
    kind = inf.choice("kind", ("point", "zeros", "random"), ...)
    if kind == "point":
        pt = inf.get("point", required=True)
        if not isinstance(pt, list) or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in pt):
            raise SessionError(f"init.point: must be a list of numbers, not {_kind(pt)}")
        if len(pt) != landscape.dim:
            raise SessionError(f"init.point: has {len(pt)} coordinates, the landscape needs {landscape.dim}")
        if not all(math.isfinite(float(c)) and abs(float(c)) <= MAX_VIEW for c in pt):
            raise SessionError(f"init.point: coordinates must be finite, within ±{MAX_VIEW:g}")
        for k in ("sigma", "seed"):
            if inf.has(k):
                raise SessionError(f"init.{k}: goes with kind \"random\"")
        init = Init("point", tuple(float(c) for c in pt))
    elif kind == "random":
        init = _engine("init", Init, "random", sigma=inf.number("sigma", 1e-12, 1e6, 0.01),
                       seed=inf.integer("seed", 0, SEED_MAX, 0))
    else:
        for k in ("point", "sigma", "seed"):
            if inf.has(k):
                raise SessionError(f"init.{k}: does not go with kind \"zeros\"")
        init = Init("zeros")

    steps = top.integer("steps", 1, MAX_STEPS)
    tol = top.number("tol", *TOL_RANGE, default=1e-6)
    n_train = getattr(landscape, "n_train", None)
    batch = None
    if top.get("batch_size", None) is not None:
        if n_train is None:
            raise SessionError(f"batch_size: {name} is not trained on data (use null)")
        batch = top.integer("batch_size", 1, int(n_train))
    batch_seed = top.integer("batch_seed", 0, SEED_MAX, 0)
    settings = Settings(name, params, entries, init, int(steps), tol, batch, batch_seed)

    # the picture
    view = None
    if top.get("view", None) is not None:
        vf = _Fields(top.get("view"), "view", ("x", "y"))
        box = []
        for axis in ("x", "y"):
            r = vf.get(axis, required=True)
            if (not isinstance(r, list) or len(r) != 2
                    or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in r)):
                raise SessionError(f"view.{axis}: must be [low, high], not {_short(r)}")
            lo, hi = float(r[0]), float(r[1])
            if not (math.isfinite(lo) and math.isfinite(hi) and abs(lo) <= MAX_VIEW and abs(hi) <= MAX_VIEW):
                raise SessionError(f"view.{axis}: must be finite, within ±{MAX_VIEW:g}")
            if not hi - lo > 1e-9 * max(1.0, abs(lo), abs(hi)):
                raise SessionError(f"view.{axis}: low must be below high")
            box.append((lo, hi))
        view = (box[0], box[1])
    mode, step, speed = _animation(top, steps)
    selected = top.integer("selected", 0, len(entries) - 1, 0)
    af = _Fields(top.get("analysis", {}), "analysis", tuple(AnalysisState.__dataclass_fields__))
    analysis = AnalysisState(
        basins=af.boolean("basins", False),
        opacity=af.number("opacity", *OPACITY_RANGE, default=0.65),
        basin_grid=int(af.choice("basin_grid", BASIN_GRIDS, 256)),
        basin_legend=af.boolean("basin_legend", True),
        curvature=af.boolean("curvature", False),
        field=af.boolean("field", False),
        open=af.choice("open", OPEN_VIEWS, None),
        phase_grid=int(af.choice("phase_grid", PHASE_GRIDS, 64)),
        sweep_points=int(af.choice("sweep_points", SWEEP_POINTS, 61)),
        budget=float(af.choice("budget", BUDGETS, 3.0)),
    )
    return Session(settings, view, mode, step, speed, selected, analysis)


def _animation(top: _Fields, steps: int) -> tuple[str, int | None, float]:
    mode = top.choice("mode", MODES, "instant")
    step = top.integer("step", 0, steps, nullable=True)
    speed = top.number("speed", *SPEED_RANGE, default=100.0)
    return mode, step, speed


def _setup(top: _Fields) -> NetworkSetup:
    """The ``network`` table, read by the network scenarios' reader (``NetworkSetup.from_fields``):
    each field alone first, so that a bad value is named by its field, then all together."""
    nf = _Fields(top.get("network", required=True), "network", NETWORK_FIELDS)
    for k, v in nf.data.items():
        _engine(f"network.{k}", NetworkSetup.from_fields, {k: v})
    setup = _engine("network", NetworkSetup.from_fields, nf.data)
    if setup.data.n_points > NET_MAX_POINTS:
        raise SessionError(f"network.points: {setup.data.n_points} is out of range (the window takes at most "
                           f"{NET_MAX_POINTS})")
    return setup


def _network(top: _Fields) -> NetSession:
    setup = _setup(top)
    entries = _racers_in(top)
    steps = top.integer("steps", 1, NET_MAX_STEPS)
    tol = top.number("tol", *TOL_RANGE, default=1e-6)
    batch = top.integer("batch_size", 1, setup.data.n_train, nullable=True)
    batch_seed = top.integer("batch_seed", 0, SEED_MAX, 0)
    plane = top.choice("plane", tuple(PLANES), "pca")
    plane_seed = top.integer("plane_seed", 0, SEED_MAX, 0)
    mode, step, speed = _animation(top, steps)
    selected = top.integer("selected", 0, sum(e.enabled for e in entries) - 1, 0)
    settings = NetSettings(setup=setup, racers=entries, steps=steps, tol=tol, batch_size=batch,
                           batch_seed=batch_seed, plane=plane, plane_seed=plane_seed, selected=selected)
    _engine("network", check_frame, settings)  # a run the window cannot afford
    return NetSession(settings, mode, step, speed)


def session_of(settings: Settings | NetSettings, **picture) -> Session | NetSession:
    """A session of these settings, two weights' or a network's (``picture``: mode, step,
    speed, and for two weights view, selected and analysis); checked as a file would be,
    so that what is saved can be opened. A network's "New plane" count is not kept."""
    if isinstance(settings, NetSettings):
        s: Session | NetSession = NetSession(replace(settings, plane_request=0), **picture)
    else:
        s = Session(settings, **picture)
    return parse_session(s.to_json())
