"""The workloads the configurations are timed on: model, optimiser, batch size and data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Workload:
    """A fight to time: model, optimizer, batch size, data, epochs per timed block."""

    name: str
    hidden: tuple[int, ...]
    activation: str
    output: str
    n_features: int
    n_classes: int
    n_samples: int
    batch_size: int
    optimizer: dict[str, Any]
    epochs_per_block: int
    rounds: int

    def layers(self) -> list[dict[str, Any]]:
        """The plain-data layer spec."""
        sizes = [self.n_features, *self.hidden, 1 if self.n_classes == 2 else self.n_classes]
        return [
            {
                "input_dim": sizes[i],
                "output_dim": sizes[i + 1],
                "activation": self.activation if i < len(sizes) - 2 else self.output,
            }
            for i in range(len(sizes) - 1)
        ]

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Seeded float32 training data."""
        if self.name == "moons":
            from sklearn.datasets import make_moons

            x, y = make_moons(self.n_samples, noise=0.2, random_state=100)
            x = (x - x.mean(axis=0)) / x.std(axis=0)
            return x.astype(np.float32), y
        rng = np.random.default_rng(0)
        x = rng.standard_normal((self.n_samples, self.n_features), dtype=np.float32)
        return x, rng.integers(0, self.n_classes, self.n_samples)


WORKLOADS = {
    "moons": Workload(
        "moons", (25, 50, 50, 25), "relu", "sigmoid", 2, 2, 900, 32,
        {"name": "sgd", "learning_rate": 0.01}, epochs_per_block=20, rounds=3,
    ),
    "mnist-1024": Workload(
        "mnist-1024", (1024, 1024), "relu", "softmax", 784, 10, 10_000, 128,
        {"name": "adam", "learning_rate": 1e-3}, epochs_per_block=1, rounds=2,
    ),
}  # fmt: skip
