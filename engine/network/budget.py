"""What training a network would cost, checked before any work: refused in one line that
says what to reduce, rather than failing after minutes for want of memory.

Memory. A run keeps every racer's weights at every step (the window draws and animates
every step, the command line writes them to the CSV's metrics): ``(steps + 1) x weights x
racers`` float64 numbers, as :func:`engine.simulation.record_bytes` counts them, so 2,000
steps of a 2-1024-1024-1 net (1,053,697 weights) for 3 racers take 47 GiB. Newton's method
adds, per step, a ``weights x weights`` Hessian for each Newton racer and the copies its
solve makes. The total must stay within :func:`memory_budget`: :data:`MEMORY_BUDGET` (2 GiB,
what a lecture laptop of 8 GB spares beside the window and the rest of a lecture's programs),
or half the memory the system has available when that is less.

Time. Newton's step builds the Hessian from one Hessian-vector product per weight, each a
few passes over the data, then solves a ``weights x weights`` system: its cost grows with the
square of the weights (the solve's with the cube). Measured on the development machine (2
cores, busy with other work, 320 training points), CPU time of one Hessian: 0.05 s at 337
weights, 0.4 s at 1,185, 0.7 s at 1,801, 1.0 s at 2,157, 1.5 s at 2,545 (wall time up to
twice that). At :data:`NEWTON_MAX_WEIGHTS` a race of the window's 300 steps takes some five
minutes; beyond it, longer than a lecture waits, and the lesson (the step's bill) is read on
smaller nets already. So Newton is refused on larger networks.
"""

from __future__ import annotations

from engine.simulation import record_bytes

GiB = float(1 << 30)
MEMORY_BUDGET = 2 << 30  # bytes (see the module docstring)
NEWTON_MAX_WEIGHTS = 2000  # (see the module docstring)


def available_memory() -> int | None:
    """Bytes the system can still give (``MemAvailable`` of /proc/meminfo; None where there is
    no such file)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_budget() -> int:
    """Bytes one run may take: :data:`MEMORY_BUDGET`, or half the available memory if less."""
    free = available_memory()
    return MEMORY_BUDGET if free is None else min(MEMORY_BUDGET, free // 2)


def newton_bytes(weights: int, racers: int) -> int:
    """Bytes a Newton step of ``racers`` rows takes at its peak: their Hessians, the damped
    matrices and the solver's copies (three of ``weights^2`` a racer), and two identities."""
    return 8 * (3 * racers + 2) * weights * weights if racers else 0


def run_bytes(weights: int, steps: int, racers: int, newton: int = 0, copies: int = 1, extra: int = 0) -> int:
    """Bytes a run of ``racers`` racers (``newton`` of them Newton's) takes over ``steps``
    steps; ``copies``: how many arrays of every racer's weights at every step the caller holds
    at once (the run's own counts one); ``extra``: what else the caller allocates."""
    trajectories = 8 * racers * (steps + 1) * weights
    return record_bytes(racers, weights, steps) + (copies - 1) * trajectories + newton_bytes(weights, newton) + extra


def check_run(weights: int, steps: int, racers: int, newton: int = 0, copies: int = 1, extra: int = 0) -> None:
    """Refuse (``ValueError``, one line) a run Basin cannot afford: Newton on more than
    :data:`NEWTON_MAX_WEIGHTS` weights, or more memory than :func:`memory_budget`."""
    if newton and weights > NEWTON_MAX_WEIGHTS:
        raise ValueError(
            f"Newton's method takes at most {NEWTON_MAX_WEIGHTS:,} weights (its Hessian grows as their square); "
            f"this net has {weights:,}: narrower layers, or no Newton"
        )
    need, budget = run_bytes(weights, steps, racers, newton, copies, extra), memory_budget()
    if need > budget:
        hessian = " and Newton's Hessian" if newton else ""
        raise ValueError(
            f"too large: {racers} racer{'s' * (racers != 1)} x {weights:,} weights x {steps:,} steps{hessian} need "
            f"{need / GiB:.1f} GiB, over {budget / GiB:.1f} GiB: fewer steps or racers, narrower layers"
        )
