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
    g.add_argument("--scenario", metavar="NAME", help="start from a scenario (see 'list'); flags override it")
    g.add_argument("--session", metavar="FILE", help="start from a saved session (the window's); flags override it")
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
    i.add_argument("--sigma", type=float, metavar="S", help="scale of a random init (0.01)")
    i.add_argument("--seed", type=int, metavar="K", help="seed of a random init, and of mini-batches (0)")
    r = p.add_argument_group("run")
    r.add_argument("--steps", type=int, metavar="N", help="number of steps")
    r.add_argument("--tol", type=float, metavar="T", help="converged when |grad| < T (1e-6)")
    r.add_argument("--bound", type=float, default=1e6, metavar="B", help="diverged when |theta| > B (1e6)")
    r.add_argument("--batch-size", type=int, metavar="N", help="mini-batch size, for models trained on data")


def _add_figure_options(p: argparse.ArgumentParser, what: str) -> None:
    from gui.outputs import add_figure_options  # (no Qt)

    add_figure_options(p, what)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Basin: see why training deep networks is hard. No arguments: open the window.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("list", help="list landscapes, optimizers and scenarios").set_defaults(func=cmd_list)
    run = sub.add_parser("run", help="run optimizers headless; write CSV, PNG or SVG")
    _add_problem_options(run)
    out = run.add_argument_group("output")
    out.add_argument("--csv", metavar="FILE", help="trajectories as CSV")
    from gui.outputs import add_figure_options  # (no Qt)

    add_figure_options(out, "contour plot and training curves", animations=True)
    out.add_argument("--save-session", metavar="FILE", help="this run as a session the window opens (JSON)")
    run.set_defaults(func=cmd_run)

    basins = sub.add_parser("basins", help="basins of attraction: where each start of a grid ends")
    _add_problem_options(basins)
    basins.add_argument("--grid", type=int, default=128, metavar="N", help="N x N starts over the view (128)")
    basins.add_argument("--csv", metavar="FILE", help="x0,y0,outcome,steps for every start")
    _add_figure_options(basins, "the basin map over the contour plot")
    basins.set_defaults(func=cmd_basins)

    sweep = sub.add_parser("sweep", help="final loss against the learning rate, per optimizer")
    _add_problem_options(sweep)
    sweep.add_argument("--alphas", default="1e-5,10", metavar="LO,HI", help="alpha range, log-spaced (1e-5,10)")
    sweep.add_argument("--points", type=int, default=61, metavar="N", help="number of alphas (61)")
    sweep.add_argument("--csv", metavar="FILE", help="optimizer,alpha,status,stop,train_loss,validation_loss")
    _add_figure_options(sweep, "final loss against alpha")
    sweep.set_defaults(func=cmd_sweep)

    phase = sub.add_parser("phase", help="steps to converge over learning rate and momentum")
    _add_problem_options(phase)
    phase.add_argument("--grid", type=int, default=64, metavar="N", help="N alphas x N momenta (64)")
    phase.add_argument("--alphas", default="1e-5,10", metavar="LO,HI", help="alpha range, log-spaced (1e-5,10)")
    phase.add_argument("--csv", metavar="FILE", help="alpha,mu,outcome,steps for every setting")
    _add_figure_options(phase, "the (alpha, mu) map")
    phase.set_defaults(func=cmd_phase)
    return p


# -- building engine objects from arguments ---------------------------------------------------


