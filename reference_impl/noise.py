"""Gaussian noise injection (зашумление) into the inputs, the weights or the gradient (module 5).

Seed 000: add a random component to the data or to the gradient. All noise here is
``std * N(0, 1)`` drawn from a ``numpy.random.Generator`` that the caller passes in, so a run
is reproducible from its seed.

- :class:`GaussianNoise` is a layer: in training it returns ``X + std * E`` with a fresh ``E``
  per call, at test time ``X`` itself; its backward is the identity (the noise does not depend
  on ``X``). Placed first in a network it is input noise.
- :func:`add_input_noise` does the same to a batch, outside a network.
- :func:`weight_noise` perturbs the (masked) flat parameter vector inside a ``with`` block and
  restores the exact clean values afterwards: compute the gradient at noisy weights, then take
  the optimizer step on the clean ones.
- :func:`add_gradient_noise` adds noise to the flat gradient in place.

Why input noise regularizes (Bishop, 1995): for a linear model ``y = x @ w`` and squared error,
``E_e[(x + e) @ w - y)^2] = (x @ w - y)^2 + std^2 ||w||^2`` when ``e ~ N(0, std^2 I)``: on average
it adds an L2 penalty ``std^2 ||w||^2`` to every observation's loss.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np

from ._validation import as_finite_real, as_float_array, check_generator
from .layers import Layer
from .penalties import check_mask

__all__ = ["GaussianNoise", "add_input_noise", "weight_noise", "add_gradient_noise"]


def _check_std(std) -> float:
    std = as_finite_real(std, "std", "a non-negative number")
    if std < 0:
        raise ValueError(f"std must be a non-negative number (the noise's standard deviation), "
                         f"got {std!r}")
    return std


def _normal_like(a: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    return (std * rng.standard_normal(a.shape)).astype(a.dtype, copy=False)


def add_input_noise(X, std: float, rng: np.random.Generator) -> np.ndarray:
    """``X + std * E`` with ``E ~ N(0, 1)`` entry-wise; X of any shape, returns a new array."""
    X = as_float_array(X, "X")
    std, rng = _check_std(std), check_generator(rng)
    return X + _normal_like(X, std, rng)


def add_gradient_noise(grads: np.ndarray, std: float, rng: np.random.Generator) -> None:
    """``g := g + std * E`` IN PLACE on the flat gradient (n,)."""
    if not isinstance(grads, np.ndarray) or not np.issubdtype(grads.dtype, np.floating):
        raise TypeError("grads must be a float NumPy array (it is updated in place)")
    std, rng = _check_std(std), check_generator(rng)
    grads += _normal_like(grads, std, rng)


@contextmanager
def weight_noise(params: np.ndarray, std: float, rng: np.random.Generator,
                 mask: np.ndarray) -> Iterator[np.ndarray]:
    """Inside the block, ``params`` (n,) holds ``w + std * E`` where ``mask`` is True.

    Yields the noise that was added (zeros off the mask). On exit, also after an exception, the
    exact clean values are copied back (not ``w + E - E``, which would round).
    """
    if not isinstance(params, np.ndarray) or not np.issubdtype(params.dtype, np.floating):
        raise TypeError("params must be a float NumPy array (it is perturbed in place)")
    std, rng = _check_std(std), check_generator(rng)
    mask = check_mask(mask, params)
    clean = params.copy()
    noise = _normal_like(params, std, rng)
    noise[~mask] = 0.0
    params += noise
    try:
        yield noise
    finally:
        np.copyto(params, clean)


class GaussianNoise(Layer):
    """Layer adding ``std * N(0, 1)`` noise in training and nothing at test time.

    X: (n, d) -> (n, d). ``rng`` (a ``numpy.random.Generator``) is required: the noise of every
    training forward is drawn from it. No parameters.
    """

    def __init__(self, std: float, *, rng: np.random.Generator):
        self.std = _check_std(std)
        self.rng = check_generator(rng)
        self.noise: np.ndarray | None = None
        self._seen_forward = False

    def forward(self, X, training: bool = False):
        """X + noise in training (the noise is kept in ``self.noise``), X unchanged otherwise."""
        X = as_float_array(X, "X", ndim=2)
        self._seen_forward = True
        if not training:
            self.noise = None
            return X
        self.noise = _normal_like(X, self.std, self.rng)
        return X + self.noise

    def backward(self, dout):
        """The noise is additive and independent of X, so dX = dout."""
        if not self._seen_forward:
            raise RuntimeError("GaussianNoise.backward called before forward")
        return as_float_array(dout, "dout", ndim=2)

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std!r})"
