"""The fights the floor is timed on: networks, optimisers, data shapes, batches and FLOPs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DTYPE = np.float32


@dataclass(frozen=True)
class Fight:
    """A network, an optimiser and a data shape: what one row of the table times."""

    name: str
    sizes: tuple[int, ...]  # input, hidden..., output units; hidden layers are relu
    head: str  # "sigmoid" (binary cross-entropy) or "softmax" (categorical cross-entropy)
    optimizer: dict[str, Any]
    n_samples: int
    batch_size: int
    repeats: int  # timed epochs per contestant (--quick divides it)
    quick_samples: int = 0  # fewer samples (same shapes per step) under --quick; 0: unchanged

    def layers(self) -> list[dict[str, Any]]:
        """The numpy_nn layer spec."""
        pairs = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        return [
            {
                "input_dim": fan_in,
                "output_dim": fan_out,
                "activation": self.head if index == len(pairs) - 1 else "relu",
            }
            for index, (fan_in, fan_out) in enumerate(pairs)
        ]


MOONS = (2, 25, 50, 50, 25, 1)  # the moons article's network
WIDE = (784, 2048, 2048, 10)
FIGHTS = [
    Fight("moons-sgd", MOONS, "sigmoid", {"name": "sgd", "learning_rate": 0.01}, 900, 32, 300),
    Fight("moons-adam", MOONS, "sigmoid", {"name": "adam", "learning_rate": 0.001}, 900, 32, 300),
    Fight(
        "w2048-sgd", WIDE, "softmax", {"name": "sgd", "learning_rate": 0.01}, 10_000, 128, 7, 2048
    ),
    Fight(
        "w2048-adam",
        WIDE,
        "softmax",
        {"name": "adam", "learning_rate": 0.001},
        10_000,
        128,
        7,
        2048,
    ),
]


def make_data(
    fight: Fight, n_samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of the fight's shape: two noisy moons, or Gaussian 784-pixel images."""
    if fight.sizes[0] == 2:
        # sklearn's make_moons, written out: two interleaved half circles plus noise 0.2.
        half = n_samples // 2
        t_outer, t_inner = np.linspace(0, np.pi, n_samples - half), np.linspace(0, np.pi, half)
        x = np.concatenate(
            [
                np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
                np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1),
            ]
        )
        x += rng.normal(0, 0.2, size=x.shape)
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        labels = np.repeat([0, 1], [n_samples - half, half])
    else:
        x = rng.standard_normal((n_samples, fight.sizes[0]))
        labels = rng.integers(0, fight.sizes[-1], size=n_samples)
    return x.astype(DTYPE), labels


def batch_order(n_samples: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch: a fresh permutation cut into batches (the last one may be smaller)."""
    perm = rng.permutation(n_samples)
    return [perm[i : i + batch_size] for i in range(0, n_samples, batch_size)]


def step_flops(sizes: tuple[int, ...], rows: int) -> int:
    """Matmul FLOPs of one step: forward, weight gradients, input gradients (not the first)."""
    products = [fan_in * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True)]
    return 2 * rows * (2 * sum(products) + sum(products[1:]))
