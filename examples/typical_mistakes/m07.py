"""Module 7, pruning by Optimal Brain Damage: typical wrong answers and the tests that must catch them."""
from . import Mistake

FISHER_HESSIAN = '''
def hessian_diagonal(params, X, Y, levenberg_marquardt=True):
    # the squared gradient, mean_i (dL_i/dw)^2 (the "empirical Fisher"), passed off as d2Q/dw^2
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    W1, b1, W2, b2 = unpack(params, X.shape[1], Y.shape[1])
    H, O = forward(params, X, Y.shape[1])
    n, k = Y.shape
    dO = 2.0 * (O - Y) / k                   # dL_i/dO for the loss L_i of observation i alone
    dZ = (dO @ W2.T) * (1.0 - H * H)
    return np.concatenate([((X * X).T @ (dZ * dZ)).ravel() / n, ((H * H).T @ (dO * dO)).ravel() / n,
                           (dZ * dZ).mean(axis=0), (dO * dO).mean(axis=0)])
'''

MISTAKES = {
    "saliency_without_square": Mistake(
        "saliency S = w * h / 2 without squaring the weight: a negative weight gets a negative saliency "
        "and is pruned first, whatever its size",
        edit={"saliency": ("    return params * params * hdiag / 2.0", "    return params * hdiag / 2.0")},
        fails=("test_saliency_visible", "test_saliency_hidden"),
        passes=("test_hessian_visible", "test_prune_mask_visible", "test_prune_and_retrain_visible",
                "test_prune_and_retrain_hidden", "test_rank_inputs_visible"),
        visible_message="must be squared"),
    "saliency_without_half": Mistake(
        "saliency as printed in seed 001, S = w^2 h without the 1/2: the same ranking, but not the "
        "predicted increase of the loss",
        edit={"saliency": ("    return params * params * hdiag / 2.0", "    return params * params * hdiag")},
        fails=("test_saliency_visible", "test_saliency_hidden"),
        passes=("test_prune_and_retrain_visible", "test_rank_inputs_visible", "test_rank_inputs_hidden"),
        visible_message="without the 1/2"),
    "hessian_from_squared_gradient": Mistake(
        "the diagonal of the Hessian replaced by the squared per-observation gradient (the empirical "
        "Fisher approximation), passed off as exact",
        replace={"hessian": FISHER_HESSIAN},
        fails=("test_hessian_visible", "test_hessian_hidden"),
        passes=("test_saliency_visible", "test_prune_and_retrain_visible", "test_prune_and_retrain_hidden",
                "test_rank_inputs_visible", "test_rank_inputs_hidden"),
        visible_message="squared gradient"),
    "hessian_ignores_levenberg_marquardt_flag": Mistake(
        "hessian_diagonal always drops the f'' term: levenberg_marquardt=False is not the exact diagonal",
        edit={"hessian": ("    if not levenberg_marquardt:\n", "    if False:\n")},
        fails=("test_hessian_visible", "test_hessian_hidden"),
        passes=("test_saliency_visible", "test_prune_and_retrain_hidden", "test_rank_inputs_hidden"),
        visible_message="add the f'' term"),
    "hessian_input_not_squared": Mistake(
        "d2Q/dW1^2 = X.T @ hZ: the input enters the second derivative to the first power, not squared",
        edit={"hessian": ("((X * X).T @ hZ)", "(X.T @ hZ)")},
        fails=("test_hessian_visible", "test_hessian_hidden"),
        passes=("test_saliency_visible", "test_rank_inputs_visible"),
        visible_message="input enters squared"),
    "pruning_biases": Mistake(
        "prune_mask ignores eligible and prunes among all the parameters: the biases (and weights "
        "pruned already) are candidates too",
        edit={"prune": ("    candidates = np.flatnonzero(eligible)           # only these may be pruned: never the biases",
                        "    candidates = np.arange(scores.size)")},
        fails=("test_prune_mask_visible", "test_prune_mask_hidden"),
        passes=("test_magnitude_prune_mask_visible", "test_magnitude_prune_mask_hidden",
                "test_prune_and_retrain_visible", "test_prune_and_retrain_hidden"),
        visible_message="biases are never pruned"),
    "pruning_the_most_salient": Mistake(
        "prune_mask sorts in decreasing order and removes the MOST salient weights",
        edit={"prune": ('    order = np.argsort(scores[candidates], kind="stable")   # smallest first',
                        '    order = np.argsort(-scores[candidates], kind="stable")')},
        fails=("test_prune_mask_visible", "test_prune_mask_hidden"),
        passes=("test_magnitude_prune_mask_visible", "test_prune_and_retrain_visible"),
        visible_message="smallest scores"),
    "magnitude_without_absolute_value": Mistake(
        "magnitude pruning by the signed weight w instead of |w|: large negative weights go first",
        edit={"prune": ("    return prune_mask(np.abs(params), fraction, eligible)",
                        "    return prune_mask(params, fraction, eligible)")},
        fails=("test_magnitude_prune_mask_visible", "test_magnitude_prune_mask_hidden"),
        passes=("test_prune_mask_visible", "test_prune_mask_hidden", "test_prune_and_retrain_hidden"),
        visible_message="absolute value"),
    "apply_mask_not_in_place": Mistake(
        "apply_mask rebinding params = params * keep: the caller's params never change",
        edit={"mask": ("    params[pruned] = 0.0                  # in place: the caller's array changes\n"
                       "    if grads is not None:\n        grads[pruned] = 0.0",
                       "    params = params * ~pruned\n"
                       "    if grads is not None:\n        grads = grads * ~pruned")},
        fails=("test_apply_mask_visible", "test_apply_mask_hidden"),
        passes=("test_prune_and_retrain_visible", "test_prune_and_retrain_hidden"),
        visible_message="in place"),
    "masks_forgotten_in_retraining": Mistake(
        "prune_and_retrain retrains without the mask, train(params, X, Y, epochs, lr): the pruned "
        "weights grow back during retraining",
        edit={"retrain": ("        losses += train(params, X, Y, epochs, lr, keep=keep)",
                          "        losses += train(params, X, Y, epochs, lr)")},
        fails=("test_prune_and_retrain_visible", "test_prune_and_retrain_hidden"),
        passes=("test_apply_mask_visible", "test_apply_mask_hidden", "test_rank_inputs_visible"),
        visible_message="grew back"),
    "pruning_fraction_of_all_weights_every_round": Mistake(
        "prune_and_retrain prunes fraction of ALL the weights every round (eligible = WEIGHTS), so a "
        "round can pick weights that are gone already and prunes fewer new ones",
        edit={"retrain": ("            keep = keep & prune_mask(scores, fraction, weights & keep)",
                          "            keep = keep & prune_mask(scores, fraction, weights)")},
        fails=("test_prune_and_retrain_visible", "test_prune_and_retrain_hidden"),
        passes=("test_prune_mask_visible", "test_apply_mask_visible"),
        visible_message="STILL PRESENT"),
    "feature_saliency_column_order": Mistake(
        "feature_saliency reads W1 column by column (reshape(m, d).sum(axis=0)) although the vec order "
        "stores it row by row",
        edit={"features": ("    W1_scores = unpack(scores, d, k)[0]              # (d, m): row j = the weights leaving input j\n"
                           "    return W1_scores.sum(axis=1)",
                           "    m = n_hidden(scores, d, k)\n"
                           "    return scores[:d * m].reshape(m, d).sum(axis=0)")},
        fails=("test_feature_saliency_visible", "test_feature_saliency_hidden"),
        passes=("test_rank_inputs_visible", "test_rank_inputs_hidden"),
        visible_message="row by row"),
    "inputs_ranked_least_salient_first": Mistake(
        "rank_inputs sorts in increasing order: the irrelevant inputs come first",
        edit={"features": ('    return np.argsort(-fs, kind="stable")            # most salient first',
                           '    return np.argsort(fs, kind="stable")')},
        fails=("test_rank_inputs_visible", "test_rank_inputs_hidden"),
        passes=("test_feature_saliency_visible", "test_feature_saliency_hidden"),
        visible_message="most salient first"),
}
