"""Plots drawn on a :class:`~gui.canvas.Canvas`: axes with ticks, grid and titles, data
mapped into the plot area and clipped to it, markers and legend boxes placed where they
hide the least. The exported figures (``gui.figure``) are built from these, in the look of
the window's pyqtgraph plots (the same fonts, pens, colours and tick labels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gui.canvas import Canvas, Fonts, clip_polyline, clip_segments, nice_step, symbol_parts
from gui.plots import FONT_PT, log_ticks

# sizes in figure units (CSS pixels): the window's 11 pt text on a 96 dpi screen
PT = 96.0 / 72.0
TICK_FONT = FONT_PT * PT
LABEL_FONT = (FONT_PT + 1) * PT
TITLE_FONT = (FONT_PT + 2) * PT
TEXT = "#202020"
AXIS = "#404040"
TICK = 6.0
PAD = 10.0  # between a panel's edge and its text

Ticks = list[list[tuple[float, str]]]  # [labelled, unlabelled]: as pyqtgraph's setTicks


def linear_ticks(lo: float, hi: float, length: float) -> Ticks:
    """Labelled ticks about every 80 units along an axis ``length`` long, 1-2-5 spaced,
    with unlabelled minor ticks between them, as pyqtgraph labels a linear axis."""
    step = nice_step(hi - lo, max(2, int(length / 80)))
    minor = step / (5 if round(step / 10 ** math.floor(math.log10(step))) != 2 else 4)
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    majors = [
        (v, f"{v:.{digits}f}".replace("-0", "0") if abs(v) < step / 2 else f"{v:.{digits}f}")
        for v in _multiples(lo, hi, step)
    ]
    majors = [(v, "0" if abs(v) < step / 2 else t) for v, t in majors]
    major_set = {round(v / minor) for v, _ in majors}
    minors = [(v, "") for v in _multiples(lo, hi, minor) if round(v / minor) not in major_set]
    return [majors, minors]


def _multiples(lo: float, hi: float, step: float) -> list[float]:
    a, b = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    if b - a > 1000:
        return []
    return [k * step for k in range(a, b + 1)]


def log_axis_ticks(lo: float, hi: float, max_labels: int = 6) -> Ticks:
    """The window's log ticks (decades, and 2 and 5 when few decades are in view)."""
    return log_ticks(lo, hi, max_labels)


@dataclass
class Axis:
    """One axis: its range, ticks and title."""

    lo: float
    hi: float
    title: str = ""
    ticks: Ticks | None = None  # None: linear ticks
    labels: bool = True  # tick labels shown
    grid: bool = False


