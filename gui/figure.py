"""The exported figure: the contour view with its trajectories and the training curves,
as PNG (at a chosen pixel width) or SVG. One code path for the window's File > Export and
the command line's ``--png/--svg`` (:func:`save_figure`).

The figure is laid out by fresh, hidden views (the same classes as the window's) at a fixed
logical size. For a PNG wider than that, the views are built with every font, pen and marker
scaled by the same factor and laid out at full size: pyqtgraph's pens are cosmetic, so
scaling a painter would leave hair-thin lines on a large image.

SVG: pyqtgraph 0.14's SVGExporter is broken on Qt >= 6.11 (pyqtgraph issue #3495), so the
widget is painted into a ``QSvgGenerator`` instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
    QWidget,
)

from engine.landscapes import Landscape
from engine.simulation import Run
from gui.plots import ContourView, CurveView
from gui.settings import color_for, label_from_engine
from gui.surface import Surface, build_surface
from gui.tracks import Track, make_tracks

WHATS = ("both", "contour", "curves")
FORMATS = ("png", "svg")
MIN_WIDTH, MAX_WIDTH = 16, 20000  # as the command line's --width
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
# logical size of each panel at scale 1
PANEL_W = {"contour": 760, "curves": 640}
PANEL_H = 680

_app: QApplication | None = None  # the application save_figure made, kept alive


class ExportDialog(QDialog):
    """Which part to export (from ``parts``, ``(label, key)`` pairs), in which format, and
    how wide; the window's figure and the analysis views both ask with it."""

    def __init__(
        self, parent: QWidget | None, title: str, parts: tuple[tuple[str, str], ...], current: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.what = QComboBox()
        for label, key in parts:
            self.what.addItem(label, key)
        if current is not None:
            self.what.setCurrentIndex([k for _, k in parts].index(current))
        self.fmt = QComboBox()
        self.fmt.addItem("PNG (raster)", "png")
        self.fmt.addItem("SVG (vector)", "svg")
        self.width_box = QSpinBox()
        self.width_box.setRange(MIN_WIDTH, MAX_WIDTH)
        self.width_box.setValue(1600)
        self.width_box.setSuffix(" px")
        self.fmt.currentIndexChanged.connect(self._on_fmt)
        form.addRow("export", self.what)
        form.addRow("format", self.fmt)
        form.addRow("width", self.width_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_fmt(self) -> None:
        self.width_box.setEnabled(self.fmt.currentData() == "png")

    def choice(self) -> tuple[str, str, int]:
        return self.what.currentData(), self.fmt.currentData(), self.width_box.value()


def _ensure_app() -> QApplication:
    global _app
    app = QApplication.instance()
    if app is None:
        # headless by contract: never open a window, whatever the display
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = app = QApplication([])
    return app  # type: ignore[return-value]


def check_request(path: str | Path, what: str, width: int, fmt: str | None) -> str:
    """Validate an export request; returns the format. Raises ``ValueError``."""
    if what not in WHATS:
        raise ValueError(f"invalid figure part {what!r} (choose from {', '.join(WHATS)})")
    if fmt is None:
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(f"cannot tell the format of {str(path)!r}: use a .png or .svg name")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"invalid format {fmt!r} (choose from {', '.join(FORMATS)})")
    if isinstance(width, bool) or not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"invalid width {width!r} (a whole number of pixels in [{MIN_WIDTH}, {MAX_WIDTH}])")
    return fmt


class _Offscreen(QWidget):
    """A figure's views in a row on white, never shown on screen, laid out at its logical
    size times ``k`` and rendered to PNG or SVG by :meth:`render_bytes`."""

    def __init__(self, what: str, k: float) -> None:
        super().__init__()
        self.what = what
        self.k = k
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.setStyleSheet("background: white;")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(0)

    def _size(self, w: int, h: int) -> None:
        self.logical = QSize(w, h)
        self.resize(round(w * self.k), round(h * self.k))

    def _settle(self) -> None:
        # Lay out at the final size without showing anything: render() delivers the pending
        # resize events of a hidden widget tree, then pyqtgraph's scene layouts run. (Showing
        # the widget, even off screen, makes the offscreen platform warn on every size hint.)
        scratch = QImage(1, 1, QImage.Format.Format_ARGB32)
        painter = QPainter(scratch)
        self.render(painter, QPoint())
        painter.end()
        QApplication.processEvents()

    def render_bytes(self, fmt: str, width: int | None = None) -> bytes:
        """The figure as PNG (``width`` pixels wide, default its own width) or SVG."""
        self._settle()
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        if fmt == "svg":
            gen = QSvgGenerator()
            gen.setOutputDevice(buf)
            gen.setSize(self.size())
            gen.setViewBox(QRect(0, 0, self.width(), self.height()))
            gen.setResolution(self.logicalDpiX())
            gen.setTitle("Basin figure")
            painter = QPainter(gen)
            self.render(painter, QPoint())
            painter.end()
        else:
            width = width or self.width()
            scale = width / self.width()
            img = QImage(width, max(1, round(self.height() * scale)), QImage.Format.Format_ARGB32)
            img.fill(Qt.GlobalColor.white)
            painter = QPainter(img)
            painter.setRenderHints(
                QPainter.RenderHint.Antialiasing
                | QPainter.RenderHint.TextAntialiasing
                | QPainter.RenderHint.SmoothPixmapTransform
            )
            if scale != 1.0:
                painter.scale(scale, scale)
            self.render(painter, QPoint())
            painter.end()
            img.save(buf, "PNG")
        buf.close()
        return bytes(QByteArray(buf.data()).data())


