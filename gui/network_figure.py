"""The figure of a network's race (``main.py train --png/--svg/--pdf``, the window's File >
Export figure in the network view): what the network learned and how each optimizer got
there; drawn at any step too, for the frames of an animation (``gui.animation``).

Three panels on one :class:`~gui.canvas.Canvas` (so PNG, SVG and PDF are the same picture):

* the data (training points filled, validation points hollow, in the two classes' colours)
  over one racer's predicted probability ``p`` as a background (the one the window shows;
  the first by default), with every racer's decision boundary ``p = 0.5`` as a line in its
  colour;
* the training loss (solid) and validation loss (dashed) of every racer over the steps, on a
  log axis;
* the training accuracy (solid) and validation accuracy (dashed).
"""

from __future__ import annotations

from collections.abc import Sequence

import contourpy
import numpy as np

from engine.network.metrics import probability_field
from engine.network.training import Training
from engine.simulation import Status
from gui.canvas import MOVING, OVER, UNDER, Canvas
from gui.chart import LABEL_FONT, TEXT, TITLE_FONT, Axis, Plot, Row, draw_legend, legend_size, log_axis_ticks
from gui.settings import color_for

# the two classes, colour-blind safe (Okabe-Ito's blue and orange, as the racers' palette)
CLASS_COLORS = ("#0072b2", "#e69f00")
PANEL = 420.0  # a panel's plot area, figure units
GAP = 70.0
LEFT, TOP = 80.0, 70.0  # the data panel's top left corner
WIDTH = LEFT + 3 * PANEL + 2 * (GAP + 40) + 40
RESOLUTION = 96


def racer_colors(names: Sequence[str]) -> list[str]:
    """Each racer's colour, as the window gives it (a second gd gets a spare colour)."""
    taken: set[str] = set()
    out = []
    for n in names:
        c = color_for(n.split(" #")[0], taken)
        taken.add(c)
        out.append(c)
    return out


