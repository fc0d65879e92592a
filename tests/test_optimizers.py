"""Module 4 optimizers: every update rule against a hand-written loop, the relations between the
forms, the slide variants, in-place state, dtypes, allocations, input errors, gradient clipping
and training with ``fit``."""
import math

import numpy as np
import pytest

from allocations import allocations

from reference_impl import Network, softmax_cross_entropy
from reference_impl import optimizers as O
from reference_impl import training
from reference_impl.datasets import make_dataset
from reference_impl.gradient_clipping import clip_by_global_norm, global_norm
from reference_impl.optimization_surfaces import rosenbrock, trajectory

N, STEPS = 7, 8


# --- hand-written references: one coordinate at a time, straight from the papers ---------------
def ref_gd(w, gs, lr):
    w = list(w)
    for g in gs:
        for i in range(len(w)):
            w[i] = w[i] - lr * g[i]
        yield np.array(w), {}


def ref_momentum(w, gs, lr, gamma, form):
    w, v = list(w), [0.0] * len(w)
    for g in gs:
        for i in range(len(w)):
            v[i] = gamma * v[i] + (g[i] if form == "classic" else (1 - gamma) * g[i])
            w[i] = w[i] - lr * v[i]
        yield np.array(w), {"velocity": np.array(v)}


def ref_nesterov(w, gs, lr, gamma):
    # PyTorch's form: b := gamma b + g; w := w - lr (g + gamma b)
    w, b = list(w), [0.0] * len(w)
    for g in gs:
        for i in range(len(w)):
            b[i] = gamma * b[i] + g[i]
            w[i] = w[i] - lr * (g[i] + gamma * b[i])
        yield np.array(w), {"velocity": np.array(b)}


def ref_rmsprop(w, gs, lr, rho, eps):
    w, s = list(w), [0.0] * len(w)
    for g in gs:
        for i in range(len(w)):
            s[i] = rho * s[i] + (1 - rho) * g[i] ** 2
            w[i] = w[i] - lr * g[i] / (math.sqrt(s[i]) + eps)
        yield np.array(w), {"square_avg": np.array(s)}


def ref_adadelta(w, gs, lr, rho, eps):
    # Zeiler (2012), Algorithm 1: eps inside both roots.
    w, Eg, Edx = list(w), [0.0] * len(w), [0.0] * len(w)
    for g in gs:
        for i in range(len(w)):
            Eg[i] = rho * Eg[i] + (1 - rho) * g[i] ** 2
            dx = -math.sqrt(Edx[i] + eps) / math.sqrt(Eg[i] + eps) * g[i]
            Edx[i] = rho * Edx[i] + (1 - rho) * dx ** 2
            w[i] = w[i] + lr * dx
        yield np.array(w), {"square_avg": np.array(Eg), "delta_avg": np.array(Edx)}


def ref_adadelta_slides(w, gs, lr, rho, eps):
    # Seed 001: delta = g (sqrt(D) + eps) / (sqrt(G) + eps).
    w, G, D = list(w), [0.0] * len(w), [0.0] * len(w)
    for g in gs:
        for i in range(len(w)):
            G[i] = rho * G[i] + (1 - rho) * g[i] ** 2
            delta = g[i] * (math.sqrt(D[i]) + eps) / (math.sqrt(G[i]) + eps)
            D[i] = rho * D[i] + (1 - rho) * delta ** 2
            w[i] = w[i] - lr * delta
        yield np.array(w), {"square_avg": np.array(G), "delta_avg": np.array(D)}


