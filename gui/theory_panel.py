"""Panels that put numbers beside the picture: theory against measurement on a quadratic,
the weight-space symmetry argument, and what a Newton step costs a real network.

* :class:`TheoryPanel`, for landscapes with a constant Hessian (``quadratic``, and the data
  models ``linear-regression`` and ``hidden-features``): the eigenvalues, the condition number,
  the stability limit of gradient descent, the best fixed alpha and the best momentum setting
  with their rates (``engine.theory``), and the rate measured on each gd, momentum and
  Nesterov run (``engine.theory.measured_momentum_rate`` on the distances to the minimum),
  with a note on how it was measured.
* :class:`SymmetryPanel`, for ``two-tanh``: the two mirror-image minima, their average and the
  three losses (``symmetry_report``), and why ``loss(average) > average of losses`` rules out
  a convex loss.
* :class:`CostPanel`, for Newton: the Hessian of ``n`` weights has ``n^2`` numbers
  (``engine.analysis.newton_cost``).

The panels only format engine numbers; :func:`theory_numbers` and :func:`measured_rates` are
plain functions so that tests compare them with ``engine.theory`` directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine import theory
from engine.analysis import newton_cost
from engine.landscapes import Landscape, Quadratic
from engine.simulation import Status
from gui.tracks import Track
from gui.widgets import swatch

HEAD = "font-size: large; font-weight: 600;"


def _title(text: str) -> QLabel:
    lab = QLabel(f'<span style="{HEAD}">{text}</span>')
    lab.setTextFormat(Qt.TextFormat.RichText)
    lab.setWordWrap(True)
    return lab


def _text(text: str = "", hint: bool = False) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.RichText)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if hint:
        lab.setObjectName("hint")
    return lab


def g(x: float) -> str:
    """A number as the panels print it: four significant digits, a real minus sign."""
    if not math.isfinite(x):
        return "∞" if x > 0 else "—"
    return f"{x:.4g}".replace("-", "−")


# -- theory on a quadratic -------------------------------------------------------------------


@dataclass(frozen=True)
class TheoryNumbers:
    """``engine.theory``'s predictions for one quadratic, in the lecture's notation."""

    lam_min: float
    lam_max: float
    kappa: float
    limit: float  # gd is stable for alpha < limit = 2/lambda_max
    best_alpha: float  # 2/(lambda_min + lambda_max)
    best_rate: float  # (kappa - 1)/(kappa + 1)
    momentum_alpha: float
    momentum_mu: float
    momentum_rate: float  # (sqrt(kappa) - 1)/(sqrt(kappa) + 1)


def theory_numbers(landscape: Landscape) -> TheoryNumbers | None:
    """The predictions for ``landscape``, or None if its Hessian is not constant and
    positive definite."""
    ev = theory.constant_curvature(landscape)
    if ev is None:
        return None
    lo, hi = ev
    a, mu = theory.momentum_best(lo, hi)
    return TheoryNumbers(
        lo, hi, theory.condition_number(lo, hi), theory.gd_stability_limit(hi),
        theory.gd_best_alpha(lo, hi), theory.gd_best_rate(lo, hi), a, mu, theory.momentum_best_rate(lo, hi),
    )


@dataclass(frozen=True)
class Measured:
    """Theory against measurement for one racer."""

    index: int  # the racer's row in the frame
    label: str
    color: str
    predicted: float | None  # rate per step of |w - w*| from theory (>= 1: no convergence)
    measured: float | None  # engine.theory.measured_momentum_rate on the run's distances
    note: str  # why a number is missing, or ""
    how: str = ""  # how it was measured: "plain", "transient" or "peaks" (see HOW)


RATED = ("gd", "momentum", "nesterov")  # the optimizers whose rate theory predicts

# Why a measured factor needed more than the ratio of two distances (shown under the table)
HOW = {
    "transient": (
        "Near a repeated root (as at the best momentum setting) the distance falls like k·rᵏ, "
        "not rᵏ: over a short run that k alone reads several % above r. The measured factor "
        "divides out the k (the transient the theory predicts) first."
    ),
    "peaks": (
        "A run that swings around the minimum gets closer and farther within each swing: its "
        "factor is measured from the first to the last peak of the distance, which follow rᵏ."
    ),
}


def measured_rates(
    landscape: Landscape, tracks: tuple[Track, ...], names: tuple[str, ...], hypers: tuple[dict, ...]
) -> list[Measured]:
    """Predicted and measured rates of every gd, momentum and Nesterov racer. ``names`` and
    ``hypers`` are the racers' optimizer names and hyperparameters, in the tracks' order.
    Both come from ``engine.theory``: :func:`~engine.theory.momentum_rate` (gd is
    ``mu = 0``) and :func:`~engine.theory.measured_momentum_rate` of the distances
    ``|w_k - w*|`` to the minimum over the run (until it converged)."""
    nums = theory_numbers(landscape)
    if nums is None or not landscape.minima:
        return []
    w_star = np.array(landscape.minima[0].point, dtype=np.float64)
    out = []
    for i, (t, name, hyper) in enumerate(zip(tracks, names, hypers, strict=True)):
        if name not in RATED:
            continue
        alpha, mu, look = hyper.get("alpha", 0.0), hyper.get("mu", 0.0), name == "nesterov"
        predicted = theory.momentum_rate(alpha, mu, nums.lam_min, nums.lam_max, nesterov=look)
        measured, note, how = None, "", ""
        if t.status in (Status.DIVERGED, Status.FAILED):
            note = "diverged"
        else:
            d = np.hypot(t.xy[:, 0] - w_star[0], t.xy[:, 1] - w_star[1])
            try:
                measured, how = theory.measured_momentum_rate(d, alpha, mu, nums.lam_min, nums.lam_max, look)
            except ValueError:
                note = "too few steps to measure"
        out.append(Measured(i, t.label, t.color, predicted, measured, note, how))
    return out


class TheoryPanel(QWidget):
    """Theory beside measurement for a quadratic landscape (see the module docstring)."""

    applyHyper = Signal(object, str)  # {"alpha": ...} or {"alpha": ..., "mu": ...}, preferred optimizer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.numbers: TheoryNumbers | None = None
        self.rates: list[Measured] = []
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 8, 8, 8)
        v.setSpacing(6)
        self.heading = _title("Theory: a quadratic bowl")
        v.addWidget(self.heading)
        self.intro = _text(hint=True)
        v.addWidget(self.intro)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(3)
        self.values: dict[str, QLabel] = {}
        rows = (
            ("eigen", "eigenvalues λmin, λmax"),
            ("kappa", "condition number κ"),
            ("limit", "gd stable for α < 2/λmax"),
            ("best_alpha", "best α = 2/(λmin+λmax)"),
            ("best_rate", "   its rate (κ−1)/(κ+1)"),
            ("momentum", "best momentum α, μ"),
            ("momentum_rate", "   its rate (√κ−1)/(√κ+1)"),
        )
        for r, (key, text) in enumerate(rows):
            name = QLabel(text)
            value = QLabel("—")
            value.setObjectName(f"theory.{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setStyleSheet("font-weight: 600;")
            self.grid.addWidget(name, r, 0)
            self.grid.addWidget(value, r, 1)
            self.values[key] = value
        self.grid.setColumnStretch(0, 1)
        v.addLayout(self.grid)
        buttons = QHBoxLayout()
        self.best_alpha_button = QPushButton("Use best α")
        self.best_alpha_button.setToolTip("set the best fixed α on the selected racer (or the first gd)")
        self.best_alpha_button.clicked.connect(self._apply_alpha)
        self.best_momentum_button = QPushButton("Use best α, μ")
        self.best_momentum_button.setToolTip(
            "set the best momentum α and μ on the selected racer (or the first momentum)"
        )
        self.best_momentum_button.clicked.connect(self._apply_momentum)
        for b in (self.best_alpha_button, self.best_momentum_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        v.addLayout(buttons)
        v.addSpacing(6)
        v.addWidget(_title("Measured on this run"))
        v.addWidget(_text("the factor by which the distance |w − w*| to the minimum shrinks per step", hint=True))
        self.measured_grid = QGridLayout()
        self.measured_grid.setHorizontalSpacing(6)
        self.measured_grid.setVerticalSpacing(3)
        self.measured_grid.setColumnStretch(1, 1)
        v.addLayout(self.measured_grid)
        self.measured_note = _text(hint=True)
        v.addWidget(self.measured_note)
        v.addStretch(1)
        self._measured_rows: list[tuple[QLabel, QLabel, QLabel, QLabel]] = []

    def show_frame(
        self, landscape: Landscape, tracks: tuple[Track, ...], names: tuple[str, ...], hypers: tuple[dict, ...],
        batch_size: int | None = None,
    ) -> None:
        nums = theory_numbers(landscape)
        self.numbers = nums
        if nums is None:
            return
        if isinstance(landscape, Quadratic):
            self.heading.setText(f'<span style="{HEAD}">Theory: the quadratic bowl</span>')
            self.intro.setText("The Hessian is the same everywhere, so these numbers are exact.")
        else:
            self.heading.setText(f'<span style="{HEAD}">Theory: {landscape.name} is a quadratic</span>')
            self.intro.setText(
                "Squared error of a model linear in its two weights: the loss is a quadratic bowl with "
                "the constant Hessian φᵀφ/n, so these numbers are exact."
            )
        self.values["eigen"].setText(f"{g(nums.lam_min)},  {g(nums.lam_max)}")
        self.values["kappa"].setText(g(nums.kappa))
        self.values["limit"].setText(g(nums.limit))
        self.values["best_alpha"].setText(g(nums.best_alpha))
        self.values["best_rate"].setText(g(nums.best_rate))
        self.values["momentum"].setText(f"{g(nums.momentum_alpha)},  {g(nums.momentum_mu)}")
        self.values["momentum_rate"].setText(g(nums.momentum_rate))
        self.rates = measured_rates(landscape, tracks, names, hypers)
        self._show_rates(batch_size)

    def _show_rates(self, batch_size: int | None) -> None:
        # rows are reused from frame to frame (a slider drag sends dozens of frames)
        if not self._measured_rows:
            for col, text in enumerate(("", "racer", "theory", "measured")):
                h = QLabel(text)
                h.setProperty("role", "head")
                if col >= 2:
                    h.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.measured_grid.addWidget(h, 0, col)
        while len(self._measured_rows) > len(self.rates):
            for w in self._measured_rows.pop():
                self.measured_grid.removeWidget(w)
                w.deleteLater()
        while len(self._measured_rows) < len(self.rates):
            row = (QLabel(), QLabel(), QLabel(), QLabel())
            row[1].setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            row[3].setStyleSheet("font-weight: 600;")
            for lab in row[2:]:
                lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            r = len(self._measured_rows) + 1
            for col, w in enumerate(row):
                self.measured_grid.addWidget(w, r, col)
            self._measured_rows.append(row)
        for (sw, name, pred, meas), m in zip(self._measured_rows, self.rates, strict=True):
            from gui.look import current

            color = current().theme.racer(m.color)
            if sw.property("color") != color:
                px = max(10, round(self.fontMetrics().height() * 0.8))
                sw.setPixmap(swatch(color, px))
                sw.setProperty("color", color)
            name.setText(m.label)
            if m.predicted is None:
                pred.setText("—")
            else:
                pred.setText("no convergence" if m.predicted >= 1 else g(m.predicted))
            meas.setText(g(m.measured) if m.measured is not None else m.note)
            meas.setObjectName(f"measured.{m.index}")
        if not self.rates:
            note = "Tick gd or momentum to compare their measured rate with the theory."
        elif batch_size is not None:
            note = (
                "Mini-batches: the theory is for full-batch gradients. The noise stops the distance "
                "from shrinking near the minimum, so the measured factor comes out close to 1."
            )
        else:
            note = "A factor of 0.9 means 10% closer per step; at or above 1, no convergence."
            hows = [h for h in HOW if any(m.how == h for m in self.rates)]
            note = " ".join([note, *(HOW[h] for h in hows)])
        self.measured_note.setText(note)

    def _apply_alpha(self) -> None:
        if self.numbers is not None:
            self.applyHyper.emit({"alpha": self.numbers.best_alpha}, "gd")

    def _apply_momentum(self) -> None:
        if self.numbers is not None:
            n = self.numbers
            self.applyHyper.emit({"alpha": n.momentum_alpha, "mu": n.momentum_mu}, "momentum")


# -- weight-space symmetry -------------------------------------------------------------------


class SymmetryPanel(QWidget):
    """The lecture's proof that a network's loss is not convex, in numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = None
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 8, 8, 8)
        v.setSpacing(6)
        v.addWidget(_title("Weight-space symmetry"))
        v.addWidget(_text(
            "Swapping the two hidden units, (w1, w2) → (w2, w1), gives the same network. So every "
            "minimum has a mirror twin, A and B. Their average M is the network whose two units are "
            "identical.", hint=True,
        ))
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(3)
        for col, text in enumerate(("", "(w1, w2)", "loss")):
            h = QLabel(text)
            h.setProperty("role", "head")
            if col == 2:
                h.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(h, 0, col)
        self.cells: dict[str, tuple[QLabel, QLabel]] = {}
        for r, (key, text) in enumerate(
            (("A", "minimum A"), ("B", "its mirror B"), ("M", "M = (A + B)/2")), start=1
        ):
            point, loss = QLabel("—"), QLabel("—")
            loss.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            loss.setStyleSheet("font-weight: 600;")
            self.grid.addWidget(QLabel(text), r, 0)
            self.grid.addWidget(point, r, 1)
            self.grid.addWidget(loss, r, 2)
            self.cells[key] = (point, loss)
        v.addLayout(self.grid)
        self.statement = _text()
        self.statement.setObjectName("symmetry.statement")
        v.addWidget(self.statement)
        self.because = _text(hint=True)
        v.addWidget(self.because)
        v.addStretch(1)

    def show_landscape(self, landscape: Landscape) -> None:
        f = getattr(landscape, "symmetry_report", None)
        if not callable(f):
            return
        rep = f()
        self.report = rep
        (a, b), m = rep.minima, rep.average
        la, lb, lm = rep.losses
        for key, p, loss in (("A", a, la), ("B", b, lb), ("M", m, lm)):
            self.cells[key][0].setText(f"({p[0]:.3f}, {p[1]:.3f})")
            self.cells[key][1].setText(f"{loss:.4g}")
        mean = (la + lb) / 2
        if rep.average_is_worse:
            self.statement.setText(
                f'<span style="{HEAD}">loss(M) = {lm:.4g} &gt; {mean:.4g} = average of the losses</span>'
            )
            self.because.setText(
                "For a convex loss, the loss at an average of points is at most the average of their "
                "losses (Jensen: f(½A + ½B) ≤ ½f(A) + ½f(B)). Here the average is worse than both "
                "twins, which no convex function allows: training this network is not a convex "
                "problem."
            )
        else:
            self.statement.setText(f"loss(M) = {lm:.4g} ≤ {mean:.4g} = average of the losses")
            self.because.setText("Here the average is not worse: this data does not show the effect.")

    def marks(self) -> list[tuple[float, float, str]]:
        """The three points to mark on the contour plot, with their labels, along the chord
        from A through the average M to B."""
        if self.report is None:
            return []
        (a, b), m = self.report.minima, self.report.average
        return [(a[0], a[1], "A"), (m[0], m[1], "M = average"), (b[0], b[1], "B")]


