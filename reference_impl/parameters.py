"""Flattening all parameters of a network into one vector, ``vec``, and back.

Seed 000 writes ``W = (vec(w_1), ..., vec(w_L), b_1, ..., b_L)``: every weight matrix
flattened column by column, in layer order, followed by every bias. Seed 000 stores a layer as
``w_j`` of shape ``(fan_out, fan_in)``; this course stores ``W_j = w_j.T`` of shape
``(fan_in, fan_out)``. Column-major order of ``w_j`` is row-major (C) order of ``W_j``, so
``vec`` here is ``W_j.ravel()`` and the seed's ``vec(w_1) = (-0.1, 0.3, -0.5, 0.2, -0.4, 0.6)``
comes out unchanged.

``Network`` keeps its parameters in one such vector and hands each layer views into it, so
``vec`` of a network costs nothing and an optimizer updates one array.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._validation import as_float_array

__all__ = ["ParamSpec", "FlatLayout", "vec", "unvec"]

WEIGHT, BIAS = "weight", "bias"


@dataclass(frozen=True)
class ParamSpec:
    """One parameter array of a layer: its attribute name, shape and ``vec`` group.

    ``group`` is ``"weight"`` or ``"bias"``: ``vec`` puts every weight-group array (in layer
    order) before every bias-group array, as seed 000 does.
    """
    name: str
    shape: tuple[int, ...]
    group: str = WEIGHT

    def __post_init__(self):
        if self.group not in (WEIGHT, BIAS):
            raise ValueError(f"group must be 'weight' or 'bias', got {self.group!r}")

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


class FlatLayout:
    """Where each ``(owner, ParamSpec)`` lives in the flat vector (offsets in ``vec`` order)."""

    def __init__(self, entries: Sequence[tuple[int, ParamSpec]]):
        ordered = ([e for e in entries if e[1].group == WEIGHT]
                   + [e for e in entries if e[1].group == BIAS])
        self.slices: dict[tuple[int, str], slice] = {}
        self.specs: dict[tuple[int, str], ParamSpec] = {}
        offset = 0
        for owner, spec in ordered:
            key = (owner, spec.name)
            if key in self.slices:
                raise ValueError(f"parameter {spec.name!r} of layer {owner} is declared twice")
            self.slices[key] = slice(offset, offset + spec.size)
            self.specs[key] = spec
            offset += spec.size
        self.size = offset

    def view(self, flat: np.ndarray, owner: int, name: str) -> np.ndarray:
        """The array of parameter ``name`` of layer ``owner`` as a view into ``flat``."""
        return flat[self.slices[(owner, name)]].reshape(self.specs[(owner, name)].shape)

    def group_mask(self, group: str = WEIGHT) -> np.ndarray:
        """Boolean (size,): True at the entries of the parameters in ``group`` ("weight" or "bias").

        The weight mask is what penalties regularize and pruning may remove: never the biases.
        """
        if group not in (WEIGHT, BIAS):
            raise ValueError(f"group must be 'weight' or 'bias', got {group!r}")
        mask = np.zeros(self.size, dtype=bool)
        for key, spec in self.specs.items():
            if spec.group == group:
                mask[self.slices[key]] = True
        return mask


def vec(weights: Sequence, biases: Sequence = ()) -> np.ndarray:
    """Flatten weight matrices ``W_j`` of shape ``(fan_in, fan_out)`` and then biases ``b_j``.

    Returns a new 1-D array of length ``sum(W.size) + sum(b.size)`` in seed 000's order.
    """
    parts = []
    for kind, arrays in (("weights", weights), ("biases", biases)):
        for j, a in enumerate(arrays):
            parts.append(as_float_array(a, f"{kind}[{j}]").ravel(order="C"))
    if not parts:
        return np.zeros(0)
    return np.concatenate(parts)


def unvec(theta, weight_shapes: Sequence[Sequence[int]], bias_shapes: Sequence[Sequence[int]] = ()):
    """Inverse of :func:`vec`: split ``theta`` into ``(weights, biases)`` lists of copies."""
    theta = as_float_array(theta, "theta", ndim=1)
    shapes = [tuple(s) for s in weight_shapes] + [tuple(s) for s in bias_shapes]
    need = sum(int(np.prod(s, dtype=np.int64)) for s in shapes)
    if theta.size != need:
        raise ValueError(f"theta has {theta.size} entries but the shapes {shapes} need {need}")
    out, offset = [], 0
    for s in shapes:
        n = int(np.prod(s, dtype=np.int64))
        out.append(theta[offset:offset + n].reshape(s).copy())
        offset += n
    k = len(weight_shapes)
    return out[:k], out[k:]
