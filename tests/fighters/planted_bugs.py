"""The worked example's network with one classic bug each: what the doctor must pin down."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

from naive_moons_net import ACTIVATIONS, NaiveMoonsNet, relu  # noqa: E402  (example files)
from naive_moons_net_bug import BuggyMoonsNet  # noqa: E402


def backward_bias_summed(dA_curr, W_curr, b_curr, Z_curr, A_prev, backward):
    """The bias gradient summed over the batch, not averaged: db is m times too large."""
    m = A_prev.shape[1]
    dZ_curr = backward(dA_curr, Z_curr)
    dW_curr = np.dot(dZ_curr, A_prev.T) / m
    db_curr = np.sum(dZ_curr, axis=1, keepdims=True)  # the bug: no / m
    dA_prev = np.dot(W_curr.T, dZ_curr)
    return dA_prev, dW_curr, db_curr


def relu_backward_missing(dA, Z):
    """The ReLU's derivative forgotten: the gradient passes through unmasked."""
    return np.array(dA, copy=True)


def update_velocity_late(params_values, grads_values, velocity, nn_architecture, lr, momentum):
    """Momentum with the weights moved by the old velocity, before the velocity is updated."""
    for idx, _ in enumerate(nn_architecture):
        for name in ("W", "b"):
            key = name + str(idx + 1)
            v = velocity.get(key, 0.0)
            params_values[key] += v  # the bug: applied before v takes this step's gradient
            velocity[key] = momentum * v - lr * grads_values["d" + key]
    return params_values


class BiasGradientScale(NaiveMoonsNet):
    layer_backward = staticmethod(backward_bias_summed)


class SigmoidDerivative(BuggyMoonsNet):
    """The docs' worked bug: s(1 - s) written for the activation, fed the pre-activation Z."""


class ReluDerivative(NaiveMoonsNet):
    table = {**ACTIVATIONS, "relu": (relu, relu_backward_missing)}


class TransposedLayout(NaiveMoonsNet):
    """Weights translated to the (out, in) layout by reshape instead of transpose."""

    def to_own(self, weights):
        params = {}
        for number, (w, b) in enumerate(weights, start=1):
            w = np.asarray(w, dtype=self.dtype)
            params[f"W{number}"] = w.reshape(w.shape[1], w.shape[0])  # the bug: not w.T
            params[f"b{number}"] = np.array(b, dtype=self.dtype).reshape(-1, 1)
        return params

    def to_shared(self, params):
        return [
            (params[f"W{n}"].reshape(params[f"W{n}"].shape[1], -1), params[f"b{n}"][:, 0])
            for n in range(1, len(self.layers) + 1)
        ]


class VelocityOrder(NaiveMoonsNet):
    step = staticmethod(update_velocity_late)


class GradientsBySgdStep(NaiveMoonsNet):
    """The example without its gradients() method: the doctor reads them from an SGD step."""

    gradients = None
