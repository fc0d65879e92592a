"""Per-layer statistics of a deep network, and seed 000's one-neuron chain (module 6).

Vanishing and exploding gradients (затухающие и взрывающиеся градиенты) are seen layer by layer:
:func:`layer_statistics` runs one forward and one backward pass of a
:class:`~reference_impl.network.Network` on a batch and reports, for every layer, the mean and
standard deviation of its output, the fraction of dead units and the norm of its parameter
gradient. The lecture's plots and the tests use this one function.

A unit is **dead** on a batch when the derivative of its activation is 0 on every row, so that
no gradient reaches its weights (seed 000: "если производная нейрона равняется нулю при всех
возможных значениях признаков в выборке"). For ReLU, whose derivative at 0 is taken as 0, that
means its pre-activation is never positive on the batch.

:func:`one_neuron_chain` is seed 000's illustration: one feature ``x`` and a chain of single
neurons ``s_1 = w11 x + w01``, ``s_j = w1j h_{j-1} + w0j``, ``h_j = h(s_j)``, ``o = g(s_L)``, whose
derivative is the product ::

    dl/dw11 = dl/do  do/ds5  w15  dh4/ds4  w14  dh3/ds3  w13  dh2/ds2  w12  dh1/ds1  x

for ``L = 5``. With the sigmoid, every ``dh_j/ds_j`` lies in ``(0, 0.25]`` (0.25 at ``s = 0``; seed
000 prints the open interval ``(0, 0.25)``, an erratum), so the four of them shrink the
derivative by at least ``0.25^4 = 1/256`` unless the weights are large.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._validation import as_finite_real, as_float_array
from .activations import get_activation
from .gradient_clipping import global_norm
from .layers import Dense

__all__ = ["LayerStatistics", "layer_statistics", "format_layer_statistics", "dead_fraction",
           "NeuronChain", "one_neuron_chain", "SIGMOID_DERIVATIVE_MAX"]

SIGMOID_DERIVATIVE_MAX = 0.25
"""max sigma'(t) = sigma'(0) = 1/4; sigma'(t) lies in (0, 0.25]."""


@dataclass(frozen=True)
class LayerStatistics:
    """Statistics of layer ``layer`` (1-based, as ``ForwardPass.activations[layer]``) on one batch.

    ``mean``, ``std``: over all entries of the layer's output ``H_layer`` (n, fan_out).
    ``dead_fraction``: share of the layer's units whose activation derivative is 0 on every row
    (None for layers without an activation). ``grad_norm``: Euclidean norm of the gradient of
    all the layer's parameters (``W`` and ``b``; ``gamma`` and ``beta``), None if it has none.
    """
    layer: int
    kind: str
    activation: str | None
    mean: float
    std: float
    dead_fraction: float | None
    grad_norm: float | None


def dead_fraction(pre_activation, activation) -> float:
    """Share of columns of ``pre_activation`` (n, units) where ``activation``'s derivative is 0
    on every row: for ReLU, units never positive on the batch."""
    Z = as_float_array(pre_activation, "pre_activation", ndim=2)
    f = get_activation(activation)
    dead = np.all(f.derivative(Z) == 0.0, axis=0)
    return float(np.mean(dead))


def _pre_activation(layer):
    if isinstance(layer, Dense):
        return None if layer.cache is None else layer.cache[1]
    return getattr(layer, "pre_activation", None)


def layer_statistics(network, X, y=None, loss_fn=None, *, d_output=None,
                     training: bool = True) -> list[LayerStatistics]:
    """One forward and one backward pass on ``X`` (n, d_in); statistics for every layer.

    The backward pass starts from ``loss_fn(output, y) -> (loss, dloss/doutput)`` if ``loss_fn``
    is given, else from ``d_output`` (n, d_out), else from ``ones / n`` (the gradient of the
    mean over the rows of the summed outputs). ``training=True`` runs the layers as a training
    step does (batch normalization uses the batch statistics); the running statistics of
    batch-norm layers are restored afterwards. ``network.grads`` and ``network.last_pass``
    hold the results of this pass. Returns one :class:`LayerStatistics` per layer, input first.
    """
    layers = getattr(network, "layers", None)
    if layers is None or not hasattr(network, "layout"):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")
    if (loss_fn is None) != (y is None):
        raise ValueError("give both y and loss_fn, or neither")
    if loss_fn is not None and d_output is not None:
        raise ValueError("give either loss_fn (with y) or d_output, not both")
    X = as_float_array(X, "X", ndim=2)
    saved = [(layer, layer.running_mean.copy(), layer.running_var.copy())
             for layer in layers if hasattr(layer, "running_mean") and hasattr(layer, "running_var")]
    try:
        trace = network.forward_all(X, training=training)
        pre = [_pre_activation(layer) for layer in layers]
        out = trace.output
        if loss_fn is not None:
            _, d = loss_fn(out, y)
        elif d_output is not None:
            d = d_output
        else:
            d = np.ones_like(out) / out.shape[0]
        network.backward(d)
    finally:
        for layer, mean, var in saved:
            layer.running_mean[...] = mean
            layer.running_var[...] = var

    stats = []
    for k, layer in enumerate(layers):
        H = trace.activations[k + 1]
        act = getattr(layer, "activation", None)
        dead = None
        if act is not None and pre[k] is not None:
            dead = dead_fraction(pre[k], act)
        slices = [sl for (owner, _), sl in network.layout.slices.items() if owner == k]
        grad = None
        if slices:
            grad = global_norm(np.concatenate([network.grads[sl] for sl in slices]))
        stats.append(LayerStatistics(
            layer=k + 1, kind=type(layer).__name__,
            activation=None if act is None else act.name,
            mean=float(np.mean(H)), std=float(np.std(H)), dead_fraction=dead, grad_norm=grad))
    return stats


