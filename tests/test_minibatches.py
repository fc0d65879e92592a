"""Mini-batch indices (each sample once per epoch, reshuffled) and the running loss estimate."""
import numpy as np
import pytest

from reference_impl.minibatches import RunningLoss, iterate_minibatches, minibatch_indices


def test_every_sample_exactly_once_per_epoch_with_a_short_last_batch():
    rng = np.random.default_rng(0)
    batches = minibatch_indices(10, 4, rng)
    assert [len(b) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))
    assert all(b.dtype.kind == "i" for b in batches)


@pytest.mark.parametrize("n, batch_size", [(1, 1), (7, 1), (12, 4), (13, 4), (5, 5), (5, 100)])
def test_batch_sizes_and_coverage(n, batch_size):
    batches = minibatch_indices(n, batch_size, np.random.default_rng(1))
    sizes = [len(b) for b in batches]
    assert len(batches) == -(-n // batch_size)
    assert all(s == batch_size for s in sizes[:-1]) and 1 <= sizes[-1] <= batch_size
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))


def test_a_different_order_each_epoch_and_reproducible_with_the_same_seed():
    rng = np.random.default_rng(5)
    first, second = np.concatenate(minibatch_indices(50, 8, rng)), np.concatenate(minibatch_indices(50, 8, rng))
    assert not np.array_equal(first, second)
    again = np.random.default_rng(5)
    np.testing.assert_array_equal(np.concatenate(minibatch_indices(50, 8, again)), first)
    np.testing.assert_array_equal(np.concatenate(minibatch_indices(50, 8, again)), second)
    # the permutation is rng.permutation(n), cut in order
    np.testing.assert_array_equal(first, np.random.default_rng(5).permutation(50))


def test_iterate_minibatches_keeps_rows_and_labels_together():
    X = np.arange(22, dtype=float).reshape(11, 2)
    y = np.arange(11) * 10
    batches = list(iterate_minibatches(X, y, 3, np.random.default_rng(2), epochs=3))
    assert len(batches) == 3 * 4
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0] / 2 * 10, yb)
    per_epoch = [np.sort(np.concatenate([yb for _, yb in batches[4 * e:4 * e + 4]])) for e in range(3)]
    for seen in per_epoch:
        np.testing.assert_array_equal(seen, y)
    orders = [np.concatenate([yb for _, yb in batches[4 * e:4 * e + 4]]) for e in range(3)]
    assert not np.array_equal(orders[0], orders[1])


def test_minibatch_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        minibatch_indices(10, 0, rng)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        minibatch_indices(0, 2, rng)
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        minibatch_indices(10, 2, 0)
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        iterate_minibatches(np.zeros((3, 2)), np.zeros(2), 2, rng)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        iterate_minibatches(np.zeros((3, 2)), np.zeros(3), 2, rng, epochs=0)


def test_running_loss_formula():
    losses = [4.0, 2.0, 3.0, 10.0, 0.5]
    for lam in (0.1, 0.5, 1.0):
        run = RunningLoss(lam)
        assert run.value is None
        q = None
        for L in losses:
            q = L if q is None else (1 - lam) * q + lam * L
            assert run.update(L) == pytest.approx(q, rel=1e-15)
            assert run.value == pytest.approx(q, rel=1e-15)
        assert run.value == pytest.approx(q, rel=1e-15)
    assert RunningLoss(1.0).update(7.0) == 7.0
    run = RunningLoss(0.2)
    run.update(1.0)
    run.reset()
    assert run.value is None


@pytest.mark.parametrize("lam", [0.0, -0.5, 1.5, float("nan")])
def test_running_loss_rejects_bad_lambda(lam):
    with pytest.raises(ValueError, match="lam"):
        RunningLoss(lam)
