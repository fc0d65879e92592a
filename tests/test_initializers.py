"""Module 6 initializers: each empirical variance against its formula, orthogonality, the seed 001
Glorot misprint caught by the same test, and ``initialize`` on a network's flat vector.

Tolerance of the variance test. ``W`` has m = fan_in * fan_out independent entries of mean 0 and
variance s2; the estimate ``mean(W^2)`` has standard error ``s2 * sqrt((kurtosis - 1) / m)``, with
kurtosis ``E w^4 / s2^2`` = 3 for a normal and 9/5 for a uniform. The test allows FIVE standard
errors: for the 1000 x 500 matrices below (m = 500,000) that is a relative error of 1.0 % for the
normal schemes and 0.63 % for the uniform ones. fan_in != fan_out, so a formula that uses the
wrong fan (2/fan_out instead of 2/fan_in) is off by a factor 2 and fails.
"""
import math

import numpy as np
import pytest

from reference_impl import Dense, Network
from reference_impl import initializers as I
from reference_impl.batch_norm import BatchNorm

FAN_IN, FAN_OUT = 1000, 500
M = FAN_IN * FAN_OUT
KURTOSIS = {"normal": 3.0, "uniform": 9.0 / 5.0}

# name, distribution, the variance formula written out independently of the module
SCHEMES = [
    ("uniform", "uniform", lambda fi, fo: (1 / math.sqrt(fi)) ** 2 / 3),   # bound^2 / 3
    ("glorot_uniform", "uniform", lambda fi, fo: 2 / (fi + fo)),
    ("xavier_uniform", "uniform", lambda fi, fo: 2 / (fi + fo)),
    ("glorot_normal", "normal", lambda fi, fo: 2 / (fi + fo)),
    ("xavier_normal", "normal", lambda fi, fo: 2 / (fi + fo)),
    ("he_uniform", "uniform", lambda fi, fo: 2 / fi),
    ("he_normal", "normal", lambda fi, fo: 2 / fi),
    ("lecun_uniform", "uniform", lambda fi, fo: 1 / fi),
    ("lecun_normal", "normal", lambda fi, fo: 1 / fi),
]


def variance_check(W, target, distribution, n_se=5.0):
    """(passes, relative error of mean(W^2), allowed relative error)."""
    tol = n_se * math.sqrt((KURTOSIS[distribution] - 1.0) / W.size)
    rel = abs(float(np.mean(W.astype(np.float64) ** 2)) / target - 1.0)
    return rel <= tol, rel, tol


@pytest.mark.parametrize("name, distribution, variance", SCHEMES)
def test_empirical_variance_matches_the_formula(name, distribution, variance, rng):
    W = I.INITIALIZERS[name](FAN_IN, FAN_OUT, rng, np.float64)
    assert W.shape == (FAN_IN, FAN_OUT)
    target = variance(FAN_IN, FAN_OUT)
    ok, rel, tol = variance_check(W, target, distribution)
    assert ok, f"{name}: mean(W^2) is off by {rel:.2%}, allowed {tol:.2%} (5 standard errors)"
    # mean 0 within 5 standard errors sqrt(Var / m)
    assert abs(W.mean()) < 5 * math.sqrt(target / M), name


def test_tolerances_are_the_ones_stated_in_the_docstring():
    assert round(5 * math.sqrt(2 / M), 4) == 0.0100
    assert round(5 * math.sqrt(0.8 / M), 4) == 0.0063


def test_seed001_misprinted_glorot_bound_fails_the_variance_test(rng):
    """Seed 001 prints the bound as 6 / sqrt(H_{l-1} + H_l); its variance is 12 / (fan_in + fan_out),
    six times Glorot's 2 / (fan_in + fan_out). The variance test rejects it."""
    def glorot_uniform_as_printed(fan_in, fan_out, rng, dtype):
        bound = 6 / math.sqrt(fan_in + fan_out)
        return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)

    W = glorot_uniform_as_printed(FAN_IN, FAN_OUT, rng, np.float64)
    ok, rel, tol = variance_check(W, 2 / (FAN_IN + FAN_OUT), "uniform")
    assert not ok
    assert rel == pytest.approx(5.0, abs=0.05)      # 6x the variance: off by 500 %
    W = I.glorot_uniform(FAN_IN, FAN_OUT, rng)
    assert variance_check(W, 2 / (FAN_IN + FAN_OUT), "uniform")[0]


