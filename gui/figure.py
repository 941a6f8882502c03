"""The exported figures: the contour view with its trajectories and the training curves, and
the analysis figures (basins over the landscape, the (alpha, mu) map, the learning-rate
sweep), as PNG (at a chosen width or resolution), SVG or PDF. One code path for the window's
File > Export, the command line's ``--png/--svg/--pdf`` and the frames of an animation.

A figure is drawn from the prepared data (surface, tracks, analysis results) on a
:class:`~gui.canvas.Canvas` in figure units (CSS pixels), in the window's look: its colour
map and iso-lines, pens, markers, fonts and tick labels. What the window shows goes in: the
view's extent (the contour panel takes the view's shape, so the extent is exactly the
window's), the basin overlay with its legend, the gradient field, the curvature arrows at
the heads, a lesson's marks, the tolerance line, the step shown. Legends go to the corner
where they hide the fewest minima, critical points and trajectory points, and never over
each other; titles and labels keep a margin to every edge.

Nothing here touches a widget: a figure can be drawn in any thread (animations are).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.landscapes import Landscape
from engine.optimizers import Optimizer
from engine.simulation import Run
from gui.canvas import MOVING, OVER, UNDER, Canvas, Fonts, clip_polyline
from gui.chart import (
    CORNERS,
    LABEL_FONT,
    PAD,
    TEXT,
    TICK_FONT,
    TITLE_FONT,
    Axis,
    Plot,
    Row,
    densify,
    draw_legend,
    legend_size,
    linear_ticks,
    log_axis_ticks,
    marker,
    place_legend,
)
from gui.outputs import FIGURE_FORMATS, MAX_WIDTH, MIN_WIDTH, check_dpi, check_width, format_of
from gui.plots import ISO_COLOR, KIND_STYLE, LANDSCAPE_LUT, alpha_staircase
from gui.settings import color_for, short_label
from gui.surface import Surface, build_surface
from gui.tracks import Track, curve_ranges, make_tracks

FORMATS = FIGURE_FORMATS

Box = tuple[tuple[float, float], tuple[float, float]]

WHATS = ("both", "contour", "curves")
# what each export dialog offers: (label, part)
FIGURE_PARTS = (
    ("contour and curves, side by side", "both"),
    ("contour view", "contour"),
    ("training curves", "curves"),
)
ANALYSIS_PARTS = (
    ("basins of attraction over the landscape", "basins"),
    ("(α, μ) map", "phase"),
    ("learning-rate sweep", "sweep"),
)
ANALYSIS_WHATS = ("basins", "phase", "sweep")

CONTOUR_AREA = 560.0 * 540.0  # the contour plot's area, in the view's shape ...
CONTOUR_MAX = (900.0, 760.0)  # ... within this
CONTOUR_MIN_SIDE = 160.0
CURVES_W = 600.0
CURVES_MIN_H = 480.0
TRACK_WIDTH = 3.0  # the window's pens
CURVE_WIDTH = 2.5

_app = None  # the application a headless export made, kept alive


def _ensure_app():
    """An application for fonts and painting, made offscreen when there is none (a
    QApplication, so that widgets can follow in the same process)."""
    global _app
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not os.environ.get("QT_QPA_PLATFORM"):  # headless by contract (an empty value counts as unset)
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from gui.app import share_gl

        share_gl()  # (a turning 3D surface renders in OpenGL contexts of its own)
        _app = app = QApplication([])
    return app


# -- requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """How large a PNG is: ``width`` pixels, or ``dpi`` dots per inch of the figure's size
    (1 figure unit = 1/96 inch). SVG and PDF are vectors and ignore it."""

    width: int | None = 1600
    dpi: float | None = None

    def __post_init__(self) -> None:
        if self.dpi is not None:
            check_dpi(self.dpi)
        else:
            check_width(self.width)

    def pixels(self, canvas: Canvas) -> int:
        if self.dpi is None:
            return int(self.width)  # type: ignore[arg-type]
        w = round(canvas.width * self.dpi / 96.0)
        if not MIN_WIDTH <= w <= MAX_WIDTH:
            raise ValueError(
                f"{self.dpi:g} dpi makes the figure {w} pixels wide (must be in [{MIN_WIDTH}, {MAX_WIDTH}])"
            )
        return w


def check_request(path: str | Path, what: str, width: int = 1600, fmt: str | None = None,
                  dpi: float | None = None) -> str:
    """Validate a figure export request; returns the format. Raises ``ValueError``."""
    if what not in WHATS:
        raise ValueError(f"invalid figure part {what!r} (choose from {', '.join(WHATS)})")
    fmt = format_of(path, fmt)
    Size(width, dpi)
    return fmt


def check_analysis_request(path: str | Path, what: str, width: int = 1600, fmt: str | None = None,
                           dpi: float | None = None) -> str:
    if what not in ANALYSIS_WHATS:
        raise ValueError(f"invalid analysis figure {what!r} (choose from {', '.join(ANALYSIS_WHATS)})")
    return check_request(path, "both", width, fmt, dpi)


def render(canvas: Canvas, fmt: str, size: Size | None = None) -> bytes:
    """The canvas as PNG, SVG or PDF bytes."""
    if fmt == "svg":
        return canvas.svg()
    if fmt == "pdf":
        return canvas.pdf()
    size = size or Size()
    return canvas.png(size.pixels(canvas), size.dpi)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write the file; an unwritable path raises ``OSError`` naming it."""
    Path(path).write_bytes(data)


# -- what a figure of a run shows ---------------------------------------------------------------


@dataclass(frozen=True)
class Overlays:
    """What the window draws over the contour view besides the trajectories."""

    basins: object | None = None  # a BasinResult
    opacity: float = 0.65
    basin_legend: bool = True
    field: bool = False  # the gradient field over the view
    field_n: int = 24
    curvature: bool = False  # curvature arrows at the trajectories' heads
    marks: tuple[tuple[float, float, str], ...] = ()  # a lesson's labelled points
    marks_line: bool = False


