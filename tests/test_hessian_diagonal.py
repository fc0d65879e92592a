"""Module 7: the diagonal of the Hessian of the loss in the weights.

LeCun's second backward pass (``obd_hessian_diagonal``) against central differences of the
gradient where it is exact, the exact second-order backward pass against central differences
for nonlinear layers, exactly which terms OBD drops, and the squared-gradient (Fisher) diagonal
that is not the Hessian. All in float64 with fixed seeds.
"""
import numpy as np
import pytest

from reference_impl import (Network, binary_cross_entropy_with_logits, mean_squared_error,
                            softmax_cross_entropy)
from reference_impl.activations import ACTIVATIONS, Activation, get_activation
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.hessian_diagonal import (empirical_fisher_diagonal, exact_hessian_diagonal,
                                             exact_hessian_diagonal_backprop, obd_hessian_diagonal)
from reference_impl.second_derivatives import (ACTIVATION_SECOND_DERIVATIVES, SECOND_ORDER_LOSSES,
                                               activation_second_derivative, get_second_order_loss,
                                               tanh_second_derivative)

TOL = 1e-6  # finite differences of the gradient with h = 1e-4 agree to about 1e-8


def random_net(sizes, activations, rng, scale=0.8):
    """A network with random weights AND biases (nonzero biases test the bias entries too)."""
    net = Network.from_sizes(sizes, activations, seed=1)
    net.params[...] = scale * rng.normal(size=net.n_params)
    return net


def targets(loss, n, k, rng):
    if loss is softmax_cross_entropy:
        return rng.integers(0, k, size=n)
    if loss is binary_cross_entropy_with_logits:
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


def first_layer_W(net, flat):
    return net.layout.view(flat, 0, "W")


# --- elementary second derivatives ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ACTIVATION_SECOND_DERIVATIVES))
def test_activation_second_derivative_matches_differences_of_the_derivative(name, rng):
    act = get_activation(name)
    z = rng.uniform(-3, 3, size=50)
    z = z[np.abs(z) > 1e-2]  # away from the kinks of ReLU, leaky ReLU, ELU, threshold, sign
    analytic = activation_second_derivative(name)(z)
    numeric = numerical_gradient(lambda: float(np.sum(act.derivative(z))), z, h=1e-6)
    assert np.allclose(analytic, numeric, rtol=1e-6, atol=1e-8), name


def test_every_registered_activation_has_a_second_derivative():
    assert set(ACTIVATION_SECOND_DERIVATIVES) == set(ACTIVATIONS)


def test_tanh_second_derivative_by_hand():
    # t = tanh(0.5) = 0.46211716, 1 - t^2 = 0.78644773; -2 t (1 - t^2) = -0.72686198
    assert tanh_second_derivative(np.array([0.5]))[0] == pytest.approx(-0.7268620, abs=1e-7)


def test_an_unregistered_activation_has_no_second_derivative():
    custom = Activation("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2)  # same name, not registered
    with pytest.raises(ValueError, match="no second derivative is known"):
        activation_second_derivative(custom)


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_LOSSES))
def test_loss_hessian_blocks_match_differences_of_the_loss_gradient(name, rng):
    spec = SECOND_ORDER_LOSSES[name]
    n, k = 4, 3
    O = rng.normal(size=(n, k))
    y = targets(spec.function, n, k, rng)
    blocks = spec.hessian_blocks(O, y)
    assert blocks.shape == (n, k, k)
    for i in range(n):
        for a in range(k):
            # d/dO[i, :] of dQ/dO[i, a]
            numeric = numerical_gradient(lambda: float(spec.function(O, y)[1][i, a]), O)
            np.testing.assert_allclose(blocks[i, a], numeric[i], rtol=1e-6, atol=1e-9)
            assert np.all(numeric[np.arange(n) != i] == pytest.approx(0, abs=1e-9)), "rows interact"
    np.testing.assert_allclose(spec.hessian_diagonal(O, y), np.einsum("naa->na", blocks), rtol=1e-12)


def test_loss_second_derivatives_as_documented(rng):
    O = rng.normal(size=(5, 2))
    assert np.all(SECOND_ORDER_LOSSES["mean_squared_error"].hessian_diagonal(O, O) == 2 / 10)
    p = np.exp(O) / np.exp(O).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(SECOND_ORDER_LOSSES["softmax_cross_entropy"].hessian_diagonal(O, [0] * 5),
                               p * (1 - p) / 5, rtol=1e-12)


@pytest.mark.parametrize("bad", [lambda o, y: mean_squared_error(o, y), "mse", None])
def test_unknown_loss_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="loss must be one of"):
        get_second_order_loss(bad)


# --- LeCun's second backward pass where it is exact ------------------------------------------------