def test_using_the_wrong_fan_fails_the_variance_test(rng):
    W = I.he_normal(FAN_OUT, FAN_IN, rng)  # fans swapped: variance 2/500 instead of 2/1000
    assert not variance_check(W, 2 / FAN_IN, "normal")[0]


@pytest.mark.parametrize("name, bound", [
    ("uniform", lambda fi, fo: 1 / math.sqrt(fi)),
    ("glorot_uniform", lambda fi, fo: math.sqrt(6) / math.sqrt(fi + fo)),
    ("he_uniform", lambda fi, fo: math.sqrt(6 / fi)),
    ("lecun_uniform", lambda fi, fo: math.sqrt(3 / fi)),
])
def test_uniform_schemes_stay_inside_their_bound_and_fill_it(name, bound, rng):
    W = I.INITIALIZERS[name](300, 200, rng)
    a = bound(300, 200)
    assert np.abs(W).max() <= a
    assert np.abs(W).max() > 0.999 * a


@pytest.mark.parametrize("fan_in, fan_out", [(300, 100), (100, 300), (64, 64), (5, 1), (1, 5)])
def test_orthogonal_has_orthonormal_columns_or_rows(fan_in, fan_out, rng):
    W = I.orthogonal(fan_in, fan_out, rng)
    assert W.shape == (fan_in, fan_out)
    if fan_in >= fan_out:
        np.testing.assert_allclose(W.T @ W, np.eye(fan_out), atol=1e-12)
    if fan_in <= fan_out:
        np.testing.assert_allclose(W @ W.T, np.eye(fan_in), atol=1e-12)
    # the squares of the entries sum to min(fan_in, fan_out): mean(W^2) = 1 / max(fan_in, fan_out)
    assert np.mean(W ** 2) == pytest.approx(1 / max(fan_in, fan_out), rel=1e-12)


def test_orthogonal_gain_and_randomness(rng):
    W = I.orthogonal(50, 20, rng, gain=math.sqrt(2))
    np.testing.assert_allclose(W.T @ W, 2 * np.eye(20), atol=1e-12)
    assert not np.allclose(I.orthogonal(20, 20, rng), I.orthogonal(20, 20, rng))


def test_orthogonal_is_haar_distributed(rng):
    """Without the sign correction of QR, the diagonal of Q would be biased; Haar-random
    orthogonal 2x2 matrices have E[Q_11] = 0."""
    first = np.array([I.orthogonal(2, 2, rng)[0, 0] for _ in range(4000)])
    assert abs(first.mean()) < 5 * first.std() / math.sqrt(first.size)


def test_normal_with_std_has_variance_std_squared(rng):
    init = I.normal_with_std(0.1)
    W = init(FAN_IN, FAN_OUT, rng, np.float64)
    assert variance_check(W, 0.01, "normal")[0]
    assert init.__doc__