def ref_adam(w, gs, lr, beta1, beta2, eps):
    w, m, v = list(w), [0.0] * len(w), [0.0] * len(w)
    for t, g in enumerate(gs, start=1):
        for i in range(len(w)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            mhat = m[i] / (1 - beta1 ** t)
            vhat = v[i] / (1 - beta2 ** t)
            w[i] = w[i] - lr * mhat / (math.sqrt(vhat) + eps)
        yield np.array(w), {"m": np.array(m), "v": np.array(v)}


def ref_nadam(w, gs, lr, beta1, beta2, eps, momentum_decay):
    # Dozat (2016) with the schedule mu_t, in the form of PyTorch's NAdam.
    def mu(t):
        return beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))

    w, m, v = list(w), [0.0] * len(w), [0.0] * len(w)
    for t, g in enumerate(gs, start=1):
        prod_t = math.prod(mu(i) for i in range(1, t + 1))
        prod_next = prod_t * mu(t + 1)
        for i in range(len(w)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            vhat = v[i] / (1 - beta2 ** t)
            mbar = (1 - mu(t)) * g[i] / (1 - prod_t) + mu(t + 1) * m[i] / (1 - prod_next)
            w[i] = w[i] - lr * mbar / (math.sqrt(vhat) + eps)
        yield np.array(w), {"m": np.array(m), "v": np.array(v)}


def ref_nadam_slides(w, gs, lr, beta1, beta2, eps):
    w, m, v = list(w), [0.0] * len(w), [0.0] * len(w)
    for t, g in enumerate(gs, start=1):
        for i in range(len(w)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            mhat, vhat = m[i] / (1 - beta1 ** t), v[i] / (1 - beta2 ** t)
            w[i] = w[i] - lr * (beta1 * mhat + (1 - beta1) / (1 - beta1 ** t) * g[i]) / (math.sqrt(vhat) + eps)
        yield np.array(w), {"m": np.array(m), "v": np.array(v)}


# Non-default hyperparameters, with eps large enough that where it sits matters.
CASES = {
    "gd": (O.GradientDescent, ref_gd, dict(lr=0.05)),
    "momentum": (O.Momentum, ref_momentum, dict(lr=0.03, gamma=0.8, form="classic")),
    "momentum_average": (O.Momentum, ref_momentum, dict(lr=0.03, gamma=0.8, form="average")),
    "nesterov": (O.Nesterov, ref_nesterov, dict(lr=0.03, gamma=0.85)),
    "rmsprop": (O.RMSProp, ref_rmsprop, dict(lr=0.01, rho=0.8, eps=1e-3)),
    "adadelta": (O.AdaDelta, ref_adadelta, dict(lr=0.7, rho=0.9, eps=1e-3)),
    "adadelta_slides": (O.AdaDeltaSlides, ref_adadelta_slides, dict(lr=0.7, rho=0.9, eps=1e-3)),
    "adam": (O.Adam, ref_adam, dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-3)),
    "nadam": (O.Nadam, ref_nadam, dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-3, momentum_decay=0.05)),
    "nadam_slides": (O.NadamSlides, ref_nadam_slides, dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-3)),
}
ALL_CLASSES = [O.GradientDescent, O.Momentum, O.Nesterov, O.RMSProp, O.AdaDelta, O.AdaDeltaSlides,
               O.Adam, O.Nadam, O.NadamSlides]


def make(cls, **kw):
    """An instance with a learning rate (Momentum and Nesterov have no default lr)."""
    kw.setdefault("lr", 0.01)
    return cls(**kw)


def random_problem(rng, n=N, steps=STEPS):
    w0 = rng.normal(size=n)
    grads = [rng.normal(size=n) * 10.0 ** rng.uniform(-2, 1, size=n) for _ in range(steps)]
    return w0, grads


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_optimizer_matches_its_update_written_out_by_hand(case, rng):
    cls, reference, hyper = CASES[case]
    w0, grads = random_problem(rng)
    opt = cls(**hyper)
    w = w0.copy()
    assert opt.t == 0 and opt.state == {}
    for t, (g, (w_ref, state_ref)) in enumerate(zip(grads, reference(w0, grads, **hyper)), start=1):
        opt.step(w, g.copy())
        assert opt.t == t
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-12, err_msg=f"{case}, step {t}")
        for name, ref in state_ref.items():
            np.testing.assert_allclose(opt.state[name], ref, rtol=1e-12, atol=1e-12,
                                       err_msg=f"{case}, state {name!r}, step {t}")


