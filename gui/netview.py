"""The network view: a network with hundreds of weights learning, live.

Panes (each a pyqtgraph view whose items are built once; a frame only calls ``setData``):

* :class:`DataView`: the training points (filled) and validation points (hollow) in the two
  classes' colours, over one racer's predicted probability, with every racer's decision
  boundary ``p = 0.5`` as a line in its colour (as TensorFlow Playground shows a net);
* :class:`SliceView`: the training loss on a plane through weight space (log scale, iso-lines)
  with each racer's path projected onto it, the start and the heads; the plane's kind and
  how much of the paths' movement it captures are written on it;
* :class:`NetCurves`: training loss (solid) and validation loss (dashed), gradient norm and
  accuracy along the runs, and alpha(t) of the racers on a schedule (a fourth pane, shown only
  then);
* :class:`UnitsView`: each hidden layer's incoming weights as an image (a column per unit), so
  that identical units (a zero start) show as identical columns.

The animation reveals step ``k`` of every run: lines up to ``k``, the heads at ``k``, and the
data view's probability at ``k`` (recomputed for the shown racer, a few milliseconds).
"""

from __future__ import annotations

import html
import time

import contourpy
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from engine.network.metrics import evaluate, probability_field
from engine.network.symmetry import identical_units
from engine.simulation import Status
from gui.look import LIGHT, Theme, longest_fitting
from gui.netstate import FIELD, NetFrame
from gui.pg_overrides import Trace
from gui.plots import (
    FONT_PT,
    _label,
    alpha_staircase,
    follow_step_ticks,
    landscape_lut,
    linear_ticks,
    log_ticks,
    style_plot,
)

CLASS_COLORS = ("#0072b2", "#e69f00")  # class 0, class 1 (Okabe-Ito, as the racers' palette)


LIVE_FIELD = 40  # a decision field's cells per side while the animation plays (64 at rest)
LIVE_EVERY_S = 0.1  # while playing, the data, curves and units are redrawn at most this often


def _trace(plot: pg.PlotItem, z: float = 10.0) -> Trace:
    """A line drawn as segments in device pixels (gui.pg_overrides.Trace: several times faster
    than pyqtgraph's path for the thick antialiased lines of many points here)."""
    item = Trace()
    item.setZValue(z)
    plot.addItem(item)
    return item


def _put(item: Trace, x: np.ndarray, y: np.ndarray, pen) -> None:
    """The finite points of ``(x, y)`` into a trace (which takes finite points only)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.all():
        x, y = x[ok], y[ok]
    if item.opts["pen"] is not pen:
        item.setPen(pen)
    item.set_points(np.ascontiguousarray(x), np.ascontiguousarray(y))


def boundary_lines(x1: np.ndarray, x2: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The level ``p = 0.5`` as one polyline with NaN breaks (for a PlotCurveItem with
    ``connect='finite'``)."""
    if not np.all(np.isfinite(p)) or p.min() > 0.5 or p.max() < 0.5:
        return np.zeros(0), np.zeros(0)
    gen = contourpy.contour_generator(x1, x2, p, line_type=contourpy.LineType.Separate)
    parts = [ln for ln in gen.lines(0.5) if len(ln) >= 2]
    if not parts:
        return np.zeros(0), np.zeros(0)
    joined = np.concatenate([np.vstack([ln, [[np.nan, np.nan]]]) for ln in parts])
    return joined[:, 0], joined[:, 1]


def field_image(p: np.ndarray, theme: Theme = LIGHT) -> np.ndarray:
    """RGBA bytes of a probability field: pale class colours by confidence, the theme's
    background where the net is unsure (p = 0.5)."""
    bg = np.array(pg.mkColor(theme.plot_bg).getRgb()[:3], dtype=np.float64)
    c0 = np.array(pg.mkColor(CLASS_COLORS[0]).getRgb()[:3], dtype=np.float64)
    c1 = np.array(pg.mkColor(CLASS_COLORS[1]).getRgb()[:3], dtype=np.float64)
    pale0, pale1 = bg + 0.45 * (c0 - bg), bg + 0.45 * (c1 - bg)
    q = np.nan_to_num(p, nan=0.5)[..., None]
    lean = np.abs(q - 0.5) * 2.0
    rgb = np.where(q >= 0.5, pale1, pale0) * lean + bg * (1.0 - lean)
    out = np.empty((*p.shape, 4), dtype=np.uint8)
    out[..., :3] = np.round(rgb).astype(np.uint8)
    out[..., 3] = 255
    return out


