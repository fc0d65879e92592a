"""Random hidden layers with a least-squares output layer, and why polynomials fail (lecture 2).

Fix the hidden layer of a one-hidden-layer network at random and fit only the output layer:
that is linear least squares on the hidden features ``H = f(X @ W + b)`` (n, width). With a
sigmoid ``f`` the fit improves as the layer widens, a small-scale picture of the universal
approximation theorem. With a polynomial ``f`` of degree k and 1-D input, every column of ``H``
is a polynomial of degree <= k in x, so ``rank(H) <= k + 1`` however wide the layer; with d
inputs the bound is ``C(d + k, k)``, the dimension of the polynomials of degree <= k in d
variables. That is the easy half of Leshno-Lin-Pinkus-Schocken (1993): a polynomial activation
can never be universal.

Random layers are nested: the first ``k`` units of a layer of width ``m > k`` are the layer of
width ``k`` (same seed), so wider layers add units instead of redrawing them.
"""
from __future__ import annotations

import numbers
from math import comb

import numpy as np

from ._validation import as_float_array, check_positive_int
from .activations import Activation, get_activation

__all__ = ["RANK_RTOL", "random_hidden_layer", "random_features", "random_sigmoid_features",
           "power_activation", "numerical_rank", "polynomial_rank_bound",
           "polynomial_feature_rank", "least_squares_fit"]

# Singular values below RANK_RTOL * (largest singular value) count as zero. Rounding leaves
# "zero" singular values near 1e-16 * sqrt(n) * s_max, while the smallest genuine one of the
# polynomial features used in the course (degree <= 8 on [-1, 1]) stays above 1e-7 * s_max:
# 1e-10 sits safely in that gap. Sigmoid features have no such gap (their singular values decay
# smoothly), so their numerical rank depends on the tolerance; it still grows with the width.
RANK_RTOL = 1e-10


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer (fixed seeds keep results reproducible), "
                        f"got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed)


def _check_positive(value, name: str) -> float:
    value = float(as_float_array(value, name, ndim=0))
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def _check_box(domain, name: str = "domain") -> tuple[float, float]:
    box = as_float_array(domain, name, ndim=1)
    if box.shape != (2,) or box[0] > box[1]:
        raise ValueError(f"{name} must be a pair (low, high) with low <= high, got {domain!r}")
    return float(box[0]), float(box[1])


def _as_inputs(x) -> np.ndarray:
    """x: (n,) for 1-D inputs or (n, d). Returns X of shape (n, d)."""
    x = as_float_array(x, "x", ndim=(1, 2))
    if x.shape[0] == 0:
        raise ValueError("x is empty; it needs at least one observation (row)")
    return x[:, None] if x.ndim == 1 else x


