"""Deep networks for module 6's demos: many equal hidden layers, a chosen activation and
initialization, with or without batch normalization.

``deep_network(2, 50, 10, "sigmoid", "uniform")`` is ten hidden sigmoid layers of 50 units and a
linear output, the setting in which the gradients vanish toward the input; with ``"relu"`` and
``"he_normal"`` they keep their size.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_positive_int
from .batch_norm import BatchNorm
from .initializers import initialize
from .layers import Dense
from .network import Network

__all__ = ["deep_network"]


def deep_network(n_inputs: int, width: int, depth: int, activation="relu", scheme="he_normal", *,
                 n_outputs: int = 1, output_activation="identity", batch_norm: bool = False,
                 seed: int = 0, dtype=np.float64) -> Network:
    """``depth`` hidden layers of ``width`` units with ``activation``, then a dense output layer.

    Weights by ``scheme`` (a name of :mod:`reference_impl.initializers` or a function), biases 0,
    all from ``np.random.default_rng(seed)``. ``batch_norm=True`` puts batch normalization
    before each hidden nonlinearity, as Ioffe & Szegedy do: ``Dense(identity)`` then
    ``BatchNorm(width, activation)``, so the network has ``2 depth + 1`` layers.
    Input (n, n_inputs) -> output (n, n_outputs).
    """
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    width = check_positive_int(width, "width")
    depth = check_positive_int(depth, "depth")
    n_outputs = check_positive_int(n_outputs, "n_outputs")
    layers = []
    fan_in = n_inputs
    for _ in range(depth):
        if batch_norm:
            layers += [Dense(fan_in, width, "identity", dtype=dtype),
                       BatchNorm(width, activation, dtype=dtype)]
        else:
            layers.append(Dense(fan_in, width, activation, dtype=dtype))
        fan_in = width
    layers.append(Dense(fan_in, n_outputs, output_activation, dtype=dtype))
    net = Network(layers, dtype=dtype)
    initialize(net, scheme, np.random.default_rng(seed))
    return net
