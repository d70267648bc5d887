"""The fair start: one set of initial weights and one batch order per case seed, for everyone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from numpy_nn import Network


@dataclass(frozen=True)
class FairStart:
    """Initial (W, b) pairs in float64 and, per epoch, the list of batch index arrays."""

    weights: list[tuple[np.ndarray, np.ndarray]]
    batches: list[list[np.ndarray]]


def batch_order(
    n_samples: int, epochs: int, batch_size: int | None, rng: np.random.Generator
) -> list[list[np.ndarray]]:
    """Per epoch, a fresh permutation cut into batches (one ordered batch when full batch)."""
    if batch_size is None or batch_size >= n_samples:
        return [[np.arange(n_samples)] for _ in range(epochs)]
    order = []
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        order.append([perm[i : i + batch_size] for i in range(0, n_samples, batch_size)])
    return order


def make_fair_start(
    layers: Sequence[dict[str, Any]],
    seed: int,
    n_samples: int,
    epochs: int,
    batch_size: int | None,
) -> FairStart:
    """Draw the weights with David's initialisers and the batch order, from independent streams."""
    weight_stream, batch_stream = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)
    )
    weights = Network(layers, loss="mean_squared_error", dtype="float64", seed=weight_stream)
    return FairStart(
        weights=weights.get_weights(),
        batches=batch_order(n_samples, epochs, batch_size, batch_stream),
    )
