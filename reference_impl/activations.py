"""Activation functions (функции активации) and their derivatives.

Every function takes an array ``z`` of any shape and returns an array of the same shape.
Each is written so that inputs of magnitude 1e3 (and far beyond) give finite, correct results
with no overflow warning: exponentials are only ever taken of non-positive numbers.

Conventions (see lecture 1):
  * threshold(z) = 1 if z > 0 else 0 (seed 004's indicator I[z > 0]); its derivative is 0.
  * sign(z) is NumPy's sign, so sign(0) = 0.
  * Derivatives at kinks use the value of the right-hand branch at 0 only where the
    function is differentiable; at z = 0 ReLU's derivative is taken as 0 (I[z > 0], seed 004).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import as_float_array

__all__ = [
    "identity", "identity_derivative", "threshold", "threshold_derivative",
    "sign", "sign_derivative", "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative",
    "relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative",
    "prelu", "prelu_backward", "elu", "elu_derivative", "selu", "selu_derivative",
    "gelu", "gelu_derivative", "gelu_tanh", "gelu_tanh_derivative",
    "softplus", "softplus_derivative", "gaussian", "gaussian_derivative",
    "softmax", "log_softmax", "softmax_backward",
    "identity_into", "identity_vjp_into", "relu_into", "relu_vjp_into", "tanh_into", "tanh_vjp_into",
    "Activation", "ACTIVATIONS", "get_activation",
    "SELU_LAMBDA", "SELU_ALPHA",
]

# Klambauer et al. (2017), "Self-Normalizing Neural Networks", eq. (14).
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_GELU_CUBIC = 0.044715  # Hendrycks & Gimpel (2016); seed 004 misprints it as 0.44715 * x^2


def _z(z) -> np.ndarray:
    return as_float_array(z, "z")


# --- identity, threshold, sign -------------------------------------------------------------

def identity(z):
    """f(z) = z. Shape: any -> same."""
    return _z(z).copy()


def identity_derivative(z):
    """f'(z) = 1. Shape: any -> same."""
    return np.ones_like(_z(z))


def threshold(z):
    """Heaviside step I[z > 0] (пороговая функция): 1.0 where z > 0, else 0.0."""
    z = _z(z)
    return (z > 0).astype(z.dtype)


def threshold_derivative(z):
    """0 everywhere (undefined at 0, where we also return 0): no gradient flows through."""
    return np.zeros_like(_z(z))


def sign(z):
    """sign(z) in {-1, 0, 1}, with sign(0) = 0."""
    return np.sign(_z(z))


def sign_derivative(z):
    """0 everywhere (undefined at 0, where we also return 0)."""
    return np.zeros_like(_z(z))


# --- sigmoid family ------------------------------------------------------------------------

def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), values in [0, 1] (in (0, 1) before rounding).

    Stable form: with ``e = exp(-|z|) <= 1``, sigmoid is ``1 / (1 + e)`` for z >= 0 and
    ``e / (1 + e)`` for z < 0, so no exponential can overflow.
    """
    z = _z(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_derivative(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), in (0, 0.25] with the maximum 0.25 at z = 0."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent, values in [-1, 1]."""
    return np.tanh(_z(z))


def tanh_derivative(z):
    """tanh'(z) = 1 - tanh(z)^2, in (0, 1]."""
    t = np.tanh(_z(z))
    return 1.0 - t * t


def softplus(z):
    """log(1 + exp(z)), computed as logaddexp(0, z): a smooth ReLU."""
    return np.logaddexp(0.0, _z(z))


def softplus_derivative(z):
    """softplus'(z) = sigmoid(z)."""
    return sigmoid(z)


# --- ReLU family ---------------------------------------------------------------------------

def relu(z):
    """max(0, z)."""
    return np.maximum(_z(z), 0.0)


def relu_derivative(z):
    """I[z > 0] (0 at z = 0, as in seed 004)."""
    z = _z(z)
    return (z > 0).astype(z.dtype)


def _check_alpha(alpha, name="alpha"):
    alpha = np.asarray(alpha, dtype=float)
    if not np.isfinite(alpha).all():
        raise ValueError(f"{name} must be finite, got {alpha}")
    return alpha


def leaky_relu(z, alpha: float = 0.01):
    """z for z > 0, alpha * z otherwise. Seed 004 writes max(0.1 z, z), i.e. alpha = 0.1."""
    z = _z(z)
    alpha = _check_alpha(alpha)
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_derivative(z, alpha: float = 0.01):
    """1 for z > 0, alpha otherwise."""
    z = _z(z)
    alpha = _check_alpha(alpha)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype, copy=False)


