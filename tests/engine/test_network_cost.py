"""What a network's training costs: stopping it from another thread within a fraction of a
second (inside a step, a Hessian, a batch), and refusing before any work a run that memory or
Newton's Hessian cannot afford (engine/cancel.py, engine/network/budget.py)."""

from __future__ import annotations

import threading
import time
import tracemalloc

import numpy as np
import pytest

from engine.cancel import Cancelled, cancelling, check
from engine.network import budget
from engine.network.setup import NetworkSetup
from engine.network.slices import pca_bytes, pca_plane
from engine.network.threads import map_chunks
from engine.network.training import train
from engine.optimizers import Optimizer, make_optimizer
from engine.simulation import record_bytes, simulate


def _net(hidden: list[int], points: int = 400):
    return NetworkSetup.from_fields({"data": "moons", "hidden": hidden, "points": points}).build()


class Flips:
    """A cancel callback that turns true after ``after`` calls (counts them)."""

    def __init__(self, after: int) -> None:
        self.after, self.calls = after, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls > self.after


def test_check_raises_only_under_a_hook_that_says_so() -> None:
    check()  # no hook: nothing
    with cancelling(lambda: False):
        check()
        with cancelling(None):  # None keeps the hook outside
            check()
    with pytest.raises(Cancelled), cancelling(lambda: True):
        check()
    check()  # the hook went with its block


def test_a_hessian_stops_between_its_passes() -> None:
    net, w = _net([24, 24])  # 697 weights: some passes of directions
    assert np.allclose(net.hessian(w[None])[0], net.hessian(w[None])[0].T)
    hook = Flips(2)
    with pytest.raises(Cancelled), cancelling(hook):
        net.hessian(w[None])
    assert hook.calls == 3  # two passes made, stopped before the third


def test_a_batch_stops_between_its_chunks_in_every_thread() -> None:
    done = []
    hook = Flips(3)

    def item(i: int) -> int:
        done.append(i)
        return i

    assert map_chunks(item, range(10)) == list(range(10))  # no hook: all of them
    done.clear()
    with pytest.raises(Cancelled), cancelling(hook):
        map_chunks(item, range(50), workers=2)
    assert len(done) < 50


def test_a_large_pass_stops_between_its_layers() -> None:
    net, w = _net([1024, 1024], points=200)  # a million weights: a pass of a second, polled per layer
    hook = Flips(1)
    with pytest.raises(Cancelled), cancelling(hook):
        net.loss_grad(w[None])
    assert hook.calls == 2


def test_a_network_run_reports_and_polls_at_every_step() -> None:
    net, w = _net([8])
    seen = []
    run = simulate(net, make_optimizer("gd", alpha=0.1), w[None], 40, progress=seen.append)
    assert len(seen) >= 40 and seen == sorted(seen) and seen[-1] == 1.0 and run.stop[0] == 40
    hook = Flips(5)
    with pytest.raises(Cancelled):
        simulate(net, make_optimizer("gd", alpha=0.1), w[None], 40, cancel=hook)
    assert hook.calls == 6  # stopped at the sixth poll, inside the first block of 16 steps


def test_newton_on_a_large_net_stops_within_a_second() -> None:
    """The reviewer's case: Newton's step on a net near the limit takes seconds (a Hessian of
    1,801 x 1,801 from 1,801 products); cancelling inside it ends the run promptly."""
    net, w = _net([40, 40])
    assert net.dim == 1801 <= budget.NEWTON_MAX_WEIGHTS
    opt = Optimizer.stack([make_optimizer("gd", alpha=0.3), make_optimizer("newton", alpha=1.0, damping=0.1)])
    stop, started, out = threading.Event(), threading.Event(), {}

    def run() -> None:
        try:
            simulate(net, opt, np.repeat(w[None], 2, axis=0), 300, cancel=stop.is_set,
                     progress=lambda _f: started.set())
            out["end"] = "finished"
        except Cancelled:
            out["end"] = "cancelled"

    t = threading.Thread(target=run)
    t.start()
    assert started.wait(30)  # the first step (and its Hessian) is under way
    t0 = time.perf_counter()
    stop.set()
    t.join(30)
    latency = time.perf_counter() - t0
    assert out["end"] == "cancelled" and latency < 1.0, latency


