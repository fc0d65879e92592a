"""Reference NumPy implementation of the course "Neural networks from scratch".

One module per idea; each lecture's code lives in the file named after its topic:

==========================  ===========================================================
``activations``             activation functions, derivatives, softmax (modules 1-2)
``layers``                  dense layer ``H = f(X @ W + b)``, forward/backward pairs
``network``                 multi-layer network with one flat parameter vector
``parameters``              ``vec`` / ``unvec`` in seed 000's column order
``losses``                  MSE, binary and softmax cross-entropy with gradients
``gradient_check``          central differences and relative error
``datasets``                small generated 2-D problems (XOR, spirals, circles, moons)
``training``                a minimal training loop and plain gradient descent
``plotting``                decision-region plots
==========================  ===========================================================
"""
from . import activations, datasets, gradient_check, layers, losses, network, parameters, training
from .activations import get_activation, log_softmax, sigmoid, softmax
from .gradient_check import check_gradients, numerical_gradient, relative_error
from .layers import Dense, Layer
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, mean_squared_error,
                     softmax_cross_entropy)
from .network import ForwardPass, Network
from .parameters import ParamSpec, unvec, vec

__version__ = "0.1.0"
