"""Universal approximation made concrete: sums of steep sigmoids (lecture 2).

A steep sigmoid ``sigmoid(C (x - t))`` is almost a step (ступенька) at ``t``; two of them make
a *bump* that is ``height`` on ``[left, right]`` and 0 elsewhere. Cut ``[a, b]`` into ``n``
equal cells of width ``h = (b - a) / n`` and give cell ``i`` a bump of height ``f(m_i)`` (``m_i``
its midpoint): the sum is a one-hidden-layer sigmoid network that, for steep enough sigmoids, is
within about ``omega(h / 2)`` of ``f`` everywhere, where ``omega`` is the modulus of continuity
of ``f`` (for an L-Lipschitz ``f``: about ``L h / 2``). A continuous ``f`` on ``[a, b]`` is
uniformly continuous, so the error goes to 0 as ``n`` grows: the 1-D case of Cybenko's theorem,
with an explicit network.

Two equivalent constructions (both give a :class:`SigmoidStaircase`):

``"bumps"``  ``2 n`` hidden units: a rising and a falling sigmoid per cell. The outermost edges
             sit one cell *outside* ``[a, b]`` so that ``a`` and ``b`` lie on a plateau, not
             halfway up an edge (``sigmoid(0) = 1/2`` would cost ``|f(a)| / 2`` there).
``"steps"``  ``n - 1`` hidden units and an output bias: neighbouring bumps share an edge, and
             the falling sigmoid of cell ``i`` and the rising one of cell ``i + 1`` sit at the same
             point, so they merge into one unit with output weight ``f(m_{i+1}) - f(m_i)``. The sum
             telescopes: ``g(x) = f(m_1) + sum_i (f(m_{i+1}) - f(m_i)) sigmoid(C (x - t_i))``.
             Same accuracy with about half the units.

The sup-error is measured on a fine grid (:func:`error_grid`), a proxy for the true supremum.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_positive_int
from .activations import sigmoid
# The module-2 helpers that live in their own files, importable from here as well.
from .linear_collapse import collapse_linear_layers, collapse_linear_network
from .network import Network
from .random_features import (least_squares_fit, numerical_rank, polynomial_feature_rank,
                              power_activation, random_features, random_sigmoid_features)

__all__ = ["DEFAULT_BUMP_STEEPNESS", "STEEPNESS_PER_CELL", "CONSTRUCTIONS",
           "bump", "SigmoidStaircase", "staircase_approximation", "sup_error", "error_grid",
           "approximate_to_tolerance",
           "collapse_linear_layers", "collapse_linear_network", "random_features",
           "random_sigmoid_features", "least_squares_fit", "power_activation", "numerical_rank",
           "polynomial_feature_rank"]

# At distance delta inside a bump's edges it is within 2 height exp(-C delta) of its plateau,
# and at distance delta outside within height exp(-C delta) of 0: C = 100 gives 1.3% at 0.05.
DEFAULT_BUMP_STEEPNESS = 100.0
# Staircases use C = STEEPNESS_PER_CELL / h: at a cell midpoint, h / 2 from both edges, the
# sigmoids are within exp(-10) = 4.5e-5 of 0 or 1, so each plateau really is flat.
STEEPNESS_PER_CELL = 20.0
CONSTRUCTIONS = ("bumps", "steps")
# sigmoid(+-800) is exactly 1 or 0 in float64, so pre-activations are clipped there: a huge x
# times a huge steepness then saturates the unit instead of overflowing to inf.
_SATURATED = 800.0
_BLOCK_ENTRIES = 1 << 20  # at most ~8 MB of hidden activations at a time


def _scalar(value, name: str) -> float:
    return float(as_float_array(value, name, ndim=0))


def _positive(value, name: str) -> float:
    value = _scalar(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def _interval(domain) -> tuple[float, float]:
    box = as_float_array(domain, "domain", ndim=1)
    if box.shape != (2,) or not box[0] < box[1]:
        raise ValueError(f"domain must be a pair (a, b) with a < b, got {domain!r}")
    return float(box[0]), float(box[1])


def _steep_sigmoid(compute_z):
    """sigmoid of ``compute_z()`` with overflow to +-inf clipped to saturation, silently."""
    with np.errstate(over="ignore"):
        z = compute_z()
    return sigmoid(np.clip(z, -_SATURATED, _SATURATED))


def bump(x, left, right, height=1.0, steepness=DEFAULT_BUMP_STEEPNESS):
    """``height * (sigmoid(C (x - left)) - sigmoid(C (x - right)))`` with ``C = steepness``.

    x: any shape; returns the same shape. About ``height`` on ``[left, right]`` away from the
    edges, about 0 outside, and exactly ``height * (1/2 - sigmoid(-C (right - left)))`` at
    either edge. Two sigmoid units and one output weight pair ``(height, -height)``.
    """
    x = as_float_array(x, "x")
    left, right = _scalar(left, "left"), _scalar(right, "right")
    if not left < right:
        raise ValueError(f"left must be smaller than right, got left={left}, right={right}")
    height = _scalar(height, "height")
    C = _positive(steepness, "steepness")
    rise = _steep_sigmoid(lambda: C * (x - left))
    fall = _steep_sigmoid(lambda: C * (x - right))
    return height * (rise - fall)


@dataclass(frozen=True, eq=False)
class SigmoidStaircase:
    """A one-hidden-layer sigmoid network on 1-D input, in course notation.

    ``g(x) = sigmoid(x @ W + b) @ W_out + b_out`` with ``W``: (1, k) hidden weights, ``b``: (k,)
    hidden biases, ``W_out``: (k, 1) output weights and ``b_out``: (1,). Unit ``j`` is a step at
    ``-b[j] / W[0, j]`` of steepness ``W[0, j]``. ``construction`` and ``domain`` record how
    it was built (see :func:`staircase_approximation`).
    """
    W: np.ndarray
    b: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    construction: str
    domain: tuple[float, float]

    @property
    def n_hidden(self) -> int:
        """Number of hidden units k."""
        return self.W.shape[1]

    def __call__(self, x):
        """x: any shape (each entry one input) -> g(x) of the same shape."""
        x = as_float_array(x, "x")
        flat = x.reshape(-1, 1)
        out = np.empty(flat.shape[0])
        # Evaluate in blocks of rows: H for a fine grid and thousands of units would not fit.
        rows = max(1, _BLOCK_ENTRIES // max(1, self.n_hidden))
        for start in range(0, flat.shape[0], rows):
            block = flat[start:start + rows]
            H = _steep_sigmoid(lambda: block @ self.W + self.b)    # (rows, k)
            out[start:start + rows] = (H @ self.W_out + self.b_out)[:, 0]
        return out.reshape(x.shape)

    def to_network(self) -> Network:
        """The same function as a :class:`~reference_impl.network.Network` (sigmoid, identity)."""
        return Network.from_weights([self.W, self.W_out], [self.b, self.b_out],
                                    ["sigmoid", "identity"])


def _values_on(f, points: np.ndarray, name: str) -> np.ndarray:
    """``f(points)`` as a float array of the points' shape; ``f`` may also be the values."""
    if callable(f):
        out = as_float_array(f(points), f"{name}(x)")
        if out.ndim == 0:  # a constant function written as `lambda x: 2.0`
            out = np.full(points.shape, float(out))
    elif isinstance(f, (np.ndarray, list, tuple)):
        out = as_float_array(f, name)
    else:
        raise TypeError(f"{name} must be a function of x or an array of its values, "
                        f"got {type(f).__name__}")
    if out.shape != points.shape:
        raise ValueError(f"{name} must give one value per point: expected shape {points.shape}, "
                         f"got {out.shape}")
    return out


