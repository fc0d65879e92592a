"""Mini-batches (мини-пакеты) and the running estimate of the loss (module 4).

SGD and mini-batch gradient descent (seeds 000, 003, 004) use the same update rule as GD with the
gradient of a random part of the sample. Each epoch shuffles the rows again and splits them into
consecutive batches, so every row is used exactly once per epoch (sampling without replacement).
Seed 001 tracks the loss during SGD with an exponential moving average
``Q := (1 - lambda) Q + lambda L_i`` instead of recomputing it on the whole sample.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from ._validation import as_finite_real, check_generator, check_positive_int

__all__ = ["minibatch_indices", "iterate_minibatches", "RunningLoss"]


def minibatch_indices(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The row indices of one epoch: ``rng.permutation(n)`` cut into batches of ``batch_size``.

    Returns a list of ``ceil(n / batch_size)`` integer arrays; the last one is shorter when
    ``batch_size`` does not divide ``n`` (``batch_size >= n`` gives one batch with every row).
    Together they hold every index ``0 .. n-1`` exactly once.
    """
    n = check_positive_int(n, "n")
    batch_size = check_positive_int(batch_size, "batch_size")
    check_generator(rng)
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def iterate_minibatches(X, y, batch_size: int, rng: np.random.Generator,
                        epochs: int = 1) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` for ``epochs`` epochs, with a fresh permutation every epoch.

    X: (n, ...) and y: (n, ...) with the same number of rows; the batches are ``X[idx], y[idx]``
    for the index arrays of :func:`minibatch_indices`.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X and y need one row per observation, got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    epochs = check_positive_int(epochs, "epochs")
    batches = [minibatch_indices(X.shape[0], batch_size, rng)]  # validate before the first yield

    def generate():
        for epoch in range(epochs):
            for idx in (batches[0] if epoch == 0 else minibatch_indices(X.shape[0], batch_size, rng)):
                yield X[idx], y[idx]

    return generate()


class RunningLoss:
    """Exponential moving average of the per-step losses (seed 001): ``Q := (1 - lam) Q + lam L_i``.

    The first ``update`` sets ``Q = L_1``. ``lam`` in (0, 1] weighs the newest loss; the estimate
    averages over about ``1 / lam`` recent steps (``lam = 1`` keeps only the last loss).
    ``value`` is ``None`` before the first update.
    """

    def __init__(self, lam: float):
        lam = as_finite_real(lam, "lam", "a number in (0, 1]")
        if not 0.0 < lam <= 1.0:
            raise ValueError(f"lam must be in (0, 1], got {lam!r}")
        self.lam = lam
        self._q: float | None = None

    @property
    def value(self) -> float | None:
        """The current estimate ``Q`` (``None`` before the first update)."""
        return self._q

    def update(self, loss_i: float) -> float:
        """Fold in the loss ``L_i`` of one step and return the new ``Q``."""
        loss_i = as_finite_real(loss_i, "loss_i", "a real number")
        if self._q is None:
            self._q = loss_i
        else:
            self._q = (1.0 - self.lam) * self._q + self.lam * loss_i
        return self._q

    def reset(self) -> None:
        """Forget the estimate (``value`` becomes ``None``)."""
        self._q = None

    def __repr__(self) -> str:
        return f"RunningLoss(lam={self.lam!r}, value={self._q!r})"