class FigureWidget(_Offscreen):
    """The contour view and the curves side by side."""

    def __init__(self, what: str = "both", k: float = 1.0) -> None:
        super().__init__(what, k)
        self.contour = ContourView(interactive=False, k=k) if what in ("both", "contour") else None
        self.curves = CurveView(k=k, cached=False) if what in ("both", "curves") else None
        w = 0
        if self.contour is not None:
            self.row.addWidget(self.contour, PANEL_W["contour"])
            w += PANEL_W["contour"]
        if self.curves is not None:
            self.row.addWidget(self.curves, PANEL_W["curves"])
            w += PANEL_W["curves"]
        self._size(w, PANEL_H)

    def show_data(
        self,
        surface: Surface,
        landscape: Landscape,
        tracks: tuple[Track, ...],
        steps: int,
        *,
        step: int | None = None,
        tol: float | None = None,
        view: tuple[tuple[float, float], tuple[float, float]] | None = None,
    ) -> None:
        k = steps if step is None else step
        if self.contour is not None:
            self.contour.set_surface(surface, landscape)
            self.contour.set_tracks(tracks)
            self.contour.reveal(k)
            if view is not None:
                self.contour.plot.vb.setRange(xRange=view[0], yRange=view[1], padding=0.0)
        if self.curves is not None:
            self.curves.set_surface(surface)
            self.curves.set_tol(tol)
            self.curves.set_tracks(tracks, steps)
            self.curves.reveal(k)
            self.curves.show_cursor(step is not None and step < steps)


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
    view: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> bytes:
    """Render the figure; the window's export and :func:`save_figure` both come here."""
    _ensure_app()
    logical_w = sum(PANEL_W[p] for p in (("contour", "curves") if what == "both" else (what,)))
    # Lay out at the target size with every size scaled (sharp lines at any width), except
    # for thumbnails: below half size the layout would have no room, so a half-size layout
    # is painted scaled down.
    k = 1.0 if fmt == "svg" else max(width / logical_w, 0.5)
    fig = FigureWidget(what, k)
    try:
        fig.show_data(surface, landscape, tracks, steps, step=step, tol=tol, view=view)
        return fig.render_bytes(fmt, width if fmt == "png" else None)
    finally:
        fig.close()
        fig.deleteLater()


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write the file; an unwritable path raises ``OSError`` naming it."""
    Path(path).write_bytes(data)


def save_figure(
    landscape: Landscape,
    run: Run,
    path: str | Path,
    *,
    what: str = "both",
    width: int = 1600,
    fmt: str | None = None,
    colors: list[str] | tuple[str, ...] | None = None,
) -> None:
    """Write the figure of ``run`` on ``landscape`` (contour and trajectories, training
    curves, or both side by side) as PNG ``width`` pixels wide, or SVG.

    ``fmt`` is ``"png"`` or ``"svg"``, taken from the suffix of ``path`` when None;
    ``colors`` gives one colour per row of the run (default: each optimizer's own colour).
    Works headless (creates an offscreen QApplication when there is none). Raises
    ``ValueError`` on a bad ``what``, format or width and ``OSError`` when the file cannot be
    written.
    """
    fmt = check_request(path, what, width, fmt)
    n = run.theta.shape[0]
    names = [label.partition("(")[0] for label in run.names]
    if colors is None:
        taken: set[str] = set()
        colors = []
        for name in names:
            c = color_for(name, taken)
            taken.add(c)
            colors.append(c)
    elif len(colors) != n:
        raise ValueError(f"colors has {len(colors)} entries, the run has {n} rows")
    surface = build_surface(landscape)
    tracks = make_tracks(landscape, surface, run, [label_from_engine(x) for x in run.names], list(colors))
    data = figure_bytes(surface, landscape, tracks, run.steps, what=what, width=width, fmt=fmt)
    write_bytes(path, data)


# -- the analysis figures: basins over the contour view, the (alpha, mu) map, the sweep ------

ANALYSIS_WHATS = ("basins", "phase", "sweep")
# logical size of each analysis figure at scale 1
ANALYSIS_SIZE = {"basins": (760, 680), "phase": (860, 640), "sweep": (900, 600)}


def check_analysis_request(path: str | Path, what: str, width: int, fmt: str | None) -> str:
    """Validate an analysis export request; returns the format. Raises ``ValueError``."""
    if what not in ANALYSIS_WHATS:
        raise ValueError(f"invalid analysis figure {what!r} (choose from {', '.join(ANALYSIS_WHATS)})")
    return check_request(path, "both", width, fmt)


class AnalysisFigure(_Offscreen):
    """One analysis view, laid out and rendered as :class:`FigureWidget` is, so PNG and
    SVG come out alike."""

    def __init__(self, what: str, k: float = 1.0) -> None:
        from gui.analysis_views import BasinOverlay, PhaseView, SweepView

        super().__init__(what, k)
        self.overlay = None
        if what == "basins":
            self.view = ContourView(interactive=False, k=k)
            self.overlay = BasinOverlay(self.view)
        elif what == "phase":
            self.view = PhaseView(interactive=False, k=k)
        else:
            self.view = SweepView(interactive=False, k=k)
        self.row.addWidget(self.view)
        self._size(*ANALYSIS_SIZE[what])


def analysis_figure_bytes(
    what: str,
    result: object,
    *,
    fmt: str = "png",
    width: int = 1200,
    surface: Surface | None = None,
    landscape: Landscape | None = None,
    tracks: tuple[Track, ...] = (),
    steps: int = 0,
    step: int | None = None,
    view: tuple[tuple[float, float], tuple[float, float]] | None = None,
    opacity: float = 0.65,
    current: object = None,
) -> bytes:
    """Render an analysis figure; the window's Analysis > Export and the command line's
    ``basins/phase/sweep --png/--svg`` both come here.

    ``basins``: ``result`` is a ``BasinResult`` drawn over the contour view of ``landscape``
    (``surface`` is built when not given), with ``tracks`` up to ``step`` if any, over
    ``view`` (default: the map's box). ``phase``: a ``PhaseResult``, ``current`` the
    crosshair's ``(alpha, mu)``. ``sweep``: a ``SweepResult``, ``current`` the rings'
    ``(curve, alpha, colour)`` list.
    """
    _ensure_app()
    logical_w = ANALYSIS_SIZE[what][0]
    k = 1.0 if fmt == "svg" else max(width / logical_w, 0.5)
    fig = AnalysisFigure(what, k)
    try:
        if what == "basins":
            if landscape is None:
                raise ValueError("a basin figure needs its landscape")
            surface = surface if surface is not None else build_surface(landscape)
            c = fig.view
            c.set_surface(surface, landscape)
            c.set_tracks(tracks)
            c.reveal(steps if step is None else step)
            c.start.setVisible(bool(tracks))
            fig.overlay.set_opacity(opacity)
            fig.overlay.show_result(result)
            box = view if view is not None else result.box
            c.plot.vb.setRange(xRange=box[0], yRange=box[1], padding=0.0)
        elif what == "phase":
            fig.view.show_result(result)
            if current is not None:
                fig.view.set_current(*current)
        else:
            fig.view.show_result(result)
            if current is not None:
                fig.view.set_current(current)
        return fig.render_bytes(fmt, width if fmt == "png" else None)
    finally:
        fig.close()
        fig.deleteLater()


def save_analysis_figure(
    what: str, result: object, path: str | Path, *, width: int = 1200, fmt: str | None = None,
    landscape: Landscape | None = None,
) -> None:
    """Write an analysis figure (``basins``, ``phase`` or ``sweep``) as PNG ``width`` pixels
    wide or SVG; works headless. Raises ``ValueError`` on a bad request, ``OSError`` when the
    file cannot be written."""
    fmt = check_analysis_request(path, what, width, fmt)
    write_bytes(path, analysis_figure_bytes(what, result, fmt=fmt, width=width, landscape=landscape))
