"""The 3D view's data (no OpenGL), its fallback on Qt's offscreen platform, what it
remembers, its launch flags, and its exports rendered in an OpenGL context of their own.

The view in the window itself (a real OpenGL window: camera, clicks, live trajectories) is
tested under X in ``tests/gui/gl/`` (see ``test_view3d_window.py``). Exports need OpenGL
too: the offscreen platform gets it from the X display pytest-xvfb starts; where there is
none they are skipped, except in CI, where a missing display is a failure."""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

import numpy as np
import pytest

from engine.landscapes import LANDSCAPES, make_landscape
from gui.look import DARK, LIGHT
from gui.scene3d import (
    HEIGHT,
    LIFT,
    Geometry,
    colormap_lookup,
    grid_faces,
    relief_from_grid,
    relief_from_surface,
    track_segments,
)
from gui.surface import build_surface
from gui.view3d import DEFAULT_CAMERA, check_camera, gl_problem
from tests.gui.conftest import open_window

SURFACES = {}


def surface_of(name: str):
    if name not in SURFACES:
        SURFACES[name] = build_surface(make_landscape(name), name)
    return SURFACES[name]


def grid_points(relief) -> np.ndarray:
    gx, gy = np.meshgrid(relief.xs, relief.ys)
    return np.stack([gx, gy], axis=-1)


# -- the relief and its geometry (numpy only) ---------------------------------------------------------


@pytest.mark.parametrize("name", list(LANDSCAPES))
def test_every_landscape_gives_a_true_relief_over_its_view_box(name: str) -> None:
    land = make_landscape(name)
    s = surface_of(name)
    r = relief_from_surface(s)
    (vx0, vx1), (vy0, vy1) = land.view[:2]
    assert np.ravel(r.extent) == pytest.approx([vx0, vx1, vy0, vy1], abs=1e-9)
    truth = np.asarray(land.loss(grid_points(r)), dtype=np.float64)
    finite = np.isfinite(truth)
    assert r.loss.shape == (201, 201)  # (the view box's 251 x 251 samples, resampled)
    if s.best is not None:  # the loss comes back from the colour scale, interpolated between samples
        span = np.ptp(truth[finite])
        assert np.abs(r.loss[finite] - truth[finite]).max() <= 0.005 * span
        corners = np.ix_([0, -1], [0, -1])  # (samples of the surface itself: exact)
        np.testing.assert_allclose(r.loss[corners], truth[corners], rtol=1e-9, atol=1e-9 * (1 + s.delta))
    for log in (False, True):
        g = Geometry(r, log)
        v = g.vertices()
        assert v.shape == (r.xs.size * r.ys.size, 3) and np.isfinite(v).all()
        assert v[:, 2].min() >= 0 and v[:, 2].max() <= HEIGHT
        assert max(np.abs(v[:, 0]).max(), np.abs(v[:, 1]).max()) == pytest.approx(1.0)  # longer side spans [-1, 1]
        c = g.colors(LIGHT.cmap)
        assert c.shape == (v.shape[0], 4) and (c >= 0).all() and (c <= 1).all()
    for x, y, kind in r.critical:
        assert kind in ("minimum", "saddle", "maximum")
        assert vx0 <= x <= vx1 and vy0 <= y <= vy1


def test_heights_are_the_loss_or_its_log_and_the_lowest_point_is_the_floor() -> None:
    r = relief_from_surface(surface_of("rosenbrock"))
    assert r.log_default  # its walls stand decades above its ravine
    assert not relief_from_surface(surface_of("quadratic")).log_default
    lin, log = Geometry(r, False), Geometry(r, True)
    i = np.unravel_index(np.argmin(r.loss), r.loss.shape)
    j = np.unravel_index(np.argmax(r.loss), r.loss.shape)
    for g in (lin, log):
        assert g.z[i] == pytest.approx(0.0) and g.z[j] == pytest.approx(HEIGHT)
    # linear heights are proportional to the loss above the floor; log ones to its log
    k = (5, 200)
    gap = r.loss[k] - r.floor
    assert lin.z[k] == pytest.approx(HEIGHT * gap / (r.loss[j] - r.floor))
    want = (math.log10(gap + r.delta) - math.log10(r.delta)) / (math.log10(r.loss[j] - r.floor + r.delta)
                                                                 - math.log10(r.delta))
    assert log.z[k] == pytest.approx(HEIGHT * want)
    # most of rosenbrock's picture is its floor in linear heights, not in log ones
    assert np.median(lin.z) < 0.1 * HEIGHT < np.median(log.z)