def staircase_approximation(f, n_bumps: int, steepness=None, *, construction: str = "bumps",
                            domain=(0.0, 1.0)) -> SigmoidStaircase:
    """A sum of sigmoid bumps (or steps) with heights ``f`` at the ``n_bumps`` cell midpoints.

    ``f`` is a vectorised function of x (an array of midpoints in, one value each out).
    ``steepness`` defaults to ``STEEPNESS_PER_CELL / h`` with ``h = (b - a) / n_bumps``.
    ``construction="bumps"`` uses ``2 n_bumps`` hidden units, ``"steps"`` ``n_bumps - 1`` (and
    needs ``n_bumps >= 2``); see the module docstring.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of x, got {type(f).__name__}")
    n = check_positive_int(n_bumps, "n_bumps")
    if construction not in CONSTRUCTIONS:
        raise ValueError(f"construction must be one of {CONSTRUCTIONS}, got {construction!r}")
    if construction == "steps" and n < 2:
        raise ValueError("n_bumps must be at least 2 for construction='steps' (n - 1 units)")
    a, b = _interval(domain)
    h = (b - a) / n
    C = STEEPNESS_PER_CELL / h if steepness is None else _positive(steepness, "steepness")
    edges = a + h * np.arange(n + 1)
    heights = _values_on(f, a + h * (np.arange(n) + 0.5), "f")

    if construction == "bumps":
        left, right = edges[:-1].copy(), edges[1:].copy()
        left[0], right[-1] = a - h, b + h                  # keep a and b on a plateau
        steps_at = np.column_stack([left, right]).ravel()  # unit order: rise_1, fall_1, rise_2, ...
        out_weights = np.column_stack([heights, -heights]).ravel()
        out_bias = 0.0
    else:
        steps_at = edges[1:-1]
        out_weights = np.diff(heights)
        out_bias = heights[0]
    k = steps_at.size
    return SigmoidStaircase(W=np.full((1, k), C), b=-C * steps_at, W_out=out_weights.reshape(k, 1),
                            b_out=np.array([out_bias]), construction=construction, domain=(a, b))


def sup_error(f, g, grid) -> float:
    """``max |f(x) - g(x)|`` over the points of ``grid`` (1-D).

    ``f`` and ``g`` are functions of x or arrays of their values on the grid.
    """
    grid = as_float_array(grid, "grid", ndim=1)
    if grid.size == 0:
        raise ValueError("grid is empty")
    return float(np.max(np.abs(_values_on(f, grid, "f") - _values_on(g, grid, "g"))))


def error_grid(n_bumps: int = 1, domain=(0.0, 1.0), points_per_cell: int = 50,
               min_points: int = 2001) -> np.ndarray:
    """Equally spaced points on ``[a, b]``, at least ``points_per_cell`` per cell of a staircase.

    The error of a staircase peaks just where a plateau ends, so the grid must be finer than a
    cell; at spacing ``h / 50`` it misses the true sup by at most about ``L h / 50``.
    """
    n = check_positive_int(n_bumps, "n_bumps")
    per_cell = check_positive_int(points_per_cell, "points_per_cell")
    a, b = _interval(domain)
    return np.linspace(a, b, max(check_positive_int(min_points, "min_points"), per_cell * n + 1))


def approximate_to_tolerance(f, tolerance, *, construction: str = "bumps", steepness=None,
                             domain=(0.0, 1.0), max_bumps: int = 4096, grid=None):
    """The staircase with the fewest cells whose sup-error on a grid is at most ``tolerance``.

    Doubles ``n_bumps`` until the tolerance is met, then bisects between the last failure and the
    first success (the error is nearly, not exactly, monotone in ``n``, so this is the smallest
    ``n`` under that assumption). The error is measured on ``grid`` if given, else on
    ``error_grid(n, domain)``. Returns ``(staircase, achieved_sup_error)``; raises ValueError if
    ``max_bumps`` cells are not enough (``f`` may be discontinuous, or the tolerance too small).
    """
    if not callable(f):
        raise TypeError(f"f must be a function of x, got {type(f).__name__}")
    tolerance = _positive(tolerance, "tolerance")
    max_bumps = check_positive_int(max_bumps, "max_bumps")
    domain = _interval(domain)
    fixed_grid = None if grid is None else as_float_array(grid, "grid", ndim=1)

    def attempt(n):
        g = staircase_approximation(f, n, steepness, construction=construction, domain=domain)
        points = error_grid(n, domain) if fixed_grid is None else fixed_grid
        return g, sup_error(f, g, points)

    n_min = 2 if construction == "steps" else 1
    if max_bumps < n_min:
        raise ValueError(f"max_bumps must be at least {n_min} for construction={construction!r}")
    failed, n = n_min - 1, n_min
    best = attempt(n)
    while best[1] > tolerance:
        if n == max_bumps:
            raise ValueError(f"could not reach sup-error {tolerance} with up to {max_bumps} cells "
                             f"(best {best[1]:.3g}); is f continuous on {domain}?")
        failed, n = n, min(2 * n, max_bumps)
        best = attempt(n)
    while n - failed > 1:  # invariant: n meets the tolerance, `failed` does not
        mid = (failed + n) // 2
        trial = attempt(mid)
        if trial[1] <= tolerance:
            n, best = mid, trial
        else:
            failed = mid
    return best
