"""A deliberately naive network, written the way the moons article writes one.

Functions over a dict of parameters `W1`, `b1`, `W2`, ... with W stored (output_dim, input_dim),
b as a column and the samples in columns; relu and sigmoid; binary cross-entropy; gradient
descent with momentum. No buffers, no fused gradient, nothing clever: the kind of network a
reader writes after the article. The last twenty lines plug it into the harness as a fighter
(see my_network.toml) through bench.fighters.adapter.ArticleNetwork, which translates its layout.

    python -m bench doctor examples/naive_moons_net.py:NaiveMoonsNet
"""

from __future__ import annotations

import numpy as np

from bench.fighters.adapter import ArticleNetwork


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def relu(Z):
    return np.maximum(0, Z)


def sigmoid_backward(dA, Z):
    sig = sigmoid(Z)
    return dA * sig * (1 - sig)


def relu_backward(dA, Z):
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


# activation name -> (the function, its backward step)
ACTIVATIONS = {"relu": (relu, relu_backward), "sigmoid": (sigmoid, sigmoid_backward)}


def single_layer_forward_propagation(A_prev, W_curr, b_curr, activation):
    Z_curr = np.dot(W_curr, A_prev) + b_curr
    return activation(Z_curr), Z_curr


def full_forward_propagation(X, params_values, nn_architecture, activations=ACTIVATIONS):
    memory = {}
    A_curr = X
    for idx, layer in enumerate(nn_architecture):
        layer_idx = idx + 1
        A_prev = A_curr
        W_curr = params_values["W" + str(layer_idx)]
        b_curr = params_values["b" + str(layer_idx)]
        activation = activations[layer["activation"]][0]
        A_curr, Z_curr = single_layer_forward_propagation(A_prev, W_curr, b_curr, activation)
        memory["A" + str(idx)] = A_prev
        memory["Z" + str(layer_idx)] = Z_curr
    return A_curr, memory


def single_layer_backward_propagation(dA_curr, W_curr, b_curr, Z_curr, A_prev, backward):
    m = A_prev.shape[1]
    dZ_curr = backward(dA_curr, Z_curr)
    dW_curr = np.dot(dZ_curr, A_prev.T) / m
    db_curr = np.sum(dZ_curr, axis=1, keepdims=True) / m
    dA_prev = np.dot(W_curr.T, dZ_curr)
    return dA_prev, dW_curr, db_curr


def full_backward_propagation(
    Y_hat,
    Y,
    memory,
    params_values,
    nn_architecture,
    activations=ACTIVATIONS,
    layer_backward=single_layer_backward_propagation,
):
    grads_values = {}
    Y = Y.reshape(Y_hat.shape)
    dA_prev = -(np.divide(Y, Y_hat) - np.divide(1 - Y, 1 - Y_hat))
    for layer_idx_prev, layer in reversed(list(enumerate(nn_architecture))):
        layer_idx_curr = layer_idx_prev + 1
        dA_curr = dA_prev
        A_prev = memory["A" + str(layer_idx_prev)]
        Z_curr = memory["Z" + str(layer_idx_curr)]
        W_curr = params_values["W" + str(layer_idx_curr)]
        b_curr = params_values["b" + str(layer_idx_curr)]
        backward = activations[layer["activation"]][1]
        dA_prev, dW_curr, db_curr = layer_backward(
            dA_curr, W_curr, b_curr, Z_curr, A_prev, backward
        )
        grads_values["dW" + str(layer_idx_curr)] = dW_curr
        grads_values["db" + str(layer_idx_curr)] = db_curr
    return grads_values


def update(params_values, grads_values, velocity, nn_architecture, learning_rate, momentum):
    for idx, _ in enumerate(nn_architecture):
        layer_idx = idx + 1
        for name in ("W", "b"):
            key = name + str(layer_idx)
            v = velocity.get(key, 0.0)
            v = momentum * v - learning_rate * grads_values["d" + key]
            velocity[key] = v
            params_values[key] += v
    return params_values


class NaiveMoonsNet(ArticleNetwork):
    """The functions above as a fighter: the adapter translates the layout."""

    activations = ("relu", "sigmoid")
    losses = ("binary_crossentropy",)
    optimizers = {"sgd": ("learning_rate", "momentum")}
    table = ACTIVATIONS  # a subclass swaps a function here, or the three below
    layer_backward = staticmethod(single_layer_backward_propagation)
    step = staticmethod(update)

    def forward(self, params, x):
        return full_forward_propagation(x, params, self.layers, self.table)[0]

    def backward(self, params, x, y):
        y_hat, memory = full_forward_propagation(x, params, self.layers, self.table)
        return full_backward_propagation(
            y_hat, y, memory, params, self.layers, self.table, self.layer_backward
        )

    def update(self, params, grads):
        learning_rate = self.optimizer.get("learning_rate", 0.01)
        momentum = self.optimizer.get("momentum", 0.0)
        self.step(params, grads, self.state, self.layers, learning_rate, momentum)