def test_a_trajectory_lies_on_the_surface_at_its_loss_and_stops_at_the_edge() -> None:
    land = make_landscape("himmelblau")
    r = relief_from_surface(surface_of("himmelblau"))
    g = Geometry(r, False)
    xy = np.array([[r.xs[10], r.ys[20]], [r.xs[40], r.ys[60]], [r.xs[-1] + 5, r.ys[60]], [r.xs[50], r.ys[50]]])
    loss = land.loss(xy)
    pts, inside = g.points(xy, loss)
    assert inside.tolist() == [True, True, False, True]
    # at grid points the trajectory is LIFT above the mesh's vertex (to the resampling's error)
    assert pts[0, 2] == pytest.approx(g.z[20, 10] + LIFT * HEIGHT, abs=2e-4)
    assert pts[1, 2] == pytest.approx(g.z[60, 40] + LIFT * HEIGHT, abs=2e-4)
    seg = g.segments(xy, loss)
    assert seg.shape == (2, 3)  # only the first segment has both ends inside
    np.testing.assert_allclose(seg, pts[:2], atol=1e-6)


def test_picking_a_ray_straight_down_finds_the_point_below() -> None:
    r = relief_from_surface(surface_of("himmelblau"))
    g = Geometry(r, False)
    for x, y in ((3.0, 2.0), (-2.805, 3.131), (0.5, -4.0)):
        sx, sy = g.scene_xy(x, y)
        hit = g.pick(np.array([sx, sy, 5.0]), np.array([0.0, 0.0, -1.0]))
        assert hit == pytest.approx((x, y), abs=1e-9)
    # a slanted ray meets the surface where its height equals the mesh's
    o, d = np.array([-2.0, -1.5, 2.0]), np.array([1.0, 0.8, -0.9])
    d /= np.linalg.norm(d)
    hit = g.pick(o, d)
    sx, sy = g.scene_xy(*hit)
    t = (sx - o[0]) / d[0]
    assert o[2] + t * d[2] == pytest.approx(g.surface_z(np.array([sx]), np.array([sy]))[0], abs=1e-6)
    assert g.pick(np.array([0.0, 0.0, 5.0]), np.array([0.0, 0.0, 1.0])) is None  # up, away from it


def test_shading_keeps_the_colour_map_and_darkens_slopes_facing_away() -> None:
    r = relief_from_surface(surface_of("quadratic"))
    g = Geometry(r, False)
    c = g.colors(LIGHT.cmap).reshape((*r.loss.shape, 4))
    lo = np.unravel_index(np.argmin(r.color), r.color.shape)
    base = colormap_lookup(LIGHT.cmap, np.array([0.0]))[0]
    np.testing.assert_allclose(base, np.array(LIGHT.cmap[0][1]) / 255)
    flat = c[lo][:3]  # the minimum is flat: lit by the ambient light and the light's whole height
    np.testing.assert_allclose(flat, base * (0.5 + 0.5 * 1.0 / np.linalg.norm([-0.45, -0.35, 1.0])), atol=1e-6)
    # the light shines from -x, -y: the bowl's wall on the +x, +y side faces it, the other away
    assert c[-40, -40][:3].sum() > c[40, 40][:3].sum()
    dark = g.colors(DARK.cmap, 0.22)
    assert dark[:, :3].mean() < c[..., :3].mean()


