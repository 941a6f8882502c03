"""Scenarios: named presets that turn one idea of the lecture into something to try.

A scenario is a TOML file in ``assets/scenarios/`` (the file name is its name)::

    title = "Ravines: one direction much steeper than the other"
    idea = "ravine"                  # one of IDEAS
    order = 1                        # place within its idea (optional)
    summary = "one line for lists"
    landscape = "quadratic"
    steps = 150
    init = [-1.8, 1.0]               # or "zeros", or "random" with sigma and seed
    explanation = '''what you see and why, in a few short paragraphs'''
    try = ["Drag alpha up until ...", "..."]

    [params]                         # the landscape's parameters (optional)
    kappa = 50

    [[optimizers]]                   # one table per optimizer, with its hyperparameters
    name = "gd"
    alpha = 0.03

Optional keys: ``order``, ``sigma`` (random init), ``seed`` (random init and mini-batch
shuffles), ``tol``, ``batch_size`` (data models).
Loading checks every field by building the engine objects; a file that is malformed or names
something unknown is reported with its path and field, and the other scenarios still load.

Order: scenarios are listed (the window's picker and Scenarios menu, ``main.py list``) by
idea, in the order of :data:`IDEAS` (the lecture's), and within an idea by ``order``, a
whole number (files without one come after those with one), then by file name. So a lesson
may speak of "the previous scenario" or "the next one" and be right.
"""

from __future__ import annotations

import importlib.resources
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.inits import Init
from engine.landscapes import LANDSCAPES, Landscape, make_landscape
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.simulation import MAX_STEPS
from engine.validate import check_int, check_positive

# Basin's own scenarios: assets/scenarios, installed as package data of ``basin_assets``
# (pyproject.toml), found through the package wherever Basin is installed
SCENARIO_DIR = Path(str(importlib.resources.files("basin_assets") / "scenarios"))

IDEAS = {
    "convex": "convex problems have one basin",
    "local-minima": "local minima and their basins of attraction",
    "symmetry": "weight-space symmetry: the loss of a network is not convex",
    "saddle": "saddle points and zero initialisation",
    "plateau": "plateaux: flat regions with no gradient to follow",
    "ravine": "ravines: badly scaled directions",
    "centring": "centred activations and batch normalisation",
    "momentum": "momentum",
    "newton": "second-order methods",
    "adam": "Adam: a cheap use of curvature",
    "learning-rate": "choosing the learning rate",
    "training-curves": "what training curves show, and what they do not",
}

_REQUIRED = ("title", "idea", "summary", "landscape", "steps", "explanation", "try", "optimizers")
_OPTIONAL = ("order", "params", "init", "sigma", "seed", "tol", "batch_size")


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    idea: str
    summary: str
    landscape: str
    params: dict[str, float | str]
    optimizers: tuple[tuple[str, dict[str, float]], ...]
    init: Init
    steps: int
    explanation: str
    try_this: tuple[str, ...]
    tol: float = 1e-6
    batch_size: int | None = None
    seed: int = 0  # the random init's, and the mini-batch shuffles'
    order: int | None = None  # place within its idea (None: after those with one)
    path: Path | None = field(default=None, compare=False)

    def sort_key(self) -> tuple[int, int, int, str]:
        """Where the scenario is listed: by idea (in :data:`IDEAS`' order), then ``order``
        (scenarios without one last), then name."""
        ideas = list(IDEAS)  # parse_scenario admits no other idea
        return (ideas.index(self.idea), self.order is None, self.order or 0, self.name)

    def make_landscape(self) -> Landscape:
        return make_landscape(self.landscape, **self.params)

    def make_optimizers(self) -> list[Optimizer]:
        return [make_optimizer(n, **h) for n, h in self.optimizers]

    def start(self, landscape: Landscape) -> np.ndarray:
        return self.init.resolve(landscape.dim)


class ScenarioError(ValueError):
    """A scenario file that cannot be used: says which file and which field."""

    def __init__(self, path: Path | str, where: str, message: str) -> None:
        super().__init__(f"{path}: {where}: {message}")


