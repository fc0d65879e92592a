"""Scratch arrays that a training step allocates once and then reuses, step after step.

A training step makes the same arrays every time: ``Z`` and ``H`` of every layer on the way
forward, ``dZ`` and ``dX`` on the way back, the gradient of the loss. Allocating them anew each
step costs time and memory traffic for nothing, so during ``Network.loss_and_gradient`` each
layer takes them from its :class:`Workspace`: the first step allocates, later steps write into
the same memory. A smaller batch (the last one of an epoch) gets the first rows of the arrays
made for the larger one, so alternating batch sizes allocate nothing either.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Workspace"]


class Workspace:
    """Named scratch arrays, kept from one call to the next.

    >>> ws = Workspace()
    >>> a = ws.get("Z", (128, 10), np.float32)
    >>> ws.get("Z", (96, 10), np.float32).base is a   # fewer rows: a view of the same memory
    True
    """

    def __init__(self):
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """An uninitialised array of ``shape`` and ``dtype``, reused if ``name`` was asked for before.

        The array for ``name`` is reused when it has the same dtype and trailing dimensions and
        at least ``shape[0]`` rows (its first ``shape[0]`` rows are returned); otherwise a new
        one replaces it. The contents are whatever the previous step left there.
        """
        arr = self._arrays.get(name)
        if arr is not None and arr.shape == shape and arr.dtype == dtype:
            return arr  # the steady state: the same array as last time
        shape = tuple(shape)
        dtype = np.dtype(dtype)
        if (arr is None or arr.dtype != dtype or arr.ndim != len(shape)
                or arr.shape[1:] != shape[1:] or (shape and arr.shape[0] < shape[0])):
            arr = self._arrays[name] = np.empty(shape, dtype)
        return arr[:shape[0]] if shape and arr.shape[0] != shape[0] else arr

    def clear(self) -> None:
        """Drop every array (the next step allocates again)."""
        self._arrays.clear()

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}: {a.shape} {a.dtype}" for k, a in self._arrays.items())
        return f"Workspace({inner})"
