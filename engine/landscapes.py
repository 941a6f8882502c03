"""Loss landscapes: analytic test functions with exact gradients and Hessians.

Every landscape works on a batch of points ``w`` of shape ``(B, D)`` and returns the loss
``(B,)``, the gradient ``(B, D)`` and the Hessian ``(B, D, D)``, all in float64 and all written
out by hand (tests compare them with central differences). The simulation stores its
points column-major, so ``w[..., 0]`` is contiguous; the formulas below work on columns to keep
the number of numpy calls per step small, which is what makes a live trajectory cheap.

Models trained on data (``engine.models``) subclass :class:`Landscape` too, so optimizers,
simulations and views never know the difference.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np

from engine.validate import Range, parse_float

Array = np.ndarray

KINDS = ("minimum", "saddle", "maximum")

# the three distinct entries (h_xx, h_xy, h_yy) of a symmetric 2 x 2 Hessian
Parts = tuple[Array | float, Array | float, Array | float]


@dataclass(frozen=True)
class Param:
    """A named numeric parameter of a landscape, with its default and allowed range.

    ``choices`` turns it into a categorical option (a name from a fixed list); ``integer``
    restricts it to whole numbers; ``text`` makes it free text (a formula), which the
    landscape itself checks when it is built.
    """

    name: str
    default: float | str
    lo: float = -math.inf
    hi: float = math.inf
    help: str = ""
    log: bool = False
    integer: bool = False
    choices: tuple[str, ...] = ()
    text: bool = False

    def check(self, value: object) -> float | str:
        if self.text:
            if not isinstance(value, str):
                raise ValueError(f"invalid {self.name}: {value!r} is not text")
            return value.strip()
        if self.choices:
            if value not in self.choices:
                raise ValueError(
                    f"invalid {self.name}: {value!r} (choose from {', '.join(self.choices)})"
                )
            return str(value)
        x = Range(self.lo, self.hi).check(self.name, value)
        if self.integer:
            if not float(x).is_integer():
                raise ValueError(f"invalid {self.name}: {x:g} (must be a whole number)")
            return int(x)
        return x

    def parse(self, text: str) -> float | str:
        """Convert command-line text to a checked value."""
        if self.choices or self.text:
            return self.check(text.strip())
        return self.check(parse_float(self.name, text))

    def describe(self) -> str:
        if self.text:
            return f"{self.name}=TEXT ({self.help})"
        if self.choices:
            return f"{self.name}={self.default} ({'|'.join(self.choices)})"
        return f"{self.name}={self.default:g} [{self.lo:g}, {self.hi:g}]"


@dataclass(frozen=True)
class CriticalPoint:
    """A point where the gradient is zero, with its kind.

    ``degenerate`` marks a point whose Hessian is singular, so that the kind comes from the
    function itself (the monkey saddle's Hessian is zero at the origin, yet it is a saddle).
    """

    point: tuple[float, ...]
    kind: str
    degenerate: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"invalid kind {self.kind!r} (choose from {', '.join(KINDS)})")


def point_kind(eigenvalues: Array, tol: float = 1e-9) -> Array:
    """Classify points by the eigenvalues of their Hessians, shape ``(..., D)``.

    Returns an array of strings (:func:`kind_of`): ``minimum`` (all eigenvalues > tol),
    ``maximum`` (all < -tol), ``saddle`` (some of each sign), ``flat`` (all within tol of zero,
    as on a plateau) and ``degenerate`` (the others: some zero, the rest of one sign, a valley
    floor or a ridge). ``tol`` is relative to the largest eigenvalue magnitude, with an absolute
    floor of ``tol`` itself.
    """
    ev = np.asarray(eigenvalues, dtype=np.float64)
    scale = np.maximum(np.max(np.abs(ev), axis=-1), 1.0)
    return kind_of(ev[..., 0], ev[..., -1], tol * scale)


def kind_of(lo: Array, hi: Array, zero: Array | float, lo_res: Array | float = 0.0, hi_res: Array | float = 0.0
            ) -> Array:
    """The kind of point whose smallest curvature is ``lo`` and largest ``hi`` (the extreme
    Hessian eigenvalues, or Ritz values with residual bounds ``lo_res``, ``hi_res``), counting
    ``|lambda| <= zero`` as zero: the one rule that every classification of a point uses.

    A Ritz value lies inside the spectrum (``lo >= lambda_min``, ``hi <= lambda_max``), so
    ``lo < -zero`` proves a direction of negative curvature and ``hi > zero`` one of positive
    curvature; "every curvature positive" needs ``lo - lo_res > zero`` (and "every one
    negative" ``hi + hi_res < -zero``). Strings: ``minimum``, ``maximum``, ``saddle`` (both
    signs), ``flat`` (no curvature beyond ``zero``: a plateau) or ``degenerate`` (some curvature
    zero, the rest of one sign: the second derivatives cannot tell a minimum from a saddle)."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    neg, pos = lo < -zero, hi > zero
    out = np.full(np.broadcast(lo, hi).shape, "degenerate", dtype=object)
    out[~neg & ~pos] = "flat"
    out[neg & pos] = "saddle"
    out[lo - lo_res > zero] = "minimum"
    out[hi + hi_res < -zero] = "maximum"
    return out


@dataclass(frozen=True)
class Curvature:
    """The Hessian at points: eigenvalues ascending ``(B, D)``, eigenvectors as columns
    ``(B, D, D)``, condition number ``|lambda|_max / |lambda|_min`` (inf when singular) and
    the kind of point (minimum, saddle, maximum, flat, degenerate)."""

    eigenvalues: Array
    eigenvectors: Array
    condition: Array
    kind: Array


def curvature(landscape: Landscape, points: Array) -> Curvature:
    """Eigen-decomposition of the analytic Hessian at ``points (B, D)``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, landscape.dim)
    with np.errstate(all="ignore"):
        h = landscape.hessian(pts)
    ok = np.all(np.isfinite(h), axis=(1, 2))
    ev = np.full(pts.shape, np.nan)
    vec = np.full((*pts.shape, landscape.dim), np.nan)
    if ok.any():
        ev[ok], vec[ok] = np.linalg.eigh(h[ok])
    a = np.abs(ev)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(np.min(a, axis=1) > 0, np.max(a, axis=1) / np.min(a, axis=1), np.inf)
    kind = np.full(pts.shape[0], "-", dtype=object)
    if ok.any():
        kind[ok] = point_kind(ev[ok])
    return Curvature(ev, vec, np.where(ok, cond, np.nan), kind)


class Landscape(ABC):
    """A differentiable loss over ``D`` parameters, vectorised over a batch of points.

    Subclasses set ``name``, ``description``, ``params`` and ``view`` and implement ``loss``,
    ``grad`` and ``hessian`` (analytic) and ``_critical_points``.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    formula: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    dim: ClassVar[int] = 2
    axis_labels: ClassVar[tuple[str, ...]] = ("x", "y")
    # Whether one evaluation costs far more than numpy's per-call overhead (a network over
    # its data): the simulation then keeps the loss and gradient its step computes at each
    # point rather than evaluating every stored point again when it judges a block.
    costly: ClassVar[bool] = False
    # False for a loss with no floor (x^2 - y^2): a run there can slide downhill forever
    bounded_below: ClassVar[bool] = True

    def __init__(self, **values: object) -> None:
        known = {p.name: p for p in self.params}
        for key in values:
            if key not in known:
                valid = ", ".join(known) or "none"
                raise ValueError(
                    f"unknown parameter {key!r} for landscape {self.name} (valid: {valid})"
                )
        self.values: dict[str, float | str] = {
            p.name: p.check(values.get(p.name, p.default)) for p in self.params
        }
        self._setup()

    def _setup(self) -> None:  # noqa: B027 - optional hook, most landscapes need nothing
        """Derive whatever the formulas need from ``self.values`` (called once)."""

    # -- the maths -------------------------------------------------------------------------
    @abstractmethod
    def loss(self, w: Array) -> Array:
        """Loss at each point: ``(..., D) -> (...)``."""

    @abstractmethod
    def grad(self, w: Array) -> Array:
        """Analytic gradient: ``(..., D) -> (..., D)``."""

    def loss_grad(self, w: Array) -> tuple[Array, Array]:
        """Loss and gradient together; landscapes whose two share work override this."""
        return self.loss(w), self.grad(w)

    # The gradient at one point of a 2-D landscape on Python floats, ``(x, y) -> (gx, gy)``,
    # or None. Each one repeats its ``grad`` operation by operation (so the numbers agree to
    # the last bit); a few rows then step without numpy's per-call cost (engine.scalar).
    grad_point: ClassVar[Callable[..., tuple[float, float]] | None] = None

    def hessian(self, w: Array) -> Array:
        """Analytic Hessian: ``(..., D) -> (..., D, D)``. Two-dimensional landscapes define
        :meth:`hessian_parts` and get this for free; others override it."""
        hxx, hxy, hyy = self.hessian_parts(w)
        h = np.empty((*w.shape, 2))
        h[..., 0, 0] = hxx
        h[..., 0, 1] = hxy
        h[..., 1, 0] = hxy
        h[..., 1, 1] = hyy
        return h

    def hessian_parts(self, w: Array) -> Parts:
        """The three distinct entries ``(h_xx, h_xy, h_yy)`` of a 2-D Hessian, each ``(...)``
        or a constant. Newton's method solves with these directly (Cramer's rule), which
        saves assembling ``(B, 2, 2)`` arrays on every step. Subclasses define this or
        :meth:`hessian` (or both)."""
        h = self.hessian(w)
        return h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.hessian is Landscape.hessian and cls.hessian_parts is Landscape.hessian_parts:
            if not getattr(cls, "__abstractmethods__", None) and "_critical_points" in cls.__dict__:
                raise TypeError(f"{cls.__name__} must define hessian or hessian_parts")

    def critical_kinds(self, theta: Array) -> Array | None:
        """The kind of critical point near each point ``theta (n, D)`` where a run stopped on a
        small gradient, for a landscape that tells it by its own means (a network:
        :func:`engine.network.curvature.critical_points`), as :func:`kind_of`'s strings or
        ``"far"`` (no critical point near); None (the default): the verdicts judge from the
        eigenvalues of the analytic Hessian there."""
        return None

    @abstractmethod
    def _critical_points(self) -> list[CriticalPoint]:
        """Known critical points; refined to machine precision by :meth:`critical_points`."""

    # -- derived ---------------------------------------------------------------------------
    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        """Default view box, one ``(lo, hi)`` per dimension."""
        return ((-2.0, 2.0),) * self.dim

    @property
    def default_start(self) -> tuple[float, ...]:
        """Where a run starts when nobody chose a start: the one definition the window, the
        command line and the scenarios share. Each landscape picks a point that shows its
        character (the default: a fifth of the way into the view box along each axis)."""
        return tuple(lo + 0.2 * (hi - lo) for lo, hi in self.view)

    @cached_property
    def critical_points(self) -> tuple[CriticalPoint, ...]:
        """The known critical points, each polished by Newton's method on the analytic
        gradient so that listed coordinates are exact to rounding."""
        return tuple(
            CriticalPoint(tuple(float(c) for c in self._polish(cp.point)), cp.kind, cp.degenerate)
            for cp in self._critical_points()
        )

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        """The known minima, in the order the basin map numbers them."""
        return tuple(cp for cp in self.critical_points if cp.kind == "minimum")

    @cached_property
    def lowest_minimum(self) -> float | None:
        """The loss at the lowest known minimum, None when no minimum is known (a saddle
        that falls without end). The one owner of this number: the training curves plot the
        loss above it, the sweep its gap to it, and a verdict calls a minimum local when its
        loss lies clearly above it."""
        pts = [cp.point for cp in self.minima]
        if not pts:
            return None
        with np.errstate(all="ignore"):
            return float(np.min(self.loss(np.array(pts, dtype=np.float64).reshape(-1, self.dim))))

    def _polish(self, point: tuple[float, ...]) -> Array:
        w = np.array([point], dtype=np.float64)
        for _ in range(8):
            h = self.hessian(w)[0]
            g = self.grad(w)[0]
            if not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) < 1e-12:
                break  # degenerate point: keep the exact coordinates given
            step = np.linalg.solve(h, g)
            w = w - step
            if np.max(np.abs(step)) < 1e-15:
                break
        return w[0]

    def label(self) -> str:
        if not self.params:
            return self.name
        inner = ", ".join(
            f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in self.values.items()
        )
        return f"{self.name}({inner})"

    def __repr__(self) -> str:
        return f"<Landscape {self.label()}>"


