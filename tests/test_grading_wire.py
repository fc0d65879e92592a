"""The kernel <-> referee wire format: exact round trips for plain data, handles for the rest,
and refusal of anything that could run code."""
import numpy as np
import pytest

from nncourse.grading import wire


def roundtrip(value):
    handles = []
    data = wire.loads(wire.dumps(wire.encode(value, lambda obj: handles.append(obj) or len(handles))))
    return wire.decode(data, lambda h, t: ("handle", h, t)), handles


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2 ** 80, 1.5, -0.0, float("inf"), 1e-320, 1 + 2j, "text",
    [1, 2.5, "a"], (1, (2, 3)), {"w": [1.0], "converged": True, 3: "x"},
])
def test_plain_python_values_round_trip_exactly(value):
    back, handles = roundtrip(value)
    assert back == value and type(back) is type(value) and not handles


@pytest.mark.parametrize("value", [
    np.float64(-2.0), np.float32(0.1), np.int64(5), np.bool_(True), np.array(3.5),
    np.arange(6, dtype=np.int32).reshape(2, 3), np.zeros((0, 4)), np.array([[1 + 1j]]),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(10.0)[::3],
])
def test_numpy_values_keep_dtype_shape_and_values(value):
    back, _ = roundtrip(value)
    assert type(back) is type(value)
    assert np.asarray(back).dtype == np.asarray(value).dtype
    assert np.shape(back) == np.shape(value)
    np.testing.assert_array_equal(back, value)


def test_other_objects_become_handles():
    obj = object()
    back, handles = roundtrip({"f": len, "o": obj, "a": np.array(["x"])})
    assert handles == [len, obj, handles[2]] and back["f"][0] == "handle"
    assert back["a"][2] == "ndarray"  # string arrays are not plain data


@pytest.mark.parametrize("bad, words", [
    ({"ndarray": "AAAA", "dtype": "object", "shape": [1]}, "not allowed"),
    ({"ndarray": "AAAAAAAAAAA=", "dtype": "float64", "shape": [3]}, "does not match"),
    ({"pickle": "gASV"}, "unknown wire item"),
    ([1, 2], "unexpected wire item"),
])
def test_malformed_data_is_refused(bad, words):
    with pytest.raises(wire.WireError, match=words):
        wire.decode(bad, lambda h, t: None)


def test_deep_nesting_is_refused():
    value = []
    for _ in range(wire.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.encode(value, lambda obj: 0)
