"""Module 6 per-layer statistics and seed 000's one-neuron chain: the derivative product, the
sigmoid bound 0.25, vanishing gradients in a deep sigmoid net, stable ones with He + ReLU, and
dead ReLUs on a constructed case."""
import math

import numpy as np
import pytest

from reference_impl import Dense, Layer, Network, mean_squared_error
from reference_impl.activations import sigmoid_derivative
from reference_impl.deep_networks import deep_network
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.layer_statistics import (SIGMOID_DERIVATIVE_MAX, dead_fraction,
                                             format_layer_statistics, layer_statistics,
                                             one_neuron_chain)

SEED000_LABELS = ["dl/do", "do/ds5", "w15", "dh4/ds4", "w14", "dh3/ds3", "w13", "dh2/ds2", "w12",
                  "dh1/ds1", "x"]


# --- seed 000: the sigmoid derivative and the one-neuron chain ------------------------------------
def test_sigmoid_derivative_lies_in_0_to_a_quarter_with_the_maximum_at_0():
    assert SIGMOID_DERIVATIVE_MAX == 0.25
    assert sigmoid_derivative(np.array(0.0)) == 0.25          # reached: the interval is (0, 0.25]
    t = np.linspace(-30, 30, 600_001)
    d = sigmoid_derivative(t)
    assert np.all(d > 0) and np.all(d <= 0.25)
    assert t[np.argmax(d)] == 0.0


def test_sigmoid_derivative_is_below_0_05_beyond_3():
    """Seed 000: for |t| > 3 the derivative is below 0.05 (sigma'(3) = 0.0452)."""
    assert round(float(sigmoid_derivative(np.array(3.0))), 4) == 0.0452
    t = np.linspace(3.0, 40.0, 10_000)
    assert np.all(sigmoid_derivative(t) < 0.05) and np.all(sigmoid_derivative(-t) < 0.05)


def test_chain_has_the_seeds_factors_in_the_seeds_order():
    chain = one_neuron_chain(0.7, [0.5, -1.2, 2.0, 0.3, 1.1], [0.1, 0.0, -0.4, 0.2, 0.0])
    assert [label for label, _ in chain.factors] == SEED000_LABELS
    values = dict(chain.factors)
    assert values["w15"] == 1.1 and values["w12"] == -1.2 and values["x"] == 0.7
    for j in range(1, 5):
        assert values[f"dh{j}/ds{j}"] == pytest.approx(float(sigmoid_derivative(chain.s[j - 1])))
    assert chain.derivative == pytest.approx(math.prod(values.values()), rel=1e-15)
    np.testing.assert_allclose(chain.pairs, np.array([-1.2, 2.0, 0.3, 1.1]) * sigmoid_derivative(chain.s[:4]))


def _chain_network(weights, biases, activation="sigmoid", output_activation="sigmoid"):
    fs = [activation] * (len(weights) - 1) + [output_activation]
    return Network.from_weights([[[w]] for w in weights], [[b] for b in biases], fs)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "elu"])
def test_chain_derivative_equals_backprop_and_central_differences(activation, rng):
    for _ in range(5):
        w, b, x = rng.normal(scale=1.5, size=5), rng.normal(size=5), float(rng.normal())
        chain = one_neuron_chain(x, w, b, activation=activation, dl_do=-0.8)
        net = _chain_network(w, b, activation)
        out = net.forward([[x]])
        assert chain.o == pytest.approx(float(out[0, 0]), rel=1e-14)
        np.testing.assert_allclose(chain.h, [float(a[0, 0]) for a in net.last_pass.activations[1:5]])
        net.backward([[-0.8]])
        assert chain.derivative == pytest.approx(float(net.layers[0].dW[0, 0]), rel=1e-12, abs=1e-300)
        w_arr = np.array(w)
        num = numerical_gradient(
            lambda: -0.8 * float(one_neuron_chain(x, w_arr, b, activation=activation).o), w_arr)
        # 1e-6, not 1e-7: the derivative is as small as 1e-5 here (it vanishes), while the
        # rounding error of the central difference is about 1e-16 / h = 1e-11 in absolute terms
        assert relative_error(chain.derivative, num[0]) < 1e-6


def test_chain_reaches_the_bound_a_quarter_to_the_fifth_when_every_s_is_zero():
    """w = 1, x = 1 and biases that make every s_j = 0: each sigmoid derivative is exactly 0.25,
    so dl/dw11 = do/ds5 * (0.25)^4 * x = 0.25^5 = 1/1024."""
    chain = one_neuron_chain(1.0, [1.0] * 5, [-1.0, -0.5, -0.5, -0.5, -0.5])
    np.testing.assert_array_equal(chain.s, 0.0)
    np.testing.assert_array_equal(chain.h, 0.5)
    assert chain.derivative == 0.25 ** 5 == 1 / 1024


