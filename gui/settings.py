"""The whole simulation request as one frozen value, and how it becomes engine objects.

A control change never touches the engine directly: it produces a new :class:`Settings`
(``dataclasses.replace``), the worker turns it into a landscape, a stacked optimizer and the
starts with :meth:`Settings.build`, and runs them. Frozen values can cross threads safely and
compare equal when nothing changed, which is how a redundant request is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from engine.inits import Init
from engine.landscapes import LANDSCAPES, Landscape, make_landscape
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.scenarios import Scenario
from engine.schedules import CONSTANT, Schedule, parse_schedule

# One colour per optimizer, the same in the window and in every exported figure, then spare
# colours for copies of a racer. The first seven are the Okabe-Ito set with Paul Tol's purple
# (sources and the dark theme's versions: gui.look): told apart with any of the three common
# colour-vision deficiencies, and dark enough to read on the pale contour image through a
# projector. The spares are for normal colour vision; every racer is also named in the race
# table and the legend.
PALETTE = (
    "#0072b2",  # blue: gd
    "#d55e00",  # vermillion: momentum
    "#009e73",  # bluish green: nesterov
    "#aa3377",  # purple: adam
    "#e69f00",  # orange: rmsprop
    "#56b4e9",  # sky blue: adagrad
    "#000000",  # black: newton
    "#5e3c99",  # violet
    "#117733",  # green
    "#999933",  # olive
)
OPTIMIZER_COLORS = dict(
    zip(("gd", "momentum", "nesterov", "adam", "rmsprop", "adagrad", "newton"), PALETTE, strict=False)
)

# Starting hyperparameters in the window, where the engine's defaults make a poor first
# picture (gd with alpha 0.01 leaves rosenbrock's view at once; adam races it at 0.05).
GUI_DEFAULTS: dict[str, dict[str, float]] = {
    "gd": {"alpha": 0.001},
    "momentum": {"alpha": 0.001, "mu": 0.9},
    "nesterov": {"alpha": 0.001, "mu": 0.9},
    "adam": {"alpha": 0.05},
    "rmsprop": {"alpha": 0.01},
    "adagrad": {"alpha": 0.5},
    "newton": {"alpha": 1.0},
}
GUI_ENABLED = ("gd", "momentum", "nesterov", "adam")


# Colours for a second or third copy of an optimizer (three gd racers with different alphas):
# first the colours no optimizer owns, so that momentum stays vermillion in every scenario.
SPARE_COLORS = tuple(c for c in PALETTE if c not in OPTIMIZER_COLORS.values())


def color_for(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The optimizer's own colour, or if that is taken a spare colour, then any free one."""
    own = OPTIMIZER_COLORS.get(name)
    if own is not None and own not in taken:
        return own
    for c in (*SPARE_COLORS, *PALETTE):
        if c not in taken:
            return c
    return PALETTE[len(taken) % len(PALETTE)]


@dataclass(frozen=True)
class OptimizerEntry:
    """One racer: an optimizer by name, its own hyperparameters, its colour, and the
    schedule of its alpha (engine.schedules: ``alpha_t = alpha * factor(t)``)."""

    name: str
    hyper: tuple[tuple[str, float], ...]
    color: str
    enabled: bool = True
    schedule: Schedule = CONSTANT

    @classmethod
    def default(cls, name: str, *, enabled: bool = True, color: str | None = None) -> OptimizerEntry:
        spec = OPTIMIZERS[name]
        hyper = {**spec.defaults, **GUI_DEFAULTS.get(name, {})}
        return cls(name, tuple(hyper.items()), color or color_for(name), enabled)

    @property
    def params(self) -> dict[str, float]:
        return dict(self.hyper)

    def with_hyper(self, key: str, value: float) -> OptimizerEntry:
        return replace(self, hyper=tuple((k, value if k == key else v) for k, v in self.hyper))

    def with_schedule(self, schedule: Schedule | str) -> OptimizerEntry:
        return replace(self, schedule=parse_schedule(schedule))

    def make(self) -> Optimizer:
        """The engine optimizer (its alpha on the racer's schedule); raises ``ValueError``
        with the engine's message."""
        return make_optimizer(self.name, schedule=None if self.schedule.constant else self.schedule, **self.params)

    def alphas(self, steps: int) -> np.ndarray | None:
        """The alpha each step ``t = 0 .. steps - 1`` uses, or None for a constant alpha:
        the same table the engine reads (``Schedule.factors``)."""
        if self.schedule.constant or "alpha" not in self.params:
            return None
        return self.params["alpha"] * self.schedule.factors(steps)

    def label(self) -> str:
        """Short legend text: the name, the hyperparameters a lecture varies, the schedule."""
        return short_label(self.name, self.params, self.schedule)


SCHEDULE_MARK = " · "  # between a racer's hyperparameters and its schedule in a label


