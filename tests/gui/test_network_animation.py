"""A network's race as an animation (issue 13 for the network of issue 11): the figure drawn at
a step, GIF and MP4 from the network view (off the GUI thread, progress, Cancel, closing
mid-export) and from ``main.py train --gif/--mp4``."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog

import main
from engine import make_optimizer
from engine.network.metrics import probability_field
from engine.network.setup import NetworkSetup
from engine.network.training import Training, train
from engine.simulation import Cancelled
from gui.animation import NetworkAnimationSpec
from gui.canvas import MOVING, Canvas, clip_polyline
from gui.canvas import Path as Shape
from gui.chart import Axis, Plot
from gui.network_figure import GAP, LEFT, PANEL, RESOLUTION, TOP, WIDTH, boundary, training_canvas
from gui.outputs import HOLD_SECONDS, Timing
from tests.gui.conftest import net_settled

LOSS_X0 = LEFT + PANEL + GAP + 40  # the loss panel's left edge, figure units (training_canvas's layout)


@pytest.fixture(scope="module")
def race(qapp) -> Training:
    setup = NetworkSetup.from_fields({"data": "moons", "hidden": [8, 8]})
    opts = [make_optimizer("gd", alpha=0.3), make_optimizer("momentum", alpha=0.05, mu=0.9),
            make_optimizer("adam", alpha=0.01)]
    return train(setup, opts, 120)


def rgb(png: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def gif_frames(path: Path) -> list[np.ndarray]:
    from PIL import Image

    out = []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            out.append(np.asarray(im.convert("RGB")).astype(int))
    return out


def close_to(frame: np.ndarray, figure: np.ndarray, mean: float) -> None:
    """``frame`` is ``figure`` but for the step counter, up to a GIF's palette or H.264's
    loss: a small mean difference and next to no pixel far off (a frame one step early has
    a hundred or more at 800 pixels: the curves' last segments, the boundaries moved)."""
    h = min(len(frame), len(figure))  # (a frame's height is rounded to even)
    d = np.abs(frame[:h] - figure[:h]).max(axis=2)
    scale = frame.shape[1] / WIDTH
    x0, x1 = (LOSS_X0 + PANEL - 150) * scale, (LOSS_X0 + PANEL + 5) * scale  # the counter, over the loss panel
    d[: round((TOP - 4) * scale), round(x0) : round(x1)] = 0
    assert d.mean() < mean, d.mean()
    assert (d > 96).sum() < 40 * (scale / 0.5) ** 2, (d > 96).sum()


def moving_points(c: Canvas) -> np.ndarray:
    pts = [np.asarray(part) for s in c.shapes if s.layer == MOVING for part in getattr(s, "parts", ())]
    return np.concatenate(pts) if pts else np.zeros((0, 2))


# -- the figure at a step ---------------------------------------------------------------------------


def test_the_figure_at_a_step_has_the_curves_up_to_it_and_the_boundaries_of_it(race: Training) -> None:
    last = int(race.run.stop.max())
    assert last == 120
    for k in (0, 30, 90):
        c = training_canvas(race, step=k)
        pts = moving_points(c)
        curves = pts[(pts[:, 0] >= LOSS_X0 - 0.5)]  # the loss and accuracy panels, right of the data
        in_loss = curves[curves[:, 0] <= LOSS_X0 + PANEL + 0.5]
        # the curves reach step k and not beyond (the cursor line stands at k itself)
        assert in_loss[:, 0].max() == pytest.approx(LOSS_X0 + PANEL * k / last, abs=1.0)
    # the boundaries are those of each racer's weights at the step
    k = 30
    field = probability_field(race.net, race.run.theta_at(k), RESOLUTION, race.net.data.box())
    (a, b), (d0, d1) = race.net.data.box()
    plot = Plot(LEFT, TOP, PANEL, PANEL, Axis(a, b, "x₁"), Axis(d0, d1, "x₂"))
    expected = [plot.to_figure(r) for i in range(3) for ln in boundary(field.x1, field.x2, field.p[i])
                for r in clip_polyline(ln[:, 0], ln[:, 1], plot.box)]
    got = [part for s in training_canvas(race, step=k).shapes if s.layer == MOVING and isinstance(s, Shape)
           for part in s.parts if part[:, 0].max() < LEFT + PANEL + 1]
    assert len(expected) >= 3 and len(got) == len(expected)
    for x, y in zip(got, expected, strict=True):
        np.testing.assert_allclose(x, y)
    end = [part for s in training_canvas(race).shapes if s.layer == MOVING and isinstance(s, Shape)
           for part in s.parts if part[:, 0].max() < LEFT + PANEL + 1]
    assert len(end) != len(got) or any(x.shape != y.shape or not np.allclose(x, y)
                                       for x, y in zip(end, got, strict=True))  # (the end's are others)


def test_the_last_step_draws_the_finished_figure(race: Training) -> None:
    """The last frame is the exported figure, plus the step counter."""
    last = int(race.run.stop.max())
    end = training_canvas(race, step=last, counter=True)
    whole = training_canvas(race)
    texts = [s for s in end.shapes if getattr(s, "text", None) == f"step {last} / {race.run.steps}"]
    assert len(texts) == 1
    rest = [s for s in end.shapes if s is not texts[0]]
    assert len(rest) == len(whole.shapes)
    for a, b in zip(rest, whole.shapes, strict=True):
        assert type(a) is type(b) and a.layer == b.layer
        for x, y in zip(getattr(a, "parts", ()), getattr(b, "parts", ()), strict=True):
            np.testing.assert_array_equal(x, y)


def test_the_window_colours_and_shown_racer_reach_the_figure(race: Training) -> None:
    c = training_canvas(race, colors=("#111111", "#222222", "#333333"), shown=2)
    assert {"#111111", "#222222", "#333333"} <= set(c.colors())
    assert any("adam's probability" in getattr(s, "text", "") for s in c.shapes)
    with pytest.raises(ValueError, match="2 colours for 3 racers"):
        training_canvas(race, colors=("#111111", "#222222"))


# -- files -------------------------------------------------------------------------------------------


def test_a_gif_has_its_frames_its_size_and_ends_on_the_figure(race: Training, tmp_path: Path) -> None:
    from gui.figure import Size, render

    path = tmp_path / "net.gif"
    NetworkAnimationSpec(race, str(path), "gif", 800, Timing(15, 30)).write()
    frames = gif_frames(path)
    assert len(frames) == 30 and {f.shape for f in frames} == {frames[0].shape}
    h, w, _ = frames[0].shape
    assert w == 800 and h % 2 == 0
    assert all(np.abs(a - b).mean() > 0 for a, b in itertools.pairwise(frames))  # it moves every frame
    close_to(frames[-1], rgb(render(training_canvas(race), "png", Size(800, None))), 4.0)
    assert not close_to_ok(frames[0], frames[-1])  # and the first frame is another picture
    assert path.stat().st_size < 2_000_000  # a slide's size
    assert not list(tmp_path.glob(".*part*"))


def close_to_ok(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        close_to(a, b, 4.0)
    except AssertionError:
        return False
    return True


def mp4_frames(path: Path) -> tuple[dict, list[np.ndarray]]:
    """The video's metadata and every frame decoded as RGB (ffmpeg, the one imageio ships)."""
    import subprocess

    import imageio.v2 as iio
    import imageio_ffmpeg

    with iio.get_reader(str(path), format="FFMPEG") as reader:
        meta = reader.get_meta_data()
    w, h = meta["size"]
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True, timeout=60).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w, 3).astype(int)
    return meta, list(frames)


