"""Module 5 regularization: L2/L1 penalties on the weights only, weight decay and its equivalence to
L2 for SGD (not for Adam: AdamW), early stopping, Gaussian noise injection."""
import math

import numpy as np
import pytest

from allocations import allocations

from reference_impl import Network, mean_squared_error, softmax_cross_entropy
from reference_impl.datasets import make_dataset
from reference_impl.early_stopping import EarlyStopping
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.layers import Dense
from reference_impl.noise import GaussianNoise, add_gradient_noise, add_input_noise, weight_noise
from reference_impl.optimizers import SGD, Adam
from reference_impl.penalties import (add_penalty_gradients, l1_penalty, l2_penalty,
                                      penalized_loss_and_gradient, weight_mask)
from reference_impl.training import fit
from reference_impl.weight_decay import SGDW, AdamW, decay_weights


def _net(rng, sizes=(3, 4, 2), acts=("tanh", "identity")):
    """A float64 network with nonzero biases, so that 'biases are not penalized' is visible."""
    net = Network.from_sizes(list(sizes), list(acts), seed=1)
    net.params[~weight_mask(net)] = rng.normal(size=(~weight_mask(net)).sum())
    return net


# --- the weight mask -----------------------------------------------------------------------------
def test_weight_mask_is_true_on_weights_and_false_on_biases():
    net = Network.from_sizes([3, 4, 2], ["tanh", "identity"])
    mask = weight_mask(net)
    # vec order: W1 (3*4), W2 (4*2), then b1 (4), b2 (2)
    np.testing.assert_array_equal(mask, [True] * 20 + [False] * 6)
    net.params[:] = np.arange(net.n_params)
    marked = net.params[mask]
    np.testing.assert_array_equal(np.sort(marked), np.sort(np.concatenate(
        [net.layers[0].W.ravel(), net.layers[1].W.ravel()])))
    np.testing.assert_array_equal(weight_mask(net.layout), mask)


def test_weight_mask_rejects_what_is_not_a_network():
    with pytest.raises(TypeError, match="network must be a Network"):
        weight_mask(np.zeros(5))


# --- penalties: values by hand, gradients by central differences -------------------------------------
def test_penalty_values_and_gradients_on_a_small_vector_by_hand():
    w = np.array([0.0, -2.0, 3.0, 5.0])          # the last entry plays a bias
    mask = np.array([True, True, True, False])
    value, grad = l2_penalty(w, 0.5, mask)
    assert value == pytest.approx(0.25 * (0 + 4 + 9))   # (lam / 2) sum w^2 = 3.25
    np.testing.assert_array_equal(grad, [0.0, -1.0, 1.5, 0.0])
    value, grad = l1_penalty(w, 0.5, mask)
    assert value == pytest.approx(0.5 * (0 + 2 + 3))    # lam sum |w| = 2.5
    np.testing.assert_array_equal(grad, [0.0, -0.5, 0.5, 0.0])  # subgradient 0 at w = 0


@pytest.mark.parametrize("penalty", [l2_penalty, l1_penalty], ids=["l2", "l1"])
def test_penalty_gradient_matches_central_differences(penalty, rng):
    net = _net(rng)
    w = net.params
    w[np.abs(w) < 1e-2] = 0.1    # keep |w| well away from L1's kink at 0 (h = 1e-5)
    mask = weight_mask(net)
    _, grad = penalty(w, 0.3, mask)
    num = numerical_gradient(lambda: penalty(w, 0.3, mask)[0], w)
    assert relative_error(grad, num) < 1e-7
    assert not grad[~mask].any(), "biases must get no penalty gradient"


