"""Why backpropagation is cheap: counting the work of two ways to get a gradient.

For a multi-layer perceptron with layer sizes ``sizes = [d_0, d_1, ..., d_L]`` and ``P``
parameters, one forward pass over ``n`` observations costs ``F = n * sum_k d_{k-1} d_k``
multiply-adds (the matrix products ``H_{k-1} @ W_k``; biases and activations add only
``O(n * sum_k d_k)``, a lower-order term that we leave out).

* Numerical differentiation (central differences) perturbs each parameter in turn and runs
  two forward passes per parameter: ``2 P`` evaluations, ``2 P F`` multiply-adds. Since ``F``
  itself grows like ``P`` (for a fixed batch), the total grows like ``P^2``:
  O(dim W^2) in seed 001's words.
* Backpropagation runs one forward and one backward pass. The backward pass computes
  ``dW_k = H_{k-1}^T dZ_k`` (``n d_{k-1} d_k`` multiply-adds) for every layer and
  ``dH_{k-1} = dZ_k W_k^T`` (as many again) for every layer but the first, so the total is
  at most ``3 F``: O(dim W).

:func:`fit_power_law` reads the exponent off a log-log plot: the slope of ``log cost`` against
``log P``. Counted costs give slopes close to 2 and 1. Measured times (:func:`time_gradients`)
come out lower, because every call also pays a fixed overhead; networks that grow in depth
(:func:`deepening_mlps`) keep that overhead proportional to ``P`` and time most cleanly.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._validation import as_float_array, check_positive_int

__all__ = ["mlp_parameter_count", "forward_multiply_adds", "backward_multiply_adds",
           "backprop_multiply_adds", "numerical_gradient_multiply_adds",
           "gradient_evaluations", "growing_mlps", "deepening_mlps", "count_gradient_costs",
           "fit_power_law", "fit_power_law_coefficients", "GradientTiming", "time_gradients"]


def _check_sizes(sizes) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    return [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]


def _layer_products(sizes) -> list[int]:
    """``d_{k-1} * d_k`` for each layer k = 1..L."""
    s = _check_sizes(sizes)
    return [a * b for a, b in zip(s[:-1], s[1:])]


def mlp_parameter_count(sizes) -> int:
    """P = sum_k (d_{k-1} d_k + d_k): every weight matrix and every bias vector."""
    s = _check_sizes(sizes)
    return sum(a * b + b for a, b in zip(s[:-1], s[1:]))


def forward_multiply_adds(sizes, n_samples: int = 1) -> int:
    """Multiply-adds of one forward pass: ``n * sum_k d_{k-1} d_k``."""
    n = check_positive_int(n_samples, "n_samples")
    return n * sum(_layer_products(sizes))


def backward_multiply_adds(sizes, n_samples: int = 1) -> int:
    """Multiply-adds of one backward pass: ``dW_k`` for every layer, ``dH_{k-1}`` for k >= 2.

    The gradient with respect to the input ``X`` is not needed for training, so the first
    layer skips ``dZ_1 W_1^T``.
    """
    n = check_positive_int(n_samples, "n_samples")
    products = _layer_products(sizes)
    return n * (sum(products) + sum(products[1:]))


def backprop_multiply_adds(sizes, n_samples: int = 1) -> int:
    """One forward plus one backward pass: at most 3 forward passes' worth, O(P)."""
    return forward_multiply_adds(sizes, n_samples) + backward_multiply_adds(sizes, n_samples)


def numerical_gradient_multiply_adds(sizes, n_samples: int = 1) -> int:
    """Central differences: 2 forward passes per parameter, ``2 P F``, O(P^2)."""
    return 2 * mlp_parameter_count(sizes) * forward_multiply_adds(sizes, n_samples)


def gradient_evaluations(sizes) -> dict[str, int]:
    """How many passes through the network each method needs for one full gradient.

    Returns ``{"numerical_forward": 2P, "backprop_forward": 1, "backprop_backward": 1}``.
    """
    return {"numerical_forward": 2 * mlp_parameter_count(sizes),
            "backprop_forward": 1, "backprop_backward": 1}


def growing_mlps(widths: Sequence[int], *, n_inputs: int = 10, n_outputs: int = 1,
                 hidden_layers: int = 2) -> list[list[int]]:
    """A family of MLPs ``[n_inputs, w, ..., w, n_outputs]``, one per hidden width ``w``.

    With two or more hidden layers the ``w * w`` matrices dominate, so ``P`` grows like ``w^2``.
    """
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    n_outputs = check_positive_int(n_outputs, "n_outputs")
    hidden_layers = check_positive_int(hidden_layers, "hidden_layers")
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths:
        raise ValueError(f"widths must be a non-empty sequence of positive integers, got {widths!r}")
    return [[n_inputs] + [check_positive_int(w, f"widths[{i}]")] * hidden_layers + [n_outputs]
            for i, w in enumerate(widths)]