@dataclass(frozen=True)
class Scene:
    """Everything a figure of one run shows: the landscape's surface, the tracks revealed up
    to ``step`` (None: whole), the tolerance line, the view's extent and the overlays."""

    surface: Surface
    landscape: Landscape
    tracks: tuple[Track, ...]
    steps: int
    step: int | None = None
    tol: float | None = None
    view: Box | None = None
    overlays: Overlays = field(default_factory=Overlays)
    counter: bool = False  # "step k / N" over the curves (animation frames)

    @property
    def k(self) -> int:
        return self.steps if self.step is None else self.step

    @property
    def box(self) -> Box:
        return self.view if self.view is not None else self.surface.view


# -- layout -----------------------------------------------------------------------------------


def contour_plot_size(box: Box, area: float = CONTOUR_AREA, max_size: tuple[float, float] = CONTOUR_MAX
                      ) -> tuple[float, float]:
    """The contour plot area in the view's shape (equal units on both axes, as the
    window's): about ``area`` square units, within ``max_size``."""
    (x0, x1), (y0, y1) = box
    aspect = (y1 - y0) / (x1 - x0) if x1 > x0 and y1 > y0 else 1.0
    w = math.sqrt(area / aspect)
    h = aspect * w
    shrink = min(1.0, max_size[0] / w, max_size[1] / h)
    return max(w * shrink, CONTOUR_MIN_SIDE), max(h * shrink, CONTOUR_MIN_SIDE)


def _contour_axes(scene: Scene, title: bool = True) -> tuple[Axis, Axis, str]:
    (x0, x1), (y0, y1) = scene.box
    xl, yl = scene.surface.axis_labels
    return Axis(x0, x1, xl), Axis(y0, y1, yl), (scene.surface.title if title else "")


@dataclass
class ContourLayout:
    """Where a contour panel's parts go: the plot, and each legend inside it (in the corner
    that hides the least) or, when every corner would hide a critical point, the start or
    much of a trajectory, in a column beside it."""

    plot: Plot
    width: float
    height: float
    legends: list[tuple[list[Row], float, float]]  # rows, top left


HIDES_TOO_MUCH = 40.0  # a legend hiding this much (a critical point, the start, ~160 units of a line) goes beside


def contour_layout(scene: Scene, x: float = 0.0, y: float = 0.0) -> ContourLayout:
    xa, ya, title = _contour_axes(scene)
    pw, ph = contour_plot_size(scene.box)
    left, top, right, bottom = Plot.margins(xa, ya, title, ph, pw)
    plot = Plot(x + left, y + top, pw, ph, xa, ya, title)
    avoid = _avoid_points(plot, scene)
    inside: list[tuple[list[Row], float, float]] = []
    beside: list[list[Row]] = []
    taken: list[tuple[float, float, float, float]] = []
    for rows, prefer in ((racer_legend_rows(plot, scene), CORNERS),
                         (basin_legend_rows(scene.overlays.basins) if scene.overlays.basins is not None
                          and scene.overlays.basin_legend else [],
                          ("bottom-left", "bottom-right", "top-left", "top-right"))):
        if not rows:
            continue
        size = legend_size(rows)
        lx, ly, cost = place_legend(plot, size, avoid, prefer=prefer, taken=taken)
        if cost < HIDES_TOO_MUCH:
            inside.append((rows, lx, ly))
            taken.append((lx, ly, *size))
        else:
            beside.append(rows)
    w, h = left + pw + right, top + ph + bottom
    legends = list(inside)
    if beside:
        bx, by = x + w + 4, y + top
        col_w = 0.0
        for rows in beside:
            lw, lh = legend_size(rows)
            legends.append((rows, bx, by))
            by += lh + 10
            col_w = max(col_w, lw)
        w += col_w + 4 + PAD
        h = max(h, by - y + PAD)
    return ContourLayout(plot, w, h, legends)


def contour_panel_size(scene: Scene) -> tuple[float, float]:
    lay = contour_layout(scene)
    return lay.width, lay.height


def figure_canvas(scene: Scene, what: str = "both") -> Canvas:
    """The figure of a run: ``both`` panels side by side, the ``contour`` view or the
    training ``curves``."""
    _ensure_app()
    title = f"Basin: {scene.surface.title}"
    if what == "contour":
        w, h = contour_panel_size(scene)
        c = Canvas(w, h, title=title)
        draw_contour(c, 0.0, 0.0, w, h, scene)
        return c
    if what == "curves":
        rows = [Row(t.label + ("   ✕ diverged" if t.diverged else ""), "line", t.color, CURVE_WIDTH)
                for t in scene.tracks]
        beside = legend_size(rows)[0] + 12 if rows else 0.0
        c = Canvas(CURVES_W + 40 + beside, CURVES_MIN_H + 140, title=title)
        draw_curves(c, 0.0, 0.0, c.width, c.height, scene, legend=True, title=f"{scene.surface.title}: training curves")
        return c
    cw, ch = contour_panel_size(scene)
    h = max(ch, CURVES_MIN_H)
    c = Canvas(cw + CURVES_W, h, title=title)
    draw_contour(c, 0.0, (h - ch) / 2, cw, ch, scene)
    draw_curves(c, cw, 0.0, CURVES_W, h, scene, legend=False)
    return c


# -- the contour panel ------------------------------------------------------------------------


_RGBA: list[tuple[Surface, np.ndarray]] = []  # the last surfaces' images (kept while in use)


