"""Module 4, optimizers: typical wrong answers and the tests that must catch them."""
from . import Mistake

MISTAKES = {
    "adam_without_bias_correction": Mistake(
        "Adam without the bias correction: mhat = m and vhat = v, so the early steps are off by the "
        "factors 1 - beta1^t and 1 - beta2^t (the first step is 3.16 lr instead of lr)",
        edit={"adaptive": ("        m_hat = m / (1.0 - self.beta1 ** self.t)     # bias correction\n"
                           "        v_hat = v / (1.0 - self.beta2 ** self.t)",
                           "        m_hat, v_hat = m, v")},
        fails=("test_adam_visible", "test_adam_hidden"),
        passes=("test_rmsprop_visible", "test_adadelta_hidden", "test_compare_visible"),
        visible_message="bias correction"),
    "adam_bias_correction_from_t_0": Mistake(
        "Adam's bias correction counting from t = 0: 1 - beta1^0 = 0 at the first step, a division by "
        "zero that makes the params nan",
        edit={"adaptive": ("        m_hat = m / (1.0 - self.beta1 ** self.t)     # bias correction\n"
                           "        v_hat = v / (1.0 - self.beta2 ** self.t)",
                           "        m_hat = m / (1.0 - self.beta1 ** (self.t - 1))\n"
                           "        v_hat = v / (1.0 - self.beta2 ** (self.t - 1))")},
        fails=("test_adam_visible", "test_adam_hidden", "test_compare_visible"),
        passes=("test_rmsprop_hidden", "test_adadelta_visible"),
        visible_message="t = 1"),
    "nesterov_without_look_ahead": Mistake(
        "Nesterov identical to momentum: w := w - lr v, without the look-ahead term gamma v",
        edit={"momentum": ("        params -= self.lr * (grads + self.gamma * v)  # w := w - lr (g + gamma v): the look-ahead",
                           "        params -= self.lr * v")},
        fails=("test_nesterov_visible", "test_nesterov_hidden"),
        passes=("test_momentum_visible", "test_momentum_hidden", "test_compare_visible"),
        visible_message="look-ahead"),
    "rmsprop_without_square_root": Mistake(
        "RMSProp dividing by s + eps instead of sqrt(s) + eps: the step no longer has the units of lr",
        edit={"adaptive": ("        params -= self.lr * grads / (np.sqrt(s) + self.eps)",
                           "        params -= self.lr * grads / (s + self.eps)")},
        fails=("test_rmsprop_visible", "test_rmsprop_hidden"),
        passes=("test_adam_visible", "test_adadelta_hidden"),
        visible_message="square root"),
    "adadelta_without_accumulated_update": Mistake(
        "AdaDelta without the accumulated update term sqrt(delta_avg + eps) in the numerator: "
        "dx = -g / sqrt(Eg + eps), RMSProp with lr = 1, a thousand times too large at first",
        edit={"adaptive": ("        dx = -np.sqrt(Edx + self.eps) / np.sqrt(Eg + self.eps) * grads",
                           "        dx = -grads / np.sqrt(Eg + self.eps)")},
        fails=("test_adadelta_visible", "test_adadelta_hidden"),
        passes=("test_rmsprop_visible", "test_adam_hidden"),
        visible_message="accumulated update"),
    "adadelta_eps_outside_the_roots": Mistake(
        "AdaDelta as printed in seed 001, eps outside the square roots: (sqrt(Edx) + eps) / (sqrt(Eg) + eps), "
        "whose first step is a thousand times smaller than Zeiler's",
        edit={"adaptive": ("        dx = -np.sqrt(Edx + self.eps) / np.sqrt(Eg + self.eps) * grads",
                           "        dx = -(np.sqrt(Edx) + self.eps) / (np.sqrt(Eg) + self.eps) * grads")},
        fails=("test_adadelta_visible", "test_adadelta_hidden", "test_compare_visible"),
        passes=("test_rmsprop_visible", "test_adam_hidden"),
        visible_message="inside both roots"),
    "minibatches_with_replacement": Mistake(
        "mini-batches drawn with replacement (rng.integers): some rows are used twice in an epoch, others never",
        edit={"minibatches": ("    order = rng.permutation(n)      # every index exactly once, in a random order",
                              "    order = rng.integers(0, n, size=n)")},
        fails=("test_minibatch_indices_visible", "test_minibatch_indices_hidden"),
        passes=("test_iterate_minibatches_visible", "test_iterate_minibatches_hidden", "test_train_visible",
                "test_train_hidden", "test_compare_hidden"),
        visible_message="exactly once"),
    "no_reshuffle_between_epochs": Mistake(
        "iterate_minibatches drawing the batches once, before the epoch loop: every epoch repeats the "
        "order of the first",
        edit={"minibatches": ("    for epoch in range(epochs):\n"
                              "        for idx in minibatch_indices(X.shape[0], batch_size, rng):   # a fresh order every epoch\n",
                              "    batches = minibatch_indices(X.shape[0], batch_size, rng)\n"
                              "    for epoch in range(epochs):\n"
                              "        for idx in batches:\n")},
        fails=("test_iterate_minibatches_visible", "test_iterate_minibatches_hidden"),
        passes=("test_minibatch_indices_visible", "test_minibatch_indices_hidden", "test_train_hidden",
                "test_compare_visible"),
        visible_message="every epoch"),
    "clip_element_wise": Mistake(
        "gradient clipping entry by entry (np.clip to [-max_norm, max_norm]) instead of by the global "
        "norm: the direction of the step changes",
        edit={"clipping": ("        grads *= max_norm / norm        # one factor for the whole vector: the direction is kept",
                           "        np.clip(grads, -max_norm, max_norm, out=grads)")},
        fails=("test_clip_visible", "test_clip_hidden"),
        passes=("test_train_visible", "test_train_hidden"),
        visible_message="direction"),
    "state_reallocated_every_step": Mistake(
        "Momentum computing v = gamma v + g into a new array at every step and storing it in state: "
        "the right numbers, but the state array changes identity (and memory is allocated every step)",
        edit={"momentum": ("        v *= self.gamma                              # v := gamma v + g   (classic)\n"
                           "        v += grads if self.form == \"classic\" else (1.0 - self.gamma) * grads\n",
                           "        v = self.gamma * v + (grads if self.form == \"classic\" else (1.0 - self.gamma) * grads)\n"
                           "        self.state[\"velocity\"] = v\n")},
        fails=("test_momentum_visible", "test_momentum_hidden"),
        passes=("test_nesterov_visible", "test_nesterov_hidden", "test_compare_visible"),
        visible_message="in place"),
    "params_not_updated_in_place": Mistake(
        "Nesterov rebinding params = params - ... inside step: the caller's parameters never change",
        edit={"momentum": ("        params -= self.lr * (grads + self.gamma * v)  # w := w - lr (g + gamma v): the look-ahead",
                           "        params = params - self.lr * (grads + self.gamma * v)")},
        fails=("test_nesterov_visible", "test_nesterov_hidden", "test_compare_visible"),
        passes=("test_momentum_visible", "test_momentum_hidden"),
        visible_message="in place"),
    "train_ignores_clip_norm": Mistake(
        "train never clips the gradients, whatever clip_norm is",
        edit={"training": ("            if clip_norm is not None:\n                clip_by_global_norm(grads, clip_norm)\n", "")},
        fails=("test_train_visible", "test_train_hidden"),
        passes=("test_clip_visible", "test_trajectory_visible", "test_compare_visible", "test_compare_hidden"),
        visible_message="clip_by_global_norm(grads, clip_norm)"),
    "compare_shares_params": Mistake(
        "compare_on_network creating the parameters once: each optimizer goes on training the "
        "network the previous one has already trained, so the comparison is unfair",
        edit={"compare": ("    histories = {}\n    for name, optimizer in optimizers.items():\n"
                          "        params = init_params()                  # every optimizer starts from the same point\n",
                          "    histories = {}\n    params = init_params()\n    for name, optimizer in optimizers.items():\n")},
        fails=("test_compare_visible", "test_compare_hidden"),
        passes=("test_train_visible", "test_train_hidden", "test_trajectory_hidden"),
        visible_message="fresh init_params()"),
    "trajectory_without_reset": Mistake(
        "trajectory not resetting the optimizer: a second trajectory starts with the old velocity",
        edit={"training": ("    optimizer.reset()\n", "")},
        fails=("test_trajectory_visible", "test_trajectory_hidden"),
        passes=("test_train_visible", "test_compare_visible"),
        visible_message="reset()"),
}
