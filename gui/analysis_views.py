"""What the analysis draws: items over the contour view (the basin overlay with its legend,
curvature arrows, the gradient field) and two plots of their own (the (alpha, mu) map and
the learning-rate sweep).

Items are built once; a new result only calls ``setData``/``setImage`` with the arrays the
worker prepared (``gui.analysis_data``). Every class takes the scale ``k`` of the exported
figures (fonts, pens and markers grow with it, as in ``gui.plots``) and an ``interactive``
flag (clicks and cached pixmaps only in the window), so the window and ``--png`` draw the same.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal

from engine.landscapes import Landscape
from gui.analysis_data import (
    ALPHA_RANGE,
    MU_RANGE,
    PHASE_DIVERGED_COLOR,
    PHASE_UNCONVERGED_COLOR,
    USUAL_ALPHAS,
    BasinResult,
    PhaseResult,
    SweepResult,
    curvature_arrows,
    describe_curvature,
    gradient_arrows,
    viridis_bytes,
)
from gui.look import LIGHT, Theme
from gui.pg_overrides import legend_in_layout
from gui.plots import FONT_PT, ContourView, _label, log_ticks, make_legend, style_plot

# the theme's colours for positive curvature (the loss curves up along this direction) and
# negative curvature (it curves down: a way out of a saddle)
UP, DOWN = "good", "bad"
# the light theme's, for the exported figures (gui/figure.py)
UP_COLOR, DOWN_COLOR, FIELD_COLOR = getattr(LIGHT, UP), getattr(LIGHT, DOWN), LIGHT.field


def _legend(k: float, offset: tuple[float, float], theme: Theme = LIGHT) -> pg.LegendItem:
    return make_legend(k, theme, offset)


def swatch_item(color: str | None, k: float, symbol: str = "s", size: float = 14, pen: str = "#333333"):
    """A legend sample: a filled square (or any symbol), or nothing for a text-only row."""
    if color is None:
        return pg.ScatterPlotItem(symbol="s", size=0, pen=None, brush=None)
    return pg.ScatterPlotItem(symbol=symbol, size=size * k, brush=color, pen=pg.mkPen(pen, width=k))


# -- over the contour view --------------------------------------------------------------------


class BasinOverlay:
    """The basin map over a :class:`ContourView`: a semi-transparent image between the
    landscape's colours and its iso-lines, the minima re-marked in their basin's colour with
    their numbers, and a legend (bottom left) with each minimum's share of the starts."""

    def __init__(self, view: ContourView, opacity: float = 0.65) -> None:
        self.view = view
        k = self.k = view.k
        self.theme = view.theme
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-15)  # above the landscape's colours, below its iso-lines
        self.image.setOpacity(opacity)
        view.plot.addItem(self.image)
        view.add_backdrop(self.image)  # between the landscape's colours and its iso-lines
        self.stars = pg.ScatterPlotItem(symbol="star", size=22 * k, pen=pg.mkPen(self.theme.marker_pen, width=1.5 * k))
        self.stars.setZValue(6)  # over the contour view's white stars
        view.plot.addItem(self.stars)
        self.numbers: list[pg.TextItem] = []
        self.legend = self._make_legend()
        self.result: BasinResult | None = None
        self.stale = False
        self._visible = True
        self._show_legend = True
        self.corner = "bottom-left"
        self._minima_key: tuple = ()
        self._legend_key: tuple = ()
        self._clear_items()
        view.plot.vb.sigRangeChanged.connect(self._place_legend)
        view.plot.vb.sigResized.connect(self._place_legend)

    def _make_legend(self) -> pg.LegendItem:
        legend = _legend(self.k, (8, -8), self.theme)
        legend.setParentItem(self.view.plot.vb)
        legend.setZValue(100)
        return legend

    def set_look(self, k: float, theme: Theme) -> None:
        """The window's zoom or theme changed (its contour view has already restyled)."""
        self.k, self.theme = k, theme
        self.stars.setSize(22 * k)
        self.stars.setPen(pg.mkPen(theme.marker_pen, width=1.5 * k))
        self.view.scene().removeItem(self.legend)
        self.legend = self._make_legend()
        self._minima_key = self._legend_key = ()
        if self.result is not None:
            self.show_result(self.result)
        else:
            self._apply_visibility()

    @property
    def visible(self) -> bool:
        return self._visible

    def set_visible(self, on: bool) -> None:
        self._visible = on
        self._apply_visibility()

    def set_legend_visible(self, on: bool) -> None:
        self._show_legend = on
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        has = self.result is not None
        for item in (self.image, self.stars, *self.numbers):
            item.setVisible(self._visible and has)
        self.legend.setVisible(self._visible and has and self._show_legend)

    def set_opacity(self, opacity: float) -> None:
        self.image.setOpacity(opacity)

    def show_result(self, result: BasinResult) -> None:
        """Draw a finished pass: the image over its grid's box, the minima and the legend.
        Only the image and the legend's texts change while the landscape stays (a few ms:
        dragging alpha redraws this at every coarse pass)."""
        self.result = result
        self.stale = False
        (x0, x1), (y0, y1) = result.box
        # in the window the image is part of the contour view's backdrop, cached with it
        self.image.setImage(result.rgba, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        if self._minima_key != (result.minima, result.colors):
            self._minima_key = (result.minima, result.colors)
            pts = np.array(result.minima, dtype=float).reshape(-1, 2)
            self.stars.setData(pos=pts, brush=[pg.mkBrush(c) for c in result.colors])
            for t in self.numbers:
                self.view.plot.removeItem(t)
            self.numbers = []
            if len(result.minima) <= 9:  # numbered as `main.py list` and the CSV number them
                for i, p in enumerate(result.minima):
                    t = pg.TextItem(str(i), color=self.theme.label_fg, anchor=(-0.35, 1.0), fill=self.theme.label_bg)
                    font = t.textItem.font()
                    font.setPointSizeF(FONT_PT * self.k)
                    font.setBold(True)
                    t.setFont(font)
                    t.setPos(float(p[0]), float(p[1]))
                    t.setZValue(7)
                    self.view.plot.addItem(t)
                    self.numbers.append(t)
        self._fill_legend()
        self._apply_visibility()

    def _fill_legend(self) -> None:
        if self.result is None:
            self.legend.clear()
            self._legend_key = ()
            return
        title, rows = self.result.legend()
        suffix = "  (updating…)" if self.stale else ""
        texts = [f"<b>{title}</b>{suffix}", *(text for _c, text in rows)]
        key = tuple(c for c, _t in rows)
        if key == self._legend_key and len(self.legend.items) == len(texts):
            changed = False
            for (_sample, label), text in zip(self.legend.items, texts, strict=True):
                if label.text != text:
                    label.setText(text)  # same rows: new numbers only
                    changed = True
            if changed:  # a longer text must widen the box (the legend sizes itself only on addItem)
                self.legend.layout.invalidate()
                self.legend.resize(self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize))
        else:
            self._legend_key = key
            self.legend.clear()
            self.legend.addItem(swatch_item(None, self.k), texts[0])
            for (color, _t), text in zip(rows, texts[1:], strict=True):
                self.legend.addItem(swatch_item(color, self.k), text)
        self._place_legend()

    def _place_legend(self, *_args: object) -> None:
        """Put the legend in the corner (bottom left, bottom right or top left; the top
        right holds the trajectories' legend) where it hides the fewest minima and other
        critical points."""
        if self.result is None:
            return
        vb = self.view.plot.vb
        hint = self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        w, h = hint.width(), hint.height()
        W, H = vb.width(), vb.height()
        m = 8 * self.k
        corners = {
            "bottom-left": ((0, 1), QRectF(m, H - m - h, w, h), (m, -m)),
            "bottom-right": ((1, 1), QRectF(W - m - w, H - m - h, w, h), (-m, -m)),
            "top-left": ((0, 0), QRectF(m, m, w, h), (m, m)),
        }
        critical = self.view.surface.critical if self.view.surface is not None else ()
        points = [(cp.point, 3 if cp.kind == "minimum" else 1) for cp in critical]
        if not points:
            points = [(p, 3) for p in self.result.minima]

        def hidden(rect: QRectF) -> int:
            score = 0
            for p, weight in points:
                q = vb.mapFromView(QPointF(float(p[0]), float(p[1])))
                if rect.adjusted(-12, -12, 12, 12).contains(q):
                    score += weight
            return score

        best = min(corners, key=lambda c: (hidden(corners[c][1]), list(corners).index(c)))
        self.corner = best
        anchor, _rect, offset = corners[best]
        self.legend.anchor(itemPos=anchor, parentPos=anchor, offset=offset)

    def set_stale(self, stale: bool) -> None:
        """Mark the picture as belonging to older settings while a new one is computed."""
        if stale != self.stale and self.result is not None:
            self.stale = stale
            self._fill_legend()

    def clear(self) -> None:
        """No picture at all (a cancelled job, or the overlay switched off)."""
        self.result = None
        self.stale = False
        self._clear_items()

    def _clear_items(self) -> None:
        self.image.clear()
        self.stars.clear()
        for t in self.numbers:
            self.view.plot.removeItem(t)
        self.numbers = []
        self.legend.clear()
        self._minima_key = self._legend_key = ()
        self._apply_visibility()


