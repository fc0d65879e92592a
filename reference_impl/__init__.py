"""Reference NumPy implementation of the course "Neural networks from scratch".

One module per idea; each lecture's code lives in the file named after its topic:

=========================  ===========================================================
``activations``            activation functions, derivatives, softmax (module 1)
``neuron``                 a single neuron ``f(X @ w + b)`` on a batch (module 1)
``logic_gates``            AND/OR/NOT/NAND, XOR two ways, exact separability test (module 1)
``perceptron``             Rosenblatt's perceptron rule (module 1)
``layers``                 dense layer ``H = f(X @ W + b)``, forward/backward pairs
``network``                multi-layer network with one flat parameter vector
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
``minibatches``            mini-batch indices per epoch, running loss estimate (module 4)
``gradient_clipping``      clipping the gradient by its global norm (module 4)
``optimization_surfaces``  Rosenbrock, Beale, saddle with gradients; trajectories (module 4)
``training``               a minimal training loop (any optimizer, mini-batches, clipping)
``plotting``               decision-region plots
=========================  ===========================================================
"""
from . import (activations, datasets, gradient_check, gradient_clipping, layers, losses, minibatches,
               network, optimization_surfaces, optimizers, parameters, training)
from .activations import get_activation, log_softmax, sigmoid, softmax
from .gradient_check import check_gradients, numerical_gradient, relative_error
from .gradient_clipping import clip_by_global_norm
from .layers import Dense, Layer
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, mean_squared_error,
                     softmax_cross_entropy)
from .minibatches import RunningLoss, iterate_minibatches, minibatch_indices
from .network import ForwardPass, Network
from .optimizers import (SGD, AdaDelta, AdaDeltaSlides, Adam, GradientDescent, Momentum, Nadam,
                         NadamSlides, Nesterov, RMSProp)
from .parameters import ParamSpec, unvec, vec

__version__ = "0.1.0"
