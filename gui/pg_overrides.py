"""Every place where Basin relies on pyqtgraph's internals, in one module.

pyqtgraph is pinned (``pyproject.toml``: the version these were written and tested against),
and ``tests/gui/test_pg_overrides.py`` checks each reliance listed here, by name, so that an
update that changes one fails loudly with the name of the override instead of drawing wrong.
What each relies on:

:class:`Trace` (a ``PlotCurveItem`` subclass; trajectories and training curves)
    * ``boundingRect``: pyqtgraph's cache ``_boundingRect`` (reset to None by
      ``invalidateBounds`` on new data, kept by ``boundingRect``), ``pixelPadding()`` (the
      pen's reach in pixels), ``xData``/``yData`` (the points);
    * ``paint``: ``_exportOpts`` (False on screen, a dict while an exporter paints, when
      pyqtgraph's own paint is used), ``opts["pen"]`` and ``opts["antialias"]``,
      ``_getLineSegments()`` (the arguments of ``QPainter.drawLines`` for every segment) and
      ``pyqtgraph.Qt.internals.PrimitiveArray(QLineF, 4)`` (a numpy view of ``QLineF``
      values, ``resize``/``ndarray``/``drawargs``);
    * ``set_points``: what ``setData`` resets for new points (``path``, ``fillPath``,
      ``_fillPathList``, ``_mouseShape``, ``_lineSegmentsRendered``), ``invalidateBounds`` and
      ``informViewBoundsChanged``.

:class:`IsoLines` (a ``PlotCurveItem`` subclass; the landscape's iso-lines)
    * ``paint``: ``xData``/``yData``, ``opts["pen"]``/``opts["antialias"]`` and
      ``arrayToQPath(x, y, connect="pairs")``.

:func:`tick_spacing`
    ``AxisItem._tickSpacing``: what ``setTickSpacing(levels=...)`` set (no getter exists).

:func:`fixed_legend`
    ``LegendItem.size``: None lets the legend resize itself to its texts on every
    ``addItem``; a tuple keeps the size the layout gives it.

:func:`legend_in_layout`
    ``LegendItem.opts["offset"]``: None means "placed by the parent's layout" (the
    constructor takes an offset, but only the option says where the legend was put).

:func:`symbol_path`
    ``pyqtgraph.graphicsItems.ScatterPlotItem.Symbols``: the scatter symbols' outlines as
    ``QPainterPath`` of unit size (exported figures draw the same shapes).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

PINNED = "0.14.0"  # the pyqtgraph these were written against (pyproject.toml pins it)

_AA = QPainter.RenderHint.Antialiasing

# Device coordinates beyond this many pixels are brought in (a diverging run's last points):
# Qt stops drawing a line whose end lies much further out, and the arithmetic may overflow.
FAR_PX = 1e6


class Trace(pg.PlotCurveItem):
    """A trajectory or training curve, drawn as separate segments: Qt strokes a thick
    antialiased polyline of a thousand points several times slower than the same segments,
    and at these widths the joins look the same.

    When Qt repaints only part of the item (the start marker or a head moved over it), only
    the segments that reach into that part are stroked: pyqtgraph would stroke all of them,
    and the clip makes none of that work cheaper."""

    def __init__(self) -> None:
        super().__init__(antialias=True, skipFiniteCheck=True)
        self.setSegmentedLineMode("on")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)  # exposedRect
        self._part = internals.PrimitiveArray(QLineF, 4)
        self._extent_of: tuple | None = None  # the data _extent_values were taken from
        self._extent_values = (0.0, 0.0, 0.0, 0.0)

    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        """``setData`` for two float arrays of one length, as the views give: pyqtgraph's
        argument parsing and checks, and its change signal (which nothing here listens to),
        cost more than the rest of a new frame's bookkeeping for the line."""
        self.xData, self.yData = x, y
        self.invalidateBounds()
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.path = self.fillPath = self._fillPathList = self._mouseShape = None
        self._lineSegmentsRendered = False
        self.update()

    def boundingRect(self) -> QRectF:
        """pyqtgraph's rectangle (the data's extent, grown by the pen's reach in pixels) at
        a tenth of its cost: Qt asks for it several times per new line, and pyqtgraph's own
        (NaN-aware bounds, then a pixel's size mapped through several transforms in Python)
        took a tenth of a millisecond per line and frame. These lines hold finite points
        only, and the views scale and translate but never rotate, so a pixel's size in item
        units is the inverse of the device transform's diagonal."""
        if self._boundingRect is not None:
            return self._boundingRect
        if self.xData is None or len(self.xData) == 0:
            return QRectF()
        xmn, xmx, ymn, ymx = self._extent()
        if not math.isfinite(xmn + xmx + ymn + ymx):
            return super().boundingRect()
        px = py = 0.0
        pad = self.pixelPadding()
        scene = self.scene()
        views = scene.views() if scene is not None else []
        if pad > 0 and views:
            t = QGraphicsItem.deviceTransform(self, views[0].viewportTransform())
            if t.m12() or t.m21():
                return super().boundingRect()
            px = pad / abs(t.m11()) if t.m11() else 0.0
            py = pad / abs(t.m22()) if t.m22() else 0.0
        self._boundingRect = QRectF(xmn - px, ymn - py, 2 * px + xmx - xmn, 2 * py + ymx - ymn)
        return self._boundingRect

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, widget=None) -> None:
        """Stroke the segments, all of them or those near the exposed area, in device
        pixels. pyqtgraph's own paint (for exporters only) weighs fills, shadows and OpenGL
        first: a tenth of a millisecond of Python per line and frame, for options these
        lines never use.

        The points are mapped to device pixels here and stroked with the painter's world
        transform switched off: Qt strokes a cosmetic pen through a scaling transform two
        to three times slower than the same lines given in pixels, and the pixels are the
        same."""
        x, y = self.xData, self.yData
        if x is None or len(x) < 2:
            return None
        if self._exportOpts is not False:
            return super().paint(p, opt, widget)
        pen = self.opts["pen"]
        aa = bool(self.opts["antialias"])
        if p.testRenderHint(_AA) != aa:
            p.setRenderHint(_AA, aa)
        p.setPen(pen)
        t = p.transform()
        m11, m22 = t.m11(), t.m22()
        if t.m12() or t.m21() or t.m13() or t.m23() or not m11 or not m22 or not pen.isCosmetic():
            p.drawLines(*self._getLineSegments())  # never so in these views: the general way
            return None
        dx, dy = t.dx(), t.dy()
        idx = None
        r = opt.exposedRect
        if len(x) >= 64 and not r.contains(self.boundingRect()):
            # the pen reaches this far beyond a segment's points, in item units
            pad_x = pen.widthF() / abs(m11)
            pad_y = pen.widthF() / abs(m22)
            x0, x1, y0, y1 = r.left() - pad_x, r.right() + pad_x, r.top() - pad_y, r.bottom() + pad_y
            xa, xb, ya, yb = x[:-1], x[1:], y[:-1], y[1:]
            near = (np.maximum(xa, xb) >= x0) & (np.minimum(xa, xb) <= x1)
            near &= (np.maximum(ya, yb) >= y0) & (np.minimum(ya, yb) <= y1)
            if not near.all():
                idx = np.nonzero(near)[0]
                if idx.size == 0:
                    self._part.resize(0)  # (what was stroked: nothing)
                    return None
        xmn, xmx, ymn, ymx = self._extent()
        reach = max(max(-xmn, xmx) * abs(m11) + abs(dx), max(-ymn, ymx) * abs(m22) + abs(dy))
        if reach < FAR_PX:  # (False for NaN)
            X = x * m11 + dx
            Y = y * m22 + dy
            if idx is None:
                self._part.resize(len(x) - 1)
                seg = self._part.ndarray()
                seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3] = X[:-1], Y[:-1], X[1:], Y[1:]
            else:
                self._part.resize(idx.size)
                seg = self._part.ndarray()
                seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3] = X[idx], Y[idx], X[idx + 1], Y[idx + 1]
        else:
            sel = slice(None) if idx is None else idx
            near_part = clip_far(x[:-1][sel], y[:-1][sel], x[1:][sel], y[1:][sel], (m11, m22, dx, dy))
            self._part.resize(near_part.shape[0])
            self._part.ndarray()[:] = near_part
        if len(self._part):
            p.setWorldMatrixEnabled(False)
            p.drawLines(*self._part.drawargs())
            p.setWorldMatrixEnabled(True)
        return None

    def _extent(self) -> tuple[float, float, float, float]:
        """The data's least and greatest x and y, kept while the data stay the same."""
        key = (self.xData, self.yData)
        if self._extent_of is None or self._extent_of[0] is not key[0] or self._extent_of[1] is not key[1]:
            x, y = key
            self._extent_of = key
            self._extent_values = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
        return self._extent_values


