"""Plot helpers shared by the lectures and demos."""
from __future__ import annotations

import numpy as np

__all__ = ["plot_decision_regions"]


def plot_decision_regions(predict, X, y, ax=None, *, resolution: int = 200, margin: float = 0.3,
                          title: str | None = None):
    """Colour the plane by ``predict(points) -> labels`` and scatter the data on top.

    ``predict`` maps an (m, 2) array to m integer labels. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) for a 2-D plot, got {X.shape}")
    ax = ax or plt.gca()
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    labels = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    ax.contourf(gx, gy, labels, alpha=0.3, cmap="coolwarm", levels=np.arange(labels.max() + 2) - 0.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title)
    return ax
