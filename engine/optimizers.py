"""Optimizers as pure functions over explicit state: one definition each, every path uses it.

The shape is optax's (google-deepmind/optax, ``optax/_src/base.py``): an optimizer is a pure
``init(w) -> state`` and a pure ``update(g, state, w, h) -> (updates, state)``; the caller
applies ``w <- w + updates``. ``h`` holds the hyperparameters as a NamedTuple; nothing is
mutated. Each optimizer is one :class:`Definition` (its hyperparameters with their checks,
``init``, ``update``, and for Nesterov a ``query``: where the gradient is taken), registered
in :data:`OPTIMIZERS`. The tests, the window's controls, the command line's flags, ``list``
and the help texts all read that registry, so adding an optimizer is one definition and one
registry line.

One function, every path
------------------------
The same ``update`` runs on

* ``(B, D)`` arrays: a 256 x 256 basin map is one batch; a stack of different optimizers
  (:meth:`Optimizer.stack`) is laid out by :class:`Stepper` as groups of consecutive rows,
  each group stepped by its own definition with its hyperparameters as 0-d arrays (all rows
  alike) or per-row arrays (a phase map's grid of alphas and momenta);
* Python floats, one coordinate at a time, for a few rows of a two-parameter landscape
  (``engine.scalar``: a numpy call costs more than the arithmetic on a handful of numbers);
  every optimizer here but Newton is elementwise, so a coordinate's update needs only its
  own gradient and state;
* a network's flat weight vector ``(B, P)``.

It can because it is written with arithmetic operators, which work on floats and arrays
alike, and with :func:`sqrt` and :func:`zeros_like`, which dispatch (Python's ``x ** 0.5`` is
C's ``pow`` and differs from the correctly rounded square root for about one number in a
thousand; numpy's is the square root). In-place operators appear only on values the function
has just made (``m = beta1*s.m; m += ...``): on an array they save a temporary, on a float
they rebind. Every operation is IEEE-exact in both (+, -, *, /, sqrt), so a row stepped on
floats follows its numpy path to the last bit. Adam keeps ``beta^t`` as a running product in
its state rather than calling a power function, for the same reason.

Conventions (they differ between textbooks, and each is pinned by a test):

* momentum is the lecture's ``p <- mu*p - alpha*g; w <- w + p`` with ``p = 0`` at the start,
  so the first step equals gd's; PyTorch's SGD instead accumulates ``g`` and scales by alpha
  after, which is the same trajectory only for a constant alpha.
* nesterov is Sutskever, Martens, Dahl and Hinton (2013), eq. (3)-(4): the gradient is taken
  at the look-ahead point ``w + mu*p``.
* adam is Kingma and Ba (2015), Algorithm 1, bias correction included; eps is added *after*
  the square root.
* rmsprop (Tieleman and Hinton 2012) and adagrad (Duchi, Hazan and Singer 2011) also add eps
  after the square root, and their accumulators start at zero.
* newton solves ``(H + damping*I) d = g`` and steps ``-alpha*d``; a singular system makes the
  step non-finite and the simulation reports the row as failed, never an exception.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise
from operator import itemgetter
from typing import Any, ClassVar, NamedTuple

import numpy as np

from engine.schedules import CONSTANT, Schedule, parse_schedule
from engine.validate import check_nonnegative, check_positive, check_unit_interval

Array = np.ndarray
# The Hessian of a group's rows at their query points: an array (n, D, D), or in 2-D its parts
# (h_xx, h_xy, h_yy); the simulation passes a function of a row slice that returns it.
Hessian = Any


def sqrt(x):
    """The correctly rounded square root of a float or of every entry of an array."""
    return math.sqrt(x) if x.__class__ is float else np.sqrt(x)


def zeros_like(w):
    """0.0 for a float, an array of zeros laid out like ``w`` for an array."""
    return 0.0 if w.__class__ is float else np.zeros_like(w)


# -- hyperparameters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter: its check (the engine's, whose message a person reads), what it
    means, its symbol, and the range of the window's slider and arrows (``lo``, ``hi``,
    ``log``). The check alone says which values are taken, by the command line, sessions,
    scenarios and the window's boxes alike: a value past the slider's end (alpha 16, or
    1e308 to watch a run overflow) is typed, not refused."""

    name: str
    default: float
    check: Callable[[str, object], float] = field(compare=False)
    help: str
    symbol: str
    lo: float
    hi: float
    log: bool = False

    def but(self, default: float) -> Hyper:
        """The same hyperparameter with another default (alpha's differs per optimizer)."""
        return replace(self, default=default)

    def validate(self, value: object) -> float:
        return self.check(self.name, value)


