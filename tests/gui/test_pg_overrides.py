"""What ``gui/pg_overrides.py`` relies on in pyqtgraph, checked one reliance at a time: an
update of pyqtgraph that changes any of it fails here, with the name of the override that
needs a look (and the line of the module docstring that says what it relies on)."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from pyqtgraph.Qt import internals
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath

from gui import pg_overrides
from gui.pg_overrides import IsoLines, Trace, fixed_legend, legend_in_layout, symbol_path, tick_spacing

ROOT = Path(__file__).resolve().parents[2]


def broken(override: str, what: str) -> str:
    return f"pyqtgraph {pg.__version__}: {override} in gui/pg_overrides.py relies on {what}, which changed"


@pytest.fixture
def plot(qtbot):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(400, 300)
    w.show()
    qtbot.waitExposed(w)
    w.plotItem.vb.setRange(xRange=(0, 10), yRange=(-2, 2), padding=0)
    yield w.plotItem  # (w stays alive meanwhile; qtbot closes it)


def points(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0.5, 9.5, n)
    return x, np.sin(x)


def test_the_version_is_the_pinned_one() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pin = next(d for d in deps if d.startswith("pyqtgraph"))
    assert pin == f"pyqtgraph=={pg_overrides.PINNED}", "pyproject.toml pins another pyqtgraph than gui/pg_overrides.py"
    assert pg.__version__ == pg_overrides.PINNED, (
        f"pyqtgraph {pg.__version__} is installed; gui/pg_overrides.py was checked against {pg_overrides.PINNED}: "
        "run these tests, fix what they name, then update PINNED and the pin"
    )


def test_trace_bounding_rect_uses_pyqtgraphs_cache(plot) -> None:
    """``_boundingRect``: pyqtgraph's cache of the rectangle, which ``invalidateBounds`` (new
    data) resets and ``boundingRect`` fills; Trace's rectangle equals pyqtgraph's own."""
    x, y = points()
    pen = pg.mkPen("#0072b2", width=6)
    ours, theirs = Trace(), pg.PlotCurveItem(pen=pen)
    ours.setPen(pen)
    ours.set_points(x, y)
    theirs.setData(x, y)
    for item in (ours, theirs):
        plot.addItem(item)
    name = "Trace.boundingRect"
    assert hasattr(theirs, "_boundingRect"), broken(name, "the attribute _boundingRect")
    theirs.invalidateBounds()
    assert theirs._boundingRect is None, broken(name, "invalidateBounds() setting _boundingRect to None")
    want = theirs.boundingRect()
    assert isinstance(theirs._boundingRect, QRectF), broken(name, "boundingRect() caching into _boundingRect")
    got = ours.boundingRect()
    assert ours._boundingRect is got
    for a, b in ((got.left(), want.left()), (got.right(), want.right()), (got.top(), want.top()),
                 (got.bottom(), want.bottom())):
        assert a == pytest.approx(b, rel=1e-6, abs=1e-9), broken(name, "pixelPadding() and the pen's reach")
    ours.set_points(x, 2 * y)  # new data: the cached rectangle goes
    assert ours._boundingRect is None, broken(name, "invalidateBounds() on new data")


def test_trace_set_points_resets_what_set_data_resets() -> None:
    """``set_points`` replaces ``setData``: every cache ``updateData`` resets, it must reset."""
    def resets(func) -> set[str]:
        return set(re.findall(r"self\.(\w+) = (?:None|False)", inspect.getsource(func)))

    theirs = resets(pg.PlotCurveItem.updateData)
    ours = set(re.findall(r"self\.(\w+) = ", inspect.getsource(Trace.set_points)))  # (chained too)
    missing = theirs - ours
    assert not missing, broken("Trace.set_points", f"updateData resetting exactly these caches (new: {missing})")
    for m in ("invalidateBounds", "informViewBoundsChanged", "prepareGeometryChange", "pixelPadding"):
        assert callable(getattr(pg.PlotCurveItem, m, None)), broken("Trace", f"PlotCurveItem.{m}()")
    assert not inspect.signature(pg.PlotCurveItem.invalidateBounds).parameters.keys() - {"self"}


def test_trace_paint_falls_back_to_pyqtgraph_while_exporting(qapp) -> None:
    """``_exportOpts``: False on screen, a dict while an exporter paints (then pyqtgraph's
    own paint draws the line)."""
    item = pg.PlotCurveItem()
    name = "Trace.paint"
    assert item._exportOpts is False, broken(name, "_exportOpts being False outside an export")
    item.setExportMode(True, {"antialias": True})
    assert isinstance(item._exportOpts, dict), broken(name, "setExportMode(True, opts) setting _exportOpts")
    item.setExportMode(False)
    assert item._exportOpts is False, broken(name, "setExportMode(False) resetting _exportOpts")
    for key in ("pen", "antialias"):
        assert key in item.opts, broken(name, f"opts[{key!r}]")


def test_primitive_array_and_line_segments_draw(qapp) -> None:
    """``internals.PrimitiveArray(QLineF, 4)`` and ``_getLineSegments()``: both give the
    arguments of ``QPainter.drawLines``."""
    name = "Trace.paint"
    arr = internals.PrimitiveArray(QLineF, 4)
    arr.resize(3)
    view = arr.ndarray()
    assert view.shape == (3, 4) and view.dtype == np.float64, broken(name, "PrimitiveArray.ndarray() of (n, 4) floats")
    view[:] = [[1, 1, 30, 30], [30, 1, 1, 30], [15, 1, 15, 30]]
    assert len(arr) == 3, broken(name, "len(PrimitiveArray)")
    img = QImage(32, 32, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setPen(QColor("black"))
    p.drawLines(*arr.drawargs())
    curve = pg.PlotCurveItem(*points(20))
    curve.setSegmentedLineMode("on")
    p.drawLines(*curve._getLineSegments())
    p.end()
    assert QColor(img.pixel(15, 15)).lightness() < 128, broken(name, "PrimitiveArray.drawargs() for drawLines")


def test_trace_draws_what_pyqtgraph_draws(plot, qtbot) -> None:
    """Trace's own paint (device pixels, only the exposed segments) and pyqtgraph's draw the
    same line."""
    x, y = points()
    pen = pg.mkPen("#d55e00", width=3)

    def picture(item) -> np.ndarray:
        plot.addItem(item)
        img = plot.getViewWidget().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        plot.removeItem(item)
        a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
        return a[:, : img.width(), :3].astype(int)

    ours = Trace()
    ours.setPen(pen)
    ours.set_points(x, y)
    theirs = pg.PlotCurveItem(x, y, pen=pen, antialias=True)
    theirs.setSegmentedLineMode("on")
    a, b = picture(ours), picture(theirs)
    inked = (b.sum(axis=2) < 600).sum()
    assert inked > 500  # the line is there
    differ = (np.abs(a - b).max(axis=2) > 60).sum()
    assert differ < 0.05 * inked, broken("Trace.paint", "drawing the same segments as PlotCurveItem")


def test_isolines_paint_pairs(plot) -> None:
    """``arrayToQPath(x, y, connect="pairs")`` and ``opts``: IsoLines draws disjoint segments."""
    x = np.array([1.0, 2.0, 5.0, 6.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    path = pg.arrayToQPath(x, y, connect="pairs")
    assert isinstance(path, QPainterPath)
    assert path.elementCount() == 4, broken("IsoLines.paint", 'arrayToQPath(connect="pairs"): moveTo/lineTo pairs')
    assert not path.contains(QRectF(3.0, -0.1, 1.0, 1.2)), broken("IsoLines.paint", "pairs not being joined")
    item = IsoLines(pg.mkPen("k"))
    item.setData(x, y, connect="pairs")
    assert item.xData is not None and item.opts["connect"] == "pairs"
    plot.addItem(item)
    plot.getViewWidget().grab()  # paints without error


def test_tick_spacing_reads_what_set_tick_spacing_set(qapp) -> None:
    axis = pg.AxisItem("bottom")
    assert tick_spacing(axis) is None, broken("tick_spacing", "AxisItem._tickSpacing being None by default")
    levels = [(5.0, 0), (2.5, 0)]
    axis.setTickSpacing(levels=levels)
    assert tick_spacing(axis) == levels, broken("tick_spacing", "setTickSpacing(levels=...) storing _tickSpacing")


def test_fixed_legend_keeps_its_size(qapp) -> None:
    name = "fixed_legend"
    legend = pg.LegendItem()
    fixed_legend(legend)
    legend.setGeometry(QRectF(0, 0, 40, 20))
    legend.addItem(pg.PlotDataItem([0, 1], [0, 1], pen="r"), "a long name that would widen a legend")
    assert legend.geometry().width() == 40, broken(name, "LegendItem.size not None stopping updateSize")
    free = pg.LegendItem()
    free.addItem(pg.PlotDataItem([0, 1], [0, 1], pen="r"), "a long name that would widen a legend")
    assert free.geometry().width() > 40, broken(name, "LegendItem.size None letting it fit its texts")


def test_legend_in_layout_clears_the_offset(qapp) -> None:
    legend = pg.LegendItem(offset=(10, 10))
    assert legend.offset == (10, 10) or tuple(legend.opts["offset"]) == (10, 10)
    legend_in_layout(legend)
    assert legend.opts["offset"] is None, broken("legend_in_layout", 'LegendItem.opts["offset"]')


@pytest.mark.parametrize("symbol", ["star", "x", "t1", "d", "s", "o"])
def test_symbol_paths_are_unit_outlines(qapp, symbol: str) -> None:
    path = symbol_path(symbol)
    assert isinstance(path, QPainterPath), broken("symbol_path", "ScatterPlotItem.Symbols holding QPainterPath")
    r = path.boundingRect()
    assert 0.5 <= max(r.width(), r.height()) <= 1.05, broken("symbol_path", "symbols one unit across")
    assert abs(r.center().x()) < 0.1 and abs(r.center().y()) < 0.15, broken("symbol_path", "symbols centred on 0")
