"""Pruning (прореживание сети) by Optimal Brain Damage; magnitude pruning to compare (module 7).

Near a minimum ``W`` of ``Q`` (gradient ~ 0), setting weight ``w_k`` to zero (``delta_k = -w_k``)
changes the loss by about ``delta^T Q'' delta / 2``; OBD assumes the Hessian ``Q''`` diagonal, so
the damage of removing ``w_k`` alone is its saliency (значимость)

    S_k = w_k^2 * d2Q/dw_k^2 / 2        (LeCun, Denker & Solla, "Optimal Brain Damage", 1990)

Seed 001 writes ``S = w^2 d2Q/dw^2`` without the ``1/2``: the ranking, hence the pruning, is the
same; the course keeps the ``1/2`` so that ``S`` is the predicted change of ``Q`` (exact for a
quadratic ``Q`` at its minimum, see the tests). ``d2Q/dw^2`` comes from
:func:`reference_impl.hessian_diagonal.obd_hessian_diagonal` by default.

The procedure of seed 001 (and the paper): train to a minimum; compute the saliencies; remove
the least salient weights; retrain with the removed weights held at zero; repeat; if the loss
got much worse, put the last removed connections back and stop (:func:`obd_prune_and_retrain`).
Only weights are pruned, never biases. Magnitude pruning removes the smallest ``|w|`` instead,
ignoring the curvature: a weight on an input of large scale can be small and still matter.

Feature selection (отбор признаков) with OBD: the saliency of input ``j`` is the sum of the
saliencies of its outgoing first-layer weights, ``S_j = sum_h S_jh`` (:func:`feature_saliency`).

Masks are boolean arrays of the length of ``network.params``, ``True`` = kept.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._validation import as_finite_real, as_float_array, check_positive_int
from .hessian_diagonal import exact_hessian_diagonal_backprop, obd_hessian_diagonal
from .network import Network
from .parameters import WEIGHT
from .second_derivatives import get_second_order_loss
from .training import GradientDescent, fit

__all__ = ["saliency", "prunable_mask", "prune_mask", "magnitude_prune_mask", "PruningMask",
           "MaskedOptimizer", "feature_saliency", "PruningRound", "PruningHistory",
           "obd_prune_and_retrain"]


def _check_network(network) -> None:
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")


def _bool_vector(mask, name: str, size: int | None = None) -> np.ndarray:
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise TypeError(f"{name} must be a boolean array (True = kept / eligible), got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one entry per parameter), got shape {arr.shape}")
    if size is not None and arr.size != size:
        raise ValueError(f"{name} must have {size} entries (one per parameter), got {arr.size}")
    return arr


def saliency(params, hdiag) -> np.ndarray:
    """OBD saliency ``S = params^2 * hdiag / 2``, element-wise.

    params, hdiag: (n_params,) (or any equal shapes), e.g. ``network.params`` and
    :func:`~reference_impl.hessian_diagonal.obd_hessian_diagonal`. Returns a new array.
    """
    params = as_float_array(params, "params")
    hdiag = as_float_array(hdiag, "hdiag")
    if params.shape != hdiag.shape:
        raise ValueError(f"params and hdiag must have the same shape, got {params.shape} and {hdiag.shape}")
    return params * params * hdiag / 2.0


def prunable_mask(network) -> np.ndarray:
    """Boolean (n_params,): ``True`` at the weights, ``False`` at the biases (never pruned)."""
    _check_network(network)
    return network.layout.group_mask(WEIGHT)


def prune_mask(saliency, fraction: float, eligible_mask) -> np.ndarray:
    """Keep-mask that removes the ``fraction`` of the eligible entries with the smallest saliency.

    saliency: (n,) scores (smaller = pruned first); fraction: in [0, 1]; eligible_mask: boolean
    (n,), ``True`` where pruning is allowed (pass ``prunable_mask(net)`` so biases are never
    pruned, ``& current_mask`` to prune among the weights still present).

    Exactly ``k = floor(fraction * n_eligible + 1/2)`` entries (the nearest integer, halves up)
    become ``False``; every other entry, ineligible ones included, is ``True``. Ties are broken by
    position (stable sort), so the result is deterministic.
    """
    s = as_float_array(saliency, "saliency", ndim=1)
    fraction = as_finite_real(fraction, "fraction", "a number in [0, 1]")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    eligible = _bool_vector(eligible_mask, "eligible_mask", s.size)
    candidates = np.flatnonzero(eligible)
    k = int(math.floor(fraction * candidates.size + 0.5))
    keep = np.ones(s.size, dtype=bool)
    order = np.argsort(s[candidates], kind="stable")
    keep[candidates[order[:k]]] = False
    return keep


def magnitude_prune_mask(params, fraction: float, eligible_mask) -> np.ndarray:
    """Magnitude pruning: :func:`prune_mask` with ``|params|`` as the score (no curvature)."""
    params = as_float_array(params, "params", ndim=1)
    return prune_mask(np.abs(params), fraction, eligible_mask)


class PruningMask:
    """Which parameters are kept: ``keep`` boolean (n_params,), ``True`` = kept.

    ``apply(params, grads)`` zeroes the pruned entries in place; ``wrap(optimizer)`` returns an
    optimizer that does so around every step, so pruned weights stay exactly 0 during retraining::

        mask = PruningMask(prune_mask(S, 0.5, prunable_mask(net)))
        mask.apply(net.params)
        fit(net, X, y, loss, optimizer=mask.wrap(Adam(1e-2)))
    """

    def __init__(self, keep):
        self.keep = _bool_vector(keep, "keep").copy()
        self.keep.flags.writeable = False
        self._pruned = ~self.keep

    @classmethod
    def keep_all(cls, n_params: int) -> "PruningMask":
        """A mask that prunes nothing."""
        return cls(np.ones(check_positive_int(n_params, "n_params"), dtype=bool))

    @property
    def n_pruned(self) -> int:
        return int(self._pruned.sum())

    def _check(self, arr, name: str) -> None:
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"{name} must be a NumPy array (it is changed in place), got {type(arr).__name__}")
        if arr.shape != self.keep.shape:
            raise ValueError(f"{name} must have shape {self.keep.shape} (one entry per parameter), "
                             f"got {arr.shape}")

    def apply(self, params, grads=None) -> None:
        """Set the pruned entries of ``params`` (and of ``grads`` if given) to exactly +0.0, in place."""
        self._check(params, "params")
        np.copyto(params, 0.0, where=self._pruned)
        if grads is not None:
            self._check(grads, "grads")
            np.copyto(grads, 0.0, where=self._pruned)

    def wrap(self, optimizer) -> "MaskedOptimizer":
        """``optimizer`` with this mask applied to the gradient before and to the params after each step."""
        return MaskedOptimizer(optimizer, self)

    def __repr__(self) -> str:
        return f"PruningMask(n_params={self.keep.size}, n_pruned={self.n_pruned})"


class MaskedOptimizer:
    """An optimizer whose ``step(params, grads)`` keeps the pruned parameters at zero.

    Each step: zero the pruned gradients (so the optimizer's state, e.g. Adam's moments, learns
    nothing about removed weights), take the wrapped optimizer's step, then zero the pruned
    params. The second part is what guarantees exact zeros: an optimizer with state from before
    the pruning (momentum) or with weight decay would otherwise move them even with zero gradients.
    ``t``, ``state`` and ``reset`` are those of the wrapped optimizer.
    """

    def __init__(self, optimizer, mask: PruningMask):
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}")
        if not isinstance(mask, PruningMask):
            raise TypeError(f"mask must be a PruningMask, got {type(mask).__name__}")
        self.optimizer = optimizer
        self.mask = mask

    def step(self, params, grads) -> None:
        """Masked gradient, the wrapped step, masked params; ``params`` changes in place."""
        self.mask.apply(params, grads)
        self.optimizer.step(params, grads)
        self.mask.apply(params)

    @property
    def t(self):
        return getattr(self.optimizer, "t", None)

    @property
    def state(self):
        return getattr(self.optimizer, "state", None)

    def reset(self) -> None:
        """Reset the wrapped optimizer (the mask stays)."""
        self.optimizer.reset()

    def __repr__(self) -> str:
        return f"MaskedOptimizer({self.optimizer!r}, {self.mask!r})"


def feature_saliency(network, saliency) -> np.ndarray:
    """Saliency of each input: ``S_j = sum_h S[W_1[j, h]]`` over the first layer's outgoing weights.

    network: the :class:`Network` whose ``vec`` order ``saliency`` (n_params,) follows.
    Returns (d_in,); the inputs with the smallest values are the first candidates to drop.
    """
    _check_network(network)
    s = as_float_array(saliency, "saliency", ndim=1)
    if s.size != network.n_params:
        raise ValueError(f"saliency must have {network.n_params} entries (one per parameter of "
                         f"network), got {s.size}")
    if (0, "W") not in network.layout.slices:
        raise ValueError("the network's first layer has no weight matrix 'W'")
    return network.layout.view(s, 0, "W").sum(axis=1)


# --- the procedure of the lecture --------------------------------------------------------------

@dataclass
class PruningRound:
    """One round of :func:`obd_prune_and_retrain`.

    ``loss_pruned`` is the monitored loss right after removing the weights, ``loss_retrained``
    after retraining; ``restored`` is True if this round was undone (loss too high).
    """
    round: int
    n_pruned: int
    fraction_pruned: float
    loss_pruned: float
    loss_retrained: float
    restored: bool = False


@dataclass
class PruningHistory:
    """Result of :func:`obd_prune_and_retrain`: the loss before pruning, every round, the final mask."""
    baseline_loss: float
    mask: PruningMask
    rounds: list[PruningRound] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)

    @property
    def stopped_early(self) -> bool:
        return bool(self.rounds) and self.rounds[-1].restored


_METHODS = ("obd", "obd_full", "exact", "magnitude")


def obd_prune_and_retrain(network, X, y, loss, *, fraction: float = 0.2, rounds: int = 3,
                          train_epochs: int = 0, retrain_epochs: int = 100,
                          make_optimizer: Callable | None = None, method: str = "obd",
                          batch_size: int | None = None, seed: int = 0, X_val=None, y_val=None,
                          max_loss_increase: float | None = None) -> PruningHistory:
    """Train, then ``rounds`` times: score the weights, prune ``fraction`` of those left, retrain.

    network: a Network of Dense layers, changed in place; X (n, d), y: training data; loss: a loss
    of :mod:`reference_impl.losses` with a known second derivative (``mean_squared_error``,
    ``softmax_cross_entropy``, ``binary_cross_entropy_with_logits``). ``train_epochs`` of training
    first (0 if the network is trained already). Each round removes
    ``fraction`` of the weights still present (so ``1 - (1 - fraction)^r`` after ``r`` rounds),
    biases never, then retrains for ``retrain_epochs`` with a fresh ``make_optimizer()`` (default
    ``GradientDescent(0.1)``) wrapped by the mask.

    method: ``"obd"`` (saliency from the Levenberg-Marquardt OBD diagonal), ``"obd_full"`` (OBD
    keeping the ``f''`` terms), ``"exact"`` (the exact diagonal) or ``"magnitude"`` (``|w|``).
    The monitored loss is on ``(X_val, y_val)`` if given, else on the training data. If
    ``max_loss_increase`` is given and a round ends with the monitored loss above
    ``baseline_loss + max_loss_increase``, that round's weights and mask are restored and the
    procedure stops (seed 001, step 3).
    """
    _check_network(network)
    spec = get_second_order_loss(loss)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    fraction = as_finite_real(fraction, "fraction", "a number in [0, 1]")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    rounds = check_positive_int(rounds, "rounds")
    retrain_epochs = check_positive_int(retrain_epochs, "retrain_epochs")
    if isinstance(train_epochs, bool) or not isinstance(train_epochs, int) or train_epochs < 0:
        raise ValueError(f"train_epochs must be a non-negative integer, got {train_epochs!r}")
    if make_optimizer is None:
        make_optimizer = GradientDescent
    if not callable(make_optimizer):
        raise TypeError(f"make_optimizer must be a callable returning an optimizer, got "
                        f"{type(make_optimizer).__name__}")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if max_loss_increase is not None:
        max_loss_increase = as_finite_real(max_loss_increase, "max_loss_increase", "a non-negative number")
        if max_loss_increase < 0:
            raise ValueError(f"max_loss_increase must be non-negative, got {max_loss_increase!r}")
    X_mon, y_mon = (X, y) if X_val is None else (X_val, y_val)

    def monitored_loss() -> float:
        return float(spec.function(network.forward(X_mon), y_mon)[0])

    def scores() -> np.ndarray:
        if method == "magnitude":
            return np.abs(network.params)
        if method == "exact":
            hdiag = exact_hessian_diagonal_backprop(network, X, y, spec)
        else:
            hdiag = obd_hessian_diagonal(network, X, y, spec, levenberg_marquardt=(method == "obd"))
        return saliency(network.params, hdiag)

    train_loss: list[float] = []
    if train_epochs:
        train_loss += fit(network, X, y, spec.function, optimizer=make_optimizer(),
                          epochs=train_epochs, batch_size=batch_size, seed=seed).loss
    weights = prunable_mask(network)
    mask = PruningMask.keep_all(network.n_params)
    history = PruningHistory(baseline_loss=monitored_loss(), mask=mask, train_loss=train_loss)
    for r in range(1, rounds + 1):
        saved_params, saved_mask = network.params.copy(), mask
        keep = mask.keep & prune_mask(scores(), fraction, weights & mask.keep)
        mask = PruningMask(keep)
        mask.apply(network.params)
        loss_pruned = monitored_loss()
        history.train_loss += fit(network, X, y, spec.function, optimizer=mask.wrap(make_optimizer()),
                                  epochs=retrain_epochs, batch_size=batch_size, seed=seed + r).loss
        loss_retrained = monitored_loss()
        restored = (max_loss_increase is not None
                    and loss_retrained > history.baseline_loss + max_loss_increase)
        history.rounds.append(PruningRound(r, mask.n_pruned, mask.n_pruned / int(weights.sum()),
                                           loss_pruned, loss_retrained, restored))
        if restored:
            network.params[...] = saved_params
            mask = saved_mask
            break
    history.mask = mask
    return history