class CurvatureOverlay:
    """Curvature at the cursor and at each trajectory's head: two arrows along the Hessian's
    eigenvectors, each as long as its eigenvalue's share of the larger one (their ratio is
    the condition number), solid green where the loss curves up, dashed red where it curves
    down; beside the cursor the kind of point, the condition number and the eigenvalues, and
    beside each head (in its trajectory's colour) the kind of point and the condition number."""

    def __init__(self, view: ContourView) -> None:
        self.view = view
        self.k = view.k
        self.theme = view.theme
        self.up = pg.PlotCurveItem(connect="pairs", antialias=True)
        self.down = pg.PlotCurveItem(connect="pairs", antialias=True)
        for item in (self.up, self.down):
            item.setZValue(25)
            view.plot.addItem(item)
        self._pens()
        self.cursor_text = self._text(40)
        self.head_texts: list[pg.TextItem] = []
        self.cursor: tuple[float, float] | None = None
        self.arrows = None  # the last CurvatureArrows, for tests
        self._visible = False
        self.set_visible(False)

    def _pens(self) -> None:
        k, t = self.k, self.theme
        self.up.setPen(pg.mkPen(getattr(t, UP), width=2.5 * k))
        self.down.setPen(pg.mkPen(getattr(t, DOWN), width=2.5 * k, style=Qt.PenStyle.DashLine))

    def _text(self, z: float) -> pg.TextItem:
        t = pg.TextItem("", color=self.theme.label_fg, anchor=(-0.08, 1.15), fill=self.theme.label_bg)
        self._style_text(t)
        t.setZValue(z)
        self.view.plot.addItem(t)
        return t

    def _style_text(self, t: pg.TextItem) -> None:
        font = t.textItem.font()
        font.setPointSizeF((FONT_PT - 1) * self.k)
        t.setFont(font)
        t.fill = pg.mkBrush(self.theme.label_bg)
        t.setColor(self.theme.label_fg)

    def set_look(self, k: float, theme: Theme) -> None:
        self.k, self.theme = k, theme
        self._pens()
        for t in (self.cursor_text, *self.head_texts):
            self._style_text(t)

    def set_visible(self, on: bool) -> None:
        self._visible = on
        for item in (self.up, self.down, self.cursor_text, *self.head_texts):
            item.setVisible(on)

    def _place(self, t: pg.TextItem, x: float, y: float) -> None:
        """Beside the point, on the side of the view with more room."""
        (x0, x1), (y0, y1) = self.view.view_range()
        right = x > (x0 + x1) / 2
        below = y > (y0 + y1) / 2
        t.setAnchor((1.08 if right else -0.08, -0.15 if below else 1.15))
        t.setPos(x, y)

    def update(
        self,
        landscape: Landscape | None,
        cursor: tuple[float, float] | None,
        heads: list[tuple[np.ndarray, str, str]],
        length: float,
    ) -> None:
        """Arrows at ``cursor`` (if any) and at each head ``(point, label, colour)``."""
        self.cursor = cursor
        pts = [np.asarray(p, float)[:2] for p, _, _ in heads]
        if cursor is not None:
            pts.append(np.array(cursor, float))
        if landscape is None or landscape.dim != 2 or not pts:
            self.up.setData([], [])
            self.down.setData([], [])
            for t in (self.cursor_text, *self.head_texts):
                t.setText("")
            self.arrows = None
            return
        arrows = curvature_arrows(landscape, np.array(pts), length)
        self.arrows = arrows
        self.up.setData(arrows.up[:, 0], arrows.up[:, 1], connect="pairs")
        self.down.setData(arrows.down[:, 0], arrows.down[:, 1], connect="pairs")
        if cursor is not None:
            i = len(pts) - 1
            self.cursor_text.setText(describe_curvature(arrows.eigenvalues[i], arrows.condition[i], arrows.kind[i]))
            self._place(self.cursor_text, *cursor)
        else:
            self.cursor_text.setText("")
        while len(self.head_texts) < len(heads):
            t = self._text(39)
            t.setVisible(self._visible)
            self.head_texts.append(t)
        for i, t in enumerate(self.head_texts):
            if i >= len(heads) or not np.all(np.isfinite(pts[i])):
                t.setText("")
                continue
            cond = arrows.condition[i]
            kappa = "∞" if not np.isfinite(cond) else f"{cond:.3g}"
            t.setText(f"{arrows.kind[i]} · κ {kappa}", color=self.theme.racer(heads[i][2]))
            self._place(t, *pts[i])

    def head_labels(self) -> list[str]:
        return [t.textItem.toPlainText() for t in self.head_texts if t.textItem.toPlainText()]