def landscape_rgba(surface: Surface) -> np.ndarray:
    """The surface's colour image (row 0 at the lowest y), coloured as the window's."""
    for s, img in _RGBA:
        if s is surface:
            return img
    img = _landscape_rgba(surface)
    _RGBA.insert(0, (surface, img))
    del _RGBA[2:]
    return img


def _landscape_rgba(surface: Surface) -> np.ndarray:
    lut = LANDSCAPE_LUT
    lo, hi = surface.zrange
    with np.errstate(all="ignore"):
        t = np.clip((surface.z - lo) / (hi - lo), 0.0, 1.0)
    idx = np.nan_to_num(t * 255, nan=255).astype(np.int64)
    rgb = lut[idx]
    out = np.empty((*surface.z.shape, 4), dtype=np.uint8)
    out[..., :3] = rgb
    out[..., 3] = 255
    return out


def _pixel_extent(surface: Surface) -> Box:
    """The image's outer edges: its samples are at the centres of its pixels."""
    (x0, x1), (y0, y1) = surface.extent
    ny, nx = surface.z.shape
    dx, dy = (x1 - x0) / (nx - 1), (y1 - y0) / (ny - 1)
    return (x0 - dx / 2, x1 + dx / 2), (y0 - dy / 2, y1 + dy / 2)


def draw_contour(c: Canvas, x: float, y: float, w: float, h: float, scene: Scene) -> Plot:
    """The contour panel in the rectangle ``(x, y, w, h)``."""
    s, o = scene.surface, scene.overlays
    layout = contour_layout(scene, x, y)
    plot = layout.plot
    c.layer = UNDER
    plot.image(c, landscape_rgba(s), _pixel_extent(s), smooth=True)
    basins = o.basins
    if basins is not None:
        (bx0, bx1), (by0, by1) = basins.box
        plot.image(c, basins.rgba, ((bx0, bx1), (by0, by1)), smooth=False, alpha=o.opacity)
    plot.segments(c, s.lines, ISO_COLOR, 1.0)
    if o.field and scene.landscape.dim == 2:
        from gui.analysis_data import gradient_arrows
        from gui.analysis_views import FIELD_COLOR

        box = scene.box
        plot.segments(c, gradient_arrows(scene.landscape, box, o.field_n), FIELD_COLOR, 1.5)
    for kind, (symbol, size, brush, pen, width, _text) in KIND_STYLE.items():
        pts = [cp.point for cp in s.critical if cp.kind == kind and plot.inside(cp.point[0], cp.point[1])]
        for p in pts:
            plot.marker(c, p[0], p[1], symbol, size, brush, pen, width)
    if basins is not None:
        for i, p in enumerate(basins.minima):
            plot.marker(c, p[0], p[1], "star", 22, basins.colors[i], "#111111", 1.5)
            if len(basins.minima) <= 9 and plot.inside(p[0], p[1]):
                _label_box(c, plot, p[0], p[1], str(i), bold=True, fill_alpha=190 / 255)
    plot.draw_axes(c)

    c.layer = MOVING
    k = scene.k
    for t in scene.tracks:
        xy = t.xy_upto(k)
        plot.line(c, xy[:, 0], xy[:, 1], t.color, TRACK_WIDTH)
    if o.curvature and scene.tracks:
        _curvature(c, plot, scene)
    for t in scene.tracks:
        n = t.upto(k)
        hx, hy = t.xy[n - 1]
        if not plot.inside(hx, hy):
            continue
        fx, fy = plot.point(hx, hy)
        if t.diverged and n == t.n and k >= t.stop:
            marker(c, fx, fy, "x", 24, t.color, "#000000", 1.5)
        else:
            c.circle(fx, fy, 6.5, t.color, "#ffffff", 1.5)

    c.layer = OVER
    if scene.tracks:
        sx, sy = scene.tracks[0].xy[0]
        if plot.inside(sx, sy):
            fx, fy = plot.point(sx, sy)
            c.circle(fx, fy, 11, "#ffffff", "#000000", 2.5, fill_alpha=120 / 255)
            c.lines([np.array([(fx - 22, fy), (fx + 22, fy)]), np.array([(fx, fy - 22), (fx, fy + 22)])],
                    "#000000", 2.5, cap="butt")
    if o.marks:
        _marks(c, plot, o.marks, o.marks_line)
    for rows, lx, ly in layout.legends:
        draw_legend(c, rows, lx, ly)
    return plot


def racer_legend_rows(plot: Plot, scene: Scene) -> list[Row]:
    """The racers (with ``✕ diverged``) and the kinds of critical points in view, as the
    window's legend lists them."""
    rows = [Row(t.label + ("   ✕ diverged" if t.diverged else ""), "line", t.color, CURVE_WIDTH) for t in scene.tracks]
    for kind, (symbol, size, brush, pen, width, text) in KIND_STYLE.items():
        if any(cp.kind == kind and plot.inside(cp.point[0], cp.point[1]) for cp in scene.surface.critical):
            rows.append(Row(text, "marker", brush, symbol=symbol, size=size * 0.8, stroke=pen, stroke_width=width))
    return rows


def basin_legend_rows(result) -> list[Row]:
    """The basin overlay's legend as the window words it, without notes about how the
    computation went (a cancelled refinement is no part of a figure)."""
    title, rows = result.legend()
    note = getattr(result.plan, "note", "")
    out = [Row(title, bold=True)]
    for color, text in rows:
        if note and text == note:
            continue
        out.append(Row(text, "swatch" if color else None, color or "#000000"))
    return out