def short_label(name: str, hyper: dict[str, float], schedule: Schedule | None = None) -> str:
    """``gd α=0.01``, ``momentum α=0.01 μ=0.9``, with `` · cosine`` (the schedule's spec,
    as ``--schedule`` takes it) when alpha follows a schedule."""
    parts = [name]
    if "alpha" in hyper:
        parts.append(f"α={hyper['alpha']:.3g}")
    if "mu" in hyper:
        parts.append(f"μ={hyper['mu']:.3g}")
    parts += [f"damping={hyper['damping']:.3g}"] if hyper.get("damping") else []  # damped Newton is not pure Newton
    text = " ".join(parts)
    if schedule is not None and not schedule.constant:
        text += SCHEDULE_MARK + schedule.spec()
    return text


@dataclass(frozen=True)
class Built:
    """Engine objects for one request: run ``optimizer`` from ``starts`` on ``landscape``."""

    landscape: Landscape
    optimizer: Optimizer
    starts: np.ndarray  # (K, D): the one start repeated for each of the K racers
    entries: tuple[OptimizerEntry, ...]  # the enabled racers, in row order


@dataclass(frozen=True)
class Settings:
    """Everything a simulation needs; a new value for every control change."""

    landscape: str = "rosenbrock"
    params: tuple[tuple[str, float | str], ...] = ()
    optimizers: tuple[OptimizerEntry, ...] = field(
        default_factory=lambda: tuple(
            OptimizerEntry.default(n, enabled=n in GUI_ENABLED) for n in OPTIMIZERS
        )
    )
    init: Init = None  # type: ignore[assignment]  # None: the landscape's own start (see __post_init__)
    steps: int = 1000
    tol: float = 1e-6
    batch_size: int | None = None  # mini-batch size (models trained on data); None: full batch
    batch_seed: int = 0  # seeds the shuffles that make the mini-batches
    # The racer selected under Controls: the one whose alpha and mu the sliders show, and
    # the one the basin map and the (alpha, mu) map are about. Carried here so that the
    # analyses derive what to compute from the settings alone, never from a widget. It is
    # not part of the simulation: settings that differ only in it compare equal (the same
    # run, no new request, no undo step); read it from the panel's latest settings.
    selected: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        # the start has one owner, the landscape (``Landscape.default_start``): the command
        # line and the scenarios start there too
        if self.init is None:
            start = make_landscape(self.landscape, **dict(self.params)).default_start
            object.__setattr__(self, "init", Init("point", tuple(float(c) for c in start)))

    @property
    def landscape_key(self) -> tuple[str, tuple[tuple[str, float | str], ...]]:
        """Identifies the surface: the contour image is rebuilt only when this changes."""
        return (self.landscape, self.params)

    @property
    def enabled(self) -> tuple[OptimizerEntry, ...]:
        return tuple(e for e in self.optimizers if e.enabled)

    def make_landscape(self) -> Landscape:
        return make_landscape(self.landscape, **dict(self.params))

    def build(self, landscape: Landscape | None = None) -> Built:
        """Landscape, stacked optimizer and starts; raises ``ValueError`` on a bad value
        (the message names it) or when no optimizer is enabled."""
        land = landscape if landscape is not None else self.make_landscape()
        entries = self.enabled
        if not entries:
            raise ValueError("no optimizer selected: tick at least one")
        opt = Optimizer.stack([e.make() for e in entries])
        start = self.init.resolve(land.dim)
        starts = np.repeat(start[None, :], len(entries), axis=0)
        return Built(land, opt, starts, entries)

    def replace_entry(self, index: int, entry: OptimizerEntry) -> Settings:
        opts = list(self.optimizers)
        opts[index] = entry
        return replace(self, optimizers=tuple(opts))

    @property
    def selected_entry(self) -> tuple[int, OptimizerEntry] | None:
        """``(row, racer)`` of the selected racer, or None (no racers)."""
        i = self.selected
        return (i, self.optimizers[i]) if 0 <= i < len(self.optimizers) else None

    def row_names(self) -> tuple[str, ...]:
        """What the panel calls each racer: its optimizer's name, with ``#2``, ``#3`` ... for
        further copies of the same optimizer (a scenario may race gd against gd)."""
        seen: dict[str, int] = {}
        out = []
        for e in self.optimizers:
            seen[e.name] = seen.get(e.name, 0) + 1
            out.append(e.name if seen[e.name] == 1 else f"{e.name} #{seen[e.name]}")
        return tuple(out)


