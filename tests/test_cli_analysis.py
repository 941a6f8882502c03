"""The analysis subcommands' figures: ``basins``, ``sweep`` and ``phase`` with ``--png/--svg``
draw the window's figures headless; bad input is one line and exit 2, an unwritable file
exit 1, and nothing is written then."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import main

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

COMMANDS = {
    "basins": ["basins", "--landscape", "himmelblau", "--optimizer", "gd", "--alpha", "0.01", "--steps", "200",
               "--grid", "24"],
    "sweep": ["sweep", "--landscape", "rosenbrock", "--optimizer", "gd", "--optimizer", "adam", "--steps", "200",
              "--points", "13"],
    "phase": ["phase", "--landscape", "quadratic", "--steps", "200", "--grid", "16"],
}


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_png_svg_and_pdf_are_valid_figures(tmp_path: Path, capsys, command: str) -> None:
    png, svg, pdf = (tmp_path / f"{command}.{ext}" for ext in ("png", "svg", "pdf"))
    code, out, err = _run(capsys, [*COMMANDS[command], "--png", str(png), "--svg", str(svg), "--pdf", str(pdf),
                                   "--width", "700"])
    assert code == 0, err
    assert f"wrote {png}" in out and f"wrote {svg}" in out and f"wrote {pdf}" in out
    w, h = png_size(png)
    assert w == 700 and h > 300
    text = svg.read_text()
    root = ET.fromstring(text)
    assert root.tag.endswith("svg") and len(list(root.iter())) > 30
    assert "vector-effect" not in text and "<g" not in text  # figure units, plain strokes
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_name_of_another_format_is_refused_before_any_work(tmp_path: Path, capsys, command: str) -> None:
    code, out, err = _run(capsys, [*COMMANDS[command], "--png", str(tmp_path / "x.jpg")])
    assert code == 2 and out == ""
    assert "x.jpg: a PNG file's name must end in .png" in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_the_png_is_a_picture_not_a_blank(tmp_path: Path, capsys) -> None:
    from PySide6.QtGui import QColor, QImage

    png = tmp_path / "b.png"
    code, _, err = _run(capsys, [*COMMANDS["basins"], "--png", str(png), "--width", "600"])
    assert code == 0, err
    img = QImage(str(png))
    hues = {QColor(img.pixel(x, y)).hue() for x in range(0, img.width(), 13) for y in range(0, img.height(), 13)}
    assert len(hues) > 4  # four basin colours over the grey landscape


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--width", "5"], "invalid --width 5"),
        (["--width", "abc"], "invalid --width 'abc': not a whole number"),
    ],
)
def test_bad_figure_input_is_one_line_and_exit_2(tmp_path: Path, capsys, command, extra, message) -> None:
    png = tmp_path / "x.png"
    code, out, err = _run(capsys, [*COMMANDS[command], "--png", str(png), *extra])
    assert code == 2
    assert message in err and err.count("\n") == 1 and err.startswith("basin: error: ")
    assert not png.exists() and out == ""


@pytest.mark.parametrize("command", list(COMMANDS))
def test_unwritable_figure_exits_1_before_any_work(tmp_path: Path, capsys, command) -> None:
    code, out, err = _run(capsys, [*COMMANDS[command], "--svg", str(tmp_path / "missing" / "x.svg")])
    assert code == 1
    assert "does not exist" in err and err.count("\n") == 1
    assert out == ""  # checked before the map was computed


def test_a_real_process_writes_the_figure_headless(tmp_path: Path) -> None:
    png = tmp_path / "p.png"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *COMMANDS["phase"], "--png", str(png), "--width", "400"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},  # no DISPLAY: must stay offscreen
    )
    assert proc.returncode == 0, proc.stderr
    assert png_size(png)[0] == 400
    assert "Traceback" not in proc.stderr
