"""Activation functions, each with its forward pass and its gradient side by side.

Both work in place on the step's preallocated buffers: `forward` turns the pre-activation z into
the activation a = f(z), and `backward` turns dL/da into dL/dz. Every gradient is written in terms
of a alone, so the pre-activations need not be kept.
"""

from __future__ import annotations

import numpy as np

from .rounding import float32_rounded

DEFAULT_LEAKY_SLOPE = 0.01  # the 3-4-2 example's leaky ReLU


class Activation:
    """An element-wise (or row-wise, for softmax) non-linearity."""

    name = "activation"

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Overwrite z with a = f(z) and return it."""
        raise NotImplementedError

    def backward(self, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Overwrite grad, dL/da, with dL/dz (given a = f(z)) and return it."""
        raise NotImplementedError


class Linear(Activation):
    name = "linear"

    def forward(self, z):
        return z

    def backward(self, a, grad):
        return grad


class ReLU(Activation):
    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0.0, out=z)

    def backward(self, a, grad):
        # a > 0 exactly where z > 0; the gradient at 0 is 0, as in TensorFlow's ReluGrad.
        return np.multiply(grad, a > 0, out=grad)


class LeakyReLU(Activation):
    name = "leaky_relu"

    def __init__(self, negative_slope: float = DEFAULT_LEAKY_SLOPE):
        if not negative_slope >= 0:  # a > 0 must mean z > 0 for the gradient below
            raise ValueError(f"negative_slope must be a number >= 0, got {negative_slope!r}")
        # 0.01 becomes 0.009999999776482582, as in TensorFlow's LeakyRelu op (see rounding.py).
        self.negative_slope = float32_rounded(negative_slope)

    def forward(self, z):
        return np.multiply(z, self.negative_slope, out=z, where=~(z > 0))

    def backward(self, a, grad):
        return np.multiply(grad, self.negative_slope, out=grad, where=~(a > 0))


class Sigmoid(Activation):
    name = "sigmoid"

    def forward(self, z):
        # exp(min(z, 0)) / (1 + exp(-|z|)): 1/(1+e^-z) above 0, e^z/(1+e^z) below; exp never
        # overflows.
        denominator = np.abs(z)
        np.negative(denominator, out=denominator)
        np.exp(denominator, out=denominator)
        denominator += 1.0
        np.minimum(z, 0.0, out=z)
        np.exp(z, out=z)
        z /= denominator
        return z

    def backward(self, a, grad):
        slope = np.subtract(1.0, a)
        slope *= a
        grad *= slope
        return grad


class Tanh(Activation):
    name = "tanh"

    def forward(self, z):
        return np.tanh(z, out=z)

    def backward(self, a, grad):
        slope = np.multiply(a, a)
        np.subtract(1.0, slope, out=slope)
        grad *= slope
        return grad


class Softmax(Activation):
    name = "softmax"

    def forward(self, z):
        # The max trick: exp of numbers <= 0 only.
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def backward(self, a, grad):
        # Jacobian-vector product of softmax, row by row: a * (g - <g, a>).
        grad -= np.einsum("ij,ij->i", grad, a)[:, None]
        grad *= a
        return grad


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Linear)
}


def make_activation(name: str, negative_slope: float | None = None) -> Activation:
    """Build an activation by name; `negative_slope` applies to leaky_relu only."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    if name == "leaky_relu" and negative_slope is not None:
        return LeakyReLU(negative_slope)
    return ACTIVATIONS[name]()
