"""What the views draw for one run, prepared once so that a frame only slices arrays.

Pure numpy (no Qt): the worker builds these next to the simulation, and the command line's
figure builds the same ones, so the window and ``save_figure`` draw identical data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.landscapes import Landscape
from engine.simulation import Run, Status
from engine.verdicts import Verdict, verdict
from gui.surface import Surface

# Where a loss gap or a gradient norm reaches zero exactly (a start on a saddle, a minimum
# hit to the last bit) the log axis needs a finite value: draw it at this floor.
LOG_FLOOR = 1e-18
FLOOR_Y = float(np.log10(LOG_FLOOR)) + 1e-9  # drawn values at or below this are exact zeros

# Lines longer than these are thinned before drawing, losing nothing a screen shows:
# stroking costs about a microsecond per segment in software, so seven racers of 1000
# steps would otherwise spend 15 ms of each frame on points that land in the same pixel.
# Trajectories keep a point when it enters another cell of a grid finer than the pixels.
# Training curves keep each bucket's lowest and highest point: the envelope a pixel
# column shows (a curve pane's plot is some 250-600 pixels wide, a bucket one or two).
THIN_XY_ABOVE = 500
XY_CELLS = 2000  # cells across the view
MAX_XY_POINTS = 8000  # beyond this many kept points (a run wandering everywhere): a stride
THIN_CURVES_ABOVE = 600
CURVE_BUCKETS = 300


def thin_xy(xy: np.ndarray, view: tuple[tuple[float, float], ...]) -> np.ndarray | None:
    """Indices of the trajectory points worth drawing, or None for all of them: a point is
    kept when it lies in another cell of a ``XY_CELLS``-wide grid over the view than the
    previous point (so nothing visible is lost), plus the first and last; then, of three
    points in a row that lie on a line to within a cell, the middle one goes
    (:func:`_straight_xy`)."""
    n = xy.shape[0]
    if n <= THIN_XY_ABOVE:
        return None
    span = max(view[0][1] - view[0][0], view[1][1] - view[1][0])
    cell = span / XY_CELLS
    with np.errstate(all="ignore"):
        cells = np.floor(xy / cell)
    keep = np.ones(n, dtype=bool)
    keep[1:] = np.any(cells[1:] != cells[:-1], axis=1)
    keep[-1] = True
    idx = np.nonzero(keep)[0]
    if idx.size > MAX_XY_POINTS:  # wandering everywhere: a plain stride, ends kept
        return np.unique(np.r_[idx[:: idx.size // (MAX_XY_POINTS // 2)], n - 1])
    return idx[~_straight_xy(xy[idx], cell)]


def _straight_xy(p: np.ndarray, tol: float) -> np.ndarray:
    """Mask of the points that can go: those at odd positions (so both neighbours stay)
    within ``tol`` of the segment joining their neighbours (a point beyond its ends, where
    the path turns back, stays)."""
    n = p.shape[0]
    drop = np.zeros(n, dtype=bool)
    if n < 3:
        return drop
    lo, mid, hi = _odd_points(n)
    x, y = p[:, 0], p[:, 1]
    ax, ay = x[lo], y[lo]
    abx, aby = x[hi] - ax, y[hi] - ay
    aqx, aqy = x[mid] - ax, y[mid] - ay
    length2 = abx * abx + aby * aby
    with np.errstate(all="ignore"):
        t = np.clip((aqx * abx + aqy * aby) / length2, 0.0, 1.0)
    t[~(length2 > 0)] = 0.0
    ox, oy = aqx - t * abx, aqy - t * aby
    drop[mid] = ox * ox + oy * oy <= tol * tol
    return drop


def _odd_points(n: int) -> tuple[slice, slice, slice]:
    """Of ``n`` points, those at odd positions 1, 3, ..., 2m-1 (``mid``) and their
    neighbours before (``lo``: 0, 2, ...) and after (``hi``: 2, 4, ..., 2m): views, not
    gathers. The thinning tests offer the odd points for removal, so both neighbours stay."""
    m = (n - 1) // 2
    return slice(0, 2 * m, 2), slice(1, 2 * m, 2), slice(2, 2 * m + 1, 2)


def thin_curves(*ys: np.ndarray) -> np.ndarray | None:
    """Indices of the training-curve points worth drawing, or None for all.

    Long curves (over ``THIN_CURVES_ABOVE`` steps) keep, in each of ``CURVE_BUCKETS`` runs
    of steps, the steps of every curve's lowest and highest value (the envelope a pixel
    column shows), plus the first and last step. Then, where every curve is straight to
    within a fraction of a pixel, every other point goes (see :func:`_straight_points`)."""
    n = ys[0].shape[0]
    if n < 3:
        return None
    if n > THIN_CURVES_ABOVE:
        b = -(-n // CURVE_BUCKETS)
        m = (n // b) * b
        keep = np.zeros(n, dtype=bool)  # a mask: sorted and unique for free
        keep[0] = True
        keep[m:] = True  # the last, partial bucket whole (it holds the last step)
        base = np.arange(0, m, b)
        for y in ys:
            blocks = y[:m].reshape(-1, b)
            keep[base + np.argmin(blocks, axis=1)] = True
            keep[base + np.argmax(blocks, axis=1)] = True
        idx = np.nonzero(keep)[0]
    else:
        idx = np.arange(n)
    idx = idx[~_straight_points(idx.astype(np.float64), [y[idx] for y in ys])]
    return None if idx.size == n else idx


# A point lying within this fraction of a curve's whole span (on screen: a quarter of a
# pixel of a pane at least 300 pixels tall, or less) from the chord of its neighbours
# changes nothing drawn.
STRAIGHT = 1 / 1200


def _straight_points(x: np.ndarray, ys: list[np.ndarray]) -> np.ndarray:
    """Mask of the points that can go: those at odd positions (so both neighbours stay)
    where every curve ``y(x)`` passes within ``STRAIGHT`` of its span from the chord of
    the neighbours (measured along y: the drawn line moves no further)."""
    n = x.shape[0]
    drop = np.zeros(n, dtype=bool)
    if n < 3:
        return drop
    lo, mid, hi = _odd_points(n)
    w = (x[mid] - x[lo]) / (x[hi] - x[lo])  # where x_i lies between its neighbours
    ok = np.ones(w.shape[0], dtype=bool)
    for y in ys:
        span = float(y.max() - y.min())
        if not np.isfinite(span):
            return drop
        ya = y[lo]
        ok &= np.abs(y[mid] - (ya + w * (y[hi] - ya))) <= STRAIGHT * span
    drop[mid] = ok
    return drop


def prefix(idx: np.ndarray | None, n: int) -> np.ndarray | slice:
    """What to draw of a thinned line revealed up to ``n`` points: the kept points before
    the head, and the head itself."""
    if idx is None:
        return slice(0, n)
    c = int(np.searchsorted(idx, n - 1, side="right"))
    if c and idx[c - 1] == n - 1:
        return idx[:c]
    return np.r_[idx[:c], n - 1]


@dataclass(frozen=True, eq=False)
class Track:
    """One trajectory and its training curves, cut to the drawable steps.

    ``xy`` is ``(n, 2)`` (``n = run.finite_length(i)``); ``loss_y`` and ``grad_y`` are the
    curve values as drawn (log10 of the loss gap and of the gradient norm, or the raw loss
    when the curves use a linear axis); ``loss`` and ``grad`` are the raw values.

    Models trained on data also carry the validation loss at every point (``validation``,
    drawn as ``validation_y``), and their loss curves show the loss itself on a log axis
    (``loss_axis == "log"``): the validation loss may lie below the lowest training loss, so
    a gap to that minimum would not be positive.
    """

    label: str
    color: str
    xy: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    loss_y: np.ndarray
    grad_y: np.ndarray
    steps: np.ndarray  # 0..n-1 as float, the curves' x
    stop: int
    status: Status
    verdict: Verdict  # how the run ended (kind and text)
    log_loss: bool = True  # loss_y is on a log axis (see loss_axis); else the raw loss
    xy_keep: np.ndarray | None = None  # thinned trajectory (None: draw every point)
    curve_keep: np.ndarray | None = None  # thinned training curves
    loss_axis: str = "gap"  # loss_y is log10(loss - best) "gap", log10(loss) "log", or "linear"
    validation: np.ndarray | None = None  # validation loss at each point (models on data)
    validation_y: np.ndarray | None = None  # the same as drawn, on the loss curve's axis
    alpha: np.ndarray | None = None  # the alpha of each step 0 .. stop-1, where it follows a schedule
    schedule: str = ""  # that schedule's spec (engine.schedules), "" for a constant alpha

    @property
    def n(self) -> int:
        return self.xy.shape[0]

    @property
    def text(self) -> str:
        return self.verdict.text

    @property
    def diverged(self) -> bool:
        return self.status in (Status.DIVERGED, Status.FAILED)

    def upto(self, k: int) -> int:
        """How many points of the trajectory are revealed at animation step ``k`` (at
        least the start)."""
        return max(1, min(k + 1, self.n))

    def curve_upto(self, k: int) -> int:
        """How many points of the training curves are revealed at step ``k``."""
        return min(k + 1, self.loss_y.shape[0])

    def xy_upto(self, k: int) -> np.ndarray:
        """The points to draw at step ``k``: ``(m, 2)``, ending at the head."""
        return self.xy[prefix(self.xy_keep, self.upto(k))]

    def curves_upto(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps, loss values and gradient values to draw at step ``k``."""
        n = self.curve_upto(k)
        if n == 0:
            return self.steps[:0], self.loss_y[:0], self.grad_y[:0]
        sel = prefix(self.curve_keep, n)
        return self.steps[sel], self.loss_y[sel], self.grad_y[sel]

    def validation_upto(self, k: int) -> np.ndarray | None:
        """The validation curve's values to draw at step ``k`` (at the steps of
        :meth:`curves_upto`), or None for a landscape not trained on data."""
        if self.validation_y is None:
            return None
        n = self.curve_upto(k)
        return self.validation_y[prefix(self.curve_keep, n)] if n else self.validation_y[:0]


