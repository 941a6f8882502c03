"""A landscape from a formula a person types: ``(1-x)^2 + 100*(y-x^2)^2``.

The text is data, never code
----------------------------
The text is read by Python's own parser (:func:`ast.parse`, which builds a tree and runs
nothing), and the tree is walked against a whitelist: numbers, the names ``x``, ``y``, ``pi``
and ``e``, the operators ``+ - * / **`` (``^`` is read as ``**``, as Basin writes its own
formulas), unary minus, and calls of the functions in :data:`FUNCTIONS` with one argument.
Everything else (attributes, subscripts, strings, lambdas, comprehensions, keywords, unknown
names, comparisons) is refused with one line that names it. Limits keep a formula quick to
differentiate and evaluate: at most :data:`MAX_CHARS` characters and :data:`MAX_NODES` nodes,
integer exponents of at most :data:`MAX_EXPONENT`, and no power in an exponent (a tower such as
``2^2^2^2^2`` would be evaluated exactly before anything else).

From the whitelisted tree, sympy builds the expression (never sympy's own text parser, which
calls ``eval``) and differentiates it exactly: the gradient and the Hessian. The results are
compiled, after sympy's common-subexpression elimination, into a short list of instructions
(:class:`Program`) that a small interpreter runs on numpy arrays (batches of points: every
optimizer, the basin map) or on Python floats (a few live trajectories, ``grad_point``). Both
runs make the same operations in the same order, and every function is numpy's (on a float
too), so the float path and the numpy path agree to the last bit: integer powers are
repeated products on both, other powers ``numpy.power``.

``abs`` has a kink: its derivative is ``sign`` and its second derivative is taken as 0 (away
from the kink, where the Hessian exists).

Critical points are found numerically in the view box: the local minima of ``|grad|^2`` on a
grid, polished by Newton's method on the exact gradient and Hessian, and classified by the
Hessian's eigenvalues (or, where the Hessian is singular, by the sign of ``f - f(p)`` on a
small circle around the point).
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import sympy

from engine.landscapes import KINDS, CriticalPoint, Landscape, Param, Parts, point_kind, register

Array = np.ndarray

MAX_CHARS = 400
MAX_NODES = 200
MAX_EXPONENT = 64
MAX_NUMBER = 1e12

DEFAULT = "(x^2 - 1)^2 + 2*(y - x/2)^2 + x/4"

_X, _Y = sympy.symbols("x y", real=True)
FUNCTIONS: dict[str, Callable] = {
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "tanh": sympy.tanh,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "atan": sympy.atan,
    "abs": sympy.Abs,
}
NAMES = {"x": _X, "y": _Y, "pi": sympy.pi, "e": sympy.E}

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Starred: "starred arguments",
    ast.NamedExpr: "assignments",
    ast.JoinedStr: "strings",
}


class FormulaError(ValueError):
    """A formula that cannot be used; the message is one line naming the problem."""


def _usage() -> str:
    return f"use x, y, numbers, + - * / ^, pi, e and {', '.join(FUNCTIONS)}"


def parse(text: object) -> sympy.Expr:
    """The sympy expression of a formula in ``x`` and ``y``; raises :class:`FormulaError`."""
    if not isinstance(text, str):
        raise FormulaError(f"formula: {text!r} is not text")
    src = text.strip()
    if not src:
        raise FormulaError("formula: empty (" + _usage() + ")")
    if len(src) > MAX_CHARS:
        raise FormulaError(f"formula: too long ({len(src)} characters, at most {MAX_CHARS})")
    if not src.isascii():
        bad = next(c for c in src if not c.isascii())
        raise FormulaError(f"formula: character {bad!r} is not allowed ({_usage()})")
    try:
        tree = ast.parse(src.replace("^", "**"), mode="eval")
    except SyntaxError as e:
        raise FormulaError(f"formula: {_syntax(src, e)} ({_usage()})") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("formula: nested too deeply") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise FormulaError(f"formula: too long ({nodes} parts, at most {MAX_NODES})")
    try:
        expr = _build(tree.body)
    except RecursionError:
        raise FormulaError("formula: nested too deeply") from None
    if not isinstance(expr, sympy.Expr) or expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise FormulaError("formula: not a finite function of x and y (a division by zero?)")
    return expr


def _syntax(src: str, e: SyntaxError) -> str:
    """What is wrong, and where in the text as typed: Python reads ``^`` as ``**``, one
    character longer, so its offsets past a ``^`` are shifted back. A bracket's problem is
    named; any other is "not a formula"."""
    where = ""
    if e.offset and e.lineno in (None, 1):
        k, shift = e.offset - 1, 0  # 0-based, in the translated text
        for i, ch in enumerate(src):
            if i + shift >= k:
                break
            shift += ch == "^"
        where = f" at character {min(k - shift, len(src) - 1) + 1}"
    msg = (e.msg or "").lower()
    if "never closed" in msg:
        return f"a bracket is never closed{where}"
    if "unmatched" in msg or "does not match" in msg:
        return f"unmatched bracket{where}"
    return f"not a formula{where}"


def _build(node: ast.AST) -> sympy.Expr:
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise FormulaError(f"formula: {v!r} is not a number ({_usage()})")
        if not math.isfinite(v) or abs(v) > MAX_NUMBER:
            raise FormulaError(f"formula: the number {v!r} is too large (at most {MAX_NUMBER:g})")
        return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v)
    if isinstance(node, ast.Name):
        if node.id not in NAMES:
            hint = " (a function needs brackets)" if node.id in FUNCTIONS else ""
            raise FormulaError(f"formula: unknown name {node.id!r}{hint} ({_usage()})")
        return NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _build(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(node.right)):
                raise FormulaError("formula: a power in an exponent (a tower like 2^2^2^2) is not allowed")
            base, exponent = _build(node.left), _build(node.right)
            if exponent.is_Integer and abs(int(exponent)) > MAX_EXPONENT:
                raise FormulaError(f"formula: exponent {exponent} is too large (at most {MAX_EXPONENT})")
            return base**exponent
        op = _BINARY.get(type(node.op))
        if op is None:
            raise FormulaError(f"formula: operator {_op_text(node.op)} is not allowed ({_usage()})")
        return op(_build(node.left), _build(node.right))
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            what = repr(name) if name else "this call"
            raise FormulaError(f"formula: {what} is not a known function ({_usage()})")
        if node.keywords or len(node.args) != 1:
            raise FormulaError(f"formula: {name}() takes exactly one argument")
        return FUNCTIONS[name](_build(node.args[0]))
    what = _REFUSED.get(type(node), type(node).__name__.lower())
    raise FormulaError(f"formula: {what} not allowed ({_usage()})")


def _op_text(op: ast.operator) -> str:
    return {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
            ast.LShift: "<<", ast.RShift: ">>", ast.BitXor: "^"}.get(type(op), type(op).__name__)


# -- compiling the expressions ---------------------------------------------------------------


def _np1(f: Callable) -> Callable:
    """numpy's function on an array, and on a float (a Python float back): numpy's result on a
    single number is the one it gives inside an array, bit for bit; libm's may differ."""

    def call(v):
        if v.__class__ is float:
            return float(f(v))
        return f(v)

    return call


