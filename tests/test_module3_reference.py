"""Module 3 (losses and backpropagation): autodiff, the (x + y) z graph, backprop cost, two-layer backward.

Expected numbers come from the seeds or from calculus, never from the code under test:
seed 004's Q = 3x^3 + y^2 at (x, y) = (2, 6) and (3, 5) gives dQ/dx = 9x^2 = 36, 81 and
dQ/dy = 2y = 12, 10; CS231n's f = (x + y) z at (-2, 5, -4) gives f = -12, df/dx = df/dy = z = -4,
df/dz = x + y = 3; operation counts are worked out by hand in the comments.
"""
import math
import sys

import numpy as np
import pytest

from reference_impl import Network
from reference_impl.autodiff import Value, graph_edges, graph_nodes
from reference_impl.backprop_cost import (backprop_multiply_adds, backward_multiply_adds,
                                          count_gradient_costs, deepening_mlps, fit_power_law,
                                          fit_power_law_coefficients, forward_multiply_adds,
                                          gradient_evaluations, growing_mlps, mlp_parameter_count,
                                          numerical_gradient_multiply_adds, time_gradients)
from reference_impl.computational_graph import (add_multiply, add_multiply_backward,
                                                add_multiply_forward)
from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.losses import (binary_cross_entropy_with_logits, mean_squared_error,
                                   softmax_cross_entropy)
from reference_impl.two_layer_backprop import two_layer_backward, two_layer_forward


# --- autodiff: gradients against central differences ------------------------------------------

def _random_recipe(rng, n_vars, depth):
    """A random expression tree as nested tuples; domains are kept valid by construction."""
    if depth == 0:
        return ("var", int(rng.integers(n_vars))) if rng.random() < 0.8 else ("const", float(rng.normal()))
    op = str(rng.choice(["add", "sub", "mul", "div", "pow", "neg", "exp", "log", "tanh",
                         "relu", "sigmoid", "radd", "rsub", "rmul", "rdiv"]))
    a = _random_recipe(rng, n_vars, depth - 1)
    if op in ("add", "sub", "mul", "div"):
        return (op, a, _random_recipe(rng, n_vars, depth - 1))
    if op == "pow":
        return (op, a, float(rng.choice([2.0, 3.0, -1.0, 0.5, 1.5])))
    if op in ("radd", "rsub", "rmul", "rdiv"):
        return (op, a, float(rng.uniform(0.5, 2.0)))
    return (op, a)


def _evaluate(recipe, xs):
    """Evaluate a recipe on a list of Values (operations chosen to stay in their domains)."""
    kind = recipe[0]
    if kind == "var":
        return xs[recipe[1]]
    if kind == "const":
        return Value(recipe[1])
    a = _evaluate(recipe[1], xs)
    if kind in ("add", "sub", "mul", "div"):
        b = _evaluate(recipe[2], xs)
        if kind == "add":
            return a + b
        if kind == "sub":
            return a - b
        if kind == "mul":
            return a * b
        return a / (b * b + 1.0)                     # denominator >= 1
    if kind == "pow":
        return (a * a + 0.5) ** recipe[2]            # positive base
    if kind == "neg":
        return -a
    if kind == "exp":
        return a.tanh().exp()                        # bounded argument
    if kind == "log":
        return (a * a + 0.1).log()                   # positive argument
    if kind == "radd":
        return recipe[2] + a
    if kind == "rsub":
        return recipe[2] - a
    if kind == "rmul":
        return recipe[2] * a
    if kind == "rdiv":
        return recipe[2] / (a * a + 1.0)
    return getattr(a, kind)()                        # tanh, relu, sigmoid


def _variables_used(recipe):
    if recipe[0] == "var":
        return {recipe[1]}
    return set().union(*(_variables_used(r) for r in recipe[1:] if isinstance(r, tuple)))


@pytest.mark.parametrize("seed", range(40))
def test_value_gradients_match_central_differences_on_random_expressions(seed):
    rng = np.random.default_rng(seed)
    recipe = _random_recipe(rng, n_vars=3, depth=5)
    while len(_variables_used(recipe)) < 2:   # redraw trivial expressions
        recipe = _random_recipe(rng, n_vars=3, depth=5)
    w = rng.normal(size=3)
    xs = [Value(v) for v in w]
    out = _evaluate(recipe, xs)
    out.backward()
    analytic = np.array([x.grad for x in xs])
    numeric = numerical_gradient(lambda: _evaluate(recipe, [Value(v) for v in w]).data, w)
    # Absolute check too: a variable the expression does not use has gradient exactly 0.
    assert relative_error(analytic, numeric) < 1e-7 or np.abs(analytic - numeric).max() < 1e-9, recipe


