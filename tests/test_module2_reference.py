"""Module 2: bumps and staircases of sigmoids, linear collapse, random features, polynomial rank.

Expected numbers come from the mathematics, not from running the code:
  * a bump at distance delta inside its edges is within 2 h exp(-C delta) of its height h, and at
    distance delta outside within h exp(-C delta) of 0 (because 1 - sigmoid(t) < exp(-t));
  * a staircase with n cells of an L-Lipschitz f is within L / (2n) of f (plus exponentially
    small sigmoid tails); for sqrt, whose modulus of continuity is sqrt(delta), within
    sqrt(1 / (2n)), and that is attained at x = 0;
  * with d inputs, (x @ w + b)**k spans polynomials of degree <= k: rank <= C(d + k, k);
  * the best uniform approximation of |x| on [-1, 1] by a quadratic is x^2 + 1/8, with error 1/8
    equioscillating at -1, -1/2, 0, 1/2, 1, so no quadratic does better on a grid holding them.
"""
from math import comb

import numpy as np
import pytest

from reference_impl import Network
from reference_impl.activations import sigmoid
from reference_impl.approximation import (CONSTRUCTIONS, SigmoidStaircase, approximate_to_tolerance,
                                          bump, error_grid, staircase_approximation, sup_error)
from reference_impl.linear_collapse import collapse_linear_layers, collapse_linear_network
from reference_impl.random_features import (least_squares_fit, numerical_rank,
                                            polynomial_feature_rank, polynomial_rank_bound,
                                            power_activation, random_features,
                                            random_hidden_layer, random_sigmoid_features)

FINE = np.linspace(0.0, 1.0, 20001)  # an independent check grid, finer than error_grid's

# name -> (f, bound on the staircase error with n cells, from its modulus of continuity)
SMOOTH_BUMP_LIPSCHITZ = np.sqrt(2.0) * np.exp(-0.5) / 0.15  # max |d/dx exp(-((x - .5) / .15)^2)|
FUNCTIONS = {
    "sin": (lambda x: np.sin(2 * np.pi * x), lambda n: 2 * np.pi / (2 * n)),
    "abs": (lambda x: np.abs(x - 0.3), lambda n: 1.0 / (2 * n)),
    "smooth_bump": (lambda x: np.exp(-((x - 0.5) / 0.15) ** 2),
                    lambda n: SMOOTH_BUMP_LIPSCHITZ / (2 * n)),
    "sqrt": (np.sqrt, lambda n: np.sqrt(1.0 / (2 * n))),
}
TAIL = 1e-3  # room for the sigmoid tails, exp(-10) per neighbouring unit at the default steepness


# --- bump -----------------------------------------------------------------------------------

def test_bump_is_flat_at_its_height_inside_and_zero_outside():
    C, left, right, height = 100.0, 0.2, 0.6, 3.0
    inside = np.linspace(left + 0.1, right - 0.1, 201)   # at least 0.1 from both edges
    outside = np.concatenate([np.linspace(-1.0, left - 0.1, 101),
                              np.linspace(right + 0.1, 2.0, 101)])
    assert np.all(np.abs(bump(inside, left, right, height, C) - height) <= 2 * height * np.exp(-10))
    assert np.all(np.abs(bump(outside, left, right, height, C)) <= height * np.exp(-10))


def test_bump_value_at_its_edges():
    # At x = left: sigmoid(0) - sigmoid(-C (right - left)) = 1/2 - 1 / (1 + e^{C w}).
    C, w = 10.0, 0.3
    expected = 2.0 * (0.5 - 1.0 / (1.0 + np.exp(C * w)))
    values = bump(np.array([0.0, w]), 0.0, w, height=2.0, steepness=C)
    np.testing.assert_allclose(values, [expected, expected], rtol=1e-12)


def test_bump_is_a_difference_of_two_sigmoid_units():
    x = np.linspace(-2, 3, 101)
    direct = -1.5 * (1 / (1 + np.exp(-7.0 * (x - 0.5))) - 1 / (1 + np.exp(-7.0 * (x - 1.25))))
    np.testing.assert_allclose(bump(x, 0.5, 1.25, height=-1.5, steepness=7.0), direct, atol=1e-14)