@pytest.mark.parametrize("l2, l1", [(0.1, 0.0), (0.0, 0.05), (0.1, 0.05)])
def test_penalized_network_gradient_matches_central_differences(l2, l1, rng):
    net = _net(rng)
    net.params[np.abs(net.params) < 1e-2] = 0.1
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    loss, grads = penalized_loss_and_gradient(net, X, y, mean_squared_error, l2=l2, l1=l1)
    analytic = grads.copy()
    data_loss, _ = net.loss_and_gradient(X, y, mean_squared_error)
    w = net.params[weight_mask(net)]
    assert loss == pytest.approx(data_loss + l2 / 2 * np.sum(w ** 2) + l1 * np.sum(np.abs(w)), rel=1e-12)
    num = numerical_gradient(
        lambda: penalized_loss_and_gradient(net, X, y, mean_squared_error, l2=l2, l1=l1)[0], net.params)
    assert relative_error(analytic, num) < 1e-7


def test_add_penalty_gradients_updates_the_flat_gradient_in_place(rng):
    net = _net(rng)
    mask = weight_mask(net)
    grads = rng.normal(size=net.n_params)
    before = grads.copy()
    value = add_penalty_gradients(grads, net.params, mask, l2=0.2)
    np.testing.assert_allclose(grads, before + 0.2 * net.params * mask, rtol=1e-14)
    assert value == pytest.approx(0.1 * np.sum(net.params[mask] ** 2))


def test_penalty_errors_name_the_problem():
    w, mask = np.ones(4), np.ones(4, dtype=bool)
    with pytest.raises(ValueError, match="lam must be a non-negative number .* got -0.1"):
        l2_penalty(w, -0.1, mask)
    with pytest.raises(ValueError, match="lam must be finite"):
        l1_penalty(w, math.nan, mask)
    with pytest.raises(ValueError, match=r"mask must have the shape of params \(4,\), got \(3,\)"):
        l2_penalty(w, 0.1, np.ones(3, dtype=bool))
    with pytest.raises(TypeError, match="mask must be a boolean NumPy array"):
        l1_penalty(w, 0.1, np.ones(4))
    with pytest.raises(ValueError, match="l1 must be a non-negative number"):
        add_penalty_gradients(np.zeros(4), w, mask, l1=-1.0)


# --- weight decay = L2 for SGD ----------------------------------------------------------------------
def test_weight_decay_step_written_out():
    w = np.array([1.0, -2.0, 0.5])
    decay_weights(w, lr=0.1, lam=0.5, mask=np.array([True, True, False]))
    # w := w (1 - lr lam) = w * 0.95 on the weights; the last entry (a bias) is untouched
    np.testing.assert_array_equal(w, [0.95, -1.9, 0.5])


def test_weight_decay_equals_l2_for_plain_sgd(rng):
    """w - lr (g + lam w) = w (1 - lr lam) - lr g: same lr, same lam, on a real training run."""
    lr, lam = 0.2, 0.05
    X, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    nets = [_net(np.random.default_rng(0)) for _ in range(3)]
    penalized, decayed, sgdw = nets
    opt_p, opt_d, opt_w = SGD(lr), SGD(lr), SGDW(lr, lam, mask=weight_mask(sgdw))
    for _ in range(25):
        _, g = penalized_loss_and_gradient(penalized, X, y, mean_squared_error, l2=lam)
        opt_p.step(penalized.params, g)

        _, g = decayed.loss_and_gradient(X, y, mean_squared_error)
        step_by_hand = decayed.params * (1 - lr * lam * weight_mask(decayed)) - lr * g
        decay_weights(decayed.params, lr, lam, weight_mask(decayed))
        opt_d.step(decayed.params, g)
        np.testing.assert_allclose(decayed.params, step_by_hand, rtol=1e-13, atol=1e-15)

        _, g = sgdw.loss_and_gradient(X, y, mean_squared_error)
        opt_w.step(sgdw.params, g)
    np.testing.assert_allclose(decayed.params, penalized.params, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sgdw.params, penalized.params, rtol=1e-12, atol=1e-14)


