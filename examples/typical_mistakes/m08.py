"""Module 8, the capstone on the digits: typical wrong answers and the tests that must catch them."""
from . import Mistake

MISTAKES = {
    "evaluate_on_training_split": Mistake(
        "evaluate computing the accuracy and the confusion matrix on the training split, which the "
        "network has fitted: an optimistic number (close to 100 %) instead of an honest estimate",
        edit={"evaluation": ('    y_true = np.asarray(data["y_test"]).astype(int)          # the TEST split\n'
                             '    y_pred = np.asarray(predict_fn(data["X_test"])).astype(int)',
                             '    y_true = np.asarray(data["y_train"]).astype(int)\n'
                             '    y_pred = np.asarray(predict_fn(data["X_train"])).astype(int)')},
        fails=("test_evaluate_visible", "test_evaluate_hidden"),
        passes=("test_split_visible", "test_split_hidden", "test_train_shuffle_visible", "test_train_hidden",
                "test_train_outcome_hidden", "test_run_visible", "test_run_hidden"),
        visible_message="test split"),
    "standardize_with_test_statistics": Mistake(
        "split_and_standardize computing the mean and std on the test rows and standardizing every split "
        "with them: the test split leaks into the training",
        edit={"split": ("    mean = X[train_idx].mean(axis=0)          # statistics of the training split only\n"
                        "    std = X[train_idx].std(axis=0)",
                        "    mean = X[test_idx].mean(axis=0)\n"
                        "    std = X[test_idx].std(axis=0)")},
        fails=("test_split_visible", "test_split_hidden"),
        passes=("test_train_shuffle_visible", "test_train_hidden", "test_train_outcome_hidden",
                "test_evaluate_visible", "test_evaluate_hidden", "test_run_hidden"),
        visible_message="training split only"),
    "standardize_with_whole_data_statistics": Mistake(
        "split_and_standardize computing the mean and std on the whole data, test and validation rows "
        "included, before the split",
        edit={"split": ("    mean = X[train_idx].mean(axis=0)          # statistics of the training split only\n"
                        "    std = X[train_idx].std(axis=0)",
                        "    mean = X.mean(axis=0)\n"
                        "    std = X.std(axis=0)")},
        fails=("test_split_visible", "test_split_hidden"),
        passes=("test_train_hidden", "test_train_outcome_hidden", "test_evaluate_hidden", "test_run_visible",
                "test_run_hidden"),
        visible_message="training split only"),
    "constant_column_divides_by_zero": Mistake(
        "split_and_standardize dividing by a std of 0 for the constant columns (the blank corner pixels): "
        "0 / 0 = nan, and a network fed nan learns nothing",
        edit={"split": ("    std[std == 0] = 1.0                       # a constant column stays 0 instead of nan\n", "")},
        fails=("test_split_visible", "test_split_hidden", "test_run_visible"),
        passes=("test_train_shuffle_visible", "test_train_hidden", "test_train_outcome_hidden",
                "test_evaluate_visible", "test_evaluate_hidden", "test_run_hidden"),
        visible_message="constant"),
    "validation_rows_in_training_split": Mistake(
        "split_and_standardize taking everything after the test rows as the training split: the "
        "validation rows are trained on, so early stopping watches rows the network has fitted",
        edit={"split": ("    train_idx = order[n_test + n_val:]\n", "    train_idx = order[n_test:]\n")},
        fails=("test_split_visible", "test_split_hidden"),
        passes=("test_train_shuffle_visible", "test_train_hidden", "test_evaluate_visible", "test_run_hidden"),
        visible_message="disjoint"),
    "no_shuffling": Mistake(
        "train visiting the training rows in their stored order in every epoch (order = np.arange(n)): "
        "the same batches in the same order, again and again",
        edit={"training": ("        order = rng.permutation(n)            # a fresh order at the start of every epoch\n",
                           "        order = np.arange(n)\n")},
        fails=("test_train_shuffle_visible", "test_train_hidden"),
        passes=("test_train_early_stopping_visible", "test_train_outcome_hidden", "test_split_visible",
                "test_evaluate_visible", "test_run_visible", "test_run_hidden"),
        visible_message="shuffle"),
    "shuffle_once_before_the_loop": Mistake(
        "train drawing one permutation before the epoch loop: every epoch repeats the order of the first",
        edit={"training": ("    for epoch in range(1, epochs + 1):\n"
                           "        order = rng.permutation(n)            # a fresh order at the start of every epoch\n",
                           "    order = rng.permutation(n)\n"
                           "    for epoch in range(1, epochs + 1):\n")},
        fails=("test_train_shuffle_visible", "test_train_hidden"),
        passes=("test_train_early_stopping_visible", "test_train_outcome_hidden", "test_run_visible",
                "test_run_hidden"),
        visible_message="every epoch"),
    "early_stopping_returns_last_params": Mistake(
        "train stopping at the right epoch but returning the params of the last epoch instead of those of "
        "the best one (lowest validation loss)",
        edit={"training": ("    history[\"best_epoch\"] = best_epoch\n    return best_params, history",
                           "    history[\"best_epoch\"] = best_epoch\n    return params, history")},
        fails=("test_train_early_stopping_visible", "test_train_hidden", "test_train_outcome_hidden"),
        passes=("test_train_shuffle_visible", "test_split_hidden", "test_evaluate_hidden", "test_run_hidden"),
        visible_message="best epoch"),
    "best_params_not_copied": Mistake(
        "train remembering the best params as best_params = params, without .copy(): the name points to the "
        "array that training goes on changing, so the 'best' params are those of the last epoch",
        edit={"training": ("            best_params, best_loss, best_epoch, waited = params.copy(), val_loss, epoch, 0\n",
                           "            best_params, best_loss, best_epoch, waited = params, val_loss, epoch, 0\n")},
        fails=("test_train_early_stopping_visible", "test_train_hidden", "test_train_outcome_hidden"),
        passes=("test_train_shuffle_visible", "test_evaluate_visible", "test_run_hidden"),
        visible_message="copy"),
    "confusion_matrix_transposed": Mistake(
        "evaluate filling confusion[predicted, true] instead of confusion[true, predicted]: the rows are "
        "then the predictions",
        edit={"evaluation": ("    np.add.at(confusion, (y_true, y_pred), 1)", "    np.add.at(confusion, (y_pred, y_true), 1)")},
        fails=("test_evaluate_visible", "test_evaluate_hidden"),
        passes=("test_split_visible", "test_train_hidden", "test_run_visible", "test_run_hidden"),
        visible_message="rows are the true classes"),
    "evaluate_untrained_params": Mistake(
        "run_pipeline evaluating the initial params instead of the trained best_params: about 10 % accuracy",
        edit={"pipeline": ("    result = evaluate(lambda X: predict(best_params, X), data)\n    return",
                           "    result = evaluate(lambda X: predict(params, X), data)\n    return")},
        fails=("test_run_visible", "test_run_hidden"),
        passes=("test_split_hidden", "test_train_outcome_hidden", "test_evaluate_visible", "test_evaluate_hidden"),
        visible_message="trained best_params"),
}
