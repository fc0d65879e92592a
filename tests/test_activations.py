"""Activations: values from the seeds and papers, derivatives by central differences,
stability at large magnitudes, and clear errors for bad input."""
import math

import numpy as np
import pytest

from reference_impl import activations as A
from reference_impl.gradient_check import numerical_gradient, relative_error

ELEMENTWISE = [name for name in A.ACTIVATIONS]
KINKED = {"relu", "leaky_relu", "elu", "threshold", "sign", "selu"}


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(1,), (7,), (1, 3), (4, 5), (2, 3, 2)])
def test_derivative_matches_central_differences(name, shape, rng):
    act = A.get_activation(name)
    z = rng.normal(scale=2.0, size=shape)
    if name in KINKED:  # keep clear of the kink at 0, where the derivative jumps
        z = np.where(np.abs(z) < 1e-2, 0.5, z)
    upstream = rng.normal(size=shape)
    numeric = numerical_gradient(lambda: float(np.sum(act(z) * upstream)), {"z": z})["z"]
    analytic = act.derivative(z) * upstream
    assert relative_error(analytic, numeric) < 1e-7, name


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("magnitude", [1e3, 1e5])
def test_large_inputs_are_finite_and_silent(name, magnitude):
    # pytest turns every warning into an error (pyproject), so an overflow would fail here.
    act = A.get_activation(name)
    z = np.array([-magnitude, -1.0, 0.0, 1.0, magnitude])
    assert np.all(np.isfinite(act(z))), name
    assert np.all(np.isfinite(act.derivative(z))), name


@pytest.mark.parametrize("name, at_minus, at_plus", [
    ("sigmoid", 0.0, 1.0), ("tanh", -1.0, 1.0), ("relu", 0.0, 1000.0),
    ("softplus", 0.0, 1000.0), ("elu", -1.0, 1000.0), ("gelu", 0.0, 1000.0),
    ("gelu_tanh", 0.0, 1000.0), ("gaussian", 0.0, 0.0), ("threshold", 0.0, 1.0),
    ("sign", -1.0, 1.0), ("identity", -1000.0, 1000.0),
    ("selu", -A.SELU_LAMBDA * A.SELU_ALPHA, A.SELU_LAMBDA * 1000.0),
])
def test_limits_at_plus_minus_1000(name, at_minus, at_plus):
    out = A.get_activation(name)(np.array([-1000.0, 1000.0]))
    np.testing.assert_allclose(out, [at_minus, at_plus], rtol=1e-12, atol=1e-300)


def test_sigmoid_derivative_values_from_the_course():
    # course-design.md: sigma'(3) = 0.0452; seed 000 erratum: the maximum 0.25 is reached at 0.
    assert round(float(A.sigmoid_derivative(3.0)), 4) == 0.0452
    assert A.sigmoid_derivative(0.0) == 0.25
    z = np.linspace(-30, 30, 10001)
    assert A.sigmoid_derivative(z).max() <= 0.25 and A.sigmoid_derivative(z).min() > 0


def test_sigmoid_saturates_to_exact_zero_and_one():
    np.testing.assert_array_equal(A.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    assert 0 < A.sigmoid(-700.0) < 1e-300


def test_threshold_and_sign_conventions():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(A.threshold(z), [0, 0, 1])  # seed 004: I[z > 0]
    np.testing.assert_array_equal(A.sign(z), [-1, 0, 1])
    np.testing.assert_array_equal(A.relu_derivative(z), [0, 0, 1])


def test_leaky_relu_slope_and_seed_variant():
    z = np.array([-10.0, 5.0])
    np.testing.assert_allclose(A.leaky_relu(z), [-0.1, 5.0])
    np.testing.assert_allclose(A.leaky_relu(z, alpha=0.1), np.maximum(0.1 * z, z))  # seed 004


def test_prelu_gradient_wrt_slope(rng):
    z = rng.normal(size=(6, 4))
    z = np.where(np.abs(z) < 1e-2, 0.3, z)
    alpha = rng.uniform(0.05, 0.3, size=(4,))
    up = rng.normal(size=z.shape)
    dz, dalpha = A.prelu_backward(up, z, alpha)
    num = numerical_gradient(lambda: float(np.sum(A.prelu(z, alpha) * up)), {"z": z, "alpha": alpha})
    assert relative_error(dz, num["z"]) < 1e-7
    assert relative_error(dalpha, num["alpha"]) < 1e-7


def test_gelu_exact_values_and_tanh_approximation():
    # GELU(x) = x Phi(x): GELU(1) = Phi(1) = 0.841344746..., GELU(-1) = -(1 - Phi(1)).
    np.testing.assert_allclose(A.gelu(np.array([1.0, -1.0])), [0.8413447460685429, -0.15865525393145707])
    z = np.linspace(-6, 6, 1001)
    # The tanh form approximates the exact GELU to within 1e-3 everywhere (Hendrycks & Gimpel).
    assert np.max(np.abs(A.gelu_tanh(z) - A.gelu(z))) < 1e-3
    # Seed 004's misprint (0.44715 * x^2) is a visibly different function.
    misprint = 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.44715 * z ** 2)))
    assert np.max(np.abs(misprint - A.gelu(z))) > 0.1


