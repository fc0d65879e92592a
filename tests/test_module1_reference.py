"""Module 1 reference code: one neuron, logic gates, XOR, threshold computability, perceptron.

Expected values come from Boolean logic and classical facts (14 of the 16 two-input functions
and 104 of the 256 three-input functions are threshold functions; Novikoff's mistake bound),
never from the code under test.
"""
import itertools

import numpy as np
import pytest

from reference_impl import Network
from reference_impl.logic_gates import (GATES, XOR_FEATURE_UNIT, boolean_functions,
                                        corrected_xor_formula, gate, is_threshold_computable,
                                        seed004_xor_formula, truth_table, xor_by_feature,
                                        xor_by_network, xor_lift, xor_two_layer_weights)
from reference_impl.neuron import neuron_forward, neuron_pre_activation
from reference_impl.perceptron import train_perceptron

FOUR_INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
XOR = [float(a != b) for a, b in FOUR_INPUTS]
XNOR = [float(a == b) for a, b in FOUR_INPUTS]


def _th(z):
    return (np.asarray(z) > 0).astype(float)


# --- truth tables -------------------------------------------------------------------------------

def test_truth_tables_list_every_input_in_lexicographic_order():
    np.testing.assert_array_equal(truth_table(1), [[0], [1]])
    np.testing.assert_array_equal(truth_table(2), FOUR_INPUTS)
    expected3 = list(itertools.product([0, 1], repeat=3))  # product() is lexicographic
    np.testing.assert_array_equal(truth_table(3), expected3)
    assert truth_table(5).shape == (32, 5)
    assert truth_table(2).dtype == np.float64


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "2"])
def test_truth_table_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="n_inputs"):
        truth_table(bad)


def test_boolean_functions_enumerate_all_output_columns():
    F = boolean_functions(2)
    assert F.shape == (16, 4)
    assert len({tuple(row) for row in F}) == 16
    np.testing.assert_array_equal(F[1], [0, 0, 0, 1])   # AND
    np.testing.assert_array_equal(F[6], XOR)
    assert boolean_functions(3).shape == (256, 8)
    with pytest.raises(ValueError, match="n_inputs"):
        boolean_functions(5)


# --- gates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, logic", [
    ("AND", lambda a, b: a and b),
    ("OR", lambda a, b: a or b),
    ("NAND", lambda a, b: not (a and b)),
])
def test_two_input_gates_match_their_truth_tables(name, logic):
    expected = [float(logic(a, b)) for a, b in FOUR_INPUTS]
    np.testing.assert_array_equal(gate(name)(truth_table(2)), expected, err_msg=name)


def test_not_gate():
    np.testing.assert_array_equal(gate("NOT")(truth_table(1)), [1.0, 0.0])


def test_gates_use_seed001_weights():
    # Seed 001: AND = [x1 + x2 - 3/2 > 0], OR = [x1 + x2 - 1/2 > 0], NOT = [-x1 + 1/2 > 0].
    assert (GATES["AND"].weights, GATES["AND"].bias) == ((1.0, 1.0), -1.5)
    assert (GATES["OR"].weights, GATES["OR"].bias) == ((1.0, 1.0), -0.5)
    assert (GATES["NOT"].weights, GATES["NOT"].bias) == ((-1.0,), 0.5)


def test_gate_lookup_is_case_insensitive_and_rejects_unknown_names():
    assert gate("and") is GATES["AND"]
    with pytest.raises(ValueError, match="XOR"):
        gate("XOR")


def test_gate_weights_cannot_be_changed_through_w():
    w = gate("AND").w
    w[:] = 100.0
    np.testing.assert_array_equal(gate("AND").w, [1.0, 1.0])


# --- XOR ------------------------------------------------------------------------------------------

def test_xor_by_added_feature():
    np.testing.assert_array_equal(xor_by_feature(truth_table(2)), XOR)
    assert len(XOR_FEATURE_UNIT.weights) == 3


def test_xor_lift_adds_the_polynomial_feature(rng):
    X = rng.uniform(-2, 2, size=(7, 2))
    lifted = xor_lift(X)
    assert lifted.shape == (7, 3)
    np.testing.assert_array_equal(lifted[:, :2], X)
    np.testing.assert_allclose(lifted[:, 2], X[:, 0] + X[:, 1] - 2 * X[:, 0] * X[:, 1])
    np.testing.assert_array_equal(xor_lift(truth_table(2))[:, 2], XOR)


def test_xor_two_layer_weights_in_course_notation():
    W1, b1, W2, b2 = xor_two_layer_weights()
    assert (W1.shape, b1.shape, W2.shape, b2.shape) == ((2, 2), (2,), (2, 1), (1,))
    X = truth_table(2)
    H = _th(X @ W1 + b1)                       # H = f(X W + b), rows are observations
    np.testing.assert_array_equal(_th(H @ W2 + b2)[:, 0], XOR)
    net = Network.from_weights([W1, W2], [b1, b2], ["threshold", "threshold"])
    np.testing.assert_array_equal(net.forward(X)[:, 0], XOR)
    np.testing.assert_array_equal(xor_by_network(X), XOR)