def _power(a, b):
    if a.__class__ is float and b.__class__ is float:
        return float(np.power(a, b))
    return np.power(a, b)


def _zero(a):
    return 0.0 * a


_UNARY: dict[type, Callable] = {
    sympy.exp: _np1(np.exp),
    sympy.log: _np1(np.log),
    sympy.sin: _np1(np.sin),
    sympy.cos: _np1(np.cos),
    sympy.tan: _np1(np.tan),
    sympy.tanh: _np1(np.tanh),
    sympy.sinh: _np1(np.sinh),
    sympy.cosh: _np1(np.cosh),
    sympy.atan: _np1(np.arctan),
    sympy.Abs: _np1(np.abs),
    sympy.sign: _np1(np.sign),
    sympy.DiracDelta: _zero,  # the second derivative of abs, away from its kink
}
_SQRT = _np1(np.sqrt)


@dataclass(frozen=True)
class Program:
    """Instructions ``(function, i, j)`` over a list of registers: registers 0 and 1 hold x
    and y, then the constants, then one register per instruction's result; ``outputs`` name
    the registers of the results."""

    constants: tuple[float, ...]
    code: tuple[tuple[Callable, int, int], ...]
    outputs: tuple[int, ...]

    def run(self, x, y) -> list:
        r = [x, y, *self.constants]
        for f, i, j in self.code:
            r.append(f(r[i]) if j < 0 else f(r[i], r[j]))
        return [r[k] for k in self.outputs]


