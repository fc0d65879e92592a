"""The fast training path (issue 13): correctness, dtypes and allocations, not timing.

The fast step (``fit`` and ``Network.loss_and_gradient`` with reused workspaces, the fused
softmax cross-entropy, ``optimizers.Adam`` on the flat vector) is compared with a plain,
obviously correct step written out here layer by layer.
"""
import numpy as np
import pytest

from allocations import allocations

from reference_impl import Adam, Dense, Layer, Network, mean_squared_error, softmax_cross_entropy
from reference_impl.activations import get_activation
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.losses import binary_cross_entropy, binary_cross_entropy_with_logits
from reference_impl.minibatches import minibatch_indices
from reference_impl.training import fit, take_rows
from reference_impl.workspace import Workspace

SIZES = [20, 16, 12, 5]


def _data(n=314, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], size=n)
    return X, y


# --- the plain step, written out -------------------------------------------------------------
def _plain_forward(Ws, bs, fs, X):
    Hs, Zs = [X], []
    for W, b, f in zip(Ws, bs, fs):
        Z = Hs[-1] @ W + b
        Zs.append(Z)
        Hs.append(f(Z))
    return Hs, Zs


def _plain_softmax_cross_entropy(logits, labels):
    n, k = logits.shape
    Y = np.eye(k)[labels]
    shifted = logits - logits.max(axis=1, keepdims=True)
    P = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return -np.mean(np.sum(Y * np.log(P), axis=1)), (P - Y) / n


def _plain_gradients(Ws, bs, fs, X, labels):
    Hs, Zs = _plain_forward(Ws, bs, fs, X)
    loss, dH = _plain_softmax_cross_entropy(Hs[-1], labels)
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for k in reversed(range(len(Ws))):
        dZ = dH * fs[k].derivative(Zs[k])
        dWs[k], dbs[k] = Hs[k].T @ dZ, dZ.sum(axis=0)
        dH = dZ @ Ws[k].T
    return loss, dWs, dbs


class _PlainAdam:
    """Adam per parameter array, the textbook formulas with mhat and vhat."""

    def __init__(self, arrays, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, beta1, beta2, eps, 0
        self.m = [np.zeros_like(a) for a in arrays]
        self.v = [np.zeros_like(a) for a in arrays]

    def step(self, arrays, grads):
        self.t += 1
        for i, (w, g) in enumerate(zip(arrays, grads)):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
            mhat = self.m[i] / (1 - self.beta1 ** self.t)
            vhat = self.v[i] / (1 - self.beta2 ** self.t)
            w -= self.lr * mhat / (np.sqrt(vhat) + self.eps)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
def test_fast_step_matches_the_plain_step_after_50_steps(hidden):
    X, y = _data()  # 314 rows in batches of 32: 10 steps per epoch, the last one of 26 rows
    acts = [hidden, hidden, "identity"]
    net = Network.from_sizes(SIZES, acts, seed=1)
    Ws = [layer.W.copy() for layer in net.layers]
    bs = [layer.b.copy() for layer in net.layers]
    history = fit(net, X, y, softmax_cross_entropy, optimizer=Adam(1e-3), epochs=5, batch_size=32, seed=7)

    fs = [get_activation(a) for a in acts]
    adam, rng, losses, steps = _PlainAdam(Ws + bs), np.random.default_rng(7), [], 0
    for _ in range(5):
        total = 0.0
        for idx in minibatch_indices(len(X), 32, rng):
            loss, dWs, dbs = _plain_gradients(Ws, bs, fs, X[idx], y[idx])
            adam.step(Ws + bs, dWs + dbs)
            total += loss * len(idx)
            steps += 1
        losses.append(total / len(X))
    assert steps == 50
    for layer, W, b in zip(net.layers, Ws, bs):
        np.testing.assert_allclose(layer.W, W, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer.b, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)
    assert history.loss[-1] < history.loss[0]


def test_loss_and_gradient_matches_the_plain_gradient_and_central_differences(rng):
    X, y = _data(n=9)
    net = Network.from_sizes(SIZES, ["relu", "tanh", "identity"], seed=2)
    loss, grads = net.loss_and_gradient(X, y, softmax_cross_entropy)
    fs = [layer.activation for layer in net.layers]
    plain_loss, dWs, dbs = _plain_gradients([l.W for l in net.layers], [l.b for l in net.layers], fs, X, y)
    assert loss == pytest.approx(plain_loss, rel=1e-13)
    for layer, dW, db in zip(net.layers, dWs, dbs):
        np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-15)
    analytic = grads.copy()
    numeric = numerical_gradient(lambda: softmax_cross_entropy(net.forward(X), y)[0], {"p": net.params})["p"]
    assert relative_error(analytic, numeric) < 1e-7