_1, _2, _200 = np.array(1.0), np.array(2.0), np.array(200.0)


def _cols(w: Array) -> tuple[Array, Array]:
    return w[..., 0], w[..., 1]


class Quadratic(Landscape):
    """f = (u^2 + kappa*v^2)/2, (u, v) = (x, y) rotated by ``angle`` degrees.

    u = cos(a)*x + sin(a)*y, v = -sin(a)*x + cos(a)*y. The Hessian is R^T diag(1, kappa) R, so
    its eigenvalues are 1 and kappa and its condition number is max(kappa, 1/kappa): the
    textbook ravine (e.g. Goodfellow, Bengio and Courville 2016, section 8.2.1 and 4.3.1).
    """

    name = "quadratic"
    description = "convex bowl with curvatures 1 and kappa: one basin, a ravine when kappa >> 1"
    formula = "(u^2 + kappa*v^2)/2, (u, v) = (x, y) rotated by angle"
    params = (
        Param("kappa", 10.0, 1e-3, 1e4, "curvature along v (condition number)", log=True),
        Param("angle", 0.0, -180.0, 180.0, "rotation of the axes in degrees"),
    )

    def _setup(self) -> None:
        a = math.radians(self.values["angle"])
        self.c, self.s, self.kappa = math.cos(a), math.sin(a), self.values["kappa"]
        c, s, k = self.c, self.s, self.kappa
        self._h = np.array([[c * c + k * s * s, c * s * (1 - k)], [c * s * (1 - k), s * s + k * c * c]])

    @property
    def eigenvalues(self) -> tuple[float, float]:
        return tuple(sorted((1.0, self.kappa)))

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-2.0, 2.0), (-2.0, 2.0))

    @property
    def default_start(self) -> tuple[float, ...]:
        return (-1.8, 1.0)

    def loss(self, w: Array) -> Array:
        x, y = _cols(w)
        u = self.c * x + self.s * y
        v = self.c * y - self.s * x
        return 0.5 * (u * u + self.kappa * (v * v))

    def grad(self, w: Array) -> Array:
        x, y = _cols(w)
        u = self.c * x + self.s * y
        kv = self.kappa * (self.c * y - self.s * x)
        g = np.empty_like(w)
        g[..., 0] = self.c * u - self.s * kv
        g[..., 1] = self.s * u + self.c * kv
        return g

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        c, s = self.c, self.s
        u = c * x + s * y
        kv = self.kappa * (c * y - s * x)
        return c * u - s * kv, s * u + c * kv

    def hessian_parts(self, w: Array) -> Parts:
        return self._h[0, 0], self._h[0, 1], self._h[1, 1]

    def _critical_points(self) -> list[CriticalPoint]:
        return [CriticalPoint((0.0, 0.0), "minimum")]


