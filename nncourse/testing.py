"""Helpers for the test cells of the exercise notebooks.

They work the same when a student runs a test cell in Jupyter and when the grader runs it in the
referee (where student objects are remote). Every failure says what is wrong and where to look:
which entry, for which input, what was expected, and a hint.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

__all__ = ["check_close", "check_shape", "check_finite", "check_equal", "expect_no_overflow",
           "define_in_student_kernel", "describe"]

_ACTIVE_REFEREE = None  # set by the grader while a test cell runs in the referee


def describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__} ({value!r:.60})"


def _as_array(value, name: str) -> np.ndarray:
    if value is None:
        raise AssertionError(f"{name} returned None: did you forget a `return`?")
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001
        raise AssertionError(f"{name} should be a NumPy array, got {describe(value)}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise AssertionError(f"{name} should be a numeric array, got {describe(value)}")
    return arr


def check_shape(actual, shape, name: str) -> np.ndarray:
    arr = _as_array(actual, name)
    if arr.shape != tuple(shape):
        raise AssertionError(f"{name} has shape {arr.shape}, expected {tuple(shape)}")
    return arr


def check_finite(actual, name: str, inputs=None) -> np.ndarray:
    arr = _as_array(actual, name)
    if np.issubdtype(arr.dtype, np.inexact) and not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        at = f" for input {_entry(inputs, idx)}" if inputs is not None else ""
        raise AssertionError(f"{name} contains {float(arr[idx])} at index {idx}{at}: "
                             "an overflow or a division by zero? Look for exp() of large numbers "
                             "and log(0); see the stable forms in the lecture")
    return arr


def _entry(inputs, idx):
    try:
        arr = np.asarray(inputs)
        return (arr[idx] if arr.shape else arr[()]).item()
    except Exception:  # noqa: BLE001
        return inputs


def check_close(actual, expected, name: str, *, rtol: float = 1e-7, atol: float = 1e-9,
                inputs=None, hint: str = "") -> None:
    """Assert that ``actual`` equals ``expected`` to a tolerance, with a precise message.

    ``inputs`` (same shape as the output, optional) lets the message name the input entry where
    the first wrong value occurs; ``hint`` says what to look at.
    """
    expected = np.asarray(expected)
    arr = _as_array(actual, name)
    if arr.shape != expected.shape:
        raise AssertionError(f"{name} has shape {arr.shape}, expected {expected.shape}"
                             + (f". Hint: {hint}" if hint else ""))
    check_finite(arr, name, inputs)
    arr64, exp64 = arr.astype(np.float64), expected.astype(np.float64)
    bad = ~(np.abs(arr64 - exp64) <= atol + rtol * np.abs(exp64))
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        got, want = float(arr64[idx]), float(exp64[idx])
        at = f" at index {idx}" if idx else ""
        given = f" (input {_entry(inputs, idx)})" if inputs is not None else ""
        raise AssertionError(f"{name} is wrong{at}{given}: got {got!r}, expected {want!r}; "
                             f"{int(bad.sum())} of {bad.size} entries differ"
                             + (f". Hint: {hint}" if hint else ""))


def check_equal(actual, expected, name: str, hint: str = "") -> None:
    """Exact comparison for integers, booleans, truth tables."""
    expected = np.asarray(expected)
    arr = _as_array(actual, name)
    if arr.shape != expected.shape:
        raise AssertionError(f"{name} has shape {arr.shape}, expected {expected.shape}")
    if not np.array_equal(arr, expected):
        idx = tuple(int(i) for i in np.argwhere(arr != expected)[0])
        raise AssertionError(f"{name} is wrong at index {idx}: got {arr[idx].item()!r}, expected "
                             f"{expected[idx].item()!r}" + (f". Hint: {hint}" if hint else ""))


@contextlib.contextmanager
def expect_no_overflow(what: str, hint: str = "never take exp of a large positive number, "
                                              "and never log of 0"):
    """Fail if student code run inside the block raises a floating-point RuntimeWarning
    (overflow, invalid value, divide by zero). Other warnings are reported, never penalised."""
    referee = _ACTIVE_REFEREE
    if referee is not None:
        before = len(referee.warnings)
        yield
        new = referee.warnings[before:]
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        new = [f"{w.category.__name__}: {w.message}" for w in caught]
    new = [w for w in new if w.startswith(("RuntimeWarning", "FloatingPointError"))]
    if new:
        raise AssertionError(f"{what} raised a warning: {new[0]}. A numerically stable version "
                             f"raises none ({hint})")


def define_in_student_kernel(source: str, name: str):
    """Define function ``name`` from ``source`` where the student's code runs, and return it.

    Tests that hand a callable to student code (e.g. a function to differentiate) use this:
    under the grader the function must live in the student's kernel to be callable there.
    """
    if _ACTIVE_REFEREE is not None:
        return _ACTIVE_REFEREE.define_in_kernel(source, name)
    namespace: dict = {"np": np}
    exec(compile(source, f"<test helper {name}>", "exec"), namespace)
    return namespace[name]
