"""Interim `make bench`: train David on seed 002's moons problem and report accuracy and time."""

import time

import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

from numpy_nn import Network

SEED_002_NETWORK = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]


def main() -> None:
    """Train on make_moons(1000, noise=0.2, random_state=100) and print the result."""
    x, y = make_moons(1000, noise=0.2, random_state=100)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.1, random_state=42)
    for batch_size in (None, 32):
        net = Network(SEED_002_NETWORK, optimizer={"name": "sgd", "learning_rate": 0.01}, seed=0)
        start = time.perf_counter()
        history = net.fit(x_train, y_train, epochs=300, batch_size=batch_size)
        seconds = time.perf_counter() - start
        label = "full batch" if batch_size is None else f"batch {batch_size}"
        print(
            f"David, moons, {label:>10}: test accuracy {net.score(x_test, y_test):.3f}, "
            f"{seconds:.2f} s total, {np.median(history.epoch_seconds) * 1e3:.2f} ms/epoch (median)"
        )


if __name__ == "__main__":
    main()
