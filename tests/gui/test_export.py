"""Exports: PNG, SVG, PDF and CSV from the window and headless. The SVG is rendered by two
independent renderers (Qt's QSvgRenderer and librsvg's rsvg-convert) and the PDF by
poppler's pdftoppm, and each picture is compared with the PNG export: the same picture
overall, and each trajectory's colour where that trajectory is drawn. Failures are
reported in one line, not raised."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QMessageBox

from engine import Optimizer, make_landscape, make_optimizer, simulate
from engine.records import read_csv, run_to_csv
from gui.canvas import Path as PathShape
from gui.canvas import Text
from gui.chart import TICK_FONT
from gui.figure import Scene, figure_canvas, run_tracks, save_figure
from gui.file_menu import window_scene
from gui.main_window import MainWindow
from gui.prefs import user_settings

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
RSVG = shutil.which("rsvg-convert")
PDFTOPPM = shutil.which("pdftoppm")
# CI installs both (.ci/setup test): there a missing renderer fails the tests instead
needs_rsvg = pytest.mark.skipif(RSVG is None and not os.environ.get("CI"),
                                reason="rsvg-convert (librsvg2-bin) is not installed")
needs_poppler = pytest.mark.skipif(PDFTOPPM is None and not os.environ.get("CI"),
                                   reason="pdftoppm (poppler-utils) is not installed")


def check_png(path: Path, width: int) -> QImage:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    img = QImage(str(path))
    assert not img.isNull()
    assert img.width() == width and img.height() > 100
    # not blank: a picture has many colours
    px = {img.pixel(x, y) for x in range(0, img.width(), 17) for y in range(0, img.height(), 17)}
    assert len(px) > 20
    return img


def check_svg(path: Path) -> ET.Element:
    """A portable SVG: figure coordinates and plain strokes; no scaled groups, no
    vector-effect, no clip paths (Qt's reader has none); markers and lines as shapes."""
    text = path.read_text()
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert "vector-effect" not in text and "clip-path" not in text and "<g" not in text
    for el in root.iter():
        t = el.get("transform")
        assert t is None or (el.tag == f"{SVG}text" and t.startswith("rotate(-90 ")), (el.tag, t)
    paths = root.findall(f"{SVG}path")
    assert len(paths) > 10
    assert len(root.findall(f"{SVG}image")) <= 2  # the landscape's colours (and a map): never a marker
    return root


# -- renderers ------------------------------------------------------------------------------------


def render_qt(svg: Path, width: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    assert renderer.isValid()
    box = renderer.viewBoxF()  # (the default size is rounded to whole pixels)
    img = QImage(width, max(1, round(box.height() * width / box.width())), QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(p)
    p.end()
    return img


def render_rsvg(svg: Path, width: int, tmp: Path) -> QImage:
    out = tmp / f"{svg.stem}-rsvg.png"
    subprocess.run([RSVG, "-w", str(width), "-b", "white", "-o", str(out), str(svg)], check=True, timeout=60)
    return QImage(str(out))


def render_pdf(pdf: Path, width: int, tmp: Path) -> QImage:
    base = tmp / f"{pdf.stem}-pdf"
    subprocess.run([PDFTOPPM, "-png", "-singlefile", "-scale-to-x", str(width), "-scale-to-y", "-1", str(pdf),
                    str(base)], check=True, timeout=60)
    return QImage(str(base) + ".png")


def pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
    return arr[:, : 3 * img.width()].reshape(img.height(), img.width(), 3).astype(np.int16)


def mean_difference(a: QImage, b: QImage, width: int = 240) -> float:
    """Mean absolute difference (0-255) of two pictures scaled down to ``width`` pixels: the
    same picture drawn by two renderers differs only in antialiasing at edges."""
    h = round(a.height() * width / a.width())
    size = (width, h)
    aa = pixels(a.scaled(*size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation))
    bb = pixels(b.scaled(*size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation))
    return float(np.abs(aa - bb).mean())


def track_spots(canvas, colors: list[str], width: float, scale: float, n: int = 12) -> dict[str, np.ndarray]:
    """For each track colour, up to ``n`` pixel positions on that track's line (a path of
    that colour and ``width``) at least 8 pixels from every other track's line."""
    lines = {c: np.vstack([p for s in canvas.shapes if isinstance(s, PathShape) and s.stroke is not None
                           and s.stroke.color == c and s.stroke.width == width for p in s.parts])
             for c in colors}
    out = {}
    for c, pts in lines.items():
        others = [lines[o] for o in colors if o != c]
        far = np.ones(len(pts), dtype=bool)
        for o in others:
            d = np.min(np.hypot(pts[:, None, 0] - o[None, :, 0], pts[:, None, 1] - o[None, :, 1]), axis=1)
            far &= d * scale > 8
        pick = pts[far]
        if len(pick) > n:
            pick = pick[np.linspace(0, len(pick) - 1, n).astype(int)]
        out[c] = np.round(pick * scale).astype(int)
    return out


def colour_at(img: np.ndarray, x: int, y: int, color: str) -> float:
    """The smallest difference to ``color`` in the 5x5 pixels around ``(x, y)``."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    patch = img[max(y - 2, 0) : y + 3, max(x - 2, 0) : x + 3].reshape(-1, 3)
    return float(np.min(np.abs(patch - rgb).max(axis=1)))


def assert_same_picture(reference: QImage, others: dict[str, QImage], canvas, colors: list[str], width: float,
                        limit: float = 6.0) -> None:
    """Every renderer's picture matches the PNG: overall, and each trajectory's colour where
    it is drawn."""
    ref = pixels(reference)
    scale = reference.width() / canvas.width
    spots = track_spots(canvas, colors, width, scale)
    # (racers may share a path: at least two of them are seen apart)
    assert sum(len(v) >= 3 for v in spots.values()) >= 2, {c: len(v) for c, v in spots.items()}
    for name, img in others.items():
        assert abs(img.width() - reference.width()) <= 1 and abs(img.height() - reference.height()) <= 1, name
        mad = mean_difference(reference, img)
        assert mad < limit, f"{name}: mean difference {mad:.2f} from the PNG"
        arr = pixels(img)
        seen = total = 0
        for c, pts in spots.items():
            for x, y in pts:
                total += 1
                if colour_at(ref, x, y, c) < 12:  # the line's core in the PNG (not under a legend or a marker)
                    seen += 1
                    assert colour_at(arr, x, y, c) < 40, (name, c, x, y)
        assert seen >= max(6, total // 2), (seen, total)


# -- the window's figure ------------------------------------------------------------------------


def race_apart(window: MainWindow, settle) -> None:
    """Three racers whose trajectories part ways on himmelblau (colours can be told apart)."""
    from engine.inits import Init
    from gui.settings import OptimizerEntry, Settings

    entries = (
        OptimizerEntry("gd", (("alpha", 0.01),), "#1f77b4"),
        OptimizerEntry("momentum", (("alpha", 0.01), ("mu", 0.9)), "#ff7f0e"),
        OptimizerEntry("adam", (("alpha", 0.05), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8)), "#9467bd"),
    )
    window.panel.apply_settings(Settings("himmelblau", (), entries, Init("point", (-0.5, 4.8)), 300))
    settle(window)


@needs_rsvg
@pytest.mark.parametrize("what", ["both", "contour", "curves"])
def test_svg_renders_alike_in_two_renderers_and_matches_the_png(window: MainWindow, tmp_path: Path, settle,
                                                                 what: str) -> None:
    race_apart(window, settle)
    png, svg = tmp_path / f"{what}.png", tmp_path / f"{what}.svg"
    assert window.export_figure(png, what, 1200)
    assert window.export_figure(svg, what)
    reference = check_png(png, 1200)
    root = check_svg(svg)
    canvas = figure_canvas(window_scene(window), what)
    colors = [t.color for t in window.frame.tracks]
    # one path per trajectory (width 3) and per training curve and legend sample (2.5), not
    # hundreds of two-point lines
    expected = {"both": (1, 3), "contour": (1, 1), "curves": (0, 3)}[what]
    for c in colors:
        widths = [p.get("stroke-width") for p in root.findall(f"{SVG}path") if p.get("stroke") == c]
        assert (widths.count("3"), widths.count("2.5")) == expected, (c, widths)
    line_width = 3.0 if what != "curves" else 2.5
    assert_same_picture(reference, {"qt": render_qt(svg, 1200), "rsvg": render_rsvg(svg, 1200, tmp_path)}, canvas,
                        colors, line_width)


@needs_poppler
def test_pdf_is_a_vector_figure_that_matches_the_png(window: MainWindow, tmp_path: Path, settle) -> None:
    race_apart(window, settle)
    png, pdf = tmp_path / "f.png", tmp_path / "f.pdf"
    assert window.export_figure(png, "both", 1200)
    assert window.export_figure(pdf, "both")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    canvas = figure_canvas(window_scene(window), "both")
    colors = [t.color for t in window.frame.tracks]
    assert_same_picture(check_png(png, 1200), {"pdf": render_pdf(pdf, 1200, tmp_path)}, canvas, colors, 3.0)
    # text as text, not pixels: the title and the axis titles can be found in it
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "himmelblau" in text and "gradient norm" in text


def test_png_width_or_resolution(window: MainWindow, tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert window.export_figure(a, "contour", 700)
    check_png(a, 700)
    assert window.export_figure(b, "contour", dpi=300)
    canvas = figure_canvas(window_scene(window), "contour")
    img = check_png(b, round(canvas.width * 300 / 96))
    assert round(img.dotsPerMeterX() * 0.0254) == 300  # a document places it at the figure's size


def test_the_figure_shows_the_view_the_tolerance_and_titles_whole(window: MainWindow, qtbot) -> None:
    window.contour.plot.vb.setRange(xRange=(-1.0, 1.5), yRange=(-0.5, 1.5), padding=0.0)
    view = window.contour.view_range()
    scene = window_scene(window)
    assert scene.view == view
    from gui.figure import draw_contour

    c = figure_canvas(scene, "contour")
    from gui.canvas import Canvas

    plot = draw_contour(Canvas(c.width, c.height), 0, 0, c.width, c.height, scene)
    assert plot.box == pytest.approx((view[0][0], view[0][1], view[1][0], view[1][1]))
    assert plot.w / plot.h == pytest.approx((view[0][1] - view[0][0]) / (view[1][1] - view[1][0]), rel=1e-6)
    both = figure_canvas(scene, "both")
    texts = [s for s in both.shapes if isinstance(s, Text)]
    from gui.canvas import Fonts

    for t in texts:  # every text whole on the page, with a margin (titles too)
        if t.rotate:
            continue
        w = Fonts.width(t.text, t.size, t.bold)
        x0 = t.x - {"left": 0, "center": w / 2, "right": w}[t.align]
        assert x0 >= 4 and x0 + w <= both.width - 4, t.text
        assert t.y - Fonts.ascent(t.size) >= 4 and t.y + Fonts.descent(t.size) <= both.height - 4, t.text
    tol = [t for t in texts if t.text == "tol"]
    assert len(tol) == 1 and tol[0].size == TICK_FONT


def test_figure_includes_the_basins_and_the_gradient_field_shown(window: MainWindow, qtbot, settle) -> None:
    from gui.analysis_views import FIELD_COLOR
    from gui.canvas import Image, rgba
    from gui.chart import place_legend  # noqa: F401  (the legends' placement is what is checked below)

    an = window.analysis
    window.panel.apply_settings(replace(window.panel.settings, landscape="himmelblau", params=()))
    settle(window)
    an.panel.basin_grid.setCurrentIndex(0)
    an.basins_action.setChecked(True)
    an.field_action.setChecked(True)
    qtbot.waitUntil(lambda: an.is_current("basins"), timeout=20000)
    # the refinement was cancelled: the note must not reach the figure
    r = an.results["basins"]
    an.results["basins"] = replace(r, plan=replace(r.plan, note="refinement cancelled"))
    an.results["basins"] = replace(an.results["basins"], spec=r.spec)
    scene = window_scene(window)
    assert scene.overlays.basins is an.results["basins"] and scene.overlays.field
    c = figure_canvas(scene, "contour")
    assert sum(isinstance(s, Image) for s in c.shapes) == 2  # the landscape and the basin map
    field_color = rgba(FIELD_COLOR)[0]
    assert any(isinstance(s, PathShape) and s.stroke is not None and s.stroke.color == field_color for s in c.shapes)
    texts = [s.text for s in c.shapes if isinstance(s, Text)]
    assert not any("cancelled" in t for t in texts)
    assert any(t.startswith("basins of") for t in texts)
    # no legend box covers a minimum
    from gui.canvas import Canvas
    from gui.figure import draw_contour

    plot = draw_contour(Canvas(c.width, c.height), 0, 0, c.width, c.height, scene)
    boxes = [s for s in c.shapes if isinstance(s, PathShape) and s.fill is not None and s.fill.color == "#ffffff"
             and s.stroke is not None and s.stroke.color == "#808080"]
    assert len(boxes) == 2  # the racers' legend and the basins'
    for cp in window.frame.surface.critical:
        if cp.kind != "minimum" or not plot.inside(*cp.point):
            continue
        fx, fy = plot.point(*cp.point)
        for b in boxes:
            (x0, y0), (x1, y1) = b.parts[0].min(axis=0), b.parts[0].max(axis=0)
            assert not (x0 - 6 <= fx <= x1 + 6 and y0 - 6 <= fy <= y1 + 6), (cp.point, "under a legend")
    (ax0, ay0), (ax1, ay1) = boxes[0].parts[0].min(axis=0), boxes[0].parts[0].max(axis=0)
    (bx0, by0), (bx1, by1) = boxes[1].parts[0].min(axis=0), boxes[1].parts[0].max(axis=0)
    assert ax1 < bx0 or bx1 < ax0 or ay1 < by0 or by1 < ay0  # the legends do not overlap


def test_training_curves_alone_have_a_legend(window: MainWindow) -> None:
    c = figure_canvas(window_scene(window), "curves")
    texts = {s.text for s in c.shapes if isinstance(s, Text)}
    for t in window.frame.tracks:
        assert t.label in texts


def test_window_exports_csv_like_the_engine(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    assert window.export_csv(path)
    text = path.read_text()
    assert text.splitlines()[0] == "optimizer,step,loss,grad_norm,theta_0,theta_1"
    assert text == run_to_csv(window.frame.run)
    back = read_csv(path)
    assert len(back) == 4
    first = next(iter(back.values()))
    np.testing.assert_array_equal(first["theta"][0], [-1.5, 2.0])


def test_unwritable_path_shows_an_error_and_changes_nothing(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    frame = window.frame
    missing = tmp_path / "no" / "such" / "folder"
    for name in ("f.png", "f.svg", "f.pdf"):
        assert not window.export_figure(missing / name)
    assert not window.export_csv(missing / "t.csv")
    assert len(shown) == 4 and all("folder" in s or "No such file" in s for s in shown)
    assert not (tmp_path / "no").exists()
    assert window.frame is frame and window.simulator.is_running()
    assert window.export_figure(tmp_path / "ok.png", width=400)  # and the window carries on


@pytest.mark.parametrize(("name", "fmt", "message"), [
    ("figure.gif", None, "cannot tell the format"),
    ("figure.jpg", "png", "a PNG file's name must end in .png"),
    ("figure.svg", "png", "a PNG file's name must end in .png"),
    ("figure", "pdf", "a PDF file's name must end in .pdf"),
])
def test_a_name_that_is_not_the_format_is_refused(window: MainWindow, tmp_path: Path, monkeypatch, name, fmt,
                                                  message) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    assert not window.export_figure(tmp_path / name, fmt=fmt)
    assert message in shown[0] and shown[0].count("\n") == 1  # a heading and one line
    assert not list(tmp_path.iterdir())


def _run():
    land = make_landscape("himmelblau")
    opt = Optimizer.stack([make_optimizer("gd", alpha=0.01), make_optimizer("adam", alpha=0.1)])
    return land, simulate(land, opt, np.array([[-0.5, 4.8]] * 2), 300), opt


@needs_rsvg
def test_save_figure_png_svg_pdf(qapp, tmp_path: Path) -> None:
    land, run, opt = _run()
    save_figure(land, run, tmp_path / "a.png", optimizer=opt, width=1200, tol=1e-6)
    check_png(tmp_path / "a.png", 1200)
    save_figure(land, run, tmp_path / "a.svg", optimizer=opt, tol=1e-6)
    check_svg(tmp_path / "a.svg")
    save_figure(land, run, tmp_path / "a.pdf", optimizer=opt)
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    save_figure(land, run, tmp_path / "b.png", optimizer=opt, fmt="png", width=640, what="curves",
                colors=["#000000", "#ff0000"])
    check_png(tmp_path / "b.png", 640)
    save_figure(land, run, tmp_path / "thumb.png", optimizer=opt, width=300)  # a thumbnail: scaled down
    assert QImage(str(tmp_path / "thumb.png")).width() == 300
    surface, tracks = run_tracks(land, run, opt)
    canvas = figure_canvas(Scene(surface, land, tracks, run.steps, tol=1e-6), "both")
    assert_same_picture(QImage(str(tmp_path / "a.png")), {"rsvg": render_rsvg(tmp_path / "a.svg", 1200, tmp_path),
                                                         "qt": render_qt(tmp_path / "a.svg", 1200)},
                        canvas, [t.color for t in tracks], 3.0)


def test_save_figure_refuses_bad_requests(qapp, tmp_path: Path) -> None:
    land, run, opt = _run()
    with pytest.raises(ValueError, match="format"):
        save_figure(land, run, tmp_path / "a.gif", optimizer=opt)
    with pytest.raises(ValueError, match="format"):
        save_figure(land, run, tmp_path / "a.png", optimizer=opt, fmt="jpeg")
    with pytest.raises(ValueError, match=r"must end in \.png"):
        save_figure(land, run, tmp_path / "b.img", optimizer=opt, fmt="png")
    with pytest.raises(ValueError, match="width"):
        save_figure(land, run, tmp_path / "a.png", optimizer=opt, width=10)
    with pytest.raises(ValueError, match="width"):
        save_figure(land, run, tmp_path / "a.png", optimizer=opt, width=20001)
    with pytest.raises(ValueError, match="dpi"):
        save_figure(land, run, tmp_path / "a.png", optimizer=opt, dpi=5000)
    with pytest.raises(ValueError, match="part"):
        save_figure(land, run, tmp_path / "a.png", optimizer=opt, what="everything")
    with pytest.raises(ValueError, match="colors"):
        save_figure(land, run, tmp_path / "a.png", optimizer=opt, colors=["#000000"])
    with pytest.raises(OSError):
        save_figure(land, run, tmp_path / "missing" / "a.png", optimizer=opt)
    assert not list(tmp_path.iterdir())


def test_save_figure_headless_without_an_application(tmp_path: Path) -> None:
    """What the command line does: no QApplication yet, no display."""
    code = (
        "import numpy as np\n"
        "from engine import make_landscape, make_optimizer, simulate\n"
        "from gui.figure import save_figure\n"
        "from PySide6.QtWidgets import QApplication\n"
        "assert QApplication.instance() is None\n"
        "land = make_landscape('rosenbrock')\n"
        "adam = make_optimizer('adam', alpha=0.05)\n"
        "run = simulate(land, adam, np.array([[-1.5, 2.0]]), 200)\n"
        f"save_figure(land, run, {str(tmp_path / 'h.png')!r}, optimizer=adam, width=800)\n"
        f"save_figure(land, run, {str(tmp_path / 'h.svg')!r}, optimizer=adam)\n"
        f"save_figure(land, run, {str(tmp_path / 'h.pdf')!r}, optimizer=adam)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # nothing for a command-line user to wonder about
    check_png(tmp_path / "h.png", 800)
    check_svg(tmp_path / "h.svg")
    assert (tmp_path / "h.pdf").stat().st_size > 1000


def test_export_dialog_flow_opens_in_the_last_folder(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    """Ctrl+E: choose what, format and size, then a file name; the next dialog opens where
    the last file went (remembered in the test's own settings, not the user's)."""
    from PySide6.QtWidgets import QDialog, QFileDialog

    from gui.file_menu import ExportDialog, last_folder

    def choose(self: ExportDialog) -> int:
        self.what.setCurrentIndex(self.what.findData("contour"))
        self.width_box.setValue(700)
        return QDialog.DialogCode.Accepted

    asked: list[str] = []
    monkeypatch.setattr(ExportDialog, "exec", choose)
    target = tmp_path / "out" / "chosen"  # no suffix: the format's is added
    target.parent.mkdir()

    def save_name(_parent, _title, start, _filter):
        asked.append(start)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    window.export_action.trigger()
    check_png(tmp_path / "out" / "chosen.png", 700)
    assert last_folder() == str(target.parent)
    assert not user_settings().fileName().startswith(str(Path.home() / ".config"))
    target = tmp_path / "out" / "t.csv"
    window.csv_action.trigger()
    assert asked[-1].startswith(str(tmp_path / "out"))  # opened in the last folder
    assert target.read_text().startswith("optimizer,step,loss,grad_norm,theta_0,theta_1\n")


def test_an_svg_reader_takes_every_path_whole(window: MainWindow, tmp_path: Path) -> None:
    """Iso-lines are several paths: Qt's SVG reader stops reading a path after 32767
    elements, and one path of all of them lost most of the iso-lines there."""
    from PySide6.QtCore import qInstallMessageHandler

    window.contour.plot.vb.setRange(xRange=(-6, 6), yRange=(-4, 8), padding=0.0)  # most iso-lines in view
    svg = tmp_path / "contour.svg"
    assert window.export_figure(svg, "contour")
    text = svg.read_text()
    commands = [len(re.findall(r"[MLZmlz]", d)) for d in re.findall(r'\sd="([^"]*)"', text)]
    assert sum(commands) > 8000  # the iso-lines are all there ...
    assert max(commands) < 32767  # ... in paths a reader takes whole
    said: list[str] = []
    previous = qInstallMessageHandler(lambda _kind, _ctx, message: said.append(message))
    try:
        render_qt(svg, 800)
    finally:
        qInstallMessageHandler(previous)
    assert not [m for m in said if "path" in m.lower()], said


def test_the_figure_draws_alpha_t_of_the_racers_on_a_schedule(qapp) -> None:
    """What the window's curves pane shows, the figure shows: alpha(t) as a staircase above the
    loss, for the racers on a schedule only (gd at 0.002 halved every 100 steps, adam constant)."""
    from gui.canvas import Text

    land = make_landscape("himmelblau")
    opt = Optimizer.stack([make_optimizer("gd", alpha=0.002, schedule="step:100:0.5"),
                           make_optimizer("adam", alpha=0.1)])
    run = simulate(land, opt, np.array([[-0.5, 4.8]] * 2), 300)
    surface, tracks = run_tracks(land, run, opt)
    assert tracks[0].schedule == "step:100:0.5" and tracks[1].alpha is None
    canvas = figure_canvas(Scene(surface, land, tracks, run.steps, tol=1e-6), "both")
    assert any(isinstance(s, Text) and s.text == "α(t)" for s in canvas.shapes)
    gd = [s for s in canvas.shapes if isinstance(s, PathShape) and s.stroke is not None
          and s.stroke.color == tracks[0].color]
    # the staircase: three flat pieces at 0.002, 0.001, 0.0005 (three heights in figure units)
    stairs = [p for s in gd for p in s.parts if len(np.unique(np.round(p[:, 1], 6))) == 3]
    assert len(stairs) == 1
    ys = np.unique(np.round(stairs[0][:, 1], 6))
    gaps = np.diff(ys)
    assert gaps[0] == pytest.approx(2 * gaps[1], rel=1e-6)  # 0.002, 0.001, 0.0005 from the top: a linear axis
    none = figure_canvas(Scene(surface, land, tracks[1:], run.steps, tol=1e-6), "both")
    assert not any(isinstance(s, Text) and s.text == "α(t)" for s in none.shapes)
