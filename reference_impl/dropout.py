"""Dropout (исключение, dilution; Srivastava et al., 2014): training on thinned networks (module 5).

In training each unit of the layer's input is kept with probability ``keep_prob`` and
otherwise set to 0 for this forward pass (a fresh mask every pass, also when a mini-batch is
reused). Dropping a unit is the same as temporarily zeroing its incoming and outgoing weights
(seed 000), and the gradient with respect to the dropped weights is 0. Put a ``Dropout`` after a
hidden ``Dense`` layer to drop hidden units, or first in the network to drop inputs. If every
unit of a layer is dropped, the next layer passes on only its bias (seed 000).

**Never a bare p.** Seed 000 and the 2014 paper write ``p`` for the probability to KEEP a unit;
seed 001 and PyTorch write ``p`` for the probability to DROP it. Here the argument is always
named: ``drop_prob=`` or ``keep_prob=`` (keyword-only, exactly one, ``keep_prob = 1 - drop_prob``);
a positional probability raises ``TypeError``.

Two conventions give the same expected output (``m`` is the 0/1 mask, ``q = keep_prob``):

=====================  ==========================  ========================================
``mode``               training                    test time
=====================  ==========================  ========================================
``"scale_at_test"``    ``H * m``                   ``q * H`` (weight scaling: seed 000's ``p w``,
                                                   seed 001's ``(1 - p_l)``, the 2014 paper)
``"inverted"``         ``H * m / q``               ``H`` (nothing to change, no ``q`` needed)
=====================  ==========================  ========================================

In both, the expectation over masks of the training output equals the test-time output.
Scaling the layer's output by ``q`` is scaling the outgoing weights of the next layer by ``q``
(``(q H) W + b = H (q W) + b``). Seed 000 describes inverted dropout as using ``w / p`` in
training; dividing the kept activations by ``q`` is the same thing. A network trained with
``"inverted"`` and weights ``W`` is the network trained with ``"scale_at_test"`` and weights
``W / q`` in the next layer.

The mask comes from a ``numpy.random.Generator`` passed in (``rng=``), so runs are reproducible.

Practical ranges (seed 000, as in the 2014 paper): ``keep_prob`` in (0.5, 0.8), larger for
smaller networks (the paper: 0.5 for hidden units, 0.8 for inputs); a learning rate 10 to 100
times larger than without dropout, together with the max-norm constraint ``||w|| <= c``, ``c`` in
(3, 4) (:mod:`reference_impl.max_norm`). :data:`SEED000_RANGES` holds these numbers.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validation import as_float_array, check_generator
from .layers import Layer

__all__ = ["Dropout", "dropout_mask", "dropout_forward", "dropout_backward", "resolve_keep_prob",
           "MODES", "SEED000_RANGES"]

MODES = ("inverted", "scale_at_test")

SEED000_RANGES = {"keep_prob": (0.5, 0.8), "max_norm_c": (3.0, 4.0), "lr_factor": (10.0, 100.0)}

_CONVENTIONS = ("seed 000 and Srivastava et al. (2014) write p for the probability to KEEP a unit, "
                "seed 001 and PyTorch write p for the probability to DROP it; pass drop_prob=... "
                "or keep_prob=... by name (keep_prob = 1 - drop_prob)")


def _positional_error(where: str) -> TypeError:
    return TypeError(f"{where} takes no positional probability: {_CONVENTIONS}")


def resolve_keep_prob(drop_prob=None, keep_prob=None) -> float:
    """The keep probability from exactly one of ``drop_prob`` in [0, 1) or ``keep_prob`` in (0, 1]."""
    if (drop_prob is None) == (keep_prob is None):
        what = "both" if drop_prob is not None else "neither"
        raise TypeError(f"pass exactly one of drop_prob and keep_prob (got {what}): {_CONVENTIONS}")
    name, value = ("drop_prob", drop_prob) if drop_prob is not None else ("keep_prob", keep_prob)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if name == "drop_prob":
        if not 0.0 <= value < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1) (the probability to DROP a unit; 1 would "
                             f"drop every unit), got {value!r}")
        return 1.0 - value
    if not 0.0 < value <= 1.0:
        raise ValueError(f"keep_prob must be in (0, 1] (the probability to KEEP a unit; 0 would "
                         f"drop every unit), got {value!r}")
    return value


def _check_mode(mode) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be 'inverted' (scale by 1/keep_prob in training) or "
                         f"'scale_at_test' (scale by keep_prob at test time), got {mode!r}")
    return mode


def dropout_mask(shape, *args, drop_prob=None, keep_prob=None, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask of ``shape``: each entry True (kept) with probability ``keep_prob``, independently."""
    if args:
        raise _positional_error("dropout_mask")
    q = resolve_keep_prob(drop_prob, keep_prob)
    return check_generator(rng).random(shape) < q