def scenario_settings(scenario: Scenario) -> Settings:
    """The settings a scenario asks for: its landscape and parameters, its racers in its order
    with their hyperparameters and schedules (each ticked; the optimizers it does not use follow, unticked,
    so a tick adds them to the race), its init, steps, tolerance, batch size and seed (the
    mini-batch shuffles', as on the command line)."""
    entries: list[OptimizerEntry] = []
    taken: set[str] = set()
    schedules = scenario.schedules or (None,) * len(scenario.optimizers)
    for (name, hyper), schedule in zip(scenario.optimizers, schedules, strict=True):
        merged = {**OPTIMIZERS[name].defaults, **hyper}  # as the engine fills them in
        color = color_for(name, taken)
        taken.add(color)
        entries.append(OptimizerEntry(name, tuple(merged.items()), color, True, schedule or CONSTANT))
    used = {e.name for e in entries}
    for name in OPTIMIZERS:
        if name not in used:
            color = color_for(name, taken)
            taken.add(color)
            entries.append(OptimizerEntry.default(name, enabled=False, color=color))
    return Settings(
        landscape=scenario.landscape,
        params=tuple(scenario.params.items()),
        optimizers=tuple(entries),
        init=scenario.init,
        steps=scenario.steps,
        tol=scenario.tol,
        batch_size=scenario.batch_size,
        batch_seed=scenario.seed,
    )


def default_params(name: str) -> tuple[tuple[str, float | str], ...]:
    return tuple((p.name, p.default) for p in LANDSCAPES[name].params)


# -- remembered between launches (gui.prefs): plain JSON values, checked when read back --------


def settings_to_dict(s: Settings) -> dict:
    """``s`` as JSON-ready plain values."""
    return {
        "landscape": s.landscape,
        "params": [[k, v] for k, v in s.params],
        "racers": [
            {"name": e.name, "hyper": [[k, float(v)] for k, v in e.hyper], "color": e.color, "enabled": e.enabled,
             "schedule": e.schedule.spec()}
            for e in s.optimizers
        ],
        "init": {"kind": s.init.kind, "point": list(s.init.point) if s.init.point is not None else None,
                 "sigma": s.init.sigma, "seed": s.init.seed},
        "steps": s.steps,
        "tol": s.tol,
        "batch_size": s.batch_size,
        "batch_seed": s.batch_seed,
    }


def settings_from_dict(d: dict) -> Settings:
    """The settings ``d`` describes, every value checked as the controls check it (the
    engine's own validation); raises ``ValueError`` naming the first bad value. Racers of
    optimizers no longer registered are dropped, registered ones missing from ``d`` are
    added unticked (so each optimizer has its row)."""
    from engine.simulation import MAX_STEPS
    from engine.validate import Range, check_int

    if not isinstance(d, dict):
        raise ValueError("not a table of settings")
    name = d.get("landscape")
    if name not in LANDSCAPES:
        raise ValueError(f"unknown landscape {name!r}")
    params = tuple((str(k), v) for k, v in d.get("params", []))
    known = {p.name for p in LANDSCAPES[name].params}
    params = tuple((k, v) for k, v in params if k in known)
    make_landscape(name, **dict(params))  # raises with the reason
    entries: list[OptimizerEntry] = []
    for r in d.get("racers", []):
        opt = r.get("name")
        if opt not in OPTIMIZERS:
            continue
        hyper = {**OPTIMIZERS[opt].defaults, **{str(k): float(v) for k, v in r.get("hyper", [])}}
        hyper = {k: v for k, v in hyper.items() if k in OPTIMIZERS[opt].defaults}
        make_optimizer(opt, **hyper)  # raises with the reason
        schedule = parse_schedule(r.get("schedule", "constant"))  # raises with the reason
        color = r.get("color")
        if not (isinstance(color, str) and color.lower() in PALETTE):
            color = color_for(opt, {e.color for e in entries})
        entries.append(
            OptimizerEntry(opt, tuple(hyper.items()), color.lower(), bool(r.get("enabled", True)), schedule)
        )
    for opt in OPTIMIZERS:
        if all(e.name != opt for e in entries):
            entries.append(OptimizerEntry.default(opt, enabled=False, color=color_for(opt, {e.color for e in entries})))
    i = d.get("init") or {}
    kind = i.get("kind", "point")
    if kind == "point":
        point = tuple(float(c) for c in i.get("point") or ())
        if len(point) != LANDSCAPES[name].dim:
            raise ValueError(f"start {point} does not fit {name}")
        init = Init("point", tuple(Range(-1e6, 1e6).check("start", c) for c in point))
    elif kind in ("zeros", "random"):
        init = Init(kind, sigma=float(i.get("sigma", 0.01)), seed=check_int("seed", i.get("seed", 0), 0, 2**32 - 1))
    else:
        raise ValueError(f"unknown start {kind!r}")
    batch = d.get("batch_size")
    s = Settings(
        landscape=name, params=params, optimizers=tuple(entries), init=init,
        steps=check_int("steps", d.get("steps", 1000), 1, MAX_STEPS),
        tol=Range(1e-15, 1.0).check("tol", float(d.get("tol", 1e-6))),
        batch_size=None if batch is None else check_int("batch size", batch, 1, 10**6),
        batch_seed=check_int("seed", d.get("batch_seed", 0), 0, 2**32 - 1),
    )
    land = s.make_landscape()
    if s.batch_size is not None and s.batch_size > (getattr(land, "n_train", None) or 0):
        s = replace(s, batch_size=None)
    s.init.resolve(land.dim)
    return s