# alpha's slider spans the lessons' values, 8e-6 (gd beside Newton) to 16 (a net wrecked)
ALPHA = Hyper("alpha", 0.01, check_positive, "learning rate (> 0)", "α", 1e-6, 100.0, log=True)
MU = Hyper("mu", 0.9, check_unit_interval, "momentum, in [0, 1)", "μ", 0.0, 0.999)
BETA1 = Hyper("beta1", 0.9, check_unit_interval, "decay of the first moment, in [0, 1)", "β₁", 0.0, 0.999)
BETA2 = Hyper("beta2", 0.999, check_unit_interval, "decay of the second moment, in [0, 1)", "β₂", 0.0, 0.9999)
RHO = Hyper("rho", 0.9, check_unit_interval, "decay of the squared-gradient average, in [0, 1)", "ρ", 0.0, 0.999)
EPS = Hyper("eps", 1e-8, check_positive, "added to the root in the denominator (> 0)", "ε", 1e-12, 1.0, log=True)
DAMPING = Hyper("damping", 0.0, check_nonnegative, "added to the Hessian's diagonal (>= 0)", "λ", 0.0, 100.0)


# -- the definitions -----------------------------------------------------------------------


class State(tuple):
    """An optimizer's state: a tuple with named fields, made from a tuple of their values,
    ``MomentumState((p,))``. A NamedTuple would read the same, but its constructor is a
    Python function that costs three times tuple's own; on the float path (engine.scalar)
    a state is made for every coordinate of every step."""

    __slots__ = ()
    fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for i, name in enumerate(cls.fields):
            setattr(cls, name, property(itemgetter(i), doc=f"field {i} of the state"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in zip(self.fields, self, strict=True))})"


class Empty(State):
    """The state of an optimizer that keeps none (gd, Newton)."""


class MomentumState(State):
    """``p``: the velocity, 0 at the start."""

    fields = ("p",)


class AdamState(State):
    """``m``, ``v``: the first and second moments; ``b1t``, ``b2t``: beta1^t and beta2^t, kept
    as running products (module docstring)."""

    fields = ("m", "v", "b1t", "b2t")


class SquaresState(State):
    """``v``: the running average (RMSprop) or sum (AdaGrad) of squared gradients."""

    fields = ("v",)


_EMPTY = Empty()


def _empty(w) -> Empty:
    return _EMPTY


def _gd_update(g, s: Empty, w, h) -> tuple[Any, Empty]:
    """``w <- w - alpha*g``."""
    return g * -h.alpha, s


def _momentum_init(w) -> MomentumState:
    return MomentumState((zeros_like(w),))


def _momentum_update(g, s: MomentumState, w, h) -> tuple[Any, MomentumState]:
    """Heavy ball (Polyak 1964) as the lecture writes it: ``p <- mu*p - alpha*g``,
    ``w <- w + p``. For Nesterov, ``g`` is taken at :func:`_nesterov_query`."""
    p = h.mu * s.p
    p -= h.alpha * g
    return p, MomentumState((p,))


def _nesterov_query(s: MomentumState, w, h):
    """Sutskever et al. (2013), eq. (3): the gradient is taken at ``w + mu*p``."""
    return w + h.mu * s.p


def _adam_init(w) -> AdamState:
    return AdamState((zeros_like(w), zeros_like(w), 1.0, 1.0))


