"""The race as an animation: the contour view with the trajectories growing and the training
curves growing beside them, frame by frame, as an animated GIF (Pillow) or an MP4 video
(H.264, through imageio and the ffmpeg that imageio-ffmpeg ships). A network's race the same
way (:class:`NetworkAnimationSpec`): the data with the shown racer's probability and every
racer's decision boundary at the frame's step, the loss and accuracy curves growing beside it.

Frames are the exported figure (``gui.figure``) at evenly spaced steps from 0 to the step
at which the last racer stopped, with a step counter; the last frame is held a moment (the
end of the race is what a slide is about). What never changes (the landscape, iso-lines,
axes, legends) is painted once; each frame paints only the lines, heads and cursors.

A GIF has one palette of at most 256 colours for all its frames: every colour the figure
draws with (each racer's exactly, and half-way to white for the edges of lines), then the
colours of the last frame's landscape (median cut) for the rest. No dithering, so a still
background stays still; each frame after the first keeps only the pixels that changed
(the rest transparent), which the GIF's compression shrinks to almost nothing.

Nothing here touches a widget, so the window renders and encodes off the GUI thread
(:func:`compute_animation`, run by a ``gui.jobs.Runner``), polls a cancel flag every frame and
reports its progress; the file appears only when it is whole (written beside its target
under a temporary name, then renamed).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter

from engine.network.training import Training
from engine.simulation import Cancelled
from gui.canvas import MOVING, OVER, UNDER, Canvas
from gui.figure import Scene, figure_canvas
from gui.network_figure import training_canvas
from gui.outputs import ANIMATION_FORMATS, Timing, format_of


@dataclass(frozen=True)
class AnimationSpec:
    """One animation to write: the scene (its ``step`` is ignored), which panels, the
    format, the frames' width in pixels and the pace."""

    scene: Scene
    path: str
    fmt: str
    width: int
    timing: Timing
    what: str = "both"

    def __post_init__(self) -> None:
        format_of(self.path, self.fmt, ANIMATION_FORMATS)


def last_step(scene: Scene) -> int:
    """Where the animation ends: the step at which the last racer stopped."""
    return max((min(t.stop, scene.steps) for t in scene.tracks), default=scene.steps)


def frame_steps(end: int, frames: int) -> list[int]:
    """``frames`` steps from 0 to ``end``, evenly spaced (the window's animation reveals
    steps at a constant rate too); repeated steps where there are more frames than steps."""
    return [round(i * end / (frames - 1)) for i in range(frames)]


def render_frames(spec: AnimationSpec, cancel: Callable[[], bool] | None = None,
                  progress: Callable[[float, str], None] | None = None,
                  colors: list[str] | None = None) -> Iterator[np.ndarray]:
    """The race's frames (:func:`canvas_frames` of the exported figure at evenly spaced steps)."""
    steps = frame_steps(last_step(spec.scene), spec.timing.frames)
    return canvas_frames(lambda k: figure_canvas(replace(spec.scene, step=k, counter=True), spec.what), steps,
                         spec.width, cancel, progress, colors)


def canvas_frames(canvas_at: Callable[[int], Canvas], steps: Sequence[int], width: int,
                  cancel: Callable[[], bool] | None = None, progress: Callable[[float, str], None] | None = None,
                  colors: list[str] | None = None) -> Iterator[np.ndarray]:
    """The canvases ``canvas_at(k)`` for each of ``steps`` as ``(h, w, 3)`` uint8 arrays
    ``width`` wide, height and width even (H.264's 4:2:0 needs both). The first canvas's
    UNDER and OVER layers are painted once (what never changes), each frame paints its own
    MOVING layer between them. ``colors``, when given, gets the colours the canvases draw
    with (for a GIF's palette). Raises :class:`Cancelled` when ``cancel()`` turns true."""
    under = over = None
    size = (0, 0)
    n = len(steps)
    for i, k in enumerate(steps):
        if cancel is not None and cancel():
            raise Cancelled()
        canvas = canvas_at(k)
        if under is None:
            w = width - width % 2
            h = round(canvas.height * w / canvas.width)
            size = (w, h - h % 2)
            under = canvas.qimage(w, layers=(UNDER,))
            if colors is not None:
                colors.extend(canvas.colors())
            over = canvas.qimage(w, layers=(OVER,), background=False)
        img = under.copy()
        p = QPainter(img)
        scale = size[0] / canvas.width
        p.scale(scale, scale)
        canvas.paint(p, layers=(MOVING,), background=False)
        p.resetTransform()
        p.drawImage(QPointF(0, 0), over)
        p.end()
        img = img.convertToFormat(QImage.Format.Format_RGB888)
        arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
        frame = arr[: size[1], : 3 * size[0]].reshape(size[1], size[0], 3).copy()
        if progress is not None:
            progress((i + 1) / n, f"animation: frame {i + 1} of {n}")
        yield frame


