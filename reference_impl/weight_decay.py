"""Weight decay ``w := w (1 - lr lam)`` and decoupled weight decay for Adam, AdamW (module 5).

Seed 001 writes the gradient step with dropout and the L2 penalty ``(lam / 2) ||w||^2`` as::

    w := w (1 - eta lam) - eta g

For plain SGD the two are the same method: the gradient of the penalized loss is ``g + lam w``,
so ``w - lr (g + lam w) = w (1 - lr lam) - lr g``, with the same ``lr`` and ``lam`` in both
(:class:`SGDW` equals ``SGD`` on the gradient of :func:`~reference_impl.penalties.l2_penalty`).

For an adaptive method they differ. Adam with the L2 gradient ``g + lam w`` feeds ``lam w`` into
its moments ``m`` and ``v`` and divides it by ``sqrt(vhat)``: weights with large gradients are
decayed LESS. Loshchilov & Hutter (2019, "Decoupled weight decay regularization") instead
shrink the weights outside the adaptive step, :class:`AdamW`::

    m, v, mhat, vhat as in Adam (from g alone)
    w := w (1 - lr lam) - lr mhat / (sqrt(vhat) + eps)

The paper writes ``w := w - eta_t (alpha mhat / (sqrt(vhat) + eps) + lambda w)`` with a schedule
multiplier ``eta_t``; with ``eta_t = 1`` its ``alpha`` is ``lr`` here and its ``lambda`` is
``lr * lam`` here. This class uses the course's (and PyTorch's ``AdamW``) form ``1 - lr lam``.

The decay applies where ``mask`` is True; pass :func:`~reference_impl.penalties.weight_mask`
so that biases are not decayed. Like every optimizer of module 4, a step updates ``params`` IN
PLACE and allocates nothing of the parameters' size after the first step.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_finite_real
from .optimizers import Adam, GradientDescent
from .penalties import check_mask

__all__ = ["decay_weights", "SGDW", "AdamW"]


def _decay_coefficient(lam, name: str = "weight_decay") -> float:
    lam = as_finite_real(lam, name, "a non-negative number")
    if lam < 0:
        raise ValueError(f"{name} must be a non-negative number, got {lam!r}")
    return lam


def decay_weights(params: np.ndarray, lr: float, lam: float, mask: np.ndarray) -> None:
    """``w := w (1 - lr lam)`` IN PLACE on the entries where ``mask`` is True.

    params: float array (n,); lr > 0; lam >= 0; mask: bool (n,). ``lr * lam`` must be below 1
    (otherwise the weights would flip sign). Allocates nothing.
    """
    if not isinstance(params, np.ndarray) or not np.issubdtype(params.dtype, np.floating):
        raise TypeError("params must be a float NumPy array (it is updated in place)")
    lr = as_finite_real(lr, "lr", "a positive number")
    if lr <= 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    lam = _decay_coefficient(lam, "lam")
    if lr * lam >= 1.0:
        raise ValueError(f"lr * lam must be below 1 (the factor 1 - lr lam would be <= 0), "
                         f"got lr = {lr!r}, lam = {lam!r}")
    mask = check_mask(mask, params)
    np.multiply(params, 1.0 - lr * lam, out=params, where=mask)


class _DecoupledDecay:
    """Mixin: shrink the masked weights by ``1 - lr weight_decay`` before the parent's update."""

    def _init_decay(self, weight_decay, mask):
        self.weight_decay = _decay_coefficient(weight_decay)
        if not isinstance(mask, np.ndarray) or mask.dtype != bool or mask.ndim != 1:
            raise TypeError("mask must be a 1-D boolean NumPy array over the flat parameter vector "
                            "(True = decayed weight, False = bias); use "
                            "reference_impl.penalties.weight_mask(network)")
        if self.lr * self.weight_decay >= 1.0:
            raise ValueError(f"lr * weight_decay must be below 1, got lr = {self.lr!r}, "
                             f"weight_decay = {self.weight_decay!r}")
        self.mask = mask

    def _check(self, params, grads):
        super()._check(params, grads)
        check_mask(self.mask, params)

    def _per_coordinate_arrays(self):
        return {**super()._per_coordinate_arrays(), "decay_mask": self.mask}

    def _update(self, params, grads, state):
        # w := w (1 - lr lam), decoupled from the gradient step (uses the weights before the step)
        np.multiply(params, 1.0 - self.lr * self.weight_decay, out=params, where=state["decay_mask"])
        super()._update(params, grads, state)


class SGDW(_DecoupledDecay, GradientDescent):
    """SGD with weight decay: ``w := w (1 - lr lam) - lr g`` on the masked weights.

    For plain SGD this IS the L2 penalty ``(lam / 2) ||w||^2`` (see the module docstring).
    state: ``scratch``.
    """

    hyperparameters = ("lr", "weight_decay")

    def __init__(self, lr: float = 0.1, weight_decay: float = 0.0, *, mask: np.ndarray):
        super().__init__(lr)
        self._init_decay(weight_decay, mask)


class AdamW(_DecoupledDecay, Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as PyTorch's ``AdamW``.

    ``w := w (1 - lr weight_decay) - lr mhat / (sqrt(vhat) + eps)``, the moments computed from
    the gradient alone. state: ``m``, ``v``. ``mask`` (bool, (n,)) selects the decayed entries.
    """

    hyperparameters = ("lr", "weight_decay", "beta1", "beta2", "eps")

    def __init__(self, lr: float = 1e-3, weight_decay: float = 1e-2, *, mask: np.ndarray,
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr, beta1, beta2, eps)
        self._init_decay(weight_decay, mask)
