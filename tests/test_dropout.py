"""Module 5 dropout: the argument that cannot be misread, both conventions, masks from a passed-in
Generator, gradients with a fixed mask, the expectation of the thinned output, max-norm, and the
Monte Carlo check of weight scaling against the average of thinned networks."""
import itertools
import math

import numpy as np
import pytest

from reference_impl import Network, mean_squared_error
from reference_impl.dropout import (SEED000_RANGES, Dropout, dropout_backward, dropout_forward,
                                    dropout_mask)
from reference_impl.dropout_ensemble import dropout_network, measure_gaps, thinned_average
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.layers import Dense
from reference_impl.max_norm import apply_max_norm, column_norms, max_norm_project
from reference_impl.penalties import weight_mask

MODES = ["inverted", "scale_at_test"]


# --- the probability argument cannot be misread -----------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: Dropout(0.5, rng=np.random.default_rng(0)),
    lambda: dropout_mask((2, 3), 0.5, rng=np.random.default_rng(0)),
    lambda: dropout_forward(np.ones((2, 3)), None, 0.5),
    lambda: dropout_backward(np.ones((2, 3)), None, 0.5),
], ids=["Dropout", "dropout_mask", "dropout_forward", "dropout_backward"])
def test_a_bare_positional_p_is_refused_with_both_conventions_explained(call):
    with pytest.raises(TypeError) as info:
        call()
    message = str(info.value)
    for words in ("no positional probability", "KEEP", "DROP", "seed 000", "seed 001", "PyTorch",
                  "drop_prob=", "keep_prob="):
        assert words in message, f"{words!r} missing from: {message}"


def test_exactly_one_of_drop_prob_and_keep_prob():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="exactly one of drop_prob and keep_prob .got both"):
        Dropout(drop_prob=0.2, keep_prob=0.8, rng=rng)
    with pytest.raises(TypeError, match="exactly one of drop_prob and keep_prob .got neither"):
        Dropout(rng=rng)


def test_drop_prob_and_keep_prob_are_complements_and_give_the_same_masks():
    a = Dropout(drop_prob=0.2, rng=np.random.default_rng(9))
    b = Dropout(keep_prob=0.8, rng=np.random.default_rng(9))
    assert (a.drop_prob, a.keep_prob) == (0.2, 0.8) and b.keep_prob == 0.8
    X = np.ones((50, 40))
    np.testing.assert_array_equal(a.forward(X, training=True), b.forward(X, training=True))
    np.testing.assert_array_equal(a.mask, b.mask)
    assert repr(a) == "Dropout(drop_prob=0.2, mode='inverted')"


@pytest.mark.parametrize("kwargs, match", [
    ({"drop_prob": 1.0}, r"drop_prob must be in \[0, 1\) \(the probability to DROP a unit"),
    ({"drop_prob": -0.1}, r"drop_prob must be in \[0, 1\)"),
    ({"keep_prob": 0.0}, r"keep_prob must be in \(0, 1\] \(the probability to KEEP a unit"),
    ({"keep_prob": 1.5}, r"keep_prob must be in \(0, 1\]"),
])
def test_probabilities_outside_their_range_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Dropout(**kwargs, rng=np.random.default_rng(0))


def test_other_bad_arguments_name_the_problem():
    with pytest.raises(TypeError, match="Dropout needs rng=np.random.default_rng"):
        Dropout(drop_prob=0.5)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        Dropout(drop_prob=0.5, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="mode must be 'inverted' .* or 'scale_at_test'"):
        Dropout(drop_prob=0.5, rng=np.random.default_rng(0), mode="inverse")
    with pytest.raises(TypeError, match="drop_prob must be a number"):
        Dropout(drop_prob="0.5", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"mask must have the shape \(2, 3\) of the layer's input, got \(3, 2\)"):
        dropout_forward(np.ones((2, 3)), np.ones((3, 2), dtype=bool), keep_prob=0.5)
    with pytest.raises(TypeError, match="mask must be a boolean NumPy array"):
        dropout_forward(np.ones((2, 3)), np.ones((2, 3)), keep_prob=0.5)
    layer = Dropout(drop_prob=0.5, rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\)"):
        layer.backward(np.ones((2, 4)))


