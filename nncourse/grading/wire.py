"""The wire format between the student kernel and the referee.

Only plain data crosses by value: None, bool, int, float, complex, str, numeric NumPy arrays and
scalars, and lists, tuples and dicts of those. Everything else stays in the kernel and crosses as
a handle (an integer id) that the referee wraps in a proxy. Nothing is ever unpickled, so a
hostile kernel can send wrong answers but cannot run code in the referee.
"""
from __future__ import annotations

import base64
import json

import numpy as np

ALLOWED_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                  "uint64", "float16", "float32", "float64", "complex64", "complex128"}
MAX_DEPTH = 50


class WireError(ValueError):
    """The other side sent something that is not valid wire data."""


def encode(value, make_handle, depth: int = 0):
    """Turn ``value`` into JSON-ready data; ``make_handle(obj) -> int`` for non-plain objects."""
    if depth > MAX_DEPTH:
        raise WireError("value is nested too deeply to send")
    # NumPy scalars first: np.float64 is a subclass of float and np.bool_ is not a bool.
    if isinstance(value, np.generic) and value.dtype.name in ALLOWED_DTYPES:
        return {"npscalar": encode(np.asarray(value), make_handle, depth + 1)}
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return {"int": str(int(value))}  # exact, even beyond 2**53
    if isinstance(value, float):
        return {"float": float.__repr__(float(value))}
    if isinstance(value, complex):
        return {"complex": [float.__repr__(value.real), float.__repr__(value.imag)]}
    if isinstance(value, np.ndarray) and value.dtype.name in ALLOWED_DTYPES:
        # (not np.ascontiguousarray: it turns a 0-d array into a 1-d one)
        return {"ndarray": base64.b64encode(value.tobytes(order="C")).decode("ascii"),
                "dtype": value.dtype.name, "shape": list(value.shape)}
    if type(value) in (list, tuple):
        key = "list" if type(value) is list else "tuple"
        return {key: [encode(v, make_handle, depth + 1) for v in value]}
    if type(value) is dict:
        return {"dict": [[encode(k, make_handle, depth + 1), encode(v, make_handle, depth + 1)]
                         for k, v in value.items()]}
    return {"handle": make_handle(value), "type": type(value).__name__}


def decode(data, make_proxy, depth: int = 0, resolve_name=None):
    """Inverse of :func:`encode`; ``make_proxy(handle_id, type_name)`` wraps remote objects and
    ``resolve_name(name)`` turns a ``{"named": ...}`` reference into the local object."""
    if depth > MAX_DEPTH:
        raise WireError("value is nested too deeply")
    if data is None or isinstance(data, (bool, str)):
        return data
    if not isinstance(data, dict) or len(data) not in (1, 2, 3):
        raise WireError(f"unexpected wire item {type(data).__name__}")
    if "int" in data:
        return int(data["int"])
    if "float" in data:
        return float(data["float"])
    if "complex" in data:
        re, im = data["complex"]
        return complex(float(re), float(im))
    if "ndarray" in data:
        dtype = data.get("dtype")
        if dtype not in ALLOWED_DTYPES:
            raise WireError(f"array dtype {dtype!r} is not allowed")
        shape = tuple(int(s) for s in data["shape"])
        raw = base64.b64decode(data["ndarray"].encode("ascii"), validate=True)
        arr = np.frombuffer(raw, dtype=np.dtype(dtype))
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise WireError("array data does not match its shape")
        return arr.reshape(shape).copy()
    if "npscalar" in data:
        return decode(data["npscalar"], make_proxy, depth + 1, resolve_name)[()]
    if "list" in data:
        return [decode(v, make_proxy, depth + 1, resolve_name) for v in data["list"]]
    if "tuple" in data:
        return tuple(decode(v, make_proxy, depth + 1, resolve_name) for v in data["tuple"])
    if "dict" in data:
        return {decode(k, make_proxy, depth + 1, resolve_name): decode(v, make_proxy, depth + 1, resolve_name)
                for k, v in data["dict"]}
    if "handle" in data:
        return make_proxy(int(data["handle"]), str(data.get("type", "object")))
    if "named" in data and resolve_name is not None:
        return resolve_name(str(data["named"]))
    raise WireError(f"unknown wire item with keys {sorted(data)}")


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def loads(text: str):
    return json.loads(text)
