"""Rosenblatt's perceptron (персептрон Розенблатта) learning rule for one threshold neuron.

Labels are 0/1 and the neuron predicts ``yhat = I[x @ w + b > 0]`` (the ``threshold``
activation). Rows are visited one at a time; on a mistake the weights move towards the
misclassified point (label 1) or away from it (label 0)::

    w := w + lr * (y - yhat) * x,    b := b + lr * (y - yhat)

``y - yhat`` is 0 on a correct prediction and +-1 on a mistake, so this is the classic rule
``w := w + lr * t * x`` written for labels ``t = 2y - 1`` in {-1, +1}. Starting from
``w = 0, b = 0``, the learning rate only rescales ``(w, b)`` and never changes a prediction.

Novikoff's theorem (1962): if some ``(w*, b*)`` separates the data with margin ``gamma`` (in
the augmented space ``(x, 1)`` with ``|(w*, b*)| = 1``) and ``|(x, 1)| <= R`` for every row,
the rule makes at most ``(R / gamma)**2`` mistakes in total. On data that no line separates,
such as XOR, every epoch has a mistake, so training stops only at ``max_epochs``.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_float_array, check_positive_int
from .neuron import neuron_forward

__all__ = ["PerceptronResult", "train_perceptron"]


@dataclass(eq=False)
class PerceptronResult:
    """Outcome of :func:`train_perceptron`.

    ``w`` (d,) and ``b`` are the final parameters; ``errors_per_epoch[k]`` is the number of
    mistakes (= updates) made during epoch ``k + 1``; ``trajectory[k]`` is ``(w, b)`` at the end
    of that epoch; ``converged`` is True iff the last epoch made no mistake, i.e. ``(w, b)``
    classifies every training row correctly.
    """
    w: np.ndarray
    b: float
    errors_per_epoch: list[int]
    converged: bool
    trajectory: list[tuple[np.ndarray, float]] = field(default_factory=list, repr=False)

    @property
    def epochs(self) -> int:
        """Number of epochs run (the error-free last one included when converged)."""
        return len(self.errors_per_epoch)

    def predict(self, X) -> np.ndarray:
        """0/1 predictions ``I[X @ w + b > 0]``. X: (n, d) -> (n,)."""
        return neuron_forward(X, self.w, self.b, "threshold")


def _check_labels(y, n_rows: int) -> np.ndarray:
    y = as_float_array(y, "y", ndim=1, dtype=np.float64)
    if y.shape[0] != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {y.shape[0]} labels")
    if not np.isin(y, (0.0, 1.0)).all():
        bad = y[~np.isin(y, (0.0, 1.0))][0]
        raise ValueError(f"y must contain only the labels 0 and 1 (not -1/+1), found {bad}")
    return y


def _check_learning_rate(lr) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"lr must be a real number, got {type(lr).__name__}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    return float(lr)


def _check_seed(seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be None or an integer, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))


def train_perceptron(X, y, lr: float = 1.0, max_epochs: int = 100,
                     seed: int | None = None) -> PerceptronResult:
    """Train one threshold neuron on ``X`` (n, d) and 0/1 labels ``y`` (n,) by Rosenblatt's rule.

    Starts from ``w = 0, b = 0``. One epoch visits every row once: in the given order when
    ``seed`` is None, in a fresh random order from ``np.random.default_rng(seed)`` otherwise.
    Stops after the first epoch without a mistake (``converged=True``) or after
    ``max_epochs`` epochs (``converged=False``), so it always terminates.
    """
    X = as_float_array(X, "X", ndim=2, dtype=np.float64)
    if X.shape[0] == 0:
        raise ValueError("X must have at least one row")
    y = _check_labels(y, X.shape[0])
    lr = _check_learning_rate(lr)
    max_epochs = check_positive_int(max_epochs, "max_epochs")
    rng = _check_seed(seed)

    n, d = X.shape
    w, b = np.zeros(d), 0.0
    errors_per_epoch: list[int] = []
    trajectory: list[tuple[np.ndarray, float]] = []
    for _ in range(max_epochs):
        order = rng.permutation(n) if rng is not None else range(n)
        mistakes = 0
        for i in order:
            predicted = 1.0 if X[i] @ w + b > 0 else 0.0
            step = y[i] - predicted          # 0 when right, +1 or -1 when wrong
            if step != 0.0:
                w += lr * step * X[i]
                b += lr * step
                mistakes += 1
        errors_per_epoch.append(mistakes)
        trajectory.append((w.copy(), b))
        if mistakes == 0:                    # (w, b) now classifies every row correctly
            return PerceptronResult(w, b, errors_per_epoch, True, trajectory)
    return PerceptronResult(w, b, errors_per_epoch, False, trajectory)