def test_an_mp4_has_its_frames_and_the_hold(race: Training, tmp_path: Path) -> None:
    from gui.figure import Size, render

    path = tmp_path / "net.mp4"
    NetworkAnimationSpec(race, str(path), "mp4", 640, Timing(10, 20)).write()
    meta, frames = mp4_frames(path)
    assert meta["codec"].startswith("h264") and meta["size"][0] == 640 and meta["size"][1] % 2 == 0
    assert len(frames) == 20 + round(HOLD_SECONDS * 10)
    close_to(frames[-1], rgb(render(training_canvas(race), "png", Size(640, None))), 3.0)


def test_a_cancelled_network_animation_leaves_nothing(race: Training, tmp_path: Path) -> None:
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 4

    for fmt in ("gif", "mp4"):
        with pytest.raises(Cancelled):
            NetworkAnimationSpec(race, str(tmp_path / f"c.{fmt}"), fmt, 400, Timing(10, 30)).write(cancel)
        calls.clear()
    assert not list(tmp_path.iterdir())


def test_the_window_evaluates_every_step_in_blocks_it_can_cancel(qapp) -> None:
    from dataclasses import replace

    from engine.network.metrics import evaluate
    from gui.file_menu import EVALUATE_STEPS, network_training
    from gui.netstate import NetSettings, compute_net_frame

    f = compute_net_frame(1, replace(NetSettings(), steps=2 * EVALUATE_STEPS + 100, tol=1e-12))
    assert f.error is None and f.run.theta.shape[1] == 2 * EVALUATE_STEPS + 101
    seen = []
    t = network_training(f, progress=lambda fraction, text: seen.append((fraction, text)))
    whole = evaluate(f.net, f.run.theta)
    for k in ("train_loss", "val_loss", "train_acc", "val_acc"):
        np.testing.assert_array_equal(getattr(t.metrics, k), getattr(whole, k))
    assert [round(x, 3) for x, _ in seen] == [round(500 / 1101, 3), round(1000 / 1101, 3), 1.0]
    assert seen[-1][1] == f"animation: losses and accuracies, step {2 * EVALUATE_STEPS + 100} of 1100"
    calls = []
    with pytest.raises(Cancelled):
        network_training(f, cancel=lambda: calls.append(1) or len(calls) > 1)
    assert len(calls) == 2  # stopped after one block