class Rosenbrock(Landscape):
    """f = (1-x)^2 + 100*(y-x^2)^2 (Rosenbrock 1960), minimum 0 at (1, 1).

    grad = (-2(1-x) - 400x(y-x^2), 200(y-x^2));
    H = [[2 - 400y + 1200x^2, -400x], [-400x, 200]].
    """

    name = "rosenbrock"
    description = "curved banana-shaped valley: easy to find, slow to follow to (1, 1)"
    formula = "(1-x)^2 + 100*(y-x^2)^2"

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-2.0, 2.0), (-1.0, 3.0))

    @property
    def default_start(self) -> tuple[float, ...]:
        return (-1.5, 2.0)

    def loss(self, w: Array) -> Array:
        x, y = _cols(w)
        r = y - x * x
        u = 1.0 - x
        # u*u, not u**2: numpy squares arrays exactly but raises a single point's scalar to
        # the power 2 with libm's pow, a last bit away
        return u * u + 100.0 * (r * r)

    def grad(self, w: Array) -> Array:
        # The hot path of a live trajectory, so written for the fewest, cheapest numpy calls:
        # 0-d array constants and positional outputs (a Python float operand or an out=
        # keyword costs numpy more than the arithmetic on a few points).
        if w.ndim == 1:  # one point (D,): its columns would be numpy scalars, not arrays
            return self.grad(w[None])[0]
        x, y = w[..., 0], w[..., 1]
        g = np.empty_like(w)
        gx, gy = g[..., 0], g[..., 1]
        r = x * x
        np.subtract(y, r, r)  # r = y - x^2
        np.multiply(r, _200, gy)  # 200 r
        # -2(1-x) - 400 x r  ==  2 (x (1 - 200 r) - 1)
        np.subtract(_1, gy, gx)
        gx *= x
        gx -= _1
        gx *= _2
        return g

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        gy = (y - x * x) * 200.0
        return ((1.0 - gy) * x - 1.0) * 2.0, gy

    def hessian_parts(self, w: Array) -> Parts:
        x, y = _cols(w)
        return (2.0 - 400.0 * y + 1200.0 * x * x, -400.0 * x, 200.0)

    def _critical_points(self) -> list[CriticalPoint]:
        return [CriticalPoint((1.0, 1.0), "minimum")]


