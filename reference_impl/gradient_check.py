"""Gradient checking (проверка градиента) with central differences.

``numerical_gradient`` perturbs one entry at a time, so it costs 2 evaluations of ``f`` per
parameter: O(dim W) evaluations, each O(dim W), i.e. O(dim W^2) in all, against O(dim W) for
backpropagation. Use float64: in float32 the rounding error of ``f`` swamps the difference.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradients"]


def _as_param_dict(params) -> tuple[dict[str, np.ndarray], bool]:
    if isinstance(params, np.ndarray):
        return {"x": params}, True
    if isinstance(params, Mapping):
        out = {}
        for key, value in params.items():
            if not isinstance(value, np.ndarray):
                raise TypeError(f"params[{key!r}] must be a NumPy array (it is perturbed in place), "
                                f"got {type(value).__name__}")
            if not np.issubdtype(value.dtype, np.floating):
                raise TypeError(f"params[{key!r}] must be a float array, got dtype {value.dtype}")
            out[key] = value
        return out, False
    raise TypeError(f"params must be an ndarray or a dict of ndarrays, got {type(params).__name__}")


def numerical_gradient(f: Callable[[], float], params, h: float = 1e-5):
    """Central-difference gradient ``(f(w + h e_i) - f(w - h e_i)) / (2h)`` of a scalar ``f``.

    ``f`` takes no arguments and reads the arrays in ``params`` (a dict name -> float array, or
    one array), which are perturbed in place and always restored, even if ``f`` raises.
    Returns a dict of gradients with the same keys and shapes (one array if one was given).
    """
    arrays, single = _as_param_dict(params)
    if not (isinstance(h, float) and h > 0):
        raise ValueError(f"h must be a positive float, got {h!r}")
    grads = {}
    for key, w in arrays.items():
        g = np.zeros_like(w)
        flat_w, flat_g = w.reshape(-1), g.reshape(-1)
        if flat_w.base is not w and not np.shares_memory(flat_w, w):
            raise ValueError(f"params[{key!r}] must be contiguous so it can be perturbed in place")
        for i in range(flat_w.size):
            old = flat_w[i]
            try:
                flat_w[i] = old + h
                plus = float(f())
                flat_w[i] = old - h
                minus = float(f())
            finally:
                flat_w[i] = old
            flat_g[i] = (plus - minus) / (2.0 * h)
        grads[key] = g
    return grads["x"] if single else grads


def relative_error(a, b, tiny: float = 1e-300) -> float:
    """``||a - b|| / max(||a|| + ||b||, tiny)`` (Euclidean norms over all entries).

    Reading it in float64: below 1e-7 the gradients agree; 1e-7 to 1e-4 is suspicious unless the
    function has kinks nearby (ReLU); above 1e-4 the analytic gradient is almost surely wrong.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), tiny))


def check_gradients(f: Callable[[], float], params, analytic, h: float = 1e-5) -> dict[str, float]:
    """Relative error between ``analytic`` and the numerical gradient, per parameter name."""
    numeric = numerical_gradient(f, params, h)
    if isinstance(params, np.ndarray):
        return {"x": relative_error(analytic, numeric)}
    missing = set(params) - set(analytic)
    if missing:
        raise ValueError(f"analytic gradients are missing for {sorted(missing)}")
    return {k: relative_error(analytic[k], numeric[k]) for k in params}