def _avoid_points(plot: Plot, scene: Scene) -> list[tuple[np.ndarray, float]]:
    """What a legend must not hide, with weights: minima most, then the other critical
    points and the start, then each point of a trajectory (the whole run, so that a legend
    stays put through an animation)."""
    out = []
    crit = {"minimum": 400.0}
    pts_by_weight: dict[float, list[tuple[float, float]]] = {}
    for cp in scene.surface.critical:
        pts_by_weight.setdefault(crit.get(cp.kind, 60.0), []).append(plot.point(*cp.point[:2]))
    basins = scene.overlays.basins
    if basins is not None:
        pts_by_weight.setdefault(400.0, []).extend(plot.point(*p[:2]) for p in basins.minima)
    for weight, pts in pts_by_weight.items():
        out.append((np.array(pts, dtype=np.float64).reshape(-1, 2), weight))
    for t in scene.tracks:
        xy = t.xy[t.xy_keep] if t.xy_keep is not None else t.xy
        for run in clip_polyline(xy[:, 0], xy[:, 1], plot.box):
            out.append((densify(plot.to_figure(run)), 1.0))
        out.append((plot.to_figure(xy[:1]), 100.0))
    for x, y, _ in scene.overlays.marks:
        out.append((np.array([plot.point(x, y)]), 100.0))
    return out


def _label_box(c: Canvas, plot: Plot, x: float, y: float, text: str, *, bold: bool = False,
               color: str = "#111111", fill_alpha: float = 200 / 255, size: float = TICK_FONT,
               anchor: tuple[float, float] = (-0.35, 1.0)) -> None:
    """A text on a pale box beside a data point, anchored as pyqtgraph's TextItem: the
    anchor is the fraction of the box's width and height at the point."""
    fx, fy = plot.point(x, y)
    w = Fonts.width(text, size, bold) + 4
    h = Fonts.height(size) + 2
    bx, by = fx - anchor[0] * w, fy - anchor[1] * h
    c.rect(bx, by, w, h, "#ffffff", None, fill_alpha=fill_alpha)
    c.text(bx + 2, by + 1, text, size, color, valign="top", bold=bold)


def _marks(c: Canvas, plot: Plot, marks, line: bool) -> None:
    pts = np.array([(x, y) for x, y, _ in marks], dtype=float)
    if line and len(pts) > 1:
        plot.line(c, pts[:, 0], pts[:, 1], "#8a5a00", 2.0, dash=(8.0, 4.0))
    for x, y, _ in marks:
        if plot.inside(x, y):
            fx, fy = plot.point(x, y)
            c.circle(fx, fy, 13, None, "#8a5a00", 2.5)
    for x, y, text in marks:
        if plot.inside(x, y):
            _label_box(c, plot, x, y, text, anchor=(-0.25, 1.15))


def _curvature(c: Canvas, plot: Plot, scene: Scene) -> None:
    """Curvature arrows at each head, as the window's CurvatureOverlay draws them there."""
    from gui.analysis_data import curvature_arrows
    from gui.analysis_views import DOWN_COLOR, UP_COLOR

    land = scene.landscape
    if land.dim != 2:
        return
    k = scene.k
    heads = [(t.xy[t.upto(k) - 1], t) for t in scene.tracks]
    heads = [(p, t) for p, t in heads if np.all(np.isfinite(p))]
    if not heads:
        return
    (x0, x1), (y0, y1) = scene.box
    arrows = curvature_arrows(land, np.array([p[:2] for p, _ in heads]), 0.07 * min(abs(x1 - x0), abs(y1 - y0)))
    plot.segments(c, arrows.up, UP_COLOR, 2.5)
    plot.segments(c, arrows.down, DOWN_COLOR, 2.5, dash=(10.0, 5.0))
    for i, (p, t) in enumerate(heads):
        if not plot.inside(p[0], p[1]):
            continue
        cond = arrows.condition[i]
        kappa = "∞" if not np.isfinite(cond) else f"{cond:.3g}"
        right = p[0] > (x0 + x1) / 2
        below = p[1] > (y0 + y1) / 2
        _label_box(c, plot, p[0], p[1], f"{arrows.kind[i]} · κ {kappa}", color=t.color, size=TICK_FONT * 10 / 11,
                   fill_alpha=215 / 255, anchor=(1.08 if right else -0.08, -0.15 if below else 1.15))


# -- the curves panel -------------------------------------------------------------------------


