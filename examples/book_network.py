"""A network written the way the best-known online book on neural networks writes one (our code).

Every layer sigmoid; the quadratic cost C = 1/2 |a - y|^2 summed over the outputs, averaged over
the mini-batch; plain stochastic gradient descent, w -> w - eta * dC/dw. Weights stored
(output_dim, input_dim), biases as columns, samples in columns, back-propagation with
delta = (a - y) * sigmoid'(z) at the output. The last lines plug it in through
bench.fighters.adapter.ArticleNetwork, whose layout it shares.

Its cost is Keras's mean squared error times n_out / 2, and so are its gradients: at learning
rate eta it takes the steps Keras takes at eta * n_out / 2. It says so (`loss_convention`), and
the harness scales its learning rate in fights, the doctor in its training check.

    python -m bench doctor examples/book_network.py:BookNetwork
    python -m bench run examples/book_network.toml
"""

from __future__ import annotations

import numpy as np

from bench.fighters.adapter import ArticleNetwork


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def feedforward(params, a, n_layers):
    for k in range(1, n_layers + 1):
        a = sigmoid(params[f"W{k}"] @ a + params[f"b{k}"])
    return a


def cost_derivative(output_activations, y):
    """dC/da of C = 1/2 |a - y|^2."""
    return output_activations - y


def backprop(params, x, y, n_layers, prime=sigmoid_prime):
    """dC/dW and dC/db, averaged over the mini-batch (the columns of x)."""
    activation, activations, zs = x, [x], []
    for k in range(1, n_layers + 1):
        z = params[f"W{k}"] @ activation + params[f"b{k}"]
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    m = x.shape[1]
    grads = {}
    delta = cost_derivative(activations[-1], y) * prime(zs[-1])
    for k in range(n_layers, 0, -1):
        grads[f"dW{k}"] = delta @ activations[k - 1].T / m
        grads[f"db{k}"] = delta.sum(axis=1, keepdims=True) / m
        if k > 1:
            delta = (params[f"W{k}"].T @ delta) * prime(zs[k - 2])
    return grads


def update_mini_batch(params, grads, eta):
    for key in params:
        params[key] -= eta * grads["d" + key]


class BookNetwork(ArticleNetwork):
    """The functions above as a fighter: sigmoid layers, quadratic cost, plain SGD."""

    activations = ("sigmoid",)
    losses = ("mean_squared_error",)
    optimizers = {"sgd": ("learning_rate",)}
    loss_convention = "half_sum_over_outputs"  # C = 1/2 |a - y|^2, Keras's is the mean

    def forward(self, params, x):
        return feedforward(params, x, len(self.layers))

    def backward(self, params, x, y):
        return backprop(params, x, y, len(self.layers))

    def update(self, params, grads):
        update_mini_batch(params, grads, self.optimizer.get("learning_rate", 3.0))
