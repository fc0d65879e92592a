"""Memory allocated by code under test, measured with ``tracemalloc`` (tests only)."""
from __future__ import annotations

import contextlib
import tracemalloc
from dataclasses import dataclass


@dataclass
class Allocated:
    peak: int = 0  # the most bytes held at any moment inside the block, beyond those held before it
    kept: int = 0  # bytes still held when the block ends


@contextlib.contextmanager
def allocations():
    """``with allocations() as got: ...`` measures the block; read ``got.peak`` and ``got.kept``
    after it. Allocations made before the block (workspaces, optimizer state) do not count."""
    got = Allocated()
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        yield got
        after, peak = tracemalloc.get_traced_memory()
        got.peak, got.kept = peak - before, after - before
    finally:
        if started_here:
            tracemalloc.stop()