def test_bump_keeps_any_shape():
    x = np.zeros((2, 3, 4))
    assert bump(x, -1, 1).shape == (2, 3, 4)
    assert np.ndim(bump(0.0, -1, 1)) == 0


def test_bump_with_huge_inputs_and_steepness_saturates_without_warnings():
    # pytest turns warnings into errors: an overflow in C * (x - left) would fail this test.
    x = np.array([-1e308, -1.0, 0.5, 2.0, 1e308])
    np.testing.assert_array_equal(bump(x, 0.0, 1.0, steepness=1e300), [0.0, 0.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(left=1.0, right=1.0), ValueError, "left"),
    (dict(left=2.0, right=1.0), ValueError, "left"),
    (dict(steepness=0.0), ValueError, "steepness"),
    (dict(steepness=-5.0), ValueError, "steepness"),
    (dict(height=np.nan), ValueError, "height"),
    (dict(x="0.5"), TypeError, "x"),
    (dict(x=[0.0, np.inf]), ValueError, "x"),
    (dict(left=[0.0, 0.1]), ValueError, "left"),
])
def test_bump_rejects_bad_input(kwargs, error, word):
    args = dict(x=np.linspace(0, 1, 5), left=0.2, right=0.8) | kwargs
    with pytest.raises(error, match=word):
        bump(**args)


# --- staircases -----------------------------------------------------------------------------