class Himmelblau(Landscape):
    """f = (x^2+y-11)^2 + (x+y^2-7)^2 (Himmelblau 1972): four minima of value 0.

    With a = x^2+y-11, b = x+y^2-7: grad = (4xa + 2b, 2a + 4yb);
    H = [[12x^2 + 4y - 42, 4(x+y)], [4(x+y), 4x + 12y^2 - 26]].
    """

    name = "himmelblau"
    description = "four equal minima, four saddles and a maximum: four basins of attraction"
    formula = "(x^2+y-11)^2 + (x+y^2-7)^2"

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-6.0, 6.0), (-6.0, 6.0))

    @property
    def default_start(self) -> tuple[float, ...]:
        # above the saddle at (0.09, 2.88), left of the ridge between two basins: the racers
        # end in the minimum at (-2.81, 3.13); a start right of x = 0.3 or so ends in (3, 2)
        return (-0.5, 4.8)

    def loss(self, w: Array) -> Array:
        return self.loss_grad(w)[0]

    def grad(self, w: Array) -> Array:
        return self._grad(w)[0]

    def loss_grad(self, w: Array) -> tuple[Array, Array]:
        g, a, b = self._grad(w)
        a *= a
        b *= b
        a += b
        return a, g

    def _grad(self, w: Array) -> tuple[Array, Array, Array]:
        # in place: on a large batch each temporary array costs as much as the arithmetic
        x, y = _cols(w)
        a = x * x
        a += y
        a -= 11.0  # a = x^2 + y - 11
        b = y * y
        b += x
        b -= 7.0  # b = x + y^2 - 7
        g = np.empty_like(w)
        gx, gy = g[..., 0], g[..., 1]
        np.multiply(x, a, out=gx)
        gx *= 2.0
        gx += b
        gx *= 2.0  # 4xa + 2b
        np.multiply(y, b, out=gy)
        gy *= 2.0
        gy += a
        gy *= 2.0  # 4yb + 2a
        return g, a, b

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        a = x * x + y - 11.0
        b = y * y + x - 7.0
        return (x * a * 2.0 + b) * 2.0, (y * b * 2.0 + a) * 2.0

    def hessian_parts(self, w: Array) -> Parts:
        x, y = _cols(w)
        return (12.0 * x * x + 4.0 * y - 42.0, 4.0 * (x + y), 4.0 * x + 12.0 * y * y - 26.0)

    def _critical_points(self) -> list[CriticalPoint]:
        return [
            CriticalPoint((3.0, 2.0), "minimum"),
            CriticalPoint((-2.805118, 3.131312), "minimum"),
            CriticalPoint((-3.779310, -3.283186), "minimum"),
            CriticalPoint((3.584428, -1.848126), "minimum"),
            CriticalPoint((-0.270845, -0.923039), "maximum"),
            CriticalPoint((0.086678, 2.884255), "saddle"),
            CriticalPoint((-3.073026, -0.081353), "saddle"),
            CriticalPoint((3.385154, 0.073852), "saddle"),
            CriticalPoint((-0.127961, -1.953715), "saddle"),
        ]