def loss_on_log_axis(surface: Surface) -> bool:
    """The loss curve uses a log axis of ``loss - best`` when the lowest minimum is known,
    else (a saddle with no minimum: the loss has no floor) a linear axis of the raw loss."""
    return surface.best is not None


def make_track(landscape: Landscape, surface: Surface, run: Run, i: int, label: str, color: str,
               alpha: np.ndarray | None = None, schedule: str = "") -> Track:
    """The drawable form of row ``i`` of ``run``; ``alpha``: the alpha of every step of the
    run when it follows ``schedule`` (kept for the steps the row took)."""
    log_loss = loss_on_log_axis(surface)
    n = max(run.finite_length(i), 1)
    xy = np.ascontiguousarray(run.theta[i, :n, :2])
    loss = run.loss[i, :n]
    grad = run.grad_norm[i, :n]
    on_data = callable(getattr(landscape, "validation_loss", None))
    axis = ("log" if on_data else "gap") if log_loss else "linear"
    validation = validation_y = None
    with np.errstate(all="ignore"):
        if on_data:
            validation = np.asarray(landscape.validation_loss(xy), dtype=np.float64)
        if axis == "gap":
            loss_y = np.log10(np.maximum(loss - surface.best, LOG_FLOOR))
        elif axis == "log":
            loss_y = np.log10(np.maximum(loss, LOG_FLOOR))
            validation_y = np.log10(np.maximum(validation, LOG_FLOOR))
        else:
            loss_y = loss.copy()
            validation_y = validation.copy() if validation is not None else None
        grad_y = np.log10(np.maximum(grad, LOG_FLOOR))
    # a diverged row's first point may already be non-finite: keep the arrays drawable
    ok = np.isfinite(xy).all(axis=1) & np.isfinite(loss_y) & np.isfinite(grad_y)
    if validation_y is not None:
        ok &= np.isfinite(validation_y)
    if not ok.all():
        m = int(np.argmin(ok))  # the first bad step; the start itself is always finite
        xy = xy[: max(m, 1)]
        loss, grad, loss_y, grad_y = loss[:m], grad[:m], loss_y[:m], grad_y[:m]
        if validation is not None and validation_y is not None:
            validation, validation_y = validation[:m], validation_y[:m]
        n = m
    curves = (loss_y, grad_y) if validation_y is None else (loss_y, grad_y, validation_y)
    return Track(
        label=label,
        color=color,
        xy=xy,
        loss=loss,
        grad=grad,
        loss_y=np.ascontiguousarray(loss_y),
        grad_y=np.ascontiguousarray(grad_y),
        steps=np.arange(loss_y.shape[0], dtype=np.float64),
        stop=int(run.stop[i]),
        status=Status(int(run.status[i])),
        verdict=verdict(landscape, run.final, i),
        log_loss=log_loss,
        xy_keep=thin_xy(xy, surface.view),
        curve_keep=thin_curves(*curves) if loss_y.size else None,
        loss_axis=axis,
        validation=validation,
        validation_y=None if validation_y is None else np.ascontiguousarray(validation_y),
        alpha=None if alpha is None else np.ascontiguousarray(alpha[: max(int(run.stop[i]), 1)], dtype=np.float64),
        schedule=schedule if alpha is not None else "",
    )


