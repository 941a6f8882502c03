"""Two-class data sets in two inputs, in the spirit of TensorFlow Playground.

Each set is drawn from ``numpy.random.default_rng(seed)``: the same :class:`DataSpec` always
gives the same numbers. Half the points (rounded down) are class 1, the rest class 0; targets
are floats in {0., 1.}. Coordinates live in about ``[-1, 1]^2`` before noise:

* ``circles``: class 1 in the disc of radius 0.5, class 0 on the ring of radii 0.7 to 1
  (uniform radius and angle);
* ``xor``: both coordinates uniform in ``0.05 <= |x| <= 1``; class 1 where ``x1 x2 > 0``
  (the first and third quadrants), so no single line separates the classes;
* ``gauss``: two round Gaussian clouds of standard deviation 0.25 around ``(0.5, 0.5)``
  (class 1) and ``(-0.5, -0.5)`` (class 0), linearly separable but for their tails;
* ``spirals``: two interleaved spirals, radius ``r`` evenly spaced in ``[0, 1)`` and angle
  ``1.75 * 2 pi r`` (plus pi for class 0), as in the Playground;
* ``moons``: two interleaved half circles (``(cos t, sin t)`` and
  ``(1 - cos t, 0.5 - sin t)``, ``t`` uniform in ``[0, pi]``, as scikit-learn's
  ``make_moons``), centred and scaled by 0.8.

Labels are decided before the noise: ``noise`` is the standard deviation of Gaussian noise
added to each coordinate afterwards, so a large noise mixes the classes.

Units (the ravine lesson): ``x2_scale`` and ``x2_offset`` turn the second input into
``x2 * x2_scale + x2_offset``, as if it were measured in other units (1000 and 500: metres
read as millimetres, shifted). The curvature of the loss along a first-layer weight grows with
the mean square of its input (the Hessian holds ``mean(x x^T)`` factors), so the two inputs'
weights see curvatures some ``x2_scale^2`` apart, and the offset couples them to the bias: a
ravine. ``standardise`` replaces each input by its
z-score ``(x - mean)/std``, with the mean and standard deviation (``ddof = 0``) of the
**training split only**, applied to both splits (the validation split must not leak into what
the network is trained on); the shift and scale used are kept in :class:`DataSplit`.

The points are shuffled and the first ``round(train_fraction * n_points)`` form the training
split, the rest the validation split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.validate import Range, check_int

Array = np.ndarray

MAX_POINTS = 100_000


def _circles(rng: np.random.Generator, n1: int, n0: int) -> Array:
    r = np.concatenate([rng.uniform(0.0, 0.5, n1), rng.uniform(0.7, 1.0, n0)])
    a = rng.uniform(0.0, 2.0 * np.pi, n1 + n0)
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def _xor(rng: np.random.Generator, n1: int, n0: int) -> Array:
    mag = rng.uniform(0.05, 1.0, (n1 + n0, 2))
    s1 = rng.choice([-1.0, 1.0], n1 + n0)
    same = np.r_[np.ones(n1), -np.ones(n0)]  # class 1: equal signs, class 0: opposite
    return mag * np.column_stack([s1, s1 * same])


def _gauss(rng: np.random.Generator, n1: int, n0: int) -> Array:
    centre = np.r_[np.full(n1, 0.5), np.full(n0, -0.5)][:, None]
    return centre + rng.normal(0.0, 0.25, (n1 + n0, 2))


def _spirals(rng: np.random.Generator, n1: int, n0: int) -> Array:
    parts = []
    for k, delta in ((n1, 0.0), (n0, np.pi)):
        r = np.arange(k) / max(k, 1)
        t = 1.75 * 2.0 * np.pi * r + delta
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    return np.concatenate(parts)


def _moons(rng: np.random.Generator, n1: int, n0: int) -> Array:
    t1, t0 = rng.uniform(0.0, np.pi, n1), rng.uniform(0.0, np.pi, n0)
    inner = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    return 0.8 * (np.concatenate([inner, outer]) - np.array([0.5, 0.25]))


GENERATORS: dict[str, Callable[[np.random.Generator, int, int], Array]] = {
    "spirals": _spirals,
    "circles": _circles,
    "xor": _xor,
    "gauss": _gauss,
    "moons": _moons,
}

DESCRIPTIONS: dict[str, str] = {
    "spirals": "two interleaved spirals: needs several layers of curved boundaries",
    "circles": "a disc inside a ring: needs a closed boundary",
    "xor": "opposite quadrants: no single line separates them",
    "gauss": "two Gaussian clouds: almost linearly separable",
    "moons": "two interleaved half circles: one curved boundary",
}


@dataclass(frozen=True)
class DataSpec:
    """What data to draw; every field is checked on construction (one-line ``ValueError``)."""

    name: str = "spirals"
    n_points: int = 400
    noise: float = 0.1
    seed: int = 0
    train_fraction: float = 0.8
    x2_scale: float = 1.0
    x2_offset: float = 0.0
    standardise: bool = False

    def __post_init__(self) -> None:
        if self.name not in GENERATORS:
            raise ValueError(f"unknown data set {self.name!r} (choose from {', '.join(GENERATORS)})")
        set_ = lambda k, v: object.__setattr__(self, k, v)
        set_("n_points", check_int("points", self.n_points, 10, MAX_POINTS))
        set_("noise", Range(0.0, 2.0).check("noise", self.noise))
        set_("seed", check_int("seed", self.seed, 0, 2**32 - 1))
        set_("train_fraction", Range(0.05, 0.95).check("train fraction", self.train_fraction))
        set_("x2_scale", Range(1e-6, 1e6).check("x2 scale", self.x2_scale))
        set_("x2_offset", Range(-1e6, 1e6).check("x2 offset", self.x2_offset))
        if not isinstance(self.standardise, bool | np.bool_):
            raise ValueError(f"invalid standardise: {self.standardise!r} (must be True or False)")
        set_("standardise", bool(self.standardise))
        k = self.n_train
        if k < 2 or self.n_points - k < 2:
            raise ValueError(
                f"invalid train fraction: {self.train_fraction:g} of {self.n_points} points leaves "
                f"{k} for training and {self.n_points - k} for validation (need at least 2 each)"
            )

    @property
    def n_train(self) -> int:
        return round(self.train_fraction * self.n_points)

    def describe(self) -> str:
        units = "" if (self.x2_scale, self.x2_offset) == (1.0, 0.0) else f", x2*{self.x2_scale:g}+{self.x2_offset:g}"
        std = ", standardised" if self.standardise else ""
        return f"{self.name}, {self.n_points} points, noise {self.noise:g}, seed {self.seed}{units}{std}"


@dataclass(frozen=True, eq=False)
class DataSplit:
    """The two splits as the network sees them: ``x_train (n, 2)``, ``y_train (n,)`` in {0, 1},
    ``x_val``, ``y_val``. ``shift`` and ``scale`` ``(2,)`` are the standardisation applied,
    ``inputs = (x - shift)/scale`` for ``x`` in the generated units (zeros and ones when
    ``spec.standardise`` is off)."""

    spec: DataSpec
    x_train: Array
    y_train: Array
    x_val: Array
    y_val: Array
    shift: Array = field(repr=False)
    scale: Array = field(repr=False)

    @property
    def n_train(self) -> int:
        return int(self.y_train.shape[0])

    @property
    def n_inputs(self) -> int:
        return int(self.x_train.shape[1])

    def to_inputs(self, x: Array) -> Array:
        """Points in the generated units (after ``x2_scale``/``x2_offset``) as network inputs."""
        return (np.asarray(x, dtype=np.float64) - self.shift) / self.scale

    def box(self, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
        """``((x1_lo, x1_hi), (x2_lo, x2_hi))`` around every input, widened by ``margin`` of the
        range on each side: the extent of a decision-boundary picture."""
        x = np.concatenate([self.x_train, self.x_val])
        lo, hi = x.min(axis=0), x.max(axis=0)
        pad = margin * (hi - lo)
        return tuple((float(a), float(b)) for a, b in zip(lo - pad, hi + pad, strict=True))


def make_data(spec: DataSpec) -> DataSplit:
    """Draw, shuffle, split, change units and (if asked) standardise, as the module says."""
    rng = np.random.default_rng(spec.seed)
    n1 = spec.n_points // 2
    n0 = spec.n_points - n1
    x = GENERATORS[spec.name](rng, n1, n0)
    y = np.r_[np.ones(n1), np.zeros(n0)]
    if spec.noise > 0:
        x = x + rng.normal(0.0, spec.noise, x.shape)
    x[:, 1] = x[:, 1] * spec.x2_scale + spec.x2_offset
    perm = rng.permutation(spec.n_points)
    x, y = x[perm], y[perm]
    k = spec.n_train
    if spec.standardise:
        shift = x[:k].mean(axis=0)
        scale = x[:k].std(axis=0)
        scale[scale == 0.0] = 1.0  # a constant input stays as it is, centred
    else:
        shift, scale = np.zeros(2), np.ones(2)
    x = (x - shift) / scale
    return DataSplit(
        spec,
        np.ascontiguousarray(x[:k]),
        np.ascontiguousarray(y[:k]),
        np.ascontiguousarray(x[k:]),
        np.ascontiguousarray(y[k:]),
        shift,
        scale,
    )