class Problem:
    """What to run, from a scenario (if any) with the explicit flags laid over it."""

    def __init__(self, args: argparse.Namespace, *, need_optimizers: bool = True) -> None:
        from engine import LANDSCAPES, OPTIMIZERS
        from engine.inits import Init, parse_init

        scenario = _scenario(args.scenario) if args.scenario else None
        self.session = None
        if getattr(args, "session", None):
            if scenario is not None:
                raise UsageError("give --scenario or --session, not both")
            from gui.session import load_session  # (no Qt)

            self.session = load_session(args.session)
            scenario = self.session.as_scenario(Path(args.session).name)
        name = args.landscape or (scenario.landscape if scenario else None)
        if not name:
            raise UsageError(f"--landscape is required (choose from {', '.join(LANDSCAPES)})")
        if name not in LANDSCAPES:
            raise UsageError(f"unknown landscape {name!r} (choose from {', '.join(LANDSCAPES)})")
        cls = LANDSCAPES[name]
        values: dict[str, object] = dict(scenario.params) if scenario and scenario.landscape == name else {}
        known = {p.name: p for p in cls.params}
        for item in args.param:
            pname, sep, text = item.partition("=")
            pname = pname.strip()
            if not sep or not pname:
                raise UsageError(f"--param {item!r} is not NAME=VALUE")
            if pname not in known:
                valid = ", ".join(p.describe() for p in cls.params) or "none"
                raise UsageError(f"unknown parameter {pname!r} for {cls.name} (valid: {valid})")
            values[pname] = known[pname].parse(text)
        self.landscape = cls(**values)

        # optimizers: the flags' list, else the scenario's; hyperparameter flags override
        if args.optimizer:
            for n in args.optimizer:
                if n not in OPTIMIZERS:
                    raise UsageError(f"unknown optimizer {n!r} (choose from {', '.join(OPTIMIZERS)})")
            dupes = sorted({n for n in args.optimizer if args.optimizer.count(n) > 1})
            if dupes:
                raise UsageError(f"optimizer {dupes[0]!r} given twice")
            entries = [(n, {}) for n in args.optimizer]
        elif scenario:
            entries = [(n, dict(h)) for n, h in scenario.optimizers]
        elif need_optimizers:
            raise UsageError(f"--optimizer is required (choose from {', '.join(OPTIMIZERS)})")
        else:
            entries = []
        given = {h: getattr(args, h) for h in HYPER_FLAGS if getattr(args, h) is not None}
        names = [n for n, _ in entries]
        for h in given:
            if not any(h in OPTIMIZERS[n].defaults for n in names):
                takers = [n for n, spec in OPTIMIZERS.items() if h in spec.defaults]
                raise UsageError(
                    f"--{h} does not apply to {', '.join(names) or 'no optimizer'} (it is used by {', '.join(takers)})"
                )
        self.entries = [
            (n, {**hyp, **{h: v for h, v in given.items() if h in OPTIMIZERS[n].defaults}}) for n, hyp in entries
        ]
        self.optimizers = [OPTIMIZERS[n].make(**hyp) for n, hyp in self.entries]

        # initialisation
        if args.init is not None:
            self.init = parse_init(
                args.init, sigma=args.sigma if args.sigma is not None else 0.01,
                seed=args.seed if args.seed is not None else 0,
            )
            seed_for_init = args.seed is not None and not args.batch_size
            if self.init.kind != "random" and (args.sigma is not None or seed_for_init):
                raise UsageError("--sigma and --seed go with --init random")
        elif scenario and scenario.landscape == name:
            self.init = scenario.init
        else:
            self.init = Init("point", tuple(self.landscape.default_start))
        self.start = self.init.resolve(self.landscape.dim)

        steps = args.steps if args.steps is not None else (scenario.steps if scenario else None)
        if steps is None:
            raise UsageError("--steps is required")
        self.steps = steps
        self.tol = args.tol if args.tol is not None else (scenario.tol if scenario else 1e-6)
        self.bound = args.bound
        same = scenario is not None and scenario.landscape == name
        self.batch_size = args.batch_size if args.batch_size is not None else (
            scenario.batch_size if same else None)
        self.seed = args.seed if args.seed is not None else (scenario.seed if same else 0)
        self.scenario = scenario

    def describe(self) -> str:
        head = f"{'session' if self.session else 'scenario'} {self.scenario.name}: " if self.scenario else ""
        batch = f"; mini-batches of {self.batch_size}" if self.batch_size else ""
        return (
            f"{head}{self.landscape.label()}: {self.landscape.formula}; start {self.init.describe()}; "
            f"{self.steps} steps{batch}"
        )


def _scenario(name: str):
    from engine.scenarios import load_scenarios

    scenarios, errors = load_scenarios()
    if name in scenarios:
        return scenarios[name]
    for e in errors:  # a broken file of that name: say what is wrong with it
        if f"/{name}.toml:" in e:
            raise UsageError(e)
    raise UsageError(f"unknown scenario {name!r} (choose from {', '.join(scenarios)})")


def _range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split(","))
    except ValueError:
        raise UsageError(f"invalid --alphas {text!r} (use LO,HI such as 1e-5,10)") from None
    return lo, hi