class Saddle(Landscape):
    """f = x^2 - y^2: the simplest saddle. grad = (2x, -2y); H = diag(2, -2).

    At the origin the gradient is exactly zero; gradient descent started there never moves,
    started a hair off the x axis it leaves along y.
    """

    name = "saddle"
    description = "a saddle at the origin: zero gradient, yet not a minimum"
    formula = "x^2 - y^2"
    bounded_below = False

    @property
    def default_start(self) -> tuple[float, ...]:
        return (-1.8, 0.02)

    def loss(self, w: Array) -> Array:
        x, y = _cols(w)
        return x * x - y * y

    def grad(self, w: Array) -> Array:
        g = np.empty_like(w)
        np.multiply(w[..., 0], 2.0, out=g[..., 0])
        np.multiply(w[..., 1], -2.0, out=g[..., 1])
        return g

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        return x * 2.0, y * -2.0

    def hessian_parts(self, w: Array) -> Parts:
        return (2.0, 0.0, -2.0)

    def _critical_points(self) -> list[CriticalPoint]:
        return [CriticalPoint((0.0, 0.0), "saddle")]


class MonkeySaddle(Landscape):
    """f = x^3 - 3xy^2: a saddle with three descending valleys.

    grad = (3x^2 - 3y^2, -6xy); H = [[6x, -6y], [-6y, -6x]], which is zero at the origin:
    a critical point the Hessian cannot classify (second-order methods see nothing there).
    """

    name = "monkey-saddle"
    description = "degenerate saddle: gradient and Hessian both vanish at the origin"
    formula = "x^3 - 3*x*y^2"
    bounded_below = False

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-1.5, 1.5), (-1.5, 1.5))

    @property
    def default_start(self) -> tuple[float, ...]:
        # near the ridge y = 0, along which descent runs towards the saddle at the origin,
        # then leaves it down one of the three valleys
        return (1.2, 0.05)

    def loss(self, w: Array) -> Array:
        x, y = _cols(w)
        return x * (x * x - 3.0 * (y * y))

    def grad(self, w: Array) -> Array:
        x, y = _cols(w)
        g = np.empty_like(w)
        g[..., 0] = 3.0 * (x * x - y * y)
        g[..., 1] = -6.0 * x * y
        return g

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        return 3.0 * (x * x - y * y), -6.0 * x * y

    def hessian_parts(self, w: Array) -> Parts:
        x, y = _cols(w)
        return (6.0 * x, -6.0 * y, -6.0 * x)

    def _critical_points(self) -> list[CriticalPoint]:
        return [CriticalPoint((0.0, 0.0), "saddle", degenerate=True)]