# --- Adam: L2 is not weight decay; AdamW ------------------------------------------------------------
def ref_adamw(w, gs, lr, lam, mask, beta1=0.9, beta2=0.999, eps=1e-8):
    """Loshchilov & Hutter (2019), Algorithm 2 with eta_t = 1, in the form w (1 - lr lam), by hand."""
    w, m, v = list(w), [0.0] * len(w), [0.0] * len(w)
    for t, g in enumerate(gs, start=1):
        for i in range(len(w)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            mhat, vhat = m[i] / (1 - beta1 ** t), v[i] / (1 - beta2 ** t)
            decay = lr * lam * w[i] if mask[i] else 0.0   # from the weights BEFORE the step
            w[i] = w[i] - lr * mhat / (math.sqrt(vhat) + eps) - decay
        yield np.array(w)


def test_adamw_matches_the_decoupled_update_written_out(rng):
    n, lr, lam = 9, 0.01, 0.1
    w0 = rng.normal(size=n)
    mask = np.array([True] * 6 + [False] * 3)
    gs = [rng.normal(scale=10.0 ** rng.integers(-2, 2), size=n) for _ in range(8)]
    opt, w = AdamW(lr, lam, mask=mask), w0.copy()
    for k, expected in enumerate(ref_adamw(w0, gs, lr, lam, mask)):
        opt.step(w, gs[k])
        np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-15, err_msg=f"step {k + 1}")


def test_adam_with_l2_is_not_adamw(rng):
    """Adam on g + lam w divides the decay by sqrt(vhat); AdamW does not. After a few steps they part."""
    n, lr, lam = 8, 0.01, 0.1
    w0 = rng.normal(size=n)
    mask = np.ones(n, dtype=bool)
    gs = [rng.normal(scale=[1e-3] * 4 + [1.0] * 4, size=n) for _ in range(10)]
    w_l2, w_w = w0.copy(), w0.copy()
    adam, adamw = Adam(lr), AdamW(lr, lam, mask=mask)
    for g in gs:
        adam.step(w_l2, g + lam * w_l2)        # the L2 gradient goes through m and v
        adamw.step(w_w, g)
    gap = np.abs(w_l2 - w_w)
    assert gap.max() > 1e-2, f"Adam + L2 and AdamW should differ, max gap {gap.max():.2e}"
    # for SGD the same comparison gives no gap at all (previous test); with AdamW = Adam at lam = 0
    w_a, w_b = w0.copy(), w0.copy()
    adam, adamw0 = Adam(lr), AdamW(lr, 0.0, mask=mask)
    for g in gs:
        adam.step(w_a, g)
        adamw0.step(w_b, g)
    np.testing.assert_array_equal(w_a, w_b)


def test_adamw_with_zero_gradient_only_shrinks_the_weights_and_not_the_biases(rng):
    net = _net(rng)
    w0 = net.params.copy()
    opt = AdamW(0.1, 0.5, mask=weight_mask(net))
    opt.step(net.params, np.zeros(net.n_params))
    mask = weight_mask(net)
    np.testing.assert_allclose(net.params[mask], w0[mask] * (1 - 0.1 * 0.5), rtol=1e-15)
    np.testing.assert_array_equal(net.params[~mask], w0[~mask])


@pytest.mark.parametrize("cls", [SGDW, AdamW])
def test_decoupled_optimizers_update_in_place_without_allocations(cls, rng):
    n = 200_000
    w = rng.normal(size=n)
    grads = [rng.normal(size=n) for _ in range(3)]
    opt = cls(1e-3, 0.1, mask=np.arange(n) % 10 != 0)
    buffer = w.ctypes.data
    opt.step(w, grads[0])  # the first step allocates the state
    with allocations() as got:
        for k in range(2, 8):
            opt.step(w, grads[k % 3])
    assert w.ctypes.data == buffer
    assert got.peak < w.nbytes / 20, f"{cls.__name__}: {got.peak} bytes during steps 2..7"


