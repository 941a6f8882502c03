"""Initialisation: where a trajectory starts.

Three kinds, as the lecture discusses them: an exact point, all zeros (which sits exactly on
the saddle of a network whose units are symmetric, so gradient descent never leaves), and
small random values ``sigma * N(0, 1)`` from a seeded generator (same seed, same start).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.validate import check_int, check_positive, parse_float

KINDS = ("point", "zeros", "random")


@dataclass(frozen=True)
class Init:
    kind: str = "point"
    point: tuple[float, ...] = ()
    sigma: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"invalid init {self.kind!r} (choose from {', '.join(KINDS)})")
        check_positive("sigma", self.sigma)
        check_int("seed", self.seed, 0, 2**32 - 1)
        if self.kind == "point":
            if not self.point:
                raise ValueError("init point is empty")
            if not np.all(np.isfinite(self.point)):
                raise ValueError(f"init point {self.point} is not finite")

    def resolve(self, dim: int) -> np.ndarray:
        """The starting point as a float64 array of shape ``(dim,)``."""
        if self.kind == "zeros":
            return np.zeros(dim)
        if self.kind == "random":
            return self.sigma * np.random.default_rng(self.seed).standard_normal(dim)
        if len(self.point) != dim:
            raise ValueError(f"init has {len(self.point)} coordinates, the landscape needs {dim}")
        return np.array(self.point, dtype=np.float64)

    def describe(self) -> str:
        if self.kind == "zeros":
            return "zeros"
        if self.kind == "random":
            return f"random (sigma {self.sigma:g}, seed {self.seed})"
        return "(" + ", ".join(f"{c:g}" for c in self.point) + ")"


def parse_init(text: str, sigma: float = 0.01, seed: int = 0) -> Init:
    """``"zeros"``, ``"random"`` or comma-separated coordinates such as ``"-1.5,2"``."""
    t = text.strip().lower()
    if t in ("zeros", "zero", "0"):
        return Init("zeros")
    if t == "random":
        return Init("random", sigma=sigma, seed=seed)
    parts = [p.strip() for p in text.split(",")]
    try:
        coords = tuple(parse_float("init", p) for p in parts)
    except ValueError:
        raise ValueError(
            f"invalid init {text!r} (use coordinates like -1.5,2 or 'zeros' or 'random')"
        ) from None
    return Init("point", coords)
