"""Engine speed: prints figures; never part of the test pass/fail.

(a) all seven optimizers x 1000 steps from one start on rosenbrock, as one batched run
    (target <= 16 ms, one 60 Hz frame; stretch <= 8 ms);
(b) 256 x 256 starts x 500 steps on himmelblau without histories, for gd and adam
    (targets <= 0.25 s and <= 0.6 s on two cores);
(c) where torch is installed, the same single trajectory with torch.optim, and the ratio of
    time per optimizer step (target: Basin at least 100x faster).

Run: python benchmarks/bench_engine.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import OPTIMIZERS, Optimizer, make_landscape, make_optimizer, simulate

START = (-1.5, 2.0)
# alphas that keep every optimizer on rosenbrock's valley for all 1000 steps (a diverged
# row leaves the batch early and would flatter the figure)
ALPHA = {"gd": 1e-3, "momentum": 2e-4, "nesterov": 2e-4, "adam": 0.01, "rmsprop": 1e-3, "adagrad": 0.5, "newton": 1.0}


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm up
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), min(ts)


def bench_single(repeat: int) -> float:
    L = make_landscape("rosenbrock")
    opt = Optimizer.stack([make_optimizer(n, alpha=ALPHA[n]) for n in OPTIMIZERS])
    starts = np.tile([START], (len(OPTIMIZERS), 1))
    med, best = timed(lambda: simulate(L, opt, starts, 1000), repeat)
    print(f"(a) 7 optimizers x 1000 steps, rosenbrock, one batched run: median {med * 1e3:.1f} ms, "
          f"best {best * 1e3:.1f} ms   (target <= 16 ms, stretch <= 8 ms)")
    for n in OPTIMIZERS:
        m, _ = timed(lambda n=n: simulate(L, make_optimizer(n, alpha=ALPHA[n]), np.array([START]), 1000), repeat)
        print(f"      {n:<9} alone: {m * 1e3:5.1f} ms")
    return med


def bench_map(repeat: int) -> None:
    L = make_landscape("himmelblau")
    g = np.linspace(-6, 6, 256)
    starts = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    workers = min(2, os.cpu_count() or 1)
    for name, alpha, target in (("gd", 0.01, 0.25), ("adam", 0.05, 0.6)):
        opt = make_optimizer(name, alpha=alpha)
        med, best = timed(lambda opt=opt: simulate(L, opt, starts, 500, record=False, workers=workers), repeat)
        print(f"(b) 256x256 starts x 500 steps, himmelblau, {name:<4} alpha {alpha:g}, {workers} workers: "
              f"median {med:.3f} s, best {best:.3f} s   (target <= {target} s)")


def bench_torch(repeat: int, basin_seconds: float) -> None:
    try:
        import torch
    except ImportError:
        print("(c) torch is not installed: skipped")
        return
    torch.set_num_threads(1)

    def rosen(p):
        return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2

    makers = {
        "gd": lambda p: torch.optim.SGD([p], lr=ALPHA["gd"]),
        # torch's SGD momentum is v <- mu v + g; w <- w - lr v: the same path as the
        # lecture's form for a constant learning rate
        "momentum": lambda p: torch.optim.SGD([p], lr=ALPHA["momentum"], momentum=0.9),
        "nesterov": lambda p: torch.optim.SGD([p], lr=ALPHA["nesterov"], momentum=0.9, nesterov=True),
        "adam": lambda p: torch.optim.Adam([p], lr=ALPHA["adam"]),
        "rmsprop": lambda p: torch.optim.RMSprop([p], lr=ALPHA["rmsprop"], alpha=0.9),
        "adagrad": lambda p: torch.optim.Adagrad([p], lr=ALPHA["adagrad"]),
    }

    def run_all():
        for make in makers.values():
            p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
            opt = make(p)
            for _ in range(1000):
                opt.zero_grad()
                rosen(p).backward()
                opt.step()

    med, _ = timed(run_all, max(1, repeat // 5))
    per_torch = med / (len(makers) * 1000)
    L = make_landscape("rosenbrock")
    six = Optimizer.stack([make_optimizer(n, alpha=ALPHA[n]) for n in makers])
    b_med, _ = timed(lambda: simulate(L, six, np.tile([START], (6, 1)), 1000), repeat)
    per_basin = b_med / (6 * 1000)
    print(f"(c) torch {torch.__version__} torch.optim, 6 optimizers x 1000 steps: {med * 1e3:.0f} ms "
          f"({per_torch * 1e6:.1f} us per optimizer step); Basin, the same 6 batched: {b_med * 1e3:.1f} ms "
          f"({per_basin * 1e6:.2f} us); Basin is {per_torch / per_basin:.0f}x faster per step   (target >= 100x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args()
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    s = bench_single(a.repeat)
    bench_map(max(3, a.repeat // 5))
    bench_torch(a.repeat, s)


if __name__ == "__main__":
    main()
