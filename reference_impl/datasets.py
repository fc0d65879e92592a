"""Small 2-D classification problems, generated from a seed (no downloads).

Each returns ``X`` of shape ``(n, 2)`` (float64) and integer labels ``y`` of shape ``(n,)``.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_positive_int

__all__ = ["xor_truth_table", "xor_blobs", "spirals", "circles", "moons", "DATASETS", "make_dataset"]


def xor_truth_table():
    """The four points of the XOR truth table and their labels (0, 1, 1, 0)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def xor_blobs(n: int = 200, noise: float = 0.15, seed: int = 0):
    """Noisy clouds around the four XOR corners, centred at (+-1, +-1); label = XOR of signs."""
    n = check_positive_int(n, "n")
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n, 2))
    X = (2.0 * corners - 1.0) + noise * rng.standard_normal((n, 2))
    return X, (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def spirals(n: int = 200, turns: float = 1.5, noise: float = 0.05, seed: int = 0):
    """Two interleaved spirals (the classic hard case for a single hidden layer)."""
    n = check_positive_int(n, "n")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.sqrt(rng.uniform(0.05, 1.0, size=n)) * turns * 2 * np.pi
    r = t / (turns * 2 * np.pi)
    angle = t + np.pi * y
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X + noise * rng.standard_normal((n, 2)), y.astype(np.int64)


def circles(n: int = 200, factor: float = 0.5, noise: float = 0.05, seed: int = 0):
    """An inner circle (label 1) of radius ``factor`` inside a unit circle (label 0)."""
    n = check_positive_int(n, "n")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, size=n)
    radius = np.where(y == 1, factor, 1.0)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + noise * rng.standard_normal((n, 2)), y.astype(np.int64)


def moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles."""
    n = check_positive_int(n, "n")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    angle = rng.uniform(0, np.pi, size=n)
    X = np.where(y[:, None] == 0,
                 np.column_stack([np.cos(angle), np.sin(angle)]),
                 np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)]))
    return X + noise * rng.standard_normal((n, 2)), y.astype(np.int64)


DATASETS = {"xor": xor_blobs, "spirals": spirals, "circles": circles, "moons": moons}


def make_dataset(name: str, n: int = 200, seed: int = 0, **kwargs):
    """``make_dataset("spirals", n=300)``: one of :data:`DATASETS` by name."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[name](n=n, seed=seed, **kwargs)
