"""The 3D view in the window, drawn by OpenGL on an X display: it starts, turns with the
mouse, sets the start where the surface is clicked, follows every control change, grows
with the animation, rebuilds with the landscape, exports, and remembers its camera."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent

from gui.look import DARK
from gui.prefs import Prefs
from gui.scene3d import Geometry, relief_from_surface, track_segments
from gui.view3d import DEFAULT_CAMERA, project
from tests.gui.conftest import open_window


@pytest.fixture
def w3d(qtbot):
    prefs = Prefs()
    prefs.landscape_view = "3d"
    w = open_window(qtbot, 1600, 1000)
    view = w.landscape3d.view
    qtbot.waitUntil(lambda: view.available and view.gl.frames_drawn > 0, timeout=10000)
    yield w
    w.close()


def drawn(w, qtbot) -> None:
    """Wait for the GL view's next paint."""
    gl = w.landscape3d.view.gl
    n = gl.frames_drawn
    gl.update()
    qtbot.waitUntil(lambda: gl.frames_drawn > n, timeout=5000)


def mouse(gl, kind, pos: QPointF, button=Qt.MouseButton.LeftButton, buttons=None) -> None:
    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    held = buttons if buttons is not None else (Qt.MouseButton.NoButton if kind == "release" else button)
    ev = QMouseEvent(types[kind], pos, gl.mapToGlobal(pos), Qt.MouseButton.NoButton if kind == "move" else button,
                     held, Qt.KeyboardModifier.NoModifier)
    QCoreApplication.sendEvent(gl, ev)


def lines_of(view) -> list[np.ndarray]:
    return [np.asarray(line.pos) if line.visible() else np.empty((0, 3)) for line in view.scene.lines]


def expected_lines(w) -> list[np.ndarray]:
    view = w.landscape3d.view
    g = Geometry(relief_from_surface(w.frame.surface), view.scene.log)
    return [track_segments(g, t, w.step)[0] for t in w.frame.tracks]


def test_the_view_starts_with_the_landscape_and_its_racers(w3d, qtbot) -> None:
    view = w3d.landscape3d.view
    assert view.problem is None and view.message.isHidden() and not w3d.contour.isVisible()
    r = relief_from_surface(w3d.frame.surface)
    mesh = view.scene.items["mesh"].opts["meshdata"]
    np.testing.assert_allclose(mesh.vertexes(), Geometry(r, r.log_default).vertices())
    assert view.log_box.isChecked() == r.log_default  # rosenbrock: log heights
    for got, want in zip(lines_of(view), expected_lines(w3d), strict=True):
        np.testing.assert_allclose(got, want)
    assert len(view.scene.heads) == len(w3d.frame.tracks)
    assert view.width() > 500 and view.height() > 400


def test_dragging_turns_and_tilts_and_the_camera_is_remembered(w3d, qtbot) -> None:
    gl = w3d.landscape3d.view.gl
    before = gl.camera()
    c = QPointF(gl.width() / 2, gl.height() / 2)
    mouse(gl, "press", c)
    for dx, dy in ((-10, -4), (-40, -12), (-80, -20)):
        mouse(gl, "move", c + QPointF(dx, dy))
    mouse(gl, "release", c + QPointF(-80, -20))
    after = gl.camera()
    assert after["azimuth"] == pytest.approx((before["azimuth"] + 80) % 360)
    assert after["elevation"] == pytest.approx(before["elevation"] - 20)
    assert w3d.frame.settings.init == w3d.panel.settings.init  # a drag is not a click: the start stays
    qtbot.waitUntil(lambda: Prefs().camera3d["azimuth"] == pytest.approx(after["azimuth"]), timeout=3000)
    # the wheel zooms; Reset camera goes back
    w3d.landscape3d.view.reset_button.click()
    assert gl.camera()["azimuth"] == pytest.approx(DEFAULT_CAMERA["azimuth"] % 360)


def test_a_click_on_the_surface_puts_the_start_there(w3d, qtbot, settle) -> None:
    view = w3d.landscape3d.view
    gl = view.gl
    g = view.scene.geometry
    x, y = 0.5, 0.8
    sx, sy = g.scene_xy(x, y)
    z = g.surface_z(np.array([sx]), np.array([sy]))[0]
    (px, py), = project(gl, np.array([[sx, sy, z]]), gl.width(), gl.height())[0]
    with qtbot.waitSignal(view.startMoved, timeout=3000) as sig:
        mouse(gl, "press", QPointF(px, py))
        mouse(gl, "release", QPointF(px, py))
    span = 4.0  # rosenbrock's view box is 4 wide: a pixel is about a two-hundredth of it
    assert sig.args[0] == pytest.approx(x, abs=0.02 * span) and sig.args[1] == pytest.approx(y, abs=0.02 * span)
    settle(w3d)
    assert tuple(w3d.frame.tracks[0].xy[0]) == pytest.approx(tuple(sig.args))


def test_alpha_redraws_the_3d_trajectories_and_animation_grows_them(w3d, qtbot, settle) -> None:
    view = w3d.landscape3d.view
    w3d.panel.select_optimizer("gd")
    alpha = w3d.panel.editor("gd").editors["alpha"]
    before = lines_of(view)[0].copy()
    alpha.slider.setValue(alpha.slider.to_tick(0.0003))
    settle(w3d)
    after = lines_of(view)
    assert not np.array_equal(before, after[0])
    for got, want in zip(after, expected_lines(w3d), strict=True):
        np.testing.assert_allclose(got, want)
    w3d.set_mode("animate")
    sizes = []
    for _ in range(3):
        for _ in range(40):
            w3d.step_once()
        sizes.append(len(lines_of(view)[1]))
        for got, want in zip(lines_of(view), expected_lines(w3d), strict=True):
            np.testing.assert_allclose(got, want)
    assert sizes[0] < sizes[1] < sizes[2]
    drawn(w3d, qtbot)


