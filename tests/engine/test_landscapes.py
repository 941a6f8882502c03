"""Every landscape: analytic derivatives against central differences, critical points."""

from __future__ import annotations

import numpy as np
import pytest

from engine.landscapes import LANDSCAPES, Landscape, make_landscape, point_kind
from engine.models import DataModel

# every registered landscape that is not a model trained on data (those are covered, the
# same way, by test_models.py): read off the registry, so a new one is checked at once
ANALYTIC = [n for n, cls in LANDSCAPES.items() if not issubclass(cls, DataModel)]
REQUIRED = [
    "quadratic", "rosenbrock", "himmelblau", "saddle", "monkey-saddle", "rastrigin", "beale",
    "six-hump-camel", "double-well",
]
VARIANTS = [(n, {}) for n in ANALYTIC] + [
    ("quadratic", {"kappa": 50.0, "angle": 30.0}),
    ("rastrigin", {"A": 3.0}),
    ("double-well", {"tilt": -0.8}),
]


def _ids(v):
    return v[0] + "".join(f"-{k}{x}" for k, x in v[1].items())


@pytest.fixture(params=VARIANTS, ids=_ids)
def landscape(request) -> Landscape:
    name, params = request.param
    return make_landscape(name, **params)


def _points(L: Landscape, n: int = 20, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo = np.array([a for a, _ in L.view])
    hi = np.array([b for _, b in L.view])
    return lo + (hi - lo) * rng.random((n, L.dim))


def _central(f, w: np.ndarray, h: float) -> np.ndarray:
    """d f / d w_j by central differences, for f: (B, D) -> (B, ...)."""
    cols = []
    for j in range(w.shape[1]):
        e = np.zeros_like(w)
        e[:, j] = h
        cols.append((f(w + e) - f(w - e)) / (2 * h))
    return np.stack(cols, axis=-1)


def test_registry_has_the_required_landscapes():
    for name in REQUIRED:
        assert name in LANDSCAPES


def test_gradient_matches_central_differences(landscape):
    w = _points(landscape)
    num = _central(landscape.loss, w, 1e-6)
    ana = landscape.grad(w)
    scale = np.maximum(1.0, np.abs(ana))
    assert np.all(np.abs(num - ana) / scale < 1e-5)


def test_hessian_matches_central_differences_of_gradient(landscape):
    w = _points(landscape)
    num = _central(landscape.grad, w, 1e-6)  # (B, D, D): d g_i / d w_j
    ana = landscape.hessian(w)
    scale = np.maximum(1.0, np.abs(ana))
    assert np.all(np.abs(num - ana) / scale < 1e-5)
    assert np.allclose(ana, np.swapaxes(ana, 1, 2))


def test_any_leading_batch_shape(landscape):
    w = _points(landscape, 12).reshape(3, 4, 2)
    flat = w.reshape(12, 2)
    assert landscape.loss(w).shape == (3, 4)
    assert np.allclose(landscape.loss(w).reshape(12), landscape.loss(flat))
    assert np.allclose(landscape.grad(w).reshape(12, 2), landscape.grad(flat))
    assert np.allclose(landscape.hessian(w).reshape(12, 2, 2), landscape.hessian(flat))
    loss, g = landscape.loss_grad(flat)
    assert np.array_equal(loss, landscape.loss(flat)) and np.array_equal(g, landscape.grad(flat))


def test_hessian_parts_agree_with_hessian(landscape):
    w = _points(landscape)
    h = landscape.hessian(w)
    hxx, hxy, hyy = (np.broadcast_to(p, (w.shape[0],)) for p in landscape.hessian_parts(w))
    assert np.array_equal(h[:, 0, 0], hxx) and np.array_equal(h[:, 0, 1], hxy)
    assert np.array_equal(h[:, 1, 1], hyy)


def test_float64_throughout(landscape):
    w = _points(landscape)
    assert landscape.loss(w).dtype == np.float64
    assert landscape.grad(w).dtype == np.float64
    assert landscape.hessian(w).dtype == np.float64


def test_critical_points_have_zero_gradient_and_stated_kind(landscape):
    cps = landscape.critical_points
    assert cps, "every analytic landscape lists its critical points"
    pts = np.array([cp.point for cp in cps])
    g = landscape.grad(pts)
    assert np.all(np.linalg.norm(g, axis=1) < 1e-9)
    kinds = point_kind(np.linalg.eigvalsh(landscape.hessian(pts)))
    for cp, kind in zip(cps, kinds, strict=True):
        if cp.degenerate:
            # the Hessian cannot tell; the function can: it takes both signs nearby
            rng = np.random.default_rng(0)
            near = np.array(cp.point) + 1e-3 * rng.standard_normal((200, 2))
            f0 = landscape.loss(pts[:1])[0]
            vals = landscape.loss(near) - f0
            assert kind in ("flat", "degenerate") and vals.min() < 0 < vals.max()
        else:
            assert kind == cp.kind, (cp, kind)


def test_critical_points_are_distinct_and_inside_the_view(landscape):
    pts = np.array([cp.point for cp in landscape.critical_points])
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(len(pts))
    assert d.min() > 1e-6
    for j, (lo, hi) in enumerate(landscape.view):
        assert np.all((pts[:, j] >= lo) & (pts[:, j] <= hi))


def test_known_values():
    assert make_landscape("rosenbrock").loss(np.array([[1.0, 1.0]]))[0] == 0.0
    h = make_landscape("himmelblau")
    assert len(h.minima) == 4
    assert np.allclose(h.loss(np.array([cp.point for cp in h.minima])), 0.0, atol=1e-20)
    q = make_landscape("quadratic", kappa=25.0, angle=40.0)
    ev = np.linalg.eigvalsh(q.hessian(np.zeros((1, 2))))[0]
    assert np.allclose(ev, [1.0, 25.0])
    camel = make_landscape("six-hump-camel")
    assert np.isclose(min(camel.loss(np.array([cp.point for cp in camel.minima]))), -1.0316284534898774)
    dw = make_landscape("double-well", tilt=0.3)
    mins = dw.minima
    assert len(mins) == 2 and dw.loss(np.array([mins[0].point]))[0] != dw.loss(np.array([mins[1].point]))[0]


def test_quadratic_formula_is_the_rotated_bowl():
    q = make_landscape("quadratic", kappa=7.0, angle=30.0)
    x, y = 0.3, -1.1
    a = np.radians(30.0)
    u = np.cos(a) * x + np.sin(a) * y
    v = -np.sin(a) * x + np.cos(a) * y
    assert np.isclose(q.loss(np.array([[x, y]]))[0], (u * u + 7.0 * v * v) / 2, rtol=1e-15)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("nope", {}, "unknown landscape 'nope'"),
        ("quadratic", {"kappa": -1.0}, "invalid kappa"),
        ("quadratic", {"kappa": float("nan")}, "not a finite number"),
        ("quadratic", {"bogus": 1.0}, "unknown parameter 'bogus'"),
        ("rastrigin", {"A": "ten"}, "not a number"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(name, params, message):
    with pytest.raises(ValueError, match=message):
        make_landscape(name, **params)


def test_point_kind():
    ev = np.array([[1.0, 2.0], [-1.0, 2.0], [-1.0, -3.0], [0.0, 0.0], [0.0, 2.0]])
    assert list(point_kind(ev)) == ["minimum", "saddle", "maximum", "flat", "degenerate"]
