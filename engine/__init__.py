"""Basin's optimization engine: pure numpy, never Qt.

Landscapes and data models (``loss``, ``grad``, ``hessian`` over batches of points),
optimizers as pure ``init``/``update`` pairs, and the simulation that runs them.
"""

import engine.formula  # (registers the landscape of a formula of your own)
import engine.models  # noqa: F401  (registers the data models with make_landscape)
from engine.landscapes import LANDSCAPES, CriticalPoint, Landscape, Param, make_landscape, point_kind
from engine.optimizers import OPTIMIZERS, Definition, Optimizer, make_optimizer
from engine.simulation import Cancelled, Outcome, Run, Status, point_kinds, simulate
from engine.verdicts import Kind, Verdict, describe, verdict

__all__ = [
    "LANDSCAPES",
    "OPTIMIZERS",
    "Cancelled",
    "CriticalPoint",
    "Definition",
    "Kind",
    "Landscape",
    "Optimizer",
    "Outcome",
    "Param",
    "Run",
    "Status",
    "Verdict",
    "describe",
    "make_landscape",
    "make_optimizer",
    "point_kind",
    "point_kinds",
    "simulate",
    "verdict",
]