def test_weight_decay_errors_name_the_problem():
    w, mask = np.ones(3), np.ones(3, dtype=bool)
    with pytest.raises(ValueError, match="lam must be a non-negative number"):
        decay_weights(w, 0.1, -1.0, mask)
    with pytest.raises(ValueError, match=r"lr \* lam must be below 1"):
        decay_weights(w, 0.5, 2.0, mask)
    with pytest.raises(ValueError, match=r"mask must have the shape of params \(3,\), got \(2,\)"):
        decay_weights(w, 0.1, 0.1, np.ones(2, dtype=bool))
    with pytest.raises(ValueError, match="weight_decay must be a non-negative number"):
        AdamW(1e-3, -0.01, mask=mask)
    with pytest.raises(TypeError, match="mask must be a 1-D boolean NumPy array"):
        AdamW(1e-3, 0.01, mask=[True, True, True])
    with pytest.raises(ValueError, match=r"mask must have the shape of params \(3,\), got \(4,\)"):
        AdamW(1e-3, 0.01, mask=np.ones(4, dtype=bool)).step(w, np.ones(3))
    with pytest.raises(TypeError, match="mask"):
        AdamW(1e-3, 0.01)   # no default: decaying the biases by accident is not possible


# --- early stopping ---------------------------------------------------------------------------------
def test_early_stopping_on_a_scripted_loss_sequence():
    losses = [1.0, 0.8, 0.9, 0.7, 0.75, 0.72, 0.71, 0.5]
    es = EarlyStopping(patience=3)
    params = np.zeros(4)
    stops = []
    for epoch, loss in enumerate(losses, start=1):
        params[:] = epoch                     # the params "of epoch k" are all k
        stops.append(es.update(loss, params))
        if stops[-1]:
            break
    # best at epoch 4 (0.7); epochs 5, 6, 7 do not improve -> stop after epoch 7; 0.5 is never seen
    assert stops == [False] * 6 + [True]
    assert (es.best_epoch, es.best_loss, es.epoch, es.epochs_without_improvement) == (4, 0.7, 7, 3)
    es.restore(params)
    np.testing.assert_array_equal(params, 4.0)


def test_early_stopping_min_delta_nan_and_the_preallocated_copy():
    es = EarlyStopping(patience=2, min_delta=0.1)
    w = np.array([1.0, 2.0])
    assert not es.update(1.0, w)
    store = es.best_params
    w[:] = 7.0                                  # a later change of params must not leak into the copy
    np.testing.assert_array_equal(es.best_params, [1.0, 2.0])
    assert not es.update(0.95, w)               # better by less than min_delta: no improvement
    assert es.update(math.nan, w)               # a diverged epoch counts as no improvement
    assert es.best_epoch == 1 and es.best_params is store
    es.reset()
    assert es.update(0.5, w) is False and es.best_params is store   # the array is reused


