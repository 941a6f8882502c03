"""The two views: the landscape with its trajectories, and the training curves.

pyqtgraph is fast when items are built once and each frame only calls ``setData``: the
colour image, iso-lines and critical-point markers are rebuilt only when the surface
(landscape) changes; a new run re-sizes the item lists only when the number of optimizers
changes; an animation frame only slices arrays the worker prepared.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from cmap import Colormap
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QSizePolicy, QStyleOptionGraphicsItem

from engine.landscapes import Landscape
from gui.analysis_data import lut_bytes
from gui.look import LIGHT, Theme
from gui.pg_overrides import IsoLines, Trace, fixed_legend, tick_spacing
from gui.settings import SCHEDULE_MARK
from gui.surface import Surface
from gui.tracks import CURVE_BUCKETS, Track, curve_ranges, loss_on_log_axis, thin_curves

pg.setConfigOptions(antialias=True, background="w", foreground="#202020")


def colormap(theme: Theme) -> Colormap:
    """The landscape's colours (``Theme.cmap``'s stops, interpolated by cmap): low loss at 0."""
    return Colormap([(p, tuple(v / 255.0 for v in c)) for p, c in theme.cmap])


def landscape_lut(theme: Theme) -> np.ndarray:
    """The landscape's 256 colours, ``(256, 3)`` uint8: the window's image and the figures'."""
    return lut_bytes(colormap(theme))


KIND_MARKS = {
    # kind: (symbol, size, fill and pen of the theme (marker_* or saddle_*), pen width, legend label)
    "minimum": ("star", 20, "marker", 1.5, "minimum"),
    "saddle": ("x", 16, "saddle", 1.0, "saddle"),
    "maximum": ("t1", 16, "marker", 1.5, "maximum"),
}

# The light theme's values under the names the exported figures use (gui/figure.py draws
# them on paper, always in the light theme)
LANDSCAPE_LUT = landscape_lut(LIGHT)
ISO_COLOR = LIGHT.iso
KIND_STYLE = {  # kind: (symbol, size, brush, pen colour, pen width, legend label)
    kind: (symbol, size, getattr(LIGHT, f"{role}_fill"), getattr(LIGHT, f"{role}_pen"), width, text)
    for kind, (symbol, size, role, width, text) in KIND_MARKS.items()
}
FONT_PT = 11
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_label(e: int) -> str:
    return {-1: "0.1", 0: "1", 1: "10"}.get(e, "10" + str(e).translate(_SUPERSCRIPT))


def log_ticks(lo: float, hi: float, max_labels: int = 6) -> list[list[tuple[float, str]]]:
    """Ticks for an axis whose values are log10 of the data: labelled decades (every
    1, 2, 5 ... decades, at most ``max_labels``) and an unlabelled grid line at every other
    decade. Given explicitly because pyqtgraph's own log ticks draw every minor tick
    (2, 3 ... 9 of each decade) as a grid line: some 200 lines, 20 ms per repaint."""
    a, b = math.floor(lo), math.ceil(hi)
    step = next((s for s in (1, 2, 3, 5, 10, 20, 50, 100) if (b - a) / s <= max_labels), 200)
    majors = [(float(e), decade_label(e)) for e in range(a, b + 1) if e % step == 0]
    minors = [(float(e), "") for e in range(a, b + 1) if e % step] if step <= 10 else []
    if hi - lo < 1.5:  # under two decades in view (a training loss from 2 to 0.3): label 2 and 5 too
        mantissas = (2, 5) if hi - lo > 0.6 else (2, 3, 4, 5, 6, 7, 8, 9)
        majors += [
            (e + math.log10(m), _mantissa_label(m, e)) for e in range(a, b + 1) for m in mantissas
            if lo <= e + math.log10(m) <= hi
        ]
    return [majors, minors]


def _mantissa_label(m: int, e: int) -> str:
    """``m * 10**e`` as an axis label: ``0.2``, ``50``, or ``5×10⁻⁴`` when far from 1."""
    if -3 <= e <= 3:
        return f"{m * 10.0**e:g}"
    return f"{m}×{decade_label(e)}"


def cache(item: QGraphicsItem, on: bool = True) -> None:
    """Keep a pixmap of an item that rarely changes (the colour image, the iso-lines, the
    axes with their grids), so that an animation frame repaints only what moved. Exported
    figures paint without caches: an SVG must get lines, not pixmaps.

    Does nothing if the mode is already set: Qt purges an item's pixmap on every
    ``setCacheMode`` call, even one that repeats the current mode, and the item would then
    be painted anew each frame."""
    mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if on else QGraphicsItem.CacheMode.NoCache
    if item.cacheMode() != mode:
        item.setCacheMode(mode)


def style_plot(plot: pg.PlotItem, k: float = 1.0, cached: bool = True, theme: Theme = LIGHT) -> None:
    """Fonts and axis pens scaled by ``k`` (a figure exported at twice the size uses
    k = 2, the window's zoom sets it too: pyqtgraph's pens are cosmetic, so only this keeps
    lines in proportion), in the theme's colours."""
    font = QFont()
    font.setPointSizeF(FONT_PT * k)
    for name in ("left", "bottom"):
        ax = plot.getAxis(name)
        ax.setStyle(tickFont=font, tickTextOffset=int(6 * k), tickLength=int(-6 * k))
        ax.setTextPen(theme.plot_fg)
        ax.setPen(pg.mkPen(theme.axis, width=k))
        # no SI prefix ever: pyqtgraph 0.14's enableAutoSIPrefix(False) itself rescales an axis
        # whose title is shown and whose range lies within (0, 1) (x₂ from -0.9 to 0.9 read
        # "-500 ... 500" after a zoom); with no range enabled, nothing is rescaled
        ax.setSIPrefixEnableRanges(())
        ax.enableAutoSIPrefix(False)
        cache(ax, cached)
        cache(ax.label, cached)  # the axis title: a child item, which the axis's pixmap leaves out
    plot.setMenuEnabled(False)
    plot.hideButtons()


def _label(plot: pg.PlotItem, side: str, text: str, k: float = 1.0, theme: Theme = LIGHT) -> None:
    plot.setLabel(side, text, **{"font-size": f"{(FONT_PT + 1) * k:.1f}pt", "color": theme.plot_fg})


def make_legend(k: float, theme: Theme, offset: tuple[float, float] | None = None, columns: int = 1) -> pg.LegendItem:
    """A legend in Basin's fonts and the theme's colours; with ``offset`` None it is laid out
    by its parent's layout (outside the data, where it covers nothing)."""
    legend = pg.LegendItem(
        offset=None if offset is None else (offset[0] * k, offset[1] * k), labelTextSize=f"{FONT_PT * k:.1f}pt",
        labelTextColor=theme.plot_fg, brush=theme.legend_bg, pen=pg.mkPen(theme.legend_pen, width=k),
        verSpacing=int(-4 * k), colCount=columns,
    )
    return legend


