"""A fully connected network for two classes, as a landscape over its flat weight vector.

The network
-----------
Layer sizes ``(d0, h1, ..., hL, 1)`` with the layout of :mod:`engine.network.layout`:
``h_0 = x``, ``h_i = act(h_(i-1) @ W_i + b_i)`` for the hidden layers, ``z = h_L @ W_(L+1) +
b_(L+1)`` (linear), ``p = logistic(z)`` the probability of class 1. The loss is the mean over
the training examples of ``xent`` or ``mse`` (:mod:`engine.network.losses`). A point of the
landscape is the flat vector ``w`` of all ``P`` weights, so ``dim = P`` and every optimizer,
:func:`engine.simulation.simulate` included, runs on it unchanged.

Batch normalisation (``batchnorm=True``)
----------------------------------------
After each hidden layer's product ``a = h_(i-1) @ W_i`` (shape ``(n, h_i)``, one row per
example), each unit is standardised over the examples, then shifted by the bias:
``a^ = (a - mean(a)) / sqrt(var(a) + eps)``, ``z_i = a^ + b_i``, ``h_i = act(z_i)``
(Ioffe and Szegedy 2015, Algorithm 1, with the scale gamma fixed at 1 and the bias ``b_i``
as the shift beta; ``var`` with ``ddof = 0``; ``eps = 1e-5``, PyTorch's default). Which
examples give ``mean`` and ``var``:

* the training loss and its gradient: all training examples (full-batch statistics);
* a mini-batch gradient (``batch_grad``): the mini-batch's own statistics, as in training
  with batch norm everywhere;
* evaluation (``validation_loss``, ``predict``, accuracies): the statistics of the full
  training set at the same weights (not running averages), so every reported number is a
  deterministic function of the weights.

The gradient through the normalisation is the usual one (Ioffe and Szegedy 2015, section 3):
with ``g = dL/dz_i``, ``dL/da = (g - mean(g) - a^ mean(g a^)) / sqrt(var + eps)``.

Backward pass and exact curvature
---------------------------------
The gradient is back-propagation written out in numpy for a batch of ``M`` weight vectors at
once (``M`` racers in one call). Examples are columns: a layer's activations have shape
``(M, width + 1, n)``, the last row all ones, so that with the augmented weights
``Wa_i = [W_i; b_i]`` (``(fan_in + 1, fan_out)``, exactly the layer's slice of the flat
vector) one batched ``matmul`` applies weights and bias, ``z_i = Wa_i^T h_(i-1)``, and one
gives both gradients, ``dL/dWa_i = h_(i-1) (dL/dz_i)^T``.

Hessian-vector products run the *same* forward and backward code on dual numbers
(:mod:`engine.network.dual`): ``H v`` is the exact directional derivative of the gradient,
with rounding error only (no finite-difference step; the tests find agreement with
Richardson-extrapolated differences of the gradient to 1e-7 and ``u.Hv = v.Hu`` to 1e-12).
One product costs about four gradients. ``hessian`` assembles ``H`` from ``P`` products
computed together (one value, many tangents per pass).

Speed and safety
----------------
With examples along the last, contiguous axis, the broadcasts of the backward pass run over
whole rows (a bias column, the output weights times a row of errors) at full speed;
activations write into the pass's own temporaries. Large batches (the simulation's judging
of a block, metrics over a whole run) are split into chunks whose temporaries stay in cache,
shared by two threads (:mod:`engine.network.threads`). The class sets ``costly``, so the
simulation keeps the loss its step computes instead of evaluating each point again. Every
function is overflow-safe: ``logistic`` and ``softplus`` are computed from ``exp(-|z|)``, so
weights of 1e3 give exact saturations, never warnings. Weights so large that a product
overflows (where a diverging run ends, alpha 1e308) give inf or NaN, which the callers judge
(the simulation calls the run diverged, the metrics show NaN); numpy's overflow and
invalid-value warnings are off for the pass (:func:`_quiet`), in every thread it runs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine._blas import single_threaded_blas
from engine._malloc import tune_malloc
from engine.cancel import check
from engine.landscapes import CriticalPoint, Landscape
from engine.network.activations import ACTIVATIONS, Activation, logistic
from engine.network.data import DataSplit
from engine.network.dual import Dual, concat, reshape_tail, sqrt, value
from engine.network.layout import Layout
from engine.network.losses import LOSSES, Loss
from engine.network.threads import WORKERS, map_chunks

Array = np.ndarray
Num = Array | Dual

BN_EPS = 1e-5

# Entries of the widest (rows x examples x units) temporary per chunk of a large batch:
# 2^17 float64 = 1 MB keeps a pass's temporaries in the L2 caches of this kind of machine.
_CHUNK = 1 << 17
# Tangent directions per chunk when assembling a Hessian (bounds its memory the same way).
_HESSIAN_CHUNK = 1 << 20
_LARGE_PASS = 1 << 24  # (see _large)


@dataclass(frozen=True)
class NetSpec:
    """The network's shape and units: hidden widths, activation, loss, batch norm."""

    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    loss: str = "xent"
    batchnorm: bool = False

    def __post_init__(self) -> None:
        hidden = self.hidden
        if isinstance(hidden, int | np.integer):
            hidden = (hidden,)
        if isinstance(hidden, str | bytes):
            raise ValueError(f"invalid hidden widths: {hidden!r} (a list of whole numbers, e.g. (16, 16))")
        try:
            hidden = tuple(hidden)
        except TypeError:
            raise ValueError(f"invalid hidden widths: {self.hidden!r} (a list of whole numbers)") from None
        object.__setattr__(self, "hidden", hidden)
        Layout((2, *hidden, 1))  # checks each width and the depth
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r} (choose from {', '.join(ACTIVATIONS)})")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r} (choose from {', '.join(LOSSES)})")
        if not isinstance(self.batchnorm, bool | np.bool_):
            raise ValueError(f"invalid batchnorm: {self.batchnorm!r} (must be True or False)")
        object.__setattr__(self, "batchnorm", bool(self.batchnorm))
        object.__setattr__(self, "hidden", tuple(int(h) for h in hidden))

    def describe(self) -> str:
        shape = "-".join(str(h) for h in self.hidden) or "no hidden layer"
        bn = ", batch norm" if self.batchnorm else ""
        return f"{shape} {self.activation}, {self.loss}{bn}"


