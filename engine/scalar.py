"""The optimizer step on plain Python floats, for a few rows of a two-parameter landscape.

Why: on a handful of rows a numpy step costs its calls (about 0.5 us each), whatever the
numbers; the same arithmetic on Python floats costs well under a microsecond per row. A live
trajectory (one racer recomputed while its alpha is dragged) is then many times faster, and
seven racers beat one stacked numpy step. Large batches (basin maps) stay on numpy.

What: each row runs its optimizer's own ``update`` (engine.optimizers: the one definition
every path uses) on Python floats. Every optimizer but Newton is elementwise, so each
coordinate's step needs only its own gradient and state. The gradient comes from the
landscape's :meth:`~engine.landscapes.Landscape.grad_point`, which mirrors its vectorised
``grad`` operation by operation. IEEE arithmetic (+, -, *, /, sqrt, and the libm sin/cos
numpy also uses) is exactly rounded, so a row gives the very numbers the numpy path gives.

How it stays fast: calling ``update`` once per coordinate per step, and making a state each
time, would cost more than the arithmetic itself. So each definition is *traced* once: its
``update`` (and ``query``) run on symbolic numbers (:class:`Sym`) that record every
operation, and the record is written out as one straight-line Python loop over both
coordinates (:func:`float_steps`). It is the same operations on the same operands in the same
order, from the same definition, so the numbers are those of the direct calls, bit for bit
(a test checks it). The generated text is made only from the tape of our own definitions
(operators, names it chose, ``repr`` of float constants), never from anything a user typed.
An update that cannot be traced (it branches on a value, or calls something other than
arithmetic and :func:`engine.optimizers.sqrt`) is called directly instead, per coordinate.

Python raises where numpy returns inf or NaN (a division by zero, an overflowing power):
such a step records NaN, so the simulation still reports the row diverged at that step.
Newton rows (a linear solve each step) and mini-batch gradients stay on numpy.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable

import numpy as np

from engine.optimizers import Definition, Stepper

# Rows up to which the float path is used. A numpy step costs ~8 us for any few rows; a
# float row costs 0.25 us (gd) to about 1 us (adam): below ~10 rows the float path wins.
MAX_ROWS = 8

GradPoint = Callable[[float, float], "tuple[float, float]"]
Steps = Callable[..., tuple]


# -- tracing ---------------------------------------------------------------------------------


class Untraceable(Exception):
    """The update did something a straight line of arithmetic cannot record."""


class Tape:
    """The lines of Python recorded while tracing, each assigning a fresh name."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.lines: list[str] = []

    def emit(self, expr: str) -> Sym:
        name = f"{self.prefix}{len(self.lines)}"
        self.lines.append(f"{name} = {expr}")
        return Sym(name, self)


def _ref(v: object) -> str:
    if isinstance(v, Sym):
        return v.ref
    if v.__class__ in (float, int):
        return repr(float(v))  # repr reads back to the same float
    raise Untraceable(f"operand {v!r} is not a number")


class Sym:
    """A number of the traced update: each operation records a line on the tape."""

    __slots__ = ("ref", "tape")

    def __init__(self, ref: str, tape: Tape) -> None:
        self.ref, self.tape = ref, tape

    def _op(self, a: object, op: str, b: object) -> Sym:
        return self.tape.emit(f"{_ref(a)} {op} {_ref(b)}")

    def __add__(self, o: object) -> Sym:
        return self._op(self, "+", o)

    def __radd__(self, o: object) -> Sym:
        return self._op(o, "+", self)

    def __sub__(self, o: object) -> Sym:
        return self._op(self, "-", o)

    def __rsub__(self, o: object) -> Sym:
        return self._op(o, "-", self)

    def __mul__(self, o: object) -> Sym:
        return self._op(self, "*", o)

    def __rmul__(self, o: object) -> Sym:
        return self._op(o, "*", self)

    def __truediv__(self, o: object) -> Sym:
        return self._op(self, "/", o)

    def __rtruediv__(self, o: object) -> Sym:
        return self._op(o, "/", self)

    def __neg__(self) -> Sym:
        return self.tape.emit(f"-{self.ref}")

    def sqrt(self) -> Sym:  # what numpy's sqrt calls on an object (engine.optimizers.sqrt)
        return self.tape.emit(f"sqrt({self.ref})")

    def __bool__(self) -> bool:
        raise Untraceable("the update branches on a value")

    def __float__(self) -> float:
        raise Untraceable("the update converts a value")

    __lt__ = __le__ = __gt__ = __ge__ = __pow__ = __rpow__ = __abs__ = lambda *a: _refuse()


