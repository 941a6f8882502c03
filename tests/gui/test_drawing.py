"""How the views draw: what a frame repaints, the backdrop, the head markers, steady axes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QGraphicsItem

from gui.main_window import MainWindow
from gui.plots import RANGE_FILL, Line, _still_fits, cache


@pytest.fixture
def painted(qtbot, monkeypatch):
    """A window whose line items count their paints (the class is patched before the
    window exists: Qt binds an item's paint override when the item is made)."""
    from gui.pg_overrides import Trace
    from tests.gui.conftest import open_window

    counts: dict[int, int] = {}
    base = Trace.paint

    def paint(self, *args):
        counts[id(self)] = counts.get(id(self), 0) + 1
        return base(self, *args)

    monkeypatch.setattr(Trace, "paint", paint)
    w = open_window(qtbot)
    yield w, counts
    w.close()


def test_dragging_one_alpha_repaints_that_racer_alone(painted, qtbot, settle) -> None:
    window, counts = painted
    window.panel.select_optimizer("gd")
    slider = window.panel.editor("gd").editors["alpha"].slider
    slider.setValue(slider.to_tick(0.0004))
    settle(window)
    qtbot.wait(150)
    counts.clear()
    slider.setValue(slider.to_tick(0.0006))
    settle(window)
    qtbot.wait(150)  # every paint of the frame has happened
    lines = {
        "traj": window.contour.curves, "loss": window.curves.loss_curves, "grad": window.curves.grad_curves,
    }
    for kind, items in lines.items():
        assert counts.get(id(items[0].body), 0) >= 1, kind  # gd's lines were redrawn
        others = [counts.get(id(c.body), 0) + counts.get(id(c.tail), 0) for c in items[1:]]
        assert len(others) == 3 and not any(others), (kind, others)  # the others' pixmaps were reused


def test_an_animation_frame_strokes_only_the_tails(painted, qtbot) -> None:
    window, counts = painted
    window.set_mode("animate")
    window.set_speed(120.0)
    window.play()
    qtbot.waitUntil(lambda: window.step > 300, timeout=8000)
    window.pause()
    lines = [*window.contour.curves, *window.curves.loss_curves, *window.curves.grad_curves]
    for line in lines:
        x, _y = line.getData()
        bx, tx = line.body.xData, line.tail.xData
        assert len(bx) + len(tx) - 1 == len(x)  # they share the joining point
        assert len(tx) <= Line.CHUNK + 2  # a short tail ...
        np.testing.assert_array_equal(np.r_[bx, tx[1:]], x)  # ... that continues the body exactly
    frames = window.step  # at least this many frames were drawn (a step or more per frame)
    bodies = sum(counts.get(id(line.body), 0) for line in lines)
    tails = sum(counts.get(id(line.tail), 0) for line in lines)
    assert tails > 50 * len(lines) // 2
    assert bodies < tails / 5  # a body is redrawn once per CHUNK steps, not every frame
    assert frames > 0


def test_setting_a_cache_mode_twice_keeps_the_pixmap() -> None:
    item = pg.PlotCurveItem()
    cache(item)
    cache(item)  # Qt would purge the pixmap on a second setCacheMode: cache() must not call it
    assert item.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    cache(item, False)
    assert item.cacheMode() == QGraphicsItem.CacheMode.NoCache


def test_the_backdrop_is_painted_as_the_views_background(window: MainWindow, qtbot) -> None:
    view = window.contour
    for item in (view.image, view.isolines, *view.critical.values()):
        assert item.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents  # the scene skips it
    img = view.grab().toImage()
    # inside the plot the colour image shows (greys), not the white page behind it
    p = view.view_to_widget(-1.8, -0.8).toPoint()
    c = img.pixelColor(p)
    assert (c.red(), c.green(), c.blue()) != (255, 255, 255)
    assert c.blue() > c.red()  # the scale's cool grey
    # zooming re-renders it for the new view (a stale background would not follow)
    view.plot.vb.setRange(xRange=(1.2, 1.8), yRange=(1.6, 2.9), padding=0.0)
    qtbot.wait(50)
    lighter = view.grab().toImage().pixelColor(view.view_to_widget(1.5, 2.25).toPoint())
    assert lighter.red() > c.red() + 40  # on the valley floor (no trajectory there) the image is light


def test_exported_figures_paint_the_backdrop_as_items() -> None:
    from gui.plots import ContourView

    view = ContourView(interactive=False)
    assert not view.image.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents  # vectors in an SVG


def test_heads_sit_at_the_trajectory_ends_and_a_diverged_one_is_crossed(window: MainWindow, settle) -> None:
    window.panel.select_optimizer("gd")
    window.panel.apply_hyper({"alpha": 0.05}, "gd")  # rosenbrock from (-1.5, 2): gd blows up
    settle(window)
    f = window.frame
    assert len(window.contour.heads) == len(f.tracks)
    for head, t in zip(window.contour.heads, f.tracks, strict=True):
        assert (head.x(), head.y()) == tuple(t.xy[-1])
        assert head._style == (t.color, t.diverged)
    assert f.tracks[0].diverged and not f.tracks[1].diverged
    cross, disc = window.contour.heads[0], window.contour.heads[1]
    assert cross.boundingRect().width() > disc.boundingRect().width()
    window.set_mode("animate")  # at step 0 every head is at the start, none crossed
    for head, t in zip(window.contour.heads, f.tracks, strict=True):
        assert (head.x(), head.y()) == tuple(t.xy[0]) and not head._style[1]


@pytest.mark.parametrize(
    ("shown", "data", "keep"),
    [
        ((0.0, 10.0), (0.5, 9.5), True),
        ((0.0, 10.0), (-0.1, 9.0), False),  # leaves the range
        ((0.0, 10.0), (2.0, 6.0), False),  # fills too little of it
        ((0.0, 10.0), (0.0, 10.0 * RANGE_FILL), True),
    ],
)
def test_a_curve_range_stays_while_the_data_fill_it(shown, data, keep) -> None:
    assert _still_fits(shown, data) is keep


def test_small_start_moves_keep_the_curve_axes_and_big_ones_refit(window: MainWindow, settle) -> None:
    window.panel.set_start(-1.5, 2.0)
    settle(window)
    before = window.curves._ranges
    window.panel.set_start(-1.49, 2.0)
    settle(window)
    assert window.curves._ranges == before
    window.panel.set_start(0.9, 0.8)  # near the minimum: the loss starts far lower
    settle(window)
    after = window.curves._ranges
    assert after[1] != before[1]
    lo, hi = after[1]
    ys = np.concatenate([t.loss_y[np.isfinite(t.loss_y)] for t in window.frame.tracks])
    assert lo <= ys.min() and ys.max() <= hi


def test_a_line_hidden_from_its_legend_entry_hides_its_tail_too(window: MainWindow, qtbot) -> None:
    window.set_mode("animate")
    window.set_speed(200.0)
    window.play()
    qtbot.waitUntil(lambda: window.step > Line.CHUNK + 10, timeout=5000)
    window.pause()
    line = window.contour.curves[0]
    assert line.tail.isVisible()
    line.body.setVisible(False)  # what clicking its legend sample does
    assert not line.tail.isVisible()
    line.body.setVisible(True)
    assert line.tail.isVisible()


def test_a_partial_repaint_strokes_only_nearby_segments_and_looks_the_same(qtbot) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    from gui.pg_overrides import Trace

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 400)
    item = Trace()
    item.setPen(pg.mkPen("#1f77b4", width=3))
    t = np.linspace(0, 6 * np.pi, 1000)
    item.setData(np.cos(t) * t, np.sin(t) * t)  # a spiral through the whole plot
    widget.plotItem.addItem(item)
    widget.plotItem.vb.setRange(xRange=(-20, 20), yRange=(-20, 20), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    transform = item.sceneTransform() * widget.viewportTransform()

    def render(exposed: QRectF, clip: QRectF) -> QImage:
        img = QImage(400, 400, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        p = QPainter(img)
        p.setTransform(transform)
        p.setClipRect(clip)
        opt = QStyleOptionGraphicsItem()
        opt.exposedRect = exposed
        item.paint(p, opt, None)
        p.end()
        return img

    for x in np.arange(-18.0, 18.0, 4.5):
        for y in np.arange(-18.0, 18.0, 4.5):
            part = QRectF(x, y, 1.5, 1.5)  # a small exposed area, in data units
            partial = render(part, part)
            culled = len(item._part)
            assert culled < 100  # a few segments of 999 reach into it ...
            assert partial == render(item.boundingRect(), part), (x, y)  # ... and they are all that shows there
    widget.close()


def test_new_frames_never_relayout_the_window(window: MainWindow, qtbot, settle) -> None:
    from PySide6.QtCore import QEvent, QObject

    class Count(QObject):
        n = 0

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.LayoutRequest:
                Count.n += 1
            return False

    window.panel.set_start(-1.45, 1.9)  # a first frame, and the window's own first layouts done
    settle(window)
    window.readouts.refresh(force=True)
    qtbot.wait(100)
    counter = Count()
    for w in (window, window.centralWidget(), window.status_pane, window.readout_dock):
        w.installEventFilter(counter)
    for i in range(8):  # new outcomes, losses and curvature readings on every frame
        window.panel.set_start(-1.5 + 0.05 * i, 2.0 - 0.1 * i)
        settle(window)
        window.readouts.refresh(force=True)
        qtbot.wait(20)
    assert Count.n == 0  # a relayout would resize and repaint both plots on every frame
    assert window.status_pane.rows[0][4].text().startswith(("not converged", "converged", "stuck"))


def _spiral_widget(qtbot, x: np.ndarray, y: np.ndarray):
    from gui.pg_overrides import Trace

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 400)
    item = Trace()
    item.setPen(pg.mkPen("#1f77b4", width=3))
    item.setData(x, y)
    widget.plotItem.addItem(item)
    widget.plotItem.vb.setRange(xRange=(-20, 20), yRange=(-20, 20), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, item


def _render(item, transform, how: str):
    """The item painted into an image: by its own paint, or by Qt through the transform."""
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    img = QImage(400, 400, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    p.setTransform(transform)
    if how == "own":
        opt = QStyleOptionGraphicsItem()
        opt.exposedRect = item.boundingRect()
        item.paint(p, opt, None)
    else:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(item.opts["pen"])
        p.drawLines(*item._getLineSegments())
    p.end()
    return img


def _pixels(img) -> np.ndarray:
    return np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.width(), 4).astype(int)


def test_lines_stroked_in_device_pixels_look_as_qt_draws_them(qtbot) -> None:
    t = np.linspace(0, 6 * np.pi, 1000)
    widget, item = _spiral_widget(qtbot, np.cos(t) * t, np.sin(t) * t)
    transform = item.sceneTransform() * widget.viewportTransform()
    own, qt = _pixels(_render(item, transform, "own")), _pixels(_render(item, transform, "qt"))
    assert (qt[..., 3] > 0).sum() > 1500  # the spiral is drawn
    # the same pixels, but for antialiasing's last bits at the edges
    assert np.abs(own - qt).max() <= 96
    assert np.mean(np.abs(own - qt)) < 0.1
    solid = int((qt[..., 3] > 64).sum())  # the line's body, not its faintest edge pixels
    assert abs(int((own[..., 3] > 64).sum()) - solid) < 0.01 * solid
    widget.close()


def test_a_line_to_a_point_far_off_screen_is_drawn_toward_it(qtbot) -> None:
    from gui.pg_overrides import FAR_PX

    widget, item = _spiral_widget(qtbot, np.array([0.0, 10.0]), np.array([0.0, 5.0]))
    transform = item.sceneTransform() * widget.viewportTransform()
    near = _pixels(_render(item, transform, "own"))
    assert (near[..., 3] > 0).sum() > 100
    for far in (1e6, 1e12, 1e300):  # a diverging run's last points: the same direction
        item.setData(np.array([0.0, far]), np.array([0.0, far / 2]))
        img = _pixels(_render(item, transform, "own"))
        assert len(item._part) == 1 and np.abs(item._part.ndarray()).max() <= FAR_PX * 1.0001
        inside = near[..., 3] > 0
        # where the short line lies, the long one lies too (it goes on past its end)
        assert (img[..., 3][inside] > 0).mean() > 0.97, far
    widget.close()


def test_far_segments_are_cut_to_the_square_and_keep_their_direction() -> None:
    from gui.pg_overrides import FAR_PX, clip_far

    scale = (2.0, -3.0, 100.0, 200.0)  # item units to pixels: x * 2 + 100, y * -3 + 200
    xa, ya = np.array([0.0, 0.0, 1e200, 0.0, 1e9]), np.array([0.0, 0.0, 1e200, 0.0, 1e9])
    xb, yb = np.array([10.0, 1e300, 2e200, np.inf, 2e9]), np.array([10.0, -1e300, 2e200, 0.0, 2e9])
    seg = clip_far(xa, ya, xb, yb, scale)
    # kept: the short one as it is, the long one cut where it leaves the square; gone: one
    # wholly outside, one to infinity, one far outside
    assert seg.shape == (2, 4)
    np.testing.assert_allclose(seg[0], [100.0, 200.0, 120.0, 170.0])
    x0, y0, x1, y1 = seg[1]
    assert (x0, y0) == (100.0, 200.0)
    assert max(abs(x1), abs(y1)) == pytest.approx(FAR_PX)
    # direction (1, -1) in item units is (2, 3) in pixels
    assert (y1 - y0) / (x1 - x0) == pytest.approx(1.5)


def test_moving_the_start_repaints_no_text(qtbot, monkeypatch, settle) -> None:
    """The title, axis titles and legend are cached pixmaps: a new start repaints the whole
    contour view (its marker and every line move), but no text is laid out again."""
    from PySide6.QtWidgets import QGraphicsTextItem

    from tests.gui.conftest import open_window

    painted: list[str] = []
    base = QGraphicsTextItem.paint

    def paint(self, *args):
        painted.append(self.toPlainText())
        return base(self, *args)

    monkeypatch.setattr(QGraphicsTextItem, "paint", paint)
    window = open_window(qtbot)
    try:
        qtbot.wait(200)
        assert painted  # the texts were painted once, into their pixmaps
        painted.clear()
        for i in range(3):
            window.contour.start.setPos(-1.2 + 0.1 * i, 1.5)
            settle(window)
            qtbot.wait(100)
        assert painted == []
    finally:
        window.close()


def test_the_legend_lies_under_the_landscape_and_covers_none_of_it(window, settle) -> None:
    """Legends never cover minima or trajectories: the contour view's sits in its own row
    under the plot, and a racer's new label does not relayout the plot."""
    c = window.contour
    vb, legend = c.plot.vb.sceneBoundingRect(), c.legend.sceneBoundingRect()
    assert legend.height() > 0 and not vb.intersects(legend) and legend.top() >= vb.bottom()
    texts = [lab.text for _s, lab in c.legend.items]
    assert texts[:4] == ["gd", "momentum", "nesterov", "adam"] and "minimum" in texts
    for _sample, label in c.legend.items:  # every entry inside the legend's box
        assert legend.contains(label.mapRectToScene(label.item.boundingRect()).center())
    before = c.plot.vb.sceneBoundingRect()
    window.panel.select_optimizer("gd")
    box = window.panel.editor("gd").editors["alpha"].box
    box.lineEdit().setText("0.00123")
    box.editingFinished.emit()
    settle(window)
    assert c.plot.vb.sceneBoundingRect() == before
