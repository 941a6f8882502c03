"""The network view's readout tabs (gui.netreports) and hidden units (gui.netview.UnitsView)
at the sizes of a lecture hall's screens: every plot high enough to read, no label over
another, no note cut off."""

from __future__ import annotations

import contextlib
import itertools

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.exceptions import TimeoutError as WaitTimeout

from gui.main_window import MainWindow
from gui.netreports import PLOT_MIN_PX, ReportsView, _Plot
from tests.gui.conftest import net_settled, open_window

SIZES = [(1024, 768), (1600, 1000)]


def drawn_labels(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels ``axis`` draws, as pyqtgraph lays them out to paint them, each as its
    rectangle in scene coordinates and its text."""
    img = QImage(4, 4, QImage.Format.Format_ARGB32)
    p = QPainter(img)
    p.setFont(axis.style["tickFont"])
    _axis, _ticks, texts = axis.generateDrawSpecs(p)
    p.end()
    return [(axis.mapRectToScene(r), s) for r, _flags, s in texts if s]


def all_drawn(axis: pg.AxisItem, qtbot) -> list[tuple[QRectF, str]]:
    """The labels of an axis whose ticks were given (``setTicks``), once the axis is as wide
    as they need (pyqtgraph hides a label that does not fit, then widens the axis); each
    label asked for must be drawn (pyqtgraph also hides one past either end of the axis)."""
    asked = sorted(text for level in axis._tickLevels for _v, text in level if text)
    with contextlib.suppress(WaitTimeout):
        qtbot.waitUntil(lambda: len(drawn_labels(axis)) == len(asked), timeout=2000)
    drawn = drawn_labels(axis)
    assert sorted(s for _r, s in drawn) == asked, ("labels hidden", asked, drawn)
    return drawn


def text_rect(item) -> QRectF:
    """A QGraphicsTextItem's text in scene coordinates (its bounding rect less the margin
    its document keeps around the text)."""
    m = item.document().documentMargin()
    return item.sceneBoundingRect().adjusted(m, m, -m, -m)


def plot_texts(view: _Plot) -> list[tuple[QRectF, str]]:
    """Every text of a readout plot: its title, its axes' titles and tick labels."""
    plot = view.plot
    out = [(text_rect(plot.titleLabel.item), "title: " + view.title)]
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        out += drawn_labels(axis)
        if axis.label.isVisible() and axis.labelText:
            out.append((text_rect(axis.label), f"{side} axis: {axis.labelText}"))
    return out


def assert_readable(view: _Plot) -> None:
    """At least PLOT_MIN_PX high (150 at zoom 1), its texts within it, none over another or
    over the data."""
    assert view.height() >= PLOT_MIN_PX * view.k >= 150, (view.title, view.height())
    texts = plot_texts(view)
    assert sum(s.startswith("title") for _r, s in texts) == 1 and len(texts) >= 5, [s for _r, s in texts]
    inside = QRectF(0, 0, view.width(), view.height()).adjusted(-1, -1, 1, 1)
    data = view.plot.vb.sceneBoundingRect()
    for r, s in texts:
        assert inside.contains(r), (view.title, s, r, inside)
        assert not r.adjusted(1, 1, -1, -1).intersects(data), (view.title, s, "over the data")
    for (a, s), (b, t) in itertools.combinations(texts, 2):
        assert not a.adjusted(0.5, 0.5, -0.5, -0.5).intersects(b), (view.title, s, t)


def assert_apart(tab: QWidget) -> None:
    """The tab's plots, notes and buttons side by side or one under another, never over
    each other; each note as high as its wrapped text."""
    parts = [w for w in tab.findChildren(QWidget) if w.parentWidget() is tab and w.isVisible()]
    assert len(parts) >= 2
    for a, b in itertools.combinations(parts, 2):
        assert not a.geometry().intersects(b.geometry()), (a, b)
    for note in (w for w in parts if isinstance(w, QLabel)):
        assert note.height() >= note.heightForWidth(note.width()), note.text()
        assert note.width() <= tab.width()