@pytest.mark.parametrize("construction", CONSTRUCTIONS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_approximate_to_tolerance_reaches_sup_error_below_005(name, construction):
    f, _ = FUNCTIONS[name]
    g, achieved = approximate_to_tolerance(f, 0.05, construction=construction)
    assert isinstance(g, SigmoidStaircase)
    assert achieved <= 0.05
    assert sup_error(f, g, FINE) < 0.05 + TAIL, f"{name}: the error on a finer grid is larger"


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_staircase_error_obeys_the_modulus_of_continuity_bound(name, construction):
    f, bound = FUNCTIONS[name]
    for n in (4, 16, 64):
        error = sup_error(f, staircase_approximation(f, n, construction=construction), FINE)
        assert error <= bound(n) + TAIL, f"{name}, n={n}: error {error:.4g} > bound {bound(n):.4g}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_staircase_error_falls_as_units_grow(name):
    f, _ = FUNCTIONS[name]
    cells = [2, 4, 8, 16, 32, 64, 128]
    errors = [sup_error(f, staircase_approximation(f, n), error_grid(n)) for n in cells]
    assert all(a > b for a, b in zip(errors, errors[1:])), dict(zip(cells, errors))


def test_sqrt_error_is_exactly_its_modulus_at_zero():
    # On the first plateau g = sqrt(m_1) = sqrt(1 / (2n)) while sqrt(0) = 0: rate n^(-1/2).
    for n in (8, 32, 128):
        error = sup_error(np.sqrt, staircase_approximation(np.sqrt, n), FINE)
        np.testing.assert_allclose(error, np.sqrt(1.0 / (2 * n)), rtol=1e-3)


def test_steps_use_n_minus_1_units_and_match_bumps_with_2n():
    f, _ = FUNCTIONS["sin"]
    bumps = staircase_approximation(f, 20, construction="bumps")
    steps = staircase_approximation(f, 20, construction="steps")
    assert bumps.n_hidden == 40 and steps.n_hidden == 19
    assert sup_error(bumps, steps, FINE) < TAIL


def test_staircase_parameters_have_course_shapes_and_heights_at_midpoints():
    g = staircase_approximation(lambda x: 3 * x, 5, construction="steps", domain=(-1.0, 1.0))
    assert g.W.shape == (1, 4) and g.b.shape == (4,)
    assert g.W_out.shape == (4, 1) and g.b_out.shape == (1,)
    np.testing.assert_allclose(-g.b / g.W[0], [-0.6, -0.2, 0.2, 0.6])   # steps at the cell edges
    np.testing.assert_allclose(g.W_out.ravel(), [1.2] * 4)               # 3 * (cell width 0.4)
    np.testing.assert_allclose(g.b_out, [3 * -0.8])                      # f at the first midpoint
    midpoints = np.array([-0.8, -0.4, 0.0, 0.4, 0.8])
    np.testing.assert_allclose(g(midpoints), 3 * midpoints, atol=TAIL)


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_staircase_of_a_constant_is_that_constant_even_at_the_domain_ends(construction):
    g = staircase_approximation(lambda x: 2.5, 7, construction=construction)
    assert sup_error(2.5 * np.ones_like(FINE), g, FINE) < TAIL


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_staircase_as_a_network_computes_the_same_function(construction):
    g = staircase_approximation(np.cos, 9, construction=construction)
    net = g.to_network()
    assert isinstance(net, Network)
    x = np.linspace(-0.5, 1.5, 303)
    np.testing.assert_allclose(net.forward(x[:, None]).ravel(), g(x), atol=1e-12)
    np.testing.assert_allclose(g(x.reshape(3, 101)), g(x).reshape(3, 101))


def test_gentle_steepness_blurs_the_steps():
    f = lambda x: np.abs(x - 0.3)  # noqa: E731
    steep = staircase_approximation(f, 10, construction="steps")
    gentle = staircase_approximation(f, 10, steepness=5.0, construction="steps")
    assert np.allclose(steep.W, 200.0) and np.allclose(gentle.W, 5.0)
    # A near-flat sigmoid cannot hold a plateau: with C = 5 the sum is far from f.
    assert sup_error(f, gentle, FINE) > 2 * sup_error(f, steep, FINE)


def test_approximate_to_tolerance_returns_the_fewest_cells():
    f, bound = FUNCTIONS["abs"]
    g, achieved = approximate_to_tolerance(f, 0.02, construction="steps")
    n = g.n_hidden + 1
    assert bound(n) + TAIL >= achieved  # and the error is the L / (2n) of the theory
    smaller = staircase_approximation(f, n - 1, construction="steps")
    assert sup_error(f, smaller, error_grid(n - 1)) > 0.02


def test_approximate_to_tolerance_on_a_given_grid_and_domain():
    grid = np.linspace(-2.0, 2.0, 4001)
    g, achieved = approximate_to_tolerance(np.tanh, 0.03, domain=(-2.0, 2.0), grid=grid)
    assert g.domain == (-2.0, 2.0)
    assert achieved == sup_error(np.tanh, g, grid) <= 0.03


def test_sup_error_of_known_functions():
    grid = np.linspace(0.0, 1.0, 101)
    assert sup_error(lambda x: x, lambda x: x ** 2, grid) == pytest.approx(0.25)   # at x = 1/2
    assert sup_error(grid, 1.0 - grid, grid) == pytest.approx(1.0)                  # arrays too
    assert sup_error(np.sin, np.sin, grid) == 0.0


@pytest.mark.parametrize("call, error, word", [
    (lambda: staircase_approximation("sin", 4), TypeError, "f"),
    (lambda: staircase_approximation(np.sin, 0), ValueError, "n_bumps"),
    (lambda: staircase_approximation(np.sin, 2.5), ValueError, "n_bumps"),
    (lambda: staircase_approximation(np.sin, 1, construction="steps"), ValueError, "n_bumps"),
    (lambda: staircase_approximation(np.sin, 4, construction="stairs"), ValueError, "construction"),
    (lambda: staircase_approximation(np.sin, 4, steepness=0.0), ValueError, "steepness"),
    (lambda: staircase_approximation(np.sin, 4, domain=(1.0, 0.0)), ValueError, "domain"),
    (lambda: staircase_approximation(lambda x: x[:2], 4), ValueError, "f"),
    (lambda: staircase_approximation(lambda x: np.log(x - 1), 4), ValueError, "f"),
    (lambda: approximate_to_tolerance(np.sin, -0.1), ValueError, "tolerance"),
    (lambda: approximate_to_tolerance(np.sin, 0.1, max_bumps=0), ValueError, "max_bumps"),
    (lambda: approximate_to_tolerance(np.sin, 0.1, max_bumps=1, construction="steps"),
     ValueError, "max_bumps"),
    (lambda: approximate_to_tolerance([1, 2], 0.1), TypeError, "f"),
    (lambda: sup_error(np.sin, np.cos, []), ValueError, "grid"),
    (lambda: sup_error(np.sin, np.zeros(3), np.zeros(4)), ValueError, "g"),
    (lambda: sup_error(np.sin, "cos", np.zeros(4)), TypeError, "g"),
    (lambda: error_grid(0), ValueError, "n_bumps"),
])
def test_staircase_functions_reject_bad_input(call, error, word):
    with np.errstate(invalid="ignore"):  # log of a negative number is the point of one case
        with pytest.raises(error, match=word):
            call()


def test_a_discontinuous_function_cannot_reach_the_tolerance():
    # A jump of 1 at 1/3, never a cell edge of a uniform grid of [0, 1] with 2^k cells: some
    # plateau sits on the wrong side of the jump, so the error stays near 1.
    with pytest.raises(ValueError, match="continuous"):
        approximate_to_tolerance(lambda x: (x > 1 / 3).astype(float), 0.1, max_bumps=64)


# --- collapse of linear layers ----------------------------------------------------------------

@pytest.mark.parametrize("d0, d1, d2", [(1, 1, 1), (3, 5, 2), (4, 2, 6)])
def test_two_linear_layers_collapse_to_one(d0, d1, d2, rng):
    W1, b1 = rng.normal(size=(d0, d1)), rng.normal(size=d1)
    W2, b2 = rng.normal(size=(d1, d2)), rng.normal(size=d2)
    W, b = collapse_linear_layers(W1, b1, W2, b2)
    assert W.shape == (d0, d2) and b.shape == (d2,)
    X = rng.normal(size=(17, d0))
    np.testing.assert_allclose(X @ W + b, (X @ W1 + b1) @ W2 + b2, atol=1e-12)


def test_a_deep_network_without_activations_is_one_linear_layer(rng):
    sizes = [3, 7, 2, 5, 4]
    weights = [rng.normal(size=s) for s in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=s) for s in sizes[1:]]
    W, b = collapse_linear_network(weights, biases)
    net = Network.from_weights(weights, biases, ["identity"] * 4)
    X = rng.normal(size=(11, 3))
    np.testing.assert_allclose(X @ W + b, net.forward(X), atol=1e-12)
    # The bottleneck of width 2 bounds the rank of the collapsed 3 x 4 map.
    assert np.linalg.matrix_rank(W) <= 2


