"""Optimizers (методы оптимизации): update rules for the flat parameter vector (module 4).

Every optimizer has the same small interface::

    opt = Adam(lr=1e-3)
    opt.step(params, grads)   # params, grads: 1-D float arrays (n,), same shape and dtype;
                              # params is updated IN PLACE
    opt.t                     # steps taken so far (0 before the first step, which uses t = 1)
    opt.state                 # dict name -> array (n,) of the params' dtype
    opt.reset()               # forget t and the state

Notation: ``g`` is the gradient of the current step, ``w`` the parameters, ``lr`` the learning
rate (seed 001's ``eta``), all operations element-wise. The state arrays (``velocity``, ``m``,
``v``, ...) are allocated with ``np.zeros_like(params)`` at the first step and then updated in
place forever, together with one or two scratch buffers (``state["scratch"]``), so a step in the
steady state allocates no array of the parameters' size and never loops over layers. float32 in
gives float32 state and float32 arithmetic (the hyperparameters are Python floats, NEP 50).

Where the slides of seed 001 differ from the published algorithm, the published one has the
plain name and the slide version is ``...Slides``:

- AdaDelta (Zeiler, 2012) puts ``eps`` inside both square roots; seed 001 puts it outside
  (:class:`AdaDeltaSlides`).
- Nadam (Dozat, 2016) uses a warming momentum schedule ``mu_t``; seed 001 prints the simplified
  form with a constant ``beta1`` (:class:`NadamSlides`).
- Seed 001 writes momentum and NAG in the exponential-average form ``v := gamma v + (1 - gamma) g``
  (``Momentum(form="average")``); the classic form ``v := gamma v + g`` is the same method with
  ``lr`` rescaled by ``1 - gamma``.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_finite_real, check_finite
from .chunked import for_each_chunk

__all__ = ["Optimizer", "GradientDescent", "SGD", "Momentum", "Nesterov", "RMSProp", "AdaDelta",
           "AdaDeltaSlides", "Adam", "Nadam", "NadamSlides"]


# --- hyperparameter checks -----------------------------------------------------------------------
def _positive(x, name: str) -> float:
    x = as_finite_real(x, name, "a positive number")
    if x <= 0:
        raise ValueError(f"{name} must be a positive number, got {x!r}")
    return x


def _non_negative(x, name: str) -> float:
    x = as_finite_real(x, name, "a non-negative number")
    if x < 0:
        raise ValueError(f"{name} must be a non-negative number, got {x!r}")
    return x


def _decay_rate(x, name: str) -> float:
    x = as_finite_real(x, name, "a number in [0, 1)")
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return x


class Optimizer:
    """Base class: validation, lazy state allocation and the step counter ``t``.

    A subclass lists its state arrays in ``state_names``, the number of scratch buffers it
    needs in ``n_scratch``, its hyperparameters in ``hyperparameters`` (for ``repr``), and
    implements ``_update(params, grads, state)``: element-wise, in place, reading ``self.t``
    (already incremented) and the arrays of ``state`` (views of ``self.state``). Scalars that
    change from step to step (a schedule) are computed once per step in ``_begin_step``.

    Because ``_update`` is element-wise, ``step`` may call it on contiguous chunks of the flat
    arrays in parallel threads (:mod:`reference_impl.chunked`); the result is the same to the
    last bit. ``threads``: at most this many chunks at once, ``None`` meaning every available
    core. The default, 1, keeps the update on the calling thread: inside a training loop the
    BLAS's own threads hold the other cores between matrix products, and a second update thread
    made the step no faster or slower (:mod:`reference_impl.chunked`; ``ref-threaded`` in
    ``benchmarks/training_speed.py``).
    """

    state_names: tuple[str, ...] = ()
    n_scratch: int = 1
    hyperparameters: tuple[str, ...] = ("lr",)
    threads: int | None = 1

    def __init__(self, lr: float):
        self.lr = _positive(lr, "lr")
        self.t = 0
        self.state: dict[str, np.ndarray] = {}

    def reset(self) -> None:
        """Forget the state: ``t = 0`` and the state arrays are dropped (reallocated at the next step)."""
        self.t = 0
        self.state = {}

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        """One update of ``params`` (n,) in place from ``grads`` (n,) of the same dtype."""
        self._check(params, grads)
        if not self.state:
            self.state = {name: np.zeros_like(params) for name in self.state_names}
            for k in range(self.n_scratch):
                self.state["scratch" if k == 0 else f"scratch{k + 1}"] = np.empty_like(params)
        self.t += 1
        self._begin_step()
        coordinates = {**self.state, **self._per_coordinate_arrays()}
        names = list(coordinates)

        def update(params, grads, *views):
            self._update(params, grads, dict(zip(names, views)))
        for_each_chunk(update, [params, grads, *coordinates.values()], self.threads)

    def _begin_step(self) -> None:
        """Per-step scalars (none here); runs once per step, before the chunks are updated."""

    def _per_coordinate_arrays(self) -> dict[str, np.ndarray]:
        """Arrays of the parameters' length besides the state (a mask) that ``_update`` reads:
        they are cut into the same chunks."""
        return {}

    def _update(self, params: np.ndarray, grads: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _check(self, params, grads) -> None:
        if not isinstance(params, np.ndarray):
            raise TypeError(f"params must be a NumPy array (it is updated in place), "
                            f"got {type(params).__name__}")
        if not isinstance(grads, np.ndarray):
            raise TypeError(f"grads must be a NumPy array, got {type(grads).__name__}")
        if not np.issubdtype(params.dtype, np.floating):
            raise TypeError(f"params must be a float array, got dtype {params.dtype}")
        if params.ndim != 1:
            raise ValueError(f"params must be the 1-D flat parameter vector, got shape {params.shape}")
        if not params.flags.writeable:
            raise ValueError("params must be writeable (the optimizer updates it in place)")
        if grads.shape != params.shape:
            raise ValueError(f"grads must have the shape of params {params.shape}, got {grads.shape}")
        if grads.dtype != params.dtype:
            raise ValueError(f"grads must have the dtype of params ({params.dtype}), got {grads.dtype}")
        # Fast path: one dot product (BLAS, no temporary array; a NaN or inf anywhere makes it
        # non-finite). Only then do we look for the bad entry: a sum of squares that merely
        # overflowed is not an error, and check_finite finds nothing.
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.dot(grads, grads)
        if not np.isfinite(total):
            check_finite(grads, "grads")
        if self.state:
            some = next(iter(self.state.values()))
            if some.shape != params.shape or some.dtype != params.dtype:
                raise ValueError(f"this optimizer's state was made for params of shape {some.shape} "
                                 f"and dtype {some.dtype}, got shape {params.shape} and dtype "
                                 f"{params.dtype}; call reset() before using it on other parameters")

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.hyperparameters)
        return f"{type(self).__name__}({args})"


class GradientDescent(Optimizer):
    """Plain gradient descent ``w := w - lr * g`` (seeds 000, 003, 004).

    With the gradient of the whole sample this is GD; with the gradient of one observation or of
    a mini-batch it is SGD (``SGD`` is the same class): the rule is the same, only the gradient
    passed to ``step`` changes. state: ``scratch`` only.
    """

    def __init__(self, lr: float = 0.1):
        super().__init__(lr)

    def _update(self, params, grads, state):
        s = state["scratch"]
        # w := w - lr g
        np.multiply(grads, self.lr, out=s)
        params -= s


SGD = GradientDescent


class Momentum(Optimizer):
    """Heavy-ball momentum (метод накопления инерции, Polyak 1964). state: ``velocity``.

    - ``form="classic"``: ``v := gamma v + g;  w := w - lr v``.
    - ``form="average"`` (seed 001): ``v := gamma v + (1 - gamma) g;  w := w - lr v``; ``v`` is an
      exponential moving average of the gradients over about ``1 / (1 - gamma)`` steps.

    The two forms are one method: ``v_average = (1 - gamma) v_classic``, so classic with ``lr``
    equals average with ``lr / (1 - gamma)``.
    """

    state_names = ("velocity",)
    hyperparameters = ("lr", "gamma", "form")

    def __init__(self, lr: float, gamma: float = 0.9, form: str = "classic"):
        super().__init__(lr)
        self.gamma = _decay_rate(gamma, "gamma")
        if form not in ("classic", "average"):
            raise ValueError(f"form must be 'classic' or 'average', got {form!r}")
        self.form = form

    def _update(self, params, grads, state):
        v, s = state["velocity"], state["scratch"]
        if self.form == "classic":
            # v := gamma v + g
            v *= self.gamma
            v += grads
        else:
            # v := gamma v + (1 - gamma) g
            v *= self.gamma
            np.multiply(grads, 1.0 - self.gamma, out=s)
            v += s
        # w := w - lr v
        np.multiply(v, self.lr, out=s)
        params -= s


class Nesterov(Optimizer):
    """Nesterov's accelerated gradient (NAG), written for ``step(params, grads)`` (as PyTorch).

    ``v := gamma v + g;  w := w - lr (g + gamma v)``. state: ``velocity``.

    The textbook NAG (Sutskever et al., 2013) evaluates the gradient at a look-ahead point:
    ``u := gamma u - lr grad(w + gamma u);  w := w + u``. Substituting ``p = w + gamma u`` (the
    look-ahead point itself) and ``u = -lr v`` gives the rule above, in which the gradient is
    taken at the current ``params``: the iterates of this class are the look-ahead points
    ``w + gamma u`` of the textbook iteration started from the same point with ``u = 0``.

    Seed 001 writes NAG in the average form ``v := gamma v + (1 - gamma) L'(w - eta gamma v);
    w := w - eta v``; that is the textbook iteration with ``lr = eta (1 - gamma)``.
    """

    state_names = ("velocity",)
    hyperparameters = ("lr", "gamma")

    def __init__(self, lr: float, gamma: float = 0.9):
        super().__init__(lr)
        self.gamma = _decay_rate(gamma, "gamma")

    def _update(self, params, grads, state):
        v, s = state["velocity"], state["scratch"]
        # v := gamma v + g
        v *= self.gamma
        v += grads
        # w := w - lr (g + gamma v)
        np.multiply(v, self.gamma, out=s)
        s += grads
        s *= self.lr
        params -= s


class RMSProp(Optimizer):
    """RMSProp (Hinton, 2012): per-weight step sizes from a running mean of squared gradients.

    ``s := rho s + (1 - rho) g^2;  w := w - lr g / (sqrt(s) + eps)``. state: ``square_avg``.
    Seed 001 calls ``rho`` alpha and ``s`` G; ``eps`` is outside the root there too.
    """

    state_names = ("square_avg",)
    hyperparameters = ("lr", "rho", "eps")

    def __init__(self, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.rho = _decay_rate(rho, "rho")
        self.eps = _positive(eps, "eps")

    def _update(self, params, grads, state):
        sq, s = state["square_avg"], state["scratch"]
        # s := rho s + (1 - rho) g^2
        sq *= self.rho
        np.multiply(grads, grads, out=s)
        s *= 1.0 - self.rho
        sq += s
        # w := w - lr g / (sqrt(s) + eps)
        np.sqrt(sq, out=s)
        s += self.eps
        np.divide(grads, s, out=s)
        s *= self.lr
        params -= s


class AdaDelta(Optimizer):
    """AdaDelta as published (Zeiler, 2012), with ``eps`` INSIDE both square roots.

    ::

        Eg  := rho Eg + (1 - rho) g^2
        dx  := -sqrt(Edx + eps) / sqrt(Eg + eps) * g
        Edx := rho Edx + (1 - rho) dx^2
        w   := w + lr dx

    state: ``square_avg`` (Eg), ``delta_avg`` (Edx). The paper has no learning rate (lr = 1).
    The ratio of the two roots has the units of ``w``, so the step needs no tuning of ``lr``;
    at the first step (``Edx = 0``) every coordinate moves by about ``sqrt(eps / (1 - rho))``
    (about 4.5e-3 for the defaults). Seed 001 prints another variant: :class:`AdaDeltaSlides`.
    """

    state_names = ("square_avg", "delta_avg")
    n_scratch = 2
    hyperparameters = ("lr", "rho", "eps")

    def __init__(self, lr: float = 1.0, rho: float = 0.95, eps: float = 1e-6):
        super().__init__(lr)
        self.rho = _decay_rate(rho, "rho")
        self.eps = _positive(eps, "eps")

    def _update(self, params, grads, state):
        st = state
        Eg, Edx, s, d = st["square_avg"], st["delta_avg"], st["scratch"], st["scratch2"]
        # Eg := rho Eg + (1 - rho) g^2
        Eg *= self.rho
        np.multiply(grads, grads, out=s)
        s *= 1.0 - self.rho
        Eg += s
        # d = -dx = sqrt(Edx + eps) / sqrt(Eg + eps) * g
        np.add(Eg, self.eps, out=s)
        np.sqrt(s, out=s)
        np.add(Edx, self.eps, out=d)
        np.sqrt(d, out=d)
        d /= s
        d *= grads
        # Edx := rho Edx + (1 - rho) dx^2
        Edx *= self.rho
        np.multiply(d, d, out=s)
        s *= 1.0 - self.rho
        Edx += s
        # w := w + lr dx = w - lr d
        d *= self.lr
        params -= d


class AdaDeltaSlides(AdaDelta):
    """AdaDelta as printed in seed 001, with ``eps`` OUTSIDE the square roots (not the paper's).

    ::

        G     := rho G + (1 - rho) g^2
        delta := g (sqrt(D) + eps) / (sqrt(G) + eps)
        D     := rho D + (1 - rho) delta^2
        w     := w - lr delta

    state: ``square_avg`` (G), ``delta_avg`` (D). How it differs from :class:`AdaDelta`: with
    ``D = 0`` at the start the numerator is ``eps`` instead of ``sqrt(eps)``, so the first step is
    about ``eps / sqrt(1 - rho)`` per coordinate, ``1 / sqrt(eps)`` times (1000 times for
    ``eps = 1e-6``) smaller than the paper's, and the steps grow from there far more slowly.
    """

    def _update(self, params, grads, state):
        st = state
        G, D, s, d = st["square_avg"], st["delta_avg"], st["scratch"], st["scratch2"]
        # G := rho G + (1 - rho) g^2
        G *= self.rho
        np.multiply(grads, grads, out=s)
        s *= 1.0 - self.rho
        G += s
        # delta := g (sqrt(D) + eps) / (sqrt(G) + eps)
        np.sqrt(G, out=s)
        s += self.eps
        np.sqrt(D, out=d)
        d += self.eps
        d /= s
        d *= grads
        # D := rho D + (1 - rho) delta^2
        D *= self.rho
        np.multiply(d, d, out=s)
        s *= 1.0 - self.rho
        D += s
        # w := w - lr delta
        d *= self.lr
        params -= d


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) = momentum + RMSProp, with bias correction.

    ::

        m := beta1 m + (1 - beta1) g          mhat = m / (1 - beta1^t)
        v := beta2 v + (1 - beta2) g^2        vhat = v / (1 - beta2^t)
        w := w - lr mhat / (sqrt(vhat) + eps)

    state: ``m``, ``v``. Seed 001 writes the same method with gamma = beta1, alpha = beta2 and
    k = t. At ``t = 1``, ``mhat = g`` and ``vhat = g^2``: the first step moves every coordinate
    with a nonzero gradient by ``lr`` (up to ``eps``), whatever the gradient's scale.
    """

    state_names = ("m", "v")
    hyperparameters = ("lr", "beta1", "beta2", "eps")

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = _decay_rate(beta1, "beta1")
        self.beta2 = _decay_rate(beta2, "beta2")
        self.eps = _positive(eps, "eps")

    def _moments(self, grads, state, s):
        m, v = state["m"], state["v"]
        # m := beta1 m + (1 - beta1) g
        m *= self.beta1
        np.multiply(grads, 1.0 - self.beta1, out=s)
        m += s
        # v := beta2 v + (1 - beta2) g^2
        v *= self.beta2
        np.multiply(grads, grads, out=s)
        s *= 1.0 - self.beta2
        v += s
        return m, v

    def _update(self, params, grads, state):
        s = state["scratch"]
        m, v = self._moments(grads, state, s)
        bc1, root_bc2 = 1.0 - self.beta1 ** self.t, (1.0 - self.beta2 ** self.t) ** 0.5
        # w := w - lr mhat / (sqrt(vhat) + eps), and sqrt(vhat) = sqrt(v) / root_bc2, so
        #    = w - (lr root_bc2 / bc1) m / (sqrt(v) + eps root_bc2)
        # (equal up to rounding; both corrections become scalars, so v / bc2 costs no pass)
        np.sqrt(v, out=s)
        s += self.eps * root_bc2
        np.divide(m, s, out=s)
        s *= self.lr * root_bc2 / bc1
        params -= s


class Nadam(Adam):
    """Nadam as published (Dozat, 2016), with the momentum schedule, as PyTorch's ``NAdam``.

    ::

        mu_t = beta1 (1 - 0.5 * 0.96 ** (t * momentum_decay))      (warms up towards beta1)
        m := beta1 m + (1 - beta1) g;   v := beta2 v + (1 - beta2) g^2;   vhat = v / (1 - beta2^t)
        w := w - lr [ (1 - mu_t) g / (1 - prod_{i<=t} mu_i)
                      + mu_{t+1} m / (1 - prod_{i<=t+1} mu_i) ] / (sqrt(vhat) + eps)

    state: ``m``, ``v`` (and the Python float ``mu_product`` = prod_{i<=t} mu_i). The gradient
    term is Nesterov's look-ahead: the momentum of the NEXT step, ``mu_{t+1}``, is applied now.
    With the defaults the first step moves each coordinate by about ``1.06 lr``;
    :class:`NadamSlides` (seed 001) moves it by ``(1 + beta1) lr = 1.9 lr``.
    """

    n_scratch = 2
    hyperparameters = ("lr", "beta1", "beta2", "eps", "momentum_decay")

    def __init__(self, lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, momentum_decay: float = 4e-3):
        super().__init__(lr, beta1, beta2, eps)
        self.momentum_decay = _non_negative(momentum_decay, "momentum_decay")
        self.mu_product = 1.0

    def reset(self) -> None:
        """Forget the state, ``t`` and the product of the momentum schedule."""
        super().reset()
        self.mu_product = 1.0

    def mu(self, t: int) -> float:
        """The momentum schedule ``mu_t = beta1 (1 - 0.5 * 0.96 ** (t * momentum_decay))``."""
        return self.beta1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def _begin_step(self):
        mu, mu_next = self.mu(self.t), self.mu(self.t + 1)
        self.mu_product *= mu
        self._c_grad = self.lr * (1.0 - mu) / (1.0 - self.mu_product)
        self._c_mom = self.lr * mu_next / (1.0 - self.mu_product * mu_next)

    def _update(self, params, grads, state):
        s, s2 = state["scratch"], state["scratch2"]
        c_grad, c_mom = self._c_grad, self._c_mom
        m, v = self._moments(grads, state, s)
        # denominator: sqrt(vhat) + eps
        np.divide(v, 1.0 - self.beta2 ** self.t, out=s)
        np.sqrt(s, out=s)
        s += self.eps
        # w := w - [c_grad g + c_mom m] / (sqrt(vhat) + eps)
        np.divide(grads, s, out=s2)
        s2 *= c_grad
        np.divide(m, s, out=s)
        s *= c_mom
        s += s2
        params -= s


class NadamSlides(Adam):
    """Nadam as printed in seed 001: Dozat's simplified form, without the momentum schedule.

    ::

        m, v, mhat = m / (1 - beta1^t), vhat = v / (1 - beta2^t) as in Adam
        w := w - lr (beta1 mhat + (1 - beta1) / (1 - beta1^t) g) / (sqrt(vhat) + eps)

    state: ``m``, ``v``. How it differs from :class:`Nadam`: the momentum is the constant
    ``beta1`` instead of the warming ``mu_t``, and ``m`` is corrected by ``1 - beta1^t`` instead
    of the look-ahead product ``1 - prod_{i<=t+1} mu_i``. At ``t = 1`` this gives
    ``mhat = g``, so the first step is ``(1 + beta1) lr`` per coordinate (1.9 lr), against about
    1.06 lr for :class:`Nadam` with its defaults.
    """

    n_scratch = 2

    def __init__(self, lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr, beta1, beta2, eps)

    def _update(self, params, grads, state):
        s, s2 = state["scratch"], state["scratch2"]
        m, v = self._moments(grads, state, s)
        bc1, bc2 = 1.0 - self.beta1 ** self.t, 1.0 - self.beta2 ** self.t
        # denominator: sqrt(vhat) + eps
        np.divide(v, bc2, out=s)
        np.sqrt(s, out=s)
        s += self.eps
        # w := w - lr (beta1 m / bc1 + (1 - beta1) g / bc1) / (sqrt(vhat) + eps)
        np.divide(grads, s, out=s2)
        s2 *= self.lr * (1.0 - self.beta1) / bc1
        np.divide(m, s, out=s)
        s *= self.lr * self.beta1 / bc1
        s += s2
        params -= s