@pytest.fixture(params=[(*s, 1.0) for s in SIZES] + [(1280, 720, 1.6)],
                ids=[f"{w}x{h}" for w, h in SIZES] + ["1280x720-zoom1.6"])
def readouts(request, qtbot):
    """The readouts in the window at a screen's size, at the zoom given (1.6: a lecture
    hall's projector, View > Zoom)."""
    from PySide6.QtCore import QRect

    from gui import look

    width, height, zoom = request.param
    w: MainWindow = open_window(qtbot, width, height)
    if zoom != 1.0:
        w.set_look(look.Look(zoom, look.LIGHT))
        w.fit_to(QRect(0, 0, width, height))
    w.set_model("network")
    net_settled(w, qtbot)
    w.net.view.tabs.setCurrentWidget(w.net.reports)
    yield w.net.reports
    w.close()


def shown_tab(view: ReportsView, index: int, kind: str, qtbot) -> QWidget:
    """Show the tab ``index``, wait for its readout ``kind``, and its content once laid out."""
    view.setCurrentIndex(index)
    qtbot.waitUntil(lambda: kind in view.reports, timeout=20000)
    area = view.widget(index)
    content = area.widget()
    notes = [n for n in content.findChildren(QLabel) if n.text()]
    qtbot.waitUntil(lambda: notes and all(n.height() >= n.heightForWidth(n.width()) for n in notes)
                    and content.height() >= content.heightForWidth(content.width())
                    and content.width() <= area.viewport().width())  # (laid out)
    return content


def test_the_curvature_tab_is_readable(readouts: ReportsView, qtbot) -> None:
    tab = shown_tab(readouts, 0, "curvature", qtbot)
    assert_apart(tab)
    assert_readable(readouts.curv)
    assert len(readouts.curv_note.text().splitlines()) == 3  # a line per racer
    # the log axis: at least two decades labelled, a line of text apart
    assert len(all_drawn(readouts.curv.plot.getAxis("left"), qtbot)) >= 2
    if readouts.window().height() >= 1000:  # the whole tab in view, the notes too
        area = readouts.widget(0)
        assert area.verticalScrollBar().maximum() == 0


def test_the_symmetry_tab_is_readable(readouts: ReportsView, qtbot) -> None:
    tab = shown_tab(readouts, 1, "symmetry", qtbot)
    readouts.align_button.click()
    qtbot.waitUntil(lambda: "alignment" in readouts.reports, timeout=30000)
    qtbot.waitUntil(lambda: readouts.line.title.startswith("barrier"))
    assert_apart(tab)
    for view in (readouts.sym, readouts.line):
        assert_readable(view)
    # side by side, the bars named on the left: every name drawn, in its own bar's row
    assert readouts.sym.geometry().right() < readouts.line.geometry().left()
    names = [s for _r, s in sorted(all_drawn(readouts.sym.plot.getAxis("left"), qtbot), key=lambda x: x[0].top())]
    assert names == ["trained", "units permuted", "average of all"]
    # the barrier curve fills the plot's height: its peak near the top of the data
    _x, y = readouts.before.getData()
    top = readouts.line.plot.vb.viewRange()[1][1]
    assert y.max() > 0.8 * top


def test_the_gradients_tab_is_readable(readouts: ReportsView, qtbot) -> None:
    tab = shown_tab(readouts, 2, "layers", qtbot)
    assert_apart(tab)
    view = readouts.layer_plot
    assert_readable(view)
    assert len(all_drawn(view.plot.getAxis("left"), qtbot)) >= 2
    # the legend beside the data, within the plot, over none of its texts and no point of a
    # line (step 0 is where the lessons read the layers' gradients)
    legend = readouts.layer_legend
    assert [label.text for _sample, label in legend.items] == ["layer 1", "layer 2", "layer 3 (output)"]
    box = legend.sceneBoundingRect()
    assert box.width() > 20 and box.height() > 3 * 10
    assert QRectF(0, 0, view.width(), view.height()).contains(box)
    assert not box.intersects(view.plot.vb.sceneBoundingRect().adjusted(0, 0, -1, 0))
    for r, text in plot_texts(view):
        assert not box.intersects(r), text
    for line in readouts.layer_lines:
        x, y = line.getData()
        assert x[0] == 0
        points = [view.plot.vb.mapViewToScene(pg.Point(a, b)) for a, b in zip(x, y, strict=True) if b == b]
        assert points and not any(box.contains(q) for q in points)
        assert view.plot.vb.sceneBoundingRect().contains(points[0])  # step 0 in view