def test_fused_softmax_cross_entropy_equals_the_textbook_formula(rng):
    z = rng.normal(scale=5.0, size=(7, 4))
    labels = rng.integers(0, 4, size=7)
    loss, grad = softmax_cross_entropy(z, labels)
    want_loss, want_grad = _plain_softmax_cross_entropy(z, labels)
    assert loss == pytest.approx(want_loss, rel=1e-14)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13, atol=1e-16)
    out = np.empty_like(z)
    assert softmax_cross_entropy(z, labels, out=out)[1] is out
    np.testing.assert_array_equal(out, grad)
    same = z.copy()  # out may be the logits themselves
    np.testing.assert_array_equal(softmax_cross_entropy(same, labels, out=same)[1], grad)
    with pytest.raises(ValueError, match="out must be an array of the logits' shape"):
        softmax_cross_entropy(z, labels, out=np.empty((7, 4), np.float32))


# --- dtypes ----------------------------------------------------------------------------------
def test_float32_stays_float32_end_to_end():
    X64, y = _data(n=100)  # float64 data: converted once, never an upcast of the float32 network
    net = Network.from_sizes(SIZES, ["relu", "relu", "identity"], seed=0, dtype=np.float32)
    opt = Adam(1e-3)
    history = fit(net, X64, y, softmax_cross_entropy, optimizer=opt, epochs=3, batch_size=32)
    assert net.params.dtype == net.grads.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.state.values())
    assert all(isinstance(v, float) and np.isfinite(v) for v in history.loss)
    loss, grads = net.loss_and_gradient(X64[:32], y[:32], softmax_cross_entropy)
    assert grads.dtype == np.float32
    assert all(a.dtype == np.float32 for a in net.last_pass.activations)
    assert all(z.dtype == np.float32 for z in net.last_pass.pre_activations)
    for layer in net.layers:
        assert layer.W.dtype == layer.dW.dtype == layer.cache[1].dtype == np.float32
    assert net.forward(X64).dtype == np.float32
    assert net.backward(np.ones((100, SIZES[-1]))).dtype == np.float32
    # the loss itself is computed in float32
    logits = net.forward(X64[:32])
    loss32, grad32 = softmax_cross_entropy(logits, y[:32])
    loss64, _ = softmax_cross_entropy(logits.astype(np.float64), y[:32])
    assert grad32.dtype == np.float32 and loss32 == pytest.approx(loss64, rel=1e-5)
    assert loss == pytest.approx(loss32, rel=1e-6)


def test_losses_keep_the_prediction_dtype():
    p = np.array([[0.2], [0.9]], dtype=np.float32)
    t = np.array([[0.0], [1.0]])  # float64 targets
    for loss_fn in (mean_squared_error, binary_cross_entropy, binary_cross_entropy_with_logits):
        loss, grad = loss_fn(p, t)
        assert grad.dtype == np.float32, loss_fn.__name__
    soft = np.array([[0.5, 0.5], [1.0, 0.0]])
    assert softmax_cross_entropy(np.zeros((2, 2), np.float32), soft)[1].dtype == np.float32
    # float32 probabilities of exactly 1 or 0 still give finite values, without warnings
    loss, grad = binary_cross_entropy(np.array([1.0, 0.0], np.float32), np.array([0.0, 1.0]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))


def test_dense_computes_in_its_own_dtype():
    layer = Dense(3, 2, "relu", dtype=np.float32)
    assert layer.forward(np.ones((4, 3))).dtype == np.float32
    assert layer.backward(np.ones((4, 2))).dtype == np.float32


# --- allocations -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_steady_state_step_allocates_no_array_of_parameter_size(dtype):
    rng = np.random.default_rng(0)
    sizes, batch = [64, 128, 64, 10], 16
    X = rng.normal(size=(200, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], size=200)
    net = Network.from_sizes(sizes, ["relu", "relu", "identity"], seed=0, dtype=dtype)
    opt = Adam(1e-3)
    X_batch, y_batch = np.empty((batch, sizes[0]), dtype), np.empty(batch, y.dtype)
    batches = minibatch_indices(200, batch, rng)  # 12 of 16 rows and one of 8

    def step(idx):
        Xb, yb = take_rows(X, idx, X_batch), take_rows(y, idx, y_batch)
        _, grads = net.loss_and_gradient(Xb, yb, softmax_cross_entropy)
        opt.step(net.params, grads)

    for idx in batches:  # the first pass allocates the workspaces and the optimizer state
        step(idx)
    param_bytes = net.n_params * np.dtype(dtype).itemsize
    for idx in batches:
        with allocations() as got:
            step(idx)
        # Nothing of parameter size is allocated, not even briefly. (What a step does allocate is
        # small change: index arrays of the batch's length, NumPy's own casting buffer in ReLU's
        # backward, Python objects.)
        assert got.peak < param_bytes / 4, (got.peak, param_bytes)
        assert got.kept < 4096  # and nothing is kept


