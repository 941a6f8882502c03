"""The network's loss on its weight plane as a surface to turn (issue 17's 3D view, for the
network of issues 10 and 11).

The surface is the frame's slice (``NetFrame.slice_loss`` over ``slice_axes``: the training
loss at ``origin + a*d1 + b*d2``), drawn by the same 3D view as a two-weight landscape
(:class:`gui.view3d.View3D`, from :func:`gui.scene3d.relief_from_grid`). The paths are what
the contour view of the slice shows: the racers' weights projected on the plane, drawn on the
surface (at the slice's loss where the projection falls, interpolated linearly between the
grid's points: on or a little above the mesh on either height scale, as the log of a mean
is at least the mean of the logs). That is not the loss of the weights themselves: a network's path
leaves any plane (the plane holds the share of its movement the caption gives), and the
weights' own loss, usually lower than the slice's under them, is in the training curves.
Drawn at their own loss the paths sank under the surface, out of sight, wherever the plane
missed them. View > Landscape view (F3, Shift+F3) places the view as for two weights: in
place of the slice or beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSizePolicy

from engine.simulation import Status
from gui.look import Look
from gui.netstate import NetFrame
from gui.scene3d import Relief, relief_from_grid
from gui.view3d import View3D

HINT = "drag: turn · wheel: zoom · paths projected on the plane (their own loss: the curves)"


@dataclass(frozen=True, eq=False)
class NetPath:
    """One racer's path as the 3D view takes it (``gui.scene3d.PathLike``): its points on
    the plane and its training loss at each, up to its last finite step."""

    xy: np.ndarray  # (n, 2)
    loss: np.ndarray  # (n,)
    xy_keep: np.ndarray | None
    color: str
    label: str
    stop: int
    status: Status

    @property
    def n(self) -> int:
        return self.xy.shape[0]

    @property
    def diverged(self) -> bool:
        return self.status in (Status.DIVERGED, Status.FAILED)

    def upto(self, k: int) -> int:
        return max(1, min(k + 1, self.n))


FINER = 3  # the mesh has this many cells per cell of the slice's grid (see slice_relief)
PATH_CELLS = 200  # a path keeps a point where it enters another cell of a grid this fine (see thin_path)
PATH_LIFT = 0.02  # paths stand this fraction of the box's height above the surface (see slice_relief)


def slice_relief(f: NetFrame) -> Relief:
    """The frame's slice as a relief: ``a`` across, ``b`` up, log colours from its lowest
    point (``relief_from_grid``); keyed by the slice, so a new plane is a new relief.

    The 64 x 64 grid is refined ``FINER`` times by bilinear interpolation before it becomes
    a mesh: the paths stand on the bilinear surface (:func:`on_slice`), and the mesh's flat
    triangles over a coarse cell of a rough slice strayed from it by more than the paths'
    lift, hiding them; over a third of a cell they stay within it. A slice is rougher than a
    two-weight landscape (a net's loss varies on every scale of the plane), and a path that
    climbs a wall still flickered in and out of it at the landscapes' lift: it stands
    ``PATH_LIFT`` above, two and a half times as high."""
    a, b = (np.asarray(v, dtype=np.float64) for v in f.slice_axes)
    fa = np.linspace(0.0, a.size - 1.0, FINER * (a.size - 1) + 1)
    fb = np.linspace(0.0, b.size - 1.0, FINER * (b.size - 1) + 1)
    fine_a, fine_b = np.interp(fa, np.arange(a.size), a), np.interp(fb, np.arange(b.size), b)
    gx, gy = np.meshgrid(fine_a, fine_b)
    loss = on_slice(a, b, f.slice_loss, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gy.shape)
    kind = {"pca": "PCA plane", "random": "random plane", "endpoints": "plane of the start and two ends",
            "pca+random": "one direction of the paths, one random", "random+random": "random plane"}
    title = f"loss on a weight plane ({kind.get(f.plane.kind, f.plane.kind)})"
    return relief_from_grid(fine_a, fine_b, loss, title=title, axis_labels=("direction a", "direction b"),
                            key=("net-slice", id(f.slice_loss)), lift=PATH_LIFT)


def on_slice(a: np.ndarray, b: np.ndarray, loss: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The slice's loss at points ``xy`` (n, 2) of the plane: bilinear between the grid's
    four neighbours, the edge's value beyond the grid."""
    z = np.asarray(loss, dtype=np.float64)
    fx = np.interp(xy[:, 0], a, np.arange(a.size, dtype=np.float64))
    fy = np.interp(xy[:, 1], b, np.arange(b.size, dtype=np.float64))
    i0 = np.minimum(np.floor(fx).astype(np.int64), a.size - 2)
    j0 = np.minimum(np.floor(fy).astype(np.int64), b.size - 2)
    tx, ty = fx - i0, fy - j0
    return (z[j0, i0] * (1 - tx) * (1 - ty) + z[j0, i0 + 1] * tx * (1 - ty)
            + z[j0 + 1, i0] * (1 - tx) * ty + z[j0 + 1, i0 + 1] * tx * ty)


def thin_path(xy: np.ndarray, cell: float) -> np.ndarray:
    """Indices of the points of a path worth drawing in 3D: the first, each point that
    enters another cell of side ``cell`` than the last kept one, and the last. On the
    surface a point's height follows from its place on the plane, so nothing drawn is
    lost but wiggles within a cell. The software renderer draws a smoothed wide line's
    segments with faded ends, and a path of thousands of segments shorter than the line is
    wide (a network's late steps) came out as a faint dotted trail."""
    n = xy.shape[0]
    if n <= 2 or not cell > 0:
        return np.arange(n)
    keep = [0]
    last = np.floor(xy[0] / cell)
    cells = np.floor(xy / cell)
    moved = np.nonzero(np.any(cells[1:] != cells[:-1], axis=1))[0] + 1  # candidates only
    for j in moved:
        if np.any(cells[j] != last):
            keep.append(int(j))
            last = cells[j]
    if keep[-1] != n - 1:
        keep.append(n - 1)
    return np.asarray(keep, dtype=np.int64)


def slice_paths(f: NetFrame) -> tuple[NetPath, ...]:
    """Every racer's path projected on the plane, at the slice's loss there (points after a
    divergence, which are not finite, left out)."""
    a, b = (np.asarray(v, dtype=np.float64) for v in f.slice_axes)
    out = []
    for i, name in enumerate(f.names):
        n = f.run.finite_length(i)
        xy = np.ascontiguousarray(f.projected[i, :n], dtype=np.float64)
        loss = on_slice(a, b, f.slice_loss, xy)
        keep = thin_path(xy, max(float(a[-1] - a[0]), float(b[-1] - b[0])) / PATH_CELLS)
        out.append(NetPath(xy=xy, loss=loss, xy_keep=keep, color=f.colors[i],
                           label=name, stop=int(f.run.stop[i]), status=Status(int(f.run.status[i]))))
    return tuple(out)


class NetSurface3D(QObject):
    """The 3D view of the network mode's slice: made with the mode, shown by the window's
    landscape-view choice, fed with each frame and step."""

    refused = Signal(str)  # a PNG that could not be written, in one line
    written = Signal(str)  # the PNG written

    def __init__(self, look: Look, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = View3D(k=look.k, theme=look.theme)
        self.view.scene.smooth_paths = False  # (see Scene3D.smooth_paths)
        # beside the data and the slice (Shift+F3) on a 1024-pixel screen the row of buttons
        # must not set the pane's least width: it is cut instead
        self.view.bar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.view.setMinimumWidth(160)
        self.view.hint.setText(HINT)
        self.view.hint.setToolTip(
            "drag to turn and tilt, right-drag (or Ctrl + drag) to move, the wheel to zoom. The paths are the "
            "racers' weights projected on the plane and drawn on the surface, as in the contour view; the weights "
            "themselves are off the plane, and their own loss is in the training curves")
        self.view.hide()
        self.view.save_button.clicked.connect(self.export_dialog)
        self._slice: object = None
        self.frame: NetFrame | None = None

    def set_frame(self, f: NetFrame, step: int | None) -> None:
        self.frame = f
        if f.slice_loss is not self._slice:
            self._slice = f.slice_loss
            self.view.set_relief(slice_relief(f))
        last = int(f.run.stop.max())
        self.view.set_tracks(slice_paths(f), last if step is None else step)

    def show_step(self, k: int | None) -> None:
        if self.frame is not None:
            self.view.reveal(int(self.frame.run.stop.max()) if k is None else k)

    def set_look(self, look: Look) -> None:
        self.view.set_look(look.k, look.theme)

    def shutdown(self) -> None:
        self.view.shutdown()

    def export_png(self, path: str | Path, width: int = 1600) -> bool:
        try:
            self.view.export_png(path, width)
        except (OSError, ValueError) as e:
            self.refused.emit(f"3D view not saved: {e}")
            return False
        self.written.emit(str(path))
        return True

    def export_dialog(self) -> None:
        from gui.file_menu import ask_save

        if not self.view.available:
            self.refused.emit(f"3D view unavailable: {self.view.problem or 'show it first (F3)'}")
            return
        name = "basin-network-3d.png"
        if self.frame is not None and self.frame.net is not None:
            name = f"basin-network-{self.frame.net.layout.describe()}-3d.png"
        path = ask_save(self.view.window(), "Save the 3D view", name, "png")
        if path:
            self.export_png(path)