def test_a_new_landscape_rebuilds_the_surface_and_the_height_scale_is_kept_per_landscape(w3d, qtbot, settle) -> None:
    view = w3d.landscape3d.view
    assert view.log_box.isChecked()
    view.log_box.setChecked(False)  # rosenbrock in linear heights
    w3d.lessons.choose("four-basins")
    settle(w3d)
    assert view.scene.relief.title.startswith("himmelblau")
    r = relief_from_surface(w3d.frame.surface)
    np.testing.assert_allclose(view.scene.items["mesh"].opts["meshdata"].vertexes(),
                               Geometry(r, r.log_default).vertices())
    assert [k for *_xy, k in view.scene.relief.critical].count("minimum") == 4
    w3d.lessons.choose("adam-rosenbrock")
    settle(w3d)
    assert not view.log_box.isChecked() and not view.scene.log  # as it was left for rosenbrock
    drawn(w3d, qtbot)


def test_the_view_exports_a_png_and_follows_the_theme(w3d, qtbot, tmp_path: Path) -> None:
    from PIL import Image

    view = w3d.landscape3d.view
    path = tmp_path / "v.png"
    assert w3d.landscape3d.export_png(path, 800)
    with Image.open(path) as im:
        assert im.size[0] == 800
        px = np.asarray(im.convert("RGB"), dtype=int)
    assert px.std() > 10 and sorted(p.name for p in tmp_path.iterdir()) == ["v.png"]
    light = view.scene.items["mesh"].opts["meshdata"].vertexColors().copy()
    w3d.set_theme("dark")
    bg = tuple(int(DARK.plot_bg[i : i + 2], 16) / 255 for i in (1, 3, 5))
    assert view.gl.opts["bgcolor"][:3] == pytest.approx(bg)
    dark = view.scene.items["mesh"].opts["meshdata"].vertexColors()
    assert dark[:, :3].mean() < light[:, :3].mean()
    drawn(w3d, qtbot)


def test_a_turning_surface_renders_in_its_own_thread_beside_the_window(w3d, qtbot, tmp_path: Path) -> None:
    """File > Export animation's turning surface: frames rendered by a job thread's own
    context (sharing the window's objects) while the window's view keeps drawing."""
    from PIL import Image

    path = tmp_path / "turn.gif"
    gl = w3d.landscape3d.view.gl
    with qtbot.waitSignal(w3d.files.animator.resultReady, timeout=60000):
        assert w3d.files.export_animation(path, "turn3d", 320, fps=10, frames=8)
        for _ in range(5):  # the window turns meanwhile
            gl.orbit(5, 0)
            drawn(w3d, qtbot)
    with Image.open(path) as im:
        assert im.n_frames == 8 and im.size == (320, 240)


def test_the_camera_comes_back_at_the_next_launch(qtbot) -> None:
    prefs = Prefs()
    prefs.landscape_view = "both"
    w = open_window(qtbot, 1600, 1000)
    view = w.landscape3d.view
    qtbot.waitUntil(lambda: view.available, timeout=10000)
    assert w.contour.isVisible() and view.isVisible()
    view.set_camera({**DEFAULT_CAMERA, "azimuth": 123.0, "elevation": 55.0})
    w.close()
    w2 = open_window(qtbot, 1600, 1000)
    try:
        view2 = w2.landscape3d.view
        qtbot.waitUntil(lambda: view2.available, timeout=10000)
        cam = view2.current_camera()
        assert cam["azimuth"] == pytest.approx(123.0) and cam["elevation"] == pytest.approx(55.0)
    finally:
        w2.close()


def test_the_network_slice_as_a_surface_with_its_paths_on_it(w3d, qtbot, tmp_path: Path) -> None:
    """In the network view the same choice shows the slice as a surface: its mesh is the
    refined slice, each racer's path is drawn on it (solid, not a dotted trail), and the
    view exports what it shows."""
    from PIL import Image

    from gui.netview3d import slice_paths, slice_relief

    w = w3d
    w.model_combo.setCurrentIndex(1)
    net = w.net
    qtbot.waitUntil(lambda: net.frame is not None and not net.runner.busy
                    and net.frame.generation == net.runner.generation, timeout=20000)
    view = net.surface3d.view
    qtbot.waitUntil(lambda: view.available and view.gl.frames_drawn > 0, timeout=10000)
    assert not net.view.slice.isVisible()
    r = slice_relief(net.frame)
    mesh = view.scene.items["mesh"].opts["meshdata"]
    np.testing.assert_allclose(mesh.vertexes(), Geometry(r, view.scene.log).vertices(), rtol=1e-6)
    g = Geometry(r, view.scene.log)
    for got, p in zip(lines_of(view), slice_paths(net.frame), strict=True):
        want, _head = track_segments(g, p, p.stop)
        np.testing.assert_allclose(got, want, rtol=1e-6)
        assert len(got) >= 2
    assert not any(line.antialias for line in view.scene.lines)  # solid: see Scene3D.smooth_paths
    path = tmp_path / "net3d.png"
    view.export_png(path, 800)
    with Image.open(path) as im:
        px = np.asarray(im.convert("RGB"), dtype=int)
    # the racers' colours are on the picture (their paths and heads)
    from gui.look import LIGHT

    for c in net.frame.colors:
        rgb = np.array([int(LIGHT.racer(c)[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(px - rgb).sum(axis=2) < 40).sum() > 20, c
    w.model_combo.setCurrentIndex(0)
