"""Activation functions, each with its forward pass and its gradient side by side."""

from __future__ import annotations

import numpy as np

from .rounding import float32_rounded

DEFAULT_LEAKY_SLOPE = 0.01  # seed 000's leaky ReLU


class Activation:
    """An element-wise (or row-wise, for softmax) non-linearity."""

    name = "activation"

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return a = f(z)."""
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Return dL/dz given dL/da (may overwrite grad_a)."""
        raise NotImplementedError


class Linear(Activation):
    name = "linear"

    def forward(self, z):
        return z

    def backward(self, z, a, grad_a):
        return grad_a


class ReLU(Activation):
    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0.0)

    def backward(self, z, a, grad_a):
        # The gradient at exactly 0 is 0, as in TensorFlow's ReluGrad.
        grad_a *= z > 0
        return grad_a


class LeakyReLU(Activation):
    name = "leaky_relu"

    def __init__(self, negative_slope: float = DEFAULT_LEAKY_SLOPE):
        # 0.01 becomes 0.009999999776482582, as in TensorFlow's LeakyRelu op (see rounding.py).
        self.negative_slope = float32_rounded(negative_slope)

    def forward(self, z):
        return np.where(z > 0, z, z * self.negative_slope)

    def backward(self, z, a, grad_a):
        return np.where(z > 0, grad_a, grad_a * self.negative_slope)


class Sigmoid(Activation):
    name = "sigmoid"

    def forward(self, z):
        return stable_sigmoid(z)

    def backward(self, z, a, grad_a):
        grad_a *= a * (1.0 - a)
        return grad_a


class Tanh(Activation):
    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def backward(self, z, a, grad_a):
        grad_a *= 1.0 - a * a
        return grad_a


class Softmax(Activation):
    name = "softmax"

    def forward(self, z):
        return stable_softmax(z)

    def backward(self, z, a, grad_a):
        # Jacobian-vector product of softmax, row by row: a * (g - <g, a>).
        inner = np.einsum("ij,ij->i", grad_a, a)[:, None]
        return a * (grad_a - inner)


def stable_sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function that never overflows: exp is only taken of -|z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def stable_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax with the max trick."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


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
