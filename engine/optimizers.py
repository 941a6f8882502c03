"""Optimizers as pure ``init``/``update`` pairs over explicit state, batched over rows.

The shape follows optax (google-deepmind/optax, ``optax/_src/base.py``): a factory validates
and closes over its hyperparameters and returns an :class:`Optimizer`; ``init(w)`` makes the
state, ``update(g, state, w, h)`` returns ``(updates, new_state)`` and the caller applies
``w <- w + updates``. Nothing is mutated.

One rule, many optimizers
-------------------------
Every optimizer here is one setting of the coefficients of a single update, applied row by
row to a batch ``w`` of shape ``(B, D)``::

    q  = w + look*p                           point where the gradient g is taken
    m  = am*m + bm*g                          first moment   (Adam; else m = g)
    v  = av*v + bv*g^2                        second moment  (Adam, RMSprop, AdaGrad; else 0)
    m^ = m/(1 - c1^t),  v^ = v/(1 - c2^t)     bias correction (Adam; else c = 0, no change)
    d  = m^/(s*sqrt(v^) + e)                  direction      (s = 1, e = eps if adaptive;
                                                              s = 0, e = 1 otherwise: d = m)
    d  = (H + damping*I)^-1 g                 on Newton rows
    p  = mu*p - alpha*d                       velocity       (mu = 0: p = -alpha*d)
    updates = p

With the neutral coefficients each line is exact in floating point (0*x + 1*g == g,
g/(0 + 1) == g, 0*p - a*d == -(a*d)), so a gd row in a mixed batch follows exactly the path it
follows alone. This is why a single trajectory, seven optimizers racing from one start and
a 256 x 256 basin map are the same code: the cost of a numpy call on a handful of numbers
dominates a step, and one call now serves every row. ``Optimizer.stack`` joins optimizers
into one whose members own consecutive rows.

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

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.validate import check_nonnegative, check_positive, check_unit_interval

Array = np.ndarray


class Coeffs(NamedTuple):
    """The coefficients of the unified rule for one optimizer (see the module docstring)."""

    alpha: float
    mu: float = 0.0
    look: float = 0.0
    am: float = 0.0
    bm: float = 1.0
    av: float = 0.0
    bv: float = 0.0
    c1: float = 0.0
    c2: float = 0.0
    s: float = 0.0
    e: float = 1.0
    newton: float = 0.0
    damping: float = 0.0


class OptState(NamedTuple):
    """Per-row optimizer state for a batch ``w`` of shape ``(B, D)``, each array column-major
    like the points (every operand of a step then shares one layout: numpy's fast path)."""

    m: Array  # first moment (Adam)
    v: Array  # second moment (Adam, RMSprop, AdaGrad)
    p: Array  # velocity (momentum, Nesterov); p starts at 0
    t: int  # steps taken


# A Hessian as the update takes it: an array (B, D, D), or a function of a row slice that
# returns the Hessian of those rows at the query point (for 2-D, its parts h_xx, h_xy, h_yy).
Hessian = Array | Callable[[slice], "Array | tuple[Array | float, Array | float, Array | float]"]


def _column_major(b: int, d: int) -> Array:
    """An empty ``(b, d)`` array in column-major order, like the simulation's points
    (``w[:, 0]`` contiguous)."""
    return np.empty((d, b)).T


class Rule:
    """The coefficients of an :class:`Optimizer` laid out for a batch of ``B`` rows.

    On a handful of rows the number of numpy calls is the whole cost of a step, so the
    coefficients are laid out once, here, in the cheapest form for the batch.
    """

    def __init__(self, coeffs: Array, dim: int) -> None:
        self.coeffs = coeffs  # (B, len(Coeffs._fields))
        self.dim = dim
        b = coeffs.shape[0]
        c = {f: coeffs[:, i] for i, f in enumerate(Coeffs._fields)}
        uniform = bool(np.all(coeffs == coeffs[0]))

        def full(col: Array) -> Array:
            # One optimizer for all rows: 0-d arrays (a Python float costs numpy a further
            # 0.2-0.5 us per call to convert; a 0-d array costs nothing, at any size).
            # A mix: arrays of the full shape and layout, made once, since numpy pays twice
            # as much per call to broadcast a (B, 1) operand on a few rows.
            if uniform:
                return np.array(col[0])
            out = _column_major(b, dim)
            out[...] = col[:, None]
            return out

        self.alpha, self.mu, self.look = full(c["alpha"]), full(c["mu"]), full(c["look"])
        self.am, self.bm, self.av, self.bv = full(c["am"]), full(c["bm"]), full(c["av"]), full(c["bv"])
        self.c1, self.c2 = full(c["c1"]), full(c["c2"])
        self.s, self.e = full(c["s"]), full(c["e"])
        self.neg_alpha = -self.alpha
        self.all_adaptive = bool(np.all(c["s"] == 1.0))  # then s*sqrt(v) is sqrt(v)
        self.has_look = bool(np.any(c["look"] != 0))
        self.has_p = bool(np.any(c["mu"] != 0))
        self.has_v = bool(np.any(c["s"] != 0))
        self.has_bias = bool(np.any((c["c1"] != 0) | (c["c2"] != 0)))
        # Newton rows as runs of consecutive rows of one member: (rows, damping)
        is_newton = c["newton"] > 0
        new_member = np.ones(b, dtype=bool)
        new_member[1:] = np.any(coeffs[1:] != coeffs[:-1], axis=1)
        starts = np.nonzero(is_newton & (new_member | ~np.r_[False, is_newton[:-1]]))[0]
        runs: list[tuple[slice, float]] = []
        for i in starts:
            j = i + 1
            ends = np.nonzero(new_member[j:] | ~is_newton[j:])[0]
            stop = int(j + ends[0]) if ends.size else b
            runs.append((slice(int(i), stop), float(c["damping"][i])))
        self.newton_runs = runs
        self.all_newton = len(runs) == 1 and runs[0][0] == slice(0, b)
        self._bias: tuple[int, Array, Array] = (0, np.empty(0), np.empty(0))

    def _tabulate_bias(self, t: int) -> tuple[int, Array, Array]:
        """``1 - beta1^s`` and ``1 - beta2^s`` for Adam's bias correction, for the 64 steps
        ``s`` from ``t`` (1 on other rows, whose ``c`` is 0): one vectorised power instead of
        four numpy calls on every step. Each slice is laid out like ``m``."""
        ts = np.arange(t, t + 64, dtype=np.float64)
        self._bias = (t, _powers(self.c1, ts), _powers(self.c2, ts))
        return self._bias

    @property
    def needs_hessian(self) -> bool:
        return bool(self.newton_runs)

    def newton_damping(self, row: int) -> float | None:
        """The damping of a Newton row, None for a row of another optimizer."""
        return next((dmp for rows, dmp in self.newton_runs if rows.start <= row < rows.stop), None)

    def take(self, rows: Array) -> Rule:
        """The rule restricted to some rows (the simulation drops finished rows)."""
        return Rule(self.coeffs[rows], self.dim)

    def init(self, w: Array) -> OptState:
        b, d = w.shape
        m, v, p = _column_major(b, d), _column_major(b, d), _column_major(b, d)
        m[...] = 0.0
        v[...] = 0.0
        p[...] = 0.0
        return OptState(m, v, p, 0)

    def query(self, state: OptState, w: Array) -> Array:
        """Where the gradient is taken: ``w``, or Nesterov's look-ahead ``w + mu*p``."""
        if self.has_look:
            return w + self.look * state.p
        return w

    def update(
        self, g: Array, state: OptState, w: Array, h: Hessian | None = None
    ) -> tuple[Array, OptState]:
        """One step of every row. ``g`` (and ``h`` for Newton rows) are taken at
        ``query(state, w)``. Returns ``(updates, new_state)``; apply as ``w + updates``."""
        t = state.t + 1
        m, v = state.m, state.v
        if self.has_v:
            # In-place arithmetic only on arrays made here (inputs are never modified), with
            # positional outputs: on a few rows each keyword costs numpy more than the sum.
            m = self.am * m
            gm = self.bm * g
            m += gm
            v = self.av * v
            np.multiply(g, g, gm)
            gm *= self.bv
            v += gm
            if self.has_bias:
                lo, t1, t2 = self._bias
                if not lo <= t < lo + len(t1):
                    lo, t1, t2 = self._tabulate_bias(t)
                mh, vh = m / t1[t - lo], v / t2[t - lo]
            else:
                mh, vh = m, v
            den = np.sqrt(vh)
            if not self.all_adaptive:
                den *= self.s
            den += self.e
            d = np.divide(mh, den, den)
        else:
            d = g
        if self.newton_runs:
            if h is None:
                raise ValueError("newton needs the Hessian: pass h to update()")
            if self.all_newton:
                d = newton_direction(_rows(h, slice(None)), g, self.newton_runs[0][1])
            else:
                if d is g:
                    d = g.copy()
                for rows, damping in self.newton_runs:
                    d[rows] = newton_direction(_rows(h, rows), g[rows], damping)
        step = self.neg_alpha * d  # -(alpha*d), exactly
        if self.has_p:
            p = self.mu * state.p
            p += step
            return p, OptState(m, v, p, t)
        return step, OptState(m, v, state.p, t)


def _powers(c: Array, ts: Array) -> Array:
    """``1 - c^t`` for each ``t`` in ``ts``, shape ``(len(ts),) + c.shape``, each slice laid
    out like ``c``."""
    if c.ndim == 0:
        return (1.0 - c ** ts).reshape(-1)
    b, d = c.shape
    out = np.empty((len(ts), d, b)).transpose(0, 2, 1)
    np.power(c[None], ts[:, None, None], out=out)
    np.subtract(1.0, out, out=out)
    return out


def _rows(h: Hessian, rows: slice):
    return h(rows) if callable(h) else h[rows]


def newton_direction(h, g: Array, damping: float) -> Array:
    """Solve ``(H + damping*I) d = g`` for each row. ``h`` is ``(n, D, D)`` or, in 2-D, the
    parts ``(h_xx, h_xy, h_yy)``. A singular system gives a non-finite ``d`` (the simulation
    reports the row as failed); nothing is raised.

    Two dimensions use Cramer's rule, a quarter of the cost of ``np.linalg.solve`` on a few
    rows: ``d = [[c, -b], [-b, a]] g / (a*c - b^2)`` with ``a = h_xx + damping``,
    ``c = h_yy + damping``, ``b = h_xy``.
    """
    if isinstance(h, np.ndarray) and h.shape[-1] == 2:
        h = (h[:, 0, 0], h[:, 0, 1], h[:, 1, 1])
    if isinstance(h, tuple):
        a, b, c = h
        if damping:
            a = a + damping
            c = c + damping
        det = a * c - b * b
        g0, g1 = g[:, 0], g[:, 1]
        d = np.empty_like(g)
        d[:, 0] = (c * g0 - b * g1) / det
        d[:, 1] = (a * g1 - b * g0) / det
        return d
    m = h + damping * np.eye(h.shape[-1])
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


@dataclass(frozen=True)
class Optimizer:
    """One or more optimizers, each a member owning a block of rows of the batch.

    ``names`` labels the members; ``members`` holds their coefficients; ``hyper`` their
    validated hyperparameters. A single-member optimizer applies to every row.
    """

    names: tuple[str, ...]
    members: tuple[Coeffs, ...]
    hyper: tuple[dict[str, float], ...]

    def rule(self, rows: int, dim: int) -> Rule:
        """Lay the coefficients out for ``rows`` rows: one member for all of them, or
        ``rows / len(members)`` consecutive rows per member."""
        k = len(self.members)
        if rows % k:
            raise ValueError(f"{rows} rows cannot be shared by {k} optimizers")
        table = np.repeat(np.array(self.members, dtype=np.float64), rows // k, axis=0)
        return Rule(table, dim)

    def init(self, w: Array) -> OptState:
        return self.rule(*w.shape).init(w)

    def query(self, state: OptState, w: Array) -> Array:
        return self.rule(*w.shape).query(state, w)

    def update(
        self, g: Array, state: OptState, w: Array, h: Hessian | None = None
    ) -> tuple[Array, OptState]:
        with np.errstate(all="ignore"):
            return self.rule(*w.shape).update(g, state, w, h)

    @staticmethod
    def stack(optimizers: list[Optimizer] | tuple[Optimizer, ...]) -> Optimizer:
        """Join optimizers into one; member i owns the i-th block of rows."""
        return Optimizer(
            tuple(n for o in optimizers for n in o.names),
            tuple(c for o in optimizers for c in o.members),
            tuple(h for o in optimizers for h in o.hyper),
        )

    def label(self, i: int = 0) -> str:
        inner = ", ".join(f"{k}={v:g}" for k, v in self.hyper[i].items())
        return f"{self.names[i]}({inner})"


def _one(name: str, coeffs: Coeffs, **hyper: float) -> Optimizer:
    return Optimizer((name,), (coeffs,), (hyper,))


def gd(alpha: float = 0.01) -> Optimizer:
    """Gradient descent: ``w <- w - alpha*g``."""
    alpha = check_positive("alpha", alpha)
    return _one("gd", Coeffs(alpha), alpha=alpha)


def momentum(alpha: float = 0.01, mu: float = 0.9) -> Optimizer:
    """Heavy ball (Polyak 1964) as the lecture writes it:
    ``p <- mu*p - alpha*g; w <- w + p``, with ``p = 0`` at the start."""
    alpha = check_positive("alpha", alpha)
    mu = check_unit_interval("mu", mu)
    return _one("momentum", Coeffs(alpha, mu=mu), alpha=alpha, mu=mu)


def nesterov(alpha: float = 0.01, mu: float = 0.9) -> Optimizer:
    """Nesterov momentum (Sutskever et al. 2013):
    ``p <- mu*p - alpha*grad(w + mu*p); w <- w + p``, with ``p = 0`` at the start."""
    alpha = check_positive("alpha", alpha)
    mu = check_unit_interval("mu", mu)
    return _one("nesterov", Coeffs(alpha, mu=mu, look=mu), alpha=alpha, mu=mu)


def adam(alpha: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam (Kingma and Ba 2015, Algorithm 1): ``m <- beta1*m + (1-beta1)*g``,
    ``v <- beta2*v + (1-beta2)*g^2``, ``m^ = m/(1-beta1^t)``, ``v^ = v/(1-beta2^t)``,
    ``w <- w - alpha*m^/(sqrt(v^) + eps)``. The first step has size alpha per coordinate."""
    alpha = check_positive("alpha", alpha)
    beta1 = check_unit_interval("beta1", beta1)
    beta2 = check_unit_interval("beta2", beta2)
    eps = check_positive("eps", eps)
    c = Coeffs(alpha, am=beta1, bm=1.0 - beta1, av=beta2, bv=1.0 - beta2, c1=beta1, c2=beta2, s=1.0, e=eps)
    return _one("adam", c, alpha=alpha, beta1=beta1, beta2=beta2, eps=eps)


def rmsprop(alpha: float = 0.01, rho: float = 0.9, eps: float = 1e-8) -> Optimizer:
    """RMSprop (Tieleman and Hinton 2012): ``v <- rho*v + (1-rho)*g^2;
    w <- w - alpha*g/(sqrt(v) + eps)``, ``v = 0`` at the start."""
    alpha = check_positive("alpha", alpha)
    rho = check_unit_interval("rho", rho)
    eps = check_positive("eps", eps)
    c = Coeffs(alpha, av=rho, bv=1.0 - rho, s=1.0, e=eps)
    return _one("rmsprop", c, alpha=alpha, rho=rho, eps=eps)


def adagrad(alpha: float = 0.1, eps: float = 1e-8) -> Optimizer:
    """AdaGrad (Duchi et al. 2011): ``G <- G + g^2; w <- w - alpha*g/(sqrt(G) + eps)``."""
    alpha = check_positive("alpha", alpha)
    eps = check_positive("eps", eps)
    c = Coeffs(alpha, av=1.0, bv=1.0, s=1.0, e=eps)
    return _one("adagrad", c, alpha=alpha, eps=eps)


def newton(alpha: float = 1.0, damping: float = 0.0) -> Optimizer:
    """Damped Newton: ``w <- w - alpha*(H + damping*I)^-1 g``. With alpha = 1 it lands on
    the minimum of a quadratic in one step; elsewhere it heads for the nearest critical point
    of any kind, saddles included (Dauphin et al. 2014)."""
    alpha = check_positive("alpha", alpha)
    damping = check_nonnegative("damping", damping)
    c = Coeffs(alpha, newton=1.0, damping=damping)
    return _one("newton", c, alpha=alpha, damping=damping)


@dataclass(frozen=True)
class HyperParam:
    """A hyperparameter as the command line and the window show it."""

    name: str
    help: str
    lo: float
    hi: float  # slider range; the engine's own check is the factory's
    log: bool = False


HYPER: dict[str, HyperParam] = {
    h.name: h
    for h in (
        HyperParam("alpha", "learning rate (> 0)", 1e-5, 10.0, log=True),
        HyperParam("mu", "momentum, in [0, 1)", 0.0, 0.999),
        HyperParam("beta1", "decay of the first moment, in [0, 1)", 0.0, 0.999),
        HyperParam("beta2", "decay of the second moment, in [0, 1)", 0.0, 0.9999),
        HyperParam("rho", "decay of the squared-gradient average, in [0, 1)", 0.0, 0.999),
        HyperParam("eps", "added to the root in the denominator (> 0)", 1e-12, 1.0, log=True),
        HyperParam("damping", "added to the Hessian's diagonal (>= 0)", 0.0, 100.0),
    )
}


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    factory: Callable[..., Optimizer]
    defaults: dict[str, float]
    description: str

    def make(self, **hyper: float) -> Optimizer:
        for k in hyper:
            if k not in self.defaults:
                raise ValueError(
                    f"{self.name} takes no {k} (it takes {', '.join(self.defaults)})"
                )
        return self.factory(**{**self.defaults, **hyper})


def _spec(factory: Callable[..., Optimizer], description: str) -> OptimizerSpec:
    import inspect

    sig = inspect.signature(factory)
    defaults = {k: p.default for k, p in sig.parameters.items()}
    return OptimizerSpec(factory.__name__, factory, defaults, description)


OPTIMIZERS: dict[str, OptimizerSpec] = {
    s.name: s
    for s in (
        _spec(gd, "gradient descent: w <- w - alpha*g"),
        _spec(momentum, "heavy ball: p <- mu*p - alpha*g; w <- w + p"),
        _spec(nesterov, "look-ahead momentum: p <- mu*p - alpha*grad(w + mu*p); w <- w + p"),
        _spec(adam, "Adam: bias-corrected moments, w <- w - alpha*m^/(sqrt(v^)+eps)"),
        _spec(rmsprop, "RMSprop: v <- rho*v + (1-rho)*g^2; w <- w - alpha*g/(sqrt(v)+eps)"),
        _spec(adagrad, "AdaGrad: G <- G + g^2; w <- w - alpha*g/(sqrt(G)+eps)"),
        _spec(newton, "damped Newton: w <- w - alpha*(H + damping*I)^-1 g"),
    )
}


def make_optimizer(name: str, **hyper: float) -> Optimizer:
    """Build an optimizer by name; unknown names and hyperparameters list the valid ones."""
    try:
        spec = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})"
        ) from None
    return spec.make(**hyper)