def test_collapse_without_biases_and_of_a_single_layer(rng):
    W1, W2 = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    W, b = collapse_linear_network([W1, W2])
    np.testing.assert_allclose(W, W1 @ W2)
    np.testing.assert_array_equal(b, np.zeros(4))
    W, b = collapse_linear_layers(W1, None, W2, None)
    np.testing.assert_allclose(W, W1 @ W2)
    single, bias = collapse_linear_network([W1], [np.ones(3)])
    np.testing.assert_array_equal(single, W1)
    np.testing.assert_array_equal(bias, np.ones(3))


@pytest.mark.parametrize("call, error, word", [
    (lambda: collapse_linear_layers(np.ones((2, 3)), np.ones(3), np.ones((2, 4)), np.ones(4)),
     ValueError, "W2"),
    (lambda: collapse_linear_layers(np.ones((2, 3)), np.ones(4), np.ones((3, 4)), np.ones(4)),
     ValueError, "b1"),
    (lambda: collapse_linear_layers(np.ones(3), np.ones(3), np.ones((3, 4)), np.ones(4)),
     ValueError, "W1"),
    (lambda: collapse_linear_layers(np.ones((2, 3)), np.ones(3), "W2", np.ones(4)),
     TypeError, "W2"),
    (lambda: collapse_linear_network([]), ValueError, "weights"),
    (lambda: collapse_linear_network(np.ones((2, 2))), TypeError, "weights"),
    (lambda: collapse_linear_network([np.ones((2, 3))], [np.ones(3), np.ones(3)]),
     ValueError, "biases"),
    (lambda: collapse_linear_network([np.ones((2, 3)), np.ones((2, 2))]),
     ValueError, r"weights\[1\]"),
])
def test_collapse_rejects_bad_input(call, error, word):
    with pytest.raises(error, match=word):
        call()


# --- random features and least squares --------------------------------------------------------

def test_random_layers_are_nested_and_do_not_depend_on_x():
    x = np.linspace(0, 1, 50)
    narrow = random_sigmoid_features(x, 10, seed=3)
    wide = random_sigmoid_features(x, 40, seed=3)
    np.testing.assert_array_equal(narrow, wide[:, :10])
    np.testing.assert_array_equal(random_sigmoid_features(x[:7], 40, seed=3), wide[:7])
    assert not np.allclose(random_sigmoid_features(x, 10, seed=4), narrow)


