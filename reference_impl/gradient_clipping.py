"""Gradient clipping by the global norm (module 4; used again against exploding gradients, module 6).

Seed 001's heuristic: **if** ``||g|| > theta`` **then** ``g := g theta / ||g||``. The direction of
the step is kept and only its length is capped. On the network's flat gradient vector the norm
is the global norm over all layers at once.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_finite_real, check_finite

__all__ = ["global_norm", "clip_by_global_norm"]


def global_norm(grads: np.ndarray) -> float:
    """Euclidean norm ``sqrt(sum g_i^2)`` of a float array of any shape, without overflow.

    Raises ValueError naming the first NaN or inf entry.
    """
    if not isinstance(grads, np.ndarray) or not np.issubdtype(grads.dtype, np.floating):
        raise TypeError(f"grads must be a float NumPy array, got "
                        f"{grads.dtype if isinstance(grads, np.ndarray) else type(grads).__name__}")
    flat = grads.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        norm = float(np.sqrt(np.dot(flat, flat)))
    if not np.isfinite(norm):
        check_finite(grads, "grads")            # NaN or inf entries: a clear error
        biggest = float(np.max(np.abs(flat)))   # finite entries whose squares overflowed:
        norm = biggest * float(np.linalg.norm(flat / biggest))  # rescale first (rare path)
    return norm


def clip_by_global_norm(grads: np.ndarray, max_norm: float) -> float:
    """Scale ``grads`` IN PLACE to norm ``max_norm`` if its norm is larger; return the norm before.

    grads: float array of any shape (usually the flat gradient (n,)); max_norm: positive number.
    ``g := g * max_norm / ||g||`` when ``||g|| > max_norm``, otherwise ``grads`` is untouched.
    """
    max_norm = as_finite_real(max_norm, "max_norm", "a positive number")
    if max_norm <= 0:
        raise ValueError(f"max_norm must be a positive number, got {max_norm!r}")
    norm = global_norm(grads)
    if norm > max_norm:
        # g := g theta / ||g||
        grads *= max_norm / norm
    return norm