Ref = tuple[str, int]  # ("v", 0 or 1): x or y; ("c", k): constant k; ("r", k): result k


class _Compiler:
    """Turns sympy expressions into :class:`Program` instructions, each subexpression once."""

    def __init__(self) -> None:
        self.constants: list[float] = []
        self.code: list[tuple[Callable, Ref, Ref | None]] = []
        self.where: dict[sympy.Basic, Ref] = {_X: ("v", 0), _Y: ("v", 1)}

    def const(self, v: float) -> Ref:
        if not math.isfinite(v):
            raise FormulaError("formula: a constant in it is not a finite number")
        if v not in self.constants:
            self.constants.append(v)
        return ("c", self.constants.index(v))

    def emit(self, f: Callable, a: Ref, b: Ref | None = None) -> Ref:
        self.code.append((f, a, b))
        return ("r", len(self.code) - 1)

    def node(self, e: sympy.Basic) -> Ref:
        ref = self.where.get(e)
        if ref is None:
            ref = self.where[e] = self._node(e)
        return ref

    def _node(self, e: sympy.Basic) -> Ref:
        if e.is_Number or e in (sympy.pi, sympy.E):
            return self.const(float(e))
        if e.is_Add or e.is_Mul:
            args = list(e.args)
            if e.is_Mul and args[0] == -1:  # -a*b: a negation, exact
                return self.emit(operator.neg, self.node(sympy.Mul(*args[1:], evaluate=False)))
            op = operator.add if e.is_Add else operator.mul
            acc = self.node(args[0])
            for a in args[1:]:
                acc = self.emit(op, acc, self.node(a))
            return acc
        if e.is_Pow:
            base, ex = e.args
            b = self.node(base)
            if ex.is_Integer and 0 < abs(int(ex)) <= MAX_EXPONENT:
                acc = b  # integer powers as repeated products: the same bits on floats and arrays
                for _ in range(abs(int(ex)) - 1):
                    acc = self.emit(operator.mul, acc, b)
                return acc if ex > 0 else self.emit(operator.truediv, self.const(1.0), acc)
            if ex == sympy.Rational(1, 2):
                return self.emit(_SQRT, b)
            if ex == sympy.Rational(-1, 2):
                return self.emit(operator.truediv, self.const(1.0), self.emit(_SQRT, b))
            return self.emit(_power, b, self.node(ex))
        f = _UNARY.get(e.func)
        if f is not None and len(e.args) == 1:
            return self.emit(f, self.node(e.args[0]))
        raise FormulaError(f"formula: cannot evaluate {e.func.__name__} (its derivative needs it)")

    def program(self, outputs: list[Ref]) -> Program:
        base = {"v": 0, "c": 2, "r": 2 + len(self.constants)}

        def reg(ref: Ref | None) -> int:
            return -1 if ref is None else base[ref[0]] + ref[1]

        code = tuple((f, reg(a), reg(b)) for f, a, b in self.code)
        return Program(tuple(self.constants), code, tuple(reg(o) for o in outputs))


