"""Curvature readouts: the Hessian's eigenvalues, the condition number and the kind of point
at the head of each trajectory and under the cursor.

A critical point is a minimum when both eigenvalues are positive, a maximum when both are
negative, a saddle when they have opposite signs; near-zero eigenvalues make it flat (a
plateau) or degenerate (a valley floor, a ridge). ``engine.analysis.curvature`` does the
2 x 2 eigen-decomposition; this module only formats and throttles it, so that an animation at
60 frames per second spends a few microseconds per frame here, not a relayout.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine.analysis import curvature
from engine.landscapes import Landscape
from gui.tracks import Track
from gui.widgets import LineText, swatch

# the theme's colour (gui.look.Theme) for each kind of point
KIND_COLORS = {
    "minimum": "good",
    "saddle": "warn",
    "maximum": "bad",
    "flat": "hint",
    "degenerate": "degenerate",
    "diverged": "bad",
    "-": "hint",
}


def kind_color(kind: str) -> str:
    from gui.look import current

    return getattr(current().theme, KIND_COLORS.get(kind, "hint"))

# At most this many readout refreshes per second while animating or hovering; the last
# position is always shown (a trailing refresh follows a burst).
RATE_HZ = 12


# Away from a critical point the eigenvalues describe only the shape of the surface there:
# "saddle" would claim a saddle point where the gradient still pulls, so the shape gets its
# own word.
SHAPES = {
    "minimum": "bowl",
    "saddle": "saddle-like",
    "maximum": "dome",
    "flat": "flat",
    "degenerate": "degenerate",
    "-": "—",
}


@dataclass(frozen=True)
class Reading:
    """What the readout says about one point, as text. ``kind`` is the kind of point the
    eigenvalues make (``engine.landscapes.point_kind``); ``critical`` whether the gradient
    is zero there (below the tolerance); ``label`` the word shown: the kind at a critical
    point, else the shape (:data:`SHAPES`)."""

    lam1: str
    lam2: str
    kappa: str
    kind: str
    critical: bool = False

    @property
    def label(self) -> str:
        return self.kind if self.critical and self.kind != "-" else SHAPES.get(self.kind, self.kind)


NO_READING = Reading("—", "—", "—", "-")
# the head of a run that diverged: its last finite point is already far out, and its
# curvature there says nothing useful
DIVERGED_READING = Reading("—", "—", "—", "diverged")


def _compact(text: str) -> str:
    """``-4.37e-05`` -> ``−4.37e−5``: short, and with a real minus sign."""
    mant, e, exp = text.partition("e")
    if e:
        text = f"{mant}e{int(exp)}"
    return text.replace("-", "−")


def fmt_eigen(v: float) -> str:
    if not math.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    return _compact(f"{v:+.3g}")


def fmt_kappa(c: float) -> str:
    if math.isnan(c):
        return "—"
    if math.isinf(c):
        return "∞"
    return _compact(f"{c:.3g}")


def read_points(landscape: Landscape | None, points: np.ndarray, tol: float = 1e-6) -> list[Reading]:
    """One :class:`Reading` per point ``(B, 2)``; a point counts as critical where the
    gradient norm is below ``tol`` (the simulation's convergence test). A point outside the
    landscape's domain (not finite, or a Hessian that overflows) reads as dashes."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if landscape is None or landscape.dim != 2 or pts.shape[0] == 0:
        return [NO_READING] * pts.shape[0]
    out = [NO_READING] * pts.shape[0]
    ok = np.all(np.isfinite(pts), axis=1)
    if not ok.any():
        return out
    try:
        c = curvature(landscape, pts[ok])
        with np.errstate(all="ignore"):
            gn = np.hypot(*np.asarray(landscape.grad(pts[ok]), dtype=np.float64).T)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        return out
    for j, i in enumerate(np.nonzero(ok)[0]):
        lo, hi = (float(v) for v in c.eigenvalues[j])
        out[i] = Reading(
            fmt_eigen(lo), fmt_eigen(hi), fmt_kappa(float(c.condition[j])), str(c.kind[j]), bool(gn[j] < tol)
        )
    return out


def crosshair(size: int = 16) -> QPixmap:
    """The cursor row's mark: a small circle with a cross."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    from gui.look import current

    p.setPen(QPen(QColor(current().theme.text), 1.5))
    c = size / 2
    p.drawEllipse(QPointF(c, c), c - 3, c - 3)
    p.drawLine(QPointF(c, 0.5), QPointF(c, size - 0.5))
    p.drawLine(QPointF(0.5, c), QPointF(size - 0.5, c))
    p.end()
    return pm


class ReadoutPane(QWidget):
    """A line per trajectory (its head at the step shown) and one for the cursor: the two
    eigenvalues of the Hessian, the condition number and the kind of point."""

    COLUMNS = ("", "λ₁", "λ₂", "κ", "kind")
    heightChanged = Signal(int)  # its fixed height changed (rows added, a new font)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readouts")
        self.setAutoFillBackground(True)  # opaque: see StatusPane
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 2, 8, 6)
        outer.setSpacing(2)
        # the cursor's coordinates lengthen it as the mouse moves: cut rather than widen the
        # dock, which would shrink both plots and repaint them on every mouse move
        self.title = LineText()
        self.title.set_role("hint")
        outer.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(4, 1)
        outer.addLayout(self.grid)
        self.setToolTip(
            "Eigenvalues λ₁ ≤ λ₂ of the Hessian (the curvature along its two main directions), "
            "the condition number κ = |λ|max/|λ|min, and the kind of point they make where the "
            "gradient is zero: both positive a minimum, both negative a maximum, opposite signs "
            "a saddle. Where the gradient is not zero they give only the shape: bowl, "
            "saddle-like, dome."
        )
        self.heading = self._new_row()
        for col, (text, lab) in enumerate(zip(self.COLUMNS, self.heading, strict=True)):
            lab.setText(text)
            if isinstance(lab, LineText):
                lab.set_role("head")
            else:
                lab.setProperty("role", "head")
            self.grid.addWidget(lab, 0, col)
        self.rows: list[tuple[QLabel | LineText, ...]] = []
        self.cursor_row = self._new_row()
        self.cursor_row[0].setPixmap(crosshair(self._icon_px()))
        self.cursor_row[0].setToolTip("under the mouse cursor")
        self.landscape: Landscape | None = None
        self.tracks: tuple[Track, ...] = ()
        self.step = 0
        self.tol = 1e-6
        self.cursor: tuple[float, float] | None = None
        # readings as shown, for tests and for skipping unchanged labels
        self.head_readings: list[Reading] = []
        self.cursor_reading: Reading = NO_READING
        self._pending = False
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._trailing)
        self._layout_rows()

    # -- rows ------------------------------------------------------------------------------
    def _icon_px(self) -> int:
        return max(10, round(self.fontMetrics().height() * 0.8))

    def _new_row(self) -> tuple[QLabel | LineText, ...]:
        row = (*(QLabel() for _ in self.COLUMNS[:-1]), LineText())
        for col, lab in enumerate(row):
            if col in (1, 2, 3):
                lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._size_row(row)
        return row

    def _size_row(self, row) -> None:
        # fixed sizes, from the font: a new number must not relayout the window (the plots
        # would repaint)
        fm = self.fontMetrics()
        widths = (self._icon_px() + 2, fm.horizontalAdvance("−8.88e−8") + 2, fm.horizontalAdvance("−8.88e−8") + 2,
                  fm.horizontalAdvance("8.88e8") + 2, fm.horizontalAdvance("saddle-like") + 2)
        for col, (lab, w) in enumerate(zip(row, widths, strict=True)):
            if col < 4:
                lab.setFixedSize(w, fm.height() + 2)
            else:
                lab.setMinimumWidth(w)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange) and hasattr(self, "cursor_row"):
            for row in (self.heading, *self.rows, self.cursor_row):
                self._size_row(row)
            px = self._icon_px()
            self.cursor_row[0].setPixmap(crosshair(px))
            for row in self.rows:
                row[0].setProperty("color", None)  # drawn again at the new size and theme
                row[4].setProperty("style", None)
            self.cursor_row[4].setProperty("style", None)
            self._show(self.cursor_row, self.cursor_reading)
            self._layout_rows()
            if self.tracks:
                self.set_tracks(self.landscape, self.tracks, self.tol)

    def _layout_rows(self) -> None:
        for col, w in enumerate(self.cursor_row):
            self.grid.removeWidget(w)
            self.grid.addWidget(w, len(self.rows) + 1, col)
        line = self.fontMetrics().height() + self.grid.verticalSpacing()
        self.setFixedHeight((len(self.rows) + 3) * line + 12)
        self.heightChanged.emit(self.height())

    def set_tracks(self, landscape: Landscape | None, tracks: tuple[Track, ...], tol: float = 1e-6) -> None:
        """A new frame: one row per racer, in the status lines' order; ``tol`` is the run's
        convergence test, below which a gradient counts as zero."""
        self.landscape = landscape
        self.tracks = tracks
        self.tol = tol
        changed = len(self.rows) != len(tracks)
        while len(self.rows) > len(tracks):
            for w in self.rows.pop():
                self.grid.removeWidget(w)
                w.deleteLater()
        while len(self.rows) < len(tracks):
            row = self._new_row()
            for col, w in enumerate(row):
                self.grid.addWidget(w, len(self.rows) + 1, col)
            self.rows.append(row)
        for row, t in zip(self.rows, tracks, strict=True):
            from gui.look import current

            color = current().theme.racer(t.color)
            if row[0].property("color") != color:
                row[0].setPixmap(swatch(color, self._icon_px()))
                row[0].setProperty("color", color)
        if changed:
            self._layout_rows()
        # at most RATE_HZ updates a second, the last one always: a drag delivers frames
        # faster than anyone reads eigenvalues, and each update costs a millisecond
        self.refresh()

    # -- updates (throttled) ---------------------------------------------------------------
    @Slot(int)
    def show_step(self, k: int) -> None:
        """The views show step ``k``: read the curvature at every head."""
        self.step = k
        self.refresh()

    @Slot(float, float, float)
    def show_cursor(self, x: float, y: float, _loss: float = 0.0) -> None:
        self.cursor = (float(x), float(y))
        self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Update now, unless the last update was less than 1/RATE_HZ ago: then once more
        when that time is up, with the latest step and cursor."""
        now = time.monotonic()
        if force or now - self._last >= 1.0 / RATE_HZ:
            self._timer.stop()
            self._pending = False
            self._update()
            self._last = now
        elif not self._timer.isActive():
            self._pending = True
            self._timer.start(max(1, int((1.0 / RATE_HZ - (now - self._last)) * 1000)))

    def _trailing(self) -> None:
        if self._pending:
            self._pending = False
            self._update()
            self._last = time.monotonic()

    def _update(self) -> None:
        pts = [t.xy[t.upto(self.step) - 1] for t in self.tracks]
        if self.cursor is not None:
            pts.append(self.cursor)
        readings = read_points(self.landscape, np.array(pts, dtype=np.float64).reshape(-1, 2), self.tol)
        heads = [
            DIVERGED_READING if t.diverged and t.upto(self.step) >= t.n else r
            for t, r in zip(self.tracks, readings, strict=False)
        ]
        for row, r in zip(self.rows, heads, strict=True):
            self._show(row, r)
        self.head_readings = heads
        title = "at the head of each trajectory" if self.tracks else ""
        if self.tracks and self.step == 0:
            title = "at the start of each trajectory"
        if self.cursor is not None:
            self.cursor_reading = readings[-1]
            self._show(self.cursor_row, self.cursor_reading)
            x, y = self.cursor
            title += f";  cursor at ({x:.3g}, {y:.3g})"
        if self.title.text() != title:
            self.title.setText(title)

    @staticmethod
    def _show(row: tuple[QLabel, ...], r: Reading) -> None:
        for lab, text in zip(row[1:], (r.lam1, r.lam2, r.kappa, r.label), strict=True):
            if lab.text() != text:
                lab.setText(text)
        kind = row[4]
        style = (r.kind, r.critical)
        if kind.property("style") != style:
            kind.setProperty("style", style)
            kind.set_style(kind_color(r.kind), bold=r.critical)
            kind.setToolTip(
                f"zero gradient: a {r.kind} point" if r.critical
                else f"the gradient is not zero here: the surface is only shaped like a {r.kind}"
            )
