"""A minimal training loop over a :class:`~reference_impl.network.Network`.

The optimizer is any object with ``step(params, grads)`` that updates the flat parameter
vector in place: :class:`GradientDescent` (the same class as
:class:`reference_impl.optimizers.GradientDescent`) or any other optimizer of module 4
(``Momentum``, ``Adam``, ... in :mod:`reference_impl.optimizers`). Mini-batches come from
:func:`reference_impl.minibatches.minibatch_indices`; ``clip_norm`` clips the gradient by its
global norm before each step (:func:`reference_impl.gradient_clipping.clip_by_global_norm`).

Each step is the fast path of the course: the rows of a batch are gathered with ``np.take`` into
two arrays made once per call of ``fit``, ``Network.loss_and_gradient`` reuses its intermediate
arrays, and the optimizer updates the flat parameter vector in place; X is converted once to the
network's dtype, so a float32 network trains in float32 throughout, and checked once for NaN and
inf (a batch, rows of it, is not checked again).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_finite_real, as_float_array, check_positive_int
from .gradient_clipping import clip_by_global_norm
from .minibatches import minibatch_indices
from .network import Network
from .optimizers import GradientDescent

__all__ = ["GradientDescent", "TrainingHistory", "fit", "take_rows", "accuracy"]


@dataclass
class TrainingHistory:
    loss: list[float] = field(default_factory=list)


def fit(network, X, y, loss_fn, *, optimizer=None, epochs: int = 100,
        batch_size: int | None = None, seed: int = 0, clip_norm: float | None = None
        ) -> TrainingHistory:
    """Train ``network`` on ``(X, y)``; returns the mean loss of each epoch.

    X: (n, d); y: (n, ...); ``loss_fn(output, y) -> (loss, dloss/doutput)``. ``optimizer``
    defaults to ``GradientDescent(0.1)``. ``batch_size=None`` is full-batch gradient descent;
    otherwise the rows are reshuffled every epoch and each row is used exactly once per epoch
    (``minibatch_indices`` with ``np.random.default_rng(seed)``). ``clip_norm``: if given, the
    gradient is scaled down to this global norm before every step where it is longer.
    """
    X = as_float_array(X, "X", ndim=2, dtype=getattr(network, "dtype", None))
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has shape {y.shape}")
    epochs = check_positive_int(epochs, "epochs")
    if optimizer is None:
        optimizer = GradientDescent()
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method, "
                        f"got {type(optimizer).__name__}")
    if clip_norm is not None:
        clip_norm = as_finite_real(clip_norm, "clip_norm", "a positive number or None")
        if clip_norm <= 0:
            raise ValueError(f"clip_norm must be a positive number or None, got {clip_norm!r}")
    n = X.shape[0]
    batch = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    rng = np.random.default_rng(seed)
    history = TrainingHistory()
    step_gradient = network.loss_and_gradient
    if isinstance(network, Network):  # X was checked for NaN and inf above, whole: not its rows again
        step_gradient = functools.partial(step_gradient, check_finite=False)
    if batch < n:  # the rows of the current batch, gathered into the same two arrays each step
        X_batch = np.empty((batch,) + X.shape[1:], X.dtype)
        y_batch = np.empty((batch,) + y.shape[1:], y.dtype)
    for _ in range(epochs):
        total = 0.0
        batches = minibatch_indices(n, batch, rng) if batch < n else [None]
        for idx in batches:
            if idx is None:
                Xb, yb = X, y
            else:
                Xb, yb = take_rows(X, idx, X_batch), take_rows(y, idx, y_batch)
            loss, grads = step_gradient(Xb, yb, loss_fn)
            if clip_norm is not None:
                clip_by_global_norm(grads, clip_norm)
            optimizer.step(network.params, grads)
            total += loss * Xb.shape[0]
        history.loss.append(total / n)
    return history


def take_rows(A: np.ndarray, idx: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """``A[idx]`` written into the first ``len(idx)`` rows of ``buffer``; returns that view.

    A: (n, ...); idx: valid row indices; buffer: (>= len(idx), ...) of A's dtype. ``mode="clip"``
    because the indices are valid by construction and the default ``mode="raise"`` would gather
    into a temporary array first.
    """
    return np.take(A, idx, axis=0, out=buffer[:len(idx)], mode="clip")


def accuracy(scores, y) -> float:
    """Share of correct predictions; ``scores`` are class scores (n, k) or one logit (n,)/(n, 1)."""
    scores = np.asarray(scores)
    y = np.asarray(y).reshape(-1)
    if scores.ndim == 2 and scores.shape[1] > 1:
        pred = scores.argmax(axis=1)
    else:
        pred = (scores.reshape(-1) > 0).astype(int)
    return float(np.mean(pred == y))
