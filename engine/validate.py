"""Validation of hyperparameters and landscape parameters.

Every check raises ``ValueError`` with a message that names the value, what it was and what
is allowed, in the spirit of ``torch.optim`` ("Invalid learning rate: -1"). The command line
and the window show these messages to people verbatim, so they must read as one clear line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from numbers import Real

# A number as people type it: ASCII digits, an optional sign, point and exponent, or
# inf/nan (which the range checks then refuse by name). Python's float() and int() also take
# full-width and other Unicode digits and underscores ("１,２", "1_0"): here those are typos.
_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan)", re.ASCII | re.IGNORECASE)
_INT = re.compile(r"[+-]?\d+", re.ASCII)


def _as_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"invalid {name}: {value!r} is not a number")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"invalid {name}: {x} is not a finite number")
    return x


def parse_float(name: str, text: str) -> float:
    """``text`` as a float, if it is written as a number (see ``_FLOAT``); else ``ValueError``."""
    t = text.strip()
    if not _FLOAT.fullmatch(t):
        raise ValueError(f"invalid {name}: {text!r} is not a number")
    return float(t)


def parse_int(name: str, text: str) -> int:
    """``text`` as a whole number: digits, or a number such as ``1e5`` whose value is whole."""
    t = text.strip()
    if _INT.fullmatch(t):
        return int(t)
    x = parse_float(name, t)
    if not (math.isfinite(x) and x.is_integer()):
        raise ValueError(f"invalid {name}: {text!r} is not a whole number")
    return int(x)


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
