"""2-D test functions for optimizers, with gradients, and a trajectory runner (module 4).

Each function takes ``p`` of shape ``(2,)`` (the point ``(x, y)``) and returns
``(value, grad)``: a float and an array of shape ``(2,)``. For contour plots ``p`` may also be
``(2, ...)`` (``p[0]`` holds the x values, ``p[1]`` the y values of a grid); then ``value`` has
shape ``p.shape[1:]`` and ``grad`` the shape of ``p``.

=============  ===============================================  ====================  =============
name           f(x, y)                                          minimum               start
=============  ===============================================  ====================  =============
rosenbrock     ``(1 - x)^2 + 100 (y - x^2)^2``                  (1, 1), f = 0         (-1.5, 2)
beale          ``sum_k (c_k - x + x y^k)^2``, c = 1.5, 2.25,    (3, 0.5), f = 0       (1, 1.5)
               2.625 for k = 1, 2, 3
saddle         ``x^2 - y^2``                                    none (saddle at 0)    (-1, 1e-3)
=============  ===============================================  ====================  =============

The Rosenbrock valley is long, narrow and curved (plain GD crawls along it); Beale has steep walls
and flat plateaus; on the saddle GD escapes only as fast as the tiny ``y`` grows, the picture in
Alec Radford's animations cited by seed 001.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import as_float_array, check_positive_int

__all__ = ["rosenbrock", "beale", "saddle", "Surface", "SURFACES", "trajectory"]


def _point(p) -> np.ndarray:
    p = as_float_array(p, "p")
    if p.ndim == 0 or p.shape[0] != 2:
        raise ValueError(f"p must have shape (2,) (or (2, ...) for a grid), got {p.shape}")
    return p


def _result(value, grad, p):
    return (float(value), grad) if p.ndim == 1 else (value, grad)


def rosenbrock(p):
    """Rosenbrock's valley ``f = (1 - x)^2 + 100 (y - x^2)^2``; minimum 0 at (1, 1).

    p: (2,) -> (value, grad (2,)); ``df/dx = -2 (1 - x) - 400 x (y - x^2)``,
    ``df/dy = 200 (y - x^2)``.
    """
    p = _point(p)
    x, y = p[0], p[1]
    r = y - x * x
    value = (1.0 - x) ** 2 + 100.0 * r * r
    grad = np.stack([-2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r])
    return _result(value, grad, p)


_BEALE_C = (1.5, 2.25, 2.625)


def beale(p):
    """Beale's function ``f = sum_{k=1..3} (c_k - x + x y^k)^2``, c = (1.5, 2.25, 2.625).

    Minimum 0 at (3, 0.5). p: (2,) -> (value, grad (2,)); with ``a_k = c_k - x + x y^k``:
    ``df/dx = sum 2 a_k (y^k - 1)``, ``df/dy = sum 2 a_k k x y^(k-1)``.
    """
    p = _point(p)
    x, y = p[0], p[1]
    value = 0.0
    gx = 0.0
    gy = 0.0
    for k, c in enumerate(_BEALE_C, start=1):
        a = c - x + x * y ** k
        value = value + a * a
        gx = gx + 2.0 * a * (y ** k - 1.0)
        gy = gy + 2.0 * a * k * x * y ** (k - 1)
    return _result(value, np.stack([gx, gy]), p)


def saddle(p):
    """The saddle ``f = x^2 - y^2`` (unbounded below; stationary point at (0, 0)).

    p: (2,) -> (value, grad (2,)) with ``grad = (2x, -2y)``.
    """
    p = _point(p)
    x, y = p[0], p[1]
    return _result(x * x - y * y, np.stack([2.0 * x, -2.0 * y]), p)


@dataclass(frozen=True)
class Surface:
    """A test function with its minimum (``None`` if it has none), a start point and plot limits.

    Calling the surface calls ``function``: ``surface(p) -> (value, grad)``.
    """
    name: str
    function: Callable
    minimum: tuple[float, float] | None
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def __call__(self, p):
        return self.function(p)


SURFACES: dict[str, Surface] = {
    "rosenbrock": Surface("rosenbrock", rosenbrock, (1.0, 1.0), (-1.5, 2.0), (-2.0, 2.0), (-1.0, 3.0)),
    "beale": Surface("beale", beale, (3.0, 0.5), (1.0, 1.5), (-4.5, 4.5), (-4.5, 4.5)),
    "saddle": Surface("saddle", saddle, None, (-1.0, 1e-3), (-1.5, 1.5), (-1.5, 1.5)),
}


def trajectory(optimizer, surface, start=None, steps: int = 1000) -> np.ndarray:
    """Run ``optimizer`` on a 2-D surface; returns the iterates, shape ``(steps + 1, 2)``.

    ``surface`` is a name in ``SURFACES``, a :class:`Surface` or any ``f(p) -> (value, grad)``;
    ``start`` (2,) defaults to the surface's start point. Row 0 is ``start``, row ``k`` the point
    after ``k`` steps. The optimizer is reset first, so one object can draw several trajectories.
    If the iterates diverge (a value or gradient stops being finite), the remaining rows are NaN.
    """
    if isinstance(surface, str):
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of {sorted(SURFACES)}")
        surface = SURFACES[surface]
    if not callable(surface):
        raise TypeError(f"surface must be a name, a Surface or a function, got {type(surface).__name__}")
    if start is None:
        if not isinstance(surface, Surface):
            raise ValueError("start is required when surface is a plain function")
        start = surface.start
    p = as_float_array(start, "start", ndim=1, dtype=np.float64).copy()
    if p.shape != (2,):
        raise ValueError(f"start must have shape (2,), got {p.shape}")
    steps = check_positive_int(steps, "steps")
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}")
    if hasattr(optimizer, "reset"):
        optimizer.reset()
    path = np.full((steps + 1, 2), np.nan)
    path[0] = p
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by NaN rows
        for k in range(1, steps + 1):
            _, grad = surface(p)
            grad = np.asarray(grad, dtype=np.float64)
            if not np.all(np.isfinite(grad)):
                break
            optimizer.step(p, grad)
            if not np.all(np.isfinite(p)):
                break
            path[k] = p
    return path
