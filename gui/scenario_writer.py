"""The window's state as a scenario file (Scenarios > Save as scenario): no Qt.

The file is written in the layout of Basin's own scenarios (``engine.scenarios``): the texts
first, then ``[params]`` (a two-weight landscape's) or ``[network]`` (the network view's setup:
data, net and start), and one ``[[optimizers]]`` table per ticked racer with its
hyperparameters and schedule. Every value is written by ``tomli_w`` (the person's text is
data: quotes, backslashes and line breaks are escaped by the TOML writer, never pasted), and
the text is read back and checked by the scenario loader before it is written, so that what
is saved loads.

A scenario has one ``seed``: the random start's, and the mini-batch shuffles'. Settings with a
random start and mini-batches drawn with another seed cannot both be kept: the start's seed
is written, and :func:`scenario_notes` says so.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from engine.scenarios import IDEAS, NETWORK, Scenario, parse_scenario
from gui.settings import Settings

MAX_NAME = 60  # characters of a scenario's file name (its name in lists and on the command line)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class ScenarioText:
    """What a person types about a scenario."""

    title: str
    idea: str
    summary: str
    explanation: str
    tries: tuple[str, ...]


def slug(title: str) -> str:
    """A file name from a title: ``"Rosenbrock, slowly!"`` -> ``"rosenbrock-slowly"``."""
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s[:MAX_NAME].rstrip("-") or "my-scenario"


def check_name(name: str) -> str:
    """The file name (without ``.toml``), or ``ValueError`` with the reason."""
    if not name:
        raise ValueError("file name: empty")
    if len(name) > MAX_NAME:
        raise ValueError(f"file name: longer than {MAX_NAME} characters")
    if not NAME.match(name):
        raise ValueError("file name: use small letters, digits, - and _ (starting with a letter or digit)")
    return name


def check_text(text: ScenarioText) -> None:
    """``ValueError`` naming the first field a scenario needs and ``text`` lacks."""
    for field, value in (("title", text.title), ("summary", text.summary), ("explanation", text.explanation)):
        if not value.strip():
            raise ValueError(f"{field}: empty (a scenario needs one)")
    if text.idea not in IDEAS:
        raise ValueError(f"idea: {text.idea!r} is not one of the lecture's ideas")
    if not any(t.strip() for t in text.tries):
        raise ValueError("things to try: give at least one (one per line)")


def is_network(s) -> bool:
    """Settings of the network view (``gui.netstate.NetSettings``: a setup, no landscape)."""
    return hasattr(s, "setup") and not hasattr(s, "landscape")


def scenario_seed(s: Settings) -> int:
    """The scenario's one seed: the random start's if the start is random, else the mini-batches'
    (a network's start has a seed of its own, in its [network] table)."""
    if is_network(s):
        return int(s.batch_seed)
    return int(s.init.seed) if s.init.kind == "random" else int(s.batch_seed)


def scenario_notes(s: Settings) -> list[str]:
    """What of ``s`` a scenario cannot keep (shown before saving)."""
    notes = []
    if is_network(s):
        notes.append("the view's plane and the racer shown behind the data are not part of a scenario")
    elif s.init.kind == "random" and s.batch_size is not None and s.batch_seed != s.init.seed:
        notes.append(f"a scenario has one seed: the mini-batches will use the start's seed {s.init.seed} "
                     f"(not {s.batch_seed})")
    racers = s.racers if is_network(s) else s.optimizers
    unticked = [e.name for e in racers if not e.enabled]
    if unticked and len(unticked) < len(racers):
        notes.append("only the ticked racers are saved")
    return notes


def scenario_data(s: Settings, text: ScenarioText) -> dict:
    """The scenario's fields (``engine.scenarios``' layout) for settings ``s`` (the two-weight
    view's, or the network view's) and ``text``."""
    net = is_network(s)
    data: dict = {
        "title": text.title.strip(),
        "idea": text.idea,
        "summary": text.summary.strip(),
        "landscape": NETWORK if net else s.landscape,
        "steps": int(s.steps),
    }
    if net:
        pass  # the start is the [network] table's
    elif s.init.kind == "point":
        data["init"] = [float(c) for c in s.init.point]
    else:
        data["init"] = s.init.kind
        if s.init.kind == "random":
            data["sigma"] = float(s.init.sigma)
    seed = scenario_seed(s)
    if seed or (not net and s.init.kind == "random"):
        data["seed"] = seed
    if s.tol != 1e-6:
        data["tol"] = float(s.tol)
    if s.batch_size is not None:
        data["batch_size"] = int(s.batch_size)
    data["explanation"] = text.explanation.strip() + "\n"
    data["try"] = [t.strip() for t in text.tries if t.strip()]
    values = {} if net else getattr(s.make_landscape(), "values", {})  # every parameter, said (defaults too)
    if values:
        data["params"] = {k: (v if isinstance(v, str | int) else float(v)) for k, v in values.items()}
    if net:
        data["network"] = s.setup.fields()
    racers = []
    for e in s.enabled:
        racer: dict = {"name": e.name, **{k: float(v) for k, v in e.hyper}}
        if not e.schedule.constant:
            racer["schedule"] = e.schedule.spec()
        racers.append(racer)
    data["optimizers"] = racers
    return data


def scenario_toml(data: dict) -> str:
    """The TOML text of ``data``, laid out as Basin's own scenario files."""
    out = []
    for key, value in data.items():
        if key not in ("params", "network", "optimizers"):
            out.append(tomli_w.dumps({key: value}, multiline_strings=True))
    for table in ("params", "network"):
        if data.get(table):
            out.append(f"\n[{table}]\n" + tomli_w.dumps(data[table]))
    for racer in data["optimizers"]:
        out.append("\n[[optimizers]]\n" + tomli_w.dumps(racer))
    return "".join(out)


def build_scenario(path: Path, s: Settings, text: ScenarioText) -> tuple[str, Scenario]:
    """The file's text and the scenario it loads as; ``ValueError`` (one line naming the
    field) if the texts are incomplete or the scenario loader refuses it."""
    check_text(text)
    if not s.enabled:
        raise ValueError("racers: none is ticked (a scenario races at least one)")
    toml = scenario_toml(scenario_data(s, text))
    return toml, parse_scenario(path, tomllib.loads(toml))


def write_scenario(path: Path, toml: str) -> None:
    """Write the file (its folder made if need be): to a temporary file first, then renamed
    over ``path``, so that an error never leaves half a scenario. ``OSError`` on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_text(toml, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


__all__ = ["ScenarioText", "build_scenario", "check_name", "scenario_data", "scenario_notes", "scenario_toml",
           "slug", "write_scenario"]