# -- the cost of Newton's method -------------------------------------------------------------

COST_SIZES = (2, 10**3, 10**6, 10**9)
FLOPS_PER_SECOND = 1e12  # a fast GPU, roughly, in double precision
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt_count(x: float) -> str:
    """``2``, ``1000``, ``10⁶``: powers of ten as a lecture writes them."""
    if x < 1e3:
        return f"{x:.3g}"
    e = math.floor(math.log10(x))
    mant = x / 10**e
    if abs(mant - round(mant)) < 1e-9 and round(mant) == 1:
        return "10" + str(e).translate(_SUP)
    return f"{mant:.2g}×10" + str(e).translate(_SUP)


def fmt_bytes(b: float) -> str:
    for unit, size in (("EB", 1e18), ("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= size:
            return f"{b / size:.3g} {unit}"
    return f"{b:.3g} B"


def fmt_seconds(s: float) -> str:
    if s < 1e-6:
        return "< 1 µs"
    for unit, size in (("years", 3.156e7), ("days", 86400.0), ("hours", 3600.0), ("min", 60.0), ("s", 1.0)):
        if s >= size:
            v = s / size
            if unit == "years" and v >= 1e9:
                return f"{v / 1e9:.2g} billion years"
            if unit == "years" and v >= 1e6:
                return f"{v / 1e6:.2g} million years"
            return f"{v:.3g} {unit}"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


class CostPanel(QWidget):
    """What one Newton step needs for networks of growing size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 8, 8, 8)
        v.setSpacing(6)
        v.addWidget(_title("What a Newton step costs"))
        v.addWidget(_text(
            "Newton's method solves with the Hessian: for a network of n weights that is an "
            "n × n matrix, n² numbers, and about n³/3 operations to solve with it, at every "
            "step. The gradient alone is n numbers. The plot has n = 2.", hint=True,
        ))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(3)
        heads = ("n", "Hessian n²", "memory", "n³/3 ops")
        for col, text in enumerate(heads):
            h = QLabel(text)
            h.setProperty("role", "head")
            h.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(h, 0, col)
        self.rows: list[tuple[str, ...]] = []
        for r, n in enumerate(COST_SIZES, start=1):
            c = newton_cost(n)
            texts = (
                fmt_count(n),
                fmt_count(c["hessian_numbers"]),
                fmt_bytes(c["hessian_bytes"]),
                fmt_count(c["solve_flops"]),
            )
            self.rows.append(texts)
            for col, text in enumerate(texts):
                lab = QLabel(text)
                lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col in (1, 2):
                    lab.setStyleSheet("font-weight: 600;")
                grid.addWidget(lab, r, col)
        v.addLayout(grid)
        times = [fmt_seconds(newton_cost(n)["solve_flops"] / FLOPS_PER_SECOND) for n in COST_SIZES[1:]]
        self.times = times
        v.addWidget(_text(
            f"At 10¹² operations a second, one solve takes {times[0]} for a thousand weights, "
            f"{times[1]} for a million and {times[2]} for a billion."
        ))
        v.addWidget(_text(
            "Memory in double precision (8 bytes a number). A network of a million weights is small "
            "today, yet its Hessian takes 8 TB and days per step: this is why deep networks are "
            "trained with first-order methods such as gd, momentum and Adam.", hint=True,
        ))
        v.addStretch(1)
