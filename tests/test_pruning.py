"""Module 7: Optimal Brain Damage pruning.

The saliency formula and what it predicts, exact pruned fractions with biases never pruned, the
mask that keeps pruned weights at zero through retraining (and the mutants that let them grow
back), OBD feature selection on a problem with known irrelevant inputs, OBD against magnitude
pruning, and the prune-and-retrain loop of the lecture.
"""
import numpy as np
import pytest

from reference_impl import Adam, GradientDescent, Momentum, Network, mean_squared_error, softmax_cross_entropy
from reference_impl.hessian_diagonal import obd_hessian_diagonal
from reference_impl.pruning import (MaskedOptimizer, PruningMask, feature_saliency, magnitude_prune_mask,
                                    obd_prune_and_retrain, prunable_mask, prune_mask, saliency)
from reference_impl.training import fit


def trained_regression_net(seed=0, epochs=300):
    """[3, 6, 1] tanh network trained by Adam on a smooth target; returns net, X, y."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    y = (np.tanh(X[:, 0] - 0.5 * X[:, 1]) + 0.3 * X[:, 2])[:, None]
    net = Network.from_sizes([3, 6, 1], ["tanh", "identity"], seed=seed)
    if epochs:
        fit(net, X, y, mean_squared_error, optimizer=Adam(0.02), epochs=epochs)
    return net, X, y


# --- saliency -----------------------------------------------------------------------------------

def test_saliency_is_w_squared_times_curvature_over_two():
    w = np.array([0.5, -2.0, 0.0, 3.0])
    h = np.array([4.0, 0.25, 7.0, -1.0])
    np.testing.assert_array_equal(saliency(w, h), [0.5, 0.5, 0.0, -4.5])


def test_saliency_shapes_must_match():
    with pytest.raises(ValueError, match="params and hdiag must have the same shape"):
        saliency(np.ones(3), np.ones(4))


def test_saliency_is_the_loss_increase_of_removing_a_weight_of_a_linear_model_at_its_minimum(rng):
    # Q is quadratic in w and the gradient is zero at the minimum, so removing ONE weight changes
    # Q by exactly w_k^2 H_kk / 2, and OBD's diagonal is exact for a single linear layer.
    X = rng.normal(size=(20, 4))
    net = Network.from_weights([rng.normal(size=(4, 1))], [np.array([0.3])], ["identity"])
    y = net.forward(X).copy()
    S = saliency(net.params, obd_hessian_diagonal(net, X, y, mean_squared_error))
    for k in range(4):
        old = net.params[k]
        net.params[k] = 0.0
        increase = mean_squared_error(net.forward(X), y)[0]
        net.params[k] = old
        assert increase == pytest.approx(S[k], rel=1e-10)


# --- the mask -------------------------------------------------------------------------------------

def test_prunable_mask_marks_weights_not_biases():
    net = Network.from_sizes([3, 4, 2], ["tanh", "identity"])
    mask = prunable_mask(net)
    assert mask.sum() == 3 * 4 + 4 * 2
    assert not mask[-(4 + 2):].any()  # vec order: all weights, then all biases


@pytest.mark.parametrize("fraction, expected", [(0.0, 0), (0.1, 2), (0.25, 5), (0.29, 6), (0.5, 10),
                                                (0.7, 14), (1.0, 20)])
def test_pruned_count_is_exact_and_biases_are_never_pruned(fraction, expected, rng):
    net = Network.from_sizes([3, 4, 2], ["tanh", "identity"])
    s = rng.uniform(1, 2, size=net.n_params)
    s[~prunable_mask(net)] = 0.0  # biases least salient of all: still kept
    keep = prune_mask(s, fraction, prunable_mask(net))
    assert keep.dtype == bool and keep.shape == (net.n_params,)
    assert (~keep).sum() == expected  # round(fraction * 20), 0.29 * 20 = 5.8 -> 6
    assert keep[~prunable_mask(net)].all()
    if 0 < expected < 20:  # the pruned ones are the least salient weights
        assert s[~keep].max() < s[keep & prunable_mask(net)].min()


def test_prune_mask_prunes_only_among_eligible_entries():
    s = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 0.5])
    eligible = np.array([True, False, True, True, True, True])
    keep = prune_mask(s, 0.4, eligible)  # 2 of the 5 eligible: 0.5 and 2.0
    np.testing.assert_array_equal(keep, [True, True, True, False, True, False])


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(fraction=1.5), ValueError, "fraction must be in"),
    (dict(fraction=-0.1), ValueError, "fraction must be in"),
    (dict(fraction="half"), TypeError, "fraction must be"),
    (dict(eligible_mask=np.ones(4)), TypeError, "eligible_mask must be a boolean array"),
    (dict(eligible_mask=np.ones(3, dtype=bool)), ValueError, "eligible_mask must have 4 entries"),
])
def test_prune_mask_errors_name_the_argument(kwargs, error, message):
    args = dict(saliency=np.arange(4.0), fraction=0.5, eligible_mask=np.ones(4, dtype=bool)) | kwargs
    with pytest.raises(error, match=message):
        prune_mask(**args)


def test_mask_apply_zeroes_in_place_through_the_layer_views(rng):
    net = Network.from_sizes([3, 4, 2], ["tanh", "identity"])
    net.params[...] = rng.normal(size=net.n_params)
    keep = prune_mask(np.abs(net.params), 0.5, prunable_mask(net))
    mask = PruningMask(keep)
    W1 = net.layers[0].W
    mask.apply(net.params, net.grads)
    assert mask.n_pruned == 10
    assert np.all(net.params[~keep] == 0) and np.all(np.signbit(net.params[~keep]) == 0)  # +0.0
    assert np.count_nonzero(W1 == 0) + np.count_nonzero(net.layers[1].W == 0) == 10
    assert np.shares_memory(W1, net.params)
    with pytest.raises(ValueError, match="params must have shape"):
        mask.apply(np.zeros(3))
    with pytest.raises(TypeError, match="keep must be a boolean array"):
        PruningMask(np.ones(5))


# --- retraining keeps pruned weights at zero ---------------------------------------------------

def _pruned_then_retrained(optimizer_for, epochs=400):
    net, X, y = trained_regression_net()
    S = saliency(net.params, obd_hessian_diagonal(net, X, y, mean_squared_error))
    mask = PruningMask(prune_mask(S, 0.5, prunable_mask(net)))
    mask.apply(net.params)
    fit(net, X, y, mean_squared_error, optimizer=optimizer_for(mask), epochs=epochs)
    return net, mask


def test_retraining_with_the_mask_keeps_pruned_weights_exactly_zero_after_many_adam_steps():
    net, mask = _pruned_then_retrained(lambda mask: mask.wrap(Adam(0.02)))
    assert mask.n_pruned == 12
    assert np.all(net.params[~mask.keep] == 0.0)
    assert np.all(net.params[mask.keep & prunable_mask(net)] != 0.0)  # the others did train


def test_mutant_retraining_without_the_mask_lets_pruned_weights_grow_back():
    net, mask = _pruned_then_retrained(lambda mask: Adam(0.02))
    regrown = net.params[~mask.keep]
    assert np.count_nonzero(regrown) == mask.n_pruned
    assert np.max(np.abs(regrown)) > 1e-2


def test_mutant_masking_only_the_gradient_is_not_enough_with_momentum_from_before():
    # The optimizer keeps its velocity from before the pruning: zero gradients do not stop it.
    net, X, y = trained_regression_net(epochs=0)
    opt = Momentum(0.05, gamma=0.9)
    fit(net, X, y, mean_squared_error, optimizer=opt, epochs=20)
    mask = PruningMask(prune_mask(np.abs(net.params), 0.5, prunable_mask(net)))
    mask.apply(net.params)

    class GradientOnly:
        def step(self, params, grads):
            mask.apply(np.empty_like(params), grads)
            opt.step(params, grads)

    fit(net, X, y, mean_squared_error, optimizer=GradientOnly(), epochs=5)
    assert np.any(net.params[~mask.keep] != 0.0)
    mask.apply(net.params)
    fit(net, X, y, mean_squared_error, optimizer=MaskedOptimizer(opt, mask), epochs=5)
    assert np.all(net.params[~mask.keep] == 0.0)


def test_masked_optimizer_delegates_t_state_and_reset(rng):
    mask = PruningMask(np.array([True, False, True]))
    opt = mask.wrap(Adam(0.1))
    params, grads = rng.normal(size=3), rng.normal(size=3)
    opt.step(params, grads)
    assert opt.t == 1 and set(opt.state) >= {"m", "v"}
    assert params[1] == 0.0 and grads[1] == 0.0
    assert opt.state["m"][1] == 0.0  # Adam learned nothing about the removed weight
    opt.reset()
    assert opt.t == 0
    with pytest.raises(TypeError, match="optimizer must have a step"):
        MaskedOptimizer(object(), mask)


# --- feature selection -------------------------------------------------------------------------

def test_obd_feature_selection_ranks_the_irrelevant_inputs_lowest():
    # y depends on x0 and x1 only; x2, x3, x4 are noise inputs.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - 0.5 + 0.05 * rng.normal(size=200))[:, None]
    net = Network.from_sizes([5, 8, 1], ["tanh", "identity"], seed=0)
    fit(net, X, y, mean_squared_error, optimizer=Adam(0.02), epochs=1000)
    S = saliency(net.params, obd_hessian_diagonal(net, X, y, mean_squared_error))
    fs = feature_saliency(net, S)
    assert fs.shape == (5,)
    assert set(np.argsort(fs)[:3]) == {2, 3, 4}
    assert fs[[2, 3, 4]].max() < 0.1 * fs[[0, 1]].min()


def test_feature_saliency_sums_the_outgoing_first_layer_weights():
    net = Network.from_sizes([3, 2, 1], ["tanh", "identity"])
    s = np.arange(net.n_params, dtype=float)  # first-layer W entries are 0..5 in row-major order
    np.testing.assert_array_equal(feature_saliency(net, s), [0 + 1, 2 + 3, 4 + 5])
    with pytest.raises(ValueError, match="saliency must have 11 entries"):
        feature_saliency(net, s[:-1])


# --- OBD against magnitude pruning -------------------------------------------------------------

def test_magnitude_and_obd_prune_different_weights_and_obd_does_less_damage():
    # A small weight on an input of large scale matters more than a large weight on a tiny input.
    X = np.array([[10.0, 0.1], [-10.0, 0.1], [5.0, -0.2], [-5.0, 0.2], [8.0, -0.1], [-8.0, -0.1]])
    net = Network.from_weights([np.array([[0.1], [1.0]])], None, ["identity"])
    y = net.forward(X).copy()  # the weights are at the minimum (zero loss)
    weights = prunable_mask(net)
    S = saliency(net.params, obd_hessian_diagonal(net, X, y, mean_squared_error))
    obd_keep = prune_mask(S, 0.5, weights)
    mag_keep = magnitude_prune_mask(net.params, 0.5, weights)
    np.testing.assert_array_equal(obd_keep, [True, False, True])   # removes w1 = 1.0
    np.testing.assert_array_equal(mag_keep, [False, True, True])   # removes w0 = 0.1

    def loss_with(keep):
        params = net.params.copy()
        PruningMask(keep).apply(net.params)
        loss = mean_squared_error(net.forward(X), y)[0]
        net.params[...] = params
        return loss

    assert loss_with(obd_keep) < 0.05 * loss_with(mag_keep)


# --- the loop of the lecture -------------------------------------------------------------------

@pytest.mark.parametrize("method", ["obd", "obd_full", "exact", "magnitude"])
def test_prune_and_retrain_loop(method):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 3))
    y = (np.tanh(X[:, 0] - 0.5 * X[:, 1]) + 0.3 * X[:, 2])[:, None]
    net = Network.from_sizes([3, 8, 1], ["tanh", "identity"], seed=3)
    biases = net.params[~prunable_mask(net)]
    history = obd_prune_and_retrain(net, X, y, mean_squared_error, fraction=0.25, rounds=3,
                                    train_epochs=300, retrain_epochs=150, method=method,
                                    make_optimizer=lambda: Adam(0.02))
    n_weights = 3 * 8 + 8
    # 25 % of the weights left in each round: 8, then 6, then 5 (round(4.5) half up)
    assert [r.n_pruned for r in history.rounds] == [8, 14, 19]
    assert history.rounds[-1].fraction_pruned == pytest.approx(19 / n_weights)
    assert history.mask.n_pruned == 19 and not history.stopped_early
    assert np.all(net.params[~history.mask.keep] == 0.0)
    assert history.mask.keep[~prunable_mask(net)].all()
    assert not np.array_equal(net.params[~prunable_mask(net)], biases)  # biases did train
    for r in history.rounds:  # retraining repairs part of the damage
        assert r.loss_retrained <= r.loss_pruned
    assert len(history.train_loss) == 300 + 3 * 150


def test_prune_and_retrain_restores_the_last_round_when_the_loss_gets_too_bad():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 3))
    y = (np.tanh(X[:, 0] - 0.5 * X[:, 1]) + 0.3 * X[:, 2])[:, None]
    net = Network.from_sizes([3, 8, 1], ["tanh", "identity"], seed=3)
    fit(net, X, y, mean_squared_error, optimizer=Adam(0.02), epochs=300)
    before = net.params.copy()
    history = obd_prune_and_retrain(net, X, y, mean_squared_error, fraction=0.9, rounds=2,
                                    retrain_epochs=5, make_optimizer=lambda: GradientDescent(1e-3),
                                    max_loss_increase=1e-4)
    assert history.stopped_early and len(history.rounds) == 1 and history.rounds[0].restored
    assert history.mask.n_pruned == 0
    np.testing.assert_array_equal(net.params, before)


def test_prune_and_retrain_with_softmax_cross_entropy():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(90, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = Network.from_sizes([2, 6, 2], ["tanh", "identity"], seed=5)
    history = obd_prune_and_retrain(net, X, y, softmax_cross_entropy, fraction=0.5, rounds=1,
                                    train_epochs=200, retrain_epochs=100,
                                    make_optimizer=lambda: Adam(0.05))
    assert history.mask.n_pruned == 12
    assert history.rounds[0].loss_retrained < 0.3


def test_prune_and_retrain_argument_errors():
    net = Network.from_sizes([2, 3, 1], ["tanh", "identity"])
    X, y = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match="method must be one of"):
        obd_prune_and_retrain(net, X, y, mean_squared_error, method="random")
    with pytest.raises(ValueError, match="loss must be one of"):
        obd_prune_and_retrain(net, X, y, lambda o, t: mean_squared_error(o, t))
    with pytest.raises(ValueError, match="give both X_val and y_val"):
        obd_prune_and_retrain(net, X, y, mean_squared_error, X_val=X)
    with pytest.raises(ValueError, match="rounds must be a positive integer"):
        obd_prune_and_retrain(net, X, y, mean_squared_error, rounds=0)
