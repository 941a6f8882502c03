"""The network's slice as a 3D surface (gui/netview3d.py): the relief it builds, the paths on
it, their thinning, and the window's landscape-view choice acting on the network view. The
drawing itself is checked in a real OpenGL window in tests/gui/gl/test_window3d.py."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.network.setup import NetworkSetup
from gui.netstate import NetSettings, compute_net_frame
from gui.netview3d import FINER, on_slice, slice_paths, slice_relief, thin_path
from gui.scene3d import Geometry


@pytest.fixture(scope="module")
def frame():
    s = NetSettings(setup=NetworkSetup.from_fields({"data": "moons", "points": 120, "hidden": [6]}), steps=600)
    return compute_net_frame(1, s)


def test_the_relief_is_the_slice_refined_and_agrees_with_it_at_its_grid(frame):
    f = frame
    a, b = f.slice_axes
    r = slice_relief(f)
    assert r.loss.shape == (FINER * (b.size - 1) + 1, FINER * (a.size - 1) + 1)
    assert r.xs[0] == a[0] and r.xs[-1] == pytest.approx(a[-1]) and r.ys[-1] == pytest.approx(b[-1])
    # every FINER-th point of the refined grid is the slice's own value
    assert np.allclose(r.loss[::FINER, ::FINER], f.slice_loss, rtol=1e-12, atol=0)
    assert r.axis_labels == ("direction a", "direction b") and "PCA" in r.title


def test_on_slice_is_exact_at_the_grid_and_between_its_neighbours():
    rng = np.random.default_rng(0)
    a, b = np.linspace(-1, 2, 5), np.linspace(0, 1, 4)
    z = rng.uniform(0.1, 3.0, (4, 5))
    gx, gy = np.meshgrid(a, b)
    assert np.allclose(on_slice(a, b, z, np.column_stack([gx.ravel(), gy.ravel()])).reshape(4, 5), z)
    mid = on_slice(a, b, z, np.array([[(a[1] + a[2]) / 2, (b[2] + b[3]) / 2]]))[0]
    assert mid == pytest.approx(z[2:4, 1:3].mean())
    assert on_slice(a, b, z, np.array([[-9.0, -9.0]]))[0] == pytest.approx(z[0, 0])  # beyond: the edge


def test_the_paths_lie_on_the_surface_on_both_height_scales(frame):
    f = frame
    r = slice_relief(f)
    paths = slice_paths(f)
    assert [p.label for p in paths] == list(f.names)
    for log in (False, True):
        g = Geometry(r, log)
        for i, p in enumerate(paths):
            assert p.n == f.run.finite_length(i) and np.array_equal(p.xy, f.projected[i, : p.n])
            pts, inside = g.points(p.xy, p.loss)
            assert inside.all()
            gap = pts[:, 2] - g.surface_z(pts[:, 0], pts[:, 1])
            # on the mesh's bilinear surface plus the lift (the log of a mean is at least
            # the mean of the logs: a little above it on the log scale)
            assert gap.min() >= r.lift * 0.9 * 0.999 and (log or gap.max() <= r.lift * 0.9 * 1.001)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 300), st.just(2)), elements=st.floats(-5, 5)),
       st.floats(0.01, 2.0))
def test_thinning_keeps_the_ends_and_every_change_of_cell(xy, cell):
    keep = thin_path(xy, cell)
    assert keep[0] == 0 and keep[-1] == xy.shape[0] - 1 and np.all(np.diff(keep) > 0)
    cells = np.floor(xy / cell)
    # between two kept points, every point dropped lies in the cell of the earlier one
    for lo, hi in itertools.pairwise(keep):
        assert np.all(cells[lo + 1 : hi] == cells[lo])


def test_the_landscape_view_choice_places_the_network_surface(window, qtbot):
    w = window
    w.model_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: w.net.frame is not None and not w.net.runner.busy, timeout=10000)
    slice_view, view3d = w.net.view.slice, w.net.surface3d.view
    assert slice_view.isVisible() and not view3d.isVisible()
    w.landscape3d.actions["3d"].trigger()  # F3
    assert not slice_view.isVisible() and view3d.isVisible()
    # offscreen there is no OpenGL: the view says why in one line, the rest works
    assert view3d.problem and view3d.message.isVisible() and "3D view unavailable" in view3d.message.text()
    assert view3d.scene.relief is not None and len(view3d.scene.paths) == len(w.net.frame.names)
    w.landscape3d.actions["both"].trigger()  # Shift+F3
    assert slice_view.isVisible() and view3d.isVisible()
    # Save the 3D view as PNG acts on the network's view (offscreen: refused, saying why)
    w.landscape3d.export_dialog()
    assert "3D view unavailable" in w.statusBar().currentMessage()
    w.landscape3d.actions["both"].trigger()  # again: back to contours
    assert slice_view.isVisible() and not view3d.isVisible()
