"""Basin's command line: no arguments opens the window; subcommands work headless.

    python main.py                       open the simulator window
    python main.py list                  landscapes, optimizers and scenarios, one line each
    python main.py run --landscape rosenbrock --optimizer gd --optimizer adam \\
        --alpha 0.001 --init -1.5,2 --steps 500 --csv out.csv --png out.png

Bad input prints one line naming the problem (and the valid choices) and exits 2; an output
file that cannot be written prints one line and exits 1. Never a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

PROG = "basin"
HYPER_FLAGS = ("alpha", "mu", "beta1", "beta2", "rho", "eps", "damping")
# options whose value may start with a minus sign ("--init -1.5,2", "--param tilt=-0.5")
_VALUE_OPTIONS = {"--init", "--param", "--alpha", "--mu", "--beta1", "--beta2", "--rho", "--eps", "--damping"}
_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


class UsageError(Exception):
    """Bad input from the user: one line, exit 2."""


class OutputError(Exception):
    """An output file could not be written: one line, exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        raise UsageError(message)


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """Turn ``--init -1.5,2`` into ``--init=-1.5,2`` so argparse does not read the value
    as an option."""
    out: list[str] = []
    it = iter(range(len(argv)))
    for i in it:
        a = argv[i]
        if a in _VALUE_OPTIONS and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{a}={argv[i + 1]}")
            next(it, None)
        else:
            out.append(a)
    return out


def _add_problem_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("problem")
    g.add_argument("--landscape", metavar="NAME", help="landscape or model (see 'list')")
    g.add_argument(
        "--param", metavar="NAME=VALUE", action="append", default=[], help="a landscape parameter (repeatable)"
    )
    o = p.add_argument_group("optimizers")
    o.add_argument(
        "--optimizer", metavar="NAME", action="append", default=[], help="optimizer to run (repeatable)"
    )
    o.add_argument("--alpha", type=float, metavar="A", help="learning rate, > 0")
    o.add_argument("--mu", type=float, metavar="M", help="momentum, in [0, 1)")
    o.add_argument("--beta1", type=float, metavar="B", help="Adam's first-moment decay, in [0, 1)")
    o.add_argument("--beta2", type=float, metavar="B", help="Adam's second-moment decay, in [0, 1)")
    o.add_argument("--rho", type=float, metavar="R", help="RMSprop's decay, in [0, 1)")
    o.add_argument("--eps", type=float, metavar="E", help="denominator guard, > 0")
    o.add_argument("--damping", type=float, metavar="L", help="Newton's damping, >= 0")
    i = p.add_argument_group("initialisation")
    i.add_argument("--init", metavar="X,Y|zeros|random", help="start point (default: the landscape's own)")
    i.add_argument("--sigma", type=float, default=0.01, metavar="S", help="scale of a random init (0.01)")
    i.add_argument("--seed", type=int, default=0, metavar="K", help="seed of a random init (0)")
    r = p.add_argument_group("run")
    r.add_argument("--steps", type=int, metavar="N", help="number of steps")
    r.add_argument("--tol", type=float, default=1e-6, metavar="T", help="converged when |grad| < T (1e-6)")
    r.add_argument("--bound", type=float, default=1e6, metavar="B", help="diverged when |theta| > B (1e6)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Basin: see why training deep networks is hard. No arguments: open the window.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("list", help="list landscapes, optimizers and scenarios").set_defaults(func=cmd_list)
    run = sub.add_parser("run", help="run optimizers headless; write CSV, PNG or SVG")
    _add_problem_options(run)
    out = run.add_argument_group("output")
    out.add_argument("--csv", metavar="FILE", help="trajectories as CSV")
    out.add_argument("--png", metavar="FILE", help="contour plot and training curves as PNG")
    out.add_argument("--svg", metavar="FILE", help="the same figure as SVG")
    out.add_argument("--width", type=int, default=1600, metavar="PX", help="PNG width in pixels (1600)")
    run.set_defaults(func=cmd_run)
    return p


# -- building engine objects from arguments ---------------------------------------------------


def _landscape(args: argparse.Namespace):
    from engine import LANDSCAPES, make_landscape

    if not args.landscape:
        raise UsageError(f"--landscape is required (choose from {', '.join(LANDSCAPES)})")
    if args.landscape not in LANDSCAPES:
        raise UsageError(f"unknown landscape {args.landscape!r} (choose from {', '.join(LANDSCAPES)})")
    cls = LANDSCAPES[args.landscape]
    known = {p.name: p for p in cls.params}
    values: dict[str, object] = {}
    for item in args.param:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--param {item!r} is not NAME=VALUE")
        if name not in known:
            valid = ", ".join(p.describe() for p in cls.params) or "none"
            raise UsageError(f"unknown parameter {name!r} for {cls.name} (valid: {valid})")
        values[name] = known[name].parse(text)
    return make_landscape(args.landscape, **values)


def _optimizers(args: argparse.Namespace) -> list:
    from engine import OPTIMIZERS

    names = args.optimizer
    if not names:
        raise UsageError(f"--optimizer is required (choose from {', '.join(OPTIMIZERS)})")
    for n in names:
        if n not in OPTIMIZERS:
            raise UsageError(f"unknown optimizer {n!r} (choose from {', '.join(OPTIMIZERS)})")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"optimizer {dupes[0]!r} given twice")
    given = {h: getattr(args, h) for h in HYPER_FLAGS if getattr(args, h) is not None}
    for h in given:
        if not any(h in OPTIMIZERS[n].defaults for n in names):
            takers = [n for n, s in OPTIMIZERS.items() if h in s.defaults]
            raise UsageError(f"--{h} does not apply to {', '.join(names)} (it is used by {', '.join(takers)})")
    return [OPTIMIZERS[n].make(**{h: v for h, v in given.items() if h in OPTIMIZERS[n].defaults}) for n in names]


