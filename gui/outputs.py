"""What Basin writes besides CSV: figures (PNG, SVG, PDF), animations (GIF, MP4) and
sessions (JSON), with their names and size options checked before any work. No Qt here:
the command line checks its options with it before it starts anything (the figures and
animations themselves are drawn by ``gui.figure`` and ``gui.animation``, imported only when
a file is written).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

FIGURE_FORMATS = ("png", "svg", "pdf")
ANIMATION_FORMATS = ("gif", "mp4")
FORMAT_NAMES = {"png": "PNG", "svg": "SVG", "pdf": "PDF", "gif": "GIF", "mp4": "MP4", "json": "JSON", "csv": "CSV"}
MIN_WIDTH, MAX_WIDTH = 16, 20000  # PNG pixels
MIN_DPI, MAX_DPI = 10, 2400
DEFAULT_WIDTH = {"png": 1600, "gif": 960, "mp4": 1280}
MAX_FRAME_WIDTH = 3840  # an animation's frames: 4K at most
MIN_FPS, MAX_FPS = 1.0, 60.0
MIN_FRAMES, MAX_FRAMES = 2, 3000
MIN_SECONDS, MAX_SECONDS = 0.5, 120.0
DEFAULT_FPS = {"gif": 15.0, "mp4": 30.0}
DEFAULT_SECONDS = 6.0
ANIMATIONS = ("race", "turn")  # --animation: the race on the contour plot, or the 3D surface turning
HOLD_SECONDS = 1.5  # the last frame stays this long: the end of the race is what a slide shows


def format_of(path: str | Path, fmt: str | None = None, allowed: Sequence[str] = FIGURE_FORMATS) -> str:
    """The format a file is written in: the one its name ends with. A name whose ending is
    not a supported format, or not ``fmt`` when one is asked for, is refused (``ValueError``,
    one line), so that ``x.jpg`` never holds PNG data."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in allowed:
            raise ValueError(f"invalid format {fmt!r} (choose from {', '.join(allowed)})")
        if suffix != fmt:
            kind = FORMAT_NAMES.get(fmt, fmt.upper())
            raise ValueError(f"{Path(path).name}: a {kind} file's name must end in .{fmt}")
        return fmt
    if suffix not in allowed:
        names = ", ".join(f".{f}" for f in allowed)
        raise ValueError(f"{Path(path).name}: cannot tell the format (the name must end in {names})")
    return suffix


def check_width(width: object, lo: int = MIN_WIDTH, hi: int = MAX_WIDTH, name: str = "width") -> int:
    if isinstance(width, bool) or not isinstance(width, int) or not lo <= width <= hi:
        raise ValueError(f"invalid {name} {width!r} (a whole number of pixels in [{lo}, {hi}])")
    return width


def check_dpi(dpi: object) -> float:
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not math.isfinite(dpi) or not (
            MIN_DPI <= dpi <= MAX_DPI):
        raise ValueError(f"invalid dpi {dpi!r} (a number in [{MIN_DPI}, {MAX_DPI}])")
    return float(dpi)


@dataclass(frozen=True)
class Timing:
    """An animation's pace: ``frames`` frames at ``fps`` frames per second, the last held
    ``hold`` seconds more."""

    fps: float
    frames: int
    hold: float = HOLD_SECONDS

    @classmethod
    def of(cls, fmt: str, fps: float | None = None, frames: int | None = None,
           duration: float | None = None) -> Timing:
        """From the options given (a frame count or a duration, not both); ``ValueError``
        names a bad one."""
        if frames is not None and duration is not None:
            raise ValueError("give --frames or --duration, not both")
        f = DEFAULT_FPS[fmt] if fps is None else fps
        if isinstance(f, bool) or not isinstance(f, int | float) or not (
                math.isfinite(f) and MIN_FPS <= f <= MAX_FPS):
            raise ValueError(f"invalid fps {fps!r} (a number in [{MIN_FPS:g}, {MAX_FPS:g}])")
        if frames is None:
            d = DEFAULT_SECONDS if duration is None else duration
            if isinstance(d, bool) or not isinstance(d, int | float) or not (
                    math.isfinite(d) and MIN_SECONDS <= d <= MAX_SECONDS):
                raise ValueError(f"invalid duration {duration!r} (seconds in [{MIN_SECONDS:g}, {MAX_SECONDS:g}])")
            frames = max(MIN_FRAMES, round(f * d))
        if isinstance(frames, bool) or not isinstance(frames, int) or not MIN_FRAMES <= frames <= MAX_FRAMES:
            raise ValueError(f"invalid frames {frames!r} (a whole number in [{MIN_FRAMES}, {MAX_FRAMES}])")
        return cls(float(f), int(frames))