class GradientField:
    """Downhill arrows (-grad, all the same length) on a coarse grid over the visible box;
    rebuilt only when the landscape or the view changes."""

    def __init__(self, view: ContourView, n: int = 24) -> None:
        self.view = view
        self.n = n
        pen = pg.mkPen(view.theme.field, width=1.5 * view.k)
        self.item = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=True)
        self.item.setZValue(-8)  # over the iso-lines, under everything else
        view.plot.addItem(self.item)
        view.add_backdrop(self.item)
        self.key: tuple | None = None
        self.builds = 0  # for tests: rebuilds happen only when the landscape or view changes
        self.item.setVisible(False)

    def set_visible(self, on: bool) -> None:
        self.item.setVisible(on)

    def set_look(self, k: float, theme: Theme) -> None:
        self.item.setPen(pg.mkPen(theme.field, width=1.5 * k))

    def rebuild(self, landscape: Landscape | None, box, key: object) -> None:
        full_key = (key, tuple(map(tuple, box)))
        if full_key == self.key:
            return
        self.key = full_key
        if landscape is None or landscape.dim != 2:
            self.item.setData([], [])
            return
        segs = gradient_arrows(landscape, box, self.n)
        self.item.setData(segs[:, 0], segs[:, 1], connect="pairs")
        self.builds += 1


