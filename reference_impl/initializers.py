"""Weight initialization (инициализация весов) for dense layers (module 6).

Every initializer has the signature ``init(fan_in, fan_out, rng, dtype) -> W`` and returns a new
array ``W`` of shape ``(fan_in, fan_out)``, the course's layout (``H = f(X @ W + b)``). Samples
are drawn in float64 from ``rng`` (a ``np.random.Generator``) and cast to ``dtype``.

===================  ==============================================  =============================
name                 distribution of each entry                      variance
===================  ==============================================  =============================
``uniform``          U(-a, a), a = 1 / sqrt(fan_in)                  1 / (3 fan_in)
``glorot_uniform``   U(-a, a), a = sqrt(6) / sqrt(fan_in + fan_out)  2 / (fan_in + fan_out)
``glorot_normal``    N(0, 2 / (fan_in + fan_out))                    2 / (fan_in + fan_out)
``he_uniform``       U(-a, a), a = sqrt(6 / fan_in)                  2 / fan_in
``he_normal``        N(0, 2 / fan_in)                                2 / fan_in
``lecun_uniform``    U(-a, a), a = sqrt(3 / fan_in)                  1 / fan_in
``lecun_normal``     N(0, 1 / fan_in)                                1 / fan_in
``orthogonal``       orthonormal columns (or rows), Haar-random      mean of W^2 = 1 / max(fan_in, fan_out)
===================  ==============================================  =============================

``xavier_uniform`` and ``xavier_normal`` are other names of the Glorot schemes (Glorot & Bengio,
2010). U(-a, a) has variance ``a^2 / 3``.

Where the slides differ:

- Seed 001 prints Glorot's bound as ``6 / sqrt(H_{l-1} + H_l)``. That is a misprint: the bound is
  ``sqrt(6) / sqrt(fan_in + fan_out)`` (Glorot & Bengio, 2010, eq. 16), which gives
  ``Var = 2 / (fan_in + fan_out)``; the misprinted bound gives six times that variance.
- Seed 001's first heuristic ``uniform(-1/sqrt(H_l), 1/sqrt(H_l))`` is this course's ``uniform``
  (and :class:`~reference_impl.layers.Dense`'s default) with ``H_l`` read as the number of inputs
  of a neuron (``fan_in``): the forward variance argument ``Var(z) = fan_in Var(w) Var(x)``
  needs ``fan_in``. Its variance is ``1 / (3 fan_in)``, a third of LeCun's ``1 / fan_in``.
- Seed 001's "random orthogonal basis" is ``orthogonal`` (Saxe et al., 2014).

:func:`initialize` rewrites the weights of every dense layer of a network in place, inside its
flat parameter vector.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ._validation import as_finite_real, check_generator, check_positive_int
from .layers import Dense

__all__ = ["uniform", "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal",
           "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
           "normal_with_std", "INITIALIZERS", "get_initializer", "initialize"]

Initializer = Callable[[int, int, np.random.Generator, object], np.ndarray]


def _check(fan_in, fan_out, rng) -> tuple[int, int]:
    fan_in = check_positive_int(fan_in, "fan_in")
    fan_out = check_positive_int(fan_out, "fan_out")
    check_generator(rng)
    return fan_in, fan_out


def _uniform(bound: float, fan_in: int, fan_out: int, rng, dtype) -> np.ndarray:
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)


def _normal(std: float, fan_in: int, fan_out: int, rng, dtype) -> np.ndarray:
    return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype)


def uniform(fan_in, fan_out, rng, dtype=np.float64) -> np.ndarray:
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): Var = 1 / (3 fan_in). W: (fan_in, fan_out).

    The default of :class:`~reference_impl.layers.Dense`: the same ``rng`` gives the same ``W``.
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return _uniform(1.0 / math.sqrt(fan_in), fan_in, fan_out, rng, dtype)


def glorot_uniform(fan_in, fan_out, rng, dtype=np.float64) -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a), a = sqrt(6) / sqrt(fan_in + fan_out); Var = 2 / (fan_in + fan_out).

    Seed 001 misprints the bound as ``6 / sqrt(...)``. W: (fan_in, fan_out).
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return _uniform(math.sqrt(6.0) / math.sqrt(fan_in + fan_out), fan_in, fan_out, rng, dtype)


def glorot_normal(fan_in, fan_out, rng, dtype=np.float64) -> np.ndarray:
    """Glorot/Xavier normal: N(0, sigma^2) with sigma^2 = 2 / (fan_in + fan_out). W: (fan_in, fan_out)."""
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return _normal(math.sqrt(2.0 / (fan_in + fan_out)), fan_in, fan_out, rng, dtype)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal


def he_uniform(fan_in, fan_out, rng, dtype=np.float64) -> np.ndarray:
    """He (Kaiming) uniform for ReLU: U(-a, a), a = sqrt(6 / fan_in); Var = 2 / fan_in."""
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return _uniform(math.sqrt(6.0 / fan_in), fan_in, fan_out, rng, dtype)


def he_normal(fan_in, fan_out, rng, dtype=np.float64) -> np.ndarray:
    """He (Kaiming) normal for ReLU (He et al., 2015): N(0, 2 / fan_in). W: (fan_in, fan_out).

    A ReLU zeroes half of a symmetric input, so ``E[relu(z)^2] = Var(z) / 2``; the factor 2 keeps
    the second moment of the activations the same from layer to layer.
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return _normal(math.sqrt(2.0 / fan_in), fan_in, fan_out, rng, dtype)


