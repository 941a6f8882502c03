"""Small input widgets: a number box that refuses bad values with a reason, and a slider
(linear or logarithmic) tied to a number box.

A value typed out of range or not a number is refused at its box: the box turns red, its
tooltip and the ``refused`` signal carry the engine's one-line reason, and the last good
value comes back. Only values that pass the check are ever emitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QPixmap, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QWidget,
)

from engine.validate import parse_float, parse_int

Check = Callable[[float], float]

# What can be part of a number typed into a box; any other printable key is not the box's:
# it goes to the window's single-key shortcuts (Space plays, R resets) instead of typing
NUMBER_CHARS = frozenset("0123456789.eE+-")


def fmt_number(x: float, integer: bool = False) -> str:
    if integer:
        return str(int(x))
    return f"{x:.6g}"


class NumberBox(QAbstractSpinBox):
    """A spin box for any float (or whole number) with an arbitrary check.

    Typing is free; the text is judged when editing ends (Return or leaving the box), by the
    command line's rule for typed numbers (``engine.validate.parse_float``: ASCII digits, so a
    full-width ``１`` or ``1_0`` is refused here as there), then by ``check``.
    The arrows and the wheel step by ``step`` (linear) or by a factor of ``10**(1/10)``
    (``log``), within ``[lo, hi]``; ``check`` alone decides what is taken, so a value typed
    beyond ``[lo, hi]`` stays (the arrows do not carry it further out, nor snap it back).
    ``check`` returns the accepted value or raises ``ValueError`` with the reason, which is
    shown.
    """

    valueChanged = Signal(float)
    refused = Signal(str)

    def __init__(
        self,
        value: float,
        check: Check,
        *,
        lo: float = -math.inf,
        hi: float = math.inf,
        step: float = 0.1,
        log: bool = False,
        integer: bool = False,
        help: str = "",
        name: str = "value",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name  # what a refusal calls the value ("invalid alpha: ...")
        self._value = float(value)
        self._check = check
        self._lo, self._hi, self._step, self._log, self._integer = lo, hi, step, log, integer
        self._help = help
        self.setToolTip(help)
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        self.setAccelerated(True)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus by wheel in a scroll area
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit_width()
        self.lineEdit().setText(fmt_number(self._value, integer))
        self.editingFinished.connect(self._commit)
        self._reason = ""

    def _fit_width(self) -> None:
        """Wide enough for ``-0.000123`` and the arrows, at any zoom: never a clipped number."""
        fm = self.fontMetrics()
        self.setMinimumWidth(fm.horizontalAdvance("-0.000123") + 2 * fm.height() + 8)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_width()

    # -- keys: only what can be part of a number -------------------------------------------
    @staticmethod
    def _foreign(event: QKeyEvent) -> bool:
        """A printable key that cannot be part of a number (a letter, the space bar)."""
        text = event.text()
        plain = not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        return plain and len(text) == 1 and text.isprintable() and text not in NUMBER_CHARS

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._foreign(event):
            event.ignore()  # not ours: let the window's shortcut have it
            return False
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and (self._reason or self._edited()):
            self.abandon()  # Esc: forget what was typed, and any refusal with it
            return
        if self._foreign(event):
            event.ignore()  # never typed into the box
            return
        super().keyPressEvent(event)

    def _edited(self) -> bool:
        return self.lineEdit().text().strip() != fmt_number(self._value, self._integer)

    def abandon(self) -> None:
        """Back to the value the box holds, with no refusal shown."""
        self.lineEdit().setText(fmt_number(self._value, self._integer))
        self._set_reason("")

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)  # commits what was typed (editingFinished)
        if self._reason and not self._edited():
            self._set_reason("")  # left alone after a refusal: the old value stands, unmarked

    # -- value -----------------------------------------------------------------------------
    def value(self) -> float:
        return int(self._value) if self._integer else self._value

    def setValue(self, value: float) -> None:
        """Show ``value`` (already valid) without emitting ``valueChanged``."""
        self._value = float(value)
        text = fmt_number(self._value, self._integer)
        if self.lineEdit().text() != text:  # (a drag sets both start boxes, often one anew)
            self.lineEdit().setText(text)
        self._set_reason("")

    @property
    def reason(self) -> str:
        """Why the last typed value was refused ("" when the box is fine)."""
        return self._reason

    def setRange(self, lo: float, hi: float) -> None:
        self._lo, self._hi = lo, hi

    # -- QAbstractSpinBox ------------------------------------------------------------------
    def validate(self, text: str, pos: int) -> object:
        return QValidator.State.Acceptable  # judged on commit, with a reason

    def fixup(self, text: str) -> str:
        return text

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        return QAbstractSpinBox.StepEnabledFlag.StepUpEnabled | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled

    def stepBy(self, steps: int) -> None:
        v = self._value
        if self._log and v > 0:
            v = v * 10 ** (steps / 10)
            v = float(f"{v:.3g}")
        else:
            v = v + steps * self._step
            if not self._integer:
                v = round(v, 12)
        v = min(max(v, min(self._lo, self._value)), max(self._hi, self._value))
        self._accept_text(fmt_number(v, self._integer))

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # let the panel scroll

    # -- committing ------------------------------------------------------------------------
    def _commit(self) -> None:
        text = self.lineEdit().text().strip()
        if text == fmt_number(self._value, self._integer) and not self._reason:
            return
        self._accept_text(text)

    def _accept_text(self, text: str) -> None:
        try:
            x = parse_int(self.name, text) if self._integer else parse_float(self.name, text)
            x = self._check(x)
        except ValueError as exc:
            self.lineEdit().setText(fmt_number(self._value, self._integer))
            self._set_reason(str(exc))
            self.refused.emit(str(exc))
            return
        changed = float(x) != self._value
        self.setValue(float(x))
        if changed:
            self.valueChanged.emit(float(x))

    def _set_reason(self, reason: str) -> None:
        if reason == self._reason:
            return
        self._reason = reason
        self.setProperty("invalid", bool(reason))
        self.setToolTip(f"refused: {reason}\n{self._help}".strip() if reason else self._help)
        self.style().unpolish(self)
        self.style().polish(self)


class ValueSlider(QSlider):
    """A horizontal slider over ``[lo, hi]``, linear or logarithmic, in 1000 ticks."""

    moved = Signal(float)
    TICKS = 1000

    def __init__(self, lo: float, hi: float, log: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.lo, self.hi, self.log = lo, hi, log
        self.setRange(0, self.TICKS)
        self.setSingleStep(10)
        self.setPageStep(100)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.valueChanged.connect(self._on_value)

    def to_value(self, tick: int) -> float:
        f = tick / self.TICKS
        if self.log:
            v = 10 ** (math.log10(self.lo) + f * (math.log10(self.hi) - math.log10(self.lo)))
            return float(f"{v:.3g}")  # round numbers a student can read and retype
        v = self.lo + f * (self.hi - self.lo)
        return min(float(f"{v:.3g}"), self.hi)

    def to_tick(self, value: float) -> int:
        if self.log:
            if value <= 0:
                return 0
            f = (math.log10(value) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            f = (value - self.lo) / (self.hi - self.lo)
        return round(min(max(f, 0.0), 1.0) * self.TICKS)

    def set_quietly(self, value: float) -> None:
        self.blockSignals(True)
        self.setValue(self.to_tick(value))
        self.blockSignals(False)

    def _on_value(self, tick: int) -> None:
        self.moved.emit(self.to_value(tick))


class SliderBox(QWidget):
    """A slider with an exact number box beside it; either one edits the value."""

    valueChanged = Signal(float)
    refused = Signal(str)

    def __init__(
        self,
        value: float,
        check: Check,
        lo: float,
        hi: float,
        *,
        log: bool = False,
        help: str = "",
        name: str = "value",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.slider = ValueSlider(lo, hi, log)
        self.slider.setToolTip(help)
        self.box = NumberBox(value, check, lo=lo, hi=hi, log=log, step=(hi - lo) / 100, help=help, name=name)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.box)
        self.slider.set_quietly(value)
        self.slider.moved.connect(self._from_slider)
        self.box.valueChanged.connect(self._from_box)
        self.box.refused.connect(self.refused)

    def value(self) -> float:
        return self.box.value()

    def setValue(self, value: float) -> None:
        self.box.setValue(value)
        self.slider.set_quietly(value)

    def _from_slider(self, value: float) -> None:
        try:
            value = self.box._check(value)
        except ValueError as exc:  # the slider's end may lie outside a stricter check
            self.refused.emit(str(exc))
            return
        self.box.setValue(value)
        self.valueChanged.emit(value)

    def _from_box(self, value: float) -> None:
        self.slider.set_quietly(value)
        self.valueChanged.emit(value)


def swatch(color: str, size: int = 14) -> QPixmap:
    """A small filled square in ``color``, for lists and status lines."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(color))
    p.setPen(QColor("#222222") if QColor(color).lightness() > 60 else QColor("#aaaaaa"))
    p.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    p.end()
    return pm


