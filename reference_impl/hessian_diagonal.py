r"""The diagonal of the Hessian of the loss in the weights (module 7, Optimal Brain Damage).

Notation. Layer ``l`` (1-based, ``L`` layers) computes ``Z_l = H_{l-1} @ W_l + b_l`` and
``H_l = f_l(Z_l)``, with ``H_0 = X`` of shape ``(n, d)``; ``Q = loss(H_L, y)`` is the batch mean
that :mod:`reference_impl.losses` returns, so every result here is a second derivative of the
same ``Q`` as ``Network.loss_and_gradient`` differentiates. Every function returns one flat array
of length ``network.n_params`` in the network's ``vec`` order (all weights, then all biases),
so ``hdiag[i]`` belongs to ``network.params[i]``.

Why the diagonal is cheap for the weights. ``w = W_l[j, a]`` enters only ``Z_l[:, a]``, with
coefficient ``H_{l-1}[:, j]``, and observations do not interact, so exactly

    d2Q/dw^2 = sum_i H_{l-1}[i, j]^2 * d2Q/dZ_l[i, a]^2,       d2Q/db_l[a]^2 = sum_i d2Q/dZ_l[i, a]^2.

Everything hinges on the curvature ``d2Q/dZ^2`` in the pre-activations; for one observation the
exact chain rule gives, with ``g_l = dQ/dH_l`` the ordinary back-propagated gradient,

    d2Q/dZ_l[a] dZ_l[b] = f_l'(Z_a) f_l'(Z_b) sum_{c,e} W_{l+1}[a, c] W_{l+1}[b, e] d2Q/dZ_{l+1}[c] dZ_{l+1}[e]
                          + [a = b] f_l''(Z_a) g_l[a].                                         (*)

Three functions compute the diagonal from this:

:func:`obd_hessian_diagonal` — LeCun, Denker & Solla, "Optimal Brain Damage" (NIPS 1989, 1990):
    one second backward pass that carries only the DIAGONAL ``h_l = d2Q/dZ_l^2`` (shape ``(n,
    units)``, like the gradient):

        output:  h_L = f_L'(Z_L)^2 * d2Q/dH_L^2                 [+ f_L''(Z_L) * g_L]
        hidden:  h_l = f_l'(Z_l)^2 * (h_{l+1} @ (W_{l+1}^2).T)  [+ f_l''(Z_l) * g_l]

    ``d2Q/dH_L^2`` is the diagonal of the loss's Hessian in the output (see
    :mod:`reference_impl.second_derivatives`: ``2 / (n k)`` for MSE, ``p (1 - p) / n`` for
    softmax cross-entropy on the logits). The bracketed ``f''`` terms are the second terms of the
    paper's recursion and of its output boundary condition; the paper notes that they can be
    neglected, which is the Levenberg-Marquardt (Gauss-Newton) approximation and makes every
    estimate non-negative. ``levenberg_marquardt=True`` (the default, the OBD diagonal used for
    saliencies) drops them in EVERY layer, the output layer included; ``False`` keeps them.
    Either way the recursion drops, compared with the exact (*):

    1. the cross curvature ``d2Q/dZ_{l+1}[c] dZ_{l+1}[e]``, ``c != e``, in the sum of (*): only
       ``c = e`` is kept, i.e. ``W h W^T`` is replaced by the diagonal ``h @ (W^2).T``. At the
       output this drops the off-diagonal ``-p_c p_e / n`` of softmax cross-entropy's Hessian in
       the logits; in a hidden layer it drops the coupling that the layer above creates even
       when the output Hessian is diagonal;
    2. (with ``levenberg_marquardt=True``) the ``f''(Z) * g`` terms, which vanish where the
       activation is linear (identity, ReLU away from 0) or where the gradient ``g`` is zero
       (e.g. MSE with zero residuals).

    Consequences, each checked by a test: the diagonal of the LAST layer's weights and biases is
    exact whenever its activation has ``f'' = 0`` (identity logits, linear regression outputs).
    For MSE (and binary cross-entropy on logits) the output Hessian is diagonal, so with ONE
    hidden layer ``levenberg_marquardt=False`` is exact for any activations, and the default is
    exact when both activations have ``f'' = 0`` (a linear hidden layer and a linear output);
    for a tanh hidden layer the default misses exactly ``sum_i X_ij^2 f''(Z_ia) g_ia`` in the
    first layer. With two or more hidden layers, or with softmax cross-entropy, term 1 makes the
    hidden layers' diagonal an approximation even for linear activations.
    Cost: one forward and two backward passes, the same order as the gradient.

:func:`exact_hessian_diagonal_backprop` — the exact diagonal by a full second-order backward pass
    of (*): per observation it carries the whole ``(units, units)`` block of ``d2Q/dZ_l^2``, so
    it costs ``O(n * units^2)`` memory per layer: fine for the small networks of the lectures.

:func:`exact_hessian_diagonal` — central differences of the analytic gradient,
    ``(g_i(w + h e_i) - g_i(w - h e_i)) / (2h)``: ``2 * n_params`` gradient evaluations, exact up to
    ``O(h^2)``; the check for the two above (use float64).

:func:`empirical_fisher_diagonal` is the "squared gradient" approximation ``mean_i (dL_i/dw)^2``
that some pruning code uses instead; it is NOT the Hessian (tests show the difference).

All functions handle networks of :class:`~reference_impl.layers.Dense` layers whose
activations are in :mod:`reference_impl.second_derivatives`.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_float_array
from .layers import Dense
from .network import Network
from .second_derivatives import activation_second_derivative, get_second_order_loss

__all__ = ["obd_hessian_diagonal", "exact_hessian_diagonal_backprop", "exact_hessian_diagonal",
           "empirical_fisher_diagonal"]


def _check_network(network) -> None:
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")
    for i, layer in enumerate(network.layers):
        if not isinstance(layer, Dense):
            raise TypeError(f"network.layers[{i}] is a {type(layer).__name__}; the Hessian "
                            f"diagonal is implemented for Dense layers only")


def _check_data(X, y):
    X = as_float_array(X, "X", ndim=2)
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has shape {y_arr.shape}")
    if X.shape[0] == 0:
        raise ValueError("X is empty")
    return X, y


def _first_order_pass(network, X, y, loss):
    """Forward pass and loss gradient: (H list, Z list, f' list, f'' list, dQ/dH_L, output)."""
    out = network.forward(X)
    _, g_out = loss.function(out, y)
    g_out = np.asarray(g_out, dtype=out.dtype).reshape(out.shape)
    record = network.last_pass
    H, Z = record.activations, record.pre_activations
    d1 = [layer.activation.derivative(z) for layer, z in zip(network.layers, Z)]
    d2 = [activation_second_derivative(layer.activation)(z) for layer, z in zip(network.layers, Z)]
    return H, Z, d1, d2, g_out, out


def _write(network, result, l, hZ_diag, H_in):
    network.layout.view(result, l, "W")[...] = (H_in * H_in).T @ hZ_diag
    network.layout.view(result, l, "b")[...] = hZ_diag.sum(axis=0)


def obd_hessian_diagonal(network, X, y, loss, *, levenberg_marquardt: bool = True) -> np.ndarray:
    """LeCun et al.'s (1990) diagonal of ``d2Q/dw^2`` by a second backward pass.

    network: a :class:`Network` of Dense layers; X: (n, d); y: targets as ``loss`` expects them;
    loss: ``mean_squared_error``, ``softmax_cross_entropy`` or ``binary_cross_entropy_with_logits``
    from :mod:`reference_impl.losses` (or its name). Returns (n_params,) in ``vec`` order.

    ``levenberg_marquardt=True`` drops the ``f''`` terms in every layer (all entries >= 0);
    ``False`` keeps them. Off-diagonal curvature is always dropped: see the module docstring for
    exactly which terms are kept and when the result is exact. Overwrites
    ``network.last_pass`` (one forward pass), not ``network.grads``.
    """
    _check_network(network)
    X, y = _check_data(X, y)
    loss = get_second_order_loss(loss)
    H, Z, d1, d2, gH, out = _first_order_pass(network, X, y, loss)
    L = len(network.layers)
    result = np.zeros(network.n_params, dtype=network.dtype)
    hZ = d1[-1] ** 2 * loss.hessian_diagonal(out, y)
    if not levenberg_marquardt:
        hZ = hZ + d2[-1] * gH
    for l in range(L - 1, -1, -1):
        _write(network, result, l, hZ, H[l])
        if l == 0:
            break
        W = network.layers[l].W
        gH = (gH * d1[l]) @ W.T                  # dQ/dH_{l-1}: the ordinary backward pass
        hZ = d1[l - 1] ** 2 * (hZ @ (W * W).T)   # keep only the diagonal of W h W^T
        if not levenberg_marquardt:
            hZ = hZ + d2[l - 1] * gH
    return result


def exact_hessian_diagonal_backprop(network, X, y, loss) -> np.ndarray:
    """The exact diagonal of ``d2Q/dw^2`` by a full second-order backward pass of (*).

    Same arguments and result layout as :func:`obd_hessian_diagonal`. Per observation the whole
    curvature block ``d2Q/dZ_l dZ_l`` (units x units) is carried down, so nothing is dropped:
    output ``D_L B D_L + diag(f_L'' g_L)`` with ``B`` the loss's per-row Hessian in the output and
    ``D = diag(f'(Z))``; hidden ``D_l W_{l+1} C_{l+1} W_{l+1}^T D_l + diag(f_l'' g_l)``.
    Memory ``O(n units^2)`` per layer: meant for small networks.
    """
    _check_network(network)
    X, y = _check_data(X, y)
    loss = get_second_order_loss(loss)
    H, Z, d1, d2, gH, out = _first_order_pass(network, X, y, loss)
    L = len(network.layers)
    result = np.zeros(network.n_params, dtype=network.dtype)

    def curvature(block, dz1, dz2, g):
        # D block D + diag(f'' g), for every observation at once: (n, u, u)
        C = dz1[:, :, None] * block * dz1[:, None, :]
        idx = np.arange(C.shape[1])
        C[:, idx, idx] += dz2 * g
        return C

    C = curvature(np.array(loss.hessian_blocks(out, y), dtype=network.dtype), d1[-1], d2[-1], gH)
    for l in range(L - 1, -1, -1):
        _write(network, result, l, np.einsum("naa->na", C), H[l])
        if l == 0:
            break
        W = network.layers[l].W
        gH = (gH * d1[l]) @ W.T
        C = curvature(W @ C @ W.T, d1[l - 1], d2[l - 1], gH)
    return result


def exact_hessian_diagonal(network, X, y, loss_fn, h: float = 1e-4) -> np.ndarray:
    """Central differences of the analytic gradient: ``(g_i(w + h e_i) - g_i(w - h e_i)) / 2h``.

    loss_fn: any ``loss_fn(output, y) -> (loss, dloss/doutput)`` (no second derivative needed).
    Costs ``2 * n_params`` forward/backward passes; error ``O(h^2)`` plus rounding ``~eps |g| / h``
    (``h = 1e-4`` in float64 gives about 8 correct digits). Meaningless next to a kink (ReLU at
    0). ``network.params`` is perturbed in place and always restored; at the end
    ``network.grads`` holds the gradient at the unperturbed parameters.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(output, y), got {type(loss_fn).__name__}")
    if not (isinstance(h, float) and np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive float, got {h!r}")
    X, y = _check_data(X, y)
    w = network.params
    result = np.zeros(network.n_params, dtype=network.dtype)
    try:
        for i in range(w.size):
            old = w[i]
            try:
                w[i] = old + h
                plus = float(network.loss_and_gradient(X, y, loss_fn)[1][i])
                w[i] = old - h
                minus = float(network.loss_and_gradient(X, y, loss_fn)[1][i])
            finally:
                w[i] = old
            result[i] = (plus - minus) / (2.0 * h)
    finally:
        network.loss_and_gradient(X, y, loss_fn)
    return result


def empirical_fisher_diagonal(network, X, y, loss) -> np.ndarray:
    """The "squared gradient" diagonal ``F = mean_i (dL_i/dw)^2`` (empirical Fisher), NOT the Hessian.

    ``L_i`` is the loss of observation ``i`` alone, so that ``Q = mean_i L_i``. For the negative
    log-likelihood of a well-specified model at its optimum the EXPECTED Fisher equals the
    expected Hessian; this empirical version, with the observed targets and at any other point,
    does not: it has the wrong scale for MSE (it grows with the squared residuals) and is zero
    wherever the fit is perfect, where the Hessian is not. Provided so that tests and the lecture
    can show the difference. Same arguments and layout as :func:`obd_hessian_diagonal`.
    """
    _check_network(network)
    X, y = _check_data(X, y)
    loss = get_second_order_loss(loss)
    H, Z, d1, d2, gH, out = _first_order_pass(network, X, y, loss)
    n = X.shape[0]
    result = np.zeros(network.n_params, dtype=network.dtype)
    # Rows of gH are the gradient of Q = mean_i L_i, i.e. (1/n) dL_i/dH: per observation the
    # gradient of L_i is n times its row, and F = (1/n) sum_i (n * row_i-gradient)^2.
    for l in range(len(network.layers) - 1, -1, -1):
        dZ = gH * d1[l] * n                      # dL_i/dZ_l, one row per observation
        network.layout.view(result, l, "W")[...] = (H[l] ** 2).T @ (dZ ** 2) / n
        network.layout.view(result, l, "b")[...] = (dZ ** 2).sum(axis=0) / n
        if l:
            gH = (gH * d1[l]) @ network.layers[l].W.T
    return result
