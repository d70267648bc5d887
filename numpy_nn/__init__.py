"""David: a from-scratch multi-layer perceptron in NumPy (and nothing else)."""

from .activations import ACTIVATIONS, make_activation
from .initializers import INITIALIZERS, get_initializer
from .losses import LOSSES, default_loss_for, make_loss
from .network import DTYPES, History, Network
from .optimizers import OPTIMIZERS, SGD, Adam, Optimizer, RMSprop, make_optimizer
from .spec import SpecError, validate_layers

__all__ = [
    "ACTIVATIONS",
    "DTYPES",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "History",
    "Network",
    "Optimizer",
    "RMSprop",
    "SpecError",
    "default_loss_for",
    "get_initializer",
    "make_activation",
    "make_loss",
    "make_optimizer",
    "validate_layers",
]
