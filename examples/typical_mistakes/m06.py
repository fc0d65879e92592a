"""Module 6, initialization and batch normalization: typical wrong answers and the tests that must catch them."""
from . import Mistake

MISTAKES = {
    "bn_backward_without_mean_terms": Mistake(
        "batch-norm backward treating the batch mean and variance as constants: dX = gamma dY / sigma, without "
        "the terms - mean(dY) - xhat mean(dY xhat) that come from mu and sigma depending on every row",
        edit={"bn_functions": ("    dX = (gamma * inv_sigma / n) * (n * dY - dbeta - xhat * dgamma)",
                               "    dX = gamma * inv_sigma * dY")},
        fails=("test_bn_backward_visible", "test_bn_backward_hidden"),
        passes=("test_bn_forward_visible", "test_bn_forward_hidden", "test_bn_train_visible", "test_bn_eval_visible",
                "test_bn_class_hidden", "test_deep_hidden"),
        visible_message="depend on every row"),
    "bn_variance_n_minus_1": Mistake(
        "batch-norm forward normalizing with the unbiased variance 1/(N - 1) in training mode instead of the "
        "biased 1/N of the paper and seed 001",
        edit={"bn_functions": ("    var = np.mean(centered * centered, axis=0)       # biased: 1/N",
                               "    var = np.sum(centered * centered, axis=0) / (X.shape[0] - 1)")},
        fails=("test_bn_forward_visible", "test_bn_forward_hidden"),
        passes=("test_bn_backward_visible", "test_bn_backward_hidden", "test_bn_train_visible",
                "test_bn_eval_visible", "test_bn_class_hidden", "test_deep_visible", "test_deep_hidden"),
        visible_message="with 1/N"),
    "running_stats_updated_in_eval": Mistake(
        "BatchNorm updating its running statistics in evaluation mode too, from the batch it is given",
        edit={"bn_class": ("        else:\n            inv_sigma = 1.0 / np.sqrt(self.running_var + self.eps)\n",
                           "        else:\n            m = self.momentum\n"
                           "            self.running_mean = (1.0 - m) * self.running_mean + m * X.mean(axis=0)\n"
                           "            self.running_var = (1.0 - m) * self.running_var + m * X.var(axis=0)\n"
                           "            inv_sigma = 1.0 / np.sqrt(self.running_var + self.eps)\n")},
        fails=("test_bn_eval_visible", "test_bn_class_hidden"),
        passes=("test_bn_train_visible", "test_bn_forward_visible", "test_bn_backward_hidden", "test_deep_visible",
                "test_deep_hidden"),
        visible_message="must not change the running statistics"),
    "eval_uses_batch_statistics": Mistake(
        "BatchNorm normalizing with the statistics of the batch it is given in evaluation mode, instead of "
        "the running statistics (a prediction then depends on the other rows, and a single row gives beta)",
        edit={"bn_class": ("            inv_sigma = 1.0 / np.sqrt(self.running_var + self.eps)\n"
                           "            xhat = (X - self.running_mean) * inv_sigma\n",
                           "            mu = X.mean(axis=0)\n"
                           "            inv_sigma = 1.0 / np.sqrt(X.var(axis=0) + self.eps)\n"
                           "            xhat = (X - mu) * inv_sigma\n")},
        fails=("test_bn_eval_visible", "test_bn_class_hidden"),
        passes=("test_bn_train_visible", "test_bn_forward_hidden", "test_bn_backward_visible", "test_deep_visible",
                "test_deep_hidden"),
        visible_message="uses the running statistics"),
    "glorot_bound_six_over_root": Mistake(
        "Glorot uniform with seed 001's misprinted bound 6 / sqrt(fan_in + fan_out) instead of "
        "sqrt(6) / sqrt(fan_in + fan_out): six times the variance",
        edit={"initializers": ("    a = np.sqrt(6.0) / np.sqrt(fan_in + fan_out)",
                               "    a = 6.0 / np.sqrt(fan_in + fan_out)")},
        fails=("test_glorot_uniform_visible", "test_glorot_uniform_hidden"),
        passes=("test_glorot_normal_visible", "test_he_uniform_hidden", "test_deep_hidden"),
        visible_message="misprint"),
    "he_with_fan_out": Mistake(
        "He initialization scaled by fan_out instead of fan_in: Var = 2 / fan_out",
        edit={"initializers": ("    a = np.sqrt(6.0 / fan_in)                        # Var = a^2 / 3 = 2 / fan_in\n"
                               "    return rng.uniform(-a, a, size=(fan_in, fan_out))\n"
                               "\n\n"
                               "def he_normal(fan_in, fan_out, rng):\n"
                               "    std = np.sqrt(2.0 / fan_in)",
                               "    a = np.sqrt(6.0 / fan_out)\n"
                               "    return rng.uniform(-a, a, size=(fan_in, fan_out))\n"
                               "\n\n"
                               "def he_normal(fan_in, fan_out, rng):\n"
                               "    std = np.sqrt(2.0 / fan_out)")},
        fails=("test_he_uniform_visible", "test_he_uniform_hidden", "test_he_normal_visible", "test_he_normal_hidden"),
        passes=("test_glorot_uniform_visible", "test_glorot_normal_hidden", "test_deep_visible", "test_deep_hidden"),
        visible_message="uses fan_in"),
    "glorot_normal_variance_as_scale": Mistake(
        "Glorot normal passing the variance 2 / (fan_in + fan_out) to rng.normal, whose scale is the standard deviation",
        edit={"initializers": ("    std = np.sqrt(2.0 / (fan_in + fan_out))", "    std = 2.0 / (fan_in + fan_out)")},
        fails=("test_glorot_normal_visible", "test_glorot_normal_hidden"),
        passes=("test_glorot_uniform_visible", "test_he_normal_visible", "test_deep_visible"),
        visible_message="standard deviation"),
    "running_var_biased": Mistake(
        "BatchNorm updating running_var with the biased batch variance (1/N) instead of the unbiased N/(N-1) one",
        edit={"bn_class": ('self.cache["var"] * n / (n - 1)', 'self.cache["var"]')},
        fails=("test_bn_train_visible", "test_bn_class_hidden"),
        passes=("test_bn_eval_visible", "test_bn_forward_visible", "test_deep_visible", "test_deep_hidden"),
        visible_message="unbiased"),
    "momentum_weights_the_old_statistics": Mistake(
        "BatchNorm using momentum as the weight of the OLD running mean (Keras' convention) instead of the new batch's",
        edit={"bn_class": ('(1.0 - m) * self.running_mean + m * self.cache["mean"]',
                           'm * self.running_mean + (1.0 - m) * self.cache["mean"]')},
        fails=("test_bn_train_visible", "test_bn_class_hidden"),
        passes=("test_bn_eval_visible", "test_bn_backward_visible", "test_deep_visible", "test_deep_hidden"),
        visible_message="weight of the new batch"),
    "layer_norm_without_bias": Mistake(
        "per-layer gradient norm of dW alone, leaving out the bias gradient db",
        edit={"grad_norms": ("np.sqrt(np.sum(np.square(dW)) + np.sum(np.square(db)))", "np.sqrt(np.sum(np.square(dW)))")},
        fails=("test_layer_norms_visible", "test_layer_norms_hidden"),
        passes=("test_norms_at_init_visible", "test_norms_at_init_hidden", "test_deep_visible", "test_deep_hidden"),
        visible_message="of db_k together"),
    "norms_at_init_ignores_seed": Mistake(
        "gradient_norms_at_init building the network with seed 0 whatever seed it is given",
        edit={"grad_norms": ("    net = DeepNetwork(SIZES, activation, init, batch_norm, seed)",
                             "    net = DeepNetwork(SIZES, activation, init, batch_norm)")},
        fails=("test_norms_at_init_visible", "test_norms_at_init_hidden"),
        passes=("test_layer_norms_visible", "test_layer_norms_hidden", "test_deep_visible", "test_deep_hidden"),
        visible_message="with the arguments you are given"),
    "initialization_alone": Mistake(
        "task 4 answered with a better initializer alone (He normal) and no batch normalization: the deep sigmoid "
        "network still does not train",
        replace={"make_it_train": 'def make_it_train():\n    return {"init": he_normal, "batch_norm": None}\n'},
        fails=("test_deep_visible", "test_deep_hidden"),
        passes=("test_he_normal_visible", "test_bn_class_hidden"),
        visible_message="gradient_norms_at_init"),
}
