"""Module 1, neurons and logic gates: typical wrong answers and the tests that must catch them."""
from . import Mistake

MISTAKES = {
    "naive_sigmoid": Mistake(
        "sigmoid as 1 / (1 + exp(-z)): right values, but exp(1000) overflows with a warning",
        edit={"activations": ('''    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))''',
                              '''    return 1.0 / (1.0 + np.exp(-z))''')},
        fails=("test_sigmoid_visible", "test_sigmoid_hidden"), visible_message="overflow",
        passes=("test_tanh_visible", "test_relu_visible", "test_leaky_relu_visible", "test_elu_visible")),
    "relu_derivative_one_for_negatives": Mistake(
        "ReLU derivative of 1 for negative input",
        edit={"activations": ('''    return (np.asarray(z, dtype=float) > 0).astype(float)''',
                     '''    return np.ones_like(np.asarray(z, dtype=float))''')},
        fails=("test_relu_visible", "test_tanh_relu_hidden"), visible_message="0 for negative z",
        passes=("test_sigmoid_visible", "test_tanh_visible", "test_leaky_relu_visible", "test_elu_visible")),
    "elu_where_overflows": Mistake(
        "ELU with np.where(z > 0, z, alpha * (exp(z) - 1)): exp is evaluated on large positive z too",
        edit={"activations": ('''    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))''',
                     '''    return np.where(z > 0, z, alpha * (np.exp(z) - 1))''')},
        fails=("test_elu_visible", "test_leaky_elu_hidden"), visible_message="both branches",
        passes=("test_sigmoid_visible", "test_relu_visible", "test_leaky_relu_visible")),
    "leaky_relu_ignores_alpha": Mistake(
        "leaky ReLU with the slope 0.01 hard-coded instead of the alpha argument",
        edit={"activations": ('''    return np.where(z > 0, z, alpha * z)''', '''    return np.where(z > 0, z, 0.01 * z)''')},
        fails=("test_leaky_relu_visible", "test_leaky_elu_hidden"), visible_message="the argument alpha",
        passes=("test_sigmoid_visible", "test_relu_visible", "test_elu_visible")),
    "neuron_returns_a_column": Mistake(
        "neuron returning shape (n, 1) because w was reshaped into a column",
        replace={"neuron": '''def neuron(X, w, b, activation):
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float).reshape(-1, 1)
    if X.shape[1] != w.shape[0]:
        raise ValueError(f"X has {X.shape[1]} columns but w has {w.shape[0]} entries")
    return activation(X @ w + b)'''},
        fails=("test_neuron_visible", "test_neuron_hidden"), visible_message="not a column"),
    "xor_network_three_of_four": Mistake(
        "an XOR network that is right on three of the four inputs (its output neuron is OR)",
        replace={"xor": '''def xor_features(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([X, X[:, 0] + X[:, 1] - 2 * X[:, 0] * X[:, 1]])


XOR_LIFTED_W, XOR_LIFTED_B = np.array([0.0, 0.0, 1.0]), -0.5
XOR_W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
XOR_B1 = np.array([-0.5, -1.5])
XOR_W2 = np.array([[1.0], [1.0]])
XOR_B2 = np.array([-0.5])'''},
        fails=("test_xor_network",), visible_message="for input [1, 1]",
        passes=("test_xor_feature", "test_xor_lifted_neuron")),
    "separability_small_integer_box": Mistake(
        "a separability check that only tries weights in {-1, 0, 1}: misses 3-input functions such as x1 AND (x2 OR x3)",
        replace={"separability": '''import itertools


def is_threshold_computable(truth_values):
    y = np.asarray(truth_values, dtype=float).ravel()
    n = int(np.log2(len(y)))
    X = truth_table(n)
    for w in itertools.product([-1.0, 0.0, 1.0], repeat=n):
        for b in np.arange(-2.5, 2.6, 1.0):
            if np.array_equal(threshold(X @ np.array(w) + b), y):
                return True
    return False'''},
        fails=("test_separability_visible", "test_separability_hidden"),
        visible_message="small integer weights"),
    "published_formula_as_xor": Mistake(
        "taking the published formula for XOR: 'corrected' formula left unchanged",
        replace={"xnor": '''def published_formula(X):
    X = np.asarray(X, dtype=float)
    s = X[:, 0] + X[:, 1]
    return threshold(threshold(s - 1.5) + threshold(-s + 0.5) - 0.5)


def corrected_formula(X):
    return published_formula(X)'''},
        fails=("test_corrected_formula",), visible_message="not the published XNOR", passes=("test_xnor",)),
    "perceptron_never_stops_on_xor": Mistake(
        "a perceptron that loops until an epoch has no mistakes, ignoring max_epochs: it never stops on XOR",
        replace={"perceptron": '''def perceptron(X, y, lr=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    epochs = 0
    while True:
        epochs += 1
        mistakes = 0
        for x_i, y_i in zip(X, y):
            error = y_i - float(x_i @ w + b > 0)
            if error:
                w += lr * error * x_i
                b += lr * error
                mistakes += 1
        if mistakes == 0:
            return {"w": w, "b": b, "converged": True, "epochs": epochs}'''},
        fails=("test_perceptron_visible", "test_perceptron_hidden"), visible_message="did not stop"),
    "perceptron_without_bias": Mistake(
        "a perceptron that never updates the bias: AND is not learnable through the origin",
        replace={"perceptron": '''def perceptron(X, y, lr=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x_i, y_i in zip(X, y):
            error = y_i - float(x_i @ w + b > 0)
            if error:
                w += lr * error * x_i
                mistakes += 1
        if mistakes == 0:
            return {"w": w, "b": b, "converged": True, "epochs": epoch}
    return {"w": w, "b": b, "converged": False, "epochs": max_epochs}'''},
        fails=("test_perceptron_visible", "test_perceptron_hidden"), visible_message="update the bias"),
}
