"""Batch normalization (пакетная нормализация; Ioffe & Szegedy, 2015), forward and backward.

For a mini-batch ``X`` of shape ``(N, D)`` (rows are observations), each column ``h`` is
normalized over the batch and then scaled and shifted by learned ``gamma_h`` and ``beta_h``
(seed 001's notation; seed 000 calls them ``tau_1`` and ``tau_0``)::

    mu      = (1/N) sum_i x_i                 (D,)
    sigma^2 = (1/N) sum_i (x_i - mu)^2        (D,)  biased, 1/N, as in the paper and seed 001
    xhat    = (x - mu) / sqrt(sigma^2 + eps)  (N, D)
    y       = gamma * xhat + beta             (N, D)

Backward, with ``dY = dL/dy`` and ``sigma = sqrt(sigma^2 + eps)``, the compact formula::

    dbeta  = sum_i dY_i
    dgamma = sum_i dY_i * xhat_i
    dX     = gamma / (N sigma) * (N dY - sum_i dY_i - xhat * sum_i (dY_i * xhat_i))

It follows from the paper's chain rule through ``mu`` and ``sigma^2`` after substituting
``dL/dxhat = gamma dY``; it costs three passes over ``dY`` and no ``(N, N)`` Jacobian.

:class:`BatchNorm` is the same computation as a :class:`~reference_impl.layers.Layer`:

- ``gamma`` (initially 1) and ``beta`` (initially 0) are :class:`ParamSpec` parameters, so inside a
  :class:`~reference_impl.network.Network` they are views into the flat ``params`` and their
  gradients into ``grads``; every optimizer of module 4 trains them with the weights.
- BOTH are in the ``"bias"`` group: they come after all weight matrices in ``vec`` order, and
  module 5's penalties, which act on the ``"weight"`` group, leave them alone. This is a choice.
  An L2 penalty on ``gamma`` pulls the scale of the normalized output toward 0, which is not
  the capacity control the penalty is for. The dense weights in front of a batch-norm layer
  are scale invariant (up to ``eps``, scaling ``W`` and ``b`` by ``a > 0`` leaves the output of
  the batch norm unchanged) and stay penalized. Leaving the batch-norm scale and shift out of
  weight decay is the common practice.
- Running mean and variance for inference: in training mode only,
  ``running := (1 - momentum) running + momentum * batch_statistic`` (``momentum`` is the weight
  of the NEW batch, PyTorch's convention; Keras' ``momentum=0.99`` is our ``momentum=0.01``).
  The running variance uses the unbiased batch variance ``N/(N-1) sigma^2``, as the paper's
  inference network does (Algorithm 2). They are state of the layer, not parameters: they are
  not in the flat vector and get no gradient. They start at 0 and 1.
- ``forward(X, training=True)`` uses the batch statistics and updates the running ones;
  ``forward(X, training=False)`` (evaluation, the default like every layer's) uses the running
  statistics, changes nothing, and treats each row on its own. ``Network.loss_and_gradient``
  runs in training mode, ``Network.forward(X)`` and ``net(X)`` in evaluation mode.
- An optional ``activation`` is applied after the shift, as ``Dense`` does:
  ``H = f(gamma * xhat + beta)``. ``Dense(a, b, "identity")`` then ``BatchNorm(b, "relu")`` is the
  paper's placement (normalize ``X W``, then the nonlinearity; the dense bias is then redundant
  because ``beta`` replaces it); ``Dense(a, b, "relu")`` then ``BatchNorm(b)`` normalizes the
  hidden layer's outputs ``h``, as seeds 000 and 001 describe it.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_finite_real, as_float_array, check_positive_int
from .activations import get_activation
from .layers import Layer
from .parameters import BIAS, ParamSpec

__all__ = ["batch_norm_forward", "batch_norm_backward", "BatchNorm"]


def _check_eps(eps) -> float:
    eps = as_finite_real(eps, "eps", "a positive number")
    if eps <= 0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    return eps


def _check_batch(X, name: str = "X") -> np.ndarray:
    X = as_float_array(X, name, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"batch normalization in training mode needs a batch of at least 2 rows "
                         f"to estimate a variance, got {name} of shape {X.shape}")
    return X


def _check_vector(v, name: str, d: int) -> np.ndarray:
    v = as_float_array(v, name, ndim=1)
    if v.shape != (d,):
        raise ValueError(f"{name} must have shape (D,) = ({d},) to match X's {d} columns, "
                         f"got {v.shape}")
    return v


def batch_norm_forward(X, gamma, beta, eps: float = 1e-5):
    """Normalize each column of ``X`` over the batch, then scale and shift.

    X: (N, D) with N >= 2; gamma, beta: (D,); eps > 0 is added to the variance.
    Returns ``(out, cache)``: ``out = gamma * xhat + beta`` of shape (N, D) and what
    :func:`batch_norm_backward` needs. The variance is the biased one, with 1/N.
    """
    X = _check_batch(X)
    gamma = _check_vector(gamma, "gamma", X.shape[1])
    beta = _check_vector(beta, "beta", X.shape[1])
    eps = _check_eps(eps)
    mu = X.mean(axis=0)
    centered = X - mu
    var = np.mean(centered * centered, axis=0)
    inv_sigma = 1.0 / np.sqrt(var + eps)
    xhat = centered * inv_sigma
    out = gamma * xhat + beta
    cache = {"xhat": xhat, "gamma": gamma, "inv_sigma": inv_sigma, "mean": mu, "var": var}
    return out, cache


def batch_norm_backward(dout, cache):
    """Gradients of :func:`batch_norm_forward`, by the compact formula.

    dout: dL/d(out), (N, D); cache: the second value returned by the forward pass.
    Returns ``(dX, dgamma, dbeta)`` of shapes (N, D), (D,), (D,)::

        dX = gamma / (N sigma) * (N dY - sum_i dY_i - xhat * sum_i dY_i xhat_i)
    """
    if not isinstance(cache, dict) or not {"xhat", "gamma", "inv_sigma"} <= set(cache):
        raise TypeError("cache must be the cache returned by batch_norm_forward")
    xhat, gamma, inv_sigma = cache["xhat"], cache["gamma"], cache["inv_sigma"]
    dY = as_float_array(dout, "dout", ndim=2)
    if dY.shape != xhat.shape:
        raise ValueError(f"dout must have the forward output's shape {xhat.shape}, got {dY.shape}")
    n = dY.shape[0]
    dbeta = dY.sum(axis=0)
    dgamma = np.sum(dY * xhat, axis=0)
    # dX = gamma / (N sigma) (N dY - sum dY - xhat sum(dY xhat))
    dX = (gamma * inv_sigma / n) * (n * dY - dbeta - xhat * dgamma)
    return dX, dgamma, dbeta


class BatchNorm(Layer):
    """Batch-normalization layer ``H = f(gamma * xhat + beta)`` over ``num_features`` columns.

    Parameters ``gamma`` (D,) and ``beta`` (D,), both in the ``"bias"`` group (see the module
    docstring for why); state ``running_mean`` and ``running_var`` (D,), updated in training mode
    only with ``running := (1 - momentum) running + momentum * batch`` (unbiased batch variance).

    >>> bn = BatchNorm(3, momentum=0.1)
    >>> [(s.name, s.shape, s.group) for s in bn.param_specs()]
    [('gamma', (3,), 'bias'), ('beta', (3,), 'bias')]
    """

    def __init__(self, num_features: int, activation="identity", *, momentum: float = 0.1,
                 eps: float = 1e-5, dtype=np.float64):
        self.num_features = check_positive_int(num_features, "num_features")
        self.activation = get_activation(activation)
        momentum = as_finite_real(momentum, "momentum", "a number in [0, 1]")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1] (the weight of the new batch), got {momentum!r}")
        self.momentum = momentum
        self.eps = _check_eps(eps)
        d = self.num_features
        self.bind({"gamma": np.ones(d, dtype), "beta": np.zeros(d, dtype)},
                  {"gamma": np.zeros(d, dtype), "beta": np.zeros(d, dtype)})
        self.running_mean = np.zeros(d, dtype)
        self.running_var = np.ones(d, dtype)
        self.cache = None

    def param_specs(self) -> list[ParamSpec]:
        return [ParamSpec("gamma", (self.num_features,), BIAS),
                ParamSpec("beta", (self.num_features,), BIAS)]

    @property
    def pre_activation(self) -> np.ndarray | None:
        """``Y = gamma * xhat + beta`` of the last forward pass (N, D), before ``activation``."""
        return None if self.cache is None else self.cache["Y"]

    def forward(self, X, training: bool = False):
        """X: (N, D) -> H: (N, D). Training: batch statistics (N >= 2), running ones updated;
        evaluation: running statistics, nothing changes."""
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != self.num_features:
            raise ValueError(f"X must have shape (n, {self.num_features}), got {X.shape}")
        if training:
            Y, cache = batch_norm_forward(X, self.gamma, self.beta, self.eps)
            n, m = X.shape[0], self.momentum
            unbiased = cache["var"] * (n / (n - 1))
            # running := (1 - momentum) running + momentum batch
            self.running_mean *= 1.0 - m
            self.running_mean += m * cache["mean"]
            self.running_var *= 1.0 - m
            self.running_var += m * unbiased
        else:
            inv_sigma = 1.0 / np.sqrt(self.running_var + self.eps)
            xhat = (X - self.running_mean) * inv_sigma
            Y = self.gamma * xhat + self.beta
            cache = {"xhat": xhat, "gamma": self.gamma, "inv_sigma": inv_sigma}
        cache.update(Y=Y, training=bool(training))
        self.cache = cache
        return self.activation(Y)

    def backward(self, dH):
        """dH: (N, D) -> dX: (N, D); fills ``dgamma`` and ``dbeta``.

        After a training-mode forward this is the compact formula; after an evaluation-mode
        forward the statistics are constants and ``dX = dY * gamma / sqrt(running_var + eps)``.
        """
        if self.cache is None:
            raise RuntimeError("BatchNorm.backward called before forward")
        c = self.cache
        dH = as_float_array(dH, "dH", ndim=2)
        if dH.shape != c["Y"].shape:
            raise ValueError(f"dH must have shape {c['Y'].shape} (the layer's output), got {dH.shape}")
        dY = dH * self.activation.derivative(c["Y"])
        if c["training"]:
            dX, dgamma, dbeta = batch_norm_backward(dY, c)
        else:
            dbeta = dY.sum(axis=0)
            dgamma = np.sum(dY * c["xhat"], axis=0)
            dX = dY * (c["gamma"] * c["inv_sigma"])
        self.dgamma[...] = dgamma
        self.dbeta[...] = dbeta
        return dX

    def __repr__(self) -> str:
        return (f"BatchNorm({self.num_features}, activation={self.activation.name!r}, "
                f"momentum={self.momentum!r}, eps={self.eps!r})")