def make_tracks(
    landscape: Landscape,
    surface: Surface,
    run: Run,
    labels: list[str] | tuple[str, ...],
    colors: list[str] | tuple[str, ...],
    alphas: Sequence[np.ndarray | None] | None = None,
    schedules: Sequence[str] | None = None,
) -> tuple[Track, ...]:
    """Every row's track; ``alphas`` and ``schedules``: each row's alpha per step and the
    schedule's spec where its alpha follows one (None and "" where constant)."""
    n = run.theta.shape[0]
    alphas = alphas if alphas is not None else [None] * n
    schedules = schedules if schedules is not None else [""] * n
    return tuple(
        make_track(landscape, surface, run, i, labels[i], colors[i], alphas[i], schedules[i]) for i in range(n)
    )


def curve_ranges(tracks: tuple[Track, ...], steps: int) -> tuple[tuple[float, float], ...]:
    """Fixed ranges for the curves (x; loss y; gradient y) from the whole run, so an
    animation reveals into a still frame instead of rescaling every step."""

    def span(arrays: list[np.ndarray], log: bool) -> tuple[float, float]:
        # on a log axis, a run that stopped at step 0 on an exact zero (drawn at the pane's
        # floor and labelled, see CurveView) does not stretch the axis down to 1e-18; a run
        # that reaches zero later still does, as it always did (so that the range stays put
        # while the start is dragged and the zero comes and goes)
        vals = [a[np.isfinite(a) & ((a > FLOOR_Y) | (a.shape[0] > 1))] if log else a[np.isfinite(a)] for a in arrays]
        vals = [v for v in vals if v.size]
        if not vals:
            return (0.0, 1.0)
        lo = float(min(v.min() for v in vals))
        hi = float(max(v.max() for v in vals))
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        return (lo, hi)

    def clipped(values: list[np.ndarray], log: bool) -> tuple[float, float]:
        # A diverged curve would squash the others into a line at the bottom: the range
        # comes from the others (and the diverged ones' start), and a diverged curve leaves
        # through the top, which reads as what it is.
        calm = [v for v, t in zip(values, tracks, strict=True) if not t.diverged]
        wild = [v[:1] for v, t in zip(values, tracks, strict=True) if t.diverged]
        if not calm:
            return span(values, log)
        lo, hi = span(calm + wild, log)
        full_hi = span(values, log)[1]
        if full_hi > hi:
            hi = min(full_hi, hi + (2.0 if log else 0.3 * (hi - lo)))
        return (lo, hi)

    log_loss = bool(tracks) and tracks[0].log_loss
    loss_range = clipped([t.loss_y for t in tracks], log_loss)
    if any(t.validation_y is not None for t in tracks):  # the validation curves share the axis
        lo, hi = clipped(
            [t.validation_y if t.validation_y is not None else t.loss_y for t in tracks], log_loss
        )
        loss_range = (min(loss_range[0], lo), max(loss_range[1], hi))
    # the x axis follows the runs: racers that all stop by step 62 fill the pane, not a
    # sliver of a 0-5000 axis; runs that all stopped at step 0 get the steps asked for
    last = max((t.stop for t in tracks), default=0)
    return (
        (0.0, float(last if last > 0 else max(steps, 1))),
        loss_range,
        clipped([t.grad_y for t in tracks], True),
    )