def test_random_units_are_centred_inside_the_domain():
    W, b = random_hidden_layer(2, 500, seed=0, scale=5.0, domain=(-1.0, 3.0))
    assert W.shape == (2, 500) and b.shape == (500,)
    # Each unit's hyperplane x @ W[:, j] + b[j] = 0 passes through its centre c_j in the box;
    # in 1-D that centre is -b / w.
    W1, b1 = random_hidden_layer(1, 500, seed=0, scale=5.0, domain=(-1.0, 3.0))
    centres = -b1 / W1[0]
    assert centres.min() >= -1.0 and centres.max() <= 3.0
    assert abs(np.std(W1) - 5.0) < 0.5  # slopes ~ N(0, 5^2)


def test_least_squares_recovers_an_exact_linear_readout(rng):
    H = rng.normal(size=(30, 6))
    w, c = rng.normal(size=6), 0.7
    W_out, b_out = least_squares_fit(H, H @ w + c)
    np.testing.assert_allclose(W_out, w, atol=1e-10)
    assert b_out == pytest.approx(c)
    Y = np.column_stack([H @ w + c, -H @ w])
    W_out, b_out = least_squares_fit(H, Y)
    assert W_out.shape == (6, 2) and b_out.shape == (2,)
    np.testing.assert_allclose(b_out, [c, 0.0], atol=1e-10)


def test_least_squares_training_error_never_grows_with_width():
    # Nested layers: each wider layer's column space contains the narrower one's.
    x = np.linspace(-1, 1, 201)
    y = np.abs(x)
    for seed in range(5):
        errors = []
        for width in (2, 4, 8, 16, 32, 64):
            H = random_sigmoid_features(x, width, seed=seed, domain=(-1, 1))
            W_out, b_out = least_squares_fit(H, y)
            errors.append(np.mean((H @ W_out + b_out - y) ** 2))
        assert all(b <= a + 1e-12 for a, b in zip(errors, errors[1:])), (seed, errors)


@pytest.mark.parametrize("target", [np.abs, lambda x: np.sin(3 * x)])
def test_least_squares_test_error_falls_with_width_on_average(target):
    x_train, x_test = np.linspace(-1, 1, 201), np.linspace(-1, 1, 2001)
    widths = [4, 8, 16, 32, 64, 128]
    mean_errors = []
    for width in widths:
        errors = []
        for seed in range(10):
            H = random_sigmoid_features(x_train, width, seed=seed, domain=(-1, 1))
            W_out, b_out = least_squares_fit(H, target(x_train))
            H_test = random_sigmoid_features(x_test, width, seed=seed, domain=(-1, 1))
            errors.append(np.max(np.abs(H_test @ W_out + b_out - target(x_test))))
        mean_errors.append(np.mean(errors))
    assert all(a > b for a, b in zip(mean_errors, mean_errors[1:])), dict(zip(widths, mean_errors))
    assert mean_errors[-1] < 0.02


def test_polynomial_features_cannot_beat_the_minimax_error_however_wide():
    grid = np.linspace(-1, 1, 401)  # holds the equioscillation points -1, -1/2, 0, 1/2, 1
    assert np.isin([-1.0, -0.5, 0.0, 0.5, 1.0], grid).all()
    y = np.abs(grid)
    for width in (5, 20, 50, 200):
        H = random_features(grid, width, power_activation(2), seed=0, scale=1.0, domain=(-1, 1))
        W_out, b_out = least_squares_fit(H, y)
        assert np.max(np.abs(H @ W_out + b_out - y)) >= 1 / 8 - 1e-9, width
    H = random_sigmoid_features(grid, 200, seed=0, domain=(-1, 1))
    W_out, b_out = least_squares_fit(H, y)
    assert np.max(np.abs(H @ W_out + b_out - y)) < 1 / 8 / 4


@pytest.mark.parametrize("degree", [0, 1, 2, 3, 5])
def test_polynomial_activation_rank_is_at_most_degree_plus_one(degree):
    x = np.linspace(-1, 1, 300)
    for width in (5, 10, 20, 50, 100, 200):
        rank = polynomial_feature_rank(x, width, degree, seed=width)
        assert rank <= degree + 1, (width, rank)
        if width >= 2 * (degree + 1):  # enough random units to span every polynomial
            assert rank == degree + 1, (width, rank)


