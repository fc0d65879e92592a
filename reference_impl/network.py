"""A multi-layer network: a list of layers whose parameters live in one flat vector.

``net.params`` is ``vec`` of the network (seed 000's order: every weight matrix, then every
bias) and each layer's ``W`` and ``b`` are views into it; ``net.grads`` is laid out the same
way. An optimizer or a gradient check therefore works on a single array.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ._validation import as_float_array
from .layers import Dense, Layer
from .parameters import FlatLayout

__all__ = ["Network", "ForwardPass"]


@dataclass
class ForwardPass:
    """Every intermediate result of one forward pass.

    ``activations[0]`` is the input ``X`` and ``activations[k]`` the output ``H_k`` of layer
    ``k`` (1-based, so ``activations[-1]`` is the network's output); ``pre_activations[k-1]``
    is ``Z_k = H_{k-1} @ W_k + b_k`` for a dense layer and ``None`` for other layers.
    """
    activations: list[np.ndarray] = field(default_factory=list)
    pre_activations: list[np.ndarray | None] = field(default_factory=list)

    @property
    def output(self) -> np.ndarray:
        return self.activations[-1]


class Network:
    """Layers applied in order; ``forward`` then ``backward`` fill ``grads``.

    >>> net = Network.from_sizes([2, 3, 1], ["tanh", "sigmoid"], seed=0)
    >>> net.params.shape   # 2*3 + 3*1 weights, then 3 + 1 biases
    (13,)
    """

    def __init__(self, layers: Sequence[Layer], dtype=np.float64):
        if not layers:
            raise ValueError("a Network needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer, got {type(layer).__name__}")
        self.layers = list(layers)
        self.dtype = np.dtype(dtype)
        entries = [(i, spec) for i, layer in enumerate(self.layers) for spec in layer.param_specs()]
        self.layout = FlatLayout(entries)
        self.params = np.zeros(self.layout.size, dtype=self.dtype)
        self.grads = np.zeros(self.layout.size, dtype=self.dtype)
        for i, layer in enumerate(self.layers):
            specs = layer.param_specs()
            p = {s.name: self.layout.view(self.params, i, s.name) for s in specs}
            g = {s.name: self.layout.view(self.grads, i, s.name) for s in specs}
            for s in specs:  # keep the values the layer was created with
                p[s.name][...] = getattr(layer, s.name)
            layer.bind(p, g)
        self.last_pass: ForwardPass | None = None

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_sizes(cls, sizes: Sequence[int], activations: Sequence, *, seed: int = 0,
                   dtype=np.float64) -> "Network":
        """Dense layers ``sizes[0] -> sizes[1] -> ...`` with one activation per layer."""
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output size, got {list(sizes)}")
        if len(activations) != len(sizes) - 1:
            raise ValueError(f"{len(sizes) - 1} layers need {len(sizes) - 1} activations, "
                             f"got {len(activations)}")
        rng = np.random.default_rng(seed)
        layers = [Dense(a, b, f, rng=rng, dtype=dtype)
                  for a, b, f in zip(sizes[:-1], sizes[1:], activations)]
        return cls(layers, dtype=dtype)

    @classmethod
    def from_weights(cls, weights: Sequence, biases: Sequence | None, activations: Sequence,
                     dtype=np.float64) -> "Network":
        """Dense layers with the given ``W_j`` (fan_in, fan_out) and ``b_j`` (fan_out,).

        ``biases=None`` means zero biases (seed 000's example has none).
        """
        if len(activations) != len(weights):
            raise ValueError(f"{len(weights)} weight matrices need {len(weights)} activations, "
                             f"got {len(activations)}")
        if biases is not None and len(biases) != len(weights):
            raise ValueError(f"got {len(weights)} weight matrices but {len(biases)} biases")
        layers = []
        for j, (W, f) in enumerate(zip(weights, activations)):
            W = as_float_array(W, f"weights[{j}]", ndim=2)
            layer = Dense(W.shape[0], W.shape[1], f, dtype=dtype)
            layer.W[...] = W
            if biases is None:
                layer.b[...] = 0.0
            else:
                b = as_float_array(biases[j], f"biases[{j}]", ndim=1)
                if b.shape != (W.shape[1],):
                    raise ValueError(f"biases[{j}] must have shape ({W.shape[1]},), got {b.shape}")
                layer.b[...] = b
            if j and layers[-1].fan_out != layer.fan_in:
                raise ValueError(f"weights[{j}] has fan_in {layer.fan_in} but the previous layer "
                                 f"has fan_out {layers[-1].fan_out}")
            layers.append(layer)
        return cls(layers, dtype=dtype)

    # --- passes --------------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        return self.layout.size

    def forward(self, X, training: bool = False) -> np.ndarray:
        """X: (n, d_in) -> output (n, d_out); every intermediate kept in ``last_pass``."""
        X = as_float_array(X, "X", ndim=2)
        record = ForwardPass(activations=[X])
        H = X
        for layer in self.layers:
            H = layer.forward(H, training=training)
            cache = getattr(layer, "cache", None)
            record.pre_activations.append(cache[1] if isinstance(layer, Dense) else None)
            record.activations.append(H)
        self.last_pass = record
        return H

    def forward_all(self, X, training: bool = False) -> ForwardPass:
        """Forward pass returning every intermediate result (see :class:`ForwardPass`)."""
        self.forward(X, training=training)
        return self.last_pass

    def backward(self, d_output) -> np.ndarray:
        """Back-propagate dL/d(output) (n, d_out); fills ``grads`` and returns dL/dX."""
        if self.last_pass is None:
            raise RuntimeError("Network.backward called before forward")
        d = as_float_array(d_output, "d_output", ndim=2)
        if d.shape != self.last_pass.output.shape:
            raise ValueError(f"d_output must have the output's shape {self.last_pass.output.shape}, "
                             f"got {d.shape}")
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def loss_and_gradient(self, X, y, loss_fn) -> tuple[float, np.ndarray]:
        """Forward, loss, backward. ``loss_fn(output, y) -> (loss, dloss/doutput)``.

        Returns the loss and ``self.grads`` (the flat gradient, in ``vec`` order).
        """
        out = self.forward(X, training=True)
        loss, d_out = loss_fn(out, y)
        self.backward(d_out)
        return float(loss), self.grads

    def __call__(self, X) -> np.ndarray:
        return self.forward(X)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{inner}], n_params={self.n_params})"
