"""Dense layers and networks: gradient checks, the worked example of seed 000, flat parameters."""
import numpy as np
import pytest

from reference_impl import Dense, Network, binary_cross_entropy, vec
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.layers import dense_backward, dense_forward
from reference_impl.losses import mean_squared_error, softmax_cross_entropy

SHAPES = [(1, 3, 2), (5, 4, 3), (8, 2, 1)]  # (n, fan_in, fan_out), including a batch of one


@pytest.mark.parametrize("n, fan_in, fan_out", SHAPES)
def test_dense_backward_matches_central_differences(n, fan_in, fan_out, rng):
    X, W, b = rng.normal(size=(n, fan_in)), rng.normal(size=(fan_in, fan_out)), rng.normal(size=fan_out)
    up = rng.normal(size=(n, fan_out))
    dX, dW, db = dense_backward(up, X, W)
    num = numerical_gradient(lambda: float(np.sum(dense_forward(X, W, b) * up)), {"X": X, "W": W, "b": b})
    for name, analytic in (("X", dX), ("W", dW), ("b", db)):
        assert relative_error(analytic, num[name]) < 1e-7, name


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu",
                                        "gelu", "gelu_tanh", "softplus", "gaussian", "identity"])
@pytest.mark.parametrize("n, fan_in, fan_out", SHAPES)
def test_dense_layer_with_activation_gradcheck(activation, n, fan_in, fan_out, rng):
    layer = Dense(fan_in, fan_out, activation, seed=1)
    layer.b[...] = rng.normal(size=fan_out)
    X = rng.normal(size=(n, fan_in))
    up = rng.normal(size=(n, fan_out))
    layer.forward(X)
    dX = layer.backward(up)
    analytic = {"X": dX, "W": layer.dW.copy(), "b": layer.db.copy()}
    num = numerical_gradient(lambda: float(np.sum(layer.forward(X) * up)), {"X": X, "W": layer.W, "b": layer.b})
    for name in analytic:
        assert relative_error(analytic[name], num[name]) < 1e-7, (activation, name)


def _seed000_network():
    # Seed 000, "Численный пример расчета": w_j are (fan_out, fan_in) there; W_j = w_j.T here.
    w1 = np.array([[-0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]])
    w2 = np.array([[0.7, 0.8, 0.9], [1.0, 1.1, 1.2]])
    w3 = np.array([[1.3, -1.4]])
    return Network.from_weights([w1.T, w2.T, w3.T], None, ["tanh", "relu", "sigmoid"])


def test_seed000_worked_example():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = np.array([1.0, 0.0, 1.0])
    net = _seed000_network()
    trace = net.forward_all(X)
    np.testing.assert_array_equal(np.round(trace.activations[1], 2),
                                  [[0.29, -0.46, 0.6], [0.46, -0.6, 0.72], [0.6, -0.72, 0.8]])
    np.testing.assert_array_equal(np.round(trace.activations[2], 2),
                                  [[0.38, 0.51], [0.48, 0.66], [0.57, 0.78]])
    o = trace.output.ravel()
    np.testing.assert_array_equal(np.round(o, 3), [0.445, 0.428, 0.414])
    per_row = -(y * np.log(o) + (1 - y) * np.log(1 - o))
    np.testing.assert_array_equal(np.round(per_row, 3), [0.809, 0.559, 0.881])
    loss, _ = binary_cross_entropy(o, y)
    assert round(loss, 4) == 0.7497


def test_seed000_vec_order():
    net = _seed000_network()
    np.testing.assert_array_equal(net.params[:6], [-0.1, 0.3, -0.5, 0.2, -0.4, 0.6])
    # All weights first (6 + 6 + 2 entries), then the biases (3 + 2 + 1, zero here).
    assert net.n_params == 6 + 6 + 2 + 3 + 2 + 1
    np.testing.assert_array_equal(net.params, vec([l.W for l in net.layers], [l.b for l in net.layers]))


def test_layer_parameters_are_views_into_the_flat_vector():
    net = Network.from_sizes([3, 4, 2], ["relu", "identity"], seed=0)
    net.params[:] = np.arange(net.n_params)
    np.testing.assert_array_equal(net.layers[0].W.ravel(), np.arange(12))
    np.testing.assert_array_equal(net.layers[1].W.ravel(), np.arange(12, 20))
    np.testing.assert_array_equal(net.layers[0].b, np.arange(20, 24))
    np.testing.assert_array_equal(net.layers[1].b, np.arange(24, 26))
    net.layers[1].b[0] = -7.0
    assert net.params[24] == -7.0
    X = np.ones((2, 3))
    net.forward(X)
    net.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(net.grads[20:24], net.layers[0].db)