def test_a_network_slice_is_a_relief_too() -> None:
    """engine.network.slices gives a loss grid over plane coordinates (a, b): it becomes a
    relief the same view draws, with tracks projected on the plane."""
    from engine.network.mlp import Network
    from engine.network.slices import loss_slice
    from tests.engine.test_network_training import moons_net

    net = Network(moons_net().data, hidden=(8,))
    rng = np.random.default_rng(0)
    w0, d1, d2 = rng.normal(0, 0.7, (3, net.dim))
    a = np.linspace(-1, 1, 21)
    b = np.linspace(-1, 1, 17)
    loss = loss_slice(net, w0, d1, d2, a, b)
    r = relief_from_grid(a, b, loss, title="slice", axis_labels=("a", "b"), key="slice")
    g = Geometry(r, r.log_default)
    assert g.vertices().shape == (21 * 17, 3)
    assert r.loss[8, 10] == pytest.approx(net.loss(w0[None])[0])  # (a, b) = (0, 0) is the origin
    with pytest.raises(ValueError, match="shape"):
        relief_from_grid(a, b, loss.T, title="x")
    with pytest.raises(ValueError, match="increase"):
        relief_from_grid(a[::-1], b, loss, title="x")


def test_grid_faces_cover_every_cell_with_two_triangles() -> None:
    f = grid_faces(3, 4)
    assert f.shape == (12, 3)
    cells = {tuple(sorted(set(a) | set(b))) for a, b in zip(f[0::2].tolist(), f[1::2].tolist(), strict=True)}
    assert cells == {(r * 4 + c, r * 4 + c + 1, r * 4 + c + 4, r * 4 + c + 5) for r in range(2) for c in range(3)}


def test_a_track_is_drawn_up_to_its_step(window) -> None:
    f = window.frame
    g = Geometry(relief_from_surface(f.surface), True)
    t = f.tracks[0]
    seg0, head0 = track_segments(g, t, 0)
    seg, head = track_segments(g, t, 100)
    assert seg0.shape == (0, 3) and head0 is not None
    pts, _ok = g.points(t.xy[:101], t.loss[:101])
    np.testing.assert_allclose(head, pts[100])
    assert len(seg) <= 200 and len(seg) > 0


# -- camera ------------------------------------------------------------------------------------


def test_a_remembered_camera_is_checked_value_by_value() -> None:
    cam = check_camera({"distance": 5.0, "elevation": 95.0, "azimuth": -30.0, "fov": float("nan"),
                        "center": [0.1, 0.2, 0.3]})
    assert cam["distance"] == 5.0 and cam["azimuth"] == 330.0 and cam["center"] == (0.1, 0.2, 0.3)
    assert cam["elevation"] == DEFAULT_CAMERA["elevation"] and cam["fov"] == DEFAULT_CAMERA["fov"]
    for junk in (None, "x", [1, 2], {"distance": True, "center": [1, 2]}, {"center": [1e9, 0, 0]}):
        assert check_camera(junk) == DEFAULT_CAMERA


# -- the window on a platform without OpenGL ---------------------------------------------------------


def test_offscreen_the_3d_view_says_why_in_one_line_and_the_window_works(qtbot, settle) -> None:
    w = open_window(qtbot)
    try:
        assert w.landscape3d.mode == "contour" and not w.landscape3d.view.isVisible()
        w.landscape3d.actions["3d"].trigger()  # F3
        qtbot.waitUntil(lambda: w.landscape3d.view.isVisible())
        view = w.landscape3d.view
        assert not view.available and view.gl is None
        assert "offscreen" in view.problem
        assert view.message.isVisible() and "\n" not in view.message.text()
        assert "contour view and everything else work" in view.message.text()
        assert "3D view unavailable" in w.statusBar().currentMessage()
        assert not w.contour.isVisible()
        # everything else goes on: a new start runs, and the contour view comes back with F3
        w.panel.set_start(0.5, 0.5)
        settle(w)
        assert tuple(w.frame.tracks[0].xy[0]) == (0.5, 0.5)
        w.landscape3d.actions["3d"].trigger()
        assert w.landscape3d.mode == "contour" and w.contour.isVisible() and not view.isVisible()
        w.landscape3d.actions["both"].trigger()
        assert w.contour.isVisible() and view.isVisible()
    finally:
        w.close()
    from gui.prefs import Prefs

    assert Prefs().landscape_view == "both"  # remembered for the next launch