def _note_font(k: float) -> QFont:
    font = QFont()
    font.setPointSizeF(FONT_PT * k)
    return font


class _Pane(pg.PlotWidget):
    """A plot of the network view; ``title``: its forms from the longest to the shortest,
    the longest that fits the pane's width shown (a title wider than the pane held its
    plot wider than the pane, whose right side was then cut off: F5 at 1024 x 768)."""

    def __init__(self, title: tuple[str, ...], axes: tuple[str, str], k: float = 1.0, theme: Theme = LIGHT) -> None:
        super().__init__(background=theme.plot_bg)
        self.k, self.theme = k, theme
        self.titles, self.axes = title, axes
        self.title = title[0]
        self.beside = 0.0  # the width of what is right of the data (a legend), which the title leaves
        self._notes: dict[pg.TextItem, tuple[str, ...]] = {}  # texts on the plot: their forms (set_note)
        self.setMinimumSize(160, 200)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # images of 64 cells read smooth
        self.plot = self.getPlotItem()
        self._style()

    def _style(self) -> None:
        """Background, axes, title and axis titles at the zoom ``k``, in the theme's colours."""
        k, t = self.k, self.theme
        self.setBackground(t.plot_bg)
        style_plot(self.plot, k, cached=False, theme=t)
        for side, text in zip(("bottom", "left"), self.axes, strict=True):
            if text:  # (an empty title would still take its room)
                _label(self.plot, side, text, k, t)
        self.title = ""
        self._fit_title()

    def _fit_title(self) -> None:
        font = QFont()
        font.setPointSizeF((FONT_PT + 1) * self.k)
        # (the title spans the data's column only)
        room = self.width() - self.plot.getAxis("left").width() - self.beside - 16 * self.k
        title = longest_fitting(self.titles, QFontMetricsF(font).horizontalAdvance, room)
        if title != self.title:
            self.title = title
            self.plot.setTitle(title, color=self.theme.plot_fg, size=f"{(FONT_PT + 1) * self.k:.1f}pt")

    def set_note(self, item: pg.TextItem, forms: tuple[str, ...]) -> None:
        """Write on the plot the longest of ``forms`` that fits its width (again on resize)."""
        self._notes[item] = forms
        self._fit_note(item)

    def _fit_note(self, item: pg.TextItem) -> None:
        room = self.plot.vb.width() - 12 * self.k
        text = longest_fitting(self._notes[item], QFontMetricsF(item.textItem.font()).horizontalAdvance, room)
        if item.toPlainText() != text:
            item.setText(text)

    def resizeEvent(self, event) -> None:
        if getattr(self, "closed", False):  # (pyqtgraph's close resizes it, its items gone)
            return super().resizeEvent(event)
        if hasattr(self, "titles"):  # (pyqtgraph resizes the view while it is built)
            self._fit_title()  # first: the plot then takes the pane's width, no more
        super().resizeEvent(event)
        for item in getattr(self, "_notes", {}):
            self._fit_note(item)