# -- the command line's options ------------------------------------------------------------------


def add_figure_options(p: argparse._ActionsContainer, what: str, *, animations: bool = False,
                       turn: bool = True) -> None:
    """``--png/--svg/--pdf`` (and for a race ``--gif/--mp4`` with their pace, and with
    ``turn`` the ``--animation`` that chooses the turning 3D surface instead), ``--width``
    and ``--dpi``."""
    p.add_argument("--png", metavar="FILE", help=f"{what} as PNG (the window's figure)")
    p.add_argument("--svg", metavar="FILE", help="the same figure as SVG (vector)")
    p.add_argument("--pdf", metavar="FILE", help="the same figure as PDF (vector)")
    p.add_argument("--width", type=int, metavar="PX",
                   help="width in pixels (PNG 1600" + (", GIF 960, MP4 1280)" if animations else ")"))
    p.add_argument("--dpi", type=float, metavar="N", help="PNG resolution instead of --width (96 units per inch)")
    if animations:
        p.add_argument("--gif", metavar="FILE", help="the race as an animated GIF")
        p.add_argument("--mp4", metavar="FILE", help="the race as an MP4 video (H.264)")
        p.add_argument("--fps", type=float, metavar="N", help="animation frames per second (GIF 15, MP4 30)")
        p.add_argument("--frames", type=int, metavar="N", help="animation frames (default: 6 seconds' worth)")
        p.add_argument("--duration", type=float, metavar="S", help="animation length in seconds (6)")
        if not turn:
            return
        p.add_argument("--animation", metavar="WHAT",
                       help="what the animation shows: 'race' (the contour plot and curves, the default) or 'turn' "
                            "(the 3D surface turning once as the trajectories grow; needs OpenGL)")


@dataclass(frozen=True)
class Outputs:
    """The files a command writes, checked: ``figures`` and ``animations`` by format."""

    figures: dict[str, Path]
    animations: dict[str, Path]
    width: int | None
    dpi: float | None
    timing: dict[str, Timing]
    session: Path | None = None  # --save-session
    animation: str = "race"  # --animation: the race, or the 3D surface turning

    def png_width(self) -> int:
        return self.width if self.width is not None else DEFAULT_WIDTH["png"]

    def frame_width(self, fmt: str) -> int:
        return self.width if self.width is not None else DEFAULT_WIDTH[fmt]


def check_outputs(args: argparse.Namespace, writable: Callable[[str], Path]) -> Outputs:
    """Every figure and animation option, checked before any work: a name without the
    format's ending, a bad size or pace is a ``ValueError`` (one line); ``writable`` raises
    for a file that cannot be written."""
    figures: dict[str, Path] = {}
    animations: dict[str, Path] = {}
    for fmt in FIGURE_FORMATS:
        name = getattr(args, fmt, None)
        if name:
            format_of(name, fmt)
            figures[fmt] = writable(name)
    for fmt in ANIMATION_FORMATS:
        name = getattr(args, fmt, None)
        if name:
            format_of(name, fmt, ANIMATION_FORMATS)
            animations[fmt] = writable(name)
    session = None
    if getattr(args, "save_session", None):
        format_of(args.save_session, "json", ("json",))
        session = writable(args.save_session)
    width, dpi = getattr(args, "width", None), getattr(args, "dpi", None)
    if width is not None and dpi is not None:
        raise ValueError("give --width or --dpi, not both")
    if width is not None and (figures or animations):
        if not MIN_WIDTH <= width <= MAX_WIDTH:
            raise ValueError(f"invalid --width {width} (must be in [{MIN_WIDTH}, {MAX_WIDTH}])")
        if animations and width > MAX_FRAME_WIDTH:
            raise ValueError(f"invalid --width {width} for an animation (must be in [{MIN_WIDTH}, {MAX_FRAME_WIDTH}])")
    if dpi is not None:
        if animations:
            raise ValueError("--dpi is for PNG figures: give an animation's size with --width")
        if not (math.isfinite(dpi) and MIN_DPI <= dpi <= MAX_DPI):
            raise ValueError(f"invalid --dpi {dpi:g} (must be in [{MIN_DPI}, {MAX_DPI}])")
    pace = {k: getattr(args, k, None) for k in ("fps", "frames", "duration")}
    timing = {}
    if animations:
        for fmt in animations:
            try:
                timing[fmt] = Timing.of(fmt, pace["fps"], pace["frames"], pace["duration"])
            except ValueError as e:
                raise ValueError(str(e).replace("invalid fps", "invalid --fps").replace(
                    "invalid frames", "invalid --frames").replace("invalid duration", "invalid --duration")) from None
    elif any(v is not None for v in pace.values()):
        given = next(k for k, v in pace.items() if v is not None)
        raise ValueError(f"--{given} goes with --gif or --mp4")
    animation = getattr(args, "animation", None)
    if animation is not None:
        if animation not in ANIMATIONS:
            raise ValueError(f"invalid --animation {animation!r} (choose from {', '.join(ANIMATIONS)})")
        if not animations:
            raise ValueError("--animation goes with --gif or --mp4")
    return Outputs(figures, animations, width, dpi, timing, session, animation or "race")