def _roots_1d(f, df, lo: float, hi: float, n: int = 4001) -> list[float]:
    """All simple roots of a smooth 1-D function in [lo, hi]: sign changes on a fine grid,
    polished by Newton's method on the analytic derivative."""
    xs = np.linspace(lo, hi, n)
    fs = f(xs)
    roots = []
    for i in np.nonzero(np.sign(fs[:-1]) * np.sign(fs[1:]) <= 0)[0]:
        a, b = xs[i], xs[i + 1]
        x = a if fs[i] == 0 else b if fs[i + 1] == 0 else (a + b) / 2
        for _ in range(60):
            # bisection-safeguarded Newton step
            d = df(np.array([x]))[0]
            fx = f(np.array([x]))[0]
            nx = x - fx / d if d != 0 else (a + b) / 2
            if not a <= nx <= b:
                nx = (a + b) / 2
            if np.sign(f(np.array([nx]))[0]) == np.sign(f(np.array([a]))[0]):
                a = nx
            else:
                b = nx
            if abs(nx - x) < 1e-15:
                x = nx
                break
            x = nx
        if not roots or abs(x - roots[-1]) > 1e-9:
            roots.append(float(x))
    return roots


class Rastrigin(Landscape):
    """f = 2A + sum_i (x_i^2 - A*cos(2*pi*x_i)) (Rastrigin 1974, 2-D).

    grad_i = 2x_i + 2*pi*A*sin(2*pi*x_i); H = diag(2 + 4*pi^2*A*cos(2*pi*x_i)).
    Separable, so its critical points are products of the 1-D ones: near each integer a 1-D
    minimum, near each half-integer a 1-D maximum; min x min is a minimum, max x max a maximum,
    the mixed ones saddles. They are found as roots of the analytic 1-D gradient.
    """

    name = "rastrigin"
    description = "egg-box of many local minima around one global minimum at the origin"
    formula = "2A + sum(x_i^2 - A*cos(2*pi*x_i))"
    params = (Param("A", 10.0, 0.0, 50.0, "height of the ripples"),)

    def _setup(self) -> None:
        self.A = self.values["A"]

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-2.5, 2.5), (-2.5, 2.5))

    @property
    def default_start(self) -> tuple[float, ...]:
        # among the outer ripples: a racer settles in the local minimum nearest it, far from
        # the global one at the origin
        return (-1.8, 2.2)

    def loss(self, w: Array) -> Array:
        return 2.0 * self.A + np.sum(w * w - self.A * np.cos(2.0 * np.pi * w), axis=-1)

    def grad(self, w: Array) -> Array:
        return 2.0 * w + (2.0 * np.pi * self.A) * np.sin(2.0 * np.pi * w)

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        k = 2.0 * math.pi
        ka = k * self.A
        return 2.0 * x + ka * math.sin(k * x), 2.0 * y + ka * math.sin(k * y)

    def hessian_parts(self, w: Array) -> Parts:
        d = 2.0 + (4.0 * np.pi**2 * self.A) * np.cos(2.0 * np.pi * w)
        return (d[..., 0], 0.0, d[..., 1])

    def _critical_points(self) -> list[CriticalPoint]:
        a = self.A
        lo, hi = self.view[0]
        roots = _roots_1d(
            lambda x: 2 * x + 2 * np.pi * a * np.sin(2 * np.pi * x),
            lambda x: 2 + 4 * np.pi**2 * a * np.cos(2 * np.pi * x),
            lo + 1e-3,
            hi - 1e-3,
        )
        curv = {r: 2 + 4 * np.pi**2 * a * math.cos(2 * math.pi * r) for r in roots}
        mins = sorted((r for r in roots if curv[r] > 0), key=abs)
        maxs = sorted((r for r in roots if curv[r] < 0), key=abs)
        out = [CriticalPoint((x, y), "minimum") for x in mins for y in mins]
        out.sort(key=lambda cp: (cp.point[0] ** 2 + cp.point[1] ** 2, cp.point))
        out += [CriticalPoint((x, y), "saddle") for x in mins for y in maxs]
        out += [CriticalPoint((x, y), "saddle") for x in maxs for y in mins]
        out += [CriticalPoint((x, y), "maximum") for x in maxs for y in maxs]
        return out