def field_rgba(p: np.ndarray) -> np.ndarray:
    """Pale class colours weighted by ``p``: white where the net is unsure (p = 0.5)."""
    c0 = np.array([int(CLASS_COLORS[0][i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    c1 = np.array([int(CLASS_COLORS[1][i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    pale0, pale1 = 255 - 0.45 * (255 - c0), 255 - 0.45 * (255 - c1)
    q = np.nan_to_num(p, nan=0.5)[..., None]
    lean = np.abs(q - 0.5) * 2.0  # 0 unsure .. 1 sure
    rgb = np.where(q >= 0.5, pale1, pale0) * lean + 255.0 * (1.0 - lean)
    out = np.empty((*p.shape, 4), dtype=np.uint8)
    out[..., :3] = np.round(rgb).astype(np.uint8)
    out[..., 3] = 255
    return out


def boundary(x1: np.ndarray, x2: np.ndarray, p: np.ndarray) -> list[np.ndarray]:
    """The level ``p = 0.5`` as polylines (contourpy), in the inputs' units."""
    if not np.all(np.isfinite(p)) or p.min() > 0.5 or p.max() < 0.5:
        return []
    gen = contourpy.contour_generator(x1, x2, p, line_type=contourpy.LineType.Separate)
    return [ln for ln in gen.lines(0.5) if len(ln) >= 2]


def training_canvas(t: Training, title: str = "", *, step: int | None = None, colors: Sequence[str] | None = None,
                    shown: int | None = None, counter: bool = False) -> Canvas:
    """The three panels of the module docstring on one canvas, at the end of the race or at
    ``step`` (an animation's frame: the curves up to it, each racer's probability and
    boundary at its weights then; the axes those of the whole race, so they stand still).
    ``colors``: the racers' (default: as the window gives them); ``shown``: the racer whose
    probability is the background (default: the first with finite weights); ``counter``:
    "step k / N" over the loss panel.

    What never changes is drawn on the canvas's layers UNDER (titles, the curves' axes) and
    OVER (the points, the data panel's axes, the legend), the rest on MOVING, each shape in
    an order that paints the same whether the canvas is painted whole or layer by layer."""
    names = list(t.names)
    colors = list(colors) if colors is not None else racer_colors(names)
    if len(colors) != len(names):
        raise ValueError(f"{len(colors)} colours for {len(names)} racers")
    run = t.run
    last = int(run.stop.max())
    k = last if step is None else min(max(int(step), 0), last)
    left, top = LEFT, TOP
    width = WIDTH
    legend_rows = [Row(n, "line", color) for color, n in zip(colors, names, strict=True)]
    legend_rows += [Row("training (solid)", "line", "#606060"), Row("validation (dashed)", "line", "#606060",
                                                                       dash=(6.0, 4.0))]
    _lw, lh = legend_size(legend_rows)
    height = top + PANEL + 70 + lh + 30
    c = Canvas(width, height, title=title or _title(t))
    c.layer = UNDER
    c.text(width / 2, 12, title or _title(t), TITLE_FONT, TEXT, align="center", valign="top")

    # 1. data and boundaries
    box = t.net.data.box()
    (a, b), (d0, d1) = box
    plot = Plot(left, top, PANEL, PANEL, Axis(a, b, "x₁"), Axis(d0, d1, "x₂"), "data and decision boundaries")
    if shown is None or not 0 <= shown < len(names):  # (not of the step: the caption stands still)
        ends = np.all(np.isfinite(run.final.theta), axis=1)
        shown = next((i for i in range(len(names)) if ends[i]), 0)
    w = run.theta_at(k)
    ok = np.all(np.isfinite(w), axis=1)
    field = probability_field(t.net, w, RESOLUTION, box)  # (NaN for a row without finite weights)
    c.layer = MOVING
    if ok[shown]:
        plot.image(c, field_rgba(field.p[shown]), ((a, b), (d0, d1)), smooth=True)
    for i in range(len(names)):
        if ok[i]:
            for ln in boundary(field.x1, field.x2, field.p[i]):
                plot.line(c, ln[:, 0], ln[:, 1], colors[i], 2.5)
    c.layer = OVER
    d = t.net.data
    for x, y, hollow in ((d.x_train, d.y_train, False), (d.x_val, d.y_val, True)):
        for cls in (0, 1):
            for px, py in x[y == cls]:
                plot.marker(c, px, py, "o", 6.0, None if hollow else CLASS_COLORS[cls], CLASS_COLORS[cls] if hollow
                            else "#ffffff", 1.2 if hollow else 0.6)
    plot.draw_axes(c)
    c.text(left, top + PANEL + 44, f"background: {names[shown]}'s probability of the orange class",
           11.0, "#505050", align="left", valign="top")

    # 2. losses, 3. accuracies
    steps = np.arange(run.loss.shape[1])
    losses = np.concatenate([run.loss[:, : last + 1].ravel(), t.metrics.val_loss[:, : last + 1].ravel()])
    losses = losses[np.isfinite(losses) & (losses > 0)]
    lo, hi = (float(losses.min()), float(losses.max())) if losses.size else (1e-3, 1.0)
    lo, hi = np.log10(lo) - 0.1, np.log10(hi) + 0.1
    x0 = left + PANEL + GAP + 40
    lp = Plot(x0, top, PANEL, PANEL, Axis(0, max(last, 1), "step"),
              Axis(lo, hi, "loss", ticks=log_axis_ticks(lo, hi), grid=True), "loss")
    x1 = x0 + PANEL + GAP + 40
    ap = Plot(x1, top, PANEL, PANEL, Axis(0, max(last, 1), "step"), Axis(0.0, 1.0, "accuracy", grid=True),
              "accuracy")
    c.layer = UNDER
    lp.draw_axes(c)
    ap.draw_axes(c)
    c.layer = MOVING
    for i in range(len(names)):
        n = run.finite_length(i) if run.status[i] in (Status.DIVERGED, Status.FAILED) else int(run.stop[i]) + 1
        n = min(n, k + 1)
        for values, dash in ((run.loss[i, :n], None), (t.metrics.val_loss[i, :n], (6, 4))):
            v = np.where(values > 0, values, np.nan)
            good = np.isfinite(v)
            if good.any():
                lp.line(c, steps[:n][good], np.log10(v[good]), colors[i], 2.0, dash=dash)
        for values, dash in ((t.metrics.train_acc[i, :n], None), (t.metrics.val_acc[i, :n], (6, 4))):
            good = np.isfinite(values)
            if good.any():
                ap.line(c, steps[:n][good], values[good], colors[i], 2.0, dash=dash)
    if step is not None and k < last:
        for p in (lp, ap):
            p.vline(c, k, "#505050", 1.5, dash=(1.5, 3.0))
    if counter:
        c.text(x0 + PANEL, top - 10, f"step {k} / {run.steps}", LABEL_FONT, TEXT, align="right", valign="bottom")
    c.layer = OVER
    draw_legend(c, legend_rows, x0, top + PANEL + 60)
    return c


def _title(t: Training) -> str:
    return f"network {t.net.layout.describe()}: {t.setup.describe()}"
