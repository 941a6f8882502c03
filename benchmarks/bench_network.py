"""Network engine speed: prints figures and ratios measured in one run; never part of the tests.

The net: 2-16-16-1 tanh with cross-entropy (P = 337 weights) on the spirals data set of 400
points, 320 of them in the training split; a Glorot start shared by every racer.

(a) 7 racers x 1000 full-batch steps through ``engine.simulation.simulate`` with
    ``Optimizer.stack`` (the six first-order optimizers of the registry and a second gd;
    Newton is timed per step in (d)); target <= 1 s on two cores, stretch 0.5 s. Also what
    one loss and gradient of 7 rows costs, and so how much of the run is the network's pass
    (the simulation keeps the loss its step computes: no point is evaluated twice).
(b) where torch is installed: the same training with torch.optim (float64, same net, data and
    start; one model per optimizer, as torch trains), and the ratio of time per optimizer
    step (target: Basin at least 3x faster).
(c) a 64 x 64 slice of the loss through the current weights (two filter-normalised random
    directions); target <= 50 ms.
(d) Newton on the whole network: one step (Hessian from 337 Hessian-vector products, then a
    solve) against one step of gradient descent.

Each figure is wall-clock time (median and best of N runs); single-threaded parts also print
their CPU time, which on a machine shared with other jobs is closer to what an idle machine
shows (wall time then includes waiting for a core). Ratios use the same measure on both sides.

Run: python benchmarks/bench_network.py [--repeat N] [--torch-threads K]
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

from engine.network.data import DataSpec, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.mlp import Network
from engine.network.slices import loss_slice, random_plane
from engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from engine.simulation import simulate

STEPS = 1000
# (name, hyperparameters): alphas that keep every racer training for all 1000 steps
RACERS = [
    ("gd", {"alpha": 0.5}),
    ("momentum", {"alpha": 0.05, "mu": 0.9}),
    ("nesterov", {"alpha": 0.05, "mu": 0.9}),
    ("adam", {"alpha": 0.01}),
    ("rmsprop", {"alpha": 0.003}),
    ("adagrad", {"alpha": 0.05}),
    ("gd", {"alpha": 0.1}),
]
assert {n for n, _ in RACERS} == set(OPTIMIZERS) - {"newton"}


def setup() -> tuple[Network, np.ndarray]:
    net = Network(make_data(DataSpec("spirals", 400, 0.1, seed=0)), hidden=(16, 16))
    return net, init_weights(net.layout, InitSpec("glorot", seed=0))


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """Median and best wall time, and median CPU time (all threads of the process), of
    ``repeat`` calls after a warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def bench_training(net: Network, w0: np.ndarray, repeat: int) -> tuple[float, float]:
    opt = Optimizer.stack([make_optimizer(n, **h) for n, h in RACERS])
    starts = np.tile(w0, (len(RACERS), 1))
    run = simulate(net, opt, starts, STEPS)
    # a racer that stopped early would leave the batch and flatter the figure
    assert np.all(run.stop == STEPS) and np.all(np.isfinite(run.loss)), "a racer stopped early"
    med, best, cpu = timed(lambda: simulate(net, opt, starts, STEPS), repeat)
    print(f"(a) 7 racers x {STEPS} full-batch steps, 2-16-16-1 tanh, {net.n_train} training points, P = {net.dim}: "
          f"median {med:.3f} s, best {best:.3f} s, cpu {cpu:.3f} s   (target <= 1 s, stretch 0.5 s)")
    finals = zip(RACERS, run.loss[:, -1], strict=True)
    print("      final training loss: " + ", ".join(f"{n} {v:.3f}" for (n, _), v in finals))
    w7 = np.asfortranarray(starts + np.random.default_rng(0).normal(0, 0.01, starts.shape))
    g_med, _, g_cpu = timed(lambda: [net.grad(w7) for _ in range(100)], repeat)
    lg_med, _, lg_cpu = timed(lambda: [net.loss_grad(w7) for _ in range(100)], repeat)
    print(f"      one pass over the data for 7 rows: gradient {g_med * 1e4:.0f} us (cpu {g_cpu * 1e4:.0f}), "
          f"loss and gradient {lg_med * 1e4:.0f} us (cpu {lg_cpu * 1e4:.0f}); {STEPS} of them: "
          f"{lg_cpu * 10:.3f} s cpu, {lg_cpu * 10 / cpu:.0%} of the run's")
    # Nesterov's gradient is taken at its look-ahead point: each step computes the loss and
    # gradient at theta_t for every row (the judgement keeps them) and the look-ahead row's
    # gradient besides, one pass for one row more
    plain = Optimizer.stack([make_optimizer(n, **h) for n, h in RACERS if n != "nesterov"] + [make_optimizer("gd")])
    p_med, p_best, p_cpu = timed(lambda: simulate(net, plain, starts, STEPS), repeat)
    print(f"      the same 7 racers with a third gd for nesterov (no look-ahead row): "
          f"median {p_med:.3f} s, best {p_best:.3f} s, cpu {p_cpu:.3f} s")
    return med, cpu