def prelu(z, alpha):
    """Parametric ReLU (He et al., 2015): leaky ReLU whose slope ``alpha`` is learned.

    ``alpha`` is a scalar or an array broadcastable to ``z`` (one slope per unit: shape
    ``(units,)`` for ``z`` of shape ``(n, units)``).
    """
    return leaky_relu(z, alpha)


def prelu_backward(dout, z, alpha):
    """Gradients of PReLU: returns ``(dz, dalpha)``; ``dalpha`` has the shape of ``alpha``."""
    z = _z(z)
    dout = as_float_array(dout, "dout")
    if dout.shape != z.shape:
        raise ValueError(f"dout must have the shape of z {z.shape}, got {dout.shape}")
    alpha = _check_alpha(alpha)
    dz = dout * np.where(z > 0, 1.0, alpha)
    dalpha_full = dout * np.where(z > 0, 0.0, z)
    # Sum over the axes along which alpha was broadcast.
    extra = dalpha_full.ndim - alpha.ndim
    dalpha = dalpha_full.sum(axis=tuple(range(extra))) if extra else dalpha_full
    for axis, size in enumerate(alpha.shape):
        if size == 1 and dalpha.shape[axis] != 1:
            dalpha = dalpha.sum(axis=axis, keepdims=True)
    return dz, dalpha.reshape(alpha.shape)


def elu(z, alpha: float = 1.0):
    """z for z > 0, alpha (exp(z) - 1) otherwise (Clevert et al., 2015)."""
    z = _z(z)
    alpha = _check_alpha(alpha)
    neg = alpha * np.expm1(np.minimum(z, 0.0))  # exp only of non-positive numbers
    return np.where(z > 0, z, neg).astype(z.dtype, copy=False)


def elu_derivative(z, alpha: float = 1.0):
    """1 for z > 0, alpha exp(z) otherwise."""
    z = _z(z)
    alpha = _check_alpha(alpha)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype, copy=False)


def selu(z):
    """lambda * ELU_alpha(z) with the self-normalising constants of Klambauer et al. (2017)."""
    return SELU_LAMBDA * elu(z, SELU_ALPHA)


def selu_derivative(z):
    """lambda for z > 0, lambda alpha exp(z) otherwise."""
    return SELU_LAMBDA * elu_derivative(z, SELU_ALPHA)


# --- GELU and Gaussian ---------------------------------------------------------------------

def _erf(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # SciPy's erf is exact to double precision
    return erf(x)


def gelu(z):
    """Exact GELU: z * Phi(z) = z/2 (1 + erf(z / sqrt 2)) (Hendrycks & Gimpel, 2016)."""
    z = _z(z)
    return 0.5 * z * (1.0 + _erf(z / np.sqrt(2.0)))


def gelu_derivative(z):
    """Phi(z) + z phi(z), with phi the standard normal density."""
    z = _z(z)
    cdf = 0.5 * (1.0 + _erf(z / np.sqrt(2.0)))
    pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return cdf + z * pdf


def gelu_tanh(z):
    """Tanh approximation 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))).

    Seed 004 prints ``a z^2`` with ``a = 0.44715``; the published form is ``0.044715 z^3``.
    """
    z = _z(z)
    return 0.5 * z * (1.0 + np.tanh(_SQRT_2_OVER_PI * (z + _GELU_CUBIC * z ** 3)))


def gelu_tanh_derivative(z):
    """Derivative of :func:`gelu_tanh` (exact for the approximation, not for the exact GELU)."""
    z = _z(z)
    t = np.tanh(_SQRT_2_OVER_PI * (z + _GELU_CUBIC * z ** 3))
    inner_prime = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * z * z)
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * inner_prime


def gaussian(z):
    """Gaussian bump exp(-z^2), values in (0, 1]."""
    z = _z(z)
    return np.exp(-z * z)


def gaussian_derivative(z):
    """-2 z exp(-z^2)."""
    z = _z(z)
    return -2.0 * z * np.exp(-z * z)


# --- softmax -------------------------------------------------------------------------------

def _axis(z: np.ndarray, axis: int) -> int:
    if z.ndim == 0:
        raise ValueError("z must have at least 1 dimension for softmax, got a scalar")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis {axis} is out of range for z of shape {z.shape}")
    return axis


