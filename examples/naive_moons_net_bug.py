"""The naive moons network with one classic bug: the sigmoid's derivative s(1 - s), written for
s = sigmoid(Z), fed the pre-activation Z itself.

    python -m bench doctor examples/naive_moons_net_bug.py:BuggyMoonsNet
"""

from naive_moons_net import ACTIVATIONS, NaiveMoonsNet, sigmoid


def sigmoid_backward(dA, Z):
    return dA * Z * (1 - Z)  # the bug: should be sig * (1 - sig) with sig = sigmoid(Z)


class BuggyMoonsNet(NaiveMoonsNet):
    """NaiveMoonsNet with the sigmoid_backward above."""

    table = {**ACTIVATIONS, "sigmoid": (sigmoid, sigmoid_backward)}
