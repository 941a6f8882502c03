"""The network view's slower readouts, computed off the GUI thread when their tab is shown:
curvature over training, the symmetry of the hidden units, the gradient of each layer.

* Curvature: each racer's largest Hessian eigenvalue ``lambda_max`` along its run (Lanczos on
  exact Hessian-vector products) beside its stability limit (``2/alpha`` for gradient descent,
  ``2(1 + mu)/alpha`` for momentum: engine.network.reports.sharpness), and at each racer's end
  the smallest eigenvalue too; for a run that stalled, the kind of the critical point it
  stopped near, as ``main.py train`` judges it (engine.network.curvature.critical_points): a
  minimum (all curvatures positive), a saddle (a direction that still goes down), a degenerate
  point (zeros and one sign) or a plateau.
* Symmetry: the shown racer's trained net, the same net with its hidden units permuted (the
  same loss) and the average of all permutations (worse: the loss is not convex); on request,
  the loss along the line to a second net trained from another seed, before and after aligning
  its units (it trains again: a second or two).
* Gradients by layer: each layer's gradient norm along the runs (saturated units and vanishing
  gradients show as the first layers' norms far below the last's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.network.curvature import (
    CriticalPoints,
    Extremes,
    critical_points,
    extreme_eigenvalues,
    layer_grad_norms,
    point_kind,
)
from engine.network.metrics import Metrics
from engine.network.reports import (
    AlignmentReport,
    SharpnessReport,
    SymmetryReport,
    alignment,
    sharpness,
    symmetry,
)
from engine.network.training import Training
from engine.optimizers import Optimizer
from engine.simulation import Status
from gui.look import LIGHT, Theme
from gui.netstate import NetFrame, racer_optimizer
from gui.netview import _log, _note_font, _Pane
from gui.plots import FONT_PT, _mantissa_label, follow_step_ticks, legend_outside, linear_ticks, log_ticks

KINDS = ("curvature", "symmetry", "alignment", "layers")

# each plot's title, from the longest form to the shortest (the longest that fits is shown)
CURVATURE_TITLES = ("largest curvature λmax (solid) and the stability limit (dashed)",
                    "λmax (solid) and the stability limit (dashed)", "λmax and its limit")
LINE_TITLES = ("loss on the line to a second trained net", "loss on the line to a second net", "loss on the line")
LAYER_TITLES = ("gradient norm per layer (the shown racer)", "gradient norm per layer", "gradient norms")
ALL_LAYER_TITLES = ("first layer (dashed) and output layer (solid) of every racer",
                    "first (dashed) and output layer (solid)", "first and output layer")
BAR_NAMES = ("trained", "units permuted", "average of all")  # the symmetry bars, top to bottom


@dataclass(frozen=True)
class ReportRequest:
    """What to compute for which frame (the worker's spec)."""

    frame: NetFrame
    kinds: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class NetReports:
    """The readouts of one frame (each None where it was not asked for)."""

    generation: int
    sharpness: SharpnessReport | None = None
    ends: Extremes | None = None  # at each racer's last finite point
    end_kinds: tuple[str, ...] = ()  # CriticalPoints.judged of the racers that stalled, "-" for the others
    critical: CriticalPoints | None = None  # where the racers that stalled stopped (NaN for the others)
    symmetry: SymmetryReport | None = None
    alignment: AlignmentReport | None = None
    layers: np.ndarray | None = None  # (B, S, L) gradient norm per layer at the frame's shown steps


def training_of(f: NetFrame) -> Training:
    """The engine's view of a frame's race (what engine.network.reports reads)."""
    return Training(f.settings.setup, f.net, f.start, f.run, f.metrics or Metrics(*(np.zeros(0),) * 4), f.names)


def stacked_optimizer(f: NetFrame) -> Optimizer:
    return Optimizer.stack([racer_optimizer(e) for e in f.settings.enabled])


def compute_reports(req: ReportRequest, cancel=None) -> NetReports:
    """The readouts ``req.kinds`` of ``req.frame`` (module docstring)."""
    f = req.frame
    t = training_of(f)
    opt = stacked_optimizer(f)
    out: dict[str, object] = {}
    if "curvature" in req.kinds:
        out["sharpness"] = sharpness(t, opt)
        ends = np.stack([f.run.theta[i, max(f.run.finite_length(i) - 1, 0)] for i in range(len(f.names))])
        ok = np.all(np.isfinite(ends), axis=1)
        out["ends"] = extreme_eigenvalues(f.net, np.where(ok[:, None], ends, np.nan))
        # a racer that stalled: the critical point it stopped near, classified as main.py train's verdicts do
        stalled = ok & (f.run.status == Status.CONVERGED)
        cp = critical_points(f.net, np.where(stalled[:, None], ends, np.nan))
        out["critical"] = cp
        out["end_kinds"] = tuple(str(k) for k in cp.judged)
    if "symmetry" in req.kinds:
        out["symmetry"] = symmetry(t)
    if "alignment" in req.kinds:
        s = f.settings
        out["alignment"] = alignment(t, opt, batch_size=s.batch_size, seed=s.batch_seed, tol=s.tol, cancel=cancel)
    if "layers" in req.kinds:
        out["layers"] = layer_grad_norms(f.net, f.run.theta[:, f.steps_shown])
    return NetReports(f.generation, **out)


STALLED = {  # what the Curvature tab says of a racer that stalled, by CriticalPoints.judged
    "saddle": ": stalled on a saddle (a direction still goes down)",
    "minimum": ": stalled at a minimum (every curvature positive)",
    "maximum": ": stalled at a maximum (every curvature negative)",
    "degenerate": (": stalled where no curvature is negative but some are zero (degenerate: the second "
                   "derivatives cannot tell a minimum from a saddle)"),
    "ridge": (": stalled where no curvature is positive but some are zero (degenerate: the second "
              "derivatives cannot tell a maximum from a saddle)"),
    "flat": ": stalled where no curvature is resolved (a plateau)",
    "far": ": stalled on a gentle slope, not near a critical point (a loose tolerance)",
}


def _critical_note(cp: CriticalPoints | None, i: int) -> str:
    """The critical point racer ``i`` stopped near, when its curvatures tell another story
    than the stop's own (the stop's include the remaining gradient's effect)."""
    if cp is None or cp.kind[i] == "-":
        return ""
    here = point_kind(Extremes(*(np.asarray(a)[i] for a in (cp.here.lam_min, cp.here.lam_max, cp.here.res_min,
                                                              cp.here.res_max))), cp.zero[i])
    if here == cp.kind[i]:
        return ""
    return (f"; at the critical point {cp.moved[i]:.2g} away, from {cp.at.lam_min[i]:.3g} to {cp.at.lam_max[i]:.3g} "
            f"(zero: below {cp.zero[i]:.2g}, float64's rounding)")


# -- the panes -------------------------------------------------------------------------------------

PLOT_MIN_PX = 150  # a readout plot's least height at zoom 1: a shorter tab scrolls instead


class _Plot(_Pane):
    """A readout's plot: its title the longest of its forms that fits its width
    (gui.netview._Pane), never less than :data:`PLOT_MIN_PX` high (at the zoom ``k``), and a
    log axis whose labels stay a line of text apart whatever its height."""

    def __init__(self, titles: tuple[str, ...], bottom: str, k: float, theme: Theme) -> None:
        self._log: tuple[float, float] | None = None
        self._linear: dict[str, tuple[float, float]] = {}
        super().__init__(titles, (bottom, ""), k, theme)
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.vb.sigResized.connect(self._fit_log_ticks)
        self.plot.vb.sigResized.connect(self._fit_linear_ticks)
        self.setMinimumSize(round(160 * k), round(PLOT_MIN_PX * k))

    def set_look(self, k: float, theme: Theme) -> None:
        self.k, self.theme = k, theme
        self._style()
        self.fit_height()
        self._fit_log_ticks()
        self._fit_linear_ticks()

    def _style(self) -> None:
        super()._style()
        if self.axes[0]:  # the bottom axis as high as its labels' line and its title's, and a gap
            # (pyqtgraph counts 0.8 of each and places the title 5 px low: at 160% they touched)
            title = QFont()
            title.setPointSizeF((FONT_PT + 1) * self.k)
            lines = QFontMetricsF(_note_font(self.k)).height() + QFontMetricsF(title).height()
            self.plot.getAxis("bottom").setHeight(math.ceil(int(6 * self.k) + lines + 2 * self.k))

    def fit_height(self) -> None:
        """At least :data:`PLOT_MIN_PX` high, and as high as its layout needs (a legend
        beside the data asks its rows' height of the data's row); its title fitted to the
        width the legend leaves."""
        need = self.plot.layout.effectiveSizeHint(Qt.SizeHint.MinimumSize).height()
        self.setMinimumSize(round(160 * self.k), max(round(PLOT_MIN_PX * self.k), math.ceil(need)))
        self.updateGeometry()
        self._fit_title()

    def sizeHint(self) -> QSize:
        """Its least size: a tab's scrolled content takes its preferred height (Qt's height
        for width), which must not ask more than the least (pyqtgraph's 600 x 480 did); the
        stretch gives a plot the rest of the tab."""
        return self.minimumSize()

    def set_titles(self, titles: tuple[str, ...]) -> None:
        """New forms of the title (the longest that fits is shown)."""
        if titles != self.titles:
            self.titles, self.title = titles, ""
            self._fit_title()

    def log_y(self, values: np.ndarray) -> None:
        """The y axis over the positive finite ``values``, whose log10 is drawn."""
        v = values[np.isfinite(values) & (values > 0)]
        if not v.size:
            return
        self._log = (float(np.log10(v.min())) - 0.1, float(np.log10(v.max())) + 0.1)
        self.plot.setYRange(*self._log, padding=0)
        self._fit_log_ticks()

    def linear(self, side: str, lo: float, hi: float, pad: float = 0.0) -> None:
        """The ``side`` ("bottom" or "left") axis from ``lo`` to ``hi`` (widened by ``pad``
        of the span each way), labelled at 1, 2 or 5 times a power of ten as far apart as
        the labels' width (bottom) or height (left) asks: pyqtgraph spaces its own by the
        axis's length alone, and at a large zoom "0.2" ran into "0.4"."""
        span = hi - lo if hi > lo else max(abs(hi), 1.0)
        lo, hi = lo - pad * span, hi + pad * span
        self._linear[side] = (lo, hi)
        if side == "bottom":
            self.plot.setXRange(lo, hi, padding=0)
        else:
            self.plot.setYRange(lo, hi, padding=0)
        self._fit_linear_ticks()

    def _fit_linear_ticks(self, *_args: object) -> None:
        fm = QFontMetricsF(_note_font(self.k))
        for side, (lo, hi) in self._linear.items():
            axis = self.plot.getAxis(side)
            if side == "bottom":
                wide = max(fm.horizontalAdvance(f"{v:.3g}") for v in (lo, hi, (hi - lo) / 7))
                each, length = 1.6 * wide, self.plot.vb.width()
                axis.setStyle(hideOverlappingLabels=int(wide / 2) + 2)  # (the end labels may reach past)
                ticks = linear_ticks(lo, hi, max(int(length // max(each, 1.0)), 2))[0]
            else:  # a label's whole line within the axis (pyqtgraph hides one that reaches past an end)
                each, length = 1.6 * fm.height(), max(self.plot.vb.height(), 1.0)
                margin = (fm.height() / 2 + 1) * (hi - lo) / length
                ticks = [(v, text) for v, text in linear_ticks(lo, hi, max(int(length // each), 2))[0]
                         if lo + margin <= v <= hi - margin]
            axis.setTicks([ticks])

    def _fit_log_ticks(self, *_args: object) -> None:
        """The log axis's labels as its height allows, a line of text apart: decades every 1,
        2, 3, 5 ... decades, and 2 and 5 times a decade while fewer than three are labelled
        (gui.plots.log_ticks: a short axis gets those anyway)."""
        if self._log is None:
            return
        lo, hi = self._log
        line = QFontMetricsF(_note_font(self.k)).height()
        gap = 1.2 * line
        px = max(self.plot.vb.height(), 1.0) / (hi - lo)  # per decade
        # a label's whole line within the axis (pyqtgraph hides one that reaches past an end)
        a, b = lo + (line / 2 + 1) / px, hi - (line / 2 + 1) / px
        majors = [(v, text) for v, text in log_ticks(lo, hi, max_labels=10**6)[0] if a <= v <= b]
        decades = [(v, text) for v, text in majors if float(v).is_integer()]
        step = next((s for s in (1, 2, 3, 5, 10, 20, 50, 100) if s * px >= gap), 200)
        kept = [(v, text) for v, text in decades if int(v) % step == 0]
        more = [(v, text) for v, text in majors if not float(v).is_integer()] + [
            (e + math.log10(m), _mantissa_label(m, e))
            for e in range(math.floor(lo), math.ceil(hi) + 1) for m in (2, 5) if a <= e + math.log10(m) <= b]
        for v, text in more:
            if len(kept) < 3 and all(abs(v - u) * px >= gap for u, _ in kept):
                kept.append((v, text))
        grid = [(v, "") for v, _ in decades if int(v) % step] if px >= 4 else []
        self.plot.getAxis("left").setTicks([sorted(kept), grid])


def _scrolled(content: QWidget) -> QScrollArea:
    """A tab's content, scrolled up and down when the tab is shorter than its plots' least
    heights and its notes (the notes wrap: never scrolled sideways)."""
    content.layout().setContentsMargins(4, 4, 4, 4)
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def _note() -> QLabel:
    note = QLabel("")
    note.setWordWrap(True)
    note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return note


class ReportsView(QTabWidget):
    """Curvature, Symmetry and Gradients by layer; each tab asks for its readout when shown."""

    wanted = Signal(tuple)  # the kinds the visible tab needs

    def __init__(self, k: float = 1.0, theme: Theme = LIGHT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.k, self.theme = k, theme
        self.frame: NetFrame | None = None
        self.reports: dict[str, NetReports] = {}
        self.shown = 0
        # curvature: the plot over its notes
        self.curv = _Plot(CURVATURE_TITLES, "step", k, theme)
        follow_step_ticks(self.curv.plot, lambda: self.k)
        self.curv_note = _note()
        tab = QWidget()
        v = QVBoxLayout(tab)
        v.addWidget(self.curv, 1)
        v.addWidget(self.curv_note)
        self.addTab(_scrolled(tab), "Curvature")
        # symmetry: the three losses beside the line to a second net (its button under it),
        # the note under both
        self.sym = _Plot(("training loss", "loss"), "", k, theme)
        self.sym.plot.showGrid(x=True, y=False, alpha=0.25)
        # bars across, named on the left (names under upright bars ran into each other in a
        # narrow tab)
        self.sym_bars = pg.BarGraphItem(x0=0, y=[2, 1, 0], width=[0, 0, 0], height=0.6)
        self.sym.plot.addItem(self.sym_bars)
        self.sym.plot.getAxis("left").setTicks([[(2 - i, name) for i, name in enumerate(BAR_NAMES)]])
        self.sym.plot.setYRange(-0.5, 2.5, padding=0)
        self.line = _Plot(LINE_TITLES, "t (0: this net, 1: the other)", k, theme)
        self.before = self.line.plot.plot()
        self.after = self.line.plot.plot()
        self.align_button = QPushButton("Train a second net and align it")
        self.align_button.clicked.connect(lambda: self.wanted.emit(("symmetry", "alignment")))
        self.sym_note = _note()
        tab = QWidget()
        g = QGridLayout(tab)
        g.addWidget(self.sym, 0, 0, 2, 1)
        g.addWidget(self.line, 0, 1)
        g.addWidget(self.align_button, 1, 1)
        g.addWidget(self.sym_note, 2, 0, 1, 2)
        g.setColumnStretch(0, 2)
        g.setColumnStretch(1, 3)
        g.setRowStretch(0, 1)
        self.addTab(_scrolled(tab), "Symmetry")
        # layers
        self.layer_plot = _Plot(LAYER_TITLES, "step", k, theme)
        follow_step_ticks(self.layer_plot.plot, lambda: self.k)
        self.layer_legend = legend_outside(self.layer_plot.plot, k, theme, "right")  # (over the data it hid step 0)
        self.layer_lines: list[pg.PlotDataItem] = []
        self.layer_note = _note()
        self.all_racers = QCheckBox("every racer's first and output layer")
        self.all_racers.toggled.connect(lambda _on: self._draw_layers())
        tab = QWidget()
        v = QVBoxLayout(tab)
        v.addWidget(self.layer_plot, 1)
        v.addWidget(self.all_racers)
        v.addWidget(self.layer_note)
        self.addTab(_scrolled(tab), "Gradients by layer")
        self.currentChanged.connect(lambda _i: self.ask())

    def set_look(self, k: float, theme: Theme) -> None:
        """The plots at the window's zoom ``k`` and in its theme, redrawn from the readouts
        already here."""
        self.k, self.theme = k, theme
        for view in (self.curv, self.sym, self.line, self.layer_plot):
            view.set_look(k, theme)
        plot = self.layer_plot.plot
        plot.layout.removeItem(self.layer_legend)
        plot.scene().removeItem(self.layer_legend)
        self.layer_legend = legend_outside(plot, k, theme, "right")  # (its fonts and pens set when made)
        r = self.reports.get("curvature")
        if r is not None and r.sharpness is not None:
            self._draw_curvature(r)
        self._draw_symmetry()
        self._draw_layers()

    def kinds(self) -> tuple[str, ...]:
        return (("curvature",), ("symmetry",), ("layers",))[self.currentIndex()]

    def ask(self) -> None:
        """Ask for what the visible tab shows, unless it is here already."""
        f = self.frame
        if f is None or not self.isVisible():
            return
        have = self.reports.get(self.kinds()[0])
        if have is None or have.generation != f.generation:
            self.wanted.emit(self.kinds())

    def set_frame(self, f: NetFrame) -> None:
        self.frame = f
        self.shown = min(self.shown, len(f.names) - 1)
        for key in list(self.reports):
            if key != "alignment":
                self.reports.pop(key)
        self.reports.pop("alignment", None)
        self.before.setData([], [])
        self.after.setData([], [])
        self.line.set_titles(LINE_TITLES)
        self.ask()

    def show_racer(self, i: int) -> None:
        self.shown = i
        self._draw_symmetry()
        self._draw_layers()

    def show_reports(self, r: NetReports) -> None:
        f = self.frame
        if f is None or r.generation != f.generation:
            return  # an older frame's
        for kind, have in (("curvature", r.sharpness), ("symmetry", r.symmetry), ("alignment", r.alignment),
                           ("layers", r.layers)):
            if have is not None:
                self.reports[kind] = r
        if r.sharpness is not None:
            self._draw_curvature(r)
        if r.symmetry is not None or r.alignment is not None:
            self._draw_symmetry()
        if r.layers is not None:
            self._draw_layers()

    def _draw_curvature(self, r: NetReports) -> None:
        f = self.frame
        p = self.curv.plot
        p.clear()
        values = [r.sharpness.racers[i].lam_max for i in range(len(f.names))]
        limits = [x.limit for x in r.sharpness.racers if x.limit is not None]
        self.curv.log_y(np.concatenate([np.ravel(v) for v in values + limits]) if values else np.zeros(0))
        notes = []  # a line per racer
        for i, rs in enumerate(r.sharpness.racers):
            said = []
            color = self.theme.racer(f.colors[i])
            p.plot(rs.steps, _log(rs.lam_max), pen=pg.mkPen(color, width=2 * self.k), connect="finite")
            if rs.limit is not None:
                p.plot(rs.steps, _log(rs.limit), pen=pg.mkPen(color, width=1.5 * self.k, style=Qt.PenStyle.DashLine))
                first = rs.first_above
                if first is not None:
                    said.append(f"λmax passes the limit at step {first}")
            lo = float(r.ends.lam_min[i]) if r.ends is not None else np.nan
            kind = r.end_kinds[i] if r.end_kinds else "-"
            if np.isfinite(lo):
                text = f"at its end, curvatures from {lo:.3g} to {float(r.ends.lam_max[i]):.3g}"
                if f.run.status[i] == Status.CONVERGED:  # it stalled: the signs at the critical point say where
                    ridge = kind == "degenerate" and not r.critical.at.lam_max[i] > r.critical.zero[i]
                    text += _critical_note(r.critical, i) + STALLED.get("ridge" if ridge else kind, "")
                else:
                    text += f" (still moving, |grad| {float(f.run.final.grad_norm[i]):.3g}: not a critical point)"
                said.append(text)
            if said:
                notes.append(f"{rs.racer}: " + "; ".join(said))
        self.curv_note.setText("\n".join(notes))

    def _draw_symmetry(self) -> None:
        f = self.frame
        r = self.reports.get("symmetry")
        if f is None or r is None or r.symmetry is None or not r.symmetry.racers:
            return
        i = min(self.shown, len(r.symmetry.racers) - 1)
        rs = r.symmetry.racers[i]
        color = self.theme.racer(f.colors[i])
        if rs.trained is None:
            self.sym_bars.setOpts(width=[0, 0, 0])
            self.sym_note.setText(f"{rs.racer}: no trained net (the run did not end finite)")
        else:
            self.sym_bars.setOpts(width=[rs.trained, rs.permuted, rs.degenerate], brush=pg.mkBrush(color))
            self.sym.linear("bottom", 0.0, max(rs.trained, rs.permuted, rs.degenerate) * 1.1 or 1.0)
            self.sym.plot.setYRange(-0.5, 2.5, padding=0)
            verdict = ("so the loss is not convex: a convex loss would give the average no more than the "
                       "permuted nets' loss (Jensen's inequality)") if rs.jensen_violated else (
                       "the units are already identical: the net is its own average")
            self.sym_note.setText(f"{rs.racer}: trained {rs.trained:.4g}; its hidden units permuted "
                                  f"{rs.permuted:.4g} (the same function); the average of all permutations "
                                  f"{rs.degenerate:.4g}, {verdict}.")
        a = self.reports.get("alignment")
        if a is not None and a.alignment is not None and i < len(a.alignment.racers):
            ra = a.alignment.racers[i]
            if isinstance(ra, str):
                self.before.setData([], [])
                self.after.setData([], [])
            else:
                self.before.setData(ra.t, ra.before, pen=pg.mkPen(color, width=2 * self.k, style=Qt.PenStyle.DashLine))
                self.after.setData(ra.t, ra.after, pen=pg.mkPen(color, width=2 * self.k))
                self.line.linear("bottom", 0.0, 1.0, pad=0.02)
                both = np.concatenate([ra.before, ra.after])
                both = both[np.isfinite(both)]
                if both.size:
                    self.line.linear("left", float(both.min()), float(both.max()), pad=0.05)
                b, a = f"{ra.barrier_before:.3g}", f"{ra.barrier_after:.3g}"
                self.line.set_titles((f"barrier {b} before aligning (dashed), {a} after (solid)",
                                      f"barrier {b} (dashed), {a} aligned (solid)", f"barrier {b} → {a}"))

    def _draw_layers(self) -> None:
        """The shown racer's gradient norm per layer; with ``all_racers`` checked, every
        racer's first layer (dashed) and output layer (solid) in its colour."""
        f = self.frame
        r = self.reports.get("layers")
        if f is None or r is None or r.layers is None:
            return
        p = self.layer_plot.plot
        for item in self.layer_lines:
            p.removeItem(item)
        self.layer_lines = []
        self.layer_legend.clear()
        g = r.layers  # (B, S, L)
        n_layers = g.shape[-1]
        steps = f.steps_shown
        every = self.all_racers.isChecked()
        racers = range(g.shape[0]) if every else [min(self.shown, g.shape[0] - 1)]
        for i in racers:
            base = pg.mkColor(self.theme.racer(f.colors[i]))
            layers = (0, n_layers - 1) if every else range(n_layers)
            for layer in layers:
                c = pg.mkColor(base)
                if not every:  # the layers of one racer: paler the nearer the input
                    c.setAlphaF(float(np.linspace(0.35, 1.0, n_layers)[layer]))
                last = layer == n_layers - 1
                style = Qt.PenStyle.SolidLine if last else Qt.PenStyle.DashLine
                item = p.plot(steps, _log(g[i, :, layer]), pen=pg.mkPen(c, width=2 * self.k, style=style),
                              connect="finite")
                if not every:
                    self.layer_legend.addItem(item, f"layer {layer + 1}" + (" (output)" if last else ""))
                elif last:
                    self.layer_legend.addItem(item, f.names[i])
                self.layer_lines.append(item)
        self.layer_legend.updateGeometry()  # (its rows changed: the plot's layout makes room)
        self.layer_plot.beside = self.layer_legend.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
        self.layer_plot.fit_height()
        self.layer_plot.set_titles(ALL_LAYER_TITLES if every else LAYER_TITLES)
        self.layer_plot.log_y(g[list(racers)])
        lines = [_layer_ratios(f.names[i], g[i], steps, every) for i in racers]
        lines.append("Ratio: the first layer's gradient over the output layer's; far below 1, the first layers "
                     "barely learn (saturated units, vanishing gradients)."
                     + (" A gradient of exactly 0 has no place on the log axis: it is not drawn."
                        if np.any(g[list(racers)] == 0) else ""))
        self.layer_note.setText("\n".join(lines))


def _layer_ratios(name: str, g: np.ndarray, steps: np.ndarray, brief: bool) -> str:
    """A racer's first and output layers' gradients (``g``: (S, L) at ``steps``) at the start
    and at its last finite step, and their ratio; ``brief``: the ratios alone."""
    rows = np.nonzero(np.all(np.isfinite(g), axis=1))[0]
    if not rows.size:
        return f"{name}: no finite gradient"

    def ratio(j: int) -> str:
        first, out = float(g[j, 0]), float(g[j, -1])
        return f"{first / out:.3g}" if out > 0 else "none (the output layer's gradient is 0)"

    a, b = int(rows[0]), int(rows[-1])
    if brief:
        return f"{name}: ratio {ratio(a)} at step {steps[a]}, {ratio(b)} at step {steps[b]}"
    return (f"{name}: at step {steps[a]} the first layer's gradient is {g[a, 0]:.3g}, the output layer's "
            f"{g[a, -1]:.3g} (ratio {ratio(a)}); at step {steps[b]} {g[b, 0]:.3g} and {g[b, -1]:.3g} "
            f"(ratio {ratio(b)})")
