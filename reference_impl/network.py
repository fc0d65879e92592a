"""A multi-layer network: a list of layers whose parameters live in one flat vector.

``net.params`` is ``vec`` of the network (seed 000's order: every weight matrix, then every
bias) and each layer's ``W`` and ``b`` are views into it; ``net.grads`` is laid out the same
way. An optimizer or a gradient check therefore works on a single array.

``loss_and_gradient`` is one training step's gradient and the fast path of the course: each
layer writes its intermediate arrays into a :class:`~reference_impl.workspace.Workspace`
reused from the previous step, the loss writes its gradient into a reused array too (if it
takes a keyword-only ``out=``, as ``softmax_cross_entropy`` does), the gradients land in
``grads`` in place, and the first layer's dL/dX, which nobody needs, is not computed. In the
steady state a step allocates no new arrays. ``forward`` and ``backward`` called directly
return new arrays, as before.
"""
from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ._validation import as_float_array
from .layers import Dense, Layer
from .parameters import FlatLayout
from .workspace import Workspace

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
        # scratch arrays of the training step: one workspace per layer, one for the loss
        self.workspaces = [Workspace() for _ in self.layers]
        self.loss_workspace = Workspace()

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
        """X: (n, d_in) -> output (n, d_out); every intermediate kept in ``last_pass``.

        X is converted to the network's dtype (no upcast of a float32 network).
        """
        return self._forward(self._as_network_array(X, "X"), training)

    def _forward(self, X, training: bool) -> np.ndarray:
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
        d = self._checked_output_gradient(self._as_network_array(d_output, "d_output"))
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def _checked_output_gradient(self, d: np.ndarray) -> np.ndarray:
        if self.last_pass is None:
            raise RuntimeError("Network.backward called before forward")
        if d.shape != self.last_pass.output.shape:
            raise ValueError(f"d_output must have the output's shape {self.last_pass.output.shape}, "
                             f"got {d.shape}")
        return d

    def loss_and_gradient(self, X, y, loss_fn, *, check_finite: bool = True
                          ) -> tuple[float, np.ndarray]:
        """Forward, loss, backward. ``loss_fn(output, y) -> (loss, dloss/doutput)``.

        Returns the loss and ``self.grads`` (the flat gradient, in ``vec`` order). This is the
        training step (module docstring): its intermediate arrays, which ``last_pass`` and the
        layers' caches point to, are reused by the next call. ``check_finite=False`` skips the
        NaN/inf check of X (two passes over the batch): ``fit`` passes it, because its batches
        are rows of an X it checked once, whole.
        """
        X = self._as_network_array(X, "X", finite=check_finite)
        with self._reusing_workspaces():
            out = self._forward(X, training=True)
            loss, d = self._loss(loss_fn, out, y)
            for layer in reversed(self.layers[1:]):
                d = layer.backward(d)
            self.layers[0].backward_params(d)  # dL/dX of the input is not needed
        return float(loss), self.grads

    def _loss(self, loss_fn, out, y):
        """``loss_fn(out, y)``; the gradient goes into a reused array if loss_fn takes ``out=``."""
        if _takes_out(loss_fn):
            d_out = self.loss_workspace.get("d_output", out.shape, out.dtype)
            loss, d = loss_fn(out, y, out=d_out)
            if d is d_out:
                return loss, d
        else:
            loss, d = loss_fn(out, y)
        return loss, self._checked_output_gradient(self._as_network_array(d, "d_output"))

    @contextmanager
    def _reusing_workspaces(self):
        """Hand every layer its workspace for the duration of one training step."""
        for layer, workspace in zip(self.layers, self.workspaces):
            layer.workspace = workspace
        try:
            yield
        finally:
            for layer in self.layers:
                layer.workspace = None

    def _as_network_array(self, A, name: str, finite: bool = True) -> np.ndarray:
        return as_float_array(A, name, ndim=2, dtype=self.dtype, finite=finite)

    def __call__(self, X) -> np.ndarray:
        return self.forward(X)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{inner}], n_params={self.n_params})"


def _takes_out(loss_fn: Callable) -> bool:
    """Whether ``loss_fn`` has a keyword-only ``out``, an array to write its gradient into."""
    try:
        return _signature_has_out(loss_fn)
    except TypeError:  # an unhashable callable: look at its signature every time
        return _signature_has_out.__wrapped__(loss_fn)


@functools.lru_cache(maxsize=128)
def _signature_has_out(loss_fn: Callable) -> bool:
    try:
        parameter = inspect.signature(loss_fn).parameters.get("out")
        return parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY
    except (TypeError, ValueError):  # builtins and other callables without a signature
        return False