def swatch_label(color: str, size: int = 14) -> QLabel:
    lab = QLabel()
    lab.setPixmap(swatch(color, size))
    lab.setFixedSize(size + 2, size + 2)
    return lab


class LineText(QWidget):
    """One line of text that changes often (an optimizer's outcome, a kind of point):
    painted directly, cut with an ellipsis where it does not fit, and of a constant size
    hint. A QLabel asks its parents for a new layout on every ``setText``; in a pane
    that follows every frame that relaid out the whole window, both plots included."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._color: QColor | None = None  # None: the palette's text colour
        self._role = ""  # "head" or "hint": the theme's colour for it
        self._bold = False
        self._align = Qt.AlignmentFlag.AlignLeft
        self.fitted_width = -1  # the width its text was last chosen for (gui.main_window.StatusPane)
        self.full_text = ""  # the whole text, where a pane shows part of it
        self._style: tuple[str, bool] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 2)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.minimumHeight() == self.maximumHeight():
            self.setFixedHeight(self.fontMetrics().height() + 2)

    def set_role(self, role: str) -> None:
        """Colour the text as the theme colours column headings ("head") or hints ("hint")."""
        self._role = role
        self.update()

    def set_alignment(self, align: Qt.AlignmentFlag) -> None:
        self._align = align
        self.update()

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update()

    def set_style(self, color: str, bold: bool = False) -> None:
        if (color, bold) != self._style:  # (strings compared: no QColor made per frame)
            self._style = (color, bold)
            self._color, self._bold = QColor(color), bold
            self.update()

    def _pen(self) -> QColor:
        if self._color is not None:
            return self._color
        if self._role:
            from gui.look import current

            return QColor(getattr(current().theme, self._role))
        return self.palette().color(QPalette.ColorRole.WindowText)

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("M") * 12, self.fontMetrics().height() + 2)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        font = self.font()
        font.setBold(self._bold)
        p.setFont(font)
        p.setPen(self._pen())
        text = p.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, self.width())
        p.drawText(self.rect(), self._align | Qt.AlignmentFlag.AlignVCenter, text)
        p.end()
