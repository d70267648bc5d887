"""Hyper-parameters rounded the way Keras rounds them, so float64 parity can be exact.

TensorFlow turns a Python float into a float32 tensor before any cast, and keeps some op
attributes (the leaky ReLU slope) in 32 bits. So even a float64 Keras model uses momentum
0.8999999761581421, not 0.9. David follows the same definitions: where Keras rounds a
hyper-parameter to float32, David does too. (Learning rates are not rounded: Keras keeps them in
a variable of the model's float type.)
"""

import numpy as np


def float32_rounded(value: float) -> float:
    """The value as a float32 would hold it, returned as a Python float."""
    return float(np.float32(value))