def _refuse():
    raise Untraceable("the update uses an operation the float path does not trace")


def _symbols(tape: Tape, names: list[str]) -> list[Sym]:
    return [Sym(n, tape) for n in names]


def _trace_coordinate(d: Definition, c: str, h_names: list[str]) -> tuple[list[str], str, str, list[str]]:
    """Trace one coordinate ``c`` ('x' or 'y'): the lines of its query and update, the name
    of its query point, of its update, and of each new state field."""
    state_type = type(d.init(0.0))
    fields = list(state_type.fields)
    tape = Tape(f"_{c}")
    h = d.params(*_symbols(tape, h_names))
    s = state_type(tuple(_symbols(tape, [f"s{c}_{f}" for f in fields])))
    w = Sym(c, tape)
    q = _ref(d.query(s, w, h)) if d.query is not None else c
    n_query = len(tape.lines)
    g = Sym(f"g{c}", tape)
    u, new = d.update(g, s, w, h)
    if type(new) is not state_type:
        raise Untraceable("the update returned another kind of state")
    lines = tape.lines
    return [*lines[:n_query], "#update", *lines[n_query:]], q, _ref(u), [_ref(v) for v in new]


@functools.cache
def float_steps(d: Definition, scheduled: bool = False) -> Steps | None:
    """A function ``steps(k, gp, x, y, sx, sy, h, ax, ay, alphas, t) -> (x, y, sx, sy)`` that
    makes ``k`` steps of ``d`` on both coordinates from step ``t``, appending each point
    before its step (``scheduled``: step ``t`` uses ``alphas[t]``); None if ``d`` cannot be
    traced (its update is then called per coordinate)."""
    src = float_source(d, scheduled)
    if src is None:
        return None
    namespace: dict[str, object] = {"sqrt": math.sqrt}
    exec(compile(src, f"<float steps of {d.name}>", "exec"), namespace)  # our own tape, never user text
    return namespace["steps"]  # type: ignore[return-value]


@functools.cache
def float_source(d: Definition, scheduled: bool = False) -> str | None:
    """The Python text of :func:`float_steps` for ``d`` (for reading), or None."""
    if d.curvature:
        return None
    h_names = [f"h_{f}" for f in d.params._fields]
    try:
        parts = {c: _trace_coordinate(d, c, h_names) for c in ("x", "y")}
    except (Untraceable, ArithmeticError, TypeError, ValueError):
        return None
    fields = list(type(d.init(0.0)).fields)
    sx = [f"sx_{f}" for f in fields]
    sy = [f"sy_{f}" for f in fields]

    # Two exact simplifications of the recorded lines (the same operations on the same
    # values, only fewer of them): a line that depends on hyperparameters and constants alone
    # moves before the loop, once for both coordinates; a line that repeats an earlier one of
    # its coordinate's step (Nesterov's mu*p, in its query and its update) reuses its result.
    rename: dict[str, str] = {}
    invariant = {*h_names, "sqrt"} - ({"h_alpha"} if scheduled else set())
    before: list[str] = []
    hoisted: dict[str, str] = {}
    body: dict[str, list[str]] = {"x": [], "y": []}
    split: dict[str, int] = {}

    def sub(text: str) -> str:
        return _NAME.sub(lambda m: rename.get(m.group(0), m.group(0)), text)

    for c in ("x", "y"):
        seen: dict[str, str] = {}
        for ln in parts[c][0]:
            if ln == "#update":
                split[c] = len(body[c])
                continue
            name, expr = ln.split(" = ", 1)
            expr = sub(expr)
            if set(_NAME.findall(expr)) <= invariant:
                if expr in hoisted:
                    rename[name] = hoisted[expr]
                else:
                    hoisted[expr] = name
                    before.append(f"{name} = {expr}")
                    invariant.add(name)
            elif expr in seen:
                rename[name] = seen[expr]
            else:
                seen[expr] = name
                body[c].append(f"{name} = {expr}")

    def tup(names: list[str]) -> str:
        return "(" + "".join(f"{n}, " for n in names) + ")"

    out = ["def steps(k, gp, x, y, sx, sy, h, ax, ay, alphas, t):"]
    out.append(f"    {tup(h_names)} = h")
    out.append(f"    {tup(sx)} = sx")
    out.append(f"    {tup(sy)} = sy")
    out += [f"    {ln}" for ln in before]
    out.append("    for t in range(t, t + k):")
    if scheduled:
        out.append("        h_alpha = alphas[t]")
    out.append("        ax(x)")
    out.append("        ay(y)")
    for c in ("x", "y"):
        out += [f"        {ln}" for ln in body[c][: split[c]]]
    out.append(f"        gx, gy = gp({sub(parts['x'][1])}, {sub(parts['y'][1])})")
    for c, names in (("x", sx), ("y", sy)):
        out += [f"        {ln}" for ln in body[c][split[c] :]]
        if names:
            out.append(f"        {tup(names)} = {tup([sub(v) for v in parts[c][3]])}")
        out.append(f"        {c} += {sub(parts[c][2])}")
    out.append(f"    return x, y, {tup(sx)}, {tup(sy)}")
    return "\n".join(out) + "\n"