def _check_mask(mask, shape, name="mask") -> np.ndarray:
    if not isinstance(mask, np.ndarray) or mask.dtype != bool:
        raise TypeError(f"{name} must be a boolean NumPy array (True = kept), got "
                        f"{mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__}")
    if mask.shape != shape:
        raise ValueError(f"{name} must have the shape {shape} of the layer's input, got {mask.shape}")
    return mask


def dropout_forward(X, mask, *args, drop_prob=None, keep_prob=None, mode: str = "inverted"
                    ) -> np.ndarray:
    """Dropout of ``X`` (n, d) with a given mask; ``mask=None`` means test time.

    mask: boolean (n, d), True = kept (from :func:`dropout_mask`), or None. Returns (n, d):
    training ``X * mask / keep_prob`` ("inverted") or ``X * mask`` ("scale_at_test"); test time
    ``X`` ("inverted") or ``keep_prob * X`` ("scale_at_test").
    """
    if args:
        raise _positional_error("dropout_forward")
    q = resolve_keep_prob(drop_prob, keep_prob)
    mode = _check_mode(mode)
    X = as_float_array(X, "X")
    if mask is None:
        return X.copy() if mode == "inverted" else X * q
    mask = _check_mask(mask, X.shape)
    out = X * mask
    if mode == "inverted":
        out /= q
    return out


def dropout_backward(dout, mask, *args, drop_prob=None, keep_prob=None, mode: str = "inverted"
                     ) -> np.ndarray:
    """dL/dX of :func:`dropout_forward` given dL/dout (n, d) and the SAME mask (None: test time)."""
    if args:
        raise _positional_error("dropout_backward")
    # the map X -> out is linear and diagonal, so the backward pass is the forward pass of dout
    return dropout_forward(dout, mask, drop_prob=drop_prob, keep_prob=keep_prob, mode=mode)


class Dropout(Layer):
    """Dropout layer: ``Dropout(drop_prob=0.5, rng=np.random.default_rng(0))``.

    Exactly one of ``drop_prob`` (in [0, 1)) and ``keep_prob`` (in (0, 1]), by name; ``rng`` is
    required; ``mode`` is ``"inverted"`` (default) or ``"scale_at_test"``. ``forward(X, training)``
    draws a new mask from ``rng`` in training only and keeps it in ``self.mask``; ``backward``
    reuses that mask. No parameters. X: (n, d) -> (n, d).
    """

    def __init__(self, *args, drop_prob=None, keep_prob=None, rng: np.random.Generator = None,
                 mode: str = "inverted"):
        if args:
            raise _positional_error("Dropout")
        self.keep_prob = resolve_keep_prob(drop_prob, keep_prob)
        # stored as given, so that drop_prob=0.2 reads back as 0.2 and not 1 - 0.8
        self.drop_prob = float(drop_prob) if drop_prob is not None else 1.0 - self.keep_prob
        if rng is None:
            raise TypeError("Dropout needs rng=np.random.default_rng(seed): the masks are drawn from it")
        self.rng = check_generator(rng)
        self.mode = _check_mode(mode)
        self.mask: np.ndarray | None = None
        self._seen_forward = False

    def forward(self, X, training: bool = False):
        """Training: a fresh mask from ``rng``; test time: no mask (see the module's table)."""
        X = as_float_array(X, "X", ndim=2)
        self.mask = dropout_mask(X.shape, keep_prob=self.keep_prob, rng=self.rng) if training else None
        self._seen_forward = True
        return dropout_forward(X, self.mask, keep_prob=self.keep_prob, mode=self.mode)

    def backward(self, dout):
        """dout: (n, d) -> dX: (n, d), with the mask of the last forward."""
        if not self._seen_forward:
            raise RuntimeError("Dropout.backward called before forward")
        dout = as_float_array(dout, "dout", ndim=2)
        if self.mask is not None and dout.shape != self.mask.shape:
            raise ValueError(f"dout must have shape {self.mask.shape} (the layer's output), got {dout.shape}")
        return dropout_backward(dout, self.mask, keep_prob=self.keep_prob, mode=self.mode)

    def __repr__(self) -> str:
        return f"Dropout(drop_prob={self.drop_prob!r}, mode={self.mode!r})"
