"""A landscape from a formula: whitelisted parsing (never eval), exact derivatives, critical
points, and the float path equal to the numpy path."""

from __future__ import annotations

import builtins
import re
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import formula
from engine.formula import FormulaError, compile_formula, parse
from engine.landscapes import make_landscape
from engine.optimizers import Optimizer, make_optimizer
from engine.simulation import simulate


def custom(text: str, box: float | tuple[float, float, float, float] = 3.0):
    x0, x1, y0, y1 = (-box, box, -box, box) if isinstance(box, float) else box
    return make_landscape("custom", formula=text, xmin=x0, xmax=x1, ymin=y0, ymax=y1)


@pytest.mark.parametrize(
    ("text", "builtin", "params", "box"),
    [
        ("(1-x)^2 + 100*(y-x^2)^2", "rosenbrock", {}, (-2.0, 2.0, -1.0, 3.0)),
        ("(x**2+y-11)**2 + (x+y**2-7)**2", "himmelblau", {}, 6.0),
        ("x^2 - y^2", "saddle", {}, 2.0),
        ("(x^2-1)^2 + y^2 + 0.3*x", "double-well", {"tilt": 0.3}, 2.0),
        ("20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)", "rastrigin", {"A": 10.0}, 2.0),
    ],
)
def test_a_formula_is_the_landscape_it_writes(text, builtin, params, box):
    c, b = custom(text, box), make_landscape(builtin, **params)
    w = np.random.default_rng(0).uniform(-2, 2, (500, 2))
    for f in ("loss", "grad", "hessian"):
        np.testing.assert_allclose(getattr(c, f)(w), getattr(b, f)(w), rtol=1e-12, atol=1e-9)
    # the search finds every critical point the built-in lists inside the view, of the same kind
    theirs = sorted((cp.kind, *np.round(cp.point, 6)) for cp in b.critical_points)
    ours = sorted((cp.kind, *np.round(cp.point, 6)) for cp in c.critical_points)
    assert ours == theirs


def test_power_signs_and_functions_read_as_written():
    c = custom("exp(-x) + log(1 + y^2) + sqrt(2 + sin(x)*cos(y)) + tanh(x*y) + abs(x - y) + e^x / pi")
    x, y = 0.3, -0.7
    expected = (np.exp(-x) + np.log(1 + y * y) + np.sqrt(2 + np.sin(x) * np.cos(y)) + np.tanh(x * y) + abs(x - y)
                + np.e**x / np.pi)
    assert c.loss(np.array([[x, y]]))[0] == pytest.approx(expected, rel=1e-14)
    assert parse("x^2") == parse("x**2") and parse("-x^2") == -parse("x^2")  # ^ is a power, minus outside


def test_derivatives_are_exact_where_finite_differences_can_only_approximate():
    c = custom("x^3*y - 2*sinh(y)*atan(x)")
    x, y = 0.4, -1.1
    gx = 3 * x * x * y - 2 * np.sinh(y) / (1 + x * x)
    gy = x**3 - 2 * np.cosh(y) * np.arctan(x)
    np.testing.assert_allclose(c.grad(np.array([[x, y]]))[0], [gx, gy], rtol=1e-14)
    hxy = 3 * x * x - 2 * np.cosh(y) / (1 + x * x)
    assert c.hessian(np.array([[x, y]]))[0, 0, 1] == pytest.approx(hxy, rel=1e-14)


def test_degenerate_critical_points_are_classified_by_the_function():
    monkey = {cp.kind: cp for cp in custom("x^3 - 3*x*y^2", 1.5).critical_points}
    assert set(monkey) == {"saddle"} and monkey["saddle"].degenerate
    quartic = custom("x^4 + y^4").critical_points
    assert [(cp.kind, cp.degenerate) for cp in quartic] == [("minimum", True)]
    assert np.allclose(quartic[0].point, 0.0, atol=1e-6)


def test_the_float_gradient_is_the_array_gradient_to_the_last_bit():
    c = custom("exp(-x^2) * log(2 + y^2) + tanh(x - y)^3 + x^2.5 / (1 + y^2)", (0.1, 3.0, -3.0, 3.0))
    pts = np.random.default_rng(2).uniform([0.1, -3.0], [3.0, 3.0], (400, 2))
    got = np.array([c.grad_point(float(x), float(y)) for x, y in pts])
    np.testing.assert_array_equal(got, c.grad(pts))