def test_early_stopping_errors():
    with pytest.raises(ValueError, match="patience must be a positive integer"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta must be a non-negative number"):
        EarlyStopping(patience=2, min_delta=-1.0)
    es = EarlyStopping(patience=2)
    with pytest.raises(RuntimeError, match="restore called before"):
        es.restore(np.zeros(3))
    es.update(1.0, np.zeros(3))
    with pytest.raises(ValueError, match=r"params has shape \(4,\)"):
        es.update(1.0, np.zeros(4))
    with pytest.raises(TypeError, match="val_loss must be a real number"):
        es.update("1.0", np.zeros(3))


def test_early_stopping_on_a_real_overfitting_run():
    """Noisy moons, 40 training rows, a 2-64-64-2 tanh network and Adam: the validation loss falls,
    then rises. Early stopping stops `patience` epochs after its minimum and restores those weights."""
    X, y = make_dataset("moons", n=240, seed=3, noise=0.35)
    Xtr, ytr, Xva, yva = X[:40], y[:40], X[40:], y[40:]
    net = Network.from_sizes([2, 64, 64, 2], ["tanh", "tanh", "identity"], seed=0)
    opt, es, patience, max_epochs = Adam(0.01), EarlyStopping(patience=10), 10, 300
    val_losses, snapshots = [], []
    for epoch in range(max_epochs):
        fit(net, Xtr, ytr, softmax_cross_entropy, optimizer=opt, epochs=1, batch_size=10, seed=epoch)
        val_losses.append(softmax_cross_entropy(net.forward(Xva), yva)[0])
        snapshots.append(net.params.copy())
        if es.update(val_losses[-1], net.params):
            break
    assert es.stopped and len(val_losses) < max_epochs, "the validation loss should start rising"
    best = int(np.argmin(val_losses))
    assert es.best_epoch == best + 1 and es.best_loss == val_losses[best]
    assert len(val_losses) - es.best_epoch == patience
    assert val_losses[-1] > es.best_loss
    es.restore(net.params)                       # in place: the layers' views see the best weights
    np.testing.assert_array_equal(net.params, snapshots[best])
    assert softmax_cross_entropy(net.forward(Xva), yva)[0] == es.best_loss


# --- noise injection --------------------------------------------------------------------------------
def test_input_noise_is_l2_on_average_for_a_linear_model(rng):
    """Bishop (1995): E[((x + e) w - y)^2] = (x w - y)^2 + std^2 ||w||^2 for e ~ N(0, std^2 I)."""
    X, w, y, std = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5), 0.3
    noise_rng, n_draws = np.random.default_rng(7), 20000
    noisy = add_input_noise(np.broadcast_to(X, (n_draws, *X.shape)), std, noise_rng)  # n_draws copies
    losses = np.mean((noisy @ w - y) ** 2, axis=1)
    expected = np.mean((X @ w - y) ** 2) + std ** 2 * np.dot(w, w)
    tol = 5 * losses.std() / math.sqrt(n_draws)        # 5 standard errors of the Monte Carlo mean
    assert abs(losses.mean() - expected) < tol, (losses.mean(), expected, tol)


def test_noise_is_reproducible_from_the_generator(rng):
    X = rng.normal(size=(4, 3))
    a = add_input_noise(X, 0.1, np.random.default_rng(3))
    b = add_input_noise(X, 0.1, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    g1, g2 = np.ones(6), np.ones(6)
    add_gradient_noise(g1, 0.5, np.random.default_rng(4))
    add_gradient_noise(g2, 0.5, np.random.default_rng(4))
    np.testing.assert_array_equal(g1, g2)
    assert not np.array_equal(g1, np.ones(6))


def test_weight_noise_perturbs_only_the_weights_and_restores_them_exactly(rng):
    net = _net(rng)
    clean, mask = net.params.copy(), weight_mask(net)
    with weight_noise(net.params, 0.1, np.random.default_rng(5), mask) as noise:
        np.testing.assert_array_equal(net.params, clean + noise)
        assert np.all(noise[mask] != 0) and not noise[~mask].any()
    np.testing.assert_array_equal(net.params, clean)
    with pytest.raises(ZeroDivisionError):
        with weight_noise(net.params, 0.1, np.random.default_rng(5), mask):
            1 / 0
    np.testing.assert_array_equal(net.params, clean)


def test_gaussian_noise_layer_gradient_with_fixed_noise(rng):
    layers = [Dense(3, 4, "tanh", seed=1), GaussianNoise(0.5, rng=np.random.default_rng(0)),
              Dense(4, 2, seed=2)]
    net = Network(layers)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

    def loss():
        layers[1].rng = np.random.default_rng(11)   # the same noise at every evaluation
        return net.loss_and_gradient(X, y, mean_squared_error)[0]

    loss()
    analytic = net.grads.copy()
    assert relative_error(analytic, numerical_gradient(loss, net.params)) < 1e-7
    H = rng.normal(size=(5, 4))
    np.testing.assert_array_equal(layers[1].forward(H, training=False), H)   # test time: no noise
    assert layers[1].noise is None


def test_noise_errors_name_the_problem():
    with pytest.raises(ValueError, match="std must be a non-negative number"):
        add_input_noise(np.zeros(3), -0.1, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        GaussianNoise(0.1, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"mask must have the shape of params \(3,\), got \(2,\)"):
        with weight_noise(np.zeros(3), 0.1, np.random.default_rng(0), np.ones(2, dtype=bool)):
            pass
