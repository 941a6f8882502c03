"""Where each weight of a fully connected network lives in its flat parameter vector.

The network ``sizes = (d0, h1, ..., hL, 1)`` has ``L + 1`` layers. Layer ``i`` (1-based) has
a weight matrix ``W_i`` of shape ``(fan_in, fan_out) = (sizes[i-1], sizes[i])`` and a bias
``b_i`` of shape ``(fan_out,)``, and computes ``h_i = act(h_(i-1) @ W_i + b_i)`` (the last
layer is linear: ``z = h_L @ W_(L+1) + b_(L+1)``). The flat vector holds, in this order,
``W1, b1, W2, b2, ...``, each matrix row-major: ``W_i[j, k]`` (from unit ``j`` of layer
``i-1`` to unit ``k`` of layer ``i``) sits at ``offset(W_i) + j*fan_out + k``. Column ``k`` of
``W_i`` is the incoming weights of hidden unit ``k``; row ``k`` of ``W_(i+1)`` its outgoing
weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine.validate import check_int

Array = np.ndarray

MAX_WIDTH = 1024
MAX_HIDDEN_LAYERS = 16


@dataclass(frozen=True)
class Layout:
    """The parameter layout of a network with layer sizes ``(d0, h1, ..., hL, 1)``."""

    sizes: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.sizes) < 2:
            raise ValueError(f"a network needs an input and an output size, got {self.sizes}")
        if len(self.sizes) - 2 > MAX_HIDDEN_LAYERS:
            raise ValueError(f"invalid hidden layers: {len(self.sizes) - 2} (at most {MAX_HIDDEN_LAYERS})")
        for i, s in enumerate(self.sizes):
            check_int("layer width" if 0 < i < len(self.sizes) - 1 else "input/output size", s, 1, MAX_WIDTH)
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))

    @property
    def n_layers(self) -> int:
        """Number of weight layers, ``L + 1`` (hidden layers and the output layer)."""
        return len(self.sizes) - 1

    @property
    def hidden(self) -> tuple[int, ...]:
        """The hidden widths ``(h1, ..., hL)``."""
        return self.sizes[1:-1]

    def shape(self, i: int) -> tuple[int, int]:
        """``(fan_in, fan_out)`` of layer ``i`` (0-based here: layer ``i`` is ``W_(i+1)``)."""
        return self.sizes[i], self.sizes[i + 1]

    @cached_property
    def offsets(self) -> tuple[tuple[int, int], ...]:
        """Start of ``W`` and of ``b`` in the flat vector, per layer (0-based)."""
        out, k = [], 0
        for i in range(self.n_layers):
            fi, fo = self.shape(i)
            out.append((k, k + fi * fo))
            k += fi * fo + fo
        return tuple(out)

    @cached_property
    def size(self) -> int:
        """``P``, the number of parameters."""
        return self.offsets[-1][1] + self.sizes[-1]

    def w_slice(self, i: int) -> slice:
        fi, fo = self.shape(i)
        return slice(self.offsets[i][0], self.offsets[i][0] + fi * fo)

    def b_slice(self, i: int) -> slice:
        return slice(self.offsets[i][1], self.offsets[i][1] + self.sizes[i + 1])

    def layer_slice(self, i: int) -> slice:
        """``W`` and ``b`` of layer ``i`` together (they are adjacent)."""
        return slice(self.w_slice(i).start, self.b_slice(i).stop)

    def names(self) -> list[str]:
        """``["W1", "b1", "W2", ...]``: the arrays in storage order, 1-based as in the notes."""
        return [f"{k}{i + 1}" for i in range(self.n_layers) for k in ("W", "b")]

    def unflatten(self, w: Array) -> list[tuple[Array, Array]]:
        """``[(W_1, b_1), ...]`` of ``w (..., P)``: ``W (..., fan_in, fan_out)``, ``b (..., fan_out)``
        (views where the memory layout allows)."""
        w = np.asarray(w)
        self.check(w)
        lead = w.shape[:-1]
        return [
            (w[..., self.w_slice(i)].reshape(lead + self.shape(i)), w[..., self.b_slice(i)])
            for i in range(self.n_layers)
        ]

    def arrays(self, w: Array) -> dict[str, Array]:
        """``{"W1": ..., "b1": ..., ...}``: copies of the arrays of one vector ``w (P,)``."""
        out = {}
        for i, (W, b) in enumerate(self.unflatten(w)):
            out[f"W{i + 1}"], out[f"b{i + 1}"] = np.array(W), np.array(b)
        return out

    def flatten(self, layers: list[tuple[Array, Array]]) -> Array:
        """The flat vector ``(..., P)`` of ``[(W_1, b_1), ...]`` (inverse of :meth:`unflatten`)."""
        if len(layers) != self.n_layers:
            raise ValueError(f"expected {self.n_layers} layers, got {len(layers)}")
        parts = []
        lead = np.broadcast_shapes(*(np.shape(W)[:-2] for W, _ in layers))
        for i, (W, b) in enumerate(layers):
            W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
            if W.shape[-2:] != self.shape(i) or b.shape[-1:] != (self.sizes[i + 1],):
                raise ValueError(
                    f"layer {i + 1}: W must be (..., {self.shape(i)[0]}, {self.shape(i)[1]}) and b (..., "
                    f"{self.sizes[i + 1]}), got {W.shape} and {b.shape}"
                )
            parts.append(np.broadcast_to(W, lead + W.shape[-2:]).reshape((*lead, -1)))
            parts.append(np.broadcast_to(b, lead + b.shape[-1:]))
        return np.concatenate(parts, axis=-1)

    def check(self, w: Array) -> None:
        if np.shape(w)[-1:] != (self.size,):
            raise ValueError(f"weights must have shape (..., {self.size}) for {self.describe()}, got {np.shape(w)}")

    def describe(self) -> str:
        """``"2-16-16-1"``."""
        return "-".join(str(s) for s in self.sizes)
