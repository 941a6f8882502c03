"""Validation of hyperparameters and landscape parameters.

Every check raises ``ValueError`` with a message that names the value, what it was and what
is allowed, in the spirit of ``torch.optim`` ("Invalid learning rate: -1"). The command line
and the window show these messages to people verbatim, so they must read as one clear line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real


def _as_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"invalid {name}: {value!r} is not a number")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"invalid {name}: {x} is not a finite number")
    return x


def check_positive(name: str, value: object) -> float:
    """Require a finite ``value > 0`` (alpha, eps, sigma)."""
    x = _as_float(name, value)
    if x <= 0.0:
        raise ValueError(f"invalid {name}: {x:g} (must be > 0)")
    return x


def check_nonnegative(name: str, value: object) -> float:
    """Require a finite ``value >= 0`` (Newton's damping)."""
    x = _as_float(name, value)
    if x < 0.0:
        raise ValueError(f"invalid {name}: {x:g} (must be >= 0)")
    return x


def check_unit_interval(name: str, value: object) -> float:
    """Require ``0 <= value < 1`` (mu, beta1, beta2, rho)."""
    x = _as_float(name, value)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"invalid {name}: {x:g} (must be in [0, 1))")
    return x


def check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    """Require a whole number in ``[lo, hi]`` (steps, seeds, grid sizes)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"invalid {name}: {value!r} is not a whole number")
    if value < lo or (hi is not None and value > hi):
        allowed = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"invalid {name}: {value} (must be {allowed})")
    return value


@dataclass(frozen=True)
class Range:
    """A closed numeric range ``[lo, hi]`` with an optional log scale hint for sliders."""

    lo: float
    hi: float
    log: bool = False

    def check(self, name: str, value: object) -> float:
        x = _as_float(name, value)
        if not self.lo <= x <= self.hi:
            raise ValueError(f"invalid {name}: {x:g} (must be in [{self.lo:g}, {self.hi:g}])")
        return x