class DataView(_Pane):
    """The data, one racer's probability and every racer's decision boundary."""

    def __init__(self, k: float = 1.0, theme: Theme = LIGHT) -> None:
        super().__init__(("data and boundaries", "data"), ("x₁", "x₂"), k, theme)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.boundaries: list[pg.PlotCurveItem] = []
        self.train_pts = pg.ScatterPlotItem(size=7 * k)
        self.val_pts = pg.ScatterPlotItem(size=7 * k, brush=None)
        self.plot.addItem(self.train_pts)
        self.plot.addItem(self.val_pts)
        for it in (self.train_pts, self.val_pts):
            it.setZValue(20)
        self.note = pg.TextItem("", color=theme.plot_fg, anchor=(0, 1))
        self.note.setFont(_note_font(k))
        self.plot.addItem(self.note, ignoreBounds=True)
        self.frame: NetFrame | None = None
        self.shown = 0  # the racer whose probability is the background
        self._data_key: object = None

    def set_look(self, k: float, theme: Theme) -> None:
        """Redraw at the zoom ``k`` in ``theme`` (call ``show_step`` after)."""
        self.k, self.theme = k, theme
        self._style()
        for it in (self.train_pts, self.val_pts):
            it.setSize(7 * k)
        self.note.setColor(theme.plot_fg)
        self.note.setFont(_note_font(k))
        self._data_key = None
        if self.frame is not None:
            self.set_frame(self.frame)

    def set_frame(self, f: NetFrame) -> None:
        self.frame = f
        d = f.net.data
        key = (id(f.net),)
        if key != self._data_key:  # (None after a new look)
            self._data_key = key
            for item, x, y, hollow in ((self.train_pts, d.x_train, d.y_train, False),
                                       (self.val_pts, d.x_val, d.y_val, True)):
                brushes = [None if hollow else pg.mkBrush(CLASS_COLORS[int(c)]) for c in y]
                pens = [pg.mkPen(CLASS_COLORS[int(c)], width=1.4 * self.k) if hollow
                        else pg.mkPen(self.theme.plot_bg, width=0.6 * self.k) for c in y]
                item.setData(x[:, 0], x[:, 1], brush=brushes, pen=pens)
            (a, b), (c, e) = d.box()
            self.plot.setRange(xRange=(a, b), yRange=(c, e), padding=0)
        while len(self.boundaries) < len(f.names):
            item = pg.PlotCurveItem(connect="finite")
            item.setZValue(10)
            self.plot.addItem(item)
            self.boundaries.append(item)
        while len(self.boundaries) > len(f.names):
            self.plot.removeItem(self.boundaries.pop())
        self.shown = min(self.shown, len(f.names) - 1)

    def show_step(self, k: int | None, live: bool = False) -> None:
        """The probabilities at step ``k`` of every run (None: at their ends); ``live``
        (the animation plays): on a coarser grid."""
        f = self.frame
        if f is None:
            return
        x1, x2 = f.fields.x1, f.fields.x2
        if k is None or k >= int(f.run.stop.max()):
            p = f.fields.p
        else:
            w = f.run.theta_at(k)
            ok = np.all(np.isfinite(w), axis=1)
            field = probability_field(f.net, np.where(ok[:, None], w, np.nan), LIVE_FIELD if live else FIELD,
                                      ((x1[0], x1[-1]), (x2[0], x2[-1])))
            x1, x2, p = field.x1, field.x2, field.p
        shown = p[self.shown]
        self.image.setImage(field_image(shown, self.theme).transpose(1, 0, 2), autoLevels=False)
        self.image.setRect(pg.QtCore.QRectF(x1[0], x2[0], x1[-1] - x1[0], x2[-1] - x2[0]))
        for i, item in enumerate(self.boundaries):
            bx, by = boundary_lines(x1, x2, p[i])
            item.setData(bx, by, pen=pg.mkPen(self.theme.racer(f.colors[i]), width=(3.0 if i == self.shown else 2.0)
                                              * self.k))
        name = f.names[self.shown]
        self.set_note(self.note, (f"background: {name}", name, name.split(" ")[0]))
        self.note.setPos(x1[0], x2[0])