@pytest.mark.parametrize("height", [150, 400])
@pytest.mark.parametrize(("lo", "hi"), [(0.7, 4.0), (0.1, 1.7), (0.4, 95.0), (1e-8, 20.0), (3e-300, 1e300)])
def test_a_log_axis_labels_at_least_two_values_a_line_apart(qtbot, lo, hi, height) -> None:
    """Under two decades (pyqtgraph's own log ticks, or log_ticks alone, put 2 ... 9 of
    each decade there: labels on top of each other in a short plot), or hundreds."""
    import numpy as np

    from gui.look import LIGHT

    view = _Plot(("t",), "step", 1.0, LIGHT)
    qtbot.addWidget(view)
    view.resize(400, height)
    view.show()
    qtbot.waitExposed(view)
    view.log_y(np.array([lo, hi]))
    axis = view.plot.getAxis("left")
    labels = sorted(all_drawn(axis, qtbot), key=lambda x: x[0].top())
    assert len(labels) >= 2, labels
    for (a, s), (b, t) in itertools.pairwise(labels):
        assert b.top() - a.bottom() >= 2, (s, t)  # apart, a little space between the lines
    assert len(labels) <= view.plot.vb.height() / 14


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_hidden_units_of_a_zero_start_have_a_scale_and_say_so(qtbot, width, height) -> None:
    """net-zero-init: blank maps, each with its colour scale beside it as high as it, its
    title saying the weights are all 0; every text within the pane and apart."""
    w: MainWindow = open_window(qtbot, width, height)
    try:
        w.set_model("network")
        w.lessons.choose("net-zero-init")
        net_settled(w, qtbot)
        qtbot.waitUntil(lambda: w.net.frame.settings.setup.init.kind == "zeros", timeout=20000)
        units = w.net.view.units
        w.net.view.tabs.setCurrentWidget(units)
        qtbot.waitUntil(lambda: all(t.startswith(f"layer {j + 1}: all 0") for j, t in enumerate(units.titles)))
        assert all(t.endswith("identical") for t in units.titles)  # room to say why it matters
        pane = QRectF(0, 0, units.width(), units.height())
        boxes = []
        for p, bar in zip(units.plots, units.bars, strict=True):
            texts = [(text_rect(p.titleLabel.item), "title")]
            weight = p.layout.itemAt(3, 3)  # the colour bar's title
            assert weight.text == "weight"
            texts.append((text_rect(weight.item), "weight"))
            for axis in (p.getAxis("left"), p.getAxis("bottom"), bar.axis):
                texts += drawn_labels(axis)
            assert len(drawn_labels(bar.axis)) == 3  # −, 0, +
            for r, s in texts:
                assert pane.contains(r), s
            for (a, s), (b, t) in itertools.combinations(texts, 2):
                assert not a.adjusted(0.5, 0.5, -0.5, -0.5).intersects(b), (s, t)
            data, scale = p.vb.sceneBoundingRect(), bar.sceneBoundingRect()
            assert data.height() >= 60 and scale.left() >= data.right() - 1
            assert abs(bar.vb.sceneBoundingRect().height() - data.height()) < 0.1 * data.height()  # beside the map
            boxes.append(p.sceneBoundingRect())
        assert not boxes[0].intersects(boxes[1]) and all(pane.contains(b) for b in boxes)
    finally:
        w.close()
