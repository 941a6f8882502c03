"""What a network lesson reports besides the race, in numbers and in a few printed lines.

Each report named in :data:`engine.scenarios.REPORTS` is computed here from a finished
:class:`~engine.network.training.Training` (and, where the report has to run something again,
the optimizer that raced). A report is a frozen dataclass of numbers, per racer where it
makes sense, that the window can draw, with :meth:`lines`: a heading and one or two lines per
racer that a lecturer would print (``main.py train`` prints them after the racers' lines).

=================  ===========================================================================
report             what it computes
=================  ===========================================================================
symmetry           each racer's trained net, the same net with its hidden units permuted at
                   random (the same function: the same loss) and the average of all
                   permutations (the degenerate net, every unit of a layer the same): if the
                   loss were convex, Jensen's inequality would make the average no worse
                   (:mod:`engine.network.symmetry`); the numbers show it is.
alignment          a second net trained by the same racers from the next init seed; the
                   loss on the straight line between the two, before and after permuting the
                   second net's hidden units to match the first (weight matching), and the
                   barrier (the rise above the chord) of each line.
sharpness          the largest Hessian eigenvalue ``lambda_max`` along each racer's run
                   (Lanczos on exact Hessian-vector products, :mod:`~engine.network.curvature`)
                   against the racer's stability limit: ``2/alpha`` for gradient descent,
                   ``2(1 + mu)/alpha`` for heavy-ball momentum, ``(2 + 2mu)/((1 + 2mu) alpha)``
                   for Nesterov (:mod:`engine.theory`); Adam, RMSprop, AdaGrad and Newton
                   rescale their steps, so no single number applies to them. Also how often the
                   training loss rose from one step to the next.
identical-units    per hidden layer, the largest difference between a unit's weights and the
                   layer's average unit, at the start and at each racer's end (0: every unit
                   the same), and which weights moved at all.
layer-gradients    the norm of each layer's part of the gradient (``W_i`` and ``b_i``,
                   input side first) at the start and at each racer's end: saturated units
                   and vanishing gradients show as the first layers' norms far below the last's.
cost               each racer's time per step, measured at the start (gradient, Hessian for a
                   method that needs it, update), against the time of one gradient; for Newton
                   also the Hessian's size (``P^2`` numbers, ``8 P^2`` bytes) and the solve's
                   ``P^3/3`` multiply-adds (:func:`engine.analysis.newton_cost`).
=================  ===========================================================================

A racer that diverged or failed has no trained net: the symmetry and alignment reports say so
for it; the others use its last finite point and say which step that was.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from engine import theory
from engine.analysis import newton_cost
from engine.network.curvature import extreme_eigenvalues, layer_grad_norms
from engine.network.symmetry import alignment_report, degenerate, permute_all, random_permutations, unit_spread
from engine.network.symmetry import identical_units as same_units
from engine.network.training import Training, train
from engine.optimizers import Member, Optimizer
from engine.simulation import Status
from engine.validate import check_int

Array = np.ndarray

# Lanczos iterations per point for the sharpness report (capped at P): the largest Ritz value
# converges first; 30 products give lambda_max to a few digits on these nets
SHARPNESS_ITERS = 30
SHARPNESS_CHECKS = 40  # about this many points along each run
TIME_TARGET = 0.05  # seconds of stepping measured per racer for the cost report


def _g(x: float) -> str:
    """A number for a printed line: 4 significant digits."""
    return "nan" if not math.isfinite(x) else f"{x:.4g}"


@dataclass(frozen=True)
class _Ends:
    """Where each racer ended: the last finite step and its weights; ``trained`` is False for
    a racer that diverged or failed."""

    steps: tuple[int, ...]
    theta: Array  # (B, P)
    trained: tuple[bool, ...]


def _ends(t: Training) -> _Ends:
    r = t.run
    k = [max(r.finite_length(i) - 1, 0) for i in range(len(t.names))]
    theta = np.stack([r.theta[i, k[i]] for i in range(len(t.names))])
    ok = tuple(bool(r.status[i] not in (Status.DIVERGED, Status.FAILED)) for i in range(len(t.names)))
    return _Ends(tuple(k), theta, ok)


def _where(t: Training, ends: _Ends, i: int) -> str:
    """``"step 300"``, or how a racer that did not finish its run stopped."""
    k = ends.steps[i]
    status = Status(int(t.run.status[i]))
    if status in (Status.DIVERGED, Status.FAILED):
        return f"{status} at step {t.run.stop[i]}: its last finite point, step {k}"
    return f"step {k}"


# -- symmetry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RacerSymmetry:
    """One racer's trained net (``None`` values when it has none): training losses of the net,
    of the net with its hidden units permuted at random, of the average of all permutations,
    and of the average over one hidden layer's permutations at a time (``layers``)."""

    racer: str
    trained: float | None
    permuted: float | None
    degenerate: float | None
    layers: tuple[float, ...] = ()

    @property
    def jensen_violated(self) -> bool:
        """``L(average) > average of L`` over the permuted nets (all equal to ``trained``), by
        more than rounding (a net whose units are already identical is its own average, up to
        the last bits of the batched products)."""
        if self.trained is None or self.degenerate is None:
            return False
        return self.degenerate > self.trained + 1e-9 * max(abs(self.trained), 1.0)


