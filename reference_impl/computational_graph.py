"""The computational graph (вычислительный граф) of ``f = (x + y) z``, differentiated by hand.

The graph has two operation nodes::

    x ──┐
        (+) ── q ──┐
    y ──┘          (*) ── f
    z ─────────────┘

Forward pass: ``q = x + y``, ``f = q z``. Backward pass (chain rule, right to left), starting
from the upstream derivative ``df`` = dL/df (1 when ``f`` itself is the output):

* multiply node: local derivatives df/dq = z and df/dz = q, so ``dq = df * z``, ``dz = df * q``;
* add node: local derivatives dq/dx = dq/dy = 1, so it passes ``dq`` unchanged to ``x`` and ``y``.

Hence df/dx = df/dy = z and df/dz = x + y. CS231n's example x = -2, y = 5, z = -4 gives
q = 3, f = -12, df/dx = df/dy = -4, df/dz = 3. Seed 004 (section 3.10-3.11) uses the same
function to introduce graphs.
"""
from __future__ import annotations

from dataclasses import dataclass

from ._validation import as_finite_real

__all__ = ["AddMultiplyForward", "AddMultiplyGradients", "add_multiply_forward",
           "add_multiply_backward", "add_multiply"]


def _real(x, name: str) -> float:
    return as_finite_real(x, name)


@dataclass(frozen=True)
class AddMultiplyForward:
    """Inputs and every intermediate value of the forward pass of ``f = (x + y) z``."""
    x: float
    y: float
    z: float
    q: float  # x + y
    f: float  # q * z


@dataclass(frozen=True)
class AddMultiplyGradients:
    """Derivatives of the output with respect to every node, given the upstream ``df``."""
    df: float  # upstream derivative dL/df (1.0 if f is the output)
    dq: float  # dL/dq = df * z
    dx: float  # dL/dx = dq * 1
    dy: float  # dL/dy = dq * 1
    dz: float  # dL/dz = df * q


def add_multiply_forward(x, y, z) -> AddMultiplyForward:
    """Forward pass: ``q = x + y``, ``f = q z`` (scalars)."""
    x, y, z = _real(x, "x"), _real(y, "y"), _real(z, "z")
    q = x + y
    return AddMultiplyForward(x=x, y=y, z=z, q=q, f=q * z)


def add_multiply_backward(cache: AddMultiplyForward, df=1.0) -> AddMultiplyGradients:
    """Backward pass: upstream derivative times local derivative, node by node, right to left."""
    if not isinstance(cache, AddMultiplyForward):
        raise TypeError(f"cache must be the AddMultiplyForward returned by add_multiply_forward, "
                        f"got {type(cache).__name__}")
    df = _real(df, "df")
    dq = df * cache.z        # multiply node: d(qz)/dq = z
    dz = df * cache.q        # multiply node: d(qz)/dz = q
    dx = dq * 1.0            # add node: d(x+y)/dx = 1, it routes the gradient unchanged
    dy = dq * 1.0
    return AddMultiplyGradients(df=df, dq=dq, dx=dx, dy=dy, dz=dz)


def add_multiply(x, y, z, df=1.0) -> tuple[AddMultiplyForward, AddMultiplyGradients]:
    """Forward and backward pass together: ``(values, gradients)``."""
    cache = add_multiply_forward(x, y, z)
    return cache, add_multiply_backward(cache, df)
