"""Basin's command line: no arguments opens the window; subcommands work headless.

    python main.py                       open the simulator window
    python main.py list                  landscapes, optimizers and scenarios, one line each
    python main.py run --landscape rosenbrock --optimizer gd --optimizer adam \\
        --alpha 0.001 --init -1.5,2 --steps 500 --csv out.csv --png out.png

Exit status: 0 done; 1 an output file could not be written; 2 bad input; 130 interrupted
(Ctrl-C); 70 a bug in Basin. Any failure is one line on stderr, never a traceback.

How a command runs (see :class:`Outputs`): parse and check every input, then every output
path, before any work; compute (a progress bar on stderr when it is a terminal; Ctrl-C stops
the engine at its next block); write each file to a temporary name in its folder and rename it
into place, so a file that exists is complete; only then print the report, so a reader that
closes stdout early (``| head -1``) loses nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

PROG = "basin"
EXIT_OUTPUT, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BUG = 1, 2, 130, 70
REPEATS = (
    "Each option is given once; --optimizer and --param repeat, once per optimizer or parameter "
    "(naming the same one twice is an error)."
)
EXIT_CODES = (
    "Exit status: 0 done, 1 an output file could not be written, 2 bad input, 130 interrupted (Ctrl-C), "
    "70 a bug in Basin."
)

# A value that argparse would take for an option because it starts with a minus sign:
# "--init -1.5,2", "--alphas -1,1", "--tol -1e-3". Such values are joined to their option.
_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
_VALUE_OPTIONS: set[str] = set()  # options that take a value, filled by _add
FIGURES, ANIMATIONS = ("png", "svg", "pdf"), ("gif", "mp4")  # (gui.outputs' formats)


class UsageError(Exception):
    """Bad input from the user: one line, exit 2."""


class OutputError(Exception):
    """An output file could not be written: one line, exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        m = re.fullmatch(r"argument (--[\w-]+)(?:/\S+)?: (.*)", message, re.DOTALL)
        if m and m.group(2).startswith(("invalid --", m.group(1))):
            message = m.group(2)  # the message names its option already
        raise UsageError(message)