def _one_optimizer(problem: Problem, what: str):
    if len(problem.optimizers) != 1:
        raise UsageError(f"{what} takes exactly one --optimizer (got {len(problem.optimizers)})")
    return problem.optimizers[0]


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
    from engine.scenarios import load_scenarios

    scenarios, errors = load_scenarios()
    print("scenarios:")
    for name, sc in scenarios.items():
        print(f"  {name:<18} [{sc.idea}] {sc.title}: {sc.summary}")
    for e in errors:
        print(f"  (not loaded) {e}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    from engine import Optimizer, describe, simulate
    from engine.records import write_csv
    from gui.outputs import check_outputs

    problem = Problem(args)
    csv_path = _writable(args.csv) if args.csv else None
    outputs = check_outputs(args, _writable)
    L, opts = problem.landscape, problem.optimizers
    run = simulate(
        L, Optimizer.stack(opts), np.repeat(problem.start[None], len(opts), axis=0), problem.steps,
        tol=problem.tol, bound=problem.bound, batch_size=problem.batch_size, seed=problem.seed,
    )
    print(problem.describe())
    for i, name in enumerate(run.names):
        print(f"  {name}: {describe(L, run.final, i)}")
    written = []
    try:
        if csv_path:
            write_csv(csv_path, run)
            written.append(csv_path)
        if outputs.figures or outputs.animations or outputs.session:
            from gui.outputs import write_run_outputs

            written += write_run_outputs(problem, run, outputs, args)
    except OSError as e:
        raise OutputError(f"cannot write output: {e.strerror or e}") from None
    for path in written:
        print(f"wrote {path}")
    return 0


def _write_rows(path: Path, header: list[str], rows) -> None:
    import csv

    try:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    print(f"wrote {path}")


def _figure_outputs(args: argparse.Namespace):
    """The --png/--svg/--pdf files, checked before any work (a bad name or size is bad
    input: exit 2; a folder that cannot take the file: exit 1)."""
    from gui.outputs import check_outputs

    return check_outputs(args, _writable)


def _write_figures(outputs, what: str, result, landscape, width: int | None = None) -> None:
    """Render the analysis figure as the window draws it (headless, offscreen) and write it."""
    if not outputs.figures:
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui.figure import save_analysis_figure

    for kind, path in outputs.figures.items():
        try:
            save_analysis_figure(what, result, path, width=outputs.png_width(), fmt=kind, landscape=landscape,
                                 dpi=outputs.dpi)
        except OSError as e:
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
        print(f"wrote {path}")


def cmd_basins(args: argparse.Namespace) -> int:
    from engine.analysis import basin_map

    problem = Problem(args)
    opt = _one_optimizer(problem, "basins")
    csv_path = _writable(args.csv) if args.csv else None
    figures = _figure_outputs(args)
    bm = basin_map(problem.landscape, opt, args.grid, problem.steps, tol=problem.tol, bound=problem.bound)
    n, steps = args.grid, problem.steps
    print(f"{problem.landscape.label()}: basins of {opt.label()}, {n}x{n} starts, {steps} steps")
    minima = problem.landscape.minima
    for key, share in bm.shares().items():
        where = f" {tuple(round(c, 6) for c in minima[int(key)].point)}" if key.isdigit() else ""
        print(f"  {key}{where}: {share:.1%}")
    if csv_path:
        _write_rows(csv_path, ["x0", "y0", "outcome", "steps"], ((repr(x), repr(y), o, k) for x, y, o, k in bm.rows()))
    if figures.figures:
        from gui.analysis_data import basin_result
        from gui.settings import short_label

        L = problem.landscape
        result = basin_result(L, bm, short_label(opt.names[0], opt.hyper[0]), (L.view[0], L.view[1]))
        _write_figures(figures, "basins", result, L)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    import numpy as np

    from engine.analysis import log_grid, lr_sweep
    from engine.simulation import Status

    problem = Problem(args)
    if args.alpha is not None:
        raise UsageError("--alpha does not apply to a sweep (use --alphas LO,HI)")
    lo, hi = _range(args.alphas)
    alphas = log_grid(lo, hi, args.points)
    csv_path = _writable(args.csv) if args.csv else None
    figures = _figure_outputs(args)
    names = [n for n, _ in problem.entries]
    sw = lr_sweep(
        problem.landscape, names, problem.start, problem.steps, alphas=alphas,
        hyper={n: h for n, h in problem.entries}, tol=problem.tol, bound=problem.bound,
    )
    print(f"{problem.describe()}; alpha from {lo:g} to {hi:g}")
    for k, n in enumerate(sw.names):
        ok = ~np.isnan(sw.train[k])
        best = int(np.nanargmin(sw.train[k])) if ok.any() else None
        div = np.nonzero(~ok)[0]
        first_div = f"diverges from alpha {sw.alphas[div[0]]:.3g}" if div.size else "never diverges"
        best_s = "-" if best is None else f"lowest final loss {sw.train[k, best]:.4g} at alpha {sw.alphas[best]:.3g}"
        print(f"  {n}: {best_s}; {first_div}")
    if csv_path:
        rows = []
        for k, n in enumerate(sw.names):
            for j, a in enumerate(sw.alphas):
                v = repr(float(sw.validation[k, j])) if sw.validation is not None else ""
                rows.append([n, repr(float(a)), str(Status(int(sw.status[k, j]))), int(sw.stop[k, j]),
                             repr(float(sw.train[k, j])), v])
        _write_rows(csv_path, ["optimizer", "alpha", "status", "stop", "train_loss", "validation_loss"], rows)
    if figures.figures:
        from gui.analysis_data import sweep_curves, sweep_result
        from gui.settings import color_for

        taken: set[str] = set()
        entries = []
        for n, h in problem.entries:
            color = color_for(n, taken)
            taken.add(color)
            entries.append((n, n, h, color))
        result = sweep_result(problem.landscape, sw, sweep_curves(entries), problem.start)
        _write_figures(figures, "sweep", result, problem.landscape)
    return 0


def cmd_phase(args: argparse.Namespace) -> int:
    import numpy as np

    from engine.analysis import log_grid, outcome_name, phase_map

    problem = Problem(args, need_optimizers=False)
    if args.alpha is not None or args.mu is not None:
        raise UsageError("--alpha and --mu do not apply to the phase map (it sweeps both)")
    names = [n for n, _ in problem.entries] or ["momentum"]
    if len(names) != 1:
        raise UsageError(f"phase takes one --optimizer, momentum or nesterov (got {len(names)})")
    lo, hi = _range(args.alphas)
    csv_path = _writable(args.csv) if args.csv else None
    figures = _figure_outputs(args)
    pm = phase_map(
        problem.landscape, problem.start, problem.steps, optimizer=names[0],
        alphas=log_grid(lo, hi, args.grid), mus=np.linspace(0.0, 0.99, args.grid),
        hyper=problem.entries[0][1] if problem.entries else None, tol=problem.tol, bound=problem.bound,
    )
    print(f"{problem.describe()}; {names[0]} over {args.grid} alphas x {args.grid} momenta")
    best = pm.fastest()
    if best:
        print(f"  fastest: alpha {best[0]:.4g}, mu {best[1]:.3g}: converged in {best[2]} steps")
    else:
        print(f"  no setting converged within {problem.steps} steps")
    edge = pm.divergence_edge(0)
    print(f"  with mu = 0, diverges from alpha {edge:.4g}" if edge else "  with mu = 0, never diverges")
    if csv_path:
        rows = [
            [repr(float(a)), repr(float(m)), outcome_name(int(pm.steps[i, j])) if pm.steps[i, j] < 0 else "converged",
             int(pm.steps[i, j]) if pm.steps[i, j] >= 0 else ""]
            for i, m in enumerate(pm.mus) for j, a in enumerate(pm.alphas)
        ]
        _write_rows(csv_path, ["alpha", "mu", "outcome", "steps"], rows)
    if figures.figures:
        from gui.analysis_data import phase_result

        _write_figures(figures, "phase", phase_result(problem.landscape, pm, problem.start), problem.landscape)
    return 0


def _open_window() -> int:
    # Qt aborts the process (SIGABRT, with advice about xcb-cursor0) when its platform has no
    # display to connect to: on X11 and Wayland say so first, in one line, and exit 1
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and platform in ("", "xcb", "wayland"):
        needs = {"xcb": ("DISPLAY",), "wayland": ("WAYLAND_DISPLAY",)}.get(platform, ("DISPLAY", "WAYLAND_DISPLAY"))
        if not any(os.environ.get(v) for v in needs):
            print(
                f"{PROG}: error: no display to open the window on ({' or '.join(needs)} not set); the command "
                f"line works without one: '{PROG} list', '{PROG} run --help'",
                file=sys.stderr,
            )
            return 1
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
            raise UsageError("choose a command: list, run, basins, sweep or phase (or no arguments for the window)")
        return args.func(args)
    except (UsageError, ValueError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except OutputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