_BEALE_C = (1.5, 2.25, 2.625)


class Beale(Landscape):
    """f = sum_{i=1..3} (c_i - x + x*y^i)^2, c = (1.5, 2.25, 2.625) (Beale 1958).

    With r_i = c_i - x + x y^i: dr_i/dx = y^i - 1, dr_i/dy = i x y^(i-1), so
    grad = 2 sum r_i (dr_i/dx, dr_i/dy) and
    H = 2 sum [J_i^T J_i + r_i * d2r_i], d2r_i = [[0, i y^(i-1)], [i y^(i-1), i(i-1) x y^(i-2)]].
    Minimum 0 at (3, 0.5); sharp ridges and flat arms around it.
    """

    name = "beale"
    description = "flat arms and sharp ridges around one minimum at (3, 0.5)"
    formula = "(1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2"

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-4.5, 4.5), (-4.5, 4.5))

    @property
    def default_start(self) -> tuple[float, ...]:
        return (1.0, 1.6)

    def loss(self, w: Array) -> Array:
        x, y = _cols(w)
        out = np.zeros(w.shape[:-1])
        yi = np.ones_like(y)
        for c in _BEALE_C:
            yi = yi * y
            r = c - x + x * yi
            out += r * r
        return out

    def grad(self, w: Array) -> Array:
        x, y = _cols(w)
        g = np.zeros_like(w)
        yprev = np.ones_like(y)  # y^(i-1)
        for i, c in enumerate(_BEALE_C, start=1):
            yi = yprev * y
            r2 = 2.0 * (c - x + x * yi)
            g[..., 0] += r2 * (yi - 1.0)
            g[..., 1] += r2 * (i * x * yprev)
            yprev = yi
        return g

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        gx = gy = 0.0
        yprev = 1.0
        for i, c in enumerate(_BEALE_C, start=1):
            yi = yprev * y
            r2 = 2.0 * (c - x + x * yi)
            gx += r2 * (yi - 1.0)
            gy += r2 * (i * x * yprev)
            yprev = yi
        return gx, gy

    def hessian_parts(self, w: Array) -> Parts:
        x, y = _cols(w)
        hxx = np.zeros_like(x)
        hxy = np.zeros_like(x)
        hyy = np.zeros_like(x)
        ypp = np.zeros_like(y)  # y^(i-2), zero for i = 1
        yprev = np.ones_like(y)
        for i, c in enumerate(_BEALE_C, start=1):
            yi = yprev * y
            r = c - x + x * yi
            jx, jy = yi - 1.0, i * x * yprev
            hxx += 2.0 * jx * jx
            hxy += 2.0 * (jx * jy + r * i * yprev)
            hyy += 2.0 * (jy * jy + r * i * (i - 1) * x * ypp)
            ypp, yprev = yprev, yi
        return (hxx, hxy, hyy)

    def _critical_points(self) -> list[CriticalPoint]:
        return [
            CriticalPoint((3.0, 0.5), "minimum"),
            CriticalPoint((0.0, 1.0), "saddle"),
            CriticalPoint((0.1005379, -2.6445136), "saddle"),
        ]


class SixHumpCamel(Landscape):
    """f = (4 - 2.1x^2 + x^4/3)x^2 + xy + (-4 + 4y^2)y^2 (Dixon and Szego 1978).

    grad = (8x - 8.4x^3 + 2x^5 + y, x - 8y + 16y^3);
    H = [[8 - 25.2x^2 + 10x^4, 1], [1, -8 + 48y^2]].
    Six minima (two global, value -1.0316) and the saddles between them.
    """

    name = "six-hump-camel"
    description = "six minima of three different depths: which one you reach depends on the start"
    formula = "(4-2.1x^2+x^4/3)x^2 + xy + (4y^2-4)y^2"

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-2.2, 2.2), (-1.2, 1.2))

    @property
    def default_start(self) -> tuple[float, ...]:
        # on the outer slope above the local minimum at (-1.70, 0.80): the racers settle there,
        # away from the two global minima near (0.09, -0.71) and (-0.09, 0.71)
        return (-2.0, 1.0)

    def loss(self, w: Array) -> Array:
        x, y = _cols(w)
        x2, y2 = x * x, y * y
        return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2

    def grad(self, w: Array) -> Array:
        x, y = _cols(w)
        x2 = x * x
        g = np.empty_like(w)
        g[..., 0] = x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y
        g[..., 1] = x + y * (16.0 * y * y - 8.0)
        return g

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        x2 = x * x
        return x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (16.0 * y * y - 8.0)

    def hessian_parts(self, w: Array) -> Parts:
        x, y = _cols(w)
        x2 = x * x
        return (8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, 48.0 * y * y - 8.0)

    def _critical_points(self) -> list[CriticalPoint]:
        pts = [
            ((0.0898420, -0.7126564), "minimum"),
            ((-0.0898420, 0.7126564), "minimum"),
            ((-1.7036071, 0.7960836), "minimum"),
            ((1.7036071, -0.7960836), "minimum"),
            ((1.6071047, 0.5686514), "minimum"),
            ((-1.6071047, -0.5686514), "minimum"),
        ]
        return [CriticalPoint(p, k) for p, k in pts + _CAMEL_OTHERS]


