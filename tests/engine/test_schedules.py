"""Learning-rate schedules: torch.optim.lr_scheduler's meanings, every path, the lecture's
momentum under a changing alpha."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.landscapes import make_landscape
from engine.optimizers import Optimizer, make_optimizer
from engine.schedules import Schedule, parse_schedule
from engine.simulation import simulate


def torch_rates(spec: str, alpha: float, steps: int) -> list[float]:
    """The rate torch's scheduler holds after t of its steps, t = 0 .. steps-1, written from
    torch's documentation (torch/optim/lr_scheduler.py): StepLR, ExponentialLR,
    CosineAnnealingLR's recursion (its get_lr, eta_min = 0) and LinearLR's recursion."""
    kind, *args = spec.split(":")
    out, lr = [], alpha / int(args[0]) if kind == "warmup" else alpha  # LinearLR starts at start_factor
    for t in range(steps):
        if t > 0:  # one scheduler.step(): last_epoch becomes t
            if kind == "step":
                if t % int(args[0]) == 0:
                    lr *= float(args[1])
            elif kind == "exp":
                lr *= float(args[0])
            elif kind == "cosine":
                T = steps
                if (t - 1 - T) % (2 * T) == 0:
                    lr = lr + alpha * (1 - math.cos(math.pi / T)) / 2
                else:
                    lr = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * lr
            elif kind == "warmup":
                w = int(args[0])
                start = 1.0 / w
                if t <= w:
                    lr *= 1.0 + (1.0 - start) / (w * start + (t - 1) * (1.0 - start))
        out.append(lr)
    return out


@pytest.mark.parametrize("spec", ["constant", "step:7:0.5", "exp:0.97", "cosine", "warmup:10", "step:1:2"])
def test_each_schedule_gives_torchs_rate_at_every_step(spec):
    steps, alpha = 60, 0.3
    ours = alpha * parse_schedule(spec).factors(steps)
    np.testing.assert_allclose(ours, torch_rates(spec, alpha, steps), rtol=1e-12)


def test_the_run_uses_the_scheduled_alpha_at_each_step_with_the_lectures_momentum():
    # on f = (x^2 + y^2)/2 the gradient is w, so every step can be written out by hand
    L = make_landscape("quadratic", kappa=1.0)
    sched = parse_schedule("step:3:0.5")
    alphas = 0.1 * sched.factors(10)
    run = simulate(L, make_optimizer("momentum", alpha=0.1, mu=0.9, schedule=sched), np.array([[1.0, -2.0]]), 10)
    w, p = np.array([1.0, -2.0]), np.zeros(2)
    for t in range(10):
        p = 0.9 * p - alphas[t] * w  # p <- mu*p - alpha_t*g, not torch's buf form
        w = w + p
        np.testing.assert_allclose(run.theta[0, t + 1], w, rtol=1e-14)


def test_racers_keep_their_own_schedules_in_one_batch():
    L = make_landscape("himmelblau")
    opts = [make_optimizer("gd", alpha=0.01, schedule=s) for s in (None, "cosine", "exp:0.99", "warmup:20")]
    starts = np.array([[0.3, -0.4]] * 4)
    together = simulate(L, Optimizer.stack(opts), starts, 200, record=False)
    for i, o in enumerate(opts):
        alone = simulate(L, o, starts[:1], 200, record=False)
        assert np.array_equal(together.theta[i], alone.theta[0])
    # many rows (the numpy path) with per-row schedules agree with the few-row float path
    many = simulate(L, Optimizer.stack(opts * 4), np.tile(starts, (4, 1)), 200, record=False)
    assert np.array_equal(many.theta[:4], together.theta)


def test_a_schedule_is_in_the_label_and_cosine_ends_just_above_zero():
    opt = make_optimizer("adam", alpha=0.05, schedule="cosine")
    assert opt.label().endswith("schedule=cosine)")
    f = parse_schedule("cosine").factors(100)
    assert f[0] == 1.0 and 0 < f[-1] < 1e-3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid schedule"),
        ("linear", "invalid schedule"),
        ("step:10", "step takes 2"),
        ("step:0:0.5", "step size"),
        ("step:1.5:0.5", "not a whole number"),
        ("exp:-0.9", "gamma"),
        ("exp:nan", "gamma"),
        ("exp:１", "not a number"),
        ("warmup:0", "warm-up"),
        ("cosine:5", "cosine takes 0"),
        (3, "invalid schedule"),
    ],
)
def test_a_bad_schedule_is_refused_with_one_line(text, message):
    with pytest.raises(ValueError, match=message) as err:
        parse_schedule(text)
    assert "\n" not in str(err.value)


def test_specs_read_back():
    for spec in ("constant", "step:10:0.5", "exp:0.99", "cosine", "warmup:5"):
        s = parse_schedule(spec)
        assert parse_schedule(s.spec()) == s and isinstance(s, Schedule) and s.describe()


@given(st.floats(min_value=1e-9, max_value=10.0, allow_nan=False), st.integers(1, 10**6))
def test_a_spec_reads_back_to_the_same_schedule_bit_for_bit(gamma, size):
    """A session or a saved scenario stores the spec: a gamma six digits do not hold
    (0.123456789) must come back exactly, or the reopened run differs from the one saved."""
    for s in (Schedule("step", step_size=size, gamma=gamma), Schedule("exp", gamma=gamma)):
        assert parse_schedule(s.spec()) == s
    assert Schedule("exp", gamma=0.5).spec() == "exp:0.5"  # short where short is exact
