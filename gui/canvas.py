"""A figure as a flat list of shapes in its own units, written three ways: painted by
QPainter (PNG of any size, PDF, the frames of an animation) or written as SVG text.

Why not Qt's ``QSvgGenerator``: it writes what a widget paints, through the widget's
transforms, so pyqtgraph's cosmetic pens under the plots' scaling came out as
``vector-effect="non-scaling-stroke"`` in heavily scaled groups, which librsvg and
ImageMagick draw as huge bands. Here every coordinate is already in the figure's own units
(1 unit = 1 CSS pixel, 1/96 inch) and every stroke is a plain width in those units, so any
renderer draws the same picture:

- one ``<path>`` per polyline (disjoint segments, such as iso-lines, in paths of at most
  ``MAX_SEGMENTS`` segments: Qt's SVG reader stops reading a path after 32767 elements);
- markers as vector shapes, text as ``<text>`` (rotated by a plain ``rotate``), images as
  embedded PNGs placed exactly over their rectangle (no clip paths: Qt's SVG reader, SVG
  Tiny, has none, so shapes are clipped before they get here);
- no groups, transforms (other than a rotated text), clip paths or opacity groups.

The painter path draws the very same shapes, so PNG, PDF and SVG match by construction; a
test renders the SVG with Qt and with librsvg and compares them with the PNG.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

CSS_DPI = 96.0  # one figure unit is one CSS pixel
MAX_SEGMENTS = 4000  # segments per SVG path (two commands each: well under Qt's 32767)
FONT_FAMILIES = ("DejaVu Sans", "Bitstream Vera Sans", "Verdana")  # wide, with α, μ, ∇, ‖, ⁻¹²
SVG_FONT = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif"

Color = str | tuple[int, ...]


def rgba(color: Color, alpha: float = 1.0) -> tuple[str, float]:
    """``'#rrggbb'`` and an opacity in [0, 1] for a colour given as ``'#rrggbb'``,
    ``'#aarrggbb'``-free text or an ``(r, g, b[, a])`` tuple of 0-255 values."""
    if isinstance(color, str):
        c = QColor(color)
        if not c.isValid():
            raise ValueError(f"invalid colour {color!r}")
        return c.name(), alpha * c.alphaF()
    r, g, b, *a = color
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}", alpha * ((a[0] / 255.0) if a else 1.0)


def _qcolor(hex_: str, alpha: float) -> QColor:
    c = QColor(hex_)
    c.setAlphaF(max(0.0, min(1.0, alpha)))
    return c


def _num(v: float) -> str:
    s = f"{v:.2f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


# -- fonts ------------------------------------------------------------------------------------


class Fonts:
    """Fonts in figure units (pixels at 96 dpi), and their metrics for the layout."""

    _family: str | None = None
    _device: QImage | None = None

    @classmethod
    def family(cls) -> str:
        if cls._family is None:
            have = set(QFontDatabase.families())
            cls._family = next((f for f in FONT_FAMILIES if f in have), QFont().defaultFamily())
        return cls._family

    @classmethod
    def font(cls, size: float, bold: bool = False) -> QFont:
        """A font ``size`` figure units tall (em), for a 96 dpi device."""
        f = QFont(cls.family())
        f.setPointSizeF(size * 72.0 / CSS_DPI)
        f.setBold(bold)
        f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)  # same advances at any scale
        return f

    @classmethod
    def metrics(cls, size: float, bold: bool = False) -> QFontMetricsF:
        if cls._device is None:
            cls._device = _image96(1, 1)
        return QFontMetricsF(cls.font(size, bold), cls._device)

    @classmethod
    def width(cls, text: str, size: float, bold: bool = False) -> float:
        return cls.metrics(size, bold).horizontalAdvance(text)

    @classmethod
    def ascent(cls, size: float) -> float:
        return cls.metrics(size).ascent()

    @classmethod
    def descent(cls, size: float) -> float:
        return cls.metrics(size).descent()

    @classmethod
    def height(cls, size: float) -> float:
        m = cls.metrics(size)
        return m.ascent() + m.descent()


def _image96(w: int, h: int) -> QImage:
    img = QImage(max(w, 1), max(h, 1), QImage.Format.Format_ARGB32_Premultiplied)
    dpm = round(CSS_DPI / 0.0254)
    img.setDotsPerMeterX(dpm)
    img.setDotsPerMeterY(dpm)
    return img


# -- shapes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stroke:
    color: str
    width: float
    alpha: float = 1.0
    dash: tuple[float, ...] | None = None  # on, off ... in figure units
    cap: str = "round"  # round | butt | square
    join: str = "round"  # round | miter | bevel

    @classmethod
    def of(cls, color: Color, width: float, *, alpha: float = 1.0, dash=None, cap: str | None = None,
           join: str = "round") -> Stroke:
        hex_, a = rgba(color, alpha)
        return cls(hex_, float(width), a, tuple(dash) if dash else None, cap or ("butt" if dash else "round"), join)

    def qpen(self) -> QPen:
        pen = QPen(_qcolor(self.color, self.alpha), self.width)
        pen.setCapStyle({"round": Qt.PenCapStyle.RoundCap, "butt": Qt.PenCapStyle.FlatCap,
                         "square": Qt.PenCapStyle.SquareCap}[self.cap])
        pen.setJoinStyle({"round": Qt.PenJoinStyle.RoundJoin, "miter": Qt.PenJoinStyle.MiterJoin,
                          "bevel": Qt.PenJoinStyle.BevelJoin}[self.join])
        if self.dash:
            pen.setDashPattern([d / max(self.width, 1e-9) for d in self.dash])  # Qt: in pen widths
        return pen

    def svg(self) -> str:
        out = f' stroke="{self.color}" stroke-width="{_num(self.width)}"'
        if self.alpha < 1.0:
            out += f' stroke-opacity="{self.alpha:.3g}"'
        if self.cap != "butt":
            out += f' stroke-linecap="{self.cap}"'
        if self.join != "miter":
            out += f' stroke-linejoin="{self.join}"'
        if self.dash:
            out += f' stroke-dasharray="{" ".join(_num(d) for d in self.dash)}"'
        return out


@dataclass(frozen=True)
class Fill:
    color: str
    alpha: float = 1.0

    @classmethod
    def of(cls, color: Color, alpha: float = 1.0) -> Fill:
        return cls(*rgba(color, alpha))

    def svg(self) -> str:
        out = f' fill="{self.color}"'
        if self.alpha < 1.0:
            out += f' fill-opacity="{self.alpha:.3g}"'
        return out


@dataclass
class Path:
    """Subpaths (each ``(n, 2)``, figure units), stroked and/or filled; ``closed`` subpaths
    end where they began."""

    parts: list[np.ndarray]
    stroke: Stroke | None = None
    fill: Fill | None = None
    closed: bool = False
    layer: int = 0

    def svg(self, out: list[str]) -> None:
        paint = (self.stroke.svg() if self.stroke else "") + (self.fill.svg() if self.fill else ' fill="none"')
        # disjoint segments are many short subpaths: several paths, each a reader takes whole
        chunk: list[str] = []
        count = 0
        for p in self.parts:
            if len(p) < 2 and not self.closed:
                continue
            flat = [_num(float(v)) for v in p.ravel()]
            d = "M" + flat[0] + " " + flat[1]
            if len(p) > 1:
                d += "L" + " ".join(flat[2:])
            if self.closed:
                d += "Z"
            chunk.append(d)
            count += len(p)
            if count >= 2 * MAX_SEGMENTS:
                out.append(f'<path d="{"".join(chunk)}"{paint}/>')
                chunk, count = [], 0
        if chunk:
            out.append(f'<path d="{"".join(chunk)}"{paint}/>')

    def paint(self, p: QPainter) -> None:
        path = QPainterPath()
        for part in self.parts:
            if len(part) == 0:
                continue
            path.moveTo(float(part[0, 0]), float(part[0, 1]))
            for x, y in part[1:]:
                path.lineTo(float(x), float(y))
            if self.closed:
                path.closeSubpath()
        p.setPen(self.stroke.qpen() if self.stroke else Qt.PenStyle.NoPen)
        p.setBrush(QBrush(_qcolor(self.fill.color, self.fill.alpha)) if self.fill else Qt.BrushStyle.NoBrush)
        p.drawPath(path)


@dataclass
class Circle:
    x: float
    y: float
    r: float
    stroke: Stroke | None = None
    fill: Fill | None = None
    layer: int = 0

    def svg(self, out: list[str]) -> None:
        paint = (self.stroke.svg() if self.stroke else "") + (self.fill.svg() if self.fill else ' fill="none"')
        out.append(f'<circle cx="{_num(self.x)}" cy="{_num(self.y)}" r="{_num(self.r)}"{paint}/>')

    def paint(self, p: QPainter) -> None:
        p.setPen(self.stroke.qpen() if self.stroke else Qt.PenStyle.NoPen)
        p.setBrush(QBrush(_qcolor(self.fill.color, self.fill.alpha)) if self.fill else Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(self.x, self.y), self.r, self.r)


@dataclass
class Text:
    """One line of text whose anchor point is ``(x, y)``: ``align`` left, center or right
    of it, its baseline at y (``rotate``: turned a quarter counter-clockwise about it, for a
    y-axis title)."""

    x: float
    y: float
    text: str
    size: float
    color: str = "#202020"
    align: str = "left"
    bold: bool = False
    rotate: bool = False
    layer: int = 0

    def svg(self, out: list[str]) -> None:
        anchor = {"left": "start", "center": "middle", "right": "end"}[self.align]
        x, y = _num(self.x), _num(self.y)
        attrs = f' x="{x}" y="{y}" font-family="{SVG_FONT}" font-size="{_num(self.size)}" fill="{self.color}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if self.bold:
            attrs += ' font-weight="bold"'
        if self.rotate:
            attrs += f' transform="rotate(-90 {x} {y})"'
        out.append(f'<text{attrs} xml:space="preserve">{escape(self.text)}</text>')

    def paint(self, p: QPainter) -> None:
        font = Fonts.font(self.size, self.bold)
        w = Fonts.width(self.text, self.size, self.bold)
        dx = {"left": 0.0, "center": -w / 2, "right": -w}[self.align]
        p.setFont(font)
        p.setPen(QColor(self.color))
        if self.rotate:
            p.save()
            p.translate(self.x, self.y)
            p.rotate(-90)
            p.drawText(QPointF(dx, 0.0), self.text)
            p.restore()
        else:
            p.drawText(QPointF(self.x + dx, self.y), self.text)


@dataclass
class Image:
    """An RGBA image (``(h, w, 4)`` uint8, top row first) stretched over a rectangle."""

    x: float
    y: float
    w: float
    h: float
    rgba: np.ndarray
    smooth: bool = True
    layer: int = 0
    _png: bytes | None = field(default=None, repr=False)

    def qimage(self) -> QImage:
        a = np.ascontiguousarray(self.rgba, dtype=np.uint8)
        h, w = a.shape[:2]
        img = QImage(a.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
        return img.copy()  # own the pixels

    def png(self) -> bytes:
        if self._png is None:
            buf = QBuffer()
            buf.open(QIODevice.OpenModeFlag.WriteOnly)
            self.qimage().save(buf, "PNG")
            self._png = bytes(QByteArray(buf.data()).data())
        return self._png

    def svg(self, out: list[str]) -> None:
        data = base64.b64encode(self.png()).decode("ascii")
        style = "" if self.smooth else ' style="image-rendering:pixelated" image-rendering="optimizeSpeed"'
        out.append(
            f'<image x="{_num(self.x)}" y="{_num(self.y)}" width="{_num(self.w)}" height="{_num(self.h)}"'
            f' preserveAspectRatio="none"{style} xlink:href="data:image/png;base64,{data}"/>'
        )

    def paint(self, p: QPainter) -> None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
        p.drawImage(QRectF(self.x, self.y, self.w, self.h), self.qimage())
        p.restore()


Shape = Path | Circle | Text | Image

# layers, for animations: what never changes is painted once below and once above the rest
UNDER, MOVING, OVER = 0, 1, 2


class Canvas:
    """Shapes in the order they are painted, on a ``width`` x ``height`` page of figure
    units. ``layer`` (UNDER, MOVING, OVER) lets an animation paint the still parts once."""

    def __init__(self, width: float, height: float, background: str = "#ffffff", title: str = "") -> None:
        self.width = float(width)
        self.height = float(height)
        self.background = background
        self.title = title
        self.shapes: list[Shape] = []
        self.layer = UNDER  # the layer new shapes go to

    # -- adding shapes -------------------------------------------------------------------------
    def lines(self, parts: Iterable[np.ndarray], color: Color, width: float, *, alpha: float = 1.0,
              dash: Sequence[float] | None = None, cap: str | None = None, join: str = "round") -> None:
        """Polylines (each ``(n, 2)``; a subpath of two points is one segment)."""
        parts = [np.asarray(q, dtype=np.float64) for q in parts]
        parts = [q for q in parts if len(q) >= 2]
        if parts:
            self.shapes.append(Path(parts, Stroke.of(color, width, alpha=alpha, dash=dash, cap=cap, join=join),
                                    layer=self.layer))

    def polygon(self, parts: Iterable[np.ndarray], fill: Color | None, stroke: Color | None = None,
                width: float = 1.0, *, fill_alpha: float = 1.0, stroke_alpha: float = 1.0) -> None:
        parts = [np.asarray(q, dtype=np.float64) for q in parts]
        self.shapes.append(Path(
            parts, Stroke.of(stroke, width, alpha=stroke_alpha, join="miter") if stroke is not None else None,
            Fill.of(fill, fill_alpha) if fill is not None else None, closed=True, layer=self.layer,
        ))

    def rect(self, x: float, y: float, w: float, h: float, fill: Color | None, stroke: Color | None = None,
             width: float = 1.0, *, fill_alpha: float = 1.0) -> None:
        pts = np.array([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], dtype=np.float64)
        self.polygon([pts], fill, stroke, width, fill_alpha=fill_alpha)

    def circle(self, x: float, y: float, r: float, fill: Color | None, stroke: Color | None = None,
               width: float = 1.0, *, fill_alpha: float = 1.0) -> None:
        self.shapes.append(Circle(
            float(x), float(y), float(r), Stroke.of(stroke, width) if stroke is not None else None,
            Fill.of(fill, fill_alpha) if fill is not None else None, layer=self.layer,
        ))

    def text(self, x: float, y: float, text: str, size: float, color: Color = "#202020", *, align: str = "left",
             valign: str = "baseline", bold: bool = False, rotate: bool = False) -> None:
        """``valign``: where y is: the ``baseline``, the ``top``, ``middle`` or ``bottom`` of
        the line (ascent and descent of the font)."""
        if not text:
            return
        a, d = Fonts.ascent(size), Fonts.descent(size)
        shift = {"baseline": 0.0, "top": a, "middle": (a - d) / 2, "bottom": -d}[valign]
        if rotate:
            x, y = x + shift, y
        else:
            y = y + shift
        self.shapes.append(Text(float(x), float(y), text, float(size), rgba(color)[0], align, bold, rotate,
                                layer=self.layer))

    def image(self, x: float, y: float, w: float, h: float, rgba_: np.ndarray, *, smooth: bool = True) -> None:
        self.shapes.append(Image(float(x), float(y), float(w), float(h), rgba_, smooth, layer=self.layer))

    def colors(self) -> list[str]:
        """Every colour the shapes draw with, ``'#rrggbb'``, in order of first use."""
        seen: dict[str, None] = {}
        for s in self.shapes:
            stroke, fill = getattr(s, "stroke", None), getattr(s, "fill", None)
            for c in (stroke and stroke.color, fill and fill.color, s.color if isinstance(s, Text) else None):
                if c:
                    seen.setdefault(c.lower())
        return list(seen)

    # -- output ------------------------------------------------------------------------------
    def svg(self) -> bytes:
        w, h = _num(self.width), _num(self.height)
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1"'
            f' width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
        ]
        if self.title:
            out.append(f"<title>{escape(self.title)}</title>")
        out.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill={quoteattr(self.background)}/>')
        for s in self.shapes:
            s.svg(out)
        out.append("</svg>")
        return ("\n".join(out) + "\n").encode("utf-8")

    def paint(self, p: QPainter, layers: Sequence[int] | None = None, background: bool = True) -> None:
        """Paint onto ``p``, whose transform maps figure units to the device."""
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        if background:
            p.fillRect(QRectF(0, 0, self.width, self.height), QColor(self.background))
        for s in self.shapes:
            if layers is None or s.layer in layers:
                s.paint(p)

    def qimage(self, width: int, layers: Sequence[int] | None = None, background: bool = True) -> QImage:
        """The figure ``width`` pixels wide (height in proportion)."""
        scale = width / self.width
        img = _image96(width, max(1, round(self.height * scale)))
        img.fill(Qt.GlobalColor.transparent if not background else QColor(self.background))
        p = QPainter(img)
        p.scale(scale, scale)
        self.paint(p, layers, background)
        p.end()
        return img

    def png(self, width: int, dpi: float | None = None) -> bytes:
        """PNG ``width`` pixels wide; its resolution tag says ``dpi`` (default: the width
        over the figure's size at 96 dpi), so a document places it at the intended size."""
        img = self.qimage(width)
        dpi = dpi if dpi is not None else CSS_DPI * width / self.width
        dpm = round(dpi / 0.0254)
        img.setDotsPerMeterX(dpm)
        img.setDotsPerMeterY(dpm)
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        img.convertToFormat(QImage.Format.Format_RGB32).save(buf, "PNG")
        return bytes(QByteArray(buf.data()).data())

    def pdf(self) -> bytes:
        """A one-page vector PDF the size of the figure (1 unit = 1/96 inch)."""
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QPdfWriter(buf)
        writer.setResolution(round(CSS_DPI))
        writer.setCreator("Basin")
        writer.setTitle(self.title)
        size = QPageSize(QSizeF(self.width * 72 / CSS_DPI, self.height * 72 / CSS_DPI), QPageSize.Unit.Point,
                         "", QPageSize.SizeMatchPolicy.ExactMatch)
        writer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
        p = QPainter(writer)
        self.paint(p)
        p.end()
        buf.close()
        return bytes(QByteArray(buf.data()).data())


# -- geometry helpers the figures share ---------------------------------------------------------


def clip_polyline(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The parts of the polyline through ``(x, y)`` inside ``box = (x0, x1, y0, y1)``
    (Liang-Barsky on each segment), as a list of ``(n, 2)`` runs; non-finite points break
    the line. Works in data units, so far points (a diverging run) cannot overflow."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return []
    if x.size == 1:
        inside = box[0] <= x[0] <= box[1] and box[2] <= y[0] <= box[3]
        return [np.array([[x[0], y[0]]])] if inside else []
    seg = clip_segments(x[:-1], y[:-1], x[1:], y[1:], box)
    keep, x0, y0, x1, y1, t0, t1 = seg
    idx = np.nonzero(keep)[0]
    if idx.size == 0:
        return []
    runs: list[np.ndarray] = []
    # a run continues while each kept segment starts where the last one ended, uncut
    cont = np.zeros(idx.size, dtype=bool)
    cont[1:] = (idx[1:] == idx[:-1] + 1) & (t1[idx[:-1]] >= 1.0) & (t0[idx[1:]] <= 0.0)
    starts = np.nonzero(~cont)[0]
    ends = np.r_[starts[1:], idx.size]
    for a, b in zip(starts, ends, strict=True):
        j = idx[a:b]
        pts = np.empty((j.size + 1, 2))
        pts[0] = (x0[j[0]], y0[j[0]])
        pts[1:, 0], pts[1:, 1] = x1[j], y1[j]
        runs.append(pts)
    return runs


def clip_segments(xa, ya, xb, yb, box: tuple[float, float, float, float]):
    """Liang-Barsky for many segments at once: ``(keep, x0, y0, x1, y1, t0, t1)``, the
    clipped ends of each segment and where along it they lie."""
    bx0, bx1, by0, by1 = box
    with np.errstate(all="ignore"):
        dx, dy = xb - xa, yb - ya
        keep = np.isfinite(xa) & np.isfinite(ya) & np.isfinite(xb) & np.isfinite(yb)
        t0, t1 = np.zeros(xa.shape), np.ones(xa.shape)
        for d, q in ((-dx, xa - bx0), (dx, bx1 - xa), (-dy, ya - by0), (dy, by1 - ya)):
            keep &= (d != 0) | (q >= 0)
            r = q / d
            t0 = np.where(d < 0, np.maximum(t0, r), t0)
            t1 = np.where(d > 0, np.minimum(t1, r), t1)
        keep &= t0 <= t1
        return keep, xa + t0 * dx, ya + t0 * dy, xa + t1 * dx, ya + t1 * dy, t0, t1


def symbol_parts(symbol: str, size: float, x: float, y: float) -> list[np.ndarray]:
    """The outline of a pyqtgraph scatter symbol (``star``, ``x``, ``t1``, ``d``, ``s``,
    ...), the same shapes the window draws, ``size`` units across, centred on ``(x, y)``."""
    from gui.pg_overrides import symbol_path

    polys = symbol_path(symbol).toSubpathPolygons()
    out = []
    for poly in polys:
        pts = np.array([(pt.x(), pt.y()) for pt in poly], dtype=np.float64)
        if len(pts) >= 2 and np.allclose(pts[0], pts[-1]):
            pts = pts[:-1]
        out.append(pts * size + (x, y))
    return out


def text_box(lines: Sequence[str], size: float, bold_first: bool = False) -> tuple[float, float]:
    """Width and height of lines of text set one below the other."""
    w = max((Fonts.width(t, size, bold_first and i == 0) for i, t in enumerate(lines)), default=0.0)
    return w, len(lines) * Fonts.height(size)


def nice_step(span: float, n: int) -> float:
    """The step of 1, 2 or 5 times a power of ten whose number of intervals over ``span``
    is nearest to ``n``."""
    if not (span > 0 and math.isfinite(span)):
        return 1.0
    mag = 10.0 ** math.floor(math.log10(span / max(n, 1)))
    steps = [m * mag for m in (0.5, 1.0, 2.0, 5.0, 10.0)]
    return min(steps, key=lambda st: abs(math.log(span / st / max(n, 1))))