def _roomy(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """The window's y range for data spanning ``lo..hi`` (whole decades on a log axis,
    with one to spare below), then pyqtgraph's 5% padding."""
    if log:
        lo, hi = math.floor(lo) - 1.0, float(math.ceil(hi))
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def loss_title(tracks: Sequence[Track]) -> str:
    axis = tracks[0].loss_axis if tracks else "gap"
    return {"gap": "loss − f*  (f* lowest minimum)", "log": "loss (log axis)", "linear": "loss"}[axis]


def scheduled(tracks: Sequence[Track]) -> list[Track]:
    """The racers whose alpha follows a schedule (their α(t) is drawn above the curves)."""
    return [t for t in tracks if t.alpha is not None and t.alpha.size]


def _curve_plots(x: float, y: float, w: float, h: float, scene: Scene, head: bool, reserve: float
                 ) -> tuple[Plot, Plot, Plot | None]:
    """The loss and gradient plots of a curves panel, ``reserve`` units kept free on the
    right (for a legend beside them), and above them, while a racer is on a schedule, a
    short α(t) plot (linear from 0, as the window's pane)."""
    tracks, steps = scene.tracks, scene.steps
    xr, lr, gr = curve_ranges(tracks, steps)
    tol = scene.tol
    if tol is not None and tol > 0:
        t = math.log10(tol)
        gr = (min(gr[0], t - 0.5), max(gr[1], t + 0.5))
    log_loss = not tracks or tracks[0].log_loss
    pad = 0.05 * (xr[1] - xr[0])
    xlo, xhi = xr[0] - pad, xr[1] + pad
    llo, lhi = _roomy(*lr, log_loss)
    glo, ghi = _roomy(*gr, True)
    loss_x = Axis(xlo, xhi, "", labels=False)
    grad_x = Axis(xlo, xhi, "step")
    loss_y = Axis(llo, lhi, loss_title(tracks), ticks=log_axis_ticks(llo, lhi) if log_loss else None, grid=True)
    grad_y = Axis(glo, ghi, "gradient norm ‖∇L‖", ticks=log_axis_ticks(glo, ghi), grid=True)
    alphas = [t.alpha[np.isfinite(t.alpha)] for t in scheduled(tracks)]  # (the staircase's highest is theirs)
    alpha_x = alpha_y = None
    if alphas:
        top_alpha = max((float(a.max()) for a in alphas if a.size), default=0.0)
        ahi = 1.08 * top_alpha if top_alpha > 0 else 1.0
        alpha_x = Axis(xlo, xhi, "", labels=False)
        alpha_y = Axis(0.0, ahi, "α(t)", ticks=linear_ticks(0.0, ahi, 60.0), grid=True)
    first_x, first_y = (alpha_x, alpha_y) if alphas else (loss_x, loss_y)
    m1 = Plot.margins(first_x, first_y, "x" if head else "", 300, w)
    m2 = Plot.margins(grad_x, grad_y, "", 200, w)
    left = max(m1[0], m2[0], Plot.margins(loss_x, loss_y, "", 300, w)[0])
    right = max(m1[2], m2[2], PAD + 8) + reserve
    top, bottom, gap = m1[1], m2[3], 14.0
    avail = h - top - bottom - gap
    pw = w - left - right
    alpha = None
    if alphas:
        ah = 0.16 * avail
        alpha = Plot(x + left, y + top, pw, ah, alpha_x, alpha_y)
        top, avail = top + ah + gap, avail - ah - gap
    lh = 0.56 * avail
    loss = Plot(x + left, y + top, pw, lh, loss_x, loss_y)
    grad = Plot(x + left, y + top + lh + gap, pw, avail - lh, grad_x, grad_y)
    return loss, grad, alpha


def _curve_points(loss: Plot, tracks: Sequence[Track], steps: int) -> list[tuple[np.ndarray, float]]:
    """The whole loss curves in figure units, densified: what a legend must not hide."""
    out = []
    for t in tracks:
        sx, ly, _gy = t.curves_upto(steps)
        for run in clip_polyline(sx, ly, loss.box):
            out.append((densify(loss.to_figure(run)), 1.0))
        vy = t.validation_upto(steps)
        if vy is not None:
            for run in clip_polyline(sx, vy, loss.box):
                out.append((densify(loss.to_figure(run)), 1.0))
    return out


def draw_curves(c: Canvas, x: float, y: float, w: float, h: float, scene: Scene, *, legend: bool,
                title: str = "") -> tuple[Plot, Plot]:
    """The training curves in the rectangle ``(x, y, w, h)``: the loss on top, the gradient
    norm below with the tolerance as a dashed line, as the window's. The legend (the racers
    when ``legend``, and the key to training and validation curves) goes in a corner of the
    loss plot where it hides the least curve (the racers' legend, ``legend``: beside them)."""
    tracks, steps = scene.tracks, scene.steps
    head = bool(title) or scene.counter
    rows = []
    if legend:
        rows = [Row(t.label + ("   ✕ diverged" if t.diverged else ""), "line", t.color, CURVE_WIDTH) for t in tracks]
    if any(t.validation_y is not None for t in tracks):
        rows += [Row("training", "line", "#303030", CURVE_WIDTH), Row("validation", "line", "#303030", 2.0,
                                                                      dash=(8.0, 4.0))]
    spot = None
    if legend and rows:  # beside the plots: it never hides a curve
        lw = legend_size(rows)[0]
        loss, grad, alpha = _curve_plots(x, y, w, h, scene, head, lw + 12)
        spot = (loss.x + loss.w + 12, loss.y)
    else:
        loss, grad, alpha = _curve_plots(x, y, w, h, scene, head, 0.0)
        if rows:
            lx, ly, _cost = place_legend(loss, legend_size(rows), _curve_points(loss, tracks, steps))
            spot = (lx, ly)

    c.layer = UNDER
    first = alpha if alpha is not None else loss
    for p in (alpha, loss, grad):
        if p is not None:
            p.draw_axes(c)
    if title:
        c.text(first.x + first.w / 2, first.y - 10, title, TITLE_FONT, TEXT, align="center", valign="bottom")
    tol = scene.tol
    if tol is not None and tol > 0:
        ty = math.log10(tol)
        grad.hline(c, ty, "#303030", 1.5, dash=(6.0, 3.0))
        if grad.yaxis.lo <= ty <= grad.yaxis.hi:
            fy = float(grad.sy(ty))
            above = fy - grad.y > Fonts.height(TICK_FONT) + 4  # else below the line: the label stays whole
            c.text(grad.x + 8, fy - 3 if above else fy + 3, "tol", TICK_FONT, "#303030",
                   valign="bottom" if above else "top")

    c.layer = MOVING
    k = scene.k
    if alpha is not None:  # the whole schedule of the steps each racer took: known before the run
        for t in scheduled(tracks):
            ax, ay = alpha_staircase(t.alpha)
            alpha.line(c, ax, ay, t.color, CURVE_WIDTH)
    for t in tracks:
        if t.validation_y is not None:
            sx, _ly, _gy = t.curves_upto(k)
            loss.line(c, sx, t.validation_upto(k), t.color, 2.0, dash=(8.0, 4.0))
    for t in tracks:
        sx, ly, gy = t.curves_upto(k)
        if len(sx):
            loss.line(c, sx, ly, t.color, CURVE_WIDTH)
            grad.line(c, sx, gy, t.color, CURVE_WIDTH)
    if scene.step is not None and scene.step < steps:
        for p in (alpha, loss, grad):
            if p is not None:
                p.vline(c, k, "#505050", 1.5, dash=(1.5, 3.0))
    if scene.counter:
        c.text(first.x + first.w, first.y - 10, f"step {min(k, steps)} / {steps}", LABEL_FONT, TEXT, align="right",
               valign="bottom")

    c.layer = OVER
    if spot is not None:
        draw_legend(c, rows, *spot)
    return loss, grad


# -- figures of a run, as bytes and files -------------------------------------------------------


def figure_bytes(
    surface: Surface,
    landscape: Landscape,
    tracks: tuple[Track, ...],
    steps: int,
    *,
    what: str = "both",
    width: int = 1600,
    fmt: str = "png",
    step: int | None = None,
    tol: float | None = None,
    view: Box | None = None,
    overlays: Overlays | None = None,
    dpi: float | None = None,
) -> bytes:
    """Render the figure; the window's export and :func:`save_figure` both come here."""
    scene = Scene(surface, landscape, tracks, steps, step, tol, view, overlays or Overlays())
    return render(figure_canvas(scene, what), fmt, Size(width, dpi))


def run_tracks(landscape: Landscape, run: Run, optimizer: Optimizer, colors: Sequence[str] | None = None,
               surface: Surface | None = None) -> tuple[Surface, tuple[Track, ...]]:
    """The surface and the drawable tracks of a run, in each optimizer's colour (or
    ``colors``, one per row). ``optimizer`` is the one that made ``run`` (its member ``i``
    drove the ``i``-th block of rows): its names and hyperparameters label the tracks."""
    n = run.theta.shape[0]
    k = len(optimizer.members)
    if n % k:
        raise ValueError(f"the run has {n} rows, which {k} optimizers cannot have made")
    members = [optimizer.members[i // (n // k)] for i in range(n)]
    names = [m.definition.name for m in members]
    if colors is None:
        taken: set[str] = set()
        colors = []
        for name in names:
            col = color_for(name, taken)
            taken.add(col)
            colors.append(col)
    elif len(colors) != n:
        raise ValueError(f"colors has {len(colors)} entries, the run has {n} rows")
    surface = surface if surface is not None else build_surface(landscape)
    labels = [short_label(m.definition.name, m.values, m.schedule) for m in members]
    steps = run.theta.shape[1] - 1
    alphas = [m.alphas(steps) for m in members]
    schedules = ["" if a is None else m.schedule.spec() for a, m in zip(alphas, members, strict=True)]
    tracks = make_tracks(landscape, surface, run, labels, list(colors), alphas, schedules)
    return surface, tracks


def save_figure(
    landscape: Landscape,
    run: Run,
    path: str | Path,
    *,
    optimizer: Optimizer,
    what: str = "both",
    width: int = 1600,
    fmt: str | None = None,
    colors: list[str] | tuple[str, ...] | None = None,
    tol: float | None = None,
    dpi: float | None = None,
    view: Box | None = None,
) -> None:
    """Write the figure of ``run`` on ``landscape`` (contour and trajectories, training
    curves, or both side by side) as PNG ``width`` pixels wide (or at ``dpi``), SVG or PDF.

    ``fmt`` is ``"png"``, ``"svg"`` or ``"pdf"``; the name of ``path`` must end with it
    (taken from the name when None). ``optimizer`` is the one that made ``run`` (its names and
    hyperparameters label the racers). ``colors`` gives one colour per row of the run (default:
    each optimizer's own colour); ``tol`` draws the tolerance line. Works headless. Raises
    ``ValueError`` on a bad request and ``OSError`` when the file cannot be written.
    """
    fmt = check_request(path, what, width, fmt, dpi)
    surface, tracks = run_tracks(landscape, run, optimizer, colors)
    data = figure_bytes(surface, landscape, tracks, run.steps, what=what, width=width, fmt=fmt, tol=tol,
                        dpi=dpi, view=view)
    write_bytes(path, data)


# -- the analysis figures -------------------------------------------------------------------------

PHASE_PLOT = (620.0, 440.0)
SWEEP_PLOT = (600.0, 420.0)


def analysis_canvas(
    what: str,
    result: object,
    *,
    surface: Surface | None = None,
    landscape: Landscape | None = None,
    tracks: tuple[Track, ...] = (),
    steps: int = 0,
    step: int | None = None,
    view: Box | None = None,
    opacity: float = 0.65,
    current: object = None,
    tol: float | None = None,
    overlays: Overlays | None = None,
) -> Canvas:
    _ensure_app()
    if what == "basins":
        if landscape is None:
            raise ValueError("a basin figure needs its landscape")
        surface = surface if surface is not None else build_surface(landscape)
        base = overlays or Overlays()
        ov = Overlays(result, opacity, True, base.field, base.field_n, base.curvature, base.marks, base.marks_line)
        scene = Scene(surface, landscape, tracks, steps, step, tol, view if view is not None else result.box, ov)
        w, h = contour_panel_size(scene)
        c = Canvas(w, h, title=f"Basin: {result.legend()[0]} on {surface.title}")
        draw_contour(c, 0.0, 0.0, w, h, scene)
        return c
    if what == "phase":
        return phase_canvas(result, current)
    if what == "sweep":
        return sweep_canvas(result, current)
    raise ValueError(f"invalid analysis figure {what!r} (choose from {', '.join(ANALYSIS_WHATS)})")


def analysis_figure_bytes(what: str, result: object, *, fmt: str = "png", width: int = 1200,
                          dpi: float | None = None, **kwargs) -> bytes:
    """Render an analysis figure; the window's Analysis > Export and the command line's
    ``basins/phase/sweep --png/--svg/--pdf`` both come here (see :func:`analysis_canvas`)."""
    return render(analysis_canvas(what, result, **kwargs), fmt, Size(width, dpi))


def save_analysis_figure(
    what: str, result: object, path: str | Path, *, width: int = 1200, fmt: str | None = None,
    landscape: Landscape | None = None, dpi: float | None = None,
) -> None:
    """Write an analysis figure (``basins``, ``phase`` or ``sweep``) as PNG, SVG or PDF;
    works headless. Raises ``ValueError`` on a bad request, ``OSError`` when the file cannot
    be written."""
    fmt = check_analysis_request(path, what, width, fmt, dpi)
    write_bytes(path, analysis_figure_bytes(what, result, fmt=fmt, width=width, dpi=dpi, landscape=landscape))


def _phase_ramp(n: int = 256) -> np.ndarray:
    """The (alpha, mu) map's colour bar: quick (bright) at the bottom, slow (dark) at the top."""
    from gui.analysis_data import viridis_bytes

    v = np.linspace(1.0, 0.0, n)  # top row first: the slowest
    rgb = np.asarray(viridis_bytes(1.0 - v), dtype=np.uint8).reshape(n, -1)[:, :3]
    out = np.empty((n, 1, 4), dtype=np.uint8)
    out[:, 0, :3] = rgb
    out[:, 0, 3] = 255
    return out


def phase_canvas(result, current: tuple[float, float] | None = None) -> Canvas:
    """The (alpha, mu) map as the window's PhaseView draws it, with its legend in the plot."""
    from gui.analysis_data import ALPHA_RANGE

    pm = result.map
    x0, y0, cw, chh = result.cell_rect()
    lo_a, hi_a = (math.log10(a) for a in ALPHA_RANGE)
    xa = Axis(x0, x0 + cw, "learning rate α", ticks=log_axis_ticks(lo_a, hi_a, 7))
    ya = Axis(y0, y0 + chh, "momentum μ")
    title = f"{pm.optimizer} on {result.landscape}: steps until ‖∇L‖ < tol (at most {pm.budget})"
    pw, ph = PHASE_PLOT
    left, top, right, bottom = Plot.margins(xa, ya, title, ph, pw)
    # the colour bar and its labels to the right
    lo, hi = result.levels
    nice = [(math.log10(1 + s), f"{s:g}") for s in (1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000)]
    gap = 0.08 * (hi - lo)
    bar_ticks = [t for t in nice if lo + gap <= t[0] <= hi - gap]
    ok = pm.steps[pm.steps >= 0]
    if ok.size:
        bar_ticks = [(lo, f"{int(ok.min())}"), *bar_ticks]
    bar_ticks.append((hi, f"{pm.budget}"))
    bar_label_w = max(Fonts.width(t, TICK_FONT) for _v, t in bar_ticks)
    bar_w = 14.0 + 10 + bar_label_w + 10 + Fonts.height(TICK_FONT) + PAD
    width = max(left + pw + right + bar_w, Fonts.width(title, TITLE_FONT) + 2 * PAD)
    rows = _phase_rows(result, current)
    lw, lh = legend_size(rows)  # below the plot: over the map it would hide settings
    width = max(width, left + lw + PAD)
    c = Canvas(width, top + ph + bottom + lh + 6, title=f"Basin: {title}")
    plot = Plot(left, top, pw, ph, xa, ya, title)
    c.layer = UNDER
    plot.image(c, result.rgba, ((x0, x0 + cw), (y0, y0 + chh)), smooth=False, cells=4)
    plot.draw_axes(c)
    bx = left + pw + right
    c.image(bx, top, 14.0, ph, _phase_ramp(), smooth=True)
    c.rect(bx, top, 14.0, ph, None, "#404040", 1.0)
    for v, t in bar_ticks:
        fy = top + (hi - v) / (hi - lo) * ph if hi > lo else top
        c.lines([np.array([(bx + 14, fy), (bx + 18, fy)])], "#404040", 1.0, cap="butt")
        c.text(bx + 22, fy, t, TICK_FONT, TEXT, valign="middle")
    c.text(bx + 22 + bar_label_w + 10, top + ph / 2, "steps to converge", TICK_FONT, TEXT, align="center",
           valign="top", rotate=True)
    # the theory's edge, the quickest setting, Polyak's best, the current setting
    th = result.theory
    if th is not None:
        plot.line(c, np.log10(th.edge), th.mus, "#111111", 2.5, dash=(8.0, 4.0))
    best = pm.fastest()
    if best is not None:
        plot.marker(c, math.log10(best[0]), best[1], "star", 22, "#ffffff", "#111111", 1.0)
    if current is not None and current[0] is not None and current[0] > 0:
        cx = math.log10(current[0])
        plot.vline(c, cx, "#111111", 1.5, dash=(6.0, 3.0))
        plot.hline(c, current[1], "#111111", 1.5, dash=(6.0, 3.0))
        plot.marker(c, cx, current[1], "o", 16, "#ffffff", "#111111", 2.5, fill_alpha=90 / 255)
    if th is not None and th.best is not None:
        plot.marker(c, math.log10(th.best[0]), th.best[1], "d", 16, "#ff9f1c", "#111111", 1.0)
    c.layer = OVER
    draw_legend(c, rows, left, top + ph + bottom)
    return c


def _phase_rows(result, current) -> list[Row]:
    """The (alpha, mu) map's legend, worded as the window's."""
    from gui.analysis_data import PHASE_DIVERGED_COLOR, PHASE_UNCONVERGED_COLOR

    pm, th = result.map, result.theory
    rows = [
        Row("diverged", "swatch", PHASE_DIVERGED_COLOR),
        Row(f"not converged in {pm.budget} steps", "swatch", PHASE_UNCONVERGED_COLOR),
    ]
    best = pm.fastest()
    if best is not None:
        rows.append(Row(f"quickest: α={best[0]:.3g}, μ={best[1]:.3g}, {best[2]} steps", "marker", "#ffffff",
                        symbol="star", size=18, stroke="#111111"))
    if current is not None and current[0] is not None and current[0] > 0:
        a, m = current
        steps = result.steps_at(a, m)
        what = "—" if steps is None else ("diverged" if steps == -1 else "not converged" if steps < 0 else
                                          f"{steps} steps")
        rows.append(Row(f"current: α={a:.3g}, μ={m:.3g}: {what}", "marker", "#ffffff", symbol="o", size=14,
                        stroke="#111111", stroke_width=2.0))
    if th is not None:
        rule = "2(1+μ)/λmax" if th.best is not None else "(2+2μ)/((1+2μ)λmax)"
        rows.append(Row(f"theory: stable iff α < {rule}, λmax={th.lam_max:.3g}", "line", "#111111", 2.5,
                        dash=(8.0, 4.0)))
        if th.best is not None:
            rows.append(Row(f"Polyak's best: α={th.best[0]:.3g}, μ={th.best[1]:.3g}", "marker", "#ff9f1c",
                            symbol="d", size=14, stroke="#111111"))
    return rows


def sweep_canvas(result, current: Sequence[tuple[int, float, str]] | None = None) -> Canvas:
    """The learning-rate sweep as the window's SweepView draws it, its legend in a column to
    the right of the plot."""
    from gui.analysis_data import USUAL_ALPHAS

    sw = result.sweep
    x = result.log_alphas
    ys = [result.train_y] + ([result.validation_y] if result.validation_y is not None else [])
    finite = np.concatenate([yy[np.isfinite(yy)] for yy in ys])
    ylo, yhi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if yhi - ylo < 1e-9:
        ylo, yhi = ylo - 0.5, yhi + 0.5
    span = yhi - ylo
    row_gap, top_row = 0.05 * span, yhi + 0.1 * span
    n = len(sw.names)

    def row(i: int) -> float:
        return top_row + i * row_gap

    ytop = row(max(n - 1, 0)) + 0.1 * span
    xlo, xhi = float(x.min()), float(x.max())
    px, py = 0.02 * (xhi - xlo), 0.02 * (ytop - (ylo - 0.05 * span))
    xa = Axis(xlo - px, xhi + px, "learning rate α", ticks=log_axis_ticks(xlo, xhi, 7))
    y0 = ylo - 0.05 * span - py
    ya = Axis(y0, ytop + py, result.y_label, ticks=log_axis_ticks(ylo - 0.05 * span, yhi, 6) if result.log_y else None,
              grid=True)
    title = f"{result.landscape}: {result.title()}"
    pw, ph = SWEEP_PLOT
    left, top, right, bottom = Plot.margins(xa, ya, title, ph, pw)
    rows = [Row(sw.names[i], "line", result.colors[i], CURVE_WIDTH) for i in range(n)]
    if result.diverged.any():
        rows.append(Row("diverged", "marker", "#444444", symbol="x", size=13, stroke="#444444"))
    if result.validation_y is not None:
        rows += [Row("training", "line", "#303030", CURVE_WIDTH), Row("validation", "line", "#303030", 2.0,
                                                                      dash=(8.0, 4.0))]
    lw = legend_size(rows)[0]
    width = max(left + pw + right + lw + PAD, Fonts.width(title, TITLE_FONT) + 2 * PAD)
    c = Canvas(width, top + ph + bottom, title=f"Basin: {title}")
    plot = Plot(left, top, pw, ph, xa, ya, title)
    c.layer = UNDER
    ulo, uhi = (math.log10(a) for a in USUAL_ALPHAS)
    fx0, fx1 = float(plot.sx(max(ulo, xa.lo))), float(plot.sx(min(uhi, xa.hi)))
    if fx1 > fx0:
        c.rect(fx0, plot.y, fx1 - fx0, plot.h, (255, 196, 60), None, fill_alpha=55 / 255)
    plot.draw_axes(c)
    c.text((fx0 + fx1) / 2, float(plot.sy(ytop)) + 2, f"usual range {USUAL_ALPHAS[0]:g} – {USUAL_ALPHAS[1]:g}",
           TICK_FONT, "#7a5200", align="center", valign="top")
    for i in range(n):
        color = result.colors[i]
        if result.validation_y is not None:
            for run_x, run_y in _finite_runs(x, result.validation_y[i]):
                plot.line(c, run_x, run_y, color, 2.0, dash=(8.0, 4.0))
        for run_x, run_y in _finite_runs(x, result.train_y[i]):
            plot.line(c, run_x, run_y, color, CURVE_WIDTH)
        ok = np.isfinite(result.train_y[i])
        for xx, yy in zip(x[ok], result.train_y[i][ok], strict=True):
            plot.marker(c, xx, yy, "o", 7, color, None, 0.0)
        for xx in x[result.diverged[i]]:
            plot.marker(c, xx, row(i), "x", 11, color, None, 0.0)
    for i, a, color in current or ():
        if not 0 <= i < n or a <= 0:
            continue
        xa_ = math.log10(a)
        yv = result.train_y[i]
        j = int(np.argmin(np.abs(x - xa_)))
        ok = np.isfinite(yv)
        ya_ = row(i) if not ok[j] else float(np.interp(xa_, x[ok], yv[ok]))
        plot.marker(c, xa_, ya_, "o", 18, None, color, 2.5)
    c.layer = OVER
    draw_legend(c, rows, left + pw + right, top)
    return c


def _finite_runs(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The stretches of a curve between its gaps (NaN where a run diverged), as pyqtgraph's
    ``connect="finite"`` draws them."""
    ok = np.isfinite(y)
    out = []
    i = 0
    while i < len(y):
        if not ok[i]:
            i += 1
            continue
        j = i
        while j < len(y) and ok[j]:
            j += 1
        out.append((x[i:j], y[i:j]))
        i = j
    return out
