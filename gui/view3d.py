"""The landscape as a surface to turn: the 3D view beside or in place of the contour view.

What it draws comes from :mod:`gui.scene3d` (plain numpy): the loss over the view box as a
shaded, colour-mapped mesh (the contour view's colour map and iso-lines), the trajectories
at their loss, their heads, and the critical points marked with their kind. The mesh, the
iso-lines and the box are uploaded once per landscape (and height scale); a new run or an
animation step only replaces the trajectories' few thousand vertices, and turning the camera
uploads nothing.

OpenGL is not everywhere. :func:`gl_problem` says, in one line, why a view cannot start (Qt's
offscreen platform, which has no OpenGL windows and on which pyqtgraph's GL widget crashes;
no driver; no PyOpenGL), probing a context before any GL widget exists; the view then shows
that line and the window keeps working. The view is a native OpenGL window
(``QOpenGLWindow``) in a window container: a ``QOpenGLWidget`` would switch the whole main
window to OpenGL composition, and every repaint of the contour view and the curves would
then go through the (software, on many lecture-hall machines) GL pipeline.

Marks drawn over the picture (critical points in the contour view's symbols, the heads, the
title and axis names) are painted with QPainter after the GL pass, at the projected
positions; one hidden behind the surface (a ray from the camera passes under the mesh on its
way) is drawn faint. The same code draws exported PNGs and the frames of a turning
animation, rendered into a framebuffer object in a context of their own
(:class:`OffscreenView`), on any thread, in the light theme as every export is.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QOffscreenSurface,
    QOpenGLContext,
    QPainter,
    QPainterPath,
    QPen,
    QSurfaceFormat,
)
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from gui.look import LIGHT, Theme
from gui.scene3d import HEIGHT, Geometry, PathLike, Relief, relief_from_surface, track_segments

# Qt platforms without OpenGL windows: a GL view there is never tried (pyqtgraph's crashes)
NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb")
FONT_PT = 11
DARK_LIFT = 0.22  # the dark theme's colour map, brightened this far towards white for lighting

# the camera a new view starts with, and Reset camera goes back to: from the front left,
# a little above, the whole box in view
DEFAULT_CAMERA = {"distance": 4.3, "elevation": 50.0, "azimuth": -62.0, "fov": 50.0, "center": (0.0, 0.0, 0.2)}
CAMERA_LIMITS = {"distance": (0.3, 40.0), "elevation": (-90.0, 90.0), "fov": (5.0, 120.0)}
CLICK_PX = 4  # a press and release this close together is a click (set the start), not a turn

_problems: dict[bool, str | None] = {}


def gl_problem(on_screen: bool = True) -> str | None:
    """Why OpenGL cannot draw here, in one line, or None when it can: ``on_screen`` for a
    view in the window (never tried on a platform without GL windows), else for rendering
    into an image (exports, which also work on the offscreen platform given a display).
    Probes a context once per process; never raises."""
    if on_screen in _problems:
        return _problems[on_screen]
    reason = _probe(on_screen)
    _problems[on_screen] = reason
    return reason


def _probe(on_screen: bool) -> str | None:
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except ImportError as e:  # (PyOpenGL is a dependency; a broken install says so)
        return f"the 3D view needs PyOpenGL, which did not load ({e})"
    app = QGuiApplication.instance()
    if app is None:
        return "the 3D view needs a running Qt application"
    platform = QGuiApplication.platformName()
    if on_screen and platform in NO_GL_PLATFORMS:
        return f"the 3D view needs OpenGL, which Qt's {platform} platform does not offer"
    ctx = QOpenGLContext()
    share = QOpenGLContext.globalShareContext()
    if share is not None:
        ctx.setShareContext(share)
    if not ctx.create():
        return "OpenGL could not start here (no OpenGL driver, or no display to get one from)"
    surface = QOffscreenSurface()
    surface.setFormat(ctx.format())
    surface.create()
    try:
        if not surface.isValid() or not ctx.makeCurrent(surface):
            return "OpenGL started but could not draw (no surface for it)"
        version = gl_version()  # (the offscreen platform's format() says 2.0 whatever the driver offers)
        if not ctx.isOpenGLES() and version < (2, 1):
            return f"the 3D view needs OpenGL 2.1 or newer; this system offers {version[0]}.{version[1]}"
        ctx.doneCurrent()
    finally:
        surface.destroy()
    return None


def gl_version() -> tuple[int, int]:
    """The current context's OpenGL version, read from the driver's own string ("4.5
    (Compatibility Profile) Mesa 22.3.6", "OpenGL ES 3.2 ...")."""
    import re

    from OpenGL import GL

    text = GL.glGetString(GL.GL_VERSION) or b""
    m = re.search(rb"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def release(items) -> None:
    """Free the OpenGL buffers of pyqtgraph GL items (their context current): left to
    Python's finaliser they would be freed after the context, at exit, and crash there."""
    from PySide6.QtOpenGL import QOpenGLBuffer

    for item in items:
        for value in list(vars(item).values()):
            if isinstance(value, QOpenGLBuffer) and value.isCreated():
                value.destroy()
        release(getattr(item, "childItems", list)())


def check_camera(data: object) -> dict:
    """A camera (``DEFAULT_CAMERA``'s keys) from remembered data, each value checked: a
    missing, non-finite or out-of-range value takes the default's place."""
    cam = dict(DEFAULT_CAMERA)
    if not isinstance(data, dict):
        return cam
    for key, (lo, hi) in CAMERA_LIMITS.items():
        v = data.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and lo <= v <= hi:
            cam[key] = float(v)
    az = data.get("azimuth")
    if isinstance(az, int | float) and not isinstance(az, bool) and math.isfinite(az):
        cam["azimuth"] = float(az) % 360.0
    c = data.get("center")
    if (isinstance(c, list | tuple) and len(c) == 3
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 10
                    for v in c)):
        cam["center"] = tuple(float(v) for v in c)
    return cam


# -- what both the window's view and the offscreen renderer draw -------------------------------------


def _rgba(color: str | tuple, alpha: float | None = None) -> tuple[float, float, float, float]:
    c = QColor(*color) if isinstance(color, tuple) else QColor(color)
    return (c.redF(), c.greenF(), c.blueF(), c.alphaF() if alpha is None else alpha)


def _alpha(color: str, a: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(a)
    return c


def _matrix(view, w: int, h: int) -> np.ndarray:
    """The view's projection times model-view, as a row-major 4 x 4 array."""
    m = view.projectionMatrix((0, 0, w, h), (0, 0, w, h)) * view.viewMatrix()
    return np.array(m.data(), dtype=np.float64).reshape(4, 4).T


def project(view, pts: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions ``(N, 2)`` of scene points in a ``w`` x ``h`` picture of ``view``,
    and which lie in front of the camera."""
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 3)
    clip = np.column_stack([pts, np.ones(len(pts))]) @ _matrix(view, w, h).T
    front = clip[:, 3] > 1e-9
    wq = np.where(front, clip[:, 3], 1.0)
    px = np.column_stack([(clip[:, 0] / wq + 1) * 0.5 * w, (1 - clip[:, 1] / wq) * 0.5 * h])
    return px, front


def ray(view, px: float, py: float, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """The scene ray under pixel ``(px, py)``: a point on the near plane and a unit direction."""
    inv = np.linalg.inv(_matrix(view, w, h))
    nx, ny = 2 * px / w - 1, 1 - 2 * py / h
    a = inv @ np.array([nx, ny, -1.0, 1.0])
    b = inv @ np.array([nx, ny, 1.0, 1.0])
    a, b = a[:3] / a[3], b[:3] / b[3]
    d = b - a
    return a, d / np.linalg.norm(d)


def hidden(geometry: Geometry, eye: np.ndarray, pts: np.ndarray, samples: int = 48) -> np.ndarray:
    """Which scene points the surface hides from ``eye``: the straight line to the point
    passes under the mesh somewhere on the way (sampled at ``samples`` places)."""
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 3)
    if pts.size == 0:
        return np.zeros(0, dtype=bool)
    t = np.linspace(0.02, 0.97, samples)[None, :, None]
    p = eye[None, None, :] + t * (pts[:, None, :] - eye[None, None, :])
    s = geometry.surface_z(p[..., 0], p[..., 1])
    with np.errstate(invalid="ignore"):
        under = p[..., 2] < s - 0.004 * HEIGHT
    return under.any(axis=1)


def _star(r: float) -> QPainterPath:
    path = QPainterPath()
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.45
        pt = QPointF(rr * math.cos(a), rr * math.sin(a))
        path.moveTo(pt) if i == 0 else path.lineTo(pt)
    path.closeSubpath()
    return path


def _triangle(r: float) -> QPainterPath:
    path = QPainterPath()
    path.moveTo(0, -r)
    path.lineTo(r * 0.9, r * 0.6)
    path.lineTo(-r * 0.9, r * 0.6)
    path.closeSubpath()
    return path


def _cross(r: float, w: float) -> QPainterPath:
    from PySide6.QtGui import QPainterPathStroker

    path = QPainterPath()
    for sx in (1, -1):
        stroke = QPainterPath()
        stroke.moveTo(-r, -r * sx)
        stroke.lineTo(r, r * sx)
        stroker = QPainterPathStroker()
        stroker.setWidth(w)
        path = path.united(stroker.createStroke(stroke))
    return path


def kind_symbol(kind: str, k: float) -> QPainterPath:
    """The contour view's symbol of a critical point's kind, ``k`` times its size."""
    if kind == "minimum":
        return _star(10 * k)
    if kind == "saddle":
        return _cross(7 * k, 3.2 * k)
    return _triangle(8 * k)


KIND_NAMES = {"minimum": "minimum", "saddle": "saddle", "maximum": "maximum"}


@dataclass
class Scene3D:
    """The GL items of one view and the marks painted over them.

    ``relief`` and ``paths`` are what is shown; ``log`` the height scale; ``k`` and
    ``theme`` the look. Items are made on the first :meth:`attach` and reused."""

    theme: Theme = LIGHT
    k: float = 1.0
    log: bool = False
    relief: Relief | None = None
    paths: tuple[PathLike, ...] = ()
    step: int = 0
    geometry: Geometry | None = None
    items: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)
    heads: list = field(default_factory=list)  # per path: scene point or None, and whether crossed
    view: object = None
    # trajectories smoothed at rest; without multisampling Mesa fades the ends of a smoothed
    # wide line's every segment, so a path of many short ones (a network's) reads as dots
    smooth_paths: bool = True

    def attach(self, view) -> None:
        """Make the items and put them in ``view`` (a GLViewMixin)."""
        import pyqtgraph.opengl as gl

        self.view = view
        mesh = gl.GLMeshItem(smooth=True, computeNormals=False, shader=None, glOptions="opaque")
        iso = gl.GLLinePlotItem(mode="lines", antialias=True, glOptions="translucent")
        frame = gl.GLLinePlotItem(mode="lines", antialias=True, glOptions="translucent")
        for item in (mesh, iso, frame):
            item.setVisible(False)  # until there is a relief to draw
            view.addItem(item)
        self.items = {"mesh": mesh, "iso": iso, "frame": frame}
        self.lines = []
        view.setBackgroundColor(QColor(self.theme.plot_bg))
        if self.relief is not None:
            self._build()

    def detach(self) -> None:
        """Take the items out of the view and free their buffers (its context current)."""
        if self.view is None:
            return
        items = [*self.items.values(), *self.lines]
        release(items)
        for item in items:
            if item in self.view.items:
                self.view.removeItem(item)
        self.items, self.lines, self.view = {}, [], None

    # -- data ---------------------------------------------------------------------------------
    def set_relief(self, relief: Relief, log: bool | None = None) -> None:
        self.relief = relief
        self.log = relief.log_default if log is None else log
        self._build()

    def set_log(self, log: bool) -> None:
        if log != self.log and self.relief is not None:
            self.log = log
            self._build()

    def _build(self) -> None:
        """The mesh, iso-lines and box of the relief at the current height scale."""
        self.geometry = Geometry(self.relief, self.log)
        if not self.items:
            return
        g = self.geometry
        lift = DARK_LIFT if self.theme.name == "dark" else 0.0
        colors = g.colors(self.theme.cmap, lift)
        self.items["mesh"].setMeshData(vertexes=g.vertices(), faces=g.faces(), vertexColors=colors)
        self.items["mesh"].setVisible(True)
        self.items["frame"].setVisible(True)
        self._style_lines()
        self._show_paths()

    def _style_lines(self) -> None:
        g, t, k = self.geometry, self.theme, self.k
        iso = g.iso_segments()
        self.items["iso"].setData(pos=iso if len(iso) else np.zeros((2, 3), np.float32), color=_rgba(t.iso),
                                  width=max(1.0, k))
        self.items["iso"].setVisible(len(iso) > 0)
        self.items["frame"].setData(pos=g.frame(), color=_rgba(t.axis, 0.55), width=max(1.0, k))

    def set_paths(self, paths: tuple[PathLike, ...]) -> None:
        self.paths = tuple(paths)
        self._show_paths()

    def reveal(self, step: int) -> None:
        self.step = step
        self._show_paths()

    def _show_paths(self) -> None:
        if self.geometry is None:
            return
        if self.view is not None:
            import pyqtgraph.opengl as gl

            while len(self.lines) < len(self.paths):
                line = gl.GLLinePlotItem(mode="lines", antialias=self.smooth_paths, glOptions="opaque")
                self.view.addItem(line)
                self.lines.append(line)
            while len(self.lines) > len(self.paths):
                self.view.removeItem(self.lines.pop())
        heads = []
        for i, p in enumerate(self.paths):
            seg, head = track_segments(self.geometry, p, self.step)
            n = p.upto(self.step)
            heads.append((head, p.diverged and n == p.n and self.step >= p.stop, p.color))
            if self.lines:
                line = self.lines[i]
                if len(seg):
                    line.setData(pos=seg, color=_rgba(self.theme.racer(p.color)), width=3 * self.k)
                line.setVisible(len(seg) > 0)
        self.heads = heads

    def set_moving(self, on: bool) -> None:
        """While the camera moves or the data change (a drag, an animation), lines are drawn
        without smoothing: Mesa's software renderer smooths the iso-lines' ten thousand
        segments in a third of a frame. They are smoothed again once everything rests
        (``GLWindow.draft``)."""
        for item in self.items.values():
            if hasattr(item, "antialias"):
                item.antialias = not on
        for item in self.lines:
            item.antialias = not on and self.smooth_paths

    def set_look(self, k: float, theme: Theme) -> None:
        rebuild = theme != self.theme
        self.k, self.theme = k, theme
        if self.view is not None:
            self.view.setBackgroundColor(QColor(theme.plot_bg))
        if self.geometry is not None and self.items:
            if rebuild:
                self._build()
            else:
                self._style_lines()
                self._show_paths()

    # -- marks over the picture -----------------------------------------------------------------
    def paint_marks(self, painter: QPainter, view, w: int, h: int, k: float | None = None, hint: str = "") -> None:
        """Critical points, heads, the title, the axes' names and a key to the symbols, over
        a ``w`` x ``h`` picture of ``view`` (logical pixels of the painter)."""
        g = self.geometry
        if g is None:
            return
        k = self.k if k is None else k
        t = self.theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        cam = view.cameraPosition()
        eye = np.array([cam.x(), cam.y(), cam.z()])
        pts, kinds = g.critical_points()
        if len(pts):
            px, front = project(view, pts, w, h)
            behind = hidden(g, eye, pts)
            for (x, y), ok, kind, back in zip(px, front, kinds, behind, strict=True):
                if not ok:
                    continue
                role = "saddle" if kind == "saddle" else "marker"
                a = 0.3 if back else 1.0  # (alpha in the colours: QPainter's OpenGL engine
                # fills a whole path's box under setOpacity)
                painter.setPen(QPen(_alpha(getattr(t, f"{role}_pen"), a), 1.3 * k))
                painter.setBrush(_alpha(getattr(t, f"{role}_fill"), a))
                painter.drawPath(kind_symbol(kind, k).translated(x, y))
        heads = [(p, crossed, color) for p, crossed, color in self.heads if p is not None]
        if heads:
            hp = np.array([p for p, _c, _col in heads])
            px, front = project(view, hp, w, h)
            behind = hidden(g, eye, hp)
            for (x, y), ok, back, (_p, crossed, color) in zip(px, front, behind, heads, strict=True):
                if not ok:
                    continue
                a = 0.35 if back else 1.0
                fill = _alpha(t.racer(color), a)
                if crossed:
                    painter.setPen(QPen(_alpha(t.marker_pen, a), 1.5 * k))
                    painter.setBrush(fill)
                    painter.drawPath(_cross(10 * k, 2.6 * k).translated(x, y))
                else:
                    painter.setPen(QPen(_alpha(t.head_outline, a), 1.5 * k))
                    painter.setBrush(fill)
                    painter.drawEllipse(QPointF(x, y), 6.5 * k, 6.5 * k)
        self._paint_texts(painter, view, w, h, k, kinds, hint)

    def _paint_texts(self, painter: QPainter, view, w: int, h: int, k: float, kinds, hint: str) -> None:
        g, t = self.geometry, self.theme
        font = QFont()
        font.setPointSizeF(FONT_PT * k)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        # the axes' names at the middle of two floor edges and the height at a vertical edge
        x0, x1, y0, y1 = float(g.sx[0]), float(g.sx[-1]), float(g.sy[0]), float(g.sy[-1])
        anchors = np.array([((x0 + x1) / 2, y0, 0.0), (x1, (y0 + y1) / 2, 0.0), (x0, y0, HEIGHT)])
        names = (*g.relief.axis_labels, g.height_label())
        px, front = project(view, anchors, w, h)
        painter.setPen(QColor(t.plot_fg))
        for (x, y), ok, text in zip(px, front, names, strict=True):
            if ok and -w < x < 2 * w and -h < y < 2 * h:
                tw = fm.horizontalAdvance(text)
                # centred under its anchor, kept whole inside the picture
                x = min(max(x - tw / 2, 4 * k), w - tw - 4 * k)
                y = min(max(y + fm.ascent() + 4 * k, fm.ascent() + 30 * k), h - 30 * k)
                painter.drawText(QPointF(x, y), text)
        title = QFont(font)
        title.setPointSizeF((FONT_PT + 2) * k)
        painter.setFont(title)
        tfm = QFontMetricsF(title)
        painter.drawText(QPointF(8 * k, 6 * k + tfm.ascent()), g.relief.title)
        painter.setFont(font)
        # the key to the symbols, bottom left; the hint bottom right
        x, y = 8 * k, h - 8 * k - fm.descent()
        for kind in ("minimum", "saddle", "maximum"):
            if kind not in kinds:
                continue
            role = "saddle" if kind == "saddle" else "marker"
            painter.setPen(QPen(QColor(getattr(t, f"{role}_pen")), 1.3 * k))
            painter.setBrush(QColor(getattr(t, f"{role}_fill")))
            painter.drawPath(kind_symbol(kind, k * 0.8).translated(x + 8 * k, y - fm.ascent() / 2 + fm.descent()))
            painter.setPen(QColor(t.plot_fg))
            painter.drawText(QPointF(x + 20 * k, y), KIND_NAMES[kind])
            x += 20 * k + fm.horizontalAdvance(KIND_NAMES[kind]) + 14 * k
        if hint:
            painter.setPen(QColor(t.hint if hasattr(t, "hint") else t.plot_fg))
            painter.drawText(QPointF(w - fm.horizontalAdvance(hint) - 8 * k, y), hint)


# -- the window's view ----------------------------------------------------------------------------------


def _gl_window_class():
    """The view's window class (made on first use: pyqtgraph.opengl imports PyOpenGL)."""
    from pyqtgraph.opengl.GLViewWidget import GLViewMixin
    from PySide6.QtOpenGL import QOpenGLWindow

    class GLWindow(GLViewMixin, QOpenGLWindow):
        """pyqtgraph's GL view as a native window: turn (left drag), move (right or middle
        drag, or Ctrl + left), zoom (wheel); a click without a drag on the surface emits
        ``clicked`` with the landscape's coordinates there."""

        clicked = Signal(float, float)
        cameraMoved = Signal()

        def __init__(self, scene: Scene3D) -> None:
            super().__init__()
            self.scene = scene
            self.hint = ""
            self._press: QPointF | None = None
            self.frames_drawn = 0  # (tests and the benchmark count paints)
            self._rest = QTimer(self)  # the camera has stopped: smooth lines again
            self._rest.setSingleShot(True)
            self._rest.setInterval(250)
            self._rest.timeout.connect(self._at_rest)

        def draft(self) -> None:
            """Draw quickly (lines unsmoothed) until nothing has changed for a moment: a
            turning camera, a slider drag or an animation."""
            if not self._rest.isActive():
                self.scene.set_moving(True)
            self._rest.start()

        def _moved(self) -> None:
            self.draft()
            self.cameraMoved.emit()

        def _at_rest(self) -> None:
            self.scene.set_moving(False)
            self.update()

        def orbit(self, azim: float, elev: float) -> None:
            super().orbit(azim, elev)
            self._moved()

        def pan(self, dx: float, dy: float, dz: float, relative: str = "global") -> None:
            super().pan(dx, dy, dz, relative)
            self._moved()

        def devicePixelRatioF(self) -> float:  # (GLViewMixin asks a widget's name for it)
            return float(self.devicePixelRatio())

        def initializeGL(self) -> None:
            super().initializeGL()
            self.scene.attach(self)

        def paintGL(self) -> None:
            from OpenGL import GL

            GL.glViewport(0, 0, self.deviceWidth(), self.deviceHeight())
            super().paintGL()
            painter = QPainter(self)
            try:
                self.scene.paint_marks(painter, self, self.width(), self.height(), hint=self.hint)
            finally:
                painter.end()
            self.frames_drawn += 1

        # camera --------------------------------------------------------------------------------
        def camera(self) -> dict:
            o = self.opts
            c = o["center"]
            return {"distance": float(o["distance"]), "elevation": float(o["elevation"]),
                    "azimuth": float(o["azimuth"]) % 360.0, "fov": float(o["fov"]),
                    "center": (float(c.x()), float(c.y()), float(c.z()))}

        def set_camera(self, cam: dict) -> None:
            from pyqtgraph import Vector

            cam = check_camera(cam)
            self.opts["fov"] = cam["fov"]
            self.setCameraPosition(pos=Vector(*cam["center"]), distance=cam["distance"],
                                   elevation=cam["elevation"], azimuth=cam["azimuth"])

        # mouse ---------------------------------------------------------------------------------
        def mousePressEvent(self, ev) -> None:
            self._press = ev.position()
            super().mousePressEvent(ev)

        def mouseMoveEvent(self, ev) -> None:
            buttons = ev.buttons()
            if buttons == Qt.MouseButton.RightButton:  # move the box, as the middle button does
                lpos = ev.position()
                diff = lpos - getattr(self, "mousePos", lpos)
                self.mousePos = lpos
                self.pan(diff.x(), diff.y(), 0, relative="view-upright")
            else:
                super().mouseMoveEvent(ev)

        def mouseReleaseEvent(self, ev) -> None:
            press, self._press = self._press, None
            if press is None or ev.button() != Qt.MouseButton.LeftButton:
                return
            d = ev.position() - press
            if abs(d.x()) + abs(d.y()) <= CLICK_PX:
                hit = self.pick(ev.position().x(), ev.position().y())
                if hit is not None:
                    self.clicked.emit(*hit)

        def wheelEvent(self, ev) -> None:
            super().wheelEvent(ev)
            self.opts["distance"] = float(np.clip(self.opts["distance"], *CAMERA_LIMITS["distance"]))
            self._moved()

        def pick(self, px: float, py: float) -> tuple[float, float] | None:
            """The landscape's coordinates of the surface under pixel ``(px, py)``."""
            g = self.scene.geometry
            if g is None:
                return None
            origin, direction = ray(self, px, py, self.width(), self.height())
            return g.pick(origin, direction)

    return GLWindow


class View3D(QWidget):
    """The 3D view in the window: a row of controls (reset the camera, log height) over the
    GL view, or one line saying why OpenGL cannot start. The GL view is made the first time
    the view is shown, so a window that never shows it never starts OpenGL.

    The same calls as the contour view: :meth:`set_surface`, :meth:`set_tracks`,
    :meth:`reveal`, :meth:`set_look`; ``startMoved`` when a click sets the start. A network's
    slice plane is shown with :meth:`set_relief` (``gui.scene3d.relief_from_grid``) and
    tracks whose ``xy`` are the racers' weights projected on the plane."""

    startMoved = Signal(float, float)
    cameraChanged = Signal(object)  # the camera, as a dict (remembered by the window)

    def __init__(self, parent: QWidget | None = None, k: float = 1.0, theme: Theme = LIGHT,
                 camera: dict | None = None) -> None:
        super().__init__(parent)
        self.scene = Scene3D(theme=theme, k=k)
        self.camera = check_camera(camera)
        self.problem: str | None = None
        self.gl = None  # the GL window, once made
        self._pending = None  # a surface not drawn yet (the view was hidden)
        self._log_choice: dict[object, bool] = {}  # the height scale chosen per landscape
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        self.reset_button = QToolButton()
        self.reset_button.setText("Reset view")
        self.reset_button.setToolTip("the camera as it first was: from the front left, the whole landscape in view")
        self.reset_button.clicked.connect(self.reset_camera)
        self.log_box = QCheckBox("log height")
        self.log_box.setToolTip("heights as log₁₀(loss − min + δ): the floor of a ravine whose walls rise by "
                                "decades (Rosenbrock's) stays visible")
        self.log_box.toggled.connect(self._on_log)
        self.hint = QLabel("drag: turn · wheel: zoom · click: start")
        self.hint.setToolTip("drag to turn and tilt, right-drag (or Ctrl + drag) to move, the wheel to zoom; "
                             "a click on the surface puts the start there")
        self.hint.setObjectName("hint")
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_button = QToolButton()
        self.save_button.setText("PNG…")
        self.save_button.setToolTip("the 3D view as a PNG image, 1600 pixels wide")
        for wdg in (self.reset_button, self.log_box, self.save_button):
            bar.addWidget(wdg)
        bar.addWidget(self.hint, 1)
        self.bar = QWidget()
        self.bar.setLayout(bar)
        lay.addWidget(self.bar)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.hide()
        lay.addWidget(self.message, 1)
        self.body = lay
        self._camera_timer = QTimer(self)  # the camera is reported once a drag pauses
        self._camera_timer.setSingleShot(True)
        self._camera_timer.setInterval(400)
        self._camera_timer.timeout.connect(lambda: self.cameraChanged.emit(self.current_camera()))

    # -- the GL view, made on first show -----------------------------------------------------------
    @property
    def available(self) -> bool:
        return self.gl is not None

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.start()
        self._catch_up()

    def start(self) -> bool:
        """Make the GL view (once); on failure show why, in one line. Returns whether it runs."""
        if self.gl is not None:
            return True
        if self.problem is not None:
            return False
        self.problem = gl_problem(on_screen=True)
        if self.problem is None:
            try:
                self._make_gl()
            except Exception as e:  # a driver that fails past the probe: say so, keep the window
                self.gl = None
                self.problem = f"OpenGL failed to start the 3D view ({type(e).__name__}: {e})"
        if self.problem is not None:
            self.bar.hide()
            self.message.setText(f"3D view unavailable: {self.problem}. The contour view and everything else work.")
            self.message.show()
            return False
        return True

    def _make_gl(self) -> None:
        fmt = QSurfaceFormat()
        fmt.setDepthBufferSize(24)
        fmt.setStencilBufferSize(8)  # QPainter's OpenGL engine fills paths (the marks) through it
        fmt.setSamples(0)  # multisampling costs a third of the frame rate in software
        window = _gl_window_class()(self.scene)
        window.setFormat(fmt)
        window.hint = ""
        window.set_camera(self.camera)
        window.clicked.connect(self._on_click)
        window.cameraMoved.connect(self._camera_timer.start)
        container = QWidget.createWindowContainer(window, self)
        container.setMinimumSize(160, 160)
        container.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.container = container
        self.body.addWidget(container, 1)
        self.gl = window

    # -- data, as the contour view ---------------------------------------------------------------
    # While the view is hidden nothing is computed: the latest surface, tracks and step are
    # kept and drawn when it is shown.
    def set_surface(self, surface, landscape=None) -> None:
        self._pending = surface
        if self.isVisible():
            self._catch_up()

    def set_relief(self, relief: Relief) -> None:
        """Show a new relief (a landscape, a network's slice): the height scale is the one
        chosen last for it, else its default (log where it spans decades)."""
        self._pending = None
        log = self._log_choice.get(relief.key, relief.log_default)
        self.log_box.blockSignals(True)
        self.log_box.setChecked(log)
        self.log_box.blockSignals(False)
        self.scene.set_relief(relief, log)
        self._update()

    def set_tracks(self, tracks, step: int | None = None) -> None:
        """A new run, shown up to ``step`` (None: the step shown now)."""
        self.scene.paths = tuple(tracks)
        if step is not None:
            self.scene.step = step
        if self.isVisible() and self._pending is None:
            self.scene.set_paths(self.scene.paths)
            self._update()

    def reveal(self, k: int) -> None:
        if k == self.scene.step:
            return
        if self.isVisible() and self._pending is None:
            self.scene.reveal(k)
            self._update()
        else:
            self.scene.step = k

    def _catch_up(self) -> None:
        if self._pending is not None:
            self.set_relief(relief_from_surface(self._pending))  # (draws the kept tracks too)
        else:
            self.scene.set_paths(self.scene.paths)
            self._update()

    def set_live(self, on: bool) -> None:  # (the contour view's call; nothing is cached here)
        pass

    def set_look(self, k: float, theme: Theme) -> None:
        self.scene.set_look(k, theme)
        self._update()

    def set_log(self, on: bool) -> None:
        self.log_box.setChecked(on)

    def _on_log(self, on: bool) -> None:
        if self.scene.relief is not None:
            self._log_choice[self.scene.relief.key] = on
        self.scene.set_log(on)
        self._update()

    def _update(self) -> None:
        if self.gl is not None and self.isVisible():
            self.gl.draft()
            self.gl.update()

    def shutdown(self) -> None:
        """The window is closing: free the GL view's buffers while its context lives, then
        the view (left to the finaliser at exit, they crashed the process there)."""
        gl, self.gl = self.gl, None
        if gl is None:
            return
        self.camera = gl.camera()
        self.problem = "the window is closing"
        if gl.isExposed() or gl.context() is not None:
            gl.makeCurrent()
            self.scene.detach()
            gl.doneCurrent()
        self.container.setParent(None)
        self.container.deleteLater()

    # -- camera ------------------------------------------------------------------------------------
    def current_camera(self) -> dict:
        return self.gl.camera() if self.gl is not None else dict(self.camera)

    def set_camera(self, cam: dict) -> None:
        self.camera = check_camera(cam)
        if self.gl is not None:
            self.gl.set_camera(self.camera)

    def reset_camera(self) -> None:
        self.set_camera(DEFAULT_CAMERA)
        self.cameraChanged.emit(self.current_camera())

    def _on_click(self, x: float, y: float) -> None:
        self.startMoved.emit(x, y)

    # -- export ------------------------------------------------------------------------------------
    def render_image(self, width: int, height: int | None = None) -> QImage:
        """The view as the window shows it (camera, height scale, step), ``width`` pixels
        wide, in the window's shape unless ``height`` is given; marks scaled with it."""
        if self.gl is None:
            raise OSError(self.problem or "the 3D view has not started")
        w0, h0 = max(self.gl.width(), 1), max(self.gl.height(), 1)
        height = height if height is not None else max(2, round(width * h0 / w0))
        self.gl.makeCurrent()
        try:
            return render(self.gl, self.scene, width, height, w0, h0)
        finally:
            self.gl.doneCurrent()

    def export_png(self, path: str | Path, width: int = 1600) -> Path:
        """Write the view as a PNG (whole, or nothing: a temporary name, then renamed)."""
        from gui.outputs import check_width

        target = Path(path)
        img = self.render_image(check_width(width, hi=8192))
        part = target.with_name(f".{target.stem}.part.png")
        try:
            if not img.save(str(part), "PNG"):
                raise OSError(f"cannot write {target}")
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        return target


def render(view, scene: Scene3D, width: int, height: int, w0: int | None = None, h0: int | None = None) -> QImage:
    """Draw ``scene`` as seen by ``view`` (whose context is current) into a ``width`` x
    ``height`` image: the GL pass in a framebuffer object with 4x multisampling, then the
    marks with QPainter. Lines and marks are scaled as the picture is to ``w0`` x ``h0`` (the
    view on screen), so the image looks like the screen, only larger."""
    from OpenGL import GL
    from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

    fmt = QOpenGLFramebufferObjectFormat()
    fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
    fmt.setSamples(4)
    fbo = QOpenGLFramebufferObject(QSize(width, height), fmt)
    scale = width / w0 if w0 else 1.0
    k0 = scene.k
    try:
        if scale != 1.0:
            scene.set_look(k0 * scale, scene.theme)
        fbo.bind()
        GL.glViewport(0, 0, width, height)
        view.paint(region=(0, 0, width, height), viewport=(0, 0, width, height))
        fbo.release()
        img = fbo.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    finally:
        if scale != 1.0:
            scene.set_look(k0, scene.theme)
    painter = QPainter(img)
    try:
        scene.paint_marks(painter, view, width, height, k=k0 * scale)
    finally:
        painter.end()
    return img


# -- rendering without a window (exports, the command line) ----------------------------------------------


class OffscreenView(QObject):
    """pyqtgraph's GL view without a window: a context of its own (sharing the application's
    objects where Qt offers that) and an offscreen surface, in the thread that makes it.
    ``surface`` must be made in the GUI thread (:func:`offscreen_surface`) when this one is
    made in another."""

    def __init__(self, scene: Scene3D, width: int, height: int, surface: QOffscreenSurface | None = None) -> None:
        from pyqtgraph.opengl.GLViewWidget import GLViewMixin

        super().__init__()
        problem = gl_problem(on_screen=False)
        if problem is not None:
            raise OSError(f"the 3D surface needs OpenGL, which cannot start here: {problem}")
        self._size = (width, height)
        self.context = QOpenGLContext()
        share = QOpenGLContext.globalShareContext()
        if share is not None:
            self.context.setShareContext(share)
        if not self.context.create():
            raise OSError("OpenGL could not make a context for the 3D surface")
        self.surface = surface if surface is not None else offscreen_surface(self.context.format())
        if not self.context.makeCurrent(self.surface):
            raise OSError("OpenGL could not draw the 3D surface (no surface)")

        mixin = GLViewMixin

        class _View(mixin, QObject):
            def __init__(inner) -> None:
                super().__init__()

            def width(inner) -> int:
                return self._size[0]

            def height(inner) -> int:
                return self._size[1]

            def devicePixelRatioF(inner) -> float:
                return 1.0

            def update(inner) -> None:
                pass

            def isValid(inner) -> bool:
                return True

            def context(inner) -> QOpenGLContext:
                return self.context

        self.view = _View()  # (not initializeGL: it reads the version from format(), see gl_problem)
        self.scene = scene
        scene.attach(self.view)

    def set_camera(self, cam: dict) -> None:
        from pyqtgraph import Vector

        cam = check_camera(cam)
        self.view.opts["fov"] = cam["fov"]
        self.view.setCameraPosition(pos=Vector(*cam["center"]), distance=cam["distance"],
                                    elevation=cam["elevation"], azimuth=cam["azimuth"])

    def image(self, k_screen: float = 1.0) -> QImage:
        w, h = self._size
        return render(self.view, self.scene, w, h, round(w / k_screen), round(h / k_screen))

    def close(self) -> None:
        self.context.makeCurrent(self.surface)
        self.scene.detach()
        self.context.doneCurrent()


def offscreen_surface(fmt: QSurfaceFormat | None = None) -> QOffscreenSurface:
    """An offscreen surface for :class:`OffscreenView` (make it in the GUI thread)."""
    surface = QOffscreenSurface()
    surface.setFormat(fmt if fmt is not None else QSurfaceFormat.defaultFormat())
    surface.create()
    return surface


def image_rgb(img: QImage) -> np.ndarray:
    """``(h, w, 3)`` uint8 of an image, on white (exports are opaque)."""
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
    return arr[:, : 3 * img.width()].reshape(img.height(), img.width(), 3).copy()


# -- a turning surface as an animation ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TurnSpec:
    """A turning surface to write as GIF or MP4: ``relief`` with ``paths`` growing from
    step 0 to ``end`` while the camera makes one full turn from ``camera``, in the light
    theme; ``width`` pixels wide at 4:3. ``surface``: an offscreen surface made in the GUI
    thread when the frames are rendered in another (the window's export)."""

    relief: Relief
    paths: tuple
    end: int
    path: str
    fmt: str
    width: int
    timing: object
    log: bool | None = None
    camera: dict | None = None
    surface: object = None

    def __post_init__(self) -> None:
        from gui.outputs import ANIMATION_FORMATS, format_of

        format_of(self.path, self.fmt, ANIMATION_FORMATS)

    @property
    def height(self) -> int:
        h = round(self.width * 3 / 4)
        return h - h % 2

    def frames(self, cancel: Callable[[], bool] | None = None,
               progress: Callable[[float, str], None] | None = None) -> Iterator[np.ndarray]:
        """The frames, ``(h, w, 3)`` uint8; raises ``Cancelled`` when ``cancel()`` turns true."""
        from engine.simulation import Cancelled
        from gui.animation import frame_steps

        w = self.width - self.width % 2
        scene = Scene3D(theme=LIGHT, k=1.0)
        scene.set_relief(self.relief, self.log)
        scene.set_paths(self.paths)
        renderer = OffscreenView(scene, w, self.height, self.surface)
        try:
            cam = check_camera(self.camera)
            n = self.timing.frames
            steps = frame_steps(self.end, n)
            k_screen = max(w / 960.0, 0.5)  # marks and lines as on a 960-pixel-wide view
            for i, step in enumerate(steps):
                if cancel is not None and cancel():
                    raise Cancelled()
                scene.reveal(step)
                renderer.set_camera({**cam, "azimuth": cam["azimuth"] + 360.0 * i / n})
                yield image_rgb(renderer.image(k_screen))
                if progress is not None:
                    progress((i + 1) / n, f"turning surface: frame {i + 1} of {n}")
        finally:
            renderer.close()

    def colors(self) -> list[str]:
        return [p.color for p in self.paths]

    def write(self, cancel=None, progress=None) -> Path:
        from gui.animation import write_frames

        return write_frames(Path(self.path), self.fmt, self.frames(cancel, progress), self.timing, self.colors())


def turn_from_tracks(surface, tracks, end: int, path: str, fmt: str, width: int, timing, log: bool | None = None,
                     camera: dict | None = None, surface_gl=None) -> TurnSpec:
    return TurnSpec(relief_from_surface(surface), tuple(tracks), end, str(path), fmt, width, timing, log, camera,
                    surface_gl)


def camera_json(cam: dict) -> str:
    return json.dumps(check_camera(cam))


def camera_from_json(text: object) -> dict:
    try:
        return check_camera(json.loads(text)) if isinstance(text, str) and text else dict(DEFAULT_CAMERA)
    except ValueError:
        return dict(DEFAULT_CAMERA)


__all__ = [
    "DEFAULT_CAMERA", "NO_GL_PLATFORMS", "OffscreenView", "Scene3D", "TurnSpec", "View3D", "camera_from_json",
    "camera_json", "check_camera", "gl_problem", "hidden", "offscreen_surface", "project", "ray", "render",
    "turn_from_tracks",
]


# -- in the window ------------------------------------------------------------------------------------


VIEW_NAMES = {"contour": "&Contour plot", "3d": "&3D surface in its place", "both": "Contour and 3D &side by side"}


class Landscape3D(QObject):
    """The 3D view in the main window: placed between the contour view and the curves,
    shown in place of the contour view, beside it, or not at all (View > Landscape view,
    F3 to switch between the contour and the surface, Shift+F3 for both); fed by the
    window's frames and steps; its camera and the choice remembered (``gui.prefs``)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        prefs = window.prefs
        self.view = View3D(k=window.look.k, theme=window.look.theme, camera=prefs.camera3d)
        self.view.hide()
        window.split.insertWidget(1, self.view)
        window.split.setStretchFactor(1, 5)
        self.mode = "contour"
        self.view.startMoved.connect(window.panel.set_start)
        self.view.cameraChanged.connect(self._remember_camera)
        self.view.save_button.clicked.connect(self.export_dialog)
        window.frameShown.connect(self._on_frame)
        window.stepShown.connect(self.view.reveal)
        self._surface = None
        self.actions: dict[str, object] = {}
        self.set_mode(prefs.landscape_view, remember=False)

    def add_menu(self, menu) -> None:
        """View > Landscape view, and the keys."""
        from PySide6.QtGui import QAction, QActionGroup, QKeySequence

        sub = menu.addMenu("Landscape &view")
        group = QActionGroup(self)
        keys = {"3d": "F3", "both": "Shift+F3"}
        for mode, text in VIEW_NAMES.items():
            a = QAction(text, self.window)
            a.setCheckable(True)
            a.setChecked(mode == self.mode)
            if mode in keys:
                a.setShortcut(QKeySequence(keys[mode]))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(lambda _c=False, m=mode: self.toggle(m))
            group.addAction(a)
            sub.addAction(a)
            self.window.addAction(a)
            self.actions[mode] = a
        sub.addSeparator()
        reset = sub.addAction("Reset the 3D &camera")
        reset.triggered.connect(lambda: self._shown_view().reset_camera())
        export = sub.addAction("Save the 3D view as &PNG…")
        export.triggered.connect(self.export_dialog)
        self.export_action = export

    def toggle(self, mode: str) -> None:
        """F3 and Shift+F3 switch ``mode`` on, or back to the contour plot if it is on."""
        self.set_mode("contour" if mode == self.mode and mode != "contour" else mode)

    def set_mode(self, mode: str, remember: bool = True) -> None:
        if mode not in VIEW_NAMES:
            raise ValueError(f"unknown landscape view {mode!r} (choose from {', '.join(VIEW_NAMES)})")
        split = self.window.split
        self.mode = mode
        self.window.contour.setVisible(mode != "3d")
        self.view.setVisible(mode != "contour")
        # the landscape keeps the larger share, as the contour view alone has it (5 : 3)
        shares = {"contour": (5, 0, 3), "3d": (0, 5, 3), "both": (3.5, 3.5, 3)}[mode]
        sizes = [round(1000 * s / sum(shares)) for s in shares]  # (scaled to the splitter)
        split.setSizes(sizes)
        QTimer.singleShot(0, lambda: split.setSizes(sizes) if self.mode == mode else None)  # once laid out
        for m, a in self.actions.items():
            a.setChecked(m == mode)
        net = getattr(self.window, "net", None)
        if net is not None:
            net.set_landscape_view(mode)  # the network's slice follows the same choice
        if remember:
            self.window.prefs.landscape_view = mode
        if mode != "contour" and self.view.problem is not None:
            self.window.show_refusal(f"3D view unavailable: {self.view.problem}")

    def _on_frame(self, _generation: int) -> None:
        f = self.window.frame
        if f is None:
            return
        if f.surface is not self._surface:
            self._surface = f.surface
            self.view.set_surface(f.surface)
        self.view.set_tracks(f.tracks, self.window.step)

    def set_look(self, look) -> None:
        self.view.set_look(look.k, look.theme)

    def _remember_camera(self, cam: dict) -> None:
        self.window.prefs.camera3d = cam

    def remember(self) -> None:
        if self.view.available:
            self.window.prefs.camera3d = self.view.current_camera()

    def shutdown(self) -> None:
        self.view.shutdown()

    def export_png(self, path: str | Path, width: int = 1600) -> bool:
        try:
            self.view.export_png(path, width)
        except (OSError, ValueError) as e:
            self.window.show_refusal(f"3D view not saved: {e}")
            return False
        self.window.statusBar().showMessage(f"3D view written to {path}", 8000)
        return True

    def _shown_view(self) -> View3D:
        """The 3D view of the model shown: the landscape's, or the network slice's."""
        if getattr(self.window, "model", "two") == "network":
            return self.window.net.surface3d.view
        return self.view

    def export_dialog(self) -> None:
        from gui.file_menu import ask_save

        if getattr(self.window, "model", "two") == "network":
            self.window.net.surface3d.export_dialog()
            return
        if not self.view.available:
            self.window.show_refusal(f"3D view unavailable: {self.view.problem or 'show it first (F3)'}")
            return
        path = ask_save(self.window, "Save the 3D view", f"basin-{self.window.panel.settings.landscape}-3d.png", "png")
        if path:
            self.export_png(path)

    def turn_spec(self, path: str, fmt: str, width: int, timing) -> TurnSpec:
        """A turning animation of what the window shows, from the 3D view's camera and
        height scale; its offscreen surface made here, in the GUI thread."""
        f = self.window.frame
        if f is None:
            raise ValueError("nothing to animate yet")
        problem = gl_problem(on_screen=False)
        if problem is not None:
            raise ValueError(f"the turning 3D surface needs OpenGL: {problem}")
        relief = relief_from_surface(f.surface)
        log = self.view.scene.log if self.view.scene.relief is not None and self.view.scene.relief.key == relief.key \
            else relief.log_default
        return TurnSpec(relief, tuple(f.tracks), self.window.last_step, str(path), fmt, width, timing, log,
                        self.view.current_camera(), offscreen_surface())
