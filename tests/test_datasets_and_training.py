"""Generated datasets and the minimal training loop."""
import numpy as np
import pytest

from reference_impl import Network, softmax_cross_entropy
from reference_impl.datasets import DATASETS, make_dataset, xor_truth_table
from reference_impl.training import GradientDescent, accuracy, fit


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_datasets_are_deterministic_and_balanced(name):
    X, y = make_dataset(name, n=100, seed=3)
    X2, y2 = make_dataset(name, n=100, seed=3)
    assert X.shape == (100, 2) and y.shape == (100,)
    np.testing.assert_array_equal(X, X2)
    assert set(np.unique(y)) == {0, 1}
    assert 30 <= y.sum() <= 70


def test_xor_truth_table():
    X, y = xor_truth_table()
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))


def test_training_solves_xor_blobs_and_loss_falls():
    X, y = make_dataset("xor", n=200, seed=0)
    net = Network.from_sizes([2, 8, 2], ["tanh", "identity"], seed=0)
    history = fit(net, X, y, softmax_cross_entropy, optimizer=GradientDescent(0.5), epochs=300)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert accuracy(net.forward(X), y) > 0.95


def test_minibatches_use_every_row_once_per_epoch():
    seen = []

    class Recorder:
        n_params = 1
        params = np.zeros(1)

        def loss_and_gradient(self, X, y, loss_fn):
            seen.extend(X[:, 0].tolist())
            return 0.0, np.zeros(1)

    X = np.arange(10, dtype=float).reshape(-1, 1)
    fit(Recorder(), X, np.zeros(10), None, epochs=3, batch_size=4)
    for epoch in range(3):
        assert sorted(seen[10 * epoch:10 * (epoch + 1)]) == list(range(10))
    assert seen[:10] != seen[10:20]  # reshuffled


def test_gradient_descent_rejects_bad_learning_rate():
    with pytest.raises(ValueError, match="lr must be a positive number"):
        GradientDescent(-1.0)