def lecun_uniform(fan_in, fan_out, rng, dtype=np.float64) -> np.ndarray:
    """LeCun uniform: U(-a, a), a = sqrt(3 / fan_in); Var = 1 / fan_in. W: (fan_in, fan_out)."""
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return _uniform(math.sqrt(3.0 / fan_in), fan_in, fan_out, rng, dtype)


def lecun_normal(fan_in, fan_out, rng, dtype=np.float64) -> np.ndarray:
    """LeCun normal (LeCun et al., 1998; the SELU initialization): N(0, 1 / fan_in)."""
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return _normal(math.sqrt(1.0 / fan_in), fan_in, fan_out, rng, dtype)


def orthogonal(fan_in, fan_out, rng, dtype=np.float64, *, gain: float = 1.0) -> np.ndarray:
    """A random (Haar-distributed) orthogonal matrix times ``gain`` (Saxe et al., 2014).

    W: (fan_in, fan_out). If ``fan_in >= fan_out`` the columns are orthonormal
    (``W.T @ W = gain^2 I``), otherwise the rows are (``W @ W.T = gain^2 I``). Made by the QR
    decomposition of a Gaussian matrix with the signs of ``diag(R)`` moved into ``Q``, which makes
    the distribution uniform over orthogonal matrices (Mezzadri, 2007).
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    gain = as_finite_real(gain, "gain", "a positive number")
    if gain <= 0:
        raise ValueError(f"gain must be a positive number, got {gain!r}")
    tall, short = max(fan_in, fan_out), min(fan_in, fan_out)
    A = rng.standard_normal((tall, short))
    Q, R = np.linalg.qr(A)                     # Q: (tall, short) with orthonormal columns
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    Q = Q * signs
    W = Q if fan_in >= fan_out else Q.T
    return (gain * W).astype(dtype)


def normal_with_std(std: float) -> Initializer:
    """An initializer drawing N(0, std^2) whatever the fan-in: the "small random weights" of
    old practice, used by the lecture to show vanishing (small ``std``) and exploding (large
    ``std``) gradients. Var = std^2."""
    std = as_finite_real(std, "std", "a positive number")
    if std <= 0:
        raise ValueError(f"std must be a positive number, got {std!r}")

    def init(fan_in, fan_out, rng, dtype=np.float64):
        fan_in, fan_out = _check(fan_in, fan_out, rng)
        return _normal(std, fan_in, fan_out, rng, dtype)

    init.__name__ = init.__qualname__ = f"normal_with_std({std!r})"
    init.__doc__ = f"N(0, {std!r}^2) for every entry. W: (fan_in, fan_out)."
    return init


INITIALIZERS: dict[str, Initializer] = {
    "uniform": uniform,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "xavier_uniform": glorot_uniform,
    "xavier_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_uniform": lecun_uniform,
    "lecun_normal": lecun_normal,
    "orthogonal": orthogonal,
}


def get_initializer(scheme) -> Initializer:
    """An initializer by name (``"he_normal"``), or a callable ``(fan_in, fan_out, rng, dtype)``
    passed through."""
    if isinstance(scheme, str):
        if scheme in INITIALIZERS:
            return INITIALIZERS[scheme]
        raise ValueError(f"unknown initialization scheme {scheme!r}; choose one of "
                         f"{sorted(INITIALIZERS)} or pass a function (fan_in, fan_out, rng, dtype)")
    if callable(scheme):
        return scheme
    raise TypeError(f"scheme must be a name or a function (fan_in, fan_out, rng, dtype), "
                    f"got {type(scheme).__name__}")


def initialize(network, scheme, rng) -> None:
    """Rewrite every :class:`Dense` layer's ``W`` by ``scheme`` and set its bias to 0, in place.

    ``network``: a :class:`~reference_impl.network.Network`; the new values are written into its
    flat ``params`` (the layers' ``W`` and ``b`` are views into it), layer by layer from the
    input, all drawn from the one ``rng`` (a Generator, or an int seed). Other layers (batch
    normalization, ...) are left as they are. ``initialize(net, "uniform", np.random.default_rng(s))``
    reproduces ``Network.from_sizes(..., seed=s)``.
    """
    init = get_initializer(scheme)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")
    layers = getattr(network, "layers", None)
    if layers is None:
        raise TypeError(f"network must be a Network (with .layers), got {type(network).__name__}")
    for k, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            continue
        W = init(layer.fan_in, layer.fan_out, rng, layer.W.dtype)
        W = np.asarray(W)
        if W.shape != layer.W.shape:
            raise ValueError(f"scheme returned shape {W.shape} for layer {k}, expected "
                             f"(fan_in, fan_out) = {layer.W.shape}")
        layer.W[...] = W
        layer.b[...] = 0.0