def test_every_optimizer_runs_on_a_formula_and_both_paths_agree(monkeypatch):
    from engine import scalar

    c = custom("(1-x)^2 + 10*(y-x^2)^2", (-2.0, 2.0, -1.0, 3.0))
    names = ["gd", "momentum", "nesterov", "adam", "rmsprop", "adagrad", "newton"]
    opt = Optimizer.stack([make_optimizer(n, alpha=1.0 if n == "newton" else 2e-3) for n in names])
    starts = np.array([[-1.5, 2.0]] * len(names))
    monkeypatch.setattr(scalar, "MAX_ROWS", 0)
    a = simulate(c, opt, starts, 300)
    monkeypatch.setattr(scalar, "MAX_ROWS", 8)
    b = simulate(c, opt, starts, 300)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert a.final.loss[names.index("newton")] < 1e-12  # Newton on the exact Hessian: the minimum


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("x.real", "attribute access"),
        ("x[0]", "subscripts"),
        ("(lambda: 1)()", "not a known function"),
        ("lambda x: x", "lambdas"),
        ("[x for x in (1,)]", "comprehensions"),
        ("'x'", "is not a number"),
        ("__import__('os').system('true')", "not a known function"),
        ("z + 1", "unknown name 'z'"),
        ("exp", "a function needs brackets"),
        ("x if y else 1", "if/else"),
        ("x < y", "comparisons"),
        ("x % 2", "operator % is not allowed"),
        ("x // 2", "operator // is not allowed"),
        ("exp(x, y)", "exactly one argument"),
        ("exp(x=1)", "exactly one argument"),
        ("2^2^2^2^2", "tower"),
        ("x^(y^2)", "tower"),
        ("x^1000", "too large"),
        ("1e300 * x", "too large"),
        ("1/0 + x", "not a finite function"),
        ("x +* y", "not a formula"),
        ("x ≤ y", "not allowed"),
        ("(" * 300 + "x" + ")" * 300, "nested too deeply|too long"),
        ("x+" * 150 + "x", "too long"),
        ("(x := 2)", "assignments"),
        ("True", "is not a number"),
        ("1j * x", "is not a number"),
    ],
)
def test_a_refused_formula_gets_one_line_naming_the_problem(text, message):
    t = time.perf_counter()
    with pytest.raises(FormulaError, match=message) as err:
        compile_formula(text)
    assert time.perf_counter() - t < 1.0
    assert "\n" not in str(err.value) and str(err.value).startswith("formula:")
    with pytest.raises(ValueError, match=message):  # as the command line and the window see it
        make_landscape("custom", formula=text)


def test_a_view_box_that_is_not_a_box_is_refused():
    with pytest.raises(ValueError, match="xmin < xmax"):
        make_landscape("custom", formula="x^2", xmin=1.0, xmax=-1.0)
    with pytest.raises(ValueError, match="not text"):
        make_landscape("custom", formula=3.0)


def test_nothing_is_ever_evaluated_as_code(monkeypatch):
    import sympy

    def refuse(*_a, **_k):
        raise AssertionError("user text reached an evaluator")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(sympy, "sympify", refuse)
    monkeypatch.setattr(sympy, "parse_expr", refuse, raising=False)
    monkeypatch.setattr(sympy, "lambdify", refuse)
    c = compile_formula("(1-x)^2 + 100*(y-x^2)^2 + exp(-x*y)")
    assert c.all_program.run(1.0, 1.0)[0] == pytest.approx(np.exp(-1.0))


_ALPHABET = st.sampled_from([*"xy()+-*/^.,0123456789 ", "exp(", "log(", "sqrt(", "pi", "e", "**", "_", "'", "[", "]"])


@given(st.lists(_ALPHABET, max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_any_text_is_either_a_landscape_or_one_clear_line(text):
    t = time.perf_counter()
    try:
        c = compile_formula(text)
    except FormulaError as e:
        assert "\n" not in str(e) and str(e).startswith("formula:")
    else:
        with np.errstate(all="ignore"):
            c.all_program.run(np.array([0.5, -1.0]), np.array([0.25, 2.0]))  # runs on arrays, no warning
    assert time.perf_counter() - t < 1.0


def test_limits_are_what_the_docstring_says():
    assert formula.MAX_EXPONENT == 64
    compile_formula("x^64 + y^-64")
    with pytest.raises(FormulaError):
        compile_formula("x^65")
    compile_formula("x+" * 40 + "y")


@pytest.mark.parametrize(("text", "message"), [
    ("(x^2+y-11)^2 + (x+y^2-7", "a bracket is never closed at character 16"),
    ("x^2 +* 2", "not a formula at character 6"),
    ("x^2^3)", "unmatched bracket at character 6"),
    ("(x^2]", "unmatched bracket at character 5"),
])
def test_a_syntax_error_points_at_the_character_as_typed(text, message):
    """Python reads ^ as **, one character longer: the position said is in the text typed."""
    with pytest.raises(FormulaError, match=re.escape(message)):
        parse(text)