def _field(path: Path, where: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ScenarioError:
        raise
    except (ValueError, TypeError) as e:
        raise ScenarioError(path, f"field '{where}'", str(e)) from None


def _string(path: Path, data: dict, key: str) -> str:
    v = data[key]
    if not isinstance(v, str) or not v.strip():
        raise ScenarioError(path, f"field '{key}'", "must be non-empty text")
    return v.strip()


def parse_scenario(path: Path, data: dict) -> Scenario:
    """Check one scenario's fields and build a :class:`Scenario`."""
    for key in _REQUIRED:
        if key not in data:
            raise ScenarioError(path, f"field '{key}'", "missing")
    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ScenarioError(path, f"field '{unknown[0]}'", f"unknown (valid: {', '.join(_REQUIRED + _OPTIONAL)})")
    idea = _string(path, data, "idea")
    if idea not in IDEAS:
        raise ScenarioError(path, "field 'idea'", f"unknown idea {idea!r} (choose from {', '.join(IDEAS)})")
    name = data["landscape"]
    if not isinstance(name, str) or name not in LANDSCAPES:
        raise ScenarioError(
            path, "field 'landscape'", f"unknown landscape {name!r} (choose from {', '.join(LANDSCAPES)})"
        )
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ScenarioError(path, "field 'params'", "must be a table of NAME = VALUE")
    landscape = _field(path, "params", make_landscape, name, **params)
    opts = data["optimizers"]
    if not isinstance(opts, list) or not opts or not all(isinstance(o, dict) for o in opts):
        raise ScenarioError(path, "field 'optimizers'", "must be one or more [[optimizers]] tables")
    optimizers = []
    for i, o in enumerate(opts):
        o = dict(o)
        oname = o.pop("name", None)
        if not isinstance(oname, str) or oname not in OPTIMIZERS:
            raise ScenarioError(
                path, f"field 'optimizers[{i}].name'",
                f"unknown optimizer {oname!r} (choose from {', '.join(OPTIMIZERS)})",
            )
        _field(path, f"optimizers[{i}]", OPTIMIZERS[oname].make, **o)
        optimizers.append((oname, {k: float(v) for k, v in o.items()}))
    steps = _field(path, "steps", check_int, "steps", data["steps"], 1, MAX_STEPS)
    init_spec = data.get("init", list(landscape.default_start))
    sigma = _field(path, "sigma", check_positive, "sigma", data.get("sigma", 0.01))
    seed = _field(path, "seed", check_int, "seed", data.get("seed", 0), 0, 2**32 - 1)
    if isinstance(init_spec, str):
        if init_spec not in ("zeros", "random"):
            raise ScenarioError(path, "field 'init'", f"{init_spec!r} is not 'zeros', 'random' or a point")
        init = Init(init_spec, sigma=sigma, seed=seed)
    elif isinstance(init_spec, list) and all(isinstance(c, int | float) and not isinstance(c, bool) for c in init_spec):
        init = _field(path, "init", Init, "point", tuple(float(c) for c in init_spec))
    else:
        raise ScenarioError(path, "field 'init'", "must be a list of numbers, 'zeros' or 'random'")
    _field(path, "init", init.resolve, landscape.dim)
    tol = _field(path, "tol", check_positive, "tol", data.get("tol", 1e-6))
    batch_size = data.get("batch_size")
    if batch_size is not None:
        n = getattr(landscape, "n_train", None)
        if n is None:
            raise ScenarioError(path, "field 'batch_size'", f"{name} is not trained on data")
        batch_size = _field(path, "batch_size", check_int, "batch size", batch_size, 1, n)
    order = data.get("order")
    if order is not None:
        order = _field(path, "order", check_int, "order", order, 0, 10_000)
    tries = data["try"]
    if not isinstance(tries, list) or not tries or not all(isinstance(t, str) and t.strip() for t in tries):
        raise ScenarioError(path, "field 'try'", "must be a list of one or more suggestions")
    return Scenario(
        name=path.stem,
        title=_string(path, data, "title"),
        idea=idea,
        summary=_string(path, data, "summary"),
        landscape=name,
        params=dict(landscape.values),
        optimizers=tuple(optimizers),
        init=init,
        steps=steps,
        explanation=_string(path, data, "explanation"),
        try_this=tuple(t.strip() for t in tries),
        tol=tol,
        batch_size=batch_size,
        seed=seed,
        order=order,
        path=path,
    )


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ScenarioError(path, "file", e.strerror or str(e)) from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "file", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(path, "TOML", str(e)) from None
    return parse_scenario(path, data)


def load_scenarios(folder: Path | str = SCENARIO_DIR) -> tuple[dict[str, Scenario], list[str]]:
    """Every ``*.toml`` in ``folder``: ``(scenarios, errors)``. The scenarios come in the
    order they are listed (:meth:`Scenario.sort_key`); a broken file becomes one line in
    ``errors`` (in file-name order) and the others still load."""
    scenarios: dict[str, Scenario] = {}
    errors: list[str] = []
    folder = Path(folder)
    if not folder.is_dir():
        return scenarios, [f"{folder}: scenario folder not found"]
    for path in sorted(folder.glob("*.toml")):
        try:
            scenarios[path.stem] = load_scenario(path)
        except ScenarioError as e:
            errors.append(str(e))
    ordered = sorted(scenarios.values(), key=Scenario.sort_key)
    return {sc.name: sc for sc in ordered}, errors
