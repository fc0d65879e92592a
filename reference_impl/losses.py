"""Loss functions (функции потерь). Each returns ``(loss, gradient)``.

``loss`` is a Python float averaged over the batch; ``gradient`` is dloss/d(first argument)
with the first argument's shape, so it can be fed straight into ``Network.backward``.

Everything is computed in the dtype of the first argument: targets are converted to it, so a
float32 network's loss and gradient stay float32. ``softmax_cross_entropy`` also takes ``out=``,
an array to write the gradient into, which the training step reuses from step to step.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_same_shape
from .activations import log_softmax, sigmoid, softmax

__all__ = ["mean_squared_error", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "softmax_cross_entropy", "PROBABILITY_EPS"]

# Probabilities are clipped to [eps, 1 - eps] so that p = 0 or 1 gives a finite loss
# (-log(1e-12) = 27.6) and a finite gradient.
PROBABILITY_EPS = 1e-12


def _pair(pred, target, pred_name, target_name):
    pred = as_float_array(pred, pred_name, ndim=(1, 2))
    target = as_float_array(target, target_name, ndim=(1, 2), dtype=pred.dtype)
    check_same_shape(pred, pred_name, target, target_name)
    if pred.size == 0:
        raise ValueError(f"{pred_name} is empty")
    return pred, target


def mean_squared_error(pred, target):
    """MSE = mean((pred - target)^2) over all entries.

    pred, target: (n,) or (n, k). Returns ``(loss, dloss/dpred)`` with the gradient
    ``2 (pred - target) / pred.size``. Seed 001 uses the half-squared error
    ``(a - y)^2 / 2`` per object, which differs by the constant factor 2.
    """
    pred, target = _pair(pred, target, "pred", "target")
    diff = pred - target
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size


def _check_binary_targets(target):
    if ((target < 0) | (target > 1)).any():
        raise ValueError("target must contain values in [0, 1] (class labels 0/1 or soft labels)")


def binary_cross_entropy(probs, target, eps: float = PROBABILITY_EPS):
    """Mean of ``-[y log p + (1 - y) log(1 - p)]`` from probabilities ``p``.

    probs, target: (n,) or (n, 1), values in [0, 1]. ``p`` is clipped to ``[eps, 1 - eps]``
    so that p = 0 or 1 gives a finite loss and gradient (in float32, where 1 - 1e-12 rounds to
    1, the upper end is the largest float32 below 1). Returns ``(loss, dloss/dprobs)``.
    Prefer :func:`binary_cross_entropy_with_logits` when the logits are available.
    """
    p, y = _pair(probs, target, "probs", "target")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("probs must lie in [0, 1]; pass logits to binary_cross_entropy_with_logits")
    _check_binary_targets(y)
    p = np.clip(p, eps, min(1.0 - eps, 1.0 - float(np.finfo(p.dtype).epsneg)))
    loss = -(y * np.log(p) + (1.0 - y) * np.log1p(-p))
    grad = (p - y) / (p * (1.0 - p)) / p.size
    return float(loss.mean()), grad


def binary_cross_entropy_with_logits(logits, target):
    """Binary cross-entropy of ``sigmoid(logits)``, computed from the logits.

    ``loss_i = softplus(z_i) - y_i z_i = max(z, 0) - y z + log(1 + exp(-|z|))``: exact for
    logits of any size. Gradient: ``(sigmoid(z) - y) / n``.
    """
    z, y = _pair(logits, target, "logits", "target")
    _check_binary_targets(y)
    loss = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
    return float(loss.mean()), (sigmoid(z) - y) / z.size


def softmax_cross_entropy(logits, labels, *, out=None):
    """Mean of ``-log softmax(logits)[label]`` with the log-sum-exp trick.

    logits: (n, k). labels: integer class indices (n,) in ``0..k-1``, or one-hot / soft targets
    (n, k) whose rows sum to 1. Returns ``(loss, (softmax(logits) - Y) / n)``.

    Softmax and cross-entropy are fused on the logits: with ``s = z - max(z)`` (row-wise) and
    ``e = exp(s)``, the loss of a row is ``log(sum(e)) - s[label]`` and the gradient is
    ``(e / sum(e) - Y) / n``; one exponential serves both, and no one-hot matrix is built.
    ``out``: optional (n, k) array of the logits' dtype that receives the gradient (it may be
    ``logits`` itself); the training step passes one it reuses, so no new (n, k) array is made.
    """
    z = as_float_array(logits, "logits", ndim=2)
    n, k = z.shape
    if n == 0:
        raise ValueError("logits is empty")
    labels = _class_labels(labels, z)
    if out is None:
        out = np.empty_like(z)
    elif not (isinstance(out, np.ndarray) and out.shape == z.shape and out.dtype == z.dtype):
        raise ValueError(f"out must be an array of the logits' shape {z.shape} and dtype {z.dtype}")
    if labels.ndim == 2:  # soft targets Y (n, k)
        loss = -(labels * log_softmax(z, axis=1)).sum(axis=1).mean()
        np.subtract(softmax(z, axis=1), labels, out=out)
        out /= n
        return float(loss), out
    rows = np.arange(n)
    zmax = z.max(axis=1, keepdims=True)
    np.subtract(z, zmax, out=out)                # s = z - max: exponents <= 0, no overflow
    s_label = out[rows, labels]                  # s[label] of each row, (n,)
    np.exp(out, out=out)                         # e = exp(s)
    total = out.sum(axis=1, keepdims=True)       # sum(e), (n, 1)
    loss = (np.log(total[:, 0]) - s_label).sum() / n  # the mean (np.mean costs more here)
    out /= total                                 # softmax(z)
    out[rows, labels] -= 1.0                     # softmax(z) - Y
    out /= n
    return float(loss), out


def _class_labels(labels, z: np.ndarray) -> np.ndarray:
    """Integer labels (n,) checked against logits z (n, k), or soft targets (n, k) in z's dtype."""
    n, k = z.shape
    raw = np.asarray(labels)
    if raw.ndim == 1:
        if raw.shape[0] != n:
            raise ValueError(f"labels must have shape ({n},) to match logits {z.shape}, got {raw.shape}")
        if not np.issubdtype(raw.dtype, np.integer):
            if np.issubdtype(raw.dtype, np.floating) and np.all(np.isfinite(raw)) and np.all(raw == np.round(raw)):
                raw = raw.astype(np.int64)
            else:
                raise TypeError(f"integer labels must have an integer dtype, got {raw.dtype}")
        if raw.size and (raw.min() < 0 or raw.max() >= k):
            raise ValueError(f"labels must lie in 0..{k - 1}, got values from {raw.min()} to {raw.max()}")
        return raw
    Y = as_float_array(raw, "labels", ndim=2, dtype=z.dtype)
    check_same_shape(Y, "labels", z, "logits")
    if (Y < 0).any() or not np.allclose(Y.sum(axis=1), 1.0):
        raise ValueError("one-hot labels must be non-negative and each row must sum to 1")
    return Y