def compile_expressions(exprs: list[sympy.Expr]) -> Program:
    """One program evaluating every expression, sharing their common subexpressions."""
    replacements, reduced = sympy.cse(exprs, optimizations=None)
    c = _Compiler()
    for sym, sub in replacements:
        c.where[sym] = c.node(sub)
    return c.program([c.node(e) for e in reduced])


# -- the landscape ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A parsed formula, its exact derivatives and their programs."""

    text: str
    expr: sympy.Expr
    grad: tuple[sympy.Expr, sympy.Expr]
    hessian: tuple[sympy.Expr, sympy.Expr, sympy.Expr]
    loss_program: Program  # loss
    grad_program: Program  # gx, gy
    all_program: Program  # loss, gx, gy, hxx, hxy, hyy


def compile_formula(text: str) -> Compiled:
    """Parse, differentiate and compile ``text``; raises :class:`FormulaError`."""
    expr = parse(text)
    gx, gy = sympy.diff(expr, _X), sympy.diff(expr, _Y)
    hxx, hxy, hyy = sympy.diff(gx, _X), sympy.diff(gx, _Y), sympy.diff(gy, _Y)
    return Compiled(
        text.strip(), expr, (gx, gy), (hxx, hxy, hyy),
        compile_expressions([expr]), compile_expressions([gx, gy]),
        compile_expressions([expr, gx, gy, hxx, hxy, hyy]),
    )


@register
class Custom(Landscape):
    """The landscape of a formula in ``x`` and ``y`` (see the module docstring): exact gradient
    and Hessian by symbolic differentiation, critical points found in the view box."""

    name = "custom"
    description = "a formula of your own in x and y, differentiated exactly"
    params = (
        Param("formula", DEFAULT, help="the loss, e.g. (1-x)^2 + 100*(y-x^2)^2", text=True),
        Param("xmin", -3.0, -1e6, 1e6, "left edge of the view"),
        Param("xmax", 3.0, -1e6, 1e6, "right edge of the view"),
        Param("ymin", -3.0, -1e6, 1e6, "bottom edge of the view"),
        Param("ymax", 3.0, -1e6, 1e6, "top edge of the view"),
    )
    grid: ClassVar[int] = 96  # the critical-point search's grid per side

    def _setup(self) -> None:
        v = self.values
        if not v["xmin"] < v["xmax"] or not v["ymin"] < v["ymax"]:
            raise ValueError("invalid view: xmin < xmax and ymin < ymax are needed")
        self.compiled = compile_formula(str(v["formula"]))
        self.formula = self.compiled.text

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        v = self.values
        return ((float(v["xmin"]), float(v["xmax"])), (float(v["ymin"]), float(v["ymax"])))

    def label(self) -> str:
        """The name and the view (the formula is the landscape's ``formula``, said beside)."""
        (a, b), (c, d) = self.view
        return f"custom(x in [{a:g}, {b:g}], y in [{c:g}, {d:g}])"

    def _shape(self, w: Array) -> tuple[Array, Array]:
        w = np.asarray(w, dtype=np.float64)
        if w.shape[-1:] != (2,):
            raise ValueError(f"points must have shape (..., 2), got {w.shape}")
        return w[..., 0], w[..., 1]

    @staticmethod
    def _full(v, like: Array) -> Array:
        return np.broadcast_to(np.asarray(v, dtype=np.float64), like.shape).copy() if np.ndim(v) < like.ndim \
            else np.asarray(v, dtype=np.float64)

    def loss(self, w: Array) -> Array:
        x, y = self._shape(w)
        with np.errstate(all="ignore"):
            (f,) = self.compiled.loss_program.run(x, y)
        return self._full(f, x)

    def grad(self, w: Array) -> Array:
        x, y = self._shape(w)
        g = np.empty((*x.shape, 2))
        with np.errstate(all="ignore"):
            g[..., 0], g[..., 1] = self.compiled.grad_program.run(x, y)
        return g

    def loss_grad(self, w: Array) -> tuple[Array, Array]:
        return self.loss(w), self.grad(w)

    def grad_point(self, x: float, y: float) -> tuple[float, float]:
        gx, gy = self.compiled.grad_program.run(x, y)
        return float(gx), float(gy)

    def hessian_parts(self, w: Array) -> Parts:
        x, y = self._shape(w)
        with np.errstate(all="ignore"):
            _, _, _, hxx, hxy, hyy = self.compiled.all_program.run(x, y)
        return self._full(hxx, x), self._full(hxy, x), self._full(hyy, x)

    def _critical_points(self) -> list[CriticalPoint]:
        return find_critical_points(self, self.grid)

    def _polish(self, point: tuple[float, ...]) -> Array:  # already polished by the search
        return np.array(point, dtype=np.float64)