def test_polynomial_rank_bound_in_two_dimensions(rng):
    X = rng.uniform(-1, 1, size=(400, 2))
    for degree in (1, 2, 3):
        assert polynomial_rank_bound(2, degree) == comb(2 + degree, 2)
        assert polynomial_feature_rank(X, 100, degree, seed=1) == comb(2 + degree, 2)


def test_sigmoid_features_reach_full_rank():
    x = np.linspace(0, 1, 400)
    for width in (5, 10, 20, 50):
        assert numerical_rank(random_sigmoid_features(x, width, seed=0, scale=100.0)) == width
    ranks = [numerical_rank(random_sigmoid_features(x, w, seed=0, scale=100.0))
             for w in (50, 100, 200)]
    assert ranks[0] < ranks[1] < ranks[2] and ranks[2] >= 100  # far beyond any degree + 1


def test_numerical_rank_of_known_matrices():
    assert numerical_rank(np.diag([1.0, 1e-3, 1e-12])) == 2
    assert numerical_rank(np.diag([1.0, 1e-3, 1e-12]), rtol=1e-13) == 3
    assert numerical_rank(np.zeros((3, 4))) == 0
    assert numerical_rank(np.outer([1.0, 2.0, 3.0], [1.0, -1.0])) == 1
    assert numerical_rank(np.zeros((0, 3))) == 0


def test_power_activation_and_its_derivative():
    z = np.array([-2.0, 0.5, 3.0])
    cube = power_activation(3)
    np.testing.assert_allclose(cube(z), z ** 3)
    np.testing.assert_allclose(cube.derivative(z), 3 * z ** 2)
    np.testing.assert_array_equal(power_activation(0).derivative(z), np.zeros(3))
    net = Network.from_weights([np.ones((1, 2))], None, [cube])  # usable as a layer activation
    np.testing.assert_allclose(net.forward(z[:, None]), np.column_stack([z ** 3, z ** 3]))


@pytest.mark.parametrize("call, error, word", [
    (lambda: least_squares_fit(np.ones((5, 2)), np.ones(4)), ValueError, "rows"),
    (lambda: least_squares_fit(np.ones(5), np.ones(5)), ValueError, "features"),
    (lambda: least_squares_fit(np.ones((5, 2)), "y"), TypeError, "y"),
    (lambda: least_squares_fit(np.ones((0, 2)), np.ones(0)), ValueError, "features"),
    (lambda: random_sigmoid_features(np.ones(5), 0), ValueError, "width"),
    (lambda: random_sigmoid_features(np.ones(5), 3, seed=1.5), TypeError, "seed"),
    (lambda: random_sigmoid_features(np.ones(5), 3, seed=-1), ValueError, "seed"),
    (lambda: random_sigmoid_features(np.ones(5), 3, scale=-2.0), ValueError, "scale"),
    (lambda: random_sigmoid_features(np.ones(5), 3, domain=(1, 0)), ValueError, "domain"),
    (lambda: random_sigmoid_features(np.ones((2, 2, 2)), 3), ValueError, "x"),
    (lambda: random_sigmoid_features(np.ones(0), 3), ValueError, "x"),
    (lambda: random_features(np.ones(5), 3, "cubic"), ValueError, "activation"),
    (lambda: polynomial_feature_rank(np.ones(5), 3, -1), ValueError, "degree"),
    (lambda: polynomial_feature_rank(np.ones(5), 3, 2.0), ValueError, "degree"),
    (lambda: numerical_rank(np.ones(3)), ValueError, "H"),
    (lambda: numerical_rank(np.ones((2, 2)), rtol=0.0), ValueError, "rtol"),
    (lambda: random_hidden_layer(0, 3), ValueError, "input_dim"),
])
def test_random_feature_functions_reject_bad_input(call, error, word):
    with pytest.raises(error, match=word):
        call()


def test_sigmoid_is_the_one_from_activations():
    # The staircase's units are the course's stable sigmoid, not a private copy.
    g = staircase_approximation(np.sin, 3, construction="steps")
    x = np.linspace(0, 1, 11)
    expected = sigmoid(x[:, None] @ g.W + g.b) @ g.W_out + g.b_out
    np.testing.assert_allclose(g(x), expected.ravel(), atol=1e-15)