@dataclass(frozen=True)
class SymmetryReport:
    name: ClassVar[str] = "symmetry"
    hidden: tuple[int, ...]
    racers: tuple[RacerSymmetry, ...]

    @property
    def log10_permutations(self) -> float:
        """``log10`` of the number of orderings of the hidden units: ``prod(h_l!)``."""
        return sum(math.lgamma(h + 1) for h in self.hidden) / math.log(10)

    def lines(self) -> list[str]:
        if not self.hidden:
            return ["symmetry: the network has no hidden layer, so no units to permute"]
        count = " x ".join(f"{h}!" for h in self.hidden)
        e = self.log10_permutations
        n = f"{10 ** e:,.0f}" if e < 6 else f"{10 ** (e % 1):.2f}e{int(e)}"
        out = [f"symmetry: {count} = {n} orderings of the hidden units, each the same function"]
        for r in self.racers:
            if r.trained is None:
                out.append(f"  {r.racer}: no trained net (the run did not end finite)")
                continue
            per = ", ".join(f"layer {k} alone {_g(v)}" for k, v in enumerate(r.layers, start=1))
            out.append(
                f"  {r.racer}: trained {_g(r.trained)}; units permuted {_g(r.permuted)} (the same function); "
                f"average of all permutations {_g(r.degenerate)}" + (f" ({per})" if len(r.layers) > 1 else "")
            )
            said = (
                f"{_g(r.degenerate)} > {_g(r.trained)}, so Jensen's inequality fails and the loss is not convex"
                if r.jensen_violated else f"{_g(r.degenerate)} <= {_g(r.trained)}: no contradiction from this net"
            )
            out.append(f"    a convex loss would need L(average) <= the permuted nets' average loss; here {said}")
        return out


def symmetry(t: Training, seed: int = 0) -> SymmetryReport:
    """The symmetry report (module docstring) of every racer's final net."""
    lay, ends = t.net.layout, _ends(t)
    racers = []
    for i, name in enumerate(t.names):
        w = ends.theta[i]
        if not ends.trained[i] or not lay.hidden:
            racers.append(RacerSymmetry(name, None, None, None))
            continue
        pts = [w, permute_all(lay, w, random_permutations(lay, seed)), degenerate(lay, w)]
        pts += [degenerate(lay, w, (k,)) for k in range(1, len(lay.hidden) + 1)]
        losses = [float(v) for v in t.net.loss(np.stack(pts))]
        racers.append(RacerSymmetry(name, losses[0], losses[1], losses[2], tuple(losses[3:])))
    return SymmetryReport(lay.hidden, tuple(racers))