@pytest.mark.parametrize("n, sizes", [(1, [3, 4, 2]), (9, [3, 4, 2]), (6, [5, 2, 1]), (8, [2, 6, 3])])
def test_obd_diagonal_is_exact_for_a_linear_hidden_layer_and_mse(n, sizes, rng):
    # MSE's output Hessian is the diagonal 2/(n k) I and f'' = 0 everywhere: nothing is dropped.
    net = random_net(sizes, ["identity", "identity"], rng)
    X, y = rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1]))
    obd = obd_hessian_diagonal(net, X, y, mean_squared_error)
    fd = exact_hessian_diagonal(net, X, y, mean_squared_error)
    assert obd.shape == (net.n_params,)
    assert relative_error(obd, fd) < TOL
    assert np.max(np.abs(obd - fd)) < TOL * np.max(np.abs(fd))


def test_obd_diagonal_of_a_single_linear_layer_is_twice_the_mean_squared_input(rng):
    # Q = mean((X w + b - y)^2) over n rows, one output: d2Q/dw_j^2 = 2 mean(x_j^2), d2Q/db^2 = 2.
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    net = random_net([3, 1], ["identity"], rng)
    h = obd_hessian_diagonal(net, X, y, mean_squared_error)
    np.testing.assert_allclose(h, np.r_[2 * np.mean(X ** 2, axis=0), 2.0], rtol=1e-12)


# --- the exact diagonal for nonlinear layers -------------------------------------------------------

@pytest.mark.parametrize("loss", [mean_squared_error, softmax_cross_entropy, binary_cross_entropy_with_logits])
@pytest.mark.parametrize("activations", [["tanh", "identity"], ["tanh", "tanh", "identity"],
                                         ["sigmoid", "softplus", "tanh"], ["gelu", "elu", "identity"]])
def test_exact_backprop_diagonal_matches_differences_of_the_gradient(loss, activations, rng):
    sizes = [3] + [4] * (len(activations) - 1) + [3]
    net = random_net(sizes, activations, rng)
    X = rng.normal(size=(7, 3))
    y = targets(loss, 7, 3, rng)
    exact = exact_hessian_diagonal_backprop(net, X, y, loss)
    fd = exact_hessian_diagonal(net, X, y, loss)
    assert relative_error(exact, fd) < TOL, (activations, loss.__name__)