EVALUATE_S, FRAME_S = 5e-5, 0.05  # about what one (racer, step) evaluation and one frame take


@dataclass(frozen=True)
class NetworkAnimationSpec:
    """A network's race as an animation (``gui.network_figure``'s figure at evenly spaced
    steps): ``training`` is the race with its losses and accuracies at every step, or a
    function ``(cancel, progress)`` that makes it (the window's: a forward pass over every
    step, which belongs in the worker); ``colors`` the racers' colours and ``shown`` the racer
    whose probability is the background (default: as ``training_canvas`` chooses);
    ``evaluations`` how many (racer, step) pairs the function evaluates (the progress bar's
    share of them)."""

    training: Training | Callable[..., Training]
    path: str
    fmt: str
    width: int
    timing: Timing
    colors: tuple[str, ...] | None = None
    shown: int | None = None
    evaluations: int = 0

    def __post_init__(self) -> None:
        format_of(self.path, self.fmt, ANIMATION_FORMATS)

    def frames(self, cancel: Callable[[], bool] | None = None, progress: Callable[[float, str], None] | None = None,
               colors: list[str] | None = None) -> Iterator[np.ndarray]:
        if cancel is not None and cancel():
            raise Cancelled()
        # one bar that only grows: the curves' share of it (a guess by their cost), then the frames'
        cost = EVALUATE_S * self.evaluations
        head = cost / (cost + FRAME_S * self.timing.frames)
        if callable(self.training):
            t = self.training(cancel, None if progress is None else lambda f, text: progress(head * f, text))
        else:
            t = self.training
        steps = frame_steps(int(t.run.stop.max()), self.timing.frames)
        return canvas_frames(
            lambda k: training_canvas(t, step=k, colors=self.colors, shown=self.shown, counter=True), steps,
            self.width, cancel, None if progress is None else lambda f, text: progress(head + (1 - head) * f, text),
            colors,
        )

    def write(self, cancel: Callable[[], bool] | None = None,
              progress: Callable[[float, str], None] | None = None) -> Path:
        """Render and encode to ``path``, whole or not at all (as :func:`write_animation`)."""
        colors: list[str] = []
        return write_frames(Path(self.path), self.fmt, self.frames(cancel, progress, colors), self.timing, colors)


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.stem}.part{path.suffix}")


def write_animation(spec: AnimationSpec, cancel: Callable[[], bool] | None = None,
                    progress: Callable[[float, str], None] | None = None) -> Path:
    """Render and encode the animation to ``spec.path``. The file appears only when it is
    whole; a cancelled or failed run leaves nothing behind (``Cancelled``, ``OSError``)."""
    colors: list[str] = []  # filled by the first frame
    return write_frames(Path(spec.path), spec.fmt, render_frames(spec, cancel, progress, colors), spec.timing, colors)


def write_frames(target: Path, fmt: str, frames: Iterator[np.ndarray], timing: Timing, colors: list[str]) -> Path:
    """Encode ``frames`` (``(h, w, 3)`` uint8, even sizes) as a GIF or an MP4 at ``target``,
    whole or not at all (a partial name beside it, renamed at the end). ``colors`` are the
    colours the frames draw with (a GIF's palette keeps them exact); a list that the
    frames fill as they are rendered is read once they all are."""
    part = _partial(target)
    try:
        if fmt == "gif":
            _write_gif(part, frames, timing, colors)
        else:
            _write_mp4(part, frames, timing)
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return target


