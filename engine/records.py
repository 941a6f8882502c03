"""Trajectories as CSV: one row per optimizer per step, full float64 precision.

Header ``optimizer,step,loss,grad_norm,theta_0,...,theta_{D-1}``; step 0 is the start; a row's
steps run to the step it stopped at (a diverged row's last step as computed, possibly inf or
nan). Numbers are written with ``repr``, the shortest text that reads back to the same
float64, so a trajectory can be checked to the last bit.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from engine.simulation import Run


def run_to_csv(run: Run, names: list[str] | tuple[str, ...] | None = None) -> str:
    names = list(names or run.names)
    d = run.theta.shape[2]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["optimizer", "step", "loss", "grad_norm", *[f"theta_{j}" for j in range(d)]])
    for i, name in enumerate(names):
        for t in range(int(run.stop[i]) + 1):
            w.writerow(
                [name, t, repr(float(run.loss[i, t])), repr(float(run.grad_norm[i, t]))]
                + [repr(float(x)) for x in run.theta[i, t]]
            )
    return out.getvalue()


def write_csv(path: str | Path, run: Run, names: list[str] | tuple[str, ...] | None = None) -> None:
    Path(path).write_text(run_to_csv(run, names), encoding="utf-8")


def read_csv(path: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """Read a trajectory CSV back: ``{optimizer: {"step", "loss", "grad_norm", "theta"}}``.

    Raises ``ValueError`` naming the file and line on a malformed file.
    """
    text = Path(path).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0][:4] != ["optimizer", "step", "loss", "grad_norm"]:
        raise ValueError(f"{path}: not a Basin trajectory CSV (bad header)")
    d = len(rows[0]) - 4
    acc: dict[str, list[list[float]]] = {}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != 4 + d:
            raise ValueError(f"{path}:{n}: expected {4 + d} fields, got {len(row)}")
        try:
            acc.setdefault(row[0], []).append([float(x) for x in row[1:]])
        except ValueError:
            raise ValueError(f"{path}:{n}: not a number in {row}") from None
    out = {}
    for name, vals in acc.items():
        a = np.array(vals)
        out[name] = {"step": a[:, 0].astype(int), "loss": a[:, 1], "grad_norm": a[:, 2], "theta": a[:, 3:]}
    return out
