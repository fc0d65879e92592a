"""Reference NumPy implementation of the course "Neural networks from scratch".

One module per idea; each lecture's code lives in the file named after its topic:

=========================  ===========================================================
``activations``            activation functions, derivatives, softmax (module 1)
``neuron``                 a single neuron ``f(X @ w + b)`` on a batch (module 1)
``logic_gates``            AND/OR/NOT/NAND, XOR two ways, exact separability test (module 1)
``perceptron``             Rosenblatt's perceptron rule (module 1)
``layers``                 dense layer ``H = f(X @ W + b)``, forward/backward pairs
``network``                multi-layer network with one flat parameter vector
``workspace``              scratch arrays a training step allocates once and reuses
``parameters``             ``vec`` / ``unvec`` in seed 000's column order (module 2)
``linear_collapse``        stacked linear layers are one linear map (module 2)
``approximation``          bumps and staircases of sigmoids, sup-error (module 2)
``random_features``        random hidden layers, least squares, polynomial rank (module 2)
``losses``                 MSE, binary and softmax cross-entropy with gradients (module 3)
``gradient_check``         central differences and relative error (module 3)
``computational_graph``    ``f = (x + y) z`` forward and backward by hand (module 3)
``two_layer_backprop``     backprop of a two-layer network written out (module 3)
``autodiff``               a scalar reverse-mode automatic differentiation engine (module 3)
``backprop_cost``          counting the cost of numerical vs backprop gradients (module 3)
``datasets``               small generated 2-D problems (XOR, spirals, circles, moons)
``optimizers``             GD/SGD, momentum, Nesterov, RMSProp, AdaDelta, Adam, Nadam (module 4)
``chunked``                element-wise updates split into chunks for parallel threads
``minibatches``            mini-batch indices per epoch, running loss estimate (module 4)
``gradient_clipping``      clipping the gradient by its global norm (module 4)
``optimization_surfaces``  Rosenbrock, Beale, saddle with gradients; trajectories (module 4)
``penalties``              L2 / L1 penalties on the weights (not biases), gradients (module 5)
``weight_decay``           weight decay ``w (1 - lr lam)``, SGDW, AdamW (module 5)
``early_stopping``         early stopping on a validation split, best weights kept (module 5)
``noise``                  Gaussian noise on inputs, weights or gradient (module 5)
``dropout``                dropout layer, inverted and test-time scaling (module 5)
``max_norm``               max-norm constraint ``||w|| <= c`` per unit (module 5)
``dropout_ensemble``       thinned-network average vs weight scaling, Monte Carlo (module 5)
``initializers``           uniform, Glorot/Xavier, He, LeCun, orthogonal; ``initialize`` (module 6)
``batch_norm``             batch normalization forward/backward and the ``BatchNorm`` layer (module 6)
``layer_statistics``       per-layer activation/gradient statistics; seed 000's neuron chain (module 6)
``deep_networks``          deep nets of one activation and initialization, optional batch norm (module 6)
``second_derivatives``     second derivatives of the activations and losses (module 7)
``hessian_diagonal``       Hessian diagonal: OBD second backward pass, exact, Fisher (module 7)
``pruning``                OBD saliency, pruning masks, retraining, feature selection (module 7)
``training``               a minimal training loop (any optimizer, mini-batches, clipping)
``plotting``               decision-region plots
=========================  ===========================================================
"""
from . import (activations, batch_norm, datasets, deep_networks, dropout, dropout_ensemble,
               early_stopping, gradient_check, gradient_clipping, initializers, layer_statistics,
               layers, losses, max_norm, minibatches, network, noise, optimization_surfaces,
               optimizers, parameters, penalties, training, weight_decay)
from .activations import get_activation, log_softmax, sigmoid, softmax
from .batch_norm import BatchNorm, batch_norm_backward, batch_norm_forward
from .deep_networks import deep_network
from .dropout import Dropout, dropout_backward, dropout_forward, dropout_mask
from .dropout_ensemble import compare_with_weight_scaling, measure_gaps
from .early_stopping import EarlyStopping
from .gradient_check import check_gradients, numerical_gradient, relative_error
from .gradient_clipping import clip_by_global_norm
from .initializers import INITIALIZERS, get_initializer, initialize
from .layer_statistics import LayerStatistics, layer_statistics, one_neuron_chain
from .layers import Dense, Layer
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, mean_squared_error,
                     softmax_cross_entropy)
from .max_norm import apply_max_norm, max_norm_project
from .minibatches import RunningLoss, iterate_minibatches, minibatch_indices
from .network import ForwardPass, Network
from .noise import GaussianNoise, add_input_noise, weight_noise
from .optimizers import (SGD, AdaDelta, AdaDeltaSlides, Adam, GradientDescent, Momentum, Nadam,
                         NadamSlides, Nesterov, RMSProp)
from .parameters import ParamSpec, unvec, vec
from .penalties import l1_penalty, l2_penalty, penalized_loss_and_gradient, weight_mask
from .weight_decay import SGDW, AdamW, decay_weights

from . import hessian_diagonal, pruning, second_derivatives  # module 7
from .hessian_diagonal import (empirical_fisher_diagonal, exact_hessian_diagonal,
                               exact_hessian_diagonal_backprop, obd_hessian_diagonal)
from .pruning import (MaskedOptimizer, PruningMask, feature_saliency, magnitude_prune_mask,
                      obd_prune_and_retrain, prunable_mask, prune_mask, saliency)

__version__ = "0.1.0"
