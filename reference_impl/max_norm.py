"""The max-norm constraint ``||w|| <= c`` per unit (module 5; Srivastava et al., 2014).

Seed 000 recommends, with dropout and a large learning rate, bounding the L2 norm of the
weights by ``c`` with ``c`` usually in (3, 4). The 2014 paper bounds each hidden unit's
INCOMING weight vector separately (not the matrix norm): after every step, a unit whose incoming
vector is longer than ``c`` is projected back onto the ball of radius ``c``::

    w_j := w_j * c / ||w_j||   if ||w_j|| > c,   otherwise w_j is left untouched

In this course ``W`` has shape ``(fan_in, fan_out)``, so unit ``j``'s incoming weights are the
COLUMN ``W[:, j]`` (a row of seed 000's ``w`` of shape ``(fan_out, fan_in)``). Biases are not
constrained. Everything is in place, so the projection works on the views into ``net.params``.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_finite_real, check_finite
from .parameters import WEIGHT

__all__ = ["column_norms", "max_norm_project", "apply_max_norm"]


def _check_c(c) -> float:
    c = as_finite_real(c, "c", "a positive number")
    if c <= 0:
        raise ValueError(f"c must be a positive number (the largest allowed norm), got {c!r}")
    return c


def _check_W(W) -> np.ndarray:
    if not isinstance(W, np.ndarray) or not np.issubdtype(W.dtype, np.floating):
        raise TypeError(f"W must be a float NumPy array (it is projected in place), got "
                        f"{W.dtype if isinstance(W, np.ndarray) else type(W).__name__}")
    if W.ndim != 2:
        raise ValueError(f"W must be a (fan_in, fan_out) matrix, got shape {W.shape}")
    check_finite(W, "W")
    return W


def column_norms(W: np.ndarray) -> np.ndarray:
    """``||W[:, j]||_2`` for every unit j: W (fan_in, fan_out) -> (fan_out,)."""
    W = _check_W(W)
    return np.sqrt(np.einsum("ij,ij->j", W, W))


def max_norm_project(W: np.ndarray, c: float) -> np.ndarray:
    """Project every column of ``W`` (fan_in, fan_out) onto ``||w|| <= c``, IN PLACE.

    Columns with norm ``<= c`` are not changed at all (bit for bit); longer ones get norm ``c``
    (up to rounding). Returns the column norms before the projection, (fan_out,).
    """
    c = _check_c(c)
    norms = column_norms(W)
    long = norms > c
    if long.any():
        W[:, long] *= c / norms[long]
    return norms


def apply_max_norm(network, c: float) -> dict[tuple[int, str], np.ndarray]:
    """:func:`max_norm_project` on every 2-D weight matrix of ``network`` (biases untouched).

    Works on the views into ``network.params`` (its layout's ``"weight"`` group). Returns
    ``{(layer index, parameter name): column norms before}``, e.g. ``{(0, "W"): ...}``.
    """
    c = _check_c(c)
    layout = getattr(network, "layout", None)
    if layout is None or not hasattr(network, "params"):
        raise TypeError(f"network must be a Network (with .layout and .params), got {type(network).__name__}")
    out = {}
    for (owner, name), spec in layout.specs.items():
        if spec.group == WEIGHT and len(spec.shape) == 2:
            out[(owner, name)] = max_norm_project(layout.view(network.params, owner, name), c)
    return out