def test_workspace_reuses_arrays_and_serves_smaller_batches_from_the_same_memory():
    ws = Workspace()
    a = ws.get("Z", (8, 3), np.float32)
    assert ws.get("Z", (8, 3), np.float32) is a
    small = ws.get("Z", (5, 3), np.float32)
    assert small.shape == (5, 3) and np.shares_memory(small, a)
    assert ws.get("Z", (8, 3), np.float64).dtype == np.float64  # another dtype: a new array
    assert ws.get("Z", (9, 3), np.float64).shape == (9, 3)
    ws.clear()
    assert ws.get("Z", (2, 3), np.float32).shape == (2, 3)


# --- the public API keeps its meaning --------------------------------------------------------
def test_forward_outside_a_training_step_returns_new_arrays(rng):
    net = Network.from_sizes([3, 4, 2], ["relu", "identity"], seed=0)
    A, B = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    net.loss_and_gradient(A, np.zeros(5, int), softmax_cross_entropy)
    out_a = net.forward(A)
    keep = out_a.copy()
    trace_b = net.forward_all(B)
    np.testing.assert_array_equal(out_a, keep)  # not overwritten by the later pass
    assert not np.shares_memory(out_a, trace_b.output)
    net.loss_and_gradient(B, np.zeros(5, int), softmax_cross_entropy)
    np.testing.assert_array_equal(out_a, keep)
    assert all(layer.workspace is None for layer in net.layers)
    layer = Dense(3, 2, "tanh")  # a layer on its own, one row at a time, as lecture 2 does
    rows = [layer.forward(A[i:i + 1]) for i in range(5)]
    np.testing.assert_allclose(np.vstack(rows), layer.forward(A))


def test_workspaces_are_released_when_the_loss_raises():
    net = Network.from_sizes([3, 2], ["identity"], seed=0)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        net.loss_and_gradient(np.ones((2, 3)), np.array([0, 5]), softmax_cross_entropy)
    assert all(layer.workspace is None for layer in net.layers)


class _Scale(Layer):
    """A layer written the old way: forward/backward only, new arrays, one parameter."""

    def __init__(self, d):
        self.d = d
        self.bind({"s": np.ones(d)}, {"s": np.zeros(d)})

    def param_specs(self):
        from reference_impl.parameters import ParamSpec
        return [ParamSpec("s", (self.d,))]

    def forward(self, X, training=False):
        self.X = np.asarray(X)
        return self.X * self.s

    def backward(self, dout):
        self.ds[...] = np.sum(dout * self.X, axis=0)
        return dout * self.s


@pytest.mark.parametrize("loss_name", ["softmax", "mse", "lambda"])
def test_layers_and_losses_written_by_others_keep_working(loss_name, rng):
    net = Network([_Scale(4), Dense(4, 5, "relu", seed=1), _Scale(5), Dense(5, 3, seed=2)])
    net.params[:] = rng.normal(scale=0.7, size=net.n_params)
    X = rng.normal(size=(6, 4))
    if loss_name == "softmax":
        y, loss = rng.integers(0, 3, size=6), softmax_cross_entropy
    elif loss_name == "mse":
        y, loss = rng.normal(size=(6, 3)), mean_squared_error
    else:
        y = rng.normal(size=(6, 3))
        loss = lambda out, t: (float(np.sum((out - t) ** 2)), 2 * (out - t))  # noqa: E731
    _, grads = net.loss_and_gradient(X, y, loss)
    analytic = grads.copy()
    numeric = numerical_gradient(lambda: loss(net.forward(X), y)[0], {"p": net.params})["p"]
    assert relative_error(analytic, numeric) < 1e-7


def test_fit_checks_X_for_nan_once_and_its_steps_do_not_check_again(monkeypatch):
    net = Network.from_sizes([3, 2], ["identity"], seed=0)
    X = np.ones((6, 3))
    X[4, 2] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN at index \(4, 2\)"):
        net.loss_and_gradient(X, np.zeros(6, int), softmax_cross_entropy)
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"X contains NaN at index \(4, 2\)"):
        fit(net, X, np.zeros(6, int), softmax_cross_entropy, epochs=1, batch_size=2)
    np.testing.assert_array_equal(net.params, before)  # rejected before the first step
    # With X checked whole, fit's steps skip the check: count the finite checks of a run.
    import reference_impl._validation as validation
    seen = []
    real = validation.check_finite
    monkeypatch.setattr(validation, "check_finite",
                        lambda arr, name: (seen.append((name, arr.shape)), real(arr, name)))
    fit(net, np.ones((6, 3)), np.zeros(6, int), softmax_cross_entropy, epochs=2, batch_size=2)
    assert [name for name, _ in seen].count("X") == 1 and ("X", (6, 3)) in seen
