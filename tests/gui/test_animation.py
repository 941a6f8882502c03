"""Animations: GIF and MP4 of the race, from the window (off the GUI thread, with progress
and Cancel) and from the command line; a cancelled or failed one leaves no file."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

import main
from engine import Optimizer, make_landscape, make_optimizer, simulate
from engine.simulation import Cancelled
from gui.animation import AnimationSpec, frame_steps, last_step, render_frames, write_animation
from gui.figure import Scene, run_tracks
from gui.outputs import HOLD_SECONDS, Timing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scene(qapp) -> Scene:
    land = make_landscape("himmelblau")
    opt = Optimizer.stack([make_optimizer("gd", alpha=0.01), make_optimizer("adam", alpha=0.05),
                           make_optimizer("momentum", alpha=0.01, mu=0.9)])
    run = simulate(land, opt, np.array([[-0.5, 4.8]] * 3), 200)
    surface, tracks = run_tracks(land, run, opt)
    return Scene(surface, land, tracks, run.steps, tol=1e-6)


def test_frames_reveal_the_race_evenly_to_its_last_step(scene: Scene) -> None:
    end = last_step(scene)
    assert end == max(t.stop for t in scene.tracks) == 200
    steps = frame_steps(end, 9)
    assert steps[0] == 0 and steps[-1] == end and steps == sorted(steps)
    assert np.ptp(np.diff(steps)) <= 1
    assert frame_steps(3, 7) == [0, 0, 1, 2, 2, 2, 3]  # more frames than steps: some repeat


def test_frames_grow_and_keep_their_size(scene: Scene, tmp_path: Path) -> None:
    spec = AnimationSpec(scene, str(tmp_path / "a.gif"), "gif", 641, Timing(10, 5))
    frames = list(render_frames(spec))
    assert len(frames) == 5
    assert {f.shape for f in frames} == {frames[0].shape}
    h, w, _ = frames[0].shape
    assert w == 640 and h % 2 == 0  # even: H.264's 4:2:0
    # each frame differs from the one before (lines grow)
    diffs = [np.abs(a.astype(int) - b).mean() for a, b in itertools.pairwise(frames)]
    assert all(d > 0 for d in diffs)


def test_gif_keeps_every_racer_colour_and_its_pace(scene: Scene, tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "race.gif"
    write_animation(AnimationSpec(scene, str(path), "gif", 800, Timing(15, 45)))
    assert not list(tmp_path.glob(".*part*"))
    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames == 45 and im.size[0] == 800
        total = 0
        for i in range(im.n_frames):
            im.seek(i)
            total += im.info["duration"]
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert abs(total - (45 / 15 + HOLD_SECONDS) * 1000) <= 40  # the pace stays true
    for t in scene.tracks:  # each racer's exact colour is in the picture (not a grey near it)
        rgb = np.array([int(t.color[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(last - rgb).max(axis=1) <= 2).sum() > 50, t.color
    assert path.stat().st_size < 1_500_000  # a slide's size: still parts stored once


def test_mp4_is_h264_with_the_frames_and_the_hold(scene: Scene, tmp_path: Path) -> None:
    import imageio.v2 as iio

    path = tmp_path / "race.mp4"
    write_animation(AnimationSpec(scene, str(path), "mp4", 640, Timing(10, 20)))
    with iio.get_reader(str(path), format="FFMPEG") as reader:
        meta = reader.get_meta_data()
        n = reader.count_frames()
    assert meta["codec"].startswith("h264") and meta["size"] == (640, meta["size"][1]) and meta["size"][1] % 2 == 0
    assert n == 20 + round(HOLD_SECONDS * 10)
    assert meta["fps"] == pytest.approx(10)


def test_a_cancelled_animation_leaves_nothing(scene: Scene, tmp_path: Path) -> None:
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    for fmt in ("gif", "mp4"):
        path = tmp_path / f"c.{fmt}"
        with pytest.raises(Cancelled):
            write_animation(AnimationSpec(scene, str(path), fmt, 400, Timing(10, 30)), cancel)
        calls.clear()
    assert not list(tmp_path.iterdir())


def test_a_name_of_another_format_is_refused(scene: Scene, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"must end in \.gif"):
        AnimationSpec(scene, str(tmp_path / "a.mp4"), "gif", 400, Timing(10, 5))


# -- the window -------------------------------------------------------------------------------


def test_the_window_writes_an_animation_without_blocking(window, qtbot, tmp_path: Path) -> None:
    files = window.files
    path = tmp_path / "w.gif"
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    assert files.export_animation(path, "both", 480, fps=10, frames=40)
    assert files.animator.busy  # in a thread of its own ...
    qtbot.waitUntil(path.exists, timeout=60000)
    timer.stop()
    assert len(ticks) > 5  # ... while the GUI thread went on with its events
    qtbot.waitUntil(lambda: not files.animator.busy, timeout=5000)
    assert "animation written" in window.statusBar().currentMessage()


def test_cancel_in_the_window_writes_nothing(window, qtbot, tmp_path: Path, monkeypatch) -> None:
    files = window.files
    path = tmp_path / "w.mp4"
    assert files.export_animation(path, "both", 640, fps=30, frames=600)
    qtbot.waitUntil(lambda: files.progress.bar.value() > 0, timeout=30000)
    assert files.progress.isVisible()
    files.progress.button.click()
    qtbot.waitUntil(lambda: not files.animator.busy, timeout=10000)
    assert not path.exists() and not list(tmp_path.iterdir())
    assert "cancelled" in window.statusBar().currentMessage()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    assert not files.export_animation(tmp_path / "x.avi")
    assert not files.export_animation(tmp_path / "x.gif", fps=0)
    assert "cannot tell the format" in shown[0] and "invalid fps" in shown[1]


def test_closing_the_window_mid_animation_stops_it(qtbot, tmp_path: Path) -> None:
    from tests.gui.conftest import open_window

    w = open_window(qtbot)
    path = tmp_path / "c.gif"
    assert w.files.export_animation(path, "both", 640, fps=30, frames=900)
    qtbot.waitUntil(lambda: w.files.progress.bar.value() > 0, timeout=30000)
    w.close()
    assert not w.files.animator.busy
    assert not list(tmp_path.iterdir())


# -- the command line ---------------------------------------------------------------------------

RUN = ["run", "--landscape", "himmelblau", "--optimizer", "gd", "--optimizer", "adam", "--alpha", "0.01",
       "--init", "-0.5,4.8", "--steps", "100"]


def test_the_command_line_writes_gif_and_mp4(tmp_path: Path, capsys) -> None:
    from PIL import Image

    gif, mp4 = tmp_path / "r.gif", tmp_path / "r.mp4"
    code = main.main([*RUN, "--gif", str(gif), "--mp4", str(mp4), "--fps", "10", "--frames", "12",
                      "--width", "400"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"wrote {gif}" in out.out and f"wrote {mp4}" in out.out
    with Image.open(gif) as im:
        assert im.n_frames == 12 and im.size[0] == 400
    code = main.main([*RUN, "--gif", str(gif), "--duration", "1.5", "--fps", "8"])
    with Image.open(gif) as im:
        assert code == 0 and im.n_frames == 12


@pytest.mark.parametrize(("extra", "message"), [
    (["--gif", "x.png"], "x.png: a GIF file's name must end in .gif"),
    (["--mp4", "x.gif"], "x.gif: a MP4 file's name must end in .mp4"),
    (["--gif", "x.gif", "--fps", "0"], "invalid --fps 0"),
    (["--gif", "x.gif", "--frames", "1"], "invalid --frames 1"),
    (["--gif", "x.gif", "--duration", "1000"], "invalid --duration 1000"),
    (["--gif", "x.gif", "--frames", "10", "--duration", "2"], "give --frames or --duration, not both"),
    (["--gif", "x.gif", "--dpi", "300"], "--dpi is for PNG figures"),
    (["--gif", "x.gif", "--width", "5000"], "invalid --width 5000 for an animation"),
    (["--fps", "10"], "--fps goes with --gif or --mp4"),
])
def test_bad_animation_options_are_one_line_and_exit_2(tmp_path: Path, capsys, monkeypatch, extra, message) -> None:
    monkeypatch.chdir(tmp_path)
    code = main.main([*RUN, *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_a_real_process_writes_an_animation_headless(tmp_path: Path) -> None:
    gif = tmp_path / "p.gif"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *RUN, "--gif", str(gif), "--frames", "6", "--width", "320"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},  # no DISPLAY: must stay offscreen
    )
    assert proc.returncode == 0, proc.stderr
    assert gif.stat().st_size > 1000 and proc.stderr == ""