# -- the (alpha, mu) map ----------------------------------------------------------------------


def _phase_colormap() -> pg.ColorMap:
    pos = np.linspace(0.0, 1.0, 11)
    return pg.ColorMap(pos, viridis_bytes(1.0 - pos))


class _MapPlot(pg.PlotWidget):
    """What the (alpha, mu) map and the sweep share: a white plot with Basin's fonts, no
    mouse panning, alpha along the bottom, and a legend drawn in the plot when exported (in
    the window a label beside the plot carries it: ``legendChanged``)."""

    def __init__(self, parent, interactive: bool, k: float, legend_in_plot: bool | None, theme: Theme) -> None:
        super().__init__(parent, background=theme.plot_bg)
        self.k = k
        self.theme = theme
        self._interactive = interactive
        self._legend_in_plot = not interactive if legend_in_plot is None else legend_in_plot
        self.legend_html = ""
        self.plot: pg.PlotItem = self.getPlotItem()
        self.plot.vb.setMouseEnabled(x=False, y=False)

    def _style_base(self) -> None:
        k, t = self.k, self.theme
        self.setBackground(t.plot_bg)
        style_plot(self.plot, k, cached=self._interactive, theme=t)
        _label(self.plot, "bottom", "learning rate α", k, t)

    def _title(self, text: str) -> None:
        self.plot.setTitle(text, size=f"{(FONT_PT + 1) * self.k:.1f}pt", color=self.theme.plot_fg)

    def set_look(self, k: float, theme: Theme) -> None:
        """The window's zoom or theme changed: restyle, and draw the result again."""
        if (k, theme) == (self.k, self.theme):
            return
        self.k, self.theme = k, theme
        self._apply_look()
        if self.result is not None:
            self.show_result(self.result)


