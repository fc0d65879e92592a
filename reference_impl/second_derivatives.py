"""Second derivatives of the activations and of the losses, for the second backward pass (module 7).

``activations.py`` gives every activation ``f`` with its first derivative ``f'``; the diagonal
of the Hessian needs ``f''`` as well, and the second derivative of the loss with respect to the
network's output. Both live here so that :mod:`reference_impl.hessian_diagonal` stays about the
recursion itself.

Activations (element-wise, any shape -> same shape; ``s = sigmoid(z)``, ``t = tanh(z)``):

=============  =====================================================================
activation     ``f''(z)``
=============  =====================================================================
identity       ``0``
threshold      ``0`` (almost everywhere; no curvature flows through a step)
sign           ``0`` (almost everywhere)
sigmoid        ``s (1 - s) (1 - 2 s)``
tanh           ``-2 t (1 - t^2)``
relu           ``0`` (almost everywhere: the kink at 0 has no second derivative)
leaky_relu     ``0`` (almost everywhere)
elu            ``0`` for ``z > 0``, ``alpha exp(z)`` otherwise (``alpha = 1``)
selu           ``0`` for ``z > 0``, ``lambda alpha exp(z)`` otherwise
gelu           ``phi(z) (2 - z^2)``, ``phi`` the standard normal density
gelu_tanh      derivative of :func:`~reference_impl.activations.gelu_tanh_derivative`
softplus       ``s (1 - s)``
gaussian       ``(4 z^2 - 2) exp(-z^2)``
=============  =====================================================================

Losses, as :mod:`reference_impl.losses` defines them (averaged over the batch), differentiated
twice with respect to the output ``O`` of shape ``(n, k)``; ``N = O.size = n k``:

- ``mean_squared_error``: ``Q = sum (O - Y)^2 / N``, so ``d2Q / dO_ia dO_jb = 2 / N`` if
  ``(i, a) = (j, b)`` and 0 otherwise: the output Hessian is diagonal and constant.
- ``softmax_cross_entropy`` on the logits ``O``: ``Q = -mean_i log softmax(O_i)[y_i]``; for one
  row ``d2Q / dO_ia dO_ib = (p_ia [a = b] - p_ia p_ib) / n`` with ``p_i = softmax(O_i)``. Its
  diagonal is ``p (1 - p) / n``; the off-diagonal ``-p_a p_b / n`` couples the outputs.
  (The labels do not appear: the Hessian of cross-entropy in the logits is the same for every
  target.)
- ``binary_cross_entropy_with_logits``: ``p (1 - p) / N`` with ``p = sigmoid(O)``, diagonal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import losses
from ._validation import as_float_array
from .activations import ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA, get_activation, sigmoid, softmax

__all__ = ["identity_second_derivative", "zero_second_derivative", "sigmoid_second_derivative",
           "tanh_second_derivative", "elu_second_derivative", "selu_second_derivative",
           "gelu_second_derivative", "gelu_tanh_second_derivative", "softplus_second_derivative",
           "gaussian_second_derivative", "ACTIVATION_SECOND_DERIVATIVES",
           "activation_second_derivative", "SecondOrderLoss", "SECOND_ORDER_LOSSES",
           "get_second_order_loss"]


# The constants of activations.gelu_tanh (Hendrycks & Gimpel, 2016); a test checks that the
# second derivative below matches central differences of gelu_tanh_derivative.
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_GELU_CUBIC = 0.044715


def _z(z) -> np.ndarray:
    return as_float_array(z, "z")


# --- activations ---------------------------------------------------------------------------------

def zero_second_derivative(z):
    """``f''(z) = 0``: piecewise-linear activations (threshold, sign, ReLU, leaky ReLU) and identity.

    At a kink (``z = 0``) there is no second derivative; 0 is returned there as well.
    """
    return np.zeros_like(_z(z))


identity_second_derivative = zero_second_derivative


def sigmoid_second_derivative(z):
    """``sigma''(z) = sigma (1 - sigma) (1 - 2 sigma)``; zero at ``z = 0``."""
    s = sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def tanh_second_derivative(z):
    """``tanh''(z) = -2 tanh(z) (1 - tanh(z)^2)``; zero at ``z = 0``."""
    t = np.tanh(_z(z))
    return -2.0 * t * (1.0 - t * t)


def elu_second_derivative(z, alpha: float = 1.0):
    """0 for ``z > 0``, ``alpha exp(z)`` otherwise (ELU's derivative jumps at 0 unless alpha = 1)."""
    z = _z(z)
    return np.where(z > 0, 0.0, alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype, copy=False)


def selu_second_derivative(z):
    """``lambda`` times ELU's second derivative with SELU's ``alpha``."""
    return SELU_LAMBDA * elu_second_derivative(z, SELU_ALPHA)


def gelu_second_derivative(z):
    """``d2/dz2 [z Phi(z)] = 2 phi(z) + z phi'(z) = phi(z) (2 - z^2)``."""
    z = _z(z)
    pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return pdf * (2.0 - z * z)


def gelu_tanh_second_derivative(z):
    """Second derivative of ``0.5 z (1 + tanh(u))`` with ``u = c (z + a z^3)``.

    ``(1 - t^2) (u' + z (u'' - 2 t u'^2) / 2)`` with ``t = tanh(u)``, ``u' = c (1 + 3 a z^2)``,
    ``u'' = 6 a c z``.
    """
    z = _z(z)
    t = np.tanh(_SQRT_2_OVER_PI * (z + _GELU_CUBIC * z ** 3))
    u1 = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * z * z)
    u2 = 6.0 * _SQRT_2_OVER_PI * _GELU_CUBIC * z
    return (1.0 - t * t) * (u1 + 0.5 * z * (u2 - 2.0 * t * u1 * u1))