class SliceView(_Pane):
    """The loss on a plane through weight space, with the runs projected onto it."""

    def __init__(self, k: float = 1.0, theme: Theme = LIGHT) -> None:
        titles = ("loss on a weight plane", "loss on a plane", "loss")
        super().__init__(titles, ("direction a", "direction b"), k, theme)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.iso = pg.PlotCurveItem(connect="finite")
        self.iso.setZValue(-5)
        self.plot.addItem(self.iso)
        self.lines: list[pg.PlotCurveItem] = []
        self.heads = pg.ScatterPlotItem()
        self.heads.setZValue(30)
        self.plot.addItem(self.heads)
        self.start = pg.ScatterPlotItem(symbol="+")
        self.start.setZValue(31)
        self.plot.addItem(self.start)
        self.caption = pg.TextItem("", anchor=(0, 0))
        self.plot.addItem(self.caption, ignoreBounds=True)
        self.frame: NetFrame | None = None
        self._slice: object = None
        self._items_look()

    def _items_look(self) -> None:
        k, t = self.k, self.theme
        self.iso.setPen(pg.mkPen(t.iso, width=1.0 * k))
        self.heads.setSize(11 * k)
        self.heads.setPen(pg.mkPen(t.head_outline, width=1.5 * k))
        self.start.setSize(16 * k)
        self.start.setPen(pg.mkPen(t.start_pen, width=2.5 * k))
        self.caption.setColor(t.plot_fg)
        self.caption.setFont(_note_font(k))
        self.caption.fill = pg.mkBrush(*t.legend_bg)

    def set_look(self, k: float, theme: Theme) -> None:
        """Redraw at the zoom ``k`` in ``theme`` (call ``show_step`` after)."""
        self.k, self.theme = k, theme
        self._style()
        self._items_look()
        self._slice = None  # the image in the theme's colour map
        if self.frame is not None:
            self.set_frame(self.frame)

    def set_frame(self, f: NetFrame) -> None:
        self.frame = f
        a, b = f.slice_axes
        if self._slice is not f.slice_loss:
            self._slice = f.slice_loss
            z = np.log10(np.maximum(f.slice_loss.astype(np.float64), 1e-12))
            lo, hi = np.nanpercentile(z, 1), np.nanpercentile(z, 99)
            lut = landscape_lut(self.theme)
            self.image.setImage(z.T, levels=(lo, hi), lut=lut, autoLevels=False)
            self.image.setRect(pg.QtCore.QRectF(a[0], b[0], a[-1] - a[0], b[-1] - b[0]))
            gen = contourpy.contour_generator(a, b, z, line_type=contourpy.LineType.Separate)
            parts = [np.vstack([ln, [[np.nan, np.nan]]]) for lev in np.linspace(lo, hi, 14)[1:-1]
                     for ln in gen.lines(lev) if len(ln) >= 2]
            pts = np.concatenate(parts) if parts else np.zeros((0, 2))
            self.iso.setData(pts[:, 0], pts[:, 1])
            self.plot.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)
        while len(self.lines) < len(f.names):
            self.lines.append(_trace(self.plot))
        while len(self.lines) > len(f.names):
            self.plot.removeItem(self.lines.pop())
        self.pens = [pg.mkPen(self.theme.racer(c), width=2.5 * self.k) for c in f.colors]
        s0 = f.projected[0, 0]
        self.start.setData([s0[0]], [s0[1]])
        pl = f.plane
        kind = {"pca": ("PCA", "PCA"), "random": ("random, per unit", "random"),
                "endpoints": ("start and two ends", "ends"),
                "pca+random": ("the paths move along one direction; the other is random", "1 direction + random"),
                "random+random": ("the paths do not move; both directions random", "no movement: random")}
        (what, short), share = kind.get(pl.kind, (pl.kind, pl.kind)), f"{pl.captured:.0%}"
        self.set_note(self.caption, (f"{what}: {share} of the paths' movement", f"{what}: {share} of the movement",
                                     f"{short}: {share} of the movement", f"{short}: {share}"))
        self.caption.setPos(a[0], b[-1])

    def show_step(self, k: int | None) -> None:
        f = self.frame
        if f is None:
            return
        heads_x, heads_y, brushes = [], [], []
        for i, item in enumerate(self.lines):
            n = f.run.finite_length(i)
            upto = n if k is None else min(n, k + 1)
            xy = f.projected[i, :upto]
            _put(item, xy[:, 0], xy[:, 1], self.pens[i])
            if upto:
                heads_x.append(xy[-1, 0])
                heads_y.append(xy[-1, 1])
                brushes.append(pg.mkBrush(self.theme.racer(f.colors[i])))
        self.heads.setData(heads_x, heads_y, brush=brushes)