class PhaseView(_MapPlot):
    """Steps to converge over log alpha and mu: quick settings bright, slow ones dark,
    diverged red, unconverged grey; the current setting as a crosshair, the quickest setting
    as a star and, on a quadratic, the theory's stability edge (dashed) and Polyak's best
    setting (diamond). A click picks ``(alpha, mu)``."""

    picked = Signal(float, float)
    hovered = Signal(float, float)
    legendChanged = Signal(str)  # the legend as rich text, for a label beside a small view

    def __init__(
        self, parent=None, interactive: bool = True, k: float = 1.0, legend_in_plot: bool | None = None,
        theme: Theme = LIGHT,
    ) -> None:
        super().__init__(parent, interactive, k, legend_in_plot, theme)
        self.plot.vb.setDefaultPadding(0.0)
        lo, hi = (math.log10(a) for a in ALPHA_RANGE)
        self.plot.getAxis("bottom").setTicks(log_ticks(lo, hi, 7))
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=_phase_colormap(), interactive=False, width=14 * k,
            colorMapMenu=False,
        )
        self.plot.layout.addItem(self.bar, 2, 5)
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.hline = pg.InfiniteLine(angle=0, movable=False)
        self.current = pg.ScatterPlotItem(symbol="o")
        self.fastest = pg.ScatterPlotItem(symbol="star")
        self.edge = pg.PlotCurveItem()
        self.best = pg.ScatterPlotItem(symbol="d")
        for z, item in enumerate((self.edge, self.vline, self.hline, self.current, self.best, self.fastest)):
            item.setZValue(10 + z)
            self.plot.addItem(item)
        self.legend: pg.LegendItem | None = None
        for item in (self.vline, self.hline, self.current):
            item.setVisible(False)
        self.result: PhaseResult | None = None
        self.current_setting: tuple[float, float] | None = None
        (x0, x1), (y0, y1) = self._extent(64)
        self.plot.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        self._apply_look()
        self.clear_result()
        if interactive:
            self.scene().sigMouseClicked.connect(self._on_click)
            self.scene().sigMouseMoved.connect(self._on_hover)

    def _apply_look(self) -> None:
        k, t = self.k, self.theme
        self._style_base()
        _label(self.plot, "left", "momentum μ", k, t)
        style_bar = self.bar.axis
        font = self.plot.getAxis("left").style.get("tickFont")
        style_bar.setStyle(tickFont=font, tickTextOffset=int(4 * k), autoExpandTextSpace=True)
        style_bar.setWidth(int(58 * k))  # room for "3000" in the scaled font
        style_bar.setTextPen(t.plot_fg)
        style_bar.setPen(pg.mkPen(t.axis, width=k))
        style_bar.setLabel("steps to converge", **{"font-size": f"{FONT_PT * k:.1f}pt", "color": t.plot_fg})
        ink = t.label_fg
        dash = pg.mkPen(ink, width=1.5 * k, style=Qt.PenStyle.DashLine)
        self.vline.setPen(dash)
        self.hline.setPen(dash)
        self.current.setSize(16 * k)
        self.current.setBrush(pg.mkBrush((*t.label_bg[:3], 90)))
        self.current.setPen(pg.mkPen(ink, width=2.5 * k))
        self.fastest.setSize(22 * k)
        self.fastest.setBrush(pg.mkBrush(t.marker_fill))
        self.fastest.setPen(pg.mkPen(t.marker_pen, width=k))
        self.edge.setPen(pg.mkPen(ink, width=2.5 * k, style=Qt.PenStyle.DashLine))
        self.best.setSize(16 * k)
        self.best.setBrush(pg.mkBrush("#ff9f1c"))
        self.best.setPen(pg.mkPen("#111111", width=k))
        if self.legend is not None:
            self.scene().removeItem(self.legend)
        self.legend = _legend(k, (8, -8), t)  # bottom left: tiny alpha, never converges anyway
        self.legend.setParentItem(self.plot.vb)
        self.legend.setZValue(100)
        self.legend.setVisible(self.result is not None and self._legend_in_plot)
        self._title(self.plot.titleLabel.text if self.result is not None else "")

    @staticmethod
    def _extent(n: int) -> tuple[tuple[float, float], tuple[float, float]]:
        lo, hi = (math.log10(a) for a in ALPHA_RANGE)
        dx = (hi - lo) / (n - 1) / 2
        dy = (MU_RANGE[1] - MU_RANGE[0]) / (n - 1) / 2
        return (lo - dx, hi + dx), (MU_RANGE[0] - dy, MU_RANGE[1] + dy)

    def show_result(self, result: PhaseResult) -> None:
        self.result = result
        x0, y0, w, h = result.cell_rect()
        self.image.setImage(result.rgba, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(x0, y0, w, h))
        self.plot.vb.setRange(xRange=(x0, x0 + w), yRange=(y0, y0 + h), padding=0.0)
        lo, hi = result.levels
        self.bar.setLevels((lo, hi))
        nice = [(math.log10(1 + s), f"{s:g}") for s in (1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000)]
        gap = 0.08 * (hi - lo)
        ticks = [t for t in nice if lo + gap <= t[0] <= hi - gap]
        ok = result.map.steps[result.map.steps >= 0]
        if ok.size:  # the two ends: the quickest setting and the budget
            ticks = [(lo, f"{int(ok.min())}"), *ticks]
        ticks.append((hi, f"{result.map.budget}"))
        self.bar.axis.setTicks([ticks, []])
        best = result.map.fastest()
        self.fastest.setData(pos=[] if best is None else [(math.log10(best[0]), best[1])])
        th = result.theory
        if th is not None:
            self.edge.setData(np.log10(th.edge), th.mus)
            self.best.setData(pos=[] if th.best is None else [(math.log10(th.best[0]), th.best[1])])
        else:
            self.edge.setData([], [])
            self.best.setData(pos=[])
        # a title's text sets the plot's minimum width: short in the window's narrow dock
        title = f"{result.map.optimizer}: steps to ‖∇L‖ &lt; tol"
        if not self._interactive:
            title = (f"{result.map.optimizer} on {result.landscape}: steps until ‖∇L‖ &lt; tol "
                     f"(at most {result.map.budget})")
        self._title(title)
        self._fill_legend()
        self._show_parts(True)

    def legend_rows(self) -> list[tuple[object, str, str]]:
        """``(sample item, symbol for rich text, text)`` for each legend row."""
        r = self.result
        if r is None:
            return []
        k = self.k
        rows: list[tuple[object, str, str]] = [
            (swatch_item(PHASE_DIVERGED_COLOR, k), f"<span style='color:{PHASE_DIVERGED_COLOR}'>■</span>", "diverged"),
            (swatch_item(PHASE_UNCONVERGED_COLOR, k), f"<span style='color:{PHASE_UNCONVERGED_COLOR}'>■</span>",
             f"not converged in {r.map.budget} steps"),
        ]
        best = r.map.fastest()
        if best is not None:
            rows.append((self.fastest, "☆", f"quickest: α={best[0]:.3g}, μ={best[1]:.3g}, {best[2]} steps"))
        if self.current_setting is not None:
            a, m = self.current_setting
            steps = r.steps_at(a, m)
            what = "—" if steps is None else (
                "diverged" if steps == -1 else "not converged" if steps < 0 else f"{steps} steps")
            rows.append((self.current, "◯", f"current: α={a:.3g}, μ={m:.3g}: {what}"))
        th = r.theory
        if th is not None:
            rule = "2(1+μ)/λmax" if th.best is not None else "(2+2μ)/((1+2μ)λmax)"
            rows.append((self.edge, "┄", f"theory: stable iff α &lt; {rule}, λmax={th.lam_max:.3g}"))
            if th.best is not None:
                rows.append((self.best, "<span style='color:#ff9f1c'>◆</span>",
                             f"Polyak's best: α={th.best[0]:.3g}, μ={th.best[1]:.3g}"))
        return rows

    def _fill_legend(self) -> None:
        self.legend.clear()
        rows = self.legend_rows()
        if self._legend_in_plot:
            for sample, _sym, text in rows:
                self.legend.addItem(sample, text)
        self.legend_html = "<br>".join(f"{sym} {text}" for _s, sym, text in rows)
        self.legendChanged.emit(self.legend_html)

    def set_current(self, alpha: float | None, mu: float | None) -> None:
        """Move the crosshair to the current setting (None hides it)."""
        if alpha is None or mu is None or alpha <= 0:
            self.current_setting = None
            for item in (self.vline, self.hline, self.current):
                item.setVisible(False)
            if self.result is not None:
                self._fill_legend()
            return
        if self.current_setting == (float(alpha), float(mu)) and self.current.isVisible():
            return  # the start moved, not the setting: nothing to redraw here
        self.current_setting = (float(alpha), float(mu))
        x = math.log10(alpha)
        self.vline.setPos(x)
        self.hline.setPos(mu)
        self.current.setData(pos=[(x, mu)])
        for item in (self.vline, self.hline, self.current):
            item.setVisible(True)
        if self.result is not None:
            self._fill_legend()

    def _show_parts(self, on: bool) -> None:
        for item in (self.image, self.fastest, self.edge, self.best):
            item.setVisible(on)
        self.legend.setVisible(on and self._legend_in_plot)

    def clear_result(self) -> None:
        """No picture (named so: ``PlotWidget`` binds ``clear`` to its plot's, which drops every item)."""
        self.result = None
        self.image.clear()
        self.legend.clear()
        self._show_parts(False)
        self.plot.setTitle("")
        self.legend_html = ""
        self.legendChanged.emit("")

    # -- mouse -----------------------------------------------------------------------------
    def _point(self, scene_pos: QPointF) -> tuple[float, float] | None:
        vb = self.plot.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        lo, hi = ALPHA_RANGE
        alpha = min(max(10 ** float(p.x()), lo), hi)
        mu = min(max(float(p.y()), 0.0), 0.999)
        return float(f"{alpha:.3g}"), round(mu, 3)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        pt = self._point(event.scenePos())
        if pt is not None:
            self.picked.emit(*pt)

    def _on_hover(self, scene_pos: QPointF) -> None:
        pt = self._point(scene_pos)
        if pt is not None:
            self.hovered.emit(*pt)

    def view_to_widget(self, alpha: float, mu: float) -> QPointF:
        """Widget coordinates of the setting ``(alpha, mu)``: for tests and scripts."""
        scene = self.plot.vb.mapViewToScene(QPointF(math.log10(alpha), mu))
        return QPointF(self.mapFromScene(scene))