# -- alignment ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RacerAlignment:
    """The loss along the line from the racer's net (``t = 0``) to its twin from the other
    seed (``t = 1``), before and after aligning the twin's units, and the barriers."""

    racer: str
    t: Array
    before: Array
    after: Array
    barrier_before: float
    barrier_after: float


@dataclass(frozen=True)
class AlignmentReport:
    name: ClassVar[str] = "alignment"
    seed: int  # the second net's init seed
    same_start: bool  # the init does not depend on its seed (zeros): the twin is the same net
    racers: tuple[RacerAlignment | str, ...]  # a racer's name alone: no pair of trained nets

    def lines(self) -> list[str]:
        out = [f"alignment: a second net trained by each racer from init seed {self.seed}; "
               f"the loss on the straight line between the two"]
        if self.same_start:
            out.append("  (a zeros start does not depend on the seed: both nets are the same)")
        for r in self.racers:
            if isinstance(r, str):
                out.append(f"  {r}: no pair of trained nets (a run did not end finite)")
                continue
            out.append(
                f"  {r.racer}: losses {_g(float(r.before[0]))} and {_g(float(r.before[-1]))} at the ends; barrier "
                f"{_g(r.barrier_before)} before aligning the hidden units, {_g(r.barrier_after)} after "
                f"(highest loss on the line {_g(float(r.before.max()))} -> {_g(float(r.after.max()))})"
            )
        return out


def alignment(
    t: Training, optimizer: Optimizer, *, points: int = 25, batch_size: int | None = None, seed: int = 0,
    tol: float = 1e-6, bound: float = 1e6, cancel: Callable[[], bool] | None = None,
) -> AlignmentReport:
    """Train the twin nets (the setup's init with the next seed, the same racers, steps and
    mini-batches) and compare the lines (module docstring)."""
    init = t.setup.init
    other = replace(t.setup, init=replace(init, seed=(init.seed + 1) % 2**32))
    twin = train(other, optimizer, t.run.steps, batch_size=batch_size, seed=seed, tol=tol, bound=bound,
                 net=t.net, cancel=cancel)
    a, b = _ends(t), _ends(twin)
    racers: list[RacerAlignment | str] = []
    for i, name in enumerate(t.names):
        if not (a.trained[i] and b.trained[i]):
            racers.append(name)
            continue
        rep = alignment_report(t.net, a.theta[i], b.theta[i], n=points)
        racers.append(RacerAlignment(name, rep.t, rep.before, rep.after, rep.barrier_before, rep.barrier_after))
    return AlignmentReport(other.init.seed, init.kind == "zeros", tuple(racers))


# -- sharpness ------------------------------------------------------------------------------------


def stability_limit(member: Member, alpha: Array) -> Array | None:
    """The largest ``lambda_max`` at which ``member`` is stable on a quadratic, for each alpha
    in ``alpha``: gd ``2/alpha``, heavy ball ``2(1 + mu)/alpha``, Nesterov
    ``(2 + 2mu)/((1 + 2mu) alpha)`` (:func:`engine.theory.momentum_stability_limit` at
    ``lambda_max = 1``, divided by alpha). None for a method that rescales its steps."""
    name, alpha = member.definition.name, np.asarray(alpha, dtype=np.float64)
    if name == "gd":
        return 2.0 / alpha
    if name in ("momentum", "nesterov"):
        return theory.momentum_stability_limit(member.values["mu"], 1.0, nesterov=name == "nesterov") / alpha
    return None


