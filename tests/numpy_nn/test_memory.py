"""Training memory is bounded and predictable: Network.training_memory_bytes plus a constant.

tracemalloc sees NumPy's array allocations, so the peak it reports while fit runs is what David
really allocates. The constant, 64 KiB, covers Python's own objects: the network's lists and
array views (about 100 bytes each), the workspace's views for up to eight batch sizes, each
epoch's list of batches as the caller hands it, and the History's floats (about 32 bytes per
epoch). Measured: 28 to 31 KiB for the networks below. A regression that brings back one
parameter-sized temporary per step (the old `param -= grad * lr`) overshoots by 250 KiB here.
"""

import tracemalloc

import numpy as np
import pytest

from numpy_nn import Network

CONSTANT = 64 * 1024
N_SAMPLES, BATCH_SIZE = 1000, 64
LAYERS = [
    {"input_dim": 20, "output_dim": 256, "activation": "relu"},
    {"input_dim": 256, "output_dim": 256, "activation": "tanh"},
    {"input_dim": 256, "output_dim": 3, "activation": "softmax"},
]


class RotatingOrders:
    """Per-epoch batch orders computed on access, as views of one permutation (no new data)."""

    def __init__(self, epochs: int):
        self.epochs = epochs
        self.permutation = np.random.default_rng(0).permutation(N_SAMPLES)

    def __len__(self):
        return self.epochs

    def __getitem__(self, epoch):
        start = (epoch * 7) % BATCH_SIZE
        cuts = range(start, N_SAMPLES, BATCH_SIZE)
        return [self.permutation[:start]] * bool(start) + [
            self.permutation[i : i + BATCH_SIZE] for i in cuts
        ]


def training_peak(dtype, optimizer, epochs, stop_at=None):
    """(bytes at peak while fit ran, counted from just before the network was built, network)."""
    rng = np.random.default_rng(1)
    # Data already in the network's dtype and output shape: fit converts nothing.
    x = rng.normal(size=(N_SAMPLES, 20)).astype(dtype)
    y = np.eye(3, dtype=dtype)[rng.integers(0, 3, N_SAMPLES)]
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        net = Network(LAYERS, optimizer=optimizer, dtype=dtype, seed=0)
        tracemalloc.reset_peak()  # the initialisers' float64 draws are not training
        callback = None if stop_at is None else (lambda epoch, logs: epoch == stop_at)
        net.fit(
            x, y, epochs=epochs, batches=RotatingOrders(epochs), callback=callback, evaluate=False
        )
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    return peak, net


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam", {"name": "rmsprop", "centered": True}])
def test_peak_is_the_predicted_bound_plus_a_constant(dtype, optimizer):
    peak, net = training_peak(dtype, optimizer, epochs=3)
    bound = net.training_memory_bytes(BATCH_SIZE)
    assert peak <= bound + CONSTANT
    # The bound is not loose: the parameters, gradients, optimiser state and one batch's arrays
    # are all really there (everything but the one activation temporary it allows for).
    temporary = BATCH_SIZE * 256 * np.dtype(dtype).itemsize
    assert peak >= bound - temporary


def test_bound_counts_what_it_says():
    net = Network(LAYERS, optimizer="adam", dtype="float32")
    n_params = 20 * 256 + 256 + 256 * 256 + 256 + 256 * 3 + 3
    # params + grads + Adam's m, v and scratch; then X and y rows, every layer's output and
    # gradient, one widest-layer temporary
    rows = 20 + 3 + 2 * (256 + 256 + 3) + 256
    assert net.training_memory_bytes(32) == 4 * (5 * n_params + 32 * rows)
    assert Network(LAYERS, optimizer="sgd").training_memory_bytes(1) == 4 * (2 * n_params + rows)


@pytest.mark.slow
def test_memory_does_not_grow_with_epochs():
    """A 100,000-epoch fit stopped after 30 epochs peaks where a 3-epoch fit does."""
    short, _ = training_peak("float32", "adam", epochs=3)
    long, net = training_peak("float32", "adam", epochs=100_000, stop_at=30)
    orders = RotatingOrders(30)
    assert net.optimizer.iterations == sum(len(orders[epoch]) for epoch in range(30))
    # The difference: the History's 27 extra floats, and the views the workspace keeps for more
    # batch sizes (this order varies them; it keeps at most eight).
    assert abs(long - short) <= 8 * 1024