# -- the learning-rate sweep ------------------------------------------------------------------


class SweepView(_MapPlot):
    """Final loss against alpha (log axis, 1e-5 to 10), one colour per optimizer: training
    solid, validation dashed (data models), a dot per alpha computed, an x in the optimizer's
    row at the top wherever it diverged, a ring at each racer's current alpha; the usual
    range 0.001-0.1 shaded. A click on a dot or an x picks that curve and alpha."""

    picked = Signal(int, float)  # curve index, alpha
    hovered = Signal(str)
    legendChanged = Signal(str)

    def __init__(
        self, parent=None, interactive: bool = True, k: float = 1.0, legend_in_plot: bool | None = None,
        theme: Theme = LIGHT,
    ) -> None:
        super().__init__(parent, interactive, k, legend_in_plot, theme)
        self._style_base()
        self.plot.showGrid(x=False, y=True, alpha=0.3)
        lo, hi = (math.log10(a) for a in ALPHA_RANGE)
        self.plot.getAxis("bottom").setTicks(log_ticks(lo, hi, 7))
        ulo, uhi = (math.log10(a) for a in USUAL_ALPHAS)
        self.region = pg.LinearRegionItem(
            (ulo, uhi), movable=False, brush=pg.mkBrush(255, 196, 60, 55), pen=pg.mkPen(None)
        )
        self.region.setZValue(-20)
        self.plot.addItem(self.region)
        self.region_label = pg.TextItem(f"usual range {USUAL_ALPHAS[0]:g} – {USUAL_ALPHAS[1]:g}", anchor=(0.5, 0.0))
        self._style_region()
        self.plot.addItem(self.region_label)
        # in a column of its own right of the plot: the top right holds the divergence rows
        self.legend = _legend(k, (0, 0), theme)
        legend_in_layout(self.legend)
        if self._legend_in_plot:
            self.plot.layout.addItem(self.legend, 2, 3)
            self.plot.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        self.train: list[pg.PlotCurveItem] = []
        self.validation: list[pg.PlotCurveItem] = []
        self.dots: list[pg.ScatterPlotItem] = []
        self.crosses: list[pg.ScatterPlotItem] = []
        self.rings = pg.ScatterPlotItem(symbol="o", size=18 * k, brush=None)
        self.rings.setZValue(20)
        self.plot.addItem(self.rings)
        self.result: SweepResult | None = None
        self.top = 0.0  # y of the first divergence row
        self.row_gap = 0.0
        self.current: list[tuple[int, float, str]] = []
        self.plot.vb.setRange(xRange=(lo, hi), yRange=(0, 1), padding=0.02)
        self._title("")
        self.clear_result()
        if interactive:
            self.scene().sigMouseClicked.connect(self._on_click)
            self.scene().sigMouseMoved.connect(self._on_hover)

    def _style_region(self) -> None:
        self.region_label.setColor(self.theme.warn)
        font = self.region_label.textItem.font()
        font.setPointSizeF(FONT_PT * self.k)
        self.region_label.setFont(font)

    def _apply_look(self) -> None:
        self._style_base()
        self._style_region()
        k = self.k
        for d in self.dots:
            d.setSize(7 * k)
        for x in self.crosses:
            x.setSize(11 * k)
        self.rings.setSize(18 * k)

    def _ensure_items(self, n: int) -> None:
        k = self.k
        while len(self.train) < n:
            t = pg.PlotCurveItem(connect="finite", antialias=True)
            v = pg.PlotCurveItem(connect="finite", antialias=True)
            d = pg.ScatterPlotItem(symbol="o", size=7 * k, pen=None)
            x = pg.ScatterPlotItem(symbol="x", size=11 * k, pen=None)
            for z, item in enumerate((v, t, d, x)):
                item.setZValue(z)
                self.plot.addItem(item)
            self.train.append(t)
            self.validation.append(v)
            self.dots.append(d)
            self.crosses.append(x)
        while len(self.train) > n:
            for items in (self.train, self.validation, self.dots, self.crosses):
                self.plot.removeItem(items.pop())

    def show_result(self, result: SweepResult) -> None:
        """Draw a finished sweep."""
        self.result = result
        k = self.k
        sw = result.sweep
        n_curves = len(sw.names)
        self._ensure_items(n_curves)
        x = result.log_alphas
        ys = [result.train_y] + ([result.validation_y] if result.validation_y is not None else [])
        finite = np.concatenate([y[np.isfinite(y)] for y in ys])
        ylo, yhi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if yhi - ylo < 1e-9:
            ylo, yhi = ylo - 0.5, yhi + 0.5
        span = yhi - ylo
        self.row_gap = 0.05 * span
        self.top = yhi + 0.1 * span
        for i in range(n_curves):
            color = self.theme.racer(result.colors[i])
            self.train[i].setPen(pg.mkPen(color, width=2.5 * k))
            self.train[i].setData(x, result.train_y[i], connect="finite")
            if result.validation_y is not None:
                self.validation[i].setPen(pg.mkPen(color, width=2.0 * k, style=Qt.PenStyle.DashLine))
                self.validation[i].setData(x, result.validation_y[i], connect="finite")
            else:
                self.validation[i].setData([], [])
            self.validation[i].setVisible(result.validation_y is not None)
            ok = np.isfinite(result.train_y[i])
            self.dots[i].setData(x[ok], result.train_y[i][ok], brush=pg.mkBrush(color))
            div = result.diverged[i]
            self.crosses[i].setData(x[div], np.full(int(div.sum()), self.row(i)), brush=pg.mkBrush(color))
            for item in (self.train[i], self.dots[i], self.crosses[i]):
                item.setVisible(True)
        ytop = self.row(max(n_curves - 1, 0)) + 0.1 * span
        self.plot.vb.setRange(xRange=(float(x.min()), float(x.max())), yRange=(ylo - 0.05 * span, ytop), padding=0.02)
        self.plot.getAxis("bottom").setTicks(log_ticks(float(x.min()), float(x.max()), 7))
        self.plot.getAxis("left").setTicks(log_ticks(ylo - 0.05 * span, yhi, 6) if result.log_y else None)
        _label(self.plot, "left", result.y_label, k, self.theme)
        ulo, uhi = (math.log10(a) for a in USUAL_ALPHAS)
        self.region_label.setPos((ulo + uhi) / 2, ytop)
        self.region_label.setVisible(True)
        title = f"final loss after {sw.budget} steps" if self._interactive else f"{result.landscape}: {result.title()}"
        self._title(title)
        self.legend.clear()
        html = []
        for i in range(n_curves):
            self.legend.addItem(self.train[i], sw.names[i])
            html.append(f"<span style='color:{self.theme.racer(result.colors[i])}'>━</span> {sw.names[i]}")
        if result.diverged.any():
            self.legend.addItem(swatch_item("#444444", k, symbol="x", size=13, pen="#444444"), "diverged")
            html.append("✕ diverged (one row per optimizer, at the top)")
        if result.validation_y is not None:
            html.append("solid: training loss, dashed: validation loss")
        # as tall as its rows: a layout would otherwise stretch them over the plot's height
        hint = self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        self.legend.setMaximumHeight(hint.height() + 8 * k)
        self.legend.setMaximumWidth(hint.width() + 8 * k)
        self.legend.setVisible(self._legend_in_plot)
        self.legend_html = " &nbsp; ".join(html)
        self.legendChanged.emit(self.legend_html)
        self._place_rings()

    def row(self, i: int) -> float:
        """The y of curve ``i``'s divergence row, above the data."""
        return self.top + i * self.row_gap

    def set_current(self, marks: list[tuple[int, float, str]]) -> None:
        """Rings at the racers' current alphas: ``(curve index, alpha, colour)`` each."""
        self.current = list(marks)
        self._place_rings()

    def ring_positions(self) -> list[tuple[float, float]]:
        x, y = self.rings.getData()
        return [(float(a), float(b)) for a, b in zip(x, y, strict=True)]

    def _place_rings(self) -> None:
        r = self.result
        if r is None:
            self.rings.setData(pos=[])
            return
        x = r.log_alphas
        pos, pens = [], []
        for i, a, color in self.current:
            if not 0 <= i < len(r.sweep.names) or a <= 0:
                continue
            xa = math.log10(a)
            y = r.train_y[i]
            j = int(np.argmin(np.abs(x - xa)))
            ok = np.isfinite(y)
            ya = self.row(i) if not ok[j] else float(np.interp(xa, x[ok], y[ok]))
            pos.append((xa, ya))
            pens.append(pg.mkPen(self.theme.racer(color), width=2.5 * self.k))
        self.rings.setData(pos=pos, pen=pens)

    def clear_result(self) -> None:
        """No picture (``clear`` is the plot's own, which drops every item)."""
        self.result = None
        for items in (self.train, self.validation, self.dots, self.crosses):
            for item in items:
                item.setVisible(False)
        self.rings.setData(pos=[])
        self.region_label.setVisible(False)
        self.legend.clear()
        self.legend.setVisible(False)
        self.plot.setTitle("")
        self.legend_html = ""
        self.legendChanged.emit("")

    # -- mouse -----------------------------------------------------------------------------
    def candidates(self) -> list[tuple[int, float, float, float]]:
        """Every clickable point: ``(curve index, alpha, x, y)`` in plot coordinates."""
        r = self.result
        if r is None:
            return []
        out = []
        x = r.log_alphas
        for i in range(len(r.sweep.names)):
            for j, a in enumerate(r.sweep.alphas):
                y = self.row(i) if r.diverged[i, j] else r.train_y[i, j]
                if np.isfinite(y):
                    out.append((i, float(a), float(x[j]), float(y)))
        return out

    def _nearest(self, scene_pos: QPointF, radius: float = 14.0) -> tuple[int, float] | None:
        vb = self.plot.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        best, best_d = None, radius * self.k
        for i, a, x, y in self.candidates():
            p = vb.mapViewToScene(QPointF(x, y))
            d = math.hypot(p.x() - scene_pos.x(), p.y() - scene_pos.y())
            if d < best_d:
                best, best_d = (i, a), d
        return best

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        hit = self._nearest(event.scenePos())
        if hit is not None:
            self.picked.emit(hit[0], float(f"{hit[1]:.3g}"))

    def _on_hover(self, scene_pos: QPointF) -> None:
        hit = self._nearest(scene_pos)
        r = self.result
        if hit is None or r is None:
            return
        i, a = hit
        j = int(np.argmin(np.abs(r.sweep.alphas - a)))
        name = r.sweep.names[i]
        if r.diverged[i, j]:
            text = f"{name}, α = {a:.3g}: diverged at step {int(r.sweep.stop[i, j])}. Click to try it."
        else:
            val = "" if r.sweep.validation is None else f", validation {r.sweep.validation[i, j]:.4g}"
            text = f"{name}, α = {a:.3g}: final loss {r.sweep.train[i, j]:.4g}{val}. Click to try it."
        self.hovered.emit(text)

    def view_to_widget(self, x: float, y: float) -> QPointF:
        """Widget coordinates of the plot point ``(x, y)`` (x is log10 alpha)."""
        scene = self.plot.vb.mapViewToScene(QPointF(x, y))
        return QPointF(self.mapFromScene(scene))