def test_sgd_is_gradient_descent_and_training_uses_the_same_class():
    assert O.SGD is O.GradientDescent
    assert training.GradientDescent is O.GradientDescent


@pytest.mark.parametrize("beta1", [0.0, 0.9, 0.99])
def test_adam_first_step_has_magnitude_lr_in_every_coordinate(beta1, rng):
    g = rng.choice([-1.0, 1.0], size=50) * 10.0 ** rng.uniform(-6, 6, size=50)
    w0 = rng.normal(size=50)
    w = w0.copy()
    O.Adam(lr=0.003, beta1=beta1, eps=1e-300).step(w, g)
    np.testing.assert_allclose(w0 - w, 0.003 * np.sign(g), rtol=1e-12)


def _quadratic(rng, n=5):
    """f(w) = w'Aw/2 - b'w with A symmetric positive definite; returns grad(w)."""
    Q = rng.normal(size=(n, n))
    A = Q @ Q.T / n + 0.1 * np.eye(n)
    b = rng.normal(size=n)
    return lambda w: A @ w - b


def _run(opt, grad, w0, steps):
    w = w0.copy()
    path = [w.copy()]
    for _ in range(steps):
        opt.step(w, grad(w))
        path.append(w.copy())
    return np.array(path)


def _run_grads(opt, w0, grads):
    w = w0.copy()
    for g in grads:
        opt.step(w, g)
    return w


def test_the_two_momentum_forms_agree_after_rescaling_the_learning_rate(rng):
    grad, w0 = _quadratic(rng), rng.normal(size=5)
    for gamma in (0.5, 0.9, 0.99):
        classic = _run(O.Momentum(0.02, gamma), grad, w0, 60)
        average = _run(O.Momentum(0.02 / (1 - gamma), gamma, form="average"), grad, w0, 60)
        np.testing.assert_allclose(average, classic, rtol=1e-10, atol=1e-12)
    # and the velocities differ by the factor 1 - gamma
    opt_c, opt_a = O.Momentum(0.02, 0.9), O.Momentum(0.2, 0.9, form="average")
    _run(opt_c, grad, w0, 10), _run(opt_a, grad, w0, 10)
    np.testing.assert_allclose(opt_a.state["velocity"], 0.1 * opt_c.state["velocity"], rtol=1e-10)


def test_nesterov_reproduces_the_look_ahead_iteration_shifted_by_gamma_v(rng):
    grad, w0 = _quadratic(rng), rng.normal(size=5)
    lr, gamma, steps = 0.05, 0.9, 40
    ours = _run(O.Nesterov(lr, gamma), grad, w0, steps)
    # Sutskever et al. (2013): u := gamma u - lr grad(w + gamma u); w := w + u
    w, u = w0.copy(), np.zeros(5)
    for k in range(1, steps + 1):
        u = gamma * u - lr * grad(w + gamma * u)
        w = w + u
        np.testing.assert_allclose(ours[k], w + gamma * u, rtol=1e-10, atol=1e-12, err_msg=f"step {k}")
    plain = _run(O.Momentum(lr, gamma), grad, w0, steps)
    assert np.abs(plain - ours).max() > 1e-2


def test_nesterov_equals_seed001_average_nag_with_lr_times_one_minus_gamma(rng):
    # Seed 001: v := gamma v + (1 - gamma) L'(w - eta gamma v); w := w - eta v
    grad, w0 = _quadratic(rng), rng.normal(size=5)
    eta, gamma, steps = 0.4, 0.9, 30
    ours = _run(O.Nesterov(eta * (1 - gamma), gamma), grad, w0, steps)
    w, v = w0.copy(), np.zeros(5)
    for k in range(1, steps + 1):
        v = gamma * v + (1 - gamma) * grad(w - eta * gamma * v)
        w = w - eta * v
        np.testing.assert_allclose(ours[k], w - eta * gamma * v, rtol=1e-10, atol=1e-12)