def _adam_update(g, s: AdamState, w, h) -> tuple[Any, AdamState]:
    """Kingma and Ba (2015), Algorithm 1: ``m <- beta1*m + (1-beta1)*g``,
    ``v <- beta2*v + (1-beta2)*g^2``, ``m^ = m/(1-beta1^t)``, ``v^ = v/(1-beta2^t)``,
    ``w <- w - alpha*m^/(sqrt(v^) + eps)``. The first step has size alpha per coordinate."""
    m = h.beta1 * s.m
    m += (1.0 - h.beta1) * g
    v = h.beta2 * s.v
    v += (1.0 - h.beta2) * (g * g)
    b1t = s.b1t * h.beta1
    b2t = s.b2t * h.beta2
    den = sqrt(v / (1.0 - b2t))
    den += h.eps
    step = m / (1.0 - b1t)
    step *= -h.alpha
    step /= den
    return step, AdamState((m, v, b1t, b2t))


def _squares_init(w) -> SquaresState:
    return SquaresState((zeros_like(w),))


def _rmsprop_update(g, s: SquaresState, w, h) -> tuple[Any, SquaresState]:
    """RMSprop (Tieleman and Hinton 2012, lecture 6e): ``v <- rho*v + (1-rho)*g^2``,
    ``w <- w - alpha*g/(sqrt(v) + eps)``, ``v = 0`` at the start."""
    v = h.rho * s.v
    v += (1.0 - h.rho) * (g * g)
    den = sqrt(v)
    den += h.eps
    step = -(h.alpha * g)
    step /= den
    return step, SquaresState((v,))


def _adagrad_update(g, s: SquaresState, w, h) -> tuple[Any, SquaresState]:
    """AdaGrad (Duchi, Hazan and Singer 2011): ``G <- G + g^2``,
    ``w <- w - alpha*g/(sqrt(G) + eps)``, ``G = 0`` at the start."""
    v = g * g
    v += s.v
    den = sqrt(v)
    den += h.eps
    step = -(h.alpha * g)
    step /= den
    return step, SquaresState((v,))


def _newton_update(g, s: Empty, w, h, hessian: Hessian = None) -> tuple[Any, Empty]:
    """Damped Newton: ``w <- w - alpha*(H + damping*I)^-1 g``, with ``H`` the Hessian at
    ``w``. With alpha = 1 it lands on the minimum of a quadratic in one step; elsewhere it
    heads for the nearest critical point of any kind, saddles included (Dauphin et al.
    2014)."""
    if hessian is None:
        raise ValueError("newton needs the Hessian: pass it to update()")
    return -(h.alpha * newton_direction(hessian, g, h.damping)), s