def softplus_second_derivative(z):
    """``softplus''(z) = sigma'(z) = sigma (1 - sigma)``."""
    s = sigmoid(z)
    return s * (1.0 - s)


def gaussian_second_derivative(z):
    """``d2/dz2 exp(-z^2) = (4 z^2 - 2) exp(-z^2)``."""
    z = _z(z)
    return (4.0 * z * z - 2.0) * np.exp(-z * z)


ACTIVATION_SECOND_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": zero_second_derivative,
    "threshold": zero_second_derivative,
    "sign": zero_second_derivative,
    "sigmoid": sigmoid_second_derivative,
    "tanh": tanh_second_derivative,
    "relu": zero_second_derivative,
    "leaky_relu": zero_second_derivative,
    "elu": elu_second_derivative,
    "selu": selu_second_derivative,
    "gelu": gelu_second_derivative,
    "gelu_tanh": gelu_tanh_second_derivative,
    "softplus": softplus_second_derivative,
    "gaussian": gaussian_second_derivative,
}


def activation_second_derivative(activation) -> Callable[[np.ndarray], np.ndarray]:
    """``f''`` of an activation given by name (``"tanh"``) or as a registered ``Activation``.

    An ``Activation`` built by hand (not one of ``activations.ACTIVATIONS``) has no known second
    derivative: ValueError.
    """
    act = get_activation(activation)
    if ACTIVATIONS.get(act.name) is not act or act.name not in ACTIVATION_SECOND_DERIVATIVES:
        raise ValueError(f"no second derivative is known for activation {act!r}; use one of "
                         f"{sorted(ACTIVATION_SECOND_DERIVATIVES)}")
    return ACTIVATION_SECOND_DERIVATIVES[act.name]


# --- losses ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SecondOrderLoss:
    """A loss of :mod:`reference_impl.losses` with its second derivatives in the output.

    ``function(O, y) -> (loss, dQ/dO)`` is the loss itself; ``hessian_diagonal(O, y)`` returns
    ``d2Q/dO_ia^2`` with the shape ``(n, k)`` of ``O``; ``hessian_blocks(O, y)`` returns the
    exact per-row Hessian ``d2Q / dO_ia dO_ib`` of shape ``(n, k, k)`` (rows do not interact, so
    this is the whole Hessian in the outputs).
    """
    name: str
    function: Callable
    hessian_diagonal: Callable[[np.ndarray, np.ndarray], np.ndarray]
    hessian_blocks: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def __repr__(self) -> str:
        return f"SecondOrderLoss({self.name!r})"


def _output(O) -> np.ndarray:
    return as_float_array(O, "output", ndim=2)


def _mse_diagonal(O, y):
    O = _output(O)
    return np.full_like(O, 2.0 / O.size)


def _mse_blocks(O, y):
    O = _output(O)
    n, k = O.shape
    return np.broadcast_to(np.eye(k) * (2.0 / O.size), (n, k, k)).astype(O.dtype)


def _softmax_probs(O):
    return softmax(_output(O), axis=1)


def _ce_diagonal(O, y):
    p = _softmax_probs(O)
    return p * (1.0 - p) / p.shape[0]


def _ce_blocks(O, y):
    p = _softmax_probs(O)
    n, k = p.shape
    return (np.einsum("na,ab->nab", p, np.eye(k)) - p[:, :, None] * p[:, None, :]) / n


def _bce_logits_diagonal(O, y):
    O = _output(O)
    p = sigmoid(O)
    return p * (1.0 - p) / O.size


def _bce_logits_blocks(O, y):
    d = _bce_logits_diagonal(O, y)
    return np.einsum("na,ab->nab", d, np.eye(d.shape[1]))


SECOND_ORDER_LOSSES: dict[str, SecondOrderLoss] = {s.name: s for s in [
    SecondOrderLoss("mean_squared_error", losses.mean_squared_error, _mse_diagonal, _mse_blocks),
    SecondOrderLoss("softmax_cross_entropy", losses.softmax_cross_entropy, _ce_diagonal, _ce_blocks),
    SecondOrderLoss("binary_cross_entropy_with_logits", losses.binary_cross_entropy_with_logits,
                    _bce_logits_diagonal, _bce_logits_blocks),
]}


def get_second_order_loss(loss) -> SecondOrderLoss:
    """Look a loss up by its function in :mod:`reference_impl.losses` or by its name.

    ``get_second_order_loss(mean_squared_error)`` and ``get_second_order_loss("mean_squared_error")``
    are the same. Any other callable raises ValueError: its second derivative is not known.
    """
    if isinstance(loss, SecondOrderLoss):
        return loss
    for spec in SECOND_ORDER_LOSSES.values():
        if loss is spec.function or (isinstance(loss, str) and loss == spec.name):
            return spec
    raise ValueError(f"loss must be one of {sorted(SECOND_ORDER_LOSSES)} (the function from "
                     f"reference_impl.losses or its name), got {loss!r}: the second backward pass "
                     f"needs the loss's second derivative in the output")