def random_hidden_layer(input_dim: int, width: int, *, seed: int = 0, scale: float = 10.0,
                        domain=(0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """Random ``W`` (input_dim, width) and ``b`` (width,) for a hidden layer.

    Slopes are drawn from N(0, scale^2). Each unit's bias is then chosen so that its transition
    ``x @ W[:, j] + b[j] = 0`` passes through a point drawn uniformly from the box
    ``domain^input_dim``: with random biases most sigmoids would sit flat (saturated) on the data
    and add nothing. Slopes and centres come from two independent streams spawned from ``seed``,
    which makes layers of different widths nested (see the module docstring).
    """
    d = check_positive_int(input_dim, "input_dim")
    width = check_positive_int(width, "width")
    scale = _check_positive(scale, "scale")
    low, high = _check_box(domain)
    slope_stream, centre_stream = (np.random.default_rng(s)
                                   for s in np.random.SeedSequence(_check_seed(seed)).spawn(2))
    # Draw unit by unit (rows), so that a wider layer starts with the narrower one's units.
    slopes = scale * slope_stream.standard_normal((width, d))
    centres = centre_stream.uniform(low, high, size=(width, d))
    return slopes.T.copy(), -(slopes * centres).sum(axis=1)


def random_features(x, width: int, activation="sigmoid", *, seed: int = 0, scale: float = 10.0,
                    domain=(0.0, 1.0)) -> np.ndarray:
    """Hidden features ``H = f(X @ W + b)`` of a random layer (see :func:`random_hidden_layer`).

    x: (n,) or (n, d). Returns H of shape (n, width). The layer depends only on
    ``(d, width, seed, scale, domain)``, not on ``x``, so training and test points given the same
    arguments see the same units. ``activation`` is a name, an ``Activation`` or a callable.
    """
    X = _as_inputs(x)
    f = activation if callable(activation) else get_activation(activation)
    W, b = random_hidden_layer(X.shape[1], width, seed=seed, scale=scale, domain=domain)
    return np.asarray(f(X @ W + b), dtype=float)


def random_sigmoid_features(x, width: int, seed: int = 0, scale: float = 10.0, *,
                            domain=(0.0, 1.0)) -> np.ndarray:
    """Sigmoid features ``sigmoid(X @ W + b)`` of shape (n, width) of a random layer."""
    return random_features(x, width, "sigmoid", seed=seed, scale=scale, domain=domain)


def _check_degree(degree) -> int:
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    return int(degree)


def power_activation(degree: int) -> Activation:
    """The polynomial activation ``f(z) = z**degree`` with its derivative, usable in layers."""
    k = _check_degree(degree)

    def power(z):
        return as_float_array(z, "z") ** k

    def power_derivative(z):
        z = as_float_array(z, "z")
        return k * z ** (k - 1) if k else np.zeros_like(z)

    return Activation(f"power{k}", power, power_derivative)


def numerical_rank(H, rtol: float = RANK_RTOL) -> int:
    """Number of singular values of ``H`` (2-D) above ``rtol`` times the largest one."""
    H = as_float_array(H, "H", ndim=2)
    rtol = _check_positive(rtol, "rtol")
    if H.size == 0:
        return 0
    s = np.linalg.svd(H, compute_uv=False)
    return int(np.count_nonzero(s > rtol * s[0])) if s[0] > 0 else 0


def polynomial_rank_bound(input_dim: int, degree: int) -> int:
    """``C(input_dim + degree, degree)``: the dimension of polynomials of degree <= ``degree``
    in ``input_dim`` variables, an upper bound for the rank of polynomial features."""
    k = _check_degree(degree)
    return comb(check_positive_int(input_dim, "input_dim") + k, k)


def polynomial_feature_rank(x, width: int, degree: int, seed: int = 0, *, scale: float = 1.0,
                            rtol: float = RANK_RTOL) -> int:
    """Numerical rank of ``(X @ W + b) ** degree`` for a random layer of ``width`` units.

    x: (n,) or (n, d). Unit centres are drawn from the range of ``x`` itself. The result never
    exceeds ``min(n, width, polynomial_rank_bound(d, degree))``: for 1-D input, ``degree + 1``.
    """
    X = _as_inputs(x)
    H = random_features(X, width, power_activation(degree), seed=seed, scale=scale,
                        domain=(X.min(), X.max()))
    return numerical_rank(H, rtol)


def least_squares_fit(features, y, *, rcond: float | None = None):
    """Output layer ``(W_out, b_out)`` minimising ``||features @ W_out + b_out - y||^2``.

    features: (n, k); y: (n,) or (n, m). Returns ``W_out`` of shape (k,) or (k, m) and ``b_out``
    (a float, or shape (m,)). Solved with an SVD (``np.linalg.lstsq``): when the features are
    rank-deficient, as polynomial ones are, it returns the minimum-norm solution instead of
    failing; singular values below ``rcond`` times the largest are treated as zero.
    """
    H = as_float_array(features, "features", ndim=2)
    y = as_float_array(y, "y", ndim=(1, 2))
    if H.shape[0] == 0:
        raise ValueError("features is empty; it needs at least one row")
    if y.shape[0] != H.shape[0]:
        raise ValueError(f"features has {H.shape[0]} rows but y has {y.shape[0]}")
    design = np.column_stack([H, np.ones(H.shape[0])])
    coef = np.linalg.lstsq(design, y, rcond=rcond)[0]
    W_out, b_out = coef[:-1], coef[-1]
    return W_out, (float(b_out) if y.ndim == 1 else b_out)
