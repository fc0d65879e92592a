"""Input checks shared by the reference implementation.

Every public function validates its arguments here so that bad input fails with a message that
names the argument and what was expected, instead of a traceback from deep inside NumPy.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["as_float_array", "as_finite_real", "check_same_shape", "check_finite", "check_positive_int",
           "check_generator"]


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return type(x).__name__


def as_float_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None,
                   finite: bool = True, dtype=None) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray, or raise a clear error.

    Integers and booleans become float64; float16/32/64 keep their precision unless ``dtype`` is
    given. ``ndim`` restricts the number of dimensions; ``finite`` rejects NaN and inf.
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and (dtype is None or x.dtype == dtype):
        arr = x  # already a float array of the wanted dtype: the common case, checked cheaply
    else:
        arr = _converted(x, name, dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {want} dimension(s), got shape {arr.shape}")
    if finite:
        check_finite(arr, name)
    return arr


def _converted(x, name: str, dtype) -> np.ndarray:
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numeric array, got {_describe(x)}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got {_describe(arr)}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if not np.issubdtype(arr.dtype, np.floating):
        return arr.astype(np.float64)
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ValueError naming the first NaN or inf in ``arr``.

    NaN and inf propagate through ``min`` and ``max``: two reductions and no temporary array
    (``np.isfinite(arr).all()`` would make a boolean array of arr's size on every call).
    """
    if arr.size and not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        value = arr[where] if arr.ndim else arr[()]
        kind = "NaN" if np.isnan(value) else "inf"
        raise ValueError(f"{name} contains {kind} at index {where}; expected finite values")


def check_same_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{a_name} and {b_name} must have the same shape, "
                         f"got {a.shape} and {b.shape}")


def check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_finite_real(x, name: str, expected: str = "a real number") -> float:
    """``x`` as a finite Python float: TypeError for non-numbers (and bools), ValueError for
    NaN or inf. ``expected`` describes what is accepted, for the message."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def check_generator(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` itself if it is a ``numpy.random.Generator``; TypeError otherwise. Randomness is
    always passed in (dropout masks, noise, shuffles, initial weights), so runs are reproducible."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    return rng
