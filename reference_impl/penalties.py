"""L2 and L1 penalties on the weights and their gradients on the flat vector (module 5).

Seed 001 adds ``(lambda / 2) ||w||^2`` to the loss (L2, ridge, "гребневая"); seed 000 names ridge
and lasso and notes that lasso drives the least important weights to exactly zero; seed 004 adds
``lambda R(W)`` to the empirical risk. This course writes

- L2: ``value = (lam / 2) sum_i m_i w_i^2``,  ``gradient = lam m_i w_i``;
- L1: ``value = lam sum_i m_i |w_i|``,        ``gradient = lam m_i sign(w_i)``,

where ``m`` is a boolean mask over the flat parameter vector. The ``1/2`` makes the L2 gradient
``lam w``, so one gradient step is ``w := w (1 - lr lam) - lr g``: seed 001's weight decay
(:mod:`reference_impl.weight_decay`). ``|w|`` has no derivative at 0; the subgradient used here
is ``sign(0) = 0``, so a weight that is exactly zero gets no push from the penalty.

Penalties never touch biases: :func:`weight_mask` is True on every entry of the ``"weight"``
group of ``net.layout`` and False on the ``"bias"`` group. Shrinking a bias does not make the
function smoother, it only shifts it. The mask is a required argument so that this is never
forgotten; pass ``np.ones(n, bool)`` to penalize every entry of a plain array on purpose.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_finite_real, as_float_array
from .parameters import WEIGHT, FlatLayout

__all__ = ["weight_mask", "l2_penalty", "l1_penalty", "add_penalty_gradients",
           "penalized_loss_and_gradient"]


def weight_mask(network) -> np.ndarray:
    """Boolean mask (n_params,) over the flat vector: True on weights, False on biases.

    ``network`` is a :class:`~reference_impl.network.Network` (anything with a ``layout``) or a
    :class:`~reference_impl.parameters.FlatLayout`. Built from the layout's ``ParamSpec`` groups,
    so it stays right for any layer kind that declares its parameters.
    """
    layout = network if isinstance(network, FlatLayout) else getattr(network, "layout", None)
    if not isinstance(layout, FlatLayout):
        raise TypeError(f"network must be a Network (with a FlatLayout in .layout) or a FlatLayout, "
                        f"got {type(network).__name__}")
    return layout.group_mask(WEIGHT)


def _check_lam(lam, name: str = "lam") -> float:
    lam = as_finite_real(lam, name, "a non-negative number")
    if lam < 0:
        raise ValueError(f"{name} must be a non-negative number (the penalty strength), got {lam!r}")
    return lam


def check_mask(mask, params: np.ndarray, name: str = "mask") -> np.ndarray:
    """``mask`` as a boolean array of ``params``' shape, or a clear error (shared helper)."""
    if not isinstance(mask, np.ndarray) or mask.dtype != bool:
        got = f"dtype {mask.dtype}" if isinstance(mask, np.ndarray) else type(mask).__name__
        raise TypeError(f"{name} must be a boolean NumPy array (True = penalized weight, "
                        f"False = bias; see weight_mask(network)), got {got}")
    if mask.shape != params.shape:
        raise ValueError(f"{name} must have the shape of params {params.shape}, got {mask.shape}")
    return mask


def l2_penalty(params, lam: float, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """``(lam / 2) sum(w^2)`` over the masked entries, and its gradient ``lam * w`` (0 off the mask).

    params: float array (usually the flat vector (n,)); lam >= 0; mask: bool array, same shape.
    Returns ``(value, grad)``: a Python float and a new array of params' shape and dtype.
    """
    params = as_float_array(params, "params")
    lam = _check_lam(lam)
    mask = check_mask(mask, params)
    w = params[mask]
    grad = np.zeros_like(params)
    np.multiply(params, lam, out=grad, where=mask)
    return 0.5 * lam * float(np.dot(w, w)), grad


def l1_penalty(params, lam: float, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """``lam sum(|w|)`` over the masked entries, and the subgradient ``lam * sign(w)``.

    ``sign(0) = 0``: a weight that is exactly zero gets a zero subgradient. Shapes as in
    :func:`l2_penalty`.
    """
    params = as_float_array(params, "params")
    lam = _check_lam(lam)
    mask = check_mask(mask, params)
    grad = np.zeros_like(params)
    np.sign(params, out=grad, where=mask)
    grad *= lam
    return lam * float(np.abs(params[mask]).sum()), grad


def add_penalty_gradients(grads: np.ndarray, params, mask: np.ndarray, *, l2: float = 0.0,
                          l1: float = 0.0) -> float:
    """Add the L2 and L1 penalty gradients to the flat gradient ``grads`` IN PLACE.

    grads, params, mask: same shape. Returns the penalty value ``(l2/2)||w||^2 + l1 ||w||_1``
    (masked) to add to the data loss.
    """
    if not isinstance(grads, np.ndarray) or not np.issubdtype(grads.dtype, np.floating):
        raise TypeError("grads must be a float NumPy array (it is updated in place)")
    params = as_float_array(params, "params")
    if grads.shape != params.shape:
        raise ValueError(f"grads must have the shape of params {params.shape}, got {grads.shape}")
    value = 0.0
    for lam, penalty in ((_check_lam(l2, "l2"), l2_penalty), (_check_lam(l1, "l1"), l1_penalty)):
        if lam:
            v, g = penalty(params, lam, mask)
            grads += g
            value += v
    return value


def penalized_loss_and_gradient(network, X, y, loss_fn, *, l2: float = 0.0, l1: float = 0.0
                                ) -> tuple[float, np.ndarray]:
    """``network.loss_and_gradient`` plus the weight penalties (biases are not penalized).

    Returns ``(data loss + penalty, network.grads)`` with the penalty gradients already added to
    ``network.grads`` (the flat gradient, ``vec`` order), ready for ``optimizer.step``.
    """
    loss, grads = network.loss_and_gradient(X, y, loss_fn)
    loss += add_penalty_gradients(grads, network.params, weight_mask(network), l2=l2, l1=l1)
    return loss, grads