# -- the window -------------------------------------------------------------------------------------


@pytest.fixture
def netwin(window, qtbot):
    window.set_model("network")
    net_settled(window, qtbot)
    return window


def test_the_network_view_writes_its_race_without_blocking(netwin, qtbot, tmp_path: Path) -> None:
    w, files = netwin, netwin.files
    path, figure = tmp_path / "w.gif", tmp_path / "w.png"
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    shown = []
    files.animator.progressed.connect(lambda fraction, text: shown.append((fraction, text)))
    assert files.export_animation(path, "network", 640, fps=10, frames=24)
    assert files.animator.busy
    qtbot.waitUntil(lambda: not files.animator.busy, timeout=60000)
    timer.stop()
    assert len(ticks) > 5  # the GUI thread went on with its events
    fractions = [f for f, _t in shown]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0  # one bar, growing: the curves, then the frames
    assert "losses and accuracies" in shown[0][1] and shown[-1][1] == "animation: frame 24 of 24"
    assert "animation written" in w.statusBar().currentMessage()
    assert w.frame is not None and w.model == "network"
    frames = gif_frames(path)
    assert len(frames) == 24 and frames[0].shape[1] == 640
    assert w.export_figure(figure, width=640)
    from PIL import Image

    with Image.open(figure) as im:
        close_to(frames[-1], np.asarray(im.convert("RGB")).astype(int), 4.0)


def test_the_dialog_offers_the_network_race(netwin, qtbot, tmp_path: Path, monkeypatch) -> None:
    from gui import file_menu

    offered = []

    def exec_(dlg) -> int:
        offered.append([dlg.what.itemData(i) for i in range(dlg.what.count())])
        dlg.fmt.setCurrentIndex(1)  # MP4
        dlg.fps_box.setValue(10)
        dlg.seconds_box.setValue(1.0)
        return QDialog.DialogCode.Accepted

    names = []

    def ask(_parent, _title, name, fmt):
        names.append(name)
        return str(tmp_path / f"d.{fmt}")

    monkeypatch.setattr(file_menu.AnimationDialog, "exec", exec_)
    monkeypatch.setattr(file_menu, "ask_save", ask)
    netwin.files.animation_dialog()
    assert offered == [["network"]] and names == ["basin-network-2-8-8-1.mp4"]
    qtbot.waitUntil(lambda: not netwin.files.animator.busy, timeout=60000)
    assert (tmp_path / "d.mp4").stat().st_size > 1000


