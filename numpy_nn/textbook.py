"""The maths of network.py written plainly, as a textbook would: a reference to read and test.

Nothing is preallocated or done in place; every intermediate gets its own array. A network and
its gradients are lists of (W, b) pairs, W shaped (d_in, d_out) as in Keras, and a batch has n
rows. It computes what David computes, so the two agree to rounding
(tests/numpy_nn/test_textbook.py) when the hyper-parameters are ones float32 holds exactly:
David rounds momentum, Adam's betas and L2 factors to float32 as Keras does (see rounding.py).
"""

from __future__ import annotations

import numpy as np

Params = list[tuple[np.ndarray, np.ndarray]]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _leaky_relu(slope: float):
    return (lambda z: np.where(z > 0, z, slope * z), lambda a, g: np.where(a > 0, g, slope * g))


# name -> (f(z), and dL/dz from a = f(z) and dL/da)
ACTIVATIONS = {
    "linear": (lambda z: z, lambda a, g: g),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a, g: g * (a > 0)),
    "leaky_relu": _leaky_relu(float(np.float32(0.01))),  # TensorFlow keeps the slope in float32
    "sigmoid": (_sigmoid, lambda a, g: g * a * (1 - a)),
    "tanh": (np.tanh, lambda a, g: g * (1 - a**2)),
    # softmax's Jacobian J = diag(a) - a a^T applied to g, row by row: a * (g - <g, a>)
    "softmax": (_softmax, lambda a, g: a * (g - (g * a).sum(axis=1, keepdims=True))),
}


def forward(params: Params, activations: list[str], x: np.ndarray) -> list[np.ndarray]:
    """Every layer's activation, a_0 = x first: a_{l+1} = f_l(a_l @ W_l + b_l)."""
    a = [x]
    for (w, b), name in zip(params, activations, strict=True):
        a.append(ACTIVATIONS[name][0](a[-1] @ w + b))
    return a


def loss(y: np.ndarray, out: np.ndarray, name: str) -> float:
    """Mean loss over the batch (over every output unit for BCE and MSE, as Keras means it)."""
    if name == "binary_crossentropy":
        return float(np.mean(-(y * np.log(out) + (1 - y) * np.log(1 - out))))
    if name == "categorical_crossentropy":
        return float(np.mean(-(y * np.log(out)).sum(axis=1)))
    return float(np.mean((out - y) ** 2))


def backward(
    params: Params,
    activations: list[str],
    loss_name: str,
    x: np.ndarray,
    y: np.ndarray,
    l2: list[float] | None = None,
) -> Params:
    """dL/dW and dL/db for every layer, L the mean loss plus sum of l2 * sum(W**2)."""
    a = forward(params, activations, x)
    out = a[-1]
    if loss_name == "binary_crossentropy":  # sigmoid and BCE together: dL/dz = (a - y) / size
        delta = (out - y) / out.size
    elif loss_name == "categorical_crossentropy":  # softmax and CCE: dL/dz = (a - y) / n
        delta = (out - y) / len(y)
    else:  # MSE: dL/da = 2 (a - y) / size, then through the output activation
        delta = ACTIVATIONS[activations[-1]][1](out, 2 * (out - y) / out.size)
    grads = []
    for layer in reversed(range(len(params))):
        w = params[layer][0]
        grad_w = a[layer].T @ delta
        if l2 and l2[layer]:
            grad_w = grad_w + 2 * l2[layer] * w
        grads.append((grad_w, delta.sum(axis=0)))
        if layer:
            delta = ACTIVATIONS[activations[layer - 1]][1](a[layer], delta @ w.T)
    return grads[::-1]


def train_step(
    params: Params,
    activations: list[str],
    loss_name: str,
    x: np.ndarray,
    y: np.ndarray,
    optimizer: SGD | Adam,
    l2: list[float] | None = None,
) -> Params:
    """One training step on the batch (x, y): forward, backward, the optimiser's update."""
    return optimizer.step(params, backward(params, activations, loss_name, x, y, l2))


class SGD:
    """w -= lr * g; with momentum, v = momentum * v - lr * g and w += v."""

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0):
        self.learning_rate, self.momentum, self.velocity = learning_rate, momentum, None

    def step(self, params: Params, grads: Params) -> Params:
        """The parameters after one step."""
        flat, g = _flat(params), _flat(grads)
        if self.velocity is None:
            self.velocity = np.zeros_like(flat)
        self.velocity = self.momentum * self.velocity - self.learning_rate * g
        return _unflat(flat + self.velocity, params)


class Adam:
    """Adam, with Keras's bias correction folded into the step size and epsilon outside sqrt(v)."""

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ):
        self.lr, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon
        self.m = self.v = None
        self.t = 0

    def step(self, params: Params, grads: Params) -> Params:
        """The parameters after one step."""
        flat, g = _flat(params), _flat(grads)
        if self.m is None:
            self.m, self.v = np.zeros_like(flat), np.zeros_like(flat)
        self.t += 1
        self.m = self.beta_1 * self.m + (1 - self.beta_1) * g
        self.v = self.beta_2 * self.v + (1 - self.beta_2) * g**2
        alpha = self.lr * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        return _unflat(flat - alpha * self.m / (np.sqrt(self.v) + self.epsilon), params)


def _flat(params: Params) -> np.ndarray:
    return np.concatenate([p.ravel() for pair in params for p in pair])


def _unflat(flat: np.ndarray, like: Params) -> Params:
    out, start = [], 0
    for w, b in like:
        w_new = flat[start : start + w.size].reshape(w.shape)
        start += w.size
        out.append((w_new, flat[start : start + b.size]))
        start += b.size
    return out