# Saddles and maxima of the six-hump camel, located once by Newton's method from a 60 x 60
# grid of starts over the view box and classified by their Hessians (tests re-check both).
_CAMEL_OTHERS: list[tuple[tuple[float, float], str]] = [
    ((0.0, 0.0), "saddle"),
    ((1.1092053, -0.7682681), "saddle"),
    ((-1.1092053, 0.7682681), "saddle"),
    ((1.2960703, 0.6050844), "saddle"),
    ((-1.2960703, -0.6050844), "saddle"),
    ((1.638068, 0.2286741), "saddle"),
    ((-1.638068, -0.2286741), "saddle"),
    ((1.2302299, 0.1623346), "maximum"),
    ((-1.2302299, -0.1623346), "maximum"),
]


class DoubleWell(Landscape):
    """f = (x^2 - 1)^2 + y^2 + tilt*x: two valleys, one of them lower when tilt != 0.

    grad = (4x^3 - 4x + tilt, 2y); H = diag(12x^2 - 4, 2). The critical points lie on y = 0
    at the real roots of 4x^3 - 4x + tilt (three while |tilt| < 8/(3*sqrt(3))): the outer two
    are minima, the middle one a saddle that separates the two basins.
    """

    name = "double-well"
    description = "two minima, one deeper when tilted: a local minimum and its basin"
    formula = "(x^2-1)^2 + y^2 + tilt*x"
    params = (Param("tilt", 0.3, -1.5, 1.5, "how much deeper the left well is"),)

    def _setup(self) -> None:
        self.tilt = self.values["tilt"]

    @property
    def default_start(self) -> tuple[float, ...]:
        # above the saddle at (0.08, 0), on the side of the shallower well: the racers settle
        # at (0.96, 0), not in the deeper well at (-1.04, 0)
        return (0.2, 1.5)

    def loss(self, w: Array) -> Array:
        x, y = _cols(w)
        q = x * x - 1.0
        return q * q + y * y + self.tilt * x

    def grad(self, w: Array) -> Array:
        x, y = _cols(w)
        g = np.empty_like(w)
        g[..., 0] = 4.0 * x * (x * x - 1.0) + self.tilt
        np.multiply(y, 2.0, out=g[..., 1])
        return g

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        return 4.0 * x * (x * x - 1.0) + self.tilt, y * 2.0

    def hessian_parts(self, w: Array) -> Parts:
        x, _ = _cols(w)
        return (12.0 * x * x - 4.0, 0.0, 2.0)

    def _critical_points(self) -> list[CriticalPoint]:
        roots = np.roots([4.0, 0.0, -4.0, self.tilt])
        xs = sorted(float(r.real) for r in roots if abs(r.imag) < 1e-9)
        out = []
        for x in xs:
            kind = "minimum" if 12 * x * x - 4 > 0 else "saddle"
            out.append(CriticalPoint((x, 0.0), kind))
        out.sort(key=lambda cp: KINDS.index(cp.kind))
        return out


LANDSCAPES: dict[str, type[Landscape]] = {
    cls.name: cls
    for cls in (
        Quadratic,
        Rosenbrock,
        Himmelblau,
        Saddle,
        MonkeySaddle,
        Rastrigin,
        Beale,
        SixHumpCamel,
        DoubleWell,
    )
}


def register(cls: type[Landscape]) -> type[Landscape]:
    """Add a landscape (or data model) class to the registry, by its ``name``."""
    if cls.name in LANDSCAPES and LANDSCAPES[cls.name] is not cls:
        raise ValueError(f"landscape name {cls.name!r} is taken")
    LANDSCAPES[cls.name] = cls
    return cls


def make_landscape(name: str, **values: object) -> Landscape:
    """Build a landscape by its command-line name; unknown names list the valid ones."""
    try:
        cls = LANDSCAPES[name]
    except KeyError:
        raise ValueError(
            f"unknown landscape {name!r} (choose from {', '.join(LANDSCAPES)})"
        ) from None
    return cls(**values)
