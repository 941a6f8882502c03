"""How the window looks: one zoom factor and a light or a dark theme.

The zoom scales every text, control, line width, marker and plot font of the window at once
(the application font for the widgets, ``k`` for the plots, whose fonts and pens are set in
points and pixels); the theme colours the widgets (a Fusion palette and the window's style
sheet) and the plots. Both are remembered (``gui.prefs``). Exported figures keep the light
theme at their own scale: they are made for paper and slides, whatever the window shows.

The racers' colours are the Okabe-Ito set (M. Okabe and K. Ito, "Color Universal Design",
2002; B. Wong, "Points of view: Color blindness", Nature Methods 8:441, 2011), with
Paul Tol's purple (P. Tol, "Colour schemes", SRON/EPS/TN/09-002, 2021) for Adam: dark
enough to read on the pale contour image. On the dark theme each is replaced by a lighter
one of the same family. Simulated deuteranopia, protanopia and tritanopia (Machado, Oliveira
and Fernandes 2009) keep the seven optimizers' colours apart in both themes (the tests
check it). Settings and exported figures keep the light colour: :meth:`Theme.racer`
translates it for the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from gui.settings import PALETTE

# The zoom steps of View > Zoom in / Zoom out (Ctrl++ / Ctrl+-); 1 is Ctrl+0
ZOOMS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0, 2.25, 2.5)
PRESENTATION_ZOOM = 1.6  # F5: for the back row of a lecture hall, on a screen of 1280 x 800 or more
PRESENTATION_SCREEN = (1280, 800)


def longest_fitting(forms, width_of, room: float) -> str:
    """The first of ``forms`` (a text's forms, longest first) whose ``width_of`` is at most
    ``room``; the last, shortest, if none is (the caller's label then cuts it)."""
    return next((f for f in forms if width_of(f) <= room), forms[-1])


def presentation_zoom(width: int, height: int) -> float:
    """F5's zoom on a screen of ``width`` x ``height`` free pixels: :data:`PRESENTATION_ZOOM`
    on 1280 x 800 and larger, in proportion on a smaller screen (a projector's 1024 x 768
    gets 1.25: at 1.6 the network's panes were left 200 pixels tall and the race table cut),
    one of :data:`ZOOMS`, never below 1."""
    scale = min(1.0, width / PRESENTATION_SCREEN[0], height / PRESENTATION_SCREEN[1])
    want = PRESENTATION_ZOOM * scale
    return max([z for z in ZOOMS if 1.0 <= z <= want + 1e-9], default=1.0)
BASE_FONT_PT = 11.0  # the application font at zoom 1: readable from a few metres


def zoom_step(zoom: float, steps: int) -> float:
    """The zoom ``steps`` steps of :data:`ZOOMS` away from ``zoom`` (clamped to the ends)."""
    i = min(range(len(ZOOMS)), key=lambda j: abs(ZOOMS[j] - zoom))
    return ZOOMS[min(max(i + steps, 0), len(ZOOMS) - 1)]


def clamp_zoom(zoom: float) -> float:
    """A remembered zoom brought back into the range the window offers."""
    try:
        z = float(zoom)
    except (TypeError, ValueError):
        return 1.0
    if z != z:  # NaN
        return 1.0
    return min(max(z, ZOOMS[0]), ZOOMS[-1])


@dataclass(frozen=True)
class Theme:
    """The colours of one theme. Colours are ``#rrggbb`` strings or RGBA tuples."""

    name: str
    title: str
    window: str  # panels and docks
    base: str  # text fields, lists
    alt: str
    text: str
    hint: str  # secondary text
    head: str  # column headings
    button: str
    highlight: str
    highlight_text: str
    link: str
    plot_bg: str
    plot_fg: str  # axis texts and titles
    axis: str
    legend_bg: tuple[int, int, int, int]
    legend_pen: str
    cmap: tuple[tuple[float, tuple[int, int, int]], ...]  # low loss first
    iso: tuple[int, int, int, int]
    field: tuple[int, int, int, int]  # the gradient field's arrows
    marker_fill: str  # minima and maxima
    marker_pen: str
    saddle_fill: str
    saddle_pen: str
    start_pen: str
    start_brush: tuple[int, int, int, int]
    head_outline: str  # ring around a trajectory's head
    guide: str  # dashed and dotted guides: tol, the step cursor
    label_bg: tuple[int, int, int, int]  # behind texts on a plot
    label_fg: str
    mark: str  # a lesson's rings on the landscape
    good: str
    bad: str
    warn: str
    running: str
    degenerate: str
    invalid_border: str
    invalid_bg: str
    racers: dict[str, str] = field(default_factory=dict)  # light colour -> this theme's

    def racer(self, color: str) -> str:
        """The colour a racer of (light, canonical) ``color`` is drawn in."""
        return self.racers.get(color.lower(), color)


RACER_COLORS = PALETTE  # canonical racer colours (the light theme's): gui.settings owns them
# the same families, light enough for the dark theme's plots (contrast >= 3 on its darkest)
DARK_RACERS = ("#8ccbff", "#ff7f3f", "#33c28f", "#d873b8", "#f0e442", "#a5a5ff", "#ffffff", "#ffc0dc",
               "#a8e070", "#b0b0b0")

LIGHT = Theme(
    name="light", title="Light",
    window="#efefef", base="#ffffff", alt="#f5f5f5", text="#202020", hint="#505050", head="#606060",
    button="#e8e8e8", highlight="#2f6fb0", highlight_text="#ffffff", link="#0b5cad",
    plot_bg="#ffffff", plot_fg="#202020", axis="#404040",
    legend_bg=(255, 255, 255, 215), legend_pen="#808080",
    # pale cool greys, low loss lightest: every racer's colour reads on it, on a screen and
    # through a projector, and the basins show as light pools
    cmap=((0.0, (255, 255, 255)), (0.25, (234, 239, 245)), (0.6, (204, 213, 224)), (1.0, (176, 188, 204))),
    iso=(70, 80, 100, 90), field=(60, 70, 90, 150),
    marker_fill="#ffffff", marker_pen="#111111", saddle_fill="#333333", saddle_pen="#ffffff",
    start_pen="#000000", start_brush=(255, 255, 255, 120), head_outline="#ffffff",
    guide="#303030", label_bg=(255, 255, 255, 200), label_fg="#111111", mark="#8a5a00",
    good="#1a7f37", bad="#c0161b", warn="#a15c00", running="#404040", degenerate="#6f42c1",
    invalid_border="#d62728", invalid_bg="#fff0f0",
)

DARK = Theme(
    name="dark", title="Dark",
    window="#262a30", base="#1b1e23", alt="#22262c", text="#e6e6e6", hint="#a8adb5", head="#9aa0a8",
    button="#343941", highlight="#3d7fc4", highlight_text="#ffffff", link="#7fb8f0",
    plot_bg="#101419", plot_fg="#e0e0e0", axis="#b8bcc4",
    legend_bg=(24, 28, 34, 225), legend_pen="#8a9099",
    # low loss darkest: the basins show as dark pools, the light racers read on all of it
    cmap=((0.0, (16, 20, 25)), (0.25, (26, 31, 39)), (0.6, (40, 47, 58)), (1.0, (60, 69, 84))),
    iso=(170, 180, 200, 80), field=(190, 200, 215, 140),
    marker_fill="#ffffff", marker_pen="#000000", saddle_fill="#e0e0e0", saddle_pen="#000000",
    start_pen="#ffffff", start_brush=(0, 0, 0, 110), head_outline="#101419",
    guide="#c8ccd4", label_bg=(16, 20, 25, 210), label_fg="#f0f0f0", mark="#f0b040",
    good="#56d364", bad="#ff7b72", warn="#e3b341", running="#c9d1d9", degenerate="#b392f0",
    invalid_border="#ff7b72", invalid_bg="#3a1e1e",
    racers=dict(zip(RACER_COLORS, DARK_RACERS, strict=True)),
)

THEMES = {t.name: t for t in (LIGHT, DARK)}


@dataclass(frozen=True)
class Look:
    """The window's zoom and theme."""

    zoom: float = 1.0
    theme: Theme = LIGHT

    @property
    def k(self) -> float:
        """The plots' scale (fonts in points, pens and markers in pixels)."""
        return self.zoom


_current = Look()


def current() -> Look:
    """The look the window shows now (the light theme at zoom 1 until the window sets one)."""
    return _current


def stylesheet(look: Look) -> str:
    """The window's style sheet: only colours and sizes the palette cannot carry."""
    t = look.theme
    border = max(1, round(2 * look.zoom))
    return f"""
QLabel#hint, QLabel[role="hint"] {{ color: {t.hint}; }}
QLabel[role="head"] {{ color: {t.head}; }}
QLabel[role="warn"] {{ color: {t.warn}; }}
NumberBox[invalid="true"], QLineEdit[invalid="true"] {{
    border: {border}px solid {t.invalid_border}; background: {t.invalid_bg}; }}
QGroupBox {{ font-weight: bold; margin-top: 1.2em; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 6px; }}
QGroupBox QLabel, QGroupBox QRadioButton, QGroupBox QListWidget, QGroupBox QPushButton {{ font-weight: normal; }}
"""


def palette(theme: Theme) -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, theme.window), (roles.WindowText, theme.text), (roles.Base, theme.base),
        (roles.AlternateBase, theme.alt), (roles.Text, theme.text), (roles.Button, theme.button),
        (roles.ButtonText, theme.text), (roles.Highlight, theme.highlight),
        (roles.HighlightedText, theme.highlight_text), (roles.ToolTipBase, theme.base),
        (roles.ToolTipText, theme.text), (roles.Link, theme.link), (roles.PlaceholderText, theme.hint),
        (roles.BrightText, theme.bad),
    ):
        p.setColor(role, QColor(color))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.hint))
    return p


def apply(look: Look, app: QApplication | None = None) -> None:
    """Make ``look`` current and give the application its font, style and palette. The
    window restyles its plots and fixed-size panes itself (``MainWindow.set_look``)."""
    global _current
    _current = look
    app = app or QApplication.instance()
    if app is None:
        return
    if app.style().name().lower() != "fusion":  # the palette is honoured the same everywhere
        app.setStyle("Fusion")
    app.setPalette(palette(look.theme))
    font = QFont(app.font())
    font.setPointSizeF(BASE_FONT_PT * look.zoom)
    app.setFont(font)


__all__ = [
    "BASE_FONT_PT", "DARK", "LIGHT", "PRESENTATION_ZOOM", "RACER_COLORS", "THEMES", "ZOOMS", "Look", "Theme",
    "apply", "clamp_zoom", "current", "longest_fitting", "palette", "presentation_zoom", "stylesheet", "zoom_step",
]