def test_cancel_in_the_network_view_writes_nothing(netwin, qtbot, tmp_path: Path) -> None:
    files = netwin.files
    path = tmp_path / "w.mp4"
    assert files.export_animation(path, "network", 640, fps=30, frames=600)
    qtbot.waitUntil(lambda: "frame" in files.progress.label.text(), timeout=30000)  # (after the curves)
    assert files.progress.isVisible()
    files.progress.button.click()
    qtbot.waitUntil(lambda: not files.animator.busy, timeout=10000)
    assert not path.exists() and not list(tmp_path.iterdir())
    assert "cancelled" in netwin.statusBar().currentMessage()


def test_closing_the_window_mid_network_export_exits_cleanly(qtbot, tmp_path: Path) -> None:
    from tests.gui.conftest import open_window

    w = open_window(qtbot)
    w.set_model("network")
    net_settled(w, qtbot)
    path = tmp_path / "c.gif"
    assert w.files.export_animation(path, "network", 640, fps=30, frames=900)
    qtbot.waitUntil(lambda: w.files.progress.bar.value() > 0, timeout=30000)
    w.close()  # the fixture fails the test if a thread is left
    assert not w.files.animator.busy
    assert not list(tmp_path.iterdir())


# -- the command line ---------------------------------------------------------------------------------

TRAIN = ["train", "--data", "moons", "--hidden", "8,8", "--optimizer", "gd", "--optimizer", "adam",
         "--alpha", "0.01", "--steps", "60"]


def test_train_writes_gif_and_mp4(tmp_path: Path, capsys) -> None:
    from PIL import Image

    gif, mp4, png = tmp_path / "t.gif", tmp_path / "t.mp4", tmp_path / "t.png"
    code = main.main([*TRAIN, "--gif", str(gif), "--mp4", str(mp4), "--png", str(png), "--fps", "10",
                      "--frames", "12", "--width", "480"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"wrote {gif}" in out.out and f"wrote {mp4}" in out.out
    frames = gif_frames(gif)
    assert len(frames) == 12 and frames[0].shape[1] == 480
    with Image.open(png) as im:
        close_to(frames[-1], np.asarray(im.convert("RGB")).astype(int), 4.0)
    assert len(mp4_frames(mp4)[1]) == 12 + round(HOLD_SECONDS * 10)
    code = main.main([*TRAIN, "--gif", str(gif), "--duration", "1.5", "--fps", "8"])
    assert code == 0 and len(gif_frames(gif)) == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.gif", "t.mp4", "t.png"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--gif", "x.png"], "x.png: a GIF file's name must end in .gif"),
    (["--mp4", "x.gif"], "x.gif: a MP4 file's name must end in .mp4"),
    (["--gif", "x.gif", "--fps", "0"], "invalid --fps 0"),
    (["--gif", "x.gif", "--fps", "abc"], "--fps"),
    (["--gif", "x.gif", "--frames", "1"], "invalid --frames 1"),
    (["--gif", "x.gif", "--duration", "1000"], "invalid --duration 1000"),
    (["--gif", "x.gif", "--frames", "10", "--duration", "2"], "give --frames or --duration, not both"),
    (["--gif", "x.gif", "--dpi", "300"], "--dpi is for PNG figures"),
    (["--gif", "x.gif", "--width", "5000"], "invalid --width 5000 for an animation"),
    (["--frames", "10"], "--frames goes with --gif or --mp4"),
    (["--gif", "x.gif", "--animation", "turn"], "--animation"),  # a network has no landscape to turn
])
def test_bad_train_animation_options_are_one_line_and_exit_2(tmp_path: Path, capsys, monkeypatch, extra,
                                                             message) -> None:
    monkeypatch.chdir(tmp_path)
    code = main.main([*TRAIN, *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())
