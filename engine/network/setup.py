"""A network problem in one value: the data, the network and its start.

The command line's ``train`` flags, a scenario's ``[network]`` table and (later) a session all
describe the same thing with the same names, so all of them read it here
(:meth:`NetworkSetup.from_fields`), each field checked with one clear line:

=============  ==========================================  ====================
field          meaning                                     default
=============  ==========================================  ====================
data           spirals, circles, xor, gauss, moons          spirals
points         number of examples, train and validation     400
noise          standard deviation of the noise              0.1
data_seed      seed of the draw and the split               0
mixed_units    the second input in other units (x1000+500)  false
units          raw or standardised (z-scores of training)   raw
hidden         widths of the hidden layers, e.g. [16, 16]   [16, 16]
activation     tanh, logistic or relu                       tanh
loss           xent or mse                                  xent
batchnorm      batch normalisation after each hidden layer  false
init           zeros, small, glorot or he                   glorot
sigma          spread of a small init                       0.1
seed           seed of the init                             0
=============  ==========================================  ====================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from engine.network.data import DataSpec, make_data
from engine.network.inits import InitSpec, init_weights
from engine.network.layout import Layout
from engine.network.mlp import NetSpec, Network, parse_hidden

Array = np.ndarray

UNITS = ("raw", "standardised")
# the ravine lesson's units: the second input in thousandths and shifted (a length in mm
# beside one in m), as the README says
MIXED_SCALE, MIXED_OFFSET = 1000.0, 500.0

FIELDS = (
    "data", "points", "noise", "data_seed", "mixed_units", "units", "hidden", "activation", "loss",
    "batchnorm", "init", "sigma", "seed",
)


@dataclass(frozen=True)
class NetworkSetup:
    """The data (:class:`DataSpec`), the network (:class:`NetSpec`) and its start
    (:class:`InitSpec`)."""

    data: DataSpec = field(default_factory=DataSpec)
    net: NetSpec = field(default_factory=NetSpec)
    init: InitSpec = field(default_factory=InitSpec)

    @classmethod
    def from_fields(cls, fields: Mapping[str, object]) -> NetworkSetup:
        """Read the fields of the module docstring's table (all optional); an unknown name or a
        bad value raises ``ValueError`` naming it."""
        if not isinstance(fields, Mapping):
            raise ValueError("a network is a table of the fields " + ", ".join(FIELDS))
        unknown = sorted(str(k) for k in fields if k not in FIELDS)
        if unknown:
            raise ValueError(f"unknown network field {unknown[0]!r} (valid: {', '.join(FIELDS)})")
        f = dict(fields)
        units = f.get("units", "raw")
        if units not in UNITS:
            raise ValueError(f"invalid units {units!r} (choose from {', '.join(UNITS)})")
        mixed = _flag("mixed_units", f.get("mixed_units", False))
        hidden = f.get("hidden", NetSpec().hidden)
        if isinstance(hidden, str):
            hidden = parse_hidden(hidden)
        elif isinstance(hidden, list | tuple) and any(isinstance(h, bool) or not isinstance(h, int) for h in hidden):
            raise ValueError(f"invalid hidden widths: {hidden!r} (whole numbers, e.g. [16, 16])")
        data = DataSpec(
            name=_text("data", f.get("data", DataSpec.name)),
            n_points=f.get("points", DataSpec.n_points),
            noise=f.get("noise", DataSpec.noise),
            seed=f.get("data_seed", 0),
            x2_scale=MIXED_SCALE if mixed else 1.0,
            x2_offset=MIXED_OFFSET if mixed else 0.0,
            standardise=units == "standardised",
        )
        net = NetSpec(
            hidden=hidden,
            activation=_text("activation", f.get("activation", NetSpec.activation)),
            loss=_text("loss", f.get("loss", NetSpec.loss)),
            batchnorm=_flag("batchnorm", f.get("batchnorm", False)),
        )
        init = InitSpec(
            kind=_text("init", f.get("init", InitSpec.kind)),
            sigma=f.get("sigma", InitSpec.sigma),
            seed=f.get("seed", InitSpec.seed),
        )
        return cls(data, net, init)

    def fields(self) -> dict[str, object]:
        """The table :meth:`from_fields` reads back to this setup."""
        d, n, i = self.data, self.net, self.init
        return {
            "data": d.name, "points": d.n_points, "noise": d.noise, "data_seed": d.seed,
            "mixed_units": d.x2_scale != 1.0 or d.x2_offset != 0.0,
            "units": "standardised" if d.standardise else "raw",
            "hidden": list(n.hidden), "activation": n.activation, "loss": n.loss, "batchnorm": n.batchnorm,
            "init": i.kind, "sigma": i.sigma, "seed": i.seed,
        }

    @property
    def weights(self) -> int:
        """The network's number of weights ``P`` (every data set has two inputs)."""
        return Layout((2, *self.net.hidden, 1)).size

    def build(self) -> tuple[Network, Array]:
        """The network over its data, and the start ``(P,)``."""
        net = Network(make_data(self.data), self.net)
        return net, init_weights(net.layout, self.init)

    def describe(self) -> str:
        return f"{self.data.describe()}; {self.net.describe()}; init {self.init.describe()}"


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"invalid {name}: {value!r} (must be true or false)")
    return bool(value)


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"invalid {name}: {value!r} is not a name")
    return value