@dataclass(frozen=True)
class RacerSharpness:
    """``lam_max`` at the checkpoints ``steps`` (NaN after the racer stopped), the stability
    ``limit`` there (None: no single limit), and ``rises``: the steps on which the training loss
    went up."""

    racer: str
    steps: Array
    lam_max: Array
    limit: Array | None
    rises: int
    steps_run: int

    @property
    def above(self) -> Array:
        """At each checkpoint: ``lam_max`` beyond the limit (False where there is none)."""
        if self.limit is None:
            return np.zeros(self.steps.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(self.lam_max, nan=-np.inf) > self.limit

    @property
    def first_above(self) -> int | None:
        k = np.nonzero(self.above)[0]
        return int(self.steps[k[0]]) if k.size else None


@dataclass(frozen=True)
class SharpnessReport:
    name: ClassVar[str] = "sharpness"
    every: int
    iters: int
    racers: tuple[RacerSharpness, ...]

    def lines(self) -> list[str]:
        out = [f"sharpness: the largest Hessian eigenvalue lambda_max every {self.every} steps "
               f"(Lanczos, {self.iters} products), against each racer's stability limit"]
        for r in self.racers:
            ok = np.isfinite(r.lam_max)
            if not ok.any():
                out.append(f"  {r.racer}: no finite point to measure")
                continue
            lam = r.lam_max[ok]
            top = int(np.argmax(lam))
            head = f"  {r.racer}: "
            if r.limit is None:
                head += "no single limit (it rescales its steps); "
            else:
                lim = r.limit[ok]
                same = np.allclose(lim, lim[0])
                head += (f"limit {_g(float(lim[0]))}; " if same else
                         f"limit {_g(float(lim[0]))} at the start, {_g(float(lim[-1]))} at the end; ")
            head += (f"lambda_max {_g(float(lam[0]))} at the start, {_g(float(lam[top]))} at most "
                     f"(step {int(r.steps[ok][top])}), {_g(float(lam[-1]))} at the end")
            out.append(head)
            tail = []
            if r.limit is not None:
                n = int(r.above.sum())
                where = f", first at step {r.first_above}" if n else ""
                tail.append(f"above the limit at {n} of {int(ok.sum())} checks{where}")
            tail.append(f"the loss rose on {r.rises} of {r.steps_run} steps")
            out.append("    " + "; ".join(tail))
        return out


def sharpness(
    t: Training, optimizer: Optimizer, *, every: int | None = None, iters: int = SHARPNESS_ITERS
) -> SharpnessReport:
    """``lambda_max`` along every racer's run against its limit (module docstring), at steps
    ``0, every, 2*every, ...``, the last and each racer's last finite point. The limit at a
    point is that of the step taken from it (with a schedule, that step's alpha); the run's
    final point, from which no step is taken, gets the last step's."""
    n = t.run.steps
    every = max(1, -(-n // SHARPNESS_CHECKS)) if every is None else check_int("every", every, 1)
    iters = min(check_int("iters", iters, 1), t.net.dim)
    # every racer's last finite point too: a run that stopped between checks has its end measured
    ends = [t.run.finite_length(i) - 1 for i in range(len(t.names))]
    steps = np.unique(np.r_[np.arange(0, n + 1, every), n, [k for k in ends if k >= 0]])
    ext = extreme_eigenvalues(t.net, t.run.theta[:, steps], iters=iters)
    racers = []
    for i, (name, member) in enumerate(zip(t.names, optimizer.members, strict=True)):
        factors = member.schedule.factors(max(n, 1))  # step t uses factor t; the last point, the last
        alphas = member.values["alpha"] * factors[np.minimum(steps, factors.size - 1)]
        limit = stability_limit(member, alphas)
        loss = t.run.loss[i, : t.run.finite_length(i)]
        rises = int(np.sum(np.diff(loss) > 0)) if loss.size > 1 else 0
        racers.append(RacerSharpness(name, steps, ext.lam_max[i], limit, rises, max(loss.size - 1, 0)))
    return SharpnessReport(every, iters, tuple(racers))


# -- identical units ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdenticalUnitsReport:
    """Per hidden layer, the largest difference between a unit and the layer's average unit
    (``spread``) and whether the units are identical (to rounding:
    :func:`engine.network.symmetry.identical_units`), at the start ``(L,)`` and at each racer's
    end ``(B, L)``; ``moved``: the names of the weights that changed, per racer."""

    name: ClassVar[str] = "identical-units"
    weights: int
    start: Array
    start_identical: Array
    ends: Array
    ends_identical: Array
    racers: tuple[str, ...]
    where: tuple[str, ...]
    moved: tuple[tuple[str, ...], ...]

    def lines(self) -> list[str]:
        if self.start.size == 0:
            return ["identical units: the network has no hidden layer"]
        out = ["identical units: per hidden layer, whether every unit has the same weights, else the "
               "largest difference between a unit and the layer's average unit"]
        out.append("  start: " + _spreads(self.start, self.start_identical))
        for i, (name, where, moved) in enumerate(zip(self.racers, self.where, self.moved, strict=True)):
            which = f" ({', '.join(moved)})" if 0 < len(moved) <= 3 else ""
            out.append(f"  {name} ({where}): {_spreads(self.ends[i], self.ends_identical[i])}; "
                       f"{len(moved)} of {self.weights} weights moved{which}")
        return out


def _spreads(spread: Array, same: Array) -> str:
    return ", ".join(
        f"layer {k} " + ("identical" if a else f"spread {_g(float(s))}")
        for k, (s, a) in enumerate(zip(spread, same, strict=True), start=1)
    )


def identical_units(t: Training) -> IdenticalUnitsReport:
    """The identical-units report (module docstring)."""
    lay, ends = t.net.layout, _ends(t)
    moved = tuple(
        tuple(t.net.axis_labels[j] for j in np.nonzero(ends.theta[i] != t.start)[0]) for i in range(len(t.names))
    )
    return IdenticalUnitsReport(
        lay.size, unit_spread(lay, t.start), same_units(lay, t.start), unit_spread(lay, ends.theta),
        same_units(lay, ends.theta), t.names, tuple(_where(t, ends, i) for i in range(len(t.names))), moved,
    )


# -- layer gradients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerGradientsReport:
    """Gradient norm per layer (input side first) at the start ``(n_layers,)`` and at each
    racer's end ``(B, n_layers)``."""

    name: ClassVar[str] = "layer-gradients"
    start: Array
    ends: Array
    racers: tuple[str, ...]
    where: tuple[str, ...]

    def lines(self) -> list[str]:
        n = self.start.size
        out = [f"layer gradients: the norm of each layer's part of the gradient, W1 b1 first, "
               f"W{n} b{n} (the output) last"]
        out.append("  start: " + layer_norms_text(self.start))
        for name, where, g in zip(self.racers, self.where, self.ends, strict=True):
            out.append(f"  {name} ({where}): {layer_norms_text(g)}")
        return out


def layer_norms_text(g: Array) -> str:
    """Each layer's gradient norm ``g (n_layers,)`` as the report prints it, with the ratio of
    the first to the last."""
    text = ", ".join(_g(float(x)) for x in g)
    if g.size > 1 and np.all(np.isfinite(g)) and g[-1] > 0:
        text += f" (first/last {_g(float(g[0] / g[-1]))})"
    return text


def layer_gradients(t: Training) -> LayerGradientsReport:
    ends = _ends(t)
    return LayerGradientsReport(
        layer_grad_norms(t.net, t.start), layer_grad_norms(t.net, ends.theta), t.names,
        tuple(_where(t, ends, i) for i in range(len(t.names))),
    )


# -- cost -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RacerCost:
    """Measured seconds per step and, for a method that uses the Hessian,
    :func:`engine.analysis.newton_cost` of the net."""

    racer: str
    seconds: float
    hessian: dict[str, float] | None


@dataclass(frozen=True)
class CostReport:
    name: ClassVar[str] = "cost"
    weights: int
    gradient_seconds: float  # one gradient (of a mini-batch, if the run used them) at the start
    racers: tuple[RacerCost, ...]

    def lines(self) -> list[str]:
        out = [f"cost: time per step of each racer at the start ({self.weights} weights; "
               f"one gradient takes {_ms(self.gradient_seconds)}; times vary from run to run)"]
        for r in self.racers:
            line = f"  {r.racer}: {_ms(r.seconds)} per step, {_g(r.seconds / self.gradient_seconds)} gradients' time"
            if r.hessian is not None:
                h = r.hessian
                line += (f"; its Hessian has {self.weights} x {self.weights} = {h['hessian_numbers']:,.0f} numbers "
                         f"({_bytes(h['hessian_bytes'])}) and solving with it takes about "
                         f"{h['solve_flops']:.3g} multiply-adds")
            out.append(line)
        return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} us"


def _bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def _per_call(fn: Callable[[], object], target: float) -> float:
    """Seconds per call of ``fn``: calls repeated for about ``target`` seconds, the best of
    three such runs (after one call that also warms the caches)."""
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    n = max(3, min(int(target / max(once, 1e-9)), 100_000))
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def cost(
    t: Training, optimizer: Optimizer, *, batch_size: int | None = None, target: float = TIME_TARGET
) -> CostReport:
    """Time one step of each racer at the start as the simulation's loop takes it: the loss
    and gradient (a mini-batch's gradient of ``batch_size`` examples when the run used them),
    the Hessian for a method that needs it, and the update. Each is repeated for about
    ``target`` seconds, best of three (:func:`_per_call`); the loop's bookkeeping (histories,
    stopping rules), the same for every racer, is left out."""
    net, w = t.net, np.asfortranarray(t.start[None])
    if batch_size is not None and batch_size < net.n_train:
        idx = np.arange(batch_size)
        gradient = lambda q: net.batch_grad(q, idx)
    else:
        gradient = lambda q: net.loss_grad(q)[1]
    grad_s = _per_call(lambda: gradient(w), target)
    racers = []
    for name, member in zip(t.names, optimizer.members, strict=True):
        rule = Optimizer((member,)).stepper(1, net.dim, steps=max(t.run.steps, 1))
        state = rule.init(w)
        curved = member.definition.curvature

        def step(rule=rule, state=state, curved: bool = curved) -> None:
            q = rule.query(state, w)
            h = (lambda rows, q=q: net.hessian(q[rows])) if curved else None
            with np.errstate(all="ignore"):  # as in the simulation's loop: alpha 1e308 overflows
                rule.update(gradient(q), state, w, h, 0)

        racers.append(RacerCost(name, _per_call(step, target), newton_cost(net.dim) if curved else None))
    return CostReport(net.dim, grad_s, tuple(racers))


# -- all of them ----------------------------------------------------------------------------------

Report = SymmetryReport | AlignmentReport | SharpnessReport | IdenticalUnitsReport | LayerGradientsReport | CostReport

_CLASSES = (SymmetryReport, AlignmentReport, SharpnessReport, IdenticalUnitsReport, LayerGradientsReport, CostReport)
KINDS: dict[str, type] = {cls.name: cls for cls in _CLASSES}  # REPORTS' names, in its order


def compute(
    name: str, t: Training, optimizer: Optimizer, *, batch_size: int | None = None, seed: int = 0,
    tol: float = 1e-6, bound: float = 1e6, cancel: Callable[[], bool] | None = None,
) -> Report:
    """The report ``name`` (a key of :data:`engine.scenarios.REPORTS`) of training ``t``, run by
    ``optimizer`` (the stacked racers, one member per racer) with these run options."""
    if name not in KINDS:
        raise ValueError(f"unknown report {name!r} (choose from {', '.join(KINDS)})")
    if len(optimizer.members) != len(t.names):
        raise ValueError(f"{len(t.names)} racers but {len(optimizer.members)} optimizers")
    if name == "symmetry":
        return symmetry(t)
    if name == "alignment":
        return alignment(t, optimizer, batch_size=batch_size, seed=seed, tol=tol, bound=bound, cancel=cancel)
    if name == "sharpness":
        return sharpness(t, optimizer)
    if name == "identical-units":
        return identical_units(t)
    if name == "layer-gradients":
        return layer_gradients(t)
    return cost(t, optimizer, batch_size=batch_size)


def compute_all(names: Sequence[str], t: Training, optimizer: Optimizer, **options: object) -> list[Report]:
    """:func:`compute` for each name, in order."""
    return [compute(n, t, optimizer, **options) for n in names]