def test_the_landscape_view_and_camera_come_back_at_the_next_launch(qtbot) -> None:
    from gui.prefs import Prefs

    prefs = Prefs()
    prefs.landscape_view = "3d"
    prefs.camera3d = {**DEFAULT_CAMERA, "azimuth": 10.0, "distance": 6.0}
    w = open_window(qtbot)
    try:
        assert w.landscape3d.mode == "3d"
        assert w.landscape3d.view.current_camera()["azimuth"] == 10.0
        assert w.landscape3d.view.current_camera()["distance"] == 6.0
    finally:
        w.close()
    prefs.store.setValue("view3d/mode", "sideways")
    prefs.store.setValue("view3d/camera", "{not json")
    assert Prefs().landscape_view == "contour" and Prefs().camera3d == DEFAULT_CAMERA


# -- launch flags --------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["--view", "4d"], "invalid --view '4d' (choose from contour, 3d, both)"),
    (["--scenario", "nope"], "unknown scenario 'nope' (choose from convex-regression,"),
    (["--view", "3d", "--zoom", "2"], "unrecognised '--zoom'"),
    (["--view=3d", "--view", "both"], "--view given twice"),
])
def test_bad_launch_flags_are_one_line_and_exit_2(argv, message, capsys, monkeypatch) -> None:
    import main

    monkeypatch.setattr(main, "_open_window", lambda **kw: pytest.fail("the window must not open"))
    assert main.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_network_scenario_at_launch_opens_the_network_view(monkeypatch) -> None:
    import main

    opened = {}
    monkeypatch.setattr(main, "_open_window", lambda **kw: opened.update(kw) or 0)
    assert main.main(["--scenario", "net-zero-init"]) == 0
    assert opened == {"view": None, "scenario": "net-zero-init"}  # the lesson picks the network model


def test_launch_flags_open_the_window_on_a_view_and_a_scenario(monkeypatch) -> None:
    import main

    seen = {}
    monkeypatch.setattr(main, "_open_window", lambda **kw: seen.update(kw) or 0)
    assert main.main(["--view", "3d", "--scenario", "four-basins"]) == 0
    assert seen == {"view": "3d", "scenario": "four-basins"}
    assert main.main(["--scenario=adam-rosenbrock"]) == 0 and seen["scenario"] == "adam-rosenbrock"