class _Once(argparse.Action):
    """Store an option's value, refusing a second one (``--steps 5 --steps 50`` is a typo
    more often than a wish)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        given = namespace.__dict__.setdefault("_given", set())
        if self.dest in given:
            raise argparse.ArgumentError(
                self, f"{option_string} given twice (each option is given once; only --optimizer and --param repeat)"
            )
        given.add(self.dest)
        setattr(namespace, self.dest, values)


class _OnceFlag(argparse.BooleanOptionalAction):
    """``--flag`` / ``--no-flag``, given once (None when neither: a scenario's value stands)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        given = namespace.__dict__.setdefault("_given", set())
        if self.dest in given:
            raise argparse.ArgumentError(self, f"{option_string} given twice (each option is given once)")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


def _number(flag: str, whole: bool = False) -> Callable[[str], float | int]:
    """The argparse type of a numeric option: ASCII digits only (see engine.validate)."""
    from engine.validate import parse_float, parse_int

    def convert(text: str) -> float | int:
        try:
            return parse_int(flag, text) if whole else parse_float(flag, text)
        except ValueError:
            kind = "whole number" if whole else "number"
            raise argparse.ArgumentTypeError(f"invalid {flag} {text!r}: not a {kind}") from None

    return convert


def _add(container, flag: str, *, kind: str = "text", repeat: bool = False, **kwargs) -> argparse.Action:
    """``add_argument`` with Basin's rules: numbers typed ``float`` or ``int`` are parsed
    strictly; an option is given once unless ``repeat``; and the option is remembered as
    taking a value (see :func:`_join_negative_values`)."""
    if kind == "float":
        kwargs["type"] = _number(flag)
    elif kind == "int":
        kwargs["type"] = _number(flag, whole=True)
    kwargs["action"] = "append" if repeat else _Once
    if repeat:
        kwargs.setdefault("default", [])
    _VALUE_OPTIONS.add(flag)
    return container.add_argument(flag, **kwargs)


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """Turn ``--init -1.5,2`` into ``--init=-1.5,2`` so argparse does not read the value
    as an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in _VALUE_OPTIONS and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
        else:
            out.append(a)
            i += 1
    return out


def _add_scenario_options(g) -> None:
    _add(g, "--scenario", metavar="NAME", help="start from a scenario (see 'list'); flags override it")
    _add(g, "--scenario-dir", repeat=True, metavar="DIR",
         help="also read scenarios from DIR (repeatable; besides Basin's own and ~/.config/basin/scenarios)")


def _add_optimizer_options(p, schedule: bool = False) -> None:
    from engine.optimizers import HYPER
    from engine.schedules import SPEC_HELP

    o = p.add_argument_group("optimizers")
    _add(o, "--optimizer", repeat=True, metavar="NAME", help="optimizer to run (repeatable)")
    for h in HYPER.values():  # every optimizer's hyperparameters, from the registry
        _add(o, f"--{h.name}", kind="float", metavar=h.name[0].upper(), help=h.help)
    if schedule:
        _add(o, "--schedule", metavar="SPEC", help=f"learning-rate schedule of every racer's alpha: {SPEC_HELP}")


def _add_problem_options(p: argparse.ArgumentParser, schedule: bool = False) -> None:
    g = p.add_argument_group("problem")
    _add_scenario_options(g)
    _add(g, "--session", metavar="FILE", help="start from a saved session (the window's); flags override it")
    _add(g, "--landscape", metavar="NAME", help="landscape or model (see 'list')")
    _add(g, "--param", repeat=True, metavar="NAME=VALUE", help="a landscape parameter (repeatable)")
    _add(g, "--formula", metavar="TEXT",
         help="a loss of your own in x and y, e.g. '(1-x)^2 + 100*(y-x^2)^2' (the landscape 'custom')")
    _add_optimizer_options(p, schedule)
    i = p.add_argument_group("initialisation")
    _add(i, "--init", metavar="X,Y|zeros|random", help="start point (default: the landscape's own)")
    _add(i, "--sigma", kind="float", metavar="S", help="scale of a random init (0.01)")
    _add(i, "--seed", kind="int", metavar="K", help="seed of a random init, and of mini-batches (0)")
    r = p.add_argument_group("run")
    _add(r, "--steps", kind="int", metavar="N", help="number of steps")
    _add(r, "--tol", kind="float", metavar="T", help="converged when |grad| < T (1e-6)")
    _add(r, "--bound", kind="float", default=1e6, metavar="B", help="diverged when |theta| > B (1e6)")
    _add(r, "--batch-size", kind="int", metavar="N", help="mini-batch size, for models trained on data")


class _Rules:
    """An argparse container whose ``add_argument`` is :func:`_add`: options that a shared
    helper adds (gui.outputs' figure and animation options) follow the same rules."""

    def __init__(self, container) -> None:
        self.container = container

    def add_argument(self, flag: str, **kwargs) -> argparse.Action:
        kind = {int: "int", float: "float"}.get(kwargs.pop("type", None), "text")
        return _add(self.container, flag, kind=kind, **kwargs)


def _add_figure_options(p, what: str, animations: bool = False, turn: bool = True) -> None:
    from gui.outputs import add_figure_options  # (no Qt)

    add_figure_options(_Rules(p), what, animations=animations, turn=turn)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG, description="Basin: see why training deep networks is hard. No arguments: open the window.",
        epilog=EXIT_CODES,
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    listing = sub.add_parser("list", help="list landscapes, optimizers and scenarios")
    _add_scenario_options(listing)
    listing.set_defaults(func=cmd_list)

    def command(name: str, help: str):
        description = f"{help[0].upper()}{help[1:]}."
        return sub.add_parser(name, help=help, description=description, epilog=f"{REPEATS} {EXIT_CODES}")

    run = command("run", "run optimizers headless; write CSV, PNG or SVG")
    _add_problem_options(run, schedule=True)
    out = run.add_argument_group("output")
    _add(out, "--csv", metavar="FILE", help="trajectories as CSV")
    _add_figure_options(out, "contour plot and training curves", animations=True)
    _add(out, "--save-session", metavar="FILE", help="this run as a session the window opens (JSON)")
    run.set_defaults(func=cmd_run, outputs=("csv", *FIGURES, *ANIMATIONS, "save_session"))

    basins = command("basins", "basins of attraction: where each start of a grid ends")
    _add_problem_options(basins)
    _add(basins, "--grid", kind="int", default=128, metavar="N", help="N x N starts over the view (128)")
    _add(basins, "--csv", metavar="FILE", help="x0,y0,outcome,steps for every start")
    _add_figure_options(basins, "the basin map over the contour plot")
    basins.set_defaults(func=cmd_basins, outputs=("csv", *FIGURES))

    sweep = command("sweep", "final loss against the learning rate, per optimizer")
    _add_problem_options(sweep)
    _add(sweep, "--alphas", default="1e-5,10", metavar="LO,HI", help="alpha range, log-spaced (1e-5,10)")
    _add(sweep, "--points", kind="int", default=61, metavar="N", help="number of alphas (61)")
    _add(sweep, "--csv", metavar="FILE", help="optimizer,alpha,status,stop,train_loss,validation_loss")
    _add_figure_options(sweep, "final loss against alpha")
    sweep.set_defaults(func=cmd_sweep, outputs=("csv", *FIGURES))

    phase = command("phase", "steps to reach a minimum over learning rate and momentum")
    _add_problem_options(phase)
    _add(phase, "--grid", kind="int", default=64, metavar="N", help="N alphas x N momenta (64)")
    _add(phase, "--alphas", default="1e-5,10", metavar="LO,HI", help="alpha range, log-spaced (1e-5,10)")
    _add(phase, "--csv", metavar="FILE", help="alpha,mu,outcome,steps for every setting")
    _add_figure_options(phase, "the (alpha, mu) map")
    phase.set_defaults(func=cmd_phase, outputs=("csv", *FIGURES))

    train = command("train", "train deep networks headless: optimizers race on a network's weights")
    _add_network_options(train)
    out = train.add_argument_group("output")
    _add(out, "--csv", metavar="FILE", help="optimizer,step,train_loss,val_loss,grad_norm,train_acc,val_acc")
    _add(out, "--npz", metavar="FILE", help="the data, the start and each racer's final weights (numpy .npz)")
    _add_figure_options(out, "data, decision boundaries and training curves", animations=True, turn=False)
    _add(out, "--save-session", metavar="FILE", help="this training as a session the window opens (JSON)")
    _add(out, "--report", repeat=True, metavar="NAME",
         help="also report NAME after the race (repeatable; replaces the scenario's reports): "
              "symmetry, alignment, sharpness, identical-units, layer-gradients, cost")
    train.set_defaults(func=cmd_train, outputs=("csv", "npz", *FIGURES, *ANIMATIONS, "save_session"))
    return p


def _add_network_options(p: argparse.ArgumentParser) -> None:
    from engine.network.activations import ACTIVATIONS
    from engine.network.data import GENERATORS
    from engine.network.inits import KINDS
    from engine.network.losses import LOSSES
    from engine.network.setup import UNITS

    g = p.add_argument_group("problem")
    _add_scenario_options(g)
    _add(g, "--session", metavar="FILE", help="start from a saved network session (the window's); flags override it")
    n = p.add_argument_group("data and network")
    _add(n, "--data", metavar="NAME", help=f"data set: {', '.join(GENERATORS)} (spirals)")
    _add(n, "--points", kind="int", metavar="N", help="examples, training and validation (400)")
    _add(n, "--noise", kind="float", metavar="S", help="noise of the data (0.1)")
    _add(n, "--data-seed", kind="int", metavar="K", help="seed of the data and its split (0)")
    n.add_argument("--mixed-units", action=_OnceFlag, default=None,
                   help="the second input in other units (x1000 + 500): the ravine")
    _add(n, "--units", metavar="|".join(UNITS), help="inputs as drawn, or standardised by the training split (raw)")
    _add(n, "--hidden", metavar="W,W", help="hidden layer widths, e.g. 16,16 (16,16)")
    _add(n, "--activation", metavar="NAME", help=f"hidden units: {', '.join(ACTIVATIONS)} (tanh)")
    _add(n, "--loss", metavar="NAME", help=f"loss: {', '.join(LOSSES)} (xent)")
    n.add_argument("--batchnorm", action=_OnceFlag, default=None, help="batch normalisation after each hidden layer")
    i = p.add_argument_group("initialisation")
    _add(i, "--init", metavar="|".join(KINDS), help="the start (glorot)")
    _add(i, "--sigma", kind="float", metavar="S", help="spread of a small init (0.1)")
    _add(i, "--seed", kind="int", metavar="K", help="seed of the init, and of mini-batches (0)")
    _add_optimizer_options(p, schedule=True)
    r = p.add_argument_group("run")
    _add(r, "--steps", kind="int", metavar="N", help="number of steps")
    _add(r, "--tol", kind="float", metavar="T", help="converged when |grad| < T (1e-6)")
    _add(r, "--bound", kind="float", default=1e6, metavar="B", help="diverged when |w| > B (1e6)")
    _add(r, "--batch-size", kind="int", metavar="N", help="mini-batch size (full batch when not given)")


# -- building engine objects from arguments ---------------------------------------------------


class Problem:
    """What to run, from a scenario (if any) with the explicit flags laid over it."""

    def __init__(self, args: argparse.Namespace, *, need_optimizers: bool = True) -> None:
        from engine import LANDSCAPES
        from engine.inits import Init, parse_init
        from engine.validate import check_int

        scenario = _scenario(args.scenario, args.scenario_dir) if args.scenario else None
        if scenario is not None and scenario.is_network:
            raise UsageError(f"scenario {scenario.name!r} trains a network: use 'train --scenario {scenario.name}'")
        self.session = None
        if args.session:
            if scenario is not None:
                raise UsageError("give --scenario or --session, not both")
            from gui.session import load_session  # (no Qt)

            self.session = load_session(args.session)
            if self.session.model == "network":
                raise UsageError(f"{args.session} is a network session: use 'train --session {args.session}'")
            scenario = self.session.as_scenario(Path(args.session).name)
        formula = getattr(args, "formula", None)
        if formula is not None:
            if args.landscape not in (None, "custom"):
                raise UsageError(f"--formula is the landscape 'custom', not {args.landscape!r}")
            if any(item.partition("=")[0].strip() == "formula" for item in args.param):
                raise UsageError("give the formula once: --formula or --param formula=")
        name = args.landscape or ("custom" if formula is not None else None)
        name = name or (scenario.landscape if scenario else None)
        if not name:
            raise UsageError(f"--landscape is required (choose from {', '.join(LANDSCAPES)})")
        if name not in LANDSCAPES:
            raise UsageError(f"unknown landscape {name!r} (choose from {', '.join(LANDSCAPES)})")
        cls = LANDSCAPES[name]
        same = scenario is not None and scenario.landscape == name  # the scenario's problem
        values: dict[str, object] = dict(scenario.params) if same else {}
        known = {p.name: p for p in cls.params}
        seen: set[str] = set()
        for item in args.param:
            pname, sep, text = item.partition("=")
            pname = pname.strip()
            if not sep or not pname:
                raise UsageError(f"--param {item!r} is not NAME=VALUE")
            if pname not in known:
                valid = ", ".join(p.describe() for p in cls.params) or "none"
                raise UsageError(f"unknown parameter {pname!r} for {cls.name} (valid: {valid})")
            if pname in seen:
                raise UsageError(f"--param {pname} given twice")
            seen.add(pname)
            values[pname] = known[pname].parse(text)
        if formula is not None:
            values["formula"] = formula
        self.landscape = cls(**values)

        self.entries, self.optimizers = _racers(args, scenario, need_optimizers)

        # mini-batches: only for models trained on data, at most the training set
        self.batch_size = args.batch_size if args.batch_size is not None else (scenario.batch_size if same else None)
        if self.batch_size is not None:
            n_train = getattr(self.landscape, "n_train", None)
            if n_train is None:
                raise UsageError(f"--batch-size: {name} is not trained on data: it has no mini-batches")
            check_int("batch size", self.batch_size, 1, n_train)

        # initialisation
        if args.init is not None:
            self.init = parse_init(
                args.init, sigma=args.sigma if args.sigma is not None else 0.01,
                seed=args.seed if args.seed is not None else 0,
            )
            seed_for_init = args.seed is not None and not self.batch_size
            if self.init.kind != "random" and (args.sigma is not None or seed_for_init):
                raise UsageError("--sigma and --seed go with --init random")
        elif same:
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
        self.seed = args.seed if args.seed is not None else (scenario.seed if same else 0)
        self.scenario = scenario

    def describe(self) -> str:
        head = f"{'session' if self.session else 'scenario'} {self.scenario.name}: " if self.scenario else ""
        batch = f"; mini-batches of {self.batch_size}" if self.batch_size else ""
        return (
            f"{head}{self.landscape.label()}: {self.landscape.formula}; start {self.init.describe()}; "
            f"{self.steps} steps{batch}"
        )

    def engine_options(self) -> dict[str, object]:
        """The keyword arguments every engine run of this problem takes."""
        return {"tol": self.tol, "bound": self.bound, "batch_size": self.batch_size, "seed": self.seed}


def _racers(args: argparse.Namespace, scenario, need: bool = True) -> tuple[list, list]:
    """The racers: the flags' optimizers, else the scenario's; hyperparameter flags and
    ``--schedule`` override. Returns ``(entries, optimizers)``, entries ``(name, hyper)``."""
    from engine import OPTIMIZERS
    from engine.optimizers import HYPER
    from engine.schedules import parse_schedule

    if args.optimizer:
        for n in args.optimizer:
            if n not in OPTIMIZERS:
                raise UsageError(f"unknown optimizer {n!r} (choose from {', '.join(OPTIMIZERS)})")
        dupes = sorted({n for n in args.optimizer if args.optimizer.count(n) > 1})
        if dupes:
            raise UsageError(f"optimizer {dupes[0]!r} given twice")
        entries = [(n, {}) for n in args.optimizer]
        schedules = [None] * len(entries)
    elif scenario:
        entries = [(n, dict(h)) for n, h in scenario.optimizers]
        schedules = list(scenario.schedules) or [None] * len(entries)
    elif need:
        raise UsageError(f"--optimizer is required (choose from {', '.join(OPTIMIZERS)})")
    else:
        entries, schedules = [], []
    given = {h: getattr(args, h) for h in HYPER if getattr(args, h) is not None}
    names = [n for n, _ in entries]
    for h in given:
        if not any(h in OPTIMIZERS[n].defaults for n in names):
            takers = [n for n, spec in OPTIMIZERS.items() if h in spec.defaults]
            raise UsageError(
                f"--{h} does not apply to {', '.join(names) or 'no optimizer'} (it is used by {', '.join(takers)})"
            )
    if getattr(args, "schedule", None) is not None:
        schedules = [parse_schedule(args.schedule)] * len(entries)
    entries = [(n, {**hyp, **{h: v for h, v in given.items() if h in OPTIMIZERS[n].defaults}}) for n, hyp in entries]
    optimizers = [
        OPTIMIZERS[n].make(**hyp) if sched is None else OPTIMIZERS[n].make(**hyp).scheduled(sched)
        for (n, hyp), sched in zip(entries, schedules, strict=True)
    ]
    return entries, optimizers


def _scenario(name: str, folders: Sequence[str] = ()):
    from engine.scenarios import load_scenarios, scenario_folders

    scenarios, errors = load_scenarios(*scenario_folders(folders))
    if name in scenarios:
        return scenarios[name]
    for e in errors:  # a broken file of that name: say what is wrong with it
        if f"/{name}.toml:" in e:
            raise UsageError(e)
    raise UsageError(f"unknown scenario {name!r} (choose from {', '.join(scenarios)})")


def _range(text: str) -> tuple[float, float]:
    from engine.validate import parse_float

    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lo, hi = (parse_float("--alphas", x) for x in parts)
    except ValueError:
        raise UsageError(f"invalid --alphas {text!r} (use LO,HI such as 1e-5,10)") from None
    return lo, hi


def _one_optimizer(problem: Problem, what: str):
    if len(problem.optimizers) != 1:
        raise UsageError(f"{what} takes exactly one --optimizer (got {len(problem.optimizers)})")
    return problem.optimizers[0]


# -- output files -----------------------------------------------------------------------------


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no such query here: the common limit
        return 255


def check_output(flag: str, text: str) -> Path:
    """The path given to ``flag``, if the system will take a file there; checked before any
    work. An empty or malformed name is bad input (exit 2); a path the system refuses (no
    folder, no permission, a name too long) is an output error (exit 1)."""
    if not text.strip():
        raise UsageError(f"{flag} needs a file name")
    try:
        os.fsencode(text)
        if "\0" in text:
            raise ValueError
    except (UnicodeError, ValueError):
        raise UsageError(f"{flag}: {text!r} is not a file name this system can use") from None
    path = Path(text)
    folder = path.parent
    if len(os.fsencode(path.name)) > _name_max(folder if folder.is_dir() else Path(".")):
        raise OutputError(f"cannot write {text}: the file name is longer than the system allows")
    if path.is_dir():
        raise OutputError(f"cannot write {text}: it is a folder")
    if not folder.exists():
        raise OutputError(f"cannot write {text}: folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"cannot write {text}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"cannot write {text}: permission denied")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(path: Path) -> Path:
    """A new empty file beside ``path``: hidden, marked as partial, with ``path``'s ending
    (the writers tell the format by it)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".basin-part-", suffix=path.suffix, dir=path.parent)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    os.close(fd)
    return Path(name)


def write_together(paths: Sequence[Path], write: Callable[[list[Path]], None]) -> None:
    """Run ``write(temporaries)``, one temporary file in each path's folder, then rename each
    to its path: a file that exists is complete, even after Ctrl-C or a full disk, and
    nothing is left behind on failure. The new files get the permissions a plain ``open``
    would give them (or keep the old files')."""
    tmps: list[Path] = []
    try:
        for path in paths:
            tmps.append(_temporary(path))
        write(tmps)
        mask = _umask()
        for path, tmp in zip(paths, tmps, strict=True):
            os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~mask)
        for path, tmp in zip(paths, tmps, strict=True):
            os.replace(tmp, path)
    except OSError as e:
        named = {str(t): p for t, p in zip(tmps, paths, strict=False)}
        path = named.get(str(e.filename), paths[0] if len(paths) == 1 else None)
        where = f"cannot write {path}" if path is not None else "cannot write output"
        raise OutputError(f"{where}: {e.strerror or e}") from None
    finally:
        for tmp in tmps:
            if tmp.exists():
                tmp.unlink()


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """:func:`write_together` for one file."""
    write_together([path], lambda tmps: write(tmps[0]))


def _flag(dest: str) -> str:
    return f"--{dest.replace('_', '-')}"


class Outputs:
    """The files a command was asked to write (its ``outputs`` option names): checked before
    any work (names, then formats, sizes and pace with gui.outputs, then what the system will
    take), each written atomically (:func:`write_together`), and reported after the
    command's own lines (:meth:`report`), so that everything is on disk before anything is
    printed."""

    def __init__(self, args: argparse.Namespace) -> None:
        from gui.outputs import check_outputs  # (no Qt)

        given = {d: getattr(args, d) for d in getattr(args, "outputs", ()) if getattr(args, d, None) is not None}
        for dest, text in given.items():
            if not text.strip():
                raise UsageError(f"{_flag(dest)} needs a file name")
        self.spec = check_outputs(args, Path)  # a bad format, size or pace: ValueError, exit 2
        self.paths = {dest: check_output(_flag(dest), text) for dest, text in given.items()}
        resolved: dict[Path, str] = {}
        for dest, path in self.paths.items():
            real = path.resolve()
            if real in resolved:
                raise UsageError(f"{_flag(resolved[real])} and {_flag(dest)} name the same file {path}")
            resolved[real] = dest
        self.written: list[Path] = []

    def write(self, dest: str, write: Callable[[Path], None]) -> None:
        """Write the file of option ``dest`` (if it was asked for) with ``write(path)``."""
        if dest in self.paths:
            write_atomic(self.paths[dest], write)
            self.written.append(self.paths[dest])

    def write_together(self, dests: Sequence[str], write: Callable[[dict[str, Path]], None]) -> None:
        """Write the files of the options ``dests`` that were asked for in one go, with
        ``write({dest: path})`` (a run's figures, animations and session share their drawing)."""
        dests = [d for d in dests if d in self.paths]
        if dests:
            write_together([self.paths[d] for d in dests], lambda tmps: write(dict(zip(dests, tmps, strict=True))))
            self.written += [self.paths[d] for d in dests]

    def spec_at(self, paths: dict[str, Path]):
        """gui.outputs' checked outputs with each file at ``paths[dest]`` instead."""
        from dataclasses import replace

        s = self.spec
        return replace(
            s, figures={k: paths[k] for k in s.figures}, animations={k: paths[k] for k in s.animations},
            session=paths.get("save_session", s.session),
        )

    def write_figures(self, render: Callable[[Path, str], None]) -> None:
        """Write the figures asked for (PNG, SVG, PDF) with ``render(path, fmt)``, headless."""
        if self.spec.figures:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        for kind in self.spec.figures:
            self.write(kind, lambda path, kind=kind: render(path, kind))

    def report(self, lines: Sequence[str]) -> int:
        for line in lines:
            print(line)
        for path in self.written:
            print(f"wrote {path}")
        return 0


def _write_rows(header: list[str], rows) -> Callable[[Path], None]:
    import csv

    def write(path: Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    return write


# -- progress and Ctrl-C ------------------------------------------------------------------------


class Interrupt:
    """Ctrl-C for the headless commands. The first one raises ``KeyboardInterrupt`` in the
    main thread, as usual, and also sets :attr:`event`, which the engine polls between blocks
    (``cancel=``) so that worker threads stop too instead of finishing their share."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._old = None

    def cancelled(self) -> bool:
        return self.event.is_set()

    def _on_signal(self, signum, frame) -> None:
        self.event.set()
        raise KeyboardInterrupt

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._on_signal)
        return self

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


_INTERRUPT = Interrupt()


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[float], None] | None]:
    """A progress callback (fraction done, from any thread) that draws a bar with the time
    left on stderr, when stderr is a terminal and the work takes more than half a second;
    None otherwise."""
    stream = sys.stderr
    if stream is None or not getattr(stream, "isatty", lambda: False)():
        yield None
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: updates come often enough
    total = 1_000_000  # fine enough that a long run moves the bar (and its estimate) early
    try:  # a terminal that reports no size (a bare pty) would get no bar at all
        size = os.get_terminal_size(stream.fileno())
        sized = size.columns > 0 and size.lines > 0
    except (OSError, ValueError, AttributeError):
        sized = False
    bar = tqdm(
        total=total, desc=what, file=stream, delay=0.5, leave=False, mininterval=0.2,
        dynamic_ncols=sized, ncols=None if sized else 80, nrows=None if sized else 24,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} elapsed, {remaining} left",
    )
    lock = threading.Lock()
    done = [0]

    def update(fraction: float) -> None:
        n = min(total, max(0, int(fraction * total)))
        with lock:  # (called from the engine's worker threads)
            bar.update(max(0, n - done[0]))  # even 0: shows the bar once its delay is over
            done[0] = max(done[0], n)

    try:
        yield update
    finally:
        bar.close()


# -- commands ---------------------------------------------------------------------------------


def _fmt_point(p: Sequence[float]) -> str:
    return "(" + ", ".join(f"{c:.6g}" for c in p) + ")"


def cmd_list(args: argparse.Namespace) -> int:
    from engine import LANDSCAPES, OPTIMIZERS
    from engine.scenarios import SCENARIO_DIR, load_scenarios, scenario_folders

    lines = ["landscapes:"]
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
        lines.append(f"  {name:<18} {cls.description}. params: {params}. {crit}")
    lines.append("optimizers:")
    for name, spec in OPTIMIZERS.items():
        hyper = " ".join(f"{k}={v:g}" for k, v in spec.defaults.items())
        lines.append(f"  {name:<18} {spec.description}. defaults: {hyper}")
    scenarios, errors = load_scenarios(*scenario_folders(args.scenario_dir))
    lines.append("scenarios (run --scenario NAME; those marked 'network': train --scenario NAME):")
    width = max((len(n) for n in scenarios), default=0)
    for name, sc in scenarios.items():
        where = "" if sc.path is None or sc.path.parent == SCENARIO_DIR else f" (from {sc.path.parent})"
        kind = ", network" if sc.is_network else ""
        lines.append(f"  {name:<{width}} [{sc.idea}{kind}] {sc.title}: {sc.summary}{where}")
    lines.extend(f"  (not loaded) {e}" for e in errors)
    for line in lines:
        print(line)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    from engine import Optimizer, simulate, verdict
    from engine.records import write_csv

    problem = Problem(args)
    outputs = Outputs(args)
    L, opts = problem.landscape, problem.optimizers
    with progress_bar(f"{problem.steps} steps") as progress:
        run = simulate(
            L, Optimizer.stack(opts), np.repeat(problem.start[None], len(opts), axis=0), problem.steps,
            cancel=_INTERRUPT.cancelled, progress=progress, **problem.engine_options(),
        )
    lines = [problem.describe()]
    lines += [f"  {name}: {verdict(L, run.final, i, problem.tol).text}" for i, name in enumerate(run.names)]
    outputs.write("csv", lambda path: write_csv(path, run))

    def draw(paths: dict[str, Path]) -> None:  # figures and animations share one scene
        from gui.outputs import write_run_outputs

        write_run_outputs(problem, run, outputs.spec_at(paths), args)

    if outputs.spec.figures or outputs.spec.animations:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    outputs.write_together((*FIGURES, *ANIMATIONS, "save_session"), draw)
    return outputs.report(lines)


def _analysis_renderer(outputs: Outputs, what: str, make_result, landscape):
    def render(path: Path, fmt: str) -> None:
        from gui.figure import save_analysis_figure

        spec = outputs.spec
        save_analysis_figure(what, make_result(), path, width=spec.png_width(), fmt=fmt, landscape=landscape,
                             dpi=spec.dpi)

    return render


def cmd_basins(args: argparse.Namespace) -> int:
    from engine.analysis import basin_map

    problem = Problem(args)
    opt = _one_optimizer(problem, "basins")
    outputs = Outputs(args)
    n, steps, L = args.grid, problem.steps, problem.landscape
    with progress_bar(f"basins {n}x{n}") as progress:
        bm = basin_map(L, opt, n, steps, cancel=_INTERRUPT.cancelled, progress=progress, **problem.engine_options())
    batch = f", mini-batches of {problem.batch_size}" if problem.batch_size else ""
    lines = [f"{L.label()}: basins of {opt.label()}, {n}x{n} starts, {steps} steps{batch}"]
    for key, share in bm.shares().items():
        where = f" {tuple(round(c, 6) for c in L.minima[int(key)].point)}" if key.isdigit() else ""
        lines.append(f"  {key}{where}: {share:.1%}")
    header = ["x0", "y0", "outcome", "steps"]
    outputs.write("csv", _write_rows(header, ((repr(x), repr(y), o, k) for x, y, o, k in bm.rows())))

    def result():
        from gui.analysis_data import basin_result
        from gui.settings import short_label

        return basin_result(L, bm, short_label(opt.names[0], opt.hyper[0]), (L.view[0], L.view[1]))

    outputs.write_figures(_analysis_renderer(outputs, "basins", result, L))
    return outputs.report(lines)


def _sweep_curves(problem: Problem):
    """One curve per distinct optimizer setting: racers that differ only in alpha (the
    swept value) share one, labelled by the optimizer and its other non-default settings."""
    from engine import OPTIMIZERS
    from gui.analysis_data import SweepCurve
    from gui.settings import color_for

    curves: dict[tuple, SweepCurve] = {}
    taken: set[str] = set()
    for name, hyper in problem.entries:
        defaults = OPTIMIZERS[name].defaults
        rest = tuple((k, float(v)) for k, v in {**defaults, **hyper}.items() if k != "alpha")
        if (name, rest) in curves:
            continue
        own = ", ".join(f"{k}={v:g}" for k, v in rest if v != defaults[k])
        color = color_for(name, taken)
        taken.add(color)
        curves[name, rest] = SweepCurve(name, rest, (f"{name}({own})" if own else name,), color)
    return tuple(curves.values())


def cmd_sweep(args: argparse.Namespace) -> int:
    from engine.analysis import log_grid, lr_sweep
    from engine.simulation import Status

    problem = Problem(args)
    if args.alpha is not None:
        raise UsageError("--alpha does not apply to a sweep (use --alphas LO,HI)")
    lo, hi = _range(args.alphas)
    alphas = log_grid(lo, hi, args.points)
    outputs = Outputs(args)
    curves = _sweep_curves(problem)
    with progress_bar(f"sweep of {len(alphas)} alphas") as progress:
        sw = lr_sweep(
            problem.landscape, [(c.name, dict(c.hyper)) for c in curves], problem.start, problem.steps,
            alphas=alphas, labels=[c.label for c in curves], cancel=_INTERRUPT.cancelled, progress=progress,
            **problem.engine_options(),
        )
    lines = [f"{problem.describe()}; alpha from {lo:g} to {hi:g}"]
    if len(curves) < len(problem.entries):
        lines.append("  (racers that differ only in alpha share a curve: the sweep varies alpha)")
    for k, label in enumerate(sw.names):
        b = sw.best(k)
        edge = f"diverges from alpha {b.diverges_from:.3g}" if b.diverges_from is not None else "never diverges"
        if b.alpha is None:
            lines.append(f"  {label}: diverges at every alpha")
        elif b.steps is not None:
            lines.append(f"  {label}: fastest to a minimum at alpha {b.alpha:.3g} ({b.steps} steps); {edge}")
        else:
            lines.append(
                f"  {label}: no alpha reaches a minimum in {problem.steps} steps; lowest final loss "
                f"{b.loss:.4g} at alpha {b.alpha:.3g}; {edge}"
            )
    if callable(getattr(problem.landscape, "test_loss", None)):  # three splits: pick on validation, test once
        from engine.selection import choose_alpha

        for c in curves:
            ch = choose_alpha(problem.landscape, c.name, problem.start, problem.steps, alphas, hyper=dict(c.hyper),
                              tol=problem.tol, bound=problem.bound)
            lines.append(
                f"  {c.label}: picked on validation, alpha {ch.alpha:.3g} (validation loss {ch.validation:.4g}); "
                f"test loss, evaluated once there: {ch.test:.4g} (the training loss alone would pick alpha "
                f"{ch.sweep.alphas[ch.by_train]:.3g})"
            )
    rows = []
    for k, label in enumerate(sw.names):
        for j, a in enumerate(sw.alphas):
            v = repr(float(sw.validation[k, j])) if sw.validation is not None else ""
            rows.append([label, repr(float(a)), str(Status(int(sw.status[k, j]))), int(sw.stop[k, j]),
                         repr(float(sw.train[k, j])), v])
    header = ["optimizer", "alpha", "status", "stop", "train_loss", "validation_loss"]
    outputs.write("csv", _write_rows(header, rows))

    def result():
        from gui.analysis_data import sweep_result

        return sweep_result(problem.landscape, sw, curves, problem.start)

    outputs.write_figures(_analysis_renderer(outputs, "sweep", result, problem.landscape))
    return outputs.report(lines)


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
    alphas = log_grid(lo, hi, args.grid)
    outputs = Outputs(args)
    with progress_bar(f"phase map {args.grid}x{args.grid}") as progress:
        pm = phase_map(
            problem.landscape, problem.start, problem.steps, optimizer=names[0],
            alphas=alphas, mus=np.linspace(0.0, 0.99, args.grid),
            hyper=problem.entries[0][1] if problem.entries else None,
            cancel=_INTERRUPT.cancelled, progress=progress, **problem.engine_options(),
        )
    lines = [f"{problem.describe()}; {names[0]} over {args.grid} alphas x {args.grid} momenta"]
    best = pm.fastest()
    if best:
        lines.append(f"  fastest: alpha {best[0]:.4g}, mu {best[1]:.3g}: reaches a minimum in {best[2]} steps")
    else:
        lines.append(f"  no setting reaches a minimum within {problem.steps} steps")
    edge = pm.divergence_edge(0)
    lines.append(f"  with mu = 0, diverges from alpha {edge:.4g}" if edge else "  with mu = 0, never diverges")
    rows = [
        [repr(float(a)), repr(float(m)), outcome_name(int(pm.steps[i, j])) if pm.steps[i, j] < 0 else "converged",
         int(pm.steps[i, j]) if pm.steps[i, j] >= 0 else ""]
        for i, m in enumerate(pm.mus) for j, a in enumerate(pm.alphas)
    ]
    outputs.write("csv", _write_rows(["alpha", "mu", "outcome", "steps"], rows))

    def result():
        from gui.analysis_data import phase_result

        return phase_result(problem.landscape, pm, problem.start)

    outputs.write_figures(_analysis_renderer(outputs, "phase", result, problem.landscape))
    return outputs.report(lines)


class NetworkProblem:
    """What ``train`` runs: a network scenario or session (if any) with the flags laid over
    its fields."""

    def __init__(self, args: argparse.Namespace) -> None:
        from engine.network.setup import FIELDS, NetworkSetup
        from engine.validate import check_int

        scenario = _scenario(args.scenario, args.scenario_dir) if args.scenario else None
        if scenario is not None and not scenario.is_network:
            raise UsageError(f"scenario {scenario.name!r} is on two weights: use 'run --scenario {scenario.name}'")
        self.session = None
        if args.session:
            if scenario is not None:
                raise UsageError("give --scenario or --session, not both")
            from gui.session import load_session  # (no Qt)

            self.session = load_session(args.session)
            if self.session.model != "network":
                raise UsageError(f"{args.session} is a two-weight session: use 'run --session {args.session}'")
            scenario = self.session.as_scenario(Path(args.session).name)
        fields = scenario.network.fields() if scenario is not None else {}
        fields |= {k: getattr(args, k) for k in FIELDS if getattr(args, k) is not None}  # a flag per field
        self.setup = NetworkSetup.from_fields(fields)
        self.own_racers = not args.optimizer  # the scenario's or session's racers (hyperparameters may change)
        self.entries, self.optimizers = _racers(args, scenario)
        steps = args.steps if args.steps is not None else (scenario.steps if scenario else None)
        if steps is None:
            raise UsageError("--steps is required")
        self.steps = check_int("steps", steps, 1, 100_000)
        self.tol = args.tol if args.tol is not None else (scenario.tol if scenario else 1e-6)
        self.bound = args.bound
        self.batch_size = args.batch_size if args.batch_size is not None else (scenario and scenario.batch_size)
        if self.batch_size is not None:
            check_int("batch size", self.batch_size, 1, self.setup.data.n_train)
        # the mini-batches' seed: --seed (which seeds the start too), else the scenario's or the
        # session's (as the window takes it), else the start's
        self.seed = args.seed if args.seed is not None else (scenario.seed if scenario else self.setup.init.seed)
        self.scenario = scenario
        self.reports = _report_names(args.report, scenario)

    def describe(self) -> str:
        head = f"{'session' if self.session else 'scenario'} {self.scenario.name}: " if self.scenario else ""
        batch = f"; mini-batches of {self.batch_size}" if self.batch_size else ""
        return f"{head}network {self.setup.describe()}; {self.steps} steps{batch}"

    def net_settings(self):
        """The problem as the window's network view takes it (``gui.netstate.NetSettings``): a
        session's rows, colours, plane and background racer stay unless ``--optimizer`` replaced
        its racers; otherwise the racers in order, the optimizers not racing after them, unticked."""
        from dataclasses import replace
        from types import SimpleNamespace

        from engine import OPTIMIZERS
        from gui.netstate import scenario_net_settings

        hypers = [tuple({**OPTIMIZERS[n].defaults, **h}.items()) for n, h in self.entries]
        schedules = [opt.schedules[0] for opt in self.optimizers]
        run = {"setup": self.setup, "steps": self.steps, "tol": self.tol, "batch_size": self.batch_size,
               "batch_seed": self.seed}
        if self.session is not None and self.own_racers:
            rows = list(self.session.settings.racers)
            enabled = [i for i, e in enumerate(rows) if e.enabled]
            for i, hyper, schedule in zip(enabled, hypers, schedules, strict=True):
                rows[i] = replace(rows[i], hyper=hyper, schedule=schedule)
            return replace(self.session.settings, racers=tuple(rows), **run)
        given = SimpleNamespace(
            optimizers=tuple((n, dict(h)) for (n, _h), h in zip(self.entries, hypers, strict=True)),
            schedules=tuple(None if sc.constant else sc for sc in schedules), network=self.setup,
            steps=self.steps, tol=self.tol, batch_size=self.batch_size, seed=self.seed,
        )
        return scenario_net_settings(given)

    def net_session(self):
        """The problem as a network session the window opens (``--save-session``); a session
        given keeps its animation when its racers were not replaced. UsageError when the
        window's controls do not take it (more steps or points than they do)."""
        from gui.session import SessionError, session_of

        s = self.session
        keep = s is not None and self.own_racers
        picture = {"mode": s.mode, "step": s.step if s.step is not None and s.step <= self.steps else None,
                   "speed": s.speed} if keep else {}
        try:
            return session_of(self.net_settings(), **picture)
        except SessionError as e:
            raise UsageError(f"--save-session: {str(e).removeprefix('session: ')}") from None

    def csv_names(self) -> tuple[str, ...]:
        """The CSV's racer names: the window's (``gd α=0.3``, ``adam α=0.01``, ``gd α=0.3 #2``
        for a further racer of the same label), so that a run from the command line and the window's File >
        Export CSV of the same race are the same file, with or without a session."""
        from gui.netstate import numbered
        from gui.settings import short_label

        return numbered(short_label(m.definition.name, m.values, m.schedule) for o in self.optimizers
                        for m in o.members)


def _report_names(given: Sequence[str], scenario) -> tuple[str, ...]:
    """The reports ``train`` prints: those given with ``--report`` (each once, known), else the
    scenario's."""
    from engine.scenarios import REPORTS

    for name in given:
        if name not in REPORTS:
            raise UsageError(f"unknown report {name!r} (choose from {', '.join(REPORTS)})")
    dupes = sorted({n for n in given if given.count(n) > 1})
    if dupes:
        raise UsageError(f"report {dupes[0]!r} given twice")
    return tuple(given) if given else (scenario.reports if scenario is not None else ())


def cmd_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import numpy as np

    from engine import Optimizer, verdict
    from engine.network.training import train

    problem = NetworkProblem(args)
    outputs = Outputs(args)
    session = problem.net_session() if "save_session" in outputs.paths else None
    with progress_bar(f"{problem.steps} steps") as progress:
        t = train(
            problem.setup, problem.optimizers, problem.steps, batch_size=problem.batch_size, seed=problem.seed,
            tol=problem.tol, bound=problem.bound, cancel=_INTERRUPT.cancelled, progress=progress,
        )
    r, m = t.run, t.metrics
    stacked = Optimizer.stack(problem.optimizers)  # (its labels: hyperparameters and schedule)
    lines = [problem.describe(), f"  {t.net.layout.describe()} network, {t.net.dim} weights, "
             f"{t.net.n_train} training and {len(t.net.data.y_val)} validation examples"]
    for i, name in enumerate(t.names):
        k = t.run.finite_length(i) - 1
        end = verdict(t.net, r.final, i, problem.tol).text
        if k >= 0 and np.isfinite(m.val_loss[i, k]):
            end += (f"; validation loss {m.val_loss[i, k]:.4g}; accuracy {m.train_acc[i, k]:.1%} training, "
                    f"{m.val_acc[i, k]:.1%} validation")
        lines.append(f"  {name}{stacked.label(i)[len(stacked.names[i]):]}: {end}")
    if problem.reports:
        from engine.network.reports import compute
        from engine.optimizers import Optimizer

        opt = Optimizer.stack(problem.optimizers)
        for name in problem.reports:
            lines += compute(name, t, opt, batch_size=problem.batch_size, seed=problem.seed, tol=problem.tol,
                             bound=problem.bound, cancel=_INTERRUPT.cancelled).lines()
    table = replace(t, names=problem.csv_names())
    outputs.write("csv", lambda path: path.write_text(table.csv(), encoding="utf-8"))
    outputs.write("npz", lambda path: np.savez(path, **t.arrays()))
    if session is not None:
        from gui.session import save_session

        outputs.write("save_session", lambda path: save_session(path, session))

    def render(path: Path, fmt: str) -> None:
        from gui.figure import Size, _ensure_app, render, write_bytes
        from gui.network_figure import training_canvas

        _ensure_app()
        spec = outputs.spec
        write_bytes(path, render(training_canvas(t), fmt, Size(spec.png_width(), spec.dpi)))

    outputs.write_figures(render)
    for fmt in outputs.spec.animations:  # the race, frame by frame (gui.animation)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        outputs.write(fmt, lambda path, fmt=fmt: _network_animation(t, path, fmt, outputs.spec))
    return outputs.report(lines)


def _network_animation(t, path: Path, fmt: str, spec) -> None:
    from gui.animation import NetworkAnimationSpec
    from gui.figure import _ensure_app

    _ensure_app()
    with progress_bar(f"{fmt.upper()} frames") as progress:
        NetworkAnimationSpec(t, str(path), fmt, spec.frame_width(fmt), spec.timing[fmt]).write(
            _INTERRUPT.cancelled, None if progress is None else lambda f, _text: progress(f))


# -- entry point --------------------------------------------------------------------------------


LAUNCH_OPTIONS = ("--view", "--scenario")  # options of the window itself (no command)
VIEWS = ("contour", "3d", "both")


def _launch_options(argv: Sequence[str]) -> dict[str, str | None]:
    """``--view contour|3d|both`` and ``--scenario NAME``, what the window opens on; a bad
    value is a UsageError (one line listing the choices, exit 2) before any window."""
    p = _Parser(prog=PROG, add_help=False)
    _add(p, "--view", metavar="VIEW")
    _add(p, "--scenario", metavar="NAME")
    args, rest = p.parse_known_args(list(argv))
    if args.view is not None and args.view not in VIEWS:
        raise UsageError(f"invalid --view {args.view!r} (choose from {', '.join(VIEWS)})")
    if rest:
        raise UsageError(
            f"unrecognised {rest[0]!r}: the window takes only --view ({', '.join(VIEWS)}) and --scenario NAME; "
            f"commands come first ('{PROG} run --help')"
        )
    if args.scenario is not None:
        _scenario(args.scenario)  # unknown: the scenarios' names, exit 2 (a network lesson opens the network view)
    return {"view": args.view, "scenario": args.scenario}


def _open_window(view: str | None = None, scenario: str | None = None) -> int:
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
    return run_app(sys.argv[:1], view=view, scenario=scenario)


def _error(message: str) -> None:
    """One line on stderr, whatever the message holds: a control character or line break
    that came with the input (a field named "a\nb" in a session file) is shown escaped."""
    line = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in message)
    print(f"{PROG}: {line}", file=sys.stderr)


def _quiet_stdout() -> None:
    """stdout's reader has gone (``| head -1``): send the rest nowhere, so that Python's
    final flush does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return _open_window()
    if argv[0].split("=")[0] in LAUNCH_OPTIONS:  # the window, opened on a view or a scenario
        try:
            options = _launch_options(argv)
        except UsageError as e:
            _error(f"error: {e}")
            return EXIT_USAGE
        return _open_window(**options)
    for stream in (sys.stdout, sys.stderr):  # a file name the terminal cannot show is shown escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    _INTERRUPT.event.clear()
    with _INTERRUPT:
        try:
            parser = build_parser()
            args = parser.parse_args(_join_negative_values(argv))
            if args.command is None:
                raise UsageError(
                    "choose a command: list, run, basins, sweep, phase or train (or no arguments for the window)"
                )
            code = args.func(args)
            if sys.stdout is not None:
                sys.stdout.flush()
            return code
        except (UsageError, ValueError) as e:
            _error(f"error: {e}")
            return EXIT_USAGE
        except OutputError as e:
            _error(f"error: {e}")
            return EXIT_OUTPUT
        except BrokenPipeError:  # the reader of stdout stopped early: the files are written
            _quiet_stdout()
            return 0
        except KeyboardInterrupt:
            _error("interrupted")
            return EXIT_INTERRUPTED
        except Exception as e:
            from engine import Cancelled

            if isinstance(e, Cancelled):  # a worker saw Ctrl-C before the main thread did
                _error("interrupted")
                return EXIT_INTERRUPTED
            if os.environ.get("BASIN_TRACEBACK"):
                raise
            _error(f"internal error: {type(e).__name__}: {e} (a bug: BASIN_TRACEBACK=1 shows where)")
            return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