def softmax(z, axis: int = -1):
    """exp(z_j) / sum_k exp(z_k) along ``axis``; shape preserved, entries sum to 1.

    Subtracting the maximum first (the log-sum-exp trick) leaves the result unchanged and keeps
    every exponent <= 0, so logits of 1e4 do not overflow.
    """
    z = _z(z)
    axis = _axis(z, axis)
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis: int = -1):
    """log softmax(z) = z - max - log(sum(exp(z - max))), exact for huge logits."""
    z = _z(z)
    axis = _axis(z, axis)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_backward(dout, s, axis: int = -1):
    """Vector-Jacobian product of softmax: given ``s = softmax(z)`` and dL/ds, return dL/dz.

    dL/dz = s * (dout - sum(dout * s)) along ``axis``; the full Jacobian is never formed.
    """
    s = as_float_array(s, "s")
    dout = as_float_array(dout, "dout")
    if dout.shape != s.shape:
        raise ValueError(f"dout must have the shape of s {s.shape}, got {dout.shape}")
    axis = _axis(s, axis)
    return s * (dout - (dout * s).sum(axis=axis, keepdims=True))


# --- in-place forms for the training step -------------------------------------------------
# A training step writes every intermediate result into arrays it allocated once (see
# ``Network.loss_and_gradient``). These forms write into ``out`` (z's shape and dtype) and skip
# the input checks: z is an array the network made itself. ``dh`` is dL/dh, the result dL/dz.

def identity_into(z, out):
    """out = z."""
    np.copyto(out, z)
    return out


def identity_vjp_into(dh, z, out):
    """out = dh * 1."""
    np.copyto(out, dh)
    return out


def relu_into(z, out):
    """out = max(0, z)."""
    return np.maximum(z, 0.0, out=out)


def relu_vjp_into(dh, z, out):
    """out = dh * I[z > 0]: the comparison is written straight into ``out`` as 0.0 / 1.0."""
    np.greater(z, 0.0, out=out)
    return np.multiply(out, dh, out=out)


def tanh_into(z, out):
    """out = tanh(z)."""
    return np.tanh(z, out=out)


def tanh_vjp_into(dh, z, out):
    """out = dh * (1 - tanh(z)^2)."""
    np.tanh(z, out=out)
    np.multiply(out, out, out=out)
    np.subtract(1.0, out, out=out)
    return np.multiply(out, dh, out=out)


# --- registry ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """An element-wise activation with its derivative, usable by name in layers.

    ``function_into(z, out)`` and ``vjp_into(dh, z, out)`` are optional in-place forms (see
    above); without them :meth:`forward_into` and :meth:`backward_into` fall back to
    ``function`` and ``derivative``, which allocate a new array.
    """
    name: str
    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    function_into: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    vjp_into: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None

    def __call__(self, z):
        return self.function(z)

    def forward_into(self, z, out):
        """out = f(z); z, out: arrays of one shape and dtype. Returns ``out``."""
        if self.function_into is not None:
            return self.function_into(z, out)
        np.copyto(out, self.function(z))
        return out

    def backward_into(self, dh, z, out):
        """out = dh * f'(z) (dL/dz from dL/dh); all three of one shape and dtype. Returns ``out``."""
        if self.vjp_into is not None:
            return self.vjp_into(dh, z, out)
        return np.multiply(dh, self.derivative(z), out=out)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in [
    Activation("identity", identity, identity_derivative, identity_into, identity_vjp_into),
    Activation("threshold", threshold, threshold_derivative),
    Activation("sign", sign, sign_derivative),
    Activation("sigmoid", sigmoid, sigmoid_derivative),
    Activation("tanh", tanh, tanh_derivative, tanh_into, tanh_vjp_into),
    Activation("relu", relu, relu_derivative, relu_into, relu_vjp_into),
    Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
    Activation("elu", elu, elu_derivative),
    Activation("selu", selu, selu_derivative),
    Activation("gelu", gelu, gelu_derivative),
    Activation("gelu_tanh", gelu_tanh, gelu_tanh_derivative),
    Activation("softplus", softplus, softplus_derivative),
    Activation("gaussian", gaussian, gaussian_derivative),
]}


def get_activation(activation) -> Activation:
    """Look an activation up by name (``"relu"``) or pass an ``Activation`` through."""
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(f"unknown activation {activation!r}; "
                     f"choose one of {sorted(ACTIVATIONS)} or pass an Activation")