def test_run_app_applies_view_and_scenario(qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QApplication

    from gui import app as app_module

    shown = []
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    monkeypatch.setattr("gui.main_window.MainWindow.show", lambda self: shown.append(self))
    assert app_module.run_app(["basin"], view="both", scenario="four-basins") == 0
    (w,) = shown
    qtbot.addWidget(w)
    try:
        assert w.landscape3d.mode == "both"
        assert w.lessons.current.name == "four-basins" and w.panel.settings.landscape == "himmelblau"
    finally:
        w.close()


def test_animation_option_is_checked(tmp_path: Path) -> None:
    import argparse

    from gui.outputs import check_outputs

    def args(**kw):
        base = dict(png=None, svg=None, pdf=None, gif=None, mp4=None, width=None, dpi=None, fps=None, frames=None,
                    duration=None)
        return argparse.Namespace(**{**base, **kw})

    assert check_outputs(args(gif=str(tmp_path / "a.gif"), animation="turn"), Path).animation == "turn"
    assert check_outputs(args(gif=str(tmp_path / "a.gif")), Path).animation == "race"
    with pytest.raises(ValueError, match=r"invalid --animation 'spin' \(choose from race, turn\)"):
        check_outputs(args(gif=str(tmp_path / "a.gif"), animation="spin"), Path)
    with pytest.raises(ValueError, match="--animation goes with --gif or --mp4"):
        check_outputs(args(png=str(tmp_path / "a.png"), animation="turn"), Path)


# -- rendering into images: exports (OpenGL from the X display, offscreen platform) ----------------------


@pytest.fixture
def gl(qapp):
    problem = gl_problem(on_screen=False)
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must render the 3D view (pytest-xvfb and Xvfb with Mesa): {problem}")
        pytest.skip(problem)


def test_an_offscreen_render_shows_the_racers_where_the_geometry_puts_them(gl) -> None:
    from engine.scenarios import load_scenarios
    from gui.settings import scenario_settings
    from gui.view3d import OffscreenView, Scene3D, image_rgb, project
    from gui.worker import compute_frame

    f = compute_frame(1, scenario_settings(load_scenarios()[0]["four-basins"]))  # two racers, two minima
    scene = Scene3D(theme=LIGHT)
    scene.set_relief(relief_from_surface(f.surface), log=True)
    scene.set_paths(f.tracks)
    scene.reveal(f.settings.steps)
    r = OffscreenView(scene, 640, 480)
    try:
        r.set_camera({**DEFAULT_CAMERA, "elevation": 89.0, "azimuth": 270.0, "distance": 3.3})  # from above
        img = image_rgb(r.image())
        assert img.shape == (480, 640, 3)
        bg = np.array([255, 255, 255])
        assert (np.abs(img.astype(int) - bg).sum(axis=2) > 30).mean() > 0.3  # the surface fills much of it
        heads = [(h, c, col) for h, c, col in scene.heads if h is not None and not c]
        at = project(r.view, np.array([h for h, _c, _col in heads]), 640, 480)[0]
        apart = [np.all(np.delete(np.hypot(*(at - p).T), i) > 14) for i, p in enumerate(at)]
        assert sum(apart) >= 2  # (heads that end on one minimum cover each other)
        for (px, py), alone, (_h, _c, color) in zip(at, apart, heads, strict=True):
            if not alone:
                continue
            patch = img[int(py) - 2 : int(py) + 3, int(px) - 2 : int(px) + 3].reshape(-1, 3).astype(int)
            want = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
            assert np.abs(patch - want).sum(axis=1).min() < 60, color  # the head's disc, in the racer's colour
    finally:
        r.close()


def test_a_turning_surface_is_written_as_a_gif_and_an_mp4(gl, window, tmp_path: Path) -> None:
    from PIL import Image

    from gui.outputs import Timing
    from gui.view3d import turn_from_tracks

    f = window.frame
    gif = turn_from_tracks(f.surface, f.tracks, window.last_step, str(tmp_path / "t.gif"), "gif", 320, Timing(10, 6))
    assert gif.write() == tmp_path / "t.gif"
    frames = []
    with Image.open(tmp_path / "t.gif") as im:
        assert im.n_frames == 6 and im.size == (320, 240)
        for i in range(6):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB"), dtype=int))
    assert all(np.abs(a - b).mean() > 1 for a, b in itertools.pairwise(frames))  # it turns
    mp4 = turn_from_tracks(f.surface, f.tracks, window.last_step, str(tmp_path / "t.mp4"), "mp4", 320, Timing(10, 4))
    assert mp4.write().stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.gif", "t.mp4"]  # nothing partial left


def test_the_window_writes_a_turning_surface_off_the_gui_thread(gl, window, qtbot, tmp_path: Path) -> None:
    path = tmp_path / "turn.gif"
    with qtbot.waitSignal(window.files.animator.resultReady, timeout=60000):
        assert window.files.export_animation(path, "turn3d", 320, fps=10, frames=5)
    from PIL import Image

    with Image.open(path) as im:
        assert im.n_frames == 5


def test_the_command_line_writes_a_turning_surface(gl, tmp_path: Path, capsys) -> None:
    import main

    path = tmp_path / "turn.gif"
    code = main.main(["run", "--scenario", "four-basins", "--gif", str(path), "--animation", "turn", "--frames", "4",
                      "--width", "240"])
    assert code == 0, capsys.readouterr().err
    assert path.stat().st_size > 1000 and f"wrote {path}" in capsys.readouterr().out


def test_without_opengl_the_command_line_says_so_and_exits_1(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "t.gif"
    p = subprocess.run([sys.executable, str(root / "main.py"), "run", "--scenario", "four-basins", "--gif", str(out),
                        "--animation", "turn", "--frames", "3"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs OpenGL" in lines[0] and str(out) in lines[0]
    assert not list(tmp_path.iterdir())