def test_sigmoid_chain_derivative_is_bounded_by_a_quarter_per_layer(rng):
    """|dl/dw11| <= |dl/do do/ds5 x| * 0.25^4 * prod_{j>=2} |w1j|: vanishing unless |w| > 4."""
    for _ in range(200):
        w, b, x = rng.normal(scale=3.0, size=5), rng.normal(scale=2.0, size=5), float(rng.normal())
        chain = one_neuron_chain(x, w, b)
        values = dict(chain.factors)
        bound = abs(values["dl/do"] * values["do/ds5"] * x) * 0.25 ** 4 * np.prod(np.abs(w[1:]))
        assert abs(chain.derivative) <= bound * (1 + 1e-12)
        assert np.all(np.abs(chain.pairs) <= 0.25 * np.abs(w[1:]))


def test_long_chain_vanishes_and_explodes():
    small = one_neuron_chain(1.0, [1.0] * 20)
    assert abs(small.derivative) < 0.25 ** 19
    big = one_neuron_chain(1.0, [1.0] + [10.0] * 19, [-1.0] + [-5.0] * 19)   # s_j = 0, pairs 2.5
    np.testing.assert_allclose(big.pairs, 2.5)
    assert big.derivative == pytest.approx(0.25 * 2.5 ** 19)


# --- layer statistics of deep networks --------------------------------------------------------
X_DEEP = np.random.default_rng(7).normal(size=(256, 20))


def test_deep_sigmoid_network_with_small_weights_has_vanishing_gradients():
    """Ten sigmoid layers of 50 units with U(-1/sqrt(50), 1/sqrt(50)) weights. Backward, each
    layer multiplies the gradient by sigma' ~ 0.25 (the activations sit near 0.5) and by W.T,
    which shrinks a vector by about std(W) sqrt(50) = sqrt(1/3): about 0.14 per layer, seven
    times smaller (network seeds 0..7: 5.5 to 6.6 times). Allowed: each layer's gradient norm at
    least 2 times smaller than the next one's, the first's below 1e-5 of the last's (seeds: ~1e-8)."""
    net = deep_network(20, 50, 10, "sigmoid", "uniform", seed=0)
    stats = layer_statistics(net, X_DEEP)
    hidden = [s.grad_norm for s in stats[:10]]
    ratios = np.array(hidden[1:]) / np.array(hidden[:-1])
    assert np.all(ratios > 2.0), ratios
    assert hidden[0] < 1e-5 * hidden[-1]
    # the activations sit near sigmoid(0) = 0.5 with a small spread
    assert all(abs(s.mean - 0.5) < 0.05 and s.std < 0.2 for s in stats[:10])


def test_deep_relu_network_with_he_initialization_keeps_gradient_norms():
    """Ten ReLU layers of 100 units with He normal weights, one MSE step on random targets: the
    gradient norms of hidden layers 2..10 (all 100 x 100) stay within one order of magnitude of
    each other (factor 10; network seeds 0..7 give 2.8 to 5.3: a slow drift, not a decay), and
    the activations' std within a factor 2.5 (seeds 0..7: 1.3 to 1.7). The same network with
    the default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), a variance 6 times smaller than He's, loses
    a factor of about 100 over the same layers (seeds 0..7: 0.006 to 0.011; allowed: < 0.05)."""
    y = np.random.default_rng(8).normal(size=(X_DEEP.shape[0], 1))
    he = layer_statistics(deep_network(20, 100, 10, "relu", "he_normal", seed=0), X_DEEP, y,
                          mean_squared_error)
    grads = np.array([s.grad_norm for s in he[1:10]])
    assert grads.max() / grads.min() < 10.0, grads
    stds = np.array([s.std for s in he[:10]])
    assert stds.max() / stds.min() < 2.5, stds
    small = layer_statistics(deep_network(20, 100, 10, "relu", "uniform", seed=0), X_DEEP, y,
                             mean_squared_error)
    assert small[1].grad_norm < 0.05 * small[9].grad_norm


def test_statistics_match_the_forward_pass_and_the_gradient(rng):
    net = Network.from_sizes([4, 6, 5, 2], ["tanh", "relu", "identity"], seed=2)
    X, y = rng.normal(size=(9, 4)), rng.normal(size=(9, 2))
    stats = layer_statistics(net, X, y, mean_squared_error)
    trace = net.forward_all(X)
    _, grads = net.loss_and_gradient(X, y, mean_squared_error)
    assert [s.layer for s in stats] == [1, 2, 3]
    assert [s.activation for s in stats] == ["tanh", "relu", "identity"]
    for k, s in enumerate(stats):
        H = trace.activations[k + 1]
        assert s.mean == pytest.approx(H.mean()) and s.std == pytest.approx(H.std())
        layer = net.layers[k]
        expected = math.sqrt(np.sum(layer.dW ** 2) + np.sum(layer.db ** 2))
        assert s.grad_norm == pytest.approx(expected, rel=1e-12)
    assert "grad norm" in format_layer_statistics(stats)
    assert len(format_layer_statistics(stats).splitlines()) == 4