def test_adadelta_and_the_slide_variant_differ_as_the_docstrings_state(rng):
    g = rng.choice([-1.0, 1.0], size=20) * rng.uniform(1.0, 10.0, size=20)
    rho, eps = 0.95, 1e-6
    w_paper, w_slides = np.zeros(20), np.zeros(20)
    O.AdaDelta(rho=rho, eps=eps).step(w_paper, g)
    O.AdaDeltaSlides(rho=rho, eps=eps).step(w_slides, g)
    # Paper: first step about sqrt(eps / (1 - rho)); slides: about eps / sqrt(1 - rho).
    np.testing.assert_allclose(np.abs(w_paper), math.sqrt(eps / (1 - rho)), rtol=1e-4)
    np.testing.assert_allclose(np.abs(w_slides), eps / math.sqrt(1 - rho), rtol=1e-4)
    np.testing.assert_allclose(np.abs(w_paper / w_slides), 1 / math.sqrt(eps), rtol=1e-3)
    assert np.all(np.sign(w_paper) == -np.sign(g)) and np.all(np.sign(w_slides) == -np.sign(g))


def test_nadam_and_the_slide_variant_differ_as_the_docstrings_state(rng):
    g = rng.choice([-1.0, 1.0], size=20) * 10.0 ** rng.uniform(-3, 3, size=20)
    lr, beta1 = 1e-3, 0.9
    nadam, slides = O.Nadam(lr, eps=1e-300), O.NadamSlides(lr, eps=1e-300)
    w_n, w_s = np.zeros(20), np.zeros(20)
    nadam.step(w_n, g)
    slides.step(w_s, g)
    np.testing.assert_allclose(-w_s, (1 + beta1) * lr * np.sign(g), rtol=1e-12)   # 1.9 lr
    mu1, mu2 = nadam.mu(1), nadam.mu(2)
    np.testing.assert_allclose(-w_n, lr * (1 + mu2 * (1 - beta1) / (1 - mu1 * mu2)) * np.sign(g), rtol=1e-12)
    assert abs(float(np.abs(w_n).max()) / lr - 1.06) < 0.01
    # The schedule warms up towards beta1 ...
    assert nadam.mu(1) < nadam.mu(100) < nadam.mu(10_000) < beta1
    assert nadam.mu(1) == pytest.approx(0.45, abs=1e-3)


def test_nadam_without_schedule_differs_from_slides_only_in_the_look_ahead_correction(rng):
    # With a huge momentum_decay, mu_t = beta1 for every t: Nadam corrects m by 1 - beta1^(t+1),
    # the slides by 1 - beta1^t.
    w0, grads = random_problem(rng)
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-3
    nadam = O.Nadam(lr, b1, b2, eps, momentum_decay=1e9)
    assert nadam.mu(1) == b1
    w, w_ref = w0.copy(), w0.copy()
    m, v = np.zeros(N), np.zeros(N)
    for t, g in enumerate(grads, start=1):
        nadam.step(w, g)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        denom = np.sqrt(v / (1 - b2 ** t)) + eps
        w_ref = w_ref - lr * ((1 - b1) * g / (1 - b1 ** t) + b1 * m / (1 - b1 ** (t + 1))) / denom
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-12)
    slides = _run_grads(O.NadamSlides(lr, b1, b2, eps), w0, grads)
    assert np.abs(slides - w).max() > 1e-4