# --- forward and backward in both conventions --------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_forward_and_backward_follow_the_table(mode, rng):
    q = 0.6
    layer = Dropout(keep_prob=q, rng=np.random.default_rng(1), mode=mode)
    X, dout = rng.normal(size=(7, 5)), rng.normal(size=(7, 5))
    out = layer.forward(X, training=True)
    m = layer.mask
    assert m.dtype == bool and 0 < m.sum() < m.size
    scale = 1 / q if mode == "inverted" else 1.0
    np.testing.assert_array_equal(out, X * m * scale)
    np.testing.assert_array_equal(layer.backward(dout), dout * m * scale)   # the SAME mask
    test_scale = 1.0 if mode == "inverted" else q
    np.testing.assert_array_equal(layer.forward(X, training=False), X * test_scale)
    assert layer.mask is None
    np.testing.assert_array_equal(layer.backward(dout), dout * test_scale)


def test_masks_come_from_the_generator_and_only_in_training():
    def run():
        layer = Dropout(drop_prob=0.5, rng=np.random.default_rng(42))
        return [layer.forward(np.ones((3, 4)), training=True) for _ in range(3)], layer
    (first, layer), (again, _) = run(), run()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)              # reproducible from the seed
    assert not np.array_equal(first[0], first[1])        # a fresh mask every pass
    state = layer.rng.bit_generator.state
    layer.forward(np.ones((3, 4)), training=False)
    assert layer.rng.bit_generator.state == state        # test time draws nothing


def test_drop_prob_zero_is_the_identity_and_dtype_is_kept(rng):
    X = rng.normal(size=(4, 3)).astype(np.float32)
    layer = Dropout(drop_prob=0.0, rng=np.random.default_rng(0))
    out = layer.forward(X, training=True)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, X)


@pytest.mark.parametrize("mode", MODES)
def test_functional_dropout_gradient_with_a_fixed_mask(mode, rng):
    X, up = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    mask = dropout_mask(X.shape, drop_prob=0.3, rng=np.random.default_rng(2))
    dX = dropout_backward(up, mask, drop_prob=0.3, mode=mode)
    num = numerical_gradient(lambda: float(np.sum(dropout_forward(X, mask, drop_prob=0.3, mode=mode) * up)), X)
    assert relative_error(dX, num) < 1e-7


@pytest.mark.parametrize("mode", MODES)
def test_network_with_dropout_gradient_with_a_fixed_mask(mode, rng):
    """Dense(tanh) -> Dropout -> Dense; the generator is re-seeded at every evaluation, so the
    central differences see one fixed thinned network."""
    drop = Dropout(drop_prob=0.4, rng=np.random.default_rng(0), mode=mode)
    net = Network([Dense(3, 6, "tanh", seed=1), drop, Dense(6, 2, seed=2)])
    net.params[~weight_mask(net)] = rng.normal(size=8)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

    def loss():
        drop.rng = np.random.default_rng(123)
        return net.loss_and_gradient(X, y, mean_squared_error)[0]

    loss()
    analytic, mask = net.grads.copy(), drop.mask.copy()
    assert relative_error(analytic, numerical_gradient(loss, net.params)) < 1e-7
    np.testing.assert_array_equal(drop.mask, mask)


def test_dropped_units_get_zero_gradient_on_their_incoming_and_outgoing_weights(rng):
    """Seed 000: the gradient of the loss with respect to the excluded weights is zero."""
    drop = Dropout(drop_prob=0.5, rng=np.random.default_rng(3))
    net = Network([Dense(3, 8, "tanh", seed=1), drop, Dense(8, 2, seed=2)])
    x, y = rng.normal(size=(1, 3)), rng.normal(size=(1, 2))      # one row: one thinned network
    net.loss_and_gradient(x, y, mean_squared_error)
    dropped = ~drop.mask[0]
    assert 0 < dropped.sum() < 8
    first, second = net.layers[0], net.layers[2]
    assert not first.dW[:, dropped].any() and not first.db[dropped].any()   # incoming
    assert not second.dW[dropped, :].any()                                  # outgoing
    assert np.all(first.dW[:, ~dropped] != 0)


def test_when_every_unit_is_dropped_only_the_bias_passes():
    """Seed 000: if all units of a hidden layer are dropped, the next layer passes a constant."""
    H = np.array([[1.0, -2.0, 3.0], [0.5, 0.5, 0.5]])
    dense = Dense(3, 2, seed=0)
    dense.b[...] = [0.3, -0.7]
    out = dense.forward(dropout_forward(H, np.zeros(H.shape, dtype=bool), keep_prob=0.5))
    np.testing.assert_array_equal(out, [[0.3, -0.7], [0.3, -0.7]])


# --- expectations: statistical tests with a stated tolerance ---------------------------------------
N_MASKS = 20000