def test_default_upstream_gradient_is_ones_over_n(rng):
    net = Network.from_sizes([3, 4, 2], ["tanh", "identity"], seed=0)
    X = rng.normal(size=(5, 3))
    a = layer_statistics(net, X)
    b = layer_statistics(net, X, d_output=np.full((5, 2), 0.2))
    assert [s.grad_norm for s in a] == [s.grad_norm for s in b]


def test_dead_relu_fraction_on_a_constructed_case():
    """Four ReLU units on three rows: unit 0 is always positive, unit 1 always negative, unit 2
    exactly 0 everywhere (never positive: dead too), unit 3 positive on one row only (alive)."""
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    W = np.array([[1.0, -1.0, 0.0, 1.0],
                  [1.0, -1.0, 0.0, -1.0]])
    b = np.array([0.5, -0.1, 0.0, -0.5])     # unit 3: Z = (0.5, -1.5, -0.5)
    net = Network.from_weights([W], [b], ["relu"])
    (s,) = layer_statistics(net, X)
    assert s.dead_fraction == 0.5
    np.testing.assert_array_equal(net.layers[0].dW[:, [1, 2]], 0.0)   # no gradient reaches them
    assert net.layers[0].db[3] != 0.0 and net.layers[0].dW[0, 3] != 0.0  # alive: row 0 reaches it
    assert dead_fraction(X @ W + b, "relu") == 0.5
    assert dead_fraction(X @ W + b, "elu") == 0.0                       # seed 000's remedy


def test_batch_norm_network_statistics_leave_running_statistics_alone(rng):
    net = deep_network(3, 8, 3, "relu", "he_normal", batch_norm=True, seed=1)
    assert [type(l).__name__ for l in net.layers] == ["Dense", "BatchNorm"] * 3 + ["Dense"]
    bn = net.layers[1]
    bn.running_mean[...] = 0.3
    stats = layer_statistics(net, rng.normal(size=(16, 3)))
    np.testing.assert_array_equal(bn.running_mean, 0.3)
    np.testing.assert_array_equal(bn.running_var, 1.0)
    s = stats[1]
    assert s.kind == "BatchNorm" and s.activation == "relu" and s.dead_fraction is not None
    sl = [net.layout.slices[(1, "gamma")], net.layout.slices[(1, "beta")]]
    assert s.grad_norm == pytest.approx(math.sqrt(sum(np.sum(net.grads[x] ** 2) for x in sl)))
    # batch norm in training mode: each unit's pre-activation has mean beta = 0 and std gamma = 1
    Y = bn.pre_activation
    np.testing.assert_allclose(Y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Y.std(axis=0), 1.0, rtol=1e-3)


def test_layer_without_parameters_or_activation():
    class Negate(Layer):
        """Parameterless test layer."""

        def forward(self, X, training=False):
            return -np.asarray(X)

        def backward(self, dout):
            return -np.asarray(dout)

    net = Network([Dense(2, 3, "relu"), Negate()])
    stats = layer_statistics(net, np.ones((4, 2)))
    assert stats[1].grad_norm is None and stats[1].dead_fraction is None and stats[1].activation is None
    assert "-" in format_layer_statistics(stats).splitlines()[2]


@pytest.mark.parametrize("call, error, words", [
    (lambda: layer_statistics(Network.from_sizes([2, 1], ["relu"]), np.ones((3, 2)), y=np.ones((3, 1))),
     ValueError, "give both y and loss_fn, or neither"),
    (lambda: layer_statistics(Network.from_sizes([2, 1], ["relu"]), np.ones((3, 2)), np.ones((3, 1)),
                              mean_squared_error, d_output=np.ones((3, 1))),
     ValueError, "give either loss_fn (with y) or d_output, not both"),
    (lambda: layer_statistics([Dense(2, 1)], np.ones((3, 2))), TypeError, "network must be a Network"),
    (lambda: layer_statistics(Network.from_sizes([2, 1], ["relu"]), np.ones(2)), ValueError,
     "X must have 2 dimension(s)"),
    (lambda: one_neuron_chain(1.0, [1.0, 2.0], [0.0]), ValueError,
     "biases must have the shape of weights (2,), got (1,)"),
    (lambda: one_neuron_chain(1.0, []), ValueError, "weights needs at least one entry"),
    (lambda: one_neuron_chain("x", [1.0]), TypeError, "x must be a real number"),
])
def test_bad_input_messages(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