def format_layer_statistics(stats: Sequence[LayerStatistics]) -> str:
    """A plain-text table of :func:`layer_statistics`' result, one line per layer."""
    lines = [f"{'layer':>5}  {'kind':<9}  {'activation':<10}  {'mean':>10}  {'std':>10}  "
             f"{'dead':>6}  {'grad norm':>10}"]
    for s in stats:
        dead = "-" if s.dead_fraction is None else f"{s.dead_fraction:6.2f}"
        grad = "-" if s.grad_norm is None else f"{s.grad_norm:10.3e}"
        lines.append(f"{s.layer:>5}  {s.kind:<9}  {s.activation or '-':<10}  {s.mean:>10.4f}  "
                     f"{s.std:>10.4f}  {dead:>6}  {grad:>10}")
    return "\n".join(lines)


# --- seed 000's one-neuron chain -----------------------------------------------------------------
@dataclass(frozen=True)
class NeuronChain:
    """Seed 000's chain of single neurons, forward values and the derivative product.

    ``s`` (L,): the pre-activations ``s_1..s_L``; ``h`` (L-1,): the hidden outputs ``h_1..h_{L-1}``;
    ``o``: the output ``g(s_L)``. ``factors``: the factors of ``dl/dw11`` in seed 000's order,
    as ``(label, value)`` pairs (``("dl/do", ...), ("do/ds5", ...), ("w15", ...), ("dh4/ds4", ...),
    ..., ("dh1/ds1", ...), ("x", ...)`` for L = 5). ``derivative``: their product, ``dl/dw11``.
    ``pairs`` (L-1,): the products ``w1(j+1) dh_j/ds_j`` for j = 1..L-1, the seed's
    "(dh_j/ds_j) w1j" whose size below or above 1 decides between vanishing and exploding.
    """
    s: np.ndarray
    h: np.ndarray
    o: float
    factors: tuple[tuple[str, float], ...]
    derivative: float
    pairs: np.ndarray


def one_neuron_chain(x, weights, biases=None, activation="sigmoid", output_activation="sigmoid",
                     dl_do: float = 1.0) -> NeuronChain:
    """Seed 000's one-feature chain ``s_1 = w11 x + w01``, ``s_j = w1j h_{j-1} + w0j``.

    x: a number; weights: ``(w11, ..., w1L)``; biases: ``(w01, ..., w0L)`` (None: zeros);
    ``activation`` is ``h`` of the hidden neurons, ``output_activation`` is ``g``; ``dl_do`` is
    ``dl/do`` of whatever loss follows (1 by default, i.e. the derivative of ``o`` itself).
    Returns a :class:`NeuronChain` with ``derivative = dl/dw11``.
    """
    x = as_finite_real(x, "x")
    w = as_float_array(weights, "weights", ndim=1)
    if w.size < 1:
        raise ValueError("weights needs at least one entry (w11)")
    b = np.zeros_like(w) if biases is None else as_float_array(biases, "biases", ndim=1)
    if b.shape != w.shape:
        raise ValueError(f"biases must have the shape of weights {w.shape}, got {b.shape}")
    dl_do = as_finite_real(dl_do, "dl_do")
    h_f, g_f = get_activation(activation), get_activation(output_activation)
    L = w.size
    s = np.empty(L)
    h = np.empty(L - 1)
    prev = x
    for j in range(L):
        s[j] = w[j] * prev + b[j]
        if j < L - 1:
            h[j] = float(h_f(s[j:j + 1])[0])
            prev = h[j]
    o = float(g_f(s[-1:])[0])
    dh = h_f.derivative(s[:-1])                       # dh_j/ds_j, j = 1..L-1
    factors = [("dl/do", dl_do), (f"do/ds{L}", float(g_f.derivative(s[-1:])[0]))]
    for j in range(L - 1, 0, -1):                     # seed's order: w1L, dh_{L-1}/ds_{L-1}, ...
        factors += [(f"w1{j + 1}", float(w[j])), (f"dh{j}/ds{j}", float(dh[j - 1]))]
    factors.append(("x", x))
    derivative = float(np.prod([v for _, v in factors]))
    return NeuronChain(s=s, h=h, o=o, factors=tuple(factors), derivative=derivative,
                       pairs=w[1:] * dh)
