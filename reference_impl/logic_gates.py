"""Boolean functions computed by threshold neurons (lecture 1).

Inputs are rows of 0/1 values; a threshold neuron outputs ``I[x @ w + b > 0]`` (the
``threshold`` activation, with ``th(0) = 0``). This module holds:

* :func:`truth_table` - every 0/1 input row, in lexicographic order;
* :data:`GATES` / :func:`gate` - the standard AND, OR, NOT, NAND neurons;
* XOR, which no single neuron computes, done two ways: with the added feature
  ``x1 + x2 - 2 x1 x2`` (:func:`xor_by_feature`, seed 001) and with a two-layer network
  (:func:`xor_two_layer_weights`, :func:`xor_by_network`);
* seed 004's XOR formula, which really computes XNOR, and a corrected one;
* :func:`is_threshold_computable` - an exact linear-programming test of whether one
  threshold neuron computes a given Boolean function, with a witness ``(w, b)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_positive_int
from .activations import threshold as th
from .network import Network
from .neuron import neuron_forward

__all__ = [
    "truth_table", "boolean_functions", "ThresholdUnit", "GATES", "gate",
    "xor_lift", "XOR_FEATURE_UNIT", "xor_by_feature",
    "xor_two_layer_weights", "xor_by_network",
    "seed004_xor_formula", "corrected_xor_formula",
    "ThresholdComputability", "is_threshold_computable",
]

_MAX_TRUTH_TABLE_INPUTS = 16      # 65,536 rows: plenty for a course, small in memory
_MAX_FUNCTION_LIST_INPUTS = 4     # 2**16 functions of 4 inputs; 5 inputs would be 2**32


def truth_table(n_inputs: int) -> np.ndarray:
    """All ``2**n_inputs`` rows of 0/1 inputs in lexicographic order, shape (2**n, n), float64.

    ``truth_table(2)`` is ``[[0, 0], [0, 1], [1, 0], [1, 1]]``: row ``k`` is ``k`` written in
    binary, most significant bit first.
    """
    n = check_positive_int(n_inputs, "n_inputs")
    if n > _MAX_TRUTH_TABLE_INPUTS:
        raise ValueError(f"n_inputs must be at most {_MAX_TRUTH_TABLE_INPUTS}, got {n}")
    rows = np.arange(2 ** n)[:, None]
    shifts = np.arange(n - 1, -1, -1)[None, :]  # first column = most significant bit
    return ((rows >> shifts) & 1).astype(np.float64)


def boolean_functions(n_inputs: int) -> np.ndarray:
    """Every Boolean function of ``n_inputs`` inputs as its output column over ``truth_table``.

    Returns shape ``(2**(2**n), 2**n)``: row ``k`` is ``k`` in binary, most significant bit
    first, so for two inputs row 1 is AND ``(0, 0, 0, 1)`` and row 6 is XOR ``(0, 1, 1, 0)``.
    """
    n = check_positive_int(n_inputs, "n_inputs")
    if n > _MAX_FUNCTION_LIST_INPUTS:
        raise ValueError(f"n_inputs must be at most {_MAX_FUNCTION_LIST_INPUTS} "
                         f"(there are 2**(2**n) functions), got {n}")
    return truth_table(2 ** n)


# --- single threshold neurons ---------------------------------------------------------------

@dataclass(frozen=True)
class ThresholdUnit:
    """One threshold neuron ``x -> I[x @ weights + bias > 0]``.

    ``weights`` is a tuple (so the standard gates below cannot be modified by accident);
    ``w`` gives it as a fresh array of shape (d,). Calling the unit on ``X`` (n, d) returns
    the (n,) array of 0.0/1.0 outputs.
    """
    weights: tuple[float, ...]
    bias: float

    @property
    def w(self) -> np.ndarray:
        return np.array(self.weights, dtype=np.float64)

    def __call__(self, X) -> np.ndarray:
        return neuron_forward(X, self.w, self.bias, "threshold")


# Seed 001, "Нейронная реализация логических функций": AND = [x1 + x2 - 3/2 > 0],
# OR = [x1 + x2 - 1/2 > 0], NOT = [-x1 + 1/2 > 0]; NAND is AND with every sign flipped.
# The biases sit halfway between the sums that must give 0 and those that must give 1.
GATES: dict[str, ThresholdUnit] = {
    "AND": ThresholdUnit((1.0, 1.0), -1.5),
    "OR": ThresholdUnit((1.0, 1.0), -0.5),
    "NAND": ThresholdUnit((-1.0, -1.0), 1.5),
    "NOT": ThresholdUnit((-1.0,), 0.5),
}


def gate(name: str) -> ThresholdUnit:
    """The standard threshold neuron for ``"AND"``, ``"OR"``, ``"NAND"`` or ``"NOT"``."""
    if not isinstance(name, str) or name.upper() not in GATES:
        raise ValueError(f"unknown gate {name!r}; choose one of {sorted(GATES)}")
    return GATES[name.upper()]


def _check_two_inputs(X) -> np.ndarray:
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2): one row (x1, x2) per input, got {X.shape}")
    return X


# --- XOR by an added feature ----------------------------------------------------------------

def xor_lift(X) -> np.ndarray:
    """Add the feature ``x1 + x2 - 2 x1 x2``: X (n, 2) -> (n, 3) columns ``(x1, x2, phi)``.

    On 0/1 inputs ``phi`` equals ``x1 XOR x2``; it is linear in ``(x1, x2, x1 x2)``, so the
    same trick works with the product ``x1 x2`` as the only new feature (seed 001).
    """
    X = _check_two_inputs(X)
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([x1, x2, x1 + x2 - 2.0 * x1 * x2])


# The lifted points of class 1 have phi = 1 and those of class 0 have phi = 0, so the plane
# phi = 1/2 separates them: seed 001's [x1 + x2 - 2 x1 x2 - 1/2 > 0].
XOR_FEATURE_UNIT = ThresholdUnit((0.0, 0.0, 1.0), -0.5)


def xor_by_feature(X) -> np.ndarray:
    """XOR of 0/1 inputs by one threshold neuron on ``xor_lift(X)``. X: (n, 2) -> (n,)."""
    return XOR_FEATURE_UNIT(xor_lift(X))


# --- XOR by a two-layer network -------------------------------------------------------------

def xor_two_layer_weights():
    """Weights of a threshold network computing XOR in the course notation ``H = f(X @ W + b)``.

    Returns ``(W1, b1, W2, b2)`` with shapes (2, 2), (2,), (2, 1), (1,). Hidden unit 1 is OR,
    hidden unit 2 is AND, and the output is ``I[h1 - h2 - 1/2 > 0]``: "at least one, but not
    both" (seed 001's ``[(x1 OR x2) - (x1 AND x2) > 0]``). Fresh arrays on every call.
    """
    W1 = np.array([[1.0, 1.0],
                   [1.0, 1.0]])          # column j holds the weights of hidden unit j
    b1 = np.array([-0.5, -1.5])          # OR, AND
    W2 = np.array([[1.0], [-1.0]])
    b2 = np.array([-0.5])
    return W1, b1, W2, b2


def xor_by_network(X) -> np.ndarray:
    """XOR of 0/1 inputs by the network of :func:`xor_two_layer_weights`. X: (n, 2) -> (n,)."""
    X = _check_two_inputs(X)
    W1, b1, W2, b2 = xor_two_layer_weights()
    net = Network.from_weights([W1, W2], [b1, b2], ["threshold", "threshold"])
    return net.forward(X)[:, 0]


# --- seed 004's formula (an erratum) and its correction ---------------------------------------

def seed004_xor_formula(X) -> np.ndarray:
    """``th(th(x1 + x2 - 1.5) + th(-x1 - x2 + 0.5) - 0.5)`` as printed in seed 004.

    The inner units are AND and NOR; their OR is 1 when the inputs are equal, so this is
    XNOR, not XOR: outputs (1, 0, 0, 1) on ``truth_table(2)``. X: (n, 2) -> (n,).
    """
    X = _check_two_inputs(X)
    x1, x2 = X[:, 0], X[:, 1]
    both = th(x1 + x2 - 1.5)       # AND
    neither = th(-x1 - x2 + 0.5)   # NOR
    return th(both + neither - 0.5)


def corrected_xor_formula(X) -> np.ndarray:
    """``th(-th(x1 + x2 - 1.5) - th(-x1 - x2 + 0.5) + 0.5)``: NOT(AND or NOR) = XOR.

    Flipping the signs of the output neuron negates seed 004's formula. X: (n, 2) -> (n,).
    """
    X = _check_two_inputs(X)
    x1, x2 = X[:, 0], X[:, 1]
    both = th(x1 + x2 - 1.5)
    neither = th(-x1 - x2 + 0.5)
    return th(-both - neither + 0.5)


# --- which functions does one threshold neuron compute? ---------------------------------------

@dataclass(frozen=True, eq=False)  # eq=False: comparing array fields has no single truth value
class ThresholdComputability:
    """Answer of :func:`is_threshold_computable`.

    ``computable`` says whether one threshold neuron computes the function. When it does,
    ``weights`` (shape (n,)) and ``bias`` are a witness with margin 1: ``x @ weights + bias``
    is >= 1 on the rows where the function is 1 and <= -1 where it is 0; otherwise both are
    ``None``. ``bool(result)`` is ``result.computable``, so ``if is_threshold_computable(f):``
    reads as expected.
    """
    computable: bool
    weights: np.ndarray | None = None
    bias: float | None = None

    def __bool__(self) -> bool:
        return self.computable


def _check_truth_values(truth_values) -> tuple[np.ndarray, int]:
    values = as_float_array(truth_values, "truth_values", ndim=1)
    size = values.shape[0]
    n_inputs = size.bit_length() - 1
    if size < 2 or size != 2 ** n_inputs:
        raise ValueError("truth_values must be the output column over truth_table(n): length "
                         f"2**n with n >= 1 (2, 4, 8, ...), got length {size}")
    if n_inputs > _MAX_TRUTH_TABLE_INPUTS:
        raise ValueError(f"truth_values may describe at most {_MAX_TRUTH_TABLE_INPUTS} inputs, "
                         f"got length {size}")
    if not np.isin(values, (0.0, 1.0)).all():
        bad = values[~np.isin(values, (0.0, 1.0))][0]
        raise ValueError(f"truth_values must contain only 0 and 1, found {bad}")
    return values, n_inputs


def _snap_to_integers(v: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    # The solver returns vertices of the LP, which are small rationals (often integers) up to
    # round-off; snapping makes witnesses such as (2, 2, -3) print cleanly.
    r = np.round(v)
    return np.where(np.abs(v - r) < tol, r, v) + 0.0  # + 0.0 turns -0.0 into 0.0


def is_threshold_computable(truth_values) -> ThresholdComputability:
    """Decide exactly whether one threshold neuron computes a Boolean function.

    ``truth_values``: shape (2**n,), the 0/1 outputs over ``truth_table(n)`` (n >= 1).
    The function is computable iff the points where it is 1 and those where it is 0 are
    strictly separated by a hyperplane. The inputs are finitely many, so strict separation can
    be rescaled to margin 1, and the question becomes the feasibility of the linear program
    ``x @ w + b >= 1`` (function 1), ``x @ w + b <= -1`` (function 0), solved by
    :func:`scipy.optimize.linprog` (HiGHS). Among the feasible ``(w, b)`` the one with the
    smallest ``|w|_1 + |b|`` is returned, which gives small, readable witnesses.
    """
    from scipy.optimize import linprog  # imported here: only this function needs SciPy's LP

    values, n = _check_truth_values(truth_values)
    X = truth_table(n)
    # Variables: w (n), b, then bounds t (n + 1) on |w_i| and |b|; minimise sum(t).
    sign = np.where(values == 1.0, -1.0, 1.0)[:, None]  # ones: -(xw + b) <= -1
    margin_rows = np.hstack([sign * np.hstack([X, np.ones((X.shape[0], 1))]),
                             np.zeros((X.shape[0], n + 1))])
    eye = np.eye(n + 1)
    abs_rows = np.vstack([np.hstack([eye, -eye]), np.hstack([-eye, -eye])])  # +-v - t <= 0
    A_ub = np.vstack([margin_rows, abs_rows])
    b_ub = np.concatenate([-np.ones(X.shape[0]), np.zeros(2 * (n + 1))])
    cost = np.concatenate([np.zeros(n + 1), np.ones(n + 1)])
    bounds = [(None, None)] * (n + 1) + [(0, None)] * (n + 1)
    result = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if result.status == 2:  # infeasible: no separating hyperplane exists
        return ThresholdComputability(False)
    if result.status != 0:
        raise RuntimeError(f"linprog did not finish (status {result.status}): {result.message}")
    wb = _snap_to_integers(result.x[:n + 1])
    w, b = wb[:n], float(wb[n])
    z = X @ w + b
    if not np.array_equal((z > 0).astype(np.float64), values) or np.min(np.abs(z)) < 0.5:
        raise RuntimeError("linprog returned a witness that does not compute the function")
    return ThresholdComputability(True, w, b)