_NAME = re.compile(r"[A-Za-z_]\w*")


# -- rows ------------------------------------------------------------------------------------


class Row:
    """One row's point and optimizer state (one per coordinate), advanced a block of steps at
    a time.

    :meth:`advance` returns the ``n`` points from the current one and leaves the row at the
    point after them (the numpy loop's order: store, then step).
    """

    __slots__ = ("alphas", "d", "gp", "h", "steps", "sx", "sy", "t", "x", "y")

    def __init__(
        self, grad_point: GradPoint, definition: Definition, h: tuple, x: float, y: float,
        alphas: list[float] | None = None,
    ) -> None:
        self.gp = grad_point
        self.d = definition
        self.h = h
        self.alphas = alphas  # each step's alpha, where it has a schedule
        self.x, self.y = float(x), float(y)
        self.sx = definition.init(self.x)
        self.sy = definition.init(self.y)
        self.t = 0  # steps taken
        self.steps = float_steps(definition, alphas is not None)

    def advance(self, n: int, step_after: bool) -> tuple[list[float], list[float]]:
        """The points ``theta_t .. theta_(t+n-1)``; then ``n-1`` steps, or ``n`` if
        ``step_after`` (the next block starts at the point after the last)."""
        xs: list[float] = []
        ys: list[float] = []
        k = n if step_after else n - 1
        try:
            if self.steps is not None:
                self.x, self.y, sx, sy = self.steps(k, self.gp, self.x, self.y, self.sx, self.sy, self.h,
                                                    xs.append, ys.append, self.alphas, self.t)
                state = type(self.sx)
                self.sx, self.sy = state(sx), state(sy)
                self.t += k
            else:
                self._call(k, xs, ys)
        except (ArithmeticError, ValueError):
            # numpy would have produced inf or NaN here: the rest of the row is NaN
            self.x = self.y = float("nan")
        while len(xs) < n:  # the last point of a block, or NaN after a raised step
            xs.append(self.x)
            ys.append(self.y)
        return xs, ys

    def _call(self, k: int, xs: list[float], ys: list[float]) -> None:
        """The same steps by calling the definition per coordinate (an untraceable update)."""
        gp, update, query, h, alphas = self.gp, self.d.update, self.d.query, self.h, self.alphas
        x, y, sx, sy, t = self.x, self.y, self.sx, self.sy, self.t
        try:
            for _ in range(k):
                if alphas is not None:
                    h = h._replace(alpha=alphas[t])
                xs.append(x)
                ys.append(y)
                if query is None:
                    gx, gy = gp(x, y)
                else:
                    gx, gy = gp(query(sx, x, h), query(sy, y, h))
                ux, sx = update(gx, sx, x, h)
                uy, sy = update(gy, sy, y, h)
                x += ux
                y += uy
                t += 1
        finally:
            self.x, self.y, self.sx, self.sy, self.t = x, y, sx, sy, t


def eligible(landscape, stepper: Stepper, rows: int, minibatch: object) -> bool:
    """Whether :func:`rows_for` applies: few rows, a 2-D landscape with a float gradient,
    full-batch gradients (``minibatch`` is None or false) and elementwise optimizers only."""
    return (
        rows <= MAX_ROWS
        and not minibatch
        and landscape.dim == 2
        and getattr(landscape, "grad_point", None) is not None
        and stepper.elementwise
    )


def rows_for(landscape, stepper: Stepper, w0: np.ndarray) -> list[Row]:
    """One :class:`Row` per start, each with its own optimizer and hyperparameters."""
    return [
        Row(landscape.grad_point, d, h, w0[i, 0], w0[i, 1], alphas)
        for i, (d, h, alphas) in enumerate(stepper.float_rows())
    ]
