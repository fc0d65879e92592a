"""Module 6 batch normalization: the compact backward formula against central differences (also
inside a network's flat gradient), running statistics in training and evaluation modes, and
training with module 4's optimizers."""
import numpy as np
import pytest

from reference_impl import Dense, Network, mean_squared_error, softmax_cross_entropy
from reference_impl.batch_norm import BatchNorm, batch_norm_backward, batch_norm_forward
from reference_impl.datasets import make_dataset
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.optimizers import Adam, Momentum
from reference_impl.training import accuracy, fit

SHAPES = [(2, 3), (2, 1), (3, 7), (5, 4), (16, 2)]  # (N, D), including batches of 2
EPS = 1e-5


def check_eps(n):
    """eps for a gradient check. With N = 2 and eps << var, xhat = +-sqrt(var / (var + eps)) is
    +-1 whatever X is, so dX is of the order of eps and drowns in rounding (see
    test_batch_of_two_passes_almost_no_gradient_to_x); a large eps makes it measurable."""
    return 0.5 if n == 2 else EPS


def staged_backward(dout, X, gamma, eps):
    """The paper's chain rule through mu and sigma^2, written out step by step (Ioffe &
    Szegedy 2015, section 3): an independent check of the compact formula."""
    n = X.shape[0]
    mu = X.mean(axis=0)
    var = ((X - mu) ** 2).mean(axis=0)
    xhat = (X - mu) / np.sqrt(var + eps)
    dxhat = dout * gamma
    dvar = np.sum(dxhat * (X - mu), axis=0) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(-dxhat / np.sqrt(var + eps), axis=0) + dvar * np.mean(-2 * (X - mu), axis=0)
    dX = dxhat / np.sqrt(var + eps) + dvar * 2 * (X - mu) / n + dmu / n
    return dX, np.sum(dout * xhat, axis=0), dout.sum(axis=0)


