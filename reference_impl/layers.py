"""Layers in the course notation ``H = f(X @ W + b)`` (CS231n-style forward/backward pairs).

Shapes: ``X`` is ``(n, fan_in)`` with one observation per row, ``W`` is ``(fan_in, fan_out)``,
``b`` is ``(fan_out,)`` and broadcast over the rows, ``Z = X @ W + b`` and ``H = f(Z)`` are
``(n, fan_out)``.

A layer object owns views of its parameters (``W``, ``b``) and of their gradients (``dW``,
``db``); inside a :class:`~reference_impl.network.Network` these views point into the network's
single flat parameter vector. New layer kinds (dropout, batch norm, ...) subclass ``Layer``.

Inside ``Network.loss_and_gradient`` (a training step) a layer's arrays ``Z``, ``H``, ``dZ``,
``dX`` come from its :class:`~reference_impl.workspace.Workspace` and are reused by the next
step (no new arrays); outside, ``forward`` and ``backward`` return new arrays, yours to keep.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_positive_int
from .activations import get_activation
from .parameters import BIAS, WEIGHT, ParamSpec
from .workspace import Workspace

__all__ = ["Layer", "Dense", "dense_forward", "dense_backward"]


def dense_forward(X, W, b):
    """Affine map ``Z = X @ W + b``.

    X: (n, fan_in); W: (fan_in, fan_out); b: (fan_out,). Returns Z: (n, fan_out).
    """
    X = as_float_array(X, "X", ndim=2)
    W = as_float_array(W, "W", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X has {X.shape[1]} columns but W expects fan_in = {W.shape[0]} "
                         f"(X shape {X.shape}, W shape {W.shape}: W must be (fan_in, fan_out))")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b must have shape (fan_out,) = ({W.shape[1]},), got {b.shape}")
    return X @ W + b


def dense_backward(dZ, X, W):
    """Gradients of ``Z = X @ W + b`` given dL/dZ.

    dZ: (n, fan_out); X: (n, fan_in); W: (fan_in, fan_out).
    Returns ``(dX, dW, db)`` with shapes (n, fan_in), (fan_in, fan_out), (fan_out,):
    ``dX = dZ @ W.T``, ``dW = X.T @ dZ``, ``db = dZ.sum(axis=0)`` (summed over the batch).
    """
    dZ = as_float_array(dZ, "dZ", ndim=2)
    X = as_float_array(X, "X", ndim=2)
    W = as_float_array(W, "W", ndim=2)
    if dZ.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"dZ must have shape (n, fan_out) = ({X.shape[0]}, {W.shape[1]}), "
                         f"got {dZ.shape}")
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


class Layer:
    """Base class: ``forward(X) -> out`` caches what ``backward(dout) -> dX`` needs.

    ``param_specs()`` declares the parameters; ``bind`` gives the layer views of its
    parameters and gradients (attributes ``<name>`` and ``d<name>``). ``backward`` writes the
    parameter gradients into those views (overwriting, not accumulating).

    ``workspace`` is set by the network during a training step (``None`` otherwise); a layer
    that takes its arrays from :meth:`buffer` then reuses them from step to step.
    """

    workspace: Workspace | None = None

    def param_specs(self) -> list[ParamSpec]:
        return []

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for spec in self.param_specs():
            p, g = params[spec.name], grads[spec.name]
            if p.shape != spec.shape or g.shape != spec.shape:
                raise ValueError(f"{type(self).__name__}.{spec.name} needs shape {spec.shape}, "
                                 f"got {p.shape} and gradient {g.shape}")
            setattr(self, spec.name, p)
            setattr(self, "d" + spec.name, g)

    def forward(self, X, training: bool = False):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def backward_params(self, dout) -> None:
        """``backward`` when nobody needs dL/dX (the first layer of a network): fills the
        parameter gradients only. By default it calls ``backward``; a layer may skip dX."""
        self.backward(dout)

    def buffer(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """An uninitialised array for this pass: reused from the previous step when the layer
        has a ``workspace`` (inside a training step), a new one otherwise."""
        if self.workspace is None:
            return np.empty(shape, dtype)
        return self.workspace.get(name, shape, dtype)


class Dense(Layer):
    """Fully connected layer ``H = f(X @ W + b)`` (полносвязный слой).

    Parameters are initialised uniformly in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` from
    ``rng`` (or ``np.random.default_rng(seed)``); module 6 discusses better schemes.
    """

    def __init__(self, fan_in: int, fan_out: int, activation="identity", *,
                 seed: int | None = 0, rng: np.random.Generator | None = None,
                 dtype=np.float64):
        self.fan_in = check_positive_int(fan_in, "fan_in")
        self.fan_out = check_positive_int(fan_out, "fan_out")
        self.activation = get_activation(activation)
        rng = rng if rng is not None else np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(self.fan_in)
        W = rng.uniform(-bound, bound, size=(self.fan_in, self.fan_out)).astype(dtype)
        self.bind({"W": W, "b": np.zeros(self.fan_out, dtype)},
                  {"W": np.zeros_like(W), "b": np.zeros(self.fan_out, dtype)})
        self.cache = None

    def param_specs(self) -> list[ParamSpec]:
        return [ParamSpec("W", (self.fan_in, self.fan_out), WEIGHT),
                ParamSpec("b", (self.fan_out,), BIAS)]

    def forward(self, X, training: bool = False):
        """X: (n, fan_in) -> H: (n, fan_out). Caches ``(X, Z)``.

        X is converted to the layer's dtype: a float32 layer computes in float32.
        """
        X = self._as_layer_array(X, "X")
        if X.shape[1] != self.fan_in:
            raise ValueError(f"X must have shape (n, {self.fan_in}), got {X.shape}")
        Z = self.buffer("Z", (X.shape[0], self.fan_out), self.W.dtype)
        np.matmul(X, self.W, out=Z)            # Z = X W + b
        Z += self.b
        H = self.buffer("H", Z.shape, Z.dtype)
        self.activation.forward_into(Z, H)     # H = f(Z)
        self.cache = (X, Z)
        return H

    def backward(self, dH):
        """dH: (n, fan_out) -> dX: (n, fan_in); fills ``dW`` and ``db``."""
        dZ = self._backward_params(dH)
        dX = self.buffer("dX", (dZ.shape[0], self.fan_in), dZ.dtype)
        return np.matmul(dZ, self.W.T, out=dX)  # dX = dZ W^T

    def backward_params(self, dH) -> None:
        """Fills ``dW`` and ``db`` without computing dX (the network's first layer)."""
        self._backward_params(dH)

    def _backward_params(self, dH) -> np.ndarray:
        if self.cache is None:
            raise RuntimeError("Dense.backward called before forward")
        X, Z = self.cache
        dH = self._as_layer_array(dH, "dH")
        if dH.shape != Z.shape:
            raise ValueError(f"dH must have shape {Z.shape} (the layer's output), got {dH.shape}")
        dZ = self.buffer("dZ", Z.shape, Z.dtype)
        self.activation.backward_into(dH, Z, dZ)  # dZ = dH * f'(Z)
        np.matmul(X.T, dZ, out=self.dW)           # dW = X^T dZ
        np.sum(dZ, axis=0, out=self.db)           # db = sum of dZ over the batch
        return dZ

    def _as_layer_array(self, A, name: str) -> np.ndarray:
        """``A`` as a 2-D array of the layer's dtype. Finite values are checked outside a
        training step only: inside one the network has checked its input X, and every later
        array was computed from it."""
        return as_float_array(A, name, ndim=2, dtype=self.W.dtype, finite=self.workspace is None)

    def __repr__(self) -> str:
        return f"Dense({self.fan_in}, {self.fan_out}, activation={self.activation.name!r})"