def newton_direction(h: Hessian, g: Array, damping) -> Array:
    """Solve ``(H + damping*I) d = g`` for each row. ``h`` is ``(n, D, D)`` or, in 2-D, the
    parts ``(h_xx, h_xy, h_yy)``; ``damping`` a number or one per row. A singular system
    gives a non-finite ``d`` (the simulation reports the row as failed); nothing is raised.

    Two dimensions use Cramer's rule, a quarter of the cost of ``np.linalg.solve`` on a few
    rows: ``d = [[c, -b], [-b, a]] g / (a*c - b^2)`` with ``a = h_xx + damping``,
    ``c = h_yy + damping``, ``b = h_xy``.
    """
    damping = np.asarray(damping, dtype=np.float64)
    if damping.ndim == 2:  # per-row values laid out like the points: one per row
        damping = damping[:, 0]
    if isinstance(h, np.ndarray) and h.shape[-1] == 2:
        h = (h[:, 0, 0], h[:, 0, 1], h[:, 1, 1])
    if isinstance(h, tuple):
        a, b, c = h
        if np.any(damping):
            a = a + damping
            c = c + damping
        det = a * c - b * b
        g0, g1 = g[:, 0], g[:, 1]
        d = np.empty_like(g)
        d[:, 0] = (c * g0 - b * g1) / det
        d[:, 1] = (a * g1 - b * g0) / det
        return d
    eye = np.eye(h.shape[-1])
    m = h + (damping[:, None, None] if damping.ndim else damping) * eye
    try:
        return np.linalg.solve(m, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        d = np.full_like(g, np.nan)
        for i in range(g.shape[0]):
            try:
                d[i] = np.linalg.solve(m[i], g[i])
            except np.linalg.LinAlgError:
                pass  # singular: this row stays NaN
        return d


@dataclass(frozen=True, eq=False)
class Definition:
    """One optimizer: its hyperparameters, ``init(w) -> state`` and
    ``update(g, state, w, h) -> (updates, state)`` (pure; ``h`` is a NamedTuple of the
    hyperparameters), ``query(state, w, h)``: where the gradient is taken (None: at ``w``),
    and ``curvature``: whether ``update`` also takes the Hessian (Newton), which makes it
    the only kind that is not elementwise."""

    name: str
    description: str  # one line with the rule, for lists, menus and tooltips
    hyper: tuple[Hyper, ...]
    init: Callable[[Any], State] = field(compare=False)
    update: Callable[..., tuple[Any, State]] = field(compare=False)
    query: Callable[..., Any] | None = field(default=None, compare=False)
    curvature: bool = False

    @property
    def defaults(self) -> dict[str, float]:
        return {hp.name: hp.default for hp in self.hyper}

    @cached_property
    def params(self) -> type:
        """The NamedTuple type ``update`` receives its hyperparameters in."""
        return namedtuple(f"{self.name.capitalize()}Hyper", [hp.name for hp in self.hyper])

    def check(self, **values: object) -> dict[str, float]:
        """Every hyperparameter checked, defaults filled in; unknown names list the known."""
        known = {hp.name: hp for hp in self.hyper}
        for k in values:
            if k not in known:
                raise ValueError(f"{self.name} takes no {k} (it takes {', '.join(known)})")
        return {k: hp.validate(values.get(k, hp.default)) for k, hp in known.items()}

    def make(self, **values: object) -> Optimizer:
        """A one-member :class:`Optimizer`; raises ``ValueError`` naming a bad value."""
        return Optimizer((Member(self, self.check(**values)),))


# -- optimizers and their layout over a batch ---------------------------------------------


class Member(NamedTuple):
    """One optimizer of a stack: its definition, its checked hyperparameters, and the
    schedule of its alpha (engine.schedules; constant by default)."""

    definition: Definition
    values: dict[str, float]
    schedule: Schedule = CONSTANT

    def alphas(self, steps: int) -> Array | None:
        """The alpha each step ``t = 0 .. steps - 1`` uses (``alpha * schedule.factors(steps)``,
        as the stepper's table), or None for a constant alpha."""
        if self.schedule.constant or "alpha" not in self.values:
            return None
        return self.values["alpha"] * self.schedule.factors(steps)


@dataclass(frozen=True)
class Optimizer:
    """One or more optimizers with their hyperparameters; in a stack of ``K`` members, member
    ``i`` drives the ``i``-th block of ``B/K`` consecutive rows."""

    members: tuple[Member, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.definition.name for m in self.members)

    @property
    def hyper(self) -> tuple[dict[str, float], ...]:
        return tuple(m.values for m in self.members)

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        return tuple(m.schedule for m in self.members)

    def scheduled(self, schedule: Schedule | str) -> Optimizer:
        """The same optimizers with ``schedule`` for the alpha of every member."""
        s = parse_schedule(schedule)
        return Optimizer(tuple(m._replace(schedule=s) for m in self.members))

    @staticmethod
    def stack(optimizers: Sequence[Optimizer]) -> Optimizer:
        """Join optimizers into one; member i owns the i-th block of rows."""
        return Optimizer(tuple(m for o in optimizers for m in o.members))

    def label(self, i: int = 0) -> str:
        inner = ", ".join(f"{k}={v:g}" for k, v in self.hyper[i].items())
        s = self.members[i].schedule
        if not s.constant:
            inner += f", schedule={s.spec()}"
        return f"{self.names[i]}({inner})"

    def stepper(self, rows: int, dim: int, steps: int | None = None) -> Stepper:
        """Lay the members out over ``rows`` rows of ``dim`` parameters, for a run of
        ``steps`` steps (needed when a member's alpha has a schedule)."""
        k = len(self.members)
        if rows % k:
            raise ValueError(f"{rows} rows cannot be shared by {k} optimizers")
        return Stepper(self.members, np.repeat(np.arange(k), rows // k), dim, steps=steps)

    # optax's pair, on a batch w (B, D): for tests and for callers with their own loop
    def init(self, w: Array) -> tuple[State, ...]:
        return self.stepper(*w.shape).init(w)

    def update(self, g: Array, state: tuple[State, ...], w: Array, hessian: Hessian = None):
        per_rows = None if hessian is None else (lambda rows: _rows(hessian, rows))
        with np.errstate(all="ignore"):
            return self.stepper(*w.shape).update(g, state, w, per_rows)


def _rows(h: Hessian, rows: slice):
    if isinstance(h, tuple):
        return tuple(x[rows] if np.ndim(x) else x for x in h)
    return h[rows]


def _column_major(rows: int, dim: int) -> Array:
    """An empty ``(rows, dim)`` array laid out like the simulation's points (``w[:, 0]``
    contiguous): every operand of a step then shares one layout, numpy's fast path."""
    return np.empty((dim, rows)).T


@dataclass(frozen=True)
class Group:
    """Consecutive rows stepped by one definition; ``h`` holds their hyperparameters: 0-d
    arrays when all rows share a value (a Python float would cost numpy a conversion on every
    call), else ``(n, D)`` arrays laid out like the points (numpy pays twice as much per call
    to broadcast a ``(n, 1)`` operand on a few rows). ``alphas``: where a row's alpha has a
    schedule, the alpha of every step, ``(steps,)`` for all rows alike or ``(steps, n, 1)``."""

    definition: Definition
    rows: slice
    h: tuple
    alphas: Array | None = None

    def hyper_at(self, t: int) -> tuple:
        """The hyperparameters of step ``t``."""
        if self.alphas is None:
            return self.h
        return self.h._replace(alpha=self.alphas[t])


class Stepper:
    """An :class:`Optimizer` laid out over a batch: ``init``, ``query`` and ``update`` for all
    rows, each group of rows by its own definition, and ``take`` to drop finished rows.

    Rows are kept as indices into the optimizer's members (a 256 x 256 map is 65536 rows of
    one member), and ``keys`` number the groups, so that a batch whose middle rows finished
    keeps its groups (and their separate states) apart."""

    def __init__(
        self,
        members: Sequence[Member],
        member: Array,
        dim: int,
        keys: Array | None = None,
        tables: dict[str, Array] | None = None,
        steps: int | None = None,
    ) -> None:
        self.members = tuple(members)
        self.steps = steps
        # each hyperparameter's value per member (NaN where a member has none), shared with
        # the parts a run splits off: a phase map has thousands of members
        self.tables = {} if tables is None else tables
        self.member = np.asarray(member, dtype=np.intp)
        self.dim = dim
        self.n = int(self.member.size)
        if keys is None:  # a new group wherever the definition changes
            defs = np.array([id(m.definition) for m in self.members], dtype=np.int64)[self.member]
            keys = np.concatenate([[0], np.cumsum(defs[1:] != defs[:-1])]) if self.n else np.zeros(0, np.intp)
        self.keys = np.asarray(keys)
        edges = [0, *(np.flatnonzero(self.keys[1:] != self.keys[:-1]) + 1).tolist(), self.n]
        self.groups = [
            self._group(slice(a, b)) for a, b in pairwise(edges) if b > a
        ]
        self.looks_ahead = any(g.definition.query is not None for g in self.groups)
        # the rows whose gradient is taken away from their point (Nesterov's look-ahead)
        self.look_rows = (
            np.concatenate([np.arange(g.rows.start, g.rows.stop) for g in self.groups if g.definition.query])
            if self.looks_ahead else np.zeros(0, dtype=np.intp)
        )
        self.needs_hessian = any(g.definition.curvature for g in self.groups)
        self.elementwise = not self.needs_hessian

    def _group(self, rows: slice) -> Group:
        d = self.members[int(self.member[rows.start])].definition
        which = self.member[rows]
        out = []
        for hp in d.hyper:
            table = self.tables.get(hp.name)
            if table is None:
                table = self.tables[hp.name] = np.array([m.values.get(hp.name, np.nan) for m in self.members])
            col = table[which]
            if np.all(col == col[0]):
                out.append(np.array(col[0]))
            else:
                a = _column_major(col.size, self.dim)
                a[...] = col[:, None]
                out.append(a)
        return Group(d, rows, d.params(*out), self._alphas(which))

    def _alphas(self, which: Array) -> Array | None:
        """Each step's alpha for rows of these members, where one has a schedule."""
        kinds = sorted({int(k) for k in np.unique(which)})
        if all(self.members[k].schedule.constant for k in kinds):
            return None
        if self.steps is None:
            raise ValueError("a schedule needs the run's number of steps")
        key = ("alphas", *kinds)
        table = self.tables.get(key)
        if table is None:  # (steps, members) of alpha * factor, shared with the parts
            per = {k: self.members[k].values["alpha"] * self.members[k].schedule.factors(self.steps) for k in kinds}
            table = self.tables[key] = per
        first = table[int(which[0])]
        if np.all(which == which[0]):
            return first  # (steps,): every row alike
        out = np.empty((self.steps, which.size, 1))
        for j, k in enumerate(which):
            out[:, j, 0] = table[int(k)]
        return out

    def part(self, rows: Array) -> Stepper:
        """The stepper of some rows (indices, ascending), for a run of their own."""
        return Stepper(self.members, self.member[rows], self.dim, self.keys[rows], self.tables, self.steps)

    def take(self, keep: Array, state: tuple[State, ...]) -> tuple[Stepper, tuple[State, ...]]:
        """The stepper and the state restricted to the rows ``keep`` (indices, ascending)."""
        keep = np.asarray(keep)
        states = []
        for g, s in zip(self.groups, state, strict=True):
            mine = keep[(keep >= g.rows.start) & (keep < g.rows.stop)] - g.rows.start
            if mine.size:
                states.append(type(s)(tuple(_take_rows(x, mine) for x in s)))
        return self.part(keep), tuple(states)

    def init(self, w: Array) -> tuple[State, ...]:
        if len(self.groups) == 1:
            return (self.groups[0].definition.init(w),)
        return tuple(g.definition.init(np.asfortranarray(w[g.rows])) for g in self.groups)

    def query(self, state: tuple[State, ...], w: Array) -> Array:
        """Where each row's gradient is taken: ``w``, or Nesterov's look-ahead point."""
        if not self.looks_ahead:
            return w
        if len(self.groups) == 1:
            g = self.groups[0]
            return g.definition.query(state[0], w, g.h)
        q = w.copy(order="F")
        for g, s in zip(self.groups, state, strict=True):
            if g.definition.query is not None:
                q[g.rows] = g.definition.query(s, w[g.rows], g.h)
        return q

    def update(
        self,
        grad: Array,
        state: tuple[State, ...],
        w: Array,
        hessian: Callable[[slice], Hessian] | None = None,
        t: int = 0,
    ) -> tuple[Array, tuple[State, ...]]:
        """Step ``t`` of every row: ``(updates, new_state)``; ``grad`` (and the Hessian, for
        curvature rows: a function of a row slice) taken at :meth:`query`."""
        if len(self.groups) == 1:
            g = self.groups[0]
            u, s = self._one(g, grad, state[0], w, hessian, slice(None), t)
            return u, (s,)
        upd = _column_major(self.n, self.dim)
        states = []
        for g, s in zip(self.groups, state, strict=True):
            u, s = self._one(g, grad[g.rows], s, w[g.rows], hessian, g.rows, t)
            upd[g.rows] = u
            states.append(s)
        return upd, tuple(states)

    @staticmethod
    def _one(g: Group, grad, s, w, hessian, rows: slice, t: int):
        h = g.hyper_at(t)
        if g.definition.curvature:
            if hessian is None:
                raise ValueError(f"{g.definition.name} needs the Hessian: pass it to update()")
            return g.definition.update(grad, s, w, h, hessian(rows))
        return g.definition.update(grad, s, w, h)

    def row(self, i: int) -> Member:
        """Row ``i``'s definition, hyperparameters and schedule."""
        return self.members[int(self.member[i])]

    def float_rows(self) -> list[tuple[Definition, tuple, list[float] | None]]:
        """Each row's definition, hyperparameters as Python floats, and (with a schedule) the
        alpha of every step, from the same table the numpy path reads (engine.scalar)."""
        out = []
        for i in range(self.n):
            d, v, sched = self.row(i)
            h = d.params(*(float(v[hp.name]) for hp in d.hyper))
            alphas = None
            if not sched.constant:
                g = next(g for g in self.groups if g.rows.start <= i < g.rows.stop)
                col = g.alphas if g.alphas.ndim == 1 else g.alphas[:, i - g.rows.start, 0]
                alphas = col.tolist()
            out.append((d, h, alphas))
        return out


def _take_rows(x, idx: Array):
    """A state field restricted to some rows: arrays by row, numbers (0-d) as they are."""
    if isinstance(x, np.ndarray) and x.ndim >= 1:
        return np.asfortranarray(x[idx])
    return x


# -- the registry --------------------------------------------------------------------------

GD = Definition("gd", "gradient descent: w <- w - alpha*g", (ALPHA,), _empty, _gd_update)
MOMENTUM = Definition(
    "momentum", "heavy ball: p <- mu*p - alpha*g; w <- w + p", (ALPHA, MU), _momentum_init, _momentum_update
)
NESTEROV = Definition(
    "nesterov", "look-ahead momentum: p <- mu*p - alpha*grad(w + mu*p); w <- w + p", (ALPHA, MU),
    _momentum_init, _momentum_update, query=_nesterov_query,
)
ADAM = Definition(
    "adam", "Adam: bias-corrected moments, w <- w - alpha*m^/(sqrt(v^)+eps)", (ALPHA, BETA1, BETA2, EPS),
    _adam_init, _adam_update,
)
RMSPROP = Definition(
    "rmsprop", "RMSprop: v <- rho*v + (1-rho)*g^2; w <- w - alpha*g/(sqrt(v)+eps)", (ALPHA, RHO, EPS),
    _squares_init, _rmsprop_update,
)
ADAGRAD = Definition(
    "adagrad", "AdaGrad: G <- G + g^2; w <- w - alpha*g/(sqrt(G)+eps)", (ALPHA.but(0.1), EPS),
    _squares_init, _adagrad_update,
)
NEWTON = Definition(
    "newton", "damped Newton: w <- w - alpha*(H + damping*I)^-1 g", (ALPHA.but(1.0), DAMPING),
    _empty, _newton_update, curvature=True,
)

OPTIMIZERS: dict[str, Definition] = {d.name: d for d in (GD, MOMENTUM, NESTEROV, ADAM, RMSPROP, ADAGRAD, NEWTON)}


def hyperparameters() -> dict[str, Hyper]:
    """Every hyperparameter of the registered optimizers by name (the defaults are each
    optimizer's own): what the command line's flags and the window's sliders are made from.
    A name means the same thing, with the same check and range, wherever it is used."""
    out: dict[str, Hyper] = {}
    for d in OPTIMIZERS.values():
        for hp in d.hyper:
            seen = out.setdefault(hp.name, hp)
            if replace(seen, default=hp.default) != hp:
                raise ValueError(f"hyperparameter {hp.name!r} means two things ({seen.name} in {d.name})")
    return out


HYPER = hyperparameters()


def make_optimizer(name: str, schedule: Schedule | str | None = None, **hyper: object) -> Optimizer:
    """Build an optimizer by name, its alpha on ``schedule`` (engine.schedules; constant by
    default); unknown names and hyperparameters list the valid ones."""
    try:
        d = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})") from None
    opt = d.make(**hyper)
    return opt if schedule is None else opt.scheduled(schedule)
