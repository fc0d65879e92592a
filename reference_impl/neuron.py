"""A single artificial neuron (нейрон): a linear model followed by an activation.

``a(x) = f(<w, x> + b)`` applied to a batch whose rows are observations: ``X`` is ``(n, d)``,
``w`` is ``(d,)``, ``b`` is a scalar and the output is ``(n,)``. With ``f`` = identity this is
linear regression, with the sigmoid logistic regression, with the threshold ``I[z > 0]`` the
McCulloch-Pitts neuron (lecture 1).
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array
from .activations import get_activation

__all__ = ["neuron_pre_activation", "neuron_forward"]


def _check_neuron_arguments(X, w, b):
    X = as_float_array(X, "X", ndim=2)
    w = as_float_array(w, "w", ndim=1)
    b = as_float_array(b, "b")
    if b.ndim != 0:
        raise ValueError(f"b must be a scalar (one bias for one neuron), got shape {b.shape}")
    if X.shape[1] != w.shape[0]:
        raise ValueError(f"X has {X.shape[1]} columns but w has {w.shape[0]} entries "
                         f"(X must be (n, d) and w must be (d,); got X {X.shape}, w {w.shape})")
    return X, w, b


def neuron_pre_activation(X, w, b) -> np.ndarray:
    """The weighted sum ``z = X @ w + b`` (сумматор). X: (n, d); w: (d,); b: scalar -> (n,)."""
    X, w, b = _check_neuron_arguments(X, w, b)
    return X @ w + b


def neuron_forward(X, w, b, activation="threshold") -> np.ndarray:
    """Output ``f(X @ w + b)`` of one neuron for every row of ``X``.

    X: (n, d), one observation per row; w: (d,); b: scalar; ``activation`` is a name from
    :data:`reference_impl.activations.ACTIVATIONS` (``"threshold"``, ``"sigmoid"``, ...) or an
    :class:`~reference_impl.activations.Activation`. Returns an array of shape (n,).
    """
    f = get_activation(activation)  # fail on a bad name before doing any arithmetic
    return f(neuron_pre_activation(X, w, b))