def bench_torch(net: Network, w0: np.ndarray, repeat: int, basin: tuple[float, float], threads: int) -> None:
    try:
        import torch
    except ImportError:
        print("(b) torch is not installed: skipped (pip install torch==2.13.0 to compare)")
        return
    x = torch.tensor(net.data.x_train, dtype=torch.float64)
    y = torch.tensor(net.data.y_train, dtype=torch.float64)
    layers = net.layout.unflatten(w0)

    def model() -> torch.nn.Module:
        mods = []
        for i, (W, b) in enumerate(layers):
            lin = torch.nn.Linear(*W.shape, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(W.T))  # torch stores (fan_out, fan_in)
                lin.bias.copy_(torch.tensor(b))
            mods.append(lin)
            if i < len(layers) - 1:
                mods.append(torch.nn.Tanh())
        return torch.nn.Sequential(*mods)

    # torch's SGD momentum (buf <- mu*buf + g; w <- w - lr*buf) follows the lecture's path for a
    # constant alpha; its Nesterov form takes the gradient at w (Sutskever's look-ahead,
    # rewritten); RMSprop's alpha is Basin's rho; AdaGrad's eps set to Basin's 1e-8
    makers = {
        "gd": lambda p, h: torch.optim.SGD(p, lr=h["alpha"]),
        "momentum": lambda p, h: torch.optim.SGD(p, lr=h["alpha"], momentum=h["mu"]),
        "nesterov": lambda p, h: torch.optim.SGD(p, lr=h["alpha"], momentum=h["mu"], nesterov=True),
        "adam": lambda p, h: torch.optim.Adam(p, lr=h["alpha"], eps=1e-8),
        "rmsprop": lambda p, h: torch.optim.RMSprop(p, lr=h["alpha"], alpha=0.9, eps=1e-8),
        "adagrad": lambda p, h: torch.optim.Adagrad(p, lr=h["alpha"], eps=1e-8),
    }
    loss_fn = torch.nn.BCEWithLogitsLoss()
    finals = {}

    def run_all() -> None:
        for k, (name, hyper) in enumerate(RACERS):
            m = model()
            opt = makers[name](m.parameters(), hyper)
            for _ in range(STEPS):
                opt.zero_grad()
                loss = loss_fn(m(x)[:, 0], y)
                loss.backward()
                opt.step()
            with torch.no_grad():
                finals[k] = float(loss_fn(m(x)[:, 0], y))

    torch.set_num_threads(threads)
    med, _, cpu = timed(run_all, max(1, repeat // 3))
    print(f"(b) torch {torch.__version__} torch.optim, 7 optimizers x {STEPS} steps, float64, {threads} thread(s): "
          f"median {med:.2f} s, cpu {cpu:.2f} s")
    # the same numbers: gd and Adam follow the same path in both (to rounding)
    opt = Optimizer.stack([make_optimizer(n, **h) for n, h in RACERS])
    run = simulate(net, opt, np.tile(w0, (len(RACERS), 1)), STEPS)
    for k in (0, 3):
        print(f"      {RACERS[k][0]} final loss: Basin {run.loss[k, -1]:.12f}, torch {finals[k]:.12f}")
    n = len(RACERS) * STEPS
    print(f"      per optimizer step, wall: torch {med / n * 1e6:.0f} us, Basin {basin[0] / n * 1e6:.0f} us, "
          f"Basin {med / basin[0]:.1f}x faster; cpu: torch {cpu / n * 1e6:.0f} us, Basin {basin[1] / n * 1e6:.0f} us, "
          f"Basin {cpu / basin[1]:.1f}x faster   (target >= 3x)")


def bench_slice(net: Network, w0: np.ndarray, repeat: int) -> None:
    plane = random_plane(net.layout, w0, seed=1)
    ab = np.linspace(-1.0, 1.0, 64)
    workers = min(2, os.cpu_count() or 1)
    for precision in ("float64", "float32"):
        for wk in sorted({1, workers}):
            def one(p: str = precision, k: int = wk) -> None:
                loss_slice(net, plane.origin, plane.d1, plane.d2, ab, ab, precision=p, workers=k)

            med, best, cpu = timed(one, repeat)
            print(f"(c) 64 x 64 loss slice, {precision}, {wk} thread(s): median {med * 1e3:.1f} ms, "
                  f"best {best * 1e3:.1f} ms, cpu {cpu * 1e3:.0f} ms   (target <= 50 ms)")


def bench_newton(net: Network, w0: np.ndarray, repeat: int) -> None:
    one = w0[None]
    n_med = timed(lambda: simulate(net, make_optimizer("newton", damping=1.0), one, 3), max(1, repeat // 3))[2]
    g_med = timed(lambda: simulate(net, make_optimizer("gd", alpha=0.1), one, 3), repeat)[2]
    h_med = timed(lambda: net.hessian(w0), max(1, repeat // 3))[2]
    print(f"(d) one racer, 3 steps, cpu time: Newton {n_med * 1e3:.0f} ms, gd {g_med * 1e3:.1f} ms "
          f"(Newton {n_med / g_med:.0f}x dearer); one Hessian ({net.dim} x {net.dim}, {net.dim} products): "
          f"{h_med * 1e3:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    # torch's own thread pool only slows operations this small (and spins when the cores are
    # shared: 25x slower measured with 2 threads on a loaded machine); pass 2 to see it
    ap.add_argument("--torch-threads", type=int, default=1)
    a = ap.parse_args()
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"load average {os.getloadavg()[0]:.1f}")
    net, w0 = setup()
    s = bench_training(net, w0, a.repeat)
    bench_torch(net, w0, a.repeat, s, a.torch_threads)
    bench_slice(net, w0, a.repeat)
    bench_newton(net, w0, a.repeat)


if __name__ == "__main__":
    main()