def legend_outside(plot: pg.PlotItem, k: float, theme: Theme, side: str = "bottom") -> pg.LegendItem:
    """A legend in ``plot``'s own layout, where it covers nothing: under the data (``side``
    "bottom": the caller sets its columns and height) or right of it, one column at the top
    ("right"). Its size is its layout's, not its texts'."""
    legend = make_legend(k, theme)
    fixed_legend(legend)  # pyqtgraph would resize it to its texts; the layout does
    if side == "bottom":
        legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        plot.layout.addItem(legend, 4, 1)
    elif side == "right":
        legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        plot.layout.addItem(legend, 2, 3)
        plot.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
    else:
        raise ValueError(f"invalid side {side!r} (choose from bottom, right)")
    return legend


def trace_item() -> Trace:
    return Trace()


class Line:
    """One trajectory or training curve, drawn as two items with the same pen: a *body*
    kept as a cached pixmap and a short *tail* stroked on every frame.

    While an animation reveals a line a few steps per frame, the body grows only every
    ``CHUNK`` points (its pixmap is redrawn then, once), the tail holds the rest, and Qt
    repaints only the small area the tail covers: a frame no longer strokes thousands of
    segments per line. ``phase`` staggers the moments different lines' bodies grow. A still
    picture (instant mode, an exported figure) puts the whole line in the body.
    """

    CHUNK = 48

    def __init__(self, plot: pg.PlotItem, make=trace_item, z: float = 10.0, phase: int = 0) -> None:
        self.plot = plot
        self.body, self.tail = make(), make()
        for item in (self.body, self.tail):
            item.setZValue(z)
            plot.addItem(item)
        self.phase = phase % self.CHUNK
        self.tail.setVisible(False)  # shown only while it holds points
        # the legend hides and shows the body when its entry is clicked: the tail follows
        self.body.visibleChanged.connect(self._follow_body)
        self._source: object = None
        self._body_key: tuple = ()
        self._x = self._y = np.empty(0)
        self._color = self.body.opts["pen"].color().name()
        self.canonical = self._color  # the racer's own colour; the pen's is the theme's version of it
        self._cached: bool | None = None  # (kept here: asking Qt costs a call per frame)

    def remove(self) -> None:
        self.plot.removeItem(self.body)
        self.plot.removeItem(self.tail)

    @property
    def opts(self) -> dict:
        return self.body.opts

    def color(self) -> str:
        """The racer colour it was given (what ``Track.color`` says)."""
        return self.canonical

    def setPen(self, pen, canonical: str | None = None) -> None:
        self.body.setPen(pen)
        self.tail.setPen(pen)
        self._color = pen.color().name()
        self.canonical = canonical or self._color
        self._cached = None  # a new pen drops the pixmap

    def setVisible(self, on: bool) -> None:
        self.body.setVisible(on)
        self._follow_body()

    def _follow_body(self) -> None:
        self.tail.setVisible(self.body.isVisible() and self.tail.xData is not None and len(self.tail.xData) > 0)

    def isVisible(self) -> bool:
        return self.body.isVisible()

    def set_cached(self, on: bool) -> None:
        if on != self._cached:
            cache(self.body, on)
            self._cached = on

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """The points shown, body and tail together."""
        return self._x, self._y

    def show(self, x: np.ndarray, y: np.ndarray, source: object, live: bool) -> None:
        """Draw the points ``(x, y)``, a prefix of the line ``source`` names (points shown
        earlier from the same source are not set again); ``live``: split body and tail."""
        n = len(x)
        if live and n > 2:
            b = max(((n - 2 - self.phase) // self.CHUNK) * self.CHUNK + self.phase, 0)
        else:
            b = max(n - 1, 0)
        # the source itself is kept (not its id, which a new object could reuse), and the
        # last body point: a thinned line's final point is its head, not a kept point
        key = (b, float(x[b]), float(y[b])) if n else (-1,)
        if source is not self._source or key != self._body_key:
            _put(self.body, x[: b + 1], y[: b + 1])
            self._source, self._body_key = source, key
        if b < n - 1:
            _put(self.tail, x[b:], y[b:])
            self.tail.setVisible(self.body.isVisible())
        elif self.tail.isVisible():
            _put(self.tail, x[:0], y[:0])
            self.tail.setVisible(False)
        self._x, self._y = x, y


def _put(item: pg.PlotCurveItem, x: np.ndarray, y: np.ndarray) -> None:
    if isinstance(item, Trace):
        item.set_points(x, y)
    else:  # a dashed validation curve
        item.setData(x, y)


def _fit_lines(lines: list[Line], n: int, plot: pg.PlotItem, make=trace_item, z: float = 10.0) -> None:
    """Add or remove lines so that there are ``n``; lines kept are reused as they are."""
    while len(lines) < n:
        lines.append(Line(plot, make, z=z, phase=len(lines) * 7))
    while len(lines) > n:
        lines.pop().remove()


class Head(QGraphicsPathItem):
    """The marker at a trajectory's head: a disc in the racer's colour, or a large cross
    where the run diverged. Sized in pixels (it ignores the view's zoom); moving it is one
    ``setPos``, where a scatter item would rebuild its spots on every frame."""

    def __init__(self, k: float, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.k = k
        self.theme = theme
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(20)
        self._style: tuple = ()

    def set_look(self, k: float, theme: Theme) -> None:
        self.k, self.theme = k, theme
        if self._style:
            color, crossed = self._style
            self._style = ()
            self.set_style(color, crossed)

    def set_style(self, color: str, crossed: bool) -> None:
        if self._style == (color, crossed):
            return
        self._style = (color, crossed)
        color = self.theme.racer(color)
        k = self.k
        path = QPainterPath()
        if crossed:  # an "x" drawn as a filled outline, 22 px across
            r, w = 11 * k, 2.6 * k
            for sx in (1, -1):
                stroke = QPainterPath()
                stroke.moveTo(-r, -r * sx)
                stroke.lineTo(r, r * sx)
                path = path.united(_stroked(stroke, w))
            self.setPen(QPen(QColor(self.theme.marker_pen), 1.5 * k))
        else:
            r = 6.5 * k
            path.addEllipse(QPointF(0.0, 0.0), r, r)
            self.setPen(QPen(QColor(self.theme.head_outline), 1.5 * k))
        self.setPath(path)
        self.setBrush(QBrush(QColor(color)))


def _stroked(path: QPainterPath, width: float) -> QPainterPath:
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    return stroker.createStroke(path)


class ContourView(pg.PlotWidget):
    """The landscape's colour image, iso-lines and critical points, the trajectories with a
    marker at each head, and a draggable start marker (a click also sets the start).

    In the window the image, iso-lines and critical points form one backdrop: they are
    painted together into the view's background, which Qt keeps as one opaque pixmap and
    copies only where something changed. Cached as separate items they cost a translucent
    full-plot blit each on every frame that moves a line across the plot (7 ms of a 16 ms
    frame in software). Exported figures paint them as ordinary items (vectors in an SVG).
    """

    startMoved = Signal(float, float)  # the start was clicked or dragged to (x, y)
    hovered = Signal(float, float, float)  # x, y and the loss under the cursor

    def __init__(self, parent=None, interactive: bool = True, k: float = 1.0, theme: Theme = LIGHT) -> None:
        super().__init__(parent, background=theme.plot_bg)
        self.k = k
        self.theme = theme
        self._interactive = interactive
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.plot: pg.PlotItem = self.getPlotItem()
        cache(self.plot.titleLabel.item, interactive)
        self.plot.setAspectLocked(True)
        self.plot.vb.setDefaultPadding(0.0)
        self.plot.vb.disableAutoRange()
        self.landscape: Landscape | None = None
        self.surface: Surface | None = None
        self.tracks: tuple[Track, ...] = ()

        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        cache(self.image, interactive)
        self.plot.addItem(self.image)
        self.isolines = IsoLines(pg.mkPen(theme.iso, width=k))
        self.isolines.setZValue(-10)
        cache(self.isolines, interactive)
        self.plot.addItem(self.isolines)
        self.critical: dict[str, pg.ScatterPlotItem] = {}
        for kind, (symbol, *_rest) in KIND_MARKS.items():
            item = pg.ScatterPlotItem(symbol=symbol)
            item.setZValue(5)
            cache(item, interactive)
            self.plot.addItem(item)
            self.critical[kind] = item

        self.curves: list[Line] = []
        self._drawn: list[tuple[Track | None, int]] = []  # what each curve shows now
        self._live = False  # animating: lines split into cached body and live tail (Line)
        self.heads: list[Head] = []

        self._placing = False
        self.start = self._make_start(0.0, 0.0)
        self.legend = self._make_legend()
        self._legend_key: tuple = ()
        self._marks_args: tuple = ([], False)
        self.mark_items: list[pg.GraphicsObject] = []
        self._apply_look()

        self._backdrop: list[QGraphicsItem] = []
        self._static: set[int] = set()  # ids of backdrop items that change only with the surface
        self._layers: dict[int, QPixmap] = {}  # rendered runs of static items, by first index
        if interactive:
            for item in (self.image, self.isolines, *self.critical.values()):
                self.add_backdrop(item, static=True)
            self.plot.vb.sigTransformChanged.connect(self.redraw_backdrop)
            self.scene().sigMouseClicked.connect(self._on_click)
            self.scene().sigMouseMoved.connect(self._on_hover)
        self.plot.vb.sigResized.connect(self._fit_legend)

    # -- look ------------------------------------------------------------------------------
    def _make_start(self, x: float, y: float) -> pg.TargetItem:
        k, t = self.k, self.theme
        start = pg.TargetItem(
            pos=(x, y), size=22 * k, movable=self._interactive, pen=pg.mkPen(t.start_pen, width=2.5 * k),
            hoverPen=pg.mkPen(t.bad, width=3 * k), brush=t.start_brush,
        )
        start.setZValue(30)
        cache(start, self._interactive)
        start.setToolTip("start: drag me, or click anywhere")
        self.plot.addItem(start)
        start.sigPositionChanged.connect(self._on_target_moved)
        return start

    def _make_legend(self) -> pg.LegendItem:
        """The legend sits under the plot, in the plot's own layout: it never covers a
        minimum or a trajectory. Its height is fixed by its rows, so that a racer's new
        label (alpha dragged) does not relayout the plot."""
        return legend_outside(self.plot, self.k, self.theme)

    def _apply_look(self) -> None:
        """Everything that depends on the zoom ``k`` and the theme."""
        k, t = self.k, self.theme
        self.setBackground(t.plot_bg)
        style_plot(self.plot, k, cached=self._interactive, theme=t)
        self.image.setLookupTable(landscape_lut(t))
        self.isolines.setPen(pg.mkPen(t.iso, width=k))
        for kind, (_symbol, size, role, width, _text) in KIND_MARKS.items():
            fill, pen = getattr(t, f"{role}_fill"), getattr(t, f"{role}_pen")
            self.critical[kind].setSize(size * k)
            self.critical[kind].setBrush(pg.mkBrush(fill))
            self.critical[kind].setPen(pg.mkPen(pen, width=width * k))
        for head in self.heads:
            head.set_look(k, t)
        for c in self.curves:
            c.setPen(pg.mkPen(t.racer(c.canonical), width=3 * k), c.canonical)

    def set_look(self, k: float, theme: Theme) -> None:
        """A new zoom or theme (the window's View menu): restyle every item in place."""
        if (k, theme) == (self.k, self.theme):
            return
        self.k, self.theme = k, theme
        self._apply_look()
        x, y = self.start_position()
        self.plot.removeItem(self.start)
        self.start = self._make_start(x, y)  # (a TargetItem cannot change its size)
        self.plot.layout.removeItem(self.legend)
        self.scene().removeItem(self.legend)
        self.legend = self._make_legend()
        self._legend_key = ()
        if self.surface is not None:
            self._label_axes()
        self.set_tracks(self.tracks)
        self.set_marks(*self._marks_args)
        self.redraw_backdrop()

    def _fit_legend(self, *_args: object) -> None:
        """As many columns as the plot's width holds; the height of its rows."""
        legend = self.legend
        if not legend.items:
            legend.setFixedHeight(0)
            return
        # the texts' own sizes, in the legend's font (a label's box is whatever the legend's
        # layout made it, and its item's font is not the one its rich text asks for)
        font = QFont()
        font.setPointSizeF(FONT_PT * self.k)
        fm = QFontMetricsF(font)
        sizes = [(fm.size(0, lab.item.toPlainText()), sa.boundingRect()) for sa, lab in legend.items]
        widest = max(t.width() + sa.width() for t, sa in sizes) + 24 * self.k
        cols = max(1, min(len(legend.items), int(self.plot.vb.width() // max(widest, 1.0))))
        if cols != legend.columnCount:
            legend.setColumnCount(cols)
        legend.layout.invalidate()
        height = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).height()
        legend.setFixedHeight(height + 2 * self.k)

    def add_backdrop(self, item: QGraphicsItem, static: bool = False) -> None:
        """Paint ``item`` (already in the plot) as part of the backdrop, in the order of its
        z value among the other backdrop items, and repaint the backdrop whenever the item's
        data, visibility or opacity change. Only for layers below the trajectories (z < 10):
        the basin map, the gradient field. Exported figures (not interactive) keep
        ordinary items.

        ``static`` items (the landscape's own) change only with the surface or the view;
        each run of them between the others is kept rendered, so that a new basin map
        repaints the backdrop by compositing three pixmaps instead of stroking thousands of
        iso-line segments again."""
        if not self._interactive:
            return
        cache(item, False)
        # the scene skips it; drawBackground paints it (and a legend still sees a visible
        # item, so its sample is drawn as usual)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self._backdrop.append(item)
        self._backdrop.sort(key=lambda it: it.zValue())
        if static:
            self._static.add(id(item))
        changed = self.redraw_backdrop if static else self.resetCachedContent
        for name in ("sigImageChanged", "sigPlotChanged", "visibleChanged", "opacityChanged"):
            signal = getattr(item, name, None)
            if signal is not None:
                signal.connect(changed)
        self.redraw_backdrop()

    def redraw_backdrop(self, *_args) -> None:
        """Render the whole backdrop anew at the next paint (new view, new surface)."""
        self._layers.clear()
        self.resetCachedContent()

    def _runs(self) -> list[tuple[bool, list[QGraphicsItem]]]:
        """The backdrop in z order as runs: (static?, items)."""
        runs: list[tuple[bool, list[QGraphicsItem]]] = []
        for item in self._backdrop:
            static = id(item) in self._static
            if runs and runs[-1][0] == static:
                runs[-1][1].append(item)
            else:
                runs.append((static, [item]))
        return runs

    def _paint_items(self, painter: QPainter, items: list[QGraphicsItem]) -> None:
        option = QStyleOptionGraphicsItem()
        for item in items:
            if not item.isVisible():
                continue
            painter.save()
            painter.setOpacity(item.opacity())
            painter.setTransform(item.sceneTransform(), True)
            item.paint(painter, option, self.viewport())
            painter.restore()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        """The backdrop (see the class docstring), clipped to the plot area."""
        super().drawBackground(painter, rect)
        if not self._backdrop or self.surface is None:
            return
        clip = self.plot.vb.sceneBoundingRect()
        painter.save()
        painter.setClipRect(clip, Qt.ClipOperation.IntersectClip)
        for i, (static, items) in enumerate(self._runs()):
            if not static:
                self._paint_items(painter, items)
                continue
            layer = self._layers.get(i)
            if layer is None:  # render the run once, in device pixels
                dpr = self.viewport().devicePixelRatioF()
                layer = QPixmap(self.viewport().size() * dpr)
                layer.setDevicePixelRatio(dpr)
                layer.fill(Qt.GlobalColor.transparent)
                p = QPainter(layer)
                p.setTransform(painter.transform())
                p.setClipRect(clip)
                self._paint_items(p, items)
                p.end()
                self._layers[i] = layer
            painter.save()
            painter.resetTransform()
            painter.drawPixmap(0, 0, layer)
            painter.restore()
        painter.restore()

    def resizeEvent(self, event) -> None:
        layers = self.__dict__.get("_layers")  # pyqtgraph resizes before __init__ is done
        if layers:
            layers.clear()
        super().resizeEvent(event)

    # -- landscape -------------------------------------------------------------------------
    def set_surface(self, surface: Surface, landscape: Landscape) -> None:
        """Rebuild what depends on the landscape only: image, iso-lines, critical points."""
        self.surface, self.landscape = surface, landscape
        (xlo, xhi), (ylo, yhi) = surface.extent
        ny, nx = surface.z.shape
        dx, dy = (xhi - xlo) / (nx - 1), (yhi - ylo) / (ny - 1)
        self.image.setImage(surface.z, levels=surface.zrange, autoLevels=False)
        self.image.setRect(QRectF(xlo - dx / 2, ylo - dy / 2, xhi - xlo + dx, yhi - ylo + dy))
        lines = surface.lines
        self.isolines.setData(lines[:, 0], lines[:, 1], connect="pairs")
        for kind, item in self.critical.items():
            pts = [cp.point for cp in surface.critical if cp.kind == kind]
            pts = [p for p in pts if xlo <= p[0] <= xhi and ylo <= p[1] <= yhi]  # (within extent)
            item.setData(pos=np.array(pts, dtype=float).reshape(-1, 2))
        self._label_axes()
        self.reset_view()
        self._legend_key = ()  # critical kinds may differ: rebuild the legend
        self.redraw_backdrop()

    def _label_axes(self) -> None:
        surface, k, t = self.surface, self.k, self.theme
        _label(self.plot, "bottom", surface.axis_labels[0], k, t)
        _label(self.plot, "left", surface.axis_labels[1], k, t)
        self.plot.setTitle(surface.title, size=f"{(FONT_PT + 2) * k:.1f}pt", color=t.plot_fg)

    def reset_view(self) -> None:
        if self.surface is None:
            return
        (xlo, xhi), (ylo, yhi) = self.surface.view
        self.plot.vb.setRange(xRange=(xlo, xhi), yRange=(ylo, yhi), padding=0.0)

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (xlo, xhi), (ylo, yhi) = self.plot.vb.viewRange()
        return (float(xlo), float(xhi)), (float(ylo), float(yhi))

    # -- run -------------------------------------------------------------------------------
    def set_tracks(self, tracks: tuple[Track, ...]) -> None:
        """Take a new run: create or drop curve items only if the count changed."""
        self.tracks = tracks
        _fit_lines(self.curves, len(tracks), self.plot, z=10)
        self._drawn = (self._drawn + [(None, 0)] * len(tracks))[: len(tracks)]
        while len(self.heads) < len(tracks):
            head = Head(self.k, self.theme)
            self.plot.addItem(head)
            self.heads.append(head)
        while len(self.heads) > len(tracks):
            self.plot.removeItem(self.heads.pop())
        for i, (c, t) in enumerate(zip(self.curves, tracks, strict=True)):
            if c.color() != t.color:  # a new pen would drop the cache
                c.setPen(pg.mkPen(self.theme.racer(t.color), width=3 * self.k), t.color)
            c.set_cached(self._interactive and (self._live or self._drawn[i][0] is t))
        kinds = tuple(k for k, it in self.critical.items() if len(it.data))
        key = tuple(t.color for t in tracks) + kinds
        texts = [self._legend_text(t, tracks) + ("  ✕ diverged" if t.diverged else "") for t in tracks]
        if key != self._legend_key:
            self._legend_key = key
            self.legend.clear()
            for c, text in zip(self.curves, texts, strict=True):
                self.legend.addItem(c.body, text)
            for kind in kinds:
                self.legend.addItem(self.critical[kind], KIND_MARKS[kind][4])
            self._cache_legend()
            self._fit_legend()
        else:  # same racers: only their labels (alpha ...) may have changed
            for (_sample, label), text in zip(self.legend.items, texts, strict=False):
                if label.text != text:
                    label.setText(text)
        if tracks:
            self.set_start_marker(*tracks[0].xy[0])

    def _legend_text(self, t: Track, tracks: tuple[Track, ...]) -> str:
        """The racer's label; in the window only its optimizer's name and its schedule (the
        race table under the plots has the rest), unless another racer runs the same
        optimizer."""
        name = t.label.split(" ")[0]
        if not self._interactive or sum(u.label.split(" ")[0] == name for u in tracks) > 1:
            return t.label
        return f"{name}{SCHEDULE_MARK}{t.schedule}" if t.schedule else name

    def reveal(self, k: int) -> None:
        """Draw every trajectory up to step ``k``, with a marker at its head."""
        for i, (c, t, head) in enumerate(zip(self.curves, self.tracks, self.heads, strict=True)):
            n = t.upto(k)
            if self._drawn[i][0] is not t or self._drawn[i][1] != n:  # else keep the cached pixmap
                xy = t.xy_upto(k)
                c.show(xy[:, 0], xy[:, 1], t, self._live)
                self._drawn[i] = (t, n)
            x, y = t.xy[n - 1]
            head.set_style(t.color, t.diverged and n == t.n and k >= t.stop)
            if (head.x(), head.y()) != (x, y):
                head.setPos(float(x), float(y))

    def _cache_legend(self) -> None:
        # the legend's box, samples and labels change only with the racers: keep their
        # pixmaps (a label's text is its child item, which the label's pixmap leaves out)
        if self._interactive:
            cache(self.legend)
            for sample, label in self.legend.items:
                cache(sample)
                cache(label)
                cache(label.item)

    def set_live(self, on: bool) -> None:
        """Animating (``on``): lines grow as a cached body and a live tail (:class:`Line`).
        Still: each line is drawn whole and cached only if it did not change with the last
        frame (dragging one racer's alpha then redraws that racer alone); a changed line is
        drawn directly, since rendering it into a fresh pixmap first would cost twice, which
        is what dragging the start (every racer changes) would pay."""
        self._live = on
        for c, (t, _n) in zip(self.curves, self._drawn, strict=True):
            c.set_cached(self._interactive and (on or (t is not None and t in self.tracks)))

    # -- start -----------------------------------------------------------------------------
    def set_start_marker(self, x: float, y: float) -> None:
        self._placing = True
        try:
            self.start.setPos(QPointF(float(x), float(y)))
        finally:
            self._placing = False

    def start_position(self) -> tuple[float, float]:
        p = self.start.pos()
        return float(p.x()), float(p.y())

    def _on_target_moved(self, item: object) -> None:
        if self._placing:
            return
        x, y = self.start_position()
        self.startMoved.emit(x, y)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.plot.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        self.set_start_marker(p.x(), p.y())
        self.startMoved.emit(float(p.x()), float(p.y()))

    def _on_hover(self, scene_pos: QPointF) -> None:
        vb = self.plot.vb
        if self.landscape is None or not vb.sceneBoundingRect().contains(scene_pos):
            return
        p = vb.mapSceneToView(scene_pos)
        x, y = float(p.x()), float(p.y())
        if self.landscape.dim != 2:
            return
        with np.errstate(all="ignore"):
            loss = float(self.landscape.loss(np.array([[x, y]]))[0])
        self.hovered.emit(x, y, loss)

    def view_to_widget(self, x: float, y: float) -> QPointF:
        """Widget (viewport) coordinates of the data point (x, y): for tests and scripts."""
        scene = self.plot.vb.mapViewToScene(QPointF(x, y))
        return QPointF(self.mapFromScene(scene))

    def marks(self) -> tuple[tuple[tuple[float, float, str], ...], bool]:
        """The labelled points shown (:meth:`set_marks`): ``((x, y, label), ...)`` and
        whether a dashed line joins them (an exported figure draws them too)."""
        marks, line = self._marks_args
        return tuple((float(x), float(y), str(text)) for x, y, text in marks), bool(line) and bool(marks)

    def set_marks(self, marks: list[tuple[float, float, str]], line: bool = False) -> None:
        """Labelled points drawn over the landscape (a lesson's points of interest, such as
        the symmetry panel's two minima and their average), as rings that leave the markers
        below them visible, joined in order by a dashed line if ``line``; ``[]`` removes them."""
        self._marks_args = (list(marks), line)
        for item in self.mark_items:
            self.plot.removeItem(item)
        self.mark_items: list[pg.GraphicsObject] = []  # rings, the dashed line, the labels
        if not marks:
            return
        t = self.theme
        pos = np.array([(x, y) for x, y, _ in marks], dtype=float)
        pen = pg.mkPen(t.mark, width=2.5 * self.k)
        self.mark_items.append(pg.ScatterPlotItem(pos=pos, symbol="o", size=26 * self.k, brush=(0, 0, 0, 0), pen=pen))
        if line:
            dashed = pg.mkPen(t.mark, width=2 * self.k, style=Qt.PenStyle.DashLine)
            self.mark_items.append(pg.PlotCurveItem(pos[:, 0], pos[:, 1], pen=dashed))
        for x, y, text in marks:
            label = pg.TextItem(text, color=t.label_fg, anchor=(-0.25, 1.15), fill=t.label_bg)
            label.setFont(QFont(label.textItem.font().family(), round(FONT_PT * self.k)))
            label.setPos(x, y)
            self.mark_items.append(label)
        for item in self.mark_items:
            item.setZValue(25)
            self.plot.addItem(item)


# A curve pane keeps its y range while the data still fill this much of it: dragging the
# start then does not make the axes jitter (nor redraw their tick labels on every frame,
# 4 ms each in software). On a log axis a new range is whole decades with one to spare
# below, where a converged run's last values land, wherever rounding puts them.
RANGE_FILL = 0.5


def linear_ticks(lo: float, hi: float, max_labels: int = 4) -> list[list[tuple[float, str]]]:
    """Labelled ticks at 1, 2 or 5 times a power of ten on a linear axis, at most
    ``max_labels`` of them from ``lo`` to ``hi`` (the alpha pane's: short, read at a glance)."""
    span = max(hi - lo, 1e-300)
    raw = span / max_labels
    e = 10.0 ** math.floor(math.log10(raw))
    step = next(m * e for m in (1, 2, 5, 10) if m * e >= raw)
    first = math.ceil(lo / step)
    values = [i * step for i in range(first, math.floor(hi / step) + 1)]
    return [[(v, f"{v:.3g}") for v in values], []]


def alpha_staircase(alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points of alpha(t) drawn as steps: step ``t`` uses ``alpha[t]`` from point ``t``
    to point ``t + 1`` of the training curves. A long run keeps the steps the training curves
    keep (:func:`gui.tracks.thin_curves`: each bucket's lowest and highest) and every step
    where alpha changes if there are few (a step decay is drawn exactly); a smooth schedule
    (exp, cosine) then holds each kept value to the next, within a bucket's change."""
    a = np.where(np.isfinite(alpha), alpha, np.nan)
    n = a.size
    idx = thin_curves(a)
    idx = np.arange(n) if idx is None else idx
    changes = np.nonzero(np.diff(a) != 0)[0] + 1
    if changes.size <= 2 * CURVE_BUCKETS:
        idx = np.union1d(idx, changes)
    edges = np.append(idx, n).astype(np.float64)
    x = np.repeat(edges, 2)[1:-1]  # i0 i1 i1 i2 i2 ... n
    return x, np.repeat(a[idx], 2)


def _still_fits(shown: tuple[float, float], data: tuple[float, float]) -> bool:
    """Whether a y range ``shown`` can stay for data spanning ``data``: it holds them, and
    they fill at least ``RANGE_FILL`` of it."""
    (lo, hi), (a, b) = shown, data
    return lo <= a and b <= hi and (b - a) >= RANGE_FILL * (hi - lo)


def _roomy(data: tuple[float, float], log: bool) -> tuple[float, float]:
    """The y range a pane takes for data spanning ``data`` when the old one no longer fits."""
    if not log:
        return data
    a, b = data
    return (math.floor(a) - 1.0, float(math.ceil(b)))


def _dashed_item() -> pg.PlotCurveItem:
    return pg.PlotCurveItem(antialias=True, skipFiniteCheck=True)


def fit_step_ticks(plot: pg.PlotItem, x0: float, x1: float, k: float) -> None:
    """Step labels on a plot's bottom axis no closer than the widest one allows (pyqtgraph's
    own spacing ignores the font: at a large zoom, or with three panes side by side in a
    narrow window, "200" ran into "400"). Call it again when the plot is resized."""
    axis = plot.getAxis("bottom")
    key = (k, len(f"{int(x1):d}"))
    if _LABEL_PX.get("key") != key:  # (a font and its metrics cost ~0.1 ms)
        font = QFont()
        font.setPointSizeF(FONT_PT * k)
        _LABEL_PX.update(key=key, px=QFontMetricsF(font).horizontalAdvance(f"{int(x1):d}0"))
    fits = max(int(plot.vb.width() // max(_LABEL_PX["px"] * 1.6, 1.0)), 1)
    raw = max((x1 - x0) / fits, 1e-9)
    e = 10 ** math.floor(math.log10(raw))
    major = next(m * e for m in (1, 2, 5, 10) if m * e >= raw)
    span = x1 - max(x0, 0.0)
    if major > span > 0:  # room for one gap only: the widest that still labels a step past 0
        f = 10 ** math.floor(math.log10(span))  # ("0" and "5000" on 0..2000 left the pane with "0" alone)
        major = next(m * f for m in (5, 2, 1) if m * f <= span)
    major = max(major, 1.0)
    spacing = [(major, 0), (major / 2 if major >= 2 else major, 0)]
    if tick_spacing(axis) != spacing:  # (setting it again drops the axis's cached pixmap)
        axis.setTickSpacing(levels=spacing)
        # the first and last label may reach half their width past the axis's ends (pyqtgraph
        # hides them otherwise: "0" and "1000" went missing on a pane 150 pixels wide)
        axis.setStyle(hideOverlappingLabels=int(_LABEL_PX["px"] / 2) + 2)


_LABEL_PX: dict[str, object] = {}  # the last label width measured: (zoom, digits) -> pixels


def follow_step_ticks(plot: pg.PlotItem, zoom: Callable[[], float]) -> None:
    """Keep ``fit_step_ticks`` on ``plot`` as it is resized or its step range changes;
    ``zoom`` gives the window's current zoom factor."""

    def refit(*_args: object) -> None:
        fit_step_ticks(plot, *plot.vb.viewRange()[0], zoom())

    plot.vb.sigResized.connect(refit)
    plot.vb.sigXRangeChanged.connect(refit)


class CurveView(pg.GraphicsLayoutWidget):
    """Training curves, one colour per optimizer: the loss on top (log of the gap to the
    lowest known minimum), the gradient norm below (log) with the tolerance as a dashed
    line. A plateau shows as a flat loss over a small but not vanishing gradient;
    convergence as a gradient that falls through the tolerance line. For a model trained on
    data the loss pane shows the training loss itself (log axis) and, dashed in the same
    colour, the validation loss."""

    def __init__(self, parent=None, k: float = 1.0, cached: bool = True, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self.k = k
        self.theme = theme
        self.ci.layout.setSpacing(4)
        # alpha(t) of the racers on a schedule: a short pane on top (the cause above its
        # effects), shown only while a racer's alpha follows a schedule
        self.alpha_plot: pg.PlotItem = self.addPlot(row=0, col=0)
        self.loss_plot: pg.PlotItem = self.addPlot(row=1, col=0)
        self.grad_plot: pg.PlotItem = self.addPlot(row=2, col=0)
        for p in (self.alpha_plot, self.loss_plot, self.grad_plot):
            p.showGrid(x=False, y=True, alpha=0.3)
            p.vb.disableAutoRange()
            p.vb.setMouseEnabled(x=True, y=False)
        self.grad_plot.setXLink(self.loss_plot)
        self.alpha_plot.setXLink(self.loss_plot)
        for p in (self.alpha_plot, self.loss_plot):
            p.getAxis("bottom").setStyle(showValues=False)
        self.alpha_curves: list[pg.PlotCurveItem] = []
        self._alpha_range: tuple[float, float] | None = None
        self._tick_texts: dict[pg.PlotItem, list[str] | None] = {}  # each pane's left labels (None: linear loss)
        self._axis_text_width = 0
        self._show_alpha(False)
        self.cached = cached  # False for exported figures: lines, not pixmaps
        self.loss_curves: list[Line] = []
        self.grad_curves: list[Line] = []
        # dashed: one polyline each (a segmented line would restart the dash on every step)
        self.validation_curves: list[Line] = []
        self._loss_label = ""
        self.cursors = [pg.InfiniteLine(angle=90, movable=False) for _ in range(3)]
        self.loss_plot.addItem(self.cursors[0])
        self.grad_plot.addItem(self.cursors[1])
        self.alpha_plot.addItem(self.cursors[2])
        self.tol_line = pg.InfiniteLine(
            angle=0, movable=False, label="tol", labelOpts={"position": 0.03, "anchors": [(0, 1), (0, 1)]},
        )
        self.grad_plot.addItem(self.tol_line)
        cache(self.tol_line, cached)
        cache(self.tol_line.label, cached)
        # runs that stopped at step 0 (a gradient below tol at the start): one point is no
        # curve, so each is drawn as a dashed line held flat across the pane, and explained
        self.held: list[tuple[pg.PlotCurveItem, pg.PlotCurveItem]] = []
        self.held_note = pg.TextItem("", anchor=(0.0, 0.0))
        self.zero_note = pg.TextItem("‖∇L‖ = 0 (below the log axis)", anchor=(0.0, 1.0))
        for item, plot in ((self.held_note, self.loss_plot), (self.zero_note, self.grad_plot)):
            item.setZValue(30)
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self.split_legend: pg.LegendItem | None = None
        self._key_wide = 0.0  # the key's width in two columns
        self.tracks: tuple[Track, ...] = ()
        self._drawn: list[tuple[Track | None, int]] = []
        self._live = False
        self._ranges: tuple = ()
        self._steps = 0
        self._loss_log = True
        self._apply_look()
        self.set_loss_axis(True)
        self.show_cursor(False)
        self.grad_plot.vb.sigResized.connect(self._step_ticks)

    def _apply_look(self) -> None:
        """Everything that depends on the zoom ``k`` and the theme."""
        k, t = self.k, self.theme
        self.setBackground(t.plot_bg)
        self.ci.setContentsMargins(2, 2, 12 * k, 2)  # room for the last step's label, at this zoom
        for p in (self.alpha_plot, self.loss_plot, self.grad_plot):
            style_plot(p, k, self.cached, t)
        self._axis_text_width = 0  # labels in the new font
        self._align_axes()
        _label(self.grad_plot, "bottom", "step", k, t)
        _label(self.alpha_plot, "left", "α(t)", k, t)
        self.alpha_plot.getAxis("left").setToolTip(
            "the alpha each step uses, for the racers whose alpha follows a schedule")
        for c in self.alpha_curves:
            c.setPen(pg.mkPen(t.racer(c.canonical), width=2.5 * k))
        # short axis titles: a long one runs into the other pane's on a narrow column
        _label(self.grad_plot, "left", "‖∇L‖", k, t)
        self.grad_plot.getAxis("left").setToolTip("the gradient norm ‖∇L‖ (log axis)")
        if self._loss_label:
            _label(self.loss_plot, "left", self._loss_label, k, t)
        for c in self.cursors:
            c.setPen(pg.mkPen(t.guide, width=1.5 * k, style=Qt.PenStyle.DotLine))
        self.tol_line.setPen(pg.mkPen(t.guide, width=1.5 * k, style=Qt.PenStyle.DashLine))
        self.tol_line.label.setColor(t.guide)
        font = QFont()
        font.setPointSizeF(FONT_PT * k)
        self.tol_line.label.setFont(font)
        for note in (self.held_note, self.zero_note):
            note.setColor(t.plot_fg)
            note.fill = pg.mkBrush(t.label_bg)
            note.setFont(font)
        # the key to solid and dashed, under the panes (outside the data)
        visible = self.split_legend is not None and self.split_legend.isVisible()
        if self.split_legend is not None:
            self.ci.layout.removeItem(self.split_legend)
            self.scene().removeItem(self.split_legend)
        self.split_legend = make_legend(k, t, columns=2)
        fixed_legend(self.split_legend)  # laid out by the grid, not by its texts
        for text, style in (("training", Qt.PenStyle.SolidLine), ("validation", Qt.PenStyle.DashLine)):
            sample = pg.PlotDataItem(pen=pg.mkPen(t.plot_fg, width=2.5 * k, style=style))
            self.split_legend.addItem(sample, text)
        self.ci.layout.addItem(self.split_legend, 3, 0)
        self.ci.layout.setAlignment(self.split_legend, Qt.AlignmentFlag.AlignHCenter)
        self._show_split_legend(visible)
        for items, width, style in (
            (self.loss_curves, 2.5, Qt.PenStyle.SolidLine), (self.grad_curves, 2.5, Qt.PenStyle.SolidLine),
            (self.validation_curves, 2.0, Qt.PenStyle.DashLine),
        ):
            for c in items:
                c.setPen(pg.mkPen(t.racer(c.canonical), width=width * k, style=style), c.canonical)

    def _show_split_legend(self, on: bool) -> None:
        """Show or hide the key to solid and dashed; hidden, it takes no room (a hidden item
        of a layout keeps its size: the key's two columns held the curves pane 305 pixels
        wide at zoom 1.6, wider than a 1024-pixel screen gives it, and cut its right edge)."""
        legend = self.split_legend
        legend.setVisible(on)
        legend.setMaximumHeight(1e6 if on else 0)
        legend.setMaximumWidth(1e6 if on else 0)
        self._fit_key()
        self.updateGeometry()  # (the splitter reads minimumSizeHint anew)

    def _fit_key(self) -> None:
        """The key side by side where the pane is wide enough, else one above the other (the
        two columns ran past a narrow pane's edge at a large zoom)."""
        legend = self.split_legend
        if legend is None:
            return
        if legend.columnCount == 2:
            self._key_wide = legend.layout.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        cols = 2 if self._key_wide + 8 * self.k <= self.width() else 1
        if legend.columnCount != cols:
            legend.setColumnCount(cols)
            legend.setMinimumWidth(0)
            legend.setMinimumWidth(legend.layout.effectiveSizeHint(Qt.SizeHint.MinimumSize).width())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        legend = getattr(self, "split_legend", None)  # (pyqtgraph resizes the view while it is built)
        if legend is not None and legend.isVisible():
            self._fit_key()

    def minimumSizeHint(self) -> QSize:
        """At least what the panes and the key need across (a splitter gives a widget no
        less; a scene drawn wider than its view was cut at the window's right edge)."""
        hint = super().minimumSizeHint()
        need = self.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        return QSize(max(hint.width(), math.ceil(need)), hint.height())

    def set_look(self, k: float, theme: Theme) -> None:
        """A new zoom or theme: restyle every item in place."""
        if (k, theme) == (self.k, self.theme):
            return
        self.k, self.theme = k, theme
        self._apply_look()
        if self.tracks:
            self._ranges = ()  # new tick fonts: lay the axes out again
            self.set_tracks(self.tracks, int(self._steps))

    def set_loss_axis(self, log: bool, text: str | None = None) -> None:
        self._loss_log = log
        if not log:
            self.loss_plot.getAxis("left").setTicks(None)  # pyqtgraph's own, linear
            self._tick_texts[self.loss_plot] = None
            self._align_axes()
        if text is None:
            text = "loss − f*" if log else "loss"
        tip = {"loss − f*": "the loss minus f*, the lowest minimum's loss (log axis)"}.get(text, text)
        self.loss_plot.getAxis("left").setToolTip(tip)
        self._loss_label = text
        _label(self.loss_plot, "left", text, self.k, self.theme)

    def set_surface(self, surface: Surface) -> None:
        self.set_loss_axis(loss_on_log_axis(surface))

    def set_tol(self, tol: float | None) -> None:
        if tol is None or tol <= 0:
            self.tol_line.hide()
        else:
            self.tol_line.setPos(math.log10(tol))
            self.tol_line.show()

    def set_tracks(self, tracks: tuple[Track, ...], steps: int, ranges: tuple | None = None) -> None:
        """Take a new run; ``ranges`` are ``curve_ranges(tracks, steps)`` if the caller has
        them (the worker makes them off the GUI thread)."""
        self.tracks = tracks
        self._steps = steps
        for plot, items in ((self.loss_plot, self.loss_curves), (self.grad_plot, self.grad_curves)):
            _fit_lines(items, len(tracks), plot, z=0)
        self._drawn = (self._drawn + [(None, 0)] * len(tracks))[: len(tracks)]
        self._set_validation_items(tracks)
        xr, lr, gr = ranges if ranges is not None else curve_ranges(tracks, steps)
        if self.tol_line.isVisible():
            gr = (min(gr[0], self.tol_line.value() - 0.5), max(gr[1], self.tol_line.value() + 0.5))
        old = self._ranges or (None, None, None)
        # each pane keeps its y range while the data still fit it (see RANGE_FILL)
        lr = old[1] if old[1] is not None and _still_fits(old[1], lr) else _roomy(lr, self._loss_log)
        gr = old[2] if old[2] is not None and _still_fits(old[2], gr) else _roomy(gr, True)
        moved = {
            self.loss_plot: (xr, lr) != old[:2],
            self.grad_plot: (xr, gr) != (old[0], old[2]),
        }
        for plot, items in (
            (self.loss_plot, self.loss_curves), (self.grad_plot, self.grad_curves),
            (self.loss_plot, self.validation_curves),
        ):
            for i, (c, t) in enumerate(zip(items, tracks, strict=True)):
                if items is not self.validation_curves and c.color() != t.color:
                    c.setPen(pg.mkPen(self.theme.racer(t.color), width=2.5 * self.k), t.color)
                # a new range redraws every curve of its pane anyway: caching them now would cost twice
                c.set_cached(self.cached and (self._live or (self._drawn[i][0] is t and not moved[plot])))
        self._ranges = (xr, lr, gr)
        for plot, yr, log in ((self.loss_plot, lr, self._loss_log), (self.grad_plot, gr, True)):
            if not moved[plot]:
                continue  # the axes stay put, and their cached pixmaps with them
            plot.vb.setRange(xRange=xr, yRange=yr, padding=0.05)
            if log:
                self._set_ticks(plot, log_ticks(*plot.vb.viewRange()[1]))
            # now, not at the next paint: pyqtgraph defers the new transform to the paint,
            # whose items then ask for a second paint
            plot.vb.updateMatrix()
        self._hold(tracks, xr, lr, gr)
        self._set_alphas(tracks, xr)
        if moved[self.grad_plot]:
            self._step_ticks()

    # -- alpha(t) ----------------------------------------------------------------------------
    def _show_alpha(self, on: bool) -> None:
        """The alpha pane takes a fifth of the height when shown, none when hidden (a hidden
        item of a layout keeps its room otherwise)."""
        self.alpha_plot.setVisible(on)
        self.alpha_plot.setMaximumHeight(1e6 if on else 0)
        self.alpha_plot.setMinimumHeight(0)
        layout = self.ci.layout
        layout.setRowStretchFactor(0, 1 if on else 0)
        layout.setRowStretchFactor(1, 2)
        layout.setRowStretchFactor(2, 2)

    def _set_alphas(self, tracks: tuple[Track, ...], xr: tuple[float, float]) -> None:
        """Each scheduled racer's alpha as a staircase: step ``t`` (from point t to point
        t+1 of its curves) uses ``alpha[t]``. The whole schedule of the steps it took is
        drawn at once (it is known before the run: the animation's cursor says where it is),
        on a linear axis from 0: a cosine decay or a warm-up keeps the shape it is known by
        (a log axis gave the last tenth of a cosine most of the pane)."""
        scheduled = [t for t in tracks if t.alpha is not None and t.alpha.size]
        self._show_alpha(bool(scheduled))
        while len(self.alpha_curves) < len(scheduled):
            c = pg.PlotCurveItem(antialias=True, skipFiniteCheck=True)
            c.canonical = ""
            self.alpha_plot.addItem(c)
            self.alpha_curves.append(c)
        for c in self.alpha_curves[len(scheduled):]:
            c.setVisible(False)
        if not scheduled:
            if self._tick_texts.pop(self.alpha_plot, None) is not None:
                self._alpha_range = None
                self._align_axes()  # its labels no longer widen the others
            return
        top = 0.0
        for c, t in zip(self.alpha_curves, scheduled, strict=False):
            x, yy = alpha_staircase(t.alpha)
            c.setData(x, yy, connect="finite")
            if c.canonical != t.color:
                c.setPen(pg.mkPen(self.theme.racer(t.color), width=2.5 * self.k))
                c.canonical = t.color
            c.setVisible(True)
            if np.isfinite(yy).any():
                top = max(top, float(np.nanmax(yy)))
        yr = (0.0, 1.08 * top if top > 0 else 1.0)
        if (xr, yr) != self._alpha_range:
            self._alpha_range = (xr, yr)
            self.alpha_plot.vb.setRange(yRange=yr, padding=0.0)
            self._set_ticks(self.alpha_plot, linear_ticks(*yr))
            self.alpha_plot.vb.updateMatrix()

    # -- one left edge for the three panes ------------------------------------------------------
    def _set_ticks(self, plot: pg.PlotItem, ticks: list[list[tuple[float, str]]]) -> None:
        plot.getAxis("left").setTicks(ticks)
        self._tick_texts[plot] = [text for level in ticks for _v, text in level]
        self._align_axes()

    def _align_axes(self) -> None:
        """The panes' left axes as wide as the widest one's labels, so that a step is at the
        same x in every pane (the loss bends under the step where alpha drops). The labels are
        known (Basin sets them), except a linear loss axis's, given room for ``-00.000``."""
        font = QFont()
        font.setPointSizeF(FONT_PT * self.k)
        fm = QFontMetricsF(font)
        texts = [t for plot in (self.alpha_plot, self.loss_plot, self.grad_plot)
                 for t in (self._tick_texts.get(plot) or (["-00.000"] if plot in self._tick_texts else []))]
        width = math.ceil(max((fm.horizontalAdvance(t) for t in texts), default=0.0)) + 2
        if width != self._axis_text_width:
            self._axis_text_width = width
            for plot in (self.alpha_plot, self.loss_plot, self.grad_plot):
                plot.getAxis("left").setStyle(tickTextWidth=width, autoExpandTextSpace=False)
            self.updateGeometry()

    def _step_ticks(self, *_args: object) -> None:
        if self._ranges:
            fit_step_ticks(self.grad_plot, *self._ranges[0], self.k)

    def _hold(self, tracks: tuple[Track, ...], xr, lr, gr) -> None:
        """A dashed line held flat across each pane for every run that stopped at step 0,
        at its loss and gradient norm; a gradient norm of exactly 0, which a log axis
        cannot show, at the bottom of its pane, with a note saying so."""
        stopped = [t for t in tracks if t.loss_y.shape[0] == 1]
        while len(self.held) < len(stopped):
            pair = (_dashed_item(), _dashed_item())
            for item, plot in zip(pair, (self.loss_plot, self.grad_plot), strict=True):
                item.setZValue(1)
                plot.addItem(item)
            self.held.append(pair)
        zero = False
        x = np.array([xr[0], xr[1]], dtype=np.float64)
        for i, (loss_item, grad_item) in enumerate(self.held):
            if i >= len(stopped):
                loss_item.setVisible(False)
                grad_item.setVisible(False)
                continue
            t = stopped[i]
            pen = pg.mkPen(self.theme.racer(t.color), width=2.5 * self.k, style=Qt.PenStyle.DashLine)
            g = float(t.grad_y[0]) if t.grad[0] > 0 else float(gr[0])  # zero: the pane's floor
            zero |= not t.grad[0] > 0
            for item, y in ((loss_item, float(t.loss_y[0])), (grad_item, g)):
                item.setData(x, np.array([y, y]))
                item.setPen(pen)
                item.setVisible(True)
        self.held_note.setVisible(bool(stopped))
        if stopped:
            names = ", ".join(t.label.split(" ")[0] for t in stopped)
            self.held_note.setText(f"dashed: stopped at step 0 ({names}): ‖∇L‖ below tol, drawn flat")
            self.held_note.setPos(xr[0], lr[1])
        self.zero_note.setVisible(zero)
        if zero:
            self.zero_note.setPos(xr[0], gr[0])

    def _set_validation_items(self, tracks: tuple[Track, ...]) -> None:
        """One dashed validation curve per racer of a model trained on data, and the loss
        axis's title and key to match."""
        items = self.validation_curves
        _fit_lines(items, len(tracks), self.loss_plot, _dashed_item, z=-1)  # under the training curves
        for c, t in zip(items, tracks, strict=True):
            c.setVisible(t.validation_y is not None)
            if c.color() != t.color:
                c.setPen(pg.mkPen(self.theme.racer(t.color), width=2.0 * self.k, style=Qt.PenStyle.DashLine), t.color)
        on_data = any(t.validation_y is not None for t in tracks)
        if self.split_legend.isVisible() != on_data:
            self._show_split_legend(on_data)
        if on_data:
            log = tracks[0].loss_axis == "log"
            text = "loss (log axis)" if log else "loss"
            if text != self._loss_label or log != self._loss_log:
                self.set_loss_axis(log, text)

    def reveal(self, k: int) -> None:
        for i, (lc, gc, t) in enumerate(zip(self.loss_curves, self.grad_curves, self.tracks, strict=True)):
            n = t.curve_upto(k)
            if self._drawn[i][0] is t and self._drawn[i][1] == n:
                continue
            x, ly, gy = t.curves_upto(k)
            lc.show(x, ly, t.loss_y, self._live)
            gc.show(x, gy, t.grad_y, self._live)
            vy = t.validation_upto(k)
            if vy is not None:
                self.validation_curves[i].show(x, vy, t.validation_y, self._live)
            self._drawn[i] = (t, n)
        for c in self.cursors:
            c.setPos(k)

    def set_live(self, on: bool) -> None:
        """As :meth:`ContourView.set_live`."""
        self._live = on
        for items in (self.loss_curves, self.grad_curves, self.validation_curves):
            for c, (t, _n) in zip(items, self._drawn, strict=False):
                c.set_cached(self.cached and (on or (t is not None and t in self.tracks)))

    def show_cursor(self, on: bool) -> None:
        for c in self.cursors:
            c.setVisible(on)