def find_critical_points(L: Landscape, n: int = 96, max_points: int = 128) -> list[CriticalPoint]:
    """Critical points of a 2-D landscape inside its view box: local minima of ``|grad|^2`` on
    an ``n x n`` grid, polished by Newton's method on the exact derivatives, kept where the
    gradient vanishes to rounding, merged when closer than a grid cell, and classified."""
    (x0, x1), (y0, y1) = L.view
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.stack([gx, gy], axis=-1)
    with np.errstate(all="ignore"):
        g2 = np.sum(L.grad(pts) ** 2, axis=-1)
    g2 = np.where(np.isfinite(g2), g2, np.inf)
    pad = np.pad(g2, 1, constant_values=np.inf)
    centre = pad[1:-1, 1:-1]
    local = np.ones_like(centre, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                local &= centre <= pad[1 + dy : pad.shape[0] - 1 + dy, 1 + dx : pad.shape[1] - 1 + dx]
    cand = pts[local & np.isfinite(centre)]
    cell = max((x1 - x0), (y1 - y0)) / (n - 1)
    found: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        for p in cand[np.argsort(centre[local & np.isfinite(centre)])][: 4 * max_points]:
            q = p.copy()
            for _ in range(50):
                h = L.hessian(q[None])[0]
                g = L.grad(q[None])[0]
                if not (np.all(np.isfinite(h)) and np.all(np.isfinite(g))):
                    break
                try:
                    step = np.linalg.lstsq(h, g, rcond=1e-12)[0]
                except np.linalg.LinAlgError:
                    break
                q = q - step
                if np.max(np.abs(step)) <= 1e-15 * max(1.0, float(np.max(np.abs(q)))):
                    break
            g = L.grad(q[None])[0]
            scale = max(1.0, float(np.max(np.abs(L.grad(p[None])[0]))))
            inside = x0 <= q[0] <= x1 and y0 <= q[1] <= y1
            if inside and np.all(np.isfinite(g)) and np.max(np.abs(g)) < 1e-9 * scale:
                if all(np.max(np.abs(q - f)) > 0.5 * cell for f in found):
                    found.append(q)
            if len(found) >= max_points:
                break
    out = []
    for q in found:
        with np.errstate(all="ignore"):
            ev = np.linalg.eigvalsh(L.hessian(q[None])[0])
        kind = str(point_kind(ev[None])[0])
        if kind in KINDS:
            out.append(CriticalPoint((float(q[0]), float(q[1])), kind))
            continue
        # a singular Hessian: the function itself tells, on a small circle around the point
        t = np.linspace(0.0, 2 * np.pi, 64, endpoint=False)
        r = 1e-3 * cell
        ring = q + r * np.column_stack([np.cos(t), np.sin(t)])
        with np.errstate(all="ignore"):
            d = L.loss(ring) - L.loss(q[None])[0]
        if np.all(d > 0):
            kind = "minimum"
        elif np.all(d < 0):
            kind = "maximum"
        elif np.any(d > 0) and np.any(d < 0):
            kind = "saddle"
        else:
            continue  # flat all around (a valley floor, a plateau): not an isolated point
        out.append(CriticalPoint((float(q[0]), float(q[1])), kind, degenerate=True))
    out.sort(key=lambda cp: (KINDS.index(cp.kind), cp.point))
    return out
