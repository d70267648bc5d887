"""The fair start: one set of initial weights and one batch order per case seed, for everyone.

Both come from the case seed through independent streams. The batch order is computed one
epoch at a time, when a fighter asks for it: epoch e's order depends only on (seed, e), so
every fighter in every process replays the same batches, and 100,000 epochs cost no memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from numpy_nn import Network

WEIGHT_STREAM, BATCH_STREAM = 0, 1


class BatchSchedule(Sequence):
    """Per epoch, a fresh permutation cut into batches (one ordered batch when full batch)."""

    def __init__(self, n_samples: int, epochs: int, batch_size: int | None, seed: int):
        self.n_samples, self.epochs, self.seed = n_samples, epochs, seed
        self.batch_size = None if batch_size is None or batch_size >= n_samples else batch_size

    def __len__(self) -> int:
        return self.epochs

    def __getitem__(self, epoch: int) -> list[np.ndarray]:  # type: ignore[override]
        if not 0 <= epoch < self.epochs:
            raise IndexError(f"epoch index {epoch} out of range 0..{self.epochs - 1}")
        if self.batch_size is None:
            return [np.arange(self.n_samples)]
        stream = np.random.SeedSequence(self.seed, spawn_key=(BATCH_STREAM, epoch))
        perm = np.random.default_rng(stream).permutation(self.n_samples)
        return [perm[i : i + self.batch_size] for i in range(0, self.n_samples, self.batch_size)]

    @property
    def steps_per_epoch(self) -> int:
        """Batches in every epoch."""
        return 1 if self.batch_size is None else -(-self.n_samples // self.batch_size)


@dataclass(frozen=True)
class FairStart:
    """Initial (W, b) pairs in float64 and the batch schedule."""

    weights: list[tuple[np.ndarray, np.ndarray]]
    batches: BatchSchedule


def initial_weights(layers: Sequence[dict[str, Any]], seed: int) -> list[tuple[np.ndarray, ...]]:
    """The start weights every fighter loads, drawn with David's initialisers in float64."""
    stream = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(WEIGHT_STREAM,)))
    return Network(layers, loss="mean_squared_error", dtype="float64", seed=stream).get_weights()


def make_fair_start(
    layers: Sequence[dict[str, Any]],
    seed: int,
    n_samples: int,
    epochs: int,
    batch_size: int | None,
) -> FairStart:
    """The weights and the batch schedule of one case seed."""
    return FairStart(
        initial_weights(layers, seed), BatchSchedule(n_samples, epochs, batch_size, seed)
    )