@pytest.mark.parametrize("name, fn, derivative", [
    ("exp", lambda v: v.exp(), math.exp),
    ("log", lambda v: v.log(), lambda x: 1 / x),
    ("tanh", lambda v: v.tanh(), lambda x: 1 - math.tanh(x) ** 2),
    ("sigmoid", lambda v: v.sigmoid(), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    ("relu", lambda v: v.relu(), lambda x: float(x > 0)),
    ("pow", lambda v: v ** 2.5, lambda x: 2.5 * x ** 1.5),
    ("reciprocal", lambda v: 1 / v, lambda x: -1 / x ** 2),
    ("neg", lambda v: -v, lambda x: -1.0),
])
@pytest.mark.parametrize("x", [0.3, 1.7])
def test_elementary_derivatives_match_calculus(name, fn, derivative, x):
    v = Value(x)
    fn(v).backward()
    assert v.grad == pytest.approx(derivative(x), rel=1e-12), name


def test_sigmoid_is_stable_for_large_arguments():
    for x, s in ((800.0, 1.0), (-800.0, 0.0)):
        v = Value(x)
        out = v.sigmoid()
        out.backward()
        assert out.data == pytest.approx(s) and v.grad == pytest.approx(0.0)


# --- autodiff: seed 004's example and accumulation ---------------------------------------------

@pytest.mark.parametrize("x0, y0, dq_dx, dq_dy", [(2.0, 6.0, 36.0, 12.0), (3.0, 5.0, 81.0, 10.0)])
def test_seed004_Q_equals_3x_cubed_plus_y_squared(x0, y0, dq_dx, dq_dy):
    # Seed 004, section 3.11: x = [2, 3], y = [6, 5]; autograd prints [36, 81] and [12, 10].
    x, y = Value(x0, "x"), Value(y0, "y")
    Q = 3 * x ** 3 + y ** 2
    Q.backward()
    assert Q.data == pytest.approx(3 * x0 ** 3 + y0 ** 2)
    assert x.grad == pytest.approx(dq_dx, rel=1e-15)
    assert y.grad == pytest.approx(dq_dy, rel=1e-15)


def test_a_value_multiplied_by_itself_gets_both_contributions():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0        # d(x^2)/dx = 2x, not x
    x = Value(3.0)
    (x + x).backward()
    assert x.grad == 2.0


def test_a_node_used_twice_accumulates():
    # f = a + a z with a = x y: df/da = 1 + z, so df/dx = (1 + z) y and df/dy = (1 + z) x.
    x, y, z = Value(2.0), Value(-3.0), Value(0.5)
    a = x * y
    f = a + a * z
    f.backward()
    assert a.grad == 1.5
    assert (x.grad, y.grad, z.grad) == (1.5 * -3.0, 1.5 * 2.0, -6.0)


def test_backward_twice_gives_the_same_gradients():
    x = Value(1.5)
    f = x.tanh() * x
    f.backward()
    first = x.grad
    f.backward()
    assert x.grad == first


def test_backward_with_an_upstream_gradient_scales_everything():
    x = Value(2.0)
    f = x ** 3
    f.backward(gradient=0.5)
    assert x.grad == 0.5 * 12.0


def test_deep_chain_does_not_hit_the_recursion_limit():
    depth = max(5000, 2 * sys.getrecursionlimit())
    x = Value(1.0)
    out = x
    for _ in range(depth):
        out = out + 1.0
    out.backward()
    assert out.data == 1.0 + depth and x.grad == 1.0
    # x, then per step one constant leaf and one sum node.
    assert len(graph_nodes(out)) == 1 + 2 * depth


def test_graph_nodes_is_a_topological_order_with_each_node_once():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z + q              # q is used twice
    order = graph_nodes(f)
    assert len(order) == len({id(n) for n in order}) == 6   # x, y, q, z, q*z, f
    position = {id(n): i for i, n in enumerate(order)}
    for parent, child in graph_edges(f):
        assert position[id(parent)] < position[id(child)]
    assert order[-1] is f
    assert len(graph_edges(f)) == 6                          # (x,q) (y,q) (q,qz) (z,qz) (qz,f) (q,f)


# --- the computational graph f = (x + y) z by hand -----------------------------------------------

def test_add_multiply_by_hand_cs231n_numbers():
    values, grads = add_multiply(-2.0, 5.0, -4.0)
    assert (values.q, values.f) == (3.0, -12.0)
    assert (grads.dx, grads.dy, grads.dz, grads.dq) == (-4.0, -4.0, 3.0, -4.0)


@pytest.mark.parametrize("x0, y0, z0, df", [(-2.0, 5.0, -4.0, 1.0), (0.3, -1.2, 2.5, -0.7), (4.0, 4.0, 0.0, 2.0)])
def test_add_multiply_by_hand_matches_autodiff(x0, y0, z0, df):
    values, grads = add_multiply(x0, y0, z0, df=df)
    x, y, z = Value(x0), Value(y0), Value(z0)
    q = x + y
    f = q * z
    f.backward(gradient=df)
    assert values.f == f.data and values.q == q.data
    assert (grads.dx, grads.dy, grads.dz, grads.dq) == pytest.approx((x.grad, y.grad, z.grad, q.grad))
    # ... and calculus: df/dx = df/dy = z, df/dz = x + y (times the upstream derivative).
    assert (grads.dx, grads.dy, grads.dz) == pytest.approx((df * z0, df * z0, df * (x0 + y0)))


def test_add_multiply_bad_input():
    with pytest.raises(TypeError, match="x"):
        add_multiply_forward("1", 2.0, 3.0)
    with pytest.raises(ValueError, match="z"):
        add_multiply_forward(1.0, 2.0, float("inf"))
    with pytest.raises(TypeError, match="cache"):
        add_multiply_backward((1.0, 2.0, 3.0))


# --- cost of numerical differentiation against backpropagation ------------------------------------

def test_operation_counts_by_hand():
    # sizes [2, 3, 1]: P = (2*3 + 3) + (3*1 + 1) = 13; forward = 2*3 + 3*1 = 9 multiply-adds;
    # backward = dW for both layers (6 + 3) + dH1 = dZ2 W2^T (3) = 12; numerical = 2 * 13 * 9.
    sizes = [2, 3, 1]
    assert mlp_parameter_count(sizes) == 13
    assert forward_multiply_adds(sizes) == 9
    assert backward_multiply_adds(sizes) == 12
    assert backprop_multiply_adds(sizes) == 21
    assert numerical_gradient_multiply_adds(sizes) == 234
    assert forward_multiply_adds(sizes, n_samples=4) == 36
    assert numerical_gradient_multiply_adds(sizes, n_samples=4) == 4 * 234
    assert gradient_evaluations(sizes) == {"numerical_forward": 26, "backprop_forward": 1,
                                           "backprop_backward": 1}


def test_numerical_gradient_really_runs_two_forward_passes_per_parameter():
    sizes = [3, 4, 2]
    net = Network.from_sizes(sizes, ["tanh", "identity"], seed=0)
    X, y = np.ones((5, 3)), np.zeros((5, 2))
    calls = []

    def loss():
        calls.append(1)
        return mean_squared_error(net.forward(X), y)[0]

    numerical_gradient(loss, net.params)
    assert net.n_params == mlp_parameter_count(sizes)
    assert len(calls) == gradient_evaluations(sizes)["numerical_forward"]


def test_power_law_exponents_two_for_numerical_one_for_backprop():
    for family in (growing_mlps([8, 16, 32, 64, 128, 256]), deepening_mlps([4, 8, 16, 32, 64])):
        costs = count_gradient_costs(family, n_samples=32)
        assert fit_power_law(costs["n_params"], costs["numerical"]) == pytest.approx(2.0, abs=0.05)
        assert fit_power_law(costs["n_params"], costs["backprop"]) == pytest.approx(1.0, abs=0.06)
        assert np.all(costs["backprop"] <= 3 * costs["forward"])


def test_fit_power_law_recovers_an_exact_power_law():
    sizes = np.array([1.0, 2.0, 4.0, 8.0, 100.0])
    k, c = fit_power_law_coefficients(sizes, 3.0 * sizes ** 1.5)
    assert k == pytest.approx(1.5) and c == pytest.approx(3.0)
    assert fit_power_law([10, 1000], [5, 5]) == pytest.approx(0.0, abs=1e-12)


def test_fit_power_law_bad_input():
    with pytest.raises(ValueError, match="same length"):
        fit_power_law([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        fit_power_law([1], [1])
    with pytest.raises(ValueError, match="positive"):
        fit_power_law([1, 2], [0, 1])
    with pytest.raises(ValueError, match="distinct"):
        fit_power_law([3, 3], [1, 2])
    with pytest.raises(TypeError, match="sizes"):
        fit_power_law("12", [1, 2])


def test_architecture_bad_input():
    with pytest.raises(ValueError, match="at least an input and an output"):
        mlp_parameter_count([3])
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        forward_multiply_adds([3, 0, 1])
    with pytest.raises(TypeError, match="sizes"):
        mlp_parameter_count("321")
    with pytest.raises(ValueError, match="n_samples"):
        forward_multiply_adds([2, 2], n_samples=0)
    with pytest.raises(ValueError, match="widths"):
        growing_mlps([])
    with pytest.raises(ValueError, match="width"):
        deepening_mlps([1, 2], width=0)


def test_time_gradients_smoke():
    timing = time_gradients([2, 3, 1], n_samples=4, repeats=1)
    assert timing.n_params == 13 and timing.backprop_seconds > 0 and timing.numerical_seconds > 0


# --- two-layer network in closed form -----------------------------------------------------------

def _two_layer_params(rng, d=3, h=5, q=2):
    return (rng.normal(size=(d, h)), rng.normal(size=h), rng.normal(size=(h, q)), rng.normal(size=q))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "elu", "softplus", "identity"])
@pytest.mark.parametrize("output_activation", ["identity", "sigmoid", "tanh"])
def test_two_layer_backward_matches_network_and_central_differences(activation, output_activation, rng):
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    W1, b1, W2, b2 = params = _two_layer_params(rng)
    O, cache = two_layer_forward(X, *params, activation, output_activation)
    _, dO = mean_squared_error(O, Y)
    grads = two_layer_backward(dO, cache)

    net = Network.from_weights([W1, W2], [b1, b2], [activation, output_activation])
    np.testing.assert_allclose(net.forward(X), O, rtol=1e-14)
    net.loss_and_gradient(X, Y, mean_squared_error)
    dX_net = net.backward(dO)
    for mine, theirs in ((grads.dW1, net.layers[0].dW), (grads.db1, net.layers[0].db),
                         (grads.dW2, net.layers[1].dW), (grads.db2, net.layers[1].db), (grads.dX, dX_net)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)

    def loss():
        return mean_squared_error(two_layer_forward(X, W1, b1, W2, b2, activation, output_activation)[0], Y)[0]

    numeric = numerical_gradient(loss, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "X": X})
    for name in ("W1", "b1", "W2", "b2", "X"):
        assert relative_error(getattr(grads, "d" + name), numeric[name]) < 1e-7, name


