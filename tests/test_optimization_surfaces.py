"""2-D test surfaces: gradients by central differences, known minima, trajectories."""
import numpy as np
import pytest

from reference_impl.gradient_check import numerical_gradient, relative_error
from reference_impl.optimization_surfaces import SURFACES, Surface, beale, rosenbrock, saddle, trajectory
from reference_impl.optimizers import Adam, GradientDescent, Momentum

FUNCTIONS = {"rosenbrock": rosenbrock, "beale": beale, "saddle": saddle}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradients_match_central_differences(name, rng):
    f = FUNCTIONS[name]
    for _ in range(10):
        p = rng.uniform(-2.0, 2.0, size=2)
        value, grad = f(p)
        assert isinstance(value, float) and grad.shape == (2,)
        num = numerical_gradient(lambda: f(p)[0], p)
        assert relative_error(grad, num) < 1e-7, (name, p)


def test_known_minima_and_the_saddle():
    assert rosenbrock([1.0, 1.0])[0] == 0.0
    np.testing.assert_array_equal(rosenbrock(np.array([1.0, 1.0]))[1], [0.0, 0.0])
    assert beale([3.0, 0.5])[0] == 0.0
    np.testing.assert_array_equal(beale([3.0, 0.5])[1], [0.0, 0.0])
    assert rosenbrock([-1.5, 2.0])[0] == pytest.approx(12.5)
    assert saddle([0.0, 0.0]) == (0.0, pytest.approx(np.zeros(2)))
    assert saddle([0.1, 0.0])[0] > 0 > saddle([0.0, 0.1])[0]  # up along x, down along y
    for name, surface in SURFACES.items():
        assert isinstance(surface, Surface) and surface.name == name and surface.function is FUNCTIONS[name]
        if surface.minimum is not None:
            assert surface(surface.minimum)[0] == 0.0


def test_functions_evaluate_on_a_grid():
    xs, ys = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 4))
    value, grad = rosenbrock(np.stack([xs, ys]))
    assert value.shape == (4, 5) and grad.shape == (2, 4, 5)
    assert value[2, 3] == rosenbrock([xs[2, 3], ys[2, 3]])[0]
    with pytest.raises(ValueError, match=r"p must have shape \(2,\)"):
        beale(np.zeros(3))


def test_trajectory_shape_start_and_reset():
    opt = Adam(lr=0.01)
    path = trajectory(opt, "beale", (1.0, 1.5), 200)
    assert path.shape == (201, 2)
    np.testing.assert_array_equal(path[0], [1.0, 1.5])
    again = trajectory(opt, SURFACES["beale"], None, 200)  # reset first, default start
    np.testing.assert_array_equal(again, path)
    custom = trajectory(GradientDescent(0.1), lambda p: (float(p @ p), 2 * p), (1.0, -1.0), 20)
    np.testing.assert_allclose(custom[-1], 0.8 ** 20 * np.array([1.0, -1.0]), rtol=1e-12)
    with pytest.raises(ValueError, match="unknown surface"):
        trajectory(opt, "himmelblau", (0.0, 0.0), 5)


def test_momentum_and_adam_reach_beales_minimum():
    for opt in (Adam(lr=0.01), Momentum(1e-3, 0.9)):
        path = trajectory(opt, "beale", None, 3000)
        np.testing.assert_allclose(path[-1], [3.0, 0.5], atol=2e-2)


def test_gd_escapes_the_saddle_only_along_y():
    path = trajectory(GradientDescent(0.1), "saddle", None, 30)
    assert abs(path[-1, 0]) < 1e-2 and abs(path[-1, 1]) > 100 * abs(path[0, 1])


def test_a_diverging_trajectory_ends_in_nan_rows():
    path = trajectory(GradientDescent(1.0), "rosenbrock", None, 50)
    assert path.shape == (51, 2) and np.isnan(path[-1]).all() and np.isfinite(path[:3]).all()
