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
    schedule = "cosine"              # optional: alpha's schedule (engine.schedules)

Optional keys: ``order``, ``sigma`` (random init), ``seed`` (random init and mini-batch
shuffles), ``tol``, ``batch_size`` (data models and networks), ``reports`` (what the lesson
reports besides the race: see :data:`REPORTS`).

A network (a deep net trained on all its weights, engine.network) is ``landscape = "network"``
with a ``[network]`` table of the fields :class:`engine.network.setup.NetworkSetup` reads
(data, points, noise, data_seed, mixed_units, units, hidden, activation, loss, batchnorm,
init, sigma, seed); its start is the table's ``init``, so the top-level ``init`` and ``sigma``
are not used (``seed`` there seeds the mini-batches)::

    landscape = "network"
    reports = ["symmetry"]

    [network]
    data = "moons"
    hidden = [8, 8]
    init = "small"
    sigma = 0.1

Loading checks every field by building the engine objects; a file that is malformed (a list
where a name should be, a number as an optimizer's name, arrays nested thousands deep) or
names something unknown is reported with its path and field, and the other scenarios still
load.

Folders: Basin's own (:data:`SCENARIO_DIR`) and a course's, in the user's configuration
folder (:func:`user_scenario_dir`) or any folder given; a name already taken by an earlier
folder is reported, not loaded.

Order: scenarios are listed (the window's picker and Scenarios menu, ``main.py list``) by
idea, in the order of :data:`IDEAS` (the lecture's), and within an idea by ``order``, a
whole number (files without one come after those with one), then by file name. So a lesson
may speak of "the previous scenario" or "the next one" and be right.
"""

from __future__ import annotations

import importlib.resources
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.inits import Init
from engine.landscapes import LANDSCAPES, Landscape, make_landscape
from engine.network.inits import init_weights
from engine.network.setup import NetworkSetup
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.schedules import Schedule, parse_schedule
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
_OPTIONAL = ("order", "params", "init", "sigma", "seed", "tol", "batch_size", "network", "reports")

NETWORK = "network"  # the landscape name of a scenario with a [network] table
# What a lesson may report besides the race (the command line prints it, the window shows it)
REPORTS = {
    "symmetry": "the trained net, a permutation of its hidden units and the average of all permutations",
    "alignment": "the loss on the line between two trained nets, before and after aligning their units",
    "sharpness": "the largest Hessian eigenvalue over training, against 2/alpha",
    "identical-units": "whether the hidden units of each layer are identical",
    "layer-gradients": "the gradient norm of each layer",
    "cost": "what a step costs each optimizer, in time",
}
MAX_BYTES = 1 << 20  # a scenario file is text for a lesson: larger is not one


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
    network: NetworkSetup | None = None  # a network's data, shape and start (landscape "network")
    schedules: tuple[Schedule | None, ...] = ()  # each racer's alpha schedule (None: constant)
    reports: tuple[str, ...] = ()  # what else the lesson reports (REPORTS)
    path: Path | None = field(default=None, compare=False)

    @property
    def is_network(self) -> bool:
        return self.network is not None

    def sort_key(self) -> tuple[int, int, int, str]:
        """Where the scenario is listed: by idea (in :data:`IDEAS`' order), then ``order``
        (scenarios without one last), then name."""
        ideas = list(IDEAS)  # parse_scenario admits no other idea
        return (ideas.index(self.idea), self.order is None, self.order or 0, self.name)

    def make_landscape(self) -> Landscape:
        if self.network is not None:
            return self.network.build()[0]
        return make_landscape(self.landscape, **self.params)

    def make_optimizers(self) -> list[Optimizer]:
        schedules = self.schedules or (None,) * len(self.optimizers)
        return [make_optimizer(n, schedule=sc, **h) for (n, h), sc in zip(self.optimizers, schedules, strict=True)]

    def start(self, landscape: Landscape) -> np.ndarray:
        if self.network is not None:
            return init_weights(landscape.layout, self.network.init)
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
    if not isinstance(name, str) or (name not in LANDSCAPES and name != NETWORK):
        raise ScenarioError(
            path, "field 'landscape'", f"unknown landscape {name!r} (choose from {', '.join([*LANDSCAPES, NETWORK])})"
        )
    network = None
    if name == NETWORK:
        if "network" not in data:
            raise ScenarioError(path, "field 'network'", "missing (a network scenario describes its net there)")
        for key in ("params", "init", "sigma"):
            if key in data:
                raise ScenarioError(path, f"field '{key}'", "a network's start is in its [network] table")
        network = _field(path, "network", NetworkSetup.from_fields, data["network"])
        landscape = _field(path, "network", lambda: network.build()[0])
    elif "network" in data:
        raise ScenarioError(path, "field 'network'", f"only for landscape = \"{NETWORK}\"")
    else:
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ScenarioError(path, "field 'params'", "must be a table of NAME = VALUE")
        landscape = _field(path, "params", make_landscape, name, **params)
    reports = data.get("reports", [])
    if not isinstance(reports, list) or not all(isinstance(r, str) and r in REPORTS for r in reports):
        raise ScenarioError(path, "field 'reports'", f"must be a list of: {', '.join(REPORTS)}")
    if reports and network is None:
        raise ScenarioError(path, "field 'reports'", "only a network scenario reports these")
    opts = data["optimizers"]
    if not isinstance(opts, list) or not opts or not all(isinstance(o, dict) for o in opts):
        raise ScenarioError(path, "field 'optimizers'", "must be one or more [[optimizers]] tables")
    optimizers = []
    schedules: list[Schedule | None] = []
    for i, o in enumerate(opts):
        o = dict(o)
        oname = o.pop("name", None)
        sched = o.pop("schedule", None)
        schedules.append(None if sched is None else _field(path, f"optimizers[{i}].schedule", parse_schedule, sched))
        if not isinstance(oname, str) or oname not in OPTIMIZERS:
            raise ScenarioError(
                path, f"field 'optimizers[{i}].name'",
                f"unknown optimizer {oname!r} (choose from {', '.join(OPTIMIZERS)})",
            )
        _field(path, f"optimizers[{i}]", OPTIMIZERS[oname].make, **o)
        optimizers.append((oname, {k: float(v) for k, v in o.items()}))
    steps = _field(path, "steps", check_int, "steps", data["steps"], 1, MAX_STEPS)
    init_spec = data.get("init", "zeros" if network is not None else list(landscape.default_start))
    sigma = _field(path, "sigma", check_positive, "sigma", data.get("sigma", 0.01))
    seed = _field(path, "seed", check_int, "seed", data.get("seed", 0), 0, 2**32 - 1)
    if network is not None:
        init = Init("zeros")  # not used: the network's start is its setup's
    elif isinstance(init_spec, str):
        if init_spec not in ("zeros", "random"):
            raise ScenarioError(path, "field 'init'", f"{init_spec!r} is not 'zeros', 'random' or a point")
        init = Init(init_spec, sigma=sigma, seed=seed)
    elif isinstance(init_spec, list) and all(isinstance(c, int | float) and not isinstance(c, bool) for c in init_spec):
        init = _field(path, "init", Init, "point", tuple(float(c) for c in init_spec))
    else:
        raise ScenarioError(path, "field 'init'", "must be a list of numbers, 'zeros' or 'random'")
    if network is None:
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
        params={} if network is not None else dict(landscape.values),
        optimizers=tuple(optimizers),
        init=init,
        steps=steps,
        explanation=_string(path, data, "explanation"),
        try_this=tuple(t.strip() for t in tries),
        tol=tol,
        batch_size=batch_size,
        seed=seed,
        order=order,
        network=network,
        schedules=tuple(schedules) if any(sc is not None for sc in schedules) else (),
        reports=tuple(reports),
        path=path,
    )


def load_scenario(path: Path | str) -> Scenario:
    """One scenario file; raises :class:`ScenarioError` (one line naming the file and field)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ScenarioError(path, "file", f"larger than {MAX_BYTES // 1024} KB: not a scenario")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ScenarioError(path, "file", e.strerror or str(e)) from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "file", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(path, "TOML", str(e)) from None
    except (RecursionError, MemoryError):
        raise ScenarioError(path, "TOML", "nested too deeply") from None
    try:
        return parse_scenario(path, data)
    except ScenarioError:
        raise
    except (ValueError, TypeError, RecursionError) as e:  # a shape no check above foresaw
        raise ScenarioError(path, "file", f"not a scenario ({type(e).__name__}: {e})") from None


def user_scenario_dir() -> Path:
    """Where a course keeps its own scenarios: ``scenarios`` in the user's configuration folder
    for Basin (platformdirs: ~/.config/basin/scenarios on Linux)."""
    import platformdirs

    return Path(platformdirs.user_config_dir("basin", appauthor=False)) / "scenarios"


def scenario_folders(extra: Sequence[Path | str] = ()) -> list[Path]:
    """Basin's own folder, the user's (if it exists), then ``extra`` folders, in that order."""
    folders = [SCENARIO_DIR]
    user = user_scenario_dir()
    if user.is_dir():
        folders.append(user)
    folders += [Path(f) for f in extra]
    return folders


def load_scenarios(*folders: Path | str) -> tuple[dict[str, Scenario], list[str]]:
    """Every ``*.toml`` in ``folders`` (default: :func:`scenario_folders`): ``(scenarios,
    errors)``. The scenarios come in the order they are listed (:meth:`Scenario.sort_key`);
    a broken file, a missing folder or a name an earlier folder took becomes one line in
    ``errors`` and the others still load."""
    scenarios: dict[str, Scenario] = {}
    errors: list[str] = []
    for folder in [Path(f) for f in folders] or scenario_folders():
        if not folder.is_dir():
            errors.append(f"{folder}: scenario folder not found")
            continue
        for path in sorted(folder.glob("*.toml")):
            if path.stem in scenarios:
                errors.append(f"{path}: name '{path.stem}' is taken by {scenarios[path.stem].path}")
                continue
            try:
                scenarios[path.stem] = load_scenario(path)
            except ScenarioError as e:
                errors.append(str(e))
    ordered = sorted(scenarios.values(), key=Scenario.sort_key)
    return {sc.name: sc for sc in ordered}, errors