def test_xor_two_layer_weights_are_fresh_copies():
    W1, *_ = xor_two_layer_weights()
    W1[:] = 0.0
    np.testing.assert_array_equal(xor_by_network(truth_table(2)), XOR)


def test_seed004_formula_is_xnor_and_the_correction_is_xor():
    X = truth_table(2)
    np.testing.assert_array_equal(seed004_xor_formula(X), XNOR,
                                  err_msg="seed 004's formula should give XNOR (the erratum)")
    np.testing.assert_array_equal(corrected_xor_formula(X), XOR)


@pytest.mark.parametrize("fn", [xor_by_feature, xor_by_network, xor_lift,
                                seed004_xor_formula, corrected_xor_formula])
def test_xor_functions_need_two_columns(fn):
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        fn(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="X"):
        fn(np.zeros(4))


# --- threshold computability ----------------------------------------------------------------------

def _assert_witness_computes(result, values):
    X = truth_table(int(np.log2(len(values))))
    z = X @ result.weights + result.bias
    np.testing.assert_array_equal(_th(z), values)
    assert np.all(np.abs(z) >= 1 - 1e-9), "the witness should have margin 1"


def test_one_input_functions_are_all_computable():
    assert all(is_threshold_computable(f) for f in boolean_functions(1))


def test_exactly_14_of_16_two_input_functions_are_computable():
    results = {tuple(f): is_threshold_computable(f) for f in boolean_functions(2)}
    not_computable = {f for f, r in results.items() if not r.computable}
    assert not_computable == {tuple(XOR), tuple(XNOR)}
    for f, r in results.items():
        if r.computable:
            _assert_witness_computes(r, f)
        else:
            assert r.weights is None and r.bias is None


def test_exactly_104_of_256_three_input_functions_are_computable():
    results = [(f, is_threshold_computable(f)) for f in boolean_functions(3)]
    assert sum(r.computable for _, r in results) == 104
    for f, r in results:
        if r:
            _assert_witness_computes(r, f)


def test_three_input_examples():
    X = truth_table(3)
    majority = (X.sum(axis=1) >= 2).astype(float)
    parity = (X.sum(axis=1) % 2).astype(float)
    assert is_threshold_computable(majority)
    assert not is_threshold_computable(parity)


def test_is_threshold_computable_accepts_bools_and_ints():
    assert is_threshold_computable([False, False, False, True]).computable is True
    assert is_threshold_computable(np.array([0, 1, 1, 0])).computable is False