@pytest.mark.parametrize("loss_fn, make_target", [
    (softmax_cross_entropy, lambda rng: rng.integers(0, 2, size=6)),
    (binary_cross_entropy_with_logits, lambda rng: rng.integers(0, 2, size=(6, 2)).astype(float)),
])
def test_two_layer_backward_with_classification_losses(loss_fn, make_target, rng):
    X, target = rng.normal(size=(6, 3)), make_target(rng)
    W1, b1, W2, b2 = _two_layer_params(rng)
    logits, cache = two_layer_forward(X, W1, b1, W2, b2, "tanh")
    _, d_logits = loss_fn(logits, target)
    grads = two_layer_backward(d_logits, cache)
    numeric = numerical_gradient(lambda: loss_fn(two_layer_forward(X, W1, b1, W2, b2, "tanh")[0], target)[0],
                                 {"W1": W1, "b2": b2})
    assert relative_error(grads.dW1, numeric["W1"]) < 1e-7
    assert relative_error(grads.db2, numeric["b2"]) < 1e-7


def test_two_layer_backward_agrees_with_scalar_autodiff(rng):
    # Three implementations of the same derivative: closed form, Network, and Value graphs.
    X, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    W1, b1, W2, b2 = _two_layer_params(rng, d=2, h=3, q=1)
    O, cache = two_layer_forward(X, W1, b1, W2, b2, "tanh")
    _, dO = mean_squared_error(O, Y)
    grads = two_layer_backward(dO, cache)

    w1 = [[Value(v) for v in row] for row in W1]
    w2 = [Value(v) for v in W2[:, 0]]
    total = Value(0.0)
    for x, t in zip(X, Y[:, 0]):
        hidden = [sum((float(x[i]) * w1[i][j] for i in range(2)), Value(float(b1[j]))).tanh() for j in range(3)]
        out = sum((hidden[j] * w2[j] for j in range(3)), Value(float(b2[0])))
        total = total + (out - float(t)) ** 2
    mse = total / len(X)
    mse.backward()
    assert mse.data == pytest.approx(mean_squared_error(O, Y)[0], rel=1e-12)
    np.testing.assert_allclose([[v.grad for v in row] for row in w1], grads.dW1, rtol=1e-10)
    np.testing.assert_allclose([v.grad for v in w2], grads.dW2[:, 0], rtol=1e-10)