# --- state, dtypes, allocations ------------------------------------------------------------------
STATE_NAMES = {O.GradientDescent: set(), O.Momentum: {"velocity"}, O.Nesterov: {"velocity"},
               O.RMSProp: {"square_avg"}, O.AdaDelta: {"square_avg", "delta_avg"},
               O.AdaDeltaSlides: {"square_avg", "delta_avg"}, O.Adam: {"m", "v"},
               O.Nadam: {"m", "v"}, O.NadamSlides: {"m", "v"}}


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_state_arrays_keep_their_identity_and_reset_forgets_them(cls, rng):
    opt = make(cls)
    w = rng.normal(size=N)
    opt.step(w, rng.normal(size=N))
    assert STATE_NAMES[cls] <= set(opt.state)
    assert {k for k in opt.state if not k.startswith("scratch")} == STATE_NAMES[cls]
    ids = {k: id(a) for k, a in opt.state.items()}
    for _ in range(5):
        opt.step(w, rng.normal(size=N))
    assert {k: id(a) for k, a in opt.state.items()} == ids
    assert all(a.shape == (N,) and a.dtype == np.float64 for a in opt.state.values())
    assert opt.t == 6
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    opt.step(np.zeros(3), np.ones(3))  # a new size is fine after reset
    assert opt.t == 1


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_float32_in_float32_state_and_params(cls, rng):
    w64, grads = random_problem(rng, steps=5)
    opt32, opt64 = make(cls), make(cls)
    w32 = w64.astype(np.float32)
    for g in grads:
        opt32.step(w32, g.astype(np.float32))
        opt64.step(w64, g)
    assert w32.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt32.state.values())
    np.testing.assert_allclose(w32, w64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_no_parameter_sized_allocation_after_the_first_step(cls):
    rng = np.random.default_rng(4)
    n = 1_000_000
    w = rng.normal(size=n)
    grads = [rng.normal(size=n) for _ in range(3)]
    opt = make(cls)
    opt.step(w, grads[0])  # the first step allocates the state
    with allocations() as got:
        for k in range(2, 11):
            opt.step(w, grads[k % 3])
    assert got.peak < w.nbytes / 20, f"{cls.__name__}: {got.peak} bytes during steps 2..10"


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_step_rejects_bad_gradients_and_params(cls):
    opt = make(cls)
    w = np.zeros(6)
    g = np.ones(6)
    g[3] = np.nan
    with pytest.raises(ValueError, match=r"grads contains NaN at index \(3,\)"):
        opt.step(w, g)
    g[3], g[5] = 1.0, -np.inf
    with pytest.raises(ValueError, match=r"grads contains inf at index \(5,\)"):
        opt.step(w, g)
    with pytest.raises(ValueError, match=r"grads must have the shape of params \(6,\), got \(5,\)"):
        opt.step(w, np.ones(5))
    with pytest.raises(ValueError, match=r"grads must have the dtype of params \(float64\), got float32"):
        opt.step(w, np.ones(6, dtype=np.float32))
    with pytest.raises(ValueError, match="params must be the 1-D flat parameter vector"):
        opt.step(np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="params must be a NumPy array"):
        opt.step([0.0] * 6, np.ones(6))
    with pytest.raises(TypeError, match="params must be a float array"):
        opt.step(np.zeros(6, dtype=int), np.ones(6, dtype=int))
    assert opt.t == 0 and np.all(w == 0)  # nothing happened
    opt.step(w, np.ones(6))
    with pytest.raises(ValueError, match=r"state was made for params of shape \(6,\).*reset\(\)"):
        opt.step(np.zeros(4), np.ones(4))


def test_a_huge_but_finite_gradient_is_not_mistaken_for_nan():
    opt = O.Momentum(1e-3)
    w = np.zeros(4)
    opt.step(w, np.array([1e308, 1e308, -1.0, 1.0]))  # the sum overflows, the entries are finite
    np.testing.assert_array_equal(w, [-1e305, -1e305, 1e-3, -1e-3])


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", [-0.1, 0.0, float("nan"), float("inf")])
def test_bad_learning_rate(cls, lr):
    with pytest.raises(ValueError, match="lr must be"):
        cls(lr=lr)


@pytest.mark.parametrize("cls, name", [(O.Momentum, "gamma"), (O.Nesterov, "gamma"), (O.RMSProp, "rho"),
                                       (O.AdaDelta, "rho"), (O.AdaDeltaSlides, "rho"), (O.Adam, "beta1"),
                                       (O.Adam, "beta2"), (O.Nadam, "beta1"), (O.Nadam, "beta2"),
                                       (O.NadamSlides, "beta1"), (O.NadamSlides, "beta2")])
@pytest.mark.parametrize("value", [1.0, -0.1, 1.5, float("nan")])
def test_decay_rates_outside_zero_one(cls, name, value):
    with pytest.raises(ValueError, match=name):
        make(cls, **{name: value})


@pytest.mark.parametrize("cls", [O.RMSProp, O.AdaDelta, O.AdaDeltaSlides, O.Adam, O.Nadam, O.NadamSlides])
def test_bad_eps(cls):
    for eps in (-1e-8, 0.0, float("inf")):
        with pytest.raises(ValueError, match="eps must be"):
            make(cls, eps=eps)


def test_other_bad_hyperparameters():
    with pytest.raises(ValueError, match="form must be 'classic' or 'average'"):
        O.Momentum(0.1, form="seed001")
    with pytest.raises(ValueError, match="momentum_decay must be a non-negative number"):
        O.Nadam(momentum_decay=-1.0)
    with pytest.raises(TypeError, match="lr must be a positive number, got str"):
        O.Adam(lr="0.1")
    assert repr(O.Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"


# --- gradient clipping -------------------------------------------------------------------------
def test_clipping_keeps_direction_and_returns_the_norm_before(rng):
    g = rng.normal(size=100)
    g *= 10.0 / np.linalg.norm(g)
    direction = g / 10.0
    norm = clip_by_global_norm(g, 2.5)
    assert norm == pytest.approx(10.0, rel=1e-14) and isinstance(norm, float)
    assert np.linalg.norm(g) == pytest.approx(2.5, rel=1e-14)
    np.testing.assert_allclose(g / 2.5, direction, rtol=1e-13)


def test_clipping_leaves_short_gradients_untouched(rng):
    g = rng.normal(size=30)
    before = g.copy()
    norm = clip_by_global_norm(g, np.linalg.norm(g) * 1.01)
    np.testing.assert_array_equal(g, before)
    assert norm == pytest.approx(np.linalg.norm(before), rel=1e-14)
    clip_by_global_norm(g, float(np.linalg.norm(g)))  # exactly at the threshold: untouched
    np.testing.assert_array_equal(g, before)


def test_clipping_float32_huge_values_and_errors():
    g = np.full(10, 3.0, dtype=np.float32)
    clip_by_global_norm(g, 1.0)
    assert g.dtype == np.float32 and np.linalg.norm(g) == pytest.approx(1.0, rel=1e-6)
    big = np.full(4, 1e200)  # the squares overflow; the norm 2e200 does not
    assert global_norm(big) == pytest.approx(2e200)
    assert clip_by_global_norm(big, 1.0) == pytest.approx(2e200)
    np.testing.assert_allclose(big, 0.5)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="max_norm"):
            clip_by_global_norm(np.ones(3), bad)
    with pytest.raises(ValueError, match=r"grads contains NaN at index \(1,\)"):
        clip_by_global_norm(np.array([1.0, np.nan]), 1.0)
    with pytest.raises(TypeError, match="grads must be a float NumPy array"):
        clip_by_global_norm([3.0, 4.0], 1.0)


# --- behaviour on Rosenbrock's valley -----------------------------------------------------------
def test_adam_and_momentum_go_down_rosenbrocks_valley():
    start = (-1.5, 2.0)
    f0 = rosenbrock(start)[0]
    assert f0 == pytest.approx(12.5)
    adam = trajectory(O.Adam(lr=0.02), "rosenbrock", start, 3000)
    assert rosenbrock(adam[-1])[0] < 1e-6
    np.testing.assert_allclose(adam[-1], [1.0, 1.0], atol=1e-3)
    momentum = trajectory(O.Momentum(2e-4, 0.9), "rosenbrock", start, 3000)
    gd = trajectory(O.GradientDescent(2e-4), "rosenbrock", start, 3000)
    f_momentum, f_gd = rosenbrock(momentum[-1])[0], rosenbrock(gd[-1])[0]
    assert f_momentum < 1e-2 < f_gd < f0  # momentum gets far further with the same lr


# --- fit -----------------------------------------------------------------------------------------
def test_fit_with_adam_trains_a_network_on_xor_blobs():
    X, y = make_dataset("xor", n=200, seed=0)
    net = Network.from_sizes([2, 8, 2], ["tanh", "identity"], seed=0)
    history = training.fit(net, X, y, softmax_cross_entropy, optimizer=O.Adam(lr=0.05), epochs=60,
                           batch_size=32, seed=1)
    assert history.loss[-1] < 0.25 * history.loss[0]
    assert training.accuracy(net.forward(X), y) > 0.95


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_fit_accepts_every_optimizer(cls):
    X, y = make_dataset("xor", n=64, seed=2)
    net = Network.from_sizes([2, 6, 2], ["tanh", "identity"], seed=3)
    lr = {O.AdaDelta: 1.0, O.AdaDeltaSlides: 1.0}.get(cls, 0.02)
    history = training.fit(net, X, y, softmax_cross_entropy, optimizer=cls(lr=lr), epochs=20, batch_size=16)
    loss_now, _ = net.loss_and_gradient(X, y, softmax_cross_entropy)
    assert loss_now < history.loss[0] or cls is O.AdaDeltaSlides  # the slide variant barely moves


def test_fit_full_batch_is_plain_gradient_descent():
    X, y = make_dataset("xor", n=40, seed=0)
    net = Network.from_sizes([2, 5, 2], ["tanh", "identity"], seed=0)
    manual = Network.from_sizes([2, 5, 2], ["tanh", "identity"], seed=0)
    training.fit(net, X, y, softmax_cross_entropy, optimizer=O.GradientDescent(0.3), epochs=5)
    for _ in range(5):
        _, g = manual.loss_and_gradient(X, y, softmax_cross_entropy)
        manual.params -= 0.3 * g
    np.testing.assert_array_equal(net.params, manual.params)


def test_fit_clip_norm_clips_every_step_before_the_optimizer():
    norms = []

    class Recorder:
        def step(self, params, grads):
            norms.append(float(np.linalg.norm(grads)))

    X, y = make_dataset("xor", n=50, seed=0)
    net = Network.from_sizes([2, 4, 2], ["tanh", "identity"], seed=0)
    net.params *= 20.0  # large weights, large gradients
    training.fit(net, X, y, softmax_cross_entropy, optimizer=Recorder(), epochs=3, batch_size=10,
                 clip_norm=0.1)
    assert len(norms) == 15 and max(norms) <= 0.1 * (1 + 1e-12)
    # clipping with a huge threshold changes nothing
    a = Network.from_sizes([2, 4, 2], ["tanh", "identity"], seed=0)
    b = Network.from_sizes([2, 4, 2], ["tanh", "identity"], seed=0)
    training.fit(a, X, y, softmax_cross_entropy, optimizer=O.Adam(0.01), epochs=3, batch_size=10)
    training.fit(b, X, y, softmax_cross_entropy, optimizer=O.Adam(0.01), epochs=3, batch_size=10,
                 clip_norm=1e9)
    np.testing.assert_array_equal(a.params, b.params)
    with pytest.raises(ValueError, match="clip_norm must be a positive number"):
        training.fit(a, X, y, softmax_cross_entropy, clip_norm=0.0)
    with pytest.raises(TypeError, match=r"optimizer must have a step\(params, grads\) method"):
        training.fit(a, X, y, softmax_cross_entropy, optimizer=object())