@pytest.mark.parametrize("keep", [0.5, 0.8])
def test_inverted_dropout_mean_over_many_masks_equals_the_input(keep, rng):
    """out = x m / q with m ~ Bernoulli(q): the mean over N masks is x K / (q N), K ~ Binomial(N, q),
    with standard deviation |x| sqrt(q (1 - q) / N) / q = |x| sqrt((1 - q) / (q N)). Tolerance:
    5 of these standard deviations per entry (for 24 entries the chance that a correct
    implementation fails is below 24 * 6e-7 = 1.4e-5; the seed is fixed anyway)."""
    X = rng.normal(size=(4, 6))
    layer = Dropout(keep_prob=keep, rng=np.random.default_rng(5), mode="inverted")
    mean = layer.forward(np.tile(X, (N_MASKS, 1)), training=True).reshape(N_MASKS, *X.shape).mean(axis=0)
    sd = np.abs(X) * math.sqrt((1 - keep) / (keep * N_MASKS))
    assert np.all(np.abs(mean - X) <= 5 * sd), np.max(np.abs(mean - X) / sd)


@pytest.mark.parametrize("mode", MODES)
def test_both_conventions_expect_their_test_time_output(mode, rng):
    """E[training output] = test-time output in both modes; tolerance 5 binomial standard
    deviations of the mean, |x| s sqrt(q (1 - q) / N) with s = 1/q (inverted) or 1 (scale_at_test)."""
    q, X = 0.7, rng.normal(size=(3, 5))
    layer = Dropout(keep_prob=q, rng=np.random.default_rng(6), mode=mode)
    mean = layer.forward(np.tile(X, (N_MASKS, 1)), training=True).reshape(N_MASKS, *X.shape).mean(axis=0)
    s = 1 / q if mode == "inverted" else 1.0
    sd = np.abs(X) * s * math.sqrt(q * (1 - q) / N_MASKS)
    assert np.all(np.abs(mean - layer.forward(X, training=False)) <= 5 * sd)