def test_a_recorded_run_takes_what_record_bytes_says() -> None:
    """The estimate counts the arrays the simulation allocates (tracemalloc sees numpy's)."""
    net, w = _net([32, 32])
    steps, k = 600, 3
    opt = Optimizer.stack([make_optimizer("gd", alpha=0.3), make_optimizer("adam", alpha=0.01),
                           make_optimizer("momentum", alpha=0.05, mu=0.9)])
    starts = np.repeat(w[None], k, axis=0)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        run = simulate(net, opt, starts, steps)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    estimate = record_bytes(k, net.dim, steps)
    assert run.theta.nbytes < estimate
    assert 0.8 * peak < estimate < 1.5 * peak, (peak, estimate)


def test_the_trajectories_are_not_copied_at_the_end() -> None:
    net, w = _net([8])
    run = simulate(net, make_optimizer("gd", alpha=0.1), w[None], 30)
    assert run.theta.flags.c_contiguous and run.theta.shape == (1, 31, net.dim)
    assert np.isnan(simulate(net, make_optimizer("gd", alpha=1e9), w[None], 30).theta[0, -1]).all()


def test_the_pca_plane_of_a_large_net_uses_the_points_gram_matrix() -> None:
    """More weights than points: the same plane (up to sign) and captured fraction as an
    SVD gives, without a weights x weights matrix."""
    rng = np.random.default_rng(3)
    pts = rng.standard_normal((2, 40, 500)) * np.linspace(0.5, 3.0, 500)
    plane = pca_plane(pts)
    x = pts.reshape(-1, 500)
    _u, s, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    assert abs(plane.d1 @ vt[0]) == pytest.approx(1.0, abs=1e-10)
    assert abs(plane.d2 @ vt[1]) == pytest.approx(1.0, abs=1e-10)
    assert plane.captured == pytest.approx((s[0] ** 2 + s[1] ** 2) / (s**2).sum(), rel=1e-10)
    assert pca_bytes(80, 500) < 80 * 500 * 8 + 500 * 500 * 8


def test_runs_too_large_are_refused_in_one_line_naming_what_to_reduce(monkeypatch) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: None)  # the 2 GiB limit, whatever this machine has
    big = NetworkSetup.from_fields({"hidden": [1024, 1024]}).weights
    assert big == 1_053_697
    with pytest.raises(ValueError, match=r"^too large: 1 racer x 1,053,697 weights x 2,000 steps need 1\d\.\d GiB, "
                                         r"over 2\.0 GiB: fewer steps or racers, narrower layers$") as e:
        budget.check_run(big, 2000, 1)
    assert "\n" not in str(e.value) and len(str(e.value)) < 130  # (a status bar's line)
    budget.check_run(337, 1000, 7)  # the lecture's nets pass
    with pytest.raises(ValueError, match=r"at most 2,000 weights .* this net has 2,545: narrower layers, or no Newton"):
        budget.check_run(2545, 10, 2, newton=1)
    budget.check_run(2545, 300, 3)  # without Newton, that net is fine
    with pytest.raises(ValueError, match=r"x 100,000 steps and Newton's Hessian need"):
        budget.check_run(1801, 100_000, 2, newton=1)


def test_the_budget_is_the_smaller_of_its_limit_and_half_the_free_memory(monkeypatch) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: 1 << 30)
    assert budget.memory_budget() == 1 << 29
    monkeypatch.setattr(budget, "available_memory", lambda: None)
    assert budget.memory_budget() == budget.MEMORY_BUDGET == 2 << 30


def test_train_refuses_before_any_work(monkeypatch) -> None:
    setup = NetworkSetup.from_fields({"hidden": [1024, 1024]})
    monkeypatch.setattr(NetworkSetup, "build", lambda self: pytest.fail("built a network it then refused"))
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="too large"):
        train(setup, [make_optimizer("gd", alpha=0.1)], 2000)
    with pytest.raises(ValueError, match="Newton's method takes at most 2,000 weights"):
        train(NetworkSetup.from_fields({"hidden": [256, 256]}), [make_optimizer("newton")], 10)
    assert time.perf_counter() - t0 < 1.0
