"""Element-wise updates split across threads (reference_impl.chunked): the chunks cover the
arrays exactly, the threads really run, errors come back, and every optimizer gives the same
parameters to the last bit whether it updates on one thread or on several."""
import threading

import numpy as np
import pytest

from reference_impl import optimizers as O
from reference_impl.chunked import MIN_CHUNK, available_cores, chunk_slices, for_each_chunk
from reference_impl.weight_decay import SGDW, AdamW


@pytest.mark.parametrize("n, threads", [(0, 4), (10, 4), (MIN_CHUNK * 2 - 1, 2), (MIN_CHUNK * 2, 2),
                                        (1_000_003, 3), (1_000_003, 64)])
def test_chunks_cover_the_range_once_in_aligned_pieces(n, threads):
    slices = chunk_slices(n, threads)
    covered = np.concatenate([np.arange(n)[sl] for sl in slices])
    np.testing.assert_array_equal(covered, np.arange(n))
    assert len(slices) <= max(1, min(threads, n // MIN_CHUNK))
    if len(slices) > 1:
        assert all(sl.stop - sl.start >= MIN_CHUNK for sl in slices)
        assert all(sl.start % 16 == 0 for sl in slices)  # 64-byte lines in float32 and float64


def test_small_arrays_stay_on_the_calling_thread():
    seen = []
    for_each_chunk(lambda a: seen.append(threading.get_ident()), [np.zeros(1000)], threads=8)
    assert seen == [threading.get_ident()]


def test_long_arrays_are_updated_by_several_threads_in_place():
    n = 4 * MIN_CHUNK + 5
    a, b = np.arange(n, dtype=np.float64), np.ones(n)
    all_four_at_once = threading.Barrier(4, timeout=10)  # breaks unless 4 chunks run together
    seen = set()

    def double_and_add(a, b):
        all_four_at_once.wait()
        seen.add(threading.get_ident())
        a *= 2.0
        a += b
    for_each_chunk(double_and_add, [a, b], threads=4)
    np.testing.assert_array_equal(a, 2.0 * np.arange(n) + 1.0)
    assert len(seen) == 4 and threading.get_ident() in seen


def test_an_error_in_a_pool_chunk_is_raised_to_the_caller():
    n = 2 * MIN_CHUNK

    def fail_on_second_half(a):
        if a[0] >= MIN_CHUNK:
            raise ValueError("chunk failed")
    with pytest.raises(ValueError, match="chunk failed"):
        for_each_chunk(fail_on_second_half, [np.arange(n, dtype=float)], threads=2)


def _optimizer(name, n):
    mask = np.arange(n) % 7 != 0  # some entries not decayed, as biases
    return {"GradientDescent": lambda: O.GradientDescent(0.01),
            "Momentum": lambda: O.Momentum(0.01), "Nesterov": lambda: O.Nesterov(0.01),
            "RMSProp": lambda: O.RMSProp(0.01), "AdaDelta": lambda: O.AdaDelta(),
            "AdaDeltaSlides": lambda: O.AdaDeltaSlides(), "Adam": lambda: O.Adam(0.01),
            "Nadam": lambda: O.Nadam(), "NadamSlides": lambda: O.NadamSlides(),
            "SGDW": lambda: SGDW(0.01, 0.1, mask=mask),
            "AdamW": lambda: AdamW(0.01, 0.1, mask=mask)}[name]()


@pytest.mark.parametrize("name", ["GradientDescent", "Momentum", "Nesterov", "RMSProp", "AdaDelta",
                                  "AdaDeltaSlides", "Adam", "Nadam", "NadamSlides", "SGDW", "AdamW"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_optimizer_gives_the_same_bits_on_one_thread_and_on_three(name, dtype):
    rng = np.random.default_rng(7)
    n = 3 * MIN_CHUNK + 123
    assert len(chunk_slices(n, 3)) == 3  # the threaded path is really taken
    w0 = rng.normal(size=n).astype(dtype)
    grads = [(rng.normal(size=n) * 10.0 ** rng.uniform(-3, 1, size=n)).astype(dtype) for _ in range(6)]
    results = []
    for threads in (1, 3):
        opt, w = _optimizer(name, n), w0.copy()
        opt.threads = threads
        for g in grads:
            opt.step(w, g)
        results.append((w, opt.state))
    (w1, state1), (w3, state3) = results
    np.testing.assert_array_equal(w1, w3)
    for key in state1:
        if not key.startswith("scratch"):
            np.testing.assert_array_equal(state1[key], state3[key], err_msg=key)
    assert not np.array_equal(w1, w0)


def test_an_explicit_thread_limit_in_the_environment_caps_the_threads(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")   # what the grader sets in every kernel
    assert available_cores() == 1
    seen = []
    for_each_chunk(lambda a: seen.append(threading.get_ident()), [np.zeros(8 * MIN_CHUNK)])
    assert seen == [threading.get_ident()]
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")  # ignored, not an error
    assert available_cores() >= 1


def test_optimizers_update_on_the_calling_thread_unless_asked_for_more():
    # Inside a training loop a second update thread competes with OpenBLAS's spinning worker
    # (reference_impl.chunked): the default is one thread; opt.threads = None means every core.
    class Recording(O.GradientDescent):
        def _update(self, params, grads, state):
            seen.append(threading.get_ident())
            super()._update(params, grads, state)

    n = 4 * MIN_CHUNK
    w, g = np.zeros(n), np.ones(n)
    seen = []
    Recording(0.1).step(w, g)
    assert seen == [threading.get_ident()]
    np.testing.assert_array_equal(w, -0.1)
    opt, seen = Recording(0.1), []
    opt.threads = 4
    opt.step(w, g)
    assert len(seen) == 4 and threading.get_ident() in seen  # four chunks, one of them here
    np.testing.assert_array_equal(w, -0.2)
