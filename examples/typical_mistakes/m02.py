"""Module 2, networks in matrix form and universal approximation: typical wrong answers and the
tests that must catch them."""
from . import Mistake

_FORWARD_ALL = '''

def forward_all(X, weights, biases, activations):
    if biases is None:
        biases = [np.zeros(np.shape(W)[1]) for W in weights]
    Hs, Zs = [np.asarray(X, dtype=float)], []
    for W, b, f in zip(weights, biases, activations):
        Zs.append(dense_forward(Hs[-1], W, b))
        Hs.append(f(Zs[-1]))
    return Hs, Zs'''

MISTAKES = {
    "transposed_weights": Mistake(
        "dense_forward in seed 000's layout: W taken as (fan_out, fan_in) and X @ W.T + b",
        replace={"layers": '''def dense_forward(X, W, b):
    X = np.asarray(X, dtype=float)
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    if X.ndim != 2 or X.shape[1] != W.shape[1] or b.shape != (W.shape[0],):
        raise ValueError(f"shapes do not fit: X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W.T + b''' + _FORWARD_ALL},
        fails=("test_dense_visible", "test_dense_hidden", "test_forward_all_visible",
               # task 2's visible tests say "fix task 1 first"; its hidden test swaps in correct parts
               "test_seed_example_layers", "test_seed_example_loss"),
        visible_message="no transpose",
        passes=("test_forward_all_hidden", "test_seed_example_hidden", "test_vec_visible", "test_collapse_visible",
                "test_bump_visible")),
    "bias_wrong_axis": Mistake(
        "the bias added along the wrong axis, b[:, None]: wrong numbers when n == fan_out, an error otherwise",
        edit={"layers": ("    return X @ W + b\n", "    return X @ W + b[:, None]\n")},
        fails=("test_dense_visible", "test_dense_hidden", "test_forward_all_visible",
               # task 2's visible tests say "fix task 1 first"; its hidden test swaps in correct parts
               "test_seed_example_layers", "test_seed_example_loss"),
        visible_message="wrong axis",
        passes=("test_forward_all_hidden", "test_seed_example_hidden", "test_vec_visible", "test_collapse_visible")),
    "vec_row_major_seed_layout": Mistake(
        "vec flattening seed 000's (fan_out, fan_in) matrices row by row (= our W column by column); "
        "unvec consistent, so the round trip is exact but the order is not seed 000's",
        replace={"vec": '''def vec(weights, biases=()):
    parts = [np.asarray(W, dtype=float).T.ravel() for W in weights]
    parts += [np.asarray(b, dtype=float).ravel() for b in biases]
    return np.concatenate(parts) if parts else np.zeros(0)


def unvec(theta, weight_shapes, bias_shapes=()):
    theta = np.asarray(theta, dtype=float).ravel()
    weights, biases, offset = [], [], 0
    for shape in weight_shapes:
        size = int(np.prod(shape))
        weights.append(theta[offset:offset + size].reshape(tuple(shape)[::-1]).T.copy())
        offset += size
    for shape in bias_shapes:
        size = int(np.prod(shape))
        biases.append(theta[offset:offset + size].reshape(shape).copy())
        offset += size
    if offset != theta.size:
        raise ValueError(f"theta has {theta.size} entries, the shapes need {offset}")
    return weights, biases'''},
        fails=("test_vec_visible", "test_unvec_visible", "test_vec_hidden"), visible_message="row-major",
        passes=("test_collapse_visible", "test_seed_example_loss")),
    "bump_ignores_height": Mistake(
        "a bump of the wrong height: the height argument is ignored (always 1)",
        edit={"bump": ("    return height * (sigmoid(steepness * (x - left)) - sigmoid(steepness * (x - right)))",
                       "    return sigmoid(steepness * (x - left)) - sigmoid(steepness * (x - right))")},
        fails=("test_bump_visible", "test_bump_hidden"), visible_message="multiply by height",
        passes=("test_bump_network_visible", "test_collapse_visible")),
    "seed_reshape_not_transpose": Mistake(
        "seed 000's matrices brought to the course layout with reshape instead of a transpose",
        edit={"seed_example": ("W1, W2, W3 = seed_w1.T, seed_w2.T, seed_w3.T",
                               "W1, W2, W3 = seed_w1.reshape(2, 3), seed_w2.reshape(3, 2), seed_w3.reshape(2, 1)")},
        fails=("test_seed_example_layers", "test_seed_example_loss", "test_seed_example_hidden"),
        visible_message="reshape keeps the order", passes=("test_forward_all_visible", "test_vec_visible")),
    "sum_instead_of_mean_loss": Mistake(
        "the loss summed over the observations (2.249), as on seed 000's matrix-form slide, instead of the mean",
        edit={"seed_example": ("mean_loss = float(row_losses.mean())", "mean_loss = float(row_losses.sum())")},
        fails=("test_seed_example_loss", "test_seed_example_hidden"), visible_message="sum of the row losses",
        passes=("test_seed_example_layers",)),
    "seed_figures_typed_in": Mistake(
        "seed 000's printed (rounded) figures typed in instead of computed: they pass the checks to the seed's "
        "decimals, not those to full precision",
        replace={"seed_example": '''def seed_example():
    return {"W1": seed_w1.T, "W2": seed_w2.T, "W3": seed_w3.T,
            "h1": np.array([[0.29, -0.46, 0.6], [0.46, -0.6, 0.72], [0.6, -0.72, 0.8]]),
            "h2": np.array([[0.38, 0.51], [0.48, 0.66], [0.57, 0.78]]),
            "o": np.array([0.445, 0.428, 0.414]),
            "row_losses": np.array([0.809, 0.559, 0.881]), "mean_loss": 0.7497}'''},
        fails=("test_seed_example_layers", "test_seed_example_loss", "test_seed_example_hidden"),
        visible_message="rounded", passes=("test_forward_all_visible",)),
    "seed_example_returns_a_tuple": Mistake(
        "seed_example returning its values as a tuple, as forward_all does, instead of the dict of the table",
        edit={"seed_example": ('''    return {"W1": W1, "W2": W2, "W3": W3, "h1": Hs[1], "h2": Hs[2], "o": o,
            "row_losses": row_losses, "mean_loss": mean_loss}''',
                               "    return W1, W2, W3, Hs[1], Hs[2], o, row_losses, mean_loss")},
        fails=("test_seed_example_layers", "test_seed_example_loss", "test_seed_example_hidden"),
        visible_message="must return a dict", passes=("test_forward_all_visible", "test_vec_visible")),
    "collapse_bias_sum": Mistake(
        "collapsed bias b1 + b2: the first bias is not passed through the second layer",
        edit={"collapse": ("    return W1 @ W2, b1 @ W2 + b2", "    return W1 @ W2, b1 + b2")},
        fails=("test_collapse_visible", "test_collapse_hidden"), visible_message="goes through the second layer",
        passes=("test_vec_visible", "test_bump_visible")),
    "bump_network_edges_at_ends": Mistake(
        "bump_network with the outer edges at 0 and 1: the network is f/2 there; passes sin(2 pi x), "
        "which is 0 at both ends, and fails 0.5 + x, which is not",
        edit={"bump_network": ("        left[0], right[-1] = -h, 1.0 + h        # 0 and 1 on a plateau, not on an edge\n",
                               "")},
        fails=("test_bump_network_visible", "test_bump_network_hidden"), visible_message="on a plateau",
        passes=("test_bump_visible",)),
    "random_features_ignore_seed": Mistake(
        "random features always drawn with random_layer(width), ignoring the seed argument",
        edit={"random_features": ("    W, b = random_layer(width, seed)", "    W, b = random_layer(width)")},
        fails=("test_random_features_visible", "test_random_features_hidden"), visible_message="seed argument",
        passes=("test_polynomial_rank_visible",)),
    "random_features_no_output_bias": Mistake(
        "least squares without the column of ones: no output bias b_out",
        edit={"random_features": ("    design = np.column_stack([H, np.ones(x.size)])        # the last column fits b_out",
                                  "    design = H")},
        fails=("test_random_features_visible", "test_random_features_hidden"), visible_message="column of ones",
        passes=("test_polynomial_rank_visible",)),
    "polynomial_of_x_not_of_preactivation": Mistake(
        "polynomial features (x ** degree) @ W + b instead of (x @ W + b) ** degree: rank 2 at most",
        edit={"polynomial_rank": ("    H = (x[:, None] @ W + b) ** degree", "    H = (x[:, None] ** degree) @ W + b")},
        fails=("test_polynomial_rank_visible", "test_polynomial_rank_hidden"),
        visible_message="(x[:, None] @ W + b) ** degree",
        passes=("test_random_features_visible",)),
}