def test_selu_constants_match_the_paper():
    assert math.isclose(A.SELU_LAMBDA, 1.0507009873554805)
    assert math.isclose(A.SELU_ALPHA, 1.6732632423543772)


@pytest.mark.parametrize("vector, expected, digits", [
    # Seed 004's three softmax examples, to the digits printed there.
    ([0.5, 0.5, 0.1, 0.7], [0.257, 0.257, 0.172, 0.314], 3),
    ([-1.0, 0.0, 1.0, 0.0, -1.0], [0.07, 0.18, 0.5, 0.18, 0.07], 2),
    ([1.0, 1.0, 1.0, 2.0, 1.0], [0.15, 0.15, 0.15, 0.4, 0.15], 2),
])
def test_softmax_examples_from_seed_004(vector, expected, digits):
    np.testing.assert_array_equal(np.round(A.softmax(np.array(vector)), digits), expected)


def test_softmax_is_stable_and_axis_aware(rng):
    z = np.array([[1e4, 0.0, -1e4], [3.0, 3.0, 3.0]])
    s = A.softmax(z, axis=1)
    np.testing.assert_allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-15)
    np.testing.assert_allclose(A.log_softmax(z, axis=1)[0], [0.0, -1e4, -2e4])
    cols = rng.normal(size=(4, 3))
    np.testing.assert_allclose(A.softmax(cols, axis=0).sum(axis=0), 1.0)
    np.testing.assert_allclose(np.exp(A.log_softmax(cols, axis=0)), A.softmax(cols, axis=0))


def test_softmax_backward_is_the_jacobian_product(rng):
    z = rng.normal(size=(3, 5))
    up = rng.normal(size=(3, 5))
    num = numerical_gradient(lambda: float(np.sum(A.softmax(z) * up)), {"z": z})["z"]
    assert relative_error(A.softmax_backward(up, A.softmax(z)), num) < 1e-7


def test_float32_in_float32_out():
    z = np.linspace(-5, 5, 11, dtype=np.float32)
    for name in ("sigmoid", "tanh", "relu", "elu", "leaky_relu"):
        assert A.get_activation(name)(z).dtype == np.float32, name


def test_integer_and_scalar_input():
    assert A.relu(np.array([-1, 2])).dtype == np.float64
    assert float(A.sigmoid(0)) == 0.5


@pytest.mark.parametrize("bad, error, words", [
    ("abc", TypeError, "z must be a numeric array"),
    (np.array(["a", "b"]), TypeError, "z must be a numeric array"),
    (np.array([1.0, np.nan]), ValueError, "z contains NaN at index (1,)"),
    (np.array([[0.0, np.inf]]), ValueError, "z contains inf at index (0, 1)"),
    (None, TypeError, "z must be a numeric array"),
    (np.array([1 + 2j]), TypeError, "z must be real"),
])
def test_bad_input_is_named(bad, error, words):
    with pytest.raises(error) as info:
        A.sigmoid(bad)
    assert words in str(info.value)


def test_unknown_activation_lists_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'relu6'.*sigmoid"):
        A.get_activation("relu6")


def test_softmax_rejects_scalars_and_bad_axes():
    with pytest.raises(ValueError, match="at least 1 dimension"):
        A.softmax(1.0)
    with pytest.raises(ValueError, match="axis 2 is out of range for z of shape"):
        A.softmax(np.zeros((2, 2)), axis=2)
