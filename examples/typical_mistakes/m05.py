"""Module 5, regularization and dropout: typical wrong answers and the tests that must catch them."""
from . import Mistake

MISTAKES = {
    "dropout_scaled_at_training_and_test": Mistake(
        "inverted dropout that also multiplies by keep_prob at test time: the 1/keep_prob correction of "
        "training is applied and then undone, so the test-time output is keep_prob times too small",
        edit={"dropout": ('            return X.copy() if self.mode == "inverted" else self.keep_prob * X',
                          '            return self.keep_prob * X')},
        fails=("test_dropout_test_time_visible", "test_dropout_hidden"),
        passes=("test_dropout_train_visible", "test_dropout_mask_visible", "test_regularized_visible",
                "test_regularized_hidden"),
        visible_message="changes nothing at test time"),
    "keep_prob_used_as_drop_prob": Mistake(
        "the mask keeps a unit with probability drop_prob (seed 000's p read as PyTorch's p): "
        "Dropout(drop_prob=0.2) keeps 20 % of the units instead of 80 %",
        edit={"dropout": ("    return rng.random(shape) < keep_prob       # True = kept, with probability keep_prob",
                          "    return rng.random(shape) < drop_prob")},
        fails=("test_dropout_mask_visible", "test_dropout_mask_hidden"),
        passes=("test_dropout_train_visible", "test_dropout_test_time_visible", "test_dropout_hidden",
                "test_regularized_hidden"),
        visible_message="probability to DROP a unit"),
    "dropout_mask_redrawn_in_backward": Mistake(
        "Dropout.backward drawing a new mask instead of reusing the mask of the forward pass: the "
        "gradient flows through other units than those that produced the output",
        edit={"dropout": ("        dX = dout * self.mask                 # the SAME mask as the forward pass\n",
                          "        self.mask = dropout_mask(dout.shape, drop_prob=self.drop_prob, rng=self.rng)\n"
                          "        dX = dout * self.mask\n")},
        fails=("test_dropout_train_visible", "test_dropout_hidden"),
        passes=("test_dropout_test_time_visible", "test_dropout_mask_visible", "test_regularized_hidden"),
        visible_message="mask of the forward pass"),
    "l1_subgradient_not_zero_at_zero": Mistake(
        "the L1 gradient lam * (1 if w >= 0 else -1): a weight that is exactly 0 is pushed to -lam "
        "at every step and starts to oscillate around zero instead of staying there",
        edit={"penalties": ("    grad = np.where(mask, lam * np.sign(params), 0.0)  # np.sign(0) = 0: the subgradient 0 at w = 0",
                            "    grad = np.where(mask, lam * np.where(params >= 0, 1.0, -1.0), 0.0)")},
        fails=("test_l1_visible", "test_l1_hidden"),
        passes=("test_l2_visible", "test_l2_hidden", "test_decay_visible", "test_regularized_visible"),
        visible_message="subgradient 0 at w = 0"),
    "l1_gradient_on_biases": Mistake(
        "the L1 gradient lam * sign(params) on every entry, ignoring the mask: the biases are "
        "penalized too",
        edit={"penalties": ("    grad = np.where(mask, lam * np.sign(params), 0.0)  # np.sign(0) = 0: the subgradient 0 at w = 0",
                            "    grad = lam * np.sign(params)")},
        fails=("test_l1_visible", "test_l1_hidden"),
        passes=("test_l2_visible", "test_decay_hidden", "test_regularized_visible"),
        visible_message="never touch biases"),
    "early_stopping_keeps_last_weights": Mistake(
        "EarlyStopping storing self.best_params = params (no copy): the training loop changes that "
        "same array in place, so restore gives the last weights instead of the best",
        edit={"early_stopping": ("            self.best_params = np.array(params, dtype=float, copy=True)   # a copy: params will change",
                                 "            self.best_params = params")},
        fails=("test_early_stopping_visible", "test_early_stopping_hidden"),
        passes=("test_regularized_visible", "test_regularized_hidden"),
        visible_message="BEST parameters"),
    "max_norm_on_whole_matrix": Mistake(
        "max-norm on the norm of the whole matrix (seed 000's ||W|| <= c read literally) instead of on "
        "each unit's incoming weights (each column): every column is shrunk, also the short ones",
        edit={"max_norm": ("    long = norms > c\n"
                           "    W[:, long] *= c / norms[long]             # in place; columns with norm <= c are not touched\n",
                           "    total = np.sqrt(np.sum(W * W))            # the norm of the whole matrix\n"
                           "    if total > c:\n"
                           "        W *= c / total\n")},
        fails=("test_max_norm_visible", "test_max_norm_hidden"),
        passes=("test_regularized_visible", "test_regularized_hidden"),
        visible_message="each column"),
    "l2_without_the_half": Mistake(
        "the L2 penalty lam * sum(w^2) with the gradient 2 lam w: twice the course's (lam / 2) ||w||^2, "
        "so the step is no longer seed 001's w (1 - eta lam)",
        edit={"penalties": ("    grad = np.where(mask, lam * params, 0.0)          # lam * w on the weights, 0 on the biases\n"
                            "    return 0.5 * lam * float(np.dot(w, w)), grad",
                            "    grad = np.where(mask, 2.0 * lam * params, 0.0)\n"
                            "    return lam * float(np.dot(w, w)), grad")},
        fails=("test_l2_visible", "test_l2_hidden"),
        passes=("test_l1_visible", "test_decay_visible", "test_regularized_hidden"),
        visible_message="the 1/2 cancels the 2"),
    "weight_decay_without_lr": Mistake(
        "weight decay w := w (1 - lam), forgetting the learning rate in the factor 1 - lr lam",
        edit={"penalties": ("    params[mask] *= 1.0 - lr * lam                     # w := w (1 - lr lam), in place, weights only",
                            "    params[mask] *= 1.0 - lam")},
        fails=("test_decay_visible", "test_decay_hidden"),
        passes=("test_l2_visible", "test_l1_visible", "test_regularized_visible"),
        visible_message="1 - lr * lam"),
    "early_stopping_patience_off_by_one": Mistake(
        "EarlyStopping stopping only after MORE than patience epochs without improvement (> instead of >=)",
        edit={"early_stopping": ("        if self.epochs_without_improvement >= self.patience:",
                                 "        if self.epochs_without_improvement > self.patience:")},
        fails=("test_early_stopping_visible", "test_early_stopping_hidden"),
        passes=("test_regularized_visible", "test_regularized_hidden"),
        visible_message="epochs in a row without improvement"),
    "max_norm_not_in_place": Mistake(
        "max_norm_project rebinding W = W * ... : the caller's matrix (and the params it is a view of) "
        "never changes",
        edit={"max_norm": ("    W[:, long] *= c / norms[long]             # in place; columns with norm <= c are not touched",
                           "    W = W * np.where(long, c / np.maximum(norms, 1e-300), 1.0)")},
        fails=("test_max_norm_visible", "test_max_norm_hidden"),
        passes=("test_regularized_visible",),
        visible_message="IN PLACE"),
}