def test_for_one_tanh_hidden_layer_obd_misses_exactly_the_f2_term(rng):
    # [d, h, k] tanh / identity with MSE: the output curvature is exact (diagonal, f'' = 0), so
    # exact - OBD is zero except in W_1, where it is sum_i X_ij^2 f''(Z_ia) dQ/dH_ia.
    net = random_net([3, 5, 2], ["tanh", "identity"], rng)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    exact = exact_hessian_diagonal(net, X, y, mean_squared_error)
    obd = obd_hessian_diagonal(net, X, y, mean_squared_error)
    full = obd_hessian_diagonal(net, X, y, mean_squared_error, levenberg_marquardt=False)
    assert relative_error(full, exact) < TOL  # keeping f'': exact for one hidden layer
    assert relative_error(obd, exact) > 1e-2  # the Levenberg-Marquardt version is not

    trace = net.forward_all(X)
    _, g_out = mean_squared_error(trace.output, y)
    g_hidden = g_out @ net.layers[1].W.T  # dQ/dH_1 (identity output)
    term = tanh_second_derivative(trace.pre_activations[0]) * g_hidden  # f''(Z_1) dQ/dH_1, (n, 5)
    expected_gap = np.zeros(net.n_params)
    first_layer_W(net, expected_gap)[...] = (X ** 2).T @ term
    net.layout.view(expected_gap, 0, "b")[...] = term.sum(axis=0)
    np.testing.assert_allclose(exact - obd, expected_gap, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("activations", [["identity", "identity", "identity"], ["tanh", "tanh", "identity"]])
def test_with_two_hidden_layers_the_diagonal_recursion_drops_cross_terms(activations, rng):
    # Even with linear layers and the f'' terms kept, the curvature of the second hidden layer
    # has off-diagonal entries that the diagonal recursion ignores: only the last layer is exact.
    net = random_net([3, 4, 4, 2], activations, rng)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    exact = exact_hessian_diagonal_backprop(net, X, y, mean_squared_error)
    full = obd_hessian_diagonal(net, X, y, mean_squared_error, levenberg_marquardt=False)
    last = np.r_[net.layout.view(np.arange(net.n_params), 2, "W").ravel(),
                 net.layout.view(np.arange(net.n_params), 2, "b")]
    np.testing.assert_allclose(full[last], exact[last], rtol=1e-10)
    assert relative_error(first_layer_W(net, full), first_layer_W(net, exact)) > 1e-3


def test_softmax_cross_entropy_last_layer_exact_hidden_layer_approximate(rng):
    # The logits' Hessian (diag(p) - p p^T)/n is not diagonal: the hidden layer's diagonal misses
    # the -p_a p_b terms even when the hidden layer is linear; the last layer uses p(1-p)/n exactly.
    net = random_net([3, 4, 3], ["identity", "identity"], rng)
    X, y = rng.normal(size=(9, 3)), rng.integers(0, 3, size=9)
    exact = exact_hessian_diagonal(net, X, y, softmax_cross_entropy)
    obd = obd_hessian_diagonal(net, X, y, softmax_cross_entropy)
    last_W = net.layout.view(np.arange(net.n_params), 1, "W").ravel()
    assert relative_error(obd[last_W], exact[last_W]) < TOL
    assert relative_error(first_layer_W(net, obd), first_layer_W(net, exact)) > 1e-2


def test_levenberg_marquardt_diagonal_is_non_negative_the_full_one_need_not_be(rng):
    net = random_net([3, 6, 6, 2], ["tanh", "sigmoid", "tanh"], rng, scale=1.5)
    X, y = rng.normal(size=(10, 3)), 3 * rng.normal(size=(10, 2))
    assert np.all(obd_hessian_diagonal(net, X, y, mean_squared_error) >= 0)
    assert np.any(obd_hessian_diagonal(net, X, y, mean_squared_error, levenberg_marquardt=False) < 0)
    assert np.any(exact_hessian_diagonal_backprop(net, X, y, mean_squared_error) < 0)


# --- the squared gradient is not the Hessian -------------------------------------------------------

def test_empirical_fisher_is_the_mean_squared_per_observation_gradient(rng):
    net = random_net([3, 4, 2], ["tanh", "identity"], rng)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    per_row = []
    for i in range(5):
        _, g = net.loss_and_gradient(X[i:i + 1], y[i:i + 1], mean_squared_error)
        per_row.append(g.copy())
    np.testing.assert_allclose(empirical_fisher_diagonal(net, X, y, mean_squared_error),
                               np.mean(np.square(per_row), axis=0), rtol=1e-12)


@pytest.mark.parametrize("loss", [mean_squared_error, softmax_cross_entropy])
def test_the_exact_diagonal_is_not_the_squared_gradient(loss, rng):
    net = random_net([3, 4, 3], ["tanh", "identity"], rng)
    X, y = rng.normal(size=(8, 3)), targets(loss, 8, 3, rng)
    exact = exact_hessian_diagonal(net, X, y, loss)
    fisher = empirical_fisher_diagonal(net, X, y, loss)
    assert relative_error(exact_hessian_diagonal_backprop(net, X, y, loss), exact) < TOL
    assert relative_error(fisher, exact) > 0.1


def test_at_a_perfect_fit_the_squared_gradient_vanishes_but_the_curvature_does_not(rng):
    net = random_net([3, 4, 1], ["tanh", "identity"], rng)
    X = rng.normal(size=(6, 3))
    y = net.forward(X).copy()  # zero residuals
    assert np.all(empirical_fisher_diagonal(net, X, y, mean_squared_error) == 0)
    exact = exact_hessian_diagonal(net, X, y, mean_squared_error)
    assert np.all(exact >= 0) and exact.max() > 1e-2


# --- bookkeeping and errors --------------------------------------------------------------------------

def test_exact_hessian_diagonal_restores_params_and_leaves_the_gradient_at_w(rng):
    net = random_net([2, 3, 1], ["tanh", "identity"], rng)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    before = net.params.copy()
    W_view = net.layers[0].W
    _, g = net.loss_and_gradient(X, y, mean_squared_error)
    g = g.copy()
    exact_hessian_diagonal(net, X, y, mean_squared_error)
    np.testing.assert_array_equal(net.params, before)
    np.testing.assert_array_equal(net.grads, g)
    assert np.shares_memory(W_view, net.params)


def test_obd_diagonal_does_not_touch_params_or_grads(rng):
    net = random_net([2, 3, 1], ["tanh", "identity"], rng)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    p, g = net.params.copy(), net.grads.copy()
    obd_hessian_diagonal(net, X, y, mean_squared_error)
    exact_hessian_diagonal_backprop(net, X, y, mean_squared_error)
    np.testing.assert_array_equal(net.params, p)
    np.testing.assert_array_equal(net.grads, g)


def test_errors_name_the_argument(rng):
    net = random_net([2, 3, 1], ["tanh", "identity"], rng)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    with pytest.raises(TypeError, match="network must be a Network"):
        obd_hessian_diagonal("net", X, y, mean_squared_error)
    with pytest.raises(ValueError, match="X has 4 rows but y"):
        obd_hessian_diagonal(net, X, y[:3], mean_squared_error)
    with pytest.raises(ValueError, match="X must have 2 dimension"):
        obd_hessian_diagonal(net, X[0], y, mean_squared_error)
    with pytest.raises(ValueError, match="loss must be one of"):
        obd_hessian_diagonal(net, X, y, lambda o, t: mean_squared_error(o, t))
    with pytest.raises(ValueError, match="h must be a positive float"):
        exact_hessian_diagonal(net, X, y, mean_squared_error, h=0.0)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        exact_hessian_diagonal(net, X, y, "mean_squared_error")