NETWORKS = [
    ([2, 3, 1], ["tanh", "sigmoid"], "bce"),
    ([4, 5, 5, 3], ["relu", "elu", "identity"], "softmax"),
    ([3, 6, 2], ["gelu", "identity"], "mse"),
    ([5, 4, 4, 4, 1], ["sigmoid", "tanh", "softplus", "identity"], "mse"),
]


@pytest.mark.parametrize("sizes, activations, loss_name", NETWORKS)
@pytest.mark.parametrize("n", [1, 6])
def test_network_gradient_check(sizes, activations, loss_name, n, rng):
    net = Network.from_sizes(sizes, activations, seed=3)
    net.params[:] = rng.normal(scale=0.8, size=net.n_params)
    X = rng.normal(size=(n, sizes[0]))
    if loss_name == "bce":
        y = rng.integers(0, 2, size=(n, 1)).astype(float)
        loss = binary_cross_entropy
    elif loss_name == "softmax":
        y = rng.integers(0, sizes[-1], size=n)
        loss = softmax_cross_entropy
    else:
        y = rng.normal(size=(n, sizes[-1]))
        loss = mean_squared_error
    _, grads = net.loss_and_gradient(X, y, loss)
    analytic = grads.copy()
    numeric = numerical_gradient(lambda: loss(net.forward(X), y)[0], {"params": net.params})["params"]
    assert relative_error(analytic, numeric) < 1e-7


def test_backward_returns_input_gradient(rng):
    net = Network.from_sizes([3, 4, 2], ["tanh", "identity"], seed=0)
    X = rng.normal(size=(5, 3))
    up = rng.normal(size=(5, 2))
    net.forward(X)
    dX = net.backward(up)
    num = numerical_gradient(lambda: float(np.sum(net.forward(X) * up)), X)
    assert relative_error(dX, num) < 1e-7


def test_forward_all_keeps_every_intermediate(rng):
    net = Network.from_sizes([2, 3, 1], ["relu", "identity"], seed=0)
    X = rng.normal(size=(4, 2))
    trace = net.forward_all(X)
    assert [a.shape for a in trace.activations] == [(4, 2), (4, 3), (4, 1)]
    Z1 = X @ net.layers[0].W + net.layers[0].b
    np.testing.assert_allclose(trace.pre_activations[0], Z1)
    np.testing.assert_allclose(trace.activations[1], np.maximum(Z1, 0))


@pytest.mark.parametrize("call, error, words", [
    (lambda: dense_forward(np.ones((2, 3)), np.ones((4, 2)), np.ones(2)), ValueError,
     "X has 3 columns but W expects fan_in = 4"),
    (lambda: dense_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones(3)), ValueError,
     "b must have shape (fan_out,) = (2,), got (3,)"),
    (lambda: dense_forward(np.ones(3), np.ones((3, 2)), np.ones(2)), ValueError,
     "X must have 2 dimension(s), got shape (3,)"),
    (lambda: dense_backward(np.ones((2, 5)), np.ones((2, 3)), np.ones((3, 2))), ValueError,
     "dZ must have shape (n, fan_out) = (2, 2), got (2, 5)"),
    (lambda: Dense(0, 3), ValueError, "fan_in must be a positive integer, got 0"),
    (lambda: Dense(2, 3).forward(np.ones((4, 5))), ValueError, "X must have shape (n, 2), got (4, 5)"),
    (lambda: Network.from_sizes([2, 3], ["relu", "relu"]), ValueError, "1 layers need 1 activations, got 2"),
    (lambda: Network.from_weights([np.ones((2, 3)), np.ones((4, 1))], None, ["relu", "relu"]), ValueError,
     "weights[1] has fan_in 4 but the previous layer has fan_out 3"),
    (lambda: Network([]), ValueError, "at least one layer"),
    (lambda: Network(["dense"]), TypeError, "layers[0] must be a Layer, got str"),
    (lambda: Network.from_sizes([2, 1], ["relu"]).backward(np.ones((1, 1))), RuntimeError,
     "backward called before forward"),
    (lambda: Network.from_sizes([2, 1], ["relu"]).forward(np.array([[1.0, np.nan]])), ValueError,
     "X contains NaN at index (0, 1)"),
])
def test_bad_input_messages(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