class NetCurves(pg.GraphicsLayoutWidget):
    """Training and validation loss, gradient norm, accuracy along the runs; alpha(t) of the
    racers whose alpha follows a schedule, in a fourth pane shown only while one does."""

    def __init__(self, k: float = 1.0, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.setBackground(theme.plot_bg)
        self.k, self.theme = k, theme
        self.loss = self.addPlot(row=0, col=0)
        self.grad = self.addPlot(row=0, col=1)
        self.acc = self.addPlot(row=0, col=2)
        self.setMinimumSize(300, 160)
        for p in (self.loss, self.grad, self.acc):
            p.showGrid(x=False, y=True, alpha=0.25)
            follow_step_ticks(p, lambda: self.k)
        self.grad.setXLink(self.loss)
        self.acc.setXLink(self.loss)
        self.acc.setYRange(0.0, 1.0, padding=0.02)
        # alpha(t): in the layout only while a racer is on a schedule (a hidden item keeps its room)
        self.alpha = pg.PlotItem()
        self.alpha.showGrid(x=False, y=True, alpha=0.25)
        follow_step_ticks(self.alpha, lambda: self.k)
        self.alpha.setXLink(self.loss)
        self.alpha.setVisible(False)
        self.alpha_curves: list[pg.PlotCurveItem] = []
        self.items: list[tuple[pg.PlotCurveItem, ...]] = []
        self.cursor = [p.addLine(x=0) for p in (self.loss, self.grad, self.acc, self.alpha)]
        self.frame: NetFrame | None = None
        self._style()

    def _style(self) -> None:
        k, t = self.k, self.theme
        self.setBackground(t.plot_bg)
        self.ci.layout.setContentsMargins(2 * k, 2 * k, 14 * k, 2 * k)  # room for the last step's label
        for p, title in ((self.loss, "loss"), (self.grad, "‖∇L‖"), (self.acc, "accuracy"), (self.alpha, "α(t)")):
            style_plot(p, k, cached=False, theme=t)
            p.setTitle(title, color=t.plot_fg, size=f"{FONT_PT * k:.1f}pt")
            _label(p, "bottom", "step", k, t)
        for line in self.cursor:
            line.setPen(pg.mkPen(t.guide, width=k, style=Qt.PenStyle.DotLine))

    def set_look(self, k: float, theme: Theme) -> None:
        """Redraw at the zoom ``k`` in ``theme`` (call ``show_step`` after)."""
        self.k, self.theme = k, theme
        self._style()
        if self.frame is not None:
            self.set_frame(self.frame)

    def set_frame(self, f: NetFrame) -> None:
        self.frame = f
        while len(self.items) < len(f.names):
            self.items.append(tuple(_trace(plot) for plot in (self.loss, self.loss, self.grad, self.acc, self.acc)))
        while len(self.items) > len(f.names):
            for plot, item in zip((self.loss, self.loss, self.grad, self.acc, self.acc), self.items.pop(), strict=True):
                plot.removeItem(item)
        last = max(int(f.run.stop.max()), 1)
        for p in (self.loss, self.grad, self.acc):
            p.setXRange(0, last, padding=0.02)
        self.pens = [(pg.mkPen(self.theme.racer(c), width=2.0 * self.k),
                      pg.mkPen(self.theme.racer(c), width=2.0 * self.k, style=Qt.PenStyle.DashLine)) for c in f.colors]
        losses = np.concatenate([f.metrics.train_loss.ravel(), f.metrics.val_loss.ravel()])
        self._log_axis(self.loss, losses)
        self._log_axis(self.grad, f.run.grad_norm.ravel())
        self._set_alphas(f)

    def _set_alphas(self, f: NetFrame) -> None:
        """Each scheduled racer's alpha as a staircase (step ``t`` uses ``alpha[t]`` from point
        t to t + 1, the same table the engine reads: ``OptimizerEntry.alphas``), over the steps
        it took, on a linear axis from 0; the pane leaves the layout when no racer has one."""
        entries = f.settings.enabled
        scheduled = []
        for i, e in enumerate(entries[: len(f.names)]):
            a = e.alphas(f.settings.steps)
            if a is not None:
                scheduled.append((a[: max(int(f.run.stop[i]), 1)], f.colors[i]))
        on = bool(scheduled)
        if on != self.alpha.isVisible():
            if on:
                self.addItem(self.alpha, row=0, col=3)
            else:
                self.removeItem(self.alpha)
            self.alpha.setVisible(on)
        while len(self.alpha_curves) < len(scheduled):
            c = pg.PlotCurveItem(antialias=True, skipFiniteCheck=True)
            self.alpha.addItem(c)
            self.alpha_curves.append(c)
        for c in self.alpha_curves[len(scheduled):]:
            c.setVisible(False)
        top = 0.0
        for c, (a, color) in zip(self.alpha_curves, scheduled, strict=False):
            x, y = alpha_staircase(a)
            c.setData(x, y, connect="finite")
            c.setPen(pg.mkPen(self.theme.racer(color), width=2.0 * self.k))
            c.setVisible(True)
            if np.isfinite(y).any():
                top = max(top, float(np.nanmax(y)))
        if on:
            hi = 1.08 * top if top > 0 else 1.0
            self.alpha.setYRange(0.0, hi, padding=0.0)
            self.alpha.getAxis("left").setTicks(linear_ticks(0.0, hi))

    def _log_axis(self, plot: pg.PlotItem, values: np.ndarray) -> None:
        v = values[np.isfinite(values) & (values > 0)]
        if not v.size:
            return
        lo, hi = np.log10(v.min()) - 0.05, np.log10(v.max()) + 0.05
        plot.getAxis("left").setTicks(log_ticks(lo, hi))
        plot.setYRange(lo, hi, padding=0)

    def show_step(self, k: int | None) -> None:
        f = self.frame
        if f is None:
            return
        shown = f.steps_shown
        for i, (tl, vl, gn, ta, va) in enumerate(self.items):
            n = f.run.finite_length(i)
            end = n - 1 if k is None else min(n - 1, k)
            sel = (shown <= end) & np.isfinite(f.metrics.train_loss[i])  # the steps this racer was evaluated at
            steps = shown[sel]
            solid, dashed = self.pens[i]
            _put(tl, steps, _log(f.metrics.train_loss[i][sel]), solid)
            _put(vl, steps, _log(f.metrics.val_loss[i][sel]), dashed)
            _put(gn, steps, _log(f.run.grad_norm[i, steps]), solid)  # (at the same few hundred steps)
            _put(ta, steps, f.metrics.train_acc[i][sel], solid)
            _put(va, steps, f.metrics.val_acc[i][sel], dashed)
        for line in self.cursor:
            line.setVisible(k is not None)
            line.setValue(0 if k is None else k)


def _log(v: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.log10(v), np.nan)


def _units_cmap(theme: Theme) -> pg.ColorMap:
    """A weight's sign and size: class 0's colour for negative, the background at 0, class 1's
    for positive."""
    return pg.ColorMap([0.0, 0.5, 1.0], [CLASS_COLORS[0], theme.plot_bg, CLASS_COLORS[1]])


def layer_titles(layer: int, W: np.ndarray, b: np.ndarray, identical: bool) -> tuple[str, ...]:
    """A hidden layer's map's title, from the longest form to the shortest, saying what its
    colours alone cannot: every incoming weight and bias equal (a blank map when all 0) and
    whether the units are identical (incoming and outgoing weights:
    engine.network.symmetry.identical_units)."""
    m = np.concatenate([W.ravel(), b.ravel()])
    name, n = f"layer {layer}", b.size
    if np.all(m == m[0]):
        c = f"all {m[0]:.3g}"
        if identical:
            return f"{name}: {c}, the {n} units identical", f"{name}: {c}, units identical", f"{name}: {c}"
        return f"{name}: {c}, every unit the same value", f"{name}: {c}"
    if identical:
        return f"{name}: the {n} units are identical", f"{name}: identical units", f"{name}: identical"
    return f"{name}: {n} units", name


class UnitsView(pg.GraphicsLayoutWidget):
    """Each hidden layer's incoming weights (rows: inputs and the bias; columns: units) of the
    shown racer at the shown step, on one symmetric colour scale per layer, drawn beside it;
    its title says when its weights are all equal or its units identical."""

    def __init__(self, k: float = 1.0, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.setBackground(theme.plot_bg)
        self.k, self.theme = k, theme
        self.frame: NetFrame | None = None
        self.shown = 0
        self.images: list[pg.ImageItem] = []
        self.plots: list[pg.PlotItem] = []
        self.bars: list[pg.ColorBarItem] = []
        self.forms: list[tuple[str, ...]] = []  # each map's title, its forms (layer_titles)
        self.titles: list[str] = []  # the forms shown
        self._layout_key: object = None
        self.cmap = _units_cmap(theme)
        self.lut = self.cmap.getLookupTable(0.0, 1.0, 256)

    def set_look(self, k: float, theme: Theme) -> None:
        """Redraw at the zoom ``k`` in ``theme`` (call ``show_step`` after)."""
        self.k, self.theme = k, theme
        self.setBackground(theme.plot_bg)
        self.cmap = _units_cmap(theme)
        self.lut = self.cmap.getLookupTable(0.0, 1.0, 256)
        self._layout_key = None  # the panes again, in the new fonts
        if self.frame is not None:
            self.set_frame(self.frame)

    def _colour_bar(self) -> pg.ColorBarItem:
        """The colour scale of a layer's map: weight values on its right, 0 at the middle."""
        k, t = self.k, self.theme
        bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=self.cmap, width=14 * k, interactive=False,
                              colorMapMenu=False)
        font = _note_font(k)
        for side in ("left", "right", "top", "bottom"):
            bar.getAxis(side).setPen(pg.mkPen(t.axis, width=k))
        bar.axis.setStyle(tickFont=font, tickTextOffset=int(4 * k), tickLength=int(-4 * k))
        bar.axis.setTextPen(t.plot_fg)
        bar.axis.setWidth()  # (as wide as its labels: the colour bar fixed 45 pixels)
        for side in ("top", "bottom"):  # (a frame line only: the bar as high as the map beside it)
            bar.getAxis(side).setHeight(1)
        return bar

    def set_frame(self, f: NetFrame) -> None:
        self.frame = f
        key = f.net.layout.sizes
        if key != self._layout_key:
            self._layout_key = key
            self.clear()
            self.images, self.plots, self.bars, self.titles = [], [], [], []
            self.forms = [(f"layer {i + 1}: {f.net.layout.shape(i)[1]} units", f"layer {i + 1}")
                          for i in range(f.net.layout.n_layers - 1)]
            for _ in self.forms:
                p = self.addPlot(row=0, col=len(self.plots))
                style_plot(p, self.k, cached=False, theme=self.theme)
                _label(p, "bottom", "unit", self.k, self.theme)
                _label(p, "left", "input (last row: bias)", self.k, self.theme)
                img = pg.ImageItem()
                p.addItem(img)
                p.invertY(True)
                bar = self._colour_bar()
                p.layout.addItem(bar, 2, 3)  # right of the map, in the map's row: as high as it
                p.layout.addItem(pg.LabelItem("weight", color=self.theme.plot_fg, size=f"{FONT_PT * self.k:.1f}pt"),
                                 3, 3)  # (under the bar, beside "unit": an axis title took more width)
                p.layout.removeItem(p.titleLabel)
                p.layout.addItem(p.titleLabel, 0, 1, 1, 3)  # the title over the map and its bar: more room
                self.images.append(img)
                self.plots.append(p)
                self.bars.append(bar)
            self._fit_titles()
        self.shown = min(self.shown, len(f.names) - 1)

    def _fit_titles(self) -> None:
        """Each map's title, the longest of its forms that its pane's share of the width
        holds beside its axis and colour bar (a title is as wide as its text at least: three
        long ones held the panes wider than a 1024 x 768 window's)."""
        n = len(self.plots)
        if not n:
            return
        fm = QFontMetricsF(_note_font(self.k))
        room = self.width() / n - 80 * self.k  # (the inputs' axis and the spaces beside each title)
        titles = [longest_fitting(forms, fm.horizontalAdvance, room) for forms in self.forms]
        for j, (p, title) in enumerate(zip(self.plots, titles, strict=True)):
            if j >= len(self.titles) or self.titles[j] != title:
                p.setTitle(title, color=self.theme.plot_fg, size=f"{FONT_PT * self.k:.1f}pt")
        self.titles = titles

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "plots", None) and not self.closed:  # (built, and not closing)
            self._fit_titles()

    def show_step(self, k: int | None) -> None:
        f = self.frame
        if f is None:
            return
        i = self.shown
        t = int(f.run.stop[i]) if k is None else min(k, int(f.run.stop[i]))
        w = f.run.theta[i, t]
        if not np.all(np.isfinite(w)):
            return
        same = identical_units(f.net.layout, w)
        forms = []
        for j, ((W, b), img) in enumerate(zip(f.net.layout.unflatten(w)[:-1], self.images, strict=False)):
            m = np.vstack([W, b[None, :]])  # (fan_in + 1, units)
            big = float(np.max(np.abs(m)))
            scale = big if big > 0 else 1.0  # (all 0: the map is the colour of 0, as the bar's middle)
            img.setImage(m.T, levels=(-scale, scale), lut=self.lut, autoLevels=False)
            bar = self.bars[j]
            ticks = [(-scale, f"{-scale:.2g}"), (0.0, "0"), (scale, f"{scale:.2g}")] if big > 0 else [
                (-1.0, "−"), (0.0, "0"), (1.0, "+")]  # (all 0: no scale, only the sign's colours)
            if bar.axis._tickLevels != [ticks]:
                bar.setLevels((-scale, scale))
                bar.axis.setTicks([ticks])
            forms.append(layer_titles(j + 1, W, b, bool(same[j])))
        if forms != self.forms:
            self.forms = forms
            self._fit_titles()


