"""Module 3, losses and backpropagation: typical wrong answers and the tests that must catch them."""
from . import Mistake

MISTAKES = {
    "softmax_without_max_shift": Mistake(
        "softmax cross-entropy without subtracting the row maximum: exp(1e4) overflows to inf "
        "and the loss becomes nan, with an overflow warning",
        edit={"losses": ("    shifted = z - z.max(axis=1, keepdims=True)", "    shifted = z")},
        fails=("test_softmax_ce_visible", "test_softmax_ce_hidden"), visible_message="log-sum-exp",
        passes=("test_mse_visible", "test_bce_visible", "test_gradient_check", "test_gradient_check_hidden")),
    "gradient_without_1_over_n": Mistake(
        "softmax cross-entropy gradient softmax(z) - Y, without the 1/n of the mean: "
        "the gradient check of the network stops and names task 1 to fix first",
        edit={"losses": ("    return float(loss), grad / n", "    return float(loss), grad")},
        fails=("test_softmax_ce_visible", "test_softmax_ce_hidden", "test_gradient_check"),
        visible_message="the 1/n of the mean",
        passes=("test_mse_visible", "test_bce_visible", "test_mse_bce_hidden", "test_gradient_check_hidden")),
    "bias_gradient_not_summed": Mistake(
        "dense_backward returning db = dZ, shape (n, fan_out), instead of summing over the batch",
        edit={"backward": ("    db = dZ.sum(axis=0)", "    db = dZ")},
        fails=("test_dense_backward_visible", "test_dense_backward_hidden", "test_two_layer_visible",
               "test_gradient_check"),
        visible_message="sum dZ over the batch",
        passes=("test_activation_backward_visible", "test_activation_backward_hidden", "test_two_layer_hidden",
                "test_gradient_check_hidden")),
    "bias_gradient_averaged": Mistake(
        "dense_backward returning db = dZ.mean(axis=0): the right shape, but 1/n of the gradient",
        edit={"backward": ("    db = dZ.sum(axis=0)", "    db = dZ.mean(axis=0)")},
        fails=("test_dense_backward_visible", "test_dense_backward_hidden", "test_two_layer_visible",
               "test_gradient_check"),
        visible_message="not their mean",
        passes=("test_activation_backward_visible", "test_activation_backward_hidden", "test_two_layer_hidden",
                "test_gradient_check_hidden")),
    "one_sided_difference": Mistake(
        "numerical gradient by the one-sided difference (f(x + h e_i) - f(x)) / h: error O(h)",
        replace={"gradient_check": '''def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        plus = f(x)
        flat_x[i] = old
        flat_grad[i] = (plus - f(x)) / h
    return grad


def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / scale)'''},
        fails=("test_numerical_gradient_visible", "test_numerical_gradient_hidden", "test_gradient_check",
               "test_gradient_check_hidden"),
        visible_message="one-sided difference", passes=("test_relative_error_visible",)),
    "autodiff_overwrites_gradients": Mistake(
        "Value.backward assigning parent.grad = local * node.grad instead of adding: x * x gets x, not 2x",
        edit={"autodiff": ("                parent.grad += local * node.grad",
                           "                parent.grad = local * node.grad")},
        fails=("test_value_visible", "test_value_ops_hidden", "test_value_graph_hidden"),
        visible_message="added (+=), not assigned (=)"),
    "topological_order_without_visited_set": Mistake(
        "a depth-first search without a visited set: a node used twice, as c in d = c + c with "
        "c = a * b, enters the order twice and pushes its gradient twice",
        edit={"autodiff": ("            if id(node) in visited:\n                return\n"
                           "            visited.add(id(node))\n", "")},
        fails=("test_value_visible", "test_value_graph_hidden"), visible_message="visited set",
        passes=("test_value_ops_hidden",)),
    "bce_without_clipping": Mistake(
        "binary cross-entropy without clipping the probabilities: log(0) for p = 0 or 1 warns and "
        "gives inf or nan",
        edit={"losses": ("    p = np.clip(p, PROBABILITY_EPS, 1.0 - PROBABILITY_EPS)\n", "")},
        fails=("test_bce_visible", "test_mse_bce_hidden"), visible_message="clip p to",
        passes=("test_mse_visible", "test_softmax_ce_visible", "test_softmax_ce_hidden")),
    "multiply_node_sends_own_input": Mistake(
        "the multiply node of f = (x + y) z sending df * z to z (its own input) instead of df * q",
        edit={"graph": ('    dz = df * values["q"]', '    dz = df * values["z"]')},
        fails=("test_graph_visible", "test_graph_hidden"), visible_message="the *other* input"),
    "power_law_on_linear_axes": Mistake(
        "fit_power_law fitting a straight line to the costs themselves, not to their logarithms",
        edit={"costs": ("np.polyfit(np.log(np.asarray(sizes, dtype=float)), np.log(np.asarray(costs, dtype=float)), 1)",
                        "np.polyfit(np.asarray(sizes, dtype=float), np.asarray(costs, dtype=float), 1)")},
        fails=("test_power_law_visible", "test_costs_hidden"), visible_message="log(cost) against log(size)",
        passes=("test_costs_visible",)),
}