def _start(args: argparse.Namespace, landscape):
    from engine.inits import Init, parse_init

    if args.init is None:
        init = Init("point", tuple(landscape.default_start))
    else:
        init = parse_init(args.init, sigma=args.sigma, seed=args.seed)
        if init.kind != "random" and (args.sigma != 0.01 or args.seed != 0):
            raise UsageError("--sigma and --seed go with --init random")
    return init.resolve(landscape.dim), init


def _steps(args: argparse.Namespace) -> int:
    if args.steps is None:
        raise UsageError("--steps is required")
    return args.steps


def _writable(path: str) -> Path:
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    if not p.parent.exists():
        raise OutputError(f"cannot write {path}: folder {p.parent} does not exist")
    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise OutputError(f"cannot write {path}: permission denied")
    return p


# -- commands ---------------------------------------------------------------------------------


def _fmt_point(p: Sequence[float]) -> str:
    return "(" + ", ".join(f"{c:.6g}" for c in p) + ")"


def cmd_list(args: argparse.Namespace) -> int:
    from engine import LANDSCAPES, OPTIMIZERS

    print("landscapes:")
    for name, cls in LANDSCAPES.items():
        L = cls()
        params = " ".join(p.describe() for p in cls.params) or "-"
        groups = []
        for kind in ("minimum", "saddle", "maximum"):
            pts = [cp.point for cp in L.critical_points if cp.kind == kind]
            if pts:
                label = {"minimum": "minima", "saddle": "saddles", "maximum": "maxima"}[kind]
                if kind == "minimum":  # numbered: basin maps name minima by these indices
                    groups.append(f"{label} " + " ".join(f"{i}:{_fmt_point(p)}" for i, p in enumerate(pts)))
                elif len(pts) <= 6:
                    groups.append(f"{label} " + " ".join(_fmt_point(p) for p in pts))
                else:
                    groups.append(f"{len(pts)} {label}")
        crit = "; ".join(groups) or "no isolated critical points"
        print(f"  {name:<18} {cls.description}. params: {params}. {crit}")
    print("optimizers:")
    for name, spec in OPTIMIZERS.items():
        hyper = " ".join(f"{k}={v:g}" for k, v in spec.defaults.items())
        print(f"  {name:<18} {spec.description}. defaults: {hyper}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    from engine import Optimizer, describe, simulate
    from engine.records import write_csv

    landscape = _landscape(args)
    opts = _optimizers(args)
    start, init = _start(args, landscape)
    steps = _steps(args)
    outputs = {k: _writable(getattr(args, k)) for k in ("csv", "png", "svg") if getattr(args, k)}
    if args.png and not 16 <= args.width <= 20000:
        raise UsageError(f"invalid --width {args.width} (must be in [16, 20000])")
    opt = Optimizer.stack(opts)
    run = simulate(landscape, opt, np.repeat(start[None], len(opts), axis=0), steps, tol=args.tol, bound=args.bound)
    print(f"{landscape.label()}: {landscape.formula}; start {init.describe()}; {steps} steps")
    for i, name in enumerate(run.names):
        print(f"  {name}: {describe(landscape, run.final, i)}")
    try:
        if "csv" in outputs:
            write_csv(outputs["csv"], run)
        if "png" in outputs or "svg" in outputs:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            from gui.figure import save_figure

            for kind in ("png", "svg"):
                if kind in outputs:
                    save_figure(landscape, run, outputs[kind], width=args.width, fmt=kind)
    except OSError as e:
        raise OutputError(f"cannot write output: {e.strerror or e}") from None
    for path in outputs.values():
        print(f"wrote {path}")
    return 0


def _open_window() -> int:
    try:
        from gui.app import run_app
    except ImportError as e:  # Qt or a system library missing
        print(f"{PROG}: error: cannot start the window: {e}", file=sys.stderr)
        return 1
    return run_app(sys.argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return _open_window()
    parser = build_parser()
    try:
        args = parser.parse_args(_join_negative_values(argv))
        if args.command is None:
            raise UsageError("choose a command: list or run (or no arguments for the window)")
        return args.func(args)
    except (UsageError, ValueError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except OutputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
