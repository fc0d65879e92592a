"""Why a network needs activations: stacked linear layers collapse to one (lecture 2).

Without an activation, two layers compute ``(X @ W1 + b1) @ W2 + b2``. Matrix multiplication is
associative and distributes over the sum, so that is ``X @ (W1 @ W2) + (b1 @ W2 + b2)``: one layer
with ``W = W1 @ W2`` of shape ``(fan_in_1, fan_out_2)`` and ``b = b1 @ W2 + b2``. By induction
any depth collapses the same way, and the collapsed ``W`` has rank at most the narrowest width.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ._validation import as_float_array

__all__ = ["collapse_linear_layers", "collapse_linear_network"]


def _layer(W, b, W_name: str, b_name: str) -> tuple[np.ndarray, np.ndarray]:
    W = as_float_array(W, W_name, ndim=2)
    if b is None:
        return W, np.zeros(W.shape[1], dtype=W.dtype)
    b = as_float_array(b, b_name, ndim=1)
    if b.shape != (W.shape[1],):
        raise ValueError(f"{b_name} must have shape (fan_out,) = ({W.shape[1]},) to match "
                         f"{W_name} of shape {W.shape}, got {b.shape}")
    return W, b


def _compose(W1, b1, W2, b2, W2_name: str, W1_name: str):
    if W2.shape[0] != W1.shape[1]:
        raise ValueError(f"{W2_name} has fan_in {W2.shape[0]} but {W1_name} has fan_out "
                         f"{W1.shape[1]} (shapes {W1.shape} and {W2.shape}); "
                         "each W is (fan_in, fan_out)")
    return W1 @ W2, b1 @ W2 + b2


def collapse_linear_layers(W1, b1, W2, b2) -> tuple[np.ndarray, np.ndarray]:
    """The single layer ``(W, b)`` equal to two linear layers applied in turn.

    W1: (d0, d1), b1: (d1,), W2: (d1, d2), b2: (d2,). Returns ``W = W1 @ W2`` of shape (d0, d2)
    and ``b = b1 @ W2 + b2`` of shape (d2,), so that for every X of shape (n, d0)
    ``(X @ W1 + b1) @ W2 + b2 == X @ W + b`` up to rounding. ``None`` for a bias means zeros.
    """
    W1, b1 = _layer(W1, b1, "W1", "b1")
    W2, b2 = _layer(W2, b2, "W2", "b2")
    return _compose(W1, b1, W2, b2, "W2", "W1")


def collapse_linear_network(weights: Sequence, biases: Sequence | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Collapse any number of linear layers ``W_j`` (fan_in, fan_out), ``b_j`` (fan_out,).

    ``biases=None`` means zero biases. Returns ``(W, b)`` with ``W = W_1 @ ... @ W_L`` of shape
    (fan_in of layer 1, fan_out of layer L) and ``b`` folded in left to right,
    ``b = (...((b_1 @ W_2 + b_2) @ W_3 + b_3)...) @ W_L + b_L``.
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence):
        raise TypeError("weights must be a list of (fan_in, fan_out) matrices, "
                        f"got {type(weights).__name__}")
    if not weights:
        raise ValueError("weights is empty; a network needs at least one layer")
    if biases is not None:
        if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence):
            raise TypeError("biases must be a list of vectors or None, "
                            f"got {type(biases).__name__}")
        if len(biases) != len(weights):
            raise ValueError(f"got {len(weights)} weight matrices but {len(biases)} biases")
    layers = [_layer(W, None if biases is None else biases[j], f"weights[{j}]",
                     f"biases[{j}]") for j, W in enumerate(weights)]
    W, b = layers[0]
    for j in range(1, len(layers)):
        W, b = _compose(W, b, *layers[j], f"weights[{j}]", f"weights[{j - 1}]")
    return W, b