@pytest.mark.parametrize("bad, error, pattern", [
    ([0, 1, 1], ValueError, "length"),
    ([1], ValueError, "length"),
    ([0, 2, 1, 0], ValueError, "only 0 and 1"),
    ([[0, 1], [1, 0]], ValueError, "dimension"),
    ("0110", TypeError, "numeric"),
    ([0, np.nan, 1, 0], ValueError, "NaN"),
])
def test_is_threshold_computable_rejects_bad_input(bad, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        is_threshold_computable(bad)
    assert "truth_values" in str(info.value)


# --- one neuron -----------------------------------------------------------------------------------

def test_neuron_with_identity_is_linear_regression(rng):
    X, w, b = rng.normal(size=(6, 3)), rng.normal(size=3), 0.7
    out = neuron_forward(X, w, b, activation="identity")
    assert out.shape == (6,)
    np.testing.assert_allclose(out, X @ w + b)
    np.testing.assert_allclose(neuron_pre_activation(X, w, b), X @ w + b)


def test_neuron_with_sigmoid_is_logistic_regression(rng):
    X, w, b = rng.normal(size=(5, 2)), rng.normal(size=2), -0.3
    np.testing.assert_allclose(neuron_forward(X, w, b, "sigmoid"),
                               1.0 / (1.0 + np.exp(-(X @ w + b))), rtol=1e-12)


def test_neuron_defaults_to_the_threshold():
    X = np.array([[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0]])
    # z = (0.5, 0, -0.5): the threshold is I[z > 0], so z = 0 gives 0.
    np.testing.assert_array_equal(neuron_forward(X, [0.5, 0.0], 0.0), [1.0, 0.0, 0.0])


def test_neuron_accepts_a_numpy_scalar_bias_and_an_empty_batch():
    assert neuron_forward(np.zeros((0, 2)), [1.0, 1.0], np.float32(0.5)).shape == (0,)


@pytest.mark.parametrize("X, w, b, error, pattern", [
    (np.zeros(3), np.zeros(3), 0.0, ValueError, "X must have 2 dimension"),
    (np.zeros((4, 3)), np.zeros(2), 0.0, ValueError, r"X has 3 columns but w has 2"),
    (np.zeros((4, 3)), np.zeros((3, 1)), 0.0, ValueError, "w must have 1 dimension"),
    (np.zeros((4, 3)), np.zeros(3), np.zeros(3), ValueError, "b must be a scalar"),
    ("abc", np.zeros(3), 0.0, TypeError, "X must be a numeric array"),
    (np.zeros((4, 3)), np.zeros(3), np.inf, ValueError, "b contains inf"),
])
def test_neuron_forward_rejects_bad_input(X, w, b, error, pattern):
    with pytest.raises(error, match=pattern):
        neuron_forward(X, w, b)


def test_neuron_forward_rejects_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'step'"):
        neuron_forward(np.zeros((1, 1)), [1.0], 0.0, activation="step")


# --- perceptron -----------------------------------------------------------------------------------

def _novikoff_bound(X, y, w_star, b_star):
    """(R / gamma)^2 for the separator (w*, b*) in the augmented space (x, 1)."""
    Xa = np.hstack([X, np.ones((len(X), 1))])
    v = np.append(w_star, b_star)
    t = 2 * np.asarray(y, float) - 1
    gamma = np.min(t * (Xa @ v)) / np.linalg.norm(v)
    assert gamma > 0, "the hand-chosen separator must separate the data"
    R = np.max(np.linalg.norm(Xa, axis=1))
    return (R / gamma) ** 2


@pytest.mark.parametrize("labels, separator", [
    ([0, 0, 0, 1], ([2.0, 2.0], -3.0)),    # AND
    ([0, 1, 1, 1], ([2.0, 2.0], -1.0)),    # OR
    ([1, 1, 1, 0], ([-2.0, -2.0], 3.0)),   # NAND
])
@pytest.mark.parametrize("seed", [None, 0, 1, 2, 3])
def test_perceptron_learns_separable_gates_within_novikoff_bound(labels, separator, seed):
    X = truth_table(2)
    result = train_perceptron(X, labels, max_epochs=100, seed=seed)
    assert result.converged, f"labels {labels}, seed {seed}: {result.errors_per_epoch}"
    np.testing.assert_array_equal(result.predict(X), labels)
    assert result.errors_per_epoch[-1] == 0
    assert all(e > 0 for e in result.errors_per_epoch[:-1]), "it must stop at the first clean epoch"
    assert result.epochs == len(result.errors_per_epoch) == len(result.trajectory)
    bound = _novikoff_bound(X, labels, *separator)
    assert sum(result.errors_per_epoch) <= bound
    assert result.epochs <= bound + 1


def test_perceptron_does_not_converge_on_xor():
    result = train_perceptron(truth_table(2), XOR, max_epochs=40, seed=0)
    assert result.converged is False
    assert result.epochs == 40
    # No line separates XOR, so no epoch can pass without a mistake.
    assert min(result.errors_per_epoch) >= 1
    assert not np.array_equal(result.predict(truth_table(2)), XOR)


def test_perceptron_learning_rate_only_rescales_from_zero_start():
    X, y = truth_table(2), [0, 0, 0, 1]
    slow, fast = train_perceptron(X, y, lr=0.1), train_perceptron(X, y, lr=1.0)
    assert slow.errors_per_epoch == fast.errors_per_epoch
    np.testing.assert_allclose(slow.w, 0.1 * fast.w)
    np.testing.assert_allclose(slow.b, 0.1 * fast.b)


def test_perceptron_on_random_separable_data(rng):
    w_star, b_star = np.array([1.5, -2.0, 0.5]), 0.25
    X = rng.uniform(-1, 1, size=(200, 3))
    z = X @ w_star + b_star
    X, z = X[np.abs(z) > 0.3], z[np.abs(z) > 0.3]     # keep a margin so the bound is modest
    y = (z > 0).astype(int)
    result = train_perceptron(X, y, max_epochs=1000, seed=5)
    assert result.converged
    np.testing.assert_array_equal(result.predict(X), y)
    assert sum(result.errors_per_epoch) <= _novikoff_bound(X, y, w_star, b_star)


def test_perceptron_is_reproducible_with_a_seed():
    X = truth_table(3)
    y = (X.sum(axis=1) >= 2).astype(int)       # majority
    a, b = train_perceptron(X, y, seed=7), train_perceptron(X, y, seed=7)
    assert a.errors_per_epoch == b.errors_per_epoch
    np.testing.assert_array_equal(a.w, b.w)


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(y=[0, 1, -1, 1]), ValueError, "y must contain only the labels 0 and 1"),
    (dict(y=[0, 1, 1]), ValueError, "4 rows but y has 3"),
    (dict(lr=0.0), ValueError, "lr must be a positive"),
    (dict(lr="1"), TypeError, "lr must be a real number"),
    (dict(max_epochs=0), ValueError, "max_epochs must be a positive integer"),
    (dict(seed="a"), TypeError, "seed must be None or an integer"),
    (dict(seed=-1), ValueError, "seed must be non-negative"),
    (dict(X=np.zeros((0, 2)), y=[]), ValueError, "at least one row"),
    (dict(X=np.zeros(4)), ValueError, "X must have 2 dimension"),
])
def test_perceptron_rejects_bad_input(kwargs, error, pattern):
    args = dict(X=truth_table(2), y=[0, 0, 0, 1]) | kwargs
    with pytest.raises(error, match=pattern):
        train_perceptron(**args)