def parse_hidden(text: str) -> tuple[int, ...]:
    """Hidden widths from text such as ``"16,16"`` (``""`` or ``"none"``: no hidden layer),
    checked like :class:`NetSpec`'s field."""
    t = text.strip().lower()
    if t in ("", "none"):
        return ()
    try:
        widths = tuple(int(part) for part in t.split(","))
    except ValueError:
        raise ValueError(f"invalid hidden widths: {text!r} (comma-separated whole numbers, e.g. 16,16)") from None
    return NetSpec(hidden=widths).hidden


class Network(Landscape):
    """The mean training loss of a fully connected network as a function of its ``P`` weights.

    ``Network(data, hidden=(16, 16), activation="tanh", loss="xent", batchnorm=False)``; points
    are flat weight vectors ``(..., P)`` laid out as :class:`~engine.network.layout.Layout`
    says. Besides the landscape interface (``loss``, ``grad``, ``loss_grad``, ``hessian``) it
    has the data model interface the simulation uses for mini-batches (``n_train``,
    ``batch_grad``) and ``validation_loss``, plus ``hvp``, ``evaluate`` (loss and accuracy),
    ``forward`` (the output ``z`` for any inputs) and ``predict`` (``p``).
    """

    name = "network"
    description = "a fully connected network for two classes, trained on all its weights"
    # a gradient costs a pass over the data: the simulation keeps the loss its step computes
    costly = True
    # threads sharing the chunks of a large batch (engine.network.threads); 1 keeps a caller's
    # computation in its own thread
    workers: int = WORKERS
    formula = "mean over examples of loss(h_L @ W + b, y), h_i = act(h_(i-1) @ W_i + b_i)"

    def __init__(self, data: DataSplit, spec: NetSpec | None = None, **options: object) -> None:
        if spec is not None and options:
            raise ValueError("give either a NetSpec or its fields, not both")
        self.spec = spec if spec is not None else NetSpec(**options)
        if not isinstance(data, DataSplit):
            raise ValueError(f"data must be a DataSplit (engine.network.data.make_data), got {type(data).__name__}")
        self.data = data
        lay = self.layout = Layout((data.n_inputs, *self.spec.hidden, 1))
        self.dim = lay.size
        self._act = ACTIVATIONS[self.spec.activation]
        self._loss = LOSSES[self.spec.loss]
        self._bn = self.spec.batchnorm
        self._width = max(lay.sizes[1:])
        # Examples are columns: inputs with a row of ones appended, so that each layer's bias is
        # the last row of its augmented weight matrix and one product applies both.
        self._xa, self._y = _augment(data.x_train), data.y_train[None, :]
        self._xva, self._yv = _augment(data.x_val), data.y_val[None, :]
        super().__init__()
        tune_malloc()  # the pass's temporaries are 100 KB - 1 MB: see engine/_malloc.py
        single_threaded_blas()  # the engine's own two threads are enough: see engine/_blas.py

    # -- the landscape interface -----------------------------------------------------------
    @cached_property
    def axis_labels(self) -> tuple[str, ...]:  # (made when asked: a million of them take a second)
        lay = self.layout
        return tuple(
            f"W{i + 1}[{j // lay.shape(i)[1]},{j % lay.shape(i)[1]}]" if j < lay.shape(i)[0] * lay.shape(i)[1]
            else f"b{i + 1}[{j - lay.shape(i)[0] * lay.shape(i)[1]}]"
            for i in range(lay.n_layers)
            for j in range((lay.shape(i)[0] + 1) * lay.shape(i)[1])
        )

    def label(self) -> str:
        return f"network {self.layout.describe()} {self.spec.describe().split(' ', 1)[1]}"

    def __repr__(self) -> str:
        return f"<Network {self.layout.describe()} {self.spec.describe()}; {self.data.spec.describe()}>"

    def loss(self, w: Array) -> Array:
        """Mean training loss (full batch): ``(..., P) -> (...)``."""
        return self._map(w, lambda m: (self._mean_loss(self._outputs(m, self._xa), self._y),))[0]

    def grad(self, w: Array) -> Array:
        """Gradient of the mean training loss: ``(..., P) -> (..., P)``."""
        return self._map(w, lambda m: (self._pass(m, self._xa, self._y, want_loss=False)[1],))[0]

    def loss_grad(self, w: Array) -> tuple[Array, Array]:
        loss, g = self._map(w, lambda m: self._pass(m, self._xa, self._y))
        return loss, g

    def hessian(self, w: Array) -> Array:
        """The exact Hessian ``(..., P, P)``: ``P`` Hessian-vector products, one per unit
        vector, on dual numbers whose value is shared by many tangents (every point and a
        chunk of directions in one pass); symmetric to rounding, and symmetrised."""
        w = self._check(w)
        lead, p = w.shape[:-1], self.dim
        flat = w.reshape(-1, p)
        m = flat.shape[0]
        out = np.empty((m, p, p))
        eye = np.eye(p)
        pairs = max(1, _HESSIAN_CHUNK // (self.n_train * self._width))  # (point, direction) pairs per pass
        r = min(m, pairs)
        k = max(1, pairs // r)
        with _errstate():
            for i in range(0, m, r):
                rows = flat[i : i + r, None, :]  # (r, 1, P): one value per point, k tangents
                for j in range(0, p, k):
                    check()  # a pass takes tens of milliseconds; a large Hessian, seconds
                    g = self._pass(Dual(rows, eye[None, j : j + k]), self._xa, self._y, want_loss=False)[1]
                    out[i : i + r, j : j + k] = g.t  # H e_j for each point
        for h in out:  # in place, a point at a time: no second (m, P, P) array
            h += h.T
            h *= 0.5
        return out.reshape((*lead, p, p))

    def hvp(self, w: Array, v: Array) -> Array:
        """Exact Hessian-vector products ``H(w) v``: ``w, v (..., P) -> (..., P)``
        (forward-mode differentiation of the gradient, :mod:`engine.network.dual`)."""
        w = self._check(w)
        v = np.broadcast_to(np.asarray(v, dtype=np.float64), w.shape)
        lead = w.shape[:-1]
        fw, fv = w.reshape(-1, self.dim), v.reshape(-1, self.dim)
        rows = self._rows_per_chunk(self.data.n_train, factor=3)
        out = np.empty(fw.shape)
        with _errstate():
            for i in range(0, fw.shape[0], rows):
                g = self._pass(Dual(fw[i : i + rows], fv[i : i + rows]), self._xa, self._y, want_loss=False)[1]
                out[i : i + rows] = g.t
        return out.reshape((*lead, self.dim))

    def _critical_points(self) -> list[CriticalPoint]:
        return []  # not known in closed form for a network

    def critical_kinds(self, theta: Array) -> Array:
        """Classified as the window's Curvature tab classifies them: at the critical point each
        stopped near (:func:`engine.network.curvature.critical_points`), ``"far"`` if none."""
        from engine.network.curvature import critical_points

        return critical_points(self, theta).judged

    @property
    def view(self) -> tuple[tuple[float, float], ...]:
        return ((-1.0, 1.0),) * self.dim

    @property
    def default_start(self) -> tuple[float, ...]:
        """A Glorot start from seed 0 (:mod:`engine.network.inits`)."""
        from engine.network.inits import InitSpec, init_weights

        return tuple(float(c) for c in init_weights(self.layout, InitSpec("glorot")))

    # -- data-model interface (mini-batches, validation) -----------------------------------
    @property
    def n_train(self) -> int:
        """Number of training examples (mini-batch indices run over ``range(n_train)``)."""
        return self.data.n_train

    def batch_grad(self, w: Array, idx: Array) -> Array:
        """Gradient of the mean loss over the training examples ``idx`` (a mini-batch; batch
        norm then uses the mini-batch's statistics): ``(..., P) -> (..., P)``."""
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError("a mini-batch needs a non-empty 1-D array of integer training indices")
        if idx.min() < 0 or idx.max() >= self.n_train:
            raise ValueError(f"mini-batch indices must be in [0, {self.n_train})")
        xa, y = np.ascontiguousarray(self._xa[:, idx]), np.ascontiguousarray(self._y[:, idx])
        return self._map(w, lambda m: (self._pass(m, xa, y, want_loss=False)[1],), n=idx.size)[0]

    def validation_loss(self, w: Array) -> Array:
        """Mean loss over the validation split: ``(..., P) -> (...)`` (batch norm: training
        statistics at the same weights)."""
        return self.evaluate(w, "val")[0]

    def evaluate(self, w: Array, split: str = "train") -> tuple[Array, Array]:
        """Mean loss and accuracy (the fraction with ``(z > 0) == (y == 1)``) over ``split``
        ("train" or "val") at each point: ``(..., P) -> ((...), (...))``."""
        if split not in ("train", "val"):
            raise ValueError(f"invalid split {split!r} (choose from train, val)")
        xa, y = (self._xa, self._y) if split == "train" else (self._xva, self._yv)

        def one(m: Array) -> tuple[Array, Array]:
            z = self._outputs(m, xa)
            return self._mean_loss(z, y), ((z[..., 0, :] > 0.0) == (y[0] > 0.5)).mean(axis=-1)

        return self._map(w, one, n=self._eval_columns(xa))

    def forward(self, w: Array, x: Array) -> Array:
        """The output ``z`` for inputs ``x (m, d0)`` at each point: ``(..., P) -> (..., m)``
        (batch norm: training statistics at the same weights)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.data.n_inputs:
            raise ValueError(f"inputs must have shape (m, {self.data.n_inputs}), got {x.shape}")
        xa = _augment(x)
        return self._map(w, lambda m: (self._outputs(m, xa)[..., 0, :],), n=self._eval_columns(xa))[0]

    def predict(self, w: Array, x: Array) -> Array:
        """``p = logistic(z)``, the probability of class 1, for inputs ``x (m, d0)``:
        ``(..., P) -> (..., m)``."""
        return logistic(self.forward(w, x))[0]

    # -- what other modules build on (slices) ----------------------------------------------
    @property
    def activation(self) -> Activation:
        """The hidden units' activation (:mod:`engine.network.activations`)."""
        return self._act

    @property
    def loss_function(self) -> Loss:
        """The per-example loss (:mod:`engine.network.losses`)."""
        return self._loss

    @property
    def train_columns(self) -> tuple[Array, Array]:
        """The training examples as the pass takes them: inputs as columns with a row of ones
        appended, ``(d0 + 1, n)``, and targets ``(1, n)``."""
        return self._xa, self._y

    # -- the pass --------------------------------------------------------------------------
    def _check(self, w: Array) -> Array:
        w = np.asarray(w, dtype=np.float64)
        self.layout.check(w)
        return w

    def _rows_per_chunk(self, n: int, factor: int = 1) -> int:
        return max(1, _CHUNK // (factor * max(n, 1) * self._width))

    def _eval_columns(self, xa: Array) -> int:
        return xa.shape[1] + (self.n_train if self._bn else 0)

    def _map(self, w: Array, fn, n: int | None = None) -> tuple[Array, ...]:
        """Apply ``fn`` (rows ``(M, P)`` -> arrays with leading ``M``) to ``w (..., P)`` in
        chunks of rows whose temporaries stay in cache, and restore the leading shape."""
        w = self._check(w)
        fn = _quiet(fn)
        lead = w.shape[:-1]
        flat = w if w.ndim == 2 else w.reshape(-1, self.dim)
        m = flat.shape[0]
        rows = self._rows_per_chunk(self.n_train if n is None else n)
        if m <= rows:
            out = fn(flat)
        else:
            parts = map_chunks(fn, [flat[i : i + rows] for i in range(0, m, rows)], self.workers)
            out = tuple(np.concatenate(p) for p in zip(*parts, strict=True))
        return tuple(a.reshape(lead + a.shape[1:]) for a in out)

    def _layers(self, w: Num) -> list[tuple[Num, Num]]:
        """Per layer ``(Wa^T (..., fan_out, fan_in + 1), W (..., fan_in, fan_out))``: the
        transposed weights augmented by the bias column, and the weights alone."""
        lay = self.layout
        out = []
        for i in range(lay.n_layers):
            fi, fo = lay.shape(i)
            wa = reshape_tail(w[..., lay.layer_slice(i)], 1, (fi + 1, fo))  # rows W_i, then b_i
            wat = wa.mT if isinstance(wa, Dual) else np.ascontiguousarray(wa.mT)  # contiguous for BLAS
            out.append((wat, wa[..., :fi, :]))
        return out

    def _forward(self, layers: list[tuple[Num, Num]], xa: Array, stats: int | None) -> tuple[Num, list]:
        """The output ``z (..., 1, n)`` and what the backward pass needs, for the examples in
        the columns of ``xa (d0 + 1, n)``. ``stats``: batch norm takes its statistics from the
        first ``stats`` examples (None: all)."""
        h: Num = xa
        cache = []
        poll = _large(layers, xa)
        for wat, _ in layers[:-1]:
            if poll:
                check()
            norm = None
            if self._bn:
                a = wat[..., :, :-1] @ h[..., :-1, :]
                rows = a if stats is None else a[..., :stats]
                c = a - rows.mean(axis=-1, keepdims=True)
                cs = c if stats is None else c[..., :stats]
                s = sqrt((cs * cs).mean(axis=-1, keepdims=True) + BN_EPS)
                a_hat = c / s
                norm = (a_hat, s)
                a = a_hat + wat[..., :, -1:]
            else:
                a = wat @ h  # bias included: the last row of h is ones
            f, d = self._activate(a)
            cache.append((h, d, norm))
            h = f
        z = layers[-1][0] @ h
        cache.append((h, None, None))
        return z, cache

    def _activate(self, a: Num) -> tuple[Num, Num]:
        """``(f(a) with a row of ones appended, f'(a))``; overwrites ``a``."""
        if isinstance(a, Dual):
            f, d = self._act(a)
            ones = np.ones((*f.v.shape[:-2], 1, f.v.shape[-1]))
            return concat([f, ones], axis=-2), d
        buf = np.empty((*a.shape[:-2], a.shape[-2] + 1, a.shape[-1]))
        buf[..., -1, :] = 1.0
        _, d = self._act(a, buf[..., :-1, :])
        return buf, d

    def _mean_loss(self, z: Num, y: Array) -> Num:
        return self._loss.value(z, y).mean(axis=-1)[..., 0]

    def _outputs(self, w: Array, xa: Array) -> Array:
        """``z (M, 1, m)`` for the examples in the columns of ``xa``; batch norm uses the
        training set's statistics."""
        layers = self._layers(w)
        if not self._bn or xa is self._xa:
            return self._forward(layers, xa, None)[0]
        both = np.concatenate([self._xa, xa], axis=1)
        return self._forward(layers, both, self.n_train)[0][..., self.n_train :]

    def _pass(self, w: Num, xa: Array, y: Array, want_loss: bool = True) -> tuple[Num | None, Num]:
        """Forward and backward pass at ``w (..., P)`` (array or dual) over the examples in the
        columns of ``xa, y`` (batch norm: their own statistics): mean loss ``(...)`` (or None)
        and gradient ``(..., P)``."""
        layers = self._layers(w)
        z, cache = self._forward(layers, xa, None)
        loss = self._mean_loss(z, y) if want_loss else None
        g = self._loss.dz(z, y) * (1.0 / xa.shape[1])  # dL/dz per example, (..., 1, n)
        grads = []
        poll = _large(layers, xa)
        for i in range(len(layers) - 1, -1, -1):
            if poll:
                check()
            h_in, d, norm = cache[i]
            if d is not None:  # dL/dh_i -> dL/dz_i
                g = g * d if isinstance(g, Dual) else np.multiply(g, d, d)  # d is the pass's own
            if norm is None:
                gwa = h_in @ g.mT  # the ones row of h_in gives the bias gradient
            else:
                a_hat, s = norm
                gb = g.sum(axis=-1, keepdims=True)
                g = (g - g.mean(axis=-1, keepdims=True) - a_hat * (g * a_hat).mean(axis=-1, keepdims=True)) / s
                gwa = concat([h_in[..., :-1, :] @ g.mT, gb.mT], axis=-2)
            grads.append(gwa)
            if i > 0:  # dL/dh_(i-1): for the single output unit, an outer product
                W = layers[i][1]
                g = W * g if W.shape[-1] == 1 else W @ g
        grads.reverse()
        return loss, self._flatten(grads, value(w))

    def _flatten(self, grads: list[Num], w: Array) -> Num:
        """The flat gradient ``(..., P)`` from each layer's ``(..., fan_in + 1, fan_out)``; for
        arrays laid out like ``w`` (the simulation's points are column-major, and an optimizer
        step is cheapest when all its operands share a layout)."""
        if isinstance(grads[0], Dual):
            return concat([reshape_tail(g, 2, (g.shape[-2] * g.shape[-1],)) for g in grads], axis=-1)
        lay = self.layout
        out = np.empty((self.dim, w.shape[0])).T if (w.ndim == 2 and not w.flags.c_contiguous) else np.empty(w.shape)
        for i, g in enumerate(grads):
            out[..., lay.layer_slice(i)] = g.reshape((*g.shape[:-2], -1))
        return out


def _errstate() -> np.errstate:
    """What a pass overflowing at huge weights may raise: off (module docstring)."""
    return np.errstate(over="ignore", invalid="ignore")


def _quiet(fn):
    """``fn`` under :func:`_errstate`, in whichever thread runs it (numpy's error state is
    per thread: a worker of :func:`~engine.network.threads.map_chunks` does not inherit it)."""

    def run(*args):
        with _errstate():
            return fn(*args)

    return run


def _large(layers: list[tuple[Num, Num]], xa: Array) -> bool:
    """Is a pass of these weights over these examples long enough (some 16 million
    multiply-adds, milliseconds) to poll the thread's cancel hook at every layer? A network
    of a million weights takes a second a pass; a poll costs a microsecond."""
    return sum(value(wat).size for wat, _ in layers) * xa.shape[1] > _LARGE_PASS


def _augment(x: Array) -> Array:
    """Inputs ``x (n, d0)`` as columns with a row of ones appended: ``(d0 + 1, n)``."""
    out = np.ones((x.shape[1] + 1, x.shape[0]))
    out[:-1] = x.T
    return out
