"""Helpers for the test cells of the exercise notebooks.

They work the same when a student runs a test cell in Jupyter and when the grader runs it in the
referee (where student objects are remote). Every failure says what is wrong and where to look:
which entry, for which input, what was expected, and a hint.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

__all__ = ["check_close", "check_shape", "check_finite", "check_equal", "check_dict_close",
           "expect_no_overflow", "define_in_student_kernel", "replaced_in_student_code", "describe",
           "call_each"]

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


def call_each(function, inputs) -> list:
    """``[function(x) for x in inputs]``: the student's function applied to every input, in order.

    Under the grader every call into student code is a round trip to its kernel (a few ms);
    a test that tries a function on hundreds of inputs uses this to make them one request. An
    exception on one input stops the batch and says which input it was.
    """
    inputs = list(inputs)
    referee = _ACTIVE_REFEREE
    if referee is not None:
        from nncourse.grading.referee import RemoteObject
        if isinstance(function, RemoteObject):
            return referee.call_each(function, inputs)
    return [function(x) for x in inputs]


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


def check_dict_close(actual, expected: dict, name: str, *, hints: dict | None = None,
                     rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Check a dict of arrays key by key; a failure names the key and gives that key's hint.

    ``hints`` maps a key to what to look at for that key only (a wrong ``db2`` gets the hint
    about ``db2``, not the whole recurrence).
    """
    hints = hints or {}
    if not isinstance(actual, dict):
        raise AssertionError(f"{name} should be a dict with the keys {list(expected)}, got {describe(actual)}")
    missing = [key for key in expected if key not in actual]
    if missing:
        raise AssertionError(f"{name} must have the keys {list(expected)}; missing {missing}")
    for key, want in expected.items():
        check_close(actual[key], want, f"{name}[{key!r}]", rtol=rtol, atol=atol, hint=hints.get(key, ""))


def _interactive_namespace() -> dict:
    """The namespace student code runs in when a test cell runs in Jupyter (not graded)."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: the caller's module globals
        get_ipython = lambda: None  # noqa: E731
    shell = get_ipython()
    if shell is not None:
        return shell.user_ns
    import sys
    return sys._getframe(3).f_globals


@contextlib.contextmanager
def replaced_in_student_code(source: str, names):
    """Inside the block, the student's global functions ``names`` are the ones ``source`` defines.

    A test of a composite (a training loop built on the student's optimizer, a network built on
    the student's layers) uses it to replace the parts that are graded in their own tests by
    correct versions, so that one bug costs its points once. ``source`` is self-contained NumPy
    code (``np`` is available). The student's own functions are put back afterwards.
    """
    names = [names] if isinstance(names, str) else list(names)
    if _ACTIVE_REFEREE is not None:
        _ACTIVE_REFEREE.request({"op": "swap", "source": source, "names": names})
        try:
            yield
        finally:
            _ACTIVE_REFEREE.request({"op": "unswap"})
        return
    namespace: dict = {"np": np}
    exec(compile(source, "<replacement parts>", "exec"), namespace)
    target = _interactive_namespace()
    missing = object()
    saved = {name: target.get(name, missing) for name in names}
    target.update({name: namespace[name] for name in names})
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is missing:
                target.pop(name, None)
            else:
                target[name] = old
