"""Data models: small models trained on generated data, seen as two-parameter landscapes.

Each model is a :class:`~engine.landscapes.Landscape` whose loss is the mean training loss of a
tiny model over a fixed data set, as a function of its two trainable parameters; everything
else (other weights, a bias, hidden layers) is held fixed and said so in ``description``. The
optimizers, simulations and views use them exactly as they use the analytic landscapes.

Data
----
Every model draws its data with ``numpy.random.default_rng(seed)`` for a fixed ``seed``, then
shuffles it and splits it 80/20 into ``train`` and ``validation`` (:class:`Dataset`). ``loss``
is the full-batch mean training loss, ``validation_loss`` the same mean over the validation
split, and ``batch_grad(w, idx)`` the gradient of the mean loss over the training examples
``idx`` (a mini-batch; with every index it equals ``grad``).

Critical points are never copied from a run of the random generator: each is computed from the
data, by the normal equations (the quadratic models) or by Newton's method from a point that
theory names (the origin, the teacher's weights, their mirror image, the diagonal), so they
stay right if the data change. A test searches the view box for any that are not listed.

Shapes and speed
----------------
All functions take points of shape ``(..., 2)`` and return float64 ``(...)``, ``(..., 2)`` and
``(..., 2, 2)``. Inside, points are flattened to ``(M, 2)`` and the models that are not
quadratic compute ``(M, N)`` arrays (points x training examples) with matrix products for the
sums over data, in chunks of at most ``_CHUNK`` entries so that the temporaries stay in cache.
Linear regression and the hidden-features model are quadratics in their parameters: their
loss is a 2 x 2 quadratic form fitted once, and costs nothing per example.

Numerical care: the logistic function and softplus are computed from ``e = exp(-|z|)``, which
never overflows: ``sigma(z) = 1/(1+e)`` for ``z >= 0`` and ``e/(1+e)`` otherwise,
``sigma'(z) = e/(1+e)^2``, ``softplus(z) = max(z, 0) + log1p(e)``. This is accurate for every
``z`` (no ``1 - sigma`` cancellation), so weights of 1e3 and beyond give no warnings.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from engine.landscapes import LANDSCAPES, CriticalPoint, Landscape, Param, Parts, register

Array = np.ndarray

TRAIN_FRACTION = 0.8

# Entries of a (points x examples) temporary per chunk: 2^15 float64 = 256 KB, so the dozen
# temporaries of a loss-and-gradient evaluation stay in cache. Measured on 65536 points x 160
# examples (2 cores): 2^15 was fastest with and without engine._malloc's tuning; 2^16 ran
# twice as slow without it, whole-batch arrays (no chunks) two to four times as slow.
_CHUNK = 1 << 15


@dataclass(frozen=True, eq=False)
class Dataset:
    """One split of a data set: inputs ``x`` of shape ``(n, d)`` and targets ``y`` ``(n,)``."""

    x: Array
    y: Array

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def take(self, idx: Array) -> Dataset:
        """The examples ``idx`` (a mini-batch)."""
        return Dataset(self.x[idx], self.y[idx])


def split(
    x: Array, y: Array, rng: np.random.Generator, frac: float = TRAIN_FRACTION
) -> tuple[Dataset, Dataset]:
    """Shuffle and split into ``(train, validation)``, ``frac`` of the examples for training."""
    perm = rng.permutation(y.shape[0])
    k = round(frac * y.shape[0])
    tr, va = np.sort(perm[:k]), np.sort(perm[k:])
    return Dataset(x[tr], y[tr]), Dataset(x[va], y[va])


def _logistic(z: Array) -> tuple[Array, Array, Array]:
    """``(sigma(z), sigma'(z), e)`` with ``e = exp(-|z|)``, overflow-free (module docstring)."""
    e = np.exp(-np.abs(z))
    inv = 1.0 / (1.0 + e)
    s = np.where(z >= 0.0, inv, e * inv)
    ds = e * inv * inv
    return s, ds, e


def _softplus(z: Array, e: Array) -> Array:
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``, given ``e = exp(-|z|)``."""
    return np.maximum(z, 0.0) + np.log1p(e)


class DataModel(Landscape):
    """A landscape whose loss is a model's mean loss over generated training data.

    Subclasses generate the data (``_generate``), may derive what they need from the splits
    (``_prepare``) and define the per-example maths on flat points ``(M, 2)`` and a
    :class:`Dataset`: ``_loss``, ``_loss_grad`` and ``_hessian``. The public methods apply them
    to any leading shape, in chunks, on the training split (``loss``, ``grad``, ``hessian``),
    on the validation split (``validation_loss``) or on a mini-batch (``batch_grad``).
    """

    seed: ClassVar[int] = 0
    n_data: ClassVar[int] = 200

    train: Dataset
    validation: Dataset

    def _setup(self) -> None:
        rng = np.random.default_rng(self.seed)
        x, y = self._generate(rng)
        self.train, self.validation = split(x, y, rng)
        self._prepare()

    @abstractmethod
    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        """All ``n_data`` examples, before the split: ``x (n, d)``, ``y (n,)``."""

    def _prepare(self) -> None:
        """Derive whatever the formulas need from ``train`` and ``validation``."""

    # -- per-example maths on flat points (M, 2) -------------------------------------------
    @abstractmethod
    def _loss(self, w: Array, data: Dataset) -> Array:
        """Mean loss over ``data`` at each of the points ``w (M, 2)``: ``(M,)``."""

    @abstractmethod
    def _loss_grad(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        """Mean loss ``(M,)`` and its gradient ``(M, 2)`` over ``data``."""

    @abstractmethod
    def _hessian(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        """The Hessian's entries ``(h_11, h_12, h_22)``, each ``(M,)``, over ``data``."""

    def _grad(self, w: Array, data: Dataset) -> Array:
        """The gradient alone (each optimizer step needs only this); models whose loss costs
        extra work on top of the gradient override it."""
        return self._loss_grad(w, data)[1]

    # -- applying them to any leading shape ------------------------------------------------
    def _apply(
        self, fn: Callable[[Array, Dataset], tuple[Array, ...]], w: Array, data: Dataset
    ) -> tuple[Array, ...]:
        w = np.asarray(w, dtype=np.float64)
        if w.shape[-1:] != (2,):
            raise ValueError(f"points must have shape (..., 2), got {w.shape}")
        lead = w.shape[:-1]
        flat = w.reshape(-1, 2)
        m = flat.shape[0]
        rows = max(1, _CHUNK // max(len(data), 1))
        if m <= rows:
            out = fn(flat, data)
        else:
            parts = [fn(flat[i : i + rows], data) for i in range(0, m, rows)]
            out = tuple(np.concatenate(p) for p in zip(*parts, strict=True))
        return tuple(a.reshape(lead + a.shape[1:]) for a in out)

    def loss(self, w: Array) -> Array:
        """Mean training loss (full batch): ``(..., 2) -> (...)``."""
        return self._apply(lambda p, d: (self._loss(p, d),), w, self.train)[0]

    def grad(self, w: Array) -> Array:
        """Gradient of the mean training loss: ``(..., 2) -> (..., 2)``."""
        return self._apply(lambda p, d: (self._grad(p, d),), w, self.train)[0]

    def loss_grad(self, w: Array) -> tuple[Array, Array]:
        loss, g = self._apply(self._loss_grad, w, self.train)
        return loss, g

    def hessian_parts(self, w: Array) -> Parts:
        return self._apply(self._hessian, w, self.train)

    def validation_loss(self, w: Array) -> Array:
        """Mean loss over the validation split: ``(..., 2) -> (...)``."""
        return self._apply(lambda p, d: (self._loss(p, d),), w, self.validation)[0]

    def batch_grad(self, w: Array, idx: Array) -> Array:
        """Gradient of the mean loss over the training examples ``idx`` (a mini-batch):
        ``(..., 2) -> (..., 2)``. With every index it equals :meth:`grad`."""
        return self._apply(lambda p, d: (self._grad(p, d),), w, self._batch(idx))[0]

    def _batch(self, idx: Array) -> Dataset:
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0:
            raise ValueError("a mini-batch needs a non-empty 1-D array of training indices")
        if not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"mini-batch indices must be integers, got {idx.dtype}")
        n = len(self.train)
        if idx.min() < 0 or idx.max() >= n:
            raise ValueError(f"mini-batch indices must be in [0, {n})")
        return self.train.take(idx)

    # -- helpers ---------------------------------------------------------------------------

    @property
    def n_train(self) -> int:
        """Number of training examples (mini-batch indices run over ``range(n_train)``)."""
        return len(self.train)

    def _newton(self, start: tuple[float, float], iters: int = 100) -> tuple[float, float]:
        """A critical point near ``start``: Newton's method on the analytic gradient, each step
        halved until the gradient norm falls (so it does not shoot off across a plateau)."""
        w = np.array(start, dtype=np.float64)
        g = self.grad(w)
        for _ in range(iters):
            gn = float(np.hypot(*g))
            if gn < 1e-13:
                break
            step = np.linalg.solve(self.hessian(w), g)
            t = 1.0
            while t > 1e-6:
                new = w - t * step
                g_new = self.grad(new)
                if float(np.hypot(*g_new)) < gn:
                    break
                t *= 0.5
            else:
                break
            w, g = new, g_new
        return float(w[0]), float(w[1])

    @staticmethod
    def _box_around(points: list[tuple[float, float]], margin: float) -> tuple[tuple[float, float], ...]:
        """A square view box holding ``points`` with at least ``margin`` around them."""
        p = np.array(points, dtype=np.float64)
        lo, hi = p.min(axis=0) - margin, p.max(axis=0) + margin
        c, half = (lo + hi) / 2, float(np.max(hi - lo)) / 2
        lo, hi = c - half, c + half
        return tuple((round(float(a), 2), round(float(b), 2)) for a, b in zip(lo, hi, strict=True))


@dataclass(frozen=True)
class QuadraticFit:
    """``L(w) = mean((y - phi.w)^2)/2 = L* + (w - w*)^T A (w - w*)/2`` for a design ``phi``.

    ``A = phi^T phi / n`` (the constant Hessian), ``w* = A^-1 phi^T y / n`` (the normal
    equations), ``L*`` the loss at ``w*``. Written around ``w*`` the loss and gradient are exact
    to rounding near the minimum, where the expanded form would cancel.
    """

    A: Array
    center: Array
    floor: float

    @staticmethod
    def of(phi: Array, y: Array) -> QuadraticFit:
        n = y.shape[0]
        a = phi.T @ phi / n
        center = np.linalg.solve(a, phi.T @ y / n)
        r = y - phi @ center
        return QuadraticFit(a, center, float(r @ r / (2 * n)))

    def loss_grad(self, w: Array) -> tuple[Array, Array]:
        d0 = w[..., 0] - self.center[0]
        d1 = w[..., 1] - self.center[1]
        (a, b), (_, c) = self.A
        g = np.empty((*np.shape(d0), 2))
        g[..., 0] = a * d0 + b * d1
        g[..., 1] = b * d0 + c * d1
        loss = 0.5 * (d0 * g[..., 0] + d1 * g[..., 1]) + self.floor
        return loss, g


class _QuadraticModel(DataModel):
    """A model linear in its two parameters, ``y_hat = phi(x).w``, with squared error: a
    quadratic landscape with constant Hessian ``phi^T phi / n``. Subclasses give ``_design``."""

    @abstractmethod
    def _design(self, data: Dataset) -> Array:
        """The features ``phi`` ``(n, 2)`` multiplying the two parameters."""

    def _prepare(self) -> None:
        self._fit = QuadraticFit.of(self._design(self.train), self.train.y)
        self._vfit = QuadraticFit.of(self._design(self.validation), self.validation.y)

    @property
    def w_star(self) -> tuple[float, float]:
        """The minimum, from the normal equations."""
        return float(self._fit.center[0]), float(self._fit.center[1])

    def hessian_eigenvalues(self) -> tuple[float, float]:
        """``(lambda_min, lambda_max)`` of the constant Hessian ``A = phi^T phi / n``."""
        lo, hi = np.linalg.eigvalsh(self._fit.A)
        return float(lo), float(hi)

    def condition_number(self) -> float:
        """``kappa = lambda_max / lambda_min`` of the Hessian (constant for a quadratic)."""
        lo, hi = self.hessian_eigenvalues()
        return hi / lo

    # the quadratic needs no per-example work: override the public methods directly
    def _check(self, w: Array) -> Array:
        w = np.asarray(w, dtype=np.float64)
        if w.shape[-1:] != (2,):
            raise ValueError(f"points must have shape (..., 2), got {w.shape}")
        return w

    def loss(self, w: Array) -> Array:
        return self._fit.loss_grad(self._check(w))[0]

    def grad(self, w: Array) -> Array:
        return self._fit.loss_grad(self._check(w))[1]

    def loss_grad(self, w: Array) -> tuple[Array, Array]:
        return self._fit.loss_grad(self._check(w))

    def hessian_parts(self, w: Array) -> Parts:
        shape = self._check(w).shape[:-1]
        (a, b), (_, c) = self._fit.A
        return np.full(shape, a), np.full(shape, b), np.full(shape, c)

    def validation_loss(self, w: Array) -> Array:
        return self._vfit.loss_grad(self._check(w))[0]

    def batch_grad(self, w: Array, idx: Array) -> Array:
        # mean over the batch of -(y - phi.w) phi = A_b w - phi^T y / k
        w = self._check(w)
        data = self._batch(idx)
        phi = self._design(data)
        k = len(data)
        a = phi.T @ phi / k
        rhs = phi.T @ data.y / k
        g = np.empty(w.shape)
        g[..., 0] = a[0, 0] * w[..., 0] + a[0, 1] * w[..., 1] - rhs[0]
        g[..., 1] = a[1, 0] * w[..., 0] + a[1, 1] * w[..., 1] - rhs[1]
        return g

    def _loss(self, w: Array, data: Dataset) -> Array:
        r = data.y[None, :] - w @ self._design(data).T
        return 0.5 * np.mean(r * r, axis=1)

    def _loss_grad(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        phi = self._design(data)
        r = data.y[None, :] - w @ phi.T
        return 0.5 * np.mean(r * r, axis=1), -(r @ phi) / len(data)

    def _hessian(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        phi = self._design(data)
        a = phi.T @ phi / len(data)
        m = w.shape[0]
        return np.full(m, a[0, 0]), np.full(m, a[0, 1]), np.full(m, a[1, 1])

    def _critical_points(self) -> list[CriticalPoint]:
        return [CriticalPoint(self.w_star, "minimum")]


# -- 1. linear regression ---------------------------------------------------------------------


@register
class LinearRegression(_QuadraticModel):
    """House prices, ``L(w) = mean((y - w1*x1 - w2*x2)^2)/2`` (least squares; e.g. Goodfellow,
    Bengio and Courville 2016, section 5.1.4).

    Data (seeded): size ``x1 ~ U(50, 250)`` square metres, rooms
    ``x2 = clip(round(x1/45 + N(0, 1)), 1, 6)``, price in units of 100 000
    ``y = 0.03*x1 + 0.2*x2 + N(0, 0.3^2)`` (no intercept).

    ``standardise="no"``: the raw features; the intercept is held at 0, which is where the
    data's own intercept is. The Hessian ``mean(x x^T)`` then has curvatures about 2.6e4 (along
    size, whose values are in the hundreds) and 0.8 (along rooms): a ravine with condition
    number ~3e4.

    ``standardise="yes"``: ``x_j <- (x_j - mu_j)/sigma_j`` with the training split's mean and
    standard deviation (the lecture's ravine remedy (A); LeCun et al. 1998, "Efficient
    BackProp", section 4.3), and ``y <- y - mean_train(y)``. Centring ``y`` folds the intercept
    in exactly: with centred features the best intercept is ``mean(y)`` whatever ``w`` is, so
    this landscape is the 3-parameter one with its intercept at its optimum. The Hessian is
    the features' correlation matrix, condition number ``(1+r)/(1-r)``.

    Convex, one minimum, solved by the normal equations ``mean(x x^T) w = mean(x y)``.
    """

    name = "linear-regression"
    description = (
        "house price from size and rooms: trains weights w1, w2 (intercept held at 0, or folded "
        "in by centring y); convex, one minimum, a ravine unless standardised"
    )
    formula = "mean((y - w1*x1 - w2*x2)^2)/2"
    params = (
        Param(
            "standardise",
            "no",
            help="centre the features and scale them to unit variance (training statistics)",
            choices=("no", "yes"),
        ),
    )
    axis_labels = ("w1", "w2")
    feature_names: ClassVar[tuple[str, str]] = ("size (m^2)", "rooms")
    seed = 1

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        n = self.n_data
        size = rng.uniform(50.0, 250.0, n)
        rooms = np.clip(np.round(size / 45.0 + rng.normal(0.0, 1.0, n)), 1.0, 6.0)
        price = 0.03 * size + 0.2 * rooms + rng.normal(0.0, 0.3, n)
        return np.column_stack([size, rooms]), price

    def _prepare(self) -> None:
        tr, va = self.train, self.validation
        self.x_mean = tr.x.mean(axis=0)
        self.x_std = tr.x.std(axis=0)
        self.y_mean = float(tr.y.mean())
        # both settings' minima, so that the two share one view box
        self._minima = (
            tuple(QuadraticFit.of(tr.x, tr.y).center),
            tuple(QuadraticFit.of((tr.x - self.x_mean) / self.x_std, tr.y - self.y_mean).center),
        )
        if self.values["standardise"] == "yes":
            self.train = self._standardise(tr)
            self.validation = self._standardise(va)
        super()._prepare()

    def _standardise(self, data: Dataset) -> Dataset:
        return Dataset((data.x - self.x_mean) / self.x_std, data.y - self.y_mean)

    def _design(self, data: Dataset) -> Array:
        return data.x

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return self._box_around(list(self._minima), margin=1.0)


# -- 2. logistic regression -------------------------------------------------------------------


@register
class LogisticRegression(DataModel):
    """Logistic regression, ``L(w) = mean(log(1 + exp(-s*(w.x))))`` with labels ``s = 2y - 1``
    in {-1, +1}: the cross-entropy of ``P(y=1|x) = sigma(w.x)`` (Bishop 2006, section 4.3.2).

    Data (seeded): 100 points per class, ``x ~ N(+-(1, 0.5), I)``. The classes overlap, so the
    loss is bounded below by a finite minimum (separable data would send ``|w|`` to infinity).
    They are symmetric about the origin, so the bias is held at 0.

    With ``u = s*x``, ``m = w.u``: ``grad = -mean(sigma(-m) u)``,
    ``H = mean(sigma'(m) u u^T)``, positive definite: convex, one minimum, found by Newton's
    method.
    """

    name = "logistic-regression"
    description = (
        "two overlapping classes: trains weights w1, w2 with cross-entropy (bias held at 0); "
        "convex, one minimum"
    )
    formula = "mean(log(1 + exp(-s*(w1*x1 + w2*x2))))"
    axis_labels = ("w1", "w2")
    seed = 2
    mean: ClassVar[tuple[float, float]] = (1.0, 0.5)

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        half = self.n_data // 2
        y = np.repeat([1.0, 0.0], half)
        x = rng.normal(0.0, 1.0, (2 * half, 2)) + np.where(y[:, None] > 0, 1.0, -1.0) * np.array(self.mean)
        return x, y

    def _prepare(self) -> None:
        self.w_star = self._newton((0.0, 0.0))

    @staticmethod
    def _u(data: Dataset) -> Array:
        return (2.0 * data.y - 1.0)[:, None] * data.x

    def _loss(self, w: Array, data: Dataset) -> Array:
        m = w @ self._u(data).T
        e = np.exp(-np.abs(m))
        return np.mean(_softplus(-m, e), axis=1)

    def _loss_grad(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        return self._both(w, data, True)

    def _grad(self, w: Array, data: Dataset) -> Array:
        return self._both(w, data, False)[1]

    def _both(self, w: Array, data: Dataset, loss: bool) -> tuple[Array | None, Array]:
        u = self._u(data)
        m = w @ u.T
        e = np.exp(-np.abs(m))
        # sigma(-m) = e/(1+e) for m >= 0, 1/(1+e) otherwise
        p = np.where(m >= 0.0, e, 1.0) / (1.0 + e)
        g = -(p @ u) / len(data)
        return (np.mean(_softplus(-m, e), axis=1) if loss else None), g

    def _hessian(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        u = self._u(data)
        _, ds, _ = _logistic(w @ u.T)
        n = len(data)
        return ds @ (u[:, 0] ** 2) / n, ds @ (u[:, 0] * u[:, 1]) / n, ds @ (u[:, 1] ** 2) / n

    def _critical_points(self) -> list[CriticalPoint]:
        return [CriticalPoint(self.w_star, "minimum")]

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return self._box_around([(0.0, 0.0), self.w_star], margin=3.0)


# -- 3. one logistic unit: squared error vs cross-entropy -------------------------------------


class _LogisticUnit(DataModel):
    """One logistic unit ``y_hat = sigma(w*x + b)`` on 1-D data with labels y in {0, 1}.

    Data (seeded): 100 points per class, ``x ~ N(-0.5, 1)`` for y = 0 and ``N(1.5, 1)`` for
    y = 1 (overlapping, so both losses have a finite minimum, near ``(w, b) = (2, -1)``).
    With ``z = w*x + b`` and ``j = (x, 1)`` the derivative of ``z`` by ``(w, b)``, each loss is
    ``mean(l(z))``, so ``grad = mean(l'(z) j)`` and ``H = mean(l''(z) j j^T)``.
    """

    axis_labels = ("w", "b")
    seed = 3

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        half = self.n_data // 2
        y = np.repeat([0.0, 1.0], half)
        x = rng.normal(0.0, 1.0, 2 * half) + np.where(y > 0, 1.5, -0.5)
        return x[:, None], y

    @abstractmethod
    def _l(self, z: Array, y: Array) -> Array:
        """``l(z)`` per example."""

    @abstractmethod
    def _dl(self, z: Array, y: Array, loss: bool) -> tuple[Array | None, Array]:
        """``l'(z)`` per example, with ``l(z)`` too when ``loss`` (they share work)."""

    @abstractmethod
    def _d2l(self, z: Array, y: Array) -> Array:
        """``l''(z)`` per example."""

    def _z(self, w: Array, data: Dataset) -> Array:
        z = np.multiply.outer(w[:, 0], data.x[:, 0])
        z += w[:, 1:2]
        return z

    def _loss(self, w: Array, data: Dataset) -> Array:
        return np.mean(self._l(self._z(w, data), data.y), axis=1)

    def _loss_grad(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        return self._both(w, data, True)

    def _grad(self, w: Array, data: Dataset) -> Array:
        return self._both(w, data, False)[1]

    def _both(self, w: Array, data: Dataset, loss: bool) -> tuple[Array | None, Array]:
        x = data.x[:, 0]
        n = len(data)
        l0, l1 = self._dl(self._z(w, data), data.y, loss)
        g = np.empty(w.shape)
        g[:, 0] = l1 @ x / n
        g[:, 1] = l1.sum(axis=1) / n
        return (l0.mean(axis=1) if loss else None), g

    def _hessian(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        x = data.x[:, 0]
        n = len(data)
        l2 = self._d2l(self._z(w, data), data.y)
        return l2 @ (x * x) / n, l2 @ x / n, l2.sum(axis=1) / n

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-8.0, 8.0), (-8.0, 8.0))


@register
class LogisticXent(_LogisticUnit):
    """Cross-entropy ``l(z) = -y log(sigma(z)) - (1-y) log(1 - sigma(z)) = softplus(z) - y*z``
    (Bishop 2006, eq. 4.90): ``l' = sigma(z) - y``, ``l'' = sigma'(z)``.

    Where the unit saturates on the wrong side, ``l'`` tends to -1 or +1, not to 0: the
    gradient stays large, so there are no plateaux. Convex, one minimum.
    """

    name = "logistic-xent"
    description = (
        "one logistic unit sigma(w*x + b): trains w and b with cross-entropy; convex, "
        "no plateau when the unit saturates"
    )
    formula = "mean(softplus(w*x + b) - y*(w*x + b))"

    def _l(self, z: Array, y: Array) -> Array:
        return _softplus(z, np.exp(-np.abs(z))) - y * z

    def _dl(self, z: Array, y: Array, loss: bool) -> tuple[Array | None, Array]:
        e = np.exp(-np.abs(z))
        # sigma(z) - y, with sigma(z) = 1/(1+e) for z >= 0 and e/(1+e) otherwise
        l1 = np.where(z >= 0.0, 1.0, e) / (1.0 + e) - y
        return (_softplus(z, e) - y * z if loss else None), l1

    def _d2l(self, z: Array, y: Array) -> Array:
        return _logistic(z)[1]

    def _critical_points(self) -> list[CriticalPoint]:
        return [CriticalPoint(self._newton((0.0, 0.0)), "minimum")]


@register
class LogisticSquared(_LogisticUnit):
    """Squared error ``l(z) = (sigma(z) - y)^2 / 2``: ``l' = (sigma - y) sigma'``,
    ``l'' = sigma' (sigma' + (sigma - y)(1 - 2 sigma))`` (using ``sigma'' = sigma'(1 - 2 sigma)``).

    Where the unit saturates, ``sigma'(z) ~ exp(-|z|)`` multiplies the error, so the gradient
    vanishes even when every example is misclassified: the lecture's plateau of "logistic
    activations and least squares" (Glorot and Bengio 2010 show the same for deep nets).
    Its one minimum (near the cross-entropy one) is found by Newton's method from there.
    """

    name = "logistic-squared"
    description = (
        "one logistic unit sigma(w*x + b): trains w and b with squared error; plateaux "
        "where the unit saturates"
    )
    formula = "mean((sigma(w*x + b) - y)^2)/2"

    def _l(self, z: Array, y: Array) -> Array:
        r = _logistic(z)[0] - y
        return 0.5 * r * r

    def _dl(self, z: Array, y: Array, loss: bool) -> tuple[Array | None, Array]:
        s, ds, _ = _logistic(z)
        r = s - y
        return (0.5 * r * r if loss else None), r * ds

    def _d2l(self, z: Array, y: Array) -> Array:
        s, ds, _ = _logistic(z)
        return ds * (ds + (s - y) * (1.0 - 2.0 * s))

    def _critical_points(self) -> list[CriticalPoint]:
        start = LogisticXent().minima[0].point
        return [CriticalPoint(self._newton(start), "minimum")]


# -- 4. hard threshold with 0-1 loss ----------------------------------------------------------


@register
class Threshold01(DataModel):
    """A hard-threshold unit ``y_hat = step(w1*x1 + w2*x2 + b)`` (``step(z) = 1`` for ``z > 0``,
    else 0) with the 0-1 loss ``L(w) = mean(y_hat != y)``, the fraction misclassified; the bias
    is held at ``b = -1``.

    Data (seeded): 100 points per class, ``x ~ N((1.5, 1.5), 0.7^2 I)`` for y = 1 and
    ``N((0, 0), 0.7^2 I)`` for y = 0.

    The loss only changes where some example's line ``w.x_i + b = 0`` is crossed, so it is
    piecewise constant over the cells of those lines: a plateau everywhere (the lecture's
    examples "0-1 loss" and "hard threshold activation"). Off the lines the gradient and Hessian
    are exactly zero; on them (a set of measure zero) the loss jumps and has no derivative at
    all, and the code returns 0 there too. There are no isolated minima, so no critical points
    are listed; gradient methods stand still wherever they start.
    """

    name = "threshold-01"
    description = (
        "hard threshold unit with 0-1 loss: trains w1, w2 (bias held at -1); piecewise "
        "constant, gradient zero everywhere, so gradient methods stand still"
    )
    formula = "mean(step(w1*x1 + w2*x2 - 1) != y)"
    axis_labels = ("w1", "w2")
    seed = 4
    bias: ClassVar[float] = -1.0

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        half = self.n_data // 2
        y = np.repeat([1.0, 0.0], half)
        x = rng.normal(0.0, 0.7, (2 * half, 2)) + np.where(y[:, None] > 0, 1.5, 0.0)
        return x, y

    def _loss(self, w: Array, data: Dataset) -> Array:
        z = w @ data.x.T
        wrong = (z > -self.bias) != (data.y > 0.5)
        return np.count_nonzero(wrong, axis=1) / len(data)

    def _loss_grad(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        return self._loss(w, data), np.zeros(w.shape)

    def _grad(self, w: Array, data: Dataset) -> Array:
        return np.zeros(w.shape)

    def _hessian(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        z = np.zeros(w.shape[0])
        return z, z, z

    def _critical_points(self) -> list[CriticalPoint]:
        return []

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-3.0, 3.0), (-3.0, 3.0))


# -- 5. permutation symmetry: two tanh units ---------------------------------------------------


@dataclass(frozen=True)
class SymmetryReport:
    """The lecture's argument that network training is not convex, in numbers.

    ``minima`` are two mirror-image minima (hidden units swapped), ``average`` their mean: the
    "degenerate" network whose two units are identical. ``losses`` are the losses at the two
    minima and at the average. A convex loss satisfies ``L(average) <= (L(m1) + L(m2))/2``
    (Jensen's inequality with weights 1/2); ``average_is_worse`` says it is violated.
    """

    minima: tuple[tuple[float, float], tuple[float, float]]
    average: tuple[float, float]
    losses: tuple[float, float, float]
    average_is_worse: bool


@register
class TwoTanh(DataModel):
    """A network with two tanh hidden units and fixed output weights 1:
    ``y_hat = tanh(w1*x) + tanh(w2*x)``, ``L = mean((y_hat - y)^2)/2``.

    Data (seeded): ``x ~ U(-3, 3)``, ``y = tanh(0.5*x) + tanh(2*x) + N(0, 0.05^2)``, a teacher
    with two different units.

    Swapping the hidden units maps ``(w1, w2)`` to ``(w2, w1)`` and leaves the network, hence
    the loss, unchanged (weight-space symmetry; Bishop 2006, section 5.1.1). So every minimum
    off the diagonal has a mirror image, and on the diagonal, between them, sits a saddle:
    the best network with identical units. See :meth:`symmetry_report`.

    With ``t_k = tanh(w_k x)``, ``s_k = 1 - t_k^2``, ``r = t_1 + t_2 - y``:
    ``dL/dw_k = mean(r s_k x)``, ``d2L/dw_k^2 = mean(x^2 s_k (s_k - 2 r t_k))``,
    ``d2L/dw_1 dw_2 = mean(x^2 s_1 s_2)``.
    """

    name = "two-tanh"
    description = (
        "two tanh hidden units, y = tanh(w1*x) + tanh(w2*x): trains w1, w2 (output weights held "
        "at 1); swapping units gives mirror-image minima and a saddle between"
    )
    formula = "mean((tanh(w1*x) + tanh(w2*x) - y)^2)/2"
    axis_labels = ("w1", "w2")
    seed = 5
    teacher: ClassVar[tuple[float, float]] = (0.5, 2.0)

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        x = rng.uniform(-3.0, 3.0, self.n_data)
        a, b = self.teacher
        y = np.tanh(a * x) + np.tanh(b * x) + rng.normal(0.0, 0.05, self.n_data)
        return x[:, None], y

    def _tanh(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        x = data.x[:, 0]
        t1 = np.tanh(np.multiply.outer(w[:, 0], x))
        t2 = np.tanh(np.multiply.outer(w[:, 1], x))
        r = t1 + t2
        r -= data.y
        return t1, t2, r

    def _loss(self, w: Array, data: Dataset) -> Array:
        _, _, r = self._tanh(w, data)
        return 0.5 * np.einsum("ij,ij->i", r, r) / len(data)

    def _loss_grad(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        x = data.x[:, 0]
        n = len(data)
        t1, t2, r = self._tanh(w, data)
        loss = 0.5 * np.einsum("ij,ij->i", r, r) / n
        g = np.empty(w.shape)
        for k, t in enumerate((t1, t2)):
            np.multiply(t, t, out=t)
            np.subtract(1.0, t, out=t)  # s_k = 1 - t_k^2
            t *= r
            g[:, k] = t @ x / n
        return loss, g

    def _hessian(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        x = data.x[:, 0]
        x2 = x * x / len(data)
        t1, t2, r = self._tanh(w, data)
        s1, s2 = 1.0 - t1 * t1, 1.0 - t2 * t2
        h11 = (s1 * (s1 - 2.0 * r * t1)) @ x2
        h22 = (s2 * (s2 - 2.0 * r * t2)) @ x2
        return h11, (s1 * s2) @ x2, h22

    def _diagonal_critical(self) -> tuple[float, float]:
        """The best network with identical units: on the diagonal ``w1 = w2 = u`` the gradient
        is ``(g, g)`` by symmetry, so 1-D Newton on ``g(u)`` finds a 2-D critical point."""
        u = 1.0
        for _ in range(100):
            p = np.array([u, u])
            g = self.grad(p)[0]
            h11, h12, _ = self.hessian_parts(p)
            step = g / float(h11 + h12)  # d/du of g(u, u)
            u -= step
            if abs(step) < 1e-15:
                break
        return u, u

    def _critical_points(self) -> list[CriticalPoint]:
        m = self._newton(self.teacher)
        return [
            CriticalPoint(m, "minimum"),
            CriticalPoint((m[1], m[0]), "minimum"),
            CriticalPoint(self._diagonal_critical(), "saddle"),
        ]

    def symmetry_report(self) -> SymmetryReport:
        """Two mirror-image minima, their average (identical units), and whether the average is
        worse than the minima, which no convex loss allows (Jensen's inequality)."""
        m1, m2 = (cp.point for cp in self.minima[:2])
        avg = ((m1[0] + m2[0]) / 2, (m1[1] + m2[1]) / 2)
        l1, l2, la = (float(v) for v in self.loss(np.array([m1, m2, avg])))
        return SymmetryReport((m1, m2), avg, (l1, l2, la), la > (l1 + l2) / 2)

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-1.0, 3.0), (-1.0, 3.0))


# -- 6. zero initialisation: a saddle at the origin -------------------------------------------


@register
class TanhSaddle(DataModel):
    """One tanh hidden unit and a linear output: ``y_hat = v*tanh(w*x)``,
    ``L = mean((y_hat - y)^2)/2``.

    Data (seeded): ``x ~ N(0, 1)``, ``y = 1.5*tanh(1.2*x) + N(0, 0.05^2)``.

    With ``t = tanh(w x)``, ``s = 1 - t^2``, ``r = v t - y``: ``dL/dw = v*mean(r s x)``,
    ``dL/dv = mean(r t)``; ``d2L/dw2 = mean(v s x^2 (v s - 2 r t))``, ``d2L/dv2 = mean(t^2)``,
    ``d2L/dw dv = mean(s x (v t + r))``.

    At the zero initialisation ``(w, v) = (0, 0)``, ``t = 0``, so both partial derivatives are
    exactly zero (each is a product with an exact 0), and the Hessian is
    ``[[0, -mean(x y)], [-mean(x y), 0]]``, with eigenvalues ``+-|mean(x y)|``: a saddle. Gradient
    descent started there never moves; started a little off it, it leaves along the negative
    curvature (the lecture: initialise with small random values, not zeros). The map
    ``(w, v) -> (-w, -v)`` leaves the network unchanged, so the minima come in mirror pairs.
    """

    name = "tanh-saddle"
    description = (
        "one tanh unit, y = v*tanh(w*x): trains w and v (no biases); zero gradient at the "
        "saddle (0, 0), two mirror-image minima"
    )
    formula = "mean((v*tanh(w*x) - y)^2)/2"
    axis_labels = ("w", "v")
    seed = 6
    teacher: ClassVar[tuple[float, float]] = (1.2, 1.5)

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        x = rng.normal(0.0, 1.0, self.n_data)
        w, v = self.teacher
        y = v * np.tanh(w * x) + rng.normal(0.0, 0.05, self.n_data)
        return x[:, None], y

    def _tr(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        t = np.tanh(np.multiply.outer(w[:, 0], data.x[:, 0]))
        r = t * w[:, 1:2]
        r -= data.y
        return t, r

    def _loss(self, w: Array, data: Dataset) -> Array:
        _, r = self._tr(w, data)
        return 0.5 * np.einsum("ij,ij->i", r, r) / len(data)

    def _loss_grad(self, w: Array, data: Dataset) -> tuple[Array, Array]:
        x = data.x[:, 0]
        n = len(data)
        t, r = self._tr(w, data)
        loss = 0.5 * np.einsum("ij,ij->i", r, r) / n
        g = np.empty(w.shape)
        g[:, 1] = np.einsum("ij,ij->i", r, t) / n
        np.multiply(t, t, out=t)
        np.subtract(1.0, t, out=t)  # s
        t *= r
        g[:, 0] = w[:, 1] * (t @ x) / n
        return loss, g

    def _hessian(self, w: Array, data: Dataset) -> tuple[Array, Array, Array]:
        x = data.x[:, 0]
        n = len(data)
        v = w[:, 1:2]
        t, r = self._tr(w, data)
        s = 1.0 - t * t
        hww = (v * s * (v * s - 2.0 * r * t)) @ (x * x) / n
        hwv = (s * (v * t + r)) @ x / n
        hvv = np.einsum("ij,ij->i", t, t) / n
        return hww, hwv, hvv

    def _critical_points(self) -> list[CriticalPoint]:
        m = self._newton(self.teacher)
        return [
            CriticalPoint(m, "minimum"),
            CriticalPoint((-m[0], -m[1]), "minimum"),
            CriticalPoint((0.0, 0.0), "saddle"),
        ]

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-3.0, 3.0), (-3.0, 3.0))


# -- 7. centred hidden activations ------------------------------------------------------------


@register
class HiddenFeatures(_QuadraticModel):
    """A fixed hidden unit ``h = act(W.x + c)`` feeding a trained output ``y_hat = w*h + b``,
    ``L = mean((y_hat - y)^2)/2``.

    Data (seeded): ``x ~ N(0, I_2)``; ``W`` a random direction scaled to norm 1.5 and
    ``c ~ N(0, 0.2^2)``, drawn once from the same generator and held fixed; target
    ``y = 2*sin(a/2) + 1 + N(0, 0.1^2)`` with ``a = W.x + c``.

    The loss is quadratic in ``(w, b)`` with constant Hessian
    ``[[mean(h^2), mean(h)], [mean(h), 1]]``. A logistic ``h`` lives in (0, 1) with mean near
    1/2 and a small variance: the large off-diagonal ``mean(h)`` couples ``w`` and ``b`` and
    the Hessian is ill conditioned (a ravine). ``tanh`` is centred near 0 (LeCun et al. 1998,
    "Efficient BackProp", section 4.4), and ``batchnorm`` standardises the logistic unit's
    activations with the training split's mean and standard deviation (Ioffe and Szegedy
    2015), making the Hessian the identity (condition number 1): the lecture's remedy (B),
    "hidden units should have centred activations".
    """

    name = "hidden-features"
    description = (
        "fixed hidden unit h = act(W.x + c), output w*h + b: trains w and b (hidden weights "
        "held fixed); centred activations remove the ravine"
    )
    formula = "mean((w*act(W.x + c) + b - y)^2)/2"
    params = (
        Param(
            "activation",
            "logistic",
            help="hidden activation: logistic, tanh, or logistic standardised (batchnorm)",
            choices=("logistic", "tanh", "batchnorm"),
        ),
    )
    axis_labels = ("w", "b")
    seed = 7

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        n = self.n_data
        u = rng.normal(0.0, 1.0, 2)
        self.W = 1.5 * u / np.hypot(*u)  # a random direction, norm fixed so a ~ N(c, 1.5^2)
        self.c = float(rng.normal(0.0, 0.2))
        x = rng.normal(0.0, 1.0, (n, 2))
        a = x @ self.W + self.c
        y = 2.0 * np.sin(0.5 * a) + 1.0 + rng.normal(0.0, 0.1, n)
        return x, y

    def _prepare(self) -> None:
        a = self.train.x @ self.W + self.c
        h = 1.0 / (1.0 + np.exp(-a))
        self.h_mean, self.h_std = float(h.mean()), float(h.std())
        super()._prepare()

    def features(self, x: Array) -> Array:
        """The hidden activation ``h`` for inputs ``x (n, 2)``."""
        a = x @ self.W + self.c
        act = self.values["activation"]
        if act == "tanh":
            return np.tanh(a)
        h = 1.0 / (1.0 + np.exp(-a))
        if act == "batchnorm":
            h = (h - self.h_mean) / self.h_std
        return h

    def _design(self, data: Dataset) -> Array:
        h = self.features(data.x)
        return np.column_stack([h, np.ones_like(h)])

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        w, b = self.w_star
        return ((round(w - 3.0, 2), round(w + 3.0, 2)), (round(b - 3.0, 2), round(b + 3.0, 2)))


# -- 8. saturated hidden units: two-tanh seen from far out -------------------------------------


@register
class TwoTanhWide(TwoTanh):
    """The network of :class:`TwoTanh` (same data, loss, derivatives and critical points) over
    a box wide enough to start it with large weights.

    With ``|w_k x| >> 1`` a unit sits in a flat tail of tanh: ``s_k = 1 - tanh(w_k x)^2``
    is about ``4 exp(-2 |w_k x|)``, so in ``dL/dw_k = mean(r s_k x)`` only the few examples
    with ``|x|`` below about ``2/|w_k|`` still count, and the gradient shrinks as the weights
    grow: a saturated unit barely learns (the lecture's plateau of a "saturated activation
    function"; LeCun et al. 1998, "Efficient BackProp", section 4.6, on keeping initial weights
    small enough that units start in their linear range). A search of this box finds no
    critical points besides the two minima and the saddle of :class:`TwoTanh`.
    """

    name = "two-tanh-wide"
    description = (
        "the two-tanh network over a wide box: trains w1, w2 (output weights held at 1); "
        "large weights saturate both units and the gradient nearly vanishes"
    )

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-1.0, 10.0), (-1.0, 10.0))


# -- 9. choosing alpha on validation data: few noisy examples ----------------------------------


@register
class NoisyRegression(_QuadraticModel):
    """Few noisy examples: ``L(w) = mean((y - w1*x1 - w2*x2)^2)/2`` on 20 training examples,
    with separate validation and test splits of 500 each.

    Data (seeded): ``x ~ N(0, [[1, rho], [rho, 1]])`` with ``rho = 0.9`` (two inputs that
    mostly measure the same thing) and ``y = x1 + x2 + N(0, 1)``. The examples are drawn
    independently, so the first 20 are the training split, the next 500 the validation split
    and the last 500 the test split.

    With 20 examples the least-squares minimum is pulled away from ``(1, 1)`` by the noise
    (to about ``(0.93, 1.80)`` with this seed): the training loss is lowest there, but new
    data (validation, test) prefer weights closer to ``(1, 1)``. Gradient descent from
    ``(0, 0)`` with a fixed budget of steps covers only part of the way when alpha is small,
    and the part it skips is the part fitted to the noise (early stopping acts like
    shrinkage; Goodfellow, Bengio and Courville 2016, section 7.8). So the final training loss
    keeps falling as alpha grows, while the validation loss has a minimum: that is why alpha
    is picked on the validation split and the test split is used once, at the end (the
    lecture: "alpha is a hyperparameter that we need to tune using train/validation/test
    sets"; see :mod:`engine.selection`). The Hessian ``mean(x x^T)`` has curvatures near
    ``1 - rho`` and ``1 + rho``, so the inputs' correlation also makes a mild ravine.
    """

    name = "noisy-regression"
    description = (
        "20 noisy examples, two inputs correlated 0.9: trains w1, w2; train, validation and "
        "test splits; the training minimum fits the noise"
    )
    formula = "mean((y - w1*x1 - w2*x2)^2)/2"
    axis_labels = ("w1", "w2")
    seed = 4
    sizes: ClassVar[tuple[int, int, int]] = (20, 500, 500)  # train, validation, test
    rho: ClassVar[float] = 0.9
    noise: ClassVar[float] = 1.0
    truth: ClassVar[tuple[float, float]] = (1.0, 1.0)

    test: Dataset

    def _setup(self) -> None:
        rng = np.random.default_rng(self.seed)
        x, y = self._generate(rng)
        a, b, _ = self.sizes
        self.train = Dataset(x[:a], y[:a])
        self.validation = Dataset(x[a : a + b], y[a : a + b])
        self.test = Dataset(x[a + b :], y[a + b :])
        self._prepare()

    def _generate(self, rng: np.random.Generator) -> tuple[Array, Array]:
        n = sum(self.sizes)
        z = rng.normal(0.0, 1.0, (n, 2))
        x = np.column_stack([z[:, 0], self.rho * z[:, 0] + np.sqrt(1.0 - self.rho**2) * z[:, 1]])
        y = x @ np.array(self.truth) + rng.normal(0.0, self.noise, n)
        return x, y

    def _prepare(self) -> None:
        super()._prepare()
        self._tfit = QuadraticFit.of(self._design(self.test), self.test.y)

    def _design(self, data: Dataset) -> Array:
        return data.x

    def test_loss(self, w: Array) -> Array:
        """Mean loss over the test split: ``(..., 2) -> (...)``. For the final report only:
        a choice made by looking at it would make it one more validation split."""
        return self._tfit.loss_grad(self._check(w))[0]

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return self._box_around([(0.0, 0.0), self.truth, self.w_star], margin=0.75)


# Every registered data model, read off the registry (so the generic tests cover a model the
# moment it is registered, with no list to keep).
MODELS: tuple[type[DataModel], ...] = tuple(
    cls for cls in LANDSCAPES.values() if isinstance(cls, type) and issubclass(cls, DataModel)
)

__all__ = [
    "MODELS",
    "DataModel",
    "Dataset",
    "HiddenFeatures",
    "LinearRegression",
    "LogisticRegression",
    "LogisticSquared",
    "LogisticXent",
    "NoisyRegression",
    "QuadraticFit",
    "SymmetryReport",
    "TanhSaddle",
    "Threshold01",
    "TwoTanh",
    "TwoTanhWide",
    "split",
]