# --- functional form ------------------------------------------------------------------------
@pytest.mark.parametrize("n, d", SHAPES)
def test_forward_normalizes_each_column(n, d, rng):
    X = rng.normal(3.0, 2.0, size=(n, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    out, cache = batch_norm_forward(X, gamma, beta, EPS)
    xhat = cache["xhat"]
    np.testing.assert_allclose(xhat.mean(axis=0), 0.0, atol=1e-12)
    var = X.var(axis=0)  # biased, 1/N
    np.testing.assert_allclose(xhat.var(axis=0), var / (var + EPS), rtol=1e-12)
    np.testing.assert_allclose(out, gamma * xhat + beta, rtol=1e-12)


def test_batch_of_two_normalizes_to_plus_minus_one():
    X = np.array([[1.0, 10.0], [3.0, -10.0]])
    out, _ = batch_norm_forward(X, np.ones(2), np.zeros(2), eps=1e-12)
    np.testing.assert_allclose(out, [[-1.0, 1.0], [1.0, -1.0]], rtol=1e-9)


@pytest.mark.parametrize("n, d", SHAPES)
def test_functional_backward_matches_central_differences(n, d, rng):
    X = rng.normal(size=(n, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    up = rng.normal(size=(n, d))
    eps = check_eps(n)
    _, cache = batch_norm_forward(X, gamma, beta, eps)
    dX, dgamma, dbeta = batch_norm_backward(up, cache)
    num = numerical_gradient(lambda: float(np.sum(batch_norm_forward(X, gamma, beta, eps)[0] * up)),
                             {"X": X, "gamma": gamma, "beta": beta})
    for name, analytic in (("X", dX), ("gamma", dgamma), ("beta", dbeta)):
        assert relative_error(analytic, num[name]) < 1e-7, name


@pytest.mark.parametrize("n, d", SHAPES)
def test_compact_formula_equals_the_staged_chain_rule(n, d, rng):
    X = rng.normal(size=(n, d))
    gamma, beta, up = rng.normal(size=d), rng.normal(size=d), rng.normal(size=(n, d))
    _, cache = batch_norm_forward(X, gamma, beta, EPS)
    for got, want in zip(batch_norm_backward(up, cache), staged_backward(up, X, gamma, EPS)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_batch_of_two_passes_almost_no_gradient_to_x(rng):
    X, up = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    _, cache = batch_norm_forward(X, np.ones(3), np.zeros(3), eps=1e-5)
    dX, _, _ = batch_norm_backward(up, cache)
    # a typical batch passes gradients of the size gamma / sigma * dY; this one, 1000 times less
    assert np.abs(dX).max() < 1e-3 * np.abs(up).max() * cache["inv_sigma"].min()


def test_input_gradient_sums_to_zero_over_the_batch(rng):
    """Shifting a whole column does not change the output, so dX sums to 0 over the rows."""
    X, up = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    _, cache = batch_norm_forward(X, rng.normal(size=3), np.zeros(3))
    dX, _, _ = batch_norm_backward(up, cache)
    np.testing.assert_allclose(dX.sum(axis=0), 0.0, atol=1e-12)


# --- the layer -------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["identity", "tanh", "sigmoid"])
@pytest.mark.parametrize("n, d", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_layer_backward_matches_central_differences(activation, n, d, training, rng):
    layer = BatchNorm(d, activation, eps=check_eps(n))
    layer.gamma[...] = rng.normal(size=d)
    layer.beta[...] = rng.normal(size=d)
    layer.running_mean[...] = rng.normal(size=d)
    layer.running_var[...] = rng.uniform(0.5, 2.0, size=d)
    X, up = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    layer.forward(X, training=training)
    dX = layer.backward(up)
    analytic = {"X": dX, "gamma": layer.dgamma.copy(), "beta": layer.dbeta.copy()}
    num = numerical_gradient(lambda: float(np.sum(layer.forward(X, training=training) * up)),
                             {"X": X, "gamma": layer.gamma, "beta": layer.beta})
    for name in analytic:
        assert relative_error(analytic[name], num[name]) < 1e-7, (activation, training, name)


def _bn_network(seed=0):
    return Network([Dense(3, 4, "identity", seed=seed), BatchNorm(4, "tanh"),
                    Dense(4, 5, "sigmoid", seed=seed + 1), BatchNorm(5),
                    Dense(5, 2, "identity", seed=seed + 2)])


def test_gamma_and_beta_live_in_the_flat_vector_after_all_weights():
    net = _bn_network()
    n_weights = 3 * 4 + 4 * 5 + 5 * 2
    assert net.n_params == n_weights + (4 + 4 + 4) + (5 + 5 + 5) + 2
    bn = net.layers[1]
    for name in ("gamma", "beta"):
        sl = net.layout.slices[(1, name)]
        assert sl.start >= n_weights and net.layout.specs[(1, name)].group == "bias"
        assert np.shares_memory(getattr(bn, name), net.params)
        assert np.shares_memory(getattr(bn, "d" + name), net.grads)
    np.testing.assert_array_equal(net.params[net.layout.slices[(1, "gamma")]], 1.0)
    np.testing.assert_array_equal(net.params[net.layout.slices[(1, "beta")]], 0.0)
    # only the dense weight matrices are in the "weight" group (what module 5 penalizes)
    weight_size = sum(s.size for s in net.layout.specs.values() if s.group == "weight")
    assert weight_size == n_weights


def test_module5_penalties_leave_gamma_and_beta_alone():
    penalties = pytest.importorskip("reference_impl.penalties")
    net = _bn_network()
    mask = penalties.weight_mask(net)
    for k in (1, 3):
        for name in ("gamma", "beta"):
            assert not mask[net.layout.slices[(k, name)]].any(), (k, name)
    assert mask[net.layout.slices[(0, "W")]].all()


@pytest.mark.parametrize("n", [2, 3, 8])
def test_network_with_batch_norm_gradient_check(n, rng):
    net = _bn_network()
    net.params[:] = rng.normal(scale=0.8, size=net.n_params)
    X, y = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
    _, grads = net.loss_and_gradient(X, y, mean_squared_error)
    analytic = grads.copy()
    numeric = numerical_gradient(lambda: mean_squared_error(net.forward(X, training=True), y)[0],
                                 {"params": net.params})["params"]
    assert relative_error(analytic, numeric) < 1e-7
    for k in (1, 3):   # dgamma and dbeta inside the flat gradient
        for name in ("gamma", "beta"):
            sl = net.layout.slices[(k, name)]
            assert relative_error(analytic[sl], numeric[sl]) < 1e-7, (k, name)


def test_network_input_gradient_through_batch_norm(rng):
    net = _bn_network()
    X, up = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    net.forward(X, training=True)
    dX = net.backward(up)
    num = numerical_gradient(lambda: float(np.sum(net.forward(X, training=True) * up)), X)
    assert relative_error(dX, num) < 1e-7


# --- running statistics, training and evaluation modes -------------------------------------------
def test_training_mode_updates_running_statistics_with_the_stated_momentum(rng):
    m = 0.3
    bn = BatchNorm(3, momentum=m)
    X1, X2 = rng.normal(2.0, 3.0, size=(10, 3)), rng.normal(-1.0, 0.5, size=(4, 3))
    bn.forward(X1, training=True)
    np.testing.assert_allclose(bn.running_mean, (1 - m) * 0.0 + m * X1.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, (1 - m) * 1.0 + m * X1.var(axis=0, ddof=1), rtol=1e-12)
    mean1, var1 = bn.running_mean.copy(), bn.running_var.copy()
    bn.forward(X2, training=True)
    np.testing.assert_allclose(bn.running_mean, (1 - m) * mean1 + m * X2.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, (1 - m) * var1 + m * X2.var(axis=0, ddof=1), rtol=1e-12)


def test_running_statistics_start_at_zero_and_one_and_momentum_zero_freezes_them(rng):
    bn = BatchNorm(2, momentum=0.0)
    np.testing.assert_array_equal(bn.running_mean, 0.0)
    np.testing.assert_array_equal(bn.running_var, 1.0)
    bn.forward(rng.normal(5.0, size=(8, 2)), training=True)
    np.testing.assert_array_equal(bn.running_mean, 0.0)
    np.testing.assert_array_equal(bn.running_var, 1.0)


def test_running_statistics_converge_to_the_population(rng):
    bn = BatchNorm(2, momentum=0.05)
    for _ in range(400):
        bn.forward(rng.normal([3.0, -1.0], [2.0, 0.5], size=(32, 2)), training=True)
    np.testing.assert_allclose(bn.running_mean, [3.0, -1.0], atol=0.15)
    np.testing.assert_allclose(bn.running_var, [4.0, 0.25], rtol=0.15)


def test_evaluation_mode_uses_running_statistics_and_does_not_change_them(rng):
    bn = BatchNorm(3, "tanh")
    bn.gamma[...], bn.beta[...] = [1.5, -0.5, 2.0], [0.1, 0.2, -0.3]
    bn.running_mean[...], bn.running_var[...] = [1.0, -2.0, 0.5], [4.0, 0.25, 1.0]
    X = rng.normal(size=(6, 3))
    out = bn.forward(X)                       # training=False is the default
    expected = np.tanh(bn.gamma * (X - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean, [1.0, -2.0, 0.5])
    np.testing.assert_array_equal(bn.running_var, [4.0, 0.25, 1.0])
    # each row on its own: a batch of one works and gives the same row
    np.testing.assert_allclose(bn.forward(X[2:3]), out[2:3], rtol=1e-12)


def test_training_output_depends_on_the_batch_evaluation_output_does_not(rng):
    bn = BatchNorm(2)
    X = rng.normal(size=(5, 2))
    other = np.vstack([X[:1], rng.normal(size=(4, 2))])
    assert not np.allclose(bn.forward(X, training=True)[0], bn.forward(other, training=True)[0])
    np.testing.assert_allclose(bn.forward(X)[0], bn.forward(other)[0])


def test_network_forward_is_evaluation_and_loss_and_gradient_is_training(rng):
    net = _bn_network()
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    bn = net.layers[1]
    before = bn.running_mean.copy()
    evaluated = net(X)
    np.testing.assert_array_equal(bn.running_mean, before)
    net.loss_and_gradient(X, y, mean_squared_error)
    assert not np.allclose(bn.running_mean, before)
    assert not np.allclose(net.forward(X, training=True), evaluated)


def test_float32_stays_float32(rng):
    bn = BatchNorm(3, dtype=np.float32)
    out = bn.forward(rng.normal(size=(4, 3)).astype(np.float32), training=True)
    assert out.dtype == np.float32 and bn.running_var.dtype == np.float32


# --- training with module 4's optimizers ------------------------------------------------------
@pytest.mark.parametrize("optimizer", [lambda: Adam(lr=0.02), lambda: Momentum(lr=0.05, gamma=0.9)])
def test_network_with_batch_norm_trains_with_module4_optimizers(optimizer):
    X, y = make_dataset("moons", n=200, seed=0)
    net = Network([Dense(2, 16, "identity", seed=1), BatchNorm(16, "relu"),
                   Dense(16, 16, "identity", seed=2), BatchNorm(16, "relu"),
                   Dense(16, 2, "identity", seed=3)])
    gammas = net.params[net.layout.slices[(1, "gamma")]].copy()
    history = fit(net, X, y, softmax_cross_entropy, optimizer=optimizer(), epochs=30,
                  batch_size=32, seed=0, clip_norm=5.0)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert not np.allclose(net.params[net.layout.slices[(1, "gamma")]], gammas)
    assert accuracy(net(X), y) > 0.9            # evaluation mode, running statistics


# --- input errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, words", [
    (lambda: batch_norm_forward(np.ones((1, 3)), np.ones(3), np.zeros(3)), ValueError,
     "needs a batch of at least 2 rows to estimate a variance, got X of shape (1, 3)"),
    (lambda: batch_norm_forward(np.ones((4, 3)), np.ones(2), np.zeros(3)), ValueError,
     "gamma must have shape (D,) = (3,) to match X's 3 columns, got (2,)"),
    (lambda: batch_norm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3), eps=0.0), ValueError,
     "eps must be a positive number, got 0.0"),
    (lambda: batch_norm_forward(np.ones(4), np.ones(1), np.zeros(1)), ValueError,
     "X must have 2 dimension(s), got shape (4,)"),
    (lambda: batch_norm_backward(np.ones((4, 3)), None), TypeError,
     "cache must be the cache returned by batch_norm_forward"),
    (lambda: batch_norm_backward(np.ones((4, 2)), batch_norm_forward(np.eye(4)[:, :3], np.ones(3), np.zeros(3))[1]),
     ValueError, "dout must have the forward output's shape (4, 3), got (4, 2)"),
    (lambda: BatchNorm(3).forward(np.ones((1, 3)), training=True), ValueError,
     "needs a batch of at least 2 rows"),
    (lambda: BatchNorm(3).forward(np.ones((4, 2))), ValueError, "X must have shape (n, 3), got (4, 2)"),
    (lambda: BatchNorm(0), ValueError, "num_features must be a positive integer, got 0"),
    (lambda: BatchNorm(2, momentum=1.5), ValueError, "momentum must be in [0, 1]"),
    (lambda: BatchNorm(2, "swish"), ValueError, "unknown activation 'swish'"),
    (lambda: BatchNorm(2).backward(np.ones((3, 2))), RuntimeError, "BatchNorm.backward called before forward"),
])
def test_bad_input_messages(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