def clip_far(xa, ya, xb, yb, scale: tuple[float, float, float, float]) -> np.ndarray:
    """The segments ``(xa, ya)-(xb, yb)`` in device pixels, ``scale = (m11, m22, dx, dy)``
    mapping item units to them, each cut to its part within ``FAR_PX`` of the origin, so
    that the visible part keeps its direction; a segment wholly outside that square goes.
    Returns ``(n, 4)``: x0, y0, x1, y1 per segment."""
    m11, m22, dx, dy = scale
    xa, ya, xb, yb = (np.asarray(v, dtype=np.float64) for v in (xa, ya, xb, yb))
    # Liang-Barsky, in item units (device units may overflow): the square as item units
    bx = sorted(((-FAR_PX - dx) / m11, (FAR_PX - dx) / m11))
    by = sorted(((-FAR_PX - dy) / m22, (FAR_PX - dy) / m22))
    with np.errstate(all="ignore"):
        ddx, ddy = xb - xa, yb - ya
        keep = np.isfinite(ddx) & np.isfinite(ddy) & np.isfinite(xa) & np.isfinite(ya)
        t0, t1 = np.zeros(xa.shape), np.ones(xa.shape)
        for d, q in ((-ddx, xa - bx[0]), (ddx, bx[1] - xa), (-ddy, ya - by[0]), (ddy, by[1] - ya)):
            keep &= (d != 0) | (q >= 0)  # parallel to this side and outside it
            ratio = q / d
            t0 = np.where(d < 0, np.maximum(t0, ratio), t0)
            t1 = np.where(d > 0, np.minimum(t1, ratio), t1)
        keep &= t0 <= t1
        idx = np.nonzero(keep)[0]
        t0, t1, ddx, ddy, xa, ya = t0[idx], t1[idx], ddx[idx], ddy[idx], xa[idx], ya[idx]
        x0, y0 = (xa + t0 * ddx) * m11 + dx, (ya + t0 * ddy) * m22 + dy
        x1, y1 = (xa + t1 * ddx) * m11 + dx, (ya + t1 * ddy) * m22 + dy
        return np.column_stack((x0, y0, x1, y1))


