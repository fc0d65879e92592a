"""Element-wise work on long flat arrays, split into chunks that threads update at once.

An optimizer's update is element-wise: coordinate ``i`` of the new parameters depends only on
coordinate ``i`` of the gradient and of the optimizer's state. So the flat arrays can be cut
into contiguous chunks and the chunks updated independently, in any order, with the same
result to the last bit as one pass over the whole arrays. NumPy releases the GIL inside its
ufuncs, so two threads really do update two chunks at the same time.

Whether that pays depends on what the other cores are doing. On its own, Adam's update of the
235k parameters of a 784-256-128-10 network went from about 0.41 to 0.34 ms in float32 on this
course's 2-core machines. Inside a training step it went the other way: 0.41 ms on one thread
against 0.58 ms on two (medians of interleaved rounds; 0.89 against 1.02 ms in a slower period
of the machine), and whole epochs were no faster. After each matrix product OpenBLAS keeps its
worker thread spinning on the other core, waiting for the next product, and the update's second
thread has to share that core with it. So optimizers update on the calling thread by default
(``Optimizer.threads = 1``); ``benchmarks/training_speed.py`` measures both (``ref-threaded``).

Arrays shorter than ``MIN_CHUNK`` elements per thread stay on the calling thread: handing work
to another thread costs some tens of microseconds, more than a short update takes.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import numpy as np

__all__ = ["MIN_CHUNK", "available_cores", "chunk_slices", "for_each_chunk"]

MIN_CHUNK = 32_768  # elements per thread below which one thread is faster

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def available_cores() -> int:
    """The cores this process may use: its CPU affinity (not the whole machine), capped by an
    explicit ``OMP_NUM_THREADS`` or ``OPENBLAS_NUM_THREADS``, the limits a grader or a cluster
    sets so that parallel processes do not oversubscribe the cores (the BLAS obeys them too)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            cores = min(cores, int(value))
    return max(1, cores)


def chunk_slices(n: int, threads: int) -> list[slice]:
    """Up to ``threads`` contiguous slices covering ``range(n)``, each of >= MIN_CHUNK elements
    (one slice when ``n`` is small); the boundaries are multiples of 16 elements so that every
    chunk starts on a 64-byte line for float32 and float64 alike."""
    parts = max(1, min(threads, n // MIN_CHUNK))
    bounds = [0] + [(n * k // parts) // 16 * 16 for k in range(1, parts)] + [n]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def _pool(workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="chunked")
        return pool


def for_each_chunk(fn: Callable[..., None], arrays: Sequence[np.ndarray],
                   threads: int | None = None) -> None:
    """Call ``fn(*views)`` once per chunk, where ``views`` are the same slice of every array.

    arrays: 1-D arrays of one length, updated in place by ``fn``; ``fn`` must be element-wise
    (coordinate ``i`` of its output may depend only on coordinate ``i`` of its inputs).
    threads: at most this many chunks at once; ``None`` means every available core.
    The calling thread takes the first chunk, pool threads the others; an exception in any
    chunk is raised here after all chunks have finished.
    """
    n = len(arrays[0])
    slices = chunk_slices(n, available_cores() if threads is None else threads)
    if len(slices) == 1:
        fn(*arrays)
        return
    pool = _pool(len(slices) - 1)
    futures = [pool.submit(fn, *(a[sl] for a in arrays)) for sl in slices[1:]]
    try:
        fn(*(a[slices[0]] for a in arrays))
    finally:
        errors = [f.exception() for f in futures]  # waits for every chunk
    for error in errors:
        if error is not None:
            raise error