# -- a run's files ---------------------------------------------------------------------------------


def write_run_outputs(problem, run, outputs: Outputs, args: argparse.Namespace) -> list[Path]:
    """Write a run's figures, animations and session (``main.py run``); returns the paths.
    A run started from a session keeps its racers' colours and its view when its racers
    and landscape were not overridden."""
    from gui.settings import OptimizerEntry, Settings, color_for

    session = getattr(problem, "session", None)
    own_racers = session is not None and not getattr(args, "optimizer", None)
    same_land = session is not None and session.settings.landscape == problem.landscape.name
    if own_racers:
        colors = [c for _n, _h, c in session.racers()]
    else:
        taken: set[str] = set()
        colors = []
        for name, _h in problem.entries:
            colors.append(color_for(name, taken))
            taken.add(colors[-1])
    view = session.view if same_land else None
    session_path = outputs.session
    written: list[Path] = []
    if outputs.figures or outputs.animations:
        from gui.animation import AnimationSpec, write_animation
        from gui.figure import Scene, Size, _ensure_app, figure_canvas, render, run_tracks, write_bytes

        _ensure_app()  # offscreen: never a window
        from engine.optimizers import Optimizer

        surface, tracks = run_tracks(problem.landscape, run, Optimizer.stack(problem.optimizers), colors)
        scene = Scene(surface, problem.landscape, tracks, run.steps, None, problem.tol, view)
        if outputs.figures:
            canvas = figure_canvas(scene, "both")
            for fmt, path in outputs.figures.items():
                write_bytes(path, render(canvas, fmt, Size(outputs.png_width(), outputs.dpi)))
                written.append(path)
        for fmt, path in outputs.animations.items():
            if outputs.animation == "turn":  # no OpenGL here: OSError, the command line's exit 1
                from gui.animation import last_step
                from gui.view3d import turn_from_tracks

                turn_from_tracks(surface, tracks, last_step(scene), str(path), fmt, outputs.frame_width(fmt),
                                 outputs.timing[fmt]).write()
            else:
                write_animation(AnimationSpec(scene, str(path), fmt, outputs.frame_width(fmt), outputs.timing[fmt]))
            written.append(path)
    if session_path is not None:
        from engine.optimizers import OPTIMIZERS
        from gui.session import AnalysisState, save_session, session_of

        entries = tuple(
            OptimizerEntry(n, tuple({**OPTIMIZERS[n].defaults, **h}.items()), c, True, opt.schedules[0])
            for (n, h), c, opt in zip(problem.entries, colors, problem.optimizers, strict=True)
        )
        settings = Settings(
            problem.landscape.name, tuple(problem.landscape.values.items()), entries, problem.init, problem.steps,
            problem.tol, problem.batch_size, problem.seed,
        )
        base = session if same_land and own_racers else None
        s = session_of(
            settings, view=view, analysis=base.analysis if base is not None else AnalysisState(),
            mode=base.mode if base is not None else "instant",
            step=base.step if base is not None and base.step is not None and base.step <= problem.steps else None,
            speed=base.speed if base is not None else 100.0,
        )
        save_session(session_path, s)
        written.append(session_path)
    return written