class IsoLines(pg.PlotCurveItem):
    """The iso-lines: disjoint segments (pairs of points), drawn as several paths of at most
    ``CHUNK`` segments. One path of the twenty thousand segments a landscape may have is
    fine on screen, but an SVG reader may refuse it: Qt's own stops reading a path after
    32767 elements, and an exported figure then lost most of its iso-lines there."""

    CHUNK = 8000

    def __init__(self, pen) -> None:
        super().__init__(pen=pen, connect="pairs", antialias=True)
        self._paths: list[QPainterPath] = []
        self._paths_of: tuple | None = None  # the data the paths were made from

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, widget=None) -> None:
        x, y = self.xData, self.yData
        if x is None or len(x) < 2:
            return None
        if self._paths_of is None or self._paths_of[0] is not x or self._paths_of[1] is not y:
            step = 2 * self.CHUNK  # an even number of points: pairs stay whole
            self._paths = [
                pg.arrayToQPath(x[i : i + step], y[i : i + step], connect="pairs") for i in range(0, len(x), step)
            ]
            self._paths_of = (x, y)
        p.setRenderHint(_AA, bool(self.opts["antialias"]))
        p.setPen(self.opts["pen"])
        for path in self._paths:
            p.drawPath(path)
        return None


def tick_spacing(axis: pg.AxisItem) -> list | None:
    """The tick levels ``axis.setTickSpacing(levels=...)`` set (None: pyqtgraph's own).
    Setting them again drops the axis's cached pixmap, so a caller compares first."""
    return axis._tickSpacing


def fixed_legend(legend: pg.LegendItem) -> None:
    """Keep the legend at the size its layout gives it: it no longer resizes itself to its
    texts on every ``addItem`` (a racer relabelled while alpha is dragged would relayout the
    plot)."""
    legend.size = (0, 0)


def legend_in_layout(legend: pg.LegendItem) -> None:
    """Mark a legend made with an offset as placed by its parent's layout instead."""
    legend.opts["offset"] = None


def symbol_path(symbol: str) -> QPainterPath:
    """The outline of pyqtgraph's scatter symbol ``symbol`` (``star``, ``x``, ``t1``, ``d``,
    ``o`` ...), one unit across, centred on the origin."""
    from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols

    return Symbols[symbol]


__all__ = ["FAR_PX", "PINNED", "IsoLines", "Trace", "clip_far", "fixed_legend", "legend_in_layout", "symbol_path",
           "tick_spacing"]
