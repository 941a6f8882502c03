"""Exports: PNG, SVG and CSV from the window and headless; failures are reported, not raised."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from engine import Optimizer, make_landscape, make_optimizer, simulate
from engine.records import read_csv, run_to_csv
from gui.figure import save_figure
from gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 50
    return root


@pytest.mark.parametrize("what", ["both", "contour", "curves"])
def test_window_exports_png_and_svg(window: MainWindow, tmp_path: Path, what: str) -> None:
    png = tmp_path / f"{what}.png"
    assert window.export_figure(png, what, 900)
    check_png(png, 900)
    svg = tmp_path / f"{what}.svg"
    assert window.export_figure(svg, what)
    check_svg(svg)


def test_side_by_side_is_wider_than_either_part(window: MainWindow, tmp_path: Path) -> None:
    sizes = {}
    for what in ("both", "contour", "curves"):
        p = tmp_path / f"{what}.png"
        window.export_figure(p, what, 1000)
        img = QImage(str(p))
        sizes[what] = img.height()  # same width: the wider layout is the flatter image
    assert sizes["both"] < sizes["contour"] and sizes["both"] < sizes["curves"]


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
    for name in ("f.png", "f.svg"):
        assert not window.export_figure(missing / name)
    assert not window.export_csv(missing / "t.csv")
    assert len(shown) == 3 and all("folder" in s for s in shown)
    assert not (tmp_path / "no").exists()
    assert window.frame is frame and window.simulator.is_running()
    # and the window carries on
    assert window.export_figure(tmp_path / "ok.png", width=400)


def test_bad_format_is_reported(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    assert not window.export_figure(tmp_path / "figure.gif")
    assert "format" in shown[0]


def _run():
    land = make_landscape("himmelblau")
    opt = Optimizer.stack([make_optimizer("gd", alpha=0.01), make_optimizer("adam", alpha=0.1)])
    return land, simulate(land, opt, np.array([[-0.5, 4.8]] * 2), 300)


def test_save_figure_png_svg(qapp, tmp_path: Path) -> None:
    land, run = _run()
    save_figure(land, run, tmp_path / "a.png", width=1200)
    check_png(tmp_path / "a.png", 1200)
    save_figure(land, run, tmp_path / "a.svg", what="contour")
    check_svg(tmp_path / "a.svg")
    save_figure(land, run, tmp_path / "b.img", fmt="png", width=640, what="curves", colors=["#000000", "#ff0000"])
    check_png(tmp_path / "b.img", 640)
    save_figure(land, run, tmp_path / "thumb.png", width=300)  # a thumbnail: scaled down
    assert QImage(str(tmp_path / "thumb.png")).width() == 300


def test_save_figure_refuses_bad_requests(qapp, tmp_path: Path) -> None:
    land, run = _run()
    with pytest.raises(ValueError, match="format"):
        save_figure(land, run, tmp_path / "a.gif")
    with pytest.raises(ValueError, match="format"):
        save_figure(land, run, tmp_path / "a.png", fmt="jpeg")
    with pytest.raises(ValueError, match="width"):
        save_figure(land, run, tmp_path / "a.png", width=10)
    with pytest.raises(ValueError, match="width"):
        save_figure(land, run, tmp_path / "a.png", width=20001)
    with pytest.raises(ValueError, match="part"):
        save_figure(land, run, tmp_path / "a.png", what="everything")
    with pytest.raises(ValueError, match="colors"):
        save_figure(land, run, tmp_path / "a.png", colors=["#000000"])
    with pytest.raises(OSError):
        save_figure(land, run, tmp_path / "missing" / "a.png")
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
        "run = simulate(land, make_optimizer('adam', alpha=0.05), np.array([[-1.5, 2.0]]), 200)\n"
        f"save_figure(land, run, {str(tmp_path / 'h.png')!r}, width=800)\n"
        f"save_figure(land, run, {str(tmp_path / 'h.svg')!r})\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # nothing for a command-line user to wonder about
    check_png(tmp_path / "h.png", 800)
    check_svg(tmp_path / "h.svg")


def test_export_dialog_flow(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    """Ctrl+E: choose what, format and width, then a file name."""
    from PySide6.QtWidgets import QDialog, QFileDialog

    from gui.figure import ExportDialog

    def choose(self: ExportDialog) -> int:
        self.what.setCurrentIndex(self.what.findData("contour"))
        self.width_box.setValue(700)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", choose)
    target = tmp_path / "chosen"  # no suffix: the format's is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_action.trigger()
    check_png(tmp_path / "chosen.png", 700)
    csv = tmp_path / "t.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(csv), ""))
    window.csv_action.trigger()
    assert csv.read_text().startswith("optimizer,step,loss,grad_norm,theta_0,theta_1\n")


def test_an_svg_reader_takes_every_path_whole(window: MainWindow, tmp_path: Path) -> None:
    """The iso-lines are several paths: Qt's SVG reader stops reading a path after 32767
    elements, and one path of all of them lost most of the iso-lines there."""
    import re

    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtSvg import QSvgRenderer

    svg = tmp_path / "contour.svg"
    assert window.export_figure(svg, "contour")
    text = svg.read_text()
    commands = [len(re.findall(r"[MLCZmlcz]", d)) for d in re.findall(r'\sd="([^"]*)"', text)]
    assert sum(commands) > 20000  # the iso-lines are all there ...
    assert max(commands) < 32767  # ... in paths a reader takes whole
    said: list[str] = []
    previous = qInstallMessageHandler(lambda _kind, _ctx, message: said.append(message))
    try:
        renderer = QSvgRenderer(str(svg))
        img = QImage(renderer.defaultSize(), QImage.Format.Format_ARGB32)
        img.fill(QColor("white"))
        p = QPainter(img)
        renderer.render(p)
        p.end()
    finally:
        qInstallMessageHandler(previous)
    assert renderer.isValid() and not [m for m in said if "path" in m.lower()], said