@pytest.mark.parametrize("name", sorted(I.INITIALIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_initializer_returns_the_course_layout_and_dtype(name, dtype, rng):
    W = I.INITIALIZERS[name](3, 7, rng, dtype)
    assert W.shape == (3, 7) and W.dtype == dtype
    assert np.isfinite(W).all()


def test_same_generator_same_weights():
    a = I.he_normal(4, 3, np.random.default_rng(5))
    b = I.he_normal(4, 3, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_xavier_names_are_glorot():
    assert I.INITIALIZERS["xavier_uniform"] is I.glorot_uniform
    assert I.INITIALIZERS["xavier_normal"] is I.glorot_normal


# --- initialize(network, scheme, rng) ---------------------------------------------------------
def test_uniform_reproduces_the_dense_default():
    net = Network.from_sizes([3, 5, 4, 2], ["relu", "tanh", "identity"], seed=11)
    expected = net.params.copy()
    net.params[:] = 7.0
    I.initialize(net, "uniform", np.random.default_rng(11))
    np.testing.assert_array_equal(net.params, expected)


def test_initialize_writes_into_the_flat_vector_and_zeroes_biases(rng):
    net = Network.from_sizes([6, 8, 3], ["relu", "identity"], seed=0)
    params = net.params
    net.params[:] = 1.0
    I.initialize(net, "he_normal", rng)
    assert net.params is params
    for layer in net.layers:
        assert np.shares_memory(layer.W, net.params)
        np.testing.assert_array_equal(layer.b, 0.0)
    n_weights = 6 * 8 + 8 * 3
    assert np.all(net.params[:n_weights] != 1.0)
    np.testing.assert_array_equal(net.params[n_weights:], 0.0)


def test_initialize_is_the_schemes_draws_layer_by_layer():
    net = Network.from_sizes([4, 6, 2], ["tanh", "identity"], seed=0)
    I.initialize(net, "glorot_normal", 3)
    r = np.random.default_rng(3)
    np.testing.assert_array_equal(net.layers[0].W, I.glorot_normal(4, 6, r))
    np.testing.assert_array_equal(net.layers[1].W, I.glorot_normal(6, 2, r))


def test_initialize_accepts_a_function_and_leaves_batch_norm_alone(rng):
    net = Network([Dense(3, 4, "identity"), BatchNorm(4, "relu"), Dense(4, 1)])
    net.layers[1].gamma[...] = 2.0
    I.initialize(net, I.normal_with_std(0.5), rng)
    np.testing.assert_array_equal(net.layers[1].gamma, 2.0)
    np.testing.assert_array_equal(net.layers[1].beta, 0.0)
    assert net.layers[0].W.std() > 0.2


def test_initialize_in_float32(rng):
    net = Network.from_sizes([3, 4, 1], ["relu", "identity"], dtype=np.float32)
    I.initialize(net, "orthogonal", rng)
    assert net.params.dtype == np.float32
    np.testing.assert_allclose(net.layers[0].W @ net.layers[0].W.T, np.eye(3), atol=1e-6)


@pytest.mark.parametrize("call, error, words", [
    (lambda: I.he_normal(0, 3, np.random.default_rng(0)), ValueError,
     "fan_in must be a positive integer, got 0"),
    (lambda: I.glorot_uniform(3, 2.5, np.random.default_rng(0)), ValueError,
     "fan_out must be a positive integer, got 2.5"),
    (lambda: I.lecun_normal(3, 2, 0), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: I.orthogonal(3, 2, np.random.default_rng(0), gain=-1.0), ValueError,
     "gain must be a positive number, got -1.0"),
    (lambda: I.normal_with_std(0.0), ValueError, "std must be a positive number, got 0.0"),
    (lambda: I.get_initializer("kaiming"), ValueError, "unknown initialization scheme 'kaiming'"),
    (lambda: I.get_initializer(3), TypeError, "scheme must be a name or a function"),
    (lambda: I.initialize(Network.from_sizes([2, 1], ["relu"]), "he_normal", "seed"), TypeError,
     "rng must be a numpy.random.Generator or an int seed, got str"),
    (lambda: I.initialize([Dense(2, 1)], "he_normal", 0), TypeError, "network must be a Network"),
    (lambda: I.initialize(Network.from_sizes([2, 3], ["relu"]), lambda fi, fo, r, d: np.ones((fo, fi)), 0),
     ValueError, "scheme returned shape (3, 2) for layer 0, expected (fan_in, fan_out) = (2, 3)"),
])
def test_bad_input_messages(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
