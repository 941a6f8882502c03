"""Learning-rate schedules: the alpha each step uses.

A schedule multiplies a racer's alpha by a factor that depends on the step ``t`` (counting
from 0): the rate used at step ``t`` is ``alpha * factor(t)``. The five kinds mean what
``torch.optim.lr_scheduler``'s do, with ``alpha`` as the optimizer's initial rate: the rate
used at step ``t`` is the scheduler's rate after ``t`` of its steps (``scheduler.step()``
called once after every optimizer step).

* ``constant``: 1 (no schedule).
* ``step:S:G``: ``G ** floor(t / S)``, as ``StepLR(step_size=S, gamma=G)``.
* ``exp:G``: ``G ** t``, as ``ExponentialLR(gamma=G)``.
* ``cosine``: ``(1 + cos(pi * t / T)) / 2`` with ``T`` the run's number of steps, as
  ``CosineAnnealingLR(T_max=T, eta_min=0)`` (its closed form, Loshchilov and Hutter 2017,
  eq. 5; torch's recursive update gives the same numbers to rounding). It falls from 1 at
  the first step to just above 0 at the last.
* ``warmup:W``: ``1/W + (1 - 1/W) * min(t, W) / W``, as ``LinearLR(start_factor=1/W,
  end_factor=1, total_iters=W)``: a linear ramp from alpha/W to alpha over W steps.

Momentum and Nesterov keep the lecture's form under a schedule, ``p <- mu*p - alpha_t*g``;
torch's SGD keeps ``buf <- mu*buf + g`` and steps ``-alpha_t*buf``, which is the same
trajectory only while alpha is constant (engine.optimizers, its docstring).

Factors are computed once per run, as a float64 table, by numpy; every path (the numpy
batches, the float path of a few rows) reads the same table, so they agree to the last bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.validate import check_int, check_positive

KINDS = ("constant", "step", "exp", "cosine", "warmup")
SPEC_HELP = "constant, step:S:G, exp:G, cosine or warmup:W"


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule (see the module docstring); build one with :func:`parse_schedule`."""

    kind: str = "constant"
    step_size: int = 1  # step: S
    gamma: float = 1.0  # step and exp: G
    warmup: int = 1  # warmup: W

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"invalid schedule {self.kind!r} (use {SPEC_HELP})")
        check_int("schedule step size", self.step_size, 1, 10**9)
        check_positive("schedule gamma", self.gamma)
        check_int("warm-up steps", self.warmup, 1, 10**9)

    @property
    def constant(self) -> bool:
        return self.kind == "constant"

    def factors(self, steps: int) -> np.ndarray:
        """The factor of alpha at each step ``t = 0 .. steps - 1``, float64."""
        t = np.arange(max(int(steps), 0), dtype=np.float64)
        if self.kind == "step":
            return np.power(self.gamma, np.floor(t / self.step_size))
        if self.kind == "exp":
            return np.power(self.gamma, t)
        if self.kind == "cosine":
            return 0.5 * (1.0 + np.cos(math.pi * t / max(int(steps), 1)))
        if self.kind == "warmup":
            w = float(self.warmup)
            return 1.0 / w + (1.0 - 1.0 / w) * np.minimum(t, w) / w
        return np.ones_like(t)

    def spec(self) -> str:
        """The text that :func:`parse_schedule` reads back to this schedule (exactly: a
        gamma that six digits do not hold is written with all of its digits)."""
        if self.kind == "step":
            return f"step:{self.step_size}:{_exact(self.gamma)}"
        if self.kind == "exp":
            return f"exp:{_exact(self.gamma)}"
        if self.kind == "warmup":
            return f"warmup:{self.warmup}"
        return self.kind

    def describe(self) -> str:
        """Words for a legend or a status line."""
        return {
            "constant": "constant alpha",
            "step": f"alpha x {self.gamma:g} every {self.step_size} steps",
            "exp": f"alpha x {self.gamma:g} every step",
            "cosine": "cosine decay to 0",
            "warmup": f"linear warm-up over {self.warmup} steps",
        }[self.kind]


CONSTANT = Schedule()


def parse_schedule(text: object) -> Schedule:
    """``constant``, ``step:S:G``, ``exp:G``, ``cosine`` or ``warmup:W``; one line on error."""
    if isinstance(text, Schedule):
        return text
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"invalid schedule {text!r} (use {SPEC_HELP})")
    parts = [p.strip() for p in text.strip().lower().split(":")]
    kind, args = parts[0], parts[1:]
    arity = {"constant": 0, "step": 2, "exp": 1, "cosine": 0, "warmup": 1}
    if kind not in arity:
        raise ValueError(f"invalid schedule {text!r} (use {SPEC_HELP})")
    if len(args) != arity[kind]:
        raise ValueError(f"invalid schedule {text!r}: {kind} takes {arity[kind]} number(s) (use {SPEC_HELP})")
    try:
        if kind == "step":
            return Schedule("step", step_size=_whole(args[0]), gamma=_number(args[1]))
        if kind == "exp":
            return Schedule("exp", gamma=_number(args[0]))
        if kind == "warmup":
            return Schedule("warmup", warmup=_whole(args[0]))
    except ValueError as e:
        raise ValueError(f"invalid schedule {text!r}: {e}") from None
    return Schedule(kind)


def _exact(x: float) -> str:
    """``x`` short (``0.5``, ``1e-05``) when that is exact, else its shortest exact form."""
    short = f"{x:g}"
    return short if float(short) == x else repr(float(x))


def _number(text: str) -> float:
    if not text.isascii():
        raise ValueError(f"{text!r} is not a number")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def _whole(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)
