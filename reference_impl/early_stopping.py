"""Early stopping (ранняя остановка) on a validation split (module 5).

Seed 000: instead of searching for the minimum of the training loss, stop the optimization
before the exact solution; this fits the data less closely and can prevent overfitting. The
usual rule watches the loss on a held-out validation split:

- after every epoch call ``stop = es.update(val_loss, net.params)``;
- an epoch improves if ``val_loss < best_loss - min_delta``; then the parameters are copied
  into ``es.best_params`` (one array, allocated at the first update and reused);
- after ``patience`` epochs in a row without improvement ``update`` returns True;
- ``es.restore(net.params)`` copies the best parameters back (in place, so the layers' views
  into the flat vector see them).

A NaN or infinite validation loss (a diverging run) counts as an epoch without improvement.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import as_finite_real, check_positive_int

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Stop after ``patience`` epochs without improvement of the validation loss; keep the best.

    >>> es = EarlyStopping(patience=2)
    >>> w = np.zeros(3)
    >>> [es.update(loss, w) for loss in (1.0, 0.5, 0.7, 0.6)]
    [False, False, False, True]
    >>> es.best_epoch, es.best_loss
    (2, 0.5)

    Attributes: ``epoch`` (updates so far), ``best_epoch`` (1-based), ``best_loss``,
    ``best_params`` (copy of the params at ``best_epoch``), ``epochs_without_improvement``,
    ``stopped`` (True once ``update`` has returned True).
    """

    def __init__(self, patience: int, min_delta: float = 0.0):
        self.patience = check_positive_int(patience, "patience")
        min_delta = as_finite_real(min_delta, "min_delta", "a non-negative number")
        if min_delta < 0:
            raise ValueError(f"min_delta must be a non-negative number, got {min_delta!r}")
        self.min_delta = min_delta
        self.best_params: np.ndarray | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the history (the preallocated ``best_params`` array is kept for reuse)."""
        self.epoch = 0
        self.best_epoch = 0
        self.best_loss = math.inf
        self.epochs_without_improvement = 0
        self.stopped = False

    def update(self, val_loss: float, params: np.ndarray) -> bool:
        """Record one epoch's validation loss; copy ``params`` if it is the best so far.

        params: the flat parameter vector (n,). Returns True when training should stop.
        """
        if isinstance(val_loss, bool) or not isinstance(val_loss, numbers.Real):
            raise TypeError(f"val_loss must be a real number, got {type(val_loss).__name__}")
        if not isinstance(params, np.ndarray) or not np.issubdtype(params.dtype, np.floating):
            raise TypeError(f"params must be a float NumPy array, got "
                            f"{params.dtype if isinstance(params, np.ndarray) else type(params).__name__}")
        if self.best_params is None:
            self.best_params = np.empty_like(params)
        elif self.best_params.shape != params.shape or self.best_params.dtype != params.dtype:
            raise ValueError(f"params has shape {params.shape} and dtype {params.dtype}, but this "
                             f"EarlyStopping holds params of shape {self.best_params.shape} and dtype "
                             f"{self.best_params.dtype}")
        self.epoch += 1
        val_loss = float(val_loss)
        if math.isfinite(val_loss) and (self.best_epoch == 0 or val_loss < self.best_loss - self.min_delta):
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.epochs_without_improvement = 0
            np.copyto(self.best_params, params)
        else:
            self.epochs_without_improvement += 1
        if self.epochs_without_improvement >= self.patience:
            self.stopped = True
        return self.stopped

    def restore(self, params: np.ndarray) -> None:
        """Copy the best parameters back into ``params`` IN PLACE."""
        if self.best_epoch == 0:
            raise RuntimeError("EarlyStopping.restore called before any finite validation loss "
                               "was recorded by update")
        if not isinstance(params, np.ndarray) or params.shape != self.best_params.shape:
            got = params.shape if isinstance(params, np.ndarray) else type(params).__name__
            raise ValueError(f"params must be an array of shape {self.best_params.shape}, got {got}")
        np.copyto(params, self.best_params)

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta!r}, "
                f"epoch={self.epoch}, best_epoch={self.best_epoch}, best_loss={self.best_loss!r})")
