"""Deep networks: a fully connected network for two classes as a landscape over its weights.

Modules, one idea each: ``data`` (the data sets), ``layout`` (where each weight lives in the
flat vector), ``inits`` (starting weights), ``activations`` and ``losses`` (the units and the
loss), ``dual`` (forward-mode differentiation, for exact Hessian-vector products), ``mlp``
(the network itself: loss, gradient, Hessian), ``metrics`` (losses and accuracies over a run,
probabilities on a grid), ``curvature`` (Hessian eigenvalues, per-layer gradient norms),
``symmetry`` (permutations of hidden units, the degenerate net, aligning two nets) and
``slices`` (the loss on a plane through weight space).
"""

from engine.network.data import DataSpec, DataSplit, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.layout import Layout
from engine.network.mlp import NetSpec, Network

__all__ = [
    "DataSpec",
    "DataSplit",
    "InitSpec",
    "Layout",
    "NetSpec",
    "Network",
    "init_weights",
    "make_data",
    "parse_hidden",
]