def gif_palette(last: np.ndarray, colors: list[str], size: int = 255) -> np.ndarray:
    """``(size, 3)`` palette: the figure's own colours and their half-way mixes with white
    first, then a median cut of the last frame for the rest (see the module docstring)."""
    from PIL import Image

    keys: list[tuple[int, int, int]] = []
    for c in colors:
        rgb = tuple(int(c[i : i + 2], 16) for i in (1, 3, 5))
        for mix in (rgb, tuple((v + 255) // 2 for v in rgb)):
            if mix not in keys:
                keys.append(mix)
    keys = keys[: size // 3]
    rest = size - len(keys)
    cut = Image.fromarray(last, "RGB").quantize(colors=rest, method=Image.Quantize.MEDIANCUT,
                                               dither=Image.Dither.NONE)
    more = np.array(cut.getpalette()[: 3 * rest], dtype=np.uint8).reshape(-1, 3)
    pal = np.zeros((size, 3), dtype=np.uint8)
    pal[: len(keys)] = np.array(keys, dtype=np.uint8).reshape(-1, 3)
    pal[len(keys) : len(keys) + len(more)] = more
    return pal


def _write_gif(path: Path, frames: Iterator[np.ndarray], timing: Timing, colors: list[str]) -> None:
    """Pillow's GIF writer with one palette for every frame and only the changed pixels
    after the first (see the module docstring)."""
    from PIL import Image

    rgb = list(frames)
    pal = gif_palette(rgb[-1], colors)
    clear = len(pal)  # the transparent index, after the colours
    flat = [*pal.ravel().tolist(), 0, 0, 0]
    ref = Image.new("P", (1, 1))
    ref.putpalette(flat + [0, 0, 0] * (256 - len(flat) // 3))
    index = [np.asarray(Image.fromarray(f, "RGB").quantize(palette=ref, dither=Image.Dither.NONE)) for f in rgb]
    del rgb
    indexed = []
    for i, a in enumerate(index):
        if i > 0:
            a = np.where(a == index[i - 1], clear, a).astype(np.uint8)
        im = Image.fromarray(a, "P")
        im.putpalette(flat)
        indexed.append(im)
    # GIF counts in hundredths of a second: frames end on the nearest hundredth of their
    # true time, so the pace stays true on average (15 fps: 70, 60, 70 ... ms)
    edges = [round(i * 100 / timing.fps) * 10 for i in range(len(indexed) + 1)]
    durations = [max(20, b - a) for a, b in itertools.pairwise(edges)]
    durations[-1] += int(1000 * timing.hold)
    with open(path, "wb") as fh:
        indexed[0].save(fh, format="GIF", save_all=True, append_images=indexed[1:], duration=durations, loop=0,
                        disposal=1, transparency=clear, optimize=False)


def _write_mp4(path: Path, frames: Iterator[np.ndarray], timing: Timing) -> None:
    """H.264 (yuv420p, constant quality, fast start for the web and slides) through
    imageio's ffmpeg writer."""
    import imageio.v2 as iio

    hold = max(1, round(timing.hold * timing.fps))
    writer = iio.get_writer(
        str(path), format="FFMPEG", mode="I", fps=timing.fps, codec="libx264", quality=None,
        pixelformat="yuv420p", macro_block_size=2, ffmpeg_log_level="error",
        output_params=["-crf", "20", "-preset", "medium", "-movflags", "+faststart"],
    )
    try:
        last = None
        for f in frames:
            writer.append_data(f)
            last = f
        for _ in range(hold if last is not None else 0):
            writer.append_data(last)
    finally:
        writer.close()


def compute_animation(spec, job) -> None:
    """A ``gui.jobs.Runner`` compute function: writes the animation (the race, an
    :class:`AnimationSpec`; a network's race, a :class:`NetworkAnimationSpec`; or a turning
    3D surface, ``gui.view3d.TurnSpec``), then emits its path."""
    if isinstance(spec, AnimationSpec):
        path = write_animation(spec, job.cancelled, job.progress)
    else:
        path = spec.write(job.cancelled, job.progress)
    job.emit(str(path))