def deepening_mlps(depths: Sequence[int], *, width: int = 8, n_inputs: int = 10,
                   n_outputs: int = 1) -> list[list[int]]:
    """A family of MLPs ``[n_inputs, width * depth, n_outputs]``: same width, more hidden layers.

    Every part of a pass (matrix products, activations, Python's per-layer overhead) grows in
    proportion to the depth, and so does ``P``: the cleanest family for *timing* the two methods.
    """
    width = check_positive_int(width, "width")
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    n_outputs = check_positive_int(n_outputs, "n_outputs")
    if isinstance(depths, (str, bytes)) or not isinstance(depths, Sequence) or not depths:
        raise ValueError(f"depths must be a non-empty sequence of positive integers, got {depths!r}")
    return [[n_inputs] + [width] * check_positive_int(L, f"depths[{i}]") + [n_outputs]
            for i, L in enumerate(depths)]


def count_gradient_costs(architectures: Sequence[Sequence[int]], n_samples: int = 1) -> dict[str, np.ndarray]:
    """Parameter counts and multiply-adds of both methods for each architecture.

    Returns a dict of 1-D int64 arrays of length ``len(architectures)``: ``"n_params"``,
    ``"forward"``, ``"backprop"``, ``"numerical"``.
    """
    if not architectures:
        raise ValueError("architectures must contain at least one list of layer sizes")
    rows = [(mlp_parameter_count(s), forward_multiply_adds(s, n_samples),
             backprop_multiply_adds(s, n_samples), numerical_gradient_multiply_adds(s, n_samples))
            for s in architectures]
    cols = np.array(rows, dtype=np.int64).T
    return dict(zip(("n_params", "forward", "backprop", "numerical"), cols))


def fit_power_law_coefficients(sizes, costs) -> tuple[float, float]:
    """Least-squares fit of ``cost = c * size^k`` on log-log axes; returns ``(k, c)``.

    sizes, costs: 1-D, same length >= 2, positive; at least two distinct sizes.
    """
    x = as_float_array(sizes, "sizes", ndim=1)
    y = as_float_array(costs, "costs", ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"sizes and costs must have the same length, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError(f"a power law needs at least 2 points, got {x.size}")
    if (x <= 0).any() or (y <= 0).any():
        raise ValueError("sizes and costs must be positive to take logarithms")
    if np.ptp(x) == 0:
        raise ValueError("sizes must contain at least two distinct values")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(np.exp(intercept))


def fit_power_law(sizes, costs) -> float:
    """The exponent ``k`` of ``cost ~ size^k``: the slope of the log-log plot."""
    return fit_power_law_coefficients(sizes, costs)[0]


@dataclass(frozen=True)
class GradientTiming:
    """Wall-clock seconds for one full gradient of one architecture (best of the repeats)."""
    sizes: tuple[int, ...]
    n_params: int
    backprop_seconds: float
    numerical_seconds: float


def time_gradients(sizes, n_samples: int = 128, *, repeats: int = 5, numerical_repeats: int = 1,
                   activation: str = "tanh", seed: int = 0) -> GradientTiming:
    """Time backprop (``Network.loss_and_gradient``) against central differences on an MLP.

    The loss is the MSE on random data ``X`` (n_samples, d_0), ``y`` (n_samples, d_L). Times
    are the minimum over ``repeats`` runs for backprop and ``numerical_repeats`` runs for the
    (much slower) numerical gradient; the minimum is the run least disturbed by other processes.
    Timing is noisy: the lecture plots it, the tests use the counts above.
    """
    from .gradient_check import numerical_gradient
    from .losses import mean_squared_error
    from .network import Network

    s = _check_sizes(sizes)
    n = check_positive_int(n_samples, "n_samples")
    repeats = check_positive_int(repeats, "repeats")
    numerical_repeats = check_positive_int(numerical_repeats, "numerical_repeats")
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, s[0])), rng.normal(size=(n, s[-1]))
    net = Network.from_sizes(s, [activation] * (len(s) - 2) + ["identity"], seed=seed)

    def loss() -> float:
        return mean_squared_error(net.forward(X), y)[0]

    def best_time(run, repeats: int) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    t_backprop = best_time(lambda: net.loss_and_gradient(X, y, mean_squared_error), repeats)
    t_numerical = best_time(lambda: numerical_gradient(loss, net.params), numerical_repeats)
    return GradientTiming(tuple(s), net.n_params, t_backprop, t_numerical)