class Plot:
    """A plot area at ``(x, y)`` of ``w`` x ``h`` units with its axes; the panel around it
    (titles and tick labels) is given by :meth:`margins`."""

    def __init__(self, x: float, y: float, w: float, h: float, xaxis: Axis, yaxis: Axis, title: str = "") -> None:
        self.x, self.y, self.w, self.h = float(x), float(y), float(w), float(h)
        self.xaxis, self.yaxis = xaxis, yaxis
        self.title = title
        if xaxis.ticks is None:
            xaxis.ticks = linear_ticks(xaxis.lo, xaxis.hi, w)
        if yaxis.ticks is None:
            yaxis.ticks = linear_ticks(yaxis.lo, yaxis.hi, h)

    # -- layout ---------------------------------------------------------------------------------
    @staticmethod
    def margins(xaxis: Axis, yaxis: Axis, title: str = "", h: float = 400.0, w: float = 400.0
                ) -> tuple[float, float, float, float]:
        """``(left, top, right, bottom)``: room for the title, tick labels and axis titles."""
        yt = yaxis.ticks if yaxis.ticks is not None else linear_ticks(yaxis.lo, yaxis.hi, h)
        label_w = max((Fonts.width(t, TICK_FONT) for v, t in yt[0] if yaxis.lo <= v <= yaxis.hi), default=0.0)
        left = PAD + (Fonts.height(LABEL_FONT) + 8 if yaxis.title else 0) + (label_w + 6 if yaxis.labels else 0)
        top = PAD + (Fonts.height(TITLE_FONT) + 10 if title else 6)
        bottom = 4 + (Fonts.height(TICK_FONT) + 4 if xaxis.labels else 0)
        bottom += (Fonts.height(LABEL_FONT) + 4 if xaxis.title else 0) + PAD - 4
        xt = xaxis.ticks if xaxis.ticks is not None else linear_ticks(xaxis.lo, xaxis.hi, w)
        last = max((Fonts.width(t, TICK_FONT) for v, t in xt[0] if xaxis.lo <= v <= xaxis.hi), default=0.0)
        right = max(PAD + 6, last / 2 + 4)
        return left, top, right, bottom

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The data range shown: ``(x0, x1, y0, y1)``."""
        return self.xaxis.lo, self.xaxis.hi, self.yaxis.lo, self.yaxis.hi

    # -- mapping --------------------------------------------------------------------------------
    def sx(self, x) -> np.ndarray | float:
        return self.x + (np.asarray(x, dtype=np.float64) - self.xaxis.lo) * (self.w / (self.xaxis.hi - self.xaxis.lo))

    def sy(self, y) -> np.ndarray | float:
        return self.y + (self.yaxis.hi - np.asarray(y, dtype=np.float64)) * (self.h / (self.yaxis.hi - self.yaxis.lo))

    def point(self, x: float, y: float) -> tuple[float, float]:
        return float(self.sx(x)), float(self.sy(y))

    def to_figure(self, pts: np.ndarray) -> np.ndarray:
        out = np.empty((len(pts), 2))
        out[:, 0] = self.sx(pts[:, 0])
        out[:, 1] = self.sy(pts[:, 1])
        return out

    def inside(self, x: float, y: float, slack: float = 0.0) -> bool:
        x0, x1, y0, y1 = self.box
        sx, sy = slack * (x1 - x0), slack * (y1 - y0)
        return x0 - sx <= x <= x1 + sx and y0 - sy <= y <= y1 + sy

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return self.x, self.y, self.w, self.h

    # -- drawing data ---------------------------------------------------------------------------
    def line(self, c: Canvas, x, y, color, width: float, *, alpha: float = 1.0, dash=None) -> None:
        """A polyline in data units, clipped to the plot area: one path."""
        runs = clip_polyline(np.asarray(x), np.asarray(y), self.box)
        c.lines([self.to_figure(r) for r in runs], color, width, alpha=alpha, dash=dash)

    def segments(self, c: Canvas, pairs: np.ndarray, color, width: float, *, alpha: float = 1.0, dash=None) -> None:
        """Disjoint segments (consecutive point pairs ``(2m, 2)``), clipped to the plot area."""
        if len(pairs) < 2:
            return
        a, b = pairs[0::2], pairs[1::2]
        keep, x0, y0, x1, y1, _t0, _t1 = clip_segments(a[:, 0], a[:, 1], b[:, 0], b[:, 1], self.box)
        if not keep.any():
            return
        seg = np.stack([self.sx(x0[keep]), self.sy(y0[keep]), self.sx(x1[keep]), self.sy(y1[keep])], axis=1)
        c.lines(list(seg.reshape(-1, 2, 2)), color, width, alpha=alpha, dash=dash, cap="butt" if dash is None else None)

    def hline(self, c: Canvas, y: float, color, width: float, *, alpha: float = 1.0, dash=None) -> None:
        if self.yaxis.lo <= y <= self.yaxis.hi:
            fy = float(self.sy(y))
            c.lines([np.array([(self.x, fy), (self.x + self.w, fy)])], color, width, alpha=alpha, dash=dash,
                    cap="butt")

    def vline(self, c: Canvas, x: float, color, width: float, *, alpha: float = 1.0, dash=None) -> None:
        if self.xaxis.lo <= x <= self.xaxis.hi:
            fx = float(self.sx(x))
            c.lines([np.array([(fx, self.y), (fx, self.y + self.h)])], color, width, alpha=alpha, dash=dash,
                    cap="butt")

    def marker(self, c: Canvas, x: float, y: float, symbol: str, size: float, fill, stroke, width: float,
               *, fill_alpha: float = 1.0) -> None:
        """A scatter symbol ``size`` units across at data point ``(x, y)`` if it is in view."""
        if not self.inside(x, y):
            return
        fx, fy = self.point(x, y)
        marker(c, fx, fy, symbol, size, fill, stroke, width, fill_alpha=fill_alpha)

    def image(self, c: Canvas, rgba: np.ndarray, extent: tuple[tuple[float, float], tuple[float, float]],
              *, smooth: bool, cells: int = 2, alpha: float = 1.0) -> None:
        """An image whose pixels are cells over ``extent`` (row 0 at the lowest y), cut and
        resampled to exactly the part in view (no renderer has to clip it), each source
        cell ``cells`` pixels or more across (a map's cells stay sharp when smoothed)."""
        out = resample(rgba, extent, self.box, self.w, self.h, smooth=smooth, cells=cells)
        if out is None:
            return
        img, (x0, x1, y0, y1) = out
        if alpha < 1.0:
            img = img.copy()
            img[..., 3] = np.round(img[..., 3] * alpha).astype(np.uint8)
        fx0, fx1 = float(self.sx(x0)), float(self.sx(x1))
        fy1, fy0 = float(self.sy(y1)), float(self.sy(y0))
        c.image(fx0, fy1, fx1 - fx0, fy0 - fy1, img, smooth=smooth)

    # -- axes -----------------------------------------------------------------------------------
    def draw_axes(self, c: Canvas) -> None:
        """Grid, axis lines, ticks (inward, as the window's), tick labels, axis titles, title."""
        x0, y0, w, h = self.rect
        for axis, along_x in ((self.xaxis, True), (self.yaxis, False)):
            majors, minors = axis.ticks or [[], []]
            if axis.grid:
                for level, alpha in ((majors, 0.3), (minors, 0.15)):
                    for v, _t in level:
                        if axis.lo <= v <= axis.hi:
                            (self.vline if along_x else self.hline)(c, v, AXIS, 1.0, alpha=alpha)
            ticks = []
            for v, t in [*majors, *minors]:
                if not axis.lo - 1e-9 * abs(axis.hi - axis.lo) <= v <= axis.hi + 1e-9 * abs(axis.hi - axis.lo):
                    continue
                length = TICK if t or not majors else TICK * 0.6
                if along_x:
                    fx = float(self.sx(v))
                    ticks.append(np.array([(fx, y0 + h), (fx, y0 + h - length)]))
                    if t and axis.labels:
                        c.text(fx, y0 + h + 4, t, TICK_FONT, TEXT, align="center", valign="top")
                else:
                    fy = float(self.sy(v))
                    ticks.append(np.array([(x0, fy), (x0 + length, fy)]))
                    if t and axis.labels:
                        c.text(x0 - 6, fy, t, TICK_FONT, TEXT, align="right", valign="middle")
            c.lines(ticks, AXIS, 1.0, cap="butt")
        c.lines([np.array([(x0, y0), (x0, y0 + h), (x0 + w, y0 + h)])], AXIS, 1.0, cap="square", join="miter")
        if self.xaxis.title:
            below = y0 + h + 4 + (Fonts.height(TICK_FONT) + 4 if self.xaxis.labels else 0)
            c.text(x0 + w / 2, below, self.xaxis.title, LABEL_FONT, TEXT, align="center", valign="top")
        if self.yaxis.title:
            widths = [Fonts.width(t, TICK_FONT) for v, t in (self.yaxis.ticks or [[]])[0]
                      if self.yaxis.lo <= v <= self.yaxis.hi]
            left = x0 - 6 - (max(widths, default=0.0) + 8 if self.yaxis.labels else 0)
            c.text(left, y0 + h / 2, self.yaxis.title, LABEL_FONT, TEXT, align="center", valign="bottom",
                   rotate=True)
        if self.title:
            c.text(x0 + w / 2, y0 - 10, self.title, TITLE_FONT, TEXT, align="center", valign="bottom")


def marker(c: Canvas, fx: float, fy: float, symbol: str, size: float, fill, stroke, width: float,
           *, fill_alpha: float = 1.0) -> None:
    """A scatter symbol centred on the figure point ``(fx, fy)``."""
    if symbol == "o":
        c.circle(fx, fy, size / 2, fill, stroke, width, fill_alpha=fill_alpha)
    else:
        c.polygon(symbol_parts(symbol, size, fx, fy), fill, stroke, width, fill_alpha=fill_alpha)


_RESAMPLED: list[tuple[tuple, np.ndarray, object]] = []  # the last few: an animation's frames share them


def resample(rgba: np.ndarray, extent, box, w: float, h: float, *, smooth: bool, cells: int = 2):
    """:func:`resample_image`, remembering its last few results (the same image, extent
    and box give the same pixels: each frame of an animation would pay for them again)."""
    key = (tuple(map(tuple, extent)), tuple(box), float(w), float(h), smooth, cells)
    for k, src, out in _RESAMPLED:
        if src is rgba and k == key:
            return out
    out = resample_image(rgba, extent, box, w, h, smooth=smooth, cells=cells)
    _RESAMPLED.insert(0, (key, rgba, out))
    del _RESAMPLED[4:]
    return out


def resample_image(rgba: np.ndarray, extent, box, w: float, h: float, *, smooth: bool, cells: int = 2):
    """The part of an image over ``extent`` (``((x0, x1), (y0, y1))``, pixel edges; row 0
    at the lowest y) that lies in ``box`` (``(x0, x1, y0, y1)``), resampled onto a grid
    covering exactly that part: ``(rgba top row first, (x0, x1, y0, y1))`` or None.

    Smooth images are resampled bilinearly at about two pixels per figure unit at most
    (the landscape); others by nearest neighbour with every cell ``cells`` pixels or more
    (maps: the borders of cells stay sharp)."""
    (ex0, ex1), (ey0, ey1) = extent
    bx0, bx1, by0, by1 = box
    x0, x1 = max(ex0, min(bx0, bx1)), min(ex1, max(bx0, bx1))
    y0, y1 = max(ey0, min(by0, by1)), min(ey1, max(by0, by1))
    if not (x1 > x0 and y1 > y0):
        return None
    ny, nx = rgba.shape[:2]
    frac_x = (x1 - x0) / (ex1 - ex0)
    frac_y = (y1 - y0) / (ey1 - ey0)
    pw = w * (x1 - x0) / abs(bx1 - bx0)  # figure units the part covers
    ph = h * (y1 - y0) / abs(by1 - by0)
    if smooth:
        mx = int(min(max(nx * frac_x * 2, pw), 2 * pw, 2048))
        my = int(min(max(ny * frac_y * 2, ph), 2 * ph, 2048))
    else:
        k = max(cells, 1)
        mx = int(min(max(round(nx * frac_x * k), 8), 4096))
        my = int(min(max(round(ny * frac_y * k), 8), 4096))
        mx = int(min(max(mx, round(pw)), 4096))
        my = int(min(max(my, round(ph)), 4096))
    mx, my = max(mx, 2), max(my, 2)
    # pixel centres of the new grid, in source pixel coordinates (column, row from the bottom)
    u = (x0 + (np.arange(mx) + 0.5) * (x1 - x0) / mx - ex0) / (ex1 - ex0) * nx - 0.5
    v = (y1 - (np.arange(my) + 0.5) * (y1 - y0) / my - ey0) / (ey1 - ey0) * ny - 0.5  # top row first
    src = rgba.astype(np.float64) if smooth else rgba
    if smooth:
        u = np.clip(u, 0, nx - 1)
        v = np.clip(v, 0, ny - 1)
        i0 = np.floor(v).astype(int)
        j0 = np.floor(u).astype(int)
        i1 = np.minimum(i0 + 1, ny - 1)
        j1 = np.minimum(j0 + 1, nx - 1)
        fv = (v - i0)[:, None, None]
        fu = (u - j0)[None, :, None]
        top = src[i0][:, j0] * (1 - fu) + src[i0][:, j1] * fu
        bot = src[i1][:, j0] * (1 - fu) + src[i1][:, j1] * fu
        out = np.round(top * (1 - fv) + bot * fv).astype(np.uint8)
    else:
        j = np.clip(np.round(u).astype(int), 0, nx - 1)
        i = np.clip(np.round(v).astype(int), 0, ny - 1)
        out = np.ascontiguousarray(src[i][:, j])
    return out, (x0, x1, y0, y1)


# -- legends ----------------------------------------------------------------------------------

LEGEND_FONT = TICK_FONT
SAMPLE_W = 30.0


@dataclass
class Row:
    """One legend row: a sample (``line``, ``marker``, ``swatch`` or None) and its text."""

    text: str
    kind: str | None = None  # line | marker | swatch | None
    color: str = "#000000"
    width: float = 2.5
    dash: tuple[float, ...] | None = None
    symbol: str = "o"
    size: float = 14.0
    stroke: str | None = "#333333"
    stroke_width: float = 1.0
    bold: bool = False


def legend_size(rows: Sequence[Row]) -> tuple[float, float]:
    """Width and height of the legend box :func:`draw_legend` draws."""
    line = Fonts.height(LEGEND_FONT) + 3
    indent = SAMPLE_W + 8 if any(r.kind for r in rows) else 0.0  # rows without a sample line up too
    w = max((Fonts.width(r.text, LEGEND_FONT, r.bold) + (0.0 if r.bold and not r.kind else indent) for r in rows),
            default=0)
    return w + 16, len(rows) * line + 10


def draw_legend(c: Canvas, rows: Sequence[Row], x: float, y: float) -> tuple[float, float, float, float]:
    """A legend box with its top left at ``(x, y)``: white (84% opaque), grey border, a
    sample and a text per row, as the window's. Returns the box ``(x, y, w, h)``."""
    w, h = legend_size(rows)
    c.rect(x, y, w, h, "#ffffff", "#808080", 1.0, fill_alpha=215 / 255)
    line = Fonts.height(LEGEND_FONT) + 3
    has_samples = any(r.kind for r in rows)
    for i, r in enumerate(rows):
        cy = y + 5 + line * (i + 0.5)
        tx = x + 8
        if r.kind:
            sx = x + 8
            if r.kind == "line":
                c.lines([np.array([(sx + 2, cy), (sx + SAMPLE_W - 2, cy)])], r.color, r.width, dash=r.dash,
                        cap="butt" if r.dash else "round")
            elif r.kind == "marker":
                marker(c, sx + SAMPLE_W / 2, cy, r.symbol, r.size, r.color, r.stroke, r.stroke_width)
            elif r.kind == "swatch":
                s = 12.0
                c.rect(sx + SAMPLE_W / 2 - s / 2, cy - s / 2, s, s, r.color, r.stroke, 1.0)
            tx = x + 8 + SAMPLE_W + 8
        elif has_samples and not r.bold:
            tx = x + 8 + SAMPLE_W + 8
        c.text(tx, cy, r.text, LEGEND_FONT, TEXT, valign="middle", bold=r.bold)
    return x, y, w, h


CORNERS = ("top-right", "top-left", "bottom-left", "bottom-right")


def place_legend(plot: Plot, size: tuple[float, float], points: Sequence[tuple[np.ndarray, float]],
                 *, prefer: Sequence[str] = CORNERS, taken: Sequence[tuple[float, float, float, float]] = (),
                 margin: float = 8.0) -> tuple[float, float, float]:
    """Top left of a ``size`` box in the corner of ``plot`` that hides the least, and what
    it hides: ``points`` are ``(figure points (n, 2), weight of each)`` (lines given through
    :func:`densify`), a box over another legend in ``taken`` counts as hiding everything;
    ties go to the first corner of ``prefer``."""
    w, h = size
    x0, y0, pw, ph = plot.rect
    spots = {
        "top-right": (x0 + pw - margin - w, y0 + margin),
        "top-left": (x0 + margin, y0 + margin),
        "bottom-left": (x0 + margin, y0 + ph - margin - h),
        "bottom-right": (x0 + pw - margin - w, y0 + ph - margin - h),
    }

    def cost(corner: str) -> float:
        bx, by = spots[corner]
        total = 0.0
        for pts, weight in points:
            if len(pts) == 0:
                continue
            pad = 10.0
            inside = (
                (pts[:, 0] >= bx - pad) & (pts[:, 0] <= bx + w + pad)
                & (pts[:, 1] >= by - pad) & (pts[:, 1] <= by + h + pad)
            )
            total += weight * int(inside.sum())
        for tx, ty, tw, th in taken:
            if bx < tx + tw and tx < bx + w and by < ty + th and ty < by + h:
                total += 1e9
        return total

    costs = {k: cost(k) for k in prefer}
    best = min(prefer, key=lambda k: (costs[k], list(prefer).index(k)))
    return (*spots[best], costs[best])


def densify(pts: np.ndarray, spacing: float = 4.0, limit: int = 20000) -> np.ndarray:
    """Points every ``spacing`` units along a polyline in figure units (a long straight
    segment has no points of its own in between, yet a legend over it hides it)."""
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return pts
    d = np.hypot(*np.diff(pts, axis=0).T)
    n = np.minimum(np.ceil(d / spacing).astype(np.int64), limit).clip(1)
    if n.sum() > limit:
        n = np.maximum((n * (limit / n.sum())).astype(np.int64), 1)
    t = np.concatenate([np.arange(k) / k for k in n])
    seg = np.repeat(np.arange(len(d)), n)
    out = pts[seg] + (pts[seg + 1] - pts[seg]) * t[:, None]
    return np.vstack([out, pts[-1:]])