def test_inverted_with_W_is_scale_at_test_with_W_over_q_in_the_next_layer(rng):
    """The two conventions are one model: identical outputs in training (same masks) and at test."""
    q, X = 0.6, rng.normal(size=(6, 3))

    def build(mode, gain):
        first, second = Dense(3, 5, "tanh", seed=1), Dense(5, 2, seed=2)
        second.W *= gain
        return Network([first, Dropout(keep_prob=q, rng=np.random.default_rng(8), mode=mode), second])

    inverted, scaled = build("inverted", 1.0), build("scale_at_test", 1 / q)
    np.testing.assert_allclose(inverted.forward(X, training=True), scaled.forward(X, training=True),
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(inverted.forward(X), scaled.forward(X), rtol=1e-13, atol=1e-15)


def test_seed000_practical_ranges():
    assert SEED000_RANGES == {"keep_prob": (0.5, 0.8), "max_norm_c": (3.0, 4.0), "lr_factor": (10.0, 100.0)}


# --- max-norm ----------------------------------------------------------------------------------------
def test_max_norm_leaves_short_columns_untouched_and_projects_long_ones(rng):
    c = 3.0
    W = rng.normal(size=(5, 6))
    W[:, :3] *= 0.5 * c / np.linalg.norm(W[:, :3], axis=0)    # columns 0-2: norm c/2
    W[:, 3] *= 0.999 * c / np.linalg.norm(W[:, 3])             # column 3: just inside the ball
    W[:, 4:] *= 4.0 * c / np.linalg.norm(W[:, 4:], axis=0)    # columns 4-5: norm 4c
    before = W.copy()
    norms = max_norm_project(W, c)
    np.testing.assert_allclose(norms, [c / 2] * 3 + [0.999 * c] + [4 * c] * 2, rtol=1e-12)
    np.testing.assert_array_equal(W[:, :4], before[:, :4])    # bit for bit
    np.testing.assert_allclose(np.linalg.norm(W[:, 4:], axis=0), c, rtol=1e-12)
    np.testing.assert_allclose(W[:, 4:], before[:, 4:] / 4.0, rtol=1e-12)   # same direction
    np.testing.assert_allclose(column_norms(W), np.minimum(norms, c), rtol=1e-12)


def test_max_norm_is_per_unit_column_not_per_row_or_matrix():
    W = np.array([[3.0, 0.1], [4.0, 0.1]])    # column norms 5 and 0.14; row norms 3.0 and 4.0
    max_norm_project(W, 1.0)
    np.testing.assert_allclose(W, [[0.6, 0.1], [0.8, 0.1]])


def test_apply_max_norm_on_a_network_projects_the_weights_in_place_and_not_the_biases(rng):
    net = Network.from_sizes([4, 6, 3], ["relu", "identity"], seed=0)
    net.params[:] = rng.normal(scale=3.0, size=net.n_params)
    bias_before = net.params[~weight_mask(net)].copy()
    norms = apply_max_norm(net, 2.0)
    assert set(norms) == {(0, "W"), (1, "W")} and norms[(0, "W")].shape == (6,)
    for layer in net.layers:
        assert np.all(column_norms(layer.W) <= 2.0 * (1 + 1e-12))
    np.testing.assert_array_equal(net.params[~weight_mask(net)], bias_before)


def test_max_norm_errors_name_the_problem():
    with pytest.raises(ValueError, match="c must be a positive number"):
        max_norm_project(np.ones((2, 2)), 0.0)
    with pytest.raises(ValueError, match=r"W must be a \(fan_in, fan_out\) matrix, got shape \(4,\)"):
        max_norm_project(np.ones(4), 1.0)
    with pytest.raises(TypeError, match="W must be a float NumPy array"):
        max_norm_project([[1.0]], 1.0)
    with pytest.raises(TypeError, match="network must be a Network"):
        apply_max_norm(np.ones((2, 2)), 1.0)


# --- the ensemble view: thinned networks vs weight scaling ------------------------------------------
def _exact_average(weights, biases, f, x, q_in, q_hidden):
    """E over ALL 2^N masks of the thinned network Dropout(q_in) -> Dense(f) -> Dropout(q_h) -> Dense."""
    (W1, W2), (b1, b2) = weights, biases
    d, h = W1.shape
    total = np.zeros(W2.shape[1])
    for bits in itertools.product([0, 1], repeat=d + h):
        m_in, m_h = np.array(bits[:d]), np.array(bits[d:])
        p = np.prod(np.where(m_in, q_in, 1 - q_in)) * np.prod(np.where(m_h, q_hidden, 1 - q_hidden))
        total += p * ((f((x * m_in) @ W1 + b1) * m_h) @ W2 + b2)
    scaled = (f((q_in * x) @ W1 + b1) * q_hidden) @ W2 + b2
    return total, scaled


def test_weight_scaling_is_exact_for_a_linear_network_over_all_masks(rng):
    weights, biases = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))], [rng.normal(size=4), rng.normal(size=2)]
    x = rng.normal(size=3)
    average, scaled = _exact_average(weights, biases, lambda z: z, x, 0.8, 0.5)
    np.testing.assert_allclose(average, scaled, rtol=1e-12, atol=1e-12)
    average, scaled = _exact_average(weights, biases, np.tanh, x, 0.8, 0.5)
    assert np.max(np.abs(average - scaled)) > 1e-3      # tanh after the input dropout: not exact


def test_monte_carlo_average_of_thinned_networks_vs_weight_scaling():
    """measure_gaps (20000 masks, seed 0): the linear gap is sampling error (measured 1.7 standard
    errors), the tanh gap is real (measured 11.8 standard errors) but small (8 % of the outputs)."""
    gaps = measure_gaps(n_samples=20000, seed=0)
    linear, tanh = gaps["linear"], gaps["tanh"]
    assert linear.max_gap_in_standard_errors < 4.5, linear.max_gap_in_standard_errors
    assert tanh.max_gap_in_standard_errors > 6.0, tanh.max_gap_in_standard_errors
    assert tanh.relative_gap < 0.15, tanh.relative_gap
    assert tanh.max_gap > 3 * linear.max_gap
    np.testing.assert_allclose(tanh.gap, tanh.mc_mean - tanh.weight_scaled)


@pytest.mark.parametrize("mode", MODES)
def test_thinned_average_of_a_linear_network_in_either_mode_matches_its_test_output(mode, rng):
    net = dropout_network([3, 5, 2], ["identity", "identity"], hidden_keep_prob=0.5,
                          input_keep_prob=0.8, rng=np.random.default_rng(4), mode=mode)
    X = rng.normal(size=(4, 3))
    mean, se = thinned_average(net, X, 8000, chunk=1000)
    assert mean.shape == se.shape == (4, 2)
    assert np.all(np.abs(mean - net.forward(X)) <= 5 * se)


def test_thinned_average_errors():
    net = dropout_network([2, 3, 1], ["tanh", "identity"], hidden_keep_prob=0.5, input_keep_prob=None,
                          rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_samples must be at least 2"):
        thinned_average(net, np.ones((2, 2)), 1)
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        thinned_average(net, np.ones((2, 2)), 0)