def test_two_layer_bad_input(rng):
    W1, b1, W2, b2 = _two_layer_params(rng)
    X = rng.normal(size=(4, 3))
    with pytest.raises(ValueError, match="W2"):
        two_layer_forward(X, W1, b1, W2[:4], b2)
    with pytest.raises(ValueError, match="X"):
        two_layer_forward(X[:, :2], W1, b1, W2, b2)
    with pytest.raises(ValueError, match="unknown activation"):
        two_layer_forward(X, W1, b1, W2, b2, activation="swish")
    O, cache = two_layer_forward(X, W1, b1, W2, b2)
    with pytest.raises(ValueError, match="d_output"):
        two_layer_backward(np.ones((4, 3)), cache)
    with pytest.raises(TypeError, match="cache"):
        two_layer_backward(np.ones_like(O), {"X": X})


# --- seed 002's five-row example, through the reference losses ------------------------------------

def test_seed002_five_row_cross_entropy():
    # Seed 002: predicted (dog, cat, beetle) probabilities and the true classes
    # cat, beetle, cat, dog, cat; the seed writes Q = -log 0.1 - log 0.05 - log 0.9 - log 0.6 - log 0.2.
    probs = np.array([[0.7, 0.1, 0.2], [0.8, 0.15, 0.05], [0.04, 0.9, 0.06], [0.6, 0.1, 0.3], [0.75, 0.2, 0.05]])
    labels = np.array([1, 2, 1, 0, 1])
    seed_sum = -(math.log(0.1) + math.log(0.05) + math.log(0.9) + math.log(0.6) + math.log(0.2))
    # softmax(log p) = p when the rows of p sum to 1, so log-probabilities serve as logits.
    mean_loss, _ = softmax_cross_entropy(np.log(probs), labels)
    assert 5 * mean_loss == pytest.approx(seed_sum, rel=1e-12)
    assert round(seed_sum, 3) == 7.524 and round(mean_loss, 3) == 1.505


# --- autodiff bad input --------------------------------------------------------------------------

def test_value_bad_input():
    for bad in ("1", None, True, [1.0]):
        with pytest.raises(TypeError, match="data"):
            Value(bad)
    with pytest.raises(ValueError, match="finite"):
        Value(float("nan"))
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) * "a"
    with pytest.raises(TypeError):
        "a" + Value(1.0)
    with pytest.raises(ValueError, match=r"log of a non-positive number: log\(-1\.0\)"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="log"):
        Value(0.0).log()
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError):
        2.0 ** Value(3.0)
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match="infinite"):
        Value(0.0) ** -1
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()
    with pytest.raises(OverflowError, match="overflows"):
        Value(1e200) * 1e200
    with pytest.raises(OverflowError, match="overflows"):
        Value(1.0) / 1e-310           # 1e310 is beyond float64's range
    with pytest.raises(TypeError, match="root"):
        graph_nodes(3.0)
    with pytest.raises(TypeError, match="gradient"):
        Value(1.0).backward(gradient="1")
