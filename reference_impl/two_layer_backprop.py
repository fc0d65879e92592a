"""Forward and backward pass of a two-layer network, written out in closed form.

    Z1 = X @ W1 + b1      H1 = f1(Z1)        (hidden layer)
    Z2 = H1 @ W2 + b2     O  = f2(Z2)        (output layer)

Shapes: X (n, d), W1 (d, h), b1 (h,), Z1 and H1 (n, h), W2 (h, q), b2 (q,), Z2 and O (n, q).

Given dO = dL/dO (n, q) from a loss function, the chain rule gives, layer by layer from the
output back (seed 001's recurrence in matrix form; ``*`` is the element-wise product):

    dZ2 = dO * f2'(Z2)          dW2 = H1^T dZ2      db2 = sum of the rows of dZ2
    dH1 = dZ2 W2^T
    dZ1 = dH1 * f1'(Z1)         dW1 = X^T dZ1       db1 = sum of the rows of dZ1
    dX  = dZ1 W1^T

This is what ``Network.from_weights([W1, W2], [b1, b2], [f1, f2])`` computes with a loop over
layers; here every line is visible, which is the point of the module 3 exercise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array
from .activations import Activation, get_activation
from .layers import dense_forward

__all__ = ["TwoLayerCache", "TwoLayerGradients", "two_layer_forward", "two_layer_backward"]


@dataclass(frozen=True)
class TwoLayerCache:
    """Everything the backward pass needs from the forward pass (arrays as described above)."""
    X: np.ndarray
    W1: np.ndarray
    W2: np.ndarray
    Z1: np.ndarray
    H1: np.ndarray
    Z2: np.ndarray
    O: np.ndarray
    activation: Activation
    output_activation: Activation


@dataclass(frozen=True)
class TwoLayerGradients:
    """dL/d(parameter) with each parameter's shape, and dL/dX."""
    dW1: np.ndarray  # (d, h)
    db1: np.ndarray  # (h,)
    dW2: np.ndarray  # (h, q)
    db2: np.ndarray  # (q,)
    dX: np.ndarray   # (n, d)


def two_layer_forward(X, W1, b1, W2, b2, activation="tanh",
                      output_activation="identity") -> tuple[np.ndarray, TwoLayerCache]:
    """``O = f2(f1(X @ W1 + b1) @ W2 + b2)``; returns ``(O, cache)``.

    ``activation`` (f1) and ``output_activation`` (f2) are names from
    ``reference_impl.activations.ACTIVATIONS`` or ``Activation`` objects. For classification
    keep ``output_activation="identity"`` and feed the logits to a ``*_with_logits`` or
    softmax cross-entropy loss, which is numerically stable.
    """
    f1, f2 = get_activation(activation), get_activation(output_activation)
    Z1 = dense_forward(X, W1, b1)           # validates X, W1, b1 and their shapes
    H1 = f1(Z1)
    try:
        Z2 = dense_forward(H1, W2, b2)
    except ValueError as exc:               # name the parameter the user passed
        raise ValueError(f"second layer: {exc} (W2 must have shape (h, q) with h = "
                         f"W1.shape[1] = {Z1.shape[1]})") from None
    O = f2(Z2)
    # Copies, so that changing W1 in place after the forward pass cannot corrupt the backward.
    X, W1, W2 = (np.array(a, dtype=Z1.dtype) for a in (X, W1, W2))
    return O, TwoLayerCache(X=X, W1=W1, W2=W2, Z1=Z1, H1=H1, Z2=Z2, O=O,
                            activation=f1, output_activation=f2)


def two_layer_backward(d_output, cache: TwoLayerCache) -> TwoLayerGradients:
    """Closed-form gradients of a two-layer network given ``d_output`` = dL/dO, shape (n, q)."""
    if not isinstance(cache, TwoLayerCache):
        raise TypeError(f"cache must be the TwoLayerCache returned by two_layer_forward, "
                        f"got {type(cache).__name__}")
    dO = as_float_array(d_output, "d_output", ndim=2)
    if dO.shape != cache.O.shape:
        raise ValueError(f"d_output must have the output's shape {cache.O.shape}, got {dO.shape}")
    dZ2 = dO * cache.output_activation.derivative(cache.Z2)   # (n, q)
    dW2 = cache.H1.T @ dZ2                                     # (h, q)
    db2 = dZ2.sum(axis=0)                                      # (q,)
    dH1 = dZ2 @ cache.W2.T                                     # (n, h)
    dZ1 = dH1 * cache.activation.derivative(cache.Z1)          # (n, h)
    dW1 = cache.X.T @ dZ1                                      # (d, h)
    db1 = dZ1.sum(axis=0)                                      # (h,)
    dX = dZ1 @ cache.W1.T                                      # (n, d)
    return TwoLayerGradients(dW1=dW1, db1=db1, dW2=dW2, db2=db2, dX=dX)
