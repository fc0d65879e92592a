"""A minimal training loop over a :class:`~reference_impl.network.Network`.

The optimizer is any object with ``step(params, grads)`` that updates the flat parameter
vector in place; module 4 adds momentum, Adam and friends with that interface.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import as_float_array, check_positive_int

__all__ = ["GradientDescent", "TrainingHistory", "fit", "accuracy"]


class GradientDescent:
    """Plain gradient descent ``w := w - lr * grad`` on the flat parameter vector."""

    def __init__(self, lr: float = 0.1):
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        self.lr = float(lr)

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        params -= self.lr * grads


@dataclass
class TrainingHistory:
    loss: list[float] = field(default_factory=list)


def fit(network, X, y, loss_fn, *, optimizer=None, epochs: int = 100,
        batch_size: int | None = None, seed: int = 0) -> TrainingHistory:
    """Train ``network`` on ``(X, y)``; returns the mean loss of each epoch.

    ``batch_size=None`` is full-batch gradient descent; otherwise the rows are reshuffled every
    epoch and each row is used exactly once per epoch.
    """
    X = as_float_array(X, "X", ndim=2)
    y = np.asarray(y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    epochs = check_positive_int(epochs, "epochs")
    optimizer = optimizer or GradientDescent()
    n = X.shape[0]
    batch = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    rng = np.random.default_rng(seed)
    history = TrainingHistory()
    for _ in range(epochs):
        order = rng.permutation(n) if batch < n else np.arange(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss, grads = network.loss_and_gradient(X[idx], y[idx], loss_fn)
            optimizer.step(network.params, grads)
            total += loss * len(idx)
        history.loss.append(total / n)
    return history


def accuracy(scores, y) -> float:
    """Share of correct predictions; ``scores`` are class scores (n, k) or one logit (n,)/(n, 1)."""
    scores = np.asarray(scores)
    y = np.asarray(y).reshape(-1)
    if scores.ndim == 2 and scores.shape[1] > 1:
        pred = scores.argmax(axis=1)
    else:
        pred = (scores.reshape(-1) > 0).astype(int)
    return float(np.mean(pred == y))
