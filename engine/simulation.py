"""Run optimizers on a landscape from a batch of starts, and say how each run ended.

A run records, for every step ``t = 0..N`` (0 is the start), the point ``theta_t``, the loss
and the gradient norm at it. Each row ends in one of four ways, at a step ``k``:

* ``converged`` at ``k``: ``|grad(theta_k)| < tol``. This includes a start exactly on a
  saddle, where the gradient is zero: the simulation reports the kind of point it stopped at
  (see :func:`point_kinds`) rather than pretending it found a minimum.
* ``diverged`` at ``k``: ``theta_k`` or the loss or gradient at it is not finite, or some
  coordinate of ``theta_k`` exceeds ``bound`` in magnitude. Step ``k`` is recorded as computed
  (it may hold inf or NaN); nothing after it.
* ``failed`` at ``k``: the Newton step from ``theta_(k-1)`` had a singular linear system.
* ``unconverged``: none of the above within N steps (``stop = N``).

No numpy warning escapes: arithmetic runs under ``np.errstate(all="ignore")`` and the checks
above turn overflow into a status.

How it is fast
--------------
The step loop does only what the optimizer needs (the gradient at its query point, the
Hessian for Newton rows) and stores ``theta_t`` in a block buffer. Every ``block`` steps, the
loss and gradient at all stored points of the block are evaluated in one batched call, which
both fills the history (``record=True``) and decides which rows stopped; finished rows are
then dropped from the batch. Without a history (``record=False``, basin maps) memory is
``O(B * block)`` and the rows can be split over worker threads (numpy releases the GIL
inside its loops).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from engine import scalar
from engine._malloc import tune_malloc
from engine.cancel import Cancelled, cancelling, hook
from engine.landscapes import Landscape, curvature
from engine.optimizers import Optimizer, Stepper
from engine.validate import check_int, check_positive

Array = np.ndarray

MAX_STEPS = 100_000


class Status(IntEnum):
    UNCONVERGED = 0
    CONVERGED = 1
    DIVERGED = 2
    FAILED = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Outcome:
    """How each row ended: final point, loss and gradient norm at ``stop``, and status."""

    theta: Array  # (B, D) theta at the stop step
    loss: Array  # (B,)
    grad_norm: Array  # (B,)
    status: Array  # (B,) Status codes
    stop: Array  # (B,) step at which the row stopped (N if it ran out)
    steps: int  # N, the step budget


@dataclass(frozen=True)
class Run:
    """Full histories: ``theta (B, N+1, D)``, ``loss`` and ``grad_norm (B, N+1)``.

    Entries after a row's ``stop`` step are NaN. ``names`` labels the rows.
    """

    names: tuple[str, ...]
    theta: Array
    loss: Array
    grad_norm: Array
    status: Array
    stop: Array
    steps: int
    final: Outcome = field(repr=False)

    def finite_length(self, i: int) -> int:
        """How many leading steps of row ``i`` are drawable (a diverged row's last step may
        hold inf or NaN, and a point beyond ``bound`` would wreck a plot's range)."""
        k = int(self.stop[i])
        return k if self.status[i] in (Status.DIVERGED, Status.FAILED) else k + 1

    def theta_at(self, k: int) -> Array:
        """Each row's weights at step ``k``, ``(B, D)``: a row that stopped before ``k`` stays
        where it stopped (a diverged row's may be non-finite there)."""
        return self.theta[np.arange(len(self.names)), np.minimum(k, self.stop)]


@dataclass
class _Tally:
    """Per-row results, filled as rows stop."""

    theta: Array
    loss: Array
    gnorm: Array
    status: Array
    stop: Array


def _check_common(landscape: Landscape, starts: Array, steps: int, tol: float, bound: float) -> Array:
    steps = check_int("steps", steps, 0, MAX_STEPS)
    check_positive("tol", tol)
    check_positive("bound", bound)
    w0 = np.asarray(starts, dtype=np.float64)
    if w0.ndim != 2 or w0.shape[1] != landscape.dim:
        raise ValueError(
            f"starts must have shape (B, {landscape.dim}) for {landscape.name}, got {w0.shape}"
        )
    if w0.shape[0] == 0:
        raise ValueError("starts is empty")
    if not np.all(np.isfinite(w0)):
        raise ValueError("starts must be finite numbers")
    return w0


def simulate(
    landscape: Landscape,
    optimizer: Optimizer,
    starts: Array,
    steps: int,
    *,
    tol: float = 1e-6,
    bound: float = 1e6,
    record: bool = True,
    block: int = 256,
    workers: int = 1,
    batch_size: int | None = None,
    seed: int = 0,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Run | Outcome:
    """Run ``optimizer`` for ``steps`` steps from ``starts`` ``(B, D)`` on ``landscape``.

    ``batch_size`` (for models trained on data, which have ``n_train`` and ``batch_grad``):
    each step uses the gradient of the mean loss over a mini-batch, drawn without
    replacement from a fresh shuffle of the training set every epoch (``seed`` fixes the
    shuffles; every row sees the same mini-batches). Losses, gradient norms and the stopping
    rules stay full-batch: they describe the training loss itself.

    A one-member optimizer drives every row; a stacked optimizer of ``K`` members drives
    ``B/K`` consecutive rows each. Returns a :class:`Run` (full histories) when ``record``,
    else an :class:`Outcome` (final state only, memory ``O(B)``), which may use ``workers``
    threads. ``cancel`` is polled and ``progress`` told the fraction done once per block, and
    on a costly landscape (a network) at every step; the landscape's own long loops (a
    network's Hessian) poll it too (:mod:`engine.cancel`). Without ``cancel``, the calling
    thread's cancel hook is polled, if it has one.
    """
    w0 = _check_common(landscape, starts, steps, tol, bound)
    if cancel is None:
        cancel = hook()
    block = check_int("block", block, 1)
    grad = _gradient_oracle(landscape, batch_size, seed)
    workers = check_int("workers", workers, 1, 64)
    b = w0.shape[0]
    rule = optimizer.stepper(b, landscape.dim, steps)  # validates the row split
    if record:
        names = [optimizer.label(i) for i in range(len(optimizer.names))]
        names = list(np.repeat(np.array(names, dtype=object), b // len(names)))
        curved = np.zeros(b, dtype=bool)
        for g in rule.groups:
            curved[g.rows] = g.definition.curvature
        others = np.nonzero(~curved)[0]
        if curved.any() and others.size and scalar.eligible(landscape, rule.part(others), others.size, grad):
            # a few racers with Newton among them: the others take the float path
            groups = [others, np.nonzero(curved)[0]]
            parts = []
            for rows, lo in zip(groups, (0.0, others.size / b), strict=True):
                # each part reports its share of the whole, so progress never runs backwards
                share = None if progress is None else (lambda f, lo=lo, w=rows.size / b: progress(lo + w * f))
                parts.append(_Simulation(landscape, rule.part(rows), w0[rows], steps, tol, bound, block, True,
                                         cancel, share, grad, [names[i] for i in rows]).go())
            return _joined(parts, groups)
        return _Simulation(landscape, rule, w0, steps, tol, bound, block, True, cancel, progress, grad, names).go()
    tune_malloc()  # large temporaries: see engine/_malloc.py
    if b <= _CHUNK:
        return _Simulation(landscape, rule, w0, steps, tol, bound, block, False, cancel, progress, grad).go()
    return _threaded(landscape, rule, w0, steps, tol, bound, block, workers, cancel, progress, grad)


def record_bytes(rows: int, dim: int, steps: int, block: int = 256) -> int:
    """Bytes of the arrays a recorded run (``record=True``) of ``rows`` rows in ``dim``
    dimensions allocates for ``steps`` steps: the history of points, losses and gradient
    norms, the block buffer and the judging of a block (as much again). A check before a
    large run counts these."""
    if rows <= 0:
        return 0
    return 8 * rows * (dim + 2) * ((steps + 1) + 2 * (_block_len(block, rows, dim, steps) + 1))


def grad_norm(g: Array) -> Array:
    """``|g|`` over the last axis: a call per column for a few (cheapest on a few points),
    a reduction for many (a network's weights)."""
    d = g.shape[-1]
    if d > 8:
        return np.sqrt(np.einsum("...j,...j->...", g, g))
    gn = g[..., 0] * g[..., 0]
    for j in range(1, d):
        gn += g[..., j] * g[..., j]
    return np.sqrt(gn, out=gn)


def _gradient_oracle(landscape: Landscape, batch_size: int | None, seed: int):
    """``grad(q, t)`` for step ``t``, the mini-batch of that step; None for full batch
    (the loop then calls ``landscape.grad(q)`` directly, a call less per step)."""
    if batch_size is None:
        return None
    n = getattr(landscape, "n_train", None)
    if n is None or not callable(getattr(landscape, "batch_grad", None)):
        raise ValueError(f"{landscape.name} is not trained on data: it has no mini-batches")
    batch_size = check_int("batch size", batch_size, 1, n)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    if batch_size == n:
        return None
    per_epoch = n // batch_size  # the remainder of each shuffle is dropped, as usual
    epochs: dict[int, Array] = {}

    def grad(q: Array, t: int) -> Array:
        e, k = divmod(t, per_epoch)
        # a local reference: chunks of a large batch call this from several threads, and
        # another thread's clear() must not pull the shuffle from under this one
        order = epochs.get(e)
        if order is None:
            order = np.random.default_rng([seed, e]).permutation(n)
            epochs.clear()
            epochs[e] = order
        return landscape.batch_grad(q, order[k * batch_size : (k + 1) * batch_size])

    return grad


# Rows per chunk of a large batch, and points per block judgement. Measured on 2 cores: on
# 65536 rows at once a step runs several times slower (arrays fall out of cache); below a
# few thousand rows, threads gain nothing (each numpy call then takes about as long as
# handing the GIL to the other thread).
_CHUNK = 16384
_JUDGE_POINTS = 1 << 16
# A block's points take at most this many bytes (at least one step a block): on a large
# network a block of 256 steps would be gigabytes, and judging it seconds without a poll.
_JUDGE_BYTES = 32 << 20


def _block_len(block: int, rows: int, dim: int, steps: int) -> int:
    """Steps judged together at most: ``block``, fewer for many rows or many dimensions."""
    return min(block, max(8, _JUDGE_POINTS // rows), max(1, _JUDGE_BYTES // (8 * rows * dim)), steps + 1)


def _threaded(landscape, rule, w0, steps, tol, bound, block, workers, cancel, progress, grad) -> Outcome:
    # More chunks than workers balance the load when some chunks finish early.
    b = w0.shape[0]
    n_chunks = max(workers, -(-b // _CHUNK))
    edges = np.linspace(0, b, n_chunks + 1).astype(int)
    done = np.zeros(n_chunks)
    lock = threading.Lock()
    stop_all = threading.Event()

    def chunk_cancel() -> bool:
        if stop_all.is_set():
            return True
        if cancel is not None and cancel():
            stop_all.set()
            return True
        return False

    def one(i: int) -> Outcome:
        rows = np.arange(edges[i], edges[i + 1])

        def chunk_progress(f: float) -> None:
            with lock:
                done[i] = f
                total = float(np.dot(done, np.diff(edges)) / b)
            if progress is not None:
                progress(total)

        sim = _Simulation(
            landscape, rule.part(rows), w0[rows], steps, tol, bound, block, False,
            chunk_cancel, chunk_progress, grad,
        )
        return sim.go()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(one, range(n_chunks)))
    return Outcome(
        np.concatenate([p.theta for p in parts]),
        np.concatenate([p.loss for p in parts]),
        np.concatenate([p.grad_norm for p in parts]),
        np.concatenate([p.status for p in parts]),
        np.concatenate([p.stop for p in parts]),
        steps,
    )


def _joined(parts: list[Run], rows: list[Array]) -> Run:
    """One run from runs of disjoint row sets, each row back in its place."""
    order = np.argsort(np.concatenate(rows))

    def cat(get):
        return np.concatenate([get(p) for p in parts])[order]

    names = tuple(np.array([n for p in parts for n in p.names], dtype=object)[order])
    final = Outcome(
        cat(lambda p: p.final.theta), cat(lambda p: p.final.loss), cat(lambda p: p.final.grad_norm),
        cat(lambda p: p.final.status), cat(lambda p: p.final.stop), parts[0].steps,
    )
    return Run(
        names, cat(lambda p: p.theta), cat(lambda p: p.loss), cat(lambda p: p.grad_norm),
        final.status, final.stop, parts[0].steps, final,
    )


class _Simulation:
    def __init__(self, landscape, rule, w0, steps, tol, bound, block, record, cancel, progress, grad, names=None):
        self.L, self.rule, self.steps, self.grad = landscape, rule, steps, grad
        self.names = names  # one per row (record mode)
        self.tol, self.bound, self.block = tol, bound, block
        self.record, self.cancel, self.progress = record, cancel, progress
        self.w0 = w0
        b, d = w0.shape
        self.tally = _Tally(
            np.full((b, d), np.nan), np.full(b, np.nan), np.full(b, np.nan),
            np.zeros(b, dtype=np.int8), np.full(b, steps, dtype=np.int64),
        )
        if record:  # the full history, filled block by block as each block is judged; the
            # points are laid out as the Run returns them, so that none is copied at the end
            # (on a network they are most of the memory a run takes)
            # (every entry up to a row's stop is written; the rest is set to NaN at the end)
            self.hist = np.empty((b, steps + 1, d))
            self.hloss = np.empty((steps + 1, b))
            self.hgn = np.empty((steps + 1, b))

    def go(self) -> Run | Outcome:
        with np.errstate(all="ignore"), cancelling(self.cancel):
            b = self.w0.shape[0]
            if scalar.eligible(self.L, self.rule, b, self.grad):
                return self._go_floats()
            return self._go()

    def _go_floats(self) -> Run | Outcome:
        """The loop of :meth:`_go` for a few rows, each stepped on Python floats by
        :mod:`engine.scalar` one block at a time; judging and recording are the same."""
        steps = self.steps
        b, d = self.w0.shape
        rows = scalar.rows_for(self.L, self.rule, self.w0)
        idx = np.arange(b)
        n_block = _block_len(self.block, b, d, steps)
        # Judging a block costs some thirty numpy calls whatever its size, and a row that
        # stops early wastes at most the rest of its block at a microsecond a step: the
        # first block is longer here than in the numpy loop.
        cur = min(64, n_block)
        t0 = 0
        while True:
            n = min(cur, steps + 1 - t0)  # points t0 .. t0+n-1 in this block
            last = t0 + n - 1 == steps
            pts = np.empty((n, d, len(rows)))
            for j, row in enumerate(rows):
                pts[:, 0, j], pts[:, 1, j] = row.advance(n, step_after=not last)
            stopped = self._judge(pts, None, t0, idx, self.rule, last=last)
            if last:
                break
            if stopped.any():
                rows = [r for r, s in zip(rows, stopped, strict=True) if not s]
                idx = idx[~stopped]
                if not rows:
                    break
            t0 += n
            cur = min(2 * cur, n_block)
            self._poll(t0)
        return self._result()

    def _go(self) -> Run | Outcome:
        L, steps = self.L, self.steps
        b, d = self.w0.shape
        rule = self.rule
        w = np.asfortranarray(self.w0.copy())
        state = rule.init(w)
        idx = np.arange(b)  # original row of each active row
        n_block = _block_len(self.block, b, d, steps)
        # Blocks grow 16, 32, 64 ... up to ``block``: a row that stops early (Newton on a
        # quadratic) leaves the batch soon, and a long run is judged only now and then.
        cur = min(16, n_block)
        # The block buffer holds the active rows' points: slot j+1 is theta_(t0+j), and
        # slot 0 keeps theta_(t0-1), the point before the block, to diagnose Newton
        # failures. Record mode scatters each judged block into the full history.
        buf = np.empty((n_block + 1, d, b))
        buf[0] = np.nan  # no point before the first block
        # A costly landscape (a network over its data): the loss and gradient at theta_t are
        # computed in the step and kept for the judgement, which would otherwise evaluate them
        # again; rows that look ahead (Nesterov) take their step's gradient at their query
        # point besides. With full-batch gradients only (a mini-batch's is not the loss's).
        reuse = getattr(L, "costly", False) and self.grad is None
        known = np.full((2, n_block + 1, b), np.nan) if reuse else None
        hess = (L.hessian_parts if d == 2 else L.hessian) if rule.needs_hessian else None
        looks_ahead = rule.looks_ahead
        batch_grad = self.grad
        full_grad = L.grad
        # A costly landscape's step takes long enough (a network's pass over its data; a
        # Newton step on one, seconds) to report and poll at every step, not only per block.
        each_step = getattr(L, "costly", False) and (self.cancel is not None or self.progress is not None)
        t0 = 0  # first step of the current block
        t = 0
        na = b
        slots = buf[:, :, :na]  # the active rows' columns (a view; redone when rows leave)
        kslots = known[:, :, :na] if reuse else None
        needs_hessian = rule.needs_hessian
        while True:
            slots[t - t0 + 1] = w.T  # theta_t; w.T is contiguous
            g = None
            if reuse:
                kslots[0, t - t0 + 1], g = L.loss_grad(w)
                kslots[1, t - t0 + 1] = grad_norm(g)
            if t - t0 + 1 == cur or t == steps:
                pts = slots[1 : t - t0 + 2]
                values = kslots[:, 1 : t - t0 + 2] if reuse else None
                stopped = self._judge(pts, slots[0], t0, idx, rule, last=t == steps, values=values)
                if t == steps:
                    break
                if stopped.any():
                    keep = ~stopped
                    if not keep.any():
                        break
                    w = np.asfortranarray(w[keep])
                    rule, state = rule.take(np.nonzero(keep)[0], state)
                    idx = idx[keep]
                    na = w.shape[0]
                    slots = buf[:, :, :na]
                    kslots = known[:, :, :na] if reuse else None
                    needs_hessian = rule.needs_hessian
                    looks_ahead = rule.looks_ahead
                    g = None if g is None else g[keep]
                t0 = t + 1
                cur = min(2 * cur, n_block)
                slots[0] = w.T
                self._poll(t0)
            elif each_step:
                self._poll(t)
            # one optimizer step
            q = rule.query(state, w) if looks_ahead else w
            if g is None:
                g = full_grad(q) if batch_grad is None else batch_grad(q, t)
            elif looks_ahead:  # the gradient at theta_t is known; the look-ahead rows want theirs
                g = np.asfortranarray(g)
                rows = rule.look_rows
                g[rows] = full_grad(np.asfortranarray(q[rows]))
            h = (lambda rows, q=q: hess(q[rows])) if needs_hessian else None
            upd, state = rule.update(g, state, w, h, t)
            w += upd  # w is this simulation's own array
            t += 1
        return self._result()

    def _poll(self, t: int) -> None:
        """Report the fraction done and stop if asked, before step ``t``."""
        if self.progress is not None:
            self.progress(t / (self.steps + 1))
        if self.cancel is not None and self.cancel():
            raise Cancelled()

    def _result(self) -> Run | Outcome:
        if self.progress is not None:
            self.progress(1.0)
        steps = self.steps
        tl = self.tally
        out = Outcome(tl.theta, tl.loss, tl.gnorm, tl.status, tl.stop, steps)
        if not self.record:
            return out
        theta = self.hist
        loss = np.ascontiguousarray(self.hloss.T)
        gn = np.ascontiguousarray(self.hgn.T)
        after = np.arange(steps + 1)[None, :] > tl.stop[:, None]
        theta[after] = np.nan
        loss[after] = np.nan
        gn[after] = np.nan
        return Run(tuple(self.names), theta, loss, gn, tl.status, tl.stop, steps, out)

    def _judge(self, pts, prev, t0, idx, rule, last: bool, values: Array | None = None) -> Array:
        """Evaluate loss and gradient norm at the stored points ``pts (n, D, Ba)`` of
        steps ``t0..t0+n-1`` (or take them from ``values (2, n, Ba)``, computed by the
        steps), store them in the history (record mode) and record rows that stop there (on
        the ``last`` block, rows that ran out of steps too). ``prev (D, Ba)`` is the point
        before the block.
        Returns a mask over the active rows of those that stopped in this block."""
        n, d, _ = pts.shape
        if values is None:
            p = pts.transpose(0, 2, 1)  # (n, Ba, D) view: landscapes take any leading shape
            loss, g = self.L.loss_grad(p)
            gn = grad_norm(g)
        else:
            loss, gn = values[0], values[1]
        if self.record:  # into the history: all columns at once while every row is active
            cols = slice(None) if idx.size == self.hist.shape[0] else idx
            self.hist[cols, t0 : t0 + n] = pts.transpose(2, 0, 1)
            self.hloss[t0 : t0 + n, cols] = loss
            self.hgn[t0 : t0 + n, cols] = gn
        # |theta| <= bound is False for NaN and inf too
        if d <= 8:  # a few columns: one call each beats a reduction's overhead
            theta_ok = np.abs(pts[:, 0, :]) <= self.bound
            for j in range(1, d):
                theta_ok &= np.abs(pts[:, j, :]) <= self.bound
        else:
            theta_ok = np.all(np.abs(pts) <= self.bound, axis=1)
        bad = ~(theta_ok & np.isfinite(loss) & np.isfinite(gn))
        conv = (gn < self.tol) & ~bad
        ends = bad | conv
        hit = ends.any(axis=0)
        tl = self.tally
        if last:
            # rows still running hold the point after the last step
            left = ~hit
            orig = idx[left]
            tl.theta[orig] = pts[n - 1, :, left]
            tl.loss[orig] = loss[n - 1, left]
            tl.gnorm[orig] = gn[n - 1, left]
        rows = np.nonzero(hit)[0]
        if rows.size == 0:
            return hit
        first = ends[:, rows].argmax(axis=0)
        orig = idx[rows]
        step = t0 + first
        tl.stop[orig] = step
        tl.theta[orig] = pts[first, :, rows]
        tl.loss[orig] = loss[first, rows]
        tl.gnorm[orig] = gn[first, rows]
        is_bad = bad[first, rows]
        status = np.where(is_bad, Status.DIVERGED, Status.CONVERGED).astype(np.int8)
        for j in np.nonzero(is_bad)[0]:
            before = pts[first[j] - 1, :, rows[j]] if first[j] else prev[:, rows[j]] if prev is not None else None
            if before is not None and self._newton_failed(rule, rows[j], before):
                status[j] = Status.FAILED
        tl.status[orig] = status
        return hit

    def _newton_failed(self, rule: Stepper, row: int, before: Array) -> bool:
        """Did the Newton step from ``before`` fail because its system was singular?
        Recomputes the row's step at the point before the bad one: finite gradient and
        Hessian there, yet a non-finite step."""
        d, values, _ = rule.row(int(row))
        if not d.curvature or not np.all(np.isfinite(before)):
            return False
        pt = np.asfortranarray(before[None, :])
        g = self.L.grad(pt)
        h = self.L.hessian_parts(pt) if pt.shape[1] == 2 else self.L.hessian(pt)
        if not np.all(np.isfinite(g)) or not all(np.all(np.isfinite(x)) for x in h):
            return False
        hyper = d.params(*(np.array(v) for v in values.values()))
        step, _ = d.update(g, d.init(pt), pt, hyper, h)
        return not np.all(np.isfinite(step))


def point_kinds(landscape: Landscape, points: Array) -> Array:
    """Kind of each point (minimum, saddle, maximum, flat, degenerate) from the eigenvalues
    of the analytic Hessian there; non-finite points get ``"-"``."""
    return curvature(landscape, points).kind