class NetworkView(QWidget):
    """The network panes together: the data and the slice side by side, under them the
    training curves, with the hidden units and the slower readouts in tabs beside them."""

    racerShown = Signal(int)

    def __init__(self, k: float = 1.0, theme: Theme = LIGHT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = DataView(k, theme)
        self.slice = SliceView(k, theme)
        self.curves = NetCurves(k, theme)
        self.units = UnitsView(k, theme)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.data)
        top.addWidget(self.slice)
        self.top = top  # (the 3D view of the slice joins it: gui/netview3d.py)
        top.setChildrenCollapsible(False)
        tabs = QTabWidget()
        tabs.addTab(self.curves, "Training curves (dashed: validation)")
        tabs.addTab(self.units, "Hidden units")
        self.tabs = tabs
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])  # (in proportion, when first shown)
        split.setChildrenCollapsible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        v = QVBoxLayout(self)
        v.setContentsMargins(4, 4, 4, 4)
        v.addWidget(split, 1)
        v.addWidget(self.status)
        self.frame: NetFrame | None = None
        self._heavy_at = 0.0
        self._step: int | None = None  # the step shown (None: the runs' ends)
        self.k, self.theme = k, theme

    def set_look(self, k: float, theme: Theme) -> None:
        """Every pane at the window's zoom ``k`` and in its theme, at the step shown."""
        self.k, self.theme = k, theme
        for view in (self.data, self.slice, self.curves, self.units):
            view.set_look(k, theme)
        self.show_step(self._step)

    def set_frame(self, f: NetFrame) -> None:
        self.frame = f
        self._heavy_at = 0.0
        for view in (self.data, self.slice, self.curves, self.units):
            view.set_frame(f)

    def reset_view(self) -> None:
        """The data and the slice as a frame first shows them (after zooming into them)."""
        f = self.frame
        if f is None:
            return
        (a, b), (c, e) = f.net.data.box()
        self.data.plot.setRange(xRange=(a, b), yRange=(c, e), padding=0)
        sa, sb = f.slice_axes
        self.slice.plot.setRange(xRange=(sa[0], sa[-1]), yRange=(sb[0], sb[-1]), padding=0)

    def show_racer(self, i: int) -> None:
        """Whose probability is the data view's background and whose units are shown."""
        self.data.shown = self.units.shown = i
        self.racerShown.emit(i)

    def show_step(self, k: int | None, live: bool = False) -> None:
        """Step ``k`` of every run (None: their ends). ``live`` (the animation plays): the
        paths on the slice move every frame; the data, the curves, the units and the line of
        numbers under them, which cost more, at most every :data:`LIVE_EVERY_S`."""
        f = self.frame
        self._step = k
        if f is None:
            return
        self.slice.show_step(k)
        now = time.perf_counter()
        if not live or now - self._heavy_at >= LIVE_EVERY_S:
            self._heavy_at = now
            self.data.show_step(k, live)
            self.curves.show_step(k)
            self.units.show_step(k)
            self._show_status(k)

    def _show_status(self, k: int | None) -> None:
        """One line per racer; every number on it belongs to the step it names."""
        f = self.frame
        ends = [max(f.run.finite_length(i) - 1 if k is None else min(f.run.finite_length(i) - 1, k), 0)
                for i in range(len(f.names))]
        val_loss, train_acc, val_acc = self._metrics_at(ends)
        lines = []
        for i, name in enumerate(f.names):
            end, n = ends[i], f.run.finite_length(i)
            state = "diverged" if f.run.status[i] in (Status.DIVERGED, Status.FAILED) and (k is None or k >= n) else ""
            color = self.data.theme.racer(f.colors[i])
            lines.append(
                f"<span style='color:{color}'>&#9632;</span> {html.escape(name)}: step {end}, loss "
                f"{f.run.loss[i, end]:.4g} (validation {val_loss[i]:.4g}), accuracy {train_acc[i]:.1%} "
                f"training, {val_acc[i]:.1%} validation" + (f", <b>{state}</b>" if state else ""))
        self.status.setText("<br>".join(lines))

    def _metrics_at(self, ends: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validation loss and both accuracies of racer ``i`` at step ``ends[i]``: from the
        frame's metrics where the racer was evaluated there, else evaluated now (one batched
        pass over the data for the racers that need it)."""
        f = self.frame
        out = [np.full(len(ends), np.nan) for _ in range(3)]
        missing = []
        for i, end in enumerate(ends):
            j = int(np.searchsorted(f.steps_shown, end))
            if j < f.steps_shown.size and f.steps_shown[j] == end and np.isfinite(f.metrics.train_loss[i, j]):
                for a, m in zip(out, (f.metrics.val_loss, f.metrics.train_acc, f.metrics.val_acc), strict=True):
                    a[i] = m[i, j]
            else:
                missing.append(i)
        if missing:
            m = evaluate(f.net, f.run.theta[missing, [ends[i] for i in missing]])
            for a, v in zip(out, (m.val_loss, m.train_acc, m.val_acc), strict=True):
                a[missing] = v
        return out[0], out[1], out[2]
